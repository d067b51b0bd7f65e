import type { FieldSource } from '../../../types';
import { GENERIC_LAYOUT_DEFAULTS, type LayoutDefaults, type ParallelLayout } from '../../../model/layout';
import type { MemoryEdit } from '../../../model/memoryEdits';
import type { FrameworkLayout } from '../../reader';
import { LayoutBuilder, asCount } from '../../layoutBuilder';
import { LineIndex } from '../../text';
import { evaluateArithmetic } from '../../values';
import { NANOGPT_TRAIN_DEFAULTS } from './models';

/** One top-level `name = literal` line (the last one wins, as train.py's exec does). */
interface Assignment {
  name: string;
  nameStart: number;
  valueStart: number;
  raw: string;
  value: unknown;
}

/**
 * The top-level assignments of the names the layout reads. (The reader's scanner lives in
 * reader.ts, which imports this file: a separate scan keeps the import one-way.)
 */
function assignments(text: string): Map<string, Assignment> {
  const out = new Map<string, Assignment>();
  const line = /^([A-Za-z_]\w*)[ \t]*=(?!=)[ \t]*([^\r\n]*)/gm;
  for (const m of text.matchAll(line)) {
    if (!LAYOUT_NAMES.has(m[1]!)) continue;
    const raw = m[2]!.replace(/\s+#.*$|^#.*$/, '').trimEnd();
    const q = /^(['"])(.*)\1$/.exec(raw);
    const value = q
      ? q[2]
      : raw === 'True'
        ? true
        : raw === 'False'
          ? false
          : (evaluateArithmetic(raw) ?? raw);
    out.set(m[1]!, {
      name: m[1]!,
      nameStart: m.index!,
      valueStart: m.index! + m[0].length - m[2]!.length,
      raw,
      value,
    });
  }
  return out;
}

const LAYOUT_NAMES = new Set([
  'batch_size',
  'gradient_accumulation_steps',
  'block_size',
  'dtype',
  'dropout',
  'device',
  'compile',
  'eval_only',
]);

/**
 * The parallel layout of a nanoGPT `config/*.py` file, as karpathy/nanoGPT@3adf61e1 train.py runs
 * it: DistributedDataParallel only (`model = DDP(model, device_ids=[ddp_local_rank])`, one replica
 * per GPU), no activation checkpointing, no tensor/pipeline parallelism. `batch_size` is the
 * micro-batch per GPU; `gradient_accumulation_steps` is global and train.py divides it by the
 * world size (`assert gradient_accumulation_steps % ddp_world_size == 0`), so the global batch is
 * batch_size × gradient_accumulation_steps sequences on any GPU count. `dtype` 'bfloat16' (default
 * where supported) or 'float16' (with a GradScaler) runs under torch.autocast over the fp32 model;
 * 'float32' is fp32 throughout. Attention is F.scaled_dot_product_attention (model.py
 * `self.flash`), the optimizer AdamW (model.py configure_optimizers, fused on CUDA), and the loss
 * eager F.cross_entropy over the logits.
 */
export function readNanogptLayout(text: string, gpus?: number): ParallelLayout {
  const b = new LayoutBuilder();
  const lines = new LineIndex(text);
  const latest = assignments(text);
  const found = (name: string): { value: unknown; source: FieldSource } | undefined => {
    const a = latest.get(name);
    if (!a) return undefined;
    return {
      value: a.value,
      source: {
        key: a.name,
        keyRange: lines.range(a.nameStart, a.nameStart + a.name.length),
        valueRange: lines.range(a.valueStart, a.valueStart + a.raw.length),
        raw: a.raw,
      },
    };
  };
  // The world size is torchrun's, never in the file: the setting's count when given. Unknown, the
  // defaults (DDP, gradient buckets) stand and resolveLayout says so.
  const world = gpus && gpus > 0 ? gpus : undefined;
  if (world) b.layout.gpus = world;
  const amp = world === 1 ? 'amp' : world ? 'amp-ddp' : undefined;
  b.set('sharding', 'none', undefined);
  const micro = found('batch_size');
  const microBatch = micro ? b.count('microBatch', micro) : NANOGPT_TRAIN_DEFAULTS.batch_size;
  if (microBatch !== undefined) b.set('microBatch', microBatch, micro?.source);
  const accumFound = found('gradient_accumulation_steps');
  const accum = accumFound
    ? b.count('gradAccum', accumFound)
    : NANOGPT_TRAIN_DEFAULTS.gradient_accumulation_steps;
  if (accum !== undefined && microBatch !== undefined) {
    if (world && accum % world !== 0) {
      // train.py's own assert, in its own terms: the generic "global batch ÷ (micro × DP)" check
      // would show batch_size × gradient_accumulation_steps under the accumulation key's name.
      const steps = accumFound
        ? `\`${accumFound.source.key}\` = ${accum}`
        : `gradient_accumulation_steps (default ${accum})`;
      (b.layout.invalid ??= {}).gradAccum = {
        message: `${steps} must be a multiple of the ${world} GPUs: train.py asserts gradient_accumulation_steps % ddp_world_size == 0 (each GPU runs gradient_accumulation_steps // ddp_world_size micro-steps).`,
      };
      if (accumFound) b.layout.sources.gradAccum = accumFound.source;
    } else {
      // The global batch in sequences (batch_size × gradient_accumulation_steps on any GPU count).
      b.set('globalBatch', microBatch * accum, accumFound?.source);
      if (world) b.set('gradAccum', accum / world, accumFound?.source);
    }
  }
  const block = found('block_size');
  const seqLen = block ? b.count('seqLen', block) : NANOGPT_TRAIN_DEFAULTS.block_size;
  if (seqLen !== undefined) b.set('seqLen', seqLen, block?.source);
  const dtype = found('dtype');
  const device = found('device');
  // train.py: `device_type = 'cuda' if 'cuda' in device else 'cpu'` and `ctx = nullcontext() if
  // device_type == 'cpu' else torch.amp.autocast(...)`: off CUDA ('cpu', 'mps') there is no
  // autocast, so the model runs fp32 whatever `dtype` says.
  const noAutocast =
    device !== undefined && !(typeof device.value === 'string' && device.value.includes('cuda'));
  const fp32 = dtype?.value === 'float32' || noAutocast;
  if (dtype && !['float32', 'bfloat16', 'float16'].includes(dtype.value as string))
    b.unmodelled(dtype.source, `dtype ${dtype.source.raw}: not one of train.py's float32, bfloat16, float16`);
  else if (fp32) {
    const source = noAutocast ? device!.source : dtype!.source;
    // One process runs the bare model; under DDP the all-reduce buckets add a second copy of the
    // fp32 gradients (train.py wraps the model in DDP whenever it runs under torchrun).
    b.set('precision', world === 1 ? 'fp32' : 'fp32-ddp', source);
  } else if (amp) b.set('precision', amp, dtype?.source);
  // Eager autocast caches a bf16/fp16 copy of every weight it casts and the matmuls save it for
  // backward (up to 2 B/param more than the amp recipes count, which assume torch.compile).
  const compile = found('compile');
  if (compile && compile.value !== true)
    b.unmodelled(
      compile.source,
      `compile ${compile.source.raw}: eager autocast keeps a half-precision copy of each weight for backward, which the estimate does not count`,
    );
  // eval_only: train.py runs one estimate_loss() under @torch.no_grad() and breaks out of the loop
  // before any backward or optimizer step, so there are no gradients, optimizer states or saved
  // activations: this is not a training-memory run.
  const evalOnly = found('eval_only');
  if (evalOnly && evalOnly.value !== false)
    b.unmodelled(
      evalOnly.source,
      `eval_only ${evalOnly.source.raw}: train.py only evaluates under torch.no_grad() and exits before any backward or optimizer step`,
    );
  const dropout = found('dropout');
  if (dropout) {
    if (typeof dropout.value === 'number') b.set('dropout', dropout.value > 0, dropout.source);
    else b.unmodelled(dropout.source, `dropout ${dropout.source.raw}`);
  }
  return b.layout;
}

/** nanoGPT's layout defaults (karpathy/nanoGPT@3adf61e1 train.py, model.py). */
export const nanogptLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  sharding: 'none',
  recompute: 'none',
  // torchrun with DDP (gradient buckets); one GPU (no DDP wrapper) reads as 'amp'.
  precision: 'amp-ddp',
  optimizer: 'adamw',
  flashAttention: true,
  dropout: false,
  logitsBytesPerElement: 14,
  source:
    'karpathy/nanoGPT@3adf61e1 train.py: DDP only, no activation checkpointing, dtype bfloat16 (float16 with a GradScaler where bf16 is unsupported) under torch.autocast over fp32 parameters, dropout 0.0, AdamW (model.py configure_optimizers), F.scaled_dot_product_attention (model.py self.flash), eager F.cross_entropy',
};

/**
 * Memory edits of a nanoGPT config: nanoGPT has no checkpointing, sharding or tensor-parallel
 * switch, so the one edit is the micro-batch — halving `batch_size` and doubling
 * `gradient_accumulation_steps` keeps the global batch (and D) — when both are in the file.
 */
export function nanogptEdits(text: string): MemoryEdit[] {
  const base = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const latest = assignments(base ? text.slice(1) : text);
  const micro = latest.get('batch_size');
  const accum = latest.get('gradient_accumulation_steps');
  const m = typeof micro?.value === 'number' ? asCount(micro.value) : undefined;
  const g = typeof accum?.value === 'number' ? asCount(accum.value) : undefined;
  if (!micro || !accum || !m || !g || m < 2 || m % 2 !== 0) return [];
  const at = (a: Assignment, newText: string) => ({
    start: a.valueStart + base,
    end: a.valueStart + base + a.raw.length,
    newText,
  });
  return [
    {
      kind: 'micro-batch-half',
      label: `batch_size = ${m / 2}, gradient_accumulation_steps = ${g * 2}`,
      key: 'batch_size',
      replacements: [at(micro, String(m / 2)), at(accum, String(g * 2))].sort((x, y) => x.start - y.start),
    },
  ];
}

/** The registry's layout hook for nanoGPT configs. */
export const nanogptLayout: FrameworkLayout = {
  read: (text, { gpus }) => readNanogptLayout(text, gpus),
  defaults: nanogptLayoutDefaults,
  edits: (text) => nanogptEdits(text),
};
