import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  columnsFromRuns,
  estimateFitSeconds,
  fitRunColumns,
  fitScalingLaw,
  readRunColumnsFromSource,
  readRunColumnsFromText,
  readRunsFromText,
  runsFromColumns,
  type FileSource,
} from '../../src/core/fit';
import { DelimitedParser, parseDelimited, parsePlainDecimal, type CsvRecord } from '../../src/core/fit/csv';
import { mulberry32 } from '../../src/core/fit/random';
import { readRunColumnsFromPath, readRunsFromPath } from '../../src/node/runsFromDisk';
import { ladderCsv, ladderRuns } from '../../bench/ladder';

/** `text` cut into pieces of 1–`max` characters (seeded). */
function pieces(text: string, seed: number, max: number): string[] {
  const random = mulberry32(seed);
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    const size = 1 + Math.floor(random() * max);
    out.push(text.slice(i, i + size));
    i += size;
  }
  return out;
}

/** A file source over pieces, as src/node/runsFromDisk.ts builds one from disk. */
function chunked(text: string, seed: number, max: number): FileSource {
  const parts = pieces(text, seed, max);
  return { head: parts[0] ?? '', complete: false, chunks: () => parts, text: () => text };
}

function parseInPieces(parts: readonly string[], maxRecords = Infinity): CsvRecord[] {
  const records: CsvRecord[] = [];
  const parser = new DelimitedParser(',', (record) => {
    records.push(record);
    return records.length < maxRecords;
  });
  for (const part of parts) parser.push(part);
  parser.end();
  return records;
}

/** A table with every drop reason, quoted fields, CRLF and CR line ends and a byte order mark. */
const MESSY =
  '\ufeffrun,params,tokens,loss,step\r\n' +
  'a,1e8,2e10,3.1,10\r\n' +
  'a,1e8,2e10,3.1,10\r\n' + // duplicate
  '"a",1e8,3e10,"3.0",20\n' +
  'a,1e8,x,3.0,30\n' + // unparseable
  'a,1e8,,3.0,40\n' + // missing
  'a,1e8,4e10,nan,50\r' + // NaN, CR line end
  'a,1e8,5e10,-1,60\n' + // non-positive
  '"b, the second",2e8,2e10,2.9,10\n' +
  '"b, the second",2e8,1e10,3.2,5\n' + // out of order: sorted by tokens
  '\n' +
  'c,3e8,2e10,"2.""8",1\n' + // unparseable (quote inside)
  'c,3e8,3e10,2.7\n'; // fewer cells

