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
 * dependency). Tested on real files: test/fixtures/logs/tensorboard/SOURCE.md (CatBoost) and
 * shared/data/tensorboard_llm/README.md (Megatron-LM, torchtitan, HF Trainer + TRL runs).
 *
 * Which scalar is the loss comes from a per-framework tag table read from each framework's source
 * ({@link TENSORBOARD_TAG_SETS}); a file matching none is an error naming its tags.
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
  /**
   * Size of the record that starts at `consumed` when only part of it is there yet but its length
   * header is complete and checked (the caller can skip a huge non-scalar record without buffering it).
   */
  partialRecordBytes?: number;
  errors: string[];
}

/** Longest record accepted (a larger length with a valid CRC is still not an event file we read). */
const MAX_RECORD_BYTES = 2 ** 40;

/**
 * Every scalar of the complete records of an event file (from `offset`). Never throws. `base` is
 * the file position of `bytes[0]` (for messages, when `bytes` is a window of a larger file).
 */
export function parseTensorBoardEvents(bytes: Uint8Array, offset = 0, base = 0): ParsedEvents {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scalars: TensorBoardScalar[] = [];
  const errors: string[] = [];
  let partialRecordBytes: number | undefined;
  let at = offset;
  while (at + 12 <= bytes.length) {
    const length = view.getBigUint64(at, true);
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes, at, at + 8) || length > MAX_RECORD_BYTES) {
      errors.push(
        `TFRecord at byte ${base + at}: the length's CRC does not match (not an event file, or corrupt)`,
      );
      break;
    }
    const dataStart = at + 12;
    const dataEnd = dataStart + Number(length);
    if (dataEnd + 4 > bytes.length) {
      partialRecordBytes = 16 + Number(length); // still being written
      break;
    }
    if (view.getUint32(dataEnd, true) !== maskedCrc32c(bytes, dataStart, dataEnd)) {
      errors.push(`TFRecord at byte ${base + at}: the data's CRC does not match (corrupt record)`);
      break;
    }
    at = dataEnd + 4;
    const event = fields(bytes, dataStart, dataEnd);
    if (!event) {
      errors.push(`TFRecord at byte ${base + dataStart - 12}: not a well-formed Event message`);
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
  return {
    scalars,
    consumed: at,
    ...(partialRecordBytes !== undefined ? { partialRecordBytes } : {}),
    errors,
  };
}

/**
 * Whether the head of a file is a TensorBoard event file: its first TFRecord length header carries
 * a matching masked CRC (a text log or other binary passes with probability 2⁻³²).
 */
export function isTensorBoardEventHead(head: Uint8Array): boolean {
  if (head.length < 12) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return (
    view.getUint32(8, true) === maskedCrc32c(head, 0, 8) && view.getBigUint64(0, true) <= MAX_RECORD_BYTES
  );
}

/** Event files by name, as TensorFlow and PyTorch writers name them (`events.out.tfevents.<time>.<host>…`). */
export const TENSORBOARD_FILE_NAME = /^events\.out\.tfevents\./;

/**
 * The scalars a framework writes for its loss, read from each framework's own source (which tag
 * is the training loss, which the validation loss; the step is `Event.step` as each passes it).
 * A file is matched to the first set whose training or validation tag it holds; a file matching
 * none gives an error naming its tags, never a guessed scalar.
 */
export interface TensorBoardTagSet {
  framework: string;
  /** The training loss, step = optimizer step / iteration. */
  train: string;
  /** The validation loss at the same step scale. */
  val?: string;
  /** Learning rate (first tag that matches). */
  lr?: RegExp;
  /** Tokens seen so far at that step (overrides the config's tokens per step, as the text logs do). */
  tokens?: readonly string[];
  /** Where the tags are written (repo@commit path: function). */
  source: string;
}

