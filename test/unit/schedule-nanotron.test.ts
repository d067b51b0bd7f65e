/**
 * nanotron LR schedules: huggingface/nanotron@2411b022 src/nanotron/helpers.py lr_scheduler_builder
 * and config.py LRSchedulerArgs. Expected values by hand from lr_lambda.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt } from '../../src/core/schedule';
import { FRAMEWORKS_DIR, SHARED_DIR, SHARED_SKIP } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const fixture = (name: string) => readFileSync(join(FRAMEWORKS_DIR, 'nanotron', 'fixtures', name), 'utf8');

test('config_tiny_llama.yaml: warmup 2 (lr·s/2), cosine over lr_decay_steps 13 to 1e-5, then min_decay_lr for the rest of 2,000 steps', () => {
  const r = extractSchedule('nanotron', fixture('config_tiny_llama.yaml'));
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  close(lrAt(s, 1), 1.5e-4);
  close(lrAt(s, 2), 3e-4);
  close(lrAt(s, 2 + 6.5), 1e-5 + 0.5 * 2.9e-4);
  close(lrAt(s, 15), 1e-5);
  close(lrAt(s, 1999), 1e-5);
});

test(
  'SmolLM2-135M (WSD): warmup 2,000, stable to 1.6M, linear decay over 400,000 steps to 0',
  { skip: SHARED_SKIP },
  () => {
    const r = extractSchedule(
      'nanotron',
      readFileSync(
        join(SHARED_DIR, 'configs-c', 'unsupported', 'nanotron', 'config_smollm2_135M.yaml'),
        'utf8',
      ),
    );
    assert.deepEqual(r.errors, []);
    const s = r.plan!.schedule;
    close(lrAt(s, 1_599_999), 3e-3);
    close(lrAt(s, 1_800_000), 1.5e-3);
    close(lrAt(s, 1_999_999), 3e-3 * (1 / 400_000), 1e-9); // cancellation near 0
  },
);

test('a missing lr_warmup_style (nanotron raises) and an unknown decay style are errors naming the key', () => {
  const none = extractSchedule(
    'nanotron',
    fixture('config_tiny_llama.yaml').replace(/\n\s*lr_warmup_style: linear/, ''),
  );
  assert.ok(
    none.errors.some((e) => /`lr_warmup_style` must be linear or constant/.test(e)),
    none.errors.join('; '),
  );
  const bad = extractSchedule(
    'nanotron',
    fixture('config_tiny_llama.yaml').replace('lr_decay_style: cosine', 'lr_decay_style: exp'),
  );
  assert.ok(bad.errors.some((e) => e.startsWith('unknown: `lr_decay_style` = `exp`')));
});
