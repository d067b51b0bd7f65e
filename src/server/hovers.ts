/**
 * Hovers on the keys the analysis read: what the key does to N, compute and predicted loss. The
 * "what if" rows re-run the core's analyzeSpec on a modified ArchitectureSpec, so the numbers are
 * the same math as the lens, never an approximation.
 */
import type { Hover, Position } from 'vscode-languageserver';
import { analyzeText, type Analysis, type AnalysisSettings } from '../core/analyze';
import { LineIndex } from '../core/config/text';
import { formatCount, formatLoss, formatScientific } from '../core/format';
import type { ArchField, FieldSource, ReadContext, SourceRange, TrainingField } from '../core/types';
import { formatTokensPerParam, lossWithInterval } from './lenses';
import type { DocumentResult } from './model';
import { memoryHover } from './memoryHover';
import { scheduleHover } from './scheduleHover';
import type { LoadedDownstreamLaw } from '../core/downstream/saved';
import { accuracyWithInterval, formatAccuracy, predictForAnalysis } from './downstreamLenses';

/** The document a hover is on: its text and how to read its siblings (for the what-if re-reads). */
export interface HoverDocument {
  text: string;
  context: ReadContext;
}

/** The hover at `position`, or null when it is not on a key the analysis used. */
export function buildHover(
  result: DocumentResult,
  position: Position,
  document: HoverDocument,
): Hover | null {
  const a = result.analysis;
  if (!result.settings.hover.enable || !a) return null;
  const memory = memoryHover(result, position, document);
  if (memory) return memory;
  const schedule = scheduleHover(result, position, document);
  if (schedule) return schedule;
  const hit = findSource(a, position);
  if (!hit) return null;
  const markdown =
    hit.kind === 'arch'
      ? archHover(a, hit.field, hit.source, result.analysisSettings, document, result.downstream?.loaded)
      : trainingHover(a, hit.field, hit.source, result.law.id, result.downstream?.loaded);
  if (!markdown) return null;
  return { contents: { kind: 'markdown', value: markdown }, range: hit.source.keyRange };
}

type Hit =
  | { kind: 'arch'; field: ArchField; source: FieldSource }
  | { kind: 'training'; field: TrainingField; source: FieldSource };

/** The source (key or value) under the position; values from other files do not count. */
function findSource(a: Analysis, position: Position): Hit | undefined {
  const over = (s: FieldSource | undefined): s is FieldSource =>
    !!s && !s.file && (contains(s.keyRange, position) || contains(s.valueRange, position));
  // The duration key often also supplies steps (nanoGPT max_iters): its hover is the richer one.
  const training = Object.entries(a.spec.trainingSources).sort(
    ([x], [y]) => Number(y === 'duration') - Number(x === 'duration'),
  );
  for (const [field, source] of training) {
    if (over(source)) return { kind: 'training', field: field as TrainingField, source };
  }
  for (const [field, source] of Object.entries(a.spec.archSources)) {
    if (over(source)) return { kind: 'arch', field: field as ArchField, source };
  }
  return undefined;
}

function contains(range: SourceRange, p: Position): boolean {
  const afterStart =
    p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const beforeEnd =
    p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return afterStart && beforeEnd;
}

/**
 * What each architecture key is and which neighbouring values of the key (as written, in the file's
 * own units) the hover compares. Each what-if row is the analysis of the file with that one value
 * rewritten, so a key that feeds several fields (an MoE's `intermediate_size` sets the expert width
 * too; OLMo's fused `mlp_hidden_size` is twice the per-branch width) is right by construction.
 */
