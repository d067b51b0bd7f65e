import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseComposerDuration } from '../../src/core/config/frameworks/llm-foundry';
import { readRunConfig, recognize } from '../../src/core/config/registry';
import { countParams } from '../../src/core/model/params';
import type { ReadOptions, RunSpec } from '../../src/core/types';
import { HAS_SHARED, SHARED_SKIP, diskReadFile, fixture, fixturePath, loadManifest } from '../helpers';

function readSpec(path: string, options?: ReadOptions, text = readFileSync(path, 'utf8')): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  return (result as { spec: RunSpec }).spec;
}

const entries = HAS_SHARED ? loadManifest('configs-b').filter((e) => e.framework === 'llm-foundry') : [];

describe('llm-foundry manifest', { skip: SHARED_SKIP }, () => {
  for (const entry of entries) {
    it(`counts ${entry.file} exactly and derives its tokens`, () => {
      const spec = readSpec(entry.path);
      assert.equal(spec.framework, 'llm-foundry');
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.training_tokens_derivable_from_file)
        assert.equal(spec.training.tokens, entry.training_tokens);
      // Interpolated values resolve silently.
      assert.deepEqual(
        spec.diagnostics.filter((d) => d.severity === 'error' || d.code === 'interpolation-unresolved'),
        [],
      );
    });
  }

  it('resolves ${variables.max_seq_len} to its definition for the sequence length', () => {
    const entry = entries.find((e) => e.file.endsWith('mpt-125m.yaml'));
    if (!entry) return;
    const spec = readSpec(entry.path);
    assert.equal(spec.training.seqLen, 2048);
    const source = spec.trainingSources.seqLen!;
    assert.equal(source.key, 'max_seq_len');
    assert.equal(source.raw, '2048');
    assert.deepEqual(spec.training.durationUnit, {
      kind: 'steps',
      suffix: 'ba',
      quoted: false,
      tokensPerUnit: 256 * 2048,
    });
  });
});

describe('llm-foundry fixtures', () => {
  it('reads an mcli run file: parameters wrapper, ${max_seq_len}, ALiBi (no positions), no_bias, tok duration', () => {
    const spec = readSpec(fixturePath('llm-foundry', 'mcli-mpt-tiny-alibi.yaml'));
    const arch = spec.architecture!;
    assert.equal(arch.learnedPositions, 0);
    assert.equal(arch.qkvBias, false);
    assert.equal(arch.normBias, false);
    const counts = countParams(arch);
    assert.equal(counts.total, 14_468_352);
    assert.equal(counts.nonEmbedding, 1_574_144);
    assert.equal(spec.training.seqLen, 4096);
    assert.equal(spec.training.tokens, 1e9);
    assert.deepEqual(spec.training.durationUnit, {
      kind: 'tokens',
      tokensPerUnit: 1,
      suffix: 'tok',
      quoted: false,
    });
  });

  it('counts grouped-query attention, GLU MLPs and the learned position table; sp durations × seq', () => {
    const spec = readSpec(fixturePath('llm-foundry', 'mpt-gqa-glu.yaml'));
    const arch = spec.architecture!;
    assert.equal(arch.nKvHeads, 2);
    assert.equal(arch.gatedMlp, true);
    assert.equal(arch.learnedPositions, 256);
    const counts = countParams(arch);
    assert.equal(counts.total, 445_568);
    assert.equal(counts.nonEmbedding, 281_728);
    assert.equal(spec.training.tokens, 5000 * 256);
    assert.equal(spec.training.durationUnit?.kind, 'samples');
  });

  it('maps values to their keys and the model section', () => {
    const path = fixturePath('llm-foundry', 'mpt-gqa-glu.yaml');
    const lines = readFileSync(path, 'utf8').split('\n');
    const spec = readSpec(path);
    const layers = spec.archSources.nLayers!;
    assert.equal(lines[layers.keyRange.start.line].trim(), 'n_layers: 2');
    const duration = spec.trainingSources.duration!;
    assert.equal(lines[duration.keyRange.start.line], 'max_duration: 5000sp');
    assert.equal(lines[spec.modelSectionRange!.start.line], 'model:');
  });

  it('says the architecture is unknown for an HF model outside its table, and epochs need the dataset size', () => {
    const path = fixturePath('llm-foundry', 'hf-custom-epochs.yaml');
    const spec = readSpec(path);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'unknown-model' && d.range));
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['dataset size']);
    assert.equal(readSpec(path, { datasetTokens: 5e8 }).training.tokens, 5e8);
  });

  it('diagnoses an interpolation it cannot resolve instead of guessing', () => {
    const text = fixture('llm-foundry', 'mpt-gqa-glu.yaml').replace(
      'global_train_batch_size: 32',
      'global_train_batch_size: ${variables.global_batch}',
    );
    const spec = readSpec('mpt.yaml', undefined, text);
    const diagnostic = spec.diagnostics.find((d) => d.code === 'interpolation-unresolved');
    assert.ok(diagnostic?.range);
    assert.equal(
      diagnostic!.range!.start.line,
      text.split('\n').findIndex((l) => l.startsWith('global_train_batch_size')),
    );
    // samples × seq does not need the batch; a ba duration would.
    const batches = readSpec(
      'mpt.yaml',
      undefined,
      text.replace('max_duration: 5000sp', 'max_duration: 100ba'),
    );
    assert.equal(batches.training.tokens, undefined);
    assert.ok(batches.training.missing?.some((m) => m.includes('global_train_batch_size')));
  });

  it('parses Composer time strings, bare numbers being epochs', () => {
    assert.deepEqual(parseComposerDuration('4800ba'), { amount: 4800, unit: 'steps', suffix: 'ba' });
    assert.deepEqual(parseComposerDuration('1_000tok'), { amount: 1000, unit: 'tokens', suffix: 'tok' });
    assert.deepEqual(parseComposerDuration(2), { amount: 2, unit: 'epochs', suffix: '' });
    assert.equal(parseComposerDuration('10parsecs'), undefined);
  });

  it('does not recognize random YAML or an OLMo config', () => {
    assert.notEqual(recognize('model:\n  name: resnet50\nepochs: 3\n')?.id, 'llm-foundry');
    assert.notEqual(recognize(fixture('olmo', 'OLMo-tiny-tied.yaml'))?.id, 'llm-foundry');
  });

  it('reports truncated input as diagnostics without throwing', () => {
    const text = fixture('llm-foundry', 'mcli-mpt-tiny-alibi.yaml');
    for (const cut of [0.3, 0.55, 0.85]) {
      const result = readRunConfig(text.slice(0, Math.floor(text.length * cut)), {});
      if (result.kind === 'run-config') {
        const spec = result.spec;
        // Either the cut shows (a diagnostic or a missing fact) or what remains is a complete config.
        assert.ok(
          spec.diagnostics.length > 0 ||
            (spec.training.missing?.length ?? 0) > 0 ||
            Number.isFinite(spec.training.tokens),
        );
        if (spec.architecture) assert.ok(Number.isFinite(countParams(spec.architecture).total));
      }
    }
  });
});
