import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readLayout } from '../../registry';
import { SHARED_DIR, SHARED_SKIP, diskReadFile, fixturePath } from '../../../../../test/helpers';

const SMOLLM = join(SHARED_DIR, 'configs-c', 'unsupported', 'nanotron', 'config_smollm2_135M.yaml');

describe('nanotron layout (huggingface/nanotron@2411b022 config.py)', () => {
  it(
    'reads the SmolLM2 135M corpus config: dp 64, tp 1, SP (REDUCE_SCATTER), mb 8, fp32 grad accumulation',
    { skip: SHARED_SKIP },
    () => {
      const text = readFileSync(SMOLLM, 'utf8');
      const l = readLayout('nanotron', text)!;
      assert.equal(l.dataParallel, 64);
      assert.equal(l.tensorParallel, 1);
      assert.equal(l.gpus, 64);
      assert.equal(l.sequenceParallel, true);
      assert.equal(l.microBatch, 8);
      assert.equal(l.seqLen, 2048);
      assert.equal(l.sharding, 'none');
      assert.equal(l.recompute, 'none');
      assert.equal(l.precision, 'bf16-fp32-accum');
      assert.equal(l.sources.precision?.key, 'accumulate_grad_in_fp32');
      assert.equal(
        text.split('\n')[l.sources.microBatch!.keyRange.start.line]!.trim().startsWith('micro_batch_size'),
        true,
      );
      const a = analyzeText(
        text,
        { path: SMOLLM, readFile: diskReadFile },
        DEFAULT_ANALYSIS_SETTINGS,
      ).analysis!;
      assert.ok(a.memory && a.memory.perGpuBytes > 0);
      // bf16 weights 2 B, fp32 grads 4 B, 4 B master + 8 B AdamW per parameter (unsharded: zero_stage 0).
      assert.ok(Math.abs(a.memory.optimizer.bytes / a.memory.weights.bytes - 6) < 1e-9);
    },
  );
  it('defaults: bf16 without the fp32 accumulator steps bf16 AdamW states; zero_stage 1 shards them', () => {
    const base = readFileSync(join(fixturePath('nanotron'), 'config_tiny_llama.yaml'), 'utf8');
    const pure = readLayout(
      'nanotron',
      base.replace('accumulate_grad_in_fp32: true', 'accumulate_grad_in_fp32: false'),
    )!;
    assert.equal(pure.precision, 'bf16-pure');
    assert.equal(pure.optimizer, 'adamw-bf16');
    const z1 = readLayout('nanotron', base.replace('zero_stage: 0', 'zero_stage: 1'))!;
    assert.equal(z1.sharding, 'zero1');
  });
  it('pipeline with the default all-forward-all-backward engine makes memory unknown, naming the key', () => {
    const base = readFileSync(join(fixturePath('nanotron'), 'config_tiny_llama.yaml'), 'utf8');
    const text = base.replace(/^(\s*)pp: 1$/m, '$1pp: 2').replace('pp_engine: 1f1b', 'pp_engine: afab');
    assert.notEqual(text, base);
    // With 1F1B (as the fixture states) the estimate stands.
    const onef1b = analyzeText(base.replace(/^(\s*)pp: 1$/m, '$1pp: 2'), {}, DEFAULT_ANALYSIS_SETTINGS);
    assert.equal(onef1b.analysis!.memory!.layout.pipelineParallel, 2);
    const a = analyzeText(text, {}, DEFAULT_ANALYSIS_SETTINGS);
    assert.equal(a.analysis!.memory, null);
    assert.ok(
      a.diagnostics.some((d) => d.code === 'memory-unknown' && /all-forward-all-backward/.test(d.message)),
    );
  });
});
