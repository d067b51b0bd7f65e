/**
 * Downstream fits from eval logs: step 1 fits the loss law L(N, D) on the runs' loss column (the
 * registered law forms, same engine as `scaling-lens fit`); step 2 fits accuracy as a function of loss
 * (Bhagia et al. 2024's sigmoid or Gadre et al. 2024's exponential) on the same checkpoints. A held-out
 * model's accuracy is then predicted from (N, D) alone: Acc(L̂(N, D)).
 */
import { fitScalingLaw } from '../fit/fit';
import type { RunSeries } from '../fit/types';
import { evaluateLaw, type LawForm } from '../laws/forms';
import {
  accuracyAtLoss,
  accuracyColumnScale,
  accuracyLawParams,
  fitAccuracyLaw,
  type AccuracyLaw,
  type AccuracyLawForm,
  type AccuracyScale,
  type LossAccuracyPoint,
} from './accuracy';
import {
  bootstrapDownstream,
  DOWNSTREAM_BOOTSTRAP_SEED,
  type DownstreamBootstrap,
  type DownstreamBootstrapInput,
} from './bootstrap';

export interface DownstreamOptions {
  accuracyLaw?: AccuracyLawForm;
  /** Loss-law form for step 1 (default chinchilla). */
  lossForm?: LawForm;
  /** Checkpoints at or before this many tokens are not used (default 1e10, as the loss fit). */
  minTokens?: number;
  /** Hold out every run of the largest N and report its accuracy error. */
  holdoutLargest?: boolean;
  /** How the accuracy column's values are read (default `auto`: percentages detected and divided by 100, with a warning). */
  accuracyScale?: AccuracyScale;
  /** Bootstrap resamples over runs refitting both steps (src/core/downstream/bootstrap.ts); 0 = none (default). */
  bootstrap?: number;
  /** Seed of the bootstrap resampling (default DOWNSTREAM_BOOTSTRAP_SEED). */
  seed?: number;
}

/** One held-out run's final checkpoint. */
export interface DownstreamHeldOutPoint {
  run: string;
  tokens: number;
  observed: number;
  /** Acc(L̂(N, D)): from (N, D) alone. */
  predicted: number;
  /** Acc(L_observed): the accuracy law alone, given the run's measured loss. */
  predictedFromObservedLoss: number | null;
}

export interface DownstreamReport {
  ok: boolean;
  target: string;
  accuracyLaw: { form: AccuracyLawForm; params: Record<string, number> } | null;
  lossLaw: { form: LawForm; params: Record<string, number> } | null;
  /** (N, D) range of the runs the loss law was fitted on. */
  region?: { paramsMin: number; paramsMax: number; tokensMin: number; tokensMax: number };
  /** (loss, accuracy) points the accuracy law was fitted on. */
  points: number;
  modelSizes: number;
  /** Root-mean-square accuracy error of step 2 on its own points. */
  trainRmse: number | null;
  /** 1 for fractions, 0.01 when the column was read as percentages. */
  accuracyFactor: number;
  /** The bootstrap of both steps over runs, when asked for. */
  bootstrap?: DownstreamBootstrap;
  heldOut?: {
    model: string;
    params: number;
    /** Mean |predicted − observed| accuracy (fraction) over the held-out runs' final checkpoints. */
    mae: number;
    /** The same with each run's measured loss in place of L̂ (the accuracy link alone). */
    maeFromObservedLoss: number | null;
    points: DownstreamHeldOutPoint[];
  };
  warnings: string[];
  errors: string[];
}

const key = (run: string, tokens: number) => `${run}\u0000${tokens}`;

/** Fit the two-step downstream law (and its bootstrap when asked); never throws, problems come back in `errors`. */
export function fitDownstream(
  lossRuns: readonly RunSeries[],
  accuracyRuns: readonly RunSeries[],
  target: string,
  options: DownstreamOptions = {},
): DownstreamReport {
  const { report, bootstrapInput } = fitDownstreamPoint(lossRuns, accuracyRuns, target, options);
  if (report.ok && bootstrapInput && (options.bootstrap ?? 0) > 0)
    report.bootstrap = bootstrapDownstream({ ...bootstrapInput, resamples: options.bootstrap! });
  return report;
}

/**
 * The point fit of both steps, and what a bootstrap of it needs (the fitted runs with accuracies as
 * fractions), so a caller with an event loop can run the resamples itself (startBootstrap).
 */
