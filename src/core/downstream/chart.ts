/**
 * The curves panel's "accuracy vs compute" chart (issue #14): the predicted accuracy on the selected
 * benchmark along the compute-optimal frontier of the downstream law's own loss law — for each budget
 * C, (N_opt(C), D_opt(C)) under that law, then Acc(L(N_opt, D_opt)) — with the 95% bootstrap band of
 * the fit at the same (N, D), and the config at its own C = 6·N·D and predicted accuracy. The part of
 * the frontier more than 10× outside the fitted (N, D) region is a separate, dashed series.
 * Accuracy is drawn in percent. Pure: the server passes the loaded law and the config's (N, D).
 */
import type { ChartPoint, ChartSeries, ChartSpec } from '../charts';
import { evaluateLaw, optimalAllocation } from '../laws/forms';
import { accuracyAtLoss } from './accuracy';
import { accuracyInterval, bootstrapLaws } from './bootstrap';
import { EXTRAPOLATION_FACTOR, predictDownstream, regionDistance, type LoadedDownstreamLaw } from './saved';

export const DOWNSTREAM_CHART_ID = 'downstream' as const;

/** Points along the frontier (the band evaluates every draw at each). */
const SAMPLES = 48;
/** The frontier spans the fitted region and this factor beyond the config's budget either side. */
const SPAN = 100;

export interface DownstreamChartInput {
  loaded: LoadedDownstreamLaw;
  /** The id the law is selected by (shown in the caption). */
  id: string;
  /** The config's N (active parameters) and D, null when unknown. */
  params: number | null;
  tokens: number | null;
}

const pct = (fraction: number) => 100 * fraction;

