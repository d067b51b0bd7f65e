import { layoutDefaults, readRunConfig } from './config/registry';
import { evaluateLaw, irreducibleLoss, optimalTokensForParams } from './laws/forms';
import { DEFAULT_LAW_ID, findPublishedLaw, type ScalingLaw } from './laws/published';
import {
  analyzeHyperparameters,
  analyzeRepetition,
  uniqueTokenInputs,
  type DataConstrainedAnalysis,
  type HyperparameterAnalysis,
} from './analyzeBeyond';
import { lossInterval } from './laws/uncertainty';
import { findAccelerator } from './model/hardware';
import { resolveLayout, type ResolvedLayout } from './model/layout';
import { estimateMemory, GIB, overheadFromSettings, type MemoryEstimate } from './model/memory';
import { estimateThroughput, type Throughput } from './model/throughput';
import { attentionLayers, countParams, type ParamBreakdown } from './model/params';
import type { CoreDiagnostic, FrameworkId, ReadContext, RunSpec } from './types';
import { DEFAULT_ANALYSIS_SETTINGS, type AnalysisSettings } from './settings';
import { attachConfigLearningRate } from './schedule/learningRate';

export { DEFAULT_ANALYSIS_SETTINGS, type AnalysisSettings };

/** Fallback $/GPU-hour for accelerators without a cited price. */
const FALLBACK_USD_PER_GPU_HOUR = 2.5;

/** Predicted loss with its interval and the N it was evaluated at. */
export interface LossPrediction {
  law: string;
  value: number;
  /** 95% interval (equal to value when the law has no uncertainty). */
  low: number;
  high: number;
  /** The N the law was evaluated at, in the law's convention. */
  paramsUsed: number;
  paramConvention: string;
  /** Loss at the compute-optimal D for this N (same law). */
  atOptimalTokens?: number;
}

export type { DataConstrainedAnalysis, HyperparameterAnalysis };

/** Everything the views show about one run config. */
export interface Analysis {
  framework: FrameworkId;
  modelName?: string;
  params: { total: number; nonEmbedding: number; active: number; activeNonEmbedding: number } | null;
  breakdown?: ParamBreakdown;
  tokens: number | null;
  /** What is missing when tokens is null. */
  missing: string[];
  /** What N needs when params is null (a tokenizer's size, a not-modelled key). */
  paramsMissing: string[];
  tokensFormula?: string;
  tokensPerParam: number | null;
  /** Compute-optimal tokens for this N under the selected law (Chinchilla form only). */
  optimalTokens: number | null;
  /** 6·N·D with N = active parameters (= total for dense models). */
  flops: number | null;
  /** 6·N·D plus the attention term 6·L·seq·(heads·head_dim)·D (Kaplan et al. 2020, Table 1). */
  flopsWithAttention: number | null;
  cost: {
    gpuHours: number;
    days: number;
    usd: number;
    gpu: string;
    gpus: number;
    mfu: number;
    usdPerGpuHour: number;
    /** Where the accelerator and the device count came from (file statement, setting or default). */
    from?: { gpu: string; gpus: string };
  } | null;
  loss: LossPrediction | null;
  /**
   * Memory per GPU (the most loaded one) with its breakdown, when the file's parallel layout is
   * known (`spec.layout`); capacity from the selected accelerator.
   */
  memory:
    | (MemoryEstimate & {
        gpu: string;
        layoutAssumptions: string[];
        /** The layout the estimate used (the file's values with the framework's defaults). */
        layout: ResolvedLayout;
      })
    | null;
  /** Tokens/s per GPU and step time at the settings' MFU (FLOPs per token with the attention term). */
  throughput: Throughput | null;
  /** Repetition (Muennighoff et al. 2023): present when the unique tokens are known. */
  dataConstrained?: DataConstrainedAnalysis | null;
  /** LR / batch-size laws at this run's scale. */
  hyperparameters?: HyperparameterAnalysis | null;
  warnings: string[];
  diagnostics: CoreDiagnostic[];
  assumptions: string[];
  spec: RunSpec;
}

/** Resolve the law a setting names (published or given). */
export function resolveLaw(settings: Pick<AnalysisSettings, 'lawId' | 'law'>): ScalingLaw {
  return settings.law ?? findPublishedLaw(settings.lawId) ?? findPublishedLaw(DEFAULT_LAW_ID)!;
}

