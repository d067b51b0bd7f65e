import type { LawForm } from '../laws/forms';
import { evaluateLaw, findLawForm, lawFromCoefficientVector } from '../laws/forms';
import { quantileSorted } from '../laws/uncertainty';
import { FIT_DEFAULTS } from './defaults';
import { logSpaceForm, type FitDesign, type LogSpaceForm } from './jacobians';
import { fitDesign, MAIN_COARSEN, MAIN_LOCAL, REFIT_COARSEN, REFIT_LOCAL } from './multistart';
import { subsetDesign, type Problem } from './optimize';
import { bootstrapSerial, ResampleStream, type BootstrapHooks, type BootstrapJob } from './bootstrap';
import { bootstrapParallel, defaultThreads } from './parallel';
import type { DropReason, FitOptions, FitReport, HeldOutError, RunSeries } from './types';

/** One usable checkpoint, tagged with its run. */
interface FitPoint {
  run: number;
  params: number;
  tokens: number;
  loss: number;
  flops?: number;
  uniqueTokens?: number;
}

/** Key that identifies a model for resampling and leave-one-out: run name + seed collapse to name. */
function modelKey(run: RunSeries): string {
  return run.name;
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

/** Mean absolute relative error of a law on points. */
function meanAre(
  form: LogSpaceForm,
  theta: readonly number[],
  points: readonly FitPoint[],
  design: FitDesign = buildDesign(points),
): number {
  if (points.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const predicted = Math.exp(form.logLoss(theta, design, i));
    sum += Math.abs(predicted - points[i].loss) / points[i].loss;
  }
  return sum / points.length;
}

/** Max of a possibly huge array (spreading millions of arguments overflows the stack). */
function maxOf(values: readonly number[]): number {
  let best = -Infinity;
  for (const v of values) if (v > best) best = v;
  return best;
}

function minOf(values: readonly number[]): number {
  let best = Infinity;
  for (const v of values) if (v < best) best = v;
  return best;
}

function countDistinct(values: Iterable<number>): number {
  return new Set(values).size;
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
  const steps = fitSteps(runs, options);
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
  const steps = fitSteps(runs, options);
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
  runs: readonly RunSeries[],
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
  const points: FitPoint[] = [];
  runs.forEach((run, runIndex) => {
    if (!(Number.isFinite(run.params) && run.params > 0)) {
      drop(Number.isFinite(run.params) ? 'non-positive' : 'nan', run.points.length);
      return;
    }
    let kept = run.points.filter((p) => {
      if (!Number.isFinite(p.tokens) || !Number.isFinite(p.loss)) return (drop('nan'), false);
      if (!(p.tokens > 0 && p.loss > 0)) return (drop('non-positive'), false);
      if (p.tokens <= minTokens) return (drop('before-min-tokens'), false);
      return true;
    });
    if (!useIntermediate && kept.length > 1) {
      const last = kept.reduce((a, b) => (b.tokens >= a.tokens ? b : a));
      drop('intermediate-checkpoint', kept.length - 1);
      kept = [last];
    }
    for (const p of kept)
      points.push({
        run: runIndex,
        params: run.params,
        tokens: p.tokens,
        loss: p.loss,
        flops: p.flops,
        ...(run.uniqueTokens !== undefined ? { uniqueTokens: run.uniqueTokens } : {}),
      });
  });
  if (points.length === 0) {
    const cut = report.dropped['before-min-tokens'];
    report.errors.push(
      cut
        ? `No checkpoints left: all ${cut} were at or before the min-tokens cut-off (${minTokens.toExponential(1)} tokens). Lower it (e.g. --min-tokens 0) for small runs.`
        : 'No usable checkpoints (need positive N, tokens and loss).',
    );
    return report;
  }

  if (findLawForm(formId)!.inputs.includes('uniqueTokens') && !points.some((p) => p.uniqueTokens)) {
    report.errors.push(
      `The ${formId} form models repeated data and needs each run's unique tokens (U_D); none of the runs states them.`,
    );
    return report;
  }

  // Held-out target: every run at the largest N (seeds of the same model would leak otherwise).
  let fitPoints = points;
  let evalPoints: FitPoint[] = [];
  let heldOutName: string | undefined;
  let heldOutParams = 0;
  let fittedUpTo: number | undefined;
  if (options.holdoutLargest) {
    heldOutParams = maxOf(points.map((p) => p.params));
    const targetRuns = new Set(points.filter((p) => p.params === heldOutParams).map((p) => p.run));
    heldOutName = runs[[...targetRuns][0]].name;
    const cutoffByRun = new Map<number, number>();
    for (const r of targetRuns) {
      const maxTokens = maxOf(points.filter((p) => p.run === r).map((p) => p.tokens));
      cutoffByRun.set(r, prefixFraction * maxTokens);
    }
    fitPoints = points.filter((p) => !targetRuns.has(p.run) || p.tokens <= (cutoffByRun.get(p.run) ?? 0));
    evalPoints = points.filter((p) => targetRuns.has(p.run) && p.tokens > (cutoffByRun.get(p.run) ?? 0));
    if (prefixFraction > 0) fittedUpTo = maxOf([...cutoffByRun.values()]);
    if (evalPoints.length === 0)
      report.warnings.push(`The held-out model ${heldOutName} has no points to evaluate.`);
  }

  const fitRuns = new Set(fitPoints.map((p) => p.run));
  const sizes = countDistinct(fitPoints.map((p) => p.params));
  report.points = fitPoints.length;
  report.models = new Set([...fitRuns].map((r) => modelKey(runs[r]))).size;
  report.modelSizes = sizes;
  const freeCount = fixed.filter((v) => v === undefined).length;
  if (sizes < form.minDistinctSizes) {
    report.errors.push(
      `The ${formId} form needs at least ${form.minDistinctSizes} distinct model sizes to separate the N term from the rest; the fit data has ${sizes}. Add runs of other sizes, or use --form compute for a single model's curve.`,
    );
    return report;
  }
  if (fitPoints.length <= freeCount) {
    const simpler = form.fewerCoefficientsForm
      ? logSpaceForm(form.fewerCoefficientsForm as LawForm)
      : undefined;
    report.errors.push(
      `Only ${fitPoints.length} points for ${freeCount} free coefficients; need more checkpoints or runs` +
        (simpler && fitPoints.length > simpler.thetaNames.length
          ? `, or fit the ${simpler.thetaNames.length}-coefficient form with --form ${simpler.form}.`
          : '.'),
    );
    return report;
  }
  if (formId === 'compute' && countDistinct(fitPoints.map((p) => p.flops ?? 6 * p.params * p.tokens)) < 3) {
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
  const design = buildDesign(fitPoints);
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
  report.trainAre = meanAre(form, main.theta, fitPoints, design);
  report.region = {
    paramsMin: minOf(fitPoints.map((p) => p.params)),
    paramsMax: maxOf(fitPoints.map((p) => p.params)),
    tokensMin: minOf(fitPoints.map((p) => p.tokens)),
    tokensMax: maxOf(fitPoints.map((p) => p.tokens)),
  };
  addShapeWarnings(report, form, main.theta);

  if (options.holdoutLargest && evalPoints.length > 0 && heldOutName !== undefined) {
    const heldOut: HeldOutError = {
      model: heldOutName,
      params: heldOutParams,
      are: meanAre(form, main.theta, evalPoints),
      points: evalPoints.length,
    };
    if (fittedUpTo !== undefined) heldOut.fittedUpToTokens = fittedUpTo;
    report.heldOut = heldOut;
  }

  // Leave-one-model-out over the fit's models (by name).
  if (options.leaveOneModelOut) {
    const names = [...new Set(fitPoints.map((p) => modelKey(runs[p.run])))];
    const perModel: HeldOutError[] = [];
    for (let m = 0; m < names.length; m++) {
      if (isCancelled()) return cancelled(report, started);
      progress({
        stage: 'leave-one-out',
        fraction: 0.1 + (0.2 * m) / names.length,
        message: `leaving out ${names[m]}`,
      });
      const rest = fitPoints.filter((p) => modelKey(runs[p.run]) !== names[m]);
      const out = fitPoints.filter((p) => modelKey(runs[p.run]) === names[m]);
      if (countDistinct(rest.map((p) => p.params)) < form.minDistinctSizes || rest.length <= freeCount)
        continue;
      const refit = fitDesign(
        { form, design: buildDesign(rest), delta, fixed },
        3,
        REFIT_LOCAL,
        isCancelled,
        [main.theta],
        REFIT_COARSEN,
        2,
      );
      if (!refit) continue;
      perModel.push({
        model: names[m],
        params: out[0].params,
        are: meanAre(form, refit.theta, out),
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
    fitPoints.forEach((p, i) => {
      const key = modelKey(runs[p.run]);
      const list = groups.get(key) ?? groups.set(key, []).get(key)!;
      list.push(i);
    });
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
