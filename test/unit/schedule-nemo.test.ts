/**
 * NeMo 1.x LR schedules: NVIDIA/NeMo@8cfedd72 nemo/core/optim/lr_scheduler.py CosineAnnealing over
 * WarmupAnnealHoldPolicy. Expected values by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt } from '../../src/core/schedule';
import { FRAMEWORKS_DIR } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const fixture = (name: string) => readFileSync(join(FRAMEWORKS_DIR, 'nemo', 'fixtures', name), 'utf8');

test('megatron_gpt_config.yaml (constant_steps 0): warmup lr·(s+1)/501, cosine to 2e-5 at max_steps 100,000', () => {
  const r = extractSchedule('nemo', fixture('megatron_gpt_config.yaml'));
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  close(lrAt(s, 0), 2e-4 / 501);
  close(lrAt(s, 499), (2e-4 * 500) / 501);
  close(lrAt(s, 500 + 49_750), 2e-5 + 0.5 * 1.8e-4);
});

test('megatron_falcon_config.yaml (constant_steps 50,000): warmup lr·s/500, cosine over 49,500 steps, then min_lr held', () => {
  const s = extractSchedule('nemo', fixture('megatron_falcon_config.yaml')).plan!.schedule;
  close(lrAt(s, 250), 1e-4);
  close(lrAt(s, 500 + 24_750), 2e-5 + 0.5 * 1.8e-4);
  close(lrAt(s, 60_000), 2e-5);
});

test('another scheduler name is an error naming the key', () => {
  const r = extractSchedule(
    'nemo',
    fixture('megatron_gpt_config.yaml').replace('name: CosineAnnealing', 'name: SquareRootAnnealing'),
  );
  assert.ok(r.errors.some((e) => e.startsWith('unknown: `model.optim.sched.name` = `SquareRootAnnealing`')));
});
