/**
 * A saved schedule-aware law (`fit --form tissue2024 --save`, src/core/fit/trajectorySaved.ts) on a
 * config's run: the loss after given steps of its own LR schedule (S1/S2 of that schedule, N = the
 * config's total parameter count), and whether the law applies to the config at all. One module for
 * `scaling-lens curve --law FILE.json` and the curves panel, so their rows are the same numbers.
 *
 * Unlike the published (N, D) laws, this law sees the schedule: the WSD what-if and the "twice as
 * long" run are the law evaluated on those runs' own LR schedules, not a borrowed ratio.
 */
import { predictTrajectory } from '../fit/trajectory';
import type { SavedScheduleLaw } from '../fit/trajectorySaved';
import { featuresAtTokens, runFeatures } from './features';
import type { CompiledRun, RunPlan } from './types';

/** The law's applicability to a config of `params` and a run ending at `endTokens`. */
export type SavedLawFit = { ok: true; notes: string[] } | { ok: false; reason: string };

export function savedLawApplies(
  saved: SavedScheduleLaw,
  params: number | undefined,
  endTokens: number,
): SavedLawFit {
  const [nMin, nMax] = saved.fittedOn.params;
  if (!(params !== undefined && params > 0))
    return { ok: false, reason: "the config's parameter count is unknown, and the law needs N" };
  if (!saved.options.params && Math.abs(params / nMax - 1) > 0.01)
    return {
      ok: false,
      reason: `fitted on one model size (N = ${nMax.toPrecision(4)}), so its N term is folded into E; it predicts that size only, not N = ${params.toPrecision(4)}`,
    };
  const notes: string[] = [];
  if (params > nMax * 1.01 || params < nMin * 0.99)
    notes.push(
      `extrapolated in N: this config's ${params.toPrecision(3)} is ${params > nMax ? `${(params / nMax).toFixed(1)}× the largest` : `${(nMin / params).toFixed(1)}× below the smallest`} model the law was fitted on`,
    );
  if (endTokens > saved.fittedOn.tokens[1] * 1.01)
    notes.push(
      `extrapolated in tokens: this run's ${endTokens.toPrecision(3)} is ${(endTokens / saved.fittedOn.tokens[1]).toFixed(1)}× the most the law was fitted on`,
    );
  return { ok: true, notes };
}

/**
 * The law's loss after each 1-based step of `run` (compiled from `plan`); undefined where it is not
 * defined (no LR area yet). Warmup is the plan's, so its LR rise is not counted as annealing.
 */
export function savedLawAtSteps(
  saved: SavedScheduleLaw,
  params: number,
  plan: RunPlan,
  run: CompiledRun,
  steps: readonly number[],
): (number | undefined)[] {
  const features = runFeatures(run, undefined, plan.schedule.warmup);
  const fit = { law: saved.law, options: saved.options, objective: NaN, theta: [], points: 0 };
  return steps.map((step) => {
    const tokens = run.tokens[step - 1];
    if (tokens === undefined) return undefined;
    const x = featuresAtTokens(features, tokens);
    const loss = x ? predictTrajectory(fit, { params, tokens, ...x }) : undefined;
    return loss !== undefined && Number.isFinite(loss) ? loss : undefined;
  });
}

/** The band the saved law states: ± 2 × its RMS relative residual on the checkpoints it was fitted on. */
export const savedLawBandHalfWidth = (saved: SavedScheduleLaw) => 2 * saved.fittedOn.rmsRelative;

/** What the chart and the CLI say the curve is. */
export const savedLawDescription = (saved: SavedScheduleLaw) =>
  `the saved schedule-aware law "${saved.name}" (${saved.fittedOn.source}) on this config's LR schedule, with N = the config's total parameter count (the law's N is its runs table's params column: use the same convention); band ±2 × its RMS relative residual`;

/** The WSD what-if's source line under a saved law (the chart caption and `curve --json`'s `whatIf.source`). */
export const savedLawWsdSource = (saved: SavedScheduleLaw) =>
  `WSD what-if: the saved schedule-aware law "${saved.name}" on the same run with the LR held at its peak after warmup and a 1-sqrt cooldown over the last 20% (Hägele et al. 2024) to the config's final LR; this law's own schedule effect, not the published multi-power constants.`;
