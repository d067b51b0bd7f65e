/**
 * `scaling-lens curve CONFIG [--log FILE] [--law NAME|FILE.json] [--points K] --json`: the loss over the whole
 * run for a config's LR schedule. Rows: step, tokens, lr, loss, low, high.
 * - Without a log the loss is the selected published (N, D) law at each step's tokens — schedule-blind,
 *   and the output says so (no published law is fitted on schedules and N at once).
 * - With a log (any format of src/core/logs), the schedule-aware law E + B·S1^−β − C·S2 (Tissue et al.
 *   2024 on peak-normalized LR; src/core/fit/trajectory.ts) is fitted on the logged points, and the
 *   output adds the comparison at the last logged step, the projected final loss and the ETA.
 *   low/high are then ±2 × the fit's RMS relative residual (a residual band, not a bootstrap).
 * Schedules come from src/core/schedule (OLMo and nanoGPT so far); other frameworks get a message.
 * - With `--law FILE.json` (a law saved by `fit --form tissue2024 --save`), that schedule-aware law on
 *   this config's schedule and N, with notes when N or the tokens are beyond what it was fitted on.
 * `whatIf.wsd` is the same run with a 1-sqrt WSD cooldown over its last 20%: each row's loss is this
 * output's curve at that step × Luo et al. 2025's multi-power WSD/config ratio
 * (src/core/schedule/wsdWhatIf.ts), the series the curves panel draws; `whatIf.source` says so.
 */
import { readFileSync } from 'node:fs';
import { parseFlags } from './flags';
import { extractSchedule } from '../core/schedule';
import { compileRun } from '../core/schedule/model';
import { featuresAtTokens, runFeatures } from '../core/schedule/features';
import {
  isTensorBoardEventHead,
  parseTensorBoardEvents,
  parseTrainingLog,
  tensorBoardLossPoints,
  type ParsedLog,
} from '../core/logs';
import { fitTrajectory, predictTrajectory, type TrajectoryPoint } from '../core/fit/trajectory';
import { parseScheduleLaw, type SavedScheduleLaw } from '../core/fit/trajectorySaved';
import {
  savedLawApplies,
  savedLawAtSteps,
  savedLawBandHalfWidth,
  savedLawDescription,
  savedLawWsdSource,
} from '../core/schedule/savedLawCurve';
import { analyzeText } from '../core/analyze';
import { findPublishedLaw } from '../core/laws/published';
import { evaluateLaw } from '../core/laws/forms';
import { FIT_DEFAULTS } from '../core/fit/defaults';
import {
  WSD_NO_DECAY_REASON,
  wsdVariant,
  wsdWhatIf,
  wsdWhatIfSource,
  WSD_WHATIF_CHECK,
} from '../core/schedule/wsdWhatIf';

export const CURVE_USAGE = `Usage: scaling-lens curve CONFIG [--log FILE] [--law NAME|FILE.json] [--points K] [--logging-steps S] [--json]`;

