import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateLaw } from '../../src/core/laws/forms';
import { EPOCH_2024, KAPLAN_2020, SARDANA_2024 } from '../../src/core/laws/published';
import {
  DEFAULT_COST_MODEL,
  optimalTokensForParams,
  paramsForLossAndTokens,
  planInferenceAware,
  resolveCostModel,
  type InferenceAwarePlan,
  type PlanOutcome,
} from '../../src/core/plan';

/** `actual` printed with the same number of significant digits as `printed` reads `printed`. */
function assertPrinted(actual: number, printed: string): void {
  const digits = printed
    .replace(/e.*$/i, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '').length;
  assert.equal(Number(actual.toPrecision(digits)), Number(printed), `${actual} vs ${printed}`);
}

/** A percentage rounded to 2 decimals, as Sardana et al.'s scripts print it. */
const percent2 = (fraction: number) => Math.round(10000 * fraction) / 100;

function unwrap(outcome: PlanOutcome<InferenceAwarePlan>): InferenceAwarePlan {
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.diagnostics[0].message);
  return outcome.value;
}

// The cost_optimal example of the paper's tests.sh.
const A100_COST = {
  trainGpu: 'A100-80GB',
  trainPrecision: 'bf16',
  trainUsdPerGpuHour: 1.4,
  trainMfu: 0.5,
  inferenceGpu: 'A100-40GB',
  inferencePrecision: 'int8',
  inferenceUsdPerGpuHour: 0.6,
  prefillMfu: 0.4,
  decodeMfu: 0.2,
} as const;

