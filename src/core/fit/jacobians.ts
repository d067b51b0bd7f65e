import type { LawForm, LawParams } from '../laws/forms';

/**
 * Law forms as the fitting engine sees them: log L̂ as a function of an unconstrained parameter vector θ
 * and its analytic gradient ∂ log L̂ / ∂θ (one Jacobian row per point).
 *
 * Positivity comes from the parameterization, not from bounds: coefficients enter as logarithms
 * (a = log A, …), so every θ ∈ ℝᵏ is a valid law. Residuals are taken in log space, r = log L̂ − log L,
 * and log L̂ is written as a log-sum-exp so large/small terms never overflow (Hoffmann et al. 2022,
 * Approach 3; Besiroglu et al. 2024).
 */

/** Log-transformed inputs of every point, built once per fit. */
export interface FitDesign {
  /** ln N (parameters). */
  logParams: Float64Array;
  /** ln D (tokens). */
  logTokens: Float64Array;
  /** ln C (FLOPs): the run's own FLOPs when given, otherwise ln 6ND. */
  logFlops: Float64Array;
  /** ln L (observed loss, nats/token). */
  logLoss: Float64Array;
}

/** One law form in log space. */
export interface LogSpaceForm {
  form: LawForm;
  /** Names of θ entries, in order (e.g. `e, a, b, alpha, beta`). */
  thetaNames: readonly string[];
  /** Names of the reported coefficients, same order as θ (e.g. `E, A, B, alpha, beta`). */
  paramNames: readonly string[];
  /** Indices of θ that are exponents (the ones a reference law can lend). */
  exponentIndices: readonly number[];
  /** How many distinct model sizes the form needs to be identifiable. */
  minDistinctSizes: number;
  /**
   * log L̂ at point i; when `gradient` is given, also writes ∂ log L̂ / ∂θ into it.
   */
  logLoss(theta: ArrayLike<number>, design: FitDesign, i: number, gradient?: Float64Array): number;
  /** θ → the reported coefficients (same order as `paramNames`). */
  toParams(theta: ArrayLike<number>): number[];
  /** Reported coefficients → θ (inverse of `toParams`). */
  fromParams(params: ArrayLike<number>): number[];
  /** θ → a law usable by src/core/laws/forms.ts. */
  toLaw(theta: ArrayLike<number>): LawParams;
}

/** Numerically safe log(exp(x) + exp(y) + exp(z)) and the softmax weights of the terms. */
function logSumExp3(x: number, y: number, z: number, weights?: number[]): number {
  const m = Math.max(x, y, z);
  const ex = Math.exp(x - m);
  const ey = Math.exp(y - m);
  const ez = Math.exp(z - m);
  const sum = ex + ey + ez;
  if (weights) {
    weights[0] = ex / sum;
    weights[1] = ey / sum;
    weights[2] = ez / sum;
  }
  return m + Math.log(sum);
}

function logSumExp2(x: number, y: number, weights?: number[]): number {
  const m = Math.max(x, y);
  const ex = Math.exp(x - m);
  const ey = Math.exp(y - m);
  const sum = ex + ey;
  if (weights) {
    weights[0] = ex / sum;
    weights[1] = ey / sum;
  }
  return m + Math.log(sum);
}

const scratch = [0, 0, 0];

/**
 * Hoffmann et al. 2022 Eq. 2, L = E + A/N^α + B/D^β, as log L̂ = LSE(e, a − α ln N, b − β ln D).
 * θ = [e, a, b, α, β]; exponents are unconstrained, as in the Epoch/Hoffmann fits.
 */
export const CHINCHILLA_LOG_FORM: LogSpaceForm = {
  form: 'chinchilla',
  thetaNames: ['e', 'a', 'b', 'alpha', 'beta'],
  paramNames: ['E', 'A', 'B', 'alpha', 'beta'],
  exponentIndices: [3, 4],
  minDistinctSizes: 2,
  logLoss(theta, design, i, gradient) {
    const logN = design.logParams[i];
    const logD = design.logTokens[i];
    const value = logSumExp3(
      theta[0],
      theta[1] - theta[3] * logN,
      theta[2] - theta[4] * logD,
      gradient ? scratch : undefined,
    );
    if (gradient) {
      gradient[0] = scratch[0];
      gradient[1] = scratch[1];
      gradient[2] = scratch[2];
      gradient[3] = -scratch[1] * logN;
      gradient[4] = -scratch[2] * logD;
    }
    return value;
  },
  toParams: (theta) => [Math.exp(theta[0]), Math.exp(theta[1]), Math.exp(theta[2]), theta[3], theta[4]],
  fromParams: (p) => [Math.log(p[0]), Math.log(p[1]), Math.log(p[2]), p[3], p[4]],
  toLaw(theta) {
    const [E, A, B, alpha, beta] = CHINCHILLA_LOG_FORM.toParams(theta);
    return { form: 'chinchilla', E, A, B, alpha, beta };
  },
};

