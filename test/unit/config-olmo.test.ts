import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseOlmoDuration } from '../../src/core/config/frameworks/olmo';
import { readRunConfig, recognize } from '../../src/core/config/registry';
import { countParams } from '../../src/core/model/params';
import type { ReadOptions, RunSpec } from '../../src/core/types';
import { HAS_SHARED, SHARED_SKIP, diskReadFile, fixture, fixturePath, loadManifest } from '../helpers';

function readSpec(path: string, options?: ReadOptions, text = readFileSync(path, 'utf8')): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  return (result as { spec: RunSpec }).spec;
}

const entries = HAS_SHARED
  ? [...loadManifest('configs'), ...loadManifest('configs-b')].filter((e) => e.framework === 'olmo')
  : [];

describe('OLMo manifests', { skip: SHARED_SKIP }, () => {
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const spec = readSpec(entry.path);
      assert.equal(spec.framework, 'olmo');
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
    });

    it(`derives the training tokens of ${entry.file} as far as the file allows`, () => {
      const spec = readSpec(entry.path);
      // configs/ has no derivable flag: its OLMo entries give D exactly when the file fixes it.
      const derivable = entry.training_tokens_derivable_from_file ?? entry.training_tokens !== null;
      if (derivable) {
        assert.equal(spec.training.tokens, entry.training_tokens);
        return;
      }
      // Epoch durations: D needs the dataset size.
      assert.equal(spec.training.tokens, undefined);
      assert.deepEqual(spec.training.missing, ['dataset size']);
      assert.equal(spec.training.durationUnit?.kind, 'epochs');
      const diagnostic = spec.diagnostics.find((d) => d.code === 'missing-dataset-size');
      assert.deepEqual(diagnostic?.range, spec.trainingSources.duration!.keyRange);
      if (entry.training_tokens !== null) {
        // An upper bound set by stop_at: a huge dataset makes stop_at bind.
        const capped = readSpec(entry.path, { datasetTokens: 1e15 });
        assert.equal(capped.training.tokens, entry.training_tokens);
      }
    });
  }

  it('does not take scheduler.t_max (tokens) for the run length', () => {
    const entry = entries.find((e) => e.file.endsWith('OLMo-7B-0424.yaml'));
    if (!entry) return;
    const spec = readSpec(entry.path);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.assumptions.some((a) => a.includes('t_max')));
  });
});

describe('OLMo fixtures', () => {
  it('counts a tied OLMo-1-style model with non-affine LayerNorms and the padded embedding', () => {
    const spec = readSpec(fixturePath('olmo', 'OLMo-tiny-tied.yaml'));
    const arch = spec.architecture!;
    assert.equal(arch.vocabSize, 50304);
    assert.equal(arch.ffnSize, 512); // mlp_ratio 8 × 128 fused → 512 per branch
    assert.equal(arch.normWeight, false);
    const counts = countParams(arch);
    assert.equal(counts.total, 6_963_200);
    assert.equal(counts.nonEmbedding, 524_288);
    assert.equal(spec.training.tokens, 2e9);
    assert.deepEqual(spec.training.durationUnit, {
      kind: 'tokens',
      tokensPerUnit: 1,
      suffix: 'T',
      quoted: false,
    });
    assert.equal(spec.training.steps, Math.ceil(2e9 / (64 * 512)));
  });

  it('counts OLMo-2 QK norms and GQA, and lets stop_at cap a step duration', () => {
    const spec = readSpec(fixturePath('olmo', 'OLMo2-tiny-stop-at.yaml'));
    const arch = spec.architecture!;
    assert.equal(arch.qkNorm, 'full');
    assert.equal(arch.nKvHeads, 2);
    assert.equal(arch.ffnSize, 768);
    const counts = countParams(arch);
    assert.equal(counts.total, 2_788_032);
    assert.equal(counts.nonEmbedding, 2_263_744);
    assert.equal(spec.training.tokens, 500 * 32 * 1024);
    assert.equal(spec.training.steps, 500);
    assert.match(spec.training.formula!, /stop_at/);
  });

  it('maps values to their keys and the model section to the summary lens', () => {
    const path = fixturePath('olmo', 'OLMo2-tiny-stop-at.yaml');
    const lines = readFileSync(path, 'utf8').split('\n');
    const spec = readSpec(path);
    const duration = spec.trainingSources.duration!;
    assert.equal(duration.key, 'max_duration');
    assert.equal(lines[duration.keyRange.start.line].startsWith('max_duration'), true);
    assert.equal(duration.raw, '10_000');
    assert.equal(spec.archSources.ffnSize?.key, 'mlp_hidden_size');
    assert.equal(lines[spec.modelSectionRange!.start.line], 'model:');
    assert.equal(spec.training.durationUnit?.kind, 'steps');
    assert.equal(spec.training.durationUnit?.tokensPerUnit, 32 * 1024);
  });

  it('uses the dataset-size setting for epoch durations', () => {
    const text = fixture('olmo', 'OLMo-tiny-tied.yaml').replace(
      'max_duration: 2e9T  # 2B tokens',
      'max_duration: 2ep',
    );
    const spec = readSpec('x.yaml', undefined, text);
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['dataset size']);
    const withData = readSpec('x.yaml', { datasetTokens: 1e9 }, text);
    assert.equal(withData.training.tokens, 2e9);
  });

  it('parses max_duration units', () => {
    assert.deepEqual(parseOlmoDuration(739_328), { amount: 739_328, unit: 'steps', suffix: '' });
    assert.deepEqual(parseOlmoDuration('2e12T'), { amount: 2e12, unit: 'tokens', suffix: 'T' });
    assert.deepEqual(parseOlmoDuration('1ep'), { amount: 1, unit: 'epochs', suffix: 'ep' });
    assert.equal(parseOlmoDuration('3 fortnights'), undefined);
  });

  it('flags an unknown duration unit and an unresolvable interpolation in a number', () => {
    const text = fixture('olmo', 'OLMo-tiny-tied.yaml')
      .replace('max_duration: 2e9T  # 2B tokens', 'max_duration: 5fortnights')
      .replace('global_train_batch_size: 64', 'global_train_batch_size: ${oc.env:GLOBAL_BATCH}');
    const spec = readSpec('x.yaml', undefined, text);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'unknown-unit'));
    const interpolation = spec.diagnostics.find((d) => d.code === 'interpolation-unresolved');
    assert.ok(interpolation?.range);
  });

  it('does not recognize random YAML or an llm-foundry MPT config', () => {
    assert.notEqual(recognize('model:\n  d_model: 4\n  n_layers: 2\n')?.id, 'olmo');
    assert.notEqual(recognize(fixture('llm-foundry', 'mpt-gqa-glu.yaml'))?.id, 'olmo');
    assert.equal(recognize('name: test\nitems: [1, 2, 3]\n'), undefined);
  });

  it('reports truncated input as diagnostics without throwing', () => {
    const text = fixture('olmo', 'OLMo2-tiny-stop-at.yaml');
    for (const cut of [0.2, 0.5, 0.8]) {
      const result = readRunConfig(text.slice(0, Math.floor(text.length * cut)), {});
      if (result.kind === 'run-config') {
        const spec = result.spec;
        assert.ok(
          spec.diagnostics.length > 0 ||
            (spec.training.missing?.length ?? 0) > 0 ||
            spec.assumptions.length > 0,
        );
        if (spec.architecture) assert.ok(Number.isFinite(countParams(spec.architecture).total));
      }
    }
  });
});
