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

  /**
   * The non-negative minimizer, or undefined when no subset is solvable. Columns are scaled by the
   * square root of their Gram diagonal first so that terms like N^−α ≈ 1e−20 do not ruin conditioning.
   */
  solveNonNegative(): Float64Array | undefined {
    const k = this.size;
    const scale = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const diagonal = this.gram[i * k + i];
      scale[i] = diagonal > 0 ? 1 / Math.sqrt(diagonal) : 0;
    }
    let best: Float64Array | undefined;
    let bestCost = Infinity;
    for (let mask = 1; mask < 1 << k; mask++) {
      const active: number[] = [];
      for (let i = 0; i < k; i++) if (mask & (1 << i) && scale[i] > 0) active.push(i);
      if (active.length === 0) continue;
      const m = active.length;
      const a = new Float64Array(m * m);
      const b = new Float64Array(m);
      for (let r = 0; r < m; r++) {
        const i = active[r];
        b[r] = this.rhs[i] * scale[i];
        for (let c = 0; c < m; c++) {
          const j = active[c];
          const g = i <= j ? this.gram[i * k + j] : this.gram[j * k + i];
          a[r * m + c] = g * scale[i] * scale[j];
        }
      }
      const solution = solveSymmetric(a, b, m);
      if (!solution || solution.some((v) => !(v >= 0))) continue;
      // cost = yᵀy − 2 cᵀb + cᵀAc = yᵀy − cᵀb at the unconstrained optimum of the active set.
      let cost = this.targetSquares;
      for (let r = 0; r < m; r++) cost -= solution[r] * b[r];
      if (cost < bestCost) {
        bestCost = cost;
        best = new Float64Array(k);
        for (let r = 0; r < m; r++) best[active[r]] = solution[r] * scale[active[r]];
      }
    }
    return best;
  }
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
