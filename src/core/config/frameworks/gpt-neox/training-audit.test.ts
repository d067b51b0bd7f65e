import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSpecAs } from '../../../../../test/helpers';

/**
 * Training length D against EleutherAI/gpt-neox@ea7aefd8: megatron/neox_arguments/arguments.py
 * calculate_derived / calculate_batch_parameters / check_batch_parameters, deepspeed_args.py
 * (gradient_accumulation_steps default 1), megatron/data/data_utils.py validate_train_epochs,
 * megatron/training.py train (`while iteration < neox_args.train_iters`).
 */
const MODEL =
  'num_layers: 2\nhidden_size: 64\nnum_attention_heads: 4\nseq_length: 1024\nmax_position_embeddings: 1024\npos_emb: rotary\nno_weight_tying: true\ntokenizer_type: GPT2BPETokenizer\n';
const run = (extra: string) => `${MODEL}${extra}`;

describe('GPT-NeoX training length audit (gpt-neox@ea7aefd8)', () => {
  it('micro only: calculate_batch_parameters takes grad_acc = 1 (its default) and train_batch = micro × dp', () => {
    // 16 GPUs / (pipe 2 × model 2) = dp 4 → 8 × 1 × 4 = 32 sequences per iteration.
    const spec = readSpecAs(
      'gpt-neox',
      run(
        'pipe_parallel_size: 2\nmodel_parallel_size: 2\ntrain_micro_batch_size_per_gpu: 8\ntrain_iters: 1000\n',
      ),
      { options: { gpus: 16 } },
    );
    assert.equal(spec.training.globalBatchSeqs, 8 * 1 * (16 / (2 * 2)));
    assert.equal(spec.training.tokens, 1000 * 32 * 1024);
  });

  it('pipe_parallel_size 0 is one stage (calculate_derived: pp_size if pp_size >= 1 else 1)', () => {
    const spec = readSpecAs(
      'gpt-neox',
      run(
        'pipe_parallel_size: 0\nmodel_parallel_size: 2\ntrain_micro_batch_size_per_gpu: 4\ngradient_accumulation_steps: 2\ntrain_iters: 10\n',
      ),
      { options: { gpus: 8 } },
    );
    assert.equal(spec.training.tokens, 10 * (4 * 2 * (8 / 2)) * 1024);
  });

  it('train_batch_size given: the global batch without a GPU count', () => {
    const spec = readSpecAs(
      'gpt-neox',
      run('train_batch_size: 256\ntrain_micro_batch_size_per_gpu: 8\ntrain_iters: 100\n'),
      {},
    );
    assert.equal(spec.training.tokens, 100 * 256 * 1024);
  });

  it('train_batch_size ≠ micro × grad-accum (default 1) × dp on the GPU count: check_batch_parameters asserts', () => {
    const text = run('train_batch_size: 256\ntrain_micro_batch_size_per_gpu: 8\ntrain_iters: 100\n');
    // 8 × 1 × 32 = 256 on 32 GPUs: consistent, no warning.
    const ok = readSpecAs('gpt-neox', text, { options: { gpus: 32 } });
    assert.ok(!ok.diagnostics.some((d) => /check_batch_parameters/.test(d.message)));
    // 8 × 1 × 16 = 128 ≠ 256 on 16 GPUs: NeoX stops; D stays the file's train_batch_size, with a warning.
    const bad = readSpecAs('gpt-neox', text, { options: { gpus: 16 } });
    assert.ok(
      bad.diagnostics.some((d) => d.severity === 'warning' && /check_batch_parameters/.test(d.message)),
    );
    assert.equal(bad.training.tokens, 100 * 256 * 1024);
  });

  it('train_iters and train_epochs both set: validate_train_epochs raises ("Cannot specify both"), so no D', () => {
    const both = readSpecAs('gpt-neox', run('train_batch_size: 256\ntrain_iters: 100\ntrain_epochs: 2\n'), {
      options: { datasetTokens: 1e9 },
    });
    assert.equal(both.training.tokens, undefined);
    assert.ok(both.training.missing?.some((m) => m.startsWith('unknown: train_epochs')));
    assert.ok(both.diagnostics.some((d) => d.severity === 'error' && /train_epochs/.test(d.message)));
  });

  it('train_epochs alone is epochs over the dataset; train_iters alone is iterations', () => {
    const epochs = readSpecAs('gpt-neox', run('train_batch_size: 256\ntrain_epochs: 2\n'), {
      options: { datasetTokens: 1e9 },
    });
    assert.equal(epochs.training.tokens, 2e9);
    const iters = readSpecAs('gpt-neox', run('train_batch_size: 256\ntrain_iters: 100\n'), {});
    assert.equal(iters.training.tokens, 100 * 256 * 1024);
  });
});
