/**
 * TensorBoard event files (`events.out.tfevents.*`) → scalar points. The framing is TFRecord
 * (tensorflow/core/lib/io/record_writer.cc): uint64 little-endian length, uint32 masked CRC32C of
 * those 8 bytes, the data, uint32 masked CRC32C of the data; masked = ((crc >>> 15) | (crc << 17)) +
 * 0xa282ead8. Each record is an `Event` protobuf (tensorflow/core/util/event.proto: wall_time = 1
 * double, step = 2 int64, file_version = 3, summary = 5), whose `Summary` (summary.proto) holds
 * repeated `Value` (tag = 1, simple_value = 2 float, tensor = 8 TensorProto — TF2/PyTorch
 * `add_scalar` writers use simple_value, `tf.summary.scalar` a scalar tensor: float_val = 5,
 * double_val = 6, or 4-/8-byte tensor_content = 4 with dtype = 1 DT_FLOAT 1 / DT_DOUBLE 2).
 * The protobuf is decoded by hand (varints and length-delimited fields only; a few dozen lines, no
 * dependency). Tested on a real file (test/fixtures/logs/tensorboard/SOURCE.md).
 *
 * A file being written ends in a partial record: reading stops before it and `consumed` is where the
 * next read resumes, so a half-written record never becomes a point. A record whose CRC does not
 * match is reported and reading stops there (what follows cannot be framed reliably).
 */
import type { LogPoint } from './index';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1; // CRC-32C (Castagnoli)
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC. */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const c = crc32c(bytes, start, end);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

interface Field {
  number: number;
  wire: number;
  /** varint value (wire 0), or undefined. */
  varint?: bigint;
  /** start/end of the payload for wire 1, 2, 5. */
  start: number;
  end: number;
}

/** Protobuf fields of bytes[start, end); undefined when the bytes are not a well-formed message. */
function fields(b: Uint8Array, start: number, end: number): Field[] | undefined {
  const out: Field[] = [];
  let i = start;
  const varint = (): bigint | undefined => {
    let v = 0n;
    let shift = 0n;
    while (i < end) {
      const byte = b[i++];
      v |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
      shift += 7n;
      if (shift > 63n) return undefined;
    }
    return undefined;
  };
  while (i < end) {
    const key = varint();
    if (key === undefined) return undefined;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const v = varint();
      if (v === undefined) return undefined;
      out.push({ number, wire, varint: v, start: i, end: i });
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (i + size > end) return undefined;
      out.push({ number, wire, start: i, end: i + size });
      i += size;
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined || i + Number(len) > end) return undefined;
      out.push({ number, wire, start: i, end: i + Number(len) });
      i += Number(len);
    } else return undefined; // groups (3, 4) are not used by these messages
  }
  return out;
}

/** The scalar of a TensorProto, when it holds one float or double. */
function tensorScalar(b: Uint8Array, view: DataView, start: number, end: number): number | undefined {
  const fs = fields(b, start, end);
  if (!fs) return undefined;
  const dtype = Number(fs.find((f) => f.number === 1)?.varint ?? 0n);
  for (const f of fs) {
    if (f.number === 5 && f.wire === 5) return view.getFloat32(f.start, true);
    if (f.number === 5 && f.wire === 2 && f.end - f.start === 4) return view.getFloat32(f.start, true);
    if (f.number === 6 && f.wire === 1) return view.getFloat64(f.start, true);
    if (f.number === 6 && f.wire === 2 && f.end - f.start === 8) return view.getFloat64(f.start, true);
    if (f.number === 4 && f.wire === 2) {
      if (dtype === 1 && f.end - f.start === 4) return view.getFloat32(f.start, true);
      if (dtype === 2 && f.end - f.start === 8) return view.getFloat64(f.start, true);
    }
  }
  return undefined;
}

export interface TensorBoardScalar {
  tag: string;
  step: number;
  value: number;
  wallTime?: number;
}

export interface ParsedEvents {
  scalars: TensorBoardScalar[];
  /** Bytes of complete, checked records (resume offset for a growing file). */
  consumed: number;
  errors: string[];
}

