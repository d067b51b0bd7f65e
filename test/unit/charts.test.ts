import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeSpec, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import {
  buildChartData,
  focusBounds,
  logSpace,
  optimalAllocation,
  optimalTokensForParams,
  parseObservedPoints,
  tableToCsv,
  type ChartData,
  type ChartSnapshot,
  type ChartSpec,
  type ObservedPoint,
} from '../../src/core/charts';
import { evaluateLaw } from '../../src/core/laws/forms';
import { EPOCH_2024, HOFFMANN_2022, KAPLAN_2020, type ScalingLaw } from '../../src/core/laws/published';
import { gpt2Architecture } from '../../src/core/model/params';
import type { RunSpec } from '../../src/core/types';

/** A GPT-2-small run analyzed by the real core, reduced to what the charts read. */
function snapshotFor(law: ScalingLaw, tokens: number | undefined): ChartSnapshot {
  const spec: RunSpec = {
    framework: 'nanogpt',
    modelName: 'gpt2',
    architecture: gpt2Architecture({
      nLayers: 12,
      dModel: 768,
      nHeads: 12,
      vocabSize: 50304,
      learnedPositions: 1024,
    }),
    training: tokens === undefined ? { missing: ['GPU count'] } : { tokens },
    archSources: {},
    trainingSources: {},
    usedKeys: [],
    assumptions: [],
    diagnostics: [],
  };
  const analysis = analyzeSpec(spec, { ...DEFAULT_ANALYSIS_SETTINGS, lawId: law.id, law });
  return {
    params: analysis.params,
    tokens: analysis.tokens,
    missing: analysis.missing,
    flops: analysis.flops,
    optimalTokens: analysis.optimalTokens,
    loss: analysis.loss,
    law: {
      id: law.id,
      label: law.label,
      citation: law.citation,
      paramConvention: law.paramConvention,
      law: law.law,
      ...(law.bootstrapDraws ? { bootstrapDraws: law.bootstrapDraws } : {}),
    },
  };
}

const chart = (data: ChartData, id: ChartSpec['id']) => {
  const found = data.charts.find((c) => c.id === id);
  assert.ok(found, `chart ${id} missing`);
  return found;
};
const series = (spec: ChartSpec, id: string) => {
  const found = spec.series.find((s) => s.id === id);
  assert.ok(found, `series ${id} missing from ${spec.id}`);
  return found;
};

/** 200 deterministic draws around the Epoch coefficients, ±3%. */
function draws(): [number, number, number, number, number][] {
  const { E, A, B, alpha, beta } = EPOCH_2024.law as {
    E: number;
    A: number;
    B: number;
    alpha: number;
    beta: number;
  };
  return Array.from({ length: 200 }, (_, i) => {
    const t = Math.sin(i * 12.9898) * 0.03;
    const u = Math.cos(i * 78.233) * 0.03;
    return [E * (1 + t), A * (1 + u), B * (1 - t), alpha * (1 + u / 10), beta * (1 - t / 10)];
  });
}

