import { exponentLiteral } from '../edits';
import { findAccelerator } from '../model/hardware';
import type { ComputeBudget } from './budget';

/**
 * Parsers for what people type when they plan: a training budget ("1e23 FLOPs", "50000 GPU-hours",
 * "$2M", "30 days on 512 GPUs"), an inference demand ("2e12 tokens", "1e10 requests × 1000 in +
 * 250 out") and a target loss. Pure; errors are messages (for an input box's validation), never
 * exceptions.
 */

/** A parse result: the value, or a message saying what was expected. */
export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; message: string };

/** A parsed budget, with the accelerator it names when it names one ("512 H100s"). */
export interface ParsedBudget {
  budget: ComputeBudget;
  /** Accelerator id from the hardware table when the text names one; else the settings decide. */
  gpu?: string;
  /** The budget restated ("30 days × 512 GPUs"). */
  description: string;
}

/** A parsed inference demand, in the shapes planInferenceAware takes (minus the target loss). */
export type ParsedDemand =
  | { kind: 'tokens'; inferenceTokens: number; description: string }
  | {
      kind: 'requests';
      requests: number;
      /** Undefined: the planner's default (Sardana et al. 2024's 70 input + 215 output). */
      inputTokensPerRequest?: number;
      outputTokensPerRequest?: number;
      description: string;
    };

/**
 * Magnitude words and suffixes (case-insensitive): SI-style K/M/B/T/P as used for model and token
 * counts (70B, 1.4T), G as a synonym of B (GPU-hour budgets), and the spelled-out words.
 */
const MAGNITUDES: Record<string, number> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mn: 1e6,
  mm: 1e6,
  million: 1e6,
  millions: 1e6,
  b: 1e9,
  bn: 1e9,
  g: 1e9,
  billion: 1e9,
  billions: 1e9,
  t: 1e12,
  trillion: 1e12,
  trillions: 1e12,
  p: 1e15,
  quadrillion: 1e15,
};

/**
 * A number with optional thousands separators (`50,000`, `50_000`, `50 000` is not accepted), an
 * exponent (`1e23`, `1.5×10^23`, `10^23`) and a magnitude (`2M`, `2 million`).
 */
const NUMBER_SOURCE = String.raw`(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?(?:\s*(?:[x×*·]\s*)?10\s*\^\s*[+-]?\d+)?|10\s*\^\s*[+-]?\d+`;
const MAGNITUDE_SOURCE = String.raw`(?:thousand|millions?|billions?|trillions?|quadrillion|mn|mm|bn|[kmbgtp])(?![a-z])`;
const AMOUNT_SOURCE = String.raw`(${NUMBER_SOURCE})\s*(${MAGNITUDE_SOURCE})?`;

/** Parse an amount: "2M", "1.4T", "50,000", "1e23", "1.5×10^23", "2 million". Undefined when it is not one. */
export function parseAmount(text: string): number | undefined {
  const match = new RegExp(`^\\s*${AMOUNT_SOURCE}\\s*$`, 'i').exec(text);
  return match ? amountOf(match[1], match[2]) : undefined;
}

function amountOf(number: string, magnitude: string | undefined): number | undefined {
  let value: number;
  const power = /^(.*?)\s*(?:[x×*·]\s*)?10\s*\^\s*([+-]?\d+)$/i.exec(number);
  if (power) {
    // Through the literal "1.5e23" (not 1.5 × 10**23) so the value is the nearest double.
    const mantissa = power[1].trim() === '' ? '1' : power[1].replace(/[,_]/g, '');
    value = Number(`${mantissa}e${Number(power[2])}`);
  } else {
    value = Number(number.replace(/[,_]/g, ''));
  }
  if (magnitude) value *= MAGNITUDES[magnitude.toLowerCase()];
  return Number.isFinite(value) ? value : undefined;
}

/** An accelerator name in a budget ("H100s", "A100-80GB"), as its table id. */
function acceleratorId(word: string | undefined): string | undefined {
  if (!word) return undefined;
  const name = word.trim().replace(/s$/i, '');
  return findAccelerator(name)?.id ?? findAccelerator(word.trim())?.id;
}

