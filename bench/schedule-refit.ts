/**
 * Live tracking's cost: refitting the schedule-aware law on a log that grows to 10,000 checkpoints,
 * warm-started from the previous fit (what the editor does when the watched log gains lines).
 * Reported as a ratio to the 100 ms per-update budget of issue 13 (ratio < 1 = within budget).
 *
 *   node --import tsx bench/schedule-refit.ts [--points 10000] [--batch 100]
 *
 * The log: OLMo-1B's schedule (configs/olmo/OLMo-1B.yaml, cosine, 739,328 steps) with losses from a
 * fixed law plus deterministic ±0.3% noise, one checkpoint every 73 steps, so the fit sees a real
 * schedule at real scale; the numbers fitted do not matter here, only the time.
 */
import { compileRun } from '../src/core/schedule/model';
import { featuresAtTokens, runFeatures } from '../src/core/schedule/features';
import { fitTrajectory, type TrajectoryPoint } from '../src/core/fit/trajectory';
import { mulberry32 } from '../src/core/fit/random';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const total = arg('--points', 10_000);
const batch = arg('--batch', 100);
const steps = 739_328;
const { run } = compileRun({
  schedule: {
    unit: 'steps',
    peakLr: 4e-4,
    finalLr: 4e-5,
    warmup: 2000,
    warmupShape: 'linear',
    decay: { kind: 'cosine' },
    horizon: steps,
  },
  batchTokens: 2048 * 2048,
  totalSteps: steps,
});
const features = runFeatures(run!, undefined, 2000);
const rand = mulberry32(1);
const log: TrajectoryPoint[] = [];
const every = Math.floor(steps / total);
for (let k = 1; k <= total; k++) {
  const tokens = run!.tokens[k * every - 1];
  const f = featuresAtTokens(features, tokens)!;
  const loss = (2.4 + 900 * f.s1 ** -0.33 - 9e-5 * f.s2) * (1 + 0.003 * (2 * rand() - 1));
  log.push({ model: '1B', run: 'r', params: 1e9, tokens, loss, ...f });
}
const options = { params: false, schedule: true };
let theta: number[] | undefined;
const times: number[] = [];
for (let n = batch; n <= total; n += batch) {
  const t0 = performance.now();
  const r = fitTrajectory(log.slice(0, n), options, theta);
  const ms = performance.now() - t0;
  if (r.fit) theta = r.fit.theta;
  if (n >= total - 10 * batch) times.push(ms);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const worst = times[times.length - 1];
console.log(
  JSON.stringify({
    bench: 'schedule-refit',
    points: total,
    msPerUpdateMedian: +median.toFixed(2),
    msPerUpdateWorst: +worst.toFixed(2),
    budgetMs: 100,
    ratio: +(median / 100).toFixed(3),
    worstRatio: +(worst / 100).toFixed(3),
  }),
);
