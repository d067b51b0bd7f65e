import type { FrameworkInventory, InventoryEntry, InventorySource } from '../../inventory';
import { HF_FAMILY_LIST, type HfFamily } from './models';

/**
 * Key inventory of the Hugging Face `config.json` reader, per model family: the keys each
 * `PretrainedConfig` subclass defines that change N (config.json has no training length, so no key
 * changes D). A key means different things in different families (`bias` is Falcon's switch for
 * every linear), so entries are keyed `<family>.<key>` and the reader reports written keys the same
 * way. Modelled entries for the keys the family table reads are derived from models.ts; the
 * entries below add what the table cannot say: values the reader does not model, keys that do not
 * change N (and why), and keys that change N in a way the reader does not model.
 */

/** The inventory key of `key` (a top-level or dotted nested config key) in `family`. */
export function hfInventoryKey(family: string, key: string): string {
  return `${family}.${key}`;
}

/** An entry before its family prefix. */
type Entry = Omit<InventoryEntry, 'affects'> & { affects?: InventoryEntry['affects'] };

const irrelevant = (key: string, why: string): Entry => ({ key, status: 'irrelevant', why });
const modelled = (key: string, why?: string, modelledValues?: InventoryEntry['modelledValues']): Entry => ({
  key,
  status: 'modelled',
  ...(why ? { why } : {}),
  ...(modelledValues ? { modelledValues } : {}),
});
const notModelled = (
  key: string,
  why: string,
  example: InventoryEntry['example'],
  defaultValue: InventoryEntry['default'] = null,
  alsoHarmless?: InventoryEntry['alsoHarmless'],
): Entry => ({
  key,
  status: 'not-modelled',
  why,
  example,
  default: defaultValue,
  ...(alsoHarmless ? { alsoHarmless } : {}),
});

const ROTARY = 'rotary/ALiBi positions have no parameters';
const ATTENTION_PATTERN = 'which layers attend locally or globally; no parameters';
const ROUTING = 'routing arithmetic only; the router weights are counted';
const SCALE = 'a scalar multiplier in the forward pass, not a parameter';

/** Entries of every family. */
const COMMON: readonly Entry[] = [
  modelled('model_type', 'selects the family'),
  modelled('architectures', 'the head class; a non-LM head (classification, bare backbone) makes N unknown'),
  irrelevant('_name_or_path', 'a display name'),
  modelled('vocab_size'),
  modelled('tie_word_embeddings'),
  irrelevant('rope_theta', ROTARY),
  irrelevant('rope_scaling', ROTARY),
  irrelevant('rope_parameters', ROTARY),
  irrelevant('hidden_act', 'an activation has no parameters (gating is fixed by the family)'),
  irrelevant('torch_dtype', 'storage precision, not a count'),
  irrelevant('dtype', 'storage precision, not a count'),
  irrelevant('quantization_config', 'a storage format of the same weights'),
  irrelevant('initializer_range', 'initialization only'),
  irrelevant('sliding_window', ATTENTION_PATTERN),
  irrelevant('use_sliding_window', ATTENTION_PATTERN),
  irrelevant('max_window_layers', ATTENTION_PATTERN),
  irrelevant('layer_types', ATTENTION_PATTERN),
  irrelevant('pretraining_tp', 'a tensor-parallel matmul split of the same weights'),
  notModelled('vision_config', 'a vision tower and projector beside the language model', '<collection>'),
  // Multi-token-prediction layers that checkpoints store beside the num_hidden_layers layers
  // (DeepSeek-V3, GLM-4.5, ERNIE-4.5, MiMo exports); no family's count includes them.
  notModelled(
    'num_nextn_predict_layers',
    'multi-token-prediction layers stored beside the num_hidden_layers layers',
    1,
    0,
  ),
  // EAGLE-3 draft heads (SafeAILab/EAGLE@cb7e0841 eagle/traineagle3/cnets.py Model: q/k/v_proj over
  // 2·hidden_size, fc 3·hidden_size → hidden_size, hidden_norm, lm_head over draft_vocab_size) are
  // saved as LlamaForCausalLM config.json files; transformers ignores the key, the draft model is
  // not that Llama.
  notModelled(
    'draft_vocab_size',
    'an EAGLE-3 draft head (2·d-input attention, fc 3d→d, lm_head over draft_vocab_size), not the LlamaForCausalLM the file names',
    32000,
  ),
];

/**
 * Expert keys written to a family whose config class has none (a `llama` or `qwen2` file with
 * `num_local_experts`): transformers ignores them and builds the dense model, but the file
 * describes experts (remote code, another framework's export), so the dense count is not its
 * model. Added to every family without an MoE style; MoE families list their own spellings.
 */
