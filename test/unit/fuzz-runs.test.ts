/**
 * Generated run tables (CSV, TSV, JSONL, trainer_state.json) with random columns, NaN, negatives,
 * empty cells, duplicates, huge numbers and hostile run names, through the run-log readers and the
 * fit: never a throw, bounded time, no NaN in runs or reports, and a clear message when nothing fits.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  fitScalingLaw,
  formatFitReport,
  formatIngestReport,
  readRunsFromText,
} from '../../src/core/fit/index';
import { badMessageText, findNonFinite } from './fuzz-support';

const SEED = 20_240_602;
/** Per-case bound (read + fit): generous, it catches hangs. */
const CASE_BOUND_MS = 10_000;

const PARAMS = ['20000000', '70000000', '1.6e8', '4.1e8', '1000000000', '7e9'];
const HOSTILE_CELLS = [
  'NaN',
  'nan',
  '',
  ' ',
  '-1',
  '0',
  '-0',
  '1e400',
  'inf',
  '-inf',
  'Infinity',
  '9'.repeat(400),
  'abc',
  '1,5',
  '"',
  'null',
  '1e-320',
  '0x10',
  '\u0000',
];
const HOSTILE_NAMES = [
  'run "a", b',
  'line\nbreak',
  '__proto__',
  'constructor',
  'toString',
  '<script>alert(1)</script>',
  '\u202egnp.exe',
  '𝔘𝔫𝔦',
  '',
  ' ',
  '=cmd|/c calc',
  '../../etc/passwd',
  'x'.repeat(5000),
];
const COLUMN_SETS = [
  ['run', 'params', 'tokens', 'loss'],
  ['model', 'N', 'D', 'val_loss', 'seed'],
  ['name', 'num_params', 'tokens_seen', 'eval/loss', 'step'],
  ['run', 'params', 'step', 'train_loss'],
  ['junk', 'other', 'loss'],
  ['params', 'params', 'tokens', 'loss'],
  ['Model Name', 'Parameters', 'Tokens', 'Smoothed Loss'],
];

/** A plausible row for a column: a number of the right scale, or (rarely) a hostile cell. */
function cellArb(column: string): fc.Arbitrary<string> {
  const hostile = fc.constantFrom(...HOSTILE_CELLS);
  const lower = column.toLowerCase();
  let good: fc.Arbitrary<string>;
  if (/run|model|name|junk|other/.test(lower))
    good = fc.constantFrom(...HOSTILE_NAMES, 'tiny', 'small', 'base');
  else if (/param|^n$/.test(lower)) good = fc.constantFrom(...PARAMS);
  else if (/token|^d$/.test(lower)) good = fc.double({ min: 1e6, max: 1e12, noNaN: true }).map(String);
  else if (/step/.test(lower)) good = fc.nat({ max: 1e6 }).map(String);
  else if (/seed/.test(lower)) good = fc.nat({ max: 3 }).map(String);
  else good = fc.double({ min: 1.5, max: 8, noNaN: true }).map((v) => v.toFixed(4));
  return fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: hostile, weight: 1 });
}

const tableArb = fc.constantFrom(...COLUMN_SETS).chain((columns) =>
  fc.record({
    columns: fc.constant(columns),
    rows: fc.array(fc.tuple(...columns.map(cellArb)), { maxLength: 40 }),
    duplicateFirst: fc.nat({ max: 3 }),
    format: fc.constantFrom('csv', 'tsv', 'jsonl', 'trainer-state'),
    crlf: fc.boolean(),
    bom: fc.boolean(),
  }),
);

type Table = typeof tableArb extends fc.Arbitrary<infer T> ? T : never;