describe('loss vs tokens chart', () => {
  test('the config marker sits at the config D with the analysis loss', () => {
    const snapshot = snapshotFor(EPOCH_2024, 9.8e9);
    const data = buildChartData({ snapshot });
    const marker = series(chart(data, 'tokens'), 'config').points;
    assert.equal(marker.length, 1);
    assert.equal(marker[0].x, 9.8e9);
    assert.equal(marker[0].y, snapshot.loss!.value);
    assert.equal(data.config!.loss, snapshot.loss!.value);
  });

  test('the curve passes through the config marker and the compute-optimal D marker', () => {
    const snapshot = snapshotFor(EPOCH_2024, 9.8e9);
    const tokens = chart(buildChartData({ snapshot }), 'tokens');
    const curve = series(tokens, 'law').points;
    const optimum = series(tokens, 'optimum').points[0];
    assert.equal(optimum.x, snapshot.optimalTokens);
    assert.deepEqual(
      curve.find((p) => p.x === optimum.x),
      optimum,
    );
    assert.deepEqual(
      curve.find((p) => p.x === 9.8e9),
      { x: 9.8e9, y: snapshot.loss!.value },
    );
  });

  test('the bootstrap band contains the curve at every D', () => {
    const law: ScalingLaw = { ...EPOCH_2024, bootstrapDraws: draws() };
    const tokens = chart(buildChartData({ snapshot: snapshotFor(law, 9.8e9) }), 'tokens');
    const curve = series(tokens, 'law').points;
    const band = series(tokens, 'band');
    assert.equal(band.points.length, curve.length);
    assert.equal(band.upper!.length, curve.length);
    curve.forEach((p, i) => {
      assert.equal(band.points[i].x, p.x);
      assert.ok(band.points[i].y <= p.y, `low ${band.points[i].y} > curve ${p.y} at D=${p.x}`);
      assert.ok(band.upper![i].y >= p.y, `high ${band.upper![i].y} < curve ${p.y} at D=${p.x}`);
    });
    // The band is not degenerate where the draws disagree.
    assert.ok(band.upper!.some((p, i) => p.y - band.points[i].y > 1e-3));
  });

  test('has no band when the law has no bootstrap draws', () => {
    const tokens = chart(buildChartData({ snapshot: snapshotFor(HOFFMANN_2022, 9.8e9) }), 'tokens');
    assert.equal(
      tokens.series.some((s) => s.role === 'band'),
      false,
    );
  });

  test('x values are log-spaced, ascending, on a log axis spanning 30× either side', () => {
    const snapshot = snapshotFor(EPOCH_2024, 9.8e9);
    const tokens = chart(buildChartData({ snapshot, samples: 40 }), 'tokens');
    assert.equal(tokens.x.scale, 'log');
    const xs = series(tokens, 'law').points.map((p) => p.x);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1]);
    assert.ok(Math.abs(xs[0] - snapshot.optimalTokens! / 30) / xs[0] < 1e-12);
    assert.ok(Math.abs(xs.at(-1)! - 9.8e9 * 30) / xs.at(-1)! < 1e-12);
    // 40 log-spaced samples plus the two markers' exact D values.
    assert.equal(xs.length, 42);
  });
});

describe('logSpace', () => {
  test('returns count values with a constant ratio from lo to hi', () => {
    const xs = logSpace(1e6, 1e12, 7);
    assert.equal(xs.length, 7);
    assert.equal(xs[0], 1e6);
    assert.equal(xs[6], 1e12);
    for (let i = 1; i < xs.length; i++) assert.ok(Math.abs(xs[i] / xs[i - 1] - 10) < 1e-9);
  });
});

