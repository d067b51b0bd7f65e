import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MULTIPOWER_PUBLISHED, multiPowerCurve } from '../../src/core/laws/forms/multipower2025';
import {
  fitMultiPower,
  fromLuoUnits,
  multiPowerChinchillaCurve,
  toLuoUnits,
  type MultiPowerData,
} from '../../src/core/fit/trajectoryMultipower';
import { runFitCommand } from '../../src/cli/fit';
import { lrAt } from '../../src/core/schedule/model';
import type { LrSchedule } from '../../src/core/schedule/types';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'schedule', 'multipower2025-400M');

/** thu-yao-01-luo/MultiPowerLaw@8da9f190 src/data_loader.py: warmup 2160 (linspace from 0), peak 3e-4, end 3e-5. */
const W = 2160;
const PEAK = 3e-4;
function lrsFor(name: string): Float64Array {
  let total = 24000;
  let schedule: LrSchedule;
  const base = {
    unit: 'steps' as const,
    peakLr: PEAK,
    finalLr: 3e-5,
    warmup: W,
    warmupShape: 'linear' as const,
  };
  if (name.startsWith('cosine_')) {
    total = Number(name.split('_')[1]);
    schedule = { ...base, decay: { kind: 'cosine' }, horizon: total };
  } else if (name.startsWith('constant_')) {
    total = Number(name.split('_')[1]);
    schedule = { ...base, decay: { kind: 'constant' }, horizon: total };
  } else if (name.startsWith('wsdcon_')) {
    total = 16000;
    const lrB = Number(name.split('_')[1]) * 1e-5;
    schedule = { ...base, decay: { kind: 'step', milestones: [8000], gamma: lrB / PEAK }, horizon: total };
  } else {
    const shape = name.startsWith('wsdld') ? 'linear' : 'exponential';
    schedule = {
      ...base,
      decay: { kind: 'wsd', cooldownFraction: 4000 / (24000 - W), shape },
      horizon: 24000,
    };
  }
  const lrs = new Float64Array(total);
  for (let s = 0; s < total; s++) lrs[s] = s < W ? (PEAK * s) / (W - 1) : lrAt(schedule, s);
  return lrs;
}