describe('inference-aware (FLOPs) optimum, Sardana et al. 2024', () => {
  it('loss 1.947 with 2e12 inference tokens: Chinchilla 3.408e10 / 1.810e12, optimum 2.418e10 / 2.657e12, 95.22% of the FLOPs', () => {
    const plan = unwrap(planInferenceAware(SARDANA_2024, { targetLoss: 1.947, inferenceTokens: 2e12 }));
    assert.equal(plan.objective, 'flops');
    assertPrinted(plan.chinchilla.params, '3.408e10');
    assertPrinted(plan.chinchilla.tokens, '1.810e12');
    assertPrinted(plan.optimal.params, '2.418e10');
    assertPrinted(plan.optimal.tokens, '2.657e12');
    assert.equal(percent2(plan.ratios.params), 70.96);
    assert.equal(percent2(plan.ratios.tokens), 146.77);
    assert.equal(percent2(plan.ratios.flops), 95.22);
    assert.ok(Math.abs(plan.optimal.loss - 1.947) < 1e-12);
    assert.ok(Math.abs(plan.chinchilla.loss - 1.947) < 1e-12);
  });

  it('13B Chinchilla-quality model (D 5.765e11, loss 2.04528) with 2e12 tokens: 6.97e9 params on 1.248e12 tokens saves 1.69e22 FLOPs (17.4%)', () => {
    const tokens = optimalTokensForParams(SARDANA_2024, 13e9)!;
    const loss = evaluateLaw(SARDANA_2024.law, 13e9, tokens);
    assertPrinted(tokens, '5.765e11');
    assert.equal(loss.toFixed(5), '2.04528');
    const plan = unwrap(planInferenceAware(SARDANA_2024, { targetLoss: loss, inferenceTokens: 2e12 }));
    assertPrinted(plan.chinchilla.params, '1.300e10');
    assertPrinted(plan.optimal.params, '6.97e9');
    assertPrinted(plan.optimal.tokens, '1.248e12');
    assertPrinted(plan.chinchilla.totalFlops, '9.697e22');
    assertPrinted(plan.optimal.totalFlops, '8.005e22');
    assertPrinted(plan.savings.flops, '1.69e22');
    assert.equal((100 * plan.savings.fraction).toFixed(1), '17.4');
  });

  it('prices the FLOPs-optimal plans with the default cost model and a 70:215 prefill/decode split', () => {
    const plan = unwrap(planInferenceAware(SARDANA_2024, { targetLoss: 1.947, inferenceTokens: 2.85e12 }));
    assert.equal(plan.inputTokens, 0.7e12);
    assert.ok(Math.abs(plan.outputTokens / 2.15e12 - 1) < 1e-12);
    const c = plan.costModel;
    assert.equal(c.trainGpu, DEFAULT_COST_MODEL.trainGpu);
    const expected =
      (6 * plan.optimal.params * plan.optimal.tokens * (2 / (3600 * 989e12))) / 0.5 +
      (2 * plan.optimal.params * 0.7e12 * (2 / (3600 * 1978e12))) / 0.5 +
      (2 * plan.optimal.params * plan.outputTokens * (2 / (3600 * 1978e12))) / 0.01;
    assert.ok(Math.abs(plan.optimal.totalUsd / expected - 1) < 1e-12);
    assert.match(plan.notes.join(' '), /70:215/);
  });

  it('never returns NaN and always beats or ties Chinchilla over a grid of losses and demands', () => {
    for (const targetLoss of [1.7, 1.75, 1.9, 2.2, 3, 5]) {
      for (const inferenceTokens of [1, 1e6, 1e12, 1e15, 1e20]) {
        const plan = unwrap(planInferenceAware(SARDANA_2024, { targetLoss, inferenceTokens }));
        for (const value of [plan.optimal.params, plan.optimal.tokens, plan.optimal.totalFlops]) {
          assert.ok(Number.isFinite(value) && value > 0, `${targetLoss} ${inferenceTokens}`);
        }
        assert.ok(plan.optimal.totalFlops <= plan.chinchilla.totalFlops * (1 + 1e-12));
        assert.ok(Math.abs(plan.optimal.loss / targetLoss - 1) < 1e-9);
      }
    }
  });

  it('solves the Kaplan form numerically on its iso-loss curve', () => {
    const plan = unwrap(planInferenceAware(KAPLAN_2020, { targetLoss: 2, inferenceTokens: 2e12 }));
    assert.equal(plan.method, 'numeric');
    assert.equal(plan.paramConvention, 'non-embedding');
    assert.ok(Math.abs(plan.optimal.loss - 2) < 1e-9);
    assert.ok(plan.optimal.totalFlops < plan.chinchilla.totalFlops);
    assert.ok(plan.optimal.params < plan.chinchilla.params);
    // The optimum is a minimum: moving along the iso-loss curve in either direction costs more.
    for (const factor of [0.95, 1.05]) {
      const tokens = plan.optimal.tokens * factor;
      const params = paramsForLossAndTokens(KAPLAN_2020.law, 2, tokens)!;
      assert.ok(6 * params * tokens + 2 * params * 2e12 > plan.optimal.totalFlops);
    }
  });
});

describe('cost-optimal ($) variant', () => {
  it('loss 1.947, 1e10 requests × (1000 + 250) on A100s: N 2.053e10, D 3.302e12, 88.76% of the cost', () => {
    const plan = unwrap(
      planInferenceAware(SARDANA_2024, {
        targetLoss: 1.947,
        requests: 1e10,
        inputTokensPerRequest: 1000,
        outputTokensPerRequest: 250,
        cost: A100_COST,
      }),
    );
    assert.equal(plan.objective, 'usd');
    assertPrinted(plan.optimal.params, '2.053e10');
    assertPrinted(plan.optimal.tokens, '3.302e12');
    assert.equal(percent2(plan.ratios.params), 60.23);
    assert.equal(percent2(plan.ratios.tokens), 182.41);
    assert.equal(percent2(plan.ratios.usd), 88.76);
    assert.equal(plan.inputTokens, 1e13);
    assert.equal(plan.outputTokens, 2.5e12);
  });

  it('prices FLOPs as $/GPU-hour ÷ (3600 · peak) per precision', () => {
    const costs = resolveCostModel(A100_COST);
    assert.ok(costs.ok);
    assert.equal(costs.value.usdPerTrainFlop, 1.4 / (3600 * 312e12));
    assert.equal(costs.value.usdPerInferenceFlop, 0.6 / (3600 * 624e12));
  });

  it('defaults to the paper: H100 BF16 training, FP8 inference, MFU 0.5 / 0.5 / 0.01, 70 + 215 tokens per request', () => {
    assert.deepEqual(DEFAULT_COST_MODEL, {
      trainGpu: 'H100',
      trainPrecision: 'bf16',
      trainMfu: 0.5,
      inferenceGpu: 'H100',
      inferencePrecision: 'fp8',
      prefillMfu: 0.5,
      decodeMfu: 0.01,
    });
    const plan = unwrap(planInferenceAware(SARDANA_2024, { targetLoss: 1.947, requests: 1e10 }));
    assert.equal(plan.inputTokens, 70e10);
    assert.equal(plan.outputTokens, 215e10);
    assert.equal(plan.costModel.trainUsdPerGpuHour, 2);
    assert.equal(plan.costModel.inferencePeakFlopsPerSecond, 1978e12);
  });
});

