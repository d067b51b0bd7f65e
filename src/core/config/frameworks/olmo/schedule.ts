/**
 * The LR schedule of an OLMo (allenai/OLMo) trainer YAML, read from the text alone (not through
 * the framework reader). Semantics and defaults from allenai/OLMo@59a53e3f: olmo/config.py
 * SchedulerConfig (name cosine_with_warmup, units steps, t_warmup 100, t_max = run length, alpha_f
 * 0.1, warmup_min_lr = 10% of the LR) and olmo/optim.py (CosWithWarmup, LinearWithWarmup,
 * InvSqrtWithWarmup, ConstantScheduler; past t_max the LR is alpha_f·lr).
 */
import { lookup, parseYaml } from '../../yamlSource';
import type { DecayShape, ExtractedSchedule } from '../../../schedule/types';

function lineOf(text: string, key: string): number | undefined {
  const m = new RegExp(`^\\s*${key}\\s*:`, 'm').exec(text);
  return m ? text.slice(0, m.index).split('\n').length : undefined;
}

/** Parse "739_328", 2e12T (tokens), "100ep" (unsupported), numbers. */
function duration(v: unknown): { steps?: number; tokens?: number; error?: string } {
  if (typeof v === 'number') return { steps: v };
  if (typeof v !== 'string') return { error: 'max_duration is missing' };
  const s = v.replace(/_/g, '').trim();
  const m = /^([\d.eE+-]+)\s*(T|ep)?$/.exec(s);
  if (!m || !Number.isFinite(Number(m[1]))) return { error: `cannot read max_duration "${v}"` };
  if (m[2] === 'T') return { tokens: Number(m[1]) };
  if (m[2] === 'ep') return { error: 'max_duration in epochs needs the dataset size' };
  return { steps: Number(m[1]) };
}

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
  } as Record<string, any>;
  for (const k of [
    'learning_rate',
    'scheduler',
    't_warmup',
    'alpha_f',
    't_max',
    'max_duration',
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
  const warmup = Number(sched.t_warmup ?? 100);
  const alphaF = Number(sched.alpha_f ?? 0.1);
  const batch = Number(doc.global_train_batch_size);
  const seq = Number(doc.model?.max_sequence_length);
  const length = duration(doc.max_duration);
  if (!(lr > 0)) out.errors.push('optimizer.learning_rate is missing or not positive');
  if (!(batch > 0 && seq > 0))
    out.errors.push('global_train_batch_size and model.max_sequence_length are needed for tokens per step');
  if (length.error) out.errors.push(length.error);
  if (units !== 'steps' && units !== 'tokens') out.errors.push(`scheduler.units "${units}" is not supported`);
  let decay: DecayShape | undefined;
  if (name === 'cosine_with_warmup') decay = { kind: 'cosine' };
  else if (name === 'linear_with_warmup') decay = { kind: 'linear' };
  else if (name === 'inverse_sqrt_with_warmup') decay = { kind: 'inverse-sqrt' };
  else if (name === 'constant') decay = { kind: 'constant' };
  else out.errors.push(`scheduler "${name}" is not modeled`);
  if (out.errors.length || !decay) return out;
  const batchTokens = batch * seq;
  const steps = length.steps ?? Math.ceil(length.tokens! / batchTokens);
  // With units: tokens, t_warmup/t_max are token counts (olmo/optim.py build_scheduler).
  const horizon =
    sched.t_max !== undefined ? Number(sched.t_max) : units === 'tokens' ? steps * batchTokens : steps;
  const finalLr =
    decay.kind === 'constant' || decay.kind === 'inverse-sqrt'
      ? decay.kind === 'constant'
        ? lr
        : 0
      : alphaF * lr;
  const warmupStart = sched.warmup_min_lr !== undefined ? Number(sched.warmup_min_lr) : 0.1 * lr;
  if (sched.t_warmup === undefined) out.notes.push('t_warmup not set: OLMo default 100 steps');
  out.plan = {
    schedule: {
      unit: units === 'tokens' ? 'tokens' : 'steps',
      peakLr: lr,
      finalLr,
      warmup,
      warmupShape: 'linear',
      warmupStartLr: warmupStart,
      decay,
      horizon,
    },
    batchTokens,
    sequenceLength: seq,
    totalSteps: steps,
  };
  return out;
}
