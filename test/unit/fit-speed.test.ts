import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildDesign,
  CHINCHILLA_LOG_FORM,
  COMPUTE_LOG_FORM,
  fitScalingLaw,
  fitScalingLawParallel,
  readRunsFromText,
} from '../../src/core/fit';
import { NormalEquations } from '../../src/core/fit/nnls';
import {
  HuberEvaluator,
  huberObjectiveAndGradient,
  localFit,
  variableProjectionStarts,
  type Problem,
} from '../../src/core/fit/optimize';
import { mulberry32 } from '../../src/core/fit/random';
import type { LogSpaceForm } from '../../src/core/laws/forms';
import { LADDER_LAW, ladderRuns } from '../../bench/ladder';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';

const FREE5 = [undefined, undefined, undefined, undefined, undefined];

function randomDesign(n: number, seed: number) {
  const random = mulberry32(seed);
  const points = Array.from({ length: n }, () => ({
    params: 1e7 * 10 ** (3 * random()),
    tokens: 1e9 * 10 ** (3 * random()),
    loss: 2 + 2 * random(),
  }));
  return buildDesign(points);
}

describe('fast fit engine: exactness of the fast paths', () => {
  it('chinchilla logLossBatch computes exactly what logLoss computes (values and Jacobian)', () => {
    const design = randomDesign(700, 1);
    const theta = [0.6, 6.1, 7.6, 0.35, 0.37];
    const values = new Float64Array(300);
    const jacobian = new Float64Array(300 * 5);
    const row = new Float64Array(5);
    CHINCHILLA_LOG_FORM.logLossBatch!(theta, design, 400, 700, values, jacobian);
    for (let i = 400; i < 700; i++) {
      assert.equal(values[i - 400], CHINCHILLA_LOG_FORM.logLoss(theta, design, i, row));
      for (let j = 0; j < 5; j++) assert.equal(jacobian[(i - 400) * 5 + j], row[j]);
    }
  });

  it('one evaluator pass gives the reference Huber objective and gradient (batched and per point)', () => {
    const design = randomDesign(1000, 2);
    for (const [form, theta] of [
      [CHINCHILLA_LOG_FORM, [0.6, 6.1, 7.6, 0.35, 0.37]],
      [COMPUTE_LOG_FORM, [0.5, 4.0, 0.08]],
    ] as [LogSpaceForm, number[]][]) {
      const fixed = theta.map(() => undefined);
      const problem: Problem = { form, design, delta: 1e-3, fixed };
      const free = theta.map((_, k) => k);
      const expectedGradient = new Float64Array(theta.length);
      const expected = huberObjectiveAndGradient(problem, theta, free, expectedGradient);
      const gradient = new Float64Array(theta.length);
      const objective = new HuberEvaluator(problem).pass(theta, gradient);
      assert.ok(
        Math.abs(objective - expected) <= 1e-12 * expected,
        `${form.form} ${objective} vs ${expected}`,
      );
      for (let j = 0; j < theta.length; j++)
        assert.ok(
          Math.abs(gradient[j] - expectedGradient[j]) <= 1e-12 * Math.abs(expectedGradient[j]) + 1e-15,
          `${form.form} gradient ${j}`,
        );
    }
  });

  it('the separable exponent scan picks the same starts as the per-cell scan', () => {
    const runs = ladderRuns(600, 12);
    const design = buildDesign(runs.flatMap((r) => r.points.map((p) => ({ params: r.params, ...p }))));
    const generic: LogSpaceForm = { ...CHINCHILLA_LOG_FORM, separableColumns: undefined };
    const fast = variableProjectionStarts(
      { form: CHINCHILLA_LOG_FORM, design, delta: 1e-3, fixed: FREE5 },
      { count: 6, coarsen: 2 },
    );
    const slow = variableProjectionStarts(
      { form: generic, design, delta: 1e-3, fixed: FREE5 },
      { count: 6, coarsen: 2 },
    );
    assert.equal(fast.length, 6);
    assert.deepEqual(
      fast.map((s) => s.gridIndex),
      slow.map((s) => s.gridIndex),
    );
    for (let s = 0; s < fast.length; s++)
      assert.ok(Math.abs(fast[s].objective - slow[s].objective) <= 1e-9 * slow[s].objective);
  });

  it('the allocation-free NNLS cost equals the cost of the NNLS solution', () => {
    const random = mulberry32(5);
    for (let trial = 0; trial < 200; trial++) {
      const equations = new NormalEquations(3);
      const rows: number[][] = [];
      const targets: number[] = [];
      for (let i = 0; i < 20; i++) {
        const row = [1, random(), random() - 0.5];
        const target = random() - 0.3;
        rows.push(row);
        targets.push(target);
        equations.add(row, target, 1);
      }
      const c = equations.solveNonNegative()!;
      assert.ok([...c].every((v) => v >= 0));
      let cost = 0;
      rows.forEach((row, i) => (cost += (targets[i] - row[0] * c[0] - row[1] * c[1] - row[2] * c[2]) ** 2));
      assert.ok(
        Math.abs(equations.nonNegativeCost() - cost) <= 1e-9 * Math.max(cost, 1e-12),
        `trial ${trial}`,
      );
    }
  });
});

