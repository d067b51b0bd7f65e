/**
 * Side-by-side comparison of two analyses (two configs, or one config and its git HEAD version):
 * the numbers a researcher weighs — N, active N, D, tokens/param, FLOPs, memory per GPU, cost and
 * predicted loss with its interval — and B − A for each. Shared by `scaling-lens compare` and the
 * editor's `Scaling Lens: Compare with…` so both say the same thing.
 */
import type { Analysis } from './analyze';
import { formOf, lawFromCoefficientVector } from './laws/forms';
import { quantileSorted } from './laws/uncertainty';
import type { ScalingLaw } from './laws/published';
import { formatCount, formatLoss, formatScientific, formatUsd } from './format';

export interface CompareSide {
  label: string;
  framework: string;
  model: string | null;
  params: number | null;
  activeParams: number | null;
  tokens: number | null;
  tokensPerParam: number | null;
  flops: number | null;
  memoryPerGpuBytes: number | null;
  cost: {
    gpuHours: number;
    days: number;
    usd: number;
    gpu: string;
    gpus: number;
    mfu: number;
    from: { gpu: string; gpus: string } | null;
  } | null;
  loss: { law: string; value: number; low: number; high: number } | null;
  /** What D or N need when they are unknown. */
  missing: string[];
  assumptions: string[];
  warnings: string[];
}

export const COMPARED_METRICS = [
  'params',
  'activeParams',
  'tokens',
  'tokensPerParam',
  'flops',
  'memoryPerGpuBytes',
  'gpuHours',
  'days',
  'usd',
  'loss',
] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

/** B − A and B / A; null when either side is unknown (or A is 0 for the ratio). */
export interface MetricDelta {
  a: number | null;
  b: number | null;
  difference: number | null;
  ratio: number | null;
}

export interface Comparison {
  a: CompareSide;
  b: CompareSide;
  deltas: Record<ComparedMetric, MetricDelta>;
  /**
   * 95% interval of loss(B) − loss(A) over the law's bootstrap draws, each draw evaluated at both
   * configs (paired: the shared coefficient uncertainty cancels, so this is much narrower than the
   * two intervals side by side). Null without draws or without both losses.
   */
  lossDifferenceInterval: { low: number; high: number } | null;
  /** Caveats that change how to read the deltas (different hardware, one side incomplete). */
  notes: string[];
}

/** One side of a comparison from an analysis. */
export function compareSide(label: string, a: Analysis): CompareSide {
  return {
    label,
    framework: a.framework,
    model: a.modelName ?? null,
    params: a.params?.total ?? null,
    activeParams: a.params?.active ?? null,
    tokens: a.tokens,
    tokensPerParam: a.tokensPerParam,
    flops: a.flops,
    memoryPerGpuBytes: a.memory?.perGpuBytes ?? null,
    cost: a.cost
      ? {
          gpuHours: a.cost.gpuHours,
          days: a.cost.days,
          usd: a.cost.usd,
          gpu: a.cost.gpu,
          gpus: a.cost.gpus,
          mfu: a.cost.mfu,
          from: a.cost.from ?? null,
        }
      : null,
    loss: a.loss ? { law: a.loss.law, value: a.loss.value, low: a.loss.low, high: a.loss.high } : null,
    missing: [...a.paramsMissing.map((m) => `N: ${m}`), ...a.missing],
    assumptions: a.assumptions,
    warnings: a.warnings,
  };
}

function metric(side: CompareSide, m: ComparedMetric): number | null {
  switch (m) {
    case 'gpuHours':
    case 'days':
    case 'usd':
      return side.cost ? side.cost[m] : null;
    case 'loss':
      return side.loss ? side.loss.value : null;
    default:
      return side[m];
  }
}

/** Compare two analyses made under the same law and settings; `law` gives the paired interval. */
export function compareAnalyses(
  a: { label: string; analysis: Analysis },
  b: { label: string; analysis: Analysis },
  law?: ScalingLaw,
): Comparison {
  const sideA = compareSide(a.label, a.analysis);
  const sideB = compareSide(b.label, b.analysis);
  const deltas = {} as Record<ComparedMetric, MetricDelta>;
  for (const m of COMPARED_METRICS) {
    const x = metric(sideA, m);
    const y = metric(sideB, m);
    const known = x !== null && y !== null && Number.isFinite(x) && Number.isFinite(y);
    deltas[m] = {
      a: x,
      b: y,
      difference: known ? y! - x! : null,
      ratio: known && x !== 0 ? y! / x! : null,
    };
  }
  const notes: string[] = [];
  if (
    sideA.cost &&
    sideB.cost &&
    (sideA.cost.gpu !== sideB.cost.gpu || sideA.cost.gpus !== sideB.cost.gpus)
  ) {
    notes.push(
      `Different hardware: A on ${sideA.cost.gpus} × ${sideA.cost.gpu}, B on ${sideB.cost.gpus} × ${sideB.cost.gpu}; GPU-hours, days and cost differ for that reason too.`,
    );
  }
  if (sideA.loss && sideB.loss && sideA.loss.law !== sideB.loss.law) {
    notes.push(
      `The losses come from different laws (${sideA.loss.law}, ${sideB.loss.law}); their difference means little.`,
    );
  }
  for (const side of [sideA, sideB]) {
    if (side.missing.length)
      notes.push(`${side.label}: unknown ${side.missing.join(' and ')}, so its deltas are blank.`);
  }
  return {
    a: sideA,
    b: sideB,
    deltas,
    lossDifferenceInterval: pairedLossInterval(a.analysis, b.analysis, law),
    notes,
  };
}