const DENSE_FAMILY_EXPERT_KEYS: readonly Entry[] = [
  'num_experts',
  'num_local_experts',
  'n_routed_experts',
  'moe_num_experts',
  'moe_intermediate_size',
  'n_shared_experts',
  'shared_expert_intermediate_size',
].map((key) =>
  notModelled(
    key,
    "experts, which this family's config class does not have (the dense model is built)",
    8,
    null,
    [0],
  ),
);

/** Entries that only some families have, by family id. */
const PER_FAMILY: Readonly<Record<string, readonly Entry[]>> = {
  gpt2: [
    notModelled('add_cross_attention', 'a cross-attention block and norm in every layer', true, false),
    irrelevant('scale_attn_by_inverse_layer_idx', SCALE),
    irrelevant('reorder_and_upcast_attn', 'numerics only'),
  ],
  gpt_bigcode: [
    modelled('multi_query'),
    notModelled('add_cross_attention', 'a cross-attention block and norm in every layer', true, false),
  ],
  gpt_neo: [irrelevant('attention_types', ATTENTION_PATTERN), irrelevant('window_size', ATTENTION_PATTERN)],
  gptj: [irrelevant('rotary_dim', ROTARY)],
  gpt_neox: [
    irrelevant('rotary_pct', ROTARY),
    irrelevant('use_parallel_residual', 'both LayerNorms exist either way'),
  ],
  bloom: [
    irrelevant('apply_residual_connection_post_layernorm', 'where the residual is taken; no parameters'),
    irrelevant('slow_but_exact', 'numerics only'),
  ],
  falcon: [
    modelled('new_decoder_architecture'),
    modelled('multi_query'),
    modelled('parallel_attn'),
    modelled('num_kv_heads'),
    modelled('n_head_kv'),
    modelled('num_ln_in_parallel_attn'),
    modelled('bias'),
    irrelevant('alibi', ROTARY),
  ],
  mpt: [
    modelled('expansion_ratio', 'MptMLP is 4·d whatever the ratio', [4]),
    modelled('no_bias', 'MptBlock has no biases', [true]),
    modelled('attn_config.alibi', 'MptModel has no position table, so only ALiBi is this model', [true]),
    modelled('attn_config.attn_type', 'MptAttention is plain multi-head', ['multihead_attention']),
    notModelled(
      'attn_config.qk_ln',
      'LayerNorms on q and k (llm-foundry); MptAttention has none',
      true,
      false,
    ),
    notModelled('attn_config.kv_n_heads', 'grouped k/v heads (llm-foundry)', 8, null),
    notModelled('ffn_config.ffn_type', 'a gated or MoE MLP (llm-foundry)', 'mptglu', 'mptmlp'),
    irrelevant('learned_pos_emb', 'MptModel has no position table; ALiBi is required above'),
    irrelevant('attn_config.clip_qkv', 'clamps activations; no parameters'),
    irrelevant('attn_config.softmax_scale', SCALE),
    irrelevant('logit_scale', SCALE),
    irrelevant('norm_type', 'LayerNorm without bias and RMSNorm have the same parameters'),
  ],
  opt: [
    modelled('word_embed_proj_dim', 'a value other than hidden_size makes N unknown (project_in/out)'),
    modelled('do_layer_norm_before'),
    modelled('_remove_final_layer_norm'),
    modelled('enable_bias'),
    modelled('layer_norm_elementwise_affine'),
  ],
  llama: [modelled('attention_bias'), modelled('mlp_bias')],
  granite: [
    modelled('attention_bias'),
    modelled('mlp_bias'),
    irrelevant('embedding_multiplier', SCALE),
    irrelevant('residual_multiplier', SCALE),
    irrelevant('attention_multiplier', SCALE),
    irrelevant('logits_scaling', SCALE),
  ],
  mixtral: [
    modelled('num_local_experts'),
    modelled('num_experts', 'MixtralConfig.attribute_map spelling of num_local_experts'),
    modelled('num_experts_per_tok'),
    irrelevant('router_jitter_noise', ROUTING),
  ],
  granitemoe: [
    modelled('attention_bias'),
    modelled('num_local_experts'),
    modelled('num_experts_per_tok'),
    irrelevant('embedding_multiplier', SCALE),
    irrelevant('residual_multiplier', SCALE),
    irrelevant('attention_multiplier', SCALE),
    irrelevant('logits_scaling', SCALE),
  ],
  granitemoeshared: [
    modelled('attention_bias'),
    modelled('num_local_experts'),
    modelled('num_experts_per_tok'),
    modelled('shared_intermediate_size'),
    irrelevant('embedding_multiplier', SCALE),
    irrelevant('residual_multiplier', SCALE),
    irrelevant('attention_multiplier', SCALE),
    irrelevant('logits_scaling', SCALE),
    irrelevant('router_aux_loss_coef', 'a loss weight'),
    irrelevant('output_router_logits', 'an output switch'),
  ],
  phimoe: [
    modelled('attention_bias'),
    modelled('lm_head_bias'),
    modelled('num_local_experts'),
    modelled('num_experts_per_tok'),
    irrelevant('router_jitter_noise', ROUTING),
    irrelevant('input_jitter_noise', ROUTING),
  ],
  qwen2_moe: [
    modelled('num_experts'),
    modelled('num_experts_per_tok'),
    modelled('moe_intermediate_size'),
    modelled('shared_expert_intermediate_size'),
    modelled('decoder_sparse_step'),
    modelled('mlp_only_layers'),
    irrelevant('norm_topk_prob', ROUTING),
  ],
  qwen3: [modelled('attention_bias')],
  qwen3_moe: [
    modelled('attention_bias'),
    modelled('num_experts'),
    modelled('num_local_experts', 'Qwen3MoeConfig.attribute_map spelling of num_experts'),
    modelled('num_experts_per_tok'),
    modelled('moe_intermediate_size'),
    modelled('decoder_sparse_step'),
    modelled('mlp_only_layers'),
    irrelevant('norm_topk_prob', ROUTING),
  ],
  phi: [modelled('qk_layernorm'), irrelevant('partial_rotary_factor', ROTARY)],
  'phi-msft': [
    modelled('pad_vocab_size_multiple'),
    modelled('architecture.block_cls', 'the ParallelBlock layout', ['parallel']),
    irrelevant('rotary_dim', ROTARY),
  ],
  phi3: [
    irrelevant('partial_rotary_factor', ROTARY),
    // Not Phi3Config fields (transformers@008e5743 configuration_phi3.py): Phi-4-mini's config.json
    // writes them false beside an auto_map to its own modeling_phi3.py. Phi3Attention / Phi3MLP /
    // the lm_head have no biases, so a true value names weights the native model does not build.
    notModelled(
      'attention_bias',
      'biased qkv_proj / o_proj (remote code); Phi3Attention has none',
      true,
      false,
    ),
    notModelled('mlp_bias', 'biased gate_up_proj / down_proj (remote code); Phi3MLP has none', true, false),
    notModelled('lm_head_bias', 'a biased lm_head (remote code); Phi3ForCausalLM has none', true, false),
  ],
  gemma: [modelled('attention_bias')],
  gemma2: [
    modelled('attention_bias'),
    irrelevant('query_pre_attn_scalar', SCALE),
    irrelevant('attn_logit_softcapping', SCALE),
    irrelevant('final_logit_softcapping', SCALE),
  ],
  gemma3_text: [
    modelled('attention_bias'),
    irrelevant('query_pre_attn_scalar', SCALE),
    irrelevant('attn_logit_softcapping', SCALE),
    irrelevant('final_logit_softcapping', SCALE),
    irrelevant('rope_local_base_freq', ROTARY),
  ],
  starcoder2: [modelled('use_bias')],
  stablelm: [
    modelled('use_qkv_bias'),
    modelled('qk_layernorm'),
    modelled('use_parallel_residual'),
    irrelevant('partial_rotary_factor', ROTARY),
  ],
  cohere: [modelled('attention_bias'), modelled('use_qk_norm'), irrelevant('logit_scale', SCALE)],
  olmo: [modelled('attention_bias'), irrelevant('clip_qkv', 'clamps activations; no parameters')],
  olmo2: [modelled('attention_bias')],
  olmoe: [
    modelled('attention_bias'),
    modelled('num_experts'),
    modelled('num_local_experts', 'OlmoeConfig.attribute_map spelling of num_experts'),
    modelled('num_experts_per_tok'),
    irrelevant('clip_qkv', 'clamps activations; no parameters'),
    irrelevant('norm_topk_prob', ROUTING),
  ],
  deepseek_v2: [
    modelled('attention_bias', 'biased q_a/kv_a projections are not in the MLA count', [false]),
    modelled('mlp_bias', 'biased expert and dense MLPs are not modelled', [false]),
    modelled('moe_layer_freq', 'MoE layers are all layers from first_k_dense_replace on', [1]),
    modelled('num_experts', 'DeepseekV2Config.attribute_map spelling of n_routed_experts'),
    ...deepseekMoeAndMla(),
  ],
  deepseek_v3: [
    modelled('attention_bias', 'biased q_a/kv_a projections are not in the MLA count', [false]),
    modelled('moe_layer_freq', 'MoE layers are all layers from first_k_dense_replace on', [1]),
    notModelled(
      'num_nextn_predict_layers',
      'multi-token-prediction modules (an extra MoE block, norms and a 2d→d projection each) trained with the model',
      1,
      0,
    ),
    // DeepseekV3Config (transformers@008e5743) spells it num_mtp_layers (default 1, attribute_map
    // onto num_nextn_predict_layers); configs it saves carry that name.
    notModelled('num_mtp_layers', 'multi-token-prediction modules (num_nextn_predict_layers)', 1, 0),
    ...deepseekMoeAndMla(),
  ],
  nemotron: [
    irrelevant('partial_rotary_factor', ROTARY),
    irrelevant('norm_eps', 'a LayerNorm epsilon, not a parameter'),
    modelled(
      'kv_channels',
      'not a NemotronConfig field (NeMo exports write it); a value other than the head_dim NemotronAttention builds makes N unknown',
    ),
  ],
  mamba2: [
    modelled('state_size'),
    modelled('n_groups'),
    modelled('conv_kernel'),
    modelled('expand', 'must agree with num_heads × head_dim (else N unknown)'),
    modelled('use_bias'),
    modelled('use_conv_bias'),
    modelled(
      'tie_word_embeddings',
      'true makes N unknown: the head class ties on the flag in some transformers versions and declares no tied weights (`_tied_weights_keys = []`) in others',
      [false],
    ),
    irrelevant('rms_norm', 'Mamba2Mixer builds its gated RMSNorm whatever the flag'),
    irrelevant('time_step_rank', 'not a parameter shape in Mamba2Mixer'),
    irrelevant('time_step_min', 'initialization only'),
    irrelevant('time_step_max', 'initialization only'),
    irrelevant('time_step_floor', 'initialization only'),
    irrelevant('time_step_limit', 'a clamp in the forward pass'),
    irrelevant('chunk_size', 'the SSD kernel chunk, no parameters'),
    irrelevant('residual_in_fp32', 'numerics only'),
    irrelevant('rescale_prenorm_residual', 'initialization only'),
    irrelevant('layer_norm_epsilon', 'a norm epsilon, not a parameter'),
  ],
  nemotron_h: [
    modelled('layers_block_type', '"moe" blocks make N unknown'),
    modelled('hybrid_override_pattern', 'E (MoE) blocks make N unknown'),
    modelled('num_hidden_layers', 'must equal the pattern length (else N unknown)'),
    modelled('mamba_num_heads'),
    modelled('mamba_head_dim'),
    modelled('ssm_state_size'),
    modelled('n_groups'),
    modelled('mamba_n_groups'),
    modelled('conv_kernel'),
    modelled('mamba_d_conv'),
    modelled('use_conv_bias'),
    modelled('mamba_conv_bias'),
    modelled('use_bias'),
    modelled('mamba_proj_bias', 'a value other than use_bias makes N unknown'),
    modelled('expand', 'must agree with mamba_num_heads × mamba_head_dim (else N unknown)'),
    modelled('mamba_expand', 'must agree with mamba_num_heads × mamba_head_dim (else N unknown)'),
    modelled('attention_head_dim', 'a value other than head_dim makes N unknown'),
    modelled('attention_bias', 'true makes N unknown (versions differ)', [false]),
    modelled('mlp_bias'),
    modelled(
      'tie_word_embeddings',
      'true makes N unknown: the head class ties on the flag in some transformers versions and declares no tied weights (`_tied_weights_keys = []`) in others',
      [false],
    ),
    // MoE settings the config class always has: used only by MoE blocks, which make N unknown.
    ...[
      'n_routed_experts',
      'n_shared_experts',
      'moe_intermediate_size',
      'moe_shared_expert_intermediate_size',
      'moe_latent_size',
      'moe_shared_expert_overlap',
      'num_experts_per_tok',
      'routed_scaling_factor',
      'n_group',
      'topk_group',
      'norm_topk_prob',
      'mtp_layers_block_type',
      'mtp_hybrid_override_pattern',
    ].map((key) => irrelevant(key, 'used only by MoE / MTP blocks, which make N unknown')),
    irrelevant('mlp_hidden_act', 'an activation (NemotronHMLP is ungated whatever it is)'),
    irrelevant('mamba_hidden_act', 'an activation'),
    irrelevant('chunk_size', 'the SSD kernel chunk, no parameters'),
    irrelevant('mamba_chunk_size', 'the SSD kernel chunk, no parameters'),
    irrelevant('time_step_min', 'initialization only'),
    irrelevant('time_step_max', 'initialization only'),
    irrelevant('time_step_floor', 'initialization only'),
    irrelevant('time_step_limit', 'a clamp in the forward pass'),
    irrelevant('mamba_ssm_cache_dtype', 'an inference cache dtype'),
    irrelevant('residual_in_fp32', 'numerics only'),
    irrelevant('rescale_prenorm_residual', 'initialization only'),
    irrelevant('layer_norm_epsilon', 'a norm epsilon, not a parameter'),
    irrelevant('num_logits_to_keep', 'a generation setting'),
  ],
  dbrx: [
    // DbrxConfig.__init__ raises "tie_word_embeddings is not supported for DBRX models".
    modelled('tie_word_embeddings', 'DbrxConfig refuses a tied head', [false]),
    modelled('attn_config.kv_n_heads'),
    modelled('ffn_config.ffn_hidden_size'),
    modelled('ffn_config.moe_num_experts'),
    modelled('ffn_config.moe_top_k'),
    irrelevant('attn_config.clip_qkv', 'clamps activations; no parameters'),
    irrelevant('attn_config.rope_theta', ROTARY),
    irrelevant('attn_config.attn_pdrop', 'dropout has no parameters'),
    irrelevant('ffn_config.ffn_act_fn', 'DbrxExpertGLU is gated whatever the activation'),
    irrelevant('ffn_config.ffn_act_fn.name', 'DbrxExpertGLU is gated whatever the activation'),
    irrelevant('ffn_config.moe_jitter_eps', ROUTING),
    irrelevant('ffn_config.moe_loss_weight', 'a loss weight'),
    irrelevant('ffn_config.moe_normalize_expert_weights', ROUTING),
    irrelevant('ffn_config.uniform_expert_assignment', ROUTING),
    irrelevant('resid_pdrop', 'dropout has no parameters'),
    irrelevant('emb_pdrop', 'dropout has no parameters'),
    irrelevant('output_router_logits', 'an output switch'),
    irrelevant('router_aux_loss_coef', 'a loss weight'),
  ],
  gpt_oss: [
    modelled('attention_bias'),
    modelled('num_local_experts'),
    modelled('num_experts', 'GptOssConfig.attribute_map spelling of num_local_experts'),
    modelled('num_experts_per_tok'),
    irrelevant(
      'experts_per_token',
      'not a GptOssConfig field (openai/gpt-oss config.json writes it beside num_experts_per_tok); GptOssTopKRouter reads num_experts_per_tok',
    ),
    irrelevant('initial_context_length', ROTARY),
    irrelevant('swiglu_alpha', 'a constant of the clamped SwiGLU, not a parameter'),
    irrelevant('swiglu_limit', 'a clamp of the SwiGLU inputs, not a parameter'),
    irrelevant('router_aux_loss_coef', 'a loss weight'),
    irrelevant('output_router_logits', 'an output switch'),
  ],
  smollm3: [
    modelled('attention_bias'),
    modelled('mlp_bias'),
    irrelevant('no_rope_layers', 'which layers skip rotary; no parameters'),
    irrelevant('no_rope_layer_interval', 'which layers skip rotary; no parameters'),
  ],
  arcee: [modelled('attention_bias'), modelled('mlp_bias')],
  seed_oss: [
    modelled('attention_bias'),
    modelled('attention_out_bias'),
    modelled('mlp_bias'),
    irrelevant('residual_dropout', 'dropout has no parameters'),
  ],
  ernie4_5: [modelled('use_bias')],
  glm: [
    modelled('attention_bias'),
    irrelevant('partial_rotary_factor', ROTARY),
    // GLM-4.5-style MoE / MLA keys are not GlmConfig fields: a "glm" file that writes them means
    // a model GlmForCausalLM (dense, GQA) is not.
    notModelled('n_routed_experts', 'routed experts (GLM-4.5 / DeepSeek layout), not in GlmForCausalLM', 128),
    notModelled(
      'moe_intermediate_size',
      'expert width (GLM-4.5 / DeepSeek layout), not in GlmForCausalLM',
      1408,
    ),
    notModelled('num_local_experts', 'experts, not in GlmForCausalLM', 8),
    notModelled('q_lora_rank', 'multi-head latent attention, not in GlmForCausalLM', 1536),
    notModelled('kv_lora_rank', 'multi-head latent attention, not in GlmForCausalLM', 512),
  ],
  glm4: [modelled('attention_bias'), irrelevant('partial_rotary_factor', ROTARY)],
  glm4_moe: [
    modelled('attention_bias'),
    modelled('use_qk_norm'),
    modelled('n_routed_experts'),
    modelled('num_experts_per_tok'),
    modelled('moe_intermediate_size'),
    modelled('n_shared_experts'),
    modelled('first_k_dense_replace'),
    // GLM-4.5 checkpoints store the MTP layer (model.layers.<num_hidden_layers>); transformers'
    // Glm4MoeModel does not build it (_keys_to_ignore_on_load_unexpected, @0e97420c
    // modular_glm4_moe.py), DeepSeek-V3 style MTP: not modelled, as for deepseek_v3.
    notModelled(
      'num_nextn_predict_layers',
      'multi-token-prediction layers stored in the checkpoint beside the num_hidden_layers layers',
      1,
      0,
    ),
    irrelevant('partial_rotary_factor', ROTARY),
    irrelevant('routed_scaling_factor', ROUTING),
    irrelevant('n_group', ROUTING),
    irrelevant('topk_group', ROUTING),
    irrelevant('norm_topk_prob', ROUTING),
  ],
  olmo3: [modelled('attention_bias')],
  cohere2: [
    modelled('attention_bias'),
    irrelevant('head_dim', 'Cohere2Config.__post_init__ sets head_dim = hidden_size // num_attention_heads'),
    irrelevant('logit_scale', SCALE),
    irrelevant('sliding_window_pattern', ATTENTION_PATTERN),
  ],
  exaone4: [irrelevant('sliding_window_pattern', ATTENTION_PATTERN)],
  llama4_text: [
    modelled('attention_bias'),
    modelled('num_local_experts'),
    modelled('num_experts_per_tok'),
    modelled('intermediate_size', 'the expert and shared-expert width'),
    modelled('moe_layers'),
    modelled('interleave_moe_layer_step'),
    irrelevant('use_qk_norm', 'Llama4TextL2Norm has no parameters'),
    irrelevant('no_rope_layers', 'which layers skip rotary; no parameters'),
    irrelevant('no_rope_layer_interval', 'which layers skip rotary; no parameters'),
    irrelevant('attention_chunk_size', ATTENTION_PATTERN),
    irrelevant('attn_temperature_tuning', SCALE),
    irrelevant('floor_scale', SCALE),
    irrelevant('attn_scale', SCALE),
    irrelevant('router_aux_loss_coef', 'a loss weight'),
    irrelevant('router_jitter_noise', ROUTING),
    irrelevant('output_router_logits', 'an output switch'),
  ],
  ernie4_5_moe: [
    modelled('use_bias'),
    modelled('moe_num_experts'),
    modelled('moe_k'),
    modelled('moe_intermediate_size'),
    modelled('moe_num_shared_experts'),
    modelled('moe_layer_start_index'),
    modelled('moe_layer_end_index'),
    modelled('moe_layer_interval'),
    // Ernie4_5_MoePreTrainedModel._keys_to_ignore_on_load_unexpected = ["mtp"]: checkpoints carry
    // multi-token-prediction weights transformers does not build; not modelled, as for DeepSeek-V3.
    notModelled(
      'num_nextn_predict_layers',
      'multi-token-prediction layers stored in the checkpoint beside the num_hidden_layers layers',
      1,
      0,
    ),
    irrelevant('moe_norm_min', ROUTING),
    irrelevant('moe_capacity', ROUTING),
    irrelevant('moe_gate', ROUTING),
    irrelevant('router_aux_loss_coef', 'a loss weight'),
    irrelevant('output_router_logits', 'an output switch'),
  ],
  t5: [
    modelled('feed_forward_proj'),
    modelled('num_decoder_layers'),
    modelled('relative_attention_num_buckets'),
    irrelevant('relative_attention_max_distance', 'bucket arithmetic; the bucket table is counted'),
    irrelevant('is_gated_act', 'derived from feed_forward_proj'),
  ],
};

