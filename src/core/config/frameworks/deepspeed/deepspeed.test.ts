import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readRunConfig, recognize } from '../../registry';
import type { RunSpec } from '../../../types';
import { deepspeedReader } from './reader';
import { HAS_SHARED, SHARED_SKIP, fixture, fixturePath, loadManifest } from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';

const MISSING = 'model architecture (a DeepSpeed config holds only batch/ZeRO/precision settings)';

function readSpec(text: string): RunSpec {
  const result = readRunConfig(text, {});
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
}

describe('DeepSpeed manifest', { skip: SHARED_SKIP }, () => {
  const entries = HAS_SHARED ? loadManifest('configs-b').filter((e) => e.framework === 'deepspeed') : [];
  for (const entry of entries) {
    it(`recognizes ${entry.file} with no N, no D and no error`, () => {
      const spec = readSpec(readFileSync(entry.path, 'utf8'));
      assert.equal(spec.framework, 'deepspeed');
      assert.equal(spec.architecture, undefined);
      assert.equal(spec.training.tokens, undefined);
      assert.deepEqual(spec.training.missing, [MISSING]);
      assert.deepEqual(
        spec.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
    });
  }

  it('leaves HF config.json and GPT-NeoX files to their readers', () => {
    for (const entry of [...loadManifest('configs'), ...loadManifest('configs-b')]) {
      if (entry.framework === 'deepspeed') continue;
      assert.notEqual(recognize(readFileSync(entry.path, 'utf8'), entry.path)?.id, 'deepspeed', entry.file);
    }
  });
});

describe('DeepSpeed fixtures', () => {
  it('reads a ZeRO-2 config: the global batch is known, the model is not', () => {
    const spec = readSpec(fixture('deepspeed', 'ds_config_zero2.json'));
    assert.equal(spec.framework, 'deepspeed');
    assert.equal(spec.architecture, undefined);
    assert.equal(spec.training.globalBatchSeqs, 256);
    assert.deepEqual(spec.training.missing, [MISSING]);
    assert.equal(spec.trainingSources.globalBatch?.keyRange.start.line, 1);
    assert.deepEqual(spec.diagnostics, []);
  });

  it('accepts Hugging Face Trainer "auto" values', () => {
    const spec = readSpec(fixture('deepspeed', 'ds_config_hf_auto.json'));
    assert.equal(spec.training.globalBatchSeqs, undefined);
    assert.ok(spec.assumptions.some((a) => a.includes('auto')));
  });

  it('accepts an unquoted-placeholder template (valid only as YAML flow)', () => {
    const spec = readSpec(
      '{\n  "train_batch_size": GBSIZE,\n  "train_micro_batch_size_per_gpu": MBSIZE,\n  "zero_optimization": { "stage": ZERO_STAGE }\n}\n',
    );
    assert.deepEqual(spec.diagnostics, []);
    assert.equal(spec.training.tokens, undefined);
  });

  it('does not claim files that only share some DeepSpeed keys', () => {
    const neoxLike = fixture('gpt-neox', 'llama-style-gqa.yml');
    assert.notEqual(recognize(neoxLike)?.id, 'deepspeed');
    const trainOnly =
      '{\n  "train_micro_batch_size_per_gpu": 4,\n  "train_iters": 1000,\n  "lr_decay_style": "cosine",\n  "data_impl": "mmap",\n  "zero_optimization": {"stage": 1}\n}\n';
    assert.equal(recognize(trainOnly), undefined);
    const hf = JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 64 });
    assert.notEqual(recognize(hf)?.id, 'deepspeed');
    assert.equal(recognize('{"name": "x", "version": 1}'), undefined);
  });

  it('reports truncated input without throwing', () => {
    const text = fixture('deepspeed', 'ds_config_zero2.json');
    const result = readRunConfig(text.slice(0, Math.floor(text.length / 2)), {});
    if (result.kind === 'run-config')
      assert.ok(result.spec.diagnostics.some((d) => d.code === 'yaml-syntax'));
  });
});

describe('DeepSpeed key inventory', () => {
  const configs = (): InventoryConfig[] => [
    ...['ds_config_zero2.json', 'ds_config_hf_auto.json'].map((name) => ({
      path: fixturePath('deepspeed', name),
      text: fixture('deepspeed', name),
    })),
    ...(HAS_SHARED
      ? loadManifest('configs-b')
          .filter((e) => e.framework === 'deepspeed')
          .map((e) => ({ path: e.path, text: readFileSync(e.path, 'utf8') }))
      : []),
  ];

  /** Nest `a.b.c = value` as the first key of the top-level object. */
  const inject = (text: string, key: string, value: unknown): string => {
    const nested = key
      .split('.')
      .reverse()
      .reduce((inner, part) => `{"${part}": ${inner}}`, JSON.stringify(value));
    return text.replace('{', `${nested.slice(0, -1)}, `);
  };

  it('lists every key the reader reads', () => {
    assert.deepEqual(unlistedUsedKeys(deepspeedReader, configs()), []);
  });

  it('names every not-modelled key written with a non-default value', () => {
    assert.deepEqual(
      notModelledKeyFailures(deepspeedReader, configs(), (text, entry, value) =>
        inject(text, entry.key, value),
      ),
      [],
    );
  });
});
