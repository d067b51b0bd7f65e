/**
 * The downstream fit's uncertainty and what the editor shows from it (issue #14): a bootstrap over
 * runs that refits both steps (src/core/downstream/bootstrap.ts), saved with the law and evaluated at
 * any (N, D); the extrapolation flag; the accuracy-vs-compute chart; the benchmark-column detection.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracyAtLoss, type BhagiaAccuracyLaw } from '../../src/core/downstream/accuracy';
import { accuracyInterval, bootstrapLaws } from '../../src/core/downstream/bootstrap';
import { downstreamChart } from '../../src/core/downstream/chart';
import { accuracyColumns } from '../../src/core/downstream/columns';
import { fitDownstream } from '../../src/core/downstream/fitDownstream';
import {
  parseDownstreamLaw,
  predictDownstream,
  regionDistance,
  savedDownstreamFromReport,
  serializeDownstreamLaw,
} from '../../src/core/downstream/saved';
import type { RunSeries } from '../../src/core/fit/types';
import { mulberry32 } from '../../src/core/fit/random';
import { readRunsFromPath } from '../../src/node/runsFromDisk';
import { SHARED_DIR } from '../helpers';

const PYTHIA = join(SHARED_DIR, 'data', 'pythia_evals', 'pythia_v1_zero_shot_checkpoints.csv');
const PYTHIA_12B = { params: 11842140160, tokens: 299892736000 };

/** Runs from a known Chinchilla law and sigmoid link, with Gaussian noise on both (seeded). */
function syntheticRuns(noise: number): { loss: RunSeries[]; accuracy: RunSeries[]; link: BhagiaAccuracyLaw } {
  const law = { E: 1.8, A: 400, B: 2000, alpha: 0.34, beta: 0.3 };
  const link: BhagiaAccuracyLaw = { form: 'bhagia2024', a: 0.6, b: 0.25, k: -3, L0: 3.0 };
  const random = mulberry32(7);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const loss: RunSeries[] = [];
  const accuracy: RunSeries[] = [];
  for (const params of [2e7, 5e7, 1e8, 2e8, 4e8, 8e8]) {
    const name = `m${params}`;
    const tokens = [2, 4, 8, 16, 32].map((k) => k * params);
    const l = tokens.map((t) => law.E + law.A / params ** law.alpha + law.B / t ** law.beta);
    loss.push({
      name,
      params,
      points: tokens.map((t, i) => ({ tokens: t, loss: l[i]! * (1 + 0.002 * gauss()) })),
    });
    accuracy.push({
      name,
      params,
      points: tokens.map((t, i) => ({ tokens: t, loss: accuracyAtLoss(link, l[i]!) + noise * gauss() })),
    });
  }
  return { loss, accuracy, link };
}

test('the bootstrap refits both steps over runs: deterministic per seed, and its 95% interval holds the true accuracy', () => {
  const { loss, accuracy, link } = syntheticRuns(0.01);
  const options = { minTokens: 0, bootstrap: 60, seed: 3 };
  const report = fitDownstream(loss, accuracy, 'bench', options);
  assert.ok(report.ok, report.errors.join(' '));
  const b = report.bootstrap!;
  assert.equal(b.attempted, 60);
  assert.ok(b.lossDraws.length >= 50, `${b.lossDraws.length} draws`);
  assert.equal(b.lossDraws.length, b.accuracyDraws.length);
  assert.deepEqual(fitDownstream(loss, accuracy, 'bench', options).bootstrap, b, 'same seed, same draws');
  assert.notDeepEqual(
    fitDownstream(loss, accuracy, 'bench', { ...options, seed: 4 }).bootstrap!.lossDraws,
    b.lossDraws,
  );
  // Inside the fitted region: the truth is in the interval, which has a width.
  const params = 3e8;
  const tokens = 20 * params;
  const trueLoss = 1.8 + 400 / params ** 0.34 + 2000 / tokens ** 0.3;
  const interval = accuracyInterval(bootstrapLaws(b), params, tokens)!;
  const truth = accuracyAtLoss(link, trueLoss);
  assert.ok(interval.low < truth && truth < interval.high, `${interval.low} < ${truth} < ${interval.high}`);
  assert.ok(interval.high - interval.low > 1e-4 && interval.high - interval.low < 0.1);
  // Noisier accuracies give a wider interval.
  const noisy = fitDownstream(
    ...(Object.values(syntheticRuns(0.04)).slice(0, 2) as [RunSeries[], RunSeries[]]),
    'bench',
    options,
  );
  const wide = accuracyInterval(bootstrapLaws(noisy.bootstrap!), params, tokens)!;
  assert.ok(
    wide.high - wide.low > interval.high - interval.low,
    `${wide.high - wide.low} vs ${interval.high - interval.low}`,
  );
});

