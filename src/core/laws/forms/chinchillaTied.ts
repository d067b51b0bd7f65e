import { chinchillaForm, chinchillaLoss, type ChinchillaLaw } from './chinchilla';
import { isPositiveFinite, logSumExp3 } from './logSumExp';
import type { LawFormModule, LogSpaceForm } from './types';

/**
 * The Chinchilla form with one shared exponent, L(N, D) = E + A/N^α + B/D^α: four coefficients
 * instead of five. Muennighoff et al. 2023 ("Scaling Data-Constrained Language Models", datablations
 * README: α = β = 0.3526596) and Gadre et al. 2024 (§3, "we assume α = β", arXiv:2403.08540) both
 * fit it, because with four or five model sizes the two exponents are not separately identified
 * and a free pair trades one against the other.
 */
export interface ChinchillaTiedParams {
  E: number;
  A: number;
  B: number;
  alpha: number;
}

export type ChinchillaTiedLaw = { form: 'chinchilla-tied' } & ChinchillaTiedParams;

/** The five-coefficient law this one is (β = α), so every closed form of the free form applies. */
function untied(law: ChinchillaTiedParams): ChinchillaLaw {
  return { form: 'chinchilla', E: law.E, A: law.A, B: law.B, alpha: law.alpha, beta: law.alpha };
}

const scratch = [0, 0, 0];

/** log L̂ = LSE(e, a − α ln N, b − α ln D), θ = [e, a, b, α]. */
const log: LogSpaceForm = {
  form: 'chinchilla-tied',
  thetaNames: ['e', 'a', 'b', 'alpha'],
  paramNames: ['E', 'A', 'B', 'alpha'],
  exponentIndices: [3],
  minDistinctSizes: 2,
  hasIrreducibleTerm: true,
  logLoss(theta, design, i, gradient) {
    const logN = design.logParams[i]!;
    const logD = design.logTokens[i]!;
    const value = logSumExp3(
      theta[0]!,
      theta[1]! - theta[3]! * logN,
      theta[2]! - theta[3]! * logD,
      gradient ? scratch : undefined,
    );
    if (gradient) {
      gradient[0] = scratch[0]!;
      gradient[1] = scratch[1]!;
      gradient[2] = scratch[2]!;
      gradient[3] = -scratch[1]! * logN - scratch[2]! * logD;
    }
    return value;
  },
  toParams: (theta) => [Math.exp(theta[0]!), Math.exp(theta[1]!), Math.exp(theta[2]!), theta[3]!],
  fromParams: (p) => [Math.log(p[0]!), Math.log(p[1]!), Math.log(p[2]!), p[3]!],
  // One exponent: a finer grid than the free form's costs the same as its 2-D scan.
  exponentGrids: [{ from: 0.01, to: 2, step: 0.005 }],
  exponentOfTheta: (value) => value,
  linearSize: 3,
  separableColumns: [-1, 0, 0],
  linearRow(design, exponents, i, row) {
    row[0] = 1;
    row[1] = Math.exp(-exponents[0]! * design.logParams[i]!);
    row[2] = Math.exp(-exponents[0]! * design.logTokens[i]!);
    return Math.exp(design.logLoss[i]!);
  },
  thetaFromLinear: (c, exponents) => [Math.log(c[0]!), Math.log(c[1]!), Math.log(c[2]!), exponents[0]!],
};

export const chinchillaTiedForm: LawFormModule<ChinchillaTiedLaw> = {
  id: 'chinchilla-tied',
  description:
    'L(N,D) = E + A/N^α + B/D^α, one exponent (Muennighoff et al. 2023; Gadre et al. 2024): for 4–5 model sizes',
  inputs: ['params', 'tokens'],
  coefficientNames: ['E', 'A', 'B', 'alpha'],
  exponentNames: ['alpha'],
  positiveCoefficients: ['E', 'A', 'B'],
  paramConvention: 'total',
  fromCoefficients: (v) =>
    [v.E, v.A, v.B, v.alpha].every((x) => typeof x === 'number')
      ? { form: 'chinchilla-tied', E: v.E!, A: v.A!, B: v.B!, alpha: v.alpha! }
      : undefined,
  toCoefficients: (law) => [law.E, law.A, law.B, law.alpha],
  evaluate: (law, params, tokens) => chinchillaLoss(untied(law), params, tokens),
  tradesParamsForTokens: true,
  irreducible: (law) => law.E,
  optimalAllocation(law, flops) {
    if (!isPositiveFinite(law.alpha)) return undefined;
    return chinchillaForm.optimalAllocation(untied(law), flops);
  },
  optimalTokensForParams(law, params) {
    if (!isPositiveFinite(law.alpha)) return undefined;
    return chinchillaForm.optimalTokensForParams(untied(law), params);
  },
  paramsForLossAndTokens: (law, loss, tokens) =>
    chinchillaForm.paramsForLossAndTokens(untied(law), loss, tokens),
  minimumCostTokens: (law, loss, kappa) => chinchillaForm.minimumCostTokens!(untied(law), loss, kappa),
  minimumCostMethod: 'closed-form',
  log,
};
