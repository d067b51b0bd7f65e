/**
 * Levanter data tables: the dataclass defaults of each `model.type`, and tokenizer sizes.
 */

/**
 * How a Levanter model type builds its blocks (stanford-crfm/levanter @ 9263f81e,
 * src/levanter/models/*.py):
 * - 'gpt2': Gpt2Config — LayerNorm (bias with use_bias), fused qkv + out proj (biases with
 *   use_bias), GELU MLP of mlp_scale × hidden_dim, learned positions (seq_len rows), tied head.
 * - 'llama': LlamaConfig and its subclasses — RMSNorm (weight unless use_layer_norm_weight false,
 *   bias with use_bias), SwiGLU LlamaMlp, q/k/v/o bias with use_bias; hybrid_norm adds two norms
 *   per layer, input_embedding_norm one after the embedding (LlamaDecoderLayer, LlamaEmbedding).
 * - 'gemma': GemmaConfig/Gemma2Config/Gemma3Config — GemmaRMSNorm (weight only, never bias), 2 norms
 *   per layer (Gemma) or 4 (Gemma-2/3 Gemma2DecoderLayer), tied by default; attention_config() does
 *   not pass head_dim, so the attention head width is hidden_dim / num_heads.
 */
export type LevanterFamily = 'gpt2' | 'llama' | 'gemma';

/** The fields a Levanter model config may omit, with the dataclass default per model type. */
export interface LevanterModelDefaults {
  family: LevanterFamily;
  /** The dataclass, for messages. */
  dataclass: string;
  seq_len: number;
  hidden_dim: number;
  /** Per-branch SwiGLU/GeGLU width; GPT-2 uses mlp_scale × hidden_dim instead. */
  intermediate_dim: number;
  mlp_scale: number;
  num_layers: number;
  num_heads: number;
  num_kv_heads: number;
  use_bias: boolean;
  tie_word_embeddings: boolean;
  /**
   * QK norm: 'full' over the whole q and k projections (Olmo2Attention), 'head' over head_size
   * (Qwen3, Gemma-3 via `use_qk_norm`).
   */
  qkNorm: 'none' | 'head' | 'full';
  /** Norm layers per decoder block. */
  normsPerLayer: number;
  /** The LM head is always a separate matrix (MistralLMHeadModel ignores tie_word_embeddings). */
  alwaysUntied?: boolean;
  /** Qwen2: q/k/v always carry biases, o_proj never (QwenConfig.attention_config). */
  qwenBias?: boolean;
  /** OLMo-2: attention biases follow `attention_bias`, not `use_bias` (Olmo2Attention). */
  olmoAttentionBias?: boolean;
  /**
   * `head_dim` is a field the attention honours (LlamaConfig.attention_config passes it;
   * MistralConfig/MixtralConfig/QwenConfig/GemmaConfig override attention_config without it).
   */
  headDimField?: boolean;
  /**
   * from_hf_config carries the HF head_dim (Qwen3Config.from_hf_config passes head_dim=); the other
   * converters drop it, so the Levanter heads are hidden_dim / num_heads wide.
   */
  hfHeadDim?: boolean;
  /** Mixture of experts (MixtralConfig): experts, top-k, shared experts. */
  n_routed_experts?: number;
  num_experts_per_tok?: number;
  /**
   * `hybrid_norm` is honoured: the decoder layer is LlamaDecoderLayer (llama.py: post_attn_layernorm
   * and post_mlp_layernorm), which LlamaTransformer builds for llama, mistral and qwen3.
   */
  hybridNormField?: boolean;
  /**
   * `input_embedding_norm` is honoured: the embedding is LlamaEmbedding (llama.py: a norm after the
   * token embedding), used by every LM head model here but GPT-2's and OLMo-2's.
   */
  embeddingNormField?: boolean;
  /** The QK norm is on whatever `use_qk_norm` says (Gemma3Config.attention_config: always on). */
  qkNormAlways?: boolean;
  /** HF `model_type`s whose config `use_hf_model_config` can turn into this type. */
  hfModelTypes: readonly string[];
  /** The HF checkpoint `initialize_from_hf: true` loads (hf_checkpoint_converter's default). */
  reference_checkpoint?: string;
  /** `model.reference_checkpoint` is a field the converter honours (LlamaConfig, Qwen, Olmo2, Mixtral). */
  referenceField?: boolean;
  source: string;
}

const LLAMA_DIMS = {
  seq_len: 2048,
  hidden_dim: 4096,
  intermediate_dim: 11008,
  mlp_scale: 4,
  num_layers: 32,
  num_heads: 32,
  num_kv_heads: 32,
  use_bias: false,
  tie_word_embeddings: false,
  qkNorm: 'none',
  normsPerLayer: 2,
} as const;

