/**
 * Code lenses, one per topic (issue #16: one long summary ran off screen next to the curves panel):
 *
 * | topic     | where                          | title (short)                          | toggle                 |
 * | --------- | ------------------------------ | -------------------------------------- | ---------------------- |
 * | size      | model line                     | `N 124M` / `N 46.7B (12.9B active)`    | lens.summary + size    |
 * | compute   | model line                     | `2.20e20 FLOPs`                        | lens.summary + compute |
 * | cost      | model line                     | `155 H100-h ≈ $309`                    | lens.summary + cost    |
 * | loss      | model line                     | `loss 2.687 (2.674–2.699) epoch2024`   | lens.summary + loss    |
 * | data      | training-length key            | `D 295B (2371 tok/param)`              | lens.summary + data    |
 * | duration  | training-length key            | `600,000 steps × 491,520 tok · optimal ≈ 2.49B` | lens.duration |
 * | memory    | micro-batch key                | `≈ 15.5 / 79.6 GiB per GPU (H100)`     | lens.memory            |
 * | inference | first shape key off the model line | `inference 1T tok: N 80M · D 1.2T` | lens.inference         |
 * | hyperparameters | LR key, global-batch key | `lr 6e-4 · DeepSeek 2024 opt 1.66e-3 (0.36×) · …` | lens.hyperparameters |
 *
 * A line's lenses (joined by VS Code's " | ") stay within {@link LENS_LINE_CHARS}: a topic lens that
 * would overflow moves to the next line with room (`layoutLensLines`), so next to the panel the
 * summary reads over two lines instead of running off screen.
 *
 * Every lens carries a tooltip that states its assumptions and where each came from. LSP 3.17 has
 * no `Command.tooltip` and vscode-languageclient 9.0.1 drops unknown Command fields
 * (protocolConverter.asCommand copies title/command/arguments only), so the tooltip travels twice:
 * as `command.tooltip` (the LSP 3.18 field, for clients that read it) and in `data.tooltip`, which
 * the converter keeps; the VS Code client copies it into `vscode.Command.tooltip`
 * (src/client/lensTooltips.ts). Pure formatting over a {@link DocumentResult}; every number comes
 * from the core.
 */
import type { CodeLens, Range } from 'vscode-languageserver';
import type { Analysis } from '../core/analyze';
import { formatCount, formatExact, formatLoss, formatScientific, formatUsd } from '../core/format';
import type { ScalingLaw } from '../core/laws/published';
import { findAccelerator } from '../core/model/hardware';
import { DEFAULT_ANALYSIS_SETTINGS } from '../core/settings';
import { planInferenceAware } from '../core/plan';
import { Commands } from '../protocol';
import type { DocumentResult } from './model';
import { liveRunLenses } from './liveRuns';
import { downstreamLenses } from './downstreamLenses';
import { hyperparameterLenses } from './hyperparameterLenses';
import { storedTokensOf } from './trainingTokens';

/** The topics a lens can show (issue #16). `duration` is the derivation of D next to `data`. */
export type LensTopic =
  'size' | 'data' | 'duration' | 'compute' | 'cost' | 'loss' | 'memory' | 'inference' | 'hyperparameters';

/** What travels in `CodeLens.data`: the topic (for tests and clients) and the tooltip. */
export interface LensData {
  topic: LensTopic;
  tooltip: string;
}

/** One lens before it becomes an LSP CodeLens. */
export interface TopicLens {
  topic: LensTopic;
  title: string;
  tooltip: string;
  range: Range;
}

/** The topics on the model line, in the order they read (with `data` they make the summary). */
export const SUMMARY_TOPICS: readonly LensTopic[] = ['size', 'data', 'compute', 'cost', 'loss'];

/**
 * The document's lenses under its settings (empty when lenses are off or nothing is known).
 * `lineCount` (the document's lines) lets a lens that does not fit its line move to the next one.
 */