const AMOUNT = AMOUNT_SOURCE;
/** "GPUs", "GPU", "devices", "chips", or an accelerator name ("H100s"). */
const DEVICES = String.raw`(gpus?|devices?|chips?|accelerators?|[a-z][\w.-]*?)`;
/** Time units of a wall-clock budget, in days. */
const DAYS_PER_UNIT: Record<string, number> = {
  d: 1,
  day: 1,
  days: 1,
  w: 7,
  wk: 7,
  week: 7,
  weeks: 7,
  h: 1 / 24,
  hr: 1 / 24,
  hrs: 1 / 24,
  hour: 1 / 24,
  hours: 1 / 24,
};
const TIME_UNIT = String.raw`(days?|d|weeks?|wks?|w|hours?|hrs?|h)`;

/** The shapes a budget may take, tried in order; each returns a budget or a message. */
const BUDGET_PATTERNS: { pattern: RegExp; read: (m: RegExpExecArray) => ParseOutcome<ParsedBudget> }[] = [
  {
    // "30 days on 512 GPUs", "30 days × 512 H100s", "2 weeks with 64 gpus", "720 hours on 512 GPUs"
    pattern: new RegExp(
      String.raw`^${AMOUNT}\s*${TIME_UNIT}\s*(?:on|with|using|across|over|[x×*])\s*${AMOUNT}\s*${DEVICES}$`,
      'i',
    ),
    read: (m) => wallClock(m[1], m[2], m[3], m[4], m[5], m[6]),
  },
  {
    // "512 GPUs for 30 days", "512 H100s × 30 days"
    pattern: new RegExp(String.raw`^${AMOUNT}\s*${DEVICES}\s*(?:for|[x×*])\s*${AMOUNT}\s*${TIME_UNIT}$`, 'i'),
    read: (m) => wallClock(m[4], m[5], m[6], m[1], m[2], m[3]),
  },
  {
    // "50000 GPU-hours", "50k gpu hours", "50,000 GPU-h", "50000 H100-hours"
    pattern: new RegExp(String.raw`^${AMOUNT}\s*([a-z][\w.-]*?)[\s-]*(?:hours?|hrs?|h)$`, 'i'),
    read: (m) => {
      const gpuHours = amountOf(m[1], m[2]);
      const device = m[3];
      const gpu = /^(gpus?|devices?|chips?|accelerators?)$/i.test(device) ? undefined : acceleratorId(device);
      if (!gpu && !/^(gpus?|devices?|chips?|accelerators?)$/i.test(device))
        return fail(
          `Unknown accelerator "${device}" in "${device}-hours"; write GPU-hours or a known GPU (H100-hours).`,
        );
      if (!isPositive(gpuHours)) return fail('The number of GPU-hours must be positive.');
      return ok({ gpuHours }, `${formatNumber(gpuHours)} ${gpu ?? 'GPU'}-hours`, gpu);
    },
  },
  {
    // "$2M", "$ 2,000,000", "US$1.5M", "$2 million"
    pattern: new RegExp(String.raw`^(?:us)?\$\s*${AMOUNT}(?:\s*(?:usd|dollars?))?$`, 'i'),
    read: (m) => dollars(amountOf(m[1], m[2])),
  },
  {
    // "2e6 USD", "2M dollars", "2 million usd"
    pattern: new RegExp(String.raw`^${AMOUNT}\s*(?:usd|dollars?|\$)$`, 'i'),
    read: (m) => dollars(amountOf(m[1], m[2])),
  },
  {
    // "1e23", "1e23 FLOPs", "5.88e23 flop", "1.5×10^23 FLOPs"
    pattern: new RegExp(String.raw`^${AMOUNT}\s*(?:flops?|flop\(s\))?$`, 'i'),
    read: (m) => {
      const flops = amountOf(m[1], m[2]);
      if (!isPositive(flops)) return fail('The FLOP budget must be positive.');
      return ok({ flops }, `${exponentLiteral(flops, 4)} FLOPs`);
    },
  },
];

/**
 * Parse a training budget: FLOPs ("1e23", "1e23 FLOPs"), GPU-hours ("50000 GPU-hours"), dollars
 * ("$2M", "2e6 USD") or wall-clock ("30 days on 512 GPUs", "512 H100s for 2 weeks").
 */
export function parseBudget(text: string): ParseOutcome<ParsedBudget> {
  const input = text.trim().replace(/\s+/g, ' ');
  if (input === '') return fail(BUDGET_EXAMPLES);
  // A leading minus is a sign, not garbage: say what is wrong with it.
  if (/^-\s*[\d.$]/.test(input)) return fail('The budget must be positive.');
  for (const { pattern, read } of BUDGET_PATTERNS) {
    const match = pattern.exec(input);
    if (match) return read(match);
  }
  return fail(`Cannot read "${input}" as a budget. ${BUDGET_EXAMPLES}`);
}

