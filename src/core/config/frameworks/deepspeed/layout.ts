import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type OptimizerId,
  type ParallelLayout,
  type PrecisionRecipeId,
  type ShardingMode,
} from '../../../model/layout';
import type { FieldSource } from '../../../types';
import type { FrameworkLayout } from '../../reader';
import { YamlLayout, isPlaceholder, type LayoutPath } from '../../layoutYaml';
import { parseYaml } from '../../yamlSource';
import { deepspeedEdits } from './memoryEdits';

/**
 * The layout keys of a DeepSpeed config (deepspeedai/DeepSpeed@edaa7221 deepspeed/runtime/config.py,
 * deepspeed/runtime/zero/config.py, engine.py), read wherever a DeepSpeed config appears: a
 * `ds_config.json` itself, the DeepSpeed keys GPT-NeoX keeps at the top level of its YAML, the JSON
 * a Megatron-DeepSpeed script writes in a heredoc or names with `--deepspeed_config`, and the JSON
 * an Axolotl config names with `deepspeed:`.
 *
 * Precision and sharding follow the engine's choice of optimizer wrapper
 * (engine.py `_do_optimizer_sanity_check` @edaa7221):
 * - ZeRO stage ≥ 1 → the ZeRO optimizer: fp16/bf16 params and grads + fp32 master and states
 *   sharded by stage (ZeRO paper recipe); on fp32 params the optimizer still clones an fp32 partition.
 *   Except bf16 + stage 1 + `data_types.grad_accum_dtype: fp32` (no offload) → BF16_Optimizer.
 * - stage 0, bf16: with the pipeline engine → BF16_Optimizer (fp32 master and states partitioned over
 *   DP, a full-size gradient accumulation buffer in grad_accum_dtype); otherwise FP16_Optimizer with a
 *   full fp32 master (`DDP_BFLOAT16`). bf16 with an fp32 grad_accum_dtype and no pipeline is refused
 *   by the engine ("unsupported mix").
 * - stage 0, fp16 → FP16_Optimizer (2 + 2 + 12 bytes per parameter, unsharded); neither → fp32.
 */
export interface DeepSpeedRead {
  /** The ZeRO stage the config sets (0 when it has a `zero_optimization` without a stage). */
  stage?: number;
  /** fp16 / bf16 as enabled, `auto` when HF's integration fills it in, undefined = fp32. */
  half?: 'fp16' | 'bf16' | 'auto';
}

export interface DeepSpeedLayoutOptions {
  /** Key path prefix of the DeepSpeed keys (GPT-NeoX: top level; a JSON: top level). */
  root?: LayoutPath;
  /** The model runs on DeepSpeed's pipeline engine (PipelineModule, PP > 1 or NeoX pipe_parallel_size ≥ 1). */
  pipeline?: boolean;
  /** fp16 / bf16 as the caller knows it when the config says `auto` or nothing (HF Trainer args). */
  halfFromCaller?: 'fp16' | 'bf16';
  /** Where the caller's fp16 / bf16 is written (NeoX's `precision`), to name it when the engine refuses. */
  halfFromCallerSource?: FieldSource;
  /** The caller builds the optimizer from `optimizer.type` itself (GPT-NeoX's get_optimizer). */
  clientOptimizer?: boolean;
  /** The engine the caller pins (GPT-NeoX: EleutherAI/DeeperSpeed; see {@link deepSpeedPrecision}). */
  engine?: DeepSpeedEngine;
}

/**
 * Which DeepSpeed decides the optimizer wrapper: upstream (deepspeedai/DeepSpeed@edaa7221) or the
 * fork GPT-NeoX pins (requirements/requirements.txt: EleutherAI/DeeperSpeed@91d1c55b), whose
 * `_do_optimizer_sanity_check` still has the bf16 + fp32-accumulation branch upstream removed in
 * 09885efe ("Fix BF16_Optimizer being used without ZeRO", #7790) and no DDP_BFLOAT16 wrapper.
 */
export type DeepSpeedEngine = 'deepspeed' | 'deeperspeed';

/** DeepSpeed optimizer `type` names (deepspeed/runtime/config.py *_OPTIMIZER constants), lower-cased. */
const DEEPSPEED_OPTIMIZERS: Readonly<Record<string, OptimizerId>> = {
  adam: 'adamw',
  adamw: 'adamw',
  fusedadam: 'adamw',
  cpuadam: 'adamw',
  lamb: 'lamb',
  fusedlamb: 'lamb',
  lion: 'lion',
  fusedlion: 'lion',
};

/** Optimizers whose extra state (error-feedback buffers, compression) the byte table does not hold. */
const UNMODELLED_OPTIMIZERS = new Set([
  'onebitadam',
  'zerooneadam',
  'onebitlamb',
  'adagrad',
  'muadam',
  'muadamw',
  'musgd',
]);

