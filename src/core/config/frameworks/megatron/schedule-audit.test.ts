/**
 * Audit of the Megatron-LM / Megatron-DeepSpeed LR extractor against the frameworks' own code.
 * Sources: NVIDIA/Megatron-LM@d98e8a64 megatron/core/optimizer_param_scheduler.py `get_lr`,
 * megatron/training/training.py `get_optimizer_param_scheduler`, megatron/training/arguments.py
 * `validate_args`; deepspeedai/Megatron-DeepSpeed@4efb479d megatron/optimizer_param_scheduler.py
 * `get_lr`/`step` and megatron/training.py `train` (consumed_train_tokens grows after train_step).
 * Expected values are the frameworks' formulas written out here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRun, extractSchedule } from '../../../schedule';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';

const close = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

/** A launch script: seq 8, global batch 4 (one batch = 32 tokens), plus the given flags. */
function script(flags: string): string {
  return [
    '#!/bin/bash',
    'python pretrain_gpt.py \\',
    '  --num-layers 2 --hidden-size 64 --num-attention-heads 4 \\',
    '  --seq-length 8 --max-position-embeddings 8 \\',
    '  --micro-batch-size 1 --global-batch-size 4 \\',
    ...flags
      .trim()
      .split('\n')
      .map((l) => `  ${l.trim()} \\`),
    '  --vocab-size 512',
    '',
  ].join('\n');
}

/** Megatron-DeepSpeed@4efb479d get_lr, cosine, token-wise (num_tokens = tokens of k − 2 iterations). */
function mdsCosineTokens(numTokens: number, lr: number, minLr: number, warmup: number, decay: number) {
  if (warmup > 0 && numTokens <= warmup) return (lr * numTokens) / warmup;
  if (numTokens > decay) return minLr;
  const ratio = (numTokens - warmup) / (decay - warmup);
  return minLr + (lr - minLr) * 0.5 * (Math.cos(Math.PI * ratio) + 1);
}

test('Megatron-DeepSpeed --lr-warmup-tokens + --lr-decay-tokens: iteration k uses the tokens of k − 2 iterations (consumed_train_tokens is added after the scheduler steps)', () => {
  const r = extractSchedule(
    'megatron',
    script(`--lr 6e-4 --min-lr 1e-6 --lr-decay-style cosine --train-iters 120
      --lr-warmup-tokens 320 --lr-decay-tokens 3200`),
  );
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  // run.lr[i] is iteration i + 1; Megatron-DeepSpeed: num_tokens = 32·max(0, i − 1).
  for (const i of [0, 1, 2, 6, 10, 11, 12, 50, 100, 101, 119]) {
    close(run!.lr[i]!, mdsCosineTokens(32 * Math.max(0, i - 1), 6e-4, 1e-6, 320, 3200));
  }
  close(run!.lr[2]!, 6e-5); // iteration 3: 32 of 320 warmup tokens (the old code gave 64/320)
  close(run!.lr[11]!, 6e-4);
});

test('Megatron-DeepSpeed --lr-decay-tokens with a sample-wise warmup: lr_warmup_tokens is recorded (lagged) when num_steps hits the warmup', () => {
  const r = extractSchedule(
    'megatron',
    script(`--lr 6e-4 --min-lr 1e-6 --lr-decay-style cosine --train-iters 120
      --lr-warmup-iters 10 --lr-decay-tokens 3200`),
  );
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  // get_lr: warmup by num_steps = 4·i samples (no lag) up to 40; at num_steps == 40 (after 10
  // iterations) lr_warmup_tokens = num_tokens = 9·32 = 288; then ratio = (32(i − 1) − 288)/(3200 − 288).
  const expected = (i: number) => {
    const samples = 4 * i;
    if (samples <= 40) return (6e-4 * samples) / 40;
    const tokens = 32 * (i - 1);
    if (tokens > 3200) return 1e-6;
    return 1e-6 + (6e-4 - 1e-6) * 0.5 * (Math.cos((Math.PI * (tokens - 288)) / (3200 - 288)) + 1);
  };
  for (const i of [0, 5, 10, 11, 12, 50, 100, 101, 102, 119]) close(run!.lr[i]!, expected(i));
});

test('Megatron-DeepSpeed token-wise LR forms it cannot run or we cannot express are errors naming the key', () => {
  const warmOnly = extractSchedule('megatron', script(`--lr 6e-4 --train-iters 120 --lr-warmup-tokens 320`));
  assert.equal(warmOnly.plan, undefined);
  assert.ok(
    warmOnly.errors.some((e) => e.startsWith('unknown: `--lr-warmup-tokens`')),
    warmOnly.errors.join('; '),
  );
  // No sample-wise warmup: lr_warmup_tokens stays None and get_lr fails on num_tokens − None.
  const noWarm = extractSchedule(
    'megatron',
    script(`--lr 6e-4 --lr-decay-style cosine --train-iters 120 --lr-decay-tokens 3200`),
  );
  assert.ok(
    noWarm.errors.some((e) => e.startsWith('unknown: `--lr-decay-tokens`')),
    noWarm.errors.join('; '),
  );
  const ramp = extractSchedule(
    'megatron',
    script(`--lr 6e-4 --train-samples 4000 --rampup-batch-size 2 2 100
      --lr-warmup-tokens 320 --lr-decay-tokens 3200`),
  );
  assert.ok(
    ramp.errors.some((e) => /--rampup-batch-size/.test(e)),
    ramp.errors.join('; '),
  );
});

