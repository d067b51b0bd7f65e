import { DEFAULT_ANALYSIS_SETTINGS } from '../settings';
import { formOf, type LawParams } from '../laws/forms';
import type { ParamConvention, ScalingLaw } from '../laws/published';
import { ACCELERATORS, findAccelerator, type Precision } from '../model/hardware';
import type { CoreDiagnostic } from '../types';

/**
 * Shared vocabulary of the planners: the law argument, results-as-values, training budgets and
 * their conversion to FLOPs, and the training + inference cost model of Sardana et al. 2024.
 */

/** A law the planners accept: a published/fitted {@link ScalingLaw} or bare coefficients. */
export type PlanLaw = ScalingLaw | LawParams;

/** The coefficients of a {@link PlanLaw}. */
export function lawParamsOf(law: PlanLaw): LawParams {
  return 'law' in law ? law.law : law;
}

/** Which N the law counts; bare Kaplan coefficients are non-embedding, everything else total. */
export function paramConventionOf(law: PlanLaw): ParamConvention {
  if ('law' in law) return law.paramConvention;
  return formOf(law).paramConvention;
}

/** A planner's answer or the reasons there is none (errors are values, never exceptions). */
export type PlanOutcome<T> = { ok: true; value: T } | { ok: false; diagnostics: CoreDiagnostic[] };

/** Stable diagnostic codes of the planners. */
export type PlanErrorCode =
  | 'plan-invalid-budget'
  | 'plan-invalid-loss'
  | 'plan-loss-below-irreducible'
  | 'plan-invalid-demand'
  | 'plan-invalid-unique-tokens'
  | 'plan-invalid-hardware'
  | 'plan-unsupported-law'
  | 'plan-no-solution';

/** A failed {@link PlanOutcome} with one error diagnostic. */
export function planError<T>(code: PlanErrorCode, message: string): PlanOutcome<T> {
  return { ok: false, diagnostics: [{ severity: 'error', code, message }] };
}

/** A number for a message: exponent form for large magnitudes (-1e+20, not twenty zeros). */
export function showNumber(value: number): string {
  return Number.isFinite(value) && Math.abs(value) >= 1e7 ? value.toExponential() : String(value);
}

/** True for a finite number > 0. */
export function isPositiveFinite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** A training budget, in one of the units people plan in. */
export type ComputeBudget =
  { flops: number } | { gpuHours: number } | { usd: number } | { days: number; gpus: number };

/** The accelerator, precision, utilization and price that turn GPU time or dollars into FLOPs. */
export interface TrainingHardware {
  /** Accelerator id or alias from the hardware table (src/core/model/hardware.ts). */
  gpu: string;
  precision: Precision;
  /** Model FLOPs utilization, 0 < mfu ≤ 1. */
  mfu: number;
  /** Price per GPU-hour; defaults to the accelerator table's cited price when it has one. */
  usdPerGpuHour?: number;
}

/**
 * Hardware that converts a budget in GPU-hours, dollars or days into FLOPs: the same H100 / BF16 /
 * 40% MFU defaults as the analysis (src/core/settings.ts), so `plan` and `analyze` agree on GPU-hours.
 * The inference-aware cost model keeps the paper's own defaults (DEFAULT_COST_MODEL).
 */
export const DEFAULT_TRAINING_HARDWARE: TrainingHardware = {
  gpu: DEFAULT_ANALYSIS_SETTINGS.gpu,
  precision: 'bf16',
  mfu: DEFAULT_ANALYSIS_SETTINGS.mfu,
};

/** A training budget expressed in every unit, with the hardware assumptions that link them. */
export interface ResolvedBudget {
  flops: number;
  gpuHours: number;
  /** Undefined when the accelerator has no cited price and none was given. */
  usd?: number;
  /** Wall-clock days, when a GPU count is known. */
  days?: number;
  gpus?: number;
  gpu: string;
  precision: Precision;
  mfu: number;
  peakFlopsPerSecond: number;
  usdPerGpuHour?: number;
  /** Effective training FLOPs one GPU delivers per hour (3600 · peak · MFU). */
  flopsPerGpuHour: number;
  /** How the FLOPs were derived, e.g. "1000 GPU-h × 3600 s × 9.89e14 FLOP/s × 0.5 MFU". */
  formula: string;
}

interface ResolvedHardware {
  gpu: string;
  precision: Precision;
  mfu: number;
  peakFlopsPerSecond: number;
  usdPerGpuHour?: number;
}

