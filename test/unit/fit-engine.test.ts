import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chinchillaLoss, computeLoss, kaplanLoss } from '../../src/core/laws/forms';
import {
  COMPUTE_LOG_FORM,
  CHINCHILLA_LOG_FORM,
  KAPLAN_LOG_FORM,
  buildDesign,
  fitScalingLaw,
  huber,
  predictWithUncertainty,
  type LogSpaceForm,
  type RunSeries,
} from '../../src/core/fit';
import { NormalEquations } from '../../src/core/fit/nnls';
import { mulberry32 } from '../../src/core/fit/random';

/** Gaussian noise from a seeded uniform source (Box–Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Runs sampled from a loss function with multiplicative noise of relative size `noise`. */
function syntheticRuns(
  loss: (params: number, tokens: number) => number,
  sizes: number[],
  tokens: number[],
  noise: number,
  seed = 1,
): RunSeries[] {
  const random = mulberry32(seed);
  return sizes.map((params) => ({
    name: `model-${params}`,
    params,
    points: tokens.map((t) => ({ tokens: t, loss: loss(params, t) * (1 + noise * gaussian(random)) })),
  }));
}

const SIZES = [2e7, 5e7, 1.2e8, 3e8, 7e8, 1.5e9, 3e9];
const TOKENS = [1.5e10, 3e10, 6e10, 1.2e11, 2.4e11];

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('law Jacobians', () => {
  const design = buildDesign([
    { params: 7e7, tokens: 3e9, loss: 3.1 },
    { params: 1.3e9, tokens: 2.6e10, loss: 2.4, flops: 3e20 },
    { params: 6.7e10, tokens: 1.4e12, loss: 2.0 },
  ]);
  const cases: [LogSpaceForm, number[]][] = [
    [CHINCHILLA_LOG_FORM, [0.6, 6.1, 7.6, 0.35, 0.37]],
    [KAPLAN_LOG_FORM, [Math.log(6.4e13), Math.log(1.8e13), Math.log(0.076), Math.log(0.103)]],
    [COMPUTE_LOG_FORM, [0.5, 4.0, 0.08]],
  ];
  for (const [form, theta] of cases) {
    it(`matches central finite differences for the ${form.form} form`, () => {
      const gradient = new Float64Array(theta.length);
      for (let i = 0; i < 3; i++) {
        form.logLoss(theta, design, i, gradient);
        for (let k = 0; k < theta.length; k++) {
          const h = 1e-6 * Math.max(1, Math.abs(theta[k]));
          const up = theta.slice();
          const down = theta.slice();
          up[k] += h;
          down[k] -= h;
          const numeric = (form.logLoss(up, design, i) - form.logLoss(down, design, i)) / (2 * h);
          assert.ok(
            Math.abs(gradient[k] - numeric) <= 1e-6 * Math.max(1, Math.abs(numeric)),
            `${form.thetaNames[k]} at point ${i}: ${gradient[k]} vs ${numeric}`,
          );
        }
      }
    });
  }

  it('evaluates the same loss as src/core/laws/forms.ts', () => {
    const chinchilla = CHINCHILLA_LOG_FORM.fromParams([1.8172, 477.8, 2143.4, 0.3473, 0.3672]);
    assert.ok(
      relative(
        Math.exp(CHINCHILLA_LOG_FORM.logLoss(chinchilla, design, 0)),
        chinchillaLoss({ E: 1.8172, A: 477.8, B: 2143.4, alpha: 0.3473, beta: 0.3672 }, 7e7, 3e9),
      ) < 1e-12,
    );
    const kaplan = KAPLAN_LOG_FORM.fromParams([6.4e13, 1.8e13, 0.076, 0.103]);
    assert.ok(
      relative(
        Math.exp(KAPLAN_LOG_FORM.logLoss(kaplan, design, 2)),
        kaplanLoss({ Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 }, 6.7e10, 1.4e12),
      ) < 1e-12,
    );
    const compute = COMPUTE_LOG_FORM.fromParams([1.7, 50, 0.05]);
    assert.ok(
      relative(
        Math.exp(COMPUTE_LOG_FORM.logLoss(compute, design, 1)),
        computeLoss({ E: 1.7, A: 50, alpha: 0.05 }, 3e20),
      ) < 1e-12,
    );
  });
});

describe('huber and NNLS', () => {
  it('follows scipy.special.huber on both sides of delta', () => {
    assert.equal(huber(1e-3, 5e-4), 1.25e-7);
    assert.equal(huber(1e-3, -2e-3), 1e-3 * (2e-3 - 5e-4));
  });

  it('clamps a negative unconstrained coefficient to zero', () => {
    // y = 2·x1 exactly, with x2 correlated so the unconstrained fit would use a negative x2.
    const equations = new NormalEquations(2);
    for (const [x1, x2] of [
      [1, 0.9],
      [2, 2.1],
      [3, 2.9],
      [4, 4.2],
    ])
      equations.add([x1, x2], 2 * x1, 1);
    const solution = equations.solveNonNegative()!;
    assert.ok(Math.abs(solution[0] - 2) < 1e-12);
    assert.equal(solution[1], 0);
  });
});

