import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLayout } from '../../registry';

/** pytorch/torchtitan@b5bcd76c config/configs.py and distributed/fsdp.py. */
const toml = (extra: string) =>
  `[model]\nname = "llama3"\nflavor = "8B"\n\n[training]\nlocal_batch_size = 1\nseq_len = 8192\nsteps = 10\n${extra}`;
const unmodelledKeys = (text: string) =>
  (readLayout('torchtitan', text, {}, 8)!.unmodelled ?? []).map((u) => u.key);

describe('torchtitan layout audit (pytorch/torchtitan@b5bcd76c)', () => {
  it('mixed_precision_param "float32" (fp32 compute) is unknown; "bfloat16" is the modelled default', () => {
    assert.deepEqual(unmodelledKeys(toml('mixed_precision_param = "float32"\n')), ['mixed_precision_param']);
    assert.deepEqual(unmodelledKeys(toml('mixed_precision_param = "bfloat16"\n')), []);
  });

  it('fsdp_reshard_after_forward: "never" without PP and "always" with PP differ from the modelled default', () => {
    const parallel = (pp: number, policy: string) =>
      toml(`\n[parallelism]\npipeline_parallel_degree = ${pp}\nfsdp_reshard_after_forward = "${policy}"\n`);
    assert.deepEqual(unmodelledKeys(parallel(1, 'never')), ['fsdp_reshard_after_forward']);
    assert.deepEqual(unmodelledKeys(parallel(1, 'default')), []);
    assert.deepEqual(unmodelledKeys(parallel(1, 'always')), []);
    assert.ok(unmodelledKeys(parallel(2, 'always')).includes('fsdp_reshard_after_forward'));
    assert.ok(!unmodelledKeys(parallel(2, 'never')).includes('fsdp_reshard_after_forward'));
  });
});
