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

// ---- Memory bar and loss over training (issues #12 item 4, #13 item 3) ----
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, type Analysis } from '../../src/core/analyze';
import { toJson } from '../../src/cli/analyze';
import { runCurveCommand } from '../../src/cli/curve';
import { findPublishedLaw } from '../../src/core/laws/published';
import { lossInterval } from '../../src/core/laws/uncertainty';
import { compareInput, memoryChartInput, scheduleChartInput } from '../../src/server/curves';
import { isChartData } from '../../src/webviewProtocol';
import { REPO_ROOT } from '../helpers';

const TORCHTITAN = join(REPO_ROOT, 'examples', 'torchtitan', 'llama3_8b.toml');
const NANOGPT = join(REPO_ROOT, 'examples', 'nanogpt', 'train_gpt2_124m.py');

/** The core's analysis of an example file, as the CLI makes it, and its chart snapshot. */
function analyzed(path: string): { analysis: Analysis; text: string; snapshot: ChartSnapshot } {
  const text = readFileSync(path, 'utf8');
  const { analysis } = analyzeText(text, { path });
  assert.ok(analysis?.loss, `${path} is analyzed`);
  const law = findPublishedLaw(analysis.loss.law)!;
  return {
    analysis,
    text,
    snapshot: {
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
        ...(law.bootstrapDraws ? { bootstrapDraws: law.bootstrapDraws } : {}),
      },
    },
  };
}

