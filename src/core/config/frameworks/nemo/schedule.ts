/**
 * The LR schedule of a NeMo (1.x Megatron) YAML: `model.optim.lr`, `model.optim.sched`,
 * `trainer.max_steps`. Batch and run length are the nemo reader's. Semantics from
 * NVIDIA/NeMo@8cfedd7203462cb251a914e700e5605444277561 nemo/core/optim/lr_scheduler.py, stepped
 * once per optimizer step (interval 'step'; the LR of optimizer step k is the scheduler's at
 * last_epoch = k − 1):
 * - horizon max_steps: nemo/core/classes/modelPT.py `setup_optimization` sets
 *   sched.max_steps = trainer.max_steps whenever trainer.max_steps ≥ 0; otherwise sched.max_steps,
 *   and with neither, epochs (not modelled). A written sched.max_steps ≠ trainer.max_steps is an
 *   error: megatron_base_model.py `configure_optimizers` rebuilds the scheduler from the written
 *   cfg.optim.sched under megatron_amp_O2 without distributed Adam.
 *   sched.max_steps −1: `prepare_lr_scheduler` returns no scheduler and MegatronBaseModel raises.
 * - warmup_steps or int(warmup_ratio·max_steps) (both: asserted), constant_steps or
 *   int(constant_ratio·max_steps), min_lr default 0 (SquareAnnealing's 1e-5 is not modelled).
 * - CosineAnnealing (WarmupAnnealHoldPolicy), constant_steps 0: warmup lr·(step + 1)/(W + 1) for
 *   step ≤ W, then cosine to min_lr at max_steps. constant_steps > 0 (Megatron style): warmup
 *   lr·step/W, cosine over max_steps − constant − W, then min_lr held for the constant steps.
 * - WarmupAnnealing (WarmupPolicy): same warmup, then min + (lr − min)·(1 − (step − W)/(max − W)).
 * - PolynomialDecayAnnealing, cycle false: the same with (1 − p)^power (`_poly_decay`; power 1 is that line).
 * - InverseSquareRootAnnealing: same warmup, then lr/√((step + 1)/(W + 1)), min_lr only past max_steps.
 * - NoamAnnealing: lr·d_model^−½·min(s^−½, s·W^−1.5), s = max(1, step), floored at min_lr past W.
 * Others (SquareRootAnnealing, SquareAnnealing, WarmupHold*, NoamHold, cyclic polynomial, …):
 * errors naming the key.
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
import type { ExtractedSchedule, LrSchedule } from '../../../schedule/types';

const MODELED = [
  'CosineAnnealing',
  'WarmupAnnealing',
  'PolynomialDecayAnnealing',
  'InverseSquareRootAnnealing',
  'NoamAnnealing',
] as const;

/** Formulas of the schedulers this module does not express (for the error message). */
const UNMODELED_NAMES: Record<string, string> = {
  SquareRootAnnealing: 'max(min_lr, lr·√((max_steps − step)/max_steps)) after warmup',
  SquareAnnealing: 'max(min_lr, lr·((max_steps − step)/(max_steps − W))²), min_lr default 1e-5',
  T5InverseSquareRootAnnealing: '1/√step, independent of lr',
  WarmupHoldPolicy: 'warmup, hold, then constant',
  WarmupHoldAnnealLinear: 'warmup, hold, linear from hold_steps',
  WarmupHoldAnnealOneMinusSquareRoot: 'warmup, hold, max(min_lr, lr·(1 − √ratio))',
  NoamHoldAnnealing: 'warmup, hold, lr·W^r/(step − hold)^r',
  PolynomialHoldDecayAnnealing: 'warmup, hold, polynomial decay',
  SquareRootConstantPolicy: 'constant 1/√constant_steps',
  WarmupPolicy: 'warmup, then constant',
};

