/**
 * Downstream fits saved as JSON (`scaling-lens fit --target accuracy:COL --save FILE`) and read back
 * (`scaling-lens analyze --downstream-law FILE`): the loss law of step 1 (any registered form) and the
 * accuracy link of step 2, with what they were fitted on. Validation returns messages, never throws.
 */
import { evaluateLaw, findLawForm, type LawParams } from '../laws/forms';
import { accuracyAtLoss, ACCURACY_LAW_FORMS, type AccuracyLaw, type AccuracyLawForm } from './accuracy';
import { accuracyInterval, ACCURACY_PARAM_NAMES, bootstrapLaws, type DownstreamBootstrap } from './bootstrap';
import type { DownstreamReport } from './fitDownstream';

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
  /** Points and model sizes step 2 was fitted on, and its RMSE (fraction). */
  fit?: { points: number; modelSizes: number; trainRmse: number; minTokens?: number };
  /** Bootstrap over runs refitting both steps (src/core/downstream/bootstrap.ts): the interval. */
  bootstrap?: DownstreamBootstrap;
  dataSource: string;
  date: string;
}

const ACCURACY_PARAMS = ACCURACY_PARAM_NAMES;

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
  if (v.bootstrap !== undefined)
    errors.push(...bootstrapProblems(v.bootstrap, v.lossLaw?.form, accuracyForm));
  if (errors.length) return { ok: false, errors };
  const law = v as SavedDownstreamLaw;
  return { ok: true, law, lossLaw: lossLaw!, accuracyLaw: accuracyLawOf(law.accuracyLaw)! };
}

/** What is wrong with a saved bootstrap (shape, forms, finite draws), as messages. */
function bootstrapProblems(value: unknown, lossForm: unknown, accuracyForm: unknown): string[] {
  const b = value as Partial<DownstreamBootstrap> | null;
  if (!b || typeof b !== 'object') return ['"bootstrap" must be an object.'];
  if (b.lossForm !== lossForm || b.accuracyForm !== accuracyForm)
    return ['"bootstrap" must be of the same loss and accuracy forms as the law.'];
  const lossWidth = findLawForm(lossForm)?.coefficientNames.length;
  const accuracyWidth = ACCURACY_PARAMS[accuracyForm as AccuracyLawForm]?.length;
  const vectors = (draws: unknown, width: number | undefined) =>
    Array.isArray(draws) &&
    draws.every(
      (d) =>
        Array.isArray(d) && d.length === width && d.every((x) => typeof x === 'number' && Number.isFinite(x)),
    );
  if (!vectors(b.lossDraws, lossWidth) || !vectors(b.accuracyDraws, accuracyWidth))
    return ['"bootstrap" draws must be finite coefficient vectors of the law\'s forms.'];
  if (b.lossDraws!.length !== b.accuracyDraws!.length)
    return ['"bootstrap" must have as many loss draws as accuracy draws.'];
  return [];
}

/** A parsed saved downstream law (what {@link parseDownstreamLaw} returns when it is valid). */
export type LoadedDownstreamLaw = Extract<ReturnType<typeof parseDownstreamLaw>, { ok: true }>;

/** How far (N, D) lie outside the fitted region: the largest factor on either axis (1 = inside). */
export interface RegionDistance {
  factor: number;
  /** Which axis is farthest out, and in which direction. */
  axis: 'N' | 'D';
  direction: 'above' | 'below' | 'inside';
}

/** Predictions farther than this factor outside the fitted (N, D) region are marked extrapolated. */
export const EXTRAPOLATION_FACTOR = 10;

/** The distance of (N, D) from a fitted region (factor ≥ 1 on the farthest axis). */
export function regionDistance(
  region: NonNullable<SavedDownstreamLaw['region']>,
  params: number,
  tokens: number,
): RegionDistance {
  const outside = (value: number, lo: number, hi: number) =>
    value > hi
      ? { factor: value / hi, direction: 'above' as const }
      : value < lo
        ? { factor: lo / value, direction: 'below' as const }
        : { factor: 1, direction: 'inside' as const };
  const n = outside(params, region.paramsMin, region.paramsMax);
  const d = outside(tokens, region.tokensMin, region.tokensMax);
  return n.factor >= d.factor ? { ...n, axis: 'N' } : { ...d, axis: 'D' };
}

