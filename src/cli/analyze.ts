import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  analyzeText,
  DEFAULT_ANALYSIS_SETTINGS,
  type Analysis,
  type AnalysisSettings,
} from '../core/analyze';
import { formatCount, formatExact, formatFlops, formatHours, formatLoss, formatUsd } from '../core/format';
import { findAccelerator } from '../core/model/hardware';
import { findPublishedLaw, PUBLISHED_LAWS } from '../core/laws/published';
import { MAX_ANALYZED_CHARS } from '../core/config/text';
import type { CoreDiagnostic } from '../core/types';
import { parseFlags, type FlagSpec } from './flags';
import { parseDownstreamLaw, predictDownstream } from '../core/downstream/saved';

/** The machine-readable result of `scaling-lens analyze --json`, one per file. */
export interface AnalyzeJson {
  file: string;
  framework: string | null;
  model: string | null;
  params: { total: number; nonEmbedding: number; active: number } | null;
  tokens: number | null;
  /** What N (prefixed `N: `) and D need that the file does not give. */
  missing: string[];
  /** Trainable parameters of a parameter-efficient finetune (LoRA), beside the base N. */
  trainable: { count: number; method: string } | null;
  tokensFormula: string | null;
  tokensPerParam: number | null;
  flops: number | null;
  flopsConvention: string;
  flopsWithAttention: number | null;
  cost: {
    gpuHours: number;
    days: number;
    usd: number;
    gpu: string;
    gpus: number;
    mfu: number;
    /** Where the accelerator and the device count came from (src/core/analyze.ts resolveHardware). */
    from?: { gpu: string; gpus: string };
  } | null;
  loss: { law: string; value: number; low: number; high: number; paramsUsed: number } | null;
  /** Memory per GPU in bytes (src/core/model/memory.ts); null when the file's layout is unknown. */
  memory: {
    perGpuBytes: number;
    weights: number;
    gradients: number;
    optimizer: number;
    activations: number;
    buffers: number;
    overhead: number;
    capacityBytes: number | null;
    fits: boolean | null;
    assumptions: string[];
  } | null;
  throughput: { tokensPerSecondPerGpu: number; stepSeconds: number | null } | null;
  /**
   * Loss under repeated data (Muennighoff et al. 2023) when the unique tokens are known
   * (`--dataset-tokens`, or the dataset size an epoch-based config was read with); else null.
   */
  dataConstrained: {
    law: string;
    uniqueTokens: number;
    epochs: number;
    source: string;
    effectiveTokens: number;
    effectiveParams: number;
    loss: number;
    lossWithoutRepetition: number;
    warnings: string[];
  } | null;
  /**
   * Predicted accuracy on a benchmark under a saved downstream law (`--downstream-law FILE`): the loss
   * law at (N, D), then the accuracy link; null without a law or when N or D is unknown.
   */
  downstream: {
    target: string;
    accuracy: number;
    loss: number;
    lossLaw: string;
    accuracyLaw: string;
    warnings: string[];
  } | null;
  /** Each LR / batch law's optimum (src/core/laws/hyperparameters.ts) and the config's batch. */
  hyperparameters: {
    optima: {
      law: string;
      learningRate: number | null;
      batchTokens: number | null;
      batchSequences: number | null;
      convention: string;
    }[];
    config: { learningRate: number | null; batchTokens: number | null; batchSequences: number | null };
    notes: string[];
  } | null;
  warnings: string[];
  diagnostics: { severity: string; code: string; message: string; line?: number }[];
}

const FLAGS: FlagSpec = {
  json: 'boolean',
  law: 'string',
  gpu: 'string',
  gpus: 'number',
  mfu: 'number',
  'usd-per-gpu-hour': 'number',
  'dataset-tokens': 'number',
  'downstream-law': 'string',
  help: 'boolean',
};

export const ANALYZE_USAGE = `Usage: scaling-lens analyze FILE... [--json] [--law NAME] [--gpu H100 --gpus 64 --mfu 0.4 --usd-per-gpu-hour 2.5] [--dataset-tokens T]

Recognizes each file by content and prints N, D, tokens/param, training FLOPs (6·N·D, N = active
parameters), GPU-hours, days and dollars, and the predicted loss under the law (default epoch2024).
--gpus also completes D when the file leaves the data-parallel size open.
--dataset-tokens T (unique tokens) also gives the loss under repeated data (Muennighoff et al. 2023);
--downstream-law FILE (from fit --target accuracy:COL --save FILE) gives the predicted accuracy.
Laws: ${PUBLISHED_LAWS.map((l) => l.id).join(', ')}.`;

