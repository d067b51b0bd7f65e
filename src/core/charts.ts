/**
 * Chart data for the curves panel: the law in use, drawn around one run config. Pure (no DOM, no
 * `vscode`), so the webview draws what this returns and tests assert on it without a browser.
 *
 * Units: N in parameters (in the law's own convention, total or non-embedding), D in tokens, C in
 * FLOPs (C = 6·N·D, the convention every built-in law uses), loss in nats/token.
 */
import type { AnalysisSnapshot } from '../protocol';
import {
  evaluateLaw,
  formOf,
  optimalAllocation as formOptimalAllocation,
  optimalTokensForParams as formOptimalTokensForParams,
  type LawParams,
} from './laws/forms';
import { lossInterval, type CoefficientDraw } from './laws/uncertainty';
// The schedule model alone (not src/core/schedule/index.ts, which pulls in every framework reader).
import { compileRun, describeSchedule } from './schedule/model';
import type { CompiledRun, RunPlan } from './schedule/types';
import {
  WSD_NO_DECAY_REASON,
  wsdVariant,
  wsdWhatIf,
  wsdWhatIfLabel,
  wsdWhatIfSource,
  WSD_WHATIF_CHECK,
} from './schedule/wsdWhatIf';
import type { SavedScheduleLaw } from './fit/trajectorySaved';
import {
  savedLawApplies,
  savedLawAtSteps,
  savedLawBandHalfWidth,
  savedLawDescription,
  savedLawWsdSource,
} from './schedule/savedLawCurve';
import { GIB } from './model/memory';

/**
 * The charts, in page order. `fit` and `residuals` exist only when observed runs are given, `memory`
 * and `schedule` only when the caller passes their input (the server does; see ChartInput).
 */
export const CHART_IDS = [
  'tokens',
  'isoflop',
  'frontier',
  'downstream',
  'schedule',
  'memory',
  'fit',
  'residuals',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

/** The parts of an analysis snapshot the charts use (so tests can build one by hand). */
export type ChartSnapshot = Pick<AnalysisSnapshot, 'params' | 'tokens' | 'loss' | 'law'> &
  Partial<Pick<AnalysisSnapshot, 'modelName' | 'missing' | 'flops' | 'optimalTokens' | 'framework'>>;

/**
 * One observed training measurement from the runs a law was fitted on. `params` is in the law's N
 * convention; checkpoints of the same run share `runName` and `params` with growing `tokens`.
 */
export interface ObservedPoint {
  runName: string;
  params: number;
  tokens: number;
  /** Observed loss, nats/token. */
  loss: number;
  /** True for points the fit did not see (evaluation split). */
  heldOut?: boolean;
}

/** One plotted point; `run` names the observed run it came from. */
export interface ChartPoint {
  x: number;
  y: number;
  run?: string;
}

/**
 * What a series means, which decides how it is drawn: `curve` a line, `band` a filled interval
 * (`points` is the lower edge, `upper` the upper edge at the same x), `config` the run being edited,
 * `optimum` a compute-optimal point, `observed`/`heldOut` measured losses.
 */
export type SeriesRole =
  | 'curve'
  | 'band'
  | 'config'
  | 'optimum'
  | 'observed'
  | 'heldOut'
  /** One part of a stacked bar (bar charts; `x` is the bar's 1-based index into `categories`). */
  | 'stack'
  /** A horizontal limit line across a bar chart at `points[0].y` (an accelerator's capacity). */
  | 'limit';

export interface ChartSeries {
  /** Stable within its chart (legend toggles are remembered by it). */
  id: string;
  label: string;
  role: SeriesRole;
  points: ChartPoint[];
  /** Upper edge of a band, same x as `points`. */
  upper?: ChartPoint[];
  /** Palette slot, so one model size has one color in the fit and residual charts. */
  colorIndex: number;
  /** Secondary curves (other budgets, reference lines) are drawn dashed. */
  dashed?: boolean;
}

export interface ChartAxis {
  label: string;
  /** Unit shown in tooltips and table headers ('tokens', 'parameters', 'FLOPs', 'nats/token'). */
  unit: string;
  scale: 'log' | 'linear';
  /** Suggested bounds that keep the interesting region readable (curves may leave it). */
  min?: number;
  max?: number;
  /** Tick spacing matching the rounded bounds (linear axes). */
  step?: number;
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  /** One sentence for screen readers: what is drawn and where the config sits. */
  description: string;
  x: ChartAxis;
  y: ChartAxis;
  series: ChartSeries[];
  /** A stacked bar chart (absent: lines and markers over numeric axes). */
  kind?: 'bar';
  /** Bar labels, bar i+1 at categories[i] (bar charts). */
  categories?: string[];
  /** Set when there is nothing to draw: why, shown in place of the chart (never a made-up bar). */
  unavailable?: string;
  /** Visible notes under the chart: what it assumes and what it leaves out. */
  caption?: string[];
}

/** One row of the accessible table / CSV export: a point of one series. */
export interface TableRow {
  chart: ChartId;
  series: string;
  x: number;
  xUnit: string;
  y: number;
  yUnit: string;
  run?: string;
  heldOut?: boolean;
}

/** The config's own point, for the panel header. */
export interface ConfigMarker {
  /** N in the law's convention (what the law was evaluated at). */
  paramsUsed: number;
  paramConvention: string;
  /** Total parameters as counted from the file. */
  paramsTotal: number;
  tokens: number | null;
  /** C = 6·N·D with the law's N, FLOPs. */
  flops: number | null;
  loss: number | null;
  lossLow: number | null;
  lossHigh: number | null;
  optimalTokens: number | null;
}

export interface ChartData {
  lawLabel: string;
  /** The compared config's label while a comparison overlay is drawn. */
  compareLabel?: string;
  charts: ChartSpec[];
  table: TableRow[];
  config: ConfigMarker | null;
  /** Human notes on what could not be drawn and why. */
  notes: string[];
}

/**
 * Memory of the most loaded GPU, part by part in bytes (the CLI's `analyze --json` `memory` object,
 * src/cli/analyze.ts toJson, with the accelerator's id), or why there is no estimate.
 */
export interface MemoryChartInput {
  /** Accelerator the capacity is of (src/core/model/hardware.ts id). */
  gpu: string;
  estimate: {
    perGpuBytes: number;
    weights: number;
    gradients: number;
    optimizer: number;
    activations: number;
    buffers: number;
    overhead: number;
    capacityBytes: number | null;
    fits: boolean | null;
  } | null;
  /** Why there is no estimate (shown instead of a bar). */
  reason?: string;
}

/**
 * The config's run for the loss-over-training chart: the run plan its LR-schedule extractor read
 * (src/core/schedule, what `scaling-lens curve` uses), or the extractor's reason when there is none.
 */
export interface ScheduleChartInput {
  plan?: RunPlan;
  /** Why there is no plan (the extractor's errors), shown in place of the chart. */
  reason?: string;
  /** The extractor's notes (defaults it assumed), appended to the chart description. */
  notes?: readonly string[];
  /** Why no logged points are drawn (no log linked, or logs not available to the panel yet). */
  loggedNote?: string;
  /** The linked run log's checkpoints, drawn as an "observed" scatter on the chart. */
  logged?: LoggedRunInput;
  /**
   * A saved schedule-aware law (setting `scalingLens.scheduleLaw`): when it applies to the config,
   * the curve, "twice as long" and the WSD what-if are that law on each run's own LR schedule.
   */
  savedLaw?: SavedScheduleLaw;
  /** Why a configured saved law is not used (unreadable, not a law, another model size). */
  savedLawNote?: string;
}

/** One checkpoint of a linked run log; `tokens` when the log counts them, else from the plan. */
export interface LoggedPoint {
  step: number;
  loss: number;
  tokens?: number;
}

/** A linked run log's points for the loss-over-training chart (src/server/liveRuns.ts `loggedRun`). */
export interface LoggedRunInput {
  /** The log's file name. */
  label: string;
  /** Which split's losses these are. */
  split: 'train' | 'val';
  /** Oldest first, already bounded by the sender (the newest kept). */
  points: readonly LoggedPoint[];
  /** Checkpoints in the log before thinning (= points.length when none were dropped). */
  total: number;
}

/**
 * The other config of a comparison (`Scaling Lens: Compare with…`), analyzed under the same law:
 * drawn on the loss-vs-tokens and isoFLOP charts as a second series. `paramsUsed` is N in the law's
 * convention (its analysis' `loss.paramsUsed`), `loss` the law at (paramsUsed, tokens).
 */
export interface CompareInput {
  /** The other side's name (file name, or "name @ HEAD"). */
  label: string;
  paramsUsed: number | null;
  tokens: number | null;
  loss: number | null;
  /** Why it could not be analyzed (a note instead of a series). */
  error?: string;
}

export interface ChartInput {
  snapshot: ChartSnapshot;
  observed?: readonly ObservedPoint[];
  /** Points per curve (default 64). */
  samples?: number;
  /** Memory per GPU: adds the `memory` chart (a stacked bar, or the reason there is none). */
  memory?: MemoryChartInput;
  /** The run's LR schedule: adds the `schedule` chart (loss over the run, or the reason there is none). */
  schedule?: ScheduleChartInput;
  /** A compared config: a second series on the tokens and isoFLOP charts. */
  compare?: CompareInput;
  /** Charts built by other core modules (accuracy vs compute, src/core/downstream/chart.ts), tabled like these. */
  extraCharts?: readonly ChartSpec[];
}

/** Points per curve: smooth on a log axis, small enough for the table and postMessage. */
const DEFAULT_SAMPLES = 64;
/** The tokens chart spans this factor either side of the config's D and the optimal D. */
const TOKENS_SPAN = 30;
/** IsoFLOP curves span this factor either side of each budget's optimal N. */
const ISOFLOP_SPAN = 30;
/** The frontier spans this factor either side of the config's budget. */
const FRONTIER_SPAN = 1e3;
/** Budgets drawn on the isoFLOP chart, as multiples of the config's. */
const ISOFLOP_BUDGET_FACTORS = [0.1, 1, 10] as const;

/** `count` log-spaced values from `lo` to `hi` inclusive (both > 0). */
export function logSpace(lo: number, hi: number, count: number): number[] {
  if (!(lo > 0) || !(hi > 0) || count < 2) return lo > 0 ? [lo] : [];
  const a = Math.log(lo);
  const step = (Math.log(hi) - a) / (count - 1);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(i === count - 1 ? hi : Math.exp(a + step * i));
  if (out.length) out[0] = lo;
  return out;
}

/**
 * The loss-minimizing (N, D) under C = 6·N·D, or null when the law's form has none (a law of C
 * alone). The law-form registry answers; the charts, lenses and planner share it.
 */
export function optimalAllocation(law: LawParams, flops: number): { params: number; tokens: number } | null {
  const allocation = formOptimalAllocation(law, flops);
  return allocation ? { params: allocation.params, tokens: allocation.tokens } : null;
}

/** The D at which N is compute-optimal (the registry's inverse of N_opt(C)), or null when none. */
export function optimalTokensForParams(law: LawParams, params: number): number | null {
  return formOptimalTokensForParams(law, params) ?? null;
}

/** The law's bootstrap draws that fit its form (anything else is ignored). */
function coefficientDraws(snapshot: ChartSnapshot): CoefficientDraw[] {
  const width = formOf(snapshot.law.law).coefficientNames.length;
  return (snapshot.law.bootstrapDraws ?? []).filter(
    (draw) => draw.length === width && draw.every((v) => Number.isFinite(v)),
  );
}

/** x values log-spaced over [lo, hi] with `extra` exact values merged in (so markers sit on the curve). */
function sampleWith(lo: number, hi: number, count: number, extra: (number | null | undefined)[]): number[] {
  const xs = logSpace(lo, hi, count);
  for (const value of extra)
    if (value !== null && value !== undefined && value >= lo && value <= hi) xs.push(value);
  return [...new Set(xs)].sort((a, b) => a - b);
}

const finitePoints = (points: ChartPoint[]) =>
  points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));

