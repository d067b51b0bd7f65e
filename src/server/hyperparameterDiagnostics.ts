/**
 * Issue 14 item 3, editor view: the config's peak LR (read by the framework's LR-schedule extractor,
 * src/core/schedule/learningRate.ts) beside the LR optima of the published laws at this run's scale
 * (src/core/laws/hyperparameters.ts: DeepSeek-AI 2024, Li et al. 2025 Step Law), as an
 * information diagnostic on the LR key. Never a warning: the two laws disagree with each other by
 * about 2× (conventions and data differ), so neither is a target. Shown only when N, D and the LR
 * are known.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { formatCount } from '../core/format';
import type { DocumentResult } from './model';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import { formatLr } from './scheduleHover';

export const HYPERPARAMETER_DIAGNOSTIC_CODE = 'lr-vs-laws';

const LABELS: Record<string, string> = {
  steplaw2025: 'Step Law (Li et al. 2025)',
  deepseek2024: 'DeepSeek 2024',
};

/** The information diagnostic for the LR key, or none. */
export function hyperparameterDiagnostics(result: DocumentResult): Diagnostic[] {
  const view = result.analysis?.hyperparameters;
  const lr = view?.config.learningRate;
  const where = view?.config.learningRateKey;
  if (!view || lr === null || lr === undefined || !where) return [];
  const optima = view.optima.filter((o) => o.learningRate !== null && o.learningRate > 0);
  // Step Law needs N and D; without it (D unknown) there is nothing at this scale to compare with.
  const step = optima.find((o) => o.law === 'steplaw2025');
  if (!step) return [];
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
  const line = where.line - 1;
  const range = where.range ?? { start: { line, character: 0 }, end: { line, character: 1000 } };
  return [
    {
      range,
      severity: DiagnosticSeverity.Information,
      source: DIAGNOSTIC_SOURCE,
      code: HYPERPARAMETER_DIAGNOSTIC_CODE,
      message: `lr ${formatLr(lr)}; ${parts.join(', ')} at this scale${scale}.${spread}`,
    },
  ];
}
