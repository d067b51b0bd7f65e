/**
 * Stdout training logs → (step, loss, lr, tokens) points, for live tracking and `scaling-lens curve
 * --log`. Only complete lines are read: text after the last newline is a line still being written
 * and is left for the next read (`consumed` says where to resume), so a half-written line never
 * becomes a point. Never throws; lines that match no pattern are skipped.
 *
 * Formats and the code that prints them (fixtures with real lines: test/fixtures/logs/SOURCES.md):
 * - megatron: Megatron-LM / Megatron-DeepSpeed `training_log`: `iteration i/ N | consumed samples: … |
 *   [consumed tokens: … |] learning rate: … | global batch size: … | lm loss: … |`; validation
 *   `validation loss at iteration i | lm loss value: …`. GPT-NeoX prints the same layout with
 *   `lm_loss` (accepted; no real NeoX excerpt verified).
 * - hf-trainer: Hugging Face `Trainer` console dicts `{'loss': …, 'learning_rate': …, 'epoch': …}`;
 *   they carry no step, so the step is the dict's ordinal × `loggingSteps` (default 1, said in notes).
 * - nanogpt: karpathy/nanoGPT train.py `iter N: loss L, time …ms, mfu …%` and
 *   `step N: train loss L, val loss V`.
 * - torchtitan (`step: N  loss: L`), litgpt (`iter I step S | loss train: L`), llm-foundry/Composer
 *   (`[batch=B/T]:` then `Train loss/train/total: L`): patterns from the frameworks' print statements,
 *   NOT verified against a real log here (`verified: false`).
 * - jsonl / csv: metrics files written by training loops (one JSON object per line, or a header row
 *   then rows), with a step column and a loss column (`step`/`iter`/`iteration`/`global_step`;
 *   `loss`/`train_loss`/`lm_loss` train, `val_loss`/`eval_loss`/`validation_loss` val; optional
 *   `lr`/`learning_rate`, tokens, `iteration_ms`). A row may carry both losses (two points).
 * - trainer-state: Hugging Face `trainer_state.json` (`log_history` with `step`, `loss`, `eval_loss`,
 *   `learning_rate`, `num_input_tokens_seen`). It is rewritten whole, not appended: parse it with
 *   {@link parseTrainerState}; a half-written (unparseable) file gives no points and an error.
 *
 * Incremental reading (src/node/logTail.ts) passes `format` once detected and a {@link LogCarry} so
 * the state a format keeps across lines (HF dict ordinal, Composer batch, CSV header) survives chunks.
 *
 * - tensorboard: TensorBoard event files are binary (TFRecord + protobuf), not lines: ./tensorboard.ts
 *   reads them into the same {@link LogPoint}s (`parseTensorBoardEvents`, then
 *   `tensorBoardLossPoints` with the per-framework tag table `TENSORBOARD_TAG_SETS`; tested on real
 *   Megatron-LM, torchtitan and HF/TRL files). The live-tracking tail reads them by bytes.
 *   `parseTrainingLog` does not read them (it takes text).
 */
export {
  isTensorBoardEventHead,
  newTensorBoardCarry,
  parseTensorBoardEvents,
  tensorBoardLossPoints,
  TENSORBOARD_FILE_NAME,
  TENSORBOARD_TAG_SETS,
} from './tensorboard';

export type LogFormat =
  | 'megatron'
  | 'hf-trainer'
  | 'nanogpt'
  | 'torchtitan'
  | 'litgpt'
  | 'llm-foundry'
  | 'jsonl'
  | 'csv'
  | 'trainer-state'
  | 'tensorboard';

export const LOG_FORMATS: Readonly<Record<LogFormat, { verified: boolean }>> = {
  megatron: { verified: true },
  'hf-trainer': { verified: true },
  nanogpt: { verified: true },
  torchtitan: { verified: false },
  litgpt: { verified: false },
  'llm-foundry': { verified: false },
  // Structured files: the columns are named, nothing is pattern-matched out of free text.
  jsonl: { verified: true },
  csv: { verified: true },
  'trainer-state': { verified: true },
  // Binary event files: tags from each framework's source (./tensorboard.ts), read on real files.
  tensorboard: { verified: true },
};

/** State a format keeps across lines, carried between incremental reads of one file. */
export interface LogCarry {
  /** HF Trainer console dicts seen so far (their step is ordinal × loggingSteps). */
  hfOrdinal?: number;
  /** llm-foundry/Composer: the batch of the last `[batch=B/T]` line. */
  batch?: number;
  /** csv: the header's columns (normalized) and the separator. */
  csv?: { columns: string[]; separator: string };
}

