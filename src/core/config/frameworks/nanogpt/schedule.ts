/**
 * The LR schedule of a nanoGPT config (`config/*.py`, simple `name = value` lines read from the text;
 * not through the framework reader). Semantics and defaults from karpathy/nanoGPT@3adf61e1
 * train.py: learning_rate 6e-4, max_iters 600000, decay_lr True, warmup_iters 2000, lr_decay_iters
 * 600000, min_lr 6e-5, batch_size 12, block_size 1024, gradient_accumulation_steps 5·8 (a global count:
 * tokens per iteration = gradient_accumulation_steps · batch_size · block_size, train.py l. 94–101);
 * `get_lr`: warmup peak·(it+1)/(W+1), cosine to min_lr at lr_decay_iters, min_lr after it.
 */
import type { ExtractedSchedule } from '../../../schedule/types';

const DEFAULTS: Record<string, number> = {
  learning_rate: 6e-4,
  max_iters: 600000,
  warmup_iters: 2000,
  lr_decay_iters: 600000,
  min_lr: 6e-5,
  batch_size: 12,
  block_size: 1024,
  gradient_accumulation_steps: 40,
};

/** `x = 5 * 8`, `x = 6e-4`, `x = 600_000` → number; anything else → undefined (not evaluated). */
function value(expr: string): number | undefined {
  const clean = expr.replace(/#.*$/, '').replace(/_/g, '').trim();
  if (/^[\d.eE+-]+(\s*\*\s*[\d.eE+-]+)*$/.test(clean)) {
    const v = clean.split('*').reduce((a, b) => a * Number(b), 1);
    return Number.isFinite(v) ? v : undefined;
  }
  return undefined;
}

export function nanogptSchedule(text: string): ExtractedSchedule {
  const out: ExtractedSchedule = { keyLines: {}, errors: [], notes: [] };
  const v: Record<string, number> = { ...DEFAULTS };
  let decay = true;
  text.split('\n').forEach((line, i) => {
    const m = /^([A-Za-z_]\w*)\s*=\s*(.+)$/.exec(line);
    if (!m) return;
    const [, key, expr] = m;
    if (key === 'decay_lr') {
      decay = !/^\s*False/.test(expr);
      out.keyLines[key] = i + 1;
    } else if (key in DEFAULTS) {
      const n = value(expr);
      if (n === undefined) out.errors.push(`${key} = ${expr.trim()} is not a plain number`);
      else v[key] = n;
      out.keyLines[key] = i + 1;
    }
  });
  for (const key of ['learning_rate', 'warmup_iters', 'lr_decay_iters', 'max_iters'])
    if (!(key in out.keyLines)) out.notes.push(`${key} not set: nanoGPT default ${DEFAULTS[key]}`);
  if (out.errors.length) return out;
  out.plan = {
    schedule: {
      unit: 'steps',
      peakLr: v.learning_rate,
      finalLr: decay ? v.min_lr : v.learning_rate,
      warmup: decay ? v.warmup_iters : 0,
      warmupShape: 'linear-plus-one',
      decay: decay ? { kind: 'cosine' } : { kind: 'constant' },
      horizon: decay ? v.lr_decay_iters : v.max_iters,
    },
    batchTokens: v.gradient_accumulation_steps * v.batch_size * v.block_size,
    sequenceLength: v.block_size,
    // train.py runs iterations 0..max_iters inclusive.
    totalSteps: v.max_iters + 1,
  };
  return out;
}
