/**
 * The LR schedule of an OLMo (allenai/OLMo) trainer YAML, read from the text alone (not through
 * the framework reader). Semantics and defaults from allenai/OLMo@59a53e3f (audited again at that
 * commit, the newest; olmo/optim.py's schedulers are unchanged since the `warmup_min_lr` option of
 * d2afcaaf, whose default 10% of the LR is the old hard-coded start):
 * - olmo/config.py SchedulerConfig: name cosine_with_warmup, units steps, t_warmup 100, t_max None
 *   (= the trainer's scheduler_max), alpha_f 0.1, warmup_min_lr None (= 10% of the LR); the other
 *   fields (grad_clip_warmup_*) change gradient clipping, not the LR. TrainConfig defaults:
 *   max_duration 10000 (steps), global_train_batch_size 512, ModelConfig.max_sequence_length 1024.
 * - olmo/optim.py build_scheduler / Scheduler._linear_warmup: warmup_min + (lr − warmup_min)·t/W for
 *   t < W (assert 0 ≤ warmup_min < lr); CosWithWarmup and LinearWithWarmup then decay to lr·alpha_f at
 *   t_max and stay there; InvSqrtWithWarmup lr·√(W/max(W, t)) (no floor, no alpha_f);
 *   ConstantScheduler is the LR from step 1 (no warmup at all, t_warmup unused);
 *   ConstantWithWarmupScheduler warms up then holds. max_scheduler (max of cosine and inverse-sqrt)
 *   and cosine_linear_envelope (cosine × linear) are shapes we do not model: refused.
 * - olmo/train.py Trainer.fit: `global_step += 1` and `global_train_tokens_seen += batch` happen
 *   before train_step sets the LR, so optimizer step k uses get_lr(k) (units steps) or
 *   get_lr(k·tokens_per_batch) (units tokens): one step ahead of compileRun's position.
 *   scheduler_max is max_steps (steps; ceil(tokens / tokens_per_batch) for a '…T' duration) or
 *   max_tokens (tokens: the '…T' value itself, or max_steps·tokens_per_batch).
 *   stop_at / stop_after end the run early but leave max_steps, hence the schedule, unchanged.
 */
import { isMap, isScalar } from 'yaml';
import { lookup, parseYaml } from '../../yamlSource';
import type { DecayShape, ExtractedSchedule } from '../../../schedule/types';

function lineOf(text: string, key: string): number | undefined {
  const m = new RegExp(`^\\s*${key}\\s*:`, 'm').exec(text);
  return m ? text.slice(0, m.index).split('\n').length : undefined;
}

/** Parse "739_328", 2e12T (tokens), "100ep" (unsupported), numbers (olmo/train.py Trainer.max_steps). */
function duration(v: unknown): { steps?: number; tokens?: number; error?: string } {
  if (typeof v === 'number')
    return Number.isFinite(v) ? { steps: Math.trunc(v) } : { error: 'cannot read max_duration' };
  if (typeof v !== 'string') return { error: 'cannot read max_duration' };
  const s = v.replace(/_/g, '').trim();
  const m = /^([\d.eE+-]+)\s*(T|ep)?$/.exec(s);
  if (!m || !Number.isFinite(Number(m[1]))) return { error: `cannot read max_duration "${v}"` };
  // int(float(...)) for steps and tokens.
  if (m[2] === 'T') return { tokens: Math.trunc(Number(m[1])) };
  if (m[2] === 'ep') return { error: 'max_duration in epochs needs the dataset size' };
  return { steps: Math.trunc(Number(m[1])) };
}

/** SchedulerConfig fields (olmo/config.py); any other key fails OmegaConf's structured merge. */
const SCHEDULER_FIELDS = [
  'name',
  'units',
  't_warmup',
  't_max',
  'alpha_f',
  'grad_clip_warmup_steps',
  'grad_clip_warmup_factor',
  'warmup_min_lr',
];

