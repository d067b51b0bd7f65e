/** The live-tracking lens and diagnostic as the JSON-RPC tests read them (src/server/liveRuns.ts). */
import type { CodeLens, Diagnostic } from 'vscode-languageserver';
import type { LspTestClient } from './lspClient';

/** The title of the run-log lens (the one whose command links a run log), if any. */
export const liveLens = (lenses: CodeLens[] | null) =>
  lenses?.find((l) => l.command?.command === 'scalingLens.linkRunLog')?.command?.title;

/** The diagnostic that says the run left the predicted band. */
export const offBand = (d: Diagnostic[] | undefined) => d?.find((x) => x.code === 'run-off-band');

/** Poll the lenses until the live lens satisfies `ok` (the server refreshes them when the log changes). */
export async function lensUntil(
  client: LspTestClient,
  uri: string,
  ok: (title: string) => boolean,
  what: string,
  seen?: string[],
): Promise<string> {
  const t0 = Date.now();
  let last: string | undefined;
  while (Date.now() - t0 < 20_000) {
    last = liveLens(await client.codeLens(uri));
    if (last !== undefined) seen?.push(last);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last lens: ${last}`);
}
