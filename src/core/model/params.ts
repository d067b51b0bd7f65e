import type { ArchitectureSpec, Mamba2Spec } from '../types';

/**
 * Exact parameter counts for an {@link ArchitectureSpec}.
 *
 * Conventions (README "Parameter counts"):
 * - `total` counts every unique tensor once, so a tied embedding/head is counted once; this equals
 *   `sum(p.numel() for p in model.parameters())` in PyTorch.
 * - `nonEmbedding` is Kaplan et al. 2020 / the Pythia suite's convention: total minus the token
 *   embedding, minus the LM head when untied, minus learned position tables.
 * - `active` (MoE) counts only the experts a token is routed to (plus router, shared experts and
 *   everything else); for dense models it equals `total`.
 */
export interface ParamCounts {
  total: number;
  nonEmbedding: number;
  active: number;
  /** Active minus embeddings, the Kaplan N of an MoE model's per-token compute. */
  activeNonEmbedding: number;
  breakdown: ParamBreakdown;
}

/** Per-component counts, for hovers and for checking against published breakdowns. */
export interface ParamBreakdown {
  attentionPerLayer: number;
  mlpPerLayer: number;
  normsPerLayer: number;
  perLayer: number;
  layersTotal: number;
  /** Multi-token-prediction modules (0 without). */
  mtp: number;
  finalNorm: number;
  tokenEmbedding: number;
  lmHead: number;
  positionEmbedding: number;
  /** Inactive expert parameters per token across all MoE layers. */
  inactiveExperts: number;
  /**
   * One Mamba-2 mixer (hybrid stacks only; there `perLayer` is not one layer's count: the blocks
   * differ, each with one norm).
   */
  mambaPerLayer?: number;
}

/**
 * Attention layers a token passes through in training: the decoder's plus one per MTP module (each
 * runs a copy of the last decoder layer over the sequence).
 */
export function attentionLayers(arch: ArchitectureSpec): number {
  return decoderAttentionLayers(arch) + (arch.mtp?.layers ?? 0);
}

/** Decoder layers with self-attention: every layer, or a hybrid stack's attention blocks only. */
export function decoderAttentionLayers(arch: ArchitectureSpec): number {
  return arch.hybrid ? arch.hybrid.blocks.attention : arch.nLayers;
}

/**
 * Parameters of one Mamba-2 mixer (see {@link Mamba2Spec}; Megatron-core MambaMixer, transformers
 * Mamba2Mixer / NemotronHMamba2Mixer): in_proj, depthwise conv1d, dt_bias, A_log, D, the gated
 * RMSNorm weight and out_proj.
 */
export function mamba2Params(dModel: number, m: Mamba2Spec): number {
  const inner = m.nHeads * m.headDim;
  const bc = 2 * m.nGroups * m.stateDim;
  const convChannels = inner + bc;
  const inProj = dModel * (2 * inner + bc + m.nHeads) + (m.projBias ? 2 * inner + bc + m.nHeads : 0);
  const conv = convChannels * m.convKernel + (m.convBias ? convChannels : 0);
  const perHead = 2 * m.nHeads + (m.dPerChannel ? inner : m.nHeads); // dt_bias, A_log, D
  const norm = inner;
  const outProj = inner * dModel + (m.projBias ? dModel : 0);
  return inProj + conv + perHead + norm + outProj;
}

/** Parameters of one MLP of the given per-branch width. */
export function mlpParams(arch: ArchitectureSpec, ffnSize: number): number {
  const d = arch.dModel;
  if (arch.gatedMlp) return 3 * d * ffnSize + (arch.mlpBias ? 2 * ffnSize + d : 0);
  return 2 * d * ffnSize + (arch.mlpBias ? ffnSize + d : 0);
}

/** Parameters of one self-attention block, including QK norms. */
export function attentionParams(arch: ArchitectureSpec): number {
  const d = arch.dModel;
  if (arch.mla) return mlaParams(arch);
  const qWidth = arch.nHeads * arch.headDim;
  const kvWidth = arch.nKvHeads * arch.headDim;
  const projections = d * qWidth + 2 * d * kvWidth + qWidth * d;
  const qkvBias = arch.qkvBias ? qWidth + 2 * kvWidth : 0;
  const outBias = arch.attnOutBias ? d : 0;
  let qkNorm = 0;
  if (arch.qkNorm === 'head') qkNorm = 2 * arch.headDim * (arch.qkNormBias ? 2 : 1);
  else if (arch.qkNorm === 'full') qkNorm = (qWidth + kvWidth) * (arch.qkNormBias ? 2 : 1);
  const sinks = arch.attentionSinks ? arch.nHeads : 0;
  return projections + qkvBias + outBias + qkNorm + sinks;
}

