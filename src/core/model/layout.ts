import type { FieldSource, FrameworkId } from '../types';

/**
 * How a run is laid out on its devices: the parallel degrees, sharding, recomputation, batch
 * shape, precision and optimizer — everything per-GPU memory and throughput depend on beyond the
 * architecture. Every field is optional in a file's {@link ParallelLayout}; {@link resolveLayout}
 * fills the gaps with the framework's own defaults (cited in {@link FRAMEWORK_LAYOUT_DEFAULTS}) and
 * says which defaults it applied.
 */

/**
 * Activation recomputation (checkpointing): Korthikanti et al. 2022's three regimes, plus
 * torchtitan's op-level selective checkpointing ('selective-op': every block keeps its input, the
 * outputs of the flash-attention op and of every other matmul, and recomputes the rest —
 * torchtitan@9dec370 torchtitan/parallelisms/parallelize_llama.py `_save_list`, "Saves output of all
 * compute ops, except every second mm").
 */
export type RecomputeMode = 'none' | 'selective' | 'selective-op' | 'full';

/** How a 'full' recompute covers only some layers (see {@link ParallelLayout.recomputeMethod}). */
export type RecomputeMethod = 'uniform' | 'block' | 'every';

/**
 * Sharding of model states over the data-parallel group, in the ZeRO paper's terms (Rajbhandari et
 * al. 2020, §5): 'zero1' = P_os (optimizer states and master weights), 'zero2' = P_os+g (+ gradients),
 * 'zero3' = P_os+g+p (+ parameters). FSDP FULL_SHARD = zero3, SHARD_GRAD_OP = zero2, NO_SHARD = none,
 * HYBRID_SHARD = zero3 within `shardGroupSize` ranks (replicated across groups).
 */
export type ShardingMode = 'none' | 'zero1' | 'zero2' | 'zero3';

export type OptimizerId =
  | 'adamw'
  | 'adamw-8bit'
  | 'adamw-bf16'
  | 'adafactor'
  | 'sgd'
  | 'sgd-momentum'
  | 'lion'
  | 'lion-8bit'
  | 'muon'
  | 'lamb';

/** Bytes of optimizer state per parameter, beyond the master weights. */
export const OPTIMIZER_STATE_BYTES: Record<
  OptimizerId,
  {
    bytes: number;
    /** State bytes of the token embedding and output layer when the optimizer hands them to another (Muon → AdamW). */
    embeddingBytes?: number;
    source: string;
  }
> = {
  adamw: {
    bytes: 8,
    source: 'AdamW: fp32 momentum + variance (ZeRO paper §3.1: K = 12 with the fp32 master copy)',
  },
  'adamw-8bit': {
    bytes: 2,
    source:
      'bitsandbytes 8-bit AdamW: two uint8 states (Dettmers et al. 2022, block-wise quantization; block stats ≈ 0)',
  },
  'adamw-bf16': {
    bytes: 4,
    source:
      'AdamW over bf16 parameters (pure bf16, e.g. LitGPT precision "bf16-true"): torch.optim.AdamW _init_group creates exp_avg and exp_avg_sq with zeros_like(param), so both are bf16 (2 + 2 B)',
  },
  adafactor: {
    bytes: 0,
    source:
      'Adafactor without momentum: factored second moment, O(rows + cols) per matrix, ≈ 0 per parameter (Shazeer & Stern 2018)',
  },
  sgd: { bytes: 0, source: 'SGD without momentum keeps no state' },
  'sgd-momentum': { bytes: 4, source: 'SGD with momentum: one fp32 buffer' },
  lion: { bytes: 4, source: 'Lion: one fp32 momentum (Chen et al. 2023, Algorithm 1)' },
  'lion-8bit': { bytes: 1, source: 'bitsandbytes 8-bit Lion: one uint8 state' },
  muon: {
    bytes: 4,
    embeddingBytes: 8,
    source:
      'Muon: one fp32 momentum for the hidden 2-D matrices (Jordan et al. 2024); the token embedding and output layer go to AdamW (two fp32 moments), as MaxText muon_utils.py (AI-Hypercomputer/maxtext@e591f30c) routes them. 1-D norm scales and biases also get AdamW there; at ~2·L·d parameters their 4 B difference is not counted',
  },
  lamb: {
    bytes: 8,
    source:
      'LAMB: fp32 exp_avg + exp_avg_sq like Adam (You et al. 2020, Algorithm 2; DeepSpeed FusedLamb deepspeed/ops/lamb/fused_lamb.py)',
  },
};

