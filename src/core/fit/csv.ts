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
  /** Records handed out. */
  records = 0;
  /** `onRecord` asked to stop. */
  stopped = false;
  /** Where in the last piece it stopped (the end of the last record read). */
  stoppedAt = -1;

  constructor(
    delimiter: string,
    private readonly onRecord: (record: CsvRecord) => boolean | void,
  ) {
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  private endRecord(): void {
    const cells = this.cells;
    cells.push(this.field);
    this.cells = [];
    this.field = '';
    // Skip blank lines (a single empty cell).
    const blank = cells.length === 1 && cells[0]!.trim() === '' && !this.fieldStarted;
    this.fieldStarted = false;
    if (blank) return;
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
    while (i < n) {
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
