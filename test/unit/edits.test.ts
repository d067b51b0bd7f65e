import test from 'node:test';
import assert from 'node:assert/strict';
import {
  durationEditForTokens,
  exponentLiteral,
  integerLiteral,
  roundSignificant,
} from '../../src/core/edits';
import type { DurationUnit, FieldSource } from '../../src/core/types';

/** A duration source on line 3 whose value starts at column 14. */
function source(raw: string, key = 'max_duration'): FieldSource {
  const start = { line: 3, character: 14 };
  return {
    key,
    keyRange: { start: { line: 3, character: 0 }, end: { line: 3, character: key.length } },
    valueRange: { start, end: { line: 3, character: 14 + raw.length } },
    raw,
  };
}

function edit(raw: string, unit: DurationUnit, tokens: number) {
  const result = durationEditForTokens(source(raw), unit, tokens);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.value;
}

test('OLMo token durations keep the T suffix and the exponent form', () => {
  const e = edit('2e12T', { kind: 'tokens', tokensPerUnit: 1, suffix: 'T' }, 2_486_734_112);
  assert.equal(e.edit.newText, '2.49e9T');
  assert.equal(e.tokens, 2.49e9);
  assert.deepEqual(e.edit.range, source('2e12T').valueRange);
});

test('suffixed token counts switch to the exponent form even from a plain number', () => {
  assert.equal(
    edit('1000000000T', { kind: 'tokens', tokensPerUnit: 1, suffix: 'T' }, 2e12).edit.newText,
    '2e12T',
  );
});

test('bare token counts stay integers (YAML 1.1 reads 2e12 as a string)', () => {
  const e = edit('3000000000000', { kind: 'tokens', tokensPerUnit: 1, suffix: '' }, 2_486_734_112);
  assert.equal(e.edit.newText, '2490000000');
});

test('steps are rounded to whole optimizer steps of tokensPerUnit', () => {
  // nanoGPT: 12 × 1024 × 40 = 491,520 tokens per iteration.
  const e = edit('600000', { kind: 'steps', tokensPerUnit: 491_520, suffix: '' }, 2_486_734_112);
  assert.equal(e.edit.newText, '5059');
  assert.equal(e.unitValue, 5059);
  assert.equal(e.tokens, 5059 * 491_520);
});

test('underscore grouping of the original value is kept', () => {
  const e = edit('739_328', { kind: 'steps', tokensPerUnit: 4_194_304, suffix: '' }, 1e13);
  assert.equal(e.edit.newText, '2_384_186');
});

test('quoted values keep their quotes and suffix (llm-foundry "4800ba")', () => {
  const e = edit('"4800ba"', { kind: 'steps', tokensPerUnit: 2048 * 256, suffix: 'ba', quoted: true }, 1e9);
  assert.equal(e.edit.newText, '"1907ba"');
  assert.equal(
    edit("'4800ba'", { kind: 'steps', tokensPerUnit: 524_288, suffix: 'ba', quoted: true }, 1e9).edit.newText,
    "'1907ba'",
  );
});

test('samples divide by tokens per sample; epochs by tokens per epoch with two decimals', () => {
  assert.equal(
    edit('1000', { kind: 'samples', tokensPerUnit: 2048, suffix: 'sp' }, 1e9).edit.newText,
    '488281sp',
  );
  assert.equal(edit('1ep', { kind: 'epochs', tokensPerUnit: 4e8, suffix: 'ep' }, 1e9).edit.newText, '2.5ep');
});

test('no edit when the unit cannot be converted or the target is not positive', () => {
  assert.equal(durationEditForTokens(source('100'), { kind: 'steps', suffix: '' }, 1e9).ok, false);
  assert.equal(durationEditForTokens(source('1ep'), { kind: 'epochs', suffix: 'ep' }, 1e9).ok, false);
  assert.equal(durationEditForTokens(source('100'), { kind: 'tokens', suffix: '' }, Number.NaN).ok, false);
  assert.equal(durationEditForTokens(source('100'), { kind: 'tokens', suffix: '' }, 0).ok, false);
});

test('at least one step is written', () => {
  assert.equal(edit('100', { kind: 'steps', tokensPerUnit: 1e6, suffix: '' }, 10).edit.newText, '1');
});

test('number spelling helpers', () => {
  assert.equal(roundSignificant(2_486_734_112, 3), 2.49e9);
  assert.equal(exponentLiteral(2e12), '2e12');
  assert.equal(exponentLiteral(2.5e9), '2.5e9');
  assert.equal(exponentLiteral(123456, 6), '1.23456e5');
  assert.equal(integerLiteral(1234567, true), '1_234_567');
  assert.equal(integerLiteral(999, true), '999');
});

test('step counts are written as integers even when the original used an exponent', () => {
  assert.equal(
    edit('1e5', { kind: 'steps', tokensPerUnit: 491_520, suffix: '' }, 2_486_734_112).edit.newText,
    '5059',
  );
});