/** Budget label: "C = 1.00e20 FLOPs (×0.1)". */
function budgetLabel(flops: number, factor: number): string {
  const base = `C = ${flops.toExponential(2).replace('e+', 'e')} FLOPs`;
  return factor === 1 ? `${base} (this config)` : `${base} (×${factor})`;
}

/** A 1-2-5 step near `span / 6`, so axis bounds land on round tick values. */
function niceStep(span: number): number {
  const raw = span / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((m) => m * magnitude >= raw * 0.999) ?? 10;
  return Number((step * magnitude).toPrecision(12));
}

/**
 * Suggested y-bounds: the span of the `focus` values, padded and rounded out to a round step, so
 * curves that blow up at the edges are cut off and the axis ends on readable ticks.
 */
export function focusBounds(
  focus: readonly number[],
  padFraction = 0.35,
): { min: number; max: number; step: number } | undefined {
  const values = focus.filter(Number.isFinite);
  if (values.length === 0) return undefined;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max((hi - lo) * padFraction, Math.abs(hi) * 0.02, 1e-3);
  const step = niceStep(hi - lo + 2 * pad);
  const min = Math.max(0, Math.floor((lo - pad) / step) * step);
  const max = Math.ceil((hi + pad) / step) * step;
  // Rounding in binary leaves 2.9000000000000004; keep the bounds as short decimals.
  return { min: Number(min.toPrecision(12)), max: Number(max.toPrecision(12)), step };
}

/**
 * Build every chart for one config. Never throws: missing pieces (unknown N, unknown D, a law without
 * an optimum) become notes and omitted series.
 */
