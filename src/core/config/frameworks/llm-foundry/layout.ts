import { isMap } from 'yaml';
import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type OptimizerId,
  type ParallelLayout,
  type ResolvedLayout,
} from '../../../model/layout';
import type { MemoryEdit } from '../../../model/memoryEdits';
import type { FrameworkLayout } from '../../reader';
import {
  LayoutBuilder,
  asCount,
  insertYamlKey,
  microBatchHalveDoubleEdits,
  replaceYamlValue,
  yamlForEdits,
  yamlGetter,
  yamlPair,
} from '../../layoutBuilder';
import { keysAt, lookup, parseYaml, type YamlSource } from '../../yamlSource';

/**
 * The parallel layout of an llm-foundry train YAML (or an mcli run file's `parameters:`), as
 * mosaicml/llm-foundry@8c8dd48f scripts/train/train.py hands it to Composer
 * (mosaicml/composer@64051888):
 * - `fsdp_config` absent on > 1 GPU: DistributedDataParallel (composer/distributed/dist_strategy.py
 *   `DistributedDataParallel(module, find_unused_parameters=...)`, gradient buckets a second copy
 *   of the gradients). Present: FSDP with Composer's FSDPConfig defaults (composer/utils/
 *   parallelism.py): sharding_strategy FULL_SHARD, activation_checkpointing False,
 *   mixed_precision DEFAULT, cpu_offload False (mosaic_parallelism.py get_cpu_offload raises).
 * - `mixed_precision` DEFAULT / PURE (mosaic_parallelism.py get_mixed_precision): param_dtype =
 *   the autocast dtype, so fp32 sharded parameters with bf16 compute copies; FULL gathers fp32
 *   parameters (unmodelled: the gather buffers double).
 * - `activation_checkpointing: true` checkpoints every MPTBlock (modeling_mpt.py
 *   activation_checkpointing_fn; an `activation_checkpointing_target` is unmodelled) or, for
 *   hf_causal_lm, every decoder layer.
 * - `device_train_microbatch_size` (TrainConfig default 'auto': Composer searches for the largest
 *   micro-batch that fits — unmodelled); gradient accumulation = ceil(global_train_batch_size /
 *   world / micro) (llmfoundry/utils/config_utils.py calculate_batch_size_info, which also requires
 *   the world size to divide the global batch).
 * - `precision` amp_bf16 (TrainConfig default) or amp_fp16; fp32; amp_fp8 is unmodelled.
 * - MPT attention `attn_config.attn_impl` 'flash' by default (models/utils/config_defaults.py);
 *   'torch' materializes the scores. Dropout `resid_pdrop`/`emb_pdrop` default 0.
 * - `optimizer.name`: decoupled_adamw (AdamW states), decoupled_lionw / clip_lion / adalr_lion (one
 *   momentum; llmfoundry/optim/__init__.py).
 */
