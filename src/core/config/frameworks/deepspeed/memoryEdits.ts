/**
 * Memory edits of DeepSpeed config keys (planMemoryEdits in src/core/model/memoryEdits.ts), wherever
 * the keys sit: a DeepSpeed JSON itself, or the top level of a GPT-NeoX YAML (which passes them to
 * the DeepSpeed engine; its folder adds its own rules). Keys and rules as deepspeedai/DeepSpeed@edaa7221
 * reads them:
 * - `zero_optimization.stage` raised by one (DeepSpeedZeroConfig.stage, runtime/zero/config.py,
 *   default 0): a missing `stage` is inserted into the object, a missing object at the top level.
 *   Never past the caller's maximum (the pipeline engine asserts stage < 2, runtime/pipe/engine.py);
 *   a boolean `zero_optimization` (the deprecated form get_zero_config converts) is not edited.
 * - `train_micro_batch_size_per_gpu` halved (or doubled) so that train_batch_size = micro ×
 *   accumulation × world size stays (runtime/config.py _set_batch_related_parameters and
 *   _batch_assertion): a written `gradient_accumulation_steps` is doubled (halved) in the same edit;
 *   when it is not written and `train_batch_size` is, DeepSpeed derives it as train_batch // micro
 *   // world, so only the micro-batch changes; with neither written it is inserted. Never with a
 *   value that is not a plain integer (`"auto"`, a template placeholder), nor with `elasticity`
 *   enabled (it overrides all three, config.py).
 * No recompute edit: the JSON's `activation_checkpointing` only configures deepspeed.checkpointing
 * for a model that calls it, which the JSON does not say.
 *
 * A DeepSpeed JSON alone holds no model, so its analysis has no memory figure and these edits are
 * offered on it only once it has one; GPT-NeoX files reach them through gpt-neox/memoryEdits.ts.
 */
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import type { ResolvedLayout } from '../../../model/layout';
import type { MemoryEdit, MemoryEditKind, OffsetReplacement } from '../../../model/memoryEdits';
import { insertMapEntry, rewriteYamlScalar, yamlForEdits } from '../../layoutBuilder';
import { getNode, nodeValue, type YamlSource } from '../../yamlSource';

export interface DeepSpeedKeyEditOptions {
  /** GPT-NeoX compares keys with `-` and `_` alike; keys are still written as the file spells them. */
  hyphenInsensitive?: boolean;
  /** The highest ZeRO stage the run admits (3; 1 on the pipeline engine). */
  maxStage: number;
  /**
   * An unwritten `gradient_accumulation_steps` follows from `train_batch_size` (DeepSpeed). GPT-NeoX
   * defaults it to 1 instead (deepspeed_args.py), so there a micro-batch edit always writes it.
   */
  derivesAccumulation: boolean;
  /** Offer the micro-batch edits (default true). */
  microBatch?: boolean;
  /**
   * A pair the written accumulation replaces, key and value, when `gradient_accumulation_steps` is
   * not written (GPT-NeoX's removed `gas: 1` duplicate).
   */
  accumulationInPlaceOf?: Pair<Node, Node>;
}

/** A parsed file ready for edits: its YAML (JSON is YAML) and the offset of its first character. */
export interface EditableYaml {
  yaml: YamlSource;
  base: number;
}

/** The raw text of a pair's value. */
export function valueText(yaml: YamlSource, pair: Pair<Node, Node>): string | undefined {
  const range = (pair.value as Node | null)?.range;
  return range ? yaml.lines.text.slice(range[0], range[1]) : undefined;
}

/** The key of a pair as the file writes it (quotes dropped). */
export function keyName(pair: Pair<Node, Node>, fallback: string): string {
  return isScalar(pair.key) ? String(pair.key.value) : fallback;
}

