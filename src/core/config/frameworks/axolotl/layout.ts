import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type OptimizerId,
  type ParallelLayout,
} from '../../../model/layout';
import type { ReadContext } from '../../../types';
import type { FrameworkLayout } from '../../reader';
import { YamlLayout } from '../../layoutYaml';
import { parseYaml } from '../../yamlSource';
import { resolveSiblingPath } from '../../specBuilder';
import { readDeepSpeedConfig } from '../deepspeed/layout';
import { axolotlEdits } from './memoryEdits';

/**
 * The layout of an Axolotl config (axolotl-ai-cloud/axolotl@067b021c src/axolotl/utils/schemas/
 * config.py, training.py, fsdp.py; utils/config/__init__.py resolve_dtype). Axolotl loads the model
 * in `torch_dtype` = bf16 when `bf16` (fp16 / fp32 otherwise) and trains it with the HF Trainer:
 * - with `deepspeed:` (a JSON path, read through the editor, or an inline dict) the DeepSpeed engine
 *   decides sharding and keeps an fp32 master (deepspeed/layout.ts);
 * - otherwise (plain or FSDP) the bf16 parameters are stepped directly: pure bf16, with torch
 *   optimizers' states in bf16 (bitsandbytes 8-/32-bit states keep their own dtype);
 * - `adapter: lora | qlora` and `load_in_8bit`/`load_in_4bit` train adapters over a frozen or
 *   quantized base, which the estimate does not model (memory unknown, naming the key).
 */
