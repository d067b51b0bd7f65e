/**
 * Downstream accuracy in the editor (issue #14), over real JSON-RPC to the bundled server: a saved
 * `.vscode/scaling-lens/*.downstream.json` selected by `scalingLens.downstream.law` gives the config
 * an accuracy lens with the fit's bootstrap interval (and "extrapolated" far outside the fitted
 * region), an accuracy column in the size-key hover whose every row is the edited file's analysis,
 * and the accuracy-vs-compute chart; the editor's fit lists benchmark columns, refuses or converts
 * percentages, and explains a single model size or a missing column, never with NaN.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver/node';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { fitDownstream } from '../../src/core/downstream/fitDownstream';
import {
  parseDownstreamLaw,
  predictDownstream,
  savedDownstreamFromReport,
  serializeDownstreamLaw,
  type LoadedDownstreamLaw,
} from '../../src/core/downstream/saved';
import { readRunsFromPath } from '../../src/node/runsFromDisk';
import {
  AccuracyColumnsRequest,
  CurvesRequest,
  DownstreamFitRequest,
  DownstreamLawsRequest,
  FitProgressNotification,
  type DownstreamFitParams,
} from '../../src/protocol';
import { accuracyWithInterval } from '../../src/server/downstreamLenses';
import { fixturePath, SHARED_DIR } from '../helpers';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

const PYTHIA = join(SHARED_DIR, 'data', 'pythia_evals', 'pythia_v1_zero_shot_checkpoints.csv');

let client: LspTestClient;
let dir: string;
let loaded: LoadedDownstreamLaw;
let configPath: string;

before(async () => {
  if (NOT_BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'scaling-lens-downstream-'));
  const lawDir = join(dir, '.vscode', 'scaling-lens');
  mkdirSync(lawDir, { recursive: true });
  const lossRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'loss_ln_lambada_ppl' } }).runs;
  const accuracyRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'piqa_acc' } }).runs;
  const report = fitDownstream(lossRuns, accuracyRuns, 'piqa_acc', { holdoutLargest: true, bootstrap: 40 });
  const text = serializeDownstreamLaw(
    savedDownstreamFromReport(report, {
      name: 'piqa',
      dataSource: 'pythia_v1_zero_shot_checkpoints.csv',
      date: '2025-01-01',
    })!,
  );
  writeFileSync(join(lawDir, 'piqa.downstream.json'), text);
  const parsed = parseDownstreamLaw(text);
  assert.ok(parsed.ok);
  loaded = parsed;
  configPath = join(dir, 'neox-20b.yml');
  writeFileSync(configPath, readFileSync(fixturePath('gpt-neox', 'neox-20b.yml'), 'utf8'));
  client = await LspTestClient.start({ rootPath: dir, settings: { downstream: { law: 'piqa' } } });
});
after(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The core's analysis of a text (the file's own path, default settings). */
function analyze(text: string) {
  return analyzeText(text, { path: configPath, readFile: () => undefined }, DEFAULT_ANALYSIS_SETTINGS)
    .analysis!;
}

/** Retry an async check until it gives a value (settings changes re-analyze asynchronously). */
async function poll<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function accuracyLens(lenses: { command?: { title: string }; data?: unknown }[] | null) {
  return lenses?.find((l) => l.command?.title.startsWith('acc '));
}

test(
  'the accuracy lens: the benchmark, its prediction and bootstrap interval, and a tooltip with range and held-out error',
  { skip: NOT_BUILT },
  async () => {
    const laws = await client.connection.sendRequest(DownstreamLawsRequest);
    assert.deepEqual(
      laws.map((l) => [l.id, l.target, l.draws]),
      [['piqa', 'piqa_acc', loaded.law.bootstrap!.lossDraws.length]],
    );
    const uri = await client.open(configPath);
    const lens = accuracyLens(await client.codeLens(uri));
    assert.ok(lens, 'an accuracy lens');
    const a = analyze(client.text(uri));
    const expected = predictDownstream(loaded, a.params!.active, a.tokens!)!;
    assert.ok(expected.low! < expected.accuracy && expected.accuracy < expected.high!);
    assert.equal(lens.command!.title, `acc piqa_acc ${accuracyWithInterval(expected)}`);
    assert.match(lens.command!.title, /^acc piqa_acc \d+\.\d% \(\d+\.\d–\d+\.\d%\)$/);
    const tooltip = (lens.data as { tooltip: string }).tooltip;
    assert.match(tooltip, /95% bootstrap interval of the fit/);
    assert.match(tooltip, /Benchmark: piqa_acc/);
    assert.match(tooltip, /Fitted range: N 70\.4M–6\.86B/);
    assert.match(tooltip, /Held-out error: \d+\.\d\d points .*pythia-12b/);
    assert.doesNotMatch(tooltip + lens.command!.title, /NaN|undefined/);

    // 100 iterations: D = 3.1e8, 87× below the fitted 2.7e10 tokens.
    await client.change(uri, client.text(uri).replace('"train_iters": 150000', '"train_iters": 100'));
    const farLens = await poll(async () => {
      const l = accuracyLens(await client.codeLens(uri));
      return l && / extrapolated$/.test(l.command!.title) ? l : undefined;
    }, 'the extrapolated lens');
    assert.match(farLens!.command!.title, / extrapolated$/);
    assert.match(
      (farLens!.data as { tooltip: string }).tooltip,
      /Extrapolated: this D is 87× below the fitted range/,
    );
    await client.close(uri);
  },
);

