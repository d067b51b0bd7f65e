import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFitCommand } from '../../src/cli/fit';
import {
  annotateIdentifiability,
  assessIdentifiability,
  fitIdentifiability,
  fitScalingLaw,
  formatFitReport,
  lawCaveat,
  parseSavedLaw,
  readRunsFromText,
  savedLawCaveat,
  savedLawFromFit,
  savedLawToScalingLaw,
  serializeSavedLaw,
  type FitReport,
} from '../../src/core/fit';
import { borrowExponentsFromLaw } from '../../src/core/fit/borrow';
import { findPublishedLaw } from '../../src/core/laws/published';

/**
 * Identifiability on real published measurements (../shared/data, see its README):
 * - Epoch AI's digitized Chinchilla points (Besiroglu et al. 2024; epoch-research/analyzing-chinchilla
 *   @9225883), the 240 points of their fit set;
 * - the OPT training trajectories of Xia et al. 2022 as aggregated by IBM/ColPret @16f23bb
 *   (Choshen, Zhang & Andreas 2025).
 */
const DATA = join(__dirname, '..', '..', '..', 'shared', 'data');
const epochLines = readFileSync(join(DATA, 'chinchilla_epoch', 'chinchilla_points.csv'), 'utf8')
  .trim()
  .split(/\r?\n/);

function epochText(sizes?: ReadonlySet<string>): string {
  const rows = epochLines
    .slice(1)
    .filter((l) => l.endsWith(',True') && (!sizes || sizes.has(l.split(',')[0])));
  return [epochLines[0], ...rows].join('\n');
}

/** Three of Epoch's model sizes (about 0.42B, 1.8B and 6.8B parameters; 13 points). */
const THREE_SIZES = new Set(['424609581.2', '1793812740', '6795609987']);

function fit(text: string, extra: Parameters<typeof fitScalingLaw>[1] = {}): FitReport {
  const { runs, report } = readRunsFromText(text, 'runs.csv');
  assert.deepEqual(report.errors, []);
  return fitScalingLaw(runs, { minTokens: 0, bootstrap: 100, seed: 0, holdoutLargest: false, ...extra });
}

describe('identifiability rule (synthetic intervals)', () => {
  it('flags the intervals of issue 16 (A in [13.6, 4.5e113], E in [2.9e-14, 2.07])', () => {
    const v = assessIdentifiability({
      form: 'chinchilla',
      intervals: {
        E: [2.9e-14, 2.07],
        A: [13.6, 4.5e113],
        B: [300, 900],
        alpha: [0.2, 0.5],
        beta: [0.25, 0.4],
      },
      modelSizes: 3,
    });
    assert.equal(v.identifiable, false);
    assert.deepEqual(v.coefficients, ['E', 'A']);
    const a = v.problems.find((p) => p.coefficient === 'A')!;
    assert.equal(a.reason, 'span');
    assert.ok(Math.abs(a.orders! - Math.log10(4.5e113 / 13.6)) < 1e-9);
    assert.equal(v.problems.find((p) => p.coefficient === 'E')!.reason, 'irreducible-floor');
    assert.match(v.warning!, /A in \[13\.6, 4\.50e\+113\]/);
    assert.match(v.warning!, /--borrow-exponents epoch2024/);
    assert.match(v.warning!, /--form chinchilla-tied/);
    assert.match(v.warning!, /this fit has 3/);
  });

  it('unbounded, sign and positivity-bound intervals; fixed exponents are not judged', () => {
    const v = assessIdentifiability({
      form: 'chinchilla',
      intervals: { E: [1.7, 1.9], A: [100, Infinity], B: [-5, 900], alpha: [-0.1, 0.4], beta: [0.3, 0.3] },
      fixedExponents: { beta: 0.3 },
    });
    assert.deepEqual(
      v.problems.map((p) => [p.coefficient, p.reason]),
      [
        ['A', 'unbounded'],
        ['B', 'positivity-bound'],
        ['alpha', 'sign'],
      ],
    );
    // With borrowed exponents the remaining remedy is more model sizes.
    assert.equal(v.remedies.length, 1);
    assert.match(v.remedies[0], /more model sizes/);
  });

  it('exactly 2 orders of magnitude passes, a little more fails', () => {
    const base = { E: [1.7, 1.9], B: [300, 900], alpha: [0.3, 0.4], beta: [0.3, 0.4] } as const;
    assert.equal(
      assessIdentifiability({ form: 'chinchilla', intervals: { ...base, A: [10, 1000] } }).identifiable,
      true,
    );
    assert.equal(
      assessIdentifiability({ form: 'chinchilla', intervals: { ...base, A: [10, 1001] } }).identifiable,
      false,
    );
  });

  it('no intervals: not assessed (null), never a false "identifiable"', () => {
    const v = assessIdentifiability({ form: 'chinchilla' });
    assert.equal(v.identifiable, null);
    assert.match(v.notAssessed!, /bootstrap/);
  });
});

