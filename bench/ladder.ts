/**
 * A generated ladder of training runs for the large-input fit benchmarks and tests.
 *
 * Law: the epoch2024 law (Besiroglu et al. 2024; E=1.8169, A=482.01, B=2085.43, α=0.3478, β=0.3658,
 * read from src/core/laws/published.ts, not restated). Runs: `models` sizes log-spaced from 5e7 to
 * 5e9 parameters, each with `points / models` checkpoints log-spaced from 2e9 to 2e11 tokens.
 * Noise: multiplicative log-normal, ln L = ln L_law + σ·z with σ = 0.005 and z standard normal
 * (Box–Muller on the seeded mulberry32 of src/core/fit/random.ts, seed 7).
 */
import { EPOCH_2024 } from '../src/core/laws/published';
import { mulberry32 } from '../src/core/fit/random';
import type { RunSeries } from '../src/core/fit';

export const LADDER_LAW = EPOCH_2024.law as {
  form: 'chinchilla';
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
};
export const LADDER_SIGMA = 0.005;

function lawLoss(params: number, tokens: number): number {
  const { E, A, B, alpha, beta } = LADDER_LAW;
  return E + A / params ** alpha + B / tokens ** beta;
}

/** Calls `emit(run, params, tokens, loss)` for every generated checkpoint, in run order. */
export function generateLadder(
  points: number,
  models: number,
  emit: (run: number, params: number, tokens: number, loss: number) => void,
  seed = 7,
): void {
  const random = mulberry32(seed);
  const perRun = Math.ceil(points / models);
  let emitted = 0;
  for (let m = 0; m < models; m++) {
    const params = Math.round(5e7 * 100 ** (m / Math.max(1, models - 1)));
    for (let c = 0; c < perRun && emitted < points; c++, emitted++) {
      const tokens = 2e9 * 100 ** (perRun === 1 ? 1 : c / (perRun - 1));
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      emit(m, params, tokens, lawLoss(params, tokens) * Math.exp(LADDER_SIGMA * z));
    }
  }
}

/** The ladder as runs (for in-process fits). */
export function ladderRuns(points: number, models: number, seed = 7): RunSeries[] {
  const runs: RunSeries[] = [];
  generateLadder(
    points,
    models,
    (run, params, tokens, loss) => {
      if (!runs[run]) runs[run] = { name: `ladder-${run}`, params, points: [] };
      runs[run].points.push({ tokens, loss });
    },
    seed,
  );
  return runs;
}

/** The ladder as CSV text (`run,params,tokens,loss`). */
export function ladderCsv(points: number, models: number, seed = 7): string {
  const lines = ['run,params,tokens,loss'];
  generateLadder(
    points,
    models,
    (run, params, tokens, loss) =>
      lines.push(`ladder-${run},${params},${tokens.toPrecision(10)},${loss.toPrecision(12)}`),
    seed,
  );
  return lines.join('\n') + '\n';
}