export function buildLenses(result: DocumentResult, lineCount?: number): CodeLens[] {
  const others = [...downstreamLenses(result), ...liveRunLenses(result)];
  const laidOut = layoutLensLines(topicLenses(result), result.analysis, others, lineCount);
  const topics = laidOut.map((lens): CodeLens => ({
    range: lens.range,
    command: {
      title: lens.title,
      command: Commands.showCurves,
      arguments: [result.uri],
      tooltip: lens.tooltip,
    } as CodeLens['command'],
    data: { topic: lens.topic, tooltip: lens.tooltip } satisfies LensData,
  }));
  return [...topics, ...others];
}

/**
 * The widest lens line, in characters of lens text with VS Code's " | " between lenses. Measured
 * in code-server 4.100 at 1280×800 with the explorer and the curves panel open (issue #16: "the
 * model line is clipped at about 57 editor columns"): 382 px of room at about 6.5 px per character
 * of lens text is 58 characters (test/e2e/lenses-split.test.ts logs both); 52 leaves room for the
 * indentation of a nested key.
 */
export const LENS_LINE_CHARS = 52;

/** VS Code's separator between the lenses of one line. */
const LENS_SEPARATOR = ' | ';

/** Topics that read as one sequence: when they spill onto the next lines they keep their order. */
const LAYOUT_GROUPS: Partial<Record<LensTopic, 'summary' | 'data'>> = {
  size: 'summary',
  compute: 'summary',
  cost: 'summary',
  loss: 'summary',
  data: 'data',
  duration: 'data',
};

/**
 * Keep every lens line within {@link LENS_LINE_CHARS}: a topic lens whose line is full moves to the
 * next line with room (up to three lines below, then the file's other key lines), so the summary
 * wraps onto the lines under the model line instead of running off screen. The hyperparameter
 * lenses, the downstream and live-run lenses stay at their keys; their text counts against the line.
 */
function layoutLensLines(
  lenses: TopicLens[],
  a: Analysis | null,
  fixed: readonly CodeLens[],
  lineCount: number | undefined,
): TopicLens[] {
  if (!a) return lenses;
  const used = new Map<number, number>();
  const widthWith = (line: number, title: string) =>
    (used.has(line) ? used.get(line)! + LENS_SEPARATOR.length : 0) + title.length;
  const place = (line: number, title: string) => used.set(line, widthWith(line, title));
  const movable = (lens: TopicLens) => lens.topic !== 'hyperparameters';
  for (const lens of fixed) if (lens.command) place(lens.range.start.line, lens.command.title);
  for (const lens of lenses) if (!movable(lens)) place(lens.range.start.line, lens.title);
  const keyLines = [...new Set(keyLinesOf(a))].sort((x, y) => x - y);
  const lastLine = lineCount !== undefined ? lineCount - 1 : Math.max(0, ...keyLines);
  const groupLine = new Map<string, number>();
  return lenses.map((lens) => {
    if (!movable(lens)) return lens;
    const group = LAYOUT_GROUPS[lens.topic];
    // A group's later topics never sit above its earlier ones.
    const from = Math.max(lens.range.start.line, (group && groupLine.get(group)) || 0);
    const below = [from, from + 1, from + 2, from + 3].filter((line) => line <= lastLine);
    const candidates = [
      ...below,
      ...keyLines.filter((line) => line > from + 3),
      ...(group ? [] : keyLines.filter((line) => line < from).reverse()),
    ];
    const line = candidates.find((l) => widthWith(l, lens.title) <= LENS_LINE_CHARS) ?? from;
    place(line, lens.title);
    if (group) groupLine.set(group, line);
    if (line === lens.range.start.line) return lens;
    const start = { line, character: 0 };
    return { ...lens, range: { start, end: start } };
  });
}

/** The lines of this file's keys (architecture, training, the model section). */
function keyLinesOf(a: Analysis): number[] {
  const sources = [...Object.values(a.spec.archSources), ...Object.values(a.spec.trainingSources)];
  const lines = sources.flatMap((s) => (s && !s.file ? [s.keyRange.start.line] : []));
  if (a.spec.modelSectionRange) lines.push(a.spec.modelSectionRange.start.line);
  return lines;
}

