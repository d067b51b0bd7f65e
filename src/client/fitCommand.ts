/**
 * "Scaling Lens: Fit Scaling Law from Runs…": pick runs (a file, a folder, the lens's file or the
 * active editor), preview what was read, fit under a cancellable progress notification, show the
 * report, and save the law atomically as `.vscode/scaling-lens/<name>.law.json` (never silently
 * overwriting), then offer to use it. The language server reads and fits the runs in its worker
 * thread and writes every text with a number in it (src/server/fit.ts); this side keeps the dialogs.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  Commands,
  DescribeLawFileRequest,
  FitEndNotification,
  FitLawFileRequest,
  FitProgressNotification,
  FitReadRequest,
  FitRequest,
  FitTokensPerStepRequest,
  FitValidateRequest,
} from '../protocolMethods';
import type { FitReadParams, FitReadResponse, FitResponse, FitSource, RawFitSettings } from '../protocol';
import { looksLikeRuns, registerRunsLens } from './runsLens';
import { offerDownstreamFit } from './downstreamFitCommand';

/** Where saved laws live in a workspace folder (the server loads `.vscode/scaling-lens/*.law.json`). */
const SAVED_LAW_DIR = ['.vscode', 'scaling-lens'] as const;

/**
 * Register `scalingLens.fitFromRuns` (optional argument: the Uri of a runs file or folder, as the
 * runs lens passes) and the "Fit scaling law from these runs…" lens.
 */
export function registerFitCommands(
  client: LanguageClient,
  output: vscode.LogOutputChannel,
): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(Commands.fitFromRuns, async (arg?: unknown) => {
      try {
        await fitFromRuns(client, output, asUri(arg));
      } catch (error) {
        output.error(`[fit] ${(error as Error)?.stack ?? error}`);
        void vscode.window.showErrorMessage(
          `Scaling Lens: the fit failed (${(error as Error)?.message ?? error}). See the "Scaling Lens" output.`,
        );
      }
    }),
    registerRunsLens(client),
  );
}

function asUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.parse(arg);
  return undefined;
}

/** Thrown (and caught) when the user cancels a progress notification. */
class FitCancelled extends Error {}

/** JSON-RPC's RequestCancelled (LSP 3.17 `LSPErrorCodes.RequestCancelled`). */
const REQUEST_CANCELLED = -32800;

/**
 * A request to the server's fit session under a cancellable token: the server answers a cancelled
 * request with RequestCancelled (its worker terminated), which becomes FitCancelled here.
 */
async function cancellable<T>(
  token: vscode.CancellationToken,
  send: (token: vscode.CancellationToken) => Promise<T | null>,
): Promise<T> {
  let answer: T | null;
  try {
    answer = await send(token);
  } catch (error) {
    if (token.isCancellationRequested || (error as { code?: unknown })?.code === REQUEST_CANCELLED)
      throw new FitCancelled();
    throw error;
  }
  if (token.isCancellationRequested || answer === null || answer === undefined) throw new FitCancelled();
  return answer;
}