export function nemoSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const yaml = new YamlKeys(text, out);
  if (!yaml.source) return out;
  const s = (key: string) => ['model', 'optim', 'sched', key];
  const lr = yaml.number(['model', 'optim', 'lr']);
  const name = yaml.string(s('name'));
  const trainerMax = yaml.number(['trainer', 'max_steps']);
  const schedMax = yaml.number(s('max_steps'));
  // modelPT.py setup_optimization: trainer.max_steps ≥ 0 replaces sched.max_steps.
  const maxSteps = trainerMax !== undefined && trainerMax >= 0 ? trainerMax : schedMax;
  if (lr === undefined) out.errors.push('`model.optim.lr` is not set');
  else if (!(lr > 0)) out.errors.push(`\`model.optim.lr\` = ${lr} is not positive`);
  if (name === undefined) out.errors.push('no `model.optim.sched`: the LR stays at model.optim.lr');
  else if (yaml.has(s('_target_')))
    out.errors.push(
      unmodeled('model.optim.sched._target_', yaml.string(s('_target_')), 'a scheduler by class path'),
    );
  else if (!(MODELED as readonly string[]).includes(name))
    out.errors.push(
      unmodeled(
        'model.optim.sched.name',
        name,
        UNMODELED_NAMES[name]
          ? `${UNMODELED_NAMES[name]} is not modelled`
          : `modelled: ${MODELED.join(', ')}`,
      ),
    );
  if (trainerMax !== undefined && trainerMax >= 0 && schedMax !== undefined && schedMax !== trainerMax)
    // modelPT.py setup_optimization builds the scheduler with trainer.max_steps, but
    // megatron_base_model.py configure_optimizers rebuilds it from cfg.optim.sched (the written
    // max_steps) under megatron_amp_O2 without distributed Adam: which horizon runs depends on both.
    out.errors.push(
      unmodeled(
        'model.optim.sched.max_steps',
        String(schedMax),
        `differs from trainer.max_steps ${trainerMax}; NeMo uses one or the other depending on megatron_amp_O2 and the optimizer`,
      ),
    );
  else if (maxSteps === -1 && !(trainerMax !== undefined && trainerMax >= 0))
    out.errors.push(
      '`model.optim.sched.max_steps` = -1: NeMo instantiates no scheduler and MegatronBaseModel raises',
    );
  else if (!(maxSteps !== undefined && maxSteps > 0))
    out.errors.push(
      '`trainer.max_steps` is needed for the schedule (NeMo derives max_steps from epochs otherwise)',
    );
  const lastEpoch = yaml.number(s('last_epoch'));
  if (lastEpoch !== undefined && lastEpoch !== -1)
    out.errors.push(
      unmodeled('model.optim.sched.last_epoch', String(lastEpoch), 'a scheduler resumed mid-way'),
    );
  if (out.errors.length || lr === undefined || maxSteps === undefined || name === undefined) return out;

  const warmupSteps = yaml.number(s('warmup_steps'));
  const warmupRatio = yaml.number(s('warmup_ratio'));
  const constantSteps = yaml.number(s('constant_steps'));
  const constantRatio = yaml.number(s('constant_ratio'));
  const minLr = yaml.number(s('min_lr')) ?? 0;
  // WarmupPolicy / WarmupAnnealHoldPolicy.__init__ assert "Either use particular number of step or ratio".
  if (warmupSteps !== undefined && warmupRatio !== undefined)
    out.errors.push('`model.optim.sched.warmup_steps` with `warmup_ratio`: NeMo asserts only one is set');
  const warmup = warmupSteps ?? (warmupRatio !== undefined ? Math.trunc(warmupRatio * maxSteps) : 0);
  let constant = 0;
  if (name === 'CosineAnnealing') {
    if (constantSteps !== undefined && constantRatio !== undefined)
      out.errors.push(
        '`model.optim.sched.constant_steps` with `constant_ratio`: NeMo asserts only one is set',
      );
    constant = constantSteps ?? (constantRatio !== undefined ? Math.trunc(constantRatio * maxSteps) : 0);
  } else if (constantSteps || constantRatio)
    out.errors.push(
      unmodeled(
        'model.optim.sched.constant_steps',
        constantSteps ?? constantRatio,
        `${name} takes no constant phase`,
      ),
    );
  if (lr < minLr) out.errors.push(`\`model.optim.lr\` ${lr} is below min_lr ${minLr}: NeMo raises`);
  const decaySteps = maxSteps - constant - warmup;
  if (!(decaySteps > 0)) out.errors.push(`warmup ${warmup} + constant ${constant} steps leave no decay`);
  if (out.errors.length) return out;

  let schedule: LrSchedule | undefined;
  const base = { unit: 'steps' as const, peakLr: lr, finalLr: minLr, warmup };
  if (name === 'CosineAnnealing')
    schedule = {
      ...base,
      warmupShape: constant > 0 ? 'linear' : 'linear-plus-one',
      decay: { kind: 'cosine' },
      horizon: warmup + decaySteps,
    };
  else if (name === 'WarmupAnnealing' || name === 'PolynomialDecayAnnealing') {
    let power = 1;
    if (name === 'PolynomialDecayAnnealing') {
      power = yaml.number(s('power')) ?? 1;
      const cycle = yaml.get(s('cycle'));
      if (!(power > 0) || !Number.isFinite(power))
        out.errors.push(unmodeled('model.optim.sched.power', String(power), 'not a positive power'));
      if (cycle === true || cycle === 'true' || cycle === 'True')
        out.errors.push(
          unmodeled('model.optim.sched.cycle', 'true', 'cyclic polynomial decay is not modelled'),
        );
    }
    // _poly_decay(step − W, max_steps − W, power): min + (lr − min)·(1 − p)^power; power 1 is linear.
    schedule = {
      ...base,
      warmupShape: 'linear-plus-one',
      decay: power === 1 ? { kind: 'linear' } : { kind: 'polynomial', power },
      horizon: maxSteps,
    };
  } else if (name === 'InverseSquareRootAnnealing') {
    // lr·√((W + 1)/(step + 1)) with no min_lr floor before max_steps: evaluated one step ahead
    // (x = step + 1) it is peak·√(t/x) with t = W + 1, the warmup (step + 1)/(W + 1) becomes x/(W + 1),
    // and "step > max_steps → min_lr" becomes x > max_steps + 1. The model floors at min_lr: exact
    // only while that floor never binds (min_lr ≤ the LR at max_steps).
    const atMax = lr * Math.sqrt((warmup + 1) / (maxSteps + 1));
    if (minLr > atMax)
      out.errors.push(
        unmodeled(
          'model.optim.sched.min_lr',
          String(minLr),
          `InverseSquareRootAnnealing does not floor at min_lr before max_steps (LR there ${atMax})`,
        ),
      );
    schedule = {
      ...base,
      warmup: warmup + 1,
      warmupShape: 'linear',
      decay: { kind: 'inverse-sqrt', timescale: warmup + 1, finalAfterHorizon: true },
      horizon: maxSteps + 1,
      positionOffset: 1,
    };
  } else {
    // NoamAnnealing: peak lr·d^−½·W^−½ at step W; warmup peak·max(1, step)/W; after it
    // peak·√(W/step) floored at min_lr (no max_steps cutoff).
    const dModel = yaml.number(s('d_model'));
    if (!(dModel !== undefined && dModel > 0)) {
      out.errors.push('`model.optim.sched.d_model` is needed for NoamAnnealing');
      return out;
    }
    const w = Math.max(warmup, 1);
    const peak = lr * dModel ** -0.5 * w ** -0.5;
    schedule = {
      ...base,
      peakLr: peak,
      warmupShape: 'linear-floor-one',
      decay: { kind: 'inverse-sqrt', timescale: w },
      horizon: maxSteps,
    };
    out.notes.push(`NoamAnnealing: peak LR = lr·d_model^−½·warmup^−½ = ${peak}`);
  }
  if (out.errors.length) return out;
  out.schedule = schedule;
  out.runLength = trainerMax !== undefined && trainerMax >= 0 ? trainerMax : maxSteps;
  const { training, error } = readTraining(text, context, spec);
  const runErrors: string[] = error ? [error] : [];
  const run = batchAndLength(training, runErrors);
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}