const ARCH_KEYS: Partial<Record<ArchField, { step: number | 'flip'; role: (a: Analysis) => string }>> = {
  nLayers: { step: 1, role: (a) => `${a.spec.architecture!.nLayers} transformer blocks` },
  dModel: { step: 128, role: (a) => `model width ${a.spec.architecture!.dModel}` },
  nHeads: {
    step: 1,
    role: (a) => {
      const arch = a.spec.architecture!;
      return arch.headDim * arch.nHeads === arch.dModel
        ? `${arch.nHeads} heads of width ${arch.headDim}; with head_dim = width / heads the head count does not change N`
        : `${arch.nHeads} query heads of width ${arch.headDim}`;
    },
  },
  nKvHeads: {
    step: 1,
    role: (a) => {
      const arch = a.spec.architecture!;
      const kind =
        arch.nKvHeads === arch.nHeads ? 'multi-head' : arch.nKvHeads === 1 ? 'multi-query' : 'grouped-query';
      return `${arch.nKvHeads} key/value heads (${kind} attention)`;
    },
  },
  headDim: { step: 16, role: (a) => `head width ${a.spec.architecture!.headDim}` },
  ffnSize: {
    step: 256,
    role: (a) => {
      const arch = a.spec.architecture!;
      const experts = arch.moe ? `; expert width ${arch.moe.expertFfnSize}` : '';
      return `MLP width ${arch.ffnSize} per branch (${arch.gatedMlp ? 'gated: 3' : '2'} matrices per block)${experts}`;
    },
  },
  vocabSize: {
    step: 1024,
    role: (a) => {
      const arch = a.spec.architecture!;
      return `${arch.vocabSize} embedding rows (${arch.tiedEmbeddings ? 'tied with the output head' : 'plus an untied output head'})`;
    },
  },
  tiedEmbeddings: {
    step: 'flip',
    role: (a) =>
      a.spec.architecture!.tiedEmbeddings
        ? 'input embedding and output head share one matrix'
        : 'separate input embedding and output head',
  },
  maxPositions: {
    step: 1024,
    role: (a) => {
      const arch = a.spec.architecture!;
      return arch.learnedPositions > 0
        ? `${arch.learnedPositions} learned position rows`
        : 'context length; positions are not learned here, so it adds no parameters';
    },
  },
  nExperts: { step: 1, role: (a) => `${a.spec.architecture!.moe?.nExperts ?? 0} experts per MoE layer` },
  expertsPerToken: {
    step: 1,
    role: (a) => `${a.spec.architecture!.moe?.expertsPerToken ?? 0} experts active per token`,
  },
};

