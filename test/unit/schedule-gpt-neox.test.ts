/**
 * GPT-NeoX LR schedules. Expected values by hand from EleutherAI/gpt-neox@ea7aefd8
 * megatron/learning_rates.py AnnealingLR.get_lr (warmup lr·max(1, n)/W; linear lr·(1 − p) floored at
 * min_lr; cosine) and training.py get_learning_rate_scheduler (W = warmup × decay iterations).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRun, extractSchedule } from '../../src/core/schedule';
import { FRAMEWORKS_DIR, SHARED_DIR, SHARED_SKIP } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

test(
  'pythia-160m.yml: lr 6e-4, warmup 0.01 × 143,000 = 1,430 steps, cosine to min_lr 6e-5 at 143,000',
  { skip: SHARED_SKIP },
  () => {
    const text = readFileSync(join(SHARED_DIR, 'configs', 'gpt-neox_pythia', 'pythia-160m.yml'), 'utf8');
    const r = extractSchedule('gpt-neox', text);
    assert.deepEqual(r.errors, []);
    const { run } = compileRun(r.plan!);
    assert.equal(run!.lr.length, 143_000);
    close(run!.lr[0]!, 6e-4 / 1430); // max(1, 0) / W
    close(run!.lr[1]!, 6e-4 / 1430);
    close(run!.lr[715]!, 6e-4 * 0.5);
    close(run!.lr[1430]!, 6e-4);
    close(run!.lr[1430 + (143_000 - 1430) / 2]!, 6e-5 + 0.5 * 5.4e-4);
    assert.equal(r.keyLines.lr_decay_style, 80);
    assert.equal(r.keyLines['optimizer.params.lr'], 30);
  },
);

test('linear decay goes toward 0 and is floored at min_lr (not linear to min_lr); defaults lr 0.001 and warmup 0.01', () => {
  const text = readFileSync(
    join(FRAMEWORKS_DIR, 'gpt-neox', 'fixtures', 'small-learned-pos.yml'),
    'utf8',
  ).replace(/"lr-decay-style":\s*"cosine"/, '"lr-decay-style": "linear", "min_lr": 0.0002');
  const r = extractSchedule('gpt-neox', text);
  assert.deepEqual(r.errors, []);
  assert.equal(r.plan!.schedule.warmup, 10);
  const { run } = compileRun(r.plan!);
  // 1,000 iterations, warmup 10: p = (n − 10)/990. n = 505: p = 0.5 → 3e-4. n = 802: p = 0.8 →
  // 6e-4·0.2 = 1.2e-4, floored at 2e-4 (linear to min_lr would give 2.8e-4).
  close(run!.lr[505]!, 3e-4);
  close(run!.lr[802]!, 2e-4);
});

test('exponential decay is modelled (lr·exp(−0.693·p)); a cosine horizon shorter than the run is an error naming the key', () => {
  const base = readFileSync(join(FRAMEWORKS_DIR, 'gpt-neox', 'fixtures', 'small-learned-pos.yml'), 'utf8');
  const exp = extractSchedule(
    'gpt-neox',
    base.replace(/"lr-decay-style":\s*"cosine"/, '"lr-decay-style": "exponential"'),
  );
  assert.deepEqual(exp.errors, []);
  assert.deepEqual(exp.plan!.schedule.decay, { kind: 'exponential', rate: 0.693 });
  const short = extractSchedule('gpt-neox', base.replace(/"lr-decay-iters":\s*\d+/, '"lr-decay-iters": 500'));
  assert.ok(
    short.errors.some((e) => /rises again/.test(e)),
    short.errors.join('; '),
  );
  assert.equal(short.plan, undefined);
});