/** The lenses by topic, positioned, with their tooltips. */
export function topicLenses(result: DocumentResult): TopicLens[] {
  const { settings, analysis: a } = result;
  if (!settings.lens.enable || !a || !a.params) return [];
  const on = settings.lens;
  const summaryOn = (topic: 'size' | 'data' | 'compute' | 'cost' | 'loss') => on.summary && on[topic];
  const modelRange = modelLineRange(a);
  // No training key at all (HF config.json): the first shape key, so the model line stays short.
  const dataRange = lengthKeyRange(a) ?? inferenceRange(a, modelRange);
  const out: TopicLens[] = [];
  const push = (topic: LensTopic, range: Range, text: { title: string; tooltip: string } | undefined) => {
    if (text) out.push({ topic, range, ...text });
  };
  if (summaryOn('size')) push('size', modelRange, sizeLens(a, result.law));
  if (summaryOn('data')) push('data', dataRange, dataLens(a));
  if (on.duration) push('duration', dataRange, durationLens(a, result.law));
  if (summaryOn('compute')) push('compute', modelRange, computeLens(a));
  if (summaryOn('cost')) push('cost', modelRange, costLens(result));
  if (summaryOn('loss')) push('loss', modelRange, lossLens(a, result.law));
  if (on.memory) {
    const title = memoryLensTitle(a);
    // At the micro-batch key, which memory depends on most, so it does not share the summary's line.
    const microBatch = a.spec.trainingSources.microBatch;
    const range = microBatch && !microBatch.file ? lineStart(microBatch.keyRange) : modelRange;
    if (title) push('memory', range, { title, tooltip: memoryTooltip(a) });
  }
  // The LR and batch keys against the published LR / batch laws (src/server/hyperparameterLenses.ts).
  if (on.hyperparameters)
    for (const lens of hyperparameterLenses(a)) out.push({ topic: 'hyperparameters', ...lens });
  if (on.inference && settings.inference.tokens !== null) {
    push('inference', inferenceRange(a, modelRange), inferenceLens(a, result.law, settings.inference.tokens));
  }
  return out;
}

/** The summary topics' titles joined with " · " (what the one summary lens used to say). */
export function summaryText(lenses: readonly TopicLens[]): string {
  return SUMMARY_TOPICS.map((t) => lenses.find((l) => l.topic === t)?.title)
    .filter((t): t is string => !!t)
    .join(' · ');
}

// ---------------------------------------------------------------------------------------------
// Titles (short) and tooltips (the assumptions and where each came from)
// ---------------------------------------------------------------------------------------------

/** `N 124M`, or `N 46.7B (12.9B active)` for mixture-of-experts. */
function sizeLens(a: Analysis, law: ScalingLaw): { title: string; tooltip: string } {
  const p = a.params!;
  const lines = [
    `Parameters: ${formatExact(p.total)} total (every tensor once; a tied embedding counts once).`,
    `Non-embedding: ${formatExact(p.nonEmbedding)} (Kaplan et al. 2020 convention).`,
  ];
  if (p.active !== p.total)
    lines.push(
      `Active per token: ${formatExact(p.active)} (mixture-of-experts: routed experts only); FLOPs use active N.`,
    );
  const used = law.paramConvention === 'non-embedding' ? p.activeNonEmbedding : p.active;
  lines.push(`${law.id} is evaluated at N = ${formatExact(used)} (${law.paramConvention} convention).`);
  lines.push(...a.spec.assumptions.filter((s) => !isDurationAssumption(s)).map((s) => `Assumed: ${s}`));
  return { title: paramsText(a), tooltip: lines.join('\n') };
}

/** `D 295B (2371 tok/param)`, `D unknown: needs GPU count`, `D 0: no training tokens`. */
function dataLens(a: Analysis): { title: string; tooltip: string } {
  return { title: dataTitle(a), tooltip: dataTooltip(a) };
}

function dataTitle(a: Analysis): string {
  // Short: "needs training length"; the readers' parenthetical reasons and key names are in the
  // tooltip, and so is every missing value after the first when all of them would not fit a line.
  if (a.tokens === null) {
    const needs = (a.missing.length ? a.missing : ['training length']).map((m) =>
      m.replace(/ \([^()]*\)/g, ''),
    );
    const all = `D unknown: needs ${needs.join(' and ')}`;
    return all.length <= LENS_LINE_CHARS || needs.length < 2
      ? all
      : `D unknown: needs ${needs[0]} and ${needs.length - 1} more`;
  }
  if (a.tokens === 0) return 'D 0: no training tokens';
  const ratio = a.tokensPerParam !== null ? ` (${formatTokensPerParam(a.tokensPerParam)} tok/param)` : '';
  return `D ${formatCount(a.tokens)}${ratio}`;
}

