import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import type { RunSpec } from '../../../types';
import { levanterBatchScheduleSequences } from './reader';

/**
 * Training length D as stanford-crfm/levanter@9263f81e decides it: src/levanter/trainer.py
 * TrainerConfig (num_train_steps 400_000, train_batch_size 512 | IntSchedule; Trainer.train_step
 * loop `while state.step < num_train_steps`) and src/levanter/schedule.py BatchSchedule, which the
 * data loader (src/levanter/data/loader.py batch_size_at_step) follows step by step.
 */
const yaml = (trainer: string) =>
  `model:\n  type: gpt2\n  hidden_dim: 64\n  num_heads: 4\n  num_layers: 2\n  seq_len: 1024\ntrainer:\n${trainer}`;
const spec = (text: string): RunSpec => {
  const result = readRunConfig(text, { path: 'run.yaml' });
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
};

describe('Levanter training length audit (levanter@9263f81e)', () => {
  it('a schedule that starts after step 0 uses the last segment before it (batch_size_at_step fallback)', () => {
    // Segments (100, 500, 64) and (500, BIG_INT, 128); steps 0..99 match none, so batch_size_at_step
    // warns and returns segments[-1].value = 128. 100×128 + 400×64 + 500×128 sequences.
    const run = spec(
      yaml(
        '  num_train_steps: 1000\n  train_batch_size:\n    - start: 100\n      value: 64\n    - start: 500\n      value: 128\n',
      ),
    );
    assert.equal(run.training.tokens, (100 * 128 + 400 * 64 + 500 * 128) * 1024);
  });

  it('the list is not sorted: segment i runs to the next entry’s start in file order (BatchSchedule.__init__)', () => {
    // [(0, 64), (100, 128), (50, 256)] → segments (0,100,64), (100,50,128) (empty), (50,BIG,256).
    // batch_size_at_step takes the first match: steps 0..99 → 64, steps ≥ 100 → 256.
    const schedule = [
      { start: 0, value: 64 },
      { start: 100, value: 128 },
      { start: 50, value: 256 },
    ];
    assert.equal(levanterBatchScheduleSequences(schedule, 1000).sequences, 100 * 64 + 900 * 256);
    const run = spec(
      yaml(
        '  num_train_steps: 1000\n  train_batch_size:\n    - start: 0\n      value: 64\n    - start: 100\n      value: 128\n    - start: 50\n      value: 256\n',
      ),
    );
    assert.equal(run.training.tokens, (100 * 64 + 900 * 256) * 1024);
  });

  it('a sorted schedule from 0 sums each segment up to num_train_steps (gpt2_small_fast_batch_schedule.yaml)', () => {
    // config/gpt2_small_fast_batch_schedule.yaml: 0→64, 64→128, 256→64, 1024→256 over 20000 steps.
    const pieces = [
      { start: 0, value: 64 },
      { start: 64, value: 128 },
      { start: 256, value: 64 },
      { start: 1024, value: 256 },
    ];
    const expected = 64 * 64 + (256 - 64) * 128 + (1024 - 256) * 64 + (20000 - 1024) * 256;
    assert.equal(levanterBatchScheduleSequences(pieces, 20000).sequences, expected);
    // A schedule entry past the end contributes nothing.
    assert.equal(levanterBatchScheduleSequences(pieces, 100).sequences, 64 * 64 + 36 * 128);
  });

  it('defaults: num_train_steps 400_000 and train_batch_size 512; -1 (per_device_parallelism × devices) is unknown', () => {
    assert.equal(spec(yaml('  mp: p=f32\n  model_axis_size: 1\n')).training.tokens, 400_000 * 512 * 1024);
    const perDevice = spec(
      yaml('  num_train_steps: 10\n  train_batch_size: -1\n  per_device_parallelism: 4\n'),
    );
    assert.equal(perDevice.training.tokens, undefined);
  });
});

describe('Levanter evaluation entry points train nothing (levanter@9263f81e eval_harness.py, main/eval_lm.py)', () => {
  const trainer = '  num_train_steps: 1000\n  train_batch_size: 8\n';
  it('checkpoint_path (EvalHarnessMainConfig / EvalLmConfig): no D, and the training-memory estimate is not made', () => {
    const run = spec(`${yaml(trainer)}checkpoint_path: gs://bucket/checkpoints/step-1000\n`);
    assert.equal(run.training.tokens, undefined);
    assert.ok(run.training.missing?.some((m) => m.includes('checkpoint_path')));
    // A Levanter checkpoint is loaded into the model section's shape: N stays.
    assert.ok(run.architecture);
    assert.ok(run.layout?.unmodelled?.some((u) => u.key === 'checkpoint_path'));
  });
  it('checkpoint_is_hf: true / hf_checkpoint: the model is the HF checkpoint, not the model section: N unknown', () => {
    for (const extra of [
      'checkpoint_path: meta-llama/Meta-Llama-3-8B\ncheckpoint_is_hf: true\n',
      'hf_checkpoint: meta-llama/Meta-Llama-3-8B\n',
    ]) {
      const run = spec(`${yaml(trainer)}${extra}`);
      assert.equal(run.architecture, undefined, extra);
      assert.equal(run.training.tokens, undefined, extra);
      assert.ok(
        run.diagnostics.some((d) => d.code === 'architecture-unknown'),
        extra,
      );
    }
  });
  it('a training config keeps its N and D (no evaluation key)', () => {
    const run = spec(yaml(trainer));
    assert.equal(run.training.tokens, 1000 * 8 * 1024);
    assert.ok(run.architecture);
  });
});

describe('Levanter eval_harness beside a top-level tokenizer is EvalHarnessMainConfig (levanter@9263f81e config/harness/harness_nano.yaml)', () => {
  const trainer = '  num_train_steps: 100\n  train_batch_size: 32\n';
  const harness = 'eval_harness:\n  task_spec:\n    - task: mmlu\n      num_fewshot: 1\n';
  it('with `tokenizer`: no D; without it (TrainLmConfig in-training evaluation): D stays', () => {
    const evaluation = spec(`${harness}tokenizer: "gpt2"\n${yaml(trainer)}`);
    assert.equal(evaluation.training.tokens, undefined);
    assert.ok(evaluation.training.missing?.some((m) => m.includes('eval_harness')));
    assert.ok(evaluation.layout?.unmodelled?.some((u) => u.key === 'eval_harness'));
    const training = spec(`${harness}${yaml(trainer)}`);
    assert.equal(training.training.tokens, 100 * 32 * 1024);
  });
});