export interface LogPoint {
  step: number;
  loss: number;
  split: 'train' | 'val';
  lr?: number;
  tokens?: number;
  samples?: number;
  globalBatch?: number;
  /** Milliseconds per iteration when the log says. */
  iterationMs?: number;
  /** 1-based line number. */
  line: number;
}

export interface ParsedLog {
  format?: LogFormat;
  points: LogPoint[];
  /** Characters of complete lines read (resume offset for a growing file). */
  consumed: number;
  notes: string[];
}

const NUM = '([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)';
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** The format of a log from its lines (the first `limit` looked at), or undefined. */
export function detectLogFormat(lines: readonly string[], limit = 2000): LogFormat | undefined {
  for (const raw of lines.slice(0, limit)) {
    const l = raw.replace(ANSI, '');
    if (/^\s*"log_history"\s*:/.test(l)) return 'trainer-state';
    const structured = structuredFormat(l);
    if (structured) return structured;
    if (/iteration\s+\d+\s*\/\s*\d+\s*\|/.test(l)) return 'megatron';
    if (/\{'(?:loss|eval_loss)':/.test(l)) return 'hf-trainer';
    if (/\biter \d+: loss /.test(l) || /\bstep \d+: train loss /.test(l)) return 'nanogpt';
    if (/\biter \d+ step \d+ \| loss train:/.test(l)) return 'litgpt';
    if (/\[batch=\d+\/\d+\]/.test(l)) return 'llm-foundry';
    if (/\bstep:\s*\d+\s+loss:\s*/.test(l)) return 'torchtitan';
  }
  return undefined;
}

const detect = (lines: string[]) => detectLogFormat(lines);

/** Normalized column name: lower case, letters and digits only (`eval/loss` → `evalloss`). */
const norm = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Column names (normalized), best first; the same spellings the runs-table reader knows
 * (src/core/fit/ingest.ts COLUMN_ALIASES: HF Trainer, W&B, nanoGPT, Megatron), split into train and
 * validation losses because live tracking keeps them apart.
 */
const COLUMNS = {
  step: [
    'trainglobalstep',
    'trainerglobalstep',
    'globalstep',
    'trainstep',
    'optimizerstep',
    'step',
    'iter',
    'iteration',
  ],
  val: ['valloss', 'validationloss', 'evalloss', 'validloss', 'lossval', 'evallmloss', 'vallmloss'],
  train: ['loss', 'trainloss', 'trainingloss', 'lmloss', 'trainlmloss'],
  lr: ['lr', 'learningrate', 'trainlearningrate', 'trainlr'],
  tokens: [
    'tokens',
    'tokensseen',
    'numinputtokensseen',
    'trainnuminputtokensseen',
    'consumedtokens',
    'numtokens',
    'totaltokens',
    'traintokensseen',
  ],
  iterationMs: ['iterationms', 'iterms', 'dtms', 'steptimems'],
} as const;

/** 'jsonl' for a JSON object line with a step and a loss; 'csv' for a header with both. */
function structuredFormat(line: string): 'jsonl' | 'csv' | undefined {
  const t = line.trim();
  if (t.startsWith('{') && t.includes('"')) {
    const o = jsonObject(t);
    if (
      o &&
      pick(o, COLUMNS.step) !== undefined &&
      (pick(o, COLUMNS.train) ?? pick(o, COLUMNS.val)) !== undefined
    )
      return 'jsonl';
    return undefined;
  }
  const header = csvHeader(t);
  return header ? 'csv' : undefined;
}

function jsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The first finite number among the aliases (keys normalized; numeric strings accepted). */
function pick(o: Record<string, unknown>, aliases: readonly string[]): number | undefined {
  const byName = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) if (!byName.has(norm(k))) byName.set(norm(k), v);
  for (const a of aliases) {
    const v = byName.get(a);
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

function csvHeader(line: string): LogCarry['csv'] {
  const separator = line.includes('\t') ? '\t' : ',';
  if (!line.includes(separator)) return undefined;
  const columns = line.split(separator).map((c) => norm(c.replace(/^"|"$/g, '')));
  const has = (aliases: readonly string[]) => aliases.some((a) => columns.includes(a));
  return has(COLUMNS.step) && (has(COLUMNS.train) || has(COLUMNS.val)) ? { columns, separator } : undefined;
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** Parse the complete lines of `text` (optionally from `offset`, continuing a previous read). */
export function parseTrainingLog(
  text: string,
  options: {
    format?: LogFormat;
    loggingSteps?: number;
    offset?: number;
    firstLine?: number;
    /** State carried from the previous read of the same file (updated in place). */
    carry?: LogCarry;
  } = {},
): ParsedLog {
  const carry = options.carry ?? {};
  const start = options.offset ?? 0;
  const end = text.lastIndexOf('\n') + 1;
  const notes: string[] = [];
  if (end <= start) return { format: options.format, points: [], consumed: start, notes };
  const lines = text.slice(start, end).split('\n');
  lines.pop();
  const format = options.format ?? detect(lines);
  const points: LogPoint[] = [];
  if (!format) return { points, consumed: end, notes: ['no known training-log format recognized'] };
  if (format === 'tensorboard')
    return {
      format,
      points,
      consumed: start,
      notes: ['TensorBoard event files are binary: read them with parseTensorBoardEvents'],
    };
  if (format === 'trainer-state') {
    const whole = parseTrainerState(text);
    return { format, points: whole.points, consumed: end, notes: whole.error ? [whole.error] : [] };
  }
  if (!LOG_FORMATS[format].verified) notes.push(`${format} log patterns are not verified against a real log`);
  let line = options.firstLine ?? 1;
  let hfOrdinal = carry.hfOrdinal ?? 0;
  let batch = carry.batch;
  const push = (p: Omit<LogPoint, 'line'>) => {
    if (finite(p.step) && p.step >= 0 && finite(p.loss) && p.loss > 0) points.push({ ...p, line });
  };
  for (const raw of lines) {
    const l = raw.replace(ANSI, '');
    if (format === 'jsonl' || format === 'csv') {
      let o: Record<string, unknown> | undefined;
      if (format === 'jsonl') o = l.trimStart().startsWith('{') ? jsonObject(l) : undefined;
      else {
        const header = csvHeader(l.trim());
        if (header) carry.csv = header;
        else if (carry.csv && l.trim()) {
          const cells = l.trim().split(carry.csv.separator);
          // A row of another width (a quoted separator, a cut line) would shift columns: skip it.
          if (cells.length === carry.csv.columns.length) {
            o = {};
            carry.csv.columns.forEach((c, k) => (o![c] = cells[k]?.replace(/^"|"$/g, '')));
          }
        }
      }
      if (o) {
        const step = pick(o, COLUMNS.step) ?? NaN;
        const extra = {
          lr: pick(o, COLUMNS.lr),
          tokens: pick(o, COLUMNS.tokens),
          iterationMs: pick(o, COLUMNS.iterationMs),
        };
        const train = pick(o, COLUMNS.train);
        const val = pick(o, COLUMNS.val);
        if (train !== undefined) push({ step, loss: train, split: 'train', ...extra });
        if (val !== undefined) push({ step, loss: val, split: 'val', tokens: extra.tokens });
      }
    } else if (format === 'megatron') {
      const it = /iteration\s+(\d+)\s*\/\s*\d+\s*\|/.exec(l);
      if (it) {
        const fields = megatronFields(l);
        const field = (...names: string[]) => {
          for (const name of names) {
            const v = fields.get(name);
            const m = v === undefined ? null : NUM_START.exec(v);
            if (m) return Number(m[1]);
          }
          return undefined;
        };
        push({
          step: Number(it[1]),
          loss: field('lm loss', 'lm_loss') ?? NaN,
          split: 'train',
          lr: field('learning rate'),
          samples: field('consumed samples'),
          tokens: field('consumed tokens'),
          globalBatch: field('global batch size'),
          iterationMs:
            field('elapsed time per iteration (ms)') ??
            (field('elapsed time per iteration (s)') ?? NaN) * 1000,
        });
      } else {
        const v = /validation loss at iteration\s+(\d+)\s*\|\s*lm[ _]loss value:\s*([^\s|]+)/.exec(l);
        if (v) push({ step: Number(v[1]), loss: Number(v[2]), split: 'val' });
      }
    } else if (format === 'hf-trainer') {
      const dict = /\{'(?:loss|eval_loss)':[^}]*\}/.exec(l);
      if (dict) {
        const key = (k: string) => num(re(`'${k}':\\s*${NUM}`).exec(dict[0])?.[1]);
        const evalLoss = key('eval_loss');
        const step = ++hfOrdinal * (options.loggingSteps ?? 1);
        const tokens = key('num_input_tokens_seen') ?? key('num_tokens');
        if (evalLoss !== undefined) push({ step, loss: evalLoss, split: 'val', tokens });
        else push({ step, loss: key('loss') ?? NaN, split: 'train', lr: key('learning_rate'), tokens });
      }
    } else if (format === 'nanogpt') {
      const t = re(`\\biter (\\d+): loss ${NUM}(?:, time ${NUM}ms)?`).exec(l);
      if (t) push({ step: Number(t[1]), loss: Number(t[2]), split: 'train', iterationMs: num(t[3]) });
      const v = re(`\\bstep (\\d+): train loss ${NUM}, val loss ${NUM}`).exec(l);
      if (v) push({ step: Number(v[1]), loss: Number(v[3]), split: 'val' });
    } else if (format === 'torchtitan') {
      const t = re(`\\bstep:\\s*(\\d+)\\s+loss:\\s*${NUM}`).exec(l);
      if (t)
        push({
          step: Number(t[1]),
          loss: Number(t[2]),
          split: 'train',
          lr: num(re(`\\blr:\\s*${NUM}`).exec(l)?.[1]),
        });
    } else if (format === 'litgpt') {
      const t = re(`\\biter \\d+ step (\\d+) \\| loss train: ${NUM}`).exec(l);
      if (t) push({ step: Number(t[1]), loss: Number(t[2]), split: 'train' });
    } else {
      const b = /\[batch=(\d+)\/\d+\]/.exec(l);
      if (b) batch = Number(b[1]);
      const t = re(`Train loss/train/total:\\s*${NUM}`).exec(l);
      if (t && batch !== undefined) push({ step: batch, loss: Number(t[1]), split: 'train' });
      const lr = re(`Train lr-[\\w]+/group0:\\s*${NUM}`).exec(l);
      if (lr && points.length && points[points.length - 1].step === batch)
        points[points.length - 1].lr = Number(lr[1]);
    }
    line++;
  }
  carry.hfOrdinal = hfOrdinal;
  carry.batch = batch;
  if (format === 'hf-trainer' && !options.loggingSteps)
    notes.push("HF Trainer console logs carry no step: steps are the log's ordinal (give loggingSteps)");
  return { format, points, consumed: end, notes };
}

const compiled = new Map<string, RegExp>();
/** A pattern compiled once (non-global, so no lastIndex state): a 1 GB log has millions of lines. */
function re(source: string): RegExp {
  let r = compiled.get(source);
  if (!r) compiled.set(source, (r = new RegExp(source)));
  return r;
}

const NUM_START = new RegExp(`^\\s*${NUM}`);

/**
 * The `| name: value` fields of a Megatron line, first occurrence of each name (one split instead
 * of a regex scan per field: a 1 GB log has millions of lines). `name` is what follows the `|` up
 * to the colon, leading blanks dropped; the value is the text up to the next `|`.
 */
function megatronFields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = line.split('|');
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i];
    const colon = seg.indexOf(':');
    if (colon < 0) continue;
    const name = seg.slice(0, colon).trimStart();
    if (!out.has(name)) out.set(name, seg.slice(colon + 1));
  }
  return out;
}

