/**
 * LitGPT pretraining LR schedules: Lightning-AI/litgpt@26857050 litgpt/pretrain.py get_lr (linear
 * warmup over lr_warmup_steps, cosine to min_lr at the end of the run) and setup's defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt } from '../../src/core/schedule';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

test(
  'tinyllama.yaml on 8 GPUs: A = 512 // 8 // 4 = 16 micro-batches per step; step k uses get_lr(16k − 1) with warmup 2000·16 iterations and cosine to 4e-5 at max_iters = 3e12 // 8 // (4 × 2048)',
  { skip: SHARED_SKIP },
  () => {
    const text = readFileSync(join(SHARED_DIR, 'configs', 'litgpt', 'pretrain', 'tinyllama.yaml'), 'utf8');
    // Without a GPU count A is unknown: the nominal schedule (A = 1), with a note bounding the shift.
    const nominal = extractSchedule('litgpt', text);
    assert.equal(nominal.plan!.schedule, nominal.schedule);
    assert.ok(nominal.notes.some((n) => /GPU count unknown/.test(n)));
    assert.equal(nominal.schedule!.horizon, 2_861_022);
    const r = extractSchedule('litgpt', text, { options: { gpus: 8 } });
    assert.deepEqual(r.errors, []);
    const s = r.plan!.schedule;
    assert.equal(r.plan!.totalSteps, 2_861_022);
    // litgpt@26857050 pretrain.py get_lr(lr, it, warmup_iters, max_iters, min_lr).
    const A = 16;
    const maxIters = Math.floor(Math.floor(3e12 / 8) / (4 * 2048));
    const Wi = 2000 * A;
    const getLr = (it: number) =>
      it < Wi
        ? (4e-4 * it) / Wi
        : 4e-5 + 0.5 * (1 + Math.cos((Math.PI * (it - Wi)) / (maxIters - Wi))) * 3.6e-4;
    for (const k of [1, 2, 1000, 2000, 2001, 1_430_511, 2_861_022])
      close(lrAt(s, k - 1), getLr(k * A - 1), 1e-9);
    close(lrAt(s, 999), (4e-4 * (1000 * 16 - 1)) / 32000);
  },
);

test(
  'finetune configs are refused with the reason (their scheduler is not modeled)',
  { skip: SHARED_SKIP },
  () => {
    const r = extractSchedule(
      'litgpt',
      readFileSync(join(SHARED_DIR, 'configs', 'litgpt', 'finetune', 'phi-2_full.yaml'), 'utf8'),
    );
    assert.equal(r.plan, undefined);
    assert.match(r.errors[0]!, /finetuning uses its own scheduler/);
  },
);
