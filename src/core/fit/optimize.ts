import type { ExponentGrid } from '../laws/forms';
import { huber, huberDerivative } from './huber';
import type { FitDesign, LogSpaceForm } from './jacobians';
import { NormalEquations } from './nnls';

/**
 * The optimizer. The objective is Σ huber_δ(log L̂ − log L), the quantity scipy's L-BFGS-B reference
 * minimizes. Each local fit is a damped Newton method on that exact objective, written over flat typed
 * arrays with every buffer allocated once per fit:
 *
 * 1. Levenberg–Marquardt steps on the IRLS model Σ wᵢ JᵢJᵢᵀ (wᵢ = ψ(rᵢ)/rᵢ, the Huber weights) with the
 *    exact Huber gradient, until the objective stops falling by more than 1e-7 relative;
 * 2. Newton steps with the Hessian differenced from the analytic gradient (k extra passes), damped the
 *    same way, which converge quadratically once the set of points inside ±δ is settled, down to
 *    machine precision (the predicted decrease falls below 1e-15 of the objective).
 *
 * One pass over the points gives the objective, the gradient and the IRLS matrix together. Why not
 * `ml-levenberg-marquardt` any more: it calls a closure per point, builds ml-matrix objects every
 * iteration and minimizes a sum of squares, so Huber needed outer IRLS rounds and a BFGS polish on top;
 * measured in docs/fitting.md.
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

/**
 * Objective, gradient and IRLS matrix of one problem in one pass, with reusable buffers. The
 * gradient is exact; the matrix Σ wᵢ JᵢJᵢᵀ (upper triangle, wᵢ = 1 inside ±δ, δ/|rᵢ| outside) is the
 * Gauss–Newton model of the Huber objective that IRLS minimizes.
 */
export class HuberEvaluator {
  readonly k: number;
  readonly freeIdx: number[];
  private readonly theta: Float64Array;
  private readonly row: Float64Array;
  private readonly freeRow: Float64Array;
  /** Passes over the data so far (for the profile in docs/fitting.md). */
  passes = 0;

  constructor(readonly problem: Problem) {
    this.freeIdx = freeIndices(problem);
    this.k = this.freeIdx.length;
    this.theta = Float64Array.from(problem.fixed, (v) => v ?? 0);
    this.row = new Float64Array(problem.form.thetaNames.length);
    this.freeRow = new Float64Array(this.k);
    this.jacobian = new Float64Array(BLOCK * this.theta.length);
  }

  /** θ (full) for free values. */
  thetaOf(free: ArrayLike<number>): number[] {
    return expandTheta(this.problem, free, this.freeIdx);
  }

  /** Objective at `free`; writes the gradient and, when given, the IRLS matrix. NaN/∞ when undefined. */
  pass(free: ArrayLike<number>, gradient: Float64Array, matrix?: Float64Array): number {
    const { form, design } = this.problem;
    const { k, freeIdx, theta, row } = this;
    this.passes++;
    for (let j = 0; j < k; j++) theta[freeIdx[j]] = free[j];
    gradient.fill(0);
    if (matrix) matrix.fill(0);
    const n = design.logLoss.length;
    const width = theta.length;
    let sum = 0;
    if (form.logLossBatch) {
      // Blocks keep the values and Jacobian rows in cache; the form computes them in one tight loop.
      const { values, jacobian } = this;
      for (let start = 0; start < n; start += BLOCK) {
        const end = Math.min(n, start + BLOCK);
        form.logLossBatch(theta, design, start, end, values, jacobian);
        sum += this.accumulate(start, end, values, jacobian, width, gradient, matrix);
      }
    } else {
      for (let i = 0; i < n; i++) {
        this.values[0] = form.logLoss(theta, design, i, row);
        sum += this.accumulate(i, i + 1, this.values, row, width, gradient, matrix);
      }
    }
    return sum;
  }

  private readonly values = new Float64Array(BLOCK);
  private readonly jacobian: Float64Array;

