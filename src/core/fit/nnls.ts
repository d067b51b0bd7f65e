/**
 * Tiny non-negative least squares for variable projection: with the exponents fixed, every supported
 * law is linear in its (non-negative) coefficients, so the best coefficients come from a k ≤ 3 NNLS.
 * With so few unknowns, enumerating the 2ᵏ active sets is exact and cheaper than Lawson–Hanson.
 */

/** Accumulated normal equations Σ wᵢ xᵢxᵢᵀ and Σ wᵢ xᵢ yᵢ for k unknowns. */
export class NormalEquations {
  readonly gram: Float64Array;
  readonly rhs: Float64Array;
  targetSquares = 0;

  constructor(readonly size: number) {
    this.gram = new Float64Array(size * size);
    this.rhs = new Float64Array(size);
  }

  /** Add one row x with target y and weight w (w multiplies the squared residual). */
  add(row: ArrayLike<number>, target: number, weight: number): void {
    const k = this.size;
    for (let i = 0; i < k; i++) {
      const wi = weight * row[i];
      this.rhs[i] += wi * target;
      for (let j = i; j < k; j++) this.gram[i * k + j] += wi * row[j];
    }
    this.targetSquares += weight * target * target;
  }

  /** Clear the sums (reuse one instance across many small problems). */
  reset(): void {
    this.gram.fill(0);
    this.rhs.fill(0);
    this.targetSquares = 0;
  }

  /**
   * The non-negative minimizer, or undefined when no subset is solvable. Columns are scaled by the
   * square root of their Gram diagonal first so that terms like N^−α ≈ 1e−20 do not ruin conditioning.
   */
  solveNonNegative(): Float64Array | undefined {
    const best = new Float64Array(this.size);
    return Number.isFinite(this.bestActiveSet(best)) ? best : undefined;
  }

  /** The least cost Σ w(y − xᵀc)² over c ≥ 0 (Infinity when no subset is solvable); allocation-free. */
  nonNegativeCost(): number {
    return this.bestActiveSet(undefined);
  }

  private readonly scale = new Float64Array(8);
  private readonly a = new Float64Array(64);
  private readonly b = new Float64Array(8);
  private readonly bWork = new Float64Array(8);
  private readonly solution = new Float64Array(8);
  private readonly active = new Int32Array(8);

  /** Enumerate the 2ᵏ − 1 active sets; writes the best solution into `out` and returns its cost. */
  private bestActiveSet(out: Float64Array | undefined): number {
    const k = this.size;
    const { scale, a, b, bWork, solution, active } = this;
    for (let i = 0; i < k; i++) {
      const diagonal = this.gram[i * k + i];
      scale[i] = diagonal > 0 ? 1 / Math.sqrt(diagonal) : 0;
    }
    let bestCost = Infinity;
    // The problem is convex: when the unconstrained solution is feasible it is the answer, so try the
    // full set first (most grid cells) and enumerate subsets only otherwise.
    const full = (1 << k) - 1;
    for (let step = 0; step < 1 << k; step++) {
      const mask = step === 0 ? full : step;
      if (step > 0 && mask === full) continue;
      let m = 0;
      for (let i = 0; i < k; i++) if (mask & (1 << i) && scale[i] > 0) active[m++] = i;
      if (m === 0) continue;
      for (let r = 0; r < m; r++) {
        const i = active[r];
        b[r] = this.rhs[i] * scale[i];
        for (let c = 0; c < m; c++) {
          const j = active[c];
          const g = i <= j ? this.gram[i * k + j] : this.gram[j * k + i];
          a[r * m + c] = g * scale[i] * scale[j];
        }
      }
      bWork.set(b);
      if (!solveInPlace(a, bWork, solution, m)) continue;
      let feasible = true;
      for (let r = 0; r < m; r++) if (!(solution[r] >= 0)) feasible = false;
      if (!feasible) continue;
      // cost = yᵀy − 2 cᵀb + cᵀAc = yᵀy − cᵀb at the unconstrained optimum of the active set.
      let cost = this.targetSquares;
      for (let r = 0; r < m; r++) cost -= solution[r] * b[r];
      if (cost < bestCost) {
        bestCost = cost;
        if (out) {
          out.fill(0);
          for (let r = 0; r < m; r++) out[active[r]] = solution[r] * scale[active[r]];
        }
      }
      if (step === 0 && m === k) break;
    }
    return bestCost;
  }
}

/**
 * Gaussian elimination with partial pivoting on an m×m system, overwriting `a` and `b`; false when
 * (near-)singular (relative pivot tolerance 1e-12, as in `solveSymmetric`).
 */
function solveInPlace(a: Float64Array, b: Float64Array, x: Float64Array, size: number): boolean {
  let largest = 0;
  for (let i = 0; i < size * size; i++) largest = Math.max(largest, Math.abs(a[i]));
  const tolerance = 1e-12 * largest;
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++)
      if (Math.abs(a[r * size + col]) > Math.abs(a[pivot * size + col])) pivot = r;
    const p = a[pivot * size + col];
    if (!(Math.abs(p) > tolerance)) return false;
    if (pivot !== col) {
      for (let c = 0; c < size; c++) {
        const t = a[col * size + c];
        a[col * size + c] = a[pivot * size + c];
        a[pivot * size + c] = t;
      }
      const t = b[col];
      b[col] = b[pivot];
      b[pivot] = t;
    }
    for (let r = col + 1; r < size; r++) {
      const factor = a[r * size + col] / p;
      if (factor === 0) continue;
      for (let c = col; c < size; c++) a[r * size + c] -= factor * a[col * size + c];
      b[r] -= factor * b[col];
    }
  }
  for (let r = size - 1; r >= 0; r--) {
    let sum = b[r];
    for (let c = r + 1; c < size; c++) sum -= a[r * size + c] * x[c];
    x[r] = sum / a[r * size + r];
    if (!Number.isFinite(x[r])) return false;
  }
  return true;
}

/** Solve a small symmetric system by Gaussian elimination with partial pivoting. */
export function solveSymmetric(
  matrix: Float64Array,
  rhs: Float64Array,
  size: number,
): Float64Array | undefined {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rhs);
  let largest = 0;
  for (const v of a) largest = Math.max(largest, Math.abs(v));
  // Relative pivot tolerance: a (near-)singular system means the columns are not separately identifiable.
  const tolerance = 1e-12 * largest;
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++)
      if (Math.abs(a[r * size + col]) > Math.abs(a[pivot * size + col])) pivot = r;
    const p = a[pivot * size + col];
    if (!(Math.abs(p) > tolerance)) return undefined;
    if (pivot !== col) {
      for (let c = 0; c < size; c++) {
        const t = a[col * size + c];
        a[col * size + c] = a[pivot * size + c];
        a[pivot * size + c] = t;
      }
      const t = b[col];
      b[col] = b[pivot];
      b[pivot] = t;
    }
    for (let r = col + 1; r < size; r++) {
      const factor = a[r * size + col] / p;
      if (factor === 0) continue;
      for (let c = col; c < size; c++) a[r * size + c] -= factor * a[col * size + c];
      b[r] -= factor * b[col];
    }
  }
  const x = new Float64Array(size);
  for (let r = size - 1; r >= 0; r--) {
    let sum = b[r];
    for (let c = r + 1; c < size; c++) sum -= a[r * size + c] * x[c];
    x[r] = sum / a[r * size + r];
  }
  return x.every(Number.isFinite) ? x : undefined;
}
