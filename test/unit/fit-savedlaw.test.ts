import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseSavedLaw,
  savedLawFromFit,
  savedLawToScalingLaw,
  serializeSavedLaw,
  type FitReport,
} from '../../src/core/fit';

const REPORT: FitReport = {
  ok: true,
  form: 'chinchilla',
  params: { E: 1.8172, A: 477.83, B: 2143.4, alpha: 0.3473, beta: 0.3672 },
  law: { form: 'chinchilla', E: 1.8172, A: 477.83, B: 2143.4, alpha: 0.3473, beta: 0.3672 },
  objective: 1.0182740177e-3,
  delta: 1e-3,
  points: 240,
  models: 140,
  modelSizes: 140,
  dropped: {},
  intervals: { E: [1.77, 1.87], A: [285, 744], B: [1042, 5810], alpha: [0.317, 0.373], beta: [0.331, 0.415] },
  draws: Array.from({ length: 600 }, (_, i) => [1.8 + i * 1e-5, 470, 2100, 0.34, 0.36]),
  bootstrapRefits: 600,
  heldOut: { model: 'N=16.18B', params: 1.6183e10, are: 0.014, points: 1 },
  region: { paramsMin: 5.7e7, paramsMax: 1.6e10, tokensMin: 8.2e8, tokensMax: 3.2e11 },
  settings: {
    minTokens: 0,
    useIntermediateCheckpoints: true,
    holdoutLargest: true,
    targetPrefixFraction: 0,
    bootstrap: 600,
    seed: 1,
    starts: 6,
  },
  warnings: ['example warning'],
  errors: [],
  elapsedMs: 10,
};

describe('saved laws', () => {
  const saved = savedLawFromFit(REPORT, {
    name: 'My sweep',
    dataSource: 'runs/sweep.csv',
    date: '2025-05-01T12:00:00.000Z',
  });

  it('round-trips through human-readable JSON with draws capped at 500', () => {
    const text = serializeSavedLaw(saved);
    assert.match(text, /"name": "My sweep"/);
    assert.match(text, /"E": \[1\.77, 1\.87\]/);
    const parsed = parseSavedLaw(text);
    assert.equal(parsed.ok, true);
    if (!parsed.ok) return;
    assert.equal(parsed.law.bootstrapDraws?.length, 500);
    assert.deepEqual(parsed.law.params, REPORT.params);
    assert.deepEqual(parsed.law.heldOut, REPORT.heldOut);
    assert.equal(parsed.law.fit.objective, 1.0182740177e-3);
  });

  it('becomes a ScalingLaw with fittedFrom, draws and region', () => {
    const law = savedLawToScalingLaw(saved, '.vscode/my-sweep.law.json');
    assert.equal(law.id, 'fitted:my-sweep');
    assert.equal(law.fittedFrom, '.vscode/my-sweep.law.json');
    assert.deepEqual(law.law, {
      form: 'chinchilla',
      E: 1.8172,
      A: 477.83,
      B: 2143.4,
      alpha: 0.3473,
      beta: 0.3672,
    });
    assert.equal(law.bootstrapDraws?.length, 500);
    assert.deepEqual(law.fitRegion, REPORT.region);
  });

  it('returns errors for corrupt files instead of throwing', () => {
    assert.deepEqual(parseSavedLaw('{oops').ok, false);
    const missing = parseSavedLaw('{}');
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.ok(missing.errors.some((e) => e.includes('"form"')));
    const bad = JSON.parse(serializeSavedLaw(saved));
    bad.params.A = -3;
    bad.bootstrapDraws[2] = [1, 2];
    bad.date = 'yesterday';
    const result = parseSavedLaw(JSON.stringify(bad));
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.deepEqual(result.errors, [
        'params.A must be positive.',
        'bootstrapDraws[2] must be 5 finite numbers (E, A, B, alpha, beta).',
        '"date" must be an ISO date string.',
      ]);
    }
  });
});

describe('saved-law identifiability', () => {
  it('Epoch’s bootstrap CIs (A [285, 744] …) are saved as identifiable; no intervals → not assessed (null)', () => {
    const saved = savedLawFromFit(REPORT, { name: 'epoch', dataSource: 'epoch.csv', date: '2026-12-01' });
    assert.deepEqual(saved.identifiability?.identifiable, true);
    assert.deepEqual(saved.warnings, ['example warning']);
    const { intervals: _i, draws: _d, ...rest } = REPORT;
    const bare = savedLawFromFit(
      { ...rest, settings: { ...REPORT.settings, bootstrap: 0 } },
      { name: 'bare', dataSource: 'x.csv', date: '2026-12-01' },
    );
    assert.equal(bare.identifiability?.identifiable, null);
    const parsed = parseSavedLaw(serializeSavedLaw(bare));
    assert.ok(parsed.ok);
    assert.equal(parsed.law.identifiability?.identifiable, null);
  });

  it('an interval spanning > 2 orders of magnitude is flagged in the file and in the loaded law', () => {
    const wide: FitReport = {
      ...REPORT,
      intervals: { ...REPORT.intervals!, A: [13.6, 4.5e113], E: [2.9e-14, 2.07] },
      draws: undefined,
    };
    const saved = savedLawFromFit(wide, { name: 'wide', dataSource: 'x.csv', date: '2026-12-01' });
    assert.equal(saved.identifiability?.identifiable, false);
    assert.deepEqual(saved.identifiability?.coefficients, ['E', 'A']);
    assert.ok(saved.warnings.some((w) => /^Not identifiable: .*A in \[13\.6, 4\.50e\+113\]/.test(w)));
    const loaded = parseSavedLaw(serializeSavedLaw(saved));
    assert.ok(loaded.ok);
    const law = savedLawToScalingLaw(loaded.law);
    assert.match(law.uncertaintyNote ?? '', /Caveat: wide \(fitted\): not identifiable/);
  });
});
