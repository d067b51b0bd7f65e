import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readLayout } from '../../registry';
import { deepSpeedPrecision } from './layout';
import { SHARED_DIR, SHARED_SKIP, fixturePath } from '../../../../../test/helpers';

const MDS = join(SHARED_DIR, 'configs-b', 'megatron-deepspeed', 'examples_deepspeed');

describe('DeepSpeed config layout (deepspeedai/DeepSpeed@edaa7221 runtime/config.py, zero/config.py, engine.py)', () => {
  it('ds_config_zero2.json: stage 2, with the range of its key', () => {
    const text = readFileSync(join(fixturePath('deepspeed'), 'ds_config_zero2.json'), 'utf8');
    const l = readLayout('deepspeed', text)!;
    assert.equal(l.sharding, 'zero2');
    assert.equal(text.split('\n')[l.sources.sharding!.keyRange.start.line]!.includes('"stage"'), true);
  });
  it('the deprecated boolean zero_optimization: true is stage 1, false stage 0 (read_zero_config_deprecated)', () => {
    const text = readFileSync(join(fixturePath('deepspeed'), 'ds_config_zero2.json'), 'utf8');
    const object = /"zero_optimization":\s*\{[^}]*\}/s;
    assert.match(text, object);
    for (const [flag, sharding] of [
      ['true', 'zero1'],
      ['false', 'none'],
    ] as const) {
      const l = readLayout('deepspeed', text.replace(object, `"zero_optimization": ${flag}`))!;
      assert.equal(l.sharding, sharding, flag);
      assert.equal(l.sources.sharding!.key, 'zero_optimization');
    }
  });
  it("the engine's optimizer wrapper decides the byte recipe (engine.py _do_optimizer_sanity_check)", () => {
    assert.deepEqual(deepSpeedPrecision({ stage: 0, pipeline: false }), { precision: 'fp32' });
    assert.deepEqual(deepSpeedPrecision({ stage: 2, pipeline: false }), { precision: 'fp32-zero' });
    assert.deepEqual(deepSpeedPrecision({ stage: 0, half: 'fp16', pipeline: true }), {
      precision: 'zero-mixed',
    });
    assert.deepEqual(deepSpeedPrecision({ stage: 0, half: 'bf16', pipeline: true }), {
      precision: 'zero-mixed',
      sharding: 'zero1',
    });
    assert.deepEqual(deepSpeedPrecision({ stage: 1, half: 'bf16', pipeline: false, fp32Accum: true }), {
      precision: 'bf16-fp32-accum',
    });
    assert.ok('refused' in deepSpeedPrecision({ stage: 0, half: 'bf16', pipeline: false, fp32Accum: true }));
  });
  it('offload_optimizer is modelled; offload_param, hpZ and OneBitAdam make memory unknown', () => {
    const cfg = (zero: string, extra = '') =>
      readLayout(
        'deepspeed',
        `{"train_micro_batch_size_per_gpu": 2, "bf16": {"enabled": true}, "zero_optimization": {${zero}}${extra}}`,
      )!;
    assert.equal(cfg('"stage": 3, "offload_optimizer": {"device": "cpu"}').cpuOffload, true);
    assert.match(
      cfg('"stage": 3, "offload_param": {"device": "nvme"}').unmodelled![0]!.why!,
      /parameter offload/,
    );
    assert.match(cfg('"stage": 3, "zero_hpz_partition_size": 8').unmodelled![0]!.why!, /hpZ/);
    assert.match(
      cfg('"stage": 1', ', "optimizer": {"type": "OneBitAdam"}').unmodelled![0]!.why!,
      /OneBitAdam/,
    );
    assert.equal(cfg('"stage": 1', ', "optimizer": {"type": "Lamb"}').optimizer, 'lamb');
    assert.equal(cfg('"stage": "auto"').unmodelled![0]!.key, 'stage');
  });
});

describe('Megatron-DeepSpeed: the ZeRO stage from the DeepSpeed JSON', () => {
  it(
    'pretrain_llama2_distributed.sh: heredoc JSON read ( = 0, bf16, pipeline engine → BF16_Optimizer: ZeRO-1-like)',
    { skip: SHARED_SKIP },
    () => {
      const path = join(MDS, 'pretrain_llama2_distributed.sh');
      const text = readFileSync(path, 'utf8');
      const l = readLayout('megatron', text, { path }, 8)!;
      assert.equal(l.sharding, 'zero1');
      assert.equal(l.precision, 'zero-mixed');
      // The source is in the heredoc body of this script.
      const line = text.split('\n')[l.sources.precision!.keyRange.start.line]!;
      assert.match(line, /"enabled"/);
    },
  );
  it('a --deepspeed_config that is neither in the script nor readable, without --zero-stage: unknown naming the file', () => {
    const script = [
      'DS=ds.json',
      'torchrun pretrain_gpt.py --num-layers 24 --hidden-size 1024 --num-attention-heads 16 --seq-length 1024 \\',
      '  --max-position-embeddings 1024 --micro-batch-size 4 --global-batch-size 64 --train-iters 100 \\',
      '  --deepspeed --deepspeed_config $DS --fp16',
    ].join('\n');
    const l = readLayout('megatron', script, {}, 8)!;
    assert.match(l.unmodelled![0]!.why!, /ZeRO stage \(in ds\.json\)/);
    const a = analyzeText(script, {}, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 });
    assert.ok(a.diagnostics.some((d) => d.code === 'memory-unknown' && /ds\.json/.test(d.message)));
    // Readable through the editor: the stage is read from it (with file-tagged sources).
    const read = readLayout(
      'megatron',
      script,
      {
        path: '/x/run.sh',
        readFile: (p) =>
          p === '/x/ds.json' ? '{"zero_optimization": {"stage": 2}, "fp16": {"enabled": true}}' : undefined,
      },
      8,
    )!;
    assert.equal(read.sharding, 'zero2');
    assert.equal(read.sources.sharding?.file, '/x/ds.json');
    assert.equal(read.unmodelled, undefined);
  });
  it(
    'ds_pretrain_gpt_13B.sh: --zero-stage 1 and --fp16 → the DeepSpeed fp16 recipe (2 + 2 + 12/d), not Megatron fp32 main grads',
    { skip: SHARED_SKIP },
    () => {
      const text = readFileSync(
        join(SHARED_DIR, 'configs-c', 'megatron-deepspeed', 'ds_pretrain_gpt_13B.sh'),
        'utf8',
      );
      const l = readLayout('megatron', text, {}, 64)!;
      assert.equal(l.sharding, 'zero1');
      assert.equal(l.precision, 'zero-mixed');
    },
  );
});
