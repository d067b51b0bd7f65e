/**
 * The memory edits of a NeMo 1.x Megatron GPT config (planMemoryEdits in src/core/model/memoryEdits.ts),
 * keys under `model:` as NeMo names them (NVIDIA/NeMo@8cfedd7203462cb251a914e700e5605444277561):
 * - Activation checkpointing is `activations_checkpoint_granularity` with its companions, which
 *   both model paths check:
 *   · the legacy model (`mcore_gpt` False, the default: megatron_gpt_model.py `cfg.get('mcore_gpt',
 *     False)`) raises unless `activations_checkpoint_method` is uniform or block, for selective as
 *     for full (nemo/collections/nlp/modules/common/megatron/transformer.py ParallelTransformer);
 *   · mcore (`mcore_gpt: True`) passes the three keys to TransformerConfig
 *     (megatron_base_model.py build_transformer_config), whose __post_init__ raises for full without
 *     a method and a recompute_num_layers, and for selective with a recompute_num_layers
 *     (NVIDIA/Megatron-LM@d98e8a64 megatron/core/transformer/transformer_config.py).
 *   So selective writes `activations_checkpoint_method: uniform` only on the legacy model (it
 *   checkpoints every layer's core attention there) and is not offered on mcore with a num_layers
 *   set; full writes `activations_checkpoint_method: uniform` and `activations_checkpoint_num_layers:
 *   1` where they are null or absent (uniform groups of n layers: every layer checkpointed). A
 *   `block` method (the first n layers only) is the user's partial choice and is left alone.
 * - `micro_batch_size` ÷ 2 (or × 2): NeMo derives the accumulation as global_batch_size /
 *   (micro_batch_size × DP) (megatron_base_model.py → the num-microbatches calculator), so with
 *   `global_batch_size` stated the global batch and D stay; × 2 only while that still divides.
 * - `optim.name: fused_adam` → `distributed_fused_adam`: the same apex Adam with its states and main
 *   parameters sharded over DP (megatron_base_model.py `with_distributed_adam`), which the layout
 *   reader reads as ZeRO-1. Not from a torch adam/adamw (another update rule), not over one DP rank,
 *   not with `fsdp` (another sharding), and not with megatron_amp_O2 plus `contiguous_grad_buffer:
 *   false` (NeMo raises for that pair).
 * Only literal values are rewritten (quotes kept); interpolations and placeholders are never edited.
 */
import type { Node, Pair } from 'yaml';
import type { ResolvedLayout } from '../../../model/layout';
import type { MemoryEdit, OffsetReplacement } from '../../../model/memoryEdits';
import {
  insertYamlKeysAfter,
  insertYamlKeysFirst,
  rewriteYamlScalar,
  yamlForEdits,
  yamlPair,
} from '../../layoutBuilder';
import { lookup, type YamlSource } from '../../yamlSource';

const GRANULARITY = 'activations_checkpoint_granularity';
const METHOD = 'activations_checkpoint_method';
const NUM_LAYERS = 'activations_checkpoint_num_layers';

