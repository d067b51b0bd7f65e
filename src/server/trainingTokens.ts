/**
 * Training tokens stored per file for configs whose format has no training length (Hugging Face
 * `config.json`: the reader reports `no-training-length`). The value never goes into the config
 * itself (HF has no such key); it lives in the workspace folder's `.vscode/scaling-lens/tokens.json`,
 * keyed by the workspace-relative path:
 *
 *   { "version": 1, "tokens": { "models/smollm/config.json": 600000000000 } }
 *
 * The quick fix on the diagnostic asks for the number (client: src/client/trainingTokensCommand.ts)
 * and sends `scalingLens/trainingTokens`; removing the entry (the "Remove stored training tokens"
 * quick fix or the Clear Stored Training Tokens command) makes D unknown again. A stored value
 * only fills a D the reader left open because the format has none: it never overrides a length the
 * file states.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodeActionKind, type CodeAction, type Connection, type Diagnostic } from 'vscode-languageserver';
import type { Analysis } from '../core/analyze';
import { formatCount, formatExact } from '../core/format';
import type { RunSpec } from '../core/types';
import {
  Commands,
  TrainingTokensRequest,
  type SetTrainingTokensArgs,
  type TrainingTokensResponse,
} from '../protocol';
import type { DocumentResult } from './model';
import { ParseTrainingTokensRequest } from '../protocolMethods';
import { MAX_TRAINING_TOKENS, parseTrainingTokens } from './trainingTokensParse';

/** Where the store lives, relative to a workspace folder. */
export const TOKENS_FILE = '.vscode/scaling-lens/tokens.json';
/** The reader's code for "this format has no training length" (hf-config reader). */
export const NO_TRAINING_LENGTH = 'no-training-length';
/** Our diagnostic while a stored value supplies D (carries the undo quick fix). */
export const STORED_TOKENS_CODE = 'stored-training-tokens';

/** A stored value and where it is. */
export interface StoredTokens {
  tokens: number;
  /** Absolute path of the tokens.json. */
  store: string;
  /** The workspace-relative key (forward slashes). */
  key: string;
}

const cache = new Map<string, { stamp: string; entries: Record<string, number> }>();

/** The entries of one tokens.json (empty when absent or malformed; never throws). */
function readStore(store: string): Record<string, number> {
  try {
    const stat = statSync(store);
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const hit = cache.get(store);
    if (hit?.stamp === stamp) return hit.entries;
    const parsed = JSON.parse(readFileSync(store, 'utf8')) as { tokens?: unknown };
    const entries: Record<string, number> = {};
    if (parsed && typeof parsed.tokens === 'object' && parsed.tokens)
      for (const [key, value] of Object.entries(parsed.tokens as Record<string, unknown>))
        if (typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= MAX_TRAINING_TOKENS)
          entries[key] = Math.round(value);
    cache.set(store, { stamp, entries });
    return entries;
  } catch {
    return {};
  }
}

const keyOf = (folder: string, path: string) => relative(folder, path).split(sep).join('/');

/** The stored training tokens of a file: the nearest ancestor folder's tokens.json with an entry. */
export function lookupStoredTokens(path: string | undefined): StoredTokens | undefined {
  if (!path || !isAbsolute(path)) return undefined;
  let folder = dirname(path);
  for (let depth = 0; depth < 64; depth++) {
    const store = join(folder, TOKENS_FILE);
    if (existsSync(store)) {
      const key = keyOf(folder, path);
      const tokens = readStore(store)[key];
      if (tokens !== undefined) return { tokens, store, key };
    }
    const up = dirname(folder);
    if (up === folder) break;
    folder = up;
  }
  return undefined;
}

/** Write (tokens) or remove (null) a file's entry in `<folder>/.vscode/scaling-lens/tokens.json`. */
export function writeStoredTokens(
  folder: string,
  path: string,
  tokens: number | null,
): StoredTokens | { store: string; key: string } {
  const store = join(folder, TOKENS_FILE);
  const key = keyOf(folder, path);
  let doc: { version: number; tokens: Record<string, unknown> } = { version: 1, tokens: {} };
  try {
    const parsed = JSON.parse(readFileSync(store, 'utf8'));
    if (parsed && typeof parsed === 'object' && typeof parsed.tokens === 'object' && parsed.tokens)
      doc = { version: 1, ...parsed };
  } catch {
    // Absent or unreadable: start a fresh store (an unreadable one is replaced, as the editor wrote it).
  }
  if (tokens === null) delete doc.tokens[key];
  else doc.tokens[key] = tokens;
  mkdirSync(dirname(store), { recursive: true });
  writeFileSync(store, `${JSON.stringify(doc, null, 2)}\n`);
  cache.delete(store);
  return tokens === null ? { store, key } : { tokens, store, key };
}

/** Specs whose D came from the store (so code actions can offer the undo). */
const storedSpecs = new WeakMap<RunSpec, StoredTokens>();

/** The stored value behind an analysis's D, if it came from the store. */
export function storedTokensOf(a: Analysis | null | undefined): StoredTokens | undefined {
  return a ? storedSpecs.get(a.spec) : undefined;
}

