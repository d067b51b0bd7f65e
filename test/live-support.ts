/**
 * The small nanoGPT run that the live-tracking tests follow (unit, JSON-RPC and code-server), and the
 * schedule-aware law their synthetic logs obey: E + B·S1^−β − C·S2 on the run's own LR schedule.
 * One definition, so every suite tracks the same run against the same truth.
 */
import { nanogptSchedule } from '../src/core/config/frameworks/nanogpt/schedule';
import { compileRun } from '../src/core/schedule/model';
import { featuresAtTokens, runFeatures } from '../src/core/schedule/features';
import type { CompiledRun } from '../src/core/schedule/types';

/** A nanoGPT config override of a 2-layer model trained `maxIters` steps (cosine to 10% of 1e-3). */
export function liveConfig(label: string, maxIters = 4000): string {
  return `# nanoGPT config override (${label})
n_layer = 2
n_head = 2
n_embd = 128
block_size = 256
batch_size = 8
gradient_accumulation_steps = 1
learning_rate = 1e-3
max_iters = ${maxIters}
lr_decay_iters = ${maxIters}
warmup_iters = 100
min_lr = 1e-4
`;
}

/** The config's run expanded step by step, and the law's loss after a (1-based) step of it. */
export function liveLaw(config: string): { run: CompiledRun; truth: (step: number) => number } {
  const plan = nanogptSchedule(config).plan!;
  const run = compileRun(plan).run!;
  const features = runFeatures(run, undefined, plan.schedule.warmup);
  return {
    run,
    truth: (step) => {
      const f = featuresAtTokens(features, run.tokens[step - 1])!;
      return 1.8 + 60 * f.s1 ** -0.3 - 2e-4 * f.s2;
    },
  };
}
