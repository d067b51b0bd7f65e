import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import type { RunSpec } from '../../../types';

/**
 * Training tokens D against allenai/OLMo-core@fa6c5014: train/common.py `Duration.due` (steps:
 * step ≥ value; tokens: tokens seen ≥ value; epochs: epoch > value), train/trainer.py
 * `training_complete` (max_duration, then hard_stop) and `_get_max_steps` (tokens → ceil over
 * tokens_per_batch), data/data_loader.py (global_batch_size in tokens, settable during the run),
 * train/callbacks/batch_size_scheduler.py `BatchSizeSchedulerCallback` (sets the data loader's
 * global_batch_size at each point of its schedule).
 */
const SEQ = 4096;
const BATCH_TOKENS = 512 * SEQ;

function script(duration: string, callback = ''): string {
  return [
    'from olmo_core.data import NumpyDataLoaderConfig, NumpyFSLDatasetConfig, TokenizerConfig',
    'from olmo_core.nn.transformer import TransformerConfig',
    'from olmo_core.train import Duration, TrainerConfig',
    'from olmo_core.train.callbacks import BatchSizeSchedulerCallback',
    '',
    `SEQUENCE_LENGTH = ${SEQ}`,
    'GLOBAL_BATCH_SIZE = 512 * SEQUENCE_LENGTH',
    '',
    'tokenizer_config = TokenizerConfig.dolma2()',
    'model_config = TransformerConfig.olmo2_1B_v2(vocab_size=tokenizer_config.padded_vocab_size())',
    'dataset_config = NumpyFSLDatasetConfig(paths=["a.npy"], sequence_length=SEQUENCE_LENGTH, tokenizer=tokenizer_config)',
    'data_loader_config = NumpyDataLoaderConfig(global_batch_size=GLOBAL_BATCH_SIZE, seed=0, num_workers=4)',
    'trainer_config = TrainerConfig(',
    '    save_folder="/tmp/run",',
    `    ${duration}`,
    ')',
    callback,
    '',
  ].join('\n');
}

const SCHEDULER =
  'trainer_config = trainer_config.with_callback("batchwup", BatchSizeSchedulerCallback(' +
  'batch_sizes=[GLOBAL_BATCH_SIZE // 2, GLOBAL_BATCH_SIZE], schedule=[Duration.steps(0), Duration.steps(100)]))';

function read(text: string): RunSpec {
  const result = readRunConfig(text, { path: 'train.py' });
  assert.equal(result.kind, 'run-config');
  assert.equal(result.spec.framework, 'olmo-core');
  return result.spec;
}

describe('OLMo-core training-length audit (allenai/OLMo-core@fa6c5014)', () => {
  it('Duration.steps: D = steps × global_batch_size (tokens, not instances)', () => {
    const spec = read(script('max_duration=Duration.steps(1000),'));
    // Every step consumes one global batch of 512 instances × 4096 tokens.
    assert.equal(spec.training.tokens, 1000 * 512 * 4096);
    assert.equal(spec.training.tokensPerStep, BATCH_TOKENS);
    assert.equal(spec.training.globalBatchSeqs, 512);
  });

  it('hard_stop ends the run at whichever Duration is due first', () => {
    const spec = read(script('max_duration=Duration.tokens(int(4e12)),\n    hard_stop=Duration.steps(10),'));
    assert.equal(spec.training.tokens, 10 * BATCH_TOKENS);
    assert.match(spec.training.formula!, /hard_stop/);
  });

  it('BatchSizeSchedulerCallback makes a steps duration unknown (the batch changes mid-run)', () => {
    // 100 steps at 256 instances, then 900 at 512: the reader cannot know the schedule's effect in
    // general, and the old 1000 × 512 × 4096 was wrong.
    const spec = read(script('max_duration=Duration.steps(1000),', SCHEDULER));
    assert.equal(spec.training.tokens, undefined);
    assert.notEqual(spec.training.tokens, 1000 * BATCH_TOKENS);
    assert.ok(spec.training.missing?.some((m) => /unknown: BatchSizeSchedulerCallback/.test(m)));
    assert.equal(spec.training.tokensPerStep, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'unknown-batch-schedule'));
  });

  it('BatchSizeSchedulerCallback keeps a tokens duration: Duration.due counts tokens seen', () => {
    const spec = read(script('max_duration=Duration.tokens(int(1e9)),', SCHEDULER));
    assert.equal(spec.training.tokens, 1e9);
    assert.equal(spec.training.steps, undefined);
  });
});
