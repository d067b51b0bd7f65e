import type { ParamConvention } from '../laws/published';
import { countParams, llamaArchitecture, roundUpToMultiple, type ParamCounts } from '../model/params';
import type { ArchitectureSpec } from '../types';
import { isPositiveFinite, planError, showNumber, type PlanOutcome } from './budget';

/**
 * Architecture suggestion: a LLaMA-style shape (SwiGLU, RMSNorm, rotary, no biases) whose exact
 * parameter count is close to a planned N, near the aspect ratios of published dense models.
 */

/** Shape conventions of the suggestion, each from the published models they summarize. */
export const ARCHITECTURE_CONVENTIONS = {
  /**
   * d_model / n_layers of LLaMA-1/2 (4096/32 = 128, 5120/40 = 128, 6656/60 ≈ 111, 8192/80 = 102):
   * widths in this band are preferred when several shapes fit the target.
   */
  aspectRatioMin: 100,
  aspectRatioMax: 130,
  /** Head width 128 (LLaMA, Mistral, Qwen) for d ≥ 2048; 64 below (GPT-2/Pythia-size models). */
  headDim: 128,
  smallHeadDim: 64,
  smallWidthBelow: 2048,
  /** SwiGLU per-branch width ≈ 8/3·d (Shazeer 2020; LLaMA), rounded up to a multiple of 256. */
  ffnRatio: 8 / 3,
  ffnMultiple: 256,
  /** d in multiples of 128 below 2048, of 256 up to 16384, of 1024 beyond. */
  widthSteps: [
    { below: 2048, step: 128 },
    { below: 16384, step: 256 },
    { below: 65537, step: 1024 },
  ],
  minWidth: 256,
  /**
   * GQA with 8 KV heads (LLaMA-2 70B, LLaMA-3) for models at or above this many parameters; widths
   * whose head count is not a multiple of 8 are skipped then.
   */
  gqaMinParams: 2e10,
  gqaKvHeads: 8,
  /** A shape within this relative error of the target is "a match"; aspect ratio then decides. */
  matchTolerance: 0.02,
} as const;

/** Options for {@link suggestArchitecture}. */
export interface ArchitectureOptions {
  /** Vocabulary rows (default 32000, LLaMA-1/2's SentencePiece vocabulary). */
  vocabSize?: number;
  /** Which count must match the target: 'total' (default) or 'non-embedding' (Kaplan's N). */
  paramConvention?: ParamConvention;
  /** Tie the LM head to the token embedding (default false, as in LLaMA). */
  tiedEmbeddings?: boolean;
  /** Use GQA from this many parameters up (default 2e10). */
  gqaMinParams?: number;
}

/** The HF `LlamaConfig` keys of a suggestion (the framework convention shown to users). */
export interface HfLlamaConfig {
  model_type: 'llama';
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  vocab_size: number;
  tie_word_embeddings: boolean;
}

/** A suggested shape with its exact parameter counts. */
export interface ArchitectureSuggestion {
  architecture: ArchitectureSpec;
  /** Exact counts from countParams. */
  params: ParamCounts;
  targetParams: number;
  paramConvention: ParamConvention;
  /** The count in {@link paramConvention} that was matched against the target. */
  matchedParams: number;
  /** (matched − target) / target. */
  relativeError: number;
  /** d_model / n_layers. */
  aspectRatio: number;
  hfConfig: HfLlamaConfig;
}

/**
 * Propose layers / width / heads / KV heads / FFN width for a model of about `targetParams`
 * parameters. Every candidate width (on the conventions' grid) gets the layer count that brings its
 * exact count closest to the target; among candidates within 2% of the target the one nearest the
 * 100–130 aspect band wins (then the smaller error). The returned count is exact (countParams).
 */
