/**
 * The missing-GPU quick fix's client half: ask for the count, then write it where the server said —
 * a `# scaling-lens: gpus=N` line in the file (one undoable edit) or `scalingLens.missing.gpus` for
 * the file's workspace folder (never the user-global settings).
 */
import * as vscode from 'vscode';
import { Commands } from '../protocolMethods';
import type { SetGpuCountArgs } from '../protocol';

export function registerGpuCountCommand(): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.setGpuCount, async (args?: SetGpuCountArgs) => {
    if (!args) return;
    const uri = vscode.Uri.parse(args.uri);
    const value = await vscode.window.showInputBox({
      title:
        args.target === 'file'
          ? 'GPU count for this config (written as a comment)'
          : 'GPU count for this workspace folder',
      prompt: 'Devices the run trains on: completes D where it depends on the data-parallel size.',
      value: args.suggested !== null ? String(args.suggested) : '',
      validateInput: (text) =>
        /^\s*[1-9]\d{0,6}\s*$/.test(text) ? null : 'A positive whole number, e.g. 64.',
    });
    if (value === undefined) return;
    const count = Number(value.trim());
    if (args.target === 'workspaceFolder') {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      const target = folder
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : vscode.ConfigurationTarget.Workspace;
      if (!folder && !vscode.workspace.workspaceFolders?.length) {
        void vscode.window.showWarningMessage(
          'Scaling Lens: this file is not in a workspace folder; write the count into the file instead.',
        );
        return;
      }
      await vscode.workspace.getConfiguration('scalingLens', uri).update('missing.gpus', count, target);
      return;
    }
    const document = await vscode.workspace.openTextDocument(uri);
    if (document.version !== args.version) {
      void vscode.window.showWarningMessage('Scaling Lens: the file changed; run the quick fix again.');
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    const position = new vscode.Position(args.position.line, args.position.character);
    const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    edit.insert(uri, position, `${args.prefix}${count}${eol}`);
    await vscode.workspace.applyEdit(edit);
  });
}
