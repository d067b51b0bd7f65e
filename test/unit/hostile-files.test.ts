/**
 * Hostile files: alias bombs, 100k-deep nesting, 50 MB inputs, binary content and broken encodings
 * under config and run-log names. Each gives a clear diagnostic or a clean not-a-run-config, in
 * bounded time and bounded memory, never a throw or a NaN.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../src/core/analyze';
import { readRunConfig } from '../../src/core/config/registry';
import { MAX_ANALYZED_CHARS } from '../../src/core/config/text';
import { fitScalingLaw, readRunsFromText } from '../../src/core/fit/index';
import { badMessageText, checkRobust, findNonFinite } from './fuzz-support';

/** Bound for one hostile input: generous (busy CI), it catches hangs and exponential blow-ups. */
const HOSTILE_BOUND_MS = 5_000;
/** The 50 MB run log is parsed for real (the run-log limit is 256 MB), so it gets more time. */
const BIG_LOG_BOUND_MS = 90_000;
const MEMORY_BOUND_BYTES = 1024 * 1024 * 1024;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

/** Analyze and check: bounded time, no NaN, messages clean; returns the result. */
function analyzeHostile(text: string, path: string, bound = HOSTILE_BOUND_MS) {
  const { value, ms } = timed(() => analyzeText(text, { path }));
  assert.ok(ms < bound, `${path}: ${ms.toFixed(0)} ms`);
  assert.equal(findNonFinite(value), undefined, path);
  for (const d of value.diagnostics) assert.equal(badMessageText(d.message), undefined, d.message);
  return value;
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

/** Nine-way alias fan-out over `levels` levels: 9^levels nodes if expanded. */
function listBomb(levels: number): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(',')}]`,
    );
  return lines.join('\n');
}

function mapBomb(levels: number): string {
  const lines = ['m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}'];
  for (let i = 1; i <= levels; i++) {
    lines.push(
      `m${i}: &m${i} {${'abcdefghi'
        .split('')
        .map((k) => `${k}: *m${i - 1}`)
        .join(', ')}}`,
    );
  }
  return lines.join('\n');
}

function mergeBomb(levels: number): string {
  const lines = ['k0: &k0 {x: 1, y: 2}'];
  for (let i = 1; i <= levels; i++) {
    lines.push(
      `k${i}: &k${i}`,
      `  <<: [${Array(9)
        .fill(`*k${i - 1}`)
        .join(', ')}]`,
      `  own${i}: ${i}`,
    );
  }
  return lines.join('\n');
}

test('YAML alias bombs (lists, maps, merge keys, aliases into model keys) are bounded', () => {
  const variants: [string, string][] = [
    ['list bomb beside a config', `${OLMO_LIKE}${listBomb(8)}\n`],
    ['map bomb beside a config', `${OLMO_LIKE}${mapBomb(8)}\n`],
    ['merge-key bomb beside a config', `${OLMO_LIKE}${mergeBomb(8)}\n`],
    [
      'bomb aliased into model keys',
      `${listBomb(8)}\nmodel: {d_model: *l8, n_heads: *l8, n_layers: *l8}\nglobal_train_batch_size: *l8\nmax_duration: *l8\n`,
    ],
    [
      'merge bomb merged into the model section',
      `${mergeBomb(8)}\nmodel:\n  <<: *k8\n  d_model: 256\n  n_heads: 4\n  n_layers: 4\nglobal_train_batch_size: 64\nmax_duration: 1000\n`,
    ],
  ];
  for (const [label, text] of variants) {
    const result = analyzeHostile(text, 'bomb.yaml');
    // Either read (the bomb is never expanded: the model keys are plain) or refused with a reason.
    if (result.analysis?.params) assert.equal(result.analysis.params.total > 0, true, label);
  }
  // A recognized config whose architecture keys are aliases of a bomb: N unknown, with a diagnostic.
  const aliased = analyzeHostile(
    `${listBomb(8)}\n${OLMO_LIKE.replace('n_layers: 4', 'n_layers: *l8').replace('max_duration: 1000', 'max_duration: *l8')}`,
    'olmo.yaml',
  );
  assert.equal(aliased.framework, 'olmo');
  assert.equal(aliased.analysis?.params, null);
  assert.equal(aliased.analysis?.tokens, null);
  assert.ok(aliased.diagnostics.some((d) => d.code === 'missing-architecture'));
  // A merge-key bomb merged into the model section adds no model keys: the count is the plain one.
  const merged = analyzeHostile(
    OLMO_LIKE.replace('  d_model: 256', '  <<: *k8\n  d_model: 256') + mergeBomb(8) + '\n',
    'olmo.yaml',
  );
  assert.equal(
    merged.analysis?.params?.total,
    analyzeHostile(OLMO_LIKE, 'olmo.yaml').analysis?.params?.total,
  );
  // The plain config beside a bomb still counts exactly as without it.
  const plain = analyzeHostile(OLMO_LIKE, 'olmo.yaml').analysis?.params?.total;
  const beside = analyzeHostile(`${OLMO_LIKE}${listBomb(8)}\n`, 'olmo.yaml').analysis?.params?.total;
  assert.equal(beside, plain);
});

test('100k-deep nesting in YAML, JSON, TOML, Python and shell does not overflow the stack', () => {
  const depth = 100_000;
  const cases: [string, string][] = [
    ['deep.yaml', `${OLMO_LIKE}data: ${'['.repeat(depth)}${']'.repeat(depth)}\n`],
    ['deep.yaml', `${OLMO_LIKE}data: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`],
    [
      'config.json',
      `{"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "x": ${'['.repeat(depth)}${']'.repeat(depth)}}`,
    ],
    ['config.json', `{"model_type": "llama", "x": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`],
    [
      'deep.toml',
      `[model]\nname = "llama3"\nflavor = "8B"\n[training]\nsteps = 10\nx = ${'['.repeat(depth)}${']'.repeat(depth)}\n`,
    ],
    [
      'deep.toml',
      `[model]\nname = "llama3"\nflavor = "8B"\nx = ${'{a = '.repeat(depth)}1${'}'.repeat(depth)}\n`,
    ],
    ['train.py', `n_layer = ${'('.repeat(depth)}1${')'.repeat(depth)}\nn_embd = 64\nmax_iters = 10\n`],
    [
      'pretrain.sh',
      `torchrun pretrain_gpt.py --num-layers $((${'('.repeat(depth)}1${')'.repeat(depth)})) --hidden-size 64\n`,
    ],
  ];
  for (const [path, text] of cases) analyzeHostile(text, path);
});

