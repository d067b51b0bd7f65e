/**
 * The LR schedule of a NeMo (1.x Megatron) YAML: `model.optim.lr`, `model.optim.sched`,
 * `trainer.max_steps`. Batch and run length are the nemo reader's. Semantics from
 * NVIDIA/NeMo@8cfedd7203462cb251a914e700e5605444277561 nemo/core/optim/lr_scheduler.py
 * (`WarmupAnnealHoldPolicy`, `CosineAnnealing`), stepped once per optimizer step:
 * - warmup_steps (or int(warmup_ratio·max_steps)), constant_steps (or int(constant_ratio·max_steps)),
 *   min_lr 0, max_steps (default trainer.max_steps).
 * - constant_steps 0: warmup lr·(step + 1)/(W + 1) for step ≤ W, then cosine to min_lr at max_steps.
 * - constant_steps > 0 (Megatron style): warmup lr·step/W, cosine over max_steps − constant − W, then
 *   min_lr held for the constant steps.
 * Other schedulers (WarmupAnnealing, InverseSquareRootAnnealing, Noam, polynomial, …): not modeled.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled, YamlKeys } from '../../../schedule/common';
import type { ExtractedSchedule } from '../../../schedule/types';

export function nemoSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const yaml = new YamlKeys(text, out);
  if (!yaml.source) return out;
  const s = (key: string) => ['model', 'optim', 'sched', key];
  const lr = yaml.number(['model', 'optim', 'lr']);
  const name = yaml.string(s('name'));
  const maxSteps = yaml.number(s('max_steps')) ?? yaml.number(['trainer', 'max_steps']);
  if (lr === undefined) out.errors.push('`model.optim.lr` is not set');
  else if (!(lr > 0)) out.errors.push(`\`model.optim.lr\` = ${lr} is not positive`);
  if (name === undefined) out.errors.push('no `model.optim.sched`: the LR stays at model.optim.lr');
  else if (name !== 'CosineAnnealing')
    out.errors.push(unmodeled('model.optim.sched.name', name, 'modeled: CosineAnnealing'));
  if (!(maxSteps !== undefined && maxSteps > 0))
    out.errors.push('`trainer.max_steps` is needed for the schedule');
  if (out.errors.length || lr === undefined || maxSteps === undefined) return out;
  const warmupSteps = yaml.number(s('warmup_steps'));
  const warmupRatio = yaml.number(s('warmup_ratio'));
  const constantSteps = yaml.number(s('constant_steps'));
  const constantRatio = yaml.number(s('constant_ratio'));
  const minLr = yaml.number(s('min_lr')) ?? 0;
  const warmup = warmupSteps ?? (warmupRatio !== undefined ? Math.trunc(warmupRatio * maxSteps) : 0);
  const constant = constantSteps ?? (constantRatio !== undefined ? Math.trunc(constantRatio * maxSteps) : 0);
  if (lr < minLr) out.errors.push(`\`model.optim.lr\` ${lr} is below min_lr ${minLr}: NeMo raises`);
  const decaySteps = maxSteps - constant - warmup;
  if (!(decaySteps > 0)) out.errors.push(`warmup ${warmup} + constant ${constant} steps leave no decay`);
  if (out.errors.length) return out;
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: minLr,
    warmup,
    warmupShape: constant > 0 ? 'linear' : 'linear-plus-one',
    decay: { kind: 'cosine' },
    horizon: warmup + decaySteps,
  };
  out.runLength = yaml.number(['trainer', 'max_steps']) ?? maxSteps;
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
