/**
 * Messages between the curves panel's host (extension) and its webview, compiled into both so the
 * two sides cannot drift. Pure: no `vscode`, no DOM. Every message that crosses the boundary is
 * checked by a guard here before either side acts on it; the webview is treated as untrusted.
 * The host's half (webview → host) lives in src/webviewMessages.ts, which imports no chart or law
 * code; this module adds the host → webview half and re-exports it.
 */
import type { AnalysisSnapshot } from './protocol';
import { findLawForm } from './core/laws/forms';
import type { ChartData, ChartId, ObservedPoint } from './core/charts';
import { isChartId, isRequestId } from './webviewMessages';

export * from './webviewMessages';

/** Host → webview: draw these curves (every number computed by the language server). */
export interface UpdateMessage {
  type: 'update';
  snapshot: AnalysisSnapshot;
  /** The charts, table rows and notes the page draws (src/core/charts.ts buildChartData, in the server). */
  data: ChartData;
  /**
   * The observed points behind a fitted law's charts, when the sender includes them (the samples
   * do, for the tests); the page draws `data` only.
   */
  observed?: ObservedPoint[];
  /** Short name of the config (file name) for titles and export names. */
  documentLabel: string;
  /** True when the shown config is no longer analyzable (e.g. mid-edit) and this is its last good state. */
  stale?: boolean;
}

/** Host → webview: nothing to draw yet (no run config has been active). */
export interface EmptyMessage {
  type: 'empty';
  reason: string;
}

/** Host → webview: result of an export, for the status line. */
export interface ExportResultMessage {
  type: 'exportResult';
  ok: boolean;
  message: string;
}

/**
 * Host → webview (Export Report): draw each chart of `data` off screen at `width`×`height` CSS pixels
 * and `pixelRatio` device pixels per CSS pixel, and answer with a `reportImages` message carrying
 * `requestId`. The panel's own charts, legend toggles and log-axis choice are left as they are.
 */
export interface RenderForReportMessage {
  type: 'renderForReport';
  requestId: string;
  data: ChartData;
  pixelRatio: number;
  width: number;
  height: number;
}

export type HostToWebviewMessage =
  UpdateMessage | EmptyMessage | ExportResultMessage | RenderForReportMessage;

/** Largest off-screen chart the page draws for a report, in CSS pixels per side. */
const MAX_REPORT_CHART_CSS = 4000;

const isCssSize = (value: unknown) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= MAX_REPORT_CHART_CSS;

/** The webview's persisted state (vscode.setState), which the serializer receives after a reload. */
export interface CurvesPanelState {
  /** URI of the config being shown. */
  uri?: string;
  view?: 'charts' | 'table';
  logLoss?: boolean;
  /** Hidden series ids per chart (legend toggles). */
  hidden?: Partial<Record<ChartId, string[]>>;
  /** The last update, so the page redraws at once after hide/show or reload. */
  last?: UpdateMessage;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const isNumberArrays = (value: unknown): value is number[][] =>
  Array.isArray(value) && value.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number'));

/**
 * Enough of an AnalysisSnapshot's shape for the charts to use it without crashing (the server is
 * trusted, but a stale or half-written state restored after reload may not be).
 */
export function isAnalysisSnapshot(value: unknown): value is AnalysisSnapshot {
  if (!isObject(value) || typeof value.uri !== 'string' || !isObject(value.law)) return false;
  const law = value.law;
  if (typeof law.id !== 'string' || typeof law.label !== 'string' || !isObject(law.law)) return false;
  const coefficients = findLawForm(law.law.form)?.coefficientNames;
  if (
    !coefficients ||
    !coefficients.every((key) => isFiniteNumber((law.law as Record<string, unknown>)[key]))
  )
    return false;
  // The page reads these directly (title, tooltip, notes list, "D unknown (missing: …)"), so a
  // missing or mistyped one would throw there (found by test/unit/webview-messages-fuzz.test.ts).
  if (typeof law.citation !== 'string' || typeof law.paramConvention !== 'string') return false;
  if (law.fittedFrom !== undefined && typeof law.fittedFrom !== 'string') return false;
  if (!isStringArray(value.warnings) || !isStringArray(value.missing)) return false;
  if (value.modelName !== null && value.modelName !== undefined && typeof value.modelName !== 'string')
    return false;
  // Draws the charts may use: arrays of numbers (malformed ones are skipped there, null would throw).
  if (law.bootstrapDraws !== undefined && !isNumberArrays(law.bootstrapDraws)) return false;
  for (const key of ['flops', 'optimalTokens'] as const)
    if (value[key] !== null && value[key] !== undefined && !isFiniteNumber(value[key])) return false;
  if (value.tokens !== null && !isFiniteNumber(value.tokens)) return false;
  if (value.params !== null) {
    if (!isObject(value.params)) return false;
    const p = value.params;
    if (![p.total, p.nonEmbedding, p.active, p.activeNonEmbedding].every(isFiniteNumber)) return false;
  }
  if (value.loss !== null) {
    if (
      !isObject(value.loss) ||
      ![value.loss.value, value.loss.low, value.loss.high, value.loss.paramsUsed].every(isFiniteNumber)
    )
      return false;
  }
  return true;
}

/** Observed points as buildChartData plots them: finite positive N and D, finite loss. */
function isObservedPoints(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (p) =>
        isObject(p) &&
        isFiniteNumber(p.params) &&
        p.params > 0 &&
        isFiniteNumber(p.tokens) &&
        p.tokens > 0 &&
        isFiniteNumber(p.loss) &&
        (p.runName === undefined || typeof p.runName === 'string') &&
        (p.heldOut === undefined || typeof p.heldOut === 'boolean'),
    )
  );
}

