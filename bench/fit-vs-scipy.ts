/**
 * Benchmark: our fit vs the scipy reference peer on the same data, in one run.
 *
 *   node --import tsx bench/fit-vs-scipy.ts [CSV] [--where COL=VALUE]...
 *
 * Default data: Epoch's Chinchilla points (../shared/data/chinchilla_epoch/chinchilla_points.csv, the 240
 * rows with in_epoch_fit_set=True). The peer is /usr/bin/python3 ../shared/bench/reference_fit.py
 * (scipy L-BFGS-B from Hoffmann's 4,500-point initialization grid). Both minimize
 * Σ huber_1e-3(log L̂ − log L); we print the objective ratio (ours / peer, ≤ 1 is as good or better) and the
 * time ratio (peer / ours, > 1 means we are faster). Our time includes reading the CSV.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fitScalingLaw, readRunsFromText, type RowFilter } from '../src/core/fit';

const SHARED = process.env.SCALING_LENS_SHARED ?? resolve(__dirname, '..', '..', 'shared');
const PEER_SCRIPT = join(SHARED, 'bench', 'reference_fit.py');
const PYTHON = '/usr/bin/python3';

function main(): number {
  const args = process.argv.slice(2);
  const where: RowFilter[] = [];
  let csv: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--where') {
      const [column, value] = args[++i].split(/=(.*)/s, 2);
      where.push({ column, value });
    } else csv = args[i];
  }
  if (!csv) {
    csv = join(SHARED, 'data', 'chinchilla_epoch', 'chinchilla_points.csv');
    if (where.length === 0) where.push({ column: 'in_epoch_fit_set', value: 'True' });
  }
  if (!existsSync(csv) || !existsSync(PEER_SCRIPT)) {
    console.error(`Needs ${csv} and ${PEER_SCRIPT} (../shared).`);
    return 2;
  }
  const scipy = spawnSync(PYTHON, ['-c', 'import scipy'], { encoding: 'utf8' });
  if (scipy.status !== 0) {
    console.error(`${PYTHON} cannot import scipy (apt-get install -y python3-scipy).`);
    return 2;
  }

  const oursStart = performance.now();
  const { runs, report: ingest } = readRunsFromText(readFileSync(csv, 'utf8'), csv, { where });
  const ours = fitScalingLaw(runs, { minTokens: 0 });
  const oursSeconds = (performance.now() - oursStart) / 1000;
  if (!ours.ok) {
    console.error(`Our fit failed: ${[...ingest.errors, ...ours.errors].join('; ')}`);
    return 1;
  }

  const peerArgs = [PEER_SCRIPT, csv, ...where.flatMap((w) => ['--where', `${w.column}=${w.value}`])];
  const peerStart = performance.now();
  const peerRun = spawnSync(PYTHON, peerArgs, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const peerWallSeconds = (performance.now() - peerStart) / 1000;
  if (peerRun.status !== 0) {
    console.error(`Peer failed: ${peerRun.stderr}`);
    return 1;
  }
  const peer = JSON.parse(peerRun.stdout.trim().split('\n').at(-1)!) as Record<string, number>;

  const names = ['E', 'A', 'B', 'alpha', 'beta'];
  console.log(`data: ${csv} (${ours.points} points; peer ${peer.points})`);
  console.log('param        ours            peer            rel.diff');
  for (const name of names) {
    const diff = Math.abs(ours.params[name] - peer[name]) / Math.abs(peer[name]);
    console.log(
      `${name.padEnd(8)} ${ours.params[name].toPrecision(8).padStart(14)}  ${peer[name].toPrecision(8).padStart(14)}  ${diff.toExponential(2)}`,
    );
  }
  console.log(`objective    ${ours.objective.toExponential(10)}  ${peer.objective.toExponential(10)}`);
  console.log(`objective ratio (ours/peer): ${(ours.objective / peer.objective).toFixed(9)}`);
  console.log(
    `time: ours ${oursSeconds.toFixed(2)} s, peer ${peerWallSeconds.toFixed(2)} s wall (${peer.seconds} s fitting, ${peer.starts} starts)`,
  );
  console.log(`time ratio (peer/ours): ${(peerWallSeconds / oursSeconds).toFixed(1)}x`);
  return 0;
}

process.exitCode = main();
