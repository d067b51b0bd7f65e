import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunConfig } from '../../src/core/config/registry';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { readRunsFromText } from '../../src/core/fit';
import {
  editorFitOptions,
  firstLines,
  formatRunsPreview,
  looksLikeRunsText,
  minTokensLeavesTooLittle,
  savedLawFileName,
  savedLawTempFileName,
  slugify,
  summarizeRuns,
  validateLawSlug,
  type WorkerToHost,
} from '../../src/node/fitSession';
import { DEFAULT_FIT_SETTINGS, normalizeFitSettings } from '../../src/protocol';
import { listRunFolder, readRunsFromPath } from '../../src/node/runsFromDisk';
import { fixture, fixturePath, REPO_ROOT } from '../helpers';

const temp = mkdtempSync(join(tmpdir(), 'scaling-lens-runs-'));
after(() => rmSync(temp, { recursive: true, force: true }));

describe('readRunsFromPath', () => {
  it('reads a data file exactly as the pure core reads its text', () => {
    const path = fixturePath('runs', 'sweep.csv');
    const fromDisk = readRunsFromPath(path);
    const fromText = readRunsFromText(fixture('runs', 'sweep.csv'), path);
    assert.deepEqual(fromDisk, fromText);
    assert.equal(fromDisk.runs.length, 5);
    assert.equal(fromDisk.report.format, 'csv');
  });

  it('reads a folder of runs (config + metrics per run directory) with exact N from each config', () => {
    const read = readRunsFromPath(fixturePath('runs', 'folder'), {}, readRunConfig);
    assert.equal(read.report.format, 'folder');
    assert.equal(read.report.source, fixturePath('runs', 'folder'));
    assert.deepEqual(read.report.errors, []);
    assert.equal(read.runs.length, 3);
    assert.deepEqual(read.runs.map((r) => r.name).sort(), ['run-l', 'run-m', 'run-s']);
  });

  it('turns a missing path into an ingest error instead of throwing', () => {
    const read = readRunsFromPath(join(temp, 'nope.csv'));
    assert.deepEqual(read.runs, []);
    assert.deepEqual(read.report.errors, [`No such file or folder: ${join(temp, 'nope.csv')}`]);
  });

  it('skips hidden entries, node_modules and non-data files while walking, sorted by path', () => {
    const root = join(temp, 'walk');
    mkdirSync(join(root, 'b'), { recursive: true });
    mkdirSync(join(root, 'a'), { recursive: true });
    mkdirSync(join(root, '.git'), { recursive: true });
    mkdirSync(join(root, 'node_modules'), { recursive: true });
    writeFileSync(join(root, 'b', 'metrics.csv'), 'step,loss\n1,2\n');
    writeFileSync(join(root, 'a', 'config.yaml'), 'n_layers: 2\n');
    writeFileSync(join(root, 'a', 'notes.txt'), 'not read');
    writeFileSync(join(root, '.git', 'config.json'), '{}');
    writeFileSync(join(root, 'node_modules', 'x.json'), '{}');
    const warnings: string[] = [];
    const files = listRunFolder(root, warnings);
    assert.deepEqual(
      files.map((f) => f.path),
      ['a/config.yaml', 'b/metrics.csv'],
    );
    assert.equal(files[1].text, 'step,loss\n1,2\n');
    assert.deepEqual(warnings, []);
  });

  it('is what the CLI uses (no fs walking left in src/cli/fit.ts)', () => {
    const cli = readFileSync(join(REPO_ROOT, 'src', 'cli', 'fit.ts'), 'utf8');
    assert.match(cli, /readRunsFromPath/);
    assert.doesNotMatch(cli, /readdirSync|statSync/);
  });
});