test('Pythia: the saved law round-trips with its bootstrap, and the 12B prediction from 70M–6.9B has an interval around it', () => {
  const lossRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'loss_ln_lambada_ppl' } }).runs;
  const rows: string[] = [];
  for (const column of ['piqa_acc', 'lambada_acc']) {
    const accuracyRuns = readRunsFromPath(PYTHIA, { columns: { loss: column } }).runs;
    const report = fitDownstream(lossRuns, accuracyRuns, column, { holdoutLargest: true, bootstrap: 60 });
    assert.ok(report.ok, report.errors.join(' '));
    const saved = savedDownstreamFromReport(report, {
      name: column,
      dataSource: 'pythia',
      date: '2025-01-01',
    })!;
    const text = serializeDownstreamLaw(saved);
    // One line per draw, not one per number.
    assert.ok(text.split('\n').length < 200, `${text.split('\n').length} lines`);
    const parsed = parseDownstreamLaw(text);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join(' '));
    if (!parsed.ok) continue;
    const p = predictDownstream(parsed, PYTHIA_12B.params, PYTHIA_12B.tokens)!;
    const direct = accuracyInterval(bootstrapLaws(report.bootstrap!), PYTHIA_12B.params, PYTHIA_12B.tokens)!;
    assert.equal(p.low, direct.low);
    assert.equal(p.high, direct.high);
    assert.equal(p.accuracy, report.heldOut!.points[0]!.predicted);
    assert.ok(p.low! < p.accuracy && p.accuracy < p.high!, `${p.low} ${p.accuracy} ${p.high}`);
    assert.ok(p.high! - p.low! < 0.1);
    // 12B is 1.7× above the fitted 6.9B: inside the 10× margin.
    assert.equal(p.extrapolated, false);
    assert.equal(p.region!.axis, 'N');
    const observed = report.heldOut!.points.map((q) => q.observed);
    rows.push(
      `${column}: predicted ${(100 * p.accuracy).toFixed(1)}% (${(100 * p.low!).toFixed(1)}–${(100 * p.high!).toFixed(1)}%), observed ${observed.map((o) => (100 * o).toFixed(1)).join(' / ')}%`,
    );
    // A broken bootstrap is refused with a message.
    const broken = JSON.parse(text);
    broken.bootstrap.accuracyDraws[0] = [1, 2];
    const bad = parseDownstreamLaw(JSON.stringify(broken));
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.errors.join(' '), /bootstrap/);
  }
  console.log(`Pythia-12B from a fit on 70M–6.9B (60 resamples): ${rows.join('; ')}`);
});

test('more than 10× outside the fitted region is extrapolated, and says how far on which axis', () => {
  const region = { paramsMin: 1e8, paramsMax: 1e9, tokensMin: 1e10, tokensMax: 1e11 };
  assert.deepEqual(regionDistance(region, 5e8, 5e10), { factor: 1, axis: 'N', direction: 'inside' });
  assert.deepEqual(regionDistance(region, 5e8, 3e12), { factor: 30, axis: 'D', direction: 'above' });
  const below = regionDistance(region, 5e6, 5e10);
  assert.equal(below.direction, 'below');
  assert.ok(Math.abs(below.factor - 20) < 1e-9);
});

