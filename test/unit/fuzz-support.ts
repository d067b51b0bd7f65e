/**
 * Shared machinery for the reader fuzz tests (test/unit/fuzz-readers.test.ts) and the long campaign
 * (bench/fuzz-campaign.ts): the corpus of real configs, the text mutations, and the properties every
 * analysis must satisfy. Not a test file itself (no `.test.` in the name).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeText, type Analysis } from '../../src/core/analyze';
import { readRunConfig } from '../../src/core/config/registry';
import type { ReadResult } from '../../src/core/types';
import { HAS_SHARED, corpusLabel, diskReadFile, fixtureDirs, loadManifest } from '../helpers';

/** One config of the corpus. */
export interface CorpusFile {
  /** Absolute path (also the ReadContext path, so sibling includes resolve). */
  path: string;
  /** Short label for messages. */
  label: string;
  text: string;
  /** params.total of the unmutated file (null when the file has no architecture). */
  baselineParams: number | null;
  /** tokens of the unmutated file. */
  baselineTokens: number | null;
  framework?: string;
}

/** Bound per analyze call: generous, it catches hangs and quadratic blow-ups, not slowness. */
export const CALL_BOUND_MS = 2_000;

/** Fixture folders that are not run configs (fit inputs). */
const NON_CONFIG_FIXTURES = new Set(['runs']);

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** The project's own fixtures (always present) plus the shared real configs when available. */
export function loadCorpus(
  options: {
    maxChars?: number;
    shared?: boolean;
    /** Shared manifests to include (the long campaign adds configs-c). */
    sets?: readonly ('configs' | 'configs-b' | 'configs-c')[];
  } = {},
): CorpusFile[] {
  const maxChars = options.maxChars ?? Infinity;
  const paths: string[] = [];
  for (const { name, dir } of fixtureDirs()) {
    if (NON_CONFIG_FIXTURES.has(name)) continue;
    paths.push(...listFiles(dir));
  }
  if (options.shared !== false && HAS_SHARED) {
    for (const set of options.sets ?? (['configs', 'configs-b'] as const)) {
      for (const entry of loadManifest(set)) paths.push(entry.path);
    }
  }
  const corpus: CorpusFile[] = [];
  for (const path of paths) {
    const text = diskReadFile(path);
    if (text === undefined || text.length > maxChars) continue;
    const result = analyzeText(text, context(path));
    corpus.push({
      path,
      label: corpusLabel(path),
      text,
      baselineParams: result.analysis?.params?.total ?? null,
      baselineTokens: result.analysis?.tokens ?? null,
      ...(result.framework ? { framework: result.framework } : {}),
    });
  }
  return corpus;
}