export async function runCurveCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const parsed = parseFlags(args, {
    log: 'string',
    law: 'string',
    points: 'number',
    'logging-steps': 'number',
    json: 'boolean',
    help: 'boolean',
  });
  if ('error' in parsed) {
    err(`${parsed.error}\n${CURVE_USAGE}`);
    return 2;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    out(CURVE_USAGE);
    return 0;
  }
  if (positional.length !== 1) {
    err(`Give one config.\n${CURVE_USAGE}`);
    return 2;
  }
  const k = (flags.points as number | undefined) ?? 50;
  if (!(Number.isInteger(k) && k >= 2 && k <= 10000)) {
    err('--points must be a whole number in [2, 10000].');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(positional[0], 'utf8');
  } catch (e) {
    err(`Cannot read ${positional[0]}: ${(e as Error).message}`);
    return 1;
  }
  const recognized = analyzeText(text);
  const extracted = extractSchedule(recognized.framework, text);
  const notes = [...extracted.notes];
  if (!extracted.plan) {
    const why = extracted.errors.length ? extracted.errors.join('; ') : 'no schedule found';
    err(`scaling-lens curve: ${why}.`);
    return 1;
  }
  const { run, errors } = compileRun(extracted.plan);
  if (!run) {
    err(`scaling-lens curve: ${errors.join('; ')}`);
    return 1;
  }
  const features = runFeatures(run, undefined, extracted.plan.schedule.warmup);
  const n = run.lr.length;
  const steps = Array.from({ length: k }, (_, i) => Math.max(1, Math.round(((i + 1) / k) * n)));
  const analysis = recognized.analysis;
  const params = analysis?.params?.total;
  const result: Record<string, unknown> = {
    ok: true,
    config: positional[0],
    schedule: extracted.plan.schedule,
    totalSteps: n,
    totalTokens: run.tokens[n - 1],
    params: params ?? null,
  };
  let predict: (step: number) => { loss: number | null; low: number | null; high: number | null };
  /** N for the what-if's choice of the nearest multi-power size (the law's convention when known). */
  let whatIfParams = params;
  /** A saved schedule-aware law (--law FILE.json): the what-if is then that law on the WSD schedule. */
  let savedLaw: SavedScheduleLaw | undefined;
  if (flags.log && typeof flags.law === 'string' && /\.json$/i.test(flags.law)) {
    err('Give --log (fit the curve on the run) or a saved schedule law (--law FILE.json), not both.');
    return 2;
  }
  if (flags.log) {
    let logBytes: Buffer;
    try {
      logBytes = readFileSync(flags.log as string);
    } catch (e) {
      err(`Cannot read ${flags.log}: ${(e as Error).message}`);
      return 1;
    }
    let log: ParsedLog;
    if (isTensorBoardEventHead(logBytes)) {
      // A TensorBoard event file: the loss scalar by the framework tag table (src/core/logs/tensorboard.ts).
      const events = parseTensorBoardEvents(logBytes);
      const loss = tensorBoardLossPoints(events);
      if (loss.error) {
        err(`scaling-lens curve: ${flags.log}: ${loss.error}.`);
        return 1;
      }
      // A point re-sent with its tokens/LR replaces the earlier copy of its step.
      const byStep = new Map<string, (typeof loss.points)[number]>();
      for (const p of loss.points) byStep.set(`${p.split}:${p.step}`, p);
      log = {
        format: 'tensorboard',
        points: [...byStep.values()],
        consumed: events.consumed,
        notes: [
          `TensorBoard event file: ${loss.framework} tags`,
          ...loss.notes,
          ...events.errors,
          ...(events.consumed < logBytes.length && !events.errors.length
            ? ['the last record is incomplete (still being written): not read']
            : []),
        ],
      };
    } else
      log = parseTrainingLog(logBytes.toString('utf8'), {
        loggingSteps: flags['logging-steps'] as number | undefined,
      });
    notes.push(...log.notes);
    const val = log.points.filter((p) => p.split === 'val');
    const chosen = val.length >= 6 ? val : log.points.filter((p) => p.split === 'train');
    const points: TrajectoryPoint[] = [];
    for (const p of chosen) {
      if (p.step < 1 || p.step > n) continue;
      const tokens = p.tokens ?? run.tokens[p.step - 1];
      const at = featuresAtTokens(features, tokens);
      if (at) points.push({ model: 'run', run: 'run', params: params ?? 1, tokens, loss: p.loss, ...at });
    }
    let train = points.filter((p) => p.tokens > FIT_DEFAULTS.minTokens);
    if (train.length < 6) {
      train = points;
      notes.push('fewer than 6 logged points past 10B tokens: fitting every logged point');
    }
    const f = fitTrajectory(train, { params: false, schedule: true });
    if (!f.fit) {
      err(`scaling-lens curve: cannot fit the log: ${f.error}`);
      return 1;
    }
    let sq = 0;
    for (const p of train) sq += ((predictTrajectory(f.fit, p)! - p.loss) / p.loss) ** 2;
    const band = 2 * Math.sqrt(sq / train.length);
    const at = (step: number) => {
      const x = featuresAtTokens(features, run.tokens[step - 1])!;
      const loss = predictTrajectory(f.fit!, { params: 1, tokens: run.tokens[step - 1], ...x });
      return loss === undefined
        ? { loss: null, low: null, high: null }
        : { loss, low: loss * (1 - band), high: loss * (1 + band) };
    };
    predict = at;
    const last = chosen[chosen.length - 1];
    const lastPrediction = last && last.step <= n ? at(last.step) : undefined;
    const rate = chosen
      .filter((p) => p.iterationMs !== undefined && Number.isFinite(p.iterationMs))
      .map((p) => p.iterationMs!);
    const msPerStep = rate.length
      ? rate.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, rate.length)
      : undefined;
    result.law = f.fit.law;
    result.logged = { format: log.format, points: chosen.length, fitted: train.length };
    result.comparison =
      last && lastPrediction
        ? {
            step: last.step,
            loss: last.loss,
            predicted: lastPrediction.loss,
            low: lastPrediction.low,
            high: lastPrediction.high,
            relative: lastPrediction.loss ? last.loss / lastPrediction.loss - 1 : null,
          }
        : null;
    result.projection = { step: n, ...at(n) };
    result.etaSeconds = msPerStep !== undefined && last ? ((n - last.step) * msPerStep) / 1000 : null;
  } else if (typeof flags.law === 'string' && /\.json$/i.test(flags.law)) {
    // A schedule-aware law saved by `fit --form tissue2024 --save`: the config's own S1/S2 at each step.
    let lawText: string;
    try {
      lawText = readFileSync(flags.law, 'utf8');
    } catch (e) {
      err(`Cannot read ${flags.law}: ${(e as Error).message}`);
      return 1;
    }
    const parsedLaw = parseScheduleLaw(lawText);
    if (!parsedLaw.ok) {
      err(`--law ${flags.law}: ${parsedLaw.error}.`);
      return 1;
    }
    const saved = parsedLaw.law;
    const applies = savedLawApplies(saved, params, run.tokens[n - 1]!);
    if (!applies.ok) {
      err(`--law ${flags.law}: ${applies.reason}.`);
      return 1;
    }
    const band = savedLawBandHalfWidth(saved);
    const losses = new Map<number, number | undefined>();
    savedLawAtSteps(saved, params!, extracted.plan, run, steps).forEach((loss, i) =>
      losses.set(steps[i]!, loss),
    );
    predict = (step) => {
      const loss = losses.get(step);
      return loss === undefined
        ? { loss: null, low: null, high: null }
        : { loss, low: loss * (1 - band), high: loss * (1 + band) };
    };
    savedLaw = saved;
    notes.push(savedLawDescription(saved), ...applies.notes);
    result.law = { name: saved.name, file: flags.law, ...saved.law };
  } else {
    const lawId = (flags.law as string | undefined) ?? 'epoch2024';
    const law = findPublishedLaw(lawId);
    if (!law) {
      err(`--law: unknown law "${lawId}".`);
      return 2;
    }
    const N = law.paramConvention === 'non-embedding' ? analysis?.params?.nonEmbedding : params;
    whatIfParams = N;
    notes.push(
      `loss is ${law.id} at each step's tokens: schedule-blind (no schedule-aware law without a log)`,
    );
    predict = (step) => {
      if (!N) return { loss: null, low: null, high: null };
      const loss = evaluateLaw(law.law, N, run.tokens[step - 1]);
      return { loss: Number.isFinite(loss) ? loss : null, low: null, high: null };
    };
    result.law = law.id;
  }
  result.curve = steps.map((s) => ({ step: s, tokens: run.tokens[s - 1], lr: run.lr[s - 1], ...predict(s) }));
  result.whatIf = savedLaw
    ? savedLawWsdRows(savedLaw, params!, extracted.plan, run, steps)
    : wsdWhatIfRows(extracted.plan, run, whatIfParams, steps, result.curve as CurveRow[]);
  result.notes = notes;
  if (flags.json) out(JSON.stringify(result, null, 2));
  else
    out(
      (result.curve as { step: number; tokens: number; lr: number; loss: number | null }[])
        .map(
          (r) =>
            `${r.step}\t${r.tokens.toExponential(3)}\t${r.lr.toExponential(3)}\t${r.loss?.toFixed(4) ?? '—'}`,
        )
        .join('\n') + (notes.length ? `\n${notes.join('\n')}` : ''),
    );
  return 0;
}