test('accuracy vs compute: the frontier, its band and the config, all finite, extrapolation dashed', () => {
  const lossRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'loss_ln_lambada_ppl' } }).runs;
  const accuracyRuns = readRunsFromPath(PYTHIA, { columns: { loss: 'piqa_acc' } }).runs;
  const report = fitDownstream(lossRuns, accuracyRuns, 'piqa_acc', { bootstrap: 40 });
  const parsed = parseDownstreamLaw(
    serializeDownstreamLaw(savedDownstreamFromReport(report, { name: 'p', dataSource: 'x', date: 'd' })!),
  );
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  const chart = downstreamChart({ loaded: parsed, id: 'piqa', params: 2.08e10, tokens: 4.7e11 });
  assert.equal(chart.id, 'downstream');
  assert.equal(chart.unavailable, undefined);
  const ids = chart.series.map((s) => s.id);
  assert.deepEqual(ids, ['band', 'frontier', 'extrapolated-below', 'extrapolated-above', 'config']);
  for (const series of chart.series)
    for (const point of [...series.points, ...(series.upper ?? [])])
      assert.ok(
        Number.isFinite(point.x) && Number.isFinite(point.y) && point.y >= 0 && point.y <= 100,
        series.id,
      );
  const solid = chart.series.find((s) => s.id === 'frontier')!.points;
  const lower = chart.series.find((s) => s.id === 'extrapolated-below')!;
  const upper = chart.series.find((s) => s.id === 'extrapolated-above')!;
  assert.ok(lower.dashed && upper.dashed);
  // The dashed parts lie either side of the solid one and meet it.
  assert.deepEqual(lower.points.at(-1), solid[0]);
  assert.deepEqual(upper.points[0], solid.at(-1));
  assert.ok(
    lower.points.every((p) => p.x <= solid[0]!.x) && upper.points.every((p) => p.x >= solid.at(-1)!.x),
  );
  const config = chart.series.find((s) => s.id === 'config')!.points[0]!;
  assert.equal(config.x, 6 * 2.08e10 * 4.7e11);
  assert.equal(config.y, 100 * predictDownstream(parsed, 2.08e10, 4.7e11)!.accuracy);
  // Accuracy rises with compute along the frontier (loss falls, the piqa link is decreasing in loss).
  const frontier = chart.series.find((s) => s.id === 'frontier')!.points;
  for (let i = 1; i < frontier.length; i++) assert.ok(frontier[i]!.y >= frontier[i - 1]!.y - 1e-9);
  assert.ok(chart.y.min! <= Math.min(...frontier.map((p) => p.y)) && chart.y.max! >= config.y);
  // Without N and D there is still a frontier over the fitted range, and no config marker.
  const unknown = downstreamChart({ loaded: parsed, id: 'piqa', params: null, tokens: null });
  assert.ok(!unknown.series.some((s) => s.id === 'config'));
  assert.match(unknown.description, /not marked/);
});

test('benchmark columns: named like accuracies, fractions or percentages, never loss or token columns', () => {
  const text = readFileSync(PYTHIA, 'utf8');
  const columns = accuracyColumns(text, 'pythia.csv');
  assert.deepEqual(
    columns.map((c) => [c.name, c.scale]),
    ['lambada_acc', 'piqa_acc', 'arc_easy_acc', 'sciq_acc', 'winogrande_acc'].map((n) => [n, 'fraction']),
  );
  const percent =
    'model,params,tokens,loss,mmlu_acc,hellaswag_acc_norm,bad_acc\na,1e8,1e10,3.1,25.5,30.2,250\n';
  assert.deepEqual(
    accuracyColumns(percent, 'runs.csv').map((c) => [c.name, c.scale]),
    [
      ['mmlu_acc', 'percent'],
      ['hellaswag_acc_norm', 'percent'],
      ['bad_acc', 'invalid'],
    ],
  );
  const jsonl =
    '{"params":1e8,"tokens":1e10,"loss":3,"arc_acc":0.4}\n{"params":2e8,"tokens":1e10,"loss":2.9,"arc_acc":0.45}\n';
  assert.deepEqual(
    accuracyColumns(jsonl, 'runs.jsonl').map((c) => [c.name, c.scale, c.values]),
    [['arc_acc', 'fraction', 2]],
  );
});
