/**
 * Training length D against AI-Hypercomputer/maxtext@e591f30c: configs/types.py (steps / -1 →
 * learning_rate_schedule_steps; calculate_global_batch_sizes: micro_batch_to_train =
 * int(num_devices × per_device_batch_size), global = micro × gradient_accumulation_steps),
 * configs/base.yml defaults (steps 150_001, per_device_batch_size 12.0, max_target_length 2048) and
 * trainers/pre_train/train.py train_loop (`while step < steps`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import type { RunSpec } from '../../../types';

const spec = (args: string, gpus?: number): RunSpec => {
  const r = readRunConfig(
    `python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml run_name=audit model_name=llama2-7b ${args}\n`,
    { path: '/nonexistent/audit/run.sh', ...(gpus ? { options: { gpus } } : {}) },
  );
  assert.equal(r.kind, 'run-config');
  return (r as { spec: RunSpec }).spec;
};

describe('MaxText training length audit (AI-Hypercomputer/maxtext@e591f30c)', () => {
  it('a fractional per_device_batch_size is rounded down over the slice: int(3 × 2.5) = 7', () => {
    const run = spec(
      'steps=1000 per_device_batch_size=2.5 gradient_accumulation_steps=2 max_target_length=4096',
      3,
    );
    assert.equal(run.training.globalBatchSeqs, 7 * 2);
    assert.equal(run.training.tokens, 1000 * 7 * 2 * 4096);
    // Without a device count the formula says the rounding instead of a plain product.
    const open = spec('steps=1000 per_device_batch_size=2.5 max_target_length=4096');
    assert.equal(open.training.tokens, undefined);
    assert.match(open.training.formula ?? '', /int\(num_devices × per_device_batch_size 2\.5\)/);
  });

  it('a slice too small for a fractional per_device_batch_size trains on int(…) = 0 sequences: no D', () => {
    // int(3 × 0.25) = 0 → global_batch_size_to_train_on 0; an honest D of 0 tokens is no estimate.
    const run = spec('steps=1000 per_device_batch_size=0.25 max_target_length=4096', 3);
    assert.equal(run.training.tokens, undefined);
    assert.ok(
      run.diagnostics.some((d) => d.code === 'invalid-value' && /int\(3 × 0\.25\) = 0/.test(d.message)),
    );
    // 8 devices: int(8 × 0.25) = 2 sequences per step.
    assert.equal(
      spec('steps=1000 per_device_batch_size=0.25 max_target_length=4096', 8).training.tokens,
      1000 * 2 * 4096,
    );
  });

  it('steps=-1 takes learning_rate_schedule_steps; the mesh axes do not change the global batch', () => {
    assert.equal(
      spec('steps=-1 learning_rate_schedule_steps=500 per_device_batch_size=2', 4).training.tokens,
      500 * 8 * 2048,
    );
    // global batch = per_device × num_devices whatever ici_tensor_parallelism shards (types.py F).
    assert.equal(
      spec('steps=100 per_device_batch_size=2 ici_tensor_parallelism=4', 8).training.tokens,
      spec('steps=100 per_device_batch_size=2', 8).training.tokens,
    );
    // base.yml defaults: 150_001 steps × int(8 × 12.0) × 2048.
    assert.equal(spec('', 8).training.tokens, 150_001 * 96 * 2048);
  });

  it('enable_rampup_batch_size changes the batch of the first steps: D unknown, naming the key', () => {
    const run = spec('steps=1000 per_device_batch_size=4 enable_rampup_batch_size=true', 8);
    assert.equal(run.training.tokens, undefined);
    assert.ok(run.training.missing?.some((m) => m.includes('enable_rampup_batch_size')));
  });

  it('enable_rampup_batch_size=true grows the batch (utils/rampup_batch.py): no D, naming the key; false keeps D', () => {
    const ramp = spec(
      'steps=1000 per_device_batch_size=8 max_target_length=4096 enable_rampup_batch_size=true',
      4,
    );
    assert.equal(ramp.training.tokens, undefined);
    assert.ok(ramp.training.missing?.some((m) => m.includes('enable_rampup_batch_size')));
    assert.ok(ramp.diagnostics.some((d) => d.message.includes('enable_rampup_batch_size')));
    const plain = spec(
      'steps=1000 per_device_batch_size=8 max_target_length=4096 enable_rampup_batch_size=false',
      4,
    );
    assert.equal(plain.training.tokens, 1000 * 4 * 8 * 4096);
  });
});