function dataTooltip(a: Analysis): string {
  if (a.tokens === null)
    return [
      `Training tokens unknown: the file does not determine ${missingText(a)}.`,
      'FLOPs, cost and the predicted loss need D; the diagnostic on this file says how to supply it.',
    ].join('\n');
  const lines = [
    `${a.spec.training.finetune ? 'Finetuning' : 'Training'} tokens: ${formatExact(a.tokens)}${a.tokensFormula ? ` = ${a.tokensFormula}` : ''}.`,
  ];
  const fallback = durationDefault(a);
  if (fallback) lines.push(durationDefaultWhy(a, fallback));
  if (a.tokensPerParam !== null)
    lines.push(
      `Tokens per parameter: ${formatTokensPerParam(a.tokensPerParam)} (D / active N; compute-optimal is ~20, Hoffmann et al. 2022).`,
    );
  return lines.join('\n');
}

/**
 * The derivation of D in a few words and the compute-optimal D: `600,000 steps × 491,520 tok ·
 * optimal ≈ 2.49B`; `max_iters default 600,000 · optimal ≈ 2.49B` when the length is the
 * framework's default; `optimal D ≈ 2.49B` while D is unknown.
 */
function durationLens(a: Analysis, law: ScalingLaw): { title: string; tooltip: string } | undefined {
  const parts: string[] = [];
  const tooltip: string[] = [];
  const fallback = a.tokens !== null ? durationDefault(a) : undefined;
  if (fallback) {
    parts.push(fallback.title);
    tooltip.push(durationDefaultWhy(a, fallback));
  } else if (a.tokens !== null && a.tokens > 0) {
    const { steps, tokensPerStep } = a.spec.training;
    // Only when steps × tokens/step is D itself (schedules and ramps make it a sum).
    if (steps && tokensPerStep && steps * tokensPerStep === a.tokens)
      parts.push(`${formatExact(steps)} steps × ${formatExact(tokensPerStep)} tok`);
  }
  if (a.tokensFormula) tooltip.push(`D = ${a.tokensFormula}.`);
  const pretraining = !a.spec.training.finetune;
  if (a.optimalTokens !== null && pretraining) {
    parts.push(`${a.tokens === null ? 'optimal D' : 'optimal'} ≈ ${formatCount(a.optimalTokens)}`);
    tooltip.push(
      `Compute-optimal D for this N under ${law.id}: ${formatExact(a.optimalTokens)} tokens (${shortCitation(law)}).`,
    );
  } else if (a.optimalTokens === null && pretraining && a.tokens !== null) {
    tooltip.push(`${law.id} has no compute-optimal allocation for a fixed N.`);
  }
  if (!parts.length) return undefined;
  // Too wide for a line next to the panel: a dotted key (`trainer.num_train_steps`) by its last
  // part; the tooltip names it in full.
  if (fallback && parts.join(' · ').length > LENS_LINE_CHARS)
    parts[0] = fallback.title.replace(/^[\w-]+(?:\.[\w-]+)+(?= )/, (key) => key.split('.').pop()!);
  return { title: parts.join(' · '), tooltip: tooltip.join('\n') };
}

/** `2.20e20 FLOPs` (6·N·D, N active). */
function computeLens(a: Analysis): { title: string; tooltip: string } | undefined {
  if (a.flops === null || !a.tokens) return undefined;
  const lines = [
    `Training FLOPs = 6·N·D = 6 × ${formatExact(a.params!.active)} × ${formatExact(a.tokens)} = ${formatScientific(a.flops, 4)} (Kaplan et al. 2020; Hoffmann et al. 2022; N = active parameters).`,
  ];
  if (a.flopsWithAttention !== null)
    lines.push(
      `With the attention term 6·L·n_ctx·d_attn per token (Kaplan et al. 2020, Table 1): ${formatScientific(a.flopsWithAttention, 4)}.`,
    );
  return { title: `${formatScientific(a.flops)} FLOPs`, tooltip: lines.join('\n') };
}

