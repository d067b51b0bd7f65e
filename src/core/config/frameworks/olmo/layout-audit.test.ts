/**
 * Layout audit against allenai/OLMo@59a53e3f (olmo/config.py, scripts/train.py, olmo/model.py):
 * values the reader used to ignore or misread, each derived here from OLMo's own code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOlmoLayout, olmoEdits, olmoLayoutDefaults } from './layout';
import { resolveLayout } from '../../../model/layout';

const BASE = 'precision: amp_bf16\nglobal_train_batch_size: 512\ndevice_train_microbatch_size: 4\n';

describe('OLMo layout audit (allenai/OLMo@59a53e3f)', () => {
  it('fsdp.wrapping_strategy None (the FSDPConfig default) is one top-level FSDP unit: memory unknown, naming the key', () => {
    // get_fsdp_wrap_policy(None) returns None, so FSDP(auto_wrap_policy=None) wraps the whole model once.
    const explicit = readOlmoLayout(
      `${BASE}fsdp:\n  wrapping_strategy: null\n  sharding_strategy: SHARD_GRAD_OP\n`,
      64,
    );
    assert.equal(explicit.unmodelled?.length, 1);
    assert.equal(explicit.unmodelled![0]!.key, 'wrapping_strategy');
    const absent = readOlmoLayout(BASE, 64);
    assert.equal(absent.unmodelled?.[0]?.key, 'fsdp.wrapping_strategy');
    // by_block / by_block_and_size: one FSDP unit per OLMoBlock, as the estimate's gathers count.
    for (const w of ['by_block', 'by_block_and_size'])
      assert.equal(readOlmoLayout(`${BASE}fsdp:\n  wrapping_strategy: ${w}\n`, 64).unmodelled, undefined, w);
    for (const w of ['by_block_group', 'size_based', 'one_in_two'])
      assert.equal(
        readOlmoLayout(`${BASE}fsdp:\n  wrapping_strategy: ${w}\n`, 64).unmodelled?.[0]?.key,
        'wrapping_strategy',
        w,
      );
    // NO_SHARD gathers nothing, so the wrapping does not change memory.
    assert.equal(readOlmoLayout(`${BASE}fsdp:\n  sharding_strategy: NO_SHARD\n`, 64).unmodelled, undefined);
    // DDP has no FSDP wrapping at all.
    assert.equal(readOlmoLayout(`${BASE}distributed_strategy: ddp\n`, 64).unmodelled, undefined);
  });

  it('a key the file sets is named before the default wrapping', () => {
    const l = readOlmoLayout(`${BASE}activation_checkpointing: fine_grained\n`, 8);
    assert.deepEqual(
      l.unmodelled!.map((u) => u.key),
      ['activation_checkpointing', 'fsdp.wrapping_strategy'],
    );
  });

  it('FULL_SHARD is offered only over a per-block wrapping (over None it would gather the whole model)', () => {
    const none = `${BASE}fsdp:\n  sharding_strategy: NO_SHARD\n`;
    const { layout } = resolveLayout('olmo', readOlmoLayout(none, 8), { gpus: 8 }, olmoLayoutDefaults);
    assert.equal(
      olmoEdits(none, layout).some((e) => e.kind === 'shard-up'),
      false,
    );
    const byBlock = `${BASE}fsdp:\n  sharding_strategy: NO_SHARD\n  wrapping_strategy: by_block\n`;
    const r = resolveLayout('olmo', readOlmoLayout(byBlock, 8), { gpus: 8 }, olmoLayoutDefaults);
    assert.equal(
      olmoEdits(byBlock, r.layout).some((e) => e.kind === 'shard-up'),
      true,
    );
  });

  it('no `precision`: TrainConfig.precision is None and autocast_precision raises, so the file is rejected at the key', () => {
    const l = readOlmoLayout('fsdp:\n  wrapping_strategy: by_block\n', 8);
    const rejection = l.invalid?.precision;
    assert.ok(rejection && typeof rejection === 'object', 'a rejection with its message');
    assert.match(rejection.message, /Unexpected precision type 'None'/);
    assert.equal(l.precision, undefined);
    assert.equal(readOlmoLayout('precision: amp_bf16\n', 8).invalid, undefined);
  });
});
