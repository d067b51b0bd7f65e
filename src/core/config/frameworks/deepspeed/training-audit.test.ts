import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSpecAs } from '../../../../../test/helpers';

/**
 * The global batch a DeepSpeed JSON states, against deepspeedai/DeepSpeed@edaa7221
 * deepspeed/runtime/config.py: _set_batch_related_parameters fills the one value left out
 * (floor divisions by world_size, the data-parallel size) and _batch_assertion then requires
 * train_batch_size == train_micro_batch_size_per_gpu × gradient_accumulation_steps × world_size;
 * DeepSpeedConfig.__init__ overrides train_batch_size when elasticity is enabled. The JSON never
 * holds a run length, so D stays absent in every case.
 */
const json = (body: Record<string, unknown>) =>
  JSON.stringify({ zero_optimization: { stage: 1 }, bf16: { enabled: true }, ...body }, null, 2);
const read = (body: Record<string, unknown>) => readSpecAs('deepspeed', json(body), {});

describe('DeepSpeed batch audit (DeepSpeed@edaa7221)', () => {
  it('a consistent train_batch_size is the global batch (256 = 8 × 4 × dp 8)', () => {
    const spec = read({
      train_batch_size: 256,
      train_micro_batch_size_per_gpu: 8,
      gradient_accumulation_steps: 4,
    });
    assert.equal(spec.training.globalBatchSeqs, 256);
    assert.equal(spec.training.tokens, undefined);
  });

  it('train_batch_size not a multiple of micro × accumulation: _batch_assertion fails for every world size', () => {
    // 100 = 8 × 4 × w has no integer w.
    const spec = read({
      train_batch_size: 100,
      train_micro_batch_size_per_gpu: 8,
      gradient_accumulation_steps: 4,
    });
    assert.equal(spec.training.globalBatchSeqs, undefined);
    assert.ok(spec.diagnostics.some((d) => d.severity === 'error' && /_batch_assertion/.test(d.message)));
  });

  it('train_batch_size with micro only: grad_acc = train // micro // world must multiply back, so micro must divide it', () => {
    assert.equal(
      read({ train_batch_size: 96, train_micro_batch_size_per_gpu: 8 }).training.globalBatchSeqs,
      96,
    );
    assert.equal(
      read({ train_batch_size: 100, train_micro_batch_size_per_gpu: 8 }).training.globalBatchSeqs,
      undefined,
    );
  });

  it("elasticity.enabled replaces train_batch_size with compute_elastic_config's batch: not shown", () => {
    const spec = read({
      train_batch_size: 256,
      train_micro_batch_size_per_gpu: 8,
      elasticity: { enabled: true, max_train_batch_size: 2000, micro_batch_sizes: [2, 4, 6] },
    });
    assert.equal(spec.training.globalBatchSeqs, undefined);
    assert.ok(spec.diagnostics.some((d) => /elasticity\.enabled/.test(d.message)));
    const off = read({
      train_batch_size: 256,
      train_micro_batch_size_per_gpu: 8,
      elasticity: { enabled: false },
    });
    assert.equal(off.training.globalBatchSeqs, 256);
  });
});
