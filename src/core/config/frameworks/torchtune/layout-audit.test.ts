import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readLayout } from '../../registry';

// Audit against pytorch/torchtune@bd2a0fc7: training recipes build the optimizer from cfg.optimizer
// (recipes/full_finetune_distributed.py `_setup_optimizer(cfg_optimizer=cfg.optimizer)`).
describe('torchtune layout audit (pytorch/torchtune@bd2a0fc7)', () => {
  const model = 'model:\n  _component_: torchtune.models.llama2.llama2_7b\ndtype: bf16\n';
  it('a config without a top-level optimizer (generate / quantize / eval) makes memory unknown', () => {
    const quant = readLayout(
      'torchtune',
      `${model}quantizer:\n  _component_: torchtune.training.quantization.Int8DynActInt4WeightQuantizer\n  groupsize: 256\n`,
      { path: '/r/quantization.yaml' },
    )!;
    assert.equal(quant.unmodelled?.[0]?.key, 'quantizer');
    const gen = readLayout('torchtune', `${model}prompt:\n  user: hi\nmax_new_tokens: 200\n`, {
      path: '/r/generation.yaml',
    })!;
    assert.equal(gen.unmodelled?.[0]?.key, 'model');
    assert.match(gen.unmodelled![0]!.why!, /no top-level optimizer/);
  });
  it('a training config with an optimizer is not affected', () => {
    const l = readLayout(
      'torchtune',
      `${model}batch_size: 2\ntokenizer:\n  max_seq_len: 1024\noptimizer:\n  _component_: torch.optim.AdamW\n  lr: 2e-5\nloss:\n  _component_: torch.nn.CrossEntropyLoss\n`,
      { path: '/r/full.yaml' },
    )!;
    assert.equal(l.unmodelled, undefined);
    assert.equal(l.optimizer, 'adamw-bf16');
  });
});
