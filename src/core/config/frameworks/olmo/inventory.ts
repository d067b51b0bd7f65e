import type { FrameworkInventory, InventoryEntry } from '../../inventory';

/**
 * Every key of the OLMo trainer's YAML (olmo/config.py `TrainConfig` and its `model:` section
 * `ModelConfig`) that can change N or D, read from:
 * - allenai/OLMo main @59a53e3f: olmo/config.py, olmo/model.py (blocks, norms, embeddings),
 *   olmo/train.py (`max_steps`, `max_tokens`, `fit`: stop_at / stop_after);
 * - allenai/OLMo branch Muennighoff/MoE @04a2da53 (the OLMoE code the allenai/OLMoE README points
 *   to): `block_type: moe` and the `moe_*` keys, olmo/config.py `config_to_moe_args`;
 * - Muennighoff/megablocks branch olmoe @4a25bc7b: megablocks/layers (router, dMoE, shared expert).
 * Keys under `model:` that this inventory does not list make N unknown in the reader: OLMo's
 * structured config rejects unknown fields, so they come from a fork whose meaning is not known.
 */

const irrelevant = (key: string, why: string, affects: InventoryEntry['affects'] = 'N'): InventoryEntry => ({
  key,
  affects,
  status: 'irrelevant',
  why,
});

export const OLMO_SOURCES = [
  {
    repo: 'allenai/OLMo',
    commit: '59a53e3f68e546330ca5a99ec626e58f9ab96494',
    paths: ['olmo/config.py', 'olmo/model.py', 'olmo/train.py'],
  },
  {
    repo: 'allenai/OLMo (branch Muennighoff/MoE)',
    commit: '04a2da53db172bd9a0450705592ed50888bdcaa7',
    paths: ['olmo/config.py', 'olmo/model.py'],
  },
  {
    repo: 'Muennighoff/megablocks (branch olmoe)',
    commit: '4a25bc7b5665bcb9da93d72d5ad0c14d41e1a351',
    paths: [
      'megablocks/layers/arguments.py',
      'megablocks/layers/moe.py',
      'megablocks/layers/dmoe.py',
      'megablocks/layers/mlp.py',
      'megablocks/layers/glu.py',
      'megablocks/layers/router.py',
    ],
  },
] as const;