function loadCurve(name: string): { steps: number[]; loss: number[] } {
  let points = readFileSync(path.join(FIXTURES, `${name}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((r) => r.split(',').map(Number));
  if (Math.max(...points.map((p) => p[0])) === 24000) points = points.filter((p) => p[0] < 24000);
  return { steps: points.map((p) => p[0]), loss: points.map((p) => p[2]) };
}

// src/config.py TRAIN_SET and TEST_SET.
const TRAIN = ['cosine_24000', 'constant_24000', 'wsdcon_9'];
const TEST = [
  'constant_72000',
  'cosine_72000',
  'wsd_20000_24000',
  'wsdld_20000_24000',
  'wsdcon_3',
  'wsdcon_18',
];
/** logs/400.log "Average Prede" over TEST_SET with the published 400M constants. */
const PUBLISHED_TEST_PREDE = 0.0016797822106696487;

function meanPrede(law: ReturnType<typeof toLuoUnits>, names: string[]): number {
  let total = 0;
  for (const name of names) {
    const { steps, loss } = loadCurve(name);
    const pred = multiPowerCurve(law, lrsFor(name), steps);
    let sum = 0;
    pred.forEach((p, i) => (sum += Math.abs(loss[i] - p!) / loss[i]));
    total += sum / loss.length;
  }
  return total / names.length;
}

function data400M(): MultiPowerData {
  const names = [...TRAIN, ...TEST];
  const data: MultiPowerData = { runs: [], checkpoints: [] };
  names.forEach((name, run) => {
    const lrs = lrsFor(name);
    data.runs.push({ model: '400M', run: name, params: 4e8, lr: lrs.map((v) => v / PEAK), stepTokens: 1 });
    const { steps, loss } = loadCurve(name);
    steps.forEach((step, i) => data.checkpoints.push({ run, step, tokens: step, loss: loss[i] }));
  });
  return data;
}

test('multipower fit: the blocked loss-drop sum matches the exact sum (< 1e-6 relative) on all nine 400M schedules', () => {
  const law = fromLuoUnits(MULTIPOWER_PUBLISHED['400M'], PEAK, 1);
  for (const name of [...TRAIN, ...TEST]) {
    const { steps } = loadCurve(name);
    const lrs = lrsFor(name);
    const exact = multiPowerCurve(MULTIPOWER_PUBLISHED['400M'], lrs, steps);
    const blocked = multiPowerChinchillaCurve(
      law,
      { model: 'm', run: name, params: 4e8, lr: lrs.map((v) => v / PEAK), stepTokens: 1 },
      steps,
    );
    exact.forEach((e, i) => assert.ok(Math.abs(e! - blocked[i]!) / e! < 1e-6, `${name} step ${steps[i]}`));
  }
});

test('multipower fit: toLuoUnits inverts fromLuoUnits (peak LR and tokens per step absorbed by A, B, C)', () => {
  const p = MULTIPOWER_PUBLISHED['100M'];
  const back = toLuoUnits(fromLuoUnits(p, 4e-4, 2048 * 512), 4e-4, 2048 * 512);
  for (const k of ['L0', 'A', 'alpha', 'B', 'C', 'beta', 'gamma'] as const)
    assert.ok(Math.abs(back[k] - p[k]) <= 1e-12 * Math.abs(p[k]), k);
});

// Measured: objective 7.88e-5 at our optimum vs 5.77e-4 at the published PARAMS (their AdamW stops
// after 90 steps, logs/400.log); a local fit started AT the published PARAMS reaches the same optimum.
// Constants (ours vs theirs): L0 2.303/2.375, A 0.703/0.654, α 0.417/0.429, B 771/523, C 0.49/2.02,
// β 0.27/0.59, γ 0.66/0.63. Held-out mean prede 0.216% vs their 0.168% (cosine_72000 0.64% vs 0.20%).
test('multipower fit on their TRAIN_SET (400M): lower Huber objective than the published constants, L0/A/α/γ within 8%, held-out prede within 1.35× theirs', () => {
  const data = data400M();
  const use = data.checkpoints.flatMap((c, i) => (TRAIN.includes(data.runs[c.run].run) ? [i] : []));
  const { fit, error } = fitMultiPower(data, use);
  assert.equal(error, undefined);
  const ours = toLuoUnits(fit!.law, PEAK, 1);
  const published = MULTIPOWER_PUBLISHED['400M'];
  // The objective of the published constants on the same points (the same blocked evaluation).
  const pubLaw = fromLuoUnits(published, PEAK, 1);
  let pubObjective = 0;
  for (const i of use) {
    const c = data.checkpoints[i];
    const [pred] = multiPowerChinchillaCurve(pubLaw, data.runs[c.run], [c.step]);
    const r = Math.log(pred!) - Math.log(c.loss);
    pubObjective += Math.abs(r) <= 1e-3 ? 0.5 * r * r : 1e-3 * (Math.abs(r) - 5e-4);
  }
  assert.ok(fit!.objective < pubObjective / 5, `${fit!.objective} vs published ${pubObjective}`);
  for (const k of ['L0', 'A', 'alpha', 'gamma'] as const)
    assert.ok(Math.abs(ours[k] / published[k] - 1) < 0.08, `${k}: ${ours[k]} vs ${published[k]}`);
  const trainPrede = meanPrede(ours, TRAIN);
  assert.ok(trainPrede < meanPrede(published, TRAIN) / 3, `train prede ${trainPrede}`);
  const testPrede = meanPrede(ours, TEST);
  assert.ok(testPrede < 1.35 * PUBLISHED_TEST_PREDE, `test prede ${testPrede}`);
});

test('fit --form multipower2025 on a runs table: JSON contract (params, objective, heldOut.are/baselineAre), deterministic', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sl-mpl-'));
  const csv = path.join(dir, 'runs.csv');
  const lines = ['model,run,params,step,tokens,lr,loss'];
  for (const name of ['cosine_24000', 'wsd_20000_24000']) {
    const rows = readFileSync(path.join(FIXTURES, `${name}.csv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    for (const r of rows) {
      const [step, lr, loss] = r.split(',');
      lines.push(`400M,${name},4e8,${step},${Number(step) * 1024},${lr},${loss}`);
    }
  }
  writeFileSync(csv, lines.join('\n') + '\n');
  const run = async () => {
    let stdout = '';
    let stderr = '';
    const code = await runFitCommand(
      [
        csv,
        '--form',
        'multipower2025',
        '--holdout-largest',
        '--target-prefix',
        '0.5',
        '--min-tokens',
        '0',
        '--json',
      ],
      (s) => (stdout += s),
      (s) => (stderr += s),
    );
    return { code, stdout, stderr };
  };
  const r = await run();
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const j = JSON.parse(r.stdout);
  assert.equal(j.form, 'multipower2025');
  assert.equal(j.law, 'multipower-chinchilla');
  assert.equal(j.runs, 2);
  assert.ok(j.params.B > 0 && j.params.C > 0 && j.params.beta > 0);
  assert.ok(j.luoUnits && j.luoUnits.form === 'multipower2025');
  assert.ok(j.heldOut.points > 0 && j.heldOut.are > 0 && j.heldOut.are < 0.02, JSON.stringify(j.heldOut));
  assert.ok(Number.isFinite(j.heldOut.baselineAre));
  const again = JSON.parse((await run()).stdout);
  assert.deepEqual(again.params, j.params);
});