test(
  'the size-key hover gains an accuracy column: each row is the prediction for the edited file',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(configPath);
    const text = client.text(uri);
    const line = text.split('\n').findIndex((l) => l.includes('"num_layers": 44'));
    const hover = await client.hover(uri, {
      line,
      character: text.split('\n')[line]!.indexOf('num_layers') + 2,
    });
    const markdown = (hover!.contents as { value: string }).value;
    assert.match(markdown, /\| num_layers \| N \| FLOPs \| loss \| acc piqa_acc \|/);
    const rows = markdown.split('\n').filter((l) => /^\| (\*\*)?\d/.test(l));
    assert.equal(rows.length, 3);
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim());
      const layers = Number(cells[1]!.replace(/\*\*|\(now\)/g, '').trim());
      const edited = text.replace('"num_layers": 44', `"num_layers": ${layers}`);
      const a = analyze(edited);
      const p = predictDownstream(loaded, a.params!.active, a.tokens!)!;
      assert.ok(cells[5]!.startsWith(`${(100 * p.accuracy).toFixed(1)}%`), `${cells[5]} vs ${p.accuracy}`);
      if (layers !== 44) assert.match(cells[5]!, /\([+−]\d\.\d\d\)/);
    }
    // The length key: the accuracy now, at ½× and 2× D, and at the compute-optimal D.
    const iters = text.split('\n').findIndex((l) => l.includes('"train_iters"'));
    const length = await client.hover(uri, {
      line: iters,
      character: text.split('\n')[iters]!.indexOf('train_iters') + 2,
    });
    assert.match(
      (length!.contents as { value: string }).value,
      /predicted piqa_acc accuracy \d+\.\d% \(.*\) now · \d+\.\d% at ½× D · \d+\.\d% at 2× D/,
    );
    await client.close(uri);
  },
);

test(
  'the curves panel: an accuracy-vs-compute chart with the band and the config, and its CSV',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(configPath);
    await client.codeLens(uri);
    const answer = await client.connection.sendRequest(CurvesRequest, { uri });
    const chart = answer!.data.charts.find((c) => c.id === 'downstream');
    assert.ok(chart, 'the downstream chart');
    assert.deepEqual(
      chart.series.map((s) => s.role),
      ['band', 'curve', 'curve', 'curve', 'config'],
    );
    const a = analyze(client.text(uri));
    const config = chart.series.find((s) => s.role === 'config')!.points[0]!;
    assert.equal(config.y, 100 * predictDownstream(loaded, a.params!.active, a.tokens!)!.accuracy);
    assert.match(answer!.csv.downstream!, /95% bootstrap interval of the fit \(low\)/);
    assert.ok(!JSON.stringify(chart).includes('null'));
    await client.close(uri);
  },
);

test(
  'no accuracy without a selection; an unknown selection is a warning, not a number',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(configPath);
    await client.setSettings({ downstream: { law: '' } });
    await poll(async () => (accuracyLens(await client.codeLens(uri)) ? undefined : true), 'no lens');
    await client.setSettings({ downstream: { law: 'mmlu' } });
    const snapshot = await client.waitFor(
      () =>
        [...client.snapshots]
          .reverse()
          .find((s) => s.uri === uri && s.warnings.some((w) => /Unknown downstream law "mmlu"/.test(w))),
      5000,
      'warning',
    );
    assert.ok(snapshot);
    assert.equal(accuracyLens(await client.codeLens(uri)), undefined);
    await client.setSettings({ downstream: { law: 'piqa' } });
    await client.close(uri);
  },
);

/** A copy of the Pythia table with one column rewritten, as a text source. */
function rewritten(column: string, map: (value: string) => string, keepRow = (_: string) => true) {
  const lines = readFileSync(PYTHIA, 'utf8').trim().split('\n');
  const index = lines[0]!.split(',').indexOf(column);
  const rows = lines
    .slice(1)
    .filter(keepRow)
    .map((l) =>
      l
        .split(',')
        .map((c, i) => (i === index ? map(c) : c))
        .join(','),
    );
  return { kind: 'text' as const, text: [lines[0], ...rows].join('\n') + '\n', fileName: 'runs.csv' };
}

