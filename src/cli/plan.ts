import { formatCount, formatHours, formatScientific, formatUsd } from '../core/format';
import { DEFAULT_LAW_ID, findPublishedLaw, PUBLISHED_LAWS, type ScalingLaw } from '../core/laws/published';
import type { Precision } from '../core/model/hardware';
import {
  planDataConstrained,
  planHyperparameters,
  type DataConstrainedPlan,
  type PlanHyperparameters,
  DEFAULT_COST_MODEL,
  DEFAULT_REQUEST_TOKENS,
  DEFAULT_TRAINING_HARDWARE,
  planComputeOptimal,
  planInferenceAware,
  suggestArchitecture,
  type ArchitectureSuggestion,
  type ComputeBudget,
  type ComputeOptimalPlan,
  type CostModel,
  type InferenceAwarePlan,
  type InferenceDemand,
  type PlannedModel,
  type PlanOutcome,
} from '../core/plan';
import { parseBudget } from '../core/plan/parseBudget';
import type { CoreDiagnostic } from '../core/types';
import { parseFlags, type FlagSpec } from './flags';

/**
 * `scaling-lens plan`: compute-optimal runs for a budget, and inference-aware / cost-optimal runs
 * for a target loss and an inference demand. Parses and validates flags, calls src/core/plan, and
 * formats; no planning math here.
 */

/** Machine-readable shape of one model in `plan --json` (N in the law's convention). */
export interface PlanModelJson {
  N: number;
  D: number;
  /** Training FLOPs for a budget plan; training + inference FLOPs for an inference-aware plan. */
  flops: number;
  /** Dollars for the same FLOPs; null when the training GPU has no price. */
  usd: number | null;
  tokensPerParam: number;
  loss: number;
}

/** Architecture suggestion as printed by `plan --json`. */
export interface ArchitectureJson {
  nLayers: number;
  dModel: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  ffnSize: number;
  vocabSize: number;
  params: number;
  nonEmbeddingParams: number;
  relativeError: number;
  aspectRatio: number;
  hfConfig: Record<string, unknown>;
}

// Every numeric flag is read as text so magnitudes (70B, 1.4T), "$1.40" and "50%" are accepted.
const FLAGS: FlagSpec = {
  help: 'boolean',
  json: 'boolean',
  law: 'string',
  'budget-flops': 'string',
  'budget-gpu-hours': 'string',
  'budget-usd': 'string',
  'budget-days': 'string',
  budget: 'string',
  gpus: 'string',
  'unique-tokens': 'string',
  'seq-len': 'string',
  loss: 'string',
  'inference-tokens': 'string',
  requests: 'string',
  'input-tokens': 'string',
  'output-tokens': 'string',
  'train-gpu': 'string',
  'train-precision': 'string',
  'train-usd-per-gpu-hour': 'string',
  'train-mfu': 'string',
  'inference-gpu': 'string',
  'inference-precision': 'string',
  'inference-usd-per-gpu-hour': 'string',
  'prefill-mfu': 'string',
  'decode-mfu': 'string',
  vocab: 'string',
};

const BUDGET_FLAGS = ['budget-flops', 'budget-gpu-hours', 'budget-usd', 'budget-days', 'budget'] as const;
const INFERENCE_ONLY_FLAGS = [
  'inference-tokens',
  'requests',
  'input-tokens',
  'output-tokens',
  'inference-gpu',
  'inference-precision',
  'inference-usd-per-gpu-hour',
  'prefill-mfu',
  'decode-mfu',
] as const;
const PRECISIONS: readonly Precision[] = ['bf16', 'fp8', 'int8'];

/** Magnitude suffixes accepted on numeric flags (case-insensitive). */
const MAGNITUDES: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12, p: 1e15 };