/** The read context an analysis uses: settings supply the values files leave open (GPUs, dataset size). */
export function readContextFor(context: ReadContext, settings: AnalysisSettings): ReadContext {
  return {
    ...context,
    options: {
      ...(settings.useGpusForMissingTokens ? { gpus: settings.gpus } : {}),
      ...(settings.datasetTokens ? { datasetTokens: settings.datasetTokens } : {}),
      ...context.options,
    },
  };
}

/** Read and analyze a file's text; returns null when it is not a run config. */
export function analyzeText(
  text: string,
  context: ReadContext = {},
  settings: AnalysisSettings = DEFAULT_ANALYSIS_SETTINGS,
  /**
   * Applied to the reader's spec before the analysis: what the editor knows beyond the file (the
   * language server's stored training tokens, src/server/trainingTokens.ts).
   */
  adjustSpec?: (spec: RunSpec) => RunSpec,
): {
  analysis: Analysis | null;
  diagnostics: CoreDiagnostic[];
  recognized: boolean;
  framework?: FrameworkId;
} {
  const result = readRunConfig(text, readContextFor(context, settings));
  if (result.kind === 'not-a-run-config') return { analysis: null, diagnostics: [], recognized: false };
  if (result.kind === 'unreadable') {
    return { analysis: null, diagnostics: result.diagnostics, recognized: true, framework: result.framework };
  }
  const spec = adjustSpec ? adjustSpec(result.spec) : result.spec;
  const analysis = analyzeSpec(spec, settings);
  attachConfigLearningRate(analysis, text, readContextFor(context, settings), spec);
  return { analysis, diagnostics: analysis.diagnostics, recognized: true, framework: spec.framework };
}

/** Turn a run spec into N, D, FLOPs, cost and predicted loss under the settings. */
export function analyzeSpec(spec: RunSpec, settings: AnalysisSettings = DEFAULT_ANALYSIS_SETTINGS): Analysis {
  const warnings: string[] = [];
  const diagnostics = [...spec.diagnostics];
  const counts = spec.architecture ? countParams(spec.architecture) : null;
  const params = counts
    ? {
        total: counts.total,
        nonEmbedding: counts.nonEmbedding,
        active: counts.active,
        activeNonEmbedding: counts.activeNonEmbedding,
      }
    : null;
  const tokens = isUsable(spec.training.tokens) ? spec.training.tokens! : null;
  const computeParams = params ? params.active : null;
  const tokensPerParam = computeParams && tokens !== null ? tokens / computeParams : null;
  const flops = computeParams && tokens !== null ? 6 * computeParams * tokens : null;

  let flopsWithAttention: number | null = null;
  const arch = spec.architecture;
  const seqLen = spec.training.seqLen;
  if (flops !== null && arch && !arch.encoderDecoder && seqLen && tokens !== null) {
    const withAttention = flops + 6 * attentionLayers(arch) * seqLen * arch.nHeads * arch.headDim * tokens;
    // Each factor passed the sanity bounds, but their product can still leave the double range.
    flopsWithAttention = Number.isFinite(withAttention) ? withAttention : null;
  }

  // The file's accelerator and device count beat the defaults; an explicit choice beats the file.
  const hardware = resolveHardware(spec, settings);
  const cost =
    flops !== null
      ? withOrigin(estimateCost(flops, hardware.settings, spec.training.gpus, warnings), hardware.from)
      : null;

  const law = resolveLaw(settings);
  const lawInputs = uniqueTokenInputs(settings);
  let loss: LossPrediction | null = null;
  let optimalTokens: number | null = null;
  if (params) {
    const paramsForLaw = law.paramConvention === 'non-embedding' ? params.activeNonEmbedding : params.active;
    if (paramsForLaw > 0) optimalTokens = optimalTokensForParams(law.law, paramsForLaw) ?? null;
    if (tokens !== null && tokens > 0 && paramsForLaw > 0) {
      const value = evaluateLaw(law.law, paramsForLaw, tokens, lawInputs);
      const interval = law.bootstrapDraws
        ? lossInterval(law.law, law.bootstrapDraws, paramsForLaw, tokens, value)
        : { value, low: value, high: value };
      const atOptimal = optimalTokens ? evaluateLaw(law.law, paramsForLaw, optimalTokens) : undefined;
      if (Number.isFinite(value)) {
        loss = {
          law: law.id,
          value,
          low: interval.low,
          high: interval.high,
          paramsUsed: paramsForLaw,
          paramConvention: law.paramConvention,
          ...(atOptimal !== undefined && Number.isFinite(atOptimal) ? { atOptimalTokens: atOptimal } : {}),
        };
      }
      warnings.push(...extrapolationWarnings(law, paramsForLaw, tokens));
    }
    if (spec.architecture?.moe) {
      warnings.push(
        `Mixture-of-experts: compute and the loss prediction use active parameters (${Math.round(params.active).toLocaleString('en-US')}); ${law.id} was fitted on dense models.`,
      );
    }
    if (spec.architecture?.encoderDecoder)
      warnings.push(`Encoder–decoder model: ${law.id} was fitted on decoder-only models.`);
  }
  if (tokensPerParam !== null && tokensPerParam > 0 && tokensPerParam < 1 && !spec.training.finetune) {
    warnings.push(
      `Severely under-trained: ${tokensPerParam.toPrecision(2)} tokens per parameter (compute-optimal is ~20).`,
    );
  }
  if (loss && loss.value <= irreducibleLoss(law.law))
    warnings.push('Predicted loss is at the law’s irreducible floor.');
  const dataConstrained =
    params && tokens !== null && tokens > 0 && lawInputs?.uniqueTokens !== undefined
      ? analyzeRepetition(law, params.active, tokens, lawInputs.uniqueTokens, spec)
      : null;
  const hyperparameters = params ? analyzeHyperparameters(spec, params, tokens) : null;

  const { memory, throughput } = memoryAndThroughput(
    spec,
    hardware.settings,
    params?.active ?? null,
    diagnostics,
  );

  return {
    framework: spec.framework,
    ...(spec.modelName ? { modelName: spec.modelName } : {}),
    params,
    ...(counts ? { breakdown: counts.breakdown } : {}),
    tokens,
    missing: tokens === null ? (spec.training.missing ?? ['training length']) : [],
    paramsMissing: params === null ? (spec.paramsMissing ?? ['the architecture']) : [],
    ...(spec.training.formula ? { tokensFormula: spec.training.formula } : {}),
    tokensPerParam,
    optimalTokens,
    flops,
    flopsWithAttention,
    cost,
    loss,
    memory,
    throughput,
    dataConstrained,
    hyperparameters,
    warnings,
    diagnostics,
    // Hardware only matters once there is a cost (or a memory estimate) to attribute.
    assumptions: [
      ...spec.assumptions,
      ...(cost || memory ? hardware.assumptions : (spec.hardware?.notes ?? [])),
    ],
    spec,
  };
}