/**
 * Hugging Face `trainer_state.json` → points (`log_history`: `loss` entries are train, `eval_loss`
 * entries val; `step`, `learning_rate`, `num_input_tokens_seen`). A file that does not parse (being
 * rewritten) gives no points and an error, never a partial read.
 */
export function parseTrainerState(text: string): { points: LogPoint[]; error?: string } {
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    return { points: [], error: 'trainer_state.json does not parse (being written?)' };
  }
  const history = (state as { log_history?: unknown })?.log_history;
  if (!Array.isArray(history)) return { points: [], error: 'trainer_state.json has no log_history' };
  const points: LogPoint[] = [];
  history.forEach((entry, k) => {
    if (!entry || typeof entry !== 'object') return;
    const o = entry as Record<string, unknown>;
    const step = typeof o.step === 'number' ? o.step : NaN;
    const value = (key: string) =>
      typeof o[key] === 'number' && Number.isFinite(o[key]) ? (o[key] as number) : undefined;
    const tokens = value('num_input_tokens_seen');
    const ok = (loss: number | undefined) =>
      Number.isFinite(step) && step >= 0 && loss !== undefined && loss > 0;
    const loss = value('loss');
    const evalLoss = value('eval_loss');
    if (ok(loss))
      points.push({ step, loss: loss!, split: 'train', lr: value('learning_rate'), tokens, line: k + 1 });
    if (ok(evalLoss)) points.push({ step, loss: evalLoss!, split: 'val', tokens, line: k + 1 });
  });
  return { points };
}