/** The read context used for a corpus file (real path; includes read from disk). */
export function context(path: string) {
  return { path, readFile: diskReadFile };
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

/** Values a retype mutation writes in place of a number: every shape a hand-edited config takes. */
export const HOSTILE_VALUES = [
  '"12"',
  "'4096'",
  '[1, 2]',
  '{a: 1}',
  'null',
  '~',
  'None',
  '',
  '1e400',
  '-1e400',
  '999999999999999999999999999999',
  '1e308',
  '-4',
  '0',
  '-0',
  '0.5',
  '1e-30',
  'NaN',
  '.nan',
  'nan',
  'inf',
  '.inf',
  '-.inf',
  'Infinity',
  'four',
  '${oc.env:N_LAYERS}',
  '"${variables.missing}"',
  '$((1/0))',
  '2**1024',
  'true',
  '0x10',
  '1_0_0',
  '12abc',
  '"\u202e\u0000"',
];

/** Garbage inserted at random offsets: control bytes, replacement chars, RTL marks, emoji, YAML syntax. */
export const GARBAGE = [
  '\u0000',
  '\ufffd\ufffd',
  '\u202e',
  '\ud83d\ude00',
  '\ud800',
  '\r',
  '\t',
  ': : :',
  '- - -',
  '&a *a',
  '*undefined_alias',
  '<<: *x',
  '{[',
  ']}',
  '"""',
  "'''",
  '\\',
  '${',
  '}}',
  '#',
  '\u00e9\u00c3\u00a9',
  '!!python/object:os.system',
  '!include nonexistent.yaml',
];

/** One text mutation; integer fields are reduced modulo the relevant length when applied. */
export type Mutation =
  | { kind: 'delete-line'; line: number }
  | { kind: 'duplicate-line'; line: number }
  | { kind: 'swap-values'; a: number; b: number }
  | { kind: 'retype-value'; line: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert-garbage'; at: number; garbage: number }
  | { kind: 'insert-random'; at: number; text: string }
  | { kind: 'crlf' }
  | { kind: 'bom' };

/** Arbitrary over single mutations. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap-values' as const), a: fc.nat(), b: fc.nat() }),
  {
    arbitrary: fc.record({ kind: fc.constant('retype-value' as const), line: fc.nat(), value: fc.nat() }),
    weight: 3,
  },
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert-garbage' as const), at: fc.nat(), garbage: fc.nat() }),
  fc.record({
    kind: fc.constant('insert-random' as const),
    at: fc.nat(),
    text: fc.string({ unit: 'binary', maxLength: 12 }),
  }),
  fc.constant({ kind: 'crlf' as const }),
  fc.constant({ kind: 'bom' as const }),
);

/** `key: value`, `key = value`, `"key": value,` or `--flag value` / `KEY=value`: [prefix, value, suffix]. */
const VALUE_LINE =
  /^(\s*(?:-\s+)?(?:"[^"]+"\s*:|'[^']+'\s*:|[A-Za-z_][\w.-]*\s*[:=]|--[\w-]+[ =])\s*)([^#\n,\r]*?)(\s*,?\s*(?:#.*)?\r?)$/;

/** Split a line into prefix, value and suffix when it looks like a key/value line. */
export function splitValueLine(line: string): [string, string, string] | undefined {
  const match = VALUE_LINE.exec(line);
  if (!match || match[2].trim() === '') return undefined;
  return [match[1], match[2], match[3]];
}

/** Apply one mutation to a text. */
export function applyMutation(text: string, mutation: Mutation): string {
  const lines = text.split('\n');
  const pick = (n: number) => n % Math.max(1, lines.length);
  switch (mutation.kind) {
    case 'delete-line':
      lines.splice(pick(mutation.line), 1);
      return lines.join('\n');
    case 'duplicate-line': {
      const i = pick(mutation.line);
      lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    }
    case 'swap-values': {
      const valued = lines.map((l, i) => [i, splitValueLine(l)] as const).filter(([, s]) => s);
      if (valued.length < 2) return text;
      const [ia, sa] = valued[mutation.a % valued.length];
      const [ib, sb] = valued[mutation.b % valued.length];
      lines[ia] = sa![0] + sb![1] + sa![2];
      lines[ib] = sb![0] + sa![1] + sb![2];
      return lines.join('\n');
    }
    case 'retype-value': {
      const valued = lines.map((l, i) => [i, splitValueLine(l)] as const).filter(([, s]) => s);
      if (!valued.length) return text;
      const [i, s] = valued[mutation.line % valued.length];
      lines[i] = s![0] + HOSTILE_VALUES[mutation.value % HOSTILE_VALUES.length] + s![2];
      return lines.join('\n');
    }
    case 'truncate':
      return text.slice(0, mutation.at % (text.length + 1));
    case 'insert-garbage': {
      const at = mutation.at % (text.length + 1);
      return text.slice(0, at) + GARBAGE[mutation.garbage % GARBAGE.length] + text.slice(at);
    }
    case 'insert-random': {
      const at = mutation.at % (text.length + 1);
      return text.slice(0, at) + mutation.text + text.slice(at);
    }
    case 'crlf':
      return text.replace(/\r?\n/g, '\r\n');
    case 'bom':
      return '\ufeff' + text;
  }
}

/** Arbitrary over a short sequence of mutations (1–3, applied in order). */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

// ---------------------------------------------------------------------------------------------
// Neutral mutations: they touch no architecture key, so params.total must not move
// ---------------------------------------------------------------------------------------------

/**
 * Keys that never describe the architecture in any supported framework (logging, paths, seeds,
 * checkpointing). Matched on the last key segment, lower-cased, hyphens as underscores.
 */
export const NEUTRAL_KEY =
  /^(run_name|wandb\w*|\w*_wandb\w*|project|entity|group|tags|save_folder|save_dir|out_dir|output_dir|log_dir|logdir|dump_folder|remote_save_folder|seed|data_seed|log_interval|eval_interval|save_interval|checkpoint_interval|ckpt_interval|save_overwrite|tensorboard_dir|num_workers|console_log_interval|save_num_checkpoints_to_keep|description|log_every_n_steps|eval_iters|always_save_checkpoint|wandb_log|wandb_project|wandb_run_name|checkpoint_folder|log_freq)$/;

/** Comment syntax of a file, by extension (JSON has none). */
export function commentPrefix(path: string): string | undefined {
  if (/\.(json)$/i.test(path)) return undefined;
  return '#';
}

/** A neutral mutation: a comment line inserted, or the value of a neutral key rewritten. */
export type NeutralMutation =
  | { kind: 'insert-comment'; line: number; text: string }
  | { kind: 'rewrite-neutral'; which: number; value: string };

export const neutralMutationArb: fc.Arbitrary<NeutralMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('insert-comment' as const),
    line: fc.nat(),
    // Printable text without digits: a comment stating "64 gpus" may legitimately change D.
    text: fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n\d\u2028\u2029\u0085]/g, ' ')),
  }),
  fc.record({
    kind: fc.constant('rewrite-neutral' as const),
    which: fc.nat(),
    value: fc.constantFrom(
      '"renamed-run"',
      '12345',
      'null',
      '/tmp/x',
      'true',
      '"${oc.env:USER}"',
      'four',
      '-1',
    ),
  }),
);

