/**
 * A minimal LSP client for protocol tests: starts the bundled server (`node dist/server.js --stdio`)
 * as a child process and speaks real JSON-RPC to it, answering `workspace/configuration` from a
 * settings object the test controls.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type CodeLens,
  type Diagnostic,
  type Hover,
  type MessageConnection,
  type Position,
  type Range,
} from 'vscode-languageserver/node';
import {
  AnalysisChangedMethod,
  AnalysisRequestMethod,
  type AnalysisSnapshot,
  type RawSettings,
} from '../../src/protocol';
import { REPO_ROOT } from '../helpers';

/**
 * A writer that does not turn a write to a server already gone (killed on purpose by a test) into an
 * unhandled rejection; pending requests still fail, when the exit handler disposes the connection.
 */
class QuietWriter extends StreamMessageWriter {
  override write(message: Parameters<StreamMessageWriter['write']>[0]): Promise<void> {
    return super.write(message).catch(() => undefined);
  }
}

/** The bundled server the tests exercise. */
export const SERVER_JS = join(REPO_ROOT, 'dist', 'server.js');

export interface StartOptions {
  /** Settings returned for `workspace/configuration` (section scalingLens); may change during a test. */
  settings?: RawSettings;
  /** Workspace folder path (for saved laws). */
  rootPath?: string;
  /** Advertise `workspace/codeLens/refresh` support (default true). */
  codeLensRefresh?: boolean;
  /** Advertise dynamic registration of watched files (default true). */
  watchedFiles?: boolean;
  /** Advertise no optional capability at all (`capabilities: {}`), like the barest LSP client. */
  minimal?: boolean;
}

/** A running server and the messages it sent. */
export class LspTestClient {
  settings: RawSettings;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  readonly snapshots: AnalysisSnapshot[] = [];
  readonly configurationRequests: unknown[] = [];
  lensRefreshes = 0;
  readonly registrations: string[] = [];
  private readonly listeners = new Set<() => void>();
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  stderr = '';
  exited = false;
  private readonly onExit: (() => void)[] = [];

  private constructor(
    readonly process: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
    settings: RawSettings,
  ) {
    this.settings = settings;
  }

