/**
 * Hugging Face transformers model families the `config.json` reader understands, as data: the
 * keys each family uses, the defaults of its `PretrainedConfig` subclass (applied when a key is
 * absent, exactly as `from_pretrained` does) and the structural switches the modeling code fixes
 * (biases, norms, gating) that the config does not state.
 */

/** How a family lays out its blocks. */
export type HfLayout = 'decoder' | 't5';

/** How a family's MoE keys are spelled. */
export type HfMoeStyle = 'mixtral' | 'qwen-moe';

/** One transformers model family (keyed by `model_type`). */
export interface HfFamily {
  layout: HfLayout;
  /** Key aliases, first present wins. */
  keys: {
    nLayers: readonly string[];
    dModel: readonly string[];
    nHeads: readonly string[];
    nKvHeads?: readonly string[];
    ffnSize: readonly string[];
    headDim?: readonly string[];
    maxPositions: readonly string[];
  };
  /** Config-class defaults for absent keys (by canonical key name used in `keys`). */
  defaults: Readonly<Record<string, number | boolean | string | null>>;
  /** `tie_word_embeddings` when absent. */
  tiedDefault: boolean;
  gatedMlp: boolean;
  /** LayerNorm (weight + bias) or RMSNorm (weight only). */
  norm: 'layernorm' | 'rmsnorm';
  /** Norm layers per block. */
  normsPerLayer: number;
  /** q/k/v bias: fixed by the architecture, or read from a config key (with the default above). */
  qkvBias: boolean | { key: string };
  attnOutBias: boolean | { key: string };
  mlpBias: boolean | { key: string };
  lmHeadBias?: boolean;
  /** QK norm: fixed, or enabled by a boolean key. */
  qkNorm: 'none' | 'head' | { key: string; kind: 'head'; bias: boolean };
  /** Learned absolute positions with as many rows as the maxPositions key. */
  learnedPositions?: boolean;
  /** When the FFN key is null/absent, FFN = this × d (GPT-2 `n_inner: null` → 4d). */
  ffnMultipleOfD?: number;
  moe?: HfMoeStyle;
  /** Citation for the switches above. */
  source: string;
}

const LLAMA_KEYS = {
  nLayers: ['num_hidden_layers'],
  dModel: ['hidden_size'],
  nHeads: ['num_attention_heads'],
  nKvHeads: ['num_key_value_heads'],
  ffnSize: ['intermediate_size'],
  headDim: ['head_dim'],
  maxPositions: ['max_position_embeddings'],
} as const;

const LLAMA_LIKE = {
  layout: 'decoder',
  keys: LLAMA_KEYS,
  tiedDefault: false,
  gatedMlp: true,
  norm: 'rmsnorm',
  normsPerLayer: 2,
  qkvBias: false,
  attnOutBias: false,
  mlpBias: false,
  qkNorm: 'none',
} as const;

