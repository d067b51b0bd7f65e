/**
 * Borrowed exponents (Choshen et al. 2025, "borrow exponents") for a schedule-aware hold-out whose
 * target is one model size: OLMo-1B's first 30% cannot pin the data exponent β (docs/schedule-laws.md,
 * "OLMo-1B, investigated"), so both laws take their β from a fit of OLMo-7B's two runs (same Dolma
 * data and OLMo trainer) and fit only their coefficients on the prefix. Real curves
 * (../shared/data/hitchhiker_colpret/raw/olmo.csv) with the schedules of the OLMo configs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { donorExponents, holdoutEvaluation } from '../../src/core/fit/trajectory';
import { runFitCommand } from '../../src/cli/fit';
import { olmo1bFamily, olmo7bFamily, type Family } from '../../bench/schedule-families-data';
import { HAS_SHARED } from '../helpers';
import { callCli } from '../cli-call';

const skip = HAS_SHARED ? false : 'needs ../shared';

test(
  'OLMo-1B with β borrowed from OLMo-7B: both laws improve, and the schedule-aware one beats the baseline',
  { skip },
  (t) => {
    const target = olmo1bFamily();
    const donor = donorExponents(olmo7bFamily().points);
    assert.ok(!('error' in donor), JSON.stringify(donor));
    const own = holdoutEvaluation(target.points, target.target, 0.3);
    const borrowed = holdoutEvaluation(target.points, target.target, 0.3, undefined, donor);
    t.diagnostic(
      `own β: schedule ${(100 * own.scheduleAre).toFixed(3)}% vs baseline ${(100 * own.baselineAre).toFixed(3)}%; ` +
        `borrowed β ${donor.schedule.beta!.toFixed(3)} / ${donor.baseline.beta!.toFixed(3)}: schedule ${(100 * borrowed.scheduleAre).toFixed(3)}% vs baseline ${(100 * borrowed.baselineAre).toFixed(3)}%`,
    );
    // The borrowed exponents are the donor's own, held fixed.
    assert.equal(borrowed.schedule!.law.beta, donor.schedule.beta);
    assert.equal(borrowed.baseline!.law.beta, donor.baseline.beta);
    assert.ok(borrowed.scheduleAre < own.scheduleAre && borrowed.baselineAre < own.baselineAre);
    assert.ok(
      borrowed.scheduleAre < borrowed.baselineAre,
      'schedule-aware beats the baseline with borrowed β',
    );
    assert.ok(borrowed.scheduleAre < own.baselineAre);
  },
);

test(
  'the other way round (OLMo-7B borrowing from OLMo-1B) does not help: the test says so',
  { skip },
  (t) => {
    const target = olmo7bFamily();
    const donor = donorExponents(olmo1bFamily().points);
    assert.ok(!('error' in donor));
    const own = holdoutEvaluation(target.points, target.target, 0.3);
    const borrowed = holdoutEvaluation(target.points, target.target, 0.3, undefined, donor);
    t.diagnostic(
      `own: ${(100 * own.scheduleAre).toFixed(3)}% vs ${(100 * own.baselineAre).toFixed(3)}%; borrowed: ${(100 * borrowed.scheduleAre).toFixed(3)}% vs ${(100 * borrowed.baselineAre).toFixed(3)}%`,
    );
    // 7B's own two runs pin β better than 1B's single curve on another validation set does.
    assert.ok(own.scheduleAre < borrowed.scheduleAre);
    assert.ok(own.scheduleAre < own.baselineAre);
  },
);

/** A family as the CLI's runs table: model, params, run, step, tokens, lr, loss per checkpoint. */
function runsTable(family: Family): string {
  const lines = ['model,params,run,step,tokens,lr,loss'];
  const { runs, checkpoints } = family.multiPower;
  for (const c of checkpoints) {
    const r = runs[c.run]!;
    const lr = (r.lr[c.step] ?? 0) * (r.peakLr ?? 1);
    lines.push([r.model, r.params, r.run, c.step + 1, c.tokens, lr, c.loss].join(','));
  }
  return lines.join('\n') + '\n';
}

test(
  'fit --form tissue2024 --holdout-largest --borrow-from: the donor β is printed and used by both laws',
  { skip },
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sl-borrow-'));
    const target = path.join(dir, 'olmo1b.csv');
    const donor = path.join(dir, 'olmo7b.csv');
    writeFileSync(target, runsTable(olmo1bFamily()));
    writeFileSync(donor, runsTable(olmo7bFamily()));
    const call = (args: string[]) => callCli(runFitCommand, args);
    const plain = await call([target, '--form', 'tissue2024', '--holdout-largest', '--json']);
    const borrowed = await call([
      target,
      '--form',
      'tissue2024',
      '--holdout-largest',
      '--borrow-from',
      donor,
      '--json',
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(borrowed.code, 0, borrowed.stderr);
    const p = JSON.parse(plain.stdout);
    const b = JSON.parse(borrowed.stdout);
    assert.equal(p.borrowed, undefined);
    assert.equal(b.borrowed.from, donor);
    assert.equal(b.params.beta, b.borrowed.beta);
    assert.ok(b.borrowed.beta > 0 && b.borrowed.baselineBeta > 0);
    assert.ok(b.heldOut.are < p.heldOut.are, `${b.heldOut.are} vs ${p.heldOut.are}`);
    assert.ok(b.heldOut.are < b.heldOut.baselineAre, `${b.heldOut.are} vs ${b.heldOut.baselineAre}`);
    console.log(
      `CLI OLMo-1B hold-out: own β ${(100 * p.heldOut.are).toFixed(3)}% vs baseline ${(100 * p.heldOut.baselineAre).toFixed(3)}%; β from OLMo-7B ${(100 * b.heldOut.are).toFixed(3)}% vs ${(100 * b.heldOut.baselineAre).toFixed(3)}%`,
    );
    // Bad donors are refused with the reason.
    const missing = await call([
      target,
      '--form',
      'tissue2024',
      '--borrow-from',
      path.join(dir, 'nope.csv'),
      '--json',
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot read .*nope\.csv/);
    writeFileSync(path.join(dir, 'bad.csv'), 'model,params,tokens,loss\na,1e8,1e9,3\n');
    const bad = await call([
      target,
      '--form',
      'tissue2024',
      '--borrow-from',
      path.join(dir, 'bad.csv'),
      '--json',
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--borrow-from .*bad\.csv: .*step/);
    const mp = await call([target, '--form', 'multipower2025', '--borrow-from', donor, '--json']);
    assert.equal(mp.code, 2);
    assert.match(mp.stderr, /does not apply to --form multipower2025/);
    const nd = await call([target, '--borrow-from', donor, '--json']);
    assert.equal(nd.code, 2);
    assert.match(nd.stderr, /use it with --form tissue2024/);
  },
);
