/**
 * Downstream accuracy from loss (issue 14, part 2). Two published links, fitted on the user's own
 * eval columns:
 *
 * - Gadre et al. 2024, "Language models scale reliably with over-training and on downstream tasks"
 *   (arXiv:2403.08540), §3 downstream law: top-1 error Err(L) = ε − k·exp(−γ·L) of the loss L (their 17-task
 *   average; here any benchmark column). Accuracy = 1 − Err.
 * - Bhagia et al. 2024, "Establishing Task Scaling Laws via Compute-Efficient Model Ladders"
 *   (arXiv:2412.04403), step 2: Acc(L) = a / (1 + e^(−k·(L − L₀))) + b, a sigmoid of the task loss,
 *   after step 1 predicts that loss from (N, D) with the Chinchilla form.
 *
 * Both are fitted by variable projection: for fixed nonlinear parameters (γ; k, L₀) the law is
 * linear in the rest, solved exactly; the nonlinear ones are scanned on a grid and refined by golden
 * section. Accuracies are fractions in [0, 1].
 */
import { minimizeBounded } from '../math/solve';

export type AccuracyLawForm = 'gadre2024' | 'bhagia2024';

export interface GadreAccuracyLaw {
  form: 'gadre2024';
  /** Error as L → ∞ (chance level). */
  epsilon: number;
  k: number;
  gamma: number;
}

export interface BhagiaAccuracyLaw {
  form: 'bhagia2024';
  a: number;
  b: number;
  /** Negative when accuracy falls as loss rises (the usual case). */
  k: number;
  L0: number;
}

export type AccuracyLaw = GadreAccuracyLaw | BhagiaAccuracyLaw;

export const ACCURACY_LAW_FORMS: readonly AccuracyLawForm[] = ['bhagia2024', 'gadre2024'];

/** Predicted accuracy (fraction) at loss L. */
export function accuracyAtLoss(law: AccuracyLaw, loss: number): number {
  if (law.form === 'gadre2024') return 1 - (law.epsilon - law.k * Math.exp(-law.gamma * loss));
  return law.a / (1 + Math.exp(-law.k * (loss - law.L0))) + law.b;
}

/** The coefficients of an accuracy law by name (for JSON). */
export function accuracyLawParams(law: AccuracyLaw): Record<string, number> {
  return law.form === 'gadre2024'
    ? { epsilon: law.epsilon, k: law.k, gamma: law.gamma }
    : { a: law.a, b: law.b, k: law.k, L0: law.L0 };
}

/** One (loss, accuracy) observation. */
export interface LossAccuracyPoint {
  loss: number;
  accuracy: number;
}

/** Least squares y ≈ c0·u + c1·v; undefined when singular. */
function solve2(u: Float64Array, v: Float64Array, y: Float64Array): [number, number, number] | undefined {
  let uu = 0;
  let uv = 0;
  let vv = 0;
  let uy = 0;
  let vy = 0;
  for (let i = 0; i < y.length; i++) {
    uu += u[i]! * u[i]!;
    uv += u[i]! * v[i]!;
    vv += v[i]! * v[i]!;
    uy += u[i]! * y[i]!;
    vy += v[i]! * y[i]!;
  }
  const det = uu * vv - uv * uv;
  if (!(Math.abs(det) > 1e-300 * Math.max(1, uu * vv))) return undefined;
  const c0 = (uy * vv - vy * uv) / det;
  const c1 = (vy * uu - uy * uv) / det;
  let sse = 0;
  for (let i = 0; i < y.length; i++) sse += (y[i]! - c0 * u[i]! - c1 * v[i]!) ** 2;
  return [c0, c1, sse];
}

/** Gadre et al. 2024: Err = ε − k·e^(−γL), k > 0, γ > 0; ε and k exact for each γ. */
function fitGadre(points: readonly LossAccuracyPoint[]): GadreAccuracyLaw | undefined {
  const n = points.length;
  const ones = new Float64Array(n).fill(1);
  const err = Float64Array.from(points, (p) => 1 - p.accuracy);
  const decay = new Float64Array(n);
  const at = (logGamma: number) => {
    const gamma = Math.exp(logGamma);
    for (let i = 0; i < n; i++) decay[i] = -Math.exp(-gamma * points[i]!.loss);
    const solved = solve2(ones, decay, err);
    if (!solved || !(solved[1] > 0)) return { sse: Number.POSITIVE_INFINITY, law: undefined };
    return { sse: solved[2], law: { form: 'gadre2024' as const, epsilon: solved[0], k: solved[1], gamma } };
  };
  const logGamma = minimizeBounded((x) => at(x).sse, Math.log(1e-3), Math.log(50), { gridPoints: 400 });
  return logGamma === undefined ? undefined : at(logGamma).law;
}

/**
 * Bhagia et al. 2024: Acc = a·σ(k(L − L₀)) + b; a and b exact for each (k, L₀). With `start` (a
 * bootstrap refit near the main fit) the grid scan is skipped and only the local refinement runs.
 */
