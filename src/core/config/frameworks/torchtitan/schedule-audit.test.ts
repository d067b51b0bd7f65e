/**
 * Audit of the torchtitan LR-schedule extractor against torchtitan's own lambdas, read at
 * pytorch/torchtitan@b5bcd76c (git history of torchtitan/components/lr_scheduler.py). Expected values
 * come from the lambdas transcribed below, never from our own output:
 *
 * - 2025-03-11 … 2025-06-10 (pytorch/torchtitan@24041973 torchtitan/components/lr_scheduler.py
 *   `build_lr_schedulers` / `linear_warmup_stable_decay`): decay = round(T·ratio) (or T − W), cut to
 *   T − W; stable = T − W − decay; s < W: (s+1)/(W+1); s < W + stable: 1; else
 *   p = (s + 1 − (W + stable))/(decay + 1), adj = 1 − p | 1 − √p | ½(1 + cos πp);
 *   lr_min + (1 − lr_min)·adj.
 * - 2025-06-11 on (e7c0cae9, unchanged at b5bcd76c torchtitan/components/optimizer/lr_scheduler.py
 *   `LRSchedulersContainer.Config.build`): W clipped to T; stable = T + 1 − W − decay; s < W:
 *   (s+1)/W; p = (s + 1 − (W + stable))/decay; factor `lr_min` until 881f0ca4 (2025-07-31), then
 *   `min_lr_factor`. LambdaLR: optimizer step k (1-based) uses the lambda at s = k − 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrAt } from '../../../schedule/model';
import { extractSchedule } from '../../../schedule';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

/** Python's round (half to even), as torchtitan's `round(total_steps * decay_ratio)`. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  if (x - f !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

function adjust(type: string, p: number): number {
  return type === 'linear' ? 1 - p : type === 'sqrt' ? 1 - Math.sqrt(p) : 0.5 * (1 + Math.cos(Math.PI * p));
}

/** torchtitan@24041973 lr_scheduler.py linear_warmup_stable_decay (2025-03 … 2025-06-10). */
function early2025(s: number, W: number, T: number, ratio: number | undefined, type: string, min: number) {
  let decay = ratio !== undefined ? pyRound(T * ratio) : T - W;
  if (W + decay > T) decay = T - W;
  const stable = T - W - decay;
  if (s < W) return (s + 1) / (W + 1);
  if (s < W + stable) return 1;
  const p = (s + 1 - (W + stable)) / (decay + 1);
  return min + (1 - min) * adjust(type, p);
}

/** torchtitan@b5bcd76c lr_scheduler.py linear_warmup_stable_decay (2025-06-11 on). */
function current(s: number, W: number, T: number, ratio: number | undefined, type: string, min: number) {
  if (W > T) W = T;
  let decay = ratio !== undefined ? pyRound(T * ratio) : T - W;
  if (W + decay > T) decay = T - W;
  const stable = T + 1 - W - decay;
  if (s < W) return (s + 1) / W;
  if (s < W + stable) return 1;
  const p = (s + 1 - (W + stable)) / decay;
  return min + (1 - min) * adjust(type, p);
}

/** A TOML job file (llama3 debugmodel) with the given [lr_scheduler] and [training] lines. */
function job(scheduler: string, training: string): string {
  return [
    '[model]',
    'name = "llama3"',
    'flavor = "debugmodel"',
    '[optimizer]',
    'name = "AdamW"',
    'lr = 8e-4',
    '[lr_scheduler]',
    scheduler,
    '[training]',
    'seq_len = 2048',
    training,
  ].join('\n');
}

test('torchtitan 2025-03…06 file ([lr_scheduler] with training.batch_size, lr_min): warmup (s+1)/(W+1), decay over decay+1 steps (torchtitan@24041973 lr_scheduler.py build_lr_schedulers)', () => {
  // The llama3 debug_model.toml of that era: warmup 2, decay_ratio 0.8, linear, lr_min 0, 10 steps.
  // Old extractor: today's lambda, so step 2 showed 8e-4 where torchtitan had 8e-4·2/3.
  for (const [ratio, type, min] of [
    [0.8, 'linear', 0],
    [0.8, 'cosine', 0.1],
    [0.3, 'sqrt', 0.2],
    [undefined, 'linear', 0],
  ] as const) {
    const sched = [
      'warmup_steps = 2',
      ratio !== undefined ? `decay_ratio = ${ratio}` : '',
      `decay_type = "${type}"`,
      `lr_min = ${min}`,
    ].join('\n');
    const r = extractSchedule('torchtitan', job(sched, 'batch_size = 8\nsteps = 10'));
    assert.ok(r.schedule, JSON.stringify(r.errors));
    close(lrAt(r.schedule!, 1), (8e-4 * 2) / 3);
    for (let s = 0; s < 10; s++)
      close(lrAt(r.schedule!, s), 8e-4 * early2025(s, 2, 10, ratio, type, min), 1e-9);
  }
});

