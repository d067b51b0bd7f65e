import type { ArchitectureSpec, CoreDiagnostic, FieldSource } from '../types';
import { attentionParams, countParams, mlpParams } from './params';
import {
  OPTIMIZER_STATE_BYTES,
  PRECISION_RECIPES,
  type LayoutKey,
  type LayoutRejection,
  type ResolvedLayout,
  type ShardingMode,
} from './layout';

/**
 * Training memory per GPU, part by part. All figures are bytes; GB = 1e9 bytes and GiB = 2^30
 * bytes are kept apart (the ZeRO paper's GB are 1e9; PyTorch and torchtitan report GiB).
 *
 * Formulas (Ψ = parameters held by this GPU before sharding, N_d = the sharding group):
 * - weights    = Ψ·w        (÷ N_d with ZeRO-3 / FSDP FULL_SHARD)
 * - gradients  = Ψ·g        (÷ N_d with ZeRO-2 and up)
 * - optimizer  = Ψ·(m + k)  (÷ N_d with ZeRO-1 and up; 0 on the GPU with CPU offload), where m is the
 *   fp32 master copy and k the optimizer's state bytes — the ZeRO paper's K = m + k = 12 for Adam.
 *   (Rajbhandari et al. 2020, "ZeRO", §5 and Table 1.)
 * - activations: Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
 *   Models", Table 2, per layer: sbh(34 + 5as/h) with no parallelism; sbh(10 + 24/t + 5as/(ht)) with
 *   tensor parallelism; sbh(34 + 5as/h)/t with tensor + sequence parallelism; the 5as/h term is
 *   dropped by selective recomputation and by fused (flash) attention; full recomputation keeps 2sbh
 *   per layer (the layer input) plus one layer's working set. Generalized here to GQA (K and V at
 *   n_kv·head_dim), a gated MLP (8·s·b·f instead of 4·s·b·f for the intermediate) and models without
 *   dropout (no sbh masks, softmax output only): with the paper's GPT shapes it is exactly Table 2.
 *   The first pipeline stage of 1F1B holds min(p, m) micro-batches of L/p layers (= L layers' worth
 *   when m ≥ p; Korthikanti §4.2.3), × (1 + (p−1)/(p·v)) when interleaved, never more than m.
 * - buffers: the logits s·b·V in fp32 (÷ t: vocab-parallel cross entropy) on a single pipeline stage,
 *   and under ZeRO-3/FSDP the all-gathered compute copies of two blocks (current + prefetched) and one
 *   block's unsharded fp32 gradients before reduce-scatter.
 * - overhead: {@link DEFAULT_OVERHEAD} — a fixed allowance for the CUDA context, NCCL and cuBLAS
 *   workspaces plus a fraction of the total for caching-allocator fragmentation.
 */

export const GB = 1e9;
export const GIB = 2 ** 30;

/** The framework-overhead allowance and where it comes from. */
export interface OverheadAllowance {
  fixedBytes: number;
  /** Fraction of (states + activations + buffers) added for fragmentation and temporaries. */
  fraction: number;
  source: string;
}

export const DEFAULT_OVERHEAD: OverheadAllowance = {
  fixedBytes: 1 * GIB,
  fraction: 0.05,
  source:
    'Megatron-LM theoretical_memory_usage.py adds 5% "for optimizer and miscellaneous temporaries"; 1 GiB for the CUDA context, NCCL and cuBLAS workspaces (PyTorch reports memory after the context, which takes ≈ 0.5–1 GiB per process)',
};

/**
 * The allowance with the user's overrides (settings `scalingLens.memory.overheadGiB` /
 * `overheadFraction`); values that are not finite and ≥ 0 keep the default part.
 */
export function overheadFromSettings(o: { fixedBytes?: number; fraction?: number }): OverheadAllowance {
  const ok = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  const fixed = ok(o.fixedBytes) ? o.fixedBytes : DEFAULT_OVERHEAD.fixedBytes;
  const fraction = ok(o.fraction) && o.fraction < 1 ? o.fraction : DEFAULT_OVERHEAD.fraction;
  if (fixed === DEFAULT_OVERHEAD.fixedBytes && fraction === DEFAULT_OVERHEAD.fraction)
    return DEFAULT_OVERHEAD;
  return {
    fixedBytes: fixed,
    fraction,
    source: `setting scalingLens.memory.overheadGiB / overheadFraction (default: ${DEFAULT_OVERHEAD.source})`,
  };
}

/** One model's parameter split as the layout places it. */
export interface ParamPlacement {
  /** Parameters split by tensor parallelism and pipeline stages (attention, dense MLP, embeddings). */
  denseOnGpu: number;
  /** Routed-expert parameters on this GPU (split by EP, and by PP). */
  expertOnGpu: number;
  /** Parameters of one transformer block on this GPU (for the ZeRO-3/FSDP gather buffers). */
  blockOnGpu: number;
  /** Token/position embedding and (on a single stage) untied output layer on this GPU, part of `denseOnGpu`. */
  embeddingOnGpu: number;
}

export interface MemoryPart {
  bytes: number;
  formula: string;
}

export interface MemoryEstimate {
  perGpuBytes: number;
  weights: MemoryPart;
  gradients: MemoryPart;
  optimizer: MemoryPart;
  activations: MemoryPart;
  buffers: MemoryPart;
  overhead: MemoryPart;
  capacityBytes: number | null;
  /** perGpuBytes ≤ capacity; null when the capacity is unknown. */
  fits: boolean | null;
  /** Free fraction of the capacity (negative when over). */
  headroom: number | null;
  assumptions: string[];
}

/** The sharding degree each state is divided by under a ZeRO stage (ZeRO paper §5). */
export function shardDivisors(
  stage: ShardingMode,
  nd: number,
): { weights: number; grads: number; optimizer: number } {
  const n = Math.max(1, nd);
  switch (stage) {
    case 'zero3':
      return { weights: n, grads: n, optimizer: n };
    case 'zero2':
      return { weights: 1, grads: n, optimizer: n };
    case 'zero1':
      return { weights: 1, grads: 1, optimizer: n };
    default:
      return { weights: 1, grads: 1, optimizer: 1 };
  }
}

