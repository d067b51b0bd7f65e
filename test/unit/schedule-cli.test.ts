import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCurveCommand } from '../../src/cli/curve';
import { runFitCommand } from '../../src/cli/fit';
import { callCli } from '../cli-call';

const SHARED = path.join(__dirname, '..', '..', '..', 'shared');
const OLMO_1B = path.join(SHARED, 'configs', 'olmo', 'OLMo-1B.yaml');

const run = callCli;

/** OLMo-1B's real validation curve (ColPret olmo.csv) up to `upTo` steps, printed as Megatron log lines. */
function olmoLog(upTo: number): string {
  const text = readFileSync(path.join(SHARED, 'data', 'hitchhiker_colpret', 'raw', 'olmo.csv'), 'utf8').split(
    '\n',
  );
  const head = text[0].split(',');
  const iStep = head.indexOf('Step');
  const iLoss = head.indexOf('v3-small-c4_en-validation/CrossEntropyLoss');
  const lines: string[] = [];
  for (const row of text.slice(1)) {
    const cells = row.split(',');
    if (!row.startsWith('') || !cells[iLoss] || !row.includes('OLMo-1B')) continue;
    const step = Number(cells[iStep]);
    if (step <= upTo)
      lines.push(
        ` iteration ${step}/  739328 | consumed samples: ${step * 2048} | elapsed time per iteration (ms): 1000.0 | lm loss: ${cells[iLoss]} |`,
      );
  }
  return lines.join('\n') + '\n';
}

test('curve without a log: OLMo-1B schedule rows (step, tokens, lr) and a schedule-blind loss, said in notes', async () => {
  const r = await run(runCurveCommand, [OLMO_1B, '--points', '4', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.totalSteps, 739328);
  assert.equal(j.curve[3].step, 739328);
  assert.equal(j.curve[3].tokens, 739328 * 2048 * 2048);
  assert.ok(Math.abs(j.curve[3].lr - 4e-5) < 1e-12);
  assert.ok(j.notes.some((n: string) => n.includes('schedule-blind')));
});

test('curve --log: fit on the first 30% of the real OLMo-1B run; the last logged point sits in the band; projection measured 2.4% high', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sl-curve-'));
  const log = path.join(dir, 'train.log');
  // A half-written last line must not become a point.
  writeFileSync(log, olmoLog(221_000) + ' iteration 222000/  739328 | consumed samples: 1 | lm loss: 9.');
  const r = await run(runCurveCommand, [OLMO_1B, '--log', log, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.logged.format, 'megatron');
  assert.equal(j.comparison.step, 221000);
  assert.ok(j.comparison.loss >= j.comparison.low && j.comparison.loss <= j.comparison.high);
  // Logged final loss 2.568. From a single 30% prefix the law misses most of the cooldown gain
  // (measured 2.629, +2.4%; docs/schedule-laws.md) — the bound keeps that known gap from growing.
  assert.ok(j.projection.loss > 2.568 && j.projection.loss < 2.568 * 1.03, String(j.projection.loss));
  assert.ok(j.etaSeconds > 0);
});

test('fit --form tissue2024 and multipower2025 need step and lr columns; an unknown schedule form is refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sl-fit-'));
  const csv = path.join(dir, 'runs.csv');
  writeFileSync(csv, 'model,params,tokens,loss\na,1e8,1e9,3.0\n');
  for (const form of ['tissue2024', 'multipower2025']) {
    const r = await run(runFitCommand, [csv, '--form', form, '--json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.form, form);
    assert.ok(j.errors.some((e: string) => e.includes('step')));
  }
});
