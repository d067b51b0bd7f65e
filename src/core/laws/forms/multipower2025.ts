/**
 * Luo et al. 2025, "A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules"
 * (arXiv:2503.12811), as implemented in their code, thu-yao-01-luo/MultiPowerLaw@8da9f190
 * (src/models.py `MPL.forward`, src/evaluation.py `evaluate_mpl`):
 *
 *   L(t) = L0 + A·S1(t)^−α − B·Σ_{k=1..t} (η_{k−1} − η_k)·G(η_k^−γ·S_k(t)),
 *   G(x) = 1 − (C·x + 1)^−β,  S1(t) = Σ_{τ=0..t} η_τ,  S_k(t) = Σ_{τ=k..t} η_τ.
 *
 * Indexing follows the code exactly: `lrs[τ]` for τ = 0..T−1 (their linear warmup is
 * `linspace(0, peak, warmup)`, so lrs[0] = 0), S1 = cumsum(lrs)[t]; the warmup offset S_W of the paper
 * is inside that cumsum. Like tissue2024 this is a law over a schedule, evaluated on an LR sequence,
 * not registered in the (N, D) FORMS registry.
 */

export interface MultiPower2025Law {
  form: 'multipower2025';
  L0: number;
  A: number;
  alpha: number;
  B: number;
  C: number;
  beta: number;
  gamma: number;
}

/**
 * The repository's fitted constants, [L0, A, alpha, B, C, beta, gamma] per model size
 * (src/config.py `PARAMS`, full precision; the README table rounds them), fitted on their
 * 25M/100M/400M GPT-2-style runs, peak LR 3e-4, 2160 warmup steps (src/data_loader.py).
 */
export const MULTIPOWER_PUBLISHED: Readonly<Record<'25M' | '100M' | '400M', MultiPower2025Law>> = {
  '25M': law([3.04045406, 0.52468604, 0.50786857, 363.78751622, 2.06560812, 0.58279013, 0.64142257]),
  '100M': law([2.6514477, 0.60115152, 0.45295811, 437.9464276, 2.13245612, 0.59785199, 0.65523644]),
  '400M': law([2.37474466, 0.65421216, 0.42878731, 523.42464371, 2.02462735, 0.59350493, 0.63472457]),
};

function law([L0, A, alpha, B, C, beta, gamma]: number[]): MultiPower2025Law {
  return { form: 'multipower2025', L0, A, alpha, B, C, beta, gamma };
}

/**
 * Predicted loss at each step index t (0-based into `lrs`, as in the code). Steps whose LR changes
 * are skipped in the inner sum when the change is zero (constant phases), which is exact and makes
 * WSD/constant schedules cheap. Returns undefined for a step where the law is not finite/positive.
 */
export function multiPowerCurve(
  law: MultiPower2025Law,
  lrs: ArrayLike<number>,
  steps: readonly number[],
): (number | undefined)[] {
  const n = lrs.length;
  const cum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cum[i] = acc += lrs[i];
  const changes: number[] = [];
  for (let k = 1; k < n; k++) if (lrs[k] !== lrs[k - 1]) changes.push(k);
  const etaPow = new Float64Array(n);
  for (const k of changes) etaPow[k] = lrs[k] > 0 ? lrs[k] ** -law.gamma : Infinity;
  return steps.map((t) => {
    if (!(Number.isInteger(t) && t >= 0 && t < n) || !(cum[t] > 0)) return undefined;
    let ld = 0;
    for (const k of changes) {
      if (k > t) break;
      const gap = lrs[k] - lrs[k - 1];
      const x = etaPow[k] * (cum[t] - cum[k - 1]);
      ld += gap * (1 - (1 + law.C * x) ** -law.beta);
    }
    const loss = law.L0 + law.A * cum[t] ** -law.alpha + law.B * ld;
    return Number.isFinite(loss) && loss > 0 ? loss : undefined;
  });
}
