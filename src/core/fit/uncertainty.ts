import { chinchillaLoss } from '../laws/forms';
import { quantileSorted, type ChinchillaDraw, type IntervalPrediction } from '../laws/uncertainty';
// Chinchilla-only by contract: the fit report's bootstrap of the default form (see fit.ts).

/**
 * Loss at (N, D) over bootstrap draws of the Chinchilla form: the median draw's loss as `value` and
 * the 2.5 / 97.5 percentiles as `low` / `high` (linear interpolation, numpy's default). Draws giving a
 * non-finite loss are ignored; with no usable draw every field is NaN.
 */
export function predictWithUncertainty(
  draws: readonly ChinchillaDraw[],
  params: number,
  tokens: number,
): IntervalPrediction {
  const losses = draws
    .map(([E, A, B, alpha, beta]) => chinchillaLoss({ E, A, B, alpha, beta }, params, tokens))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (losses.length === 0) return { value: NaN, low: NaN, high: NaN };
  return {
    value: quantileSorted(losses, 0.5),
    low: quantileSorted(losses, 0.025),
    high: quantileSorted(losses, 0.975),
  };
}
