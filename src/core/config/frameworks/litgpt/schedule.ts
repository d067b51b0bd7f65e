/**
 * The LR schedule of a LitGPT pretraining YAML (`litgpt pretrain --config`). Batch and run length are
 * the litgpt reader's. Semantics and defaults from Lightning-AI/litgpt@26857050fe3ff627cd714fe92f5838f51a3d5efa:
 * - litgpt/pretrain.py `setup` defaults: train.lr_warmup_steps 2000, train.min_lr 4e-5 (TrainArgs in
 *   args.py has 100 and 6e-5, but the pretrain entry point's own default object wins), optimizer AdamW
 *   (torch default lr 1e-3).
 * - `get_lr(lr, it, warmup_iters, max_iters, min_lr)`: lr·it/warmup_iters, then cosine to min_lr at
 *   max_iters = max_tokens / (micro batch × seq) per device; it counts micro-batches and
 *   warmup_iters = lr_warmup_steps × gradient-accumulation iterations (args.py `warmup_iters`), so in
 *   optimizer steps the warmup is lr_warmup_steps and the cosine ends with the run.
 * The LR is set before every micro-batch; an optimizer step uses the one of its last micro-batch, so
 * with gradient accumulation A the warmup runs ahead of this curve by (1 − 1/A) of a step (exact at
 * A = 1; A depends on the GPU count, which the file does not state).
 * Finetuning scripts use a different scheduler (finetune/*.py `get_lr_scheduler`): not modeled.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, YamlKeys } from '../../../schedule/common';
import type { ExtractedSchedule } from '../../../schedule/types';

export function litgptSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const yaml = new YamlKeys(text, out);
  if (!yaml.source) return out;
  const { training, error } = readTraining(text, context, spec);
  if (error) {
    out.errors.push(error);
    return out;
  }
  if (training?.finetune) {
    out.errors.push(
      'LitGPT finetuning uses its own scheduler (LambdaLR warmup, then CosineAnnealingLR over the epochs): not modeled',
    );
    return out;
  }
  const lr =
    yaml.number(['optimizer', 'init_args', 'lr']) ??
    (typeof yaml.get(['optimizer']) === 'string' || !yaml.has(['optimizer']) ? 1e-3 : undefined);
  if (lr === undefined) out.errors.push('`optimizer.init_args.lr` is not set');
  else if (!yaml.has(['optimizer', 'init_args', 'lr']))
    out.notes.push('optimizer lr not set: torch AdamW default 1e-3');
  const warmupFraction = yaml.number(['train', 'lr_warmup_fraction']);
  const warmupSteps = yaml.has(['train', 'lr_warmup_steps'])
    ? yaml.number(['train', 'lr_warmup_steps'])
    : 2000;
  const minLr = yaml.number(['train', 'min_lr']) ?? 4e-5;
  if (!yaml.has(['train', 'min_lr'])) out.notes.push('`train.min_lr` not set: litgpt pretrain default 4e-5');
  if (!yaml.has(['train', 'lr_warmup_steps']) && !warmupFraction)
    out.notes.push('`train.lr_warmup_steps` not set: litgpt pretrain default 2000');
  yaml.get(['train', 'max_tokens']);
  if (warmupFraction)
    out.errors.push(
      '`train.lr_warmup_fraction` is a fraction of the dataloader length, which the file does not give',
    );
  if (lr !== undefined && !(lr > 0)) out.errors.push(`the LR ${lr} is not positive`);
  const runErrors: string[] = [];
  const run = batchAndLength(training, runErrors);
  const steps =
    run?.totalSteps ??
    (run?.totalTokens !== undefined ? Math.floor(run.totalTokens / run.batchTokens) : undefined);
  if (out.errors.length || lr === undefined) return out;
  if (steps === undefined) return { ...out, errors: runErrors };
  const warmup = Math.min(steps, warmupSteps ?? 0);
  out.notes.push(
    'LR set per micro-batch: with gradient accumulation the warmup runs < 1 step ahead of this curve',
  );
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: minLr,
    warmup,
    warmupShape: 'linear',
    decay: { kind: 'cosine' },
    horizon: steps,
  };
  out.runLength = steps;
  out.plan = {
    schedule: out.schedule,
    batchTokens: run!.batchTokens,
    sequenceLength: run!.seqLen,
    totalSteps: steps,
  };
  return out;
}