/**
 * The byte recipe (and any sharding it implies) of DeepSpeed's optimizer wrapper for a ZeRO stage,
 * half-precision mode and engine (engine.py `_do_optimizer_sanity_check` @edaa7221; see above).
 */
export function deepSpeedPrecision(o: {
  stage: number;
  half?: 'fp16' | 'bf16';
  pipeline: boolean;
  fp32Accum?: boolean;
  offload?: boolean;
  engine?: DeepSpeedEngine;
}): { precision: PrecisionRecipeId; sharding?: ShardingMode } | { refused: string } {
  if (!o.half) return { precision: o.stage >= 1 ? 'fp32-zero' : 'fp32' };
  if (o.half === 'bf16' && o.stage === 1 && o.fp32Accum && !o.offload)
    return { precision: 'bf16-fp32-accum' };
  if (o.engine === 'deeperspeed' && o.half === 'bf16' && o.stage === 0) {
    // DeeperSpeed@91d1c55b engine.py _do_optimizer_sanity_check: bf16 + fp32 accumulation → BF16_Optimizer
    // (pipeline or not); bf16 accumulation → BF16_Optimizer on the pipeline engine, else
    // NotImplementedError. BF16_Optimizer partitions the fp32 master and states over DP.
    if (o.fp32Accum) return { precision: 'bf16-fp32-accum', sharding: 'zero1' };
    if (o.pipeline) return { precision: 'zero-mixed', sharding: 'zero1' };
    return {
      refused:
        'bf16 without ZeRO or the pipeline engine needs an fp32 grad_accum_dtype in DeeperSpeed ("Bfloat16 wrapper must use a gradient accumulation type of fp32, enable ZeRO to use Bfloat16 gradient accumulation")',
    };
  }
  // Without ZeRO the engine needs grad_accum_dtype == the model dtype, pipeline or not
  // (engine.py _do_optimizer_sanity_check: `elif model_dtype == grad_accum_dtype` else NotImplementedError).
  if (o.stage === 0 && o.fp32Accum)
    return {
      refused: `${o.half} with an fp32 grad_accum_dtype and no ZeRO is refused by DeepSpeed ("unsupported mix")`,
    };
  if (o.half === 'bf16' && o.stage === 0 && o.pipeline)
    // BF16_Optimizer partitions the fp32 master and the optimizer states over DP (ZeRO-1-like).
    return { precision: 'zero-mixed', sharding: 'zero1' };
  return { precision: 'zero-mixed' };
}