export const TENSORBOARD_TAG_SETS: readonly TensorBoardTagSet[] = [
  {
    framework: 'Megatron-LM',
    // training_log: `writer.add_scalar(key, loss_dict[key], iteration)` (key 'lm loss'; also
    // `key + ' vs samples'` with step = consumed samples, not used: the step here is the iteration).
    // evaluate_and_print_results: `'{} validation{}'.format(key, suffix)` at the iteration. The
    // same tag also receives the test-set loss after training (do_test), at the same iteration.
    train: 'lm loss',
    val: 'lm loss validation',
    lr: /^learning-rate$/,
    source:
      'NVIDIA/Megatron-LM@d98e8a64ddf34856e74b24714e3bedb2f5a39553 megatron/training/training.py: training_log, evaluate_and_print_results',
  },
  {
    framework: 'GPT-NeoX',
    // training_log: `tb_wandb_log(f'train/{key.replace(" ", "_")}', loss_dict[key], iteration)`
    // with key 'lm_loss'; 'train/learning_rate'. evaluate_and_print_results:
    // f"{chart_name}/{k}" with chart_name "validation" ("test" for the test set: a separate tag).
    train: 'train/lm_loss',
    val: 'validation/lm_loss',
    lr: /^train\/learning_rate$/,
    source:
      'EleutherAI/gpt-neox@018b8a9e979b0edd7317d421f6e0aefdea45fcb2 megatron/logging.py: training_log; @43cc879d36c7faf44793cfa0c7d4d599e4f57a55 megatron/training.py: evaluate_and_print_results',
  },
  {
    framework: 'Hugging Face Trainer',
    // TensorBoardCallback.on_log: `logs = rewrite_logs(logs)` ('eval_x' → 'eval/x', others →
    // 'train/x') then `add_scalar(k, v, state.global_step)`. 'train/train_loss' (the run's mean,
    // written once at the end) is not a checkpoint. Tokens: the Trainer's `num_input_tokens_seen`
    // (include_num_input_tokens_seen) and TRL SFTTrainer's `num_tokens` (running count of
    // attention-mask tokens, huggingface/trl@d11f0f530ee585d0c691ebb78eb36e9f34c1a59f
    // trl/trainer/sft_trainer.py compute_loss).
    train: 'train/loss',
    val: 'eval/loss',
    lr: /^train\/learning_rate$/,
    tokens: ['train/num_input_tokens_seen', 'train/num_tokens'],
    source:
      'huggingface/transformers@23b2354078d27fff8e5abb7a37324282aa84eba4 src/transformers/integrations/integration_utils.py: rewrite_logs, TensorBoardCallback.on_log',
  },
  {
    framework: 'torchtitan',
    // MetricsProcessor.log: "loss_metrics/global_avg_loss" (global_max_loss is the max over ranks,
    // not the loss); log_validation: "validation_metrics/loss"; lr_scheduler: f"lr/{opt_name}".
    train: 'loss_metrics/global_avg_loss',
    val: 'validation_metrics/loss',
    lr: /^lr\/[^/]+$/,
    source:
      'pytorch/torchtitan@b5bcd76c66d0acb1a08b176d9639425bc55e0b2a torchtitan/components/metrics.py: log, log_validation; torchtitan/components/optimizer/lr_scheduler.py',
  },
];

/** State carried between incremental reads of one event file (see {@link tensorBoardLossPoints}). */
export interface TensorBoardCarry {
  tagSet?: TensorBoardTagSet;
  /** Every scalar tag seen so far (for the unknown-tag message). */
  tags: Set<string>;
  /** Distinct steps with scalars seen so far (capped at 2: only "more than one" matters). */
  steps: number[];
  /** The newest point of each split, to which a later tokens/LR record of its step is attached. */
  last: { train?: LogPoint; val?: LogPoint };
  /** The newest tokens / LR record (step, value). */
  tokens?: { step: number; value: number };
  lr?: { step: number; value: number };
  /** Records seen (the `line` of a point is its record's ordinal). */
  records: number;
  /** Validation steps logged twice (kept first), reported once. */
  repeatedVal: number;
}

export function newTensorBoardCarry(): TensorBoardCarry {
  return { tags: new Set(), steps: [], last: {}, records: 0, repeatedVal: 0 };
}

