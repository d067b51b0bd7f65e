/**
 * Planning as a server service: the commands ask, the server computes every number (under the law,
 * hardware and missing-value settings of the document) and returns the report text and the edits;
 * the client only shows inputs, reports and applies edits. Pure over its inputs (no LSP types).
 */
import { readContextFor, type AnalysisSettings } from '../core/analyze';
import { readRunConfig } from '../core/config/registry';
import { formatCount, formatScientific, formatUsd } from '../core/format';
import { irreducibleLoss } from '../core/laws/forms';
import type { ScalingLaw } from '../core/laws/published';
import {
  planComputeOptimal,
  planDataConstrained,
  planHyperparameters,
  planInferenceAware,
  type DataConstrainedPlan,
  type PlanHyperparameters,
  suggestArchitecture,
  type ArchitectureSuggestion,
  type ComputeOptimalPlan,
  type InferenceAwarePlan,
  type InferenceDemand,
  type PlannedModel,
  type TrainingHardware,
} from '../core/plan';
import { applyPlan, type PlanTarget } from '../core/plan/applyPlan';
import {
  parseBudget,
  parseInferenceDemand,
  parseTargetLoss,
  parseUniqueTokens,
  type ParsedDemand,
} from '../core/plan/parseBudget';
import type { ReadContext } from '../core/types';
import { formatLr } from './scheduleHover';
import type {
  ApplyPlanResponse,
  PlanContext,
  PlanInputField,
  PlanParams,
  PlanResponse,
  ScalingLensSettings,
} from '../protocol';

/** What the service needs about the document a command started from. */
export interface PlanDocument {
  uri: string;
  version: number;
  text: string;
  path?: string;
  readFile?: (path: string) => string | undefined;
}

/** The document's settings, resolved law and current predicted loss. */
export interface PlanEnvironment {
  settings: ScalingLensSettings;
  analysisSettings: AnalysisSettings;
  law: ScalingLaw;
  currentLoss: number | null;
}

function readContext(document: PlanDocument, analysisSettings: AnalysisSettings): ReadContext {
  return readContextFor(
    {
      ...(document.path ? { path: document.path } : {}),
      ...(document.readFile ? { readFile: document.readFile } : {}),
    },
    analysisSettings,
  );
}

function trainingHardware(settings: ScalingLensSettings): Partial<TrainingHardware> {
  return {
    gpu: settings.hardware.gpu,
    mfu: settings.hardware.mfu,
    ...(settings.hardware.usdPerGpuHour !== null ? { usdPerGpuHour: settings.hardware.usdPerGpuHour } : {}),
  };
}

/** What the prompts show before any input: law, hardware, the current loss and demand. */
export function planContext(env: PlanEnvironment): PlanContext {
  return {
    lawLabel: env.law.label,
    irreducibleLoss: irreducibleLoss(env.law.law),
    hardware: { gpu: env.settings.hardware.gpu, mfu: env.settings.hardware.mfu },
    currentLoss: env.currentLoss,
    inferenceTokens: env.settings.inference.tokens,
  };
}

/** The message for an invalid input, or null when it parses (and, for a loss, beats the law's floor). */
export function validatePlanInput(field: PlanInputField, text: string, env: PlanEnvironment): string | null {
  if (field === 'budget') {
    const parsed = parseBudget(text);
    return parsed.ok ? null : parsed.message;
  }
  if (field === 'demand') {
    const parsed = parseInferenceDemand(text);
    return parsed.ok ? null : parsed.message;
  }
  if (field === 'uniqueTokens') {
    const parsed = parseUniqueTokens(text);
    return parsed.ok ? null : parsed.message;
  }
  const parsed = parseTargetLoss(text);
  if (!parsed.ok) return parsed.message;
  const floor = irreducibleLoss(env.law.law);
  return parsed.value > floor
    ? null
    : `Below the law's irreducible loss E = ${floor.toFixed(4)}: no finite model reaches it.`;
}

/** The vocabulary of the document's model, so a suggested shape keeps it. */
function configVocab(document: PlanDocument | undefined, env: PlanEnvironment): number | undefined {
  if (!document) return undefined;
  const read = readRunConfig(document.text, readContext(document, env.analysisSettings));
  return read.kind === 'run-config' ? read.spec.architecture?.vocabSize : undefined;
}

