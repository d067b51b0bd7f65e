/**
 * Settings and custom LSP messages shared by the client, the server and the webview host, compiled
 * into each bundle so the sides cannot drift. Pure: no `vscode` import.
 */
import { DEFAULT_ANALYSIS_SETTINGS, type AnalysisSettings } from './core/settings';
import { findLawForm, type LawForm } from './core/laws/forms';
import { FIT_DEFAULTS } from './core/fit/defaults';

// Command ids and the typed requests and notifications: their own module, which imports nothing of
// the core, so the extension host can use them without bundling this module's settings normalizers.
export * from './protocolMethods';

/** The `scalingLens.*` settings as the user writes them (any field may be missing or wrong-typed). */
export interface RawSettings {
  law?: unknown;
  hardware?: { gpu?: unknown; gpus?: unknown; mfu?: unknown; usdPerGpuHour?: unknown };
  missing?: { gpus?: unknown; datasetTokens?: unknown };
  lens?: {
    enable?: unknown;
    summary?: { enable?: unknown };
    duration?: { enable?: unknown };
    inference?: { enable?: unknown };
    memory?: { enable?: unknown };
    // Per-topic lenses (issue #16): each also needs lens.summary for the model-line topics.
    size?: { enable?: unknown };
    data?: { enable?: unknown };
    compute?: { enable?: unknown };
    cost?: { enable?: unknown };
    loss?: { enable?: unknown };
    /** The LR / batch lenses at the LR and batch keys (issue 14). */
    hyperparameters?: { enable?: unknown };
  };
  hover?: { enable?: unknown };
  diagnostics?: { enable?: unknown; underTrainedTokensPerParam?: unknown };
  inference?: { tokens?: unknown };
  memory?: { overheadGiB?: unknown; overheadFraction?: unknown };
  downstream?: { law?: unknown };
  schedule?: { law?: unknown };
}

/** Normalized settings: every field present and valid. */
export interface ScalingLensSettings {
  law: string;
  hardware: { gpu: string; gpus: number; mfu: number; usdPerGpuHour: number | null };
  missing: { gpus: number | null; datasetTokens: number | null };
  lens: {
    enable: boolean;
    summary: boolean;
    duration: boolean;
    inference: boolean;
    memory: boolean;
    size: boolean;
    data: boolean;
    compute: boolean;
    cost: boolean;
    loss: boolean;
    hyperparameters: boolean;
  };
  hover: { enable: boolean };
  /** underTrainedTokensPerParam: below this many tokens per parameter a pretraining run gets a warning. */
  diagnostics: { enable: boolean; underTrainedTokensPerParam: number };
  /** Lifetime inference demand in tokens for the inference-aware lens; null = off. */
  inference: { tokens: number | null };
  /** Overrides of the memory estimate's overhead allowance (null = the default 1 GiB + 5%). */
  memory: { overheadGiB: number | null; overheadFraction: number | null };
  /** The saved downstream law (`.vscode/scaling-lens/<law>.downstream.json`) shown; '' = none. */
  downstream: { law: string };
  /**
   * The saved schedule-aware law for "loss over training" (`.vscode/scaling-lens/<law>.schedule.json`,
   * written by `scaling-lens fit --form tissue2024 --save`, or an absolute path to such a file); '' = none.
   */
  schedule: { law: string };
}

export const DEFAULT_SETTINGS: ScalingLensSettings = {
  law: DEFAULT_ANALYSIS_SETTINGS.lawId,
  hardware: {
    gpu: DEFAULT_ANALYSIS_SETTINGS.gpu,
    gpus: DEFAULT_ANALYSIS_SETTINGS.gpus,
    mfu: DEFAULT_ANALYSIS_SETTINGS.mfu,
    usdPerGpuHour: null,
  },
  missing: { gpus: null, datasetTokens: null },
  lens: {
    enable: true,
    summary: true,
    duration: true,
    inference: true,
    memory: true,
    size: true,
    data: true,
    compute: true,
    cost: true,
    loss: true,
    hyperparameters: true,
  },
  hover: { enable: true },
  // 1 token/param matches the core's "severely under-trained" warning (compute-optimal is ~20).
  diagnostics: { enable: true, underTrainedTokensPerParam: 1 },
  inference: { tokens: null },
  memory: { overheadGiB: null, overheadFraction: null },
  downstream: { law: '' },
  schedule: { law: '' },
};