function quoteCsv(cell: string, sep: string): string {
  return /["\n\r]/.test(cell) || cell.includes(sep) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Render a generated table in its format, with its file name. */
function render(table: Table): { text: string; fileName: string } {
  const rows = [...table.rows];
  for (let i = 0; i < table.duplicateFirst && rows.length; i++) rows.push(rows[0]);
  const cellValue = (cell: string): unknown => {
    const n = Number(cell);
    return cell.trim() !== '' && Number.isFinite(n) ? n : cell;
  };
  let text: string;
  let fileName: string;
  if (table.format === 'csv' || table.format === 'tsv') {
    const sep = table.format === 'csv' ? ',' : '\t';
    text = [table.columns, ...rows].map((r) => r.map((c) => quoteCsv(c, sep)).join(sep)).join('\n');
    fileName = `runs.${table.format}`;
  } else if (table.format === 'jsonl') {
    text = rows
      .map((r) => JSON.stringify(Object.fromEntries(table.columns.map((c, i) => [c, cellValue(r[i])]))))
      .join('\n');
    fileName = 'runs.jsonl';
  } else {
    const logHistory = rows.map((r) =>
      Object.fromEntries(table.columns.map((c, i) => [c === 'loss' ? 'eval_loss' : c, cellValue(r[i])])),
    );
    text = JSON.stringify({ global_step: rows.length, log_history: logHistory }, null, 2);
    fileName = 'trainer_state.json';
  }
  if (table.crlf) text = text.replace(/\n/g, '\r\n');
  if (table.bom) text = '\ufeff' + text;
  return { text, fileName };
}

/** Report text that shows a computation went wrong (the drop reason's own name is fine). */
function badReportText(text: string): string | undefined {
  for (const line of text.split('\n')) {
    // Drop examples (`e.g. line 2: loss "Infinity"`): they echo raw cells, quotes and all.
    const bad = badMessageText(line.replace(/NaN or infinite value/g, '').replace(/e\.g\. .*$/, ''));
    if (bad) return `${bad} in: ${line}`;
  }
  return undefined;
}

/** Read and fit one text; throws on any violated property. */
function checkRunsText(text: string, fileName: string, options: { params?: number } = {}): void {
  const start = performance.now();
  const read = readRunsFromText(text, fileName, { ...options, tokensPerStep: 4096 });
  for (const run of read.runs) {
    assert.ok(Number.isFinite(run.params) && run.params > 0, `run ${run.name}: params ${run.params}`);
    for (const point of run.points) {
      assert.ok(Number.isFinite(point.tokens) && point.tokens > 0, `tokens ${point.tokens}`);
      assert.ok(Number.isFinite(point.loss) && point.loss > 0, `loss ${point.loss}`);
    }
  }
  const ingestLines = formatIngestReport(read.report);
  for (const line of ingestLines) assert.equal(badReportText(line), undefined, line);
  if (!read.runs.length) assert.ok(read.report.errors.length > 0, 'no runs and no error message');

  const fit = fitScalingLaw(read.runs, { starts: 2, bootstrap: 3, seed: 1 });
  if (fit.ok) {
    assert.equal(findNonFinite(fit.params, 'fit.params'), undefined);
    if (fit.trainAre !== undefined) assert.ok(Number.isFinite(fit.trainAre));
  } else {
    assert.ok(fit.errors.length > 0, 'a failed fit says why');
  }
  const text2 = formatFitReport(fit, read.report);
  assert.equal(badReportText(text2), undefined, text2);
  const ms = performance.now() - start;
  assert.ok(ms < CASE_BOUND_MS, `${fileName}: ${ms.toFixed(0)} ms`);
}

test('generated run tables never throw, hang or yield NaN, and explain empty results', () => {
  fc.assert(
    fc.property(tableArb, (table) => {
      const { text, fileName } = render(table);
      checkRunsText(text, fileName, table.format === 'trainer-state' ? { params: 1.6e8 } : {});
    }),
    { seed: SEED, numRuns: 800, endOnFailure: true, includeErrorInReport: true },
  );
});

test('arbitrary text with a run-log name never throws', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom('runs.csv', 'runs.tsv', 'runs.jsonl', 'trainer_state.json', 'export.csv', 'runs.json'),
      (text, fileName) => {
        checkRunsText(text, fileName);
      },
    ),
    { seed: SEED + 1, numRuns: 600, endOnFailure: true, includeErrorInReport: true },
  );
});

test('a table whose every value is NaN, negative or empty gives a clear error, no runs', () => {
  const text = [
    'run,params,tokens,loss',
    'a,NaN,1e9,3.1',
    'b,-5,1e9,3.0',
    'c,,1e9,2.9',
    'd,1e8,1e9,inf',
  ].join('\n');
  const read = readRunsFromText(text, 'runs.csv');
  assert.equal(read.runs.length, 0);
  assert.ok(read.report.errors.length > 0);
  const fit = fitScalingLaw(read.runs);
  assert.equal(fit.ok, false);
  assert.ok(fit.errors.length > 0);
});

test('a huge number (1e400 → Infinity) is dropped as NaN/infinite, not fitted', () => {
  const rows = ['run,params,tokens,loss'];
  for (const n of [2e7, 7e7, 1.6e8, 4.1e8, 1e9])
    for (const d of [1e9, 4e9, 1.6e10])
      rows.push(`m${n},${n},${d},${(2 + 400 / n ** 0.34 + 400 / d ** 0.28).toFixed(4)}`);
  rows.push('bad,1e400,1e9,3.0');
  const read = readRunsFromText(rows.join('\n'), 'runs.csv');
  assert.equal(read.runs.length, 5);
  assert.ok((read.report.dropped.nan ?? 0) + (read.report.dropped.unparseable ?? 0) >= 1);
  checkRunsText(rows.join('\n'), 'runs.csv');
});
