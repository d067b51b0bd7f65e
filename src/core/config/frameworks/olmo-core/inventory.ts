import type { FrameworkInventory, InventoryEntry } from '../../inventory';
import { OLMO_CORE_COMMIT } from './tables';

/**
 * The arguments of an OLMo-core launch script that can change N or D, read from allenai/OLMo-core
 * at the commit of tables.ts:
 * - src/olmo_core/nn/transformer/config.py: `TransformerConfig.llama_like` / `llama_like_moe`
 *   keyword arguments (every factory ends in one of them) and the TransformerConfig fields that
 *   reach it through `**kwargs`; `num_params` and the attention / feed-forward / MoE / layer-norm /
 *   LM-head `num_params` methods give the counts;
 * - src/olmo_core/internal/experiment.py `build_config` (tokenizer, global_batch_size in tokens,
 *   max_sequence_length), src/olmo_core/train/config.py `TrainerConfig` (max_duration default one
 *   epoch, hard_stop) and src/olmo_core/train/common.py `Duration`.
 * Keys are the keyword names as written in the script. A factory keyword this inventory does not
 * list makes N unknown in the reader (its meaning is not known).
 */

const irrelevant = (key: string, why: string, affects: InventoryEntry['affects'] = 'N'): InventoryEntry => ({
  key,
  affects,
  status: 'irrelevant',
  why,
});

const notModelled = (key: string, why: string, example: string): InventoryEntry => ({
  key,
  affects: 'N',
  status: 'not-modelled',
  default: null,
  why,
  example,
});

