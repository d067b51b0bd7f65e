import type { FrameworkInventory, InventoryEntry } from '../../inventory';

/**
 * Every LitGPT CLI/YAML key that can change N or D, read from the `setup()` signatures of
 * litgpt/pretrain.py and litgpt/finetune/{lora,full}.py, `TrainArgs` in litgpt/args.py, the
 * `Config` dataclass in litgpt/config.py (the fields of an inline `model_config:`) and the model
 * code that consumes them (litgpt/model.py, litgpt/lora.py) at 26857050. A LitGPT YAML is the
 * argument set of one of those scripts: top-level keys are `setup()` arguments, `train.*` are
 * TrainArgs fields, `model_config.*` are Config fields. Keys that only touch logging, I/O,
 * evaluation, the optimizer or numerics are listed as irrelevant where the reader reads them, or
 * left out (a key the inventory does not list is never made unknown, except a `model_config` key
 * that is not a Config field at all: reader.ts LIT_CONFIG_FIELDS).
 */
const LITGPT = 'Lightning-AI/litgpt';
const LITGPT_COMMIT = '26857050fe3ff627cd714fe92f5838f51a3d5efa';

/** `model_config.<field>` entries the reader turns into the architecture. */
const MODELLED_CONFIG_FIELDS = [
  'name',
  'n_layer',
  'n_embd',
  'n_head',
  'n_query_groups',
  'head_size',
  'vocab_size',
  'padding_multiple',
  'padded_vocab_size',
  'intermediate_size',
  'moe_intermediate_size',
  'bias',
  'attn_bias',
  'lm_head_bias',
  'shared_attention_norm',
  'norm_1',
  'norm_2',
  'post_attention_norm',
  'post_mlp_norm',
  'norm_qk',
  'n_expert',
  'n_expert_per_token',
  'n_shared_expert',
  'first_k_dense_replace',
  'n_expert_groups',
] as const;

/** `model_config.<field>` entries that cannot change the parameter count (litgpt/model.py). */
const IRRELEVANT_CONFIG_FIELDS: readonly [string, string][] = [
  ['hf_config', 'only names the HF checkpoint to download'],
  ['norm_eps', 'a numerical epsilon'],
  ['parallel_residual', 'how the residual is summed; the same modules either way'],
  ['attention_scores_scalar', 'a softmax scale'],
  ['sliding_window_size', 'an attention mask'],
  ['sliding_window_indices', 'which layers mask; no parameters'],
  ['attention_logit_softcapping', 'a logit cap'],
  ['final_logit_softcapping', 'a logit cap'],
  ['rope_base', 'rotary frequencies are buffers'],
  ['rotary_percentage', 'rotary width; buffers only'],
  ['rope_condense_ratio', 'rotary positions; buffers only'],
  ['rope_adjustments', 'rotary scaling; buffers only'],
  ['rope_interleave', 'rotary layout'],
  ['rope_local_base_freq', 'rotary frequencies for local layers'],
  ['rope_indices', 'which layers use the local rotary base'],
  ['gelu_approximate', 'activation approximation'],
  ['n_topk_groups', 'routing groups; GroupedTopkRouter has the same n_expert×d weight'],
  ['n_topk_scores_per_group', 'routing scores per group'],
  ['routed_scaling_factor', 'a routing weight scale'],
  ['norm_topk_prob', 'routing normalization'],
  ['scale_embeddings', 'multiplies embeddings by sqrt(d)'],
];

