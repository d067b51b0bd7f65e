import { findRoot, minimizeBounded } from '../../math/solve';
import { chinchillaForm, type ChinchillaLaw } from './chinchilla';
import { isPositiveFinite, logSumExp3 } from './logSumExp';
import type { LawFormModule, LawInputs, LogSpaceForm } from './types';

/**
 * Muennighoff et al. 2023, "Scaling Data-Constrained Language Models" (NeurIPS 2023,
 * arXiv:2305.16264), Eq. 5 with the effective data and parameters of Eqs. 3–4, as the datablations
 * README (huggingface/datablations@13701315, "Parametric Fit") implements it:
 *
 *   L(N, D, U_D) = E + A / N′^α + B / D′^α
 *   D′ = U_D + U_D·R_D*·(1 − e^(−R_D/R_D*)),  R_D = max(D/U_D − 1, 0)     (repeated epochs)
 *   N′ = U_N + U_N·R_N*·(1 − e^(−R_N/R_N*)),  U_N = min(N, N_opt(U_D)), R_N = max(N/U_N − 1, 0)
 *
 * N_opt(U) is the Chinchilla-optimal N for D = U (README `D_to_N`: (D·G)^(β/α)·G with
 * G = (αA/(βB))^(1/(α+β)); with α = β it is G²·U). The paper fits one exponent (α = β = 0.3526596),
 * so this form has one. Unique tokens are an optional input: without them U_D = D (no repetition),
 * and a U_D above D is clamped to D (a run that never finishes one epoch repeats nothing).
 */
export interface DataConstrainedParams {
  E: number;
  A: number;
  B: number;
  alpha: number;
  /** R_D*: the repetitions (epochs beyond the first) after which repeated data is worth 1 − 1/e less. */
  RDstar: number;
  /** R_N*: the same for parameters beyond N_opt(U_D). */
  RNstar: number;
}

export type DataConstrainedLaw = { form: 'data-constrained' } & DataConstrainedParams;

/** ln(1 + S·(1 − e^(−R/S))) and its partials in R and S (the decay shared by D′ and N′). */
function decay(repeats: number, star: number): { value: number; dR: number; dS: number } {
  const ratio = repeats / star;
  const kept = Math.exp(-ratio);
  const inner = 1 + star * (1 - kept);
  return { value: Math.log(inner), dR: kept / inner, dS: (1 - kept - ratio * kept) / inner };
}

/** ln N_opt(U) = (ln A − ln B)/α + ln U (Chinchilla optimum with α = β); +∞ when α ≤ 0. */
function logOptimalParamsForUnique(logA: number, logB: number, alpha: number, logUnique: number): number {
  return alpha > 1e-9 ? (logA - logB) / alpha + logUnique : Number.POSITIVE_INFINITY;
}

/** Unique tokens actually used: at most D, and D itself when unknown. */
function uniqueFor(tokens: number, inputs?: LawInputs): number {
  const unique = inputs?.uniqueTokens;
  return unique !== undefined && isPositiveFinite(unique) ? Math.min(unique, tokens) : tokens;
}

/** D′: the single-epoch-equivalent tokens of D tokens drawn from U_D unique ones (Eq. 3). */
export function effectiveTokens(law: DataConstrainedParams, tokens: number, uniqueTokens?: number): number {
  const unique = uniqueFor(tokens, { uniqueTokens });
  const repeats = Math.max(tokens / unique - 1, 0);
  return unique + unique * law.RDstar * (1 - Math.exp(-repeats / law.RDstar));
}

/** N′: parameters beyond N_opt(U_D) count less (Eq. 4). */
export function effectiveParams(
  law: DataConstrainedParams,
  params: number,
  tokens: number,
  uniqueTokens?: number,
): number {
  const unique = uniqueFor(tokens, { uniqueTokens });
  const logOpt = logOptimalParamsForUnique(Math.log(law.A), Math.log(law.B), law.alpha, Math.log(unique));
  const base = Math.min(params, Math.exp(logOpt));
  const repeats = Math.max(params / base - 1, 0);
  return base + base * law.RNstar * (1 - Math.exp(-repeats / law.RNstar));
}

