/**
 * What the server knows about one document after an analysis: the core's result plus the
 * settings it was computed with. Every view (lens, hover, diagnostic, code action, snapshot) is a
 * pure function of this value.
 */
import type { Analysis, AnalysisSettings } from '../core/analyze';
import type { ScalingLaw } from '../core/laws/published';
import type { CoreDiagnostic, FrameworkId } from '../core/types';
import { classifyUnrecognized } from '../core/config/unsupported';
import { frameworkLabel } from '../core/config/labels';
import type { AnalysisSnapshot, DocumentKind, ScalingLensSettings } from '../protocol';
import type { SelectedDownstream } from './downstreamLaws';

/** One analysis of one document version. */
export interface DocumentResult {
  uri: string;
  version: number;
  /** True when some reader recognized the file (even if it could not read it). */
  recognized: boolean;
  framework?: FrameworkId;
  /** Null when the file is not a run config or could not be read. */
  analysis: Analysis | null;
  /** Core diagnostics of this version (reader + analysis). */
  diagnostics: CoreDiagnostic[];
  settings: ScalingLensSettings;
  analysisSettings: AnalysisSettings;
  /** The law the analysis used (published or saved). */
  law: ScalingLaw;
  /** The downstream law `scalingLens.downstream.law` selects (accuracy lens, hover column, chart). */
  downstream?: SelectedDownstream;
  /** Problems with the settings themselves (unknown law id), shown in the status item. */
  settingsWarnings: string[];
  elapsedMs: number;
  /** Set when the analysis threw: the message, for the log and a diagnostic. */
  crashed?: string;
}

/** A result the lenses can show: recognized with a parameter count. */
export function isGood(
  result: DocumentResult | undefined,
): result is DocumentResult & { analysis: Analysis } {
  return !!result && result.analysis !== null && result.analysis.params !== null;
}

/** The JSON snapshot the status item and the curves panel consume. */
export function toSnapshot(result: DocumentResult): AnalysisSnapshot | null {
  const a = result.analysis;
  if (!a) return null;
  const law = result.law;
  return {
    uri: result.uri,
    version: result.version,
    framework: a.framework,
    frameworkLabel: frameworkLabel(a.framework),
    modelName: a.modelName ?? null,
    params: a.params,
    tokens: a.tokens,
    missing: a.missing,
    tokensPerParam: a.tokensPerParam,
    optimalTokens: a.optimalTokens,
    flops: a.flops,
    cost: a.cost
      ? { gpuHours: a.cost.gpuHours, days: a.cost.days, usd: a.cost.usd, gpu: a.cost.gpu, gpus: a.cost.gpus }
      : null,
    loss: a.loss
      ? {
          law: a.loss.law,
          value: a.loss.value,
          low: a.loss.low,
          high: a.loss.high,
          paramsUsed: a.loss.paramsUsed,
          ...(a.loss.atOptimalTokens !== undefined ? { atOptimalTokens: a.loss.atOptimalTokens } : {}),
        }
      : null,
    law: {
      id: law.id,
      label: law.label,
      citation: law.citation,
      paramConvention: law.paramConvention,
      law: law.law,
      ...(law.bootstrapDraws ? { bootstrapDraws: law.bootstrapDraws } : {}),
      ...(law.fittedFrom ? { fittedFrom: law.fittedFrom } : {}),
    },
    warnings: [...result.settingsWarnings, ...a.warnings],
    elapsedMs: result.elapsedMs,
  };
}

/** What the language status says about a document: recognized, unreadable, or what it looks like. */
export function documentKind(result: DocumentResult | undefined, text: string): DocumentKind {
  if (result?.analysis)
    return {
      kind: 'run-config',
      framework: result.analysis.framework,
      frameworkLabel: frameworkLabel(result.analysis.framework),
    };
  if (result?.recognized) {
    const problem = result.diagnostics.find((d) => d.severity === 'error') ?? result.diagnostics[0];
    return {
      kind: 'unreadable',
      framework: result.framework ?? null,
      frameworkLabel: result.framework ? frameworkLabel(result.framework) : null,
      message: problem?.message ?? 'recognized, but could not be read',
    };
  }
  return classifyUnrecognized(text);
}
