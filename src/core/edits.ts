/**
 * Text edits that rewrite a run config's training length in the file's own units. Pure: the server
 * turns the result into an LSP WorkspaceEdit that replaces only the value's range, so comments and
 * formatting around it survive and the editor's undo reverts it in one step.
 */
import type { DurationUnit, FieldSource, SourceRange } from './types';

/** One replacement of a source range. */
export interface TextReplacement {
  range: SourceRange;
  newText: string;
}

/** A computed duration edit: what to write, and what it means in tokens after rounding. */
export interface DurationEdit {
  edit: TextReplacement;
  /** The value written, in the duration key's unit (tokens, steps, samples or epochs). */
  unitValue: number;
  unitKind: DurationUnit['kind'];
  /** Tokens the written value stands for (differs from the target by the rounding). */
  tokens: number;
}

/** Why an edit could not be computed (shown nowhere: the caller just offers no fix). */
export type DurationEditResult = { ok: true; value: DurationEdit } | { ok: false; reason: string };

/** Significant digits kept when writing a token count (2.49e9, not 2486734112). */
const TOKEN_SIGNIFICANT_DIGITS = 3;

/**
 * The edit that sets a duration key to (about) `targetTokens`, in the key's unit:
 * tokens are rounded to 3 significant digits (OLMo `2.49e9T`, LitGPT `2490000000`), steps and
 * samples to the nearest whole unit of `tokensPerUnit`, epochs to two decimals. The number's
 * spelling follows the original value (exponent, `_` grouping, quotes, unit suffix).
 */
export function durationEditForTokens(
  source: FieldSource,
  unit: DurationUnit,
  targetTokens: number,
): DurationEditResult {
  if (!(Number.isFinite(targetTokens) && targetTokens > 0))
    return { ok: false, reason: 'target tokens must be positive' };
  const { quote, inner } = splitQuotes(source.raw);
  const style = numberStyle(inner, unit.suffix);
  let unitValue: number;
  let body: string;
  switch (unit.kind) {
    case 'tokens': {
      const perUnit = unit.tokensPerUnit && unit.tokensPerUnit > 0 ? unit.tokensPerUnit : 1;
      unitValue = roundSignificant(targetTokens / perUnit, TOKEN_SIGNIFICANT_DIGITS);
      // Suffixed token strings (OLMo "2e12T") are parsed with float(), so the exponent form is safe
      // and readable; bare YAML 1.1 numbers must stay integers (`2e12` would be a string there).
      body =
        style.exponent || (unit.suffix !== '' && unitValue >= 1e6)
          ? exponentLiteral(unitValue)
          : integerLiteral(unitValue, style.grouped);
      break;
    }
    case 'steps':
    case 'samples': {
      if (!(unit.tokensPerUnit && unit.tokensPerUnit > 0))
        return { ok: false, reason: `tokens per ${unit.kind === 'steps' ? 'step' : 'sample'} unknown` };
      unitValue = Math.max(1, Math.round(targetTokens / unit.tokensPerUnit));
      // Always an integer: step counts feed range()/int fields, where 5.06e3 would be a float or a string.
      body = integerLiteral(unitValue, style.grouped);
      break;
    }
    case 'epochs': {
      if (!(unit.tokensPerUnit && unit.tokensPerUnit > 0))
        return { ok: false, reason: 'tokens per epoch unknown' };
      unitValue = Math.max(0.01, Math.round((targetTokens / unit.tokensPerUnit) * 100) / 100);
      body = String(unitValue);
      break;
    }
  }
  const tokens = unitValue * (unit.tokensPerUnit && unit.tokensPerUnit > 0 ? unit.tokensPerUnit : 1);
  // Keep the quotes when the source had them or when the unit suffix makes the value a string.
  const q = quote ?? (unit.quoted ? '"' : '');
  return {
    ok: true,
    value: {
      edit: { range: source.valueRange, newText: `${q}${body}${unit.suffix}${q}` },
      unitValue,
      unitKind: unit.kind,
      tokens,
    },
  };
}

/** `value` rounded to `digits` significant digits. */
export function roundSignificant(value: number, digits: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** 2490000000 → "2.49e9", 2e12 → "2e12" (no "+", no trailing zeros). */
export function exponentLiteral(value: number, digits = TOKEN_SIGNIFICANT_DIGITS): string {
  const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return `${trimmed}e${Number(exponent)}`;
}

/** 739328 → "739328", or "739_328" when the file groups digits with underscores. */
export function integerLiteral(value: number, grouped: boolean): string {
  const digits = Math.round(value).toString();
  return grouped ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, '_') : digits;
}

function splitQuotes(raw: string): { quote: string | undefined; inner: string } {
  const trimmed = raw.trim();
  const first = trimmed[0];
  if ((first === '"' || first === "'") && trimmed.length >= 2 && trimmed.endsWith(first)) {
    return { quote: first, inner: trimmed.slice(1, -1) };
  }
  return { quote: undefined, inner: trimmed };
}

