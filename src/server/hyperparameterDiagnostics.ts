/**
 * Issue 14 item 3, editor view: the config's peak LR (read by the framework's LR-schedule extractor,
 * src/core/schedule/learningRate.ts) beside the LR optima of the published laws at this run's scale
 * (src/core/laws/hyperparameters.ts: DeepSeek-AI 2024, Li et al. 2025 Step Law), as an
 * information diagnostic on the LR key. Never a warning: the two laws disagree with each other by
 * about 2× (conventions and data differ), so neither is a target. Shown only when N, D and the LR
 * are known. When the LR is more than 2× from a law's optimum it says so per law (quick fixes:
 * src/server/hyperparameterActions.ts). Likewise for the global batch against the laws' batch
 * optima, on the batch key, saying why when no fix can be written.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { formatCount } from '../core/format';
import type { DocumentResult } from './model';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import { formatLr } from './scheduleHover';
import type { Analysis } from '../core/analyze';

export const HYPERPARAMETER_DIAGNOSTIC_CODE = 'lr-vs-laws';
export const BATCH_DIAGNOSTIC_CODE = 'batch-vs-laws';

const LABELS: Record<string, string> = {
  steplaw2025: 'Step Law (Li et al. 2025)',
  deepseek2024: 'DeepSeek 2024',
};

/** A factor beyond which the config's LR counts as "away" from a law's optimum. */
export const LR_FAR_FACTOR = 2;

/** Laws whose LR optimum is more than 2× from the config's LR, with the ratio config / optimum. */
export function lawsFarFromLr(a: Analysis): { law: string; optimum: number; ratio: number }[] {
  const view = a.hyperparameters;
  const lr = view?.config.learningRate;
  if (!view || lr === null || lr === undefined || !(lr > 0)) return [];
  const out: { law: string; optimum: number; ratio: number }[] = [];
  for (const o of view.optima) {
    if (o.learningRate === null || !(o.learningRate > 0)) continue;
    const ratio = lr / o.learningRate;
    if (ratio > LR_FAR_FACTOR || ratio < 1 / LR_FAR_FACTOR)
      out.push({ law: o.law, optimum: o.learningRate, ratio });
  }
  // Step Law first, as the diagnostic orders them.
  return out.sort((x, y) => Number(y.law === 'steplaw2025') - Number(x.law === 'steplaw2025'));
}

/** Laws whose batch optimum is more than 2× from the config's global batch (config / optimum). */
export function lawsFarFromBatch(
  a: Analysis,
): { law: string; sequences: number; tokens: number; ratio: number }[] {
  const view = a.hyperparameters;
  const batch = view?.config.batchTokens;
  const seqLen = a.spec.training.seqLen;
  if (!view || batch === null || batch === undefined || !(batch > 0) || !seqLen) return [];
  const out: { law: string; sequences: number; tokens: number; ratio: number }[] = [];
  for (const o of view.optima) {
    if (o.batchTokens === null || !(o.batchTokens > 0) || o.batchSequences === null) continue;
    const ratio = batch / o.batchTokens;
    if (ratio > LR_FAR_FACTOR || ratio < 1 / LR_FAR_FACTOR)
      out.push({ law: o.law, sequences: o.batchSequences, tokens: o.batchTokens, ratio });
  }
  return out.sort((x, y) => Number(y.law === 'steplaw2025') - Number(x.law === 'steplaw2025'));
}

