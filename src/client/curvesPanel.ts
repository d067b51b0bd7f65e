/**
 * The "Scaling Curves" webview panel's host: one panel that follows the run config in the active
 * editor, gets its analysis from the language server (request + change notifications), and sends it
 * to the page by postMessage. The page computes and draws the curves; this side only moves data,
 * validates what the page sends back, and saves exports.
 */
import * as vscode from 'vscode';
import type { AnalysisEvents } from './analysisEvents';
import type { LanguageClient } from 'vscode-languageclient/node';
import { buildChartData, tableToCsv, type ChartId, type ObservedPoint } from '../core/charts';
import { readRunsFromText } from '../core/fit/ingest';
import { parseSavedLaw, savedLawToScalingLaw, type SavedLaw } from '../core/fit/savedLaw';
import { AnalysisRequest, Commands, type AnalysisRequestParams, type AnalysisSnapshot } from '../protocol';
import {
  CURVES_VIEW_TYPE,
  isAnalysisSnapshot,
  isWebviewToHostMessage,
  sanitizePanelState,
  type HostToWebviewMessage,
  type UpdateMessage,
  type WebviewToHostMessage,
} from '../webviewProtocol';
import { makeNonce, renderPage } from '../../webview/page';

/** Wait after an edit before asking the server ourselves (its own notification usually comes first). */
const EDIT_FALLBACK_MS = 400;
/** Observed points sent to the page at most (a long sweep is subsampled evenly). */
const MAX_OBSERVED_POINTS = 4000;
/** Run data files larger than this are not read for the fit charts. */
const MAX_RUNS_FILE_BYTES = 64 * 1024 * 1024;
/** Where saved laws live in a workspace folder (the server's SAVED_LAW_DIR). */
const SAVED_LAW_FOLDER = ['.vscode', 'scaling-lens'];

/**
 * Register `scalingLens.showCurves` and the panel serializer (restores the panel after a reload).
 * The command's optional first argument is a document URI string (what the lenses pass) or a Uri.
 */
export function registerCurvesPanel(
  context: vscode.ExtensionContext,
  client: LanguageClient,
  events: AnalysisEvents,
): vscode.Disposable {
  return new CurvesPanelHost(context, client, events);
}

class CurvesPanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** The config being shown (document URI string). */
  private uri: string | undefined;
  private last: UpdateMessage | undefined;
  /** Latest request id per URI: a slower, older answer never overwrites a newer one. */
  private readonly latestRequest = new Map<string, number>();
  private requestCounter = 0;
  private editTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly observedCache = new Map<string, { key: string; points: Promise<ObservedPoint[]> }>();

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
    const state = sanitizePanelState(rawState);
    if (state.last) this.last = state.last;
    const uri = state.uri ?? vscode.window.activeTextEditor?.document.uri.toString();
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
      panel.onDidDispose(() => {
        this.panel = undefined;
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
        if (this.last) this.post(this.last);
        else if (this.uri) await this.refresh(this.uri, { switchTo: true });
        else this.post({ type: 'empty', reason: 'Open a training run config to see its scaling curves.' });
        return;
      case 'exportPng': {
        const base64 = message.dataUrl.slice(message.dataUrl.indexOf(',') + 1);
        await this.save(Buffer.from(base64, 'base64'), message.chart, 'png', { 'PNG image': ['png'] });
        return;
      }
      case 'exportCsv': {
        if (!this.last) return;
        // Rebuilt here from the host's own data: the page never supplies file contents.
        const data = buildChartData({ snapshot: this.last.snapshot, observed: this.last.observed ?? [] });
        const csv = tableToCsv(data.table, message.chart === 'all' ? undefined : message.chart);
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
    const snapshot = isAnalysisSnapshot(params)
      ? params
      : typeof params === 'object' &&
          params !== null &&
          isAnalysisSnapshot((params as { snapshot?: unknown }).snapshot)
        ? (params as { snapshot: AnalysisSnapshot }).snapshot
        : undefined;
    const uri = snapshot?.uri ?? (params as { uri?: unknown } | null)?.uri;
    if (typeof uri !== 'string') return;
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    if (uri !== this.uri && uri !== active) return;
    if (uri === this.uri) clearTimeout(this.editTimer);
    // Supersede any request in flight for this document: the notification is newer.
    const id = ++this.requestCounter;
    this.latestRequest.set(uri, id);
    if (snapshot) void this.accept(uri, snapshot, id, { switchTo: true });
    else void this.refresh(uri, { switchTo: true });
  }

  private scheduleFallbackRefresh(uri: string): void {
    clearTimeout(this.editTimer);
    this.editTimer = setTimeout(() => void this.refresh(uri, { switchTo: false }), EDIT_FALLBACK_MS);
  }

  /** Ask the server for a document's analysis and show it. */
  private async refresh(uri: string, options: { switchTo: boolean; explicit?: boolean }): Promise<void> {
    const id = ++this.requestCounter;
    this.latestRequest.set(uri, id);
    let snapshot: unknown;
    try {
      const params: AnalysisRequestParams = { uri };
      snapshot = await this.client.sendRequest(AnalysisRequest, params);
    } catch {
      return; // Cancelled or the server is restarting; the next notification redraws.
    }
    await this.accept(uri, isAnalysisSnapshot(snapshot) ? snapshot : null, id, options);
  }

  private async accept(
    uri: string,
    snapshot: AnalysisSnapshot | null,
    id: number,
    options: { switchTo: boolean; explicit?: boolean },
  ): Promise<void> {
    if (this.latestRequest.get(uri) !== id) return;
    if (!snapshot) {
      if (uri === this.uri && this.last) {
        this.post({ ...this.last, stale: true });
      } else if (options.switchTo && !options.explicit && isUserFile(uri)) {
        // The panel follows the active editor: say this file is no config rather than show another's
        // curves as if they were its own. Its last config comes back when that editor is active again.
        this.uri = undefined;
        if (this.panel) this.panel.title = 'Scaling Curves';
        this.post({
          type: 'empty',
          reason: `${documentLabel(uri)} is not a recognized training run config.`,
        });
      } else if (options.explicit && !this.last) {
        this.post({ type: 'empty', reason: 'This file is not a recognized training run config.' });
      } else if (options.explicit) {
        void vscode.window.showInformationMessage(
          'Scaling Lens: this file is not a recognized run config; showing the last one.',
        );
      }
      return;
    }
    if (uri !== this.uri && !options.switchTo) return;
    const observed = await this.observedFor(snapshot);
    if (this.latestRequest.get(uri) !== id) return;
    this.uri = uri;
    this.last = {
      type: 'update',
      snapshot,
      documentLabel: documentLabel(uri),
      ...(observed.length ? { observed } : {}),
    };
    if (this.panel) this.panel.title = `Scaling Curves: ${this.last.documentLabel}`;
    this.post(this.last);
  }

  /** Observed runs behind a fitted law (cached per law file and data file modification time). */
  private async observedFor(snapshot: AnalysisSnapshot): Promise<ObservedPoint[]> {
    if (!snapshot.law.fittedFrom && !snapshot.law.id.startsWith('fitted:')) return [];
    try {
      const found = await this.findSavedLaw(snapshot);
      if (!found) return [];
      const dataUri = await firstExisting(
        candidateUris(found.saved.dataSource, [vscode.Uri.joinPath(found.uri, '..'), ...workspaceRoots()]),
      );
      if (!dataUri) return [];
      const stat = await vscode.workspace.fs.stat(dataUri);
      if (stat.type !== vscode.FileType.File || stat.size > MAX_RUNS_FILE_BYTES) return [];
      const key = `${found.uri.toString()}|${dataUri.toString()}|${stat.mtime}`;
      const cached = this.observedCache.get(snapshot.law.id);
      if (cached?.key === key) return await cached.points;
      const points = readObserved(dataUri, found.saved);
      this.observedCache.set(snapshot.law.id, { key, points });
      return await points;
    } catch {
      return []; // The fit charts are extra; an unreadable data file only hides them.
    }
  }

  /** The saved-law file of the snapshot's law: `fittedFrom` when it names one, else by id in the law folders. */
  private async findSavedLaw(
    snapshot: AnalysisSnapshot,
  ): Promise<{ uri: vscode.Uri; saved: SavedLaw } | undefined> {
    const candidates: vscode.Uri[] = [];
    if (snapshot.law.fittedFrom) candidates.push(...candidateUris(snapshot.law.fittedFrom, workspaceRoots()));
    for (const root of workspaceRoots()) {
      const folder = vscode.Uri.joinPath(root, ...SAVED_LAW_FOLDER);
      try {
        for (const [name, type] of await vscode.workspace.fs.readDirectory(folder)) {
          if (type === vscode.FileType.File && /\.law\.json$/i.test(name))
            candidates.push(vscode.Uri.joinPath(folder, name));
        }
      } catch {
        // No saved-law folder here.
      }
    }
    for (const uri of candidates) {
      try {
        const parsed = parseSavedLaw(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
        if (parsed.ok && savedLawToScalingLaw(parsed.law).id === snapshot.law.id)
          return { uri, saved: parsed.law };
      } catch {
        // Missing or unreadable: try the next candidate.
      }
    }
    return undefined;
  }
}

/** A file the user edits (not settings, output or a virtual document the editor opens itself). */
function isUserFile(uri: string): boolean {
  return /^(file|untitled):/.test(uri);
}

/** Every checkpoint of every run in the law's data, held-out points marked as the fit marked them. */
async function readObserved(dataUri: vscode.Uri, saved: SavedLaw): Promise<ObservedPoint[]> {
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(dataUri));
  const { runs } = readRunsFromText(text, dataUri.path.split('/').pop() ?? 'runs');
  const heldOut = saved.heldOut;
  const points: ObservedPoint[] = [];
  for (const run of runs) {
    for (const point of run.points) {
      // The fit ignored checkpoints at or before its min-tokens cut-off; so do its charts.
      if (point.tokens <= saved.fit.minTokens) continue;
      const isHeldOut =
        heldOut !== undefined &&
        run.params === heldOut.params &&
        (heldOut.fittedUpToTokens === undefined || point.tokens > heldOut.fittedUpToTokens);
      points.push({
        runName: run.name,
        params: run.params,
        tokens: point.tokens,
        loss: point.loss,
        ...(isHeldOut ? { heldOut: true } : {}),
      });
    }
  }
  if (points.length <= MAX_OBSERVED_POINTS) return points;
  const stride = points.length / MAX_OBSERVED_POINTS;
  return Array.from({ length: MAX_OBSERVED_POINTS }, (_, i) => points[Math.floor(i * stride)]);
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

function workspaceRoots(): vscode.Uri[] {
  return (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri);
}

/** A path as the user wrote it: a URI, an absolute path, or relative to one of `bases`. */
function candidateUris(path: string, bases: vscode.Uri[]): vscode.Uri[] {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    try {
      return [vscode.Uri.parse(path, true)];
    } catch {
      return [];
    }
  }
  if (path.startsWith('/') || /^[a-z]:[\\/]/i.test(path)) return [vscode.Uri.file(path)];
  return bases.map((base) => vscode.Uri.joinPath(base, ...path.split(/[\\/]/)));
}

async function firstExisting(uris: vscode.Uri[]): Promise<vscode.Uri | undefined> {
  for (const uri of uris) {
    try {
      await vscode.workspace.fs.stat(uri);
      return uri;
    } catch {
      // Try the next.
    }
  }
  return undefined;
}
