import { findLawForm, LAW_FORMS, lawToCoefficients, type LawForm, type LawParams } from '../laws/forms';
import type { LogSpaceForm } from '../laws/forms';

/**
 * The fitting engine's view of the law forms: each form module (src/core/laws/forms/<id>.ts) carries
 * its log-space residual, analytic Jacobian, starting grids and variable projection as `log`; this
 * module only looks them up.
 */
export type { FitDesign, LogSpaceForm } from '../laws/forms';

function logFormOf(id: LawForm): LogSpaceForm {
  return LAW_FORMS.find((form) => form.id === id)!.log;
}

export const CHINCHILLA_LOG_FORM: LogSpaceForm = logFormOf('chinchilla');
export const KAPLAN_LOG_FORM: LogSpaceForm = logFormOf('kaplan');
export const COMPUTE_LOG_FORM: LogSpaceForm = logFormOf('compute');

/** The log-space form for a law form id. */
export function logSpaceForm(form: LawForm): LogSpaceForm {
  const found = findLawForm(form);
  if (!found) throw new Error(`unregistered law form ${form}`);
  return found.log;
}

/** Reported coefficients of a law, in the form's `paramNames` order. */
export function lawToParams(law: LawParams): number[] {
  return lawToCoefficients(law);
}
