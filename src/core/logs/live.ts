/**
 * Live tracking of a running job against its config's LR schedule (issue 13 item 4). Pure: the
 * points come from the caller (src/node/logTail.ts in the editor), the clock too.
 *
 * On every update:
 * 1. Each checkpoint that arrived since the last update is judged against the law fitted on the
 *    checkpoints *before* it (the previous update's fit): predicted loss at its step, and whether it
 *    lies outside the band. A judgement never uses the point it judges.
 * 2. The schedule-aware law E + B·S1^−β − C·S2 (src/core/fit/trajectory.ts, Tissue et al. 2024 Eq. 1
 *    on peak-normalized LR, N folded into E) is refitted on every checkpoint so far (warm-started;
 *    checkpoints ≤ 10B tokens dropped when ≥ 6 remain, as `scaling-lens curve --log` does), and
 *    evaluated at the run's last step: the projected final loss.
 * 3. The band is a 95% prediction interval for a checkpoint, in log space:
 *    ±2·√(gᵀ·Cov·g + σ²). σ = 1.4826·MAD of the fit's log residuals (a robust spread: a run that
 *    goes off does not widen its own band, as an RMS would); Cov = σ²·(JᵀJ)⁻¹ over (E, B, β, C)
 *    (Gauss–Newton, J = ∂ log L/∂θ at the fitted checkpoints), g the same gradient at the step
 *    predicted. So the band is wide where the law extrapolates far or is poorly pinned (early in a
 *    cosine run C is not identified yet: a projection from 10% of the run gets ±100%, from 30% ±1%)
 *    and narrows to the noise as the run goes. The projected final loss carries the same interval.
 *    (`curve --log` prints ±2 × RMS residual of a finished log instead.)
 * 4. ETA = remaining steps × time per step: the mean of the last 20 logged iteration times when the
 *    log prints them, else the step rate observed while watching (≥ 2 s of progress).
 * A run is off-band after {@link OFF_BAND_CHECKPOINTS} consecutive checkpoints outside the band; one
 * checkpoint back inside clears it.
 */
import { featuresAtTokens, type RunFeatures } from '../schedule/features';
import type { CompiledRun } from '../schedule/types';
import {
  fitTrajectory,
  predictTrajectory,
  type TrajectoryFit,
  type TrajectoryPoint,
} from '../fit/trajectory';
import { FIT_DEFAULTS } from '../fit/defaults';

/** Consecutive checkpoints outside the band before the run is reported off-band (issue 13: "several"). */
export const OFF_BAND_CHECKPOINTS = 3;
/** Checkpoints needed before predictions are made (the law has 4 coefficients). */
export const MIN_FIT_CHECKPOINTS = 6;
/** Fits use at most this many checkpoints (evenly thinned, the newest kept): bench/schedule-refit.ts. */
export const MAX_FIT_CHECKPOINTS = 10_000;

export interface LivePoint {
  step: number;
  loss: number;
  tokens?: number;
  iterationMs?: number;
}

/** The checkpoints of one split, oldest first (a column store in the editor). */
export interface LiveSeries {
  readonly length: number;
  at(i: number): LivePoint;
  /** The newest point (may be newer than `at(length − 1)` when the store thins). */
  readonly latest?: LivePoint;
  /** Fast paths (no object per call), when the store has them. */
  stepAt?(i: number): number;
  lossAt?(i: number): number;
}

export interface Judgement {
  step: number;
  loss: number;
  predicted: number;
  low: number;
  high: number;
  /** loss / predicted − 1. */
  relative: number;
  offBand: boolean;
}

export interface LiveStatus {
  split: 'train' | 'val';
  /** Checkpoints of that split in the log. */
  checkpoints: number;
  latest?: { step: number; loss: number };
  /** The newest checkpoint against the fit on the checkpoints before it. */
  comparison?: Judgement;
  /** The law refitted on the run so far, at the run's last step. */
  projection?: { step: number; loss: number; low: number; high: number };
  /** Robust relative spread of the checkpoints around the fit (σ). */
  noise?: number;
  eta?: { seconds: number; source: 'logged iteration time' | 'observed step rate' } | { done: true };
  /** Set while the run is off-band (≥ OFF_BAND_CHECKPOINTS in a row); `since` is the first of them. */
  offBand?: { count: number; since: number; last: Judgement };
  /** Checkpoints past the end of the planned run (the config and the log disagree). */
  beyondRun: number;
  fittedCheckpoints: number;
  fitMs?: number;
  notes: string[];
}