/**
 * Model-state bytes per GPU for Ψ parameters: the ZeRO paper's (w + g + K)·Ψ split by stage.
 * `K` is master + optimizer-state bytes per parameter.
 */
export function modelStateBytes(
  psi: number,
  bytes: { weight: number; grad: number; k: number },
  stage: ShardingMode,
  nd: number,
): { weights: number; gradients: number; optimizer: number } {
  const div = shardDivisors(stage, nd);
  return {
    weights: (psi * bytes.weight) / div.weights,
    gradients: (psi * bytes.grad) / div.grads,
    optimizer: (psi * bytes.k) / div.optimizer,
  };
}

/** Inputs of the per-layer activation formula (Korthikanti et al. 2022, Table 2, generalized). */
export interface ActivationShape {
  /** Sequence length per context-parallel rank. */
  s: number;
  b: number;
  h: number;
  /** Attention heads. */
  a: number;
  /** KV heads (GQA); = a for multi-head attention. */
  kvHeads: number;
  headDim: number;
  /** MLP per-branch intermediate width. */
  ffn: number;
  gated: boolean;
  t: number;
  sequenceParallel: boolean;
  recompute: 'none' | 'selective' | 'selective-op' | 'full';
  flashAttention: boolean;
  dropout: boolean;
  /** Bytes per activation element (2 for bf16/fp16, the paper's assumption). */
  elementBytes?: number;
  /**
   * With sequence parallelism, the QKV and MLP inputs are saved all-gathered (full size) rather
   * than sharded and re-gathered in backward as Korthikanti §4.2.2 does: DTensor
   * SequenceParallel + ColwiseParallel (torchtitan), where autograd keeps the gathered linear input.
   */
  savesGatheredInputs?: boolean;
  /**
   * torchtitan op-level SAC: the block kinds of the stage, each with the aten.mm calls of one block
   * in the order its forward runs them (built by `opSacBlocks`); absent for every other mode.
   */
  opSacBlocks?: OpSacBlock[];
}

/** One aten.mm output of a transformer block, per token. */
export interface OpSacMatmul {
  /** Output width (elements per token) before tensor parallelism. */
  width: number;
  /** How TP splits it: column-parallel outputs are ÷ t, row-parallel ones are full-size partial sums
   * followed by a reduce-scatter (SP) whose output op-SAC also saves; replicated ones are full-size. */
  split: 'column' | 'row' | 'replicated';
}

/** The matmuls and other saved outputs of one kind of block, and how many such blocks there are. */
export interface OpSacBlock {
  count: number;
  matmuls: OpSacMatmul[];
  /** Per-head output width of the attention op (value head width). */
  attentionOutWidth: number;
  /** Saved outputs of all_to_all_single per token (expert-parallel dispatch and combine), elements. */
  allToAllWidth: number;
}

/**
 * Activation bytes one transformer layer stores for one micro-batch. With the paper's shapes
 * (MHA, head_dim = h/a, f = 4h non-gated, dropout, 2-byte elements) this is exactly Table 2.
 */
export function activationBytesPerLayer(x: ActivationShape): number {
  const { s, b, h, a, t } = x;
  const e = (x.elementBytes ?? 2) / 2; // the paper's coefficients count 2-byte elements
  const sb = s * b;
  const mask = x.dropout ? 1 : 0;
  // Outside the TP regions (split only by sequence parallelism): two norm inputs (4sbh), the QKV
  // and MLP input (2sbh each) and the two dropout masks (sbh each): 10sbh in the paper.
  const normsAndMasks = sb * h * (4 + 2 * mask);
  const linearInputs = sb * h * (2 + 2);
  // Inside the TP regions (split by t): Q, K, V (2sbh each for MHA), the output-projection input
  // (2sbh) and the MLP intermediate (2sbf per saved tensor: GeLU input and output → 16sbh at
  // f = 4h; a gated MLP saves gate, up, act(gate) and their product → 4 tensors).
  const qkv = 2 * sb * x.headDim * (a + 2 * x.kvHeads);
  const outProj = 2 * sb * a * x.headDim;
  const mlpIntermediate = 2 * sb * x.ffn * (x.gated ? 4 : 2);
  const inside = qkv + outProj + mlpIntermediate;
  // The s×s part (inside TP): softmax output 2as²b, its dropout mask as²b and the dropout output
  // 2as²b — removed by selective recomputation and never stored by fused attention (which keeps a
  // 4-byte log-sum-exp per row instead).
  const quadratic =
    x.recompute === 'selective' || x.flashAttention
      ? x.flashAttention
        ? 4 * sb * a
        : 0
      : (x.dropout ? 5 : 2) * a * s * sb;
  const tp = Math.max(1, t);
  const outside = x.sequenceParallel
    ? normsAndMasks / tp + (x.savesGatheredInputs ? linearInputs : linearInputs / tp)
    : normsAndMasks + linearInputs;
  const full = outside + (inside + quadratic) / tp;
  if (x.recompute === 'full') {
    // Only the layer input (2sbh, ÷ t with SP) is kept per layer (Korthikanti §4.1).
    return (e * 2 * sb * h) / (x.sequenceParallel ? tp : 1);
  }
  if (x.recompute === 'selective-op') {
    // torchtitan op-level SAC (distributed/activation_checkpoint.py _apply_op_sac at 8a2686c4):
    // every block keeps its input; the outputs of the ops in _op_sac_save_list are saved —
    // aten.mm except every second one (counted per block from 1: the 1st, 3rd, 5th … are kept),
    // the attention op (+ its fp32 log-sum-exp), reduce_scatter_tensor and all_to_all_single.
    // torch._grouped_mm (routed experts) is not in the list: it is recomputed.
    const input = (2 * sb * h) / (x.sequenceParallel ? tp : 1);
    const blocks = x.opSacBlocks ?? [llamaOpSacBlock(x)];
    let total = 0;
    let layers = 0;
    for (const block of blocks) {
      let saved = 2 * sb * a * block.attentionOutWidth + 4 * sb * a;
      block.matmuls.forEach((mm, i) => {
        // Row-parallel outputs go through a reduce-scatter under TP + SP, whatever the mm parity.
        const reduceScatter = mm.split === 'row' && tp > 1 ? (2 * sb * mm.width) / tp : 0;
        if (i % 2 === 0) {
          saved += mm.split === 'column' ? (2 * sb * mm.width) / tp : 2 * sb * mm.width;
        }
        saved += reduceScatter;
      });
      saved += 2 * sb * block.allToAllWidth;
      total += block.count * saved;
      layers += block.count;
    }
    return e * (input + total / Math.max(1, layers));
  }
  return e * full;
}

