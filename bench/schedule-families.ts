/**
 * `npx tsx bench/schedule-families.ts`: fit the schedule-aware law and the schedule-blind (N, D)
 * baseline on the first 30% of each family's largest model (plus its smaller models), predict the
 * rest, print mean absolute relative error over the remaining checkpoints.
 */
import { allFamilies } from './schedule-families-data';
import { holdoutEvaluation } from '../src/core/fit/trajectory';

const rows: string[] = [];
for (const family of allFamilies()) {
  const t0 = performance.now();
  const r = holdoutEvaluation(family.points, family.target, 0.3);
  const ms = performance.now() - t0;
  const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(3)}%` : 'n/a');
  rows.push(
    `| ${family.name} | ${family.target} | ${r.trainPoints} | ${r.testPoints} | ${pct(r.scheduleAre)} | ${pct(r.baselineAre)} | ${r.scheduleAre < r.baselineAre ? 'yes' : 'NO'} | ${family.schedule} | ${ms.toFixed(0)} ms |`,
  );
  if (process.argv.includes('--laws'))
    console.log(family.name, JSON.stringify(r.schedule?.law), JSON.stringify(r.baseline?.law));
}
console.log(
  '| family | target | fit points | held-out points | schedule-aware ARE | baseline ARE | better | schedule source | time |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
