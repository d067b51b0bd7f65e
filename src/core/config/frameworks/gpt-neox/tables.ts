/**
 * GPT-NeoX data tables: tokenizer sizes, norm and activation conventions, GPU-count comment
 * patterns. Each row cites where the number comes from.
 */

/** Tokenizer size by vocab file name (checked first: the file pins the tokenizer exactly). */
export const NEOX_VOCAB_FILE_SIZES: readonly { pattern: RegExp; tokens: number; source: string }[] = [
  // EleutherAI 20B tokenizer (Pythia, GPT-NeoX-20B): len(tokenizer) = 50277 (Pythia model card).
  { pattern: /20B_tokenizer\.json$/i, tokens: 50277, source: 'GPT-NeoX-20B tokenizer (20B_tokenizer.json)' },
  // OpenAI GPT-2 BPE (configs/local_setup.yml: data/gpt2-vocab.json): 50257 tokens.
  { pattern: /gpt2-vocab\.json$/i, tokens: 50257, source: 'GPT-2 BPE (gpt2-vocab.json)' },
  // Llama / Llama-2 SentencePiece model (NeoX configs/llama README): 32000 pieces.
  { pattern: /tokenizer\.model$/i, tokens: 32000, source: 'Llama SentencePiece (tokenizer.model)' },
];

/** Tokenizer size by `tokenizer_type` when the vocab file does not identify it. */
export const NEOX_TOKENIZER_TYPE_SIZES: Readonly<Record<string, { tokens: number; source: string }>> = {
  // megatron/tokenizer/tokenizer.py: GPT2BPETokenizer with gpt2-vocab.json (NeoX's default tokenizer_type).
  GPT2BPETokenizer: { tokens: 50257, source: 'GPT-2 BPE (GPT2BPETokenizer)' },
  HFGPT2Tokenizer: { tokens: 50257, source: 'GPT-2 BPE (HFGPT2Tokenizer)' },
  // HFTokenizer is used with 20B_tokenizer.json in every EleutherAI config (Pythia, 20B).
  HFTokenizer: { tokens: 50277, source: 'GPT-NeoX-20B tokenizer (HFTokenizer, assumed 20B_tokenizer.json)' },
  // SPMTokenizer is used for the Llama ports with Llama's tokenizer.model.
  SPMTokenizer: { tokens: 32000, source: 'Llama SentencePiece (SPMTokenizer)' },
  // CharLevelTokenizer: byte-level, 512 ids (megatron/tokenizer/tokenizer.py).
  CharLevelTokenizer: { tokens: 512, source: 'character-level tokenizer (512 ids)' },
};

/**
 * Norm layer parameters per `norm` value (megatron/model/norms.py get_norm at ea7aefd: torch
 * LayerNorm w+b, RMSNorm scale only, NonParametricLayernorm none).
 */
export const NEOX_NORMS: Readonly<Record<string, { weight: boolean; bias: boolean }>> = {
  layernorm: { weight: true, bias: true },
  te_layernorm: { weight: true, bias: true },
  rmsnorm: { weight: true, bias: false },
  te_rmsnorm: { weight: true, bias: false },
  non_parametric_layernorm: { weight: false, bias: false },
  // ScaleNorm holds one scalar gain per norm, which the parameter math cannot express: the
  // inventory lists `norm: scalenorm` as not modelled, so no count is shown.
  scalenorm: { weight: false, bias: false },
};

/** Every `activation` NeoX accepts (megatron/neox_arguments/neox_args.py, megatron/model/activations.py). */
export const NEOX_ACTIVATIONS: ReadonlySet<string> = new Set([
  'gelu',
  'geglu',
  'relu',
  'softsign',
  'swish',
  'mish',
  'silu',
  'reglu',
  'swiglu',
  'bilinear',
  'glu',
]);

/** Every `pos_emb` NeoX accepts (megatron/neox_arguments/neox_args.py); only `learned` adds parameters. */
export const NEOX_POS_EMBS: ReadonlySet<string> = new Set([
  'learned',
  'rotary',
  'sinusoidal',
  'rpe',
  'alibi',
  'none',
]);

/** Activations NeoX implements as gated (two input branches): megatron/model/transformer.py ParallelMLP. */
export const NEOX_GATED_ACTIVATIONS: ReadonlySet<string> = new Set([
  'swiglu',
  'geglu',
  'reglu',
  'bilinear',
  'glu',
]);

/**
 * `attention_config` layer types that keep the standard attention projections (neox_args.py
 * attention_config; megatron/model/gpt2_model.py builds gmlp/amlp, rwkv and mamba layers instead).
 */
export const NEOX_ATTENTION_TYPES: ReadonlySet<string> = new Set([
  'global',
  'local',
  'flash',
  'sparse_fixed',
  'sparse_variable',
  'bigbird',
  'bslongformer',
]);

/**
 * Keys of GPT-NeoX's MoE before d11df961 (May 2025; neox_args.py at d11df961^): DeepSpeed or
 * megablocks MoE with residual experts and `expert_interval` defaulting to 2.
 */
export const NEOX_LEGACY_MOE_KEYS: readonly string[] = [
  'moe_type',
  'expert_interval',
  'moe_use_residual',
  'moe_glu',
  'moe_expert_parallel_size',
  'enable_expert_tensor_parallelism',
  'use_tutel',
];

/**
 * Comment phrasings that state the GPU count. The Pythia configs say "# batch size (trained on 32
 * gpus)"; GPT-NeoX-20B says "trained on 96x 40GB A100 GPUs" and "(assuming 96 GPUs)".
 */
export const NEOX_GPU_COMMENT_PATTERNS: readonly RegExp[] = [
  /trained on\s+(\d+)\s*x?\s*(?:\d+\s*GB\s+)?(?:[A-Z]\d+\w*\s+)?gpus?\b/i,
  /\b(\d+)\s*x\s*(?:\d+\s*GB\s+)?(?:A100|H100|H200|V100|A6000|A40|L40S?|MI\d+\w*|GPUs?)\b/i,
  /(?:assuming|using|on)\s+(\d+)\s+(?:[A-Z]\d+\w*\s+)?gpus?\b/i,
];
