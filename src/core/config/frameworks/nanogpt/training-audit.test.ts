import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSpecAs } from '../../../../../test/helpers';

/**
 * Training length D against karpathy/nanoGPT@3adf61e1 train.py: tokens_per_iter =
 * gradient_accumulation_steps × ddp_world_size × batch_size × block_size after
 * `gradient_accumulation_steps //= ddp_world_size` (l. 94–101), i.e. the file's (global) accumulation
 * × batch_size × block_size on any GPU count; the loop (l. 255–333) evaluates and saves at iter_num = k
 * before that iteration's update (k updates in the checkpoint), updates, and stops once
 * `iter_num > max_iters`, which is only compared (a float works).
 */
const run = (extra: string) =>
  `n_layer = 2\nn_head = 2\nn_embd = 64\nblock_size = 256\nbatch_size = 4\ngradient_accumulation_steps = 8\n${extra}`;

describe('nanoGPT training length audit (nanoGPT@3adf61e1)', () => {
  it('D = max_iters × gradient_accumulation_steps × batch_size × block_size, whatever the GPU count', () => {
    for (const gpus of [undefined, 1, 2, 8]) {
      const spec = readSpecAs('nanogpt', run('max_iters = 100\n'), gpus ? { options: { gpus } } : {});
      assert.equal(spec.training.tokensPerStep, 8 * 4 * 256);
      assert.equal(spec.training.tokens, 100 * 8 * 4 * 256);
    }
  });

  it('a whole float max_iters (5e3) is 5000 iterations; a fractional one gives no D rather than a fraction', () => {
    assert.equal(readSpecAs('nanogpt', run('max_iters = 5e3\n'), {}).training.tokens, 5000 * 8 * 4 * 256);
    const spec = readSpecAs('nanogpt', run('max_iters = 10.5\n'), {});
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => m.includes('max_iters')));
  });

  it('max_iters absent: the train.py default 600000', () => {
    assert.equal(readSpecAs('nanogpt', run(''), {}).training.tokens, 600000 * 8 * 4 * 256);
  });
});
