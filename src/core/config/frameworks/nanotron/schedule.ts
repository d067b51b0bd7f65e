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
 */
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled, YamlKeys } from '../../../schedule/common';
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
  const horizon = start + decaySteps;
  let decay: DecayShape;
  if (warmup === 0 && decaySteps === 0) decay = { kind: 'constant' };
  else if (start === warmup && decayStyle !== '1-sqrt') decay = { kind: decayStyle as 'linear' | 'cosine' };
  else
    decay = {
      kind: 'wsd',
      cooldownFraction: horizon > warmup ? decaySteps / (horizon - warmup) : 1,
      shape: decayStyle === '1-sqrt' ? '1-sqrt' : (decayStyle as 'linear' | 'cosine'),
    };
  if (!(decaySteps >= 0) || start < warmup) {
    out.errors.push(
      `decay from step ${start} over ${decaySteps} steps does not follow the ${warmup}-step warmup`,
    );
    return out;
  }
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: decay.kind === 'constant' ? lr : minLr,
    warmup,
    warmupShape: warmupStyle === 'constant' ? 'constant' : 'linear',
    decay,
    horizon: Math.max(horizon, 1),
  };
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
