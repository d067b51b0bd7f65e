import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readLayout } from '../../registry';
import type { LayoutRejection } from '../../../model/layout';

// Audit against Lightning-AI/litgpt@26857050 (finetune/full.py setup, pretrain.py setup, args.py TrainArgs).
describe('LitGPT layout audit (Lightning-AI/litgpt@26857050)', () => {
  const full = (train: string, devices = 4) =>
    readLayout(
      'litgpt',
      `checkpoint_dir: checkpoints/meta-llama/Llama-2-7b-hf\nprecision: bf16-true\ndevices: ${devices}\nnum_nodes: 1\ntrain:\n${train}\noptimizer: AdamW\n`,
      { path: '/r/config_hub/finetune/llama-2-7b/full.yaml' },
    )!;
  it('gradient accumulation = global_batch_size // (devices × num_nodes) // micro_batch_size (TrainArgs)', () => {
    // 64 // 4 = 16; 16 // 3 = 5 (floor divisions, args.py batch_size and gradient_accumulation_iters).
    const l = full('  global_batch_size: 64\n  micro_batch_size: 3\n');
    assert.equal(l.gradAccum, 5);
    assert.equal(l.microBatch, 3);
    assert.equal(l.sharding, 'zero3');
    assert.equal(l.recompute, 'full', 'finetune/full.py activation_checkpointing_policy={Block}');
  });
  it("zero accumulation iterations is LitGPT's own assertion, not a silent default", () => {
    // 8 // 4 = 2; 2 // 4 = 0 → `assert gradient_accumulation_iters > 0`.
    const l = full('  global_batch_size: 8\n  micro_batch_size: 4\n');
    assert.equal(l.gradAccum, undefined);
    assert.match((l.invalid?.gradAccum as LayoutRejection).message, /gradient_accumulation_iters > 0/);
  });
});
