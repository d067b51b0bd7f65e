/**
 * Hover on the LR-schedule keys (issue 13 item 1): the schedule the framework's extractor reads from
 * the file (src/core/schedule, one extractor per framework) as a sparkline with warmup, peak, decay
 * horizon and final LR; or, when the extractor cannot build it, the reason (an unmodeled key is named,
 * never drawn as a wrong curve). Keys the analysis already hovers (the run length) keep their hover.
 */
import type { Hover, Position } from 'vscode-languageserver';
import { readContextFor } from '../core/analyze';
import { keyRangeOnLine } from '../core/schedule/common';
import { formatCount, formatExact } from '../core/format';
import {
  describeSchedule,
  extractSchedule,
  lrAt,
  type ExtractedSchedule,
  type LrSchedule,
} from '../core/schedule';
import type { FrameworkId, ReadContext, SourceRange } from '../core/types';
import type { HoverDocument } from './hovers';
import type { DocumentResult } from './model';

/** The last extraction, by framework and text: hovers repeat on the same version. */
let cache: { key: string; value: ExtractedSchedule } | undefined;

function extracted(framework: FrameworkId, text: string, context: ReadContext): ExtractedSchedule {
  const key = `${framework}\u0000${context.path ?? ''}\u0000${JSON.stringify(context.options ?? {})}\u0000${text}`;
  if (cache?.key !== key) cache = { key, value: extractSchedule(framework, text, context) };
  return cache.value;
}

/** An LR in the notation configs use (6e-4, 0.0003 → 3e-4). */
export function formatLr(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  return Number(value.toPrecision(3)).toExponential().replace('e+', 'e');
}

/** A position in the schedule's unit; tokens also in steps when the batch is constant. */
function position(schedule: LrSchedule, x: number, batchTokens?: number): string {
  if (schedule.unit !== 'tokens') return `${formatExact(x)} steps`;
  const steps = batchTokens ? ` (${formatExact(x / batchTokens)} steps)` : '';
  return `${formatCount(x)} tokens${steps}`;
}

/** The summary lines for a schedule (shared with tests). */
export function scheduleSummary(result: ExtractedSchedule): string[] {
  const schedule = result.plan?.schedule ?? result.schedule;
  if (!schedule) return [];
  const length = result.runLength ?? runLengthOf(result);
  const lines: string[] = [];
  const batch = result.plan && !result.plan.ramp ? result.plan.batchTokens : undefined;
  const at = (x: number) => position(schedule, x, batch);
  if (length !== undefined) lines.push(`\`${describeSchedule(schedule, length).split('  ')[0]}\``, '');
  else if (
    schedule.decay.kind !== 'constant' &&
    schedule.decay.kind !== 'inverse-sqrt' &&
    schedule.horizon > 0
  )
    // No run length (a DeepSpeed JSON, a fine-tune over an unsized dataset): draw up to the horizon.
    lines.push(
      `\`${describeSchedule(schedule, schedule.horizon).split('  ')[0]}\` (up to the decay horizon; the run length is not known)`,
      '',
    );
  const w = schedule.warmup;
  const start =
    schedule.warmupShape === 'linear' || schedule.warmupShape === 'log'
      ? (schedule.warmupStartLr ?? 0)
      : lrAt(schedule, 0);
  // The warmup's shape in words: log and quadratic warmups reach the peak very differently.
  const rise =
    schedule.warmupShape === 'log'
      ? 'logarithmic'
      : schedule.warmupShape === 'quadratic'
        ? 'quadratic'
        : 'linear';
  lines.push(
    w > 0
      ? `- warmup ${at(w)} (${schedule.warmupShape === 'constant' ? 'constant' : `${rise} from ${formatLr(start)}`})`
      : '- no warmup',
    `- peak ${formatLr(schedule.peakLr)}`,
  );
  const d = schedule.decay;
  const shape =
    d.kind === 'wsd'
      ? `WSD: stable, then ${d.shape} cooldown over the last ${(d.cooldownFraction * 100).toFixed(1).replace(/\.0$/, '')}% before the horizon`
      : d.kind === 'linear' && d.toZero
        ? 'linear toward 0, floored at the final LR'
        : d.kind === 'polynomial'
          ? `polynomial (power ${d.power})`
          : d.kind;
  if (d.kind === 'constant') lines.push('- constant after warmup');
  else if (d.kind === 'exponential')
    lines.push(
      `- exponential decay, × e^−${d.rate} by ${at(schedule.horizon)} and on after it, floored at ${formatLr(schedule.finalLr)}`,
    );
  else if (d.kind === 'inverse-sqrt')
    lines.push(
      `- inverse-sqrt decay${d.finalAfterHorizon ? `, ${formatLr(schedule.finalLr)} after ${at(schedule.horizon)}` : ''}`,
    );
  else
    lines.push(
      `- ${shape}, to ${formatLr(schedule.finalLr)} (${((schedule.finalLr / schedule.peakLr) * 100).toFixed(1).replace(/\.0$/, '')}% of peak) at ${at(schedule.horizon)}`,
    );
  if (length !== undefined) {
    lines.push(
      `- run ${at(length)}; LR of the last step ${formatLr(lrAt(schedule, Math.max(0, length - (schedule.unit === 'steps' ? 1 : (result.plan?.batchTokens ?? 0)))))}`,
    );
    if (schedule.warmup > length)
      lines.push('- the warmup is longer than the run: the LR never reaches its peak');
    // Inverse-sqrt and exponential decays have no end: no "decay ends" line for them.
    const ends = d.kind !== 'constant' && d.kind !== 'inverse-sqrt' && d.kind !== 'exponential';
    if (ends && schedule.horizon < length * 0.999)
      lines.push(
        `- the decay ends before the run: the last ${at(length - schedule.horizon)} stay at ${formatLr(schedule.finalLr)}`,
      );
    else if (ends && schedule.horizon > length * 1.001)
      lines.push(`- the run stops before the decay ends (horizon ${at(schedule.horizon)})`);
  }
  if (result.plan?.ramp) lines.push('- batch ramp-up: positions follow tokens consumed');
  return lines;
}