const bool = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);
const positive = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
const text = (value: unknown, fallback: string) =>
  typeof value === 'string' && value.trim() ? value.trim() : fallback;

/** Normalize raw settings in one place; wrong types fall back to defaults, never throw. */
export function normalizeSettings(raw: RawSettings | null | undefined): ScalingLensSettings {
  const r = raw ?? {};
  const mfu = positive(r.hardware?.mfu);
  return {
    law: text(r.law, DEFAULT_SETTINGS.law),
    hardware: {
      gpu: text(r.hardware?.gpu, DEFAULT_SETTINGS.hardware.gpu),
      gpus: Math.round(positive(r.hardware?.gpus) ?? DEFAULT_SETTINGS.hardware.gpus),
      mfu: mfu !== null && mfu <= 1 ? mfu : DEFAULT_SETTINGS.hardware.mfu,
      usdPerGpuHour: positive(r.hardware?.usdPerGpuHour),
    },
    missing: {
      gpus: positive(r.missing?.gpus) !== null ? Math.round(positive(r.missing?.gpus)!) : null,
      datasetTokens: positive(r.missing?.datasetTokens),
    },
    lens: {
      enable: bool(r.lens?.enable, true),
      summary: bool(r.lens?.summary?.enable, true),
      duration: bool(r.lens?.duration?.enable, true),
      inference: bool(r.lens?.inference?.enable, true),
      memory: bool(r.lens?.memory?.enable, true),
      size: bool(r.lens?.size?.enable, true),
      data: bool(r.lens?.data?.enable, true),
      compute: bool(r.lens?.compute?.enable, true),
      cost: bool(r.lens?.cost?.enable, true),
      loss: bool(r.lens?.loss?.enable, true),
      hyperparameters: bool(r.lens?.hyperparameters?.enable, true),
    },
    hover: { enable: bool(r.hover?.enable, true) },
    diagnostics: {
      enable: bool(r.diagnostics?.enable, true),
      underTrainedTokensPerParam:
        positive(r.diagnostics?.underTrainedTokensPerParam) ??
        DEFAULT_SETTINGS.diagnostics.underTrainedTokensPerParam,
    },
    inference: { tokens: positive(r.inference?.tokens) },
    memory: {
      overheadGiB: nonNegative(r.memory?.overheadGiB, Infinity),
      // A fraction of 1 or more would double the estimate: not an allowance.
      overheadFraction: nonNegative(r.memory?.overheadFraction, 1),
    },
    // "none" is what the benchmark picker's "none" item would read as if typed by hand.
    downstream: { law: /^none$/i.test(text(r.downstream?.law, '')) ? '' : text(r.downstream?.law, '') },
    schedule: { law: /^none$/i.test(text(r.schedule?.law, '')) ? '' : text(r.schedule?.law, '') },
  };
}

/** A finite number in [0, below), else null (0 is a valid overhead). */
function nonNegative(value: unknown, below: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < below ? value : null;
}

/** The core's analysis settings for normalized editor settings. */
export function toAnalysisSettings(settings: ScalingLensSettings): AnalysisSettings {
  return {
    lawId: settings.law,
    gpu: settings.hardware.gpu,
    gpus: settings.missing.gpus ?? settings.hardware.gpus,
    useGpusForMissingTokens: settings.missing.gpus !== null,
    // scalingLens.hardware.gpu is the default for files that name no accelerator (package.json).
    gpuFromFile: true,
    mfu: settings.hardware.mfu,
    ...(settings.hardware.usdPerGpuHour !== null ? { usdPerGpuHour: settings.hardware.usdPerGpuHour } : {}),
    ...(settings.missing.datasetTokens !== null ? { datasetTokens: settings.missing.datasetTokens } : {}),
    ...(settings.memory.overheadGiB !== null || settings.memory.overheadFraction !== null
      ? {
          memoryOverhead: {
            ...(settings.memory.overheadGiB !== null
              ? { fixedBytes: settings.memory.overheadGiB * 2 ** 30 }
              : {}),
            ...(settings.memory.overheadFraction !== null
              ? { fraction: settings.memory.overheadFraction }
              : {}),
          },
        }
      : {}),
  };
}

