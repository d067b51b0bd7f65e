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
  'tinyllama.yaml: lr 4e-4, warmup 2000 steps, cosine to 4e-5 over 3e12 / (512 × 2048) = 2,861,022 steps',
  { skip: SHARED_SKIP },
  () => {
    const r = extractSchedule(
      'litgpt',
      readFileSync(join(SHARED_DIR, 'configs', 'litgpt', 'pretrain', 'tinyllama.yaml'), 'utf8'),
    );
    assert.deepEqual(r.errors, []);
    const s = r.plan!.schedule;
    assert.equal(s.horizon, 2_861_022);
    close(lrAt(s, 1000), 2e-4);
    close(lrAt(s, 2000), 4e-4);
    close(lrAt(s, 2000 + (2_861_022 - 2000) / 2), 4e-5 + 0.5 * 3.6e-4);
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