/** Check an accelerator/precision/MFU triple against the hardware table. */
export function resolveHardware(
  gpu: string,
  precision: Precision,
  mfu: number,
  usdPerGpuHour: number | undefined,
  role: string,
): PlanOutcome<ResolvedHardware> {
  const accelerator = findAccelerator(gpu);
  if (!accelerator) {
    return planError('plan-invalid-hardware', `Unknown ${role} GPU "${gpu}"; known: ${knownGpuList()}.`);
  }
  const peak = accelerator.peakFlops[precision];
  if (!isPositiveFinite(peak)) {
    const modes = Object.keys(accelerator.peakFlops).join(', ');
    return planError(
      'plan-invalid-hardware',
      `${accelerator.id} has no ${precision} peak in the hardware table (has: ${modes}).`,
    );
  }
  if (!isPositiveFinite(mfu) || mfu > 1) {
    return planError('plan-invalid-hardware', `The ${role} MFU must be in (0, 1], got ${mfu}.`);
  }
  if (usdPerGpuHour !== undefined && !isPositiveFinite(usdPerGpuHour)) {
    return planError(
      'plan-invalid-hardware',
      `The ${role} price must be a positive $/GPU-hour, got ${usdPerGpuHour}.`,
    );
  }
  return {
    ok: true,
    value: {
      gpu: accelerator.id,
      precision,
      mfu,
      peakFlopsPerSecond: peak,
      usdPerGpuHour: usdPerGpuHour ?? accelerator.usdPerHour,
    },
  };
}

function knownGpuList(): string {
  return ACCELERATORS.map((a) => a.id).join(', ');
}

/**
 * Convert a budget to training FLOPs (and GPU-hours, dollars, days): FLOPs = GPU-hours × 3600 ×
 * peak FLOP/s × MFU; GPU-hours = $ / ($/GPU-hour); GPU-hours = days × 24 × GPUs. A FLOPs budget is
 * converted the other way so every view can show all units.
 */
export function resolveBudget(
  budget: ComputeBudget,
  hardware: Partial<TrainingHardware> = {},
): PlanOutcome<ResolvedBudget> {
  const wanted = { ...DEFAULT_TRAINING_HARDWARE, ...stripUndefined(hardware) };
  const resolved = resolveHardware(
    wanted.gpu,
    wanted.precision,
    wanted.mfu,
    wanted.usdPerGpuHour,
    'training',
  );
  if (!resolved.ok) return resolved;
  const hw = resolved.value;
  const flopsPerGpuHour = 3600 * hw.peakFlopsPerSecond * hw.mfu;
  const perHour = `3600 s × ${hw.peakFlopsPerSecond.toExponential(3)} FLOP/s (${hw.gpu} ${hw.precision}) × ${hw.mfu} MFU`;

  let gpuHours: number;
  let formula: string;
  let gpus: number | undefined;
  if ('flops' in budget) {
    if (!isPositiveFinite(budget.flops)) return invalidBudget('FLOPs', budget.flops);
    gpuHours = budget.flops / flopsPerGpuHour;
    formula = `${budget.flops.toExponential(3)} FLOPs`;
  } else if ('gpuHours' in budget) {
    if (!isPositiveFinite(budget.gpuHours)) return invalidBudget('GPU-hours', budget.gpuHours);
    gpuHours = budget.gpuHours;
    formula = `${budget.gpuHours} GPU-h × ${perHour}`;
  } else if ('usd' in budget) {
    if (!isPositiveFinite(budget.usd)) return invalidBudget('dollars', budget.usd);
    if (hw.usdPerGpuHour === undefined) {
      return planError(
        'plan-invalid-hardware',
        `No price for ${hw.gpu} in the hardware table; give a $/GPU-hour to convert a dollar budget.`,
      );
    }
    gpuHours = budget.usd / hw.usdPerGpuHour;
    formula = `$${budget.usd} / $${hw.usdPerGpuHour}/GPU-h × ${perHour}`;
  } else {
    if (!isPositiveFinite(budget.days)) return invalidBudget('days', budget.days);
    if (!isPositiveFinite(budget.gpus) || !Number.isInteger(budget.gpus)) {
      return planError(
        'plan-invalid-budget',
        `A budget in days needs a positive whole GPU count, got ${budget.gpus}.`,
      );
    }
    gpus = budget.gpus;
    gpuHours = budget.days * 24 * budget.gpus;
    formula = `${budget.days} days × 24 h × ${budget.gpus} GPUs × ${perHour}`;
  }
  const flops = 'flops' in budget ? budget.flops : gpuHours * flopsPerGpuHour;
  return {
    ok: true,
    value: {
      flops,
      gpuHours,
      usd: hw.usdPerGpuHour === undefined ? undefined : gpuHours * hw.usdPerGpuHour,
      days: gpus === undefined ? undefined : gpuHours / 24 / gpus,
      gpus,
      gpu: hw.gpu,
      precision: hw.precision,
      mfu: hw.mfu,
      peakFlopsPerSecond: hw.peakFlopsPerSecond,
      usdPerGpuHour: hw.usdPerGpuHour,
      flopsPerGpuHour,
      formula,
    },
  };
}

