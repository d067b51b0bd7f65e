import type { FieldSource } from '../../../types';
import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type LayoutKey,
  type ParallelLayout,
} from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { megatronEdits } from './memoryEdits';
import { lastFlag, parseShell, type ShellFlag, type ShellScript } from '../../shell';

/**
 * The parallel layout of a Megatron-LM / Megatron-DeepSpeed launch script, read from the same
 * flags the framework reader parses (megatron/training/arguments.py names; the last occurrence
 * wins, as in argparse). Pure: `parseShell` only lexes. Absent flags are left undefined so
 * `resolveLayout` applies Megatron's defaults and says so.
 */
export function readMegatronLayout(text: string, gpus?: number, parsed?: ShellScript): ParallelLayout {
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
  const set = <K extends keyof Omit<ParallelLayout, 'sources' | 'invalid' | 'unmodelled'>>(
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
  const granularity = lastFlag(script, ['--recompute-granularity']);
  const recomputeActivations = has(['--recompute-activations']);
  const g = granularity?.values[0]?.text?.toLowerCase();
  // --recompute-activations sets the granularity to selective after parsing, whatever
  // --recompute-granularity says (megatron/training/arguments.py validate_args @d98e8a64).
  if (recomputeActivations) set('recompute', { value: 'selective', source: recomputeActivations });
  else if (granularity && (g === 'full' || g === 'selective')) {
    set('recompute', { value: g, source: source(granularity) });
    const method = lastFlag(script, ['--recompute-method'])?.values[0]?.text?.toLowerCase();
    const count = int(['--recompute-num-layers'], 'recomputeLayers');
    if (
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
      name === 'adam'
        ? 'adamw'
        : name === 'sgd'
          ? 'sgd-momentum'
          : name === 'lion'
            ? 'lion'
            : name.includes('muon')
              ? 'muon'
              : undefined;
    if (id) set('optimizer', { value: id, source: source(optimizer) });
  }
  // FP8 (Transformer Engine) changes weight, gradient and activation bytes; not modelled.
  for (const name of ['--fp8-format', '--fp8', '--fp8-param-gather']) {
    const flag = lastFlag(script, [name]);
    if (flag) (layout.unmodelled ??= []).push(source(flag));
  }
  const offload = has(['--optimizer-cpu-offload']);
  if (offload) set('cpuOffload', { value: true, source: offload });
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
  precision: 'megatron-bf16',
  // megatron/training/arguments.py: --attention-dropout 0.1, --hidden-dropout 0.1; no recompute
  // unless --recompute-granularity; distributed optimizer off unless --use-distributed-optimizer.
  dropout: true,
  // megatron/core/transformer/transformer_config.py @d98e8a64: attention_backend = AttnBackend.auto
  // (fused or flash attention, no s×s score matrix kept). Megatron-DeepSpeed scripts, whose default
  // is unfused attention, are set explicitly by the layout reader.
  flashAttention: true,
  logitsBytesPerElement: 4,
  source:
    'Megatron-LM megatron/training/arguments.py defaults (TP = PP = 1, dropout 0.1, no recompute, no distributed optimizer, fp32 main grads)',
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
    ),
  defaults: megatronLayoutDefaults,
  edits: megatronEdits,
};

function isShellScript(x: unknown): x is ShellScript {
  return typeof x === 'object' && x !== null && 'flags' in x && 'lines' in x && 'variables' in x;
}
