/**
 * Data for the MaxText reader: the base.yml defaults it falls back on when base.yml cannot be read,
 * the per-decoder-block layer conventions, and the model files it falls back on when
 * configs/models/<model_name>.yml cannot be read. Each table cites its source.
 */

/**
 * The base.yml keys the analysis uses, with their values in google/maxtext
 * MaxText/configs/base.yml (2024–2025 snapshots; unchanged across them for these keys).
 */
export const MAXTEXT_BASE_DEFAULTS: Readonly<Record<string, unknown>> = {
  model_name: 'default',
  decoder_block: 'llama2',
  global_parameter_scale: 1,
  base_emb_dim: 2048,
  base_num_query_heads: 16,
  base_num_kv_heads: 16,
  base_mlp_dim: 7168,
  base_num_decoder_layers: 16,
  head_dim: 128,
  mlp_activations: ['silu', 'linear'],
  logits_via_embedding: false,
  num_experts: 1,
  num_experts_per_tok: 1,
  vocab_size: 32000,
  trainable_position_size: -1,
  per_device_batch_size: 12.0,
  steps: 150_001,
  learning_rate_schedule_steps: -1,
  max_target_length: 2048,
  gradient_accumulation_steps: 1,
};

/** Layer conventions of a MaxText `decoder_block` (MaxText/layers/*.py). */
export interface DecoderBlockConvention {
  /** LayerNorm with bias (gpt3) vs RMSNorm with scale only (the rest). */
  normBias: boolean;
  /** Biases on every projection (gpt3 uses use_bias=True). */
  linearBias: boolean;
  normsPerLayer: number;
  qkNorm: 'none' | 'head';
}

/**
 * Known decoder blocks. Blocks missing here (deepseek's MLA, llama4's interleaved MoE) have a
 * layout the generic count does not cover; the reader says so instead of guessing.
 */
export const MAXTEXT_DECODER_BLOCKS: Readonly<Record<string, DecoderBlockConvention>> = {
  // layers/llama2.py: pre-attention and pre-MLP RMSNorm (scale), no biases.
  llama2: { normBias: false, linearBias: false, normsPerLayer: 2, qkNorm: 'none' },
  // layers/mistral.py: same layout as llama2 (MoE when num_experts > 1).
  mistral: { normBias: false, linearBias: false, normsPerLayer: 2, qkNorm: 'none' },
  mixtral: { normBias: false, linearBias: false, normsPerLayer: 2, qkNorm: 'none' },
  // layers/gemma.py: pre-attention and pre-FFW RMSNorm, no biases.
  gemma: { normBias: false, linearBias: false, normsPerLayer: 2, qkNorm: 'none' },
  // layers/gemma2.py: pre- and post-norms around attention and MLP.
  gemma2: { normBias: false, linearBias: false, normsPerLayer: 4, qkNorm: 'none' },
  // layers/gemma3.py: gemma2 layout plus per-head query/key RMSNorm.
  gemma3: { normBias: false, linearBias: false, normsPerLayer: 4, qkNorm: 'head' },
  // layers/qwen3.py: llama layout plus per-head query/key RMSNorm.
  qwen3: { normBias: false, linearBias: false, normsPerLayer: 2, qkNorm: 'head' },
  // layers/gpt3.py: LayerNorm with bias, biases on qkv/out/MLP.
  gpt3: { normBias: true, linearBias: true, normsPerLayer: 2, qkNorm: 'none' },
};

/**
 * MaxText configs/models/<name>.yml architecture keys, for when the model file is not readable
 * next to the analyzed file. Values as in google/maxtext MaxText/configs/models/.
 */
