/**
 * Shared by the per-framework extractors (src/core/config/frameworks/<id>/schedule.ts): the run's
 * batch and length come from the framework reader (the same numbers the lens shows for D), and the
 * extractor reads only the LR keys itself, each with its line.
 */
import { lookup, parseYaml, type YamlSource } from '../config/yamlSource';
import { parseNumberLiteral } from '../config/values';
import { parseTomlCached } from '../config/parseCache';
import { getStaticTOMLValue } from 'toml-eslint-parser';
import type { ReadContext, RunSpec, SourceRange, TrainingSpec } from '../types';
import type { ExtractedSchedule, LrSchedule, RunPlan } from './types';

/**
 * The registry, required when first needed: it imports every reader, readers import their
 * extractors and the extractors import this module, so a static import here would evaluate the
 * registry while a reader is still initialising (a "before initialization" error whenever a
 * reader's module is the first one loaded, as in its own tests).
 */
function registry(): typeof import('../config/registry') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../config/registry') as typeof import('../config/registry');
}

export function emptyExtraction(): ExtractedSchedule {
  return { keyLines: {}, errors: [], notes: [] };
}

/** The training part of the reader's spec for this text, or the reason it has none. */
export function readTraining(
  text: string,
  context: ReadContext = {},
  spec?: RunSpec,
): { training?: TrainingSpec; error?: string } {
  // The analysis already read the file: reuse its spec rather than reading it again.
  if (spec) return { training: spec.training };
  const result = registry().readRunConfig(text, context);
  if (result.kind !== 'run-config')
    return {
      error: `the file is not read as a run config (${result.kind}), so its batch and length are unknown`,
    };
  return { training: result.spec.training };
}

/**
 * Tokens per step, sequence length and run length (steps, else tokens) from the reader; errors name
 * what is missing (the reader's own `missing` list).
 */
export function batchAndLength(
  training: TrainingSpec | undefined,
  errors: string[],
): { batchTokens: number; seqLen?: number; totalSteps?: number; totalTokens?: number } | undefined {
  if (!training) return undefined;
  const missing = training.missing?.length ? ` (missing: ${training.missing.join(', ')})` : '';
  const batchTokens = training.tokensPerStep;
  if (!(batchTokens !== undefined && batchTokens > 0)) {
    errors.push(`tokens per step are unknown${missing}`);
    return undefined;
  }
  const steps = training.steps;
  const tokens = training.tokens;
  if (steps !== undefined && steps > 0)
    return { batchTokens, seqLen: training.seqLen, totalSteps: Math.round(steps) };
  if (tokens !== undefined && tokens > 0)
    return { batchTokens, seqLen: training.seqLen, totalTokens: tokens };
  errors.push(`the run length is unknown${missing}`);
  return undefined;
}

/** The run plan of a schedule and the reader's batch and length (run length in steps, else tokens). */
export function runPlan(schedule: LrSchedule, run: NonNullable<ReturnType<typeof batchAndLength>>): RunPlan {
  return {
    schedule,
    batchTokens: run.batchTokens,
    sequenceLength: run.seqLen,
    ...(run.totalSteps !== undefined ? { totalSteps: run.totalSteps } : { totalTokens: run.totalTokens }),
  };
}

/** A YAML document with lookups that record each key's line in `keyLines`. */
export class YamlKeys {
  readonly source: YamlSource | undefined;
  constructor(
    text: string,
    private readonly out: ExtractedSchedule,
    private readonly hyphenInsensitive = false,
  ) {
    this.source = parseYaml(text);
    if (!this.source) out.errors.push('the file is not YAML');
  }

  /** Whether a key path is written. */
  has(path: readonly string[]): boolean {
    return !!this.source && lookup(this.source, path, this.hyphenInsensitive) !== undefined;
  }

