/**
 * The Scaling Lens language server: thin LSP handlers over the core. Started by the extension over
 * IPC (`--node-ipc`), or standalone by any LSP client with `node dist/server.js --stdio`.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CancellationToken,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText, readContextFor } from '../core/analyze';
import { MAX_ANALYZED_CHARS } from '../core/config/text';
import {
  AnalysisChangedNotification,
  AnalysisRequest,
  DocumentKindRequest,
  ApplyPlanRequest,
  PlanContextRequest,
  PlanRequest,
  ValidatePlanInputRequest,
  SAVED_LAW_GLOB,
  DOWNSTREAM_LAW_GLOB,
  SavedLawsRequest,
  CurvesRequest,
  DescribeLawFileRequest,
  FitEndNotification,
  FitLawFileRequest,
  FitProgressNotification,
  FitReadRequest,
  FitRequest,
  FitTokensPerStepRequest,
  FitValidateRequest,
  LawsRequest,
  RunsSniffRequest,
  type AnalysisRequestParams,
  type AnalysisSnapshot,
} from '../protocol';
import { AnalysisStore, viewResult, type DocumentState } from './analysisStore';
import { documentKind } from './model';
import {
  applyPlanToDocument,
  plan,
  planContext,
  validatePlanInput,
  type PlanDocument,
  type PlanEnvironment,
} from './plans';
import { buildCodeActions } from './codeActions';
import { registerCompare } from './compare';
import { loggedRun, registerLiveRuns } from './liveRuns';
import { buildDiagnostics } from './diagnostics';
import { buildHover } from './hovers';
import { buildLenses, lensFingerprint } from './lenses';
import { toSnapshot, type DocumentResult } from './model';
import { parseSavedLawFile } from './savedLawFile';
import { SavedLaws } from './savedLaws';
import { SavedDownstreamLaws } from './downstreamLaws';
import { registerDownstream } from './downstreamFit';
import { SETTINGS_SECTION, SettingsStore } from './settings';
import { registerTrainingTokens, trainingTokensActions, withStoredTokens } from './trainingTokens';
import { registerReport } from './report';
import { compareInput, CurvesBuilder } from './curves';
import { defaultWorkerScript, describeLawFile, FitService, validateFitInput } from './fit';
import { PUBLISHED_LAWS } from '../core/laws/published';
import { looksLikeRunsText } from '../node/fitSession';
import { budgetPrompt } from '../client/planPrompts';

/** Quiet period after the last keystroke before re-analyzing, in milliseconds. */
const DEBOUNCE_MS = 250;
/** Coalesce lens refresh requests (they are global to the client). */
const LENS_REFRESH_DELAY_MS = 50;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const log = (message: string) => connection.console.log(message);

const clientCaps = {
  configuration: false,
  codeLensRefresh: false,
  watchedFilesRegistration: false,
  configurationRegistration: false,
  documentChanges: false,
  workspaceFolders: false,
};

const settings = new SettingsStore(undefined);
const savedLaws = new SavedLaws([], parseSavedLawFile, log);
const downstreamLaws = new SavedDownstreamLaws([], log);
/** Workspace folders as file-system paths (saved laws and the curves' run data resolve against them). */
let workspaceFolders: string[] = [];
const curves = new CurvesBuilder({
  folders: workspaceFolders,
  savedLaws: () => savedLaws.list(),
  loggedRun: (uri) => loggedRun(uri),
});
const fits = new FitService({
  workerScript: defaultWorkerScript(),
  progress: (params) => void connection.sendNotification(FitProgressNotification, params),
});

const store = new AnalysisStore({
  debounceMs: DEBOUNCE_MS,
  document(uri) {
    const doc = documents.get(uri);
    return doc ? { version: doc.version, text: doc.getText() } : undefined;
  },
  analyze: analyzeDocument,
  onResult: publish,
});

