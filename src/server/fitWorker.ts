/**
 * Worker thread of "Fit Scaling Law from Runs…" (bundled as dist/fitWorker.js beside server.js and
 * started by the language server, src/server/fit.ts): reads the runs (from disk or from text the
 * client sends) and fits them, so a long fit never blocks the server's other requests. It posts
 * progress from FitOptions.onProgress; the server cancels by terminating the thread.
 * Protocol: src/node/fitSession.ts (HostToWorker / WorkerToHost).
 */
import { parentPort } from 'node:worker_threads';
import { fitScalingLawParallel, readRunsFromText, type RunSeries } from '../core/fit';
import { summarizeRuns, type HostToWorker, type WorkerToHost } from '../node/fitSession';
import { readRunsFromPath } from '../node/runsFromDisk';
import { readRunConfig } from '../core/config/registry';
import { suggestTokensPerStep } from '../node/tokensPerStep';

/** Runs of the last read, kept for the `fit` that follows it. */
let runs: RunSeries[] = [];

function post(message: WorkerToHost): void {
  parentPort?.postMessage(message);
}

function handle(message: HostToWorker): void {
  switch (message.type) {
    case 'read-path':
    case 'read-text': {
      const read =
        message.type === 'read-path'
          ? readRunsFromPath(message.path, message.options, readRunConfig)
          : readRunsFromText(message.text, message.fileName, message.options);
      runs = read.runs;
      post({ type: 'read-result', report: read.report, summary: summarizeRuns(runs, message.minTokens) });
      return;
    }
    case 'suggest-tokens-per-step': {
      post({ type: 'tokens-per-step', ...suggestTokensPerStep(message.path) });
      return;
    }
    case 'fit': {
      // Bootstrap refits spread over nested worker threads (dist/fitBootstrapWorker.js); Cancel
      // terminates this worker and its children with it.
      fitScalingLawParallel(runs, {
        ...message.options,
        onProgress: (progress) => post({ type: 'progress', progress }),
      }).then(
        (report) => post({ type: 'fit-result', report }),
        (error: unknown) => post({ type: 'error', message: (error as Error)?.stack ?? String(error) }),
      );
      return;
    }
  }
}

parentPort?.on('message', (message: HostToWorker) => {
  try {
    handle(message);
  } catch (error) {
    // The core returns errors as values; anything thrown is a bug, reported rather than crashing silently.
    post({ type: 'error', message: (error as Error)?.stack ?? String(error) });
  }
});
