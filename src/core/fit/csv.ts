/**
 * A small RFC 4180 reader (quoted fields, doubled quotes, CR/LF/CRLF line ends) for run tables. It is
 * linear in the input and never throws: an unterminated quote just ends at end of file.
 */

/** One parsed record with the 1-based line it started on. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** Guess the delimiter from the file name and the header line. */
export function guessDelimiter(text: string, fileName: string): ',' | '\t' | ';' {
  if (/\.tsv$/i.test(fileName) || /\.tab$/i.test(fileName)) return '\t';
  const header = text.slice(0, Math.max(0, text.indexOf('\n')) || Math.min(text.length, 4096));
  const count = (c: string) => header.split(c).length - 1;
  const tabs = count('\t');
  const commas = count(',');
  const semicolons = count(';');
  if (tabs > commas && tabs >= semicolons) return '\t';
  if (semicolons > commas) return ';';
  return ',';
}

/**
 * The same reader, fed in pieces (a file read in chunks, src/node/runsFromDisk.ts): records are
 * handed to `onRecord` as they complete, so a table of millions of rows is never held whole. Every
 * state of the reader survives a chunk boundary (inside quotes, a quote that may be doubled, CR of a
 * CRLF). `onRecord` returns false to stop reading.
 */
export class DelimitedParser {
  private cells: string[] = [];
  private field = '';
  private inQuotes = false;
  /** Inside quotes, a quote was the last character of the previous chunk (closing or doubled). */
  private quotePending = false;
  /** The previous chunk ended with CR: an LF starting this one belongs to it. */
  private skipLineFeed = false;
  private line = 1;
  private recordLine = 1;
  private fieldStarted = false;
  private readonly delimiterCode: number;
  private readonly delimiter: string;
  /** Records handed out. */
  records = 0;
  /** `onRecord` asked to stop. */
  stopped = false;
  /** Where in the last piece it stopped (the end of the last record read). */
  stoppedAt = -1;
  /**
   * Optional fast path for clean lines (no quote, no CR inside, at least one delimiter): called with
   * the line's span in the piece and its line number; returns true when it consumed the line as a
   * record (then no cells are built), false to have the line split into cells as usual.
   */
  lineHandler: ((text: string, start: number, end: number, line: number) => boolean) | undefined;

  constructor(
    delimiter: string,
    private readonly onRecord: (record: CsvRecord) => boolean | void,
  ) {
    this.delimiterCode = delimiter.charCodeAt(0);
    this.delimiter = delimiter.charAt(0);
  }

  private endRecord(): void {
    const cells = this.cells;
    cells.push(this.field);
    this.cells = [];
    this.field = '';
    const fieldStarted = this.fieldStarted;
    this.fieldStarted = false;
    this.emit(cells, fieldStarted);
  }

  private emit(cells: string[], fieldStarted: boolean): void {
    // Skip blank lines (a single empty cell).
    if (cells.length === 1 && cells[0]!.trim() === '' && !fieldStarted) return;
    this.records++;
    if (this.onRecord({ line: this.recordLine, cells }) === false) this.stopped = true;
  }

