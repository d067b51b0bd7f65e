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
  appendYamlKey,
  asCount,
  insertYamlKey,
  microBatchHalveDoubleEdits,
  replaceYamlValue,
  yamlForEdits,
  yamlGetter,
  yamlPair,
} from '../../layoutBuilder';
import { lookup, parseYaml } from '../../yamlSource';

/** OLMo's layer-wise checkpointing strategies (allenai/OLMo@59a53e3f olmo/model.py should_checkpoint_block). */
const EVERY_NTH: Record<string, number> = {
  whole_layer: 1,
  one_in_two: 2,
  one_in_three: 3,
  one_in_four: 4,
  one_in_eight: 8,
};

/**
 * The parallel layout of an allenai/OLMo train YAML (allenai/OLMo@59a53e3f olmo/config.py
 * TrainConfig, scripts/train.py):
 * - `distributed_strategy` fsdp (default) / ddp / single. FSDP: `fsdp.sharding_strategy`
 *   FULL_SHARD (default), SHARD_GRAD_OP, NO_SHARD, HYBRID_SHARD (sharded within
 *   world / `fsdp.hybrid_sharding_num_model_replicas` ranks; by default one replica per node, whose
 *   size the file does not give: unmodelled); `fsdp.precision` pure (default) / mixed:
 *   MixedPrecision(param_dtype = the autocast dtype) over the fp32 model — fp32 sharded parameters
 *   and gradients, bf16 compute copies; `fsdp.wrapping_strategy` by_block / by_block_and_size
 *   (one FSDP unit per block), else — the default None is one top-level unit — unmodelled. DDP: `DDP(model, find_unused_parameters=...)`, its gradient
 *   buckets a second copy of the gradients.
 * - `activation_checkpointing` (default none): whole_layer, one_in_two/three/four/eight checkpoint
 *   block i when i % n == 0 (ceil(L/n) blocks; counted as every n-th block when n divides L);
 *   two_in_three, three_in_four and fine_grained are unmodelled.
 * - `device_train_microbatch_size` (default 16), `global_train_batch_size` (default 512):
 *   accumulation = global / world / micro.
 * - `precision` amp_bf16 / amp_fp16 / fp32 (no default: absent is rejected); `optimizer.name`
 *   lionw (default) or adamw.
 * - Attention: flash-attn when `model.flash_attention`, else F.scaled_dot_product_attention (causal,
 *   fused) — the s×s scores are materialized only with ALiBi's bias. Dropout: `residual_dropout` and
 *   `embedding_dropout` (default 0.1) store their masks.
 */
