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
 * Audited against pytorch/torchtitan@b5bcd76c (history of torchtitan/components/lr_scheduler.py):
 * - `[lr_scheduler]` from 2025-03-11 (0da8901b torchtitan/components/optimizer.py, then
 *   240419732 torchtitan/components/lr_scheduler.py `build_lr_schedulers`) to 2025-06-11: another
 *   lambda. stable = T − W − decay; warmup (s+1)/(W+1); decay progress (s + 1 − (W + stable))/(decay + 1);
 *   the min LR is `lr_scheduler.lr_min` (a factor). e7c0cae9 (2025-06-11, "Redefine lr_scheduler
 *   behavior") brought today's lambda; 881f0ca4 (2025-07-31) renamed `lr_min` to `min_lr_factor`;
 *   40b54e47 (2026-02-06) added `total_steps`. Files of that first era are told by the keys torchtitan
 *   dropped before 2025-06-11: `training.batch_size` (renamed local_batch_size 2025-06-05, 8570415c),
 *   `training.*_parallel_*degree`, `experimental.*_parallel_degree`, `model.norm_type` (moved or gone
 *   2025-04, c1c2f55d / 5078e92e). A file with `lr_min` and none of them is read as 2025-06/07.
 * - Past the horizon (training.steps > total_steps + 1) today's lambda keeps going (progress > 1:
 *   linear and sqrt turn negative, cosine rises again; with no decay steps it asserts): unknown.
 */
import type { ReadContext, RunSpec } from '../../../types';
import {
  batchAndLength,
  emptyExtraction,
  readTraining,
  TomlKeys,
  unmodeled,
  runPlan,
} from '../../../schedule/common';
import type { DecayShape, ExtractedSchedule } from '../../../schedule/types';

const DECAY_TYPES = ['linear', 'sqrt', 'cosine'] as const;

/** Keys the job config had in 2025-03 … 2025-06-05 and dropped before the 2025-06-11 lambda. */
const EARLY_2025_KEYS = [
  'training.batch_size',
  'training.data_parallel_degree',
  'training.data_parallel_shard_degree',
  'training.data_parallel_replicate_degree',
  'training.tensor_parallel_degree',
  'experimental.pipeline_parallel_degree',
  'experimental.context_parallel_degree',
  'model.norm_type',
];

