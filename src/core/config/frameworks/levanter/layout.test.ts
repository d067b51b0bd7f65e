import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLevanterLayout, levanterLayoutDefaults } from './layout';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { analyzeFile, lineOf } from '../../../../../test/layout-support-read';
import { checkMemoryFixes, frameworkFiles } from '../../../../../test/layout-support';

describe('Levanter layout (stanford-crfm/levanter@9263f81e trainer.py)', () => {
  it(
    'config/gpt2_small.yaml on 32 devices: per_device_parallelism -1 = 512 / 32, p=f32,c=bfloat16, checkpointing on',
    { skip: SHARED_SKIP },
    () => {
      const { text, analysis } = analyzeFile(
        `${SHARED_DIR}/configs-b/levanter/config/gpt2_small.yaml`,
        'TPU-v5p',
        32,
      );
      const l = analysis.memory!.layout;
      assert.equal(l.microBatch, 16);
      assert.equal(l.gradAccum, 1);
      assert.equal(l.sharding, 'zero3');
      assert.equal(l.recompute, 'full');
      assert.equal(l.precision, 'jax-f32-params');
      assert.equal(l.sources.precision!.keyRange.start.line, lineOf(text, 'mp'));
      assert.equal(l.sources.recompute!.keyRange.start.line, lineOf(text, 'gradient_checkpointing'));
    },
  );

  it('without a device count, per_device_parallelism -1 is unknown (never a guessed micro-batch); jmp policy spellings', () => {
    const none = readLevanterLayout('trainer:\n  train_batch_size: 256\n');
    assert.equal(none.unmodelled?.[0]?.key, 'train_batch_size');
    assert.equal(
      readLevanterLayout('trainer:\n  mp: compute=bfloat16,params=float32\n  per_device_parallelism: 4\n', 8)
        .precision,
      'jax-f32-params',
    );
    const pure = readLevanterLayout('trainer:\n  mp: bfloat16\n  per_device_parallelism: 4\n', 8);
    assert.equal(pure.precision, 'bf16-pure');
    assert.equal(pure.optimizer, 'adamw-bf16');
    assert.equal(
      readLevanterLayout('trainer:\n  per_device_parallelism: 4\n', 8).precision,
      'fp32',
      'mp absent: jmp "f32", fp32 throughout',
    );
    assert.equal(levanterLayoutDefaults.precision, 'fp32');
    const tp = readLevanterLayout('trainer:\n  model_axis_size: 4\n  per_device_parallelism: 4\n', 8);
    assert.equal(tp.unmodelled?.[0]?.key, 'model_axis_size');
  });

  it('defaults cite Levanter', () => assert.match(levanterLayoutDefaults.source, /levanter@9263f81e/));

  it('every memory fix of the Levanter fixtures and corpora re-reads to its title, lower, N and D unchanged', () => {
    const { files } = checkMemoryFixes('levanter', frameworkFiles('levanter', /levanter/, /\.ya?ml$/), [32]);
    assert.ok(files >= 3, `files with memory: ${files}`);
  });
});
