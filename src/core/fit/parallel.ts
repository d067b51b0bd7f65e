import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  bootstrapSerial,
  refitResample,
  type BootstrapHooks,
  type BootstrapJob,
  type ResampleStream,
} from './bootstrap';
import type { BootstrapWorkerMessage } from './bootstrapWorker';

/**
 * The bootstrap across worker threads. Resamples are drawn in this thread from the seeded stream, in
 * batches of exactly the number of draws still missing, split into contiguous chunks (one per
 * worker); results are put back in resample order, so the draws are identical to `bootstrapSerial`
 * for any thread count. Below `MIN_PARALLEL` resamples, or without a worker script, it runs serially
 * (starting a worker costs tens of milliseconds).
 */
const MIN_PARALLEL = 24;

/** The worker script beside this module: the .ts source under tsx, the bundle's sibling otherwise. */
function workerScript(): string | undefined {
  if (__filename.endsWith('.ts')) return join(__dirname, 'bootstrapWorker.ts');
  const bundled = join(__dirname, 'fitBootstrapWorker.js');
  return existsSync(bundled) ? bundled : undefined;
}

/**
 * Under tsx (tests, benches) the worker registers tsx's CommonJS hook before loading the .ts source
 * (Node 20 does not carry `--import` loaders into workers).
 */
function startWorker(script: string): Worker {
  if (!script.endsWith('.ts')) return new Worker(script);
  const api = createRequire(__filename).resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(api)}).register(); require(${JSON.stringify(script)});`, {
    eval: true,
  });
}

/** Threads to use by default: the machine's parallelism, at most 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

export async function bootstrapParallel(
  job: BootstrapJob,
  stream: ResampleStream,
  count: number,
  hooks: BootstrapHooks,
  threads: number,
): Promise<number[][] | 'cancelled'> {
  const script = workerScript();
  if (!script || threads <= 1 || count < MIN_PARALLEL) return bootstrapSerial(job, stream, count, hooks);
  const workers = Array.from({ length: threads }, () => {
    const worker = startWorker(script);
    // A batch listens for its own failures; between batches an error must not go unhandled.
    worker.on('error', () => undefined);
    return worker;
  });
  let workersFailed = false;
  try {
    const draws: number[][] = [];
    let attempts = 0;
    while (draws.length < count && attempts < count * 3) {
      const batch: Int32Array[] = [];
      const want = Math.min(count - draws.length, count * 3 - attempts);
      for (let a = 0; a < want; a++) {
        attempts++;
        const indices = stream.next();
        if (indices) batch.push(indices);
      }
      if (batch.length === 0) continue;
      const kept = draws.length;
      let parts: ((number[] | null)[] | 'cancelled')[];
      try {
        parts = workersFailed ? [] : await runBatch(batch, kept);
      } catch {
        // A worker that cannot start or crashes must not lose the fit: this batch and the rest run
        // here, on the same resamples, so the draws are still the serial engine's.
        workersFailed = true;
        parts = [];
      }
      if (workersFailed) {
        const results: (number[] | null)[] = [];
        for (const indices of batch) {
          if (hooks.isCancelled()) return 'cancelled';
          results.push(refitResample(job, indices, hooks.isCancelled));
          hooks.onDraw(Math.min(count, kept + results.length));
        }
        parts = [results];
      }
      if (parts.includes('cancelled')) return 'cancelled';
      for (const part of parts as (number[] | null)[][])
        for (const draw of part) if (draw && draws.length < count) draws.push(draw);
    }
    return draws;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  async function runBatch(batch: Int32Array[], kept: number): Promise<((number[] | null)[] | 'cancelled')[]> {
    const chunk = Math.ceil(batch.length / threads);
    let doneTotal = 0;
    return Promise.all(
      workers.map((worker, w) => {
        const resamples = batch.slice(w * chunk, (w + 1) * chunk);
        if (resamples.length === 0) return Promise.resolve([] as (number[] | null)[]);
        return new Promise<(number[] | null)[] | 'cancelled'>((resolve, reject) => {
          const onMessage = (message: BootstrapWorkerMessage) => {
            if ('done' in message) {
              doneTotal++;
              // Progress counts refits finished (draws are only known in order at the end).
              hooks.onDraw(Math.min(count, kept + doneTotal));
              if (hooks.isCancelled()) {
                worker.off('message', onMessage);
                resolve('cancelled');
              }
            } else {
              worker.off('message', onMessage);
              worker.off('error', reject);
              if ('results' in message) resolve(message.results);
              else reject(new Error(message.error));
            }
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
          worker.postMessage({ job, resamples });
        });
      }),
    );
  }
}
