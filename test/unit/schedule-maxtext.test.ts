/**
 * MaxText LR schedules. Expected values by hand from AI-Hypercomputer/maxtext@e591f30c
 * src/maxtext/utils/maxtext_utils.py create_learning_rate_schedule (cosine pct = k/(C − 1), WSD,
 * zero after learning_rate_schedule_steps) and, for files with `cosine_learning_rate_final_fraction`,
 * google/maxtext@e64f6813 MaxText/max_utils.py (pct = k/C).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt } from '../../src/core/schedule';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const base = () => readFileSync(join(SHARED_DIR, 'configs-b', 'maxtext', 'configs', 'base.yml'), 'utf8');
const cos = (lr: number, f: number, pct: number) =>
  lr * (0.5 * (Math.cos(Math.PI * pct) + 1)) + lr * f * (1 - 0.5 * (Math.cos(Math.PI * pct) + 1));

test(
  'base.yml (Oct 2024 keys): warmup int(150,001 × 0.1) = 15,000, cosine pct = k/135,001 to 3e-6',
  { skip: SHARED_SKIP },
  () => {
    const r = extractSchedule('maxtext', base());
    const s = r.schedule!;
    assert.equal(s.warmup, 15_000);
    close(lrAt(s, 7_500), 1.5e-5);
    close(lrAt(s, 15_000), 3e-5);
    close(lrAt(s, 150_000), cos(3e-5, 0.1, 135_000 / 135_001));
    assert.equal(r.keyLines.learning_rate, 310);
  },
);

test(
  'current keys, steps 1001: cosine pct = k/900 reaches 3e-6 at step 1000; WSD linear over 199 steps; zero after learning_rate_schedule_steps',
  { skip: SHARED_SKIP },
  () => {
    const current = base()
      .replace('cosine_learning_rate_final_fraction: 0.1', 'learning_rate_final_fraction: 0.1')
      .replace(/^steps: 150_001/m, 'steps: 1001');
    const s = extractSchedule('maxtext', current).schedule!;
    assert.equal(s.warmup, 100);
    close(lrAt(s, 550), cos(3e-5, 0.1, 0.5));
    close(lrAt(s, 1000), 3e-6);
    const wsd = extractSchedule(
      'maxtext',
      current.replace(
        'learning_rate_final_fraction: 0.1',
        "learning_rate_final_fraction: 0.1\nlr_schedule_type: 'wsd'\nwsd_decay_steps_fraction: 0.2",
      ),
    ).schedule!;
    // Dc = int(1001 × 0.2) = 200, stable 701: the decay starts at 801, linear over 199 transition steps.
    close(lrAt(wsd, 800), 3e-5);
    close(lrAt(wsd, 900), 3e-5 + (3e-6 - 3e-5) * (99 / 199));
    close(lrAt(wsd, 1000), 3e-6);
    const zero = extractSchedule(
      'maxtext',
      current.replace('learning_rate_schedule_steps: -1', 'learning_rate_schedule_steps: 800'),
    ).schedule!;
    close(lrAt(zero, 799), 3e-6);
    assert.equal(lrAt(zero, 800), 0);
  },
);

test(
  'launcher overrides (v5e/llama2_7b.sh steps=15) on base.yml defaults; unknown lr_schedule_type is an error',
  { skip: SHARED_SKIP },
  () => {
    const sh = extractSchedule(
      'maxtext',
      readFileSync(join(SHARED_DIR, 'configs-b', 'maxtext', 'configs', 'v5e', 'llama2_7b.sh'), 'utf8'),
    );
    assert.equal(sh.runLength, 15);
    assert.equal(sh.schedule!.warmup, 1); // int(15 × 0.1)
    assert.ok(sh.notes.some((n) => /learning_rate` not set/.test(n)));
    const bad = extractSchedule(
      'maxtext',
      base().replace('learning_rate: 3.e-5', "learning_rate: 3.e-5\nlr_schedule_type: 'rsqrt'"),
    );
    assert.ok(bad.errors.some((e) => e.startsWith('unknown: `lr_schedule_type` = `rsqrt`')));
  },
);
