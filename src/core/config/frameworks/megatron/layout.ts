import type { FieldSource, ReadContext } from '../../../types';
import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type LayoutKey,
  type ParallelLayout,
  type LayoutValueKey,
} from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { megatronEdits } from './memoryEdits';
import { lastFlag, parseShell, type ShellFlag, type ShellScript } from '../../shell';
import { YamlLayout, maskOutside } from '../../layoutYaml';
import { parseYaml } from '../../yamlSource';
import { resolveSiblingPath } from '../../specBuilder';
import { deepSpeedPrecision, readDeepSpeedConfig } from '../deepspeed/layout';
import { DEEPSPEED_FORK_FLAGS } from './tables';

/**
 * The parallel layout of a Megatron-LM / Megatron-DeepSpeed launch script, read from the same
 * flags the framework reader parses (megatron/training/arguments.py names; the last occurrence
 * wins, as in argparse). Pure: `parseShell` only lexes. Absent flags are left undefined so
 * `resolveLayout` applies Megatron's defaults and says so.
 */
export function readMegatronLayout(
  text: string,
  gpus?: number,
  parsed?: ShellScript,
  context: ReadContext = {},
): ParallelLayout {
  // The framework reader's own parse can be passed in, so the layout costs no second lex.
  const script = parsed ?? parseShell(text);
  const layout: ParallelLayout = { sources: {} };
  const source = (flag: ShellFlag): FieldSource => {
    const end = flag.values.length ? flag.values[0].end : flag.end;
    return {
      key: flag.name,
      keyRange: script.lines.range(flag.start, flag.end),
      valueRange: script.lines.range(flag.values[0]?.start ?? flag.start, end),
      raw: flag.values[0]?.raw ?? '',
      ...(flag.file ? { file: flag.file } : {}),
    };
  };
  const int = (names: string[], key?: LayoutKey): { value: number; source: FieldSource } | undefined => {
    const flag = lastFlag(script, names);
    const text = flag?.values[0]?.text;
    if (!flag || text === undefined) return undefined;
    const value = Number(text);
    // A value that is not a finite number is recorded as invalid (with its text) so validation
    // names the key: never a default, and no NaN/Infinity in the spec.
    const usable = /^\s*-?\d+(\.\d+)?\s*$/.test(text) && Number.isFinite(value);
    if (!usable) {
      // Counts that are not layout keys (--num-layers, --global-batch-size) are the framework
      // reader's to report.
      if (key) {
        (layout.invalid ??= {})[key] = text;
        layout.sources[key] = source(flag);
      }
      return undefined;
    }
    return { value, source: source(flag) };
  };
  const has = (names: string[]): FieldSource | undefined => {
    const flag = lastFlag(script, names);
    return flag ? source(flag) : undefined;
  };
  const set = <K extends LayoutValueKey>(
    key: K & keyof ParallelLayout['sources'],
    found: { value: ParallelLayout[K]; source: FieldSource } | undefined,
  ) => {
    if (!found) return;
    layout[key] = found.value;
    layout.sources[key] = found.source;
  };
  set('tensorParallel', int(['--tensor-model-parallel-size'], 'tensorParallel'));
  set('pipelineParallel', int(['--pipeline-model-parallel-size'], 'pipelineParallel'));
  set('contextParallel', int(['--context-parallel-size'], 'contextParallel'));
  set('expertParallel', int(['--expert-model-parallel-size'], 'expertParallel'));
  // Megatron-core splits each expert over --expert-tensor-parallel-size ranks, the TP size unless
  // given (core/model_parallel_config.py __post_init__ @d98e8a64). Megatron-DeepSpeed's experts follow
  // DeepSpeed-MoE's own rules, which are not modelled: left unset there (MoE memory under TP unknown).
  const expertTp = int(['--expert-tensor-parallel-size'], 'expertTensorParallel');
  if (expertTp) set('expertTensorParallel', expertTp);
  else if (!showsDeepSpeedFork(script)) {
    const tp = layout.sources.tensorParallel;
    layout.expertTensorParallel = layout.tensorParallel ?? 1;
    if (tp) layout.sources.expertTensorParallel = tp;
  }
  set('microBatch', int(['--micro-batch-size'], 'microBatch'));
  set('seqLen', int(['--seq-length'], 'seqLen'));
  const virtual = int(
    ['--num-virtual-stages-per-pipeline-rank', '--virtual-pipeline-model-parallel-size'],
    'virtualPipeline',
  );
  if (virtual) set('virtualPipeline', virtual);
  const perVirtual = int(['--num-layers-per-virtual-pipeline-stage']);
  const layers = int(['--num-layers']);
  if (!virtual && perVirtual && layers && perVirtual.value > 0) {
    const pp = layout.pipelineParallel ?? 1;
    set('virtualPipeline', { value: layers.value / pp / perVirtual.value, source: perVirtual.source });
  }
  const sp = has(['--sequence-parallel']);
  if (sp) set('sequenceParallel', { value: true, source: sp });
  const distOpt = has(['--use-distributed-optimizer']);
  // Megatron's distributed optimizer shards the fp32 main params and Adam states (ZeRO-1); the
  // fp32 main grads stay whole (theoretical_memory_usage.py: 6 + 12/d bytes per parameter).
  if (distOpt) set('sharding', { value: 'zero1', source: distOpt });
  // Megatron-DeepSpeed shards through DeepSpeed ZeRO: the engine reads the stage from the DeepSpeed
  // JSON, and the fork's --zero-stage (arguments.py _add_zero_args @f4157bea) is set by its example
  // scripts from the same variable as the JSON's "stage". Read only with --deepspeed present.
  const deepspeedOn = lastFlag(script, ['--deepspeed']);
  const zeroStage = int(['--zero-stage']);
  if (deepspeedOn && zeroStage && [0, 1, 2, 3].includes(zeroStage.value))
    set('sharding', {
      value: (['none', 'zero1', 'zero2', 'zero3'] as const)[zeroStage.value]!,
      source: zeroStage.source,
    });
  if (deepspeedOn) readMegatronDeepSpeedConfig(text, script, layout, zeroStage, context);
  const granularity = lastFlag(script, ['--recompute-granularity']);
  const recomputeActivations = has(['--recompute-activations']);
  const g = granularity?.values[0]?.text?.toLowerCase();
  // --recompute-activations sets the granularity to selective after parsing, whatever
  // --recompute-granularity says (megatron/training/arguments.py validate_args @d98e8a64).
  const methodFlag = lastFlag(script, ['--recompute-method']);
  const method = methodFlag?.values[0]?.text?.toLowerCase();
  const countFlag = lastFlag(script, ['--recompute-num-layers']);
  // TransformerConfig.__post_init__ (megatron/core/transformer/transformer_config.py @d98e8a64)
  // raises ValueError for these combinations: say so at the flag instead of estimating a run that
  // never starts.
  const reject = (key: LayoutKey, at: ShellFlag, message: string) => {
    (layout.invalid ??= {})[key] = { message };
    layout.sources[key] = source(at);
  };
  if (recomputeActivations) {
    set('recompute', { value: 'selective', source: recomputeActivations });
    if (countFlag)
      reject(
        'recomputeLayers',
        countFlag,
        '`--recompute-num-layers` must not be set with selective recompute (`--recompute-activations`): Megatron-core TransformerConfig raises "recompute_num_layers must be None".',
      );
  } else if (granularity && (g === 'full' || g === 'selective')) {
    set('recompute', { value: g, source: source(granularity) });
    const count = int(['--recompute-num-layers'], 'recomputeLayers');
    if (g === 'selective' && countFlag)
      reject(
        'recomputeLayers',
        countFlag,
        '`--recompute-num-layers` must not be set with `--recompute-granularity selective`: Megatron-core TransformerConfig raises "recompute_num_layers must be None".',
      );
    if (g === 'full' && method !== 'uniform' && method !== 'block')
      reject(
        'recomputeMethod',
        methodFlag ?? granularity,
        '`--recompute-granularity full` needs `--recompute-method uniform` or `block`: Megatron-core TransformerConfig raises "recompute_method must be \"block\" or \"uniform\"".',
      );
    else if (g === 'full' && !countFlag)
      reject(
        'recomputeLayers',
        granularity,
        '`--recompute-granularity full` needs `--recompute-num-layers` (default None): Megatron-core TransformerConfig raises "recompute_num_layers must be between 1 and num_layers_per_pipeline_rank".',
      );
    else if (
      g === 'full' &&
      (method === 'uniform' || method === 'block') &&
      count &&
      Number.isSafeInteger(count.value) &&
      count.value >= 1
    ) {
      layout.recomputeMethod = method;
      set('recomputeLayers', count);
    }
  }
  // Selective recompute checkpoints the modules --recompute-modules names (default ["core_attn"],
  // TransformerConfig.__post_init__): any other set saves different tensors than Korthikanti's.
  const modules = lastFlag(script, ['--recompute-modules']);
  const moduleNames = (modules?.values ?? []).map((v) => v.text).filter((t): t is string => t !== undefined);
  if (modules && layout.recompute === 'selective' && moduleNames.join(' ') !== 'core_attn')
    (layout.unmodelled ??= []).push({
      ...source(modules),
      why: `--recompute-modules ${moduleNames.join(' ').slice(0, 60)}: selective recompute of modules other than core_attn`,
    });
  // Megatron-LM GTP (@d98e8a64 model_parallel_config.py resolve_tensor_parallel_weight_shards):
  // weights sharded over TP × weight-remat ranks and re-gathered per layer, which the per-TP-rank
  // state count does not follow (the data-parallel size, and so D, it does: reader.ts).
  const weightShards = lastFlag(script, ['--tensor-parallel-num-weight-shards']);
  const shards = Number(weightShards?.values[0]?.text);
  if (weightShards && !(shards === (layout.tensorParallel ?? 1)))
    (layout.unmodelled ??= []).push({
      ...source(weightShards),
      why: `--tensor-parallel-num-weight-shards ${weightShards.values[0]?.text ?? ''}: weights sharded beyond the tensor-parallel group and rematerialized`,
    });
  // distribute_saved_activations splits each checkpointed layer input over the TP ranks.
  const distributeSaved = has(['--distribute-saved-activations']);
  if (distributeSaved && layout.recompute === 'full')
    (layout.unmodelled ??= []).push({
      ...distributeSaved,
      why: '--distribute-saved-activations: checkpointed inputs split over the tensor-parallel group',
    });
  const flash = has(['--use-flash-attn']);
  const backend = lastFlag(script, ['--attention-backend']);
  if (flash) set('flashAttention', { value: true, source: flash });
  else if (backend && /^(flash|fused|auto)$/i.test(backend.values[0]?.text ?? ''))
    set('flashAttention', { value: true, source: source(backend) });
  else if (backend) set('flashAttention', { value: false, source: source(backend) });
  else {
    // Megatron-DeepSpeed keeps unfused attention unless --use-flash-attn (its arguments.py).
    const deepspeed = lastFlag(script, ['--deepspeed', '--deepspeed_config', '--deepspeed-config']);
    if (deepspeed) set('flashAttention', { value: false, source: source(deepspeed) });
  }
  const optimizer = lastFlag(script, ['--optimizer']);
  const name = optimizer?.values[0]?.text?.toLowerCase();
  if (optimizer && name) {
    const id =
      name === 'adam' ? 'adamw' : name === 'sgd' ? 'sgd-momentum' : name === 'lion' ? 'lion' : undefined;
    if (id) set('optimizer', { value: id, source: source(optimizer) });
    // arguments.py --optimizer choices also include 'soap' (Kronecker-factored preconditioners):
    // its states are not AdamW's 8 B/param, so no default stands in. Muon's states are sharded by
    // whole layers (megatron/core/optimizer/layer_wise_optimizer.py LayerWiseDistributedOptimizer),
    // not in the distributed optimizer's flat shards the estimate divides.
    else
      (layout.unmodelled ??= []).push({
        ...source(optimizer),
        why: name.includes('muon')
          ? `--optimizer ${name.slice(0, 40)}: Muon states are distributed layer by layer (LayerWiseDistributedOptimizer), not modelled`
          : `--optimizer ${name.slice(0, 40)}: optimizer states not modelled`,
      });
  }
  // --use-precision-aware-optimizer stores main params, main grads and Adam moments in the dtypes
  // --main-params-dtype / --main-grads-dtype / --exp-avg-dtype / --exp-avg-sq-dtype name (arguments.py
  // _add_experimental_args, default fp32): other dtypes change those bytes.
  for (const flag of ['--main-params-dtype', '--main-grads-dtype', '--exp-avg-dtype', '--exp-avg-sq-dtype']) {
    const found = lastFlag(script, [flag]);
    const dtype = found?.values[0]?.text?.toLowerCase();
    if (found && dtype !== 'fp32')
      (layout.unmodelled ??= []).push({ ...source(found), why: `${flag} ${dtype ?? ''}: not fp32` });
  }
  // FP8 (Transformer Engine) changes weight, gradient and activation bytes; not modelled.
  for (const name of ['--fp8-format', '--fp8', '--fp8-param-gather']) {
    const flag = lastFlag(script, [name]);
    if (flag) (layout.unmodelled ??= []).push(source(flag));
  }
  const offload = has(['--optimizer-cpu-offload']);
  if (offload) set('cpuOffload', { value: true, source: offload });
  // --optimizer-offload-fraction (default 1.0) offloads only that share of the optimizer states.
  const fraction = lastFlag(script, ['--optimizer-offload-fraction']);
  if (offload && fraction && Number(fraction.values[0]?.text) !== 1)
    (layout.unmodelled ??= []).push({
      ...source(fraction),
      why: `--optimizer-offload-fraction ${fraction.values[0]?.raw ?? ''}: part of the optimizer states stays on the GPU`,
    });
  // Keys the framework reads that change memory in ways the estimate does not model. Activation
  // offloading (`--cpu-offloading-num-layers` > 0 turns cpu_offloading on, arguments.py
  // validate_args; `--fine-grained-activation-offloading`); FSDP (torch FSDP2, Megatron-FSDP with
  // --data-parallel-sharding-strategy, default optim_grads_params) with its own buffers;
  // uneven pipeline stages (TransformerConfig num_layers_in_first/last_pipeline_stage,
  // account_for_embedding/loss_in_pipeline_split, --pipeline-model-parallel-layout), where the most
  // loaded stage is not L/PP layers; several distributed-optimizer instances (the states shard over
  // DP / instances).
  // MTP modules sit on the last pipeline stage (and beside the decoder when PP = 1), which the
  // per-stage estimate does not place.
  const mtpLayers = int(['--mtp-num-layers']);
  if (mtpLayers && mtpLayers.value > 0)
    (layout.unmodelled ??= []).push({ ...mtpLayers.source, why: 'multi-token-prediction modules' });
  const offloadLayers = int(['--cpu-offloading-num-layers']);
  if (offloadLayers && offloadLayers.value > 0)
    (layout.unmodelled ??= []).push({ ...offloadLayers.source, why: 'activation CPU offloading' });
  const unmodelledFlags: [string, string][] = [
    ['--fine-grained-activation-offloading', 'activation CPU offloading'],
    ['--use-torch-fsdp2', 'torch FSDP2 sharding'],
    ['--use-megatron-fsdp', 'Megatron-FSDP sharding (--data-parallel-sharding-strategy)'],
    ['--decoder-first-pipeline-num-layers', 'uneven pipeline stages'],
    ['--decoder-last-pipeline-num-layers', 'uneven pipeline stages'],
    ['--num-layers-in-first-pipeline-stage', 'uneven pipeline stages'],
    ['--num-layers-in-last-pipeline-stage', 'uneven pipeline stages'],
    ['--account-for-embedding-in-pipeline-split', 'the embedding counted as a pipeline layer'],
    ['--account-for-loss-in-pipeline-split', 'the loss counted as a pipeline layer'],
    ['--pipeline-model-parallel-layout', 'an explicit pipeline layer layout'],
  ];
  for (const [flag, why] of unmodelledFlags) {
    const found = has([flag]);
    if (found) (layout.unmodelled ??= []).push({ ...found, why });
  }
  const instances = int(['--num-distributed-optimizer-instances']);
  if (instances && instances.value > 1 && layout.sharding === 'zero1')
    (layout.unmodelled ??= []).push({
      ...instances.source,
      why: 'distributed optimizer replicated over several instances (states shard over DP / instances)',
    });
  // Dropout masks: --hidden-dropout's (sbh per dropout) always; --attention-dropout's only when the
  // s×s scores are materialized (fused/flash attention draws its mask inside the kernel). Both
  // default to 0.1 (TransformerConfig hidden_dropout, attention_dropout).
  const dropoutOf = (flag: string) => {
    const found = lastFlag(script, [flag]);
    const v = Number(found?.values[0]?.text);
    return found && Number.isFinite(v) ? { on: v > 0, source: source(found) } : undefined;
  };
  const hidden = dropoutOf('--hidden-dropout');
  const attention = dropoutOf('--attention-dropout');
  if (hidden || attention) {
    const hiddenOn = hidden?.on ?? true;
    const attentionOn = attention?.on ?? true;
    const fused = layout.flashAttention ?? megatronLayoutDefaults.flashAttention;
    const at = (hidden ?? attention)!.source;
    if (fused || hiddenOn === attentionOn) set('dropout', { value: hiddenOn, source: at });
    else
      (layout.unmodelled ??= []).push({
        ...(attention ?? hidden)!.source,
        why: 'hidden and attention dropout differ with unfused attention',
      });
  }
  // Megatron-LM's precision (arguments.py validate_args): --bf16 keeps bf16 params with fp32 main
  // grads (accumulate_allreduce_grads_in_fp32 forced on unless --grad-reduce-in-bf16) and fp32 main
  // params; --fp16 keeps fp16 grads unless --accumulate-allreduce-grads-in-fp32; neither flag
  // trains in fp32 (params_dtype torch.float32, no main-param copy). Megatron-DeepSpeed's engine
  // takes its recipe from the DeepSpeed config instead (below).
  if (!deepspeedOn) {
    const bf16 = has(['--bf16']);
    const fp16 = has(['--fp16']);
    const bf16Grads = has(['--grad-reduce-in-bf16']);
    const fp32Grads = has(['--accumulate-allreduce-grads-in-fp32']);
    if (bf16)
      set('precision', { value: bf16Grads ? 'zero-mixed' : 'megatron-bf16', source: bf16Grads ?? bf16 });
    else if (fp16)
      set('precision', { value: fp32Grads ? 'megatron-bf16' : 'zero-mixed', source: fp32Grads ?? fp16 });
    // Neither: the fp32 default (megatronLayoutDefaults) applies and resolveLayout says so.
  }
  const globalBatch = int(['--global-batch-size']);
  if (globalBatch && Number.isSafeInteger(globalBatch.value) && globalBatch.value > 0)
    set('globalBatch', globalBatch);
  if (gpus && gpus > 0) layout.gpus = gpus;
  if (globalBatch && layout.microBatch && gpus) {
    const dp =
      gpus / ((layout.tensorParallel ?? 1) * (layout.pipelineParallel ?? 1) * (layout.contextParallel ?? 1));
    const accum = globalBatch.value / (layout.microBatch * dp);
    if (Number.isInteger(accum) && accum >= 1) set('gradAccum', { value: accum, source: globalBatch.source });
  }
  return layout;
}

