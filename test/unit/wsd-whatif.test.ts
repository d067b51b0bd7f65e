/**
 * The WSD what-if of the "loss over training" chart (src/core/schedule/wsdWhatIf.ts, issue 13 item 3):
 * the variant's LR sequence, the multi-power ratio L_config × MPL_wsd/MPL_config on the chart, and the
 * check of its direction and size against Luo et al.'s own 400M cosine and WSD curves.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path, { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { runCurveCommand } from '../../src/cli/curve';
import { findPublishedLaw } from '../../src/core/laws/published';
import { scheduleChartInput } from '../../src/server/curves';
import { REPO_ROOT } from '../helpers';
import { buildChartData, type ChartSnapshot, type ChartSpec } from '../../src/core/charts';
import { evaluateLaw } from '../../src/core/laws/forms';
import { EPOCH_2024 } from '../../src/core/laws/published';
import { MULTIPOWER_PUBLISHED, multiPowerCurve } from '../../src/core/laws/forms/multipower2025';
import { compileRun, lrAt } from '../../src/core/schedule/model';
import type { LrSchedule, RunPlan } from '../../src/core/schedule/types';
import {
  luoUnitsCurve,
  nearestMultiPowerSize,
  wsdVariant,
  wsdWhatIf,
  wsdWhatIfLabel,
} from '../../src/core/schedule/wsdWhatIf';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'schedule', 'multipower2025-400M');

/** A 400M-parameter model (non-embedding, Epoch AI 2024's convention) under Epoch AI 2024. */
const N = 4e8;
function snapshot(tokens: number): ChartSnapshot {
  const law = EPOCH_2024;
  return {
    params: { total: N, nonEmbedding: N, active: N, activeNonEmbedding: N },
    tokens,
    loss: { law: law.id, value: evaluateLaw(law.law, N, tokens), low: 0, high: 0, paramsUsed: N },
    law: {
      id: law.id,
      label: law.label,
      citation: law.citation,
      paramConvention: law.paramConvention,
      law: law.law,
    },
  };
}

const base = (over: Partial<LrSchedule> = {}): LrSchedule => ({
  unit: 'steps',
  peakLr: 3e-4,
  finalLr: 3e-5,
  warmup: 2160,
  warmupShape: 'linear',
  decay: { kind: 'cosine' },
  horizon: 24000,
  ...over,
});
const planOf = (schedule: LrSchedule, totalSteps = schedule.horizon): RunPlan => ({
  schedule,
  batchTokens: 524288,
  totalSteps,
});

function scheduleChart(plan: RunPlan): ChartSpec {
  const run = compileRun(plan).run!;
  const data = buildChartData({ snapshot: snapshot(run.tokens[run.tokens.length - 1]!), schedule: { plan } });
  const found = data.charts.find((c) => c.id === 'schedule');
  assert.ok(found, 'a schedule chart');
  assert.equal(found.unavailable, undefined);
  return found;
}
const seriesOf = (chart: ChartSpec, id: string) => chart.series.find((s) => s.id === id);

test('the variant: same warmup and peak, at peak until 80% of the run, then 1-sqrt to the final LR over the last 20%', () => {
  const plan = planOf(base());
  const run = compileRun(plan).run!;
  const v = wsdVariant(plan, run);
  assert.ok(!('reason' in v), 'defined');
  assert.equal(v.run.lr.length, 24000);
  assert.deepEqual(v.run.tokens, run.tokens);
  for (let i = 0; i < 2160; i++) assert.equal(v.run.lr[i], run.lr[i], `warmup step ${i + 1}`);
  for (let i = 2160; i < 19200; i++) assert.equal(v.run.lr[i], 3e-4);
  // Step i + 1 uses position i: q = (i − 19200)/4800 (Hägele et al. 2024 Eq. 1, to 3e-5 instead of 0).
  for (const i of [19200, 20000, 22000, 23999])
    assert.ok(Math.abs(v.run.lr[i]! - (3e-5 + 2.7e-4 * (1 - Math.sqrt((i - 19200) / 4800)))) < 1e-18);
  assert.equal(v.finalLr, 3e-5);
});

