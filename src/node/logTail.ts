/**
 * Incremental reader of a growing training log, for live tracking (issue 13 item 4, issue 17 item 4).
 *
 * - Reads only the bytes appended since the last read (an open fd and a byte offset; chunks of
 *   `chunkBytes`), never the whole text, so a 1 GB log costs one pass and bounded memory.
 * - A line is parsed only once its newline has arrived: the bytes after the last newline are kept
 *   (as bytes: UTF-8 never puts 0x0A inside a multi-byte character) until the rest is written.
 * - Truncation (size < offset) and in-place rewrites (the first bytes changed) restart from zero
 *   with the points cleared (`generation` counts restarts). Rotation (the path now names another
 *   inode: rename + recreate) first drains the old file to its end, then follows the new one; the
 *   points are kept, since logrotate-style rotation continues the same run.
 * - A point whose step is not after the last one of its split means the job resumed from an earlier
 *   checkpoint: the points from that step on are dropped and the new ones replace them.
 * - Points live in typed arrays, at most `maxPoints` per split: when full, every other point is
 *   dropped and from then on only every `stride`-th new point is kept (the newest point is always
 *   known, as `latest`). A single line longer than `maxLineBytes` is skipped, not buffered.
 * - `trainer_state.json` is rewritten whole by the HF Trainer: it is re-read whole when its size or
 *   time changes, and a version that does not parse (mid-write) leaves the previous points.
 * - TensorBoard event files (`events.out.tfevents.*`, or a head that is a CRC-checked TFRecord) are
 *   read by bytes from the last complete record (src/core/logs/tensorboard.ts): a record still
 *   being written is kept as bytes until it is whole, a record over `maxLineBytes` (an image or
 *   graph summary) is skipped by its length without being buffered, and a CRC mismatch stops the
 *   reading there with an error (reported, not thrown; truncation or a rewrite starts over).
 * Parsing goes through src/core/logs (every format there). Never throws on file problems: they
 * come back in `notes`/`error`.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  detectLogFormat,
  isTensorBoardEventHead,
  newTensorBoardCarry,
  parseTensorBoardEvents,
  parseTrainerState,
  parseTrainingLog,
  tensorBoardLossPoints,
  TENSORBOARD_FILE_NAME,
  type LogCarry,
  type LogFormat,
  type LogPoint,
} from '../core/logs';
import type { TensorBoardCarry } from '../core/logs/tensorboard';

/** One logged checkpoint as kept by the tail. */
export interface TailPoint {
  step: number;
  loss: number;
  lr?: number;
  tokens?: number;
  iterationMs?: number;
}

/** A growing column store of points of one split (train or val), bounded by `capacity`. */
export class PointSeries {
  private steps = new Float64Array(256);
  private losses = new Float64Array(256);
  private lrs = new Float64Array(256);
  private tokenCounts = new Float64Array(256);
  private times = new Float64Array(256);
  /** Points kept. */
  length = 0;
  /** Keep one point in `stride` (doubles each time the store fills). */
  stride = 1;
  private sinceKept = 0;
  /** Points accepted in total (kept or thinned out), since the last clear. */
  total = 0;
  /** Times a step went backwards (a resumed job): later points replaced earlier ones. */
  resumes = 0;
  /** The newest point, kept even when thinning dropped it from the arrays. */
  latest?: TailPoint;

  constructor(readonly capacity: number) {}

  at(i: number): TailPoint {
    const nan = (v: number) => (Number.isNaN(v) ? undefined : v);
    return {
      step: this.steps[i],
      loss: this.losses[i],
      lr: nan(this.lrs[i]),
      tokens: nan(this.tokenCounts[i]),
      iterationMs: nan(this.times[i]),
    };
  }

  stepAt(i: number): number {
    return this.steps[i];
  }

  lossAt(i: number): number {
    return this.losses[i];
  }

