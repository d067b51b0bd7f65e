/**
 * The one interface every scaling-law form implements. A form is one module in this folder and
 * one line in ./index.ts; every view, the fitter, the planner, the chart data, saved-law validation
 * and the settings enum dispatch through that registry, so nothing else switches on a form id.
 *
 * Units: N in parameters (which N is the law's `paramConvention`), D in tokens, C in FLOPs
 * (C = 6·N·D where a form needs it), loss in nats/token.
 */

/** Which parameter count a law expects. */
export type ParamConvention = 'total' | 'non-embedding';

/** Log-transformed inputs of every fitted point, built once per fit. */
export interface FitDesign {
  /** ln N (parameters). */
  logParams: Float64Array;
  /** ln D (tokens). */
  logTokens: Float64Array;
  /** ln C (FLOPs): the run's own FLOPs when given, otherwise ln 6ND. */
  logFlops: Float64Array;
  /** ln L (observed loss, nats/token). */
  logLoss: Float64Array;
  /**
   * ln U_D (unique tokens of the run's dataset) for forms that model repetition (Muennighoff et al.
   * 2023); absent when no run states it, and then such forms take U_D = D (one epoch).
   */
  logUniqueTokens?: Float64Array;
}

/** Inputs some forms take beyond (N, D); forms that do not model them ignore the argument. */
export interface LawInputs {
  /** Unique tokens U_D in the data (D / U_D = epochs); undefined = no repetition (U_D = D). */
  uniqueTokens?: number;
}

/** A grid of exponent values scanned for starting points. */
export interface ExponentGrid {
  from: number;
  to: number;
  step: number;
}

/**
 * A form as the fitting engine sees it: log L̂ as a function of an unconstrained parameter vector θ
 * and its analytic gradient ∂ log L̂ / ∂θ (one Jacobian row per point). Positivity comes from the
 * parameterization (coefficients enter as logarithms), residuals are r = log L̂ − log L, and log L̂
 * is a log-sum-exp so large/small terms never overflow (Hoffmann et al. 2022, Approach 3;
 * Besiroglu et al. 2024).
 */
export interface LogSpaceForm {
  form: string;
  /** Names of θ entries, in order (e.g. `e, a, b, alpha, beta`). */
  thetaNames: readonly string[];
  /** Names of the reported coefficients, same order as θ (e.g. `E, A, B, alpha, beta`). */
  paramNames: readonly string[];
  /** Indices of θ that are exponents (the ones a reference law can lend). */
  exponentIndices: readonly number[];
  /** How many distinct model sizes the form needs to be identifiable. */
  minDistinctSizes: number;
  /** True when the first coefficient is an irreducible loss E (a collapse to 0 is then a warning). */
  hasIrreducibleTerm: boolean;
  /**
   * A registered form with fewer coefficients to suggest when the data cannot support this one
   * (too few points, or fewer model sizes than Choshen et al. 2025 recommend). Optional.
   */
  fewerCoefficientsForm?: string;
  /** log L̂ at point i; when `gradient` is given, also writes ∂ log L̂ / ∂θ into it. */
  logLoss(theta: ArrayLike<number>, design: FitDesign, i: number, gradient?: Float64Array): number;
  /**
   * Optional batched `logLoss` (additive, for speed on large fits): for the points start ≤ i < end,
   * writes log L̂ into values[i − start] and, when `jacobian` is given, ∂ log L̂ / ∂θⱼ into
   * jacobian[(i − start)·θ.length + j]. Must compute exactly what `logLoss` computes.
   */
  logLossBatch?(
    theta: ArrayLike<number>,
    design: FitDesign,
    start: number,
    end: number,
    values: Float64Array,
    jacobian?: Float64Array,
  ): void;
  /** θ → the reported coefficients (same order as `paramNames`). */
  toParams(theta: ArrayLike<number>): number[];
  /** Reported coefficients → θ (inverse of `toParams`). */
  fromParams(params: ArrayLike<number>): number[];
  /** Exponent grids (one per `exponentIndices` entry) scanned by variable projection. */
  exponentGrids: readonly ExponentGrid[];
  /** A θ exponent entry → the exponent value the grids are written in (Kaplan stores ln α). */
  exponentOfTheta(thetaValue: number): number;
  /**
   * Variable projection: for fixed exponents the law is linear in `linearSize` coefficients. Writes
   * the design row for point i into `row` and returns its target.
   */
  linearSize: number;
  linearRow(design: FitDesign, exponents: readonly number[], i: number, row: Float64Array): number;
  /**
   * Optional speed-up of the exponent scan (additive): when the target of `linearRow` depends on no
   * exponent and each linear column on at most one, entry c names the exponent (index into
   * `exponentIndices`) column c depends on, or -1 for a column that depends on none. The scan then
   * computes each column once per grid value instead of once per grid cell. Omit it otherwise.
   */
  separableColumns?: readonly number[];
  /** The linear coefficients (all positive) and the exponents → θ. */
  thetaFromLinear(coefficients: readonly number[], exponents: readonly number[]): number[];
}

