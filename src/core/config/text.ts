import type { Position, SourceRange } from '../types';

/**
 * Maps string offsets to LSP positions. Built once per document; lookups are binary searches so
 * readers can convert thousands of node offsets in a large file cheaply.
 */
export class LineIndex {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      // CRLF counts as one line break; a lone CR is a break too (LSP semantics).
      if (ch === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      } else if (ch === 10) {
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  /** Position of a string offset (clamped to the text). */
  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: clamped - this.lineStarts[low] };
  }

  /** String offset of a position (clamped). */
  offsetAt(position: Position): number {
    if (position.line >= this.lineStarts.length) return this.text.length;
    if (position.line < 0) return 0;
    return Math.min(this.lineStarts[position.line] + Math.max(0, position.character), this.text.length);
  }

  /** Range of a [start, end) offset pair. */
  range(start: number, end: number): SourceRange {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}

/** Largest file the readers analyze; bigger files get a diagnostic instead of a parse. */
export const MAX_ANALYZED_CHARS = 8 * 1024 * 1024;