function deepseekMoeAndMla(): Entry[] {
  return [
    modelled('n_routed_experts'),
    modelled('num_experts_per_tok'),
    modelled('moe_intermediate_size'),
    modelled('n_shared_experts'),
    modelled('first_k_dense_replace'),
    modelled('q_lora_rank'),
    modelled('kv_lora_rank'),
    modelled('qk_nope_head_dim'),
    modelled('qk_rope_head_dim'),
    modelled('v_head_dim'),
    irrelevant('routed_scaling_factor', ROUTING),
    irrelevant('topk_method', ROUTING),
    irrelevant('n_group', ROUTING),
    irrelevant('topk_group', ROUTING),
    irrelevant('scoring_func', ROUTING),
    irrelevant('norm_topk_prob', ROUTING),
    irrelevant('aux_loss_alpha', 'a loss weight'),
    irrelevant('seq_aux', 'a loss switch'),
    irrelevant('ep_size', 'expert parallelism splits the same experts'),
    irrelevant('rope_interleave', ROTARY),
  ];
}

/** Modelled entries for every key the family table reads. */
function tableEntries(family: HfFamily): Entry[] {
  const keys = new Set<string>();
  for (const aliases of Object.values(family.keys)) for (const key of aliases ?? []) keys.add(key);
  for (const value of [family.qkvBias, family.attnOutBias, family.mlpBias, family.lmHeadBias]) {
    if (value && typeof value === 'object') keys.add(value.key);
  }
  if (typeof family.qkNorm === 'object') keys.add(family.qkNorm.key);
  if (typeof family.normsPerLayer === 'object') keys.add(family.normsPerLayer.key);
  for (const alias of Object.keys(family.attributeMap ?? {})) keys.add(alias);
  return [...keys].map((key) => modelled(key));
}

