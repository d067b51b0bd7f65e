import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSpecAs } from '../../../../../test/helpers';

/**
 * Training length D against axolotl-ai-cloud/axolotl@067b021c: src/axolotl/core/builders/base.py
 * (`training_args_kwargs["max_steps"] = self.cfg.max_steps or total_num_steps or -1`: max_steps wins
 * over num_epochs), src/axolotl/utils/schemas/config.py (num_epochs default 1.0),
 * src/axolotl/utils/schemas/validation.py check_pretraining_w_max_steps / check_streaming_w_max_steps.
 */
const BASE = `base_model: NousResearch/Meta-Llama-3-8B
sequence_len: 2048
sample_packing: true
micro_batch_size: 2
gradient_accumulation_steps: 4
optimizer: adamw_torch_fused
`;
const DATASETS = 'datasets:\n  - path: tatsu-lab/alpaca\n    type: alpaca\n';
const PRETRAIN = 'pretraining_dataset:\n  - path: allenai/c4\n    name: en\n    type: pretrain\n';
const opts = { options: { datasetTokens: 1_000_000 } };

describe('Axolotl training length audit (axolotl@067b021c)', () => {
  it('num_epochs over the datasets (default 1.0) when max_steps is not set', () => {
    assert.equal(readSpecAs('axolotl', BASE + DATASETS + 'num_epochs: 3\n', opts).training.tokens, 3_000_000);
    assert.equal(readSpecAs('axolotl', BASE + DATASETS, opts).training.tokens, 1_000_000);
  });

  it('max_steps overrides num_epochs (builders/base.py): the real tokens of those steps are not in the file', () => {
    const spec = readSpecAs('axolotl', BASE + DATASETS + 'num_epochs: 3\nmax_steps: 100\n', opts);
    assert.equal(spec.training.tokens, undefined);
    assert.equal(spec.training.steps, 100);
  });

  it('pretraining_dataset without max_steps: the schema raises "max_steps must be set", so no D', () => {
    const spec = readSpecAs('axolotl', BASE + PRETRAIN + 'num_epochs: 1\n', opts);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => m.startsWith('unknown: max_steps')));
    assert.ok(
      spec.diagnostics.some((d) => d.severity === 'error' && /max_steps must be set/.test(d.message)),
    );
  });

  it('streaming: true without max_steps: check_streaming_w_max_steps raises, so no D', () => {
    const spec = readSpecAs('axolotl', BASE + DATASETS + 'streaming: true\nnum_epochs: 1\n', opts);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => m.startsWith('unknown: max_steps')));
    // streaming: false is an ordinary map-style dataset.
    assert.equal(
      readSpecAs('axolotl', BASE + DATASETS + 'streaming: false\n', opts).training.tokens,
      1_000_000,
    );
  });
});
