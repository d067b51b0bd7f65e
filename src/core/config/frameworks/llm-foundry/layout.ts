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
  asDegree,
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
 * - On one GPU train.py drops `fsdp_config` and `tp_config` ("Reverting to DDP"); `tp_config`
 *   (FFN-only TP) and `model.master_weights_dtype` (a 16-bit model) are unmodelled. Composer's
 *   device mesh (core/state.py _create_device_mesh) is 1-D unless `data_parallel_replicate_degree`
 *   is set: HYBRID_SHARD on it is FULL_SHARD, FULL_SHARD on a 2-D mesh is HYBRID_SHARD.
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
  // llm-foundry drops fsdp_config (and tp_config) on one GPU: "FSDP is not applicable for
  // single-GPU training. Reverting to DDP." (command_utils/train.py train), so none of its keys apply.
  const fsdpOn = fsdp !== undefined && fsdp.value !== null && typeof fsdp.value === 'object' && world !== 1;
  const precision = get(['precision']);
  const p = precision ? String(precision.value) : 'amp_bf16';
  if (p === 'fp32') b.set('precision', 'fp32', precision?.source);
  else if (p === 'amp_bf16' || p === 'amp_fp16')
    b.set('precision', fsdpOn ? 'fsdp-mixed' : world === 1 ? 'amp' : 'amp-ddp', precision?.source);
  else if (precision) b.unmodelled(precision.source, `precision ${precision.source.raw}`);
  // build_composer_model casts the whole model to this dtype (utils/builders.py `model.to(dtype)`):
  // bf16 parameters, gradients and optimizer states (zeros_like), no fp32 copy.
  const masterDtype = get(['model', 'master_weights_dtype']);
  if (masterDtype && masterDtype.value !== null)
    b.unmodelled(
      masterDtype.source,
      `master_weights_dtype ${masterDtype.source.raw} (16-bit parameters and states)`,
    );
  // hf_base.py: `peft_config` (get_peft_model) or `pretrained_lora_id_or_path` (is_trainable=True)
  // trains LoRA adapters over a frozen base: no gradients or optimizer states for the base weights.
  for (const key of ['peft_config', 'pretrained_lora_id_or_path']) {
    const found = get(['model', key]);
    if (found && found.value !== null && found.value !== undefined)
      b.unmodelled(found.source, `model.${key}: only the LoRA adapters train over a frozen base`);
  }
  const tp = get(['tp_config']);
  if (tp && tp.value !== null && world !== 1)
    b.unmodelled(
      tp.source,
      'tp_config (Composer tensor parallelism of the FFN layers only, llm-foundry tp strategy ffn)',
    );

  if (fsdpOn) {
    const strategy = get(['fsdp_config', 'sharding_strategy']);
    const s = strategy ? String(strategy.value).toUpperCase() : 'FULL_SHARD';
    // Composer always builds a device mesh (core/state.py _create_device_mesh): 1-D over
    // data_parallel_shard_degree (default -1: the world) unless data_parallel_replicate_degree is
    // set, then 2-D; prepare_fsdp_module (distributed/dist_strategy.py) turns HYBRID_SHARD on a 1-D
    // mesh into FULL_SHARD and FULL_SHARD on a 2-D mesh into HYBRID_SHARD (SHARD_GRAD_OP likewise).
    const shardKey = get(['fsdp_config', 'data_parallel_shard_degree']);
    const replicateKey = get(['fsdp_config', 'data_parallel_replicate_degree']);
    const shardDegree = shardKey ? asDegree(shardKey.value) : -1;
    const replicate = replicateKey && replicateKey.value !== null ? asDegree(replicateKey.value) : undefined;
    if (shardKey && shardDegree === undefined) b.invalid('shardGroupSize', shardKey.source);
    if (replicateKey && replicateKey.value !== null && replicate === undefined)
      b.invalid('shardGroupSize', replicateKey.source);
    const hybrid = replicate !== undefined && replicate !== 1;
    // Composer wraps the model in PyTorch FSDP: sharded parameter storage under every strategy.
    b.layout.shardedParamStorage = true;
    if (s === 'FULL_SHARD' || s === 'HYBRID_SHARD')
      b.set('sharding', 'zero3', strategy?.source ?? fsdp.source);
    else if (s === 'SHARD_GRAD_OP' || s === '_HYBRID_SHARD_ZERO2')
      b.set('sharding', 'zero2', strategy?.source);
    else if (s === 'NO_SHARD') b.set('sharding', 'none', strategy?.source);
    else if (strategy) b.unmodelled(strategy.source, `sharding_strategy ${strategy.source.raw}`);
    if (hybrid && s !== 'NO_SHARD') {
      // The state is sharded over the mesh's shard dimension only, replicated across the other.
      const group =
        shardDegree !== undefined && shardDegree > 0
          ? shardDegree
          : world && replicate! > 0 && world % replicate! === 0
            ? world / replicate!
            : undefined;
      if (group !== undefined)
        b.set('shardGroupSize', group, (shardDegree! > 0 ? shardKey : replicateKey)!.source);
      else
        b.unmodelled(
          replicateKey!.source,
          'data_parallel_replicate_degree: the shard group is the world size / this, and the GPU count is not known',
        );
    } else if (shardDegree !== undefined && shardDegree > 0 && s !== 'NO_SHARD')
      // A 1-D mesh must span the world (else Composer raises), so the group is the DP size.
      b.set('shardGroupSize', shardDegree, shardKey!.source);
    const mixed = get(['fsdp_config', 'mixed_precision']);
    if (mixed) {
      const m = typeof mixed.value === 'string' ? mixed.value.toUpperCase() : undefined;
      if (m !== 'DEFAULT' && m !== 'PURE')
        b.unmodelled(
          mixed.source,
          `mixed_precision ${mixed.source.raw} (fp32 or custom all-gathered parameters)`,
        );
    }
    // MixedPrecision(keep_low_precision_grads=True) keeps the reduced gradients in bf16 (2 B, not 4).
    const lowGrads = get(['fsdp_config', 'keep_low_precision_grads']);
    if (lowGrads?.value === true)
      b.unmodelled(lowGrads.source, 'keep_low_precision_grads: true (16-bit gradients)');
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
    // DecoupledAdamW(amsgrad=True) keeps a third fp32 state, max_exp_avg_sq (Composer
    // optim/decoupled_weight_decay.py).
    const amsgrad = get(['optimizer', 'amsgrad']);
    if (amsgrad?.value === true) b.unmodelled(amsgrad.source, 'amsgrad: true (a third optimizer state)');
  }
  return b.layout;
}

/**
 * The optimizers llm-foundry registers (llmfoundry/optim/__init__.py) and their state bytes; any
 * other name is a KeyError in build_optimizer's registry look-up, so it is unknown, not AdamW.
 */
const LLM_FOUNDRY_OPTIMIZERS: Record<string, OptimizerId> = {
  decoupled_adamw: 'adamw',
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