/** A plain integer literal, maybe quoted (what a batch fix can rewrite). */
export const INTEGER_LITERAL = /^(["']?)(\d[\d_]*)\1$/;

/**
 * Why a batch fix cannot be written for this file, or undefined when it can be tried. Cheap (no
 * re-read), so the diagnostic states it; the fix itself is still checked by re-reading.
 */
export function batchFixBlocker(a: Analysis): string | undefined {
  const s = a.spec.trainingSources;
  const batch = s.globalBatch;
  if (!batch)
    return s.microBatch
      ? `the file sets the batch as ${s.microBatch.key} × accumulation × data-parallel, not one global-batch key`
      : 'no global-batch key is written in this file';
  if (batch.file) return `${batch.key} is set in another file`;
  if (!INTEGER_LITERAL.test(batch.raw.trim()))
    return `${batch.key} is not a plain number (${batch.raw.trim()})`;
  const duration = s.duration;
  if (!duration || duration.file || !a.spec.training.durationUnit)
    return 'the run length is not written in this file, so the steps cannot be adjusted to keep D';
  return undefined;
}

/** The information diagnostics for the LR key and the global-batch key, each when it applies. */
export function hyperparameterDiagnostics(result: DocumentResult): Diagnostic[] {
  const lr = lrDiagnostic(result);
  const batch = batchDiagnostic(result);
  return [...(lr ? [lr] : []), ...(batch ? [batch] : [])];
}

/** The information diagnostic for the LR key, or none. */
function lrDiagnostic(result: DocumentResult): Diagnostic | undefined {
  const view = result.analysis?.hyperparameters;
  const lr = view?.config.learningRate;
  const where = view?.config.learningRateKey;
  if (!view || lr === null || lr === undefined || !where) return undefined;
  const optima = view.optima.filter((o) => o.learningRate !== null && o.learningRate > 0);
  // Step Law needs N and D; without it (D unknown) there is nothing at this scale to compare with.
  const step = optima.find((o) => o.law === 'steplaw2025');
  if (!step) return undefined;
  const ordered = [step, ...optima.filter((o) => o !== step)];
  const parts = ordered.map((o) => `${LABELS[o.law] ?? o.law} optimum ${formatLr(o.learningRate!)}`);
  const n = step.inputs.N;
  const d = step.inputs.D;
  const scale =
    n !== undefined && d !== undefined
      ? ` (N ${formatCount(n)} non-embedding, D ${formatCount(d)} tokens)`
      : '';
  let spread = ' A guide, not a target: the published LR laws disagree with each other (about 2× or more).';
  if (ordered.length > 1) {
    const values = ordered.map((o) => o.learningRate!);
    const ratio = Math.max(...values) / Math.min(...values);
    spread = ` The two laws differ by ${ratio.toFixed(1)}× at this scale (different data and conventions): a guide, not a target.`;
  }
  // Per law, when the config's LR is more than 2× from its optimum (each such law has a quick fix,
  // src/server/hyperparameterActions.ts); appended so the comparison above reads the same.
  const far = lawsFarFromLr(result.analysis!).map((f) => {
    const how = f.ratio > 1 ? `${f.ratio.toFixed(1)}× above` : `${(1 / f.ratio).toFixed(1)}× below`;
    return `${how} the ${LABELS[f.law] ?? f.law} optimum`;
  });
  if (far.length) spread += ` lr is ${far.join(' and ')} (more than ${LR_FAR_FACTOR}×).`;
  const line = where.line - 1;
  const range = where.range ?? { start: { line, character: 0 }, end: { line, character: 1000 } };
  return {
    range,
    severity: DiagnosticSeverity.Information,
    source: DIAGNOSTIC_SOURCE,
    code: HYPERPARAMETER_DIAGNOSTIC_CODE,
    message: `lr ${formatLr(lr)}; ${parts.join(', ')} at this scale${scale}.${spread}`,
  };
}

/**
 * The information diagnostic on the global-batch key (or the micro-batch key when the file builds
 * the batch from it) when the batch is more than 2× from a law's batch optimum; it says why when no
 * quick fix can be written (batchFixBlocker above).
 */
function batchDiagnostic(result: DocumentResult): Diagnostic | undefined {
  const a = result.analysis;
  const view = a?.hyperparameters;
  const tokens = view?.config.batchTokens;
  if (!a || !view || tokens === null || tokens === undefined) return undefined;
  const far = lawsFarFromBatch(a);
  if (far.length === 0) return undefined;
  const s = a.spec.trainingSources;
  const source =
    s.globalBatch && !s.globalBatch.file
      ? s.globalBatch
      : s.microBatch && !s.microBatch.file
        ? s.microBatch
        : undefined;
  if (!source) return undefined;
  const optima = view.optima.filter((o) => o.batchTokens !== null && o.batchSequences !== null);
  const ordered = [...optima].sort(
    (x, y) => Number(y.law === 'steplaw2025') - Number(x.law === 'steplaw2025'),
  );
  const seqs = (n: number) => Math.round(n).toLocaleString('en-US');
  const parts = ordered.map(
    (o) =>
      `${LABELS[o.law] ?? o.law} optimum ${seqs(o.batchSequences!)} (${formatCount(o.batchTokens!)} tokens)`,
  );
  const own =
    view.config.batchSequences !== null
      ? `${seqs(view.config.batchSequences)} sequences (${formatCount(tokens)} tokens)`
      : `${formatCount(tokens)} tokens`;
  const how = far.map((f) => {
    const by = f.ratio > 1 ? `${f.ratio.toFixed(1)}× above` : `${(1 / f.ratio).toFixed(1)}× below`;
    return `${by} the ${LABELS[f.law] ?? f.law} optimum`;
  });
  const blocker = batchFixBlocker(a);
  const fix = blocker ? ` No quick fix: ${blocker}.` : '';
  return {
    range: source.keyRange,
    severity: DiagnosticSeverity.Information,
    source: DIAGNOSTIC_SOURCE,
    code: BATCH_DIAGNOSTIC_CODE,
    message:
      `global batch ${own}; ${parts.join(', ')} at this scale. It is ${how.join(' and ')} (more than ${LR_FAR_FACTOR}×). ` +
      `A guide, not a target: the two batch laws disagree with each other.${fix}`,
  };
}
