import { GENERIC_LAYOUT_DEFAULTS, type LayoutDefaults, type ParallelLayout } from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { YamlLayout } from '../../layoutYaml';
import { parseYaml } from '../../yamlSource';
import { gptNeoxEdits } from './memoryEdits';
import { readDeepSpeedConfig } from '../deepspeed/layout';

/**
 * The parallel layout of a GPT-NeoX YAML (EleutherAI/gpt-neox@ea7aefd8
 * megatron/neox_arguments/neox_args.py and deepspeed_args.py; keys are hyphen-insensitive). NeoX
 * runs on the DeepSpeed engine: its DeepSpeed keys (`zero_optimization`, `fp16`, `bf16`,
 * `optimizer`, `train_micro_batch_size_per_gpu`, `gradient_accumulation_steps`, `train_batch_size`)
 * sit at the top level and are read by the DeepSpeed config reader, with `pipe_parallel_size ≥ 1`
 * meaning DeepSpeed's pipeline engine (NeoX builds a PipelineModule then; 0 disables it).
 */
export function readGptNeoxLayout(text: string, gpus?: number): ParallelLayout {
  const yaml = parseYaml(text);
  if (!yaml) return { sources: {} };
  const y = new YamlLayout(yaml, { sources: {} }, { hyphenInsensitive: true });
  // calculate_derived makes a model_parallel_size below 1 one rank (arguments.py @ea7aefd8:
  // "mp_size = mp_size if mp_size >= 1 else 1").
  const mpFound = y.count(['model_parallel_size']);
  const mp =
    mpFound && mpFound.value < 1
      ? { value: 1, source: mpFound.source }
      : y.int(['model_parallel_size'], 'tensorParallel');
  y.set('tensorParallel', mp);
  // pipe_parallel_size 0 disables the pipeline engine; 1 is the engine with one stage.
  const ppFound = y.count(['pipe_parallel_size']);
  if (ppFound && ppFound.value >= 0)
    y.set('pipelineParallel', { value: Math.max(1, ppFound.value), source: ppFound.source });
  else y.int(['pipe_parallel_size'], 'pipelineParallel');
  const sp = y.bool(['sequence_parallel']);
  // "Has no effect when model_parallel_size is 1" (neox_args.py).
  if (sp) y.set('sequenceParallel', sp);
  y.set('seqLen', y.int(['seq_length'], 'seqLen'));
  const ep = y.int(['moe_expert_parallel_size'], 'expertParallel');
  y.set('expertParallel', ep);

  // NeoX derives `precision` from the DeepSpeed fp16/bf16 dicts, or the dicts from `precision`
  // (arguments.py: "bfloat16" adds bf16.enabled; neither → fp32).
  const precision = y.str(['precision']);
  const p = precision?.value.trim().toLowerCase();
  const halfFromCaller = p === 'fp16' ? 'fp16' : p === 'bfloat16' || p === 'bf16' ? 'bf16' : undefined;
  const pipeline = (ppFound?.value ?? 0) >= 1;
  // NeoX runs on the DeeperSpeed fork it pins (requirements/requirements.txt @ea7aefd8).
  readDeepSpeedConfig(y, {
    pipeline,
    clientOptimizer: true,
    engine: 'deeperspeed',
    ...(halfFromCaller ? { halfFromCaller, halfFromCallerSource: precision!.source } : {}),
  });
  if (precision && halfFromCaller && y.layout.precision) y.layout.sources.precision ??= precision.source;
  if (!y.layout.sources.precision && y.layout.precision === 'fp32' && precision)
    y.layout.sources.precision = precision.source;

  // NeoX's own optimizer names (megatron/training.py get_optimizer) where DeepSpeed's differ.
  const type = y.str(['optimizer', 'type']);
  if (type) {
    const name = type.value.trim().toLowerCase();
    const bnb = y.bool(['use_bnb_optimizer']);
    // use_mup takes precedence: MuAdam (fp32 states) is built and use_bnb_optimizer is never read
    // (megatron/training.py get_optimizer @ea7aefd8).
    const mup = y.bool(['use_mup']);
    if (name === 'adam' && bnb?.value && !mup?.value)
      y.set('optimizer', { value: 'adamw-8bit', source: bnb.source });
    else if (name === 'adam' || name === 'cpu_adam' || name === 'cpu_torch_adam')
      y.set('optimizer', { value: 'adamw', source: type.source });
    else if (name === 'lion') y.set('optimizer', { value: 'lion', source: type.source });
    else if (name === 'sgd') {
      const momentum = y.find(['optimizer', 'params', 'momentum']);
      y.set('optimizer', {
        value: typeof momentum?.value === 'number' && momentum.value > 0 ? 'sgd-momentum' : 'sgd',
        source: momentum?.source ?? type.source,
      });
    } else
      y.unmodelled(
        type.source,
        `optimizer ${type.value.trim().slice(0, 40)} keeps state the byte table does not hold`,
      );
    if (name === 'cpu_adam' || name === 'cpu_torch_adam')
      y.set('cpuOffload', { value: true, source: type.source });
  }

  // checkpoint_activations: Megatron-style full recompute of every checkpoint_num_layers layers
  // (megatron/model/transformer.py via deepspeed.checkpointing); default 1.
  const ckpt = y.bool(['checkpoint_activations']);
  if (ckpt) {
    y.set('recompute', { value: ckpt.value ? 'full' : 'none', source: ckpt.source });
    const n = y.int(['checkpoint_num_layers'], 'recomputeLayers');
    if (ckpt.value && n && n.value > 1) {
      y.layout.recomputeMethod = 'uniform';
      y.set('recomputeLayers', n);
    }
    const cpu = y.bool(['checkpoint_in_cpu']);
    if (ckpt.value && cpu?.value) y.unmodelled(cpu.source, 'activation checkpoints moved to CPU');
  }
  // partition_activations (initialize.py deepspeed.checkpointing.configure) keeps 1/MP of each
  // checkpointed layer input per rank (DeepSpeed activation_checkpointing/checkpointing.py
  // partition_activations @edaa7221) but recomputes the layer whole: neither the 2sbh nor the
  // sequence-parallel 2sbh/t the estimate has, so with MP > 1 memory is unknown.
  const partition = y.bool(['partition_activations']);
  if (ckpt?.value && partition?.value && (mp?.value ?? 1) > 1 && !sp?.value)
    y.unmodelled(partition.source, 'activation checkpoints partitioned over the model-parallel ranks');

  // te_fp8_mha runs each layer under TransformerEngine's fp8_autocast (megatron/model/transformer.py
  // @ea7aefd8, TEDelayedScaling): FP8 weights casts and activations the byte table does not hold.
  const fp8 = y.bool(['te_fp8_mha']);
  if (fp8?.value) y.unmodelled(fp8.source, 'FP8 training under TransformerEngine fp8_autocast');

  // Attention: flash only where attention_config says "flash"; global/local are unfused (s×s kept).
  const attention = y.find(['attention_config']);
  if (attention && Array.isArray(attention.value)) {
    const types = new Set<string>();
    for (const item of attention.value.slice(0, 256))
      if (Array.isArray(item) && Array.isArray(item[0]))
        for (const t of item[0].slice(0, 256)) if (typeof t === 'string') types.add(t.toLowerCase());
    if (types.size)
      y.set('flashAttention', { value: [...types].every((t) => t === 'flash'), source: attention.source });
  }
  const attnDrop = y.find(['attention_dropout']);
  const hiddenDrop = y.find(['hidden_dropout']);
  const drop = [attnDrop, hiddenDrop].find((d) => typeof d?.value === 'number' && d.value > 0);
  if (drop) y.set('dropout', { value: true, source: drop.source });
  else if (attnDrop || hiddenDrop)
    y.set('dropout', { value: false, source: (attnDrop ?? hiddenDrop)!.source });

  // A model-only file (NeoX merges several YAMLs: `deepy.py train.py model.yml local_setup.yml`)
  // states no batch, ZeRO or precision: its defaults would be a guess at the other files.
  const runKeys = [
    'train_micro_batch_size_per_gpu',
    'train_batch_size',
    'zero_optimization',
    'fp16',
    'bf16',
    'precision',
  ];
  const model = y.find(['num_layers']);
  if (model && !runKeys.some((k) => y.find([k])))
    y.unmodelled(
      model.source,
      'no batch, ZeRO or precision keys: they are in another of the run’s config files',
    );
  if (gpus && gpus > 0) y.layout.gpus = gpus;
  neoxBatchParameters(y);
  return y.layout;
}

