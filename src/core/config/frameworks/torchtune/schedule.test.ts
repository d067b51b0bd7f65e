/**
 * torchtune's LR schedule against its own code, transcribed from
 * pytorch/torchtune@bd2a0fc7 torchtune/training/lr_schedulers.py `get_cosine_schedule_with_warmup`
 * (a LambdaLR: step k runs at lr·lambda(k)), on the real recipe configs in fixtures/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt } from '../../../schedule';
import { torchtuneSchedule } from './schedule';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

function torchtuneCosine(warmup: number, total: number, cycles = 0.5) {
  return (step: number) => {
    if (step < warmup) return step / Math.max(1, warmup);
    const progress = (step - warmup) / Math.max(1, total - warmup);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
  };
}

test('7B_lora_dpo.yaml (lr 5e-4, 100 warmup, 1 epoch × max_steps_per_epoch 1000): the cosine matches torchtune at every step, with the cap caveat', () => {
  const r = extractSchedule('torchtune', fixture('schedule/llama2_7B_lora_dpo.yaml'));
  assert.ok(r.schedule, r.errors.join('; '));
  assert.equal(r.runLength, 1000);
  const lambda = torchtuneCosine(100, 1000);
  for (let k = 0; k < 1000; k++) {
    const expected = 5e-4 * lambda(k);
    assert.ok(
      Math.abs(lrAt(r.schedule, k) - expected) <= 1e-15,
      `step ${k}: ${lrAt(r.schedule, k)} vs ${expected}`,
    );
  }
  assert.equal(lrAt(r.schedule, 0), 0); // LambdaLR: the first step runs at 0
  // The horizon is an upper bound the file cannot guarantee: said, next to the curve.
  assert.match(r.errors.join('\n'), /holds only when every epoch has at least 1000 optimizer steps/);
  assert.equal(r.keyLines['lr_scheduler.num_warmup_steps'], 66);
});

test('a recipe without max_steps_per_epoch: the shape is stated, the horizon is unknown (it needs the dataset size)', () => {
  const r = torchtuneSchedule(fixture('llama3_2_1B_lora_single_device.yaml'));
  assert.equal(r.schedule, undefined);
  assert.match(r.errors[0]!, /the batches per epoch need the dataset size/);
  assert.match(r.notes.join('\n'), /warmup 100 steps linear from 0 to 0\.0003, then cosine to 0/);
  assert.equal(r.keyLines['lr_scheduler._component_'], 62);
});

test('no lr_scheduler (mistral 7B_full.yaml): constant at optimizer.lr', () => {
  const r = torchtuneSchedule(fixture('mistral_7B_full.yaml'));
  assert.equal(r.schedule?.decay.kind, 'constant');
  assert.equal(r.schedule?.peakLr, 5e-6);
  assert.equal(lrAt(r.schedule!, 12345), 5e-6);
});

test('an unknown scheduler component, num_cycles ≠ 0.5 or a recipe-owned argument is named, never drawn', () => {
  const text = fixture('schedule/llama2_7B_lora_dpo.yaml');
  const other = torchtuneSchedule(
    text.replace(
      'torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup',
      'torch.optim.lr_scheduler.StepLR',
    ),
  );
  assert.equal(other.schedule, undefined);
  assert.match(
    other.errors[0]!,
    /^unknown: `lr_scheduler\._component_` = `torch\.optim\.lr_scheduler\.StepLR`/,
  );
  const cycles = torchtuneSchedule(
    text.replace('num_warmup_steps: 100', 'num_warmup_steps: 100\n  num_cycles: 1.5'),
  );
  assert.match(cycles.errors.join('\n'), /unknown: `lr_scheduler\.num_cycles` = `1\.5`/);
  const owned = torchtuneSchedule(
    text.replace('num_warmup_steps: 100', 'num_warmup_steps: 100\n  num_training_steps: 5'),
  );
  // torchtune@bd2a0fc7 config/_instantiate.py: the recipe's kwargs overwrite the config's value.
  assert.ok(!owned.errors.some((e) => /num_training_steps/.test(e)));
  assert.match(owned.notes.join('\n'), /num_training_steps` is ignored: the recipe passes its own/);
  assert.deepEqual(owned.schedule, torchtuneSchedule(text).schedule);
  // The exported alias is the same function.
  const alias = torchtuneSchedule(
    text.replace(
      'torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup',
      'torchtune.training.get_cosine_schedule_with_warmup',
    ),
  );
  assert.ok(alias.schedule);
});