describe('fit session helpers', () => {
  const sweep = readRunsFromPath(fixturePath('runs', 'sweep.csv'));

  it('summarizes runs before and after the 1e10-token cut', () => {
    const summary = summarizeRuns(sweep.runs);
    assert.deepEqual(summary, {
      runs: 5,
      modelSizes: 5,
      points: 30,
      paramsMin: 20e6,
      paramsMax: 700e6,
      tokensMin: 2e9,
      tokensMax: 8e10,
      // 2e9, 5e9 and 1e10 are at or before the cut in every run.
      pointsAfterMinTokens: 15,
      modelSizesAfterMinTokens: 5,
      minTokens: 1e10,
    });
    assert.equal(minTokensLeavesTooLittle(summary), false);
  });

  it('uses the Hitchhiker defaults and holds out the largest model from three sizes up', () => {
    const summary = summarizeRuns(sweep.runs);
    assert.deepEqual(editorFitOptions(summary, 1e10), {
      form: 'chinchilla',
      minTokens: 1e10,
      delta: 1e-3,
      useIntermediateCheckpoints: true,
      minModelSizes: 5,
      holdoutLargest: true,
      bootstrap: 100,
      seed: 0,
    });
    const two = summarizeRuns(sweep.runs.slice(0, 2));
    assert.equal(editorFitOptions(two, 1e10).holdoutLargest, false);
  });

  it('offers min tokens 0 when the cut would leave nothing to fit', () => {
    const small = summarizeRuns(
      sweep.runs.map((r) => ({ ...r, points: r.points.filter((p) => p.tokens <= 1e10) })),
    );
    assert.equal(small.pointsAfterMinTokens, 0);
    assert.equal(minTokensLeavesTooLittle(small), true);
    assert.equal(editorFitOptions(small, 0).holdoutLargest, true);
    assert.equal(editorFitOptions(small, 1e10).holdoutLargest, false);
  });

  it('previews what was read, kept and dropped', () => {
    const { message, detail } = formatRunsPreview(sweep.report, summarizeRuns(sweep.runs));
    assert.equal(message, `Read 5 runs (5 model sizes, 30 checkpoints) from ${sweep.report.source}.`);
    assert.match(detail, /^Format: csv; 35 rows read, 30 checkpoints kept\./);
    assert.match(detail, /Model sizes: 20M – 700M parameters\./);
    assert.match(detail, /After the 10B-token cut: 15 checkpoints from 5 model sizes\./);
  });

  it('validates saved-law names as slugs and derives one from a file name', () => {
    assert.equal(validateLawSlug('my-sweep-2025'), undefined);
    assert.match(validateLawSlug('')!, /Give the law a name/);
    assert.match(validateLawSlug('My Sweep')!, /lower-case/);
    assert.match(validateLawSlug('-x')!, /lower-case/);
    assert.match(validateLawSlug('a'.repeat(65))!, /At most 64/);
    assert.equal(slugify('Ladder Runs_v2.csv'), 'ladder-runs-v2');
    assert.equal(slugify('trainer_state.json'), 'trainer-state');
    assert.equal(slugify('###'), 'fitted-law');
  });

  it('names the temporary file so the server never loads it as a law', () => {
    assert.equal(savedLawFileName('ladder'), 'ladder.law.json');
    const tempName = savedLawTempFileName('ladder', 'ab12');
    assert.equal(tempName, '.ladder.ab12.tmp');
    assert.doesNotMatch(tempName, /\.law\.json$/);
  });

  it('recognizes runs files from their first lines only', () => {
    assert.equal(looksLikeRunsText(fixture('runs', 'sweep.csv'), '/w/sweep.csv'), true);
    assert.equal(looksLikeRunsText(fixture('runs', 'sweep.tsv'), '/w/sweep.tsv'), true);
    assert.equal(looksLikeRunsText(fixture('runs', 'runs.jsonl'), '/w/runs.jsonl'), true);
    assert.equal(looksLikeRunsText(fixture('runs', 'trainer_state.json'), '/w/out/trainer_state.json'), true);
    assert.equal(looksLikeRunsText('name,city\nada,london\n', '/w/people.csv'), false);
    assert.equal(looksLikeRunsText(fixture('runs', 'sweep.csv'), '/w/sweep.yaml'), false);
    assert.equal(firstLines('a\nb\nc\n', 2), 'a\nb\n');
    assert.equal(firstLines('a\nb', 5), 'a\nb');
  });
});