/** Examples shown when a budget cannot be read. */
export const BUDGET_EXAMPLES =
  'Give FLOPs ("1e23" or "1e23 FLOPs"), GPU-hours ("50000 GPU-hours"), dollars ("$2M" or "2e6 USD") or time on GPUs ("30 days on 512 GPUs").';

function wallClock(
  timeNumber: string,
  timeMagnitude: string | undefined,
  timeUnit: string,
  gpuNumber: string,
  gpuMagnitude: string | undefined,
  device: string,
): ParseOutcome<ParsedBudget> {
  const days = (amountOf(timeNumber, timeMagnitude) ?? NaN) * DAYS_PER_UNIT[timeUnit.toLowerCase()];
  const gpus = amountOf(gpuNumber, gpuMagnitude);
  const generic = /^(gpus?|devices?|chips?|accelerators?)$/i.test(device);
  const gpu = generic ? undefined : acceleratorId(device);
  if (!generic && !gpu) return fail(`Unknown accelerator "${device}"; write GPUs or a known GPU (H100s).`);
  if (!isPositive(days)) return fail('The time must be positive.');
  if (!isPositive(gpus) || !Number.isInteger(gpus))
    return fail('The GPU count must be a positive whole number.');
  return ok(
    { days, gpus },
    `${formatNumber(days)} days × ${gpus} ${gpu ?? 'GPU'}${gpus === 1 ? '' : 's'}`,
    gpu,
  );
}

function dollars(usd: number | undefined): ParseOutcome<ParsedBudget> {
  if (!isPositive(usd)) return fail('The dollar budget must be positive.');
  return ok({ usd }, `$${formatNumber(usd)}`);
}

function ok(budget: ComputeBudget, description: string, gpu?: string): ParseOutcome<ParsedBudget> {
  return { ok: true, value: { budget, description, ...(gpu ? { gpu } : {}) } };
}

function fail<T>(message: string): ParseOutcome<T> {
  return { ok: false, message };
}

