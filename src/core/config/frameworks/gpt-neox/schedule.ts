/**
 * The LR schedule of a GPT-NeoX YAML config (keys hyphen-insensitive, as NeoX reads them). Batch and
 * run length are the gpt-neox reader's; this module reads the LR keys. Semantics and defaults from
 * EleutherAI/gpt-neox@ea7aefd8f8e183256992d9fede4d7c71a46d67a5:
 * - megatron/neox_arguments/neox_args.py: `lr-decay-style` linear (constant | linear | cosine |
 *   exponential), `lr-decay-iters` None → `lr-decay-fraction`·train-iters (floored) → `train-iters`,
 *   `min_lr` 0.0, `warmup` 0.01 — a fraction of the decay iterations (training.py
 *   `get_learning_rate_scheduler`: warmup_iter = warmup × num_iters).
 * - arguments.py: the LR is `optimizer.params.lr` (default 0.001, OPT_PARAMS_DEFAULTS).
 * - megatron/learning_rates.py `AnnealingLR.get_lr` at n iterations done: warmup lr·max(1, n)/W for
 *   n ≤ W; linear lr·(1 − p) (toward 0, not toward min_lr), cosine min + (lr − min)/2·(1 + cos πp),
 *   exponential lr·exp(−0.693·p) (p not capped at 1), all floored at min_lr. `step()` increments before computing, so the step after n iterations
 *   uses the LR at n — the same position convention as compileRun.
 * - arguments.py validate_values refuses min_lr > lr; a `scheduler` key replaces AnnealingLR when
 *   the DeepSpeed in use prefers the config's scheduler over the client's (DeepSpeed before f994fb2c,
 *   Aug 2024; NeoX pins DeeperSpeed), so it stays an error.
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

export function gptNeoxSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const yaml = new YamlKeys(text, out, true);
  if (!yaml.source) return out;
  const lr = yaml.number(['optimizer', 'params', 'lr']) ?? 0.001;
  if (!yaml.has(['optimizer', 'params', 'lr']))
    out.notes.push('`optimizer.params.lr` not set: GPT-NeoX default 0.001');
  // NeoX also accepts a top-level `lr`, but arguments.py overwrites it with optimizer.params.lr.
  if (yaml.has(['lr']) && yaml.has(['optimizer', 'params', 'lr']))
    out.notes.push('top-level `lr` is overwritten by `optimizer.params.lr` (GPT-NeoX arguments.py)');
  const style = yaml.string(['lr_decay_style']) ?? 'linear';
  const minLr = yaml.number(['min_lr']) ?? 0;
  const warmupFraction = yaml.number(['warmup']) ?? 0.01;
  const trainIters = yaml.number(['train_iters']);
  const decayIters = yaml.number(['lr_decay_iters']);
  const decayFraction = yaml.number(['lr_decay_fraction']);
  if (!(lr > 0)) out.errors.push(`the LR ${lr} is not positive`);
  // arguments.py validate_values: `if not (self.min_lr <= self.lr)` raises.
  else if (minLr > lr) out.errors.push(`\`min_lr\` ${minLr} is above the LR ${lr}: GPT-NeoX refuses it`);
  // learning_rates.py get_lr: with warmup_iter ≥ end_iter the decay divides by end_iter − warmup_iter
  // ≤ 0 (ZeroDivisionError at 1, an LR rising above the peak beyond it).
  if (warmupFraction >= 1 && style !== 'constant')
    out.errors.push(
      unmodeled(
        'warmup',
        String(warmupFraction),
        'a warmup of the whole decay horizon or more breaks AnnealingLR’s decay',
      ),
    );
  // AnnealingLR.step: with use_mup, a group with width_mult gets lr / width_mult.
  if (yaml.get(['use_mup']) === true)
    out.notes.push(
      '`use-mup`: parameter groups with a width multiplier train at lr / width_mult; the curve is the base LR',
    );
  // DeepSpeed engine `_take_model_step` (NeoX steps AnnealingLR through it): no scheduler step on an fp16 overflow.
  if (yaml.get(['fp16', 'enabled']) === true)
    out.notes.push(
      '`fp16.enabled`: steps skipped on a loss-scale overflow do not advance the LR schedule; the curve assumes none',
    );
  if (yaml.get(['use_checkpoint_lr_scheduler']) === true)
    out.notes.push(
      '`use-checkpoint-lr-scheduler`: on resume NeoX takes the LR, warmup, horizon and style from the checkpoint',
    );
  if (!['constant', 'linear', 'cosine', 'exponential'].includes(style))
    out.errors.push(
      unmodeled('lr-decay-style', style, 'GPT-NeoX accepts constant, linear, cosine, exponential'),
    );
  const scheduler = yaml.get(['scheduler']);
  if (scheduler !== undefined && scheduler !== null)
    out.errors.push(unmodeled('scheduler', scheduler, 'a DeepSpeed scheduler replaces NeoX’s AnnealingLR'));
  const optimizerType = yaml.string(['optimizer', 'type']);
  if (optimizerType?.toLowerCase() === 'onebitadam')
    out.errors.push(unmodeled('optimizer.type', optimizerType, 'OneBitAdam uses DeepSpeed’s WarmupDecayLR'));
  const { training, error } = readTraining(text, context, spec);
  if (error) out.errors.push(error);
  const runErrors: string[] = [];
  const run = batchAndLength(training, runErrors);
  const iters = trainIters ?? training?.steps;
  if (iters === undefined && decayIters === undefined)
    out.errors.push('`train-iters` is needed for the decay horizon');
  if (out.errors.length) return { ...out, errors: [...out.errors, ...runErrors] };
  const horizon = Math.max(
    1,
    decayIters ?? (decayFraction !== undefined ? Math.floor(iters! * decayFraction) : iters!),
  );
  const warmup = warmupFraction * horizon;
  if (style === 'cosine' && iters !== undefined && horizon < iters - 1)
    out.errors.push(
      `\`lr-decay-iters\` ${horizon} < \`train-iters\` ${iters}: GPT-NeoX's cosine rises again after the horizon (cos is periodic in learning_rates.py); not modeled`,
    );
  if (out.errors.length) return out;
  const decay: DecayShape =
    style === 'cosine'
      ? { kind: 'cosine' }
      : style === 'linear'
        ? { kind: 'linear', toZero: true }
        : style === 'exponential'
          ? // lr·exp(−0.693·(n − W)/(E − W)), floored at min_lr and decaying on past E.
            { kind: 'exponential', rate: 0.693 }
          : { kind: 'constant' };
  if (!yaml.has(['lr_decay_style'])) out.notes.push('`lr-decay-style` not set: GPT-NeoX default linear');
  if (!yaml.has(['warmup']))
    out.notes.push('`warmup` not set: GPT-NeoX default 0.01 of the decay iterations');
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: style === 'constant' ? Math.max(lr, minLr) : minLr,
    warmup,
    warmupShape: 'linear-floor-one',
    decay,
    horizon,
  };
  if (iters !== undefined) out.runLength = iters;
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}
