import { formOf, lawFromCoefficientVector, type LawParams } from './forms';

/**
 * A bootstrap draw of a law's coefficients, in its form's `coefficientNames` order (Chinchilla:
 * [E, A, B, α, β]).
 */
export type CoefficientDraw = readonly number[];
/** A bootstrap parameter draw of the Chinchilla form: [E, A, B, α, β]. */
export type ChinchillaDraw = readonly [E: number, A: number, B: number, alpha: number, beta: number];

/** A prediction with a central value and a 95% interval. */
export interface IntervalPrediction {
  value: number;
  low: number;
  high: number;
}

/** The q-quantile (0..1) of sorted values, linearly interpolated (numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** Sorted finite losses of every usable draw at (N, D). */
function drawLosses(
  law: LawParams,
  draws: readonly CoefficientDraw[],
  params: number,
  tokens: number,
): number[] {
  const form = formOf(law);
  const losses: number[] = [];
  for (const draw of draws) {
    if (draw.length !== form.coefficientNames.length) continue;
    const drawn = lawFromCoefficientVector(form, draw);
    if (!drawn) continue;
    const loss = form.evaluate(drawn, params, tokens);
    if (Number.isFinite(loss)) losses.push(loss);
  }
  return losses.sort((a, b) => a - b);
}

/**
 * The 2.5–97.5 percentile band of a law's loss at (N, D) over bootstrap draws of its coefficients,
 * around the point estimate `value` (the law's own coefficients, not the draws' median). Any form:
 * draws are coefficient vectors in the form's order; fewer than 10 usable draws give no band.
 */
export function lossInterval(
  law: LawParams,
  draws: readonly CoefficientDraw[],
  params: number,
  tokens: number,
  value: number,
): IntervalPrediction {
  const losses = drawLosses(law, draws, params, tokens);
  if (losses.length < 10) return { value, low: value, high: value };
  return {
    value,
    low: Math.min(value, quantileSorted(losses, 0.025)),
    high: Math.max(value, quantileSorted(losses, 0.975)),
  };
}
