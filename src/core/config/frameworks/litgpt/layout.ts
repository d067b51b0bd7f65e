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
import { LayoutBuilder, asCount, replaceYamlValue, yamlForEdits, yamlPair } from '../../layoutBuilder';
import { lookup, parseYaml, topLevelKeys } from '../../yamlSource';

/**
 * The parallel layout of a LitGPT config_hub YAML, as Lightning-AI/litgpt@26857050 runs it:
 * - pretrain.py (no `checkpoint_dir`): on more than one device
 *   `FSDPStrategy(auto_wrap_policy={Block}, state_dict_type="full", sharding_strategy="HYBRID_SHARD")`
 *   — parameters, gradients and AdamW states sharded over the devices of a node, replicated across
 *   nodes, no activation checkpointing; defaults devices "auto", micro_batch_size 4, global 512.
 * - finetune/full.py (`checkpoint_dir`): on more than one device `FSDPStrategy(auto_wrap_policy=
 *   {Block}, activation_checkpointing_policy={Block}, ...)` — Fabric's default FULL_SHARD and every
 *   Block checkpointed; defaults devices 1, micro_batch_size 1, global 16.
 * - One device: strategy "auto" (no FSDP, no checkpointing).
 * - LoRA, adapter and QLoRA finetunes train a few adapter weights over a frozen (maybe quantized)
 *   base: not modelled (memory says unknown, naming the key).
 * Gradient accumulation is `global_batch_size // (devices × num_nodes) // micro_batch_size`
 * (litgpt/args.py TrainArgs.gradient_accumulation_iters). `precision` (default bf16-mixed,
 * litgpt/utils.py get_default_supported_precision): "bf16-mixed"/"16-mixed" keep fp32 parameters
 * with bf16 compute (Lightning-AI/pytorch-lightning@7f0c3436 fabric/plugins/precision/fsdp.py:
 * MixedPrecision param/reduce/buffer dtype bf16 under FSDP; torch.autocast on one device);
 * "bf16-true"/"16-true" hold everything in 16 bits, AdamW states included (zeros_like the
 * parameters); "32-true" is fp32. Attention is F.scaled_dot_product_attention; no dropout.
 */
export function readLitgptLayout(text: string, gpus?: number): ParallelLayout {
  const b = new LayoutBuilder();
  const yaml = parseYaml(text);
  if (!yaml || !isMap(yaml.doc.contents)) return b.layout;
  const get = (path: string[]) => lookup(yaml, path);
  const top = topLevelKeys(yaml);
  const finetune = top.has('checkpoint_dir');
  const adapterKey = [...top].find((k) => /^(lora_|adapter_|quantize$)/.test(k));
  if (adapterKey) {
    const found = get([adapterKey])!;
    b.unmodelled(
      found.source,
      `${adapterKey.startsWith('quantize') ? 'a quantized frozen base' : 'adapter (LoRA) finetuning'}: only adapter weights are trained`,
    );
  }
  const devices = get(['devices']);
  const nodes = get(['num_nodes']);
  const perNode = devices
    ? devices.value === 'auto' || devices.value === -1
      ? undefined
      : b.count('gpus', devices)
    : finetune
      ? 1
      : undefined;
  const nodeCount = nodes ? b.count('gpus', nodes) : 1;
  const world = perNode !== undefined && nodeCount !== undefined ? perNode * nodeCount : gpus;
  if (world !== undefined) b.set('gpus', world, devices?.source);
  const fsdp = world === undefined || world > 1;
  if (world === 1) b.set('sharding', 'none', devices?.source);
  else if (fsdp) {
    b.set('sharding', 'zero3', undefined);
    // HYBRID_SHARD (pretrain): sharded within a node, replicated across nodes.
    if (!finetune && perNode !== undefined && nodeCount !== undefined && nodeCount > 1)
      b.set('shardGroupSize', perNode, devices?.source);
  }
  b.set('recompute', finetune && fsdp ? 'full' : 'none', undefined);

  const micro = get(['train', 'micro_batch_size']);
  const microBatch = micro ? b.count('microBatch', micro) : finetune ? 1 : 4;
  if (microBatch !== undefined) b.set('microBatch', microBatch, micro?.source);
  const global = get(['train', 'global_batch_size']);
  const globalBatch = global ? b.count('globalBatch', global) : finetune ? 16 : 512;
  if (world !== undefined && microBatch !== undefined && globalBatch !== undefined) {
    const accum = Math.floor(Math.floor(globalBatch / world) / microBatch);
    if (accum >= 1) b.derive('gradAccum', accum, global?.source);
    else {
      // litgpt/args.py gradient_accumulation_iters: `assert gradient_accumulation_iters > 0`.
      (b.layout.invalid ??= {}).gradAccum = {
        message: `global_batch_size ${globalBatch} // ${world} devices // micro_batch_size ${microBatch} = 0 accumulation iterations; LitGPT asserts gradient_accumulation_iters > 0 (litgpt/args.py)`,
      };
      const at = global?.source ?? micro?.source;
      if (at) b.layout.sources.gradAccum = at;
    }
  }
  const seq = get(['train', 'max_seq_length']);
  if (seq && seq.value !== null) {
    const s = b.count('seqLen', seq);
    if (s !== undefined) b.set('seqLen', s, seq.source);
  }

  const precision = get(['precision']);
  const p = precision && precision.value !== null ? String(precision.value) : 'bf16-mixed';
  const pure = p === 'bf16-true' || p === '16-true';
  if (p === 'bf16-mixed' || p === '16-mixed')
    b.set('precision', fsdp ? 'fsdp-mixed' : 'amp', precision?.source);
  else if (pure) b.set('precision', 'bf16-pure', precision?.source);
  else if (p === '32-true' || p === '32') b.set('precision', 'fp32', precision?.source);
  else if (precision) b.unmodelled(precision.source, `precision ${precision.source.raw}`);

  const optimizer = get(['optimizer']);
  const name = optimizerName(optimizer?.value);
  const id = name ? LITGPT_OPTIMIZERS[name.toLowerCase()] : 'adamw';
  if (id) b.set('optimizer', pure && id === 'adamw' ? 'adamw-bf16' : id, optimizer?.source);
  else if (optimizer) b.unmodelled(optimizer.source, `optimizer ${name ?? optimizer.source.raw}`);
  if (id && pure && id !== 'adamw' && id !== 'sgd' && optimizer)
    b.unmodelled(optimizer.source, `optimizer ${name} over 16-bit parameters (its states in bf16)`);
  if (id === 'sgd' && optimizer) {
    const momentum = lookup(yaml, ['optimizer', 'init_args', 'momentum'])?.value;
    if (typeof momentum === 'number' && momentum > 0) b.set('optimizer', 'sgd-momentum', optimizer.source);
  }
  return b.layout;
}