/** A Llama block under op-SAC: wq, wk, wv, wo, then w1, w3, w2 (gated) or w1, w2. */
function llamaOpSacBlock(x: ActivationShape): OpSacBlock {
  return {
    count: 1,
    matmuls: [...attentionMatmuls(x.a, x.kvHeads, x.headDim, x.h), ...mlpMatmuls(x.ffn, x.h, x.gated)],
    attentionOutWidth: x.headDim,
    allToAllWidth: 0,
  };
}

/** An MLP's matmuls in forward order: w1, w3, w2 (gated) or w1, w2. */
function mlpMatmuls(ffn: number, h: number, gated: boolean): OpSacMatmul[] {
  const up: OpSacMatmul = { width: ffn, split: 'column' };
  return [up, ...(gated ? [up] : []), { width: h, split: 'row' }];
}

function attentionMatmuls(a: number, kvHeads: number, headDim: number, h: number): OpSacMatmul[] {
  return [
    { width: a * headDim, split: 'column' },
    { width: kvHeads * headDim, split: 'column' },
    { width: kvHeads * headDim, split: 'column' },
    { width: h, split: 'row' },
  ];
}

/**
 * The blocks of a model as torchtitan's op-SAC sees them (models at 8a2686c4): MLA attention
 * (deepseek_v3/model/model.py Attention.forward: wq or wq_a→wq_b, wkv_a, wkv_b, sdpa, wo) or
 * Llama attention (wq, wk, wv, wo); a dense gated MLP (w1, w3, w2); an MoE layer (models/moe.py
 * MoE.forward: the router gate's mm, the routed experts through torch._grouped_mm, which is not
 * counted, then the shared experts' w1, w3, w2) and, with expert parallelism, the dispatch and
 * combine all_to_all_single outputs of the k routed copies of each token (expert_parallel.py).
 */
export function opSacBlocks(arch: ArchitectureSpec, layout: ResolvedLayout): OpSacBlock[] {
  const h = arch.dModel;
  const a = arch.nHeads;
  const mla = arch.mla;
  const attention: OpSacMatmul[] = mla
    ? [
        ...(mla.qLoraRank > 0
          ? [
              { width: mla.qLoraRank, split: 'replicated' as const },
              { width: a * (mla.qkNopeHeadDim + mla.qkRopeHeadDim), split: 'column' as const },
            ]
          : [{ width: a * (mla.qkNopeHeadDim + mla.qkRopeHeadDim), split: 'column' as const }]),
        { width: mla.kvLoraRank + mla.qkRopeHeadDim, split: 'replicated' },
        { width: a * (mla.qkNopeHeadDim + mla.vHeadDim), split: 'column' },
        { width: h, split: 'row' },
      ]
    : attentionMatmuls(a, arch.nKvHeads, arch.headDim, h);
  const attentionOutWidth = mla ? mla.vHeadDim : arch.headDim;
  const mlp = (f: number) => mlpMatmuls(f, h, arch.gatedMlp);
  const moe = arch.moe;
  const moeLayers = moe ? Math.min(arch.nLayers, moe.moeLayers ?? arch.nLayers) : 0;
  const blocks: OpSacBlock[] = [];
  if (arch.nLayers - moeLayers > 0) {
    blocks.push({
      count: arch.nLayers - moeLayers,
      matmuls: [...attention, ...mlp(arch.ffnSize)],
      attentionOutWidth,
      allToAllWidth: 0,
    });
  }
  if (moe && moeLayers > 0) {
    const shared = moe.sharedExpertFfnSize ? mlp(moe.sharedExpertFfnSize) : [];
    blocks.push({
      count: moeLayers,
      matmuls: [...attention, { width: moe.nExperts, split: 'replicated' }, ...shared],
      attentionOutWidth,
      allToAllWidth:
        layout.expertParallel > 1 && layout.opSacSavesAllToAll !== false ? 2 * moe.expertsPerToken * h : 0,
    });
  }
  return blocks;
}

/** The shape of the activation formula for an architecture and layout. */
export function activationShape(arch: ArchitectureSpec, layout: ResolvedLayout): ActivationShape {
  const moe = arch.moe;
  // A routed MoE layer stores each token's k expert intermediates: k × the expert width.
  const ffn = moe
    ? Math.max(arch.ffnSize, moe.expertsPerToken * moe.expertFfnSize + (moe.sharedExpertFfnSize ?? 0))
    : arch.ffnSize;
  return {
    s: layout.seqLen / Math.max(1, layout.contextParallel),
    b: layout.microBatch,
    h: arch.dModel,
    a: arch.nHeads,
    kvHeads: arch.nKvHeads,
    headDim: arch.headDim,
    ffn,
    gated: arch.gatedMlp,
    t: layout.tensorParallel,
    sequenceParallel: layout.sequenceParallel,
    recompute: layout.recompute,
    flashAttention: layout.flashAttention,
    dropout: layout.dropout,
    elementBytes: PRECISION_RECIPES[layout.precision].activationBytes,
    savesGatheredInputs: layout.tpSavesGatheredInputs,
    ...(layout.recompute === 'selective-op' ? { opSacBlocks: opSacBlocks(arch, layout) } : {}),
  };
}

