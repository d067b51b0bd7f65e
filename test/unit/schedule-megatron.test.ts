/**
 * Megatron-LM / Megatron-DeepSpeed LR schedules from launch scripts. Expected values are derived by
 * hand from NVIDIA/Megatron-LM@d98e8a64 (training.py get_optimizer_param_scheduler: positions in
 * samples; optimizer_param_scheduler.py get_lr) and deepspeedai/Megatron-DeepSpeed@4efb479d.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRun, extractSchedule, lrAt } from '../../src/core/schedule';
import { readRunConfig } from '../../src/core/config/registry';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const shared = (...p: string[]) => readFileSync(join(SHARED_DIR, ...p), 'utf8');

/** A minimal recognizable launch script with the given LR/batch flags. */
function script(flags: string): string {
  return [
    '#!/bin/bash',
    'python pretrain_gpt.py \\',
    '  --num-layers 2 --hidden-size 64 --num-attention-heads 4 \\',
    '  --seq-length 128 --max-position-embeddings 128 \\',
    '  --micro-batch-size 1 --global-batch-size 4 \\',
    ...flags
      .trim()
      .split('\n')
      .map((l) => `  ${l.trim()} \\`),
    '  --vocab-size 512',
    '',
  ].join('\n');
}

test(
  'pretrain_gpt.sh: gbs 8, --lr-warmup-fraction .01 of 320,000 decay iters = 25,600 samples (3,200 iterations), cosine 1.5e-4 → 1e-5',
  { skip: SHARED_SKIP },
  () => {
    const text = shared('configs-b', 'megatron-lm', 'examples', 'pretrain_gpt.sh');
    const r = extractSchedule('megatron', text);
    assert.deepEqual(r.errors, []);
    const s = r.plan!.schedule;
    assert.equal(s.unit, 'tokens');
    assert.equal(s.warmup, 25_600 * 1024);
    assert.equal(s.horizon, 320_000 * 8 * 1024);
    const { run } = compileRun(r.plan!);
    assert.equal(run!.lr.length, 500_000);
    close(run!.lr[0]!, 0); // iteration 1: 0 samples consumed
    close(run!.lr[1_600]!, 1.5e-4 / 2); // 12,800 samples: half the warmup
    close(run!.lr[3_200]!, 1.5e-4);
    // Half-way through the decay: (25,600 + 2,560,000)/2 samples = iteration index 161,600.
    close(run!.lr[161_600]!, 1e-5 + 0.5 * 1.4e-4);
    close(run!.lr[400_000]!, 1e-5); // past --lr-decay-iters: --min-lr
    assert.equal(r.keyLines['--lr-decay-style'], 23);
    assert.equal(r.keyLines['--lr-warmup-fraction'], 26);
  },
);

test(
  'pretrain_gpt3_175B.sh: sample-based schedule under --rampup-batch-size 16 16 5859375 (warmup 183,105 samples = 375M tokens, cosine to 6e-6 at 260B tokens), iterations and tokens equal the reader’s',
  { skip: SHARED_SKIP },
  () => {
    const text = shared('configs-b', 'megatron-lm', 'examples', 'pretrain_gpt3_175B.sh');
    const r = extractSchedule('megatron', text);
    assert.deepEqual(r.errors, []);
    const plan = r.plan!;
    assert.deepEqual(plan.ramp, {
      kind: 'megatron',
      startSequences: 16,
      incrementSequences: 16,
      rampSamples: 5_859_375,
    });
    assert.equal(plan.schedule.warmup, 183_105 * 2048);
    assert.equal(plan.schedule.horizon, 126_953_125 * 2048);
    const { run } = compileRun(plan);
    const spec = readRunConfig(text);
    assert.equal(spec.kind, 'run-config');
    if (spec.kind !== 'run-config') return;
    // The schedule's expansion of the ramp runs the reader's iteration count and consumes the exact
    // token count its formula states (D itself is --train-samples × seq = 3e11).
    const n = run!.lr.length;
    assert.equal(n, spec.spec.training.steps);
    assert.ok(
      spec.spec.training.formula!.includes(`${run!.tokens[n - 1]!.toLocaleString('en-US')} tokens exactly`),
    );
    // Step 2 starts after one batch of 16 samples: LR = 6e-5 · 16 / 183,105 (warmup counts samples).
    close(run!.lr[1]!, (6e-5 * 16) / 183_105);
    close(run!.lr[run!.lr.length - 1]!, 6e-6);
  },
);