/** The chart, or one that says why there is nothing to draw. */
export function downstreamChart(input: DownstreamChartInput): ChartSpec {
  const { loaded } = input;
  const law = loaded.law;
  const title = `${law.target} accuracy vs compute (compute-optimal frontier)`;
  const base = {
    id: DOWNSTREAM_CHART_ID,
    title,
    x: { label: 'Compute C = 6·N·D', unit: 'FLOPs', scale: 'log' as const },
    y: { label: `${law.target} accuracy`, unit: '%', scale: 'linear' as const },
  };
  const configFlops =
    input.params !== null && input.tokens !== null && input.params > 0 && input.tokens > 0
      ? 6 * input.params * input.tokens
      : null;
  const region = law.region;
  const fittedLow = region ? 6 * region.paramsMin * region.tokensMin : undefined;
  const fittedHigh = region ? 6 * region.paramsMax * region.tokensMax : undefined;
  const anchors = [configFlops, fittedLow, fittedHigh].filter(
    (v): v is number => v !== null && v !== undefined,
  );
  if (anchors.length === 0)
    return {
      ...base,
      description: 'Nothing to draw: the config has no (N, D) and the downstream law no fitted range.',
      series: [],
      unavailable: 'N and D of the config are unknown and the saved law states no fitted range.',
    };
  const lo = Math.min(...anchors) / (configFlops !== null ? SPAN : 1);
  const hi = Math.max(...anchors) * SPAN;
  const draws = law.bootstrap ? bootstrapLaws(law.bootstrap) : [];
  const inside: ChartPoint[] = [];
  // Below and above the fitted region: two series, so no line joins them across the fitted part.
  const below: ChartPoint[] = [];
  const above: ChartPoint[] = [];
  const low: ChartPoint[] = [];
  const high: ChartPoint[] = [];
  let noOptimum = false;
  for (let i = 0; i < SAMPLES; i++) {
    const flops = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (SAMPLES - 1));
    const allocation = optimalAllocation(loaded.lossLaw, flops);
    if (!allocation) {
      noOptimum = true;
      break;
    }
    const accuracy = accuracyAtLoss(
      loaded.accuracyLaw,
      evaluateLaw(loaded.lossLaw, allocation.params, allocation.tokens),
    );
    if (!Number.isFinite(accuracy)) continue;
    const point = { x: flops, y: pct(accuracy) };
    const far = region
      ? regionDistance(region, allocation.params, allocation.tokens).factor > EXTRAPOLATION_FACTOR
      : false;
    (!far ? inside : inside.length === 0 ? below : above).push(point);
    const interval = accuracyInterval(draws, allocation.params, allocation.tokens);
    if (interval) {
      low.push({ x: flops, y: pct(interval.low) });
      high.push({ x: flops, y: pct(interval.high) });
    }
  }
  if (noOptimum)
    return {
      ...base,
      description: `No frontier: the ${law.lossLaw.form} loss law has no compute-optimal allocation.`,
      series: [],
      unavailable: `The downstream law's loss law (${law.lossLaw.form}) has no compute-optimal allocation to follow.`,
    };
  const series: ChartSeries[] = [];
  if (low.length)
    series.push({
      id: 'band',
      label: '95% bootstrap interval of the fit',
      role: 'band',
      points: low,
      upper: high,
      colorIndex: 0,
    });
  series.push({
    id: 'frontier',
    label: 'Predicted accuracy (fitted range)',
    role: 'curve',
    points: inside,
    colorIndex: 0,
  });
  // Each dashed part meets the solid one at its first or last point.
  const extrapolated = 'Extrapolated';
  if (below.length)
    series.push({
      id: 'extrapolated-below',
      label: `${extrapolated}, smaller budgets`,
      role: 'curve',
      points: [...below, ...inside.slice(0, 1)],
      colorIndex: 0,
      dashed: true,
    });
  if (above.length)
    series.push({
      id: 'extrapolated-above',
      label: `${extrapolated}, larger budgets`,
      role: 'curve',
      points: [...inside.slice(-1), ...above],
      colorIndex: 0,
      dashed: true,
    });
  const focus = [...below, ...inside, ...above].map((p) => p.y);
  let configText = 'N or D of the config is unknown, so it is not marked';
  if (configFlops !== null) {
    const prediction = predictDownstream(loaded, input.params!, input.tokens!);
    if (prediction) {
      series.push({
        id: 'config',
        label: 'This config',
        role: 'config',
        points: [{ x: configFlops, y: pct(prediction.accuracy) }],
        colorIndex: 1,
      });
      focus.push(pct(prediction.accuracy));
      configText = `the config at ${configFlops.toExponential(2)} FLOPs predicts ${pct(prediction.accuracy).toFixed(1)}%`;
    }
  }
  const finite = focus.filter(Number.isFinite);
  const yMin = finite.length
    ? Math.max(0, Math.floor(Math.min(...finite, ...low.map((p) => p.y)) / 5) * 5)
    : 0;
  const yMax = finite.length
    ? Math.min(100, Math.ceil(Math.max(...finite, ...high.map((p) => p.y)) / 5) * 5)
    : 100;
  const caption = [
    `Benchmark ${law.target}, downstream law "${input.id}": ${law.lossLaw.form} loss from (N, D), then the ${law.accuracyLaw.form} link; fitted on ${law.dataSource}.`,
    low.length
      ? `Band: 95% bootstrap interval of the fit (${draws.length} resamples of the runs, both steps refitted), not benchmark noise.`
      : 'No band: the saved law has no bootstrap.',
    law.heldOut
      ? `Held-out error: ${(100 * law.heldOut.mae).toFixed(2)} points on ${law.heldOut.model}.`
      : 'Held-out error: not measured.',
    `Dashed: more than ${EXTRAPOLATION_FACTOR}× outside the fitted N or D. N on the frontier is in the runs’ own convention (the params column of the fitted runs).`,
  ];
  return {
    ...base,
    y: { ...base.y, min: yMin, max: yMax === yMin ? yMin + 5 : yMax },
    description: `Predicted ${law.target} accuracy along the compute-optimal frontier from ${lo.toExponential(1)} to ${hi.toExponential(1)} FLOPs; ${configText}.`,
    series,
    caption,
  };
}
