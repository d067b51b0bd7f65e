/**
 * A learning-rate schedule as the configs state it, independent of any framework. Positions are in
 * optimizer steps unless `unit` is 'tokens' (GPT-3 states warmup and decay horizon in tokens; Brown et
 * al. 2020, App. B). Every framework's extractor (src/core/schedule/<framework>.ts) produces this.
 */

/** Shape of the LR after warmup, up to the decay horizon. */
export type DecayShape =
  | { kind: 'constant' }
  | { kind: 'cosine' }
  /**
   * Linear from peak to `finalLr` at the horizon; with `toZero`, linear from peak toward 0 at the
   * horizon and floored at `finalLr` (GPT-NeoX megatron/learning_rates.py: max(lr·(1 − p), min_lr)).
   */
  | { kind: 'linear'; toZero?: boolean }
  /** η = peak·√(timescale / x) for x ≥ timescale (fairseq / T5 "rsqrt"); timescale defaults to warmup. */
  | {
      kind: 'inverse-sqrt';
      timescale?: number;
      /**
       * Megatron-LM: past the decay horizon the LR drops to `finalLr` (optimizer_param_scheduler.py
       * checks `num_steps > lr_decay_steps` before the inverse-sqrt branch); otherwise it never ends.
       */
      finalAfterHorizon?: boolean;
    }
  /**
   * Warmup–stable–decay (trapezoidal): constant peak, then a cooldown over the last `cooldownFraction`
   * of the horizon to the final LR. Cooldown shapes: linear; cosine; '1-sqrt' (Hägele et al. 2024,
   * "Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations", Eq. 1); exponential
   * (geometric interpolation peak→final, Luo et al. 2025 code `wsd_lrs`); 'half-exponential' is
   * Megatron-LM's `--lr-wsd-decay-style exponential`: final + (peak − final)·(2·0.5^q − 1)
   * (NVIDIA/Megatron-LM@d98e8a64 megatron/core/optimizer_param_scheduler.py `get_lr`).
   */
  | {
      kind: 'wsd';
      cooldownFraction: number;
      shape: 'linear' | 'cosine' | '1-sqrt' | 'exponential' | 'half-exponential';
    }
  /**
   * final + (peak − final)·(1 − p)^power, then `finalLr` past the horizon: HF transformers
   * `_get_polynomial_decay_schedule_with_warmup_lr_lambda` (lr_end, power) and NeMo
   * `PolynomialDecayAnnealing` (`_poly_decay` without cycle). Power 1 is the linear decay.
   */
  | { kind: 'polynomial'; power: number }
  /**
   * max(final, peak·exp(−rate·(x − W)/(H − W))), which keeps decaying past the horizon: GPT-NeoX
   * `lr-decay-style: exponential` (megatron/learning_rates.py AnnealingLR.get_lr, rate 0.693 so the
   * LR halves by the horizon).
   */
  | { kind: 'exponential'; rate: number }
  /** Multiply by `gamma` at each milestone (PyTorch MultiStepLR); `finalLr` is ignored. */
  | { kind: 'step'; milestones: readonly number[]; gamma: number }
  /**
   * PyTorch OneCycleLR: from peak/divFactor up to peak over the first `pctStart` of the horizon, then
   * down to peak/(divFactor·finalDivFactor); no separate warmup. Defaults in PyTorch: pctStart 0.3,
   * divFactor 25, finalDivFactor 1e4, anneal 'cos'.
   */
  | {
      kind: 'onecycle';
      pctStart: number;
      divFactor: number;
      finalDivFactor: number;
      anneal: 'cos' | 'linear';
    };

