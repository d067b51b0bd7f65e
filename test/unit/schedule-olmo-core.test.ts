/**
 * OLMo-core LR schedules from Python training scripts: allenai/OLMo-core@fa6c5014
 * src/olmo_core/optim/scheduler.py (CosWithWarmup, WSD) and train/trainer.py (the LR of step k is the
 * schedule at current = k; t_max = ceil(max_tokens / tokens per batch)). Expected values by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRun, extractSchedule, lrAt } from '../../src/core/schedule';
import { FRAMEWORKS_DIR } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const fixture = (name: string) => readFileSync(join(FRAMEWORKS_DIR, 'olmo-core', 'fixtures', name), 'utf8');

test('OLMo2-7B.py: CosWithWarmup(warmup_steps=2000), lr 3e-4, alpha_f 0.1, t_max = ceil(4e12 / 4,194,304) = 953,675; step 1 uses current = 1', () => {
  const r = extractSchedule('olmo-core', fixture('OLMo2-7B.py'));
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  assert.equal(s.horizon, 953_675);
  const { run } = compileRun(r.plan!);
  close(run!.lr[0]!, 3e-4 / 2000); // step 1: current 1
  close(run!.lr[1999]!, 3e-4); // step 2000: current = warmup, cosine at p = 0
  close(lrAt(s, 2000 + (953_675 - 2000) / 2 - 1), 3e-5 + 0.5 * 2.7e-4);
  assert.equal(r.keyLines.lr, 42);
  assert.equal(r.keyLines['scheduler.warmup_steps'], 59);
});

test('OLMo-3-1025-7B-pretrain-1.py: the schedule runs to max_duration 5e12 tokens (1,192,093 steps) while hard_stop ends the run at 597,046', () => {
  const r = extractSchedule('olmo-core', fixture('OLMo-3-1025-7B-pretrain-1.py'));
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  assert.equal(s.horizon, 1_192_093);
  assert.equal(r.plan!.totalSteps, 597_046);
  const { run } = compileRun(r.plan!);
  const p = (597_046 - 2000) / (1_192_093 - 2000);
  close(run!.lr[597_045]!, 3e-5 + 0.5 * 2.7e-4 * (1 + Math.cos(Math.PI * p)));
});

test('OLMo2-32B.py: Duration(int(6.5e12), DurationUnit.tokens) gives t_max = 774,861', () => {
  assert.equal(extractSchedule('olmo-core', fixture('OLMo2-32B.py')).plan!.schedule.horizon, 774_861);
});

test('WSD(warmup=2000, decay_fraction=0.2): linear to 0 over the last round(0.2 × 953,675) = 190,735 steps', () => {
  const text = fixture('OLMo2-7B.py').replace(
    'CosWithWarmup(warmup_steps=2000)',
    'WSD(warmup=2000, decay_fraction=0.2)',
  );
  const r = extractSchedule('olmo-core', text);
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  close(lrAt(s, 762_939 - 1), 3e-4);
  close(lrAt(s, 953_675 - 95_367 - 1), (3e-4 * 95_367) / 190_735, 1e-9);
});

test('an unmodeled scheduler or argument is an error naming it; a non-literal LR says so', () => {
  const seq = extractSchedule(
    'olmo-core',
    fixture('OLMo2-7B.py').replace('CosWithWarmup(warmup_steps=2000)', 'SequentialScheduler(schedulers=[])'),
  );
  assert.ok(
    seq.errors.some((e) => e.startsWith('unknown: `scheduler` = `SequentialScheduler`')),
    seq.errors.join('; '),
  );
  const arg = extractSchedule(
    'olmo-core',
    fixture('OLMo2-7B.py').replace(
      'CosWithWarmup(warmup_steps=2000)',
      'CosWithWarmup(warmup_steps=2000, lr_field="my_lr")',
    ),
  );
  // units=SchedulerUnits.tokens is modelled since the audit (src/core/config/frameworks/olmo-core/
  // schedule-audit.test.ts); lr_field (which param-group key the LR goes to) is not.
  assert.ok(
    arg.errors.some((e) => e.startsWith('unknown: `scheduler.lr_field`')),
    arg.errors.join('; '),
  );
  const lr = extractSchedule('olmo-core', fixture('OLMo2-7B.py').replace('lr=3e-4', 'lr=get_lr()'));
  assert.ok(
    lr.errors.some((e) => /`lr=get_lr\(\)` is not a number/.test(e)),
    lr.errors.join('; '),
  );
});
