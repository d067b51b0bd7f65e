/**
 * Fitting the multi-power law of Luo et al. 2025 ("A Multi-Power Law for Loss Curve Prediction Across
 * Learning Rate Schedules", arXiv:2503.12811) on logged trajectories, with the engine's objective
 * (Σ Huber_δ of log residuals, δ = 1e-3, which is also what their code minimizes:
 * thu-yao-01-luo/MultiPowerLaw@8da9f190 src/models.py `MPL.forward`, src/config.py `HUBER_DELTA`) and
 * its local optimizer (`localFit`, src/core/fit/optimize.ts, read-only) started from a
 * variable-projection grid.
 *
 * The law ("multipower-chinchilla"; with one model size it is exactly Luo et al.'s law):
 *
 *   L(N, t) = E + A_N·N^−α_N + A·S1(t)^−α − B·Σ_{k=1..t} (η_{k−1} − η_k)·G(η_k^−γ·S_k(t)),
 *   G(x) = 1 − (C·x + 1)^−β,   S1(t) = Σ_{τ≤t} η_τ·b_τ,   S_k(t) = Σ_{τ=k..t} η_τ·b_τ
 *
 * with η the LR divided by the run's peak and b_τ the tokens of step τ. For one model with a constant
 * batch this is a reparameterization of their law (units only: A, B, C absorb the peak LR and the
 * batch; `toLuoUnits` converts back). Across model sizes it adds Chinchilla's N term (Hoffmann et
 * al. 2022, Eq. 2) to their L0, the way tissue-chinchilla does for Tissue et al. 2024
 * (src/core/fit/trajectory.ts), and shares the schedule coefficients (A, α, B, C, β, γ) between sizes.
 * That sharing is our assumption, not theirs: their published per-size fits (src/config.py PARAMS)
 * keep C, β, γ within 5% across 25M–400M but A grows 25% and B 44%; docs/schedule-laws.md.
 *
 * Evaluation cost. The inner sum runs over every step where the LR changes (every step of a cosine),
 * so evaluating it exactly costs steps × checkpoints (5·10⁸ for OLMo-1B). Here the changes within the
 * last NEAR steps before a checkpoint are summed exactly and older ones in blocks whose width grows
 * geometrically with their distance (EPS of it); within a block, Σ g_k·G(C·x_k) is replaced by
 * W·G(C·x̄) with W = Σ g_k and x̄ the g-weighted mean of x_k = η_k^−γ·S_k(t), computed from prefix sums
 * (recomputed when γ changes). A block never mixes LR increases with decreases, so x̄ is a convex
 * combination. Against the exact sum (`multiPowerCurve`) the loss differs by < 1e-6 relative on Luo et
 * al.'s nine 400M schedules (test/unit/schedule-multipower-fit.test.ts). A step whose LR is exactly 0
 * has η^−γ = ∞: its drop counts fully (G = 1) once any LR area follows it.
 */
import { localFit, type Problem } from './optimize';
import { huber } from './huber';
import { NormalEquations } from './nnls';
import { FIT_DEFAULTS } from './defaults';
import { earlyCheckpointFilter } from './trajectory';
import type { FitDesign, LogSpaceForm } from '../laws/forms/types';
import type { MultiPower2025Law } from '../laws/forms/multipower2025';

/** Steps before a checkpoint whose LR changes are summed exactly. */
const NEAR = 32;
/** Width of an older block as a fraction of its distance from the checkpoint (in steps). */
const EPS = 1 / 16;
/** Largest change of ln η inside a block. */
const SCALE_STEP = 0.1;
/** Checkpoints the multi-start local fits use before the polish on all of them. */
const THINNED = 1500;

export interface MultiPowerRun {
  model: string;
  run: string;
  params: number;
  /** LR of step i (0-based, their `lrs[i]`), divided by the run's peak LR. */
  lr: ArrayLike<number>;
  /** Tokens of each step (or one number for a constant batch); S1(t) = Σ_{i≤t} lr_i·b_i. */
  stepTokens: ArrayLike<number> | number;
  /** The peak LR `lr` was divided by (reported, for converting back to Luo et al.'s units). */
  peakLr?: number;
}

