import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readLayout } from '../../registry';
import type { LayoutRejection } from '../../../model/layout';

// Audit against EleutherAI/gpt-neox@ea7aefd8 (arguments.py calculate_derived / calculate_batch_parameters,
// training.py get_optimizer, initialize.py) and deepspeedai/DeepSpeed@edaa7221 (pipe/engine.py, checkpointing.py).
const base = `{"num_layers": 12, "hidden_size": 768, "seq_length": 2048, "bf16": {"enabled": true}`;
const read = (extra: string, gpus?: number) => readLayout('gpt-neox', `${base}, ${extra}}`, {}, gpus)!;

describe('GPT-NeoX layout audit (EleutherAI/gpt-neox@ea7aefd8)', () => {
  it('train_batch_size + gradient_accumulation_steps: micro = train // dp // ga (calculate_batch_parameters)', () => {
    // 64 GPUs, model_parallel_size 2, pipe_parallel_size 2 → dp = (64 / 2) / 2 = 16; micro = 1024 // 16 // 8 = 8.
    const l = read(
      '"train_batch_size": 1024, "gradient_accumulation_steps": 8, "model_parallel_size": 2, "pipe_parallel_size": 2, "zero_optimization": {"stage": 1}',
      64,
    );
    assert.equal(l.microBatch, 8);
    assert.equal(l.gradAccum, 8);
    assert.equal(l.sources.microBatch?.key, 'train_batch_size');
  });
  it('train_batch_size alone: grad_acc 1, micro = train // dp', () => {
    // 8 GPUs, dp 8: micro = 256 // 8 = 32.
    const l = read('"train_batch_size": 256, "zero_optimization": {"stage": 1}', 8);
    assert.equal(l.microBatch, 32);
    assert.equal(l.gradAccum, 1);
  });
  it('train_batch_size without a GPU count: the micro-batch is unknown, naming the key', () => {
    const l = read('"train_batch_size": 256, "zero_optimization": {"stage": 1}');
    assert.equal(l.microBatch, undefined);
    assert.equal(l.unmodelled?.[0]?.key, 'train_batch_size');
  });
  it("a micro-batch of 0 is NeoX's own rejection (check_batch_parameters)", () => {
    // dp 16, ga 4: 32 // 16 // 4 = 0.
    const l = read(
      '"train_batch_size": 32, "gradient_accumulation_steps": 4, "zero_optimization": {"stage": 1}',
      16,
    );
    assert.match((l.invalid?.microBatch as LayoutRejection).message, /has to be greater than 0/);
  });
  it('pipe_parallel_size ≥ 1 with ZeRO-2/3 is rejected (DeepSpeed pipe/engine.py assert)', () => {
    const l = read(
      '"train_micro_batch_size_per_gpu": 4, "pipe_parallel_size": 1, "zero_optimization": {"stage": 2}',
      8,
    );
    assert.match((l.invalid?.sharding as LayoutRejection).message, /incompatible with pipeline parallelism/);
    const noPipe = read(
      '"train_micro_batch_size_per_gpu": 4, "pipe_parallel_size": 0, "zero_optimization": {"stage": 2}',
      8,
    );
    assert.equal(noPipe.invalid, undefined);
    assert.equal(noPipe.sharding, 'zero2');
  });
  it('partition_activations with MP > 1 under checkpoint_activations makes memory unknown', () => {
    const on = read(
      '"train_micro_batch_size_per_gpu": 4, "model_parallel_size": 2, "checkpoint_activations": true, "partition_activations": true, "zero_optimization": {"stage": 1}',
      8,
    );
    assert.equal(on.unmodelled?.[0]?.key, 'partition_activations');
    // MP 1: each rank keeps the whole checkpoint (partition size numel / 1): nothing changes.
    const mp1 = read(
      '"train_micro_batch_size_per_gpu": 4, "model_parallel_size": 1, "checkpoint_activations": true, "partition_activations": true, "zero_optimization": {"stage": 1}',
      8,
    );
    assert.equal(mp1.unmodelled, undefined);
  });
  it('bf16 at ZeRO stage 0 follows DeeperSpeed@91d1c55b (the engine NeoX pins), not upstream DeepSpeed', () => {
    const bf16 = '"train_micro_batch_size_per_gpu": 4, "zero_optimization": {"stage": 0}';
    // No pipeline engine, bf16 accumulation: DeeperSpeed raises "Bfloat16 wrapper must use a gradient accumulation type of fp32".
    const refused = read(`${bf16}, "pipe_parallel_size": 0`, 8);
    assert.equal(refused.unmodelled?.[0]?.key, 'enabled');
    assert.match(refused.unmodelled![0]!.why!, /DeeperSpeed/);
    // fp32 accumulation: BF16_Optimizer (fp32 master + states over DP, fp32 gradient buffer).
    const fp32 = read(`${bf16}, "pipe_parallel_size": 0, "data_types": {"grad_accum_dtype": "fp32"}`, 8);
    assert.equal(fp32.precision, 'bf16-fp32-accum');
    assert.equal(fp32.sharding, 'zero1');
    // precision: "bfloat16" (no bf16 dict) is named when the engine refuses.
    const viaPrecision = readLayout(
      'gpt-neox',
      '{"num_layers": 12, "precision": "bfloat16", "pipe_parallel_size": 0, "train_micro_batch_size_per_gpu": 4}',
      {},
      8,
    )!;
    assert.equal(viaPrecision.unmodelled?.[0]?.key, 'precision');
  });
  it('use_mup builds MuAdam (fp32 states) even with use_bnb_optimizer (get_optimizer)', () => {
    const opt =
      '"train_micro_batch_size_per_gpu": 4, "zero_optimization": {"stage": 0}, "optimizer": {"type": "Adam", "params": {"lr": 0.0006}}, "use_bnb_optimizer": true';
    assert.equal(read(`${opt}, "use_mup": true`, 8).optimizer, 'adamw');
    assert.equal(read(opt, 8).optimizer, 'adamw-8bit');
  });
});