/** torch.optim classes litgpt's instantiate_torch_optimizer takes by name or class_path. */
const LITGPT_OPTIMIZERS: Record<string, OptimizerId> = {
  adamw: 'adamw',
  adam: 'adamw',
  sgd: 'sgd',
};

function optimizerName(value: unknown): string | undefined {
  if (typeof value === 'string') return value.split('.').pop();
  if (
    value &&
    typeof value === 'object' &&
    typeof (value as { class_path?: unknown }).class_path === 'string'
  )
    return (value as { class_path: string }).class_path.split('.').pop();
  return undefined;
}

/** LitGPT's layout defaults (Lightning-AI/litgpt@26857050 pretrain.py, finetune/full.py, utils.py). */
export const litgptLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  sharding: 'zero3',
  recompute: 'none',
  precision: 'fsdp-mixed',
  optimizer: 'adamw',
  flashAttention: true,
  dropout: false,
  source:
    'Lightning-AI/litgpt@26857050: pretrain.py FSDPStrategy(sharding_strategy="HYBRID_SHARD") on > 1 device, no activation checkpointing; finetune/full.py FSDPStrategy(activation_checkpointing_policy={Block}) (FULL_SHARD); precision bf16-mixed (utils.py get_default_supported_precision); optimizer "AdamW"; F.scaled_dot_product_attention',
};

/**
 * Memory edits of a LitGPT config: `train.micro_batch_size` (gradient accumulation follows from
 * `global_batch_size`, so the global batch and D stay), and `precision: bf16-true` from a mixed
 * precision is not offered (it changes the numerics, not only the memory).
 */
export function litgptEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const edits: MemoryEdit[] = [];
  const micro = yamlPair(yaml, ['train', 'micro_batch_size']);
  const global = yamlPair(yaml, ['train', 'global_batch_size']);
  const m = micro ? asCount(lookup(yaml, ['train', 'micro_batch_size'])?.value) : undefined;
  if (micro && global && m && m >= 2 && m % 2 === 0 && layout.gradAccum >= 1) {
    const r = replaceYamlValue(micro, base, String(m / 2));
    if (r)
      edits.push({
        kind: 'micro-batch-half',
        label: `train.micro_batch_size: ${m / 2}`,
        key: 'train.micro_batch_size',
        replacements: [r],
      });
  }
  if (micro && global && m && layout.gradAccum >= 2 && layout.gradAccum % 2 === 0) {
    const r = replaceYamlValue(micro, base, String(m * 2));
    if (r)
      edits.push({
        kind: 'micro-batch-double',
        label: `train.micro_batch_size: ${m * 2}`,
        key: 'train.micro_batch_size',
        replacements: [r],
      });
  }
  return edits;
}

/** The registry's layout hook for LitGPT configs. */
export const litgptLayout: FrameworkLayout = {
  read: (text, { gpus }) => readLitgptLayout(text, gpus),
  defaults: litgptLayoutDefaults,
  edits: litgptEdits,
};
