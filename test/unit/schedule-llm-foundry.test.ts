/**
 * llm-foundry LR schedules: the registry names of mosaicml/llm-foundry@8c8dd48f over Composer's
 * schedulers (mosaicml/composer@64051888 composer/optim/scheduler.py). Expected values by hand from
 * CosineAnnealingWithWarmupScheduler: t/t_warmup, then alpha_f + (1 − alpha_f)·½(1 + cos πτ).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRun, extractSchedule } from '../../src/core/schedule';
import { FRAMEWORKS_DIR, SHARED_DIR, SHARED_SKIP } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const mpt125m = () =>
  readFileSync(join(SHARED_DIR, 'configs-b', 'llm-foundry', 'pretrain', 'mpt-125m.yaml'), 'utf8');

test(
  'mpt-125m.yaml: cosine_with_warmup, t_warmup 100ba, alpha_f 0.1, lr 6e-4, max_duration 4800ba',
  { skip: SHARED_SKIP },
  () => {
    const r = extractSchedule('llm-foundry', mpt125m());
    assert.deepEqual(r.errors, []);
    const { run } = compileRun(r.plan!);
    assert.equal(run!.lr.length, 4800);
    close(run!.lr[0]!, 0);
    // Composer steps the scheduler before the timestamp advances: batch k (from 1) uses time k − 2.
    close(run!.lr[1]!, 0);
    close(run!.lr[51]!, 3e-4);
    close(run!.lr[101]!, 6e-4);
    close(run!.lr[100 + 2350 + 1]!, 6e-5 + 0.5 * 5.4e-4); // τ = 2350/4700
    close(run!.lr[4799]!, 6e-5 + 0.5 * 5.4e-4 * (1 + Math.cos((Math.PI * 4698) / 4700)));
    assert.equal(r.keyLines['scheduler.t_warmup'], 60);
  },
);

test(
  'linear_decay_with_warmup with t_warmup 0.01dur = int(0.01 × 4800) = 48 batches, to 0 at the end',
  { skip: SHARED_SKIP },
  () => {
    const text = mpt125m()
      .replace('name: cosine_with_warmup', 'name: linear_decay_with_warmup')
      .replace('t_warmup: 100ba', 't_warmup: 0.01dur')
      .replace('alpha_f: 0.1', 'alpha_f: 0.0');
    const r = extractSchedule('llm-foundry', text);
    assert.deepEqual(r.errors, []);
    const s = r.plan!.schedule;
    assert.equal(s.warmup, 48);
    const { run } = compileRun(r.plan!);
    close(run!.lr[48 + 2376 + 1]!, 3e-4); // half of the 4,752 post-warmup batches, one batch late
  },
);

test(
  'inv_sqrt_with_warmup, mismatched units and a missing t_warmup are errors naming the key',
  { skip: SHARED_SKIP },
  () => {
    const inv = extractSchedule(
      'llm-foundry',
      mpt125m().replace('name: cosine_with_warmup', 'name: inv_sqrt_with_warmup'),
    );
    assert.ok(inv.errors.some((e) => e.startsWith('unknown: `scheduler.name` = `inv_sqrt_with_warmup`')));
    const units = extractSchedule(
      'llm-foundry',
      mpt125m().replace('t_warmup: 100ba', 't_warmup: 1000000tok'),
    );
    assert.ok(
      units.errors.some((e) => /`scheduler.t_warmup` is in tok but max_duration in ba/.test(e)),
      units.errors.join('; '),
    );
    const mcli = extractSchedule(
      'llm-foundry',
      readFileSync(join(FRAMEWORKS_DIR, 'llm-foundry', 'fixtures', 'mcli-mpt-tiny-alibi.yaml'), 'utf8'),
    );
    assert.equal(mcli.plan, undefined);
    assert.ok(mcli.errors.some((e) => /Composer needs the same unit/.test(e)));
    const none = extractSchedule('llm-foundry', mpt125m().replace('t_warmup: 100ba\n', ''));
    assert.ok(none.errors.some((e) => /`scheduler.t_warmup` is required/.test(e)));
  },
);
