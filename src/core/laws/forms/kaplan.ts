import { minimizeBounded } from '../../math/solve';
import { isPositiveFinite, logSumExp2 } from './logSumExp';
import type { LawFormModule, LogSpaceForm } from './types';

/** Kaplan et al. 2020, Eq. 1.5: L(N, D) = [(N_c / N)^(α_N / α_D) + D_c / D]^α_D (N non-embedding). */
export interface KaplanParams {
  Nc: number;
  Dc: number;
  alphaN: number;
  alphaD: number;
}

export type KaplanLaw = { form: 'kaplan' } & KaplanParams;

/** Kaplan-form loss. */
export function kaplanLoss(p: KaplanParams, params: number, tokens: number): number {
  return ((p.Nc / params) ** (p.alphaN / p.alphaD) + p.Dc / tokens) ** p.alphaD;
}

const scratch = [0, 0];

/**
 * log L̂ = α_D · LSE((α_N/α_D)(ln N_c − ln N), ln D_c − ln D), θ = [ln N_c, ln D_c, ln α_N, ln α_D]:
 * exponents are positive by construction (α_D divides).
 */
const log: LogSpaceForm = {
  form: 'kaplan',
  thetaNames: ['logNc', 'logDc', 'logAlphaN', 'logAlphaD'],
  paramNames: ['Nc', 'Dc', 'alphaN', 'alphaD'],
  exponentIndices: [2, 3],
  minDistinctSizes: 2,
  hasIrreducibleTerm: false,
  logLoss(theta, design, i, gradient) {
    const alphaN = Math.exp(theta[2]!);
    const alphaD = Math.exp(theta[3]!);
    const ratio = alphaN / alphaD;
    const gapN = theta[0]! - design.logParams[i]!;
    const u1 = ratio * gapN;
    const u2 = theta[1]! - design.logTokens[i]!;
    const lse = logSumExp2(u1, u2, gradient ? scratch : undefined);
    if (gradient) {
      const s1 = scratch[0]!;
      const s2 = scratch[1]!;
      gradient[0] = alphaN * s1;
      gradient[1] = alphaD * s2;
      // ∂/∂ln α_N = α_N ∂/∂α_N = α_N · α_D · s1 · gapN / α_D.
      gradient[2] = alphaN * s1 * gapN;
      // ∂/∂ln α_D = α_D (LSE + α_D · s1 · (−α_N/α_D²) gapN) = α_D (LSE − s1 u1).
      gradient[3] = alphaD * (lse - s1 * u1);
    }
    return alphaD * lse;
  },
  toParams: (theta) => [Math.exp(theta[0]!), Math.exp(theta[1]!), Math.exp(theta[2]!), Math.exp(theta[3]!)],
  fromParams: (p) => [Math.log(p[0]!), Math.log(p[1]!), Math.log(p[2]!), Math.log(p[3]!)],
  exponentGrids: [
    { from: 0.01, to: 1, step: 0.01 },
    { from: 0.01, to: 1, step: 0.01 },
  ],
  // θ holds ln α; the grids are written in α.
  exponentOfTheta: (value) => Math.exp(value),
  // After the power 1/α_D the law is linear in (N_c^(α_N/α_D), D_c).
  linearSize: 2,
  linearRow(design, exponents, i, row) {
    row[0] = Math.exp((-exponents[0]! / exponents[1]!) * design.logParams[i]!);
    row[1] = Math.exp(-design.logTokens[i]!);
    return Math.exp(design.logLoss[i]! / exponents[1]!);
  },
  thetaFromLinear: (c, exponents) => [
    (Math.log(c[0]!) * exponents[1]!) / exponents[0]!,
    Math.log(c[1]!),
    Math.log(exponents[0]!),
    Math.log(exponents[1]!),
  ],
};

/** The N that reaches `loss` after `tokens`: [ℓ^(1/α_D) − D_c/D]^(−α_D/α_N)·N_c. */
function paramsForLossAndTokens(law: KaplanParams, loss: number, tokens: number): number | undefined {
  const headroom = loss ** (1 / law.alphaD) - law.Dc / tokens;
  if (!(headroom > 0)) return undefined;
  const params = law.Nc * headroom ** (-law.alphaD / law.alphaN);
  return isPositiveFinite(params) ? params : undefined;
}

/**
 * With D = C/(6N) the inner term g(N) = (N_c/N)^p + 6·D_c·N/C, p = α_N/α_D, is minimized where
 * g'(N) = 0 (the outer power is monotone): N_opt = (p·N_c^p·C / (6·D_c))^(1/(p+1)).
 */
function optimalAllocation(law: KaplanLaw, flops: number) {
  if (!isPositiveFinite(flops)) return undefined;
  const p = law.alphaN / law.alphaD;
  const params = ((p * law.Nc ** p * flops) / (6 * law.Dc)) ** (1 / (p + 1));
  if (!isPositiveFinite(params)) return undefined;
  return { params, tokens: flops / (6 * params), method: 'closed-form' as const };
}

export const kaplanForm: LawFormModule<KaplanLaw> = {
  id: 'kaplan',
  description: 'L(N,D) = [(Nc/N)^(αN/αD) + Dc/D]^αD (Kaplan et al. 2020, non-embedding N)',
  inputs: ['params', 'tokens'],
  coefficientNames: ['Nc', 'Dc', 'alphaN', 'alphaD'],
  exponentNames: ['alphaN', 'alphaD'],
  positiveCoefficients: ['Nc', 'Dc', 'alphaN', 'alphaD'],
  paramConvention: 'non-embedding',
  fromCoefficients: (v) =>
    [v.Nc, v.Dc, v.alphaN, v.alphaD].every((x) => typeof x === 'number')
      ? { form: 'kaplan', Nc: v.Nc!, Dc: v.Dc!, alphaN: v.alphaN!, alphaD: v.alphaD! }
      : undefined,
  toCoefficients: (law) => [law.Nc, law.Dc, law.alphaN, law.alphaD],
  evaluate: kaplanLoss,
  tradesParamsForTokens: true,
  irreducible: () => 0,
  optimalAllocation,
  /** From N_opt above, C = 6·D_c·N^(p+1) / (p·N_c^p), so D = (D_c/p)·(N/N_c)^p. */
  optimalTokensForParams(law, params) {
    if (!isPositiveFinite(params)) return undefined;
    const p = law.alphaN / law.alphaD;
    const tokens = (law.Dc / p) * (params / law.Nc) ** p;
    return isPositiveFinite(tokens) ? tokens : undefined;
  },
  paramsForLossAndTokens,
  /**
   * Minimize log(N(D)·(6D + 2κ)) along the iso-loss curve, whose D must exceed D_c / ℓ^(1/α_D)
   * (below it the data term alone exceeds ℓ).
   */
  minimumCostTokens(law, loss, kappa) {
    const minTokens = law.Dc / loss ** (1 / law.alphaD);
    if (!isPositiveFinite(minTokens)) return undefined;
    const objective = (logExcess: number) => {
      const tokens = minTokens * (1 + Math.exp(logExcess));
      const params = paramsForLossAndTokens(law, loss, tokens);
      return params === undefined
        ? Number.POSITIVE_INFINITY
        : Math.log(params) + Math.log(6 * tokens + 2 * kappa);
    };
    const logExcess = minimizeBounded(objective, -40, 60, { gridPoints: 200 });
    return logExcess === undefined ? undefined : minTokens * (1 + Math.exp(logExcess));
  },
  minimumCostMethod: 'numeric',
  log,
};