/** Argument of {@link Commands.setTrainingTokens} (from the "set the training tokens" quick fix). */
export interface SetTrainingTokensArgs {
  uri: string;
  /** The compute-optimal D for this N, offered as the input's default, or null. */
  suggested: number | null;
}
/** Request (client → server): store (tokens a number) or remove (null) a file's training tokens. */
export interface TrainingTokensParams {
  uri: string;
  tokens: number | null;
}
export type TrainingTokensResponse =
  { ok: false; message: string } | { ok: true; message: string; file: string };

/** Request (client → server): parse what the user typed into the training-tokens input box. */
export interface ParseTrainingTokensParams {
  text: string;
}
export type ParseTrainingTokensResponse = { ok: true; tokens: number } | { ok: false; message: string };

/** Request (client → server): the analysis of an open config as a report (Markdown and JSON texts). */
export interface ReportParams {
  uri: string;
  /**
   * The charts the client drew for the report (the curves panel renders them, the client writes the
   * PNGs into `chartsFolder`); absent when the client draws none (the report then says so).
   */
  charts?: ReportCharts;
}
export type ReportResponse =
  | { ok: false; message: string }
  | {
      ok: true;
      markdown: string;
      json: string;
      name: string;
      /** Folder beside the Markdown that holds the chart PNGs (`<name>.scaling-report`), one `<chart>.png` each. */
      chartsFolder: string;
    };

/** One chart PNG written for a report: `<chartsFolder>/<chart>.png`, size read from its IHDR. */
export interface ReportChartImage {
  chart: import('./core/charts').ChartId;
  /** The server's chart title (from the curves data), used as the image's alt text. */
  title: string;
  /** Pixel size of the PNG (CSS size × pixel ratio). */
  widthPx: number;
  heightPx: number;
}

/** What became of a report's charts. */
export type ReportCharts =
  | {
      status: 'embedded';
      images: ReportChartImage[];
      /** Device pixels per CSS pixel the charts were drawn at (2). */
      pixelRatio: number;
      /** The comparison overlay the panel draws on these charts, if any. */
      compareLabel?: string;
    }
  /** The config has nothing to draw (every chart unavailable). */
  | { status: 'none' }
  /** Drawing or writing the PNGs failed: the report is written without them and says why. */
  | { status: 'failed'; reason: string };

/** Argument of {@link Commands.setGpuCount}, computed by the server's missing-GPU quick fix. */
export type SetGpuCountArgs =
  | {
      target: 'file';
      uri: string;
      /** Document version the insertion point was computed for (stale → the client re-asks). */
      version: number;
      position: { line: number; character: number };
      /** Text before the number, e.g. `# scaling-lens: gpus=`; a newline follows the number. */
      prefix: string;
      suggested: number | null;
    }
  | { target: 'workspaceFolder'; uri: string; suggested: number | null };

export interface AnalysisRequestParams {
  uri: string;
}

/** Payload of {@link AnalysisChangedMethod}: the document's new snapshot (sent only for run configs). */
export type AnalysisChangedParams = AnalysisSnapshot;

/**
 * A JSON-serializable snapshot of one document's analysis: what the curves panel and the status
 * item need. Numbers are plain (units in names); null means unknown.
 */