function runLengthOf(result: ExtractedSchedule): number | undefined {
  const plan = result.plan;
  if (!plan) return undefined;
  if (plan.schedule.unit === 'steps')
    return (
      plan.totalSteps ?? (plan.totalTokens !== undefined ? plan.totalTokens / plan.batchTokens : undefined)
    );
  return (
    plan.totalTokens ??
    (plan.totalSteps !== undefined && !plan.ramp ? plan.totalSteps * plan.batchTokens : undefined)
  );
}

function contains(range: SourceRange, p: Position): boolean {
  return (
    (p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character)) &&
    (p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character))
  );
}

/** The hover for a schedule key under `at`, or null (not a schedule key, or the analysis hovers it). */
export function scheduleHover(result: DocumentResult, at: Position, document: HoverDocument): Hover | null {
  if (!result.framework || !result.settings.hover.enable) return null;
  const spec = result.analysis?.spec;
  if (spec) {
    for (const source of [...Object.values(spec.trainingSources), ...Object.values(spec.archSources)])
      if (source && !source.file && (contains(source.keyRange, at) || contains(source.valueRange, at)))
        return null;
  }
  // The same read context as the analysis (settings fill in a GPU count or dataset size).
  const context = readContextFor(document.context, result.analysisSettings);
  const found = extracted(result.framework, document.text, context);
  for (const [key, line] of Object.entries(found.keyLines)) {
    if (line - 1 !== at.line) continue;
    const range = keyRangeOnLine(document.text, at.line, key);
    if (!range || !contains(range, at)) continue;
    return { contents: { kind: 'markdown', value: scheduleMarkdown(key, found) }, range };
  }
  return null;
}

/** The hover text for a schedule key. */
export function scheduleMarkdown(key: string, found: ExtractedSchedule): string {
  const lines = [`**${key}** · Scaling Lens · LR schedule`, ''];
  const summary = scheduleSummary(found);
  lines.push(...summary);
  if (found.errors.length) {
    if (summary.length) lines.push('');
    lines.push(
      summary.length ? 'Not a full run plan:' : 'No LR schedule:',
      ...found.errors.map((e) => `- ${e}`),
    );
  }
  if (found.notes.length) lines.push('', ...found.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
