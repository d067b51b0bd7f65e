/**
 * Fitting schedule-aware laws on logged trajectories (every checkpoint of every run), with the
 * engine's Huber-on-log-residual objective minimized by its local optimizer (`localFit`: LM on the
 * IRLS model, then damped Newton; src/core/fit/optimize.ts, used read-only) after a variable-projection grid scan of the exponents.
 *
 * The law ("tissue-chinchilla", our combination, stated in docs/schedule-laws.md):
 *
 *   L(N, s) = E + A·N^−α + B·S1(s)^−β − C·S2(s)
 *
 * Chinchilla's (N, D) law (Hoffmann et al. 2022, Eq. 2) with D replaced by Tissue et al.'s forward area
 * and their annealing term added (Tissue et al. 2024, Eq. 1; their Sec. 5 shows the form reduces to
 * Chinchilla's at constant LR). S1, S2 are in token units (src/core/schedule/features.ts), so with a
 * constant LR S1 = D, S2 = 0 and the law is Chinchilla's. The schedule-blind baseline is the same
 * fit with S1 := D and C := 0, i.e. the (N, D) law evaluated at each checkpoint's tokens.
 * With one model size the N term is folded into E (it is not identifiable).
 */
import { huberObjective, localFit, type Problem } from './optimize';
import { NormalEquations } from './nnls';
import { FIT_DEFAULTS } from './defaults';
import type { FitDesign, LogSpaceForm } from '../laws/forms/types';

export interface TrajectoryPoint {
  /** Model (size) label, e.g. "175b"; runs of one model share it. */
  model: string;
  /** Run label (one model may have several runs/schedules). */
  run: string;
  params: number;
  tokens: number;
  loss: number;
  /** Forward area S1 (tokens) and annealing area S2 (tokens) at this checkpoint. */
  s1: number;
  s2: number;
}

export interface TrajectoryLawOptions {
  /** Include A·N^−α (needs ≥ 2 sizes). */
  params: boolean;
  /** Include −C·S2 and use S1; false = schedule-blind baseline on D. */
  schedule: boolean;
}

export interface TrajectoryLaw {
  form: 'tissue-chinchilla' | 'chinchilla-checkpoints';
  E: number;
  A: number;
  alpha: number;
  B: number;
  beta: number;
  C: number;
}

interface TrajectoryDesign extends FitDesign {
  s2: Float64Array;
}

/** θ layout: [e, (a, α), b, β, (c)] with coefficients as logarithms. */
function layout(o: TrajectoryLawOptions) {
  const names = ['e', ...(o.params ? ['a', 'alpha'] : []), 'b', 'beta', ...(o.schedule ? ['c'] : [])];
  const idx = (n: string) => names.indexOf(n);
  return {
    names,
    e: idx('e'),
    a: idx('a'),
    alpha: idx('alpha'),
    b: idx('b'),
    beta: idx('beta'),
    c: idx('c'),
  };
}

