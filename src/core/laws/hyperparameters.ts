/**
 * Learning-rate and batch-size laws as cited data. Each law names the scale variable it was fitted
 * on (the conventions differ, and mixing them is the easy mistake) and returns its optimum.
 */

/** A power law y = coefficient · Π xᵢ^exponentᵢ, as published. */
export interface PowerLaw {
  coefficient: number;
  exponents: Readonly<Record<string, number>>;
}

/** One published learning-rate / batch-size law. */
export interface HyperparameterLaw {
  id: string;
  label: string;
  /** A few words for lenses and tables, e.g. `DeepSeek 2024`. */
  shortLabel: string;
  /** The key of this law in `plan --json`'s `hyperparameters` object. */
  jsonKey: string;
  citation: string;
  /** What the scale variables are, in the source's own convention. */
  convention: string;
  learningRate: PowerLaw;
  /** Optimal global batch in tokens. */
  batchTokens: PowerLaw;
}

/**
 * DeepSeek-AI 2024, "DeepSeek LLM: Scaling Open-Source Language Models with Longtermism",
 * arXiv:2401.02954, §3.1 (Eq. 1): η_opt = 0.3118·C^−0.1250, B_opt = 0.2920·C^0.3271 (B in tokens).
 * C = M·D with M the non-embedding FLOPs per token, M = 72·n_layer·d_model² + 6·n_layer·d_model·l_seq
 * (§3.2, Eq. 2), i.e. 6·N_non-embedding + 6·n_layer·l_seq·d_attn — not 6·N·D with total N. The
 * primary text (arXiv) is not reachable from this machine; the four constants were checked against a
 * second, independent transcription (codestar12.github.io/llm-hparam-flop-calculator, "DeepSeek
 * Precision Formulas": η_opt = 0.3118·C^−0.1250, B_opt = 0.2920·C^0.3271), and they reproduce the
 * paper's Table 2 choices for its 7B and 67B models (see the tests). That calculator uses C = 6·N·D;
 * the paper's C = M·D, which is what this module evaluates.
 */
export const DEEPSEEK_2024: HyperparameterLaw = {
  id: 'deepseek2024',
  label: 'DeepSeek-AI 2024 (η, B vs non-embedding compute)',
  shortLabel: 'DeepSeek 2024',
  jsonKey: 'deepseek2024',
  citation:
    'DeepSeek-AI 2024, "DeepSeek LLM", arXiv:2401.02954, §3.1: η_opt = 0.3118·C^−0.1250, B_opt = 0.2920·C^0.3271 tokens, ' +
    'C = M·D, M = 72·n_layer·d_model² + 6·n_layer·d_model·l_seq non-embedding FLOPs/token.',
  convention: 'C = M·D, M = non-embedding FLOPs/token (6·N_non-embedding + 6·n_layer·seq·d_attn)',
  learningRate: { coefficient: 0.3118, exponents: { C: -0.125 } },
  batchTokens: { coefficient: 0.292, exponents: { C: 0.3271 } },
};

/**
 * Li et al. 2025, "Predictable Scale: Part I — Step Law", arXiv:2503.04715 (paper: η = 1.79·N^−0.713·
 * D^0.307, B = 0.58·D^0.571). The constants here are the repository's own tool values:
 * step-law/steplaw@32a8f4cc `code/fit_tool.py pred-opt-lr-bs` uses the mean of the 1000 bootstrap rows
 * of `data/1004_fitted_lr_bs_scaling_model_parameters.csv` (lr = e^0.58631·N^−0.71292·D^0.30749,
 * bs = e^−0.54354·D^0.57094 tokens; bs/seq_len is its batch in samples), which round to the paper's.
 * N counts non-embedding parameters (their `dense_lr_bs_loss.csv`: h = 960, ffn 9368, 7 layers gives
 * N = 7·(4h² + 3·h·ffn) = 214,663,680), D is training tokens.
 */
