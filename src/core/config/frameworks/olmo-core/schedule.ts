/**
 * The LR schedule of an OLMo-core Python training script (`scheduler=CosWithWarmup(...)`, the
 * optimizer's `lr=`, `max_duration=Duration.tokens(...)`). Batch and run length are the olmo-core
 * reader's; this module reads the scheduler call and the LR with a small literal reader (numbers,
 * `int(...)`, arithmetic, and module-level NAME = value), nothing executed. Semantics and defaults from
 * allenai/OLMo-core@fa6c5014c9f6e9ee789da2d9c20d5126fee8df0d:
 * - src/olmo_core/optim/scheduler.py: CosWithWarmup (warmup | warmup_steps | warmup_fraction, alpha_f
 *   0.1, t_max = the trainer's, warmup_min_lr 0): warmup_min + (lr − min)·current/W for current < W,
 *   then cosine to lr·alpha_f at t_max; WSD (decay | decay_fraction 0.1, decay_min_lr 0): warmup for
 *   current ≤ W, constant, linear to decay_min_lr over the last `decay`; ConstantWithWarmup.
 * - src/olmo_core/train/trainer.py: `global_step += 1` before the batch is trained, so step k uses
 *   the schedule at current = k (one ahead of compileRun's position); t_max for a tokens duration is
 *   ceil(max_tokens / tokens_per_batch) steps. A `hard_stop` ends the run early, not the schedule.
 */
import { evaluateArithmetic } from '../../values';
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled } from '../../../schedule/common';
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
  const arg = (key: string): number | undefined => {
    const a = args.get(key);
    if (!a) return undefined;
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
  if (!['CosWithWarmup', 'WSD', 'ConstantWithWarmup'].includes(name))
    out.errors.push(unmodeled('scheduler', name, 'modeled: CosWithWarmup, WSD, ConstantWithWarmup'));
  for (const key of args.keys())
    if (
      ![
        'warmup',
        'warmup_steps',
        'warmup_fraction',
        'alpha_f',
        't_max',
        'warmup_min_lr',
        'decay',
        'decay_steps',
        'decay_fraction',
        'decay_min_lr',
      ].includes(key)
    )
      out.errors.push(unmodeled(`scheduler.${key}`, args.get(key)!.expr.trim()));
  const warmupSteps = arg('warmup') ?? arg('warmup_steps');
  const warmupFraction = arg('warmup_fraction');
  if ((warmupSteps === undefined) === (warmupFraction === undefined))
    out.errors.push('OLMo-core needs exactly one of `warmup` and `warmup_fraction`');
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
    if (v !== undefined && unit === 'steps') tMax = v;
    else if (v !== undefined && unit === 'tokens' && run) tMax = Math.ceil(v / run.batchTokens);
  }
  // Without a readable max_duration the run length is the schedule's only when no hard_stop cuts it.
  if (tMax === undefined && !/\bhard_stop\s*=/.test(code)) tMax = run?.totalSteps;
  if (tMax === undefined) out.errors.push('the schedule length (max_duration) is unknown');
  if (out.errors.length || lr === undefined || tMax === undefined)
    return { ...out, errors: [...out.errors, ...runErrors] };
  const warmup = warmupSteps ?? Math.round(tMax * warmupFraction!);
  const warmupMin = arg('warmup_min_lr') ?? 0;
  let decay: DecayShape;
  let finalLr: number;
  if (name === 'CosWithWarmup') {
    decay = { kind: 'cosine' };
    finalLr = lr * (arg('alpha_f') ?? 0.1);
  } else if (name === 'WSD') {
    const d = arg('decay') ?? arg('decay_steps') ?? Math.round(tMax * (arg('decay_fraction') ?? 0.1));
    decay = {
      kind: 'wsd',
      cooldownFraction: tMax > warmup ? Math.min(1, d / (tMax - warmup)) : 1,
      shape: 'linear',
    };
    finalLr = arg('decay_min_lr') ?? 0;
  } else {
    decay = { kind: 'constant' };
    finalLr = lr;
  }
  if (out.errors.length) return out;
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr,
    warmup,
    warmupShape: 'linear',
    ...(warmupMin > 0 ? { warmupStartLr: warmupMin } : {}),
    decay,
    horizon: tMax,
    positionOffset: 1,
  };
  out.runLength = run?.totalSteps ?? tMax;
  if (!run) return { ...out, errors: runErrors };
  out.plan = {
    schedule: out.schedule,
    batchTokens: run.batchTokens,
    sequenceLength: run.seqLen,
    ...(run.totalSteps !== undefined ? { totalSteps: run.totalSteps } : { totalTokens: run.totalTokens }),
  };
  return out;
}