describe('fast fit engine: large inputs use every point', () => {
  it('fits 100,000 generated points (epoch2024 law, σ = 0.005) on every point, to a stationary point of the full objective', () => {
    const runs = ladderRuns(100_000, 40);
    const report = fitScalingLaw(runs, { minTokens: 0 });
    assert.equal(report.ok, true, report.errors.join('; '));
    assert.equal(report.points, 100_000);
    assert.equal(report.dropped.thinned, undefined);
    assert.ok(!report.warnings.some((w) => /was used/.test(w)), report.warnings.join('; '));
    // The result is the optimum over all points, not over the search subsample: gradient ≈ 0 there.
    const design = buildDesign(runs.flatMap((r) => r.points.map((p) => ({ params: r.params, ...p }))));
    const problem: Problem = { form: CHINCHILLA_LOG_FORM, design, delta: 1e-3, fixed: FREE5 };
    const theta = CHINCHILLA_LOG_FORM.fromParams(
      ['E', 'A', 'B', 'alpha', 'beta'].map((n) => report.params[n]),
    );
    const further = localFit(problem, theta, { maxIterations: 50 });
    assert.ok(
      further.objective >= report.objective * (1 - 1e-12),
      `${further.objective} < ${report.objective}`,
    );
    // Noise σ = 0.005 on 100k points: the exponents come back close to the generating law.
    assert.ok(Math.abs(report.params.alpha - LADDER_LAW.alpha) < 0.02, `alpha ${report.params.alpha}`);
    assert.ok(Math.abs(report.params.beta - LADDER_LAW.beta) < 0.02, `beta ${report.params.beta}`);
    assert.ok(Math.abs(report.params.E - LADDER_LAW.E) < 0.05, `E ${report.params.E}`);
  });

  it('gives the same bootstrap draws in worker threads as in the calling thread', async () => {
    const runs = ladderRuns(1500, 10);
    const serial = fitScalingLaw(runs, { minTokens: 0, bootstrap: 30, seed: 9, maxDrawsKept: 30 });
    const threaded = await fitScalingLawParallel(runs, {
      minTokens: 0,
      bootstrap: 30,
      seed: 9,
      maxDrawsKept: 30,
      threads: 2,
    });
    assert.equal(serial.draws?.length, 30);
    assert.deepEqual(threaded.draws, serial.draws);
    assert.deepEqual(threaded.intervals, serial.intervals);
  });

  it('bootstraps deterministically per seed', () => {
    const runs = ladderRuns(2000, 10);
    const a = fitScalingLaw(runs, { minTokens: 0, bootstrap: 6, seed: 4 });
    const b = fitScalingLaw(runs, { minTokens: 0, bootstrap: 6, seed: 4 });
    assert.deepEqual(a.draws, b.draws);
    assert.deepEqual(a.intervals, b.intervals);
  });
});

describe('fast fit engine on Epoch data', { skip: SHARED_SKIP }, () => {
  // The peer's answer (../shared/bench/reference_fit.py, scipy L-BFGS-B from 4,500 starts), as it
  // printed it in bench/fit-vs-scipy.ts.
  const PEER = {
    E: 1.8172186745516552,
    A: 477.8230635923723,
    B: 2143.46147970811,
    alpha: 0.3473101298988449,
    beta: 0.36717345114167266,
    objective: 0.0010182740177356393,
  };

  it("reaches an objective at or below the scipy peer's (relative 1e-9) and continuing from the peer's answer lands on ours", () => {
    const text = readFileSync(join(SHARED_DIR, 'data', 'chinchilla_epoch', 'chinchilla_points.csv'), 'utf8');
    const { runs } = readRunsFromText(text, 'chinchilla_points.csv', {
      where: [{ column: 'in_epoch_fit_set', value: 'True' }],
    });
    const report = fitScalingLaw(runs, { minTokens: 0 });
    assert.ok(report.objective <= PEER.objective * (1 + 1e-9), `objective ${report.objective}`);
    const design = buildDesign(runs.flatMap((r) => r.points.map((p) => ({ params: r.params, ...p }))));
    const problem: Problem = { form: CHINCHILLA_LOG_FORM, design, delta: 1e-3, fixed: FREE5 };
    const names = ['E', 'A', 'B', 'alpha', 'beta'] as const;
    const continued = localFit(problem, CHINCHILLA_LOG_FORM.fromParams(names.map((n) => PEER[n])), {
      maxIterations: 200,
    });
    assert.ok(continued.objective < PEER.objective, 'the peer stopped short of the minimum');
    const params = CHINCHILLA_LOG_FORM.toParams(continued.theta);
    names.forEach((n, k) =>
      assert.ok(
        Math.abs(params[k] - report.params[n]) <= 1e-6 * Math.abs(report.params[n]),
        `${n} ${params[k]} vs ${report.params[n]}`,
      ),
    );
  });
});