export function buildChartData(input: ChartInput): ChartData {
  const { snapshot } = input;
  const samples = Math.max(8, Math.round(input.samples ?? DEFAULT_SAMPLES));
  const law = snapshot.law.law;
  const notes: string[] = [];
  const charts: ChartSpec[] = [];
  const lossAxis = (label = 'Loss'): ChartAxis => ({ label, unit: 'nats/token', scale: 'linear' });
  const convention = snapshot.law.paramConvention === 'non-embedding' ? 'non-embedding' : 'total';

  const params = snapshot.params;
  // The laws take active N for mixture-of-experts models: say so wherever N is labelled.
  const isMoe = !!params && params.active !== params.total;
  const conventionLabel = isMoe ? (convention === 'total' ? 'active' : 'active non-embedding') : convention;
  const paramsForLaw =
    snapshot.loss?.paramsUsed ??
    (params ? (convention === 'non-embedding' ? params.activeNonEmbedding : params.active) : null);
  const tokens = snapshot.tokens !== null && snapshot.tokens > 0 ? snapshot.tokens : null;

  let config: ConfigMarker | null = null;
  if (params && paramsForLaw && paramsForLaw > 0) {
    const optimalTokens = optimalTokensForParams(law, paramsForLaw);
    const loss = tokens !== null ? evaluateLaw(law, paramsForLaw, tokens) : null;
    config = {
      paramsUsed: paramsForLaw,
      paramConvention: conventionLabel,
      paramsTotal: params.total,
      tokens,
      flops: tokens !== null ? 6 * paramsForLaw * tokens : null,
      loss: loss !== null && Number.isFinite(loss) ? loss : null,
      lossLow: snapshot.loss?.low ?? null,
      lossHigh: snapshot.loss?.high ?? null,
      optimalTokens: optimalTokens !== null && Number.isFinite(optimalTokens) ? optimalTokens : null,
    };
    if (tokens === null) {
      const missing = snapshot.missing?.length ? snapshot.missing.join(', ') : 'training length';
      notes.push(
        `Training tokens unknown (missing: ${missing}); budgets are centred on the compute-optimal D for this N.`,
      );
    }
    charts.push(tokensChart(snapshot, config, samples));
    const budget = config.flops ?? (config.optimalTokens ? 6 * paramsForLaw * config.optimalTokens : null);
    if (budget !== null && budget > 0) {
      charts.push(isoflopChart(law, config, budget, samples));
      charts.push(frontierChart(law, config, budget, samples));
    }
    if (!formOf(law).tradesParamsForTokens) {
      notes.push(
        'This law predicts loss from compute alone: every split of a budget between N and D is equally good.',
      );
    }
  } else {
    notes.push('Parameter count unknown: the charts need the model size.');
  }

  let compareLabel: string | undefined;
  if (input.compare) {
    const why = compareOverlay(charts, law, input.compare, samples);
    if (why) notes.push(`Comparison with ${input.compare.label} not drawn: ${why}.`);
    else compareLabel = input.compare.label;
  }
  if (input.schedule) charts.push(scheduleChart(snapshot, config, input.schedule));
  if (input.memory) charts.push(memoryChart(input.memory));

  const observed = (input.observed ?? []).filter(
    (p) => p.params > 0 && p.tokens > 0 && Number.isFinite(p.loss) && typeof p.runName === 'string',
  );
  if (observed.length > 0) charts.push(...fitCharts(law, observed, config, samples, lossAxis));
  charts.push(...(input.extraCharts ?? []));

  const table: TableRow[] = [];
  for (const chart of charts) {
    for (const series of chart.series) {
      const edges: [string, ChartPoint[]][] =
        series.role === 'band'
          ? [
              [`${series.label} (low)`, series.points],
              [`${series.label} (high)`, series.upper ?? []],
            ]
          : [[series.label, series.points]];
      for (const [label, points] of edges) {
        for (const point of points) {
          table.push({
            chart: chart.id,
            series: label,
            x: point.x,
            xUnit: chart.x.unit,
            y: point.y,
            yUnit: chart.y.unit,
            ...(point.run !== undefined ? { run: point.run } : {}),
            ...(series.role === 'heldOut' ? { heldOut: true } : {}),
          });
        }
      }
    }
  }

  return {
    lawLabel: snapshot.law.label,
    ...(compareLabel !== undefined ? { compareLabel } : {}),
    charts,
    table,
    config,
    notes,
  };
}

/** Chart 1: loss vs D at this N, with the bootstrap band and the config / optimal-D markers. */
function tokensChart(snapshot: ChartSnapshot, config: ConfigMarker, samples: number): ChartSpec {
  const law = snapshot.law.law;
  const N = config.paramsUsed;
  const anchors = [config.tokens, config.optimalTokens].filter((v): v is number => v !== null && v > 0);
  const center = anchors.length ? anchors : [20 * N];
  const lo = Math.min(...center) / TOKENS_SPAN;
  const hi = Math.max(...center) * TOKENS_SPAN;
  const xs = sampleWith(lo, hi, samples, anchors);
  const curve = finitePoints(xs.map((D) => ({ x: D, y: evaluateLaw(law, N, D) })));
  const series: ChartSeries[] = [];

  series.push({
    id: 'law',
    label: `${snapshot.law.label} at N = ${shortCount(N)}`,
    role: 'curve',
    points: curve,
    colorIndex: 0,
  });
  const band = lossBand(snapshot, law, N, curve);
  if (band) series.push(band);
  if (config.tokens !== null && config.loss !== null) {
    series.push({
      id: 'config',
      label: 'This config',
      role: 'config',
      points: [{ x: config.tokens, y: config.loss }],
      colorIndex: 1,
    });
  }
  if (config.optimalTokens !== null) {
    const y = evaluateLaw(law, N, config.optimalTokens);
    if (Number.isFinite(y)) {
      series.push({
        id: 'optimum',
        label: `Compute-optimal D for this N (${shortCount(config.optimalTokens)} tokens)`,
        role: 'optimum',
        points: [{ x: config.optimalTokens, y }],
        colorIndex: 2,
      });
    }
  }
  const focus = [
    ...(config.loss !== null ? [config.loss] : []),
    ...(config.lossLow !== null ? [config.lossLow] : []),
    ...(config.lossHigh !== null ? [config.lossHigh] : []),
    ...curve.filter((p) => p.x >= Math.min(...center) / 3 && p.x <= Math.max(...center) * 3).map((p) => p.y),
  ];
  const describeConfig =
    config.tokens !== null && config.loss !== null
      ? ` The config trains on ${shortCount(config.tokens)} tokens for a predicted loss of ${config.loss.toFixed(3)}.`
      : '';
  const describeOptimum =
    config.optimalTokens !== null
      ? ` The compute-optimal D for this size is ${shortCount(config.optimalTokens)} tokens.`
      : '';
  return {
    id: 'tokens',
    title: `Loss vs training tokens (N = ${shortCount(N)} ${config.paramConvention} parameters)`,
    description: `Predicted loss against training tokens for ${shortCount(N)} parameters under ${snapshot.law.label}.${describeConfig}${describeOptimum}`,
    x: { label: 'Training tokens D', unit: 'tokens', scale: 'log' },
    y: { label: 'Loss', unit: 'nats/token', scale: 'linear', ...focusBounds(focus) },
    series,
  };
}

