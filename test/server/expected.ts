/**
 * What the lens titles must say, built from the CLI's JSON (`node dist/cli.js analyze FILE --json`)
 * with the shared formatters, so the editor and the command line cannot disagree.
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

function tokensPerParam(ratio: number): string {
  return ratio >= 10 ? String(Math.round(ratio)) : String(Number(ratio.toPrecision(2)));
}

/**
 * The summary lens title for a CLI result. With D unknown, only the part before the optimal-D
 * segment is determined by the CLI's fields, so that prefix is returned.
 */
export function expectedSummary(j: AnalyzeJson, lawId = 'epoch2024'): { title?: string; prefix?: string } {
  const p = j.params!;
  const n = `N ${formatCount(p.total)}${p.active !== p.total ? ` (${formatCount(p.active)} active)` : ''}`;
  if (j.tokens === null)
    return { prefix: `${n} · D unknown: needs ${j.missing.join(' and ') || 'training length'} · ` };
  if (j.tokens === 0) return { title: `${n} · D 0: no training tokens · ${lawId}` };
  const parts = [
    n,
    `D ${formatCount(j.tokens)}${j.tokensPerParam !== null ? ` (${tokensPerParam(j.tokensPerParam)} tok/param)` : ''}`,
  ];
  if (j.flops !== null) parts.push(`${formatScientific(j.flops)} FLOPs`);
  if (j.cost) {
    const hours =
      j.cost.gpuHours >= 1 ? formatCount(j.cost.gpuHours) : String(Number(j.cost.gpuHours.toPrecision(2)));
    parts.push(`${hours} ${j.cost.gpu}-h ≈ ${formatUsd(j.cost.usd)}`);
  }
  if (j.loss) {
    const interval = j.loss.high > j.loss.low ? ` (${j.loss.low.toFixed(3)}–${j.loss.high.toFixed(3)})` : '';
    parts.push(`loss ${j.loss.value.toFixed(3)}${interval} ${j.loss.law}`);
  } else parts.push(lawId);
  return { title: parts.join(' · ') };
}
