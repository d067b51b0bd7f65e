/**
 * `Scaling Lens: Link Run Log…`: pick the training log the open config's run writes, for live
 * tracking. The server finds the candidates (logs next to the config or in its run folders), checks
 * the pick, stores the link in `.vscode/scaling-lens/run-logs.json` and follows the file
 * (src/server/liveRuns.ts); the client only shows the choices and the server's message.
 */
import { basename, dirname, relative } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, LinkRunLogRequest } from '../protocolMethods';

const BROWSE = '$(folder-opened) Browse…';
const UNLINK = '$(debug-disconnect) Unlink (and stop auto-detecting)';

/** Register the command; returns its disposable. */
export function registerLinkRunLogCommand(client: LanguageClient): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.linkRunLog, async (target?: string | vscode.Uri) => {
    try {
      await linkRunLog(client, target);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Scaling Lens: linking the run log failed: ${(error as Error)?.message ?? error}`,
      );
    }
  });
}

async function linkRunLog(client: LanguageClient, target: string | vscode.Uri | undefined): Promise<void> {
  const uri =
    typeof target === 'string'
      ? vscode.Uri.parse(target)
      : (target ?? vscode.window.activeTextEditor?.document.uri);
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showInformationMessage('Scaling Lens: open a run config on disk to link its run log.');
    return;
  }
  const current = await client.sendRequest(LinkRunLogRequest, { uri: uri.toString() });
  const folder = dirname(uri.fsPath);
  const items: (vscode.QuickPickItem & { path?: string | null })[] = current.candidates.map((path) => ({
    label: basename(path),
    description: relative(folder, path),
    detail: path === current.linked ? `followed now (${current.source})` : undefined,
    path,
  }));
  items.push({ label: BROWSE });
  if (current.linked) items.push({ label: UNLINK, path: null });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Run log of ${basename(uri.fsPath)}`,
    placeHolder: current.linked ? `Following ${relative(folder, current.linked)}` : 'No run log linked',
  });
  if (!picked) return;
  let logPath: string | null | undefined = picked.path;
  if (picked.label === BROWSE) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.Uri.file(folder),
      openLabel: 'Link Run Log',
      filters: {
        'Training logs': ['log', 'txt', 'out', 'jsonl', 'ndjson', 'csv', 'tsv', 'json'],
        All: ['*'],
      },
    });
    if (!chosen?.length) return;
    logPath = chosen[0].fsPath;
  }
  if (logPath === undefined) return;
  const response = await client.sendRequest(LinkRunLogRequest, { uri: uri.toString(), logPath });
  if (response.ok) void vscode.window.showInformationMessage(`Scaling Lens: ${response.message}`);
  else void vscode.window.showErrorMessage(`Scaling Lens: ${response.message}`);
}
