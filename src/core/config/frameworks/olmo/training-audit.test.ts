import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import type { ReadOptions, RunSpec } from '../../../types';
import { parseOlmoDuration } from './reader';
import { fixture } from '../../../../../test/helpers';

/**
 * Training length D as allenai/OLMo@59a53e3f decides it: olmo/config.py TrainConfig defaults
 * (max_duration 10000, global_train_batch_size 512, model.max_sequence_length 1024) and
 * olmo/train.py Trainer.tokens_per_batch / max_steps / max_tokens / fit.
 */
const BASE = fixture('olmo', 'OLMo-tiny-tied.yaml');
const spec = (text: string, options?: ReadOptions): RunSpec => {
  const result = readRunConfig(text, { path: 'run.yaml', ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
};

describe('OLMo training length audit (allenai/OLMo@59a53e3f)', () => {
  it('an absent global_train_batch_size is TrainConfig’s 512, not unknown (config.py)', () => {
    // tokens_per_batch = global_train_batch_size × model.max_sequence_length = 512 × 512 here.
    const text = BASE.replace('global_train_batch_size: 64\n', '').replace(
      'max_duration: 2e9T  # 2B tokens',
      'max_duration: 1000',
    );
    const run = spec(text);
    assert.equal(run.training.globalBatchSeqs, 512);
    assert.equal(run.training.tokens, 1000 * 512 * 512);
    assert.ok(run.assumptions.some((a) => a.includes('global_train_batch_size absent')));
    // An unresolvable value stays unknown rather than falling back to the default.
    const env = spec(
      BASE.replace('global_train_batch_size: 64', 'global_train_batch_size: ${oc.env:GLOBAL_BATCH}').replace(
        'max_duration: 2e9T  # 2B tokens',
        'max_duration: 1000',
      ),
    );
    assert.equal(env.training.tokens, undefined);
  });

  it("'…ep' needs an integer (max_steps: int(max_duration[:-2])); '…T' is int(float(…)) tokens", () => {
    assert.equal(parseOlmoDuration('1.5ep'), undefined);
    assert.deepEqual(parseOlmoDuration('2ep'), { amount: 2, unit: 'epochs', suffix: 'ep' });
    const fractional = spec(BASE.replace('max_duration: 2e9T  # 2B tokens', 'max_duration: 1.5ep'), {
      datasetTokens: 1e9,
    });
    assert.equal(fractional.training.tokens, undefined);
    // 2e9T: max_steps = ceil(2e9 / (64 × 512)) = 61036 steps.
    const tokens = spec(BASE);
    assert.equal(tokens.training.tokens, 2e9);
    assert.equal(tokens.training.steps, Math.ceil(2e9 / (64 * 512)));
  });

  it('stop_at below max_steps caps the run; fit() otherwise runs to stop_at = max_steps + 10 (noted)', () => {
    // fit(): stop_at = min(stop_at, global_step + stop_after); the loop breaks at global_step >= stop_at.
    const capped = spec(
      BASE.replace('max_duration: 2e9T  # 2B tokens', 'max_duration: 1000\nstop_at: 400\nstop_after: 300'),
    );
    assert.equal(capped.training.tokens, 300 * 64 * 512);
    // No stop_at: stop_at = max_steps + 10, bounded by the data of ceil(max_steps / batches_per_epoch)
    // epochs, which the file cannot say; D counts max_duration and the assumption says so.
    const plain = spec(BASE.replace('max_duration: 2e9T  # 2B tokens', 'max_duration: 1000'));
    assert.equal(plain.training.tokens, 1000 * 64 * 512);
    assert.ok(plain.assumptions.some((a) => a.includes('max_steps + 10') && a.includes('1,010')));
  });
});