/** The schedule of the config: its run expanded step by step and its features. */
export interface TrackedRun {
  run: CompiledRun;
  features: RunFeatures;
}

export class RunTracker {
  private fit?: TrajectoryFit;
  private sigma = 0;
  /** Covariance of (E, B, β, C), or undefined when JᵀJ is singular. */
  private cov?: number[][];
  private lastJudged = -Infinity;
  private streak: Judgement[] = [];
  private lastJudgement?: Judgement;
  private split?: 'train' | 'val';
  private generation?: number;
  private firstSeen?: { ms: number; step: number };
  private lastSeen?: { ms: number; step: number };
  private cache: { step: number; loss: number; point?: TrajectoryPoint }[] = [];

  constructor(private readonly tracked: TrackedRun) {}

  /** Update with the log's current points; `generation` changes when the log restarted (truncated). */
  update(train: LiveSeries, val: LiveSeries, generation: number, nowMs: number): LiveStatus {
    const split: 'train' | 'val' = val.length >= MIN_FIT_CHECKPOINTS ? 'val' : 'train';
    const series = split === 'val' ? val : train;
    if (split !== this.split || generation !== this.generation) this.reset(split, generation);
    const { run, features } = this.tracked;
    const n = run.lr.length;
    const notes: string[] = [];
    const status: LiveStatus = {
      split,
      checkpoints: series.length,
      beyondRun: 0,
      fittedCheckpoints: 0,
      notes,
    };
    const latest = series.latest ?? (series.length ? series.at(series.length - 1) : undefined);
    if (!latest) return status;
    status.latest = { step: latest.step, loss: latest.loss };
    this.observeRate(latest.step, nowMs);

    // Checkpoints as fit points; the step→tokens mapping is the config's unless the log counts tokens.
    // Converted points are cached per series index (a growing log converts only its new points).
    const all: { point: TrajectoryPoint; step: number }[] = [];
    const toPoint = (p: LivePoint) => {
      if (!(p.step >= 1) || p.step > n) return undefined;
      const tokens = p.tokens ?? run.tokens[p.step - 1];
      const at = featuresAtTokens(features, tokens);
      return at ? { model: 'run', run: 'run', params: 1, tokens, loss: p.loss, ...at } : undefined;
    };
    const cache = this.cache;
    cache.length = Math.min(cache.length, series.length);
    for (let i = 0; i < series.length; i++) {
      const step = series.stepAt ? series.stepAt(i) : series.at(i).step;
      const loss = series.lossAt ? series.lossAt(i) : series.at(i).loss;
      let entry = cache[i];
      if (!entry || entry.step !== step || entry.loss !== loss) {
        const p = series.at(i);
        entry = cache[i] = { step, loss, point: toPoint(p) };
      }
      if (step > n) status.beyondRun++;
      else if (entry.point) all.push(entry as { point: TrajectoryPoint; step: number });
    }
    // The newest point when the store thinned it out of its arrays.
    if (!series.length || latest.step > series.at(series.length - 1).step) {
      const point = toPoint(latest);
      if (point) all.push({ point, step: latest.step });
      else if (latest.step > n) status.beyondRun++;
    }
    if (status.beyondRun)
      notes.push(
        `${status.beyondRun} checkpoint(s) past the ${n.toLocaleString('en-US')} steps the config plans: check that this log belongs to this config`,
      );

    // 1. Judge new checkpoints against the previous fit. On the first fit of a log that already has
    // checkpoints, the newest OFF_BAND_CHECKPOINTS are held out of it and judged, so a run already
    // off when the log is opened is reported too.
    let from = all.length;
    while (from > 0 && all[from - 1].step > this.lastJudged) from--;
    let fresh = all.slice(from);
    if (!this.fit && all.length >= MIN_FIT_CHECKPOINTS + OFF_BAND_CHECKPOINTS) {
      const held = all.slice(-OFF_BAND_CHECKPOINTS);
      const prior = this.refit(
        all.slice(0, -OFF_BAND_CHECKPOINTS).map((a) => a.point),
        notes,
      );
      if (prior) fresh = held;
    }
    if (this.fit) {
      for (const a of fresh) this.judge(a.step, a.point);
    }
    if (all.length) this.lastJudged = Math.max(this.lastJudged, all[all.length - 1].step);

    // 2. Refit on everything so far.
    const t0 = performance.now();
    const fitted = this.refit(
      all.map((a) => a.point),
      notes,
    );
    status.fitMs = performance.now() - t0;
    status.fittedCheckpoints = fitted ?? 0;
    if (this.fit) {
      const end = featuresAtTokens(features, run.tokens[n - 1]);
      const at = end && { params: 1, tokens: run.tokens[n - 1], ...end };
      const loss = at && predictTrajectory(this.fit, at);
      if (at && loss !== undefined) {
        const [low, high] = this.interval(at, loss);
        status.projection = { step: n, loss, low, high };
      } else
        notes.push('projected final not determined yet (the law fitted so far is not positive at the end)');
      status.noise = this.sigma;
    } else if (all.length < MIN_FIT_CHECKPOINTS) {
      notes.push(`prediction after ${MIN_FIT_CHECKPOINTS} checkpoints (${all.length} so far)`);
    }
    if (this.lastJudgement && this.lastJudgement.step === latest.step) status.comparison = this.lastJudgement;
    if (this.streak.length >= OFF_BAND_CHECKPOINTS)
      status.offBand = {
        count: this.streak.length,
        since: this.streak[0].step,
        last: this.streak[this.streak.length - 1],
      };
    status.eta = this.eta(series, latest.step, n, nowMs);
    return status;
  }

