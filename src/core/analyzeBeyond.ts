/**
 * The analysis beyond (N, D) (issue 14): loss under repeated data (Muennighoff et al. 2023) and the
 * learning-rate / batch-size laws at the run's scale. Kept apart from analyze.ts so that file only
 * wires the results in.
 */
import {
  effectiveParams,
  effectiveTokens,
  evaluateLaw,
  formOf,
  type DataConstrainedParams,
  type LawInputs,
} from './laws/forms';
import {
  hyperparameterOptima,
  nonEmbeddingFlopsPerToken,
  type HyperparameterOptimum,
} from './laws/hyperparameters';
import { MUENNIGHOFF_2023, type ScalingLaw } from './laws/published';
import type { AnalysisSettings } from './settings';
import { decoderAttentionLayers } from './model/params';
import type { RunSpec, SourceRange } from './types';

/**
 * Loss under repeated data when the unique tokens are known: the dataset size of the settings
 * (`--dataset-tokens`, `scalingLens.missing.datasetTokens`), which is also what an epoch-based
 * config's D was computed from.
 */
export interface DataConstrainedAnalysis {
  /** The law used: the selected one when it models repetition, else muennighoff2023. */
  law: string;
  lossNote: string;
  uniqueTokens: number;
  /** D / U_D (at most 1: nothing repeats). */
  epochs: number;
  /** Where U_D came from. */
  source: 'config-epochs' | 'dataset-tokens';
  /** D′ and N′ of Muennighoff et al. 2023, Eqs. 3–4. */
  effectiveTokens: number;
  effectiveParams: number;
  loss: number;
  /** The same law with all D tokens unique (the difference is what repetition costs). */
  lossWithoutRepetition: number;
  warnings: string[];
}

/** Published learning-rate / batch-size optima for the run, beside the config's own values. */
export interface HyperparameterAnalysis {
  optima: HyperparameterOptimum[];
  config: {
    learningRate: number | null;
    batchTokens: number | null;
    batchSequences: number | null;
    /** Where the LR came from (src/core/schedule/learningRate.ts), when a key sets it. */
    learningRateKey?: { key: string; line: number; range?: SourceRange };
  };
  notes: string[];
}

/** The unique-token input the settings give, if any. */
export function uniqueTokenInputs(settings: Pick<AnalysisSettings, 'datasetTokens'>): LawInputs | undefined {
  const unique = settings.datasetTokens;
  return unique !== undefined && Number.isFinite(unique) && unique > 0 ? { uniqueTokens: unique } : undefined;
}

/** Muennighoff et al. 2023, abstract: "up to 4 epochs of repeated data yields negligible changes to loss". */
export const EPOCHS_DIMINISHING = 4;
/**
 * R_D* = 15.39 is the decay constant of Eq. 3: at 1 + R_D* ≈ 16 epochs a further repeat is worth 1/e of
 * a fresh token and the repeated part of D′ has reached 63% of its ceiling U_D·R_D* (abstract: "the
 * value of adding compute eventually decays to zero").
 */
export const EPOCHS_WORTHLESS = 16;