const SERIES_ROLES = new Set(['curve', 'band', 'config', 'optimum', 'observed', 'heldOut', 'stack', 'limit']);
const optionalFinite = (value: unknown) => value === undefined || isFiniteNumber(value);
const finiteOrNull = (value: unknown) => value === null || isFiniteNumber(value);

function isChartPoints(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (p) =>
        isObject(p) &&
        isFiniteNumber(p.x) &&
        isFiniteNumber(p.y) &&
        (p.run === undefined || typeof p.run === 'string'),
    )
  );
}

function isChartAxis(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.label === 'string' &&
    typeof value.unit === 'string' &&
    (value.scale === 'log' || value.scale === 'linear') &&
    optionalFinite(value.min) &&
    optionalFinite(value.max) &&
    optionalFinite(value.step)
  );
}

function isChartSeries(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.label === 'string' &&
    typeof value.role === 'string' &&
    SERIES_ROLES.has(value.role) &&
    isChartPoints(value.points) &&
    (value.upper === undefined || isChartPoints(value.upper)) &&
    isFiniteNumber(value.colorIndex) &&
    (value.dashed === undefined || typeof value.dashed === 'boolean')
  );
}

/**
 * Chart data the page can draw without computing anything: every plotted coordinate finite, every
 * label a string (the server builds it; a state restored after reload may be stale or damaged).
 */
export function isChartData(value: unknown): value is ChartData {
  if (!isObject(value) || typeof value.lawLabel !== 'string' || !isStringArray(value.notes)) return false;
  if (value.compareLabel !== undefined && typeof value.compareLabel !== 'string') return false;
  if (
    !Array.isArray(value.charts) ||
    !value.charts.every(
      (chart) =>
        isObject(chart) &&
        isChartId(chart.id) &&
        typeof chart.title === 'string' &&
        typeof chart.description === 'string' &&
        isChartAxis(chart.x) &&
        isChartAxis(chart.y) &&
        Array.isArray(chart.series) &&
        chart.series.every(isChartSeries) &&
        // Bar charts (memory) label their bars; charts with nothing to draw say why; captions are text.
        (chart.kind === undefined || chart.kind === 'bar') &&
        (chart.categories === undefined || isStringArray(chart.categories)) &&
        (chart.unavailable === undefined || typeof chart.unavailable === 'string') &&
        (chart.caption === undefined || isStringArray(chart.caption)) &&
        // A stacked bar's x is its 1-based index into the labels: anything else would draw nowhere.
        chart.series.every(
          (series: Record<string, unknown>) =>
            (series.role !== 'stack' && series.role !== 'limit') ||
            (isStringArray(chart.categories) &&
              (series.points as { x: number }[]).every(
                (p) => Number.isInteger(p.x) && p.x >= 1 && p.x <= (chart.categories as string[]).length,
              )),
        ),
    )
  )
    return false;
  if (
    !Array.isArray(value.table) ||
    !value.table.every(
      (row) =>
        isObject(row) &&
        isChartId(row.chart) &&
        typeof row.series === 'string' &&
        isFiniteNumber(row.x) &&
        isFiniteNumber(row.y) &&
        typeof row.xUnit === 'string' &&
        typeof row.yUnit === 'string' &&
        (row.run === undefined || typeof row.run === 'string') &&
        (row.heldOut === undefined || typeof row.heldOut === 'boolean'),
    )
  )
    return false;
  const config = value.config;
  if (config === null) return true;
  return (
    isObject(config) &&
    isFiniteNumber(config.paramsUsed) &&
    isFiniteNumber(config.paramsTotal) &&
    typeof config.paramConvention === 'string' &&
    [config.tokens, config.flops, config.loss, config.lossLow, config.lossHigh, config.optimalTokens].every(
      finiteOrNull,
    )
  );
}

/** Validate a message from the host (defense in depth in the webview). */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'update':
      return (
        isAnalysisSnapshot(value.snapshot) &&
        isChartData(value.data) &&
        typeof value.documentLabel === 'string' &&
        (value.observed === undefined || isObservedPoints(value.observed)) &&
        (value.stale === undefined || typeof value.stale === 'boolean')
      );
    case 'empty':
      return typeof value.reason === 'string';
    case 'exportResult':
      return typeof value.ok === 'boolean' && typeof value.message === 'string';
    case 'renderForReport':
      return (
        isRequestId(value.requestId) &&
        isChartData(value.data) &&
        typeof value.pixelRatio === 'number' &&
        value.pixelRatio >= 1 &&
        value.pixelRatio <= 4 &&
        isCssSize(value.width) &&
        isCssSize(value.height)
      );
    default:
      return false;
  }
}

/** The state restored by the serializer, reduced to what is well-formed (anything else dropped). */
export function sanitizePanelState(value: unknown): CurvesPanelState {
  if (!isObject(value)) return {};
  const state: CurvesPanelState = {};
  if (typeof value.uri === 'string' && value.uri.length <= 4096) state.uri = value.uri;
  if (value.view === 'charts' || value.view === 'table') state.view = value.view;
  if (typeof value.logLoss === 'boolean') state.logLoss = value.logLoss;
  if (isObject(value.hidden)) {
    const hidden: Partial<Record<ChartId, string[]>> = {};
    for (const [chart, ids] of Object.entries(value.hidden)) {
      if (isChartId(chart) && Array.isArray(ids))
        hidden[chart] = ids.filter((id): id is string => typeof id === 'string');
    }
    state.hidden = hidden;
  }
  if (isHostToWebviewMessage(value.last) && value.last.type === 'update') state.last = value.last;
  return state;
}
