import { findLawForm, type LawForm } from '../laws/forms';
import { PUBLISHED_LAWS, type ScalingLaw } from '../laws/published';
import { quantileSorted } from '../laws/uncertainty';
import { FIT_DEFAULTS } from './defaults';
import type { FitReport } from './types';

/**
 * Is a fitted law identified by its data? A least-squares fit always returns *a* minimum; with few
 * model sizes the Chinchilla form has directions along which the loss barely changes (A and α trade
 * off, E absorbs the rest), and bootstrap refits then wander over orders of magnitude — e.g. a 3-size
 * subset of Epoch's Chinchilla points gives A in [3.8e3, 1.0e14]. Such a law still fits its own points
 * but its extrapolations and compute-optimal allocations are arbitrary, so it is flagged instead of
 * being shown like a good fit.
 *
 * The rule (stated in {@link IDENTIFIABILITY_RULE_TEXT}), per coefficient with a 95% bootstrap
 * interval [lo, hi] (coefficients fixed by borrowed exponents are skipped):
 * - an end is not finite → unbounded;
 * - a coefficient that must be positive has lo ≤ 0 → it reaches the positivity bound;
 * - the irreducible loss E has lo < 1e-3 → it reaches E → 0, the same floor at which the fit engine
 *   calls a point estimate degenerate (src/core/fit/fit.ts, addShapeWarnings);
 * - any other coefficient whose interval contains 0 → its sign is not determined;
 * - |hi| / |lo| > 10^2 → the interval spans more than 2 orders of magnitude.
 * Remedies are those of Choshen, Zhang & Andreas 2025 ("A Hitchhiker's Guide to Scaling Law
 * Estimation", §5–6): borrow exponents from a related law, fit fewer coefficients (the tied form),
 * and train more model sizes (they recommend at least 5).
 */

/** Thresholds of the rule; one place. */
export const IDENTIFIABILITY_RULE = {
  /** An interval wider than this many orders of magnitude (log10 hi/lo) is not identified. */
  maxOrdersOfMagnitude: 2,
  /** E below this is the E → 0 bound (as fit.ts's degenerate-E warning). */
  irreducibleFloor: 1e-3,
  /** Choshen et al. 2025: fit at least this many model sizes. */
  recommendedModelSizes: FIT_DEFAULTS.minModelSizes,
} as const;

export const IDENTIFIABILITY_RULE_TEXT =
  `A coefficient is not identified when its 95% bootstrap interval is unbounded, spans more than ` +
  `${IDENTIFIABILITY_RULE.maxOrdersOfMagnitude} orders of magnitude, reaches a parameterization bound ` +
  `(0 for a positive coefficient, E < ${IDENTIFIABILITY_RULE.irreducibleFloor}) or contains 0.`;

export type CoefficientProblemReason =
  'unbounded' | 'positivity-bound' | 'irreducible-floor' | 'sign' | 'span';

/** One coefficient the data does not pin down. */
export interface CoefficientProblem {
  coefficient: string;
  low: number;
  high: number;
  reason: CoefficientProblemReason;
  /** log10(|hi| / |lo|), when both ends are finite and non-zero. */
  orders?: number;
}

/** The verdict on a fit. `identifiable: null` = not assessed (no bootstrap intervals). */
export interface Identifiability {
  identifiable: boolean | null;
  problems: CoefficientProblem[];
  /** Names of the problem coefficients, in the form's order. */
  coefficients: string[];
  rule: string;
  /** Full warning (fit report, saved law); undefined when identifiable. */
  warning?: string;
  /** One short sentence for lenses and hovers; undefined when identifiable or not assessed. */
  caveat?: string;
  /** The Hitchhiker remedies that apply to this fit. */
  remedies: string[];
  /** Why it was not assessed, when `identifiable` is null. */
  notAssessed?: string;
}

export interface IdentifiabilityInput {
  form: LawForm | string;
  intervals?: Record<string, readonly [number, number]>;
  /** Borrowed (fixed) exponents: not fitted, so not judged. */
  fixedExponents?: Record<string, number>;
  /** Distinct model sizes the fit used (for the "more model sizes" remedy). */
  modelSizes?: number;
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const m = Math.abs(value);
  return m !== 0 && (m >= 1e5 || m < 1e-3) ? value.toExponential(2) : Number(value.toPrecision(4)).toString();
}