export const OLMO_INVENTORY: FrameworkInventory = {
  framework: 'olmo',
  sources: OLMO_SOURCES,
  entries: [
    // --- ModelConfig: shape ---------------------------------------------------------------------
    { key: 'model.d_model', affects: 'N', status: 'modelled', default: 768 },
    { key: 'model.n_heads', affects: 'N', status: 'modelled', default: 12 },
    { key: 'model.n_kv_heads', affects: 'N', status: 'modelled', default: null },
    { key: 'model.multi_query_attention', affects: 'N', status: 'modelled', default: null },
    { key: 'model.n_layers', affects: 'N', status: 'modelled', default: 12 },
    { key: 'model.mlp_ratio', affects: 'N', status: 'modelled', default: 4 },
    { key: 'model.mlp_hidden_size', affects: 'N', status: 'modelled', default: null },
    {
      key: 'model.activation_type',
      affects: 'N',
      status: 'modelled',
      default: 'swiglu',
      modelledValues: ['swiglu', 'gelu', 'relu'],
    },
    {
      key: 'model.block_type',
      affects: 'N',
      status: 'modelled',
      default: 'sequential',
      why: 'sequential/llama (main), moe (Muennighoff/MoE), parallel (2023 versions)',
      modelledValues: ['sequential', 'llama', 'moe', 'parallel'],
    },
    { key: 'model.alibi', affects: 'N', status: 'modelled', default: false },
    { key: 'model.rope', affects: 'N', status: 'modelled', default: false },
    { key: 'model.max_sequence_length', affects: 'N,D', status: 'modelled', default: 1024 },
    { key: 'model.attention_layer_norm', affects: 'N', status: 'modelled', default: false },
    { key: 'model.attention_layer_norm_with_affine', affects: 'N', status: 'modelled', default: true },
    { key: 'model.embedding_layer_norm', affects: 'N', status: 'modelled', default: false },
    {
      key: 'model.layer_norm_type',
      affects: 'N',
      status: 'modelled',
      default: 'default',
      why: 'every OLMo LayerNorm type has the same weight/bias layout',
      modelledValues: ['default', 'low_precision', 'rms', 'amd_compatible'],
    },
    { key: 'model.layer_norm_with_affine', affects: 'N', status: 'modelled', default: true },
    { key: 'model.include_bias', affects: 'N', status: 'modelled', default: true },
    { key: 'model.bias_for_layer_norm', affects: 'N', status: 'modelled', default: null },
    { key: 'model.vocab_size', affects: 'N', status: 'modelled', default: 50257 },
    { key: 'model.embedding_size', affects: 'N', status: 'modelled', default: 50304 },
    { key: 'model.weight_tying', affects: 'N', status: 'modelled', default: true },
    // --- ModelConfig: MoE (Muennighoff/MoE) -----------------------------------------------------
    { key: 'model.moe_num_experts', affects: 'N', status: 'modelled', default: 8 },
    { key: 'model.moe_top_k', affects: 'N', status: 'modelled', default: 2 },
    {
      key: 'model.moe_mlp_impl',
      affects: 'N',
      status: 'modelled',
      default: 'sparse',
      why: 'megablocks sparse and grouped experts hold the same tensors',
      modelledValues: ['sparse', 'grouped'],
    },
    { key: 'model.moe_shared_expert', affects: 'N', status: 'modelled', default: false },
    {
      key: 'model.moe_dropless',
      affects: 'N',
      status: 'modelled',
      default: true,
      why: 'dMoE experts are GLU for swiglu; the capacity MoE (false) always uses the two-matrix megablocks MLP',
    },
    irrelevant('model.moe_capacity_factor', 'token capacity per expert, not parameters'),
    irrelevant('model.moe_loss_weight', 'a loss weight'),
    irrelevant('model.moe_zloss_weight', 'a loss weight'),
    irrelevant('model.moe_lbl_in_fp32', 'loss precision'),
    irrelevant('model.moe_log_expert_assignment', 'logging'),
    irrelevant(
      'model.moe_expert_model_parallelism',
      'shards experts across ranks (earlier MoE-branch versions)',
    ),
    irrelevant(
      'model.moe_weight_parallelism',
      'shards expert weights across ranks (earlier MoE-branch versions)',
    ),
    {
      key: 'model.separate_infgram_wte',
      affects: 'N',
      status: 'not-modelled',
      default: false,
      alsoHarmless: [null],
      why: 'an extra infini-gram embedding table (OLMo infgram branch)',
      example: true,
    },
    // --- ModelConfig: no parameters -------------------------------------------------------------
    irrelevant('model.clip_qkv', 'clamps activations'),
    irrelevant(
      'model.block_group_size',
      'FSDP wrapping only (olmo/config.py: "no affect on the number of parameters")',
    ),
    irrelevant('model.alibi_bias_max', 'ALiBi biases are computed, not learned'),
    irrelevant('model.rope_full_precision', 'RoPE precision'),
    irrelevant('model.rope_theta', 'RoPE base; no parameters'),
    irrelevant('model.flash_attention', 'an attention kernel'),
    irrelevant('model.attention_dropout', 'dropout has no parameters'),
    irrelevant('model.residual_dropout', 'dropout has no parameters'),
    irrelevant('model.embedding_dropout', 'dropout has no parameters'),
    irrelevant('model.layer_norm_eps', 'a norm epsilon'),
    irrelevant('model.scale_logits', 'scales logits by a constant'),
    irrelevant('model.eos_token_id', 'a token id'),
    irrelevant('model.pad_token_id', 'a token id'),
    irrelevant('model.init_device', 'where parameters are initialized'),
    irrelevant('model.init_fn', 'an initialization scheme'),
    irrelevant('model.init_std', 'an initialization scale'),
    irrelevant('model.init_cutoff_factor', 'an initialization cutoff'),
    irrelevant('model.precision', 'set from TrainConfig.precision'),
    irrelevant('model.scale_emb_init', 'an initialization scale'),
    irrelevant('model.emb_init_std', 'an initialization scale'),
    irrelevant('model.norm_after', 'moves the two block norms after the sublayers; same parameters'),
    // --- TrainConfig: training length -----------------------------------------------------------
    {
      key: 'max_duration',
      affects: 'D',
      status: 'modelled',
      default: 10000,
      why: 'bare number = steps, …T = tokens, …ep = epochs (olmo/train.py max_steps)',
    },
    { key: 'global_train_batch_size', affects: 'D', status: 'modelled', default: 512 },
    { key: 'stop_at', affects: 'D', status: 'modelled', default: null },
    { key: 'stop_after', affects: 'D', status: 'modelled', default: null },
    irrelevant('device_train_batch_size', 'derived: global_train_batch_size // world size', 'D'),
    irrelevant('device_train_microbatch_size', 'gradient accumulation split of the same batch', 'D'),
    irrelevant('device_train_grad_accum', 'derived from the batch sizes', 'D'),
    irrelevant('scheduler.t_max', 'the LR schedule horizon, not the run length', 'D'),
    irrelevant('scheduler.t_warmup', 'LR warmup', 'D'),
    irrelevant('scheduler.units', 'units of the LR schedule', 'D'),
    irrelevant(
      'fast_forward_batches',
      'skips data on resume; steps are still counted from max_duration',
      'D',
    ),
    irrelevant('epoch', 'the starting epoch when resuming', 'D'),
    irrelevant('load_path', 'a checkpoint to resume or start from; max_duration counts the whole run', 'D'),
    irrelevant('reset_trainer_state', 'restarts step counting when loading a checkpoint', 'D'),
    irrelevant('time_limit', 'a wall-clock limit per job; runs are resumed', 'D'),
    irrelevant('extra_steps_after_cancel', 'steps after a cancellation', 'D'),
    irrelevant('early_stopping_factor', 'stops on a loss spike, which cannot be known in advance', 'D'),
    irrelevant('run_name', 'a display name', 'D'),
    irrelevant('eval_interval', 'evaluation cadence', 'D'),
    irrelevant('eval_subset_num_batches', 'evaluation batches are not training tokens', 'D'),
    irrelevant('device_eval_batch_size', 'evaluation batches are not training tokens', 'D'),
  ],
};