function logForm(o: TrajectoryLawOptions): LogSpaceForm {
  const L = layout(o);
  const exps = o.params ? [L.alpha, L.beta] : [L.beta];
  return {
    form: o.schedule ? 'tissue-chinchilla' : 'chinchilla-checkpoints',
    thetaNames: L.names,
    paramNames: L.names.map((n) => (n === 'alpha' || n === 'beta' ? n : n.toUpperCase())),
    exponentIndices: exps,
    minDistinctSizes: o.params ? 2 : 1,
    hasIrreducibleTerm: true,
    logLoss(theta, design, i, gradient) {
      const d = design as TrajectoryDesign;
      const E = Math.exp(theta[L.e]);
      const tn = o.params ? Math.exp(theta[L.a] - theta[L.alpha] * d.logParams[i]) : 0;
      const td = Math.exp(theta[L.b] - theta[L.beta] * d.logTokens[i]);
      const ta = o.schedule ? Math.exp(theta[L.c]) * d.s2[i] : 0;
      const q = E + tn + td - ta;
      if (!(q > 0) || !Number.isFinite(q)) {
        if (gradient) gradient.fill(0);
        return -700; // ≈ log 0: a huge residual the optimizer steps away from.
      }
      if (gradient) {
        gradient[L.e] = E / q;
        if (o.params) {
          gradient[L.a] = tn / q;
          gradient[L.alpha] = (-d.logParams[i] * tn) / q;
        }
        gradient[L.b] = td / q;
        gradient[L.beta] = (-d.logTokens[i] * td) / q;
        if (o.schedule) gradient[L.c] = -ta / q;
      }
      return Math.log(q);
    },
    toParams: (theta) =>
      L.names.map((n, k) => (n === 'alpha' || n === 'beta' ? theta[k] : Math.exp(theta[k]))),
    fromParams: (p) => L.names.map((n, k) => (n === 'alpha' || n === 'beta' ? p[k] : Math.log(p[k]))),
    exponentGrids: exps.map(() => ({ from: 0.05, to: 1.2, step: 0.025 })),
    exponentOfTheta: (v) => v,
    linearSize: L.names.length - exps.length,
    linearRow(design, exponents, i, row) {
      const d = design as TrajectoryDesign;
      let c = 0;
      row[c++] = 1;
      if (o.params) row[c++] = Math.exp(-exponents[0] * d.logParams[i]);
      row[c++] = Math.exp(-exponents[exponents.length - 1] * d.logTokens[i]);
      if (o.schedule) row[c++] = -d.s2[i];
      return Math.exp(d.logLoss[i]);
    },
    thetaFromLinear(coefficients, exponents) {
      const theta = new Array<number>(L.names.length);
      let c = 0;
      const floor = (v: number) => Math.log(Math.max(v, 1e-30));
      theta[L.e] = floor(coefficients[c++]);
      if (o.params) {
        theta[L.a] = floor(coefficients[c++]);
        theta[L.alpha] = exponents[0];
      }
      theta[L.b] = floor(coefficients[c++]);
      theta[L.beta] = exponents[exponents.length - 1];
      if (o.schedule) theta[L.c] = floor(coefficients[c++]);
      return theta;
    },
  };
}

function designOf(points: readonly TrajectoryPoint[], o: TrajectoryLawOptions): TrajectoryDesign {
  const n = points.length;
  const d: TrajectoryDesign = {
    logParams: new Float64Array(n),
    logTokens: new Float64Array(n),
    logFlops: new Float64Array(n),
    logLoss: new Float64Array(n),
    s2: new Float64Array(n),
  };
  points.forEach((p, i) => {
    d.logParams[i] = Math.log(p.params);
    d.logTokens[i] = Math.log(o.schedule ? p.s1 : p.tokens);
    d.logFlops[i] = Math.log(6 * p.params * p.tokens);
    d.logLoss[i] = Math.log(p.loss);
    d.s2[i] = o.schedule ? p.s2 : 0;
  });
  return d;
}

/** Variable projection over the exponent grid: exact coefficients (NNLS on relative error) per cell. */
function gridStarts(
  form: LogSpaceForm,
  design: TrajectoryDesign,
  count: number,
  maxPoints = 1500,
): number[][] {
  const n = design.logLoss.length;
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const grids = form.exponentGrids.map((g) => {
    const v: number[] = [];
    for (let x = g.from; x <= g.to + 1e-12; x += g.step) v.push(Math.round(x * 1e9) / 1e9);
    return v;
  });
  const cells: number[][] =
    grids.length === 1 ? grids[0].map((a) => [a]) : grids[0].flatMap((a) => grids[1].map((b) => [a, b]));
  const row = new Float64Array(form.linearSize);
  const scored: { theta: number[]; cost: number; cell: number[] }[] = [];
  for (const cell of cells) {
    const eq = new NormalEquations(form.linearSize);
    for (let i = 0; i < n; i += stride) {
      const target = form.linearRow(design, cell, i, row);
      for (let c = 0; c < row.length; c++) row[c] /= target;
      eq.add(row, 1, 1);
    }
    const coefficients = eq.solveNonNegative();
    if (!coefficients) continue;
    const theta = form.thetaFromLinear(Array.from(coefficients), cell);
    const cost = huberObjective(
      { form, design, delta: FIT_DEFAULTS.huberDelta, fixed: theta.map(() => undefined) },
      theta,
    );
    if (Number.isFinite(cost)) scored.push({ theta, cost, cell });
  }
  scored.sort((p, q) => p.cost - q.cost);
  const picked: typeof scored = [];
  for (const s of scored) {
    if (picked.length >= count) break;
    if (!picked.some((p) => p.cell.every((v, k) => Math.abs(v - s.cell[k]) <= 0.1))) picked.push(s);
  }
  return picked.map((p) => p.theta);
}

/** Coefficients held at values from elsewhere (Choshen et al. 2025: borrow what the data cannot pin). */
export interface BorrowedCoefficients {
  beta?: number;
  C?: number;
}

