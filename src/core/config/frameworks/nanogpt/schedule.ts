/**
 * The LR schedule of a nanoGPT config (`config/*.py`). Semantics and defaults from
 * karpathy/nanoGPT@3adf61e1 train.py (the same `get_lr` and defaults in sijunhe/nanoMoE@307f3c2e and
 * wolfecameron/nanoMoE@661fbcf train.py): learning_rate 6e-4, decay_lr True, warmup_iters 2000,
 * lr_decay_iters 600000, min_lr 6e-5; `get_lr(it)`: it < W → lr·(it+1)/(W+1); it > lr_decay_iters →
 * min_lr; else cosine from lr to min_lr over (it − W)/(lr_decay_iters − W). The LR is set once per
 * iteration (before its micro-batches), so iteration k is optimizer step k + 1 at position k.
 *
 * Batch and run length from the nanoGPT reader: tokens per iteration gradient_accumulation_steps ·
 * batch_size · block_size, and max_iters + 1 updates: the loop trains at iter_num 0 … max_iters and
 * breaks once `iter_num > max_iters` (train.py l. 328–333). The reader's D counts max_iters of them
 * (the last update is never checkpointed), so the curve runs one step past D.
 * The LR keys are read from the file's top-level assignments (the reader's scanner: the last one
 * wins, as `exec` does); anything else that sets them is unknown, never a guess.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled } from '../../../schedule/common';
import type { ExtractedSchedule } from '../../../schedule/types';
import { inventoryEntry } from '../../inventory';
import { NANOGPT_INVENTORY } from './inventory';

/**
 * Names no known fork reads that look like an LR-schedule setting: another fork's `get_lr`.
 * quietsmile/nanogpt@fdd2fd8d train.py reads `lr_decay_style = 'wsd-exp'` with `warmup_samples`,
 * `constant_samples`, `decay_end_samples` (and `muon_lr`), none of which stock train.py knows.
 */
const FOREIGN_LR_NAME = /((^|_)lr($|_)|learning_rate|schedul|warmup|decay|cooldown|anneal|wsd)/i;

const DEFAULTS = {
  learning_rate: 6e-4,
  warmup_iters: 2000,
  lr_decay_iters: 600000,
  min_lr: 6e-5,
} as const;
type NumberKey = keyof typeof DEFAULTS;
const LR_KEYS = [...(Object.keys(DEFAULTS) as NumberKey[]), 'decay_lr', 'init_from'] as const;

/** The reader module, required when called (it imports this module: a static import is a cycle). */
function readerModule(): typeof import('./reader') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./reader') as typeof import('./reader');
}

export function nanogptSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const { scanPythonConfig } = readerModule();
  const latest = new Map<string, ReturnType<typeof scanPythonConfig>['assignments'][number]>();
  for (const a of scanPythonConfig(text).assignments) latest.set(a.name, a);
  const lineOf = (offset: number) => text.slice(0, offset).split(/\r\n|\r|\n/).length;

  // An LR key bound by code (inside an if/for block, `+=`, tuple unpacking; the reader's scanner
  // marks these `opaque`, and splits `a = 1; b = 2` into statements) is code we do not execute.
  (LR_KEYS as readonly string[]).forEach((key) => {
    const a = latest.get(key);
    if (a?.opaque)
      out.errors.push(
        `unknown: \`${key}\` is assigned on line ${lineOf(a.nameStart)} ${a.opaque} (Scaling Lens does not execute config files)`,
      );
  });

  for (const [name, a] of latest) {
    if (inventoryEntry(NANOGPT_INVENTORY, name) || !FOREIGN_LR_NAME.test(name)) continue;
    out.errors.push(
      unmodeled(
        name,
        a.raw.slice(0, 40),
        'neither nanoGPT nor the nanoMoE forks read it: a fork with another learning-rate schedule',
      ),
    );
  }

  const v: Record<NumberKey, number> = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as NumberKey[]) {
    const a = latest.get(key);
    if (!a) {
      if (key !== 'min_lr') out.notes.push(`${key} not set: nanoGPT default ${DEFAULTS[key]}`);
      continue;
    }
    out.keyLines[key] = lineOf(a.nameStart);
    if (a.value.kind === 'number') v[key] = a.value.value;
    else out.errors.push(`unknown: \`${key} = ${a.raw.slice(0, 60)}\` is not a plain number`);
  }
  let decay = true;
  const decayLr = latest.get('decay_lr');
  if (decayLr) {
    out.keyLines.decay_lr = lineOf(decayLr.nameStart);
    // train.py `get_lr(iter_num) if decay_lr else learning_rate`: Python truthiness.
    if (decayLr.value.kind === 'bool') decay = decayLr.value.value;
    else if (decayLr.value.kind === 'number') decay = decayLr.value.value !== 0;
    else out.errors.push(unmodeled('decay_lr', decayLr.raw.slice(0, 60), 'not True/False'));
  }
  const initFrom = latest.get('init_from');
  if (initFrom?.value.kind === 'string' && initFrom.value.value === 'resume') {
    out.keyLines.init_from = lineOf(initFrom.nameStart);
    // train.py: iter_num = checkpoint['iter_num'], so get_lr starts where the checkpoint stopped.
    out.errors.push(
      unmodeled(
        'init_from',
        'resume',
        "the LR continues from the checkpoint's iter_num, which the file does not hold",
      ),
    );
  }

  const { training, error } = readTraining(text, context, spec);
  if (error) out.errors.push(error);
  const maxIters = training?.steps;
  if (decay && v.lr_decay_iters === v.warmup_iters && (maxIters === undefined || maxIters >= v.warmup_iters))
    out.errors.push(
      `\`lr_decay_iters\` = \`warmup_iters\` = ${v.warmup_iters}: train.py get_lr divides by lr_decay_iters − warmup_iters at iteration ${v.warmup_iters} (ZeroDivisionError)`,
    );
  if (out.errors.length) return out;

  out.schedule = {
    unit: 'steps',
    peakLr: v.learning_rate,
    finalLr: decay ? v.min_lr : v.learning_rate,
    warmup: decay ? v.warmup_iters : 0,
    warmupShape: 'linear-plus-one',
    decay: decay ? { kind: 'cosine' } : { kind: 'constant' },
    horizon: decay ? v.lr_decay_iters : Math.max(1, maxIters ?? 1),
  };
  if (training?.steps === 0) {
    out.errors.push(
      training.formula?.startsWith('eval_only')
        ? '`eval_only` = True: train.py stops after the first evaluation, no training steps'
        : '`max_iters` = 0: no training steps',
    );
    return out;
  }
  const run = batchAndLength(training, out.errors);
  if (!run) return out;
  if (run.totalSteps === undefined || training?.tokens === undefined) {
    // The reader withholds D (a fork's training-length key, a non-literal max_iters).
    const missing = training?.missing?.length ? ` (missing: ${training.missing.join(', ')})` : '';
    out.errors.push(`the run length is unknown${missing}`);
    return out;
  }
  out.runLength = run.totalSteps + 1;
  out.plan = {
    schedule: out.schedule,
    batchTokens: run.batchTokens,
    sequenceLength: run.seqLen,
    totalSteps: run.totalSteps + 1,
  };
  return out;
}
