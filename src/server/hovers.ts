/**
 * Hovers on the keys the analysis read: what the key does to N, compute and predicted loss. The
 * "what if" rows re-run the core's analyzeSpec on a modified ArchitectureSpec, so the numbers are
 * the same math as the lens, never an approximation.
 */
import type { Hover, Position } from 'vscode-languageserver';
import { analyzeSpec, type Analysis, type AnalysisSettings } from '../core/analyze';
import { formatCount, formatLoss, formatScientific } from '../core/format';
import type { ArchField, ArchitectureSpec, FieldSource, SourceRange, TrainingField } from '../core/types';
import { formatTokensPerParam, lossWithInterval } from './lenses';
import type { DocumentResult } from './model';

/** The hover at `position`, or null when it is not on a key the analysis used. */
export function buildHover(result: DocumentResult, position: Position): Hover | null {
  const a = result.analysis;
  if (!result.settings.hover.enable || !a) return null;
  const hit = findSource(a, position);
  if (!hit) return null;
  const markdown =
    hit.kind === 'arch'
      ? archHover(a, hit.field, hit.source, result.analysisSettings)
      : trainingHover(a, hit.field, hit.source, result.law.id);
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

/** One "what if" row: the key's value as a label and the architecture it gives. */
interface Variant {
  label: string;
  arch: ArchitectureSpec;
}

/** Width steps for the what-if rows; multiples of 64/128 keep the variants realistic. */
const STEP = { dModel: 128, headDim: 16, ffnSize: 256, vocabSize: 1024, positions: 1024 } as const;

/**
 * For each architecture key: a short statement of its role and the neighbouring values to compare.
 * Table-driven so adding a key means adding a row.
 */
const ARCH_EFFECTS: Partial<
  Record<ArchField, (arch: ArchitectureSpec) => { role: string; variants: Variant[] }>
> = {
  nLayers: (arch) => ({
    role: `${arch.nLayers} transformer blocks`,
    variants: [-1, 1]
      .filter((d) => arch.nLayers + d >= 1)
      .map((d) => ({ label: `${arch.nLayers + d}`, arch: { ...arch, nLayers: arch.nLayers + d } })),
  }),
  dModel: (arch) => ({
    role: `model width ${arch.dModel}${arch.ffnSize === 4 * arch.dModel ? ' (FFN = 4 × width moves with it)' : ''}`,
    variants: [-STEP.dModel, STEP.dModel]
      .filter((d) => arch.dModel + d > 0)
      .map((d) => {
        const dModel = arch.dModel + d;
        // Keep head_dim = width / heads when the config derives it that way; otherwise it is independent.
        const derivedHeadDim = arch.headDim * arch.nHeads === arch.dModel && dModel % arch.nHeads === 0;
        return {
          label: `${dModel}`,
          arch: {
            ...arch,
            dModel,
            ...(derivedHeadDim ? { headDim: dModel / arch.nHeads } : {}),
            ...(arch.ffnSize === 4 * arch.dModel ? { ffnSize: 4 * dModel } : {}),
          },
        };
      }),
  }),
  nHeads: (arch) => {
    if (arch.headDim * arch.nHeads === arch.dModel) {
      return {
        role: `${arch.nHeads} heads of width ${arch.headDim}; with head_dim = width / heads the head count does not change N`,
        variants: [],
      };
    }
    return {
      role: `${arch.nHeads} query heads of width ${arch.headDim}`,
      variants: [-1, 1]
        .filter((d) => arch.nHeads + d >= 1)
        .map((d) => ({
          label: `${arch.nHeads + d}`,
          arch: { ...arch, nHeads: arch.nHeads + d, nKvHeads: Math.min(arch.nKvHeads, arch.nHeads + d) },
        })),
    };
  },
  nKvHeads: (arch) => ({
    role: `${arch.nKvHeads} key/value heads (${arch.nKvHeads === arch.nHeads ? 'multi-head' : arch.nKvHeads === 1 ? 'multi-query' : 'grouped-query'} attention)`,
    variants: [-1, 1]
      .filter((d) => arch.nKvHeads + d >= 1 && arch.nKvHeads + d <= arch.nHeads)
      .map((d) => ({ label: `${arch.nKvHeads + d}`, arch: { ...arch, nKvHeads: arch.nKvHeads + d } })),
  }),
  headDim: (arch) => ({
    role: `head width ${arch.headDim}`,
    variants: [-STEP.headDim, STEP.headDim]
      .filter((d) => arch.headDim + d > 0)
      .map((d) => ({ label: `${arch.headDim + d}`, arch: { ...arch, headDim: arch.headDim + d } })),
  }),
  ffnSize: (arch) => ({
    role: `MLP width ${arch.ffnSize} (${arch.gatedMlp ? 'gated: 3' : '2'} matrices per block)`,
    variants: [-STEP.ffnSize, STEP.ffnSize]
      .filter((d) => arch.ffnSize + d > 0)
      .map((d) => ({ label: `${arch.ffnSize + d}`, arch: { ...arch, ffnSize: arch.ffnSize + d } })),
  }),
  vocabSize: (arch) => ({
    role: `${arch.vocabSize} embedding rows (${arch.tiedEmbeddings ? 'tied with the output head' : 'plus an untied output head'})`,
    variants: [-STEP.vocabSize, STEP.vocabSize]
      .filter((d) => arch.vocabSize + d > 0)
      .map((d) => ({ label: `${arch.vocabSize + d}`, arch: { ...arch, vocabSize: arch.vocabSize + d } })),
  }),
  tiedEmbeddings: (arch) => ({
    role: arch.tiedEmbeddings
      ? 'input embedding and output head share one matrix'
      : 'separate input embedding and output head',
    variants: [
      {
        label: arch.tiedEmbeddings ? 'untied' : 'tied',
        arch: { ...arch, tiedEmbeddings: !arch.tiedEmbeddings },
      },
    ],
  }),
  maxPositions: (arch) =>
    arch.learnedPositions > 0
      ? {
          role: `${arch.learnedPositions} learned position rows`,
          variants: [-STEP.positions, STEP.positions]
            .filter((d) => arch.learnedPositions + d > 0)
            .map((d) => ({
              label: `${arch.learnedPositions + d}`,
              arch: { ...arch, learnedPositions: arch.learnedPositions + d },
            })),
        }
      : { role: 'context length; positions are not learned here, so it adds no parameters', variants: [] },
  nExperts: (arch) => ({
    role: `${arch.moe?.nExperts ?? 0} experts per MoE layer`,
    variants: arch.moe
      ? [-1, 1]
          .filter((d) => arch.moe!.nExperts + d >= arch.moe!.expertsPerToken)
          .map((d) => ({
            label: `${arch.moe!.nExperts + d}`,
            arch: { ...arch, moe: { ...arch.moe!, nExperts: arch.moe!.nExperts + d } },
          }))
      : [],
  }),
  expertsPerToken: (arch) => ({
    role: `${arch.moe?.expertsPerToken ?? 0} experts active per token`,
    variants: arch.moe
      ? [-1, 1]
          .filter(
            (d) => arch.moe!.expertsPerToken + d >= 1 && arch.moe!.expertsPerToken + d <= arch.moe!.nExperts,
          )
          .map((d) => ({
            label: `${arch.moe!.expertsPerToken + d}`,
            arch: { ...arch, moe: { ...arch.moe!, expertsPerToken: arch.moe!.expertsPerToken + d } },
          }))
      : [],
  }),
};

/**
 * Architecture key hover: role, (for the layer count) params per layer, and a table of N, FLOPs
 * and predicted loss at the current value and its neighbours, D held fixed.
 */
export function archHover(
  a: Analysis,
  field: ArchField,
  source: FieldSource,
  settings: AnalysisSettings,
): string | undefined {
  const arch = a.spec.architecture;
  if (!arch || !a.params) return undefined;
  const lines = [`**${source.key} = ${source.raw.trim()}** · Scaling Lens`];
  const effect = ARCH_EFFECTS[field]?.(arch);
  if (field === 'modelName') {
    lines.push(
      '',
      `${arch.nLayers} layers · width ${arch.dModel} · ${arch.nHeads} heads (${arch.nKvHeads} KV) · FFN ${arch.ffnSize} · vocab ${arch.vocabSize} → N ${formatCount(a.params.total)}`,
    );
    return lines.join('\n');
  }
  if (!effect) return undefined;
  const rows = effect.variants.map((v) => ({
    label: v.label,
    analysis: analyzeSpec({ ...a.spec, architecture: v.arch }, settings),
  }));
  let role = effect.role;
  if (field === 'nLayers') {
    const plusOne = rows.find((r) => r.label === String(arch.nLayers + 1))?.analysis.params;
    if (plusOne) role += ` · ${formatCount(plusOne.total - a.params.total)} params per layer`;
  }
  lines.push('', role);
  if (rows.length === 0) return lines.join('\n');
  const header = field === 'tiedEmbeddings' ? 'embeddings' : source.key;
  lines.push('', `| ${header} | N | FLOPs | loss |`, '|---:|---:|---:|---:|');
  const current = {
    label: `**${field === 'tiedEmbeddings' ? (arch.tiedEmbeddings ? 'tied' : 'untied') : source.raw.trim()}** (now)`,
    analysis: a,
  };
  // Every step adds parameters, so ordering by N is ordering by the key's value.
  const ordered = [current, ...rows].sort(
    (x, y) => (x.analysis.params?.total ?? 0) - (y.analysis.params?.total ?? 0),
  );
  for (const row of ordered) lines.push(tableRow(row.label, row.analysis, a));
  lines.push(
    '',
    a.tokens !== null
      ? `D held at ${formatCount(a.tokens)} tokens · law ${a.loss?.law ?? settings.lawId}`
      : `D unknown (needs ${a.missing.join(' and ')}): FLOPs and loss need it`,
  );
  return lines.join('\n');
}

function tableRow(label: string, row: Analysis, base: Analysis): string {
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
export function trainingHover(a: Analysis, field: TrainingField, source: FieldSource, lawId: string): string {
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
      a.loss.atOptimalTokens !== undefined ? ` · ${formatLoss(a.loss.atOptimalTokens)} at the optimal D` : '';
    lines.push(`- predicted loss ${lossWithInterval(a)} now${atOptimal}`);
  }
  if (a.spec.training.finetune) lines.push('- finetune: D counts finetuning tokens only');
  return lines.join('\n');
}
