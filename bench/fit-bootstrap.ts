/**
 * Benchmark: the bootstrap of the 240-point Epoch fit (resampling models), serial vs worker threads,
 * in one run, and the intervals of both (identical for the same seed by construction).
 *
 *   node --import tsx bench/fit-bootstrap.ts [RESAMPLES=1000] [--threads 2]
 *
 * Times the whole `scaling-lens fit … --bootstrap N --json` CLI process (bundled, worker threads)
 * and the in-process serial engine.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fitScalingLaw, readRunsFromText } from '../src/core/fit';
import { buildCliBundle } from './cli-bundle';

const SHARED = process.env.SCALING_LENS_SHARED ?? resolve(__dirname, '..', '..', 'shared');

function main(): number {
  const args = process.argv.slice(2);
  const resamples = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
  const csv = join(SHARED, 'data', 'chinchilla_epoch', 'chinchilla_points.csv');
  const where = [{ column: 'in_epoch_fit_set', value: 'True' }];
  const cli = buildCliBundle();
  const start = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      cli,
      'fit',
      csv,
      '--where',
      'in_epoch_fit_set=True',
      '--min-tokens',
      '0',
      '--bootstrap',
      String(resamples),
      '--seed',
      '0',
      '--json',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const cliSeconds = (performance.now() - start) / 1000;
  if (run.status !== 0) {
    console.error(run.stderr + run.stdout);
    return 1;
  }
  const parallel = JSON.parse(run.stdout) as { intervals: Record<string, [number, number]> };
  const { runs } = readRunsFromText(readFileSync(csv, 'utf8'), csv, { where });
  const t = performance.now();
  const serial = fitScalingLaw(runs, { minTokens: 0, bootstrap: resamples, seed: 0 });
  const serialSeconds = (performance.now() - t) / 1000;
  console.log(
    `${resamples} bootstrap refits of the 240 Epoch points (resampling ${serial.models} models, seed 0)`,
  );
  console.log(
    `whole CLI process, worker threads: ${cliSeconds.toFixed(2)} s; in-process serial: ${serialSeconds.toFixed(2)} s`,
  );
  for (const [name, [low, high]] of Object.entries(serial.intervals ?? {})) {
    const [pl, ph] = parallel.intervals[name];
    console.log(
      `  ${name.padEnd(6)} serial [${low.toPrecision(8)}, ${high.toPrecision(8)}]  threads [${pl.toPrecision(8)}, ${ph.toPrecision(8)}]${pl === low && ph === high ? '  identical' : '  DIFFERENT'}`,
    );
  }
  return 0;
}

process.exitCode = main();
