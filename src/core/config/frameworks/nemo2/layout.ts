import type { FieldSource } from '../../../types';
import { MCORE_DEFAULTS } from './mcoreDefaults';
import type { LayoutDefaults, LayoutValueKey, ParallelLayout } from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { megatronLayoutDefaults } from '../megatron/layout';
import { NEMO2 } from './tables';
import type { Nemo2Outputs, Nemo2Value } from './tableTypes';

/** A value with where it came from, or unknown with the reason (reader.ts's Val). */
type Val = { v: Nemo2Value; src?: FieldSource } | { unknown: string; src?: FieldSource };
const isUnknown = (x: Val): x is { unknown: string; src?: FieldSource } => 'unknown' in x;

type Cfg = { config: string; fields: Readonly<Record<string, Nemo2Value>> };
const isCfg = (v: Nemo2Value | undefined): v is Cfg =>
  !!v && typeof v === 'object' && !Array.isArray(v) && 'config' in v && 'fields' in v;

export interface LayoutInput {
  /** The recipe call: the source of every value the table (not the file) gives. */
  at: FieldSource;
  outputs: Nemo2Outputs;
  cfgClass: string;
  /** Config fields the file or the recipe sets (the reader's count overrides). */
  cfgOverrides: Map<string, Val>;
  /** Every recipe edit by path (`trainer.strategy.sequence_parallel`, `optim.config.lr`, …). */
  edits: Map<string, Val>;
  data: Map<string, Val>;
  dataDefaults: Readonly<Record<string, Nemo2Value>> | undefined;
  gpus?: number;
  /** Finetunes: the PEFT class (null: full finetune). */
  peft?: Val;
  /** A table value that is a recipe parameter `{param, default}`: the call's argument, else the default. */
  resolve: (v: Nemo2Value) => Val;
}

/**
 * The parallel layout of a NeMo 2.x recipe: MegatronStrategy's degrees, the MegatronMixedPrecision
 * plugin, MegatronOptimizerModule's OptimizerConfig and the model config's recompute fields — the
 * recipe's values from the generated table, then the file's literal edits. The semantics are
 * Megatron-core's (the strategy copies the degrees into the model config, strategies/megatron_strategy.py
 * connect; the plugin's grad_reduce_in_fp32 and bf16 override the DDP and optimizer configs,
 * plugins/mixed_precision.py update_config_with_dtype_overrides), so the Megatron layout defaults
 * apply. Anything else the recipe or file sets that changes memory is unmodelled, naming the key.
 */
