import type { FrameworkInventory, InventoryEntry } from '../../inventory';

/**
 * Every name a nanoGPT `config/*.py` override can assign that train.py (or model.py's GPTConfig) of
 * nanoGPT and its two popular MoE forks reads. configurator.py simply `exec`s the override file, so
 * its names are train.py's module globals:
 * - karpathy/nanoGPT train.py lines 33-75 and model.py `GPTConfig`;
 * - sijunhe/nanoMoE train.py (`use_moe`, `num_experts`, `top_k`, ...) and moe_model.py `MoEGPTConfig`;
 * - wolfecameron/nanoMoE train.py (`n_exp`, `top_k`, `stride`, ...) and model.py `GPTConfig`.
 */

const irrelevant = (key: string, why: string, affects: InventoryEntry['affects'] = 'N'): InventoryEntry => ({
  key,
  affects,
  status: 'irrelevant',
  why,
});

export const NANOGPT_INVENTORY: FrameworkInventory = {
  framework: 'nanogpt',
  sources: [
    {
      repo: 'karpathy/nanoGPT',
      commit: '3adf61e154c3fe3fca428ad6bc3818b27a3b8291',
      paths: ['train.py', 'model.py', 'configurator.py'],
    },
    {
      repo: 'sijunhe/nanoMoE',
      commit: '307f3c2e31ccba06826ff3649be448fe1b3d1ee6',
      paths: ['train.py', 'moe_model.py'],
    },
    {
      repo: 'wolfecameron/nanoMoE',
      commit: '661fbcfade3e3081b3ed1150bc07e49082f46b48',
      paths: ['train.py', 'model.py'],
    },
  ],
  entries: [
    // --- Architecture (train.py model_args → GPTConfig) ---------------------------------------
    { key: 'n_layer', affects: 'N', status: 'modelled', default: 12 },
    { key: 'n_head', affects: 'N', status: 'modelled', default: 12 },
    { key: 'n_embd', affects: 'N', status: 'modelled', default: 768 },
    { key: 'bias', affects: 'N', status: 'modelled', default: false },
    { key: 'block_size', affects: 'N,D', status: 'modelled', default: 1024 },
    {
      key: 'init_from',
      affects: 'N',
      status: 'modelled',
      default: 'scratch',
      why: "'scratch', 'resume' or an OpenAI checkpoint gpt2/gpt2-medium/gpt2-large/gpt2-xl",
    },
    {
      key: 'dataset',
      affects: 'N',
      status: 'modelled',
      default: 'openwebtext',
      why: 'the vocab comes from data/<dataset>/meta.pkl, else 50304',
    },
    {
      key: 'vocab_size',
      affects: 'N',
      status: 'not-modelled',
      why: 'train.py sets the vocab from data/<dataset>/meta.pkl (or 50304); a fork that reads this name is not known',
      example: 32000,
    },
    irrelevant('dropout', 'dropout has no parameters'),
    irrelevant('gradient_checkpointing', 'activation recomputation (sijunhe/nanoMoE)'),
    // --- sijunhe/nanoMoE: every layer is an MoE layer when use_moe ------------------------------
    {
      key: 'use_moe',
      affects: 'N',
      status: 'modelled',
      default: false,
      why: 'sijunhe/nanoMoE: every block becomes an MoE block (router d×num_experts, no bias)',
    },
    { key: 'num_experts', affects: 'N', status: 'modelled', default: 4, why: 'sijunhe/nanoMoE' },
    {
      key: 'top_k',
      affects: 'N',
      status: 'modelled',
      why: 'experts per token (sijunhe/nanoMoE default 1, wolfecameron/nanoMoE default 2)',
    },
    irrelevant('expert_load_balance_loss_coef', 'a loss weight (sijunhe/nanoMoE)'),
    // --- wolfecameron/nanoMoE: one MoE block every `stride` layers (layer i with i % stride == 0) ---
    {
      key: 'n_exp',
      affects: 'N',
      status: 'modelled',
      default: 1,
      why: 'wolfecameron/nanoMoE: n_exp > 1 makes layers 0, stride, 2·stride, … MoE',
    },
    { key: 'stride', affects: 'N', status: 'modelled', default: 2, why: 'wolfecameron/nanoMoE' },
    {
      key: 'use_noisy_top_k',
      affects: 'N',
      status: 'not-modelled',
      default: false,
      why: 'wolfecameron/nanoMoE adds a second router matrix w_noise (d×n_exp) per MoE layer',
      example: true,
    },
    irrelevant('use_aux_loss', 'a loss term (wolfecameron/nanoMoE)'),
    irrelevant('use_router_z_loss', 'a loss term (wolfecameron/nanoMoE)'),
    irrelevant('aux_loss_weight', 'a loss weight (wolfecameron/nanoMoE)'),
    irrelevant('router_z_loss_weight', 'a loss weight (wolfecameron/nanoMoE)'),
    irrelevant('train_capacity', 'expert capacity drops tokens inside a layer, not parameters or data'),
    irrelevant('eval_capacity', 'expert capacity at evaluation'),
    irrelevant('min_capacity', 'expert capacity floor'),
    irrelevant('use_switch_tfm_init', 'an initialization scheme'),
    irrelevant('switch_tfm_init_scale', 'an initialization scale'),
    irrelevant('router_use_full_prec', 'router precision'),
    // --- Training length ------------------------------------------------------------------------
    { key: 'batch_size', affects: 'D', status: 'modelled', default: 12 },
    {
      key: 'gradient_accumulation_steps',
      affects: 'D',
      status: 'modelled',
      default: 40,
      why: 'global: train.py divides it by the DDP world size',
    },
    { key: 'max_iters', affects: 'D', status: 'modelled', default: 600000 },
    { key: 'eval_only', affects: 'D', status: 'modelled', default: false },
    irrelevant('lr_decay_iters', 'learning-rate schedule length; training stops at max_iters', 'D'),
    irrelevant('warmup_iters', 'learning-rate warmup', 'D'),
    irrelevant('decay_lr', 'learning-rate schedule', 'D'),
    irrelevant('learning_rate', 'optimizer setting', 'D'),
    irrelevant('min_lr', 'optimizer setting', 'D'),
    irrelevant('weight_decay', 'optimizer setting', 'D'),
    irrelevant('beta1', 'optimizer setting', 'D'),
    irrelevant('beta2', 'optimizer setting', 'D'),
    irrelevant('grad_clip', 'optimizer setting', 'D'),
    // --- I/O, logging, system -------------------------------------------------------------------
    irrelevant('out_dir', 'checkpoint directory', 'D'),
    irrelevant('eval_interval', 'evaluation cadence; evaluation batches are not training tokens', 'D'),
    irrelevant('log_interval', 'logging cadence', 'D'),
    irrelevant('eval_iters', 'evaluation batches are not training tokens', 'D'),
    irrelevant('always_save_checkpoint', 'checkpointing', 'D'),
    irrelevant('wandb_log', 'logging', 'D'),
    irrelevant('wandb_project', 'logging', 'D'),
    irrelevant('wandb_run_name', 'a display name', 'D'),
    irrelevant('backend', 'DDP backend', 'D'),
    irrelevant('device', 'device placement', 'D'),
    irrelevant('dtype', 'numeric precision', 'D'),
    irrelevant('compile', 'torch.compile', 'D'),
  ],
};