/** Chart 2: loss vs N at fixed compute budgets, the config and each budget's optimum marked. */
function isoflopChart(law: LawParams, config: ConfigMarker, budget: number, samples: number): ChartSpec {
  const series: ChartSeries[] = [];
  const focus: number[] = [];
  let centralOptimum: ChartPoint | null = null;
  ISOFLOP_BUDGET_FACTORS.forEach((factor, index) => {
    const flops = budget * factor;
    const optimum = optimalAllocation(law, flops);
    const centerParams =
      optimum?.params ?? (factor === 1 ? config.paramsUsed : config.paramsUsed * factor ** 0.5);
    const lo = Math.min(centerParams, factor === 1 ? config.paramsUsed : centerParams) / ISOFLOP_SPAN;
    const hi = Math.max(centerParams, factor === 1 ? config.paramsUsed : centerParams) * ISOFLOP_SPAN;
    const xs = sampleWith(lo, hi, samples, [optimum?.params, factor === 1 ? config.paramsUsed : null]);
    const curve = finitePoints(xs.map((N) => ({ x: N, y: evaluateLaw(law, N, flops / (6 * N)) })));
    series.push({
      id: `budget-${factor}`,
      label: budgetLabel(flops, factor),
      role: 'curve',
      points: curve,
      colorIndex: index === 1 ? 0 : index === 0 ? 3 : 4,
      dashed: factor !== 1,
    });
    if (optimum) {
      // Same D expression as the curve, so the marker is exactly its minimum sample.
      const y = evaluateLaw(law, optimum.params, flops / (6 * optimum.params));
      if (Number.isFinite(y)) {
        const point = { x: optimum.params, y };
        if (factor === 1) centralOptimum = point;
        series.push({
          id: `optimum-${factor}`,
          label: factor === 1 ? `Compute-optimal N (${shortCount(optimum.params)})` : `Optimum at ×${factor}`,
          role: 'optimum',
          points: [point],
          colorIndex: factor === 1 ? 2 : index === 0 ? 3 : 4,
        });
        focus.push(y);
      }
    }
  });
  if (config.tokens !== null && config.loss !== null) {
    series.push({
      id: 'config',
      label: 'This config',
      role: 'config',
      points: [{ x: config.paramsUsed, y: config.loss }],
      colorIndex: 1,
    });
    focus.push(config.loss);
  }
  // Legend order: this budget, its optimum and the config first; the other budgets after.
  const rank = (series: ChartSeries) => (series.id.endsWith('-1') || series.id === 'config' ? 0 : 1);
  series.sort((a, b) => rank(a) - rank(b));
  const optimum = centralOptimum as ChartPoint | null;
  const describeOptimum = optimum
    ? ` The loss-minimizing size for this budget is ${shortCount(optimum.x)} parameters (loss ${optimum.y.toFixed(3)}).`
    : '';
  return {
    id: 'isoflop',
    title: `IsoFLOP: loss vs model size at C = ${budget.toExponential(2).replace('e+', 'e')} FLOPs`,
    description: `Loss against model size at a fixed compute budget of ${budget.toExponential(2)} FLOPs and at 0.1× and 10× that budget.${describeOptimum}`,
    x: { label: `Parameters N (${config.paramConvention})`, unit: 'parameters', scale: 'log' },
    y: { label: 'Loss', unit: 'nats/token', scale: 'linear', ...focusBounds(focus, 0.6) },
    series,
  };
}

/** Chart 3: loss vs C along the compute-optimal frontier, with this N's own curve and the config. */
function frontierChart(law: LawParams, config: ConfigMarker, budget: number, samples: number): ChartSpec {
  const xs = sampleWith(budget / FRONTIER_SPAN, budget * FRONTIER_SPAN, samples, [budget]);
  const frontier = finitePoints(
    xs.map((flops) => {
      const optimum = optimalAllocation(law, flops);
      // The compute form has no split: its loss is already a function of C.
      const y = optimum ? evaluateLaw(law, optimum.params, optimum.tokens) : evaluateLaw(law, flops / 6, 1);
      return { x: flops, y };
    }),
  );
  const N = config.paramsUsed;
  const fixedSize = finitePoints(xs.map((flops) => ({ x: flops, y: evaluateLaw(law, N, flops / (6 * N)) })));
  const series: ChartSeries[] = [
    { id: 'frontier', label: 'Compute-optimal frontier', role: 'curve', points: frontier, colorIndex: 0 },
    {
      id: 'fixed-size',
      label: `N = ${shortCount(N)}, D varies`,
      role: 'curve',
      points: fixedSize,
      colorIndex: 5,
      dashed: true,
    },
  ];
  const focus = frontier.map((p) => p.y);
  if (config.tokens !== null && config.loss !== null && config.flops !== null) {
    series.push({
      id: 'config',
      label: 'This config',
      role: 'config',
      points: [{ x: config.flops, y: config.loss }],
      colorIndex: 1,
    });
    focus.push(config.loss);
  }
  return {
    id: 'frontier',
    title: 'Loss vs compute along the compute-optimal frontier',
    description: `Best achievable loss for each compute budget from ${(budget / FRONTIER_SPAN).toExponential(1)} to ${(budget * FRONTIER_SPAN).toExponential(1)} FLOPs, with the config's budget marked.`,
    x: { label: 'Compute C = 6·N·D', unit: 'FLOPs', scale: 'log' },
    y: { label: 'Loss', unit: 'nats/token', scale: 'linear', ...focusBounds(focus, 0.1) },
    series,
  };
}

/** Charts 4 and 5: observed runs by model size with the fitted curve per size, and residuals. */
function fitCharts(
  law: LawParams,
  observed: readonly ObservedPoint[],
  config: ConfigMarker | null,
  samples: number,
  lossAxis: () => ChartAxis,
): ChartSpec[] {
  const sizes = [...new Set(observed.map((p) => p.params))].sort((a, b) => a - b);
  const fit: ChartSeries[] = [];
  const residuals: ChartSeries[] = [];
  const tokensMin = Math.min(...observed.map((p) => p.tokens));
  const tokensMax = Math.max(...observed.map((p) => p.tokens));
  sizes.forEach((size, index) => {
    const colorIndex = 6 + index;
    const points = observed.filter((p) => p.params === size).sort((a, b) => a.tokens - b.tokens);
    const sizeLabel = `N = ${shortCount(size)}`;
    const own = points.map((p) => p.tokens);
    const xs = sampleWith(Math.min(...own) / 1.5, Math.max(...own) * 1.5, Math.max(16, samples / 2), []);
    fit.push({
      id: `fit-${index}`,
      label: `${sizeLabel} fitted`,
      role: 'curve',
      points: finitePoints(xs.map((D) => ({ x: D, y: evaluateLaw(law, size, D) }))),
      colorIndex,
    });
    for (const heldOut of [false, true]) {
      const subset = points.filter((p) => Boolean(p.heldOut) === heldOut);
      if (subset.length === 0) continue;
      const role: SeriesRole = heldOut ? 'heldOut' : 'observed';
      const suffix = heldOut ? 'held out' : 'observed';
      fit.push({
        id: `${role}-${index}`,
        label: `${sizeLabel} ${suffix}`,
        role,
        points: subset.map((p) => ({ x: p.tokens, y: p.loss, run: p.runName })),
        colorIndex,
      });
      residuals.push({
        id: `${role}-${index}`,
        label: `${sizeLabel} ${suffix}`,
        role,
        points: finitePoints(
          subset.map((p) => ({
            x: p.tokens,
            y: p.loss - evaluateLaw(law, p.params, p.tokens),
            run: p.runName,
          })),
        ),
        colorIndex,
      });
    }
  });
  if (config && config.tokens !== null && config.loss !== null) {
    fit.push({
      id: 'config',
      label: `This config (N = ${shortCount(config.paramsUsed)})`,
      role: 'config',
      points: [{ x: config.tokens, y: config.loss }],
      colorIndex: 1,
    });
  }
  const residualValues = residuals.flatMap((s) => s.points.map((p) => Math.abs(p.y)));
  const residualLimit = Math.max(1e-3, ...residualValues) * 1.15;
  const residualSpan = Number(
    (Math.ceil(residualLimit / niceStep(residualLimit)) * niceStep(residualLimit)).toPrecision(12),
  );
  const heldOutCount = observed.filter((p) => p.heldOut).length;
  return [
    {
      id: 'fit',
      title: `Observed runs and the fitted law (${sizes.length} model sizes, ${observed.length} points)`,
      description: `Observed losses of ${observed.length} checkpoints from ${sizes.length} model sizes with the fitted curve per size; ${heldOutCount} points were held out of the fit.`,
      x: { label: 'Training tokens D', unit: 'tokens', scale: 'log', min: tokensMin / 1.5 },
      y: {
        ...lossAxis(),
        ...focusBounds(
          observed.map((p) => p.loss),
          0.1,
        ),
      },
      series: fit,
    },
    {
      id: 'residuals',
      title: 'Residuals: observed − fitted loss',
      description: `Observed minus fitted loss for every point; the largest absolute residual is ${Math.max(0, ...residualValues).toFixed(4)} nats/token.`,
      x: {
        label: 'Training tokens D',
        unit: 'tokens',
        scale: 'log',
        min: tokensMin / 1.5,
        max: tokensMax * 1.5,
      },
      y: {
        label: 'Residual',
        unit: 'nats/token',
        scale: 'linear',
        min: -residualSpan,
        max: residualSpan,
        step: niceStep(2 * residualSpan),
      },
      series: residuals,
    },
  ];
}