/** Last lens fingerprint per document, so refreshes go out only when a lens would change. */
const lensFingerprints = new Map<string, string>();
let lensRefreshTimer: ReturnType<typeof setTimeout> | undefined;

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const caps = params.capabilities;
  clientCaps.configuration = !!caps.workspace?.configuration;
  clientCaps.codeLensRefresh = !!caps.workspace?.codeLens?.refreshSupport;
  clientCaps.watchedFilesRegistration = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
  clientCaps.configurationRegistration = !!caps.workspace?.didChangeConfiguration?.dynamicRegistration;
  clientCaps.documentChanges = !!caps.workspace?.workspaceEdit?.documentChanges;
  // vscode-languageserver throws on onDidChangeWorkspaceFolders for a client without the capability.
  clientCaps.workspaceFolders = !!caps.workspace?.workspaceFolders;
  const folders = (params.workspaceFolders ?? []).map((f) => f.uri);
  if (!folders.length && params.rootUri) folders.push(params.rootUri);
  setFolders(folders.flatMap(fileSystemPath));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeLensProvider: { resolveProvider: false },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'scaling-lens' },
  };
});

connection.onInitialized(async () => {
  if (clientCaps.configuration) {
    settings.setPull((scopeUri) =>
      connection.workspace.getConfiguration(
        scopeUri ? { scopeUri, section: SETTINGS_SECTION } : { section: SETTINGS_SECTION },
      ),
    );
  }
  if (clientCaps.configurationRegistration) {
    // With the pull model the client only tells us *that* settings changed; we then pull again.
    void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
  }
  if (clientCaps.watchedFilesRegistration) {
    void connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [{ globPattern: `**/${SAVED_LAW_GLOB}` }, { globPattern: `**/${DOWNSTREAM_LAW_GLOB}` }],
    });
  } else {
    savedLaws.watchWithFs(onSavedLawsChanged);
  }
  if (clientCaps.workspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders(async () => {
      const folders = (await connection.workspace.getWorkspaceFolders()) ?? [];
      setFolders(folders.map((f) => f.uri).flatMap(fileSystemPath));
      if (!clientCaps.watchedFilesRegistration) savedLaws.watchWithFs(onSavedLawsChanged);
      store.invalidateAll();
    });
  }
  await settings.warmUp();
});

connection.onDidChangeConfiguration((change) => {
  settings.invalidate(change.settings);
  store.invalidateAll();
});

connection.onDidChangeWatchedFiles((change) => {
  if (change.changes.some((c) => /\.(law|downstream)\.json$/i.test(c.uri))) onSavedLawsChanged();
});

function setFolders(paths: string[]): void {
  // In place: the curves builder holds this array.
  workspaceFolders.splice(0, workspaceFolders.length, ...paths);
  savedLaws.setFolders(paths);
  downstreamLaws.setFolders(paths);
}

function onSavedLawsChanged(): void {
  // Both reload (no short-circuit): the downstream laws share the folder and its watcher.
  const lawsChanged = savedLaws.reload();
  if (downstreamLaws.reload() || lawsChanged) store.invalidateAll();
}

documents.onDidChangeContent((event) => store.schedule(event.document.uri));
documents.onDidClose((event) => {
  const uri = event.document.uri;
  store.close(uri);
  settings.forget(uri);
  lensFingerprints.delete(uri);
  void connection.sendDiagnostics({ uri, diagnostics: [] });
});

connection.onCodeLens(async (params, token) => {
  const state = await ready(params.textDocument.uri, token);
  if (state instanceof ResponseError) return state;
  const result = viewResult(state);
  return result ? buildLenses(result, documents.get(params.textDocument.uri)?.lineCount) : [];
});

connection.onHover(async (params, token) => {
  const state = await ready(params.textDocument.uri, token);
  if (state instanceof ResponseError) return state;
  const result = viewResult(state);
  const doc = documents.get(params.textDocument.uri);
  if (!result || !doc) return null;
  const path = fileSystemPath(params.textDocument.uri)[0] ?? safeUriPath(params.textDocument.uri);
  return buildHover(result, params.position, {
    text: doc.getText(),
    context: { ...(path ? { path } : {}), readFile: readSibling },
  });
});

