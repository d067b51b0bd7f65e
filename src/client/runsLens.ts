/**
 * "Fit scaling law from these runs…" lens on data files that look like runs (CSV/TSV/JSONL tables
 * and HF trainer_state.json). The check is cheap: only the first lines are read as runs.
 */
import * as vscode from 'vscode';
import { firstLines, looksLikeRunsText, RUNS_SNIFF_LINES } from '../node/fitSession';
import { Commands } from '../protocol';

/** Files the lens is offered on; content decides whether they hold runs. */
export const RUNS_FILE_SELECTOR: vscode.DocumentSelector = [
  { pattern: '**/*.{csv,tsv,jsonl,ndjson}' },
  { pattern: '**/trainer_state.json' },
];

/** Characters read at most for the check (the first lines of a huge log are enough). */
const SNIFF_CHARS = 1 << 20;

class RunsLensProvider implements vscode.CodeLensProvider {
  /** Verdict per document version, so scrolling or refocusing does not re-read the file. */
  private readonly cache = new Map<string, { version: number; runs: boolean }>();

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const key = document.uri.toString();
    let entry = this.cache.get(key);
    if (!entry || entry.version !== document.version) {
      const lastLine = Math.min(document.lineCount, RUNS_SNIFF_LINES) - 1;
      const head = document.getText(new vscode.Range(0, 0, lastLine, document.lineAt(lastLine).text.length));
      entry = {
        version: document.version,
        runs: looksLikeRunsText(firstLines(head.slice(0, SNIFF_CHARS), RUNS_SNIFF_LINES), document.uri.path),
      };
      this.cache.set(key, entry);
    }
    if (!entry.runs) return [];
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
export function registerRunsLens(): vscode.Disposable {
  const provider = new RunsLensProvider();
  return vscode.Disposable.from(
    vscode.languages.registerCodeLensProvider(RUNS_FILE_SELECTOR, provider),
    vscode.workspace.onDidCloseTextDocument((document) => provider.forget(document)),
  );
}