export const OLMO_CORE_INVENTORY: FrameworkInventory = {
  framework: 'olmo-core',
  sources: [
    {
      repo: 'allenai/OLMo-core',
      commit: OLMO_CORE_COMMIT,
      paths: [
        'src/olmo_core/nn/transformer/config.py',
        'src/olmo_core/nn/attention/__init__.py',
        'src/olmo_core/nn/feed_forward.py',
        'src/olmo_core/nn/moe/moe.py',
        'src/olmo_core/nn/moe/router.py',
        'src/olmo_core/nn/layer_norm.py',
        'src/olmo_core/nn/lm_head.py',
        'src/olmo_core/data/tokenizer.py',
        'src/olmo_core/internal/experiment.py',
        'src/olmo_core/train/config.py',
        'src/olmo_core/train/common.py',
      ],
    },
  ],
  entries: [
    // --- llama_like: shape ----------------------------------------------------------------------
    { key: 'vocab_size', affects: 'N', status: 'modelled' },
    { key: 'd_model', affects: 'N', status: 'modelled' },
    { key: 'n_layers', affects: 'N', status: 'modelled' },
    { key: 'n_heads', affects: 'N', status: 'modelled' },
    { key: 'n_kv_heads', affects: 'N', status: 'modelled', default: null },
    { key: 'head_dim', affects: 'N', status: 'modelled', default: null },
    { key: 'qk_norm', affects: 'N', status: 'modelled', default: false },
    { key: 'use_head_qk_norm', affects: 'N', status: 'modelled', default: false },
    { key: 'hidden_size_multiple_of', affects: 'N', status: 'modelled', default: 256 },
    { key: 'hidden_size_multiplier', affects: 'N', status: 'modelled', default: null },
    {
      key: 'layer_norm_name',
      affects: 'N',
      status: 'modelled',
      default: null,
      why: 'every norm but l2_norm has one weight per channel (bias=False)',
      modelledValues: [null, 'rms', 'fused_rms', 'qwen_rms', 'cute_rms', 'default'],
    },
    {
      key: 'block_name',
      affects: 'N',
      status: 'modelled',
      default: 'default',
      modelledValues: [
        'default',
        'reordered_norm',
        'peri_norm',
        'moe',
        'moe_reordered_norm',
        'moe_hybrid',
        'moe_hybrid_reordered_norm',
      ],
    },
    {
      key: 'name',
      affects: 'N',
      status: 'modelled',
      default: 'default',
      why: 'TransformerType; the normalized (nGPT) transformer is not modelled',
      modelledValues: ['default', 'moe'],
    },
    { key: 'tie_word_embeddings', affects: 'N', status: 'modelled', default: false },
    { key: 'feed_forward', affects: 'N', status: 'modelled', default: null },
    { key: 'feed_forward_moe', affects: 'N', status: 'modelled', default: null },
    // --- llama_like_moe -------------------------------------------------------------------------
    { key: 'num_experts', affects: 'N', status: 'modelled' },
    { key: 'top_k', affects: 'N', status: 'modelled' },
    { key: 'expert_hidden_size', affects: 'N', status: 'modelled' },
    { key: 'shared_expert_hidden_size', affects: 'N', status: 'modelled', default: null },
    { key: 'reordered_norm', affects: 'N', status: 'modelled', default: false },
    { key: 'hybrid', affects: 'N', status: 'modelled', default: false, modelledValues: [false] },
    irrelevant('dropless', 'dropless and capacity MoE hold the same expert tensors'),
    irrelevant('capacity_factor', 'token capacity, not parameters'),
    irrelevant('lb_loss_weight', 'a loss weight'),
    irrelevant('z_loss_weight', 'a loss weight'),
    // --- Not modelled ---------------------------------------------------------------------------
    notModelled('gate', 'an attention output gate adds d×heads (or d×d) per layer', 'GateConfig()'),
    notModelled('block_mods', 'per-layer block replacements', '{0: lambda b: b}'),
    notModelled('block_overrides', 'per-layer block configs', '{0: block}'),
    notModelled('block_pattern', 'named blocks interleaved by a pattern (hybrid models)', '["gdn", "attn"]'),
    notModelled('embedding_norm', 'a norm after the token embedding', 'LayerNormConfig()'),
    // --- No parameters --------------------------------------------------------------------------
    irrelevant('layer_norm_eps', 'a norm epsilon'),
    irrelevant('rope_theta', 'RoPE base'),
    irrelevant('rope_type', 'RoPE implementation'),
    irrelevant('rope_full_precision', 'RoPE precision'),
    irrelevant('rope_scaling', 'RoPE scaling has no parameters'),
    irrelevant('no_global_rope', 'RoPE on sliding-window layers only'),
    irrelevant('fused_ops', 'fused kernels (a fused qkv holds the same tensors)'),
    irrelevant('use_flash', 'an attention kernel'),
    irrelevant('attn_backend', 'an attention kernel'),
    irrelevant('sliding_window', 'an attention mask'),
    irrelevant('dtype', 'parameter precision'),
    irrelevant('init_method', 'initialization'),
    irrelevant('init_seed', 'initialization'),
    irrelevant('init_std', 'initialization'),
    irrelevant('embedding_init_std', 'initialization'),
    irrelevant('embed_scale', 'scales embeddings by a constant'),
    irrelevant('freeze_params', 'frozen parameters still count in N'),
    // --- Training length ------------------------------------------------------------------------
    {
      key: 'max_duration',
      affects: 'D',
      status: 'modelled',
      why: 'TrainerConfig default Duration.epochs(1)',
    },
    { key: 'hard_stop', affects: 'D', status: 'modelled', default: null },
    {
      key: 'global_batch_size',
      affects: 'D',
      status: 'modelled',
      why: 'in tokens (build_config, NumpyDataLoaderConfig)',
    },
    { key: 'max_sequence_length', affects: 'D', status: 'modelled', default: 4096 },
    { key: 'sequence_length', affects: 'D', status: 'modelled' },
    {
      key: 'tokenizer',
      affects: 'N',
      status: 'modelled',
      why: 'build_config default TokenizerConfig.dolma2()',
    },
    irrelevant('rank_microbatch_size', 'gradient accumulation split of the same batch', 'D'),
    irrelevant('warmup_steps', 'LR warmup', 'D'),
    irrelevant('warmup', 'LR warmup', 'D'),
  ],
};