  private reset(split: 'train' | 'val', generation: number): void {
    this.fit = undefined;
    this.sigma = 0;
    this.cov = undefined;
    this.lastJudged = -Infinity;
    this.streak = [];
    this.lastJudgement = undefined;
    this.split = split;
    this.generation = generation;
    this.firstSeen = undefined;
    this.lastSeen = undefined;
    this.cache = [];
  }

  private judge(step: number, point: TrajectoryPoint): void {
    const predicted = predictTrajectory(this.fit!, point);
    if (predicted === undefined) return;
    const relative = point.loss / predicted - 1;
    const [low, high] = this.interval(point, predicted);
    const offBand = point.loss < low || point.loss > high;
    const j: Judgement = { step, loss: point.loss, predicted, low, high, relative, offBand };
    this.lastJudgement = j;
    if (offBand) this.streak.push(j);
    else this.streak = [];
  }

  /** Fit on the points (thinned to MAX_FIT_CHECKPOINTS); returns the count fitted, undefined if none. */
  private refit(points: TrajectoryPoint[], notes: string[]): number | undefined {
    let use = points.filter((p) => p.tokens > FIT_DEFAULTS.minTokens);
    if (use.length < MIN_FIT_CHECKPOINTS) use = points;
    if (use.length < MIN_FIT_CHECKPOINTS) return undefined;
    if (use.length > MAX_FIT_CHECKPOINTS) {
      const stride = use.length / MAX_FIT_CHECKPOINTS;
      const thinned: TrajectoryPoint[] = [];
      for (let k = 0; k < MAX_FIT_CHECKPOINTS - 1; k++) thinned.push(use[Math.floor(k * stride)]);
      thinned.push(use[use.length - 1]);
      use = thinned;
    }
    const options = { params: false, schedule: true };
    let r = fitTrajectory(use, options, this.fit?.theta);
    if (!r.fit && this.fit) r = fitTrajectory(use, options);
    if (!r.fit) {
      notes.push(`cannot fit the log yet: ${r.error}`);
      return undefined;
    }
    this.fit = r.fit;
    const residuals: number[] = [];
    const jtj = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
    for (const p of use) {
      const q = predictTrajectory(r.fit, p);
      if (q === undefined) continue;
      residuals.push(Math.log(p.loss / q));
      const g = gradient(r.fit, p, q);
      for (let i = 0; i < 4; i++) for (let k = 0; k < 4; k++) jtj[i][k] += g[i] * g[k];
    }
    this.sigma = 1.4826 * mad(residuals);
    const inverse = invert(jtj);
    this.cov = inverse?.map((row) => row.map((v) => v * this.sigma ** 2));
    return use.length;
  }

