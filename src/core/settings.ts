import { DEFAULT_LAW_ID, type ScalingLaw } from './laws/published';

/**
 * Settings that shape an analysis. Units are in the names; every field has a default in
 * {@link DEFAULT_ANALYSIS_SETTINGS} so views never guess.
 */
export interface AnalysisSettings {
  /** Law id (built-in or saved), resolved by the caller into `law` when it is a saved one. */
  lawId: string;
  /** A resolved law (saved/fitted laws); when absent, `lawId` is looked up among published laws. */
  law?: ScalingLaw;
  /** Accelerator id from the hardware table. */
  gpu: string;
  /** Devices used for wall-clock days; also the fallback GPU count when D needs one. */
  gpus: number;
  /** Use `gpus` to complete D when the file leaves the data-parallel size open. */
  useGpusForMissingTokens: boolean;
  /** Model-FLOPs utilization, 0–1. */
  mfu: number;
  /** $/GPU-hour; undefined → the accelerator table's price. */
  usdPerGpuHour?: number;
  /** Dataset size for epoch-based durations. */
  datasetTokens?: number;
  /**
   * An accelerator the file names (src/core/config/hardwareHints.ts) beats `gpu`, which is then only
   * the default for files that name none. The editor and the CLI set this unless the user chose the
   * accelerator explicitly (`--gpu`); callers that pass `gpu` on purpose leave it unset.
   */
  gpuFromFile?: boolean;
  /**
   * The memory estimate's framework-overhead allowance (src/core/model/memory.ts DEFAULT_OVERHEAD:
   * 1 GiB + 5%): either part may be overridden (`scalingLens.memory.overheadGiB` /
   * `overheadFraction`). `fixedBytes` in bytes, `fraction` of the states + activations + buffers.
   */
  memoryOverhead?: { fixedBytes?: number; fraction?: number };
}

export const DEFAULT_ANALYSIS_SETTINGS: AnalysisSettings = {
  lawId: DEFAULT_LAW_ID,
  gpu: 'H100',
  gpus: 8,
  useGpusForMissingTokens: false,
  mfu: 0.4,
};
