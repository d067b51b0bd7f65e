import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { litgptReader } from '../../src/core/config/frameworks/litgpt';
import { findLitModel } from '../../src/core/config/frameworks/litgpt.models';
import { readRunConfig } from '../../src/core/config/registry';
import { countParams } from '../../src/core/model/params';
import type { ReadContext, RunSpec, SourceRange } from '../../src/core/types';
import {
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
  readSpecAs,
  textAt,
} from '../helpers';

const readSpec = (text: string, context: ReadContext): RunSpec => readSpecAs('litgpt', text, context);

describe('LitGPT reader on the shared corpus', { skip: SHARED_SKIP }, () => {
  const entries = SHARED_SKIP
    ? []
    : [...loadManifest('configs'), ...loadManifest('configs-b')].filter((e) => e.framework === 'litgpt');
  it('has LitGPT entries to check', () => assert.ok(entries.length >= 9));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly (unique tensors, tied counted once)`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active != null) assert.equal(counts.active, entry.params_active);
      assert.equal(spec.architecture!.tiedEmbeddings, entry.tied_embeddings);
      if (entry.params_litgpt_materialized != null) {
        // LitGPT un-ties the HF-tied head in memory: +vocab×d over the unique count.
        const a = spec.architecture!;
        assert.equal(counts.total + a.vocabSize * a.dModel, entry.params_litgpt_materialized);
      }
      if (entry.params_trainable_lora != null) {
        const expected = (entry.params_trainable_lora as number).toLocaleString('en-US');
        assert.ok(
          spec.assumptions.some((a) => a.includes(expected)),
          spec.assumptions.join('\n'),
        );
      }
    });

    it(`derives the training length of ${entry.file}`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      if (entry.training_tokens != null) {
        assert.equal(spec.training.tokens, entry.training_tokens);
        assert.equal(spec.training.seqLen, entry.seq_len);
      } else {
        // Finetunes: tokens depend on the dataset; max_steps only bounds them.
        assert.equal(spec.training.tokens, undefined);
        assert.equal(spec.training.finetune, true);
        assert.ok(spec.training.missing?.includes('dataset size'));
        assert.ok(spec.diagnostics.some((d) => d.code === 'missing-dataset-size'));
        if (entry.training_tokens_upper_bound != null) {
          const bound = (entry.training_tokens_upper_bound as number).toLocaleString('en-US');
          assert.ok(spec.training.formula!.includes(bound), spec.training.formula);
        }
      }
    });
  }
});

describe('LitGPT reader on its own fixtures', () => {
  it('counts pythia-160m from the model table and reads max_tokens', () => {
    const path = fixturePath('litgpt', 'pretrain', 'pythia-160m.yaml');
    const spec = readSpec(fixture('litgpt', 'pretrain', 'pythia-160m.yaml'), {
      path,
      readFile: diskReadFile,
    });
    // Pythia-160M official count (vocab 50254 padded to 50304, untied).
    assert.equal(countParams(spec.architecture!).total, 162_322_944);
    assert.equal(countParams(spec.architecture!).nonEmbedding, 85_056_000);
    assert.equal(spec.training.tokens, 20_000_000_000);
    assert.equal(spec.training.tokensPerStep, 256 * 2048);
    assert.equal(spec.training.gpus, 8);
    assert.equal(spec.training.finetune, undefined);
  });

  it('counts an inline LLaMAMoE model_config with tied embeddings', () => {
    const spec = readSpec(fixture('litgpt', 'pretrain', 'micro-moe.yaml'), {});
    const counts = countParams(spec.architecture!);
    assert.equal(spec.architecture!.tiedEmbeddings, true);
    assert.equal(counts.total, 14_297_344);
    assert.equal(counts.nonEmbedding, 13_248_768);
    assert.equal(counts.active, 4_860_160);
    // max_tokens is null, so max_steps sets the length: 5000 × 64 × 512.
    assert.equal(spec.training.tokens, 163_840_000);
    assert.equal(spec.training.durationUnit?.kind, 'steps');
  });

  it('maps a finetune checkpoint_dir to the HF-tied Gemma row and bounds D by max_steps', () => {
    const spec = readSpec(fixture('litgpt', 'finetune', 'gemma-2b_lora.yaml'), {});
    assert.equal(countParams(spec.architecture!).total, 2_506_172_416);
    assert.equal(spec.modelName, 'google/gemma-2b');
    assert.equal(spec.training.finetune, true);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.formula!.includes('8,192,000'));
    // LoRA r=8 on q and v: 18 × 8 × ((2048 + 2048) + (2048 + 256)).
    assert.ok(spec.assumptions.some((a) => a.includes('921,600 trainable')));
  });

  it('computes finetune tokens from epochs when the dataset size is supplied', () => {
    const text = fixture('litgpt', 'finetune', 'gemma-2b_lora.yaml');
    const spec = readSpec(text, { options: { datasetTokens: 1_000_000 } });
    // 2 epochs × 1M tokens, under the 8,192,000 max_steps bound.
    assert.equal(spec.training.tokens, 2_000_000);
  });

  it('finds table rows by LitGPT name and by HF org/name', () => {
    assert.equal(findLitModel('meta-llama/Meta-Llama-3-8B')?.name, 'Llama-3-8B');
    assert.equal(findLitModel('TinyLlama-1.1B-Chat-v1.0')?.name, 'tiny-llama-1.1b-chat');
    assert.equal(findLitModel('pythia-410m-deduped')?.hf_config.name, 'pythia-410m-deduped');
    assert.equal(findLitModel('no-such-model'), undefined);
  });
});

describe('LitGPT recognition', () => {
  it('does not claim other YAML files or JSON', () => {
    const samples = [
      'name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n',
      'model:\n  d_model: 2048\n  n_layers: 16\nmax_duration: 739_328\nglobal_train_batch_size: 2048\n',
      'model_name: foo\ntrainer:\n  num_train_steps: 10\n',
      '{"model_name": "pythia-14m", "train": {"global_batch_size": 8, "micro_batch_size": 2}}',
    ];
    for (const text of samples) assert.ok(litgptReader.detect(text, 'x.yaml') < 0.5, text.slice(0, 30));
    assert.equal(readRunConfig(samples[0], { path: 'ci.yaml' }).kind, 'not-a-run-config');
  });
});

describe('LitGPT source ranges', () => {
  it('maps inline n_layer to its key text and max_steps to the duration', () => {
    const text = fixture('litgpt', 'pretrain', 'micro-moe.yaml');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.archSources.nLayers!.keyRange), 'n_layer');
    assert.equal(textAt(text, spec.archSources.nLayers!.valueRange), '4');
    assert.equal(textAt(text, spec.trainingSources.duration!.keyRange), 'max_steps');
    assert.ok(textAt(text, spec.modelSectionRange!).startsWith('model_config:'));
  });

  it('points the duration of a pretrain at train.max_tokens, in tokens', () => {
    const text = fixture('litgpt', 'pretrain', 'pythia-160m.yaml');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.trainingSources.duration!.valueRange), '20000000000');
    assert.deepEqual(spec.training.durationUnit, { kind: 'tokens', tokensPerUnit: 1, suffix: '' });
    assert.equal(textAt(text, spec.archSources.modelName!.valueRange), 'pythia-160m');
  });
});

describe('LitGPT broken input', () => {
  it('returns diagnostics for every truncation without throwing', () => {
    const text = fixture('litgpt', 'pretrain', 'micro-moe.yaml');
    for (let cut = 1; cut < text.length; cut += 29) {
      const result = litgptReader.read(text.slice(0, cut), {});
      if (result.kind !== 'run-config') continue;
      if (result.spec.architecture) assert.ok(Number.isFinite(countParams(result.spec.architecture).total));
      if (result.spec.training.tokens !== undefined) assert.ok(Number.isFinite(result.spec.training.tokens));
    }
    const broken = litgptReader.read('model_name: pythia-14m\ntrain:\n  max_tokens: [1, 2\n', {});
    assert.ok(
      broken.kind === 'run-config' ? broken.spec.diagnostics.length > 0 : broken.kind === 'unreadable',
    );
  });

  it('flags a wrong value type in train', () => {
    const text =
      'model_name: pythia-14m\ntrain:\n  global_batch_size: 8\n  micro_batch_size: 2\n  max_tokens: lots\n';
    const result = litgptReader.read(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    const invalid = result.spec.diagnostics.find((d) => d.code === 'invalid-value')!;
    assert.equal(textAt(text, invalid.range!), 'lots');
  });
});
