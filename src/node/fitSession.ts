/**
 * The editor's fit session, minus the editor: the messages between the language server and the fit
 * worker, the summary shown before fitting, the Hitchhiker defaults and the saved-law naming rules.
 * Pure (no `vscode`, no fs), so it is unit-tested and shared by src/server/fit.ts and
 * src/server/fitWorker.ts.
 */
import type { FitOptions, FitProgress, FitReport, IngestOptions, IngestReport, RunSeries } from '../core/fit';
import { readRunsFromText } from '../core/fit/ingest';
import { DROP_REASON_TEXT, type DropReason } from '../core/fit/types';
import { formatCount } from '../core/format';
import { borrowExponentsFromLaw } from '../core/fit/borrow';
import { DEFAULT_FIT_SETTINGS, type FitSettings } from '../protocol';
import { FIT_DEFAULTS } from '../core/fit/defaults';

/** FitOptions that can cross a thread boundary (no callbacks). */
export type WorkerFitOptions = Omit<FitOptions, 'onProgress' | 'isCancelled'>;

/** Host → worker. The worker keeps the runs it read for the following `fit`. */
export type HostToWorker =
  | { type: 'read-path'; path: string; options?: IngestOptions; minTokens?: number }
  | { type: 'read-text'; text: string; fileName: string; options?: IngestOptions; minTokens?: number }
  | { type: 'fit'; options: WorkerFitOptions }
  /** Tokens per step from the run configs beside a runs file (src/node/tokensPerStep.ts). */
  | { type: 'suggest-tokens-per-step'; path: string };

/** Worker → host. */
export type WorkerToHost =
  | { type: 'read-result'; report: IngestReport; summary: RunsSummary }
  | { type: 'progress'; progress: FitProgress }
  | { type: 'fit-result'; report: FitReport }
  | { type: 'tokens-per-step'; value: number | null; source?: string; detail: string }
  | { type: 'error'; message: string };

/** The fit command's defaults (one place: src/core/fit/defaults.ts). */
export const HITCHHIKER_FIT_DEFAULTS = {
  minTokens: FIT_DEFAULTS.minTokens,
  useIntermediateCheckpoints: FIT_DEFAULTS.useIntermediateCheckpoints,
  holdoutMinModelSizes: FIT_DEFAULTS.holdoutMinModelSizes,
  bootstrap: FIT_DEFAULTS.editorBootstrap,
  seed: FIT_DEFAULTS.seed,
} as const;

/**
 * Fewest points and model sizes a Chinchilla fit can use: 5 coefficients need 5 points, and the N
 * term needs at least two sizes.
 */
export const MIN_FIT_POINTS = 5;
export const MIN_FIT_MODEL_SIZES = 2;

/** What was read, in the terms the preview and the option choice need. */
export interface RunsSummary {
  runs: number;
  /** Distinct N over all runs. */
  modelSizes: number;
  points: number;
  paramsMin: number | null;
  paramsMax: number | null;
  tokensMin: number | null;
  tokensMax: number | null;
  /** Points strictly after the default min-tokens cut, and the sizes they cover. */
  pointsAfterMinTokens: number;
  modelSizesAfterMinTokens: number;
  /** The cut the two counts above use. */
  minTokens: number;
}

/** Summarize runs for the preview (and for choosing the fit options). */
export function summarizeRuns(
  runs: readonly RunSeries[],
  minTokens: number = HITCHHIKER_FIT_DEFAULTS.minTokens,
): RunsSummary {
  const sizes = new Set<number>();
  const sizesAfter = new Set<number>();
  let points = 0;
  let after = 0;
  let paramsMin = Infinity;
  let paramsMax = -Infinity;
  let tokensMin = Infinity;
  let tokensMax = -Infinity;
  for (const run of runs) {
    if (run.points.length === 0) continue;
    sizes.add(run.params);
    paramsMin = Math.min(paramsMin, run.params);
    paramsMax = Math.max(paramsMax, run.params);
    for (const point of run.points) {
      points++;
      tokensMin = Math.min(tokensMin, point.tokens);
      tokensMax = Math.max(tokensMax, point.tokens);
      // The fit drops checkpoints at or before the cut (FitOptions.minTokens: "tokens ≤ this").
      if (point.tokens > minTokens) {
        after++;
        sizesAfter.add(run.params);
      }
    }
  }
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    runs: runs.filter((r) => r.points.length > 0).length,
    modelSizes: sizes.size,
    points,
    paramsMin: finite(paramsMin),
    paramsMax: finite(paramsMax),
    tokensMin: finite(tokensMin),
    tokensMax: finite(tokensMax),
    pointsAfterMinTokens: after,
    modelSizesAfterMinTokens: sizesAfter.size,
    minTokens,
  };
}