connection.onCodeAction(async (params, token) => {
  const state = await ready(params.textDocument.uri, token);
  if (state instanceof ResponseError) return state;
  // Edits must target the current text: only a fresh, good result may produce them.
  const result = state?.latest;
  if (!result?.analysis) return [];
  const document = documents.get(params.textDocument.uri);
  const path = fileSystemPath(params.textDocument.uri)[0] ?? safeUriPath(params.textDocument.uri);
  const stored = trainingTokensActions(result, params.context.diagnostics);
  return [
    ...stored,
    ...buildCodeActions(result, {
      uri: params.textDocument.uri,
      version: result.version,
      // Same version number is not enough: a client may repeat one with another text.
      ...(document?.version === result.version && store.current(params.textDocument.uri)
        ? { text: document.getText() }
        : {}),
      readContext: readContextFor(
        { ...(path ? { path } : {}), readFile: readSibling },
        result.analysisSettings,
      ),
      range: params.range,
      diagnostics: params.context.diagnostics,
      documentChanges: clientCaps.documentChanges,
    }),
  ];
});

connection.onRequest(AnalysisRequest, async (params: AnalysisRequestParams, token: CancellationToken) => {
  const state = await ready(params.uri, token);
  if (state instanceof ResponseError) return state;
  const result = viewResult(state);
  return result ? toSnapshot(result) : null;
});

connection.onRequest(DocumentKindRequest, async (params: AnalysisRequestParams, token: CancellationToken) => {
  const state = await ready(params.uri, token);
  if (state instanceof ResponseError) return state;
  return documentKind(viewResult(state), documents.get(params.uri)?.getText() ?? '');
});

/** The document and environment a planning request is about (its settings, law and current loss). */
async function planScope(
  uri: string | undefined,
): Promise<{ document?: PlanDocument; env: PlanEnvironment }> {
  const doc = uri ? documents.get(uri) : undefined;
  const editorSettings = await settings.get(uri);
  const resolved = savedLaws.resolve(editorSettings);
  const snapshot = uri ? viewResult(store.peek(uri)) : undefined;
  const env: PlanEnvironment = {
    settings: editorSettings,
    analysisSettings: resolved.analysisSettings,
    law: resolved.law,
    currentLoss: snapshot?.analysis?.loss?.value ?? null,
  };
  if (!doc || !uri) return { env };
  const path = fileSystemPath(uri)[0] ?? safeUriPath(uri);
  return {
    env,
    document: {
      uri,
      version: doc.version,
      text: doc.getText(),
      ...(path ? { path } : {}),
      readFile: readSibling,
    },
  };
}

connection.onRequest(PlanContextRequest, async (params) => {
  const context = planContext((await planScope(params.uri)).env);
  // The prompt names the analysis defaults; built here so the client bundles no settings defaults.
  return { ...context, budgetPrompt: budgetPrompt(context.hardware) };
});
connection.onRequest(ValidatePlanInputRequest, async (params) =>
  validatePlanInput(params.field, params.text, (await planScope(params.uri)).env),
);
connection.onRequest(PlanRequest, async (params) => {
  const scope = await planScope(params.uri);
  return plan(params, scope.document, scope.env);
});
connection.onRequest(ApplyPlanRequest, async (params) => {
  const scope = await planScope(params.uri);
  if (!scope.document) return { ok: false, message: 'The config is not open; nothing applied.' };
  return applyPlanToDocument(scope.document, params.target, scope.env, params.name);
});

connection.onRequest(SavedLawsRequest, () => {
  // Re-read the folders first: file watching can miss laws written by other tools (the CLI's --save),
  // and the picker must list what is on disk.
  onSavedLawsChanged();
  return savedLaws.list();
});

connection.onRequest(LawsRequest, () => {
  onSavedLawsChanged();
  return {
    published: PUBLISHED_LAWS.map((law) => ({
      id: law.id,
      label: law.label,
      detail: law.citation.split(';')[0] ?? '',
    })),
    saved: savedLaws.list(),
  };
});

