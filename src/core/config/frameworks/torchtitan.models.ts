/**
 * torchtitan model registry as data. A torchtitan TOML names only `[model] name` + `flavor`; the
 * dimensions live in Python (`torchtitan/models/<name>/__init__.py`). Two registry eras matter:
 * the last TOML era (Feb 2026, `hf_assets_path`, `[training] local_batch_size`) and the legacy
 * Dec 2024 one (`tokenizer_path`, `[training] batch_size`), whose debug flavors differ.
 */

/** One flavor's model args (torchtitan `TransformerModelArgs` / `Qwen3Model.Config`). */
export interface TitanFlavor {
  dim: number;
  nLayers: number;
  nHeads: number;
  /** None in torchtitan means = nHeads. */
  nKvHeads?: number;
  /** Per-head width when independent of dim (Qwen3: 128). */
  headDim?: number;
  /** Explicit SwiGLU hidden width (Qwen3); otherwise computed by {@link titanFfnHiddenDim}. */
  hiddenDim?: number;
  multipleOf?: number;
  ffnDimMultiplier?: number;
  /** Vocab fixed by the flavor; otherwise the model's default / tokenizer. */
  vocabSize?: number;
  /** `enable_weight_tying` (Qwen3 ≤ 4B). */
  tied?: boolean;
  /** RMSNorm over head_dim on q and k (Qwen3). */
  qkNorm?: boolean;
  moe?: { nExperts: number; topK: number; hiddenDim: number };
}

/** One model name's flavors and defaults. */
export interface TitanModel {
  /** Vocab when the flavor does not fix it (legacy: the tokenizer's n_words). */
  defaultVocab: number;
  defaultMultipleOf: number;
  flavors: Readonly<Record<string, TitanFlavor>>;
  source: string;
}

/** Registry era of a TOML file. */
export type TitanEra = '2026-02' | '2024-12';

const LLAMA3_LARGE: Record<string, TitanFlavor> = {
  '8B': { dim: 4096, nLayers: 32, nHeads: 32, nKvHeads: 8, ffnDimMultiplier: 1.3, multipleOf: 1024 },
  '70B': { dim: 8192, nLayers: 80, nHeads: 64, nKvHeads: 8, ffnDimMultiplier: 1.3, multipleOf: 4096 },
  '405B': { dim: 16384, nLayers: 126, nHeads: 128, nKvHeads: 8, ffnDimMultiplier: 1.2, multipleOf: 4096 },
};

const QWEN3: Record<string, TitanFlavor> = {
  // torchtitan/models/qwen3/__init__.py: head_dim 128 for every flavor, QK norm, ≤4B tied.
  debugmodel: {
    dim: 256,
    nLayers: 8,
    nHeads: 16,
    nKvHeads: 8,
    headDim: 128,
    hiddenDim: 3072,
    vocabSize: 2048,
    tied: true,
    qkNorm: true,
  },
  '0.6B': {
    dim: 1024,
    nLayers: 28,
    nHeads: 16,
    nKvHeads: 8,
    headDim: 128,
    hiddenDim: 3072,
    tied: true,
    qkNorm: true,
  },
  '1.7B': {
    dim: 2048,
    nLayers: 28,
    nHeads: 16,
    nKvHeads: 8,
    headDim: 128,
    hiddenDim: 6144,
    tied: true,
    qkNorm: true,
  },
  '4B': {
    dim: 2560,
    nLayers: 36,
    nHeads: 32,
    nKvHeads: 8,
    headDim: 128,
    hiddenDim: 9728,
    tied: true,
    qkNorm: true,
  },
  '8B': { dim: 4096, nLayers: 36, nHeads: 32, nKvHeads: 8, headDim: 128, hiddenDim: 12288, qkNorm: true },
  '14B': { dim: 5120, nLayers: 40, nHeads: 40, nKvHeads: 8, headDim: 128, hiddenDim: 17408, qkNorm: true },
  '32B': { dim: 5120, nLayers: 64, nHeads: 64, nKvHeads: 8, headDim: 128, hiddenDim: 25600, qkNorm: true },
  debugmodel_moe: {
    dim: 256,
    nLayers: 8,
    nHeads: 16,
    nKvHeads: 8,
    headDim: 128,
    hiddenDim: 768,
    vocabSize: 2048,
    qkNorm: true,
    moe: { nExperts: 64, topK: 8, hiddenDim: 768 },
  },
  '30B-A3B': {
    dim: 2048,
    nLayers: 48,
    nHeads: 32,
    nKvHeads: 4,
    headDim: 128,
    hiddenDim: 768,
    qkNorm: true,
    moe: { nExperts: 128, topK: 8, hiddenDim: 768 },
  },
  '235B-A22B': {
    dim: 4096,
    nLayers: 94,
    nHeads: 64,
    nKvHeads: 4,
    headDim: 128,
    hiddenDim: 1536,
    qkNorm: true,
    moe: { nExperts: 128, topK: 8, hiddenDim: 1536 },
  },
};

