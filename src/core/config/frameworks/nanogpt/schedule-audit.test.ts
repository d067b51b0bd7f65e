/**
 * Audit of the nanoGPT LR-schedule extractor against karpathy/nanoGPT@3adf61e1 train.py (same
 * `get_lr` in sijunhe/nanoMoE@307f3c2e and wolfecameron/nanoMoE@661fbcf). Expected values from the
 * transcribed formula, train.py `get_lr(it)`:
 *   it < warmup_iters → learning_rate·(it + 1)/(warmup_iters + 1)
 *   it > lr_decay_iters → min_lr
 *   else min_lr + ½(1 + cos(π·(it − W)/(lr_decay_iters − W)))·(learning_rate − min_lr)
 * and `lr = get_lr(iter_num) if decay_lr else learning_rate`, set once per iteration; the loop trains
 * at iter_num 0 … max_iters (`if iter_num > max_iters: break` after the update).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRun, extractSchedule } from '../../../schedule';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

function getLr(it: number, lr: number, W: number, H: number, min: number): number {
  if (it < W) return (lr * (it + 1)) / (W + 1);
  if (it > H) return min;
  const ratio = (it - W) / (H - W);
  return min + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (lr - min);
}

/** config/train_shakespeare_char.py of karpathy/nanoGPT@3adf61e1, with `extra` appended. */
const CHAR = (extra = '') => `out_dir = 'out-shakespeare-char'
eval_interval = 250
eval_iters = 200
dataset = 'shakespeare_char'
gradient_accumulation_steps = 1
batch_size = 64
block_size = 256
n_layer = 6
n_head = 6
n_embd = 384
dropout = 0.2
learning_rate = 1e-3
max_iters = 5000
lr_decay_iters = 5000
min_lr = 1e-4
beta2 = 0.99
warmup_iters = 100
${extra}`;

test('train_shakespeare_char.py: get_lr at every iteration 0 … max_iters, 16,384 tokens per iteration', () => {
  const r = extractSchedule('nanogpt', CHAR());
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  assert.equal(r.plan!.batchTokens, 64 * 256);
  assert.equal(run!.lr.length, 5001);
  for (let it = 0; it <= 5000; it += 1) close(run!.lr[it]!, getLr(it, 1e-3, 100, 5000, 1e-4), 1e-9);
});

test('eval_only = True: train.py breaks before the first update (`if iter_num == 0 and eval_only`), so no run', () => {
  // Old extractor: a 600,001-step cosine run for config/eval_gpt2.py.
  const r = extractSchedule(
    'nanogpt',
    "batch_size = 8\neval_iters = 500\neval_only = True\nwandb_log = False\ninit_from = 'gpt2'\n",
  );
  assert.equal(r.plan, undefined);
  assert.ok(r.errors.some((e) => e.includes('eval_only')));
});

test('decay_lr = 0 is falsy in train.py (`get_lr(iter_num) if decay_lr else learning_rate`): constant LR', () => {
  // Old extractor: only a literal False turned decay off, so 0 showed the cosine.
  const r = extractSchedule('nanogpt', CHAR('decay_lr = 0'));
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  for (const it of [0, 99, 100, 2500, 5000]) close(run!.lr[it]!, 1e-3);
});

test('an LR key assigned inside a block (exec runs it, we do not) is unknown naming the key', () => {
  // Old extractor: the indented line was skipped and learning_rate stayed 1e-3.
  const r = extractSchedule('nanogpt', CHAR("if dataset == 'shakespeare_char':\n    learning_rate = 3e-3"));
  assert.equal(r.plan, undefined);
  assert.ok(
    r.errors.some((e) => e.startsWith('unknown: `learning_rate`')),
    JSON.stringify(r.errors),
  );
});

test("init_from = 'resume' is unknown: train.py restores iter_num from the checkpoint, so get_lr starts there", () => {
  const r = extractSchedule('nanogpt', CHAR("init_from = 'resume'"));
  assert.equal(r.plan, undefined);
  assert.ok(r.errors.some((e) => e.startsWith('unknown: `init_from` = `resume`')));
});

test('lr_decay_iters = warmup_iters: get_lr divides by zero at iteration W (train.py raises), so no schedule', () => {
  const r = extractSchedule('nanogpt', CHAR('warmup_iters = 5000'));
  assert.equal(r.plan, undefined);
  assert.ok(r.errors.some((e) => e.includes('ZeroDivisionError')));
  // lr_decay_iters below warmup_iters is fine: after warmup every it > lr_decay_iters → min_lr.
  const below = extractSchedule('nanogpt', CHAR('lr_decay_iters = 50'));
  const { run } = compileRun(below.plan!);
  for (const it of [0, 49, 99, 100, 4000]) close(run!.lr[it]!, getLr(it, 1e-3, 100, 50, 1e-4));
});
