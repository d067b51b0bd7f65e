import { findLawForm, LAW_FORM_IDS, type LawForm, type LawParams } from '../laws/forms';
import type { FitRegion, ScalingLaw } from '../laws/published';
import { assessIdentifiability, fitIdentifiability, IDENTIFIABILITY_RULE_TEXT } from './identifiability';
import type { FitReport, HeldOutError } from './types';

/**
 * A fitted law saved in the workspace: human-readable JSON that can be reviewed in a diff and loaded
 * back as a {@link ScalingLaw} (with `fittedFrom`) next to the published ones.
 */

/** Format marker and version, so future changes can migrate old files. */
export const SAVED_LAW_FORMAT = 'scaling-lens/fitted-law';
export const SAVED_LAW_VERSION = 1;
/** Bootstrap draws kept in a file (enough for 2.5/97.5 percentiles; keeps files small). */
export const MAX_SAVED_DRAWS = 500;

/** The saved-law file. Coefficients are by the form's names (chinchilla: E, A, B, alpha, beta). */
export interface SavedLaw {
  format: typeof SAVED_LAW_FORMAT;
  version: typeof SAVED_LAW_VERSION;
  name: string;
  form: LawForm;
  params: Record<string, number>;
  /** 95% bootstrap intervals per coefficient. */
  intervals?: Record<string, [number, number]>;
  /** Bootstrap draws in the form's coefficient order, at most {@link MAX_SAVED_DRAWS}. */
  bootstrapDraws?: number[][];
  fit: {
    delta: number;
    objective: number;
    points: number;
    models: number;
    modelSizes: number;
    minTokens: number;
    useIntermediateCheckpoints: boolean;
    fixedExponents?: Record<string, number>;
    fixedExponentsSource?: string;
    bootstrap: number;
    seed: number;
  };
  /** Path of the data the law was fitted on (as the user gave it). */
  dataSource: string;
  /** ISO 8601 date of the fit. */
  date: string;
  heldOut?: HeldOutError;
  region?: FitRegion;
  /**
   * Whether the bootstrap intervals determine the coefficients (src/core/fit/identifiability.ts):
   * `identifiable: null` = not assessed (no bootstrap). On load the verdict is recomputed from
   * `intervals` too, and a law is flagged when either says so (a hand-edited `true` cannot hide it).
   */
  identifiability?: SavedIdentifiability;
  warnings: string[];
}

/** The identifiability verdict as saved. */
export interface SavedIdentifiability {
  identifiable: boolean | null;
  /** Coefficients that are not determined. */
  coefficients: string[];
  rule: string;
  /** Short text for lenses and hovers. */
  caveat?: string;
}

/** Build a saved law from a successful fit. */
export function savedLawFromFit(
  report: FitReport,
  meta: { name: string; dataSource: string; date: string },
): SavedLaw {
  const saved: SavedLaw = {
    format: SAVED_LAW_FORMAT,
    version: SAVED_LAW_VERSION,
    name: meta.name,
    form: report.form,
    params: { ...report.params },
    fit: {
      delta: report.delta,
      objective: report.objective,
      points: report.points,
      models: report.models,
      modelSizes: report.modelSizes,
      minTokens: report.settings.minTokens,
      useIntermediateCheckpoints: report.settings.useIntermediateCheckpoints,
      bootstrap: report.settings.bootstrap,
      seed: report.settings.seed,
      ...(report.settings.fixedExponents ? { fixedExponents: report.settings.fixedExponents } : {}),
      ...(report.settings.fixedExponentsSource
        ? { fixedExponentsSource: report.settings.fixedExponentsSource }
        : {}),
    },
    dataSource: meta.dataSource,
    date: meta.date,
    warnings: [...report.warnings],
  };
  const verdict = fitIdentifiability(report);
  saved.identifiability = {
    identifiable: verdict.identifiable,
    coefficients: verdict.coefficients,
    rule: verdict.rule,
    ...(verdict.caveat ? { caveat: verdict.caveat } : {}),
  };
  if (verdict.warning && !saved.warnings.includes(verdict.warning)) saved.warnings.push(verdict.warning);
  if (report.intervals) saved.intervals = report.intervals;
  if (report.draws?.length) saved.bootstrapDraws = report.draws.slice(0, MAX_SAVED_DRAWS);
  if (report.heldOut) saved.heldOut = report.heldOut;
  if (report.region) saved.region = report.region;
  return saved;
}

