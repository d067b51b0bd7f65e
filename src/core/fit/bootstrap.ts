import { fitDesign, REFIT_COARSEN, REFIT_LOCAL } from './multistart';
import { logSpaceForm, type FitDesign } from './jacobians';
import { subsetDesign } from './optimize';
import { mulberry32 } from './random';
import type { LawForm } from '../laws/forms';

/**
 * Bootstrap refits over models, split so the same code runs in the calling thread or in worker
 * threads (src/core/fit/bootstrapWorker.ts, driven by ./parallel.ts) with identical draws: the
 * resamples come from one seeded stream in the calling thread, and the draws kept are the first
 * `count` successful refits in resample order, however they were distributed.
 */

/** What every refit needs: the full design, the form, the fixed θ entries and the main fit's θ. */
export interface BootstrapJob {
  form: LawForm;
  delta: number;
  fixed: (number | undefined)[];
  design: FitDesign;
  /** θ of the main fit (the first start of every refit). */
  start: number[];
}

/** Refit one resample (point indices into the job's design); the reported coefficients, or null. */
export function refitResample(
  job: BootstrapJob,
  indices: Int32Array,
  isCancelled: () => boolean,
): number[] | null {
  const form = logSpaceForm(job.form);
  const refit = fitDesign(
    { form, design: subsetDesign(job.design, indices), delta: job.delta, fixed: job.fixed },
    1,
    REFIT_LOCAL,
    isCancelled,
    [job.start],
    REFIT_COARSEN,
    2,
  );
  return refit ? form.toParams(refit.theta) : null;
}

/**
 * The seeded stream of resamples: each attempt draws as many models as there are, with replacement
 * (mulberry32(seed), in the order of the original engine), and yields their point indices, or null
 * when the resample cannot identify the form (too few distinct sizes or points).
 */
export class ResampleStream {
  private readonly random: () => number;

  constructor(
    private readonly groups: readonly (readonly number[])[],
    seed: number,
    private readonly logParams: Float64Array,
    private readonly minDistinctSizes: number,
    private readonly freeCount: number,
  ) {
    this.random = mulberry32(seed);
  }

  next(): Int32Array | null {
    const { groups } = this;
    const picked: (readonly number[])[] = [];
    let total = 0;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[Math.floor(this.random() * groups.length)];
      picked.push(group);
      total += group.length;
    }
    const indices = new Int32Array(total);
    let o = 0;
    for (const group of picked) for (const index of group) indices[o++] = index;
    if (total <= this.freeCount) return null;
    const sizes = new Set<number>();
    for (let i = 0; i < total && sizes.size < this.minDistinctSizes; i++)
      sizes.add(this.logParams[indices[i]]);
    return sizes.size < this.minDistinctSizes ? null : indices;
  }
}

/** Progress and cancellation of a bootstrap run. */
export interface BootstrapHooks {
  isCancelled: () => boolean;
  /** Called after each kept draw with the number kept so far. */
  onDraw: (kept: number) => void;
}

/** The bootstrap in the calling thread: up to 3× `count` attempts, the first `count` draws kept. */
export function bootstrapSerial(
  job: BootstrapJob,
  stream: ResampleStream,
  count: number,
  hooks: BootstrapHooks,
): number[][] | 'cancelled' {
  const draws: number[][] = [];
  let attempts = 0;
  while (draws.length < count && attempts < count * 3) {
    attempts++;
    if (hooks.isCancelled()) return 'cancelled';
    const indices = stream.next();
    if (!indices) continue;
    const draw = refitResample(job, indices, hooks.isCancelled);
    if (hooks.isCancelled()) return 'cancelled';
    if (!draw) continue;
    draws.push(draw);
    hooks.onDraw(draws.length);
  }
  return draws;
}
