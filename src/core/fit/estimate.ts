import { CHINCHILLA_LOG_FORM, type FitDesign } from './jacobians';
import { HuberEvaluator } from './optimize';
import { mulberry32 } from './random';

/**
 * The editor's fit preview estimate: expected seconds of a fit of `points` checkpoints with
 * `resamples` bootstrap refits on `cores` cores. The cost of a fit is counted in point-passes (one
 * evaluation of a residual, its Jacobian row, the Huber term and the IRLS matrix for one point), so the
 * estimate is the per-point-pass cost of the machine times a count that depends only on the engine:
 *
 *   main fit  ≈ MAIN.fixed + MAIN.search · min(n, 4000) + MAIN.full · n
 *   one refit ≈ REFIT.fixed + REFIT.search · min(n, 4000) + REFIT.full · n
 *
 * (the starts are searched on at most 4,000 points, src/core/fit/multistart.ts; the rest is the
 * full-data Newton refine, building the design and the report). The counts were measured with
 * bench/fit-large.ts and bench/fit-bootstrap.ts (docs/fitting.md, "Speed") on generated ladders of
 * 240 to 1,000,000 points; the bench prints the estimate next to a measured fit. The refits are spread
 * over min(cores, 8) worker threads from 24 resamples on (src/core/fit/parallel.ts), each worker
 * costing a start-up.
 */

/** Point-pass counts of the engine (dimensionless; see above). */
export const FIT_COST_MODEL = {
  main: { fixed: 1.2e5, search: 32, full: 7 },
  refit: { fixed: 3.3e4, search: 44, full: 8.5 },
  /** Points the starts are searched on (multistart.ts SEARCH_POINTS). */
  searchPoints: 4000,
  /** Resamples below which the bootstrap runs in the calling thread (parallel.ts MIN_PARALLEL). */
  minParallel: 24,
  /** Most worker threads (parallel.ts defaultThreads). */
  maxThreads: 8,
  /** Start-up of one bootstrap worker (loading the worker bundle), seconds; measured 0.05–0.1 s. */
  workerStartupSeconds: 0.08,
} as const;

/**
 * Seconds per point-pass measured on the 2-core development machine (idle: 1.46e-7 s; the figure
 * used is that, as a machine under load runs 2–4× slower and the preview should not promise too much).
 */
export const DEFAULT_SECONDS_PER_POINT_PASS = 1.5e-7;

export interface FitEstimateInput {
  /** Checkpoints the fit will use. */
  points: number;
  /** Bootstrap refits (0 = none). */
  resamples: number;
  /** Cores available to the bootstrap workers (os.availableParallelism()). */
  cores: number;
}

/**
 * Expected wall-clock seconds of a fit (main fit plus bootstrap), for the preview and the progress
 * bar. `secondsPerPointPass` is the machine's cost ({@link measureSecondsPerPointPass}), by default
 * {@link DEFAULT_SECONDS_PER_POINT_PASS}. Monotone: more points or resamples never give less, more
 * cores never more. Not a promise: a loaded machine is slower. Inputs that are not finite or negative
 * count as 0 points/resamples and 1 core.
 */
export function estimateFitSeconds(
  input: FitEstimateInput,
  secondsPerPointPass: number = DEFAULT_SECONDS_PER_POINT_PASS,
): number {
  const clean = (v: number, floor: number) => (Number.isFinite(v) && v > floor ? v : floor);
  const n = clean(input.points, 0);
  const resamples = Math.floor(clean(input.resamples, 0));
  const cores = Math.floor(clean(input.cores, 1));
  const perPass = clean(secondsPerPointPass, 0);
  const { main, refit, searchPoints, minParallel, maxThreads, workerStartupSeconds } = FIT_COST_MODEL;
  const search = Math.min(n, searchPoints);
  const mainSeconds = perPass * (main.fixed + main.search * search + main.full * n);
  const refitSeconds = perPass * (refit.fixed + refit.search * search + refit.full * n);
  if (resamples === 0) return mainSeconds;
  const threads = Math.min(cores, maxThreads);
  const serial = resamples * refitSeconds;
  // The workers only run from minParallel resamples on, and only when they are faster (they always
  // are then, except for start-up on tiny fits: take the smaller so more cores never cost more).
  const parallel =
    threads > 1 && resamples >= minParallel
      ? Math.min(serial, (resamples * refitSeconds) / threads + workerStartupSeconds)
      : serial;
  return mainSeconds + parallel;
}

/**
 * This machine's seconds per point-pass: times the evaluator on a generated 20,000-point design
 * for about `budgetMs` (default 30 ms) after a warm-up. For calibrating {@link estimateFitSeconds}.
 */
export function measureSecondsPerPointPass(budgetMs = 30): number {
  const n = 20_000;
  const random = mulberry32(1);
  const design: FitDesign = {
    logParams: new Float64Array(n),
    logTokens: new Float64Array(n),
    logFlops: new Float64Array(n),
    logLoss: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    design.logParams[i] = Math.log(5e7) + Math.log(100) * random();
    design.logTokens[i] = Math.log(2e9) + Math.log(100) * random();
    design.logFlops[i] = Math.log(6) + design.logParams[i] + design.logTokens[i];
    design.logLoss[i] = Math.log(2 + random());
  }
  const evaluator = new HuberEvaluator({
    form: CHINCHILLA_LOG_FORM,
    design,
    delta: 1e-3,
    fixed: [undefined, undefined, undefined, undefined, undefined],
  });
  const theta = CHINCHILLA_LOG_FORM.fromParams([1.8, 480, 2000, 0.35, 0.36]);
  const gradient = new Float64Array(5);
  const matrix = new Float64Array(25);
  for (let k = 0; k < 5; k++) evaluator.pass(theta, gradient, matrix);
  let passes = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    evaluator.pass(theta, gradient, matrix);
    passes++;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs && passes < 1000);
  return elapsed / 1000 / passes / n;
}