export function fitDownstreamPoint(
  lossRuns: readonly RunSeries[],
  accuracyRuns: readonly RunSeries[],
  target: string,
  options: DownstreamOptions = {},
): { report: DownstreamReport; bootstrapInput?: DownstreamBootstrapInput } {
  const accuracyLawForm = options.accuracyLaw ?? 'bhagia2024';
  const lossForm = options.lossForm ?? 'chinchilla';
  const minTokens = options.minTokens ?? 1e10;
  const report: DownstreamReport = {
    ok: false,
    target,
    accuracyLaw: null,
    lossLaw: null,
    points: 0,
    modelSizes: 0,
    trainRmse: null,
    accuracyFactor: 1,
    warnings: [],
    errors: [],
  };
  const allAccuracies = accuracyRuns.flatMap((run) => run.points.map((p) => p.loss));
  const scale = accuracyColumnScale(target, allAccuracies, options.accuracyScale ?? 'auto');
  report.errors.push(...scale.errors);
  report.warnings.push(...scale.warnings);
  if (report.errors.length) return { report };
  report.accuracyFactor = scale.factor;
  if (scale.factor !== 1)
    accuracyRuns = accuracyRuns.map((run) => ({
      ...run,
      points: run.points.map((p) => ({ ...p, loss: p.loss * scale.factor })),
    }));

  // Pair each checkpoint's accuracy with its loss (same run, same tokens).
  const lossAt = new Map<string, number>();
  for (const run of lossRuns) for (const p of run.points) lossAt.set(key(run.name, p.tokens), p.loss);
  const paramsOf = new Map(accuracyRuns.map((run) => [run.name, run.params]));
  const sizes = new Set(accuracyRuns.filter((r) => r.points.length > 0).map((r) => r.params));
  if (sizes.size < 2) {
    report.errors.push(
      `Downstream fits need runs of at least 2 model sizes (3 or more to hold one out); the data has ${sizes.size}.`,
    );
    return { report };
  }
  const heldParams = options.holdoutLargest ? Math.max(...sizes) : Number.POSITIVE_INFINITY;
  if (options.holdoutLargest && sizes.size < 3) {
    report.errors.push('Holding out the largest model leaves one model size: need runs of at least 3 sizes.');
    return { report };
  }
  const isHeld = (run: RunSeries) => run.params === heldParams;

  // Step 1: loss law on the non-held-out runs.
  const lossFit = fitScalingLaw(
    lossRuns.filter((run) => !isHeld(run)),
    { form: lossForm, minTokens },
  );
  if (!lossFit.ok || !lossFit.law) {
    report.errors.push(...lossFit.errors.map((e) => `Loss law: ${e}`));
    return { report };
  }
  report.lossLaw = { form: lossForm, params: lossFit.params };
  if (lossFit.region) report.region = lossFit.region;
  report.warnings.push(...lossFit.warnings.map((w) => `Loss law: ${w}`));

  // Step 2: accuracy from loss on the same checkpoints.
  const pairs: LossAccuracyPoint[] = [];
  let unpaired = 0;
  for (const run of accuracyRuns) {
    if (isHeld(run)) continue;
    for (const p of run.points) {
      if (p.tokens <= minTokens) continue;
      const loss = lossAt.get(key(run.name, p.tokens));
      if (loss === undefined) unpaired++;
      else pairs.push({ loss, accuracy: p.loss });
    }
  }
  if (unpaired > 0)
    report.warnings.push(
      `${unpaired} accuracy checkpoints have no loss at the same tokens and were not used.`,
    );
  const fitted = fitAccuracyLaw(accuracyLawForm, pairs);
  if ('error' in fitted) {
    report.errors.push(fitted.error);
    return { report };
  }
  report.ok = true;
  report.accuracyLaw = { form: accuracyLawForm, params: accuracyLawParams(fitted.law) };
  report.points = pairs.length;
  report.modelSizes = new Set(accuracyRuns.filter((r) => !isHeld(r)).map((r) => r.params)).size;
  report.trainRmse = fitted.rmse;

  if (options.holdoutLargest)
    report.heldOut = heldOutError(fitted.law, lossFit.law, accuracyRuns, lossAt, heldParams, paramsOf);
  return {
    report,
    bootstrapInput: {
      lossRuns: lossRuns.filter((run) => !isHeld(run)),
      accuracyRuns: accuracyRuns.filter((run) => !isHeld(run) && run.points.length > 0),
      lossForm,
      accuracyForm: accuracyLawForm,
      accuracyStart: fitted.law,
      minTokens,
      seed: options.seed ?? DOWNSTREAM_BOOTSTRAP_SEED,
    },
  };
}

function heldOutError(
  accuracyLaw: AccuracyLaw,
  lossLaw: NonNullable<ReturnType<typeof fitScalingLaw>['law']>,
  accuracyRuns: readonly RunSeries[],
  lossAt: Map<string, number>,
  heldParams: number,
  paramsOf: Map<string, number>,
): DownstreamReport['heldOut'] {
  const points: DownstreamHeldOutPoint[] = [];
  for (const run of accuracyRuns) {
    if (run.params !== heldParams || run.points.length === 0) continue;
    const last = run.points.reduce((a, b) => (b.tokens >= a.tokens ? b : a));
    const predictedLoss = evaluateLaw(lossLaw, paramsOf.get(run.name)!, last.tokens);
    const observedLoss = lossAt.get(key(run.name, last.tokens));
    points.push({
      run: run.name,
      tokens: last.tokens,
      observed: last.loss,
      predicted: accuracyAtLoss(accuracyLaw, predictedLoss),
      predictedFromObservedLoss:
        observedLoss === undefined ? null : accuracyAtLoss(accuracyLaw, observedLoss),
    });
  }
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const fromObserved = points.filter((p) => p.predictedFromObservedLoss !== null);
  return {
    model: points[0]?.run ?? '',
    params: heldParams,
    mae: mean(points.map((p) => Math.abs(p.predicted - p.observed))),
    maeFromObservedLoss: fromObserved.length
      ? mean(fromObserved.map((p) => Math.abs(p.predictedFromObservedLoss! - p.observed)))
      : null,
    points,
  };
}