  /** Huber terms of points [start, end) from their log L̂ and Jacobian rows (row i at (i − start)·width). */
  private accumulate(
    start: number,
    end: number,
    values: Float64Array,
    rows: Float64Array,
    width: number,
    gradient: Float64Array,
    matrix: Float64Array | undefined,
  ): number {
    const { k, freeIdx, freeRow } = this;
    const delta = this.problem.delta;
    const logLoss = this.problem.design.logLoss;
    const halfDelta = 0.5 * delta;
    let sum = 0;
    for (let i = start; i < end; i++) {
      const r = values[i - start] - logLoss[i];
      const offset = (i - start) * width;
      let psi: number;
      let w: number;
      if (r <= delta && r >= -delta) {
        sum += 0.5 * r * r;
        psi = r;
        w = 1;
      } else if (Number.isFinite(r)) {
        const a = r > 0 ? r : -r;
        sum += delta * (a - halfDelta);
        psi = r > 0 ? delta : -delta;
        w = delta / a;
      } else return NaN;
      for (let j = 0; j < k; j++) {
        const gj = rows[offset + freeIdx[j]];
        freeRow[j] = gj;
        gradient[j] += psi * gj;
      }
      if (matrix) {
        for (let j = 0; j < k; j++) {
          const wj = w * freeRow[j];
          for (let l = j; l < k; l++) matrix[j * k + l] += wj * freeRow[l];
        }
      }
    }
    return sum;
  }
}

/** Points per block of a batched pass (values and Jacobian rows stay in L1 cache). */
const BLOCK = 256;

/** Settings of one local minimization. */
export interface LocalOptions {
  /** Most accepted or rejected steps (each one pass, Newton steps k + 1 passes). */
  maxIterations: number;
}

/** Result of a local minimization. */
export interface LocalResult {
  theta: number[];
  objective: number;
  iterations: number;
}

/** ∂g/∂x by forward differences of the analytic gradient, symmetrized, into `upper` (k passes). */
function differenceGradient(
  evaluator: HuberEvaluator,
  x: Float64Array,
  gradient: Float64Array,
  upper: Float64Array,
  shifted: Float64Array,
  shiftedGradient: Float64Array,
  work: Float64Array,
): void {
  const k = evaluator.k;
  for (let j = 0; j < k; j++) {
    shifted.set(x);
    const h = 1e-7 * Math.max(1, Math.abs(x[j]));
    shifted[j] += h;
    evaluator.pass(shifted, shiftedGradient);
    for (let r = 0; r < k; r++) work[r * k + j] = (shiftedGradient[r] - gradient[r]) / h;
  }
  for (let r = 0; r < k; r++)
    for (let c = r; c < k; c++) upper[r * k + c] = 0.5 * (work[r * k + c] + work[c * k + r]);
}

/** The differenced Hessian (upper triangle, free coordinates) of an evaluator's problem at θ, × scale. */
export function differencedHessian(
  evaluator: HuberEvaluator,
  theta: readonly number[],
  scale = 1,
): Float64Array {
  const k = evaluator.k;
  const x = Float64Array.from(evaluator.freeIdx, (i) => theta[i]);
  const gradient = new Float64Array(k);
  const upper = new Float64Array(k * k);
  evaluator.pass(x, gradient);
  differenceGradient(
    evaluator,
    x,
    gradient,
    upper,
    new Float64Array(k),
    new Float64Array(k),
    new Float64Array(k * k),
  );
  for (let i = 0; i < upper.length; i++) upper[i] *= scale;
  return upper;
}

