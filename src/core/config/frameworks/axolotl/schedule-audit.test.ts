/**
 * Axolotl LR-schedule audit against axolotl-ai-cloud/axolotl@067b021c (src/axolotl/core/builders/
 * base.py `_configure_warmup_and_logging` / `_configure_scheduler`, core/trainers/mixins/scheduler.py
 * `create_scheduler`) and the transformers it pins (5.14.1; read in the 5.17.0 wheel,
 * src/transformers/optimization.py `get_scheduler` and the lambdas transcribed below). HF Trainer
 * steps the LambdaLR after each optimizer step: optimizer step k runs at lr·lambda(k − 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lrAt } from '../../../schedule';
import { axolotlSchedule } from './schedule';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const PRETRAIN = readFileSync(
  join(__dirname, 'fixtures', 'schedule', 'qwen2_adamw-pretrain-fsdp2.yaml'),
  'utf8',
); // learning_rate 2e-4, max_steps 305, warmup_steps 10, lr_scheduler cosine
const edit = (scheduler: string, warmup = 'warmup_steps: 10') =>
  PRETRAIN.replace('lr_scheduler: cosine', `lr_scheduler: ${scheduler}`).replace('warmup_steps: 10', warmup);

/** optimization.py `_get_inverse_sqrt_schedule_lr_lambda`; timescale defaults to `W or 10_000`. */
const hfInverseSqrt = (s: number, w: number, t: number) =>
  s < w ? s / Math.max(1, w) : 1 / Math.sqrt((s + t - w) / t);

test('transformers inverse_sqrt with lr_scheduler_kwargs.timescale ≠ W: 1/√((s + t − W)/t), was "not modeled"', () => {
  const r = axolotlSchedule(edit('inverse_sqrt\nlr_scheduler_kwargs:\n  timescale: 200'));
  assert.deepEqual(
    r.errors.filter((e) => !e.startsWith('no token plan')),
    [],
  );
  const s = r.schedule!;
  for (const x of [0, 5, 9, 10, 11, 100, 304]) close(lrAt(s, x), 2e-4 * hfInverseSqrt(x, 10, 200));
  close(lrAt(s, 210), 2e-4 * Math.sqrt(200 / 400));
});

test('transformers inverse_sqrt without warmup: timescale = 10,000 (`num_warmup_steps or 10_000`)', () => {
  const r = axolotlSchedule(edit('inverse_sqrt', 'warmup_steps: 0'));
  const s = r.schedule!;
  assert.ok(s, r.errors.join('; '));
  for (const x of [0, 1, 150, 304]) close(lrAt(s, x), 2e-4 * hfInverseSqrt(x, 0, 10_000));
  close(lrAt(s, 0), 2e-4);
});

test('transformers polynomial (power 1, lr_end 1e-7 by default): linear from lr to lr_end; power 2 its square', () => {
  // _get_polynomial_decay_schedule_with_warmup_lr_lambda: ((lr − lr_end)·(1 − (s − W)/(T − W))^power + lr_end)/lr.
  const poly = (s: number, w: number, t: number, lr: number, end: number, power = 1) =>
    s < w ? (lr * s) / Math.max(1, w) : s > t ? end : (lr - end) * (1 - (s - w) / (t - w)) ** power + end;
  const r = axolotlSchedule(edit('polynomial'));
  const s = r.schedule!;
  assert.ok(s, r.errors.join('; '));
  for (const x of [0, 9, 10, 157, 304]) close(lrAt(s, x), poly(x, 10, 305, 2e-4, 1e-7));
  const end = axolotlSchedule(edit('polynomial\nlr_scheduler_kwargs:\n  lr_end: 2.0e-5')).schedule!;
  for (const x of [10, 100, 304]) close(lrAt(end, x), poly(x, 10, 305, 2e-4, 2e-5));
  const squared = axolotlSchedule(edit('polynomial\nlr_scheduler_kwargs:\n  power: 2.0')).schedule!;
  for (const x of [0, 9, 10, 100, 157, 304, 400]) close(lrAt(squared, x), poly(x, 10, 305, 2e-4, 1e-7, 2));
  const zero = axolotlSchedule(edit('polynomial\nlr_scheduler_kwargs:\n  power: 0'));
  assert.equal(zero.schedule, undefined);
  assert.ok(zero.errors.some((e) => e.startsWith('unknown: `lr_scheduler_kwargs.power`')));
});

test('transformers cosine_with_restarts with num_cycles 1 (its default) is the half cosine to 0', () => {
  // _get_cosine_with_hard_restarts_schedule_with_warmup_lr_lambda: p ≥ 1 → 0, else 0.5·(1 + cos(π·((1·p) mod 1))).
  const restarts = (s: number, w: number, t: number) => {
    if (s < w) return s / Math.max(1, w);
    const p = (s - w) / Math.max(1, t - w);
    return p >= 1 ? 0 : Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((1 * p) % 1))));
  };
  const r = axolotlSchedule(edit('cosine_with_restarts'));
  const s = r.schedule!;
  assert.ok(s, r.errors.join('; '));
  for (const x of [0, 9, 10, 100, 157, 304]) close(lrAt(s, x), 2e-4 * restarts(x, 10, 305));
});

test('HF schedule-free optimizers warm up inside the optimizer as well: error naming `optimizer`', () => {
  const r = axolotlSchedule(edit('constant').replace(/^optimizer: .*$/m, 'optimizer: schedule_free_adamw'));
  assert.equal(r.schedule, undefined);
  assert.ok(
    r.errors.some((e) => e.startsWith('unknown: `optimizer` = `schedule_free_adamw`')),
    r.errors.join('; '),
  );
});
