import type { LawForm } from '../laws/forms';
import { evaluateLaw, findLawForm, lawFromCoefficientVector } from '../laws/forms';
import { quantileSorted } from '../laws/uncertainty';
import { FIT_DEFAULTS } from './defaults';
import { logSpaceForm, type FitDesign, type LogSpaceForm } from './jacobians';
import { fitDesign, MAIN_COARSEN, MAIN_LOCAL, REFIT_COARSEN, REFIT_LOCAL } from './multistart';
import { subsetDesign, type Problem } from './optimize';
import { bootstrapSerial, ResampleStream, type BootstrapHooks, type BootstrapJob } from './bootstrap';
import { bootstrapParallel, defaultThreads } from './parallel';
import { columnsFromRuns, type RunColumns, type RunColumnsRun } from './columns';
import type { DropReason, FitOptions, FitReport, HeldOutError, RunSeries } from './types';

/**
 * Checkpoints chosen for a fit, as parallel arrays: `index[k]` is the checkpoint's position in the
 * columns and `run[k]` its run. No per-point objects, so a million checkpoints stay a few arrays.
 */
interface Points {
  index: Int32Array;
  run: Int32Array;
}

/** Key that identifies a model for resampling and leave-one-out: run name + seed collapse to name. */
function modelKey(run: RunColumnsRun): string {
  return run.name;
}

/** The points at positions `keep` (in order). */
function pick(points: Points, keep: ArrayLike<number>): Points {
  const index = new Int32Array(keep.length);
  const run = new Int32Array(keep.length);
  for (let k = 0; k < keep.length; k++) {
    index[k] = points.index[keep[k]!]!;
    run[k] = points.run[keep[k]!]!;
  }
  return { index, run };
}

/**
 * The log-space design of chosen checkpoints, straight from the columns: the same values, in the same
 * order, as {@link buildDesign} gives for the equivalent objects.
 */
function designFromColumns(columns: RunColumns, points: Points): FitDesign {
  const { runs, tokens, loss, flops } = columns;
  const n = points.index.length;
  const design: FitDesign = {
    logParams: new Float64Array(n),
    logTokens: new Float64Array(n),
    logFlops: new Float64Array(n),
    logLoss: new Float64Array(n),
  };
  let withUnique = false;
  // log N once per run (the same value Math.log gives per point).
  const logParamsOfRun = new Float64Array(runs.length).fill(NaN);
  for (let k = 0; k < n; k++) {
    const i = points.index[k]!;
    const r = points.run[k]!;
    const params = runs[r]!.params;
    const t = tokens[i]!;
    if (Number.isNaN(logParamsOfRun[r]!)) logParamsOfRun[r] = Math.log(params);
    design.logParams[k] = logParamsOfRun[r]!;
    design.logTokens[k] = Math.log(t);
    const f = flops ? flops[i]! : NaN;
    design.logFlops[k] = f > 0 ? Math.log(f) : Math.log(6 * params * t);
    design.logLoss[k] = Math.log(loss[i]!);
    if (runs[points.run[k]!]!.uniqueTokens !== undefined) withUnique = true;
  }
  // Unique tokens (forms that model repetition) only when some point states them; U_D = D elsewhere.
  if (withUnique) {
    design.logUniqueTokens = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const t = tokens[points.index[k]!]!;
      const u = runs[points.run[k]!]!.uniqueTokens;
      design.logUniqueTokens[k] = Math.log(u && u > 0 ? Math.min(u, t) : t);
    }
  }
  return design;
}

/** Build the log-space design of a set of points (one loop, typed arrays). */
export function buildDesign(
  points: readonly { params: number; tokens: number; loss: number; flops?: number; uniqueTokens?: number }[],
): FitDesign {
  const n = points.length;
  const design: FitDesign = {
    logParams: new Float64Array(n),
    logTokens: new Float64Array(n),
    logFlops: new Float64Array(n),
    logLoss: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const p = points[i];
    const logParams = Math.log(p.params);
    const logTokens = Math.log(p.tokens);
    design.logParams[i] = logParams;
    design.logTokens[i] = logTokens;
    design.logFlops[i] = p.flops && p.flops > 0 ? Math.log(p.flops) : Math.log(6 * p.params * p.tokens);
    design.logLoss[i] = Math.log(p.loss);
  }
  // Unique tokens (forms that model repetition) only when some point states them; U_D = D elsewhere.
  if (points.some((p) => p.uniqueTokens !== undefined)) {
    design.logUniqueTokens = Float64Array.from(points, (p) =>
      Math.log(p.uniqueTokens && p.uniqueTokens > 0 ? Math.min(p.uniqueTokens, p.tokens) : p.tokens),
    );
  }
  return design;
}