/** Parameters of one multi-head latent attention block (see {@link MlaSpec}); norms are RMSNorm weights. */
function mlaParams(arch: ArchitectureSpec): number {
  const mla = arch.mla!;
  const d = arch.dModel;
  const h = arch.nHeads;
  const qkHeadDim = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
  const q =
    mla.qLoraRank === 0
      ? d * h * qkHeadDim
      : d * mla.qLoraRank + mla.qLoraRank + mla.qLoraRank * h * qkHeadDim;
  const kv =
    d * (mla.kvLoraRank + mla.qkRopeHeadDim) +
    mla.kvLoraRank +
    mla.kvLoraRank * h * (mla.qkNopeHeadDim + mla.vHeadDim);
  const out = h * mla.vHeadDim * d + (arch.attnOutBias ? d : 0);
  return q + kv + out;
}

/** Parameters of one norm layer of width d. */
export function normParams(arch: ArchitectureSpec): number {
  return (arch.normWeight ? arch.dModel : 0) + (arch.normBias ? arch.dModel : 0);
}

/** Exact parameter counts of a decoder-only (or T5 encoder–decoder) transformer. */
export function countParams(arch: ArchitectureSpec): ParamCounts {
  if (arch.encoderDecoder) return countEncoderDecoderParams(arch);
  const d = arch.dModel;
  const attention = attentionParams(arch);
  const norms = arch.normsPerLayer * normParams(arch);
  const denseMlp = mlpParams(arch, arch.ffnSize);

  let layersTotal: number;
  let mlpPerLayer = denseMlp;
  let inactiveExperts = 0;
  let mambaPerLayer: number | undefined;
  if (arch.hybrid) {
    // One pre-norm and one mixer per block; readers never combine a hybrid stack with MoE or MTP.
    const { blocks, mamba } = arch.hybrid;
    mambaPerLayer = mamba2Params(d, mamba);
    const norm = normParams(arch);
    layersTotal =
      blocks.mamba2 * (norm + mambaPerLayer) +
      blocks.attention * (norm + attention) +
      blocks.mlp * (norm + denseMlp);
  } else if (arch.moe) {
    const moe = arch.moe;
    // Experts may differ from the dense MLP in gating and biases (GPT-NeoX grouped experts).
    const expertArch =
      moe.expertGated === undefined && moe.expertBias === undefined
        ? arch
        : { ...arch, gatedMlp: moe.expertGated ?? arch.gatedMlp, mlpBias: moe.expertBias ?? arch.mlpBias };
    const expert = mlpParams(expertArch, moe.expertFfnSize);
    const router = d * moe.nExperts + (moe.routerBias ? moe.nExperts : 0);
    const shared = moe.sharedExpertFfnSize ? mlpParams(arch, moe.sharedExpertFfnSize) : 0;
    const sharedGate = moe.sharedExpertGate ? d : 0;
    const outputBias = moe.outputBias ? d : 0;
    const moeMlp = moe.nExperts * expert + router + shared + sharedGate + outputBias;
    const moeLayers = moe.moeLayers ?? arch.nLayers;
    const denseLayers = arch.nLayers - moeLayers;
    mlpPerLayer = moeMlp;
    layersTotal = moeLayers * (attention + norms + moeMlp) + denseLayers * (attention + norms + denseMlp);
    inactiveExperts = moeLayers * (moe.nExperts - moe.expertsPerToken) * expert;
  } else {
    layersTotal = arch.nLayers * (attention + norms + denseMlp);
  }

  // MTP modules: norms, the 2d→d projection and a copy of the last decoder layer each.
  let mtp = 0;
  if (arch.mtp && arch.mtp.layers > 0 && !arch.hybrid) {
    const moe = arch.moe && arch.mtp.moeLayer ? arch.moe : undefined;
    const layer = attention + norms + (moe ? mlpPerLayer : denseMlp);
    mtp = arch.mtp.layers * (3 * normParams(arch) + 2 * d * d + layer);
    // An MoE copy leaves the same unrouted experts idle as each MoE decoder layer does.
    if (moe) inactiveExperts += (arch.mtp.layers * inactiveExperts) / (moe.moeLayers ?? arch.nLayers);
  }

  const tokenEmbedding = arch.vocabSize * d;
  const lmHead = arch.tiedEmbeddings ? 0 : arch.vocabSize * d + (arch.lmHeadBias ? arch.vocabSize : 0);
  const positionEmbedding = arch.learnedPositions * d;
  // BLOOM's embedding LayerNorm is a layer of the network, not an embedding table.
  const finalNorm = (arch.finalNorm ? normParams(arch) : 0) + (arch.embeddingNorm ? normParams(arch) : 0);
  const total = layersTotal + mtp + finalNorm + tokenEmbedding + lmHead + positionEmbedding;
  const embeddingLike = tokenEmbedding + lmHead + positionEmbedding;
  return {
    total,
    nonEmbedding: total - embeddingLike,
    active: total - inactiveExperts,
    activeNonEmbedding: total - inactiveExperts - embeddingLike,
    breakdown: {
      attentionPerLayer: attention,
      mlpPerLayer,
      normsPerLayer: norms,
      perLayer: attention + norms + mlpPerLayer,
      layersTotal,
      mtp,
      finalNorm,
      tokenEmbedding,
      lmHead,
      positionEmbedding,
      inactiveExperts,
      ...(mambaPerLayer !== undefined ? { mambaPerLayer } : {}),
    },
  };
}