/** One assumption behind the cost and days: its value and where it came from. */
export interface CostAssumption {
  name: 'accelerator' | 'GPUs' | 'MFU' | '$/GPU-hour';
  value: string;
  from: string;
}

/** The accelerator, GPU count, MFU and price a result's cost uses, each with its origin. */
export function costAssumptions(result: DocumentResult): CostAssumption[] {
  const cost = result.analysis?.cost;
  if (!cost) return [];
  const accelerator = findAccelerator(cost.gpu);
  const mfuFrom =
    result.settings.hardware.mfu === DEFAULT_ANALYSIS_SETTINGS.mfu
      ? `the default (setting scalingLens.hardware.mfu, ${pct(DEFAULT_ANALYSIS_SETTINGS.mfu)})`
      : 'your setting scalingLens.hardware.mfu';
  let priceFrom: string;
  if (result.analysisSettings.usdPerGpuHour !== undefined)
    priceFrom = 'your setting scalingLens.hardware.usdPerGpuHour';
  else if (accelerator?.usdPerHour !== undefined)
    priceFrom = `the hardware table's price for ${cost.gpu} (Sardana et al. 2024 cost calculator default)`;
  else priceFrom = `no cited price for ${cost.gpu}: a fallback; set scalingLens.hardware.usdPerGpuHour`;
  return [
    { name: 'accelerator', value: cost.gpu, from: cost.from?.gpu ?? 'the settings' },
    { name: 'GPUs', value: String(cost.gpus), from: cost.from?.gpus ?? 'the settings' },
    { name: 'MFU', value: pct(cost.mfu), from: mfuFrom },
    { name: '$/GPU-hour', value: `$${cost.usdPerGpuHour.toFixed(2)}`, from: priceFrom },
  ];
}

/** `155 H100-h ≈ $309`; the tooltip states the MFU, price, GPU count and type and their origins. */
function costLens(result: DocumentResult): { title: string; tooltip: string } | undefined {
  const cost = result.analysis?.cost;
  if (!cost || !result.analysis?.tokens) return undefined;
  const peak = findAccelerator(cost.gpu)?.peakFlops.bf16;
  const lines = [
    `GPU-hours = FLOPs / (peak BF16${peak ? ` ${formatScientific(peak)} FLOP/s` : ''} × MFU) / 3600 = ${formatGpuHours(cost.gpuHours)}; ${formatDays(cost.days)} on ${cost.gpus} GPUs; ${formatUsd(cost.usd)}.`,
    'Assumptions:',
    ...costAssumptions(result).map((c) => `• ${c.name} ${c.value} — from ${c.from}`),
  ];
  return {
    title: `${formatGpuHours(cost.gpuHours)} ${cost.gpu}-h ≈ ${formatUsd(cost.usd)}`,
    tooltip: lines.join('\n'),
  };
}

/** `loss 2.687 (2.674–2.699) epoch2024`; without a prediction, why and the law. */
function lossLens(a: Analysis, law: ScalingLaw): { title: string; tooltip: string } {
  const about = [`Law: ${law.label} — ${shortCitation(law)}.`, `N convention: ${law.paramConvention}.`];
  if (!a.loss) {
    const why = a.tokens === null ? 'loss needs D' : a.tokens === 0 ? 'no loss (D 0)' : 'no loss prediction';
    return { title: `${why} · ${law.id}`, tooltip: about.join('\n') };
  }
  const lines = [
    `Predicted loss ${formatLoss(a.loss.value)} at N = ${formatExact(a.loss.paramsUsed)}, D = ${formatExact(a.tokens!)}.`,
    a.loss.high > a.loss.low
      ? `95% interval ${formatLoss(a.loss.low)}–${formatLoss(a.loss.high)} (bootstrap draws of the law's coefficients).`
      : 'No interval: the law has no published uncertainty.',
    ...about,
  ];
  if (a.loss.atOptimalTokens !== undefined && !a.spec.training.finetune)
    lines.push(`At the compute-optimal D for this N: ${formatLoss(a.loss.atOptimalTokens)}.`);
  lines.push(...a.warnings.map((w) => `Caveat: ${w}`));
  return { title: `loss ${lossWithInterval(a)} ${a.loss.law}`, tooltip: lines.join('\n') };
}

