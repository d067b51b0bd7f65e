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
 * 3. The band is ±2σ with σ = 1.4826·MAD of the fit's relative residuals: a robust spread, so a
 *    run that goes off does not widen its own band (an RMS band grows with the very deviations it
 *    should flag; `curve --log` prints the RMS band of a finished log instead).
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
  /** Relative half-width of the band (2σ robust). */
  band?: number;
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
  private band = 0;
  private lastJudged = -Infinity;
  private streak: Judgement[] = [];
  private lastJudgement?: Judgement;
  private split?: 'train' | 'val';
  private generation?: number;
  private firstSeen?: { ms: number; step: number };
  private lastSeen?: { ms: number; step: number };

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
    const all: { point: TrajectoryPoint; step: number }[] = [];
    const toPoint = (p: LivePoint) => {
      if (!(p.step >= 1) || p.step > n) return undefined;
      const tokens = p.tokens ?? run.tokens[p.step - 1];
      const at = featuresAtTokens(features, tokens);
      return at ? { model: 'run', run: 'run', params: 1, tokens, loss: p.loss, ...at } : undefined;
    };
    for (let i = 0; i < series.length; i++) {
      const p = series.at(i);
      if (p.step > n) {
        status.beyondRun++;
        continue;
      }
      const point = toPoint(p);
      if (point) all.push({ point, step: p.step });
    }
    if (latest.step > (all[all.length - 1]?.step ?? -Infinity)) {
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
    let fresh = all.filter((a) => a.step > this.lastJudged);
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
      const loss = end && predictTrajectory(this.fit, { params: 1, tokens: run.tokens[n - 1], ...end });
      if (loss !== undefined && loss !== null)
        status.projection = { step: n, loss, low: loss * (1 - this.band), high: loss * (1 + this.band) };
      status.band = this.band;
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
    this.band = 0;
    this.lastJudged = -Infinity;
    this.streak = [];
    this.lastJudgement = undefined;
    this.split = split;
    this.generation = generation;
    this.firstSeen = undefined;
    this.lastSeen = undefined;
  }

  private judge(step: number, point: TrajectoryPoint): void {
    const predicted = predictTrajectory(this.fit!, point);
    if (predicted === undefined) return;
    const relative = point.loss / predicted - 1;
    const offBand = Math.abs(relative) > this.band;
    const j: Judgement = {
      step,
      loss: point.loss,
      predicted,
      low: predicted * (1 - this.band),
      high: predicted * (1 + this.band),
      relative,
      offBand,
    };
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
    for (const p of use) {
      const q = predictTrajectory(r.fit, p);
      if (q !== undefined) residuals.push(p.loss / q - 1);
    }
    this.band = 2 * 1.4826 * mad(residuals);
    return use.length;
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

/** Median absolute deviation from the median. */
function mad(values: number[]): number {
  if (!values.length) return 0;
  const median = (v: number[]) => {
    const s = [...v].sort((x, y) => x - y);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}
