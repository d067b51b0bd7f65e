/**
 * `scaling-lens curve CONFIG --log EVENTS --json` on a TensorBoard event file gives the same fit,
 * comparison and projection as on a text log of the same points (Megatron-LM tags, losses from a
 * known schedule-aware law on a nanoGPT config's schedule); an event file with no known loss tag is
 * refused with the tags it holds.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCurveCommand } from '../../src/cli/curve';
import { mulberry32 } from '../../src/core/fit/random';
import { callCli } from '../cli-call';
import { concat, fileVersionRecord, scalarRecord } from './tensorboard-support';
import { liveConfig, liveLaw } from '../live-support';

const CONFIG = liveConfig('TensorBoard curve --log test');

test('curve --log on an event file: the same law, comparison and projection as the text log of the same points', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-curve-'));
  try {
    const { truth } = liveLaw(CONFIG);
    const rand = mulberry32(3);
    const config = join(dir, 'train.py');
    writeFileSync(config, CONFIG);
    const parts = [fileVersionRecord()];
    let text = '';
    for (let step = 25; step <= 1500; step += 25) {
      const loss = Math.fround(truth(step) * (1 + 0.002 * (2 * rand() - 1)));
      // Megatron-LM training_log order: learning-rate, …, then each loss and its "vs samples" twin.
      parts.push(
        scalarRecord('learning-rate', 1e-3, step),
        scalarRecord('learning-rate vs samples', 1e-3, step * 8),
        scalarRecord('lm loss', loss, step),
        scalarRecord('lm loss vs samples', loss, step * 8),
      );
      text += `iter ${step}: loss ${loss}\n`;
    }
    const events = join(dir, 'events.out.tfevents.1764583200.host.1.0');
    writeFileSync(events, concat(parts));
    writeFileSync(join(dir, 'train.log'), text);
    const tb = await callCli(runCurveCommand, [config, '--log', events, '--json']);
    const txt = await callCli(runCurveCommand, [config, '--log', join(dir, 'train.log'), '--json']);
    assert.equal(tb.code, 0, tb.stderr);
    assert.equal(txt.code, 0, txt.stderr);
    const a = JSON.parse(tb.stdout);
    const b = JSON.parse(txt.stdout);
    assert.equal(a.logged.format, 'tensorboard');
    assert.equal(b.logged.format, 'nanogpt');
    assert.deepEqual({ ...a.logged, format: 0 }, { ...b.logged, format: 0 });
    assert.equal(a.logged.points, 60);
    for (const key of ['law', 'comparison', 'projection', 'curve'] as const)
      assert.deepEqual(a[key], b[key], key);
    assert.equal(a.comparison.step, 1500);
    assert.ok(a.notes.includes('TensorBoard event file: Megatron-LM tags'), a.notes.join('; '));

    // The same file cut inside its last record (being written): the point before it is the last.
    writeFileSync(events, concat(parts).subarray(0, concat(parts).length - 9));
    const cut = JSON.parse((await callCli(runCurveCommand, [config, '--log', events, '--json'])).stdout);
    assert.equal(cut.comparison.step, 1500); // only the 'vs samples' twin was cut
    writeFileSync(events, concat(parts.slice(0, -2)).subarray(0, concat(parts.slice(0, -2)).length - 3));
    const cut2 = JSON.parse((await callCli(runCurveCommand, [config, '--log', events, '--json'])).stdout);
    assert.equal(cut2.comparison.step, 1475);
    assert.ok(cut2.notes.some((n: string) => /last record is incomplete/.test(n)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('curve --log on an event file with no known loss tag: exit 1 naming the tags found', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-curve-'));
  try {
    const config = join(dir, 'train.py');
    writeFileSync(config, CONFIG);
    const events = join(dir, 'events.out.tfevents.catboost');
    writeFileSync(
      events,
      readFileSync(join(__dirname, '..', 'fixtures', 'logs', 'tensorboard', 'catboost-learn.tfevents')),
    );
    const r = await callCli(runCurveCommand, [config, '--log', events, '--json']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /no known loss scalar in this event file: tags found 'Logloss'; known: 'lm loss' \(Megatron-LM\), 'train\/lm_loss' \(GPT-NeoX\), 'train\/loss' \(Hugging Face Trainer\), 'loss_metrics\/global_avg_loss' \(torchtitan\)/,
    );
    assert.equal(r.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