export interface TrajectoryFit {
  law: TrajectoryLaw;
  options: TrajectoryLawOptions;
  objective: number;
  theta: number[];
  points: number;
}

/**
 * Fit the law on trajectory points. `warmStart` (θ of a previous fit with the same options) skips
 * the grid scan, which is what makes refitting a growing log cheap. Undefined with a reason when the
 * points cannot determine the law.
 */
export function fitTrajectory(
  points: readonly TrajectoryPoint[],
  options: TrajectoryLawOptions,
  warmStart?: readonly number[],
  borrowed: BorrowedCoefficients = {},
): { fit?: TrajectoryFit; error?: string } {
  const usable = points.filter(
    (p) =>
      p.loss > 0 && p.tokens > 0 && p.params > 0 && p.s1 > 0 && Number.isFinite(p.s2 + p.loss + p.tokens),
  );
  const form = logForm(options);
  if (usable.length < form.thetaNames.length + 1)
    return { error: `need at least ${form.thetaNames.length + 1} usable checkpoints, have ${usable.length}` };
  if (options.params && new Set(usable.map((p) => p.params)).size < 2)
    return { error: 'the N term needs at least two model sizes' };
  const design = designOf(usable, options);
  const L0 = layout(options);
  const fixed: (number | undefined)[] = form.thetaNames.map(() => undefined);
  if (borrowed.beta !== undefined) fixed[L0.beta] = borrowed.beta;
  if (borrowed.C !== undefined && options.schedule) fixed[L0.c] = Math.log(borrowed.C);
  const problem: Problem = { form, design, delta: FIT_DEFAULTS.huberDelta, fixed };
  const starts = (
    warmStart && warmStart.length === form.thetaNames.length
      ? [warmStart.slice()]
      : gridStarts(form, design, 4)
  ).map((theta) => theta.map((v, k) => fixed[k] ?? v));
  if (!starts.length) return { error: 'no starting point gave a finite objective' };
  let best: { theta: number[]; objective: number } | undefined;
  // A warm start sits next to the new optimum: a few LM/Newton steps converge (bench/schedule-refit.ts).
  const local = { maxIterations: warmStart ? 12 : 300 };
  for (const start of starts) {
    const r = localFit(problem, start, local);
    if (!best || r.objective < best.objective) best = r;
  }
  const L = layout(options);
  const t = best!.theta;
  const law: TrajectoryLaw = {
    form: options.schedule ? 'tissue-chinchilla' : 'chinchilla-checkpoints',
    E: Math.exp(t[L.e]),
    A: options.params ? Math.exp(t[L.a]) : 0,
    alpha: options.params ? t[L.alpha] : 0,
    B: Math.exp(t[L.b]),
    beta: t[L.beta],
    C: options.schedule ? Math.exp(t[L.c]) : 0,
  };
  return { fit: { law, options, objective: best!.objective, theta: t, points: usable.length } };
}

/** Predicted loss at a checkpoint; undefined when the law is not positive/finite there. */
export function predictTrajectory(
  fit: TrajectoryFit,
  p: Pick<TrajectoryPoint, 'params' | 'tokens' | 's1' | 's2'>,
): number | undefined {
  const { law, options } = fit;
  const x = options.schedule ? p.s1 : p.tokens;
  if (!(x > 0)) return undefined;
  const loss =
    law.E +
    (options.params ? law.A * p.params ** -law.alpha : 0) +
    law.B * x ** -law.beta -
    (options.schedule ? law.C * p.s2 : 0);
  return Number.isFinite(loss) && loss > 0 ? loss : undefined;
}

export interface HoldoutResult {
  target: string;
  trainPoints: number;
  testPoints: number;
  /** Mean absolute relative error over the target's checkpoints after the prefix. */
  scheduleAre: number;
  baselineAre: number;
  schedule?: TrajectoryFit;
  baseline?: TrajectoryFit;
  error?: string;
}

/**
 * How much of a run's start fits ignore by default: Choshen et al. 2025's 10B-token cut, capped at
 * this fraction of each run. The cap is ours, not the paper's: a fixed 10B tokens removes whole runs
 * of a small ladder (a 100M model trained on 3B tokens) and every prefix of its target, while the
 * paper's families train on ≥ 100B tokens, where the cap never binds. 10% keeps the warm-up and the
 * first fast drop out of the fit at any scale.
 */
export const EARLY_CUT_RUN_FRACTION = 0.1;

