/**
 * Real trajectories from ../shared/data/hitchhiker_colpret/raw (IBM/ColPret@16f23bbe, MIT) joined with
 * the schedules their papers/configs state, as TrajectoryPoints for src/core/fit/trajectory.ts.
 * Read directly from /work/shared (never copied into the repo).
 *
 * Schedules:
 * - GPT-3 (Brown et al. 2020): Table 2.1 sizes, batch (tokens) and peak LR (gpt3_metadata.csv);
 *   App. B: linear warmup over the first 375M tokens, cosine decay to 10% over 260B tokens, then 10%,
 *   300B tokens; batch ramp from 32k tokens linearly over the first 4–12B tokens "depending on model
 *   size" (exact per-size values not stated: we use 12B for all; it only changes the step count
 *   during a constant-LR phase).
 * - OLMo-1B: configs/olmo/OLMo-1B.yaml read by src/core/config/frameworks/olmo/schedule.ts (cosine_with_warmup,
 *   t_warmup 2000, alpha_f 0.1, lr 4e-4, max_duration 739,328 steps, 2048 × 2048 tokens per step).
 * - OLMo-7B and OLMo-7B-Twin-2T: configs-b/olmo/official-0724/OLMo-7B.yaml, same reader
 *   (linear_with_warmup, t_warmup 5000, alpha_f 0.1, lr 3e-4, max_duration 2e12T); the LR stays at alpha_f·lr
 *   after the horizon (the logged OLMo-7B run goes to step 556k, past 2T tokens). Twin-2T's own
 *   config is not in the shared set: we assume it is the same file.
 * - datablations (Muennighoff et al. 2023), epochs = 1 runs: ASSUMED cosine to 10% of peak over the run
 *   with 1% linear warmup and 2048 × 512 tokens per step (the per-model sbatch scripts live on the
 *   Hugging Face hub and are not available here; the 1,048,576-token checkpoint grid is consistent).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileRun } from '../src/core/schedule/model';
import { featuresAtTokens, runFeatures } from '../src/core/schedule/features';
import type { LrSchedule, RunPlan } from '../src/core/schedule/types';
import { olmoSchedule } from '../src/core/config/frameworks/olmo/schedule';
import type { TrajectoryPoint } from '../src/core/fit/trajectory';
import type { MultiPowerData } from '../src/core/fit/trajectoryMultipower';

export const SHARED = path.join(__dirname, '..', '..', 'shared');
export const RAW = path.join(SHARED, 'data', 'hitchhiker_colpret', 'raw');

export interface Family {
  name: string;
  target: string;
  points: TrajectoryPoint[];
  /** The same checkpoints with each run's per-step LR (for the multi-power law). */
  multiPower: MultiPowerData;
  schedule: string;
}

/** Collects the per-step runs of a family next to its points (pointsFor appends to it). */
function newMultiPower(): MultiPowerData {
  return { runs: [], checkpoints: [] };
}

function csv(file: string): Record<string, string>[] {
  const text = readFileSync(path.join(RAW, file), 'utf8');
  const rows: string[][] = [];
  // Minimal RFC-4180 reader (olmo.csv has quoted fields with commas).
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (row.push(field), (field = ''));
    else if (ch === '\n') (row.push(field), rows.push(row), (row = []), (field = ''));
    else if (ch !== '\r') field += ch;
  }
  if (field || row.length) (row.push(field), rows.push(row));
  const [head, ...body] = rows;
  return body
    .filter((r) => r.length === head.length)
    .map((r) => Object.fromEntries(head.map((h, k) => [h, r[k]])));
}

function pointsFor(
  plan: RunPlan,
  model: string,
  run: string,
  params: number,
  checkpoints: { tokens: number; loss: number }[],
  warmupSteps: number,
  multiPower: MultiPowerData,
): TrajectoryPoint[] {
  const { run: compiled, errors } = compileRun(plan);
  if (!compiled) throw new Error(errors.join('; '));
  const f = runFeatures(compiled, undefined, warmupSteps);
  const out: TrajectoryPoint[] = [];
  const n = compiled.lr.length;
  const lr = new Float64Array(n);
  const stepTokens = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lr[i] = compiled.lr[i] / compiled.peakLr;
    stepTokens[i] = compiled.tokens[i] - (i ? compiled.tokens[i - 1] : 0);
  }
  const index = multiPower.runs.length;
  multiPower.runs.push({ model, run, params, lr, stepTokens, peakLr: compiled.peakLr });
  for (const c of checkpoints) {
    const at = featuresAtTokens(f, c.tokens);
    if (!at || !(c.loss > 0)) continue;
    out.push({ model, run, params, tokens: c.tokens, loss: c.loss, ...at });
    // The multi-power law is evaluated after whole steps: the first step reaching the checkpoint.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compiled.tokens[mid] < c.tokens * (1 - 1e-12)) lo = mid + 1;
      else hi = mid;
    }
    multiPower.checkpoints.push({ run: index, step: lo, tokens: c.tokens, loss: c.loss });
  }
  return out;
}

const GPT3 = [
  ['small', 125e6, 0.5e6, 6.0e-4],
  ['medium', 350e6, 0.5e6, 3.0e-4],
  ['large', 760e6, 0.5e6, 2.5e-4],
  ['xl', 1.3e9, 1e6, 2.0e-4],
  ['2.7b', 2.7e9, 1e6, 1.6e-4],
  ['6.7b', 6.7e9, 2e6, 1.2e-4],
  ['13b', 13e9, 2e6, 1.0e-4],
  ['175b', 175e9, 3.2e6, 0.6e-4],
] as const;

