import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { huber, huberDerivative, huberWeight } from './huber';
import type { ExponentGrid } from '../laws/forms';
import type { FitDesign, LogSpaceForm } from './jacobians';
import { NormalEquations } from './nnls';

/**
 * The optimizer: Huber loss on log-space residuals, minimized by iteratively reweighted least squares
 * (each round a Levenberg–Marquardt solve from `ml-levenberg-marquardt` with the form's analytic
 * Jacobian), then polished by BFGS on the exact Huber objective so the result is a true local minimum
 * of Σ huber_δ(log L̂ − log L), the quantity scipy's L-BFGS-B reference minimizes.
 */

/** One minimization problem: a form, its data and which θ entries are held fixed. */
export interface Problem {
  form: LogSpaceForm;
  design: FitDesign;
  delta: number;
  /** Per θ index: a fixed value (borrowed exponent) or undefined (free). */
  fixed: readonly (number | undefined)[];
}

/** Indices of the free θ entries. */
export function freeIndices(problem: Problem): number[] {
  const out: number[] = [];
  for (let k = 0; k < problem.form.thetaNames.length; k++) if (problem.fixed[k] === undefined) out.push(k);
  return out;
}

/** A full θ from free values. */
export function expandTheta(problem: Problem, free: ArrayLike<number>, freeIdx: readonly number[]): number[] {
  const theta = problem.fixed.map((v) => v ?? 0);
  for (let j = 0; j < freeIdx.length; j++) theta[freeIdx[j]] = free[j];
  return theta;
}

/** Number of points in a design. */
export function pointCount(design: FitDesign): number {
  return design.logLoss.length;
}

/** Σ huber_δ(log L̂ − log L) at θ. */
export function huberObjective(problem: Problem, theta: ArrayLike<number>): number {
  const { form, design, delta } = problem;
  let sum = 0;
  for (let i = 0; i < design.logLoss.length; i++) {
    sum += huber(delta, form.logLoss(theta, design, i) - design.logLoss[i]);
  }
  return sum;
}

/** Objective and its gradient with respect to the free θ entries. */
export function huberObjectiveAndGradient(
  problem: Problem,
  theta: ArrayLike<number>,
  freeIdx: readonly number[],
  gradientOut: Float64Array,
): number {
  const { form, design, delta } = problem;
  const row = new Float64Array(form.thetaNames.length);
  gradientOut.fill(0);
  let sum = 0;
  for (let i = 0; i < design.logLoss.length; i++) {
    const residual = form.logLoss(theta, design, i, row) - design.logLoss[i];
    sum += huber(delta, residual);
    const psi = huberDerivative(delta, residual);
    for (let j = 0; j < freeIdx.length; j++) gradientOut[j] += psi * row[freeIdx[j]];
  }
  return sum;
}

/** Settings of one local minimization. */
export interface LocalOptions {
  /** IRLS rounds (each one LM solve). */
  irlsRounds: number;
  /** LM iterations per round. */
  lmIterations: number;
  /** BFGS iterations of the final polish (0 = none). */
  polishIterations: number;
}

/** Result of a local minimization. */
export interface LocalResult {
  theta: number[];
  objective: number;
  iterations: number;
}

/**
 * Huber IRLS: with weights wᵢ = ψ(rᵢ)/rᵢ frozen, minimize Σ wᵢ rᵢ² by LM, update the weights, repeat.
 * The weights enter as √wᵢ on both the data and the model so the library's unweighted residual is
 * exactly √wᵢ·rᵢ (its own `weights` option squares differently between error and step).
 */