const entries: InventoryEntry[] = [
  // --- which model (pretrain.py / finetune setup()) ---
  { key: 'model_name', affects: 'N,D', status: 'modelled', why: 'Config.from_name: the named config.py row' },
  { key: 'model_config', affects: 'N,D', status: 'modelled', why: 'an inline litgpt.Config' },
  {
    key: 'checkpoint_dir',
    affects: 'N',
    status: 'modelled',
    why: 'Config.from_checkpoint: model_config.yaml in the directory, else the config.py row of its name',
  },
  {
    key: 'initial_checkpoint_dir',
    affects: 'D',
    status: 'modelled',
    why: 'pretrain.py loads weights into the model model_name/model_config builds (shape unchanged): a continued pretraining, D counts this run only; with resume, validate_args raises',
  },
  {
    key: 'resume',
    affects: 'D',
    status: 'irrelevant',
    why: 'continues the same run; max_tokens still bounds the whole run',
  },
  {
    key: 'tokenizer_dir',
    affects: 'N',
    status: 'irrelevant',
    why: 'pretrain.py: the tokenizer feeds the data only; the embedding size comes from the Config',
  },
  {
    key: 'quantize',
    affects: 'N',
    status: 'irrelevant',
    why: 'bitsandbytes storage of the same weights (QLoRA); the parameter count is unchanged',
  },
  { key: 'precision', affects: 'N', status: 'irrelevant', why: 'numeric format only' },
  {
    key: 'data',
    affects: 'D',
    status: 'irrelevant',
    why: 'finetune D needs the dataset size from settings; pretrain D is max_tokens',
  },
  { key: 'devices', affects: 'D', status: 'modelled', why: 'the GPU count of the run' },
  { key: 'num_nodes', affects: 'D', status: 'modelled', why: 'multiplies the GPU count' },
  // --- LoRA (finetune/lora.py setup(), litgpt/lora.py): trainable parameters only ---
  {
    key: 'lora_r',
    affects: 'N',
    status: 'irrelevant',
    why: 'adapter rank: reported as trainable parameters beside the base N',
  },
  { key: 'lora_alpha', affects: 'N', status: 'irrelevant', why: 'adapter scale' },
  { key: 'lora_dropout', affects: 'N', status: 'irrelevant', why: 'adapter dropout' },
  {
    key: 'lora_query',
    affects: 'N',
    status: 'irrelevant',
    why: 'which matrices get adapters (trainable count only)',
  },
  {
    key: 'lora_key',
    affects: 'N',
    status: 'irrelevant',
    why: 'which matrices get adapters (trainable count only)',
  },
  {
    key: 'lora_value',
    affects: 'N',
    status: 'irrelevant',
    why: 'which matrices get adapters (trainable count only)',
  },
  {
    key: 'lora_projection',
    affects: 'N',
    status: 'irrelevant',
    why: 'which matrices get adapters (trainable count only)',
  },
  {
    key: 'lora_mlp',
    affects: 'N',
    status: 'irrelevant',
    why: 'which matrices get adapters (trainable count only)',
  },
  {
    key: 'lora_head',
    affects: 'N',
    status: 'irrelevant',
    why: 'which matrices get adapters (trainable count only)',
  },
  // --- TrainArgs (litgpt/args.py) ---
  {
    key: 'train',
    affects: 'D',
    status: 'irrelevant',
    why: 'the TrainArgs block; its fields are listed one by one',
  },
  { key: 'train.global_batch_size', affects: 'D', status: 'modelled' },
  { key: 'train.micro_batch_size', affects: 'D', status: 'modelled' },
  { key: 'train.epochs', affects: 'D', status: 'modelled' },
  { key: 'train.max_tokens', affects: 'D', status: 'modelled' },
  {
    key: 'train.max_steps',
    affects: 'D',
    status: 'modelled',
    why: 'finetune scripts stop at it; pretrain.py only warns and trains to max_tokens',
  },
  { key: 'train.max_seq_length', affects: 'D', status: 'modelled' },
  {
    key: 'train.tie_embeddings',
    affects: 'N',
    status: 'modelled',
    why: 'pretrain.py ties wte to lm_head when true (finetune scripts reject it)',
  },
  {
    key: 'train.max_time',
    affects: 'D',
    status: 'not-modelled',
    default: null,
    why: 'finetune scripts stop after this many seconds, at a step count that depends on the hardware',
    example: 3600,
  },
  { key: 'train.save_interval', affects: 'D', status: 'irrelevant', why: 'checkpoint cadence' },
  { key: 'train.log_interval', affects: 'D', status: 'irrelevant', why: 'logging cadence' },
  { key: 'train.lr_warmup_steps', affects: 'D', status: 'irrelevant', why: 'learning-rate schedule' },
  { key: 'train.lr_warmup_fraction', affects: 'D', status: 'irrelevant', why: 'learning-rate schedule' },
  { key: 'train.max_norm', affects: 'D', status: 'irrelevant', why: 'gradient clipping' },
  { key: 'train.min_lr', affects: 'D', status: 'irrelevant', why: 'learning-rate schedule' },
  // --- Config fields of an inline model_config (litgpt/config.py, litgpt/model.py) ---
  ...MODELLED_CONFIG_FIELDS.map((field): InventoryEntry => ({
    key: `model_config.${field}`,
    affects: 'N',
    status: 'modelled',
  })),
  {
    key: 'model_config.block_size',
    affects: 'D',
    status: 'modelled',
    why: 'the sequence length when train.max_seq_length is unset',
  },
  {
    key: 'model_config.norm_class_name',
    affects: 'N',
    status: 'modelled',
    modelledValues: ['LayerNorm', 'RMSNorm'],
  },
  {
    key: 'model_config.mlp_class_name',
    affects: 'N',
    status: 'modelled',
    modelledValues: ['GptNeoxMLP', 'LLaMAMLP', 'GemmaMLP', 'LLaMAMoE'],
  },
  {
    key: 'model_config.norm_qk_type',
    affects: 'N',
    status: 'modelled',
    modelledValues: ['default', 'olmo2'],
  },
  {
    key: 'model_config.latent_attention',
    affects: 'N',
    status: 'not-modelled',
    default: null,
    why: 'MultiheadLatentAttention (q_a/kv_a low-rank projections) replaces q/k/v',
    example:
      '{q_lora_rank: 1536, kv_lora_rank: 512, qk_rope_head_dim: 64, qk_nope_head_dim: 128, v_head_dim: 128}',
  },
  ...IRRELEVANT_CONFIG_FIELDS.map(([field, why]): InventoryEntry => ({
    key: `model_config.${field}`,
    affects: 'N',
    status: 'irrelevant',
    why,
  })),
];

/** The LitGPT inventory. */
export const LITGPT_INVENTORY: FrameworkInventory = {
  framework: 'litgpt',
  sources: [
    {
      repo: LITGPT,
      commit: LITGPT_COMMIT,
      paths: [
        'litgpt/pretrain.py',
        'litgpt/finetune/lora.py',
        'litgpt/finetune/full.py',
        'litgpt/args.py',
        'litgpt/config.py',
        'litgpt/model.py',
        'litgpt/lora.py',
      ],
    },
  ],
  entries,
};