export function readAxolotlLayout(
  text: string,
  gpus: number | undefined,
  context: ReadContext,
): ParallelLayout {
  const yaml = parseYaml(text);
  if (!yaml) return { sources: {} };
  const y = new YamlLayout(yaml);
  const adapter = y.str(['adapter']);
  if (adapter && /^q?lora$/i.test(adapter.value.trim()))
    y.unmodelled(
      adapter.source,
      `adapter ${adapter.value.trim()}: only the adapters train over a frozen base`,
    );
  else if (adapter) y.unmodelled(adapter.source, `adapter ${adapter.value.slice(0, 40)}`);
  for (const key of ['load_in_8bit', 'load_in_4bit']) {
    const on = y.bool([key]);
    if (on?.value) y.unmodelled(on.source, `${key}: quantized base weights`);
  }
  const micro = y.int(['micro_batch_size'], 'microBatch');
  y.set('microBatch', micro);
  const accum = y.int(['gradient_accumulation_steps'], 'gradAccum');
  const batch = y.int(['batch_size']);
  // utils/config/__init__.py normalize_config: without gradient_accumulation_steps it is
  // batch_size // micro_batch_size.
  if (accum?.value) y.set('gradAccum', accum);
  else if (batch && micro && micro.value > 0)
    y.set('gradAccum', { value: Math.floor(batch.value / micro.value), source: batch.source });
  // train.py setup_reference_model: every rl but orpo loads the model a second time (reference or
  // baseline) unless an adapter is trained; preference methods also forward chosen + rejected together.
  const rl = y.str(['rl']);
  if (rl && rl.value.trim())
    y.unmodelled(
      rl.source,
      `rl ${rl.value.trim().slice(0, 20)}: a reference model copy and paired or generated sequences`,
    );
  // train.py freeze_layers_except: only the matching parameters get gradients and optimizer states.
  const unfrozen = y.find(['unfrozen_parameters']);
  if (Array.isArray(unfrozen?.value) && unfrozen.value.length > 0)
    y.unmodelled(unfrozen.source, 'unfrozen_parameters: only the matching parameters train');
  // integrations/lisa (LISAConfig): lisa_n_layers layers train at a time, the rest are frozen.
  const lisa = y.int(['lisa_n_layers']);
  if (lisa) y.unmodelled(lisa.source, 'LISA: only lisa_n_layers layers train at a time');
  // config.py fp8: torchao float8 linears (fp8 matmul inputs, float8 all-gather under FSDP).
  const fp8 = y.bool(['fp8']);
  if (fp8?.value) y.unmodelled(fp8.source, 'fp8: float8 training');
  y.set('seqLen', y.int(['sequence_len'], 'seqLen'));
  const gc = y.find(['gradient_checkpointing']);
  if (gc && typeof gc.value === 'boolean')
    y.set('recompute', { value: gc.value ? 'full' : 'none', source: gc.source });
  else if (gc)
    y.unmodelled(
      gc.source,
      `gradient_checkpointing ${gc.source.raw.trim().slice(0, 20)} (offloaded checkpoints)`,
    );
  const offload = y.find(['activation_offloading']);
  if (offload && offload.value !== false) y.unmodelled(offload.source, 'activation offloading');
  // Fused linear + cross-entropy never materializes the logits; QAT inserts fake-quantize ops.
  for (const key of ['liger_fused_linear_cross_entropy', 'cut_cross_entropy']) {
    const on = y.bool([key]);
    if (on?.value) y.unmodelled(on.source, `${key}: the logits are never materialized`);
  }
  const qat = y.find(['qat']);
  if (qat) y.unmodelled(qat.source, 'quantization-aware training (fake-quantized weights and activations)');
  // integrations/expert_parallel/plugin.py shards experts over expert_parallel_size ranks;
  // config.py dp_shard_size / dp_replicate_size set the FSDP sharding group instead of all GPUs.
  for (const key of [
    'tensor_parallel_size',
    'context_parallel_size',
    'expert_parallel_size',
    'dp_replicate_size',
  ]) {
    const n = y.int([key]);
    if (n && n.value > 1) y.unmodelled(n.source, key.replace(/_/g, ' '));
  }

  const shard = y.int(['dp_shard_size']);
  if (shard && shard.value !== gpus)
    y.unmodelled(shard.source, `dp_shard_size ${shard.value}: an FSDP sharding group other than all GPUs`);

  // resolve_dtype: bf16 "auto" is bf16 on GPUs that support it (Ampere and newer); torch_dtype is
  // bf16 with bf16 or bfloat16, else fp16 with load_in_8bit, fp16 or float16, else fp32.
  const bf16 = y.find(['bf16']);
  const fp16 = y.bool(['fp16']);
  const bfloat16 = y.bool(['bfloat16']);
  const float16 = y.bool(['float16']);
  const bf16On = bf16 && (bf16.value === true || (bf16.value === 'auto' && !fp16?.value)) ? bf16 : undefined;
  const bfSource = bf16On?.source ?? (bfloat16?.value ? bfloat16.source : undefined);
  const fpSource = fp16?.value ? fp16.source : float16?.value ? float16.source : undefined;
  const half: 'bf16' | 'fp16' | undefined = bfSource ? 'bf16' : fpSource ? 'fp16' : undefined;
  const halfSource = bfSource ?? fpSource;
  // DeepSpeed's "auto" precision follows the Trainer's bf16/fp16 flags, not the load dtype keys.
  const dsHalf: 'bf16' | 'fp16' | undefined = bf16On ? 'bf16' : fp16?.value ? 'fp16' : undefined;

  const ds = y.find(['deepspeed']);
  let deepspeed = false;
  let dsOptimizer = false;
  if (ds && typeof ds.value === 'string') {
    const path = resolveSiblingPath(context.path, ds.value.trim());
    const json = context.readFile?.(path);
    const parsed = json !== undefined ? parseYaml(json) : undefined;
    if (!parsed) y.unmodelled(ds.source, `ZeRO stage (in ${ds.value.trim().slice(0, 80)})`);
    else {
      deepspeed = true;
      const file = new YamlLayout(parsed, y.layout, { file: path });
      readDeepSpeedConfig(file, dsHalf ? { halfFromCaller: dsHalf } : {});
      dsOptimizer = !!file.find(['optimizer', 'type']);
    }
  } else if (ds && typeof ds.value === 'object') {
    deepspeed = true;
    readDeepSpeedConfig(y, { root: ['deepspeed'], ...(dsHalf ? { halfFromCaller: dsHalf } : {}) });
    dsOptimizer = !!y.find(['deepspeed', 'optimizer', 'type']);
  }

  if (!deepspeed) {
    const fsdp = y.find(['fsdp']);
    const fsdpConfig = y.find(['fsdp_config']);
    const words = Array.isArray(fsdp?.value)
      ? fsdp!.value.map((w) => String(w).toLowerCase())
      : typeof fsdp?.value === 'string'
        ? fsdp.value.toLowerCase().split(/\s+/)
        : [];
    if (fsdp || fsdpConfig) {
      const at = (fsdp ?? fsdpConfig)!.source;
      // fsdp_config keys with or without the `fsdp_` prefix (Axolotl strips it when normalizing).
      const fc = (key: string) => ['fsdp_config', [key, `fsdp_${key}`]] as const;
      const reshard = y.bool(fc('reshard_after_forward'));
      const strategy = y.str(fc('sharding_strategy'));
      const shardGradOp =
        words.includes('shard_grad_op') ||
        /shard_grad_op/i.test(strategy?.value ?? '') ||
        reshard?.value === false;
      if (words.includes('hybrid_shard') || /hybrid/i.test(strategy?.value ?? ''))
        y.unmodelled(strategy?.source ?? at, 'FSDP hybrid sharding');
      y.set('sharding', {
        value: shardGradOp ? 'zero2' : 'zero3',
        source: (reshard ?? strategy)?.source ?? at,
      });
      // FSDP (1 and 2) keeps the parameters sharded; SHARD_GRAD_OP only holds the gathered copies.
      y.layout.shardedParamStorage = true;
      const offloadParams = y.bool(fc('offload_params'));
      if (words.includes('offload') || offloadParams?.value)
        y.unmodelled(
          offloadParams?.source ?? at,
          'FSDP CPU offload of parameters, gradients and optimizer states',
        );
      const ac = y.bool(fc('activation_checkpointing'));
      if (ac?.value) y.set('recompute', { value: 'full', source: ac.source });
    }
    // The model is loaded in torch_dtype and stepped directly (no fp32 master).
    if (half === 'bf16') y.set('precision', { value: 'bf16-pure', source: halfSource! });
    else if (half === 'fp16') y.unmodelled(halfSource!, 'fp16 model weights under the HF Trainer');
    else y.layout.precision = 'fp32';
  }
  if (!dsOptimizer) {
    const opt = y.str(['optimizer']);
    const name = (opt?.value ?? 'adamw_torch_fused').trim().toLowerCase();
    const id = AXOLOTL_OPTIMIZERS[name];
    // torch optimizers allocate their states like the parameters (bf16 without DeepSpeed).
    const resolved: OptimizerId | undefined =
      id === 'adamw' && !deepspeed && half === 'bf16' && !BNB_32BIT.has(name) ? 'adamw-bf16' : id;
    if (resolved && opt) y.set('optimizer', { value: resolved, source: opt.source });
    else if (resolved) y.layout.optimizer = resolved;
    else if (opt) y.unmodelled(opt.source, `optimizer ${opt.value.slice(0, 40)} is not in the byte table`);
  }
  const flash = y.bool(['flash_attention']) ?? y.bool(['sdp_attention']) ?? y.bool(['xformers_attention']);
  const impl = y.str(['attn_implementation']);
  if (impl) y.set('flashAttention', { value: !/^eager$/i.test(impl.value.trim()), source: impl.source });
  else if (flash?.value) y.set('flashAttention', flash);
  if (gpus && gpus > 0) y.layout.gpus = gpus;
  return y.layout;
}

