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

/** Parse delimited text into records (the header is the first record). Stops after `maxRecords`. */
export function parseDelimited(
  text: string,
  delimiter: string,
  maxRecords = Infinity,
): { records: CsvRecord[]; truncated: boolean } {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  const delimiterCode = delimiter.charCodeAt(0);
  const endRecord = () => {
    cells.push(field);
    // Skip blank lines (a single empty cell).
    if (!(cells.length === 1 && cells[0].trim() === '' && !fieldStarted))
      records.push({ line: recordLine, cells });
    cells = [];
    field = '';
    fieldStarted = false;
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (inQuotes) {
      if (code === 34 /* " */) {
        if (text.charCodeAt(i + 1) === 34) {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      if (code === 10) line++;
      field += text[i];
      i++;
      continue;
    }
    if (code === 34 && field.length === 0) {
      inQuotes = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (code === delimiterCode) {
      cells.push(field);
      field = '';
      fieldStarted = true;
      i++;
      continue;
    }
    if (code === 13 || code === 10) {
      endRecord();
      if (records.length >= maxRecords) return { records, truncated: i + 1 < n };
      if (code === 13 && text.charCodeAt(i + 1) === 10) i++;
      i++;
      line++;
      recordLine = line;
      continue;
    }
    // Take a run of ordinary characters at once (keeps large files fast).
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === delimiterCode || c === 13 || c === 10 || c === 34) break;
      j++;
    }
    field += text.slice(i, j);
    i = j;
  }
  if (field.length > 0 || cells.length > 0 || fieldStarted) endRecord();
  return { records, truncated: false };
}
