import type { BatchRamp, CompiledRun, LrSchedule, RunPlan } from './types';

/**
 * The LR at position x (steps or tokens, the schedule's unit), x counted from 0. Conventions:
 * linear warmup η = start + (peak − start)·x/W (Megatron-LM, HF `get_*_schedule_with_warmup`);
 * after warmup the progress p = (x − W)/(H − W) runs to the horizon H; past H the LR is `finalLr`
 * (GPT-3 "continues at 10%", Brown et al. 2020 App. B).
 */
export function lrAt(schedule: LrSchedule, x: number): number {
  if (schedule.positionOffset) x = Math.max(0, x + schedule.positionOffset);
  const { peakLr: peak, finalLr: final, warmup: w, horizon: h, decay } = schedule;
  if (schedule.zeroFrom !== undefined && x >= schedule.zeroFrom) return 0;
  if (decay.kind === 'onecycle') {
    // torch.optim.lr_scheduler.OneCycleLR: phase ends at pct_start·total − 1 and total − 1.
    const up = decay.pctStart * h - 1;
    const end = h - 1;
    const initial = peak / decay.divFactor;
    const min = initial / decay.finalDivFactor;
    const anneal = (from: number, to: number, q: number) =>
      decay.anneal === 'cos' ? to + ((from - to) / 2) * (1 + Math.cos(Math.PI * q)) : from + (to - from) * q;
    if (x <= up) return anneal(initial, peak, up > 0 ? x / up : 1);
    return anneal(peak, min, Math.min(1, (x - up) / Math.max(end - up, 1e-300)));
  }
  if (x < w) {
    if (schedule.warmupShape === 'constant') return peak;
    if (schedule.warmupShape === 'linear-plus-one') return (peak * (x + 1)) / (w + 1);
    if (schedule.warmupShape === 'linear-offset') return (peak * (x + 1)) / w;
    if (schedule.warmupShape === 'linear-floor-one') return (peak * Math.max(1, x)) / w;
    if (schedule.warmupShape === 'quadratic') return peak * (x / w) ** 2;
    if (schedule.warmupShape === 'log') {
      const start = schedule.warmupStartLr ?? 0;
      // ln(W) is 0 for W = 1; DeepSpeed clamps W to at least 2, so the extractor passes W ≥ 2.
      return start + ((peak - start) * Math.log(x + 1)) / Math.log(Math.max(w, 2));
    }
    const start = schedule.warmupStartLr ?? 0;
    return start + ((peak - start) * x) / w;
  }
  if (schedule.decayShift) x += schedule.decayShift;
  if (decay.kind === 'constant') return peak;
  if (decay.kind === 'step') {
    let lr = peak;
    for (const m of decay.milestones) if (x >= m) lr *= decay.gamma;
    return lr;
  }
  if (decay.kind === 'inverse-sqrt') {
    if (decay.finalAfterHorizon && x > h) return final;
    const t = decay.timescale ?? Math.max(w, 1);
    return Math.max(final, peak * Math.sqrt(t / Math.max(x, t)));
  }
  if (decay.kind === 'exponential')
    return Math.max(final, peak * Math.exp((-decay.rate * (x - w)) / Math.max(h - w, 1e-300)));
  if (x >= h) return final;
  const p = h > w ? (x - w) / (h - w) : 1;
  switch (decay.kind) {
    case 'cosine':
      return final + 0.5 * (peak - final) * (1 + Math.cos(Math.PI * p));
    case 'linear':
      if (decay.toZero) return Math.max(final, peak * (1 - p));
      return peak + (final - peak) * p;
    case 'polynomial':
      return final + (peak - final) * (1 - p) ** decay.power;
    case 'wsd': {
      const cooldown = decay.cooldownFraction * (h - w);
      const start = h - cooldown;
      if (x < start) return peak;
      const q = cooldown > 0 ? (x - start) / cooldown : 1;
      if (decay.shape === 'linear') return peak + (final - peak) * q;
      if (decay.shape === 'cosine') return final + 0.5 * (peak - final) * (1 + Math.cos(Math.PI * q));
      if (decay.shape === '1-sqrt') return final + (peak - final) * (1 - Math.sqrt(q));
      if (decay.shape === 'half-exponential') return final + (peak - final) * (2 * 0.5 ** q - 1);
      return final > 0 ? peak ** (1 - q) * final ** q : peak * (1 - q);
    }
  }
}