function judge(
  name: string,
  low: number,
  high: number,
  positive: boolean,
  irreducible: boolean,
): CoefficientProblem | undefined {
  if (!Number.isFinite(low) || !Number.isFinite(high))
    return { coefficient: name, low, high, reason: 'unbounded' };
  if (low === high) return undefined; // a fixed value: nothing was estimated
  if (positive && low <= 0) return { coefficient: name, low, high, reason: 'positivity-bound' };
  if (irreducible && low < IDENTIFIABILITY_RULE.irreducibleFloor)
    return { coefficient: name, low, high, reason: 'irreducible-floor', ...orders(low, high) };
  if (low <= 0 && high >= 0) return { coefficient: name, low, high, reason: 'sign' };
  const span = orders(low, high);
  if (span.orders !== undefined && span.orders > IDENTIFIABILITY_RULE.maxOrdersOfMagnitude)
    return { coefficient: name, low, high, reason: 'span', ...span };
  return undefined;
}

function orders(low: number, high: number): { orders?: number } {
  const a = Math.abs(low);
  const b = Math.abs(high);
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) return {};
  return { orders: Math.abs(Math.log10(b / a)) };
}

function describe(p: CoefficientProblem): string {
  const range = `${p.coefficient} in [${fmt(p.low)}, ${fmt(p.high)}]`;
  switch (p.reason) {
    case 'unbounded':
      return `${range} (unbounded)`;
    case 'positivity-bound':
      return `${range} (reaches 0)`;
    case 'irreducible-floor':
      return `${range} (reaches E → 0)`;
    case 'sign':
      return `${range} (sign not determined)`;
    case 'span':
      return `${range} (${p.orders!.toFixed(1)} orders of magnitude)`;
  }
}