/** Layout defaults as megatron defines them, where they differ from the generic ones (cited inline). */
export const megatronLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  // Without --bf16 / --fp16 Megatron trains in fp32 (ModelParallelConfig params_dtype torch.float32,
  // fp16 = bf16 = False @d98e8a64): fp32 params and main grads, no separate main-param copy.
  precision: 'fp32',
  // megatron/training/arguments.py: --attention-dropout 0.1, --hidden-dropout 0.1; no recompute
  // unless --recompute-granularity; distributed optimizer off unless --use-distributed-optimizer.
  dropout: true,
  // megatron/core/transformer/transformer_config.py @d98e8a64: attention_backend = AttnBackend.auto
  // (fused or flash attention, no s×s score matrix kept). Megatron-DeepSpeed scripts, whose default
  // is unfused attention, are set explicitly by the layout reader.
  flashAttention: true,
  logitsBytesPerElement: 4,
  source:
    'Megatron-LM megatron/training/arguments.py defaults @d98e8a64 (TP = PP = 1, dropout 0.1, no recompute, no distributed optimizer, fp32 unless --bf16 / --fp16)',
};

/**
 * The registry's layout hook for Megatron scripts. Without the reader's parse, the script is lexed
 * again the way the reader lexes it, following `source`d fragments (a launcher that sources its
 * model/parallel arguments states its layout there), so the layout and N/D come from the same flags.
 */
