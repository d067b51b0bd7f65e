/**
 * `scalingLens/report` (Export Report): the open config's analysis as Markdown and JSON, with the
 * same numbers as the CLI and the lenses, the cost assumptions and where each came from, the law and
 * its interval. Over JSON-RPC against the bundled server.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../helpers';
import { cliAnalyze } from './expected';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
before(async () => {
  if (!NOT_BUILT) client = await LspTestClient.start();
});
after(async () => {
  await client?.stop();
});

type Report =
  | { ok: true; markdown: string; json: string; name: string; chartsFolder: string }
  | { ok: false; message: string };

test(
  'the report carries the CLI numbers, the assumptions with their origins, the law and the lenses',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'train_small_gpt.py');
    const uri = await client.open(file);
    const report = await client.connection.sendRequest<Report>('scalingLens/report', { uri });
    assert.ok(report.ok, JSON.stringify(report));
    assert.equal(report.name, 'train_small_gpt');
    const json = JSON.parse(report.json);
    const [cli] = cliAnalyze([file]);
    assert.equal(json.version, 2);
    assert.equal(json.file, 'train_small_gpt.py');
    assert.equal(json.params.total, cli!.params!.total);
    assert.equal(json.params.active, cli!.params!.active);
    // 64 × 256 × 1 × 5000 tokens; 6·N·D.
    assert.equal(json.tokens, 81_920_000);
    assert.equal(json.tokens, cli!.tokens);
    assert.equal(json.flops, cli!.flops);
    assert.equal(json.flops, 6 * cli!.params!.active * 81_920_000);
    assert.equal(json.cost.usd, cli!.cost!.usd);
    assert.equal(json.loss.value, cli!.loss!.value);
    assert.deepEqual(json.loss.interval95, [cli!.loss!.low, cli!.loss!.high]);
    assert.equal(json.law.id, 'epoch2024');
    assert.ok(json.law.citation.includes('arXiv:2404.10102'));
    assert.deepEqual(
      json.cost.assumptions.map((a: { name: string; value: string }) => [a.name, a.value]),
      [
        ['accelerator', 'H100'],
        ['GPUs', '1'],
        ['MFU', '40%'],
        ['$/GPU-hour', '$2.00'],
      ],
    );
    assert.ok(
      json.sources.some((s: { key: string; value: string }) => s.key === 'max_iters' && s.value === '5000'),
    );
    // The report's lens titles are the lenses the editor shows.
    const lenses = (await client.codeLens(uri))!;
    assert.deepEqual(
      json.lenses.map((l: { title: string }) => l.title),
      lenses.map((l) => l.command!.title),
    );
    // A client that drew no charts (this one) gets a report that says so and lists none.
    assert.equal(json.charts.status, 'not-drawn');
    assert.match(json.charts.note, /curves panel/);
    assert.deepEqual(json.charts.images, []);
    assert.equal(report.chartsFolder, 'train_small_gpt.scaling-report');

    const md = report.markdown;
    assert.ok(md.startsWith('# Scaling Lens report: train_small_gpt.py\n'));
    assert.ok(md.includes('| D (training tokens) | 81,920,000 (81.9M) |'), md);
    assert.ok(md.includes('## Cost assumptions'));
    assert.ok(md.includes('| MFU | 40% | the default (setting scalingLens.hardware.mfu, 40%) |'), md);
    assert.ok(md.includes(`| predicted loss (epoch2024) | ${cli!.loss!.value.toFixed(3)} |`), md);
    assert.ok(md.includes('## Charts'));
  },
);

test(
  'the charts the client wrote are embedded in the Markdown and listed in the JSON, with their sizes',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(fixturePath('server', 'train_small_gpt.py'));
    const images = [
      {
        chart: 'tokens',
        title: 'Loss vs training tokens (N = 10M total parameters)',
        widthPx: 1600,
        heightPx: 900,
      },
      { chart: 'isoflop', title: 'IsoFLOP [a] \\ b', widthPx: 1600, heightPx: 900 },
    ];
    const report = await client.connection.sendRequest<Report>('scalingLens/report', {
      uri,
      charts: { status: 'embedded', images, pixelRatio: 2 },
    });
    assert.ok(report.ok, JSON.stringify(report));
    const json = JSON.parse(report.json);
    assert.deepEqual(json.charts.images, [
      { ...images[0], file: 'train_small_gpt.scaling-report/tokens.png' },
      { ...images[1], file: 'train_small_gpt.scaling-report/isoflop.png' },
    ]);
    assert.equal(json.charts.status, 'embedded');
    assert.equal(json.charts.pixelRatio, 2);
    assert.match(json.charts.note, /at 2× device pixels \(800×450 CSS pixels → 1600×900 PNG\)/);
    const md = report.markdown;
    const charts = md.slice(md.indexOf('## Charts'));
    assert.ok(
      charts.includes(
        '![Loss vs training tokens (N = 10M total parameters)](train_small_gpt.scaling-report/tokens.png)\n',
      ),
      charts,
    );
    // Brackets and backslashes in a title cannot end the alt text early.
    assert.ok(
      charts.includes('![IsoFLOP \\[a\\] \\\\ b](train_small_gpt.scaling-report/isoflop.png)\n'),
      charts,
    );
    assert.doesNotMatch(charts, /not embedded/);
  },
);

test(
  'a file name with spaces and parentheses still gives one working image link',
  { skip: NOT_BUILT },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-report-'));
    try {
      const file = join(dir, 'my run (v2).py');
      writeFileSync(
        file,
        'n_layer = 4\nn_head = 4\nn_embd = 128\nblock_size = 256\nbatch_size = 8\nmax_iters = 100\n',
      );
      const uri = await client.open(file);
      const report = await client.connection.sendRequest<Report>('scalingLens/report', {
        uri,
        charts: {
          status: 'embedded',
          images: [{ chart: 'tokens', title: 'T', widthPx: 1600, heightPx: 900 }],
          pixelRatio: 2,
        },
      });
      assert.ok(report.ok, JSON.stringify(report));
      assert.equal(report.chartsFolder, 'my run (v2).scaling-report');
      assert.ok(
        report.markdown.includes('![T](my%20run%20%28v2%29.scaling-report/tokens.png)\n'),
        report.markdown,
      );
      // The JSON keeps the plain relative path (a file path, not a URL).
      assert.equal(JSON.parse(report.json).charts.images[0].file, 'my run (v2).scaling-report/tokens.png');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'when drawing failed the report says why; a malformed charts value is ignored',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(fixturePath('server', 'train_small_gpt.py'));
    const failed = await client.connection.sendRequest<Report>('scalingLens/report', {
      uri,
      charts: { status: 'failed', reason: 'the curves panel did not draw the charts within 30 s' },
    });
    assert.ok(failed.ok);
    assert.ok(
      failed.markdown.includes(
        '## Charts\n\nCharts not embedded: the curves panel did not draw the charts within 30 s. The numbers above do not depend on them',
      ),
      failed.markdown,
    );
    assert.equal(JSON.parse(failed.json).charts.status, 'failed');
    assert.doesNotMatch(failed.markdown, /!\[/);
    for (const charts of [
      {
        status: 'embedded',
        images: [{ chart: 'tokens', title: 'T', widthPx: -1, heightPx: 900 }],
        pixelRatio: 2,
      },
      {
        status: 'embedded',
        images: [{ chart: '../../etc', title: 'T', widthPx: 1, heightPx: 1 }],
        pixelRatio: 2,
      },
      { status: 'embedded', images: 'all', pixelRatio: 2 },
      { status: 'embedded', images: [], pixelRatio: 99 },
      { status: 'sideways' },
      'embedded',
    ]) {
      const report = await client.connection.sendRequest<Report>('scalingLens/report', { uri, charts });
      assert.ok(report.ok, JSON.stringify(charts));
      const json = JSON.parse(report.json);
      assert.equal(json.charts.status, 'not-drawn', JSON.stringify(charts));
      assert.deepEqual(json.charts.images, []);
    }
    const none = await client.connection.sendRequest<Report>('scalingLens/report', {
      uri,
      charts: { status: 'none' },
    });
    assert.ok(none.ok);
    assert.match(JSON.parse(none.json).charts.note, /nothing the curves panel can draw/);
  },
);

test(
  'a run length from the framework default is reported as such, not as from the file',
  { skip: NOT_BUILT },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-report-'));
    try {
      const file = join(dir, 'train_tiny.py');
      writeFileSync(file, 'n_layer = 4\nn_head = 4\nn_embd = 128\nblock_size = 256\nbatch_size = 8\n');
      const uri = await client.open(file);
      const report = await client.connection.sendRequest<Report>('scalingLens/report', { uri });
      assert.ok(report.ok);
      const json = JSON.parse(report.json);
      // karpathy/nanoGPT@3adf61e train.py: max_iters = 600000, gradient_accumulation_steps = 5 * 8.
      assert.equal(json.tokens, 8 * 256 * 40 * 600000);
      assert.equal(json.tokensFrom, 'not set in the file: max_iters not set: train.py default 600000');
      assert.ok(
        report.markdown.includes(
          '| D from | not set in the file: max_iters not set: train.py default 600000 |',
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a file that is not a run config gets a message, not a report', { skip: NOT_BUILT }, async () => {
  const uri = await client.open(fixturePath('server', 'workflow.yaml'));
  const report = await client.connection.sendRequest<Report>('scalingLens/report', { uri });
  assert.equal(report.ok, false);
  assert.match((report as { message: string }).message, /^workflow\.yaml is not a run config/);
  const unknown = await client.connection.sendRequest<Report>('scalingLens/report', {
    uri: 'file:///nope/x.yaml',
  });
  assert.equal(unknown.ok, false);
});
