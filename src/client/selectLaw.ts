/**
 * "Select Scaling Law…": a QuickPick of the published laws and the workspace's saved laws
 * (`.vscode/scaling-lens/*.law.json`), both listed by the server (scalingLens/laws), written to
 * `scalingLens.law`.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, LawsRequest } from '../protocolMethods';
import type { PublishedLawInfo, SavedLawInfo } from '../protocol';

interface LawItem extends vscode.QuickPickItem {
  lawId?: string;
  command?: string;
}

/** Show the law picker and store the choice for the active document's scope. */
export async function selectLaw(client: LanguageClient): Promise<void> {
  const scope = vscode.window.activeTextEditor?.document.uri;
  const config = vscode.workspace.getConfiguration('scalingLens', scope);
  const current = config.get<string>('law') ?? '';
  let published: PublishedLawInfo[] = [];
  let saved: SavedLawInfo[] = [];
  try {
    ({ published, saved } = await client.sendRequest(LawsRequest));
  } catch (error) {
    // The law list lives in the server (the client bundles no law).
    void vscode.window.showErrorMessage(
      `Scaling Lens: the language server did not list the laws (${(error as Error)?.message ?? error}).`,
    );
    return;
  }
  const mark = (id: string) => (id.toLowerCase() === current.toLowerCase() ? '$(check) ' : '');
  const items: LawItem[] = [
    { label: 'Published', kind: vscode.QuickPickItemKind.Separator },
    ...published.map((law) => ({
      label: `${mark(law.id)}${law.id}`,
      description: law.label,
      detail: law.detail,
      lawId: law.id,
    })),
    { label: 'Saved in this workspace', kind: vscode.QuickPickItemKind.Separator },
    ...saved.map((law) => ({
      label: `${mark(law.id)}${law.id}`,
      description: law.label,
      detail: law.fittedFrom ? `fitted from ${law.fittedFrom}` : vscode.Uri.parse(law.uri).fsPath,
      lawId: law.id,
    })),
  ];
  if ((await vscode.commands.getCommands(true)).includes(Commands.fitFromRuns)) {
    items.push({
      label: '$(add) Fit a scaling law from runs…',
      command: Commands.fitFromRuns,
      alwaysShow: true,
    });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Scaling Lens: Select Scaling Law',
    placeHolder: `Law used for predicted loss (current: ${current || 'default'})`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.command) {
    await vscode.commands.executeCommand(picked.command);
    return;
  }
  if (!picked.lawId) return;
  // Workspace scope when a folder is open so the choice travels with the project; user scope otherwise.
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await config.update('law', picked.lawId, target);
}