/**
 * The two batch values a file leaves out, as NeoX derives them over the data-parallel ranks
 * (gpus / pipe / model parallel) before DeepSpeed sees them: arguments.py
 * `calculate_batch_parameters` @ea7aefd8 (floor divisions). Without a GPU count a micro-batch that
 * follows from `train_batch_size` is not knowable, so memory is then unknown naming the key.
 */
function neoxBatchParameters(y: YamlLayout): void {
  const l = y.layout;
  if (l.invalid?.globalBatch || l.invalid?.microBatch || l.invalid?.gradAccum) return;
  const train = l.globalBatch;
  if (l.microBatch !== undefined) {
    if (l.gradAccum !== undefined || !l.gpus) return;
    const dp = Math.floor(l.gpus / ((l.tensorParallel ?? 1) * (l.pipelineParallel ?? 1)));
    // Only the micro-batch: grad_acc = 1 (train_batch = micro × dp).
    const accum = train === undefined ? 1 : Math.floor(Math.floor(train / l.microBatch) / dp);
    if (accum >= 1) l.gradAccum = accum;
    if (l.sources.globalBatch) l.sources.gradAccum ??= l.sources.globalBatch;
    return;
  }
  if (train === undefined) return;
  const source = l.sources.globalBatch!;
  if (!l.gpus) {
    y.unmodelled(
      source,
      'train_micro_batch_size_per_gpu follows from train_batch_size over the data-parallel ranks, and the GPU count is not known',
    );
    return;
  }
  const dp = Math.floor(l.gpus / ((l.tensorParallel ?? 1) * (l.pipelineParallel ?? 1)));
  // Without gradient_accumulation_steps NeoX takes 1 and micro = train_batch // dp.
  const accum = l.gradAccum ?? 1;
  const micro = Math.floor(Math.floor(train / dp) / accum);
  if (micro >= 1) {
    l.microBatch = micro;
    l.sources.microBatch = source;
    if (l.gradAccum === undefined) l.gradAccum = 1;
  } else
    (l.invalid ??= {}).microBatch = {
      message: `train_batch_size ${train} over ${dp} data-parallel ranks${l.gradAccum ? ` × ${l.gradAccum} accumulation steps` : ''} leaves a micro-batch of 0; NeoX asserts "Micro batch size per gpu: 0 has to be greater than 0" (arguments.py check_batch_parameters)`,
    };
}

