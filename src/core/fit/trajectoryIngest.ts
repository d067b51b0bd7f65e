/**
 * Runs tables with per-checkpoint learning rates → TrajectoryPoints. Columns by the runs tables'
 * aliases (src/core/fit/ingest.ts: `num_params`, `tokens_seen`, `eval/loss` over `train/loss`, …),
 * plus `model` (size label) and `run` kept apart (one model may have several runs) and the LR
 * (`lr|learning_rate|train/learning_rate|lr-AdamW`); N from the model labels' nominal sizes when
 * there is no params column, tokens from `--tokens-per-step` when there is no tokens column, and
 * without either the table is read in steps (`units: 'steps'`, below).
 *
 * The per-step LR the schedule laws need is rebuilt from the logged checkpoints: linear between
 * logged (step, lr) pairs and, before the first one, a linear ramp from 0 at step 0 (a linear warmup;
 * stated in the report). When the log has no LR column, the caller supplies the schedule from the
 * config instead (`lrForStep`).
 */
import { guessDelimiter, parseDelimited } from './csv';
import { formatCount } from '../format';
import { normalizeColumn, paramsFromName, parseCell, pickColumn } from './ingest';
import { runFeatures } from '../schedule/features';
import type { TrajectoryPoint } from './trajectory';
import type { MultiPowerData } from './trajectoryMultipower';

export interface TrajectoryIngest {
  points: TrajectoryPoint[];
  /** The same checkpoints with each run's rebuilt per-step LR, for the multi-power law. */
  multiPower: MultiPowerData;
  errors: string[];
  notes: string[];
  dropped: number;
  /**
   * What `tokens` counts. 'steps' when the table has step and lr but neither a tokens column nor
   * `--tokens-per-step` (issue 13's runs contract names only `lr` and `step`): every run is then taken
   * to train the same tokens per step, which both laws absorb exactly — S1 and D enter as B·X^−β, so a
   * common factor b only rescales B; S2 is not token-weighted; the multi-power law's C·S_k likewise
   * rescales C — and the fit, the early cut's 10%-of-a-run cap and the hold-out are the same as in
   * tokens. What steps cannot give: the fixed 10B-token cut (10% of each run applies instead) and a
   * law another config can evaluate in tokens (`--save` refuses).
   */
  units: 'tokens' | 'steps';
  /** False when N is a placeholder (one model, no size given): the fit is fine, a saved law is not. */
  paramsKnown: boolean;
}

/**
 * Model labels for nominal sizes read from run labels: the views' own "400M" / "1.6B"
 * (format.ts formatCount), or the bare count where two sizes would read alike at three digits.
 */
function sizeLabels(sizes: Iterable<number>): Map<number, string> {
  const distinct = [...new Set(sizes)];
  const short = distinct.map((n) => formatCount(n));
  return new Map(
    distinct.map((n, i) => [
      n,
      short.indexOf(short[i]) === short.lastIndexOf(short[i]) ? short[i] : String(n),
    ]),
  );
}

/**
 * Columns only trajectory tables have, normalized like every runs-table column
 * (src/core/fit/ingest.ts normalizeColumn: `train/learning_rate` → `trainlearningrate`). The model
 * (size) and the run are kept apart here; params, step, tokens and loss use the runs tables' own
 * aliases (ingest.ts pickColumn: validation loss before training loss, optimizer steps before W&B's
 * `_step`).
 */