/** Loss under repetition. */
export function dataConstrainedLoss(
  law: DataConstrainedParams,
  params: number,
  tokens: number,
  inputs?: LawInputs,
): number {
  const unique = uniqueFor(tokens, inputs);
  return (
    law.E +
    law.A / effectiveParams(law, params, tokens, unique) ** law.alpha +
    law.B / effectiveTokens(law, tokens, unique) ** law.alpha
  );
}

/** The same law without repetition or excess parameters (the plain Chinchilla form with β = α). */
function chinchillaOf(law: DataConstrainedParams): ChinchillaLaw {
  return { form: 'chinchilla', E: law.E, A: law.A, B: law.B, alpha: law.alpha, beta: law.alpha };
}

/**
 * The loss-minimizing (N, D) for a FLOP budget C = 6·N·D when only U_D unique tokens exist. The
 * datablations README grid-searches D = D_Chinchilla·k, N = N_Chinchilla/k for k in [1/3, 3]; this
 * minimizes over ln N over ±5 nats around the Chinchilla optimum (grid then golden section).
 */
export function dataConstrainedOptimum(
  law: DataConstrainedParams,
  flops: number,
  uniqueTokens: number,
): { params: number; tokens: number; epochs: number; loss: number } | undefined {
  if (!isPositiveFinite(flops) || !isPositiveFinite(uniqueTokens)) return undefined;
  const base = chinchillaForm.optimalAllocation(chinchillaOf(law), flops);
  if (!base || !isPositiveFinite(base.params)) return undefined;
  const lossAt = (logParams: number) => {
    const params = Math.exp(logParams);
    const tokens = flops / (6 * params);
    return dataConstrainedLoss(law, params, tokens, { uniqueTokens });
  };
  const center = Math.log(base.params);
  const logParams = minimizeBounded(lossAt, center - 5, center + 5, { gridPoints: 400, xTolerance: 1e-10 });
  if (logParams === undefined) return undefined;
  const params = Math.exp(logParams);
  const tokens = flops / (6 * params);
  const loss = lossAt(logParams);
  return Number.isFinite(loss) ? { params, tokens, epochs: tokens / uniqueTokens, loss } : undefined;
}

const weights = [0, 0, 0];

/**
 * log L̂ = LSE(e, a − α ln N′, b − α ln D′), θ = [e, a, b, α, ln R_D*, ln R_N*] (the R* stay
 * positive). ln N′ depends on a, b and α through ln N_opt(U_D) = (a − b)/α + ln U_D when N exceeds
 * it; the Jacobian below carries those terms (checked against finite differences in the tests).
 */
const log: LogSpaceForm = {
  form: 'data-constrained',
  thetaNames: ['e', 'a', 'b', 'alpha', 'logRDstar', 'logRNstar'],
  paramNames: ['E', 'A', 'B', 'alpha', 'RDstar', 'RNstar'],
  exponentIndices: [3],
  minDistinctSizes: 2,
  hasIrreducibleTerm: true,
  logLoss(theta, design, i, gradient) {
    const [e, a, b, alpha, logRD, logRN] = [theta[0]!, theta[1]!, theta[2]!, theta[3]!, theta[4]!, theta[5]!];
    const logN = design.logParams[i]!;
    const logD = design.logTokens[i]!;
    const logU = Math.min(design.logUniqueTokens?.[i] ?? logD, logD);
    const RD = Math.exp(logRD);
    const RN = Math.exp(logRN);
    const dataDecay = decay(Math.max(Math.exp(logD - logU) - 1, 0), RD);
    const logDeff = logU + dataDecay.value;
    const logOpt = logOptimalParamsForUnique(a, b, alpha, logU);
    let logNeff = logN;
    let dLogNeffdOpt = 0;
    let dLogNeffdRN = 0;
    if (logN > logOpt) {
      const excess = Math.exp(logN - logOpt) - 1;
      const paramDecay = decay(excess, RN);
      logNeff = logOpt + paramDecay.value;
      dLogNeffdOpt = 1 - paramDecay.dR * (excess + 1);
      dLogNeffdRN = paramDecay.dS * RN;
    }
    const value = logSumExp3(e, a - alpha * logNeff, b - alpha * logDeff, gradient ? weights : undefined);
    if (gradient) {
      const [w1, w2, w3] = [weights[0]!, weights[1]!, weights[2]!];
      gradient[0] = w1;
      gradient[1] = w2 * (1 - dLogNeffdOpt);
      gradient[2] = w2 * dLogNeffdOpt + w3;
      gradient[3] = w2 * (-logNeff + (dLogNeffdOpt * (a - b)) / alpha) - w3 * logDeff;
      gradient[4] = -w3 * alpha * dataDecay.dS * RD;
      gradient[5] = -w2 * alpha * dLogNeffdRN;
    }
    return value;
  },
  toParams: (t) => [
    Math.exp(t[0]!),
    Math.exp(t[1]!),
    Math.exp(t[2]!),
    t[3]!,
    Math.exp(t[4]!),
    Math.exp(t[5]!),
  ],
  fromParams: (p) => [
    Math.log(p[0]!),
    Math.log(p[1]!),
    Math.log(p[2]!),
    p[3]!,
    Math.log(p[4]!),
    Math.log(p[5]!),
  ],
  exponentGrids: [{ from: 0.02, to: 1.5, step: 0.01 }],
  exponentOfTheta: (value) => value,
  // For fixed α and the published R* (below), and ignoring the excess-parameter term (which needs
  // A/B), the law is linear in (E, A, B): good enough for starting points; the local fit frees all.
  linearSize: 3,
  separableColumns: [-1, 0, 0],
  linearRow(design, exponents, i, row) {
    const alpha = exponents[0]!;
    const logD = design.logTokens[i]!;
    const logU = Math.min(design.logUniqueTokens?.[i] ?? logD, logD);
    const logDeff = logU + decay(Math.max(Math.exp(logD - logU) - 1, 0), START_RD).value;
    row[0] = 1;
    row[1] = Math.exp(-alpha * design.logParams[i]!);
    row[2] = Math.exp(-alpha * logDeff);
    return Math.exp(design.logLoss[i]!);
  },
  thetaFromLinear: (c, exponents) => [
    Math.log(c[0]!),
    Math.log(c[1]!),
    Math.log(c[2]!),
    exponents[0]!,
    Math.log(START_RD),
    Math.log(START_RN),
  ],
};

