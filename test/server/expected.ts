/**
 * What the lens titles must say, built from the CLI's JSON (`node dist/cli.js analyze FILE --json`)
 * with the shared formatters, so the editor and the command line cannot disagree.
 *
 * Lenses are split by topic (src/server/lenses.ts); the summary topics — size, data, compute, cost,
 * loss — joined with " · " in that order are what {@link summaryOf} reads from a lens answer and
 * {@link expectedSummary} builds from the CLI.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { AnalyzeJson } from '../../src/cli/analyze';
import { formatCount, formatScientific, formatUsd } from '../../src/core/format';
import { REPO_ROOT } from '../helpers';

/** Run the bundled CLI on files and parse its JSON lines. */
export function cliAnalyze(files: string[], args: string[] = []): AnalyzeJson[] {
  const out = execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'dist', 'cli.js'), 'analyze', ...files, '--json', ...args],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return out
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as AnalyzeJson);
}

/** The summary topics in reading order (src/server/lenses.ts SUMMARY_TOPICS). */
const SUMMARY_TOPICS = ['size', 'data', 'compute', 'cost', 'loss'];

interface LensLike {
  command?: { title: string };
  data?: unknown;
}

/** The lens of one topic in a textDocument/codeLens answer. */
export function lensOf(lenses: readonly LensLike[] | null | undefined, topic: string): LensLike | undefined {
  return (lenses ?? []).find((l) => (l.data as { topic?: string } | undefined)?.topic === topic);
}

/** The summary topics' titles of a lens answer joined with " · " (undefined when there is none). */
export function summaryOf(lenses: readonly LensLike[] | null | undefined): string | undefined {
  const titles = SUMMARY_TOPICS.map((t) => lensOf(lenses, t)?.command?.title).filter((t): t is string => !!t);
  return titles.length ? titles.join(' · ') : undefined;
}

function tokensPerParam(ratio: number): string {
  return ratio >= 10 ? String(Math.round(ratio)) : String(Number(ratio.toPrecision(2)));
}

/** The size lens: `N 124M` or `N 46.7B (12.9B active)`. */
export function expectedSize(j: AnalyzeJson): string {
  const p = j.params!;
  return `N ${formatCount(p.total)}${p.active !== p.total ? ` (${formatCount(p.active)} active)` : ''}`;
}

/** The data lens for a CLI result. */
export function expectedData(j: AnalyzeJson): string {
  if (j.tokens === null) {
    // Without the readers' parentheticals; past 52 characters (a line next to the panel), the
    // first missing value and how many more.
    const needs = (j.missing.length ? j.missing : ['training length']).map((m) =>
      m.replace(/ \([^()]*\)/g, ''),
    );
    const all = `D unknown: needs ${needs.join(' and ')}`;
    return all.length <= 52 || needs.length < 2
      ? all
      : `D unknown: needs ${needs[0]} and ${needs.length - 1} more`;
  }
  if (j.tokens === 0) return 'D 0: no training tokens';
  return `D ${formatCount(j.tokens)}${j.tokensPerParam !== null ? ` (${tokensPerParam(j.tokensPerParam)} tok/param)` : ''}`;
}

/** The compute lens (undefined when there is no FLOP count). */
export function expectedCompute(j: AnalyzeJson): string | undefined {
  return j.flops !== null && j.tokens ? `${formatScientific(j.flops)} FLOPs` : undefined;
}

/** The cost lens (undefined without a cost). */
export function expectedCost(j: AnalyzeJson): string | undefined {
  if (!j.cost || !j.tokens) return undefined;
  const hours =
    j.cost.gpuHours >= 1 ? formatCount(j.cost.gpuHours) : String(Number(j.cost.gpuHours.toPrecision(2)));
  return `${hours} ${j.cost.gpu}-h ≈ ${formatUsd(j.cost.usd)}`;
}

/** The loss lens. */
export function expectedLoss(j: AnalyzeJson, lawId = 'epoch2024'): string {
  if (!j.loss) {
    const why = j.tokens === null ? 'loss needs D' : j.tokens === 0 ? 'no loss (D 0)' : 'no loss prediction';
    return `${why} · ${lawId}`;
  }
  const interval = j.loss.high > j.loss.low ? ` (${j.loss.low.toFixed(3)}–${j.loss.high.toFixed(3)})` : '';
  return `loss ${j.loss.value.toFixed(3)}${interval} ${j.loss.law}`;
}

/**
 * The summary (size · data · compute · cost · loss) for a CLI result, as {@link summaryOf} reads it.
 * Every part is determined by the CLI's fields, so `title` is always set (`prefix` is kept for
 * callers written when the unknown-D summary ended in a part the CLI did not print).
 */
export function expectedSummary(j: AnalyzeJson, lawId = 'epoch2024'): { title?: string; prefix?: string } {
  const parts = [
    expectedSize(j),
    expectedData(j),
    expectedCompute(j),
    expectedCost(j),
    expectedLoss(j, lawId),
  ];
  return { title: parts.filter((p): p is string => !!p).join(' · ') };
}
