/**
 * The LR schedule of an OLMo-core Python training script (`scheduler=CosWithWarmup(...)`, the
 * optimizer's `lr=`, `max_duration=Duration.tokens(...)`). Batch and run length are the olmo-core
 * reader's; this module reads the scheduler call and the LR with a small literal reader (numbers,
 * `int(...)`, arithmetic, and module-level NAME = value), nothing executed. Semantics and defaults from
 * allenai/OLMo-core@fa6c5014c9f6e9ee789da2d9c20d5126fee8df0d (audited again at that commit):
 * - src/olmo_core/optim/scheduler.py: CosWithWarmup (warmup | warmup_steps | warmup_fraction, alpha_f
 *   0.1, t_max = the trainer's, warmup_min_lr 0): warmup_min + (lr − min)·current/W for current < W,
 *   then cosine to lr·alpha_f at t_max; LinearWithWarmup: the same with a linear decay; WSD (decay |
 *   decay_fraction 0.1 — passing `decay` needs `decay_fraction=None`, else __post_init__ raises —,
 *   decay_min_lr 0): warmup for current ≤ W, constant, linear to decay_min_lr over the last `decay`;
 *   ConstantWithWarmup; ConstantScheduler (the LR throughout, no warmup). `round()` of the
 *   fractions is Python's (half to even). `_linear_warmup` / `_linear_decay` assert min < lr.
 * - Scheduler.set_lr: `units` steps → get_lr(lr, trainer.global_step, trainer.max_steps); tokens →
 *   get_lr(lr, trainer.global_train_tokens_seen, trainer.max_tokens).
 * - src/olmo_core/train/trainer.py: `global_step += 1` and `global_train_tokens_seen += batch`
 *   before the batch is trained, so step k uses the schedule at current = k (or k batches of
 *   tokens): one ahead of compileRun's position; max_steps for a tokens duration is
 *   ceil(max_tokens / tokens_per_batch), max_tokens for a steps duration steps·tokens_per_batch.
 *   A `hard_stop` ends the run early, not the schedule.
 */
import { evaluateArithmetic } from '../../values';
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled, runPlan } from '../../../schedule/common';
import type { DecayShape, ExtractedSchedule } from '../../../schedule/types';

/** Python source with comments and string contents blanked (offsets kept). */
function mask(text: string): string {
  return text.replace(
    /#[^\n]*|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')/g,
    (m) => m.replace(/[^\n]/g, ' '),
  );
}

/** The text between the parenthesis at `open` and its match, or undefined. */
function callBody(code: string, open: number): { body: string; start: number } | undefined {
  let depth = 0;
  for (let i = open; i < code.length && i < open + 100_000; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')' && --depth === 0) return { body: code.slice(open + 1, i), start: open + 1 };
  }
  return undefined;
}

/** Python's round(): halves go to the even integer. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** `name=expr` keyword arguments at depth 0. */
function kwargs(body: string, start: number): Map<string, { expr: string; offset: number }> {
  const out = new Map<string, { expr: string; offset: number }>();
  let depth = 0;
  let from = 0;
  const push = (to: number) => {
    const part = body.slice(from, to);
    const m = /^\s*([A-Za-z_]\w*)\s*=\s*([\s\S]+?)\s*$/.exec(part);
    if (m) out.set(m[1]!, { expr: m[2]!, offset: start + from + part.indexOf(m[1]!) });
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if ('([{'.includes(c!)) depth++;
    else if (')]}'.includes(c!)) depth--;
    else if (c === ',' && depth === 0) {
      push(i);
      from = i + 1;
    }
  }
  push(body.length);
  return out;
}

