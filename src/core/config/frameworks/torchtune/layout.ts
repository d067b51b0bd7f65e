import { GENERIC_LAYOUT_DEFAULTS, type LayoutDefaults, type ParallelLayout } from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { YamlLayout } from '../../layoutYaml';
import { parseYaml } from '../../yamlSource';
import { torchtuneEdits } from './memoryEdits';

/**
 * The layout of a torchtune recipe config, as the full-finetune recipes read it
 * (pytorch/torchtune@bd2a0fc7 recipes/full_finetune_distributed.py, full_finetune_single_device.py:
 * `cfg.get` defaults). Distributed recipes shard with FSDP2 over all ranks
 * (data_parallel_shard_dim -1, fsdp_reshard_after_forward True); a `*single_device*` config
 * does not shard. `dtype: bf16` is pure bf16 — parameters, gradients and optimizer states
 * ("When dtype=bf16, all activations, gradients and optimizer states are in bfloat16"); the default
 * is fp32 (training/precision.py get_dtype). LoRA/QLoRA recipes train only the adapters over a
 * frozen (bf16 or NF4) base, which the estimate does not model: memory is then unknown.
 */
export function readTorchtuneLayout(text: string, gpus?: number, path?: string): ParallelLayout {
  const yaml = parseYaml(text);
  if (!yaml) return { sources: {} };
  const y = new YamlLayout(yaml);
  const component = y.str(['model', '_component_']);
  if (component && /\.q?lora_[^.]*$/.test(component.value.trim()))
    y.unmodelled(
      component.source,
      `${/\.qlora_/.test(component.value) ? 'QLoRA' : 'LoRA'}: only the adapters train over a frozen base`,
    );
  y.set('microBatch', y.int(['batch_size'], 'microBatch'));
  y.set('gradAccum', y.int(['gradient_accumulation_steps'], 'gradAccum'));
  const seq = y.find(['tokenizer', 'max_seq_len']);
  if (seq) y.set('seqLen', y.int(['tokenizer', 'max_seq_len'], 'seqLen'));
  else {
    // max_seq_len null (or absent): each batch is as long as its longest sample.
    const tokenizer = y.find(['tokenizer']);
    const nullSeq = yaml && /max_seq_len\s*:\s*(null|~)?\s*(#.*)?$/m.exec(text);
    if (tokenizer)
      y.unmodelled(
        tokenizer.source,
        nullSeq
          ? 'tokenizer.max_seq_len null: the sequence length is the dataset’s'
          : 'no tokenizer.max_seq_len: the sequence length is the dataset’s',
      );
  }
  // The loss decides the logits buffer and whether other models are resident (pytorch/torchtune@bd2a0fc7
  // torchtune/modules/loss, torchtune/rlhf/loss): only a plain cross entropy materializes the
  // s·b·V logits the estimate counts. LinearCrossEntropyLoss (the shipped configs' choice) never
  // builds them whole, CEWithChunkedOutputLoss upcasts chunk by chunk, and the DPO/PPO losses come
  // with a frozen reference model: each would be a wrong figure, so memory is unknown.
  const loss = y.str(['loss', '_component_']);
  if (loss && !/^torch\.nn\.(CrossEntropyLoss|functional\.cross_entropy)$/.test(loss.value.trim()))
    y.unmodelled(
      loss.source,
      /rlhf|DPO|PPO|SimPO|RSO/i.test(loss.value)
        ? `loss ${loss.value.trim().slice(0, 60)}: a preference loss trains beside a frozen reference model`
        : `loss ${loss.value.trim().slice(0, 60)}: its logits buffer is not the full s·b·V the estimate counts`,
    );
  const teacher = y.find(['teacher_model']);
  if (teacher) y.unmodelled(teacher.source, 'teacher_model: knowledge distillation keeps a teacher resident');
  // Every training recipe builds its optimizer from `cfg.optimizer` (recipes/full_finetune_distributed.py
  // `_setup_optimizer(cfg_optimizer=cfg.optimizer)` @bd2a0fc7); a config without one at the top level
  // belongs to generate / eleuther_eval / quantize (no gradients, no optimizer states) or to the dev
  // async GRPO recipe (`training.optimizer`, with vLLM workers): a training estimate would be wrong.
  if (!y.find(['optimizer'])) {
    const at = y.find(['quantizer']) ?? y.find(['training']) ?? y.find(['model']);
    if (at)
      y.unmodelled(
        at.source,
        'no top-level optimizer: not a training recipe’s config (generation, evaluation, quantization or async RL)',
      );
  }
  const ac = y.bool(['enable_activation_checkpointing']);
  if (ac) y.set('recompute', { value: ac.value ? 'full' : 'none', source: ac.source });
  const acMode = y.find(['ac_mode']);
  if (acMode) y.unmodelled(acMode.source, 'ac_mode (selective activation checkpointing)');
  for (const [key, why] of [
    ['enable_activation_offloading', 'activations offloaded to CPU'],
    ['fsdp_cpu_offload', 'FSDP CPUOffloadPolicy moves parameters, gradients and optimizer states to CPU'],
    ['optimizer_in_bwd', 'the optimizer step runs in the backward pass (gradients freed per parameter)'],
  ] as const) {
    const on = y.bool([key]);
    if (on?.value) y.unmodelled(on.source, why);
  }
  const single = /single_device/i.test(path ?? '');
  if (!single) {
    const reshard = y.bool(['fsdp_reshard_after_forward']);
    y.layout.sharding = reshard && !reshard.value ? 'zero2' : 'zero3';
    // FSDP2 fully_shard keeps DTensor-sharded parameters; reshard_after_forward=False only holds the
    // gathered copies until backward.
    y.layout.shardedParamStorage = true;
    if (reshard) y.layout.sources.sharding = reshard.source;
    const replicate = y.int(['data_parallel_replicate_dim']);
    if (replicate && replicate.value > 1) y.unmodelled(replicate.source, 'HSDP replication');
  } else y.layout.sharding = 'none';
  const tp = y.int(['tensor_parallel_dim'], 'tensorParallel');
  if (tp && tp.value > 1) y.unmodelled(tp.source, 'tensor parallel plan (tensor_parallel_plan)');
  const cp = y.int(['context_parallel_dim'], 'contextParallel');
  if (cp && cp.value > 1) y.unmodelled(cp.source, 'context parallelism');

  const dtype = y.str(['dtype']);
  const d = (dtype?.value ?? 'fp32').trim().toLowerCase();
  const bf16 = d === 'bf16' || d === 'bfloat16';
  if (bf16) y.set('precision', { value: 'bf16-pure', source: dtype!.source });
  else if (d === 'fp32' || d === 'float32') {
    if (dtype) y.set('precision', { value: 'fp32', source: dtype.source });
  } else if (dtype) y.unmodelled(dtype.source, `dtype ${dtype.value.slice(0, 40)}`);
  const optimizer = y.str(['optimizer', '_component_']);
  const name = (optimizer?.value ?? '').trim();
  if (optimizer) {
    if (/(^|\.)(PagedAdamW8bit|AdamW8bit|Adam8bit|PagedAdam8bit)$/.test(name))
      y.set('optimizer', { value: 'adamw-8bit', source: optimizer.source });
    else if (
      /^(torch\.optim\.(AdamW|Adam)|bitsandbytes\.optim\.(PagedAdamW|PagedAdam|AdamW|Adam))$/.test(name)
    )
      y.set('optimizer', { value: bf16 ? 'adamw-bf16' : 'adamw', source: optimizer.source });
    else if (name === 'torch.optim.SGD') {
      const momentum = y.find(['optimizer', 'momentum']);
      if (typeof momentum?.value === 'number' && momentum.value > 0 && bf16)
        y.unmodelled(momentum.source, 'SGD momentum in bf16');
      else
        y.set('optimizer', {
          value: typeof momentum?.value === 'number' && momentum.value > 0 ? 'sgd-momentum' : 'sgd',
          source: optimizer.source,
        });
    } else y.unmodelled(optimizer.source, `optimizer ${name.slice(0, 60)} is not in the byte table`);
  } else if (bf16) y.layout.optimizer = 'adamw-bf16';
  if (gpus && gpus > 0) y.layout.gpus = single ? 1 : gpus;
  else if (single) y.layout.gpus = 1;
  return y.layout;
}

/** Layout defaults as torchtune's full-finetune recipes define them (@bd2a0fc7). */
export const torchtuneLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  // FSDP2 fully_shard over all ranks (data_parallel_shard_dim -1, reshard_after_forward True).
  sharding: 'zero3',
  // get_dtype(None) → torch.float32; enable_activation_checkpointing False.
  precision: 'fp32',
  // torchtune's attention is SDPA (flash/mem-efficient kernels); the models have no dropout.
  flashAttention: true,
  dropout: false,
  source:
    'torchtune full-finetune recipe defaults (pytorch/torchtune@bd2a0fc7 recipes/full_finetune_distributed.py cfg.get: FSDP2 over all ranks, enable_activation_checkpointing False, fsdp_cpu_offload False, optimizer_in_bwd False; training/precision.py get_dtype default fp32)',
};

export const torchtuneLayout: FrameworkLayout = {
  read: (text, { gpus, context }) => readTorchtuneLayout(text, gpus, context.path),
  defaults: torchtuneLayoutDefaults,
  edits: torchtuneEdits,
};