/** Run `scaling-lens analyze`. Returns the exit code (0 ok, 2 usage error, 1 unreadable file). */
export function runAnalyzeCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const parsed = parseFlags(args, FLAGS);
  if ('error' in parsed) {
    err(`${parsed.error}\n${ANALYZE_USAGE}`);
    return 2;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    out(ANALYZE_USAGE);
    return 0;
  }
  if (positional.length === 0) {
    err(`No files given.\n${ANALYZE_USAGE}`);
    return 2;
  }
  const settings: AnalysisSettings = { ...DEFAULT_ANALYSIS_SETTINGS };
  if (flags.law !== undefined) {
    if (!findPublishedLaw(String(flags.law))) {
      err(`Unknown law "${flags.law}". Known laws: ${PUBLISHED_LAWS.map((l) => l.id).join(', ')}.`);
      return 2;
    }
    settings.lawId = String(flags.law).toLowerCase();
  }
  if (flags.gpu !== undefined) {
    const accelerator = findAccelerator(String(flags.gpu));
    if (!accelerator) {
      err(
        `Unknown GPU "${flags.gpu}". Known: A100-40GB, A100-80GB, H100, H200, B200, MI300X, TPU-v5e, TPU-v5p.`,
      );
      return 2;
    }
    settings.gpu = accelerator.id;
  }
  settings.gpuFromFile = flags.gpu === undefined; // --gpu beats an accelerator the file names
  if (flags.gpus !== undefined) {
    if (!(Number(flags.gpus) >= 1)) return usage(err, '--gpus must be a positive integer.');
    settings.gpus = Math.round(Number(flags.gpus));
    settings.useGpusForMissingTokens = true;
  }
  if (flags.mfu !== undefined) {
    const mfu = Number(flags.mfu);
    if (!(mfu > 0 && mfu <= 1)) return usage(err, '--mfu must be in (0, 1], e.g. 0.4.');
    settings.mfu = mfu;
  }
  if (flags['usd-per-gpu-hour'] !== undefined) {
    const usd = Number(flags['usd-per-gpu-hour']);
    if (!(usd >= 0)) return usage(err, '--usd-per-gpu-hour must be a non-negative number.');
    settings.usdPerGpuHour = usd;
  }
  if (flags['dataset-tokens'] !== undefined) {
    const tokens = Number(flags['dataset-tokens']);
    if (!(tokens > 0)) return usage(err, '--dataset-tokens must be positive.');
    settings.datasetTokens = tokens;
  }
  // A saved downstream fit (scaling-lens fit --target accuracy:COL --save FILE).
  let downstreamLaw: Extract<ReturnType<typeof parseDownstreamLaw>, { ok: true }> | undefined;
  if (flags['downstream-law'] !== undefined) {
    let text: string;
    try {
      text = readFileSync(resolve(String(flags['downstream-law'])), 'utf8');
    } catch (error) {
      return usage(
        err,
        `--downstream-law: cannot read ${flags['downstream-law']} (${(error as Error).message}).`,
      );
    }
    const parsed = parseDownstreamLaw(text);
    if (!parsed.ok) return usage(err, `--downstream-law: ${parsed.errors.join(' ')}`);
    downstreamLaw = parsed;
  }

  let exitCode = 0;
  const results: AnalyzeJson[] = [];
  for (const file of positional) {
    const path = resolve(file);
    let text: string;
    try {
      const size = statSync(path).size;
      // Reading a multi-GB file just to reject it would exhaust memory; check the size first.
      if (size > MAX_ANALYZED_CHARS * 4) {
        results.push(
          emptyResult(file, [
            { severity: 'info', code: 'file-too-large', message: 'File too large to analyze.' },
          ]),
        );
        continue;
      }
      text = readFileSync(path, 'utf8');
    } catch (error) {
      err(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      exitCode = 1;
      continue;
    }
    const result = analyzeText(text, { path, readFile: readSibling }, settings);
    if (!result.analysis) {
      const json = emptyResult(file, result.diagnostics);
      json.framework = result.framework ?? null;
      results.push(json);
      continue;
    }
    const json = toJson(file, result.analysis);
    if (downstreamLaw && json.params && json.tokens !== null && json.tokens > 0) {
      const predicted = predictDownstream(downstreamLaw, json.params.active, json.tokens);
      json.downstream = predicted
        ? {
            ...predicted,
            lossLaw: downstreamLaw.law.lossLaw.form,
            accuracyLaw: downstreamLaw.law.accuracyLaw.form,
          }
        : null;
    }
    results.push(json);
  }
  if (flags.json) {
    out(results.map((r) => JSON.stringify(r)).join('\n'));
  } else {
    out(results.map(formatText).join('\n\n'));
  }
  return exitCode;
}

