/**
 * End-to-end (code-server + Chromium): the run log followed for a config appears on the curves
 * panel's "loss over training" chart as logged points, and more appear while a script appends to the
 * log (issue 13 item 3). The chart's caption names the points; screenshots
 * test-artifacts/e2e/live-chart-*.png show the chart before and after the log grows.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
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
import { liveConfig } from '../live-support';

const CONFIG = liveConfig('live chart E2E');
// A loss falling like a real run's (the numbers are the test's own, not a law's).
const line = (step: number) =>
  `iter ${step}: loss ${(2.2 + 9 / Math.sqrt(step)).toFixed(4)}, time 50.00ms, mfu 1.00%\n`;

const unavailable = e2eUnavailableReasonSync();
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

describe('Logged points on the loss-over-training chart (code-server + Chromium)', { skip }, () => {
  let session: Session;
  let initial = '';
  for (let step = 20; step <= 800; step += 20) initial += line(step);

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    session = await startSession({ files: { 'live/train_live.py': CONFIG, 'live/train_live.log': initial } });
  });
  after(async () => {
    await session?.stop();
  });

  test('the panel draws the log’s checkpoints and follows the log as it grows', async () => {
    const page = session.page;
    await session.openFile('live/train_live.py');
    await waitForLenses(page, { pattern: /^step 800: loss \d/, timeoutMs: 90_000 });
    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    const frame = await findWebviewFrame(page, 'canvas[data-chart="schedule"]', 60_000);
    const caption = frame.locator('[data-caption="schedule"]');
    await caption
      .filter({ hasText: 'Logged: 40 train checkpoints of train_live.log' })
      .waitFor({ timeout: 30_000 });
    await frame.locator('#section-schedule').scrollIntoViewIfNeeded();
    await screenshot(page, 'live-chart-800');

    // The job keeps logging: 40 more checkpoints, then a half-written line that must not count.
    let more = '';
    for (let step = 820; step <= 1600; step += 20) more += line(step);
    appendFileSync(session.path('live/train_live.log'), more + 'iter 1620: loss 2.4');
    await caption
      .filter({ hasText: 'Logged: 80 train checkpoints of train_live.log' })
      .waitFor({ timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.match(await caption.innerText(), /Logged: 80 train checkpoints/);
    await frame.locator('#section-schedule').scrollIntoViewIfNeeded();
    await screenshot(page, 'live-chart-1600');
  });
});