describe('inference-aware bad input', () => {
  const failure = (outcome: PlanOutcome<InferenceAwarePlan>) => {
    assert.ok(!outcome.ok);
    return outcome.diagnostics[0];
  };

  it('rejects a target loss at or below the law’s E', () => {
    const d = failure(planInferenceAware(SARDANA_2024, { targetLoss: 1.5, inferenceTokens: 1e12 }));
    assert.equal(d.code, 'plan-loss-below-irreducible');
    assert.equal(
      d.message,
      "Target loss 1.5 is at or below the law's irreducible loss E = 1.69; no finite model reaches it.",
    );
    assert.equal(
      failure(planInferenceAware(EPOCH_2024, { targetLoss: 1.8169, inferenceTokens: 1 })).code,
      'plan-loss-below-irreducible',
    );
    assert.equal(
      failure(planInferenceAware(SARDANA_2024, { targetLoss: -2, inferenceTokens: 1 })).code,
      'plan-invalid-loss',
    );
  });

  it('rejects zero or negative demand', () => {
    const d = failure(planInferenceAware(SARDANA_2024, { targetLoss: 2, inferenceTokens: 0 }));
    assert.equal(d.code, 'plan-invalid-demand');
    assert.match(d.message, /Inference demand must be a positive number of tokens, got 0/);
    assert.equal(
      failure(planInferenceAware(SARDANA_2024, { targetLoss: 2, requests: -5 })).code,
      'plan-invalid-demand',
    );
    assert.equal(
      failure(
        planInferenceAware(SARDANA_2024, {
          targetLoss: 2,
          requests: 1e9,
          inputTokensPerRequest: 0,
          outputTokensPerRequest: 0,
        }),
      ).code,
      'plan-invalid-demand',
    );
  });

  it('rejects unknown GPUs, unsupported precisions, missing prices and a compute-only law', () => {
    const gpu = failure(
      planInferenceAware(SARDANA_2024, { targetLoss: 2, requests: 1e9, cost: { inferenceGpu: 'K80' } }),
    );
    assert.equal(gpu.code, 'plan-invalid-hardware');
    assert.match(gpu.message, /Unknown prefill GPU "K80"/);
    const precision = failure(
      planInferenceAware(SARDANA_2024, {
        targetLoss: 2,
        requests: 1e9,
        cost: { inferenceGpu: 'A100-40GB', inferencePrecision: 'fp8' },
      }),
    );
    assert.match(precision.message, /A100-40GB has no fp8 peak/);
    const price = failure(
      planInferenceAware(SARDANA_2024, { targetLoss: 2, requests: 1e9, cost: { trainGpu: 'B200' } }),
    );
    assert.match(price.message, /No price for B200/);
    const decode = failure(
      planInferenceAware(SARDANA_2024, { targetLoss: 2, requests: 1e9, cost: { decodeMfu: 0 } }),
    );
    assert.match(decode.message, /decode MFU must be in \(0, 1\]/);
    const compute = failure(
      planInferenceAware(
        { form: 'compute', E: 1.7, A: 1e3, alpha: 0.15 },
        { targetLoss: 2, inferenceTokens: 1e12 },
      ),
    );
    assert.equal(compute.code, 'plan-unsupported-law');
  });
});
