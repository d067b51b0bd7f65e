import { evaluateLaw, formOf, type Allocation, type AllocationMethod, type LawParams } from '../laws/forms';
import type { ParamConvention } from '../laws/published';
import {
  isPositiveFinite,
  lawParamsOf,
  paramConventionOf,
  planError,
  resolveBudget,
  type ComputeBudget,
  type PlanLaw,
  type PlanOutcome,
  type ResolvedBudget,
  type TrainingHardware,
} from './budget';

/**
 * Compute-optimal allocation (Hoffmann et al. 2022): for a training budget C = 6·N·D, the N and D
 * that minimize the law's loss. Closed form for the Chinchilla form; a bounded 1-D minimization in
 * log N for the others.
 */

/**
 * Tokens per parameter used when a law cannot split compute between N and D (the loss-vs-compute
 * form depends on C only): Hoffmann et al. 2022's Chinchilla, 70e9 params on 1.4e12 tokens (Table 3
 * and §4), i.e. the "20 tokens per parameter" rule.
 */
export const CHINCHILLA_TOKENS_PER_PARAM = 20;

export type { Allocation, AllocationMethod };

/**
 * The compute-optimal N and D for `flops` training FLOPs (C = 6·N·D) under a law, or undefined
 * for a non-positive budget. N is in the law's own convention (non-embedding for Kaplan).
 */
export function computeOptimalAllocation(law: LawParams, flops: number): Allocation | undefined {
  if (!isPositiveFinite(flops)) return undefined;
  const form = formOf(law);
  if (form.tradesParamsForTokens) return form.optimalAllocation(law, flops);
  // The planner still has to name a model: with no split in the law, it states Chinchilla's rule.
  const params = Math.sqrt(flops / (6 * CHINCHILLA_TOKENS_PER_PARAM));
  return { params, tokens: flops / (6 * params), method: 'tokens-per-param-rule' };
}

/**
 * The compute-optimal training tokens for a model of `params` parameters (the law-form registry's
 * inverse of N_opt(C), the one every view uses), or undefined for a non-positive N or a form that
 * has no optimum.
 */
export function optimalTokensForParams(law: PlanLaw, params: number): number | undefined {
  if (!isPositiveFinite(params)) return undefined;
  const coefficients = lawParamsOf(law);
  return formOf(coefficients).optimalTokensForParams(coefficients, params);
}

/** A compute-optimal plan for one training budget. */
export interface ComputeOptimalPlan {
  /** The budget in FLOPs, GPU-hours, dollars (and days on K GPUs) with the hardware used. */
  budget: ResolvedBudget;
  /** Compute-optimal parameters N*, in {@link paramConvention}. */
  params: number;
  /** Compute-optimal training tokens D*. */
  tokens: number;
  tokensPerParam: number;
  /** Predicted loss at (N*, D*), in the law's units (nats/token). */
  loss: number;
  /** Training FLOPs, 6·N*·D* (the budget). */
  flops: number;
  method: AllocationMethod;
  paramConvention: ParamConvention;
  /** Caveats a view should show next to the numbers. */
  notes: string[];
}

/**
 * Plan a compute-optimal run for a budget given as FLOPs, GPU-hours, dollars or days on K GPUs
 * (converted with `hardware`, default H100 BF16 at 50% MFU): N*, D*, tokens/param and predicted loss.
 */
export function planComputeOptimal(
  law: PlanLaw,
  budget: ComputeBudget,
  hardware: Partial<TrainingHardware> = {},
): PlanOutcome<ComputeOptimalPlan> {
  const resolved = resolveBudget(budget, hardware);
  if (!resolved.ok) return resolved;
  const coefficients = lawParamsOf(law);
  const allocation = computeOptimalAllocation(coefficients, resolved.value.flops);
  if (!allocation || !isPositiveFinite(allocation.params) || !isPositiveFinite(allocation.tokens)) {
    return planError(
      'plan-no-solution',
      `No compute-optimal allocation found for ${resolved.value.flops} FLOPs.`,
    );
  }
  const paramConvention = paramConventionOf(law);
  const notes: string[] = [];
  if (allocation.method === 'tokens-per-param-rule') {
    notes.push(
      `This law predicts loss from compute alone, so it cannot split N and D; the split uses ` +
        `Chinchilla's ${CHINCHILLA_TOKENS_PER_PARAM} tokens per parameter.`,
    );
  }
  if (paramConvention === 'non-embedding')
    notes.push('N counts non-embedding parameters (the law’s convention).');
  return {
    ok: true,
    value: {
      budget: resolved.value,
      params: allocation.params,
      tokens: allocation.tokens,
      tokensPerParam: allocation.tokens / allocation.params,
      loss: evaluateLaw(coefficients, allocation.params, allocation.tokens),
      // 6·N*·D* equals the budget up to rounding; report the budget itself.
      flops: resolved.value.flops,
      method: allocation.method,
      paramConvention,
      notes,
    },
  };
}
