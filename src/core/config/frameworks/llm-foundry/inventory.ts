import type { ArchitectureSpec } from '../../../types';
import type { FrameworkInventory, InventoryEntry } from '../../inventory';

/**
 * Every llm-foundry (Composer) config key that can change N or D, as dotted paths from the
 * training config's root (`parameters:` in mcli files), read from mosaicml/llm-foundry at 8c8dd48
 * (llmfoundry/models/mpt/configuration_mpt.py, models/utils/config_defaults.py, models/layers/
 * ffn.py, attention.py, blocks.py, dmoe.py, models/mpt/modeling_mpt.py, models/hf/hf_causal_lm.py,
 * hf_base.py, models/utils/config_moe_args.py) and databricks/megablocks at 78eea65
 * (megablocks/layers/arguments.py, moe.py, dmoe.py, mlp.py, glu.py). Keys that only touch
 * logging, kernels, init or optimization are left out: they cannot change N or D.
 */
const FOUNDRY = 'mosaicml/llm-foundry';
const FOUNDRY_COMMIT = '8c8dd48f72168c5d51e2f7b151595892a8fba43d';
const MEGABLOCKS = 'databricks/megablocks';
const MEGABLOCKS_COMMIT = '78eea65fda01e638af36ae38853bc51efb04a4b4';

/**
 * `config_overrides` keys by HF model_type and the architecture field they set (the HF config
 * attribute names of transformers' GPT2Config, LlamaConfig, MistralConfig, OPTConfig and llm-foundry's MPTConfig). Position
 * keys resize the learned table only for models that have one; any other override key makes N
 * unknown.
 */
export const HF_OVERRIDE_KEYS: Readonly<
  Record<string, Readonly<Record<string, keyof ArchitectureSpec | 'harmless'>>>
> = {
  gpt2: {
    n_positions: 'learnedPositions',
    // GPT2Config.attribute_map: max_position_embeddings → n_positions.
    max_position_embeddings: 'learnedPositions',
    n_layer: 'nLayers',
    n_embd: 'dModel',
    n_head: 'nHeads',
    n_inner: 'ffnSize',
    vocab_size: 'vocabSize',
    tie_word_embeddings: 'tiedEmbeddings',
  },
  llama: {
    num_hidden_layers: 'nLayers',
    hidden_size: 'dModel',
    num_attention_heads: 'nHeads',
    num_key_value_heads: 'nKvHeads',
    intermediate_size: 'ffnSize',
    vocab_size: 'vocabSize',
    tie_word_embeddings: 'tiedEmbeddings',
    // Rotary: the context length has no parameters.
    max_position_embeddings: 'harmless',
  },
  mistral: {
    num_hidden_layers: 'nLayers',
    hidden_size: 'dModel',
    num_attention_heads: 'nHeads',
    num_key_value_heads: 'nKvHeads',
    intermediate_size: 'ffnSize',
    vocab_size: 'vocabSize',
    tie_word_embeddings: 'tiedEmbeddings',
    max_position_embeddings: 'harmless',
  },
  // MPTConfig (configuration_mpt.py): max_seq_len sizes the learned table when there is one.
  mpt: {
    max_seq_len: 'learnedPositions',
    n_layers: 'nLayers',
    vocab_size: 'vocabSize',
  },
  opt: {
    num_hidden_layers: 'nLayers',
    num_attention_heads: 'nHeads',
    ffn_dim: 'ffnSize',
    vocab_size: 'vocabSize',
    tie_word_embeddings: 'tiedEmbeddings',
  },
};

/**
 * `config_overrides` keys that cannot change the parameter count (dropout, init, attention kernels,
 * rope scaling), by HF config attribute name.
 */
export const HF_HARMLESS_OVERRIDES: ReadonlySet<string> = new Set([
  'attn_pdrop',
  'resid_pdrop',
  'embd_pdrop',
  'attention_dropout',
  'hidden_dropout',
  'dropout',
  'activation_dropout',
  'initializer_range',
  'use_cache',
  'rope_theta',
  'rope_scaling',
  'rms_norm_eps',
  'layer_norm_epsilon',
  'layer_norm_eps',
  'attn_implementation',
  '_attn_implementation',
  'torch_dtype',
  'sliding_window',
  'use_sliding_window',
  'pad_token_id',
  'bos_token_id',
  'eos_token_id',
]);

const modelled = (key: string, affects: InventoryEntry['affects'] = 'N', why?: string): InventoryEntry => ({
  key,
  affects,
  status: 'modelled',
  ...(why ? { why } : {}),
});
const irrelevant = (key: string, why: string): InventoryEntry => ({
  key,
  affects: 'N',
  status: 'irrelevant',
  why,
});