// The curves panel: the chart data of the document's current (or last good) analysis, or null.
connection.onRequest(CurvesRequest, async (params, token) => {
  if (typeof params?.uri !== 'string') return null;
  const state = await ready(params.uri, token);
  if (state instanceof ResponseError) return state;
  const result = viewResult(state);
  const snapshot = result ? toSnapshot(result) : null;
  if (!snapshot || !result) return null;
  // The memory and loss-over-training charts need the analysis and, for the LR schedule, the text
  // it was computed from (not a newer, unparsable one).
  const doc = documents.get(params.uri);
  const path = fileSystemPath(params.uri)[0] ?? safeUriPath(params.uri);
  const other = params.compareWith;
  const otherPath =
    other?.kind === 'file'
      ? fileSystemPath(other.uri)[0]
      : other?.uri
        ? fileSystemPath(other.uri)[0]
        : (path ?? undefined);
  return curves.build(snapshot, {
    analysis: result.analysis,
    scheduleLaw: result.settings.schedule.law,
    ...(doc && doc.version === result.version ? { text: doc.getText() } : {}),
    context: { ...(path ? { path } : {}), readFile: readSibling },
    ...(result.downstream ? { downstream: result.downstream } : {}),
    // After "Compare with…": the other config under this document's settings and law, overlaid.
    ...(other && typeof other.label === 'string'
      ? {
          compare: compareInput({
            label: other.label,
            text:
              other.kind === 'file'
                ? (documents.get(other.uri)?.getText() ?? (otherPath ? readSibling(otherPath) : undefined))
                : typeof other.text === 'string'
                  ? other.text
                  : undefined,
            ...(otherPath ? { path: otherPath } : {}),
            settings: result.analysisSettings,
            paramConvention: result.law.paramConvention,
            readFile: readSibling,
          }),
        }
      : {}),
  });
});

// Fitting: sessions of a worker thread each (src/server/fit.ts); the client keeps the dialogs.
connection.onRequest(RunsSniffRequest, (params) =>
  typeof params?.text === 'string' && typeof params.fileName === 'string'
    ? looksLikeRunsText(params.text.slice(0, MAX_ANALYZED_CHARS), params.fileName)
    : false,
);
connection.onRequest(FitReadRequest, (params, token) => fits.read(params, token));
connection.onRequest(FitTokensPerStepRequest, (params, token) => fits.tokensPerStep(params, token));
connection.onRequest(FitValidateRequest, (params) => validateFitInput(params));
connection.onRequest(FitRequest, (params, token) => fits.fit(params, token));
connection.onRequest(FitLawFileRequest, (params) => fits.lawFile(params));
connection.onRequest(DescribeLawFileRequest, (params) => describeLawFile(params?.text));
connection.onNotification(FitEndNotification, (params) => {
  if (typeof params?.session === 'string') fits.end(params.session);
});
// The only shutdown handler (the connection keeps one): add to it rather than register another.
connection.onShutdown(() => fits.dispose());

registerLiveRuns(connection, { documents, reanalyze: (uri) => store.schedule(uri) });

// Issue #14: saved downstream laws and the editor's downstream fit (src/server/downstreamFit.ts).
registerDownstream(connection, { laws: downstreamLaws, onLawsChanged: onSavedLawsChanged });

registerCompare(connection, {
  documents,
  scope: async (uri) => savedLaws.resolve(await settings.get(uri)),
  pathOf: (uri) => fileSystemPath(uri)[0] ?? safeUriPath(uri),
  readFile: readSibling,
});

// Helper E (#16): per-file training tokens for HF config.json, and Export Report.
registerTrainingTokens(connection, { invalidate: () => store.invalidateAll() });
registerReport(connection, {
  result: async (uri) =>
    viewResult(
      (await ready(uri, { isCancellationRequested: false } as CancellationToken)) as
        DocumentState | undefined,
    ),
});

/** Wait for the first settings pull and the document's current analysis; a cancelled request gets an error. */
async function ready(
  uri: string,
  token: CancellationToken,
): Promise<DocumentState | undefined | ResponseError<void>> {
  await settings.ready;
  const state = await store.settled(uri);
  if (token.isCancellationRequested)
    return new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled');
  return state;
}

