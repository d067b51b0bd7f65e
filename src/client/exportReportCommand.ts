/**
 * Scaling Lens: Export Report — the open config's analysis as Markdown and JSON, built by the
 * server (`scalingLens/report`), written next to the config (`<name>.scaling-report.md/.json`) or
 * into a folder the user picks. Charts are not embedded (the report says how to export them from
 * the curves panel).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, ReportRequest } from '../protocolMethods';

export function registerExportReportCommand(client: LanguageClient): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.exportReport, async (arg?: { folder?: string }) => {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) {
      void vscode.window.showWarningMessage('Scaling Lens: open a run config to export its report.');
      return;
    }
    const answer = await client.sendRequest(ReportRequest, { uri: document.uri.toString() });
    if (!answer.ok) {
      void vscode.window.showWarningMessage(`Scaling Lens: ${answer.message}`);
      return;
    }
    const beside = vscode.Uri.joinPath(document.uri, '..');
    let folder: vscode.Uri | undefined = arg?.folder ? vscode.Uri.file(arg.folder) : undefined;
    if (!folder) {
      const choice = await vscode.window.showQuickPick(
        [
          { label: 'Next to the config', target: 'beside' as const },
          { label: 'Choose a folder…', target: 'pick' as const },
        ],
        { title: 'Export the Scaling Lens report (Markdown and JSON)' },
      );
      if (!choice) return;
      if (choice.target === 'beside') folder = beside;
      else {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: false,
          canSelectFolders: true,
          defaultUri: beside,
          openLabel: 'Export here',
        });
        folder = picked?.[0];
      }
    }
    if (!folder) return;
    const md = vscode.Uri.joinPath(folder, `${answer.name}.scaling-report.md`);
    const json = vscode.Uri.joinPath(folder, `${answer.name}.scaling-report.json`);
    const encoder = new TextEncoder();
    await vscode.workspace.fs.writeFile(md, encoder.encode(answer.markdown));
    await vscode.workspace.fs.writeFile(json, encoder.encode(answer.json));
    void vscode.window.showInformationMessage(`Scaling Lens: wrote ${md.fsPath} and ${json.fsPath}.`);
  });
}
