/**
 * "Scaling Lens: Fit Scaling Law from Runs…": pick runs (a file, a folder, the lens's file or the
 * active editor), preview what was read, fit in a worker thread under a cancellable progress
 * notification, show the report, and save the law atomically as
 * `.vscode/scaling-lens/<name>.law.json` (never silently overwriting), then offer to use it.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
// Specific modules, not the ../core/fit barrel: the barrel reaches the config readers (run folders),
// which the extension host must not bundle.
import { annotateIdentifiability } from '../core/fit/identifiability';
import { formatFitReport } from '../core/fit/report';
import {
  parseSavedLaw,
  savedLawFromFit,
  savedLawToScalingLaw,
  serializeSavedLaw,
} from '../core/fit/savedLaw';
import type { FitReport, IngestReport } from '../core/fit/types';
import { formatCount } from '../core/format';
import {
  editorFitOptions,
  formatRunsPreview,
  HITCHHIKER_FIT_DEFAULTS,
  looksLikeRunsText,
  minTokensLeavesTooLittle,
  needsTokensPerStep,
  parseTokensPerStep,
  tokensPerStepPrompt,
  savedLawFileName,
  savedLawTempFileName,
  slugify,
  validateLawSlug,
  type HostToWorker,
  type RunsSummary,
  type WorkerFitOptions,
  type WorkerToHost,
} from '../node/fitSession';
import { Commands, normalizeFitSettings, type FitSettings, type RawFitSettings } from '../protocol';
import { registerRunsLens } from './runsLens';

/** Where saved laws live in a workspace folder (the server loads `.vscode/scaling-lens/*.law.json`). */
const SAVED_LAW_DIR = ['.vscode', 'scaling-lens'] as const;

/**
 * Register `scalingLens.fitFromRuns` (optional argument: the Uri of a runs file or folder, as the
 * runs lens passes) and the "Fit scaling law from these runs…" lens.
 */
export function registerFitCommands(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(Commands.fitFromRuns, async (arg?: unknown) => {
      try {
        await fitFromRuns(context, output, asUri(arg));
      } catch (error) {
        output.error(`[fit] ${(error as Error)?.stack ?? error}`);
        void vscode.window.showErrorMessage(
          `Scaling Lens: the fit failed (${(error as Error)?.message ?? error}). See the "Scaling Lens" output.`,
        );
      }
    }),
    registerRunsLens(),
  );
}

function asUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.parse(arg);
  return undefined;
}

/** Thrown (and caught) when the user cancels the progress notification. */
class FitCancelled extends Error {}

/**
 * One worker thread per fit session. The thread keeps the runs between the read and the fit;
 * terminating it is how a fit is cancelled (it interrupts the synchronous fit at once).
 */
class FitWorker implements vscode.Disposable {
  private readonly worker: Worker;
  private pending:
    | {
        resolve: (m: WorkerToHost) => void;
        reject: (e: Error) => void;
        onProgress?: (m: WorkerToHost) => void;
      }
    | undefined;
  private terminated = false;

  constructor(script: string) {
    this.worker = new Worker(script);
    this.worker.on('message', (message: WorkerToHost) => {
      if (message.type === 'progress') this.pending?.onProgress?.(message);
      else
        this.settle((p) =>
          message.type === 'error' ? p.reject(new Error(message.message)) : p.resolve(message),
        );
    });
    this.worker.on('error', (error) => this.settle((p) => p.reject(error)));
    this.worker.on('exit', (code) =>
      this.settle((p) =>
        p.reject(this.terminated ? new FitCancelled() : new Error(`the fit worker exited (code ${code})`)),
      ),
    );
  }

  private settle(action: (p: NonNullable<FitWorker['pending']>) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) action(pending);
  }

  /** Send one request; resolves with the worker's answer (progress messages go to `onProgress`). */
  request(
    message: HostToWorker,
    token?: vscode.CancellationToken,
    onProgress?: (m: WorkerToHost) => void,
  ): Promise<WorkerToHost> {
    return new Promise((resolve, reject) => {
      if (this.terminated) return reject(new FitCancelled());
      this.pending = { resolve, reject, onProgress };
      token?.onCancellationRequested(() => this.dispose());
      this.worker.postMessage(message);
    });
  }

  dispose(): void {
    if (this.terminated) return;
    this.terminated = true;
    void this.worker.terminate();
  }
}

