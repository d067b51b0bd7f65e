/**
 * src/node/logTail.ts on TensorBoard event files: read by bytes from the last complete record, a
 * record still being written never becomes a point (cut at every byte), a CRC mismatch is an error
 * (not a crash, not a value), an unknown tag set names its tags, an oversized non-scalar record is
 * skipped without buffering. Files are grown here with HF Trainer tags as PyTorch's SummaryWriter
 * writes them (tensorboard-support.ts), and from the real files when shared/ has them.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTail } from '../../src/node/logTail';
import { mulberry32 } from '../../src/core/fit/random';
import {
  concat,
  fileVersionRecord,
  REAL_TB_DIR,
  REAL_TB_SKIP,
  recordStarts,
  scalarRecord,
  tfrecord,
} from './tensorboard-support';

const dir = mkdtempSync(join(tmpdir(), 'tb-tail-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `events.out.tfevents.${1700000000 + n++}.host.1.0`);

/** HF Trainer records of one logging step: loss, grad_norm, learning_rate, num_input_tokens_seen, epoch. */
function hfStep(step: number): Uint8Array {
  return concat([
    scalarRecord('train/loss', 2 + 8 / Math.sqrt(step), step),
    scalarRecord('train/grad_norm', 0.5, step),
    scalarRecord('train/learning_rate', 3e-4, step),
    scalarRecord('train/num_input_tokens_seen', step * 4096, step),
    scalarRecord('train/epoch', step / 1000, step),
  ]);
}

test('tail: an event file cut at every byte of its last record shows no point of it until complete, then exactly it (with its tokens)', () => {
  const head = concat([fileVersionRecord(), hfStep(10), hfStep(20)]);
  const last = scalarRecord('train/loss', 2.5, 30);
  const after = scalarRecord('train/num_input_tokens_seen', 30 * 4096, 30);
  const file = fresh();
  writeFileSync(file, head);
  const tail = new LogTail(file);
  tail.poll();
  assert.equal(tail.format, 'tensorboard');
  assert.equal(tail.train.length, 2);
  assert.deepEqual(tail.train.at(1), {
    step: 20,
    loss: Math.fround(2 + 8 / Math.sqrt(20)),
    lr: Math.fround(3e-4),
    tokens: 81920,
    iterationMs: undefined,
  });
  for (let k = 0; k < last.length; k++) {
    appendFileSync(file, last.subarray(k, k + 1));
    tail.poll();
    if (k < last.length - 1) {
      assert.equal(tail.train.latest!.step, 20, `byte ${k + 1} of ${last.length}`);
      assert.equal(tail.pendingBytes, k + 1);
    }
  }
  assert.equal(tail.pendingBytes, 0);
  assert.deepEqual(
    [tail.train.latest!.step, tail.train.latest!.loss, tail.train.latest!.tokens],
    [30, 2.5, undefined],
  );
  // Its tokens arrive in the next record: the point is re-sent with them, not duplicated.
  appendFileSync(file, after);
  tail.poll();
  assert.equal(tail.train.length, 3);
  assert.equal(tail.train.at(2).tokens, 30 * 4096);
  assert.equal(tail.error, undefined);
  tail.close();
});

