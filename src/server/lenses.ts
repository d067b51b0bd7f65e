/**
 * Code lenses: a summary at the model section, the derivation of D at the training-length key and,
 * when an inference demand is configured, the inference-aware alternative. Pure formatting over a
 * {@link DocumentResult}; every number comes from the core.
 */
import type { CodeLens, Range } from 'vscode-languageserver';
import type { Analysis } from '../core/analyze';
import { formatCount, formatLoss, formatScientific, formatUsd } from '../core/format';
import type { ScalingLaw } from '../core/laws/published';
import { planInferenceAware } from '../core/plan';
import { Commands } from '../protocol';
import type { DocumentResult } from './model';

/** The document's lenses under its settings (empty when lenses are off or nothing is known). */
export function buildLenses(result: DocumentResult): CodeLens[] {
  const { settings, analysis } = result;
  if (!settings.lens.enable || !analysis || !analysis.params) return [];
  const command = (title: string) => ({ title, command: Commands.showCurves, arguments: [result.uri] });
  const lenses: CodeLens[] = [];
  const modelRange = lineStart(analysis.spec.modelSectionRange ?? firstArchRange(analysis));
  if (settings.lens.summary)
    lenses.push({ range: modelRange, command: command(summaryLensTitle(analysis, result.law.id)) });
  const duration = analysis.spec.trainingSources.duration;
  // A duration inherited from another file (MaxText base.yml) has a range in that file, not here.
  if (settings.lens.duration && duration && !duration.file) {
    lenses.push({ range: lineStart(duration.keyRange), command: command(durationLensTitle(analysis)) });
  }
  if (settings.lens.memory) {
    const title = memoryLensTitle(analysis);
    // At the micro-batch key, which memory depends on most, so it does not share the summary's line.
    const microBatch = analysis.spec.trainingSources.microBatch;
    const range = microBatch && !microBatch.file ? lineStart(microBatch.keyRange) : modelRange;
    if (title) lenses.push({ range, command: command(title) });
  }
  if (settings.lens.inference && settings.inference.tokens !== null) {
    const title = inferenceLensTitle(analysis, result.law, settings.inference.tokens);
    if (title) lenses.push({ range: modelRange, command: command(title) });
  }
  return lenses;
}

/** Bytes as GiB with one decimal (memory is stated in binary units, as nvidia-smi shows it). */
export function formatGiB(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(1);
}

/**
 * `≈ 39.2 / 79.6 GiB per GPU (H100) · 46.5k tok/s per GPU`: the memory estimate of the most loaded GPU
 * against the accelerator's capacity, and throughput at the MFU setting; only when the file's
 * parallel layout is read.
 */
export function memoryLensTitle(a: Analysis): string | undefined {
  const memory = a.memory;
  if (!memory) return undefined;
  const capacity =
    memory.capacityBytes !== null && memory.capacityBytes !== undefined
      ? ` / ${formatGiB(memory.capacityBytes)}`
      : '';
  const verdict = memory.fits === false ? ' · does not fit' : '';
  const throughput = a.throughput
    ? ` · ${formatCount(a.throughput.tokensPerSecondPerGpu)} tok/s per GPU`
    : '';
  return `≈ ${formatGiB(memory.perGpuBytes)}${capacity} GiB per GPU (${memory.gpu})${verdict}${throughput}`;
}

/**
 * `N 124M · D 295B (2371 tok/param) · 2.20e20 FLOPs · 155 H100-h ≈ $309 · loss 2.687 (2.674–2.699) epoch2024`;
 * with D unknown: `N 124M · D unknown: needs GPU count · optimal D ≈ 2.49B · epoch2024`.
 */
export function summaryLensTitle(a: Analysis, lawId: string): string {
  const parts = [paramsText(a)];
  if (a.tokens === null) {
    parts.push(`D unknown: needs ${missingText(a)}`);
    // "Compute-optimal D" is a pretraining notion; a finetune's D is not measured against it.
    if (a.optimalTokens !== null && !a.spec.training.finetune)
      parts.push(`optimal D ≈ ${formatCount(a.optimalTokens)}`);
    parts.push(lawId);
    return parts.join(' · ');
  }
  if (a.tokens === 0) {
    // Eval-only configs (nanoGPT eval_only) train on nothing: FLOPs, cost and loss would be noise.
    parts.push('D 0: no training tokens', lawId);
    return parts.join(' · ');
  }
  parts.push(
    `D ${formatCount(a.tokens)}${a.tokensPerParam !== null ? ` (${formatTokensPerParam(a.tokensPerParam)} tok/param)` : ''}`,
  );
  if (a.flops !== null) parts.push(`${formatScientific(a.flops)} FLOPs`);
  if (a.cost) parts.push(`${formatGpuHours(a.cost.gpuHours)} ${a.cost.gpu}-h ≈ ${formatUsd(a.cost.usd)}`);
  if (a.loss) parts.push(`loss ${lossWithInterval(a)} ${a.loss.law}`);
  else parts.push(lawId);
  return parts.join(' · ');
}

/**
 * `D 295B tokens = 600000 steps × 491520 tokens/step · optimal ≈ 2.49B for this N`; with D unknown:
 * `D unknown: needs GPU count · optimal ≈ 2.49B for this N`.
 */
export function durationLensTitle(a: Analysis): string {
  const head =
    a.tokens === null
      ? `D unknown: needs ${missingText(a)}`
      : `D ${formatCount(a.tokens)} ${a.spec.training.finetune ? 'finetuning tokens' : 'tokens'}${a.tokensFormula ? ` = ${a.tokensFormula}` : ''}`;
  return a.optimalTokens !== null && !a.spec.training.finetune
    ? `${head} · optimal ≈ ${formatCount(a.optimalTokens)} for this N`
    : head;
}

/**
 * `Inference-aware for 1T served tokens (same loss 2.687): N 80M · D 1.2T · lifetime 1.0e21 FLOPs vs
 * 1.4e21 for this run`, or undefined when the run's loss or the law does not allow a plan.
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

function missingText(a: Analysis): string {
  return a.missing.length ? a.missing.join(' and ') : 'training length';
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
  return JSON.stringify(lenses.map((l) => [l.range.start.line, l.command?.title]));
}
