/**
 * The LR schedule of a MaxText config: a YAML (base.yml or a copy) or a shell launcher's `key=value`
 * overrides; keys neither sets take base.yml's defaults. Batch and run length are the maxtext
 * reader's. Semantics from AI-Hypercomputer/maxtext@e591f30cbbf217ed67ef71263ec0538239f9c3b8
 * src/maxtext/utils/maxtext_utils.py `create_learning_rate_schedule` and configs/base.yml (defaults:
 * learning_rate 3e-5, lr_schedule_type cosine, learning_rate_final_fraction 0.1,
 * warmup_steps_fraction 0.1, learning_rate_schedule_steps −1 → steps, steps 150_001,
 * wsd_decay_steps_fraction 0.1, wsd_decay_style linear):
 *   warmup W = int(H·warmup_steps_fraction), optax linear 0 → lr; cosine over C = H − W steps with
 *   pct = k/(C − 1), so it reaches lr·final_fraction at step H − 1; WSD: stable, then a decay over
 *   int(H·wsd_decay_steps_fraction) = Dc steps (linear over Dc − 1 transition steps, or the same
 *   cosine); from H on the LR is 0 (a zero phase when steps > H).
 * Before the WSD change (google/maxtext@e64f6813, Oct 2024, MaxText/max_utils.py; key
 * `cosine_learning_rate_final_fraction`) the cosine used pct = k/C: files with that key get it.
 * (WSD arrived in AI-Hypercomputer/maxtext@e886dd21, Jan 2026, src/MaxText/maxtext_utils.py, which
 * renamed the key and made the cosine pct = k/(C − 1).)
 * Audit at e591f30c: the values come from the reader's own layering (base.yml or a base_config
 * chain ← configs/models/<model_name>.yml ← key=value overrides, as pyconfig.py does), so a model
 * overlay or a launcher gets the base.yml it runs with (and that file's era); an override the
 * launcher cannot know (`warmup_steps_fraction=$(python3 …)`) is an error naming the key, never the
 * default. Edges of create_learning_rate_schedule: a WSD decay of 0 steps adds no decay piece, and
 * one of 1 step is optax.linear_schedule(transition_steps = 0), which stays at init_value: with
 * either the LR is the peak until learning_rate_schedule_steps. Every optimizer takes the schedule
 * as optax's learning_rate, evaluated at the update count before it increments: step k uses k − 1.
 * `enable_rampup_batch_size` (utils/rampup_batch.py RampupBatchManager) changes the batch per step,
 * which the plan cannot follow: the plan is an error naming it (the LR per step stays right).
 */
import { parseShell } from '../../shell';
import { parseNumberLiteral } from '../../values';
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
import type { Layer } from './reader';
import { layersOfSpec } from './specLayers';

/**
 * The registry, required when first needed (as in schedule/common.ts): the reader imports this
 * module, so a static import would evaluate the registry while the reader is initialising.
 */
function registry(): typeof import('../../registry') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../registry') as typeof import('../../registry');
}

/**
 * The LR keys as the maxtext reader layers them (highest layer wins), or why they are unknown, or
 * undefined when the reader does not read this text as a MaxText run config.
 */