test('validate_args: mixing iteration- and sample-based LR flags is refused by Megatron, so it is an error here', () => {
  const cases: [string, RegExp][] = [
    ['--train-iters 100 --lr-decay-samples 300', /`--train-iters` with `--lr-decay-samples`/],
    ['--train-iters 100 --lr-warmup-samples 40', /`--train-iters` with `--lr-warmup-samples`/],
    [
      '--train-iters 100 --lr-warmup-fraction 0.1 --lr-warmup-iters 5',
      /`--lr-warmup-fraction` with `--lr-warmup-iters`/,
    ],
    ['--train-samples 400 --lr-decay-iters 80', /`--train-samples` with `--lr-decay-iters`/],
    ['--train-samples 400 --lr-warmup-iters 5', /`--train-samples` with `--lr-warmup-iters`/],
    [
      '--train-samples 400 --lr-warmup-fraction 0.1 --lr-warmup-samples 8',
      /`--lr-warmup-fraction` with `--lr-warmup-samples`/,
    ],
  ];
  for (const [flags, pattern] of cases) {
    const r = extractSchedule('megatron', script(`--lr 1e-4 ${flags}`));
    assert.equal(r.plan, undefined, flags);
    assert.ok(
      r.errors.some((e) => pattern.test(e)),
      `${flags}: ${r.errors.join('; ')}`,
    );
  }
});

test('WSD: the anneal starts at lr_decay_steps − wsd_decay_steps; a cooldown longer than decay − warmup is an error, a fitting one is exact', () => {
  const long = extractSchedule(
    'megatron',
    script(`--lr 1e-3 --train-iters 100 --lr-warmup-iters 20 --lr-decay-style WSD --lr-wsd-decay-iters 90`),
  );
  assert.equal(long.plan, undefined);
  assert.ok(
    long.errors.some((e) => e.startsWith('unknown: `--lr-wsd-decay-iters` = `90`')),
    long.errors.join('; '),
  );
  const fit = extractSchedule(
    'megatron',
    script(`--lr 1e-3 --min-lr 1e-4 --train-iters 100 --lr-warmup-iters 20 --lr-decay-style WSD
      --lr-wsd-decay-iters 80 --lr-wsd-decay-style linear`),
  );
  assert.deepEqual(fit.errors, []);
  const { run } = compileRun(fit.plan!);
  // get_lr: n = 4i samples, warmup 80, decay 400, anneal start 400 − 320 = 80: coeff = 1 − (n − 80)/320.
  for (const i of [10, 20, 21, 60, 99]) {
    const n = 4 * i;
    const lr = n <= 80 ? (1e-3 * n) / 80 : 1e-4 + (1e-3 - 1e-4) * (1 - (n - 80) / 320);
    close(run!.lr[i]!, lr);
  }
});

test('sample-based run: --lr-decay-samples and --lr-warmup-samples are samples; --min-lr defaults to 0', () => {
  const r = extractSchedule(
    'megatron',
    script(
      `--lr 2e-4 --lr-decay-style cosine --train-samples 4000 --lr-decay-samples 2000 --lr-warmup-samples 200`,
    ),
  );
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  assert.equal(run!.lr.length, 1000);
  const expected = (n: number) =>
    n <= 200 ? (2e-4 * n) / 200 : n > 2000 ? 0 : 2e-4 * 0.5 * (Math.cos((Math.PI * (n - 200)) / 1800) + 1);
  for (const i of [0, 25, 50, 51, 275, 500, 501, 999]) close(run!.lr[i]!, expected(4 * i));
});

test(
  'corpus: Megatron-DeepSpeed rebase/ds_pretrain_gpt_125M.sh — token-wise warmup 3e9 and decay 3e11, one batch (256 × 2048) behind',
  { skip: SHARED_SKIP },
  () => {
    const text = readFileSync(
      join(
        SHARED_DIR,
        'configs-b',
        'megatron-deepspeed',
        'examples_deepspeed',
        'rebase',
        'ds_pretrain_gpt_125M.sh',
      ),
      'utf8',
    );
    const r = extractSchedule('megatron', text);
    assert.deepEqual(r.errors, []);
    const { run } = compileRun(r.plan!);
    const B = 256 * 2048;
    for (const i of [0, 1, 2, 5722, 5723, 100_000, 572_204])
      close(run!.lr[i]!, mdsCosineTokens(B * Math.max(0, i - 1), 6e-4, 1e-6, 3e9, 3e11));
  },
);
