/**
 * Long fuzz campaign over the reader properties of test/unit/fuzz-readers.test.ts, on the whole
 * corpus (fixtures + the ../shared manifests configs, configs-b and configs-c, including the large
 * OLMo files the CI run skips).
 *
 *   node --import tsx bench/fuzz-campaign.ts [--minutes M] [--seed S] [--case-ms T] [--shrink-ms T]
 *
 * It keeps its budget: the properties run in a worker thread that announces every case before it
 * runs it, so a case that takes longer than --case-ms (default 10 s) is a failure ("hang", printed with
 * its input) and the worker is replaced; shrinking a failure is bounded by --shrink-ms (default 10 s).
 * Progress lines every 10 s; Ctrl-C (or the budget) ends with the summary. Exit 1 on any failure.
 */
import fc from 'fast-check';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  INVALID_WORDS,
  PENDING_FRAMEWORKS,
  applyInvalidValue,
  applyMutation,
  applyNeutralMutation,
  checkInvalidValueOracle,
  checkNeutral,
  checkRobust,
  loadCorpus,
  mutationsArb,
  neutralMutationArb,
} from '../test/unit/fuzz-support';

/** Messages from the worker to the campaign. */
type WorkerMessage =
  | { type: 'case'; property: number; input: string }
  | { type: 'chunk'; property: number; cases: number }
  | { type: 'failure'; property: number; counterexample: string; message: string; shrinks: number }
  | { type: 'ready'; corpus: number };

interface Job {
  property: number;
  seed: number;
  /** When the property's share of the budget ends (Date.now() clock, shared by all threads). */
  deadline: number;
  shrinkMs: number;
}

const PROPERTY_NAMES = [
  'robust: no throw / hang / NaN under mutations',
  'neutral edits keep params.total',
  'invalid values make N/D unknown, never another number',
];
const SHARES = [0.6, 0.2, 0.2];

if (!isMainThread) runWorker(workerData as Job);
else void runCampaign();

/** The worker: one property, runs in chunks until its budget is spent, announcing each case. */
function runWorker(job: Job): void {
  const port = parentPort!;
  const corpus = loadCorpus({ sets: ['configs', 'configs-b', 'configs-c'] });
  const counted = corpus.filter((f) => f.baselineParams !== null);
  const owned = counted.filter((f) => !PENDING_FRAMEWORKS.has(f.framework ?? ''));
  const announce = (input: unknown) =>
    port.postMessage({ type: 'case', property: job.property, input: JSON.stringify(input).slice(0, 2000) });
  const properties = [
    fc.property(fc.nat({ max: corpus.length - 1 }), mutationsArb, (index, mutations) => {
      announce([corpus[index]!.path, mutations]);
      checkRobust(mutations.reduce(applyMutation, corpus[index]!.text), corpus[index]!.path);
    }),
    fc.property(fc.nat({ max: counted.length - 1 }), neutralMutationArb, (index, mutation) => {
      announce([counted[index]!.path, mutation]);
      const mutated = applyNeutralMutation(counted[index]!.text, counted[index]!.path, mutation);
      if (mutated !== undefined) checkNeutral(counted[index]!, mutated);
    }),
    fc.property(
      fc.nat({ max: owned.length - 1 }),
      fc.nat(),
      fc.constantFrom(...INVALID_WORDS),
      (index, which, word) => {
        announce([owned[index]!.path, which, word]);
        const mutated = applyInvalidValue(owned[index]!.text, owned[index]!.path, which, word);
        if (mutated !== undefined)
          checkInvalidValueOracle(owned[index]!, mutated, owned[index]!.baselineTokens);
      },
    ),
  ] as unknown as fc.IProperty<never>[];
  port.postMessage({ type: 'ready', corpus: corpus.length });
  const property = properties[job.property]!;
  let round = 0;
  // The deadline counts the worker's start-up (tsx, corpus): a budget that excluded it overran by
  // ~40% at --minutes 1 (three workers, each loading the corpus).
  while (Date.now() < job.deadline) {
    // No shrinking inside the run (endOnFailure): a failure is replayed and shrunk under a time cap.
    // The last chunk stops at the deadline instead of finishing its 200 cases.
    const details = fc.check(property, {
      seed: job.seed + round++,
      numRuns: 200,
      endOnFailure: true,
      includeErrorInReport: true,
      interruptAfterTimeLimit: Math.max(1, job.deadline - Date.now()),
      markInterruptAsFailure: false,
    });
    port.postMessage({ type: 'chunk', property: job.property, cases: details.numRuns });
    if (!details.failed) continue;
    const shrunk = fc.check(property, {
      seed: details.seed,
      path: details.counterexamplePath ?? undefined,
      // Bounded, and by the budget too (at least 1 s, so a late failure still gets a shorter input).
      interruptAfterTimeLimit: Math.max(1000, Math.min(job.shrinkMs, job.deadline - Date.now())),
      markInterruptAsFailure: false,
      includeErrorInReport: true,
    });
    const best = shrunk.failed ? shrunk : details;
    port.postMessage({
      type: 'failure',
      property: job.property,
      counterexample: JSON.stringify(best.counterexample).slice(0, 1500),
      message: String((best.errorInstance as Error)?.message ?? best.errorInstance)
        .split('\n')[0]!
        .slice(0, 400),
      shrinks: best.numShrinks,
    });
  }
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) ? value : fallback;
}