/** Solve (A + μ·diag) x = b for a k×k symmetric A stored as its upper triangle; false if not SPD. */
function dampedSolve(
  upper: Float64Array,
  mu: number,
  b: Float64Array,
  out: Float64Array,
  work: Float64Array,
  k: number,
): boolean {
  let maxDiagonal = 0;
  for (let j = 0; j < k; j++) maxDiagonal = Math.max(maxDiagonal, Math.abs(upper[j * k + j]));
  if (!(maxDiagonal > 0) || !Number.isFinite(maxDiagonal)) return false;
  // Cholesky of the damped matrix into `work` (lower triangle, row-major).
  for (let r = 0; r < k; r++) {
    for (let c = 0; c <= r; c++) {
      let value = c <= r ? upper[c * k + r] : upper[r * k + c];
      if (r === c) value += mu * Math.max(Math.abs(upper[r * k + r]), 1e-12 * maxDiagonal);
      for (let m = 0; m < c; m++) value -= work[r * k + m] * work[c * k + m];
      if (r === c) {
        if (!(value > 0)) return false;
        work[r * k + r] = Math.sqrt(value);
      } else work[r * k + c] = value / work[c * k + c];
    }
  }
  for (let r = 0; r < k; r++) {
    let value = b[r];
    for (let m = 0; m < r; m++) value -= work[r * k + m] * out[m];
    out[r] = value / work[r * k + r];
  }
  for (let r = k - 1; r >= 0; r--) {
    let value = out[r];
    for (let m = r + 1; m < k; m++) value -= work[m * k + r] * out[m];
    out[r] = value / work[r * k + r];
  }
  for (let r = 0; r < k; r++) if (!Number.isFinite(out[r])) return false;
  return true;
}

/**
 * Local minimization of the exact Huber objective from θ₀: LM on the IRLS model, then damped Newton
 * with a differenced Hessian (see the top of this file). Never throws; a start where the objective
 * is not finite comes back unchanged with that objective.
 */
export function localFit(
  problem: Problem,
  theta0: readonly number[],
  options: LocalOptions,
  evaluator: HuberEvaluator = new HuberEvaluator(problem),
  initialHessian?: Float64Array,
): LocalResult {
  const { k, freeIdx } = evaluator;
  let x = Float64Array.from(freeIdx, (i) => theta0[i]);
  let gradient = new Float64Array(k);
  let matrix = new Float64Array(k * k);
  const startsNewton =
    !!initialHessian && initialHessian.length === k * k && initialHessian.every(Number.isFinite);
  // The IRLS matrix is only the LM phase's model: Newton passes skip it (a third of a pass's work).
  let f = evaluator.pass(x, gradient, startsNewton ? undefined : matrix);
  if (k === 0 || !Number.isFinite(f)) return { theta: theta0.slice(), objective: f, iterations: 0 };
  let trialX = new Float64Array(k);
  let trialGradient = new Float64Array(k);
  let trialMatrix = new Float64Array(k * k);
  const hessian = new Float64Array(k * k);
  const shifted = new Float64Array(k);
  const shiftedGradient = new Float64Array(k);
  const step = new Float64Array(k);
  const negGradient = new Float64Array(k);
  const work = new Float64Array(k * k);
  let newton = false;
  let mu = 1e-3;
  let iterations = 0;
  // Newton phase: the Hessian is differenced once (k passes), then kept current by BFGS updates
  // from each accepted step (one pass per step), which converges superlinearly to the same point.
  let hessianReady = false;
  if (startsNewton) {
    hessian.set(initialHessian!);
    hessianReady = true;
    newton = true;
    mu = 1e-6;
  }
  const bs = new Float64Array(k);
  while (iterations < options.maxIterations) {
    if (newton && !hessianReady) {
      differenceGradient(evaluator, x, gradient, hessian, shifted, shiftedGradient, work);
      hessianReady = true;
    }
    const model = newton ? hessian : matrix;
    for (let r = 0; r < k; r++) negGradient[r] = -gradient[r];
    iterations++;
    if (!dampedSolve(model, mu, negGradient, step, work, k)) {
      mu *= 10;
      if (mu > 1e12) {
        if (newton) break;
        newton = true;
        mu = 1e-6;
      }
      continue;
    }
    // Predicted decrease of the quadratic model: nothing left to gain at machine precision.
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += step[r] * negGradient[r];
    if (newton && predicted <= 1e-15 * f) break;
    for (let r = 0; r < k; r++) trialX[r] = x[r] + step[r];
    const trialF = evaluator.pass(trialX, trialGradient, newton ? undefined : trialMatrix);
    if (!(Number.isFinite(trialF) && trialF < f)) {
      mu *= 4;
      if (mu > 1e12) {
        if (newton) break;
        newton = true;
        mu = 1e-6;
      }
      continue;
    }
    const gain = f - trialF;
    if (newton && hessianReady) bfgsUpdate(hessian, step, gradient, trialGradient, bs, k);
    [x, trialX] = [trialX, x];
    [gradient, trialGradient] = [trialGradient, gradient];
    [matrix, trialMatrix] = [trialMatrix, matrix];
    f = trialF;
    mu = Math.max(mu * 0.3, 1e-12);
    if (!newton && gain <= 1e-4 * f) {
      newton = true;
      mu = 1e-6;
    }
  }
  return { theta: evaluator.thetaOf(x), objective: f, iterations };
}

