import type { HybridBlock } from '../../../types';

/**
 * Megatron-core hybrid (Mamba-2 / attention / MLP) layer patterns, ported from
 * NVIDIA/Megatron-LM@d98e8a64ddf34856e74b24714e3bedb2f5a39553
 * megatron/core/models/hybrid/hybrid_layer_allocation.py (Symbols, parse_hybrid_pattern,
 * get_hybrid_total_layer_count, pattern_from_ratios) and, for the `--hybrid-attention-ratio` /
 * `--hybrid-mlp-ratio` flags that existed before 7418b1b8fb, `allocate_layers` of
 * megatron/core/ssm/mamba_hybrid_layer_allocation.py at 7418b1b8fb^ (its `_allocate_auto` is the
 * same algorithm as `pattern_from_ratios`).
 */

/** Layer symbols of the pattern (hybrid_layer_allocation.py Symbols.VALID_LAYERS). */
export const HYBRID_SYMBOLS = {
  M: 'Mamba-2',
  G: 'gated delta net',
  '*': 'attention',
  D: 'DeepSeek sparse attention',
  '+': 'multi-latent attention',
  '-': 'MLP',
  E: 'MoE',
} as const;

export type HybridSymbol = keyof typeof HYBRID_SYMBOLS;

/** The symbols the shared hybrid spec counts, and their block kind. */
export const COUNTED_SYMBOLS: Readonly<Partial<Record<HybridSymbol, HybridBlock>>> = {
  M: 'mamba2',
  '*': 'attention',
  '-': 'mlp',
};

export interface ParsedPattern {
  /** Main decoder layers, pipe separators (`|`) removed. */
  layers: string;
  /** MTP depths after `/` (parse_hybrid_pattern), 0 without any. */
  mtpDepths: number;
  mtpPattern?: string;
}

/**
 * parse_hybrid_pattern + get_hybrid_total_layer_count: `main/mtp/mtp…`, `|` only in the main part.
 * Returns a reason string for patterns Megatron raises on (invalid symbol, differing MTP parts).
 */
export function parseHybridPattern(pattern: string): ParsedPattern | string {
  const parts = pattern.split('/');
  const main = parts[0]!;
  const valid = (text: string, pipe: boolean) => {
    for (const char of text) {
      if (!(char in HYBRID_SYMBOLS) && !(pipe && char === '|'))
        return `'${char}' is not a valid layer symbol`;
    }
    if (text.includes('*') && (text.includes('D') || text.includes('+')))
      return 'attention (*) together with MLA/DSA (+/D) is refused';
    return undefined;
  };
  const mainProblem = valid(main, true);
  if (mainProblem) return mainProblem;
  const layers = main.replace(/\|/g, '');
  const mtp = parts.slice(1);
  if (mtp.length === 0 || mtp.every((part) => part === '')) return { layers, mtpDepths: 0 };
  const first = mtp[0]!;
  if (mtp.some((part) => part !== first)) return 'its MTP patterns differ (they must be identical)';
  const mtpProblem = valid(first, false);
  if (mtpProblem) return `in the MTP pattern ${mtpProblem}`;
  return { layers, mtpDepths: mtp.length, mtpPattern: first };
}

/** Python 3 round() of a float to an integer: round half to even. */
export function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * allocate_layers(total, attention_ratio, mlp_ratio) without an override pattern (7418b1b8fb^
 * `_allocate_auto`, d98e8a64 `pattern_from_ratios`): attention evenly spaced, starting and ending
 * with Mamba, then MLP layers evenly among the remaining Mamba layers. The caller checks the asserts
 * (0 ≤ ratios, sum ≤ 1, total > 0).
 */
export function allocateLayers(total: number, attentionRatio: number, mlpRatio: number): string {
  const attentionCount = pythonRound(total * attentionRatio);
  let mambaCount = total - attentionCount;
  const sections = attentionCount + 1;
  const sectionLength = mambaCount / sections;
  const types: string[] = new Array<string>(total).fill('M');
  let x = sectionLength;
  for (let i = 0; i < total; i++) {
    if (x < 0.5) {
      types[i] = '*';
      x += sectionLength;
    } else {
      x -= 1;
    }
  }
  const mlpCount = pythonRound(total * mlpRatio);
  if (mlpCount > 0) {
    mambaCount -= mlpCount;
    const ratio = mambaCount / mlpCount;
    x = ratio;
    for (let i = 0; i < total; i++) {
      if (types[i] === 'M') {
        if (x < 0.5) {
          types[i] = '-';
          x += ratio;
        } else {
          x -= 1;
        }
      }
    }
  }
  return types.join('');
}

/** Count of each symbol in a layer string. */
export function symbolCounts(layers: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const char of layers) counts[char] = (counts[char] ?? 0) + 1;
  return counts;
}