/** Palette slot of the compared config (magenta: not the config's red, the law's blue or a budget's). */
const COMPARE_COLOR = 11;

/**
 * Add the compared config to the tokens chart (its own loss-vs-D curve at its N, and its point) and
 * the isoFLOP chart (its point, and its budget's curve when the budget differs). Returns why not,
 * or undefined when drawn.
 */
function compareOverlay(
  charts: ChartSpec[],
  law: LawParams,
  other: CompareInput,
  samples: number,
): string | undefined {
  if (other.error) return other.error;
  const N = other.paramsUsed;
  if (!(N !== null && N > 0)) return 'its parameter count is unknown';
  const tokensChartSpec = charts.find((c) => c.id === 'tokens');
  const isoflop = charts.find((c) => c.id === 'isoflop');
  if (!tokensChartSpec) return 'this config has no loss chart';
  const D = other.tokens !== null && other.tokens > 0 ? other.tokens : null;
  const loss = D !== null && other.loss !== null && Number.isFinite(other.loss) ? other.loss : null;
  const own = tokensChartSpec.series.find((s) => s.id === 'law')!;
  const xs = own.points.map((p) => p.x);
  tokensChartSpec.series.push({
    id: 'compare-law',
    label: `${other.label}: N = ${shortCount(N)}`,
    role: 'curve',
    points: finitePoints(
      [...new Set([...xs, ...(D !== null && D >= xs[0]! && D <= xs[xs.length - 1]! ? [D] : [])])]
        .sort((a, b) => a - b)
        .map((x) => ({ x, y: evaluateLaw(law, N, x) })),
    ),
    colorIndex: COMPARE_COLOR,
    dashed: true,
  });
  if (D !== null && loss !== null) {
    const point = { label: `${other.label} (loss ${loss.toFixed(3)})`, role: 'config' as const };
    tokensChartSpec.series.push({
      id: 'compare',
      ...point,
      points: [{ x: D, y: loss }],
      colorIndex: COMPARE_COLOR,
    });
    if (isoflop) {
      const budget = 6 * N * D;
      const lo = N / ISOFLOP_SPAN;
      const hi = N * ISOFLOP_SPAN;
      const optimum = optimalAllocation(law, budget);
      const xsBudget = sampleWith(
        Math.min(lo, (optimum?.params ?? N) / ISOFLOP_SPAN),
        Math.max(hi, (optimum?.params ?? N) * ISOFLOP_SPAN),
        samples,
        [N, optimum?.params],
      );
      isoflop.series.push({
        id: 'compare-budget',
        label: `${other.label}: ${budgetLabel(budget, 1).replace(' (this config)', '')}`,
        role: 'curve',
        points: finitePoints(xsBudget.map((n) => ({ x: n, y: evaluateLaw(law, n, budget / (6 * n)) }))),
        colorIndex: COMPARE_COLOR,
        dashed: true,
      });
      isoflop.series.push({
        id: 'compare',
        ...point,
        points: [{ x: N, y: loss }],
        colorIndex: COMPARE_COLOR,
      });
      widenTo(isoflop, loss);
    }
    widenTo(tokensChartSpec, loss);
  }
  return undefined;
}

/** Widen a chart's suggested y-bounds so `y` (the compared config's loss) is on the plot. */
function widenTo(chart: ChartSpec, y: number): void {
  const { min, max } = chart.y;
  if (min === undefined || max === undefined || (y >= min && y <= max)) return;
  const bounds = focusBounds([min, max, y], 0.05);
  if (bounds) chart.y = { ...chart.y, ...bounds };
}

/** Memory parts, bottom to top of the stacked bar (the order of src/cli/analyze.ts toJson `memory`). */
export const MEMORY_PARTS = [
  ['weights', 'Weights'],
  ['gradients', 'Gradients'],
  ['optimizer', 'Optimizer states'],
  ['activations', 'Activations'],
  ['buffers', 'Buffers'],
  ['overhead', 'Overhead (context, workspaces, temporaries)'],
] as const;

/** GiB with one decimal, as the memory lens and hover state it (src/server/lenses.ts formatGiB). */
const gib1 = (bytes: number) => (bytes / GIB).toFixed(1);

/**
 * The memory chart: one stacked bar for the most loaded GPU (the estimate src/core/model/memory.ts
 * makes; other GPUs of the layout hold at most as much), in GiB = 2^30 bytes like every memory figure
 * the product shows, with the accelerator's capacity as a line. No estimate: no bar, the reason.
 */
