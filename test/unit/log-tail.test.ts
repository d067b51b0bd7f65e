/**
 * src/node/logTail.ts against real writers: a child process appends to the log (cut mid-line,
 * truncates, rotates by rename + recreate, writes 10k lines/s), and the parent reads as the editor
 * does. A 1 GB log runs with LOG_TAIL_1GB=1 (figures recorded in docs/hardening.md).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LogTail, PointSeries, watchLog, type TailUpdate } from '../../src/node/logTail';

/**
 * A child process that edits a file on command (one JSON command per stdin line, "ok" per reply):
 * append text, truncate, rotate (rename to .1 and start a new file), or stream lines at a rate.
 */
const WRITER = String.raw`
const fs = require('node:fs');
const rl = require('node:readline').createInterface({ input: process.stdin });
const file = process.argv[1];
const line = (k) => 'iter ' + k + ': loss ' + (2 + 8 / Math.sqrt(k)).toFixed(4) + ', time 10.00ms, mfu 30.00%\n';
rl.on('line', (raw) => {
  const c = JSON.parse(raw);
  if (c.op === 'append') fs.appendFileSync(file, c.text);
  else if (c.op === 'truncate') fs.truncateSync(file, 0);
  else if (c.op === 'rewrite') fs.writeFileSync(file, c.text);
  else if (c.op === 'rotate') { fs.renameSync(file, file + '.1'); fs.writeFileSync(file, c.text ?? ''); }
  else if (c.op === 'stream') {
    // c.rate lines/s for c.seconds; each batch is cut at a random byte and the rest written later,
    // so the reader sees half-written lines all the time.
    const fd = fs.openSync(file, 'a');
    const total = Math.round(c.rate * c.seconds);
    const t0 = Date.now();
    let k = 1, carry = '', seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const tick = () => {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * c.rate));
      let text = carry;
      while (k <= due) text += line(k++);
      const cut = k > total ? text.length : Math.floor(rand() * text.length);
      if (cut > 0) fs.writeSync(fd, text.slice(0, cut));
      carry = text.slice(cut);
      if (k > total && !carry) { fs.closeSync(fd); process.stdout.write('ok\n'); return; }
      setTimeout(tick, 5);
    };
    tick();
    return;
  } else if (c.op === 'big') {
    // c.bytes of Megatron-LM training_log lines (the layout of test/fixtures/logs/megatron-lm.log).
    const fd = fs.openSync(file, 'w');
    let written = 0, k = 1;
    while (written < c.bytes) {
      let chunk = '';
      for (let j = 0; j < 4000; j++, k++)
        chunk += ' [2025-09-08 00:19:09] iteration ' + String(k).padStart(9) + '/ 50000000 | consumed samples: ' +
          String(k * 64).padStart(12) + ' | elapsed time per iteration (ms): 436.9 | learning rate: 1.395349E-06 | global batch size:    64 | lm loss: ' +
          (2 + 8 / Math.sqrt(k)).toExponential(6).toUpperCase() + ' | loss scale: 131072.0 | grad norm: 7.831 | number of skipped iterations:   0 | number of nan iterations:   0 |\n';
      written += fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);
    process.stdout.write(JSON.stringify({ lines: k - 1 }) + '\n');
    return;
  }
  process.stdout.write('ok\n');
});
`;

const lossOf = (k: number) => Number((2 + 8 / Math.sqrt(k)).toFixed(4));
const nanoLine = (k: number) => `iter ${k}: loss ${lossOf(k).toFixed(4)}, time 10.00ms, mfu 30.00%\n`;

class Writer {
  private readonly child: ChildProcess;
  private readonly replies: string[] = [];
  private waiting: ((s: string) => void)[] = [];
  constructor(file: string) {
    this.child = spawn(process.execPath, ['-e', WRITER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l);
      else this.replies.push(l);
    });
  }
  send(command: Record<string, unknown>): Promise<string> {
    this.child.stdin!.write(JSON.stringify(command) + '\n');
    const ready = this.replies.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise((r) => this.waiting.push(r));
  }
  close(): void {
    this.child.stdin!.end();
  }
}

