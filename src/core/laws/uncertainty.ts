import { chinchillaLoss } from './forms';

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
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/**
 * The 2.5–97.5 percentile band of the Chinchilla-form loss at (N, D) over bootstrap draws, around
 * the point estimate `value` (the law's own coefficients, not the draws' median).
 */
export function chinchillaLossInterval(
  draws: readonly ChinchillaDraw[],
  params: number,
  tokens: number,
  value: number,
): IntervalPrediction {
  const losses = draws
    .map(([E, A, B, alpha, beta]) => chinchillaLoss({ E, A, B, alpha, beta }, params, tokens))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (losses.length < 10) return { value, low: value, high: value };
  return {
    value,
    low: Math.min(value, quantileSorted(losses, 0.025)),
    high: Math.max(value, quantileSorted(losses, 0.975)),
  };
}