/** True when the default min-tokens cut leaves too little to fit (but the data without it would do). */
export function minTokensLeavesTooLittle(summary: RunsSummary): boolean {
  const tooLittle = (points: number, sizes: number) => points < MIN_FIT_POINTS || sizes < MIN_FIT_MODEL_SIZES;
  return (
    tooLittle(summary.pointsAfterMinTokens, summary.modelSizesAfterMinTokens) &&
    !tooLittle(summary.points, summary.modelSizes)
  );
}

/**
 * The editor's fit options: the user's `scalingLens.fit.*` settings (Hitchhiker defaults), with the
 * min-tokens cut the user accepted and the largest model held out when at least three sizes survive
 * the cut.
 */
export function editorFitOptions(
  summary: RunsSummary,
  minTokens: number,
  settings: FitSettings = DEFAULT_FIT_SETTINGS,
): WorkerFitOptions {
  // The summary knows the sizes after its own cut and with no cut; any other cut is not held out.
  const sizes =
    minTokens === summary.minTokens
      ? summary.modelSizesAfterMinTokens
      : summary.tokensMin !== null && minTokens < summary.tokensMin
        ? summary.modelSizes
        : 0;
  const holdoutLargest = settings.holdoutLargest && sizes >= HITCHHIKER_FIT_DEFAULTS.holdoutMinModelSizes;
  const borrowed = settings.borrowExponentsFrom
    ? borrowExponentsFromLaw(settings.borrowExponentsFrom, settings.form)
    : undefined;
  return {
    form: settings.form,
    minTokens,
    delta: settings.huberDelta,
    useIntermediateCheckpoints: settings.useIntermediateCheckpoints,
    minModelSizes: settings.minModelSizes,
    holdoutLargest,
    ...(holdoutLargest && settings.targetPrefixFraction > 0
      ? { targetPrefixFraction: settings.targetPrefixFraction }
      : {}),
    ...(borrowed && !('error' in borrowed)
      ? { fixedExponents: borrowed.values, fixedExponentsSource: borrowed.source }
      : {}),
    bootstrap: settings.bootstrap,
    seed: HITCHHIKER_FIT_DEFAULTS.seed,
  };
}

/** The preview of what was read: a one-line message and a multi-line detail (modal dialog). */
export function formatRunsPreview(
  report: IngestReport,
  summary: RunsSummary,
): { message: string; detail: string } {
  const message =
    summary.runs === 0
      ? `No usable runs in ${report.source}.`
      : `Read ${summary.runs} run${summary.runs === 1 ? '' : 's'} (${summary.modelSizes} model size${summary.modelSizes === 1 ? '' : 's'}, ${summary.points} checkpoints) from ${report.source}.`;
  const lines: string[] = [];
  lines.push(
    `Format: ${report.format}; ${report.rowsRead} rows read, ${report.pointsKept} checkpoints kept.`,
  );
  if (summary.paramsMin !== null && summary.paramsMax !== null)
    lines.push(
      `Model sizes: ${formatCount(summary.paramsMin)} – ${formatCount(summary.paramsMax)} parameters.`,
    );
  if (summary.tokensMin !== null && summary.tokensMax !== null)
    lines.push(`Tokens: ${formatCount(summary.tokensMin)} – ${formatCount(summary.tokensMax)}.`);
  const columns = Object.entries(report.columns)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} = ${v}`);
  if (columns.length) lines.push(`Columns: ${columns.join(', ')}.`);
  const dropped = (Object.entries(report.dropped) as [DropReason, number][]).filter(([, n]) => n > 0);
  if (dropped.length) {
    lines.push('Dropped:');
    for (const [reason, count] of dropped) {
      const example = report.dropExamples[reason];
      lines.push(`  ${count} — ${DROP_REASON_TEXT[reason]}${example ? ` (e.g. ${example})` : ''}`);
    }
  } else lines.push('Dropped: nothing.');
  if (summary.points > 0)
    lines.push(
      `After the ${formatCount(summary.minTokens)}-token cut: ${summary.pointsAfterMinTokens} checkpoints from ${summary.modelSizesAfterMinTokens} model sizes.`,
    );
  for (const note of report.notes) lines.push(`Note: ${note}`);
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`);
  for (const error of report.errors) lines.push(`Error: ${error}`);
  return { message, detail: lines.join('\n') };
}

/** A saved-law name: lower-case letters and digits in dash-separated words, at most 64 characters. */
const LAW_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_LAW_SLUG_LENGTH = 64;

/** Why `name` is not a valid saved-law name, or undefined when it is (for an input box). */
export function validateLawSlug(name: string): string | undefined {
  if (name.length === 0) return 'Give the law a name (it becomes the file name and the setting value).';
  if (name.length > MAX_LAW_SLUG_LENGTH) return `At most ${MAX_LAW_SLUG_LENGTH} characters.`;
  if (!LAW_SLUG.test(name))
    return 'Use lower-case letters, digits and single dashes (e.g. "my-sweep-2025"), no leading or trailing dash.';
  return undefined;
}