/** The document's training sequence length (DeepSeek's M has an attention term in it). */
function configSeqLen(document: PlanDocument | undefined, env: PlanEnvironment): number | undefined {
  if (!document) return undefined;
  const read = readRunConfig(document.text, readContext(document, env.analysisSettings));
  return read.kind === 'run-config' ? read.spec.training.seqLen : undefined;
}

function isRunConfig(document: PlanDocument | undefined, env: PlanEnvironment): boolean {
  if (!document) return false;
  const read = readRunConfig(document.text, readContext(document, env.analysisSettings));
  return read.kind === 'run-config' && !!read.spec.architecture;
}

/** Plan a run (compute-optimal for a budget, or inference-aware for a loss and demand). */
export function plan(
  params: PlanParams,
  document: PlanDocument | undefined,
  env: PlanEnvironment,
): PlanResponse {
  const law = env.law;
  const hardware = trainingHardware(env.settings);
  const vocab = configVocab(document, env);
  const canApply = isRunConfig(document, env);
  if (params.kind === 'compute-optimal') {
    const budget = parseBudget(params.budget);
    if (!budget.ok) return { ok: false, message: budget.message };
    const result = planComputeOptimal(law, budget.value.budget, {
      ...hardware,
      ...(budget.value.gpu ? { gpu: budget.value.gpu } : {}),
    });
    if (!result.ok) return { ok: false, message: result.diagnostics.map((d) => d.message).join(' ') };
    const architecture = suggest(law, result.value.params, vocab);
    const seqLen = configSeqLen(document, env);
    const hyperparameters = planHyperparameters({
      params: result.value.params,
      tokens: result.value.tokens,
      paramConvention: law.paramConvention,
      ...(architecture ? { architecture } : {}),
      ...(seqLen ? { seqLen } : {}),
    });
    const markdown =
      computeOptimalMarkdown(law, budget.value.description, result.value, architecture) +
      hyperparametersMarkdown(hyperparameters);
    if (params.uniqueTokens !== undefined) {
      const unique = parseUniqueTokens(params.uniqueTokens);
      if (!unique.ok) return { ok: false, message: unique.message };
      const constrained = planDataConstrained(law, result.value.flops, unique.value);
      if (!constrained.ok)
        return { ok: false, message: constrained.diagnostics.map((d) => d.message).join(' ') };
      const c = constrained.value;
      // The data-constrained law counts total parameters (Muennighoff et al. 2023).
      const shape = suggestTotal(c.params, vocab);
      const constrainedHyperparameters = planHyperparameters({
        params: c.params,
        tokens: c.tokens,
        paramConvention: 'total',
        ...(shape ? { architecture: shape } : {}),
        ...(seqLen ? { seqLen } : {}),
      });
      return {
        ok: true,
        markdown:
          dataConstrainedMarkdown(c, shape) +
          hyperparametersMarkdown(constrainedHyperparameters) +
          '\n---\n\n' +
          markdown,
        summary: `Data-constrained (${formatCount(c.uniqueTokens)} unique tokens): N = ${formatCount(c.params)}, D = ${formatCount(c.tokens)} tokens (${c.epochs.toFixed(1)} epochs), loss ${c.loss.toFixed(3)}.`,
        target: {
          tokens: c.tokens,
          params: c.params,
          paramConvention: 'total',
          ...(shape ? { architecture: shape.architecture } : {}),
        },
        canApply,
        hfConfig: shape ? shape.hfConfig : null,
      };
    }
    return {
      ok: true,
      markdown,
      summary: `N* = ${formatCount(result.value.params)}, D* = ${formatCount(result.value.tokens)} tokens, loss ${result.value.loss.toFixed(3)}.`,
      target: target(result.value.tokens, result.value.params, law, architecture),
      canApply,
      hfConfig: architecture ? architecture.hfConfig : null,
    };
  }
  const targetLoss = parseTargetLoss(params.targetLoss);
  if (!targetLoss.ok) return { ok: false, message: targetLoss.message };
  const demand = parseInferenceDemand(params.demand);
  if (!demand.ok) return { ok: false, message: demand.message };
  const cost = {
    ...(hardware.gpu ? { trainGpu: hardware.gpu } : {}),
    ...(hardware.mfu ? { trainMfu: hardware.mfu } : {}),
    ...(hardware.usdPerGpuHour ? { trainUsdPerGpuHour: hardware.usdPerGpuHour } : {}),
  };
  const result = planInferenceAware(law, toDemand(targetLoss.value, demand.value, cost));
  if (!result.ok) return { ok: false, message: result.diagnostics.map((d) => d.message).join(' ') };
  const optimal = result.value.optimal;
  const architecture = suggest(law, optimal.params, vocab);
  const seqLen = configSeqLen(document, env);
  const hyperparameters = planHyperparameters({
    params: optimal.params,
    tokens: optimal.tokens,
    paramConvention: law.paramConvention,
    ...(architecture ? { architecture } : {}),
    ...(seqLen ? { seqLen } : {}),
  });
  return {
    ok: true,
    markdown:
      inferenceMarkdown(law, demand.value.description, result.value, architecture) +
      hyperparametersMarkdown(hyperparameters),
    summary: `Inference-optimal: N = ${formatCount(optimal.params)}, D = ${formatCount(optimal.tokens)} tokens; saves ${(100 * result.value.savings.fraction).toFixed(1)}% of lifetime FLOPs.`,
    target: target(optimal.tokens, optimal.params, law, architecture),
    canApply,
    hfConfig: architecture ? architecture.hfConfig : null,
  };
}