interface CurveRow {
  step: number;
  tokens: number;
  lr: number;
  loss: number | null;
}

/** The WSD what-if under a saved schedule-aware law: the law on the WSD variant's own LR schedule. */
function savedLawWsdRows(
  saved: SavedScheduleLaw,
  params: number,
  plan: Parameters<typeof wsdVariant>[0],
  run: Parameters<typeof wsdVariant>[1],
  steps: number[],
): { wsd: CurveRow[]; source: string } | { wsd: null; reason: string } {
  if (plan.schedule.decay.kind === 'constant') return { wsd: null, reason: WSD_NO_DECAY_REASON };
  const variant = wsdVariant(plan, run);
  if ('reason' in variant) return { wsd: null, reason: variant.reason };
  const wsd: CurveRow[] = [];
  savedLawAtSteps(saved, params, variant.plan, variant.run, steps).forEach((loss, i) => {
    const step = steps[i]!;
    if (loss !== undefined)
      wsd.push({ step, tokens: variant.run.tokens[step - 1]!, lr: variant.run.lr[step - 1]!, loss });
  });
  return { wsd, source: savedLawWsdSource(saved) };
}

/**
 * The WSD what-if rows: the curve's loss at each step × the multi-power WSD/config ratio (exactly the
 * panel's series when the curve is the panel's law), or the reason there are none.
 */
function wsdWhatIfRows(
  plan: Parameters<typeof wsdWhatIf>[0],
  run: Parameters<typeof wsdWhatIf>[1],
  N: number | undefined,
  steps: number[],
  curve: CurveRow[],
): { wsd: CurveRow[]; source: string } | { wsd: null; reason: string } {
  if (plan.schedule.decay.kind === 'constant') return { wsd: null, reason: WSD_NO_DECAY_REASON };
  if (!N) return { wsd: null, reason: 'the parameter count is unknown' };
  const what = wsdWhatIf(plan, run, N, steps);
  if ('reason' in what) return { wsd: null, reason: what.reason };
  const wsd: CurveRow[] = [];
  curve.forEach((row, i) => {
    const ratio = what.ratio[i];
    const loss = row.loss === null || ratio === undefined ? NaN : row.loss * ratio;
    if (Number.isFinite(loss)) wsd.push({ step: row.step, tokens: row.tokens, lr: what.lr[i]!, loss });
  });
  return { wsd, source: `${wsdWhatIfSource(what, N, run.lr.length)} ${WSD_WHATIF_CHECK}` };
}
