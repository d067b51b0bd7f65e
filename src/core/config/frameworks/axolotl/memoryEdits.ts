/**
 * Memory edits of an Axolotl config (planMemoryEdits in src/core/model/memoryEdits.ts), in Axolotl's own
 * keys as axolotl-ai-cloud/axolotl@067b021c reads them:
 * - `gradient_checkpointing: true` (schemas/config.py, default False): the HF Trainer's
 *   gradient_checkpointing_enable checkpoints every decoder layer — full recompute
 *   (core/builders/base.py _configure_gradient_checkpointing). Not for MPT base models
 *   (validation.py check_mpt_checkpointing raises) nor nemotron-h without sample_packing
 *   (check_nemotron_h_gradient_checkpointing raises). A missing key is inserted at the top level.
 * - `fsdp_config.reshard_after_forward: true` (or its `fsdp_`-prefixed spelling, as written) from
 *   false under FSDP2 (`fsdp_version: 2`): fully_shard(reshard_after_forward=...) in
 *   monkeypatch/accelerate/fsdp2.py — false keeps the gathered parameters (SHARD_GRAD_OP). FSDP1's
 *   `fsdp:` words and a `deepspeed:` file are not edited (a referenced JSON is the user's other file).
 * - `micro_batch_size` halved with `gradient_accumulation_steps` doubled, in one edit (or the
 *   reverse): the samples per step are micro_batch_size × gradient_accumulation_steps × ranks, so D
 *   stays. Only when both are stated as integer literals and `batch_size` is not: with `batch_size`
 *   the accumulation is derived (utils/config/__init__.py normalize_config `gradient_accumulation_steps
 *   or batch_size // micro_batch_size`) while the schema's default for gradient_accumulation_steps is 1
 *   (schemas/training.py), so which accumulation a halved micro-batch gets is not certain.
 */
import { isScalar, type Node, type Pair } from 'yaml';
import type { ResolvedLayout } from '../../../model/layout';
import type { MemoryEdit, OffsetReplacement } from '../../../model/memoryEdits';
import {
  appendYamlKey,
  insertYamlKey,
  insertYamlKeysAfter,
  rewriteYamlScalar,
  yamlBoolLike,
  yamlForEdits,
  yamlPair,
  microAndAccumulationEdits,
  yamlRawValue,
} from '../../layoutBuilder';
import { lookup, type YamlSource } from '../../yamlSource';

export function axolotlEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const edits: MemoryEdit[] = [];
  const value = (path: (string | readonly string[])[]) => lookup(yaml, path)?.value;
  const style = /^[^#\n]*:[ \t]*(true|false|True|False|TRUE|FALSE)[ \t]*(#.*)?$/m.exec(yaml.lines.text)?.[1];

  // Full activation recomputation through the HF Trainer.
  const gc = yamlPair(yaml, ['gradient_checkpointing']);
  const gcValue = value(['gradient_checkpointing']);
  const baseModel = String(value(['base_model']) ?? '').toLowerCase();
  const rejects =
    baseModel.includes('mpt') || (baseModel.includes('nemotron-h') && value(['sample_packing']) !== true);
  const set = (on: boolean): { r: OffsetReplacement | undefined; written: string } => {
    const written = yamlBoolLike(gc ? rawValue(yaml, gc) : style, on);
    return {
      r: gc
        ? rewriteYamlScalar(yaml, base, gc, written)
        : insertTopLevel(yaml, base, text, 'gradient_checkpointing', written),
      written,
    };
  };
  if (layout.recompute === 'none' && !rejects && (!gc || gcValue === false || gcValue === null)) {
    const { r, written } = set(true);
    if (r)
      edits.push({
        kind: 'recompute-full',
        label: `gradient_checkpointing: ${written}`,
        key: 'gradient_checkpointing',
        replacements: [r],
      });
  }
  if (layout.recompute === 'full' && gc && gcValue === true) {
    const { r, written } = set(false);
    if (r)
      edits.push({
        kind: 'recompute-off',
        label: `gradient_checkpointing: ${written}`,
        key: 'gradient_checkpointing',
        replacements: [r],
      });
  }

  // FSDP2: reshard the parameters after forward as well.
  const fsdpVersion = value(['fsdp_config', ['fsdp_version', 'version']]) ?? value(['fsdp_version']);
  const reshardPath = ['fsdp_config', ['reshard_after_forward', 'fsdp_reshard_after_forward']] as const;
  const reshard = yamlPair(yaml, reshardPath);
  if (
    reshard &&
    layout.sharding === 'zero2' &&
    String(fsdpVersion) === '2' &&
    value([...reshardPath]) === false &&
    value(['deepspeed']) === undefined
  ) {
    const written = yamlBoolLike(rawValue(yaml, reshard), true);
    const r = rewriteYamlScalar(yaml, base, reshard, written);
    const name = isScalar(reshard.key) ? String(reshard.key.value) : 'reshard_after_forward';
    if (r)
      edits.push({
        kind: 'shard-up',
        label: `fsdp_config.${name}: ${written}`,
        key: `fsdp_config.${name}`,
        replacements: [r],
      });
  }

  // The micro-batch and the accumulation together (the samples per step stay).
  const micro = yamlPair(yaml, ['micro_batch_size']);
  const accum = yamlPair(yaml, ['gradient_accumulation_steps']);
  const m = literalCount(yaml, micro);
  const g = literalCount(yaml, accum);
  const batchSize = value(['batch_size']);
  if (
    micro &&
    accum &&
    m &&
    g &&
    m === layout.microBatch &&
    g === layout.gradAccum &&
    (batchSize === undefined || batchSize === null)
  )
    edits.push(
      ...microAndAccumulationEdits(
        yaml,
        base,
        { pair: micro, key: 'micro_batch_size', value: m },
        { pair: accum, key: 'gradient_accumulation_steps', value: g },
      ),
    );
  return edits;
}

const rawValue = yamlRawValue;

/** A positive integer written as a plain YAML number (not a string or a template). */
function literalCount(yaml: YamlSource, pair: Pair<Node, Node> | undefined): number | undefined {
  if (!pair || !isScalar(pair.value)) return undefined;
  const v = pair.value.value;
  return typeof v === 'number' &&
    Number.isSafeInteger(v) &&
    v >= 1 &&
    /^\d+$/.test(rawValue(yaml, pair) ?? '')
    ? v
    : undefined;
}

/** A new top-level key beside the batch keys, else before the first key, else at the end. */
function insertTopLevel(
  yaml: YamlSource,
  base: number,
  text: string,
  key: string,
  value: string,
): OffsetReplacement | undefined {
  for (const anchor of ['gradient_accumulation_steps', 'micro_batch_size', 'sequence_len']) {
    const pair = yamlPair(yaml, [anchor]);
    const r = pair && insertYamlKeysAfter(yaml, base, pair, [[key, value]]);
    if (r) return r;
  }
  return insertYamlKey(yaml, base, undefined, key, value) ?? appendYamlKey(text, key, value);
}
