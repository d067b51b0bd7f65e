/**
 * The curves panel's data is a server request (scalingLens/curves, src/server/curves.ts): over real
 * JSON-RPC, the answer is exactly what the chart builder makes of the CLI's analysis of the same
 * text; a fitted law's observed runs are read by the server from the law's data file; a closed or
 * unknown document answers null, not an error.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildChartData, tableToCsv, type ChartSnapshot } from '../../src/core/charts';
import { parseSavedLaw } from '../../src/core/fit/savedLaw';
import { findPublishedLaw } from '../../src/core/laws/published';
import { CurvesRequest, type CurvesResponse } from '../../src/protocol';
import { readObserved } from '../../src/server/curves';
import { isHostToWebviewMessage } from '../../src/webviewProtocol';
import { REPO_ROOT } from '../helpers';
import { cliAnalyze } from './expected';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

const EXAMPLE = join(REPO_ROOT, 'examples', 'nanogpt', 'train_gpt2_124m.py');
const RUNS = join(REPO_ROOT, 'test', 'fixtures', 'runs', 'sweep.csv');

let client: LspTestClient;
let dir: string;
before(async () => {
  if (NOT_BUILT) return;
  client = await LspTestClient.start();
  dir = mkdtempSync(join(tmpdir(), 'scaling-lens-curves-'));
});
after(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The chart input the CLI's analysis of a file gives under a published law. */
function cliChartSnapshot(file: string): ChartSnapshot {
  const [j] = cliAnalyze([file]);
  assert.ok(j?.params && j.loss, 'the CLI analyzes the example');
  const law = findPublishedLaw(j.loss.law)!;
  return {
    params: {
      total: j.params.total,
      nonEmbedding: j.params.nonEmbedding,
      active: j.params.active,
      // Read by the charts only when there is no loss (then from paramsUsed); the CLI omits it.
      activeNonEmbedding: j.params.nonEmbedding,
    },
    tokens: j.tokens,
    loss: j.loss,
    missing: j.missing,
    law: {
      id: law.id,
      label: law.label,
      citation: law.citation,
      paramConvention: law.paramConvention,
      law: law.law,
      ...(law.bootstrapDraws ? { bootstrapDraws: law.bootstrapDraws } : {}),
    },
  };
}

test(
  'curves: the answer is buildChartData of the CLI analysis of the same text (nanoGPT GPT-2 124M, epoch2024)',
  { skip: NOT_BUILT },
  async () => {
    const file = join(dir, 'train_gpt2_124m.py');
    writeFileSync(file, readFileSync(EXAMPLE, 'utf8'));
    const uri = await client.open(file);
    const answer = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
    assert.ok(answer, 'a run config has curves');
    assert.equal(answer.uri, uri);
    assert.equal(answer.version, 1);
    assert.equal(answer.snapshot.version, 1);
    const expected = buildChartData({ snapshot: cliChartSnapshot(file) });
    assert.deepEqual(answer.data, expected);
    // The exports are the CSV of the same table: all charts, and each chart drawn.
    assert.equal(answer.csv.all, tableToCsv(expected.table));
    for (const chart of expected.charts)
      assert.equal(answer.csv[chart.id], tableToCsv(expected.table, chart.id));
    assert.deepEqual(Object.keys(answer.csv).sort(), ['all', ...expected.charts.map((c) => c.id)].sort());
    // A published law has no observed runs: no fit or residual chart.
    assert.equal(
      answer.data.charts.some((c) => c.id === 'fit' || c.id === 'residuals'),
      false,
    );
    // What the host forwards is a message the page accepts.
    assert.equal(
      isHostToWebviewMessage({
        type: 'update',
        snapshot: answer.snapshot,
        data: answer.data,
        documentLabel: 'train_gpt2_124m.py',
      }),
      true,
    );

    // An edit: the answer carries the new version and the new numbers (D doubled via max_iters).
    const edited = readFileSync(EXAMPLE, 'utf8').replace(
      /max_iters = (\d+)/,
      (_m, n) => `max_iters = ${2 * Number(n)}`,
    );
    assert.notEqual(edited, readFileSync(EXAMPLE, 'utf8'), 'the example sets max_iters');
    await client.change(uri, edited);
    const next = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
    assert.equal(next.version, 2);
    const editedFile = join(dir, 'train_gpt2_124m_edited.py');
    writeFileSync(editedFile, edited);
    assert.equal(next.snapshot.tokens, cliAnalyze([editedFile])[0]!.tokens);
    assert.deepEqual(next.data, buildChartData({ snapshot: cliChartSnapshot(editedFile) }));
  },
);

