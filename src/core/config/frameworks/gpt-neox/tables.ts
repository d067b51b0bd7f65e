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

/**
 * The activations GPT-NeoX's TELayerNormMLP accepts (megatron/model/transformer_engine.py @ea7aefd8,
 * unchanged since 8900d05c); it raises for the others.
 */
export const TE_MLP_ACTIVATIONS: ReadonlySet<string> = new Set([
  'gelu',
  'geglu',
  'relu',
  'reglu',
  'squared_relu',
  'swiglu',
  'qgelu',
  'srelu',
]);

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
  // Only in the MoE before d11df961 (absent from neox_args.py at ea7aefd8).
  'moe_loss_coeff',
  'moe_train_capacity_factor',
  'moe_eval_capacity_factor',
  'moe_min_capacity',
  'moe_token_dropping',
];

/**
 * Every MoE key of the current dropless MoE (NeoXArgsMoE in megatron/neox_arguments/neox_args.py at
 * EleutherAI/gpt-neox@ea7aefd8f8e183256992d9fede4d7c71a46d67a5). With experts on, a written key that
 * names experts or MoE and is neither here nor in NEOX_LEGACY_MOE_KEYS is no NeoX key (NeoXArgs(**config)
 * raises on it): the file is a fork's MoE (e.g. `moe_freq`, `ep_world_size` of DeepSpeed-MoE ports).
 */
export const NEOX_MOE_KEYS: ReadonlySet<string> = new Set([
  'moe_num_experts',
  'moe_expert_interval',
  'moe_top_k',
  'moe_router_type',
  'moe_lbl_in_fp32',
  'moe_jitter_eps',
]);

/**
 * Comment phrasings that state the GPU count. The Pythia configs say "# batch size (trained on 32
 * gpus)"; GPT-NeoX-20B says "trained on 96x 40GB A100 GPUs" and "(assuming 96 GPUs)".
 */
export const NEOX_GPU_COMMENT_PATTERNS: readonly RegExp[] = [
  /trained on\s+(\d+)\s*x?\s*(?:\d+\s*GB\s+)?(?:[A-Z]\d+\w*\s+)?gpus?\b/i,
  /\b(\d+)\s*x\s*(?:\d+\s*GB\s+)?(?:A100|H100|H200|V100|A6000|A40|L40S?|MI\d+\w*|GPUs?)\b/i,
  /(?:assuming|using|on)\s+(\d+)\s+(?:[A-Z]\d+\w*\s+)?gpus?\b/i,
];

/**
 * Names that describe the model's shape (heads, widths, norms, biases, embeddings, layers). A written key
 * matching this that no GPT-NeoX version defines is a fork's own model option (`num_key_value_heads`,
 * `ffn_dim_multiplier`, `attention_head_type`, `norm_placement`, …): upstream NeoXArgs(**config) raises on
 * it, and the fork's model code may change N with it, so N is not shown. MoE keys are checked by readMoe.
 */
export const NEOX_ARCH_KEY_PATTERN =
  /(layer|hidden|head|ffn|intermediate|multiple_of|mlp|kv|key_value|vocab|embed|norm|pos_emb|tying|tied|_dim|width|glu|activation|bias|residual|attention_type|qk)/;

/**
 * Every argument matching NEOX_ARCH_KEY_PATTERN that GPT-NeoX has defined: the union of the fields of
 * megatron/neox_arguments/neox_args.py and deepspeed_args.py over all 151 commits of EleutherAI/gpt-neox
 * that touch them, from 56987c2e (2021-04-28) to ea7aefd8f8e183256992d9fede4d7c71a46d67a5.
 */
export const NEOX_ARCH_KEYS: ReadonlySet<string> = new Set([
  'activation',
  'activation_checkpointing',
  'apply_query_key_layer_scaling',
  'apply_residual_connection_post_layernorm',
  'bias_dropout_fusion',
  'bias_gelu_fusion',
  'checkpoint_activations',
  'checkpoint_num_layers',
  'deepspeed_activation_checkpointing',
  'ffn_dim',
  'geglu',
  'gmlp_attn_dim',
  'gpt_j_residual',
  'gpt_j_tied',
  'gptj_residual',
  'head_size',
  'hidden_dropout',
  'hidden_size',
  'intermediate_size',
  'layernorm_epsilon',
  'layernorm_fusion',
  'log_grad_norm',
  'log_param_norm',
  'make_vocab_size_divisible_by',
  'mamba_use_bias_in_conv',
  'mamba_use_bias_in_linears',
  'max_position_embeddings',
  'mlp_multiple_of',
  'mlp_type',
  'mup_embedding_mult',
  'mup_rp_embedding_mult',
  'mup_width_scale',
  'no_weight_tying',
  'norm',
  'num_attention_heads',
  'num_kv_heads',
  'num_layers',
  'num_unique_layers',
  'opt_pos_emb_offset',
  'output_layer_init_method',
  'output_layer_parallelism',
  'padded_vocab_size',
  'partition_activations',
  'pos_emb',
  'rms_norm_epsilon',
  'rmsnorm_fusion',
  'scalenorm_epsilon',
  'sliding_window_width',
  'synchronize_each_layer',
  'te_layernorm_mlp',
  'use_bias_in_attn_linear',
  'use_bias_in_mlp',
  'use_bias_in_norms',
  'use_flashattn_swiglu',
  'use_qk_layernorm',
  'vocab_file',
  // Not a NeoX field, but read as the tokenizer size (inventory.ts).
  'vocab_size',
]);
