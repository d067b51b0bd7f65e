import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturePath } from '../../../../../test/helpers';
import { nemoReader } from './reader';

/**
 * Training length D as NVIDIA/NeMo@8cfedd72 computes it for NeMo 1.x Megatron GPT:
 * nemo/collections/nlp/models/language_modeling/megatron_gpt_model.py build_train_valid_test_datasets
 * asks for `trainer.max_steps × cfg.global_batch_size` samples of `sequence_length =
 * cfg.data.seq_length` (encoder_seq_length is the model's context; the shipped config interpolates
 * `seq_length: ${model.encoder_seq_length}`). The SFT models (megatron_gpt_sft_model.py, and Griffin's
 * examples/nlp/language_modeling/conf/megatron_griffin_finetuning_config.yaml) read model.data.train_ds
 * instead, whose samples are padded or packed to the data's own lengths (≤ max_seq_length).
 */
const GPT = readFileSync(join(fixturePath('nemo'), 'megatron_gpt_config.yaml'), 'utf8');
const SEQ_LINE = '    seq_length: ${model.encoder_seq_length}';
const training = (text: string) => {
  const result = nemoReader.read(text, {});
  assert.equal(result.kind, 'run-config');
  return result.kind === 'run-config' ? result.spec.training : {};
};

describe('NeMo 1.x training length audit (NVIDIA/NeMo@8cfedd72)', () => {
  it('D = max_steps × global_batch_size × model.data.seq_length (the dataset sample length)', () => {
    assert.ok(GPT.includes(SEQ_LINE));
    assert.equal(training(GPT).tokens, 100_000 * 8 * 512);
    // The sample length is data.seq_length, not encoder_seq_length (512 in the fixture).
    assert.equal(training(GPT.replace(SEQ_LINE, '    seq_length: 256')).tokens, 100_000 * 8 * 256);
  });

  it('no model.data.seq_length: D unknown, not encoder_seq_length', () => {
    const t = training(GPT.replace(SEQ_LINE, ''));
    assert.equal(t.tokens, undefined);
    assert.ok(
      t.missing?.some((m) => m.startsWith('unknown: model.data.seq_length')),
      String(t.missing),
    );
  });

  it('a fine-tuning data section (model.data.train_ds) leaves D unknown and marks the finetune', () => {
    const sft = GPT.replace(
      SEQ_LINE,
      '    train_ds:\n      file_names: [train.jsonl]\n      max_seq_length: 2048',
    );
    const t = training(sft);
    assert.equal(t.tokens, undefined);
    assert.equal(t.finetune, true);
    assert.ok(
      t.missing?.some((m) => m.startsWith('unknown: model.data.train_ds')),
      String(t.missing),
    );
  });
});