export function readOlmoLayout(text: string, gpus?: number): ParallelLayout {
  const b = new LayoutBuilder();
  const yaml = parseYaml(text);
  if (!yaml || !isMap(yaml.doc.contents)) return b.layout;
  const get = yamlGetter(yaml);
  const world = gpus && gpus > 0 ? gpus : undefined;
  if (world) b.layout.gpus = world;

  const strategy = get(['distributed_strategy']);
  const dist = strategy ? String(strategy.value) : 'fsdp';
  const precision = get(['precision']);
  const p = precision ? String(precision.value) : undefined;
  if (p === 'fp32') b.set('precision', 'fp32', precision!.source);
  else if (p === 'amp_bf16' || p === 'amp_fp16')
    b.set(
      'precision',
      dist === 'fsdp' ? 'fsdp-mixed' : dist === 'ddp' && world !== 1 ? 'amp-ddp' : 'amp',
      precision!.source,
    );
  else if (precision) b.unmodelled(precision.source, `precision ${precision.source.raw}`);
  // TrainConfig.precision defaults to None, and autocast_precision (olmo/config.py) raises
  // "Unexpected precision type 'None'" when the trainer enters torch.autocast (olmo/train.py).
  else
    (b.layout.invalid ??= {}).precision = {
      message:
        "`precision` is not set: OLMo's TrainConfig.precision defaults to None and autocast_precision raises \"Unexpected precision type 'None'\" (olmo/config.py); set amp_bf16, amp_fp16 or fp32.",
    };

  let wrapUnmodelled: Parameters<LayoutBuilder['unmodelled']> | undefined;
  if (dist === 'fsdp') {
    const shard = get(['fsdp', 'sharding_strategy']);
    const s = shard ? String(shard.value).toUpperCase() : 'FULL_SHARD';
    // olmo/train.py wraps the model in PyTorch FSDP: sharded parameter storage under every strategy.
    b.layout.shardedParamStorage = true;
    if (s === 'FULL_SHARD') b.set('sharding', 'zero3', shard?.source);
    else if (s === 'SHARD_GRAD_OP') b.set('sharding', 'zero2', shard?.source);
    else if (s === 'NO_SHARD') b.set('sharding', 'none', shard?.source);
    else if (s === 'HYBRID_SHARD' || s === '_HYBRID_SHARD_ZERO2') {
      b.set('sharding', s === 'HYBRID_SHARD' ? 'zero3' : 'zero2', shard!.source);
      const replicas = get(['fsdp', 'hybrid_sharding_num_model_replicas']);
      const r = replicas ? asCount(replicas.value) : undefined;
      if (r && world && world % r === 0) b.set('shardGroupSize', world / r, replicas!.source);
      else
        b.unmodelled(
          shard!.source,
          `${s}: one replica per node by default; the GPUs per node are not in the file`,
        );
    } else if (shard) b.unmodelled(shard.source, `fsdp.sharding_strategy ${shard.source.raw}`);
    // FSDPConfig.wrapping_strategy defaults to None: "the model is wrapped with a single top-level
    // FSDP instance" (olmo/config.py; get_fsdp_wrap_policy returns None), so forward and backward
    // gather every parameter (and hold every unsharded gradient) at once, not one block at a time
    // as the estimate counts. Recorded last, so a key the file sets is the one named first.
    const wrap = get(['fsdp', 'wrapping_strategy']);
    const w = wrapName(wrap?.value);
    if (s !== 'NO_SHARD' && !PER_BLOCK_WRAPS.has(w))
      wrapUnmodelled = [
        wrap?.source ??
          get(['fsdp'])?.source ?? {
            key: 'fsdp.wrapping_strategy',
            keyRange: ZERO_RANGE,
            valueRange: ZERO_RANGE,
            raw: 'None',
          },
        w === 'None'
          ? 'fsdp.wrapping_strategy None (the default): one top-level FSDP unit gathers the whole model'
          : // The file's own text: a mutated or mistyped value (a map, a list) is no readable name.
            `fsdp.wrapping_strategy ${wrap?.source.raw ?? w}: FSDP units other than one block each`,
      ];
    const fsdpPrecision = get(['fsdp', 'precision']);
    if (fsdpPrecision && fsdpPrecision.value !== 'pure' && fsdpPrecision.value !== 'mixed')
      b.unmodelled(
        fsdpPrecision.source,
        `fsdp.precision ${fsdpPrecision.source.raw} (fp32 all-gathered parameters)`,
      );
  } else if (dist === 'ddp' || dist === 'single') {
    b.set('sharding', 'none', strategy!.source);
  } else if (strategy) b.unmodelled(strategy.source, `distributed_strategy ${strategy.source.raw}`);

  const ac = get(['activation_checkpointing']);
  if (!ac || ac.value === null || ac.value === false) b.set('recompute', 'none', ac?.source);
  else {
    const n = EVERY_NTH[String(ac.value)];
    const layers = asCount(get(['model', 'n_layers'])?.value) ?? 12;
    if (n === 1) b.set('recompute', 'full', ac.source);
    else if (n && layers % n === 0) {
      b.set('recompute', 'full', ac.source);
      b.layout.recomputeMethod = 'every';
      b.layout.recomputeLayers = n;
    } else b.unmodelled(ac.source, `activation_checkpointing ${ac.source.raw}`);
  }

  const micro = get(['device_train_microbatch_size']);
  const microBatch = micro ? b.count('microBatch', micro) : 16;
  if (microBatch !== undefined) b.set('microBatch', microBatch, micro?.source);
  const global = get(['global_train_batch_size']);
  const globalBatch = global ? b.count('globalBatch', global) : 512;
  if (globalBatch !== undefined && microBatch !== undefined) {
    // OLMo requires world | global and micro | global / world (TrainConfig device_train_batch_size).
    b.set('globalBatch', globalBatch, global?.source);
    if (world && globalBatch % (world * microBatch) === 0)
      b.derive('gradAccum', globalBatch / world / microBatch, global?.source);
  }
  const seq = get(['model', 'max_sequence_length']);
  if (seq) {
    const s = b.count('seqLen', seq);
    if (s !== undefined) b.set('seqLen', s, seq.source);
  }

  const alibi = get(['model', 'alibi']);
  if (alibi?.value === true) b.set('flashAttention', false, alibi.source);
  const drop = ['residual_dropout', 'embedding_dropout'].map((k) => get(['model', k]));
  const rates = drop.map((d) => (d ? d.value : 0.1));
  if (rates.every((r) => typeof r === 'number'))
    b.set(
      'dropout',
      rates.some((r) => (r as number) > 0),
      drop.find((d) => d)?.source,
    );
  const fused = get(['fused_loss']);
  // flash-attn's fused cross entropy keeps the bf16 logits and their gradient (4 B per element).
  if (fused?.value === true) b.set('logitsBytesPerElement', 4, fused.source);

  const optimizer = get(['optimizer', 'name']);
  const id = optimizer ? OLMO_OPTIMIZERS[String(optimizer.value)] : 'lion';
  if (id) b.set('optimizer', id, optimizer?.source);
  else if (optimizer) b.unmodelled(optimizer.source, `optimizer ${optimizer.source.raw}`);
  if (wrapUnmodelled) b.unmodelled(...wrapUnmodelled);
  return b.layout;
}