/** Bytes per parameter of each model state, by training precision recipe. */
export interface PrecisionRecipe {
  id: string;
  /** Parameters as held for compute (or the sharded storage dtype under FSDP2). */
  weightBytes: number;
  gradBytes: number;
  /** A separate fp32 master copy (0 when the stored parameters are already fp32). */
  masterBytes: number;
  /** Activations' element size (bf16/fp16 = 2). */
  activationBytes: number;
  source: string;
}

export const PRECISION_RECIPES = {
  'zero-mixed': {
    id: 'zero-mixed',
    weightBytes: 2,
    gradBytes: 2,
    masterBytes: 4,
    activationBytes: 2,
    source:
      'ZeRO paper §3.1 mixed precision: fp16/bf16 parameters and gradients (2Ψ + 2Ψ), fp32 master copy in the optimizer (part of K = 12); DeepSpeed',
  },
  'megatron-bf16': {
    id: 'megatron-bf16',
    weightBytes: 2,
    gradBytes: 4,
    masterBytes: 4,
    activationBytes: 2,
    source:
      'Megatron-LM bf16: bf16 parameters, fp32 main gradients, fp32 main parameters (theoretical_memory_usage.py: 18 bytes/param with Adam, 6 + 12/d with the distributed optimizer)',
  },
  'fsdp2-mixed': {
    id: 'fsdp2-mixed',
    weightBytes: 4,
    gradBytes: 4,
    masterBytes: 0,
    activationBytes: 2,
    source:
      'PyTorch FSDP2 MixedPrecisionPolicy(param_dtype=bf16, reduce_dtype=fp32) as torchtitan uses it: fp32 sharded parameters and gradients, bf16 compute copies all-gathered per block',
  },
  amp: {
    id: 'amp',
    weightBytes: 4,
    gradBytes: 4,
    masterBytes: 0,
    activationBytes: 2,
    source:
      'torch.autocast bf16/fp16 over an fp32 model (nanoGPT train.py `ctx`, Composer/OLMo precision amp_bf16 on one device): the optimizer steps the fp32 parameters and gradients directly (no separate master copy); activations in bf16/fp16. The bf16 weight casts autocast makes per op are not counted as held (torch.compile recomputes them; eager autocast keeps them for backward, up to 2 B/param more)',
  },
  'amp-ddp': {
    id: 'amp-ddp',
    weightBytes: 4,
    gradBytes: 8,
    masterBytes: 0,
    activationBytes: 2,
    source:
      'torch.autocast over an fp32 model wrapped in DistributedDataParallel with its default gradient_as_bucket_view=False (nanoGPT train.py `DDP(model, device_ids=...)`, Composer dist_strategy.prepare_ddp_module): the all-reduce buckets hold a second fp32 copy of the gradients (PyTorch DDP docs: gradient_as_bucket_view=True "saves memory of the size of total gradients"), 4 + 4 B',
  },
  'fsdp-mixed': {
    id: 'fsdp-mixed',
    weightBytes: 4,
    gradBytes: 4,
    masterBytes: 0,
    activationBytes: 2,
    source:
      'PyTorch FSDP (1) MixedPrecision(param_dtype=bf16) over an fp32 model: fp32 flat sharded parameters and sharded gradients (cast back to the parameter dtype after the reduce-scatter), bf16 compute copies all-gathered per wrapped block (Lightning FSDPPrecision "bf16-mixed", Composer mixed_precision DEFAULT/PURE, OLMo fsdp.precision pure/mixed)',
  },
  'jax-f32-params': {
    id: 'jax-f32-params',
    weightBytes: 4,
    gradBytes: 4,
    masterBytes: 0,
    activationBytes: 2,
    source:
      'JAX with fp32 parameters and bf16 compute (MaxText weight_dtype float32 + dtype bfloat16 + grad_dtype float32, base.yml; Levanter jmp policy p=f32,c=bfloat16): gradients in the parameter dtype, optax states in fp32, no separate master copy',
  },
  fp32: {
    id: 'fp32',
    weightBytes: 4,
    gradBytes: 4,
    masterBytes: 0,
    activationBytes: 4,
    source: 'fp32 training: 4-byte parameters, gradients and activations',
  },
  'fp32-ddp': {
    id: 'fp32-ddp',
    weightBytes: 4,
    gradBytes: 8,
    masterBytes: 0,
    activationBytes: 4,
    source:
      'fp32 training wrapped in DistributedDataParallel with its default gradient_as_bucket_view=False (nanoGPT train.py `DDP(model, device_ids=...)`): the all-reduce buckets hold a second fp32 copy of the gradients (PyTorch DDP docs: gradient_as_bucket_view=True "saves memory of the size of total gradients"), 4 + 4 B',
  },
  'bf16-pure': {
    id: 'bf16-pure',
    weightBytes: 2,
    gradBytes: 2,
    masterBytes: 0,
    activationBytes: 2,
    source: 'pure bf16 (no fp32 master copy, e.g. LitGPT precision "bf16-true")',
  },
  'bf16-fp32-accum': {
    id: 'bf16-fp32-accum',
    weightBytes: 2,
    gradBytes: 4,
    masterBytes: 4,
    activationBytes: 2,
    source:
      'bf16 parameters with an fp32 gradient-accumulation buffer and fp32 master copy: DeepSpeed BF16_Optimizer with data_types.grad_accum_dtype fp32 (deepspeedai/DeepSpeed@edaa7221 deepspeed/runtime/bf16_optimizer.py fp32_groups_gradients_flat), nanotron accumulate_grad_in_fp32 (huggingface/nanotron@2411b022 optim/gradient_accumulator.py FP32GradientAccumulator), NeMo megatron_amp_O2 (Megatron main params and main grads)',
  },
  'fp32-zero': {
    id: 'fp32-zero',
    weightBytes: 4,
    gradBytes: 4,
    masterBytes: 4,
    activationBytes: 4,
    source:
      'DeepSpeed ZeRO on fp32 parameters: the optimizer still clones its flat partition to fp32 (single_partition_of_fp32_groups in deepspeed/runtime/zero/stage_1_and_2.py, fp32_partitioned_groups_flat in stage3.py @edaa7221), a second 4-byte copy sharded like the optimizer states',
  },
} as const satisfies Record<string, PrecisionRecipe>;