/** A downstream prediction: the accuracy (fraction), its bootstrap interval, and where it lies. */
export interface DownstreamPrediction {
  target: string;
  accuracy: number;
  loss: number;
  /** 95% bootstrap interval of the fit (absent without a saved bootstrap). */
  low?: number;
  high?: number;
  /** Usable bootstrap draws behind the interval. */
  draws?: number;
  /** Distance from the fitted region (absent when the file has none). */
  region?: RegionDistance;
  /** True when (N, D) are more than EXTRAPOLATION_FACTOR× outside the fitted region. */
  extrapolated: boolean;
  warnings: string[];
}

/** The typed bootstrap draws of a loaded law, computed once per loaded law. */
const drawCache = new WeakMap<object, ReturnType<typeof bootstrapLaws>>();
function drawsOf(saved: { law: SavedDownstreamLaw }): ReturnType<typeof bootstrapLaws> {
  let draws = drawCache.get(saved.law);
  if (!draws) {
    draws = saved.law.bootstrap ? bootstrapLaws(saved.law.bootstrap) : [];
    drawCache.set(saved.law, draws);
  }
  return draws;
}

/** Predicted accuracy of a config under a saved downstream law, with its interval and extrapolation warnings. */
export function predictDownstream(
  saved: { law: SavedDownstreamLaw; lossLaw: LawParams; accuracyLaw: AccuracyLaw },
  params: number,
  tokens: number,
): DownstreamPrediction | undefined {
  if (!(params > 0) || !(tokens > 0)) return undefined;
  const loss = evaluateLaw(saved.lossLaw, params, tokens);
  const accuracy = accuracyAtLoss(saved.accuracyLaw, loss);
  if (!Number.isFinite(loss) || !Number.isFinite(accuracy)) return undefined;
  const warnings: string[] = [];
  const region = saved.law.region ? regionDistance(saved.law.region, params, tokens) : undefined;
  const extrapolated = region !== undefined && region.factor > EXTRAPOLATION_FACTOR;
  if (extrapolated) {
    const r = saved.law.region!;
    warnings.push(
      `Extrapolation: the downstream law was fitted on N ${r.paramsMin.toExponential(1)}–${r.paramsMax.toExponential(1)}, D ${r.tokensMin.toExponential(1)}–${r.tokensMax.toExponential(1)}; this ${region.axis} is ${formatFactor(region.factor)} ${region.direction} that range.`,
    );
  }
  if (accuracy < 0 || accuracy > 1)
    warnings.push(
      `The fitted curve leaves [0, 1] here (${accuracy.toFixed(3)}): outside what the law can say.`,
    );
  const interval = accuracyInterval(drawsOf(saved), params, tokens);
  return {
    target: saved.law.target,
    accuracy,
    loss,
    ...(interval ? { low: interval.low, high: interval.high, draws: interval.draws } : {}),
    ...(region ? { region } : {}),
    extrapolated,
    warnings,
  };
}

/** `12×`, `3.4×`, `1,200×`. */
export function formatFactor(factor: number): string {
  return factor >= 100
    ? `${Math.round(factor).toLocaleString('en-US')}×`
    : `${Number(factor.toPrecision(2))}×`;
}

/** The saved form of a successful downstream fit (the CLI's `--save` and the editor's fit). */
export function savedDownstreamFromReport(
  report: DownstreamReport,
  meta: { name: string; dataSource: string; date: string; minTokens?: number },
): SavedDownstreamLaw | undefined {
  if (!report.ok || !report.lossLaw || !report.accuracyLaw) return undefined;
  return {
    format: DOWNSTREAM_LAW_FORMAT,
    version: 1,
    name: meta.name,
    target: report.target,
    lossLaw: report.lossLaw,
    accuracyLaw: report.accuracyLaw,
    ...(report.region ? { region: report.region } : {}),
    ...(report.heldOut ? { heldOut: { model: report.heldOut.model, mae: report.heldOut.mae } } : {}),
    fit: {
      points: report.points,
      modelSizes: report.modelSizes,
      trainRmse: report.trainRmse ?? 0,
      ...(meta.minTokens !== undefined ? { minTokens: meta.minTokens } : {}),
    },
    ...(report.bootstrap && report.bootstrap.lossDraws.length ? { bootstrap: report.bootstrap } : {}),
    dataSource: meta.dataSource,
    date: meta.date,
  };
}

/** JSON text of a saved downstream law: indented, with each coefficient vector of the bootstrap on one line. */
export function serializeDownstreamLaw(saved: SavedDownstreamLaw): string {
  const text = JSON.stringify(saved, null, 2);
  // Arrays of numbers only (a draw) collapse to one line; 200 draws stay 200 lines, not 2,000.
  return (
    text.replace(
      /\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]/g,
      (_, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`,
    ) + '\n'
  );
}