export interface AnalysisSnapshot {
  uri: string;
  /** Document version the snapshot was computed from. */
  version: number;
  framework: string;
  /** The framework's display name (the client keeps no list of frameworks). */
  frameworkLabel: string;
  modelName: string | null;
  params: { total: number; nonEmbedding: number; active: number; activeNonEmbedding: number } | null;
  tokens: number | null;
  missing: string[];
  tokensPerParam: number | null;
  optimalTokens: number | null;
  flops: number | null;
  cost: { gpuHours: number; days: number; usd: number; gpu: string; gpus: number } | null;
  loss: {
    law: string;
    value: number;
    low: number;
    high: number;
    paramsUsed: number;
    atOptimalTokens?: number;
  } | null;
  /** The law in use, with everything needed to redraw its curves client-side. */
  law: {
    id: string;
    label: string;
    citation: string;
    paramConvention: string;
    law: import('./core/laws/forms').LawParams;
    bootstrapDraws?: readonly (readonly number[])[];
    fittedFrom?: string;
  };
  warnings: string[];
  /** Milliseconds the analysis took (language status). */
  elapsedMs: number;
}

/** What the language status says about a document. */
export type DocumentKind =
  | { kind: 'run-config'; framework: string; frameworkLabel: string }
  | { kind: 'unreadable'; framework: string | null; frameworkLabel: string | null; message: string }
  | { kind: 'unsupported-framework'; framework: string; hint: string }
  | { kind: 'config-like'; keys: string[]; hint: string }
  | { kind: 'not-a-run-config' };

/** A plan's target as the server sends it and takes it back to apply (src/core/plan/applyPlan.ts). */
export type PlanTargetWire = import('./core/plan/applyPlan').PlanTarget;

/** Parameters of the planning requests: the document the command started from, if any. */
export interface PlanScopeParams {
  uri?: string;
}
/** What the plan prompts show before any input (every number from the server). */
export interface PlanContext {
  lawLabel: string;
  irreducibleLoss: number;
  hardware: { gpu: string; mfu: number };
  /** The current config's predicted loss (the target-loss prompt's default), or null. */
  currentLoss: number | null;
  inferenceTokens: number | null;
  /** The budget input's prompt, naming the hardware and MFU the budget is converted with. */
  budgetPrompt?: string;
}
/** `uniqueTokens`: the dataset's unique tokens for the data-constrained plan (issue 14). */
export type PlanInputField = 'budget' | 'targetLoss' | 'demand' | 'uniqueTokens';
export interface ValidatePlanInputParams extends PlanScopeParams {
  field: PlanInputField;
  text: string;
}
export type PlanParams =
  | ({
      kind: 'compute-optimal';
      budget: string;
      /** With it, the data-constrained optimum (Muennighoff et al. 2023) is the plan. */
      uniqueTokens?: string;
    } & PlanScopeParams)
  | ({ kind: 'inference'; targetLoss: string; demand: string } & PlanScopeParams);
export type PlanResponse =
  | { ok: false; message: string }
  | {
      ok: true;
      /** The report, shown as a Markdown document. */
      markdown: string;
      /** One line for the notification. */
      summary: string;
      target: PlanTargetWire;
      /** The scope document is a run config the plan can be applied to. */
      canApply: boolean;
      /** The suggested shape as an HF config.json object, or null. */
      hfConfig: unknown;
    };
export interface ApplyPlanParams {
  uri: string;
  target: PlanTargetWire;
  /** How the report names the file (the workspace-relative path). */
  name: string;
}
export type ApplyPlanResponse =
  | { ok: false; message: string }
  | {
      ok: true;
      /** The document version the edits are against (the client applies them only to it). */
      version: number;
      edits: {
        range: { start: { line: number; character: number }; end: { line: number; character: number } };
        newText: string;
      }[];
      message: string;
      /** A Markdown table of the changes and notes, or null when there is nothing to detail. */
      details: string | null;
    };