export function irlsLevenbergMarquardt(
  problem: Problem,
  theta0: readonly number[],
  options: LocalOptions,
): LocalResult {
  const { form, design, delta } = problem;
  const n = pointCount(design);
  const freeIdx = freeIndices(problem);
  let theta = theta0.slice();
  let objective = huberObjective(problem, theta);
  let iterations = 0;
  if (!Number.isFinite(objective) || freeIdx.length === 0 || n < 3) return { theta, objective, iterations };
  const sqrtWeights = new Float64Array(n);
  const xs = Array.from({ length: n }, (_, i) => i);
  const ys = new Float64Array(n);
  const row = new Float64Array(form.thetaNames.length);
  for (let round = 0; round < options.irlsRounds; round++) {
    for (let i = 0; i < n; i++) {
      const residual = form.logLoss(theta, design, i) - design.logLoss[i];
      sqrtWeights[i] = Math.sqrt(huberWeight(delta, residual));
      ys[i] = sqrtWeights[i] * design.logLoss[i];
    }
    let result;
    try {
      result = levenbergMarquardt(
        { x: xs, y: ys },
        (free: number[]) => {
          const full = expandTheta(problem, free, freeIdx);
          return (x: number) => sqrtWeights[x] * form.logLoss(full, design, x);
        },
        {
          initialValues: freeIdx.map((k) => theta[k]),
          jacobianFunction: (free: number[]) => {
            const full = expandTheta(problem, free, freeIdx);
            return (x: number) => {
              form.logLoss(full, design, x, row);
              return freeIdx.map((k) => sqrtWeights[x] * row[k]);
            };
          },
          maxIterations: options.lmIterations,
          errorTolerance: 0,
          damping: 1e-3,
        },
      );
    } catch {
      break; // The library throws on singular steps; the last good θ stands.
    }
    iterations += result.iterations;
    const candidate = expandTheta(problem, result.parameterValues, freeIdx);
    const candidateObjective = huberObjective(problem, candidate);
    if (!(candidateObjective < objective)) break;
    const gain = objective - candidateObjective;
    theta = candidate;
    objective = candidateObjective;
    if (gain <= 1e-10 * objective) break;
  }
  if (options.polishIterations > 0) {
    const polished = bfgsPolish(problem, theta, options.polishIterations);
    iterations += polished.iterations;
    if (polished.objective <= objective) return { ...polished, iterations };
  }
  return { theta, objective, iterations };
}

/**
 * BFGS with Armijo backtracking on the exact Huber objective (continuously differentiable, so BFGS
 * converges where IRLS only creeps). Stops when a line search can no longer decrease the objective.
 */
export function bfgsPolish(problem: Problem, theta0: readonly number[], maxIterations: number): LocalResult {
  const freeIdx = freeIndices(problem);
  const k = freeIdx.length;
  let x = Float64Array.from(freeIdx.map((i) => theta0[i]));
  let gradient = new Float64Array(k);
  let f = huberObjectiveAndGradient(problem, theta0, freeIdx, gradient);
  if (k === 0 || !Number.isFinite(f)) return { theta: theta0.slice(), objective: f, iterations: 0 };
  let inverseHessian = identity(k);
  let scaled = false;
  let iteration = 0;
  const trialGradient = new Float64Array(k);
  for (; iteration < maxIterations; iteration++) {
    const direction = new Float64Array(k);
    for (let r = 0; r < k; r++) {
      let sum = 0;
      for (let c = 0; c < k; c++) sum -= inverseHessian[r * k + c] * gradient[c];
      direction[r] = sum;
    }
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      inverseHessian = identity(k);
      scaled = false;
      for (let r = 0; r < k; r++) direction[r] = -gradient[r];
      slope = dot(direction, gradient);
      if (!(slope < 0)) break;
    }
    let step = 1;
    let accepted = false;
    let trialF = f;
    const trial = new Float64Array(k);
    for (let attempt = 0; attempt < 60; attempt++) {
      for (let r = 0; r < k; r++) trial[r] = x[r] + step * direction[r];
      trialF = huberObjectiveAndGradient(
        problem,
        expandTheta(problem, trial, freeIdx),
        freeIdx,
        trialGradient,
      );
      if (Number.isFinite(trialF) && trialF <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted || !(trialF < f)) {
      if (scaled || iteration === 0) {
        // Retry once along steepest descent before giving up.
        inverseHessian = identity(k);
        scaled = false;
        if (iteration > 0) continue;
      }
      break;
    }
    const s = new Float64Array(k);
    const y = new Float64Array(k);
    for (let r = 0; r < k; r++) {
      s[r] = trial[r] - x[r];
      y[r] = trialGradient[r] - gradient[r];
    }
    const sy = dot(s, y);
    if (sy > 1e-300) {
      if (!scaled) {
        // Shanno's scaling of the first inverse Hessian guess.
        const factor = sy / dot(y, y);
        for (let r = 0; r < k * k; r++) inverseHessian[r] *= factor;
        scaled = true;
      }
      bfgsUpdate(inverseHessian, s, y, sy, k);
    }
    x = trial;
    f = trialF;
    gradient = Float64Array.from(trialGradient);
  }
  return { theta: expandTheta(problem, x, freeIdx), objective: f, iterations: iteration };
}

function identity(k: number): Float64Array {
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) m[i * k + i] = 1;
  return m;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1/(sᵀy). */
function bfgsUpdate(h: Float64Array, s: Float64Array, y: Float64Array, sy: number, k: number): void {
  const rho = 1 / sy;
  const hy = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += h[r * k + c] * y[c];
    hy[r] = sum;
  }
  const yhy = dot(y, hy);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      h[r * k + c] += -rho * (hy[r] * s[c] + s[r] * hy[c]) + (rho * rho * yhy + rho) * s[r] * s[c];
    }
  }
}