export interface MultiPowerCheckpoint {
  /** Index into the runs array. */
  run: number;
  /** Step index t into the run's `lr` (0-based: the checkpoint after step t + 1). */
  step: number;
  tokens: number;
  loss: number;
}

export interface MultiPowerData {
  runs: MultiPowerRun[];
  checkpoints: MultiPowerCheckpoint[];
}

export interface MultiPowerChinchillaLaw {
  form: 'multipower-chinchilla';
  E: number;
  /** N term (0 with one model size, folded into E). */
  AN: number;
  alphaN: number;
  A: number;
  alpha: number;
  B: number;
  /** Per token of peak-LR area (S is in tokens). */
  C: number;
  beta: number;
  gamma: number;
}

/** A run with the γ-independent arrays of the blocked sum, and a γ-keyed cache of prefix sums. */
class PreparedRun {
  readonly cum: Float64Array;
  /** changeCount[s] = number of LR changes at step indices < s (length T + 1). */
  readonly changeCount: Int32Array;
  readonly gap: Float64Array;
  readonly lnEta: Float64Array;
  readonly cumPrev: Float64Array;
  /**
   * Change indices (sorted) where a block must be split: the gap changes sign (an LR increase and a
   * decrease never share a block, so x̄ stays a convex combination), or ln η has moved by more than
   * SCALE_STEP since the last split (η^−γ varies little inside a block: warmup from ~0 gets blocks
   * that are geometric in η).
   */
  readonly breaks: number[] = [];
  /** Changes to LR exactly 0 (G = 1 once area follows), as change indices. */
  readonly zeros: number[] = [];
  private cachedGamma = NaN;
  e = new Float64Array(0);
  /** Prefix sums over changes of g, g·e, g·e·cumPrev, g·e·lnη, g·e·lnη·cumPrev (length m + 1 each). */
  p0 = new Float64Array(0);
  p1 = new Float64Array(0);
  p2 = new Float64Array(0);
  p3 = new Float64Array(0);
  p4 = new Float64Array(0);

  constructor(run: MultiPowerRun) {
    const n = run.lr.length;
    this.cum = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const b = typeof run.stepTokens === 'number' ? run.stepTokens : run.stepTokens[i];
      this.cum[i] = acc += run.lr[i] * b;
    }
    this.changeCount = new Int32Array(n + 1);
    let m = 0;
    for (let s = 0; s < n; s++) {
      this.changeCount[s] = m;
      if (s >= 1 && run.lr[s] !== run.lr[s - 1]) m++;
    }
    this.changeCount[n] = m;
    this.gap = new Float64Array(m);
    this.lnEta = new Float64Array(m);
    this.cumPrev = new Float64Array(m);
    let j = 0;
    let anchor = 0;
    for (let k = 1; k < n; k++) {
      if (run.lr[k] === run.lr[k - 1]) continue;
      this.gap[j] = run.lr[k - 1] - run.lr[k];
      this.lnEta[j] = run.lr[k] > 0 ? Math.log(run.lr[k]) : -Infinity;
      this.cumPrev[j] = this.cum[k - 1];
      if (!(run.lr[k] > 0)) this.zeros.push(j);
      if (
        j > 0 &&
        (Math.sign(this.gap[j]) !== Math.sign(this.gap[j - 1]) ||
          Math.abs(this.lnEta[j] - anchor) > SCALE_STEP)
      ) {
        this.breaks.push(j);
        anchor = this.lnEta[j];
      } else if (j === 0) anchor = this.lnEta[j];
      j++;
    }
  }

  /** (Re)build the prefix sums for γ. */
  prepare(gamma: number): void {
    if (gamma === this.cachedGamma) return;
    const m = this.gap.length;
    if (this.e.length !== m) {
      this.e = new Float64Array(m);
      this.p0 = new Float64Array(m + 1);
      this.p1 = new Float64Array(m + 1);
      this.p2 = new Float64Array(m + 1);
      this.p3 = new Float64Array(m + 1);
      this.p4 = new Float64Array(m + 1);
    }
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    for (let j = 0; j < m; j++) {
      const ln = this.lnEta[j];
      if (ln === -Infinity) {
        this.e[j] = 0; // handled through `zeros`; contributes nothing to the sums
      } else {
        const e = Math.exp(-gamma * ln);
        const g = this.gap[j];
        this.e[j] = e;
        a0 += g;
        a1 += g * e;
        a2 += g * e * this.cumPrev[j];
        a3 += g * e * ln;
        a4 += g * e * ln * this.cumPrev[j];
      }
      this.p0[j + 1] = a0;
      this.p1[j + 1] = a1;
      this.p2[j + 1] = a2;
      this.p3[j + 1] = a3;
      this.p4[j + 1] = a4;
    }
    this.cachedGamma = gamma;
  }
}

