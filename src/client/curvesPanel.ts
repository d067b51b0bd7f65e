/**
 * The "Scaling Curves" webview panel's host: one panel that follows the run config in the active
 * editor. The language server builds everything the panel shows (scalingLens/curves: chart series,
 * table rows, CSV text; src/server/curves.ts); this side forwards it to the page by postMessage,
 * validates what the page sends back, and saves exports.
 */
import * as vscode from 'vscode';
import type { AnalysisEvents } from './analysisEvents';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ChartId } from '../core/charts';
import { Commands, CurvesRequest } from '../protocolMethods';
import type { CompareParams, CurvesParams, CurvesResponse } from '../protocol';
import {
  CURVES_VIEW_TYPE,
  isWebviewToHostMessage,
  panelStateUri,
  pngDimensions,
  REPORT_CHART_SIZE,
  REPORT_PIXEL_RATIO,
  type ReportImagesMessage,
} from '../webviewMessages';
import type {
  HostToWebviewMessage,
  RenderForReportMessage,
  UpdateMessage,
  WebviewToHostMessage,
} from '../webviewProtocol';
import { makeNonce, renderPage } from '../../webview/page';

/** Wait after an edit before asking the server ourselves (its own notification usually comes first). */
const EDIT_FALLBACK_MS = 400;

/**
 * Register `scalingLens.showCurves` and the panel serializer (restores the panel after a reload).
 * The command's optional first argument is a document URI string (what the lenses pass) or a Uri.
 */
export function registerCurvesPanel(
  context: vscode.ExtensionContext,
  client: LanguageClient,
  events: AnalysisEvents,
): vscode.Disposable {
  const host = new CurvesPanelHost(context, client, events);
  activeHost = host;
  return host;
}

/** The one panel host (the compare command sets and clears its overlay). */
let activeHost: CurvesPanelHost | undefined;

/**
 * After `Scaling Lens: Compare with…`: overlay `other` on the panel's charts for the config `uri`
 * (the server analyzes and draws it), or clear the overlay with null. Redraws when shown.
 */
export function setCompareOverlay(uri: string, other: CompareParams['other'] | null): void {
  activeHost?.setCompare(uri, other);
}

/** The charts of a config drawn for Export Report, or why they could not be. */
export type ReportChartsRender =
  | {
      ok: true;
      /** One PNG per chart with something to draw, titled with the server's chart title. */
      images: { chart: ChartId; title: string; png: Uint8Array; widthPx: number; heightPx: number }[];
      pixelRatio: number;
      compareLabel?: string;
    }
  | { ok: false; reason: string };

/**
 * Have the curves panel draw `uri`'s charts as PNGs (Export Report): the server's chart data for
 * the config, as the panel shows it, at {@link REPORT_PIXEL_RATIO}× device pixels. Opens the panel
 * beside the editor without taking focus when it is not showing; gives up after `timeoutMs`.
 */
export async function renderReportCharts(uri: string, timeoutMs: number): Promise<ReportChartsRender> {
  if (!activeHost) return { ok: false, reason: 'the curves panel is not available' };
  return activeHost.renderForReport(uri, timeoutMs);
}

/** The label of the overlay drawn for `uri`, if any (the compare command offers to clear it). */
export function compareOverlayLabel(uri: string): string | undefined {
  return activeHost?.compareLabel(uri);
}

class CurvesPanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** The config being shown (document URI string). */
  private uri: string | undefined;
  private last: UpdateMessage | undefined;
  /** The server's CSV text for what `last` shows. */
  private lastCsv: CurvesResponse['csv'] = {};
  /** Latest request id per URI: a slower, older answer never overwrites a newer one. */
  private readonly latestRequest = new Map<string, number>();
  private requestCounter = 0;
  private editTimer: ReturnType<typeof setTimeout> | undefined;
  /** Compare overlays per config URI, kept until cleared (re-sent with every curves request). */
  private readonly compareWith = new Map<string, CompareParams['other']>();
  /**
   * True once the page said `ready` and until it is hidden or disposed (without
   * retainContextWhenHidden a hidden panel's page is torn down, and messages to it are lost).
   */
  private pageReady = false;
  /** Report renders waiting for their `reportImages` answer, by request id. */
  private readonly pendingReports = new Map<
    string,
    { message: RenderForReportMessage; settle: (answer: ReportImagesMessage | string) => void }
  >();
  private reportCounter = 0;
  /** What the panel says while the active editor's file is not a run config (defect 6 of #16). */
  private notAConfig: string | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
    events: AnalysisEvents,
  ) {
    this.disposables.push(
      vscode.commands.registerCommand(Commands.showCurves, (arg?: unknown) => this.show(arg)),
      vscode.window.registerWebviewPanelSerializer(CURVES_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => this.restore(panel, state),
      }),
      events.onDidChange((snapshot) => this.onAnalysisChanged(snapshot)),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (!this.panel || !editor) return;
        const uri = editor.document.uri.toString();
        // A non-config editor answers null and the panel keeps the last config.
        if (uri !== this.uri) void this.refresh(uri, { switchTo: true });
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (!this.panel || event.contentChanges.length === 0 || event.document.uri.toString() !== this.uri)
          return;
        this.scheduleFallbackRefresh(this.uri);
      }),
    );
  }

  setCompare(uri: string, other: CompareParams['other'] | null): void {
    if (other) this.compareWith.set(uri, other);
    else this.compareWith.delete(uri);
    if (this.panel && uri === this.uri) void this.refresh(uri, { switchTo: true });
  }

  compareLabel(uri: string): string | undefined {
    return this.compareWith.get(uri)?.label;
  }

  /** See {@link renderReportCharts}. */
  async renderForReport(uri: string, timeoutMs: number): Promise<ReportChartsRender> {
    const deadline = Date.now() + timeoutMs;
    const other = this.compareWith.get(uri);
    let answer: CurvesResponse | null;
    try {
      answer = await this.client.sendRequest(CurvesRequest, {
        uri,
        ...(other ? { compareWith: other } : {}),
      });
    } catch (error) {
      return { ok: false, reason: `the language server gave no chart data (${(error as Error).message})` };
    }
    if (!answer) return { ok: false, reason: 'the language server has no chart data for this file' };
    const drawable = answer.data.charts.filter((chart) => chart.unavailable === undefined);
    const compareLabel = answer.data.compareLabel;
    const done = (images: Extract<ReportChartsRender, { ok: true }>['images']): ReportChartsRender => ({
      ok: true,
      images,
      pixelRatio: REPORT_PIXEL_RATIO,
      ...(compareLabel !== undefined ? { compareLabel } : {}),
    });
    if (drawable.length === 0) return done([]);

    // Only a visible panel has a page to draw with: open it beside, or reveal it, keeping the focus.
    const editorBefore = vscode.window.activeTextEditor;
    if (!this.panel) await this.show(uri);
    else if (!this.panel.visible) this.panel.reveal(undefined, true);
    const message: RenderForReportMessage = {
      type: 'renderForReport',
      requestId: `report-${++this.reportCounter}-${Date.now().toString(36)}`,
      data: answer.data,
      pixelRatio: REPORT_PIXEL_RATIO,
      ...REPORT_CHART_SIZE,
    };
    const reply = await new Promise<ReportImagesMessage | string>((resolve) => {
      const timer = setTimeout(
        () => settle(`the curves panel did not draw the charts within ${Math.round(timeoutMs / 1000)} s`),
        Math.max(0, deadline - Date.now()),
      );
      const settle = (value: ReportImagesMessage | string) => {
        clearTimeout(timer);
        this.pendingReports.delete(message.requestId);
        resolve(value);
      };
      this.pendingReports.set(message.requestId, { message, settle });
      // Otherwise the page's `ready` posts it (a page that reloads meanwhile gets it again then).
      if (this.pageReady) this.post(message);
    });
    // Revealing the panel in the editor's own group hides the editor: bring it back.
    if (editorBefore && !vscode.window.visibleTextEditors.some((e) => e.document === editorBefore.document))
      await vscode.window.showTextDocument(editorBefore.document, { viewColumn: editorBefore.viewColumn });
    if (typeof reply === 'string') return { ok: false, reason: reply };
    if (reply.error !== undefined)
      return { ok: false, reason: `the curves panel could not draw: ${reply.error}` };
    const expected = {
      width: REPORT_CHART_SIZE.width * REPORT_PIXEL_RATIO,
      height: REPORT_CHART_SIZE.height * REPORT_PIXEL_RATIO,
    };
    const images: Extract<ReportChartsRender, { ok: true }>['images'] = [];
    for (const spec of drawable) {
      const image = reply.images.find((i) => i.chart === spec.id);
      if (!image) return { ok: false, reason: `the curves panel sent no image of the ${spec.id} chart` };
      const png = Buffer.from(image.dataUrl.slice(image.dataUrl.indexOf(',') + 1), 'base64');
      const size = pngDimensions(png);
      // The page is untrusted and its canvas could be clamped: only the asked-for size is written.
      if (!size || size.width !== expected.width || size.height !== expected.height)
        return {
          ok: false,
          reason: `the ${spec.id} chart came back ${size ? `${size.width}×${size.height}` : 'not a PNG'}, not ${expected.width}×${expected.height} px`,
        };
      // The title is the server's (from the curves data), not what the page echoed.
      images.push({ chart: spec.id, title: spec.title, png, widthPx: size.width, heightPx: size.height });
    }
    return done(images);
  }

  dispose(): void {
    clearTimeout(this.editTimer);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  /** The command: open (or reveal) the panel on the given or active document. */
  private async show(arg: unknown): Promise<void> {
    const uri = uriFromArgument(arg) ?? vscode.window.activeTextEditor?.document.uri.toString();
    if (this.panel) {
      this.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        CURVES_VIEW_TYPE,
        'Scaling Curves',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        this.webviewOptions(),
      );
      this.attach(panel);
    }
    if (uri) await this.refresh(uri, { switchTo: true, explicit: true });
    else if (!this.last)
      this.post({ type: 'empty', reason: 'Open a training run config to see its scaling curves.' });
  }

  /** After a window reload: adopt the restored panel and re-fetch the config it showed. */
  private async restore(panel: vscode.WebviewPanel, rawState: unknown): Promise<void> {
    if (this.panel) {
      // One panel at a time; a second restored one is redundant.
      panel.dispose();
      return;
    }
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
    // The page redraws its own saved state at once; the host asks the server afresh.
    const uri = panelStateUri(rawState) ?? vscode.window.activeTextEditor?.document.uri.toString();
    if (uri) await this.refresh(uri, { switchTo: true, explicit: true });
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.pageReady = false;
    const webview = panel.webview;
    webview.html = renderPage({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview
        .asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview.js'))
        .toString(),
    });
    this.panelDisposables.push(
      webview.onDidReceiveMessage((message: unknown) => {
        // The page is untrusted: anything that is not exactly one of our messages is dropped.
        if (isWebviewToHostMessage(message)) void this.onWebviewMessage(message);
      }),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.pageReady = false;
      }),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.pageReady = false;
        for (const pending of [...this.pendingReports.values()])
          pending.settle('the curves panel was closed before it drew the charts');
        for (const d of this.panelDisposables) d.dispose();
        this.panelDisposables = [];
      }),
    );
  }

  private post(message: HostToWebviewMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  private async onWebviewMessage(message: WebviewToHostMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.pageReady = true;
        for (const pending of this.pendingReports.values()) this.post(pending.message);
        // A page reloaded while the active file is no config says so again, not the last curves.
        if (this.notAConfig) this.post({ type: 'empty', reason: this.notAConfig });
        else if (this.last) this.post(this.last);
        else if (this.uri) await this.refresh(this.uri, { switchTo: true });
        else this.post({ type: 'empty', reason: 'Open a training run config to see its scaling curves.' });
        return;
      case 'exportPng': {
        const base64 = message.dataUrl.slice(message.dataUrl.indexOf(',') + 1);
        await this.save(Buffer.from(base64, 'base64'), message.chart, 'png', { 'PNG image': ['png'] });
        return;
      }
      case 'reportImages':
        this.pendingReports.get(message.requestId)?.settle(message);
        return;
      case 'exportCsv': {
        // The server's CSV for the data shown: the page never supplies file contents.
        const csv = this.lastCsv[message.chart];
        if (!this.last || csv === undefined) return;
        await this.save(Buffer.from(csv, 'utf8'), message.chart, 'csv', { CSV: ['csv'] });
        return;
      }
    }
  }

  private async save(
    bytes: Uint8Array,
    chart: ChartId | 'all',
    extension: string,
    filters: Record<string, string[]>,
  ) {
    const stem = (this.last?.documentLabel ?? 'scaling-curves')
      .replace(/\.[^.]*$/, '')
      .replace(/[^\w.-]+/g, '_');
    const name = `${stem}-${chart}.${extension}`;
    const folder = this.uri ? documentFolder(this.uri) : vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters,
      saveLabel: 'Export',
      title: `Export ${chart === 'all' ? 'all charts' : `the ${chart} chart`} as ${extension.toUpperCase()}`,
    });
    if (!target) return;
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
      this.post({
        type: 'exportResult',
        ok: true,
        message: `Saved ${vscode.workspace.asRelativePath(target)}`,
      });
    } catch (error) {
      const message = `Could not save ${target.fsPath}: ${(error as Error).message}`;
      this.post({ type: 'exportResult', ok: false, message });
      void vscode.window.showErrorMessage(message);
    }
  }

  /** The server re-analyzed a document: redraw when it is the one shown (or the active editor's). */
  private onAnalysisChanged(params: unknown): void {
    if (!this.panel) return;
    // The notification's payload is the snapshot (older servers wrapped it as `{ snapshot }`).
    const payload = params as { uri?: unknown; snapshot?: { uri?: unknown } } | null;
    const uri = payload?.uri ?? payload?.snapshot?.uri;
    if (typeof uri !== 'string') return;
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    if (uri !== this.uri && uri !== active) return;
    if (uri === this.uri) clearTimeout(this.editTimer);
    // A new request supersedes any in flight for this document: the notification is newer.
    void this.refresh(uri, { switchTo: true });
  }

  private scheduleFallbackRefresh(uri: string): void {
    clearTimeout(this.editTimer);
    this.editTimer = setTimeout(() => void this.refresh(uri, { switchTo: false }), EDIT_FALLBACK_MS);
  }

  /** Ask the server for a document's curves and show them. */
  private async refresh(uri: string, options: { switchTo: boolean; explicit?: boolean }): Promise<void> {
    const id = ++this.requestCounter;
    this.latestRequest.set(uri, id);
    let answer: CurvesResponse | null;
    try {
      const other = this.compareWith.get(uri);
      const params: CurvesParams = { uri, ...(other ? { compareWith: other } : {}) };
      answer = await this.client.sendRequest(CurvesRequest, params);
    } catch {
      return; // Cancelled or the server is restarting; the next notification redraws.
    }
    this.accept(uri, answer ?? null, id, options);
  }

  private accept(
    uri: string,
    answer: CurvesResponse | null,
    id: number,
    options: { switchTo: boolean; explicit?: boolean },
  ): void {
    if (this.latestRequest.get(uri) !== id) return;
    if (!answer) {
      if (uri === this.uri && this.last) {
        this.post({ ...this.last, stale: true });
      } else if (options.switchTo && !options.explicit && isUserFile(uri)) {
        // The panel follows the active editor: say this file is no config rather than show another's
        // curves as if they were its own. Its last config comes back when that editor is active again.
        this.uri = undefined;
        if (this.panel) this.panel.title = 'Scaling Curves';
        this.notAConfig = `${documentLabel(uri)} is not a recognized training run config.`;
        this.post({ type: 'empty', reason: this.notAConfig });
      } else if (options.explicit && !this.last) {
        this.post({ type: 'empty', reason: 'This file is not a recognized training run config.' });
      } else if (options.explicit && this.last) {
        // Back to the last config if the panel was saying "not a run config" meanwhile.
        if (this.notAConfig) {
          this.notAConfig = undefined;
          this.uri = this.last.snapshot.uri;
          if (this.panel) this.panel.title = `Scaling Curves: ${this.last.documentLabel}`;
          this.post(this.last);
        }
        void vscode.window.showInformationMessage(
          'Scaling Lens: this file is not a recognized run config; showing the last one.',
        );
      }
      return;
    }
    if (uri !== this.uri && !options.switchTo) return;
    this.uri = uri;
    this.notAConfig = undefined;
    this.last = {
      type: 'update',
      snapshot: answer.snapshot,
      data: answer.data,
      documentLabel: documentLabel(uri),
    };
    this.lastCsv = answer.csv;
    if (this.panel) this.panel.title = `Scaling Curves: ${this.last.documentLabel}`;
    this.post(this.last);
  }
}

/** A file the user edits (not settings, output or a virtual document the editor opens itself). */
function isUserFile(uri: string): boolean {
  return /^(file|untitled):/.test(uri);
}

/** A document URI string from the command argument (lenses pass a string; menus pass a Uri). */
function uriFromArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg.length > 0 && arg.length <= 4096) {
    if (arg.startsWith('/')) return vscode.Uri.file(arg).toString();
    try {
      return vscode.Uri.parse(arg, true).toString();
    } catch {
      return undefined;
    }
  }
  if (arg instanceof vscode.Uri) return arg.toString();
  return undefined;
}

function documentLabel(uri: string): string {
  try {
    return vscode.Uri.parse(uri).path.split('/').pop() || uri;
  } catch {
    return uri;
  }
}

function documentFolder(uri: string): vscode.Uri | undefined {
  try {
    const parsed = vscode.Uri.parse(uri);
    return parsed.scheme === 'untitled'
      ? vscode.workspace.workspaceFolders?.[0]?.uri
      : vscode.Uri.joinPath(parsed, '..');
  } catch {
    return undefined;
  }
}
