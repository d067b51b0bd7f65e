import { countParams } from '../model/params';
import type { RunSpec } from '../types';

/**
 * Last line of defence after a reader: a spec whose numbers cannot describe a real run (a value
 * written as `1e308`, a product that overflowed, more active experts than experts) loses the
 * affected part with a diagnostic, so no view ever shows NaN, Infinity or an impossible count.
 * Readers should catch these themselves; this guard keeps one reader's gap from reaching the user.
 */

/** Largest parameter count treated as real (1e16: four orders beyond any trained model). */
export const MAX_PLAUSIBLE_PARAMS = 1e16;
/** Largest training-token count treated as real (1e18: five orders beyond any trained model). */
export const MAX_PLAUSIBLE_TOKENS = 1e18;
/** Longest sequence treated as real (1e8 tokens: two orders beyond the longest trained context). */
export const MAX_PLAUSIBLE_SEQ_LEN = 1e8;

/** Integer-valued architecture fields: each must be a non-negative safe integer. */
const INTEGER_FIELDS = [
  'nLayers',
  'dModel',
  'nHeads',
  'nKvHeads',
  'ffnSize',
  'vocabSize',
  'learnedPositions',
  'normsPerLayer',
] as const;

/** Why an architecture cannot be counted, or undefined when it can. */
function architectureProblem(spec: RunSpec): string | undefined {
  const arch = spec.architecture;
  if (!arch) return undefined;
  for (const field of INTEGER_FIELDS) {
    const value = arch[field];
    if (!Number.isSafeInteger(value) || value < 0) return `${field} is ${formatOdd(value)}`;
  }
  // A hybrid stack without attention blocks (pure Mamba-2) has no attention heads.
  const attentionFree = arch.hybrid !== undefined && arch.hybrid.blocks.attention === 0;
  if (!Number.isFinite(arch.headDim) || arch.headDim < 0 || (arch.headDim === 0 && !attentionFree))
    return `the head width is ${formatOdd(arch.headDim)}`;
  if (arch.nLayers === 0 || arch.dModel === 0 || (arch.nHeads === 0 && !attentionFree))
    return 'a layer, width or head count is 0';
  if (arch.hybrid) {
    const values = [...Object.values(arch.hybrid.blocks), ...Object.values(arch.hybrid.mamba)];
    for (const value of values) {
      if (typeof value === 'number' && (!Number.isSafeInteger(value) || value < 0))
        return `a hybrid block count or Mamba-2 width is ${formatOdd(value)}`;
    }
    const { mamba2, attention, mlp } = arch.hybrid.blocks;
    if (mamba2 + attention + mlp !== arch.nLayers) return 'the hybrid blocks do not add up to the layers';
    if (arch.moe || arch.mtp) return 'a hybrid stack with MoE or MTP is not modelled';
  }
  const moe = arch.moe;
  if (moe) {
    for (const [name, value] of Object.entries(moe)) {
      if (typeof value === 'number' && (!Number.isSafeInteger(value) || value < 0))
        return `${name} is ${formatOdd(value)}`;
    }
    if (moe.expertsPerToken > moe.nExperts) {
      return `${moe.expertsPerToken} experts per token exceed the ${moe.nExperts} experts`;
    }
    if (moe.moeLayers !== undefined && moe.moeLayers > arch.nLayers) return 'more MoE layers than layers';
  }
  if (arch.encoderDecoder) {
    for (const [name, value] of Object.entries(arch.encoderDecoder)) {
      if (!Number.isSafeInteger(value) || value < 0) return `${name} is ${formatOdd(value)}`;
    }
  }
  let counts;
  try {
    counts = countParams(arch);
  } catch {
    return 'the parameter math failed';
  }
  for (const [name, value] of Object.entries(counts)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0))
      return `the ${name} count is ${formatOdd(value)}`;
  }
  if (counts.total > MAX_PLAUSIBLE_PARAMS)
    return `the count (${counts.total.toExponential(2)}) is implausibly large`;
  return undefined;
}

/** A value for a message: finite numbers as numbers, the rest spelled out without NaN/Infinity. */
function formatOdd(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'number') return 'not a finite number';
  return 'missing';
}

/** Drop parts of `spec` that hold non-finite or impossible numbers, with a diagnostic each. */
export function sanitizeSpec(spec: RunSpec): RunSpec {
  const problem = architectureProblem(spec);
  if (problem) {
    delete spec.architecture;
    spec.diagnostics.push({
      severity: 'warning',
      code: 'implausible-architecture',
      message: `Parameters are not counted: ${problem}. Check the architecture values.`,
      ...(spec.modelSectionRange ? { range: spec.modelSectionRange } : {}),
    });
  }
  const training = spec.training;
  const tokens = training.tokens;
  if (tokens !== undefined && (!Number.isFinite(tokens) || tokens < 0 || tokens > MAX_PLAUSIBLE_TOKENS)) {
    delete training.tokens;
    delete training.formula;
    training.missing = ['a plausible training length'];
    const duration = spec.trainingSources.duration;
    spec.diagnostics.push({
      severity: 'warning',
      code: 'implausible-tokens',
      message: `Training tokens are not computed: the values give ${Number.isFinite(tokens) ? tokens.toExponential(2) : 'a number too large to represent'} tokens.`,
      ...(duration ? { range: duration.valueRange } : {}),
    });
  }
  // The sequence length feeds the attention FLOPs (and memory): an absurd one is refused where read.
  const seqLen = training.seqLen;
  if (seqLen !== undefined && Number.isFinite(seqLen) && seqLen > MAX_PLAUSIBLE_SEQ_LEN) {
    delete training.seqLen;
    const source = spec.trainingSources.seqLen;
    spec.diagnostics.push({
      severity: 'warning',
      code: 'implausible-value',
      message: `The sequence length ${seqLen.toExponential(2)} is implausible (over ${MAX_PLAUSIBLE_SEQ_LEN.toExponential(0)} tokens); the attention FLOPs are not computed.`,
      ...(source ? { range: source.valueRange } : {}),
    });
  }
  // Secondary training numbers only feed displays; a non-finite one is dropped silently.
  for (const key of ['steps', 'globalBatchSeqs', 'seqLen', 'tokensPerStep', 'gpus'] as const) {
    const value = training[key];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) delete training[key];
  }
  // Text built from overflowed numbers (a 1e308 ratio times d_model) must not show NaN/Infinity.
  spec.assumptions = spec.assumptions.map(scrubNonFinite);
  if (training.formula) training.formula = scrubNonFinite(training.formula);
  for (const diagnostic of spec.diagnostics) diagnostic.message = scrubNonFinite(diagnostic.message);
  const perUnit = training.durationUnit?.tokensPerUnit;
  if (perUnit !== undefined && (!Number.isFinite(perUnit) || perUnit <= 0))
    delete training.durationUnit!.tokensPerUnit;
  return spec;
}

/**
 * Replace NaN/Infinity produced by arithmetic in a message with words; quoted text (`…`, "…", '…')
 * echoes the file and is kept as written.
 */
export function scrubNonFinite(message: string): string {
  return message
    .split(/(`[^`]*`|"[^"]*"|'[^']*')/)
    .map((part, i) =>
      i % 2 ? part : part.replace(/-?\bInfinity\b/g, '(too large)').replace(/\bNaN\b/g, '(not computable)'),
    )
    .join('');
}