test('torchtitan 2025-06…07 file (`lr_scheduler.lr_min` = 0.1, local_batch_size): the min LR is lr·lr_min (torchtitan@e7c0cae9 lr_scheduler.py)', () => {
  // llama4 17bx16e of e7c0cae9: warmup 600, decay_ratio 0.8, linear, lr_min 0.1, 3000 steps, lr 4e-3.
  // Old extractor: lr_min ignored, last step 4e-3·(1/2400) instead of 4e-3·(0.1 + 0.9/2400).
  const text = job(
    'warmup_steps = 600\ndecay_ratio = 0.8\ndecay_type = "linear"\nlr_min = 0.1',
    'local_batch_size = 8\nsteps = 3000',
  ).replace('lr = 8e-4', 'lr = 4e-3');
  const r = extractSchedule('torchtitan', text);
  assert.ok(r.schedule, JSON.stringify(r.errors));
  close(r.schedule!.finalLr, 4e-4);
  close(lrAt(r.schedule!, 2999), 4e-3 * (0.1 + 0.9 / 2400));
  for (const s of [0, 599, 600, 601, 1500, 2000, 2500, 2999])
    close(lrAt(r.schedule!, s), 4e-3 * current(s, 600, 3000, 0.8, 'linear', 0.1), 1e-9);
});

test('decay_steps = round(T·ratio) rounds half to even as Python does: T 9, ratio 0.5 → 4 decay steps', () => {
  // torchtitan@b5bcd76c lr_scheduler.py: decay_steps = round(total_steps * self.decay_ratio).
  // Old extractor: Math.round(4.5) = 5, so step 5 (s = 4) decayed already.
  const r = extractSchedule(
    'torchtitan',
    job('warmup_steps = 1\ndecay_ratio = 0.5\ndecay_type = "linear"', 'local_batch_size = 8\nsteps = 9'),
  );
  assert.ok(r.schedule, JSON.stringify(r.errors));
  close(lrAt(r.schedule!, 4), 8e-4);
  for (let s = 0; s < 9; s++) close(lrAt(r.schedule!, s), 8e-4 * current(s, 1, 9, 0.5, 'linear', 0), 1e-9);
});

test('training.steps beyond lr_scheduler.total_steps + 1 is unknown naming total_steps (the lambda runs past progress 1)', () => {
  // torchtitan@b5bcd76c: at s = T + 1 progress = 1 + 1/decay and linear gives a negative factor.
  assert.ok(current(501, 10, 500, undefined, 'linear', 0) < 0);
  const r = extractSchedule(
    'torchtitan',
    job('warmup_steps = 10\ntotal_steps = 500', 'local_batch_size = 8\nsteps = 1000'),
  );
  assert.equal(r.schedule, undefined);
  assert.ok(r.errors.some((e) => e.startsWith('unknown: `lr_scheduler.total_steps` = `500`')));
  // Early stop (steps < total_steps) is what total_steps is for, and stays exact.
  const early = extractSchedule(
    'torchtitan',
    job('warmup_steps = 10\ntotal_steps = 500', 'local_batch_size = 8\nsteps = 100'),
  );
  for (const s of [0, 9, 10, 50, 99])
    close(lrAt(early.schedule!, s), 8e-4 * current(s, 10, 500, undefined, 'linear', 0), 1e-9);
});

test('lr_min together with min_lr_factor (no torchtitan version reads both) is unknown naming lr_min', () => {
  const r = extractSchedule(
    'torchtitan',
    job('warmup_steps = 2\nlr_min = 0.1\nmin_lr_factor = 0.1', 'local_batch_size = 8\nsteps = 10'),
  );
  assert.equal(r.schedule, undefined);
  assert.ok(r.errors.some((e) => e.startsWith('unknown: `lr_scheduler.lr_min`')));
});

test('a file of before 2025-06 (training.batch_size) with no warmup key at all is unknown: the default lambda changed in between', () => {
  // Dec 2024 (0da8901b^ optimizer.py) decays 1 − (s − W)/(T − W); 2025-03…06 decays over T − W + 1;
  // the old extractor drew today's lambda, neither of them.
  assert.notEqual(1 - (500 - 200) / 800, early2025(500, 200, 1000, undefined, 'linear', 0));
  const text = job('', 'batch_size = 8\nsteps = 1000').replace('[lr_scheduler]\n\n', '');
  const r = extractSchedule('torchtitan', text);
  assert.equal(r.schedule, undefined);
  assert.ok(
    r.errors.some((e) => e.includes('`training.batch_size`')),
    JSON.stringify(r.errors),
  );
});
