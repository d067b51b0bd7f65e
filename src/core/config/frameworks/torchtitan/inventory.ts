import type { FrameworkInventory, InventoryEntry } from '../../inventory';

/**
 * torchtitan TOML keys that can change N or D, read from the job config dataclasses
 * (`torchtitan/config/job_config.py` @238fa995, the last TOML era) and the Dec 2024 argparse
 * (`torchtitan/config_manager.py` @6a6f755d), plus the code that consumes them (train.py,
 * components/ft/manager.py, hf_datasets/text_datasets.py, protocols/train_spec.py). Keys are
 * `table.key`, as the TOML writes them.
 */
const ENTRIES: readonly InventoryEntry[] = [
  // --- [model] ---------------------------------------------------------------------------------
  {
    key: 'model.name',
    affects: 'N',
    status: 'modelled',
    why: 'selects the model package whose flavor table gives the dimensions',
  },
  { key: 'model.flavor', affects: 'N', status: 'modelled', why: 'the flavor table entry' },
  {
    key: 'model.norm_type',
    affects: 'N',
    status: 'modelled',
    modelledValues: ['rmsnorm', 'fused_rmsnorm', 'layernorm', 'np_layernorm'],
    why: 'Dec 2024 build_norm: np_layernorm has no weight, the others one weight per norm',
  },
  {
    key: 'model.tokenizer_path',
    affects: 'N',
    status: 'modelled',
    why: 'Dec 2024: vocab_size = tokenizer n_words (the Llama-2/Llama-3 tokenizer of the model name; test tokenizers unknown)',
  },
  {
    key: 'model.hf_assets_path',
    affects: 'N',
    status: 'irrelevant',
    why: 'tokenizer and HF assets only; the Feb 2026 flavors fix vocab_size',
  },
  {
    key: 'model.converters',
    affects: 'N',
    status: 'not-modelled',
    default: null,
    example: 'lora',
    why: 'converters other than the quantization ones (quantize.linear.float8/mx, quantize.grouped_mm.*, which keep every parameter) rewrite the model',
  },
  {
    key: 'model.print_after_conversion',
    affects: 'N',
    status: 'irrelevant',
    why: 'printing only',
  },
  // --- [training] --------------------------------------------------------------------------------
  { key: 'training.steps', affects: 'D', status: 'modelled', why: 'optimizer steps' },
  {
    key: 'training.local_batch_size',
    affects: 'D',
    status: 'modelled',
    why: 'sequences per data-parallel rank per step',
  },
  {
    key: 'training.batch_size',
    affects: 'D',
    status: 'modelled',
    why: 'Dec 2024 name of the per-rank batch',
  },
  {
    key: 'training.global_batch_size',
    affects: 'D',
    status: 'modelled',
    why: 'sequences per step when > 0 (gradient accumulation fills it); -1 = local × DP',
  },
  { key: 'training.seq_len', affects: 'D', status: 'modelled', why: 'tokens per sequence' },
  {
    key: 'training.dataset',
    affects: 'D',
    status: 'irrelevant',
    why: 'the training dataloader loops (build_text_dataloader infinite=True), so D is steps × batch',
  },
  {
    key: 'training.dataset_path',
    affects: 'D',
    status: 'irrelevant',
    why: 'the training dataloader loops (infinite=True)',
  },
  {
    key: 'training.warmup_steps',
    affects: 'D',
    status: 'irrelevant',
    why: 'Dec 2024 LR warmup; does not change the step count',
  },
  // --- data / model parallel degrees ----------------------------------------------------------
  {
    key: 'parallelism.data_parallel_replicate_degree',
    affects: 'D',
    status: 'modelled',
    why: 'DP = replicate × shard',
  },
  {
    key: 'parallelism.data_parallel_shard_degree',
    affects: 'D',
    status: 'modelled',
    why: 'FSDP degree; -1 = the ranks left after TP, PP, CP and replicate',
  },
  {
    key: 'parallelism.tensor_parallel_degree',
    affects: 'D',
    status: 'modelled',
    why: 'divides the world size',
  },
  {
    key: 'parallelism.pipeline_parallel_degree',
    affects: 'D',
    status: 'modelled',
    why: 'divides the world size',
  },
  {
    key: 'parallelism.context_parallel_degree',
    affects: 'D',
    status: 'modelled',
    why: 'divides the world size',
  },
  {
    key: 'training.data_parallel_replicate_degree',
    affects: 'D',
    status: 'modelled',
    why: 'Dec 2024 location',
  },
  {
    key: 'training.data_parallel_shard_degree',
    affects: 'D',
    status: 'modelled',
    why: 'Dec 2024 location',
  },
  {
    key: 'training.data_parallel_degree',
    affects: 'D',
    status: 'modelled',
    why: 'older name of the shard degree',
  },
  { key: 'training.tensor_parallel_degree', affects: 'D', status: 'modelled', why: 'Dec 2024 location' },
  {
    key: 'experimental.pipeline_parallel_degree',
    affects: 'D',
    status: 'modelled',
    why: 'Dec 2024 location',
  },
  {
    key: 'experimental.context_parallel_degree',
    affects: 'D',
    status: 'modelled',
    why: 'Dec 2024 location',
  },
  {
    key: 'parallelism.expert_parallel_degree',
    affects: 'D',
    status: 'irrelevant',
    why: 'EP ranks are carved out of the DP×CP (and TP) ranks; the batch per DP rank is unchanged',
  },
  {
    key: 'parallelism.expert_tensor_parallel_degree',
    affects: 'D',
    status: 'irrelevant',
    why: 'splits experts across TP ranks only',
  },
  {
    key: 'parallelism.pipeline_parallel_microbatch_size',
    affects: 'D',
    status: 'irrelevant',
    why: 'splits the local batch into pipeline microbatches',
  },
  {
    key: 'experimental.pipeline_parallel_microbatches',
    affects: 'D',
    status: 'irrelevant',
    why: 'Dec 2024: splits the local batch into pipeline microbatches',
  },
  // --- code that replaces the model or the data-parallel layout -------------------------------
  {
    key: 'experimental.custom_import',
    affects: 'N',
    status: 'not-modelled',
    default: '',
    example: 'my_project.custom_model',
    why: 'imports user code that may register a TrainSpec under this model name (extra specs win over the built-in ones)',
  },
  {
    key: 'job.custom_config_module',
    affects: 'N',
    status: 'irrelevant',
    why: 'adds config fields; only user code (experimental.custom_import, experiment model names) reads them',
  },
  {
    key: 'experimental.custom_args_module',
    affects: 'N',
    status: 'irrelevant',
    why: 'deprecated alias of job.custom_config_module',
  },
  {
    key: 'fault_tolerance.enable',
    affects: 'D',
    status: 'not-modelled',
    default: false,
    example: true,
    why: 'torchft replica groups: the dataloader DP degree becomes DP × group_size (components/ft/manager.py get_dp_info)',
  },
  {
    key: 'fault_tolerance.group_size',
    affects: 'D',
    status: 'not-modelled',
    default: 0,
    example: 4,
    why: 'number of torchft replica groups, multiplying the data-parallel degree',
  },
  // --- read but harmless ------------------------------------------------------------------------
  {
    key: 'checkpoint.initial_load_path',
    affects: 'N',
    status: 'irrelevant',
    why: 'loads weights into the same shapes',
  },
  {
    key: 'debug.moe_force_load_balance',
    affects: 'N',
    status: 'irrelevant',
    why: 'routing only',
  },
  {
    key: 'validation.steps',
    affects: 'D',
    status: 'irrelevant',
    why: 'evaluation tokens, not training tokens',
  },
  {
    key: 'validation.local_batch_size',
    affects: 'D',
    status: 'irrelevant',
    why: 'evaluation only',
  },
  { key: 'validation.seq_len', affects: 'D', status: 'irrelevant', why: 'evaluation only' },
];

