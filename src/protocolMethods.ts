/**
 * The runtime half of src/protocol.ts (which re-exports it): command ids and the typed LSP requests
 * and notifications shared by the client, the server and the tests. It imports only types from the
 * core, so the extension host's bundle can use it without the settings normalizers of protocol.ts
 * (which import the law registry and the fit defaults; test/unit/bundle.test.ts keeps them out).
 * Add a request's params/response types to protocol.ts and its RequestType here.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type {
  AccuracyColumnsParams,
  AccuracyColumnsResponse,
  DownstreamFitParams,
  DownstreamFitResponse,
  DownstreamLawInfo,
  AnalysisChangedParams,
  AnalysisRequestParams,
  AnalysisSnapshot,
  ApplyPlanParams,
  ApplyPlanResponse,
  CompareParams,
  CompareResponse,
  CurvesParams,
  CurvesResponse,
  DocumentKind,
  FitLawFileParams,
  FitLawFileResponse,
  FitParams,
  FitProgressParams,
  FitReadParams,
  FitReadResponse,
  FitResponse,
  FitTokensPerStepParams,
  FitValidateParams,
  LinkRunLogParams,
  LinkRunLogResponse,
  PlanContext,
  PlanParams,
  PlanResponse,
  PlanScopeParams,
  PublishedLawInfo,
  ReportParams,
  ReportResponse,
  RunsSniffParams,
  SavedLawInfo,
  TrainingTokensParams,
  TrainingTokensResponse,
  ParseTrainingTokensParams,
  ParseTrainingTokensResponse,
  ValidatePlanInputParams,
} from './protocol';

/** Client command ids that lenses and code actions reference. */
export const Commands = {
  showCurves: 'scalingLens.showCurves',
  fitFromRuns: 'scalingLens.fitFromRuns',
  selectLaw: 'scalingLens.selectLaw',
  planComputeOptimal: 'scalingLens.planComputeOptimal',
  planInference: 'scalingLens.planInference',
  showAnalysis: 'scalingLens.showAnalysis',
  compareWith: 'scalingLens.compareWith',
  /** Internal (quick fix): ask for a GPU count and write it as a directive or a folder setting. */
  setGpuCount: 'scalingLens.setGpuCount',
  /** Internal (quick fix): ask for a file's training tokens and store them (`.vscode/scaling-lens/tokens.json`). */
  setTrainingTokens: 'scalingLens.setTrainingTokens',
  /** Remove a file's stored training tokens (D unknown again). */
  clearTrainingTokens: 'scalingLens.clearTrainingTokens',
  /** Write the open config's analysis as Markdown and JSON. */
  exportReport: 'scalingLens.exportReport',
  /** Link the open config to its run log (live tracking, src/server/liveRuns.ts). */
  linkRunLog: 'scalingLens.linkRunLog',
  /** Pick the saved downstream law (benchmark) the lens, hover and curves show (`scalingLens.downstream.law`). */
  selectDownstream: 'scalingLens.selectDownstream',
} as const;

/** Request (client → server): the saved downstream laws of the workspace (re-read first). */
export const DownstreamLawsRequest = new RequestType0<DownstreamLawInfo[], void>(
  'scalingLens/downstreamLaws',
);
/** Request (client → server): the accuracy columns of a runs source. */
export const AccuracyColumnsRequest = new RequestType<AccuracyColumnsParams, AccuracyColumnsResponse, void>(
  'scalingLens/accuracyColumns',
);
/** Request (client → server): fit a downstream law (both steps and their bootstrap); cancellable. */
export const DownstreamFitRequest = new RequestType<DownstreamFitParams, DownstreamFitResponse, void>(
  'scalingLens/fitDownstream',
);
/** Glob (relative to a workspace folder) of saved downstream-law files. */
export const DOWNSTREAM_LAW_GLOB = '.vscode/scaling-lens/*.downstream.json';

export const TrainingTokensRequest = new RequestType<TrainingTokensParams, TrainingTokensResponse, void>(
  'scalingLens/trainingTokens',
);

export const ReportRequest = new RequestType<ReportParams, ReportResponse, void>('scalingLens/report');