export type PrecisionRecipeId = keyof typeof PRECISION_RECIPES;

/** Keys of a layout (for source ranges and diagnostics). */
export type LayoutKey =
  | 'gpus'
  | 'dataParallel'
  | 'tensorParallel'
  | 'pipelineParallel'
  | 'virtualPipeline'
  | 'contextParallel'
  | 'expertParallel'
  | 'expertTensorParallel'
  | 'sequenceParallel'
  | 'sharding'
  | 'shardGroupSize'
  | 'recompute'
  | 'recomputeMethod'
  | 'recomputeLayers'
  | 'microBatch'
  | 'gradAccum'
  | 'globalBatch'
  | 'seqLen'
  | 'precision'
  | 'optimizer'
  | 'flashAttention'
  | 'dropout'
  | 'cpuOffload'
  | 'logitsBytesPerElement'
  | 'unshardedAcrossMicrobatches'
  | 'shardedParamStorage'
  | 'tpSavesGatheredInputs';

/** The layout a file states (every field optional), with the source range of each key it read. */
export interface ParallelLayout {
  gpus?: number;
  dataParallel?: number;
  tensorParallel?: number;
  pipelineParallel?: number;
  /** Interleaved 1F1B: model chunks per pipeline rank. */
  virtualPipeline?: number;
  contextParallel?: number;
  expertParallel?: number;
  /**
   * Ranks one expert's matrices are split over by tensor parallelism: Megatron-core's
   * `--expert-tensor-parallel-size` (default: the TP size), torchtitan's
   * `expert_tensor_parallel_degree` (1 or TP).
   */
  expertTensorParallel?: number;
  /** Megatron sequence parallelism (activations outside the TP regions split by t). */
  sequenceParallel?: boolean;
  sharding?: ShardingMode;
  /** HYBRID_SHARD / ZeRO++ hpZ: ranks a state is sharded over (default: the DP size). */
  shardGroupSize?: number;
  recompute?: RecomputeMode;
  /**
   * Full recompute of only some layers. Megatron (`--recompute-method`, `--recompute-num-layers`,
   * transformer_config.py): 'uniform' checkpoints the input of every group of n layers; 'block'
   * recomputes only the first n layers of each (virtual) stage and stores the rest whole.
   * torchtitan layer SAC (`selective_ac_option = "n"`, torchtitan@238fa995
   * distributed/activation_checkpoint.py `_apply_layer_sac`): 'every' checkpoints every n-th block
   * whole (floor(L/n) blocks) and leaves the others unchanged.
   */
  recomputeMethod?: RecomputeMethod;
  recomputeLayers?: number;
  microBatch?: number;
  gradAccum?: number;
  /**
   * The global batch in sequences, when the file states it: it must be a multiple of micro-batch ×
   * DP (Megatron arguments.py and torchtitan both assert it), which validation checks.
   */
  globalBatch?: number;
  seqLen?: number;
  precision?: PrecisionRecipeId;
  optimizer?: OptimizerId;
  /** Fused attention that never materializes the s×s scores (FlashAttention, cuDNN SDPA). */
  flashAttention?: boolean;
  /** Dropout masks are stored (Korthikanti's sbh mask terms). */
  dropout?: boolean;
  /** Optimizer states and master weights live in CPU memory (ZeRO-Offload, FSDP CPUOffload). */
  cpuOffload?: boolean;
  /**
   * Bytes the loss keeps per logit element at its peak: 4 for a fused fp32 (vocab-parallel) cross
   * entropy as Megatron counts it; 14 for eager PyTorch `cross_entropy(logits.float())`: bf16 logits
   * (2) + their fp32 copy (4) + the saved log-softmax (4) + its gradient (4).
   */
  logitsBytesPerElement?: number;
  /**
   * ZeRO-3/FSDP with pipeline parallelism keeps the stage's parameters gathered (bf16) and its
   * gradients unsharded (accumulated in the fp32 reduce dtype) across micro-batches (torchtitan
   * apply_fsdp: reshard_after_forward = False when PP is enabled; gradient sync only on the last
   * micro-batch).
   */
  unshardedAcrossMicrobatches?: boolean;
  /**
   * PyTorch FSDP stores the parameters sharded whatever the strategy; SHARD_GRAD_OP (FSDP1) or
   * reshard_after_forward = False (FSDP2), read as 'zero2', only skips freeing the gathered compute
   * copies after forward, so every unit's copy is held from its forward to its backward
   * (torch/distributed/fsdp ShardingStrategy.SHARD_GRAD_OP: "Parameters are not resharded after
   * forward"). DeepSpeed ZeRO-2, the other 'zero2', keeps the full parameters on every rank.
   */
  shardedParamStorage?: boolean;
  /**
   * Tensor parallelism with sequence parallelism saves the all-gathered QKV/MLP inputs (DTensor
   * SequenceParallel → ColwiseParallel in torchtitan) instead of re-gathering them in backward
   * (Megatron, Korthikanti et al. 2022 §4.2.2).
   */
  tpSavesGatheredInputs?: boolean;
  /**
   * False when the model's op-level SAC save list has no `all_to_all_single`, so the EP dispatch and
   * combine outputs are recomputed, not kept (torchtitan's TOML-era Qwen3, below). Default: saved.
   */
  opSacSavesAllToAll?: boolean;
  /**
   * Keys the file states with a value that is not a usable count (a word, `1e400`, 30 digits), as
   * written. The value itself stays unset (no NaN or Infinity travels in a spec); validation names
   * the key and memory is not estimated, so no default stands in for what the file says. A
   * {@link LayoutRejection} instead: a value the framework itself rejects, with its message.
   */
  invalid?: Partial<Record<LayoutKey, string | LayoutRejection>>;
  /**
   * Keys the file sets that change memory in a way the estimate does not model (FP8 training keeps
   * FP8 weight copies and activations): memory is then unknown, naming the key, not an estimate.
   */
  unmodelled?: (FieldSource & { why?: string })[];
  /**
   * What the estimate assumes about a key the file sets and the estimate approximates (a compiled
   * model counted eager): said with the defaults, so the figure never hides it.
   */
  notes?: string[];
  /** Where each value came from. */
  sources: Partial<Record<LayoutKey, FieldSource>>;
}

