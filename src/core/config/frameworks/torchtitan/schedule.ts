/**
 * The LR schedule of a torchtitan TOML job config. Batch and run length are the torchtitan reader's
 * (readRunConfig); this module reads the LR keys. Two eras, as the reader distinguishes them:
 *
 * - TOML era up to Feb 2026 (pytorch/torchtitan@56999086d01c19c900ff86ef9a366f0ff7288ad7,
 *   torchtitan/config/job_config.py and torchtitan/components/lr_scheduler.py; unchanged at
 *   b5bcd76c torchtitan/components/optimizer/lr_scheduler.py): `[optimizer] lr` 8e-4;
 *   `[lr_scheduler] warmup_steps` 200 (clipped to the total), `total_steps` (default
 *   `[training] steps`, 10000), `decay_ratio` None (decay right after warmup; else WSD over the last
 *   round(total·ratio) steps), `decay_type` linear | sqrt | cosine, `min_lr_factor` 0.0. LambdaLR at
 *   0-indexed step s: warmup (s+1)/W; decay progress (s − (T − decay))/decay — so the LR reaches
 *   lr·min_lr_factor only at s = T, one step after the last (the "virtual last step").
 * - Dec 2024 (pytorch/torchtitan@3f20451b torchtitan/optimizer.py `linear_warmup_linear_decay`,
 *   config_manager.py): `[training] warmup_steps` 200, warmup (s+1)/(W+1), then linear to 0 at
 *   `[training] steps` (decay over max(1, steps − W)).
 */
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, TomlKeys, unmodeled } from '../../../schedule/common';
import type { DecayShape, ExtractedSchedule } from '../../../schedule/types';

const DECAY_TYPES = ['linear', 'sqrt', 'cosine'] as const;

export function torchtitanSchedule(
  text: string,
  context: ReadContext = {},
  spec?: RunSpec,
): ExtractedSchedule {
  const out = emptyExtraction();
  const toml = new TomlKeys(text, out);
  if (!toml.ok) return out;
  const legacy = toml.has('training.warmup_steps') && !toml.has('lr_scheduler');
  const lr = toml.number('optimizer.lr') ?? 8e-4;
  if (!toml.has('optimizer.lr')) out.notes.push('`optimizer.lr` not set: torchtitan default 8e-4');
  if (!(lr > 0)) out.errors.push(`\`optimizer.lr\` = ${lr} is not positive`);
  const trainingSteps = toml.number('training.steps') ?? 10000;
  const { training, error } = readTraining(text, context, spec);
  if (error) out.errors.push(error);
  const runErrors: string[] = [];
  const run = batchAndLength(training, runErrors);

  if (legacy) {
    const warmup = toml.number('training.warmup_steps') ?? 200;
    for (const key of ['optimizer.lr_min', 'training.decay_ratio'])
      if (toml.has(key)) out.errors.push(unmodeled(key, toml.get(key), 'not a Dec 2024 torchtitan key'));
    if (out.errors.length) return out;
    out.schedule = {
      unit: 'steps',
      peakLr: lr,
      finalLr: 0,
      warmup,
      warmupShape: 'linear-plus-one',
      decay: { kind: 'linear' },
      horizon: warmup + Math.max(1, trainingSteps - warmup),
    };
    out.runLength = trainingSteps;
    if (!run) return { ...out, errors: runErrors };
    out.plan = {
      schedule: out.schedule,
      batchTokens: run.batchTokens,
      sequenceLength: run.seqLen,
      ...(run.totalSteps !== undefined ? { totalSteps: run.totalSteps } : { totalTokens: run.totalTokens }),
    };
    return out;
  }

  const total = toml.number('lr_scheduler.total_steps') ?? trainingSteps;
  let warmup = toml.number('lr_scheduler.warmup_steps') ?? 200;
  if (!toml.has('lr_scheduler.warmup_steps'))
    out.notes.push('`lr_scheduler.warmup_steps` not set: torchtitan default 200');
  const ratio = toml.number('lr_scheduler.decay_ratio');
  const type = toml.string('lr_scheduler.decay_type') ?? 'linear';
  const factor = toml.number('lr_scheduler.min_lr_factor') ?? 0;
  if (!(DECAY_TYPES as readonly string[]).includes(type))
    out.errors.push(
      unmodeled('lr_scheduler.decay_type', type, `torchtitan accepts ${DECAY_TYPES.join(', ')}`),
    );
  if (!(factor >= 0 && factor <= 1))
    out.errors.push(`\`lr_scheduler.min_lr_factor\` = ${factor} is outside [0, 1]`);
  if (ratio !== undefined && !(ratio >= 0 && ratio <= 1))
    out.errors.push(`\`lr_scheduler.decay_ratio\` = ${ratio} is outside [0, 1]`);
  if (!(total > 0)) out.errors.push(`the LR schedule's total steps (${total}) must be positive`);
  if (out.errors.length) return out;
  if (warmup > total) {
    out.notes.push(`warmup_steps ${warmup} > total ${total}: torchtitan clips it to ${total}`);
    warmup = total;
  }
  let decaySteps = ratio !== undefined ? Math.round(total * ratio) : total - warmup;
  if (warmup + decaySteps > total) decaySteps = total - warmup;
  const shapes = { linear: 'linear', sqrt: '1-sqrt', cosine: 'cosine' } as const;
  const shape = shapes[type as (typeof DECAY_TYPES)[number]];
  let decay: DecayShape;
  if (decaySteps === total - warmup && type !== 'sqrt') decay = { kind: type as 'linear' | 'cosine' };
  else decay = { kind: 'wsd', cooldownFraction: total > warmup ? decaySteps / (total - warmup) : 1, shape };
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: lr * factor,
    warmup,
    warmupShape: 'linear-offset',
    decay,
    horizon: total,
  };
  out.runLength = trainingSteps;
  if (!run) return { ...out, errors: runErrors };
  out.plan = {
    schedule: out.schedule,
    batchTokens: run.batchTokens,
    sequenceLength: run.seqLen,
    ...(run.totalSteps !== undefined ? { totalSteps: run.totalSteps } : { totalTokens: run.totalTokens }),
  };
  return out;
}