/** θ value of reported coefficient k (parameterizations are elementwise, so a dummy vector works). */
function thetaValue(form: LogSpaceForm, k: number, value: number): number {
  const params = form.paramNames.map(() => 1);
  params[k] = value;
  return form.fromParams(params)[k];
}

/** Mean absolute relative error of a law on points (`design` is their design). */
function meanAre(
  form: LogSpaceForm,
  theta: readonly number[],
  columns: RunColumns,
  points: Points,
  design: FitDesign,
): number {
  const n = points.index.length;
  if (n === 0) return NaN;
  let sum = 0;
  // The batched log-loss where the form has one (it computes exactly what logLoss does).
  const block = 256;
  const values = new Float64Array(block);
  for (let start = 0; start < n; start += block) {
    const end = Math.min(n, start + block);
    if (form.logLossBatch) form.logLossBatch(theta, design, start, end, values);
    else for (let k = start; k < end; k++) values[k - start] = form.logLoss(theta, design, k);
    for (let k = start; k < end; k++) {
      const predicted = Math.exp(values[k - start]!);
      const actual = columns.loss[points.index[k]!]!;
      sum += Math.abs(predicted - actual) / actual;
    }
  }
  return sum / n;
}

/** Distinct values of `value(k)` over the points. */
function countDistinct(n: number, value: (k: number) => number): number {
  const seen = new Set<number>();
  for (let k = 0; k < n; k++) seen.add(value(k));
  return seen.size;
}

function emptyReport(
  form: LawForm,
  delta: number,
  settings: FitReport['settings'],
  started: number,
): FitReport {
  return {
    ok: false,
    form,
    params: {},
    objective: NaN,
    delta,
    points: 0,
    models: 0,
    modelSizes: 0,
    dropped: {},
    settings,
    warnings: [],
    errors: [],
    elapsedMs: Date.now() - started,
  };
}

/**
 * Fit a scaling law to runs. Pure and synchronous; long fits report through `onProgress` and stop
 * early when `isCancelled()` turns true. Never throws for bad data: problems come back in `errors`.
 *
 * The objective is Σ huber_δ(log L̂ − log L) (Hoffmann et al. 2022 Approach 3, as in Besiroglu et al.
 * 2024). The Hitchhiker practices (Choshen, Zhang & Andreas 2025) are options: min-tokens cut-off,
 * intermediate checkpoints, ≥ 5 model sizes, prefix of the target run, borrowed exponents, held-out
 * ARE on the largest model and leave-one-model-out.
 */
export function fitScalingLaw(runs: readonly RunSeries[], options: FitOptions = {}): FitReport {
  return fitRunColumns(columnsFromRuns(runs), options);
}

/** {@link fitScalingLaw} on runs as columns (what ingestion builds): the same report. */
export function fitRunColumns(columns: RunColumns, options: FitOptions = {}): FitReport {
  const steps = fitSteps(columns, options);
  let step = steps.next();
  while (!step.done) {
    const { job, stream, count, hooks } = step.value;
    step = steps.next(bootstrapSerial(job, stream, count, hooks));
  }
  return step.value;
}

/**
 * `fitScalingLaw` with the bootstrap refits spread over worker threads (`threads`, default the
 * machine's parallelism): the same report, the same draws for the same seed.
 */
export async function fitScalingLawParallel(
  runs: readonly RunSeries[],
  options: FitOptions & { threads?: number } = {},
): Promise<FitReport> {
  return fitRunColumnsParallel(columnsFromRuns(runs), options);
}

/** {@link fitScalingLawParallel} on runs as columns. */
export async function fitRunColumnsParallel(
  columns: RunColumns,
  options: FitOptions & { threads?: number } = {},
): Promise<FitReport> {
  const steps = fitSteps(columns, options);
  let step = steps.next();
  while (!step.done) {
    const { job, stream, count, hooks } = step.value;
    step = steps.next(
      await bootstrapParallel(job, stream, count, hooks, options.threads ?? defaultThreads()),
    );
  }
  return step.value;
}

