import { tissueAreas, TISSUE_DEFAULT_LAMBDA } from '../laws/forms/tissue2024';
import type { CompiledRun } from './types';

/**
 * Schedule features for laws that combine (N, D) with the schedule: the forward area in tokens
 * S1 = Σ (η_i/η_peak)·b_i (b_i = tokens of step i) and the annealing area S2 = Σ m_i over steps with
 * m_i = λ·m_{i−1} + (η_{i−1} − η_i)/η_peak (Tissue et al. 2024, Eq. 1, LR normalized by its peak).
 * With a constant LR, S1 = D and S2 = 0, so E + A/N^α + B/S1^β − C·S2 is exactly Chinchilla's law at D.
 * S2 is deliberately not token-weighted: S2 ≈ (1 − η/η_peak)/(1 − λ) whatever the batch, so one C
 * serves models with different batch sizes (token-weighting made the GPT-3 175B prediction
 * overshoot: 2.31% vs 1.27% mean ARE, docs/schedule-laws.md).
 */
export interface RunFeatures {
  tokens: Float64Array;
  s1: Float64Array;
  s2: Float64Array;
}

export function runFeatures(run: CompiledRun, lambda = TISSUE_DEFAULT_LAMBDA, warmupSteps = 0): RunFeatures {
  const n = run.lr.length;
  const normalized = new Float64Array(n);
  const batch = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    normalized[i] = run.lr[i] / run.peakLr;
    batch[i] = run.tokens[i] - (i ? run.tokens[i - 1] : 0);
  }
  const { s1, s2 } = tissueAreas(normalized, lambda, warmupSteps, batch, false);
  return { tokens: run.tokens, s1, s2 };
}

/**
 * Features at an arbitrary token count, linearly interpolated between the steps around it; undefined
 * outside the run (a checkpoint past the end of the planned schedule is not extrapolated).
 */
export function featuresAtTokens(f: RunFeatures, tokens: number): { s1: number; s2: number } | undefined {
  const t = f.tokens;
  const n = t.length;
  if (!(tokens > 0) || n === 0 || tokens > t[n - 1] * (1 + 1e-9)) return undefined;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] < tokens) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) {
    const q = tokens / t[0];
    return { s1: f.s1[0] * q, s2: f.s2[0] * q };
  }
  const q = (tokens - t[lo - 1]) / (t[lo] - t[lo - 1]);
  return {
    s1: f.s1[lo - 1] + q * (f.s1[lo] - f.s1[lo - 1]),
    s2: f.s2[lo - 1] + q * (f.s2[lo] - f.s2[lo - 1]),
  };
}