/**
 * Micro-batches (in units of one micro-batch through L/p layers) the first pipeline stage holds.
 * 1F1B: min(p, m). Interleaved with v chunks: the first rank runs (v−1)·p + 2(p−1) warm-up chunk
 * forwards before its first backward (Megatron `schedules.py`
 * forward_backward_pipelining_with_interleaving, PyTorch ScheduleInterleaved1F1B
 * `get_rank_warmup_ops`), each of L/(p·v) layers: p·(1 + (p−1)/(p·v)) micro-batches' worth, the
 * penalty Korthikanti §4.2.3 and Megatron's theoretical memory state. Both schedules cap the warm-up at
 * the m·v chunk forwards that exist, so with m < that (torchtitan's default m = p) the stage holds
 * every micro-batch once: m.
 */
export function inFlightMicrobatches(layout: ResolvedLayout): number {
  const p = layout.pipelineParallel;
  if (p <= 1) return 1;
  const m = Math.max(1, layout.gradAccum);
  if (layout.virtualPipeline > 1) return Math.min(m, p * (1 + (p - 1) / (p * layout.virtualPipeline)));
  return Math.min(p, m);
}

/** Where the parameters sit: the most loaded GPU (first pipeline stage, which holds the embedding). */
export function placeParams(arch: ArchitectureSpec, layout: ResolvedLayout): ParamPlacement {
  const counts = countParams(arch);
  const b = counts.breakdown;
  const t = layout.tensorParallel;
  const p = layout.pipelineParallel;
  const moe = arch.moe;
  const moeLayers = moe ? (moe.moeLayers ?? arch.nLayers) : 0;
  const expertWidthParams = moe
    ? moe.nExperts * ((moe.expertGated ?? arch.gatedMlp) ? 3 : 2) * arch.dModel * moe.expertFfnSize
    : 0;
  const expertTotal = expertWidthParams * moeLayers;
  const layersTotal = b.layersTotal - expertTotal;
  const embedding = b.tokenEmbedding + b.positionEmbedding;
  // Pipeline: the first stage holds L/p blocks and the embedding; with p = 1 the untied head too.
  const head = p === 1 ? b.lmHead : 0;
  const denseOnGpu = (layersTotal / p + embedding + head + (p === 1 ? b.finalNorm : 0)) / t;
  // Routed experts are split over EP and, within an expert, over the expert-TP ranks.
  const expertSplit = Math.max(1, layout.expertParallel) * expertTensorParallel(layout);
  const expertOnGpu = expertTotal / p / expertSplit;
  const blockOnGpu =
    attentionParams(arch) / t + (moe ? expertWidthParams / expertSplit : mlpParams(arch, arch.ffnSize) / t);
  return { denseOnGpu, expertOnGpu, blockOnGpu, embeddingOnGpu: (embedding + head) / t };
}

/** The expert-TP size the placement uses: the layout's, or 1 without TP (nothing to split over). */
function expertTensorParallel(layout: ResolvedLayout): number {
  return layout.tensorParallel > 1 ? Math.max(1, layout.expertTensorParallel ?? 1) : 1;
}

