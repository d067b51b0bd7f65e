/**
 * Memory edits of a torchtune recipe config (planMemoryEdits in src/core/model/memoryEdits.ts), each in
 * the recipe's own keys as pytorch/torchtune@bd2a0fc7 reads them (recipes/full_finetune_distributed.py,
 * full_finetune_single_device.py, lora_finetune_*.py — every recipe reads the same top-level keys):
 * - `enable_activation_checkpointing: True` (`cfg.get(..., False)`): set_activation_checkpointing
 *   wraps every TransformerSelfAttentionLayer — full recompute. The distributed recipe applies it only
 *   when `ac_mode` is None (`enable_activation_checkpointing and ac_mode is None`), so a file with an
 *   `ac_mode` is not edited. A missing key is inserted at the top level, beside the batch keys.
 * - `fsdp_reshard_after_forward: True` from False (`cfg.get(..., True)` → training.shard_model
 *   reshard_after_forward): False is SHARD_GRAD_OP, True shards parameters as well. The recipes have no
 *   `fsdp_sharding_strategy` key; with the key absent the default is already True (nothing to raise).
 * - `batch_size` halved with `gradient_accumulation_steps` doubled, in one edit (or the reverse):
 *   torchtune has no global-batch key, the samples per optimizer step are batch_size ×
 *   gradient_accumulation_steps × ranks, so both keys change and D stays. Both must be integer
 *   literals (an OmegaConf `${...}` is left alone), and not with `optimizer_in_bwd: True` (the
 *   recipes raise when it meets gradient_accumulation_steps > 1).
 * `enable_activation_offloading` is not offered: the layout reader does not model it (memory unknown).
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

export function torchtuneEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const edits: MemoryEdit[] = [];
  const bool = (key: string) => {
    const v = lookup(yaml, [key])?.value;
    return typeof v === 'boolean' ? v : undefined;
  };
  const style = booleanStyle(yaml);

  // Full activation checkpointing.
  const ac = yamlPair(yaml, ['enable_activation_checkpointing']);
  const acValue = bool('enable_activation_checkpointing');
  const acMode = lookup(yaml, ['ac_mode']);
  const selectiveSet = acMode !== undefined && acMode.value !== null;
  if (!selectiveSet) {
    const set = (value: boolean): OffsetReplacement | undefined =>
      ac
        ? rewriteYamlScalar(yaml, base, ac, yamlBoolLike(rawValue(yaml, ac), value))
        : insertTopLevel(yaml, base, text, 'enable_activation_checkpointing', yamlBoolLike(style, value));
    const label = (value: boolean) =>
      `enable_activation_checkpointing: ${ac ? yamlBoolLike(rawValue(yaml, ac), value) : yamlBoolLike(style, value)}`;
    if (layout.recompute === 'none' && (!ac || acValue === false)) {
      const r = set(true);
      if (r)
        edits.push({
          kind: 'recompute-full',
          label: label(true),
          key: 'enable_activation_checkpointing',
          replacements: [r],
        });
    }
    // Turning it off (a what-if row) is not offered with activation offloading, which requires it.
    if (
      layout.recompute === 'full' &&
      ac &&
      acValue === true &&
      bool('enable_activation_offloading') !== true
    ) {
      const r = set(false);
      if (r)
        edits.push({
          kind: 'recompute-off',
          label: label(false),
          key: 'enable_activation_checkpointing',
          replacements: [r],
        });
    }
  }

  // SHARD_GRAD_OP → full sharding.
  const reshard = yamlPair(yaml, ['fsdp_reshard_after_forward']);
  if (reshard && layout.sharding === 'zero2' && bool('fsdp_reshard_after_forward') === false) {
    const value = yamlBoolLike(rawValue(yaml, reshard), true);
    const r = rewriteYamlScalar(yaml, base, reshard, value);
    if (r)
      edits.push({
        kind: 'shard-up',
        label: `fsdp_reshard_after_forward: ${value}`,
        key: 'fsdp_reshard_after_forward',
        replacements: [r],
      });
  }

  // The micro-batch and the accumulation together (the samples per step stay).
  const batch = yamlPair(yaml, ['batch_size']);
  const accum = yamlPair(yaml, ['gradient_accumulation_steps']);
  const b = literalCount(yaml, batch);
  const g = literalCount(yaml, accum);
  if (
    batch &&
    accum &&
    b &&
    g &&
    b === layout.microBatch &&
    g === layout.gradAccum &&
    !bool('optimizer_in_bwd')
  )
    edits.push(
      ...microAndAccumulationEdits(
        yaml,
        base,
        { pair: batch, key: 'batch_size', value: b },
        { pair: accum, key: 'gradient_accumulation_steps', value: g },
      ),
    );
  return edits;
}

const rawValue = yamlRawValue;

/** A positive integer written as a plain YAML number (not a string, not an interpolation). */
function literalCount(yaml: YamlSource, pair: Pair<Node, Node> | undefined): number | undefined {
  if (!pair || !isScalar(pair.value)) return undefined;
  const v = pair.value.value;
  const raw = rawValue(yaml, pair) ?? '';
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && /^\d+$/.test(raw) ? v : undefined;
}

/** How the file writes booleans (torchtune's configs write `True` / `False`): a sample to copy the case of. */
function booleanStyle(yaml: YamlSource): string | undefined {
  return /^[^#\n]*:[ \t]*(true|false|True|False|TRUE|FALSE)[ \t]*(#.*)?$/m.exec(yaml.lines.text)?.[1];
}

/** A new top-level key, next to the batch keys the recipes read beside it, else first or last. */
function insertTopLevel(
  yaml: YamlSource,
  base: number,
  text: string,
  key: string,
  value: string,
): OffsetReplacement | undefined {
  for (const anchor of ['gradient_accumulation_steps', 'batch_size', 'device', 'dtype']) {
    const pair = yamlPair(yaml, [anchor]);
    const r = pair && insertYamlKeysAfter(yaml, base, pair, [[key, value]]);
    if (r) return r;
  }
  return insertYamlKey(yaml, base, undefined, key, value) ?? appendYamlKey(text, key, value);
}