const TRAJECTORY_COLUMNS = {
  model: ['model', 'modelname', 'size'],
  run: ['run', 'runid', 'runname'],
  // Loggers' LR keys, normalized: Lightning's LearningRateMonitor `lr-AdamW`/`lr-Adam`; W&B keys of
  // OLMo `optim/learning_rate_group0` (allenai/OLMo@59a53e3f olmo/train.py), OLMo-core
  // `optim/LR (group 0)` (OLMo-core train_module.py record_metric), Levanter `optim/learning_rate`
  // (callbacks/_metrics.py log_optimizer_hyperparams prefix "optim"), MaxText
  // `learning/current_learning_rate` (common/metric_logger.py); Megatron's `learning-rate`.
  lr: [
    'lr',
    'learningrate',
    'lradamw',
    'lradam',
    'trainlearningrate',
    'trainerlearningrate',
    'trainlr',
    'optimlr',
    'optimlearningrate',
    'optimlearningrategroup0',
    'optimlrgroup0',
    'learningcurrentlearningrate',
  ],
} as const;

/**
 * A model's nominal size from its label: a bare count of at least 1e5 ("410000000", "1.2e9"), else
 * the one size its name states (ingest.ts paramsFromName: "400M", "pythia-1.4b", "OLMo-7B-Twin-2T").
 */
export function paramsFromLabel(label: string): number | undefined {
  const bare = parseCell(label, false);
  if (typeof bare === 'number') return bare >= 1e5 ? bare : undefined;
  return paramsFromName(label);
}

interface Row {
  model: string;
  run: string;
  params: number;
  step: number;
  tokens: number;
  lr: number;
  loss: number;
}

/** Logged checkpoints of one run → points with exact S1/S2 from the rebuilt per-step LR. */
export function pointsFromCheckpoints(
  rows: readonly Row[],
  lrForStep?: (step: number) => number,
): {
  points: TrajectoryPoint[];
  /** Per-step LR over the peak and tokens per step (the multi-power law's inputs). */
  run?: { lr: Float64Array; stepTokens: Float64Array; steps: number[]; peakLr: number };
  error?: string;
} {
  const sorted = [...rows].sort((a, b) => a.step - b.step);
  const last = sorted[sorted.length - 1];
  if (!last || !(last.step >= 1)) return { points: [], error: 'no checkpoint with a positive step' };
  if (last.step > 5e7) return { points: [], error: `step ${last.step} is beyond the 5e7 steps this expands` };
  const withLr = sorted.filter((r) => r.lr > 0);
  let segment = 0;
  const lrAt = (s: number): number => {
    if (lrForStep) return lrForStep(s);
    if (!withLr.length) return NaN;
    if (s <= withLr[0].step) return (withLr[0].lr * s) / Math.max(withLr[0].step, 1);
    // Called with increasing s: the segment pointer only moves forward.
    while (segment + 1 < withLr.length && withLr[segment + 1].step < s) segment++;
    const k = segment;
    const a = withLr[k];
    const b = withLr[k + 1];
    if (!b) return a.lr;
    return a.lr + ((b.lr - a.lr) * (s - a.step)) / (b.step - a.step);
  };
  const n = Math.round(last.step);
  const lr = new Float64Array(n);
  const tokens = new Float64Array(n);
  // Tokens per step between checkpoints from the logged token counts (batch ramps are respected).
  let previous = { step: 0, tokens: 0 };
  let k = 0;
  for (let s = 1; s <= n; s++) {
    while (k < sorted.length && sorted[k].step < s) previous = sorted[k++];
    const next = sorted[k] ?? previous;
    const perStep =
      next.step > previous.step
        ? (next.tokens - previous.tokens) / (next.step - previous.step)
        : next.tokens / next.step;
    lr[s - 1] = lrAt(s - 1);
    tokens[s - 1] = (s > 1 ? tokens[s - 2] : 0) + perStep;
  }
  let peak = 0;
  for (const v of lr) if (v > peak) peak = v;
  if (!(peak > 0) || lr.some((v) => !Number.isFinite(v)))
    return { points: [], error: 'no usable learning rate' };
  // The climb to the first peak is warmup, not (negative) annealing.
  const warmup = lr.indexOf(peak);
  const f = runFeatures({ lr, tokens, peakLr: peak }, undefined, warmup);
  const kept = sorted.filter((r) => r.step >= 1 && r.loss > 0);
  const normalized = new Float64Array(n);
  const stepTokens = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    normalized[i] = lr[i] / peak;
    stepTokens[i] = tokens[i] - (i ? tokens[i - 1] : 0);
  }
  const points = kept.map((r) => {
    const i = Math.round(r.step) - 1;
    return {
      model: r.model,
      run: r.run,
      params: r.params,
      tokens: r.tokens,
      loss: r.loss,
      s1: f.s1[i],
      s2: f.s2[i],
    };
  });
  return {
    points,
    run: { lr: normalized, stepTokens, steps: kept.map((r) => Math.round(r.step) - 1), peakLr: peak },
  };
}

