/**
 * Fitting scaling laws from the user's own runs: ingestion, the Huber/log-space fit, bootstrap
 * uncertainty, held-out evaluation, reports and saved laws. Pure; the CLI (src/cli/fit.ts) and the
 * editor supply file text.
 */
export {
  fitScalingLaw,
  fitScalingLawParallel,
  fitRunColumns,
  fitRunColumnsParallel,
  buildDesign,
  predictFromReport,
} from './fit';
export {
  columnsFromRuns,
  runsFromColumns,
  concatRunColumns,
  emptyRunColumns,
  type RunColumns,
  type RunColumnsRun,
} from './columns';
export {
  readRunsFromText,
  readRunColumnsFromText,
  readRunColumnsFromSource,
  type ColumnsRead,
  type FileSource,
  type TextSource,
  parseCell,
  paramsFromName,
  normalizeColumn,
  MAX_RUNS_TEXT_CHARS,
  type RunsRead,
} from './ingest';
export { readRunsFromFiles, type ConfigReader, type FolderFile } from './runFolder';
export {
  estimateFitSeconds,
  measureSecondsPerPointPass,
  DEFAULT_SECONDS_PER_POINT_PASS,
  FIT_COST_MODEL,
  type FitEstimateInput,
} from './estimate';
export { formatFitReport, formatIngestReport } from './report';
export {
  assessIdentifiability,
  annotateIdentifiability,
  fitIdentifiability,
  lawCaveat,
  IDENTIFIABILITY_RULE,
  IDENTIFIABILITY_RULE_TEXT,
  type Identifiability,
} from './identifiability';
export { predictWithUncertainty } from './uncertainty';
export { huber } from './huber';
export {
  logSpaceForm,
  CHINCHILLA_LOG_FORM,
  KAPLAN_LOG_FORM,
  COMPUTE_LOG_FORM,
  type LogSpaceForm,
  type FitDesign,
} from './jacobians';
export {
  SAVED_LAW_FORMAT,
  SAVED_LAW_VERSION,
  MAX_SAVED_DRAWS,
  savedLawFromFit,
  serializeSavedLaw,
  parseSavedLaw,
  savedLawParams,
  savedLawToScalingLaw,
  savedLawCaveat,
  type SavedLaw,
  type ParsedSavedLaw,
} from './savedLaw';
export * from './types';
