/**
 * End-to-end: the "Scaling Curves" webview in a real VS Code (code-server 4.100) driven by headless
 * Chromium. One code-server serves every test in this file; the workspace is a temporary copy of
 * examples/. The charts are checked by their pixels (read back from each canvas inside the webview's
 * frame), the table and header by their text, and hostile run names by what the DOM holds.
 *
 * Screenshots land in test-artifacts/e2e/webview-*.png. Under CI=true a missing prerequisite fails
 * the suite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { formatCount } from '../../src/core/format';
import { REPO_ROOT } from '../helpers';
import {
  clickToken,
  closeQuickInput,
  E2E_REQUIRED,
  e2eUnavailableReasonSync,
  findWebviewFrame,
  runCommand,
  save,
  savedText,
  screenshot,
  selectLaw,
  startSession,
  undo,
  summaryLens,
  waitForLenses,
  type Session,
} from './harness';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

/** Run the CLI (building it first when needed). */
function cli(args: string[], cwd = REPO_ROOT): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI))
    spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
}

interface CliAnalysis {
  params: { total: number; active: number } | null;
  tokens: number | null;
  loss: { value: number } | null;
}

/** The CLI's analysis of a config given as text (written to a temporary file with the same name). */
function analyzeText(name: string, text: string): CliAnalysis {
  const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-e2e-'));
  try {
    writeFileSync(join(dir, name), text);
    const result = cli(['analyze', join(dir, name), '--json']);
    assert.ok(result.stdout.trim(), result.stderr);
    const parsed = JSON.parse(result.stdout) as CliAnalysis | CliAnalysis[];
    return Array.isArray(parsed) ? parsed[0] : parsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What one chart canvas holds right now. */
interface CanvasStats {
  chart: string;
  /** Its section is shown (charts without data are hidden). */
  shown: boolean;
  width: number;
  height: number;
  /** Distinct RGBA values over the whole canvas. */
  colors: number;
  /** Share of pixels that differ from the top-left (background) pixel. */
  inked: number;
  /** The top-left pixel, as rgba(). */
  background: string;
  /** A hash of every pixel, to tell two renderings apart. */
  hash: number;
}

/** Read every `[data-chart]` canvas back from the page (the canvases are same-origin to their frame). */
async function canvasStats(frame: Frame): Promise<CanvasStats[]> {
  return frame.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')).map((canvas) => {
      const section = canvas.closest('section');
      const base = {
        chart: canvas.dataset.chart ?? '',
        shown: !!section && !section.hidden && canvas.getBoundingClientRect().width > 0,
        width: canvas.width,
        height: canvas.height,
      };
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0)
        return { ...base, colors: 0, inked: 0, background: '', hash: 0 };
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const colors = new Set<number>();
      const corner = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0;
      let inked = 0;
      let hash = 0;
      for (let i = 0; i < data.length; i += 4) {
        const value = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
        colors.add(value);
        if (value !== corner) inked += 1;
        hash = (Math.imul(hash, 31) + value) >>> 0;
      }
      return {
        ...base,
        colors: colors.size,
        inked: inked / (data.length / 4),
        background: `rgba(${data[0]}, ${data[1]}, ${data[2]}, ${data[3]})`,
        hash,
      };
    }),
  );
}

/** Assert every shown chart has been drawn: axes, labels and curves, not just a background fill. */
function assertDrawn(stats: CanvasStats[], expectedCharts: string[]): void {
  const shown = stats.filter((s) => s.shown).map((s) => s.chart);
  assert.deepEqual(shown, expectedCharts, `charts shown: ${JSON.stringify(stats)}`);
  for (const s of stats.filter((c) => c.shown)) {
    assert.ok(s.width > 100 && s.height > 100, `${s.chart} canvas is ${s.width}×${s.height}`);
    assert.ok(s.colors >= 20, `${s.chart} has ${s.colors} distinct colors`);
    assert.ok(
      s.inked > 0.01,
      `${s.chart}: ${(100 * s.inked).toFixed(2)}% of pixels differ from the background`,
    );
  }
}

/** Wait until `read()` satisfies `accept`, polling; returns the last value. */
async function poll<T>(page: Page, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value) && Date.now() < deadline) {
    await page.waitForTimeout(200);
    value = await read();
  }
  return value;
}