/** The bootstrap a fit asks its driver to run (serially or in workers). */
interface BootstrapRequest {
  job: BootstrapJob;
  stream: ResampleStream;
  count: number;
  hooks: BootstrapHooks;
}

/** The fit as steps: everything up to the bootstrap, which the driver runs and hands back. */
function* fitSteps(
  columns: RunColumns,
  options: FitOptions,
): Generator<BootstrapRequest, FitReport, number[][] | 'cancelled'> {
  const started = Date.now();
  const formId: LawForm = options.form ?? FIT_DEFAULTS.form;
  const form = logSpaceForm(formId);
  const delta = options.delta ?? FIT_DEFAULTS.huberDelta;
  const minTokens = options.minTokens ?? FIT_DEFAULTS.minTokens;
  const useIntermediate = options.useIntermediateCheckpoints ?? FIT_DEFAULTS.useIntermediateCheckpoints;
  const bootstrap = Math.max(0, Math.floor(options.bootstrap ?? FIT_DEFAULTS.engineBootstrap));
  const seed = options.seed ?? FIT_DEFAULTS.seed;
  const startCount = Math.max(1, Math.floor(options.starts ?? FIT_DEFAULTS.starts));
  const prefixFraction = options.holdoutLargest
    ? Math.min(Math.max(options.targetPrefixFraction ?? 0, 0), 1)
    : 0;
  const isCancelled = options.isCancelled ?? (() => false);
  const progress = options.onProgress ?? (() => undefined);
  const settings: FitReport['settings'] = {
    minTokens,
    useIntermediateCheckpoints: useIntermediate,
    holdoutLargest: options.holdoutLargest ?? false,
    targetPrefixFraction: prefixFraction,
    bootstrap,
    seed,
    starts: startCount,
    ...(options.fixedExponents ? { fixedExponents: { ...options.fixedExponents } } : {}),
    ...(options.fixedExponentsSource ? { fixedExponentsSource: options.fixedExponentsSource } : {}),
  };
  const report = emptyReport(formId, delta, settings, started);
  const drop = (reason: DropReason, count = 1) => {
    report.dropped[reason] = (report.dropped[reason] ?? 0) + count;
  };
  if (!(delta > 0)) {
    report.errors.push(`Huber δ must be positive (got ${delta}).`);
    return report;
  }

  // Borrowed exponents → fixed θ entries.
  const fixed: (number | undefined)[] = form.thetaNames.map(() => undefined);
  for (const [name, value] of Object.entries(options.fixedExponents ?? {})) {
    const k = form.paramNames.indexOf(name);
    if (k < 0 || !form.exponentIndices.includes(k)) {
      report.errors.push(
        `"${name}" is not an exponent of the ${formId} form (exponents: ${form.exponentIndices.map((i) => form.paramNames[i]).join(', ')}).`,
      );
      return report;
    }
    if (!Number.isFinite(value) || (formId === 'kaplan' && !(value > 0))) {
      report.errors.push(`Borrowed exponent ${name} = ${value} is not usable.`);
      return report;
    }
    fixed[k] = thetaValue(form, k, value);
  }

  // Checkpoint selection: valid values, the min-tokens cut-off, optionally final checkpoints only.
  const { runs, tokens, loss } = columns;
  const selectedIndex = new Int32Array(tokens.length);
  const selectedRun = new Int32Array(tokens.length);
  let selected = 0;
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r]!;
    if (!(Number.isFinite(run.params) && run.params > 0)) {
      drop(Number.isFinite(run.params) ? 'non-positive' : 'nan', run.count);
      continue;
    }
    const first = selected;
    for (let i = run.start; i < run.start + run.count; i++) {
      const t = tokens[i]!;
      const l = loss[i]!;
      if (!Number.isFinite(t) || !Number.isFinite(l)) drop('nan');
      else if (!(t > 0 && l > 0)) drop('non-positive');
      else if (t <= minTokens) drop('before-min-tokens');
      else {
        selectedIndex[selected] = i;
        selectedRun[selected] = r;
        selected++;
      }
    }
    if (!useIntermediate && selected - first > 1) {
      // The last checkpoint with the most tokens.
      let last = first;
      for (let k = first + 1; k < selected; k++)
        if (tokens[selectedIndex[k]!]! >= tokens[selectedIndex[last]!]!) last = k;
      drop('intermediate-checkpoint', selected - first - 1);
      selectedIndex[first] = selectedIndex[last]!;
      selected = first + 1;
    }
  }
  const points: Points = {
    index: selectedIndex.subarray(0, selected),
    run: selectedRun.subarray(0, selected),
  };
  const paramsOf = (p: Points, k: number) => runs[p.run[k]!]!.params;
  const tokensOf = (p: Points, k: number) => tokens[p.index[k]!]!;
  if (selected === 0) {
    const cut = report.dropped['before-min-tokens'];
    report.errors.push(
      cut
        ? `No checkpoints left: all ${cut} were at or before the min-tokens cut-off (${minTokens.toExponential(1)} tokens). Lower it (e.g. --min-tokens 0) for small runs.`
        : 'No usable checkpoints (need positive N, tokens and loss).',
    );
    return report;
  }

  if (
    findLawForm(formId)!.inputs.includes('uniqueTokens') &&
    !points.run.some((r) => !!runs[r]!.uniqueTokens)
  ) {
    report.errors.push(
      `The ${formId} form models repeated data and needs each run's unique tokens (U_D); none of the runs states them.`,
    );
    return report;
  }

  // Held-out target: every run at the largest N (seeds of the same model would leak otherwise).
  let fitPoints = points;
  let evalPoints: Points = { index: new Int32Array(0), run: new Int32Array(0) };
  let heldOutName: string | undefined;
  let heldOutParams = 0;
  let fittedUpTo: number | undefined;
  if (options.holdoutLargest) {
    heldOutParams = -Infinity;
    for (let k = 0; k < selected; k++) heldOutParams = Math.max(heldOutParams, paramsOf(points, k));
    // Target runs in order of first appearance, with the largest tokens of each.
    const maxTokensByRun = new Map<number, number>();
    for (let k = 0; k < selected; k++) {
      if (paramsOf(points, k) !== heldOutParams) continue;
      const r = points.run[k]!;
      maxTokensByRun.set(r, Math.max(maxTokensByRun.get(r) ?? -Infinity, tokensOf(points, k)));
    }
    heldOutName = runs[[...maxTokensByRun.keys()][0]!]!.name;
    const cutoffByRun = new Map<number, number>();
    for (const [r, maxTokens] of maxTokensByRun) cutoffByRun.set(r, prefixFraction * maxTokens);
    const keepFit: number[] = [];
    const keepEval: number[] = [];
    for (let k = 0; k < selected; k++) {
      const cutoff = cutoffByRun.get(points.run[k]!);
      if (cutoff === undefined || tokensOf(points, k) <= cutoff) keepFit.push(k);
      else keepEval.push(k);
    }
    fitPoints = pick(points, keepFit);
    evalPoints = pick(points, keepEval);
    if (prefixFraction > 0) fittedUpTo = Math.max(...cutoffByRun.values());
    if (keepEval.length === 0)
      report.warnings.push(`The held-out model ${heldOutName} has no points to evaluate.`);
  }

  const fitCount = fitPoints.index.length;
  // Runs with fit points (a run has one N, so sizes and the N range are per run, not per point).
  const fitRuns = new Set<number>();
  for (let k = 0; k < fitCount; k++) {
    const r = fitPoints.run[k]!;
    if (k === 0 || r !== fitPoints.run[k - 1]) fitRuns.add(r);
  }
  const sizes = new Set([...fitRuns].map((r) => runs[r]!.params)).size;
  report.points = fitCount;
  report.models = new Set([...fitRuns].map((r) => modelKey(runs[r]!))).size;
  report.modelSizes = sizes;
  const freeCount = fixed.filter((v) => v === undefined).length;
  if (sizes < form.minDistinctSizes) {
    report.errors.push(
      `The ${formId} form needs at least ${form.minDistinctSizes} distinct model sizes to separate the N term from the rest; the fit data has ${sizes}. Add runs of other sizes, or use --form compute for a single model's curve.`,
    );
    return report;
  }
  if (fitCount <= freeCount) {
    const simpler = form.fewerCoefficientsForm
      ? logSpaceForm(form.fewerCoefficientsForm as LawForm)
      : undefined;
    report.errors.push(
      `Only ${fitCount} points for ${freeCount} free coefficients; need more checkpoints or runs` +
        (simpler && fitCount > simpler.thetaNames.length
          ? `, or fit the ${simpler.thetaNames.length}-coefficient form with --form ${simpler.form}.`
          : '.'),
    );
    return report;
  }
  if (
    formId === 'compute' &&
    countDistinct(fitCount, (k) => {
      const f = columns.flops ? columns.flops[fitPoints.index[k]!]! : NaN;
      return Number.isNaN(f) ? 6 * paramsOf(fitPoints, k) * tokensOf(fitPoints, k) : f;
    }) < 3
  ) {
    report.errors.push('The compute form needs at least 3 distinct compute budgets.');
    return report;
  }
  const minSizes = options.minModelSizes ?? 5;
  if (sizes < minSizes && formId !== 'compute') {
    report.warnings.push(
      `Only ${sizes} distinct model size${sizes === 1 ? '' : 's'}; Choshen et al. 2025 recommend at least ${minSizes}. Exponents will be poorly determined${options.fixedExponents ? '' : ' (consider borrowing exponents from a reference law)'}.` +
        (form.fewerCoefficientsForm && !options.fixedExponents
          ? ` The tied-exponent form (--form ${form.fewerCoefficientsForm}) has one coefficient fewer.`
          : ''),
    );
  }

  // Main fit.
  progress({ stage: 'starts', fraction: 0, message: 'scanning exponent grid' });
  const design = designFromColumns(columns, fitPoints);
  const problem: Problem = { form, design, delta, fixed };
  const main = fitDesign(problem, startCount, MAIN_LOCAL, isCancelled, [], MAIN_COARSEN);
  if (!main) {
    if (isCancelled()) {
      report.cancelled = true;
      report.errors.push('Fit cancelled.');
    } else {
      report.errors.push('The optimizer found no finite fit (the data may be degenerate).');
    }
    report.elapsedMs = Date.now() - started;
    return report;
  }
  progress({ stage: 'fit', fraction: bootstrap ? 0.1 : 0.8, message: 'fitted' });
  const reported = form.toParams(main.theta);
  report.ok = true;
  report.law = lawFromCoefficientVector(findLawForm(formId)!, reported);
  report.objective = main.objective;
  report.params = Object.fromEntries(form.paramNames.map((name, k) => [name, reported[k]]));
  report.trainAre = meanAre(form, main.theta, columns, fitPoints, design);
  const region = { paramsMin: Infinity, paramsMax: -Infinity, tokensMin: Infinity, tokensMax: -Infinity };
  for (const r of fitRuns) {
    const n = runs[r]!.params;
    if (n < region.paramsMin) region.paramsMin = n;
    if (n > region.paramsMax) region.paramsMax = n;
  }
  for (let k = 0; k < fitCount; k++) {
    const d = tokens[fitPoints.index[k]!]!;
    if (d < region.tokensMin) region.tokensMin = d;
    if (d > region.tokensMax) region.tokensMax = d;
  }
  report.region = region;
  addShapeWarnings(report, form, main.theta);

  if (options.holdoutLargest && evalPoints.index.length > 0 && heldOutName !== undefined) {
    const heldOut: HeldOutError = {
      model: heldOutName,
      params: heldOutParams,
      are: meanAre(form, main.theta, columns, evalPoints, designFromColumns(columns, evalPoints)),
      points: evalPoints.index.length,
    };
    if (fittedUpTo !== undefined) heldOut.fittedUpToTokens = fittedUpTo;
    report.heldOut = heldOut;
  }

  // Leave-one-model-out over the fit's models (by name).
  if (options.leaveOneModelOut) {
    const nameOf = (k: number) => modelKey(runs[fitPoints.run[k]!]!);
    const names: string[] = [];
    {
      const seen = new Set<string>();
      for (let k = 0; k < fitCount; k++)
        if (!seen.has(nameOf(k))) (seen.add(nameOf(k)), names.push(nameOf(k)));
    }
    const perModel: HeldOutError[] = [];
    for (let m = 0; m < names.length; m++) {
      if (isCancelled()) return cancelled(report, started);
      progress({
        stage: 'leave-one-out',
        fraction: 0.1 + (0.2 * m) / names.length,
        message: `leaving out ${names[m]}`,
      });
      // Positions in the fit design (the design is pointwise, so its subsets are the subsets' designs).
      const rest: number[] = [];
      const out: number[] = [];
      for (let k = 0; k < fitCount; k++) (nameOf(k) === names[m] ? out : rest).push(k);
      const restSizes = countDistinct(rest.length, (j) => paramsOf(fitPoints, rest[j]!));
      if (restSizes < form.minDistinctSizes || rest.length <= freeCount) continue;
      const refit = fitDesign(
        { form, design: subsetDesign(design, rest), delta, fixed },
        3,
        REFIT_LOCAL,
        isCancelled,
        [main.theta],
        REFIT_COARSEN,
        2,
      );
      if (!refit) continue;
      perModel.push({
        model: names[m]!,
        params: paramsOf(fitPoints, out[0]!),
        are: meanAre(form, refit.theta, columns, pick(fitPoints, out), subsetDesign(design, out)),
        points: out.length,
      });
    }
    if (perModel.length > 0) {
      report.leaveOneModelOut = {
        perModel,
        meanAre: perModel.reduce((s, e) => s + e.are, 0) / perModel.length,
      };
    }
  }

  // Bootstrap over models: resample whole runs (grouped by name) with replacement and refit.
  if (bootstrap > 0) {
    const groups = new Map<string, number[]>();
    for (let k = 0; k < fitCount; k++) {
      const key = modelKey(runs[fitPoints.run[k]!]!);
      const list = groups.get(key) ?? groups.set(key, []).get(key)!;
      list.push(k);
    }
    const groupList = [...groups.values()];
    const outcome = yield {
      job: { form: formId, delta, fixed, design, start: main.theta },
      stream: new ResampleStream(groupList, seed, design.logParams, form.minDistinctSizes, freeCount),
      count: bootstrap,
      hooks: {
        isCancelled,
        onDraw: (kept) =>
          progress({
            stage: 'bootstrap',
            fraction: 0.3 + (0.7 * kept) / bootstrap,
            message: `bootstrap ${kept}/${bootstrap}`,
          }),
      },
    };
    if (outcome === 'cancelled') return cancelled(report, started);
    const draws = outcome;
    report.bootstrapRefits = draws.length;
    if (draws.length < bootstrap) {
      report.warnings.push(
        `Only ${draws.length} of ${bootstrap} bootstrap resamples were fittable (too few model sizes per resample).`,
      );
    }
    if (draws.length >= 2) {
      report.intervals = Object.fromEntries(
        form.paramNames.map((name, k) => {
          const sorted = draws.map((d) => d[k]).sort((a, b) => a - b);
          return [name, [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)] as [number, number]];
        }),
      );
      report.draws = draws.slice(0, options.maxDrawsKept ?? 200);
    }
    if (groupList.length < 5) {
      report.warnings.push(`Bootstrap over only ${groupList.length} models: intervals are rough.`);
    }
  }
  progress({ stage: 'bootstrap', fraction: 1, message: 'done' });
  report.elapsedMs = Date.now() - started;
  return report;
}

