/**
 * The LR schedule of a NeMo 2.x recipe: `recipe.optim` = MegatronOptimizerModule(config=OptimizerConfig(lr=…),
 * lr_scheduler=CosineAnnealingScheduler(warmup_steps, constant_steps, min_lr)) as the recipe's
 * `distributed_fused_adam_with_cosine_annealing` builds it (recipes/optim/adam.py, in the generated table),
 * then the file's literal edits. Semantics (NVIDIA/NeMo@8cfedd72):
 * - nemo/lightning/pytorch/optim/lr_scheduler.py CosineAnnealingScheduler builds nemo.core.optim.lr_scheduler
 *   CosineAnnealing — the class the NeMo 1.x schedule models (../nemo/schedule.ts) — stepped per optimizer step;
 * - its max_steps (default 10, never set by the recipes) is overwritten with trainer.max_steps by
 *   MegatronStrategy.setup (strategies/megatron_strategy.py: `self.model.optim.lr_scheduler.max_steps =
 *   trainer.max_steps`);
 * - constant_steps 0: warmup lr·(step + 1)/(W + 1), then cosine to min_lr at max_steps; constant_steps > 0:
 *   warmup lr·step/W, cosine over max_steps − constant − W, then min_lr held.
 * Any other scheduler or optimizer module, or a non-constant value: an error naming the key.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled, runPlan } from '../../../schedule/common';
import type { ExtractedSchedule } from '../../../schedule/types';

/** What the reader found (reader.ts fills it; values already resolved against the call's arguments). */
export interface Nemo2ScheduleInput {
  /** Why the optimizer module is not read, if it is not. */
  problem?: string;
  lr?: unknown;
  warmupSteps?: unknown;
  constantSteps?: unknown;
  minLr?: unknown;
  maxSteps?: unknown;
  /** 1-based line of the recipe call (every table value's source) and of each edit. */
  lines: Record<string, number>;
}

let readInput: (text: string) => Nemo2ScheduleInput | undefined = () => undefined;
/** Set by reader.ts (no import cycle at load time). */
export function setScheduleReader(fn: (text: string) => Nemo2ScheduleInput | undefined): void {
  readInput = fn;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function nemo2Schedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const input = readInput(text);
  if (!input) {
    out.errors.push('no NeMo 2 recipe the schedule can be read from');
    return out;
  }
  out.keyLines = { ...input.lines };
  if (input.problem) {
    out.errors.push(input.problem);
    return out;
  }
  const { lr, warmupSteps, constantSteps, minLr, maxSteps } = input;
  if (!isNum(lr) || !(lr > 0)) out.errors.push(unmodeled('optim.config.lr', lr, 'not a positive constant'));
  for (const [key, v] of [
    ['optim.lr_scheduler.warmup_steps', warmupSteps],
    ['optim.lr_scheduler.constant_steps', constantSteps],
  ] as const)
    if (!isNum(v) || v < 0 || !Number.isInteger(v)) out.errors.push(unmodeled(key, v, 'not a step count'));
  if (!isNum(minLr) || minLr < 0)
    out.errors.push(unmodeled('optim.lr_scheduler.min_lr', minLr, 'not a constant'));
  if (!isNum(maxSteps) || !(maxSteps > 0))
    out.errors.push(
      '`trainer.max_steps` is needed for the schedule (MegatronStrategy copies it to the scheduler)',
    );
  if (out.errors.length) return out;
  const peak = lr as number;
  const w = warmupSteps as number;
  const c = constantSteps as number;
  const floor = minLr as number;
  const max = maxSteps as number;
  if (peak < floor)
    out.errors.push(`optim.config.lr ${peak} is below min_lr ${floor}: NeMo's CosineAnnealing raises`);
  const decay = max - c - w;
  if (!(decay > 0))
    out.errors.push(`warmup ${w} + constant ${c} steps leave no decay before max_steps ${max}`);
  if (out.errors.length) return out;
  out.schedule = {
    unit: 'steps',
    peakLr: peak,
    finalLr: floor,
    warmup: w,
    warmupShape: c > 0 ? 'linear' : 'linear-plus-one',
    decay: { kind: 'cosine' },
    horizon: w + decay,
  };
  out.runLength = max;
  const { training, error } = readTraining(text, context, spec);
  const runErrors: string[] = error ? [error] : [];
  const run = batchAndLength(training, runErrors);
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}
