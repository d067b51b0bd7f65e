/**
 * Levanter LR-schedule audit against stanford-crfm/levanter@9263f81e src/levanter/optim/config.py
 * (`OptimizerConfig.lr_scheduler`, `_inv_sqrt_decay_schedule`, `_get_cycle_minima`). Expected values
 * are the framework's formulas transcribed below, not outputs of our code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractSchedule, lrAt } from '../../../schedule';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

const yaml = (optimizer: string, steps = 100_000) =>
  `model:\n  type: gpt2\n  seq_len: 1024\ntrainer:\n  num_train_steps: ${steps}\n  train_batch_size: 256\noptimizer:\n${optimizer}`;

/**
 * config.py `_inv_sqrt_decay_schedule(lr, min_lr, warmup_steps, timescale)`:
 * max(lr·min(1, 1/√(max(count + W, 1)/timescale)), min_lr), where count restarts at 0 where the
 * decay phase begins (optax.join_schedules passes step − boundary), i.e. at W + stable.
 */
const levanterInvSqrt = (x: number, lr: number, minLr: number, w: number, stable: number, t: number) => {
  if (x < w) return (lr * x) / w; // optax.linear_schedule(0, lr, W)
  if (x < w + stable) return lr; // optax.constant_schedule(lr)
  const count = x - w - stable;
  return Math.max(lr * Math.min(1, 1 / Math.sqrt(Math.max(count + w, 1) / t)), minLr);
};

test('levanter@9263f81e lr_schedule inv_sqrt (timescale 10000): exact, was "not modeled"', () => {
  const r = extractSchedule(
    'levanter',
    yaml('  learning_rate: 1e-3\n  warmup: 500\n  lr_schedule: inv_sqrt\n'),
  );
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  for (const x of [0, 250, 499, 500, 9_999, 10_000, 40_000, 99_999])
    close(lrAt(s, x), levanterInvSqrt(x, 1e-3, 1e-4, 500, 0, 10_000));
  close(lrAt(s, 40_000), 1e-3 * Math.sqrt(10_000 / 40_000)); // 5e-4
  close(lrAt(s, 99_999), 1e-3 * Math.sqrt(10_000 / 99_999)); // 3.16e-4, above min_lr = 1e-4
});

test('levanter@9263f81e inv_sqrt after a stable phase restarts its count at the decay start', () => {
  // decay 0.5 of 100,000 → 50,000 decay steps, stable = 100,000 − 500 − 50,000 = 49,500.
  const r = extractSchedule(
    'levanter',
    yaml(
      '  learning_rate: 1e-3\n  warmup: 500\n  decay: 0.5\n  min_lr_ratio: 0.0\n  lr_schedule:\n    type: inv_sqrt\n    timescale: 1000\n',
    ),
  );
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  for (const x of [499, 500, 30_000, 49_999, 50_000, 51_000, 60_000, 99_999])
    close(lrAt(s, x), levanterInvSqrt(x, 1e-3, 0, 500, 49_500, 1000));
  close(lrAt(s, 51_000), 1e-3 * Math.sqrt(1000 / 1500)); // count 1000 + W 500
});

test('levanter@9263f81e inv_sqrt with a stable phase and timescale < warmup jumps: error naming the key', () => {
  // At the decay start count + W = 5000 > timescale 1000, so Levanter drops from lr to lr·√0.2.
  const r = extractSchedule(
    'levanter',
    yaml(
      '  learning_rate: 1e-3\n  warmup: 5000\n  decay: 0.5\n  lr_schedule:\n    type: inv_sqrt\n    timescale: 1000\n',
    ),
  );
  assert.equal(r.plan, undefined);
  assert.ok(
    r.errors.some((e) => e.includes('`optimizer.decay`')),
    r.errors.join('; '),
  );
});

test('levanter@9263f81e cycles: 1 is one cycle (_get_cycle_minima inserts no boundary)', () => {
  const r = extractSchedule('levanter', yaml('  learning_rate: 1e-3\n  warmup: 1000\n  cycles: 1\n'));
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  // optax.cosine_decay_schedule(lr, 99,000, alpha 0.1) at count 49,500: 1e-4 + 0.5·9e-4.
  close(lrAt(s, 50_500), 1e-4 + 0.5 * 9e-4);
  const two = extractSchedule('levanter', yaml('  learning_rate: 1e-3\n  cycles: 2\n'));
  assert.ok(two.errors.some((e) => e.startsWith('unknown: `optimizer.cycles` = `2`')));
});

test('levanter@9263f81e cosine with decay 0 raises in optax.cosine_decay_schedule: error, no schedule', () => {
  const r = extractSchedule('levanter', yaml('  learning_rate: 1e-3\n  warmup: 1000\n  decay: 0\n'));
  assert.equal(r.schedule, undefined);
  assert.ok(r.errors.some((e) => e.includes('`optimizer.decay`')));
});

test('levanter@9263f81e muon: the note names adam_lr (MuonConfig.build runs AdamW groups at adam_lr)', () => {
  const r = extractSchedule('levanter', yaml('  type: muon\n  learning_rate: 1e-2\n  adam_lr: 1e-3\n'));
  assert.deepEqual(r.errors, []);
  assert.ok(r.notes.some((n) => n.includes('`optimizer.adam_lr` = 0.001')));
});
