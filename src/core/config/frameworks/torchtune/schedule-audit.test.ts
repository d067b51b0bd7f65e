/**
 * Audit of the torchtune LR-schedule extractor against pytorch/torchtune@bd2a0fc7:
 * torchtune/training/lr_schedulers.py `get_cosine_schedule_with_warmup` lr_lambda, transcribed:
 *   s < W → s / max(1, W); else max(0, ½(1 + cos(π·num_cycles·2·(s − W)/max(1, T − W))))
 * stepped once per optimizer step (recipes/full_finetune_distributed.py `train`:
 * `(batch_count + 1) % gradient_accumulation_steps == 0` → optimizer.step(); lr_scheduler.step()),
 * with T = epochs × steps_per_epoch passed by the recipe; torchtune/config/_instantiate.py
 * `instantiate` merges the recipe's kwargs over the config ("This overwrites any repeated fields").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrAt } from '../../../schedule/model';
import { torchtuneSchedule } from './schedule';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

function lambda(s: number, W: number, T: number, cycles = 0.5): number {
  if (s < W) return s / Math.max(1, W);
  const p = (s - W) / Math.max(1, T - W);
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * p)));
}

const CONFIG = (scheduler: string) => `optimizer:
  _component_: torch.optim.AdamW
  lr: 2e-5
  fused: True
lr_scheduler:
  _component_: torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup
${scheduler}
epochs: 2
max_steps_per_epoch: 500
gradient_accumulation_steps: 8
`;

test('cosine with warmup (hover schedule) equals torchtune’s lambda at every step to epochs × max_steps_per_epoch', () => {
  const r = torchtuneSchedule(CONFIG('  num_warmup_steps: 100'));
  assert.ok(r.schedule);
  assert.equal(r.plan, undefined);
  assert.equal(r.schedule!.horizon, 1000);
  for (let s = 0; s < 1000; s++) close(lrAt(r.schedule!, s), 2e-5 * lambda(s, 100, 1000), 1e-9);
  // The horizon holds only with enough data per epoch: said, never silently.
  assert.ok(r.errors.some((e) => /smaller dataset ends the cosine sooner/.test(e)));
});

test('lr_scheduler.num_training_steps / last_epoch in the config are overwritten by the recipe: ignored with a note, same schedule', () => {
  // Old extractor: an error claiming config.instantiate raises on the duplicate (it merges instead).
  const base = torchtuneSchedule(CONFIG('  num_warmup_steps: 100'));
  const owned = torchtuneSchedule(
    CONFIG('  num_warmup_steps: 100\n  num_training_steps: 5\n  last_epoch: 3'),
  );
  assert.deepEqual(owned.schedule, base.schedule);
  assert.deepEqual(owned.errors, base.errors);
  assert.ok(owned.notes.some((n) => n.startsWith('`lr_scheduler.num_training_steps` is ignored')));
  assert.ok(owned.notes.some((n) => n.startsWith('`lr_scheduler.last_epoch` is ignored')));
});

test('an argument get_cosine_schedule_with_warmup does not take stays an error naming it', () => {
  const r = torchtuneSchedule(CONFIG('  num_warmup_steps: 100\n  eta_min: 1e-6'));
  assert.equal(r.schedule, undefined);
  assert.ok(r.errors.some((e) => e.startsWith('`lr_scheduler.eta_min` is not an argument')));
});