  /** Read the next piece of text. */
  push(text: string): void {
    if (this.stopped) return;
    const n = text.length;
    const delimiterCode = this.delimiterCode;
    let i = 0;
    if (this.skipLineFeed) {
      this.skipLineFeed = false;
      if (n > 0 && text.charCodeAt(0) === 10) i = 1;
    }
    if (this.quotePending && n > 0) {
      this.quotePending = false;
      if (text.charCodeAt(0) === 34) {
        this.field += '"';
        i = Math.max(i, 1);
      } else this.inQuotes = false;
    }
    // Next LF, quote, CR and delimiter at or after i (cached, so the scans stay linear in the piece
    // even when the fast path keeps declining, e.g. a file with CR-only line ends).
    let nextLineFeed = -1;
    let nextQuote = -1;
    let nextReturn = -1;
    let nextDelimiter = -1;
    const after = (found: number) => (found < 0 ? n : found);
    while (i < n) {
      // Fast path: a whole line without quotes or CR inside starts here; split it at once.
      if (!this.inQuotes && !this.fieldStarted && this.field.length === 0 && this.cells.length === 0) {
        if (nextLineFeed < i) nextLineFeed = after(text.indexOf('\n', i));
        const lineFeed = nextLineFeed;
        if (lineFeed < n) {
          const end = lineFeed > i && text.charCodeAt(lineFeed - 1) === 13 ? lineFeed - 1 : lineFeed;
          if (nextQuote < i) nextQuote = after(text.indexOf('"', i));
          if (nextReturn < i) nextReturn = after(text.indexOf('\r', i));
          if (nextQuote >= end && nextReturn >= end) {
            if (this.lineHandler) {
              if (nextDelimiter < i) nextDelimiter = after(text.indexOf(this.delimiter, i));
              if (nextDelimiter < end && this.lineHandler(text, i, end, this.recordLine)) {
                this.records++;
                if (this.stopped) {
                  this.stoppedAt = end;
                  return;
                }
                i = lineFeed + 1;
                this.line++;
                this.recordLine = this.line;
                continue;
              }
            }
            const line = text.slice(i, end);
            const cells = line.split(this.delimiter);
            this.emit(cells, cells.length > 1);
            if (this.stopped) {
              this.stoppedAt = end;
              return;
            }
            i = lineFeed + 1;
            this.line++;
            this.recordLine = this.line;
            continue;
          }
        }
      }
      const code = text.charCodeAt(i);
      if (this.inQuotes) {
        if (code === 34 /* " */) {
          if (i + 1 === n) {
            // Doubled or closing: the next chunk says.
            this.quotePending = true;
            return;
          }
          if (text.charCodeAt(i + 1) === 34) {
            this.field += '"';
            i += 2;
            continue;
          }
          this.inQuotes = false;
          i++;
          continue;
        }
        // A run of quoted characters at once.
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 34) break;
          if (c === 10) this.line++;
          j++;
        }
        this.field += text.slice(i, j);
        i = j;
        continue;
      }
      if (code === 34 && this.field.length === 0) {
        this.inQuotes = true;
        this.fieldStarted = true;
        i++;
        continue;
      }
      if (code === delimiterCode) {
        this.cells.push(this.field);
        this.field = '';
        this.fieldStarted = true;
        i++;
        continue;
      }
      if (code === 13 || code === 10) {
        this.endRecord();
        if (this.stopped) {
          this.stoppedAt = i;
          return;
        }
        if (code === 13) {
          if (i + 1 === n) this.skipLineFeed = true;
          else if (text.charCodeAt(i + 1) === 10) i++;
        }
        i++;
        this.line++;
        this.recordLine = this.line;
        continue;
      }
      // Take a run of ordinary characters at once (keeps large files fast).
      let j = i + 1;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === delimiterCode || c === 13 || c === 10 || c === 34) break;
        j++;
      }
      this.field += text.slice(i, j);
      i = j;
    }
  }

  /** End of input: the last record, if unterminated (an unterminated quote just ends here). */
  end(): void {
    if (this.stopped) return;
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
    }
    if (this.field.length > 0 || this.cells.length > 0 || this.fieldStarted) this.endRecord();
  }
}

/** Parse delimited text into records (the header is the first record). Stops after `maxRecords`. */
export function parseDelimited(
  text: string,
  delimiter: string,
  maxRecords = Infinity,
): { records: CsvRecord[]; truncated: boolean } {
  const records: CsvRecord[] = [];
  const parser = new DelimitedParser(delimiter, (record) => {
    records.push(record);
    return records.length < maxRecords;
  });
  parser.push(text);
  parser.end();
  return { records, truncated: parser.stoppedAt >= 0 && parser.stoppedAt + 1 < text.length };
}

/** 10⁰ … 10²², the powers of ten a double holds exactly. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * A plain decimal (`-12.5`, `3e+9`, `.5`) in text[start, end) read without making a string, or NaN
 * when it is not one this path reads exactly (then the caller reads the cell as text). Exact: with
 * at most 15 significant digits the digits form an exact integer m < 2⁵³, and for |k| ≤ 22 the power
 * 10^k is exact, so the one multiplication or division m·10^k rounds correctly, the same double
 * Number() gives (Clinger 1990, "How to read floating point numbers accurately", the fast path).
 */
export function parsePlainDecimal(text: string, start: number, end: number): number {
  let i = start;
  if (i >= end) return NaN;
  let c = text.charCodeAt(i);
  let negative = false;
  if (c === 43 || c === 45) {
    negative = c === 45;
    if (++i >= end) return NaN;
  }
  let mantissa = 0;
  let significant = 0;
  let scale = 0;
  let digits = 0;
  let fraction = false;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c === 46 && !fraction) {
      fraction = true;
      continue;
    }
    if (c < 48 || c > 57) break;
    digits++;
    if (fraction) scale--;
    if (mantissa !== 0 || c !== 48) {
      if (++significant > 15) return NaN;
      mantissa = mantissa * 10 + (c - 48);
    }
  }
  if (digits === 0) return NaN;
  if (i < end) {
    if (c !== 101 && c !== 69) return NaN;
    i++;
    let exponentNegative = false;
    if (i < end && ((c = text.charCodeAt(i)) === 43 || c === 45)) {
      exponentNegative = c === 45;
      i++;
    }
    let exponent = 0;
    let exponentDigits = 0;
    for (; i < end; i++) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57 || ++exponentDigits > 4) return NaN;
      exponent = exponent * 10 + (c - 48);
    }
    if (exponentDigits === 0) return NaN;
    scale += exponentNegative ? -exponent : exponent;
  }
  let value: number;
  if (mantissa === 0) value = 0;
  else if (scale >= 0 && scale <= 22) value = mantissa * EXACT_POWERS_OF_TEN[scale]!;
  else if (scale < 0 && scale >= -22) value = mantissa / EXACT_POWERS_OF_TEN[-scale]!;
  else return NaN;
  return negative ? -value : value;
}
