/**
 * The curves page draws the accuracy-vs-compute chart (issue #14) in headless Chromium: the panel's
 * own page (scripts/webview-preview.mjs) receives an update whose data is buildChartData with the
 * downstream chart of a real Pythia fit (the server's path, src/server/curves.ts), and shows the
 * section, the band, the curve, the config marker and the caption. Screenshot:
 * test-artifacts/webview-downstream-dark.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { buildChartData } from '../../src/core/charts';
import { downstreamChart } from '../../src/core/downstream/chart';
import { fitDownstream } from '../../src/core/downstream/fitDownstream';
import {
  parseDownstreamLaw,
  predictDownstream,
  savedDownstreamFromReport,
  serializeDownstreamLaw,
} from '../../src/core/downstream/saved';
import { readRunsFromPath } from '../../src/node/runsFromDisk';
import type { UpdateMessage } from '../../src/webviewProtocol';
import { REPO_ROOT, SHARED_DIR } from '../helpers';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const SKIP = existsSync(CHROMIUM) || process.env.CI === 'true' ? false : `Chromium not found at ${CHROMIUM}`;
const PYTHIA = join(SHARED_DIR, 'data', 'pythia_evals', 'pythia_v1_zero_shot_checkpoints.csv');

interface PreviewModule {
  writePreview(options: {
    sample?: 'fitted' | 'published';
    theme?: 'dark' | 'light';
    outDir?: string;
  }): Promise<{ htmlPath: string; update: UpdateMessage }>;
}
const previewPath = join(REPO_ROOT, 'scripts', 'webview-preview.mjs');

describe('the accuracy-vs-compute chart renders (headless Chromium)', { skip: SKIP }, () => {
  let browser: Browser;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
  });

  test('section shown, band, curve and config drawn, caption states the interval and the held-out error', async () => {
    const lossRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'loss_ln_lambada_ppl' } }).runs;
    const accuracyRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'piqa_acc' } }).runs;
    const report = fitDownstream(lossRuns, accuracyRuns, 'piqa_acc', { holdoutLargest: true, bootstrap: 40 });
    const parsed = parseDownstreamLaw(
      serializeDownstreamLaw(
        savedDownstreamFromReport(report, { name: 'piqa', dataSource: 'pythia', date: '2025-01-01' })!,
      ),
    );
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    const preview = (await import(pathToFileURL(previewPath).href)) as PreviewModule;
    const { htmlPath, update } = await preview.writePreview({
      sample: 'published',
      theme: 'dark',
      outDir: ARTIFACTS,
    });
    const params = update.snapshot.params!.active;
    const tokens = update.snapshot.tokens!;
    const chart = downstreamChart({ loaded: parsed, id: 'piqa', params, tokens });
    const data = buildChartData({ snapshot: update.snapshot, extraCharts: [chart] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    try {
      await page.goto(pathToFileURL(htmlPath).href);
      await page.waitForSelector('body[data-renders]', { timeout: 15_000 });
      const before = Number(await page.getAttribute('body', 'data-renders'));
      await page.evaluate((message) => window.postMessage(message, '*'), {
        ...update,
        data,
      } as UpdateMessage);
      await page.waitForFunction((n) => Number(document.body.dataset.renders) > n, before, {
        timeout: 15_000,
      });
      assert.equal(await page.isVisible('#section-downstream'), true);
      assert.equal(await page.textContent('#title-downstream'), chart.title);
      const inked = await page.evaluate(() => {
        const canvas = document.querySelector('canvas[data-chart="downstream"]') as HTMLCanvasElement;
        const { data: px } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 0; i < px.length; i += 4)
          if (Math.abs(px[i]! - px[0]!) + Math.abs(px[i + 1]! - px[1]!) + Math.abs(px[i + 2]! - px[2]!) > 60)
            count++;
        return count;
      });
      assert.ok(inked > 2000, `only ${inked} drawn pixels`);
      const caption = await page.textContent('[data-caption="downstream"]');
      assert.match(caption ?? '', /95% bootstrap interval of the fit/);
      assert.match(caption ?? '', /Held-out error: \d+\.\d\d points on pythia-12b/);
      // The table row of the config is the prediction, in percent.
      const configRow = await page.$$eval('#data-table tbody tr[data-chart="downstream"]', (rows) =>
        rows
          .filter((tr) => tr.querySelector('[data-series]')?.getAttribute('data-series') === 'This config')
          .map((tr) => Number(tr.querySelector('[data-y]')?.getAttribute('data-y'))),
      );
      assert.deepEqual(configRow, [100 * predictDownstream(parsed, params, tokens)!.accuracy]);
      await page
        .locator('#section-downstream')
        .screenshot({ path: join(ARTIFACTS, 'webview-downstream-dark.png') });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
