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
import {
  candidatePaths,
  CurvesBuilder,
  MAX_OBSERVED_POINTS,
  memoryChartInput,
  readObserved,
  scheduleChartInput,
} from '../../src/server/curves';
import { analyzeText } from '../../src/core/analyze';
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

/**
 * The memory and loss-over-training inputs the server adds, from the core's analysis of the file's
 * text (the bars are checked against the CLI's JSON in the torchtitan test below).
 */
function extrasFor(file: string) {
  const text = readFileSync(file, 'utf8');
  const { analysis } = analyzeText(text, { path: file });
  assert.ok(analysis);
  return { memory: memoryChartInput(analysis), schedule: scheduleChartInput(analysis, text, { path: file }) };
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
    const expected = buildChartData({ snapshot: cliChartSnapshot(file), ...extrasFor(file) });
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
    assert.deepEqual(
      next.data,
      buildChartData({ snapshot: cliChartSnapshot(editedFile), ...extrasFor(editedFile) }),
    );
  },
);

test(
  'curves: torchtitan Llama 3 8B — the memory bar is the CLI JSON memory in GiB, loss over training is scaling-lens curve --json, an edit redraws both',
  { skip: NOT_BUILT },
  async () => {
    const source = join(REPO_ROOT, 'examples', 'torchtitan', 'llama3_8b.toml');
    const file = join(dir, 'llama3_8b.toml');
    const text = readFileSync(source, 'utf8');
    writeFileSync(file, text);
    const uri = await client.open(file);
    const check = async (version: number, path: string) => {
      const answer = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
      assert.equal(answer.version, version);
      const [j] = cliAnalyze([path]);
      assert.ok(j?.memory, 'the CLI estimates memory for this file');
      const memory = answer.data.charts.find((c) => c.id === 'memory')!;
      const parts = ['weights', 'gradients', 'optimizer', 'activations', 'buffers', 'overhead'] as const;
      assert.deepEqual(
        memory.series.filter((s) => s.role === 'stack').map((s) => s.points),
        parts.map((key) => [{ x: 1, y: j.memory![key] / 2 ** 30 }]),
      );
      assert.deepEqual(memory.series.find((s) => s.role === 'limit')!.points, [
        { x: 1, y: j.memory.capacityBytes! / 2 ** 30 },
      ]);
      const curve = JSON.parse(
        execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'curve', path, '--json'], {
          encoding: 'utf8',
        }),
      ) as { curve: { tokens: number; loss: number }[] };
      const schedule = answer.data.charts.find((c) => c.id === 'schedule')!;
      assert.deepEqual(
        schedule.series.find((s) => s.id === 'predicted')!.points,
        curve.curve.map((r) => ({ x: r.tokens, y: r.loss })),
      );
      assert.equal(answer.csv.memory, tableToCsv(answer.data.table, 'memory'));
      assert.equal(
        isHostToWebviewMessage({
          type: 'update',
          snapshot: answer.snapshot,
          data: answer.data,
          documentLabel: 'llama3_8b.toml',
        }),
        true,
      );
      return answer;
    };
    const first = await check(1, file);
    // Twice the micro-batch: more activation memory, and the same steps over twice the tokens.
    const edited = text.replace('local_batch_size = 1', 'local_batch_size = 2');
    assert.notEqual(edited, text);
    await client.change(uri, edited);
    const editedFile = join(dir, 'llama3_8b_edited.toml');
    writeFileSync(editedFile, edited);
    const second = await check(2, editedFile);
    const activations = (a: CurvesResponse) =>
      a.data.charts.find((c) => c.id === 'memory')!.series.find((s) => s.id === 'activations')!.points[0]!.y;
    assert.ok(activations(second) > activations(first));
  },
);