export const megatronLayout: FrameworkLayout = {
  read: (text, { gpus, parsed, context }) =>
    readMegatronLayout(
      text,
      gpus,
      isShellScript(parsed)
        ? parsed
        : parseShell(text, {
            ...(context.path ? { path: context.path } : {}),
            ...(context.readFile ? { readFile: context.readFile } : {}),
          }),
      context,
    ),
  defaults: megatronLayoutDefaults,
  edits: megatronEdits,
};

function isShellScript(x: unknown): x is ShellScript {
  return typeof x === 'object' && x !== null && 'flags' in x && 'lines' in x && 'variables' in x;
}

/**
 * Megatron-DeepSpeed (deepspeedai/Megatron-DeepSpeed): the DeepSpeed engine, not Megatron, holds the
 * model states, so the ZeRO stage, precision recipe and offload come from the DeepSpeed JSON —
 * written by the script itself in a heredoc (`cat <<EOT > $DS_CONFIG`, its `$VAR`s expanded from the
 * script's assignments) or a file `--deepspeed_config` names (read through the editor). When
 * neither is readable and no `--zero-stage` states the stage, memory is unknown, naming the file.
 * The script's own `--micro-batch-size`, TP/PP and recompute flags stay primary (Megatron feeds
 * them to the engine). pretrain_gpt.py builds GPTModelPipe (DeepSpeed's pipeline engine) unless
 * `--no-pipeline-parallel`.
 */