/** Pretty JSON with number arrays (draws, intervals) kept on one line each. */
export function serializeSavedLaw(law: SavedLaw): string {
  const capped =
    law.bootstrapDraws && law.bootstrapDraws.length > MAX_SAVED_DRAWS
      ? { ...law, bootstrapDraws: law.bootstrapDraws.slice(0, MAX_SAVED_DRAWS) }
      : law;
  return (
    JSON.stringify(capped, null, 2).replace(
      /\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]/g,
      (_, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`,
    ) + '\n'
  );
}

/** Result of parsing a saved law: errors are values. */
export type ParsedSavedLaw = { ok: true; law: SavedLaw } | { ok: false; errors: string[] };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Parse and validate a saved-law file. Never throws. */
export function parseSavedLaw(text: string): ParsedSavedLaw {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`Not valid JSON: ${(error as Error).message}`] };
  }
  const errors: string[] = [];
  if (!isRecord(value)) return { ok: false, errors: ['A saved law must be a JSON object.'] };
  if (value.format !== SAVED_LAW_FORMAT) errors.push(`"format" must be "${SAVED_LAW_FORMAT}".`);
  if (value.version !== SAVED_LAW_VERSION)
    errors.push(`Unsupported "version" ${JSON.stringify(value.version)} (expected ${SAVED_LAW_VERSION}).`);
  if (typeof value.name !== 'string' || value.name.trim() === '')
    errors.push('"name" must be a non-empty string.');
  const lawForm = findLawForm(value.form);
  if (!lawForm) {
    errors.push(`"form" must be one of ${LAW_FORM_IDS.join(', ')}.`);
    return { ok: false, errors };
  }
  const names = lawForm.coefficientNames;
  if (!isRecord(value.params)) errors.push('"params" must be an object.');
  else {
    for (const name of names) {
      const v = value.params[name];
      if (!isFiniteNumber(v)) errors.push(`params.${name} must be a finite number.`);
      else if (lawForm.positiveCoefficients.includes(name) && !(v > 0))
        errors.push(`params.${name} must be positive.`);
    }
  }
  if (value.intervals !== undefined) {
    if (!isRecord(value.intervals)) errors.push('"intervals" must be an object.');
    else
      for (const [name, interval] of Object.entries(value.intervals)) {
        if (!Array.isArray(interval) || interval.length !== 2 || !interval.every(isFiniteNumber))
          errors.push(`intervals.${name} must be [low, high].`);
      }
  }
  if (value.bootstrapDraws !== undefined) {
    if (!Array.isArray(value.bootstrapDraws)) errors.push('"bootstrapDraws" must be an array.');
    else if (value.bootstrapDraws.length > MAX_SAVED_DRAWS)
      errors.push(`"bootstrapDraws" has ${value.bootstrapDraws.length} draws; at most ${MAX_SAVED_DRAWS}.`);
    else {
      const bad = value.bootstrapDraws.findIndex(
        (d) => !Array.isArray(d) || d.length !== names.length || !d.every(isFiniteNumber),
      );
      if (bad >= 0)
        errors.push(`bootstrapDraws[${bad}] must be ${names.length} finite numbers (${names.join(', ')}).`);
    }
  }
  if (!isRecord(value.fit)) errors.push('"fit" (fit settings) must be an object.');
  if (typeof value.dataSource !== 'string') errors.push('"dataSource" must be a string.');
  if (typeof value.date !== 'string' || Number.isNaN(Date.parse(value.date)))
    errors.push('"date" must be an ISO date string.');
  if (
    value.warnings !== undefined &&
    (!Array.isArray(value.warnings) || !value.warnings.every((w) => typeof w === 'string'))
  ) {
    errors.push('"warnings" must be a list of strings.');
  }
  if (value.region !== undefined) {
    const r = value.region;
    if (
      !isRecord(r) ||
      !['paramsMin', 'paramsMax', 'tokensMin', 'tokensMax'].every((k) => isFiniteNumber(r[k]))
    )
      errors.push('"region" must have paramsMin, paramsMax, tokensMin, tokensMax.');
  }
  if (value.identifiability !== undefined) {
    const v = value.identifiability;
    if (
      !isRecord(v) ||
      !(v.identifiable === null || typeof v.identifiable === 'boolean') ||
      !Array.isArray(v.coefficients) ||
      !v.coefficients.every((c) => typeof c === 'string') ||
      (v.caveat !== undefined && typeof v.caveat !== 'string')
    )
      errors.push(
        '"identifiability" must be { identifiable: true|false|null, coefficients: [names], rule, caveat? }.',
      );
  }
  if (errors.length) return { ok: false, errors };
  const law: SavedLaw = {
    ...(value as unknown as SavedLaw),
    warnings: (value.warnings as string[] | undefined) ?? [],
  };
  law.identifiability = mergedIdentifiability(law);
  return { ok: true, law };
}

/**
 * The stored verdict combined with one recomputed from the saved intervals: not identifiable when
 * either says so (older files without the field get a verdict too).
 */
function mergedIdentifiability(law: SavedLaw): SavedIdentifiability {
  const stored = law.identifiability;
  const computed = assessIdentifiability({
    form: law.form,
    intervals: law.intervals,
    fixedExponents: law.fit.fixedExponents,
    modelSizes: law.fit.modelSizes,
  });
  if (computed.identifiable === false)
    return {
      identifiable: false,
      coefficients: [
        ...new Set([
          ...(stored?.identifiable === false ? stored.coefficients : []),
          ...computed.coefficients,
        ]),
      ],
      rule: computed.rule,
      caveat: computed.caveat,
    };
  if (stored) return { ...stored, rule: stored.rule || IDENTIFIABILITY_RULE_TEXT };
  return { identifiable: computed.identifiable, coefficients: [], rule: computed.rule };
}

/** The caveat lenses should show next to numbers from a saved law, or undefined. */
export function savedLawCaveat(saved: SavedLaw): string | undefined {
  const verdict = saved.identifiability ?? mergedIdentifiability(saved);
  if (verdict.identifiable !== false) return undefined;
  return `${saved.name} (fitted): ${
    verdict.caveat ??
    `not identifiable from its data (${verdict.coefficients.join(', ') || 'coefficients'} not determined): predictions and optima are unreliable`
  }.`;
}

/** The law's coefficients as {@link LawParams}. */
export function savedLawParams(saved: SavedLaw): LawParams {
  // parseSavedLaw checked every coefficient of the form is a finite number.
  return findLawForm(saved.form)!.fromCoefficients(saved.params)!;
}

/** A saved law as a selectable {@link ScalingLaw}; `filePath` is where it was loaded from. */
export function savedLawToScalingLaw(saved: SavedLaw, filePath?: string): ScalingLaw {
  const slug =
    saved.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'law';
  const law: ScalingLaw = {
    id: `fitted:${slug}`,
    label: `${saved.name} (fitted)`,
    citation: `Fitted by Scaling Lens on ${saved.dataSource} (${saved.date.slice(0, 10)}): ${saved.fit.points} points from ${saved.fit.models} models, Huber δ=${saved.fit.delta} in log space.`,
    law: savedLawParams(saved),
    paramConvention: 'total',
    lossNote: `loss of the runs in ${saved.dataSource}`,
    fittedFrom: filePath ?? saved.dataSource,
  };
  if (saved.region) law.fitRegion = saved.region;
  const width = findLawForm(saved.form)!.coefficientNames.length;
  const draws = (saved.bootstrapDraws ?? []).filter((d) => d.length === width);
  if (draws.length) {
    law.bootstrapDraws = draws.map((d) => [...d]);
    law.uncertaintyNote = `${draws.length} bootstrap refits over models (seed ${saved.fit.seed}).`;
  }
  const caveat = savedLawCaveat(saved);
  // The note travels with the law into every view that shows its uncertainty.
  if (caveat)
    law.uncertaintyNote = `${law.uncertaintyNote ? law.uncertaintyNote + ' ' : ''}Caveat: ${caveat}`;
  return law;
}
