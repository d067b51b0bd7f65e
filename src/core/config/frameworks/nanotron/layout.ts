import { GENERIC_LAYOUT_DEFAULTS, type LayoutDefaults, type ParallelLayout } from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { YamlLayout } from '../../layoutYaml';
import { parseYaml } from '../../yamlSource';
import { nanotronEdits } from './memoryEdits';

/**
 * The parallel layout of a nanotron YAML (huggingface/nanotron@2411b022 src/nanotron/config/
 * config.py, parallelism_config.py, helpers.py init_optimizer_and_grad_accumulator). The GPU count is
 * the file's: dp × tp × pp (× context_parallel_size).
 */
export function readNanotronLayout(text: string): ParallelLayout {
  const yaml = parseYaml(text);
  if (!yaml) return { sources: {} };
  const y = new YamlLayout(yaml);
  const dp = y.int(['parallelism', 'dp'], 'dataParallel');
  const tp = y.int(['parallelism', 'tp'], 'tensorParallel');
  const pp = y.int(['parallelism', 'pp'], 'pipelineParallel');
  const cp = y.int(['parallelism', 'context_parallel_size'], 'contextParallel');
  y.set('dataParallel', dp);
  y.set('tensorParallel', tp);
  y.set('pipelineParallel', pp);
  y.set('contextParallel', cp);
  y.set('expertParallel', y.int(['parallelism', 'expert_parallel_size'], 'expertParallel'));
  if (dp && tp && pp) y.layout.gpus = dp.value * tp.value * pp.value * (cp?.value ?? 1);
  // tp_mode REDUCE_SCATTER is Megatron sequence parallelism (parallelism_config.py docstring).
  const mode = y.str(['parallelism', 'tp_mode']);
  if (mode) y.set('sequenceParallel', { value: /reduce_scatter/i.test(mode.value), source: mode.source });
  // tp_recompute_allgather (default True): False makes the column-parallel linears save the
  // all-gathered input for backward instead of the local shard (parallel/tensor_parallel/
  // functional.py _ColumnLinearNoAsyncCommunicationReduceScatterMode.forward: `ctx.save_for_backward(
  // total_input, ...)`); it only matters under REDUCE_SCATTER with more than one TP rank.
  const regather = y.bool(['parallelism', 'tp_recompute_allgather']);
  if (regather && y.layout.sequenceParallel && (tp?.value ?? 1) > 1)
    y.set('tpSavesGatheredInputs', { value: !regather.value, source: regather.source });
  const recompute = y.bool(['parallelism', 'recompute_layer']);
  if (recompute) y.set('recompute', { value: recompute.value ? 'full' : 'none', source: recompute.source });
  // The default engine is all-forward-all-backward (AllForwardAllBackwardPipelineEngine): every
  // micro-batch's activations are alive at once, which the 1F1B in-flight count does not describe.
  const engine = y.str(['parallelism', 'pp_engine']);
  if ((pp?.value ?? 1) > 1 && !/1f1b/i.test(engine?.value ?? ''))
    y.unmodelled(
      (engine ?? pp)!.source,
      'pipeline engine all-forward-all-backward keeps every micro-batch in flight',
    );
  y.set('microBatch', y.int(['tokens', 'micro_batch_size'], 'microBatch'));
  y.set('gradAccum', y.int(['tokens', 'batch_accumulation_per_replica'], 'gradAccum'));
  y.set('seqLen', y.int(['tokens', 'sequence_length'], 'seqLen'));

  const zero = y.count(['optimizer', 'zero_stage']);
  if (zero && (zero.value === 0 || zero.value === 1))
    y.set('sharding', { value: zero.value === 1 ? 'zero1' : 'none', source: zero.source });
  else if (zero) y.unmodelled(zero.source, `zero_stage ${zero.value} (nanotron implements 0 and 1)`);
  else y.int(['optimizer', 'zero_stage'], 'sharding');
  // model.dtype (default bfloat16, ModelArgs.__post_init__); accumulate_grad_in_fp32 adds the
  // FP32GradientAccumulator's fp32 parameter copy and fp32 gradient buffers.
  const dtype = y.str(['model', 'dtype']);
  const d = (dtype?.value ?? 'bfloat16').trim().toLowerCase();
  const fp32Accum = y.bool(['optimizer', 'accumulate_grad_in_fp32']);
  const name = y.str(['optimizer', 'optimizer_factory', 'name']);
  // helpers.py basic_optimizer_builder compares the name exactly: "adamW" or "sgd", anything else
  // raises ValueError(f"Optimizer {name} is not supported").
  const adam = !name || name.value === 'adamW';
  if (/^(float32|fp32)$/.test(d)) y.set('precision', { value: 'fp32', source: dtype!.source });
  else if (/^(bfloat16|bf16|float16|fp16)$/.test(d)) {
    const source = fp32Accum?.source ?? dtype?.source;
    const precision = fp32Accum?.value ? 'bf16-fp32-accum' : 'bf16-pure';
    if (source) y.set('precision', { value: precision, source });
    else y.layout.precision = precision;
    // Without the accumulator torch AdamW steps the bf16 parameters: bf16 states.
    if (!fp32Accum?.value && adam) y.layout.optimizer = 'adamw-bf16';
  } else if (dtype) y.unmodelled(dtype.source, `model.dtype ${dtype.value.slice(0, 40)}`);
  if (name) {
    if (name.value === 'adamW') {
      y.layout.optimizer ??= 'adamw';
      y.layout.sources.optimizer = name.source;
    } else if (name.value === 'sgd') y.set('optimizer', { value: 'sgd', source: name.source });
    else
      y.unmodelled(
        name.source,
        `optimizer ${name.value.slice(0, 40)}: nanotron builds only "adamW" and "sgd" (exact names) and raises ValueError "Optimizer ${name.value.slice(0, 40)} is not supported"`,
      );
  }
  return y.layout;
}

/** Layout defaults as nanotron defines them (cited from config.py / parallelism_config.py @2411b022). */
export const nanotronLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  // ModelArgs.dtype None → torch.bfloat16; AdamW (the only Adam factory).
  precision: 'bf16-pure',
  optimizer: 'adamw-bf16',
  // Llama attention through flash_attn (models/llama.py CoreAttention); no dropout.
  flashAttention: true,
  dropout: false,
  source:
    'nanotron defaults (huggingface/nanotron@2411b022 config.py ModelArgs dtype bfloat16, parallelism_config.py recompute_layer False / tp_mode ALL_REDUCE / pp_engine AFAB, models/llama.py flash-attn, no dropout)',
};

export const nanotronLayout: FrameworkLayout = {
  read: (text) => readNanotronLayout(text),
  defaults: nanotronLayoutDefaults,
  edits: nanotronEdits,
};