export const STEP_LAW_2025: HyperparameterLaw = {
  id: 'steplaw2025',
  label: 'Li et al. 2025 Step Law (η vs N, D; B vs D)',
  shortLabel: 'Step Law',
  jsonKey: 'stepLaw2025',
  citation:
    'Li et al. 2025, "Predictable Scale: Part I, Step Law", arXiv:2503.04715; step-law/steplaw@32a8f4cc ' +
    'mean of data/1004_fitted_lr_bs_scaling_model_parameters.csv: η = 1.7973·N^−0.71292·D^0.30749, B = 0.58069·D^0.57094 tokens.',
  convention: 'N = non-embedding parameters, D = training tokens',
  learningRate: {
    coefficient: Math.exp(0.5863077907399264),
    exponents: { N: -0.7129222911869909, D: 0.30749095041206964 },
  },
  batchTokens: { coefficient: Math.exp(-0.543542173610334), exponents: { D: 0.5709443646895052 } },
};

export const HYPERPARAMETER_LAWS: readonly HyperparameterLaw[] = [DEEPSEEK_2024, STEP_LAW_2025];

/** Evaluate a power law; undefined when an input is missing or not positive. */
export function evaluatePowerLaw(
  law: PowerLaw,
  inputs: Readonly<Record<string, number | undefined>>,
): number | undefined {
  let value = law.coefficient;
  for (const [name, exponent] of Object.entries(law.exponents)) {
    const x = inputs[name];
    if (x === undefined || !(Number.isFinite(x) && x > 0)) return undefined;
    value *= x ** exponent;
  }
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** DeepSeek's M (non-embedding FLOPs per token): 6·N_non-embedding + 6·n_layer·seq·d_attn. */
export function nonEmbeddingFlopsPerToken(
  nonEmbeddingParams: number,
  nLayers: number,
  seqLen: number,
  attentionWidth: number,
): number {
  return 6 * nonEmbeddingParams + 6 * nLayers * seqLen * attentionWidth;
}

/** What the scale variables of a run are, in every law's convention. */
export interface RunScale {
  /** Non-embedding (active) parameters. */
  nonEmbeddingParams?: number;
  tokens?: number;
  /** Non-embedding FLOPs per token (DeepSeek's M). */
  flopsPerToken?: number;
  seqLen?: number;
}

/** One law's optimum for a run. */
export interface HyperparameterOptimum {
  law: string;
  learningRate: number | null;
  batchTokens: number | null;
  /** The batch in sequences when the run's sequence length is known. */
  batchSequences: number | null;
  /** The scale the law was evaluated at, in its convention. */
  inputs: Record<string, number>;
  convention: string;
  citation: string;
}

/** Each law's optimum at a run's scale (nulls where the law's inputs are unknown). */
export function hyperparameterOptima(scale: RunScale): HyperparameterOptimum[] {
  const C =
    scale.flopsPerToken !== undefined && scale.tokens !== undefined
      ? scale.flopsPerToken * scale.tokens
      : undefined;
  const inputsFor: Record<string, Record<string, number | undefined>> = {
    deepseek2024: { C },
    steplaw2025: { N: scale.nonEmbeddingParams, D: scale.tokens },
  };
  return HYPERPARAMETER_LAWS.map((law) => {
    const inputs = inputsFor[law.id] ?? {};
    const learningRate = evaluatePowerLaw(law.learningRate, inputs) ?? null;
    const batchTokens = evaluatePowerLaw(law.batchTokens, inputs) ?? null;
    const seqLen = scale.seqLen;
    return {
      law: law.id,
      learningRate,
      batchTokens,
      batchSequences: batchTokens !== null && seqLen && seqLen > 0 ? batchTokens / seqLen : null,
      inputs: Object.fromEntries(
        Object.entries(inputs).filter((entry): entry is [string, number] => entry[1] !== undefined),
      ),
      convention: law.convention,
      citation: law.citation,
    };
  });
}

/**
 * Porian et al. 2024 ("Resolving Discrepancies in Compute-Optimal Scaling of Language Models",
 * arXiv:2406.19146): tuning AdamW β2 matters at small batch sizes, where the common 0.95 is too low
 * (they use 0.99). A hint, not a law; wording recalled, not checked against the text in this session.
 */
export const PORIAN_BETA2_HINT =
  'Porian et al. 2024 (arXiv:2406.19146): at small batch sizes AdamW β2 = 0.95 is too low; they use 0.99.';