function memoryChart(input: MemoryChartInput): ChartSpec {
  const x: ChartAxis = { label: 'GPU', unit: 'GPU', scale: 'linear' };
  const m = input.estimate;
  const parts = m ? MEMORY_PARTS.map(([key]) => m[key]) : [];
  if (!m || !parts.every((v) => Number.isFinite(v) && v >= 0) || !(m.perGpuBytes > 0)) {
    const reason = `Memory per GPU unknown: ${input.reason ?? 'no estimate for this file'}.`.replace(
      /\.\.$/,
      '.',
    );
    return {
      id: 'memory',
      kind: 'bar',
      title: 'Memory per GPU: unknown',
      description: reason,
      x,
      y: { label: 'Memory per GPU', unit: 'GiB', scale: 'linear' },
      series: [],
      categories: [],
      unavailable: reason,
    };
  }
  const capacity = m.capacityBytes !== null && m.capacityBytes > 0 ? m.capacityBytes : null;
  const series: ChartSeries[] = MEMORY_PARTS.map(([key, label], index) => ({
    id: key,
    label,
    role: 'stack',
    points: [{ x: 1, y: m[key] / GIB }],
    // Six distinct hues (webview/theme.ts PALETTE slots); red (1) is the capacity line.
    colorIndex: [0, 2, 3, 4, 10, 5][index]!,
  }));
  if (capacity !== null)
    series.push({
      id: 'capacity',
      label: `${input.gpu} capacity (${gib1(capacity)} GiB)`,
      role: 'limit',
      points: [{ x: 1, y: capacity / GIB }],
      colorIndex: 1,
      dashed: true,
    });
  const top = Math.max(m.perGpuBytes, capacity ?? 0) / GIB;
  const step = niceStep(top * 1.1);
  const verdict = m.fits === false ? ' — does not fit' : m.fits === true ? '' : ' (capacity unknown)';
  const of = capacity !== null ? ` of ${gib1(capacity)}` : '';
  return {
    id: 'memory',
    kind: 'bar',
    title: `Memory per GPU: ≈ ${gib1(m.perGpuBytes)}${of} GiB (${input.gpu})${verdict}`,
    description: `Estimated memory of the most loaded GPU, ${gib1(m.perGpuBytes)}${of} GiB on ${input.gpu}: ${MEMORY_PARTS.map(([key, label]) => `${label.toLowerCase()} ${gib1(m[key])}`).join(', ')} GiB.`,
    x,
    y: {
      label: 'Memory per GPU',
      unit: 'GiB',
      scale: 'linear',
      min: 0,
      max: Number((Math.ceil((top * 1.1) / step) * step).toPrecision(12)),
      step,
    },
    series,
    categories: [`Most loaded GPU (${input.gpu})`],
    caption: [
      "GiB = 2^30 bytes. The estimate is of the most loaded GPU; the hover on a parallelism key shows each part's formula.",
    ],
  };
}

/** Points along a run, as `scaling-lens curve` samples it (src/cli/curve.ts default --points 50). */
export const SCHEDULE_POINTS = 50;
/** Longest run the panel expands step by step (two Float64Arrays: 80 MB at this length). */
export const MAX_SCHEDULE_STEPS = 5e6;

/** Steps and tokens at SCHEDULE_POINTS steps of a plan (step i = round(i/k · n), i = 1…k), or why not. */
function sampleRun(
  plan: RunPlan,
):
  | { steps: number[]; tokens: number[]; totalSteps: number; allTokens: Float64Array; run: CompiledRun }
  | string {
  const length =
    plan.totalSteps ?? (plan.totalTokens !== undefined ? plan.totalTokens / plan.batchTokens : NaN);
  if (length > MAX_SCHEDULE_STEPS)
    return `the run has ${length.toExponential(2)} steps, more than the ${MAX_SCHEDULE_STEPS.toExponential(0)} the panel expands (scaling-lens curve CONFIG does)`;
  const { run, errors } = compileRun(plan);
  if (!run || run.tokens.length === 0) return errors.join('; ') || 'the run has no steps';
  const n = run.lr.length;
  const steps = Array.from({ length: SCHEDULE_POINTS }, (_, i) =>
    Math.max(1, Math.round(((i + 1) / SCHEDULE_POINTS) * n)),
  );
  return { steps, tokens: steps.map((s) => run.tokens[s - 1]!), totalSteps: n, allTokens: run.tokens, run };
}

/**
 * The logged checkpoints on the chart's tokens axis: a log's own token count, else the plan's tokens
 * after that step (the same expansion as the predicted curve). Checkpoints past the plan are counted,
 * not drawn (the log may belong to another config).
 */
function loggedSeries(
  logged: LoggedRunInput,
  allTokens: Float64Array,
): { series?: ChartSeries; caption: string[] } {
  const points: ChartPoint[] = [];
  let beyond = 0;
  for (const p of logged.points) {
    const tokens =
      p.tokens !== undefined && p.tokens > 0
        ? p.tokens
        : p.step >= 1 && p.step <= allTokens.length
          ? allTokens[p.step - 1]!
          : undefined;
    if (tokens === undefined) beyond++;
    else if (Number.isFinite(p.loss)) points.push({ x: tokens, y: p.loss, run: logged.label });
  }
  const caption: string[] = [];
  const thinned =
    logged.total > logged.points.length
      ? `, evenly thinned to ${logged.points.length.toLocaleString('en-US')} of ${logged.total.toLocaleString('en-US')} (the newest kept)`
      : '';
  caption.push(
    `Logged: ${points.length.toLocaleString('en-US')} ${logged.split} checkpoints of ${logged.label}${thinned}; steps placed at the tokens this config's schedule reaches after them unless the log counts tokens.`,
  );
  if (beyond)
    caption.push(
      `${beyond.toLocaleString('en-US')} logged checkpoint(s) past the ${allTokens.length.toLocaleString('en-US')} steps this config plans are not drawn: check that the log belongs to this config.`,
    );
  if (!points.length) return { caption };
  return {
    series: {
      id: 'logged',
      label: `Logged ${logged.split} loss (${logged.label})`,
      role: 'observed',
      points,
      colorIndex: 2,
    },
    caption,
  };
}

/**
 * Loss over the run: the law at the tokens after each sampled step, as `scaling-lens curve CONFIG
 * --law <the panel's law>` computes it without a log (schedule-blind: published (N, D) laws predict
 * the end of a run whose schedule fits its length), with the bootstrap band where the law has draws,
 * and the same run twice as long (steps, decay horizon doubled). The WSD what-if (under a
 * schedule-blind law it would be the same curve) takes its schedule effect from Luo et al. 2025's
 * multi-power law as a ratio on this curve: src/core/schedule/wsdWhatIf.ts.
 */