describe('identifiability on real data', () => {
  it('a 3-size subset of Epoch’s Chinchilla points is not identifiable (A spans > 2 orders of magnitude)', () => {
    const report = fit(epochText(THREE_SIZES));
    assert.equal(report.ok, true);
    assert.equal(report.modelSizes, 3);
    const [lo, hi] = report.intervals!.A;
    assert.ok(Math.log10(hi / lo) > 2, `A interval [${lo}, ${hi}]`);
    const verdict = annotateIdentifiability(report);
    assert.equal(verdict.identifiable, false);
    assert.ok(verdict.coefficients.includes('A'));
    assert.equal((report as FitReport & { identifiable?: boolean | null }).identifiable, false);
    // The warning is added once, naming the coefficient, and the report leads with it.
    annotateIdentifiability(report);
    assert.equal(report.warnings.filter((w) => w.startsWith('Not identifiable')).length, 1);
    assert.match(
      report.warnings.find((w) => w.startsWith('Not identifiable'))!,
      /\bA in \[/,
    );
    const text = formatFitReport(report);
    assert.match(text, /NOT IDENTIFIABLE: .*A/);
    assert.match(text, /--borrow-exponents epoch2024/);
    assert.match(text, /--form chinchilla-tied/);
    assert.match(text, /more model sizes \(this fit has 3/);
    assert.equal(text.match(/Not identifiable: the 95%/g), null, 'the long warning is not printed twice');
    const md = formatFitReport(report, undefined, 'markdown');
    assert.match(md, /> \*\*Not identifiable:\*\*/);
    assert.doesNotMatch(text + md, /NaN/);

    // The saved law keeps the verdict through serialize → parse, and lenses get the caveat.
    const saved = savedLawFromFit(report, {
      name: 'three-sizes',
      dataSource: 'epoch.csv',
      date: '2026-12-01',
    });
    assert.equal(saved.identifiability?.identifiable, false);
    const parsed = parseSavedLaw(serializeSavedLaw(saved));
    assert.ok(parsed.ok);
    assert.equal(parsed.law.identifiability?.identifiable, false);
    assert.ok(parsed.law.identifiability?.coefficients.includes('A'));
    assert.match(savedLawCaveat(parsed.law)!, /three-sizes \(fitted\): not identifiable/);
    const law = savedLawToScalingLaw(parsed.law);
    assert.match(lawCaveat(law)!, /not identifiable from its data \(A/);
    assert.match(law.uncertaintyNote!, /Caveat: .*not identifiable/);
  });

  it('the full 240-point Epoch set is identifiable (every interval within 2 orders of magnitude)', () => {
    const report = fit(epochText(), { bootstrap: 40 });
    assert.equal(report.ok, true);
    const verdict = annotateIdentifiability(report);
    assert.equal(verdict.identifiable, true, JSON.stringify(report.intervals));
    assert.equal(report.warnings.filter((w) => w.startsWith('Not identifiable')).length, 0);
    const saved = savedLawFromFit(report, { name: 'epoch', dataSource: 'epoch.csv', date: '2026-12-01' });
    assert.equal(saved.identifiability?.identifiable, true);
    assert.equal(lawCaveat(savedLawToScalingLaw(saved)), undefined);
    assert.match(formatFitReport(report), /Identifiability: every fitted coefficient/);
  });

  it('the Hitchhiker remedies make the same 3 sizes identifiable: borrowed exponents, the tied form', () => {
    const borrowed = borrowExponentsFromLaw('epoch2024', 'chinchilla');
    assert.ok(!('error' in borrowed));
    const withBorrowed = fit(epochText(THREE_SIZES), {
      fixedExponents: borrowed.values,
      fixedExponentsSource: borrowed.source,
    });
    assert.equal(fitIdentifiability(withBorrowed).identifiable, true, JSON.stringify(withBorrowed.intervals));
    const tied = fit(epochText(THREE_SIZES), { form: 'chinchilla-tied' });
    assert.equal(fitIdentifiability(tied).identifiable, true, JSON.stringify(tied.intervals));
  });

  it('OPT trajectories at 3 sizes (125M, 1.3B, 6.7B; ColPret) are not identifiable', () => {
    const lines = readFileSync(join(DATA, 'hitchhiker_colpret', 'hitchhiker_subset_long.csv'), 'utf8')
      .trim()
      .split(/\r?\n/);
    const keep = new Set(['OPT-125m', 'OPT-1.3b', 'OPT-6.7b']);
    const text = [lines[0], ...lines.slice(1).filter((l) => keep.has(l.split(',')[1]))].join('\n');
    const report = fit(text);
    assert.equal(report.ok, true);
    assert.equal(report.modelSizes, 3);
    const verdict = fitIdentifiability(report);
    assert.equal(verdict.identifiable, false, JSON.stringify(report.intervals));
    assert.ok(verdict.coefficients.includes('A'));
  });

  it('published laws with bootstrap draws carry no caveat (epoch2024)', () => {
    assert.equal(lawCaveat(findPublishedLaw('epoch2024')!), undefined);
  });
});

describe('saved-law identifiability field', () => {
  const base = () =>
    savedLawFromFit(fit(epochText(THREE_SIZES), { bootstrap: 30 }), {
      name: 'x',
      dataSource: 'x.csv',
      date: '2026-12-01',
    });

  it('a hand-edited "identifiable: true" cannot hide intervals that fail the rule', () => {
    const saved = base();
    const edited = { ...saved, identifiability: { identifiable: true, coefficients: [], rule: '' } };
    const parsed = parseSavedLaw(JSON.stringify(edited));
    assert.ok(parsed.ok);
    assert.equal(parsed.law.identifiability?.identifiable, false);
  });

  it('older files without the field get a verdict from their intervals; a malformed field is an error', () => {
    const { identifiability: _drop, ...old } = base();
    const parsed = parseSavedLaw(JSON.stringify(old));
    assert.ok(parsed.ok);
    assert.equal(parsed.law.identifiability?.identifiable, false);
    const bad = parseSavedLaw(JSON.stringify({ ...old, identifiability: { identifiable: 'no' } }));
    assert.equal(bad.ok, false);
    assert.match((bad as { errors: string[] }).errors.join(' '), /"identifiability" must be/);
  });
});

describe('CLI JSON', () => {
  it('scaling-lens fit --json says identifiable: false and names A in a warning (3 Epoch sizes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-ident-'));
    try {
      const file = join(dir, 'three.csv');
      writeFileSync(file, epochText(THREE_SIZES));
      const out: string[] = [];
      const code = await runFitCommand(
        [file, '--json', '--min-tokens', '0', '--bootstrap', '60'],
        (s) => out.push(s),
        () => undefined,
      );
      assert.equal(code, 0);
      const json = JSON.parse(out.join('\n'));
      assert.equal(json.identifiable, false);
      const warning = (json.warnings as string[]).find((w) => w.startsWith('Not identifiable'));
      assert.match(warning!, /\bA in \[/);
      const plain: string[] = [];
      await runFitCommand(
        [file, '--json', '--min-tokens', '0'],
        (s) => plain.push(s),
        () => undefined,
      );
      assert.equal(JSON.parse(plain.join('\n')).identifiable, null, 'no bootstrap: not assessed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