function scratch(): { dir: string; file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'log-tail-'));
  return { dir, file: join(dir, 'train.log'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

const steps = (s: PointSeries) => Array.from({ length: s.length }, (_, i) => s.stepAt(i));

test('a line cut mid-write never becomes a point: "loss 2." waits for "4321" and its newline', async () => {
  const { file, done } = scratch();
  const w = new Writer(file);
  try {
    await w.send({ op: 'append', text: nanoLine(1) + 'iter 2: loss 2.' });
    const tail = new LogTail(file);
    tail.poll();
    assert.equal(tail.format, 'nanogpt');
    assert.deepEqual(steps(tail.train), [1]);
    assert.equal(tail.pendingBytes, 'iter 2: loss 2.'.length);
    // The rest of the number, still without a newline: still not a point (it could be 2.43219…).
    await w.send({ op: 'append', text: '4321' });
    tail.poll();
    assert.deepEqual(steps(tail.train), [1]);
    await w.send({ op: 'append', text: ', time 10.00ms, mfu 30.00%\n' });
    tail.poll();
    assert.deepEqual(steps(tail.train), [1, 2]);
    assert.equal(tail.train.at(1).loss, 2.4321);
    assert.equal(tail.train.at(0).loss, 10);
    assert.equal(tail.pendingBytes, 0);
  } finally {
    w.close();
    done();
  }
});

test('truncation restarts cleanly: the new run replaces the old points (generation + 1)', async () => {
  const { file, done } = scratch();
  const w = new Writer(file);
  try {
    let text = '';
    for (let k = 1; k <= 10; k++) text += nanoLine(k);
    await w.send({ op: 'append', text });
    const tail = new LogTail(file);
    tail.poll();
    assert.equal(tail.train.length, 10);
    await w.send({ op: 'truncate' });
    await w.send({ op: 'append', text: nanoLine(1) + nanoLine(2) + nanoLine(3) });
    const u = tail.poll();
    assert.ok(u.events.includes('truncated'), u.events.join());
    assert.equal(u.reset, true);
    assert.equal(tail.generation, 1);
    assert.deepEqual(steps(tail.train), [1, 2, 3]);
    // Truncated and rewritten *longer* between two reads: size ≥ offset, but the head changed.
    let longer = 'step 0: train loss 11.0000, val loss 11.0100\n';
    for (let k = 1; k <= 20; k++) longer += nanoLine(k);
    await w.send({ op: 'rewrite', text: longer });
    const v = tail.poll();
    assert.ok(v.events.includes('rewritten'), v.events.join());
    assert.equal(tail.generation, 2);
    assert.equal(tail.train.length, 20);
    assert.deepEqual(steps(tail.val), [0]);
  } finally {
    w.close();
    done();
  }
});

test('rotation (rename + recreate): lines appended to the old file before it moved are not lost', async () => {
  const { file, done } = scratch();
  const w = new Writer(file);
  try {
    let text = '';
    for (let k = 1; k <= 5; k++) text += nanoLine(k);
    await w.send({ op: 'append', text });
    const tail = new LogTail(file);
    tail.poll();
    assert.equal(tail.train.length, 5);
    // Lines 6–7 go to the old file (the last one without its newline), then it is rotated.
    await w.send({ op: 'append', text: nanoLine(6) + nanoLine(7).trimEnd() });
    await w.send({ op: 'rotate', text: nanoLine(8) + nanoLine(9) + nanoLine(10) });
    const u = tail.poll();
    assert.ok(u.events.includes('rotated'), u.events.join());
    assert.equal(u.reset, false);
    assert.deepEqual(steps(tail.train), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(tail.train.at(6).loss, lossOf(7));
  } finally {
    w.close();
    done();
  }
});

test('a resumed job (steps go back) replaces the points after the step it resumed from', () => {
  const s = new PointSeries(1000);
  for (let k = 1; k <= 10; k++) s.add({ step: k * 10, loss: 3 });
  s.add({ step: 70, loss: 2.5 });
  assert.deepEqual(steps(s), [10, 20, 30, 40, 50, 60, 70]);
  assert.equal(s.at(6).loss, 2.5);
  assert.equal(s.resumes, 1);
});

test('bounded memory: a full series thins to every other point and always knows the newest', () => {
  const s = new PointSeries(1024);
  for (let k = 1; k <= 10_000; k++) s.add({ step: k, loss: lossOf(k) });
  assert.ok(s.length <= 1024, String(s.length));
  assert.equal(s.total, 10_000);
  assert.equal(s.latest!.step, 10_000);
  assert.equal(s.stride, 16);
  // What is kept is exact: every kept point is a real (step, loss) pair, in order.
  for (let i = 0; i < s.length; i++) {
    assert.equal(s.at(i).loss, lossOf(s.at(i).step));
    if (i) assert.ok(s.stepAt(i) > s.stepAt(i - 1));
  }
  assert.equal(s.bytes, 1024 * 8 * 5);
});

test('JSONL and CSV metrics files, train and val in one row; trainer_state.json read whole', async () => {
  const { dir, done } = scratch();
  try {
    const jsonl = join(dir, 'metrics.jsonl');
    writeFileSync(
      jsonl,
      '{"step": 100, "train/loss": 3.5, "lr": 0.0003}\n{"step": 200, "loss": 3.2, "val_loss": 3.3}\n{"step": 3',
    );
    const a = new LogTail(jsonl);
    a.poll();
    assert.equal(a.format, 'jsonl');
    assert.deepEqual(steps(a.train), [100, 200]);
    assert.equal(a.train.at(0).lr, 0.0003);
    assert.deepEqual(steps(a.val), [200]);
    const csv = join(dir, 'metrics.csv');
    writeFileSync(csv, 'iter,train_loss,val_loss,learning_rate\n10,4.1,,1e-4\n20,3.9,4.0,2e-4\n');
    const b = new LogTail(csv);
    b.poll();
    assert.equal(b.format, 'csv');
    assert.deepEqual([steps(b.train), steps(b.val), b.train.at(1).lr], [[10, 20], [20], 2e-4]);
    const state = join(dir, 'trainer_state.json');
    const history = [
      { step: 10, loss: 3.1, learning_rate: 1e-4 },
      { step: 10, eval_loss: 3.2 },
    ];
    const full = JSON.stringify({ global_step: 10, log_history: history }, null, 2);
    writeFileSync(state, full.slice(0, full.length - 20)); // mid-write
    const c = new LogTail(state);
    c.poll();
    assert.equal(c.train.length, 0);
    assert.match(c.error!, /does not parse/);
    writeFileSync(state, full);
    c.poll();
    assert.deepEqual([steps(c.train), steps(c.val), c.train.at(0).lr], [[10], [10], 1e-4]);
  } finally {
    done();
  }
});

test('a log appended at 10k lines/s for 2 s, cut at random bytes: no lost update, no wrong point', async () => {
  const { file, done } = scratch();
  writeFileSync(file, '');
  const w = new Writer(file);
  const tail = new LogTail(file);
  let seen = 0;
  let updates = 0;
  let wrong = 0;
  const check = () => {
    for (; seen < tail.train.length; seen++) {
      const p = tail.train.at(seen);
      if (p.step !== seen + 1 || p.loss !== lossOf(p.step)) wrong++;
    }
  };
  const watcher = watchLog(
    tail,
    (u: TailUpdate) => {
      updates++;
      assert.equal(u.reset, false);
      check();
    },
    { debounceMs: 50, pollMs: 200 },
  );
  try {
    const t0 = performance.now();
    await w.send({ op: 'stream', rate: 10_000, seconds: 2 });
    const writeSeconds = (performance.now() - t0) / 1000;
    // The watcher's last read may predate the final write: read once more, as the next event would.
    await new Promise((r) => setTimeout(r, 300));
    tail.poll();
    check();
    console.log(
      JSON.stringify({
        bench: 'log-tail-10k-lines-per-s',
        lines: 20_000,
        writeSeconds: +writeSeconds.toFixed(2),
        updates,
        points: tail.train.length,
        wrong,
        bytes: statSync(file).size,
      }),
    );
    assert.equal(wrong, 0);
    assert.equal(tail.train.length, 20_000);
    assert.equal(tail.train.latest!.step, 20_000);
    assert.equal(tail.pendingBytes, 0);
    assert.ok(updates >= 5, `the watcher read ${updates} times while the file grew`);
  } finally {
    watcher.close();
    w.close();
    done();
  }
});

test('a backlog is read in slices: the event loop keeps running while 24 MB are caught up', async () => {
  const { file, done } = scratch();
  try {
    let text = '';
    for (let k = 1; k <= 480_000; k++) text += nanoLine(k);
    writeFileSync(file, text);
    const tail = new LogTail(file);
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const updates: TailUpdate[] = [];
    const caughtUp = new Promise<void>((resolve) => {
      const w = watchLog(
        tail,
        (u) => {
          updates.push(u);
          if (!u.more) {
            w.close();
            resolve();
          }
        },
        { debounceMs: 10, pollMs: 60_000, sliceBytes: 1 << 20 },
      );
    });
    await caughtUp;
    clearInterval(ticker);
    assert.equal(tail.train.total, 480_000);
    assert.equal(tail.train.latest!.step, 480_000);
    assert.ok(tail.train.length <= 1 << 18);
    assert.ok(ticks > 10, `${ticks} timer ticks while reading`);
    // One 1 MiB slice at a time: far from the seconds a one-shot read of the file takes.
    assert.ok(longestGap < 1500, `the event loop was blocked for ${longestGap.toFixed(0)} ms`);
  } finally {
    done();
  }
});

test(
  'a 1 GB Megatron log: one streamed pass, bounded memory (LOG_TAIL_1GB=1)',
  { skip: process.env.LOG_TAIL_1GB ? false : 'set LOG_TAIL_1GB=1 (writes 1 GB to the temp folder)' },
  async () => {
    const { file, done } = scratch();
    const w = new Writer(file);
    try {
      const { lines } = JSON.parse(await w.send({ op: 'big', bytes: 2 ** 30 })) as { lines: number };
      const bytes = statSync(file).size;
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const t0 = performance.now();
      const tail = new LogTail(file);
      // As the watcher reads a backlog: 8 MiB slices, the event loop free between them.
      let slices = 0;
      let longestSliceMs = 0;
      for (;;) {
        const s0 = performance.now();
        const u = tail.poll(8 << 20);
        longestSliceMs = Math.max(longestSliceMs, performance.now() - s0);
        slices++;
        peak = Math.max(peak, process.memoryUsage().rss);
        if (!u.more) break;
        await new Promise((r) => setImmediate(r));
      }
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      const maxRss = process.resourceUsage().maxRSS * 1024;
      console.log(
        JSON.stringify({
          bench: 'log-tail-1GB',
          bytes,
          lines,
          seconds: +seconds.toFixed(1),
          slices,
          longestSliceMs: +longestSliceMs.toFixed(0),
          mbPerSecond: +(bytes / 2 ** 20 / seconds).toFixed(0),
          rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(0),
          rssAfterMiB: +(peak / 2 ** 20).toFixed(0),
          peakRssMiB: +(maxRss / 2 ** 20).toFixed(0),
          kept: tail.train.length,
          stride: tail.train.stride,
          seriesMiB: +(tail.train.bytes / 2 ** 20).toFixed(1),
        }),
      );
      assert.equal(tail.train.total, lines);
      assert.equal(tail.train.latest!.step, lines);
      assert.ok(tail.train.length <= 1 << 18);
      for (let i = 0; i < tail.train.length; i += 997) {
        const p = tail.train.at(i);
        assert.equal(p.loss, Number((2 + 8 / Math.sqrt(p.step)).toExponential(6)));
      }
      // Bounded: the tail holds a 1 MiB read buffer and 10 MiB of points, not the 1 GB of text.
      assert.ok(
        maxRss - rssBefore < 200 * 2 ** 20,
        `RSS grew by ${((maxRss - rssBefore) / 2 ** 20).toFixed(0)} MiB`,
      );
    } finally {
      w.close();
      done();
    }
  },
);

test('hostile lines: garbage, NUL, lone surrogates, NaN and 1e400 losses, misaligned CSV rows give no wrong point', () => {
  const { dir, done } = scratch();
  try {
    const file = join(dir, 'train.log');
    const garbage = [
      'iter 1: loss 3.0000, time 5.00ms, mfu 1.00%',
      'iter 2: loss nan, time 5.00ms',
      'iter 3: loss 1e400, time 5.00ms',
      'iter 4: loss -2.0, time 5.00ms',
      '\u0000\u0000 binary \ud800 lone surrogate \u202e RTL',
      'iter five: loss 2.0',
      'x'.repeat(5000),
      'iter 6: loss 2.5000, time 5.00ms, mfu 1.00%',
    ];
    writeFileSync(file, garbage.join('\n') + '\n');
    const tail = new LogTail(file);
    tail.poll();
    assert.deepEqual(
      Array.from({ length: tail.train.length }, (_, i) => [tail.train.at(i).step, tail.train.at(i).loss]),
      [
        [1, 3],
        [6, 2.5],
      ],
    );
    // A quoted comma shifts a CSV row's columns: the row is skipped, not misread.
    const csv = join(dir, 'metrics.csv');
    writeFileSync(csv, 'step,loss,note\n10,3.5,ok\n20,"a,b",3.2\n30,3.1,fine\n');
    const c = new LogTail(csv);
    c.poll();
    assert.deepEqual(steps(c.train), [10, 30]);
    // HF Trainer dicts carry no step: the ordinal continues across reads (loggingSteps 10).
    const hf = join(dir, 'hf.log');
    writeFileSync(hf, "{'loss': 2.5, 'learning_rate': 5e-05, 'epoch': 0.1}\n");
    const h = new LogTail(hf, { loggingSteps: 10 });
    h.poll();
    writeFileSync(
      hf,
      "{'loss': 2.5, 'learning_rate': 5e-05, 'epoch': 0.1}\n{'loss': 2.25, 'learning_rate': 4e-05, 'epoch': 0.2}\n",
    );
    h.poll();
    assert.deepEqual(steps(h.train), [10, 20]);
    assert.equal(h.train.at(1).loss, 2.25);
  } finally {
    done();
  }
});