function numberStyle(inner: string, suffix: string): { exponent: boolean; grouped: boolean } {
  const number = suffix && inner.endsWith(suffix) ? inner.slice(0, -suffix.length) : inner;
  return { exponent: /^[\d._]+[eE][+-]?\d+$/.test(number.trim()), grouped: /\d_\d/.test(number) };
}

/**
 * Keys that set the length of the learning-rate decay. When one of them holds the same value as the
 * duration key (nanoGPT `lr_decay_iters = max_iters`, Megatron `--lr-decay-iters` = `--train-iters`,
 * `--lr-decay-samples` = `--train-samples`), the schedule was tied to the run length, so it must
 * follow an edit of the run length or the LR would finish decaying at the wrong step.
 */
const LR_DECAY_KEYS = [
  'lr_decay_iters',
  'lr-decay-iters',
  'lr_decay_samples',
  'lr-decay-samples',
  'lr_decay_tokens',
  'lr-decay-tokens',
  'lr_decay_steps',
  'decay_steps',
] as const;

const LR_DECAY_PATTERN = new RegExp(
  `(?:^|[\\s,{("'])(?:--)?(${LR_DECAY_KEYS.map((k) => k.replace(/-/g, '\\-')).join('|')})["']?(\\s*[:=]\\s*|\\s+)(["']?)([^\\s,"'#}\\\\)]+)\\3`,
  'g',
);

/**
 * Replacements that keep LR-decay keys equal to the duration value when they were equal before the
 * edit. `text` is the whole document, `duration` the duration key's source and `newValueText` the
 * value the duration edit writes (quotes are not copied: each key keeps its own quoting).
 */
export interface LrDecayEdit extends TextReplacement {
  /** The LR-decay key as written. */
  key: string;
  /** Offsets of the replaced value in `text`. */
  start: number;
  end: number;
}

export function lrScheduleCompanionEdits(
  text: string,
  duration: FieldSource,
  newValueText: string,
  positionAt: (offset: number) => SourceRange['start'],
): LrDecayEdit[] {
  const oldValue = splitQuotes(duration.raw).inner.trim();
  const newValue = splitQuotes(newValueText).inner.trim();
  if (!oldValue || oldValue === newValue) return [];
  const replacements: LrDecayEdit[] = [];
  for (const match of text.matchAll(LR_DECAY_PATTERN)) {
    if (match[4] !== oldValue) continue;
    const start = match.index! + match[0].length - match[4].length - match[3].length;
    const end = start + match[4].length;
    replacements.push({
      key: match[1],
      start,
      end,
      range: { start: positionAt(start), end: positionAt(end) },
      newText: newValue,
    });
  }
  return replacements;
}

/**
 * Warmup lengths counted in the same unit as a step-based duration (nanoGPT `warmup_iters`, Megatron
 * `--lr-warmup-iters`, HF/torchtitan `warmup_steps`, OLMo `t_warmup`, LitGPT `lr_warmup_steps`).
 */
const WARMUP_KEYS = [
  'warmup_iters',
  'lr-warmup-iters',
  'lr_warmup_iters',
  'warmup_steps',
  'lr_warmup_steps',
  'lr-warmup-steps',
  'num_warmup_steps',
  't_warmup',
] as const;

const WARMUP_PATTERN = new RegExp(
  `(?:^|[\\s,{("'])(?:--)?(${WARMUP_KEYS.map((k) => k.replace(/-/g, '\\-')).join('|')})["']?(\\s*[:=]\\s*|\\s+)(["']?)(\\d[\\d_]*)\\3(?![\\w.])`,
  'g',
);

/**
 * Replacements that keep a warmup inside a shortened run: when the new step count no longer exceeds
 * a warmup written in steps, the warmup is scaled by the same factor as the run (at least 1 step),
 * so a fix never leaves a schedule that warms up longer than it trains. Longer runs keep the warmup.
 */
export function warmupCompanionEdits(
  text: string,
  duration: FieldSource,
  newValueText: string,
  positionAt: (offset: number) => SourceRange['start'],
): LrDecayEdit[] {
  const oldSteps = Number(splitQuotes(duration.raw).inner.trim().replace(/_/g, ''));
  const newSteps = Number(splitQuotes(newValueText).inner.trim().replace(/_/g, ''));
  if (!(oldSteps > 0) || !(newSteps > 0) || newSteps >= oldSteps) return [];
  const replacements: LrDecayEdit[] = [];
  for (const match of text.matchAll(WARMUP_PATTERN)) {
    const warmup = Number(match[4]!.replace(/_/g, ''));
    if (!(warmup >= newSteps)) continue;
    const scaled = Math.max(1, Math.round((warmup * newSteps) / oldSteps));
    const start = match.index! + match[0].length - match[4]!.length - match[3]!.length;
    const end = start + match[4]!.length;
    replacements.push({
      key: match[1]!,
      start,
      end,
      range: { start: positionAt(start), end: positionAt(end) },
      newText: String(scaled),
    });
  }
  return replacements;
}