/**
 * The layout fields that hold a value of a {@link LayoutKey} (set with its source), as opposed to
 * the bookkeeping fields (sources, invalid, unmodelled, notes) and derived flags.
 */
export type LayoutValueKey = Exclude<
  keyof ParallelLayout,
  'sources' | 'invalid' | 'unmodelled' | 'notes' | 'opSacSavesAllToAll'
> &
  LayoutKey;

/**
 * A value a framework itself rejects, with the whole message in its own terms (nanoGPT train.py
 * `assert gradient_accumulation_steps % ddp_world_size == 0`; OLMo-core's `rank_microbatch_size`
 * must divide by `max_sequence_length`), naming the file's keys as written. Validation reports it
 * at the key, before (and instead of) the generic checks.
 */
export interface LayoutRejection {
  message: string;
}

/** A layout with every field decided. */
export interface ResolvedLayout {
  gpus: number;
  dataParallel: number;
  tensorParallel: number;
  pipelineParallel: number;
  virtualPipeline: number;
  contextParallel: number;
  expertParallel: number;
  /** Undefined when the framework does not say how TP splits experts (MoE memory under TP is then unknown). */
  expertTensorParallel?: number;
  sequenceParallel: boolean;
  sharding: ShardingMode;
  shardGroupSize: number;
  recompute: RecomputeMode;
  recomputeMethod?: RecomputeMethod;
  recomputeLayers?: number;
  microBatch: number;
  gradAccum: number;
  globalBatch?: number;
  seqLen: number;
  precision: PrecisionRecipeId;
  optimizer: OptimizerId;
  flashAttention: boolean;
  dropout: boolean;
  cpuOffload: boolean;
  logitsBytesPerElement: number;
  unshardedAcrossMicrobatches: boolean;
  shardedParamStorage: boolean;
  tpSavesGatheredInputs: boolean;
  /** Carried from {@link ParallelLayout.opSacSavesAllToAll}: absent means saved. */
  opSacSavesAllToAll?: false;
  /** Carried from {@link ParallelLayout.invalid}: stated but unusable values, as written. */
  invalid?: Partial<Record<LayoutKey, string | LayoutRejection>>;
  /** True when the GPU count is the setting's, not the file's (diagnostics then say so). */
  gpusAssumed?: boolean;
  sources: Partial<Record<LayoutKey, FieldSource>>;
}

