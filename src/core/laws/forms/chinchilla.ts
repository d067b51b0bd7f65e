import { expandBracket, findRoot } from '../../math/solve';
import { isPositiveFinite, logSumExp3 } from './logSumExp';
import type { LawFormModule, LogSpaceForm } from './types';

/** Hoffmann et al. 2022, Eq. 2: L(N, D) = E + A / N^α + B / D^β. */
export interface ChinchillaParams {
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
}

export type ChinchillaLaw = { form: 'chinchilla' } & ChinchillaParams;

/** Chinchilla-form loss. */
export function chinchillaLoss(p: ChinchillaParams, params: number, tokens: number): number {
  return p.E + p.A / params ** p.alpha + p.B / tokens ** p.beta;
}

/**
 * Compute-optimal allocation under C = 6·N·D (Hoffmann et al. 2022, Eq. 4 / Appendix D.2): with
 * G = (αA / (βB))^(1/(α+β)), N_opt = G·(C/6)^(β/(α+β)), D_opt = G⁻¹·(C/6)^(α/(α+β)).
 */
export function chinchillaOptimalAllocation(
  p: ChinchillaParams,
  flops: number,
): { params: number; tokens: number } {
  const G = ((p.alpha * p.A) / (p.beta * p.B)) ** (1 / (p.alpha + p.beta));
  const paramsOpt = G * (flops / 6) ** (p.beta / (p.alpha + p.beta));
  const tokensOpt = (1 / G) * (flops / 6) ** (p.alpha / (p.alpha + p.beta));
  return { params: paramsOpt, tokens: tokensOpt };
}

/** The D at which N is compute-optimal: N_opt(C) inverted in closed form. */
export function chinchillaOptimalTokensForParams(p: ChinchillaParams, params: number): number {
  const G = ((p.alpha * p.A) / (p.beta * p.B)) ** (1 / (p.alpha + p.beta));
  const flopsOver6 = (params / G) ** ((p.alpha + p.beta) / p.beta);
  return flopsOver6 / params;
}

const scratch = [0, 0, 0];

/**
 * log L̂ = LSE(e, a − α ln N, b − β ln D), θ = [e, a, b, α, β]; exponents are unconstrained, as in the
 * Epoch/Hoffmann fits.
 */
const log: LogSpaceForm = {
  form: 'chinchilla',
  thetaNames: ['e', 'a', 'b', 'alpha', 'beta'],
  paramNames: ['E', 'A', 'B', 'alpha', 'beta'],
  exponentIndices: [3, 4],
  minDistinctSizes: 2,
  hasIrreducibleTerm: true,
  // Muennighoff et al. 2023 and Gadre et al. 2024 tie α = β when data is scarce.
  fewerCoefficientsForm: 'chinchilla-tied',
  logLoss(theta, design, i, gradient) {
    const logN = design.logParams[i]!;
    const logD = design.logTokens[i]!;
    const value = logSumExp3(
      theta[0]!,
      theta[1]! - theta[3]! * logN,
      theta[2]! - theta[4]! * logD,
      gradient ? scratch : undefined,
    );
    if (gradient) {
      gradient[0] = scratch[0]!;
      gradient[1] = scratch[1]!;
      gradient[2] = scratch[2]!;
      gradient[3] = -scratch[1]! * logN;
      gradient[4] = -scratch[2]! * logD;
    }
    return value;
  },
  // The same log-sum-exp (logSumExp3) as logLoss above, inlined over a block of points for the fitter.
  logLossBatch(theta, design, start, end, values, jacobian) {
    const e = theta[0]!;
    const a = theta[1]!;
    const b = theta[2]!;
    const alpha = theta[3]!;
    const beta = theta[4]!;
    const logParams = design.logParams;
    const logTokens = design.logTokens;
    for (let i = start; i < end; i++) {
      const logN = logParams[i]!;
      const logD = logTokens[i]!;
      const x = e;
      const y = a - alpha * logN;
      const z = b - beta * logD;
      const m = Math.max(x, y, z);
      const ex = Math.exp(x - m);
      const ey = Math.exp(y - m);
      const ez = Math.exp(z - m);
      const sum = ex + ey + ez;
      values[i - start] = m + Math.log(sum);
      if (jacobian) {
        const o = (i - start) * 5;
        const wy = ey / sum;
        const wz = ez / sum;
        jacobian[o] = ex / sum;
        jacobian[o + 1] = wy;
        jacobian[o + 2] = wz;
        jacobian[o + 3] = -wy * logN;
        jacobian[o + 4] = -wz * logD;
      }
    }
  },
  toParams: (theta) => [Math.exp(theta[0]!), Math.exp(theta[1]!), Math.exp(theta[2]!), theta[3]!, theta[4]!],
  fromParams: (p) => [Math.log(p[0]!), Math.log(p[1]!), Math.log(p[2]!), p[3]!, p[4]!],
  exponentGrids: [
    { from: 0.02, to: 2, step: 0.02 },
    { from: 0.02, to: 2, step: 0.02 },
  ],
  exponentOfTheta: (value) => value,
  // Column 0 is the constant E, column k the k-th exponent's power; the target is L itself.
  separableColumns: [-1, 0, 1],
  linearSize: 3,
  linearRow(design, exponents, i, row) {
    row[0] = 1;
    row[1] = Math.exp(-exponents[0]! * design.logParams[i]!);
    row[2] = Math.exp(-exponents[1]! * design.logTokens[i]!);
    return Math.exp(design.logLoss[i]!);
  },
  thetaFromLinear: (c, exponents) => [
    Math.log(c[0]!),
    Math.log(c[1]!),
    Math.log(c[2]!),
    exponents[0]!,
    exponents[1]!,
  ],
};

