import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import type { ReadOptions, RunSpec } from '../../../types';
import { parseComposerDuration } from './reader';

/**
 * Training length D as mosaicml/llm-foundry@8c8dd48f and mosaicml/composer@64051888 decide it:
 * composer/core/time.py Time.from_timestring / ensure_time, composer/trainer/trainer.py Trainer
 * (max_duration, train_subset_num_batches), composer/core/state.py State.dataloader_len,
 * llmfoundry/utils/config_utils.py calculate_batch_size_info, llmfoundry/data/text_data.py.
 */
const BASE = `model:
  name: mpt_causal_lm
  d_model: 256
  n_heads: 4
  n_layers: 2
  max_seq_len: 2048
  vocab_size: 50368
tokenizer:
  name: EleutherAI/gpt-neox-20b
train_loader:
  name: text
  dataset:
    max_seq_len: 1024
optimizer:
  name: decoupled_adamw
  lr: 6.0e-4
global_train_batch_size: 32
device_train_microbatch_size: 8
`;
const spec = (tail: string, options?: ReadOptions, base = BASE): RunSpec => {
  const result = readRunConfig(base + tail, { path: 'run.yaml', ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
};

describe('llm-foundry training length audit (llm-foundry@8c8dd48f, composer@64051888)', () => {
  it('samples are cut to train_loader.dataset.max_seq_len, not the top-level max_seq_len (text_data.py)', () => {
    // StreamingTextDataset(max_seq_len=dataset.max_seq_len) truncates each sample; train.py reads the
    // top-level max_seq_len only as the ICL eval length. 100 batches × 32 seqs × 1024 tokens.
    const run = spec('max_seq_len: 4096\nmax_duration: 100ba\n');
    assert.equal(run.training.seqLen, 1024);
    assert.equal(run.training.tokens, 100 * 32 * 1024);
    // Without the loader's value the top-level one is the fallback.
    const noLoader = spec(
      'max_seq_len: 4096\nmax_duration: 100ba\n',
      undefined,
      BASE.replace('    max_seq_len: 1024\n', '    split: train\n'),
    );
    assert.equal(noLoader.training.tokens, 100 * 32 * 4096);
  });

  it('time strings: units are case-insensitive, need an integer, and a unitless string is no duration (time.py)', () => {
    // _TIME_STR_REGEX is re.IGNORECASE and TimeUnit (StringEnum._missing_) takes 'BA' for 'ba'.
    assert.deepEqual(parseComposerDuration('4800BA'), { amount: 4800, unit: 'steps', suffix: 'BA' });
    assert.equal(spec('max_duration: 10Ba\n').training.tokens, 10 * 32 * 1024);
    // from_timestring raises on a string without a unit ('100'); only an int is epochs (ensure_time).
    assert.equal(parseComposerDuration('100'), undefined);
    assert.deepEqual(parseComposerDuration(100), { amount: 100, unit: 'epochs', suffix: '' });
    // "value ... is not an integer. Units ... require integer values" for all but dur.
    assert.equal(parseComposerDuration('1.5ep'), undefined);
    assert.equal(parseComposerDuration('2.5ba'), undefined);
    assert.deepEqual(parseComposerDuration('2e3ba'), { amount: 2000, unit: 'steps', suffix: 'ba' });
    const quoted = spec("max_duration: '100'\n", { datasetTokens: 1e9 });
    assert.equal(quoted.training.tokens, undefined);
    assert.ok(quoted.diagnostics.some((d) => d.code === 'unknown-unit'));
  });

  it('train_subset_num_batches ends every epoch early (state.py dataloader_len = min(subset, len))', () => {
    // 2 epochs, each at most 50 batches × 32 seqs × 1024 tokens = 1,638,400 tokens.
    const perEpoch = 50 * 32 * 1024;
    const capped = spec('max_duration: 2ep\ntrain_subset_num_batches: 50\n', { datasetTokens: 1e9 });
    assert.equal(capped.training.tokens, 2 * perEpoch);
    // A dataset smaller than the subset: the dataloader length wins.
    const small = spec('max_duration: 2ep\ntrain_subset_num_batches: 50\n', { datasetTokens: 1e6 });
    assert.equal(small.training.tokens, 2 * 1e6);
    // Without the dataset size the epoch length is still unknown (it may be shorter than the subset).
    const unknown = spec('max_duration: 2ep\ntrain_subset_num_batches: 50\n');
    assert.equal(unknown.training.tokens, undefined);
    assert.ok(unknown.training.missing?.includes('dataset size'));
    // A batch-denominated max_duration is not cut by it.
    assert.equal(
      spec('max_duration: 100ba\ntrain_subset_num_batches: 50\n').training.tokens,
      100 * 32 * 1024,
    );
  });

  it('ba counts optimizer steps of global_train_batch_size whatever the microbatch (config_utils.py)', () => {
    // calculate_batch_size_info: device batch = global / world_size, grad accum = ceil(device / micro):
    // one batch is always global_train_batch_size sequences.
    const a = spec('max_duration: 100ba\n');
    const b = spec(
      'max_duration: 100ba\n',
      undefined,
      BASE.replace('device_train_microbatch_size: 8', 'device_train_microbatch_size: 1'),
    );
    assert.equal(a.training.tokens, b.training.tokens);
    assert.equal(a.training.globalBatchSeqs, 32);
    // tok is exact; sp × the dataset sequence length.
    assert.equal(spec('max_duration: 3e9tok\n').training.tokens, 3e9);
    assert.equal(spec('max_duration: 1000sp\n').training.tokens, 1000 * 1024);
  });
  it('a finetuning loader pads samples up to max_seq_len: ba/sp give at most, tok exactly (collator.py)', () => {
    // Seq2SeqFinetuningCollator pads to max_length = max_seq_len (or the batch's longest with
    // pad_to_longest); get_tokens_per_batch_func counts attention_mask tokens, so `tok` is real tokens.
    const ft = BASE.replace('  name: text\n', '  name: finetuning\n');
    const batches = spec('max_duration: 100ba\n', undefined, ft);
    assert.equal(batches.training.tokens, undefined);
    assert.equal(batches.training.finetune, true);
    assert.ok(
      batches.training.missing?.some((m) =>
        m.includes(`at most ${(100 * 32 * 1024).toLocaleString('en-US')}`),
      ),
    );
    assert.equal(spec('max_duration: 1000sp\n', undefined, ft).training.tokens, undefined);
    assert.equal(spec('max_duration: 5e8tok\n', undefined, ft).training.tokens, 5e8);
  });
});