/** One saved (user-fitted) law, as listed in the law picker; `id` is what `scalingLens.law` names. */
/** A saved downstream law (`.vscode/scaling-lens/<id>.downstream.json`) for the benchmark picker. */
export interface DownstreamLawInfo {
  /** What `scalingLens.downstream.law` holds to select it: the file name without `.downstream.json`. */
  id: string;
  uri: string;
  name: string;
  /** The benchmark column. */
  target: string;
  accuracyLaw: string;
  dataSource: string;
  heldOutMae?: number;
  heldOutModel?: string;
  /** Bootstrap draws behind the interval (0: no interval). */
  draws: number;
  /** The picker's detail line (data, held-out error, interval), written by the server. */
  detail: string;
}

/** A column of a runs file that holds accuracies, for the downstream fit's benchmark pick. */
export interface AccuracyColumnInfo {
  name: string;
  /** How its values read: fractions, percentages (0–100, to divide by 100), or neither. */
  scale: 'fraction' | 'percent' | 'invalid';
  min: number;
  max: number;
  values: number;
  /** The picker's description (`fractions 0.27–0.76`), written by the server. */
  description: string;
  /** A law name (slug) for it, for the save prompt. */
  suggestedName: string;
  /** Why it cannot be fitted (values outside [0, 100]). */
  problem?: string;
  /** For a percentage column: the confirmation to divide by 100. */
  percentQuestion?: { message: string; detail: string };
}

/** Request (client → server): the accuracy columns of a runs source. */
export interface AccuracyColumnsParams {
  source: FitSource;
}
export interface AccuracyColumnsResponse {
  columns: AccuracyColumnInfo[];
  /** The loss column ingestion picks by itself (null: none; then one of `lossColumns` must be chosen). */
  lossColumn: string | null;
  /** Loss-like columns to choose from when `lossColumn` is null. */
  lossColumns: string[];
  /** Set when there is no loss column at all (a downstream fit needs one). */
  noLoss?: string;
  /** Why nothing could be listed (unreadable source), if so. */
  message?: string;
}

/** Request (client → server): fit a downstream law on a runs source and serialize it for saving. */
export interface DownstreamFitParams {
  source: FitSource;
  label: string;
  column: string;
  /** The loss column of step 1 (default: the one ingestion finds). */
  lossColumn?: string;
  /** 'percent' after the user agreed to divide a percentage column by 100. */
  accuracyScale: 'fraction' | 'percent';
  /** bhagia2024 (default) or gadre2024. */
  accuracyLaw?: string;
  /** The law's name (a slug, validated like a loss law's): saved as `<name>.downstream.json`. */
  name: string;
  /** Progress notifications carry this id (FitProgressNotification's `session`). */
  progressId: string;
  date: string;
}
export type DownstreamFitResponse =
  | { ok: false; errors: string[]; warnings: string[]; markdown: string }
  | {
      ok: true;
      warnings: string[];
      markdown: string;
      content: string;
      fileName: string;
      /** The id to put in `scalingLens.downstream.law`. */
      id: string;
    };

export interface SavedLawInfo {
  id: string;
  label: string;
  /** URI of the `.law.json` file. */
  uri: string;
  fittedFrom?: string;
}

/** The `scalingLens.fit.*` settings as written. */
export interface RawFitSettings {
  form?: unknown;
  minTokens?: unknown;
  useIntermediateCheckpoints?: unknown;
  minModelSizes?: unknown;
  holdoutLargest?: unknown;
  targetPrefixFraction?: unknown;
  borrowExponentsFrom?: unknown;
  bootstrap?: unknown;
  huberDelta?: unknown;
}

/**
 * Fit settings, defaulting to Choshen, Zhang & Andreas 2025 ("A Hitchhiker's Guide to Scaling Law
 * Estimation") and Hoffmann et al. 2022 (Huber δ = 1e-3).
 */
export interface FitSettings {
  form: LawForm;
  minTokens: number;
  useIntermediateCheckpoints: boolean;
  minModelSizes: number;
  holdoutLargest: boolean;
  targetPrefixFraction: number;
  /** A published law id whose exponents are borrowed, or null. */
  borrowExponentsFrom: string | null;
  bootstrap: number;
  huberDelta: number;
}