export const PLAN_USAGE = `Usage:
  scaling-lens plan [--law NAME] --budget-flops C | --budget-gpu-hours H | --budget-usd U | --budget-days D --gpus K | --budget TEXT
                    [--unique-tokens U] [--seq-len S] [--train-gpu ${DEFAULT_TRAINING_HARDWARE.gpu} --train-precision ${DEFAULT_TRAINING_HARDWARE.precision} --train-mfu ${DEFAULT_TRAINING_HARDWARE.mfu} --train-usd-per-gpu-hour P] [--json]
  scaling-lens plan [--law NAME] --loss L --inference-tokens T [cost flags] [--json]
  scaling-lens plan [--law NAME] --loss L --requests R [--input-tokens I --output-tokens O] [cost flags] [--json]

Budget plans give the compute-optimal N*, D*, tokens/param and loss (Hoffmann et al. 2022), and the
learning rate and global batch of DeepSeek-AI 2024 (C = M·D, M non-embedding FLOPs/token) and of the
Step Law (Li et al. 2025; non-embedding N, D) for the suggested shape; --seq-len adds M's attention term.
--budget takes the editor's budget text ("1e22 FLOPs", "50000 GPU-hours", "$2M", "30 days on 512 GPUs").
--unique-tokens U adds the data-constrained optimum with U unique tokens (Muennighoff et al. 2023):
N, D, epochs and loss, beside the Chinchilla optimum under the same constants.
--inference-tokens minimizes training + inference FLOPs (6·N·D + 2·N·T) at the target loss;
--requests minimizes dollars with separate prefill and decode prices and utilizations
(Sardana et al. 2024). Both compare with the Chinchilla-optimal model of the same loss.

Cost flags (defaults from Sardana et al. 2024's cost_optimal.py):
  --train-gpu ${DEFAULT_COST_MODEL.trainGpu}  --train-precision ${DEFAULT_COST_MODEL.trainPrecision}  --train-mfu ${DEFAULT_COST_MODEL.trainMfu}  --train-usd-per-gpu-hour (table price)
  --inference-gpu ${DEFAULT_COST_MODEL.inferenceGpu}  --inference-precision ${DEFAULT_COST_MODEL.inferencePrecision}  --inference-usd-per-gpu-hour (table price)
  --prefill-mfu ${DEFAULT_COST_MODEL.prefillMfu}  --decode-mfu ${DEFAULT_COST_MODEL.decodeMfu}
  Requests default to ${DEFAULT_REQUEST_TOKENS.input} input + ${DEFAULT_REQUEST_TOKENS.output} output tokens.
GPUs: A100-40GB, A100-80GB, H100, H200, B200, MI300X, TPU-v5e, TPU-v5p. Precisions: bf16, fp8, int8.
--vocab V sets the vocabulary of the architecture suggestion (default 32000).
Numbers accept exponents and K/M/B/T suffixes (5.88e23, 70B, 1.4T). Laws: ${PUBLISHED_LAWS.map((l) => l.id).join(', ')} (default ${DEFAULT_LAW_ID}).`;

class UsageError extends Error {}

/**
 * Run `scaling-lens plan`. Returns the exit code: 0 ok, 2 for invalid flags or inputs (the
 * message says which), 1 when the planner finds no solution.
 */
export function runPlanCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  const parsed = parseFlags(args, FLAGS);
  if ('error' in parsed) {
    err(`${parsed.error}\n\n${PLAN_USAGE}`);
    return 2;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    out(PLAN_USAGE);
    return 0;
  }
  try {
    if (positional.length > 0) throw new UsageError(`Unexpected argument "${positional[0]}".`);
    return runPlan(flags, out, err);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`scaling-lens plan: ${error.message}\nRun "scaling-lens plan --help" for the options.`);
    return 2;
  }
}

type Flags = Record<string, string | number | boolean | string[]>;