test(
  'curves: a closed, unknown or non-config document answers null, not an error',
  { skip: NOT_BUILT },
  async () => {
    const never = pathToFileURL(join(dir, 'never-opened.py')).toString();
    assert.equal(await client.connection.sendRequest(CurvesRequest, { uri: never }), null);
    const notes = join(dir, 'notes.yaml');
    writeFileSync(notes, 'shopping:\n  - milk\n  - eggs\n');
    const uri = await client.open(notes);
    assert.equal(await client.connection.sendRequest(CurvesRequest, { uri }), null);
    await client.close(uri);
    assert.equal(await client.connection.sendRequest(CurvesRequest, { uri }), null);
    // Malformed params: null as well.
    assert.equal(await client.connection.sendRequest(CurvesRequest, { uri: 42 as unknown as string }), null);
  },
);

test(
  'curves: under a fitted law the server reads the law’s runs itself and draws them (fit and residual charts)',
  { skip: NOT_BUILT },
  async () => {
    const root = join(dir, 'workspace');
    const lawDir = join(root, '.vscode', 'scaling-lens');
    mkdirSync(join(root, 'runs'), { recursive: true });
    mkdirSync(lawDir, { recursive: true });
    writeFileSync(join(root, 'runs', 'sweep.csv'), readFileSync(RUNS));
    // The CLI's fit, saved where the editor saves laws, with the data source relative to the workspace.
    execFileSync(
      process.execPath,
      [
        join(REPO_ROOT, 'dist', 'cli.js'),
        'fit',
        'runs/sweep.csv',
        '--bootstrap',
        '20',
        '--save',
        join(lawDir, 'sweep.law.json'),
        '--name',
        'sweep',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    const saved = parseSavedLaw(readFileSync(join(lawDir, 'sweep.law.json'), 'utf8'));
    assert.ok(saved.ok, 'the CLI saved a valid law');
    const fitted = await LspTestClient.start({ rootPath: root, settings: { law: 'fitted:sweep' } });
    try {
      const file = join(root, 'train_gpt2_124m.py');
      writeFileSync(file, readFileSync(EXAMPLE, 'utf8'));
      const uri = await fitted.open(file);
      const answer = (await fitted.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
      assert.ok(answer);
      assert.equal(answer.snapshot.law.id, 'fitted:sweep');
      const observed = readObserved(readFileSync(RUNS, 'utf8'), 'sweep.csv', saved.law);
      // sweep.csv: 30 kept checkpoints, 15 after the 1e10-token cut the fit used.
      assert.equal(observed.length, saved.law.fit.points);
      assert.equal(observed.length, 15);
      assert.deepEqual(answer.data, buildChartData({ snapshot: answer.snapshot, observed }));
      const ids = answer.data.charts.map((c) => c.id);
      assert.ok(ids.includes('fit') && ids.includes('residuals'), ids.join(','));
      const observedRows = answer.data.table.filter((row) => row.chart === 'fit' && row.run !== undefined);
      assert.equal(observedRows.length, 15);
      assert.equal(typeof answer.csv.fit, 'string');
    } finally {
      await fitted.stop();
    }
  },
);
