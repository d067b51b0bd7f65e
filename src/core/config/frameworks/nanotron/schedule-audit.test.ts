/**
 * nanotron LR-schedule audit against huggingface/nanotron@2411b022 src/nanotron/helpers.py
 * (`lr_scheduler_builder` / `lr_lambda`) and src/nanotron/config/config.py (`LRSchedulerArgs`).
 * The expected values come from lr_lambda transcribed below (LambdaLR: LR = lr · lr_lambda(s)/lr at
 * s = optimizer step − 1, the trainer steps the scheduler after each optimizer.step()).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractSchedule, lrAt } from '../../../schedule';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

interface Args {
  lr: number;
  w: number;
  warmupStyle: 'linear' | 'constant';
  decayStyle: 'linear' | 'cosine' | '1-sqrt';
  decaySteps?: number;
  start?: number;
  minLr: number;
}

/** helpers.py lr_lambda (times initial_lr = lr): the nanotron formula, branch by branch. */
function nanotronLr(a: Args, trainSteps: number, s: number): number {
  let d = a.decaySteps;
  if (d === undefined) d = trainSteps - a.w - (a.start ?? 0);
  const start = a.start ?? a.w;
  if (a.w === 0 && d === 0) return a.lr * a.lr; // returns initial_lr before `lmbda /= initial_lr`
  if (s <= a.w) return a.warmupStyle === 'linear' ? (a.lr * s) / Math.max(a.w, 1) : a.lr;
  if (s < start) return a.lr;
  if (s < start + d) {
    const q = (s - start) / d;
    if (a.decayStyle === 'cosine') return a.minLr + ((a.lr - a.minLr) * (1 + Math.cos(Math.PI * q))) / 2;
    if (a.decayStyle === 'linear') return a.minLr + ((a.lr - a.minLr) * (d - (s - start))) / d;
    return a.minLr + (a.lr - a.minLr) * (1 - Math.sqrt(q));
  }
  return a.minLr;
}

const yaml = (a: Args, trainSteps: number) => `general:
  project: audit
model:
  model_config:
    hidden_size: 256
    intermediate_size: 1024
    num_attention_heads: 4
    num_hidden_layers: 2
    num_key_value_heads: 4
    vocab_size: 32000
    max_position_embeddings: 256
optimizer:
  learning_rate_scheduler:
    learning_rate: ${a.lr}
    lr_warmup_steps: ${a.w}
    lr_warmup_style: ${a.warmupStyle}
    lr_decay_style: ${a.decayStyle}
    lr_decay_steps: ${a.decaySteps ?? 'null'}
    lr_decay_starting_step: ${a.start ?? 'null'}
    min_decay_lr: ${a.minLr}
tokens:
  train_steps: ${trainSteps}
  sequence_length: 256
  micro_batch_size: 2
  batch_accumulation_per_replica: 1
parallelism:
  dp: 1
  pp: 1
  tp: 1
`;

function check(a: Args, trainSteps: number, xs: number[]) {
  const r = extractSchedule('nanotron', yaml(a, trainSteps));
  assert.deepEqual(r.errors, []);
  const s = r.schedule!;
  for (const x of xs) close(lrAt(s, x), nanotronLr(a, trainSteps, x));
  return s;
}

test('nanotron@2411b022 lr_warmup_steps 0, linear: step 0 is at 0 (warmup branch s ≤ 0), decay counted from 0', () => {
  const a: Args = { lr: 1e-3, w: 0, warmupStyle: 'linear', decayStyle: 'cosine', minLr: 1e-5 };
  const s = check(a, 1000, [0, 1, 2, 250, 500, 999]);
  assert.equal(lrAt(s, 0), 0);
  close(lrAt(s, 500), 1e-5 + (1e-3 - 1e-5) / 2); // cos(π·500/1000) = 0
});

test('nanotron@2411b022 lr_warmup_steps 0 with a stable phase then 1-sqrt', () => {
  const a: Args = {
    lr: 3e-3,
    w: 0,
    warmupStyle: 'linear',
    decayStyle: '1-sqrt',
    start: 600,
    decaySteps: 400,
    minLr: 0,
  };
  check(a, 1000, [0, 1, 599, 600, 700, 999]);
});

test('nanotron@2411b022 lr_decay_steps 0 right after warmup: step W is still lr (inclusive warmup branch)', () => {
  const a: Args = {
    lr: 1e-3,
    w: 100,
    warmupStyle: 'linear',
    decayStyle: 'linear',
    decaySteps: 0,
    minLr: 1e-4,
  };
  const s = check(a, 1000, [0, 50, 99, 100, 101, 999]);
  close(lrAt(s, 100), 1e-3);
  close(lrAt(s, 101), 1e-4);
});

test('nanotron@2411b022 lr_warmup_steps 0 and lr_decay_steps 0: lr_lambda returns initial_lr unnormalised (LR = lr²)', () => {
  const a: Args = { lr: 3e-4, w: 0, warmupStyle: 'linear', decayStyle: 'cosine', decaySteps: 0, minLr: 1e-5 };
  const s = check(a, 1000, [0, 1, 500, 999]);
  close(lrAt(s, 0), 9e-8);
});

test('nanotron@2411b022 lr_decay_starting_step without lr_decay_steps: decay steps = train − W − start', () => {
  // lr_decay_steps = 10,000 − 100 − 5,000 = 4,900, decay 5,000 → 9,900, then min_decay_lr.
  const a: Args = { lr: 1e-3, w: 100, warmupStyle: 'constant', decayStyle: 'linear', start: 5000, minLr: 0 };
  const s = check(a, 10_000, [0, 99, 100, 4999, 5000, 7450, 9899, 9900, 9999]);
  close(lrAt(s, 7450), 0.5e-3);
  assert.equal(lrAt(s, 9900), 0);
});
