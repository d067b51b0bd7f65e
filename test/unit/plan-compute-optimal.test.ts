import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateLaw, type LawParams } from '../../src/core/laws/forms';
import {
  EPOCH_2024,
  HOFFMANN_2022,
  HOFFMANN_2022_UNROUNDED,
  KAPLAN_2020,
  SARDANA_2024,
} from '../../src/core/laws/published';
import {
  computeOptimalAllocation,
  findRoot,
  minimizeBounded,
  optimalTokensForParams,
  planComputeOptimal,
  resolveBudget,
} from '../../src/core/plan';

/** `actual` printed with the same number of significant digits as `printed` reads `printed`. */
function assertPrinted(actual: number, printed: string, message?: string): void {
  const digits = printed
    .replace(/e.*$/i, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '').length;
  assert.equal(Number(actual.toPrecision(digits)), Number(printed), message ?? `${actual} vs ${printed}`);
}

// Hoffmann et al. 2022's Chinchilla budget: 6 · 70e9 · 1.4e12.
const CHINCHILLA_FLOPS = 5.88e23;

describe('compute-optimal allocation', () => {
  it('predicts loss 1.94727 for 70B params on 1e12 tokens under sardana2024 (model_calculator)', () => {
    assert.equal(evaluateLaw(SARDANA_2024.law, 70e9, 1e12).toFixed(5), '1.94727');
  });

  it('gives 18.4 / 59.0 / 92.8 tokens per param at 5.88e23 FLOPs (epoch2024, hoffmann unrounded, printed)', () => {
    const tokensPerParam = (law: typeof EPOCH_2024) => {
      const plan = planComputeOptimal(law, { flops: CHINCHILLA_FLOPS });
      assert.ok(plan.ok);
      return plan.value.tokensPerParam.toFixed(1);
    };
    assert.equal(tokensPerParam(EPOCH_2024), '18.4');
    assert.equal(tokensPerParam(HOFFMANN_2022_UNROUNDED), '59.0');
    assert.equal(tokensPerParam(HOFFMANN_2022), '92.8');
  });

  it('spends exactly the budget (6·N·D = C) and reports the loss at (N*, D*)', () => {
    const plan = planComputeOptimal(EPOCH_2024, { flops: CHINCHILLA_FLOPS });
    assert.ok(plan.ok);
    assert.equal(plan.value.method, 'closed-form');
    assert.ok(Math.abs(plan.value.flops / CHINCHILLA_FLOPS - 1) < 1e-12);
    assertPrinted(plan.value.params, '7.302e10');
    assertPrinted(plan.value.tokens, '1.342e12');
    assert.equal(plan.value.loss, evaluateLaw(EPOCH_2024.law, plan.value.params, plan.value.tokens));
    assert.equal(plan.value.paramConvention, 'total');
  });

  it('minimizes the loss along the iso-FLOP curve (neighbours on it are worse)', () => {
    const plan = planComputeOptimal(HOFFMANN_2022, { flops: 1e22 });
    assert.ok(plan.ok);
    const { params, loss } = plan.value;
    for (const factor of [0.9, 0.99, 1.01, 1.1]) {
      const n = params * factor;
      assert.ok(evaluateLaw(HOFFMANN_2022.law, n, 1e22 / (6 * n)) > loss);
    }
  });

  it('solves the Kaplan form by its closed form N^(1+p) = p·Nc^p·C/(6·Dc) (the one the charts use)', () => {
    const k = KAPLAN_2020.law as Extract<LawParams, { form: 'kaplan' }>;
    const p = k.alphaN / k.alphaD;
    for (const flops of [1e18, 1e21, CHINCHILLA_FLOPS, 1e26]) {
      const plan = planComputeOptimal(KAPLAN_2020, { flops });
      assert.ok(plan.ok);
      assert.equal(plan.value.method, 'closed-form');
      assert.equal(plan.value.paramConvention, 'non-embedding');
      const exact = ((p * k.Nc ** p * flops) / (6 * k.Dc)) ** (1 / (1 + p));
      assert.ok(Math.abs(plan.value.params / exact - 1) < 1e-6, `${plan.value.params} vs ${exact}`);
    }
  });

  it('splits a loss-vs-compute law at 20 tokens per parameter and says so', () => {
    const law: LawParams = { form: 'compute', E: 1.7, A: 1e3, alpha: 0.15 };
    const plan = planComputeOptimal(law, { flops: 1.2e24 });
    assert.ok(plan.ok);
    assert.equal(plan.value.method, 'tokens-per-param-rule');
    assert.ok(Math.abs(plan.value.tokensPerParam - 20) < 1e-9);
    assert.ok(Math.abs(plan.value.params / 1e11 - 1) < 1e-12);
    assert.match(plan.value.notes.join(' '), /20 tokens per parameter/);
  });

  it('never returns NaN over budgets from 1e15 to 1e28 FLOPs for every built-in law', () => {
    for (const law of [EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_UNROUNDED, KAPLAN_2020, SARDANA_2024]) {
      for (let exponent = 15; exponent <= 28; exponent++) {
        const allocation = computeOptimalAllocation(law.law, 10 ** exponent);
        assert.ok(
          allocation && Number.isFinite(allocation.params) && Number.isFinite(allocation.tokens),
          law.id,
        );
      }
    }
  });
});

