/**
 * The LR / batch lenses (issue 14 item 3): at the key that sets the peak learning rate, the config's
 * LR beside each published law's optimum at this run's scale; at the global-batch key (else the
 * gradient-accumulation key, else the micro-batch key), the batch in tokens likewise:
 *
 *   `lr 6e-4 · opt DeepSeek 1.66e-3 · Step Law 3.1e-3`
 *   `batch 524K tok · opt DeepSeek 261K · Step Law 135K`
 *
 * Short enough for one lens line beside the explorer and the panel (≤ 52 characters,
 * src/server/lenses.ts); the ratios (config / optimum) and each law's year are in the tooltip, which
 * states each law's formula, the scale it
 * was evaluated at and its convention (DeepSeek's C in non-embedding FLOPs, M per token; Step Law's
 * non-embedding N and training tokens D). Formatting only: the numbers come from the core
 * (src/core/hyperparameterComparison.ts over the analysis).
 */
import type { Range } from 'vscode-languageserver';
import type { Analysis } from '../core/analyze';
import { formatCount, formatExact, formatScientific } from '../core/format';
import {
  compareBatch,
  compareLearningRate,
  flopsPerTokenTerms,
  type HyperparameterComparison,
  type LawOptimumComparison,
} from '../core/hyperparameterComparison';
import { PORIAN_BETA2_HINT } from '../core/laws/hyperparameters';
import { formatLr } from './scheduleHover';

/** One lens before lenses.ts turns it into an LSP CodeLens. */
export interface HyperparameterLens {
  title: string;
  tooltip: string;
  range: Range;
}

/** The LR lens and the batch lens of an analysis, each where its key is written in this file. */
export function hyperparameterLenses(a: Analysis): HyperparameterLens[] {
  const out: HyperparameterLens[] = [];
  const key = a.hyperparameters?.config.learningRateKey;
  const lr = compareLearningRate(a);
  if (lr && key) {
    const line = key.line - 1;
    const start = key.range?.start ?? { line, character: 0 };
    out.push({ ...lrLens(a, lr, key.key, key.line), range: { start, end: start } });
  }
  // The global-batch key; else the accumulation key (it sets the global batch without touching
  // memory, and the memory lens already sits at the micro-batch key); else the micro-batch key.
  const s = a.spec.trainingSources;
  const batchKey = [s.globalBatch, s.gradAccum, s.microBatch].find((k) => k && !k.file);
  const batch = compareBatch(a);
  if (batch && batchKey) {
    const start = batchKey.keyRange.start;
    out.push({ ...batchLens(a, batch, batchKey.key), range: { start, end: start } });
  }
  return out;
}

function lrLens(
  a: Analysis,
  c: HyperparameterComparison,
  key: string,
  line: number,
): { title: string; tooltip: string } {
  const parts = c.optima.map((o) => `${lawTitle(o)} ${formatLr(o.optimum)}`);
  const tooltip = [
    `Peak learning rate ${formatLr(c.config)} from \`${key}\` (line ${line}), read by the framework's LR-schedule extractor.`,
    ...c.optima.map((o) => lawLine(a, o, 'η_opt', formatLr(o.optimum))),
    ...commonLines(a, c),
  ];
  return {
    title: [`lr ${formatLr(c.config)}`, ...optimaTitle(parts, a, c)].join(' · '),
    tooltip: tooltip.join('\n'),
  };
}

function batchLens(
  a: Analysis,
  c: HyperparameterComparison,
  key: string,
): { title: string; tooltip: string } {
  const parts = c.optima.map((o) => `${lawTitle(o)} ${formatCount(o.optimum)}`);
  const seqLen = a.spec.training.seqLen;
  const sequences = a.hyperparameters?.config.batchSequences;
  const own =
    sequences !== null && sequences !== undefined && seqLen
      ? `${formatExact(sequences)} sequences × ${formatExact(seqLen)} tokens = ${formatExact(c.config)} tokens`
      : `${formatExact(c.config)} tokens`;
  const tooltip = [
    `Global batch ${own} per optimizer step (from \`${key}\` and the file's batch keys).`,
    ...c.optima.map((o) => {
      const inSequences = seqLen
        ? ` = ${formatExact(Math.round(o.optimum / seqLen))} sequences of ${seqLen}`
        : '';
      return lawLine(a, o, 'B_opt', `${formatExact(Math.round(o.optimum))} tokens${inSequences}`);
    }),
    ...commonLines(a, c),
    `Hint: ${PORIAN_BETA2_HINT}`,
  ];
  return {
    title: [`batch ${formatCount(c.config)} tok`, ...optimaTitle(parts, a, c)].join(' · '),
    tooltip: tooltip.join('\n'),
  };
}

