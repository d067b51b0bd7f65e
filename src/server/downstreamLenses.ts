/**
 * The downstream-accuracy lens (issue #14): with a saved downstream law selected
 * (`scalingLens.downstream.law`), the config's predicted accuracy on that benchmark and the 95%
 * bootstrap interval of the fit, `acc piqa_acc 76.1% (75.2–76.9%)`, on the model line beside the
 * loss. Every number comes from src/core/downstream (the loss law at the config's (N, D), then the
 * accuracy link); this file only words it.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { Analysis } from '../core/analyze';
import { formatCount, formatExact, formatLoss } from '../core/format';
import {
  formatFactor,
  predictDownstream,
  type DownstreamPrediction,
  type LoadedDownstreamLaw,
} from '../core/downstream/saved';
import { Commands } from '../protocol';
import type { SelectedDownstream } from './downstreamLaws';
import { modelLineRange, type LensData } from './lenses';
import type { DocumentResult } from './model';

/** The N a downstream law is evaluated at: active parameters, as the runs' params column counts a model. */
export function downstreamParams(a: Analysis): number | null {
  return a.params ? a.params.active : null;
}

/** The prediction for an analysis, or undefined when N or D is unknown (or the law gives no number). */
export function predictForAnalysis(
  loaded: LoadedDownstreamLaw,
  a: Analysis | null,
): DownstreamPrediction | undefined {
  const params = a ? downstreamParams(a) : null;
  if (!a || params === null || a.tokens === null || !(a.tokens > 0)) return undefined;
  return predictDownstream(loaded, params, a.tokens);
}

/** An accuracy as percent with one decimal: `76.1%`. */
export function formatAccuracy(fraction: number): string {
  return `${(100 * fraction).toFixed(1)}%`;
}

/** `76.1% (75.2–76.9%)`, or `76.1%` without a bootstrap. */
export function accuracyWithInterval(p: DownstreamPrediction): string {
  if (p.low === undefined || p.high === undefined) return formatAccuracy(p.accuracy);
  return `${formatAccuracy(p.accuracy)} (${(100 * p.low).toFixed(1)}–${formatAccuracy(p.high)})`;
}

/** The lens (none when no downstream law is selected or the lenses are off). */
export function downstreamLenses(result: DocumentResult): CodeLens[] {
  const a = result.analysis;
  const selected = result.downstream;
  if (!selected || !result.settings.lens.enable || !a?.params) return [];
  const text = downstreamLensText(a, selected);
  return [
    {
      range: modelLineRange(a),
      command: {
        title: text.title,
        command: Commands.showCurves,
        arguments: [result.uri],
        tooltip: text.tooltip,
      } as CodeLens['command'],
      // `loss` is the nearest topic: the accuracy is a function of the predicted loss.
      data: { topic: 'loss', tooltip: text.tooltip } satisfies LensData,
    },
  ];
}

/** Title and tooltip of the accuracy lens. */
export function downstreamLensText(
  a: Analysis,
  selected: SelectedDownstream,
): { title: string; tooltip: string } {
  const law = selected.loaded.law;
  const about = aboutLines(selected);
  const prediction = predictForAnalysis(selected.loaded, a);
  if (!prediction) {
    const why = a.tokens === null ? 'needs D' : a.tokens === 0 ? 'D 0' : 'no prediction';
    return {
      title: `acc ${law.target}: ${why}`,
      tooltip: [
        `No predicted ${law.target} accuracy: ${why === 'needs D' ? 'the training tokens are unknown' : why}.`,
        ...about,
      ].join('\n'),
    };
  }
  const n = downstreamParams(a)!;
  const lines = [
    `Predicted ${law.target} accuracy ${formatAccuracy(prediction.accuracy)} at N = ${formatExact(n)} (active parameters), D = ${formatExact(a.tokens!)}: ` +
      `${law.lossLaw.form} loss ${formatLoss(prediction.loss)}, then the ${law.accuracyLaw.form} link.`,
    prediction.low !== undefined && prediction.high !== undefined
      ? `95% bootstrap interval of the fit: ${formatAccuracy(prediction.low)}–${formatAccuracy(prediction.high)} ` +
        `(${prediction.draws} resamples of the runs, both steps refitted each time; seed ${law.bootstrap!.seed}). ` +
        'It is the uncertainty of the fit, not the benchmark’s own sampling noise.'
      : 'No interval: the saved law has no bootstrap (refit it with the editor or `scaling-lens fit --save`).',
  ];
  if (prediction.extrapolated && prediction.region)
    lines.push(
      `Extrapolated: this ${prediction.region.axis} is ${formatFactor(prediction.region.factor)} ${prediction.region.direction} the fitted range (more than 10× outside).`,
    );
  lines.push(...about);
  for (const w of prediction.warnings) if (!/^Extrapolation:/.test(w)) lines.push(`Caveat: ${w}`);
  const flag = prediction.extrapolated ? ' extrapolated' : '';
  return { title: `acc ${law.target} ${accuracyWithInterval(prediction)}${flag}`, tooltip: lines.join('\n') };
}

/** Benchmark, data, fitted range and held-out error of a saved law. */
function aboutLines(selected: SelectedDownstream): string[] {
  const law = selected.loaded.law;
  const lines = [`Benchmark: ${law.target} (downstream law "${selected.id}", fitted on ${law.dataSource}).`];
  if (law.region)
    lines.push(
      `Fitted range: N ${formatCount(law.region.paramsMin)}–${formatCount(law.region.paramsMax)}, D ${formatCount(law.region.tokensMin)}–${formatCount(law.region.tokensMax)} tokens.`,
    );
  lines.push(
    law.heldOut
      ? `Held-out error: ${(100 * law.heldOut.mae).toFixed(2)} points mean absolute error predicting ${law.heldOut.model} (the largest model) from (N, D) with a fit that left it out.`
      : 'Held-out error: not measured (fitted without holding out the largest model).',
  );
  return lines;
}