describe('isoFLOP chart', () => {
  test('the compute-optimal marker is the minimum of the config budget curve', () => {
    const snapshot = snapshotFor(EPOCH_2024, 9.8e9);
    const isoflop = chart(buildChartData({ snapshot }), 'isoflop');
    const curve = series(isoflop, 'budget-1').points;
    const optimum = series(isoflop, 'optimum-1').points[0];
    const minimum = curve.reduce((best, p) => (p.y < best.y ? p : best));
    assert.deepEqual(minimum, optimum);
    // And it is the true optimum, not just the best sample: a finer scan finds nothing lower.
    const flops = 6 * snapshot.params!.total * 9.8e9;
    for (const N of logSpace(optimum.x / 1.1, optimum.x * 1.1, 201)) {
      assert.ok(evaluateLaw(EPOCH_2024.law, N, flops / (6 * N)) >= optimum.y - 1e-12);
    }
  });

  test('draws the config budget and ×0.1, ×10 budgets, with the config on its curve', () => {
    const snapshot = snapshotFor(EPOCH_2024, 9.8e9);
    const isoflop = chart(buildChartData({ snapshot }), 'isoflop');
    const flops = 6 * snapshot.params!.total * 9.8e9;
    assert.equal(flops, snapshot.flops);
    assert.deepEqual(
      isoflop.series.filter((s) => s.role === 'curve').map((s) => s.id),
      ['budget-1', 'budget-0.1', 'budget-10'],
    );
    const config = series(isoflop, 'config').points[0];
    assert.deepEqual(config, { x: snapshot.params!.total, y: snapshot.loss!.value });
    assert.ok(series(isoflop, 'budget-1').points.some((p) => p.x === config.x && p.y === config.y));
    // More compute always buys a lower optimum.
    const optimumLoss = (id: string) => series(isoflop, id).points[0].y;
    assert.ok(optimumLoss('optimum-10') < optimumLoss('optimum-1'));
    assert.ok(optimumLoss('optimum-1') < optimumLoss('optimum-0.1'));
  });

  test('Kaplan: the closed-form optimum matches a dense numeric minimum and the config uses non-embedding N', () => {
    const snapshot = snapshotFor(KAPLAN_2020, 9.8e9);
    const data = buildChartData({ snapshot });
    assert.equal(data.config!.paramsUsed, snapshot.params!.activeNonEmbedding);
    assert.equal(series(chart(data, 'tokens'), 'config').points[0].y, snapshot.loss!.value);
    const flops = data.config!.flops!;
    const optimum = optimalAllocation(KAPLAN_2020.law, flops)!;
    let best = { N: 0, loss: Infinity };
    for (const N of logSpace(optimum.params / 100, optimum.params * 100, 20001)) {
      const loss = evaluateLaw(KAPLAN_2020.law, N, flops / (6 * N));
      if (loss < best.loss) best = { N, loss };
    }
    assert.ok(
      Math.abs(best.N / optimum.params - 1) < 1e-3,
      `numeric ${best.N} vs closed form ${optimum.params}`,
    );
    // optimalTokensForParams inverts the allocation.
    const tokens = optimalTokensForParams(KAPLAN_2020.law, optimum.params)!;
    assert.ok(Math.abs(tokens / optimum.tokens - 1) < 1e-9);
  });

  test('Chinchilla: the optimal D for this N matches the analysis', () => {
    const snapshot = snapshotFor(EPOCH_2024, 9.8e9);
    assert.equal(optimalTokensForParams(EPOCH_2024.law, snapshot.params!.total), snapshot.optimalTokens);
  });
});

describe('frontier chart', () => {
  test('the config lies on or above the frontier, touching the fixed-N curve', () => {
    const snapshot = snapshotFor(EPOCH_2024, 9.8e9);
    const frontier = chart(buildChartData({ snapshot }), 'frontier');
    const config = series(frontier, 'config').points[0];
    assert.equal(config.x, snapshot.flops);
    const atBudget = series(frontier, 'frontier').points.find((p) => p.x === config.x)!;
    assert.ok(atBudget.y <= config.y);
    assert.deepEqual(
      series(frontier, 'fixed-size').points.find((p) => p.x === config.x),
      config,
    );
    // The frontier falls monotonically with compute.
    const ys = series(frontier, 'frontier').points.map((p) => p.y);
    for (let i = 1; i < ys.length; i++) assert.ok(ys[i] < ys[i - 1]);
  });

  test('a compute-form law gives flat isoFLOP curves and no optimum markers', () => {
    const law: ScalingLaw = {
      ...EPOCH_2024,
      id: 'c',
      law: { form: 'compute', E: 1.7, A: 2000, alpha: 0.16 },
    };
    const data = buildChartData({ snapshot: snapshotFor(law, 9.8e9) });
    const isoflop = chart(data, 'isoflop');
    assert.equal(
      isoflop.series.some((s) => s.role === 'optimum'),
      false,
    );
    const ys = series(isoflop, 'budget-1').points.map((p) => p.y);
    assert.ok(Math.max(...ys) - Math.min(...ys) < 1e-9);
    assert.ok(data.notes.some((n) => n.includes('compute alone')));
  });
});