export type LayoutDefaults = Omit<
  ResolvedLayout,
  | 'gpus'
  | 'dataParallel'
  | 'shardGroupSize'
  | 'sources'
  | 'seqLen'
  | 'microBatch'
  | 'gradAccum'
  | 'globalBatch'
  | 'expertTensorParallel'
> & { recomputeMethod?: RecomputeMethod; recomputeLayers?: number } & {
  /** A number, or 'tensor' for "the TP size" (Megatron-core's default); absent: not stated by the framework. */
  expertTensorParallel?: number | 'tensor';
} & { source: string };

/**
 * Defaults for a framework whose layout reader states none of its own (`FrameworkLayout.defaults`
 * in each framework folder overrides these, citing the framework's argument parser).
 */
export const GENERIC_LAYOUT_DEFAULTS: LayoutDefaults = {
  tensorParallel: 1,
  pipelineParallel: 1,
  virtualPipeline: 1,
  contextParallel: 1,
  expertParallel: 1,
  sequenceParallel: false,
  sharding: 'none',
  recompute: 'none',
  precision: 'zero-mixed',
  optimizer: 'adamw',
  flashAttention: true,
  dropout: false,
  cpuOffload: false,
  logitsBytesPerElement: 14,
  unshardedAcrossMicrobatches: false,
  shardedParamStorage: false,
  tpSavesGatheredInputs: false,
  source:
    'generic defaults: DDP, no recompute, bf16 mixed precision with fp32 master weights, AdamW, fused attention',
};

