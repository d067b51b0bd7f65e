/**
 * The "set the training tokens" quick fix's client half (HF config.json has no training length):
 * ask for the number, and let the server store it per file in the workspace folder's
 * `.vscode/scaling-lens/tokens.json` (never in the config). Clear Stored Training Tokens removes
 * the entry, which makes D unknown again.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, ParseTrainingTokensRequest, TrainingTokensRequest } from '../protocolMethods';
import type { SetTrainingTokensArgs } from '../protocol';

export function registerTrainingTokensCommand(client: LanguageClient): vscode.Disposable {
  const send = async (uri: string, tokens: number | null) => {
    const answer = await client.sendRequest(TrainingTokensRequest, { uri, tokens });
    if (answer.ok) void vscode.window.showInformationMessage(`Scaling Lens: ${answer.message}`);
    else void vscode.window.showWarningMessage(`Scaling Lens: ${answer.message}`);
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand(Commands.setTrainingTokens, async (args?: SetTrainingTokensArgs) => {
      const uri = args?.uri ?? vscode.window.activeTextEditor?.document.uri.toString();
      if (!uri) return;
      const value = await vscode.window.showInputBox({
        title: 'Training tokens for this config (stored in .vscode/scaling-lens/tokens.json)',
        prompt: 'D for this file: 2e12, 2T, 300B or 1,000,000. The config itself is not changed.',
        value: args?.suggested ? String(Math.round(args.suggested)) : '',
        // The server parses (the client bundles no analysis code): 2e12, 2T, 300B, 1,000,000.
        validateInput: async (text) => {
          const parsed = await client.sendRequest(ParseTrainingTokensRequest, { text });
          return parsed.ok ? null : parsed.message;
        },
      });
      if (value === undefined) return;
      const parsed = await client.sendRequest(ParseTrainingTokensRequest, { text: value });
      if (parsed.ok) await send(uri, parsed.tokens);
    }),
    vscode.commands.registerCommand(Commands.clearTrainingTokens, async (arg?: string | vscode.Uri) => {
      const uri = arg?.toString() ?? vscode.window.activeTextEditor?.document.uri.toString();
      if (uri) await send(uri, null);
    }),
  );
}