/** Accumulator of `lossDrop`: [LD, ∂/∂ln C, ∂/∂β, ∂/∂γ]. */
function addTerm(acc: Float64Array, W: number, x: number, dx: number, C: number, beta: number): void {
  const u = 1 + C * x;
  if (!(u > 0)) return;
  const lnU = Math.log(u);
  const up = Math.exp(-beta * lnU);
  acc[0] += W * (1 - up);
  const common = (W * beta * up) / u;
  acc[1] += common * C * x;
  acc[2] += W * up * lnU;
  acc[3] += common * C * dx;
}

/** One block of changes [ja, jb) as W·G(C·x̄) from the prefix sums. */
function addBlock(
  acc: Float64Array,
  r: PreparedRun,
  ct: number,
  ja: number,
  jb: number,
  C: number,
  beta: number,
) {
  const W = r.p0[jb] - r.p0[ja];
  if (W === 0) return;
  const X = ct * (r.p1[jb] - r.p1[ja]) - (r.p2[jb] - r.p2[ja]);
  const dX = -(ct * (r.p3[jb] - r.p3[ja]) - (r.p4[jb] - r.p4[ja]));
  addTerm(acc, W, X / W, dX / W, C, beta);
}

/**
 * LD(t) = Σ g_k·G(C·x_k) and its derivatives ∂/∂ln C, ∂/∂β, ∂/∂γ into out[0..3]. `run.prepare(γ)`
 * must have been called.
 */
function lossDrop(r: PreparedRun, t: number, C: number, beta: number, out: Float64Array): void {
  const ct = r.cum[t];
  out.fill(0);
  const nearFrom = Math.max(1, t - NEAR + 1);
  const end = r.changeCount[t + 1];
  const { e, gap, lnEta, cumPrev } = r;
  for (let j = r.changeCount[nearFrom]; j < end; j++) {
    if (lnEta[j] === -Infinity) continue;
    const x = e[j] * (ct - cumPrev[j]);
    addTerm(out, gap[j], x, -lnEta[j] * x, C, beta);
  }
  let hi = nearFrom;
  let distance = t - nearFrom + 1;
  const breaks = r.breaks;
  let breakIndex = breaks.length - 1;
  while (hi > 1) {
    const lo = Math.max(1, hi - Math.max(1, Math.floor(distance * EPS)));
    const ja = r.changeCount[lo];
    let jb = r.changeCount[hi];
    if (jb > ja) {
      // Split where the sign of the gap or the LR's scale changes (see PreparedRun.breaks).
      while (breakIndex >= 0 && breaks[breakIndex] >= jb) breakIndex--;
      while (breakIndex >= 0 && breaks[breakIndex] > ja) {
        addBlock(out, r, ct, breaks[breakIndex], jb, C, beta);
        jb = breaks[breakIndex];
        breakIndex--;
      }
      addBlock(out, r, ct, ja, jb, C, beta);
    }
    distance += hi - lo;
    hi = lo;
  }
  for (const j of r.zeros) if (j < end && ct > cumPrev[j]) out[0] += gap[j];
}

interface MultiPowerDesign extends FitDesign {
  runs: PreparedRun[];
  runOf: Int32Array;
  stepOf: Int32Array;
  logS1: Float64Array;
}