/**
 * Direct BFGS update of a Hessian approximation B (upper triangle) with step s and gradient change
 * y = g₊ − g: B ← B + yyᵀ/(yᵀs) − (Bs)(Bs)ᵀ/(sᵀBs), skipped unless both curvatures are positive.
 */
function bfgsUpdate(
  upper: Float64Array,
  s: Float64Array,
  gradient: Float64Array,
  nextGradient: Float64Array,
  bs: Float64Array,
  k: number,
): void {
  let ys = 0;
  for (let r = 0; r < k; r++) ys += (nextGradient[r] - gradient[r]) * s[r];
  for (let r = 0; r < k; r++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += (r <= c ? upper[r * k + c] : upper[c * k + r]) * s[c];
    bs[r] = sum;
  }
  let sbs = 0;
  for (let r = 0; r < k; r++) sbs += s[r] * bs[r];
  if (!(ys > 0 && sbs > 0)) return;
  for (let r = 0; r < k; r++) {
    const yr = nextGradient[r] - gradient[r];
    for (let c = r; c < k; c++) {
      const yc = nextGradient[c] - gradient[c];
      upper[r * k + c] += (yr * yc) / ys - (bs[r] * bs[c]) / sbs;
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
 * projection), so each grid point gets exact non-negative coefficients; the best, mutually distant
 * grid points seed the local fits. Ranges cover the reference's 0–2 initialization grid for
 * Chinchilla and published values for the others.
 */
function gridValues(spec: ExponentGrid, coarsen: number): number[] {
  const values: number[] = [];
  const step = spec.step * coarsen;
  for (let v = spec.from; v <= spec.to + 1e-12; v += step) values.push(Math.round(v * 1e9) / 1e9);
  return values;
}

/** A scanned grid cell: its exponents and the least-squares cost of its projected coefficients. */
interface Cell {
  cost: number;
  gridIndex: number[];
  exponents: number[];
}

/** The scanned cells, and (separable scans) the cells' coefficients from the scan's own sums. */
interface Scan {
  cells: Cell[];
  /**
   * θ of a cell, exactly as `projectCoefficients` computes it (the same sums in the same order, so
   * the same bits) but from the scan's per-value columns instead of another pass over the points.
   */
  project?: (cell: Cell, fixed: readonly (number | undefined)[]) => number[] | undefined;
}

/**
 * Least-squares cost of every grid cell, for forms whose linear columns each depend on at most one
 * exponent (`separableColumns`): each column is computed once per grid value and the Gram matrix of a
 * cell is assembled from per-value sums, so only products of columns of different exponents are
 * summed per cell. Rows are divided by their target, as in `projectCoefficients`.
 */
function scanSeparable(
  form: LogSpaceForm,
  design: FitDesign,
  grids: number[][],
  columnsOf: readonly number[],
): Scan {
  const n = pointCount(design);
  const size = form.linearSize;
  const row = new Float64Array(size);
  const targets = new Float64Array(n);
  const probe = grids.map((g) => g[0]);
  // vectors[c][v]: column c (divided by the target) at grid value v of its exponent (v = 0 if none).
  const vectors: Float64Array[][] = [];
  // rawMax[c][v]: the largest unscaled value of that column (projectCoefficients' floor uses it).
  const rawMax: Float64Array[] = [];
  for (let c = 0; c < size; c++) {
    const dep = columnsOf[c];
    const count = dep < 0 ? 1 : grids[dep].length;
    vectors.push(Array.from({ length: count }, () => new Float64Array(n)));
    rawMax.push(new Float64Array(count));
  }
  for (let c = 0; c < size; c++) {
    const dep = columnsOf[c];
    for (let v = 0; v < vectors[c].length; v++) {
      const exponents = probe.slice();
      if (dep >= 0) exponents[dep] = grids[dep][v];
      const out = vectors[c][v];
      let max = 0;
      for (let i = 0; i < n; i++) {
        const target = form.linearRow(design, exponents, i, row);
        targets[i] = target;
        max = Math.max(max, row[c]);
        out[i] = row[c] / target;
      }
      rawMax[c][v] = max;
    }
  }
  let targetMax = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(targets[i]) || !(targets[i] > 0)) return { cells: [] };
    targetMax = Math.max(targetMax, targets[i]);
  }
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * b[i];
    return s;
  };
  const sumOf = (a: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i];
    return s;
  };
  // Dot products of column pairs that depend on at most one exponent between them, per value of it.
  const pairDep = (c: number, d: number) => (columnsOf[c] >= 0 ? columnsOf[c] : columnsOf[d]);
  const crosses = (c: number, d: number) =>
    columnsOf[c] >= 0 && columnsOf[d] >= 0 && columnsOf[c] !== columnsOf[d];
  const pairTable: (Float64Array | undefined)[] = [];
  for (let c = 0; c < size; c++)
    for (let d = c; d < size; d++) {
      if (crosses(c, d)) {
        pairTable[c * size + d] = undefined;
        continue;
      }
      const dep = pairDep(c, d);
      const count = dep < 0 ? 1 : grids[dep].length;
      pairTable[c * size + d] = Float64Array.from({ length: count }, (_, v) =>
        dot(vectors[c][columnsOf[c] < 0 ? 0 : v], vectors[d][columnsOf[d] < 0 ? 0 : v]),
      );
    }
  const rhsCache = vectors.map((vs) => Float64Array.from(vs, sumOf));
  const equations = new NormalEquations(size);
  const cells: Cell[] = [];
  const index = grids.map(() => 0);
  const assemble = (index: readonly number[]) => {
    for (let c = 0; c < size; c++) {
      const pc = columnsOf[c] < 0 ? 0 : index[columnsOf[c]];
      equations.rhs[c] = rhsCache[c][pc];
      for (let d = c; d < size; d++) {
        const table = pairTable[c * size + d];
        if (table) {
          const dep = pairDep(c, d);
          equations.gram[c * size + d] = table[dep < 0 ? 0 : index[dep]];
        } else {
          const pd = index[columnsOf[d]];
          equations.gram[c * size + d] = dot(vectors[c][pc], vectors[d][pd]);
        }
      }
    }
    equations.targetSquares = n;
  };
  const visit = () => {
    assemble(index);
    const cost = equations.nonNegativeCost();
    if (Number.isFinite(cost))
      cells.push({ cost, gridIndex: index.slice(), exponents: index.map((v, j) => grids[j][v]) });
  };
  if (grids.length === 1) for (index[0] = 0; index[0] < grids[0].length; index[0]++) visit();
  else
    for (index[0] = 0; index[0] < grids[0].length; index[0]++)
      for (index[1] = 0; index[1] < grids[1].length; index[1]++) visit();
  const project = (cell: Cell, fixed: readonly (number | undefined)[]) => {
    assemble(cell.gridIndex);
    const coefficients = equations.solveNonNegative();
    if (!coefficients) return undefined;
    const c = Array.from(coefficients, (value, k) => {
      const columnMax = rawMax[k][columnsOf[k] < 0 ? 0 : cell.gridIndex[columnsOf[k]]];
      return Math.max(value, (1e-8 * targetMax) / Math.max(columnMax, 1e-300));
    });
    const theta = form.thetaFromLinear(c, cell.exponents);
    return theta.map((v, k) => fixed[k] ?? v);
  };
  return { cells, project };
}

