/**
 * The LR schedule of a DeepSpeed JSON config: `scheduler.type` and `scheduler.params`, with the
 * optimizer's `optimizer.params.lr`. Semantics and defaults from
 * deepspeedai/DeepSpeed@edaa7221267243c7be7fb49c5d5f5c4fb97b4641 deepspeed/runtime/lr_schedules.py
 * (signatures of WarmupLR, WarmupDecayLR, WarmupCosineLR, OneCycle, LRRangeTest) and
 * deepspeed/runtime/engine.py (`_scheduler_from_config`; `_take_model_step` calls
 * `lr_scheduler.step()` after each optimizer step):
 *
 * - Step k (0-based) runs at the LR the scheduler computed for iteration k − 1: the constructor sets
 *   the LR of iteration −1 (WarmupLR: its min LR; WarmupCosineLR: 0), each step() advances it. So the
 *   schedule is one step behind a LambdaLR (`positionOffset` −1, floored at 0 where iteration −1 and 0
 *   agree). OneCycle computes from iteration + 1 and so is not behind.
 * - WarmupLR(warmup_min_lr 0, warmup_max_lr None → the optimizer's lr, warmup_num_steps 1000,
 *   warmup_type 'log'): W = max(2, warmup_num_steps); log: min + Δ·ln(i + 1)/ln(W); linear: min + Δ·i/W;
 *   then warmup_max_lr.
 * - WarmupDecayLR(total_num_steps required, warmup_max_lr 0.001 — not the optimizer's lr): the same
 *   warmup, then min + Δ·max(0, (T − i)/max(1, T − W)), i.e. linear to warmup_min_lr at T.
 * - WarmupCosineLR(total_num_steps required, warmup_min_ratio 0, warmup_num_steps 1000, cos_min_ratio
 *   1e-4, warmup_type 'log'), ratios of the optimizer's lr: warmup from warmup_min_ratio, then cosine
 *   with progress min(1, (i − W + 1)/max(1, T − W)) to cos_min_ratio (`decayShift` +1).
 * - OneCycle(cycle_min_lr, cycle_max_lr required; cycle_first_step_size 2000, cycle_second_step_size =
 *   first, stair counts 0, decay_lr_rate 0, decay_step_size 0): linear min → max over the first half,
 *   max → min over the second, then min (a post-cycle decay or staircase is not modeled).
 * - LRRangeTest grows the LR without bound (a sweep to find the max LR): not a schedule to draw.
 * A DeepSpeed JSON never holds the run length or the sequence length, so there is never a token plan.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { emptyExtraction, unmodeled, YamlKeys } from '../../../schedule/common';
import type { ExtractedSchedule, LrSchedule } from '../../../schedule/types';

/** Each schedule's parameters (their Python signatures); anything else makes DeepSpeed raise. */
const PARAMS: Record<string, readonly string[]> = {
  WarmupLR: ['warmup_min_lr', 'warmup_max_lr', 'warmup_num_steps', 'warmup_type', 'last_batch_iteration'],
  WarmupDecayLR: [
    'total_num_steps',
    'warmup_min_lr',
    'warmup_max_lr',
    'warmup_num_steps',
    'warmup_type',
    'last_batch_iteration',
  ],
  WarmupCosineLR: [
    'total_num_steps',
    'warmup_min_ratio',
    'warmup_num_steps',
    'cos_min_ratio',
    'warmup_type',
    'last_batch_iteration',
  ],
  OneCycle: [
    'cycle_min_lr',
    'cycle_max_lr',
    'decay_lr_rate',
    'cycle_first_step_size',
    'cycle_second_step_size',
    'cycle_first_stair_count',
    'cycle_second_stair_count',
    'decay_step_size',
    'cycle_momentum',
    'cycle_min_mom',
    'cycle_max_mom',
    'decay_mom_rate',
    'last_batch_iteration',
  ],
  LRRangeTest: [
    'lr_range_test_min_lr',
    'lr_range_test_step_size',
    'lr_range_test_step_rate',
    'lr_range_test_staircase',
    'last_batch_iteration',
  ],
};

/** torch.optim.lr_scheduler classes DeepSpeed also accepts by name (engine `_scheduler_from_config`). */
const TORCH_SCHEDULERS = new Set([
  'LambdaLR',
  'MultiplicativeLR',
  'StepLR',
  'MultiStepLR',
  'ConstantLR',
  'LinearLR',
  'ExponentialLR',
  'SequentialLR',
  'CosineAnnealingLR',
  'ChainedScheduler',
  'ReduceLROnPlateau',
  'CyclicLR',
  'CosineAnnealingWarmRestarts',
  'OneCycleLR',
  'PolynomialLR',
]);

