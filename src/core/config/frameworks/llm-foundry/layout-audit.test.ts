/**
 * Layout audit against mosaicml/llm-foundry@8c8dd48f and mosaicml/composer@64051888: values the
 * reader used to ignore or misread, each derived here from the framework's own code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLlmFoundryLayout, llmFoundryLayoutDefaults } from './layout';
import { resolveLayout } from '../../../model/layout';

const MPT = 'model:\n  name: mpt_causal_lm\n';
const keys = (text: string, gpus?: number) =>
  (readLlmFoundryLayout(text, gpus).unmodelled ?? []).map((u) => u.key);

describe('llm-foundry layout audit (llm-foundry@8c8dd48f, Composer@64051888)', () => {
  it('one GPU: train.py drops fsdp_config ("Reverting to DDP"), so its activation_checkpointing does not apply', () => {
    const text = `${MPT}fsdp_config:\n  sharding_strategy: FULL_SHARD\n  activation_checkpointing: true\nglobal_train_batch_size: 8\ndevice_train_microbatch_size: 8\n`;
    const one = readLlmFoundryLayout(text, 1);
    assert.equal(one.recompute, 'none');
    assert.equal(one.sharding, 'none');
    // No DDP wrapper on one device either: autocast over the fp32 model (precision amp).
    assert.equal(one.precision, 'amp');
    const eight = readLlmFoundryLayout(text, 8);
    assert.equal(eight.recompute, 'full');
    assert.equal(eight.sharding, 'zero3');
  });

  it('data_parallel_replicate_degree makes the mesh 2-D: FULL_SHARD becomes HYBRID_SHARD within world / replicate ranks', () => {
    // core/state.py _create_device_mesh: dims [replicate, shard = -1] → shard = world / replicate;
    // dist_strategy.py prepare_fsdp_module: FULL_SHARD on a 2-D mesh → HYBRID_SHARD.
    const world = 16;
    const replicate = 2;
    const l = readLlmFoundryLayout(
      `${MPT}fsdp_config:\n  data_parallel_replicate_degree: ${replicate}\nglobal_train_batch_size: 32\ndevice_train_microbatch_size: 2\n`,
      world,
    );
    assert.equal(l.sharding, 'zero3');
    assert.equal(l.shardGroupSize, world / replicate);
    const zero2 = readLlmFoundryLayout(
      `${MPT}fsdp_config:\n  sharding_strategy: SHARD_GRAD_OP\n  data_parallel_replicate_degree: 4\n  data_parallel_shard_degree: 4\n`,
      world,
    );
    // SHARD_GRAD_OP on a 2-D mesh → _HYBRID_SHARD_ZERO2 over the shard dimension, 4 ranks.
    assert.equal(zero2.sharding, 'zero2');
    assert.equal(zero2.shardGroupSize, 4);
    // Without the GPU count the shard dimension is unknown: memory is unknown, naming the key.
    assert.deepEqual(keys(`${MPT}fsdp_config:\n  data_parallel_replicate_degree: 2\n`), [
      'data_parallel_replicate_degree',
    ]);
  });

  it('HYBRID_SHARD on Composer’s default 1-D mesh is FULL_SHARD over every rank, not unknown', () => {
    // dist_strategy.py: "HYBRID_SHARD is not supported with 1D device mesh. Using FULL_SHARD instead."
    const text = `${MPT}fsdp_config:\n  sharding_strategy: HYBRID_SHARD\n`;
    const l = readLlmFoundryLayout(text, 16);
    assert.equal(l.sharding, 'zero3');
    assert.equal(l.unmodelled, undefined);
    const { layout } = resolveLayout('llm-foundry', l, { gpus: 16 }, llmFoundryLayoutDefaults);
    assert.equal(layout.shardGroupSize, 16);
  });

  it('keys that change state bytes the estimate does not model are unknown, naming the key', () => {
    // builders.py build_composer_model: model.to(bf16) — no fp32 copy, bf16 Adam states.
    assert.deepEqual(keys(`${MPT}  master_weights_dtype: bf16\n`, 8), ['master_weights_dtype']);
    // Composer TP (llm-foundry tp strategy 'ffn' only) over FSDP.
    assert.deepEqual(
      keys(`${MPT}fsdp_config: {}\ntp_config:\n  strategy: ffn\n  tensor_parallel_degree: 2\n`, 8),
      ['tp_config'],
    );
    // MixedPrecision(keep_low_precision_grads=True): 16-bit gradients.
    assert.deepEqual(keys(`${MPT}fsdp_config:\n  keep_low_precision_grads: true\n`, 8), [
      'keep_low_precision_grads',
    ]);
    // DecoupledAdamW(amsgrad=True): a third state, max_exp_avg_sq.
    assert.deepEqual(keys(`${MPT}optimizer:\n  name: decoupled_adamw\n  amsgrad: true\n`, 8), ['amsgrad']);
  });

  it('optimizer.name adamw is not registered by llm-foundry (optim/__init__.py): unknown, not AdamW', () => {
    assert.deepEqual(keys(`${MPT}optimizer:\n  name: adamw\n`, 8), ['name']);
    assert.equal(readLlmFoundryLayout(`${MPT}optimizer:\n  name: decoupled_adamw\n`, 8).optimizer, 'adamw');
    assert.equal(readLlmFoundryLayout(`${MPT}optimizer:\n  name: decoupled_lionw\n`, 8).optimizer, 'lion');
  });
});