/**
 * Fill a file's layout with the framework's defaults. `gpus` comes from the layout, else the
 * setting; DP = gpus / (TP·PP·CP) (expert parallelism folds into DP, as in Megatron-core).
 * Returns the assumptions made so views can say them.
 */
export function resolveLayout(
  framework: FrameworkId,
  layout: ParallelLayout | undefined,
  fallback: { gpus: number; seqLen?: number; microBatch?: number; gradAccum?: number },
  /** The framework's own defaults (its folder's `layout.defaults`; the registry's `layoutDefaults`). */
  d: LayoutDefaults = GENERIC_LAYOUT_DEFAULTS,
): { layout: ResolvedLayout; assumptions: string[] } {
  const l = layout ?? { sources: {} };
  const assumptions: string[] = [...(l.notes ?? [])];
  const pick = <K extends keyof LayoutDefaults & keyof ResolvedLayout>(
    key: K & LayoutKey,
    value: ResolvedLayout[K] | undefined,
  ) => {
    if (value !== undefined) return value;
    assumptions.push(`${key} = ${String(d[key])} (${framework} default)`);
    return d[key];
  };
  const tensorParallel = pick('tensorParallel', l.tensorParallel) as number;
  const pipelineParallel = pick('pipelineParallel', l.pipelineParallel) as number;
  const contextParallel = pick('contextParallel', l.contextParallel) as number;
  const gpus =
    l.gpus ??
    (l.dataParallel ? l.dataParallel * tensorParallel * pipelineParallel * contextParallel : fallback.gpus);
  if (l.gpus === undefined && !l.dataParallel) assumptions.push(`gpus = ${gpus} (setting)`);
  const dataParallel =
    l.dataParallel ?? Math.max(1, Math.floor(gpus / (tensorParallel * pipelineParallel * contextParallel)));
  const microBatch = l.microBatch ?? fallback.microBatch ?? 1;
  if (l.microBatch === undefined && fallback.microBatch === undefined)
    assumptions.push('micro-batch = 1 (not stated)');
  const seqLen = l.seqLen ?? fallback.seqLen ?? 2048;
  if (l.seqLen === undefined && fallback.seqLen === undefined)
    assumptions.push('sequence length = 2048 (not stated)');
  return {
    layout: {
      gpus,
      dataParallel,
      tensorParallel,
      pipelineParallel,
      virtualPipeline: pick('virtualPipeline', l.virtualPipeline) as number,
      contextParallel,
      expertParallel: pick('expertParallel', l.expertParallel) as number,
      ...expertTensorParallelOf(framework, l, d, tensorParallel, assumptions),
      sequenceParallel: pick('sequenceParallel', l.sequenceParallel) as boolean,
      sharding: pick('sharding', l.sharding) as ShardingMode,
      shardGroupSize: l.shardGroupSize ?? dataParallel,
      ...recomputeOf(framework, l, d, assumptions),
      microBatch,
      gradAccum: l.gradAccum ?? fallback.gradAccum ?? 1,
      ...(l.globalBatch !== undefined ? { globalBatch: l.globalBatch } : {}),
      seqLen,
      precision: pick('precision', l.precision) as PrecisionRecipeId,
      optimizer: pick('optimizer', l.optimizer) as OptimizerId,
      flashAttention: pick('flashAttention', l.flashAttention) as boolean,
      dropout: pick('dropout', l.dropout) as boolean,
      cpuOffload: pick('cpuOffload', l.cpuOffload) as boolean,
      logitsBytesPerElement: l.logitsBytesPerElement ?? d.logitsBytesPerElement,
      unshardedAcrossMicrobatches: l.unshardedAcrossMicrobatches ?? d.unshardedAcrossMicrobatches,
      shardedParamStorage: l.shardedParamStorage ?? d.shardedParamStorage,
      tpSavesGatheredInputs: l.tpSavesGatheredInputs ?? d.tpSavesGatheredInputs,
      ...(l.opSacSavesAllToAll === false ? { opSacSavesAllToAll: false as const } : {}),
      ...(l.invalid ? { invalid: l.invalid } : {}),
      ...(l.gpus === undefined && !l.dataParallel ? { gpusAssumed: true } : {}),
      sources: l.sources,
    },
    assumptions,
  };
}