describe('optimal tokens for a given N', () => {
  it('inverts the Chinchilla allocation exactly (13B → 5.765e11 tokens under sardana2024)', () => {
    assertPrinted(optimalTokensForParams(SARDANA_2024, 13e9)!, '5.765e11');
    const plan = planComputeOptimal(EPOCH_2024, { flops: 3e22 });
    assert.ok(plan.ok);
    const tokens = optimalTokensForParams(EPOCH_2024, plan.value.params)!;
    assert.ok(Math.abs(tokens / plan.value.tokens - 1) < 1e-10);
  });

  it('inverts the numeric Kaplan allocation (round trip through the budget)', () => {
    for (const params of [1e8, 7e9, 1e12]) {
      const tokens = optimalTokensForParams(KAPLAN_2020, params)!;
      const allocation = computeOptimalAllocation(KAPLAN_2020.law, 6 * params * tokens)!;
      assert.ok(Math.abs(allocation.params / params - 1) < 1e-6, `${params}`);
    }
  });

  it('accepts bare coefficients and rejects a non-positive N', () => {
    assert.equal(optimalTokensForParams(SARDANA_2024.law, 13e9), optimalTokensForParams(SARDANA_2024, 13e9));
    assert.equal(optimalTokensForParams(SARDANA_2024, 0), undefined);
    assert.equal(optimalTokensForParams(SARDANA_2024, Number.NaN), undefined);
  });
});

describe('budget conversions', () => {
  it('turns GPU-hours into FLOPs as hours × 3600 × peak × MFU', () => {
    const budget = resolveBudget({ gpuHours: 1000 }, { gpu: 'A100-80GB', mfu: 0.4 });
    assert.ok(budget.ok);
    assert.equal(budget.value.flops, 1000 * 3600 * 312e12 * 0.4);
    assert.equal(budget.value.usd, 1500); // $1.50/h table price
  });

  it('turns dollars into GPU-hours at the given price (default H100 BF16, 40% MFU, $2.00/h)', () => {
    const byDefault = resolveBudget({ usd: 1e6 });
    assert.ok(byDefault.ok);
    assert.equal(byDefault.value.gpuHours, 5e5);
    assert.ok(Math.abs(byDefault.value.flops / (5e5 * 3600 * 989e12 * 0.4) - 1) < 1e-12);
    const priced = resolveBudget({ usd: 1e6 }, { usdPerGpuHour: 2.5 });
    assert.ok(priced.ok);
    assert.equal(priced.value.gpuHours, 4e5);
  });

  it('turns days on K GPUs into GPU-hours and keeps the wall clock', () => {
    const budget = resolveBudget({ days: 30, gpus: 1024 }, { gpu: 'H100', precision: 'fp8', mfu: 0.35 });
    assert.ok(budget.ok);
    assert.equal(budget.value.gpuHours, 30 * 24 * 1024);
    assert.equal(budget.value.flops, 30 * 24 * 1024 * 3600 * 1978e12 * 0.35);
    assert.equal(budget.value.days, 30);
  });

  it('expresses a FLOPs budget in GPU-hours and dollars too', () => {
    const plan = planComputeOptimal(EPOCH_2024, { flops: CHINCHILLA_FLOPS });
    assert.ok(plan.ok);
    assert.ok(Math.abs(plan.value.budget.gpuHours - CHINCHILLA_FLOPS / (3600 * 989e12 * 0.4)) < 1e-6);
    assert.ok(Math.abs(plan.value.budget.usd! - 2 * plan.value.budget.gpuHours) < 1e-6);
  });

  it('leaves dollars undefined for a GPU without a cited price, and refuses a dollar budget on it', () => {
    const hours = resolveBudget({ gpuHours: 10 }, { gpu: 'H200' });
    assert.ok(hours.ok);
    assert.equal(hours.value.usd, undefined);
    const dollars = resolveBudget({ usd: 100 }, { gpu: 'H200' });
    assert.ok(!dollars.ok);
    assert.equal(dollars.diagnostics[0].code, 'plan-invalid-hardware');
    assert.match(dollars.diagnostics[0].message, /No price for H200/);
  });
});