function runPlan(flags: Flags, out: (s: string) => void, err: (s: string) => void): number {
  const lawId = stringFlag(flags, 'law') ?? DEFAULT_LAW_ID;
  const law = findPublishedLaw(lawId);
  if (!law) {
    throw new UsageError(
      `Unknown law "${lawId}"; choose one of ${PUBLISHED_LAWS.map((l) => l.id).join(', ')}.`,
    );
  }
  const budgets = BUDGET_FLAGS.filter((name) => flags[name] !== undefined);
  const hasLoss = flags.loss !== undefined;
  if (budgets.length > 1) {
    throw new UsageError(`Give one budget, not ${budgets.map((b) => `--${b}`).join(' and ')}.`);
  }
  if (budgets.length === 1 && hasLoss) {
    throw new UsageError(
      `--${budgets[0]} plans for a budget and --loss for a target loss; give one of them.`,
    );
  }
  const vocabSize = numberFlag(flags, 'vocab', { integer: true });
  const json = flags.json === true;

  if (budgets.length === 1) {
    const misplaced = INFERENCE_ONLY_FLAGS.filter((name) => flags[name] !== undefined);
    if (misplaced.length > 0) {
      throw new UsageError(`--${misplaced[0]} applies only to inference-aware plans (--loss).`);
    }
    const { budget, gpu: budgetGpu } = readBudget(flags, budgets[0]);
    const plan = planComputeOptimal(law, budget, {
      gpu: stringFlag(flags, 'train-gpu') ?? budgetGpu,
      precision: precisionFlag(flags, 'train-precision'),
      mfu: numberFlag(flags, 'train-mfu', { fraction: true }),
      usdPerGpuHour: numberFlag(flags, 'train-usd-per-gpu-hour'),
    });
    if (!plan.ok) return fail(plan, err);
    const architecture = suggest(law, plan.value.params, vocabSize);
    const seqLen = numberFlag(flags, 'seq-len', { positive: true, integer: true });
    const hyperparameters = planHyperparameters({
      params: plan.value.params,
      tokens: plan.value.tokens,
      paramConvention: law.paramConvention,
      ...(architecture ? { architecture } : {}),
      ...(seqLen ? { seqLen } : {}),
    });
    const uniqueTokens = numberFlag(flags, 'unique-tokens', { positive: true });
    let constrained: { json: DataConstrainedJson; hyperparameters: PlanHyperparameters } | undefined;
    if (uniqueTokens !== undefined) {
      const result = planDataConstrained(law, plan.value.flops, uniqueTokens);
      if (!result.ok) return fail(result, err);
      constrained = dataConstrainedJson(result.value, vocabSize, seqLen);
    }
    if (json)
      out(
        JSON.stringify(
          {
            ...computeOptimalJson(law, plan.value, architecture),
            hyperparameters: hyperparametersJson(hyperparameters),
            ...(constrained ? { dataConstrained: constrained.json } : {}),
          },
          null,
          2,
        ),
      );
    else
      out(
        [
          formatComputeOptimal(law, plan.value, architecture),
          ...formatHyperparameters(hyperparameters),
          ...(constrained ? formatDataConstrained(constrained.json, constrained.hyperparameters) : []),
        ].join('\n'),
      );
    return 0;
  }

  if (!hasLoss) {
    throw new UsageError(
      'Give a budget (--budget-flops, --budget-gpu-hours, --budget-usd, --budget-days, --budget) or --loss.',
    );
  }
  if (flags.gpus !== undefined) throw new UsageError('--gpus applies only with --budget-days.');
  if (flags['unique-tokens'] !== undefined)
    throw new UsageError('--unique-tokens applies only to budget plans (the data-constrained optimum).');
  const plan = planInferenceAware(law, readDemand(flags));
  if (!plan.ok) return fail(plan, err);
  const architecture = suggest(law, plan.value.optimal.params, vocabSize);
  const seqLen = numberFlag(flags, 'seq-len', { positive: true, integer: true });
  const hyperparameters = planHyperparameters({
    params: plan.value.optimal.params,
    tokens: plan.value.optimal.tokens,
    paramConvention: law.paramConvention,
    ...(architecture ? { architecture } : {}),
    ...(seqLen ? { seqLen } : {}),
  });
  if (json)
    out(
      JSON.stringify(
        {
          ...inferenceAwareJson(law, plan.value, architecture),
          hyperparameters: hyperparametersJson(hyperparameters),
        },
        null,
        2,
      ),
    );
  else
    out(
      [formatInferenceAware(law, plan.value, architecture), ...formatHyperparameters(hyperparameters)].join(
        '\n',
      ),
    );
  return 0;
}

