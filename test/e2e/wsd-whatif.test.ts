/**
 * End-to-end (code-server + Chromium): the curves panel's "loss over training" chart draws the WSD
 * what-if beside the config's curve (issue 13 item 3), its caption states where the shape comes from,
 * and its table rows are `scaling-lens curve --json`'s `whatIf.wsd`. Screenshot
 * test-artifacts/e2e/wsd-whatif-chart.png shows the chart.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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

const CONFIG = 'wsd/train_gpt2_124m.py';
const unavailable = e2eUnavailableReasonSync();
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

describe('WSD what-if on the loss-over-training chart (code-server + Chromium)', { skip }, () => {
  let session: Session;

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    const text = readFileSync(join(REPO_ROOT, 'examples', 'nanogpt', 'train_gpt2_124m.py'), 'utf8');
    session = await startSession({ files: { [CONFIG]: text } });
  });
  after(async () => {
    await session?.stop();
  });

  test('the chart draws the WSD what-if with its source, and its rows are the CLI’s whatIf.wsd', async () => {
    const page = session.page;
    await session.openFile(CONFIG);
    await waitForLenses(page, { pattern: /^loss \d/ });
    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    const frame = await findWebviewFrame(page, 'canvas[data-chart="schedule"]', 60_000);
    const caption = frame.locator('[data-caption="schedule"]');
    await caption
      .filter({ hasText: 'WSD what-if: same peak LR, warmup and length' })
      .waitFor({ timeout: 30_000 });
    const text = await caption.innerText();
    assert.match(text, /Luo et al\. 2025 with their 100M constants/);
    assert.match(text, /not a prediction for this model/);

    const label = 'WSD what-if (20% 1-sqrt cooldown; Luo et al. 2025 100M fit)';
    const rows = await frame.locator('#data-table tbody tr[data-chart="schedule"]').evaluateAll((trs) =>
      trs.map((tr) => ({
        series: tr.querySelector('[data-series]')?.getAttribute('data-series') ?? '',
        x: Number(tr.querySelector('[data-x]')?.getAttribute('data-x')),
        y: Number(tr.querySelector('[data-y]')?.getAttribute('data-y')),
      })),
    );
    const cliRun = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'cli.js'), 'curve', session.path(CONFIG), '--json'],
      { encoding: 'utf8' },
    );
    assert.equal(cliRun.status, 0, cliRun.stderr);
    const cli = JSON.parse(cliRun.stdout) as {
      law: string;
      whatIf: { wsd: { tokens: number; loss: number }[] };
    };
    assert.equal(cli.law, 'epoch2024', 'the CLI default is the panel default');
    assert.deepEqual(
      rows.filter((r) => r.series === label).map(({ x, y }) => ({ x, y })),
      cli.whatIf.wsd.map((r) => ({ x: r.tokens, y: r.loss })),
      `panel law: ${await frame.locator('#law-label').innerText()}`,
    );

    // The plot and its legend in view (a sticky toolbar covers the top of the page).
    await frame
      .locator('canvas[data-chart="schedule"]')
      .evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await page.waitForTimeout(500);
    await screenshot(page, 'wsd-whatif-chart');
  });
});
