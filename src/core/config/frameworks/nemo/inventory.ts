import type { FrameworkInventory } from '../../inventory';

/** Where the NeMo 1.x Megatron GPT model code and config were read. */
export const NEMO_SOURCE = {
  repo: 'NVIDIA/NeMo',
  commit: '8cfedd7203462cb251a914e700e5605444277561',
} as const;

/**
 * `cfg.get(key, default)` defaults of MegatronGPTModel / MegatronBaseModel
 * (nemo/collections/nlp/models/language_modeling/megatron_gpt_model.py, megatron_base_model.py).
 */
export const NEMO_DEFAULTS = {
  bias: true,
  mcore_gpt: false,
  activation: 'gelu',
  normalization: 'layernorm',
  position_embedding_type: 'learned_absolute',
  share_embeddings_and_output_weights: true,
  encoder_seq_length: 512,
  make_vocab_size_divisible_by: 128,
} as const;

const notModelled = (
  key: string,
  affects: 'N' | 'D',
  defaultValue: string | number | boolean | null,
  example: string | number | boolean,
  why: string,
  alsoHarmless?: (string | number | boolean | null)[],
) => ({
  key,
  affects,
  status: 'not-modelled' as const,
  default: defaultValue,
  example,
  why,
  ...(alsoHarmless ? { alsoHarmless } : {}),
});

/** A key whose presence (any value, even null) means a model class other than MegatronGPTModel. */
const presence = (key: string, why: string) => ({
  key,
  affects: 'N' as const,
  status: 'not-modelled' as const,
  example: null,
  why,
});

/** The Megatron-core whose TransformerConfig fields were listed. */
export const MEGATRON_CORE_SOURCE = {
  repo: 'NVIDIA/Megatron-LM',
  commit: 'd98e8a64ddf34856e74b24714e3bedb2f5a39553',
} as const;