  add(p: TailPoint): void {
    if (this.latest && p.step <= this.latest.step) {
      // Same step again (printed twice) or an earlier one (resumed from a checkpoint): what came
      // after that step in the log is superseded.
      if (p.step < this.latest.step) this.resumes++;
      let lo = 0;
      let hi = this.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.steps[mid] < p.step) lo = mid + 1;
        else hi = mid;
      }
      this.length = lo;
      this.sinceKept = this.stride; // The replacing point is kept.
    }
    this.latest = p;
    this.total++;
    if (++this.sinceKept < this.stride) return;
    this.sinceKept = 0;
    if (this.length === this.steps.length) {
      if (this.length >= this.capacity) this.thin();
      else this.grow(Math.min(this.capacity, this.steps.length * 2));
    }
    const i = this.length++;
    this.steps[i] = p.step;
    this.losses[i] = p.loss;
    this.lrs[i] = p.lr ?? NaN;
    this.tokenCounts[i] = p.tokens ?? NaN;
    this.times[i] = p.iterationMs ?? NaN;
  }

  clear(): void {
    this.length = 0;
    this.stride = 1;
    this.sinceKept = 0;
    this.total = 0;
    this.latest = undefined;
  }

  /** Bytes held by the arrays (for the memory figures). */
  get bytes(): number {
    return this.steps.byteLength * 5;
  }

  private grow(size: number): void {
    const copy = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.steps = copy(this.steps);
    this.losses = copy(this.losses);
    this.lrs = copy(this.lrs);
    this.tokenCounts = copy(this.tokenCounts);
    this.times = copy(this.times);
  }

  /** Keep every other point (the first one included), and keep one in twice as many from now on. */
  private thin(): void {
    let j = 0;
    for (let i = 0; i < this.length; i += 2, j++) {
      this.steps[j] = this.steps[i];
      this.losses[j] = this.losses[i];
      this.lrs[j] = this.lrs[i];
      this.tokenCounts[j] = this.tokenCounts[i];
      this.times[j] = this.times[i];
    }
    this.length = j;
    this.stride *= 2;
  }
}

export interface TailOptions {
  /** Force a format instead of detecting it. */
  format?: LogFormat;
  /** HF Trainer console logs: steps between log lines (they print no step). */
  loggingSteps?: number;
  /** Points kept per split (default 2^18 = 262,144: 10 MiB per split). */
  maxPoints?: number;
  /** Read size (default 1 MiB). */
  chunkBytes?: number;
  /** A line longer than this is skipped (default 1 MiB). */
  maxLineBytes?: number;
  /** trainer_state.json larger than this is not read (default 64 MiB). */
  maxWholeFileBytes?: number;
}

export type TailEvent = 'opened' | 'truncated' | 'rewritten' | 'rotated' | 'missing' | 'unreadable';

export interface TailUpdate {
  /** New points (both splits) in this read. */
  points: number;
  /** Bytes read in this read. */
  bytes: number;
  events: TailEvent[];
  /** The points were cleared (truncation, rewrite): consumers must start over. */
  reset: boolean;
  /** The read stopped at its byte budget: more is there to read. */
  more?: boolean;
}

const HEAD_BYTES = 64;

export class LogTail {
  readonly train: PointSeries;
  readonly val: PointSeries;
  format?: LogFormat;
  /** Incremented whenever the points are cleared. */
  generation = 0;
  /** Offset of the next unread byte of the current file. */
  offset = 0;
  bytesRead = 0;
  linesRead = 0;
  /** Lines over `maxLineBytes`, skipped. */
  longLines = 0;
  /** The last problem reading the file (missing, unreadable, unparseable trainer_state). */
  error?: string;
  private fd?: number;
  private ino?: number;
  private dev?: number;
  private head?: Buffer;
  private partial: Buffer = Buffer.alloc(0);
  private dropping = false;
  private carry: LogCarry = {};
  private wholeStamp?: string;
  /** Event-file state: whether this is one (undefined: not decided yet), bytes of a record still
   * being written, bytes of an oversized record still to skip, the tag carry, a lasting error. */
  private eventFile?: boolean;
  private recordPartial: Buffer = Buffer.alloc(0);
  private recordSkip = 0;
  private eventCarry: TensorBoardCarry = newTensorBoardCarry();
  private eventError?: string;
  private eventStopped = false;
  private readonly buffer: Buffer;
  private readonly options: Required<Omit<TailOptions, 'format' | 'loggingSteps'>> & TailOptions;

  constructor(
    readonly path: string,
    options: TailOptions = {},
  ) {
    this.options = {
      maxPoints: 1 << 18,
      chunkBytes: 1 << 20,
      maxLineBytes: 1 << 20,
      maxWholeFileBytes: 64 << 20,
      ...options,
    };
    this.format = options.format;
    this.train = new PointSeries(this.options.maxPoints);
    this.val = new PointSeries(this.options.maxPoints);
    this.buffer = Buffer.alloc(this.options.chunkBytes);
  }

  /** Bytes of a line (or event record) still being written (kept until it is complete). */
  get pendingBytes(): number {
    return this.partial.length + this.recordPartial.length;
  }