/** The torchtitan TOML inventory. */
export const TORCHTITAN_INVENTORY: FrameworkInventory = {
  framework: 'torchtitan',
  sources: [
    {
      repo: 'pytorch/torchtitan',
      commit: '238fa9953e4aec2a62582121564273d7cbb1e9f1',
      paths: [
        'torchtitan/config/job_config.py',
        'torchtitan/train.py',
        'torchtitan/components/ft/manager.py',
        'torchtitan/hf_datasets/text_datasets.py',
        'torchtitan/protocols/train_spec.py',
        'torchtitan/protocols/model_converter.py',
      ],
    },
    {
      repo: 'pytorch/torchtitan',
      commit: '6a6f755d2d7fd65ea6013324ae130306a0761e2c',
      paths: ['torchtitan/config_manager.py', 'torchtitan/models/norms.py'],
    },
  ],
  entries: ENTRIES,
};

/**
 * The Python config registry (`Trainer.Config` factories, pytorch/torchtitan@b5bcd76c): what the
 * static reader takes from a run, from `torchtitan/config/configs.py` (TrainingConfig) and
 * `torchtitan/models/llama3/__init__.py` (`model_registry`). Keys are `Callee.keyword`.
 */
export const TORCHTITAN_PY_INVENTORY: FrameworkInventory = {
  framework: 'torchtitan',
  sources: [
    {
      repo: 'pytorch/torchtitan',
      commit: 'b5bcd76c66d0acb1a08b176d9639425bc55e0b2a',
      paths: [
        'torchtitan/config/configs.py',
        'torchtitan/models/llama3/__init__.py',
        'torchtitan/trainer.py',
      ],
    },
  ],
  entries: [
    {
      key: 'model_registry.flavor',
      affects: 'N',
      status: 'modelled',
      why: 'the flavor factory of the package',
    },
    {
      key: 'model_registry.converters',
      affects: 'N',
      status: 'modelled',
      why: 'quantization converters keep every parameter; a run with any other converter (LoRA) gets no N',
    },
    {
      key: 'model_registry.attn_backend',
      affects: 'N',
      status: 'irrelevant',
      why: 'attention kernel only',
    },
    {
      key: 'model_registry.tp_gemm_backend',
      affects: 'N',
      status: 'irrelevant',
      why: 'tensor-parallel GEMM kernel only',
    },
    { key: 'TrainingConfig.steps', affects: 'D', status: 'modelled', why: 'optimizer steps' },
    {
      key: 'TrainingConfig.num_tokens_per_microbatch_per_dp_rank',
      affects: 'D',
      status: 'modelled',
      why: 'tokens per microbatch per data-parallel rank',
    },
    {
      key: 'TrainingConfig.num_tokens_per_train_step',
      affects: 'D',
      status: 'not-modelled',
      default: -1,
      example: 4_194_304,
      why: 'a fixed global token batch (gradient accumulation); -1 = microbatch × DP',
    },
    {
      key: 'TrainingConfig.max_context_length',
      affects: 'D',
      status: 'irrelevant',
      why: 'packing length; the token budget per microbatch is set in tokens',
    },
  ],
};
