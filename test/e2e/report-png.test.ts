/**
 * End-to-end (issue #16): "Scaling Lens: Export Report" in a real VS Code (code-server + Chromium)
 * writes, beside the Markdown and JSON, one PNG per chart of the open config, drawn by chart.js in
 * the curves webview at 2× device pixels from the server's chart data. The panel was not open: the
 * command opens it beside the editor without taking the focus. Checked from disk: each file is a PNG
 * (signature, IHDR = 2 × 800×450 CSS pixels), the JSON lists exactly the files written, the
 * Markdown embeds each as `![title](<name>.scaling-report/<chart>.png)`. Screenshots (the report's
 * preview, one chart PNG copied) in test-artifacts/e2e/report-png-*.png.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPORT_CHART_SIZE, REPORT_PIXEL_RATIO } from '../../src/webviewMessages';
import { REPO_ROOT } from '../helpers';
import {
  ARTIFACTS_DIR,
  clickNotificationButton,
  E2E_REQUIRED,
  e2eUnavailableReasonSync,
  findWebviewFrame,
  runCommand,
  screenshot,
  startSession,
  waitForLenses,
  type Session,
} from './harness';

const unavailable = e2eUnavailableReasonSync();
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

const NANOGPT = 'examples/nanogpt/train_gpt2_124m.py';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, read here independently of src/webviewMessages.ts. */
function ihdr(bytes: Buffer): { width: number; height: number } {
  assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  assert.equal(bytes.toString('latin1', 12, 16), 'IHDR', 'first chunk is IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('Export Report writes the charts as 2× PNGs (code-server + Chromium)', { skip }, () => {
  let session: Session;

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    session = await startSession({ copy: { examples: join(REPO_ROOT, 'examples') } });
  });

  after(async () => {
    await session?.stop();
  });

  test('nanoGPT: one PNG per chart at 2× the CSS size, listed in the JSON and embedded in the Markdown', async () => {
    const page = session.page;
    await session.openFile(NANOGPT);
    await waitForLenses(page, { pattern: /FLOPs$/ });
    await runCommand(page, 'Scaling Lens: Export Report');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Next to the config' }).first();
    await row.waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');

    const md = session.path('examples/nanogpt/train_gpt2_124m.scaling-report.md');
    const json = session.path('examples/nanogpt/train_gpt2_124m.scaling-report.json');
    const folder = session.path('examples/nanogpt/train_gpt2_124m.scaling-report');
    await waitFor('the report files', () => (existsSync(md) && existsSync(json) ? true : undefined));
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      charts: {
        status: string;
        note: string;
        images: { chart: string; title: string; file: string; widthPx: number; heightPx: number }[];
      };
    };
    assert.equal(report.charts.status, 'embedded', report.charts.note);

    // The files on disk are exactly the ones the JSON lists, each a PNG at 2× the CSS size.
    const expected = {
      width: REPORT_CHART_SIZE.width * REPORT_PIXEL_RATIO,
      height: REPORT_CHART_SIZE.height * REPORT_PIXEL_RATIO,
    };
    assert.deepEqual(expected, { width: 1600, height: 900 });
    const written = readdirSync(folder).sort();
    assert.deepEqual(written, report.charts.images.map((i) => `${i.chart}.png`).sort());
    // nanoGPT with the default law: loss vs tokens, isoFLOP, frontier and the LR schedule at least.
    for (const chart of ['tokens', 'isoflop', 'frontier', 'schedule'])
      assert.ok(written.includes(`${chart}.png`), `${chart}.png among ${JSON.stringify(written)}`);
    const text = readFileSync(md, 'utf8');
    for (const image of report.charts.images) {
      const bytes = readFileSync(join(folder, `${image.chart}.png`));
      assert.deepEqual(ihdr(bytes), expected, image.chart);
      assert.deepEqual({ width: image.widthPx, height: image.heightPx }, expected);
      assert.ok(bytes.length > 20_000, `${image.chart}.png is ${bytes.length} bytes: drawn, not blank`);
      assert.equal(image.file, `train_gpt2_124m.scaling-report/${image.chart}.png`);
      assert.ok(text.includes(`![${image.title}](${image.file})\n`), `Markdown embeds ${image.chart}`);
    }
    assert.match(report.charts.note, /at 2× device pixels \(800×450 CSS pixels → 1600×900 PNG\)/);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    copyFileSync(join(folder, 'tokens.png'), join(ARTIFACTS_DIR, 'report-png-tokens.png'));
    copyFileSync(join(folder, 'schedule.png'), join(ARTIFACTS_DIR, 'report-png-schedule.png'));

    // The panel opened beside without taking the focus: the config is still the active editor.
    await page
      .locator('.editor-group-container.active .tab.active', { hasText: 'train_gpt2_124m.py' })
      .first()
      .waitFor({ state: 'visible', timeout: 10_000 });
    await findWebviewFrame(page, 'canvas[data-chart="tokens"]');
    await screenshot(page, 'report-png-panel-beside');

    // "Open Report" shows the Markdown preview with the images.
    await clickNotificationButton(
      page,
      /with \d+ chart PNGs in train_gpt2_124m\.scaling-report\//,
      'Open Report',
    );
    const preview = await findWebviewFrame(page, 'img[src*="tokens.png"]', 30_000);
    await preview
      .locator('img[src*="tokens.png"]')
      .first()
      .evaluate((img: HTMLImageElement) =>
        img.complete && img.naturalWidth > 0
          ? undefined
          : new Promise((resolve, reject) => {
              img.addEventListener('load', resolve, { once: true });
              img.addEventListener('error', () => reject(new Error('image failed to load')), { once: true });
            }),
      );
    const natural = await preview
      .locator('img[src*="tokens.png"]')
      .first()
      .evaluate((img: HTMLImageElement) => ({ width: img.naturalWidth, height: img.naturalHeight }));
    assert.deepEqual(natural, expected);
    await page.waitForTimeout(500);
    await screenshot(page, 'report-png-preview');
    // And its Charts section, where the PNGs are.
    await preview
      .locator('img[src*="tokens.png"]')
      .first()
      .evaluate((img: HTMLImageElement) => img.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(500);
    await screenshot(page, 'report-png-preview-charts');
  });
});