  /** Spawn the server and complete the initialize handshake. */
  static async start(options: StartOptions = {}): Promise<LspTestClient> {
    const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: 'pipe' });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new QuietWriter(child.stdin),
    );
    const client = new LspTestClient(child, connection, options.settings ?? {});
    child.stderr.on('data', (chunk) => (client.stderr += String(chunk)));
    // A dead server must fail its pending requests (as the editor's client sees a closed connection).
    child.once('exit', () => {
      client.connection.dispose();
      client.exited = true;
      for (const fail of client.onExit.splice(0)) fail();
    });
    connection.onRequest(
      'workspace/configuration',
      (params: { items: { section?: string; scopeUri?: string }[] }) => {
        client.configurationRequests.push(params);
        return params.items.map((item) => (item.section === 'scalingLens' ? client.settings : null));
      },
    );
    connection.onRequest('client/registerCapability', (params: { registrations: { method: string }[] }) => {
      client.registrations.push(...params.registrations.map((r) => r.method));
      client.notify();
      return null;
    });
    connection.onRequest('workspace/codeLens/refresh', () => {
      client.lensRefreshes++;
      client.notify();
      return null;
    });
    connection.onRequest('workspace/workspaceFolders', () =>
      options.rootPath ? [{ uri: pathToFileURL(options.rootPath).toString(), name: 'root' }] : null,
    );
    connection.onNotification(
      'textDocument/publishDiagnostics',
      (params: { uri: string; diagnostics: Diagnostic[] }) => {
        client.diagnostics.set(params.uri, params.diagnostics);
        client.notify();
      },
    );
    connection.onNotification(AnalysisChangedMethod, (snapshot: AnalysisSnapshot) => {
      client.snapshots.push(snapshot);
      client.notify();
    });
    connection.onNotification('window/logMessage', () => undefined);
    connection.onError(() => undefined);
    connection.listen();
    const rootUri = options.rootPath ? pathToFileURL(options.rootPath).toString() : null;
    const capabilities = options.minimal
      ? {}
      : {
          workspace: {
            configuration: true,
            didChangeConfiguration: { dynamicRegistration: true },
            didChangeWatchedFiles: { dynamicRegistration: options.watchedFiles ?? true },
            codeLens: { refreshSupport: options.codeLensRefresh ?? true },
            workspaceEdit: { documentChanges: true },
            workspaceFolders: true,
          },
          textDocument: {
            hover: { contentFormat: ['markdown', 'plaintext'] },
            codeLens: {},
            codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
            publishDiagnostics: { versionSupport: true },
          },
        };
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: rootUri && !options.minimal ? [{ uri: rootUri, name: 'root' }] : null,
      capabilities,
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  /** Open a file from disk (or given text) and return its URI. */
  async open(
    path: string,
    text = readFileSync(path, 'utf8'),
    languageId = languageOf(path),
  ): Promise<string> {
    const uri = pathToFileURL(path).toString();
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId, version: 1, text },
    });
    return uri;
  }

  /** Replace a document's whole text (a full-content change, valid under incremental sync). */
  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  text(uri: string): string {
    return this.texts.get(uri) ?? '';
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  codeLens(uri: string, token?: CancellationTokenSource): Promise<CodeLens[] | null> {
    const params = { textDocument: { uri } };
    // An explicit undefined would be sent as a second positional parameter.
    return this.untilExit(
      token
        ? this.connection.sendRequest('textDocument/codeLens', params, token.token)
        : this.connection.sendRequest('textDocument/codeLens', params),
    );
  }

  /**
   * A request that fails when the server process exits. A request whose write is still in flight when
   * the process dies is registered by vscode-jsonrpc only after the write settles, i.e. after the
   * connection was disposed, so it would otherwise never settle.
   */
  private untilExit<T>(request: Promise<T>): Promise<T> {
    if (this.exited) return Promise.reject(new Error('the server exited'));
    return new Promise<T>((resolve, reject) => {
      this.onExit.push(() => reject(new Error('the server exited')));
      request.then(resolve, reject);
    });
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = []): Promise<CodeAction[] | null> {
    return this.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range,
      context: { diagnostics },
    });
  }

  analysis(uri: string): Promise<AnalysisSnapshot | null> {
    return this.connection.sendRequest(AnalysisRequestMethod, { uri });
  }

  /** Change the settings the client reports and tell the server (pull model: no payload). */
  async setSettings(settings: RawSettings): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  }

  /** Resolve once `predicate` holds (checked on every message), or reject after `timeoutMs`. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; server stderr: ${this.stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Wait for diagnostics on a URI that satisfy `predicate`. */
  waitForDiagnostics(
    uri: string,
    predicate: (d: Diagnostic[]) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Diagnostic[]> {
    return this.waitFor(
      () => {
        const d = this.diagnostics.get(uri);
        return d && predicate(d) ? d : undefined;
      },
      timeoutMs,
      `diagnostics for ${uri}`,
    );
  }

  /** Orderly shutdown; falls back to killing the process. */
  async stop(): Promise<void> {
    if (this.process.exitCode === null && !this.process.killed) {
      try {
        await withTimeout(this.connection.sendRequest('shutdown'), 2000);
        await this.connection.sendNotification('exit');
      } catch {
        // Already gone.
      }
    }
    if (this.process.exitCode === null) this.process.kill();
    this.connection.dispose();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The language id an editor would give a file. */
export function languageOf(path: string): string {
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  if (/\.json$/i.test(path)) return 'json';
  if (/\.py$/i.test(path)) return 'python';
  if (/\.sh$/i.test(path)) return 'shellscript';
  return 'plaintext'; // *.toml without a TOML extension, as in code-server.
}

/** Apply LSP text edits to a text (edits must not overlap). */
export function applyEdits(text: string, edits: { range: Range; newText: string }[]): string {
  const lines = text.split('\n');
  const offset = (p: Position) =>
    lines.slice(0, p.line).reduce((sum, l) => sum + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted)
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

/** The position of the first occurrence of `needle` (plus `delta` characters). */
export function positionOf(text: string, needle: string, delta = 0): Position {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" not in text`);
  const before = text.slice(0, index + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms)),
  ]);
}