function scheduleChart(
  snapshot: ChartSnapshot,
  config: ConfigMarker | null,
  input: ScheduleChartInput,
): ChartSpec {
  const law = snapshot.law.law;
  const x: ChartAxis = { label: 'Tokens trained', unit: 'tokens', scale: 'linear', min: 0 };
  const yAxis: ChartAxis = { label: 'Loss', unit: 'nats/token', scale: 'linear' };
  const unavailable = (why: string): ChartSpec => ({
    id: 'schedule',
    title: 'Loss over training: unknown',
    description: `Loss over training unknown: ${why}.`,
    x,
    y: yAxis,
    series: [],
    unavailable: `Loss over training unknown: ${why}.`,
  });
  if (!input.plan) return unavailable(input.reason ?? 'no LR schedule was read from this file');
  if (!config) return unavailable('the parameter count is unknown');
  const sampled = sampleRun(input.plan);
  if (typeof sampled === 'string') return unavailable(sampled);
  let savedLawNote = input.savedLawNote;
  if (input.savedLaw) {
    const applies = savedLawApplies(
      input.savedLaw,
      config.paramsTotal,
      sampled.tokens[sampled.tokens.length - 1]!,
    );
    if (applies.ok)
      return savedLawScheduleChart(input, input.savedLaw, config, sampled, applies.notes, snapshot.tokens);
    savedLawNote = `Saved schedule law "${input.savedLaw.name}" not used: ${applies.reason}.`;
  }
  const N = config.paramsUsed;
  const curve = finitePoints(sampled.tokens.map((D) => ({ x: D, y: evaluateLaw(law, N, D) })));
  if (curve.length === 0) return unavailable(`${snapshot.law.label} gives no finite loss along this run`);
  const series: ChartSeries[] = [
    {
      id: 'predicted',
      label: `${snapshot.law.label} at N = ${shortCount(N)}`,
      role: 'curve',
      points: curve,
      colorIndex: 0,
    },
  ];
  const band = lossBand(snapshot, law, N, curve);
  if (band) series.push(band);
  const plan = input.plan;
  const schedule = plan.schedule;
  // Twice as long: twice the steps (or tokens), the decay stretched to the new end, as a run planned
  // for that length would be (the law assumes a schedule matched to the run's length).
  const longer = sampleRun(doubledPlan(plan));
  const caption: string[] = [
    `Schedule: ${describeSchedule(schedule, schedule.horizon)}.`,
    `Schedule-blind: ${snapshot.law.label} predicts loss from N and tokens; the LR schedule sets the steps and tokens (as scaling-lens curve without --log).`,
  ];
  const wsd = wsdSeries(snapshot, N, plan, sampled);
  if (wsd.series) series.push(wsd.series);
  caption.push(...wsd.caption);
  if (typeof longer !== 'string') {
    const points = finitePoints(longer.tokens.map((D) => ({ x: D, y: evaluateLaw(law, N, D) })));
    series.push({
      id: 'twice',
      label: `Twice as long (${formatSteps(longer.totalSteps)} steps)`,
      role: 'curve',
      points,
      colorIndex: 4,
      dashed: true,
    });
  } else caption.push(`Twice-as-long what-if not drawn: ${longer}.`);
  if (savedLawNote) caption.push(savedLawNote);
  return finishScheduleChart(series, caption, input, sampled, curve, snapshot.tokens, (end) => {
    const wsdText = wsd.series
      ? ` and with a WSD cooldown (a what-if${wsd.end !== undefined ? `: ${wsd.end.toFixed(3)} at the end` : ''})`
      : '';
    return `Predicted loss after each part of the run under ${snapshot.law.label} at N = ${shortCount(N)}: ${end.y.toFixed(3)} at the end of ${formatSteps(sampled.totalSteps)} steps; dashed, the same run twice as long${wsdText}.`;
  });
}

/** The run "twice as long": twice the steps (or tokens), the decay stretched to the new end. */
function doubledPlan(plan: RunPlan): RunPlan {
  const schedule = plan.schedule;
  return {
    ...plan,
    ...(plan.totalSteps !== undefined ? { totalSteps: plan.totalSteps * 2 } : {}),
    ...(plan.totalTokens !== undefined ? { totalTokens: plan.totalTokens * 2 } : {}),
    schedule: {
      ...schedule,
      horizon: schedule.horizon * 2,
      ...(schedule.zeroFrom !== undefined ? { zeroFrom: schedule.zeroFrom * 2 } : {}),
    },
  };
}

/**
 * Loss over the run under a saved schedule-aware law (src/core/schedule/savedLawCurve.ts, the same
 * numbers as `scaling-lens curve CONFIG --law FILE.json`): the law on the config's own LR schedule,
 * its stated band, and the law again on the "twice as long" and WSD runs' own schedules.
 */
function savedLawScheduleChart(
  input: ScheduleChartInput,
  saved: SavedScheduleLaw,
  config: ConfigMarker,
  sampled: SampledRun,
  notes: readonly string[],
  snapshotTokens: number | null,
): ChartSpec {
  const plan = input.plan!;
  const N = config.paramsTotal;
  const x: ChartAxis = { label: 'Tokens trained', unit: 'tokens', scale: 'linear', min: 0 };
  const along = (p: RunPlan, run: CompiledRun, steps: readonly number[]) =>
    finitePoints(
      savedLawAtSteps(saved, N, p, run, steps).map((loss, i) => ({
        x: run.tokens[steps[i]! - 1]!,
        y: loss ?? NaN,
      })),
    );
  const curve = along(plan, sampled.run, sampled.steps);
  const caption: string[] = [
    `Schedule: ${describeSchedule(plan.schedule, plan.schedule.horizon)}.`,
    `Schedule-aware: ${savedLawDescription(saved)}.`,
    ...notes.map((n) => `Saved law: ${n}.`),
  ];
  if (curve.length === 0)
    return {
      id: 'schedule',
      title: 'Loss over training: unknown',
      description: `Loss over training unknown: the saved law "${saved.name}" gives no finite loss along this run.`,
      x,
      y: { label: 'Loss', unit: 'nats/token', scale: 'linear' },
      series: [],
      unavailable: `Loss over training unknown: the saved law "${saved.name}" gives no finite loss along this run.`,
    };
  const half = savedLawBandHalfWidth(saved);
  const series: ChartSeries[] = [
    {
      id: 'predicted',
      label: `${saved.name} at N = ${shortCount(N)}`,
      role: 'curve',
      points: curve,
      colorIndex: 0,
    },
    {
      id: 'band',
      label: `±${(100 * half).toFixed(2)}% (2 × the fit's RMS relative residual)`,
      role: 'band',
      points: curve.map((p) => ({ x: p.x, y: p.y * (1 - half) })),
      upper: curve.map((p) => ({ x: p.x, y: p.y * (1 + half) })),
      colorIndex: 0,
    },
  ];
  let wsdEnd: number | undefined;
  if (plan.schedule.decay.kind === 'constant') caption.push(`WSD what-if not drawn: ${WSD_NO_DECAY_REASON}.`);
  else {
    const variant = wsdVariant(plan, sampled.run);
    if ('reason' in variant) caption.push(`WSD what-if not drawn: ${variant.reason}.`);
    else {
      const points = along(variant.plan, variant.run, sampled.steps);
      series.push({
        id: 'wsd',
        label: `WSD cooldown (${saved.name})`,
        role: 'curve',
        points,
        colorIndex: 3,
        dashed: true,
      });
      caption.push(savedLawWsdSource(saved));
      wsdEnd = points[points.length - 1]?.y;
    }
  }
  const longerPlan = doubledPlan(plan);
  const longer = sampleRun(longerPlan);
  if (typeof longer !== 'string')
    series.push({
      id: 'twice',
      label: `Twice as long (${formatSteps(longer.totalSteps)} steps)`,
      role: 'curve',
      points: along(longerPlan, longer.run, longer.steps),
      colorIndex: 4,
      dashed: true,
    });
  else caption.push(`Twice-as-long what-if not drawn: ${longer}.`);
  return finishScheduleChart(series, caption, input, sampled, curve, snapshotTokens, (end) => {
    const wsdText = wsdEnd !== undefined ? ` and with a WSD cooldown (${wsdEnd.toFixed(3)} at the end)` : '';
    return `Predicted loss after each part of the run under the saved schedule-aware law "${saved.name}" at N = ${shortCount(N)}: ${end.y.toFixed(3)} at the end of ${formatSteps(sampled.totalSteps)} steps; dashed, the same run twice as long${wsdText}.`;
  });
}

type SampledRun = {
  steps: number[];
  tokens: number[];
  totalSteps: number;
  allTokens: Float64Array;
  run: CompiledRun;
};

