/**
 * The uncertainty of a downstream fit: a bootstrap over runs that refits both steps. Each resample
 * draws as many runs as were fitted, with replacement (mulberry32(seed), so the draws are the same on
 * every machine), refits the loss law L(N, D) on the drawn runs' loss checkpoints and the accuracy
 * link Acc(L) on the same runs' (loss, accuracy) pairs, and keeps both coefficient vectors as one
 * draw. A prediction's interval is then the 2.5–97.5 percentile of Acc_b(L_b(N, D)) over the draws,
 * evaluated at any (N, D): the interval of the fit, not of benchmark noise.
 *
 * Resampling runs rather than checkpoints keeps a run's correlated checkpoints together, as the loss
 * fit's own bootstrap does (src/core/fit/bootstrap.ts).
 */
import { fitScalingLaw } from '../fit/fit';
import { mulberry32 } from '../fit/random';
import type { RunSeries } from '../fit/types';
import { findLawForm, lawFromCoefficientVector, type LawForm, type LawParams } from '../laws/forms';
import { quantileSorted } from '../laws/uncertainty';
import {
  accuracyAtLoss,
  accuracyLawParams,
  fitAccuracyLaw,
  type AccuracyLaw,
  type AccuracyLawForm,
  type LossAccuracyPoint,
} from './accuracy';

/** Resamples kept by default: enough for stable 2.5/97.5 percentiles, small enough to save as JSON. */
export const DOWNSTREAM_BOOTSTRAP_RESAMPLES = 200;
/** The default seed (the loss fit's default, src/core/fit/defaults.ts, is also a fixed seed). */
export const DOWNSTREAM_BOOTSTRAP_SEED = 1;
/** Fewer usable draws than this give no interval (the percentiles would be two of a handful of values). */
export const MIN_INTERVAL_DRAWS = 20;

/** The bootstrap as saved: coefficient vectors of both steps, one pair per successful resample. */
export interface DownstreamBootstrap {
  seed: number;
  /** Resamples attempted (failed refits are skipped, not retried with another seed). */
  attempted: number;
  lossForm: LawForm;
  lossParamNames: string[];
  accuracyForm: AccuracyLawForm;
  accuracyParamNames: string[];
  /** Loss-law coefficient vectors, in `lossParamNames` order. */
  lossDraws: number[][];
  /** Accuracy-law coefficient vectors, in `accuracyParamNames` order; same length as `lossDraws`. */
  accuracyDraws: number[][];
}

export interface DownstreamBootstrapInput {
  /** Loss checkpoints of the fitted runs (the held-out model excluded). */
  lossRuns: readonly RunSeries[];
  /** Accuracy checkpoints of the same runs (value in `loss`, as a fraction). */
  accuracyRuns: readonly RunSeries[];
  lossForm: LawForm;
  accuracyForm: AccuracyLawForm;
  minTokens: number;
  /** The main fit's accuracy law: each refit starts from it instead of scanning a grid. */
  accuracyStart?: AccuracyLaw;
  resamples?: number;
  seed?: number;
  /** Polled between resamples; true stops early (the draws so far are returned). */
  isCancelled?: () => boolean;
}

const key = (run: string, tokens: number) => `${run}\u0000${tokens}`;

/** One resample's run indices (with replacement). */
function drawIndices(random: () => number, count: number): number[] {
  return Array.from({ length: count }, () => Math.floor(random() * count));
}

/** Refit both steps on one resample; null when either step cannot be fitted on it. */
function refit(
  input: DownstreamBootstrapInput,
  indices: readonly number[],
): { loss: number[]; accuracy: number[] } | null {
  const lossByName = new Map(input.lossRuns.map((run) => [run.name, run]));
  const lossRuns: RunSeries[] = [];
  const pairs: LossAccuracyPoint[] = [];
  indices.forEach((index, copy) => {
    const accuracyRun = input.accuracyRuns[index]!;
    const lossRun = lossByName.get(accuracyRun.name);
    if (!lossRun) return;
    // A run drawn twice enters twice, under distinct names so no step merges the copies.
    lossRuns.push({ ...lossRun, name: `${lossRun.name}#${copy}` });
    const lossAt = new Map(lossRun.points.map((p) => [key(lossRun.name, p.tokens), p.loss]));
    for (const p of accuracyRun.points) {
      if (p.tokens <= input.minTokens) continue;
      const loss = lossAt.get(key(lossRun.name, p.tokens));
      if (loss !== undefined) pairs.push({ loss, accuracy: p.loss });
    }
  });
  if (new Set(lossRuns.map((r) => r.params)).size < 2) return null;
  // One local start: each refit is near the main fit, and 200 of them must stay fast.
  const lossFit = fitScalingLaw(lossRuns, { form: input.lossForm, minTokens: input.minTokens, starts: 1 });
  if (!lossFit.ok || !lossFit.law) return null;
  const accuracyFit = fitAccuracyLaw(
    input.accuracyForm,
    pairs,
    input.accuracyStart ? { start: input.accuracyStart } : {},
  );
  if ('error' in accuracyFit) return null;
  const form = findLawForm(input.lossForm)!;
  const loss = form.toCoefficients(lossFit.law);
  const named = accuracyLawParams(accuracyFit.law);
  const accuracy = ACCURACY_PARAM_NAMES[input.accuracyForm].map((name) => named[name]!);
  if (![...loss, ...accuracy].every(Number.isFinite)) return null;
  return { loss, accuracy };
}

