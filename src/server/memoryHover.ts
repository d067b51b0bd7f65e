/**
 * Hover on the parallelism keys the layout reader read (micro-batch, TP/PP/CP/EP, recompute,
 * ZeRO / FSDP sharding, CPU offload): the memory breakdown of the most loaded GPU with each part's
 * formula, and what-if rows — micro-batch halved and doubled, recomputation on/off, the next ZeRO
 * stage, TP × 2 — each the analysis of this file with that one key rewritten
 * (src/core/model/memoryEdits.ts), so every figure is the lens's math on the edited file.
 */
import type { Hover, Position } from 'vscode-languageserver';
import type { Analysis } from '../core/analyze';
import { formatCount } from '../core/format';
import type { LayoutKey } from '../core/model/layout';
import { GIB } from '../core/model/memory';
import type { MemoryEditKind } from '../core/model/memoryEdits';
import type { FieldSource, SourceRange } from '../core/types';
import type { HoverDocument } from './hovers';
import { formatGiB } from './lenses';
import { reanalyseEdits, sameRun } from './memoryActions';
import type { DocumentResult } from './model';

/** Layout keys with a memory hover (the ones a user changes to make a run fit). */
const HOVER_KEYS: readonly LayoutKey[] = [
  'microBatch',
  'tensorParallel',
  'pipelineParallel',
  'virtualPipeline',
  'contextParallel',
  'expertParallel',
  'sequenceParallel',
  'recompute',
  'sharding',
  'shardGroupSize',
  'cpuOffload',
];

/** What-if rows, in the order shown. */
const WHAT_IFS: readonly MemoryEditKind[] = [
  'micro-batch-half',
  'micro-batch-double',
  'recompute-off',
  'recompute-selective',
  'recompute-full',
  'shard-up',
  'tp-double',
];

const PARTS = ['weights', 'gradients', 'optimizer', 'activations', 'buffers', 'overhead'] as const;

function contains(range: SourceRange, p: Position): boolean {
  const afterStart =
    p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const beforeEnd =
    p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return afterStart && beforeEnd;
}

/** The layout key under the position (in this file, not a sourced one). */
function layoutKeyAt(a: Analysis, position: Position): { key: LayoutKey; source: FieldSource } | undefined {
  const sources = a.spec.layout?.sources ?? {};
  for (const key of HOVER_KEYS) {
    const source = sources[key];
    if (
      source &&
      !source.file &&
      (contains(source.keyRange, position) || contains(source.valueRange, position))
    )
      return { key, source };
  }
  return undefined;
}

/** Table cells must not contain pipes or line breaks. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** The hover, or null when the position is not on a layout key of a file with a memory estimate. */
export function memoryHover(
  result: DocumentResult,
  position: Position,
  document: HoverDocument,
): Hover | null {
  const a = result.analysis;
  const m = a?.memory;
  if (!a || !m) return null;
  const hit = layoutKeyAt(a, position);
  if (!hit) return null;
  const { source } = hit;
  const written = `${source.key}${source.key.startsWith('-') ? ' ' : ' = '}${source.raw.trim()}`;
  const lines = [`**${written}** · Scaling Lens · memory per GPU (${m.gpu})`, ''];
  lines.push('| part | GiB | formula |', '|---|---:|---|');
  for (const part of PARTS) {
    const formula =
      part === 'overhead'
        ? m.overhead.formula.replace(/ \(.*$/s, '') + ' (CUDA context, NCCL, allocator)'
        : m[part].formula;
    lines.push(`| ${part} | ${(m[part].bytes / GIB).toFixed(2)} | ${cell(formula)} |`);
  }
  const capacity =
    m.capacityBytes !== null
      ? `of ${formatGiB(m.capacityBytes)} GiB: ${m.fits ? `fits, ${Math.round(m.headroom! * 100)}% free` : 'does not fit'}`
      : 'capacity unknown';
  lines.push(`| **total** | **${formatGiB(m.perGpuBytes)}** | ${capacity} |`);

  const rows = reanalyseEdits(document.text, a, document.context, result.analysisSettings, WHAT_IFS).sort(
    (x, y) => WHAT_IFS.indexOf(x.edit.kind) - WHAT_IFS.indexOf(y.edit.kind),
  );
  if (rows.length) {
    lines.push('', 'What if (this file with one key changed, analysed again):', '');
    lines.push('| change | GiB per GPU | Δ | note |', '|---|---:|---:|---|');
    for (const row of rows) {
      const after = row.analysis?.memory;
      if (!row.analysis || !after) {
        const why = row.analysis?.diagnostics.find((d) => d.severity === 'error')?.message ?? 'no estimate';
        lines.push(`| \`${cell(row.edit.label)}\` | — | — | ${cell(why)} |`);
        continue;
      }
      const delta = (after.perGpuBytes - m.perGpuBytes) / GIB;
      const notes: string[] = [];
      if (after.fits === false) notes.push('over capacity');
      if (!sameRun(a, row.analysis)) {
        const b = row.analysis;
        if (b.params?.total !== a.params?.total && b.params && a.params)
          notes.push(
            `N ${b.params.total > a.params.total ? '+' : '−'}${formatCount(Math.abs(b.params.total - a.params.total))}`,
          );
        if (b.tokens !== a.tokens)
          notes.push(b.tokens === null ? 'D unknown' : `D ${formatCount(b.tokens)} tokens`);
      }
      lines.push(
        `| \`${cell(row.edit.label)}\` | ${formatGiB(after.perGpuBytes)} | ${delta === 0 ? '±0' : `${delta > 0 ? '+' : '−'}${Math.abs(delta).toFixed(1)}`} | ${cell(notes.join('; '))} |`,
      );
    }
  }
  if (hit.key === 'microBatch' && !rows.some((r) => r.edit.kind.startsWith('micro-batch'))) {
    // The framework's edits decide when a micro-batch change keeps the global batch; the reason is
    // one of their guards, so it is stated generally rather than per framework.
    lines.push(
      '',
      `No micro-batch what-ifs keep the global batch, and D, here: halving needs an even micro-batch (${m.layout.microBatch} now), doubling an accumulation of 2 or more (${m.layout.gradAccum} now), and either a stated global batch or an accumulation key to change with it.`,
    );
  }
  lines.push('', `GiB = 2³⁰ bytes · the most loaded GPU (first pipeline stage) · docs/memory.md`);
  return { contents: { kind: 'markdown', value: lines.join('\n') }, range: source.keyRange };
}
