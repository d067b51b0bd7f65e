/**
 * Auto-detection of a config's run log (src/server/liveRuns.ts `findRunLogs`): only files in a
 * format src/core/logs reads count, tables of many runs do not, the log named like the config wins.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRunLogs } from '../../src/server/liveRuns';
import { fixturePath } from '../helpers';

test('next to the config and in its run folders; the same-named log first, then the newest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-log-detect-'));
  try {
    const config = join(dir, 'train.py');
    writeFileSync(config, 'n_layer = 2\n');
    writeFileSync(join(dir, 'train.log'), 'iter 1: loss 10.0000, time 5.00ms, mfu 1.00%\n');
    mkdirSync(join(dir, 'logs'));
    writeFileSync(
      join(dir, 'logs', 'stdout.txt'),
      ' [2025-09-08 00:19:09] iteration       26/  500000 | consumed samples:         1664 | lm loss: 1.029183E+01 |\n',
    );
    // A sweep table (many runs) and a text file that is no log: not candidates.
    writeFileSync(join(dir, 'sweep.csv'), 'model,step,loss\n124m,100,3.2\n350m,100,3.0\n');
    writeFileSync(join(dir, 'notes.txt'), 'remember to check the loss\n');
    writeFileSync(join(dir, 'binary.log'), Buffer.from([0x69, 0x74, 0x00, 0x0a]));
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(dir, 'train.log'), old, old);
    assert.deepEqual(findRunLogs(config), [join(dir, 'train.log'), join(dir, 'logs', 'stdout.txt')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run folder of the project fixtures: run-s/train_config.py finds its metrics.csv', () => {
  const config = fixturePath('runs', 'folder/run-s/train_config.py');
  assert.deepEqual(findRunLogs(config), [fixturePath('runs', 'folder/run-s/metrics.csv')]);
});