function cancelled(report: FitReport, started: number): FitReport {
  report.cancelled = true;
  report.ok = false;
  report.errors.push('Fit cancelled.');
  report.elapsedMs = Date.now() - started;
  return report;
}

/** Warnings about fitted shapes that make extrapolation unreliable. */
function addShapeWarnings(report: FitReport, form: LogSpaceForm, theta: readonly number[]): void {
  const params = form.toParams(theta);
  for (const k of form.exponentIndices) {
    if (!(params[k] > 0)) {
      report.warnings.push(
        `Fitted exponent ${form.paramNames[k]} = ${params[k].toPrecision(3)} is not positive: loss does not fall with scale in this data.`,
      );
    }
  }
  // E is the first coefficient of the forms that have one; floored at ~0 it was not identified.
  if (form.hasIrreducibleTerm && params[0] < 1e-3) {
    report.warnings.push(
      'The irreducible loss E collapsed to ~0: the fit is degenerate (E is not identified by this data).',
    );
  }
}

/**
 * Evaluate a fitted report's law at (N, D); NaN when the fit failed. Kept here so views never
 * re-implement the forms.
 */
export function predictFromReport(report: FitReport, params: number, tokens: number): number {
  return report.law ? evaluateLaw(report.law, params, tokens) : NaN;
}