describe('fitScalingLaw on synthetic data', () => {
  const truth = { E: 1.7, A: 400, B: 1500, alpha: 0.34, beta: 0.3 };

  it('recovers Chinchilla coefficients from noisy runs and beats the true coefficients on its objective', () => {
    const tokens = [1.5e10, 3e10, 6e10, 1.2e11, 2.4e11, 5e11, 1e12];
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES, tokens, 0.002);
    const report = fitScalingLaw(runs, { minTokens: 1e10 });
    assert.equal(report.ok, true, report.errors.join('; '));
    assert.equal(report.points, 49);
    assert.equal(report.models, 7);
    assert.ok(relative(report.params.E, truth.E) < 0.03, `E ${report.params.E}`);
    assert.ok(relative(report.params.alpha, truth.alpha) < 0.1, `alpha ${report.params.alpha}`);
    assert.ok(relative(report.params.beta, truth.beta) < 0.1, `beta ${report.params.beta}`);
    let atTruth = 0;
    for (const run of runs)
      for (const p of run.points)
        atTruth += huber(1e-3, Math.log(chinchillaLoss(truth, run.params, p.tokens) / p.loss));
    assert.ok(report.objective <= atTruth, `${report.objective} > ${atTruth}`);
  });

  it('recovers exact coefficients from noiseless runs to 1e-4', () => {
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES, TOKENS, 0);
    const report = fitScalingLaw(runs, { minTokens: 0, starts: 3 });
    for (const [name, value] of Object.entries(truth))
      assert.ok(relative(report.params[name], value) < 1e-4, `${name} ${report.params[name]}`);
    assert.ok(report.objective < 1e-12);
  });

  it('fits the Kaplan form', () => {
    const kaplanTruth = { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 };
    const runs = syntheticRuns(
      (n, d) => kaplanLoss(kaplanTruth, n, d),
      SIZES,
      [2e8, 1e9, 5e9, 2e10, 1e11],
      0.002,
      3,
    );
    const report = fitScalingLaw(runs, { form: 'kaplan', minTokens: 0, starts: 4 });
    assert.equal(report.ok, true, report.errors.join('; '));
    assert.deepEqual(Object.keys(report.params), ['Nc', 'Dc', 'alphaN', 'alphaD']);
    assert.ok(relative(report.params.alphaN, 0.076) < 0.1, `alphaN ${report.params.alphaN}`);
    assert.ok(relative(report.params.alphaD, 0.103) < 0.1, `alphaD ${report.params.alphaD}`);
    assert.ok(report.trainAre! < 0.003);
  });

  it('fits the compute form on one model curve', () => {
    const computeTruth = { E: 1.9, A: 3000, alpha: 0.16 };
    const runs: RunSeries[] = [
      {
        name: 'only',
        params: 1e9,
        points: [1e10, 2e10, 4e10, 8e10, 1.6e11, 3.2e11].map((t) => ({
          tokens: t,
          loss: computeLoss(computeTruth, 6e9 * t),
        })),
      },
    ];
    const report = fitScalingLaw(runs, { form: 'compute', minTokens: 0 });
    assert.equal(report.ok, true, report.errors.join('; '));
    assert.ok(relative(report.params.alpha, 0.16) < 1e-3, `alpha ${report.params.alpha}`);
    assert.ok(relative(report.params.E, 1.9) < 1e-3, `E ${report.params.E}`);
  });

  it('fits only E, A, B when exponents are borrowed', () => {
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES.slice(0, 3), TOKENS, 0.002);
    const report = fitScalingLaw(runs, {
      fixedExponents: { alpha: 0.34, beta: 0.3 },
      fixedExponentsSource: 'test',
    });
    assert.equal(report.params.alpha, 0.34);
    assert.equal(report.params.beta, 0.3);
    assert.ok(relative(report.params.E, 1.7) < 0.02, `E ${report.params.E}`);
    assert.ok(report.warnings.some((w) => w.includes('Only 3 distinct model sizes')));
  });

  it('reports the held-out ARE on the largest model, pure and with a 30% prefix', () => {
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES, TOKENS, 0.003);
    const pure = fitScalingLaw(runs, { holdoutLargest: true, starts: 3 });
    assert.equal(pure.heldOut?.model, 'model-3000000000');
    assert.equal(pure.heldOut?.points, 5);
    assert.equal(pure.points, 30);
    assert.ok(pure.heldOut!.are < 0.02, `ARE ${pure.heldOut!.are}`);
    const prefix = fitScalingLaw(runs, { holdoutLargest: true, targetPrefixFraction: 0.3, starts: 3 });
    // 30% of 2.4e11 = 7.2e10: the first three checkpoints are fitted, the last two evaluated.
    assert.equal(prefix.heldOut?.points, 2);
    assert.equal(prefix.heldOut?.fittedUpToTokens, 0.3 * 2.4e11);
    assert.equal(prefix.points, 33);
  });

  it('computes leave-one-model-out errors for every model', () => {
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES.slice(0, 5), TOKENS, 0.002);
    const report = fitScalingLaw(runs, { leaveOneModelOut: true, starts: 2 });
    assert.equal(report.leaveOneModelOut?.perModel.length, 5);
    assert.ok(report.leaveOneModelOut!.meanAre < 0.05);
  });

  it('gives bootstrap intervals that contain the point estimate, reproducibly', () => {
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES, TOKENS, 0.003);
    const a = fitScalingLaw(runs, { bootstrap: 20, seed: 7, starts: 3 });
    assert.equal(a.bootstrapRefits, 20);
    for (const [name, value] of Object.entries(a.params)) {
      const [low, high] = a.intervals![name];
      assert.ok(low <= value && value <= high, `${name}: ${value} not in [${low}, ${high}]`);
    }
    const b = fitScalingLaw(runs, { bootstrap: 20, seed: 7, starts: 3 });
    assert.deepEqual(b.intervals, a.intervals);
    const band = predictWithUncertainty(
      a.draws!.map((d) => [d[0], d[1], d[2], d[3], d[4]] as const),
      1e10,
      2e11,
    );
    assert.ok(band.low <= band.value && band.value <= band.high);
  });

  it('drops checkpoints at or before min-tokens and can use final checkpoints only', () => {
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES, [1e9, 1e10, ...TOKENS], 0.002);
    const report = fitScalingLaw(runs, { useIntermediateCheckpoints: false, starts: 2 });
    assert.deepEqual(report.dropped, { 'before-min-tokens': 14, 'intermediate-checkpoint': 28 });
    assert.equal(report.points, 7);
  });

  it('stops when cancelled', () => {
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES, TOKENS, 0.003);
    const report = fitScalingLaw(runs, { isCancelled: () => true });
    assert.equal(report.ok, false);
    assert.equal(report.cancelled, true);
  });

  it('reports progress up to completion', () => {
    const runs = syntheticRuns((n, d) => chinchillaLoss(truth, n, d), SIZES, TOKENS, 0.003);
    const fractions: number[] = [];
    fitScalingLaw(runs, { bootstrap: 3, starts: 2, onProgress: (p) => fractions.push(p.fraction) });
    assert.equal(fractions.at(-1), 1);
  });
});

