import type { FrameworkInventory } from '../../inventory';

/** Where the nanotron config dataclasses were read. */
export const NANOTRON_SOURCE = {
  repo: 'huggingface/nanotron',
  commit: '2411b022a75fb7f7561a1bb4166706da5e1b76de',
} as const;

/**
 * LlamaConfig defaults (src/nanotron/config/models_config.py) and ModelArgs.make_vocab_size_divisible_by
 * (src/nanotron/config/config.py) @ NANOTRON_SOURCE.commit.
 */
export const NANOTRON_DEFAULTS = {
  hidden_size: 4096,
  intermediate_size: 11008,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  vocab_size: 32000,
  tie_word_embeddings: false,
  make_vocab_size_divisible_by: 1,
} as const;

/** MoEConfig defaults (src/nanotron/config/models_config.py @ NANOTRON_SOURCE.commit). */
export const NANOTRON_MOE_DEFAULTS = {
  num_experts: 8,
  top_k: 2,
  moe_intermediate_size: 1408,
  shared_expert_intermediate_size: 5632,
  enable_shared_expert: false,
} as const;

/**
 * Fields of the config dataclasses (src/nanotron/config/models_config.py @ NANOTRON_SOURCE.commit):
 * a model_config with another field is another config class (nanotron's examples define their own,
 * e.g. LlaMoEConfig), which the reader does not count.
 */
export const NANOTRON_CONFIG_FIELDS = {
  llama: [
    'bos_token_id',
    'eos_token_id',
    'hidden_act',
    'hidden_size',
    'initializer_range',
    'intermediate_size',
    'is_llama_config',
    'max_position_embeddings',
    'num_attention_heads',
    'num_hidden_layers',
    'attention_bias',
    'num_key_value_heads',
    'pad_token_id',
    'pretraining_tp',
    'rms_norm_eps',
    'rope_scaling',
    'rope_theta',
    'rope_interleaved',
    'tie_word_embeddings',
    'use_cache',
    'vocab_size',
    '_attn_implementation',
    'z_loss_enabled',
    'z_loss_coefficient',
  ],
  qwen2: [
    'bos_token_id',
    'eos_token_id',
    'hidden_act',
    'hidden_size',
    'initializer_range',
    'intermediate_size',
    'is_qwen2_config',
    'max_position_embeddings',
    'num_attention_heads',
    'num_hidden_layers',
    'num_key_value_heads',
    'pad_token_id',
    'pretraining_tp',
    'rms_norm_eps',
    'rope_scaling',
    'rope_theta',
    'rope_interleaved',
    'rope_seq_len_interpolation_factor',
    'tie_word_embeddings',
    'use_cache',
    'vocab_size',
    '_attn_implementation',
    'flex_attention_mask',
    'attention_bias',
    'sliding_window_size',
    'z_loss_enabled',
    'z_loss_coefficient',
    'no_rope_layer',
    '_fused_rotary_emb',
    '_fused_rms_norm',
    '_use_qkv_packed',
    '_use_doc_masking',
    'log_attn_probs',
    'ring_attn_heads_k_stride',
    'moe_config',
  ],
} as const;

/**
 * The activations ACT2FN accepts (src/nanotron/nn/activations.py ACT2CLS @ NANOTRON_SOURCE.commit); none
 * has parameters, and both models use them in the same gated MLP.
 */
export const NANOTRON_ACTIVATIONS: readonly string[] = [
  'gelu',
  'gelu_10',
  'gelu_fast',
  'gelu_new',
  'gelu_python',
  'gelu_pytorch_tanh',
  'gelu_accurate',
  'laplace',
  'linear',
  'mish',
  'quick_gelu',
  'relu',
  'relu2',
  'relu6',
  'sigmoid',
  'silu',
  'swish',
  'tanh',
];

const M = 'model.model_config.';