/** Families by `model_type`. */
export const HF_FAMILIES: Readonly<Record<string, HfFamily>> = {
  gpt2: {
    layout: 'decoder',
    keys: {
      nLayers: ['n_layer'],
      dModel: ['n_embd'],
      nHeads: ['n_head'],
      ffnSize: ['n_inner'],
      maxPositions: ['n_positions'],
    },
    defaults: { n_layer: 12, n_embd: 768, n_head: 12, n_inner: null, n_positions: 1024, vocab_size: 50257 },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'layernorm',
    normsPerLayer: 2,
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
    qkNorm: 'none',
    learnedPositions: true,
    ffnMultipleOfD: 4,
    source: 'transformers GPT2Config / modeling_gpt2.py (Conv1D with bias, LayerNorm, wpe)',
  },
  gpt_neox: {
    layout: 'decoder',
    keys: { ...LLAMA_KEYS, nKvHeads: [], headDim: [] },
    defaults: {
      num_hidden_layers: 44,
      hidden_size: 6144,
      num_attention_heads: 64,
      intermediate_size: 24576,
      max_position_embeddings: 2048,
      vocab_size: 50432,
      attention_bias: true,
    },
    tiedDefault: false,
    gatedMlp: false,
    norm: 'layernorm',
    normsPerLayer: 2,
    qkvBias: { key: 'attention_bias' },
    attnOutBias: { key: 'attention_bias' },
    mlpBias: true,
    qkNorm: 'none',
    source: 'transformers GPTNeoXConfig / modeling_gpt_neox.py (fused qkv with bias, two LayerNorms)',
  },
  llama: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      intermediate_size: 11008,
      max_position_embeddings: 2048,
      vocab_size: 32000,
      attention_bias: false,
      mlp_bias: false,
    },
    qkvBias: { key: 'attention_bias' },
    attnOutBias: { key: 'attention_bias' },
    mlpBias: { key: 'mlp_bias' },
    source: 'transformers LlamaConfig / modeling_llama.py',
  },
  mistral: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 14336,
      max_position_embeddings: 131072,
      vocab_size: 32000,
    },
    source: 'transformers MistralConfig / modeling_mistral.py',
  },
  mixtral: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 14336,
      max_position_embeddings: 131072,
      vocab_size: 32000,
      num_local_experts: 8,
      num_experts_per_tok: 2,
    },
    moe: 'mixtral',
    source: 'transformers MixtralConfig / modeling_mixtral.py (router d×E without bias)',
  },
  qwen2: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      intermediate_size: 22016,
      max_position_embeddings: 32768,
      vocab_size: 151936,
    },
    // Qwen2Attention: q/k/v_proj bias=True, o_proj bias=False; not a config key.
    qkvBias: true,
    source: 'transformers Qwen2Config / modeling_qwen2.py (qkv bias fixed)',
  },
  qwen2_moe: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 24,
      hidden_size: 2048,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      intermediate_size: 5632,
      max_position_embeddings: 32768,
      vocab_size: 151936,
      num_experts: 60,
      num_experts_per_tok: 4,
      moe_intermediate_size: 1408,
      shared_expert_intermediate_size: 5632,
      decoder_sparse_step: 1,
    },
    qkvBias: true,
    moe: 'qwen-moe',
    source: 'transformers Qwen2MoeConfig / modeling_qwen2_moe.py (shared expert + sigmoid gate d→1)',
  },
  qwen3: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      head_dim: 128,
      intermediate_size: 22016,
      max_position_embeddings: 32768,
      vocab_size: 151936,
      attention_bias: false,
    },
    qkvBias: { key: 'attention_bias' },
    attnOutBias: { key: 'attention_bias' },
    // Qwen3Attention: q_norm/k_norm = RMSNorm(head_dim), weight only.
    qkNorm: 'head',
    source: 'transformers Qwen3Config / modeling_qwen3.py (QK RMSNorm over head_dim)',
  },
  qwen3_moe: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 24,
      hidden_size: 2048,
      num_attention_heads: 32,
      num_key_value_heads: 4,
      head_dim: 128,
      intermediate_size: 6144,
      max_position_embeddings: 32768,
      vocab_size: 151936,
      attention_bias: false,
      num_experts: 128,
      num_experts_per_tok: 8,
      moe_intermediate_size: 768,
      decoder_sparse_step: 1,
    },
    qkvBias: { key: 'attention_bias' },
    attnOutBias: { key: 'attention_bias' },
    qkNorm: 'head',
    moe: 'qwen-moe',
    source: 'transformers Qwen3MoeConfig / modeling_qwen3_moe.py (no shared expert)',
  },
  phi: {
    layout: 'decoder',
    keys: LLAMA_KEYS,
    defaults: {
      num_hidden_layers: 24,
      hidden_size: 2048,
      num_attention_heads: 32,
      intermediate_size: 8192,
      max_position_embeddings: 2048,
      vocab_size: 51200,
      qk_layernorm: false,
    },
    tiedDefault: false,
    gatedMlp: false,
    norm: 'layernorm',
    // PhiDecoderLayer: one input_layernorm feeds attention and MLP in parallel.
    normsPerLayer: 1,
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
    lmHeadBias: true,
    qkNorm: { key: 'qk_layernorm', kind: 'head', bias: true },
    source: 'transformers PhiConfig / modeling_phi.py (parallel block, lm_head bias)',
  },
  gemma: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 28,
      hidden_size: 3072,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      head_dim: 256,
      intermediate_size: 24576,
      max_position_embeddings: 8192,
      vocab_size: 256000,
      attention_bias: false,
    },
    tiedDefault: true,
    qkvBias: { key: 'attention_bias' },
    attnOutBias: { key: 'attention_bias' },
    source: 'transformers GemmaConfig / modeling_gemma.py (GeGLU, tied)',
  },
  gemma2: {
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 26,
      hidden_size: 2304,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      head_dim: 256,
      intermediate_size: 9216,
      max_position_embeddings: 8192,
      vocab_size: 256000,
      attention_bias: false,
    },
    tiedDefault: true,
    // Gemma2DecoderLayer: input, post_attention, pre_feedforward and post_feedforward norms.
    normsPerLayer: 4,
    qkvBias: { key: 'attention_bias' },
    attnOutBias: { key: 'attention_bias' },
    source: 'transformers Gemma2Config / modeling_gemma2.py (4 norms per layer, tied)',
  },
  t5: {
    layout: 't5',
    keys: {
      nLayers: ['num_layers'],
      dModel: ['d_model'],
      nHeads: ['num_heads'],
      ffnSize: ['d_ff'],
      headDim: ['d_kv'],
      maxPositions: ['n_positions'],
    },
    defaults: {
      num_layers: 6,
      d_model: 512,
      num_heads: 8,
      d_ff: 2048,
      d_kv: 64,
      n_positions: 512,
      vocab_size: 32128,
      relative_attention_num_buckets: 32,
      feed_forward_proj: 'relu',
    },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'rmsnorm',
    normsPerLayer: 2,
    qkvBias: false,
    attnOutBias: false,
    mlpBias: false,
    qkNorm: 'none',
    source: 'transformers T5Config / modeling_t5.py (shared embedding, relative bias in layer 0)',
  },
};
