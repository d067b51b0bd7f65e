import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hfConfigReader } from '../../src/core/config/frameworks/hf-config';
import { readRunConfig } from '../../src/core/config/registry';
import { countParams } from '../../src/core/model/params';
import type { ReadContext, RunSpec, SourceRange } from '../../src/core/types';
import {
  REPO_ROOT,
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
  readSpecAs,
  textAt,
} from '../helpers';

const readSpec = (text: string, context: ReadContext): RunSpec => readSpecAs('hf-config', text, context);

describe('HF config.json reader on the shared corpus', { skip: SHARED_SKIP }, () => {
  const entries = SHARED_SKIP
    ? []
    : [...loadManifest('configs'), ...loadManifest('configs-b')].filter(
        (e) => e.framework === 'hf-transformers',
      );
  it('has HF entries to check', () => assert.ok(entries.length >= 18));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active != null) {
        assert.equal(counts.active, entry.params_active);
        assert.equal(counts.activeNonEmbedding, entry.params_active_non_embedding);
      }
      assert.equal(spec.architecture!.tiedEmbeddings, entry.tied_embeddings);
      assert.equal(spec.architecture!.vocabSize, entry.vocab_size);
      // config.json has no training length: D stays unknown, without an error.
      assert.equal(spec.training.tokens, undefined);
      assert.ok(spec.training.missing?.some((m) => m.includes('training length')));
      assert.ok(!spec.diagnostics.some((d) => d.severity === 'error'));
    });
  }
});

describe('HF config.json reader on its own fixtures', () => {
  it('counts a Qwen3-MoE with a dense first layer (mlp_only_layers) and active params', () => {
    const spec = readSpec(fixture('hf-config', 'qwen3-moe-tiny', 'config.json'), {
      path: fixturePath('hf-config', 'qwen3-moe-tiny', 'config.json'),
    });
    const counts = countParams(spec.architecture!);
    // Layer 0 dense (3·512·1024), layers 1-3: 16 experts of 3·512·256 + router 512·16; QK norm 2·64.
    assert.equal(counts.total, 55_866_368);
    assert.equal(counts.nonEmbedding, 23_098_368);
    assert.equal(counts.active, 41_710_592);
    assert.equal(counts.activeNonEmbedding, 8_942_592);
    assert.equal(spec.architecture!.moe!.moeLayers, 3);
    assert.equal(spec.architecture!.qkNorm, 'head');
  });

  it('ties Gemma embeddings by default and counts them once', () => {
    const spec = readSpec(fixture('hf-config', 'gemma-2b', 'config.json'), {});
    assert.equal(spec.architecture!.tiedEmbeddings, true);
    // google/gemma-2b official count.
    assert.equal(countParams(spec.architecture!).total, 2_506_172_416);
    assert.equal(countParams(spec.architecture!).nonEmbedding, 1_981_884_416);
  });

  it('counts Phi-2 with one shared LayerNorm per block and an lm_head bias', () => {
    const spec = readSpec(fixture('hf-config', 'phi-2', 'config.json'), {});
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 2_779_683_840);
    assert.equal(counts.nonEmbedding, 2_517_488_640);
    assert.equal(spec.modelName, 'microsoft/phi-2');
  });

  it('reports the missing training length as information, not an error', () => {
    const spec = readSpec(fixture('hf-config', 'gemma-2b', 'config.json'), {});
    const info = spec.diagnostics.find((d) => d.code === 'no-training-length');
    assert.equal(info?.severity, 'info');
    assert.equal(spec.training.tokens, undefined);
  });

  it('uses the config class defaults for absent keys', () => {
    const text = JSON.stringify({ architectures: ['GPT2LMHeadModel'], model_type: 'gpt2' });
    const spec = readSpec(text, { path: 'config.json' });
    assert.equal(countParams(spec.architecture!).total, 124_439_808);
  });
});

describe('HF config.json recognition', () => {
  it('does not claim package.json, tsconfig.json or other JSON/YAML', () => {
    const samples = [
      readFileSync(`${REPO_ROOT}/package.json`, 'utf8'),
      readFileSync(`${REPO_ROOT}/tsconfig.json`, 'utf8'),
      '{"train_batch_size": 512, "train_micro_batch_size_per_gpu": 8, "zero_optimization": {"stage": 1}}',
      '{"model_type": 42, "architectures": []}',
      'model_type: llama\narchitectures: [LlamaForCausalLM]\n',
    ];
    for (const text of samples) {
      assert.ok(hfConfigReader.detect(text, 'config.json') < 0.5, text.slice(0, 40));
    }
    assert.equal(readRunConfig(samples[0], { path: 'package.json' }).kind, 'not-a-run-config');
  });

  it('recognizes config.json by model_type and architectures, whatever the folder name', () => {
    const text = fixture('hf-config', 'phi-2', 'config.json');
    assert.ok(hfConfigReader.detect(text, '/models/whatever/params.json') >= 0.5);
  });
});

describe('HF config.json source ranges', () => {
  it('maps num_hidden_layers to its key text and value', () => {
    const text = fixture('hf-config', 'gemma-2b', 'config.json');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.archSources.nLayers!.keyRange), 'num_hidden_layers');
    assert.equal(textAt(text, spec.archSources.nLayers!.valueRange), '18');
    assert.equal(textAt(text, spec.archSources.nKvHeads!.keyRange), 'num_key_value_heads');
  });

  it('maps GPT-2 n_layer to the key text n_layer', () => {
    const text = '{\n  "architectures": ["GPT2LMHeadModel"],\n  "model_type": "gpt2",\n  "n_layer": 6\n}\n';
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.archSources.nLayers!.keyRange), 'n_layer');
    assert.equal(spec.architecture!.nLayers, 6);
  });
});

describe('HF config.json broken input', () => {
  it('returns diagnostics for every truncation without throwing', () => {
    const text = fixture('hf-config', 'qwen3-moe-tiny', 'config.json');
    for (let cut = 1; cut < text.length; cut += 23) {
      const result = hfConfigReader.read(text.slice(0, cut), {});
      if (result.kind === 'run-config') {
        assert.ok(result.spec.diagnostics.some((d) => d.code === 'json-syntax'));
        if (result.spec.architecture) assert.ok(Number.isFinite(countParams(result.spec.architecture).total));
      } else {
        assert.equal(result.kind, 'unreadable');
      }
    }
  });

  it('flags a wrong type instead of counting it', () => {
    const text = '{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": "32"}';
    const result = hfConfigReader.read(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.architecture, undefined);
    const invalid = result.spec.diagnostics.find((d) => d.code === 'invalid-value');
    assert.equal(textAt(text, invalid!.range!), '"32"');
  });
});