function memoryTooltip(a: Analysis): string {
  const m = a.memory!;
  return [
    `Estimated memory of the most loaded GPU on ${m.gpu} (see the hover at the micro-batch key for the breakdown).`,
    ...m.layoutAssumptions.map((s) => `Layout: ${s}`),
    ...m.assumptions.map((s) => `Assumed: ${s}`),
    ...(a.throughput
      ? [
          `Throughput: ${formatCount(a.throughput.tokensPerSecondPerGpu)} tokens/s per GPU at MFU ${pct(a.cost?.mfu ?? DEFAULT_ANALYSIS_SETTINGS.mfu)}.`,
        ]
      : []),
  ].join('\n');
}

/** Bytes as GiB with one decimal (memory is stated in binary units, as nvidia-smi shows it). */
export function formatGiB(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(1);
}

/**
 * `≈ 39.2 / 79.6 GiB per GPU (H100)`: the memory estimate of the most loaded GPU against the
 * accelerator's capacity; only when the file's parallel layout is read. The throughput at the MFU
 * setting is in the tooltip (with it the title did not fit next to the panel, issue #16).
 */
export function memoryLensTitle(a: Analysis): string | undefined {
  const memory = a.memory;
  if (!memory) return undefined;
  const capacity =
    memory.capacityBytes !== null && memory.capacityBytes !== undefined
      ? ` / ${formatGiB(memory.capacityBytes)}`
      : '';
  const verdict = memory.fits === false ? ' · does not fit' : '';
  return `≈ ${formatGiB(memory.perGpuBytes)}${capacity} GiB per GPU (${memory.gpu})${verdict}`;
}

/**
 * `inference 1T tok: N 80M · D 1.2T`: the inference-aware shape at this run's loss (Sardana et al.
 * 2024); the comparison of lifetime FLOPs is in the tooltip. Undefined when no plan exists.
 */
function inferenceLens(
  a: Analysis,
  law: ScalingLaw,
  inferenceTokens: number,
): { title: string; tooltip: string } | undefined {
  const full = inferenceLensTitle(a, law, inferenceTokens);
  if (!full || !a.loss || a.tokens === null) return undefined;
  const plan = planInferenceAware(law, { targetLoss: a.loss.value, inferenceTokens });
  if (!plan.ok) return undefined;
  const optimal = plan.value.optimal;
  return {
    title: `inference ${formatCount(inferenceTokens)} tok: N ${formatCount(optimal.params)} · D ${formatCount(optimal.tokens)}`,
    tooltip: [
      `${full}.`,
      `Objective: lifetime FLOPs = 6·N·D training + 2·N per served token (Sardana et al. 2024), at the same predicted loss under ${law.id}.`,
      'Served tokens from the setting scalingLens.inference.tokens.',
    ].join('\n'),
  };
}

/**
 * `Inference-aware for 1T served tokens (same loss 2.687): N 80M · D 1.2T (15 tok/param) · lifetime
 * 1.0e21 FLOPs vs 1.4e21 for this run`, or undefined when the run's loss or the law does not allow a plan.
 */
export function inferenceLensTitle(
  a: Analysis,
  law: ScalingLaw,
  inferenceTokens: number,
): string | undefined {
  if (!a.loss || a.tokens === null || !a.params) return undefined;
  const plan = planInferenceAware(law, { targetLoss: a.loss.value, inferenceTokens });
  if (!plan.ok) return undefined;
  const optimal = plan.value.optimal;
  // This run's lifetime FLOPs under the same accounting: 6·N·D training + 2·N per served token.
  const runLifetimeFlops = 6 * a.loss.paramsUsed * a.tokens + 2 * a.loss.paramsUsed * inferenceTokens;
  return (
    `Inference-aware for ${formatCount(inferenceTokens)} served tokens (same loss ${formatLoss(a.loss.value)}): ` +
    `N ${formatCount(optimal.params)} · D ${formatCount(optimal.tokens)} (${formatTokensPerParam(optimal.tokensPerParam)} tok/param) · ` +
    `lifetime ${formatScientific(optimal.totalFlops)} FLOPs vs ${formatScientific(runLifetimeFlops)} for this run`
  );
}

