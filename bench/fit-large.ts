/**
 * Benchmark: large inputs, every point used (no thinning).
 *
 *   node --import tsx bench/fit-large.ts [POINTS=100000] [--models 40] [--bootstrap 40] [--seed 7]
 *
 * Writes the generated ladder of bench/ladder.ts (epoch2024 law, σ = 0.005 log-normal noise) as CSV,
 * times the whole `scaling-lens fit FILE --min-tokens 0 --json` process with its peak RSS
 * (/usr/bin/time -f %M), checks that every point was fitted, then bootstraps in-process (resampling
 * models) and says whether each true coefficient lies in its 95% bootstrap interval.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitScalingLaw } from '../src/core/fit';
import { buildCliBundle } from './cli-bundle';
import { LADDER_LAW, LADDER_SIGMA, ladderCsv, ladderRuns } from './ladder';

function main(): number {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const points = Number(
    args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--'))) ?? 100_000,
  );
  const models = option('--models', 40);
  const bootstrap = option('--bootstrap', 40);
  const seed = option('--seed', 7);
  const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-large-'));
  const csv = join(dir, 'ladder.csv');
  writeFileSync(csv, ladderCsv(points, models, seed));
  const cli = buildCliBundle();
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const command = timeBin ? [timeBin, '-f', 'maxrss_kb=%M', process.execPath] : [process.execPath];
  const start = performance.now();
  const run = spawnSync(command[0], [...command.slice(1), cli, 'fit', csv, '--min-tokens', '0', '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - start) / 1000;
  rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0) {
    console.error(`fit failed: ${run.stderr}${run.stdout}`);
    return 1;
  }
  const json = JSON.parse(run.stdout) as {
    points: number;
    params: Record<string, number>;
    dropped: Record<string, number>;
    warnings: string[];
  };
  const rss = /maxrss_kb=(\d+)/.exec(run.stderr)?.[1];
  console.log(
    `ladder: ${points} points, ${models} models, epoch2024 law, σ=${LADDER_SIGMA} log-normal noise, seed ${seed}`,
  );
  console.log(
    `whole CLI process: ${seconds.toFixed(2)} s, peak RSS ${rss ? (Number(rss) / 1024).toFixed(0) + ' MB' : 'n/a'}; points fitted ${json.points} of ${points}` +
      (json.dropped.thinned ? ` (THINNED ${json.dropped.thinned})` : ' (every point)'),
  );
  console.log(
    `fitted: ${Object.entries(json.params)
      .map(([k, v]) => `${k}=${v.toPrecision(6)}`)
      .join(' ')}`,
  );
  if (bootstrap > 0) {
    const t = performance.now();
    const report = fitScalingLaw(ladderRuns(points, models, seed), { minTokens: 0, bootstrap, seed: 0 });
    const bootSeconds = (performance.now() - t) / 1000;
    const truth = LADDER_LAW as unknown as Record<string, number>;
    console.log(
      `in-process fit + ${bootstrap} bootstrap refits (resampling models): ${bootSeconds.toFixed(1)} s`,
    );
    for (const [name, [low, high]] of Object.entries(report.intervals ?? {})) {
      const inside = truth[name] >= low && truth[name] <= high;
      console.log(
        `  ${name.padEnd(6)} true ${truth[name]}  fitted ${report.params[name].toPrecision(6)}  95% [${low.toPrecision(6)}, ${high.toPrecision(6)}]  ${inside ? 'inside' : 'OUTSIDE'}`,
      );
    }
  }
  return 0;
}

process.exitCode = main();
