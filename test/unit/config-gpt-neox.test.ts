import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readRunConfig, recognize } from '../../src/core/config/registry';
import { lookup, parseYaml } from '../../src/core/config/yamlSource';
import { countParams } from '../../src/core/model/params';
import type { ReadOptions, RunSpec } from '../../src/core/types';
import { HAS_SHARED, SHARED_SKIP, diskReadFile, fixture, fixturePath, loadManifest } from '../helpers';

/** Read a file through the registry (recognition included) and return its run spec. */
function readSpec(path: string, options?: ReadOptions, text = readFileSync(path, 'utf8')): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  return (result as { spec: RunSpec }).spec;
}

/** Micro batch × grad-accum and MP × PP of a NeoX file, read independently of the reader. */
function batchLayout(path: string): { perReplica: number; modelParallel: number } {
  const yaml = parseYaml(readFileSync(path, 'utf8'))!;
  const get = (key: string) => lookup<number>(yaml, [key], true)?.value;
  const micro = get('train_micro_batch_size_per_gpu')!;
  const gas = get('gradient_accumulation_steps') ?? get('gas') ?? 1;
  return {
    perReplica: micro * gas,
    modelParallel: (get('model_parallel_size') ?? 1) * Math.max(1, get('pipe_parallel_size') ?? 1),
  };
}

const entries = HAS_SHARED
  ? [...loadManifest('configs'), ...loadManifest('configs-b')].filter((e) => e.framework === 'gpt-neox')
  : [];

describe('GPT-NeoX manifests', { skip: SHARED_SKIP }, () => {
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const spec = readSpec(entry.path);
      assert.equal(spec.framework, 'gpt-neox');
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
    });

    it(`derives the training tokens of ${entry.file} as far as the file allows`, () => {
      const spec = readSpec(entry.path);
      if (entry.training_tokens_derivable_from_file === true) {
        assert.equal(spec.training.tokens, entry.training_tokens);
        return;
      }
      if (spec.training.gpus !== undefined) {
        // The GPU count is stated in a comment ("trained on 32 gpus"): the official D comes out.
        assert.equal(spec.training.tokens, entry.training_tokens);
        assert.ok(spec.assumptions.some((a) => a.includes('comment')));
        return;
      }
      assert.equal(spec.training.tokens, undefined);
      if (!spec.training.missing?.includes('GPU count')) {
        // A model-only file (training keys live in a companion config).
        assert.equal(entry.training_tokens, null);
        assert.ok(spec.training.missing?.some((m) => m.includes('train_iters')));
        return;
      }
      assert.ok(spec.diagnostics.some((d) => d.code === 'missing-gpus'));
      const globalBatch = entry.global_batch_size_seqs as number | null;
      if (globalBatch) {
        const layout = batchLayout(entry.path);
        const gpus = (globalBatch / layout.perReplica) * layout.modelParallel;
        const withGpus = readSpec(entry.path, { gpus });
        assert.equal(withGpus.training.tokens, entry.training_tokens);
        assert.match(withGpus.training.formula!, /from settings/);
      }
    });
  }

  it('does not treat a train-only NeoX config (no model keys) as a run config', () => {
    for (const entry of loadManifest('configs-b').filter(
      (e) => e.file.startsWith('gpt-neox/') && e.framework === null,
    )) {
      assert.equal(
        readRunConfig(readFileSync(entry.path, 'utf8'), { path: entry.path }).kind,
        'not-a-run-config',
      );
    }
  });
});

