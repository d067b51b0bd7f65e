/**
 * `scalingLens/compare`: the server analyzes both sides (the open document and another file or the
 * same file's git HEAD text) under the open document's settings and law, so the two columns differ
 * only by what the configs say. The client shows the Markdown and never computes a number.
 */
import type { Connection } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocuments } from 'vscode-languageserver';
import { analyzeText, type Analysis } from '../core/analyze';
import { compareAnalyses, comparisonMarkdown } from '../core/compare';
import type { ScalingLaw } from '../core/laws/published';
import type { AnalysisSettings } from '../core/settings';
import { MAX_ANALYZED_CHARS } from '../core/config/text';
import { CompareRequest, type CompareParams, type CompareResponse } from '../protocol';

export interface CompareDependencies {
  documents: TextDocuments<TextDocument>;
  /** The analysis settings and law that apply to a document (its folder's settings, saved laws). */
  scope: (uri: string) => Promise<{ analysisSettings: AnalysisSettings; law: ScalingLaw }>;
  /** File-system path of a URI, if it has one. */
  pathOf: (uri: string) => string | undefined;
  /** Read a file: an open document's text first, then the disk (the server's include reader). */
  readFile: (path: string) => string | undefined;
}

/** Register the compare request on a connection. */
export function registerCompare(connection: Connection, deps: CompareDependencies): void {
  connection.onRequest(CompareRequest, (params) => compare(params, deps));
}

/** Compare the two sides of `params`; every failure is a message, never a throw. */
export async function compare(params: CompareParams, deps: CompareDependencies): Promise<CompareResponse> {
  try {
    const document = deps.documents.get(params.uri);
    if (!document) return { ok: false, message: 'The config is not open.' };
    const { analysisSettings, law } = await deps.scope(params.uri);
    const ownPath = deps.pathOf(params.uri);
    const own = analyze(document.getText(), ownPath, analysisSettings, deps);
    const ownLabel = `${labelOf(params.uri)}${params.documentSide === 'b' ? ' (working copy)' : ''}`;
    if (typeof own === 'string') return { ok: false, message: `${ownLabel}: ${own}` };

    let otherText: string | undefined;
    let otherPath: string | undefined;
    if (params.other.kind === 'file') {
      otherPath = deps.pathOf(params.other.uri);
      otherText =
        deps.documents.get(params.other.uri)?.getText() ?? (otherPath ? deps.readFile(otherPath) : undefined);
      if (otherText === undefined)
        return { ok: false, message: `${params.other.label}: cannot read the file.` };
    } else {
      otherText = params.other.text;
      otherPath = params.other.uri ? deps.pathOf(params.other.uri) : ownPath;
    }
    if (otherText.length > MAX_ANALYZED_CHARS)
      return { ok: false, message: `${params.other.label}: file too large to analyze.` };
    const other = analyze(otherText, otherPath, analysisSettings, deps);
    if (typeof other === 'string') return { ok: false, message: `${params.other.label}: ${other}` };

    const mine = { label: ownLabel, analysis: own };
    const theirs = { label: params.other.label, analysis: other };
    const [a, b] = params.documentSide === 'a' ? [mine, theirs] : [theirs, mine];
    const comparison = compareAnalyses(a, b, law);
    const markdown = [
      `# Scaling Lens: ${escape(a.label)} vs ${escape(b.label)}`,
      '',
      `Both analyzed under ${law.label} with the same settings; B − A in the last column.`,
      '',
      comparisonMarkdown(comparison),
      '',
    ].join('\n');
    return { ok: true, markdown, comparison };
  } catch (error) {
    return { ok: false, message: `Comparison failed: ${(error as Error)?.message ?? error}` };
  }
}

function analyze(
  text: string,
  path: string | undefined,
  settings: AnalysisSettings,
  deps: CompareDependencies,
): Analysis | string {
  const outcome = analyzeText(text, { ...(path ? { path } : {}), readFile: deps.readFile }, settings);
  if (outcome.analysis) return outcome.analysis;
  if (!outcome.recognized) return 'not a recognized run config.';
  return outcome.diagnostics.map((d) => d.message).join(' ') || 'could not be read.';
}

function labelOf(uri: string): string {
  const name = decodeURIComponent(uri.split('/').pop() ?? uri);
  return name || uri;
}

function escape(text: string): string {
  return text.replace(/[|*_`]/g, '\\$&');
}
