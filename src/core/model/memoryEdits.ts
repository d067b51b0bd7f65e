/**
 * One-key edits of a run config that change its memory per GPU, written in the file's own terms:
 * activation recomputation, the ZeRO stage / FSDP sharding, the micro-batch and the TP degree.
 * Pure: it only plans text replacements (offsets into the text it was given). The callers (the
 * over-capacity quick fixes in src/server/memoryActions.ts and the what-if rows of
 * src/server/memoryHover.ts) apply each edit and re-analyse the edited text, so every figure they
 * show is the analysis of the file as it would be, never an estimate made on the side.
 *
 * The keys and values are each framework's own, in its folder: `frameworks/<id>/memoryEdits.ts`,
 * reached through the reader's `layout.edits` hook (`FrameworkLayout` in src/core/config/reader.ts).
 */
import { READERS } from '../config/registry';
import type { FrameworkId, ReadContext } from '../types';
import type { ResolvedLayout } from './layout';

/** What an edit does, in the estimate's terms. */
export type MemoryEditKind =
  | 'shard-up'
  | 'recompute-selective'
  | 'recompute-full'
  | 'recompute-off'
  | 'micro-batch-half'
  | 'micro-batch-double'
  | 'tp-double';

/** One replacement of `text.slice(start, end)` (offsets into the planned text). */
export interface OffsetReplacement {
  start: number;
  end: number;
  newText: string;
}

export interface MemoryEdit {
  kind: MemoryEditKind;
  /** The key (and value) as the file will say it: `--recompute-granularity full`, `mode = "full"`. */
  label: string;
  /** The key changed, as written in the file (or as it will be written). */
  key: string;
  /** Non-overlapping, in document order. */
  replacements: OffsetReplacement[];
}

/** The edited text. */
export function applyOffsetEdits(text: string, replacements: readonly OffsetReplacement[]): string {
  let out = '';
  let at = 0;
  for (const r of [...replacements].sort((x, y) => x.start - y.start)) {
    out += text.slice(at, r.start) + r.newText;
    at = r.end;
  }
  return out + text.slice(at);
}

/**
 * The memory edits a file admits, for the kinds asked (default: all). `layout` is the resolved
 * layout its analysis used (what the file says now). Never throws; kinds a file cannot express with
 * one key are simply absent.
 */
export function planMemoryEdits(
  framework: FrameworkId,
  text: string,
  layout: ResolvedLayout,
  context: ReadContext = {},
  kinds?: readonly MemoryEditKind[],
): MemoryEdit[] {
  try {
    const edits =
      READERS.find((r) => r.id === framework && r.layout?.edits)?.layout?.edits?.(text, layout, context) ??
      [];
    return kinds ? edits.filter((e) => kinds.includes(e.kind)) : edits;
  } catch {
    return [];
  }
}
