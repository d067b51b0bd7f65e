import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countParams } from '../../src/core/model/params';
import {
  ARCHITECTURE_CONVENTIONS,
  suggestArchitecture,
  type ArchitectureSuggestion,
} from '../../src/core/plan';

function suggestion(target: number, options = {}): ArchitectureSuggestion {
  const result = suggestArchitecture(target, options);
  assert.ok(result.ok, result.ok ? '' : result.diagnostics[0].message);
  return result.value;
}

const TARGETS = [2e7, 1.25e8, 3.5e8, 1e9, 3e9, 7e9, 1.3e10, 2.418e10, 3.408e10, 7e10, 4e11, 2e12];

describe('architecture suggestion', () => {
  it('matches the target within 2% with its exact countParams total', () => {
    for (const target of TARGETS) {
      const s = suggestion(target);
      assert.equal(s.params.total, countParams(s.architecture).total);
      assert.equal(s.matchedParams, s.params.total);
      assert.ok(Math.abs(s.params.total / target - 1) <= 0.02, `${target}: ${s.params.total}`);
      assert.equal(s.relativeError, (s.params.total - target) / target);
    }
  });

  it('produces valid shapes: heads × head_dim = d, KV heads divide heads, d and ffn on their grids', () => {
    for (const target of TARGETS) {
      const a = suggestion(target).architecture;
      assert.equal(a.nHeads * a.headDim, a.dModel);
      assert.equal(a.nHeads % a.nKvHeads, 0);
      assert.equal(a.dModel % 128, 0);
      assert.equal(a.ffnSize % 256, 0);
      assert.ok(a.ffnSize >= (8 / 3) * a.dModel && a.ffnSize < (8 / 3) * a.dModel + 256);
      assert.ok(a.nLayers >= 1 && Number.isInteger(a.nLayers));
      assert.equal(a.gatedMlp, true);
      assert.equal(a.tiedEmbeddings, false);
      assert.equal(a.headDim, a.dModel < 2048 ? 64 : 128);
    }
  });

  it('keeps d_model / n_layers in the 100–130 band from 1B parameters up', () => {
    for (const target of TARGETS.filter((t) => t >= 1e9)) {
      const s = suggestion(target);
      assert.ok(
        s.aspectRatio >= ARCHITECTURE_CONVENTIONS.aspectRatioMin &&
          s.aspectRatio <= ARCHITECTURE_CONVENTIONS.aspectRatioMax,
        `${target}: ${s.aspectRatio}`,
      );
    }
  });

  it('uses 8 KV heads (GQA) for big models and full multi-head attention for small ones', () => {
    assert.equal(suggestion(7e10).architecture.nKvHeads, 8);
    const small = suggestion(7e9).architecture;
    assert.equal(small.nKvHeads, small.nHeads);
  });

  it('suggests 61 × 6144 (48 heads, 8 KV, ffn 16384) for the 2.418e10 inference-aware optimum', () => {
    const s = suggestion(2.418e10);
    assert.deepEqual(s.hfConfig, {
      model_type: 'llama',
      hidden_size: 6144,
      intermediate_size: 16384,
      num_hidden_layers: 61,
      num_attention_heads: 48,
      num_key_value_heads: 8,
      head_dim: 128,
      vocab_size: 32000,
      tie_word_embeddings: false,
    });
    assert.equal(s.params.total, 24_188_258_304);
  });

  it('takes the vocabulary from an argument and can match non-embedding N (Kaplan)', () => {
    const wide = suggestion(1e9, { vocabSize: 128256 });
    assert.equal(wide.architecture.vocabSize, 128256);
    assert.ok(Math.abs(wide.params.total / 1e9 - 1) <= 0.02);
    const kaplan = suggestion(1e9, { paramConvention: 'non-embedding' });
    assert.equal(kaplan.matchedParams, kaplan.params.nonEmbedding);
    assert.ok(Math.abs(kaplan.params.nonEmbedding / 1e9 - 1) <= 0.02);
  });

  it('rejects a non-positive target and one smaller than the embeddings alone', () => {
    const negative = suggestArchitecture(-1);
    assert.ok(!negative.ok);
    assert.equal(negative.diagnostics[0].code, 'plan-invalid-budget');
    const tiny = suggestArchitecture(1e6);
    assert.ok(!tiny.ok);
    assert.equal(tiny.diagnostics[0].code, 'plan-no-solution');
  });
});