  /** The value at `path` (recording its line under the dotted path), or undefined. */
  get(path: readonly string[]): unknown {
    if (!this.source) return undefined;
    const found = lookup(this.source, path, this.hyphenInsensitive);
    if (!found) return undefined;
    this.out.keyLines[path.join('.')] = found.source.keyRange.start.line + 1;
    return found.value;
  }

  /** A number at `path`; a written non-number is an error naming the key. */
  number(path: readonly string[]): number | undefined {
    const raw = this.get(path);
    if (raw === undefined || raw === null) return undefined;
    const value = parseNumberLiteral(raw);
    if (value === undefined)
      this.out.errors.push(`\`${path.join('.')}\` = ${JSON.stringify(raw)} is not a number`);
    return value;
  }

  /** A string at `path` (numbers and booleans are stringified), or undefined. */
  string(path: readonly string[]): string | undefined {
    const raw = this.get(path);
    if (raw === undefined || raw === null) return undefined;
    return typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  }
}

/** "unknown: `key` = `value`" — the wording every extractor uses for a value it does not model. */
export function unmodeled(key: string, value: unknown, why = 'not modeled'): string {
  return `unknown: \`${key}\` = \`${typeof value === 'string' ? value : JSON.stringify(value)}\` (${why})`;
}

/**
 * A TOML document read as plain values (toml-eslint-parser's static value), with each key's line
 * found by a line scan of `[table]` headers and `key = value` lines (enough for job configs).
 */
export class TomlKeys {
  private readonly root: Record<string, unknown> | undefined;
  private readonly lines = new Map<string, number>();
  constructor(
    text: string,
    private readonly out: ExtractedSchedule,
  ) {
    try {
      this.root = getStaticTOMLValue(parseTomlCached(text)) as Record<string, unknown>;
    } catch (e) {
      out.errors.push(`TOML: ${(e as Error).message.split('\n')[0]}`);
    }
    let table = '';
    text.split(/\r?\n/).forEach((line, i) => {
      const header = /^\s*\[+\s*([^\]]+?)\s*\]+/.exec(line);
      if (header) {
        table = header[1]!.replace(/["'\s]/g, '');
        return;
      }
      const key = /^\s*([A-Za-z0-9_.\-"']+)\s*=/.exec(line);
      if (key) {
        const path = (table ? `${table}.` : '') + key[1]!.replace(/["'\s]/g, '');
        if (!this.lines.has(path)) this.lines.set(path, i + 1);
      }
    });
  }

  get ok(): boolean {
    return this.root !== undefined;
  }

  get(path: string): unknown {
    let node: unknown = this.root;
    for (const part of path.split('.')) {
      if (!node || typeof node !== 'object' || !(part in (node as object))) return undefined;
      node = (node as Record<string, unknown>)[part];
    }
    const line = this.lines.get(path);
    if (line !== undefined) this.out.keyLines[path] = line;
    return node;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  number(path: string): number | undefined {
    const raw = this.get(path);
    if (raw === undefined) return undefined;
    const value = parseNumberLiteral(raw);
    if (value === undefined) this.out.errors.push(`\`${path}\` = ${JSON.stringify(raw)} is not a number`);
    return value;
  }

  string(path: string): string | undefined {
    const raw = this.get(path);
    return raw === undefined ? undefined : String(raw);
  }
}

/**
 * The range of a recorded key on its (0-based) line: the key's last dotted segment, `-` and `_`
 * alike (GPT-NeoX), or undefined when the line does not show it.
 */
export function keyRangeOnLine(text: string, line: number, key: string): SourceRange | undefined {
  const lineText = text.split(/\r?\n/)[line];
  if (lineText === undefined) return undefined;
  const last = key.split('.').pop()!;
  const escaped = last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[-_]/g, '[-_]');
  // Whole keys only: `--lr` must not match inside `--lr-decay-style`, nor `lr` inside `min_lr`.
  const match = new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).exec(lineText);
  if (!match) return undefined;
  return { start: { line, character: match.index }, end: { line, character: match.index + match[0].length } };
}