export interface TensorBoardPoints {
  /** New points, and points re-sent because their step's tokens/LR record arrived after them. */
  points: LogPoint[];
  /** Which framework's tags were recognized. */
  framework?: string;
  /** Set when the file's scalars match no known tag set (a message naming the tags found). */
  error?: string;
  notes: string[];
}

/**
 * The loss points of an event file's scalars, by the framework tag table
 * {@link TENSORBOARD_TAG_SETS}. Incremental: pass the same `carry` for each newly parsed chunk.
 * A point whose tokens (or LR) record comes after it (HF writes loss, …, tokens as separate
 * records) is sent again with them when they arrive: consumers keep the later copy of a step.
 * `final` (a whole file, not a growing one): the unknown-tags error is given as soon as any scalar
 * is there; while growing it waits for scalars at two steps (one step's records may be cut between
 * the LR and the loss).
 */
export function tensorBoardLossPoints(
  parsed: Pick<ParsedEvents, 'scalars'>,
  carry: TensorBoardCarry = newTensorBoardCarry(),
  final = true,
): TensorBoardPoints {
  const points: LogPoint[] = [];
  const notes: string[] = [];
  const repeatedBefore = carry.repeatedVal;
  for (const s of parsed.scalars) {
    carry.records++;
    carry.tags.add(s.tag);
    if (carry.steps.length < 2 && !carry.steps.includes(s.step)) carry.steps.push(s.step);
    if (!carry.tagSet) {
      carry.tagSet = TENSORBOARD_TAG_SETS.find((t) => t.train === s.tag || t.val === s.tag);
      if (!carry.tagSet) continue;
    }
    const set = carry.tagSet;
    const split = s.tag === set.train ? 'train' : s.tag === set.val ? 'val' : undefined;
    if (split) {
      const last = carry.last[split];
      if (last && last.step === s.step) {
        // Megatron writes the test-set loss under the validation tag at the last iteration.
        if (split === 'val') carry.repeatedVal++;
        continue;
      }
      if (!(s.value > 0) || !(s.step >= 0)) continue;
      const p: LogPoint = { step: s.step, loss: s.value, split, line: carry.records };
      if (carry.tokens?.step === s.step) p.tokens = carry.tokens.value;
      if (split === 'train' && carry.lr?.step === s.step) p.lr = carry.lr.value;
      carry.last[split] = p;
      points.push(p);
    } else if (set.tokens?.includes(s.tag)) {
      carry.tokens = { step: s.step, value: s.value };
      for (const p of [carry.last.train, carry.last.val])
        if (p && p.step === s.step && p.tokens !== s.value) resend(p, { tokens: s.value });
    } else if (set.lr?.test(s.tag)) {
      carry.lr = { step: s.step, value: s.value };
      const p = carry.last.train;
      if (p && p.step === s.step && p.lr !== s.value) resend(p, { lr: s.value });
    }
  }
  function resend(p: LogPoint, extra: Partial<LogPoint>) {
    const updated = { ...p, ...extra };
    carry.last[p.split] = updated;
    const i = points.indexOf(p);
    if (i >= 0) points[i] = updated;
    else points.push(updated);
  }
  if (carry.repeatedVal > repeatedBefore && repeatedBefore === 0)
    notes.push(
      `${carry.tagSet!.val} logged twice at one step (Megatron also writes the test-set loss under it after training): the first value kept`,
    );
  if (!carry.tagSet && carry.tags.size && (final || carry.steps.length > 1)) {
    const found = [...carry.tags].slice(0, 20).map((t) => `'${t}'`);
    const known = TENSORBOARD_TAG_SETS.map((t) => `'${t.train}' (${t.framework})`).join(', ');
    return {
      points,
      notes,
      error: `no known loss scalar in this event file: tags found ${found.join(', ')}${carry.tags.size > 20 ? ` and ${carry.tags.size - 20} more` : ''}; known: ${known}`,
    };
  }
  return { points, notes, ...(carry.tagSet ? { framework: carry.tagSet.framework } : {}) };
}