  /**
   * Read what was appended since the last call, at most `maxBytes` (a read of a 1 GB log in one call
   * would block the caller for tens of seconds; `more` says there is more). Synchronous; never throws.
   */
  poll(maxBytes = Infinity): TailUpdate {
    const update: TailUpdate = { points: 0, bytes: 0, events: [], reset: false };
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(this.path);
    } catch {
      this.error = `${basename(this.path)} does not exist (yet)`;
      update.events.push('missing');
      return update;
    }
    try {
      if (this.fd !== undefined && (st.ino !== this.ino || st.dev !== this.dev)) {
        // Rotated: the old file may have had lines appended after our last read. Drain it first.
        if (this.eventFile) this.readEvents(this.fd, update, Infinity);
        else this.readAppended(this.fd, update, Infinity);
        this.flushRotatedPartial();
        this.closeFd();
        update.events.push('rotated');
      }
      if (this.fd === undefined) {
        this.fd = openSync(this.path, 'r');
        const own = fstatSync(this.fd);
        this.ino = own.ino;
        this.dev = own.dev;
        this.offset = 0;
        this.head = undefined;
        update.events.push('opened');
      }
      const size = fstatSync(this.fd).size;
      this.error = undefined;
      if (this.isWholeFile()) this.readWhole(this.fd, size, update);
      else {
        if (size < this.offset) this.restart(update, 'truncated');
        else if (this.head && this.offset >= this.head.length && !this.headMatches(this.fd))
          this.restart(update, 'rewritten');
        if (this.isEventFile(this.fd, size)) {
          this.readEvents(this.fd, update, maxBytes);
          if (this.eventError) this.error = this.eventError;
        } else if (this.eventFile === false) this.readAppended(this.fd, update, maxBytes);
        update.more = !this.eventStopped && this.offset < fstatSync(this.fd).size;
      }
    } catch (e) {
      this.error = `cannot read ${basename(this.path)}: ${(e as Error).message}`;
      update.events.push('unreadable');
      this.closeFd();
    }
    return update;
  }

  close(): void {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // Already closed.
      }
    }
    this.fd = undefined;
  }

  private restart(update: TailUpdate, why: TailEvent): void {
    this.train.clear();
    this.val.clear();
    this.offset = 0;
    this.head = undefined;
    this.partial = Buffer.alloc(0);
    this.dropping = false;
    this.carry = {};
    this.wholeStamp = undefined;
    this.eventFile = undefined;
    this.recordPartial = Buffer.alloc(0);
    this.recordSkip = 0;
    this.eventCarry = newTensorBoardCarry();
    this.eventError = undefined;
    this.eventStopped = false;
    this.format = this.options.format;
    this.generation++;
    update.events.push(why);
    update.reset = true;
  }

  private headMatches(fd: number): boolean {
    const b = Buffer.alloc(this.head!.length);
    const n = readSync(fd, b, 0, b.length, 0);
    return n === b.length && b.equals(this.head!);
  }

  private isWholeFile(): boolean {
    return this.format === 'trainer-state' || /(^|[\\/])trainer_state\.json$/i.test(this.path);
  }

  /** A rotated file that ended without a newline: its last line is complete (nothing more will come). */
  private flushRotatedPartial(): void {
    if (this.partial.length && !this.dropping) {
      const rest = this.partial;
      this.partial = Buffer.alloc(0);
      this.parseComplete(Buffer.concat([rest, Buffer.from('\n')]), {
        points: 0,
        bytes: 0,
        events: [],
        reset: false,
      });
    }
    this.partial = Buffer.alloc(0);
    this.dropping = false;
  }

  /**
   * Decide once per file whether it is an event file: by its name, else by its first 12 bytes
   * (undecided, and nothing read, while a file not named like one is shorter than that).
   */
  private isEventFile(fd: number, size: number): boolean {
    if (this.eventFile === undefined) {
      if (this.format === 'tensorboard' || TENSORBOARD_FILE_NAME.test(basename(this.path)))
        this.eventFile = true;
      else if (this.format || size >= 12) {
        const head = Buffer.alloc(12);
        const n = this.format ? 0 : readSync(fd, head, 0, 12, 0);
        this.eventFile = n === 12 && isTensorBoardEventHead(head);
      }
      if (this.eventFile) this.format = 'tensorboard';
    }
    return this.eventFile === true;
  }

  /** Read appended event-file bytes; only complete, CRC-checked records become points. */
  private readEvents(fd: number, update: TailUpdate, maxBytes: number): void {
    const size = fstatSync(fd).size;
    let budget = maxBytes;
    while (this.offset < size && budget > 0 && !this.eventStopped) {
      const want = Math.min(this.buffer.length, size - this.offset);
      const n = readSync(fd, this.buffer, 0, want, this.offset);
      if (n <= 0) break;
      if (!this.head && this.offset === 0)
        this.head = Buffer.from(this.buffer.subarray(0, Math.min(n, HEAD_BYTES)));
      const start = this.offset;
      this.offset += n;
      this.bytesRead += n;
      update.bytes += n;
      budget -= n;
      let chunk = this.buffer.subarray(0, n);
      if (this.recordSkip) {
        const skip = Math.min(this.recordSkip, chunk.length);
        this.recordSkip -= skip;
        chunk = chunk.subarray(skip);
        if (!chunk.length) continue;
      }
      const bytes = this.recordPartial.length ? Buffer.concat([this.recordPartial, chunk]) : chunk;
      const base = start + n - bytes.length;
      const parsed = parseTensorBoardEvents(bytes, 0, base);
      const points = tensorBoardLossPoints(parsed, this.eventCarry, false);
      for (const p of points.points) this.addPoint(p);
      update.points += points.points.length;
      this.linesRead = this.eventCarry.records;
      this.eventError = points.error ? `${basename(this.path)}: ${points.error}` : undefined;
      if (parsed.errors.length) {
        // What follows a corrupt record cannot be framed: stop reading this file (until it is
        // truncated or rewritten), say so; the points before it stay.
        this.eventError = `${basename(this.path)}: ${parsed.errors[0]}; reading stopped there`;
        this.eventStopped = true;
        this.recordPartial = Buffer.alloc(0);
        break;
      }
      const rest = bytes.subarray(parsed.consumed);
      if (parsed.partialRecordBytes !== undefined && parsed.partialRecordBytes > this.options.maxLineBytes) {
        // Not a scalar (an image, a graph): skip it by its length instead of buffering it.
        this.recordSkip = parsed.partialRecordBytes - rest.length;
        this.recordPartial = Buffer.alloc(0);
        this.longLines++;
      } else this.recordPartial = Buffer.from(rest);
    }
  }

  private readAppended(fd: number, update: TailUpdate, maxBytes: number): void {
    const size = fstatSync(fd).size;
    let budget = maxBytes;
    while (this.offset < size && budget > 0) {
      const want = Math.min(this.buffer.length, size - this.offset);
      const n = readSync(fd, this.buffer, 0, want, this.offset);
      if (n <= 0) break;
      if (!this.head && this.offset === 0)
        this.head = Buffer.from(this.buffer.subarray(0, Math.min(n, HEAD_BYTES)));
      this.offset += n;
      this.bytesRead += n;
      update.bytes += n;
      budget -= n;
      this.consume(this.buffer.subarray(0, n), update);
    }
  }

  private consume(bytes: Buffer, update: TailUpdate): void {
    const last = bytes.lastIndexOf(0x0a);
    if (last < 0) {
      if (this.dropping) return;
      this.partial = this.partial.length ? Buffer.concat([this.partial, bytes]) : Buffer.from(bytes);
      if (this.partial.length > this.options.maxLineBytes) {
        // Not a log line (a binary blob, a progress bar without newlines): skip to the next newline.
        this.partial = Buffer.alloc(0);
        this.dropping = true;
        this.longLines++;
      }
      return;
    }
    let complete = this.partial.length
      ? Buffer.concat([this.partial, bytes.subarray(0, last + 1)])
      : bytes.subarray(0, last + 1);
    if (this.dropping) {
      complete = complete.subarray(complete.indexOf(0x0a) + 1);
      this.dropping = false;
    }
    this.partial = Buffer.from(bytes.subarray(last + 1));
    this.parseComplete(complete, update);
  }

  /** Parse complete lines (the text ends with a newline). */
  private parseComplete(bytes: Buffer, update: TailUpdate): void {
    if (!bytes.length) return;
    const text = bytes.toString('utf8');
    if (!this.format) {
      const lines = text.split('\n');
      this.format = detectLogFormat(lines, lines.length);
      if (this.format === 'trainer-state') return; // Read whole on the next poll.
      if (!this.format) {
        this.linesRead += lines.length - 1;
        return;
      }
    }
    const parsed = parseTrainingLog(text, {
      format: this.format,
      carry: this.carry,
      ...(this.options.loggingSteps ? { loggingSteps: this.options.loggingSteps } : {}),
    });
    this.linesRead += countNewlines(bytes);
    for (const p of parsed.points) this.addPoint(p);
    update.points += parsed.points.length;
  }

  private addPoint(p: LogPoint): void {
    (p.split === 'val' ? this.val : this.train).add({
      step: p.step,
      loss: p.loss,
      ...(p.lr !== undefined && Number.isFinite(p.lr) ? { lr: p.lr } : {}),
      ...(p.tokens !== undefined && Number.isFinite(p.tokens) ? { tokens: p.tokens } : {}),
      ...(p.iterationMs !== undefined && Number.isFinite(p.iterationMs)
        ? { iterationMs: p.iterationMs }
        : {}),
    });
  }

  private readWhole(fd: number, size: number, update: TailUpdate): void {
    const stamp = `${size}:${fstatSync(fd).mtimeMs}`;
    if (stamp === this.wholeStamp) return;
    if (size > this.options.maxWholeFileBytes) {
      this.error = `${basename(this.path)} is over ${this.options.maxWholeFileBytes >> 20} MiB: not read`;
      this.wholeStamp = stamp;
      return;
    }
    const b = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, b, got, size - got, got);
      if (n <= 0) break;
      got += n;
    }
    update.bytes += got;
    this.bytesRead += got;
    const parsed = parseTrainerState(b.subarray(0, got).toString('utf8'));
    if (parsed.error) {
      // Mid-write: keep the last good points, try again next time.
      this.error = parsed.error;
      return;
    }
    this.wholeStamp = stamp;
    this.offset = got;
    this.format = 'trainer-state';
    const before = this.train.total + this.val.total;
    this.train.clear();
    this.val.clear();
    for (const p of parsed.points) this.addPoint(p);
    const after = this.train.total + this.val.total;
    // The file holds the whole history each time: only a shorter one is a restart.
    if (after < before) {
      this.generation++;
      update.reset = true;
      update.events.push('rewritten');
    }
    update.points += Math.max(0, after - before);
  }
}