/**
 * The spec with the file's stored training tokens (for `analyzeText`'s `adjustSpec`): when the
 * reader says the format has no training length and the store has an entry, D is that entry (said
 * in the formula, the assumptions and an info diagnostic that replaces the reader's); everything
 * downstream (FLOPs, cost, loss) follows. The store is looked up only for such files.
 */
export function withStoredTokens(path: string | undefined): (spec: RunSpec) => RunSpec {
  return (spec) => {
    const noLength = spec.diagnostics.find((d) => d.code === NO_TRAINING_LENGTH);
    if (!noLength || spec.training.tokens !== undefined) return spec;
    const stored = lookupStoredTokens(path);
    if (!stored) return spec;
    const where = `${TOKENS_FILE} ("${stored.key}")`;
    const { missing: _filled, ...training } = spec.training;
    const adjusted: RunSpec = {
      ...spec,
      training: {
        ...training,
        tokens: stored.tokens,
        formula: `${formatExact(stored.tokens)} tokens stored in ${where}`,
      },
      assumptions: [
        ...spec.assumptions,
        `Training tokens: ${formatExact(stored.tokens)} from ${where}, set in the editor (the config has no training length).`,
      ],
      diagnostics: [
        ...spec.diagnostics.filter((d) => d !== noLength),
        {
          severity: 'info',
          code: STORED_TOKENS_CODE,
          message: `D = ${formatCount(stored.tokens)} tokens from ${where}; remove the entry to make D unknown again.`,
          ...(noLength.range ? { range: noLength.range } : {}),
        },
      ],
    };
    storedSpecs.set(adjusted, stored);
    return adjusted;
  };
}

/** Quick fixes: set the training tokens (on `no-training-length`), remove them (on the stored-tokens diagnostic). */
export function trainingTokensActions(
  result: DocumentResult,
  diagnostics: readonly Diagnostic[],
): CodeAction[] {
  const out: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.code === NO_TRAINING_LENGTH && result.analysis?.tokens === null) {
      const args: SetTrainingTokensArgs = { uri: result.uri, suggested: result.analysis.optimalTokens };
      out.push({
        title: 'Set the training tokens for this file…',
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        command: {
          title: 'Set the training tokens for this file…',
          command: Commands.setTrainingTokens,
          arguments: [args],
        },
      });
    }
    if (diagnostic.code === STORED_TOKENS_CODE && storedTokensOf(result.analysis)) {
      out.push({
        title: 'Remove the stored training tokens (D unknown again)',
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        command: {
          title: 'Remove the stored training tokens',
          command: Commands.clearTrainingTokens,
          arguments: [result.uri],
        },
      });
    }
  }
  return out;
}

/** What the request handler needs from the server. */
export interface TrainingTokensDeps {
  /** Re-analyze open documents after the store changed. */
  invalidate(): void;
}

/** Handle `scalingLens/trainingTokens`: store or remove one file's entry, then re-analyze. */
export function registerTrainingTokens(connection: Connection, deps: TrainingTokensDeps): void {
  // The input box validates as the user types: the parsing lives here, not in the client.
  connection.onRequest(ParseTrainingTokensRequest, (params) =>
    parseTrainingTokens(String(params?.text ?? '')),
  );
  connection.onRequest(TrainingTokensRequest, async (params): Promise<TrainingTokensResponse> => {
    let path: string;
    try {
      path = fileURLToPath(params.uri);
    } catch {
      return { ok: false, message: 'Only files on disk can store training tokens.' };
    }
    if (
      params.tokens !== null &&
      !(Number.isFinite(params.tokens) && params.tokens >= 1 && params.tokens <= MAX_TRAINING_TOKENS)
    )
      return {
        ok: false,
        message: `Training tokens must be between 1 and ${MAX_TRAINING_TOKENS.toExponential(0)}.`,
      };
    const folder = await folderOf(connection, path);
    try {
      const existing = lookupStoredTokens(path);
      // Remove from the store that holds the entry (a nested folder's), write to the workspace folder's.
      const written = writeStoredTokens(
        params.tokens === null && existing ? dirname(dirname(dirname(existing.store))) : folder,
        path,
        params.tokens,
      );
      deps.invalidate();
      return {
        ok: true,
        file: written.store,
        message:
          params.tokens === null
            ? `Removed the training tokens of ${written.key} from ${TOKENS_FILE}; D is unknown again.`
            : `D = ${formatCount(params.tokens)} tokens for ${written.key}, stored in ${TOKENS_FILE}.`,
      };
    } catch (error) {
      return { ok: false, message: `Could not write ${TOKENS_FILE}: ${(error as Error).message}` };
    }
  });
}

/** The workspace folder containing a path (the longest match), else the file's directory. */
async function folderOf(connection: Connection, path: string): Promise<string> {
  let folders: string[] = [];
  try {
    const answer = await Promise.race([
      connection.workspace.getWorkspaceFolders(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000)),
    ]);
    folders = (answer ?? []).flatMap((f) => {
      try {
        return [fileURLToPath(f.uri)];
      } catch {
        return [];
      }
    });
  } catch {
    folders = [];
  }
  const containing = folders
    .filter((f) => path.startsWith(f.endsWith(sep) ? f : f + sep))
    .sort((a, b) => b.length - a.length)[0];
  return containing ?? dirname(path);
}
