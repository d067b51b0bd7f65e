/**
 * One-dimensional numerics for the planners: a bracketed root finder (Newton steps guarded by
 * bisection) and a bounded minimizer (grid scan, then golden section). Both work on whatever
 * variable the caller passes (the planners use log N / log D so one bracket spans many decades),
 * never return NaN, and report `undefined` when no answer exists in the range.
 */

/** Options for {@link findRoot}. */
export interface RootOptions {
  /** Derivative of f, for Newton steps; without it the method falls back to secant steps. */
  derivative?: (x: number) => number;
  /** Stop when the bracket is narrower than this (absolute, in x). */
  xTolerance?: number;
  maxIterations?: number;
}

/**
 * A root of a continuous f in [lo, hi], where f(lo) and f(hi) have opposite signs (or one is 0).
 * With a derivative: Newton steps, replaced by bisection whenever a step leaves the bracket (so
 * convergence is guaranteed, quadratic near a simple root). Without: the Illinois variant of
 * regula falsi (superlinear, no one-sided stagnation). Returns undefined when the ends do not
 * bracket a root or f is not finite somewhere it is evaluated.
 */
export function findRoot(
  f: (x: number) => number,
  lo: number,
  hi: number,
  options: RootOptions = {},
): number | undefined {
  const xTolerance = options.xTolerance ?? 1e-13 * Math.max(1, Math.abs(lo), Math.abs(hi));
  const maxIterations = options.maxIterations ?? 300;
  let a = Math.min(lo, hi);
  let b = Math.max(lo, hi);
  let fa = f(a);
  let fb = f(b);
  if (!Number.isFinite(fa) || !Number.isFinite(fb)) return undefined;
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (Math.sign(fa) === Math.sign(fb)) return undefined;

  const derivative = options.derivative;
  if (derivative) {
    let x = 0.5 * (a + b);
    for (let iteration = 0; iteration < maxIterations; iteration++) {
      const fx = f(x);
      if (!Number.isFinite(fx)) return undefined;
      if (fx === 0) return x;
      if (Math.sign(fx) === Math.sign(fa)) a = x;
      else b = x;
      let next = x - fx / derivative(x);
      if (!(next > a && next < b)) next = 0.5 * (a + b);
      if (Math.abs(next - x) <= xTolerance || b - a <= xTolerance) return next;
      x = next;
    }
    return x;
  }

  // Illinois: halve the stored value at an end that was kept twice in a row, so both ends move.
  let kept = 0;
  let x = a;
  for (let iteration = 0; iteration < maxIterations && b - a > xTolerance; iteration++) {
    x = (a * fb - b * fa) / (fb - fa);
    if (!(x > a && x < b)) x = 0.5 * (a + b);
    const fx = f(x);
    if (!Number.isFinite(fx)) return undefined;
    if (fx === 0) return x;
    if (Math.sign(fx) === Math.sign(fb)) {
      b = x;
      fb = fx;
      if (kept === -1) fa /= 2;
      kept = -1;
    } else {
      a = x;
      fa = fx;
      if (kept === 1) fb /= 2;
      kept = 1;
    }
  }
  return x;
}

/**
 * Widen [x0, x0 + step·k] geometrically (in x) until f changes sign, so a caller that knows only a
 * starting point and a direction still gets a bracket. Returns [lo, hi] or undefined after `maxSteps`.
 */
export function expandBracket(
  f: (x: number) => number,
  x0: number,
  step: number,
  maxSteps = 200,
): [number, number] | undefined {
  const f0 = f(x0);
  if (!Number.isFinite(f0)) return undefined;
  if (f0 === 0) return [x0, x0];
  let previous = x0;
  let width = step;
  for (let i = 0; i < maxSteps; i++) {
    const x = x0 + width;
    const fx = f(x);
    if (Number.isFinite(fx) && Math.sign(fx) !== Math.sign(f0))
      return x < previous ? [x, previous] : [previous, x];
    if (Number.isFinite(fx)) previous = x;
    width *= 2;
  }
  return undefined;
}

/**
 * The x in [lo, hi] that minimizes f: a scan of `gridPoints` evenly spaced points picks the best
 * cell, then golden-section search refines it to `xTolerance`. Non-finite values count as +∞, so
 * an objective that blows up at the edges of its domain is handled. Returns undefined when f is
 * nowhere finite on the grid.
 */
export function minimizeBounded(
  f: (x: number) => number,
  lo: number,
  hi: number,
  options: { gridPoints?: number; xTolerance?: number } = {},
): number | undefined {
  const gridPoints = Math.max(3, options.gridPoints ?? 96);
  const xTolerance = options.xTolerance ?? 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi));
  const value = (x: number) => {
    const y = f(x);
    return Number.isFinite(y) ? y : Number.POSITIVE_INFINITY;
  };
  const spacing = (hi - lo) / (gridPoints - 1);
  let bestIndex = -1;
  let bestValue = Number.POSITIVE_INFINITY;
  for (let i = 0; i < gridPoints; i++) {
    const y = value(lo + i * spacing);
    if (y < bestValue) {
      bestValue = y;
      bestIndex = i;
    }
  }
  if (bestIndex < 0) return undefined;

  let a = lo + Math.max(0, bestIndex - 1) * spacing;
  let b = lo + Math.min(gridPoints - 1, bestIndex + 1) * spacing;
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let c = b - invPhi * (b - a);
  let d = a + invPhi * (b - a);
  let fc = value(c);
  let fd = value(d);
  for (let iteration = 0; iteration < 400 && b - a > xTolerance; iteration++) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - invPhi * (b - a);
      fc = value(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + invPhi * (b - a);
      fd = value(d);
    }
  }
  const x = 0.5 * (a + b);
  // The scan's best point wins if refinement somehow ended somewhere worse (a flat or noisy f).
  const gridBest = lo + bestIndex * spacing;
  return value(x) <= value(gridBest) ? x : gridBest;
}