/** The data-constrained view of a run with U_D unique tokens; null if anything is not finite. */
export function analyzeRepetition(
  selected: ScalingLaw,
  params: number,
  tokens: number,
  uniqueTokens: number,
  spec: RunSpec,
): DataConstrainedAnalysis | null {
  const law = formOf(selected.law).inputs.includes('uniqueTokens') ? selected : MUENNIGHOFF_2023;
  // The only registered form that takes unique tokens is data-constrained, so its coefficients apply.
  const coefficients = law.law as unknown as DataConstrainedParams;
  const loss = evaluateLaw(law.law, params, tokens, { uniqueTokens });
  const lossWithoutRepetition = evaluateLaw(law.law, params, tokens);
  const epochs = tokens / uniqueTokens;
  const eTokens = effectiveTokens(coefficients, tokens, uniqueTokens);
  const eParams = effectiveParams(coefficients, params, tokens, uniqueTokens);
  if (![loss, lossWithoutRepetition, epochs, eTokens, eParams].every(Number.isFinite)) return null;
  const warnings: string[] = [];
  const worth = `D′ = ${eTokens.toExponential(2)} effective of ${tokens.toExponential(2)} tokens`;
  if (epochs > EPOCHS_WORTHLESS) {
    warnings.push(
      `${epochs.toFixed(1)} epochs: past ~16 epochs repeated tokens are worth almost nothing (Muennighoff et al. 2023, R_D* ≈ 15.4); ${worth}.`,
    );
  } else if (epochs > EPOCHS_DIMINISHING) {
    warnings.push(
      `${epochs.toFixed(1)} epochs: returns diminish past ~4 epochs (Muennighoff et al. 2023); ${worth}.`,
    );
  }
  const region = law.fitRegion;
  if (
    region &&
    (params > 10 * region.paramsMax ||
      params < region.paramsMin / 10 ||
      tokens > 10 * region.tokensMax ||
      tokens < region.tokensMin / 10)
  ) {
    warnings.push(
      `Extrapolation: ${law.id} was fitted on N ${region.paramsMin.toExponential(1)}–${region.paramsMax.toExponential(1)}, D ${region.tokensMin.toExponential(1)}–${region.tokensMax.toExponential(1)}; this run is more than 10× outside.`,
    );
  }
  return {
    law: law.id,
    lossNote: law.lossNote,
    uniqueTokens,
    epochs,
    source: spec.training.durationUnit?.kind === 'epochs' ? 'config-epochs' : 'dataset-tokens',
    effectiveTokens: eTokens,
    effectiveParams: eParams,
    loss,
    lossWithoutRepetition,
    warnings,
  };
}

/** The config's batch against each LR / batch law's optimum (a factor of 2 either way is noted). */
export function analyzeHyperparameters(
  spec: RunSpec,
  params: { activeNonEmbedding: number },
  tokens: number | null,
): HyperparameterAnalysis {
  const arch = spec.architecture;
  const seqLen = spec.training.seqLen;
  const flopsPerToken =
    arch && seqLen && !arch.encoderDecoder
      ? nonEmbeddingFlopsPerToken(
          params.activeNonEmbedding,
          decoderAttentionLayers(arch),
          seqLen,
          arch.nHeads * arch.headDim,
        )
      : undefined;
  // Both laws were fitted on pretraining from scratch; a finetune's D counts only its own tokens.
  const finetune = spec.training.finetune === true;
  const optima = finetune
    ? []
    : hyperparameterOptima({
        ...(params.activeNonEmbedding > 0 ? { nonEmbeddingParams: params.activeNonEmbedding } : {}),
        ...(tokens !== null && tokens > 0 ? { tokens } : {}),
        ...(flopsPerToken !== undefined && Number.isFinite(flopsPerToken) ? { flopsPerToken } : {}),
        ...(seqLen ? { seqLen } : {}),
      });
  const tokensPerStep = spec.training.tokensPerStep;
  const batchTokens = tokensPerStep !== undefined && tokensPerStep > 0 ? tokensPerStep : null;
  const notes = [
    'The framework readers do not read the learning rate yet; only the laws’ optima are shown for it.',
  ];
  if (finetune)
    notes.push(
      'Finetune: the LR / batch laws (DeepSeek 2024, Li et al. 2025) are for pretraining from scratch; no optimum.',
    );
  else if (tokens === null) notes.push('D is unknown, and both laws need it: no optimum.');
  if (arch?.moe) notes.push('Mixture-of-experts: evaluated at active non-embedding parameters.');
  if (batchTokens !== null) {
    for (const optimum of optima) {
      if (optimum.batchTokens === null) continue;
      const ratio = batchTokens / optimum.batchTokens;
      if (ratio > 2 || ratio < 0.5) {
        const how = ratio > 1 ? `${ratio.toFixed(1)}× above` : `${(1 / ratio).toFixed(1)}× below`;
        notes.push(
          `Global batch ${Math.round(batchTokens).toLocaleString('en-US')} tokens is ${how} the ${optimum.law} optimum (${Math.round(optimum.batchTokens).toLocaleString('en-US')} tokens).`,
        );
      }
    }
  }
  return {
    optima,
    config: { learningRate: null, batchTokens, batchSequences: spec.training.globalBatchSeqs ?? null },
    notes,
  };
}