export const DEFAULT_FIT_SETTINGS: FitSettings = {
  form: FIT_DEFAULTS.form,
  minTokens: FIT_DEFAULTS.minTokens,
  useIntermediateCheckpoints: FIT_DEFAULTS.useIntermediateCheckpoints,
  minModelSizes: FIT_DEFAULTS.minModelSizes,
  holdoutLargest: FIT_DEFAULTS.holdoutLargest,
  targetPrefixFraction: FIT_DEFAULTS.targetPrefixFraction,
  borrowExponentsFrom: null,
  bootstrap: FIT_DEFAULTS.editorBootstrap,
  huberDelta: FIT_DEFAULTS.huberDelta,
};

/** Normalize `scalingLens.fit.*`; wrong types and out-of-range values fall back to the defaults. */
export function normalizeFitSettings(raw: RawFitSettings | null | undefined): FitSettings {
  const r = raw ?? {};
  const d = DEFAULT_FIT_SETTINGS;
  const nonNegative = (value: unknown, fallback: number) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
  const form = findLawForm(r.form)?.id ?? d.form;
  const prefix = nonNegative(r.targetPrefixFraction, d.targetPrefixFraction);
  return {
    form,
    minTokens: nonNegative(r.minTokens, d.minTokens),
    useIntermediateCheckpoints: bool(r.useIntermediateCheckpoints, d.useIntermediateCheckpoints),
    minModelSizes: Math.max(1, Math.round(nonNegative(r.minModelSizes, d.minModelSizes))),
    holdoutLargest: bool(r.holdoutLargest, d.holdoutLargest),
    targetPrefixFraction: prefix < 1 ? prefix : d.targetPrefixFraction,
    borrowExponentsFrom:
      typeof r.borrowExponentsFrom === 'string' && r.borrowExponentsFrom.trim()
        ? r.borrowExponentsFrom.trim()
        : null,
    bootstrap: Math.min(2000, Math.round(nonNegative(r.bootstrap, d.bootstrap))),
    huberDelta: positive(r.huberDelta) ?? d.huberDelta,
  };
}

/**
 * Request (client → server): compare the open config `uri` with another version of a config, both
 * analyzed by the server under `uri`'s settings and law. The other side is given as an open or
 * on-disk file (`otherUri`) or as text (the same file at git HEAD, read by the client).
 */
export interface CompareParams {
  uri: string;
  other:
    | { kind: 'file'; uri: string; label: string }
    | {
        kind: 'text';
        text: string;
        label: string;
        /** The document the text is a version of (its path resolves includes). */
        uri?: string;
      };
  /** Which side the open document is: 'b' when comparing HEAD (A) with the working copy (B). */
  documentSide: 'a' | 'b';
}
export type CompareResponse =
  | { ok: false; message: string }
  | {
      ok: true;
      /** Title plus the side-by-side table (src/core/compare.ts comparisonMarkdown). */
      markdown: string;
      comparison: import('./core/compare').Comparison;
    };

// ---------------------------------------------------------------------------------------------
// The server owns every number (issue #11): the curves panel's chart data, the law list and the
// fit all come from these requests; the client formats and shows, the webview draws.
// ---------------------------------------------------------------------------------------------

/** Request (client → server): everything the curves panel draws for a document, or null (not a run config). */
export interface CurvesParams {
  uri: string;
  /**
   * After `Scaling Lens: Compare with…`: the other config (a file, or the same file's HEAD text),
   * analyzed under `uri`'s settings and law and drawn as a second series on the loss and isoFLOP charts.
   */
  compareWith?: CompareParams['other'];
}
export interface CurvesResponse {
  uri: string;
  /** Document version the data was computed from (an older answer never replaces a newer one). */
  version: number;
  snapshot: AnalysisSnapshot;
  /** Series, axes, table rows and notes, built by src/core/charts.ts in the server. */
  data: import('./core/charts').ChartData;
  /** CSV export text for 'all' and for each chart drawn (src/core/charts.ts tableToCsv). */
  csv: Partial<Record<import('./core/charts').ChartId | 'all', string>>;
}

