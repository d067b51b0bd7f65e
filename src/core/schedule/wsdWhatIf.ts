/**
 * The WSD what-if of the "loss over training" chart (issue 13 item 3): the config's run with its decay
 * replaced by warmup–stable–decay, and the schedule effect of that change from a schedule-aware law.
 *
 * The variant keeps the config's peak LR, warmup (length, shape, start LR), run length, batch and
 * batch ramp; after warmup the LR stays at the peak and cools down over the last
 * WSD_COOLDOWN_FRACTION of the run (in the schedule's unit: steps, or tokens for token schedules) with
 * the 1-sqrt shape of Hägele et al. 2024, "Scaling Laws and Compute-Optimal Training Beyond Fixed
 * Training Durations" (arXiv:2405.18392, Eq. 1; `lrAt` in ./model.ts), to the config's final LR.
 *
 * The loss. No published law predicts a given model's curve from its schedule, and no schedule-aware
 * fit can be saved yet (`scaling-lens fit --form tissue2024|multipower2025` has no --save), so the
 * schedule effect is borrowed as a ratio:
 *
 *   L_wsd(t) = L_config(t) × MPL_wsd(t) / MPL_config(t)
 *
 * L_config is the chart's curve for the config's own schedule; MPL_x is Luo et al. 2025's multi-power
 * law ("A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules", arXiv:2503.12811)
 * with the constants their repository fitted for the nearest of their model sizes
 * (thu-yao-01-luo/MultiPowerLaw@8da9f190 src/config.py PARAMS; ../laws/forms/multipower2025.ts),
 * evaluated on schedule x in their units: LR = 3e-4 × (the config's LR / its peak), 3e-4 being the peak
 * of every run they fitted (src/data_loader.py), and one config optimizer step = one of their steps (the
 * law counts steps, not tokens). Where both LR sequences are identical so far the ratio is exactly 1.
 * It is a what-if with the shape of their 25M–400M GPT-2-style runs of 16k–72k steps, not a
 * prediction for this model.
 *
 * The sum over LR changes uses the blocked evaluation of ../fit/trajectoryMultipower.ts (within 1e-6
 * relative of the exact sum on their nine 400M schedules), with their law converted by `fromLuoUnits`
 * (tokens per step 1 = steps), because the exact sum costs steps × points (3.7e7 terms for OLMo-1B).
 */
import { MULTIPOWER_PUBLISHED, type MultiPower2025Law } from '../laws/forms/multipower2025';
import { fromLuoUnits, multiPowerChinchillaCurve } from '../fit/trajectoryMultipower';
import { compileRun } from './model';
import type { CompiledRun, LrSchedule, RunPlan } from './types';

/** The cooldown of the what-if: the last 20% of the run (Hägele et al. 2024 find 10–20% enough). */
export const WSD_COOLDOWN_FRACTION = 0.2;
/** Why no WSD what-if is drawn for a run whose LR never decays (the variant would be the run itself). */
export const WSD_NO_DECAY_REASON = 'the LR does not decay, so a cooldown to its final LR is this run itself';
/** Peak LR of every run Luo et al. fitted (thu-yao-01-luo/MultiPowerLaw@8da9f190 src/data_loader.py). */
export const LUO_PEAK_LR = 3e-4;

/** Shortest and longest runs of their fits (wsdcon_* 16,000 steps; cosine/constant_72000). */
export const LUO_RUN_STEPS = [16000, 72000] as const;

export type MultiPowerSize = keyof typeof MULTIPOWER_PUBLISHED;
/** Their model sizes as named in the repository (nominal parameter counts). */
const SIZES: readonly [MultiPowerSize, number][] = [
  ['25M', 25e6],
  ['100M', 100e6],
  ['400M', 400e6],
];

/** The published size nearest to N on a log scale, and N over that size. */
export function nearestMultiPowerSize(N: number): { size: MultiPowerSize; params: number; factor: number } {
  let best = SIZES[0]!;
  for (const s of SIZES) if (Math.abs(Math.log(N / s[1])) < Math.abs(Math.log(N / best[1]))) best = s;
  return { size: best[0], params: best[1], factor: N / best[1] };
}

/**
 * The LR the what-if cools down to: the configured final (min) LR for decays that end there; the peak
 * for a constant LR (nothing to cool down to, so the what-if is the config itself); the LR of the
 * run's last step for step decays and inverse-sqrt (their `finalLr` is not where the run ends).
 */
function cooldownTarget(schedule: LrSchedule, run: CompiledRun): number {
  switch (schedule.decay.kind) {
    case 'cosine':
    case 'linear':
    case 'wsd':
      return schedule.finalLr;
    case 'constant':
      return schedule.peakLr;
    default:
      return run.lr[run.lr.length - 1]!;
  }
}

