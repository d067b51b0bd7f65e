import type { LawForm, LawParams } from '../laws/forms';

/** One evaluated checkpoint of a run. */
export interface RunPoint {
  /** Training tokens seen at this checkpoint. */
  tokens: number;
  /** Loss in nats/token (validation loss when the source has it). */
  loss: number;
  /** Optimizer step, when known. */
  step?: number;
  /** Training FLOPs at this checkpoint, when the source states them (else 6·N·D is used). */
  flops?: number;
}

/** One training run (one model, one seed) with its checkpoints, sorted by tokens. */
export interface RunSeries {
  /** Display name (run/model name, or `N=…` when the source names none). */
  name: string;
  /** Parameter count N. */
  params: number;
  seed?: string;
  points: RunPoint[];
  /**
   * Unique tokens of the run's dataset (D / U_D = epochs), for forms that model repetition
   * (Muennighoff et al. 2023); absent = not repeated.
   */
  uniqueTokens?: number;
}

/** Why an input row or checkpoint was not used. */
export type DropReason =
  | 'filtered'
  | 'unparseable'
  | 'missing-value'
  | 'nan'
  | 'non-positive'
  | 'duplicate'
  | 'before-min-tokens'
  | 'intermediate-checkpoint'
  | 'too-many-rows'
  | 'thinned';

/** Human descriptions of drop reasons, for reports. */
export const DROP_REASON_TEXT: Record<DropReason, string> = {
  filtered: 'excluded by a --where filter',
  unparseable: 'a value that is not a number',
  'missing-value': 'no value for N, tokens or loss',
  nan: 'NaN or infinite value',
  'non-positive': 'zero or negative N, tokens or loss',
  duplicate: 'exact duplicate of an earlier row',
  'before-min-tokens': 'checkpoint at or before the min-tokens cut-off',
  'intermediate-checkpoint': 'intermediate checkpoint (only final checkpoints used)',
  'too-many-rows': 'beyond the row limit',
  thinned: 'thinned to bound the fit time on a very large input',
};

/** Which input columns (or JSON keys) supplied each quantity. */
export interface ColumnChoice {
  params?: string;
  tokens?: string;
  step?: string;
  loss?: string;
  model?: string;
  seed?: string;
  flops?: string;
}

/** What ingestion read, used and dropped. */
export interface IngestReport {
  source: string;
  format: 'csv' | 'tsv' | 'jsonl' | 'json' | 'trainer-state' | 'wandb' | 'folder' | 'unknown';
  rowsRead: number;
  pointsKept: number;
  columns: ColumnChoice;
  dropped: Partial<Record<DropReason, number>>;
  /** First example of each drop reason (e.g. `line 17: loss "nan"`). */
  dropExamples: Partial<Record<DropReason, string>>;
  /** Fatal problems: nothing usable could be read. */
  errors: string[];
  warnings: string[];
  /** What was inferred (e.g. tokens = step × tokens/step from a config). */
  notes: string[];
}

/** A `--where COLUMN=VALUE` filter (string equality on the raw cell). */
export interface RowFilter {
  column: string;
  value: string;
}

/** Options for reading runs. */
export interface IngestOptions {
  where?: RowFilter[];
  /** Force the column (or JSON key) for each quantity. */
  columns?: ColumnChoice;
  /** N for sources that do not state it (trainer_state.json, single-run W&B exports). */
  params?: number;
  /** Tokens per optimizer step, to turn steps into tokens when the source has no token column. */
  tokensPerStep?: number;
  /** Run name for single-run sources. */
  runName?: string;
  /** Hard cap on data rows (default 5,000,000): the rest is dropped as 'too-many-rows'. */
  maxRows?: number;
}

/** Progress of a long fit, for a UI. */
export interface FitProgress {
  stage: 'starts' | 'fit' | 'holdout' | 'leave-one-out' | 'bootstrap';
  /** 0..1 within the whole fit. */
  fraction: number;
  message: string;
}