function invalidBudget<T>(unit: string, value: number): PlanOutcome<T> {
  return planError(
    'plan-invalid-budget',
    `The budget must be a positive number of ${unit}, got ${showNumber(value)}.`,
  );
}

/** Drop keys whose value is undefined so spreading over defaults keeps the defaults. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Training + inference hardware of Sardana et al. 2024's cost model (`cost_calculator.py`):
 * cost = 6·N·D·c_tr/U_tr + 2·N·T_in·c_inf/U_prefill + 2·N·T_out·c_inf/U_decode, with
 * c = ($/GPU-hour) / (3600 · peak FLOP/s).
 */
export interface CostModel {
  trainGpu: string;
  trainPrecision: Precision;
  trainUsdPerGpuHour?: number;
  trainMfu: number;
  inferenceGpu: string;
  inferencePrecision: Precision;
  inferenceUsdPerGpuHour?: number;
  prefillMfu: number;
  decodeMfu: number;
}

/**
 * Defaults of Sardana et al. 2024's `cost_optimal.py`: H100 for both stages (BF16 training, FP8
 * inference), MFU 0.50 training / 0.50 prefill / 0.01 decode, prices from the hardware table.
 */
export const DEFAULT_COST_MODEL: CostModel = {
  trainGpu: 'H100',
  trainPrecision: 'bf16',
  trainMfu: 0.5,
  inferenceGpu: 'H100',
  inferencePrecision: 'fp8',
  prefillMfu: 0.5,
  decodeMfu: 0.01,
};

/**
 * The average request of Sardana et al. 2024's cost scripts (LMSys: 70 input + 215 output tokens);
 * also used to split a bare inference-token total into prefill and decode when pricing it.
 */
export const DEFAULT_REQUEST_TOKENS = { input: 70, output: 215 } as const;

/** Lifetime requests assumed by `cost_optimal.py` when none are given. */
export const DEFAULT_INFERENCE_REQUESTS = 1e10;

/** A cost model with prices per FLOP resolved from the hardware table. */
export interface ResolvedCostModel extends CostModel {
  trainUsdPerGpuHour: number;
  inferenceUsdPerGpuHour: number;
  trainPeakFlopsPerSecond: number;
  inferencePeakFlopsPerSecond: number;
  /** $ per training FLOP at peak (c_tr), before dividing by MFU. */
  usdPerTrainFlop: number;
  /** $ per inference FLOP at peak (c_inf), before dividing by MFU. */
  usdPerInferenceFlop: number;
}

/** Fill a partial cost model with the defaults and price it; diagnostics for unknown GPUs etc. */
export function resolveCostModel(cost: Partial<CostModel> = {}): PlanOutcome<ResolvedCostModel> {
  const model: CostModel = { ...DEFAULT_COST_MODEL, ...stripUndefined(cost) };
  const train = resolveHardware(
    model.trainGpu,
    model.trainPrecision,
    model.trainMfu,
    model.trainUsdPerGpuHour,
    'training',
  );
  if (!train.ok) return train;
  const prefill = resolveHardware(
    model.inferenceGpu,
    model.inferencePrecision,
    model.prefillMfu,
    model.inferenceUsdPerGpuHour,
    'prefill',
  );
  if (!prefill.ok) return prefill;
  const decode = resolveHardware(
    model.inferenceGpu,
    model.inferencePrecision,
    model.decodeMfu,
    undefined,
    'decode',
  );
  if (!decode.ok) return decode;
  const trainPrice = train.value.usdPerGpuHour;
  const inferencePrice = prefill.value.usdPerGpuHour;
  if (trainPrice === undefined || inferencePrice === undefined) {
    const gpu = trainPrice === undefined ? train.value.gpu : prefill.value.gpu;
    return planError(
      'plan-invalid-hardware',
      `No price for ${gpu} in the hardware table; give its $/GPU-hour.`,
    );
  }
  return {
    ok: true,
    value: {
      ...model,
      trainGpu: train.value.gpu,
      inferenceGpu: prefill.value.gpu,
      trainUsdPerGpuHour: trainPrice,
      inferenceUsdPerGpuHour: inferencePrice,
      trainPeakFlopsPerSecond: train.value.peakFlopsPerSecond,
      inferencePeakFlopsPerSecond: prefill.value.peakFlopsPerSecond,
      usdPerTrainFlop: trainPrice / (3600 * train.value.peakFlopsPerSecond),
      usdPerInferenceFlop: inferencePrice / (3600 * prefill.value.peakFlopsPerSecond),
    },
  };
}
