/**
 * Messages between the curves panel's host (extension) and its webview, compiled into both so the
 * two sides cannot drift. Pure: no `vscode`, no DOM. Every message that crosses the boundary is
 * checked by a guard here before either side acts on it; the webview is treated as untrusted.
 */
import type { AnalysisSnapshot } from './protocol';
import { findLawForm } from './core/laws/forms';
import { CHART_IDS, type ChartId, type ObservedPoint } from './core/charts';

/** The panel's view type (package.json's `onWebviewPanel:` activation event uses it). */
export const CURVES_VIEW_TYPE = 'scalingLens.curves';

/** Largest PNG export accepted from the webview, as data-URL characters (~15 MB of image). */
export const MAX_PNG_DATA_URL_CHARS = 20_000_000;

/** Host → webview: draw these curves. */
export interface UpdateMessage {
  type: 'update';
  snapshot: AnalysisSnapshot;
  /** Points the law was fitted on, when it is a fitted law whose runs are known. */
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

export type HostToWebviewMessage = UpdateMessage | EmptyMessage | ExportResultMessage;

/** Webview → host: the page is loaded and listening; send the current data. */
export interface ReadyMessage {
  type: 'ready';
}

/** Webview → host: save this chart's image (a `data:image/png;base64,` URL from canvas.toDataURL). */
export interface ExportPngMessage {
  type: 'exportPng';
  chart: ChartId;
  dataUrl: string;
}

/**
 * Webview → host: save this chart's data (or all charts') as CSV. The host rebuilds the CSV from its
 * own copy of the data, so the webview never supplies file contents that are not an image.
 */
export interface ExportCsvMessage {
  type: 'exportCsv';
  chart: ChartId | 'all';
}

export type WebviewToHostMessage = ReadyMessage | ExportPngMessage | ExportCsvMessage;

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

/** True for one of the five chart ids. */
export function isChartId(value: unknown): value is ChartId {
  return typeof value === 'string' && (CHART_IDS as readonly string[]).includes(value);
}

/** A base64 PNG data URL of bounded size, nothing else (no other MIME type, no parameters). */
export function isPngDataUrl(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= MAX_PNG_DATA_URL_CHARS &&
    /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/.test(value)
  );
}

/** Validate a message from the webview: exact shapes only, unknown fields or types rejected. */
export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  if (!isObject(value)) return false;
  const keys = Object.keys(value).sort().join(',');
  switch (value.type) {
    case 'ready':
      return keys === 'type';
    case 'exportPng':
      return keys === 'chart,dataUrl,type' && isChartId(value.chart) && isPngDataUrl(value.dataUrl);
    case 'exportCsv':
      return keys === 'chart,type' && (value.chart === 'all' || isChartId(value.chart));
    default:
      return false;
  }
}

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

/** Validate a message from the host (defense in depth in the webview). */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'update':
      return (
        isAnalysisSnapshot(value.snapshot) &&
        typeof value.documentLabel === 'string' &&
        (value.observed === undefined || isObservedPoints(value.observed)) &&
        (value.stale === undefined || typeof value.stale === 'boolean')
      );
    case 'empty':
      return typeof value.reason === 'string';
    case 'exportResult':
      return typeof value.ok === 'boolean' && typeof value.message === 'string';
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