/** A slug from any text (a file or folder name): "Ladder Runs_v2.csv" → "ladder-runs-v2". */
export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/\.[a-z0-9]+$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_LAW_SLUG_LENGTH)
    .replace(/-+$/, '');
  return slug || 'fitted-law';
}

/** File name of a saved law in `.vscode/scaling-lens/`. */
export function savedLawFileName(slug: string): string {
  return `${slug}.law.json`;
}

/**
 * Name of the temporary file a saved law is first written to (same folder, so the rename is
 * atomic). It starts with a dot and does not end in `.law.json`, so the server's loader never
 * sees a half-written law.
 */
export function savedLawTempFileName(slug: string, nonce: string): string {
  return `.${slug}.${nonce}.tmp`;
}

/** Which files look like runs data (for the "Fit scaling law from these runs…" lens). */
export const RUNS_FILE_PATTERN = /(^|[\\/])(trainer_state\.json|[^\\/]+\.(csv|tsv|jsonl|ndjson))$/i;

/** Lines of a data file the lens looks at to decide whether it is runs data. */
export const RUNS_SNIFF_LINES = 200;

/** The first `lines` lines of `text` (whole lines only). */
export function firstLines(text: string, lines: number): string {
  let index = -1;
  for (let i = 0; i < lines; i++) {
    index = text.indexOf('\n', index + 1);
    if (index < 0) return text;
  }
  return text.slice(0, index + 1);
}

/**
 * Cheap check that a data file holds runs: the trainer_state.json marker, or the first
 * {@link RUNS_SNIFF_LINES} lines read as at least one run (or with a loss and a tokens/step column).
 */
export function looksLikeRunsText(text: string, fileName: string): boolean {
  if (!RUNS_FILE_PATTERN.test(fileName)) return false;
  if (/(^|[\\/])trainer_state\.json$/i.test(fileName)) return text.slice(0, 65536).includes('"log_history"');
  const head = firstLines(text.slice(0, 1 << 20), RUNS_SNIFF_LINES);
  const { runs, report } = readRunsFromText(head, fileName);
  if (runs.length > 0) return true;
  const c = report.columns;
  return !!c.loss && !!(c.tokens || c.step);
}

/**
 * The step column when the runs could not be read only for want of tokens per step (steps, no token
 * column), so the editor can ask for it instead of failing; undefined otherwise.
 */
export function needsTokensPerStep(report: IngestReport): { stepColumn: string } | undefined {
  if (report.errors.length === 0 || !report.columns.step || report.columns.tokens) return undefined;
  if (!report.errors.some((e) => /tokens[ -]per[ -]step/i.test(e))) return undefined;
  // Other fatal problems (no loss column, no N) cannot be fixed by tokens per step.
  if (report.errors.some((e) => !/tokens[ -]per[ -]step/i.test(e))) return undefined;
  return { stepColumn: report.columns.step };
}

/** Largest tokens per step accepted (1e12: far above any real global batch). */
export const MAX_TOKENS_PER_STEP = 1e12;

/**
 * Parse the tokens-per-step input ("524288", "512*1024", "0.5M"): a positive integer, or a message
 * saying what is wrong (for the input box's validation).
 */
export function parseTokensPerStep(text: string): number | string {
  const trimmed = text.trim().replace(/[,_\s]/g, '');
  if (trimmed === '') return 'Give the tokens per optimizer step (global batch × sequence length).';
  const factors = trimmed.split(/[*×x]/i);
  let value = 1;
  for (const factor of factors) {
    const match = /^(\d+(?:\.\d+)?(?:e\d+)?)([kmb])?$/i.exec(factor);
    if (!match) return `"${text.trim()}" is not a number (e.g. 524288, 512*1024 or 0.5M).`;
    const scale = match[2] ? { k: 1e3, m: 1e6, b: 1e9 }[match[2].toLowerCase() as 'k' | 'm' | 'b'] : 1;
    value *= Number(match[1]) * scale;
  }
  if (!Number.isFinite(value) || value <= 0) return 'Tokens per step must be positive.';
  if (!Number.isInteger(value)) return `Tokens per step must be a whole number (got ${value}).`;
  if (value > MAX_TOKENS_PER_STEP) return `${value} tokens per step is implausibly large (limit 1e12).`;
  return value;
}

/** The input box's prompt: which column needs it and where the prefilled value came from. */
export function tokensPerStepPrompt(
  stepColumn: string,
  suggestion: { value: number | null; source?: string; detail: string } | undefined,
): string {
  const base = `The runs have steps ("${stepColumn}") but no token counts: tokens = step × tokens per step.`;
  if (!suggestion) return `${base} Give tokens per step (global batch × sequence length).`;
  return suggestion.value !== null
    ? `${base} Prefilled from ${suggestion.detail}; check it matches the logged runs.`
    : `${base} Not prefilled: ${suggestion.detail}.`;
}