/** `DeepSeek`, `Step Law` (the year is in the tooltip's law lines). */
function lawTitle(o: LawOptimumComparison): string {
  return o.shortLabel.replace(/ \d{4}$/, '');
}

/** `opt DeepSeek 1.66e-3`, `Step Law 3.1e-3`, or why no law gives an optimum. */
function optimaTitle(parts: string[], a: Analysis, c: HyperparameterComparison): string[] {
  return parts.length ? [`opt ${parts[0]}`, ...parts.slice(1)] : orWhy(parts, a, c);
}

/** `0.36×`, `2×`, `3.9×`, `12×` (two significant digits). */
function ratioText(ratio: number): string {
  return `${Number(ratio.toPrecision(2))}×`;
}

/** The lens parts, or why no law gives an optimum (finetune, D unknown). */
function orWhy(parts: string[], a: Analysis, c: HyperparameterComparison): string[] {
  if (parts.length) return parts;
  if (a.spec.training.finetune) return ['no pretraining optimum (finetune)'];
  const needs = [...new Set(c.missing.flatMap((m) => m.needs))];
  return [`no law optimum (needs ${needs.join(', ') || 'the run scale'})`];
}

/** One law's line: formula = value at its inputs, in its convention, and where it comes from. */
function lawLine(a: Analysis, o: LawOptimumComparison, symbol: string, value: string): string {
  const inputs = Object.entries(o.inputs)
    .map(([name, x]) => `${name} = ${inputText(name, x)}`)
    .join(', ');
  const lines = [
    `${o.shortLabel}: ${symbol} = ${o.formula} = ${value} at ${inputs}; ${ratioText(o.ratio)} is this config / the optimum.`,
    `  Convention: ${o.convention}.`,
  ];
  if ('C' in o.inputs) {
    const m = flopsPerTokenTerms(a);
    const tokens = a.tokens;
    if (m && tokens)
      lines.push(
        `  C = M·D = ${formatScientific(m.flopsPerToken, 4)} FLOPs/token × ${formatExact(tokens)} tokens, with M = 6·N_non-embedding + 6·n_layer·seq·d_attn = ` +
          `6 × ${formatExact(m.nonEmbeddingParams)} + 6 × ${m.nLayers} × ${m.seqLen} × ${m.attentionWidth} ` +
          `(DeepSeek's 72·n_layer·d_model² + 6·n_layer·d_model·seq, with this model's exact non-embedding count; not 6·N·D with total N).`,
      );
  }
  lines.push(`  Source: ${o.citation}`);
  return lines.join('\n');
}

function inputText(name: string, value: number): string {
  if (name === 'C') return `${formatScientific(value, 4)} FLOPs`;
  if (name === 'N') return `${formatExact(value)} non-embedding parameters`;
  if (name === 'D') return `${formatExact(value)} tokens`;
  return formatScientific(value, 4);
}

/** What the two laws share: their disagreement, what is missing, and the analysis's notes. */
function commonLines(a: Analysis, c: HyperparameterComparison): string[] {
  const lines: string[] = [];
  if (c.spread !== null)
    lines.push(
      `A guide, not a target: the laws differ by ${c.spread.toFixed(1)}× from each other at this scale (different data and conventions).`,
    );
  for (const m of c.missing)
    lines.push(`${m.shortLabel}: no optimum here${m.needs.length ? ` (needs ${m.needs.join(', ')})` : ''}.`);
  const notes = (a.hyperparameters?.notes ?? []).filter((n) => /^(Finetune|D is unknown|Mixture)/.test(n));
  lines.push(...notes);
  return lines;
}
