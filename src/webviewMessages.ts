/**
 * The part of the curves panel's message protocol the extension host needs: the view type, the
 * webview → host messages and their guard. No imports beyond types, so the client bundle carries no
 * chart or law code (test/unit/bundle.test.ts); src/webviewProtocol.ts re-exports all of it.
 */
import type { ChartId } from './core/charts';

/** The panel's view type (package.json's `onWebviewPanel:` activation event uses it). */
export const CURVES_VIEW_TYPE = 'scalingLens.curves';

/** Largest PNG export accepted from the webview, as data-URL characters (~15 MB of image). */
export const MAX_PNG_DATA_URL_CHARS = 20_000_000;

/**
 * The chart ids, as src/core/charts.ts CHART_IDS lists them (a copy so this module imports no
 * chart code; the type check below and test/unit/bundle.test.ts keep the two equal).
 */
export const PANEL_CHART_IDS = [
  'tokens',
  'isoflop',
  'frontier',
  'schedule',
  'memory',
  'fit',
  'residuals',
] as const satisfies readonly ChartId[];
// Fails to compile if core/charts gains a chart this list lacks.
const _everyChart: readonly (typeof PANEL_CHART_IDS)[number][] = [] as ChartId[];
void _everyChart;

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
 * Webview → host: save this chart's data (or all charts') as CSV. The host saves the CSV the server
 * built for the data shown, so the webview never supplies file contents that are not an image.
 */
export interface ExportCsvMessage {
  type: 'exportCsv';
  chart: ChartId | 'all';
}

export type WebviewToHostMessage = ReadyMessage | ExportPngMessage | ExportCsvMessage;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** True for one of the chart ids. */
export function isChartId(value: unknown): value is ChartId {
  return typeof value === 'string' && (PANEL_CHART_IDS as readonly string[]).includes(value);
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

/** The config URI in the webview's persisted state (what the serializer restores), if well-formed. */
export function panelStateUri(state: unknown): string | undefined {
  return isObject(state) && typeof state.uri === 'string' && state.uri.length <= 4096 ? state.uri : undefined;
}
