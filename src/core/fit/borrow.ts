import { formOf, type LawForm } from '../laws/forms';
import { findPublishedLaw, PUBLISHED_LAWS } from '../laws/published';

/**
 * Exponents borrowed from a published law, to fit only the remaining coefficients (Choshen, Zhang &
 * Andreas 2025: with scarce data, exponents from a similar family beat fitting them). Names are the
 * fit report's (`alpha`, `beta`; Kaplan `alphaN`, `alphaD`).
 */
export function borrowExponentsFromLaw(
  lawId: string,
  form: LawForm,
): { values: Record<string, number>; source: string } | { error: string } {
  const law = findPublishedLaw(lawId);
  if (!law)
    return { error: `unknown law "${lawId}" (known: ${PUBLISHED_LAWS.map((l) => l.id).join(', ')}).` };
  if (law.law.form !== form) return { error: `${law.id} is a ${law.law.form} law, not ${form}.` };
  const lawForm = formOf(law.law);
  const coefficients = lawForm.toCoefficients(law.law);
  const values: Record<string, number> = Object.fromEntries(
    lawForm.exponentNames.map((name) => [name, coefficients[lawForm.coefficientNames.indexOf(name)]!]),
  );
  return { values, source: law.label };
}