/**
 * Names that no known nanoGPT fork reads but that look like architecture: a fork we do not know
 * (GQA, rotary, SwiGLU, other MoE layouts) would change the count, so N becomes unknown.
 * Seen in forks' configs in the wild: `kv_channels` (quietsmile/nanogpt@fdd2fd8d, head width
 * apart from n_embd/n_head), `use_gqa`/`n_query_groups`, `n_embed`, `head_size`, `use_alibi`,
 * `use_abs_pos_embeddings` (dropping the learned position table).
 */
export const NANOGPT_ARCHITECTURAL_NAME =
  /(expert|moe|n_kv|kv_head|num_kv|kv_chan|kv_rep|key_value|gqa|mqa|query_group|n_rep|vocab|rope|rotary|swiglu|geglu|glu|mlp|ffn|intermediate|head_dim|head_size|d_head|n_embd|n_embed|embed_dim|emb_dim|model_dim|n_inner|n_layer|n_head|num_layers|num_heads|hidden_size|d_model|d_ff|multiple_of|tie_|tied|tying|untie|norm|qk_|window|latent|lora|mtp|router|n_exp|shared_|alibi|pos_emb|abs_pos|position|n_positions|n_ctx)/i;

/**
 * Names no known fork reads that say the model comes from elsewhere: a fork's SFT/DPO script that
 * loads `checkpoint_path` (aaronzhfeng/llm-foundry@HEAD post_training/train_sft.py `load_checkpoint`
 * takes `model_args` from the checkpoint) builds the checkpoint's model, not train.py's GPT-2
 * defaults; a token id (`pad_token_id = 151643`) names another tokenizer's vocabulary. N becomes
 * unknown. `always_save_checkpoint` is nanoGPT's own and is not matched (the inventory comes first).
 */
export const NANOGPT_LOADED_MODEL_NAME =
  /(checkpoint_path|ckpt_path|ckpt_file|checkpoint_file|init_checkpoint|pretrained|model_path|model_name_or_path|base_model|hf_model|load_from|load_path|resume_from|ref_model|reference_model|teacher|token_id)/i;

/**
 * Names no known fork reads that look like a training length (epochs, token budgets, llm.c and
 * modded-nanogpt style `total_batch_size`/`num_iterations`): D becomes unknown.
 */
export const NANOGPT_TRAINING_NAME =
  /(epoch|max_tokens|total_tokens|train_tokens|num_tokens|token_budget|max_steps|total_batch_size|num_iterations|train_steps)/i;

/**
 * Dataset names that look character-level: their prepare.py writes data/<dataset>/meta.pkl with
 * its own vocab (karpathy/nanoGPT data/shakespeare_char/prepare.py), which train.py then uses.
 */
export const NANOGPT_CHAR_DATASET = /char/i;

/**
 * nanoGPT's own GPT-2 BPE datasets: their prepare.py (tiktoken) writes no meta.pkl, so train.py
 * uses vocab 50304 (karpathy/nanoGPT@3adf61e1 data/openwebtext, data/shakespeare).
 */
export const NANOGPT_BPE_DATASETS: ReadonlySet<string> = new Set(['openwebtext', 'shakespeare']);
