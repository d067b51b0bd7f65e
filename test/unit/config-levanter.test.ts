import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readRunConfig, recognize } from '../../src/core/config/registry';
import { countParams } from '../../src/core/model/params';
import type { RunSpec } from '../../src/core/types';
import { HAS_SHARED, SHARED_SKIP, diskReadFile, fixture, fixturePath, loadManifest } from '../helpers';

function readSpec(path: string, text = readFileSync(path, 'utf8'), readFile = diskReadFile): RunSpec {
  const result = readRunConfig(text, { path, readFile });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  return (result as { spec: RunSpec }).spec;
}

const levanterEntries = HAS_SHARED
  ? loadManifest('configs-b').filter((e) => e.file.startsWith('levanter/'))
  : [];

describe('Levanter manifest', { skip: SHARED_SKIP }, () => {
  for (const entry of levanterEntries.filter((e) => e.framework === 'levanter')) {
    it(`counts ${entry.file} exactly and derives its tokens`, () => {
      const spec = readSpec(entry.path);
      assert.equal(spec.framework, 'levanter');
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active) assert.equal(counts.active, entry.params_active);
      // Levanter's defaults are documented, so D also comes out where it relies on them.
      assert.equal(spec.training.tokens, entry.training_tokens);
      if (!entry.training_tokens_derivable_from_file)
        assert.ok(spec.assumptions.some((a) => /default/.test(a)));
    });
  }

  for (const entry of levanterEntries.filter((e) => e.framework === null)) {
    it(`does not treat the included data config ${entry.file} as a run config`, () => {
      assert.equal(
        readRunConfig(readFileSync(entry.path, 'utf8'), { path: entry.path }).kind,
        'not-a-run-config',
      );
    });
  }

  it('takes the vocab from the !include-d data config and points at that file', () => {
    const entry = levanterEntries.find((e) => e.file.endsWith('gpt2_small.yaml'));
    if (!entry) return;
    const spec = readSpec(entry.path);
    assert.equal(spec.architecture!.vocabSize, 50257);
    assert.match(spec.archSources.vocabSize!.file!, /data\/openwebtext_source\.yaml$/);
  });
});

describe('Levanter fixtures', () => {
  it('follows `data: !include` relative to the config and counts a tied GQA llama', () => {
    const path = fixturePath('levanter', 'llama_tiny_include.yaml');
    const spec = readSpec(path);
    const arch = spec.architecture!;
    assert.equal(arch.vocabSize, 128256);
    assert.equal(arch.tiedEmbeddings, true);
    assert.equal(arch.nKvHeads, 2);
    const counts = countParams(arch);
    assert.equal(counts.total, 34_407_680);
    assert.equal(counts.nonEmbedding, 1_574_144);
    assert.equal(spec.training.tokens, 1000 * 32 * 512);
    const vocabSource = spec.archSources.vocabSize!;
    assert.equal(vocabSource.file, fixturePath('levanter', 'data', 'tiny_data.yaml'));
    assert.equal(vocabSource.keyRange.start.line, 5); // `tokenizer:` in the included file
  });

  it('fills every dimension from the type defaults and sums a batch-size schedule', () => {
    const spec = readSpec(fixturePath('levanter', 'mistral_defaults_schedule.yaml'));
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 7_241_732_096); // Mistral-7B
    assert.equal(spec.training.seqLen, 8192);
    assert.equal(spec.training.tokens, (100 * 16 + 200 * 32) * 8192);
    assert.equal(spec.trainingSources.duration?.key, 'num_train_steps');
  });

  it('maps model values to their keys and the model section', () => {
    const path = fixturePath('levanter', 'llama_tiny_include.yaml');
    const lines = readFileSync(path, 'utf8').split('\n');
    const spec = readSpec(path);
    assert.equal(lines[spec.archSources.ffnSize!.keyRange.start.line].trim(), 'intermediate_dim: 768');
    assert.equal(lines[spec.modelSectionRange!.start.line].startsWith('model:'), true);
    assert.equal(lines[spec.trainingSources.globalBatch!.keyRange.start.line].trim(), 'train_batch_size: 32');
  });

  it('warns when the included data config cannot be read, without inventing a vocab', () => {
    const path = fixturePath('levanter', 'llama_tiny_include.yaml');
    const spec = readSpec(path, fixture('levanter', 'llama_tiny_include.yaml'), () => undefined);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'include-unreadable' && d.range));
    assert.equal(spec.training.tokens, 1000 * 32 * 512);
  });

  it('flags an unknown model type and an unknown tokenizer', () => {
    const text = fixture('levanter', 'llama_tiny_include.yaml');
    const unknownType = readSpec('x.yaml', text.replace('type: llama', 'type: hyena'));
    assert.ok(unknownType.diagnostics.some((d) => d.code === 'unknown-model'));
    const unknownTokenizer = readSpec(
      'x.yaml',
      fixture('levanter', 'mistral_defaults_schedule.yaml').replace(
        'mistralai/Mistral-7B-v0.1',
        'my-org/tokenizer',
      ),
    );
    assert.equal(unknownTokenizer.architecture, undefined);
    assert.ok(unknownTokenizer.diagnostics.some((d) => d.code === 'unknown-tokenizer'));
  });

  it('does not recognize random YAML or a bare data config', () => {
    assert.equal(recognize('model: small\ntrainer: me\n'), undefined);
    assert.equal(recognize(fixture('levanter', 'data', 'tiny_data.yaml')), undefined);
  });

  it('reports truncated input as diagnostics without throwing', () => {
    const text = fixture('levanter', 'mistral_defaults_schedule.yaml');
    for (const cut of [0.5, 0.7, 0.9]) {
      const result = readRunConfig(text.slice(0, Math.floor(text.length * cut)), {});
      if (result.kind === 'run-config' && result.spec.training.tokens !== undefined) {
        assert.ok(Number.isFinite(result.spec.training.tokens));
      }
    }
  });
});