/** A CSV field, quoted when it has a comma, quote or newline (RFC 4180). */
function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const unavailable = e2eUnavailableReasonSync();
// Locally a machine without code-server/Chromium skips with the reason; CI must not silently skip.
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

const NANOGPT = 'examples/nanogpt/train_gpt2_124m.py';
const TORCHTITAN = 'examples/torchtitan/llama3_8b.toml';
/** A published law's charts for nanoGPT: its memory chart says why there is no bar (no canvas drawn). */
const PUBLISHED_CHARTS = ['tokens', 'isoflop', 'frontier', 'schedule'];
/** nanoGPT's layout is read (batch_size, gradient_accumulation_steps, dtype), so it has a memory bar too. */
const NANOGPT_CHARTS = [...PUBLISHED_CHARTS, 'memory'];
/** Every one of these charts is on screen and drawn. */
const allDrawn = (expected: string[]) => (stats: CanvasStats[]) =>
  expected.every((id) => stats.some((c) => c.chart === id && c.shown && c.colors >= 20));

/** Run names that would run script if any view put them into HTML. */
const HOSTILE_NAMES = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  'a & b "quoted" <b>bold</b>',
];

describe('Scaling Curves webview in a real VS Code (code-server + Chromium)', { skip }, () => {
  let session: Session;
  let frame: Frame;

  const marker = () => frame.locator('#config-marker').innerText();

  /**
   * The panel's frame. VS Code recreates a webview's frames when it is hidden and shown again (the
   * page then restores itself from its saved state), so look it up again when the old one is gone.
   */
  async function panelFrame(): Promise<Frame> {
    if (!frame || frame.isDetached()) frame = await findWebviewFrame(session.page, 'canvas[data-chart]');
    return frame;
  }

  /** Switch the page between chart and table view with its own toolbar button. */
  async function setView(view: 'charts' | 'table'): Promise<void> {
    const toggle = frame.locator('#toggle-table');
    if ((await toggle.getAttribute('aria-pressed')) !== String(view === 'table')) await toggle.click();
    await frame.locator(view === 'table' ? '#table-view' : '#charts').waitFor({ state: 'visible' });
    await session.page.waitForTimeout(300); // one animation frame for the charts to resize
  }

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    session = await startSession({ copy: { examples: join(REPO_ROOT, 'examples') } });
  });

  after(async () => {
    await session?.stop();
  });

  test('the curves panel draws every chart, its table matches the lens, edits redraw it, and it follows the theme', async () => {
    const page = session.page;
    await session.openFile(NANOGPT);
    const summary = summaryLens(await waitForLenses(page, { pattern: /^loss \d/ }));
    const loss = /loss (\d+\.\d{3})/.exec(summary)?.[1];
    assert.ok(loss, summary);

    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    frame = await findWebviewFrame(page, 'canvas[data-chart]');
    await frame.locator('body[data-renders]').waitFor({ state: 'attached' });
    await setView('charts');
    const dark = await poll(page, () => canvasStats(frame), allDrawn(NANOGPT_CHARTS), 15_000);
    await screenshot(page, 'webview-charts-dark');
    assertDrawn(dark, NANOGPT_CHARTS);

    // Table view: the header states the lens's N and loss; every plotted point is a row.
    await setView('table');
    const text = await marker();
    await screenshot(page, 'webview-table');
    assert.ok(text.includes('N = 124M parameters'), text);
    assert.ok(text.includes(`predicted loss ${loss} nats/token`), `${text} vs lens ${summary}`);
    assert.ok((await frame.locator('#data-table tbody tr').count()) > 20, 'the table lists the points');

    // Edit the config (24 layers): the header follows within a few seconds, before any save.
    const file = session.path(NANOGPT);
    const original = readFileSync(file, 'utf8');
    const expected = analyzeText('train_gpt2_124m.py', original.replace(/^n_layer = 12$/m, 'n_layer = 24'));
    assert.ok(expected.params);
    const newN = `N = ${formatCount(expected.params.total)} parameters`;
    // The toolbar click focused the webview; go back to the config's editor group to type.
    await runCommand(page, 'View: Focus First Editor Group');
    await clickToken(page, 'n_layer = 12');
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.type('24');
    const started = Date.now();
    const edited = await poll(page, marker, (t) => t.includes(newN), 5000);
    await screenshot(page, 'webview-table-after-edit');
    assert.ok(
      edited.includes(newN),
      `${edited} should say ${newN} (${Date.now() - started} ms after the edit)`,
    );
    await undo(page);
    assert.equal(await savedText(page, file, (t) => t === original), original);
    await poll(page, marker, (t) => t.includes('N = 124M parameters'), 5000);

    // Theme: a light theme repaints the charts with a light background and new colors.
    await setView('charts');
    const before = await canvasStats(frame);
    // Edit settings from the config's group so the panel stays visible beside it.
    await runCommand(page, 'View: Focus First Editor Group');
    await session.updateUserSettings({ 'workbench.colorTheme': 'Default Light Modern' });
    const light = await poll(
      page,
      async () => canvasStats(await panelFrame()),
      // Every chart drawn again (an empty list while the page redraws would pass `every`), each on the new background.
      (s) =>
        allDrawn(NANOGPT_CHARTS)(s) &&
        s
          .filter((c) => c.shown)
          .every((c, i) => c.background !== before.filter((b) => b.shown)[i]?.background),
      10_000,
    );
    await screenshot(page, 'webview-charts-light');
    assertDrawn(light, NANOGPT_CHARTS);
    for (const chart of light.filter((c) => c.shown)) {
      const old = before.find((b) => b.chart === chart.chart)!;
      assert.notEqual(chart.background, old.background, `${chart.chart} background follows the theme`);
      assert.notEqual(chart.hash, old.hash, `${chart.chart} was repainted`);
    }
    const brightness = (rgba: string) =>
      rgba
        .replace(/[^\d,]/g, '')
        .split(',')
        .slice(0, 3)
        .reduce((sum, v) => sum + Number(v), 0);
    assert.ok(
      brightness(light[0].background) > brightness(before[0].background),
      'light is lighter than dark',
    );

    // A law change with no text edit reaches the open panel only through the server's notification
    // (one client-side fan-out; a second onNotification used to replace the panel's handler).
    await setView('table');
    const underHoffmann = cli(['analyze', session.path(NANOGPT), '--json', '--law', 'hoffmann2022']);
    const hoffmannLoss = (JSON.parse(underHoffmann.stdout) as CliAnalysis).loss!.value.toFixed(3);
    assert.notEqual(hoffmannLoss, loss, 'the two laws predict different losses');
    await runCommand(page, 'View: Focus First Editor Group');
    await session.updateUserSettings({ 'scalingLens.law': 'hoffmann2022' });
    const relabelled = await poll(
      page,
      async () => (await panelFrame()).locator('#config-marker').innerText(),
      (t) => t.includes(`predicted loss ${hoffmannLoss} nats/token`),
      10_000,
    );
    await screenshot(page, 'webview-table-after-law-change');
    assert.ok(relabelled.includes(`predicted loss ${hoffmannLoss} nats/token`), relabelled);
    await session.updateUserSettings({ 'scalingLens.law': 'epoch2024' });
    await save(page);
  });

  test('the memory bar and loss over training are drawn from the server; a comparison overlays the other config until cleared', async () => {
    const page = session.page;
    // nanoGPT (shown by the previous test): its layout is read, so the memory bar's heading is the
    // CLI's estimate.
    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    frame = await panelFrame();
    await setView('charts');
    const nanoMemory = (
      JSON.parse(cli(['analyze', session.path(NANOGPT), '--json']).stdout) as {
        memory: { perGpuBytes: number; capacityBytes: number };
      }
    ).memory;
    const nanoTitle = `Memory per GPU: ≈ ${(nanoMemory.perGpuBytes / 2 ** 30).toFixed(1)} of ${(nanoMemory.capacityBytes / 2 ** 30).toFixed(1)} GiB (H100)`;
    const nanoHeading = await poll(
      page,
      async () => (await panelFrame()).locator('#title-memory').innerText(),
      (t) => t === nanoTitle,
      15_000,
    );
    assert.equal(nanoHeading, nanoTitle);

    // Open it in the editor group, not over the panel (the toolbar click focused the panel's group).
    await runCommand(page, 'View: Focus First Editor Group');
    await session.openFile(TORCHTITAN);
    await waitForLenses(page, { pattern: /GiB per GPU/ });
    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    const j = JSON.parse(cli(['analyze', session.path(TORCHTITAN), '--json']).stdout) as {
      memory: { perGpuBytes: number; capacityBytes: number };
    };
    const title = `Memory per GPU: ≈ ${(j.memory.perGpuBytes / 2 ** 30).toFixed(1)} of ${(j.memory.capacityBytes / 2 ** 30).toFixed(1)} GiB (H100)`;
    const heading = await poll(
      page,
      async () => (await panelFrame()).locator('#title-memory').innerText(),
      (t) => t === title,
      15_000,
    );
    assert.equal(heading, title);
    const stats = await poll(
      page,
      async () => canvasStats(await panelFrame()),
      (s) => s.some((c) => c.chart === 'memory' && c.shown && c.colors >= 20),
      15_000,
    );
    await (await panelFrame()).locator('#section-memory').scrollIntoViewIfNeeded();
    await screenshot(page, 'webview-memory-schedule');
    assertDrawn(stats, [...PUBLISHED_CHARTS, 'memory']);

    // Compare with the nanoGPT config (an open editor): the panel overlays it on the loss and isoFLOP charts.
    await runCommand(page, 'View: Focus First Editor Group');
    await runCommand(page, 'Scaling Lens: Compare with…');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('train_gpt2_124m');
    await page
      .locator('.quick-input-list .monaco-list-row.focused', { hasText: 'train_gpt2_124m' })
      .first()
      .waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    // The report opens beside; bring the panel back on the torchtitan config.
    await screenshot(page, 'webview-compare-after-pick');
    await runCommand(page, 'View: Focus First Editor Group').catch(async (error: Error) => {
      await screenshot(page, 'failure-webview-compare-focus');
      throw error;
    });
    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    const lawLine = await poll(
      page,
      async () => (await panelFrame()).locator('#law-label').innerText(),
      (t) => t.includes('compared with examples/nanogpt/train_gpt2_124m.py'),
      15_000,
    );
    assert.ok(lawLine.includes('compared with examples/nanogpt/train_gpt2_124m.py'), lawLine);
    frame = await panelFrame();
    await setView('charts');
    await frame.locator('#section-isoflop').scrollIntoViewIfNeeded();
    await screenshot(page, 'webview-compare-overlay');
    await setView('table');
    const nano = JSON.parse(cli(['analyze', session.path(NANOGPT), '--json']).stdout) as {
      tokens: number;
      loss: { value: number; paramsUsed: number };
    };
    const compareRows = await frame.locator('#data-table tbody tr[data-chart="isoflop"]').evaluateAll((trs) =>
      trs
        .map((tr) => ({
          series: tr.querySelector('[data-series]')?.getAttribute('data-series') ?? '',
          x: Number(tr.querySelector('[data-x]')?.getAttribute('data-x')),
          y: Number(tr.querySelector('[data-y]')?.getAttribute('data-y')),
        }))
        .filter((r) => r.series.startsWith('examples/nanogpt/train_gpt2_124m.py (loss')),
    );
    assert.deepEqual(compareRows, [
      {
        series: `examples/nanogpt/train_gpt2_124m.py (loss ${nano.loss.value.toFixed(3)})`,
        x: nano.loss.paramsUsed,
        y: nano.loss.value,
      },
    ]);

    // Cleared from the same command: the overlay goes.
    await runCommand(page, 'View: Focus First Editor Group');
    await runCommand(page, 'Scaling Lens: Compare with…');
    await input.waitFor({ state: 'visible' });
    await input.fill('Clear the comparison');
    await page
      .locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Clear the comparison' })
      .first()
      .waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Enter');
    const cleared = await poll(
      page,
      async () => (await panelFrame()).locator('#law-label').innerText(),
      (t) => !t.includes('compared with'),
      15_000,
    );
    assert.ok(!cleared.includes('compared with'), cleared);
    await setView('charts');
  });

  test('hostile run names stay text: fitted-law charts render, the table shows them literally, nothing runs', async () => {
    const page = session.page;
    // A runs table whose first three models have names that are HTML.
    const ladder = readFileSync(join(REPO_ROOT, 'examples', 'runs', 'ladder.csv'), 'utf8')
      .trim()
      .split('\n');
    const models = [...new Set(ladder.slice(1).map((line) => line.split(',')[0]))];
    const rename = new Map(models.slice(0, HOSTILE_NAMES.length).map((m, i) => [m, HOSTILE_NAMES[i]]));
    const rows = ladder.slice(1).map((line) => {
      const [model, ...rest] = line.split(',');
      return [csvField(rename.get(model) ?? model), ...rest].join(',');
    });
    mkdirSync(session.path('runs'), { recursive: true });
    // The CLI writes --save into an existing folder.
    mkdirSync(session.path('.vscode/scaling-lens'), { recursive: true });
    writeFileSync(session.path('runs/hostile.csv'), `${ladder[0]}\n${rows.join('\n')}\n`);
    const fit = cli(
      [
        'fit',
        'runs/hostile.csv',
        '--holdout-largest',
        '--save',
        '.vscode/scaling-lens/hostile.law.json',
        '--name',
        'hostile',
      ],
      session.workspace,
    );
    assert.equal(fit.status, 0, fit.stderr);
    assert.ok(existsSync(session.path('.vscode/scaling-lens/hostile.law.json')));

    await session.openFile(NANOGPT);
    // The server picks the new law file up through the file watcher; the picker lists it then.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await selectLaw(page, 'fitted:hostile', 3000);
        break;
      } catch (error) {
        await closeQuickInput(page);
        if (Date.now() > deadline) throw error;
        await page.waitForTimeout(1000);
      }
    }
    await waitForLenses(page, { pattern: /^loss .*fitted:hostile$/ });
    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    frame = await findWebviewFrame(page, 'canvas[data-chart]');
    await setView('charts');
    const stats = await poll(
      page,
      () => canvasStats(frame),
      allDrawn([...NANOGPT_CHARTS, 'fit', 'residuals']),
      15_000,
    );
    await frame.locator('#section-fit').scrollIntoViewIfNeeded();
    await screenshot(page, 'webview-hostile-charts');
    assertDrawn(stats, [...NANOGPT_CHARTS, 'fit', 'residuals']);

    await setView('table');
    await frame.locator('#data-table td[data-run]', { hasText: '<img' }).first().scrollIntoViewIfNeeded();
    await screenshot(page, 'webview-hostile-table');
    const runs = await frame
      .locator('#data-table td[data-run]')
      .evaluateAll((cells) => cells.map((c) => c.textContent ?? ''));
    for (const name of HOSTILE_NAMES) {
      assert.ok(
        runs.some((r) => r === name || r === `${name} (held out)`),
        `${name} shown literally among ${JSON.stringify([...new Set(runs)])}`,
      );
    }
    // Nothing from the data became markup: no images, no bold, only the page's own script.
    const dom = await frame.evaluate(() => ({
      img: document.querySelectorAll('img').length,
      b: document.querySelectorAll('b').length,
      scripts: Array.from(document.scripts).map((s) => s.src || `inline:${s.textContent ?? ''}`),
    }));
    assert.equal(dom.img, 0, 'no <img> in the panel');
    assert.equal(dom.b, 0, 'no <b> in the panel');
    // Scripts: our bundle and VS Code's injected acquireVsCodeApi shim, nothing else.
    assert.ok(
      dom.scripts.every((s) => /\/dist\/webview\.js$/.test(s) || /^inline:[\s\S]*acquireVsCodeApi/.test(s)),
      JSON.stringify(dom.scripts),
    );
    assert.ok(!dom.scripts.some((s) => s.includes('__xss')), 'no script from the data');
    for (const f of page.frames()) {
      const xss = await f
        .evaluate(() => (window as unknown as { __xss?: unknown }).__xss)
        .catch(() => undefined);
      assert.equal(xss, undefined, `window.__xss in ${f.url()}`);
    }
    await setView('charts');
  });
});