/** Problems with a schedule or run, as messages (empty when usable). Never throws. */
export function validateRun(plan: RunPlan): string[] {
  const s = plan.schedule;
  const out: string[] = [];
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;
  if (!positive(s.peakLr)) out.push(`peak LR must be a positive number (got ${s.peakLr})`);
  if (!nonNegative(s.finalLr)) out.push(`final LR must be ≥ 0 (got ${s.finalLr})`);
  if (!nonNegative(s.warmup)) out.push(`warmup must be ≥ 0 (got ${s.warmup})`);
  if (!positive(s.horizon)) out.push(`decay horizon must be positive (got ${s.horizon})`);
  if (s.decay.kind === 'wsd' && !(s.decay.cooldownFraction >= 0 && s.decay.cooldownFraction <= 1))
    out.push(`WSD cooldown fraction must be in [0, 1] (got ${s.decay.cooldownFraction})`);
  if (s.decay.kind === 'exponential' && !positive(s.decay.rate))
    out.push(`exponential decay rate must be a positive number (got ${s.decay.rate})`);
  if (s.decay.kind === 'polynomial' && !positive(s.decay.power))
    out.push(`polynomial decay power must be a positive number (got ${s.decay.power})`);
  if (!positive(plan.batchTokens))
    out.push(`batch (tokens per step) must be positive (got ${plan.batchTokens})`);
  const length =
    plan.totalSteps ?? (plan.totalTokens !== undefined ? plan.totalTokens / plan.batchTokens : NaN);
  if (!positive(length)) out.push('run length (steps or tokens) must be positive');
  else if (length > 5e7)
    out.push(`run of ${length.toExponential(2)} steps is beyond the 5e7 steps this model expands`);
  if (plan.ramp?.kind === 'megatron' && !positive(plan.sequenceLength ?? NaN))
    out.push('Megatron batch ramp-up needs the sequence length');
  return out;
}

/** Tokens of the step that starts after `seen` tokens (and `step` steps) under a ramp. */
function batchAt(plan: RunPlan, ramp: BatchRamp | undefined, seen: number): number {
  if (!ramp) return plan.batchTokens;
  if (ramp.kind === 'tokens-linear') {
    if (seen >= ramp.rampTokens) return plan.batchTokens;
    return ramp.startTokens + ((plan.batchTokens - ramp.startTokens) * seen) / ramp.rampTokens;
  }
  // Megatron-LM microbatches.py RampupBatchsizeNumMicroBatches: increments happen every
  // rampSamples / ((global − start)/increment) consumed samples.
  const seq = plan.sequenceLength!;
  const global = plan.batchTokens / seq;
  const samples = seen / seq;
  if (samples >= ramp.rampSamples) return plan.batchTokens;
  const increments = Math.max(1, (global - ramp.startSequences) / ramp.incrementSequences);
  const interval = ramp.rampSamples / increments;
  const batch = Math.min(
    global,
    ramp.startSequences + Math.floor(samples / interval) * ramp.incrementSequences,
  );
  return batch * seq;
}

/**
 * Expand a run step by step. The LR of step i (1-based) is taken at position i − 1 (steps or tokens
 * seen before the step), so step 1 of a linear warmup from 0 has LR 0 as in PyTorch's LambdaLR.
 * Returns undefined with the messages of `validateRun` when the plan is unusable.
 */
export function compileRun(plan: RunPlan): { run?: CompiledRun; errors: string[] } {
  const errors = validateRun(plan);
  if (errors.length) return { errors };
  const lr: number[] = [];
  const tokens: number[] = [];
  let seen = 0;
  const byTokens = plan.schedule.unit === 'tokens';
  const maxSteps = plan.totalSteps ?? Infinity;
  const maxTokens = plan.totalTokens ?? Infinity;
  for (let step = 0; step < maxSteps && seen < maxTokens - 1e-6; step++) {
    lr.push(lrAt(plan.schedule, byTokens ? seen : step));
    seen += batchAt(plan, plan.ramp, seen);
    tokens.push(seen);
  }
  return {
    run: { lr: Float64Array.from(lr), tokens: Float64Array.from(tokens), peakLr: plan.schedule.peakLr },
    errors,
  };
}

/** A compact summary for hovers: warmup, peak, horizon, final, and a 16-character sparkline. */
export function describeSchedule(schedule: LrSchedule, runLength: number): string {
  const bars = '▁▂▃▄▅▆▇█';
  let line = '';
  for (let k = 0; k < 16; k++) {
    const v = lrAt(schedule, ((k + 0.5) / 16) * runLength) / schedule.peakLr;
    line += bars[Math.max(0, Math.min(7, Math.round(v * 7)))];
  }
  const u = schedule.unit === 'tokens' ? ' tokens' : ' steps';
  return `${line}  warmup ${schedule.warmup}${u} · peak ${schedule.peakLr} · ${schedule.decay.kind} to ${schedule.finalLr} at ${schedule.horizon}${u}`;
}
