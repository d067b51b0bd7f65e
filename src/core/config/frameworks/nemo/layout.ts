import { GENERIC_LAYOUT_DEFAULTS, type LayoutDefaults, type ParallelLayout } from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { YamlLayout } from '../../layoutYaml';
import { parseYaml } from '../../yamlSource';
import { nemoEdits } from './memoryEdits';

/**
 * The parallel layout of a NeMo 1.x Megatron GPT config (NVIDIA/NeMo@8cfedd72
 * examples/nlp/language_modeling/conf/megatron_gpt_config.yaml keys, read with the `cfg.get`
 * defaults of nemo/collections/nlp/models/language_modeling/megatron_base_model.py and
 * megatron_gpt_model.py). GPUs = trainer.devices × trainer.num_nodes.
 */
export function readNemoLayout(text: string, gpus?: number): ParallelLayout {
  const yaml = parseYaml(text);
  if (!yaml) return { sources: {} };
  const y = new YamlLayout(yaml);
  const m = (...path: string[]) => ['model', ...path];
  y.set('tensorParallel', y.int(m('tensor_model_parallel_size'), 'tensorParallel'));
  y.set('pipelineParallel', y.int(m('pipeline_model_parallel_size'), 'pipelineParallel'));
  y.set('virtualPipeline', y.int(m('virtual_pipeline_model_parallel_size'), 'virtualPipeline'));
  y.set('contextParallel', y.int(m('context_parallel_size'), 'contextParallel'));
  y.set('expertParallel', y.int(m('expert_model_parallel_size'), 'expertParallel'));
  const sp = y.bool(m('sequence_parallel'));
  if (sp) y.set('sequenceParallel', sp);
  y.set('microBatch', y.int(m('micro_batch_size'), 'microBatch'));
  y.set('globalBatch', y.int(m('global_batch_size'), 'globalBatch'));
  y.set('seqLen', y.int(m('encoder_seq_length'), 'seqLen'));
  const devices = y.int(['trainer', 'devices']);
  const nodes = y.int(['trainer', 'num_nodes']);
  if (devices) y.layout.gpus = devices.value * (nodes?.value ?? 1);
  else if (gpus && gpus > 0) y.layout.gpus = gpus;

  // Activation checkpointing: Megatron's granularity / method / num_layers under NeMo's names.
  const mcore = y.bool(m('mcore_gpt'));
  const granularity = y.str(m('activations_checkpoint_granularity'));
  const g = granularity?.value.trim().toLowerCase();
  if (granularity && (g === 'selective' || g === 'full')) {
    y.set('recompute', { value: g, source: granularity.source });
    const methodFound = y.str(m('activations_checkpoint_method'));
    const method = methodFound?.value.trim().toLowerCase();
    const n = y.int(m('activations_checkpoint_num_layers'), 'recomputeLayers');
    const nFound = y.find(m('activations_checkpoint_num_layers'));
    const reject = (key: 'recomputeMethod' | 'recomputeLayers', at: typeof granularity, message: string) => {
      (y.layout.invalid ??= {})[key] = { message };
      y.layout.sources[key] = at.source;
    };
    // The model refuses these at build time: Megatron-core TransformerConfig.__post_init__
    // (NVIDIA/Megatron-LM@d98e8a64 transformer_config.py) for mcore_gpt, and NeMo's legacy
    // ParallelTransformer.__init__ (nemo/collections/nlp/modules/common/megatron/transformer.py).
    if (g === 'full' && method !== 'uniform' && method !== 'block')
      reject(
        'recomputeMethod',
        methodFound ?? granularity,
        '`activations_checkpoint_granularity: full` needs `activations_checkpoint_method` uniform or block: the model raises ValueError (Megatron-core "recompute_method must be \"block\" or \"uniform\"").',
      );
    else if (mcore?.value && g === 'full' && !nFound)
      reject(
        'recomputeLayers',
        granularity,
        '`activations_checkpoint_granularity: full` needs `activations_checkpoint_num_layers` under mcore_gpt: Megatron-core TransformerConfig raises "recompute_num_layers must be between 1 and num_layers_per_pipeline_rank".',
      );
    else if (mcore?.value && g === 'selective' && nFound)
      reject(
        'recomputeLayers',
        { value: '', source: nFound.source },
        '`activations_checkpoint_num_layers` must be null with `activations_checkpoint_granularity: selective` under mcore_gpt: Megatron-core TransformerConfig raises "recompute_num_layers must be None".',
      );
    else if (!mcore?.value && g === 'selective' && method !== 'uniform' && method !== 'block')
      reject(
        'recomputeMethod',
        methodFound ?? granularity,
        '`activations_checkpoint_granularity: selective` needs `activations_checkpoint_method` uniform or block in the legacy model (mcore_gpt False): ParallelTransformer raises ValueError.',
      );
    else if (g === 'full' && (method === 'uniform' || method === 'block')) {
      y.layout.recomputeMethod = method;
      // The legacy model sets a missing count to 1 ("keeping the old default").
      if (n) y.set('recomputeLayers', n);
      else if (!nFound) y.layout.recomputeLayers = 1;
    }
    // mcore takes TransformerConfig fields straight from the model config
    // (megatron_base_model.py build_transformer_config): recompute_modules other than the default
    // ["core_attn"] checkpoint other tensors than Korthikanti's selective recompute.
    const modules = y.find(m('recompute_modules'));
    const list = Array.isArray(modules?.value) ? (modules!.value as unknown[]).map(String) : undefined;
    if (modules && g === 'selective' && !(list && list.length === 1 && list[0] === 'core_attn'))
      y.unmodelled(modules.source, 'recompute_modules other than core_attn');
  } else if (granularity)
    y.unmodelled(granularity.source, `activations_checkpoint_granularity ${granularity.value.slice(0, 40)}`);
  const partial = y.find(m('num_micro_batches_with_partial_activation_checkpoints'));
  if (partial) y.unmodelled(partial.source, 'partial activation checkpointing per micro-batch');
  // Fewer checkpointed layers on later pipeline stages (the legacy model's
  // activations_checkpoint_layers_per_pipeline, megatron_gpt_model.py).
  const perPipeline = y.find(m('activations_checkpoint_layers_per_pipeline'));
  if (perPipeline) y.unmodelled(perPipeline.source, 'checkpointed layers that differ per pipeline stage');
  // NeMo 1.x never passes an expert TP size to parallel_state (megatron_base_model.py
  // initialize_model_parallel_for_nemo call; megatron_init.py: None → the TP size): experts split
  // over the TP ranks; a different size in the model config is not what the process groups use.
  const etp = y.int(m('expert_tensor_parallel_size'));
  if (etp && etp.value !== (y.layout.tensorParallel ?? 1))
    y.unmodelled(
      etp.source,
      'expert_tensor_parallel_size differs from the TP size NeMo 1.x groups experts by',
    );

  // Precision: trainer.precision 16 / bf16 / "bf16-mixed" with megatron_amp_O2 → bf16/fp16 params
  // with fp32 main params and grads; without O2 the model stays fp32 under autocast
  // (megatron_base_model.py: params_dtype half only with O2, enable_autocast otherwise).
  const precision = y.str(['trainer', 'precision']);
  const o2 = y.bool(m('megatron_amp_O2'));
  const p = (precision?.value ?? '32').trim().toLowerCase();
  if (precision) {
    if (/^(32|32-true|fp32)$/.test(p)) y.set('precision', { value: 'fp32', source: precision.source });
    else if (/^(16|16-mixed|bf16|bf16-mixed)$/.test(p))
      y.set('precision', {
        value: o2?.value ? 'bf16-fp32-accum' : 'amp',
        source: o2?.value ? o2.source : precision.source,
      });
    else y.unmodelled(precision.source, `trainer.precision ${precision.value.slice(0, 40)}`);
  }
  // distributed_fused_adam shards the optimizer states and main params over DP (ZeRO-1-like:
  // megatron_base_model.py with_distributed_adam); fused_adam (default) keeps them whole.
  const optim = y.str(m('optim', 'name'));
  // distributed_fused_adam (Apex) keeps its Adam states in optim.dtype (default fp32,
  // megatron_base_model.py setup_optimization): another dtype changes those bytes. (With bf16 O2
  // params it also stores 16-bit remainders instead of fp32 main params — store_param_remainders —
  // so the 4-byte sharded master copy counted here is 2 B/param/DP high; no recipe has 2 B.)
  if (optim && optim.value.trim() === 'distributed_fused_adam') {
    const optDtype = y.str(m('optim', 'dtype'));
    if (optDtype && !/^(fp32|float32|torch\.float32|32)$/.test(optDtype.value.trim()))
      y.unmodelled(optDtype.source, `optim.dtype ${optDtype.value.slice(0, 40)}: Adam states not fp32`);
  }
  if (optim) {
    const n = optim.value.trim().toLowerCase();
    if (n === 'distributed_fused_adam' || n === 'mcore_distributed_optim')
      y.set('sharding', { value: 'zero1', source: optim.source });
    if (/^(fused_adam|adam|adamw|distributed_fused_adam|mcore_distributed_optim)$/.test(n))
      y.set('optimizer', { value: 'adamw', source: optim.source });
    else if (n === 'sgd') y.set('optimizer', { value: 'sgd-momentum', source: optim.source });
    else y.unmodelled(optim.source, `optim.name ${optim.value.slice(0, 40)}`);
  }
  // Attention: mcore models take attention_backend (default "auto": fused/flash); the legacy
  // model materializes the scores unless use_flash_attention.
  const flash = y.bool(m('use_flash_attention'));
  if (mcore?.value) y.set('flashAttention', { value: true, source: mcore.source });
  else if (flash) y.set('flashAttention', flash);
  // hidden_dropout's masks (sbh each) are kept whatever the attention; attention_dropout's (on the
  // s×s scores) only when they are materialized. Both default to 0.1 (megatron_gpt_config.yaml).
  const dropoutOf = (key: string) => {
    const found = y.find(m(key));
    return found && typeof found.value === 'number'
      ? { on: found.value > 0, source: found.source }
      : undefined;
  };
  const hidden = dropoutOf('hidden_dropout');
  const attention = dropoutOf('attention_dropout');
  if (hidden || attention) {
    const hiddenOn = hidden?.on ?? true;
    const fused = y.layout.flashAttention ?? nemoLayoutDefaults.flashAttention;
    if (fused || hiddenOn === (attention?.on ?? true))
      y.set('dropout', { value: hiddenOn, source: (hidden ?? attention)!.source });
    else
      y.unmodelled(
        (attention ?? hidden)!.source,
        'hidden and attention dropout differ with unfused attention',
      );
  }
  // fsdp: True trains under NLPFSDPStrategy (NeMo@8cfedd72 megatron_trainer_builder.py), whose
  // sharding strategy, grad dtype and wrapping this reader does not model: unknown, never unsharded.
  const why: Record<string, string> = {
    fp8: 'FP8 training',
    cpu_offloading: 'activation/weight CPU offloading',
    fsdp: 'FSDP sharding (NLPFSDPStrategy)',
  };
  for (const key of Object.keys(why)) {
    const on = y.bool(m(key));
    if (on?.value) y.unmodelled(on.source, why[key]!);
  }
  const l = y.layout;
  if (l.globalBatch && l.microBatch && l.gpus) {
    const dp = l.gpus / ((l.tensorParallel ?? 1) * (l.pipelineParallel ?? 1) * (l.contextParallel ?? 1));
    const accum = l.globalBatch / (l.microBatch * dp);
    if (Number.isSafeInteger(accum) && accum >= 1) l.gradAccum = accum;
  }
  return l;
}