test('a 50 MB config is refused with "file too large" quickly, with bounded memory', () => {
  const before = process.memoryUsage().heapUsed;
  const line = '  - path/to/shard-000000.npy # padding padding padding\n';
  const text = `${OLMO_LIKE}data:\n  paths:\n${line.repeat(Math.ceil((50 * 1024 * 1024) / line.length))}`;
  assert.ok(text.length > 50 * 1024 * 1024 && text.length > MAX_ANALYZED_CHARS);
  const result = analyzeHostile(text, 'huge.yaml');
  assert.ok(
    result.diagnostics.some((d) => d.code === 'file-too-large' && /too large to analyze/.test(d.message)),
  );
  assert.ok(process.memoryUsage().heapUsed - before < MEMORY_BOUND_BYTES);
});

test('a 50 MB CSV run log is read and fitted in bounded time and memory', () => {
  const before = process.memoryUsage().heapUsed;
  const rows: string[] = ['run,params,tokens,loss,step'];
  let length = 0;
  for (let i = 0; length < 50 * 1024 * 1024; i++) {
    const params = ((i % 40) + 1) * 1e7;
    const tokens = ((i % 2000) + 1) * 1e8;
    const loss = 1.8 + 400 / params ** 0.34 + 400 / tokens ** 0.28;
    const row = `run${i % 40},${params},${tokens},${loss.toFixed(5)},${i}`;
    rows.push(row);
    length += row.length + 1;
  }
  const text = rows.join('\n');
  rows.length = 0;
  const { value: read, ms } = timed(() => readRunsFromText(text, 'runs.csv'));
  assert.ok(ms < BIG_LOG_BOUND_MS, `read ${ms.toFixed(0)} ms`);
  assert.ok(read.runs.length === 40, `${read.runs.length} runs`);
  assert.ok(read.report.rowsRead > 1_000_000);
  const fit = timed(() => fitScalingLaw(read.runs, { starts: 2, bootstrap: 0, minTokens: 0 }));
  assert.ok(fit.ms < BIG_LOG_BOUND_MS, `fit ${fit.ms.toFixed(0)} ms`);
  assert.equal(findNonFinite(fit.value.params), undefined);
  assert.ok(fit.value.ok || fit.value.errors.length > 0);
  assert.ok(process.memoryUsage().heapUsed - before < MEMORY_BOUND_BYTES);
});

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function bytes(length: number, seed: number, allowNul: boolean): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const b = (x >>> 0) & 0xff;
    out[i] = allowNul || b !== 0 ? b : 1;
  }
  return out;
}

