import {
  differencedHessian,
  HuberEvaluator,
  localFit,
  subsetDesign,
  variableProjectionStarts,
  type LocalOptions,
  type Problem,
} from './optimize';

/**
 * Multi-start fitting of one design, shared by the main fit, leave-one-model-out and the bootstrap
 * refits (in the calling thread or in worker threads, src/core/fit/bootstrapWorker.ts).
 */

/** Most steps of one local fit (LM then Newton; a fit from a good start needs 10–30). */
export const MAIN_LOCAL: LocalOptions = { maxIterations: 200 };
export const REFIT_LOCAL: LocalOptions = { maxIterations: 100 };
/**
 * Above this many points the starts are searched on an even subsample of this size and only the
 * winner is refined on all points (the objective minimized is always the one over every point).
 */
const SEARCH_POINTS = 4000;
/**
 * The start scan's grid is the forms' grid coarsened 5× (Chinchilla: α, β in steps of 0.1). The
 * coefficients of every cell are exact (variable projection), so a cell only has to land in the right
 * basin; on Epoch's 240 points every coarsening from 1× to 10× reaches the same optimum (objective
 * equal to 1e-14 relative), and 5× scans 25× fewer cells.
 */
export const MAIN_COARSEN = 5;
/** Refits (bootstrap, leave-one-out) start from the main fit's θ; the scan only adds a second basin. */
export const REFIT_COARSEN = 10;
/** Starts whose optima agree to this relative objective count as the same optimum. */
const AGREEMENT = 1e-9;

export interface CoreFit {
  theta: number[];
  objective: number;
}

/**
 * Multi-start fit of one design: variable-projection starts over an exponent grid, a local fit
 * (LM on the IRLS model, then Newton) from each, best-first, stopping once `agree` starts have reached
 * the same lowest objective. Large designs search on an even subsample and refine the best one or
 * two optima on every point. Returns undefined when cancelled or nothing converged.
 */
export function fitDesign(
  problem: Problem,
  starts: number,
  local: LocalOptions,
  isCancelled: () => boolean,
  extraStarts: readonly number[][] = [],
  coarsen = 1,
  agree = 3,
): CoreFit | undefined {
  const n = problem.design.logLoss.length;
  const large = n > SEARCH_POINTS;
  let search = problem;
  if (large) {
    const stride = n / SEARCH_POINTS;
    const sample = new Int32Array(SEARCH_POINTS);
    for (let i = 0; i < SEARCH_POINTS; i++) sample[i] = Math.floor(i * stride);
    search = { ...problem, design: subsetDesign(problem.design, sample) };
  }
  const seeds = variableProjectionStarts(search, { count: starts, coarsen, maxPoints: 1200 }).map(
    (s) => s.theta,
  );
  const evaluator = new HuberEvaluator(search);
  const found: CoreFit[] = [];
  let best: CoreFit | undefined;
  let agreeing = 0;
  for (const theta0 of [...extraStarts, ...seeds]) {
    if (isCancelled()) return undefined;
    const result = localFit(search, theta0, local, evaluator);
    if (!Number.isFinite(result.objective)) continue;
    found.push({ theta: result.theta, objective: result.objective });
    if (!best || result.objective < best.objective * (1 - AGREEMENT)) {
      best = { theta: result.theta, objective: result.objective };
      agreeing = 1;
    } else if (result.objective <= best.objective * (1 + AGREEMENT)) {
      agreeing++;
      if (result.objective < best.objective) best = { theta: result.theta, objective: result.objective };
    }
    if (agreeing >= agree) break;
  }
  if (!best || !large) return best;
  // Refine on every point: the best subsample optimum and a runner-up in a different basin when it
  // was close (within 1%), since the full-data ranking can differ from the subsample's.
  found.sort((p, q) => p.objective - q.objective);
  const candidates = [found[0]];
  const runnerUp = found.find((f) => f.objective > found[0].objective * (1 + 1e-6));
  if (runnerUp && runnerUp.objective <= found[0].objective * 1.01) candidates.push(runnerUp);
  let refined: CoreFit | undefined;
  const fullEvaluator = new HuberEvaluator(problem);
  for (const candidate of candidates) {
    if (isCancelled()) return undefined;
    // Newton from the subsample's optimum with the subsample's Hessian scaled to n points: the full
    // data then costs one pass per step (BFGS keeps the Hessian current) instead of an IRLS phase.
    const hessian = differencedHessian(evaluator, candidate.theta, n / SEARCH_POINTS);
    const result = localFit(problem, candidate.theta, local, fullEvaluator, hessian);
    if (Number.isFinite(result.objective) && (!refined || result.objective < refined.objective))
      refined = { theta: result.theta, objective: result.objective };
  }
  return refined;
}
