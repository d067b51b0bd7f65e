/**
 * Extension entry: starts the language server over IPC and owns everything the editor shows
 * around it (status item, commands, curves panel) through one {@link Ctx}.
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { AnalysisRequest, Commands } from '../protocolMethods';
import type { AnalysisRequestParams, AnalysisSnapshot } from '../protocol';
import { registerCurvesPanel } from './curvesPanel';
import { registerFitCommands } from './fitCommand';
import { registerPlanCommands } from './planCommands';
import { registerCompareCommand } from './compareCommand';
import { registerGpuCountCommand } from './gpuCountCommand';
import { lensTooltipMiddleware } from './lensTooltips';
import { registerTrainingTokensCommand } from './trainingTokensCommand';
import { registerExportReportCommand } from './exportReportCommand';
import { registerLinkRunLogCommand } from './linkRunLogCommand';
import { selectLaw } from './selectLaw';
import { selectDownstream } from './selectDownstream';
import { DOCUMENT_SELECTOR } from './selectors';
import { AnalysisStatus } from './status';
import { AnalysisEvents } from './analysisEvents';

/** Restarts allowed within {@link RESTART_WINDOW_MS} before we give up on a crashing server. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

/**
 * Restarts a server that died, up to a cap, so a crash loop does not burn CPU forever. Errors on
 * the connection are tolerated a few times before the connection is shut down (and restarted).
 */
export class RestartingErrorHandler implements ErrorHandler {
  private restarts: number[] = [];

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly now: () => number = Date.now,
  ) {}

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.output.appendLine(`[client] connection error: ${error.message}`);
    return {
      action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      handled: true,
    };
  }

  closed(): CloseHandlerResult {
    const now = this.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      return {
        action: CloseAction.DoNotRestart,
        message: `The Scaling Lens server stopped ${MAX_RESTARTS} times in 3 minutes and will not be restarted. See the "Scaling Lens" output.`,
      };
    }
    this.restarts.push(now);
    this.output.appendLine(`[client] server stopped; restarting (${this.restarts.length}/${MAX_RESTARTS})`);
    return { action: CloseAction.Restart, handled: true };
  }
}

/** Owns the client, its status item and every registration; disposed on deactivate. */
export class Ctx implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Scaling Lens', { log: true });
  readonly client: LanguageClient;
  private readonly disposables: vscode.Disposable[] = [];
  private status?: AnalysisStatus;
  private events?: AnalysisEvents;
  private disposed = false;

  constructor(readonly context: vscode.ExtensionContext) {
    const module = context.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      errorHandler: new RestartingErrorHandler(this.output),
      // Hover markdown is plain text and tables: no command links, no HTML.
      markdown: { isTrusted: false, supportHtml: false },
      // Lens tooltips travel in CodeLens.data (the 9.x converter drops Command.tooltip).
      middleware: lensTooltipMiddleware,
    };
    this.client = new LanguageClient('scalingLens', 'Scaling Lens', serverOptions, clientOptions);
  }

  /** Start the server and register the editor features. */
  async start(): Promise<void> {
    const events = new AnalysisEvents(this.client);
    this.events = events;
    this.disposables.push(
      events,
      vscode.commands.registerCommand(Commands.selectLaw, () => selectLaw(this.client)),
      vscode.commands.registerCommand(Commands.selectDownstream, () => selectDownstream(this.client)),
      vscode.commands.registerCommand(Commands.showAnalysis, () => this.showAnalysis()),
      registerCurvesPanel(this.context, this.client, events),
      this.client.onDidChangeState((event) => {
        if (event.newState === State.Stopped) this.status?.showServerDown();
        if (event.newState === State.Running) void this.status?.refresh();
      }),
    );
    this.disposables.push(
      registerFitCommands(this.client, this.output),
      registerPlanCommands(this.context, this.client),
      registerCompareCommand(this.client),
      registerGpuCountCommand(),
      registerTrainingTokensCommand(this.client),
      registerExportReportCommand(this.client),
      registerLinkRunLogCommand(this.client),
    );
    await this.client.start();
    this.status = new AnalysisStatus(this.client, events);
    this.disposables.push(this.status);
  }

  /** Write the active document's analysis to the output channel. */
  private async showAnalysis(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) return;
    const params: AnalysisRequestParams = { uri: document.uri.toString() };
    const snapshot = await this.client.sendRequest(AnalysisRequest, params);
    this.output.appendLine(
      snapshot
        ? JSON.stringify({ ...snapshot, law: { ...snapshot.law, bootstrapDraws: undefined } }, null, 2)
        : `${document.uri.toString()}: not a run config`,
    );
    this.output.show(true);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    if (this.client.needsStop()) await this.client.stop();
    this.output.dispose();
  }
}

let ctx: Ctx | undefined;

/** Activated by opening a YAML, JSON, TOML, Python or shell file (see package.json activationEvents). */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = new Ctx(context);
  context.subscriptions.push({ dispose: () => void ctx?.dispose() });
  try {
    await ctx.start();
  } catch (error) {
    ctx.output.appendLine(`[client] could not start the server: ${(error as Error)?.stack ?? error}`);
    void vscode.window.showErrorMessage(
      'Scaling Lens could not start its language server. See the "Scaling Lens" output.',
    );
  }
}

export async function deactivate(): Promise<void> {
  const current = ctx;
  ctx = undefined;
  await current?.dispose();
}
