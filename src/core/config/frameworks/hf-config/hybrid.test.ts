import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeSpec } from '../../../analyze';
import { countParams, mamba2Params } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { fixture, readSpecAs } from '../../../../../test/helpers';

const readSpec = (text: string): RunSpec => readSpecAs('hf-config', text, {});
const json = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * Module-by-module counts from the shapes in transformers nemotron_h/modeling_nemotron_h.py
 * @897753a0 and mamba2/modeling_mamba2.py @4711664e (see hybrid.ts).
 */
describe('HF hybrid Mamba-2 families', () => {
  // state-spaces/mamba2-780m's config as another project's test quotes it ("the real checkpoint's
  // declaration", search index file 60432393774; not built against). Its name says 780M: tied, the
  // count is 780,161,280 — but tying depends on the transformers version (inventory), so N is unknown,
  // said once; untied, every module is counted.
  const mamba2_780m = {
    model_type: 'mamba2',
    num_hidden_layers: 48,
    hidden_size: 1536,
    vocab_size: 50288,
    state_size: 128,
    num_heads: 48,
    head_dim: 64,
    expand: 2,
    conv_kernel: 4,
    n_groups: 1,
    chunk_size: 256,
    rms_norm: true,
    use_bias: false,
    use_conv_bias: true,
    hidden_act: 'silu',
    layer_norm_epsilon: 1e-5,
    residual_in_fp32: true,
    tie_word_embeddings: true,
  };
  it('state-spaces/mamba2-780m: tied is unknown once, naming the key; untied is counted module by module', () => {
    const tied = readSpec(json(mamba2_780m));
    assert.equal(tied.architecture, undefined);
    assert.equal(tied.paramsMissing?.filter((m) => /tie_word_embeddings/.test(m)).length, 1);
    const untied = readSpec(json({ ...mamba2_780m, tie_word_embeddings: false }));
    const d = 1536;
    const mixer = d * (2 * 3072 + 2 * 128 + 48) + (3072 + 256) * 5 + 3 * 48 + 3072 + 3072 * d;
    const layers = 48 * (d + mixer);
    assert.equal(layers + d + d * 50288, 780_161_280, 'the tied total matches the checkpoint name');
    assert.equal(countParams(untied.architecture!).total, layers + d + 2 * d * 50288);
  });
  it('counts Nemotron-H-8B (24 Mamba-2, 4 attention, 24 MLP blocks) module by module', () => {
    const spec = readSpec(fixture('hf-config', 'nemotron-h-8b', 'config.json'));
    const arch = spec.architecture!;
    assert.ok(arch, JSON.stringify(spec.diagnostics));
    assert.deepEqual(arch.hybrid!.blocks, { mamba2: 24, attention: 4, mlp: 24 });
    const d = 4096;
    // Mamba-2: d_inner 128·64 = 8192, B/C 2·8·128 = 2048, conv channels 10240.
    const inProj = d * (2 * 8192 + 2048 + 128); // 76_021_760
    const conv = 10240 * 4 + 10240; // weight + bias
    const perHead = 3 * 128; // dt_bias, A_log, D
    const gatedNorm = 8192;
    const outProj = 8192 * d;
    const mamba = inProj + conv + perHead + gatedNorm + outProj;
    assert.equal(mamba, 109_635_968);
    assert.equal(mamba2Params(d, arch.hybrid!.mamba), mamba);
    const attention = d * 32 * 128 + 2 * d * 8 * 128 + 32 * 128 * d; // q, k, v, o without bias
    const mlp = 2 * d * 21504; // up_proj, down_proj (relu2, no bias)
    const norm = d; // NemotronHRMSNorm per block
    const embedding = 131072 * d;
    const expected = 24 * (norm + mamba) + 4 * (norm + attention) + 24 * (norm + mlp) + norm + 2 * embedding;
    assert.equal(expected, 8_100_852_736);
    const counts = countParams(arch);
    assert.equal(counts.total, expected);
    assert.equal(counts.nonEmbedding, expected - 2 * embedding);
    assert.equal(counts.active, expected);
  });

  it('adds the attention FLOPs term for the attention blocks only, and leaves memory unknown', () => {
    const spec = readSpec(fixture('hf-config', 'nemotron-h-8b', 'config.json'));
    spec.training = { tokens: 1e9, seqLen: 8192 };
    const analysis = analyzeSpec(spec);
    const total = countParams(spec.architecture!).total;
    assert.equal(analysis.flops, 6 * total * 1e9);
    assert.equal(analysis.flopsWithAttention, 6 * total * 1e9 + 6 * 4 * 8192 * 32 * 128 * 1e9);
  });

  it('counts a pure Mamba-2 (Mamba2ForCausalLM) with the config defaults it leaves out', () => {
    const spec = readSpec(
      json({
        architectures: ['Mamba2ForCausalLM'],
        model_type: 'mamba2',
        hidden_size: 768,
        num_hidden_layers: 24,
        vocab_size: 50288,
        num_heads: 24,
        head_dim: 64,
        state_size: 128,
        n_groups: 1,
        expand: 2,
        tie_word_embeddings: false,
      }),
    );
    const arch = spec.architecture!;
    assert.ok(arch, JSON.stringify(spec.diagnostics));
    // d_inner 1536, B/C 256, conv channels 1792, kernel 4 (default), conv bias (default), no proj bias.
    const mamba = 768 * (3072 + 256 + 24) + (1792 * 4 + 1792) + 3 * 24 + 1536 + 1536 * 768;
    const expected = 24 * (768 + mamba) + 768 + 2 * 50288 * 768;
    assert.equal(countParams(arch).total, expected);
    assert.equal(
      analyzeSpec({ ...spec, training: { tokens: 1e9, seqLen: 2048 } }).flopsWithAttention,
      6 * expected * 1e9,
    );
  });

  it('leaves N unknown, naming the key, where versions or MoE blocks would change it', () => {
    const base = JSON.parse(fixture('hf-config', 'nemotron-h-8b', 'config.json')) as Record<string, unknown>;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ hybrid_override_pattern: 'M-M*-ME', num_hidden_layers: 7 }, /MoE block/],
      [{ tie_word_embeddings: true }, /tie_word_embeddings/],
      [{ attention_bias: true }, /attention_bias/],
      [{ mamba_proj_bias: true }, /mamba_proj_bias/],
      [{ attention_head_dim: 64 }, /attention_head_dim/],
      [{ num_hidden_layers: 50 }, /num_hidden_layers/],
      [{ expand: 1 }, /expand/],
      [{ hybrid_override_pattern: 'M-X' }, /hybrid_override_pattern/],
    ];
    for (const [change, message] of cases) {
      const spec = readSpec(json({ ...base, ...change }));
      assert.equal(spec.architecture, undefined, JSON.stringify(change));
      assert.ok(
        spec.diagnostics.some((d) => message.test(d.message)),
        `${JSON.stringify(change)}: ${spec.diagnostics.map((d) => d.message).join(' | ')}`,
      );
    }
    const noPattern = { ...base };
    delete noPattern.hybrid_override_pattern;
    assert.equal(readSpec(json(noPattern)).architecture, undefined);
  });

  it('treats layers_block_type like the pattern and refuses the two disagreeing', () => {
    const base = JSON.parse(fixture('hf-config', 'nemotron-h-8b', 'config.json')) as Record<string, unknown>;
    const pattern = String(base.hybrid_override_pattern);
    const names = { M: 'mamba', '*': 'attention', '-': 'mlp' } as Record<string, string>;
    const list = [...pattern].map((c) => names[c]);
    const listed = readSpec(json({ ...base, layers_block_type: list }));
    assert.equal(countParams(listed.architecture!).total, 8_100_852_736);
    const other = readSpec(json({ ...base, layers_block_type: [...list.slice(1), 'mamba'] }));
    assert.equal(other.architecture, undefined);
  });
});