// ---------------------------------------------------------------------------------------------
// The run length from a framework default (issue #16: nanoGPT without max_iters → 600000)
// ---------------------------------------------------------------------------------------------

/** A run length the reader took from the framework's default, as its assumption states it. */
export interface DurationDefault {
  /** The key the file leaves unset, e.g. `max_iters`. */
  key: string;
  /** The default as the lens shows it, e.g. `600,000`. */
  value: string;
  /** The reader's assumption, verbatim (or what we infer when the reader states none). */
  assumption: string;
  /** The duration lens's words, e.g. `max_iters default 600,000`. */
  title: string;
}

/**
 * Readers state every default they apply as an assumption, `<key> not set: <where> default <value>`
 * or `<key> absent: <where> default <value>` (nanoGPT `max_iters not set: train.py default 600000`,
 * Levanter `trainer.num_train_steps absent: Levanter default 400,000`, LitGPT `train.max_tokens not
 * set: pretrain default 3e12 tokens`). The run length came from such a default when the file has no
 * key for it (no duration, steps or tokens source in this file) and an assumption names a
 * length-like key.
 */
export function durationDefault(a: Analysis): DurationDefault | undefined {
  const sources = a.spec.trainingSources;
  const keys = [sources.duration, sources.steps, sources.tokens];
  if (keys.some((s) => s && !s.file)) return undefined;
  for (const assumption of a.spec.assumptions) {
    const match = DEFAULT_ASSUMPTION.exec(assumption);
    if (!match || !LENGTH_KEY.test(match[1]!)) continue;
    const value = match[2]!.trim().replace(/^\d{4,}(?=\b)/, (digits) => formatExact(Number(digits)));
    return { key: match[1]!, value, assumption, title: `${match[1]!} default ${value}` };
  }
  if (a.tokens === null || a.tokens === 0 || storedTokensOf(a)) return undefined;
  // The length is read from another file (MaxText's base.yml, an included config): name it.
  const inherited = keys.find((s) => s?.file);
  if (inherited) {
    const file = inherited.file!.split(/[\\/]/).pop()!;
    const value = inherited.raw.trim();
    return {
      key: inherited.key,
      value,
      assumption: `${inherited.key} = ${value} from ${inherited.file} (line ${inherited.keyRange.start.line + 1})`,
      title: `${inherited.key} ${value} from ${file}`,
    };
  }
  // No key in any file set the length, yet D is known: the reader used the framework's default
  // without naming it (MaxText without \`steps\` takes base.yml's). Say so rather than stay silent.
  const steps = a.spec.training.steps;
  const value = steps ? `${formatExact(steps)} steps` : `${formatCount(a.tokens)} tokens`;
  return {
    key: 'the run length',
    value,
    assumption: `no key in the file sets the run length; the reader used the framework's default (${value})`,
    title: `default length ${value}`,
  };
}

const DEFAULT_ASSUMPTION = /^([\w.-]+) (?:not set|absent):.*?\bdefault (.+)$/;
/**
 * Keys that set a run's length in the readers' assumption texts (max_iters, num_train_steps,
 * max_tokens, max_duration, train_samples, epochs, stop_at), not per-step or schedule keys
 * (gradient_accumulation_steps, warmup_iters, eval_iters).
 */
const LENGTH_KEY =
  /^(?!.*(?:accum|warmup|decay|eval|log|save|ckpt|checkpoint|interval|per_))[\w.-]*(?:iters|steps|tokens|duration|epochs|samples|stop_at)$/i;

function isDurationAssumption(assumption: string): boolean {
  const match = DEFAULT_ASSUMPTION.exec(assumption);
  return !!match && LENGTH_KEY.test(match[1]!);
}