const fitParams = (
  source: DownstreamFitParams['source'],
  extra: Partial<DownstreamFitParams> = {},
): DownstreamFitParams => ({
  source,
  label: 'runs.csv',
  column: 'piqa_acc',
  lossColumn: 'loss_ln_lambada_ppl',
  accuracyScale: 'fraction',
  name: 'piqa-fit',
  progressId: 'p1',
  date: '2025-01-01T00:00:00Z',
  ...extra,
});

test(
  'the editor fit: benchmark columns, percentages refused then converted, a saved law with held-out error and bootstrap',
  { skip: NOT_BUILT },
  async () => {
    const columns = await client.connection.sendRequest(AccuracyColumnsRequest, {
      source: { kind: 'path', path: PYTHIA },
    });
    assert.deepEqual(
      columns.columns.map((c) => c.name),
      ['lambada_acc', 'piqa_acc', 'arc_easy_acc', 'sciq_acc', 'winogrande_acc'],
    );
    const percent = rewritten('piqa_acc', (c) => String(Number(c) * 100));
    const listed = await client.connection.sendRequest(AccuracyColumnsRequest, { source: percent });
    assert.equal(listed.columns.find((c) => c.name === 'piqa_acc')!.scale, 'percent');
    const refused = await client.connection.sendRequest(DownstreamFitRequest, fitParams(percent));
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.errors.join(' '), /look like percentages/);

    let progress = 0;
    const listener = client.connection.onNotification(FitProgressNotification, (p) => {
      if (p.session === 'p1') progress++;
    });
    const fitted = await client.connection.sendRequest(
      DownstreamFitRequest,
      fitParams(percent, { accuracyScale: 'percent' }),
    );
    listener.dispose();
    assert.equal(fitted.ok, true, fitted.ok ? '' : fitted.errors.join(' '));
    if (!fitted.ok) return;
    assert.ok(progress > 5, `${progress} progress notifications`);
    assert.equal(fitted.fileName, 'piqa-fit.downstream.json');
    assert.match(fitted.warnings.join(' '), /read as percentages \(divided by 100\)/);
    // No link stated: both are held out on pythia-12b and the better one is kept, with both errors said.
    assert.match(
      fitted.warnings.join(' '),
      /Accuracy link (bhagia2024|gadre2024): it predicted the held-out pythia-12b better \(bhagia2024 \d\.\d\d points, gadre2024 \d\.\d\d points\)/,
    );
    const saved = parseDownstreamLaw(fitted.content);
    assert.ok(saved.ok);
    if (!saved.ok) return;
    assert.equal(saved.law.bootstrap!.lossDraws.length, 200);
    assert.equal(saved.law.heldOut!.model, 'pythia-12b');
    assert.ok(saved.law.heldOut!.mae < 0.02);
    assert.match(fitted.markdown, /Held out pythia-12b/);
    assert.doesNotMatch(fitted.markdown + fitted.content, /NaN/);
  },
);

test(
  'the editor fit explains a single model size, a missing column and a cancel',
  { skip: NOT_BUILT },
  async () => {
    const one = rewritten(
      'piqa_acc',
      (c) => c,
      (row) => row.startsWith('pythia-410m,'),
    );
    const single = await client.connection.sendRequest(DownstreamFitRequest, fitParams(one));
    assert.equal(single.ok, false);
    assert.match(single.ok ? '' : single.errors.join(' '), /at least 2 model sizes .*; the data has 1\./);
    const missing = await client.connection.sendRequest(
      DownstreamFitRequest,
      fitParams({ kind: 'path', path: PYTHIA }, { column: 'hellaswag_acc' }),
    );
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? '' : missing.errors.join(' '), /hellaswag_acc/);
    for (const answer of [single, missing]) assert.doesNotMatch(JSON.stringify(answer), /NaN/);
    const folder = await client.connection.sendRequest(AccuracyColumnsRequest, {
      source: { kind: 'path', path: dir },
    });
    assert.match(folder.message ?? '', /one runs table/);

    const cancel = new CancellationTokenSource();
    const pending = client.connection.sendRequest(
      DownstreamFitRequest,
      fitParams({ kind: 'path', path: PYTHIA }, { progressId: 'p2' }),
      cancel.token,
    );
    setTimeout(() => cancel.cancel(), 300);
    await assert.rejects(pending, (error: { code?: number }) => error.code === -32800);
  },
);
