/**
 * The config's learning rate and global batch beside each published law's optimum at this run's
 * scale (issue 14 item 3, the LR / batch lens). Pure over an {@link Analysis}: the optima come from
 * src/core/laws/hyperparameters.ts through analyzeHyperparameters (src/core/analyzeBeyond.ts), the
 * config's LR from the framework's LR-schedule extractor (src/core/schedule/learningRate.ts).
 */
import type { Analysis } from './analyze';
import { decoderAttentionLayers } from './model/params';
import {
  HYPERPARAMETER_LAWS,
  nonEmbeddingFlopsPerToken,
  type HyperparameterLaw,
  type PowerLaw,
} from './laws/hyperparameters';

/** One law's optimum for the quantity, and how far the config is from it. */
export interface LawOptimumComparison {
  law: string;
  shortLabel: string;
  /** The law's optimum (LR, or batch in tokens). */
  optimum: number;
  /** The config's value / the optimum (> 1: the config is above the optimum). */
  ratio: number;
  /** The published formula, e.g. `0.3118·C^-0.125`. */
  formula: string;
  /** The scale variables the law was evaluated at, in its own convention. */
  inputs: Record<string, number>;
  convention: string;
  citation: string;
}

/** What the lens on one key shows: the config's value and each law's optimum. */
export interface HyperparameterComparison {
  quantity: 'learningRate' | 'batchTokens';
  /** The config's value (peak LR, or global batch in tokens). */
  config: number;
  /** Laws with an optimum at this scale, in {@link HYPERPARAMETER_LAWS} order. */
  optima: LawOptimumComparison[];
  /** Laws without an optimum here (an input unknown), with what they need. */
  missing: { law: string; shortLabel: string; needs: string[] }[];
  /** Largest / smallest optimum when two or more laws give one (the laws' own disagreement). */
  spread: number | null;
}

/**
 * DeepSeek's M (non-embedding FLOPs per token) as this analysis evaluates it, with its terms: M =
 * 6·N_non-embedding + 6·n_layer·seq·d_attn (DeepSeek-AI 2024 §3.2 writes 72·n_layer·d_model² +
 * 6·n_layer·d_model·seq, which is the same for their shapes, where N_non-embedding = 12·n_layer·d²).
 */
export interface FlopsPerTokenTerms {
  flopsPerToken: number;
  nonEmbeddingParams: number;
  nLayers: number;
  seqLen: number;
  attentionWidth: number;
}

/** The LR comparison when the config's LR is known; undefined otherwise. */
export function compareLearningRate(a: Analysis): HyperparameterComparison | undefined {
  const lr = a.hyperparameters?.config.learningRate;
  if (lr === null || lr === undefined || !(Number.isFinite(lr) && lr > 0)) return undefined;
  return compare(a, 'learningRate', lr);
}

/** The batch comparison when the config's global batch (tokens per step) is known. */
export function compareBatch(a: Analysis): HyperparameterComparison | undefined {
  const tokens = a.hyperparameters?.config.batchTokens;
  if (tokens === null || tokens === undefined || !(Number.isFinite(tokens) && tokens > 0)) return undefined;
  return compare(a, 'batchTokens', tokens);
}

function compare(
  a: Analysis,
  quantity: 'learningRate' | 'batchTokens',
  config: number,
): HyperparameterComparison {
  const optima: LawOptimumComparison[] = [];
  const missing: HyperparameterComparison['missing'] = [];
  for (const law of HYPERPARAMETER_LAWS) {
    const found = a.hyperparameters?.optima.find((o) => o.law === law.id);
    const value = found?.[quantity];
    const powerLaw = law[quantity];
    if (found && value !== null && value !== undefined && Number.isFinite(value) && value > 0) {
      optima.push({
        law: law.id,
        shortLabel: law.shortLabel,
        optimum: value,
        ratio: config / value,
        formula: formulaText(law, quantity),
        inputs: usedInputs(powerLaw, found.inputs),
        convention: law.convention,
        citation: law.citation,
      });
    } else {
      const needs = Object.keys(powerLaw.exponents).filter((name) => !(found?.inputs[name]! > 0));
      missing.push({ law: law.id, shortLabel: law.shortLabel, needs });
    }
  }
  const values = optima.map((o) => o.optimum);
  const spread = values.length > 1 ? Math.max(...values) / Math.min(...values) : null;
  return { quantity, config, optima, missing, spread };
}

/** Only the inputs this power law uses (Step Law's batch depends on D alone). */
function usedInputs(law: PowerLaw, inputs: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(law.exponents).flatMap((k) => (k in inputs ? [[k, inputs[k]!]] : [])),
  );
}

/** `0.3118·C^-0.125`, `1.797·N^-0.7129·D^0.3075` (four significant digits, as the table is cited). */
export function formulaText(law: HyperparameterLaw, quantity: 'learningRate' | 'batchTokens'): string {
  const p = law[quantity];
  const terms = Object.entries(p.exponents).map(([name, e]) => `${name}^${Number(e.toPrecision(4))}`);
  return [String(Number(p.coefficient.toPrecision(4))), ...terms].join('·');
}

/** M and its terms for this analysis, when the architecture and sequence length are known. */
export function flopsPerTokenTerms(a: Analysis): FlopsPerTokenTerms | undefined {
  const arch = a.spec.architecture;
  const seqLen = a.spec.training.seqLen;
  const nonEmbeddingParams = a.params?.activeNonEmbedding;
  if (!arch || !seqLen || nonEmbeddingParams === undefined || arch.encoderDecoder) return undefined;
  const attentionWidth = arch.nHeads * arch.headDim;
  // The same M analyzeHyperparameters evaluated DeepSeek's C with.
  // Only attention layers carry the attention term (a hybrid stack's attention blocks).
  const nLayers = decoderAttentionLayers(arch);
  const flopsPerToken = nonEmbeddingFlopsPerToken(nonEmbeddingParams, nLayers, seqLen, attentionWidth);
  return { flopsPerToken, nonEmbeddingParams, nLayers, seqLen, attentionWidth };
}
