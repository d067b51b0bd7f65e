/**
 * End-to-end live tracking (issue 13 item 4) in a real VS Code (code-server + Chromium): a script
 * appends nanoGPT `train.py` lines to the log next to a nanoGPT config while the test watches the
 * lens and the `run-off-band` diagnostic change in the editor. A half-written last line never shows.
 * The log follows a known schedule-aware law on the config's schedule (as in
 * test/server/live-runs.test.ts). Screenshots: test-artifacts/e2e/live-*.png.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mulberry32 } from '../../src/core/fit/random';
import { concat, fileVersionRecord, scalarRecord } from '../unit/tensorboard-support';
import {
  E2E_REQUIRED,
  e2eUnavailableReasonSync,
  readLenses,
  screenshot,
  startSession,
  waitForLenses,
  type Session,
} from './harness';
import { liveConfig, liveLaw } from '../live-support';

const CONFIG = liveConfig('live-tracking E2E');
const { truth } = liveLaw(CONFIG);
const rand = mulberry32(11);
const line = (step: number, factor = 1, noise = true) =>
  `iter ${step}: loss ${(truth(step) * factor * (noise ? 1 + 0.002 * (2 * rand() - 1) : 1)).toFixed(4)}, time 50.00ms, mfu 1.00%\n`;

const unavailable = e2eUnavailableReasonSync();
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

describe('Live tracking in a real VS Code (code-server + Chromium)', { skip }, () => {
  let session: Session;
  let initial = '';
  for (let step = 20; step <= 800; step += 20) initial += line(step);

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    session = await startSession({
      files: { 'live/train_live.py': CONFIG, 'live/train_live.log': initial },
    });
  });
  after(async () => {
    await session?.stop();
  });

  test('a script appends to the log: the lens follows, a half line never shows, the off-band diagnostic comes and goes', async () => {
    const page = session.page;
    const log = session.path('live/train_live.log');
    // The appending script: a separate process, as a training job would be.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs');require('readline').createInterface({input:process.stdin}).on('line',l=>{fs.appendFileSync(process.argv[1],JSON.parse(l));process.stdout.write('ok\\n')})`,
        log,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const acks: (() => void)[] = [];
    child.stdout!.on('data', (d: Buffer) =>
      String(d)
        .trim()
        .split('\n')
        .forEach(() => acks.shift()?.()),
    );
    const append = (text: string) =>
      new Promise<void>((resolve) => {
        acks.push(resolve);
        child.stdin!.write(JSON.stringify(text) + '\n');
      });
    const live = (titles: string[]) => titles.find((t) => /^step \d/.test(t));
    /** The Problems panel's text (opened once with its keyboard shortcut). */
    const problems = async () =>
      (await page
        .locator('.markers-panel')
        .first()
        .textContent()
        .catch(() => '')) ?? '';
    try {
      await session.openFile('live/train_live.py');
      const first = live(await waitForLenses(page, { pattern: /^step 800: loss \d/, timeoutMs: 90_000 }))!;
      await screenshot(page, 'live-lens-step-800');
      assert.match(
        first,
        /^step 800: loss \d\.\d{3} vs predicted \d\.\d{3} \(band [\d.]+–[\d.]+\) · projected final \d\.\d{3} \[[\d.]+, [\d.]+\] · ETA 3 min$/,
      );

      // Half a line, then (after several watcher rounds) the rest.
      const full = line(820, 1, false);
      const cut = full.indexOf('.') + 2;
      await append(full.slice(0, cut));
      const t0 = Date.now();
      while (Date.now() - t0 < 3000) {
        const shown = live(await readLenses(page));
        assert.ok(!shown || shown.startsWith('step 800:'), `a half-written line became a point: ${shown}`);
        await page.waitForTimeout(200);
      }
      await append(full.slice(cut));
      const at820 = live(await waitForLenses(page, { pattern: /^step 820: loss \d/, timeoutMs: 30_000 }))!;
      assert.ok(at820.startsWith(`step 820: loss ${truth(820).toFixed(3)} vs predicted`), at820);

      await page.keyboard.press('Control+Shift+M'); // View: Problems
      await page.locator('.markers-panel').first().waitFor({ state: 'attached', timeout: 15_000 });
      for (const [k, step] of [840, 860, 880].entries()) {
        await append(line(step, 1.05));
        await waitForLenses(page, { pattern: new RegExp(`^step ${step}: loss`), timeoutMs: 30_000 });
        if (k < 2) {
          await page.waitForTimeout(1000);
          assert.ok(!(await problems()).includes('consecutive checkpoints'), await problems());
        }
      }
      const deadline = Date.now() + 30_000;
      let text = '';
      while (Date.now() < deadline && !(text = await problems()).includes('consecutive checkpoints'))
        await page.waitForTimeout(250);
      await screenshot(page, 'live-off-band-diagnostic');
      assert.match(
        text,
        /step 880: loss \d\.\d{3} is \d\.\d% above the predicted \d\.\d{3} \(band [\d.]+–[\d.]+\): 3 consecutive checkpoints outside the band since step 840/,
      );
      assert.ok((await page.locator('.squiggly-warning').count()) > 0, 'the key is underlined');

      // Back on the law: the diagnostic clears.
      await append(line(900, 1, false));
      await waitForLenses(page, { pattern: /^step 900: loss/, timeoutMs: 30_000 });
      const clearBy = Date.now() + 30_000;
      while (Date.now() < clearBy && (await problems()).includes('consecutive checkpoints'))
        await page.waitForTimeout(250);
      await screenshot(page, 'live-back-in-band');
      assert.ok(!(await problems()).includes('consecutive checkpoints'), await problems());
    } finally {
      child.stdin!.end();
    }
  });
});

