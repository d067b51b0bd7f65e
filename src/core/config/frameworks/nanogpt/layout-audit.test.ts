import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readNanogptLayout } from './layout';

/** karpathy/nanoGPT@3adf61e1 train.py. */
const keys = (text: string, gpus?: number) =>
  (readNanogptLayout(text, gpus).unmodelled ?? []).map((u) => u.key);

describe('nanoGPT layout audit (karpathy/nanoGPT@3adf61e1 train.py)', () => {
  it('eval_only = True only evaluates under torch.no_grad(): not a training-memory run', () => {
    assert.deepEqual(keys("eval_only = True\ninit_from = 'gpt2'\n", 1), ['eval_only']);
    assert.deepEqual(keys('eval_only = False\n', 1), []);
  });

  it("off CUDA there is no autocast (ctx = nullcontext() when device_type == 'cpu'): fp32", () => {
    assert.equal(readNanogptLayout("device = 'cpu'\ndtype = 'bfloat16'\n", 1).precision, 'fp32');
    assert.equal(readNanogptLayout("device = 'mps'\n", 1).precision, 'fp32');
    assert.equal(readNanogptLayout("device = 'cuda:0'\n", 1).precision, 'amp');
  });

  it('fp32 under DDP holds the gradients plus their all-reduce bucket copy (4 + 8 B); one process is plain fp32', () => {
    assert.equal(readNanogptLayout("dtype = 'float32'\n", 4).precision, 'fp32-ddp');
    assert.equal(readNanogptLayout("device = 'cpu'\n", 4).precision, 'fp32-ddp');
    assert.equal(readNanogptLayout("dtype = 'float32'\n", 1).precision, 'fp32');
    assert.deepEqual(keys("dtype = 'float32'\n", 4), []);
  });

  it('compile = False (eager autocast keeps half-precision weight copies for backward) is unknown', () => {
    assert.deepEqual(keys('compile = False\n', 1), ['compile']);
    assert.deepEqual(keys('compile = True\n', 1), []);
  });
});