/** Lines whose key is neutral, as [line index, split]. */
function neutralLines(lines: string[]): [number, [string, string, string]][] {
  const out: [number, [string, string, string]][] = [];
  lines.forEach((line, i) => {
    const split = splitValueLine(line);
    if (!split) return;
    const key = split[0]
      .trim()
      .replace(/^-\s*/, '')
      .replace(/^--/, '')
      .replace(/["':= ]/g, '')
      .split('.')
      .pop()!
      .toLowerCase()
      .replace(/-/g, '_');
    // Values that open a multi-line construct (a quoted shell string continued with `\`, a YAML
    // flow list) are skipped: replacing them would re-parse the following lines, not a neutral edit.
    const opensConstruct = /\\\s*$|^["'][^"']*$|^[[{(]/.test(split[1].trim()) || /\\\s*$/.test(split[2]);
    if (NEUTRAL_KEY.test(key) && !opensConstruct) out.push([i, split]);
  });
  return out;
}

/**
 * Apply a neutral mutation, or return undefined when it cannot apply to this file (no comment
 * syntax, no neutral key, or the chosen line continues a shell command).
 */
export function applyNeutralMutation(
  text: string,
  path: string,
  mutation: NeutralMutation,
): string | undefined {
  const lines = text.split('\n');
  if (mutation.kind === 'insert-comment') {
    const prefix = commentPrefix(path);
    if (!prefix) return undefined;
    const at = mutation.line % (lines.length + 1);
    // After a `\` continuation a comment line would end the shell command; inside a Python
    // string it is harmless, elsewhere it is a comment in every supported syntax.
    if (at > 0 && /\\\s*$/.test(lines[at - 1])) return undefined;
    // In YAML a comment must not land inside a block scalar (`|`/`>`) that belongs to an arch key; the
    // only block scalars in configs are descriptions and scripts, so we accept them.
    const indent = /^\s*/.exec(lines[at] ?? '')?.[0] ?? '';
    lines.splice(at, 0, `${indent}${prefix} ${mutation.text}`);
    return lines.join('\n');
  }
  const candidates = neutralLines(lines);
  if (!candidates.length) return undefined;
  const [i, split] = candidates[mutation.which % candidates.length];
  // Keep the file syntactically valid: TOML and JSON have no bare words or `null` (TOML).
  let value = mutation.value;
  if (/\.(toml|json)$/i.test(path) && !/^(".*"|-?\d+|true)$/.test(value)) value = JSON.stringify(value);
  if (/\.(sh|py)$/i.test(path)) value = value.replace(/[{}$]/g, '');
  lines[i] = split[0] + value + split[2];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** The path of the first non-finite number in `value`, or undefined. */
export function findNonFinite(
  value: unknown,
  path = 'analysis',
  seen = new Set<unknown>(),
): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} = ${value}`;
  if (!value || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  for (const [k, v] of Object.entries(value)) {
    const found = findNonFinite(v, `${path}.${k}`, seen);
    if (found) return found;
  }
  return undefined;
}

/**
 * Message text that shows a computation went wrong: `NaN`, `Infinity`, `undefined`, `[object Object]`.
 * Quoted raw file text (between backticks or quotes) is exempt: it echoes what the user wrote.
 */
export function badMessageText(message: string): string | undefined {
  const unquoted = message.replace(/`[^`]*`|"[^"]*"|'[^']*'/g, '');
  const match = /\bNaN\b|Infinity|\bundefined\b|\[object Object\]/.exec(unquoted);
  return match ? match[0] : undefined;
}

/** Outcome of checking one text. */
export interface CheckOutcome {
  ms: number;
  analysis: Analysis | null;
  read: ReadResult;
}

/**
 * Run readRunConfig and analyzeText on `text` and check the robustness properties; throws an
 * AssertionError-like Error describing the first violation.
 */
export function checkRobust(text: string, path: string): CheckOutcome {
  const ctx = context(path);
  const start = performance.now();
  let read: ReadResult;
  let result: ReturnType<typeof analyzeText>;
  try {
    read = readRunConfig(text, ctx);
    result = analyzeText(text, ctx);
  } catch (error) {
    throw new Error(`exception escaped: ${(error as Error)?.stack ?? error}`);
  }
  const ms = (performance.now() - start) / 2;
  if (ms > CALL_BOUND_MS) throw new Error(`call took ${ms.toFixed(0)} ms (> ${CALL_BOUND_MS} ms)`);
  if (read.kind === 'unreadable' && !read.diagnostics.length)
    throw new Error('unreadable without a diagnostic');
  const nonFinite =
    findNonFinite(read.kind === 'run-config' ? read.spec : read, 'read') ?? findNonFinite(result);
  if (nonFinite) throw new Error(`non-finite number: ${nonFinite}`);
  const messages = [
    ...result.diagnostics.map((d) => d.message),
    ...(result.analysis
      ? [
          ...result.analysis.warnings,
          ...result.analysis.assumptions,
          ...result.analysis.missing,
          result.analysis.tokensFormula ?? '',
        ]
      : []),
  ];
  for (const message of messages) {
    const bad = badMessageText(message);
    if (bad) throw new Error(`message contains ${bad}: ${message}`);
  }
  const params = result.analysis?.params;
  if (params) {
    for (const [k, v] of Object.entries(params)) {
      if (!(v >= 0)) throw new Error(`params.${k} = ${v} is negative`);
    }
    if (params.active > params.total) throw new Error(`active ${params.active} > total ${params.total}`);
  }
  if (
    result.analysis?.tokens !== null &&
    result.analysis?.tokens !== undefined &&
    !(result.analysis.tokens >= 0)
  ) {
    // 0 is legitimate (nanoGPT `eval_only = True` trains nothing); negative is not.
    throw new Error(`tokens = ${result.analysis.tokens} is negative`);
  }
  return { ms, analysis: result.analysis, read };
}

/** Check that a neutral mutation leaves params.total where it was. */
export function checkNeutral(file: CorpusFile, mutated: string): void {
  const result = analyzeText(mutated, context(file.path));
  const total = result.analysis?.params?.total ?? null;
  if (total !== file.baselineParams) {
    throw new Error(
      `params.total moved from ${file.baselineParams} to ${total} (framework ${result.framework})`,
    );
  }
}

/** Frameworks whose readers another helper still owns; their findings are reported, not asserted. */
export const PENDING_FRAMEWORKS = new Set<string>([]);

/** An invalid value for a key/value line: a word, or an interpolation nobody resolves. */
export const INVALID_WORDS = ['four', '"${oc.env:N_LAYERS}"'] as const;

/**
 * Write an invalid value on the `which`-th key/value line; undefined when the line's value opens a
 * multi-line construct (a JSON object, a continued shell string), or is a key whose unknown values
 * have a documented meaning: HF `model_type` (counted LLaMA-style, with a warning) and nanoGPT
 * `dataset` (train.py uses the GPT-2 vocab when there is no meta.pkl).
 */
export function applyInvalidValue(
  text: string,
  path: string,
  which: number,
  word: string,
): string | undefined {
  const lines = text.split('\n');
  const valued = lines.map((l, i) => [i, splitValueLine(l)] as const).filter(([, s]) => s);
  if (!valued.length) return undefined;
  const [i, split] = valued[which % valued.length];
  const [prefix, value, suffix] = split!;
  if (/^[[{(]|\\\s*$|^["'][^"']*$/.test(value.trim()) || /\\\s*$/.test(suffix)) return undefined;
  // nanoGPT's train.py falls back to the GPT-2 vocab for any dataset without meta.pkl: faithful.
  if (/model_type|^\s*dataset\s*=/.test(prefix)) return undefined;
  const written = /\.(json|toml)$/i.test(path) ? JSON.stringify(word.replace(/^"|"$/g, '')) : word;
  lines[i] = prefix + written + suffix;
  return lines.join('\n');
}

/**
 * "An invalid value never yields a different number": after writing an invalid value, params.total
 * and tokens are either unchanged (the key does not matter) or unknown, never another number.
 * Files the mutation made syntactically invalid are skipped (keys after the error are lost).
 */
export function checkInvalidValueOracle(
  file: CorpusFile,
  mutated: string,
  baselineTokens: number | null,
): void {
  const result = analyzeText(mutated, context(file.path));
  if (result.diagnostics.some((d) => /syntax/.test(d.code) && d.severity === 'error')) return;
  const total = result.analysis?.params?.total ?? null;
  const tokens = result.analysis?.tokens ?? null;
  if (total !== null && total !== file.baselineParams) {
    throw new Error(`params.total moved from ${file.baselineParams} to ${total} instead of becoming unknown`);
  }
  if (tokens !== null && tokens !== baselineTokens) {
    throw new Error(`tokens moved from ${baselineTokens} to ${tokens} instead of becoming unknown`);
  }
}

/** A short, readable description of a failing case for reports. */
export function describeCase(file: CorpusFile, mutations: unknown): string {
  return `${file.label} with ${JSON.stringify(mutations)}`;
}