/** Starting R* for fits: the paper's C4 values (datablations README). */
const START_RD = 15.387756;
const START_RN = 5.309743;

export const dataConstrainedForm: LawFormModule<DataConstrainedLaw> = {
  id: 'data-constrained',
  description:
    'L = E + A/N′^α + B/D′^α with repeated data and excess parameters decaying (Muennighoff et al. 2023); needs unique tokens',
  inputs: ['params', 'tokens', 'uniqueTokens'],
  coefficientNames: ['E', 'A', 'B', 'alpha', 'RDstar', 'RNstar'],
  exponentNames: ['alpha'],
  positiveCoefficients: ['E', 'A', 'B', 'alpha', 'RDstar', 'RNstar'],
  paramConvention: 'total',
  fromCoefficients: (v) =>
    [v.E, v.A, v.B, v.alpha, v.RDstar, v.RNstar].every((x) => typeof x === 'number')
      ? {
          form: 'data-constrained',
          E: v.E!,
          A: v.A!,
          B: v.B!,
          alpha: v.alpha!,
          RDstar: v.RDstar!,
          RNstar: v.RNstar!,
        }
      : undefined,
  toCoefficients: (law) => [law.E, law.A, law.B, law.alpha, law.RDstar, law.RNstar],
  evaluate: dataConstrainedLoss,
  tradesParamsForTokens: true,
  irreducible: (law) => law.E,
  // Unlimited unique data: the Chinchilla optimum, where N = N_opt(D) exactly, so nothing decays.
  optimalAllocation(law, flops) {
    if (!isPositiveFinite(law.alpha)) return undefined;
    return chinchillaForm.optimalAllocation(chinchillaOf(law), flops);
  },
  optimalTokensForParams(law, params) {
    if (!isPositiveFinite(law.alpha)) return undefined;
    return chinchillaForm.optimalTokensForParams(chinchillaOf(law), params);
  },
  /** Loss falls monotonically in N at fixed D (N′ grows with N), so a root in ln N is bracketed. */
  paramsForLossAndTokens(law, loss, tokens) {
    if (!isPositiveFinite(tokens) || !Number.isFinite(loss)) return undefined;
    const gap = (logParams: number) => dataConstrainedLoss(law, Math.exp(logParams), tokens) - loss;
    const root = findRoot(gap, 0, Math.log(1e18));
    return root === undefined ? undefined : Math.exp(root);
  },
  log,
};