/**
 * Kaplan et al. 2020 Eq. 1.5, L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, as
 * log L̂ = α_D · LSE((α_N/α_D)(ln N_c − ln N), ln D_c − ln D).
 * θ = [ln N_c, ln D_c, ln α_N, ln α_D]: exponents are positive by construction (α_D divides).
 */
export const KAPLAN_LOG_FORM: LogSpaceForm = {
  form: 'kaplan',
  thetaNames: ['logNc', 'logDc', 'logAlphaN', 'logAlphaD'],
  paramNames: ['Nc', 'Dc', 'alphaN', 'alphaD'],
  exponentIndices: [2, 3],
  minDistinctSizes: 2,
  logLoss(theta, design, i, gradient) {
    const alphaN = Math.exp(theta[2]);
    const alphaD = Math.exp(theta[3]);
    const ratio = alphaN / alphaD;
    const gapN = theta[0] - design.logParams[i];
    const u1 = ratio * gapN;
    const u2 = theta[1] - design.logTokens[i];
    const lse = logSumExp2(u1, u2, gradient ? scratch : undefined);
    if (gradient) {
      const s1 = scratch[0];
      const s2 = scratch[1];
      gradient[0] = alphaN * s1;
      gradient[1] = alphaD * s2;
      // ∂/∂ln α_N = α_N ∂/∂α_N = α_N · α_D · s1 · gapN / α_D.
      gradient[2] = alphaN * s1 * gapN;
      // ∂/∂ln α_D = α_D (LSE + α_D · s1 · (−α_N/α_D²) gapN) = α_D (LSE − s1 u1).
      gradient[3] = alphaD * (lse - s1 * u1);
    }
    return alphaD * lse;
  },
  toParams: (theta) => [Math.exp(theta[0]), Math.exp(theta[1]), Math.exp(theta[2]), Math.exp(theta[3])],
  fromParams: (p) => [Math.log(p[0]), Math.log(p[1]), Math.log(p[2]), Math.log(p[3])],
  toLaw(theta) {
    const [Nc, Dc, alphaN, alphaD] = KAPLAN_LOG_FORM.toParams(theta);
    return { form: 'kaplan', Nc, Dc, alphaN, alphaD };
  },
};

/** L(C) = E + A·C^(−α), as log L̂ = LSE(e, a − α ln C). θ = [e, a, α]. */
export const COMPUTE_LOG_FORM: LogSpaceForm = {
  form: 'compute',
  thetaNames: ['e', 'a', 'alpha'],
  paramNames: ['E', 'A', 'alpha'],
  exponentIndices: [2],
  minDistinctSizes: 1,
  logLoss(theta, design, i, gradient) {
    const logC = design.logFlops[i];
    const value = logSumExp2(theta[0], theta[1] - theta[2] * logC, gradient ? scratch : undefined);
    if (gradient) {
      gradient[0] = scratch[0];
      gradient[1] = scratch[1];
      gradient[2] = -scratch[1] * logC;
    }
    return value;
  },
  toParams: (theta) => [Math.exp(theta[0]), Math.exp(theta[1]), theta[2]],
  fromParams: (p) => [Math.log(p[0]), Math.log(p[1]), p[2]],
  toLaw(theta) {
    const [E, A, alpha] = COMPUTE_LOG_FORM.toParams(theta);
    return { form: 'compute', E, A, alpha };
  },
};

/** The log-space form for a law form id. */
export function logSpaceForm(form: LawForm): LogSpaceForm {
  switch (form) {
    case 'chinchilla':
      return CHINCHILLA_LOG_FORM;
    case 'kaplan':
      return KAPLAN_LOG_FORM;
    case 'compute':
      return COMPUTE_LOG_FORM;
  }
}

/** Reported coefficients of a law, in the form's `paramNames` order. */
export function lawToParams(law: LawParams): number[] {
  switch (law.form) {
    case 'chinchilla':
      return [law.E, law.A, law.B, law.alpha, law.beta];
    case 'kaplan':
      return [law.Nc, law.Dc, law.alphaN, law.alphaD];
    case 'compute':
      return [law.E, law.A, law.alpha];
  }
}