// gemma.py GemmaConfig: seq_len 8192, hidden 2048, intermediate 16384, 18 layers, 8 heads, 1 kv
// head, head_dim 256, tied, use_bias False. Gemma2Config/Gemma3Config only add soft-capping,
// use_qk_norm (Gemma-3 True) and sliding windows.
const GEMMA_DIMS = {
  family: 'gemma',
  seq_len: 8192,
  hidden_dim: 2048,
  intermediate_dim: 16384,
  mlp_scale: 4,
  num_layers: 18,
  num_heads: 8,
  num_kv_heads: 1,
  use_bias: false,
  tie_word_embeddings: true,
  reference_checkpoint: 'google/gemma-2b',
  // Gemma/Gemma2/Gemma3 LM head models embed with LlamaEmbedding (gemma.py).
  embeddingNormField: true,
} as const;

/** Dataclass defaults by `model.type` (the name registered with LmConfig.register_subclass). */
export const LEVANTER_MODEL_DEFAULTS: Readonly<Record<string, LevanterModelDefaults>> = {
  // gpt2.py Gpt2Config: seq_len 1024, hidden_dim 768, 12 layers, 12 heads, mlp_scale 4, use_bias True.
  gpt2: {
    family: 'gpt2',
    dataclass: 'Gpt2Config',
    seq_len: 1024,
    hidden_dim: 768,
    intermediate_dim: 3072,
    mlp_scale: 4,
    num_layers: 12,
    num_heads: 12,
    num_kv_heads: 12,
    use_bias: true,
    tie_word_embeddings: true,
    qkNorm: 'none',
    normsPerLayer: 2,
    hfModelTypes: ['gpt2'],
    reference_checkpoint: 'gpt2',
    source: 'levanter Gpt2Config',
  },
  // llama.py LlamaConfig: seq_len 2048, 4096, 11008, 32 layers, 32/32 heads, untied, no bias.
  llama: {
    family: 'llama',
    dataclass: 'LlamaConfig',
    ...LLAMA_DIMS,
    headDimField: true,
    hybridNormField: true,
    embeddingNormField: true,
    hfModelTypes: ['llama'],
    referenceField: true,
    reference_checkpoint: 'NousResearch/Llama-2-7b-hf',
    source: 'levanter LlamaConfig',
  },
  // mistral.py MistralConfig(LlamaConfig): seq_len 8192, 14336, 32/8 heads; MistralLMHeadModel
  // always builds lm_head.
  mistral: {
    family: 'llama',
    dataclass: 'MistralConfig',
    ...LLAMA_DIMS,
    seq_len: 8192,
    intermediate_dim: 14336,
    num_kv_heads: 8,
    alwaysUntied: true,
    // MistralConfig.attention_config (mistral.py) passes no head_dim: heads are hidden / num_heads.
    hybridNormField: true,
    embeddingNormField: true,
    hfModelTypes: ['mistral'],
    // MistralConfig.hf_checkpoint_converter ignores the reference_checkpoint field.
    reference_checkpoint: 'mistralai/Mistral-7B-v0.1',
    source: 'levanter MistralConfig',
  },
  // mixtral.py MixtralConfig: Mixtral-8x7B with seq_len 8192, n_routed_experts 8, top-2,
  // n_shared_experts 0; its attention_config does not pass head_dim.
  mixtral: {
    family: 'llama',
    dataclass: 'MixtralConfig',
    ...LLAMA_DIMS,
    seq_len: 8192,
    intermediate_dim: 14336,
    num_kv_heads: 8,
    n_routed_experts: 8,
    num_experts_per_tok: 2,
    embeddingNormField: true,
    hfModelTypes: ['mixtral'],
    referenceField: true,
    reference_checkpoint: 'mistralai/Mixtral-8x7B-v0.1',
    source: 'levanter MixtralConfig',
  },
  // qwen.py QwenConfig(LlamaConfig): Llama defaults; qkv biases always, no o_proj bias.
  qwen: {
    family: 'llama',
    dataclass: 'QwenConfig',
    ...LLAMA_DIMS,
    qwenBias: true,
    embeddingNormField: true,
    hfModelTypes: ['qwen2'],
    referenceField: true,
    reference_checkpoint: 'NousResearch/Llama-2-7b-hf',
    source: 'levanter QwenConfig',
  },
  // qwen.py Qwen3Config(LlamaConfig): Llama defaults; qk_norm over head_size.
  qwen3: {
    family: 'llama',
    dataclass: 'Qwen3Config',
    ...LLAMA_DIMS,
    qkNorm: 'head',
    headDimField: true,
    hfHeadDim: true,
    // Qwen3LMHeadModel builds LlamaTransformer and LlamaEmbedding (qwen.py).
    hybridNormField: true,
    embeddingNormField: true,
    hfModelTypes: ['qwen3'],
    referenceField: true,
    reference_checkpoint: 'NousResearch/Llama-2-7b-hf',
    source: 'levanter Qwen3Config',
  },
  // olmo.py Olmo2Config: seq_len 4096, 4096, 11008, 32 layers, 32/32 heads, QK-norm over the full
  // projections, attention_bias False.
  olmo2: {
    family: 'llama',
    dataclass: 'Olmo2Config',
    ...LLAMA_DIMS,
    seq_len: 4096,
    qkNorm: 'full',
    olmoAttentionBias: true,
    hfModelTypes: ['olmo2'],
    referenceField: true,
    reference_checkpoint: 'allenai/OLMo-2-1124-7B',
    source: 'levanter Olmo2Config',
  },
  gemma: {
    ...GEMMA_DIMS,
    dataclass: 'GemmaConfig',
    qkNorm: 'none',
    normsPerLayer: 2,
    hfModelTypes: ['gemma'],
    source: 'levanter GemmaConfig',
  },
  gemma2: {
    ...GEMMA_DIMS,
    dataclass: 'Gemma2Config',
    qkNorm: 'none',
    normsPerLayer: 4,
    hfModelTypes: ['gemma2'],
    reference_checkpoint: 'google/gemma-2-2b',
    source: 'levanter Gemma2Config',
  },
  gemma3: {
    ...GEMMA_DIMS,
    dataclass: 'Gemma3Config',
    qkNorm: 'head',
    qkNormAlways: true,
    normsPerLayer: 4,
    hfModelTypes: ['gemma3_text', 'gemma3'],
    reference_checkpoint: 'google/gemma-3-1b-pt',
    source: 'levanter Gemma3Config',
  },
};