/** Structural checks on a layout; each message names the keys. Never throws. */
export function validateLayout(
  arch: ArchitectureSpec,
  layout: ResolvedLayout,
  range?: (key: LayoutKey) => FieldSource | undefined,
): CoreDiagnostic[] {
  const out: CoreDiagnostic[] = [];
  const at = (key: LayoutKey) => {
    const source = range?.(key) ?? layout.sources[key];
    return source ? { range: source.keyRange } : {};
  };
  const name = (key: LayoutKey) => layout.sources[key]?.key ?? key;
  // Keys a file states come first; a value derived from an invalid one (DP = GPUs / (TP·PP·CP))
  // is not reported separately, so the message names the key the user wrote.
  const positive: LayoutKey[] = [
    'tensorParallel',
    'pipelineParallel',
    'contextParallel',
    'expertParallel',
    'expertTensorParallel',
    'virtualPipeline',
    'microBatch',
    'gradAccum',
    'seqLen',
    'gpus',
    'dataParallel',
  ];
  // Stated but unusable values first, quoted as written (never "got NaN").
  for (const [key, raw] of Object.entries(layout.invalid ?? {}) as [LayoutKey, string | LayoutRejection][]) {
    // A value the framework itself rejects: its own message, which replaces the generic checks.
    if (typeof raw !== 'string') {
      out.push({ severity: 'error', code: 'layout-framework', message: raw.message, ...at(key) });
      continue;
    }
    out.push({
      severity: 'error',
      code: 'layout-invalid',
      message: `${name(key)} must be a positive integer (got \`${raw.slice(0, 40)}\`); memory is not estimated.`,
      ...at(key),
    });
  }
  // Safe integers only: a 30-digit TP or micro-batch is an integer to JavaScript but no real layout.
  const valid = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
  for (const key of positive) {
    const v = layout[key] as number;
    if (valid(v) || layout.invalid?.[key] !== undefined) continue;
    // Optional: undefined means the framework does not say (handled where MoE needs it).
    if (key === 'expertTensorParallel' && v === undefined) continue;
    if (key === 'dataParallel' && !layout.sources.dataParallel && out.length) continue;
    out.push({
      severity: 'error',
      code: 'layout-invalid',
      message: `${name(key)} must be a positive integer (got ${String(v)}); memory is not estimated.`,
      ...at(key),
    });
  }
  if (out.length) return out;
  const t = layout.tensorParallel;
  if (arch.nHeads % t !== 0) {
    out.push({
      severity: 'error',
      code: 'layout-tp-heads',
      message: `${name('tensorParallel')} = ${t} does not divide the ${arch.nHeads} attention heads.`,
      ...at('tensorParallel'),
    });
  } else if (arch.nKvHeads % t !== 0 && t % arch.nKvHeads !== 0) {
    out.push({
      severity: 'error',
      code: 'layout-tp-heads',
      message: `${name('tensorParallel')} = ${t} and the ${arch.nKvHeads} KV heads: neither divides the other.`,
      ...at('tensorParallel'),
    });
  }
  if (layout.pipelineParallel > arch.nLayers) {
    out.push({
      severity: 'error',
      code: 'layout-pp-layers',
      message: `${name('pipelineParallel')} = ${layout.pipelineParallel} exceeds the ${arch.nLayers} layers.`,
      ...at('pipelineParallel'),
    });
  }
  const modelParallel = t * layout.pipelineParallel * layout.contextParallel;
  // A GPU count the file does not state is the setting's: the layout may be fine on the real count,
  // so the problem is a warning that says how to give the count.
  const assumed = layout.gpusAssumed
    ? {
        severity: 'warning' as const,
        hint: ' The GPU count is not in the file (setting): set `scalingLens.missing.gpus` or `--gpus`.',
      }
    : { severity: 'error' as const, hint: '' };
  // Degrees the file leaves at their defaults are named by their short names.
  const degree = (key: LayoutKey, short: string) =>
    `${layout.sources[key] ? name(key) : short} ${layout[key as 'tensorParallel']}`;
  const product = `${degree('tensorParallel', 'TP')} × ${degree('pipelineParallel', 'PP')} × ${degree('contextParallel', 'CP')}`;
  if (layout.gpus % modelParallel !== 0) {
    out.push({
      severity: assumed.severity,
      code: 'layout-dp-gpus',
      message: `${name('gpus')} = ${layout.gpus} is not divisible by ${product} = ${modelParallel}: the data-parallel size would not be a whole number.${assumed.hint}`,
      ...at('gpus'),
    });
  } else if (layout.dataParallel * modelParallel !== layout.gpus) {
    out.push({
      severity: assumed.severity,
      code: 'layout-dp-gpus',
      message: `${name('gpus')} = ${layout.gpus} is not ${name('dataParallel')} ${layout.dataParallel} × ${product}.${assumed.hint}`,
      ...at('gpus'),
    });
  } else if (
    layout.globalBatch !== undefined &&
    layout.globalBatch % (layout.microBatch * layout.dataParallel) !== 0
  ) {
    // The key = value form only where the key holds the global batch itself (Megatron's
    // --global-batch-size); a global batch derived from it (nanoGPT's batch_size ×
    // gradient_accumulation_steps) is named as derived, never shown as the key's value.
    const source = layout.sources.globalBatch;
    const globalBatchText =
      source && Number(source.raw.trim()) !== layout.globalBatch
        ? `the global batch of ${layout.globalBatch} sequences (from \`${source.key}\` = ${source.raw.trim()})`
        : `${name('globalBatch')} = ${layout.globalBatch}`;
    // Megatron arguments.py: "global batch size is not divisible by micro batch size times data
    // parallel size"; torchtitan asserts the same for global_batch_size.
    out.push({
      severity: assumed.severity,
      code: 'layout-batch-dp',
      message: `${globalBatchText} is not divisible by ${name('microBatch')} ${layout.microBatch} × DP ${layout.dataParallel} (${name('gpus')} ${layout.gpus} / (${product})).${assumed.hint}`,
      ...at('globalBatch'),
    });
  }
  if (arch.moe && arch.moe.nExperts % layout.expertParallel !== 0) {
    out.push({
      severity: 'error',
      code: 'layout-ep-experts',
      message: `${name('expertParallel')} = ${layout.expertParallel} does not divide the ${arch.moe.nExperts} experts.`,
      ...at('expertParallel'),
    });
  }
  if (layout.sharding !== 'none' && layout.dataParallel % layout.shardGroupSize !== 0) {
    out.push({
      severity: 'error',
      code: 'layout-dp-gpus',
      message: `${name('shardGroupSize')} = ${layout.shardGroupSize} does not divide ${name('dataParallel')} = ${layout.dataParallel}.`,
      ...at('shardGroupSize'),
    });
  }
  return out;
}

