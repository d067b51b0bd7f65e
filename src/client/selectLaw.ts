/**
 * "Select Scaling Law…": a QuickPick of the published laws and the workspace's saved laws
 * (`.vscode/scaling-lens/*.law.json`, listed by the server), written to `scalingLens.law`.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PUBLISHED_LAWS } from '../core/laws/published';
import { Commands, SavedLawsRequest, type SavedLawInfo } from '../protocol';

interface LawItem extends vscode.QuickPickItem {
  lawId?: string;
  command?: string;
}

/** Show the law picker and store the choice for the active document's scope. */
export async function selectLaw(client: LanguageClient): Promise<void> {
  const scope = vscode.window.activeTextEditor?.document.uri;
  const config = vscode.workspace.getConfiguration('scalingLens', scope);
  const current = config.get<string>('law') ?? '';
  let saved: SavedLawInfo[] = [];
  try {
    saved = await client.sendRequest(SavedLawsRequest);
  } catch {
    // Server down: published laws are still selectable.
  }
  const mark = (id: string) => (id.toLowerCase() === current.toLowerCase() ? '$(check) ' : '');
  const items: LawItem[] = [
    { label: 'Published', kind: vscode.QuickPickItemKind.Separator },
    ...PUBLISHED_LAWS.map((law) => ({
      label: `${mark(law.id)}${law.id}`,
      description: law.label,
      detail: law.citation.split(';')[0],
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
