/**
 * Audit of the DeepSpeed LR extractor's edge cases against deepspeedai/DeepSpeed@edaa7221
 * deepspeed/runtime/lr_schedules.py (WarmupDecayLR._get_gamma, WarmupCosineLR.get_lr_ratio,
 * OneCycle._get_scale_factor/get_lr) and engine.py `_take_model_step` (step() after each applied
 * optimizer step; none on an fp16 overflow). The LR of optimizer step k (1-based) is get_lr at
 * last_batch_iteration k − 2 (the constructor's −1 for k = 1). Formulas transcribed here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractSchedule, lrAt } from '../../../schedule';

const close = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

const json = (scheduler: object, extra: object = {}) =>
  JSON.stringify({
    train_batch_size: 8,
    optimizer: { type: 'AdamW', params: { lr: 3e-4 } },
    scheduler,
    ...extra,
  });

/** Our LR of optimizer step k (1-based) is lrAt at position k − 1. */
const ours = (text: string, k: number) => {
  const r = extractSchedule('deepspeed', text);
  assert.ok(r.schedule, r.errors.join('; '));
  return lrAt(r.schedule!, k - 1);
};

test('WarmupDecayLR with total_num_steps below the warmup: after warmup the gamma max(0, (T − i)/max(1, T − W)) is 0 (min LR)', () => {
  const text = json({
    type: 'WarmupDecayLR',
    params: {
      total_num_steps: 50,
      warmup_min_lr: 1e-5,
      warmup_max_lr: 1e-3,
      warmup_num_steps: 100,
      warmup_type: 'linear',
    },
  });
  const ds = (i: number) => {
    if (i < 0) return 1e-5;
    const g = i < 100 ? i / 100 : Math.max(0, (50 - i) / Math.max(1, 50 - 100));
    return 1e-5 + (1e-3 - 1e-5) * g;
  };
  for (const k of [1, 2, 51, 100, 101, 102, 103, 500]) close(ours(text, k), ds(k - 2));
});

test('WarmupCosineLR with total_num_steps ≤ warmup: progress min(1, (i − W + 1)/max(1, T − W)) is 1, the LR stays at cos_min_ratio·lr', () => {
  const text = json({
    type: 'WarmupCosineLR',
    params: { total_num_steps: 80, warmup_num_steps: 100, cos_min_ratio: 0.1 },
  });
  const ds = (i: number) => {
    if (i < 0) return 0;
    if (i < 100) return 3e-4 * (Math.log(i + 1) / Math.log(100));
    const p = Math.min(1, (i - 100 + 1) / Math.max(1, 80 - 100));
    return 3e-4 * (0.1 + 0.9 * ((1 + Math.cos(Math.PI * p)) / 2));
  };
  for (const k of [1, 2, 3, 50, 101, 102, 103, 400]) close(ours(text, k), ds(k - 2));
});

test('OneCycle with cycle_second_step_size 0: up over the first step size, then cycle_min_lr (scale from batch_iteration = last + 1)', () => {
  const text = json({
    type: 'OneCycle',
    params: { cycle_min_lr: 1e-5, cycle_max_lr: 1e-3, cycle_first_step_size: 100, cycle_second_step_size: 0 },
  });
  const T = 100;
  const ds = (last: number) => {
    if (last < 0) return 1e-5; // _initialize_lr sets cycle_min_lr
    if (!(last < T)) return 1e-5; // _get_decay_lr with the decay skipped
    const b = last + 1;
    const x = 1 + b / T - Math.floor(1 + b / T);
    const scale = x <= 1 ? x / 1 : (x - 1) / (1 - 1);
    return 1e-5 + (1e-3 - 1e-5) * scale;
  };
  for (const k of [1, 2, 50, 100, 101, 102, 300]) close(ours(text, k), ds(k - 2));
});

test('fp16: DeepSpeed does not step the scheduler on an overflow step — said in a note', () => {
  const r = extractSchedule(
    'deepspeed',
    json({ type: 'WarmupLR', params: { warmup_num_steps: 10 } }, { fp16: { enabled: true } }),
  );
  assert.ok(r.schedule);
  assert.ok(
    r.notes.some((n) => /fp16\.enabled.*overflow/.test(n)),
    r.notes.join('; '),
  );
});