/**
 * len(tokenizer) for the tokenizers Levanter configs name in `data.tokenizer` (HF hub ids). First
 * matching row wins, so specific rows come before family rows.
 */
export const LEVANTER_TOKENIZER_SIZES: readonly { pattern: RegExp; tokens: number; source: string }[] = [
  // HF gpt2 tokenizer: 50257 tokens.
  { pattern: /^(openai-community\/)?gpt2(-medium|-large|-xl)?$/i, tokens: 50257, source: 'GPT-2 BPE' },
  // allenai/OLMo-1B / OLMo-7B (gpt-neox-olmo-dolma-v1_5): len 50280 (vocab_size in their config.json).
  { pattern: /^allenai\/OLMo-(1B|7B)/i, tokens: 50280, source: 'OLMo-1 tokenizer' },
  // allenai/OLMo-2-* (dolma2 tokenizer, cl100k-based): vocab_size 100278.
  { pattern: /^allenai\/OLMo-2/i, tokens: 100278, source: 'OLMo-2 dolma2 tokenizer' },
  // Llama-3.x (tiktoken-based): 128256 tokens.
  { pattern: /(Meta-Llama-3|Llama-3\.\d)/i, tokens: 128256, source: 'Llama-3 tokenizer' },
  // Llama / Llama-2 SentencePiece: 32000 pieces (also the NousResearch mirrors).
  { pattern: /Llama-2|\/llama-7b|\/llama-13b/i, tokens: 32000, source: 'Llama-2 SentencePiece' },
  // Mistral-7B-v0.3 and Mixtral-8x22B extended the vocab to 32768.
  {
    pattern: /^mistralai\/(Mistral-7B(-Instruct)?-v0\.3|Mixtral-8x22B)/i,
    tokens: 32768,
    source: 'Mistral v3 tokenizer',
  },
  // Mistral-7B-v0.1 / Mixtral-8x7B-v0.1: 32000 pieces.
  { pattern: /^mistralai\/(Mistral|Mixtral)/i, tokens: 32000, source: 'Mistral/Mixtral v0.1 tokenizer' },
  // google/gemma-* (Gemma 1 and 2) SentencePiece: 256000 pieces (vocab_size in their config.json).
  { pattern: /^google\/gemma-(2-)?\d+b/i, tokens: 256000, source: 'Gemma tokenizer' },
  // EleutherAI/gpt-neox-20b and the Pythia suite: len 50277.
  { pattern: /^EleutherAI\/(gpt-neox-20b|pythia)/i, tokens: 50277, source: 'GPT-NeoX-20B tokenizer' },
];

/** Levanter's trainer defaults (src/levanter/trainer.py TrainerConfig @ 9263f81e). */
export const LEVANTER_TRAINER_DEFAULTS = {
  num_train_steps: 400_000,
  train_batch_size: 512,
} as const;

/** Levanter's LMDatasetConfig default tokenizer (levanter/data/text.py). */
export const LEVANTER_DEFAULT_TOKENIZER = 'gpt2';