  /** The 95% prediction interval of a checkpoint's loss (infinite when the law is not pinned down). */
  private interval(
    p: Pick<TrajectoryPoint, 'params' | 'tokens' | 's1' | 's2'>,
    predicted: number,
  ): [number, number] {
    if (!this.cov) return [0, Infinity];
    const g = gradient(this.fit!, p, predicted);
    let variance = this.sigma ** 2;
    for (let i = 0; i < 4; i++) for (let k = 0; k < 4; k++) variance += g[i] * this.cov[i][k] * g[k];
    const half = 2 * Math.sqrt(Math.max(0, variance));
    return [predicted * Math.exp(-half), predicted * Math.exp(half)];
  }

  private observeRate(step: number, nowMs: number): void {
    if (!this.firstSeen) this.firstSeen = { ms: nowMs, step };
    if (!this.lastSeen || step > this.lastSeen.step) this.lastSeen = { ms: nowMs, step };
  }

  private eta(series: LiveSeries, step: number, n: number, nowMs: number): LiveStatus['eta'] {
    if (step >= n) return { done: true };
    const times: number[] = [];
    for (let i = series.length - 1; i >= 0 && times.length < 20; i--) {
      const ms = series.at(i).iterationMs;
      if (ms !== undefined && ms > 0) times.push(ms);
    }
    if (times.length) {
      const ms = times.reduce((a, b) => a + b, 0) / times.length;
      return { seconds: ((n - step) * ms) / 1000, source: 'logged iteration time' };
    }
    const a = this.firstSeen;
    const b = this.lastSeen;
    if (a && b && b.step > a.step && b.ms - a.ms >= 2000 && nowMs >= b.ms) {
      const msPerStep = (b.ms - a.ms) / (b.step - a.step);
      return { seconds: ((n - step) * msPerStep) / 1000, source: 'observed step rate' };
    }
    return undefined;
  }
}

/**
 * ∂ log L/∂(E, B, β, C) of E + B·S1^−β − C·S2 at a checkpoint (C linear, so a fit with C at its
 * bound 0 still carries C's uncertainty).
 */
function gradient(fit: TrajectoryFit, p: Pick<TrajectoryPoint, 's1' | 's2'>, q: number): number[] {
  const { B, beta } = fit.law;
  const term = B * p.s1 ** -beta;
  return [1 / q, term / B / q, (-Math.log(p.s1) * term) / q, -p.s2 / q];
}

/**
 * Inverse of a symmetric positive semi-definite matrix with Jacobi scaling (the columns differ by
 * orders of magnitude: B ~ 10², C ~ 10⁻⁴); undefined when singular to working precision.
 */
function invert(m: number[][]): number[][] | undefined {
  const n = m.length;
  const d = m.map((row, i) => Math.sqrt(row[i]));
  if (d.some((v) => !(v > 0) || !Number.isFinite(v))) return undefined;
  const a = m.map((row, i) => [
    ...row.map((v, k) => v / (d[i] * d[k])),
    ...row.map((_, k) => (i === k ? 1 : 0)),
  ]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    if (!(Math.abs(a[pivot][c]) > 1e-13)) return undefined;
    [a[c], a[pivot]] = [a[pivot], a[c]];
    const v = a[c][c];
    for (let k = 0; k < 2 * n; k++) a[c][k] /= v;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c];
      if (f) for (let k = 0; k < 2 * n; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, i) => row.slice(n).map((v, k) => v / (d[i] * d[k])));
}

/** Median absolute deviation from the median. */
function mad(values: number[]): number {
  if (!values.length) return 0;
  // Typed-array sorts are numeric and several times faster than Array#sort with a comparator.
  const median = (v: Float64Array) => {
    v.sort();
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  const m = median(Float64Array.from(values));
  return median(Float64Array.from(values, (v) => Math.abs(v - m)));
}