/** The empty bootstrap of a form pair (names filled, no draws). */
function emptyBootstrap(input: DownstreamBootstrapInput, seed: number): DownstreamBootstrap {
  return {
    seed,
    attempted: 0,
    lossForm: input.lossForm,
    lossParamNames: [...findLawForm(input.lossForm)!.coefficientNames],
    accuracyForm: input.accuracyForm,
    accuracyParamNames: ACCURACY_PARAM_NAMES[input.accuracyForm].slice(),
    lossDraws: [],
    accuracyDraws: [],
  };
}

/** Parameter names of each accuracy link, in the order draws store them. */
export const ACCURACY_PARAM_NAMES: Record<AccuracyLawForm, readonly string[]> = {
  gadre2024: ['epsilon', 'k', 'gamma'],
  bhagia2024: ['a', 'b', 'k', 'L0'],
};

/** Run the bootstrap synchronously (CLI, tests). */
export function bootstrapDownstream(input: DownstreamBootstrapInput): DownstreamBootstrap {
  const run = startBootstrap(input);
  while (!run.done()) run.step();
  return run.result();
}

/**
 * A bootstrap that advances one resample per `step()`, so an event loop (the language server) can
 * yield between resamples and stay responsive; `bootstrapDownstream` runs it to the end.
 */
export function startBootstrap(input: DownstreamBootstrapInput): {
  step(): void;
  done(): boolean;
  /** Fraction of the resamples attempted. */
  progress(): number;
  result(): DownstreamBootstrap;
} {
  const resamples = Math.max(0, Math.round(input.resamples ?? DOWNSTREAM_BOOTSTRAP_RESAMPLES));
  const seed = input.seed ?? DOWNSTREAM_BOOTSTRAP_SEED;
  const random = mulberry32(seed);
  const out = emptyBootstrap(input, seed);
  const count = input.accuracyRuns.length;
  return {
    step() {
      if (out.attempted >= resamples || count === 0) return;
      out.attempted++;
      const draw = refit(input, drawIndices(random, count));
      if (!draw) return;
      out.lossDraws.push(draw.loss);
      out.accuracyDraws.push(draw.accuracy);
    },
    done: () => out.attempted >= resamples || count === 0 || input.isCancelled?.() === true,
    progress: () => (resamples === 0 ? 1 : out.attempted / resamples),
    result: () => out,
  };
}

/** The typed laws of each draw that parses (anything malformed is skipped). */
export function bootstrapLaws(
  bootstrap: DownstreamBootstrap,
): { lossLaw: LawParams; accuracyLaw: AccuracyLaw }[] {
  const form = findLawForm(bootstrap.lossForm);
  if (!form) return [];
  const out: { lossLaw: LawParams; accuracyLaw: AccuracyLaw }[] = [];
  const n = Math.min(bootstrap.lossDraws.length, bootstrap.accuracyDraws.length);
  for (let i = 0; i < n; i++) {
    const lossLaw = lawFromCoefficientVector(form, bootstrap.lossDraws[i]!);
    const accuracyLaw = accuracyLawFromVector(bootstrap.accuracyForm, bootstrap.accuracyDraws[i]!);
    if (lossLaw && accuracyLaw) out.push({ lossLaw, accuracyLaw });
  }
  return out;
}

/** An accuracy law from a vector in {@link ACCURACY_PARAM_NAMES} order, or undefined. */
export function accuracyLawFromVector(
  form: AccuracyLawForm,
  values: readonly number[],
): AccuracyLaw | undefined {
  if (!values.every(Number.isFinite)) return undefined;
  if (form === 'gadre2024' && values.length === 3)
    return { form, epsilon: values[0]!, k: values[1]!, gamma: values[2]! };
  if (form === 'bhagia2024' && values.length === 4)
    return { form, a: values[0]!, b: values[1]!, k: values[2]!, L0: values[3]! };
  return undefined;
}

/**
 * The 95% bootstrap interval of the accuracy at (N, D): percentiles 2.5 and 97.5 of Acc_b(L_b(N, D)),
 * or undefined with fewer than {@link MIN_INTERVAL_DRAWS} finite draws.
 */
export function accuracyInterval(
  draws: readonly { lossLaw: LawParams; accuracyLaw: AccuracyLaw }[],
  params: number,
  tokens: number,
): { low: number; high: number; draws: number } | undefined {
  const values: number[] = [];
  for (const draw of draws) {
    const loss = findLawForm(draw.lossLaw.form)!.evaluate(draw.lossLaw, params, tokens);
    const accuracy = accuracyAtLoss(draw.accuracyLaw, loss);
    if (Number.isFinite(accuracy)) values.push(accuracy);
  }
  if (values.length < MIN_INTERVAL_DRAWS) return undefined;
  values.sort((a, b) => a - b);
  return { low: quantileSorted(values, 0.025), high: quantileSorted(values, 0.975), draws: values.length };
}