describe('missing inputs', () => {
  test('unknown tokens: no config markers, budgets centred on the optimal D, a note naming what is missing', () => {
    const snapshot = snapshotFor(EPOCH_2024, undefined);
    const data = buildChartData({ snapshot });
    assert.equal(data.config!.tokens, null);
    for (const spec of data.charts)
      assert.equal(
        spec.series.some((s) => s.role === 'config'),
        false,
        spec.id,
      );
    assert.equal(
      chart(data, 'frontier').series[0].points.some(
        (p) => p.x === 6 * snapshot.params!.total * snapshot.optimalTokens!,
      ),
      true,
    );
    assert.ok(data.notes[0].includes('GPU count'));
  });

  test('unknown parameter count: no charts and a note', () => {
    const snapshot = { ...snapshotFor(EPOCH_2024, 1e9), params: null, loss: null };
    const data = buildChartData({ snapshot });
    assert.deepEqual(data.charts, []);
    assert.deepEqual(data.table, []);
    assert.equal(data.config, null);
    assert.match(data.notes[0], /Parameter count unknown/);
  });
});

describe('fit charts from observed runs', () => {
  const law = EPOCH_2024.law;
  const observed: ObservedPoint[] = [
    { runName: 'a', params: 2e7, tokens: 1e9, loss: evaluateLaw(law, 2e7, 1e9) + 0.01 },
    { runName: 'a', params: 2e7, tokens: 2e9, loss: evaluateLaw(law, 2e7, 2e9) - 0.02 },
    { runName: '<img src=x onerror=alert(1)>', params: 1e8, tokens: 1e9, loss: 3.5 },
    { runName: 'big', params: 1e8, tokens: 4e9, loss: evaluateLaw(law, 1e8, 4e9), heldOut: true },
  ];

  test('groups points by model size with a fitted curve per size and held-out points apart', () => {
    const data = buildChartData({ snapshot: snapshotFor(EPOCH_2024, 9.8e9), observed });
    const fit = chart(data, 'fit');
    assert.deepEqual(
      fit.series.map((s) => [s.id, s.role, s.points.length > 0]),
      [
        ['fit-0', 'curve', true],
        ['observed-0', 'observed', true],
        ['fit-1', 'curve', true],
        ['observed-1', 'observed', true],
        ['heldOut-1', 'heldOut', true],
        ['config', 'config', true],
      ],
    );
    assert.deepEqual(series(fit, 'heldOut-1').points, [{ x: 4e9, y: observed[3].loss, run: 'big' }]);
  });

  test('residuals are observed minus fitted loss', () => {
    const data = buildChartData({ snapshot: snapshotFor(EPOCH_2024, 9.8e9), observed });
    const residuals = chart(data, 'residuals');
    const small = series(residuals, 'observed-0').points;
    assert.ok(Math.abs(small[0].y - 0.01) < 1e-12);
    assert.ok(Math.abs(small[1].y + 0.02) < 1e-12);
    assert.equal(series(residuals, 'heldOut-1').points[0].y, 0);
    assert.ok(residuals.y.min! < -0.02 && residuals.y.max! > 0.02);
  });

  test('table rows carry run names verbatim and flag held-out points', () => {
    const data = buildChartData({ snapshot: snapshotFor(EPOCH_2024, 9.8e9), observed });
    const runs = data.table.filter((r) => r.chart === 'fit' && r.run !== undefined);
    assert.deepEqual(
      runs.map((r) => [r.run, r.heldOut ?? false]),
      [
        ['a', false],
        ['a', false],
        ['<img src=x onerror=alert(1)>', false],
        ['big', true],
      ],
    );
  });

  test('no fit charts without observed points', () => {
    const data = buildChartData({ snapshot: snapshotFor(EPOCH_2024, 9.8e9) });
    assert.deepEqual(
      data.charts.map((c) => c.id),
      ['tokens', 'isoflop', 'frontier'],
    );
  });
});

