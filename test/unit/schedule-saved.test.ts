/**
 * A schedule-aware law saved by `fit --form tissue2024 --save` and read back by `curve CONFIG --law
 * FILE.json`: fitted on OLMo-1B's real validation curve (ColPret olmo.csv, with the LR of
 * configs/olmo/OLMo-1B.yaml at each checkpoint), then drawn on that config's own schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runFitCommand } from '../../src/cli/fit';
import { runCurveCommand } from '../../src/cli/curve';
import { parseScheduleLaw, SCHEDULE_LAW_KIND } from '../../src/core/fit/trajectorySaved';
import { olmo1bFamily } from '../../bench/schedule-families-data';
import { HAS_SHARED, SHARED_DIR } from '../helpers';
import { callCli } from '../cli-call';

const skip = HAS_SHARED ? false : 'needs ../shared';
const OLMO_1B = path.join(SHARED_DIR, 'configs', 'olmo', 'OLMo-1B.yaml');

const call = callCli;

test(
  'fit --save then curve --law FILE.json: the saved law on the config’s schedule tracks the real OLMo-1B curve',
  { skip },
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sl-saved-'));
    const config = await call(runCurveCommand, [OLMO_1B, '--json']);
    const N = JSON.parse(config.stdout).params as number;
    assert.ok(N > 1e9, String(N));
    // The runs table: one row per logged checkpoint, N as the config counts it, the LR at that step.
    const family = olmo1bFamily();
    const { runs, checkpoints } = family.multiPower;
    const rows = ['model,params,step,tokens,lr,loss'];
    for (const c of checkpoints) {
      const r = runs[c.run]!;
      rows.push(['1B', N, c.step + 1, c.tokens, r.lr[c.step]! * r.peakLr!, c.loss].join(','));
    }
    const table = path.join(dir, 'olmo1b.csv');
    writeFileSync(table, rows.join('\n') + '\n');
    const lawFile = path.join(dir, 'olmo1b.schedule-law.json');
    const fit = await call(runFitCommand, [
      table,
      '--form',
      'tissue2024',
      '--save',
      lawFile,
      '--name',
      'olmo-1b',
      '--json',
    ]);
    assert.equal(fit.code, 0, fit.stderr);
    assert.equal(JSON.parse(fit.stdout).saved, lawFile);
    const saved = parseScheduleLaw(readFileSync(lawFile, 'utf8'));
    assert.ok(saved.ok, JSON.stringify(saved));
    assert.equal(saved.law.name, 'olmo-1b');
    assert.equal(saved.law.options.params, false);

    const curve = await call(runCurveCommand, [OLMO_1B, '--law', lawFile, '--points', '100', '--json']);
    assert.equal(curve.code, 0, curve.stderr);
    const c = JSON.parse(curve.stdout);
    assert.equal(c.law.name, 'olmo-1b');
    assert.ok(c.notes.some((s: string) => /saved schedule-aware law "olmo-1b"/.test(s)));
    // Against the logged loss at the curve's steps that were logged (in-sample: the law saw them).
    const logged = new Map(checkpoints.map((p) => [p.step + 1, p.loss]));
    let sum = 0;
    let count = 0;
    for (const row of c.curve) {
      assert.ok(row.loss > 0 && row.low < row.loss && row.loss < row.high, JSON.stringify(row));
      const nearest = [...logged.keys()].reduce((a, b) =>
        Math.abs(b - row.step) < Math.abs(a - row.step) ? b : a,
      );
      if (Math.abs(nearest - row.step) <= 1000 && row.tokens > 1e10) {
        sum += Math.abs(row.loss - logged.get(nearest)!) / logged.get(nearest)!;
        count++;
      }
    }
    console.log(
      `OLMo-1B saved law vs logged loss at ${count} curve steps: mean ARE ${((100 * sum) / count).toFixed(3)}%`,
    );
    assert.ok(count >= 50 && sum / count < 0.01, `${sum / count} over ${count}`);

    // A one-size law refuses another N; a log and a saved law together are refused.
    const other = JSON.parse(readFileSync(lawFile, 'utf8'));
    other.fittedOn.params = [N * 2, N * 2];
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify(other));
    const refused = await call(runCurveCommand, [OLMO_1B, '--law', path.join(dir, 'other.json'), '--json']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /fitted on one model size .* predicts that size only/);
    const both = await call(runCurveCommand, [OLMO_1B, '--law', lawFile, '--log', table, '--json']);
    assert.equal(both.code, 2);
  },
);

test(
  'a saved law with an N term says when the config is outside the sizes it was fitted on',
  { skip },
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sl-saved-'));
    const law = {
      kind: SCHEDULE_LAW_KIND,
      version: 1,
      name: 'ladder',
      law: { form: 'tissue-chinchilla', E: 1.8, A: 400, alpha: 0.34, B: 2000, beta: 0.3, C: 1e-4 },
      options: { params: true, schedule: true },
      fittedOn: {
        source: 'ladder.csv',
        checkpoints: 100,
        params: [1e8, 4e8],
        tokens: [1e10, 1e11],
        rmsRelative: 0.004,
      },
    };
    const file = path.join(dir, 'ladder.json');
    writeFileSync(file, JSON.stringify(law));
    const r = await call(runCurveCommand, [OLMO_1B, '--law', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(
      j.notes.some((s: string) => /extrapolated in N: .*× the largest/.test(s)),
      j.notes.join('\n'),
    );
    assert.ok(j.notes.some((s: string) => /extrapolated in tokens/.test(s)));
    const last = j.curve[j.curve.length - 1];
    // The N term is the config's: E + A·N^−α is part of every row.
    assert.ok(last.loss > law.law.E + law.law.A * j.params ** -law.law.alpha);
    assert.ok(Math.abs(last.high / last.loss - 1 - 0.008) < 1e-12);
  },
);

test('bad saved laws are refused with the reason, never a curve', { skip }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sl-saved-'));
  const cases: [string, RegExp][] = [
    ['{', /not JSON/],
    ['{"kind":"x"}', /not a schedule-aware law/],
    [JSON.stringify({ kind: SCHEDULE_LAW_KIND, version: 2 }), /version 2/],
    [
      JSON.stringify({ kind: SCHEDULE_LAW_KIND, version: 1, law: { form: 'tissue-chinchilla', E: 'NaN' } }),
      /law\.E must be a finite number/,
    ],
  ];
  for (const [i, [text, message]] of cases.entries()) {
    const file = path.join(dir, `bad${i}.json`);
    writeFileSync(file, text);
    const r = await call(runCurveCommand, [OLMO_1B, '--law', file, '--json']);
    assert.equal(r.code, 1, text);
    assert.match(r.stderr, message);
  }
  const missing = await call(runCurveCommand, [OLMO_1B, '--law', path.join(dir, 'none.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Cannot read/);
  const holdout = await call(runFitCommand, [
    path.join(dir, 'bad0.json'),
    '--form',
    'tissue2024',
    '--holdout-largest',
    '--save',
    path.join(dir, 'x.json'),
  ]);
  assert.equal(holdout.code, 2);
  assert.match(holdout.stderr, /without --holdout-largest/);
});
