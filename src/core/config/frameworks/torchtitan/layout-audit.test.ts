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

  it('[compile] with "loss" in components (default ["model", "loss"]) counts a fused loss: 4 B per logit (8a2686c4 components/loss.py)', () => {
    const logits = (extra: string) => readLayout('torchtitan', toml(extra), {}, 8)!.logitsBytesPerElement;
    const compiled = readLayout(
      'torchtitan',
      toml('\n[compile]\nenable = true\ncomponents = ["loss"]\n'),
      {},
      8,
    )!;
    assert.equal(compiled.logitsBytesPerElement, 4);
    assert.equal(compiled.sources.logitsBytesPerElement?.key, 'components');
    assert.equal(logits('\n[compile]\nenable = true\n'), 4);
    assert.equal(logits('\n[compile]\nenable = true\ncomponents = ["model", "loss"]\n'), 4);
    // Not compiled: disabled, only the model compiled, a backend that does not fuse.
    assert.equal(logits('\n[compile]\nenable = false\ncomponents = ["loss"]\n'), undefined);
    assert.equal(logits('\n[compile]\nenable = true\ncomponents = ["model"]\n'), undefined);
    assert.equal(logits('\n[compile]\nenable = true\nbackend = "aot_eager"\n'), undefined);
    // The old [training] compile flag compiled the loss in some versions only: left eager (14 B).
    assert.equal(logits('compile = true\n'), undefined);
    const eager = readLayout('torchtitan', toml('compile = true\n'), {}, 8)!;
    assert.equal(eager.logitsBytesPerElement, undefined);
  });

  it('a compiled model ([compile] "model", default components, or the old [training] compile) is said to be counted eager', () => {
    const notes = (extra: string) => readLayout('torchtitan', toml(extra), {}, 8)!.notes ?? [];
    const eager = /\[compile\] "model" is counted as eager/;
    for (const compiled of [
      '\n[compile]\nenable = true\n',
      '\n[compile]\nenable = true\ncomponents = ["model"]\n',
      '\n[compile]\nenable = true\ncomponents = ["model", "loss"]\n',
      'compile = true\n',
    ])
      assert.equal(notes(compiled).filter((n) => eager.test(n)).length, 1, compiled);
    for (const notCompiled of [
      '',
      '\n[compile]\nenable = false\n',
      '\n[compile]\nenable = true\ncomponents = ["loss"]\n',
    ])
      assert.deepEqual(notes(notCompiled), [], notCompiled);
  });

  it("qwen3's own op-SAC save list has no all_to_all_single (torchtitan@9810191bb^ models/qwen3/infra/parallelize.py); deepseek_v3 / llama4 list it", () => {
    const saves = (name: string) =>
      readLayout(
        'torchtitan',
        `[model]\nname = "${name}"\nflavor = "30B-A3B"\n\n[training]\nlocal_batch_size = 1\n`,
        {},
        8,
      )!.opSacSavesAllToAll;
    assert.equal(saves('qwen3'), false);
    assert.equal(saves('deepseek_v3'), undefined);
    assert.equal(saves('llama4'), undefined);
  });
});