export function deepspeedSchedule(
  text: string,
  _context: ReadContext = {},
  _spec?: RunSpec,
): ExtractedSchedule {
  const out = emptyExtraction();
  const doc = new YamlKeys(text, out);
  if (!doc.source) return out;
  const scheduler = doc.get(['scheduler']);
  const type = doc.string(['scheduler', 'type']);
  if (scheduler === undefined || scheduler === null) {
    out.errors.push(
      'no `scheduler`: the LR is whatever the training script or the Hugging Face Trainer schedules (not in this file)',
    );
    return out;
  }
  if (type === undefined) {
    out.errors.push('`scheduler` has no `type` (DeepSpeed: "LR schedule type not defined in config")');
    return out;
  }
  const names = PARAMS[type];
  if (!names) {
    out.errors.push(
      TORCH_SCHEDULERS.has(type)
        ? unmodeled('scheduler.type', type, 'a torch.optim.lr_scheduler class DeepSpeed passes through')
        : unmodeled('scheduler.type', type, `DeepSpeed's own are ${Object.keys(PARAMS).join(', ')}`),
    );
    return out;
  }
  const params = doc.get(['scheduler', 'params']);
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    out.errors.push('`scheduler.params` is not an object');
    return out;
  }
  for (const key of Object.keys((params as Record<string, unknown> | undefined) ?? {}))
    if (!names.includes(key)) {
      doc.get(['scheduler', 'params', key]);
      out.errors.push(
        `\`scheduler.params.${key}\` is not a parameter of ${type} (DeepSpeed raises a TypeError)`,
      );
    }

  /** A numeric parameter; `auto` and per-group lists are named as unknown. */
  const num = (path: readonly string[]): number | undefined => {
    const raw = doc.get(path);
    if (raw === 'auto') {
      out.errors.push(unmodeled(path.join('.'), raw, 'filled in by the Hugging Face Trainer at launch'));
      return undefined;
    }
    if (Array.isArray(raw)) {
      out.errors.push(unmodeled(path.join('.'), raw, 'one value per parameter group'));
      return undefined;
    }
    return doc.number(path);
  };
  const param = (name: string) => num(['scheduler', 'params', name]);
  const setKey = (name: string) => doc.has(['scheduler', 'params', name]);

  // engine.py `_take_model_step`: on an fp16 overflow `skipped_steps += 1` and the scheduler does not step.
  if (doc.get(['fp16', 'enabled']) === true)
    out.notes.push(
      '`fp16.enabled`: steps skipped on a loss-scale overflow do not advance the LR schedule; the curve assumes none',
    );
  const last = param('last_batch_iteration');
  if (last !== undefined && last !== -1)
    out.errors.push(unmodeled('scheduler.params.last_batch_iteration', last, 'a resumed schedule'));
  const optimizerLr = doc.has(['optimizer', 'params', 'lr']) ? num(['optimizer', 'params', 'lr']) : undefined;

  if (type === 'LRRangeTest') {
    out.errors.push(
      unmodeled(
        'scheduler.type',
        type,
        'a range test: lr = lr_range_test_min_lr·(1 + rate·step/step_size) grows without bound',
      ),
    );
    return out;
  }

  if (type === 'OneCycle') {
    const min = param('cycle_min_lr');
    const max = param('cycle_max_lr');
    if (!setKey('cycle_min_lr') || !setKey('cycle_max_lr'))
      out.errors.push('OneCycle needs `cycle_min_lr` and `cycle_max_lr` (no defaults)');
    const first = param('cycle_first_step_size') ?? 2000;
    const second = param('cycle_second_step_size') ?? first;
    for (const stairs of ['cycle_first_stair_count', 'cycle_second_stair_count']) {
      const count = param(stairs);
      if (count !== undefined && count > 0)
        out.errors.push(unmodeled(`scheduler.params.${stairs}`, count, 'a staircase cycle is not modeled'));
    }
    const rate = param('decay_lr_rate') ?? 0;
    const decayStep = param('decay_step_size') ?? 0;
    if (rate !== 0 && decayStep !== 0)
      out.errors.push(
        unmodeled(
          'scheduler.params.decay_lr_rate',
          rate,
          'the post-cycle decay min/(1 + rate·i/decay_step_size)',
        ),
      );
    if (!(first > 0))
      out.errors.push(`\`cycle_first_step_size\` = ${first} must be positive (DeepSpeed raises)`);
    if (!(second >= 0))
      out.errors.push(`\`cycle_second_step_size\` = ${second} must be ≥ 0 (DeepSpeed raises)`);
    if (min !== undefined && max !== undefined && !(max > 0 && min >= 0))
      out.errors.push(`cycle LRs ${min} → ${max} are not a usable cycle`);
    if (out.errors.length || min === undefined || max === undefined) return out;
    out.schedule = {
      unit: 'steps',
      peakLr: max,
      finalLr: min,
      warmup: first,
      warmupShape: 'linear',
      warmupStartLr: min,
      decay: { kind: 'linear' },
      horizon: first + second,
    };
    if (optimizerLr !== undefined)
      out.notes.push('`optimizer.params.lr` is replaced by the cycle: OneCycle sets cycle_min_lr at start');
    return noRunLength(out);
  }

  // The three warmup schedules.
  const warmupSteps = param('warmup_num_steps') ?? 1000;
  if (!(Number.isInteger(warmupSteps) && warmupSteps > 0))
    out.errors.push(`\`warmup_num_steps\` = ${warmupSteps} must be a positive integer (DeepSpeed raises)`);
  const warmup = Math.max(2, warmupSteps);
  if (warmupSteps === 1)
    out.notes.push('warmup_num_steps 1 is run as 2 (DeepSpeed: max(2, warmup_num_steps))');
  const rawType = doc.string(['scheduler', 'params', 'warmup_type']);
  const shape: LrSchedule['warmupShape'] = rawType === 'linear' ? 'linear' : 'log';
  if (rawType === undefined)
    out.notes.push('`warmup_type` not set: DeepSpeed default `log` (ln(i + 1)/ln(W))');
  else if (rawType !== 'linear' && rawType !== 'log')
    out.notes.push(`\`warmup_type\` = \`${rawType}\` is unknown to DeepSpeed, which warns and uses \`log\``);
  if (!setKey('warmup_num_steps')) out.notes.push('`warmup_num_steps` not set: DeepSpeed default 1000');

  if (type === 'WarmupCosineLR') {
    const total = param('total_num_steps');
    if (!setKey('total_num_steps')) out.errors.push('WarmupCosineLR needs `total_num_steps` (no default)');
    const startRatio = param('warmup_min_ratio') ?? 0;
    const endRatio = param('cos_min_ratio') ?? 1e-4;
    if (!setKey('cos_min_ratio')) out.notes.push('`cos_min_ratio` not set: DeepSpeed default 1e-4');
    if (optimizerLr === undefined && !out.errors.some((e) => e.includes('optimizer.params.lr')))
      out.errors.push(
        "WarmupCosineLR scales the optimizer's lr, and `optimizer.params.lr` is not set (the optimizer class default applies: not modeled)",
      );
    if (out.errors.length || total === undefined || optimizerLr === undefined) return out;
    if (startRatio > 0)
      out.notes.push(
        "the first step runs at LR 0 (the scheduler's value before its first step), not at warmup_min_ratio·lr",
      );
    out.schedule = {
      unit: 'steps',
      peakLr: optimizerLr,
      finalLr: endRatio * optimizerLr,
      warmup,
      warmupShape: shape,
      warmupStartLr: startRatio * optimizerLr,
      decay: { kind: 'cosine' },
      horizon: total,
      positionOffset: -1,
      decayShift: 1,
    };
    return noRunLength(out);
  }

  const min = param('warmup_min_lr') ?? 0;
  let max = param('warmup_max_lr');
  if (max === undefined && !setKey('warmup_max_lr')) {
    if (type === 'WarmupDecayLR') {
      // WarmupDecayLR's own signature default, not the optimizer's lr (only WarmupLR falls back to it).
      max = 0.001;
      out.notes.push("`warmup_max_lr` not set: WarmupDecayLR default 0.001 (the optimizer's lr is not used)");
    } else if (optimizerLr !== undefined) {
      max = optimizerLr;
      out.notes.push("`warmup_max_lr` not set: WarmupLR uses the optimizer's lr (`optimizer.params.lr`)");
    } else if (!out.errors.some((e) => e.includes('optimizer.params.lr')))
      out.errors.push(
        '`warmup_max_lr` is not set and neither is `optimizer.params.lr`: the peak is the optimizer class default (not modeled)',
      );
  }
  if (max !== undefined && !(max > 0)) out.errors.push(`\`warmup_max_lr\` = ${max} is not positive`);
  if (optimizerLr !== undefined && max !== undefined && optimizerLr !== max)
    out.notes.push(
      `\`optimizer.params.lr\` ${optimizerLr} is overridden: the scheduler sets the LR (peak ${max})`,
    );
  if (type === 'WarmupLR') {
    if (out.errors.length || max === undefined) return out;
    out.schedule = {
      unit: 'steps',
      peakLr: max,
      finalLr: max,
      warmup,
      warmupShape: shape,
      warmupStartLr: min,
      decay: { kind: 'constant' },
      horizon: warmup,
      positionOffset: -1,
    };
    return noRunLength(out);
  }
  // WarmupDecayLR
  const total = param('total_num_steps');
  if (!setKey('total_num_steps')) out.errors.push('WarmupDecayLR needs `total_num_steps` (no default)');
  if (out.errors.length || max === undefined || total === undefined) return out;
  if (total < warmup)
    out.notes.push(`total_num_steps ${total} is below the warmup ${warmup} (DeepSpeed warns)`);
  out.schedule = {
    unit: 'steps',
    peakLr: max,
    finalLr: min,
    warmup,
    warmupShape: shape,
    warmupStartLr: min,
    decay: { kind: 'linear' },
    horizon: total,
    positionOffset: -1,
  };
  return noRunLength(out);
}

/** A DeepSpeed JSON states the schedule only: say why there is no run plan (for the panel). */
function noRunLength(out: ExtractedSchedule): ExtractedSchedule {
  out.errors.push(
    "the run length and the sequence length are the launcher's (a DeepSpeed JSON holds neither), so the schedule has no token plan",
  );
  return out;
}