export interface WsdVariant {
  plan: RunPlan;
  run: CompiledRun;
  /** The LR the cooldown ends at. */
  finalLr: number;
}

/** The config's run with a 1-sqrt WSD cooldown over its last 20%, or why it is not defined. */
export function wsdVariant(plan: RunPlan, run: CompiledRun): WsdVariant | { reason: string } {
  const s = plan.schedule;
  const n = run.lr.length;
  if (n < 2) return { reason: 'the run has fewer than 2 steps' };
  // OneCycle's rise is part of its decay (no separate warmup), so "the same warmup" is not defined.
  if (s.decay.kind === 'onecycle')
    return { reason: 'a OneCycle schedule has no warmup separate from its decay' };
  // The run's end in the schedule's unit: compileRun places step i at position i − 1 (steps) or at
  // the tokens seen before it, so the run ends at n steps or at the tokens after its last step.
  const length = s.unit === 'tokens' ? run.tokens[n - 1]! : n;
  const warmup = s.warmup;
  if (!(length - warmup >= WSD_COOLDOWN_FRACTION * length))
    return {
      reason: `the warmup (${warmup.toLocaleString('en-US')} ${s.unit}) leaves less than the last ${WSD_COOLDOWN_FRACTION * 100}% of the run for a cooldown`,
    };
  const finalLr = cooldownTarget(s, run);
  const schedule: LrSchedule = {
    unit: s.unit,
    peakLr: s.peakLr,
    finalLr,
    warmup,
    warmupShape: s.warmupShape,
    ...(s.warmupStartLr !== undefined ? { warmupStartLr: s.warmupStartLr } : {}),
    ...(s.positionOffset !== undefined ? { positionOffset: s.positionOffset } : {}),
    ...(s.zeroFrom !== undefined ? { zeroFrom: s.zeroFrom } : {}),
    // lrAt's WSD cooldown is a fraction of (horizon − warmup): this one is 20% of the whole run.
    decay: {
      kind: 'wsd',
      cooldownFraction: length > warmup ? (WSD_COOLDOWN_FRACTION * length) / (length - warmup) : 1,
      shape: '1-sqrt',
    },
    horizon: length,
  };
  const variantPlan: RunPlan = { ...plan, schedule };
  const compiled = compileRun(variantPlan);
  if (!compiled.run) return { reason: compiled.errors.join('; ') };
  if (compiled.run.lr.length !== n)
    return { reason: 'the WSD variant expands to a different number of steps than the config' };
  return { plan: variantPlan, run: compiled.run, finalLr };
}

/** Luo et al.'s law at 0-based step indices of an LR sequence, in their units (see the module comment). */
export function luoUnitsCurve(
  law: MultiPower2025Law,
  lr: Float64Array,
  peakLr: number,
  indices: readonly number[],
): (number | undefined)[] {
  // With tokens per step = 1 the converted law's areas are in peak-normalized LR × steps; its C, A, B
  // then carry Luo et al.'s peak: the same law as theirs on 3e-4 × lr/peak.
  const converted = fromLuoUnits(law, LUO_PEAK_LR, 1);
  const normalized = lr.map((v) => v / peakLr);
  return multiPowerChinchillaCurve(
    converted,
    { model: 'what-if', run: 'what-if', params: 1, lr: normalized, stepTokens: 1 },
    indices,
  );
}

export interface WsdWhatIf {
  variant: WsdVariant;
  size: MultiPowerSize;
  /** N over the published size used. */
  factor: number;
  /** MPL_wsd/MPL_config at each requested step (1-based), undefined where either is not defined. */
  ratio: (number | undefined)[];
  /** The WSD variant's LR at each requested step. */
  lr: number[];
}

/**
 * The WSD what-if's ratio at 1-based steps of the config's run, for a model of N parameters (in the
 * caller's convention; it only picks the nearest published size). Undefined entries are steps where the
 * multi-power law is not defined on either schedule (no LR area yet).
 */
export function wsdWhatIf(
  plan: RunPlan,
  run: CompiledRun,
  N: number,
  steps: readonly number[],
): WsdWhatIf | { reason: string } {
  if (!(N > 0)) return { reason: 'the parameter count is unknown' };
  // Both multi-power sums run over every step (0.6 s on OLMo-1B's 739k steps), and the panel asks
  // again on every edit: the same plan, size and sample steps give the same answer, so keep the last
  // few (edits elsewhere in the file leave the plan unchanged).
  const key = JSON.stringify([plan, nearestMultiPowerSize(N).size, steps]);
  const cached = WHAT_IF_CACHE.get(key);
  if (cached) {
    WHAT_IF_CACHE.delete(key);
    WHAT_IF_CACHE.set(key, cached);
    return cached;
  }
  const result = computeWsdWhatIf(plan, run, N, steps);
  WHAT_IF_CACHE.set(key, result);
  if (WHAT_IF_CACHE.size > 8) WHAT_IF_CACHE.delete(WHAT_IF_CACHE.keys().next().value!);
  return result;
}