test('binary content under config and run-log names is not a run config / not a table', () => {
  const decoder = new TextDecoder('utf-8');
  for (const [i, name] of ['weights.yaml', 'config.json', 'train.toml', 'train.py', 'run.sh'].entries()) {
    // With NUL bytes: recognized as binary up front.
    const withNul = decoder.decode(bytes(64 * 1024, 7 + i, true));
    assert.deepEqual(readRunConfig(withNul, { path: name }), { kind: 'not-a-run-config' });
    // Without NUL bytes (replacement characters everywhere): still never a crash or a number.
    const noNul = decoder.decode(bytes(64 * 1024, 99 + i, false));
    const result = analyzeHostile(noNul, name);
    assert.equal(result.analysis?.params ?? null, null, name);
  }
  const binaryLog = readRunsFromText(decoder.decode(bytes(64 * 1024, 5, true)), 'runs.csv');
  assert.equal(binaryLog.runs.length, 0);
  assert.match(binaryLog.report.errors.join(' '), /binary/);
});

test('latin-1 bytes decoded as UTF-8 (replacement chars) do not change the count', () => {
  const latin1 = Buffer.from(
    `# R\u00e9glages de l'\u00e9quipe caf\u00e9 \u00b5-batch\n${OLMO_LIKE}`,
    'latin1',
  );
  const decoded = new TextDecoder('utf-8').decode(latin1);
  assert.ok(decoded.includes('\ufffd'));
  const plain = analyzeHostile(OLMO_LIKE, 'olmo.yaml').analysis?.params?.total;
  assert.equal(analyzeHostile(decoded, 'olmo.yaml').analysis?.params?.total, plain);
  checkRobust(decoded, 'olmo.yaml');
});

test('CRLF + BOM files read the same as LF, for configs and run logs', () => {
  const lf = analyzeHostile(OLMO_LIKE, 'olmo.yaml');
  const crlf = analyzeHostile(`\ufeff${OLMO_LIKE.replace(/\n/g, '\r\n')}`, 'olmo.yaml');
  assert.equal(crlf.analysis?.params?.total, lf.analysis?.params?.total);
  assert.equal(crlf.analysis?.tokens, lf.analysis?.tokens);
  const csv = 'run,params,tokens,loss\na,1e8,1e10,3.1\nb,2e8,1e10,2.9\n';
  const logLf = readRunsFromText(csv, 'runs.csv');
  const logCrlf = readRunsFromText(`\ufeff${csv.replace(/\n/g, '\r\n')}`, 'runs.csv');
  assert.deepEqual(
    logCrlf.runs.map((r) => [r.name, r.params, r.points.length]),
    logLf.runs.map((r) => [r.name, r.params, r.points.length]),
  );
});