test(
  'curves: compareWith overlays the other config (HEAD text or another file) as the CLI analyzes it; without it, none',
  { skip: NOT_BUILT },
  async () => {
    const file = join(dir, 'compare_gpt2.py');
    const text = readFileSync(EXAMPLE, 'utf8');
    writeFileSync(file, text);
    const longer = text.replace(/max_iters = (\d+)/, (_m, n) => `max_iters = ${2 * Number(n)}`);
    const otherFile = join(dir, 'compare_gpt2_longer.py');
    writeFileSync(otherFile, longer);
    const uri = await client.open(file);
    const [j] = cliAnalyze([otherFile]);
    assert.ok(j?.loss && j.tokens);
    const expectedWith = (label: string) =>
      buildChartData({
        snapshot: cliChartSnapshot(file),
        ...extrasFor(file),
        compare: { label, paramsUsed: j.loss!.paramsUsed, tokens: j.tokens, loss: j.loss!.value },
      });
    const head = (await client.connection.sendRequest(CurvesRequest, {
      uri,
      compareWith: { kind: 'text', text: longer, label: 'compare_gpt2.py @ HEAD', uri },
    })) as CurvesResponse;
    assert.equal(head.data.compareLabel, 'compare_gpt2.py @ HEAD');
    assert.deepEqual(head.data, expectedWith('compare_gpt2.py @ HEAD'));
    const point = head.data.charts
      .find((c) => c.id === 'isoflop')!
      .series.find((s) => s.id === 'compare')!.points;
    assert.deepEqual(point, [{ x: j.loss.paramsUsed, y: j.loss.value }]);
    assert.equal(head.csv.isoflop, tableToCsv(head.data.table, 'isoflop'));
    const other = (await client.connection.sendRequest(CurvesRequest, {
      uri,
      compareWith: {
        kind: 'file',
        uri: pathToFileURL(otherFile).toString(),
        label: 'compare_gpt2_longer.py',
      },
    })) as CurvesResponse;
    assert.deepEqual(other.data, expectedWith('compare_gpt2_longer.py'));
    // Cleared (no compareWith): no second series.
    const plain = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
    assert.equal(plain.data.compareLabel, undefined);
    assert.equal(
      plain.data.charts.some((c) => c.series.some((s) => s.id.startsWith('compare'))),
      false,
    );
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
      assert.deepEqual(
        answer.data,
        buildChartData({ snapshot: answer.snapshot, observed, ...extrasFor(file) }),
      );
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

test('curves: the observed runs are the fit’s (min-tokens cut, held-out split marked) and bounded', () => {
  const csv = [
    'run,params,tokens,loss',
    'a,1e8,1e9,3.5',
    'a,1e8,2e9,3.3',
    'a,1e8,4e9,3.1',
    'b,4e8,1e9,3.2',
    'b,4e8,2e9,3.0',
    'b,4e8,4e9,2.9',
  ].join('\n');
  const saved = {
    fit: { minTokens: 1e9 },
    heldOut: { params: 4e8, fittedUpToTokens: 2e9 },
  } as unknown as Parameters<typeof readObserved>[2];
  const points = readObserved(csv, 'runs.csv', saved);
  // Checkpoints at or before the 1e9-token cut are left out, as the fit left them out.
  assert.deepEqual(
    points.map((p) => [p.runName, p.tokens, p.heldOut === true]),
    [
      ['a', 2e9, false],
      ['a', 4e9, false],
      ['b', 2e9, false],
      // The held-out model's checkpoints past the prefix the fit saw.
      ['b', 4e9, true],
    ],
  );
  // A long sweep is subsampled evenly to MAX_OBSERVED_POINTS.
  const rows = ['run,params,tokens,loss'];
  for (let i = 1; i <= 10_000; i++) rows.push(`r,1e8,${i * 1e9},${3 + 1 / i}`);
  const many = readObserved(rows.join('\n'), 'long.csv', { fit: { minTokens: 0 } } as never);
  assert.equal(many.length, MAX_OBSERVED_POINTS);
  assert.equal(many[0]!.tokens, 1e9);
  // Stride 10,000 / 4,000 = 2.5: points 0, 2, 5, 7, … (1e9, 3e9, 6e9, 8e9 tokens).
  assert.deepEqual(
    many.slice(0, 4).map((p) => p.tokens),
    [1e9, 3e9, 6e9, 8e9],
  );
});

test('curves: data sources resolve as file URIs, absolute paths or relative to the bases; others give nothing', () => {
  assert.deepEqual(candidatePaths('file:///w/runs/a.csv', ['/x']), ['/w/runs/a.csv']);
  assert.deepEqual(candidatePaths('vscode-vfs://github/o/r/a.csv', ['/x']), []);
  assert.deepEqual(candidatePaths('/abs/a.csv', ['/x']), ['/abs/a.csv']);
  assert.deepEqual(candidatePaths('runs/a.csv', ['/x', '/y']), [
    join('/x', 'runs', 'a.csv'),
    join('/y', 'runs', 'a.csv'),
  ]);
  assert.deepEqual(candidatePaths('runs\\a.csv', ['/x']), [join('/x', 'runs', 'a.csv')]);
});

test('curves: a fitted law whose runs file is gone draws its curves without fit charts', () => {
  const root = mkdtempSync(join(tmpdir(), 'scaling-lens-curves-gone-'));
  try {
    const lawDir = join(root, '.vscode', 'scaling-lens');
    mkdirSync(lawDir, { recursive: true });
    execFileSync(
      process.execPath,
      [
        join(REPO_ROOT, 'dist', 'cli.js'),
        'fit',
        RUNS,
        '--bootstrap',
        '0',
        '--save',
        join(lawDir, 'gone.law.json'),
        '--name',
        'gone',
      ],
      { encoding: 'utf8' },
    );
    const text = readFileSync(join(lawDir, 'gone.law.json'), 'utf8').replace(
      JSON.stringify(RUNS),
      JSON.stringify(join(root, 'missing.csv')),
    );
    writeFileSync(join(lawDir, 'gone.law.json'), text);
    const parsed = parseSavedLaw(text);
    assert.ok(parsed.ok);
    const lawUri = pathToFileURL(join(lawDir, 'gone.law.json')).toString();
    const builder = new CurvesBuilder({
      folders: [root],
      savedLaws: () => [{ id: 'fitted:gone', label: 'gone', uri: lawUri }],
    });
    const snapshot = cliChartSnapshot(EXAMPLE);
    const fittedSnapshot = {
      ...snapshot,
      uri: 'file:///w/train.py',
      version: 3,
      law: { ...snapshot.law, id: 'fitted:gone', fittedFrom: join(lawDir, 'gone.law.json') },
    } as unknown as Parameters<CurvesBuilder['build']>[0];
    assert.deepEqual(builder.observedFor(fittedSnapshot), []);
    const answer = builder.build(fittedSnapshot);
    assert.equal(answer.version, 3);
    assert.deepEqual(answer.data, buildChartData({ snapshot: fittedSnapshot }));
    assert.equal(
      answer.data.charts.some((c) => c.id === 'fit'),
      false,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
