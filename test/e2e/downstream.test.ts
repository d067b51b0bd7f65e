/**
 * End-to-end (issue #14): in a real VS Code (code-server + Chromium), a saved downstream law in
 * `.vscode/scaling-lens/` is picked with "Scaling Lens: Select Downstream Benchmark…"; the config then
 * shows `acc piqa_acc 76.1% (75.2–76.9%)`-style lens with the numbers the core predicts, and the
 * curves panel draws the accuracy-vs-compute chart. Choosing "none" removes the lens again.
 * Screenshots: test-artifacts/e2e/downstream-lens.png, downstream-chart.png.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { fitDownstream } from '../../src/core/downstream/fitDownstream';
import {
  parseDownstreamLaw,
  predictDownstream,
  savedDownstreamFromReport,
  serializeDownstreamLaw,
} from '../../src/core/downstream/saved';
import { readRunsFromPath } from '../../src/node/runsFromDisk';
import { accuracyWithInterval } from '../../src/server/downstreamLenses';
import { fixturePath, SHARED_DIR } from '../helpers';
import {
  E2E_REQUIRED,
  e2eUnavailableReasonSync,
  findWebviewFrame,
  readLenses,
  runCommand,
  screenshot,
  startSession,
  waitForLenses,
  type Session,
} from './harness';

const unavailable = e2eUnavailableReasonSync();
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;
const PYTHIA = join(SHARED_DIR, 'data', 'pythia_evals', 'pythia_v1_zero_shot_checkpoints.csv');
const CONFIG = 'neox-20b.yml';

/** A Pythia piqa law with its bootstrap, as the editor's fit or the CLI saves it. */
function pythiaLaw(): string {
  const lossRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'loss_ln_lambada_ppl' } }).runs;
  const accuracyRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'piqa_acc' } }).runs;
  const report = fitDownstream(lossRuns, accuracyRuns, 'piqa_acc', { holdoutLargest: true, bootstrap: 40 });
  return serializeDownstreamLaw(
    savedDownstreamFromReport(report, {
      name: 'piqa',
      dataSource: 'pythia_v1_zero_shot_checkpoints.csv',
      date: '2025-01-01',
    })!,
  );
}

async function pickBenchmark(session: Session, label: string): Promise<void> {
  const page = session.page;
  await runCommand(page, 'Scaling Lens: Select Downstream Benchmark…');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

describe('downstream accuracy in a real VS Code (code-server + Chromium)', { skip }, () => {
  let session: Session;
  let lawText: string;
  let configText: string;

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    lawText = pythiaLaw();
    configText = readFileSync(fixturePath('gpt-neox', 'neox-20b.yml'), 'utf8');
    session = await startSession({
      files: { [CONFIG]: configText, '.vscode/scaling-lens/piqa.downstream.json': lawText },
    });
  });
  after(async () => {
    await session?.stop();
  });

  test('Select Downstream Benchmark… shows the accuracy lens with its interval, the panel its chart, none removes it', async () => {
    const page = session.page;
    await session.openFile(CONFIG);
    const before = await waitForLenses(page, { pattern: /^loss \d/ });
    assert.ok(!before.some((t) => t.startsWith('acc ')), JSON.stringify(before));

    await pickBenchmark(session, 'piqa_acc');
    const lenses = await waitForLenses(page, { pattern: /^acc piqa_acc / });
    const parsed = parseDownstreamLaw(lawText);
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    const a = analyzeText(configText, { path: session.path(CONFIG) }, DEFAULT_ANALYSIS_SETTINGS).analysis!;
    const expected = predictDownstream(parsed, a.params!.active, a.tokens!)!;
    assert.ok(lenses.includes(`acc piqa_acc ${accuracyWithInterval(expected)}`), JSON.stringify(lenses));
    await screenshot(page, 'downstream-lens');

    await runCommand(page, 'Scaling Lens: Show Scaling Curves');
    const frame = await findWebviewFrame(page, 'canvas[data-chart="downstream"]');
    const section = frame.locator('#section-downstream');
    await section.waitFor({ state: 'visible', timeout: 30_000 });
    await section.scrollIntoViewIfNeeded();
    // The heading is the page's placeholder until the first draw sets the chart's own title.
    await frame
      .locator('#title-downstream', { hasText: /piqa_acc accuracy vs compute/ })
      .waitFor({ timeout: 30_000 });
    assert.match(await frame.locator('#title-downstream').innerText(), /piqa_acc accuracy vs compute/);
    const inked = await frame.locator('canvas[data-chart="downstream"]').evaluate((node) => {
      const canvas = node as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4)
        if (
          Math.abs(data[i]! - data[0]!) +
            Math.abs(data[i + 1]! - data[1]!) +
            Math.abs(data[i + 2]! - data[2]!) >
          60
        )
          count++;
      return count;
    });
    assert.ok(inked > 2000, `${inked} drawn pixels`);
    await page.waitForTimeout(300);
    await screenshot(page, 'downstream-chart');

    await runCommand(page, 'View: Close Editor');
    await pickBenchmark(session, 'none');
    const deadline = Date.now() + 30_000;
    let now = await readLenses(page);
    while (now.some((t) => t.startsWith('acc ')) && Date.now() < deadline) {
      await page.waitForTimeout(250);
      now = await readLenses(page);
    }
    assert.ok(!now.some((t) => t.startsWith('acc ')), JSON.stringify(now));
  });
});
