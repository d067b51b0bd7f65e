import { logSumExp2 } from './logSumExp';
import type { LawFormModule, LogSpaceForm } from './types';

/** Loss vs compute: L(C) = E + A · C^(−α). */
export interface ComputeParams {
  E: number;
  A: number;
  alpha: number;
}

export type ComputeLaw = { form: 'compute' } & ComputeParams;

/** Compute-form loss. */
export function computeLoss(p: ComputeParams, flops: number): number {
  return p.E + p.A * flops ** -p.alpha;
}

const scratch = [0, 0];

/** log L̂ = LSE(e, a − α ln C), θ = [e, a, α]. */
const log: LogSpaceForm = {
  form: 'compute',
  thetaNames: ['e', 'a', 'alpha'],
  paramNames: ['E', 'A', 'alpha'],
  exponentIndices: [2],
  minDistinctSizes: 1,
  hasIrreducibleTerm: true,
  logLoss(theta, design, i, gradient) {
    const logC = design.logFlops[i]!;
    const value = logSumExp2(theta[0]!, theta[1]! - theta[2]! * logC, gradient ? scratch : undefined);
    if (gradient) {
      gradient[0] = scratch[0]!;
      gradient[1] = scratch[1]!;
      gradient[2] = -scratch[1]! * logC;
    }
    return value;
  },
  toParams: (theta) => [Math.exp(theta[0]!), Math.exp(theta[1]!), theta[2]!],
  fromParams: (p) => [Math.log(p[0]!), Math.log(p[1]!), p[2]!],
  exponentGrids: [{ from: 0.002, to: 1.5, step: 0.002 }],
  exponentOfTheta: (value) => value,
  // Column 0 is the constant E, column k the k-th exponent's power; the target is L itself.
  separableColumns: [-1, 0],
  linearSize: 2,
  linearRow(design, exponents, i, row) {
    row[0] = 1;
    row[1] = Math.exp(-exponents[0]! * design.logFlops[i]!);
    return Math.exp(design.logLoss[i]!);
  },
  thetaFromLinear: (c, exponents) => [Math.log(c[0]!), Math.log(c[1]!), exponents[0]!],
};

/**
 * A law of compute alone. Evaluated on a run with C = 6·N·D (Kaplan/Hoffmann approximation). It
 * has no compute-optimal split and no iso-loss trade of N for D: those answers are "none".
 */
export const computeForm: LawFormModule<ComputeLaw> = {
  id: 'compute',
  description: 'L(C) = E + A·C^(−α), C = 6·N·D',
  inputs: ['params', 'tokens'],
  coefficientNames: ['E', 'A', 'alpha'],
  exponentNames: ['alpha'],
  positiveCoefficients: ['E', 'A'],
  paramConvention: 'total',
  fromCoefficients: (v) =>
    [v.E, v.A, v.alpha].every((x) => typeof x === 'number')
      ? { form: 'compute', E: v.E!, A: v.A!, alpha: v.alpha! }
      : undefined,
  toCoefficients: (law) => [law.E, law.A, law.alpha],
  evaluate: (law, params, tokens) => computeLoss(law, 6 * params * tokens),
  tradesParamsForTokens: false,
  irreducible: (law) => law.E,
  optimalAllocation: () => undefined,
  optimalTokensForParams: () => undefined,
  paramsForLossAndTokens: () => undefined,
  log,
};
