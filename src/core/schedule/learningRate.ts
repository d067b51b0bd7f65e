/**
 * The config's peak learning rate for the LR / batch-size laws (issue 14 item 3): the framework's
 * schedule extractor reads it (with the framework's own default when the key is absent), and the
 * analysis carries it with the key it came from, so the CLI JSON and the editor show the config's
 * value beside DeepSeek 2024's and Step Law 2025's optima.
 */
import type { Analysis } from '../analyze';
import type { FrameworkId, ReadContext, RunSpec, SourceRange } from '../types';
import { keyRangeOnLine } from './common';
import { extractSchedule } from './index';

/** The key that sets the peak LR, per framework, as the extractors record it in `keyLines`. */
const LR_KEYS: Partial<Record<FrameworkId, readonly string[]>> = {
  megatron: ['--lr'],
  torchtitan: ['optimizer.lr'],
  'gpt-neox': ['optimizer.params.lr'],
  'llm-foundry': ['optimizer.lr', 'parameters.optimizer.lr'],
  maxtext: ['learning_rate'],
  litgpt: ['optimizer.init_args.lr'],
  levanter: ['optimizer.learning_rate'],
  nanotron: ['optimizer.learning_rate_scheduler.learning_rate'],
  nemo: ['model.optim.lr'],
  'olmo-core': ['lr'],
  olmo: ['learning_rate'],
  nanogpt: ['learning_rate'],
};

export interface ConfigLearningRate {
  value: number;
  /** The key as the extractor names it, its 1-based line and its range (absent for a default). */
  key?: string;
  line?: number;
  range?: SourceRange;
}

/** The config's peak LR, or undefined when no extractor reads one. Never throws. */
export function configLearningRate(
  framework: FrameworkId,
  text: string,
  context: ReadContext,
  spec?: RunSpec,
): ConfigLearningRate | undefined {
  const keys = LR_KEYS[framework];
  if (!keys) return undefined;
  const extracted = extractSchedule(framework, text, context, spec);
  const schedule = extracted.plan?.schedule ?? extracted.schedule;
  if (!schedule || !(Number.isFinite(schedule.peakLr) && schedule.peakLr > 0)) return undefined;
  const key = keys.find((k) => extracted.keyLines[k] !== undefined);
  if (!key) return { value: schedule.peakLr };
  const line = extracted.keyLines[key]!;
  const range = keyRangeOnLine(text, line - 1, key);
  return { value: schedule.peakLr, key, line, ...(range ? { range } : {}) };
}

/** Put the config's LR into the analysis's hyperparameter view (in place; no-op without one). */
export function attachConfigLearningRate(
  analysis: Analysis,
  text: string,
  context: ReadContext,
  spec: RunSpec,
): void {
  const view = analysis.hyperparameters;
  if (!view) return;
  const lr = configLearningRate(spec.framework, text, context, spec);
  if (!lr) return;
  view.config.learningRate = lr.value;
  if (lr.key && lr.line !== undefined)
    view.config.learningRateKey = { key: lr.key, line: lr.line, ...(lr.range ? { range: lr.range } : {}) };
  const index = view.notes.findIndex((n) => /do not read the learning rate/.test(n));
  const from = lr.key ? `\`${lr.key}\` (line ${lr.line})` : 'the framework default';
  const note = `Peak learning rate ${lr.value} from ${from}, read by the framework's LR-schedule extractor.`;
  if (index >= 0) view.notes[index] = note;
  else view.notes.push(note);
}