export function readLlmFoundryLayout(text: string, gpus?: number): ParallelLayout {
  const b = new LayoutBuilder();
  const yaml = parseYaml(text);
  if (!yaml || !isMap(yaml.doc.contents)) return b.layout;
  const root = configRoot(yaml);
  const get = yamlGetter(yaml, root);
  if (gpus && gpus > 0) b.layout.gpus = gpus;
  const world = gpus && gpus > 0 ? gpus : undefined;

  const fsdp = get(['fsdp_config']);
  const fsdpOn = fsdp !== undefined && fsdp.value !== null && typeof fsdp.value === 'object';
  const precision = get(['precision']);
  const p = precision ? String(precision.value) : 'amp_bf16';
  if (p === 'fp32') b.set('precision', 'fp32', precision?.source);
  else if (p === 'amp_bf16' || p === 'amp_fp16')
    b.set('precision', fsdpOn ? 'fsdp-mixed' : world === 1 ? 'amp' : 'amp-ddp', precision?.source);
  else if (precision) b.unmodelled(precision.source, `precision ${precision.source.raw}`);

  if (fsdpOn) {
    const strategy = get(['fsdp_config', 'sharding_strategy']);
    const s = strategy ? String(strategy.value).toUpperCase() : 'FULL_SHARD';
    if (s === 'FULL_SHARD') b.set('sharding', 'zero3', strategy?.source ?? fsdp.source);
    else if (s === 'SHARD_GRAD_OP') b.set('sharding', 'zero2', strategy?.source);
    else if (s === 'NO_SHARD') b.set('sharding', 'none', strategy?.source);
    else if (s === 'HYBRID_SHARD' || s === '_HYBRID_SHARD_ZERO2') {
      b.set('sharding', s === 'HYBRID_SHARD' ? 'zero3' : 'zero2', strategy?.source);
      const degree = get(['fsdp_config', 'data_parallel_shard_degree']);
      const n = degree ? asCount(degree.value) : undefined;
      // Without a shard degree the group is the node's local world size, which the file does not give.
      if (n !== undefined) b.set('shardGroupSize', n, degree!.source);
      else b.unmodelled(strategy!.source, `${s} shards within a node; the GPUs per node are not in the file`);
    } else if (strategy) b.unmodelled(strategy.source, `sharding_strategy ${strategy.source.raw}`);
    const mixed = get(['fsdp_config', 'mixed_precision']);
    if (mixed) {
      const m = typeof mixed.value === 'string' ? mixed.value.toUpperCase() : undefined;
      if (m !== 'DEFAULT' && m !== 'PURE')
        b.unmodelled(
          mixed.source,
          `mixed_precision ${mixed.source.raw} (fp32 or custom all-gathered parameters)`,
        );
    }
    const ac = get(['fsdp_config', 'activation_checkpointing']);
    if (ac) {
      if (ac.value === true || ac.value === false) b.set('recompute', ac.value ? 'full' : 'none', ac.source);
      else b.unmodelled(ac.source, `activation_checkpointing ${ac.source.raw}`);
    } else b.set('recompute', 'none', undefined);
    const target = get(['model', 'activation_checkpointing_target']);
    if (ac?.value === true && target && target.value !== null)
      b.unmodelled(target.source, 'activation checkpointing of selected modules');
    for (const key of ['cpu_offload', 'activation_cpu_offload']) {
      const v = get(['fsdp_config', key]);
      if (v && v.value === true) b.unmodelled(v.source, `${key}: true`);
    }
  } else {
    b.set('sharding', 'none', undefined);
    b.set('recompute', 'none', undefined);
  }

  const micro = get(['device_train_microbatch_size']);
  const global = get(['global_train_batch_size']);
  const globalBatch = global ? b.count('globalBatch', global) : undefined;
  let microBatch: number | undefined;
  if (!micro || micro.value === 'auto') {
    const at = micro ?? global;
    if (at)
      b.unmodelled(
        at.source,
        "device_train_microbatch_size 'auto' (Composer picks the micro-batch that fits)",
      );
  } else {
    microBatch = b.count('microBatch', micro);
    if (microBatch !== undefined) b.set('microBatch', microBatch, micro.source);
  }
  if (globalBatch !== undefined && microBatch !== undefined) {
    if (world && globalBatch % world === 0) {
      const device = globalBatch / world;
      const m = Math.min(microBatch, device);
      if (m !== microBatch) b.set('microBatch', m, micro!.source);
      b.derive('gradAccum', Math.ceil(device / m), global!.source);
      // A micro-batch that does not divide the device batch runs ceil(device / micro) steps.
      if (device % m === 0) b.set('globalBatch', globalBatch, global!.source);
    } else {
      // On an unknown GPU count (or one that does not divide it, which llm-foundry refuses),
      // validation checks the global batch against the count the estimate uses.
      b.set('globalBatch', globalBatch, global!.source);
    }
  }
  const seq = get(['max_seq_len']) ?? get(['model', 'max_seq_len']);
  if (seq) {
    const s = b.count('seqLen', seq);
    if (s !== undefined) b.set('seqLen', s, seq.source);
  }

  const model = get(['model', 'name']);
  if (model?.value === 'mpt_causal_lm') {
    const impl = get(['model', 'attn_config', 'attn_impl']);
    if (impl) b.set('flashAttention', impl.value === 'flash', impl.source);
    const drops = ['resid_pdrop', 'emb_pdrop'].map((k) => get(['model', k]));
    const drop = drops.find((d) => typeof d?.value === 'number' && d.value > 0);
    if (drop) b.set('dropout', true, drop.source);
    // MPT's default loss_fn 'fused_crossentropy' (modeling_mpt.py, flash-attn's CrossEntropyLoss)
    // keeps the bf16 logits and writes their bf16 gradient: 4 B per element; torch_crossentropy is
    // the eager 14 B.
    const loss = get(['model', 'loss_fn']);
    if (!loss || loss.value === 'fused_crossentropy') b.set('logitsBytesPerElement', 4, loss?.source);
    else if (loss.value !== 'torch_crossentropy') b.unmodelled(loss.source, `loss_fn ${loss.source.raw}`);
    const attnDrop = get(['model', 'attn_config', 'attn_pdrop']);
    if (attnDrop && typeof attnDrop.value === 'number' && attnDrop.value > 0 && impl?.value !== 'flash')
      b.unmodelled(attnDrop.source, 'attention dropout masks over the unfused scores');
  }
  const optimizer = get(['optimizer', 'name']);
  if (optimizer) {
    const id = LLM_FOUNDRY_OPTIMIZERS[String(optimizer.value)];
    if (id) b.set('optimizer', id, optimizer.source);
    else b.unmodelled(optimizer.source, `optimizer ${optimizer.source.raw}`);
  }
  return b.layout;
}

