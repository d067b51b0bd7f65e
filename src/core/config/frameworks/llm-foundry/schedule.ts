/**
 * The LR schedule of an llm-foundry train YAML (also mcli files that wrap it under `parameters:`).
 * Batch and run length are the llm-foundry reader's; this module reads `scheduler`, `optimizer.lr`
 * and `max_duration`. The scheduler names are llm-foundry's registry (mosaicml/llm-foundry@8c8dd48f
 * llmfoundry/optim/__init__.py) over Composer's classes (mosaicml/composer@6405188805a0054b4551ec49e4919c54c971d0e8
 * composer/optim/scheduler.py):
 * - cosine_with_warmup → CosineAnnealingWithWarmupScheduler(t_warmup, t_max '1dur', alpha_f 0.0):
 *   t/t_warmup, then alpha_f + (1 − alpha_f)·½(1 + cos π·τ), τ = (t − t_warmup)/(t_max − t_warmup).
 * - linear_decay_with_warmup → LinearWithWarmupScheduler(t_warmup, alpha_i 1.0, alpha_f 0.0, t_max).
 * - constant_with_warmup → ConstantWithWarmupScheduler(t_warmup, alpha 1.0, t_max).
 * - inv_sqrt_with_warmup (llm-foundry's own, with t_scale and a linear cooldown): not modeled.
 * Times are Composer time strings (`100ba`, `2e9tok`, `1000sp`, `0.01dur` of max_duration, `1ep`);
 * `_convert_time` truncates with int(); `Time.from_timestring` (composer/core/time.py) raises a
 * TypeError for a fractional value in any unit but `dur`. llm-foundry passes the `scheduler` keys
 * (less `name`) as keyword arguments (llmfoundry/command_utils/train.py → build_scheduler), so a key
 * the class does not take is a TypeError: refused here, naming it. Audited again at both commits. Schedulers step every batch (composer/trainer/trainer.py
 * `_train_loop`: `scheduler.step()` before `timestamp.to_next_batch`), so batch k uses time k − 2.
 */
import { isMap } from 'yaml';
import type { ReadContext, RunSpec } from '../../../types';
import {
  batchAndLength,
  emptyExtraction,
  readTraining,
  unmodeled,
  YamlKeys,
  runPlan,
} from '../../../schedule/common';
import type { DecayShape, ExtractedSchedule } from '../../../schedule/types';

