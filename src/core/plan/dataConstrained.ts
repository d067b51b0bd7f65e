import { EPOCHS_DIMINISHING, EPOCHS_WORTHLESS } from '../analyzeBeyond';
import {
  dataConstrainedOptimum,
  evaluateLaw,
  formOf,
  type DataConstrainedParams,
  type LawParams,
} from '../laws/forms';
import { MUENNIGHOFF_2023 } from '../laws/published';
import {
  isPositiveFinite,
  lawParamsOf,
  planError,
  showNumber,
  type PlanLaw,
  type PlanOutcome,
} from './budget';

/**
 * The data-constrained compute optimum (Muennighoff et al. 2023, "Scaling Data-Constrained Language
 * Models", arXiv:2305.16264, §3 / Eq. 5): for a FLOP budget C = 6·N·D and U_D unique tokens, the
 * (N, D) that minimize L(N, D, U_D) = E + A/N′^α + B/D′^α, where repeated epochs (R_D = D/U_D − 1)
 * and parameters beyond N_opt(U_D) decay with R_D* and R_N*. The minimization is the form's own
 * (src/core/laws/forms/dataConstrained.ts `dataConstrainedOptimum`: a grid then golden section in
 * ln N, where the datablations README grid-searches 500 ratios); this module adds the comparison
 * with the plain Chinchilla optimum under the same constants and the notes a view shows.
 */

/** A model of the comparison: its allocation and its loss with U_D unique tokens. */
export interface DataConstrainedAllocation {
  params: number;
  tokens: number;
  /** D / U_D (below 1: not even one pass over the unique data). */
  epochs: number;
  /** Predicted loss with only U_D unique tokens (repetition counted). */
  loss: number;
}

/** The data-constrained plan for one budget and one unique-token count. */
export interface DataConstrainedPlan extends DataConstrainedAllocation {
  /** The law whose constants were used (the selected one when it models repetition). */
  law: string;
  flops: number;
  uniqueTokens: number;
  /**
   * The Chinchilla-form optimum under the same E, A, B, α (α = β), which ignores that data repeats:
   * its loss with U_D unique tokens and, for reference, with unlimited unique data.
   */
  vsChinchilla: DataConstrainedAllocation & { lossUnlimitedData: number };
  notes: string[];
}

/** A law whose form takes unique tokens, else Muennighoff et al. 2023's C4 fit. */
function repetitionLaw(law: PlanLaw | undefined): {
  id: string;
  coefficients: LawParams;
  substituted: boolean;
} {
  if (law) {
    const coefficients = lawParamsOf(law);
    if (formOf(coefficients).inputs.includes('uniqueTokens'))
      return { id: 'law' in law ? law.id : coefficients.form, coefficients, substituted: false };
  }
  return { id: MUENNIGHOFF_2023.id, coefficients: MUENNIGHOFF_2023.law, substituted: law !== undefined };
}

/**
 * Plan with limited unique data. `law` is the selected law; unless its form models repetition
 * (data-constrained), the constants are Muennighoff et al. 2023's, and a note says so.
 */
export function planDataConstrained(
  law: PlanLaw | undefined,
  flops: number,
  uniqueTokens: number,
): PlanOutcome<DataConstrainedPlan> {
  if (!isPositiveFinite(flops))
    return planError('plan-invalid-budget', `The FLOP budget must be positive, got ${showNumber(flops)}.`);
  if (!isPositiveFinite(uniqueTokens))
    return planError(
      'plan-invalid-unique-tokens',
      `Unique tokens must be a positive number of tokens, got ${showNumber(uniqueTokens)}.`,
    );
  const chosen = repetitionLaw(law);
  // The only registered form with a uniqueTokens input is data-constrained (forms/dataConstrained.ts).
  const coefficients = chosen.coefficients as { form: 'data-constrained' } & DataConstrainedParams;
  const best = dataConstrainedOptimum(coefficients, flops, uniqueTokens);
  const chinchilla = formOf(coefficients).optimalAllocation(coefficients, flops);
  if (!best || !chinchilla || !isPositiveFinite(chinchilla.params))
    return planError(
      'plan-no-solution',
      `No data-constrained allocation found for ${showNumber(flops)} FLOPs.`,
    );
  const lossWith = (params: number, tokens: number) =>
    evaluateLaw(coefficients, params, tokens, { uniqueTokens });
  const vsChinchilla = {
    params: chinchilla.params,
    tokens: chinchilla.tokens,
    epochs: chinchilla.tokens / uniqueTokens,
    loss: lossWith(chinchilla.params, chinchilla.tokens),
    lossUnlimitedData: evaluateLaw(coefficients, chinchilla.params, chinchilla.tokens),
  };
  const notes: string[] = [];
  if (chosen.substituted)
    notes.push(
      `${law && 'law' in law ? law.id : 'The selected law'} does not model repeated data; the data-constrained optimum uses ` +
        `${MUENNIGHOFF_2023.label} (R_D* = 15.39, R_N* = 5.31 with their own E, A, B, α).`,
    );
  if (uniqueTokens >= chinchilla.tokens)
    notes.push(
      `${showNumber(uniqueTokens)} unique tokens cover the Chinchilla-optimal D (${showNumber(chinchilla.tokens)}): nothing repeats, ` +
        'so the data-constrained optimum is the Chinchilla one.',
    );
  if (best.epochs > EPOCHS_WORTHLESS)
    notes.push(
      `${best.epochs.toFixed(1)} epochs: past ~${EPOCHS_WORTHLESS} epochs repeated tokens are worth almost nothing (Muennighoff et al. 2023, R_D* ≈ 15.4); more unique data helps more than compute.`,
    );
  else if (best.epochs > EPOCHS_DIMINISHING)
    notes.push(
      `${best.epochs.toFixed(1)} epochs: returns diminish past ~${EPOCHS_DIMINISHING} epochs (Muennighoff et al. 2023).`,
    );
  // Where both repeated data and excess parameters have decayed, the loss barely depends on the
  // split; say so rather than present a weakly determined N as a sharp answer.
  const flatness = Math.max(
    lossWith(best.params * 0.8, flops / (6 * best.params * 0.8)),
    lossWith(best.params * 1.25, flops / (6 * best.params * 1.25)),
  );
  if (flatness - best.loss < 1e-3)
    notes.push(
      'The loss is nearly flat around this optimum (within 0.001 nats for N from 0.8× to 1.25×): the split of compute between N and D matters little here.',
    );
  if (chosen.id === MUENNIGHOFF_2023.id) notes.push(`Loss: ${MUENNIGHOFF_2023.lossNote}.`);
  return {
    ok: true,
    value: {
      law: chosen.id,
      flops,
      uniqueTokens,
      params: best.params,
      tokens: best.tokens,
      epochs: best.epochs,
      loss: best.loss,
      vsChinchilla,
      notes,
    },
  };
}
