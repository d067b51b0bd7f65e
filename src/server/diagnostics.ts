/**
 * Diagnostics: what the analysis could not determine (reader diagnostics such as 'missing-gpus'),
 * a severely under-trained pretraining run, and predictions far outside the law's data.
 */
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import { formatCount } from '../core/format';
import type { CoreDiagnostic, Severity } from '../core/types';
import { formatTokensPerParam } from './lenses';
import type { DocumentResult } from './model';
import { lawCaveat } from '../core/fit/identifiability';
import { liveRunDiagnostics } from './liveRuns';
import { hyperparameterDiagnostics } from './hyperparameterDiagnostics';

/** `source` of every diagnostic we publish. */
export const DIAGNOSTIC_SOURCE = 'Scaling Lens';

/** Stable codes of the diagnostics the server adds on top of the core's. */
export const ServerDiagnosticCodes = {
  underTrained: 'under-trained',
  extrapolation: 'extrapolation',
  analysisFailed: 'analysis-failed',
  lawNotIdentifiable: 'law-not-identifiable',
} as const;

/** The caveat of each law object, judged once (its bootstrap draws do not change). */
const caveats = new WeakMap<object, string | null>();
function caveatOf(law: DocumentResult['law']): string | null {
  if (!caveats.has(law)) caveats.set(law, lawCaveat(law) ?? null);
  return caveats.get(law)!;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const FILE_START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** The diagnostics to publish for a result (empty when diagnostics are off). */
export function buildDiagnostics(result: DocumentResult): Diagnostic[] {
  if (!result.settings.diagnostics.enable) return [];
  const out: Diagnostic[] = [];
  if (result.crashed) {
    out.push({
      range: FILE_START,
      severity: DiagnosticSeverity.Error,
      source: DIAGNOSTIC_SOURCE,
      code: ServerDiagnosticCodes.analysisFailed,
      message: `Scaling Lens could not analyze this file: ${result.crashed}`,
    });
  }
  const a = result.analysis;
  const modelRange = a?.spec.modelSectionRange ? firstLine(a.spec.modelSectionRange) : FILE_START;
  for (const d of result.diagnostics) out.push(fromCore(d, modelRange));
  if (!a) return out;

  const duration = a.spec.trainingSources.duration;
  const durationRange = duration && !duration.file ? duration.valueRange : modelRange;
  const threshold = result.settings.diagnostics.underTrainedTokensPerParam;
  // Eval-only configs train on 0 tokens on purpose; finetunes count only finetuning tokens.
  if (
    a.tokensPerParam !== null &&
    a.tokens !== null &&
    a.tokens > 0 &&
    a.tokensPerParam < threshold &&
    !a.spec.training.finetune
  ) {
    const optimal =
      a.optimalTokens !== null
        ? ` Compute-optimal for this N is ≈ ${formatCount(a.optimalTokens)} tokens.`
        : '';
    out.push({
      range: durationRange,
      severity: DiagnosticSeverity.Warning,
      source: DIAGNOSTIC_SOURCE,
      code: ServerDiagnosticCodes.underTrained,
      message: `Severely under-trained: ${formatTokensPerParam(a.tokensPerParam)} tokens per parameter (${formatCount(a.tokens)} tokens for ${formatCount(a.params!.active)} parameters).${optimal}`,
    });
  }
  // A fitted law whose bootstrap does not pin its coefficients down: every loss it predicts says so.
  const caveat = a.loss ? caveatOf(result.law) : null;
  if (caveat) {
    out.push({
      range: modelRange,
      severity: DiagnosticSeverity.Warning,
      source: DIAGNOSTIC_SOURCE,
      code: ServerDiagnosticCodes.lawNotIdentifiable,
      message: caveat,
    });
  }
  // The core phrases extrapolation warnings as "Extrapolation: N …" / "Extrapolation: D …".
  for (const warning of a.warnings) {
    const match = /^Extrapolation: ([ND]) /.exec(warning);
    if (!match) continue;
    out.push({
      range: match[1] === 'D' ? durationRange : modelRange,
      severity: DiagnosticSeverity.Information,
      source: DIAGNOSTIC_SOURCE,
      code: ServerDiagnosticCodes.extrapolation,
      message: warning,
    });
  }
  out.push(...liveRunDiagnostics(result));
  out.push(...hyperparameterDiagnostics(result));
  return out;
}

function fromCore(d: CoreDiagnostic, fallback: Range): Diagnostic {
  return {
    range: d.range ?? fallback,
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Information,
    source: DIAGNOSTIC_SOURCE,
    code: d.code,
    message: d.message,
  };
}

function firstLine(range: Range): Range {
  return range.start.line === range.end.line
    ? range
    : { start: range.start, end: { line: range.start.line, character: 1000 } };
}
