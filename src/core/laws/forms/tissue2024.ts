/**
 * Tissue, Wang & Wang 2024, "Scaling Law with Learning Rate Annealing" (arXiv:2408.11029), Eq. 1:
 *
 *   L(s) = L0 + A·S1^−α − C·S2,   S1 = Σ_{i=1..s} η_i (forward area),
 *   S2 = Σ_{i=1..s} m_i,  m_i = λ·m_{i−1} + (η_{i−1} − η_i)  (annealing area with momentum, decay λ).
 *
 * λ is a fixed hyper-parameter of the law, not fitted (the paper uses 0.999 by default and reports
 * 0.99–0.999 working). This is a law over a schedule, not over (N, D), so it is not registered in
 * FORMS (whose interface evaluates (N, D) only); it is evaluated on a step-by-step LR sequence and
 * fitted by src/core/fit/trajectory.ts. The LR increase of warmup is not counted as (negative)
 * annealing: a warmup would otherwise leave a permanent negative S2 offset (our choice, see
 * docs/schedule-laws.md).
 */

export interface Tissue2024Law {
  form: 'tissue2024';
  L0: number;
  A: number;
  alpha: number;
  C: number;
  /** Momentum decay factor of S2. */
  lambda: number;
}

/** Default decay factor (Tissue et al. 2024, Sec. 3). */
export const TISSUE_DEFAULT_LAMBDA = 0.999;

/**
 * S1 and S2 after every step of an LR sequence (`lr[i]` = LR of step i+1). `warmupSteps` steps at the
 * start contribute to S1 but their LR increases are not annealing.
 */
export function tissueAreas(
  lr: ArrayLike<number>,
  lambda: number,
  warmupSteps = 0,
  weights?: ArrayLike<number>,
  weightS2 = true,
): { s1: Float64Array; s2: Float64Array } {
  const n = lr.length;
  const s1 = new Float64Array(n);
  const s2 = new Float64Array(n);
  let a1 = 0;
  let a2 = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    a1 += lr[i] * w;
    const previous = i === 0 ? lr[0] : lr[i - 1];
    // The step right after warmup still climbs to the peak: include it in warmup.
    const drop = i <= warmupSteps && warmupSteps > 0 ? 0 : previous - lr[i];
    m = lambda * m + drop;
    a2 += weightS2 ? m * w : m;
    s1[i] = a1;
    s2[i] = a2;
  }
  return { s1, s2 };
}

/** L(s) from the areas; NaN-free: undefined when S1 ≤ 0 or the prediction is not positive. */
export function tissueLoss(law: Tissue2024Law, s1: number, s2: number): number | undefined {
  if (!(s1 > 0)) return undefined;
  const loss = law.L0 + law.A * s1 ** -law.alpha - law.C * s2;
  return Number.isFinite(loss) && loss > 0 ? loss : undefined;
}

/** Predicted loss after each of `steps` (1-based) for an LR sequence. */
export function tissueCurve(
  law: Tissue2024Law,
  lr: ArrayLike<number>,
  steps: readonly number[],
  warmupSteps = 0,
): (number | undefined)[] {
  const { s1, s2 } = tissueAreas(lr, law.lambda, warmupSteps);
  return steps.map((s) => (s >= 1 && s <= lr.length ? tissueLoss(law, s1[s - 1], s2[s - 1]) : undefined));
}