async function fitFromRuns(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  argument: vscode.Uri | undefined,
): Promise<void> {
  const source = argument ?? activeRunsFile() ?? (await pickRunsSource());
  if (!source) return;
  const label = vscode.workspace.asRelativePath(source, false);
  const worker = new FitWorker(context.asAbsolutePath('dist/fitWorker.js'));
  try {
    const fitSettings = normalizeFitSettings(
      vscode.workspace.getConfiguration('scalingLens', source).get<RawFitSettings>('fit'),
    );
    // 1. Read (in the worker: a large log or folder takes a while too).
    const request = await readRequestFor(source);
    if (typeof request === 'string') {
      void vscode.window.showErrorMessage(request);
      return;
    }
    // The preview counts what survives the configured min-tokens cut.
    const readRequest: HostToWorker = { ...request, minTokens: fitSettings.minTokens };
    const readWith = (message: HostToWorker) =>
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Reading runs from ${label}…`,
          cancellable: true,
        },
        (_progress, token) => worker.request(message, token),
      );
    let read = await readWith(readRequest);
    if (read.type !== 'read-result') return;
    // Steps but no token counts (W&B exports, trainer_state.json): ask, prefilled from a config beside it.
    const need = needsTokensPerStep(read.report);
    let enteredTokensPerStep: number | undefined;
    if (need) {
      const tokensPerStep = await askTokensPerStep(worker, source, need.stepColumn);
      if (tokensPerStep === undefined) return;
      enteredTokensPerStep = tokensPerStep;
      read = await readWith({
        ...request,
        minTokens: fitSettings.minTokens,
        options: { ...request.options, tokensPerStep },
      });
      if (read.type !== 'read-result') return;
      output.info(`[fit] ${label}: tokens per step ${tokensPerStep} (entered)`);
    }
    const ingest: IngestReport = { ...read.report, source: label };
    // The preview and the report say where the tokens came from.
    if (need && enteredTokensPerStep !== undefined)
      ingest.notes = [
        ...ingest.notes,
        `Tokens = "${need.stepColumn}" × ${enteredTokensPerStep} tokens/step (entered).`,
      ];
    output.info(`[fit] read ${label}: ${read.summary.runs} runs, ${read.summary.points} checkpoints`);

    // 2. Preview and options.
    const minTokens = await confirmPreview(ingest, read.summary, fitSettings);
    if (minTokens === undefined) return;
    const options = editorFitOptions(read.summary, minTokens, fitSettings);

    // 3. Fit with cancellable progress.
    const fit = await runFit(worker, options, label);
    if (!fit) return;
    output.info(
      `[fit] ${label}: ${fit.ok ? `objective ${fit.objective.toExponential(6)}, ${fit.points} points` : fit.errors.join('; ')} (${fit.elapsedMs} ms)`,
    );

    // 4. Report (identifiability judged first, so the report and the saved law carry it).
    const verdict = annotateIdentifiability(fit);
    const markdown = formatFitReport(fit, ingest, 'markdown');
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
    await vscode.window.showTextDocument(document, { preview: false });
    if (!fit.ok) {
      void vscode.window.showErrorMessage(`Scaling Lens: no fit. ${fit.errors.join(' ')}`);
      return;
    }

    if (verdict.identifiable === false)
      void vscode.window.showWarningMessage(
        `Scaling Lens: the fitted law is ${verdict.caveat}. See the report for the intervals and remedies.`,
      );

    // 5. Save and offer to use it.
    const saved = await saveLaw(fit, source, label);
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
    worker.dispose();
  }
}

/**
 * Ask for tokens per step in an input box, prefilled with the value the run configs beside the runs
 * file give (read by the worker with the language server's config readers). Undefined = cancelled.
 */
async function askTokensPerStep(
  worker: FitWorker,
  source: vscode.Uri,
  stepColumn: string,
): Promise<number | undefined> {
  let suggestion: { value: number | null; source?: string; detail: string } | undefined;
  if (source.scheme === 'file') {
    const answer = await worker.request({ type: 'suggest-tokens-per-step', path: source.fsPath });
    if (answer.type === 'tokens-per-step') suggestion = answer;
  }
  const input = await vscode.window.showInputBox({
    title: 'Tokens per optimizer step',
    prompt: tokensPerStepPrompt(stepColumn, suggestion),
    value: suggestion?.value ? String(suggestion.value) : '',
    placeHolder: 'global batch × sequence length, e.g. 512*2048',
    validateInput: (text) => {
      const parsed = parseTokensPerStep(text);
      return typeof parsed === 'string' ? parsed : undefined;
    },
    ignoreFocusOut: true,
  });
  if (input === undefined) return undefined;
  const parsed = parseTokensPerStep(input);
  return typeof parsed === 'number' ? parsed : undefined;
}

/** The active editor's file when it looks like runs data. */
function activeRunsFile(): vscode.Uri | undefined {
  const document = vscode.window.activeTextEditor?.document;
  if (!document) return undefined;
  const name = document.uri.path;
  return looksLikeRunsText(document.getText(), name) ? document.uri : undefined;
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
 * What the worker should read. Local files on disk are read by the worker itself; an open document
 * (possibly unsaved) or a file on a virtual file system is sent as text. Returns a message when the
 * source cannot be read.
 */
async function readRequestFor(
  uri: vscode.Uri,
): Promise<Extract<HostToWorker, { type: 'read-path' | 'read-text' }> | string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open && (open.isDirty || uri.scheme !== 'file'))
    return { type: 'read-text', text: open.getText(), fileName: uri.path };
  if (uri.scheme === 'file') return { type: 'read-path', path: uri.fsPath };
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch (error) {
    return `Scaling Lens: cannot read ${uri.toString()}: ${(error as Error).message}`;
  }
  if (stat.type & vscode.FileType.Directory)
    return 'Scaling Lens: a folder of runs must be on the local disk; choose a single runs file instead.';
  const bytes = await vscode.workspace.fs.readFile(uri);
  return { type: 'read-text', text: new TextDecoder().decode(bytes), fileName: uri.path };
}

/**
 * Show what was read (modal) and ask to fit. Returns the min-tokens cut to fit with, or undefined
 * when the user cancels or nothing usable was read.
 */
async function confirmPreview(
  ingest: IngestReport,
  summary: RunsSummary,
  settings: FitSettings,
): Promise<number | undefined> {
  const { message, detail } = formatRunsPreview(ingest, summary);
  if (summary.runs === 0 || ingest.errors.length > 0) {
    await vscode.window.showErrorMessage(message, { modal: true, detail });
    return undefined;
  }
  const cut = formatCount(settings.minTokens);
  if (minTokensLeavesTooLittle(summary)) {
    const useZero = 'Fit with no token cut-off';
    const keep = `Fit with the ${cut} cut-off`;
    const choice = await vscode.window.showWarningMessage(
      message,
      {
        modal: true,
        detail:
          `${detail}\n\nThe Hitchhiker default drops checkpoints at or before ${cut} tokens (early ` +
          `checkpoints bias the fit), but that leaves ${summary.pointsAfterMinTokens} checkpoints from ` +
          `${summary.modelSizesAfterMinTokens} model sizes, too few to fit. Fit all ${summary.points} ` +
          `checkpoints instead (min tokens 0)? Early, far-from-converged points then weigh on the fit.`,
      },
      useZero,
      keep,
    );
    return choice === useZero ? 0 : choice === keep ? settings.minTokens : undefined;
  }
  const choice = await vscode.window.showInformationMessage(
    message,
    {
      modal: true,
      detail:
        `${detail}\n\nFit the ${settings.form} form (settings scalingLens.fit.*): checkpoints after ` +
        `${cut} tokens, ${settings.useIntermediateCheckpoints ? 'intermediate checkpoints' : 'final checkpoints only'}, ` +
        `${settings.bootstrap} bootstrap refits (seed ${HITCHHIKER_FIT_DEFAULTS.seed})` +
        (settings.borrowExponentsFrom ? `, exponents borrowed from ${settings.borrowExponentsFrom}` : '') +
        (settings.holdoutLargest &&
        summary.modelSizesAfterMinTokens >= HITCHHIKER_FIT_DEFAULTS.holdoutMinModelSizes
          ? ', largest model held out.'
          : '.'),
    },
    'Fit',
  );
  return choice === 'Fit' ? settings.minTokens : undefined;
}

async function runFit(
  worker: FitWorker,
  options: WorkerFitOptions,
  label: string,
): Promise<FitReport | undefined> {
  const answer = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Fitting a scaling law to ${label}`,
      cancellable: true,
    },
    (progress, token) => {
      let reported = 0;
      return worker.request({ type: 'fit', options }, token, (message) => {
        if (message.type !== 'progress') return;
        const percent = Math.max(0, Math.min(100, 100 * message.progress.fraction));
        progress.report({ message: message.progress.message, increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      });
    },
  );
  return answer.type === 'fit-result' ? answer.report : undefined;
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
  fit: FitReport,
  source: vscode.Uri,
  label: string,
): Promise<SavedLawLocation | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(source) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage(
      'Scaling Lens: open a folder to save the fitted law (saved laws live in .vscode/scaling-lens/ of a workspace folder). The report stays open.',
    );
    return undefined;
  }
  const dir = vscode.Uri.joinPath(folder.uri, ...SAVED_LAW_DIR);
  let suggestion = slugify(source.path.split('/').filter(Boolean).at(-1) ?? 'fitted-law');
  for (;;) {
    const slug = await vscode.window.showInputBox({
      title: 'Save the fitted law',
      prompt: `Name of the law; saved as ${SAVED_LAW_DIR.join('/')}/<name>.law.json and selectable as "fitted:<name>".`,
      value: suggestion,
      validateInput: validateLawSlug,
      ignoreFocusOut: true,
    });
    if (slug === undefined) return undefined;
    suggestion = slug;
    const target = vscode.Uri.joinPath(dir, savedLawFileName(slug));
    const existing = await describeExisting(target);
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
    const saved = savedLawFromFit(fit, { name: slug, dataSource: label, date: new Date().toISOString() });
    const result = await writeAtomically(dir, target, slug, serializeSavedLaw(saved), overwrite);
    if (result === 'exists') {
      // Created by someone else between the check and the rename: ask again.
      void vscode.window.showWarningMessage(`${savedLawFileName(slug)} appeared while saving; choose again.`);
      continue;
    }
    return { uri: target, folder, id: savedLawToScalingLaw(saved).id };
  }
}

async function describeExisting(target: vscode.Uri): Promise<{ valid: boolean; detail: string } | undefined> {
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
  const parsed = parseSavedLaw(text);
  if (!parsed.ok)
    return {
      valid: false,
      detail: `Problems: ${parsed.errors.join(' ')}\nOverwriting replaces the file; its current content is lost (unless it is under version control).`,
    };
  const law = parsed.law;
  return {
    valid: true,
    detail: `It was fitted on ${law.dataSource} (${law.date.slice(0, 10)}, ${law.fit.points} points from ${law.fit.models} models). Overwrite it with the new fit?`,
  };
}

async function writeAtomically(
  dir: vscode.Uri,
  target: vscode.Uri,
  slug: string,
  content: string,
  overwrite: boolean,
): Promise<'ok' | 'exists'> {
  await vscode.workspace.fs.createDirectory(dir);
  const temp = vscode.Uri.joinPath(dir, savedLawTempFileName(slug, randomBytes(4).toString('hex')));
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
