/**
 * Worker thread of the parallel bootstrap (bundled as dist/fitBootstrapWorker.js; driven by
 * ./parallel.ts). Receives a job and a list of resamples, refits each, posts `{ done }` after every
 * refit and `{ results }` (reported coefficients or null, in the order received) at the end.
 */
import { parentPort } from 'node:worker_threads';
import { refitResample, type BootstrapJob } from './bootstrap';

export interface BootstrapWorkerRequest {
  job: BootstrapJob;
  resamples: Int32Array[];
}

export type BootstrapWorkerMessage = { done: number } | { results: (number[] | null)[] } | { error: string };

parentPort?.on('message', (request: BootstrapWorkerRequest) => {
  try {
    const results: (number[] | null)[] = [];
    for (const indices of request.resamples) {
      results.push(refitResample(request.job, indices, () => false));
      parentPort!.postMessage({ done: results.length } satisfies BootstrapWorkerMessage);
    }
    parentPort!.postMessage({ results } satisfies BootstrapWorkerMessage);
  } catch (error) {
    parentPort!.postMessage({ error: String(error) } satisfies BootstrapWorkerMessage);
  }
});
