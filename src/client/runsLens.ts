/**
 * "Fit scaling law from these runs…" lens on data files that look like runs (CSV/TSV/JSONL tables
 * and HF trainer_state.json). The check is cheap and made by the language server (it owns the run
 * readers): only the first lines are sent and read as runs.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, RunsSniffRequest } from '../protocolMethods';

/** Files the lens is offered on; content decides whether they hold runs. */
export const RUNS_FILE_SELECTOR: vscode.DocumentSelector = [
  { pattern: '**/*.{csv,tsv,jsonl,ndjson}' },
  { pattern: '**/trainer_state.json' },
];

/** Lines of a data file sent for the check (src/node/fitSession.ts RUNS_SNIFF_LINES reads as many). */
const SNIFF_LINES = 200;
/** Characters sent at most for the check (the first lines of a huge log are enough). */
const SNIFF_CHARS = 1 << 20;

/** The text the server's runs check looks at: the first lines, bounded. */
export function sniffText(document: vscode.TextDocument): string {
  if (document.lineCount === 0) return '';
  const lastLine = Math.min(document.lineCount, SNIFF_LINES) - 1;
  const head = document.getText(new vscode.Range(0, 0, lastLine, document.lineAt(lastLine).text.length));
  return head.slice(0, SNIFF_CHARS);
}

/** Ask the server whether a document holds runs (false when it cannot answer). */
export async function looksLikeRuns(client: LanguageClient, document: vscode.TextDocument): Promise<boolean> {
  try {
    return (
      (await client.sendRequest(RunsSniffRequest, {
        text: sniffText(document),
        fileName: document.uri.path,
      })) === true
    );
  } catch {
    return false;
  }
}

class RunsLensProvider implements vscode.CodeLensProvider {
  /** Verdict per document version, so scrolling or refocusing does not re-ask. */
  private readonly cache = new Map<string, { version: number; runs: Promise<boolean> }>();

  constructor(private readonly client: LanguageClient) {}

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const key = document.uri.toString();
    let entry = this.cache.get(key);
    if (!entry || entry.version !== document.version) {
      entry = { version: document.version, runs: looksLikeRuns(this.client, document) };
      this.cache.set(key, entry);
    }
    if (!(await entry.runs)) return [];
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: 'Fit scaling law from these runs…',
        tooltip: 'Scaling Lens: fit L(N, D) = E + A/N^α + B/D^β to these runs and save it as a workspace law',
        command: Commands.fitFromRuns,
        arguments: [document.uri],
      }),
    ];
  }

  forget(document: vscode.TextDocument): void {
    this.cache.delete(document.uri.toString());
  }
}

/** Register the runs lens. */
export function registerRunsLens(client: LanguageClient): vscode.Disposable {
  const provider = new RunsLensProvider(client);
  return vscode.Disposable.from(
    vscode.languages.registerCodeLensProvider(RUNS_FILE_SELECTOR, provider),
    vscode.workspace.onDidCloseTextDocument((document) => provider.forget(document)),
  );
}
