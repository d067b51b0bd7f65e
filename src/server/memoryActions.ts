/**
 * Quick fixes for the over-capacity / low-headroom memory diagnostic (core codes
 * `memory-over-capacity`, `memory-low-headroom`, src/core/analyze.ts). Each fix changes one key in
 * the file's own terms (src/core/model/memoryEdits.ts plans the text), and is titled with the
 * memory per GPU of the edited file as the core re-reads and re-analyses it — the figure the lens
 * will show after the edit. A fix is offered only when that re-analysis lowers the memory and keeps
 * N and D exactly as they are (so it is a layout change, not a different run).
 */
import { CodeActionKind, type CodeAction, type Diagnostic, type WorkspaceEdit } from 'vscode-languageserver';
import { analyzeText, type Analysis, type AnalysisSettings } from '../core/analyze';
import { LineIndex } from '../core/config/text';
import type { ResolvedLayout } from '../core/model/layout';
import {
  applyOffsetEdits,
  planMemoryEdits,
  type MemoryEdit,
  type MemoryEditKind,
} from '../core/model/memoryEdits';
import type { ReadContext } from '../core/types';
import type { CodeActionRequest } from './codeActions';
import { formatGiB } from './lenses';
import type { DocumentResult } from './model';

/** Diagnostic codes the memory fixes answer. */
export const MEMORY_FIX_CODES = new Set(['memory-over-capacity', 'memory-low-headroom']);

/** The fixes, cheapest in throughput first: sharding costs communication only, recompute costs FLOPs. */
export const MEMORY_FIX_KINDS: readonly MemoryEditKind[] = [
  'shard-up',
  'recompute-selective',
  'micro-batch-half',
  'recompute-full',
];

const FIX_VERB: Partial<Record<MemoryEditKind, string>> = {
  'shard-up': 'Shard optimizer states',
  'recompute-selective': 'Recompute activations (selective)',
  'recompute-full': 'Recompute activations (full)',
  'micro-batch-half': 'Halve the micro-batch, doubling gradient accumulation',
};

/** The resolved layout an analysis used (what the file says now), or undefined without a layout. */
export function currentLayout(a: Analysis): ResolvedLayout | undefined {
  return a.memory?.layout;
}

/** One edit with the analysis of the file it produces. */
export interface ReanalysedEdit {
  edit: MemoryEdit;
  text: string;
  analysis: Analysis | null;
}

/** Apply each planned edit and analyse the result like the document itself. */
export function reanalyseEdits(
  text: string,
  a: Analysis,
  context: ReadContext,
  settings: AnalysisSettings,
  kinds: readonly MemoryEditKind[],
): ReanalysedEdit[] {
  const layout = currentLayout(a);
  if (!layout) return [];
  return planMemoryEdits(a.spec.framework, text, layout, context, kinds).map((edit) => {
    const edited = applyOffsetEdits(text, edit.replacements);
    return { edit, text: edited, analysis: analyzeText(edited, context, settings).analysis };
  });
}

/** N and D of the edited file are exactly the document's. */
export function sameRun(a: Analysis, b: Analysis | null): boolean {
  return (
    !!b &&
    b.framework === a.framework &&
    b.params?.total === a.params?.total &&
    b.params?.active === a.params?.active &&
    b.tokens === a.tokens
  );
}

/** A memory fix: the edit, the analysis after it, and its title. */
export interface MemoryFix extends ReanalysedEdit {
  analysis: Analysis;
  title: string;
}

/** The fixes for a document's text (pure; the property test calls it directly). */
export function memoryFixes(
  text: string,
  a: Analysis,
  context: ReadContext,
  settings: AnalysisSettings,
): MemoryFix[] {
  const now = a.memory;
  if (!now) return [];
  const fixes: MemoryFix[] = [];
  for (const r of reanalyseEdits(text, a, context, settings, MEMORY_FIX_KINDS)) {
    const after = r.analysis?.memory;
    if (!r.analysis || !sameRun(a, r.analysis) || !after || !(after.perGpuBytes < now.perGpuBytes)) continue;
    fixes.push({ ...r, analysis: r.analysis, title: fixTitle(r.edit, r.analysis) });
  }
  return fixes.sort((x, y) => MEMORY_FIX_KINDS.indexOf(x.edit.kind) - MEMORY_FIX_KINDS.indexOf(y.edit.kind));
}

/** `Recompute activations (full): --recompute-granularity full … → ≈ 31.2 / 79.6 GiB per GPU (fits)`. */
export function fixTitle(edit: MemoryEdit, after: Analysis): string {
  const m = after.memory!;
  const capacity = m.capacityBytes !== null ? ` / ${formatGiB(m.capacityBytes)}` : '';
  const verdict =
    m.fits === null
      ? ''
      : m.fits
        ? m.headroom! < 0.05
          ? ' (fits, < 5% headroom)'
          : ' (fits)'
        : ' (still over)';
  return `${FIX_VERB[edit.kind] ?? edit.kind}: ${edit.label} → ≈ ${formatGiB(m.perGpuBytes)}${capacity} GiB per GPU${verdict}`;
}

/** Code actions for the memory diagnostics in a code-action request. */
export function memoryCodeActions(result: DocumentResult, request: CodeActionRequest): CodeAction[] {
  const a = result.analysis;
  const related: Diagnostic[] = request.diagnostics.filter(
    (d) => typeof d.code === 'string' && MEMORY_FIX_CODES.has(d.code),
  );
  // Fixes re-read their own edit, so they need the document's current text.
  if (!a?.memory || related.length === 0 || request.text === undefined) return [];
  const fixes = memoryFixes(request.text, a, request.readContext ?? {}, result.analysisSettings);
  const lines = new LineIndex(request.text);
  const firstFit = fixes.find((f) => f.analysis.memory!.fits === true);
  return fixes.map((fix) => {
    const edits = fix.edit.replacements.map((r) => ({
      range: { start: lines.positionAt(r.start), end: lines.positionAt(r.end) },
      newText: r.newText,
    }));
    const edit: WorkspaceEdit = request.documentChanges
      ? { documentChanges: [{ textDocument: { uri: request.uri, version: request.version }, edits }] }
      : { changes: { [request.uri]: edits } };
    return {
      title: fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: related,
      isPreferred: fix === firstFit,
      edit,
    };
  });
}
