import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readLayout } from '../../registry';
import { SHARED_DIR, SHARED_SKIP, fixturePath } from '../../../../../test/helpers';

const corpus = (...p: string[]) => readFileSync(join(SHARED_DIR, 'configs-b', 'gpt-neox', ...p), 'utf8');

describe('GPT-NeoX layout (EleutherAI/gpt-neox@ea7aefd8 neox_args.py, arguments.py; DeepSpeed engine)', () => {
  it(
    'Pythia 12B: MP 4, pipeline engine (pipe_parallel_size 1), ZeRO-1 fp16 = DeepSpeed mixed recipe, full recompute, mb 8',
    { skip: SHARED_SKIP },
    () => {
      const text = corpus('pythia', '12B.yml');
      const l = readLayout('gpt-neox', text, {}, 256)!;
      assert.equal(l.tensorParallel, 4);
      assert.equal(l.pipelineParallel, 1);
      assert.equal(l.sharding, 'zero1');
      assert.equal(l.precision, 'zero-mixed');
      assert.equal(l.sources.precision?.key, 'enabled');
      assert.equal(l.recompute, 'full');
      assert.equal(l.microBatch, 8);
      assert.equal(l.seqLen, 2048);
      assert.equal(l.flashAttention, true, 'attention_config flash');
      assert.equal(text.split('\n')[l.sources.sharding!.keyRange.start.line]!.includes('stage'), true);
    },
  );
  it(
    'Pythia 1B: ZeRO stage 0 with fp16 keeps the 12-byte fp32 master + Adam states whole',
    { skip: SHARED_SKIP },
    () => {
      const l = readLayout('gpt-neox', corpus('pythia', '1B.yml'), {}, 64)!;
      assert.equal(l.sharding, 'none');
      assert.equal(l.precision, 'zero-mixed');
      assert.equal(l.flashAttention, undefined);
    },
  );
  it('defaults from source: fp32 without fp16/bf16, unfused attention, no dropout, Adam', () => {
    const text = readFileSync(join(fixturePath('gpt-neox'), 'llama-style-gqa.yml'), 'utf8');
    const l = readLayout('gpt-neox', text, {}, 64)!;
    assert.equal(l.precision, 'fp32');
    const a = analyzeText(text, {}, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 64 }).analysis!;
    assert.equal(a.memory!.layout.flashAttention, false);
    assert.equal(a.memory!.layout.dropout, false);
    assert.equal(a.memory!.layout.optimizer, 'adamw');
    // fp32: 4 B weights, 4 B grads, 0 master + 8 B Adam.
    assert.ok(Math.abs(a.memory!.optimizer.bytes / a.memory!.weights.bytes - 2) < 1e-9);
  });
  it(
    'a model-only file (no batch/ZeRO/precision keys) gets no memory figure, naming num_layers',
    { skip: SHARED_SKIP },
    () => {
      const a = analyzeText(corpus('llama2', '70B.yml'), {}, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 64 });
      assert.equal(a.analysis!.memory, null);
      assert.ok(a.diagnostics.some((d) => d.code === 'memory-unknown' && /num_layers/.test(d.message)));
    },
  );
  it('optimizer types: lion, sgd with momentum, bnb Adam8bit; OneBitAdam is unknown', () => {
    const base = readFileSync(join(fixturePath('gpt-neox'), 'llama-style-gqa.yml'), 'utf8');
    assert.ok(!/"optimizer"/.test(base));
    const withType = (t: string, extra = '') =>
      base.replace('{', `{\n  "optimizer": {"type": "${t}", "params": {"lr": 0.0001${extra}}},`);
    assert.equal(readLayout('gpt-neox', withType('Lion'))!.optimizer, 'lion');
    assert.equal(readLayout('gpt-neox', withType('sgd', ', "momentum": 0.9'))!.optimizer, 'sgd-momentum');
    assert.equal(readLayout('gpt-neox', withType('sgd'))!.optimizer, 'sgd');
    assert.equal(
      readLayout('gpt-neox', withType('Adam').replace('{', '{\n  "use_bnb_optimizer": true,'))!.optimizer,
      'adamw-8bit',
    );
    assert.match(readLayout('gpt-neox', withType('OneBitAdam'))!.unmodelled![0]!.why!, /OneBitAdam/);
  });
});