/**
 * T5 (HF `T5ForConditionalGeneration`): encoder layers have self-attention + MLP + 2 RMS-style norms
 * (weight only); decoder layers add cross-attention and a third norm; one relative-position bias
 * table (buckets × heads) in the first layer of each stack; a final norm per stack; attention has no
 * biases and inner width heads × d_kv.
 */
function countEncoderDecoderParams(arch: ArchitectureSpec): ParamCounts {
  const ed = arch.encoderDecoder!;
  const d = arch.dModel;
  const inner = arch.nHeads * arch.headDim;
  const attention = 4 * d * inner;
  const mlp = mlpParams(arch, arch.ffnSize);
  const norm = normParams(arch);
  const encoderLayer = attention + mlp + 2 * norm;
  const decoderLayer = 2 * attention + mlp + 3 * norm;
  const relativeBias = 2 * ed.relativeAttentionBuckets * arch.nHeads;
  const layersTotal = ed.nEncoderLayers * encoderLayer + ed.nDecoderLayers * decoderLayer + relativeBias;
  const finalNorm = 2 * norm;
  const tokenEmbedding = arch.vocabSize * d;
  const lmHead = arch.tiedEmbeddings ? 0 : arch.vocabSize * d;
  const total = layersTotal + finalNorm + tokenEmbedding + lmHead;
  return {
    total,
    nonEmbedding: total - tokenEmbedding - lmHead,
    active: total,
    activeNonEmbedding: total - tokenEmbedding - lmHead,
    breakdown: {
      attentionPerLayer: attention,
      mlpPerLayer: mlp,
      normsPerLayer: 2 * norm,
      perLayer: encoderLayer,
      layersTotal,
      mtp: 0,
      finalNorm,
      tokenEmbedding,
      lmHead,
      positionEmbedding: 0,
      inactiveExperts: 0,
    },
  };
}

/** Round `value` up to a multiple of `multiple` (vocab padding, FFN rounding). */
export function roundUpToMultiple(value: number, multiple: number): number {
  if (!(multiple > 0)) return value;
  return Math.ceil(value / multiple) * multiple;
}

/**
 * A LLaMA-style architecture with the usual defaults (RMSNorm weight only, no biases, SwiGLU,
 * rotary, untied unless stated); readers and the built-in model table start from this.
 */
export function llamaArchitecture(
  dims: Pick<ArchitectureSpec, 'nLayers' | 'dModel' | 'nHeads' | 'ffnSize' | 'vocabSize'> &
    Partial<ArchitectureSpec>,
): ArchitectureSpec {
  return {
    nKvHeads: dims.nHeads,
    headDim: dims.dModel / dims.nHeads,
    gatedMlp: true,
    tiedEmbeddings: false,
    learnedPositions: 0,
    qkvBias: false,
    attnOutBias: false,
    mlpBias: false,
    normsPerLayer: 2,
    normWeight: true,
    normBias: false,
    finalNorm: true,
    qkNorm: 'none',
    ...dims,
  };
}

/**
 * A GPT-2-style architecture (LayerNorm with bias, biases everywhere, GELU MLP 4d, learned
 * positions, tied head), the default of nanoGPT, Megatron-LM and HF gpt2.
 */
export function gpt2Architecture(
  dims: Pick<ArchitectureSpec, 'nLayers' | 'dModel' | 'nHeads' | 'vocabSize' | 'learnedPositions'> &
    Partial<ArchitectureSpec>,
): ArchitectureSpec {
  return {
    nKvHeads: dims.nHeads,
    headDim: dims.dModel / dims.nHeads,
    ffnSize: 4 * dims.dModel,
    gatedMlp: false,
    tiedEmbeddings: true,
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
    normsPerLayer: 2,
    normWeight: true,
    normBias: true,
    finalNorm: true,
    qkNorm: 'none',
    ...dims,
  };
}
