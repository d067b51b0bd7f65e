/**
 * Live tracking's cost per log update: `RunTracker.update` (src/core/logs/live.ts: judge the new
 * checkpoints, refit warm-started, covariance, projection, ETA) on a log growing to 10,000
 * checkpoints by 100 per update, with OLMo-1B's schedule (configs/olmo/OLMo-1B.yaml: cosine over
 * 739,328 steps, as bench/schedule-refit.ts). Budget: 100 ms per update (issue 13).
 *
 *   node --import tsx bench/live-refit.ts [--points 10000] [--batch 100]
 */
import { compileRun } from '../src/core/schedule/model';
import { featuresAtTokens, runFeatures } from '../src/core/schedule/features';
import { RunTracker } from '../src/core/logs/live';
import { PointSeries } from '../src/node/logTail';
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
const tracker = new RunTracker({ run: run!, features });
const rand = mulberry32(1);
const train = new PointSeries(1 << 18);
const val = new PointSeries(16);
const every = Math.floor(steps / total);
const times: number[] = [];
let k = 0;
let last;
for (let n = batch; n <= total; n += batch) {
  for (; k < n; k++) {
    const step = (k + 1) * every;
    const f = featuresAtTokens(features, run!.tokens[step - 1])!;
    const loss = (2.4 + 900 * f.s1 ** -0.33 - 9e-5 * f.s2) * (1 + 0.003 * (2 * rand() - 1));
    train.add({ step, loss, iterationMs: 1500 });
  }
  const t0 = performance.now();
  last = tracker.update(train, val, 0, n);
  const ms = performance.now() - t0;
  if (n >= total - 10 * batch) times.push(ms);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const worst = times[times.length - 1];
console.log(
  JSON.stringify({
    bench: 'live-refit',
    points: total,
    msPerUpdateMedian: +median.toFixed(2),
    msPerUpdateWorst: +worst.toFixed(2),
    budgetMs: 100,
    ratio: +(median / 100).toFixed(3),
    worstRatio: +(worst / 100).toFixed(3),
    projection: last?.projection,
    fitted: last?.fittedCheckpoints,
  }),
);