/** The optimizers llm-foundry registers (llmfoundry/optim/__init__.py) and their state bytes. */
const LLM_FOUNDRY_OPTIMIZERS: Record<string, OptimizerId> = {
  decoupled_adamw: 'adamw',
  adamw: 'adamw',
  decoupled_lionw: 'lion',
  clip_lion: 'lion',
  adalr_lion: 'lion',
};

/** The config's root: an mcli run file keeps the train config under `parameters:`. */
function configRoot(yaml: YamlSource): string[] {
  return keysAt(yaml, ['parameters']).has('model') ? ['parameters'] : [];
}

/** llm-foundry's layout defaults (llm-foundry@8c8dd48f config_utils.py TrainConfig; Composer FSDPConfig). */
export const llmFoundryLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  sharding: 'none',
  recompute: 'none',
  precision: 'amp-ddp',
  optimizer: 'adamw',
  flashAttention: true,
  dropout: false,
  source:
    'mosaicml/llm-foundry@8c8dd48f TrainConfig (precision amp_bf16, fsdp_config None = DDP, device_train_microbatch_size auto), Composer@64051888 FSDPConfig (FULL_SHARD, activation_checkpointing False, mixed_precision DEFAULT), MPT attn_impl flash, decoupled_adamw',
};

/**
 * Memory edits of an llm-foundry YAML, in Composer's terms: `fsdp_config.activation_checkpointing`
 * (true = every block), `fsdp_config.sharding_strategy` FULL_SHARD from NO_SHARD / SHARD_GRAD_OP,
 * and `device_train_microbatch_size` (gradient accumulation follows from global_train_batch_size,
 * so the global batch and D stay).
 */
export function llmFoundryEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const root = configRoot(yaml);
  const at = (path: string[]) => yamlPair(yaml, [...root, ...path]);
  const edits: MemoryEdit[] = [];
  const fsdp = at(['fsdp_config']);
  if (fsdp && isMap(fsdp.value)) {
    const strategy = at(['fsdp_config', 'sharding_strategy']);
    const s = String(lookup(yaml, [...root, 'fsdp_config', 'sharding_strategy'])?.value ?? '');
    if (strategy && (s === 'NO_SHARD' || s === 'SHARD_GRAD_OP')) {
      const r = replaceYamlValue(strategy, base, 'FULL_SHARD');
      if (r)
        edits.push({
          kind: 'shard-up',
          label: 'fsdp_config.sharding_strategy: FULL_SHARD',
          key: 'fsdp_config.sharding_strategy',
          replacements: [r],
        });
    }
    const ac = at(['fsdp_config', 'activation_checkpointing']);
    const set = (value: boolean) =>
      ac
        ? replaceYamlValue(ac, base, String(value))
        : insertYamlKey(yaml, base, fsdp, 'activation_checkpointing', String(value));
    if (layout.recompute === 'none') {
      const r = set(true);
      if (r)
        edits.push({
          kind: 'recompute-full',
          label: 'fsdp_config.activation_checkpointing: true',
          key: 'fsdp_config.activation_checkpointing',
          replacements: [r],
        });
    } else if (ac) {
      const r = set(false);
      if (r)
        edits.push({
          kind: 'recompute-off',
          label: 'fsdp_config.activation_checkpointing: false',
          key: 'fsdp_config.activation_checkpointing',
          replacements: [r],
        });
    }
  }
  const micro = at(['device_train_microbatch_size']);
  const m = micro ? asCount(lookup(yaml, [...root, 'device_train_microbatch_size'])?.value) : undefined;
  // Only when the micro-batch divides the device batch: then halving it doubles the accumulation.
  const device = layout.microBatch * layout.gradAccum;
  if (micro && m && m === layout.microBatch && layout.globalBatch !== undefined) {
    edits.push(...microBatchHalveDoubleEdits(micro, base, 'device_train_microbatch_size', m, device));
  }
  return edits;
}

/** The registry's layout hook for llm-foundry YAML. */
export const llmFoundryLayout: FrameworkLayout = {
  read: (text, { gpus }) => readLlmFoundryLayout(text, gpus),
  defaults: llmFoundryLayoutDefaults,
  edits: llmFoundryEdits,
};