function isPositive(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/** 50000 → "50,000"; 2e6 → "2,000,000"; 1.5 → "1.5"; huge values in exponent form. */
function formatNumber(value: number): string {
  if (value >= 1e15) return exponentLiteral(value, 4);
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** Examples shown when a demand cannot be read. */
export const DEMAND_EXAMPLES =
  'Give lifetime inference tokens ("2e12 tokens") or requests with tokens per request ("1e10 requests × 1000 in + 250 out").';

const TOKENS_WORD = String.raw`(?:\s*tokens?)?`;
// Longest alternatives first and a word end, so "input" is not read as "in" + "put".
const INPUT_WORD = String.raw`(?:inputs?|prompt|prefill|in)(?![a-z])`;
const OUTPUT_WORD = String.raw`(?:outputs?|generated|completion|decode|out)(?![a-z])`;
const REQUESTS_WORD = String.raw`(?:requests?|reqs?|queries|calls)`;

/**
 * Parse an inference demand: a token total ("2e12 tokens", "2T", "2e12") or requests with an average
 * request ("1e10 requests × 1000 in + 250 out", "1e10 requests x (1000 input + 250 output tokens)";
 * "1e10 requests" alone uses the planner's default request).
 */
export function parseInferenceDemand(text: string): ParseOutcome<ParsedDemand> {
  const input = text.trim().replace(/\s+/g, ' ');
  if (input === '') return fail(DEMAND_EXAMPLES);
  const tokens = new RegExp(String.raw`^${AMOUNT}${TOKENS_WORD}$`, 'i').exec(input);
  if (tokens) {
    const inferenceTokens = amountOf(tokens[1], tokens[2]);
    if (!isPositive(inferenceTokens)) return fail('The number of inference tokens must be positive.');
    return {
      ok: true,
      value: {
        kind: 'tokens',
        inferenceTokens,
        description: `${exponentLiteral(inferenceTokens, 4)} inference tokens`,
      },
    };
  }
  const requests = new RegExp(String.raw`^${AMOUNT}\s*${REQUESTS_WORD}\s*(.*)$`, 'i').exec(input);
  if (!requests) return fail(`Cannot read "${input}" as an inference demand. ${DEMAND_EXAMPLES}`);
  const count = amountOf(requests[1], requests[2]);
  if (!isPositive(count)) return fail('The number of requests must be positive.');
  const rest = requests[3].trim();
  if (rest === '') {
    return {
      ok: true,
      value: { kind: 'requests', requests: count, description: `${exponentLiteral(count, 4)} requests` },
    };
  }
  const mix = parseRequestMix(rest);
  if (!mix.ok) return mix;
  const { input: inputTokens, output: outputTokens } = mix.value;
  return {
    ok: true,
    value: {
      kind: 'requests',
      requests: count,
      inputTokensPerRequest: inputTokens,
      outputTokensPerRequest: outputTokens,
      description: `${exponentLiteral(count, 4)} requests × (${inputTokens} input + ${outputTokens} output tokens)`,
    },
  };
}

/** "× 1000 in + 250 out", "x (250 output, 1000 input tokens)", "of 1000 in / 250 out". */
function parseRequestMix(text: string): ParseOutcome<{ input: number; output: number }> {
  const body = text
    .replace(/^(?:[x×*]|of|with|at|each)\s*/i, '')
    .replace(/^\((.*)\)$/, '$1')
    .replace(/\s*(?:tokens?)?\s*(?:each|per request|\/\s*request)?$/i, '')
    .trim();
  const part = (word: string) =>
    new RegExp(String.raw`${AMOUNT}${TOKENS_WORD}\s*${word}${TOKENS_WORD}|${word}\s*[:=]?\s*${AMOUNT}`, 'i');
  const inputMatch = part(INPUT_WORD).exec(body);
  const outputMatch = part(OUTPUT_WORD).exec(body);
  if (!inputMatch || !outputMatch)
    return fail(
      `Give both input and output tokens per request, e.g. "1e10 requests × 1000 in + 250 out" (got "${text}").`,
    );
  const read = (m: RegExpExecArray) => amountOf(m[1] ?? m[3], m[1] !== undefined ? m[2] : m[4]);
  const inputTokens = read(inputMatch);
  const outputTokens = read(outputMatch);
  const leftover = body
    .replace(inputMatch[0], '')
    .replace(outputMatch[0], '')
    .replace(/[\s+,/&]|and/gi, '');
  if (leftover !== '') return fail(`Cannot read "${text}" as input and output tokens per request.`);
  if (inputTokens === undefined || outputTokens === undefined || inputTokens < 0 || outputTokens < 0)
    return fail('Tokens per request must be non-negative.');
  if (inputTokens + outputTokens <= 0) return fail('A request needs some input or output tokens.');
  return { ok: true, value: { input: inputTokens, output: outputTokens } };
}

/** Largest loss accepted as a target (nats/token; random guessing over a 256k vocabulary is ~12.5). */
const MAX_TARGET_LOSS = 20;

/** Parse a target loss in nats/token: a positive number below 20. */
export function parseTargetLoss(text: string): ParseOutcome<number> {
  const value = parseAmount(text.replace(/\s*nats?(?:\s*\/\s*token)?$/i, ''));
  if (value === undefined) return fail('Give the target loss as a number of nats per token, e.g. 2.1.');
  if (!(value > 0) || value >= MAX_TARGET_LOSS)
    return fail(`The target loss must be between 0 and ${MAX_TARGET_LOSS} nats/token.`);
  return { ok: true, value };
}

/** Examples shown when a unique-token count cannot be read. */
export const UNIQUE_TOKENS_EXAMPLES =
  'Give the unique tokens of the dataset (one epoch), e.g. "100B", "2.5e11 tokens" or "1.4 trillion".';

/**
 * Parse the unique tokens of a dataset for the data-constrained plan: an amount with an optional
 * "tokens" ("100B", "2.5e11 tokens"). At least one token; "100B" is 1e11 (SI, as token counts are
 * written).
 */
export function parseUniqueTokens(text: string): ParseOutcome<number> {
  const input = text.trim().replace(/\s+/g, ' ');
  if (input === '') return fail(UNIQUE_TOKENS_EXAMPLES);
  if (/^-\s*[\d.]/.test(input)) return fail('The number of unique tokens must be positive.');
  const match = new RegExp(String.raw`^${AMOUNT}${TOKENS_WORD}(?:\s*unique)?$`, 'i').exec(input);
  const value = match ? amountOf(match[1], match[2]) : undefined;
  if (value === undefined) return fail(`Cannot read "${input}" as a token count. ${UNIQUE_TOKENS_EXAMPLES}`);
  if (!(value >= 1)) return fail('The number of unique tokens must be at least 1.');
  return { ok: true, value };
}