/** A candidate start from variable projection, with its Huber objective. */
export interface Start {
  theta: number[];
  objective: number;
  /** Position in the exponent grid (for picking diverse starts). */
  gridIndex: number[];
}

/**
 * Exponent grids per form. With exponents fixed the law is linear in its coefficients (variable
 * projection), so each grid point gets exact non-negative coefficients and a Huber score; the best,
 * mutually distant grid points seed the local fits. Ranges cover the reference's 0–2 initialization
 * grid for Chinchilla and published values for the others.
 */
function gridValues(spec: ExponentGrid, coarsen: number): number[] {
  const values: number[] = [];
  const step = spec.step * coarsen;
  for (let v = spec.from; v <= spec.to + 1e-12; v += step) values.push(Math.round(v * 1e9) / 1e9);
  return values;
}

/**
 * Variable-projection starts. `fixedExponents` (per exponent, in `form.exponentIndices` order) pins
 * an exponent instead of scanning it. `maxPoints` subsamples the design (evenly) for the scan only.
 */
export function variableProjectionStarts(
  problem: Problem,
  options: { coarsen?: number; maxPoints?: number; count: number },
): Start[] {
  const { form, design } = problem;
  const n = pointCount(design);
  const stride = Math.max(1, Math.ceil(n / (options.maxPoints ?? 4000)));
  const sample: number[] = [];
  for (let i = 0; i < n; i += stride) sample.push(i);
  const grids = form.exponentIndices.map((thetaIndex, j) => {
    const fixedValue = problem.fixed[thetaIndex];
    if (fixedValue !== undefined) return [form.exponentOfTheta(fixedValue)];
    return gridValues(form.exponentGrids[j]!, options.coarsen ?? 1);
  });
  const starts: Start[] = [];
  const subProblem: Problem = { ...problem, design: subsetDesign(design, sample) };
  const visit = (exponents: number[], gridIndex: number[]) => {
    const theta = projectCoefficients(form, subProblem.design, exponents, problem.fixed);
    if (!theta) return;
    const objective = huberObjective(subProblem, theta);
    if (Number.isFinite(objective)) starts.push({ theta, objective, gridIndex });
  };
  if (grids.length === 1) grids[0].forEach((a, i) => visit([a], [i]));
  else grids[0].forEach((a, i) => grids[1].forEach((b, j) => visit([a, b], [i, j])));
  starts.sort((p, q) => p.objective - q.objective);
  // Greedy diverse pick: skip starts within 3 grid cells of one already taken (same basin).
  const picked: Start[] = [];
  for (const start of starts) {
    if (picked.length >= options.count) break;
    const near = picked.some((p) => p.gridIndex.every((g, d) => Math.abs(g - start.gridIndex[d]) <= 3));
    if (!near) picked.push(start);
  }
  return picked;
}

/** A design restricted to (possibly repeated) point indices. */
export function subsetDesign(design: FitDesign, indices: readonly number[]): FitDesign {
  const pick = (values: Float64Array) => Float64Array.from(indices, (i) => values[i]);
  return {
    logParams: pick(design.logParams),
    logTokens: pick(design.logTokens),
    logFlops: pick(design.logFlops),
    logLoss: pick(design.logLoss),
  };
}

/**
 * Best non-negative coefficients for fixed exponents, minimizing relative squared error (≈ squared
 * log residual, rows divided by their target), returned as θ. Coefficients at zero are floored to a
 * negligible positive value so θ = log(coefficient) stays finite.
 */
export function projectCoefficients(
  form: LogSpaceForm,
  design: FitDesign,
  exponents: readonly number[],
  fixed: readonly (number | undefined)[],
): number[] | undefined {
  const n = pointCount(design);
  const size = form.linearSize;
  const equations = new NormalEquations(size);
  const row = new Float64Array(size);
  const columnMax = new Float64Array(size);
  let targetMax = 0;
  for (let i = 0; i < n; i++) {
    const target = form.linearRow(design, exponents, i, row);
    if (!Number.isFinite(target) || !(target > 0)) return undefined;
    for (let c = 0; c < size; c++) {
      columnMax[c] = Math.max(columnMax[c], row[c]);
      row[c] /= target;
    }
    targetMax = Math.max(targetMax, target);
    equations.add(row, 1, 1);
  }
  const coefficients = equations.solveNonNegative();
  if (!coefficients) return undefined;
  const c = Array.from(coefficients, (value, k) =>
    Math.max(value, (1e-8 * targetMax) / Math.max(columnMax[k], 1e-300)),
  );
  const theta = form.thetaFromLinear(c, exponents);
  // Keep pinned exponents exactly as given.
  return theta.map((v, k) => fixed[k] ?? v);
}