/** HF Trainer OptimizerNames (transformers training_args.py) that the byte table holds. */
const AXOLOTL_OPTIMIZERS: Readonly<Record<string, OptimizerId>> = {
  adamw_torch: 'adamw',
  adamw_torch_fused: 'adamw',
  adamw_hf: 'adamw',
  adamw_apex_fused: 'adamw',
  adamw_torch_xla: 'adamw',
  paged_adamw_32bit: 'adamw',
  adamw_bnb_8bit: 'adamw-8bit',
  adamw_8bit: 'adamw-8bit',
  paged_adamw_8bit: 'adamw-8bit',
  adamw_torch_8bit: 'adamw-8bit',
  lion_8bit: 'lion-8bit',
  paged_lion_8bit: 'lion-8bit',
  lion_32bit: 'lion',
  paged_lion_32bit: 'lion',
  adafactor: 'adafactor',
  sgd: 'sgd',
};
/** bitsandbytes 32-bit optimizers keep fp32 states even over bf16 parameters. */
const BNB_32BIT = new Set(['paged_adamw_32bit']);

/** Layout defaults as Axolotl defines them (schemas @067b021c). */
export const axolotlLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  // resolve_dtype: neither bf16 nor fp16 → torch_dtype float32.
  precision: 'fp32',
  // Without attention flags transformers picks SDPA (fused kernels); Llama-family attention_dropout 0.
  flashAttention: true,
  dropout: false,
  source:
    'Axolotl defaults (axolotl-ai-cloud/axolotl@067b021c schemas/training.py: micro_batch_size 1, gradient_accumulation_steps 1, optimizer adamw_torch_fused; config.py: sequence_len 512, gradient_checkpointing off; no DeepSpeed/FSDP: one replica per GPU; fp32 unless bf16/fp16)',
};

export const axolotlLayout: FrameworkLayout = {
  read: (text, { gpus, context }) => readAxolotlLayout(text, gpus, context),
  defaults: axolotlLayoutDefaults,
  edits: axolotlEdits,
};