function layeredValues(
  text: string,
  context: ReadContext,
  out: ExtractedSchedule,
  spec: RunSpec | undefined,
): { values: Map<string, unknown>; fromDefaults: Set<string> } | undefined {
  let layers = layersOfSpec(spec);
  if (layers === undefined) {
    // Not the reader's own spec: read the file. The reader itself, not registry().readRunConfig,
    // which returns the spec without the reader's parse.
    const reader = registry().READERS.find((r) => r.id === 'maxtext');
    let result: ReturnType<NonNullable<typeof reader>['read']> | undefined;
    try {
      result = reader?.read(text, context);
    } catch {
      return undefined;
    }
    if (result?.kind !== 'run-config') return undefined;
    layers = (result.parsed as { maxtextLayers?: Layer[] } | undefined)?.maxtextLayers ?? null;
  }
  if (!layers) {
    out.errors.push(
      'unknown: the launch names a config file or arguments that are not known here, so the LR keys they set are unknown',
    );
    return { values: new Map(), fromDefaults: new Set() };
  }
  const values = new Map<string, unknown>();
  const fromDefaults = new Set<string>();
  for (const key of KEYS) {
    for (let i = layers.length - 1; i >= 0; i--) {
      const found = layers[i]!.values.get(key);
      if (!found) continue;
      if (found.source && !found.source.file) out.keyLines[key] = found.source.keyRange.start.line + 1;
      if (found.unresolved)
        out.errors.push(unmodeled(key, found.source?.raw ?? '?', 'a value the launcher cannot know here'));
      else if (found.refused) out.errors.push(`\`${key}\`: ${found.refused}`);
      else if (found.value !== undefined && found.value !== null) {
        values.set(key, found.value);
        if (i === 0) fromDefaults.add(key);
      }
      break;
    }
  }
  const rampup = layers
    .map((l) => l.values.get('enable_rampup_batch_size'))
    .filter(Boolean)
    .pop();
  if (rampup && (rampup.value === true || String(rampup.value).toLowerCase() === 'true'))
    values.set('enable_rampup_batch_size', true);
  return { values, fromDefaults };
}

const DEFAULTS: Record<string, number | string> = {
  learning_rate: 3e-5,
  lr_schedule_type: 'cosine',
  learning_rate_final_fraction: 0.1,
  warmup_steps_fraction: 0.1,
  learning_rate_schedule_steps: -1,
  steps: 150_001,
  wsd_decay_steps_fraction: 0.1,
  wsd_decay_style: 'linear',
};
const KEYS = [...Object.keys(DEFAULTS), 'cosine_learning_rate_final_fraction'];