/** The remedies of Choshen et al. 2025 that apply to a fit of `form`. */
function remediesFor(
  form: LawForm | string,
  fixed: boolean,
  modelSizes: number | undefined,
): { text: string; short: string }[] {
  const module = findLawForm(form);
  const out: { text: string; short: string }[] = [];
  if (module && module.exponentNames.length > 0 && !fixed) {
    const lender = PUBLISHED_LAWS.find((l) => l.law.form === module.id);
    out.push({
      text: `borrow the exponents from a published law${lender ? ` (\`--borrow-exponents ${lender.id}\`, setting scalingLens.fit.borrowExponentsFrom)` : ''}`,
      short: 'borrowed exponents',
    });
  }
  const fewer = module?.log.fewerCoefficientsForm;
  if (fewer && !fixed)
    out.push({
      text: `fit the tied-exponent form (\`--form ${fewer}\`, setting scalingLens.fit.form)`,
      short: 'the tied form',
    });
  const sizes = modelSizes !== undefined ? ` (this fit has ${modelSizes}` : ' (';
  out.push({
    text: `train more model sizes${sizes}${modelSizes !== undefined ? '; ' : ''}Choshen et al. 2025 recommend at least ${IDENTIFIABILITY_RULE.recommendedModelSizes})`,
    short: 'more model sizes',
  });
  return out;
}

/** Judge the 95% intervals of a fit. Pure; never throws. */
export function assessIdentifiability(input: IdentifiabilityInput): Identifiability {
  const module = findLawForm(input.form);
  const fixed = input.fixedExponents && Object.keys(input.fixedExponents).length > 0;
  const options = remediesFor(input.form, !!fixed, input.modelSizes);
  const remedies = options.map((r) => r.text);
  const shorts = options.map((r) => r.short);
  const base = { rule: IDENTIFIABILITY_RULE_TEXT, remedies };
  if (!input.intervals || Object.keys(input.intervals).length === 0)
    return {
      ...base,
      identifiable: null,
      problems: [],
      coefficients: [],
      notAssessed: 'no bootstrap intervals (fit with bootstrap refits to check identifiability)',
    };
  const names = module ? [...module.coefficientNames] : Object.keys(input.intervals);
  const irreducibleName = module?.log.hasIrreducibleTerm ? module.log.paramNames[0] : undefined;
  const problems: CoefficientProblem[] = [];
  for (const name of names) {
    const interval = input.intervals[name];
    if (!interval || input.fixedExponents?.[name] !== undefined) continue;
    const problem = judge(
      name,
      Number(interval[0]),
      Number(interval[1]),
      !!module?.positiveCoefficients.includes(name),
      name === irreducibleName,
    );
    if (problem) problems.push(problem);
  }
  if (problems.length === 0) return { ...base, identifiable: true, problems, coefficients: [] };
  const coefficients = problems.map((p) => p.coefficient);
  const list = problems.map(describe).join('; ');
  const warning =
    `Not identifiable: the 95% bootstrap intervals of ${list} — this data does not determine ` +
    `${coefficients.length === 1 ? 'this coefficient' : 'these coefficients'}, so predictions and ` +
    `compute-optimal allocations away from the fitted runs are unreliable. Remedies (Choshen, Zhang & ` +
    `Andreas 2025): ${remedies.join('; ')}. Rule: ${IDENTIFIABILITY_RULE_TEXT}`;
  const caveat =
    `not identifiable from its data (${coefficients.join(', ')} not determined): predictions and optima ` +
    `are unreliable; refit with ${shorts.length > 1 ? `${shorts.slice(0, -1).join(', ')} or ${shorts.at(-1)}` : shorts[0]}`;
  return { ...base, identifiable: false, problems, coefficients, warning, caveat };
}

/** The verdict on a fit report (failed fits: not assessed). */
export function fitIdentifiability(report: FitReport): Identifiability {
  if (!report.ok)
    return {
      identifiable: null,
      problems: [],
      coefficients: [],
      rule: IDENTIFIABILITY_RULE_TEXT,
      remedies: [],
      notAssessed: 'the fit failed',
    };
  return assessIdentifiability({
    form: report.form,
    intervals: report.intervals,
    fixedExponents: report.settings?.fixedExponents,
    modelSizes: report.modelSizes,
  });
}

/**
 * Add the verdict to a fit report in place: `identifiable` (true/false/null) and, when not
 * identifiable, the warning (once). The CLI and the editor call this on every finished fit.
 */
export function annotateIdentifiability(
  report: FitReport & { identifiable?: boolean | null },
): Identifiability {
  const verdict = fitIdentifiability(report);
  report.identifiable = verdict.identifiable;
  if (verdict.warning && !report.warnings.includes(verdict.warning)) report.warnings.push(verdict.warning);
  return verdict;
}

/** 2.5–97.5 percentile intervals from coefficient draws (rows in `names` order); undefined if < 2 draws. */
export function intervalsFromDraws(
  names: readonly string[],
  draws: readonly (readonly number[])[] | undefined,
): Record<string, [number, number]> | undefined {
  const rows = (draws ?? []).filter((d) => d.length === names.length);
  if (rows.length < 2) return undefined;
  return Object.fromEntries(
    names.map((name, k) => {
      const sorted = rows.map((d) => d[k]).sort((a, b) => a - b);
      return [name, [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)] as [number, number]];
    }),
  );
}

/**
 * The caveat a lens, hover or plan should show next to numbers from `law`, or undefined when there is
 * none. Judged from the law's bootstrap draws (the same draws its intervals come from), so it works for
 * any ScalingLaw, including fitted laws loaded from `.vscode/scaling-lens/*.law.json`. Coefficients
 * whose draws are all equal (borrowed exponents) are skipped by the rule.
 */
export function lawCaveat(law: Pick<ScalingLaw, 'label' | 'law' | 'bootstrapDraws'>): string | undefined {
  const module = findLawForm(law.law.form);
  if (!module) return undefined;
  const intervals = intervalsFromDraws(module.coefficientNames, law.bootstrapDraws);
  if (!intervals) return undefined;
  const verdict = assessIdentifiability({ form: module.id, intervals });
  return verdict.caveat ? `${law.label}: ${verdict.caveat}.` : undefined;
}
