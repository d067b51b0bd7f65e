/**
 * Muennighoff et al. 2023, "Scaling Data-Constrained Language Models" (arXiv:2305.16264): the law of
 * Eqs. 3–5 with the constants of huggingface/datablations@13701315 README ("Parametric Fit"), its
 * worked examples, its optimal allocation, the fitter's Jacobian, and a fit on the paper's own C4
 * final losses (../shared/data/hitchhiker_colpret/raw/datablations_contour_losses.csv).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitScalingLaw } from '../../src/core/fit/fit';
import { buildDesign } from '../../src/core/fit/fit';
import {
  dataConstrainedOptimum,
  effectiveTokens,
  evaluateLaw,
  findLawForm,
  type DataConstrainedParams,
} from '../../src/core/laws/forms';
import { MUENNIGHOFF_2023 } from '../../src/core/laws/published';
import type { RunSeries } from '../../src/core/fit/types';
import { SHARED_DIR } from '../helpers';

const law = MUENNIGHOFF_2023.law as { form: 'data-constrained' } & DataConstrainedParams;

test('constants as the datablations README states them: A≈520.8, B≈1487.7, E≈1.869, α=β=0.3527, R_D*=15.39, R_N*=5.31', () => {
  assert.equal(law.A.toFixed(1), '520.8');
  assert.equal(law.B.toFixed(1), '1487.7');
  assert.equal(law.E.toFixed(3), '1.869');
  assert.equal(law.alpha.toFixed(4), '0.3527');
  assert.equal(law.RDstar.toFixed(2), '15.39');
  assert.equal(law.RNstar.toFixed(2), '5.31');
});

test('README Figure 1 (right) examples: L(6.34e9, 242e9, U=25e9) = 2.2256440889984477, L(8.67e9, 178e9, 25e9) = 2.2269634075087867', () => {
  const a = evaluateLaw(law, 6.34e9, 242e9, { uniqueTokens: 25e9 });
  const b = evaluateLaw(law, 8.67e9, 178e9, { uniqueTokens: 25e9 });
  assert.ok(Math.abs(a - 2.2256440889984477) < 1e-12, `${a}`);
  assert.ok(Math.abs(b - 2.2269634075087867) < 1e-12, `${b}`);
  assert.ok(a < b, 'more epochs, fewer parameters is better ("This one is better")');
});

test('README optimal allocation at C = 1e22, U_D = 25e9: ≈2.373e11 tokens, 9.49 epochs, 7.02e9 parameters', () => {
  const best = dataConstrainedOptimum(law, 1e22, 25e9)!;
  // The README grid-searches 500 ratios; the continuous optimum is within its spacing and no worse.
  assert.ok(Math.abs(best.tokens / 237336955477.55075 - 1) < 0.01, `${best.tokens}`);
  assert.ok(Math.abs(best.params / 7022364735.879969 - 1) < 0.01, `${best.params}`);
  assert.ok(Math.abs(best.epochs - 9.49347821910203) < 0.1, `${best.epochs}`);
  const readme = evaluateLaw(law, 7022364735.879969, 237336955477.55075, { uniqueTokens: 25e9 });
  assert.ok(best.loss <= readme + 1e-12, `${best.loss} vs ${readme}`);
});

test('without repetition the law is the tied Chinchilla law at the compute optimum; epochs shrink D′', () => {
  const form = findLawForm('data-constrained')!;
  const optimum = form.optimalAllocation(law, 1e22)!;
  const tied = law.E + law.A / optimum.params ** law.alpha + law.B / optimum.tokens ** law.alpha;
  assert.ok(Math.abs(evaluateLaw(law, optimum.params, optimum.tokens) - tied) < 1e-9);
  // Eq. 3 by hand: 4 epochs give D′ = U(1 + 15.387756(1 − e^(−3/15.387756))) = 3.7257·U (§1: up to ~4 epochs
  // are almost as good as unique data); 40 epochs give 15.167·U, approaching the 16.39·U limit (1 + R_D*).
  assert.equal((effectiveTokens(law, 4e9, 1e9) / 1e9).toFixed(4), '3.7257');
  assert.equal((effectiveTokens(law, 40e9, 1e9) / 1e9).toFixed(3), '15.167');
  // A dataset larger than D repeats nothing.
  assert.equal(effectiveTokens(law, 4e9, 10e9), 4e9);
});

test('the fitter’s analytic Jacobian matches finite differences (with and without excess parameters)', () => {
  const form = findLawForm('data-constrained')!.log;
  const design = buildDesign([
    { params: 1e8, tokens: 4e10, loss: 3, uniqueTokens: 1e9 },
    { params: 8e9, tokens: 1e10, loss: 3, uniqueTokens: 1e8 },
    { params: 3e9, tokens: 5e10, loss: 3 },
    { params: 1e7, tokens: 1e10, loss: 3, uniqueTokens: 2e9 },
  ]);
  const theta = form.fromParams([1.9, 500, 1500, 0.35, 15, 5]);
  for (let i = 0; i < 4; i++) {
    const gradient = new Float64Array(theta.length);
    form.logLoss(theta, design, i, gradient);
    for (let k = 0; k < theta.length; k++) {
      const h = 1e-6;
      const up = theta.slice();
      const down = theta.slice();
      up[k] += h;
      down[k] -= h;
      const numeric = (form.logLoss(up, design, i) - form.logLoss(down, design, i)) / (2 * h);
      assert.ok(Math.abs(numeric - gradient[k]) < 1e-6, `point ${i} θ${k}: ${gradient[k]} vs ${numeric}`);
    }
  }
});

/** The paper's C4 final losses; unique tokens = tokens / epochs (the run names say so: 2b855b4b). */
function datablations() {
  const path = join(SHARED_DIR, 'data', 'hitchhiker_colpret', 'raw', 'datablations_contour_losses.csv');
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return lines.map((line, index) => {
    const cells = line.split(',');
    const epochs = Number(cells[2]);
    const tokens = Number(cells[3]);
    return {
      index,
      epochs,
      tokens,
      loss: Number(cells[4]),
      params: Number(cells[5]),
      unique: tokens / epochs,
    };
  });
}

