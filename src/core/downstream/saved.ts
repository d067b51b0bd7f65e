/**
 * Downstream fits saved as JSON (`scaling-lens fit --target accuracy:COL --save FILE`) and read back
 * (`scaling-lens analyze --downstream-law FILE`): the loss law of step 1 (any registered form) and the
 * accuracy link of step 2, with what they were fitted on. Validation returns messages, never throws.
 */
import { evaluateLaw, findLawForm, type LawParams } from '../laws/forms';
import { accuracyAtLoss, ACCURACY_LAW_FORMS, type AccuracyLaw, type AccuracyLawForm } from './accuracy';

export const DOWNSTREAM_LAW_FORMAT = 'scaling-lens/downstream-law';

export interface SavedDownstreamLaw {
  format: typeof DOWNSTREAM_LAW_FORMAT;
  version: 1;
  name: string;
  /** The benchmark column (accuracy as a fraction). */
  target: string;
  lossLaw: { form: string; params: Record<string, number> };
  accuracyLaw: { form: AccuracyLawForm; params: Record<string, number> };
  /** (N, D) range of the fitted runs; predictions far outside are flagged. */
  region?: { paramsMin: number; paramsMax: number; tokensMin: number; tokensMax: number };
  heldOut?: { model: string; mae: number };
  dataSource: string;
  date: string;
}

const ACCURACY_PARAMS: Record<AccuracyLawForm, readonly string[]> = {
  gadre2024: ['epsilon', 'k', 'gamma'],
  bhagia2024: ['a', 'b', 'k', 'L0'],
};

/** The typed accuracy law of a saved file, or undefined. */
export function accuracyLawOf(saved: SavedDownstreamLaw['accuracyLaw']): AccuracyLaw | undefined {
  const p = saved.params;
  if (saved.form === 'gadre2024') return { form: 'gadre2024', epsilon: p.epsilon!, k: p.k!, gamma: p.gamma! };
  if (saved.form === 'bhagia2024') return { form: 'bhagia2024', a: p.a!, b: p.b!, k: p.k!, L0: p.L0! };
  return undefined;
}

export function parseDownstreamLaw(
  text: string,
):
  | { ok: true; law: SavedDownstreamLaw; lossLaw: LawParams; accuracyLaw: AccuracyLaw }
  | { ok: false; errors: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`Not valid JSON: ${(error as Error).message}`] };
  }
  const errors: string[] = [];
  const v = value as Partial<SavedDownstreamLaw> | null;
  if (!v || typeof v !== 'object') return { ok: false, errors: ['A downstream law must be a JSON object.'] };
  if (v.format !== DOWNSTREAM_LAW_FORMAT) errors.push(`"format" must be "${DOWNSTREAM_LAW_FORMAT}".`);
  if (typeof v.target !== 'string' || !v.target) errors.push('"target" must name the benchmark column.');
  const form = v.lossLaw && findLawForm(v.lossLaw.form);
  const lossLaw = form && v.lossLaw?.params ? form.fromCoefficients(v.lossLaw.params) : undefined;
  if (!lossLaw) errors.push('"lossLaw" must be a registered form with all its coefficients.');
  else if (!form!.toCoefficients(lossLaw).every(Number.isFinite))
    errors.push('"lossLaw" coefficients must be finite.');
  const accuracyForm = v.accuracyLaw?.form;
  if (!accuracyForm || !ACCURACY_LAW_FORMS.includes(accuracyForm)) {
    errors.push(`"accuracyLaw.form" must be one of ${ACCURACY_LAW_FORMS.join(', ')}.`);
  } else {
    const params = v.accuracyLaw!.params ?? {};
    for (const name of ACCURACY_PARAMS[accuracyForm])
      if (typeof params[name] !== 'number' || !Number.isFinite(params[name]))
        errors.push(`"accuracyLaw.params.${name}" must be a finite number.`);
  }
  if (errors.length) return { ok: false, errors };
  const law = v as SavedDownstreamLaw;
  return { ok: true, law, lossLaw: lossLaw!, accuracyLaw: accuracyLawOf(law.accuracyLaw)! };
}

/** Predicted accuracy of a config under a saved downstream law, with extrapolation warnings. */
export function predictDownstream(
  saved: { law: SavedDownstreamLaw; lossLaw: LawParams; accuracyLaw: AccuracyLaw },
  params: number,
  tokens: number,
): { target: string; accuracy: number; loss: number; warnings: string[] } | undefined {
  const loss = evaluateLaw(saved.lossLaw, params, tokens);
  const accuracy = accuracyAtLoss(saved.accuracyLaw, loss);
  if (!Number.isFinite(loss) || !Number.isFinite(accuracy)) return undefined;
  const warnings: string[] = [];
  const region = saved.law.region;
  if (
    region &&
    (params > 10 * region.paramsMax ||
      params < region.paramsMin / 10 ||
      tokens > 10 * region.tokensMax ||
      tokens < region.tokensMin / 10)
  )
    warnings.push(
      `Extrapolation: the downstream law was fitted on N ${region.paramsMin.toExponential(1)}–${region.paramsMax.toExponential(1)}, D ${region.tokensMin.toExponential(1)}–${region.tokensMax.toExponential(1)}.`,
    );
  if (accuracy < 0 || accuracy > 1)
    warnings.push(
      `The fitted curve leaves [0, 1] here (${accuracy.toFixed(3)}): outside what the law can say.`,
    );
  return { target: saved.law.target, accuracy, loss, warnings };
}