const entries: InventoryEntry[] = [
  // --- model class and MPTConfig (configuration_mpt.py) ---
  {
    key: 'model.name',
    affects: 'N',
    status: 'modelled',
    modelledValues: ['mpt_causal_lm', 'hf_causal_lm'],
    why: 'only the MPT and HF causal LM classes are counted',
  },
  modelled('model.d_model'),
  modelled('model.n_heads'),
  modelled('model.n_layers'),
  modelled('model.head_dim'),
  modelled('model.expansion_ratio'),
  modelled('model.max_seq_len', 'N,D'),
  modelled('model.vocab_size'),
  modelled('model.learned_pos_emb'),
  modelled('model.no_bias'),
  modelled('model.attention_bias'),
  modelled('model.norm_type'),
  modelled('model.tie_word_embeddings'),
  {
    key: 'model.block_overrides',
    affects: 'N',
    status: 'not-modelled',
    default: null,
    example: '<collection>',
    why: 'per-layer overrides; reuse_kv_layer_idx layers drop their k/v projections',
  },
  irrelevant(
    'model.fc_type',
    'torch and TransformerEngine linears have the same parameters (te with no_bias and attention_bias is unknown in the reader)',
  ),
  irrelevant('model.norm_eps', 'a constant'),
  irrelevant('model.logit_scale', 'a constant'),
  irrelevant('model.final_logit_softcapping', 'a constant'),
  irrelevant('model.embedding_fraction', 'scales embedding gradients'),
  irrelevant('model.use_pad_tok_in_ffn', 'skips pad tokens in the FFN'),
  irrelevant('model.init_config', 'initialization'),
  irrelevant('model.init_device', 'where parameters are created'),
  // --- attn_config (config_defaults.py attn_config_defaults, attention.py) ---
  {
    key: 'model.attn_config.attn_type',
    affects: 'N',
    status: 'modelled',
    modelledValues: ['multihead_attention', 'multiquery_attention', 'grouped_query_attention'],
  },
  modelled('model.attn_config.kv_n_heads'),
  modelled('model.attn_config.qk_ln'),
  modelled('model.attn_config.qk_gn'),
  modelled(
    'model.attn_config.norm_type',
    'N',
    'the QK norms’ class; GroupedQueryAttention defaults to low_precision_layernorm whatever model.norm_type says',
  ),
  modelled('model.attn_config.alibi'),
  modelled('model.attn_config.rope'),
  {
    key: 'model.attn_config.kv_dim',
    affects: 'N',
    status: 'not-modelled',
    default: null,
    example: 1024,
    why: 'k/v projections read a different input width',
  },
  {
    key: 'model.attn_config.reuse_kv_layer_idx',
    affects: 'N',
    status: 'not-modelled',
    default: null,
    example: -1,
    why: 'layers that reuse another layer’s k/v have no k/v projections',
  },
  {
    key: 'model.attn_config.reuse_kv_x_layer_idx',
    affects: 'N',
    status: 'irrelevant',
    why: 'k/v projections are kept; only their input changes',
  },
  irrelevant('model.attn_config.fused_qkv', 'one Wqkv or three projections of the same total size'),
  modelled(
    'model.attn_config.attn_impl',
    'N',
    'torch / flash (and the older triton) are kernel choices; any other value is a fork’s attention (configuration_mpt.py raises): N unknown',
  ),
  irrelevant('model.attn_config.sliding_window_size', 'an attention mask'),
  irrelevant('model.attn_config.clip_qkv', 'a clamp'),
  irrelevant('model.attn_config.softmax_scale', 'a constant'),
  irrelevant('model.attn_config.rope_theta', 'rotary embeddings have no parameters'),
  irrelevant('model.attn_config.alibi_bias_max', 'ALiBi has no parameters'),
  // --- ffn_config (ffn.py, megablocks Arguments) ---
  {
    key: 'model.ffn_config.ffn_type',
    affects: 'N',
    status: 'modelled',
    modelledValues: ['mptmlp', 'mptglu', 'te_ln_mlp', 'mb_moe', 'mb_dmoe', 'torch_dmoe'],
  },
  modelled('model.ffn_config.ffn_hidden_size'),
  modelled('model.ffn_config.moe_num_experts'),
  modelled('model.ffn_config.moe_top_k'),
  modelled('model.ffn_config.mlp_type', 'N', 'glu experts have three matrices (dMoE only)'),
  modelled('model.ffn_config.bias', 'N', 'megablocks output bias (replaces not no_bias in build_ffn)'),
  {
    key: 'model.ffn_config.shared_expert',
    affects: 'N',
    status: 'not-modelled',
    default: false,
    example: true,
    why: 'megablocks adds an always-on shared MLP with biases',
  },
  irrelevant(
    'model.ffn_config.shared_expert_hidden_size',
    'only used with shared_expert, which is not modelled',
  ),
  irrelevant('model.ffn_config.ffn_act_fn', 'an activation has no parameters'),
  irrelevant('model.ffn_config.mlp_impl', 'grouped or sparse kernels of the same weights'),
  irrelevant('model.ffn_config.memory_optimized_mlp', 'a kernel choice'),
  irrelevant('model.ffn_config.moe_capacity_factor', 'tokens dropped per expert, not parameters'),
  irrelevant('model.ffn_config.moe_normalize_expert_weights', 'routing weights'),
  irrelevant('model.ffn_config.moe_loss_weight', 'a loss coefficient'),
  irrelevant('model.ffn_config.moe_jitter_eps', 'routing noise'),
  irrelevant('model.ffn_config.moe_lbl_in_fp32', 'loss precision'),
  irrelevant('model.ffn_config.moe_zloss_weight', 'a loss coefficient'),
  irrelevant('model.ffn_config.moe_world_size', 'expert parallelism shards, not adds, parameters'),
  irrelevant('model.ffn_config.moe_expert_model_parallelism', 'expert parallelism shards parameters'),
  irrelevant('model.ffn_config.moe_weight_parallelism', 'weight parallelism shards parameters'),
  irrelevant('model.ffn_config.uniform_expert_assignment', 'a benchmarking router'),
  irrelevant('model.ffn_config.lbl_process_group', 'a process group'),
  irrelevant('model.ffn_config.device_mesh', 'a device mesh'),
  // --- hf_causal_lm (hf_causal_lm.py, hf_base.py) ---
  modelled('model.pretrained_model_name_or_path'),
  irrelevant('model.pretrained', 'pretrained: false builds the same architecture with random weights'),
  modelled('model.config_overrides', 'N', 'keys per model_type; any other key makes N unknown'),
  ...[...new Set(Object.values(HF_OVERRIDE_KEYS).flatMap((keys) => Object.keys(keys)))].map((key) =>
    modelled(`model.config_overrides.${key}`),
  ),
  ...[...HF_HARMLESS_OVERRIDES].map((key) => irrelevant(`model.config_overrides.${key}`, 'no parameters')),
  {
    key: 'model.allow_embedding_resizing',
    affects: 'N',
    status: 'not-modelled',
    default: false,
    example: true,
    why: 'resizes the embeddings to the tokenizer’s length',
  },
  modelled(
    'model.peft_config',
    'N',
    'LoRA adapters over a frozen base (hf_base.py get_peft_config): counted as trainable beside the base N',
  ),
  modelled(
    'model.pretrained_lora_id_or_path',
    'N',
    'a loaded LoRA adapter trains over a frozen base: trainable count and memory unknown, base N unchanged',
  ),
  irrelevant('model.trust_remote_code', 'where the model class is loaded from'),
  irrelevant('model.use_flash_attention_2', 'a kernel choice'),
  irrelevant('model.attn_implementation', 'a kernel choice'),
  // --- training length (Composer Trainer, train.py) ---
  modelled('max_duration', 'D'),
  modelled('global_train_batch_size', 'D'),
  modelled('max_seq_len', 'D'),
  modelled('train_loader.dataset.max_seq_len', 'D'),
  modelled(
    'train_subset_num_batches',
    'D',
    'caps the batches of each epoch (Composer State.dataloader_len); only an epoch max_duration depends on it',
  ),
  {
    key: 'train_loader.dataset.packing_ratio',
    affects: 'D',
    status: 'irrelevant',
    why: 'packs examples into sequences that stay max_seq_len long',
  },
  {
    key: 'seq_length_warmup',
    affects: 'D',
    status: 'not-modelled',
    default: null,
    example: '<collection>',
    why: 'Composer SeqLengthWarmup trains on shorter sequences first',
  },
  {
    key: 'algorithms.seq_length_warmup',
    affects: 'D',
    status: 'not-modelled',
    default: null,
    example: '<collection>',
    why: 'Composer SeqLengthWarmup trains on shorter sequences first',
  },
  {
    key: 'device_train_microbatch_size',
    affects: 'D',
    status: 'irrelevant',
    why: 'splits the global batch',
  },
];

/** The llm-foundry inventory (see {@link FrameworkInventory}). */
export const llmFoundryInventory: FrameworkInventory = {
  framework: 'llm-foundry',
  sources: [
    {
      repo: FOUNDRY,
      commit: FOUNDRY_COMMIT,
      paths: [
        'llmfoundry/models/mpt/configuration_mpt.py',
        'llmfoundry/models/mpt/modeling_mpt.py',
        'llmfoundry/models/utils/config_defaults.py',
        'llmfoundry/models/utils/config_moe_args.py',
        'llmfoundry/models/layers/ffn.py',
        'llmfoundry/models/layers/attention.py',
        'llmfoundry/models/layers/blocks.py',
        'llmfoundry/models/layers/dmoe.py',
        'llmfoundry/models/layers/norm.py',
        'llmfoundry/models/hf/hf_causal_lm.py',
      ],
    },
    {
      repo: MEGABLOCKS,
      commit: MEGABLOCKS_COMMIT,
      paths: [
        'megablocks/layers/arguments.py',
        'megablocks/layers/moe.py',
        'megablocks/layers/dmoe.py',
        'megablocks/layers/mlp.py',
        'megablocks/layers/glu.py',
        'megablocks/layers/router.py',
      ],
    },
  ],
  entries,
};
