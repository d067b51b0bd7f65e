/**
 * Test support: writes TensorBoard event files the way PyTorch's SummaryWriter does (a
 * `file_version` record, then one `Event` record per `add_scalar`: wall_time, step, summary with
 * one simple_value), TFRecord-framed with masked CRC32C. Used to grow a file from a known law in
 * live-tracking tests; the decoder itself is checked on real files (tensorboard-real.test.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { maskedCrc32c } from '../../src/core/logs/tensorboard';
import { SHARED_DIR } from '../helpers';

/** Real LLM-training event files (shared/data/tensorboard_llm, see its README.md). */
export const REAL_TB_DIR = join(SHARED_DIR, 'data', 'tensorboard_llm');
export const REAL_TB_SKIP = existsSync(join(REAL_TB_DIR, 'README.md'))
  ? false
  : `real LLM event files not found at ${REAL_TB_DIR}`;

function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x) byte |= 0x80;
    out.push(byte);
  } while (x);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const bytesField = (field: number, data: Uint8Array | number[]) => [
  ...key(field, 2),
  ...varint(data.length),
  ...data,
];
function float32(v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...b];
}
function float64(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return [...b];
}

/** One TFRecord around `data`. */
export function tfrecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(out, 12, 12 + data.length), true);
  return out;
}

/** The first record every writer puts in a file. */
export function fileVersionRecord(wallTime = 1.7e9): Uint8Array {
  const text = new TextEncoder().encode('brain.Event:2');
  return tfrecord(new Uint8Array([...key(1, 1), ...float64(wallTime), ...bytesField(3, text)]));
}

/** One `add_scalar(tag, value, step)` record. */
export function scalarRecord(tag: string, value: number, step: number, wallTime = 1.7e9): Uint8Array {
  const value1 = [...bytesField(1, new TextEncoder().encode(tag)), ...key(2, 5), ...float32(value)];
  const summary = bytesField(1, value1);
  return tfrecord(
    new Uint8Array([
      ...key(1, 1),
      ...float64(wallTime),
      ...key(2, 0),
      ...varint(step),
      ...bytesField(5, summary),
    ]),
  );
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Start offsets of every record of an event file (framing only). */
export function recordStarts(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = [];
  for (let at = 0; at + 12 <= bytes.length; at += 16 + Number(view.getBigUint64(at, true))) starts.push(at);
  return starts;
}