/**
 * The accelerator and device count an analysis uses, and where each came from:
 * - accelerator: the file (directive, slurm gres, comment, TPU slice name, path) when
 *   `settings.gpuFromFile` (editor, CLI without `--gpu`), else `settings.gpu`; `scalingLens.hardware.gpu`
 *   is the default for files that name none;
 * - devices: the count the framework reader read (it computed D with it, so days agree with D) >
 *   the file's count from hardwareHints, unless the user set one explicitly (`scalingLens.missing.gpus`,
 *   CLI `--gpus`) > `scalingLens.hardware.gpus`.
 */
export function resolveHardware(
  spec: RunSpec,
  settings: AnalysisSettings,
): { settings: AnalysisSettings; from: { gpu: string; gpus: string }; assumptions: string[] } {
  const hints = spec.hardware;
  const assumptions: string[] = [...(hints?.notes ?? [])];
  const effective: AnalysisSettings = { ...settings };
  let gpuFrom = settings.gpuFromFile
    ? 'the default (setting scalingLens.hardware.gpu)'
    : 'the chosen accelerator (--gpu or the caller’s settings)';
  if (hints?.gpu) {
    if (!settings.gpuFromFile && findAccelerator(settings.gpu)?.id !== hints.gpu.id) {
      assumptions.push(
        `Accelerator: ${settings.gpu} as chosen; the file names ${hints.gpu.id} (${hints.gpu.how}).`,
      );
    } else if (settings.gpuFromFile) {
      effective.gpu = hints.gpu.id;
      gpuFrom = `the file: ${hints.gpu.how}`;
      assumptions.push(`Accelerator: ${hints.gpu.id} from ${hints.gpu.how}.`);
    }
  }
  const readerGpus = spec.training.gpus && spec.training.gpus > 0 ? spec.training.gpus : undefined;
  const source = spec.trainingSources.gpus;
  let gpusFrom = settings.useGpusForMissingTokens
    ? 'your setting (scalingLens.missing.gpus / --gpus)'
    : 'the default (setting scalingLens.hardware.gpus)';
  if (readerGpus !== undefined) {
    gpusFrom = source
      ? `the file: "${source.raw.trim()}" (line ${source.keyRange.start.line + 1})`
      : 'the file';
    assumptions.push(`GPUs: ${readerGpus} from ${gpusFrom}.`);
  } else if (hints?.gpus && (hints.gpus.usedForTokens || !settings.useGpusForMissingTokens)) {
    effective.gpus = hints.gpus.count;
    gpusFrom = `the file: ${hints.gpus.how}`;
    assumptions.push(`GPUs: ${hints.gpus.count} from ${hints.gpus.how}.`);
  } else if (hints?.gpus) {
    assumptions.push(
      `GPUs: ${settings.gpus} from your setting; the file states ${hints.gpus.count} (${hints.gpus.how}).`,
    );
  }
  // Say it even when nothing in the file spoke: a cost on 8 default H100s must read as an assumption.
  if (!assumptions.some((a) => a.startsWith('Accelerator:')))
    assumptions.push(`Accelerator: ${effective.gpu} from ${gpuFrom}.`);
  if (!assumptions.some((a) => a.startsWith('GPUs:')))
    assumptions.push(`GPUs: ${effective.gpus} from ${gpusFrom}.`);
  return { settings: effective, from: { gpu: gpuFrom, gpus: gpusFrom }, assumptions };
}