/**
 * The same in a real VS Code for a TensorBoard event file: HF Trainer records (PyTorch
 * SummaryWriter framing, test/unit/tensorboard-support.ts) under `runs/<date>_<host>/` beside the
 * config are auto-detected, tailed by bytes, and a record cut in two never shows until whole.
 * Screenshot: test-artifacts/e2e/live-tensorboard-lens.png.
 */
describe('Live tracking of a TensorBoard event file in a real VS Code', { skip }, () => {
  let session: Session;
  const events = 'tb/runs/Dec01_10-00-00_host/events.out.tfevents.1764583200.host.123.0';
  const tbRand = mulberry32(29);
  const tbLoss = (step: number, noise = true) =>
    Math.fround(truth(step) * (noise ? 1 + 0.002 * (2 * tbRand() - 1) : 1));
  const hfRecords = (step: number, loss: number) =>
    concat([
      scalarRecord('train/loss', loss, step),
      scalarRecord('train/learning_rate', 1e-3, step),
      scalarRecord('train/epoch', step / 4000, step),
    ]);

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    session = await startSession({ files: { 'tb/train_tb.py': CONFIG } });
  });
  after(async () => {
    await session?.stop();
  });

  test('an event file grows record by record: the lens follows; half a record never shows', async () => {
    const page = session.page;
    const file = session.path(events);
    mkdirSync(dirname(file), { recursive: true });
    const parts = [fileVersionRecord()];
    for (let step = 20; step <= 800; step += 20) parts.push(hfRecords(step, tbLoss(step)));
    writeFileSync(file, concat(parts));
    const live = (titles: string[]) => titles.find((t) => /^step \d/.test(t));
    await session.openFile('tb/train_tb.py');
    const first = live(await waitForLenses(page, { pattern: /^step 800: loss \d/, timeoutMs: 90_000 }))!;
    assert.match(
      first,
      /^step 800: loss \d\.\d{3} vs predicted \d\.\d{3} \(band [\d.]+–[\d.]+\) · projected final \d\.\d{3} \[[\d.]+, [\d.]+\]/,
    );
    const loss820 = tbLoss(820, false);
    const rec = hfRecords(820, loss820);
    appendFileSync(file, rec.subarray(0, 25)); // inside the loss record
    const t0 = Date.now();
    while (Date.now() - t0 < 3000) {
      const shown = live(await readLenses(page));
      assert.ok(!shown || shown.startsWith('step 800:'), `a half-written record became a point: ${shown}`);
      await page.waitForTimeout(200);
    }
    appendFileSync(file, rec.subarray(25));
    const at820 = live(await waitForLenses(page, { pattern: /^step 820: loss \d/, timeoutMs: 30_000 }))!;
    assert.ok(at820.startsWith(`step 820: loss ${loss820.toFixed(3)} vs predicted`), at820);
    await screenshot(page, 'live-tensorboard-lens');
  });
});
