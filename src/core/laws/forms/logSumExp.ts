/** Numerically safe log(Σ exp(xᵢ)) with the softmax weights of the terms (shared by the forms). */
export function logSumExp3(x: number, y: number, z: number, weights?: number[]): number {
  const m = Math.max(x, y, z);
  const ex = Math.exp(x - m);
  const ey = Math.exp(y - m);
  const ez = Math.exp(z - m);
  const sum = ex + ey + ez;
  if (weights) {
    weights[0] = ex / sum;
    weights[1] = ey / sum;
    weights[2] = ez / sum;
  }
  return m + Math.log(sum);
}

export function logSumExp2(x: number, y: number, weights?: number[]): number {
  const m = Math.max(x, y);
  const ex = Math.exp(x - m);
  const ey = Math.exp(y - m);
  const sum = ex + ey;
  if (weights) {
    weights[0] = ex / sum;
    weights[1] = ey / sum;
  }
  return m + Math.log(sum);
}

export function isPositiveFinite(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}
