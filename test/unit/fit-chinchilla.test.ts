import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fitScalingLaw, readRunsFromText } from '../../src/core/fit';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';

/**
 * The reference peer (scipy L-BFGS-B from Hoffmann's 4,500-point grid, /work/shared/bench/reference_fit.py)
 * on Epoch's 240 points: E 1.81724, α 0.34731, β 0.36718 (Besiroglu et al. 2024, notebook cell 18;
 * ../shared/data/README.md §1). The objective is quoted there rounded (1.01827e-3); the peer script
 * prints 0.0010182740177151599, which is the value to beat (the rounded figure is below the minimum).
 */
const PEER = { objective: 1.0182740177151599e-3, E: 1.81724, alpha: 0.34731, beta: 0.36718 };

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected;
}

describe('Epoch Chinchilla data', { skip: SHARED_SKIP }, () => {
  it('reaches the reference Huber objective and its E, alpha, beta on the 240 fit-set points', () => {
    const text = readFileSync(join(SHARED_DIR, 'data', 'chinchilla_epoch', 'chinchilla_points.csv'), 'utf8');
    const { runs, report: ingest } = readRunsFromText(text, 'chinchilla_points.csv', {
      where: [{ column: 'in_epoch_fit_set', value: 'True' }],
    });
    assert.equal(ingest.pointsKept, 240);
    assert.deepEqual(ingest.dropped, { filtered: 5 });
    const report = fitScalingLaw(runs, { minTokens: 0 });
    assert.equal(report.ok, true);
    assert.equal(report.points, 240);
    assert.ok(report.objective <= PEER.objective * (1 + 1e-6), `objective ${report.objective}`);
    assert.ok(relative(report.params.E, PEER.E) < 0.005, `E ${report.params.E}`);
    assert.ok(relative(report.params.alpha, PEER.alpha) < 0.005, `alpha ${report.params.alpha}`);
    assert.ok(relative(report.params.beta, PEER.beta) < 0.005, `beta ${report.params.beta}`);
  });
});

describe('Hitchhiker (ColPret) data', { skip: SHARED_SKIP }, () => {
  it('ingests all 25,944 rows and fits the OPT family with the largest model held out, in bounded time', () => {
    const started = Date.now();
    const text = readFileSync(
      join(SHARED_DIR, 'data', 'hitchhiker_colpret', 'hitchhiker_subset_long.csv'),
      'utf8',
    );
    const all = readRunsFromText(text, 'hitchhiker_subset_long.csv');
    assert.equal(all.report.rowsRead, 25944);
    assert.equal(all.report.columns.loss, 'loss');
    assert.equal(all.report.pointsKept + (all.report.dropped.duplicate ?? 0), 25944);
    const opt = readRunsFromText(text, 'hitchhiker_subset_long.csv', {
      where: [{ column: 'family', value: 'OPT' }],
    });
    assert.equal(opt.report.pointsKept, 142);
    assert.equal(opt.runs.length, 6);
    const report = fitScalingLaw(opt.runs, { holdoutLargest: true });
    assert.equal(report.ok, true);
    assert.equal(report.heldOut?.model, 'OPT-175b');
    // 12 checkpoints at or before 1e10 tokens are dropped (ColPret's cut_beginning).
    assert.equal(report.dropped['before-min-tokens'], 12);
    assert.ok(report.heldOut!.are < 0.05, `ARE ${report.heldOut!.are}`);
    assert.ok(Date.now() - started < 60000);
  });
});
