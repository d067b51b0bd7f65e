/**
 * Live tracking over real JSON-RPC (src/server/liveRuns.ts): a child process appends nanoGPT
 * `train.py` lines to a log next to a nanoGPT config; the lens follows, a half-written last line
 * never shows, and the `run-off-band` diagnostic appears after 3 off-band checkpoints and clears
 * when the run is back in the band. The log is drawn from a known schedule-aware law on the
 * config's schedule (as in test/unit/live-tracking.test.ts), with ±0.2% noise.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../../src/core/fit/random';
import { LinkRunLogRequest } from '../../src/protocol';
import { LspTestClient, SERVER_JS } from './lspClient';
import { lensUntil, liveLens, offBand } from './liveLens';
import { liveConfig, liveLaw } from '../live-support';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

const CONFIG = liveConfig('live-tracking test');
const { truth } = liveLaw(CONFIG);
const rand = mulberry32(11);
const line = (step: number, factor = 1, noise = true) =>
  `iter ${step}: loss ${(truth(step) * factor * (noise ? 1 + 0.002 * (2 * rand() - 1) : 1)).toFixed(4)}, time 50.00ms, mfu 1.00%\n`;

/** A child process that appends what it is sent (one JSON string per line) to the log. */
function appender(file: string) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const fs=require('fs');require('readline').createInterface({input:process.stdin}).on('line',l=>{fs.appendFileSync(process.argv[1],JSON.parse(l));process.stdout.write('ok\\n')})`,
      file,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const waiting: (() => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    for (const _ of String(d).trim().split('\n')) waiting.shift()?.();
  });
  return {
    append: (text: string) =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        child.stdin!.write(JSON.stringify(text) + '\n');
      }),
    close: () => child.stdin!.end(),
  };
}

let client: LspTestClient;
let dir: string;
before(async () => {
  if (NOT_BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'live-runs-'));
  client = await LspTestClient.start({ rootPath: dir });
});
after(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(
  'a growing log next to a config: lens follows, half lines never show, off-band diagnostic comes and goes',
  { skip: NOT_BUILT },
  async () => {
    const config = join(dir, 'train_live.py');
    const log = join(dir, 'train_live.log');
    writeFileSync(config, CONFIG);
    let text = '';
    for (let step = 20; step <= 800; step += 20) text += line(step);
    writeFileSync(log, text);
    const w = appender(log);
    try {
      const uri = await client.open(config);
      const first = await lensUntil(client, uri, (t) => t.startsWith('step 800:'), 'the lens at step 800');
      const loss800 = Number(/iter 800: loss ([\d.]+)/.exec(text)![1]);
      // Opened with 40 checkpoints: the newest 3 are judged against the fit on the 37 before them.
      // ETA: (4001 − 800) steps × the logged 50 ms = 160 s.
      assert.match(
        first,
        new RegExp(
          `^step 800: loss ${loss800.toFixed(3)} vs predicted \\d\\.\\d{3} \\(band \\d\\.\\d{3}–\\d\\.\\d{3}\\) · projected final \\d\\.\\d{3} \\[\\d\\.\\d{3}, \\d\\.\\d{3}\\] · ETA 3 min$`,
        ),
      );
      // The projection's 95% interval, from the first 20% of the run, covers the law the log follows.
      const [, low0, high0] = /projected final [\d.]+ \[([\d.]+), ([\d.]+)\]/.exec(first)!.map(Number);
      assert.ok(low0 < truth(4001) && truth(4001) < high0, `${first} vs ${truth(4001)}`);

      // A half-written line: "iter 820: loss 2.5" must never be read as loss 2.500.
      const full820 = line(820, 1, false);
      const cut = full820.indexOf('.') + 2;
      await w.append(full820.slice(0, cut));
      const seen: string[] = [];
      await new Promise((r) => setTimeout(r, 1500)); // several watcher rounds
      seen.push(liveLens(await client.codeLens(uri))!);
      await w.append(full820.slice(cut));
      const at820 = await lensUntil(
        client,
        uri,
        (t) => t.startsWith('step 820:'),
        'the lens at step 820',
        seen,
      );
      assert.ok(
        seen.every((t) => t.startsWith('step 800:') || t === at820),
        seen.join('\n'),
      );
      assert.match(
        at820,
        new RegExp(
          `^step 820: loss ${truth(820).toFixed(3)} vs predicted (\\d\\.\\d{3}) \\(band (\\d\\.\\d{3})–(\\d\\.\\d{3})\\)`,
        ),
      );
      const [, predicted, low, high] = /vs predicted ([\d.]+) \(band ([\d.]+)–([\d.]+)\)/
        .exec(at820)!
        .map(Number);
      assert.ok(low <= predicted && predicted <= high);
      assert.ok(Math.abs(predicted / truth(820) - 1) < 0.005, `${predicted} vs ${truth(820)}`);

      // Three checkpoints 5% above the law, one at a time: the diagnostic after the third only.
      for (const [k, step] of [840, 860, 880].entries()) {
        await w.append(line(step, 1.05));
        await lensUntil(client, uri, (t) => t.startsWith(`step ${step}:`), `the lens at step ${step}`);
        const d = await client.waitForDiagnostics(
          uri,
          (ds) => (k < 2 ? !offBand(ds) : !!offBand(ds)),
          10_000,
        );
        if (k < 2) assert.equal(offBand(d), undefined, `no diagnostic after ${k + 1} off-band checkpoint(s)`);
        else {
          const diag = offBand(d)!;
          console.log(JSON.stringify({ lensAt800: first, lensAt820: at820, offBand: diag.message }));
          assert.match(
            diag.message,
            /^step 880: loss \d\.\d{3} is \d\.\d% above the predicted \d\.\d{3} \(band \d\.\d{3}–\d\.\d{3}\): 3 consecutive checkpoints outside the band since step 840 \(train_live\.log;/,
          );
          assert.equal(
            diag.range.start.line,
            CONFIG.split('\n').findIndex((l) => l.startsWith('learning_rate')),
          );
        }
      }
      // Back on the law: the diagnostic clears.
      await w.append(line(900, 1, false));
      await lensUntil(client, uri, (t) => t.startsWith('step 900:'), 'the lens at step 900');
      await client.waitForDiagnostics(uri, (ds) => !offBand(ds), 10_000);
    } finally {
      w.close();
    }
  },
);

test(
  'Link Run Log: a picked log is stored under .vscode/scaling-lens and followed; null unlinks',
  { skip: NOT_BUILT },
  async () => {
    const config = join(dir, 'other.py');
    writeFileSync(config, CONFIG);
    const uri = await client.open(config);
    // No log named like it, but train_live.log sits in the same folder: auto-detected.
    let r = await client.connection.sendRequest(LinkRunLogRequest, { uri });
    assert.equal(r.source, 'auto-detected');
    assert.ok(r.candidates.some((c) => c.endsWith('train_live.log')));
    const picked = join(dir, 'metrics.jsonl');
    writeFileSync(picked, '{"step": 100, "loss": 3.25}\n{"step": 200, "loss": 3.0}\n');
    r = await client.connection.sendRequest(LinkRunLogRequest, { uri, logPath: picked });
    assert.equal(r.ok, true, r.message);
    const stored = JSON.parse(readFileSync(join(dir, '.vscode', 'scaling-lens', 'run-logs.json'), 'utf8'));
    assert.deepEqual(stored, { version: 1, links: { 'other.py': 'metrics.jsonl' } });
    await lensUntil(client, uri, (t) => t.startsWith('step 200: loss 3.000'), 'the lens on the linked JSONL');
    // A file that is not a training log is refused with a message.
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    const bad = await client.connection.sendRequest(LinkRunLogRequest, {
      uri,
      logPath: join(dir, 'notes.txt'),
    });
    assert.equal(bad.ok, false);
    assert.match(bad.message, /not a training log/);
    r = await client.connection.sendRequest(LinkRunLogRequest, { uri, logPath: null });
    assert.equal(r.linked, null);
    const t0 = Date.now();
    while (liveLens(await client.codeLens(uri)) !== undefined && Date.now() - t0 < 10_000)
      await new Promise((res) => setTimeout(res, 100));
    assert.equal(liveLens(await client.codeLens(uri)), undefined);
  },
);
