/**
 * src/core/logs/live.ts: live tracking of a run against its config's schedule. The log is generated
 * from a known schedule-aware law (E + B·S1^−β − C·S2, Tissue et al. 2024 Eq. 1 on the config's
 * nanoGPT schedule) with ±0.2% deterministic noise, so what the tracker should find is known.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { nanogptSchedule } from '../../src/core/config/frameworks/nanogpt/schedule';
import { compileRun } from '../../src/core/schedule/model';
import { featuresAtTokens, runFeatures } from '../../src/core/schedule/features';
import { OFF_BAND_CHECKPOINTS, RunTracker, type TrackedRun } from '../../src/core/logs/live';
import { PointSeries } from '../../src/node/logTail';
import { mulberry32 } from '../../src/core/fit/random';

const CONFIG = `learning_rate = 1e-3
max_iters = 4000
lr_decay_iters = 4000
warmup_iters = 100
min_lr = 1e-4
batch_size = 8
block_size = 256
gradient_accumulation_steps = 1
`;

function tracked(): TrackedRun {
  const plan = nanogptSchedule(CONFIG).plan!;
  const run = compileRun(plan).run!;
  return { run, features: runFeatures(run, undefined, plan.schedule.warmup) };
}

const T = tracked();
const TRUE = { E: 1.8, B: 60, beta: 0.3, C: 2e-4 };
/** The law's loss at a step (the ground truth the log is drawn from). */
function truth(step: number): number {
  const f = featuresAtTokens(T.features, T.run.tokens[step - 1])!;
  return TRUE.E + TRUE.B * f.s1 ** -TRUE.beta - TRUE.C * f.s2;
}
const rand = mulberry32(3);
const noisy = (step: number) => truth(step) * (1 + 0.002 * (2 * rand() - 1));

test('projected final loss from the first 30% of the run is within 1% of the law the log follows', () => {
  const tracker = new RunTracker(T);
  const train = new PointSeries(1 << 16);
  const val = new PointSeries(16);
  for (let step = 20; step <= 1200; step += 20) train.add({ step, loss: noisy(step), iterationMs: 50 });
  const s = tracker.update(train, val, 0, 0);
  const final = truth(T.run.lr.length);
  assert.equal(s.projection!.step, 4001);
  assert.ok(Math.abs(s.projection!.loss / final - 1) < 0.01, `${s.projection!.loss} vs ${final}`);
  // The interval covers the law's final loss and is within ±5% from 30% of a cosine run.
  assert.ok(s.projection!.low < final && final < s.projection!.high, JSON.stringify(s.projection));
  assert.ok(s.projection!.high / s.projection!.low < 1.1, JSON.stringify(s.projection));
  // σ: uniform ±0.2% noise has a standard deviation of 0.2%/√3 = 0.115%.
  assert.ok(Math.abs(s.noise! - 0.002 / Math.sqrt(3)) < 0.0004, String(s.noise));
  // ETA from the logged 50 ms per iteration: (4001 − 1200) steps.
  assert.deepEqual(s.eta, { seconds: (2801 * 50) / 1000, source: 'logged iteration time' });
  assert.equal(s.latest!.step, 1200);
});

test(`off-band after ${OFF_BAND_CHECKPOINTS} consecutive checkpoints outside the band, cleared by one inside`, () => {
  const tracker = new RunTracker(T);
  const train = new PointSeries(1 << 16);
  const val = new PointSeries(16);
  let step = 0;
  const add = (factor = 1, exact = false) => {
    step += 20;
    train.add({ step, loss: (exact ? truth(step) : noisy(step)) * factor });
    return tracker.update(train, val, 0, step);
  };
  for (let k = 0; k < 40; k++) assert.equal(add().offBand, undefined);
  const first = add(1.04);
  // The judged point is not in the fit that judged it: the prediction is the law's, not the spike's.
  assert.ok(Math.abs(first.comparison!.predicted / truth(step) - 1) < 0.005);
  assert.ok(first.comparison!.offBand);
  assert.equal(first.offBand, undefined);
  assert.equal(add(1.04).offBand, undefined);
  const third = add(1.04);
  assert.equal(third.offBand!.count, 3);
  assert.equal(third.offBand!.since, step - 40);
  assert.ok(third.offBand!.last.relative > 0.03);
  // Back on the law (no noise, so the check does not depend on where the noise falls).
  const back = add(1, true);
  assert.equal(back.comparison!.offBand, false);
  assert.equal(back.offBand, undefined);
});

test('the interval of a projection from 10% of the run is wide (C not identified yet), and covers the truth', () => {
  const tracker = new RunTracker(T);
  const train = new PointSeries(1 << 16);
  for (let step = 20; step <= 400; step += 20) train.add({ step, loss: noisy(step) });
  const s = tracker.update(train, new PointSeries(16), 0, 0);
  const final = truth(T.run.lr.length);
  assert.ok(s.projection!.low < final && final < s.projection!.high, JSON.stringify(s.projection));
  assert.ok(s.projection!.high / s.projection!.low > 1.2, JSON.stringify(s.projection));
});

test('a log already off-band when opened is reported on the first update; a truncated log starts over', () => {
  const tracker = new RunTracker(T);
  const train = new PointSeries(1 << 16);
  const val = new PointSeries(16);
  for (let step = 20; step <= 800; step += 20)
    train.add({ step, loss: noisy(step) * (step > 740 ? 1.05 : 1) });
  const s = tracker.update(train, val, 0, 0);
  assert.equal(s.offBand?.count, 3);
  train.clear();
  for (let step = 20; step <= 100; step += 20) train.add({ step, loss: noisy(step) });
  const again = tracker.update(train, val, 1, 0);
  assert.equal(again.offBand, undefined);
  assert.equal(again.projection, undefined);
  assert.match(again.notes.join(), /prediction after 6 checkpoints \(5 so far\)/);
});

test('validation checkpoints are tracked once there are 6; steps past the planned run are counted', () => {
  const tracker = new RunTracker(T);
  const train = new PointSeries(1 << 16);
  const val = new PointSeries(1 << 10);
  for (let step = 100; step <= 700; step += 100) {
    train.add({ step, loss: noisy(step) });
    val.add({ step, loss: noisy(step) * 1.01 });
  }
  val.add({ step: 5000, loss: 2 });
  const s = tracker.update(train, val, 0, 0);
  assert.equal(s.split, 'val');
  assert.equal(s.beyondRun, 1);
  assert.match(s.notes.join(), /past the 4,001 steps the config plans/);
});
