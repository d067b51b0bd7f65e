import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  crc32c,
  maskedCrc32c,
  parseTensorBoardEvents,
  tensorBoardLossPoints,
} from '../../src/core/logs/tensorboard';

const DIR = path.join(__dirname, '..', 'fixtures', 'logs', 'tensorboard');
const bytes = new Uint8Array(readFileSync(path.join(DIR, 'catboost-learn.tfevents')));
const tsv = readFileSync(path.join(DIR, 'catboost-learn_error.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t').map(Number));

test('crc32c: the standard check value of "123456789" is 0xe3069283 (RFC 3720 B.4)', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
});

test('tensorboard: the real CatBoost event file decodes to 1000 Logloss scalars equal (float32) to its learn_error.tsv', () => {
  const parsed = parseTensorBoardEvents(bytes);
  assert.deepEqual(parsed.errors, []);
  assert.equal(parsed.consumed, bytes.length);
  assert.equal(parsed.scalars.length, 1000);
  assert.equal(tsv.length, 1000);
  parsed.scalars.forEach((s, i) => {
    assert.equal(s.tag, 'Logloss');
    assert.equal(s.step, tsv[i][0]);
    assert.equal(s.value, Math.fround(tsv[i][1]), `step ${s.step}`);
    assert.ok(s.wallTime! > 1.5e9);
  });
  // CatBoost's metric is no LLM framework's loss tag: an error naming the tags, never a guess.
  const { points, error } = tensorBoardLossPoints(parsed);
  assert.equal(points.length, 0);
  assert.match(error!, /no known loss scalar.*tags found 'Logloss'.*'lm loss' \(Megatron-LM\)/);
});

test('tensorboard: a file cut mid-record (being written) gives the complete records and resumes exactly', () => {
  const full = parseTensorBoardEvents(bytes);
  for (const cut of [bytes.length - 1, bytes.length - 30, 5000, 13]) {
    const part = parseTensorBoardEvents(bytes.subarray(0, cut));
    assert.deepEqual(part.errors, []);
    assert.ok(part.consumed <= cut);
    assert.deepEqual(part.scalars, full.scalars.slice(0, part.scalars.length));
    const rest = parseTensorBoardEvents(bytes, part.consumed);
    assert.deepEqual([...part.scalars, ...rest.scalars], full.scalars);
  }
});

test('tensorboard: a flipped byte fails the CRC and is reported, never read as a value', () => {
  const corrupt = bytes.slice();
  corrupt[5000] ^= 0x40;
  const parsed = parseTensorBoardEvents(corrupt);
  assert.equal(parsed.errors.length, 1);
  assert.match(parsed.errors[0], /CRC does not match/);
  const good = parseTensorBoardEvents(bytes).scalars;
  assert.deepEqual(parsed.scalars, good.slice(0, parsed.scalars.length));
  assert.ok(parsed.scalars.length < good.length);
  // Text is not an event file.
  const text = parseTensorBoardEvents(new TextEncoder().encode(' iteration 10/ 100 | lm loss: 2.5 |\n'));
  assert.equal(text.scalars.length, 0);
  assert.match(text.errors[0], /not an event file/);
  assert.equal(maskedCrc32c(new Uint8Array(0)), (((0 >>> 15) | (0 << 17)) + 0xa282ead8) >>> 0);
});
