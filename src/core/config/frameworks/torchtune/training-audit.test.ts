import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import type { ReadOptions, RunSpec } from '../../../types';

/**
 * Training tokens D against pytorch/torchtune@bd2a0fc7 recipes/full_finetune_distributed.py (and
 * recipes/dev/grpo_full_finetune_distributed.py, recipes/ppo_full_finetune_single_device.py for RL):
 * - `ParallelDims(dp_replicate, dp_shard=-1 (inferred), tp, cp, world_size)`; dp_degree = the "dp"
 *   mesh; `StatefulDistributedSampler(num_replicas=self.dp_degree)` and
 *   `StatefulDataLoader(batch_size=batch_size, drop_last=True)`: one optimizer step consumes
 *   batch_size × gradient_accumulation_steps × dp_degree samples — the world size decides it;
 * - `_steps_per_epoch = len(dataloader) // gradient_accumulation_steps`, capped by
 *   `max_steps_per_epoch`; `train()` runs `range(epochs_run, total_epochs)` epochs of that many
 *   steps, so D = epochs × the dataset, unless max_steps_per_epoch cuts the epoch short.
 */
function yaml(extra: string): string {
  return [
    'output_dir: /tmp/out',
    'tokenizer:',
    '  _component_: torchtune.models.llama3.llama3_tokenizer',
    '  path: /tmp/tokenizer.model',
    '  max_seq_len: 2048',
    'model:',
    '  _component_: torchtune.models.llama3_2.llama3_2_1b',
    'dataset:',
    '  _component_: torchtune.datasets.alpaca_cleaned_dataset',
    '  packed: False',
    'seed: null',
    'shuffle: True',
    'batch_size: 4',
    'gradient_accumulation_steps: 8',
    'optimizer:',
    '  _component_: torch.optim.AdamW',
    '  lr: 2e-5',
    'loss:',
    '  _component_: torchtune.modules.loss.LinearCrossEntropyLoss',
    extra,
    '',
  ].join('\n');
}

function read(text: string, options?: ReadOptions): RunSpec {
  const result = readRunConfig(text, { path: 'config.yaml', ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config');
  assert.equal(result.spec.framework, 'torchtune');
  return result.spec;
}

describe('torchtune training-length audit (pytorch/torchtune@bd2a0fc7)', () => {
  it('states no global batch: batch_size × gradient_accumulation_steps is per data-parallel rank', () => {
    // On 8 GPUs the distributed recipe steps on 4 × 8 × 8 = 256 samples, on one GPU 32; the file
    // says neither. The old reader gave 32 (and 32 × max_seq_len as tokens per step).
    const spec = read(yaml('epochs: 1\nmax_steps_per_epoch: null'));
    assert.equal(spec.training.globalBatchSeqs, undefined);
    assert.equal(spec.training.tokensPerStep, undefined);
  });

  it('D = epochs × the dataset size (settings) when no max_steps_per_epoch caps the epoch', () => {
    const spec = read(yaml('epochs: 3\nmax_steps_per_epoch: null'), { datasetTokens: 5_000_000 });
    assert.equal(spec.training.tokens, 3 * 5_000_000);
    assert.equal(spec.training.finetune, true);
  });

  it('max_steps_per_epoch: D unknown (the cap vs len(dataloader) // accumulation needs the sample count)', () => {
    const spec = read(yaml('epochs: 1\nmax_steps_per_epoch: 10'), { datasetTokens: 5_000_000 });
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => /max_steps_per_epoch/.test(m)));
  });

  it('GRPO / PPO recipes (grpo_samples, ppo_epochs, num_steps): D is not epochs × the dataset', () => {
    // recipes/dev/grpo_full_finetune_distributed.py trains on grpo_samples generated completions per
    // prompt, ppo_epochs times, and stops at num_steps; the old reader showed 10 × 5e6.
    const spec = read(
      yaml('epochs: 10\nmax_steps_per_epoch: null\ngrpo_samples: 16\nppo_epochs: 1\nnum_steps: 200'),
      {
        datasetTokens: 5_000_000,
      },
    );
    assert.equal(spec.training.tokens, undefined);
    for (const key of ['grpo_samples', 'ppo_epochs', 'num_steps'])
      assert.ok(
        spec.training.missing?.some((m) => m.includes(`\`${key}\``)),
        key,
      );
  });

  it('a sliced split is not the whole dataset: D unknown', () => {
    const text = yaml('epochs: 1\nmax_steps_per_epoch: null').replace(
      '  packed: False',
      '  packed: False\n  split: train[:95%]',
    );
    const spec = read(text, { datasetTokens: 5_000_000 });
    assert.equal(spec.training.tokens, undefined);
  });
  it("a sliced split inside a dataset list (ConcatDataset) is not the datasets' size either", () => {
    const list = (split: string) =>
      yaml('epochs: 2\nmax_steps_per_epoch: null').replace(
        '  _component_: torchtune.datasets.alpaca_cleaned_dataset\n  packed: False',
        `  - _component_: torchtune.datasets.alpaca_cleaned_dataset\n    split: ${split}\n  - _component_: torchtune.datasets.slimorca_dataset`,
      );
    // The old reader ignored the list's splits and showed 2 × 5e6.
    assert.equal(read(list('train[:10%]'), { datasetTokens: 5_000_000 }).training.tokens, undefined);
    assert.equal(read(list('train'), { datasetTokens: 5_000_000 }).training.tokens, 2 * 5_000_000);
  });
});

describe('torchtune evaluation / generation configs train nothing (torchtune@bd2a0fc7 recipes/eleuther_eval.py, generate.py)', () => {
  const evaluation = [
    'output_dir: ./',
    'model:',
    '  _component_: torchtune.models.llama3_2.llama3_2_1b',
    'tokenizer:',
    '  _component_: torchtune.models.llama3.llama3_tokenizer',
    '  path: /tmp/tokenizer.model',
    '  max_seq_len: 2048',
    'device: cuda',
    'dtype: bf16',
    'tasks: ["truthfulqa_mc2"]',
    'batch_size: 8',
    '',
  ].join('\n');
  const read = (text: string, options?: ReadOptions) => {
    const result = readRunConfig(text, { path: '/x/evaluation.yaml', ...(options ? { options } : {}) });
    assert.equal(result.kind, 'run-config');
    return (result as { spec: RunSpec }).spec;
  };
  it('no optimizer, dataset or epochs: D is "no training", even with a dataset size set', () => {
    const spec = read(evaluation, { datasetTokens: 1e9 });
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => m.startsWith('no training')));
    assert.ok(spec.diagnostics.some((d) => d.code === 'no-training'));
    assert.ok(spec.architecture, 'N of the evaluated model stays');
  });
  it('a fine-tuning config (epochs + dataset + optimizer) still asks for the dataset size', () => {
    const spec = read(
      `${evaluation}epochs: 1\noptimizer:\n  _component_: torch.optim.AdamW\n  lr: 2e-5\ndataset:\n  _component_: torchtune.datasets.alpaca_cleaned_dataset\n`,
      { datasetTokens: 1e9 },
    );
    assert.equal(spec.training.tokens, 1e9);
  });
});