describe('fit worker protocol', () => {
  /** The worker from source: tsx's CommonJS hook compiles it inside the thread (as the bundle would run). */
  function startWorker(): Worker {
    const entry = JSON.stringify(join(REPO_ROOT, 'src', 'server', 'fitWorker.ts'));
    return new Worker(`require('tsx/cjs/api').register(); require(${entry});`, { eval: true });
  }
  function next(worker: Worker, type: WorkerToHost['type']): Promise<WorkerToHost> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerToHost) => {
        if (m.type === type || m.type === 'error') {
          worker.off('message', onMessage);
          resolve(m);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  it('reads, then fits the runs it kept, posting progress', async () => {
    const worker = startWorker();
    try {
      const read = next(worker, 'read-result');
      worker.postMessage({ type: 'read-path', path: fixturePath('runs', 'sweep.csv') });
      const answer = await read;
      assert.equal(answer.type, 'read-result');
      if (answer.type !== 'read-result') return;
      assert.equal(answer.summary.runs, 5);
      const progress: number[] = [];
      worker.on('message', (m: WorkerToHost) => m.type === 'progress' && progress.push(m.progress.fraction));
      const fitted = next(worker, 'fit-result');
      worker.postMessage({ type: 'fit', options: { minTokens: 1e10, bootstrap: 0, starts: 2 } });
      const result = await fitted;
      assert.equal(result.type, 'fit-result');
      if (result.type !== 'fit-result') return;
      assert.equal(result.report.ok, true);
      assert.equal(result.report.points, 15);
      assert.ok(progress.length > 0);
    } finally {
      await worker.terminate();
    }
  });
});

describe('fit settings (scalingLens.fit.*)', () => {
  it('normalize to the Hitchhiker defaults and reject wrong types', () => {
    assert.deepEqual(normalizeFitSettings(undefined), DEFAULT_FIT_SETTINGS);
    const odd = normalizeFitSettings({
      minTokens: -1,
      bootstrap: 'many',
      form: 'cubic',
      targetPrefixFraction: 2,
    });
    assert.equal(odd.minTokens, 1e10);
    assert.equal(odd.bootstrap, 100);
    assert.equal(odd.form, 'chinchilla');
    assert.equal(odd.targetPrefixFraction, 0);
  });

  it('drive the editor fit options: borrowed exponents, prefix fitting, no holdout when switched off', () => {
    const sweep = readRunsFromText(
      [
        'params,tokens,loss',
        ...[1e8, 2e8, 4e8, 8e8].flatMap((n) =>
          [2e10, 4e10].map((d) => `${n},${d},${(1.8 + 482 / n ** 0.35 + 2085 / d ** 0.37).toFixed(5)}`),
        ),
      ].join('\n'),
      'sweep.csv',
    );
    const summary = summarizeRuns(sweep.runs);
    const options = editorFitOptions(summary, 1e10, {
      ...DEFAULT_FIT_SETTINGS,
      borrowExponentsFrom: 'epoch2024',
      targetPrefixFraction: 0.3,
      huberDelta: 1e-2,
    });
    assert.deepEqual(options.fixedExponents, { alpha: 0.3478, beta: 0.3658 });
    assert.equal(options.targetPrefixFraction, 0.3);
    assert.equal(options.delta, 1e-2);
    assert.equal(options.holdoutLargest, true);
    assert.equal(
      editorFitOptions(summary, 1e10, { ...DEFAULT_FIT_SETTINGS, holdoutLargest: false }).holdoutLargest,
      false,
    );
  });
});