/**
 * Which checkpoints a trajectory fit keeps (tokens above the cut). With `minTokens` given (the
 * CLI's --min-tokens) exactly that cut; by default min(10B, EARLY_CUT_RUN_FRACTION × the run's last
 * logged tokens) per run, a run being `runKey`'s group.
 */
export function earlyCheckpointFilter<P extends { tokens: number }>(
  points: readonly P[],
  runKey: (p: P) => string,
  minTokens?: number,
): (p: P) => boolean {
  if (minTokens !== undefined) return (p) => p.tokens > minTokens;
  const end = new Map<string, number>();
  for (const p of points) end.set(runKey(p), Math.max(end.get(runKey(p)) ?? 0, p.tokens));
  return (p) => p.tokens > Math.min(FIT_DEFAULTS.minTokens, EARLY_CUT_RUN_FRACTION * end.get(runKey(p))!);
}

/** A trajectory point's run (runs of different models may share a label). */
export const trajectoryRunKey = (p: TrajectoryPoint) => `${p.model}\u0000${p.run}`;

/**
 * The data exponents β of a related family, fitted on all of its checkpoints above `minTokens`, for
 * both laws (the schedule-aware law's β of S1 and the schedule-blind law's β of D): Choshen et al.
 * 2025's "borrow exponents" when the target's own prefix cannot pin them (one model size, a short
 * prefix of a long run). Only the exponent is borrowed; the coefficients are fitted on the target.
 */
export function donorExponents(
  donor: readonly TrajectoryPoint[],
  minTokens?: number,
): { schedule: BorrowedCoefficients; baseline: BorrowedCoefficients } | { error: string } {
  const use = donor.filter(earlyCheckpointFilter(donor, trajectoryRunKey, minTokens));
  const params = new Set(use.map((p) => p.params)).size >= 2;
  const s = fitTrajectory(use, { params, schedule: true });
  const b = fitTrajectory(use, { params, schedule: false });
  if (!s.fit || !b.fit) return { error: `the donor runs give no fit: ${s.error ?? b.error}` };
  return { schedule: { beta: s.fit.law.beta }, baseline: { beta: b.fit.law.beta } };
}

/**
 * The Hitchhiker protocol (Choshen et al. 2025): fit on every run of the other (smaller) models plus
 * the first `prefix` of each run of the target model, then predict the rest of the target's runs;
 * early checkpoints are dropped from fitting (`earlyCheckpointFilter`: `minTokens` when given). A run's length is its last
 * checkpoint's tokens. `borrowed` holds coefficients of each law at a donor's (`donorExponents`).
 */
export function holdoutEvaluation(
  points: readonly TrajectoryPoint[],
  target: string,
  prefix: number = 0.3,
  minTokens?: number,
  borrowed: { schedule?: BorrowedCoefficients; baseline?: BorrowedCoefficients } = {},
): HoldoutResult {
  const runEnd = new Map<string, number>();
  for (const p of points)
    if (p.model === target) runEnd.set(p.run, Math.max(runEnd.get(p.run) ?? 0, p.tokens));
  // The early cut is taken from each whole run (the target's too: its length is known from the
  // plan), so holding out the rest of the target does not move it.
  const keep = earlyCheckpointFilter(points, trajectoryRunKey, minTokens);
  const train: TrajectoryPoint[] = [];
  const test: TrajectoryPoint[] = [];
  for (const p of points) {
    if (p.model !== target) {
      if (keep(p)) train.push(p);
    } else if (p.tokens <= prefix * runEnd.get(p.run)!) {
      if (keep(p)) train.push(p);
    } else test.push(p);
  }
  const params = new Set(train.map((p) => p.params)).size >= 2;
  const result: HoldoutResult = {
    target,
    trainPoints: train.length,
    testPoints: test.length,
    scheduleAre: NaN,
    baselineAre: NaN,
  };
  const s = fitTrajectory(train, { params, schedule: true }, undefined, borrowed.schedule);
  const b = fitTrajectory(train, { params, schedule: false }, undefined, borrowed.baseline);
  if (!s.fit || !b.fit || !test.length)
    return { ...result, error: s.error ?? b.error ?? 'no held-out checkpoints' };
  const are = (fit: TrajectoryFit) => {
    let sum = 0;
    for (const p of test) {
      const pred = predictTrajectory(fit, p);
      if (pred === undefined) return NaN;
      sum += Math.abs(pred - p.loss) / p.loss;
    }
    return sum / test.length;
  };
  return { ...result, scheduleAre: are(s.fit), baselineAre: are(b.fit), schedule: s.fit, baseline: b.fit };
}