/** Layout defaults as NeMo 1.x defines them (cfg.get defaults, @8cfedd72). */
export const nemoLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  // trainer.precision 32 (PTL default) → fp32; megatron_amp_O2 False.
  precision: 'fp32',
  // mcore_gpt False → legacy model with use_flash_attention False: scores materialized.
  flashAttention: false,
  // megatron_gpt_config.yaml hidden_dropout / attention_dropout 0.1.
  dropout: true,
  // Megatron's vocab-parallel cross entropy in fp32.
  logitsBytesPerElement: 4,
  // initialize_model_parallel_for_nemo is never given an expert TP size in NeMo 1.x, and
  // megatron_init.py turns None into tensor_model_parallel_size: experts split over the TP ranks.
  expertTensorParallel: 'tensor',
  source:
    'NeMo 1.x defaults (NVIDIA/NeMo@8cfedd72 megatron_base_model.py / megatron_gpt_model.py cfg.get: TP = PP = 1, sequence_parallel False, no activation checkpointing, megatron_amp_O2 False, optim fused_adam, mcore_gpt False, use_flash_attention False; trainer precision 32; expert TP = TP, nemo/collections/nlp/modules/common/megatron/megatron_init.py)',
};

export const nemoLayout: FrameworkLayout = {
  read: (text, { gpus }) => readNemoLayout(text, gpus),
  defaults: nemoLayoutDefaults,
  edits: nemoEdits,
};
