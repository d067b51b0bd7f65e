/**
 * The downstream branch of "Fit Scaling Law from Runs…" (issue #14): when the runs file has benchmark
 * columns, the user picks the loss law or one benchmark. For a benchmark: percentages are detected
 * by the server and converted only after the user agrees; the server fits both steps and their
 * bootstrap under a cancellable progress notification; the report opens; the law is written
 * atomically to `.vscode/scaling-lens/<name>.downstream.json` (never silently over an existing file)
 * and can be selected at once. The server writes every text with a number in it.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  AccuracyColumnsRequest,
  DownstreamFitRequest,
  FitProgressNotification,
  FitValidateRequest,
} from '../protocolMethods';
import type { AccuracyColumnInfo, DownstreamFitParams, DownstreamFitResponse, FitSource } from '../protocol';
import { setDownstreamLaw } from './selectDownstream';

interface ChoiceItem extends vscode.QuickPickItem {
  column?: AccuracyColumnInfo;
}

/** JSON-RPC's RequestCancelled. */
const REQUEST_CANCELLED = -32800;

/**
 * Offer the downstream fit for a runs source. `loss`: continue with the loss-law fit; `done`: the
 * downstream flow ran (or the user cancelled) and the caller stops.
 */
export async function offerDownstreamFit(
  client: LanguageClient,
  output: vscode.LogOutputChannel,
  source: vscode.Uri,
  fitSource: FitSource,
  label: string,
): Promise<'loss' | 'done'> {
  const { columns, lossColumn, lossColumns, noLoss } = await client.sendRequest(AccuracyColumnsRequest, {
    source: fitSource,
  });
  if (columns.length === 0) return 'loss';
  const items: ChoiceItem[] = [
    { label: '$(graph-line) Scaling law (loss from N and D)', description: 'the loss column' },
    { label: 'Downstream accuracy', kind: vscode.QuickPickItemKind.Separator },
    ...columns.map((column) => ({
      label: `$(target) ${column.name}`,
      description: column.description,
      column,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Fit from ${label}`,
    placeHolder: 'Fit the loss law, or accuracy on one benchmark',
  });
  if (!picked) return 'done';
  if (!picked.column) return 'loss';
  // Step 1 fits the loss: the column ingestion finds, else one the user picks.
  let loss = lossColumn ?? undefined;
  if (!loss) {
    if (noLoss) {
      void vscode.window.showErrorMessage(noLoss);
      return 'done';
    }
    loss = await vscode.window.showQuickPick(lossColumns, {
      title: `Loss column for ${picked.column.name}`,
      placeHolder: 'No standard loss column: which column is the loss the accuracy follows?',
    });
    if (!loss) return 'done';
  }
  await fitBenchmark(client, output, source, fitSource, label, picked.column, loss);
  return 'done';
}

async function fitBenchmark(
  client: LanguageClient,
  output: vscode.LogOutputChannel,
  source: vscode.Uri,
  fitSource: FitSource,
  label: string,
  column: AccuracyColumnInfo,
  lossColumn: string,
): Promise<void> {
  if (column.problem) {
    void vscode.window.showErrorMessage(column.problem);
    return;
  }
  let accuracyScale: 'fraction' | 'percent' = 'fraction';
  if (column.percentQuestion) {
    const convert = 'Divide by 100 and fit';
    const { message, detail } = column.percentQuestion;
    const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, convert);
    if (choice !== convert) return;
    accuracyScale = 'percent';
  }
  const folder = vscode.workspace.getWorkspaceFolder(source) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('Scaling Lens: open a folder to save a downstream law in.');
    return;
  }
  const name = await vscode.window.showInputBox({
    title: 'Save the downstream law',
    prompt: 'Name of the law; saved as .vscode/scaling-lens/<name>.downstream.json.',
    value: column.suggestedName,
    validateInput: async (text) =>
      (await client.sendRequest(FitValidateRequest, { field: 'lawName', text })) ?? undefined,
    ignoreFocusOut: true,
  });
  if (name === undefined) return;
  const dir = vscode.Uri.joinPath(folder.uri, '.vscode', 'scaling-lens');
  const target = vscode.Uri.joinPath(dir, `${name}.downstream.json`);
  if (await exists(target)) {
    const choice = await vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(target, false)} already exists.`,
      { modal: true, detail: 'Overwriting replaces it.' },
      'Overwrite',
    );
    if (choice !== 'Overwrite') return;
  }
  const answer = await runFit(client, {
    source: fitSource,
    label,
    column: column.name,
    lossColumn,
    accuracyScale,
    name,
    progressId: randomBytes(8).toString('hex'),
    date: new Date().toISOString(),
  });
  if (answer === 'cancelled') {
    void vscode.window.showInformationMessage('Scaling Lens: downstream fit cancelled.');
    return;
  }
  const report = await vscode.workspace.openTextDocument({ language: 'markdown', content: answer.markdown });
  await vscode.window.showTextDocument(report, { preview: false });
  if (!answer.ok) {
    void vscode.window.showErrorMessage(`Scaling Lens: no downstream fit. ${answer.errors.join(' ')}`);
    return;
  }
  await vscode.workspace.fs.createDirectory(dir);
  const temp = vscode.Uri.joinPath(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  await vscode.workspace.fs.writeFile(temp, new TextEncoder().encode(answer.content));
  await vscode.workspace.fs.rename(temp, target, { overwrite: true });
  output.info(`[fit] saved ${target.fsPath}`);
  const use = await vscode.window.showInformationMessage(
    `Saved the downstream law as ${vscode.workspace.asRelativePath(target, false)}.`,
    'Show its accuracy in the lens',
  );
  if (use) await setDownstreamLaw(answer.id, folder.uri);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The fit under a cancellable progress notification fed by the server's progress notifications. */
async function runFit(
  client: LanguageClient,
  params: DownstreamFitParams,
): Promise<DownstreamFitResponse | 'cancelled'> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Fitting ${params.column} accuracy`,
      cancellable: true,
    },
    async (progress, token) => {
      let reported = 0;
      const listener = client.onNotification(FitProgressNotification, (p) => {
        if (p.session !== params.progressId) return;
        const percent = Math.max(0, Math.min(100, 100 * p.fraction));
        progress.report({ message: p.message, increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      });
      try {
        const answer = await client.sendRequest(DownstreamFitRequest, params, token);
        return token.isCancellationRequested ? 'cancelled' : answer;
      } catch (error) {
        if (token.isCancellationRequested || (error as { code?: unknown })?.code === REQUEST_CANCELLED)
          return 'cancelled';
        throw error;
      } finally {
        listener.dispose();
      }
    },
  );
}