export const MAXTEXT_MODEL_FILES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'llama2-7b': {
    base_emb_dim: 4096,
    base_num_query_heads: 32,
    base_num_kv_heads: 32,
    base_mlp_dim: 11008,
    base_num_decoder_layers: 32,
    head_dim: 128,
    mlp_activations: ['silu', 'linear'],
    vocab_size: 32000,
    logits_via_embedding: false,
    decoder_block: 'llama2',
  },
  'llama2-13b': {
    base_emb_dim: 5120,
    base_num_query_heads: 40,
    base_num_kv_heads: 40,
    base_mlp_dim: 13824,
    base_num_decoder_layers: 40,
    head_dim: 128,
    mlp_activations: ['silu', 'linear'],
    vocab_size: 32000,
    logits_via_embedding: false,
    decoder_block: 'llama2',
  },
  'llama2-70b': {
    base_emb_dim: 8192,
    base_num_query_heads: 64,
    base_num_kv_heads: 8,
    base_mlp_dim: 28672,
    base_num_decoder_layers: 80,
    head_dim: 128,
    mlp_activations: ['silu', 'linear'],
    vocab_size: 32000,
    logits_via_embedding: false,
    decoder_block: 'llama2',
  },
  'llama3-8b': {
    base_emb_dim: 4096,
    base_num_query_heads: 32,
    base_num_kv_heads: 8,
    base_mlp_dim: 14336,
    base_num_decoder_layers: 32,
    head_dim: 128,
    mlp_activations: ['silu', 'linear'],
    vocab_size: 128256,
    logits_via_embedding: false,
    decoder_block: 'llama2',
  },
  'llama3-70b': {
    base_emb_dim: 8192,
    base_num_query_heads: 64,
    base_num_kv_heads: 8,
    base_mlp_dim: 28672,
    base_num_decoder_layers: 80,
    head_dim: 128,
    mlp_activations: ['silu', 'linear'],
    vocab_size: 128256,
    logits_via_embedding: false,
    decoder_block: 'llama2',
  },
  'llama3.1-405b': {
    base_emb_dim: 16384,
    base_num_query_heads: 128,
    base_num_kv_heads: 8,
    base_mlp_dim: 53248,
    base_num_decoder_layers: 126,
    head_dim: 128,
    mlp_activations: ['silu', 'linear'],
    vocab_size: 128256,
    logits_via_embedding: false,
    decoder_block: 'llama2',
  },
  'mistral-7b': {
    base_emb_dim: 4096,
    base_num_query_heads: 32,
    base_num_kv_heads: 8,
    base_mlp_dim: 14336,
    base_num_decoder_layers: 32,
    head_dim: 128,
    mlp_activations: ['silu', 'linear'],
    vocab_size: 32000,
    logits_via_embedding: false,
    decoder_block: 'mistral',
  },
  'mixtral-8x7b': {
    base_emb_dim: 4096,
    base_num_query_heads: 32,
    base_num_kv_heads: 8,
    base_mlp_dim: 14336,
    base_num_decoder_layers: 32,
    head_dim: 128,
    mlp_activations: ['silu', 'linear'],
    vocab_size: 32000,
    logits_via_embedding: false,
    num_experts: 8,
    num_experts_per_tok: 2,
    decoder_block: 'mistral',
  },
  'gemma-2b': {
    base_emb_dim: 2048,
    base_num_query_heads: 8,
    base_num_kv_heads: 1,
    base_mlp_dim: 16384,
    base_num_decoder_layers: 18,
    head_dim: 256,
    mlp_activations: ['gelu', 'linear'],
    vocab_size: 256128,
    logits_via_embedding: true,
    decoder_block: 'gemma',
  },
  'gemma-7b': {
    base_emb_dim: 3072,
    base_num_query_heads: 16,
    base_num_kv_heads: 16,
    base_mlp_dim: 24576,
    base_num_decoder_layers: 28,
    head_dim: 256,
    mlp_activations: ['gelu', 'linear'],
    vocab_size: 256128,
    logits_via_embedding: true,
    decoder_block: 'gemma',
  },
  'gpt3-175b': {
    base_emb_dim: 12288,
    base_num_query_heads: 96,
    base_num_kv_heads: 96,
    base_mlp_dim: 49152,
    base_num_decoder_layers: 96,
    head_dim: 128,
    trainable_position_size: 16384,
    mlp_activations: ['gelu'],
    vocab_size: 50304,
    logits_via_embedding: true,
    decoder_block: 'gpt3',
  },
};

/** Keys only MaxText configs use together; for recognition of YAML files. */
export const MAXTEXT_SIGNATURE_KEYS = [
  'base_emb_dim',
  'base_num_query_heads',
  'base_num_kv_heads',
  'base_mlp_dim',
  'base_num_decoder_layers',
  'logits_via_embedding',
  'decoder_block',
  'global_parameter_scale',
  'per_device_batch_size',
  'max_target_length',
  'ici_fsdp_parallelism',
  'dcn_data_parallelism',
  'mlp_activations',
];

/** Keys that only a full config (base.yml or a copy of it) has, not a model overlay. */
export const MAXTEXT_FULL_CONFIG_KEYS = [
  'steps',
  'per_device_batch_size',
  'ici_fsdp_parallelism',
  'base_output_directory',
];
