/**
 * Law forms are plug-ins (src/core/laws/forms/): one registry answers for every view. Before, the
 * lens/hover/quick fix (analysis) had no optimal D under kaplan2020 while the curves panel and the
 * planner had one, and the compute form gave null in one place and 20·N in another.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { optimalTokensForParams as chartOptimalTokens } from '../../src/core/charts';
import { LAW_FORMS, optimalTokensForParams } from '../../src/core/laws/forms';
import { KAPLAN_2020 } from '../../src/core/laws/published';
import { optimalTokensForParams as planOptimalTokens } from '../../src/core/plan/computeOptimal';
import { fixture, fixturePath, REPO_ROOT } from '../helpers';

test('under kaplan2020 the analysis, the charts and the planner give one optimal D (≈1.27e9 at N = 1e8)', () => {
  const atN = optimalTokensForParams(KAPLAN_2020.law, 1e8)!;
  assert.ok(Math.abs(atN / 1.27e9 - 1) < 0.01, `${atN}`);
  assert.equal(chartOptimalTokens(KAPLAN_2020.law, 1e8), atN);
  assert.equal(planOptimalTokens(KAPLAN_2020, 1e8), atN);
  const path = fixturePath('nanogpt', 'train_tiny_char.py');
  const result = analyzeText(
    fixture('nanogpt', 'train_tiny_char.py'),
    { path },
    {
      ...DEFAULT_ANALYSIS_SETTINGS,
      lawId: 'kaplan2020',
    },
  );
  const analysis = result.analysis!;
  assert.ok(analysis.optimalTokens !== null, 'the lens has an optimal D under Kaplan');
  assert.equal(analysis.optimalTokens, optimalTokensForParams(KAPLAN_2020.law, analysis.loss!.paramsUsed));
});

test('the compute form has no optimal D in any view', () => {
  const law = { form: 'compute', E: 1.7, A: 2000, alpha: 0.16 } as const;
  assert.equal(optimalTokensForParams(law, 1e8), undefined);
  assert.equal(chartOptimalTokens(law, 1e8), null);
  assert.equal(planOptimalTokens(law, 1e8), undefined);
});

test('every registered form round-trips its coefficients and states an optimum consistently', () => {
  for (const form of LAW_FORMS) {
    assert.equal(new Set(form.coefficientNames).size, form.coefficientNames.length, form.id);
    assert.deepEqual([...form.log.paramNames], [...form.coefficientNames], form.id);
    for (const name of form.exponentNames) assert.ok(form.coefficientNames.includes(name), form.id);
    assert.equal(form.log.exponentGrids.length, form.log.exponentIndices.length, form.id);
  }
});

/** Source files under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.ts$/.test(name) ? [path] : [];
  });
}

test('no code outside the law-form registry switches on a form id', () => {
  const registry = join(REPO_ROOT, 'src', 'core', 'laws', 'forms');
  const offenders = [...sources(join(REPO_ROOT, 'src')), ...sources(join(REPO_ROOT, 'webview'))]
    .filter((path) => !path.startsWith(registry))
    .filter((path) =>
      /switch \(.*form|\.form === '(chinchilla|kaplan|compute)'|form !== '(chinchilla|kaplan|compute)'/.test(
        readFileSync(path, 'utf8'),
      ),
    );
  assert.deepEqual(offenders, []);
});