function readBudget(
  flags: Flags,
  name: (typeof BUDGET_FLAGS)[number],
): { budget: ComputeBudget; gpu?: string } {
  if (name === 'budget') {
    // The editor's parser, so "30 days on 512 H100s" reads the same here and in the plan command.
    const parsed = parseBudget(stringFlag(flags, 'budget')!);
    if (!parsed.ok) throw new UsageError(`--budget: ${parsed.message}`);
    if (flags.gpus !== undefined) throw new UsageError('--gpus applies only with --budget-days.');
    return { budget: parsed.value.budget, ...(parsed.value.gpu ? { gpu: parsed.value.gpu } : {}) };
  }
  return { budget: readFixedBudget(flags, name) };
}

function readFixedBudget(
  flags: Flags,
  name: Exclude<(typeof BUDGET_FLAGS)[number], 'budget'>,
): ComputeBudget {
  const amount = numberFlag(flags, name, { positive: true })!;
  if (name !== 'budget-days' && flags.gpus !== undefined) {
    throw new UsageError('--gpus applies only with --budget-days.');
  }
  switch (name) {
    case 'budget-flops':
      return { flops: amount };
    case 'budget-gpu-hours':
      return { gpuHours: amount };
    case 'budget-usd':
      return { usd: amount };
    case 'budget-days': {
      const gpus = numberFlag(flags, 'gpus', { positive: true, integer: true });
      if (gpus === undefined)
        throw new UsageError('--budget-days needs --gpus K (how many GPUs run for those days).');
      return { days: amount, gpus };
    }
  }
}

function readDemand(flags: Flags): InferenceDemand {
  const targetLoss = numberFlag(flags, 'loss', { positive: true })!;
  const cost: Partial<CostModel> = {
    trainGpu: stringFlag(flags, 'train-gpu'),
    trainPrecision: precisionFlag(flags, 'train-precision'),
    trainUsdPerGpuHour: numberFlag(flags, 'train-usd-per-gpu-hour'),
    trainMfu: numberFlag(flags, 'train-mfu', { fraction: true }),
    inferenceGpu: stringFlag(flags, 'inference-gpu'),
    inferencePrecision: precisionFlag(flags, 'inference-precision'),
    inferenceUsdPerGpuHour: numberFlag(flags, 'inference-usd-per-gpu-hour'),
    prefillMfu: numberFlag(flags, 'prefill-mfu', { fraction: true }),
    decodeMfu: numberFlag(flags, 'decode-mfu', { fraction: true }),
  };
  const hasTokens = flags['inference-tokens'] !== undefined;
  const hasRequests = flags.requests !== undefined;
  if (hasTokens === hasRequests) {
    throw new UsageError(
      hasTokens
        ? 'Give --inference-tokens or --requests, not both.'
        : '--loss needs an inference demand: --inference-tokens T, or --requests R [--input-tokens I --output-tokens O].',
    );
  }
  if (hasTokens) {
    for (const name of ['input-tokens', 'output-tokens'] as const) {
      if (flags[name] !== undefined) throw new UsageError(`--${name} applies only with --requests.`);
    }
    return { targetLoss, inferenceTokens: numberFlag(flags, 'inference-tokens')!, cost };
  }
  return {
    targetLoss,
    requests: numberFlag(flags, 'requests')!,
    inputTokensPerRequest: numberFlag(flags, 'input-tokens'),
    outputTokensPerRequest: numberFlag(flags, 'output-tokens'),
    cost,
  };
}

