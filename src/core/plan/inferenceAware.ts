import { evaluateLaw, formOf, irreducibleLoss, type LawParams } from '../laws/forms';
import type { ParamConvention } from '../laws/published';
import {
  DEFAULT_REQUEST_TOKENS,
  isPositiveFinite,
  lawParamsOf,
  paramConventionOf,
  planError,
  resolveCostModel,
  showNumber,
  type CostModel,
  type PlanLaw,
  type PlanOutcome,
  type ResolvedCostModel,
} from './budget';

/**
 * Inference-aware planning (Sardana, Portes, Doubov, Frankle 2024, "Beyond Chinchilla-Optimal"):
 * for a target loss ℓ and a lifetime inference demand, choose N and D_train to minimize
 *   FLOPs: 6·N·D_train + 2·N·D_inference, or
 *   $:     6·N·D_train·c_tr/U_tr + 2·N·T_in·c_inf/U_prefill + 2·N·T_out·c_inf/U_decode,
 * subject to L(N, D_train) = ℓ. Both objectives are (c_tr/U_tr)·N·(6·D + 2·κ) for an "inference
 * weight" κ in training-token equivalents: κ = D_inference for FLOPs, and
 * κ = c_inf·(T_in/U_prefill + T_out/U_decode) / (c_tr/U_tr) for dollars.
 */

/** Minimize FLOPs for a target loss and a total of inference tokens (input + output). */
export interface TokenDemand {
  /** Target loss ℓ, in the law's units (nats/token). */
  targetLoss: number;
  /** Lifetime inference tokens, input + output. */
  inferenceTokens: number;
  /**
   * Hardware used only to price the FLOPs-optimal plans in dollars; the input/output split for
   * pricing is the paper's default request (70 : 215).
   */
  cost?: Partial<CostModel>;
}

/** Minimize dollars for a target loss and a request mix (the paper's cost-optimal problem). */
export interface RequestDemand {
  targetLoss: number;
  /** Lifetime requests. */
  requests: number;
  /** Average prompt (prefill) tokens per request; default 70 (LMSys, as in the paper). */
  inputTokensPerRequest?: number;
  /** Average generated (decode) tokens per request; default 215. */
  outputTokensPerRequest?: number;
  cost?: Partial<CostModel>;
}

export type InferenceDemand = TokenDemand | RequestDemand;

/** One model of the comparison with its lifetime FLOPs and dollars. */
export interface PlannedModel {
  /** Parameters N, in the law's convention. */
  params: number;
  /** Training tokens D_train. */
  tokens: number;
  tokensPerParam: number;
  /** Predicted loss at (N, D_train); equals the target up to solver precision. */
  loss: number;
  trainingFlops: number;
  inferenceFlops: number;
  /** Training + inference FLOPs. */
  totalFlops: number;
  trainingUsd: number;
  prefillUsd: number;
  decodeUsd: number;
  /** Training + prefill + decode dollars. */
  totalUsd: number;
}

/** The inference-aware optimum next to the Chinchilla-optimal model of the same loss. */
export interface InferenceAwarePlan {
  /** What was minimized. */
  objective: 'flops' | 'usd';
  targetLoss: number;
  /** Lifetime inference tokens (input + output). */
  inferenceTokens: number;
  inputTokens: number;
  outputTokens: number;
  requests?: number;
  /** The inference weight κ of the first-order condition, in training-token equivalents. */
  inferenceWeightTokens: number;
  costModel: ResolvedCostModel;
  /** The compute-optimal (Chinchilla-style) model reaching the same loss. */
  chinchilla: PlannedModel;
  optimal: PlannedModel;
  /** Chinchilla minus optimal; `fraction` is the FLOPs saving as a fraction of Chinchilla's FLOPs. */
  savings: { flops: number; fraction: number; usd: number; usdFraction: number };
  /** Optimal ÷ Chinchilla. */
  ratios: { params: number; tokens: number; flops: number; usd: number };
  method: 'closed-form' | 'numeric';
  paramConvention: ParamConvention;
  notes: string[];
}

