import type { RunPoint, RunSeries } from './types';

/**
 * Runs as columns: every checkpoint's tokens and loss (and step and FLOPs when stated) in typed
 * arrays, grouped by run, plus a small record per run. This is what ingestion builds and what the fit
 * reads, so a million checkpoints cost a few flat arrays instead of a million objects (issue #15).
 * `RunSeries[]` (objects) stays the public shape for small inputs and views; the adapters below
 * convert both ways without changing a value or the order of points.
 */

/** One run of {@link RunColumns}: its checkpoints are [start, start + count) of the columns. */
export interface RunColumnsRun {
  /** Display name (run/model name, or `N=…` when the source names none). */
  name: string;
  /** Parameter count N. */
  params: number;
  seed?: string;
  /** Unique tokens of the run's dataset (see RunSeries.uniqueTokens). */
  uniqueTokens?: number;
  start: number;
  count: number;
}

export interface RunColumns {
  runs: RunColumnsRun[];
  tokens: Float64Array;
  loss: Float64Array;
  /** Optimizer step per checkpoint (NaN where not stated); undefined when no checkpoint states one. */
  step?: Float64Array;
  /** Training FLOPs per checkpoint (NaN where not stated); undefined when none states them. */
  flops?: Float64Array;
}

/** Number of checkpoints. */
export function columnsPointCount(columns: RunColumns): number {
  return columns.tokens.length;
}

/** No runs. */
export function emptyRunColumns(): RunColumns {
  return { runs: [], tokens: new Float64Array(0), loss: new Float64Array(0) };
}

/** A number from an object field (anything else is NaN, which the fit counts as a NaN drop). */
function numeric(value: unknown): number {
  return typeof value === 'number' ? value : NaN;
}

/** Objects → columns, keeping the runs' order and each run's point order. */
export function columnsFromRuns(runs: readonly RunSeries[]): RunColumns {
  let total = 0;
  let hasStep = false;
  let hasFlops = false;
  for (const run of runs) {
    total += run.points.length;
    if (!hasStep || !hasFlops)
      for (const p of run.points) {
        if (p.step !== undefined) hasStep = true;
        if (p.flops !== undefined) hasFlops = true;
      }
  }
  const tokens = new Float64Array(total);
  const loss = new Float64Array(total);
  const step = hasStep ? new Float64Array(total) : undefined;
  const flops = hasFlops ? new Float64Array(total) : undefined;
  const out: RunColumnsRun[] = [];
  let o = 0;
  for (const run of runs) {
    out.push({
      name: run.name,
      params: numeric(run.params),
      ...(run.seed !== undefined ? { seed: run.seed } : {}),
      ...(run.uniqueTokens !== undefined ? { uniqueTokens: run.uniqueTokens } : {}),
      start: o,
      count: run.points.length,
    });
    for (const p of run.points) {
      tokens[o] = numeric(p.tokens);
      loss[o] = numeric(p.loss);
      if (step) step[o] = p.step === undefined ? NaN : numeric(p.step);
      if (flops) flops[o] = p.flops === undefined ? NaN : numeric(p.flops);
      o++;
    }
  }
  return { runs: out, tokens, loss, ...(step ? { step } : {}), ...(flops ? { flops } : {}) };
}

/** Columns → objects (the shape `readRunsFromText` has always returned). */
export function runsFromColumns(columns: RunColumns): RunSeries[] {
  const { tokens, loss, step, flops } = columns;
  return columns.runs.map((run) => {
    const points: RunPoint[] = new Array(run.count);
    for (let k = 0; k < run.count; k++) {
      const i = run.start + k;
      const point: RunPoint = { tokens: tokens[i]!, loss: loss[i]! };
      if (step && !Number.isNaN(step[i])) point.step = step[i];
      if (flops && !Number.isNaN(flops[i])) point.flops = flops[i];
      points[k] = point;
    }
    return {
      name: run.name,
      params: run.params,
      points,
      ...(run.seed !== undefined ? { seed: run.seed } : {}),
      ...(run.uniqueTokens !== undefined ? { uniqueTokens: run.uniqueTokens } : {}),
    };
  });
}

/** Several sources' columns as one (runs in order). */
export function concatRunColumns(list: readonly RunColumns[]): RunColumns {
  if (list.length === 1) return list[0]!;
  const total = list.reduce((s, c) => s + c.tokens.length, 0);
  const hasStep = list.some((c) => c.step);
  const hasFlops = list.some((c) => c.flops);
  const tokens = new Float64Array(total);
  const loss = new Float64Array(total);
  const step = hasStep ? new Float64Array(total).fill(NaN) : undefined;
  const flops = hasFlops ? new Float64Array(total).fill(NaN) : undefined;
  const runs: RunColumnsRun[] = [];
  let offset = 0;
  for (const c of list) {
    tokens.set(c.tokens, offset);
    loss.set(c.loss, offset);
    if (step && c.step) step.set(c.step, offset);
    if (flops && c.flops) flops.set(c.flops, offset);
    for (const run of c.runs) runs.push({ ...run, start: run.start + offset });
    offset += c.tokens.length;
  }
  return { runs, tokens, loss, ...(step ? { step } : {}), ...(flops ? { flops } : {}) };
}