export function readDeepSpeedConfig(y: YamlLayout, options: DeepSpeedLayoutOptions = {}): DeepSpeedRead {
  const root = options.root ?? [];
  const at = (...path: (string | readonly string[])[]): LayoutPath => [...root, ...path];
  const out: DeepSpeedRead = {};
  y.set('microBatch', y.int(at('train_micro_batch_size_per_gpu'), 'microBatch'));
  y.set('gradAccum', y.int(at('gradient_accumulation_steps'), 'gradAccum'));
  y.set('globalBatch', y.int(at('train_batch_size'), 'globalBatch'));

  const zero = y.find(at('zero_optimization'));
  const stageFound = y.find(at('zero_optimization', 'stage'));
  let stage: number | undefined;
  if (stageFound) {
    const s = y.count(at('zero_optimization', 'stage'));
    if (s && s.value >= 0 && s.value <= 3) {
      stage = s.value;
      y.set('sharding', {
        value: (['none', 'zero1', 'zero2', 'zero3'] as const)[s.value]!,
        source: s.source,
      });
    } else if (isPlaceholder(stageFound.source.raw)) {
      y.unmodelled(
        stageFound.source,
        `ZeRO stage \`${stageFound.source.raw.trim().slice(0, 40)}\` is not evaluated`,
      );
    } else {
      (y.layout.invalid ??= {}).sharding = stageFound.source.raw;
      y.layout.sources.sharding = stageFound.source;
    }
  } else if (zero && typeof zero.value === 'boolean') {
    // The deprecated boolean form: `"zero_optimization": true` is stage 1, false stage 0
    // (deepspeedai/DeepSpeed@edaa7221 zero/config.py read_zero_config_deprecated).
    stage = zero.value ? 1 : 0;
    y.set('sharding', { value: zero.value ? 'zero1' : 'none', source: zero.source });
  } else if (zero) {
    // DeepSpeedZeroConfig.stage defaults to 0 (zero/config.py).
    stage = 0;
    y.set('sharding', { value: 'none', source: zero.source });
  }
  if (stage !== undefined) out.stage = stage;
  // PipelineEngine.__init__ asserts `zero_optimization_stage() < ZeroStageEnum.gradients`
  // (deepspeed/runtime/pipe/engine.py @edaa7221): no memory figure for a run that cannot start.
  if (options.pipeline && stage !== undefined && stage >= 2 && stageFound)
    (y.layout.invalid ??= {}).sharding = {
      message: `zero_optimization.stage ${stage} with the pipeline engine: DeepSpeed asserts "ZeRO-2 and ZeRO-3 are incompatible with pipeline parallelism" (pipe/engine.py)`,
    };

  // Offloading: optimizer states (and the fp32 master) to CPU/NVMe is modelled (ZeRO-Offload);
  // parameters off the GPU (ZeRO-Infinity offload_param) are not.
  const optDevice = y.str(at('zero_optimization', 'offload_optimizer', 'device'));
  const legacyOffload = y.bool(at('zero_optimization', 'cpu_offload'));
  if (optDevice && /^(cpu|nvme)$/i.test(optDevice.value.trim()))
    y.set('cpuOffload', { value: true, source: optDevice.source });
  else if (legacyOffload?.value) y.set('cpuOffload', legacyOffload);
  const paramDevice = y.str(at('zero_optimization', 'offload_param', 'device'));
  const legacyParamOffload = y.bool(at('zero_optimization', 'cpu_offload_param'));
  if (paramDevice && /^(cpu|nvme)$/i.test(paramDevice.value.trim()))
    y.unmodelled(paramDevice.source, `ZeRO-Infinity parameter offload to ${paramDevice.value.trim()}`);
  else if (legacyParamOffload?.value) y.unmodelled(legacyParamOffload.source, 'ZeRO-3 parameter offload');
  // ZeRO++ hpZ keeps a secondary copy of the parameters sharded within the hpz group.
  const hpz = y.int(at('zero_optimization', 'zero_hpz_partition_size'));
  if (hpz && hpz.value > 1) y.unmodelled(hpz.source, 'ZeRO++ hpZ secondary parameter partition');
  // MiCS shards the states within groups of mics_shard_size ranks, replicated across groups.
  const mics = y.int(at('zero_optimization', 'mics_shard_size'));
  if (mics) y.set('shardGroupSize', mics);

  const fp16 = y.find(at('fp16', 'enabled'));
  const bf16 = y.find(at('bf16', 'enabled')) ?? y.find(at('bfloat16', 'enabled'));
  const on = (v: { value: unknown } | undefined) => v?.value === true || v?.value === 'true';
  const auto = (v: { value: unknown } | undefined) => v?.value === 'auto';
  let half: 'fp16' | 'bf16' | undefined;
  let halfSource = undefined as typeof fp16;
  if (on(fp16)) [half, halfSource] = ['fp16', fp16];
  else if (on(bf16)) [half, halfSource] = ['bf16', bf16];
  else if ((auto(fp16) || auto(bf16)) && options.halfFromCaller) {
    half = options.halfFromCaller;
    halfSource = auto(bf16) ? bf16 : fp16;
  } else if (auto(fp16) || auto(bf16)) {
    const s = (auto(bf16) ? bf16 : fp16)!;
    y.unmodelled(s.source, 'precision `auto` is filled in by the launcher');
    out.half = 'auto';
  } else if (options.halfFromCaller) half = options.halfFromCaller;
  if (half) out.half = half;
  // Precision modes whose bytes per parameter the recipes do not hold: Apex AMP (engine.py
  // `amp.initialize`), torch.autocast over fp32 parameters (runtime/torch_autocast.py), and the ZeRO
  // optimizer's 16-bit master weights/gradients and bf16 states (precision_config.py @edaa7221).
  for (const [path, why] of [
    [['amp', 'enabled'], 'Apex AMP (amp.initialize) mixed precision'],
    [['torch_autocast', 'enabled'], 'torch.autocast over fp32 parameters'],
    [['fp16', 'fp16_master_weights_and_grads'], 'fp16 master weights and gradients (no fp32 copy)'],
    [['bf16', 'bf16_master_weights_and_grads'], 'bf16 master weights and gradients (no fp32 copy)'],
    [['bf16', 'bf16_optimizer_states'], 'optimizer states kept in bf16'],
  ] as const) {
    const flag = y.find(at(...path));
    if (on(flag)) y.unmodelled(flag!.source, why);
  }
  // Model sharding the JSON turns on for a Hugging Face model (deepspeedai/DeepSpeed@edaa7221): AutoTP
  // training splits the weights over `tensor_parallel.autotp_size` ranks (engine.py:332
  // _configure_tensor_parallel when autotp_size > 1; 0 disables it, runtime/tensor_parallel/config.py),
  // AutoEP shards the experts (`expert_parallel.enabled`, module_inject/auto_ep_config.py), and Ulysses
  // `sequence_parallel_size` splits each sequence, dividing the data-parallel world (config.py:721).
  // The layout has no such dimension for a DeepSpeed-only run, so memory is unknown, naming the key.
  const autotp = y.find(at('tensor_parallel', 'autotp_size'));
  const autotpSize = y.count(at('tensor_parallel', 'autotp_size'));
  if (autotp && (autotpSize ? autotpSize.value > 1 : isPlaceholder(autotp.source.raw)))
    y.unmodelled(
      autotp.source,
      'DeepSpeed AutoTP training (weights split over tensor_parallel.autotp_size ranks)',
    );
  const autoep = y.find(at('expert_parallel', 'enabled'));
  if (on(autoep))
    y.unmodelled(autoep!.source, 'DeepSpeed AutoEP (experts sharded over expert_parallel.autoep_size ranks)');
  const ulysses = y.count(at('sequence_parallel_size'));
  if (ulysses && ulysses.value > 1)
    y.unmodelled(
      ulysses.source,
      'Ulysses sequence parallelism (sequence_parallel_size) splits each sequence over ranks',
    );
  const accum = y.str(at('data_types', 'grad_accum_dtype'));
  const fp32Accum = accum ? /^(fp32|float32|float)$/i.test(accum.value.trim()) : false;
  if (out.half !== 'auto') {
    const chosen = deepSpeedPrecision({
      stage: stage ?? 0,
      ...(half ? { half } : {}),
      pipeline: !!options.pipeline,
      fp32Accum,
      offload: !!y.layout.cpuOffload,
      ...(options.engine ? { engine: options.engine } : {}),
    });
    const source = halfSource?.source ?? accum?.source ?? zero?.source;
    if ('refused' in chosen) {
      const at = (accum ?? halfSource ?? zero)?.source ?? options.halfFromCallerSource;
      if (at) y.unmodelled(at, chosen.refused);
      else y.layout.invalid = { ...y.layout.invalid, precision: { message: chosen.refused } };
    } else {
      if (source) y.set('precision', { value: chosen.precision, source });
      else y.layout.precision = chosen.precision;
      if (chosen.sharding && source) y.set('sharding', { value: chosen.sharding, source });
      else if (chosen.sharding) y.layout.sharding = chosen.sharding;
    }
  }

  const type = options.clientOptimizer ? undefined : y.str(at('optimizer', 'type'));
  if (type) {
    const name = type.value.trim().toLowerCase();
    const id = DEEPSPEED_OPTIMIZERS[name];
    if (id) y.set('optimizer', { value: id, source: type.source });
    else
      y.unmodelled(
        type.source,
        name === 'muon'
          ? // engine.py _configure_basic_optimizer: MuonWithAuxAdam splits the parameters by the
            // `use_muon` attribute the model code sets on each one, which the config does not show.
            'optimizer Muon: which parameters get Muon momentum or AdamW moments is set per parameter (`param.use_muon`) by the model code'
          : UNMODELLED_OPTIMIZERS.has(name)
            ? `optimizer ${type.value.trim()} keeps state the byte table does not hold`
            : `optimizer ${type.value.trim().slice(0, 40)} is not in the byte table`,
      );
  }
  return out;
}