/** θ: [e, (an, alphaN), a, alpha, b, c, beta, gamma]; coefficients as logarithms. */
function layout(withParams: boolean) {
  const names = ['e', ...(withParams ? ['an', 'alphaN'] : []), 'a', 'alpha', 'b', 'c', 'beta', 'gamma'];
  const at = (n: string) => names.indexOf(n);
  return {
    names,
    e: at('e'),
    an: at('an'),
    alphaN: at('alphaN'),
    a: at('a'),
    alpha: at('alpha'),
    b: at('b'),
    c: at('c'),
    beta: at('beta'),
    gamma: at('gamma'),
  };
}

const EXPONENTS = new Set(['alphaN', 'alpha', 'beta', 'gamma']);

function logForm(withParams: boolean): LogSpaceForm {
  const L = layout(withParams);
  const ld = new Float64Array(4);
  return {
    form: 'multipower-chinchilla',
    thetaNames: L.names,
    paramNames: L.names.map((n) => (EXPONENTS.has(n) ? n : n.toUpperCase())),
    exponentIndices: L.names.flatMap((n, k) => (EXPONENTS.has(n) ? [k] : [])),
    minDistinctSizes: withParams ? 2 : 1,
    hasIrreducibleTerm: true,
    logLoss(theta, design, i, gradient) {
      const d = design as MultiPowerDesign;
      const run = d.runs[d.runOf[i]];
      run.prepare(theta[L.gamma]);
      const C = Math.exp(theta[L.c]);
      lossDrop(run, d.stepOf[i], C, theta[L.beta], ld);
      const E = Math.exp(theta[L.e]);
      const tn = withParams ? Math.exp(theta[L.an] - theta[L.alphaN] * d.logParams[i]) : 0;
      const ts = Math.exp(theta[L.a] - theta[L.alpha] * d.logS1[i]);
      const B = Math.exp(theta[L.b]);
      const q = E + tn + ts - B * ld[0];
      if (!(q > 0) || !Number.isFinite(q)) {
        if (gradient) gradient.fill(0);
        return -700; // ≈ log 0: a huge residual the optimizer steps away from.
      }
      if (gradient) {
        gradient[L.e] = E / q;
        if (withParams) {
          gradient[L.an] = tn / q;
          gradient[L.alphaN] = (-d.logParams[i] * tn) / q;
        }
        gradient[L.a] = ts / q;
        gradient[L.alpha] = (-d.logS1[i] * ts) / q;
        gradient[L.b] = (-B * ld[0]) / q;
        gradient[L.c] = (-B * ld[1]) / q;
        gradient[L.beta] = (-B * ld[2]) / q;
        gradient[L.gamma] = (-B * ld[3]) / q;
      }
      return Math.log(q);
    },
    toParams: (theta) => L.names.map((n, k) => (EXPONENTS.has(n) ? theta[k] : Math.exp(theta[k]))),
    fromParams: (p) => L.names.map((n, k) => (EXPONENTS.has(n) ? p[k] : Math.log(p[k]))),
    // The grid scan below is this module's own (LD depends on three exponents and C); these fields
    // only satisfy the interface and are not used by localFit.
    exponentGrids: [],
    exponentOfTheta: (v) => v,
    linearSize: 0,
    linearRow: () => 0,
    thetaFromLinear: () => [],
  };
}

function designOf(data: MultiPowerData, keep: readonly number[], runs: PreparedRun[]): MultiPowerDesign {
  const n = keep.length;
  const d: MultiPowerDesign = {
    logParams: new Float64Array(n),
    logTokens: new Float64Array(n),
    logFlops: new Float64Array(n),
    logLoss: new Float64Array(n),
    runs,
    runOf: new Int32Array(n),
    stepOf: new Int32Array(n),
    logS1: new Float64Array(n),
  };
  keep.forEach((c, i) => {
    const p = data.checkpoints[c];
    const run = data.runs[p.run];
    d.logParams[i] = Math.log(run.params);
    d.logTokens[i] = Math.log(p.tokens);
    d.logFlops[i] = Math.log(6 * run.params * p.tokens);
    d.logLoss[i] = Math.log(p.loss);
    d.runOf[i] = p.run;
    d.stepOf[i] = p.step;
    d.logS1[i] = Math.log(runs[p.run].cum[p.step]);
  });
  return d;
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let x = from; x <= to + 1e-12; x += step) out.push(Math.round(x * 1e9) / 1e9);
  return out;
}

