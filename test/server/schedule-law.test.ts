/**
 * Over real JSON-RPC against the bundled server: with `scalingLens.schedule.law` naming a saved
 * schedule-aware law (`.vscode/scaling-lens/<name>.schedule.json`), the panel's "loss over training"
 * is that law on the config's own LR schedule, and its WSD what-if the law on the WSD run's schedule:
 * point for point the bundled CLI's `scaling-lens curve CONFIG --law FILE.json --json` (`curve` and
 * `whatIf.wsd`). A missing law, or a one-size law at another N, is a caption note and the published
 * (N, D) curve stays.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CurvesRequest, type CurvesResponse } from '../../src/protocol';
import { SCHEDULE_LAW_KIND } from '../../src/core/fit/trajectorySaved';
import { REPO_ROOT } from '../helpers';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

/** A saved law's file as `fit --form tissue2024 --save` writes it (coefficients of the test's choosing). */
function lawFile(name: string, params: [number, number], ladder: boolean) {
  return `${JSON.stringify(
    {
      kind: SCHEDULE_LAW_KIND,
      version: 1,
      name,
      law: { form: 'tissue-chinchilla', E: 1.8, A: 400, alpha: 0.34, B: 900, beta: 0.28, C: 3e-5 },
      options: { params: ladder, schedule: true },
      fittedOn: { source: 'ladder.csv', checkpoints: 500, params, tokens: [1e8, 5e10], rmsRelative: 0.004 },
      units: 'S1 in tokens, S2 in steps',
    },
    null,
    2,
  )}\n`;
}

let client: LspTestClient;
let dir: string;
before(async () => {
  if (NOT_BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'scaling-lens-schedule-law-'));
  mkdirSync(join(dir, '.vscode', 'scaling-lens'), { recursive: true });
  writeFileSync(
    join(dir, '.vscode', 'scaling-lens', 'ladder.schedule.json'),
    lawFile('ladder', [5e7, 1e9], true),
  );
  writeFileSync(
    join(dir, '.vscode', 'scaling-lens', 'one7b.schedule.json'),
    lawFile('one7b', [7e9, 7e9], false),
  );
  client = await LspTestClient.start({ rootPath: dir, settings: { schedule: { law: 'ladder' } } });
});
after(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(
  'curves: a saved ladder law draws the curve, band and WSD what-if = scaling-lens curve --law FILE.json; missing or one-size laws are notes',
  { skip: NOT_BUILT },
  async () => {
    const file = join(dir, 'train_gpt2_124m.py');
    writeFileSync(file, readFileSync(join(REPO_ROOT, 'examples', 'nanogpt', 'train_gpt2_124m.py'), 'utf8'));
    const uri = await client.open(file);
    const answer = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
    const chart = answer.data.charts.find((c) => c.id === 'schedule')!;
    const predicted = chart.series.find((s) => s.id === 'predicted')!;
    assert.match(predicted.label, /^ladder at N = /, chart.caption?.join(' | '));
    const cli = JSON.parse(
      execFileSync(
        process.execPath,
        [
          join(REPO_ROOT, 'dist', 'cli.js'),
          'curve',
          file,
          '--law',
          join(dir, '.vscode', 'scaling-lens', 'ladder.schedule.json'),
          '--json',
        ],
        { encoding: 'utf8' },
      ),
    ) as {
      curve: { tokens: number; loss: number; low: number; high: number }[];
      whatIf: { wsd: { tokens: number; loss: number }[]; source: string };
    };
    assert.deepEqual(
      predicted.points,
      cli.curve.map((r) => ({ x: r.tokens, y: r.loss })),
    );
    const band = chart.series.find((s) => s.id === 'band')!;
    assert.deepEqual(
      band.upper,
      cli.curve.map((r) => ({ x: r.tokens, y: r.high })),
    );
    const wsd = chart.series.find((s) => s.id === 'wsd')!;
    assert.deepEqual(
      wsd.points,
      cli.whatIf.wsd.map((r) => ({ x: r.tokens, y: r.loss })),
    );
    assert.ok(chart.caption!.includes(cli.whatIf.source));
    // The law sees the schedule: the WSD run's end differs from the cosine run's.
    assert.notEqual(wsd.points.at(-1)!.y, predicted.points.at(-1)!.y);

    for (const [law, note] of [
      [
        'missing',
        /Saved schedule law "missing" \(scalingLens\.schedule\.law\) not used: no \.vscode\/scaling-lens\/missing\.schedule\.json/,
      ],
      ['one7b', /Saved schedule law "one7b" not used: fitted on one model size \(N = 7\.000e\+9\)/],
    ] as const) {
      await client.setSettings({ schedule: { law } });
      const other = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
      const c = other.data.charts.find((x) => x.id === 'schedule')!;
      assert.ok(
        c.caption!.some((line) => note.test(line)),
        c.caption!.join(' | '),
      );
      assert.equal(c.series.find((s) => s.id === 'predicted')!.label.startsWith(law), false);
    }
  },
);