/** How a compute-optimal allocation was obtained. */
export type AllocationMethod = 'closed-form' | 'numeric' | 'tokens-per-param-rule';

/** A compute-optimal (N, D) for a FLOP budget. */
export interface Allocation {
  params: number;
  tokens: number;
  method: AllocationMethod;
}

/** One scaling-law form. `P` is its typed coefficients, tagged with `form: id`. */
export interface LawFormModule<P extends { form: string } = { form: string }> {
  id: P['form'];
  /** One line for settings and pickers. */
  description: string;
  /**
   * The inputs a prediction uses (every form takes N and D; C = 6·N·D). `uniqueTokens` is optional
   * for the forms that list it: without it they assume no repetition.
   */
  inputs: readonly ('params' | 'tokens' | 'uniqueTokens')[];
  /** Coefficient names in the reported order (the saved-law schema and the fit report). */
  coefficientNames: readonly string[];
  /** Coefficients that must be positive for the law to be valid (saved-law validation). */
  positiveCoefficients: readonly string[];
  /** Coefficients a published law can lend to a fit (exponents). */
  exponentNames: readonly string[];
  /** Which N bare coefficients of this form expect. */
  paramConvention: ParamConvention;
  /** Typed coefficients from named values (a saved law's `params`); undefined when one is missing. */
  fromCoefficients(values: Readonly<Record<string, number>>): P | undefined;
  /** Coefficients in `coefficientNames` order. */
  toCoefficients(law: P): number[];
  /** Loss at (N, D); `inputs` carries what a form needs beyond them (unique tokens). */
  evaluate(law: P, params: number, tokens: number, inputs?: LawInputs): number;
  /** The loss no scale can beat (0 where the form has no entropy term). */
  irreducible(law: P): number;
  /** False for a law of compute alone: no split of a budget between N and D is better than another. */
  tradesParamsForTokens: boolean;
  /**
   * The loss-minimizing (N, D) under C = 6·N·D, or undefined when the form has none (a law of C
   * alone: every split is equally good).
   */
  optimalAllocation(law: P, flops: number): Allocation | undefined;
  /** The D at which N is compute-optimal (the inverse of N_opt(C)), or undefined when none. */
  optimalTokensForParams(law: P, params: number): number | undefined;
  /** The N that reaches `loss` after `tokens` tokens (iso-loss curve), or undefined. */
  paramsForLossAndTokens(law: P, loss: number, tokens: number): number | undefined;
  /**
   * Sardana et al. 2024: the D_train on the iso-loss curve L = ℓ minimizing N·(6·D + 2·κ), or
   * undefined when the form cannot trade N for D (then inference-aware planning says so).
   */
  minimumCostTokens?(law: P, loss: number, inferenceWeightTokens: number): number | undefined;
  /** How `minimumCostTokens` solves (for plan reports). */
  minimumCostMethod?: 'closed-form' | 'numeric';
  /** The fitting engine's view of the form. */
  log: LogSpaceForm;
}
