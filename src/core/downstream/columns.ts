/**
 * Which columns of a runs table hold benchmark accuracies, for the editor's downstream-fit pick: a
 * column named like an accuracy (`piqa_acc`, `downstream/hellaswag_len_norm`, `mrpc_f1`) whose
 * numbers lie in [0, 1] (fractions) or [0, 100] (percentages, to divide by 100). CSV/TSV headers and
 * JSONL keys; anything else lists nothing (the CLI's `--target accuracy:COL` still reads it).
 */
import { guessDelimiter, parseDelimited } from '../fit/csv';

export interface AccuracyColumn {
  name: string;
  scale: 'fraction' | 'percent' | 'invalid';
  min: number;
  max: number;
  /** Numeric cells read. */
  values: number;
}

/** Benchmark-like names (accuracy, normalized accuracy, exact match, F1, pass@k). */
const ACCURACY_NAME =
  /(^|[^a-z])(acc|accuracy|acc_norm|len_norm|exact_match|em|f1|pass@\d+|score)([^a-z]|$)/i;
/** Names that are never accuracies even when their values happen to lie in [0, 1]. */
const NOT_ACCURACY = /loss|ppl|perplexity|token|param|step|lr\b|learning|seed|flops|time|epoch|stderr|_se\b/i;
/** Rows read to judge a column: enough for the value range, bounded for huge logs. */
const MAX_ROWS = 200_000;

/** Loss-like names (cross-entropy, NLL), for the loss column step 1 fits when ingestion finds none. */
const LOSS_NAME = /loss|nll|cross.?entropy/i;

/** Numeric loss-like columns of a runs text, in header order (`loss_ln_lambada_ppl`, `pile-validation/CrossEntropyLoss`). */
export function lossColumns(text: string, fileName: string): string[] {
  const rows = /\.jsonl$/i.test(fileName) ? jsonlRows(text) : delimitedRows(text, fileName);
  if (!rows) return [];
  return [...rows]
    .filter(([name, values]) => LOSS_NAME.test(name) && values.length > 0)
    .map(([name]) => name);
}

/** The accuracy-like columns of a runs text, in header order. */
export function accuracyColumns(text: string, fileName: string): AccuracyColumn[] {
  const rows = /\.jsonl$/i.test(fileName) ? jsonlRows(text) : delimitedRows(text, fileName);
  if (!rows) return [];
  const out: AccuracyColumn[] = [];
  for (const [name, values] of rows) {
    if (!ACCURACY_NAME.test(name) || NOT_ACCURACY.test(name) || values.length === 0) continue;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const scale = min >= 0 && max <= 1 ? 'fraction' : min >= 0 && max <= 100 ? 'percent' : 'invalid';
    out.push({ name, scale, min, max, values: values.length });
  }
  return out;
}

function delimitedRows(text: string, fileName: string): Map<string, number[]> | undefined {
  const { records } = parseDelimited(text, guessDelimiter(text, fileName), MAX_ROWS + 1);
  const header = records[0]?.cells.map((c) => c.trim());
  if (!header || header.length < 2) return undefined;
  const columns = new Map<string, number[]>(header.map((name) => [name, []]));
  for (const record of records.slice(1)) {
    record.cells.forEach((cell, i) => {
      const value = cell.trim() === '' ? NaN : Number(cell);
      if (Number.isFinite(value) && i < header.length) columns.get(header[i]!)!.push(value);
    });
  }
  return columns;
}

function jsonlRows(text: string): Map<string, number[]> {
  const columns = new Map<string, number[]>();
  let rows = 0;
  for (const line of text.split('\n')) {
    if (!line.trim() || rows++ >= MAX_ROWS) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (!columns.has(key)) columns.set(key, []);
      columns.get(key)!.push(v);
    }
  }
  return columns;
}