/** Analyze a document's current text under its settings. Never throws. */
async function analyzeDocument(uri: string): Promise<DocumentResult> {
  const doc = documents.get(uri);
  const version = doc?.version ?? -1;
  const text = doc?.getText() ?? '';
  const editorSettings = await settings.get(uri);
  const resolved = savedLaws.resolve(editorSettings);
  const downstream = downstreamLaws.resolve(editorSettings);
  const base = {
    uri,
    version,
    settings: editorSettings,
    analysisSettings: resolved.analysisSettings,
    law: resolved.law,
    ...(downstream.selected ? { downstream: downstream.selected } : {}),
    settingsWarnings: [...resolved.warnings, ...downstream.warnings],
  };
  // Yield once so pending cancellations and newer edits are seen before the CPU-bound work.
  await new Promise((resolve) => setImmediate(resolve));
  const started = performance.now();
  try {
    const path = fileSystemPath(uri)[0] ?? safeUriPath(uri);
    // The file's stored training tokens join the spec (src/server/trainingTokens.ts).
    const outcome = analyzeText(
      text,
      { ...(path ? { path } : {}), readFile: readSibling },
      resolved.analysisSettings,
      withStoredTokens(path),
    );
    return {
      ...base,
      recognized: outcome.recognized,
      ...(outcome.framework ? { framework: outcome.framework } : {}),
      analysis: outcome.analysis,
      diagnostics: outcome.diagnostics,
      elapsedMs: performance.now() - started,
    };
  } catch (error) {
    // A reader or law bug in one document must not take the server (or other documents) down.
    const message = (error as Error)?.message ?? String(error);
    connection.console.error(`Analysis of ${uri} failed: ${(error as Error)?.stack ?? message}`);
    return {
      ...base,
      recognized: false,
      analysis: null,
      diagnostics: [],
      elapsedMs: performance.now() - started,
      crashed: message,
    };
  }
}

/** Publish diagnostics, notify the client, and refresh lenses when what they show changed. */
function publish(uri: string, state: Readonly<DocumentState>): void {
  const latest = state.latest!;
  const shown = viewResult(state)!;
  try {
    void connection.sendDiagnostics({ uri, version: latest.version, diagnostics: buildDiagnostics(latest) });
    const snapshot: AnalysisSnapshot | null = toSnapshot(shown);
    if (snapshot) void connection.sendNotification(AnalysisChangedNotification, snapshot);
    const fingerprint = lensFingerprint(buildLenses(shown, documents.get(uri)?.lineCount));
    if (lensFingerprints.get(uri) !== fingerprint) {
      const hadLenses = lensFingerprints.has(uri);
      lensFingerprints.set(uri, fingerprint);
      // The client asks for lenses itself after opening and editing; refresh covers changes it cannot see.
      if (hadLenses) scheduleLensRefresh();
    }
  } catch (error) {
    connection.console.error(`Publishing results for ${uri} failed: ${(error as Error)?.stack ?? error}`);
  }
}

function scheduleLensRefresh(): void {
  if (!clientCaps.codeLensRefresh || lensRefreshTimer) return;
  lensRefreshTimer = setTimeout(() => {
    lensRefreshTimer = undefined;
    connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }, LENS_REFRESH_DELAY_MS);
}

/** Read a sibling file for includes: an open document's text first, then the disk. */
function readSibling(path: string): string | undefined {
  for (const doc of documents.all()) {
    if (fileSystemPath(doc.uri)[0] === path) return doc.getText();
  }
  try {
    if (statSync(path).size > MAX_ANALYZED_CHARS) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The file-system path of a `file:` URI (as a 0/1-element list for flatMap). */
function fileSystemPath(uri: string): string[] {
  if (!uri.startsWith('file:')) return [];
  try {
    return [fileURLToPath(uri)];
  } catch {
    return [];
  }
}

function safeUriPath(uri: string): string | undefined {
  try {
    return decodeURIComponent(new URL(uri).pathname) || undefined;
  } catch {
    return undefined;
  }
}

documents.listen(connection);
connection.listen();