function durationDefaultWhy(a: Analysis, d: DurationDefault): string {
  const where = `src/core/config/frameworks/${a.framework}/README.md cites the source`;
  if (d.key === 'the run length')
    return `No key in this file sets the run length, so the reader used the framework's default: ${d.value} (${where}). Set it in the file to make it explicit.`;
  if (d.title.includes(' from '))
    return `The run length comes from another file: ${d.assumption}. Set ${d.key} in this file to make it explicit.`;
  return (
    `The file does not set ${d.key}, so the run length is the framework default (${d.assumption}; ` +
    `${where}). Set it in the file to make it explicit.`
  );
}

// ---------------------------------------------------------------------------------------------
// Shared formatting
// ---------------------------------------------------------------------------------------------

/** `124M`, or `46.7B (12.9B active)` for mixture-of-experts. */
function paramsText(a: Analysis): string {
  if (!a.params) return 'N unknown';
  const active = a.params.active !== a.params.total ? ` (${formatCount(a.params.active)} active)` : '';
  return `N ${formatCount(a.params.total)}${active}`;
}

/** `2.687 (2.674–2.699)`, or just `2.687` when the law has no uncertainty. */
export function lossWithInterval(a: Analysis): string {
  if (!a.loss) return '—';
  const { value, low, high } = a.loss;
  return high > low ? `${formatLoss(value)} (${formatLoss(low)}–${formatLoss(high)})` : formatLoss(value);
}

/** Whole numbers from 10 up (2371), two significant digits below (0.53, 4.2). */
export function formatTokensPerParam(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  return ratio >= 10 ? String(Math.round(ratio)) : String(Number(ratio.toPrecision(2)));
}

/** GPU-hours: formatCount from 1 up (155, 1.4K), two significant digits below. */
export function formatGpuHours(hours: number): string {
  return hours >= 1 ? formatCount(hours) : String(Number(hours.toPrecision(2)));
}

function formatDays(days: number): string {
  if (days >= 1) return `${Number(days.toPrecision(3))} days`;
  const hours = days * 24;
  return hours >= 1
    ? `${Number(hours.toPrecision(3))} hours`
    : `${Number((hours * 60).toPrecision(2))} minutes`;
}

/** The citation up to its first clause (the full text, with coefficients, is in the hover). */
function shortCitation(law: ScalingLaw): string {
  return law.citation.split(/; |\. (?=[A-Z])/)[0]!.replace(/\.$/, '');
}

function pct(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

function missingText(a: Analysis): string {
  return a.missing.length ? a.missing.join(' and ') : 'training length';
}

/** The training-length key in this file: the duration, else the token or step count key. */
function lengthKeyRange(a: Analysis): Range | undefined {
  const s = a.spec.trainingSources;
  // Without a length key (a framework default), the next training key keeps D off the model line.
  const key = [s.duration, s.tokens, s.steps, s.globalBatch, s.gradAccum, s.seqLen].find((x) => x && !x.file);
  return key ? lineStart(key.keyRange) : undefined;
}

/** The first architecture key below the model line (the shape the inference plan would change). */
function inferenceRange(a: Analysis, modelRange: Range): Range {
  const below = Object.values(a.spec.archSources)
    .filter((s) => s && !s.file && s.keyRange.start.line > modelRange.start.line)
    .sort((x, y) => x!.keyRange.start.line - y!.keyRange.start.line)[0];
  return below ? lineStart(below.keyRange) : modelRange;
}

/** Where the model-line lenses sit (the model section, else the first architecture key). */
export function modelLineRange(a: Analysis): Range {
  return lineStart(a.spec.modelSectionRange ?? firstArchRange(a));
}

function firstArchRange(a: Analysis): Range {
  const sources = Object.values(a.spec.archSources).filter((s) => s && !s.file);
  const first = sources.sort((x, y) => x!.keyRange.start.line - y!.keyRange.start.line)[0];
  return first?.keyRange ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function lineStart(range: Range): Range {
  return { start: range.start, end: range.start };
}

/** A fingerprint of what the lenses show, to send `workspace/codeLens/refresh` only on real change. */
export function lensFingerprint(lenses: readonly CodeLens[]): string {
  return JSON.stringify(
    lenses.map((l) => [l.range.start.line, l.command?.title, (l.data as LensData | undefined)?.tooltip]),
  );
}
