/**
 * `npx tsx bench/schedule-families.ts [family-substring…] [--laws]`: on each family, fit on the first
 * 30% of the largest model's runs (plus its smaller models), predict the rest, and print the mean
 * absolute relative error over the remaining checkpoints for the two schedule-aware laws
 * (tissue-chinchilla, src/core/fit/trajectory.ts; multipower-chinchilla,
 * src/core/fit/trajectoryMultipower.ts) and the schedule-blind (N, D) baseline. Then the two
 * one-size OLMo families with the data exponent β of both laws borrowed from the other
 * (`donorExponents`; Choshen et al. 2025, "borrow exponents"). With `--olmo1b-sets`, the OLMo-1B row
 * on every validation set that run logs at all its checkpoints (is the loss a property of c4_en?).
 */
import { allFamilies, olmo1bFamily, olmo7bFamily, olmoValidationColumns } from './schedule-families-data';
import { donorExponents, holdoutEvaluation } from '../src/core/fit/trajectory';
import { multiPowerHoldout } from '../src/core/fit/trajectoryMultipower';

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rows: string[] = [];
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(3)}%` : 'n/a');
for (const family of allFamilies()) {
  if (only.length && !only.some((o) => family.name.toLowerCase().includes(o.toLowerCase()))) continue;
  const t0 = performance.now();
  const r = holdoutEvaluation(family.points, family.target, 0.3);
  const t1 = performance.now();
  const m = multiPowerHoldout(family.multiPower, family.target, 0.3);
  const t2 = performance.now();
  const best = Math.min(r.scheduleAre, m.are);
  rows.push(
    `| ${family.name} | ${family.target} | ${r.trainPoints} | ${r.testPoints} | ${pct(r.scheduleAre)} | ${pct(m.are)} | ${pct(r.baselineAre)} | ${best < r.baselineAre ? 'yes' : 'NO'} | ${family.schedule} | ${(t1 - t0).toFixed(0)} ms / ${(t2 - t1).toFixed(0)} ms |`,
  );
  if (m.error) console.log(family.name, 'multipower:', m.error);
  if (process.argv.includes('--laws'))
    console.log(
      family.name,
      JSON.stringify(r.schedule?.law),
      JSON.stringify(m.fit?.law),
      JSON.stringify(r.baseline?.law),
    );
}
console.log(
  '| family | target | fit points | held-out points | tissue-chinchilla ARE | multipower-chinchilla ARE | baseline ARE | a schedule-aware law better | schedule source | time (tissue / multipower) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

console.log(
  '\n| target | β borrowed from | β (tissue / baseline) | tissue-chinchilla ARE | baseline ARE | better |',
);
console.log('|---|---|---|---|---|---|');
for (const [target, donor] of [
  [olmo1bFamily(), olmo7bFamily()],
  [olmo7bFamily(), olmo1bFamily()],
]) {
  const b = donorExponents(donor.points);
  if ('error' in b) {
    console.log(`| ${target.name} | ${donor.name} | ${b.error} | | | |`);
    continue;
  }
  const r = holdoutEvaluation(target.points, target.target, 0.3, undefined, b);
  console.log(
    `| ${target.name} | ${donor.name} | ${b.schedule.beta!.toFixed(3)} / ${b.baseline.beta!.toFixed(3)} | ${pct(r.scheduleAre)} | ${pct(r.baselineAre)} | ${r.scheduleAre < r.baselineAre ? 'yes' : 'NO'} |`,
  );
}

if (process.argv.includes('--olmo1b-sets')) {
  console.log('\n| OLMo-1B validation set | tissue-chinchilla ARE | baseline ARE | better |');
  console.log('|---|---|---|---|');
  for (const column of olmoValidationColumns('OLMo-1B')) {
    const family = olmo1bFamily(column);
    const r = holdoutEvaluation(family.points, family.target, 0.3);
    console.log(
      `| ${family.name} | ${pct(r.scheduleAre)} | ${pct(r.baselineAre)} | ${r.scheduleAre < r.baselineAre ? 'yes' : 'NO'} |`,
    );
  }
}