/**
 * The end of either loss-over-training chart: the end-of-run marker, a caption line when the
 * expanded run ends away from the header's D, the logged points, the extractor's notes, and the axis
 * kept on the part of the run that matters (the first tenth is far above the rest, since the laws
 * diverge at D → 0; the early curve leaves the top of the plot).
 */
function finishScheduleChart(
  series: ChartSeries[],
  caption: string[],
  input: ScheduleChartInput,
  sampled: SampledRun,
  curve: readonly ChartPoint[],
  headerTokens: number | null,
  describe: (end: ChartPoint) => string,
): ChartSpec {
  const end = curve[curve.length - 1]!;
  series.push({
    id: 'end',
    label: `End of run (${shortCount(end.x)} tokens)`,
    role: 'config',
    points: [end],
    colorIndex: 1,
  });
  // The extractor expands the run step by step; say so when its end differs from the header's D.
  const D = headerTokens;
  if (D !== null && D > 0 && Math.abs(end.x - D) > 1e-9 * D)
    caption.push(
      `The run as the LR-schedule extractor expands it ends at ${end.x.toLocaleString('en-US')} tokens (${formatSteps(sampled.totalSteps)} steps); the config's D is ${D.toLocaleString('en-US')} tokens.`,
    );
  if (input.logged) {
    const logged = loggedSeries(input.logged, sampled.allTokens);
    if (logged.series) series.push(logged.series);
    caption.push(...logged.caption);
  } else if (input.loggedNote) caption.push(input.loggedNote);
  for (const note of input.notes ?? []) caption.push(`Extractor: ${note}.`);
  const focus = series
    .filter((s) => s.role !== 'band')
    .flatMap((s) => s.points.filter((p) => p.x >= end.x / 10).map((p) => p.y));
  return {
    id: 'schedule',
    title: `Loss over training (${formatSteps(sampled.totalSteps)} steps, ${shortCount(end.x)} tokens)`,
    description: describe(end),
    x: { label: 'Tokens trained', unit: 'tokens', scale: 'linear', min: 0 },
    y: { label: 'Loss', unit: 'nats/token', scale: 'linear', ...focusBounds(focus, 0.1) },
    series,
    caption,
  };
}

const formatSteps = (steps: number) => steps.toLocaleString('en-US');

/**
 * The WSD what-if: the chart's own curve (the same evaluateLaw call, so where the ratio is exactly 1
 * the points are the predicted curve's) times the multi-power law's WSD/config ratio at each step.
 */
function wsdSeries(
  snapshot: ChartSnapshot,
  N: number,
  plan: RunPlan,
  sampled: { steps: number[]; tokens: number[]; totalSteps: number; run: CompiledRun },
): { series?: ChartSeries; end?: number; caption: string[] } {
  if (plan.schedule.decay.kind === 'constant')
    return {
      caption: [`WSD what-if not drawn: ${WSD_NO_DECAY_REASON}.`],
    };
  const what = wsdWhatIf(plan, sampled.run, N, sampled.steps);
  if ('reason' in what) return { caption: [`WSD what-if not drawn: ${what.reason}.`] };
  const points: ChartPoint[] = [];
  sampled.steps.forEach((_, i) => {
    const ratio = what.ratio[i];
    const D = sampled.tokens[i]!;
    const loss = evaluateLaw(snapshot.law.law, N, D) * (ratio ?? NaN);
    if (Number.isFinite(loss) && Number.isFinite(D)) points.push({ x: D, y: loss });
  });
  if (points.length === 0)
    return { caption: ['WSD what-if not drawn: the multi-power law is not defined along this run.'] };
  const caption = [`${wsdWhatIfSource(what, N, sampled.totalSteps)} ${WSD_WHATIF_CHECK}`];
  const dropped = sampled.steps.length - points.length;
  if (dropped)
    caption.push(
      `WSD what-if: ${dropped} of ${sampled.steps.length} points not drawn (the multi-power law is not defined there: no LR area yet, or after the LR reaches 0).`,
    );
  return {
    series: {
      id: 'wsd',
      label: wsdWhatIfLabel(what.size),
      role: 'curve',
      points,
      colorIndex: 3,
      dashed: true,
    },
    ...(what.ratio[what.ratio.length - 1] !== undefined ? { end: points[points.length - 1]!.y } : {}),
    caption,
  };
}

/** 124M, 6.7B: chart labels only (tooltips and the table carry exact numbers). */
function shortCount(value: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of units)
    if (Math.abs(value) >= scale) return `${+(value / scale).toPrecision(3)}${suffix}`;
  return String(+value.toPrecision(3));
}

/**
 * CSV of table rows (RFC 4180 quoting). Cells that a spreadsheet would run as a formula (leading
 * `= + - @`, tab or CR) are prefixed with `'`, since run names come from user files.
 */
export function tableToCsv(rows: readonly TableRow[], chart?: ChartId): string {
  const header = ['chart', 'series', 'run', 'held_out', 'x', 'x_unit', 'y', 'y_unit'];
  const lines = [header.join(',')];
  for (const row of rows) {
    if (chart && row.chart !== chart) continue;
    lines.push(
      [
        row.chart,
        row.series,
        row.run ?? '',
        row.heldOut ? 'true' : '',
        String(row.x),
        row.xUnit,
        String(row.y),
        row.yUnit,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

function csvCell(value: string): string {
  const neutral = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(neutral) ? `"${neutral.replace(/"/g, '""')}"` : neutral;
}

/**
 * Observed points from untrusted JSON (a saved law file, a message): keeps only well-formed entries,
 * caps the count, never throws.
 */
export function parseObservedPoints(value: unknown, maxPoints = 5000): ObservedPoint[] {
  if (!Array.isArray(value)) return [];
  const out: ObservedPoint[] = [];
  for (const item of value) {
    if (out.length >= maxPoints) break;
    if (typeof item !== 'object' || item === null) continue;
    const p = item as Record<string, unknown>;
    const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
    if (!positive(p.params) || !positive(p.tokens) || typeof p.loss !== 'number' || !Number.isFinite(p.loss))
      continue;
    out.push({
      runName: typeof p.runName === 'string' ? p.runName.slice(0, 200) : '',
      params: p.params as number,
      tokens: p.tokens as number,
      loss: p.loss,
      ...(p.heldOut === true ? { heldOut: true } : {}),
    });
  }
  return out;
}

/**
 * The 95% band around a loss-vs-tokens curve from the law's bootstrap draws (at least 10, or none):
 * the tokens chart and the loss-over-training chart draw the same band.
 */
function lossBand(
  snapshot: ChartSnapshot,
  law: LawParams,
  N: number,
  curve: readonly ChartPoint[],
): ChartSeries | undefined {
  const draws = coefficientDraws(snapshot);
  if (draws.length < 10) return undefined;
  const intervals = curve.map((p) => lossInterval(law, draws, N, p.x, p.y));
  return {
    id: 'band',
    label: `95% band (${draws.length} bootstrap draws)`,
    role: 'band',
    points: curve.map((p, i) => ({ x: p.x, y: intervals[i]!.low })),
    upper: curve.map((p, i) => ({ x: p.x, y: intervals[i]!.high })),
    colorIndex: 0,
  };
}
