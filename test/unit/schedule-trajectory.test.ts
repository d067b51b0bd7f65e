import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRun } from '../../src/core/schedule/model';
import { featuresAtTokens, runFeatures } from '../../src/core/schedule/features';
import {
  EARLY_CUT_RUN_FRACTION,
  earlyCheckpointFilter,
  fitTrajectory,
  holdoutEvaluation,
  trajectoryRunKey,
  predictTrajectory,
  type TrajectoryPoint,
} from '../../src/core/fit/trajectory';
import { allFamilies } from '../../bench/schedule-families-data';

/** Exact points of a known law on two sizes × (cosine, WSD) schedules. */
function synthetic(batchTokens = 1e6): TrajectoryPoint[] {
  const law = { E: 1.9, A: 400, alpha: 0.34, B: 2000, beta: 0.3, C: 2e-4 };
  const out: TrajectoryPoint[] = [];
  for (const [model, params] of [
    ['s', 1e8],
    ['m', 4e8],
    ['l', 1.6e9],
  ] as const) {
    for (const decay of [
      { kind: 'cosine' as const },
      { kind: 'wsd' as const, cooldownFraction: 0.2, shape: 'linear' as const },
    ]) {
      const { run } = compileRun({
        schedule: {
          unit: 'steps',
          peakLr: 3e-4,
          finalLr: 3e-5,
          warmup: 500,
          warmupShape: 'linear',
          decay,
          horizon: 20_000,
        },
        batchTokens,
        totalSteps: 20_000,
      });
      const f = runFeatures(run!, undefined, 500);
      for (let step = 1000; step <= 20_000; step += 250) {
        const at = featuresAtTokens(f, step * batchTokens)!;
        const loss = law.E + law.A * params ** -law.alpha + law.B * at.s1 ** -law.beta - law.C * at.s2;
        out.push({ model, run: `${model}-${decay.kind}`, params, tokens: step * batchTokens, loss, ...at });
      }
    }
  }
  return out;
}

test('trajectory fit recovers the coefficients of exact tissue-chinchilla data (3 sizes × cosine/WSD)', () => {
  const { fit, error } = fitTrajectory(synthetic(), { params: true, schedule: true });
  assert.equal(error, undefined);
  const l = fit!.law;
  for (const [got, want] of [
    [l.E, 1.9],
    [l.alpha, 0.34],
    [l.beta, 0.3],
    [l.C, 2e-4],
  ] as const)
    assert.ok(Math.abs(got - want) / want < 1e-3, `${got} vs ${want}`);
});

test('trajectory fit: too few points or a single size for the N term give a reason, not a throw', () => {
  const few = synthetic().slice(0, 3);
  assert.match(fitTrajectory(few, { params: true, schedule: true }).error!, /at least/);
  const one = synthetic().filter((p) => p.model === 's');
  assert.match(fitTrajectory(one, { params: true, schedule: true }).error!, /two model sizes/);
  const fit = fitTrajectory(one, { params: false, schedule: true }).fit!;
  assert.equal(predictTrajectory(fit, { params: 1e8, tokens: 0, s1: 0, s2: 0 }), undefined);
});

test('a small ladder (runs of 2B tokens) is fitted: the default early cut is at most 10% of each run, not a fixed 10B', () => {
  const small = synthetic(1e5);
  const keep = earlyCheckpointFilter(small, trajectoryRunKey);
  // Every run ends at 2B tokens: checkpoints at or before 0.2B are cut, the rest kept.
  for (const p of small) assert.equal(keep(p), p.tokens > EARLY_CUT_RUN_FRACTION * 2e9);
  const r = holdoutEvaluation(small, 'l', 0.3);
  assert.equal(r.error, undefined);
  assert.ok(r.trainPoints > 0 && r.testPoints > 0);
  assert.ok(r.scheduleAre < 1e-4, `exact law data: ${r.scheduleAre}`);
  // A cut given explicitly is taken as given: 10B tokens leaves nothing of this ladder to fit.
  assert.match(holdoutEvaluation(small, 'l', 0.3, 1e10).error!, /at least/);
  // Long runs keep Choshen et al.'s 10B cut (10% of a 300B-token run is more).
  const long = [
    { model: 'x', run: 'a', tokens: 5e9 },
    { model: 'x', run: 'a', tokens: 1.1e10 },
    { model: 'x', run: 'a', tokens: 3e11 },
  ];
  const keepLong = earlyCheckpointFilter(long, (p) => p.run);
  assert.deepEqual(
    long.map((p) => keepLong(p)),
    [false, true, true],
  );
});

// Real trajectories (../shared/data/hitchhiker_colpret/raw): fit on the first 30% of the largest model's
// runs plus the smaller models, predict the rest. Measured (docs/schedule-laws.md): schedule-aware vs
// schedule-blind mean ARE — GPT-3 1.27% vs 1.65%, OLMo-7B 1.96% vs 2.12%, datablations c4 1.50% vs 1.88%,
// oscar 0.62% vs 1.23% (early cut at most 10% of each run); OLMo-1B (one run, no smaller models) 1.16% vs 0.90% — the schedule-aware law
// does NOT beat the baseline there with its own prefix fit, and this test says so instead of hiding it.
// With β borrowed from OLMo-7B it does (0.316% vs 0.322%): test/unit/schedule-borrow.test.ts.
test('real families: schedule-aware vs schedule-blind held-out ARE after the first 30%', (t) => {
  const expectBetter = new Set([
    'GPT-3 (val)',
    'OLMo-7B + Twin-2T (wikitext_103)',
    'datablations c4 (1 epoch)',
    'datablations oscar (1 epoch)',
  ]);
  for (const family of allFamilies()) {
    const r = holdoutEvaluation(family.points, family.target, 0.3);
    assert.ok(Number.isFinite(r.scheduleAre) && Number.isFinite(r.baselineAre), family.name);
    t.diagnostic(
      `${family.name}: schedule ${(100 * r.scheduleAre).toFixed(2)}% vs baseline ${(100 * r.baselineAre).toFixed(2)}%`,
    );
    if (expectBetter.has(family.name)) assert.ok(r.scheduleAre < r.baselineAre, family.name);
    else
      assert.ok(
        r.scheduleAre > r.baselineAre,
        `${family.name} now beats the baseline: update docs/schedule-laws.md`,
      );
  }
});