function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (text === '') throw new UsageError(`--${name} needs a value.`);
  return text;
}

function precisionFlag(flags: Flags, name: string): Precision | undefined {
  const text = stringFlag(flags, name)?.toLowerCase();
  if (text === undefined) return undefined;
  if (!(PRECISIONS as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} must be one of ${PRECISIONS.join(', ')}, got "${text}".`);
  }
  return text as Precision;
}

/**
 * A numeric flag: plain numbers, exponents, underscores, K/M/B/T suffixes, a leading "$", and a
 * trailing "%" for utilizations. Sign and range are checked by the planners (with their messages)
 * except where `positive`/`integer`/`fraction` ask for it here.
 */
function numberFlag(
  flags: Flags,
  name: string,
  checks: { positive?: boolean; integer?: boolean; fraction?: boolean } = {},
): number | undefined {
  const text = stringFlag(flags, name);
  if (text === undefined) return undefined;
  const match = /^\$?\s*([+-]?(?:\d[\d_]*\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([kmbgtp%]?)$/i.exec(text);
  if (!match) throw new UsageError(`--${name} needs a number, got "${text}".`);
  const suffix = match[2].toLowerCase();
  let value = Number(match[1].replace(/_/g, ''));
  if (suffix === '%') value /= 100;
  else if (suffix) value *= MAGNITUDES[suffix];
  if (!Number.isFinite(value)) throw new UsageError(`--${name} needs a finite number, got "${text}".`);
  if (checks.positive && !(value > 0)) throw new UsageError(`--${name} must be positive, got ${text}.`);
  if (checks.integer && !Number.isInteger(value))
    throw new UsageError(`--${name} must be a whole number, got ${text}.`);
  if (checks.fraction && !(value > 0 && value <= 1)) {
    throw new UsageError(`--${name} is a utilization in (0, 1] (or a percentage), got ${text}.`);
  }
  return value;
}

function fail(outcome: Extract<PlanOutcome<unknown>, { ok: false }>, err: (s: string) => void): number {
  for (const diagnostic of outcome.diagnostics) err(`scaling-lens plan: ${diagnostic.message}`);
  // Bad inputs are the user's to fix (2); a solver that finds nothing is ours (1).
  return outcome.diagnostics.some((d: CoreDiagnostic) => d.code === 'plan-no-solution') ? 1 : 2;
}

function suggest(
  law: ScalingLaw,
  params: number,
  vocabSize: number | undefined,
): ArchitectureSuggestion | undefined {
  const result = suggestArchitecture(params, { vocabSize, paramConvention: law.paramConvention });
  return result.ok ? result.value : undefined;
}

function architectureJson(s: ArchitectureSuggestion | undefined): ArchitectureJson | null {
  if (!s) return null;
  const a = s.architecture;
  return {
    nLayers: a.nLayers,
    dModel: a.dModel,
    nHeads: a.nHeads,
    nKvHeads: a.nKvHeads,
    headDim: a.headDim,
    ffnSize: a.ffnSize,
    vocabSize: a.vocabSize,
    params: s.params.total,
    nonEmbeddingParams: s.params.nonEmbedding,
    relativeError: s.relativeError,
    aspectRatio: s.aspectRatio,
    hfConfig: { ...s.hfConfig },
  };
}

function lawJson(law: ScalingLaw) {
  return { id: law.id, label: law.label, paramConvention: law.paramConvention };
}

function computeOptimalJson(
  law: ScalingLaw,
  plan: ComputeOptimalPlan,
  architecture?: ArchitectureSuggestion,
) {
  const budget = plan.budget;
  return {
    mode: 'compute-optimal',
    law: lawJson(law),
    budget: {
      flops: budget.flops,
      gpuHours: budget.gpuHours,
      usd: budget.usd ?? null,
      days: budget.days ?? null,
      gpus: budget.gpus ?? null,
      gpu: budget.gpu,
      precision: budget.precision,
      mfu: budget.mfu,
      usdPerGpuHour: budget.usdPerGpuHour ?? null,
      formula: budget.formula,
    },
    optimal: {
      N: plan.params,
      D: plan.tokens,
      flops: plan.flops,
      usd: budget.usd ?? null,
      gpuHours: budget.gpuHours,
      tokensPerParam: plan.tokensPerParam,
      loss: plan.loss,
      method: plan.method,
    } satisfies PlanModelJson & Record<string, unknown>,
    architecture: architectureJson(architecture),
    notes: plan.notes,
  };
}

function modelJson(model: PlannedModel) {
  return {
    N: model.params,
    D: model.tokens,
    flops: model.totalFlops,
    usd: model.totalUsd,
    tokensPerParam: model.tokensPerParam,
    loss: model.loss,
    trainingFlops: model.trainingFlops,
    inferenceFlops: model.inferenceFlops,
    trainingUsd: model.trainingUsd,
    prefillUsd: model.prefillUsd,
    decodeUsd: model.decodeUsd,
  } satisfies PlanModelJson & Record<string, unknown>;
}

function inferenceAwareJson(
  law: ScalingLaw,
  plan: InferenceAwarePlan,
  architecture?: ArchitectureSuggestion,
) {
  const c = plan.costModel;
  return {
    mode: 'inference-aware',
    objective: plan.objective,
    law: lawJson(law),
    targetLoss: plan.targetLoss,
    demand: {
      inferenceTokens: plan.inferenceTokens,
      inputTokens: plan.inputTokens,
      outputTokens: plan.outputTokens,
      requests: plan.requests ?? null,
    },
    costModel: {
      trainGpu: c.trainGpu,
      trainPrecision: c.trainPrecision,
      trainUsdPerGpuHour: c.trainUsdPerGpuHour,
      trainMfu: c.trainMfu,
      inferenceGpu: c.inferenceGpu,
      inferencePrecision: c.inferencePrecision,
      inferenceUsdPerGpuHour: c.inferenceUsdPerGpuHour,
      prefillMfu: c.prefillMfu,
      decodeMfu: c.decodeMfu,
    },
    chinchilla: modelJson(plan.chinchilla),
    optimal: modelJson(plan.optimal),
    savings: plan.savings,
    ratios: plan.ratios,
    architecture: architectureJson(architecture),
    notes: plan.notes,
  };
}

const sci = (value: number) => formatScientific(value, 4);

const usd = formatUsd;
const compact = formatCount;
const percent = (fraction: number) => `${(100 * fraction).toFixed(2)}%`;

function formatArchitecture(s: ArchitectureSuggestion | undefined): string[] {
  if (!s) return ['Architecture: no LLaMA-style shape fits this size.'];
  const a = s.architecture;
  const counted = s.paramConvention === 'total' ? 'params' : 'non-embedding params';
  return [
    `Architecture (LLaMA-style, vocab ${a.vocabSize}): ${a.nLayers} layers × d_model ${a.dModel}, ` +
      `${a.nHeads} heads (${a.nKvHeads} KV, head_dim ${a.headDim}), SwiGLU ffn ${a.ffnSize}`,
    `  exactly ${compact(s.matchedParams)} ${counted} (${s.matchedParams.toLocaleString('en-US')}, ` +
      `${s.relativeError >= 0 ? '+' : ''}${percent(s.relativeError)} vs target), d_model/n_layers ${s.aspectRatio.toFixed(0)}`,
    `  HF: hidden_size=${a.dModel} intermediate_size=${a.ffnSize} num_hidden_layers=${a.nLayers} ` +
      `num_attention_heads=${a.nHeads} num_key_value_heads=${a.nKvHeads}`,
  ];
}

function formatComputeOptimal(
  law: ScalingLaw,
  plan: ComputeOptimalPlan,
  architecture?: ArchitectureSuggestion,
): string {
  const b = plan.budget;
  const cost = b.usd === undefined ? '' : `, ${usd(b.usd)} at $${b.usdPerGpuHour}/GPU-h`;
  const wallClock = b.days === undefined ? '' : ` (${formatHours(b.days * 24)} on ${b.gpus} GPUs)`;
  const lines = [
    `Compute-optimal plan under ${law.label}`,
    `Budget: ${sci(b.flops)} FLOPs = ${compact(b.gpuHours)} GPU-hours on ${b.gpu} ${b.precision} at ${b.mfu} MFU${cost}${wallClock}`,
    `N* = ${sci(plan.params)} params, D* = ${sci(plan.tokens)} tokens (${plan.tokensPerParam.toFixed(1)} tokens/param, ${plan.method})`,
    `Predicted loss: ${plan.loss.toFixed(5)}`,
    ...formatArchitecture(architecture),
    ...plan.notes.map((note) => `Note: ${note}`),
  ];
  return lines.join('\n');
}

function formatInferenceAware(
  law: ScalingLaw,
  plan: InferenceAwarePlan,
  architecture?: ArchitectureSuggestion,
): string {
  const demand =
    plan.requests === undefined
      ? `${sci(plan.inferenceTokens)} inference tokens`
      : `${sci(plan.requests)} requests × (${plan.inputTokens / plan.requests} input + ${plan.outputTokens / plan.requests} output tokens)`;
  const rows: [string, (m: PlannedModel) => string][] = [
    ['parameters N', (m) => sci(m.params)],
    ['training tokens D', (m) => sci(m.tokens)],
    ['tokens/param', (m) => m.tokensPerParam.toFixed(1)],
    ['training FLOPs', (m) => sci(m.trainingFlops)],
    ['inference FLOPs', (m) => sci(m.inferenceFlops)],
    ['total FLOPs', (m) => sci(m.totalFlops)],
    ['training $', (m) => usd(m.trainingUsd)],
    ['prefill + decode $', (m) => usd(m.prefillUsd + m.decodeUsd)],
    ['total $', (m) => usd(m.totalUsd)],
  ];
  const objectiveLabel = plan.objective === 'flops' ? 'Compute-optimal (FLOPs)' : 'Cost-optimal ($)';
  const c = plan.costModel;
  const lines = [
    `${objectiveLabel} plan for loss ${plan.targetLoss} with ${demand}, under ${law.label}`,
    `Hardware: train ${c.trainGpu} ${c.trainPrecision} $${c.trainUsdPerGpuHour}/h MFU ${c.trainMfu}; ` +
      `inference ${c.inferenceGpu} ${c.inferencePrecision} $${c.inferenceUsdPerGpuHour}/h prefill MFU ${c.prefillMfu}, decode MFU ${c.decodeMfu}`,
    '',
    `${''.padEnd(20)}${'Chinchilla'.padStart(14)}${'Optimal'.padStart(14)}`,
    ...rows.map(
      ([label, cell]) =>
        `${label.padEnd(20)}${cell(plan.chinchilla).padStart(14)}${cell(plan.optimal).padStart(14)}`,
    ),
    '',
    `Optimal vs Chinchilla: ${percent(plan.ratios.params)} of the parameters, ${percent(plan.ratios.tokens)} of the tokens, ` +
      `${percent(plan.ratios.flops)} of the FLOPs, ${percent(plan.ratios.usd)} of the cost`,
    `Savings: ${sci(plan.savings.flops)} FLOPs (${percent(plan.savings.fraction)}), ${usd(plan.savings.usd)} (${percent(plan.savings.usdFraction)})`,
    ...formatArchitecture(architecture),
    ...plan.notes.map((note) => `Note: ${note}`),
  ];
  return lines.join('\n');
}

/** `hyperparameters` of `plan --json`: each law's LR and batch, keyed `deepseek2024` / `stepLaw2025`. */
function hyperparametersJson(h: PlanHyperparameters) {
  return { ...h.laws, scale: h.scale, notes: h.notes };
}

/** `dataConstrained` of `plan --json` (N counts total parameters, the law's convention). */
interface DataConstrainedJson {
  law: string;
  paramConvention: 'total';
  uniqueTokens: number;
  flops: number;
  params: number;
  tokens: number;
  epochs: number;
  tokensPerParam: number;
  loss: number;
  /** The Chinchilla-form optimum under the same constants; `loss` with the same U_D unique tokens. */
  vsChinchilla: { params: number; tokens: number; epochs: number; loss: number; lossUnlimitedData: number };
  architecture: ArchitectureJson | null;
  hyperparameters: ReturnType<typeof hyperparametersJson>;
  notes: string[];
}

function dataConstrainedJson(
  plan: DataConstrainedPlan,
  vocabSize: number | undefined,
  seqLen: number | undefined,
): { json: DataConstrainedJson; hyperparameters: PlanHyperparameters } {
  const suggestion = suggestArchitecture(plan.params, { vocabSize, paramConvention: 'total' });
  const architecture = suggestion.ok ? suggestion.value : undefined;
  const hyperparameters = planHyperparameters({
    params: plan.params,
    tokens: plan.tokens,
    paramConvention: 'total',
    ...(architecture ? { architecture } : {}),
    ...(seqLen ? { seqLen } : {}),
  });
  const json: DataConstrainedJson = {
    law: plan.law,
    paramConvention: 'total',
    uniqueTokens: plan.uniqueTokens,
    flops: plan.flops,
    params: plan.params,
    tokens: plan.tokens,
    epochs: plan.epochs,
    tokensPerParam: plan.tokens / plan.params,
    loss: plan.loss,
    vsChinchilla: { ...plan.vsChinchilla },
    architecture: architectureJson(architecture),
    hyperparameters: hyperparametersJson(hyperparameters),
    notes: plan.notes,
  };
  return { json, hyperparameters };
}

function formatHyperparameters(h: PlanHyperparameters, indent = ''): string[] {
  const lines = Object.values(h.laws).map((law) => {
    // 3 significant digits in exponent form (5.57e-4), as the editor shows LRs.
    const lr =
      law.learningRate !== null
        ? `LR ${Number(law.learningRate.toPrecision(3)).toExponential().replace('e+', 'e')}`
        : 'LR unknown';
    const batch =
      law.batchTokens !== null
        ? `batch ${compact(law.batchTokens)} tokens${law.batchSequences !== null ? ` (${Math.round(law.batchSequences)} sequences)` : ''}`
        : 'batch unknown';
    const at = Object.entries(law.inputs)
      .map(([name, value]) => `${name} = ${sci(value)}`)
      .join(', ');
    return `${indent}  ${law.label}: ${lr}, ${batch}${at ? ` at ${at}` : ''} (${law.convention})`;
  });
  return [
    `${indent}Learning rate and batch for this N, D (N non-embedding from ${h.scale.from}):`,
    ...lines,
    ...h.notes.map((note) => `${indent}  Note: ${note}`),
  ];
}

function formatDataConstrained(d: DataConstrainedJson, hyperparameters: PlanHyperparameters): string[] {
  const c = d.vsChinchilla;
  return [
    `Data-constrained optimum with ${sci(d.uniqueTokens)} unique tokens (${d.law}, Muennighoff et al. 2023):`,
    `  N = ${sci(d.params)} params, D = ${sci(d.tokens)} tokens = ${d.epochs.toFixed(2)} epochs, loss ${d.loss.toFixed(5)}`,
    `  Chinchilla optimum, same constants: N = ${sci(c.params)}, D = ${sci(c.tokens)} = ${c.epochs.toFixed(2)} epochs, ` +
      `loss ${c.loss.toFixed(5)} with this data (${c.lossUnlimitedData.toFixed(5)} with unlimited unique data)`,
    ...formatHyperparameters(hyperparameters, '  '),
    ...d.notes.map((note) => `  Note: ${note}`),
  ];
}