export const ParseTrainingTokensRequest = new RequestType<
  ParseTrainingTokensParams,
  ParseTrainingTokensResponse,
  void
>('scalingLens/parseTrainingTokens');

/** Request (client → server): the current analysis of a document, or null when it is not a run config. */
export const AnalysisRequestMethod = 'scalingLens/analysis';

/** Notification (server → client): a document's analysis changed (after debounce). */
export const AnalysisChangedMethod = 'scalingLens/analysisChanged';

/** {@link AnalysisRequestMethod}, typed once for both sides. */
export const AnalysisRequest = new RequestType<AnalysisRequestParams, AnalysisSnapshot | null, void>(
  AnalysisRequestMethod,
);

/** {@link AnalysisChangedMethod}, typed once for both sides. */
export const AnalysisChangedNotification = new NotificationType<AnalysisChangedParams>(AnalysisChangedMethod);

/** Request (client → server): what a document is, for the language status (never null). */
export const DocumentKindRequestMethod = 'scalingLens/documentKind';

/** {@link DocumentKindRequestMethod}, typed once for both sides. */
export const DocumentKindRequest = new RequestType<AnalysisRequestParams, DocumentKind, void>(
  DocumentKindRequestMethod,
);

export const PlanContextRequest = new RequestType<PlanScopeParams, PlanContext, void>(
  'scalingLens/planContext',
);

export const ValidatePlanInputRequest = new RequestType<ValidatePlanInputParams, string | null, void>(
  'scalingLens/validatePlanInput',
);

export const PlanRequest = new RequestType<PlanParams, PlanResponse, void>('scalingLens/plan');

export const ApplyPlanRequest = new RequestType<ApplyPlanParams, ApplyPlanResponse, void>(
  'scalingLens/applyPlan',
);

/** Request (client → server): the saved laws the server found under `.vscode/scaling-lens/*.law.json`. */
export const SavedLawsRequestMethod = 'scalingLens/savedLaws';

/** {@link SavedLawsRequestMethod}, typed once for both sides. */
export const SavedLawsRequest = new RequestType0<SavedLawInfo[], void>(SavedLawsRequestMethod);

/** Glob (relative to a workspace folder) of saved law files. */
export const SAVED_LAW_GLOB = '.vscode/scaling-lens/*.law.json';

export const CompareRequest = new RequestType<CompareParams, CompareResponse, void>('scalingLens/compare');

export const CurvesRequest = new RequestType<CurvesParams, CurvesResponse | null, void>('scalingLens/curves');

/** Request (client → server): the laws "Select Scaling Law…" offers (published first, then saved). */
export const LawsRequest = new RequestType0<{ published: PublishedLawInfo[]; saved: SavedLawInfo[] }, void>(
  'scalingLens/laws',
);

export const RunsSniffRequest = new RequestType<RunsSniffParams, boolean, void>('scalingLens/looksLikeRuns');

export const FitReadRequest = new RequestType<FitReadParams, FitReadResponse, void>('scalingLens/fitRead');

export const FitTokensPerStepRequest = new RequestType<
  FitTokensPerStepParams,
  { value: number | null; prompt: string },
  void
>('scalingLens/fitTokensPerStep');

export const FitValidateRequest = new RequestType<FitValidateParams, string | null, void>(
  'scalingLens/fitValidate',
);

export const FitRequest = new RequestType<FitParams, FitResponse, void>('scalingLens/fit');

export const FitProgressNotification = new NotificationType<FitProgressParams>('scalingLens/fitProgress');

export const FitLawFileRequest = new RequestType<FitLawFileParams, FitLawFileResponse, void>(
  'scalingLens/fitLawFile',
);

/** Request: describe an existing saved-law file's text (for the overwrite prompt). */
export const DescribeLawFileRequest = new RequestType<
  { text: string },
  { valid: boolean; detail: string },
  void
>('scalingLens/describeLawFile');

/** Notification (client → server): the fit session is over; its worker thread is stopped. */
export const FitEndNotification = new NotificationType<{ session: string }>('scalingLens/fitEnd');

export const LinkRunLogRequest = new RequestType<LinkRunLogParams, LinkRunLogResponse, void>(
  'scalingLens/linkRunLog',
);