export function maxtextSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  let values = new Map<string, unknown>();
  const shell = /^\s*(python3?|bash|export|#!)/m.test(text) || /\.(sh|bash)$/.test(context.path ?? '');
  let configFile: string | undefined;
  const layered = layeredValues(text, context, out, spec);
  let fromDefaults: Set<string> | undefined;
  if (layered) {
    if (out.errors.length) return out;
    values = layered.values;
    fromDefaults = layered.fromDefaults;
  } else if (shell) {
    try {
      const script = parseShell(text);
      for (const statement of script.statements)
        for (const field of statement.fields) {
          if (!configFile && /\.ya?ml$/.test(field.text ?? '')) configFile = field.text;
          const m = /^([A-Za-z_]\w*)=(.*)$/s.exec(field.text ?? '');
          if (!m || !KEYS.includes(m[1]!)) continue;
          values.set(m[1]!, m[2]);
          out.keyLines[m[1]!] = script.lines.positionAt(field.start).line + 1;
        }
    } catch {
      out.errors.push('the launcher could not be read');
    }
    // The config the launcher names (MaxText/configs/base.yml) under the overrides, found like the
    // reader does: relative to the script's directory or one of its ancestors.
    const base = configFile ? readNamed(configFile, context) : undefined;
    if (base) {
      const layer = emptyExtraction();
      const yaml = new YamlKeys(base, layer);
      for (const key of KEYS) {
        const v = yaml.source ? yaml.get([key]) : undefined;
        if (v !== undefined && v !== null && !values.has(key)) values.set(key, v);
      }
    } else if (configFile)
      out.notes.push(`${configFile} not readable here: MaxText base.yml defaults assumed`);
  } else {
    const yaml = new YamlKeys(text, out);
    if (!yaml.source) return out;
    for (const key of KEYS) {
      const v = yaml.get([key]);
      if (v !== undefined && v !== null) values.set(key, v);
    }
  }
  const legacy = values.has('cosine_learning_rate_final_fraction');
  const num = (key: string): number => {
    const raw = values.has(key) ? values.get(key) : DEFAULTS[key];
    const v = parseNumberLiteral(typeof raw === 'string' ? raw.trim() : raw);
    if (v === undefined) {
      out.errors.push(`\`${key}\` = ${JSON.stringify(raw)} is not a number`);
      return NaN;
    }
    return v;
  };
  const lr = num('learning_rate');
  const fraction = legacy ? num('cosine_learning_rate_final_fraction') : num('learning_rate_final_fraction');
  const warmupFraction = num('warmup_steps_fraction');
  let steps = num('steps');
  let horizon = num('learning_rate_schedule_steps');
  if (horizon === -1) horizon = steps;
  if (steps === -1) steps = horizon;
  const type = String(values.get('lr_schedule_type') ?? DEFAULTS.lr_schedule_type).trim();
  const wsdStyle = String(values.get('wsd_decay_style') ?? DEFAULTS.wsd_decay_style).trim();
  if (!['cosine', 'wsd'].includes(type))
    out.errors.push(unmodeled('lr_schedule_type', type, 'MaxText has cosine and wsd'));
  if (type === 'wsd' && !['linear', 'cosine'].includes(wsdStyle))
    out.errors.push(unmodeled('wsd_decay_style', wsdStyle, 'MaxText has linear and cosine'));
  if (!(lr > 0)) out.errors.push(`\`learning_rate\` = ${lr} is not positive`);
  if (!(horizon > 1)) out.errors.push(`the schedule length ${horizon} must be more than one step`);
  for (const key of ['learning_rate', 'steps'])
    if (!values.has(key) || fromDefaults?.has(key))
      out.notes.push(`\`${key}\` not set: MaxText base.yml default ${DEFAULTS[key]}`);
  if (out.errors.length) return out;
  const warmup = Math.trunc(horizon * warmupFraction);
  let decay: DecayShape;
  let peakHolds = false;
  // The cosine reaches its floor one step early (pct = k/(C − 1)): the model's horizon is H − 1.
  let modelHorizon = legacy ? horizon : horizon - 1;
  if (type === 'cosine') {
    if (horizon - warmup <= 0) {
      out.errors.push('warmup_steps_fraction leaves no decay steps');
      return out;
    }
    decay = { kind: 'cosine' };
  } else {
    const decaySteps = Math.trunc(horizon * num('wsd_decay_steps_fraction'));
    if (warmup + decaySteps > horizon) {
      out.errors.push('warmup_steps_fraction + wsd_decay_steps_fraction exceed 1 (MaxText refuses it)');
      return out;
    }
    modelHorizon = horizon - 1;
    const span = modelHorizon - warmup;
    decay = {
      kind: 'wsd',
      cooldownFraction: span > 0 ? Math.max(0, decaySteps - 1) / span : 1,
      shape: wsdStyle === 'cosine' ? 'cosine' : 'linear',
    };
    // No decay piece (0 steps), or optax.linear_schedule with transition_steps 0 (1 linear step),
    // which returns init_value: the peak holds until learning_rate_schedule_steps.
    if (decaySteps === 0 || (decaySteps === 1 && wsdStyle !== 'cosine')) peakHolds = true;
  }
  if (!legacy && !values.has('lr_schedule_type') && !values.has('learning_rate_final_fraction'))
    out.notes.push(
      'cosine with pct = k/(C − 1) (MaxText since the WSD change; before it k/C: one step apart)',
    );
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: peakHolds ? lr : lr * fraction,
    warmup,
    warmupShape: 'linear',
    decay,
    horizon: modelHorizon,
    ...(steps > horizon ? { zeroFrom: horizon } : {}),
  };
  out.runLength = steps;
  const { training, error } = readTraining(text, context, spec);
  const runErrors: string[] = error ? [error] : [];
  if (values.get('enable_rampup_batch_size') === true)
    runErrors.push(
      unmodeled(
        'enable_rampup_batch_size',
        true,
        'the batch ramp-up of RampupBatchManager is not modelled, so tokens per step are unknown',
      ),
    );
  if (runErrors.length) return { ...out, errors: runErrors };
  const run = batchAndLength(training, runErrors);
  if (!run) return { ...out, errors: runErrors };
  out.plan = runPlan(out.schedule, run);
  return out;
}

/** A config named in a launcher, relative to the script's directory or an ancestor (never throws). */
function readNamed(named: string, context: ReadContext): string | undefined {
  if (!context.readFile || !context.path) return undefined;
  const parts = context.path.split('/').slice(0, -1);
  const relative = named.replace(/^\$\{?\w+\}?\//, '').replace(/^\.\//, '');
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), relative].join('/');
    try {
      const text = context.readFile(candidate);
      if (text !== undefined) return text;
    } catch {
      // unreadable: try the next ancestor
    }
  }
  return undefined;
}
