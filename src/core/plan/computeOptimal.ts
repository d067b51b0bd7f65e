import {
  chinchillaOptimalAllocation,
  chinchillaOptimalTokensForParams,
  evaluateLaw,
  type LawParams,
} from '../laws/forms';
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
import { findRoot, minimizeBounded } from './solve';

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

/** How an allocation was obtained. */
export type AllocationMethod = 'closed-form' | 'numeric' | 'tokens-per-param-rule';

/** A compute-optimal (N, D) for a FLOP budget. */
export interface Allocation {
  params: number;
  tokens: number;
  method: AllocationMethod;
}

/**
 * The compute-optimal N and D for `flops` training FLOPs (C = 6·N·D) under a law, or undefined
 * for a non-positive budget. N is in the law's own convention (non-embedding for Kaplan).
 */
export function computeOptimalAllocation(law: LawParams, flops: number): Allocation | undefined {
  if (!isPositiveFinite(flops)) return undefined;
  switch (law.form) {
    case 'chinchilla': {
      const { params, tokens } = chinchillaOptimalAllocation(law, flops);
      return { params, tokens, method: 'closed-form' };
    }
    case 'compute': {
      const params = Math.sqrt(flops / (6 * CHINCHILLA_TOKENS_PER_PARAM));
      return { params, tokens: flops / (6 * params), method: 'tokens-per-param-rule' };
    }
    case 'kaplan': {
      // Minimize along the iso-FLOP curve D = C/(6N), in log N so one bracket spans every scale:
      // N from 1 parameter up to the N that leaves a single token.
      const maxLogParams = Math.log(flops / 6);
      const logParams = minimizeBounded(
        (u) => evaluateLaw(law, Math.exp(u), flops / (6 * Math.exp(u))),
        0,
        Math.max(maxLogParams, 1e-9),
      );
      if (logParams === undefined) return undefined;
      const params = Math.exp(logParams);
      return { params, tokens: flops / (6 * params), method: 'numeric' };
    }
  }
}

/**
 * The compute-optimal training tokens for a model of `params` parameters: the D at which N is the
 * compute-optimal size of budget 6·N·D. Closed-form inverse for the Chinchilla form; for other
 * forms, the budget C whose optimal N equals `params` is found by bracketed root finding in log C.
 * Undefined for a non-positive N or when no budget gives that N.
 */
export function optimalTokensForParams(law: PlanLaw, params: number): number | undefined {
  if (!isPositiveFinite(params)) return undefined;
  const coefficients = lawParamsOf(law);
  switch (coefficients.form) {
    case 'chinchilla':
      return chinchillaOptimalTokensForParams(coefficients, params);
    case 'compute':
      return CHINCHILLA_TOKENS_PER_PARAM * params;
    case 'kaplan': {
      // Optimal N grows monotonically with C; search log C over a range wide enough for any model
      // (1e-6 up to 1e12 tokens per parameter: Kaplan's optimum falls below 1 token/param past ~1e12).
      const gap = (logFlops: number) => {
        const allocation = computeOptimalAllocation(coefficients, Math.exp(logFlops));
        return allocation ? Math.log(allocation.params) - Math.log(params) : Number.NaN;
      };
      const lowest = Math.log(6 * params * params * 1e-6);
      const logFlops = findRoot(gap, lowest, lowest + Math.log(1e18), { xTolerance: 1e-12 });
      return logFlops === undefined ? undefined : Math.exp(logFlops) / (6 * params);
    }
  }
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