function withOrigin(cost: Analysis['cost'], from: { gpu: string; gpus: string }): Analysis['cost'] {
  return cost ? { ...cost, from } : cost;
}

/**
 * Memory per GPU from the file's layout (src/core/model/memory.ts) and throughput from FLOPs per
 * token (src/core/model/throughput.ts). Layout problems become diagnostics naming the keys.
 */
function memoryAndThroughput(
  spec: RunSpec,
  settings: AnalysisSettings,
  activeParams: number | null,
  diagnostics: CoreDiagnostic[],
): { memory: Analysis['memory']; throughput: Throughput | null } {
  const arch = spec.architecture;
  if (!arch || arch.encoderDecoder || !activeParams) return { memory: null, throughput: null };
  const accelerator = findAccelerator(settings.gpu) ?? findAccelerator(DEFAULT_ANALYSIS_SETTINGS.gpu)!;
  const gpus =
    spec.layout?.gpus ??
    (spec.training.gpus && spec.training.gpus > 0 ? spec.training.gpus : Math.max(1, settings.gpus));
  const seqLen = spec.layout?.seqLen ?? spec.training.seqLen;
  const mfu = settings.mfu > 0 && settings.mfu <= 1 ? settings.mfu : DEFAULT_ANALYSIS_SETTINGS.mfu;
  const throughput =
    seqLen && seqLen > 0
      ? estimateThroughput({
          activeParams,
          nLayers: attentionLayers(arch),
          seqLen,
          attentionWidth: arch.nHeads * arch.headDim,
          peakFlopsPerSecond: accelerator.peakFlops.bf16!,
          mfu,
          gpus,
          ...(spec.training.tokensPerStep ? { tokensPerStep: spec.training.tokensPerStep } : {}),
        })
      : null;
  if (!spec.layout) return { memory: null, throughput };
  const [unmodelled] = spec.layout.unmodelled ?? [];
  if (unmodelled) {
    diagnostics.push({
      severity: 'info',
      code: 'memory-unknown',
      message: `unknown: memory per GPU — \`${unmodelled.key}\` (${unmodelled.why ? quoteWritten(unmodelled.why, unmodelled.raw) : 'FP8 training'}) changes ${unmodelled.why ? 'memory' : 'weight and activation bytes'} in a way Scaling Lens does not model.`,
      range: unmodelled.keyRange,
    });
    return { memory: null, throughput };
  }
  const { layout, assumptions } = resolveLayout(
    spec.framework,
    spec.layout,
    { gpus, ...(spec.training.seqLen ? { seqLen: spec.training.seqLen } : {}) },
    layoutDefaults(spec.framework),
  );
  const result = estimateMemory(arch, layout, {
    ...(accelerator.memoryBytes ? { capacityBytes: accelerator.memoryBytes } : {}),
    ...(settings.memoryOverhead ? { overhead: overheadFromSettings(settings.memoryOverhead) } : {}),
  });
  diagnostics.push(...result.diagnostics);
  const estimate = result.estimate;
  if (!estimate) return { memory: null, throughput };
  if (estimate.headroom !== null && estimate.headroom < 0.05) {
    const over = estimate.headroom < 0;
    diagnostics.push({
      severity: over ? 'warning' : 'info',
      code: over ? 'memory-over-capacity' : 'memory-low-headroom',
      message: `≈ ${(estimate.perGpuBytes / GIB).toFixed(1)} GiB per GPU ${over ? 'exceeds' : 'leaves < 5% of'} the ${(estimate.capacityBytes! / GIB).toFixed(1)} GiB of ${accelerator.id}.`,
      ...(spec.modelSectionRange ? { range: spec.modelSectionRange } : {}),
    });
  }
  return { memory: { ...estimate, gpu: accelerator.id, layoutAssumptions: assumptions, layout }, throughput };
}