/** A DeepSpeed config as its own file: the layout keys (the file holds no model, so no memory figure). */
export function readDeepSpeedLayout(text: string, gpus?: number): ParallelLayout {
  const yaml = parseYaml(text);
  const y = new YamlLayout(yaml ?? parseYaml('{}')!);
  if (yaml) readDeepSpeedConfig(y);
  if (gpus && gpus > 0) y.layout.gpus = gpus;
  return y.layout;
}

/**
 * Layout defaults as DeepSpeed defines them (deepspeed/runtime/config.py, zero/config.py @edaa7221):
 * ZeRO stage 0, fp32 unless fp16/bf16 is enabled, no offload; activation checkpointing is the
 * model's (DeepSpeed only configures it), and attention is the model's (unfused unless stated).
 */
export const deepspeedLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  precision: 'fp32',
  flashAttention: false,
  source:
    'DeepSpeed config defaults (deepspeedai/DeepSpeed@edaa7221 runtime/config.py, zero/config.py): zero_optimization.stage 0, fp16/bf16 disabled (fp32), no offload, the client optimizer (AdamW assumed)',
};

export const deepspeedLayout: FrameworkLayout = {
  read: (text, { gpus }) => readDeepSpeedLayout(text, gpus),
  defaults: deepspeedLayoutDefaults,
  edits: deepspeedEdits,
};
