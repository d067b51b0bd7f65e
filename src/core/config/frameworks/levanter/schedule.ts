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
 * num_train_steps 400_000. Several cycles (cycles > 1, haps, cycle_length ≤ run/2), inv and power:
 * not modeled. Audited against stanford-crfm/levanter@9263f81e (the same commit): `inv_sqrt`
 * (`_inv_sqrt_decay_schedule`: max(lr·min(1, 1/√(max(count + W, 1)/timescale)), min_lr), count from
 * the start of the decay phase, timescale 10000) is exact as the inverse-sqrt shape. Every optimizer
 * wraps the schedule in optax.inject_hyperparams, which evaluates it at the state's count before
 * incrementing it, so optimizer step k (1-based) uses the schedule at k − 1, as compileRun does.
 */
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
  // InvSqrtLrSchedule.timescale; the string form "inv_sqrt" passes 10000 (config.py lr_scheduler).
  let timescale = 10000;
  if (typeof rawSchedule === 'string') scheduleName = rawSchedule;
  else if (rawSchedule && typeof rawSchedule === 'object' && 'type' in rawSchedule) {
    scheduleName = String((rawSchedule as { type: unknown }).type);
    const exponent = (rawSchedule as { exponent?: unknown }).exponent;
    if (exponent !== undefined && Number(exponent) !== 1)
      out.errors.push(unmodeled('optimizer.lr_schedule.exponent', exponent, 'a cosine power other than 1'));
    const rawTimescale = (rawSchedule as { timescale?: unknown }).timescale;
    if (scheduleName === 'inv_sqrt' && rawTimescale !== undefined && rawTimescale !== null) {
      timescale = Number(rawTimescale);
      // Below 1 the max(count + W, 1) floor differs from the model's max(x, timescale).
      if (!(timescale >= 1))
        out.errors.push(unmodeled('optimizer.lr_schedule.timescale', rawTimescale, 'a timescale below 1'));
    }
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
  if (!['cosine', 'linear', 'constant', 'inv_sqrt'].includes(scheduleName))
    out.errors.push(
      unmodeled('optimizer.lr_schedule', scheduleName, 'modeled: cosine, linear, constant, inv_sqrt'),
    );
  for (const key of ['cycles', 'haps']) {
    const v = yaml.get(o(key));
    // `_get_cycle_minima`: cycles = 1 (an int) inserts no cycle boundary, so it is one cycle.
    if (v !== undefined && v !== null && !(key === 'cycles' && v === 1))
      out.errors.push(unmodeled(`optimizer.${key}`, v, 'several cycles are not modeled'));
  }
  // Per-group LRs: MuonConfig.build (muon.py) runs AdamW on embeddings / lm_head / 1-D params at
  // `adam_lr` (default 6e-4) with the same schedule shape; ScionConfig (scion.py) runs signum at
  // learning_rate × scion_to_signum_lr (default 0.25). The schedule shown is `learning_rate`'s.
  const optimizerType = yaml.string(o('type'));
  if (optimizerType === 'muon')
    out.notes.push(
      `\`optimizer.type\` = muon: the schedule is learning_rate's (Muon matrices); AdamW parameters use the same shape at \`optimizer.adam_lr\` = ${yaml.number(o('adam_lr')) ?? 6e-4}`,
    );
  if (optimizerType === 'scion')
    out.notes.push(
      `\`optimizer.type\` = scion: the schedule is learning_rate's; signum parameters use it × \`optimizer.scion_to_signum_lr\` = ${yaml.number(o('scion_to_signum_lr')) ?? 0.25}`,
    );
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
    // optax.join_schedules would then start the decay at W + stable < W, cutting the warmup short.
    out.errors.push(
      `unknown: \`optimizer.warmup\` ${warmup} + \`optimizer.decay\` ${decaySteps} steps exceed the ${main} steps (optax.join_schedules then cuts the warmup short: not modelled)`,
    );
    return out;
  }
  const minLr = lr * ratio;
  let decay: DecayShape;
  let horizon = main;
  let finalLr = minLr;
  let decayShift: number | undefined;
  if (scheduleName === 'cosine' && decaySteps === 0) {
    // optax.cosine_decay_schedule raises on non-positive decay_steps.
    out.errors.push(`\`optimizer.decay\` gives 0 decay steps: optax's cosine_decay_schedule raises`);
    return out;
  }
  if (scheduleName === 'inv_sqrt') {
    // `_inv_sqrt_decay_schedule` counts from the end of the stable phase: lr·min(1, √(t/max(c + W, 1)))
    // with c = x − W − stable, floored at min_lr. The model's inverse-sqrt is peak·√(t/max(x', t))
    // with x' = x + decayShift; with decayShift = −stable that is exact in the decay phase, and in the
    // stable phase (x' < W) it is peak only if timescale ≥ W. The cooldown ramp would start from the
    // inv-sqrt's last value, which is not min_lr.
    if (cooldown > 0) {
      out.errors.push(unmodeled('optimizer.cooldown', cooldownRaw, 'a cooldown after inv_sqrt'));
      return out;
    }
    if (stable > 0 && timescale < warmup) {
      out.errors.push(
        unmodeled(
          'optimizer.decay',
          decayRaw,
          `a stable phase with inv_sqrt timescale ${timescale} < warmup ${warmup}`,
        ),
      );
      return out;
    }
    decay = { kind: 'inverse-sqrt', timescale };
    if (stable > 0) decayShift = -stable;
  } else if (scheduleName === 'constant') {
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
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr,
    warmup,
    warmupShape: 'linear',
    decay,
    horizon,
    ...(decayShift !== undefined ? { decayShift } : {}),
  };
  out.runLength = steps;
  const { training, error } = readTraining(text, context, spec);
  const runErrors: string[] = error ? [error] : [];
  const run = batchAndLength(training, runErrors);
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}
