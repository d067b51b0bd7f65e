/**
 * Audit of the GPT-NeoX LR extractor against EleutherAI/gpt-neox@ea7aefd8: megatron/learning_rates.py
 * `AnnealingLR.get_lr`/`step`, megatron/training.py `get_learning_rate_scheduler`, and
 * megatron/neox_arguments/arguments.py `validate_values`. The LR of iteration k is get_lr at
 * num_iters = k − 1 (the constructor steps to 0; each train step calls step() after the update).
 * Expected values are AnnealingLR written out here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRun, extractSchedule, lrAt } from '../../../schedule';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';

const close = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

/** AnnealingLR.get_lr at num_iters n (learning_rates.py, transcribed). */
function annealing(n: number, lr: number, W: number, E: number, style: string, minLr: number): number {
  if (W > 0 && n <= W) return (lr * Math.max(1, n)) / W;
  const m = n - W;
  const e = E - W;
  let out: number;
  if (style === 'linear') out = (lr * (e - m)) / e;
  else if (style === 'cosine') out = minLr + ((lr - minLr) / 2) * (Math.cos((Math.PI * m) / e) + 1);
  else if (style === 'exponential') out = lr * Math.exp((-0.693 * m) / e);
  else out = lr;
  return Math.max(out, minLr);
}

/** A NeoX YAML with 8 GPUs' worth of batch (so the plan is complete) and the given LR keys. */
function config(keys: string): string {
  return [
    'num_layers: 2',
    'hidden_size: 64',
    'num_attention_heads: 4',
    'seq_length: 128',
    'max_position_embeddings: 128',
    'train_batch_size: 32',
    'train_micro_batch_size_per_gpu: 4',
    'gradient_accumulation_steps: 1',
    ...keys
      .trim()
      .split('\n')
      .map((l) => l.trim()),
    '',
  ].join('\n');
}

test('linear decay with lr_decay_iters < train_iters: lr·(1 − p) keeps going below 0 and is floored at min_lr (no cutoff at the horizon)', () => {
  const r = extractSchedule(
    'gpt-neox',
    config(`optimizer: {type: Adam, params: {lr: 0.001}}
      lr_decay_style: linear
      min_lr: 0.0001
      warmup: 0.05
      train_iters: 1500
      lr_decay_iters: 1000`),
  );
  const s = r.schedule!;
  assert.ok(s, r.errors.join('; '));
  for (const n of [0, 1, 25, 50, 51, 500, 899, 900, 901, 999, 1000, 1499])
    close(lrAt(s, n), annealing(n, 0.001, 50, 1000, 'linear', 0.0001));
});

test('lr_decay_iters wins over lr_decay_fraction (get_learning_rate_scheduler tests it first); the fraction is floored', () => {
  const both = extractSchedule(
    'gpt-neox',
    config(`optimizer: {type: Adam, params: {lr: 0.001}}
      lr_decay_style: cosine
      warmup: 0.1
      train_iters: 1000
      lr_decay_iters: 1000
      lr_decay_fraction: 0.5`),
  );
  assert.equal(both.schedule!.horizon, 1000);
  const fraction = extractSchedule(
    'gpt-neox',
    config(`optimizer: {type: Adam, params: {lr: 0.001}}
      lr_decay_style: linear
      warmup: 0.1
      train_iters: 1001
      lr_decay_fraction: 0.5`),
  );
  assert.equal(fraction.schedule!.horizon, 500); // floor(1001 · 0.5)
  assert.equal(fraction.schedule!.warmup, 50); // 0.1 × num_iters
});

test('validate_values: min_lr above the LR is refused; a warmup of 1 or more breaks the decay — both errors', () => {
  const high = extractSchedule(
    'gpt-neox',
    config(`optimizer: {type: Adam, params: {lr: 0.0001}}
      min_lr: 0.001
      lr_decay_style: cosine
      train_iters: 1000`),
  );
  assert.equal(high.schedule, undefined);
  assert.ok(
    high.errors.some((e) => /`min_lr` 0\.001 is above the LR/.test(e)),
    high.errors.join('; '),
  );
  const long = extractSchedule(
    'gpt-neox',
    config(`optimizer: {type: Adam, params: {lr: 0.001}}
      warmup: 1.0
      lr_decay_style: linear
      train_iters: 1000`),
  );
  assert.equal(long.schedule, undefined);
  assert.ok(
    long.errors.some((e) => e.startsWith('unknown: `warmup` = `1`')),
    long.errors.join('; '),
  );
});

test('exponential decay is AnnealingLR’s lr·exp(−0.693·p), floored at min_lr and decaying on past the horizon; a DeepSpeed `scheduler` block stays an error naming the key', () => {
  const exp = extractSchedule(
    'gpt-neox',
    config(`optimizer: {type: Adam, params: {lr: 0.001}}
      lr_decay_style: exponential
      min_lr: 0.0003
      lr_decay_iters: 600
      train_iters: 1000`),
  );
  assert.deepEqual(exp.errors, []);
  // Iteration k trains at get_lr(k − 1); W = 0.01 × 600 = 6, E = 600.
  for (const n of [0, 1, 5, 6, 7, 300, 599, 600, 700, 999])
    close(lrAt(exp.plan!.schedule, n), annealing(n, 0.001, 6, 600, 'exponential', 0.0003));
  // Past the horizon it keeps halving toward min_lr: at n = 700 below the LR at E.
  assert.ok(lrAt(exp.plan!.schedule, 700) < lrAt(exp.plan!.schedule, 600));
  const ds = extractSchedule(
    'gpt-neox',
    config(`optimizer: {type: Adam, params: {lr: 0.001}}
      scheduler: {type: WarmupLR, params: {warmup_num_steps: 10}}
      train_iters: 1000`),
  );
  assert.ok(ds.errors.some((e) => e.startsWith('unknown: `scheduler`')));
});

test(
  'corpus: pythia-1b.yml — AnnealingLR cosine at many iterations, run length = the reader’s 143,000',
  { skip: SHARED_SKIP },
  () => {
    const text = readFileSync(join(SHARED_DIR, 'configs', 'gpt-neox_pythia', 'pythia-1b.yml'), 'utf8');
    const r = extractSchedule('gpt-neox', text);
    assert.deepEqual(r.errors, []);
    const s = r.plan!.schedule;
    const { run } = compileRun(r.plan!);
    assert.equal(run!.lr.length, 143_000);
    for (const k of [1, 2, 700, 1430, 1431, 1432, 50_000, 142_999, 143_000])
      close(run!.lr[k - 1]!, annealing(k - 1, s.peakLr, 0.01 * 143_000, 143_000, 'cosine', s.finalLr));
    close(s.finalLr, 0.1 * s.peakLr); // pythia: min_lr = lr / 10
  },
);