function target(
  tokens: number,
  params: number,
  law: ScalingLaw,
  architecture: ArchitectureSuggestion | undefined,
): PlanTarget {
  return {
    tokens,
    params,
    paramConvention: law.paramConvention,
    ...(architecture ? { architecture: architecture.architecture } : {}),
  };
}

/** The edits that apply a plan to the document (re-read after the edit by applyPlan), and the report. */
export function applyPlanToDocument(
  document: PlanDocument,
  planTarget: PlanTarget,
  env: PlanEnvironment,
  name: string,
): ApplyPlanResponse {
  const context = readContext(document, env.analysisSettings);
  const read = readRunConfig(document.text, context);
  if (read.kind !== 'run-config')
    return { ok: false, message: `${name} no longer reads as a run config; nothing applied.` };
  const applied = applyPlan(document.text, read.spec, planTarget, context);
  const r = applied.result;
  const nPart =
    r.paramsInConvention !== null
      ? `N = ${formatCount(r.paramsInConvention)}${r.paramsRelativeError !== undefined ? ` (${signedPercent(r.paramsRelativeError)} vs plan)` : ''}`
      : 'N unknown';
  const dPart =
    r.tokens !== null
      ? `D = ${formatCount(r.tokens)}${r.tokensRelativeError !== undefined ? ` (${signedPercent(r.tokensRelativeError)} vs plan)` : ''}`
      : 'D unknown';
  const message =
    applied.replacements.length === 0
      ? `Nothing to change in ${name}.`
      : `Applied ${applied.changes.length} change${applied.changes.length === 1 ? '' : 's'} to ${name}: ${nPart}, ${dPart}.`;
  const details =
    applied.notes.length || applied.changes.length
      ? [
          `### Plan applied to ${name}`,
          '',
          message,
          '',
          ...(applied.changes.length
            ? [
                '| key | was | now |',
                '|---|---|---|',
                ...applied.changes.map((c) => `| \`${c.key}\` | ${c.from} | ${c.to} |`),
                '',
              ]
            : []),
          ...applied.notes.map((note) => `- ${note}`),
        ].join('\n') + '\n'
      : null;
  return {
    ok: true,
    version: document.version,
    edits: applied.replacements.map((replacement) => ({
      range: replacement.range,
      newText: replacement.newText,
    })),
    message,
    details,
  };
}

function toDemand(
  targetLoss: number,
  demand: ParsedDemand,
  cost: NonNullable<InferenceDemand['cost']>,
): InferenceDemand {
  return demand.kind === 'tokens'
    ? { targetLoss, inferenceTokens: demand.inferenceTokens, cost }
    : {
        targetLoss,
        requests: demand.requests,
        ...(demand.inputTokensPerRequest !== undefined
          ? { inputTokensPerRequest: demand.inputTokensPerRequest }
          : {}),
        ...(demand.outputTokensPerRequest !== undefined
          ? { outputTokensPerRequest: demand.outputTokensPerRequest }
          : {}),
        cost,
      };
}

function suggest(
  law: ScalingLaw,
  params: number,
  vocabSize: number | undefined,
): ArchitectureSuggestion | undefined {
  const result = suggestArchitecture(params, {
    paramConvention: law.paramConvention,
    ...(vocabSize ? { vocabSize } : {}),
  });
  return result.ok ? result.value : undefined;
}

