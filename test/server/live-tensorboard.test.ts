/**
 * Live tracking of TensorBoard event files over real JSON-RPC (src/server/liveRuns.ts →
 * src/node/logTail.ts → src/core/logs/tensorboard.ts): an event file under the HF Trainer's default
 * `runs/<date>_<host>/` next to a nanoGPT config is auto-detected and tailed by bytes; a record cut
 * anywhere never shows; the lens and the off-band diagnostic are the same as for a text log of the
 * same points. The file grows with the records PyTorch's SummaryWriter writes (HF Trainer tags,
 * test/unit/tensorboard-support.ts), the losses drawn from a known schedule-aware law as in
 * live-runs.test.ts. Link Run Log accepts an event file and names the tags of one it cannot read.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../../src/core/fit/random';
import { LinkRunLogRequest } from '../../src/protocol';
import { concat, fileVersionRecord, scalarRecord } from '../unit/tensorboard-support';
import { LspTestClient, SERVER_JS } from './lspClient';
import { lensUntil, liveLens, offBand } from './liveLens';
import { liveConfig, liveLaw } from '../live-support';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

const CONFIG = liveConfig('TensorBoard live-tracking test');
const { truth } = liveLaw(CONFIG);
const rand = mulberry32(23);
/** The loss at a step as float32 (what the event file stores), with ±0.2% noise unless told. */
const lossAt = (step: number, factor = 1, noise = true) =>
  Math.fround(truth(step) * factor * (noise ? 1 + 0.002 * (2 * rand() - 1) : 1));
/** HF Trainer's records of one log call: loss, learning_rate, epoch (each its own Event). */
const hfRecords = (step: number, loss: number) =>
  concat([
    scalarRecord('train/loss', loss, step),
    scalarRecord('train/learning_rate', 1e-3, step),
    scalarRecord('train/epoch', step / 4000, step),
  ]);
/** The same point as a nanoGPT text line, the float32 value printed in full. */
const textLine = (step: number, loss: number) => `iter ${step}: loss ${loss}\n`;