/** The campaign: each property in turn, in a watched worker, within the overall budget. */
async function runCampaign(): Promise<void> {
  const minutes = argument('minutes', 3);
  const seed = argument('seed', Date.now() % 2 ** 31);
  const caseMs = argument('case-ms', 10_000);
  const shrinkMs = argument('shrink-ms', 10_000);
  const cases = [0, 0, 0];
  const failures: string[] = [];
  const seen = new Set<string>();
  const started = performance.now();
  let interrupted = false;
  let current: Worker | undefined;

  const summary = () => {
    const seconds = (performance.now() - started) / 1000;
    const total = cases.reduce((a, b) => a + b, 0);
    for (const [i, name] of PROPERTY_NAMES.entries()) console.log(`${name}: ${cases[i]} cases`);
    console.log(
      `\ntotal: ${total} cases in ${seconds.toFixed(0)} s (${(total / seconds).toFixed(1)}/s, budget ${(minutes * 60).toFixed(0)} s), seed ${seed}, ${failures.length} distinct failures${interrupted ? ' (interrupted)' : ''}`,
    );
  };
  process.once('SIGINT', () => {
    interrupted = true;
    void current?.terminate();
    summary();
    process.exit(failures.length ? 1 : 130);
  });
  const report = (kind: string, property: number, detail: string, input: string) => {
    const key = `${property}|${kind}|${detail.replace(/\d+/g, '#').slice(0, 120)}`;
    if (seen.has(key)) return;
    seen.add(key);
    failures.push(key);
    console.log(`  FAILED (${kind}) ${PROPERTY_NAMES[property]}: ${detail}`);
    console.log(`    input: ${input}`);
  };

  console.log(
    `fuzz campaign: ${minutes} min, seed ${seed} (replay with --seed ${seed}), case limit ${caseMs} ms`,
  );
  let lastProgress = performance.now();
  let corpusPrinted = false;
  const campaignStart = Date.now();
  let shareSoFar = 0;
  for (const [property, share] of SHARES.entries()) {
    shareSoFar += share;
    // Deadlines are cumulative, so time one property overran is taken from the next ones.
    const deadline = campaignStart + minutes * 60_000 * shareSoFar;
    let restarts = 0;
    // A hang kills the worker; a fresh one continues with the next seed until the budget is spent.
    // A restart needs ~2 s to load the corpus, so it is not worth it in the last second.
    while (Date.now() < deadline - 1000 && !interrupted) {
      await new Promise<void>((resolve) => {
        // The worker loads this same TypeScript file through tsx's require hook.
        const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, {
          eval: true,
          workerData: {
            property,
            seed: seed + 1000 * property + 100 * restarts,
            deadline,
            shrinkMs,
          },
        });
        current = worker;
        let lastInput = '(none yet)';
        let lastSeen = performance.now();
        let loading = true;
        const watchdog = setInterval(() => {
          const now = performance.now();
          if (now - lastProgress > 10_000) {
            lastProgress = now;
            console.log(
              `  … ${cases.reduce((a, b) => a + b, 0)} cases, ${failures.length} failures, ${((now - started) / 1000).toFixed(0)} s`,
            );
          }
          // Loading the corpus is not a case; the limit applies once cases run.
          if (!loading && now - lastSeen > caseMs) {
            report('hang', property, `a case ran over ${caseMs} ms`, lastInput);
            clearInterval(watchdog);
            void worker.terminate();
          }
        }, 250);
        worker.on('message', (message: WorkerMessage) => {
          lastSeen = performance.now();
          if (message.type === 'ready') {
            loading = false;
            if (!corpusPrinted) console.log(`  corpus: ${message.corpus} files`);
            corpusPrinted = true;
          } else if (message.type === 'case') lastInput = message.input;
          else if (message.type === 'chunk') cases[property]! += message.cases;
          else if (message.type === 'failure')
            report(
              `failure after ${message.shrinks} shrinks`,
              property,
              message.message,
              message.counterexample,
            );
        });
        worker.on('error', (error) => report('worker error', property, String(error), lastInput));
        worker.on('exit', () => {
          clearInterval(watchdog);
          resolve();
        });
      });
      restarts++;
    }
  }
  summary();
  process.exit(failures.length ? 1 : 0);
}
