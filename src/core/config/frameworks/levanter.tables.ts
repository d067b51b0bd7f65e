/**
 * Levanter data tables: the dataclass defaults of each `model.type`, and tokenizer sizes.
 */

/** The fields a Levanter model config may omit, with the dataclass default per model type. */
export interface LevanterModelDefaults {
  /** 'gpt2' = GPT-2 block (LayerNorm, GELU MLP of mlp_scale × d, learned positions, tied). */
  family: 'gpt2' | 'llama';
  seq_len: number;
  hidden_dim: number;
  /** Per-branch SwiGLU width (llama family); GPT-2 uses mlp_scale × hidden_dim instead. */
  intermediate_dim: number;
  mlp_scale: number;
  num_layers: number;
  num_heads: number;
  num_kv_heads: number;
  use_bias: boolean;
  tie_word_embeddings: boolean;
  /** QK norm over the full q and k projections (OLMo-2). */
  qkNorm: boolean;
  /** Mixture of experts (Mixtral). */
  num_local_experts?: number;
  num_experts_per_tok?: number;
  source: string;
}

/** Dataclass defaults by `model.type` (the name registered with LmConfig.register_subclass). */
export const LEVANTER_MODEL_DEFAULTS: Readonly<Record<string, LevanterModelDefaults>> = {
  // levanter/models/gpt2.py Gpt2Config: seq_len 1024, hidden_dim 768, 12 layers, 12 heads, mlp_scale 4, use_bias True.
  gpt2: {
    family: 'gpt2',
    seq_len: 1024,
    hidden_dim: 768,
    intermediate_dim: 3072,
    mlp_scale: 4,
    num_layers: 12,
    num_heads: 12,
    num_kv_heads: 12,
    use_bias: true,
    tie_word_embeddings: true,
    qkNorm: false,
    source: 'levanter Gpt2Config',
  },
  // levanter/models/llama.py LlamaConfig: seq_len 2048, 4096, 11008, 32 layers, 32/32 heads, untied, no bias.
  llama: {
    family: 'llama',
    seq_len: 2048,
    hidden_dim: 4096,
    intermediate_dim: 11008,
    mlp_scale: 4,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 32,
    use_bias: false,
    tie_word_embeddings: false,
    qkNorm: false,
    source: 'levanter LlamaConfig',
  },
  // levanter/models/mistral.py MistralConfig: seq_len 8192, 4096, 14336, 32 layers, 32/8 heads.
  mistral: {
    family: 'llama',
    seq_len: 8192,
    hidden_dim: 4096,
    intermediate_dim: 14336,
    mlp_scale: 4,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 8,
    use_bias: false,
    tie_word_embeddings: false,
    qkNorm: false,
    source: 'levanter MistralConfig',
  },
  // levanter/models/mixtral.py MixtralConfig: Mixtral-8x7B with seq_len 8192, 8 experts, top-2.
  mixtral: {
    family: 'llama',
    seq_len: 8192,
    hidden_dim: 4096,
    intermediate_dim: 14336,
    mlp_scale: 4,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 8,
    use_bias: false,
    tie_word_embeddings: false,
    qkNorm: false,
    num_local_experts: 8,
    num_experts_per_tok: 2,
    source: 'levanter MixtralConfig',
  },
  // levanter/models/olmo.py Olmo2Config: seq_len 4096, 4096, 11008, 32 layers, 32/32 heads, QK-norm.
  olmo2: {
    family: 'llama',
    seq_len: 4096,
    hidden_dim: 4096,
    intermediate_dim: 11008,
    mlp_scale: 4,
    num_layers: 32,
    num_heads: 32,
    num_kv_heads: 32,
    use_bias: false,
    tie_word_embeddings: false,
    qkNorm: true,
    source: 'levanter Olmo2Config',
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
  // EleutherAI/gpt-neox-20b and the Pythia suite: len 50277.
  { pattern: /^EleutherAI\/(gpt-neox-20b|pythia)/i, tokens: 50277, source: 'GPT-NeoX-20B tokenizer' },
];

/** Levanter's trainer defaults (levanter/trainer.py TrainerConfig). */
export const LEVANTER_TRAINER_DEFAULTS = {
  num_train_steps: 400_000,
  train_batch_size: 512,
} as const;

/** Levanter's LMDatasetConfig default tokenizer (levanter/data/text.py). */
export const LEVANTER_DEFAULT_TOKENIZER = 'gpt2';
