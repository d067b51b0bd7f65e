/** The one lookup/reject policy every reader follows (src/core/config/readerPolicy.ts). */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UnusableValues,
  asBool,
  asIntAtLeast,
  asPositiveInt,
  asTypedIntAtLeast,
  epochsOverDataset,
  headWidth,
  neverThrowing,
  typeWritten,
} from '../../src/core/config/readerPolicy';
import type { FrameworkReader } from '../../src/core/config/reader';
import type { RunSpec } from '../../src/core/types';

const where = {
  key: 'n_layers',
  raw: 'four',
  valueRange: { start: { line: 3, character: 10 }, end: { line: 3, character: 14 } },
};

test('a written value is absent, a value, or rejected with one diagnostic code per cause', () => {
  assert.deepEqual(typeWritten(null, asPositiveInt, 'a positive integer', where), { kind: 'absent' });
  assert.deepEqual(typeWritten('1_024', asPositiveInt, 'a positive integer', where), {
    kind: 'value',
    value: 1024,
  });
  const word = typeWritten('four', asPositiveInt, 'a positive integer', where);
  assert.equal(word.kind, 'rejected');
  if (word.kind === 'rejected') {
    assert.equal(word.diagnostic.code, 'invalid-value');
    assert.equal(word.diagnostic.message, '`n_layers` should be a positive integer, got `four`.');
    assert.deepEqual(word.diagnostic.range, where.valueRange);
  }
  const interpolation = typeWritten('${model.n_layers}', asPositiveInt, 'a positive integer', {
    ...where,
    raw: '${model.n_layers}',
  });
  assert.equal(
    interpolation.kind === 'rejected' && interpolation.diagnostic.code,
    'interpolation-unresolved',
  );
});

test('integers are exact: fractions, non-positive values and counts beyond 2^53 are refused', () => {
  assert.equal(asPositiveInt(1.5), undefined);
  assert.equal(asPositiveInt(0), undefined);
  assert.equal(asPositiveInt(2 ** 53), undefined);
  assert.equal(asPositiveInt('2e3'), 2000);
  assert.equal(asIntAtLeast(0, 0), 0);
  assert.equal(asIntAtLeast(-1, 0), undefined);
  // Typed formats keep their types: a quoted number is a string (transformers, torchtitan refuse it).
  assert.equal(asTypedIntAtLeast('32', 1), undefined);
  assert.equal(asTypedIntAtLeast(32, 1), 32);
  assert.equal(asBool('False'), false);
  assert.equal(asBool('no'), undefined);
});

test('head width: hidden / heads when whole, otherwise the message (never a rounded width)', () => {
  assert.deepEqual(headWidth(4096, 32, ['hidden_size', 'num_attention_heads']), { headDim: 128 });
  assert.deepEqual(headWidth(1000, 3, ['d_model', 'n_heads']), {
    message: 'd_model 1000 is not divisible by n_heads 3.',
  });
});

test('epochs × dataset size only with a positive finite dataset size and epoch count', () => {
  assert.deepEqual(epochsOverDataset(2, 1_000_000), {
    tokens: 2_000_000,
    formula: '2 epochs × 1,000,000 dataset tokens (from settings)',
  });
  assert.equal(epochsOverDataset(2, undefined), undefined);
  assert.equal(epochsOverDataset(2, 0), undefined);
  assert.equal(epochsOverDataset(-1, 1e9), undefined);
  assert.equal(epochsOverDataset(2, Infinity), undefined);
});

test('a rejected value makes its part of the spec unknown, with the diagnostic on the value', () => {
  const spec = {
    framework: 'olmo',
    architecture: { nLayers: 2 },
    training: { tokens: 100, formula: '1 × 100' },
    diagnostics: [],
  } as unknown as RunSpec;
  const unusable = new UnusableValues();
  unusable.phase = 'training';
  unusable.note({ key: 'max_duration', range: where.valueRange });
  const pushed: string[] = [];
  unusable.finish(spec, (d) => pushed.push(d.code));
  assert.ok(spec.architecture, 'only the training part was poisoned');
  assert.equal(spec.training.tokens, undefined);
  assert.equal(spec.training.formula, undefined);
  assert.deepEqual(spec.training.missing, ['a usable `max_duration`']);
  assert.deepEqual(pushed, ['tokens-unknown']);
});

test('neverThrowing turns a throwing detect into 0 and a throwing read into reader-failed', () => {
  const throwing: FrameworkReader<'olmo'> = {
    id: 'olmo',
    label: 'OLMo',
    detect: () => {
      throw new Error('detector bug');
    },
    read: () => {
      throw new Error('reader bug');
    },
  };
  const broken = neverThrowing(throwing);
  assert.equal(broken.detect('x', undefined), 0);
  const result = broken.read('x', {});
  assert.equal(result.kind, 'unreadable');
  if (result.kind === 'unreadable') {
    assert.equal(result.diagnostics[0]!.code, 'reader-failed');
    assert.equal(result.diagnostics[0]!.message, 'Scaling Lens could not read this OLMo config: reader bug');
  }
});
