/**
 * Over real JSON-RPC: the run log followed for a config (src/server/liveRuns.ts) appears on the
 * panel's "loss over training" chart (scalingLens/curves) as an observed scatter: each logged step
 * at the tokens the config's schedule reaches after it, its loss as logged; new lines appear after the
 * log grows (the server re-analyzes, throttled, and the panel asks again); a long log is thinned to
 * MAX_LOGGED_CHART_POINTS with the newest checkpoint kept.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nanogptSchedule } from '../../src/core/config/frameworks/nanogpt/schedule';
import { compileRun } from '../../src/core/schedule/model';
import type { ChartSeries } from '../../src/core/charts';
import { CurvesRequest, type CurvesResponse } from '../../src/protocol';
import { MAX_LOGGED_CHART_POINTS, thinNewest } from '../../src/server/liveRuns';
import { LspTestClient, SERVER_JS } from './lspClient';
import { liveConfig } from '../live-support';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

const config = (maxIters: number) => liveConfig('live chart test', maxIters);
const loss = (step: number) => 2 + 8 / Math.sqrt(step);
const line = (step: number) => `iter ${step}: loss ${loss(step).toFixed(4)}, time 50.00ms, mfu 1.00%\n`;

let client: LspTestClient;
let dir: string;
before(async () => {
  if (NOT_BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'live-chart-'));
  client = await LspTestClient.start({ rootPath: dir });
});
after(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Ask for the curves until the schedule chart's logged series satisfies `ok`. */
async function loggedUntil(uri: string, ok: (s: ChartSeries | undefined) => boolean, what: string) {
  const t0 = Date.now();
  let last: ChartSeries | undefined;
  while (Date.now() - t0 < 20_000) {
    const answer = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse | null;
    const chart = answer?.data.charts.find((c) => c.id === 'schedule');
    last = chart?.series.find((s) => s.id === 'logged');
    if (ok(last)) return { chart: chart!, series: last };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${last?.points.length ?? 'none'} points`);
}

test(
  'the followed log is an observed series at the plan’s tokens, and grows with the log',
  { skip: NOT_BUILT },
  async () => {
    const path = join(dir, 'train_chart.py');
    const log = join(dir, 'train_chart.log');
    const text = config(4000);
    writeFileSync(path, text);
    let body = '';
    for (let step = 20; step <= 800; step += 20) body += line(step);
    writeFileSync(log, body);
    const uri = await client.open(path);
    const run = compileRun(nanogptSchedule(text).plan!).run!;
    const { chart, series } = await loggedUntil(uri, (s) => s?.points.length === 40, '40 logged points');
    assert.equal(series!.role, 'observed');
    assert.equal(series!.label, 'Logged train loss (train_chart.log)');
    series!.points.forEach((p, i) => {
      const step = 20 * (i + 1);
      assert.equal(p.x, run.tokens[step - 1]); // 2,048 tokens per step: 8 × 256
      assert.equal(p.y, Number(loss(step).toFixed(4)));
    });
    assert.ok(chart.caption!.some((c) => c.startsWith('Logged: 40 train checkpoints of train_chart.log;')));
    assert.ok(
      chart.series.some((s) => s.id === 'predicted'),
      'the predicted curve stays',
    );

    // The log grows; a half-written last line is not a point until its newline arrives.
    appendFileSync(log, line(820) + 'iter 840: loss 2.2');
    const grown = await loggedUntil(uri, (s) => s?.points.length === 41, 'the 41st point');
    assert.equal(grown.series!.points.at(-1)!.x, run.tokens[819]);
    await new Promise((r) => setTimeout(r, 1200));
    const still = await loggedUntil(uri, (s) => !!s, 'the series');
    assert.equal(still.series!.points.length, 41, 'a half line never becomes a point');
    appendFileSync(log, '345, time 50.00ms, mfu 1.00%\n');
    const whole = await loggedUntil(uri, (s) => s?.points.length === 42, 'the completed 42nd point');
    assert.equal(whole.series!.points.at(-1)!.y, 2.2345);
  },
);

test(
  'a long log: at most MAX_LOGGED_CHART_POINTS points on the chart, the newest kept; steps past the plan are counted, not drawn',
  { skip: NOT_BUILT },
  async () => {
    const path = join(dir, 'train_long.py');
    const log = join(dir, 'train_long.log');
    writeFileSync(path, config(6000));
    let body = '';
    for (let step = 1; step <= 6005; step++) body += line(step); // 6,005 > the 6,001 steps planned
    writeFileSync(log, body);
    const uri = await client.open(path);
    const { chart, series } = await loggedUntil(
      uri,
      (s) => (s?.points.length ?? 0) >= MAX_LOGGED_CHART_POINTS - 4,
      'the whole log read',
    );
    assert.ok(series!.points.length <= MAX_LOGGED_CHART_POINTS, `${series!.points.length} points`);
    assert.ok(series!.points.length >= MAX_LOGGED_CHART_POINTS - 4);
    assert.ok(
      chart.caption!.some((c) => /evenly thinned to 2,000 of 6,005 \(the newest kept\)/.test(c)),
      chart.caption!.join('\n'),
    );
    assert.ok(
      chart.caption!.some((c) => /^\d+ logged checkpoint\(s\) past the 6,001 steps/.test(c)),
      chart.caption!.join('\n'),
    );
    // The newest drawable checkpoint is there (the newest of all, 6005, is past the plan).
    const xs = series!.points.map((p) => p.x);
    assert.deepEqual(
      [...xs].sort((a, b) => a - b),
      xs,
      'oldest first',
    );
  },
);

test('thinNewest keeps the oldest and the newest point and spaces the rest evenly', () => {
  const points = Array.from({ length: 5001 }, (_, i) => i);
  const kept = thinNewest(points, 2000);
  assert.equal(kept.length, 2000);
  assert.equal(kept[0], 0);
  assert.equal(kept.at(-1), 5000);
  assert.ok(kept.every((v, i) => i === 0 || (v - kept[i - 1]! >= 2 && v - kept[i - 1]! <= 3)));
  assert.deepEqual(thinNewest([1, 2, 3], 2000), [1, 2, 3]);
  assert.deepEqual(thinNewest([1, 2, 3], 1), [3]);
});
