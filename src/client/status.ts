/**
 * The language status item for the active run config: framework recognized, law in use, and how
 * long the analysis took. Slow analyses turn the item into a warning instead of silently lagging.
 */
import * as vscode from 'vscode';
import type { AnalysisEvents } from './analysisEvents';
import { describeDocumentKind } from './statusText';
import type { LanguageClient } from 'vscode-languageclient/node';
import { formatCount } from '../core/format';
import { AnalysisRequest, Commands, DocumentKindRequest } from '../protocolMethods';
import type { AnalysisRequestParams, AnalysisSnapshot, DocumentKind } from '../protocol';
import { DOCUMENT_SELECTOR } from './selectors';

/** Analyses slower than this are flagged in the status item (time budget), in milliseconds. */
export const ANALYSIS_BUDGET_MS = 250;

/** Owns the status item and keeps it in step with the active editor and the server's notifications. */
export class AnalysisStatus implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly disposables: vscode.Disposable[] = [];
  private requestSeq = 0;

  constructor(
    private readonly client: LanguageClient,
    events: AnalysisEvents,
  ) {
    this.item = vscode.languages.createLanguageStatusItem('scalingLens.status', DOCUMENT_SELECTOR);
    this.item.name = 'Scaling Lens';
    this.item.text = 'Scaling Lens';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => void this.refresh()),
      events.onDidChange((snapshot: AnalysisSnapshot) => {
        if (snapshot?.uri === vscode.window.activeTextEditor?.document.uri.toString()) this.render(snapshot);
      }),
    );
    void this.refresh();
  }

  /** Ask the server about the active document. */
  async refresh(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !vscode.languages.match(DOCUMENT_SELECTOR, document)) return;
    const seq = ++this.requestSeq;
    this.item.busy = true;
    try {
      const params: AnalysisRequestParams = { uri: document.uri.toString() };
      const snapshot = await this.client.sendRequest(AnalysisRequest, params);
      if (seq === this.requestSeq) this.render(snapshot);
    } catch {
      if (seq === this.requestSeq) this.showServerDown();
    } finally {
      if (seq === this.requestSeq) this.item.busy = false;
    }
  }

  /** Show the server as stopped (after the restart cap). */
  showServerDown(): void {
    this.item.busy = false;
    this.item.text = '$(error) Scaling Lens stopped';
    this.item.detail = 'The language server is not running; see the Scaling Lens output.';
    this.item.severity = vscode.LanguageStatusSeverity.Error;
    this.item.command = undefined;
  }

  private render(snapshot: AnalysisSnapshot | null): void {
    this.item.busy = false;
    if (!snapshot) {
      this.item.text = 'Not a run config';
      this.item.detail = 'Scaling Lens recognizes training configs by content';
      this.item.severity = vscode.LanguageStatusSeverity.Information;
      this.item.command = { title: 'Select Law', command: Commands.selectLaw };
      void this.describeUnanalyzed();
      return;
    }
    const slow = snapshot.elapsedMs > ANALYSIS_BUDGET_MS;
    const model = snapshot.params ? ` · N ${formatCount(snapshot.params.total)}` : '';
    this.item.text = `${slow ? '$(watch) ' : ''}${snapshot.frameworkLabel}${model} · ${snapshot.law.id}`;
    this.item.detail = `analyzed in ${Math.max(1, Math.round(snapshot.elapsedMs))} ms${slow ? ` (budget ${ANALYSIS_BUDGET_MS} ms)` : ''}${
      snapshot.warnings.length
        ? ` · ${snapshot.warnings.length} warning${snapshot.warnings.length > 1 ? 's' : ''}`
        : ''
    }`;
    this.item.severity =
      slow || snapshot.warnings.length
        ? vscode.LanguageStatusSeverity.Warning
        : vscode.LanguageStatusSeverity.Information;
    this.item.command = { title: 'Show Curves', command: Commands.showCurves, arguments: [snapshot.uri] };
  }

  /** Say what a file without an analysis is: unreadable, a config of an unsupported framework, or not a config. */
  private async describeUnanalyzed(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) return;
    const seq = this.requestSeq;
    let kind: DocumentKind;
    try {
      kind = await this.client.sendRequest(DocumentKindRequest, { uri: document.uri.toString() });
    } catch {
      return;
    }
    if (seq !== this.requestSeq) return;
    const text = describeDocumentKind(kind);
    this.item.text = text.text;
    this.item.detail = text.detail;
    this.item.severity =
      kind.kind === 'not-a-run-config'
        ? vscode.LanguageStatusSeverity.Information
        : vscode.LanguageStatusSeverity.Warning;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