function readMegatronDeepSpeedConfig(
  text: string,
  script: ShellScript,
  layout: ParallelLayout,
  zeroStage: { value: number; source: FieldSource } | undefined,
  context: ReadContext,
): void {
  const configFlag = lastFlag(script, ['--deepspeed_config', '--deepspeed-config']);
  const configPath = configFlag?.values[0]?.text;
  const pipeline = !lastFlag(script, ['--no-pipeline-parallel']);
  const flagHalf = lastFlag(script, ['--bf16']) ? 'bf16' : lastFlag(script, ['--fp16']) ? 'fp16' : undefined;
  const heredoc = deepSpeedHeredoc(text, script, configPath);
  const expand = (value: unknown) => {
    if (typeof value !== 'string') return value;
    const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value.trim())?.[1];
    if (!name) return value;
    const v = script.variables.get(name)?.value;
    return v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v) : (v ?? value);
  };
  let y: YamlLayout | undefined;
  if (heredoc) {
    const yaml = parseYaml(maskOutside(text, heredoc.start, heredoc.end));
    if (yaml) y = new YamlLayout(yaml, { sources: {} }, { expand });
  } else if (configPath && context.readFile && !configFlag?.file) {
    const path = resolveSiblingPath(context.path, configPath);
    const json = context.readFile(path);
    const yaml = json !== undefined ? parseYaml(json) : undefined;
    if (yaml) y = new YamlLayout(yaml, { sources: {} }, { file: path });
  }
  const flagSource = (flag: ShellFlag): FieldSource => ({
    key: flag.name,
    keyRange: script.lines.range(flag.start, flag.end),
    valueRange: script.lines.range(flag.values[0]?.start ?? flag.start, flag.values[0]?.end ?? flag.end),
    raw: flag.values[0]?.raw ?? '',
  });
  if (!y) {
    if (!zeroStage && configFlag)
      (layout.unmodelled ??= []).push({
        ...flagSource(configFlag),
        why: `ZeRO stage (in ${configPath ?? configFlag.values[0]?.raw ?? 'the DeepSpeed config'})`,
      });
    if (zeroStage) {
      // The JSON is generated at launch (sed over a template) from the same variables as the flags:
      // the engine's recipe follows the stage and the script's --fp16/--bf16.
      const chosen = deepSpeedPrecision({
        stage: zeroStage.value,
        ...(flagHalf ? { half: flagHalf } : {}),
        pipeline,
      });
      if (!('refused' in chosen)) {
        layout.precision = chosen.precision;
        layout.sources.precision = zeroStage.source;
        if (chosen.sharding && zeroStage.value === 0) {
          layout.sharding = chosen.sharding;
          layout.sources.sharding = zeroStage.source;
        }
      }
    }
    return;
  }
  const stated = { ...layout, sources: { ...layout.sources } };
  readDeepSpeedConfig(y, {
    pipeline,
    ...(flagHalf ? { halfFromCaller: flagHalf } : {}),
    clientOptimizer: true,
  });
  const ds = y.layout;
  // The JSON's stage governs the engine; --zero-stage only mirrors it in the fork's arguments.
  for (const key of ['sharding', 'precision', 'cpuOffload', 'shardGroupSize'] as const) {
    if (ds[key] === undefined) continue;
    (layout as unknown as Record<string, unknown>)[key] = ds[key];
    if (ds.sources[key]) layout.sources[key] = ds.sources[key];
  }
  for (const key of ['microBatch', 'gradAccum', 'globalBatch'] as const) {
    if (stated[key] !== undefined || ds[key] === undefined) continue;
    layout[key] = ds[key];
    if (ds.sources[key]) layout.sources[key] = ds.sources[key];
  }
  if (ds.unmodelled?.length) (layout.unmodelled ??= []).push(...ds.unmodelled);
  if (ds.invalid?.sharding !== undefined) {
    (layout.invalid ??= {}).sharding = ds.invalid.sharding;
    if (ds.sources.sharding) layout.sources.sharding = ds.sources.sharding;
  }
}