/** Least-squares cost of every grid cell through `linearRow` (forms without separable columns). */
function scanGeneric(form: LogSpaceForm, design: FitDesign, grids: number[][]): Scan {
  const n = pointCount(design);
  const size = form.linearSize;
  const row = new Float64Array(size);
  const equations = new NormalEquations(size);
  const cells: Cell[] = [];
  const visit = (exponents: number[], gridIndex: number[]) => {
    equations.reset();
    for (let i = 0; i < n; i++) {
      const target = form.linearRow(design, exponents, i, row);
      if (!Number.isFinite(target) || !(target > 0)) return;
      for (let c = 0; c < size; c++) row[c] /= target;
      equations.add(row, 1, 1);
    }
    const cost = equations.nonNegativeCost();
    if (Number.isFinite(cost)) cells.push({ cost, gridIndex, exponents });
  };
  if (grids.length === 1) grids[0].forEach((a, i) => visit([a], [i]));
  else grids[0].forEach((a, i) => grids[1].forEach((b, j) => visit([a, b], [i, j])));
  return { cells };
}

/**
 * Variable-projection starts. Every cell of the exponent grid gets its exact non-negative
 * least-squares coefficients (relative error) and cost; the cells are ranked by that cost, a diverse
 * shortlist (no two within 3 grid steps) is scored by the Huber objective, and the best `count` are
 * returned. Borrowed exponents are pinned instead of scanned. `maxPoints` subsamples the design
 * (evenly) for the scan only.
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
  const subProblem: Problem = { ...problem, design: stride === 1 ? design : subsetDesign(design, sample) };
  const scan = form.separableColumns
    ? scanSeparable(form, subProblem.design, grids, form.separableColumns)
    : scanGeneric(form, subProblem.design, grids);
  const cells = scan.cells;
  cells.sort((p, q) => p.cost - q.cost);
  // Greedy diverse pick: skip cells within 3 grid cells of one already taken (same basin).
  const shortlist: Cell[] = [];
  const limit = 4 * options.count;
  for (const cell of cells) {
    if (shortlist.length >= limit) break;
    const near = shortlist.some((p) => p.gridIndex.every((g, d) => Math.abs(g - cell.gridIndex[d]) <= 3));
    if (!near) shortlist.push(cell);
  }
  const starts: Start[] = [];
  for (const cell of shortlist) {
    const theta = scan.project
      ? scan.project(cell, problem.fixed)
      : projectCoefficients(form, subProblem.design, cell.exponents, problem.fixed);
    if (!theta) continue;
    const objective = huberObjective(subProblem, theta);
    if (Number.isFinite(objective)) starts.push({ theta, objective, gridIndex: cell.gridIndex });
  }
  starts.sort((p, q) => p.objective - q.objective);
  return starts.slice(0, options.count);
}

/** A design restricted to (possibly repeated) point indices. */
export function subsetDesign(design: FitDesign, indices: ArrayLike<number>): FitDesign {
  const pick = (values: Float64Array) => {
    const out = new Float64Array(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]];
    return out;
  };
  return {
    logParams: pick(design.logParams),
    logTokens: pick(design.logTokens),
    logFlops: pick(design.logFlops),
    logLoss: pick(design.logLoss),
    ...(design.logUniqueTokens ? { logUniqueTokens: pick(design.logUniqueTokens) } : {}),
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
