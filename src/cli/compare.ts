/**
 * `scaling-lens compare A B [--json]`, or `scaling-lens compare A --head` (A against its git HEAD
 * version): both analyses under the same law and settings, side by side, with B − A.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, resolveLaw, type AnalysisSettings } from '../core/analyze';
import { compareAnalyses, comparisonMarkdown, type Comparison } from '../core/compare';
import { MAX_ANALYZED_CHARS } from '../core/config/text';
import { findPublishedLaw, PUBLISHED_LAWS } from '../core/laws/published';
import { findAccelerator } from '../core/model/hardware';
import { parseFlags, type FlagSpec } from './flags';

const FLAGS: FlagSpec = {
  json: 'boolean',
  head: 'boolean',
  law: 'string',
  gpu: 'string',
  gpus: 'number',
  mfu: 'number',
  'usd-per-gpu-hour': 'number',
  'dataset-tokens': 'number',
  help: 'boolean',
};

export const COMPARE_USAGE = `Usage: scaling-lens compare A B [--json] [--law NAME] [--gpu H100 --gpus 64 --mfu 0.4 --usd-per-gpu-hour 2.5] [--dataset-tokens T]
       scaling-lens compare A --head [...]   (A against its version at git HEAD)

Analyzes both configs under the same law and settings and prints N, active N, D, tokens/param,
FLOPs, memory per GPU, GPU-hours, days, cost and the predicted loss with its interval, with B − A.
Each file's own accelerator and GPU count are used unless --gpu / --gpus say otherwise.`;

/** The machine-readable result of `scaling-lens compare --json`. */
export type CompareJson = Comparison & { law: string };

/** Run `scaling-lens compare`. Returns the exit code (0 ok, 2 usage error, 1 unreadable input). */
export function runCompareCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const parsed = parseFlags(args, FLAGS);
  if ('error' in parsed) return usage(err, parsed.error);
  const { flags, positional } = parsed;
  if (flags.help) {
    out(COMPARE_USAGE);
    return 0;
  }
  const wanted = flags.head ? 1 : 2;
  if (positional.length !== wanted)
    return usage(err, flags.head ? 'With --head, give one file.' : 'Give two files to compare.');
  const settings = settingsFromFlags(flags);
  if (typeof settings === 'string') return usage(err, settings);

  const sides: { label: string; text: string; path: string }[] = [];
  for (const file of positional) {
    const text = readConfig(file);
    if (typeof text !== 'string') {
      err(`${file}: ${text.error}`);
      return 1;
    }
    sides.push({ label: file, text, path: resolve(file) });
  }
  if (flags.head) {
    const head = gitHeadText(sides[0].path);
    if (typeof head !== 'string') {
      err(`${positional[0]}: ${head.error}`);
      return 1;
    }
    sides.unshift({ label: `${positional[0]} @ HEAD`, text: head, path: sides[0].path });
  }

  const analyses = [];
  for (const side of sides) {
    const result = analyzeText(side.text, { path: side.path, readFile: readSibling }, settings);
    if (!result.analysis) {
      const why = result.diagnostics.map((d) => d.message).join(' ') || 'not a recognized run config';
      err(`${side.label}: ${why}`);
      return 1;
    }
    analyses.push({ label: side.label, analysis: result.analysis });
  }
  const law = resolveLaw(settings);
  const comparison = compareAnalyses(analyses[0], analyses[1], law);
  if (flags.json) {
    const json: CompareJson = { law: law.id, ...comparison };
    out(JSON.stringify(json));
  } else {
    out(`Law: ${law.id}\n\n${comparisonMarkdown(comparison)}`);
  }
  return 0;
}

function settingsFromFlags(flags: Record<string, unknown>): AnalysisSettings | string {
  const settings: AnalysisSettings = { ...DEFAULT_ANALYSIS_SETTINGS, gpuFromFile: flags.gpu === undefined };
  if (flags.law !== undefined) {
    if (!findPublishedLaw(String(flags.law)))
      return `Unknown law "${flags.law}". Known laws: ${PUBLISHED_LAWS.map((l) => l.id).join(', ')}.`;
    settings.lawId = String(flags.law).toLowerCase();
  }
  if (flags.gpu !== undefined) {
    const accelerator = findAccelerator(String(flags.gpu));
    if (!accelerator)
      return `Unknown GPU "${flags.gpu}". Known: A100-40GB, A100-80GB, H100, H200, B200, MI300X, TPU-v5e, TPU-v5p.`;
    settings.gpu = accelerator.id;
  }
  if (flags.gpus !== undefined) {
    if (!(Number(flags.gpus) >= 1)) return '--gpus must be a positive integer.';
    settings.gpus = Math.round(Number(flags.gpus));
    settings.useGpusForMissingTokens = true;
  }
  if (flags.mfu !== undefined) {
    const mfu = Number(flags.mfu);
    if (!(mfu > 0 && mfu <= 1)) return '--mfu must be in (0, 1], e.g. 0.4.';
    settings.mfu = mfu;
  }
  if (flags['usd-per-gpu-hour'] !== undefined) {
    const usd = Number(flags['usd-per-gpu-hour']);
    if (!(usd >= 0)) return '--usd-per-gpu-hour must be a non-negative number.';
    settings.usdPerGpuHour = usd;
  }
  if (flags['dataset-tokens'] !== undefined) {
    const tokens = Number(flags['dataset-tokens']);
    if (!(tokens > 0)) return '--dataset-tokens must be positive.';
    settings.datasetTokens = tokens;
  }
  return settings;
}

function readConfig(file: string): string | { error: string } {
  try {
    const path = resolve(file);
    if (statSync(path).size > MAX_ANALYZED_CHARS) return { error: 'file too large to analyze' };
    return readFileSync(path, 'utf8');
  } catch (error) {
    return { error: `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
}

/** The file's text at HEAD via `git show HEAD:./name` run in its folder (read-only). */
export function gitHeadText(path: string): string | { error: string } {
  try {
    return execFileSync('git', ['show', `HEAD:./${basename(path)}`], {
      cwd: dirname(path),
      encoding: 'utf8',
      maxBuffer: MAX_ANALYZED_CHARS * 2,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    return { error: `no version at git HEAD (${stderr.split('\n')[0] || (error as Error).message})` };
  }
}

function readSibling(path: string): string | undefined {
  try {
    if (statSync(path).size > MAX_ANALYZED_CHARS) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function usage(err: (s: string) => void, message: string): number {
  err(`${message}\n${COMPARE_USAGE}`);
  return 2;
}