/** Options for {@link fitScalingLaw}; defaults follow Choshen, Zhang & Andreas 2025 where they give one. */
export interface FitOptions {
  form?: LawForm;
  /** Huber δ on log residuals (Hoffmann et al. 2022: 1e-3). */
  delta?: number;
  /** Drop checkpoints with tokens ≤ this (Hitchhiker/ColPret `cut_beginning`: 1e10). */
  minTokens?: number;
  /** Use intermediate checkpoints, not just each run's last (Hitchhiker: yes). */
  useIntermediateCheckpoints?: boolean;
  /** Warn when fewer distinct model sizes than this (Hitchhiker: 5). */
  minModelSizes?: number;
  /** Hold out the largest model and report its ARE. */
  holdoutLargest?: boolean;
  /**
   * Fit also on the first fraction of the held-out largest run's tokens and predict the rest
   * (Hitchhiker/ColPret `predict_with`: 0.3). 0 = pure extrapolation.
   */
  targetPrefixFraction?: number;
  /** Leave-one-model-out: refit without each model and report its ARE. */
  leaveOneModelOut?: boolean;
  /**
   * Exponents borrowed from a reference law, by reported name (`alpha`, `beta`, `alphaN`, …); only
   * the remaining coefficients are fitted (Hitchhiker: useful when data is scarce).
   */
  fixedExponents?: Record<string, number>;
  /** Where borrowed exponents come from (shown in the report). */
  fixedExponentsSource?: string;
  /** Bootstrap refits over models (resampling runs, not points); 0 = none. */
  bootstrap?: number;
  /** Draws kept in the report (default 200). */
  maxDrawsKept?: number;
  /** Seed of the bootstrap resampling. */
  seed?: number;
  /** Number of multi-start local fits (default 6). */
  starts?: number;
  onProgress?: (progress: FitProgress) => void;
  /** Polled between local fits; a cancelled fit returns with `cancelled: true`. */
  isCancelled?: () => boolean;
}

/** Held-out error on one model. */
export interface HeldOutError {
  model: string;
  params: number;
  /** Mean |pred − actual| / actual over the evaluated points. */
  are: number;
  points: number;
  /** Tokens up to which the model's own run was used for fitting (prefix fitting), if any. */
  fittedUpToTokens?: number;
}

/** The complete result of a fit. Errors are values: `ok: false` with `errors` filled. */
export interface FitReport {
  ok: boolean;
  cancelled?: boolean;
  form: LawForm;
  /** Reported coefficients by name (chinchilla: E, A, B, alpha, beta). */
  params: Record<string, number>;
  law?: LawParams;
  /** Σ huber_δ(log L̂ − log L) over the fitted points. */
  objective: number;
  delta: number;
  /** Points used in the fit. */
  points: number;
  /** Runs (models) used in the fit. */
  models: number;
  /** Distinct N among them. */
  modelSizes: number;
  /** Checkpoints dropped by the fit's own practices (ingestion drops are in the IngestReport). */
  dropped: Partial<Record<DropReason, number>>;
  /** 95% bootstrap percentile intervals per coefficient. */
  intervals?: Record<string, [number, number]>;
  /** Bootstrap draws in `paramNames` order (capped at `maxDrawsKept`). */
  draws?: number[][];
  bootstrapRefits?: number;
  heldOut?: HeldOutError;
  leaveOneModelOut?: { perModel: HeldOutError[]; meanAre: number };
  /** Data range covered by the fitted points. */
  region?: { paramsMin: number; paramsMax: number; tokensMin: number; tokensMax: number };
  settings: {
    minTokens: number;
    useIntermediateCheckpoints: boolean;
    fixedExponents?: Record<string, number>;
    fixedExponentsSource?: string;
    holdoutLargest: boolean;
    targetPrefixFraction: number;
    bootstrap: number;
    seed: number;
    starts: number;
  };
  /** Mean absolute relative error of the fit on its own points. */
  trainAre?: number;
  warnings: string[];
  errors: string[];
  /** Wall time of the whole fit, milliseconds. */
  elapsedMs: number;
}