describe('GPT-NeoX fixtures', () => {
  it('reads GPT-NeoX-20B: N matches the published 20,554,567,680 and D uses the 96 GPUs of the comment', () => {
    const spec = readSpec(fixturePath('gpt-neox', 'neox-20b.yml'));
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 20_554_567_680);
    assert.equal(counts.nonEmbedding, 19_934_859_264);
    assert.equal(spec.architecture!.vocabSize, 50432); // 50277 padded to 128 × MP 2
    assert.equal(spec.training.gpus, 96);
    assert.equal(spec.training.globalBatchSeqs, 1536); // 4 micro × 32 gas × 96 / (MP 2 × PP 4)
    assert.equal(spec.training.tokens, 471_859_200_000);
    assert.equal(spec.trainingSources.gpus?.key, 'comment');
    assert.equal(spec.trainingSources.gpus?.keyRange.start.line, 0);
  });

  it('reads hyphenated keys, learned positions, tied embeddings and train_batch_size', () => {
    const path = fixturePath('gpt-neox', 'small-learned-pos.yml');
    const spec = readSpec(path);
    const arch = spec.architecture!;
    assert.equal(arch.learnedPositions, 1024);
    assert.equal(arch.tiedEmbeddings, true);
    assert.equal(arch.vocabSize, 50432); // GPT-2 BPE 50257 → multiple of 128 × 2
    const counts = countParams(arch);
    assert.equal(counts.total, 16_332_288);
    assert.equal(counts.nonEmbedding, 3_159_552);
    assert.equal(spec.training.tokens, 32_768_000);
    assert.deepEqual(spec.training.durationUnit, { kind: 'steps', suffix: '', tokensPerUnit: 32_768 });
  });

  it('maps every value to the range of the key that supplied it', () => {
    const path = fixturePath('gpt-neox', 'small-learned-pos.yml');
    const lines = readFileSync(path, 'utf8').split('\n');
    const spec = readSpec(path);
    const layers = spec.archSources.nLayers!;
    assert.equal(layers.key, 'num-layers');
    assert.equal(
      lines[layers.keyRange.start.line].slice(layers.keyRange.start.character, layers.keyRange.end.character),
      '"num-layers"',
    );
    assert.equal(layers.raw, '4');
    const duration = spec.trainingSources.duration!;
    assert.equal(duration.key, 'train-iters');
    assert.equal(
      lines[duration.valueRange.start.line].slice(
        duration.valueRange.start.character,
        duration.valueRange.end.character,
      ),
      '1000',
    );
    assert.ok(spec.usedKeys.some((k) => k.key === 'tokenizer-type'));
    assert.equal(spec.modelSectionRange?.start.line, layers.keyRange.start.line);
  });

  it('applies the 3× intermediate_size convention of gated NeoX MLPs and GQA', () => {
    const spec = readSpec(fixturePath('gpt-neox', 'llama-style-gqa.yml'));
    const arch = spec.architecture!;
    assert.equal(arch.ffnSize, 1536); // int(4096·2/3) // 2 = 1365 → multiple of 256
    assert.equal(arch.nKvHeads, 2);
    assert.equal(arch.vocabSize, 32000);
    const counts = countParams(arch);
    assert.equal(counts.total, 38_799_872);
    assert.equal(counts.nonEmbedding, 6_031_872);
  });

  it('leaves D undefined with "GPU count" missing, then uses the GPU setting', () => {
    const path = fixturePath('gpt-neox', 'llama-style-gqa.yml');
    const spec = readSpec(path);
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['GPU count']);
    const diagnostic = spec.diagnostics.find((d) => d.code === 'missing-gpus')!;
    assert.deepEqual(diagnostic.range, spec.trainingSources.duration!.keyRange);
    const withGpus = readSpec(path, { gpus: 8 });
    assert.equal(withGpus.training.tokens, 100 * (8 * 4 * 8) * 1024);
    assert.match(withGpus.training.formula!, /8 GPUs from settings/);
  });

  it('does not recognize a tokenizer/paths-only NeoX file, random YAML or an HF config.json', () => {
    assert.equal(recognize(fixture('gpt-neox', 'local_setup.yml'))?.id, undefined);
    assert.notEqual(recognize('num_layers: 3\nfoo: bar\n')?.id, 'gpt-neox');
    const hf = JSON.stringify({
      model_type: 'gpt_neox',
      architectures: ['GPTNeoXForCausalLM'],
      num_hidden_layers: 6,
      hidden_size: 512,
      num_attention_heads: 8,
    });
    assert.notEqual(recognize(hf)?.id, 'gpt-neox');
  });

  it('reports truncated input as diagnostics without throwing', () => {
    const text = fixture('gpt-neox', 'neox-20b.yml');
    for (const cut of [0.3, 0.5, 0.9]) {
      const truncated = text.slice(0, Math.floor(text.length * cut));
      const result = readRunConfig(truncated, { path: 'neox-20b.yml' });
      if (result.kind === 'run-config')
        assert.ok(result.spec.diagnostics.some((d) => d.code === 'yaml-syntax'));
    }
  });

  it('turns wrongly typed values into diagnostics, not NaN', () => {
    const text = fixture('gpt-neox', 'small-learned-pos.yml').replace(
      '"hidden-size": 256',
      '"hidden-size": "wide"',
    );
    const result = readRunConfig(text, {});
    assert.equal(result.kind, 'run-config');
    const spec = (result as { spec: RunSpec }).spec;
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'invalid-value'));
  });
});