const WHAT_IF_CACHE = new Map<string, WsdWhatIf | { reason: string }>();

function computeWsdWhatIf(
  plan: RunPlan,
  run: CompiledRun,
  N: number,
  steps: readonly number[],
): WsdWhatIf | { reason: string } {
  const variant = wsdVariant(plan, run);
  if ('reason' in variant) return variant;
  const { size, factor } = nearestMultiPowerSize(N);
  const law = MULTIPOWER_PUBLISHED[size];
  const indices = steps.map((s) => s - 1);
  const config = luoUnitsCurve(law, run.lr, run.peakLr, indices);
  const wsd = luoUnitsCurve(law, variant.run.lr, variant.run.peakLr, indices);
  const ratio = indices.map((_, i) => {
    const a = config[i];
    const b = wsd[i];
    if (a === undefined || b === undefined) return undefined;
    const r = b / a;
    return Number.isFinite(r) && r > 0 ? r : undefined;
  });
  return { variant, size, factor, ratio, lr: steps.map((s) => variant.run.lr[s - 1]!) };
}

/**
 * How far to trust the size of the gap: on Luo et al.'s own 400M runs (test/fixtures/schedule/
 * multipower2025-400M, checked in test/unit/wsd-whatif.test.ts) their law with their 400M constants
 * puts the WSD run (exponential cooldown over the last 4,000 of 24,000 steps) 2.1% below the cosine
 * run at the end (2.7005 vs 2.7572); the measured gap is 0.6% (2.7222 vs 2.7396).
 */
export const WSD_WHATIF_CHECK =
  "On their own 400M runs (24k steps) the law puts WSD 2.1% below cosine at the end; the measured gap is 0.6%: the law's gap is larger than measured there.";

/**
 * The series label, e.g. "WSD what-if (20% 1-sqrt cooldown; Luo et al. 2025 400M fit)": short enough
 * for one legend line in a narrow panel; the caption (`wsdWhatIfSource`) says the rest.
 */
export function wsdWhatIfLabel(size: MultiPowerSize): string {
  return `WSD what-if (${WSD_COOLDOWN_FRACTION * 100}% 1-sqrt cooldown; Luo et al. 2025 ${size} fit)`;
}

/** The statement of where the what-if's shape comes from (chart caption and CLI `whatIf.source`). */
export function wsdWhatIfSource(what: WsdWhatIf, N: number, totalSteps: number): string {
  const far =
    what.factor >= 1
      ? `${formatFactor(what.factor)}× their ${what.size}`
      : `${formatFactor(1 / what.factor)}× smaller than their ${what.size}`;
  return (
    `WSD what-if: same peak LR, warmup and length, LR at peak then a 1-sqrt cooldown (Hägele et al. 2024) over the last ${WSD_COOLDOWN_FRACTION * 100}% to ${formatLr(what.variant.finalLr)}; ` +
    `loss = this curve × MPL(WSD)/MPL(config), MPL the multi-power law of Luo et al. 2025 with their ${what.size} constants (thu-yao-01-luo/MultiPowerLaw@8da9f190 src/config.py), ` +
    `LR as 3e-4 × LR/peak, one step = one of their steps. A what-if with the shape of their 25M–400M fits (runs of 16k–72k steps), not a prediction for this model: ` +
    `N = ${formatCount(N)} is ${far}; this run has ${totalSteps.toLocaleString('en-US')} steps${totalSteps < LUO_RUN_STEPS[0] || totalSteps > LUO_RUN_STEPS[1] ? ', outside the 16k–72k they fitted (the law is extrapolated)' : ''}.`
  );
}

/** 3e-5, 6e-4, 0: the LR as configs write it. */
const formatLr = (lr: number) =>
  lr === 0 ? '0' : Number(lr.toPrecision(3)).toExponential().replace('e+', 'e');
const formatFactor = (f: number) => (f >= 10 ? f.toFixed(0) : f.toFixed(1));
function formatCount(v: number): string {
  if (v >= 1e9) return `${+(v / 1e9).toPrecision(3)}B`;
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  return v.toLocaleString('en-US');
}