function expand(): InventoryEntry[] {
  const out: InventoryEntry[] = [];
  for (const family of HF_FAMILY_LIST) {
    const byKey = new Map<string, Entry>();
    const denseOnly = family.moe ? [] : DENSE_FAMILY_EXPERT_KEYS;
    for (const entry of [
      ...tableEntries(family),
      ...COMMON,
      ...denseOnly,
      ...(PER_FAMILY[family.id] ?? []),
    ]) {
      byKey.set(entry.key, entry); // later lists refine earlier ones
    }
    for (const entry of byKey.values()) {
      out.push({ ...entry, affects: entry.affects ?? 'N', key: hfInventoryKey(family.id, entry.key) });
    }
  }
  return out;
}

/** The huggingface/transformers files read (each at the commit the index holds for that file). */
const TRANSFORMERS = 'huggingface/transformers';
const SOURCES: InventorySource[] = [
  {
    commit: '055855363e97555535aa9d133f53d99ef75bfd9c',
    paths: ['src/transformers/models/falcon/configuration_falcon.py'],
  },
  {
    commit: '00dcc6dda6f6d8e69541a6b51f97986a80242367',
    paths: ['src/transformers/models/falcon/modeling_falcon.py'],
  },
  {
    commit: '00b676f8f0489b88652a31d70751cc540dd06305',
    paths: ['src/transformers/models/deepseek_v3/modeling_deepseek_v3.py'],
  },
  {
    commit: '001f85b38fb432858ace93f18622f07cec46d874',
    paths: ['src/transformers/models/deepseek_v3/configuration_deepseek_v3.py'],
  },
  {
    commit: '0233e509531ace915c8241b4c16c8032a583279c',
    paths: ['src/transformers/models/deepseek_v2/modeling_deepseek_v2.py'],
  },
  {
    commit: '0206c7b0f3a56f3876a66bda1baa00741950221e',
    paths: ['src/transformers/models/mpt/modeling_mpt.py'],
  },
  {
    commit: '04c7fd35d5fe2d3542a41ad8c9b801bf0edfee61',
    paths: ['src/transformers/models/gpt_neo/configuration_gpt_neo.py'],
  },
  {
    commit: '0bedd3309fc97281835ab2f1a8e967a9d1a27c9e',
    paths: ['src/transformers/models/gptj/configuration_gptj.py'],
  },
  {
    commit: '03ea97ae17f461340572ce7c7250b22d7a146893',
    paths: ['src/transformers/models/cohere/modular_cohere.py'],
  },
  {
    commit: '0233e509531ace915c8241b4c16c8032a583279c',
    paths: ['src/transformers/models/phimoe/modular_phimoe.py'],
  },
  {
    commit: '008f5c8c29be84d4721dc6d1e0fcd72300580be4',
    paths: ['src/transformers/models/olmo2/modular_olmo2.py'],
  },
  {
    commit: '00574544580e648fa0c9aa9934640b2902959078',
    paths: ['src/transformers/models/gpt_bigcode/modeling_gpt_bigcode.py'],
  },
  {
    // Absent-vs-null defaults of the config classes (nullDerives, kv-head defaults, attribute_map).
    commit: '008e574391258935f3ecc3035c882e73bbcac419',
    paths: [
      'llama',
      'qwen2',
      'qwen2_moe',
      'qwen3',
      'qwen3_moe',
      'mixtral',
      'gemma',
      'gemma2',
      'phi',
      'phi3',
      'starcoder2',
      'olmo',
      'olmo2',
      'olmoe',
      'cohere',
      'granite',
      'deepseek_v2',
    ].map((type) => `src/transformers/models/${type}/configuration_${type}.py`),
  },
  {
    commit: '001f85b38fb432858ace93f18622f07cec46d874',
    paths: [
      'src/transformers/models/mistral/configuration_mistral.py',
      'src/transformers/models/qwen2_moe/modular_qwen2_moe.py',
    ],
  },
  {
    commit: '05cd1ec14dbe16127778060fb68c34105873015c',
    paths: ['src/transformers/models/stablelm/configuration_stablelm.py'],
  },
  {
    repo: 'SafeAILab/EAGLE',
    commit: 'cb7e0841fe0c206c6ed74a197ad5e2a1f13f5a2b',
    paths: ['eagle/traineagle3/cnets.py'],
  },
  {
    commit: '63210d0e3b74c2119b7998ff65bc6a2729283626',
    paths: ['src/transformers/models/llama4/modeling_llama4.py'],
  },
  {
    commit: '00d4b3d2142cb4ced2f51b90614b5d26bc045015',
    paths: ['src/transformers/models/gpt_oss/modeling_gpt_oss.py'],
  },
  {
    commit: '02b8f42b4240dddea1b27c45d2dc95fb2682f841',
    paths: ['src/transformers/models/gpt_oss/configuration_gpt_oss.py'],
  },
  {
    commit: '008e574391258935f3ecc3035c882e73bbcac419',
    paths: [
      'src/transformers/models/smollm3/modular_smollm3.py',
      'src/transformers/models/seed_oss/configuration_seed_oss.py',
      'src/transformers/models/ernie4_5/configuration_ernie4_5.py',
      'src/transformers/models/glm4/configuration_glm4.py',
      'src/transformers/models/cohere2/modular_cohere2.py',
      'src/transformers/models/exaone4/modular_exaone4.py',
      'src/transformers/models/llama4/configuration_llama4.py',
    ],
  },
  {
    commit: '031734d9c87c0e0a20f76d4f076e535b4ea30380',
    paths: ['src/transformers/models/arcee/modular_arcee.py'],
  },
  {
    commit: '052b1dcdbe751ed16e8da95261021318f170a130',
    paths: ['src/transformers/models/seed_oss/modular_seed_oss.py'],
  },
  {
    commit: '01187e21cda13b3f08fdb45b7e32b78d173d702a',
    paths: ['src/transformers/models/ernie4_5_moe/modular_ernie4_5_moe.py'],
  },
  {
    commit: '001f85b38fb432858ace93f18622f07cec46d874',
    paths: ['src/transformers/models/ernie4_5_moe/configuration_ernie4_5_moe.py'],
  },
  {
    commit: '016bc8ef0876cf366e321dfe1922500c897a0d90',
    paths: ['src/transformers/models/ernie4_5/modular_ernie4_5.py'],
  },
  {
    commit: '08c532782ab8cc2c6f48787f1bf4e5fc22061cc5',
    paths: ['src/transformers/models/glm4/modular_glm4.py'],
  },
  {
    commit: 'c7ec229ad64cdcf0176f669969c66c9a652e7f38',
    paths: ['src/transformers/models/glm4_moe/configuration_glm4_moe.py'],
  },
  {
    commit: 'a0699c971daff96403489086fcfd07469d20b17f',
    paths: ['src/transformers/models/glm4_moe/modeling_glm4_moe.py'],
  },
  {
    commit: '0e97420c9957149b80ff57632148e8ce80203b48',
    paths: ['src/transformers/models/glm4_moe/modular_glm4_moe.py'],
  },
  {
    commit: '02e8340b967815b4a5417c6273a7774aae298a03',
    paths: ['src/transformers/models/olmo3/modular_olmo3.py'],
  },
  {
    commit: 'ae005ce12a086176742fbf6c8364782a27085c85',
    paths: ['src/transformers/models/nemotron/configuration_nemotron.py'],
  },
  {
    commit: '694aaa7fbccb801de013a99cb558f5a20dfdc02a',
    paths: ['src/transformers/models/nemotron/modeling_nemotron.py'],
  },
  {
    commit: '23966c3f60ed43863fde91f2fadcc95c178216e1',
    paths: ['src/transformers/models/dbrx/configuration_dbrx.py'],
  },
  {
    commit: '6bdffed5670c12b3e6e223a511c4e6916afecfe5',
    paths: ['src/transformers/models/dbrx/modular_dbrx.py'],
  },
  {
    commit: '7e84bb6f8c7a465f14434f52586d2f3918d61e81',
    paths: ['src/transformers/models/granitemoeshared/configuration_granitemoeshared.py'],
  },
  {
    commit: 'a878fc03b04a74d387e5132eb8cfc0fbf7055047',
    paths: ['src/transformers/models/granitemoeshared/modular_granitemoeshared.py'],
  },
  {
    commit: '1d2fe0d87b712f479707c7518c7a31a0b9b62443',
    paths: ['src/transformers/models/glm/configuration_glm.py'],
  },
  {
    commit: 'ffd4c83e7a8979f68682f307736d7f865f70489a',
    paths: ['src/transformers/models/glm/modular_glm.py'],
  },
  {
    commit: '040e1a7e4bb4f48ff62dfbbb1f6f8eff23e894ac',
    paths: [
      'src/transformers/models/phimoe/configuration_phimoe.py',
      'src/transformers/models/granitemoe/configuration_granitemoe.py',
    ],
  },
  {
    commit: '4711664e1c9dabe4e13b5bd6fe337507050f2157',
    paths: ['src/transformers/models/mamba2/modeling_mamba2.py'],
  },
  {
    commit: 'f2a39d495c8c365996a33c6ae9506ad9c9339f4b',
    paths: ['src/transformers/models/mamba2/configuration_mamba2.py'],
  },
  {
    commit: '897753a012bfa6dac8c0ae3281f23a2fc1e72db6',
    paths: ['src/transformers/models/nemotron_h/modeling_nemotron_h.py'],
  },
  {
    commit: 'cfeb552ef0cb77b59ff08da07698ecaad5f7b5ba',
    paths: ['src/transformers/models/nemotron_h/configuration_nemotron_h.py'],
  },
].map((source) => ({ repo: TRANSFORMERS, ...source }));

/** The inventory of the `config.json` reader. */
export const HF_CONFIG_INVENTORY: FrameworkInventory = {
  framework: 'hf-config',
  sources: SOURCES,
  entries: expand(),
};