/** The recompute mode (and its partial-layer method) the file states, else the framework's default. */
function recomputeOf(
  framework: FrameworkId,
  l: ParallelLayout,
  d: LayoutDefaults,
  assumptions: string[],
): Pick<ResolvedLayout, 'recompute' | 'recomputeMethod' | 'recomputeLayers'> {
  if (l.recompute !== undefined)
    return {
      recompute: l.recompute,
      ...(l.recomputeMethod ? { recomputeMethod: l.recomputeMethod } : {}),
      ...(l.recomputeLayers !== undefined ? { recomputeLayers: l.recomputeLayers } : {}),
    };
  const partial =
    d.recomputeMethod && d.recomputeLayers ? ` (${d.recomputeMethod} ${d.recomputeLayers} layers)` : '';
  assumptions.push(`recompute = ${d.recompute}${partial} (${framework} default)`);
  return {
    recompute: d.recompute,
    ...(d.recomputeMethod ? { recomputeMethod: d.recomputeMethod } : {}),
    ...(d.recomputeLayers !== undefined ? { recomputeLayers: d.recomputeLayers } : {}),
  };
}

/** The expert TP size: the file's, else the framework's default (the TP size for Megatron-core). */
function expertTensorParallelOf(
  framework: string,
  l: ParallelLayout,
  d: LayoutDefaults,
  tensorParallel: number,
  assumptions: string[],
): { expertTensorParallel?: number } {
  if (l.expertTensorParallel !== undefined) return { expertTensorParallel: l.expertTensorParallel };
  const fallback = d.expertTensorParallel === 'tensor' ? tensorParallel : d.expertTensorParallel;
  if (fallback === undefined) return {};
  if (tensorParallel > 1)
    assumptions.push(
      `expertTensorParallel = ${fallback}${d.expertTensorParallel === 'tensor' ? ' (the TP size)' : ''} (${framework} default)`,
    );
  return { expertTensorParallel: fallback };
}