export function olmoSchedule(text: string): ExtractedSchedule {
  const out: ExtractedSchedule = { keyLines: {}, errors: [], notes: [] };
  // Only the keys the schedule needs, from the shared cached parse (a full toJS of a hostile
  // document would cost as much again as the reader's own read).
  const source = parseYaml(text);
  if (!source) return { ...out, errors: ['YAML: the file could not be parsed'] };
  const at = (...path: string[]): unknown => {
    const found = lookup(source, path);
    return found === undefined || found.value === null ? undefined : found.value;
  };
  const schedulerNode = lookup(source, ['scheduler'])?.node;
  if (isMap(schedulerNode))
    for (const item of schedulerNode.items) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (!SCHEDULER_FIELDS.includes(key))
        out.errors.push(`unknown: scheduler.${key} is not an OLMo SchedulerConfig field`);
    }
  const doc = {
    optimizer: { learning_rate: at('optimizer', 'learning_rate') },
    scheduler:
      at('scheduler') === undefined
        ? undefined
        : {
            name: at('scheduler', 'name'),
            units: at('scheduler', 'units'),
            t_warmup: at('scheduler', 't_warmup'),
            alpha_f: at('scheduler', 'alpha_f'),
            t_max: at('scheduler', 't_max'),
            warmup_min_lr: at('scheduler', 'warmup_min_lr'),
          },
    global_train_batch_size: at('global_train_batch_size'),
    model: { max_sequence_length: at('model', 'max_sequence_length') },
    max_duration: at('max_duration'),
    stop_at: at('stop_at'),
    stop_after: at('stop_after'),
  } as Record<string, any>;
  for (const k of [
    'learning_rate',
    'scheduler',
    't_warmup',
    'alpha_f',
    't_max',
    'warmup_min_lr',
    'max_duration',
    'stop_at',
    'stop_after',
    'global_train_batch_size',
    'max_sequence_length',
  ]) {
    const line = lineOf(text, k);
    if (line) out.keyLines[k] = line;
  }
  const lr = Number(doc.optimizer?.learning_rate);
  const sched = doc.scheduler ?? {};
  const name: string = sched.name ?? 'cosine_with_warmup';
  const units: string = sched.units ?? 'steps';
  // build_scheduler: int(sched_cfg.t_warmup), int(sched_cfg.t_max).
  const warmupRaw = Math.trunc(Number(sched.t_warmup ?? 100));
  const alphaF = Number(sched.alpha_f ?? 0.1);
  // TrainConfig.global_train_batch_size 512, ModelConfig.max_sequence_length 1024 (olmo/config.py).
  const batch = Number(doc.global_train_batch_size ?? 512);
  const seq = Number(doc.model?.max_sequence_length ?? 1024);
  const length = duration(doc.max_duration ?? 10000);
  if (!(lr > 0)) out.errors.push('optimizer.learning_rate is missing or not positive');
  if (!(batch > 0 && seq > 0))
    out.errors.push('global_train_batch_size and model.max_sequence_length are needed for tokens per step');
  if (length.error) out.errors.push(length.error);
  if (units !== 'steps' && units !== 'tokens') out.errors.push(`scheduler.units "${units}" is not supported`);
  if (!Number.isFinite(warmupRaw) || warmupRaw < 0)
    out.errors.push(`scheduler.t_warmup = ${JSON.stringify(sched.t_warmup)} is not a count ≥ 0`);
  if (!(alphaF >= 0))
    out.errors.push(`scheduler.alpha_f = ${JSON.stringify(sched.alpha_f)} is not a factor ≥ 0`);
  let decay: DecayShape | undefined;
  if (name === 'cosine_with_warmup') decay = { kind: 'cosine' };
  else if (name === 'linear_with_warmup') decay = { kind: 'linear' };
  else if (name === 'inverse_sqrt_with_warmup') decay = { kind: 'inverse-sqrt' };
  else if (name === 'constant' || name === 'constant_with_warmup') decay = { kind: 'constant' };
  else
    out.errors.push(
      `unknown: scheduler.name = "${name}" is not modelled (modelled: cosine_with_warmup, linear_with_warmup, inverse_sqrt_with_warmup, constant, constant_with_warmup)`,
    );
  // ConstantScheduler.get_lr returns the LR from the first step: t_warmup is not used.
  const warmup = name === 'constant' ? 0 : warmupRaw;
  if (name === 'inverse_sqrt_with_warmup' && warmup === 0)
    out.errors.push('scheduler.t_warmup = 0 with inverse_sqrt_with_warmup: InvSqrtWithWarmup divides by it');
  const warmupStart = sched.warmup_min_lr !== undefined ? Number(sched.warmup_min_lr) : 0.1 * lr;
  // Scheduler._linear_warmup: assert 0 <= warmup_min_lr < initial_lr (only reached with a warmup).
  if (warmup > 0 && !(warmupStart >= 0 && warmupStart < lr))
    out.errors.push(
      `scheduler.warmup_min_lr = ${JSON.stringify(sched.warmup_min_lr)} must be ≥ 0 and below the LR (OLMo asserts it)`,
    );
  const stopAt = doc.stop_at !== undefined ? Number(doc.stop_at) : undefined;
  const stopAfter = doc.stop_after !== undefined ? Number(doc.stop_after) : undefined;
  for (const [key, v] of [
    ['stop_at', stopAt],
    ['stop_after', stopAfter],
  ] as const)
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) out.errors.push(`${key} is not a step count`);
  if (out.errors.length || !decay) return out;
  const batchTokens = batch * seq;
  const maxSteps = length.steps ?? Math.ceil(length.tokens! / batchTokens);
  const maxTokens = length.tokens ?? maxSteps * batchTokens;
  const byTokens = units === 'tokens';
  const horizon =
    sched.t_max !== undefined ? Math.trunc(Number(sched.t_max)) : byTokens ? maxTokens : maxSteps;
  if (!(horizon > 0)) {
    out.errors.push(`scheduler.t_max = ${JSON.stringify(sched.t_max)} is not a positive count`);
    return out;
  }
  const finalLr = decay.kind === 'constant' ? lr : decay.kind === 'inverse-sqrt' ? 0 : alphaF * lr;
  if (sched.t_warmup === undefined && name !== 'constant')
    out.notes.push('t_warmup not set: OLMo default 100');
  // Trainer.fit: stop_at = min(stop_at, stop_after) on a fresh run; it cuts the run, not max_steps.
  const stop = [stopAt, stopAfter].filter((v): v is number => v !== undefined);
  const cap = stop.length ? Math.min(...stop) : undefined;
  const capped = cap !== undefined && cap < maxSteps;
  out.plan = {
    schedule: {
      unit: byTokens ? 'tokens' : 'steps',
      peakLr: lr,
      finalLr,
      warmup,
      warmupShape: 'linear',
      warmupStartLr: warmupStart,
      decay,
      horizon,
      // Step k trains at get_lr(k) (or k batches of tokens): olmo/train.py Trainer.fit.
      positionOffset: byTokens ? batchTokens : 1,
    },
    batchTokens,
    sequenceLength: seq,
    // Trainer.max_steps: a '…T' run trains ceil(tokens / tokens_per_batch) whole steps.
    totalSteps: capped ? cap : maxSteps,
  };
  if (capped)
    out.notes.push(`stop_at/stop_after ends the run at step ${cap}, before max_duration's ${maxSteps}`);
  return out;
}