export function suggestArchitecture(
  targetParams: number,
  options: ArchitectureOptions = {},
): PlanOutcome<ArchitectureSuggestion> {
  if (!isPositiveFinite(targetParams)) {
    return planError(
      'plan-invalid-budget',
      `The target parameter count must be positive, got ${showNumber(targetParams)}.`,
    );
  }
  const vocabSize = options.vocabSize ?? 32000;
  if (!isPositiveFinite(vocabSize) || !Number.isInteger(vocabSize)) {
    return planError(
      'plan-invalid-budget',
      `The vocabulary size must be a positive integer, got ${vocabSize}.`,
    );
  }
  const convention = options.paramConvention ?? 'total';
  const conventions = ARCHITECTURE_CONVENTIONS;
  const gqa = targetParams >= (options.gqaMinParams ?? conventions.gqaMinParams);

  let best: { suggestion: ArchitectureSuggestion; score: [number, number, number] } | undefined;
  for (const dModel of candidateWidths()) {
    const headDim = dModel < conventions.smallWidthBelow ? conventions.smallHeadDim : conventions.headDim;
    const nHeads = dModel / headDim;
    // With GQA, keep widths whose head count splits into the conventional 8 KV groups.
    if (gqa && nHeads % conventions.gqaKvHeads !== 0) continue;
    const nKvHeads = gqa ? conventions.gqaKvHeads : nHeads;
    const shape = (nLayers: number) =>
      llamaArchitecture({
        nLayers,
        dModel,
        nHeads,
        nKvHeads,
        headDim,
        ffnSize: roundUpToMultiple(Math.round(conventions.ffnRatio * dModel), conventions.ffnMultiple),
        vocabSize,
        tiedEmbeddings: options.tiedEmbeddings ?? false,
      });
    const counted = (nLayers: number) => pick(countParams(shape(nLayers)), convention);
    // The count is affine in n_layers: fixed (embeddings, final norm) + n_layers · per-layer.
    const fixed = counted(0);
    const perLayer = counted(1) - fixed;
    const ideal = (targetParams - fixed) / perLayer;
    if (ideal < 0.5) break; // wider models only get further from the target
    for (const nLayers of new Set([Math.max(1, Math.floor(ideal)), Math.max(1, Math.ceil(ideal))])) {
      const architecture = shape(nLayers);
      const params = countParams(architecture);
      const matchedParams = pick(params, convention);
      const relativeError = (matchedParams - targetParams) / targetParams;
      const aspectRatio = dModel / nLayers;
      const aspectPenalty = Math.max(
        0,
        Math.log(conventions.aspectRatioMin / aspectRatio),
        Math.log(aspectRatio / conventions.aspectRatioMax),
      );
      const outside = Math.abs(relativeError) > conventions.matchTolerance ? 1 : 0;
      const score: [number, number, number] = outside
        ? [1, Math.abs(relativeError), aspectPenalty]
        : [0, aspectPenalty, Math.abs(relativeError)];
      if (!best || compareScores(score, best.score) < 0) {
        best = {
          score,
          suggestion: {
            architecture,
            params,
            targetParams,
            paramConvention: convention,
            matchedParams,
            relativeError,
            aspectRatio,
            hfConfig: {
              model_type: 'llama',
              hidden_size: dModel,
              intermediate_size: architecture.ffnSize,
              num_hidden_layers: nLayers,
              num_attention_heads: nHeads,
              num_key_value_heads: nKvHeads,
              head_dim: headDim,
              vocab_size: vocabSize,
              tie_word_embeddings: architecture.tiedEmbeddings,
            },
          },
        };
      }
    }
  }
  if (!best) {
    return planError(
      'plan-no-solution',
      `No transformer shape with a ${vocabSize}-token vocabulary has about ${targetParams} parameters.`,
    );
  }
  return { ok: true, value: best.suggestion };
}

function pick(counts: ParamCounts, convention: ParamConvention): number {
  return convention === 'total' ? counts.total : counts.nonEmbedding;
}

function* candidateWidths(): Generator<number> {
  let dModel: number = ARCHITECTURE_CONVENTIONS.minWidth;
  for (const { below, step } of ARCHITECTURE_CONVENTIONS.widthSteps) {
    for (dModel = roundUpToMultiple(dModel, step); dModel < below; dModel += step) yield dModel;
  }
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
