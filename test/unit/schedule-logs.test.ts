import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTrainingLog } from '../../src/core/logs';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'logs', name), 'utf8');

test('Megatron-LM stdout (real lines, SOURCES.md): step, lm loss, LR, consumed samples, batch, ms/iter', () => {
  const r = parseTrainingLog(fixture('megatron-lm.log'));
  assert.equal(r.format, 'megatron');
  assert.deepEqual(
    r.points.map((p) => p.step),
    [26, 27, 177, 178],
  );
  assert.deepEqual(r.points[0], {
    step: 26,
    loss: 10.29183,
    split: 'train',
    lr: 1.395349e-6,
    samples: 1664,
    tokens: undefined,
    globalBatch: 64,
    iterationMs: 436.9,
    line: 1,
  });
  assert.equal(r.points[3].loss, 7.707379);
});

test('Megatron-DeepSpeed stdout (BigScience, real line): consumed tokens and seconds per iteration', () => {
  const [p] = parseTrainingLog(fixture('megatron-deepspeed.log')).points;
  assert.equal(p.step, 2);
  assert.equal(p.tokens, 8388608);
  assert.equal(p.loss, 63.84045);
  assert.equal(p.lr, 3.787e-6);
  assert.ok(Math.abs(p.iterationMs! - 769990) < 1e-6);
});

test('HF Trainer console dicts (real lines): loss, learning_rate, tokens seen; steps from loggingSteps', () => {
  const r = parseTrainingLog(fixture('hf-trainer.log'), { loggingSteps: 10 });
  assert.equal(r.format, 'hf-trainer');
  assert.deepEqual(
    r.points.map((p) => [p.step, p.loss, p.lr, p.tokens]),
    [
      [10, 2.5523, 4.999982664510298e-5, 15904],
      [20, 1.7787, 4.9999306582816073e-5, 31728],
    ],
  );
  assert.ok(parseTrainingLog(fixture('hf-trainer.log')).notes.some((n) => n.includes('no step')));
});

test('nanoGPT train.py line (real): iter 5000, loss 0.8205, 9107.82 ms', () => {
  const r = parseTrainingLog(fixture('nanogpt.log'));
  assert.equal(r.format, 'nanogpt');
  assert.deepEqual(
    r.points.map((p) => [p.step, p.loss, p.iterationMs]),
    [[5000, 0.8205, 9107.82]],
  );
});

test('a half-written last line is never a point; it is read once complete', () => {
  const full = fixture('megatron-lm.log');
  const cut = full.lastIndexOf('lm loss: 7.707379') + 'lm loss: 7.7'.length; // mid-number of the last line
  const partial = parseTrainingLog(full.slice(0, cut));
  assert.deepEqual(
    partial.points.map((p) => p.step),
    [26, 27, 177],
  );
  const rest = parseTrainingLog(full, { offset: partial.consumed, format: partial.format, firstLine: 4 });
  assert.deepEqual(
    rest.points.map((p) => [p.step, p.loss, p.line]),
    [[178, 7.707379, 4]],
  );
});

test('unknown text and garbage give no points and a note, never a throw', () => {
  assert.deepEqual(parseTrainingLog('hello\nworld\n').points, []);
  assert.ok(parseTrainingLog('hello\n').notes[0].includes('no known'));
  assert.deepEqual(parseTrainingLog('iteration 5/ 10 | lm loss: nan |\n').points, []);
  assert.deepEqual(parseTrainingLog('').points, []);
});