async function fitFromRuns(
  client: LanguageClient,
  output: vscode.LogOutputChannel,
  argument: vscode.Uri | undefined,
): Promise<void> {
  const source = argument ?? (await activeRunsFile(client)) ?? (await pickRunsSource());
  if (!source) return;
  const label = vscode.workspace.asRelativePath(source, false);
  let session: string | undefined;
  try {
    const settings =
      vscode.workspace.getConfiguration('scalingLens', source).get<RawFitSettings>('fit') ?? null;
    // 1. Read (in the server's worker: a large log or folder takes a while too).
    const fitSource = await fitSourceFor(source);
    if (typeof fitSource === 'string') {
      void vscode.window.showErrorMessage(fitSource);
      return;
    }
    // Issue #14: a runs file with benchmark columns can fit a downstream law instead.
    if ((await offerDownstreamFit(client, output, source, fitSource, label)) === 'done') return;
    const readWith = (params: FitReadParams) =>
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Reading runs from ${label}…`,
          cancellable: true,
        },
        (_progress, token) => cancellable(token, (t) => client.sendRequest(FitReadRequest, params, t)),
      );
    let read: FitReadResponse = await readWith({ source: fitSource, label, settings });
    session = read.session;
    // Steps but no token counts (W&B exports, trainer_state.json): ask, prefilled from a config beside it.
    const need = read.needsTokensPerStep;
    if (need) {
      const tokensPerStep = await askTokensPerStep(client, session, source, need.stepColumn);
      if (tokensPerStep === undefined) return;
      read = await readWith({ session, source: fitSource, label, settings, tokensPerStep });
      output.info(`[fit] ${label}: tokens per step ${read.tokensPerStep} (entered)`);
    }
    output.info(`[fit] read ${label}: ${read.runs} runs, ${read.points} checkpoints`);

    // 2. Preview and options.
    const minTokens = await confirmPreview(read);
    if (minTokens === undefined) return;

    // 3. Fit with cancellable progress.
    const fit = await runFit(client, session, minTokens, label);
    output.info(`[fit] ${fit.logLine}`);

    // 4. Report (the server judged identifiability first, so the report and the saved law carry it).
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: fit.markdown });
    await vscode.window.showTextDocument(document, { preview: false });
    if (!fit.ok) {
      void vscode.window.showErrorMessage(`Scaling Lens: no fit. ${fit.errors.join(' ')}`);
      return;
    }

    if (fit.caveat !== null)
      void vscode.window.showWarningMessage(
        `Scaling Lens: the fitted law is ${fit.caveat}. See the report for the intervals and remedies.`,
      );

    // 5. Save and offer to use it.
    const saved = await saveLaw(client, session, source, label, read.suggestedName);
    if (!saved) return;
    const use = await vscode.window.showInformationMessage(
      `Saved the fitted law as ${vscode.workspace.asRelativePath(saved.uri, false)} (id "${saved.id}").`,
      'Use this law',
    );
    if (use === 'Use this law') {
      await vscode.workspace
        .getConfiguration('scalingLens', saved.folder.uri)
        .update('law', saved.id, vscode.ConfigurationTarget.Workspace);
      void vscode.window.showInformationMessage(`scalingLens.law is now "${saved.id}" in this workspace.`);
    }
  } catch (error) {
    if (error instanceof FitCancelled) {
      void vscode.window.showInformationMessage('Scaling Lens: fit cancelled.');
      return;
    }
    throw error;
  } finally {
    // Stops the session's worker thread in the server.
    if (session) void client.sendNotification(FitEndNotification, { session }).catch(() => undefined);
  }
}

/**
 * Ask for tokens per step in an input box, prefilled with the value the run configs beside the runs
 * file give (read by the server with its config readers). Returns the entry as typed (the server
 * parses it), or undefined when cancelled.
 */
async function askTokensPerStep(
  client: LanguageClient,
  session: string,
  source: vscode.Uri,
  stepColumn: string,
): Promise<string | undefined> {
  const suggestion = await client.sendRequest(FitTokensPerStepRequest, {
    session,
    stepColumn,
    ...(source.scheme === 'file' ? { path: source.fsPath } : {}),
  });
  const input = await vscode.window.showInputBox({
    title: 'Tokens per optimizer step',
    prompt: suggestion.prompt,
    value: suggestion.value ? String(suggestion.value) : '',
    placeHolder: 'global batch × sequence length, e.g. 512*2048',
    validateInput: async (text) =>
      (await client.sendRequest(FitValidateRequest, { field: 'tokensPerStep', text })) ?? undefined,
    ignoreFocusOut: true,
  });
  return input;
}

/** The active editor's file when the server says it looks like runs data. */
async function activeRunsFile(client: LanguageClient): Promise<vscode.Uri | undefined> {
  const document = vscode.window.activeTextEditor?.document;
  if (!document) return undefined;
  return (await looksLikeRuns(client, document)) ? document.uri : undefined;
}

async function pickRunsSource(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title:
      'Fit a scaling law: choose a runs file (CSV, TSV, JSONL, trainer_state.json, W&B export) or a folder of runs',
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Read runs',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0];
}

/**
 * What the server should read. Local files on disk are read by the server itself; an open document
 * (possibly unsaved) or a file on a virtual file system is sent as text. Returns a message when the
 * source cannot be read.
 */
async function fitSourceFor(uri: vscode.Uri): Promise<FitSource | string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open && (open.isDirty || uri.scheme !== 'file'))
    return { kind: 'text', text: open.getText(), fileName: uri.path };
  if (uri.scheme === 'file') return { kind: 'path', path: uri.fsPath };
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch (error) {
    return `Scaling Lens: cannot read ${uri.toString()}: ${(error as Error).message}`;
  }
  if (stat.type & vscode.FileType.Directory)
    return 'Scaling Lens: a folder of runs must be on the local disk; choose a single runs file instead.';
  const bytes = await vscode.workspace.fs.readFile(uri);
  return { kind: 'text', text: new TextDecoder().decode(bytes), fileName: uri.path };
}

/**
 * Show what was read (modal; the server wrote the texts) and ask to fit. Returns the min-tokens cut
 * to fit with, or undefined when the user cancels or nothing usable was read.
 */
async function confirmPreview(read: FitReadResponse): Promise<number | undefined> {
  const { kind, message, detail } = read.preview;
  if (kind === 'error') {
    await vscode.window.showErrorMessage(message, { modal: true, detail });
    return undefined;
  }
  if (kind === 'too-little') {
    const useZero = 'Fit with no token cut-off';
    const keep = `Fit with the ${read.minTokensLabel} cut-off`;
    const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, useZero, keep);
    return choice === useZero ? 0 : choice === keep ? read.minTokens : undefined;
  }
  const choice = await vscode.window.showInformationMessage(message, { modal: true, detail }, 'Fit');
  return choice === 'Fit' ? read.minTokens : undefined;
}

/** Fit in the server under a cancellable progress notification fed by its progress notifications. */
async function runFit(
  client: LanguageClient,
  session: string,
  minTokens: number,
  label: string,
): Promise<FitResponse> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Fitting a scaling law to ${label}`,
      cancellable: true,
    },
    async (progress, token) => {
      let reported = 0;
      const listener = client.onNotification(FitProgressNotification, (params) => {
        if (params.session !== session) return;
        const percent = Math.max(0, Math.min(100, 100 * params.fraction));
        progress.report({ message: params.message, increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      });
      try {
        return await cancellable(token, (t) => client.sendRequest(FitRequest, { session, minTokens }, t));
      } finally {
        listener.dispose();
      }
    },
  );
}

interface SavedLawLocation {
  uri: vscode.Uri;
  folder: vscode.WorkspaceFolder;
  id: string;
}

/**
 * Ask for a name and write the law to `.vscode/scaling-lens/<name>.law.json`: first to a temporary
 * file in the same folder, then renamed over the target, so the server never reads a half-written
 * law. An existing law (valid or corrupt) is only replaced after the user says so.
 */
async function saveLaw(
  client: LanguageClient,
  session: string,
  source: vscode.Uri,
  label: string,
  suggestedName: string,
): Promise<SavedLawLocation | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(source) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage(
      'Scaling Lens: open a folder to save the fitted law (saved laws live in .vscode/scaling-lens/ of a workspace folder). The report stays open.',
    );
    return undefined;
  }
  const dir = vscode.Uri.joinPath(folder.uri, ...SAVED_LAW_DIR);
  let suggestion = suggestedName;
  for (;;) {
    const slug = await vscode.window.showInputBox({
      title: 'Save the fitted law',
      prompt: `Name of the law; saved as ${SAVED_LAW_DIR.join('/')}/<name>.law.json and selectable as "fitted:<name>".`,
      value: suggestion,
      validateInput: async (text) =>
        (await client.sendRequest(FitValidateRequest, { field: 'lawName', text })) ?? undefined,
      ignoreFocusOut: true,
    });
    if (slug === undefined) return undefined;
    suggestion = slug;
    const file = await client.sendRequest(FitLawFileRequest, {
      session,
      name: slug,
      dataSource: label,
      date: new Date().toISOString(),
      nonce: randomBytes(4).toString('hex'),
    });
    const target = vscode.Uri.joinPath(dir, file.fileName);
    const existing = await describeExisting(client, target);
    let overwrite = false;
    if (existing) {
      const choice = await vscode.window.showWarningMessage(
        existing.valid
          ? `A saved law "${slug}" already exists.`
          : `${vscode.workspace.asRelativePath(target, false)} exists but is not a valid saved law.`,
        { modal: true, detail: existing.detail },
        'Overwrite',
        'Choose another name',
      );
      if (choice === 'Choose another name') continue;
      if (choice !== 'Overwrite') return undefined;
      overwrite = true;
    }
    const temp = vscode.Uri.joinPath(dir, file.tempFileName);
    const result = await writeAtomically(dir, temp, target, file.content, overwrite);
    if (result === 'exists') {
      // Created by someone else between the check and the rename: ask again.
      void vscode.window.showWarningMessage(`${file.fileName} appeared while saving; choose again.`);
      continue;
    }
    return { uri: target, folder, id: file.id };
  }
}

async function describeExisting(
  client: LanguageClient,
  target: vscode.Uri,
): Promise<{ valid: boolean; detail: string } | undefined> {
  try {
    await vscode.workspace.fs.stat(target);
  } catch {
    return undefined;
  }
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
  } catch (error) {
    return { valid: false, detail: `It cannot be read: ${(error as Error).message}. Overwrite it?` };
  }
  return client.sendRequest(DescribeLawFileRequest, { text });
}

async function writeAtomically(
  dir: vscode.Uri,
  temp: vscode.Uri,
  target: vscode.Uri,
  content: string,
  overwrite: boolean,
): Promise<'ok' | 'exists'> {
  await vscode.workspace.fs.createDirectory(dir);
  await vscode.workspace.fs.writeFile(temp, new TextEncoder().encode(content));
  try {
    await vscode.workspace.fs.rename(temp, target, { overwrite });
    return 'ok';
  } catch (error) {
    await vscode.workspace.fs.delete(temp).then(undefined, () => undefined);
    if (error instanceof vscode.FileSystemError && error.code === 'FileExists') return 'exists';
    throw error;
  }
}