test(
  'Megatron-DeepSpeed ds_pretrain_gpt_125M.sh: --lr-warmup-tokens 3e9, --lr-decay-tokens 3e11 (token-wise), cosine 6e-4 → 1e-6',
  { skip: SHARED_SKIP },
  () => {
    const text = shared(
      'configs-b',
      'megatron-deepspeed',
      'examples_deepspeed',
      'rebase',
      'ds_pretrain_gpt_125M.sh',
    );
    const r = extractSchedule('megatron', text);
    assert.deepEqual(r.errors, []);
    const s = r.plan!.schedule;
    assert.equal(s.warmup, 3e9);
    assert.equal(s.horizon, 3e11);
    // The token-wise LR reads consumed_train_tokens before the current iteration's tokens are added
    // (Megatron-DeepSpeed@4efb479d training.py `train`: train_step steps the scheduler, then
    // consumed_train_tokens += …): one batch (256 × 2048 tokens) behind the position.
    const lag = 256 * 2048;
    assert.equal(s.positionOffset, -lag);
    close(lrAt(s, 1.5e9 + lag), 3e-4);
    close(lrAt(s, lag + 3e9 + (3e11 - 3e9) / 2), 1e-6 + 0.5 * (6e-4 - 1e-6));
  },
);

test('WSD: --lr-wsd-decay-iters 100 of 1,000, default --lr-wsd-decay-style exponential = 2·0.5^q − 1 (half-way: min + (max − min)(√2 − 1))', () => {
  const r = extractSchedule(
    'megatron',
    script(`--lr 1e-3 --min-lr 1e-5
      --train-iters 1000 --lr-warmup-iters 10
      --lr-decay-style WSD --lr-wsd-decay-iters 100`),
  );
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  close(run!.lr[5]!, 1e-3 * 0.5); // 20 of 40 warmup samples
  close(run!.lr[899]!, 1e-3); // stable until 1,000 − 100 iterations
  close(run!.lr[950]!, 1e-5 + (1e-3 - 1e-5) * (2 * Math.SQRT1_2 - 1));
  const sqrt = extractSchedule(
    'megatron',
    script(
      `--lr 1e-3 --train-iters 1000 --lr-decay-style WSD --lr-wsd-decay-iters 100 --lr-wsd-decay-style minus_sqrt`,
    ),
  );
  close(compileRun(sqrt.plan!).run!.lr[975]!, 1e-3 * (1 - Math.sqrt(0.75)));
});

test('inverse-square-root: max_lr·√(W/n) after warmup, --min-lr once past the decay horizon (Megatron checks the horizon first)', () => {
  const r = extractSchedule(
    'megatron',
    script(`--lr 4e-4 --min-lr 1e-6 --train-iters 1000 --lr-decay-iters 800
      --lr-warmup-iters 10 --lr-decay-style inverse-square-root`),
  );
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  close(run!.lr[40]!, 4e-4 * 0.5); // √(10·4 / 40·4)
  close(run!.lr[800]!, 4e-4 * Math.sqrt(10 / 800)); // n = horizon: still the formula
  close(run!.lr[801]!, 1e-6);
});

test('default decay style linear (SchedulerConfig), --lr-warmup-init as the warmup start', () => {
  const r = extractSchedule(
    'megatron',
    script(`--lr 2e-4 --train-iters 100 --lr-warmup-iters 10 --lr-warmup-init 1e-5`),
  );
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  close(run!.lr[0]!, 1e-5);
  close(run!.lr[55]!, 2e-4 * 0.5); // linear to --min-lr 0 over iterations 10–100
  assert.ok(r.notes.some((n) => /default linear/.test(n)));
});

test('unmodeled values are errors naming the key, never a curve', () => {
  const bad = extractSchedule('megatron', script(`--lr 1e-4 --train-iters 100 --lr-decay-style foo`));
  assert.equal(bad.plan, undefined);
  assert.ok(
    bad.errors.some((e) => e.startsWith('unknown: `--lr-decay-style` = `foo`')),
    bad.errors.join('; '),
  );
  const step = extractSchedule(
    'megatron',
    script(`--lr 1e-4 --train-iters 100 --step-batch-size-schedule 0:8`),
  );
  assert.ok(step.errors.some((e) => /`--step-batch-size-schedule`/.test(e)));
  const noLr = extractSchedule('megatron', script(`--train-iters 100`));
  assert.ok(noLr.errors.some((e) => /`--lr` is not set/.test(e)));
  const wsd = extractSchedule('megatron', script(`--lr 1e-4 --train-iters 100 --lr-decay-style WSD`));
  assert.ok(wsd.errors.some((e) => /needs `--lr-wsd-decay-iters`/.test(e)));
  const warm = extractSchedule('megatron', script(`--lr 1e-4 --train-iters 100 --lr-warmup-iters 100`));
  assert.ok(warm.errors.some((e) => /must be shorter than the decay/.test(e)));
});