export function buildLayout(input: LayoutInput): ParallelLayout {
  const layout: ParallelLayout = { sources: {} };
  const unmodelled = (at: FieldSource | undefined, why: string) =>
    (layout.unmodelled ??= []).push({ ...(at ?? input.at), why });
  const set = <K extends LayoutValueKey>(key: K, value: ParallelLayout[K], at?: FieldSource) => {
    layout[key] = value;
    layout.sources[key] = at ?? input.at;
  };
  const { outputs, edits } = input;
  const edit = (path: string) => edits.get(path);
  const replaced = (path: string) => edits.has(path);

  // Strategy: the table's MegatronStrategy keywords, then `trainer.strategy.<k>` edits.
  const strategy = new Map<string, Val>();
  for (const [k, v] of Object.entries(outputs.strategyAll ?? {})) strategy.set(k, input.resolve(v));
  if (replaced('trainer') || replaced('trainer.strategy') || outputs.strategy !== 'MegatronStrategy')
    unmodelled(
      (edit('trainer.strategy') ?? edit('trainer'))?.src,
      'the trainer strategy is not the recipe MegatronStrategy',
    );
  for (const [path, v] of edits)
    if (path.startsWith('trainer.strategy.')) strategy.set(path.slice('trainer.strategy.'.length), v);
  const degree = (key: string, name: LayoutValueKey & keyof ParallelLayout, fallback: number | null) => {
    const v = strategy.get(key);
    if (!v) return;
    if (isUnknown(v)) return unmodelled(v.src, `${key}: ${v.unknown}`);
    const value = v.v === null && fallback !== null ? fallback : v.v;
    if (value === null) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
      return unmodelled(v.src, `${key} ${JSON.stringify(value)} is not a positive integer`);
    set(name, value as never, v.src);
  };
  degree('tensor_model_parallel_size', 'tensorParallel', null);
  degree('pipeline_model_parallel_size', 'pipelineParallel', null);
  degree('virtual_pipeline_model_parallel_size', 'virtualPipeline', 1);
  degree('context_parallel_size', 'contextParallel', null);
  degree('expert_model_parallel_size', 'expertParallel', null);
  const sp = strategy.get('sequence_parallel');
  if (sp && !isUnknown(sp) && typeof sp.v === 'boolean') set('sequenceParallel', sp.v, sp.src);
  else if (sp) unmodelled(sp.src, 'sequence_parallel is not True/False');
  const fsdp = strategy.get('fsdp');
  if (fsdp && (isUnknown(fsdp) || fsdp.v !== null))
    unmodelled(fsdp.src, 'MegatronStrategy fsdp (Megatron FSDP / torch FSDP sharding)');
  for (const k of ['expert_tensor_parallel_size', 'use_te_rng_tracker']) void k;

  // Precision: MegatronMixedPrecision (recipes/precision/mixed_precision.py bf16_mixed) with
  // Megatron DDP: bf16 params, main grads in fp32 when grad_reduce_in_fp32 (else bf16), fp32 main
  // params in the optimizer (use_precision_aware_optimizer False).
  const plugins = outputs.plugins;
  if (replaced('trainer.plugins') || !isCfg(plugins) || plugins.config !== 'MegatronMixedPrecision')
    unmodelled(edit('trainer.plugins')?.src, 'trainer.plugins is not the recipe MegatronMixedPrecision');
  else {
    const field = (k: string): Val =>
      edit(`trainer.plugins.${k}`) ?? input.resolve(plugins.fields[k] ?? null);
    const precision = field('precision');
    const gradFp32 = field('grad_reduce_in_fp32');
    const fp8 = field('fp8');
    if (!isUnknown(fp8) && fp8.v !== null && fp8.v !== undefined)
      unmodelled(fp8.src, 'FP8 training (MegatronMixedPrecision fp8)');
    if (isUnknown(precision) || precision.v !== 'bf16-mixed')
      unmodelled(
        precision.src,
        `trainer.plugins precision ${JSON.stringify(isUnknown(precision) ? '?' : precision.v)} (only bf16-mixed is modelled)`,
      );
    else if (isUnknown(gradFp32) || typeof gradFp32.v !== 'boolean')
      unmodelled(gradFp32.src, 'grad_reduce_in_fp32 is not True/False');
    else set('precision', gradFp32.v ? 'megatron-bf16' : 'zero-mixed', gradFp32.src ?? precision.src);
  }

  // Optimizer: MegatronOptimizerModule(config=OptimizerConfig(optimizer="adam",
  // use_distributed_optimizer=True)) (recipes/optim/adam.py): Megatron's distributed optimizer
  // shards the fp32 main params and Adam states over DP (ZeRO-1).
  const optim = outputs.optim;
  const optCfg = isCfg(optim) && optim.config === 'MegatronOptimizerModule' ? optim.fields.config : undefined;
  if (replaced('optim') || replaced('optim.config') || !isCfg(optCfg) || optCfg.config !== 'OptimizerConfig')
    unmodelled(
      (edit('optim') ?? edit('optim.config'))?.src,
      'recipe.optim is not a MegatronOptimizerModule OptimizerConfig',
    );
  else {
    const field = (k: string): Val => edit(`optim.config.${k}`) ?? input.resolve(optCfg.fields[k] ?? null);
    const name = field('optimizer');
    if (!isUnknown(name) && name.v === 'adam') set('optimizer', 'adamw', name.src);
    else if (!isUnknown(name) && name.v === 'sgd') set('optimizer', 'sgd-momentum', name.src);
    else unmodelled(name.src, `optim.config.optimizer ${isUnknown(name) ? '?' : JSON.stringify(name.v)}`);
    const dist = field('use_distributed_optimizer');
    if (isUnknown(dist) || (dist.v !== null && typeof dist.v !== 'boolean'))
      unmodelled(dist.src, 'use_distributed_optimizer is not True/False');
    else set('sharding', dist.v ? 'zero1' : 'none', dist.src);
    for (const k of ['use_precision_aware_optimizer', 'optimizer_cpu_offload']) {
      const v = field(k);
      if (isUnknown(v) || (v.v !== null && v.v !== false))
        unmodelled(v.src, `optim.config.${k} (optimizer state dtypes / offloading)`);
    }
  }

  // Model config: recompute, dropout, offloading, FP8 (class defaults, then the file's edits).
  const config = NEMO2.configs[input.cfgClass];
  const cfg = (k: string): Val =>
    edit(`model.config.${k}`) ??
    input.cfgOverrides.get(k) ??
    (config && Object.hasOwn(config.fields, k) ? { v: config.fields[k] } : { v: MCORE_DEFAULTS[k] ?? null });
  const gran = cfg('recompute_granularity');
  if (isUnknown(gran)) unmodelled(gran.src, `recompute_granularity: ${gran.unknown}`);
  else if (gran.v === 'selective') {
    set('recompute', 'selective', gran.src);
    const modules = cfg('recompute_modules');
    if (isUnknown(modules) || (modules.v !== null && JSON.stringify(modules.v) !== '["core_attn"]'))
      unmodelled(modules.src, 'recompute_modules other than core_attn');
  } else if (gran.v === 'full') {
    const method = cfg('recompute_method');
    const n = cfg('recompute_num_layers');
    if (isUnknown(method) || (method.v !== 'uniform' && method.v !== 'block'))
      unmodelled(
        method.src ?? gran.src,
        'full recompute needs recompute_method uniform or block (TransformerConfig raises)',
      );
    else if (isUnknown(n) || typeof n.v !== 'number' || !Number.isSafeInteger(n.v) || n.v < 1)
      unmodelled(n.src ?? gran.src, 'full recompute needs recompute_num_layers (TransformerConfig raises)');
    else {
      set('recompute', 'full', gran.src);
      set('recomputeMethod', method.v, method.src);
      set('recomputeLayers', n.v, n.src);
    }
  } else if (gran.v !== null) unmodelled(gran.src, `recompute_granularity ${JSON.stringify(gran.v)}`);
  const hidden = cfg('hidden_dropout');
  const attention = cfg('attention_dropout');
  if (!isUnknown(hidden) && typeof hidden.v === 'number') set('dropout', hidden.v > 0, hidden.src);
  else unmodelled(hidden.src, 'hidden_dropout is not a number');
  // attention_backend auto (fused / flash): the s×s dropout masks are never kept, so only hidden_dropout matters.
  void attention;
  const backend = cfg('attention_backend');
  if (!isUnknown(backend) && backend.v !== null && !/auto|flash|fused/.test(JSON.stringify(backend.v)))
    unmodelled(backend.src, `attention_backend ${JSON.stringify(backend.v)} (unfused attention)`);
  for (const [k, why] of [
    ['cpu_offloading', 'activation/weight CPU offloading'],
    ['fp8', 'FP8 training'],
  ] as const) {
    const v = cfg(k);
    if (isUnknown(v) || (v.v !== null && v.v !== false)) unmodelled(v.src, why);
  }

  // Batch: the data module's micro / global batch and seq_length; GPUs from the trainer.
  const dataVal = (k: string): Val | undefined =>
    input.data.get(k) ??
    (input.dataDefaults && k in input.dataDefaults ? { v: input.dataDefaults[k] } : undefined);
  for (const [k, key] of [
    ['micro_batch_size', 'microBatch'],
    ['global_batch_size', 'globalBatch'],
    ['seq_length', 'seqLen'],
  ] as const) {
    const v = dataVal(k);
    if (v && !isUnknown(v) && typeof v.v === 'number' && Number.isSafeInteger(v.v) && v.v > 0)
      set(key, v.v, v.src);
    else if (v) unmodelled(v.src, `data ${k} is not a positive integer`);
  }
  if (input.peft && (isUnknown(input.peft) || input.peft.v !== null))
    unmodelled(
      input.peft.src,
      'PEFT finetune (frozen base weights, adapter-only gradients and optimizer states)',
    );
  if (input.gpus) layout.gpus = input.gpus;
  const l = layout;
  if (l.globalBatch && l.microBatch && l.gpus) {
    const dp = l.gpus / ((l.tensorParallel ?? 1) * (l.pipelineParallel ?? 1) * (l.contextParallel ?? 1));
    const accum = l.globalBatch / (l.microBatch * dp);
    if (Number.isSafeInteger(accum) && accum >= 1) set('gradAccum', accum, l.sources.globalBatch);
  }
  return layout;
}