/** A published law as the law picker lists it. */
export interface PublishedLawInfo {
  id: string;
  label: string;
  /** First part of the citation. */
  detail: string;
}

/** Request: does this text look like runs data (the "Fit scaling law from these runs…" lens)? */
export interface RunsSniffParams {
  text: string;
  fileName: string;
}

/** Where the runs of a fit come from: a local file or folder the server reads, or text the client sends. */
export type FitSource = { kind: 'path'; path: string } | { kind: 'text'; text: string; fileName: string };
/** Request: read runs into a fit session (a worker thread in the server that keeps them for the fit). */
export interface FitReadParams {
  /** Re-read into this session (after tokens per step were entered); omitted: a new session. */
  session?: string;
  source: FitSource;
  /** How the preview and the report name the source (workspace-relative path). */
  label: string;
  /** `scalingLens.fit.*` as written for the source's scope; the server normalizes it. */
  settings: RawFitSettings | null;
  /** Tokens per optimizer step as the user typed it ("512*2048", "1M"); the server parses it. */
  tokensPerStep?: string;
}
export interface FitReadResponse {
  session: string;
  /** Steps but no token counts: ask for tokens per step and read again. */
  needsTokensPerStep?: { stepColumn: string };
  /** The tokens per step this read used (parsed from the entry). */
  tokensPerStep?: number;
  runs: number;
  points: number;
  /**
   * The preview dialog: 'error' nothing usable was read; 'too-little' the min-tokens cut leaves too
   * little (offer fitting without it); 'ok' ask to fit.
   */
  preview: { kind: 'error' | 'too-little' | 'ok'; message: string; detail: string };
  /** The configured min-tokens cut, and how the dialog's buttons name it. */
  minTokens: number;
  minTokensLabel: string;
  /** Suggested saved-law name (from the source's name). */
  suggestedName: string;
}

/** Request: the tokens-per-step prompt, prefilled from the run configs beside a local runs file. */
export interface FitTokensPerStepParams {
  session: string;
  stepColumn: string;
  path?: string;
}

/** Request: validate an input box of the fit command; null when valid, else the message to show. */
export interface FitValidateParams {
  field: 'tokensPerStep' | 'lawName';
  text: string;
}

/** Request: fit the session's runs (cancellable; progress by {@link FitProgressNotification}). */
export interface FitParams {
  session: string;
  minTokens: number;
}
export interface FitResponse {
  ok: boolean;
  /** The report (identifiability judged first), shown as a Markdown document. */
  markdown: string;
  errors: string[];
  /** One line for the output channel (objective, points, time). */
  logLine: string;
  /** Set when the fitted law is not identifiable: how the warning names the problem. */
  caveat: string | null;
}
/** Notification (server → client): progress of a running fit. */
export interface FitProgressParams {
  session: string;
  /** 0..1 */
  fraction: number;
  message: string;
}

/** Request: the saved-law file for the session's fit under a name (the client writes it atomically). */
export interface FitLawFileParams {
  session: string;
  name: string;
  /** How the law names its data (workspace-relative path). */
  dataSource: string;
  date: string;
  /** Random suffix of the temporary file. */
  nonce: string;
}
export interface FitLawFileResponse {
  content: string;
  fileName: string;
  tempFileName: string;
  /** The id `scalingLens.law` selects it by. */
  id: string;
}

/**
 * Request (client → server): link a config to its run log for live tracking. `logPath` a file-system
 * path links it, `null` unlinks (and turns auto-detection off for this config), absent only asks.
 * The link is stored per workspace in `.vscode/scaling-lens/run-logs.json`.
 */
export interface LinkRunLogParams {
  uri: string;
  logPath?: string | null;
}
export interface LinkRunLogResponse {
  ok: boolean;
  message: string;
  /** The log now followed (null: none). */
  linked: string | null;
  /** How it was found. */
  source?: 'linked' | 'auto-detected';
  /** Logs found next to the config or in its run folder (file-system paths, best first). */
  candidates: string[];
}
