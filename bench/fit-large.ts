/**
 * Benchmark: large inputs, every point used (no thinning).
 *
 *   node --import tsx bench/fit-large.ts [POINTS=100000] [--models 40] [--bootstrap 40] [--seed 7]
 *
 * Writes the generated ladder of bench/ladder.ts (epoch2024 law, σ = 0.005 log-normal noise) as CSV,
 * times the whole `scaling-lens fit FILE --min-tokens 0 --json` process with its peak RSS
 * (/usr/bin/time -f %M) and its user CPU, checks that every point was fitted, then in this process
 * reads the same file as columns (as the CLI does), times a fit without and with a bootstrap
 * (resampling models, worker threads) next to the preview's estimate (estimateFitSeconds calibrated
 * by measureSecondsPerPointPass), and prints, per coefficient, the true value, the estimate, the 95%
 * bootstrap interval and PASS/FAIL (true value inside the interval).
 *
 *   --coverage K   also refit ladders of seeds 1..K in-process (same size and bootstrap) and count, per
 *                  coefficient, how often the true value lies inside its 95% interval (a 95% interval
 *                  misses ~1 time in 20; A and α are strongly correlated, so they miss together).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  columnsFromRuns,
  estimateFitSeconds,
  fitRunColumnsParallel,
  measureSecondsPerPointPass,
} from '../src/core/fit';
import { readRunColumnsFromPath } from '../src/node/runsFromDisk';
import { buildCliBundle } from './cli-bundle';
import { LADDER_LAW, LADDER_SIGMA, ladderCsv, ladderRuns } from './ladder';

async function main(): Promise<number> {
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
  const coverage = option('--coverage', 0);
  const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-large-'));
  try {
    const csv = join(dir, 'ladder.csv');
    writeFileSync(csv, ladderCsv(points, models, seed));
    const cli = buildCliBundle();
    const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
    const command = timeBin
      ? [timeBin, '-f', 'maxrss_kb=%M user_s=%U', process.execPath]
      : [process.execPath];
    const start = performance.now();
    const run = spawnSync(command[0], [...command.slice(1), cli, 'fit', csv, '--min-tokens', '0', '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const seconds = (performance.now() - start) / 1000;
    if (run.status !== 0) {
      console.error(`fit failed: ${run.stderr}${run.stdout}`);
      return 1;
    }
    const json = JSON.parse(run.stdout) as {
      points: number;
      params: Record<string, number>;
      dropped: Record<string, number>;
      warnings: string[];
      elapsedMs: number;
    };
    const rss = /maxrss_kb=(\d+)/.exec(run.stderr)?.[1];
    const user = /user_s=([\d.]+)/.exec(run.stderr)?.[1];
    console.log(
      `ladder: ${points} points, ${models} models, epoch2024 law, σ=${LADDER_SIGMA} log-normal noise, seed ${seed}`,
    );
    console.log(
      `whole CLI process: ${seconds.toFixed(2)} s wall${user ? `, ${user} s user CPU` : ''}, peak RSS ${rss ? (Number(rss) / 1024).toFixed(0) + ' MB' : 'n/a'}; the fit itself ${(json.elapsedMs / 1000).toFixed(2)} s; points fitted ${json.points} of ${points}` +
        (json.dropped.thinned ? ` (THINNED ${json.dropped.thinned})` : ' (every point)'),
    );
    console.log(
      `load average now: ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );

    // In-process: the same file as columns, a fit without and with a bootstrap, next to the estimate.
    const t0 = performance.now();
    const { columns } = readRunColumnsFromPath(csv);
    const ingestSeconds = (performance.now() - t0) / 1000;
    const perPass = measureSecondsPerPointPass();
    const cores = availableParallelism();
    const t1 = performance.now();
    const single = await fitRunColumnsParallel(columns, { minTokens: 0 });
    const singleSeconds = (performance.now() - t1) / 1000;
    console.log(
      `in-process: ingest ${ingestSeconds.toFixed(2)} s; fit ${singleSeconds.toFixed(2)} s, estimate ${estimateFitSeconds({ points: single.points, resamples: 0, cores }, perPass).toFixed(2)} s (measured ${perPass.toExponential(2)} s per point-pass)`,
    );
    if (bootstrap > 0) {
      const t2 = performance.now();
      const report = await fitRunColumnsParallel(columns, { minTokens: 0, bootstrap, seed: 0 });
      const bootSeconds = (performance.now() - t2) / 1000;
      const estimate = estimateFitSeconds({ points: report.points, resamples: bootstrap, cores }, perPass);
      console.log(
        `fit + ${bootstrap} bootstrap refits (resampling models, ${cores} cores): ${bootSeconds.toFixed(1)} s, estimate ${estimate.toFixed(1)} s`,
      );
      const truth = LADDER_LAW as unknown as Record<string, number>;
      let inside = 0;
      const intervals = Object.entries(report.intervals ?? {});
      for (const [name, [low, high]] of intervals) {
        const ok = truth[name] >= low && truth[name] <= high;
        if (ok) inside++;
        console.log(
          `  ${name.padEnd(6)} true ${String(truth[name]).padEnd(7)} estimate ${report.params[name].toPrecision(6).padEnd(9)} 95% [${low.toPrecision(6)}, ${high.toPrecision(6)}]  ${ok ? 'PASS' : 'FAIL'}`,
        );
      }
      console.log(
        `${inside} of ${intervals.length} true coefficients inside their ${bootstrap}-resample interval`,
      );
    }
    if (coverage > 0 && bootstrap > 0) {
      const truth = LADDER_LAW as unknown as Record<string, number>;
      const counts: Record<string, number> = {};
      for (let s = 1; s <= coverage; s++) {
        const report = await fitRunColumnsParallel(columnsFromRuns(ladderRuns(points, models, s)), {
          minTokens: 0,
          bootstrap,
          seed: 0,
        });
        for (const [name, [low, high]] of Object.entries(report.intervals ?? {}))
          counts[name] = (counts[name] ?? 0) + (truth[name] >= low && truth[name] <= high ? 1 : 0);
      }
      console.log(
        `coverage over ladder seeds 1–${coverage} (${bootstrap} resamples each): ${Object.entries(counts)
          .map(([name, c]) => `${name} ${c}/${coverage}`)
          .join(', ')}`,
      );
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => (process.exitCode = code));