/**
 * Variable projection: for fixed (β, γ, C) LD is fixed, and for fixed (α, α_N) the law is linear in
 * (E, A_N, A, B): exact non-negative coefficients (relative-error least squares) per grid cell. C is
 * scanned per step of peak LR (C·b̄, b̄ the median tokens per step), the scale on which G saturates.
 */
function gridStarts(
  design: MultiPowerDesign,
  withParams: boolean,
  count: number,
  tokensPerStep: number,
  maxPoints = 1200,
): number[][] {
  const L = layout(withParams);
  const n = design.logLoss.length;
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const rows: number[] = [];
  for (let i = 0; i < n; i += stride) rows.push(i);
  const ld = new Float64Array(4);
  const drops = new Float64Array(rows.length);
  const alphas = range(0.1, 1.0, 0.05);
  const alphaNs = withParams ? range(0.1, 0.9, 0.1) : [0];
  const width = withParams ? 4 : 3;
  const row = new Float64Array(width);
  const scored: { theta: number[]; cost: number; cell: number[] }[] = [];
  for (const beta of [0.3, 0.6, 0.9])
    for (const gamma of [0.3, 0.6, 0.9])
      for (const logC of [-3, -2, -1, 0, 1]) {
        const C = 10 ** logC / tokensPerStep;
        rows.forEach((i, r) => {
          const run = design.runs[design.runOf[i]];
          run.prepare(gamma);
          lossDrop(run, design.stepOf[i], C, beta, ld);
          drops[r] = ld[0];
        });
        for (const alpha of alphas)
          for (const alphaN of alphaNs) {
            const eq = new NormalEquations(width);
            rows.forEach((i, r) => {
              const target = Math.exp(design.logLoss[i]);
              let c = 0;
              row[c++] = 1 / target;
              if (withParams) row[c++] = Math.exp(-alphaN * design.logParams[i]) / target;
              row[c++] = Math.exp(-alpha * design.logS1[i]) / target;
              row[c++] = -drops[r] / target;
              eq.add(row, 1, 1);
            });
            const k = eq.solveNonNegative();
            if (!k) continue;
            // Huber cost of this cell on the scanned rows, from the cached LD (no re-evaluation).
            let cost = 0;
            rows.forEach((i, r) => {
              let c = 0;
              let q = k[c++];
              if (withParams) q += k[c++] * Math.exp(-alphaN * design.logParams[i]);
              q += k[c++] * Math.exp(-alpha * design.logS1[i]);
              q -= k[c++] * drops[r];
              cost += q > 0 ? huber(FIT_DEFAULTS.huberDelta, Math.log(q) - design.logLoss[i]) : Infinity;
            });
            const floor = (v: number) => Math.log(Math.max(v, 1e-30));
            const theta = new Array<number>(L.names.length);
            let c = 0;
            theta[L.e] = floor(k[c++]);
            if (withParams) {
              theta[L.an] = floor(k[c++]);
              theta[L.alphaN] = alphaN;
            }
            theta[L.a] = floor(k[c++]);
            theta[L.alpha] = alpha;
            theta[L.b] = floor(k[c++]);
            theta[L.c] = Math.log(C);
            theta[L.beta] = beta;
            theta[L.gamma] = gamma;
            if (Number.isFinite(cost)) scored.push({ theta, cost, cell: [alpha, alphaN, beta, gamma, logC] });
          }
      }
  scored.sort((p, q) => p.cost - q.cost);
  const picked: typeof scored = [];
  for (const s of scored) {
    if (picked.length >= count) break;
    const near = (p: (typeof scored)[number]) =>
      p.cell.every((v, k) => Math.abs(v - s.cell[k]) <= (k === 4 ? 1 : 0.1));
    if (!picked.some(near)) picked.push(s);
  }
  return picked.map((p) => p.theta);
}

