/**
 * The LR schedule of a Levanter train YAML (`optimizer:` and `trainer.num_train_steps`). Batch and run
 * length are the levanter reader's. Semantics and defaults from
 * stanford-crfm/levanter@9263f81e8b453241332c2c0b2d2001bfb2d2241c src/levanter/optim/config.py
 * (`OptimizerConfig.lr_scheduler`, `_convert_frac_or_steps`, `_get_cycle_minima`): learning_rate 6e-4,
 * min_lr_ratio 0.1, warmup 0.01, decay None (all of the post-warmup steps), lr_schedule cosine;
 * fractions ≤ 1 are int(fraction × steps), larger values whole steps. One cycle: optax linear warmup
 * 0 → lr over W, constant for T − W − decay steps, then optax cosine_decay_schedule(lr, decay,
 * alpha = min_lr_ratio) or linear_schedule(lr, min_lr, decay) or constant. The deprecated `cooldown`
 * adds a linear ramp from the main schedule's last value to min_lr over its steps. trainer.py:
 * num_train_steps 400_000. Several cycles (cycles, haps, cycle_length < run/2), inv and inv_sqrt:
 * not modeled.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled, YamlKeys } from '../../../schedule/common';
import type { DecayShape, ExtractedSchedule } from '../../../schedule/types';

/** Levanter's `_convert_frac_or_steps`, or undefined (with an error) where Levanter raises. */
function convert(value: number, steps: number, key: string, errors: string[]): number | undefined {
  if (value < 0 || (value > 1 && value % 1 !== 0)) {
    errors.push(`\`${key}\` = ${value}: Levanter wants a fraction in [0, 1] or whole steps`);
    return undefined;
  }
  return value <= 1 ? Math.trunc(value * steps) : Math.trunc(value);
}

export function levanterSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const yaml = new YamlKeys(text, out);
  if (!yaml.source) return out;
  const o = (key: string) => ['optimizer', key];
  const lr = yaml.number(o('learning_rate')) ?? 6e-4;
  const ratio = yaml.number(o('min_lr_ratio')) ?? 0.1;
  const warmupRaw = yaml.number(o('warmup')) ?? 0.01;
  const decayRaw = yaml.number(o('decay'));
  const cooldownRaw = yaml.number(o('cooldown'));
  const rawSchedule = yaml.get(o('lr_schedule')) ?? 'cosine';
  let scheduleName: string;
  if (typeof rawSchedule === 'string') scheduleName = rawSchedule;
  else if (rawSchedule && typeof rawSchedule === 'object' && 'type' in rawSchedule) {
    scheduleName = String((rawSchedule as { type: unknown }).type);
    const exponent = (rawSchedule as { exponent?: unknown }).exponent;
    if (exponent !== undefined && Number(exponent) !== 1)
      out.errors.push(unmodeled('optimizer.lr_schedule.exponent', exponent, 'a cosine power other than 1'));
  } else scheduleName = JSON.stringify(rawSchedule);
  const steps = yaml.number(['trainer', 'num_train_steps']) ?? 400_000;
  if (!yaml.has(['trainer', 'num_train_steps']))
    out.notes.push('`trainer.num_train_steps` not set: Levanter default 400,000');
  for (const [key, label] of [
    ['learning_rate', 'learning_rate 6e-4'],
    ['warmup', 'warmup 0.01'],
    ['min_lr_ratio', 'min_lr_ratio 0.1'],
  ] as const)
    if (!yaml.has(o(key)))
      out.notes.push(`\`optimizer.${key}\` not set: Levanter default ${label.split(' ')[1]}`);
  if (!['cosine', 'linear', 'constant'].includes(scheduleName))
    out.errors.push(unmodeled('optimizer.lr_schedule', scheduleName, 'modeled: cosine, linear, constant'));
  for (const key of ['cycles', 'haps']) {
    const v = yaml.get(o(key));
    if (v !== undefined && v !== null)
      out.errors.push(unmodeled(`optimizer.${key}`, v, 'several cycles are not modeled'));
  }
  if (!(lr > 0)) out.errors.push(`\`optimizer.learning_rate\` = ${lr} is not positive`);
  if (!(steps > 0)) out.errors.push(`\`trainer.num_train_steps\` = ${steps} is not positive`);
  if (out.errors.length) return out;
  const errors = out.errors;
  const cooldown = cooldownRaw !== undefined ? convert(cooldownRaw, steps, 'optimizer.cooldown', errors) : 0;
  const main = steps - (cooldown ?? 0);
  const cycleLength = yaml.number(o('cycle_length'));
  if (cycleLength !== undefined) {
    const length = convert(cycleLength, main, 'optimizer.cycle_length', errors);
    if (length !== undefined && (length <= 0 || Math.floor(main / length) > 1))
      errors.push(unmodeled('optimizer.cycle_length', cycleLength, 'several cycles are not modeled'));
  }
  const warmup = convert(warmupRaw, main, 'optimizer.warmup', errors);
  const decaySteps =
    decayRaw !== undefined ? convert(decayRaw, main, 'optimizer.decay', errors) : main - (warmup ?? 0);
  if (errors.length || warmup === undefined || decaySteps === undefined || cooldown === undefined) return out;
  const stable = main - warmup - decaySteps;
  if (stable < 0) {
    out.errors.push(`warmup ${warmup} + decay ${decaySteps} steps exceed the ${main} steps`);
    return out;
  }
  const minLr = lr * ratio;
  let decay: DecayShape;
  let horizon = main;
  let finalLr = minLr;
  if (scheduleName === 'constant') {
    if (cooldown > 0) {
      // Constant, then the deprecated cooldown: a linear ramp lr → min_lr over the last steps.
      decay = { kind: 'wsd', cooldownFraction: cooldown / (steps - warmup), shape: 'linear' };
      horizon = steps;
    } else {
      decay = { kind: 'constant' };
      finalLr = lr;
    }
  } else {
    const shape = scheduleName as 'cosine' | 'linear';
    decay =
      stable > 0 ? { kind: 'wsd', cooldownFraction: decaySteps / (main - warmup), shape } : { kind: shape };
    // With a cooldown the main schedule already ends at min_lr, so the ramp is flat at min_lr.
  }
  out.schedule = { unit: 'steps', peakLr: lr, finalLr, warmup, warmupShape: 'linear', decay, horizon };
  out.runLength = steps;
  const { training, error } = readTraining(text, context, spec);
  const runErrors: string[] = error ? [error] : [];
  const run = batchAndLength(training, runErrors);
  if (!run) return { ...out, errors: runErrors };
  out.plan = {
    schedule: out.schedule,
    batchTokens: run.batchTokens,
    sequenceLength: run.seqLen,
    ...(run.totalSteps !== undefined ? { totalSteps: run.totalSteps } : { totalTokens: run.totalTokens }),
  };
  return out;
}
