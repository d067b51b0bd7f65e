import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runFitCommand } from '../../src/cli/fit';
import { parseSavedLaw } from '../../src/core/fit';
import { fixturePath, SHARED_DIR, SHARED_SKIP } from '../helpers';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runFitCommand(
    args,
    (s) => (out += s + '\n'),
    (s) => (err += s + '\n'),
  );
  return { code, out, err };
}

describe('scaling-lens fit', () => {
  it('prints the JSON contract for a CSV sweep with a held-out largest model and bootstrap', async () => {
    const { code, out } = await run([
      fixturePath('runs', 'sweep.csv'),
      '--holdout-largest',
      '--bootstrap',
      '8',
      '--seed',
      '3',
      '--json',
    ]);
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.equal(json.form, 'chinchilla');
    assert.deepEqual(Object.keys(json.params), ['E', 'A', 'B', 'alpha', 'beta']);
    assert.ok(json.objective > 0);
    // 30 rows kept; 2e9, 5e9 and 1e10 tokens are at or before the 1e10 cut-off (15), large-700m held out (3).
    assert.equal(json.points, 12);
    assert.equal(json.models, 4);
    assert.deepEqual(json.dropped, {
      nan: 1,
      'non-positive': 1,
      duplicate: 1,
      unparseable: 1,
      'missing-value': 1,
      'before-min-tokens': 15,
    });
    assert.deepEqual(Object.keys(json.intervals), ['E', 'A', 'B', 'alpha', 'beta']);
    assert.equal(json.heldOut.model, 'large-700m');
    assert.equal(json.heldOut.points, 3);
    assert.ok(json.heldOut.are < 0.05);
    assert.ok(json.warnings.some((w: string) => w.includes('Only 4 distinct model sizes')));
  });

  it('filters with --where and saves a law file that parses back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fit-cli-'));
    try {
      const lawPath = join(dir, 'sweep.law.json');
      const { code, out } = await run([
        fixturePath('runs', 'sweep.tsv'),
        '--min-tokens',
        '0',
        '--save',
        lawPath,
        '--name',
        'sweep',
      ]);
      assert.equal(code, 0);
      assert.match(out, /Fitted 30 points from 5 models/);
      const parsed = parseSavedLaw(readFileSync(lawPath, 'utf8'));
      assert.equal(parsed.ok, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fits a folder of runs (config + metrics log per run)', async () => {
    const { code, out } = await run([fixturePath('runs', 'folder'), '--min-tokens', '0', '--json']);
    const json = JSON.parse(out);
    assert.equal(json.ingest.format, 'folder');
    assert.equal(json.ingest.pointsKept, 15);
    assert.equal(code, 0);
    assert.equal(json.models, 3);
  });

  it('fails clearly on hostile input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fit-cli-'));
    try {
      const empty = join(dir, 'empty.csv');
      writeFileSync(empty, '');
      let result = await run([empty]);
      assert.equal(result.code, 1);
      assert.match(result.err, /The file is empty/);
      const nan = join(dir, 'nan.csv');
      writeFileSync(nan, 'params,tokens,loss\n1e8,2e10,nan\n2e8,2e10,-1\n');
      result = await run([nan, '--json']);
      assert.equal(result.code, 1);
      const json = JSON.parse(result.out);
      assert.deepEqual(json.dropped, { nan: 1, 'non-positive': 1 });
      assert.match(json.errors[0], /No usable rows/);
      const single = join(dir, 'single.csv');
      writeFileSync(single, 'params,tokens,loss\n1e8,2e10,3.0\n1e8,4e10,2.9\n1e8,8e10,2.8\n');
      result = await run([single]);
      assert.equal(result.code, 1);
      assert.match(result.err, /at least 2 distinct model sizes/);
      result = await run([join(dir, 'missing.csv')]);
      assert.equal(result.code, 1);
      assert.match(result.err, /No such file/);
      assert.equal((await run([empty, '--form', 'quadratic'])).code, 2);
      assert.equal((await run([empty, '--where', 'novalue'])).code, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches the reference on the Epoch points', { skip: SHARED_SKIP }, async () => {
    const csv = join(SHARED_DIR, 'data', 'chinchilla_epoch', 'chinchilla_points.csv');
    const { code, out } = await run([csv, '--where', 'in_epoch_fit_set=True', '--min-tokens', '0', '--json']);
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.equal(json.points, 240);
    assert.ok(json.objective <= 1.0182740177151599e-3 * (1 + 1e-6));
    assert.deepEqual(json.dropped, { filtered: 5 });
  });
});
