import {
  HYPERPARAMETER_LAWS,
  hyperparameterOptima,
  nonEmbeddingFlopsPerToken,
  type RunScale,
} from '../laws/hyperparameters';
import type { ParamConvention } from '../laws/published';
import type { ArchitectureSuggestion } from './architecture';
import { isPositiveFinite } from './budget';

/**
 * The learning rate and global batch the published laws give for a planned run (issue 14 item 3:
 * "the planner outputs LR and batch size with the allocation"): DeepSeek-AI 2024 at C = M·D (M the
 * non-embedding FLOPs per token) and Li et al. 2025's Step Law at (N non-embedding, D). The planned
 * N is in the scaling law's convention (total for most laws), so the non-embedding count and the
 * layer shape come from the architecture suggestion for that N, the model the plan would build.
 */

/** One law's optimum for the planned run. */
export interface PlannedHyperparameters {
  /** The law id of src/core/laws/hyperparameters.ts (`deepseek2024`, `steplaw2025`). */
  law: string;
  label: string;
  learningRate: number | null;
  batchTokens: number | null;
  /** The batch in sequences when a sequence length is given. */
  batchSequences: number | null;
  /** The scale variables the law was evaluated at, in its own convention. */
  inputs: Record<string, number>;
  convention: string;
  citation: string;
}

/** The laws' optima for a plan, keyed by each law's `jsonKey`, with the scale they were evaluated at. */
export interface PlanHyperparameters {
  laws: Record<string, PlannedHyperparameters>;
  scale: {
    /** Non-embedding parameters (Step Law's N; 6× it is M's main term). */
    nonEmbeddingParams: number | null;
    tokens: number;
    /** DeepSeek's M, non-embedding FLOPs per token. */
    flopsPerToken: number | null;
    /** Where N_non-embedding and M came from. */
    from: string;
    seqLen: number | null;
  };
  notes: string[];
}

/** What the planner knows about the run whose LR and batch it states. */
export interface PlannedRun {
  /** Planned N in {@link paramConvention}. */
  params: number;
  tokens: number;
  paramConvention: ParamConvention;
  /** The suggested shape for N (its exact non-embedding count, layers and attention width). */
  architecture?: ArchitectureSuggestion;
  /** Training sequence length, when known (the document's, or `plan --seq-len`). */
  seqLen?: number;
}

/** The published LR / batch optima for a planned (N, D); nulls where a law's input is unknown. */
export function planHyperparameters(run: PlannedRun): PlanHyperparameters {
  const notes: string[] = [];
  const arch = run.architecture?.architecture;
  let nonEmbeddingParams: number | undefined;
  let from: string;
  if (run.architecture) {
    nonEmbeddingParams = run.architecture.params.nonEmbedding;
    from = `the suggested shape (${arch!.nLayers} layers × d_model ${arch!.dModel}): its exact non-embedding count`;
  } else if (run.paramConvention === 'non-embedding') {
    nonEmbeddingParams = run.params;
    from = 'the planned N (the law counts non-embedding parameters)';
  } else {
    from = 'nothing: no architecture fits the planned N, so its non-embedding count is unknown';
    notes.push('No suggested shape for this N: the non-embedding count both laws need is unknown.');
  }
  const seqLen = isPositiveFinite(run.seqLen) ? run.seqLen : undefined;
  let flopsPerToken: number | undefined;
  if (nonEmbeddingParams !== undefined) {
    if (arch && seqLen) {
      flopsPerToken = nonEmbeddingFlopsPerToken(
        nonEmbeddingParams,
        arch.nLayers,
        seqLen,
        arch.nHeads * arch.headDim,
      );
    } else {
      // DeepSeek's M = 72·n_layer·d² + 6·n_layer·d·seq: without a sequence length (or a shape) only
      // the first term, 6·N_non-embedding, is known. The attention term is seq/(12·d) of it (≈8% at
      // seq = d), which moves η_opt ∝ C^−0.125 by about 1% and B_opt ∝ C^0.327 by about 3%.
      flopsPerToken = 6 * nonEmbeddingParams;
      notes.push(
        'DeepSeek 2024: no sequence length given, so M = 6·N_non-embedding without the attention term 6·n_layer·seq·d_attn ' +
          '(seq/(12·d_model) of M: at seq = d_model it lowers the LR by ≈1% and raises the batch by ≈3%); give the sequence length for the full M.',
      );
    }
  }
  const scale: RunScale = {
    ...(nonEmbeddingParams !== undefined ? { nonEmbeddingParams } : {}),
    tokens: run.tokens,
    ...(flopsPerToken !== undefined ? { flopsPerToken } : {}),
    ...(seqLen ? { seqLen } : {}),
  };
  const laws: Record<string, PlannedHyperparameters> = {};
  for (const optimum of hyperparameterOptima(scale)) {
    const law = HYPERPARAMETER_LAWS.find((l) => l.id === optimum.law)!;
    laws[law.jsonKey] = {
      law: law.id,
      label: law.label,
      learningRate: optimum.learningRate,
      batchTokens: optimum.batchTokens,
      batchSequences: optimum.batchSequences,
      inputs: optimum.inputs,
      convention: optimum.convention,
      citation: optimum.citation,
    };
  }
  notes.push(
    'A guide, not a target: the two laws were fitted on different data and disagree with each other (often by 2× or more).',
  );
  return {
    laws,
    scale: {
      nonEmbeddingParams: nonEmbeddingParams ?? null,
      tokens: run.tokens,
      flopsPerToken: flopsPerToken ?? null,
      from,
      seqLen: seqLen ?? null,
    },
    notes,
  };
}