export function gpt3Family(): Family {
  const rows = csv('gpt3_extracted.csv');
  const points: TrajectoryPoint[] = [];
  const multiPower = newMultiPower();
  for (const [model, params, batch, lr] of GPT3) {
    const schedule: LrSchedule = {
      unit: 'tokens',
      peakLr: lr,
      finalLr: 0.1 * lr,
      warmup: 375e6,
      warmupShape: 'linear',
      decay: { kind: 'cosine' },
      horizon: 260e9,
    };
    const plan: RunPlan = {
      schedule,
      batchTokens: batch,
      totalTokens: 300e9,
      ramp: { kind: 'tokens-linear', startTokens: 32e3, rampTokens: 12e9 },
    };
    const checkpoints = rows
      .filter((r) => r.model === model && r.val_loss)
      .map((r) => ({ tokens: Math.min(Number(r.step) * 1e9, 300e9), loss: Number(r.val_loss) }));
    // Warmup in steps: the steps taken in the first 375M tokens of the ramp.
    const ramp = compileRun({ ...plan, totalTokens: 375e6 }).run;
    points.push(...pointsFor(plan, model, model, params, checkpoints, ramp?.lr.length ?? 0, multiPower));
  }
  return { name: 'GPT-3 (val)', target: '175b', points, multiPower, schedule: 'Brown et al. 2020 App. B' };
}

function olmoCheckpoints(model: string, column: string) {
  return csv('olmo.csv')
    .filter((r) => r.model_name.trim() === model && r[column])
    .map((r) => ({ step: Number(r.Step), loss: Number(r[column]) }));
}

const OLMO_BATCH = 2048 * 2048;

/** The validation cross-entropy columns that `model` logs at every one of its checkpoints. */
export function olmoValidationColumns(model: string): string[] {
  const rows = csv('olmo.csv').filter((r) => r.model_name.trim() === model);
  return Object.keys(rows[0] ?? {}).filter(
    (column) => /validation\/CrossEntropyLoss$/.test(column) && rows.every((r) => r[column]),
  );
}

const OLMO_1B_SET = 'v3-small-c4_en-validation/CrossEntropyLoss';

export function olmo1bFamily(column = OLMO_1B_SET): Family {
  const rows = olmoCheckpoints('OLMo-1B', column);
  const plan = olmoSchedule(readFileSync(path.join(SHARED, 'configs', 'olmo', 'OLMo-1B.yaml'), 'utf8')).plan!;
  const multiPower = newMultiPower();
  const points = pointsFor(
    plan,
    '1B',
    'OLMo-1B',
    1e9,
    rows.map((r) => ({ tokens: r.step * OLMO_BATCH, loss: r.loss })),
    2000,
    multiPower,
  );
  const set = column === OLMO_1B_SET ? 'c4_en' : column.replace(/-validation\/CrossEntropyLoss$/, '');
  return {
    name: `OLMo-1B (${set})`,
    target: '1B',
    points,
    multiPower,
    schedule: 'configs/olmo/OLMo-1B.yaml',
  };
}

export function olmo7bFamily(): Family {
  const column = 'wikitext_103-validation/CrossEntropyLoss';
  const config = olmoSchedule(
    readFileSync(path.join(SHARED, 'configs-b', 'olmo', 'official-0724', 'OLMo-7B.yaml'), 'utf8'),
  ).plan!;
  const points: TrajectoryPoint[] = [];
  const multiPower = newMultiPower();
  for (const model of ['OLMo-7B', 'OLMo-7B-Twin-2T']) {
    const rows = olmoCheckpoints(model, column);
    const last = Math.max(...rows.map((r) => r.step));
    // The logged run continues past the config's horizon at alpha_f·lr (olmo/optim.py).
    const plan: RunPlan = { ...config, totalSteps: Math.max(last, config.totalSteps!) };
    points.push(
      ...pointsFor(
        plan,
        '7B',
        model,
        7e9,
        rows.map((r) => ({ tokens: r.step * OLMO_BATCH, loss: r.loss })),
        5000,
        multiPower,
      ),
    );
  }
  return {
    name: 'OLMo-7B + Twin-2T (wikitext_103)',
    target: '7B',
    points,
    multiPower,
    schedule: 'configs-b/olmo/official-0724/OLMo-7B.yaml',
  };
}

export function datablationsFamily(data: 'c4' | 'oscar'): Family {
  const rows = csv('datablations_losses.csv').filter((r) => r.data === data && r.epochs === '1');
  const points: TrajectoryPoint[] = [];
  const multiPower = newMultiPower();
  const batch = 2048 * 512;
  for (const size of ['2.8B', '4.2B', '8.7B']) {
    const mine = rows
      .filter((r) => r.num_params === size)
      .map((r) => ({ tokens: Number(r.token_num), loss: Number(r.loss) }));
    const total = Number(rows.find((r) => r.num_params === size)!.tokens_per_epoch);
    const steps = Math.ceil(total / batch);
    const warmup = Math.round(0.01 * steps);
    const schedule: LrSchedule = {
      unit: 'steps',
      peakLr: 2e-4,
      finalLr: 2e-5,
      warmup,
      warmupShape: 'linear',
      decay: { kind: 'cosine' },
      horizon: steps,
    };
    points.push(
      ...pointsFor(
        { schedule, batchTokens: batch, totalSteps: steps },
        size,
        `${size}-${data}`,
        Number(size.replace('B', '')) * 1e9,
        mine,
        warmup,
        multiPower,
      ),
    );
  }
  return {
    name: `datablations ${data} (1 epoch)`,
    target: '8.7B',
    points,
    multiPower,
    schedule: 'ASSUMED cosine→10%, 1% warmup',
  };
}

export function allFamilies(): Family[] {
  return [
    gpt3Family(),
    olmo1bFamily(),
    olmo7bFamily(),
    datablationsFamily('c4'),
    datablationsFamily('oscar'),
  ];
}