function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}

export interface LogWatcher {
  close(): void;
  /** Read now (after the debounce), as if the file had changed. */
  poke(): void;
}

/**
 * Watch a tail's file: fs.watch on its folder (so rename + recreate is seen) plus polling every
 * `pollMs` (fs.watch misses changes on network and some container file systems). Reads are
 * throttled: the first change schedules a read `debounceMs` later and changes before it join it, so
 * a log appended continuously is still read every `debounceMs` (a pure debounce would never fire).
 */
export function watchLog(
  tail: LogTail,
  onUpdate: (update: TailUpdate) => void,
  options: { debounceMs?: number; pollMs?: number; sliceBytes?: number } = {},
): LogWatcher {
  const debounceMs = options.debounceMs ?? 150;
  const pollMs = options.pollMs ?? 1000;
  const sliceBytes = options.sliceBytes ?? 2 << 20;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  // A long backlog (a 1 GB log opened mid-run) is read in slices with the event loop free between
  // them; the consumer hears once the tail caught up, or every second while it catches up.
  let pending: TailUpdate | undefined;
  let lastReport = Date.now();
  const run = () => {
    timer = undefined;
    if (closed) return;
    const update = tail.poll(sliceBytes);
    pending = pending
      ? {
          points: pending.points + update.points,
          bytes: pending.bytes + update.bytes,
          events: [...pending.events, ...update.events],
          reset: pending.reset || update.reset,
        }
      : update;
    if (update.more) {
      timer = setTimeout(run, 0);
      if (Date.now() - lastReport < 1000) return;
    }
    const done = pending;
    pending = undefined;
    lastReport = Date.now();
    if (done.points || done.reset || done.events.some((e) => e !== 'missing' && e !== 'opened'))
      onUpdate({ ...done, ...(update.more ? { more: true } : {}) });
  };
  const schedule = () => {
    if (!closed && !timer) timer = setTimeout(run, debounceMs);
  };
  let watcher: FSWatcher | undefined;
  const name = basename(tail.path);
  try {
    watcher = watch(dirname(tail.path), { persistent: false }, (_event, file) => {
      if (!file || String(file) === name) schedule();
    });
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined; // The folder may not exist yet: polling covers it.
  }
  const interval = setInterval(schedule, pollMs);
  interval.unref?.();
  schedule();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(interval);
      watcher?.close();
      tail.close();
    },
    poke: schedule,
  };
}
