import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readRunConfig } from '../../registry';
import type { RunSpec } from '../../../types';

function spec(text: string): RunSpec {
  const result = readRunConfig(text, { path: 'config.yaml' });
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
}

/**
 * huggingface/smollm@a0417598 text/pretraining/continual-pretraining/finemath/60B-runs/finemath-3plus.yaml,
 * trimmed to what N and D read: Llama-3.2-3B's weights, 60,000 fresh steps. nanotron@2411b022
 * trainer.py loads the weights from resume_checkpoint_path but, with load_lr_scheduler false, starts
 * the step count (and tokens.train_steps) at 0: D is this run's 62,914,560,000 tokens, a continued
 * training (before: shown as if the 3B model were trained from scratch on them).
 */
const config = (checkpoints: string, initMethod = '    std: 0.0416') => `checkpoints:
  checkpoint_interval: 10000
  checkpoints_path: checkpoints/finemath-3plus
${checkpoints}
general:
  project: smollm
  run: finemath-3plus
model:
  init_method:
${initMethod}
  make_vocab_size_divisible_by: 1
  model_config:
    hidden_size: 3072
    intermediate_size: 8192
    num_attention_heads: 24
    num_hidden_layers: 28
    num_key_value_heads: 8
    vocab_size: 128256
    tie_word_embeddings: true
parallelism:
  dp: 32
  pp: 1
  tp: 2
tokens:
  sequence_length: 4096
  train_steps: 60000
  micro_batch_size: 4
  batch_accumulation_per_replica: 2
`;

describe('nanotron: continued training from a checkpoint (trainer.py load_lr_scheduler / ExistingCheckpointInit)', () => {
  it('resume_checkpoint_path with load_lr_scheduler false: a continuation, D this run only', () => {
    const s = spec(
      config(
        '  resume_checkpoint_path: checkpoints/nanotron_pretrained_checkpoints/Nanotron-Llama-3.2-3B\n  load_lr_scheduler: false\n  load_optimizer: false',
      ),
    );
    assert.equal(s.training.tokens, 62_914_560_000);
    assert.equal(s.training.finetune, true);
    assert.ok(s.assumptions.some((a) => a.includes('load_lr_scheduler false')));
  });

  it('resume_checkpoint_path with the scheduler (default true): the same run resumed, not a continuation', () => {
    const s = spec(config('  resume_checkpoint_path: s3://bucket/run/3450000'));
    assert.equal(s.training.tokens, 62_914_560_000);
    assert.equal(s.training.finetune, undefined);
  });

  it('model.init_method.path (ExistingCheckpointInit): a continuation', () => {
    const s = spec(config('', '    path: checkpoints/Nanotron-Llama-3.2-3B'));
    assert.equal(s.training.finetune, true);
  });
});
