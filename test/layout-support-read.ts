/** Reading helpers of the framework layout tests: a file's analysis and where a key is written. */
import { readFileSync } from 'node:fs';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, readContextFor } from '../src/core/analyze';
import type { Analysis } from '../src/core/analyze';
import { diskReadFile } from './helpers';

/** The analysis of a file on an accelerator and (optionally) a GPU count the layout may use. */
export function analyzeFile(path: string, gpu = 'H100', gpus?: number): { text: string; analysis: Analysis } {
  const text = readFileSync(path, 'utf8');
  const settings = {
    ...DEFAULT_ANALYSIS_SETTINGS,
    gpu,
    ...(gpus ? { gpus, useGpusForMissingTokens: true } : {}),
  };
  const context = readContextFor({ path, readFile: diskReadFile }, settings);
  const analysis = analyzeText(text, context, settings).analysis;
  if (!analysis) throw new Error(`${path}: not analyzed`);
  return { text, analysis };
}

/** The 0-based line of the last `key:` / `key =` / `key=` the text writes (an independent look-up). */
export function lineOf(text: string, key: string): number {
  const lines = text.split(/\r?\n/);
  const re = new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(:|=)|\\s${key}=`);
  for (let i = lines.length - 1; i >= 0; i--) if (re.test(lines[i]!)) return i;
  return -1;
}
