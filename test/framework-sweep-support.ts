/**
 * Shared checks for the YAML framework tests of torchtune, Axolotl, nanotron and NeMo: writing a
 * value at a dotted key, and a sweep that puts a hostile value and an invalid word on every value
 * line of a real config (the fuzz properties of test/unit/fuzz-support.ts, exhaustively per line).
 */
import { parseDocument, parse as parseYamlValue } from 'yaml';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../src/core/analyze';
import type { InventoryValue } from '../src/core/config/inventory';
import { diskReadFile } from './helpers';
import {
  HOSTILE_VALUES,
  INVALID_WORDS,
  applyInvalidValue,
  checkInvalidValueOracle,
  checkRobust,
  splitValueLine,
  type CorpusFile,
} from './unit/fuzz-support';

/** Write `value` at a dotted key of a YAML text (flow collections given as text are parsed). */
export function injectYamlPath(text: string, key: string, value: InventoryValue): string {
  const doc = parseDocument(text, { version: '1.1' });
  const parsed = typeof value === 'string' && /^[[{]/.test(value) ? parseYamlValue(value) : value;
  doc.setIn(key.split('.'), parsed);
  return doc.toString();
}

/**
 * For every value line of `text`: a hostile value never throws, hangs or yields NaN, and an invalid
 * word leaves N and D as they were or makes them unknown, never another number.
 */
export function sweepValueLines(path: string, text: string, framework: string): void {
  const baseline = analyzeText(text, { path, readFile: diskReadFile }, DEFAULT_ANALYSIS_SETTINGS).analysis;
  const file: CorpusFile = {
    path,
    label: path,
    text,
    baselineParams: baseline?.params?.total ?? null,
    baselineTokens: baseline?.tokens ?? null,
    framework,
  };
  const lines = text.split('\n');
  const valued = lines.map((line, i) => [i, splitValueLine(line)] as const).filter(([, split]) => split);
  valued.forEach(([i, split], n) => {
    const mutated = [...lines];
    mutated[i] = split![0] + HOSTILE_VALUES[n % HOSTILE_VALUES.length]! + split![2];
    checkRobust(mutated.join('\n'), path);
    const invalid = applyInvalidValue(text, path, n, INVALID_WORDS[n % INVALID_WORDS.length]!);
    if (invalid !== undefined) checkInvalidValueOracle(file, invalid, file.baselineTokens);
  });
}