let client: LspTestClient;
let dir: string;
before(async () => {
  if (NOT_BUILT) return;
  dir = mkdtempSync(join(tmpdir(), 'live-tb-'));
  client = await LspTestClient.start({ rootPath: dir });
});
after(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(
  'an event file in runs/<date>_<host>/ is followed by bytes: the lens equals the text log’s, a cut record never shows, off-band comes and goes',
  { skip: NOT_BUILT },
  async () => {
    // The event-file run and, in its own folder, the same points as a nanoGPT text log.
    const tbDir = join(dir, 'tb');
    const txtDir = join(dir, 'txt');
    const events = join(tbDir, 'runs', 'Dec01_10-00-00_host', 'events.out.tfevents.1764583200.host.123.0');
    const textLog = join(txtDir, 'train.log');
    mkdirSync(join(tbDir, 'runs', 'Dec01_10-00-00_host'), { recursive: true });
    mkdirSync(txtDir, { recursive: true });
    writeFileSync(join(tbDir, 'train.py'), CONFIG);
    writeFileSync(join(txtDir, 'train.py'), CONFIG);
    const parts = [fileVersionRecord()];
    let text = '';
    for (let step = 20; step <= 800; step += 20) {
      const loss = lossAt(step);
      parts.push(hfRecords(step, loss));
      text += textLine(step, loss);
    }
    writeFileSync(events, concat(parts));
    writeFileSync(textLog, text);
    const uri = await client.open(join(tbDir, 'train.py'));
    const textUri = await client.open(join(txtDir, 'train.py'));
    const r = await client.connection.sendRequest(LinkRunLogRequest, { uri });
    assert.equal(r.source, 'auto-detected');
    assert.equal(r.linked, events);
    const at800 = await lensUntil(
      client,
      uri,
      (t) => t.startsWith('step 800:') && t.includes('vs predicted'),
      'lens at 800',
    );
    const text800 = await lensUntil(
      client,
      textUri,
      (t) => t.startsWith('step 800:') && t.includes('vs predicted'),
      'text lens',
    );
    // Same checkpoints, same schedule: the same comparison and projection, to the printed digit.
    assert.equal(at800.replace(/ · ETA .*$/, ''), text800.replace(/ · ETA .*$/, ''));
    assert.match(
      at800,
      /^step 800: loss \d\.\d{3} vs predicted \d\.\d{3} \(band [\d.]+–[\d.]+\) · projected final \d\.\d{3} \[/,
    );

    // Step 820's loss record written in three pieces (cut in its length header, then in its data):
    // the lens must stay at 800 until the record is whole, then show exactly its value.
    const loss820 = lossAt(820, 1, false);
    const rec = hfRecords(820, loss820);
    const seen: string[] = [];
    for (const [a, b] of [
      [0, 7],
      [7, 30],
    ]) {
      appendFileSync(events, rec.subarray(a, b));
      await new Promise((res) => setTimeout(res, 1200)); // several watcher rounds
      seen.push(liveLens(await client.codeLens(uri))!);
    }
    appendFileSync(events, rec.subarray(30));
    const at820 = await lensUntil(client, uri, (t) => t.startsWith('step 820:'), 'lens at 820', seen);
    assert.ok(
      seen.every((t) => t.startsWith('step 800:') || t === at820),
      seen.join('\n'),
    );
    assert.match(at820, new RegExp(`^step 820: loss ${loss820.toFixed(3)} vs predicted`));

    // Three checkpoints 5% above the law: the run-off-band diagnostic after the third, as for text.
    for (const [k, step] of [840, 860, 880].entries()) {
      appendFileSync(events, hfRecords(step, lossAt(step, 1.05)));
      await lensUntil(client, uri, (t) => t.startsWith(`step ${step}:`), `lens at ${step}`);
      const d = await client.waitForDiagnostics(uri, (ds) => (k < 2 ? !offBand(ds) : !!offBand(ds)), 10_000);
      if (k === 2)
        assert.match(
          offBand(d)!.message,
          /^step 880: loss \d\.\d{3} is \d\.\d% above the predicted .*3 consecutive checkpoints outside the band since step 840 \(events\.out\.tfevents\./,
        );
      else assert.equal(offBand(d), undefined);
    }
    appendFileSync(events, hfRecords(900, lossAt(900, 1, false)));
    await lensUntil(client, uri, (t) => t.startsWith('step 900:'), 'lens at 900');
    await client.waitForDiagnostics(uri, (ds) => !offBand(ds), 10_000);
  },
);

test(
  'Link Run Log accepts an event file; one with no known loss tag shows the tags it holds, a corrupt one its CRC error',
  { skip: NOT_BUILT },
  async () => {
    const sub = join(dir, 'link');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'train.py'), CONFIG);
    const uri = await client.open(join(sub, 'train.py'));
    // The real CatBoost event file (test/fixtures/logs/tensorboard/SOURCE.md): 'Logloss' only.
    const catboost = join(sub, 'events.out.tfevents.catboost');
    writeFileSync(
      catboost,
      readFileSync(join(__dirname, '..', 'fixtures', 'logs', 'tensorboard', 'catboost-learn.tfevents')),
    );
    const r = await client.connection.sendRequest(LinkRunLogRequest, { uri, logPath: catboost });
    assert.equal(r.ok, true, r.message);
    await lensUntil(
      client,
      uri,
      (t) =>
        /^Run log events\.out\.tfevents\.catboost: .*no known loss scalar .*tags found 'Logloss'/.test(t),
      'the unknown-tags lens',
    );
    const corrupt = join(sub, 'events.out.tfevents.corrupt');
    const bytes = concat([fileVersionRecord(), hfRecords(20, 3.5), hfRecords(40, 3.25)]);
    // A flipped bit inside step 40's loss record (after the file-version and step-20 records).
    bytes[fileVersionRecord().length + hfRecords(20, 3.5).length + 20] ^= 1;
    writeFileSync(corrupt, bytes);
    const r2 = await client.connection.sendRequest(LinkRunLogRequest, { uri, logPath: corrupt });
    assert.equal(r2.ok, true, r2.message);
    await lensUntil(
      client,
      uri,
      (t) =>
        /^step 20: loss 3\.500 · .* · events\.out\.tfevents\.corrupt: TFRecord at byte \d+: the data's CRC does not match \(corrupt record\); reading stopped there$/.test(
          t,
        ),
      'the points before the corrupt record, and the CRC error',
    );
  },
);