describe('compute-optimal bad input', () => {
  const codeOf = (outcome: { ok: boolean; diagnostics?: { code: string; message: string }[] }) =>
    outcome.ok ? 'ok' : outcome.diagnostics![0].code;

  it('rejects negative, zero and non-finite budgets with a message naming the unit', () => {
    const negative = planComputeOptimal(EPOCH_2024, { flops: -1e20 });
    assert.ok(!negative.ok);
    assert.equal(negative.diagnostics[0].code, 'plan-invalid-budget');
    assert.equal(
      negative.diagnostics[0].message,
      'The budget must be a positive number of FLOPs, got -1e+20.',
    );
    assert.equal(codeOf(planComputeOptimal(EPOCH_2024, { gpuHours: 0 })), 'plan-invalid-budget');
    assert.equal(codeOf(planComputeOptimal(EPOCH_2024, { usd: Number.NaN })), 'plan-invalid-budget');
    assert.equal(codeOf(planComputeOptimal(EPOCH_2024, { days: 3, gpus: 2.5 })), 'plan-invalid-budget');
  });

  it('rejects unknown GPUs, missing precisions and MFU outside (0, 1]', () => {
    const unknown = planComputeOptimal(EPOCH_2024, { gpuHours: 10 }, { gpu: 'V100' });
    assert.ok(!unknown.ok);
    assert.match(
      unknown.diagnostics[0].message,
      /Unknown training GPU "V100"; known: A100-40GB, A100-80GB, H100/,
    );
    assert.equal(
      codeOf(planComputeOptimal(EPOCH_2024, { gpuHours: 10 }, { gpu: 'A100', precision: 'fp8' })),
      'plan-invalid-hardware',
    );
    assert.equal(
      codeOf(planComputeOptimal(EPOCH_2024, { gpuHours: 10 }, { mfu: 1.5 })),
      'plan-invalid-hardware',
    );
  });
});

describe('solvers', () => {
  it('finds a bracketed root with and without a derivative, and refuses an unbracketed one', () => {
    const f = (x: number) => x ** 3 - 2;
    assert.ok(Math.abs(findRoot(f, 0, 10)! - Math.cbrt(2)) < 1e-12);
    assert.ok(Math.abs(findRoot(f, 0, 10, { derivative: (x) => 3 * x * x })! - Math.cbrt(2)) < 1e-12);
    assert.equal(findRoot(f, 2, 10), undefined);
    assert.equal(
      findRoot(() => Number.NaN, 0, 1),
      undefined,
    );
  });

  it('minimizes on a bounded interval, treating non-finite values as +∞', () => {
    const x = minimizeBounded((u) => (u < 0 ? Number.NaN : (u - 3) ** 2 + 1), -10, 10)!;
    assert.ok(Math.abs(x - 3) < 1e-6);
    assert.equal(
      minimizeBounded(() => Number.NaN, 0, 1),
      undefined,
    );
  });
});
