/**
 * Huber loss as scipy.special.huber defines it (the objective of Hoffmann et al. 2022 Approach 3 and of
 * Epoch's replication): huber_δ(r) = r²/2 for |r| ≤ δ, δ(|r| − δ/2) otherwise.
 */
export function huber(delta: number, residual: number): number {
  const magnitude = Math.abs(residual);
  return magnitude <= delta ? 0.5 * residual * residual : delta * (magnitude - 0.5 * delta);
}

/** dHuber/dr: r clipped to [−δ, δ]. */
export function huberDerivative(delta: number, residual: number): number {
  return residual > delta ? delta : residual < -delta ? -delta : residual;
}

/**
 * Iteratively-reweighted-least-squares weight ψ(r)/r: 1 inside the quadratic zone, δ/|r| outside,
 * so that Σ w·r²/2 matches the Huber objective's gradient at the current residuals.
 */
export function huberWeight(delta: number, residual: number): number {
  const magnitude = Math.abs(residual);
  return magnitude <= delta ? 1 : delta / magnitude;
}
