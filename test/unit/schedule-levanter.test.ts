/**
 * Levanter LR schedules: stanford-crfm/levanter@9263f81e src/levanter/optim/config.py lr_scheduler
 * (warmup fraction or steps, stable, decay as cosine / linear to min_lr_ratio).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt } from '../../src/core/schedule';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const config = (name: string) =>
  readFileSync(join(SHARED_DIR, 'configs-b', 'levanter', 'config', name), 'utf8');

test(
  'llama_1b_with_olmo_config.yaml: lr 4e-4, warmup 5000 steps, cosine to 0.1 × lr at 750,000',
  { skip: SHARED_SKIP },
  () => {
    const r = extractSchedule('levanter', config('llama_1b_with_olmo_config.yaml'));
    assert.deepEqual(r.errors, []);
    const s = r.plan!.schedule;
    close(lrAt(s, 2500), 2e-4);
    close(lrAt(s, 5000 + 372_500), 4e-5 + 0.5 * 3.6e-4);
    close(lrAt(s, 750_000), 4e-5);
  },
);

test(
  'gpt2_small.yaml with decay 0.2 and lr_schedule linear: WSD, stable until 400,000 − 80,000, linear to 6e-5',
  { skip: SHARED_SKIP },
  () => {
    const text = config('gpt2_small.yaml').replace(
      'min_lr_ratio: 0.1',
      'min_lr_ratio: 0.1\n  decay: 0.2\n  lr_schedule: linear',
    );
    const s = extractSchedule('levanter', text).schedule!;
    assert.equal(s.warmup, 4000); // int(0.01 × 400,000), the trainer default num_train_steps
    close(lrAt(s, 319_999), 6e-4);
    close(lrAt(s, 360_000), 6e-4 + (6e-5 - 6e-4) * 0.5);
  },
);

test('lr_schedule inv and several cycles are errors naming the key', { skip: SHARED_SKIP }, () => {
  const inv = extractSchedule('levanter', config('llama2_7b.yaml'));
  assert.ok(inv.errors.some((e) => e.startsWith('unknown: `optimizer.lr_schedule` = `inv`')));
  const cycles = extractSchedule(
    'levanter',
    config('gpt2_small.yaml').replace('min_lr_ratio: 0.1', 'min_lr_ratio: 0.1\n  cycles: 4'),
  );
  assert.ok(cycles.errors.some((e) => e.startsWith('unknown: `optimizer.cycles` = `4`')));
});
