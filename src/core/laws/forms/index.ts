/**
 * The registry of scaling-law forms. Adding a form is one module in this folder plus one entry in
 * `LAW_FORMS` (and its coefficients in the `LawParams` union). Everything else — views, fitter,
 * planner, chart data, saved-law validation, the settings enum — goes through the functions here.
 */
import { chinchillaForm } from './chinchilla';
import { chinchillaTiedForm } from './chinchillaTied';
import { dataConstrainedForm } from './dataConstrained';
import { computeForm } from './compute';
import { kaplanForm } from './kaplan';
import type { Allocation, LawFormModule, LawInputs } from './types';

export * from './types';
export { chinchillaLoss, chinchillaOptimalAllocation, chinchillaOptimalTokensForParams } from './chinchilla';
export type { ChinchillaParams } from './chinchilla';
export type { ChinchillaTiedParams } from './chinchillaTied';
export {
  dataConstrainedLoss,
  dataConstrainedOptimum,
  effectiveParams,
  effectiveTokens,
} from './dataConstrained';
export type { DataConstrainedParams } from './dataConstrained';
export { kaplanLoss } from './kaplan';
export type { KaplanParams } from './kaplan';
export { computeLoss } from './compute';
export type { ComputeParams } from './compute';

/** Every registered form, in the order pickers and the settings enum list them. */
const FORMS = [chinchillaForm, kaplanForm, computeForm, chinchillaTiedForm, dataConstrainedForm] as const;

type ParamsOf<M> = M extends LawFormModule<infer P> ? P : never;

/** Coefficients of any registered form, tagged with its id (derived from the registry). */
export type LawParams = ParamsOf<(typeof FORMS)[number]>;

/** Id of a registered form. */
export type LawForm = LawParams['form'];

/** Every registered form, typed over the union of their coefficients. */
export const LAW_FORMS: readonly LawFormModule<LawParams>[] =
  FORMS as unknown as readonly LawFormModule<LawParams>[];

/** Ids of the registered forms. */
export const LAW_FORM_IDS: readonly LawForm[] = LAW_FORMS.map((form) => form.id);

/** The form with this id, or undefined. */
export function findLawForm(id: unknown): LawFormModule<LawParams> | undefined {
  return LAW_FORMS.find((form) => form.id === id);
}

/** The form of a law's coefficients (a programmer error if unregistered). */
export function formOf(law: { form: string }): LawFormModule<LawParams> {
  const form = findLawForm(law.form);
  if (!form) throw new Error(`unregistered law form ${law.form}`);
  return form;
}

/**
 * Loss of any law at (N, D); `params` must be in the law's own N convention. `inputs` reaches the
 * forms that model more than (N, D) (unique tokens for the data-constrained form).
 */
export function evaluateLaw(law: LawParams, params: number, tokens: number, inputs?: LawInputs): number {
  return formOf(law).evaluate(law, params, tokens, inputs);
}

/** Irreducible loss of a law (0 for Kaplan, which has no entropy term). */
export function irreducibleLoss(law: LawParams): number {
  return formOf(law).irreducible(law);
}

/** The compute-optimal (N, D) for a FLOP budget, or undefined when the form has none. */
export function optimalAllocation(law: LawParams, flops: number): Allocation | undefined {
  return formOf(law).optimalAllocation(law, flops);
}

/**
 * The compute-optimal D for a model of `params` parameters (the D at which N is the optimal size
 * of 6·N·D), or undefined when the form has none. Every view uses this one function.
 */
export function optimalTokensForParams(law: LawParams, params: number): number | undefined {
  return formOf(law).optimalTokensForParams(law, params);
}

/** The N that reaches `loss` after `tokens` tokens, or undefined. */
export function paramsForLossAndTokens(law: LawParams, loss: number, tokens: number): number | undefined {
  return formOf(law).paramsForLossAndTokens(law, loss, tokens);
}

/** A law's coefficients in its form's reported order. */
export function lawToCoefficients(law: LawParams): number[] {
  return formOf(law).toCoefficients(law);
}

/** A law from coefficients in its form's reported order (bootstrap draws, fitted vectors). */
export function lawFromCoefficientVector(
  form: LawFormModule<LawParams>,
  values: readonly number[],
): LawParams | undefined {
  const named: Record<string, number> = {};
  form.coefficientNames.forEach((name, k) => {
    if (typeof values[k] === 'number') named[name] = values[k]!;
  });
  return form.fromCoefficients(named);
}
