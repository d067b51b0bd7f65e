import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readLayout } from '../../registry';
import { SHARED_DIR, SHARED_SKIP, fixturePath } from '../../../../../test/helpers';

const CORPUS = join(SHARED_DIR, 'configs-c', 'unsupported', 'nemo1', 'megatron_gpt_config.yaml');

describe('NeMo 1.x layout (NVIDIA/NeMo@8cfedd72 megatron_base_model.py)', () => {
  it(
    'reads the corpus megatron_gpt_config.yaml: 1 GPU, mb 4, global 8, seq 512, precision 16 without O2 = autocast over fp32',
    { skip: SHARED_SKIP },
    () => {
      const text = readFileSync(CORPUS, 'utf8');
      const l = readLayout('nemo', text)!;
      assert.equal(l.gpus, 1);
      assert.equal(l.microBatch, 4);
      assert.equal(l.globalBatch, 8);
      assert.equal(l.gradAccum, 2);
      assert.equal(l.seqLen, 512);
      assert.equal(l.tensorParallel, 1);
      assert.equal(l.precision, 'amp');
      assert.equal(l.sources.precision?.key, 'precision');
      assert.equal(l.optimizer, 'adamw');
      assert.equal(l.dropout, true);
      const a = analyzeText(text, {}, DEFAULT_ANALYSIS_SETTINGS).analysis!;
      assert.ok(a.memory && a.memory.perGpuBytes > 0);
    },
  );
  it('megatron_amp_O2 + distributed_fused_adam: bf16 params, fp32 main grads/params, states sharded (ZeRO-1); granularity read', () => {
    const base = readFileSync(join(fixturePath('nemo'), 'megatron_gpt_config.yaml'), 'utf8');
    const fused = readLayout('nemo', base)!;
    assert.equal(fused.precision, 'bf16-fp32-accum');
    assert.equal(fused.sources.precision?.key, 'megatron_amp_O2');
    assert.equal(fused.sharding, undefined);
    assert.equal(fused.flashAttention, true, 'mcore_gpt: attention_backend auto');
    const dist = readLayout('nemo', base.replace('name: fused_adam', 'name: distributed_fused_adam'))!;
    assert.equal(dist.sharding, 'zero1');
    assert.equal(dist.sources.sharding?.raw, 'distributed_fused_adam');
    const selective = readLayout(
      'nemo',
      base.replace(
        'activations_checkpoint_granularity: null',
        'activations_checkpoint_granularity: selective',
      ),
    )!;
    assert.equal(selective.recompute, 'selective');
  });
  it('fp8: true makes memory unknown, naming the key', () => {
    const base = readFileSync(join(fixturePath('nemo'), 'megatron_gpt_config.yaml'), 'utf8');
    const text = base.replace(/^(\s*)fp8: False/m, '$1fp8: True');
    if (text === base) return assert.fail('fixture has no fp8 key');
    const a = analyzeText(text, {}, DEFAULT_ANALYSIS_SETTINGS);
    assert.equal(a.analysis!.memory, null);
    assert.ok(a.diagnostics.some((d) => d.code === 'memory-unknown' && /`fp8`/.test(d.message)));
  });
  it('fsdp: True (the fixture with its own flag flipped) makes memory unknown, naming the key; False is estimated', () => {
    const text = readFileSync(fixturePath('nemo', 'megatron_gpt_config.yaml'), 'utf8');
    assert.match(text, /^  fsdp: False /m);
    const off = analyzeText(text, {}, DEFAULT_ANALYSIS_SETTINGS).analysis!;
    assert.ok(off.memory && off.memory.perGpuBytes > 0);
    const on = analyzeText(text.replace(/^  fsdp: False /m, '  fsdp: True '), {}, DEFAULT_ANALYSIS_SETTINGS);
    assert.equal(on.analysis!.memory, null);
    assert.ok(
      on.diagnostics.some((d) => d.code === 'memory-unknown' && /`fsdp`.*NLPFSDPStrategy/.test(d.message)),
      on.diagnostics.map((d) => d.message).join('\n'),
    );
  });
});