/** Keys of nanotron's Config dataclasses that can change N or D. */
export const nanotronInventory: FrameworkInventory = {
  framework: 'nanotron',
  sources: [
    {
      repo: NANOTRON_SOURCE.repo,
      commit: NANOTRON_SOURCE.commit,
      paths: [
        'src/nanotron/config/config.py',
        'src/nanotron/config/models_config.py',
        'src/nanotron/config/parallelism_config.py',
        'src/nanotron/trainer.py',
        'src/nanotron/helpers.py',
        'src/nanotron/models/llama.py',
        'src/nanotron/models/qwen.py',
        'src/nanotron/nn/moe.py',
        'src/nanotron/nn/activations.py',
        'src/nanotron/nn/layer_norm.py',
      ],
    },
  ],
  entries: [
    { key: `${M}hidden_size`, affects: 'N', status: 'modelled', default: 4096 },
    { key: `${M}intermediate_size`, affects: 'N', status: 'modelled', default: 11008 },
    { key: `${M}num_attention_heads`, affects: 'N', status: 'modelled', default: 32 },
    { key: `${M}num_hidden_layers`, affects: 'N', status: 'modelled', default: 32 },
    {
      key: `${M}num_key_value_heads`,
      affects: 'N',
      status: 'modelled',
      why: 'None means num_attention_heads',
    },
    { key: `${M}vocab_size`, affects: 'N', status: 'modelled', default: 32000 },
    { key: `${M}tie_word_embeddings`, affects: 'N', status: 'modelled', default: false },
    {
      key: `${M}hidden_act`,
      affects: 'N',
      status: 'modelled',
      modelledValues: NANOTRON_ACTIVATIONS,
      why: 'gated MLP; every ACT2FN activation is parameter-free',
    },
    {
      key: `${M}attention_bias`,
      affects: 'N',
      status: 'modelled',
      default: false,
      why: 'q/k/v biases in Qwen2 (the Llama model builds bias-free projections whatever it says)',
    },
    { key: `${M}is_llama_config`, affects: 'N', status: 'modelled' },
    { key: `${M}is_qwen2_config`, affects: 'N', status: 'modelled' },
    {
      key: `${M}max_position_embeddings`,
      affects: 'N',
      status: 'irrelevant',
      why: 'RoPE: no position table',
    },
    { key: `${M}rope_theta`, affects: 'N', status: 'irrelevant', why: 'RoPE base' },
    { key: `${M}rope_scaling`, affects: 'N', status: 'irrelevant', why: 'RoPE frequencies' },
    { key: `${M}rope_interleaved`, affects: 'N', status: 'irrelevant', why: 'RoPE layout' },
    { key: `${M}rms_norm_eps`, affects: 'N', status: 'irrelevant', why: 'numerics' },
    { key: `${M}pretraining_tp`, affects: 'N', status: 'irrelevant', why: 'HF compatibility field' },
    { key: `${M}initializer_range`, affects: 'N', status: 'irrelevant', why: 'init scale' },
    { key: `${M}sliding_window_size`, affects: 'N', status: 'irrelevant', why: 'attention mask' },
    { key: `${M}no_rope_layer`, affects: 'N', status: 'irrelevant', why: 'skips RoPE, no parameters' },
    { key: `${M}z_loss_enabled`, affects: 'N', status: 'irrelevant', why: 'loss term' },
    {
      key: `${M}moe_config`,
      affects: 'N',
      status: 'modelled',
      default: null,
      why: 'Qwen2 MoE layers (nn/moe.py: router E×d, gated experts, optional shared expert and gate)',
    },
    { key: `${M}moe_config.num_experts`, affects: 'N', status: 'modelled', default: 8 },
    { key: `${M}moe_config.top_k`, affects: 'N', status: 'modelled', default: 2 },
    { key: `${M}moe_config.moe_intermediate_size`, affects: 'N', status: 'modelled', default: 1408 },
    {
      key: `${M}moe_config.shared_expert_intermediate_size`,
      affects: 'N',
      status: 'modelled',
      default: 5632,
      why: 'only with enable_shared_expert',
    },
    { key: `${M}moe_config.enable_shared_expert`, affects: 'N', status: 'modelled', default: false },
    {
      key: `${M}moe_config.layers`,
      affects: 'N',
      status: 'modelled',
      why: 'indices of the MoE layers; the default [-1] means all',
    },
    {
      key: `${M}moe_config.token_dispatcher_type`,
      affects: 'N',
      status: 'modelled',
      modelledValues: ['alltoall', 'allgather'],
      why: 'communication only; other values are refused',
    },
    { key: `${M}moe_config.router_aux_loss_coef`, affects: 'N', status: 'irrelevant', why: 'loss term' },
    {
      key: `${M}is_starcoder2_config`,
      affects: 'N',
      status: 'not-modelled',
      default: false,
      example: true,
      why: 'Starcoder2 blocks (LayerNorm, biases, GELU MLP)',
    },
    {
      key: 'model.make_vocab_size_divisible_by',
      affects: 'N',
      status: 'modelled',
      default: 1,
      why: 'vocabulary padded to a multiple of it × tp (helpers._vocab_size_with_padding)',
    },
    {
      key: 'parallelism.tp',
      affects: 'N',
      status: 'modelled',
      why: 'multiplies the vocabulary padding multiple',
    },
    { key: 'model.init_method', affects: 'N', status: 'irrelevant', why: 'initialization' },
    { key: 'model.dtype', affects: 'N', status: 'irrelevant', why: 'precision' },
    // D
    { key: 'tokens.train_steps', affects: 'D', status: 'modelled' },
    { key: 'tokens.micro_batch_size', affects: 'D', status: 'modelled' },
    { key: 'tokens.batch_accumulation_per_replica', affects: 'D', status: 'modelled' },
    { key: 'tokens.sequence_length', affects: 'D', status: 'modelled' },
    { key: 'parallelism.dp', affects: 'D', status: 'modelled' },
    {
      key: 'parallelism.pp',
      affects: 'D',
      status: 'irrelevant',
      why: 'model split; the batch is micro × accumulation × dp',
    },
    {
      key: 'parallelism.context_parallel_size',
      affects: 'D',
      status: 'irrelevant',
      why: 'splits each sequence, not the batch',
    },
    { key: 'parallelism.expert_parallel_size', affects: 'D', status: 'irrelevant', why: 'expert placement' },
    { key: 'tokens.val_check_interval', affects: 'D', status: 'irrelevant', why: 'validation' },
    { key: 'tokens.limit_val_batches', affects: 'D', status: 'irrelevant', why: 'validation' },
    { key: 'tokens.limit_test_batches', affects: 'D', status: 'irrelevant', why: 'testing' },
    {
      key: 'checkpoints.resume_checkpoint_path',
      affects: 'D',
      status: 'irrelevant',
      why: 'train_steps counts the whole run',
    },
    { key: 'general.run', affects: 'N', status: 'irrelevant', why: 'run name' },
    { key: 'general.consumed_train_samples', affects: 'D', status: 'irrelevant', why: 'resume bookkeeping' },
    {
      key: 'general.step',
      affects: 'D',
      status: 'irrelevant',
      why: 'resume bookkeeping; train_steps is the final step',
    },
    {
      key: 'data_stages',
      affects: 'D',
      status: 'irrelevant',
      why: 'dataset mixture per stage; a stage sequence_length that differs is not read (list items)',
    },
  ],
};