export interface MultiPowerFit {
  law: MultiPowerChinchillaLaw;
  withParams: boolean;
  objective: number;
  theta: number[];
  points: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Fit the law on the checkpoints `use` (indices into data.checkpoints; default all). With two or more
 * model sizes the N term is included. Undefined with a reason when the points cannot determine it.
 * Deterministic: a fixed grid, then the engine's local fits from its four best diverse cells.
 */
export function fitMultiPower(
  data: MultiPowerData,
  use?: readonly number[],
  warmStart?: readonly number[],
): { fit?: MultiPowerFit; error?: string } {
  const keep = (use ?? data.checkpoints.map((_, i) => i)).filter((c) => {
    const p = data.checkpoints[c];
    const run = data.runs[p.run];
    return (
      p.loss > 0 &&
      Number.isFinite(p.loss) &&
      run.params > 0 &&
      Number.isInteger(p.step) &&
      p.step >= 0 &&
      p.step < run.lr.length
    );
  });
  const withParams = new Set(keep.map((c) => data.runs[data.checkpoints[c].run].params)).size >= 2;
  const form = logForm(withParams);
  if (keep.length < form.thetaNames.length + 1)
    return { error: `need at least ${form.thetaNames.length + 1} usable checkpoints, have ${keep.length}` };
  const prepared = data.runs.map((r) => new PreparedRun(r));
  const design = designOf(data, keep, prepared);
  if (!design.logS1.every(Number.isFinite))
    return { error: 'a checkpoint has no learning-rate area before it (S1 = 0)' };
  const problem = (d: MultiPowerDesign): Problem => ({
    form,
    design: d,
    delta: FIT_DEFAULTS.huberDelta,
    fixed: form.thetaNames.map(() => undefined),
  });
  const tokensPerStep = median(
    keep.map((c) => {
      const p = data.checkpoints[c];
      return p.tokens / (p.step + 1);
    }),
  );
  let best: { theta: number[]; objective: number } | undefined;
  if (warmStart && warmStart.length === form.thetaNames.length)
    best = localFit(problem(design), warmStart, { maxIterations: 30 });
  else {
    const starts = gridStarts(design, withParams, 3, tokensPerStep);
    if (!starts.length) return { error: 'no starting point gave a finite objective' };
    // Local fits from each start on at most THINNED checkpoints (every k-th: neighbouring checkpoints
    // of a run carry nearly the same information), then the best is polished on all of them.
    const stride = Math.max(1, Math.ceil(keep.length / THINNED));
    const thinned =
      stride > 1
        ? designOf(
            data,
            keep.filter((_, i) => i % stride === 0),
            prepared,
          )
        : design;
    let coarse: { theta: number[]; objective: number } | undefined;
    for (const start of starts) {
      const r = localFit(problem(thinned), start, { maxIterations: 300 });
      if (!coarse || r.objective < coarse.objective) coarse = r;
    }
    best = stride > 1 ? localFit(problem(design), coarse!.theta, { maxIterations: 60 }) : coarse;
  }
  const t = best!.theta;
  const L = layout(withParams);
  const law: MultiPowerChinchillaLaw = {
    form: 'multipower-chinchilla',
    E: Math.exp(t[L.e]),
    AN: withParams ? Math.exp(t[L.an]) : 0,
    alphaN: withParams ? t[L.alphaN] : 0,
    A: Math.exp(t[L.a]),
    alpha: t[L.alpha],
    B: Math.exp(t[L.b]),
    C: Math.exp(t[L.c]),
    beta: t[L.beta],
    gamma: t[L.gamma],
  };
  return { fit: { law, withParams, objective: best!.objective, theta: t, points: keep.length } };
}

/**
 * Predicted loss at step indices of one run (the blocked sum above); undefined where the law is not
 * positive/finite or the step is outside the run.
 */
export function multiPowerChinchillaCurve(
  law: MultiPowerChinchillaLaw,
  run: MultiPowerRun,
  steps: readonly number[],
): (number | undefined)[] {
  const prepared = new PreparedRun(run);
  prepared.prepare(law.gamma);
  const ld = new Float64Array(4);
  const nTerm = law.AN > 0 ? law.AN * run.params ** -law.alphaN : 0;
  return steps.map((t) => {
    if (!(Number.isInteger(t) && t >= 0 && t < run.lr.length) || !(prepared.cum[t] > 0)) return undefined;
    lossDrop(prepared, t, law.C, law.beta, ld);
    const loss = law.E + nTerm + law.A * prepared.cum[t] ** -law.alpha - law.B * ld[0];
    return Number.isFinite(loss) && loss > 0 ? loss : undefined;
  });
}

/**
 * Back to Luo et al.'s units (raw LR, S in LR × steps) for one model trained with a constant batch
 * of `tokensPerStep` at peak LR `peakLr`: L0 = E + A_N·N^−α_N, A·(b/η_p)^−α, B/η_p, C·b·η_p^(γ−1).
 */
export function toLuoUnits(
  law: MultiPowerChinchillaLaw,
  peakLr: number,
  tokensPerStep: number,
  params = 1,
): MultiPower2025Law {
  return {
    form: 'multipower2025',
    L0: law.E + (law.AN > 0 ? law.AN * params ** -law.alphaN : 0),
    A: law.A * (tokensPerStep / peakLr) ** -law.alpha,
    alpha: law.alpha,
    B: law.B / peakLr,
    C: law.C * tokensPerStep * peakLr ** (law.gamma - 1),
    beta: law.beta,
    gamma: law.gamma,
  };
}

/** The inverse of `toLuoUnits` (a published law as a multipower-chinchilla law for one model). */
export function fromLuoUnits(
  law: MultiPower2025Law,
  peakLr: number,
  tokensPerStep: number,
): MultiPowerChinchillaLaw {
  return {
    form: 'multipower-chinchilla',
    E: law.L0,
    AN: 0,
    alphaN: 0,
    A: law.A * (tokensPerStep / peakLr) ** law.alpha,
    alpha: law.alpha,
    B: law.B * peakLr,
    C: law.C / (tokensPerStep * peakLr ** (law.gamma - 1)),
    beta: law.beta,
    gamma: law.gamma,
  };
}

export interface MultiPowerHoldout {
  target: string;
  trainPoints: number;
  testPoints: number;
  /** Mean absolute relative error over the target's checkpoints after the prefix of each run. */
  are: number;
  fit?: MultiPowerFit;
  error?: string;
}

/**
 * The Hitchhiker protocol as `holdoutEvaluation` (src/core/fit/trajectory.ts) applies it: every run of
 * the other models plus the first `prefix` of each run of `target` (early checkpoints dropped as there),
 * predict the rest of the target's runs. A run's length is its last checkpoint's tokens.
 */
export function multiPowerHoldout(
  data: MultiPowerData,
  target: string,
  prefix = 0.3,
  minTokens?: number,
): MultiPowerHoldout {
  const runEnd = new Map<number, number>();
  data.checkpoints.forEach((p) => {
    if (data.runs[p.run].model === target) runEnd.set(p.run, Math.max(runEnd.get(p.run) ?? 0, p.tokens));
  });
  const keep = earlyCheckpointFilter(data.checkpoints, (p) => String(p.run), minTokens);
  const train: number[] = [];
  const test: number[] = [];
  data.checkpoints.forEach((p, i) => {
    if (data.runs[p.run].model !== target) {
      if (keep(p)) train.push(i);
    } else if (p.tokens <= prefix * runEnd.get(p.run)!) {
      if (keep(p)) train.push(i);
    } else test.push(i);
  });
  const result: MultiPowerHoldout = { target, trainPoints: train.length, testPoints: test.length, are: NaN };
  const f = fitMultiPower(data, train);
  if (!f.fit || !test.length) return { ...result, error: f.error ?? 'no held-out checkpoints' };
  let sum = 0;
  const byRun = new Map<number, number[]>();
  for (const i of test) {
    const p = data.checkpoints[i];
    if (!byRun.has(p.run)) byRun.set(p.run, []);
    byRun.get(p.run)!.push(i);
  }
  for (const [run, indices] of byRun) {
    const pred = multiPowerChinchillaCurve(
      f.fit.law,
      data.runs[run],
      indices.map((i) => data.checkpoints[i].step),
    );
    for (let k = 0; k < indices.length; k++) {
      const p = data.checkpoints[indices[k]];
      if (pred[k] === undefined)
        return { ...result, fit: f.fit, error: `no prediction at step ${p.step + 1}` };
      sum += Math.abs(pred[k]! - p.loss) / p.loss;
    }
  }
  return { ...result, are: sum / test.length, fit: f.fit };
}
