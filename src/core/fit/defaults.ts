/**
 * Every fit default in one place, with where it comes from. The engine (fit.ts), the CLI, the
 * editor's settings (`scalingLens.fit.*`, protocol.ts) and the fit command all read these.
 *
 * Choshen, Zhang & Andreas 2025, "A Hitchhiker's Guide to Scaling Law Estimation": drop checkpoints
 * at or before 10B tokens (their code's `cut_beginning` = 1e10), use intermediate checkpoints, fit
 * at least 5 model sizes, hold out the largest model (when ≥ 3 sizes remain, so two are left to fit)
 * and judge it by absolute relative error; 0 = pure extrapolation for the target-prefix fraction.
 * Hoffmann et al. 2022 and Besiroglu et al. 2024 use Huber δ = 1e-3 on log-space residuals.
 */
export const FIT_DEFAULTS = {
  form: 'chinchilla',
  minTokens: 1e10,
  useIntermediateCheckpoints: true,
  minModelSizes: 5,
  holdoutLargest: true,
  holdoutMinModelSizes: 3,
  targetPrefixFraction: 0,
  /** The editor's fit command bootstraps by default; the engine and CLI only when asked (speed). */
  editorBootstrap: 100,
  engineBootstrap: 0,
  seed: 0,
  huberDelta: 1e-3,
  starts: 6,
} as const;
