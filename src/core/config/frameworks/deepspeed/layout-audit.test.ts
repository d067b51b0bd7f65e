import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readLayout } from '../../registry';
import { deepSpeedPrecision } from './layout';

// Audit against deepspeedai/DeepSpeed@edaa7221 (engine.py, pipe/engine.py, config.py, precision_config.py).
describe('DeepSpeed layout audit (deepspeedai/DeepSpeed@edaa7221)', () => {
  const read = (body: string) => readLayout('deepspeed', `{"train_micro_batch_size_per_gpu": 2, ${body}}`)!;

  it('no ZeRO + fp32 grad_accum_dtype is refused with or without the pipeline engine (_do_optimizer_sanity_check)', () => {
    // engine.py: not zero, not amp, model_dtype (bf16/fp16) != grad_accum_dtype (fp32) → NotImplementedError.
    for (const pipeline of [false, true])
      for (const half of ['bf16', 'fp16'] as const)
        assert.ok('refused' in deepSpeedPrecision({ stage: 0, half, pipeline, fp32Accum: true }));
    // Equal dtypes with the pipeline engine still give BF16_Optimizer (DP-partitioned master: ZeRO-1-like).
    assert.deepEqual(deepSpeedPrecision({ stage: 0, half: 'bf16', pipeline: true }), {
      precision: 'zero-mixed',
      sharding: 'zero1',
    });
  });

  it('GPT-NeoX pins DeeperSpeed@91d1c55b, whose wrapper table differs at stage 0 bf16', () => {
    // DeeperSpeed engine.py: `elif model_dtype == bf16 and grad_accum_dtype == fp32: return BFLOAT16`
    // (removed upstream in 09885efe); bf16 == bf16 without the pipeline engine raises.
    const ds = 'deeperspeed' as const;
    for (const pipeline of [false, true])
      assert.deepEqual(
        deepSpeedPrecision({ stage: 0, half: 'bf16', pipeline, fp32Accum: true, engine: ds }),
        {
          precision: 'bf16-fp32-accum',
          sharding: 'zero1',
        },
      );
    assert.ok('refused' in deepSpeedPrecision({ stage: 0, half: 'bf16', pipeline: false, engine: ds }));
    // Upstream: bf16 == bf16 without pipeline is FP16_Optimizer in bf16 (DDP_BFLOAT16), unsharded.
    assert.deepEqual(deepSpeedPrecision({ stage: 0, half: 'bf16', pipeline: false }), {
      precision: 'zero-mixed',
    });
    // A plain DeepSpeed JSON with bf16 + fp32 accumulation and no ZeRO: unknown, naming grad_accum_dtype.
    const l = read('"bf16": {"enabled": true}, "data_types": {"grad_accum_dtype": "fp32"}');
    assert.equal(l.unmodelled?.[0]?.key, 'grad_accum_dtype');
    assert.equal(l.precision, undefined);
  });

  it('Apex amp, torch_autocast and 16-bit master weights / bf16 states make memory unknown, naming the key', () => {
    const cases: [string, string, RegExp][] = [
      ['"amp": {"enabled": true}', 'enabled', /Apex AMP/],
      ['"torch_autocast": {"enabled": true, "dtype": "bfloat16"}', 'enabled', /autocast/],
      [
        '"bf16": {"enabled": true, "bf16_master_weights_and_grads": true}',
        'bf16_master_weights_and_grads',
        /bf16 master/,
      ],
      [
        '"bf16": {"enabled": true, "bf16_optimizer_states": true}',
        'bf16_optimizer_states',
        /states kept in bf16/,
      ],
      [
        '"fp16": {"enabled": true, "fp16_master_weights_and_grads": true}',
        'fp16_master_weights_and_grads',
        /fp16 master/,
      ],
    ];
    for (const [body, key, why] of cases) {
      const u = read(`${body}, "zero_optimization": {"stage": 2}`).unmodelled ?? [];
      assert.equal(u.length, 1, body);
      assert.equal(u[0]!.key, key);
      assert.match(u[0]!.why!, why);
    }
    // Disabled flags change nothing.
    assert.equal(read('"amp": {"enabled": false}, "bf16": {"enabled": true}').unmodelled, undefined);
  });
});