/** GPU-hours, wall-clock days and dollars for a FLOP count at the settings' MFU and price. */
export function estimateCost(
  flops: number,
  settings: AnalysisSettings,
  gpusFromFile: number | undefined,
  warnings: string[] = [],
): Analysis['cost'] {
  const accelerator = findAccelerator(settings.gpu) ?? findAccelerator(DEFAULT_ANALYSIS_SETTINGS.gpu)!;
  const peak = accelerator.peakFlops.bf16!;
  const mfu = settings.mfu > 0 && settings.mfu <= 1 ? settings.mfu : DEFAULT_ANALYSIS_SETTINGS.mfu;
  const gpus = gpusFromFile && gpusFromFile > 0 ? gpusFromFile : Math.max(1, settings.gpus);
  let usdPerGpuHour = settings.usdPerGpuHour ?? accelerator.usdPerHour;
  if (usdPerGpuHour === undefined) {
    usdPerGpuHour = FALLBACK_USD_PER_GPU_HOUR;
    warnings.push(
      `No price for ${accelerator.id} in the hardware table; assuming $${FALLBACK_USD_PER_GPU_HOUR}/GPU-hour.`,
    );
  }
  const gpuHours = flops / (peak * mfu) / 3600;
  return {
    gpuHours,
    days: gpuHours / gpus / 24,
    usd: gpuHours * usdPerGpuHour,
    gpu: accelerator.id,
    gpus,
    mfu,
    usdPerGpuHour,
  };
}

/** Flag predictions more than 10× outside the (N, D) range a law was fitted on. */
function extrapolationWarnings(law: ScalingLaw, params: number, tokens: number): string[] {
  const region = law.fitRegion;
  if (!region) return [];
  const out: string[] = [];
  const factor = 10;
  if (params > region.paramsMax * factor) {
    out.push(
      `Extrapolation: N is ${(params / region.paramsMax).toFixed(0)}× the largest model ${law.id} was fitted on (${region.paramsMax.toExponential(2)}).`,
    );
  } else if (params < region.paramsMin / factor) {
    out.push(
      `Extrapolation: N is far below the smallest model ${law.id} was fitted on (${region.paramsMin.toExponential(2)}).`,
    );
  }
  if (tokens > region.tokensMax * factor) {
    out.push(
      `Extrapolation: D is ${(tokens / region.tokensMax).toFixed(0)}× the most tokens ${law.id} was fitted on (${region.tokensMax.toExponential(2)}).`,
    );
  } else if (tokens < region.tokensMin / factor) {
    out.push(
      `Extrapolation: D is far below the fewest tokens ${law.id} was fitted on (${region.tokensMin.toExponential(2)}).`,
    );
  }
  return out;
}

function isUsable(value: number | undefined): boolean {
  return value !== undefined && Number.isFinite(value) && value >= 0;
}

/**
 * The layout readers' reasons echo the value as written (`optimizer lion_8bit`, `precision NaN`):
 * put it in backticks, so a written "NaN" or "Infinity" reads as the file's text, not as a
 * computation gone wrong. Only values with a letter are quoted (a bare "1" would match too much).
 */
function quoteWritten(why: string, raw: string | undefined): string {
  const trimmed = (raw ?? '').trim();
  // Already quoted as written ('float64' in the reason): leave it.
  if (/^(["'`]).*\1$/s.test(trimmed) && why.includes(trimmed)) return why;
  const written = trimmed.replace(/^(["'])(.*)\1$/s, '$2');
  if (written && /[A-Za-z]/.test(written) && !why.includes(`\`${written}`) && why.includes(written))
    return why.split(written).join(`\`${written}\``);
  // A reader that echoes the parsed value instead (YAML `.inf` read as Infinity), or a path or word
  // that contains it: a non-finite word in a reason can only come from the file, so quote the token
  // (a bare parsed value as the file writes it).
  return why.replace(/[^\s`()]*(?:Infinity|\bNaN\b)[^\s`()]*/g, (token) =>
    /^-?(Infinity|NaN)$/.test(token) && written && !/[`\n]/.test(written) ? `\`${written}\`` : `\`${token}\``,
  );
}