function usage(err: (s: string) => void, message: string): number {
  err(message);
  return 2;
}

function readSibling(path: string): string | undefined {
  try {
    if (statSync(path).size > MAX_ANALYZED_CHARS) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The JSON of a file that is not (or could not be read as) a run config. */
export function emptyResult(file: string, diagnostics: CoreDiagnostic[]): AnalyzeJson {
  return {
    file,
    framework: null,
    model: null,
    params: null,
    tokens: null,
    missing: [],
    trainable: null,
    tokensFormula: null,
    tokensPerParam: null,
    flops: null,
    flopsConvention: FLOPS_CONVENTION,
    flopsWithAttention: null,
    cost: null,
    loss: null,
    memory: null,
    throughput: null,
    dataConstrained: null,
    downstream: null,
    hyperparameters: null,
    warnings: [],
    diagnostics: diagnostics.map(toJsonDiagnostic),
  };
}

const FLOPS_CONVENTION = '6·N·D, N = active parameters (total for dense models), D = training tokens';

function toJsonDiagnostic(d: CoreDiagnostic) {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.range ? { line: d.range.start.line + 1 } : {}),
  };
}

/** The JSON shape of an analysis (shared by the CLI and tests). */
export function toJson(file: string, a: Analysis): AnalyzeJson {
  return {
    file,
    framework: a.framework,
    model: a.modelName ?? null,
    params: a.params
      ? { total: a.params.total, nonEmbedding: a.params.nonEmbedding, active: a.params.active }
      : null,
    tokens: a.tokens,
    missing: [...a.paramsMissing.map((m) => `N: ${m}`), ...a.missing],
    trainable: a.spec.trainableParams ?? null,
    tokensFormula: a.tokensFormula ?? null,
    tokensPerParam: a.tokensPerParam,
    flops: a.flops,
    flopsConvention: FLOPS_CONVENTION,
    flopsWithAttention: a.flopsWithAttention,
    cost: a.cost
      ? {
          gpuHours: a.cost.gpuHours,
          days: a.cost.days,
          usd: a.cost.usd,
          gpu: a.cost.gpu,
          gpus: a.cost.gpus,
          mfu: a.cost.mfu,
          ...(a.cost.from ? { from: a.cost.from } : {}),
        }
      : null,
    loss: a.loss
      ? {
          law: a.loss.law,
          value: a.loss.value,
          low: a.loss.low,
          high: a.loss.high,
          paramsUsed: a.loss.paramsUsed,
        }
      : null,
    memory: a.memory
      ? {
          perGpuBytes: a.memory.perGpuBytes,
          weights: a.memory.weights.bytes,
          gradients: a.memory.gradients.bytes,
          optimizer: a.memory.optimizer.bytes,
          activations: a.memory.activations.bytes,
          buffers: a.memory.buffers.bytes,
          overhead: a.memory.overhead.bytes,
          capacityBytes: a.memory.capacityBytes,
          fits: a.memory.fits,
          assumptions: [...a.memory.layoutAssumptions, ...a.memory.assumptions],
        }
      : null,
    throughput: a.throughput
      ? { tokensPerSecondPerGpu: a.throughput.tokensPerSecondPerGpu, stepSeconds: a.throughput.stepSeconds }
      : null,
    dataConstrained: a.dataConstrained
      ? {
          law: a.dataConstrained.law,
          uniqueTokens: a.dataConstrained.uniqueTokens,
          epochs: a.dataConstrained.epochs,
          source: a.dataConstrained.source,
          effectiveTokens: a.dataConstrained.effectiveTokens,
          effectiveParams: a.dataConstrained.effectiveParams,
          loss: a.dataConstrained.loss,
          lossWithoutRepetition: a.dataConstrained.lossWithoutRepetition,
          warnings: a.dataConstrained.warnings,
        }
      : null,
    downstream: null,
    hyperparameters: a.hyperparameters
      ? {
          optima: a.hyperparameters.optima.map((o) => ({
            law: o.law,
            learningRate: o.learningRate,
            batchTokens: o.batchTokens,
            batchSequences: o.batchSequences,
            convention: o.convention,
          })),
          config: a.hyperparameters.config,
          notes: a.hyperparameters.notes,
        }
      : null,
    warnings: a.warnings,
    diagnostics: a.diagnostics.map(toJsonDiagnostic),
  };
}