/** Layout defaults as GPT-NeoX defines them (neox_args.py / deepspeed_args.py / arguments.py @ea7aefd8). */
export const gptNeoxLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  // arguments.py: neither fp16 nor bf16 enabled → precision "fp32".
  precision: 'fp32',
  // attention_config default [[["global"], n_layers]]: unfused attention (transformer.py
  // use_flash_attention only for "flash").
  flashAttention: false,
  // attention_dropout = hidden_dropout = 0.0.
  dropout: false,
  // mpu.vocab_parallel_cross_entropy(output.float()) (gpt2_model.py): bf16 logits + the fp32 copy
  // the vocab-parallel softmax works in place on.
  logitsBytesPerElement: 6,
  source:
    'GPT-NeoX defaults (EleutherAI/gpt-neox@ea7aefd8 neox_args.py: model_parallel_size 1, pipe_parallel_size 0, checkpoint_activations False, attention "global", dropout 0.0; arguments.py: ZeRO stage 0, optimizer Adam, fp32 unless fp16/bf16 is enabled)',
};

export const gptNeoxLayout: FrameworkLayout = {
  read: (text, { gpus }) => readGptNeoxLayout(text, gpus),
  defaults: gptNeoxLayoutDefaults,
  edits: gptNeoxEdits,
};