/** A LLaMA-style shape matching a total parameter count. */
function suggestTotal(params: number, vocabSize: number | undefined): ArchitectureSuggestion | undefined {
  const result = suggestArchitecture(params, {
    paramConvention: 'total',
    ...(vocabSize ? { vocabSize } : {}),
  });
  return result.ok ? result.value : undefined;
}

/** The LR / batch table of a plan (DeepSeek 2024, Step Law 2025 at the planned N, D). */
function hyperparametersMarkdown(h: PlanHyperparameters): string {
  const lr = (x: number | null) => (x === null ? 'unknown' : formatLr(x));
  const batch = (tokens: number | null, sequences: number | null) =>
    tokens === null
      ? 'unknown'
      : `${formatCount(tokens)} tokens${sequences !== null ? ` (${Math.round(sequences).toLocaleString('en-US')} sequences of ${h.scale.seqLen})` : ''}`;
  const at = (inputs: Record<string, number>) =>
    Object.entries(inputs)
      .map(([name, value]) => `${name} = ${sci(value)}`)
      .join(', ');
  const lines = [
    '',
    '#### Learning rate and global batch for this N, D',
    '',
    '| law | peak LR | global batch | evaluated at | convention |',
    '|---|---|---|---|---|',
    ...Object.values(h.laws).map(
      (l) =>
        `| ${l.label} | ${lr(l.learningRate)} | ${batch(l.batchTokens, l.batchSequences)} | ${at(l.inputs) || '—'} | ${l.convention} |`,
    ),
    '',
    `N non-embedding from ${h.scale.from}${h.scale.seqLen ? `; sequence length ${h.scale.seqLen} from the config` : ''}.`,
    ...h.notes.map((note) => `\n> ${note}`),
  ];
  return lines.join('\n') + '\n';
}

/** The data-constrained plan beside the Chinchilla optimum under the same constants. */
function dataConstrainedMarkdown(c: DataConstrainedPlan, shape: ArchitectureSuggestion | undefined): string {
  const v = c.vsChinchilla;
  const lines = [
    `### Data-constrained plan: ${sci(c.flops)} FLOPs with ${sci(c.uniqueTokens)} unique tokens`,
    '',
    `Law: ${c.law} (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models": repeated epochs and excess parameters decay with R_D*, R_N*). N counts total parameters.`,
    '',
    '| | data-constrained optimum | Chinchilla optimum (same constants) |',
    '|---|---|---|',
    `| N (parameters) | ${sci(c.params)} (${formatCount(c.params)}) | ${sci(v.params)} (${formatCount(v.params)}) |`,
    `| D (training tokens) | ${sci(c.tokens)} (${formatCount(c.tokens)}) | ${sci(v.tokens)} (${formatCount(v.tokens)}) |`,
    `| epochs over the unique data | ${c.epochs.toFixed(2)} | ${v.epochs.toFixed(2)} |`,
    `| predicted loss with this data | ${c.loss.toFixed(4)} | ${v.loss.toFixed(4)} |`,
    `| predicted loss with unlimited unique data | — | ${v.lossUnlimitedData.toFixed(4)} |`,
    ...architectureMarkdown(shape),
    ...c.notes.map((note) => `\n> ${note}`),
  ];
  return lines.join('\n') + '\n';
}

/** A ratio as words a reader parses at once: "62.5% of" below 1, "21.9× " above. */
function ratioText(ratio: number): string {
  return ratio < 1 ? `${(100 * ratio).toFixed(1)}% of` : `${ratio.toFixed(1)}×`;
}

function signedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(100 * fraction).toFixed(1)}%`;
}

const sci = (value: number) => formatScientific(value, 3);

function architectureMarkdown(s: ArchitectureSuggestion | undefined): string[] {
  if (!s) return ['', 'No LLaMA-style shape fits this size.'];
  const a = s.architecture;
  const counted = s.paramConvention === 'total' ? 'parameters' : 'non-embedding parameters';
  return [
    '',
    '#### Architecture suggestion (LLaMA-style: SwiGLU, RMSNorm, rotary)',
    '',
    '| layers | d_model | heads | KV heads | head_dim | FFN (per branch) | vocab |',
    '|---|---|---|---|---|---|---|',
    `| ${a.nLayers} | ${a.dModel} | ${a.nHeads} | ${a.nKvHeads} | ${a.headDim} | ${a.ffnSize} | ${a.vocabSize} |`,
    '',
    `Exactly ${s.matchedParams.toLocaleString('en-US')} ${counted} (${signedPercent(s.relativeError)} vs the plan), d_model/n_layers ${s.aspectRatio.toFixed(0)}.`,
  ];
}

function computeOptimalMarkdown(
  law: ScalingLaw,
  budgetText: string,
  plan: ComputeOptimalPlan,
  architecture: ArchitectureSuggestion | undefined,
): string {
  const b = plan.budget;
  const lines = [
    `### Compute-optimal plan: ${budgetText}`,
    '',
    `Law: ${law.label}. Budget: ${sci(b.flops)} FLOPs = ${formatCount(b.gpuHours)} GPU-hours on ${b.gpu} (${b.precision}, MFU ${b.mfu})${b.usd !== undefined ? ` ≈ ${formatUsd(b.usd)}` : ''}${b.days !== undefined ? `, ${b.days.toFixed(1)} days on ${b.gpus} GPUs` : ''}.`,
    '',
    '| | value |',
    '|---|---|',
    `| N* (parameters${plan.paramConvention === 'non-embedding' ? ', non-embedding' : ''}) | ${sci(plan.params)} (${formatCount(plan.params)}) |`,
    `| D* (training tokens) | ${sci(plan.tokens)} (${formatCount(plan.tokens)}) |`,
    `| tokens per parameter | ${plan.tokensPerParam.toFixed(1)} |`,
    `| predicted loss | ${plan.loss.toFixed(4)} |`,
    ...architectureMarkdown(architecture),
    ...plan.notes.map((note) => `\n> ${note}`),
  ];
  return lines.join('\n') + '\n';
}

function inferenceMarkdown(
  law: ScalingLaw,
  demandText: string,
  plan: InferenceAwarePlan,
  architecture: ArchitectureSuggestion | undefined,
): string {
  const rows: [string, (m: PlannedModel) => string][] = [
    ['parameters N', (m) => `${sci(m.params)} (${formatCount(m.params)})`],
    ['training tokens D', (m) => `${sci(m.tokens)} (${formatCount(m.tokens)})`],
    ['tokens per parameter', (m) => m.tokensPerParam.toFixed(1)],
    ['training FLOPs', (m) => sci(m.trainingFlops)],
    ['inference FLOPs', (m) => sci(m.inferenceFlops)],
    ['total FLOPs', (m) => sci(m.totalFlops)],
    ['training $', (m) => formatUsd(m.trainingUsd)],
    ['inference $ (prefill + decode)', (m) => formatUsd(m.prefillUsd + m.decodeUsd)],
    ['total $', (m) => formatUsd(m.totalUsd)],
  ];
  const c = plan.costModel;
  const objective =
    plan.objective === 'flops' ? 'training + inference FLOPs' : 'training + inference dollars';
  const lines = [
    `### Inference-aware plan: loss ${plan.targetLoss} with ${demandText}`,
    '',
    `Law: ${law.label}. Minimizes ${objective} at the target loss (Sardana et al. 2024). Training on ${c.trainGpu} ${c.trainPrecision} at MFU ${c.trainMfu}, $${c.trainUsdPerGpuHour}/GPU-h; inference on ${c.inferenceGpu} ${c.inferencePrecision}, prefill MFU ${c.prefillMfu}, decode MFU ${c.decodeMfu}.`,
    '',
    '| | Chinchilla-optimal | inference-optimal |',
    '|---|---|---|',
    ...rows.map(([label, cell]) => `| ${label} | ${cell(plan.chinchilla)} | ${cell(plan.optimal)} |`),
    '',
    `**Savings:** ${sci(plan.savings.flops)} FLOPs (${(100 * plan.savings.fraction).toFixed(2)}%), ${formatUsd(plan.savings.usd)} (${(100 * plan.savings.usdFraction).toFixed(2)}%). The inference-optimal model has ${ratioText(plan.ratios.params)} the parameters and ${ratioText(plan.ratios.tokens)} the training tokens.`,
    ...architectureMarkdown(architecture),
    ...plan.notes.map((note) => `\n> ${note}`),
  ];
  return lines.join('\n') + '\n';
}