function formatText(r: AnalyzeJson): string {
  const lines = [`${r.file}`];
  if (!r.framework) {
    lines.push('  not a run config' + (r.diagnostics.length ? `: ${r.diagnostics[0].message}` : ''));
    return lines.join('\n');
  }
  lines.push(`  framework       ${r.framework}${r.model ? ` (${r.model})` : ''}`);
  if (r.params) {
    lines.push(
      `  params (N)      ${formatExact(r.params.total)} total, ${formatExact(r.params.nonEmbedding)} non-embedding`,
    );
    if (r.params.active !== r.params.total) lines.push(`  active params   ${formatExact(r.params.active)}`);
  } else {
    lines.push('  params (N)      unknown');
  }
  if (r.tokens !== null)
    lines.push(
      `  tokens (D)      ${formatExact(r.tokens)} (${formatCount(r.tokens)})${r.tokensFormula ? `  = ${r.tokensFormula}` : ''}`,
    );
  else lines.push(`  tokens (D)      unknown — missing: ${r.missing.join(', ') || 'training length'}`);
  if (r.tokensPerParam !== null) lines.push(`  tokens/param    ${r.tokensPerParam.toFixed(1)}`);
  if (r.flops !== null)
    lines.push(
      `  FLOPs           ${formatFlops(r.flops)} (6·N·D)${r.flopsWithAttention ? `, ${formatFlops(r.flopsWithAttention)} with attention` : ''}`,
    );
  if (r.cost)
    lines.push(
      `  cost            ${formatCount(r.cost.gpuHours)} ${r.cost.gpu}-hours at ${Math.round(r.cost.mfu * 100)}% MFU, ${formatHours(r.cost.days * 24)} on ${r.cost.gpus} GPUs, ${formatUsd(r.cost.usd)}`,
    );
  if (r.loss)
    lines.push(
      `  predicted loss  ${formatLoss(r.loss.value)}${r.loss.high > r.loss.low ? ` (95% ${formatLoss(r.loss.low)}–${formatLoss(r.loss.high)})` : ''} [${r.loss.law}]`,
    );
  const repeated = r.dataConstrained;
  if (repeated) {
    lines.push(
      `  repeated data   ${repeated.epochs.toPrecision(3)} epochs of ${formatCount(repeated.uniqueTokens)} unique tokens: D′ ${formatCount(repeated.effectiveTokens)}, loss ${formatLoss(repeated.loss)} vs ${formatLoss(repeated.lossWithoutRepetition)} unique [${repeated.law}]`,
    );
    for (const w of repeated.warnings) lines.push(`  warning: ${w}`);
  }
  if (r.downstream) {
    lines.push(
      `  ${r.downstream.target.padEnd(15).slice(0, 15)} ${(100 * r.downstream.accuracy).toFixed(1)}% predicted at loss ${formatLoss(r.downstream.loss)} [${r.downstream.accuracyLaw}]`,
    );
    for (const w of r.downstream.warnings) lines.push(`  warning: ${w}`);
  }
  for (const o of r.hyperparameters?.optima ?? []) {
    if (o.learningRate === null || o.batchTokens === null) continue;
    lines.push(
      `  LR / batch      ${o.learningRate.toPrecision(2)} / ${formatCount(o.batchTokens)} tokens${o.batchSequences !== null ? ` (${Math.round(o.batchSequences)} seqs)` : ''} [${o.law}]`,
    );
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const d of r.diagnostics)
    lines.push(`  ${d.severity}${d.line ? ` (line ${d.line})` : ''}: ${d.message}`);
  return lines.join('\n');
}