describe('memory chart (issue #12 item 4)', () => {
  test('torchtitan Llama 3 8B: one stacked bar, each part = the CLI JSON memory bytes / 2^30, capacity line 79.6 GiB', () => {
    const { analysis, snapshot } = analyzed(TORCHTITAN);
    const json = toJson(TORCHTITAN, analysis).memory!;
    assert.ok(json, 'the example has a memory estimate');
    const data = buildChartData({ snapshot, memory: memoryChartInput(analysis) });
    const memory = chart(data, 'memory');
    assert.equal(memory.kind, 'bar');
    assert.equal(memory.unavailable, undefined);
    assert.deepEqual(memory.categories, ['Most loaded GPU (H100)']);
    const parts = ['weights', 'gradients', 'optimizer', 'activations', 'buffers', 'overhead'] as const;
    assert.deepEqual(
      memory.series.filter((s) => s.role === 'stack').map((s) => [s.id, s.points]),
      parts.map((key) => [key, [{ x: 1, y: json[key] / 2 ** 30 }]]),
    );
    // The parts add up to the per-GPU figure the lens states.
    const sum = memory.series.filter((s) => s.role === 'stack').reduce((t, s) => t + s.points[0]!.y, 0);
    assert.ok(Math.abs(sum - json.perGpuBytes / 2 ** 30) < 1e-9, `${sum}`);
    const capacity = memory.series.find((s) => s.role === 'limit')!;
    // H100 SXM 80 GB: 81,559 MiB as nvidia-smi reports (src/core/model/hardware.ts) = 79.6 GiB.
    assert.equal(json.capacityBytes, 81559 * 2 ** 20);
    assert.deepEqual(capacity.points, [{ x: 1, y: 81559 / 1024 }]);
    assert.equal(capacity.label, 'H100 capacity (79.6 GiB)');
    assert.equal(
      memory.title,
      `Memory per GPU: ≈ ${(json.perGpuBytes / 2 ** 30).toFixed(1)} of 79.6 GiB (H100)`,
    );
    assert.equal(memory.y.unit, 'GiB');
    assert.ok(memory.y.max! >= 79.6 && memory.y.min === 0);
    // Table rows carry the same GiB values.
    const rows = data.table.filter((r) => r.chart === 'memory');
    assert.equal(rows.length, 7);
    assert.ok(rows.every((r) => r.yUnit === 'GiB' && r.x === 1));
    assert.equal(isChartData(data), true);
  });

  test('unknown memory (nanoGPT with a dtype train.py does not know) is a reason, never a bar', () => {
    const { snapshot } = analyzed(NANOGPT);
    // train.py takes float32, bfloat16 or float16; anything else is a key the estimate does not
    // model, so the chart says which key instead of drawing a guess.
    const text = readFileSync(NANOGPT, 'utf8') + "\ndtype = 'float64'\n";
    const analysis = analyzeText(text, { path: NANOGPT }).analysis!;
    assert.equal(analysis.memory, null);
    const data = buildChartData({ snapshot, memory: memoryChartInput(analysis) });
    const memory = chart(data, 'memory');
    assert.deepEqual(memory.series, []);
    assert.match(memory.unavailable!, /^Memory per GPU unknown: `dtype` \(dtype 'float64': not one of/);
    assert.equal(data.table.filter((r) => r.chart === 'memory').length, 0);
    assert.equal(isChartData(data), true);
  });

  test('a layout problem names its diagnostic; a non-finite part gives no bar', () => {
    const { snapshot } = analyzed(NANOGPT);
    const estimate = {
      perGpuBytes: 3 * 2 ** 30,
      weights: 2 ** 30,
      gradients: 2 ** 30,
      optimizer: NaN,
      activations: 0,
      buffers: 0,
      overhead: 2 ** 30,
      capacityBytes: null,
      fits: null,
    };
    const bad = chart(buildChartData({ snapshot, memory: { gpu: 'H100', estimate } }), 'memory');
    assert.deepEqual(bad.series, []);
    assert.ok(bad.unavailable);
    const ok = chart(
      buildChartData({ snapshot, memory: { gpu: 'X', estimate: { ...estimate, optimizer: 0 } } }),
      'memory',
    );
    // No capacity known: no line, and the title says so rather than claiming it fits.
    assert.equal(
      ok.series.some((s) => s.role === 'limit'),
      false,
    );
    assert.equal(ok.title, 'Memory per GPU: ≈ 3.0 GiB (X) (capacity unknown)');
  });

  test('the guard rejects a stacked bar outside its labels', () => {
    const { analysis, snapshot } = analyzed(TORCHTITAN);
    const data = buildChartData({ snapshot, memory: memoryChartInput(analysis) });
    const broken = structuredClone(data);
    chart(broken, 'memory').series[0]!.points[0]!.x = 2;
    assert.equal(isChartData(broken), false);
    const noLabels = structuredClone(data);
    delete chart(noLabels, 'memory').categories;
    assert.equal(isChartData(noLabels), false);
  });
});

describe('loss over training chart (issue #13 item 3)', () => {
  async function cliCurve(file: string, law: string) {
    let out = '';
    const code = await runCurveCommand(
      [file, '--law', law, '--json'],
      (s) => (out += s),
      () => {},
    );
    assert.equal(code, 0);
    return JSON.parse(out) as {
      totalSteps: number;
      curve: { step: number; tokens: number; loss: number }[];
    };
  }

  for (const file of [TORCHTITAN, NANOGPT]) {
    test(`${file.split('/').pop()}: the predicted curve is scaling-lens curve --json's 50 points exactly, with the bootstrap band`, async () => {
      const { analysis, text, snapshot } = analyzed(file);
      const expected = await cliCurve(file, snapshot.law.id);
      const data = buildChartData({ snapshot, schedule: scheduleChartInput(analysis, text, { path: file }) });
      const schedule = chart(data, 'schedule');
      assert.equal(schedule.unavailable, undefined);
      const predicted = schedule.series.find((s) => s.id === 'predicted')!;
      assert.deepEqual(
        predicted.points,
        expected.curve.map((r) => ({ x: r.tokens, y: r.loss })),
      );
      assert.ok(
        schedule.title.includes(`${expected.totalSteps.toLocaleString('en-US')} steps`),
        schedule.title,
      );
      // Epoch AI 2024's bootstrap draws give the band, point by point.
      const draws = snapshot.law.bootstrapDraws!;
      const band = schedule.series.find((s) => s.role === 'band')!;
      const N = snapshot.loss!.paramsUsed;
      predicted.points.forEach((p, i) => {
        const interval = lossInterval(snapshot.law.law, draws as number[][], N, p.x, p.y);
        assert.equal(band.points[i]!.y, interval.low);
        assert.equal(band.upper![i]!.y, interval.high);
      });
      // Twice as long: the law at twice the tokens of the last step (no batch ramp in these configs).
      const twice = schedule.series.find((s) => s.id === 'twice')!;
      const last = twice.points[twice.points.length - 1]!;
      assert.equal(last.x, 2 * expected.curve[expected.curve.length - 1]!.tokens);
      assert.equal(last.y, evaluateLaw(snapshot.law.law, N, last.x));
      // The WSD what-if (test/unit/wsd-whatif.test.ts checks its numbers).
      assert.ok(
        schedule.series.some((s) => s.id === 'wsd'),
        'the WSD what-if is drawn',
      );
      assert.ok(schedule.caption!.some((c) => c.startsWith('Logged points: no run log is followed')));
      assert.equal(isChartData(data), true);
    });
  }

  test('no extractor or no text: the reason in place of the chart', () => {
    const { analysis, snapshot } = analyzed(NANOGPT);
    const gone = chart(
      buildChartData({ snapshot, schedule: scheduleChartInput(analysis, undefined) }),
      'schedule',
    );
    assert.deepEqual(gone.series, []);
    assert.match(gone.unavailable!, /does not parse right now/);
    const other = chart(
      buildChartData({
        snapshot,
        schedule: scheduleChartInput({ ...analysis, framework: 'hf-config' } as Analysis, 'x'),
      }),
      'schedule',
    );
    assert.match(other.unavailable!, /^Loss over training unknown: no LR-schedule extractor for hf-config/);
  });

  test('without memory or schedule input the charts are the three of a published law (unchanged)', () => {
    const { snapshot } = analyzed(NANOGPT);
    assert.deepEqual(
      buildChartData({ snapshot }).charts.map((c) => c.id),
      ['tokens', 'isoflop', 'frontier'],
    );
  });
});

describe('compare overlay (issue #16: the curves panel overlays both)', () => {
  test('nanoGPT vs itself with twice max_iters: the other point and curves are the law at its own N and D', () => {
    const { snapshot } = analyzed(NANOGPT);
    const text = readFileSync(NANOGPT, 'utf8').replace(
      /max_iters = (\d+)/,
      (_m, n) => `max_iters = ${2 * Number(n)}`,
    );
    const other = analyzeText(text, { path: NANOGPT }).analysis!;
    const input = compareInput({
      label: 'train_gpt2_124m.py @ HEAD',
      text,
      path: NANOGPT,
      settings: DEFAULT_ANALYSIS_SETTINGS,
      paramConvention: snapshot.law.paramConvention,
      readFile: () => undefined,
    });
    assert.deepEqual(input, {
      label: 'train_gpt2_124m.py @ HEAD',
      paramsUsed: other.loss!.paramsUsed,
      tokens: other.tokens,
      loss: other.loss!.value,
    });
    assert.equal(other.tokens, 2 * snapshot.tokens!);
    const data = buildChartData({ snapshot, compare: input });
    assert.equal(data.compareLabel, 'train_gpt2_124m.py @ HEAD');
    const law = snapshot.law.law;
    const tokens = chart(data, 'tokens');
    assert.deepEqual(tokens.series.find((s) => s.id === 'compare')!.points, [
      { x: other.tokens, y: other.loss!.value },
    ]);
    // Its loss-vs-D curve passes through its point (D is one of the samples).
    const curve = tokens.series.find((s) => s.id === 'compare-law')!;
    assert.ok(curve.points.some((p) => p.x === other.tokens && p.y === other.loss!.value));
    for (const p of curve.points) assert.equal(p.y, evaluateLaw(law, other.loss!.paramsUsed, p.x));
    const isoflop = chart(data, 'isoflop');
    assert.deepEqual(isoflop.series.find((s) => s.id === 'compare')!.points, [
      { x: other.loss!.paramsUsed, y: other.loss!.value },
    ]);
    const budget = 6 * other.loss!.paramsUsed * other.tokens!;
    const budgetCurve = isoflop.series.find((s) => s.id === 'compare-budget')!;
    // 6 · 124,373,760 · 58,982,400,000 tokens = 4.40e19 FLOPs.
    assert.equal(
      budgetCurve.label,
      `train_gpt2_124m.py @ HEAD: C = ${budget.toExponential(2).replace('e+', 'e')} FLOPs`,
    );
    assert.equal(budgetCurve.label, 'train_gpt2_124m.py @ HEAD: C = 4.40e19 FLOPs');
    for (const p of budgetCurve.points) assert.equal(p.y, evaluateLaw(law, p.x, budget / (6 * p.x)));
    // Every compare point is on the plot and a table row.
    assert.ok(other.loss!.value >= isoflop.y.min! && other.loss!.value <= isoflop.y.max!);
    assert.ok(
      data.table.some((r) => r.chart === 'isoflop' && r.series.startsWith('train_gpt2_124m.py @ HEAD (loss')),
    );
    assert.equal(isChartData(data), true);
  });

  test('an unreadable other side is a note, never a series', () => {
    const { snapshot } = analyzed(NANOGPT);
    const input = compareInput({
      label: 'notes.yaml',
      text: 'shopping:\n  - milk\n',
      path: '/w/notes.yaml',
      settings: DEFAULT_ANALYSIS_SETTINGS,
      paramConvention: 'total',
      readFile: () => undefined,
    });
    const data = buildChartData({ snapshot, compare: input });
    assert.equal(data.compareLabel, undefined);
    assert.ok(
      data.notes.includes('Comparison with notes.yaml not drawn: it is not a recognized run config.'),
    );
    assert.equal(
      data.charts.some((c) => c.series.some((s) => s.id.startsWith('compare'))),
      false,
    );
  });
});