export function olmoCoreSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const code = mask(text);
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  /** A number from a literal, int(...), arithmetic or a module-level NAME (bounded recursion). */
  const value = (expr: string, depth = 0): number | undefined => {
    const e = expr.trim();
    if (depth > 8) return undefined;
    // Underscores are digit separators only in numbers (NAME_LIKE_THIS keeps them).
    const direct = /^[\d_.eE+\-*/() ]+$/.test(e) ? evaluateArithmetic(e.replace(/_/g, '')) : undefined;
    if (direct !== undefined) return direct;
    const int = /^int\(([\s\S]+)\)$/.exec(e);
    if (int) {
      const v = value(int[1]!, depth + 1);
      return v === undefined ? undefined : Math.trunc(v);
    }
    if (/^[A-Za-z_]\w*$/.test(e)) {
      const assignment = new RegExp(`^${e}\\s*(?::[^=\\n]+)?=\\s*([^\\n]+)$`, 'gm');
      let last: RegExpExecArray | null = null;
      for (let m = assignment.exec(code); m; m = assignment.exec(code)) last = m;
      return last ? value(last[1]!, depth + 1) : undefined;
    }
    return undefined;
  };
  const call = /\bscheduler\s*=\s*([A-Za-z_]\w*)\s*\(/.exec(code);
  if (!call) {
    out.errors.push('no `scheduler=` call found in the script');
    return out;
  }
  const name = call[1]!;
  out.keyLines.scheduler = lineAt(call.index);
  const body = callBody(code, call.index + call[0].length - 1);
  if (!body) {
    out.errors.push('the scheduler call is not closed');
    return out;
  }
  const args = kwargs(body.body, body.start);
  /** A keyword argument's number; `None` (the dataclass default of an Optional field) is absent. */
  const arg = (key: string): number | undefined => {
    const a = args.get(key);
    if (!a || a.expr.trim() === 'None') return undefined;
    out.keyLines[`scheduler.${key}`] = lineAt(a.offset);
    const v = value(a.expr);
    if (v === undefined)
      out.errors.push(`\`${key}=${a.expr.trim()}\` is not a number Scaling Lens can read statically`);
    return v;
  };
  const lrMatch = /\blr\s*=\s*([^,\n]+)/.exec(code);
  // `lr=3e-4)` at the end of a call: drop the closing parentheses that are not the value's own.
  if (lrMatch) {
    let v = lrMatch[1]!.trim();
    while (v.endsWith(')') && (v.match(/\)/g)?.length ?? 0) > (v.match(/\(/g)?.length ?? 0))
      v = v.slice(0, -1).trim();
    lrMatch[1] = v;
  }
  const lr = lrMatch ? value(lrMatch[1]!) : undefined;
  if (lrMatch) out.keyLines.lr = lineAt(lrMatch.index);
  if (lr === undefined)
    out.errors.push(
      lrMatch
        ? `\`lr=${lrMatch[1]!.trim()}\` is not a number Scaling Lens can read statically`
        : 'no `lr=` found',
    );
  const MODELED = ['CosWithWarmup', 'LinearWithWarmup', 'WSD', 'ConstantWithWarmup', 'ConstantScheduler'];
  if (!MODELED.includes(name))
    out.errors.push(unmodeled('scheduler', name, `modeled: ${MODELED.join(', ')}`));
  // Scheduler.units (steps by default): what `current` and t_max count (Scheduler.set_lr).
  const unitsArg = args.get('units')?.expr.trim();
  if (unitsArg !== undefined) out.keyLines['scheduler.units'] = lineAt(args.get('units')!.offset);
  const byTokens = unitsArg === 'SchedulerUnits.tokens' || unitsArg === '"tokens"' || unitsArg === "'tokens'";
  if (
    unitsArg !== undefined &&
    !byTokens &&
    !['SchedulerUnits.steps', '"steps"', "'steps'"].includes(unitsArg)
  )
    out.errors.push(unmodeled('scheduler.units', unitsArg, 'not SchedulerUnits.steps or .tokens'));
  // The fields each class has (scheduler.py dataclasses); anything else is a TypeError there.
  const fields: Record<string, string[]> = {
    CosWithWarmup: ['warmup', 'warmup_steps', 'warmup_fraction', 'alpha_f', 't_max', 'warmup_min_lr'],
    LinearWithWarmup: ['warmup', 'warmup_steps', 'warmup_fraction', 'alpha_f', 't_max', 'warmup_min_lr'],
    WSD: [
      'warmup',
      'warmup_steps',
      'warmup_fraction',
      'decay',
      'decay_steps',
      'decay_fraction',
      'warmup_min_lr',
      'decay_min_lr',
    ],
    ConstantWithWarmup: ['warmup', 'warmup_steps', 'warmup_fraction', 'warmup_min_lr'],
    ConstantScheduler: [],
  };
  for (const key of args.keys())
    if (key !== 'units' && !(fields[name] ?? []).includes(key))
      out.errors.push(unmodeled(`scheduler.${key}`, args.get(key)!.expr.trim()));
  const warmupSteps = arg('warmup') ?? arg('warmup_steps');
  const warmupFraction = arg('warmup_fraction');
  if (name !== 'ConstantScheduler' && (warmupSteps === undefined) === (warmupFraction === undefined))
    out.errors.push('OLMo-core needs exactly one of `warmup` and `warmup_fraction`');
  if (warmupFraction !== undefined && !(warmupFraction >= 0 && warmupFraction <= 1))
    out.errors.push(`\`warmup_fraction=${warmupFraction}\` must be between 0 and 1 (OLMo-core raises)`);
  const { training, error } = readTraining(text, context, spec);
  if (error) out.errors.push(error);
  const runErrors: string[] = [];
  const run = batchAndLength(training, runErrors);
  // The schedule's t_max comes from max_duration (a hard_stop does not change it).
  // `Duration.tokens(X)` / `Duration.steps(X)` or `Duration(X, DurationUnit.tokens)`.
  const duration = /\bmax_duration\s*=\s*Duration\s*(?:\.(tokens|steps)\s*)?\(/.exec(code);
  let tMax = arg('t_max');
  if (tMax === undefined && duration) {
    out.keyLines.max_duration = lineAt(duration.index);
    const d = callBody(code, duration.index + duration[0].length - 1);
    let unit: string | undefined = duration[1];
    let amount = d?.body;
    if (d && !unit) {
      const m = /^([\s\S]+?),\s*DurationUnit\.(tokens|steps)\s*$/.exec(d.body);
      unit = m?.[2];
      amount = m?.[1];
    }
    const v = amount !== undefined ? value(amount) : undefined;
    // Trainer.max_steps / max_tokens of a fresh run.
    if (v !== undefined && unit === 'steps') tMax = byTokens ? (run ? v * run.batchTokens : undefined) : v;
    else if (v !== undefined && unit === 'tokens')
      tMax = byTokens ? v : run ? Math.ceil(v / run.batchTokens) : undefined;
  }
  // Without a readable max_duration the run length is the schedule's only when no hard_stop cuts it.
  if (tMax === undefined && !/\bhard_stop\s*=/.test(code))
    tMax = byTokens
      ? (run?.totalTokens ?? (run?.totalSteps !== undefined ? run.totalSteps * run.batchTokens : undefined))
      : run?.totalSteps;
  if (tMax === undefined) out.errors.push('the schedule length (max_duration) is unknown');
  if (out.errors.length || lr === undefined || tMax === undefined)
    return { ...out, errors: [...out.errors, ...runErrors] };
  const warmup = name === 'ConstantScheduler' ? 0 : (warmupSteps ?? pyRound(tMax * warmupFraction!));
  const warmupMin = arg('warmup_min_lr') ?? 0;
  // _linear_warmup: assert 0 <= warmup_min_lr < initial_lr.
  if (warmup > 0 && !(warmupMin >= 0 && warmupMin < lr))
    out.errors.push(`\`warmup_min_lr=${warmupMin}\` must be ≥ 0 and below lr (OLMo-core asserts it)`);
  let decay: DecayShape;
  let finalLr: number;
  if (name === 'CosWithWarmup' || name === 'LinearWithWarmup') {
    decay = name === 'CosWithWarmup' ? { kind: 'cosine' } : { kind: 'linear' };
    finalLr = lr * (arg('alpha_f') ?? 0.1);
  } else if (name === 'WSD') {
    const decaySteps = arg('decay') ?? arg('decay_steps');
    // decay_fraction defaults to 0.1; only an explicit `decay_fraction=None` leaves it unset.
    const fractionArg = args.get('decay_fraction')?.expr.trim();
    const decayFraction = fractionArg === 'None' ? undefined : (arg('decay_fraction') ?? 0.1);
    if ((decaySteps === undefined) === (decayFraction === undefined))
      out.errors.push(
        'WSD needs exactly one of `decay` and `decay_fraction` (decay_fraction defaults to 0.1: pass decay_fraction=None with decay; OLMo-core raises)',
      );
    if (decayFraction !== undefined && !(decayFraction >= 0 && decayFraction <= 1))
      out.errors.push(`\`decay_fraction=${decayFraction}\` must be between 0 and 1 (OLMo-core raises)`);
    const d = decaySteps ?? pyRound(tMax * (decayFraction ?? 0));
    finalLr = arg('decay_min_lr') ?? 0;
    // WSD.get_lr: the warmup branch (current ≤ W) wins; a decay longer than t_max − W starts below
    // the peak right after the warmup, which the trapezoid cannot show. decay 0 divides by zero at t_max.
    if (!(d > 0)) out.errors.push(`WSD decay of ${d} steps: _linear_decay divides by it at t_max`);
    else if (d > tMax - warmup)
      out.errors.push(
        `unknown: WSD decay ${d} is longer than t_max − warmup (${tMax - warmup}): the LR drops below the peak at the warmup's end (not modelled)`,
      );
    if (!(finalLr >= 0 && finalLr < lr))
      out.errors.push(`\`decay_min_lr=${finalLr}\` must be ≥ 0 and below lr (OLMo-core asserts it)`);
    decay = {
      kind: 'wsd',
      cooldownFraction: tMax > warmup ? Math.min(1, d / (tMax - warmup)) : 1,
      shape: 'linear',
    };
  } else {
    decay = { kind: 'constant' };
    finalLr = lr;
  }
  if (out.errors.length) return out;
  if (byTokens && !run) {
    out.errors.push('scheduler units tokens: the tokens per step are needed for the schedule');
    return { ...out, errors: [...out.errors, ...runErrors] };
  }
  out.schedule = {
    unit: byTokens ? 'tokens' : 'steps',
    peakLr: lr,
    finalLr,
    warmup,
    warmupShape: 'linear',
    ...(warmupMin > 0 ? { warmupStartLr: warmupMin } : {}),
    decay,
    horizon: tMax,
    // Trainer._fit_epoch counts the step (and its tokens) before train_batch sets the LR.
    positionOffset: byTokens ? run!.batchTokens : 1,
  };
  out.runLength = byTokens
    ? (run?.totalTokens ?? (run?.totalSteps !== undefined ? run.totalSteps * run.batchTokens : tMax))
    : (run?.totalSteps ?? tMax);
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}
