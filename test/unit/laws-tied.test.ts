/**
 * The tied-exponent Chinchilla form (α = β, coefficients {E, A, B, alpha}) that Muennighoff et al. 2023
 * (datablations README: α = β = 0.3526596) and Gadre et al. 2024 (arXiv:2403.08540, §3) fit: exact
 * recovery, the fit's suggestion when five coefficients are too many, the CLI contract, and a held-out
 * comparison on the datablations single-epoch C4 runs (../shared).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFitCommand } from '../../src/cli/fit';
import { parseSavedLaw, savedLawToScalingLaw } from '../../src/core/fit';
import { fitScalingLaw } from '../../src/core/fit/fit';
import { evaluateLaw, findLawForm, optimalAllocation } from '../../src/core/laws/forms';
import type { RunSeries } from '../../src/core/fit/types';
import { SHARED_DIR } from '../helpers';

/** The datablations README's C4 coefficients (a, b, e are logs): a tied law to recover. */
const TIED = {
  form: 'chinchilla-tied' as const,
  E: Math.exp(0.6254804),
  A: Math.exp(6.255414),
  B: Math.exp(7.3049974),
  alpha: 0.3526596,
};

test('tied form = the free form with β = α, and its optimum splits C/6 as (A/B)^(1/(2α))·√(C/6)', () => {
  const free = {
    form: 'chinchilla' as const,
    E: TIED.E,
    A: TIED.A,
    B: TIED.B,
    alpha: TIED.alpha,
    beta: TIED.alpha,
  };
  assert.equal(evaluateLaw(TIED, 1e9, 2e10), evaluateLaw(free, 1e9, 2e10));
  const optimum = optimalAllocation(TIED, 1e22)!;
  // With α = β: G = (A/B)^(1/(2α)), N_opt = G·(C/6)^(1/2) (Hoffmann et al. 2022, Eq. 4).
  const G = (TIED.A / TIED.B) ** (1 / (2 * TIED.alpha));
  assert.ok(Math.abs(optimum.params / (G * Math.sqrt(1e22 / 6)) - 1) < 1e-12);
  assert.ok(Math.abs((6 * optimum.params * optimum.tokens) / 1e22 - 1) < 1e-12);
});

test('five model sizes × three lengths of the datablations tied law: the fit recovers E, A, B, α', () => {
  const runs: RunSeries[] = [5e7, 1e8, 2e8, 4e8, 8e8].map((params) => ({
    name: `N=${params}`,
    params,
    points: [1e9, 4e9, 1.6e10].map((tokens) => ({ tokens, loss: evaluateLaw(TIED, params, tokens) })),
  }));
  const report = fitScalingLaw(runs, { form: 'chinchilla-tied', minTokens: 0 });
  assert.ok(report.ok, report.errors.join('; '));
  assert.deepEqual(Object.keys(report.params), ['E', 'A', 'B', 'alpha']);
  for (const name of ['E', 'A', 'B', 'alpha'] as const)
    assert.ok(Math.abs(report.params[name]! / TIED[name] - 1) < 1e-3, `${name}: ${report.params[name]}`);
});

test('five final losses cannot carry five coefficients: the refusal names --form chinchilla-tied, which fits them', () => {
  const runs: RunSeries[] = [5e7, 1e8, 2e8, 4e8, 8e8].map((params) => ({
    name: `N=${params}`,
    params,
    points: [
      { tokens: 20 * params, loss: evaluateLaw(TIED, params, 20 * params) * (1 + 0.002 * Math.sin(params)) },
    ],
  }));
  const free = fitScalingLaw(runs, { form: 'chinchilla', minTokens: 0 });
  assert.equal(free.ok, false);
  assert.match(free.errors[0]!, /Only 5 points for 5 free coefficients.*--form chinchilla-tied/);
  const tied = fitScalingLaw(runs, { form: 'chinchilla-tied', minTokens: 0 });
  assert.ok(tied.ok, tied.errors.join('; '));
  assert.ok(tied.trainAre! < 0.01);
  // Four sizes: the Hitchhiker warning points at the tied form.
  const four = fitScalingLaw(
    runs.slice(0, 4).map((r) => ({
      ...r,
      points: [...r.points, { tokens: 40 * r.params, loss: evaluateLaw(TIED, r.params, 40 * r.params) }],
    })),
    { form: 'chinchilla', minTokens: 0 },
  );
  assert.ok(
    four.warnings.some((w) => w.includes('--form chinchilla-tied')),
    four.warnings.join('; '),
  );
});

test('scaling-lens fit --form chinchilla-tied --json reports {E, A, B, alpha}', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'laws-tied-'));
  try {
    const path = join(dir, 'runs.csv');
    const rows = ['model,params,tokens,loss'];
    for (const params of [5e7, 1e8, 2e8, 4e8, 8e8])
      for (const tokens of [2e10, 4e10])
        rows.push(`m${params},${params},${tokens},${evaluateLaw(TIED, params, tokens)}`);
    writeFileSync(path, rows.join('\n') + '\n');
    let out = '';
    let err = '';
    const lawPath = join(dir, 'tied.law.json');
    const code = await runFitCommand(
      [path, '--form', 'chinchilla-tied', '--min-tokens', '0', '--json', '--save', lawPath],
      (s) => (out += s),
      (s) => (err += s),
    );
    assert.equal(code, 0, err);
    const json = JSON.parse(out);
    assert.equal(json.form, 'chinchilla-tied');
    assert.deepEqual(Object.keys(json.params), ['E', 'A', 'B', 'alpha']);
    assert.ok(Math.abs(json.params.alpha / TIED.alpha - 1) < 1e-3, `${json.params.alpha}`);
    // The saved law parses back as a tied law and predicts like the fit.
    const saved = parseSavedLaw(readFileSync(lawPath, 'utf8'));
    assert.ok(saved.ok, JSON.stringify(saved));
    if (!saved.ok) return;
    const law = savedLawToScalingLaw(saved.law).law;
    assert.equal(law.form, 'chinchilla-tied');
    assert.ok(Math.abs(evaluateLaw(law, 3e8, 3e10) / evaluateLaw(TIED, 3e8, 3e10) - 1) < 1e-4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('datablations single-epoch C4 runs, largest (8.67e9) held out: the tied fit extrapolates better than the free one', () => {
  const path = join(SHARED_DIR, 'data', 'hitchhiker_colpret', 'raw', 'datablations_contour_losses.csv');
  const runs: RunSeries[] = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','))
    .filter((cells) => Number(cells[2]) === 1)
    .map((cells, k) => ({
      name: `run${k}`,
      params: Number(cells[5]),
      points: [{ tokens: Number(cells[3]), loss: Number(cells[4]) }],
    }));
  assert.equal(runs.length, 33);
  const are: Record<string, number> = {};
  for (const form of ['chinchilla', 'chinchilla-tied'] as const) {
    const report = fitScalingLaw(runs, { form, minTokens: 0, holdoutLargest: true });
    assert.ok(report.ok && report.heldOut, report.errors.join('; '));
    are[form] = report.heldOut!.are;
  }
  console.log(
    `held-out 8.67e9 ARE: chinchilla ${(100 * are.chinchilla!).toFixed(2)}%, chinchilla-tied ${(100 * are['chinchilla-tied']!).toFixed(2)}%`,
  );
  assert.ok(are['chinchilla-tied']! < are.chinchilla!);
  assert.ok(findLawForm('chinchilla-tied')!.log.thetaNames.length === 4);
});
