/**
 * `Scaling Lens: Compare with…`: the open config against another config or against the same file at
 * git HEAD. The client only fetches the other side's text (git extension API, else `git show`);
 * the server analyzes both (src/server/compare.ts) and returns the table, shown as Markdown.
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, CompareRequest } from '../protocolMethods';
import type { CompareParams } from '../protocol';
import { compareOverlayLabel, setCompareOverlay } from './curvesPanel';

const HEAD = '$(git-commit) The same file at git HEAD';
const PICK_FILE = '$(file) Another config file…';
const CLEAR = '$(close) Clear the comparison in the curves panel';

/** Register the command; returns its disposable. */
export function registerCompareCommand(client: LanguageClient): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.compareWith, async (target?: vscode.Uri) => {
    try {
      await compareWith(client, target);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Scaling Lens: comparison failed: ${(error as Error)?.message ?? error}`,
      );
    }
  });
}

async function compareWith(client: LanguageClient, target: vscode.Uri | undefined): Promise<void> {
  const document = target
    ? await vscode.workspace.openTextDocument(target)
    : vscode.window.activeTextEditor?.document;
  if (!document) {
    void vscode.window.showInformationMessage('Scaling Lens: open a run config to compare it.');
    return;
  }
  const others = vscode.workspace.textDocuments.filter(
    (d) => d.uri.toString() !== document.uri.toString() && d.uri.scheme === 'file' && !d.isClosed,
  );
  const overlay = compareOverlayLabel(document.uri.toString());
  const items: vscode.QuickPickItem[] = [
    ...(overlay ? [{ label: CLEAR, description: overlay }] : []),
    ...(document.uri.scheme === 'file' ? [{ label: HEAD }] : []),
    { label: PICK_FILE },
    ...others.map((d) => ({ label: vscode.workspace.asRelativePath(d.uri), description: 'open editor' })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Scaling Lens: Compare with…' });
  if (!picked) return;
  if (picked.label === CLEAR) {
    setCompareOverlay(document.uri.toString(), null);
    return;
  }

  let params: CompareParams;
  const uri = document.uri.toString();
  if (picked.label === HEAD) {
    const head = await headText(document.uri);
    if (typeof head !== 'string') {
      void vscode.window.showErrorMessage(`Scaling Lens: ${head.error}`);
      return;
    }
    params = {
      uri,
      other: { kind: 'text', text: head, label: `${basename(document.uri.fsPath)} @ HEAD`, uri },
      documentSide: 'b',
    };
  } else {
    let other: vscode.Uri | undefined;
    if (picked.label === PICK_FILE) {
      const chosen = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Compare',
        defaultUri: vscode.Uri.file(dirname(document.uri.fsPath)),
      });
      other = chosen?.[0];
    } else {
      other = others.find((d) => vscode.workspace.asRelativePath(d.uri) === picked.label)?.uri;
    }
    if (!other) return;
    params = {
      uri,
      other: { kind: 'file', uri: other.toString(), label: vscode.workspace.asRelativePath(other) },
      documentSide: 'a',
    };
  }
  const response = await client.sendRequest(CompareRequest, params);
  if (!response.ok) {
    void vscode.window.showErrorMessage(`Scaling Lens: ${response.message}`);
    return;
  }
  // The curves panel overlays the other side on its loss and isoFLOP charts until cleared.
  setCompareOverlay(uri, params.other);
  const report = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: response.markdown,
  });
  await vscode.window.showTextDocument(report, { viewColumn: vscode.ViewColumn.Beside, preview: false });
}

/** The subset of the built-in git extension's API (vscode.git, API version 1) used here. */
interface GitApi {
  getRepository(uri: vscode.Uri): { show(ref: string, path: string): Promise<string> } | null;
}

/** The file's committed text: the git extension when it is active, else `git show HEAD:./name`. */
async function headText(uri: vscode.Uri): Promise<string | { error: string }> {
  try {
    const extension = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>('vscode.git');
    const api = extension?.isActive ? extension.exports.getAPI(1) : undefined;
    const repository = api?.getRepository(uri);
    if (repository) return await repository.show('HEAD', uri.fsPath);
  } catch {
    // Not committed, or the extension refused: fall back to the git command line.
  }
  return new Promise((resolve) => {
    execFile(
      'git',
      ['show', `HEAD:./${basename(uri.fsPath)}`],
      { cwd: dirname(uri.fsPath), maxBuffer: 64 * 1024 * 1024, timeout: 10_000 },
      (error, stdout, stderr) => {
        if (error)
          resolve({
            error: `no version of this file at git HEAD (${String(stderr).trim().split('\n')[0] || error.message})`,
          });
        else resolve(stdout);
      },
    );
  });
}