/** Megatron-core's defaults (the NeMo 2 model is a Megatron-core GPTModel under MegatronStrategy). */
export const nemo2LayoutDefaults: LayoutDefaults = {
  ...megatronLayoutDefaults,
  source:
    'Megatron-core defaults as NeMo 2 MegatronStrategy uses them (NVIDIA/NeMo@8cfedd72; Megatron-LM@d98e8a64): TP = PP = CP = 1, fused attention, fp32 unless a precision plugin; every value the recipe sets comes from the generated table',
};

/** The registry's layout hook: the reader's own layout (ReadResult.parsed), else read again. */
export const nemo2Layout: FrameworkLayout = {
  read: (text, { gpus, parsed }) => {
    const fromParse = (parsed as { nemo2Layout?: ParallelLayout } | undefined)?.nemo2Layout;
    const layout = fromParse ?? readAgain(text);
    if (layout && !layout.gpus && gpus && gpus > 0) return { ...layout, gpus };
    return layout ?? { sources: {} };
  },
  defaults: nemo2LayoutDefaults,
};

let readAgain: (text: string) => ParallelLayout | undefined = () => undefined;
/** Set by reader.ts (the reader imports this module; no import cycle at load time). */
export function setLayoutReader(fn: (text: string) => ParallelLayout | undefined): void {
  readAgain = fn;
}
