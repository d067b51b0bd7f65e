/**
 * `scaling-lens fit RUNS --form tissue2024|multipower2025 [--holdout-largest --target-prefix 0.3] --json`:
 * the schedule-aware fit on per-checkpoint `lr`/`step` columns. tissue2024 (src/core/fit/trajectory.ts):
 * with several model sizes tissue-chinchilla, E + A·N^−α + B·S1^−β − C·S2; with one,
 * E + B·S1^−β − C·S2 (Tissue et al. 2024, Eq. 1 on peak-normalized LR). multipower2025
 * (src/core/fit/trajectoryMultipower.ts): Luo et al. 2025's multi-power law on peak-normalized LR and
 * token-weighted areas, plus A_N·N^−α_N with several sizes (multipower-chinchilla). `heldOut.are` is
 * the mean ARE over the held-out (largest) model's checkpoints after the first `--target-prefix` of
 * each of its runs; `heldOut.baselineAre` the schedule-blind (N, D) law's on the same checkpoints.
 * `--borrow-from DONOR` (tissue2024): both laws take their data exponent β from a fit of another
 * runs table (Choshen et al. 2025, "borrow exponents"), for a target whose prefix cannot pin it.
 * `--save FILE` (tissue2024, without a hold-out) writes the fit for `scaling-lens curve CONFIG --law FILE`.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { savedScheduleLawFromFit, serializeScheduleLaw } from '../core/fit/trajectorySaved';
import { parseFlags } from './flags';
import { readTrajectoryTable } from '../core/fit/trajectoryIngest';
import {
  donorExponents,
  earlyCheckpointFilter,
  fitTrajectory,
  holdoutEvaluation,
  predictTrajectory,
  trajectoryRunKey,
} from '../core/fit/trajectory';
import {
  fitMultiPower,
  multiPowerChinchillaCurve,
  multiPowerHoldout,
  toLuoUnits,
  type MultiPowerData,
} from '../core/fit/trajectoryMultipower';
import { FIT_DEFAULTS } from '../core/fit/defaults';

export async function runFitTrajectoryCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const parsed = parseFlags(args, {
    form: 'string',
    'holdout-largest': 'boolean',
    'target-prefix': 'number',
    'min-tokens': 'number',
    'borrow-from': 'string',
    save: 'string',
    name: 'string',
    'tokens-per-step': 'number',
    params: 'number',
    json: 'boolean',
  });
  if ('error' in parsed) {
    err(parsed.error);
    return 2;
  }
  const { flags, positional } = parsed;
  const form = (flags.form as string | undefined) ?? 'tissue2024';
  if (form !== 'tissue2024' && form !== 'multipower2025') {
    err(`--form ${form}: the schedule-aware forms are tissue2024 and multipower2025.`);
    return 2;
  }
  const multiPower = form === 'multipower2025';
  if (flags.save !== undefined && (multiPower || flags['holdout-largest'])) {
    err(
      multiPower
        ? '--save writes tissue2024 fits only (a multi-power law needs the whole LR sequence to evaluate).'
        : '--save writes the fit on every checkpoint: run it without --holdout-largest.',
    );
    return 2;
  }
  if (positional.length !== 1) {
    err('Give one runs table (CSV/TSV) with step, lr and loss columns.');
    return 2;
  }
  const prefix = (flags['target-prefix'] as number | undefined) ?? 0.3;
  if (!(prefix > 0 && prefix < 1)) {
    err('--target-prefix must be in (0, 1) for a schedule-aware hold-out.');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(positional[0], 'utf8');
  } catch (e) {
    err(`Cannot read ${positional[0]}: ${(e as Error).message}`);
    return 1;
  }
  const ingest = readTrajectoryTable(text, positional[0], {
    tokensPerStep: flags['tokens-per-step'] as number | undefined,
    params: flags.params as number | undefined,
  });
  if (flags.save !== undefined && !ingest.paramsKnown) {
    err('--save needs the model size: the table has no params or model column; give --params.');
    return 2;
  }
  if (flags.save !== undefined && ingest.units === 'steps') {
    err(
      '--save needs tokens: the table has no tokens column, so the fit is in steps and another config could not evaluate it; give a tokens column or --tokens-per-step.',
    );
    return 2;
  }
  // Undefined = the default early cut (earlyCheckpointFilter: 10B tokens, at most 10% of a run).
  const minTokens = flags['min-tokens'] as number | undefined;
  let borrowed: Exclude<ReturnType<typeof donorExponents>, { error: string }> | undefined;
  const donorPath = flags['borrow-from'] as string | undefined;
  if (donorPath !== undefined) {
    if (multiPower) {
      err('--borrow-from borrows tissue2024 exponents; it does not apply to --form multipower2025.');
      return 2;
    }
    let donorText: string;
    try {
      donorText = readFileSync(donorPath, 'utf8');
    } catch (e) {
      err(`Cannot read ${donorPath}: ${(e as Error).message}`);
      return 1;
    }
    const donor = readTrajectoryTable(donorText, donorPath, {});
    if (donor.errors.length) {
      err(`--borrow-from ${donorPath}: ${donor.errors.join('; ')}`);
      return 1;
    }
    const exponents = donorExponents(donor.points, minTokens);
    if ('error' in exponents) {
      err(`--borrow-from ${donorPath}: ${exponents.error}`);
      return 1;
    }
    borrowed = exponents;
  }
  const models = [...new Set(ingest.points.map((p) => p.model))];
  const sizes = new Set(ingest.points.map((p) => p.params)).size;
  const result: Record<string, unknown> = {
    ok: false,
    form,
    law: multiPower ? 'multipower-chinchilla' : 'tissue-chinchilla',
    points: ingest.points.length,
    units: ingest.units,
    models: models.length,
    modelSizes: sizes,
    runs: new Set(ingest.points.map((p) => `${p.model}/${p.run}`)).size,
    notes: [
      ...ingest.notes,
      minTokens === undefined
        ? 'checkpoints at or before min(10B tokens, 10% of their run) are not fitted (Choshen et al. 2025 cut 10B; the 10% cap keeps small ladders: --min-tokens T to set it)'
        : `checkpoints at or before ${minTokens.toExponential(2)} tokens are not fitted (--min-tokens)`,
    ],
    errors: [...ingest.errors],
    ...(borrowed && {
      borrowed: { from: donorPath, beta: borrowed.schedule.beta, baselineBeta: borrowed.baseline.beta },
    }),
  };
  if (!ingest.errors.length && multiPower)
    fitMultiPowerInto(result, ingest.multiPower, flags, prefix, minTokens);
  else if (!ingest.errors.length) {
    if (flags['holdout-largest']) {
      const largest = ingest.points.reduce((a, b) => (b.params > a.params ? b : a)).model;
      const h = holdoutEvaluation(ingest.points, largest, prefix, minTokens, borrowed);
      if (h.error || !h.schedule) (result.errors as string[]).push(h.error ?? 'fit failed');
      else {
        result.ok = true;
        result.params = h.schedule.law;
        result.heldOut = {
          model: largest,
          prefix,
          points: h.testPoints,
          are: h.scheduleAre,
          baselineAre: h.baselineAre,
        };
      }
    } else {
      const train = ingest.points.filter(earlyCheckpointFilter(ingest.points, trajectoryRunKey, minTokens));
      const f = fitTrajectory(train, { params: sizes >= 2, schedule: true }, undefined, borrowed?.schedule);
      if (!f.fit) (result.errors as string[]).push(f.error!);
      else {
        result.ok = true;
        result.params = f.fit.law;
        let are = 0;
        let squares = 0;
        for (const p of train) {
          const relative = (predictTrajectory(f.fit, p)! - p.loss) / p.loss;
          are += Math.abs(relative);
          squares += relative * relative;
        }
        result.trainAre = are / train.length;
        if (flags.save) {
          const range = (values: number[]) => [Math.min(...values), Math.max(...values)] as [number, number];
          const saved = savedScheduleLawFromFit(f.fit, {
            name:
              (flags.name as string | undefined) ??
              positional[0].replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, ''),
            source: positional[0],
            params: range(train.map((p) => p.params)),
            tokens: range(train.map((p) => p.tokens)),
            rmsRelative: Math.sqrt(squares / train.length),
          });
          const target = flags.save as string;
          const temporary = `${target}.${process.pid}.tmp`;
          try {
            // Written beside the target and renamed, so an interrupted save never leaves half a law.
            writeFileSync(temporary, serializeScheduleLaw(saved));
            renameSync(temporary, target);
            result.saved = target;
          } catch (e) {
            err(`Cannot write ${target}: ${(e as Error).message}`);
            return 1;
          }
        }
      }
    }
  }
  if (flags.json) out(JSON.stringify(result, null, 2));
  else
    out(
      Object.entries(result)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
        .join('\n'),
    );
  return result.ok ? 0 : 1;
}

/** The multi-power fit (or hold-out) into the JSON result; same contract as tissue2024's. */
function fitMultiPowerInto(
  result: Record<string, unknown>,
  data: MultiPowerData,
  flags: Record<string, unknown>,
  prefix: number,
  minTokens: number | undefined,
): void {
  const errors = result.errors as string[];
  const units = (law: Parameters<typeof toLuoUnits>[0]) => luoUnitsOf(law, data);
  if (flags['holdout-largest']) {
    const largest = data.runs.reduce((a, b) => (b.params > a.params ? b : a)).model;
    const h = multiPowerHoldout(data, largest, prefix, minTokens);
    // The schedule-blind baseline on the same checkpoints (the (N, D) law at each checkpoint's tokens).
    const points = data.checkpoints.map((p) => {
      const run = data.runs[p.run];
      return {
        model: run.model,
        run: run.run,
        params: run.params,
        tokens: p.tokens,
        loss: p.loss,
        s1: 1,
        s2: 0,
      };
    });
    const baseline = holdoutEvaluation(points, largest, prefix, minTokens);
    if (h.error || !h.fit) errors.push(h.error ?? 'fit failed');
    else {
      result.ok = true;
      result.params = h.fit.law;
      result.objective = h.fit.objective;
      const luo = units(h.fit.law);
      if (luo) result.luoUnits = luo;
      result.heldOut = {
        model: largest,
        prefix,
        points: h.testPoints,
        are: h.are,
        baselineAre: baseline.baselineAre,
      };
    }
    return;
  }
  const keep = earlyCheckpointFilter(data.checkpoints, (p) => String(p.run), minTokens);
  const use = data.checkpoints.flatMap((p, i) => (keep(p) ? [i] : []));
  const f = fitMultiPower(data, use);
  if (!f.fit) {
    errors.push(f.error!);
    return;
  }
  result.ok = true;
  result.params = f.fit.law;
  result.objective = f.fit.objective;
  const luo = units(f.fit.law);
  if (luo) result.luoUnits = luo;
  let are = 0;
  for (const i of use) {
    const p = data.checkpoints[i];
    const [pred] = multiPowerChinchillaCurve(f.fit.law, data.runs[p.run], [p.step]);
    are += Math.abs(pred! - p.loss) / p.loss;
  }
  result.trainAre = are / use.length;
}

/**
 * The fitted law in Luo et al.'s units (raw LR, areas in LR × steps) when that is one law: one model,
 * one peak LR and a constant number of tokens per step in every run.
 */
function luoUnitsOf(law: Parameters<typeof toLuoUnits>[0], data: MultiPowerData) {
  const peaks = new Set(data.runs.map((r) => r.peakLr));
  const models = new Set(data.runs.map((r) => r.model));
  const batches = new Set<number>();
  for (const r of data.runs) {
    if (typeof r.stepTokens === 'number') batches.add(r.stepTokens);
    else for (let i = 0; i < r.stepTokens.length; i++) batches.add(Math.round(r.stepTokens[i]));
  }
  const [peak] = peaks;
  const [batch] = batches;
  if (peaks.size !== 1 || models.size !== 1 || batches.size !== 1 || !(peak! > 0)) return undefined;
  return toLuoUnits(law, peak!, batch!, data.runs[0].params);
}