test('a token-unit schedule (GPT-3 style, batch ramp): the cooldown is the last 20% of the tokens, the steps and tokens are the config’s', () => {
  const schedule = base({ unit: 'tokens', warmup: 375e6, horizon: 3e9 });
  const plan: RunPlan = {
    schedule,
    batchTokens: 1 << 20,
    totalTokens: 3e9,
    ramp: { kind: 'tokens-linear', startTokens: 32768, rampTokens: 4e8 },
  };
  const run = compileRun(plan).run!;
  const v = wsdVariant(plan, run);
  assert.ok(!('reason' in v));
  assert.deepEqual(v.run.tokens, run.tokens);
  const end = run.tokens[run.tokens.length - 1]!;
  for (let i = 1; i < run.lr.length; i++) {
    const seen = run.tokens[i - 1]!;
    if (seen >= schedule.warmup && seen < 0.8 * end) assert.equal(v.run.lr[i], 3e-4);
    if (seen < schedule.warmup) assert.equal(v.run.lr[i], run.lr[i]);
    if (seen > 0.8 * end) assert.ok(v.run.lr[i]! < 3e-4);
  }
});

test('where both LR sequences are identical so far the what-if is the predicted curve exactly (WSD config with a 10% linear cooldown)', () => {
  // Before 80% of the run both sit at the peak after the same warmup: the annealing terms are equal.
  const plan = planOf(base({ decay: { kind: 'wsd', cooldownFraction: 2184 / 21840, shape: 'linear' } }));
  const chart = scheduleChart(plan);
  const predicted = seriesOf(chart, 'predicted')!;
  const wsd = seriesOf(chart, 'wsd')!;
  assert.equal(wsd.label, 'WSD what-if (20% 1-sqrt cooldown; Luo et al. 2025 400M fit)');
  assert.equal(wsd.points.length, predicted.points.length);
  const run = compileRun(plan).run!;
  let same = 0;
  wsd.points.forEach((p, i) => {
    const step = Math.max(1, Math.round(((i + 1) / 50) * 24000));
    assert.equal(p.x, predicted.points[i]!.x);
    if (step <= 19200) {
      assert.equal(p.y, predicted.points[i]!.y, `step ${step}`);
      same++;
    } else {
      assert.notEqual(p.y, predicted.points[i]!.y, `step ${step}: the cooldowns differ`);
    }
    assert.equal(p.x, run.tokens[step - 1]);
  });
  assert.equal(same, 40);
  // Between 80% and 90% of the run only the what-if cools down: its annealing term makes it lower.
  // (At the end the config's 10% linear cooldown is 0.09% lower: the law, not asserted as a rule.)
  wsd.points.forEach((p, i) => {
    const step = Math.round(((i + 1) / 50) * 24000);
    if (step > 19200 && step <= 21600) assert.ok(p.y < predicted.points[i]!.y, `step ${step}`);
  });
  assert.ok(chart.caption!.some((c) => c.startsWith('WSD what-if: same peak LR, warmup and length')));
  assert.ok(chart.caption!.some((c) => /N = 400M is 1\.0× their 400M/.test(c)));
});

test('a cosine config: the what-if equals the curve inside the shared warmup, then differs', () => {
  const chart = scheduleChart(planOf(base()));
  const predicted = seriesOf(chart, 'predicted')!;
  const wsd = seriesOf(chart, 'wsd')!;
  // Samples at steps 480, 960, 1440, 1920 are inside the 2,160-step warmup.
  for (let i = 0; i < 4; i++) assert.equal(wsd.points[i]!.y, predicted.points[i]!.y);
  // In the stable phase the WSD run's LR is higher: the multi-power law has it above the cosine run.
  assert.ok(wsd.points[30]!.y > predicted.points[30]!.y);
});