function fitBhagia(
  points: readonly LossAccuracyPoint[],
  start?: BhagiaAccuracyLaw,
): BhagiaAccuracyLaw | undefined {
  const n = points.length;
  const ones = new Float64Array(n).fill(1);
  const acc = Float64Array.from(points, (p) => p.accuracy);
  const sigma = new Float64Array(n);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    lo = Math.min(lo, p.loss);
    hi = Math.max(hi, p.loss);
  }
  const span = Math.max(hi - lo, 1e-6);
  const at = (k: number, L0: number) => {
    for (let i = 0; i < n; i++) sigma[i] = 1 / (1 + Math.exp(-k * (points[i]!.loss - L0)));
    const solved = solve2(sigma, ones, acc);
    if (!solved || !Number.isFinite(solved[2])) return { sse: Number.POSITIVE_INFINITY, law: undefined };
    return { sse: solved[2], law: { form: 'bhagia2024' as const, a: solved[0], b: solved[1], k, L0 } };
  };
  // k in units of 1/span, either sign; L₀ from well below to well above the observed losses.
  const ks: number[] = [];
  for (let j = -40; j <= 40; j++) if (j !== 0) ks.push((Math.sign(j) * Math.exp(Math.abs(j) / 8 - 2)) / span);
  let best = { sse: Number.POSITIVE_INFINITY, k: 0, L0: 0 };
  if (start && start.k !== 0 && Number.isFinite(start.k) && Number.isFinite(start.L0))
    best = { sse: at(start.k, start.L0).sse, k: start.k, L0: start.L0 };
  else
    for (const k of ks) {
      for (let m = 0; m <= 60; m++) {
        const L0 = lo - 2 * span + (m / 60) * 5 * span;
        const { sse } = at(k, L0);
        if (sse < best.sse) best = { sse, k, L0 };
      }
    }
  if (!Number.isFinite(best.sse)) return undefined;
  // Alternate golden-section refinements of k (in its sign's log) and L₀.
  let { k, L0 } = best;
  for (let round = 0; round < 6; round++) {
    const sign = Math.sign(k);
    const logK = minimizeBounded(
      (x) => at(sign * Math.exp(x), L0).sse,
      Math.log(Math.abs(k)) - 1,
      Math.log(Math.abs(k)) + 1,
      {
        gridPoints: 21,
      },
    );
    if (logK !== undefined) k = sign * Math.exp(logK);
    const refined = minimizeBounded((x) => at(k, x).sse, L0 - span / 4, L0 + span / 4, { gridPoints: 21 });
    if (refined !== undefined) L0 = refined;
  }
  return at(k, L0).law;
}

/** Fit an accuracy-from-loss law; a clear message instead of a law when the data cannot support it. */
export function fitAccuracyLaw(
  form: AccuracyLawForm,
  points: readonly LossAccuracyPoint[],
  options: { start?: AccuracyLaw } = {},
): { law: AccuracyLaw; rmse: number } | { error: string } {
  const usable = points.filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.accuracy));
  const needed = form === 'gadre2024' ? 4 : 5;
  if (usable.length < needed)
    return {
      error: `The ${form} accuracy law needs at least ${needed} (loss, accuracy) points; got ${usable.length}.`,
    };
  if (new Set(usable.map((p) => p.loss)).size < 3)
    return { error: 'The accuracy law needs at least 3 distinct losses to fit a curve.' };
  const start = options.start?.form === 'bhagia2024' ? options.start : undefined;
  const law = form === 'gadre2024' ? fitGadre(usable) : fitBhagia(usable, start);
  if (!law) return { error: `The ${form} accuracy law could not be fitted (degenerate data).` };
  const rmse = Math.sqrt(
    usable.reduce((s, p) => s + (accuracyAtLoss(law, p.loss) - p.accuracy) ** 2, 0) / usable.length,
  );
  return { law, rmse };
}

/**
 * How the values of an accuracy column are read: `auto` takes values up to 1 as fractions and
 * values up to 100 as percentages (divided by 100, and said so); `fraction` and `percent` force one.
 */
export type AccuracyScale = 'auto' | 'fraction' | 'percent';

export const ACCURACY_SCALES: readonly AccuracyScale[] = ['auto', 'fraction', 'percent'];

/**
 * The factor that turns an accuracy column into fractions, or the problems that prevent it: values
 * outside [0, 1] (fractions) or [0, 100] (percentages), or none at all. A percent column read under
 * `auto` is converted with a warning that says so — never silently.
 */
export function accuracyColumnScale(
  column: string,
  values: readonly number[],
  scale: AccuracyScale = 'auto',
): { factor: number; errors: string[]; warnings: string[] } {
  const fail = (message: string) => ({ factor: 1, errors: [message], warnings: [] });
  if (values.length === 0) return fail(`No values in the accuracy column "${column}".`);
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (const v of values) {
    max = Math.max(max, v);
    min = Math.min(min, v);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max))
    return fail(`Accuracies in "${column}" must be finite numbers.`);
  if (scale === 'percent') {
    if (min < 0 || max > 100)
      return fail(
        `Accuracies in "${column}" are read as percentages but range from ${min} to ${max}; percentages lie in [0, 100].`,
      );
    return {
      factor: 0.01,
      errors: [],
      warnings: [`Accuracies in "${column}" read as percentages (divided by 100).`],
    };
  }
  if (min < 0)
    return fail(`Accuracies in "${column}" must be fractions in [0, 1]; found values from ${min} to ${max}.`);
  if (max <= 1) return { factor: 1, errors: [], warnings: [] };
  if (max <= 100) {
    if (scale === 'fraction')
      return fail(
        `Accuracies in "${column}" go up to ${max}: they look like percentages. Give fractions in [0, 1] (divide by 100), or read them as percentages (--accuracy-scale percent).`,
      );
    return {
      factor: 0.01,
      errors: [],
      warnings: [
        `Accuracies in "${column}" go up to ${max}: they look like percentages, so they were divided by 100 (force with --accuracy-scale fraction or percent).`,
      ],
    };
  }
  return fail(
    `Accuracies in "${column}" must be fractions in [0, 1] (or percentages in [0, 100]); found values from ${min} to ${max}.`,
  );
}