/**
 * Sardana et al. 2024's first-order condition for the least N·(6·D + 2κ) at loss ℓ:
 *   (βB/α + B)·D^(−β) + (βBκ/(3α))·D^(−β−1) + E − ℓ = 0.
 * The left side falls monotonically in D, is ≥ 0 at the Chinchilla D (its κ = 0 root) and tends to
 * E − ℓ < 0, so the root is bracketed; Newton in log D is guarded by bisection.
 */
function minimumCostTokens(law: ChinchillaParams, loss: number, kappa: number): number | undefined {
  const { B, E, alpha, beta } = law;
  const c1 = (beta * B) / alpha + B;
  const chinchillaTokens = (c1 / (loss - E)) ** (1 / beta);
  if (!isPositiveFinite(chinchillaTokens)) return undefined;
  if (kappa === 0) return chinchillaTokens;
  const c2 = (beta * B * kappa) / (3 * alpha);
  const condition = (logTokens: number) =>
    c1 * Math.exp(-beta * logTokens) + c2 * Math.exp(-(beta + 1) * logTokens) + E - loss;
  const slope = (logTokens: number) =>
    -beta * c1 * Math.exp(-beta * logTokens) - (beta + 1) * c2 * Math.exp(-(beta + 1) * logTokens);
  const start = Math.log(chinchillaTokens);
  const bracket = expandBracket(condition, start, 1);
  if (!bracket) return undefined;
  const logTokens = findRoot(condition, bracket[0], bracket[1], { derivative: slope, xTolerance: 1e-14 });
  return logTokens === undefined ? undefined : Math.exp(logTokens);
}

export const chinchillaForm: LawFormModule<ChinchillaLaw> = {
  id: 'chinchilla',
  description: 'L(N,D) = E + A/N^α + B/D^β (Hoffmann et al. 2022)',
  inputs: ['params', 'tokens'],
  coefficientNames: ['E', 'A', 'B', 'alpha', 'beta'],
  exponentNames: ['alpha', 'beta'],
  positiveCoefficients: ['E', 'A', 'B'],
  paramConvention: 'total',
  fromCoefficients: (v) =>
    [v.E, v.A, v.B, v.alpha, v.beta].every((x) => typeof x === 'number')
      ? { form: 'chinchilla', E: v.E!, A: v.A!, B: v.B!, alpha: v.alpha!, beta: v.beta! }
      : undefined,
  toCoefficients: (law) => [law.E, law.A, law.B, law.alpha, law.beta],
  evaluate: chinchillaLoss,
  tradesParamsForTokens: true,
  irreducible: (law) => law.E,
  optimalAllocation(law, flops) {
    if (!isPositiveFinite(flops)) return undefined;
    return { ...chinchillaOptimalAllocation(law, flops), method: 'closed-form' };
  },
  optimalTokensForParams(law, params) {
    if (!isPositiveFinite(params)) return undefined;
    const tokens = chinchillaOptimalTokensForParams(law, params);
    return isPositiveFinite(tokens) ? tokens : undefined;
  },
  paramsForLossAndTokens(law, loss, tokens) {
    const headroom = loss - law.E - law.B / tokens ** law.beta;
    if (!(headroom > 0)) return undefined;
    const params = (law.A / headroom) ** (1 / law.alpha);
    return isPositiveFinite(params) ? params : undefined;
  },
  minimumCostTokens,
  minimumCostMethod: 'closed-form',
  log,
};
