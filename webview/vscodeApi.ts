/**
 * The webview side of VS Code's message channel. `acquireVsCodeApi` is injected by VS Code (or by
 * the preview harness's fake) and may be called only once per page.
 */
import type { CurvesPanelState, WebviewToHostMessage } from '../src/webviewProtocol';

export interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): unknown;
  setState(state: CurvesPanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The API, acquired once. */
export const vscode: VsCodeApi = acquireVsCodeApi();