test('fitted on datablations C4 runs, the data-constrained form beats the Chinchilla forms on held-out repeated-epoch runs', () => {
  const runs = datablations();
  assert.equal(runs.length, 229);
  // Every third repeated-epoch run is held out; all forms fit the same remaining runs.
  const repeated = runs.filter((r) => r.epochs > 1.01);
  const held = new Set(repeated.filter((_, k) => k % 3 === 0).map((r) => r.index));
  const series = (withUnique: boolean): RunSeries[] =>
    runs
      .filter((r) => !held.has(r.index))
      .map((r) => ({
        name: `run${r.index}`,
        params: r.params,
        points: [{ tokens: r.tokens, loss: r.loss }],
        ...(withUnique ? { uniqueTokens: r.unique } : {}),
      }));
  const heldRuns = runs.filter((r) => held.has(r.index));
  const meanAre = (fitted: Parameters<typeof evaluateLaw>[0]) =>
    heldRuns.reduce(
      (s, r) =>
        s + Math.abs(evaluateLaw(fitted, r.params, r.tokens, { uniqueTokens: r.unique }) - r.loss) / r.loss,
      0,
    ) / heldRuns.length;
  const errors: Record<string, number> = {};
  for (const form of ['chinchilla', 'chinchilla-tied', 'data-constrained'] as const) {
    const report = fitScalingLaw(series(form === 'data-constrained'), { form, minTokens: 0 });
    assert.ok(report.ok && report.law, `${form}: ${report.errors.join('; ')}`);
    errors[form] = meanAre(report.law!);
  }
  console.log(
    `datablations held-out repeated runs (${heldRuns.length}): mean ARE chinchilla ${(100 * errors.chinchilla!).toFixed(2)}%, ` +
      `chinchilla-tied ${(100 * errors['chinchilla-tied']!).toFixed(2)}%, data-constrained ${(100 * errors['data-constrained']!).toFixed(2)}%`,
  );
  assert.ok(errors['data-constrained']! < errors.chinchilla!);
  assert.ok(errors['data-constrained']! < errors['chinchilla-tied']!);
});

test('the data-constrained fit refuses runs that state no unique tokens, with a clear message', () => {
  const runs: RunSeries[] = [1e8, 2e8, 4e8].map((params) => ({
    name: `N=${params}`,
    params,
    points: [
      { tokens: 1e10, loss: 3 },
      { tokens: 2e10, loss: 2.9 },
    ],
  }));
  const report = fitScalingLaw(runs, { form: 'data-constrained', minTokens: 0 });
  assert.equal(report.ok, false);
  assert.match(report.errors[0]!, /unique tokens/);
});

test('scaling-lens fit --form data-constrained --unique-tokens-column: fitted from a runs file, held-out largest model', async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { runFitCommand } = await import('../../src/cli/fit');
  const dir = mkdtempSync(join(tmpdir(), 'laws-dc-'));
  try {
    const path = join(dir, 'runs.csv');
    const rows = ['run,params,tokens,loss,unique_tokens'];
    for (const r of datablations()) rows.push(`run${r.index},${r.params},${r.tokens},${r.loss},${r.unique}`);
    writeFileSync(path, rows.join('\n') + '\n');
    let out = '';
    const code = await runFitCommand(
      [
        path,
        '--form',
        'data-constrained',
        '--unique-tokens-column',
        'unique_tokens',
        '--min-tokens',
        '0',
        '--json',
      ],
      (s) => (out += s),
      () => undefined,
    );
    const json = JSON.parse(out);
    assert.equal(code, 0, JSON.stringify(json.errors));
    assert.deepEqual(Object.keys(json.params), ['E', 'A', 'B', 'alpha', 'RDstar', 'RNstar']);
    assert.ok(json.params.RDstar > 0 && json.params.alpha > 0);
    let err = '';
    const refused = await runFitCommand(
      [path, '--form', 'data-constrained', '--min-tokens', '0', '--json'],
      (s) => (err += s),
      () => undefined,
    );
    assert.equal(refused, 1);
    assert.match(JSON.parse(err).errors.join(' '), /unique tokens/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