/**
 * The N that reaches `loss` after `tokens` training tokens (the law's iso-loss curve), or
 * undefined when no finite N does (the data term alone already exceeds the loss).
 */
export function paramsForLossAndTokens(law: LawParams, loss: number, tokens: number): number | undefined {
  return formOf(law).paramsForLossAndTokens(law, loss, tokens);
}

/**
 * Plan the model that reaches `demand.targetLoss` at least lifetime cost: FLOPs for a
 * {@link TokenDemand}, dollars for a {@link RequestDemand} (Sardana et al. 2024's cost model with
 * {@link DEFAULT_COST_MODEL} defaults). The Chinchilla form is solved from the paper's first-order
 * condition by bracketed Newton; the Kaplan form by bounded minimization along the iso-loss curve.
 */
export function planInferenceAware(law: PlanLaw, demand: InferenceDemand): PlanOutcome<InferenceAwarePlan> {
  const coefficients = lawParamsOf(law);
  if (!formOf(coefficients).minimumCostTokens) {
    return planError(
      'plan-unsupported-law',
      'This law predicts loss from compute alone, so it cannot trade parameters for training tokens; ' +
        'choose a law of the form L(N, D).',
    );
  }
  const targetLoss = demand.targetLoss;
  if (typeof targetLoss !== 'number' || !Number.isFinite(targetLoss) || targetLoss <= 0) {
    return planError('plan-invalid-loss', `The target loss must be a positive number, got ${targetLoss}.`);
  }
  const floor = irreducibleLoss(coefficients);
  if (targetLoss <= floor) {
    return planError(
      'plan-loss-below-irreducible',
      `Target loss ${targetLoss} is at or below the law's irreducible loss E = ${Number(floor.toPrecision(5))}; no finite model reaches it.`,
    );
  }

  const costs = resolveCostModel(demand.cost);
  if (!costs.ok) return costs;
  const costModel = costs.value;

  const tokens = demandTokens(demand);
  if (!tokens.ok) return tokens;
  const { inputTokens, outputTokens, requests, objective } = tokens.value;
  const inferenceTokens = inputTokens + outputTokens;
  const trainUsdPerFlop = costModel.usdPerTrainFlop / costModel.trainMfu;
  const inferenceWeightTokens =
    objective === 'flops'
      ? inferenceTokens
      : (costModel.usdPerInferenceFlop *
          (inputTokens / costModel.prefillMfu + outputTokens / costModel.decodeMfu)) /
        trainUsdPerFlop;

  const baseline = minimumCostTokens(coefficients, targetLoss, 0);
  const optimum = minimumCostTokens(coefficients, targetLoss, inferenceWeightTokens);
  if (baseline === undefined || optimum === undefined) {
    return planError('plan-no-solution', `No model of this law reaches loss ${targetLoss} at finite cost.`);
  }
  const price = (params: number, trainingTokens: number): PlannedModel => {
    const trainingFlops = 6 * params * trainingTokens;
    const inferenceFlops = 2 * params * inferenceTokens;
    const trainingUsd = trainingFlops * trainUsdPerFlop;
    const prefillUsd = (2 * params * inputTokens * costModel.usdPerInferenceFlop) / costModel.prefillMfu;
    const decodeUsd = (2 * params * outputTokens * costModel.usdPerInferenceFlop) / costModel.decodeMfu;
    return {
      params,
      tokens: trainingTokens,
      tokensPerParam: trainingTokens / params,
      loss: evaluateLaw(coefficients, params, trainingTokens),
      trainingFlops,
      inferenceFlops,
      totalFlops: trainingFlops + inferenceFlops,
      trainingUsd,
      prefillUsd,
      decodeUsd,
      totalUsd: trainingUsd + prefillUsd + decodeUsd,
    };
  };
  const chinchilla = price(baseline.params, baseline.tokens);
  const optimal = price(optimum.params, optimum.tokens);

  const notes: string[] = [];
  if (objective === 'flops' && !('requests' in demand)) {
    notes.push(
      `Dollars split the inference tokens ${DEFAULT_REQUEST_TOKENS.input}:${DEFAULT_REQUEST_TOKENS.output} ` +
        'between prefill and decode (the paper’s default request); the optimum minimizes FLOPs.',
    );
  }
  const paramConvention = paramConventionOf(law);
  if (paramConvention === 'non-embedding')
    notes.push('N counts non-embedding parameters (the law’s convention).');
  return {
    ok: true,
    value: {
      objective,
      targetLoss,
      inferenceTokens,
      inputTokens,
      outputTokens,
      requests,
      inferenceWeightTokens,
      costModel,
      chinchilla,
      optimal,
      savings: {
        flops: chinchilla.totalFlops - optimal.totalFlops,
        fraction: (chinchilla.totalFlops - optimal.totalFlops) / chinchilla.totalFlops,
        usd: chinchilla.totalUsd - optimal.totalUsd,
        usdFraction: (chinchilla.totalUsd - optimal.totalUsd) / chinchilla.totalUsd,
      },
      ratios: {
        params: optimal.params / chinchilla.params,
        tokens: optimal.tokens / chinchilla.tokens,
        flops: optimal.totalFlops / chinchilla.totalFlops,
        usd: optimal.totalUsd / chinchilla.totalUsd,
      },
      method: formOf(coefficients).minimumCostMethod ?? 'numeric',
      paramConvention,
      notes,
    },
  };
}