describe('fitScalingLaw on hostile input', () => {
  it('refuses a single model size for the Chinchilla form with a clear message', () => {
    const runs: RunSeries[] = [
      { name: 'one', params: 1e8, points: TOKENS.map((t) => ({ tokens: t, loss: 3 - t / 1e12 })) },
    ];
    const report = fitScalingLaw(runs);
    assert.equal(report.ok, false);
    assert.match(report.errors[0], /at least 2 distinct model sizes/);
  });

  it('explains when every checkpoint is before the cut-off', () => {
    const runs: RunSeries[] = [{ name: 'small', params: 1e7, points: [{ tokens: 1e8, loss: 4 }] }];
    const report = fitScalingLaw(runs);
    assert.match(report.errors[0], /min-tokens cut-off/);
  });

  it('counts NaN and non-positive checkpoints instead of fitting them', () => {
    const runs: RunSeries[] = [
      {
        name: 'a',
        params: 1e8,
        points: [
          { tokens: 2e10, loss: NaN },
          { tokens: 3e10, loss: -1 },
        ],
      },
      { name: 'b', params: -5, points: [{ tokens: 2e10, loss: 3 }] },
    ];
    const report = fitScalingLaw(runs);
    assert.deepEqual(report.dropped, { nan: 1, 'non-positive': 2 });
    assert.equal(report.ok, false);
  });

  it('returns an error for empty input', () => {
    assert.equal(fitScalingLaw([]).ok, false);
  });

  it('rejects a borrowed exponent the form does not have', () => {
    const report = fitScalingLaw(
      syntheticRuns((n, d) => chinchillaLoss(truth(), n, d), SIZES, TOKENS, 0),
      { fixedExponents: { gamma: 1 } },
    );
    assert.match(report.errors[0], /not an exponent/);
  });
});

function truth() {
  return { E: 1.7, A: 400, B: 1500, alpha: 0.34, beta: 0.3 };
}