/** Keys of the NeMo 1.x Megatron GPT config that can change N or D. */
export const nemoInventory: FrameworkInventory = {
  framework: 'nemo',
  sources: [
    {
      repo: NEMO_SOURCE.repo,
      commit: NEMO_SOURCE.commit,
      paths: [
        'examples/nlp/language_modeling/conf/megatron_gpt_config.yaml',
        'nemo/collections/nlp/models/language_modeling/megatron_gpt_model.py',
        'nemo/collections/nlp/models/language_modeling/megatron_base_model.py',
        'nemo/collections/nlp/modules/common/tokenizer_utils.py',
      ],
    },
    {
      repo: MEGATRON_CORE_SOURCE.repo,
      commit: MEGATRON_CORE_SOURCE.commit,
      paths: ['megatron/core/transformer/transformer_config.py'],
    },
  ],
  entries: [
    { key: 'model.num_layers', affects: 'N', status: 'modelled' },
    { key: 'model.hidden_size', affects: 'N', status: 'modelled' },
    { key: 'model.ffn_hidden_size', affects: 'N', status: 'modelled' },
    { key: 'model.num_attention_heads', affects: 'N', status: 'modelled' },
    { key: 'model.num_query_groups', affects: 'N', status: 'modelled', why: 'null = multi-head' },
    { key: 'model.kv_channels', affects: 'N', status: 'modelled', why: 'null = hidden_size / heads' },
    { key: 'model.bias', affects: 'N', status: 'modelled', default: true },
    {
      key: 'model.qkv_bias',
      affects: 'N',
      status: 'modelled',
      default: false,
      why: 'add_qkv_bias (Megatron-core)',
    },
    { key: 'model.mcore_gpt', affects: 'N', status: 'modelled', why: 'which position-table length is used' },
    {
      key: 'model.activation',
      affects: 'N',
      status: 'modelled',
      modelledValues: [
        'gelu',
        'squared-relu',
        'relu',
        'geglu',
        'swiglu',
        'reglu',
        'fast-geglu',
        'fast-swiglu',
        'fast-reglu',
      ],
    },
    {
      key: 'model.normalization',
      affects: 'N',
      status: 'modelled',
      modelledValues: ['layernorm', 'layernorm1p', 'rmsnorm'],
    },
    {
      key: 'model.position_embedding_type',
      affects: 'N',
      status: 'modelled',
      modelledValues: ['learned_absolute', 'rope', 'alibi', 'none'],
      why: 'kerple has learned parameters; xpos/sandwich are not read',
    },
    { key: 'model.share_embeddings_and_output_weights', affects: 'N', status: 'modelled', default: true },
    { key: 'model.encoder_seq_length', affects: 'N,D', status: 'modelled' },
    { key: 'model.max_position_embeddings', affects: 'N', status: 'modelled' },
    { key: 'model.make_vocab_size_divisible_by', affects: 'N', status: 'modelled', default: 128 },
    {
      key: 'model.tensor_model_parallel_size',
      affects: 'N',
      status: 'modelled',
      why: 'multiplies the vocabulary padding',
    },
    { key: 'model.override_vocab_size', affects: 'N', status: 'modelled' },
    { key: 'model.tokenizer.library', affects: 'N', status: 'modelled' },
    { key: 'model.tokenizer.type', affects: 'N', status: 'modelled' },
    { key: 'model.tokenizer.model', affects: 'N', status: 'modelled' },
    {
      key: 'model.tokenizer.vocab_file',
      affects: 'N',
      status: 'modelled',
      why: 'a custom vocabulary makes N unknown',
    },
    // _build_tokenizer: special tokens are added to the vocabulary before it is padded.
    notModelled(
      'model.tokenizer.special_tokens',
      'N',
      null,
      '{pad_token: "<pad>"}',
      'tokens added to the vocabulary',
    ),
    notModelled(
      'model.tokenizer.additional_special_tokens',
      'N',
      null,
      '["<extra_0>"]',
      'tokens added to the vocabulary',
    ),
    {
      key: 'model.tokenizer.sentencepiece_legacy',
      affects: 'N',
      status: 'irrelevant',
      why: 'adds tokens only with special_tokens',
    },
    {
      key: 'model.tokenizer.merge_file',
      affects: 'N',
      status: 'irrelevant',
      why: 'BPE merges, not the vocabulary size',
    },
    { key: 'model.pipeline_model_parallel_size', affects: 'N', status: 'irrelevant', why: 'layer placement' },
    {
      key: 'model.virtual_pipeline_model_parallel_size',
      affects: 'N',
      status: 'irrelevant',
      why: 'layer placement',
    },
    { key: 'model.rotary_percentage', affects: 'N', status: 'irrelevant', why: 'RoPE has no parameters' },
    { key: 'model.rotary_base', affects: 'N', status: 'irrelevant', why: 'RoPE base' },
    { key: 'model.seq_len_interpolation_factor', affects: 'N', status: 'irrelevant', why: 'RoPE scaling' },
    { key: 'model.init_method_std', affects: 'N', status: 'irrelevant', why: 'init scale' },
    {
      key: 'model.apply_query_key_layer_scaling',
      affects: 'N',
      status: 'irrelevant',
      why: 'softmax scaling',
    },
    { key: 'model.persist_layer_norm', affects: 'N', status: 'irrelevant', why: 'kernel choice' },
    { key: 'model.openai_gelu', affects: 'N', status: 'irrelevant', why: 'GELU approximation' },
    { key: 'model.drop_layers', affects: 'N', status: 'irrelevant', why: 'validation only (skip_train)' },
    notModelled(
      'model.transformer_block_type',
      'N',
      'pre_ln',
      'normformer',
      'normformer adds norms; post_ln moves them',
      [],
    ),
    notModelled('model.headscale', 'N', false, true, 'learned per-head output scales'),
    notModelled('model.num_moe_experts', 'N', null, 8, 'mixture-of-experts MLPs (Megatron-core)'),
    notModelled('model.moe_router_topk', 'N', 2, 4, 'active experts per token'),
    notModelled('model.qk_layernorm', 'N', false, true, 'LayerNorm on queries and keys'),
    notModelled('model.multi_latent_attention', 'N', false, true, 'DeepSeek MLA projections'),
    // Megatron-core TransformerConfig fields (megatron/core/transformer/transformer_config.py @
    // MEGATRON_CORE_COMMIT) that NeMo passes through from model.* and that add or remove parameters.
    notModelled('model.mtp_num_layers', 'N', null, 1, 'multi-token-prediction modules'),
    notModelled(
      'model.softmax_type',
      'N',
      'vanilla',
      'learnable',
      'learnable softmax offsets (attention sinks)',
      ['off-by-one'],
    ),
    notModelled('model.moe_shared_expert_intermediate_size', 'N', null, 2816, 'shared expert'),
    notModelled('model.moe_ffn_hidden_size', 'N', null, 1408, 'expert width'),
    notModelled('model.moe_layer_freq', 'N', 1, 2, 'MoE layer interleaving'),
    notModelled('model.moe_latent_size', 'N', null, 1024, 'latent MoE projections'),
    notModelled('model.attention_output_gate', 'N', false, true, 'gated attention output'),
    notModelled(
      'model.experimental_attention_variant',
      'N',
      null,
      'gated_delta_net',
      'linear or sparse attention layers',
    ),
    notModelled('model.linear_attention_freq', 'N', null, 4, 'linear-attention layers'),
    notModelled('model.enable_mhc_connections', 'N', false, true, 'hyper-connection parameters'),
    notModelled('model.is_hybrid_model', 'N', false, true, 'Mamba hybrid layers'),
    notModelled('model.heterogeneous_block_specs', 'N', false, true, 'per-layer block specs'),
    // Keys only other NeMo model classes read (their scripts load the same YAML layout): present at all
    // means the model is not MegatronGPTModel's.
    presence('model.retro', 'RETRO (MegatronRetroModel): chunked cross-attention encoder'),
    presence('model.mamba_ssm_ngroups', 'Mamba hybrid (MegatronMambaModel)'),
    presence('model.hybrid_override_pattern', 'Mamba hybrid layer pattern (MegatronMambaModel)'),
    presence('model.hybrid_attention_ratio', 'Mamba hybrid (MegatronMambaModel)'),
    presence('model.hybrid_mlp_ratio', 'Mamba hybrid (MegatronMambaModel)'),
    presence('model.logits_soft_cap', 'Griffin / RecurrentGemma (MegatronGriffinModel)'),
    presence('model.activations_checkpoint_recurrent', 'recurrent layers (Griffin, Mamba)'),
    {
      key: 'model.layernorm_zero_centered_gamma',
      affects: 'N',
      status: 'irrelevant',
      why: 'same weight and bias, stored as gamma − 1',
    },
    notModelled(
      // get_specs(): '' and te_gpt are the GPT layer; falcon, gemma2, hyena… lay layers out differently.
      'model.name',
      'N',
      '',
      'megatron_falcon_gpt',
      'a layer spec other than the GPT layer (get_specs)',
      [null, 'te_gpt', 'megatron_gpt_full_te_layer_autocast', 'modelopt'],
    ),
    // build_transformer_config copies mcore_customization_config onto the TransformerConfig (any field).
    notModelled(
      'model.mcore_customization_config',
      'N',
      null,
      '{parallel_attention: true}',
      'arbitrary Megatron-core TransformerConfig fields',
    ),
    {
      key: 'model.apply_embedding_scaling',
      affects: 'N',
      status: 'irrelevant',
      why: 'scales embeddings, no parameters',
    },
    {
      key: 'model.gated_linear_unit',
      affects: 'N',
      status: 'irrelevant',
      why: 'overridden from `activation` (config_mapping)',
    },
    {
      key: 'model.add_bias_linear',
      affects: 'N',
      status: 'irrelevant',
      why: 'overridden from `bias` (config_mapping)',
    },
    { key: 'model.rotary_interleaved', affects: 'N', status: 'irrelevant', why: 'RoPE layout' },
    { key: 'model.window_size', affects: 'N', status: 'irrelevant', why: 'sliding-window mask' },
    notModelled(
      'model.restore_from_path',
      'N',
      null,
      '/ckpt/model.nemo',
      'the model comes from a .nemo file',
    ),
    // D
    { key: 'trainer.max_steps', affects: 'D', status: 'modelled' },
    { key: 'model.global_batch_size', affects: 'D', status: 'modelled' },
    {
      key: 'model.micro_batch_size',
      affects: 'D',
      status: 'irrelevant',
      why: 'global_batch_size fixes the step size',
    },
    { key: 'model.data.seq_length', affects: 'D', status: 'modelled' },
    { key: 'trainer.devices', affects: 'D', status: 'irrelevant', why: 'global_batch_size is fixed' },
    { key: 'trainer.num_nodes', affects: 'D', status: 'irrelevant', why: 'global_batch_size is fixed' },
    {
      key: 'trainer.accumulate_grad_batches',
      affects: 'D',
      status: 'irrelevant',
      why: 'must stay 1; accumulation follows global_batch_size',
    },
    {
      key: 'trainer.max_epochs',
      affects: 'D',
      status: 'irrelevant',
      why: 'max_steps is reached first when it is set',
    },
    { key: 'trainer.val_check_interval', affects: 'D', status: 'irrelevant', why: 'validation' },
    { key: 'trainer.limit_val_batches', affects: 'D', status: 'irrelevant', why: 'validation' },
    notModelled('model.rampup_batch_size', 'D', null, '[32, 32, 1000000]', 'batch-size ramp-up'),
    notModelled(
      'model.restore_from_ckpt',
      'D',
      null,
      '/ckpt/step=1000',
      'continues a run; steps already done are not known',
    ),
    {
      key: 'model.context_parallel_size',
      affects: 'D',
      status: 'irrelevant',
      why: 'splits each sequence across GPUs; global_batch_size sequences per step',
    },
  ],
};