/**
 * The body of a heredoc the script writes to the DeepSpeed config path (`cat <<EOT > $DS_CONFIG`),
 * as offsets into the script; the only DeepSpeed-looking heredoc when the target cannot be matched.
 */
function deepSpeedHeredoc(
  text: string,
  script: ShellScript,
  configPath: string | undefined,
): { start: number; end: number } | undefined {
  const found: { start: number; end: number; target: string | undefined }[] = [];
  const head = /<<-?\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1[^\n]*?>\s*("?)([^\s"|;&]+)\3[^\n]*\n/g;
  for (let m = head.exec(text); m && found.length < 16; m = head.exec(text)) {
    const start = m.index + m[0].length;
    const close = new RegExp(`^\\t*${m[2]}\\s*$`, 'm');
    const rest = text.slice(start);
    const end = close.exec(rest);
    if (!end) continue;
    const body = { start, end: start + end.index };
    const raw = m[4]!;
    const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(raw)?.[1];
    found.push({ ...body, target: name ? script.variables.get(name)?.value : raw });
  }
  const looksLikeDs = (b: { start: number; end: number }) =>
    /"(zero_optimization|train_micro_batch_size_per_gpu|train_batch_size)"/.test(text.slice(b.start, b.end));
  const matched = found.find((b) => configPath !== undefined && b.target === configPath && looksLikeDs(b));
  if (matched) return matched;
  const candidates = found.filter(looksLikeDs);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** The deepspeed launcher or a flag only Megatron-DeepSpeed defines: the script is for that fork. */
export function showsDeepSpeedFork(script: ShellScript): boolean {
  // The deepspeed launcher runs Megatron-DeepSpeed; Megatron-LM is launched with torchrun.
  const deepspeedLauncher = script.statements.some(
    (statement) => statement.kind === 'command' && /(^|\/)deepspeed$/.test(statement.fields[0]?.text ?? ''),
  );
  const names = new Set(script.flags.map((flag) => flag.name));
  return deepspeedLauncher || DEEPSPEED_FORK_FLAGS.some((name) => names.has(name));
}
