import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readNanotronLayout } from './layout';

/** huggingface/nanotron@2411b022 parallelism_config.py, parallel/tensor_parallel/functional.py, helpers.py. */
const yaml = (parallelism: string, optimizer = '') =>
  `parallelism:\n  dp: 1\n  tp: 2\n  pp: 1\n  tp_mode: REDUCE_SCATTER\n${parallelism}tokens:\n  micro_batch_size: 1\n  sequence_length: 256\noptimizer:\n  zero_stage: 0\n  accumulate_grad_in_fp32: true\n${optimizer}`;

describe('nanotron layout audit (huggingface/nanotron@2411b022)', () => {
  it('tp_recompute_allgather: false saves the all-gathered input (ctx.save_for_backward(total_input))', () => {
    const saved = readNanotronLayout(yaml('  tp_recompute_allgather: false\n'));
    assert.equal(saved.tpSavesGatheredInputs, true);
    assert.equal(saved.sources.tpSavesGatheredInputs?.key, 'tp_recompute_allgather');
    // The default (True) re-gathers in backward: the Megatron-style count.
    assert.equal(readNanotronLayout(yaml('  tp_recompute_allgather: true\n')).tpSavesGatheredInputs, false);
    assert.equal(readNanotronLayout(yaml('')).tpSavesGatheredInputs, undefined);
  });

  it('the optimizer name is compared exactly ("adamW", "sgd"): anything else raises in nanotron', () => {
    const adam = readNanotronLayout(yaml('', '  optimizer_factory:\n    name: adamW\n'));
    assert.equal(adam.optimizer, 'adamw');
    const wrong = readNanotronLayout(yaml('', '  optimizer_factory:\n    name: adam\n'));
    assert.equal(wrong.unmodelled?.[0]?.key, 'name');
    assert.match(wrong.unmodelled![0]!.why!, /not supported/);
  });
});