/** Estimate memory per GPU (the most loaded one); returns diagnostics instead when the layout is absurd. */
export function estimateMemory(
  arch: ArchitectureSpec,
  layout: ResolvedLayout,
  options: { capacityBytes?: number; overhead?: OverheadAllowance } = {},
): { estimate: MemoryEstimate | null; diagnostics: CoreDiagnostic[] } {
  const diagnostics = arch.encoderDecoder ? [] : validateLayout(arch, layout);
  if (arch.encoderDecoder) {
    return {
      estimate: null,
      diagnostics: [
        {
          severity: 'info',
          code: 'memory-unsupported',
          message: 'Memory is not estimated for encoder–decoder models.',
        },
      ],
    };
  }
  // Every layout problem (an error, or a warning on an assumed GPU count) means no figure.
  if (diagnostics.length) return { estimate: null, diagnostics };
  if (arch.hybrid) {
    // Mamba-2 blocks keep other activations (conv states, the SSD chunk scan) than the per-layer
    // transformer formula below, and MLP-only / attention-only blocks fewer: no figure.
    return {
      estimate: null,
      diagnostics: [
        {
          severity: 'info',
          code: 'memory-unknown',
          message: `unknown: memory per GPU — activations of a hybrid Mamba-2 stack (${arch.hybrid.blocks.mamba2} Mamba-2, ${arch.hybrid.blocks.attention} attention, ${arch.hybrid.blocks.mlp} MLP blocks) are not modelled.`,
        },
      ],
    };
  }
  if (arch.moe && layout.tensorParallel > 1 && layout.expertTensorParallel === undefined) {
    const tp = layout.sources.tensorParallel;
    return {
      estimate: null,
      diagnostics: [
        {
          severity: 'info',
          code: 'memory-unknown',
          message: `unknown: memory per GPU — with \`${tp?.key ?? 'tensor parallelism'}\` = ${layout.tensorParallel}, how this framework splits the MoE experts over the TP ranks is not modelled.`,
          ...(tp ? { range: tp.keyRange } : {}),
        },
      ],
    };
  }
  const assumptions: string[] = [];
  const recipe = PRECISION_RECIPES[layout.precision];
  const opt = OPTIMIZER_STATE_BYTES[layout.optimizer];
  const k = recipe.masterBytes + opt.bytes;
  const place = placeParams(arch, layout);
  // Under FSDP2 with context parallelism the CP ranks join the shard group (torchtitan dp_shard_cp).
  const nd =
    layout.sharding === 'none'
      ? 1
      : layout.shardGroupSize * (layout.sharding === 'zero3' ? layout.contextParallel : 1);
  const ep = Math.max(1, layout.expertParallel);
  // The ranks holding the same expert slice shard its states: nd·t/(etp·ep), Megatron-core's expert
  // data-parallel group and torchtitan's efsdp (distributed/parallel_dims.py @238fa995).
  const expertNd = Math.max(
    1,
    Math.floor((nd * layout.tensorParallel) / (expertTensorParallel(layout) * ep)),
  );
  const dense = modelStateBytes(
    place.denseOnGpu,
    { weight: recipe.weightBytes, grad: recipe.gradBytes, k },
    layout.sharding,
    nd,
  );
  // Optimizers that hand the embedding and output layer to another one (Muon → AdamW) keep that
  // one's state bytes for them.
  const embeddingExtra =
    opt.embeddingBytes === undefined
      ? 0
      : modelStateBytes(
          place.embeddingOnGpu,
          { weight: 0, grad: 0, k: opt.embeddingBytes - opt.bytes },
          layout.sharding,
          nd,
        ).optimizer;
  const expert = modelStateBytes(
    place.expertOnGpu,
    { weight: recipe.weightBytes, grad: recipe.gradBytes, k },
    layout.sharding,
    expertNd,
  );
  // FSDP's SHARD_GRAD_OP keeps the sharded storage and holds the gathered compute copies instead.
  const fsdpZero2 = layout.sharding === 'zero2' && layout.shardedParamStorage;
  if (fsdpZero2) {
    dense.weights /= nd;
    expert.weights /= expertNd;
  }
  const offload = layout.cpuOffload ? 0 : 1;
  const stageLabel =
    layout.sharding === 'none' ? 'no sharding' : `${layout.sharding.toUpperCase()} over ${nd}`;
  const psi = place.denseOnGpu + place.expertOnGpu;
  const weights: MemoryPart = {
    bytes: dense.weights + expert.weights,
    formula: `Ψ_gpu ${fmt(psi)} × ${recipe.weightBytes} B${layout.sharding === 'zero3' || fsdpZero2 ? ` ÷ ${nd}` : ''} (${recipe.id})`,
  };
  const gradients: MemoryPart = {
    bytes: dense.gradients + expert.gradients,
    formula: `Ψ_gpu × ${recipe.gradBytes} B${layout.sharding === 'zero2' || layout.sharding === 'zero3' ? ` ÷ ${nd}` : ''}`,
  };
  const optimizer: MemoryPart = {
    bytes: (dense.optimizer + expert.optimizer + embeddingExtra) * offload,
    formula: layout.cpuOffload
      ? 'offloaded to CPU'
      : `Ψ_gpu × (${recipe.masterBytes} B master + ${opt.bytes} B ${layout.optimizer})${opt.embeddingBytes !== undefined ? ` + embedding/output ${fmt(place.embeddingOnGpu)} × ${opt.embeddingBytes - opt.bytes} B more (AdamW)` : ''}${layout.sharding !== 'none' ? ` ÷ ${nd}` : ''} [${stageLabel}]`,
  };

  const shape = activationShape(arch, layout);
  const perLayer = activationBytesPerLayer(shape);
  const layersPerStage = Math.ceil(arch.nLayers / layout.pipelineParallel);
  const inFlight = inFlightMicrobatches(layout);
  let activationBytes = perLayer * layersPerStage * inFlight;
  const form = {
    full: '2sbh (layer input)',
    'selective-op': 'op-SAC saved tensors',
    selective: '34sbh form',
    // Fused attention keeps no s×s scores: the 5as/h term is replaced by the 4sba log-sum-exp.
    none: layout.flashAttention ? '34sbh form + 4sba (fused attention)' : 'sbh(34 + 5as/h) form',
  }[layout.recompute];
  let formula = `${form} ${fmt(perLayer)} B/layer × ${layersPerStage} layers × ${round(inFlight)} micro-batch${inFlight === 1 ? '' : 'es'} in flight`;
  const partial =
    layout.recompute === 'full' &&
    layout.recomputeMethod &&
    Number.isSafeInteger(layout.recomputeLayers) &&
    layout.recomputeLayers! >= 1
      ? { method: layout.recomputeMethod, n: layout.recomputeLayers! }
      : undefined;
  if (partial) {
    // Megatron's full recompute in parts (transformer_block.py _checkpointed_forward), per model
    // chunk of L/(p·v) layers: 'uniform' checkpoints the input of each group of n layers and
    // recomputes a whole group at once in backward (n layers' activations live together); 'block'
    // checkpoints the first n layers one by one and stores the others' activations whole.
    const stored = activationBytesPerLayer({ ...shape, recompute: 'none' });
    const v = Math.max(1, layout.virtualPipeline);
    const chunk = Math.max(1, Math.ceil(layersPerStage / v));
    const n = Math.min(partial.n, chunk);
    if (partial.method === 'every') {
      // torchtitan layer SAC: blocks counted from 1, each n-th one wrapped whole; the others keep
      // everything (under PP the count runs over the stage's blocks).
      const recomputed = Math.floor(layersPerStage / Math.max(1, partial.n));
      const kept = layersPerStage - recomputed;
      activationBytes = (perLayer * recomputed + stored * kept) * inFlight + (recomputed > 0 ? stored : 0);
      formula = `every ${partial.n}th block checkpointed: ${recomputed} × 2sbh ${fmt(perLayer)} B + ${kept} stored × ${fmt(stored)} B, × ${round(inFlight)} in flight + one block recomputed`;
    } else if (partial.method === 'uniform') {
      const checkpoints = Math.ceil(chunk / n) * v;
      activationBytes = perLayer * checkpoints * inFlight + stored * n;
      formula = `uniform groups of ${n}: ${checkpoints} checkpoints × 2sbh ${fmt(perLayer)} B × ${round(inFlight)} in flight + ${n} layer${n === 1 ? '' : 's'} recomputed ${fmt(stored)} B each`;
    } else {
      const recomputed = Math.min(layersPerStage, n * v);
      const kept = layersPerStage - recomputed;
      activationBytes = (perLayer * recomputed + stored * kept) * inFlight + stored;
      formula = `block of ${n}: ${recomputed} layers × 2sbh ${fmt(perLayer)} B + ${kept} layers stored × ${fmt(stored)} B, × ${round(inFlight)} in flight + one layer recomputed`;
    }
  } else if (layout.recompute === 'full' || layout.recompute === 'selective-op') {
    // Recomputing a layer in the backward pass materializes its full activations once.
    const working = activationBytesPerLayer({ ...shape, recompute: 'none' });
    activationBytes += working;
    formula += ` + one layer recomputed ${fmt(working)} B`;
  }
  // Embedding output dropout (sbh·p on the first stage, Korthikanti §4.3) and the final norm.
  const e = shape.elementBytes! / 2;
  activationBytes +=
    e * 2 * shape.s * shape.b * arch.dModel * (layout.sequenceParallel ? 1 / layout.tensorParallel : 1);
  const activations: MemoryPart = { bytes: activationBytes, formula };

  const V = arch.vocabSize;
  const lb = layout.logitsBytesPerElement;
  // The logits live on the last pipeline stage; the first stage is the most loaded one otherwise.
  const logits = layout.pipelineParallel === 1 ? (lb * shape.s * shape.b * V) / layout.tensorParallel : 0;
  let gather = 0;
  let gatherFormula = '';
  if (layout.sharding === 'zero3' && layout.pipelineParallel > 1 && layout.unshardedAcrossMicrobatches) {
    // The whole stage stays gathered (bf16), and its unsharded gradients accumulate across
    // micro-batches in the reduce dtype (fp32): PyTorch FSDP2 FSDPParam.to_accumulated_grad_if_needed
    // (torch/distributed/fsdp/_fully_shard/_fsdp_param.py) upcasts them when gradient sync is skipped.
    gather = psi * (recipe.activationBytes + recipe.gradBytes);
    gatherFormula = ` + stage kept gathered: Ψ_gpu × (${recipe.activationBytes} B params + ${recipe.gradBytes} B accumulated grads) ${fmt(gather)}`;
  } else if (fsdpZero2) {
    // Every unit's compute copy stays gathered from its forward to its backward; one block's
    // unsharded gradients exist before their reduce-scatter.
    gather = psi * recipe.activationBytes + place.blockOnGpu * recipe.gradBytes;
    gatherFormula = ` + every unit kept gathered after forward (SHARD_GRAD_OP): Ψ_gpu × ${recipe.activationBytes} B + 1 block grads × ${recipe.gradBytes} B ${fmt(gather)}`;
  } else if (layout.sharding === 'zero3') {
    gather = place.blockOnGpu * (2 * recipe.activationBytes + recipe.gradBytes);
    gatherFormula = ` + 2 gathered blocks × ${recipe.activationBytes} B + 1 block grads × ${recipe.gradBytes} B ${fmt(gather)}`;
  }
  const buffers: MemoryPart = {
    bytes: logits + gather,
    formula: `logits s·b·V × ${lb} B${layout.tensorParallel > 1 ? ' ÷ t' : ''} ${fmt(logits)}${gatherFormula}`,
  };
  if (layout.pipelineParallel > 1)
    assumptions.push(
      'pipeline: the first stage (embedding + L/p layers, p micro-batches in flight) is the most loaded; logits live on the last stage',
    );
  if (arch.moe)
    assumptions.push(
      `MoE: routed experts split over EP = ${ep} × expert TP = ${expertTensorParallel(layout)}; their states shard over DP·TP/(EP·expert TP) = ${expertNd}`,
    );

  const overheadAllowance = options.overhead ?? DEFAULT_OVERHEAD;
  const subtotal = weights.bytes + gradients.bytes + optimizer.bytes + activations.bytes + buffers.bytes;
  const overhead: MemoryPart = {
    bytes: overheadAllowance.fixedBytes + overheadAllowance.fraction * subtotal,
    formula: `${+(overheadAllowance.fixedBytes / GIB).toFixed(3)} GiB + ${+(overheadAllowance.fraction * 100).toFixed(2)}% (${overheadAllowance.source})`,
  };
  const perGpuBytes = subtotal + overhead.bytes;
  const capacityBytes = options.capacityBytes && options.capacityBytes > 0 ? options.capacityBytes : null;
  assumptions.push(`${recipe.source}`, `${opt.source}`);
  if (!Number.isFinite(perGpuBytes) || perGpuBytes < 0) {
    return {
      estimate: null,
      diagnostics: [
        {
          severity: 'warning',
          code: 'memory-unsupported',
          message: 'Memory estimate out of range; not shown.',
        },
      ],
    };
  }
  return {
    estimate: {
      perGpuBytes,
      weights,
      gradients,
      optimizer,
      activations,
      buffers,
      overhead,
      capacityBytes,
      fits: capacityBytes === null ? null : perGpuBytes <= capacityBytes,
      headroom: capacityBytes === null ? null : 1 - perGpuBytes / capacityBytes,
      assumptions,
    },
    diagnostics,
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(3) : String(x);
}
function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/**
 * Megatron-LM's own estimator, ported line for line from megatron/training/theoretical_memory_usage.py
 * at NVIDIA/Megatron-LM@d98e8a64ddf34856e74b24714e3bedb2f5a39553 (dense and MoE GPT, no MTP, no MLA,
 * no latent MoE). Arguments use Megatron's names. Returns bytes (Megatron divides by 2^20 for MB).
 */
export interface MegatronArgs {
  num_layers: number;
  hidden_size: number;
  ffn_hidden_size: number;
  num_attention_heads: number;
  kv_channels: number;
  group_query_attention: boolean;
  num_query_groups: number;
  swiglu: boolean;
  padded_vocab_size: number;
  untie_embeddings_and_output_weights: boolean;
  normalization: 'LayerNorm' | 'RMSNorm';
  num_experts: number | null;
  moe_ffn_hidden_size: number | null;
  moe_router_topk: number;
  moe_layer_freq: number;
  moe_shared_expert_intermediate_size: number | null;
  add_bias_linear: boolean;
  tensor_model_parallel_size: number;
  pipeline_model_parallel_size: number;
  virtual_pipeline_model_parallel_size: number | null;
  expert_model_parallel_size: number;
  expert_tensor_parallel_size: number;
  data_parallel_size: number;
  world_size: number;
  use_distributed_optimizer: boolean;
  seq_length: number;
  micro_batch_size: number;
  sequence_parallel: boolean;
  recompute_granularity: 'selective' | 'full' | null;
}

export function megatronTheoreticalMemory(
  args: MegatronArgs,
  numMicrobatches: number | null = null,
): { weightAndOptimizer: number; activation: number; total: number } {
  const queryProjectionSize = args.kv_channels * args.num_attention_heads;
  const ratio = queryProjectionSize / args.hidden_size;
  const groups = args.group_query_attention ? args.num_query_groups : args.num_attention_heads;
  const numExperts = args.num_experts === null ? 1 : args.num_experts;
  const gated = args.swiglu ? 3 / 2 : 1;
  const shared = args.moe_shared_expert_intermediate_size ?? 0;
  let numMoe = 0;
  let moeFfn = 0;
  if (args.num_experts !== null) {
    for (let i = 0; i < args.num_layers; i++) if (i % args.moe_layer_freq === 0) numMoe++;
    moeFfn = args.moe_ffn_hidden_size ?? 0;
  }
  const numDense = args.num_layers - numMoe;
  const normSize = args.normalization === 'RMSNorm' ? 1 : 2;
  const selfAttn =
    2 * args.hidden_size * args.hidden_size * ((1 + groups / args.num_attention_heads) * ratio);
  const embeddingSize = args.hidden_size * args.padded_vocab_size;
  const finalLayernorm = normSize * args.hidden_size;
  const denseMlp = 2 * args.hidden_size * args.ffn_hidden_size * gated;
  const sharedExpert = 2 * args.hidden_size * shared * gated;
  const routed = 2 * args.hidden_size * moeFfn * numExperts * gated;
  const layernorm = 2 * args.hidden_size * normSize;
  const router =
    args.num_experts !== null ? args.hidden_size * numExperts + (args.add_bias_linear ? numExperts : 0) : 0;
  const etp = args.expert_tensor_parallel_size;
  const emp = args.expert_model_parallel_size;
  const pp = args.pipeline_model_parallel_size;
  const tp = args.tensor_model_parallel_size;
  const expertDp = Math.floor(args.world_size / (etp * emp * pp));
  const tpSharded = (selfAttn + denseMlp) * numDense + (selfAttn + sharedExpert) * numMoe;
  const replicated = layernorm * numDense + (layernorm + router) * numMoe + finalLayernorm;
  const expertSharded = routed * numMoe;
  let tpOnShard = (tpSharded / pp + embeddingSize) / tp;
  const replicatedOnShard = replicated / pp;
  const expertOnShard = expertSharded / pp / (etp * emp);
  if (args.untie_embeddings_and_output_weights && pp === 1) tpOnShard += embeddingSize / tp;
  const bytesPerParam = (dp: number) => (!args.use_distributed_optimizer ? 18 : 6 + 12 / dp);
  const weightAndOptimizer =
    (tpOnShard + replicatedOnShard) * bytesPerParam(args.data_parallel_size) +
    expertOnShard * bytesPerParam(expertDp);

  const s = args.seq_length;
  const b = args.micro_batch_size;
  const h = args.hidden_size;
  let activation: number;
  if (args.sequence_parallel && args.recompute_granularity === 'selective') {
    activation = s * b * h * (18 + 4 * (args.ffn_hidden_size / h));
    activation *= args.num_layers;
    activation += 8 * s * b * pp;
    activation += s * b * h * pp;
    if (args.virtual_pipeline_model_parallel_size !== null) {
      activation *= 1 + (pp - 1) / (pp * args.virtual_pipeline_model_parallel_size);
    }
    if (args.virtual_pipeline_model_parallel_size === null && pp > 1 && numMicrobatches !== null) {
      activation *= Math.min(1, numMicrobatches / pp);
    }
    if (pp === 1) activation += s * b * h * 4 * (1 + args.padded_vocab_size / h);
    activation /= tp;
  } else {
    activation = s * b * h * (10 + 24 / tp) * args.num_layers;
    activation += 8 * s * b * pp;
    activation += s * b * h * pp;
    if (args.virtual_pipeline_model_parallel_size !== null) {
      activation *= 1 + (pp - 1) / (pp * args.virtual_pipeline_model_parallel_size);
    }
    if (args.virtual_pipeline_model_parallel_size === null && pp > 1 && numMicrobatches !== null) {
      activation *= Math.min(1, numMicrobatches / pp);
    }
    if (pp === 1) activation += ((s * b * args.padded_vocab_size) / tp + s * b * h) * 2;
    activation *= 1.05;
  }
  return { weightAndOptimizer, activation, total: weightAndOptimizer + activation };
}
