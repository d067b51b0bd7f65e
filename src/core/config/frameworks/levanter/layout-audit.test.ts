/**
 * Layout audit against stanford-crfm/levanter@9263f81e (src/levanter/trainer.py TrainerConfig,
 * optim/config.py, optim/model_averaging.py): values the reader used to ignore or misread.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLevanterLayout } from './layout';

const keys = (text: string, gpus = 8) => (readLevanterLayout(text, gpus).unmodelled ?? []).map((u) => u.key);

describe('Levanter layout audit (stanford-crfm/levanter@9263f81e)', () => {
  it('optimizer.type adam is AdamW states, not unknown; "adamw" is not a registered choice', () => {
    // optim/config.py: @OptimizerConfig.register_subclass("adam") → optax.scale_by_adam (mu, nu).
    const adam = readLevanterLayout('optimizer:\n  type: adam\n', 8);
    assert.equal(adam.optimizer, 'adamw');
    assert.equal(adam.unmodelled, undefined);
    assert.equal(readLevanterLayout('optimizer:\n  type: lion\n', 8).optimizer, 'lion');
    assert.deepEqual(keys('optimizer:\n  type: adamw\n'), ['type']);
  });

  it('replica_dcn_axis_size copies the FSDP state like replica_ici_axis_size', () => {
    // data_axis (FSDP) = devices per slice / (replica_ici × model) × slices / replica_dcn.
    const world = 16;
    const l = readLevanterLayout('trainer:\n  replica_dcn_axis_size: 2\n  replica_ici_axis_size: 2\n', world);
    assert.equal(l.sharding, 'zero3');
    assert.equal(l.shardGroupSize, world / (2 * 2));
    assert.equal(l.sources.shardGroupSize?.key, 'replica_dcn_axis_size');
  });

  it('quantization fp8 and model_averaging (an EMA copy) are unknown, naming the key', () => {
    assert.deepEqual(keys('trainer:\n  quantization:\n    fp8: true\n'), ['quantization']);
    assert.deepEqual(keys('trainer:\n  quantization: null\n'), []);
    assert.deepEqual(keys('trainer:\n  model_averaging:\n    type: ema\n    beta: 0.995\n'), [
      'model_averaging',
    ]);
  });

  it('axis_resources that re-map an axis are unknown; the overwritten and size-1 ones are not', () => {
    // compute_axis_mapping overwrites the batch axis with (replica, data); "model" has size
    // model_axis_size (1 here); parameter_axis_mapping overwrites the fsdp axis with data.
    const noOp =
      'trainer:\n  axis_resources:\n    batch: "data"\n    vocab: "model"\n    mlp: "model"\n  parameter_axis_resources:\n    embed: "data"\n';
    assert.deepEqual(keys(noOp), []);
    assert.deepEqual(keys('trainer:\n  axis_resources:\n    token: "data"\n'), ['axis_resources']);
    assert.deepEqual(keys('trainer:\n  parameter_axis_resources:\n    mlp: "data"\n'), [
      'parameter_axis_resources',
    ]);
  });
});