/** Registry by era, then `[model] name`. */
export const TITAN_REGISTRY: Readonly<Record<TitanEra, Readonly<Record<string, TitanModel>>>> = {
  '2026-02': {
    llama3: {
      defaultVocab: 128256,
      defaultMultipleOf: 256,
      flavors: {
        // debugmodel: dim 256, 6 layers, 16 heads, vocab 2048 (tests/assets tokenizer).
        debugmodel: { dim: 256, nLayers: 6, nHeads: 16, vocabSize: 2048 },
        ...LLAMA3_LARGE,
      },
      source: 'pytorch/torchtitan torchtitan/models/llama3/__init__.py (llama3_configs), Feb 2026',
    },
    qwen3: {
      defaultVocab: 151936,
      defaultMultipleOf: 256,
      flavors: QWEN3,
      source: 'pytorch/torchtitan torchtitan/models/qwen3/__init__.py (qwen3_configs), Feb 2026',
    },
  },
  '2024-12': {
    llama2: {
      // Llama-2 sentencepiece tokenizer: n_words 32000.
      defaultVocab: 32000,
      defaultMultipleOf: 256,
      flavors: {
        debugmodel: { dim: 256, nLayers: 8, nHeads: 16 },
        '271M': { dim: 1024, nLayers: 16, nHeads: 8 },
        '1B': { dim: 2048, nLayers: 18, nHeads: 16 },
        '7B': { dim: 4096, nLayers: 32, nHeads: 32 },
        '13B': { dim: 5120, nLayers: 40, nHeads: 40 },
        '26B': { dim: 5120, nLayers: 80, nHeads: 40 },
        '70B': { dim: 8192, nLayers: 80, nHeads: 64, nKvHeads: 8, ffnDimMultiplier: 1.3, multipleOf: 4096 },
      },
      source: 'pytorch/torchtitan torchtitan/models/llama/__init__.py (llama2_configs), Dec 2024',
    },
    llama3: {
      // Llama-3 tiktoken tokenizer: 128000 BPE + 256 special = 128256 n_words.
      defaultVocab: 128256,
      defaultMultipleOf: 256,
      flavors: {
        debugmodel: { dim: 256, nLayers: 8, nHeads: 16 },
        ...LLAMA3_LARGE,
      },
      source: 'pytorch/torchtitan torchtitan/models/llama/__init__.py (llama3_configs), Dec 2024',
    },
  },
};

/** Flavor suffixes that select an attention backend only (same parameters as the base flavor). */
export const TITAN_BACKEND_SUFFIXES: readonly RegExp[] = [
  /_flex(_attn)?$/,
  /_varlen(_attn)?$/,
  /_fused_qkv$/,
];

/**
 * torchtitan's SwiGLU width rule (`FeedForward.__init__` / `compute_ffn_hidden_dim`):
 * hidden = int(2·4·dim/3); hidden = int(multiplier·hidden) if set; round up to multiple_of.
 */
export function titanFfnHiddenDim(dim: number, multipleOf: number, ffnDimMultiplier?: number): number {
  let hidden = Math.trunc((2 * 4 * dim) / 3);
  if (ffnDimMultiplier !== undefined) hidden = Math.trunc(ffnDimMultiplier * hidden);
  return multipleOf * Math.ceil(hidden / multipleOf);
}

/** Legacy `[model] norm_type` values that change parameter counts (torchtitan build_norm). */
export const TITAN_NORM_TYPES: Readonly<Record<string, { weight: boolean }>> = {
  rmsnorm: { weight: true },
  fused_rmsnorm: { weight: true },
  layernorm: { weight: true }, // nn.LayerNorm(dim, bias=False)
  np_layernorm: { weight: false }, // elementwise_affine=False
};