test('tail: a corrupt record is reported (once, with its byte offset) and reading stops there; the points before it stay; truncation starts over', () => {
  const good = concat([fileVersionRecord(), hfStep(10), hfStep(20)]);
  const bad = hfStep(30);
  bad[20] ^= 0x10; // inside step 30's loss record: its value must not be read
  const file = fresh();
  writeFileSync(file, concat([good, bad, hfStep(40)]));
  const tail = new LogTail(file);
  assert.doesNotThrow(() => tail.poll());
  assert.match(tail.error!, /TFRecord at byte \d+: the data's CRC does not match.*reading stopped there/);
  assert.deepEqual(
    Array.from({ length: tail.train.length }, (_, i) => tail.train.at(i).step),
    [10, 20],
  );
  const update = tail.poll();
  assert.equal(update.more, false, 'no busy loop over bytes it will not read');
  assert.equal(tail.train.length, 2);
  truncateSync(file, 0);
  tail.poll();
  writeFileSync(file, concat([fileVersionRecord(), hfStep(10)]));
  const again = tail.poll();
  assert.ok(again.events.includes('truncated') || tail.generation > 0);
  assert.equal(tail.error, undefined);
  assert.equal(tail.train.length, 1);
  tail.close();
});

test('tail: an event file whose tags are no known framework loss names the tags it holds (the real CatBoost file)', () => {
  const bytes = readFileSync(
    join(__dirname, '..', 'fixtures', 'logs', 'tensorboard', 'catboost-learn.tfevents'),
  );
  const file = fresh();
  writeFileSync(file, bytes);
  const tail = new LogTail(file, { chunkBytes: 4096 });
  tail.poll();
  assert.equal(tail.train.length + tail.val.length, 0);
  assert.match(
    tail.error!,
    /no known loss scalar in this event file: tags found 'Logloss'; known: 'lm loss' \(Megatron-LM\)/,
  );
  tail.close();
});

test('tail: an oversized non-scalar record (an image or graph summary) is skipped by its length, not buffered', () => {
  const blob = tfrecord(new Uint8Array(3 << 20).fill(7)); // 3 MiB, e.g. an image summary
  const file = fresh();
  writeFileSync(file, concat([fileVersionRecord(), hfStep(10)]));
  const tail = new LogTail(file, { chunkBytes: 64 << 10, maxLineBytes: 1 << 20 });
  tail.poll();
  appendFileSync(file, blob.subarray(0, 2 << 20));
  tail.poll();
  assert.ok(tail.pendingBytes <= 64 << 10, `buffered ${tail.pendingBytes} bytes`);
  appendFileSync(file, concat([blob.subarray(2 << 20), hfStep(20)]));
  tail.poll();
  assert.equal(tail.error, undefined);
  assert.equal(tail.longLines, 1);
  assert.deepEqual([tail.train.length, tail.train.latest!.step], [2, 20]);
  tail.close();
});

test('tail: a file not named like an event file is recognized by its head; a text log is still a text log', () => {
  const file = join(dir, 'metrics.bin');
  writeFileSync(file, concat([fileVersionRecord(), hfStep(10)]));
  const tail = new LogTail(file);
  tail.poll();
  assert.equal(tail.format, 'tensorboard');
  assert.equal(tail.train.length, 1);
  tail.close();
  const text = join(dir, 'train.log');
  writeFileSync(text, 'iter 10: loss 2.5000, time 10.00ms, mfu 1.00%\n');
  const t2 = new LogTail(text);
  t2.poll();
  assert.equal(t2.format, 'nanogpt');
  assert.equal(t2.train.length, 1);
  t2.close();
});

test(
  'tail: the real LLM event files appended in random chunks give the points of a whole read',
  { skip: REAL_TB_SKIP },
  () => {
    const rand = mulberry32(5);
    for (const name of [
      'trl-sft-llama-train.tfevents',
      'torchtitan-debugmodel.tfevents',
      'megatron-lm-deepseek-mtp.tfevents',
    ]) {
      const bytes = new Uint8Array(readFileSync(join(REAL_TB_DIR, name)));
      const whole = new LogTail(join(REAL_TB_DIR, name));
      whole.poll();
      const file = fresh();
      writeFileSync(file, '');
      const tail = new LogTail(file, { chunkBytes: 1000 });
      const starts = new Set(recordStarts(bytes));
      let at = 0;
      while (at < bytes.length) {
        const next = Math.min(bytes.length, at + 1 + Math.floor(rand() * 3000));
        appendFileSync(file, bytes.subarray(at, next));
        at = next;
        tail.poll();
        // The start of the record being written (the file is cut inside it unless at a start).
        let complete = 0;
        for (const s of starts) if (s < at) complete = s;
        // The tail sits exactly at the last complete record; the rest waits as bytes.
        const done = at === bytes.length || starts.has(at) ? at : complete;
        assert.equal(tail.offset - tail.pendingBytes, done, `${name} at ${at}`);
      }
      const steps = (t: LogTail) => Array.from({ length: t.train.length }, (_, i) => t.train.at(i));
      assert.deepEqual(steps(tail), steps(whole), name);
      assert.deepEqual(
        Array.from({ length: tail.val.length }, (_, i) => tail.val.at(i)),
        Array.from({ length: whole.val.length }, (_, i) => whole.val.at(i)),
      );
      assert.equal(tail.error, undefined);
      tail.close();
      whole.close();
    }
  },
);
