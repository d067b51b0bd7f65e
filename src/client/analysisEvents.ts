import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AnalysisChangedNotification } from '../protocolMethods';
import type { AnalysisSnapshot } from '../protocol';

/**
 * The one subscriber to the server's analysis-changed notification. The language client keeps a
 * single handler per method (a second `onNotification` replaces the first), so the status item and
 * the curves panel each listening for themselves meant only the last one ever heard the server;
 * everything client-side subscribes here instead.
 */
export class AnalysisEvents implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<AnalysisSnapshot>();
  private readonly registration: vscode.Disposable;
  /** Fires with every snapshot the server sends. */
  readonly onDidChange = this.emitter.event;

  constructor(client: LanguageClient) {
    this.registration = client.onNotification(AnalysisChangedNotification, (snapshot) =>
      this.emitter.fire(snapshot),
    );
  }

  dispose(): void {
    this.registration.dispose();
    this.emitter.dispose();
  }
}