/** A YAML wrapping_strategy as OLMo's FSDPWrapStrategy names it (null: None). */
function wrapName(value: unknown): string {
  return value === null || value === undefined ? 'None' : String(value);
}

/**
 * FSDPWrapStrategy values whose units are one OLMoBlock each (olmo/model.py get_fsdp_wrap_policy;
 * the _and_size variants also wrap wte and ff_out on their own), as the two-block gather buffers count.
 */
const PER_BLOCK_WRAPS = new Set(['by_block', 'by_block_and_size']);

const ZERO_RANGE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** OptimizerType (olmo/config.py): LionW keeps one momentum, AdamW two moments. */
const OLMO_OPTIMIZERS: Record<string, OptimizerId> = { lionw: 'lion', adamw: 'adamw' };

/** OLMo's layout defaults (allenai/OLMo@59a53e3f olmo/config.py TrainConfig, FSDPConfig, ModelConfig). */
export const olmoLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  sharding: 'zero3',
  recompute: 'none',
  precision: 'fsdp-mixed',
  optimizer: 'lion',
  flashAttention: true,
  dropout: true,
  source:
    'allenai/OLMo@59a53e3f olmo/config.py: distributed_strategy fsdp, fsdp.sharding_strategy FULL_SHARD, fsdp.precision pure, activation_checkpointing None, optimizer.name lionw, residual/embedding dropout 0.1, SDPA attention',
};

/**
 * Memory edits of an OLMo YAML: `activation_checkpointing: whole_layer` (or null to turn it off),
 * `fsdp.sharding_strategy: FULL_SHARD` from NO_SHARD / SHARD_GRAD_OP, and
 * `device_train_microbatch_size` (the accumulation follows from global_train_batch_size, so D stays).
 */
export function olmoEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const edits: MemoryEdit[] = [];
  const shard = yamlPair(yaml, ['fsdp', 'sharding_strategy']);
  const s = String(lookup(yaml, ['fsdp', 'sharding_strategy'])?.value ?? '');
  // FULL_SHARD over a non-block wrapping (the default None) would gather the whole model: unknown.
  const wrapped = PER_BLOCK_WRAPS.has(wrapName(lookup(yaml, ['fsdp', 'wrapping_strategy'])?.value));
  if (shard && wrapped && (s === 'NO_SHARD' || s === 'SHARD_GRAD_OP')) {
    const r = replaceYamlValue(shard, base, 'FULL_SHARD');
    if (r)
      edits.push({
        kind: 'shard-up',
        label: 'fsdp.sharding_strategy: FULL_SHARD',
        key: 'fsdp.sharding_strategy',
        replacements: [r],
      });
  }
  const ac = yamlPair(yaml, ['activation_checkpointing']);
  const setAc = (value: string) =>
    ac
      ? replaceYamlValue(ac, base, value)
      : (insertYamlKey(yaml, base, undefined, 'activation_checkpointing', value) ??
        appendYamlKey(text, 'activation_checkpointing', value));
  const everyLayer = layout.recompute === 'full' && !layout.recomputeMethod;
  if (!everyLayer) {
    const r = setAc('whole_layer');
    if (r)
      edits.push({
        kind: 'recompute-full',
        label: 'activation_checkpointing: whole_layer',
        key: 'activation_checkpointing',
        replacements: [r],
      });
  }
  if (layout.recompute !== 'none' && ac) {
    const r = setAc('null');
    if (r)
      edits.push({
        kind: 'recompute-off',
        label: 'activation_checkpointing: null',
        key: 'activation_checkpointing',
        replacements: [r],
      });
  }
  const micro = yamlPair(yaml, ['device_train_microbatch_size']);
  const m = micro ? asCount(lookup(yaml, ['device_train_microbatch_size'])?.value) : undefined;
  if (micro && m && m === layout.microBatch) {
    const device = layout.microBatch * layout.gradAccum;
    edits.push(...microBatchHalveDoubleEdits(micro, base, 'device_train_microbatch_size', m, device));
  }
  return edits;
}

/** The registry's layout hook for OLMo YAML. */
export const olmoLayout: FrameworkLayout = {
  read: (text, { gpus }) => readOlmoLayout(text, gpus),
  defaults: olmoLayoutDefaults,
  edits: olmoEdits,
};