describe('streaming ingestion (issue #15): the same result in any number of pieces', () => {
  it('the resumable CSV reader gives the records of the whole-text reader at every chunking', () => {
    const random = mulberry32(11);
    const alphabet = ['a', '1', ',', '"', '""', '\r', '\n', '\r\n', ' ', '\t'];
    for (let trial = 0; trial < 3000; trial++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let k = 0; k < length; k++) text += alphabet[Math.floor(random() * alphabet.length)];
      const whole = parseDelimited(text, ',').records;
      assert.deepEqual(parseInPieces(pieces(text, trial, 5)), whole, JSON.stringify(text));
      assert.deepEqual(parseInPieces([text]), whole);
      const limited = parseDelimited(text, ',', 2).records;
      assert.deepEqual(
        parseInPieces(pieces(text, trial + 1, 3), 2),
        limited,
        `limit 2: ${JSON.stringify(text)}`,
      );
    }
  });

  it('numbers read in place are exactly the doubles Number() reads (Clinger fast path), or declined', () => {
    const random = mulberry32(5);
    const alphabet = '0123456789.eE+-x ';
    let read = 0;
    for (let trial = 0; trial < 200_000; trial++) {
      let text = '';
      if (trial % 2) {
        const length = 1 + Math.floor(random() * 12);
        for (let k = 0; k < length; k++) text += alphabet[Math.floor(random() * alphabet.length)];
      } else {
        const v = (random() - 0.3) * 10 ** Math.floor(random() * 40 - 20);
        const digits = 1 + Math.floor(random() * 17);
        const forms = [v.toPrecision(digits), v.toExponential(Math.min(16, digits)), String(v), v.toFixed(6)];
        text = forms[Math.floor(random() * forms.length)]!;
      }
      const value = parsePlainDecimal(`#${text}#`, 1, 1 + text.length);
      if (Number.isNaN(value)) continue;
      read++;
      assert.ok(Object.is(value, Number(text)), `${JSON.stringify(text)}: ${value} vs ${Number(text)}`);
      assert.match(text, /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i);
    }
    assert.ok(read > 50_000, `${read} read in place`);
    // Declined: more than 15 significant digits, powers beyond 10^22, anything not a plain decimal.
    for (const text of ['1234567890123456', '1e23', '1e-23', '0x10', '1_000', '1e', '.', '+', '', ' 1'])
      assert.ok(Number.isNaN(parsePlainDecimal(text, 0, text.length)), text);
  });

  it('a table read in pieces gives the same columns and the same drop report as its text', () => {
    const expected = readRunColumnsFromText(MESSY, 'runs.csv');
    assert.equal(expected.report.pointsKept, 5);
    for (const reason of ['duplicate', 'unparseable', 'missing-value', 'nan', 'non-positive'] as const)
      assert.ok(expected.report.dropped[reason], `${reason} counted`);
    assert.equal(expected.report.dropExamples.unparseable, 'line 5: tokens "x"');
    for (const max of [1, 2, 7, 64]) {
      for (let seed = 0; seed < 20; seed++) {
        const read = readRunColumnsFromSource(chunked(MESSY, seed, max), 'runs.csv');
        assert.deepEqual(read, expected, `pieces of ≤ ${max}, seed ${seed}`);
      }
    }
    // The checkpoints of a run are sorted by tokens; names keep their commas.
    const runs = runsFromColumns(expected.columns);
    const b = runs.find((r) => r.name === 'b, the second')!;
    assert.deepEqual(
      b.points.map((p) => p.tokens),
      [1e10, 2e10],
    );
    assert.deepEqual(
      b.points.map((p) => p.step),
      [5, 10],
    );
  });

  it('the in-place fast path for clean lines gives what the general cell reader gives', () => {
    // The same rows with a constant column: a --where filter on it turns the fast path off.
    const random = mulberry32(8);
    const formats = [
      (v: number) => String(v),
      (v: number) => v.toExponential(4),
      (v: number) => v.toPrecision(17), // 17 digits: declined by the fast path, read as text
      (v: number) => `+${v}`,
      (v: number) => `${v}`.replace(/^0\./, '.'),
      () => '',
      () => 'nan',
      () => '1.3B',
      () => '0',
      () => '-2',
    ];
    const lines = ['set,model,params,tokens,loss,step'];
    for (let i = 0; i < 3000; i++) {
      const cell = (v: number) => formats[random() < 0.8 ? 0 : Math.floor(random() * formats.length)]!(v);
      const model = ['m1', ' m2', 'm3 ', '', 'm1'][Math.floor(random() * 5)];
      const params = [1e8, 2e8, 4e8][Math.floor(random() * 3)]!;
      lines.push(
        [
          'a',
          model,
          cell(params),
          cell(Math.round(1e9 * (1 + 99 * random()))),
          cell(2 + random()),
          cell(i),
        ].join(','),
      );
    }
    const text = lines.join('\n') + '\n';
    const fast = readRunColumnsFromText(text, 'runs.csv');
    const general = readRunColumnsFromText(text, 'runs.csv', { where: [{ column: 'set', value: 'a' }] });
    assert.deepEqual(fast.columns, general.columns);
    assert.deepEqual(fast.report, general.report);
    assert.ok(fast.report.pointsKept > 1000 && Object.keys(fast.report.dropped).length >= 4);
  });

  it('readRunsFromPath streams a file larger than one piece to the same runs as reading its text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-columns-'));
    try {
      // ~2.4 MB: more than one 1 MB piece, with duplicates far apart and a bad row at the end.
      const ladder = ladderCsv(50_000, 20, 3);
      const text = ladder + ladder.split('\n').slice(1, 51).join('\n') + '\nx,1,2,oops\n';
      const path = join(dir, 'ladder.csv');
      writeFileSync(path, text);
      const fromText = readRunsFromText(text, path);
      const fromDisk = readRunsFromPath(path);
      assert.equal(fromDisk.report.dropped.duplicate, 50);
      assert.equal(fromDisk.report.dropped.unparseable, 1);
      assert.deepEqual(fromDisk, fromText);
      const columns = readRunColumnsFromPath(path);
      assert.deepEqual(runsFromColumns(columns.columns), fromText.runs);
      assert.equal(columns.columns.tokens.length, 50_000);
      // A two-byte UTF-8 character cut by the 1 MB piece boundary: the 23-byte header puts byte
      // 2^20 inside one of the name's "ä"s.
      const header = 'run,params,tokens,loss\n';
      assert.equal(Buffer.byteLength(header) % 2, 1);
      const wide = `${header}${'ä'.repeat(600_000)},1e8,2e10,3.1\n${ladder.split('\n').slice(1).join('\n')}`;
      const widePath = join(dir, 'wide.csv');
      writeFileSync(widePath, wide);
      const read = readRunsFromPath(widePath);
      assert.deepEqual(read, readRunsFromText(wide, widePath));
      assert.ok(read.runs.some((r) => r.name === 'ä'.repeat(600_000)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the columnar fit entry point', () => {
  it('columns ↔ runs round trip keeps every value and order', () => {
    const runs = ladderRuns(600, 12);
    runs[3].points[2].step = 7;
    runs[4].points[0].flops = 1e20;
    runs[5].seed = 's1';
    runs[6].uniqueTokens = 3e10;
    assert.deepEqual(runsFromColumns(columnsFromRuns(runs)), runs);
  });

  it('the fit on columns read from a file is the fit on the same runs as objects (every option)', () => {
    const text = ladderCsv(3000, 12, 5);
    const objects = readRunsFromText(text, 'ladder.csv').runs;
    const { columns } = readRunColumnsFromSource(chunked(text, 1, 4096), 'ladder.csv');
    for (const options of [
      { minTokens: 0 },
      { minTokens: 1e10, holdoutLargest: true, targetPrefixFraction: 0.3 },
      { minTokens: 0, useIntermediateCheckpoints: false, form: 'compute' as const },
      { minTokens: 0, leaveOneModelOut: true, bootstrap: 4, seed: 3 },
    ]) {
      const a = fitScalingLaw(objects, options);
      const b = fitRunColumns(columns, options);
      assert.equal(a.ok, true, a.errors.join('; '));
      assert.deepEqual({ ...b, elapsedMs: 0 }, { ...a, elapsedMs: 0 }, JSON.stringify(options));
    }
  });
});

describe('estimateFitSeconds (the editor preview estimate)', () => {
  const perPass = 1.5e-7;

  it('never falls with more points, and scales with the per-point-pass cost', () => {
    for (const resamples of [0, 10, 100])
      for (const cores of [1, 2, 8]) {
        let previous = 0;
        for (const points of [0, 10, 240, 3999, 4000, 4001, 1e5, 1e6]) {
          const s = estimateFitSeconds({ points, resamples, cores }, perPass);
          assert.ok(Number.isFinite(s) && s >= previous, `${points} points, ${resamples}, ${cores}`);
          previous = s;
        }
      }
    const base = estimateFitSeconds({ points: 1e5, resamples: 0, cores: 2 }, perPass);
    assert.ok(
      Math.abs(estimateFitSeconds({ points: 1e5, resamples: 0, cores: 2 }, 2 * perPass) - 2 * base) < 1e-12,
    );
  });

  it('never falls with more resamples on either side of the worker threshold, never rises with cores', () => {
    for (const points of [240, 1e5]) {
      for (const cores of [1, 2, 4]) {
        let previous = 0;
        for (let r = 0; r < 24; r++) {
          const s = estimateFitSeconds({ points, resamples: r, cores }, perPass);
          assert.ok(s >= previous);
          previous = s;
        }
        previous = 0;
        for (const r of [24, 25, 100, 1000]) {
          const s = estimateFitSeconds({ points, resamples: r, cores }, perPass);
          assert.ok(s >= previous);
          previous = s;
        }
      }
      for (const resamples of [0, 10, 24, 1000]) {
        let previous = Infinity;
        for (const cores of [1, 2, 4, 8, 16]) {
          const s = estimateFitSeconds({ points, resamples, cores }, perPass);
          assert.ok(s <= previous, `${points} points ${resamples} resamples ${cores} cores`);
          previous = s;
        }
      }
    }
    // Two cores roughly halve a long bootstrap.
    const one = estimateFitSeconds({ points: 1e5, resamples: 1000, cores: 1 }, perPass);
    const two = estimateFitSeconds({ points: 1e5, resamples: 1000, cores: 2 }, perPass);
    assert.ok(two < 0.55 * one && two > 0.45 * one, `${one} vs ${two}`);
  });

  it('bad inputs give a finite, non-negative estimate, not NaN', () => {
    for (const input of [
      { points: NaN, resamples: 10, cores: 2 },
      { points: -5, resamples: -1, cores: 0 },
      { points: Infinity, resamples: Infinity, cores: NaN },
    ]) {
      const s = estimateFitSeconds(input, perPass);
      assert.ok(Number.isFinite(s) && s >= 0, JSON.stringify(input));
    }
    assert.ok(Number.isFinite(estimateFitSeconds({ points: 100, resamples: 0, cores: 1 }, NaN)));
  });
});