/** Every scalar of the complete records of an event file (from `offset`). Never throws. */
export function parseTensorBoardEvents(bytes: Uint8Array, offset = 0): ParsedEvents {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scalars: TensorBoardScalar[] = [];
  const errors: string[] = [];
  let at = offset;
  while (at + 12 <= bytes.length) {
    const length = view.getBigUint64(at, true);
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes, at, at + 8)) {
      errors.push(`TFRecord at byte ${at}: the length's CRC does not match (not an event file, or corrupt)`);
      break;
    }
    const dataStart = at + 12;
    const dataEnd = dataStart + Number(length);
    if (length > BigInt(bytes.length) || dataEnd + 4 > bytes.length) break; // still being written
    if (view.getUint32(dataEnd, true) !== maskedCrc32c(bytes, dataStart, dataEnd)) {
      errors.push(`TFRecord at byte ${at}: the data's CRC does not match (corrupt record)`);
      break;
    }
    at = dataEnd + 4;
    const event = fields(bytes, dataStart, dataEnd);
    if (!event) {
      errors.push(`TFRecord at byte ${dataStart - 12}: not a well-formed Event message`);
      continue;
    }
    let step = 0;
    let wallTime: number | undefined;
    let summary: Field | undefined;
    for (const f of event) {
      if (f.number === 1 && f.wire === 1) wallTime = view.getFloat64(f.start, true);
      else if (f.number === 2 && f.wire === 0) step = Number(BigInt.asIntN(64, f.varint!));
      else if (f.number === 5 && f.wire === 2) summary = f;
    }
    if (!summary) continue;
    for (const v of fields(bytes, summary.start, summary.end) ?? []) {
      if (v.number !== 1 || v.wire !== 2) continue;
      const value = fields(bytes, v.start, v.end);
      if (!value) continue;
      let tag: string | undefined;
      let scalar: number | undefined;
      for (const f of value) {
        if (f.number === 1 && f.wire === 2) tag = new TextDecoder().decode(bytes.subarray(f.start, f.end));
        else if (f.number === 2 && f.wire === 5) scalar = view.getFloat32(f.start, true);
        else if (f.number === 8 && f.wire === 2) scalar = tensorScalar(bytes, view, f.start, f.end);
      }
      if (tag !== undefined && scalar !== undefined && Number.isFinite(scalar))
        scalars.push({ tag, step, value: scalar, ...(wallTime !== undefined ? { wallTime } : {}) });
    }
  }
  return { scalars, consumed: at, errors };
}

/** Scalar tags that are a training or validation loss (the first matching tag of each split is used). */
const LOSS_TAGS: { split: 'train' | 'val'; pattern: RegExp }[] = [
  {
    split: 'val',
    pattern: /(^|[/_ -])(val|valid|validation|eval)[/_ -]?(lm[_ ]?)?loss$|^(val|eval)\/.*loss/i,
  },
  { split: 'train', pattern: /(^|\/)(train[/_ -]?)?(lm[_ ]?)?loss$|^train\/.*loss|^loss\/train$|^logloss$/i },
];
const LR_TAG = /(^|[/_ -])(lr|learning[_ ]?rate)(\/|$)|^lr[-_]/i;

/**
 * Loss (and LR) points of an event file as the log readers' {@link LogPoint}s: a tag named like a
 * loss (`loss`, `train/loss`, `lm loss`, `val_loss`, `eval/loss`, CatBoost's `Logloss` …) and, at the
 * same step, an LR tag. `line` is the record's ordinal.
 */
export function tensorBoardLossPoints(parsed: ParsedEvents): { points: LogPoint[]; tags: string[] } {
  const tags = [...new Set(parsed.scalars.map((s) => s.tag))];
  const lossTag = new Map<'train' | 'val', string>();
  for (const { split, pattern } of LOSS_TAGS) {
    const tag = tags.find((t) => pattern.test(t.trim()));
    if (tag !== undefined) lossTag.set(split, tag);
  }
  const lrTag = tags.find((t) => LR_TAG.test(t.trim()));
  const lrAt = new Map<number, number>();
  if (lrTag !== undefined) for (const s of parsed.scalars) if (s.tag === lrTag) lrAt.set(s.step, s.value);
  const points: LogPoint[] = [];
  parsed.scalars.forEach((s, k) => {
    for (const [split, tag] of lossTag)
      if (s.tag === tag && s.value > 0)
        points.push({
          step: s.step,
          loss: s.value,
          split,
          ...(lrAt.has(s.step) ? { lr: lrAt.get(s.step)! } : {}),
          line: k + 1,
        });
  });
  return { points, tags };
}