function loadCurve(name: string): Map<number, number> {
  const rows = readFileSync(path.join(FIXTURES, `${name}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  return new Map(rows.map((r) => r.split(',').map(Number)).map(([step, , loss]) => [step!, loss!]));
}
/** Their data_loader.py: warmup = linspace(0, peak, 2160), then the schedule. */
function theirLrs(decay: LrSchedule['decay']): Float64Array {
  const s = base({ decay });
  const lrs = new Float64Array(24000);
  for (let i = 0; i < 24000; i++) lrs[i] = i < 2160 ? (3e-4 * i) / 2159 : lrAt(s, i);
  return lrs;
}

test('Luo et al.’s 400M runs: WSD ends below cosine (2.7222 vs 2.7396), their law agrees in direction (2.7005 vs 2.7572), and so does the what-if', () => {
  const cosine = loadCurve('cosine_24000');
  const wsd = loadCurve('wsd_20000_24000');
  // The last logged points (step 23,920 of the cosine run, 23,936 of the WSD run: ~8M tokens apart).
  const measuredCos = cosine.get(23920)!;
  const measuredWsd = wsd.get(23936)!;
  assert.equal(measuredCos, 2.7396);
  assert.equal(measuredWsd, 2.7222);
  const law = MULTIPOWER_PUBLISHED['400M'];
  const [lawCos] = multiPowerCurve(law, theirLrs({ kind: 'cosine' }), [23920]);
  const [lawWsd] = multiPowerCurve(
    law,
    theirLrs({ kind: 'wsd', cooldownFraction: 4000 / 21840, shape: 'exponential' }),
    [23936],
  );
  assert.ok(lawWsd! < lawCos!);
  // The numbers WSD_WHATIF_CHECK states: the law's gap 2.1%, the measured 0.6%.
  assert.equal((1 - lawWsd! / lawCos!).toFixed(3), '0.021');
  assert.equal((1 - measuredWsd / measuredCos).toFixed(3), '0.006');
  // The what-if on a cosine config like theirs: its WSD variant ends lower too.
  const plan = planOf(base());
  const what = wsdWhatIf(plan, compileRun(plan).run!, N, [24000]);
  assert.ok(!('reason' in what));
  assert.ok(what.ratio[0]! < 1, `ratio ${what.ratio[0]}`);
});

test('the blocked evaluation in their units is their exact law (cosine and the what-if’s WSD, within 1e-6)', () => {
  const plan = planOf(base());
  const run = compileRun(plan).run!;
  const v = wsdVariant(plan, run);
  assert.ok(!('reason' in v));
  const steps = [100, 2159, 5000, 19199, 19200, 21000, 23999];
  for (const lr of [run.lr, v.run.lr]) {
    const exact = multiPowerCurve(MULTIPOWER_PUBLISHED['400M'], lr, steps);
    const blocked = luoUnitsCurve(MULTIPOWER_PUBLISHED['400M'], lr, 3e-4, steps);
    steps.forEach((_, i) =>
      assert.ok(Math.abs(blocked[i]! / exact[i]! - 1) < 1e-6, `${blocked[i]} vs ${exact[i]}`),
    );
  }
  // Another peak LR maps onto theirs: the config at 3e-3 gives the same losses as at 3e-4.
  const scaled = run.lr.map((x) => x * 10);
  const atTen = luoUnitsCurve(MULTIPOWER_PUBLISHED['400M'], scaled, 3e-3, steps);
  const atPeak = luoUnitsCurve(MULTIPOWER_PUBLISHED['400M'], run.lr, 3e-4, steps);
  atTen.forEach((v, i) => assert.ok(Math.abs(v! / atPeak[i]! - 1) < 1e-12, `${v} vs ${atPeak[i]}`));
});

test('a constant-LR config: the variant is the config itself, the ratio is exactly 1, and the chart says why it draws none', () => {
  const plan = planOf(base({ decay: { kind: 'constant' } }));
  const run = compileRun(plan).run!;
  const steps = Array.from({ length: 50 }, (_, i) => Math.round(((i + 1) / 50) * 24000));
  const what = wsdWhatIf(plan, run, N, steps);
  assert.ok(!('reason' in what));
  assert.deepEqual(what.variant.run.lr, run.lr);
  assert.deepEqual(
    what.ratio,
    steps.map(() => 1),
  );
  const chart = scheduleChart(plan);
  assert.equal(seriesOf(chart, 'wsd'), undefined);
  assert.ok(
    chart.caption!.includes(
      'WSD what-if not drawn: the LR does not decay, so a cooldown to its final LR is this run itself.',
    ),
  );
});

test('zero final LR (cosine to 0, an early horizon, a zero phase, linear to zero): finite what-if points, never NaN', () => {
  const cases: [string, RunPlan][] = [
    ['cosine to 0', planOf(base({ finalLr: 0 }))],
    ['cosine to 0 at 60% of the run, then LR 0', planOf(base({ finalLr: 0, horizon: 14400 }), 24000)],
    ['MaxText zero phase from 90%', planOf(base({ zeroFrom: 21600 }))],
    ['linear to zero', planOf(base({ finalLr: 0, decay: { kind: 'linear', toZero: true } }))],
    ['inverse-sqrt, no end', planOf(base({ finalLr: 0, decay: { kind: 'inverse-sqrt' } }))],
    ['step decay', planOf(base({ decay: { kind: 'step', milestones: [12000, 18000], gamma: 0.1 } }))],
  ];
  for (const [name, plan] of cases) {
    const run = compileRun(plan).run!;
    const steps = Array.from({ length: 50 }, (_, i) => Math.round(((i + 1) / 50) * 24000));
    const what = wsdWhatIf(plan, run, N, steps);
    assert.ok(!('reason' in what), name);
    for (const r of what.ratio) assert.ok(r === undefined || (Number.isFinite(r) && r > 0), `${name}: ${r}`);
    assert.ok(what.ratio.filter((r) => r !== undefined).length >= 40, `${name}: drawn almost everywhere`);
    const chart = scheduleChart(plan);
    const wsd = seriesOf(chart, 'wsd');
    assert.ok(wsd, name);
    for (const p of wsd.points) assert.ok(Number.isFinite(p.x) && Number.isFinite(p.y) && p.y > 0, name);
  }
  // A step decay ends at its last LR (3e-4 × 0.01): the what-if cools down to that.
  const step = planOf(base({ decay: { kind: 'step', milestones: [12000, 18000], gamma: 0.1 } }));
  const v = wsdVariant(step, compileRun(step).run!);
  assert.ok(!('reason' in v));
  assert.ok(Math.abs(v.finalLr - 3e-6) < 1e-18);
});

test('undefined combinations: OneCycle, a warmup longer than 80% of the run, unknown N — the reason, no series', () => {
  const onecycle = planOf(
    base({
      warmup: 0,
      decay: { kind: 'onecycle', pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, anneal: 'cos' },
    }),
  );
  const chart = scheduleChart(onecycle);
  assert.equal(seriesOf(chart, 'wsd'), undefined);
  assert.ok(
    chart.caption!.some(
      (c) => c === 'WSD what-if not drawn: a OneCycle schedule has no warmup separate from its decay.',
    ),
  );
  const long = planOf(base({ warmup: 20000 }));
  const what = wsdVariant(long, compileRun(long).run!);
  assert.ok('reason' in what);
  assert.match(what.reason, /warmup \(20,000 steps\) leaves less than the last 20%/);
  assert.ok('reason' in wsdWhatIf(planOf(base()), compileRun(planOf(base())).run!, NaN, [1]));
});

test('the nearest published size on a log scale, and the label names it', () => {
  assert.equal(nearestMultiPowerSize(30e6).size, '25M');
  assert.equal(nearestMultiPowerSize(49e6).size, '25M');
  assert.equal(nearestMultiPowerSize(51e6).size, '100M');
  assert.equal(nearestMultiPowerSize(199e6).size, '100M');
  assert.equal(nearestMultiPowerSize(201e6).size, '400M');
  assert.equal(nearestMultiPowerSize(7e9).factor, 17.5);
  assert.equal(wsdWhatIfLabel('100M'), 'WSD what-if (20% 1-sqrt cooldown; Luo et al. 2025 100M fit)');
});

describe('scaling-lens curve --json whatIf (issue 13 item 3)', () => {
  const files = [
    join(REPO_ROOT, 'examples', 'nanogpt', 'train_gpt2_124m.py'),
    join(REPO_ROOT, 'examples', 'torchtitan', 'llama3_8b.toml'),
  ];
  for (const file of files) {
    test(`${file.split('/').pop()}: whatIf.wsd is the panel's WSD series point for point, with the chart's source`, async () => {
      const text = readFileSync(file, 'utf8');
      const { analysis } = analyzeText(text, { path: file });
      assert.ok(analysis?.loss, 'analyzed');
      const law = findPublishedLaw(analysis.loss.law)!;
      const snapshot: ChartSnapshot = {
        params: analysis.params,
        tokens: analysis.tokens,
        missing: analysis.missing,
        loss: analysis.loss,
        law: {
          id: law.id,
          label: law.label,
          citation: law.citation,
          paramConvention: law.paramConvention,
          law: law.law,
        },
      };
      const data = buildChartData({ snapshot, schedule: scheduleChartInput(analysis, text, { path: file }) });
      const chart = data.charts.find((c) => c.id === 'schedule')!;
      const wsd = chart.series.find((s) => s.id === 'wsd');
      assert.ok(wsd, `a WSD what-if on ${file}: ${chart.caption?.join(' | ')}`);
      let out = '';
      const code = await runCurveCommand(
        [file, '--law', law.id, '--json'],
        (s) => (out += s),
        () => {},
      );
      assert.equal(code, 0);
      const json = JSON.parse(out) as {
        curve: { step: number; lr: number }[];
        schedule: { peakLr: number };
        whatIf: { wsd: { step: number; tokens: number; lr: number; loss: number }[]; source: string };
      };
      assert.deepEqual(
        json.whatIf.wsd.map((r) => ({ x: r.tokens, y: r.loss })),
        wsd.points,
      );
      assert.ok(chart.caption!.some((c) => c === json.whatIf.source));
      // The rows' LR is the variant's: at the peak in the stable part, below the config's at the end.
      const peak = json.schedule.peakLr;
      assert.equal(json.whatIf.wsd[30]!.lr, peak);
      assert.ok(json.whatIf.wsd.at(-1)!.lr < peak);
      assert.equal(json.whatIf.wsd.at(-1)!.step, json.curve.at(-1)!.step);
    });
  }
});