describe('table and CSV', () => {
  test('every plotted point is a table row, band edges included', () => {
    const law: ScalingLaw = { ...EPOCH_2024, bootstrapDraws: draws() };
    const data = buildChartData({ snapshot: snapshotFor(law, 9.8e9), samples: 16 });
    const plotted = data.charts.reduce(
      (sum, c) => sum + c.series.reduce((n, s) => n + s.points.length + (s.upper?.length ?? 0), 0),
      0,
    );
    assert.equal(data.table.length, plotted);
    const config = data.table.find((r) => r.chart === 'tokens' && r.series === 'This config')!;
    assert.deepEqual(config, {
      chart: 'tokens',
      series: 'This config',
      x: 9.8e9,
      xUnit: 'tokens',
      y: data.config!.loss,
      yUnit: 'nats/token',
    });
    assert.ok(
      data.table.some((r) => r.series.endsWith('(low)')) &&
        data.table.some((r) => r.series.endsWith('(high)')),
    );
  });

  test('CSV quotes commas and quotes and defuses spreadsheet formulas in names', () => {
    const csv = tableToCsv([
      {
        chart: 'fit',
        series: 'N = 1M, observed',
        x: 1e9,
        xUnit: 'tokens',
        y: 3.25,
        yUnit: 'nats/token',
        run: '=HYPERLINK("x")',
      },
      {
        chart: 'residuals',
        series: 's',
        x: 2e9,
        xUnit: 'tokens',
        y: -0.0125,
        yUnit: 'nats/token',
        heldOut: true,
        run: 'r',
      },
    ]);
    assert.equal(
      csv,
      'chart,series,run,held_out,x,x_unit,y,y_unit\r\n' +
        'fit,"N = 1M, observed","\'=HYPERLINK(""x"")",,1000000000,tokens,3.25,nats/token\r\n' +
        'residuals,s,r,true,2000000000,tokens,-0.0125,nats/token\r\n',
    );
  });

  test('CSV for one chart keeps only its rows', () => {
    const data = buildChartData({ snapshot: snapshotFor(EPOCH_2024, 9.8e9), samples: 8 });
    const lines = tableToCsv(data.table, 'frontier').trim().split('\r\n');
    assert.equal(lines.length - 1, data.table.filter((r) => r.chart === 'frontier').length);
    assert.ok(lines.slice(1).every((l) => l.startsWith('frontier,')));
  });
});

describe('parseObservedPoints', () => {
  test('keeps well-formed points and drops the rest', () => {
    const parsed = parseObservedPoints([
      { runName: 'ok', params: 1e8, tokens: 1e9, loss: 3.1, heldOut: true },
      { runName: 'neg', params: -1, tokens: 1e9, loss: 3 },
      { runName: 'nan', params: 1e8, tokens: 1e9, loss: Number.NaN },
      { params: 1e8, tokens: 2e9, loss: 3 },
      'junk',
      null,
    ]);
    assert.deepEqual(parsed, [
      { runName: 'ok', params: 1e8, tokens: 1e9, loss: 3.1, heldOut: true },
      { runName: '', params: 1e8, tokens: 2e9, loss: 3 },
    ]);
    assert.deepEqual(parseObservedPoints({ not: 'an array' }), []);
  });
});

describe('axis bounds', () => {
  test('round out to a 1-2-5 step around the focus values', () => {
    assert.deepEqual(focusBounds([3.1, 3.4]), { min: 2.9, max: 3.6, step: 0.1 });
    assert.equal(focusBounds([]), undefined);
  });
});

test('an MoE config is labelled with the active N the law is evaluated at, not "total"', () => {
  const base = snapshotFor(EPOCH_2024, 9.8e9);
  const moe = {
    ...base,
    params: { ...base.params!, total: base.params!.total * 4, active: base.params!.active },
  };
  const data = buildChartData({ snapshot: moe });
  assert.equal(data.config!.paramConvention, 'active');
  const isoflop = data.charts.find((c) => c.id === 'isoflop')!;
  assert.match(isoflop.x.label, /\(active\)/);
  assert.match(data.charts.find((c) => c.id === 'tokens')!.title, /active parameters/);
});