/** Python's round(): half to even (torchtitan `round(total_steps * decay_ratio)`). */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

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
    out.plan = runPlan(out.schedule, run);
    return out;
  }

  const early = toml.has('lr_scheduler') && EARLY_2025_KEYS.some((key) => toml.has(key));
  if (!toml.has('lr_scheduler') && EARLY_2025_KEYS.some((key) => toml.has(key))) {
    // No warmup key at all in a file of before 2025-06: the default schedule was Dec 2024's
    // (optimizer.py, (s+1)/(W+1) then 1 − (s − W)/(T − W)) or 2025-03…06's (decay over T − W + 1).
    const key = EARLY_2025_KEYS.find((k) => toml.has(k))!;
    out.errors.push(
      `unknown: no \`[lr_scheduler]\` nor \`training.warmup_steps\` in a file of before 2025-06 (\`${key}\`): torchtitan's default schedule then differed between Dec 2024 and 2025-03…06 versions`,
    );
    return out;
  }
  const hasLrMin = toml.has('lr_scheduler.lr_min');
  if (hasLrMin && toml.has('lr_scheduler.min_lr_factor'))
    out.errors.push(
      unmodeled(
        'lr_scheduler.lr_min',
        toml.get('lr_scheduler.lr_min'),
        'renamed min_lr_factor on 2025-07-31 (torchtitan 881f0ca4); no version reads both',
      ),
    );
  if (hasLrMin && toml.has('lr_scheduler.total_steps'))
    out.errors.push(
      unmodeled(
        'lr_scheduler.lr_min',
        toml.get('lr_scheduler.lr_min'),
        'gone in 2025-07, before total_steps (2026-02); no version reads both',
      ),
    );
  if (early && toml.has('lr_scheduler.min_lr_factor'))
    out.errors.push(
      unmodeled(
        'lr_scheduler.min_lr_factor',
        toml.get('lr_scheduler.min_lr_factor'),
        `this file's other keys (${EARLY_2025_KEYS.filter((k) => toml.has(k)).join(', ')}) are of 2025-03…06, which spelled it lr_min`,
      ),
    );
  const total = toml.number('lr_scheduler.total_steps') ?? trainingSteps;
  let warmup = toml.number('lr_scheduler.warmup_steps') ?? 200;
  if (!toml.has('lr_scheduler.warmup_steps'))
    out.notes.push('`lr_scheduler.warmup_steps` not set: torchtitan default 200');
  if (!Number.isInteger(warmup))
    out.errors.push(`\`lr_scheduler.warmup_steps\` = ${warmup} is not an integer (an int in torchtitan)`);
  const ratio = toml.number('lr_scheduler.decay_ratio');
  const type = toml.string('lr_scheduler.decay_type') ?? 'linear';
  const factor =
    (hasLrMin ? toml.number('lr_scheduler.lr_min') : toml.number('lr_scheduler.min_lr_factor')) ?? 0;
  const factorKey = hasLrMin ? 'lr_scheduler.lr_min' : 'lr_scheduler.min_lr_factor';
  if (hasLrMin && !early)
    out.notes.push(
      "`lr_scheduler.lr_min`: read as torchtitan of 2025-06-11…07-31 (e7c0cae9, today's lambda); a file of 2025-03…06-10 without `training.batch_size` used warmup (s+1)/(W+1) and decay over decay+1 steps",
    );
  if (!(DECAY_TYPES as readonly string[]).includes(type))
    out.errors.push(
      unmodeled('lr_scheduler.decay_type', type, `torchtitan accepts ${DECAY_TYPES.join(', ')}`),
    );
  if (!(factor >= 0 && factor <= 1)) out.errors.push(`\`${factorKey}\` = ${factor} is outside [0, 1]`);
  if (ratio !== undefined && !(ratio >= 0 && ratio <= 1))
    out.errors.push(`\`lr_scheduler.decay_ratio\` = ${ratio} is outside [0, 1]`);
  if (!(total > 0)) out.errors.push(`the LR schedule's total steps (${total}) must be positive`);
  if (early && toml.has('lr_scheduler.total_steps'))
    out.errors.push(
      unmodeled(
        'lr_scheduler.total_steps',
        toml.get('lr_scheduler.total_steps'),
        `added 2026-02 (40b54e47); this file's other keys (${EARLY_2025_KEYS.filter((k) => toml.has(k)).join(', ')}) are of 2025-03…06`,
      ),
    );
  if (out.errors.length) return out;
  const shapes = { linear: 'linear', sqrt: '1-sqrt', cosine: 'cosine' } as const;
  const shape = shapes[type as (typeof DECAY_TYPES)[number]];
  if (early) {
    // pytorch/torchtitan@240419732 torchtitan/components/lr_scheduler.py build_lr_schedulers: no
    // warmup clip; decay = round(T·ratio) (or T − W), cut to T − W; stable = T − W − decay; lambda at s:
    // (s+1)/(W+1) while s < W, 1 while s < W + stable, else progress (s + 1 − (W + stable))/(decay + 1).
    // As our model: warmup 'linear-plus-one'; after it position s + 1 (decayShift), horizon T + 1,
    // cooldown decay + 1 of the T + 1 − W steps after warmup.
    out.notes.push(
      'torchtitan 2025-03…06 [lr_scheduler] (keys of that era in the file): warmup (s+1)/(W+1), decay over decay_steps + 1',
    );
    let decaySteps = ratio !== undefined ? pyRound(trainingSteps * ratio) : trainingSteps - warmup;
    if (warmup + decaySteps > trainingSteps) decaySteps = trainingSteps - warmup;
    const after = trainingSteps + 1 - warmup;
    const fraction = after > 0 ? Math.min(1, Math.max(0, (decaySteps + 1) / after)) : 1;
    out.schedule = {
      unit: 'steps',
      peakLr: lr,
      finalLr: lr * factor,
      warmup,
      warmupShape: 'linear-plus-one',
      decay:
        fraction === 1 && type !== 'sqrt'
          ? { kind: type as 'linear' | 'cosine' }
          : { kind: 'wsd', cooldownFraction: fraction, shape },
      horizon: Math.max(trainingSteps + 1, warmup + 1),
      decayShift: 1,
    };
  } else {
    if (warmup > total) {
      out.notes.push(`warmup_steps ${warmup} > total ${total}: torchtitan clips it to ${total}`);
      warmup = total;
    }
    let decaySteps = ratio !== undefined ? pyRound(total * ratio) : total - warmup;
    if (warmup + decaySteps > total) decaySteps = total - warmup;
    // The lambda reaches lr·min_lr_factor at s = T (progress 1); at s > T progress exceeds 1, and with
    // no decay steps s = T is still in the stable phase (and s > T asserts).
    if (trainingSteps > total + (decaySteps > 0 ? 1 : 0)) {
      out.errors.push(
        unmodeled(
          'lr_scheduler.total_steps',
          total,
          `training.steps ${trainingSteps} runs past it: torchtitan's lambda continues beyond the horizon (progress > 1), which is not modeled`,
        ),
      );
      return out;
    }
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
  }
  out.runLength = trainingSteps;
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}
