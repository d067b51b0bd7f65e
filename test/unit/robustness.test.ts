/**
 * Hostile and half-typed input through the whole analysis path: never a throw, never NaN, a
 * diagnostic instead, within a generous time bound (the bound catches hangs, not slowness).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../src/core/analyze';
import { readRunConfig } from '../../src/core/config/registry';

const HANG_BOUND_MS = 10_000;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

function assertNoNonFinite(value: unknown, path = 'analysis'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} is ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertNoNonFinite(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== 'spec') assertNoNonFinite(v, `${path}.${k}`);
  }
}

const OLMO_LIKE = `run_name: tiny
model:
  d_model: 256
  n_heads: 4
  n_layers: 4
  mlp_ratio: 8
  weight_tying: false
  vocab_size: 50280
  embedding_size: 50304
  max_sequence_length: 1024
global_train_batch_size: 64
max_duration: 1000
`;

test('a YAML alias bomb ("billion laughs") is bounded', () => {
  const bomb = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    'model: {n_layers: *g, d_model: *g}',
    'max_duration: *g',
    'global_train_batch_size: *g',
  ].join('\n');
  const { value, ms } = timed(() => analyzeText(bomb, { path: 'bomb.yaml' }));
  assert.ok(ms < HANG_BOUND_MS);
  if (value.analysis) assertNoNonFinite(value.analysis);
});

test('a 10 MB config is analyzed or refused with a diagnostic, in bounded time', () => {
  const padding = Array.from(
    { length: 230_000 },
    (_, i) => `  - path/to/shard-${i}.npy # ${'x'.repeat(20)}`,
  ).join('\n');
  const big = `${OLMO_LIKE}data:\n  paths:\n${padding}\n`;
  assert.ok(big.length > 10 * 1024 * 1024);
  const { value, ms } = timed(() => analyzeText(big, { path: 'big.yaml' }));
  assert.ok(ms < HANG_BOUND_MS, `${ms} ms`);
  assert.ok(value.recognized);
  assert.ok(
    value.diagnostics.some((d) => d.code === 'file-too-large'),
    'says the file is too large',
  );
});

test('binary content with a .yaml name is not a run config', () => {
  const binary = '\u0000\u0001\u0002PNG\u0000'.repeat(1000);
  assert.deepEqual(readRunConfig(binary, { path: 'weights.yaml' }), { kind: 'not-a-run-config' });
});

test('100k-deep nesting does not overflow the stack', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const { ms } = timed(() => analyzeText(`model: ${deep}\n`, { path: 'deep.yaml' }));
  assert.ok(ms < HANG_BOUND_MS);
  const deepJson = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
  assert.doesNotThrow(() => analyzeText(deepJson, { path: 'config.json' }));
});

test('every truncation of a run config is analyzed without a throw or a non-finite number', () => {
  for (let cut = 0; cut <= OLMO_LIKE.length; cut += 3) {
    const result = analyzeText(OLMO_LIKE.slice(0, cut), { path: 'olmo.yaml' });
    if (result.analysis) assertNoNonFinite(result.analysis);
  }
});

test('CRLF line endings and a BOM read the same as LF', () => {
  const lf = analyzeText(OLMO_LIKE, { path: 'olmo.yaml' });
  const crlf = analyzeText('\ufeff' + OLMO_LIKE.replace(/\n/g, '\r\n'), { path: 'olmo.yaml' });
  assert.equal(crlf.analysis?.params?.total, lf.analysis?.params?.total);
  assert.equal(crlf.analysis?.tokens, lf.analysis?.tokens);
});

test('wrong types and unresolvable interpolation give diagnostics, not numbers', () => {
  const wrong = OLMO_LIKE.replace('n_layers: 4', 'n_layers: four').replace(
    'max_duration: 1000',
    'max_duration: ${oc.env:STEPS}',
  );
  const result = analyzeText(wrong, { path: 'olmo.yaml' });
  assert.ok(result.diagnostics.length > 0);
  if (result.analysis) {
    assertNoNonFinite(result.analysis);
    assert.equal(result.analysis.tokens, null);
  }
});

test('regression (fuzz seed 5): an absurd sequence length never yields Infinity attention FLOPs', () => {
  const text = [
    'n_layer = 12',
    'n_head = 12',
    'n_embd = 768',
    'block_size = 1806118329',
    'batch_size = 12',
    'gradient_accumulation_steps = 40',
    'max_iters = 600000',
  ].join('\n');
  const result = analyzeText(text, { path: 'train_gpt2.py' });
  const analysis = result.analysis!;
  assert.ok(analysis, 'still a run config');
  for (const value of [analysis.flops, analysis.flopsWithAttention, analysis.tokens])
    assert.ok(value === null || Number.isFinite(value), String(value));
  // Refused where it is read, with a diagnostic, rather than masked where it is shown.
  assert.ok(
    result.diagnostics.some((d) => d.code === 'implausible-value' && /sequence length/.test(d.message)),
  );
  assert.equal(analysis.flopsWithAttention, null);
});