/** Read a runs table. Never throws; problems come back as `errors`. */
export function readTrajectoryTable(
  text: string,
  fileName: string,
  options: { tokensPerStep?: number; params?: number } = {},
): TrajectoryIngest {
  const out: TrajectoryIngest = {
    points: [],
    multiPower: { runs: [], checkpoints: [] },
    errors: [],
    notes: [],
    dropped: 0,
    units: 'tokens',
    paramsKnown: true,
  };
  const { records } = parseDelimited(text, guessDelimiter(text, fileName));
  if (records.length < 2) return { ...out, errors: ['the table has no data rows'] };
  const header = records[0].cells.map((c) => c.trim());
  const own = (names: readonly string[]) => header.findIndex((h) => names.includes(normalizeColumn(h)));
  const shared = (key: 'params' | 'step' | 'tokens' | 'loss') => {
    const { column } = pickColumn(header, key);
    return column === undefined ? -1 : header.indexOf(column);
  };
  const idx: Record<string, number> = {
    model: own(TRAJECTORY_COLUMNS.model),
    run: own(TRAJECTORY_COLUMNS.run),
    lr: own(TRAJECTORY_COLUMNS.lr),
    params: shared('params'),
    step: shared('step'),
    tokens: shared('tokens'),
    loss: shared('loss'),
  };
  const losses = pickColumn(header, 'loss');
  if (losses.others.length)
    out.notes.push(
      `loss column "${losses.column}" chosen over ${losses.others.map((c) => `"${c}"`).join(', ')} (validation loss preferred)`,
    );
  if (idx.step < 0) out.errors.push('a `step` column is needed to rebuild the learning-rate schedule');
  if (idx.lr < 0) out.errors.push('an `lr` (learning_rate) column is needed for a schedule-aware fit');
  if (idx.loss < 0) out.errors.push('no loss column (loss, val_loss, eval_loss)');
  if (idx.tokens < 0 && !options.tokensPerStep) {
    out.units = 'steps';
    out.notes.push(
      'no tokens column: fitted in optimizer steps, every run taken to train the same tokens per step (a common batch only rescales the S1 coefficient, so the fit and the hold-out are those in tokens); the early cut is 10% of each run, --min-tokens counts steps; give a tokens column or --tokens-per-step if the batch differs between runs',
    );
  }
  // Without a params column, each model's nominal size from its label, when every label states one;
  // without a model column, from the run labels ("400M-cosine"), the runs of one size being a model.
  const sizeColumn = idx.model >= 0 ? 'model' : idx.run >= 0 ? 'run' : undefined;
  let labelParams: Map<string, number> | undefined;
  let runSizeLabels: Map<number, string> | undefined;
  if (idx.params < 0 && !options.params && sizeColumn) {
    labelParams = new Map();
    for (const r of records.slice(1)) {
      const label = (r.cells[idx[sizeColumn]] ?? '').trim();
      if (!label || labelParams.has(label)) continue;
      const n = paramsFromLabel(label);
      if (n === undefined) {
        labelParams = undefined;
        break;
      }
      labelParams.set(label, n);
    }
    runSizeLabels = sizeColumn === 'run' && labelParams?.size ? sizeLabels(labelParams.values()) : undefined;
    if (labelParams?.size)
      out.notes.push(
        sizeColumn === 'model'
          ? `no params column: N from the model labels' nominal sizes (${[...labelParams].map(([l, n]) => `${l} = ${n.toExponential(2)}`).join(', ')}); give a params column for exact counts`
          : `no params or model column: N from the run labels' nominal sizes, the runs of one size being one model (${[
              ...runSizeLabels!,
            ]
              .map(
                ([n, label]) =>
                  `${label} = ${n.toExponential(2)}: ${[...labelParams!.values()].filter((v) => v === n).length} runs`,
              )
              .join(', ')}); give a params column for exact counts`,
      );
    else labelParams = undefined;
  }
  // One model and no size anywhere: with one size the N term is folded into E, so N is not needed
  // for the fit; it is set to 1 and `paramsKnown` says it is not a count (nothing may save it).
  const modelLabels =
    idx.model >= 0 ? new Set(records.slice(1).map((r) => (r.cells[idx.model] ?? '').trim())).size : 1;
  const oneModelWithoutSize = idx.params < 0 && !options.params && !labelParams && modelLabels === 1;
  if (oneModelWithoutSize) {
    out.paramsKnown = false;
    out.notes.push(
      'no params column and one model: its N is not needed (with one size the N term is folded into E); give --params to save the law',
    );
  } else if (idx.params < 0 && !options.params && !labelParams)
    out.errors.push('no params column, and the model labels state no size: give --params');
  if (out.errors.length) return out;
  const runs = new Map<string, Row[]>();
  for (const r of records.slice(1)) {
    const cell = (k: string) => (idx[k] >= 0 ? (r.cells[idx[k]] ?? '').trim() : '');
    // Counts may carry a magnitude suffix (`400M`, `300B`), as in every runs table.
    const num = (k: string, suffix = false) => {
      const v = parseCell(cell(k), suffix);
      return typeof v === 'number' ? v : NaN;
    };
    const step = num('step');
    const runSize = sizeColumn === 'run' ? labelParams?.get(cell('run')) : undefined;
    const row: Row = {
      model:
        cell('model') || cell('params') || (runSize !== undefined ? runSizeLabels!.get(runSize)! : 'model'),
      run: cell('run') || cell('model') || cell('params') || 'run',
      params:
        idx.params >= 0
          ? num('params', true)
          : (labelParams?.get(cell(sizeColumn!)) ?? options.params ?? (oneModelWithoutSize ? 1 : NaN)),
      step,
      tokens: idx.tokens >= 0 ? num('tokens', true) : step * (options.tokensPerStep ?? 1),
      lr: num('lr'),
      loss: num('loss'),
    };
    if (![row.params, row.step, row.tokens, row.loss].every((v) => Number.isFinite(v) && v > 0)) {
      out.dropped++;
      continue;
    }
    const key = `${row.model}\u0000${row.run}`;
    if (!runs.has(key)) runs.set(key, []);
    runs.get(key)!.push(row);
  }
  for (const [key, rows] of runs) {
    const r = pointsFromCheckpoints(rows);
    if (r.error) out.errors.push(`run ${key.replace('\u0000', '/')}: ${r.error}`);
    for (const p of r.points) out.points.push(p);
    if (r.run && r.points.length) {
      const index = out.multiPower.runs.length;
      out.multiPower.runs.push({
        model: rows[0].model,
        run: rows[0].run,
        params: rows[0].params,
        lr: r.run.lr,
        stepTokens: r.run.stepTokens,
        peakLr: r.run.peakLr,
      });
      r.points.forEach((p, k) =>
        out.multiPower.checkpoints.push({
          run: index,
          step: r.run!.steps[k],
          tokens: p.tokens,
          loss: p.loss,
        }),
      );
    }
  }
  out.notes.push(
    'per-step LR rebuilt linearly between logged checkpoints, ramping from 0 at step 0 before the first',
  );
  return out;
}
