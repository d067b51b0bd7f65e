import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturePath, readSpecAs } from '../../../../../test/helpers';

/**
 * Training length D against huggingface/nanotron@2411b022: src/nanotron/trainer.py
 * (global_batch_size = micro_batch_size × batch_accumulation_per_replica × dp_pg.size(); the loop
 * `for iteration_step in range(last_train_step + 1, train_steps + 1)`; the stage sequence-length
 * assert at l. 588), src/nanotron/parallel/context.py (dp_pg has parallelism.dp ranks; TP·CP·DP·PP =
 * WORLD_SIZE, so CP and EP never change dp), src/nanotron/config/config.py DatasetStageArgs.
 */
const tiny = readFileSync(join(fixturePath('nanotron'), 'config_tiny_llama.yaml'), 'utf8');

describe('nanotron training length audit (nanotron@2411b022)', () => {
  it('train_steps × micro × accumulation × dp × sequence_length (steps 1..train_steps)', () => {
    const spec = readSpecAs('nanotron', tiny, {});
    // The fixture: train_steps 2000, micro 3, accumulation 1, dp 4, sequence_length 4096.
    assert.equal(spec.training.tokens, 2000 * 3 * 1 * 4 * 4096);
  });

  it('a data stage with sequence_length equal to tokens.sequence_length keeps D', () => {
    const text = tiny.replace(
      '  start_training_step: 1\n',
      '  start_training_step: 1\n  sequence_length: 4096\n',
    );
    assert.notEqual(text, tiny);
    assert.equal(readSpecAs('nanotron', text, {}).training.tokens, 2000 * 3 * 4 * 4096);
  });

  it('a data stage with another sequence_length: the trainer asserts "Sequence length mismatch", so no D', () => {
    const text = tiny.replace(
      '  start_training_step: 1\n',
      '  start_training_step: 1\n  sequence_length: 2048\n',
    );
    const spec = readSpecAs('nanotron', text, {});
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.diagnostics.some((d) => /data_stages\[\]\.sequence_length = 2048/.test(d.message)));
  });
});
