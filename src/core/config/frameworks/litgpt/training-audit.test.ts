import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSpecAs } from '../../../../../test/helpers';

/**
 * Training length D against Lightning-AI/litgpt@26857050: litgpt/pretrain.py (fit, validate_args),
 * litgpt/finetune/lora.py (fit, validate_args), litgpt/args.py TrainArgs.
 */
const pretrain = (train: string) =>
  `model_name: pythia-14m\ntrain:\n  global_batch_size: 8\n  micro_batch_size: 2\n  max_seq_length: 512\n${train}`;
const finetune = (train: string) =>
  `checkpoint_dir: checkpoints/meta-llama/Llama-2-7b-hf\ntrain:\n  global_batch_size: 8\n  micro_batch_size: 1\n  max_seq_length: 512\n${train}`;

describe('LitGPT training length audit (litgpt@26857050)', () => {
  it('pretrain runs to train.max_tokens: fit() max_iters = (max_tokens // world) // (micro × seq)', () => {
    const spec = readSpecAs('litgpt', pretrain('  max_tokens: 1024000\n'), {});
    // Nominal D is max_tokens; one step is global_batch_size × max_seq_length = 8 × 512 tokens.
    assert.equal(spec.training.tokens, 1_024_000);
    assert.equal(spec.training.tokensPerStep, 8 * 512);
    assert.equal(spec.training.steps, Math.floor(1_024_000 / (8 * 512)));
  });

  it("pretrain with train.epochs: validate_args raises ValueError (\"doesn't support the 'epochs' argument\"), so no D", () => {
    const spec = readSpecAs('litgpt', pretrain('  max_tokens: 1024000\n  epochs: 2\n'), {});
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => m.startsWith('unknown: train.epochs')));
    assert.ok(spec.diagnostics.some((d) => d.severity === 'error' && /train\.epochs/.test(d.message)));
  });

  it('pretrain with `epochs:` left null (the config_hub layout) still trains to max_tokens', () => {
    const spec = readSpecAs('litgpt', pretrain('  max_tokens: 1024000\n  epochs:\n'), {});
    assert.equal(spec.training.tokens, 1_024_000);
  });

  it('finetune with train.max_tokens: finetune validate_args lists max_tokens as unsupported and raises, so no D', () => {
    // Without max_tokens the same file is 1 epoch over the 1M-token dataset (the control).
    const control = readSpecAs('litgpt', finetune('  epochs: 1\n'), {
      options: { datasetTokens: 1_000_000 },
    });
    assert.equal(control.training.tokens, 1_000_000);
    const spec = readSpecAs('litgpt', finetune('  epochs: 1\n  max_tokens: 5000\n'), {
      options: { datasetTokens: 1_000_000 },
    });
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => m.startsWith('unknown: train.max_tokens')));
  });

  it('finetune: lora.py fit stops at min(max_steps, epochs over the data); max_steps × global batch × seq bounds D', () => {
    // 2 epochs × 10M tokens = 20M is above max_steps(100) × 8 × 512 = 409,600: the bound wins.
    const spec = readSpecAs('litgpt', finetune('  epochs: 2\n  max_steps: 100\n'), {
      options: { datasetTokens: 10_000_000 },
    });
    assert.equal(spec.training.tokens, 100 * 8 * 512);
  });
});