export interface LrSchedule {
  /** Units of warmup, horizon and milestones. */
  unit: 'steps' | 'tokens';
  peakLr: number;
  /** Absolute LR at (and after) the horizon. */
  finalLr: number;
  warmup: number;
  /**
   * Linear warmup from `warmupStartLr` (default 0): start + (peak − start)·x/W; 'linear-plus-one' is
   * nanoGPT's peak·(x + 1)/(W + 1) (karpathy/nanoGPT train.py `get_lr`); 'linear-offset' is
   * peak·(x + 1)/W (torchtitan `linear_warmup_stable_decay`: 0-indexed step + 1); 'linear-floor-one'
   * is peak·max(1, x)/W (GPT-NeoX `AnnealingLR.get_lr`); 'log' is start + (peak − start)·ln(x + 1)/ln(W)
   * (DeepSpeed `warmup_type: log`, deepspeedai/DeepSpeed@edaa7221 deepspeed/runtime/lr_schedules.py
   * `WarmupLR._get_gamma`); 'quadratic' is peak·(x/W)² (axolotl `lr_quadratic_warmup`,
   * axolotl-ai-cloud/axolotl@067b021c src/axolotl/utils/schedulers.py); or constant at peak.
   */
  warmupShape:
    'linear' | 'linear-plus-one' | 'linear-offset' | 'linear-floor-one' | 'log' | 'quadratic' | 'constant';
  warmupStartLr?: number;
  decay: DecayShape;
  /** Where the decay ends (may differ from the run length; after it the LR stays at `finalLr`). */
  horizon: number;
  /** From this position on the LR is 0 (MaxText's zero phase after learning_rate_schedule_steps). */
  zeroFrom?: number;
  /**
   * The framework evaluates its schedule this far ahead of the position, floored at 0 (OLMo-core +1:
   * the trainer counts the current step before setting its LR, so step k uses the schedule at k, not
   * k − 1; Composer −1 batch: schedulers step before the timestamp advances, so batch k uses k − 2).
   */
  positionOffset?: number;
  /**
   * Added to the position after warmup only (after `positionOffset`): DeepSpeed's WarmupCosineLR
   * counts its cosine from `last_batch_iteration − warmup + 1` while its warmup uses the iteration
   * itself (deepspeedai/DeepSpeed@edaa7221 lr_schedules.py `WarmupCosineLR.get_lr_ratio`).
   */
  decayShift?: number;
}

/**
 * Batch-size ramp-up. 'tokens-linear': the batch grows linearly in tokens seen from `startTokens`
 * per step to the full batch over the first `rampTokens` (GPT-3, Brown et al. 2020 App. B).
 * 'megatron': Megatron-LM `--rampup-batch-size start increment samples`: the global batch (in
 * sequences) grows by `increment` in equal sample intervals until `samples` sequences are consumed.
 */
export type BatchRamp =
  | { kind: 'tokens-linear'; startTokens: number; rampTokens: number }
  | { kind: 'megatron'; startSequences: number; incrementSequences: number; rampSamples: number };

/** A run: a schedule, its batch and its length. */
export interface RunPlan {
  schedule: LrSchedule;
  /** Full global batch in tokens (sequences × sequence length). */
  batchTokens: number;
  /** Sequence length (needed for the Megatron ramp, in sequences). */
  sequenceLength?: number;
  ramp?: BatchRamp;
  /** Run length: steps or tokens (one of them). */
  totalSteps?: number;
  totalTokens?: number;
}

/** A run expanded step by step: index i is optimizer step i+1 (the LR it used and the tokens after it). */
export interface CompiledRun {
  lr: Float64Array;
  /** Tokens consumed after each step (cumulative). */
  tokens: Float64Array;
  peakLr: number;
}

/** What an extractor read from a config: the run plan, or why not, and where each key was. */
export interface ExtractedSchedule {
  plan?: RunPlan;
  /**
   * The LR schedule alone, when the LR keys could be read even if the batch or length could not
   * (a per-GPU batch without a GPU count): enough for the hover, not for tokens.
   */
  schedule?: LrSchedule;
  /** Run length in the schedule's unit, when known (for the hover's sparkline). */
  runLength?: number;
  /** 1-based line of each key the schedule came from (hover ranges). */
  keyLines: Record<string, number>;
  errors: string[];
  notes: string[];
}
