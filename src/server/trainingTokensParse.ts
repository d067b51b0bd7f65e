/**
 * Parse a training-token count as a user types it into the quick fix's input box: `2e12`, `2T`,
 * `300B`, `1,000,000`, `1.5 T tokens`. Pure (the client validates with it, the server re-checks).
 */
const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12, q: 1e15 };

/** At most 1e17 tokens: ~50× the largest published pretraining run; beyond is a typo. */
export const MAX_TRAINING_TOKENS = 1e17;

/** The token count, or a message saying what is wrong (never throws, never NaN). */
export function parseTrainingTokens(
  text: string,
): { ok: true; tokens: number } | { ok: false; message: string } {
  const cleaned = text
    .trim()
    .replace(/\s*tokens?$/i, '')
    .replace(/[,_\s]/g, '');
  const match = /^(\d+(?:\.\d+)?(?:e\+?\d+)?)([kmbgtq])?$/i.exec(cleaned);
  if (!match) return { ok: false, message: 'A token count, e.g. 2e12, 2T, 300B or 1,000,000.' };
  const tokens = Math.round(Number(match[1]) * (match[2] ? SUFFIX[match[2].toLowerCase()]! : 1));
  if (!Number.isFinite(tokens) || tokens < 1) return { ok: false, message: 'At least one token.' };
  if (tokens > MAX_TRAINING_TOKENS)
    return {
      ok: false,
      message: `More than ${MAX_TRAINING_TOKENS.toExponential(0)} tokens: check the number.`,
    };
  return { ok: true, tokens };
}
