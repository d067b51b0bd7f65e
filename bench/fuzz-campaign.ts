/**
 * Long fuzz campaign over the reader properties of test/unit/fuzz-readers.test.ts, on the whole
 * corpus (fixtures + ../shared configs, including the 100–300 kB OLMo files the CI run skips).
 *
 *   node --import tsx bench/fuzz-campaign.ts [--minutes M] [--seed S]
 *
 * Prints cases tried per property, failures with a minimized counterexample, and cases/second.
 * Exit code 1 when a property failed. Failures in maxtext/megatron (readers still in progress) count too.
 */
import fc from 'fast-check';
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

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  return Number.isFinite(value) ? value : fallback;
}

const minutes = argument('minutes', 3);
const seed = argument('seed', Date.now() % 2 ** 31);
const corpus = loadCorpus();
const counted = corpus.filter((f) => f.baselineParams !== null);
const owned = counted.filter((f) => !PENDING_FRAMEWORKS.has(f.framework ?? ''));

/** One property with its share of the time budget. */
interface Campaign {
  name: string;
  share: number;
  property: fc.IProperty<never>;
}

const campaigns: Campaign[] = [
  {
    name: 'robust: no throw / hang / NaN under mutations',
    share: 0.6,
    property: fc.property(fc.nat({ max: corpus.length - 1 }), mutationsArb, (index, mutations) => {
      checkRobust(mutations.reduce(applyMutation, corpus[index].text), corpus[index].path);
    }) as unknown as fc.IProperty<never>,
  },
  {
    name: 'neutral edits keep params.total',
    share: 0.2,
    property: fc.property(fc.nat({ max: counted.length - 1 }), neutralMutationArb, (index, mutation) => {
      const mutated = applyNeutralMutation(counted[index].text, counted[index].path, mutation);
      if (mutated !== undefined) checkNeutral(counted[index], mutated);
    }) as unknown as fc.IProperty<never>,
  },
  {
    name: 'invalid values make N/D unknown, never another number',
    share: 0.2,
    property: fc.property(
      fc.nat({ max: owned.length - 1 }),
      fc.nat(),
      fc.constantFrom(...INVALID_WORDS),
      (index, which, word) => {
        const mutated = applyInvalidValue(owned[index].text, owned[index].path, which, word);
        if (mutated !== undefined)
          checkInvalidValueOracle(owned[index], mutated, owned[index].baselineTokens);
      },
    ) as unknown as fc.IProperty<never>,
  },
];

console.log(`fuzz campaign: ${minutes} min, seed ${seed}, corpus ${corpus.length} files`);
let totalCases = 0;
let failures = 0;

const started = performance.now();
for (const [i, campaign] of campaigns.entries()) {
  const budgetMs = minutes * 60_000 * campaign.share;
  const start = performance.now();
  let cases = 0;
  let round = 0;
  const seen = new Set<string>();
  // A failure ends one fast-check run; keep going with the next seed until the budget is spent, so
  // one known bug does not hide the rest (at most 5 distinct failures are printed per property).
  while (performance.now() - start < budgetMs) {
    const details = fc.check(campaign.property, {
      seed: seed + 1000 * i + round++,
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: Math.max(1, budgetMs - (performance.now() - start)),
      markInterruptAsFailure: false,
      includeErrorInReport: true,
    });
    cases += details.numRuns;
    if (!details.failed) continue;
    const message = String((details.errorInstance as Error)?.message ?? details.errorInstance);
    const key = message.replace(/\d+/g, '#').slice(0, 120);
    if (seen.has(key)) continue;
    seen.add(key);
    failures++;
    if (seen.size <= 5) {
      console.log(`  FAILED (${details.numShrinks} shrinks); minimized counterexample:`);
      console.log(`    ${JSON.stringify(details.counterexample).slice(0, 1500)}`);
      console.log(`    ${message.split('\n')[0].slice(0, 400)}`);
    }
  }
  totalCases += cases;
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${campaign.name}: ${cases} cases in ${seconds.toFixed(0)} s (${(cases / seconds).toFixed(1)}/s), ${seen.size} distinct failures`,
  );
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `\ntotal: ${totalCases} cases, ${failures} distinct failures, ${(totalCases / seconds).toFixed(1)} cases/s`,
);
process.exit(failures ? 1 : 0);
