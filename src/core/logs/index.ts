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
 */

export type LogFormat = 'megatron' | 'hf-trainer' | 'nanogpt' | 'torchtitan' | 'litgpt' | 'llm-foundry';

export const LOG_FORMATS: Readonly<Record<LogFormat, { verified: boolean }>> = {
  megatron: { verified: true },
  'hf-trainer': { verified: true },
  nanogpt: { verified: true },
  torchtitan: { verified: false },
  litgpt: { verified: false },
  'llm-foundry': { verified: false },
};

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

function detect(lines: string[]): LogFormat | undefined {
  for (const raw of lines.slice(0, 2000)) {
    const l = raw.replace(ANSI, '');
    if (/iteration\s+\d+\s*\/\s*\d+\s*\|/.test(l)) return 'megatron';
    if (/\{'(?:loss|eval_loss)':/.test(l)) return 'hf-trainer';
    if (/\biter \d+: loss /.test(l) || /\bstep \d+: train loss /.test(l)) return 'nanogpt';
    if (/\biter \d+ step \d+ \| loss train:/.test(l)) return 'litgpt';
    if (/\[batch=\d+\/\d+\]/.test(l)) return 'llm-foundry';
    if (/\bstep:\s*\d+\s+loss:\s*/.test(l)) return 'torchtitan';
  }
  return undefined;
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** Parse the complete lines of `text` (optionally from `offset`, continuing a previous read). */
export function parseTrainingLog(
  text: string,
  options: { format?: LogFormat; loggingSteps?: number; offset?: number; firstLine?: number } = {},
): ParsedLog {
  const start = options.offset ?? 0;
  const end = text.lastIndexOf('\n') + 1;
  const notes: string[] = [];
  if (end <= start) return { format: options.format, points: [], consumed: start, notes };
  const lines = text.slice(start, end).split('\n');
  lines.pop();
  const format = options.format ?? detect(lines);
  const points: LogPoint[] = [];
  if (!format) return { points, consumed: end, notes: ['no known training-log format recognized'] };
  if (!LOG_FORMATS[format].verified) notes.push(`${format} log patterns are not verified against a real log`);
  let line = options.firstLine ?? 1;
  let hfOrdinal = 0;
  let batch: number | undefined;
  const push = (p: Omit<LogPoint, 'line'>) => {
    if (finite(p.step) && p.step >= 0 && finite(p.loss) && p.loss > 0) points.push({ ...p, line });
  };
  for (const raw of lines) {
    const l = raw.replace(ANSI, '');
    if (format === 'megatron') {
      const it = /iteration\s+(\d+)\s*\/\s*\d+\s*\|/.exec(l);
      if (it) {
        const field = (name: string) => num(new RegExp(`\\|\\s*${name}:\\s*${NUM}`).exec(l)?.[1]);
        push({
          step: Number(it[1]),
          loss: field('lm[ _]loss') ?? NaN,
          split: 'train',
          lr: field('learning rate'),
          samples: field('consumed samples'),
          tokens: field('consumed tokens'),
          globalBatch: field('global batch size'),
          iterationMs:
            field('elapsed time per iteration \\(ms\\)') ??
            (field('elapsed time per iteration \\(s\\)') ?? NaN) * 1000,
        });
      } else {
        const v = /validation loss at iteration\s+(\d+)\s*\|\s*lm[ _]loss value:\s*([^\s|]+)/.exec(l);
        if (v) push({ step: Number(v[1]), loss: Number(v[2]), split: 'val' });
      }
    } else if (format === 'hf-trainer') {
      const dict = /\{'(?:loss|eval_loss)':[^}]*\}/.exec(l);
      if (dict) {
        const key = (k: string) => num(new RegExp(`'${k}':\\s*${NUM}`).exec(dict[0])?.[1]);
        const evalLoss = key('eval_loss');
        const step = ++hfOrdinal * (options.loggingSteps ?? 1);
        const tokens = key('num_input_tokens_seen') ?? key('num_tokens');
        if (evalLoss !== undefined) push({ step, loss: evalLoss, split: 'val', tokens });
        else push({ step, loss: key('loss') ?? NaN, split: 'train', lr: key('learning_rate'), tokens });
      }
    } else if (format === 'nanogpt') {
      const t = new RegExp(`\\biter (\\d+): loss ${NUM}(?:, time ${NUM}ms)?`).exec(l);
      if (t) push({ step: Number(t[1]), loss: Number(t[2]), split: 'train', iterationMs: num(t[3]) });
      const v = new RegExp(`\\bstep (\\d+): train loss ${NUM}, val loss ${NUM}`).exec(l);
      if (v) push({ step: Number(v[1]), loss: Number(v[3]), split: 'val' });
    } else if (format === 'torchtitan') {
      const t = new RegExp(`\\bstep:\\s*(\\d+)\\s+loss:\\s*${NUM}`).exec(l);
      if (t)
        push({
          step: Number(t[1]),
          loss: Number(t[2]),
          split: 'train',
          lr: num(new RegExp(`\\blr:\\s*${NUM}`).exec(l)?.[1]),
        });
    } else if (format === 'litgpt') {
      const t = new RegExp(`\\biter \\d+ step (\\d+) \\| loss train: ${NUM}`).exec(l);
      if (t) push({ step: Number(t[1]), loss: Number(t[2]), split: 'train' });
    } else {
      const b = /\[batch=(\d+)\/\d+\]/.exec(l);
      if (b) batch = Number(b[1]);
      const t = new RegExp(`Train loss/train/total:\\s*${NUM}`).exec(l);
      if (t && batch !== undefined) push({ step: batch, loss: Number(t[1]), split: 'train' });
      const lr = new RegExp(`Train lr-[\\w]+/group0:\\s*${NUM}`).exec(l);
      if (lr && points.length && points[points.length - 1].step === batch)
        points[points.length - 1].lr = Number(lr[1]);
    }
    line++;
  }
  if (format === 'hf-trainer' && !options.loggingSteps)
    notes.push("HF Trainer console logs carry no step: steps are the log's ordinal (give loggingSteps)");
  return { format, points, consumed: end, notes };
}
