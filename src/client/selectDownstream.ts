/**
 * "Scaling Lens: Select Downstream Benchmark…": a QuickPick of the workspace's saved downstream laws
 * (`.vscode/scaling-lens/*.downstream.json`, listed by the server) and "none", written to
 * `scalingLens.downstream.law` in the workspace. The accuracy lens, the hover's accuracy column and
 * the curves panel's accuracy chart follow the choice.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DownstreamLawsRequest } from '../protocolMethods';
import type { DownstreamLawInfo } from '../protocol';

interface BenchmarkItem extends vscode.QuickPickItem {
  /** '' for "none". */
  lawId?: string;
}

/** Store the chosen downstream law id ('' = none) in the workspace (user scope without a folder). */
export async function setDownstreamLaw(id: string, scope?: vscode.Uri): Promise<void> {
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('scalingLens', scope).update('downstream.law', id, target);
}

export async function selectDownstream(client: LanguageClient): Promise<void> {
  const scope = vscode.window.activeTextEditor?.document.uri;
  const current = vscode.workspace.getConfiguration('scalingLens', scope).get<string>('downstream.law') ?? '';
  let laws: DownstreamLawInfo[];
  try {
    laws = await client.sendRequest(DownstreamLawsRequest);
  } catch (error) {
    void vscode.window.showErrorMessage(
      `Scaling Lens: the language server did not list the downstream laws (${(error as Error)?.message ?? error}).`,
    );
    return;
  }
  const mark = (id: string) => (id.toLowerCase() === current.toLowerCase() ? '$(check) ' : '');
  const items: BenchmarkItem[] = [
    { label: `${mark('')}none`, description: 'no predicted accuracy', lawId: '' },
    ...laws.map((law) => ({
      label: `${mark(law.id)}${law.target}`,
      description: `${law.id} · ${law.accuracyLaw}`,
      detail: law.detail,
      lawId: law.id,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Scaling Lens: Select Downstream Benchmark',
    placeHolder: laws.length
      ? `Benchmark whose predicted accuracy the lens shows (current: ${current || 'none'})`
      : 'No saved downstream laws yet (Fit Scaling Law from Runs… fits one)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.lawId === undefined) return;
  await setDownstreamLaw(picked.lawId, scope);
}