type Unit = 'ba' | 'tok' | 'sp' | 'ep' | 'dur';
const TIME = /^\s*([+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(ba|tok|sp|ep|dur)\s*$/;

function time(raw: unknown): { value: number; unit: Unit } | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = TIME.exec(raw);
  if (!m) return undefined;
  const value = Number(m[1]!.replace(/_/g, ''));
  // Time.from_timestring: `if int(value) != value: raise TypeError` for every unit but dur.
  if (m[2] !== 'dur' && !Number.isInteger(value)) return undefined;
  return Number.isFinite(value) ? { value, unit: m[2] as Unit } : undefined;
}

const SCHEDULERS = ['cosine_with_warmup', 'linear_decay_with_warmup', 'constant_with_warmup'];
/** Keyword arguments of each Composer class (composer/optim/scheduler.py `__init__`). */
const ARGUMENTS: Record<string, string[]> = {
  cosine_with_warmup: ['t_warmup', 't_max', 'alpha_f', 'scale_warmup'],
  linear_decay_with_warmup: ['t_warmup', 'alpha_i', 'alpha_f', 't_max', 'scale_warmup'],
  constant_with_warmup: ['t_warmup', 'alpha', 't_max', 'scale_warmup'],
};

export function llmFoundrySchedule(
  text: string,
  context: ReadContext = {},
  spec?: RunSpec,
): ExtractedSchedule {
  const out = emptyExtraction();
  const yaml = new YamlKeys(text, out);
  if (!yaml.source) return out;
  const root = yaml.has(['parameters']) && isMap(yaml.source.doc.contents) ? ['parameters'] : [];
  // OmegaConf interpolation within the file: `${variables.x}` or `${x}`.
  const resolve = (path: string[]): unknown => {
    let value = yaml.get([...root, ...path]);
    for (let hops = 0; hops < 4 && typeof value === 'string'; hops++) {
      const m = /^\$\{\s*([\w.]+)\s*\}$/.exec(value.trim());
      if (!m) break;
      const target = m[1]!.split('.');
      const next = yaml.source && root.length ? yaml.get([...root, ...target]) : yaml.get(target);
      value = next ?? yaml.get(target);
      if (value === undefined)
        out.errors.push(`\`${path.join('.')}\` = \`${m[0]}\` does not resolve within the file`);
    }
    return value;
  };
  const name = resolve(['scheduler', 'name']);
  const lrRaw = resolve(['optimizer', 'lr']);
  const lr = typeof lrRaw === 'number' ? lrRaw : Number(lrRaw);
  if (name === undefined) {
    out.errors.push('no `scheduler` block: llm-foundry then trains without a scheduler');
    return out;
  }
  if (!SCHEDULERS.includes(String(name)))
    out.errors.push(unmodeled('scheduler.name', name, `modeled: ${SCHEDULERS.join(', ')}`));
  else {
    const block = yaml.get([...root, 'scheduler']);
    if (block && typeof block === 'object')
      for (const key of Object.keys(block))
        if (key !== 'name' && !ARGUMENTS[String(name)]!.includes(key))
          out.errors.push(
            unmodeled(
              `scheduler.${key}`,
              (block as Record<string, unknown>)[key],
              `not an argument of ${String(name)}: Composer raises a TypeError`,
            ),
          );
  }
  if (!(Number.isFinite(lr) && lr > 0)) out.errors.push('`optimizer.lr` is missing or not a positive number');
  const maxDuration = time(resolve(['max_duration']));
  if (!maxDuration) out.errors.push('`max_duration` is missing or not a Composer time (e.g. 4800ba, 2e9tok)');
  const warmupRaw = resolve(['scheduler', 't_warmup']);
  const warmupTime = time(warmupRaw);
  if (!warmupTime)
    out.errors.push(
      '`scheduler.t_warmup` is required by Composer and must be a time (e.g. 100ba; a whole number but in dur)',
    );
  const tMaxRaw = resolve(['scheduler', 't_max']);
  const tMax = tMaxRaw === undefined ? { value: 1, unit: 'dur' as Unit } : time(tMaxRaw);
  if (!tMax) out.errors.push(`\`scheduler.t_max\` = ${JSON.stringify(tMaxRaw)} is not a Composer time`);
  const alphaRaw =
    name === 'constant_with_warmup' ? resolve(['scheduler', 'alpha']) : resolve(['scheduler', 'alpha_f']);
  const alphaIRaw = name === 'linear_decay_with_warmup' ? resolve(['scheduler', 'alpha_i']) : undefined;
  const alpha = alphaRaw === undefined ? (name === 'constant_with_warmup' ? 1 : 0) : Number(alphaRaw);
  if (alphaIRaw !== undefined && Number(alphaIRaw) !== 1)
    out.errors.push(unmodeled('scheduler.alpha_i', alphaIRaw, 'a linear decay from other than the peak'));
  if (name === 'constant_with_warmup' && alpha !== 1)
    out.errors.push(unmodeled('scheduler.alpha', alphaRaw, 'a constant factor other than 1'));
  if (!(alpha >= 0))
    out.errors.push(`\`scheduler.alpha_f\` = ${JSON.stringify(alphaRaw)} is not a factor ≥ 0`);
  const { training, error } = readTraining(text, context, spec);
  if (error) out.errors.push(error);
  if (out.errors.length || !maxDuration || !warmupTime || !tMax) return out;

  // Everything in one unit: batches (steps) or tokens; samples are tokens of max_seq_len each.
  const seq = training?.seqLen;
  const unitOf = (t: { unit: Unit }) => (t.unit === 'dur' ? maxDuration.unit : t.unit);
  const base = maxDuration.unit === 'ep' ? 'ba' : maxDuration.unit;
  let maxValue: number | undefined = maxDuration.value;
  if (maxDuration.unit === 'ep') {
    // Composer converts epochs to batches with the dataloader length: the reader's steps know it.
    maxValue = training?.steps;
    if (maxValue === undefined) {
      out.errors.push('`max_duration` in epochs: the batches per epoch come from the dataset size (set it)');
      return out;
    }
  }
  const convert = (t: { value: number; unit: Unit }, key: string): number | undefined => {
    if (t.unit === 'dur') return Math.trunc(t.value * maxValue!);
    const u = unitOf(t);
    if (u === base) return t.value;
    out.errors.push(
      `\`${key}\` is in ${u} but max_duration in ${maxDuration.unit}: Composer needs the same unit`,
    );
    return undefined;
  };
  const warmup = convert(warmupTime, 'scheduler.t_warmup');
  const horizon = convert(tMax, 'scheduler.t_max');
  if (warmup === undefined || horizon === undefined) return out;
  const toTokens = base === 'sp' ? seq : 1;
  if (base === 'sp' && !seq) {
    out.errors.push('times in samples need max_seq_len');
    return out;
  }
  if (horizon < maxValue!)
    out.errors.push(`\`scheduler.t_max\` ${horizon} is shorter than max_duration: Composer refuses it`);
  if (out.errors.length) return out;
  const decay: DecayShape =
    name === 'cosine_with_warmup'
      ? { kind: 'cosine' }
      : name === 'linear_decay_with_warmup'
        ? { kind: 'linear' }
        : { kind: 'constant' };
  // Composer steps its schedulers before advancing the timestamp (trainer.py `_train_loop`), so batch
  // k (from 1) trains at the schedule's value for k − 2 batches: one batch behind compileRun's position.
  const runErrors: string[] = [];
  const run = batchAndLength(training, runErrors);
  const lag = base === 'ba' ? 1 : run?.batchTokens;
  if (lag === undefined)
    out.notes.push('Composer’s one-batch scheduler lag is not applied: tokens per batch unknown');
  out.schedule = {
    unit: base === 'ba' ? 'steps' : 'tokens',
    peakLr: lr,
    finalLr: name === 'constant_with_warmup' ? lr : lr * alpha,
    warmup: warmup * toTokens!,
    warmupShape: 'linear',
    decay,
    horizon: horizon * toTokens!,
    ...(lag !== undefined ? { positionOffset: -lag } : {}),
  };
  out.runLength = maxValue! * toTokens!;
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}