function pairedLossInterval(
  a: Analysis,
  b: Analysis,
  law?: ScalingLaw,
): { low: number; high: number } | null {
  if (!law?.bootstrapDraws || !a.loss || !b.loss || a.tokens === null || b.tokens === null) return null;
  if (a.loss.law !== law.id || b.loss.law !== law.id) return null;
  const form = formOf(law.law);
  const differences: number[] = [];
  for (const draw of law.bootstrapDraws) {
    if (draw.length !== form.coefficientNames.length) continue;
    const drawn = lawFromCoefficientVector(form, draw);
    if (!drawn) continue;
    const d =
      form.evaluate(drawn, b.loss.paramsUsed, b.tokens) - form.evaluate(drawn, a.loss.paramsUsed, a.tokens);
    if (Number.isFinite(d)) differences.push(d);
  }
  if (differences.length < 10) return null;
  differences.sort((x, y) => x - y);
  const point = b.loss.value - a.loss.value;
  return {
    low: Math.min(point, quantileSorted(differences, 0.025)),
    high: Math.max(point, quantileSorted(differences, 0.975)),
  };
}

const LABELS: Record<ComparedMetric, string> = {
  params: 'N (total)',
  activeParams: 'N (active)',
  tokens: 'D (tokens)',
  tokensPerParam: 'tokens/param',
  flops: 'FLOPs (6·N_active·D)',
  memoryPerGpuBytes: 'memory per GPU',
  gpuHours: 'GPU-hours',
  days: 'days',
  usd: 'cost',
  loss: 'predicted loss',
};

function show(m: ComparedMetric, value: number | null, side?: CompareSide): string {
  if (value === null) return '—';
  switch (m) {
    case 'flops':
      return formatScientific(value);
    case 'memoryPerGpuBytes':
      return `${(value / 2 ** 30).toFixed(1)} GiB`;
    case 'usd':
      return formatUsd(value);
    case 'days':
      return value.toFixed(value < 10 ? 2 : 1);
    case 'tokensPerParam':
      return value >= 10 ? String(Math.round(value)) : value.toPrecision(2);
    case 'loss': {
      const l = side?.loss;
      return l && l.high > l.low
        ? `${formatLoss(value)} (${formatLoss(l.low)}–${formatLoss(l.high)})`
        : formatLoss(value);
    }
    case 'gpuHours':
      return `${formatCount(value)}${side?.cost ? ` ${side.cost.gpu}-h` : ''}`;
    default:
      return formatCount(value);
  }
}

function showDelta(m: ComparedMetric, d: MetricDelta): string {
  if (d.difference === null) return '—';
  if (d.difference === 0) return '±0';
  const sign = d.difference > 0 ? '+' : '−';
  if (m === 'loss') return `${sign}${formatLoss(Math.abs(d.difference))}`;
  const ratio =
    d.ratio !== null && d.ratio > 0
      ? ` (${d.ratio >= 10 || d.ratio < 0.1 ? d.ratio.toPrecision(2) : d.ratio.toFixed(2)}×)`
      : '';
  if (m === 'tokensPerParam' || m === 'days') {
    const size = Math.abs(d.difference);
    return `${sign}${size >= 100 ? formatCount(size) : size.toPrecision(3)}${ratio}`;
  }
  return `${sign}${show(m, Math.abs(d.difference)).replace(/ \S+-h$/, '')}${ratio}`;
}

/** The comparison as a Markdown table (the editor's document and the CLI's text output). */
export function comparisonMarkdown(c: Comparison): string {
  const lines = [
    `| | A: ${escape(c.a.label)} | B: ${escape(c.b.label)} | B − A |`,
    '| --- | ---: | ---: | ---: |',
  ];
  for (const m of COMPARED_METRICS) {
    const d = c.deltas[m];
    let delta = showDelta(m, d);
    if (m === 'loss' && c.lossDifferenceInterval && d.difference !== null) {
      const signed = (x: number) => `${x < 0 ? '−' : x > 0 ? '+' : ''}${formatLoss(Math.abs(x))}`;
      delta += ` (${signed(c.lossDifferenceInterval.low)} to ${signed(c.lossDifferenceInterval.high)}, paired)`;
    }
    lines.push(`| ${LABELS[m]} | ${show(m, d.a, c.a)} | ${show(m, d.b, c.b)} | ${delta} |`);
  }
  const hardware = (s: CompareSide) =>
    s.cost ? `${s.cost.gpus} × ${s.cost.gpu} at ${Math.round(s.cost.mfu * 100)}% MFU` : '—';
  lines.push(`| hardware | ${hardware(c.a)} | ${hardware(c.b)} | |`);
  const out = [lines.join('\n')];
  if (c.notes.length) out.push(c.notes.map((n) => `- ${n}`).join('\n'));
  const origin = (s: CompareSide) =>
    s.cost?.from
      ? `- ${escape(s.label)}: accelerator from ${s.cost.from.gpu}; GPUs from ${s.cost.from.gpus}.`
      : '';
  const origins = [origin(c.a), origin(c.b)].filter(Boolean);
  if (origins.length) out.push(origins.join('\n'));
  return out.join('\n\n');
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}