interface DemandTokens {
  inputTokens: number;
  outputTokens: number;
  requests?: number;
  objective: 'flops' | 'usd';
}

function demandTokens(demand: InferenceDemand): PlanOutcome<DemandTokens> {
  if ('requests' in demand) {
    const input = demand.inputTokensPerRequest ?? DEFAULT_REQUEST_TOKENS.input;
    const output = demand.outputTokensPerRequest ?? DEFAULT_REQUEST_TOKENS.output;
    if (!isPositiveFinite(demand.requests)) {
      return planError(
        'plan-invalid-demand',
        `The number of requests must be positive, got ${showNumber(demand.requests)}.`,
      );
    }
    if (
      !(Number.isFinite(input) && input >= 0 && Number.isFinite(output) && output >= 0) ||
      input + output <= 0
    ) {
      return planError(
        'plan-invalid-demand',
        `Tokens per request must be non-negative and not both zero (input ${input}, output ${output}).`,
      );
    }
    return {
      ok: true,
      value: {
        inputTokens: demand.requests * input,
        outputTokens: demand.requests * output,
        requests: demand.requests,
        objective: 'usd',
      },
    };
  }
  if (!isPositiveFinite(demand.inferenceTokens)) {
    return planError(
      'plan-invalid-demand',
      `Inference demand must be a positive number of tokens, got ${showNumber(demand.inferenceTokens)}` +
        ' (with no inference, the compute-optimal plan is the Chinchilla model).',
    );
  }
  const share = DEFAULT_REQUEST_TOKENS.input / (DEFAULT_REQUEST_TOKENS.input + DEFAULT_REQUEST_TOKENS.output);
  return {
    ok: true,
    value: {
      inputTokens: demand.inferenceTokens * share,
      outputTokens: demand.inferenceTokens * (1 - share),
      objective: 'flops',
    },
  };
}

/**
 * The (N, D_train) on the iso-loss curve L = ℓ minimizing N·(6·D + 2·κ). κ = 0 gives the
 * Chinchilla-optimal model of loss ℓ.
 */
function minimumCostTokens(
  law: LawParams,
  loss: number,
  inferenceWeightTokens: number,
): { params: number; tokens: number } | undefined {
  const tokens = formOf(law).minimumCostTokens?.(law, loss, inferenceWeightTokens);
  if (tokens === undefined) return undefined;
  const params = paramsForLossAndTokens(law, loss, tokens);
  return params === undefined ? undefined : { params, tokens };
}