/** An integer ≥ 0 written as a plain number (`2`, `"2"`), else undefined (`auto`, `$VAR`, 2.5). */
export function plainInteger(yaml: YamlSource, pair: Pair<Node, Node> | undefined): number | undefined {
  if (!pair || !isScalar(pair.value)) return undefined;
  const raw = valueText(yaml, pair)?.trim() ?? '';
  const digits = /^(["']?)(\d+)\1$/.exec(raw)?.[2];
  const n = digits === undefined ? NaN : Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The quote a pair's key is written with (`"` in JSON), '' for a bare key or no pair. */
export function keyQuote(yaml: YamlSource, pair: Pair<Node, Node> | undefined): string {
  const start = (pair?.key as Node | null | undefined)?.range?.[0];
  const c = start === undefined ? '' : yaml.lines.text[start];
  return c === '"' || c === "'" ? c : '';
}

/** A DeepSpeed key spelled like a key the file already writes (NeoX accepts `-` for `_`). */
export function spelledLike(written: string, key: string): string {
  return written.includes('-') && !written.includes('_') ? key.replace(/_/g, '-') : key;
}

export function deepSpeedKeyEdits(
  parsed: EditableYaml,
  layout: ResolvedLayout,
  options: DeepSpeedKeyEditOptions,
): MemoryEdit[] {
  const { yaml, base } = parsed;
  const root = yaml.doc.contents;
  if (!isMap(root)) return [];
  const pair = (...path: string[]) => getNode(yaml, path, !!options.hyphenInsensitive);
  const edits: MemoryEdit[] = [];

  // ZeRO: one stage up.
  const zero = pair('zero_optimization');
  const stagePair = zero && isMap(zero.value) ? pair('zero_optimization', 'stage') : undefined;
  const zeroName = zero ? keyName(zero, 'zero_optimization') : 'zero_optimization';
  if (!zero) {
    if (options.maxStage >= 1) {
      const q = keyQuote(yaml, root.items[0] as Pair<Node, Node> | undefined);
      const value = `{${q}stage${q}: 1}`;
      // Beside the batch keys (or the optimizer), else first.
      const anchor = pair('train_micro_batch_size_per_gpu') ?? pair('train_batch_size') ?? pair('optimizer');
      const r = insertMapEntry(yaml, base, root, anchor, 'zero_optimization', value);
      if (r)
        edits.push({
          kind: 'shard-up',
          label: `zero_optimization: ${value}`,
          key: 'zero_optimization.stage',
          replacements: [r],
        });
    }
  } else if (isMap(zero.value) && !stagePair) {
    // DeepSpeedZeroConfig.stage defaults to 0.
    if (options.maxStage >= 1) {
      const r = insertMapEntry(yaml, base, zero.value, undefined, 'stage', '1');
      if (r)
        edits.push({
          kind: 'shard-up',
          label: `${zeroName}.stage: 1`,
          key: `${zeroName}.stage`,
          replacements: [r],
        });
    }
  } else if (stagePair) {
    const stage = plainInteger(yaml, stagePair);
    if (stage !== undefined && stage < Math.min(3, options.maxStage)) {
      const r = rewriteYamlScalar(yaml, base, stagePair, String(stage + 1));
      const name = `${zeroName}.${keyName(stagePair, 'stage')}`;
      if (r) edits.push({ kind: 'shard-up', label: `${name}: ${stage + 1}`, key: name, replacements: [r] });
    }
  }

  if (options.microBatch !== false) edits.push(...microBatchEdits(parsed, layout, options));
  return edits;
}

/** Halve / double the micro-batch with the accumulation following, so the global batch stays. */
function microBatchEdits(
  { yaml, base }: EditableYaml,
  layout: ResolvedLayout,
  options: DeepSpeedKeyEditOptions,
): MemoryEdit[] {
  const pair = (...path: string[]) => getNode(yaml, path, !!options.hyphenInsensitive);
  const micro = pair('train_micro_batch_size_per_gpu');
  const accum = pair('gradient_accumulation_steps');
  const global = pair('train_batch_size');
  const m = plainInteger(yaml, micro);
  if (!micro || !m || m !== layout.microBatch) return [];
  // Every written batch key must be a plain integer: `auto` is filled in by the launcher.
  if (accum && !plainInteger(yaml, accum)) return [];
  if (global && !plainInteger(yaml, global)) return [];
  const elastic = pair('elasticity', 'enabled');
  if (elastic && nodeValue(yaml, elastic.value) !== false) return [];
  const g = accum ? plainInteger(yaml, accum)! : undefined;
  const microName = keyName(micro, 'train_micro_batch_size_per_gpu');
  const edits: MemoryEdit[] = [];
  const edit = (kind: MemoryEditKind, newMicro: number, newAccum: number | undefined) => {
    const rm = rewriteYamlScalar(yaml, base, micro, String(newMicro));
    if (!rm) return;
    const replacements: OffsetReplacement[] = [rm];
    let label = `${microName}: ${newMicro}`;
    if (newAccum !== undefined) {
      const accumName = accum
        ? keyName(accum, 'gradient_accumulation_steps')
        : spelledLike(microName, 'gradient_accumulation_steps');
      const replaced = accum ? undefined : options.accumulationInPlaceOf;
      const ra = accum
        ? rewriteYamlScalar(yaml, base, accum, String(newAccum))
        : replaced
          ? replacePair(yaml, base, replaced, accumName, String(newAccum))
          : insertMapEntry(yaml, base, yaml.doc.contents, micro, accumName, String(newAccum));
      if (!ra) return;
      replacements.push(ra);
      label += `, ${accumName}: ${newAccum}`;
      if (replaced) label += ` (in place of ${keyName(replaced, '')}: ${valueText(yaml, replaced)})`;
    } else label += ` (${keyName(global!, 'train_batch_size')} stays; the accumulation follows)`;
    edits.push({ kind, label, key: microName, replacements: replacements.sort((x, y) => x.start - y.start) });
  };
  const derived = options.derivesAccumulation && !accum && !!global;
  if (m >= 2 && m % 2 === 0) edit('micro-batch-half', m / 2, derived ? undefined : (g ?? 1) * 2);
  const accumNow = g ?? (derived ? layout.gradAccum : 1);
  if (accumNow >= 2 && accumNow % 2 === 0)
    edit('micro-batch-double', m * 2, derived ? undefined : accumNow / 2);
  return edits;
}

/** Replace a whole `key: value` pair (key quoted as it was), where the value is one plain scalar. */
function replacePair(
  yaml: YamlSource,
  base: number,
  pair: Pair<Node, Node>,
  key: string,
  value: string,
): OffsetReplacement | undefined {
  const start = (pair.key as Node | null)?.range?.[0];
  const end = (pair.value as Node | null)?.range?.[1];
  if (start === undefined || end === undefined || !isScalar(pair.value)) return undefined;
  const q = keyQuote(yaml, pair);
  return { start: start + base, end: end + base, newText: `${q}${key}${q}: ${value}` };
}

/** The edits of a DeepSpeed JSON (no pipeline engine is known from the JSON alone). */
export function deepspeedEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  return deepSpeedKeyEdits(parsed, layout, {
    maxStage: layout.pipelineParallel > 1 ? 1 : 3,
    derivesAccumulation: true,
  });
}