/** A written number (quotes, `_` separators and an integer exponent form allowed), or undefined. */
function writtenNumber(raw: string): { value: number; quote: string } | undefined {
  const match = /^\s*(["']?)([+]?[\d_]+)\1\s*,?\s*$/.exec(raw);
  if (!match) return undefined;
  const value = Number(match[2]!.replace(/_/g, ''));
  return Number.isSafeInteger(value) ? { value, quote: match[1]! } : undefined;
}

/** The flipped spelling of a written boolean, keeping its style (true/True/TRUE), or undefined. */
function flippedBoolean(raw: string): string | undefined {
  const match = /^(\s*["']?)(true|false)(["']?\s*,?\s*)$/i.exec(raw);
  if (!match) return undefined;
  const word = match[2]!;
  const flipped = /^true$/i.test(word) ? 'false' : 'true';
  const styled =
    word === word.toUpperCase()
      ? flipped.toUpperCase()
      : word[0] === word[0]!.toUpperCase()
        ? flipped[0]!.toUpperCase() + flipped.slice(1)
        : flipped;
  return match[1]! + styled + match[3]!;
}

/** One what-if row: the value written in its place and the analysis of the file that results. */
interface WhatIf {
  label: string;
  order: number;
  analysis: Analysis | null;
}

/** The file with the value at `range` rewritten, analyzed like the document itself. */
function reanalyze(
  document: HoverDocument,
  range: SourceRange,
  replacement: string,
  settings: AnalysisSettings,
): Analysis | null {
  const lines = new LineIndex(document.text);
  const start = lines.offsetAt(range.start);
  const end = lines.offsetAt(range.end);
  const edited = document.text.slice(0, start) + replacement + document.text.slice(end);
  return analyzeText(edited, document.context, settings).analysis;
}

/**
 * Architecture key hover: role, (for the layer count) params per layer, and a table of N, FLOPs
 * and predicted loss for the current value and its neighbours, sorted by value. Every row other than
 * the current one is the analysis of the file with that value written in.
 */
export function archHover(
  a: Analysis,
  field: ArchField,
  source: FieldSource,
  settings: AnalysisSettings,
  document: HoverDocument,
  /** The selected downstream law: adds a predicted-accuracy column (issue #14). */
  downstream?: LoadedDownstreamLaw,
): string | undefined {
  const arch = a.spec.architecture;
  if (!arch || !a.params) return undefined;
  const lines = [`**${source.key} = ${source.raw.trim()}** · Scaling Lens`];
  if (field === 'modelName') {
    lines.push(
      '',
      `${arch.nLayers} layers · width ${arch.dModel} · ${arch.nHeads} heads (${arch.nKvHeads} KV) · FFN ${arch.ffnSize} · vocab ${arch.vocabSize} → N ${formatCount(a.params.total)}`,
    );
    return lines.join('\n');
  }
  const key = ARCH_KEYS[field];
  if (!key) return undefined;
  const rows: WhatIf[] = [];
  let current: WhatIf;
  if (key.step === 'flip') {
    const flipped = flippedBoolean(source.raw);
    current = { label: `**${source.raw.trim()}** (now)`, order: 0, analysis: a };
    if (flipped !== undefined)
      rows.push({
        label: flipped.trim(),
        order: 1,
        analysis: reanalyze(document, source.valueRange, flipped, settings),
      });
  } else {
    const written = writtenNumber(source.raw);
    current = { label: `**${source.raw.trim()}** (now)`, order: written?.value ?? 0, analysis: a };
    if (written) {
      for (const value of [written.value - key.step, written.value + key.step]) {
        if (value < 1) continue;
        const literal = `${written.quote}${value}${written.quote}`;
        rows.push({
          label: String(value),
          order: value,
          analysis: reanalyze(document, source.valueRange, literal, settings),
        });
      }
    }
  }
  // A neighbour the framework would refuse (heads that do not divide the width) is no what-if.
  for (let i = rows.length - 1; i >= 0; i--) if (!rows[i]!.analysis?.params) rows.splice(i, 1);
  let role = key.role(a);
  if (field === 'nLayers') {
    const plusOne = rows.find((r) => r.order > current.order)?.analysis?.params;
    if (plusOne) role += ` · ${formatCount(plusOne.total - a.params.total)} params per layer`;
  }
  lines.push('', role);
  if (rows.length === 0) {
    if (key.step !== 'flip' && !writtenNumber(source.raw) && !source.file)
      lines.push('', 'What-if rows need a plain number here.');
    return lines.join('\n');
  }
  const header = field === 'tiedEmbeddings' ? 'embeddings' : source.key;
  const accuracyHeader = downstream ? ` acc ${downstream.law.target} |` : '';
  lines.push(
    '',
    `| ${header} | N | FLOPs | loss |${accuracyHeader}`,
    `|---:|---:|---:|---:|${downstream ? '---:|' : ''}`,
  );
  const ordered = [current, ...rows].sort((x, y) => x.order - y.order);
  for (const row of ordered)
    lines.push(
      tableRow(row.label, row.analysis, a) +
        (downstream ? ` ${accuracyCell(downstream, row.analysis, a)} |` : ''),
    );
  const sameTokens = rows.every((row) => !row.analysis || row.analysis.tokens === a.tokens);
  lines.push(
    '',
    a.tokens === null
      ? `D unknown, so FLOPs and loss are too — it needs ${a.missing.join(' and ')}`
      : sameTokens
        ? `D held at ${formatCount(a.tokens)} tokens · law ${a.loss?.law ?? settings.lawId}`
        : `D as each edited file gives it · law ${a.loss?.law ?? settings.lawId}`,
  );
  return lines.join('\n');
}

function tableRow(label: string, row: Analysis | null, base: Analysis): string {
  if (!row) return `| ${label} | not a valid config | — | — |`;
  const isBase = row === base;
  const n = row.params
    ? `${formatCount(row.params.total)}${isBase ? '' : ` (${signedCount(row.params.total - base.params!.total)})`}`
    : '—';
  const flops = row.flops !== null ? formatScientific(row.flops) : '—';
  const loss = row.loss
    ? `${formatLoss(row.loss.value)}${isBase || !base.loss ? '' : ` (${signedLoss(row.loss.value - base.loss.value)})`}`
    : '—';
  return `| ${label} | ${n} | ${flops} | ${loss} |`;
}

/**
 * The duration key's accuracy lines: the prediction now, at half and twice D (the length's what-if
 * rows; the step and token keys that set D are many, so D itself is stepped), and at the compute-optimal D.
 */
function lengthAccuracyLines(a: Analysis, downstream: LoadedDownstreamLaw): string[] {
  const now = predictForAnalysis(downstream, a);
  const target = downstream.law.target;
  if (!now || a.tokens === null) return [];
  const at = (tokens: number) => predictForAnalysis(downstream, { ...a, tokens });
  const shifted = ([0.5, 2] as const)
    .map((factor) => ({ factor, p: at(a.tokens! * factor) }))
    .filter((x) => x.p)
    .map(({ factor, p }) => `${formatAccuracy(p!.accuracy)} at ${factor === 2 ? '2×' : '½×'} D`);
  const optimal = a.optimalTokens !== null && !a.spec.training.finetune ? at(a.optimalTokens) : undefined;
  return [
    `- predicted ${target} accuracy ${accuracyWithInterval(now)} now${now.extrapolated ? ' (extrapolated)' : ''}` +
      (shifted.length ? ` · ${shifted.join(' · ')}` : '') +
      (optimal ? ` · ${formatAccuracy(optimal.accuracy)} at the compute-optimal D` : ''),
  ];
}

/** The row's predicted accuracy under the downstream law, and its change from the current value. */
function accuracyCell(downstream: LoadedDownstreamLaw, row: Analysis | null, base: Analysis): string {
  const predicted = predictForAnalysis(downstream, row);
  if (!predicted) return '—';
  const now = row === base ? undefined : predictForAnalysis(downstream, base);
  const delta = now ? 100 * (predicted.accuracy - now.accuracy) : undefined;
  const signed =
    delta === undefined
      ? ''
      : Number(delta.toFixed(2)) === 0
        ? ' (±0.00)'
        : ` (${delta > 0 ? '+' : '−'}${Math.abs(delta).toFixed(2)})`;
  return `${formatAccuracy(predicted.accuracy)}${signed}${predicted.extrapolated ? ' extrapolated' : ''}`;
}

function signedCount(delta: number): string {
  if (delta === 0) return '±0';
  return `${delta > 0 ? '+' : '−'}${formatCount(Math.abs(delta))}`;
}

function signedLoss(delta: number): string {
  const rounded = Number(delta.toFixed(3));
  if (rounded === 0) return '±0.000';
  return `${rounded > 0 ? '+' : '−'}${Math.abs(rounded).toFixed(3)}`;
}

/**
 * Training key hover. On the duration key: tokens, tokens/param against the compute-optimal ratio,
 * predicted loss now and at the optimal D. On the other keys: their share in D's formula.
 */
export function trainingHover(
  a: Analysis,
  field: TrainingField,
  source: FieldSource,
  lawId: string,
  downstream?: LoadedDownstreamLaw,
): string {
  const lines = [`**${source.key} = ${source.raw.trim()}** · Scaling Lens`, ''];
  if (a.tokens === null) {
    lines.push(`D unknown: needs ${a.missing.join(' and ') || 'training length'}.`);
    if (a.missing.some((m) => /gpu/i.test(m)))
      lines.push('', 'Set `scalingLens.missing.gpus` to complete it.');
    if (a.missing.some((m) => /dataset/i.test(m)))
      lines.push('', 'Set `scalingLens.missing.datasetTokens` to complete it.');
    if (a.optimalTokens !== null)
      lines.push('', `Compute-optimal for this N: ≈ ${formatCount(a.optimalTokens)} tokens (${lawId}).`);
    return lines.join('\n');
  }
  const formula = a.tokensFormula ? ` = ${a.tokensFormula}` : '';
  if (field !== 'duration') {
    lines.push(`Part of D = **${formatCount(a.tokens)} tokens**${formula}`);
    return lines.join('\n');
  }
  lines.push(`**D = ${formatCount(a.tokens)} tokens**${formula}`, '');
  const paramsUsed = a.loss?.paramsUsed ?? a.params?.active;
  if (a.tokensPerParam !== null) {
    const optimalRatio = a.optimalTokens !== null && paramsUsed ? a.optimalTokens / paramsUsed : null;
    lines.push(
      `- ${formatTokensPerParam(a.tokensPerParam)} tokens/param` +
        (optimalRatio !== null
          ? ` vs compute-optimal ≈ ${formatTokensPerParam(optimalRatio)} (${formatCount(a.optimalTokens!)} tokens for this N, ${lawId})`
          : ''),
    );
  }
  if (a.loss) {
    const atOptimal =
      a.loss.atOptimalTokens !== undefined
        ? ` · ${formatLoss(a.loss.atOptimalTokens)} if trained to the compute-optimal D`
        : '';
    lines.push(`- predicted loss ${lossWithInterval(a)} now${atOptimal}`);
  }
  if (downstream) lines.push(...lengthAccuracyLines(a, downstream));
  if (a.spec.training.finetune) lines.push('- finetune: D counts finetuning tokens only');
  return lines.join('\n');
}