/** A scalar's text as written, without quotes (undefined for an absent key or a collection). */
function written(yaml: YamlSource, pair: Pair<Node, Node> | undefined): string | undefined {
  const range = (pair?.value as Node | null | undefined)?.range;
  if (!pair || !range) return undefined;
  return yaml.lines.text.slice(range[0], range[1]).replace(/^(["'])([\s\S]*)\1$/, '$2');
}

/** A literal positive integer as written (`4`, `"4"`), else undefined. */
function literalInt(yaml: YamlSource, pair: Pair<Node, Node> | undefined): number | undefined {
  const w = written(yaml, pair);
  const n = w !== undefined && /^\d+$/.test(w) ? Number(w) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** Absent, or written as YAML null (`null`, `~`; an empty value is not rewritten). */
function isNull(yaml: YamlSource, key: string): boolean {
  const found = lookup(yaml, ['model', key]);
  return !found || found.value === null;
}

export function nemoEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const model = yamlPair(yaml, ['model']);
  if (!model) return [];
  const at = (key: string) => yamlPair(yaml, ['model', key]);
  const edits: MemoryEdit[] = [];

  /**
   * Set model keys in one edit: an existing key's value rewritten in place, absent ones inserted
   * after `activations_checkpoint_granularity` (or at the top of `model:` when it is absent too).
   * Undefined when any of them cannot be written.
   */
  const setKeys = (values: readonly (readonly [string, string])[]): OffsetReplacement[] | undefined => {
    const out: OffsetReplacement[] = [];
    const missing: (readonly [string, string])[] = [];
    for (const [key, value] of values) {
      const pair = at(key);
      if (!pair) {
        missing.push([key, value]);
        continue;
      }
      const r = rewriteYamlScalar(yaml, base, pair, value);
      if (!r) return undefined;
      out.push(r);
    }
    if (missing.length) {
      const anchor = at(GRANULARITY);
      let insert: OffsetReplacement | undefined;
      if (anchor) insert = insertYamlKeysAfter(yaml, base, anchor, missing);
      else insert = insertYamlKeysFirst(yaml, base, model, missing);
      if (!insert) return undefined;
      out.push(insert);
    }
    return out.sort((x, y) => x.start - y.start);
  };
  const labelOf = (values: readonly (readonly [string, string])[]) =>
    values.map(([k, v]) => `${k}: ${v}`).join(', ');

  const granularity = at(GRANULARITY);
  const method = at(METHOD);
  const numLayers = at(NUM_LAYERS);
  const g = written(yaml, granularity)?.trim().toLowerCase();
  const m = isNull(yaml, METHOD) ? undefined : written(yaml, method)?.trim().toLowerCase();
  const mcore = lookup(yaml, ['model', 'mcore_gpt'])?.value === true;

  // Selective: core attention recomputed in every layer.
  if (layout.recompute === 'none' && isNull(yaml, GRANULARITY)) {
    const values: [string, string][] = [[GRANULARITY, 'selective']];
    let ok = true;
    if (mcore) ok = (m === undefined || m === 'uniform' || m === 'block') && isNull(yaml, NUM_LAYERS);
    else if (m === undefined) values.push([METHOD, 'uniform']);
    else ok = m === 'uniform' || m === 'block';
    const replacements = ok ? setKeys(values) : undefined;
    if (replacements)
      edits.push({ kind: 'recompute-selective', label: labelOf(values), key: GRANULARITY, replacements });
  }

  // Full: every layer's input checkpointed, the layer recomputed in backward.
  if (layout.recompute !== 'full' && (isNull(yaml, GRANULARITY) || g === 'selective')) {
    const values: [string, string][] = [[GRANULARITY, 'full']];
    if (m === undefined) values.push([METHOD, 'uniform']);
    const n = isNull(yaml, NUM_LAYERS) ? undefined : literalInt(yaml, numLayers);
    if (isNull(yaml, NUM_LAYERS)) values.push([NUM_LAYERS, '1']);
    const ok = (m === undefined || m === 'uniform') && (isNull(yaml, NUM_LAYERS) || n !== undefined);
    const replacements = ok ? setKeys(values) : undefined;
    if (replacements)
      edits.push({ kind: 'recompute-full', label: labelOf(values), key: GRANULARITY, replacements });
  }

  // The micro-batch, with the accumulation following from the stated global batch.
  const micro = at('micro_batch_size');
  const mb = literalInt(yaml, micro);
  const global = literalInt(yaml, at('global_batch_size'));
  const dp = layout.dataParallel;
  if (
    micro &&
    mb &&
    global &&
    mb === layout.microBatch &&
    global === layout.globalBatch &&
    global % (mb * dp) === 0
  ) {
    const edit = (kind: 'micro-batch-half' | 'micro-batch-double', value: number) => {
      const r = rewriteYamlScalar(yaml, base, micro, String(value));
      if (r)
        edits.push({ kind, label: `micro_batch_size: ${value}`, key: 'micro_batch_size', replacements: [r] });
    };
    if (mb >= 2 && mb % 2 === 0) edit('micro-batch-half', mb / 2);
    if (global % (mb * 2 * dp) === 0) edit('micro-batch-double', mb * 2);
  }

  // The distributed optimizer (ZeRO-1) in place of apex fused Adam.
  const optimName = yamlPair(yaml, ['model', 'optim', 'name']);
  const fsdp = lookup(yaml, ['model', 'fsdp'])?.value === true;
  const o2 = lookup(yaml, ['model', 'megatron_amp_O2'])?.value === true;
  const contiguous = lookup(yaml, ['model', 'optim', 'contiguous_grad_buffer'])?.value;
  if (
    optimName &&
    written(yaml, optimName)?.trim() === 'fused_adam' &&
    layout.sharding === 'none' &&
    dp > 1 &&
    !fsdp &&
    !(o2 && contiguous === false)
  ) {
    const r = rewriteYamlScalar(yaml, base, optimName, 'distributed_fused_adam');
    if (r)
      edits.push({
        kind: 'shard-up',
        label: 'optim.name: distributed_fused_adam',
        key: 'optim.name',
        replacements: [r],
      });
  }
  return edits;
}
