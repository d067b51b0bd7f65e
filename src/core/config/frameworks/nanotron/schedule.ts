/**
 * The LR schedule of a nanotron YAML (`optimizer.learning_rate_scheduler`, `tokens.train_steps`).
 * Batch and run length are the nanotron reader's. Semantics from
 * huggingface/nanotron@2411b022a75fb7f7561a1bb4166706da5e1b76de:
 * - src/nanotron/config/config.py `LRSchedulerArgs`: learning_rate required, lr_warmup_steps 0,
 *   lr_warmup_style must be linear | constant (None raises in __post_init__), lr_decay_style None →
 *   linear (linear | cosine | 1-sqrt), min_decay_lr None → learning_rate (no decay).
 * - src/nanotron/helpers.py `lr_scheduler_builder` (LambdaLR at step s): warmup for s ≤ W (linear
 *   lr·s/max(W, 1) or constant lr); constant until lr_decay_starting_step (default W); decay over
 *   lr_decay_steps (default train_steps − W, minus the starting step too when it is set); then
 *   min_decay_lr.
 * Audited at the same commit: LambdaLR evaluates lr_lambda(0) at construction and the trainer calls
 * lr_scheduler.step() after each optimizer.step() (trainer.py `training_step`), so optimizer step k
 * uses lr_lambda(k − 1), as compileRun does. Three edges of lr_lambda are modelled exactly:
 * - lr_warmup_steps 0 with linear style: the warmup branch (current_step ≤ 0) still gives
 *   lr·0/max(0, 1) = 0 at step 0 and decay counts from step 0, so: a 1-step warmup from 0 and a
 *   decayShift of +1 (the decay at x uses x − start, not x − 1 − start).
 * - lr_decay_steps 0 right after the warmup: the warmup branch is inclusive (current_step ≤ W), so
 *   step W is still at lr and min_decay_lr starts at W + 1.
 * - lr_warmup_steps 0 and lr_decay_steps 0: lr_lambda returns `initial_lr` before its
 *   `lmbda /= initial_lr` normalisation, so LambdaLR's LR is initial_lr² for the whole run.
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

export function nanotronSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const yaml = new YamlKeys(text, out);
  if (!yaml.source) return out;
  const k = (key: string) => ['optimizer', 'learning_rate_scheduler', key];
  const lr = yaml.number(k('learning_rate'));
  const warmup = yaml.number(k('lr_warmup_steps')) ?? 0;
  const warmupStyle = yaml.string(k('lr_warmup_style'));
  const decayStyle = yaml.string(k('lr_decay_style')) ?? 'linear';
  const decayStepsRaw = yaml.number(k('lr_decay_steps'));
  const decayStartRaw = yaml.number(k('lr_decay_starting_step'));
  const minLr = yaml.number(k('min_decay_lr')) ?? lr;
  const steps = yaml.number(['tokens', 'train_steps']);
  if (lr === undefined) out.errors.push('`optimizer.learning_rate_scheduler.learning_rate` is required');
  else if (!(lr > 0)) out.errors.push(`the LR ${lr} is not positive`);
  if (warmupStyle === undefined)
    out.errors.push('`lr_warmup_style` must be linear or constant (nanotron raises on None)');
  else if (!['linear', 'constant'].includes(warmupStyle))
    out.errors.push(unmodeled('lr_warmup_style', warmupStyle, 'nanotron accepts linear, constant'));
  if (!['linear', 'cosine', '1-sqrt'].includes(decayStyle))
    out.errors.push(unmodeled('lr_decay_style', decayStyle, 'nanotron accepts linear, cosine, 1-sqrt'));
  if (steps === undefined) out.errors.push('`tokens.train_steps` is needed');
  if (out.errors.length || lr === undefined || steps === undefined || minLr === undefined) return out;
  if (yaml.get(k('min_decay_lr')) === undefined)
    out.notes.push('`min_decay_lr` not set: nanotron keeps the LR (no decay)');
  let decaySteps = decayStepsRaw;
  if (decaySteps === undefined) {
    decaySteps = steps - warmup;
    if (decayStartRaw !== undefined) decaySteps -= decayStartRaw;
  }
  const start = decayStartRaw ?? warmup;
  if (!(decaySteps >= 0) || start < warmup) {
    out.errors.push(
      `unknown: decay from step ${start} (\`lr_decay_starting_step\`) over ${decaySteps} steps (\`lr_decay_steps\`) does not follow the ${warmup}-step warmup (\`lr_warmup_steps\`): not modelled`,
    );
    return out;
  }
  if (warmup === 0 && decaySteps === 0) {
    // helpers.py lr_lambda: `if lr_warmup_steps == 0 and lr_decay_steps == 0: return initial_lr`
    // returns before `lmbda /= initial_lr`, so LambdaLR multiplies the base LR by itself.
    out.notes.push(
      `lr_warmup_steps 0 and lr_decay_steps 0: nanotron's lr_lambda returns the LR unnormalised, so the LR is learning_rate² = ${lr * lr}`,
    );
    out.schedule = {
      unit: 'steps',
      peakLr: lr * lr,
      finalLr: lr * lr,
      warmup: 0,
      warmupShape: 'linear',
      decay: { kind: 'constant' },
      horizon: 1,
    };
  } else {
    // Linear warmup of 0 steps still sets step 0 to 0 (current_step ≤ 0 is the warmup branch); the
    // model's 1-step warmup does that, and decayShift +1 keeps the decay counted from step 0.
    const zeroStepWarmup = warmup === 0 && warmupStyle === 'linear';
    const w = zeroStepWarmup ? 1 : warmup;
    const shift = zeroStepWarmup ? 1 : 0;
    let horizon = start + decaySteps + shift;
    const shape = decayStyle === '1-sqrt' ? '1-sqrt' : (decayStyle as 'linear' | 'cosine');
    let decay: DecayShape;
    if (decaySteps === 0 && start === warmup) {
      // Inclusive warmup branch: step W is at lr, min_decay_lr from W + 1.
      decay = { kind: 'linear' };
      horizon = w + 1;
    } else if (start === warmup && decayStyle !== '1-sqrt') decay = { kind: shape as 'linear' | 'cosine' };
    else
      decay = {
        kind: 'wsd',
        cooldownFraction: horizon > w ? decaySteps / (horizon - w) : 1,
        shape,
      };
    out.schedule = {
      unit: 'steps',
      peakLr: lr,
      finalLr: minLr,
      warmup: w,
      warmupShape: warmupStyle === 'constant' ? 'constant' : 'linear',
      decay,
      horizon: Math.max(horizon, 1),
      ...(shift ? { decayShift: shift } : {}),
    };
  }
  // helpers.py get_custom_lr_for_named_parameters: with spectral µP (model.init_method.use_mup)
  // every parameter gets its own LR from LearningRateForSpectralMup; lr_lambda scales each.
  if (yaml.get(['model', 'init_method', 'use_mup']) === true)
    out.notes.push(
      "`model.init_method.use_mup`: spectral µP gives each parameter its own LR (LearningRateForSpectralMup); the schedule shown is learning_rate's",
    );
  out.runLength = steps;
  const { training, error } = readTraining(text, context, spec);
  const runErrors: string[] = error ? [error] : [];
  const run = batchAndLength(training, runErrors);
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}
