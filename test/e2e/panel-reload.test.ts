/**
 * End-to-end (issue 17 item 5): the curves panel recovers after "Developer: Reload Webviews". VS Code
 * throws the webview's frames away and loads the page again; the page must come back with the
 * current config's curves (its N in the header, every published chart drawn), not blank.
 * Frames are found as test/e2e/webview.test.ts does (`findWebviewFrame`, by `canvas[data-chart]`).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers';
import {
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

/** Shown chart canvases with ink on them (more than 20 colors), by name. */
async function drawnCharts(frame: Frame): Promise<string[]> {
  return frame.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]'))
      .filter((canvas) => {
        const section = canvas.closest('section');
        if (!section || section.hidden || canvas.getBoundingClientRect().width === 0) return false;
        const context = canvas.getContext('2d');
        if (!context || !canvas.width || !canvas.height) return false;
        const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
        const colors = new Set<number>();
        for (let i = 0; i < data.length && colors.size < 21; i += 4)
          colors.add(((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0);
        return colors.size > 20;
      })
      .map((canvas) => canvas.dataset.chart ?? ''),
  );
}

async function poll<T>(
  page: Page,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await page.waitForTimeout(250);
    value = await read().catch(() => value);
  }
  return value;
}

describe('Curves panel after "Developer: Reload Webviews" (code-server + Chromium)', { skip }, () => {
  let session: Session;
  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    session = await startSession({ copy: { examples: join(REPO_ROOT, 'examples') } });
  });
  after(async () => {
    await session?.stop();
  });

  test('the panel comes back with the current config’s curves', async () => {
    const page = session.page;
    await session.openFile(NANOGPT);
    await waitForLenses(page, { pattern: /^N 124M/ });
    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    const before = await findWebviewFrame(page, 'canvas[data-chart]');
    const marker = (f: Frame) =>
      f
        .locator('#config-marker')
        .textContent()
        .then((t) => t ?? '');
    const header = await poll(
      page,
      () => marker(before),
      (t) => t.includes('N = 124M parameters'),
      15_000,
    );
    assert.ok(header.includes('N = 124M parameters'), header);
    const charts = await poll(
      page,
      () => drawnCharts(before),
      (c) => c.length >= 5,
      15_000,
    );
    // nanoGPT's layout is read, so its memory bar is drawn too.
    assert.deepEqual(charts, ['tokens', 'isoflop', 'frontier', 'schedule', 'memory']);
    await screenshot(page, 'panel-before-reload');

    await runCommand(page, 'Developer: Reload Webviews');
    // The old frames go away; the page is loaded again in new ones.
    await poll(
      page,
      async () => before.isDetached(),
      (d) => d,
      15_000,
    );
    assert.ok(before.isDetached(), 'Reload Webviews replaced the panel frame');
    const after = await findWebviewFrame(page, 'canvas[data-chart]');
    const again = await poll(
      page,
      () => marker(after),
      (t) => t.includes('N = 124M parameters'),
      20_000,
    );
    const redrawn = await poll(
      page,
      () => drawnCharts(after),
      (c) => c.length >= 5,
      20_000,
    );
    await screenshot(page, 'panel-after-reload');
    assert.equal(again, header, 'the same config header after the reload');
    assert.deepEqual(redrawn, ['tokens', 'isoflop', 'frontier', 'schedule', 'memory']);
  });
});
