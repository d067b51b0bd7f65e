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
  'downstream',
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

/** One chart of a report as the page drew it. */
export interface ReportImage {
  chart: ChartId;
  /** The chart's title as drawn (the host writes the server's own title into the report). */
  title: string;
  /** `data:image/png;base64,…` of the chart at the requested size and pixel ratio. */
  dataUrl: string;
}

/**
 * Webview → host: the answer to a `renderForReport` request (same `requestId`): one image per chart
 * that has something to draw, or none and `error` saying why drawing failed.
 */
export interface ReportImagesMessage {
  type: 'reportImages';
  requestId: string;
  images: ReportImage[];
  error?: string;
}

export type WebviewToHostMessage = ReadyMessage | ExportPngMessage | ExportCsvMessage | ReportImagesMessage;

/** CSS size of each chart drawn for Export Report (16:9, about the panel's width at 1280 px). */
export const REPORT_CHART_SIZE = { width: 800, height: 450 } as const;

/** Device pixels per CSS pixel of the report's PNGs (issue #16: "at 2× device pixels"). */
export const REPORT_PIXEL_RATIO = 2;

/** Total data-URL characters accepted for one report's images (7 charts at 1600×900 are ~1–3 MB). */
export const MAX_REPORT_IMAGES_CHARS = 40_000_000;

/** Longest chart title and error text accepted back from the page. */
const MAX_REPORT_TEXT_CHARS = 1000;

/** The first 8 bytes of every PNG file (RFC 2083), base64-encoded: what a PNG data URL starts with. */
const PNG_SIGNATURE_BASE64 = 'iVBORw0KGgo';

/** A report request id as the host makes them: 1–64 URL-safe characters. */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
}

/**
 * Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian), or null when the bytes are
 * not a PNG (wrong signature, first chunk not IHDR, zero size).
 */
export function pngDimensions(bytes: Uint8Array): { width: number; height: number } | null {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return null;
  if (String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!) !== 'IHDR') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  return width > 0 && height > 0 ? { width, height } : null;
}

function isReportImages(value: Record<string, unknown>): boolean {
  if (!isRequestId(value.requestId) || !Array.isArray(value.images)) return false;
  if (value.images.length > PANEL_CHART_IDS.length) return false;
  if (
    value.error !== undefined &&
    !(typeof value.error === 'string' && value.error.length <= MAX_REPORT_TEXT_CHARS)
  )
    return false;
  const charts = new Set<string>();
  let total = 0;
  for (const image of value.images as unknown[]) {
    if (!isObject(image) || Object.keys(image).sort().join(',') !== 'chart,dataUrl,title') return false;
    if (!isChartId(image.chart) || charts.has(image.chart)) return false;
    charts.add(image.chart);
    if (typeof image.title !== 'string' || image.title.length > MAX_REPORT_TEXT_CHARS) return false;
    if (
      !isPngDataUrl(image.dataUrl) ||
      !image.dataUrl.startsWith(`data:image/png;base64,${PNG_SIGNATURE_BASE64}`)
    )
      return false;
    total += image.dataUrl.length;
    if (total > MAX_REPORT_IMAGES_CHARS) return false;
  }
  return true;
}

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
    case 'reportImages':
      return (
        (keys === 'images,requestId,type' || keys === 'error,images,requestId,type') && isReportImages(value)
      );
    default:
      return false;
  }
}

/** The config URI in the webview's persisted state (what the serializer restores), if well-formed. */
export function panelStateUri(state: unknown): string | undefined {
  return isObject(state) && typeof state.uri === 'string' && state.uri.length <= 4096 ? state.uri : undefined;
}
