/**
 * Runs tables as loggers export them (src/core/fit/trajectoryIngest.ts): columns behind logger
 * prefixes, a validation loss preferred to a training loss, and N from the model labels when the
 * table has no params column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramsFromLabel, readTrajectoryTable } from '../../src/core/fit/trajectoryIngest';

test('paramsFromLabel: one M/B size in the label, or a bare count; T is tokens; ambiguity is undefined', () => {
  assert.equal(paramsFromLabel('400M'), 4e8);
  assert.equal(paramsFromLabel('pythia-1.4b'), 1.4e9);
  assert.equal(paramsFromLabel('OLMo-7B-Twin-2T'), 7e9);
  assert.equal(paramsFromLabel('410000000'), 4.1e8);
  assert.equal(paramsFromLabel('1.2e9'), 1.2e9);
  assert.equal(paramsFromLabel('small'), undefined);
  assert.equal(paramsFromLabel('1B-distilled-from-7B'), undefined);
  assert.equal(paramsFromLabel('mamba2'), undefined);
  assert.equal(paramsFromLabel('12'), undefined);
});

/** Two runs of two sizes with a cosine LR, logged every 100 steps; losses differ per split. */
function table(header: string[], row: (v: Record<string, string | number>) => (string | number)[]): string {
  const lines = [header.join(',')];
  for (const [model, params] of [
    ['100M', 1e8],
    ['400M', 4e8],
  ] as const)
    for (let step = 100; step <= 2000; step += 100) {
      const lr = 3e-4 * (0.55 + 0.45 * Math.cos((Math.PI * step) / 2000));
      const train = 2 + 100 * params ** -0.3 + 5 * (step * 1e5) ** -0.1;
      lines.push(
        row({
          model,
          run: `${model}-cos`,
          params,
          step,
          tokens: step * 1e5,
          lr,
          train,
          val: train + 0.05,
        }).join(','),
      );
    }
  return lines.join('\n') + '\n';
}

test('W&B / HF Trainer names: `_step`, `train/learning_rate`, `eval/loss` over `train/loss`, `tokens_seen`', () => {
  const text = table(
    ['model', 'run', '_step', 'train/learning_rate', 'train/loss', 'eval/loss', 'num_params', 'tokens_seen'],
    (v) => [v.model, v.run, v.step, v.lr, v.train, v.val, v.params, v.tokens],
  );
  const r = readTrajectoryTable(text, 'export.csv');
  assert.deepEqual(r.errors, []);
  assert.equal(r.points.length, 40);
  const first = r.points.find((p) => p.model === '400M' && p.tokens === 100 * 1e5)!;
  const expectedVal = 2 + 100 * 4e8 ** -0.3 + 5 * 1e7 ** -0.1 + 0.05;
  assert.ok(Math.abs(first.loss - expectedVal) < 1e-9, `${first.loss} is the eval/loss column`);
  assert.ok(first.s1 > 0 && first.s1 <= first.tokens);
});

test('no params column: the model labels give N with a note; labels without a size ask for --params', () => {
  const text = table(['model', 'run', 'step', 'lr', 'loss', 'tokens'], (v) => [
    v.model,
    v.run,
    v.step,
    v.lr,
    v.train,
    v.tokens,
  ]);
  const r = readTrajectoryTable(text, 'ladder.csv');
  assert.deepEqual(r.errors, []);
  assert.deepEqual([...new Set(r.points.map((p) => p.params))].sort(), [1e8, 4e8]);
  assert.match(
    r.notes.join(' '),
    /N from the model labels' nominal sizes \(100M = 1\.00e\+8, 400M = 4\.00e\+8\)/,
  );
  const unnamed = readTrajectoryTable(text.replace(/100M/g, 'small').replace(/400M/g, 'large'), 'ladder.csv');
  assert.equal(unnamed.points.length, 0);
  assert.match(
    unnamed.errors.join(' '),
    /no params column, and the model labels state no size: give --params/,
  );
});

test('fit --form tissue2024 --json states the early cut it applied', async () => {
  const { runFitTrajectoryCommand } = await import('../../src/cli/fitTrajectory');
  const { callCli } = await import('../cli-call');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sl-cut-'));
  try {
    const file = join(dir, 'runs.csv');
    writeFileSync(
      file,
      table(['model', 'run', 'params', 'step', 'lr', 'loss', 'tokens'], (v) => [
        v.model,
        v.run,
        v.params,
        v.step,
        v.lr,
        v.train,
        v.tokens,
      ]),
    );
    const notes = async (extra: string[]) =>
      (
        JSON.parse(
          (await callCli(runFitTrajectoryCommand, [file, '--form', 'tissue2024', '--json', ...extra])).stdout,
        ) as {
          notes: string[];
        }
      ).notes.join(' | ');
    assert.match(await notes([]), /min\(10B tokens, 10% of their run\)/);
    assert.match(
      await notes(['--min-tokens', '0']),
      /at or before 0\.00e\+0 tokens are not fitted \(--min-tokens\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A well-posed ladder (four sizes × a cosine and a constant LR) from the schedule-aware law itself,
 * L = 2 + 400·N^−0.34 + 300·S1^−0.3 − 0.02·(1 − η/η_peak), S1 = Σ η/η_peak × 65,536 tokens, with a
 * deterministic ±0.2% ripple so no fit is exact.
 */
function ladder(withTokens: boolean): string {
  const lines = [withTokens ? 'model,run,step,lr,loss,tokens' : 'model,run,step,lr,loss'];
  const batch = 65_536;
  let k = 0;
  for (const [model, params] of [
    ['25M', 2.5e7],
    ['100M', 1e8],
    ['400M', 4e8],
    ['1600M', 1.6e9],
  ] as const)
    for (const run of ['cosine', 'constant']) {
      let s1 = 0;
      for (let step = 1; step <= 4000; step++) {
        const fraction = run === 'cosine' ? 0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * step) / 4000)) : 1;
        s1 += fraction * batch;
        if (step % 50) continue;
        const loss =
          (2 + 400 * params ** -0.34 + 300 * s1 ** -0.3 - 0.02 * (1 - fraction)) *
          (1 + 0.002 * Math.sin(++k * 1.7));
        lines.push(
          [model, `${model}-${run}`, step, 3e-4 * fraction, loss, ...(withTokens ? [step * batch] : [])].join(
            ',',
          ),
        );
      }
    }
  return lines.join('\n') + '\n';
}

test('step and lr without tokens (the issue-13 runs contract): fitted in steps, same hold-out as in tokens; --save refuses', async () => {
  const { runFitTrajectoryCommand } = await import('../../src/cli/fitTrajectory');
  const { callCli } = await import('../cli-call');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sl-steps-'));
  try {
    // The same ladder twice: with its tokens column (65,536 tokens per step in every run) and without.
    const withTokens = join(dir, 'tokens.csv');
    const stepsOnly = join(dir, 'steps.csv');
    writeFileSync(withTokens, ladder(true));
    writeFileSync(stepsOnly, ladder(false));
    const read = readTrajectoryTable(ladder(false), 'steps.csv');
    assert.deepEqual(read.errors, []);
    assert.equal(read.units, 'steps');
    assert.equal(read.points.find((p) => p.model === '100M')!.tokens, 50, 'tokens count steps');
    assert.match(read.notes.join(' '), /no tokens column: fitted in optimizer steps/);
    const heldOut = async (file: string) => {
      const r = await callCli(runFitTrajectoryCommand, [
        file,
        '--form',
        'tissue2024',
        '--holdout-largest',
        '--target-prefix',
        '0.3',
        '--json',
      ]);
      const j = JSON.parse(r.stdout) as {
        ok: boolean;
        units: string;
        heldOut: { are: number; baselineAre: number; points: number };
      };
      assert.equal(j.ok, true, r.stdout);
      return j;
    };
    const inTokens = await heldOut(withTokens);
    const inSteps = await heldOut(stepsOnly);
    assert.equal(inTokens.units, 'tokens');
    assert.equal(inSteps.units, 'steps');
    // B·(b·S1)^−β = (B·b^−β)·S1^−β: a common batch b is absorbed by B, and the 10% early cut and the
    // 30% prefix are fractions of a run, so the held-out checkpoints and errors are the same.
    assert.equal(inSteps.heldOut.points, inTokens.heldOut.points);
    assert.ok(
      Math.abs(inSteps.heldOut.are - inTokens.heldOut.are) <= 1e-6 * inTokens.heldOut.are + 1e-12,
      `${inSteps.heldOut.are} vs ${inTokens.heldOut.are}`,
    );
    assert.ok(
      Math.abs(inSteps.heldOut.baselineAre - inTokens.heldOut.baselineAre) <=
        1e-6 * inTokens.heldOut.baselineAre,
    );
    const save = await callCli(runFitTrajectoryCommand, [
      stepsOnly,
      '--form',
      'tissue2024',
      '--save',
      join(dir, 'law.json'),
    ]);
    assert.equal(save.code, 2);
    assert.match(save.stderr, /--save needs tokens/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no model column: sizes from the run labels group the runs into models; one unlabelled model needs no N', async () => {
  // The ladder with its size moved into the run label ("400M-cosine") and no model column.
  const byRun = ladder(false)
    .replace(/^model,run,/, 'run,')
    .replace(/^[^,\n]+,([^,\n]+),/gm, (line, run: string) => (line.startsWith('run,') ? line : `${run},`));
  const r = readTrajectoryTable(byRun, 'runs.csv');
  assert.deepEqual(r.errors, []);
  assert.deepEqual([...new Set(r.points.map((p) => `${p.model}=${p.params}`))].sort(), [
    '1.6B=1600000000',
    '100M=100000000',
    '25M=25000000',
    '400M=400000000',
  ]);
  assert.equal(new Set(r.points.map((p) => p.run)).size, 8);
  assert.match(r.notes.join(' '), /N from the run labels' nominal sizes.*400M = 4\.00e\+8: 2 runs/);
  // The same hold-out as with the model column: the grouping is the same.
  const withModel = readTrajectoryTable(ladder(false), 'ladder.csv');
  const { holdoutEvaluation } = await import('../../src/core/fit/trajectory');
  const a = holdoutEvaluation(r.points, '1.6B', 0.3);
  const b = holdoutEvaluation(withModel.points, '1600M', 0.3);
  assert.ok(a.scheduleAre !== undefined && b.scheduleAre !== undefined);
  assert.ok(
    Math.abs(a.scheduleAre - b.scheduleAre) <= 1e-9 * b.scheduleAre,
    `${a.scheduleAre} vs ${b.scheduleAre}`,
  );

  // One run, step / lr / loss only: the one-size law E + B·S1^−β − C·S2 needs no N.
  const oneRun = [
    'step,lr,loss',
    ...ladder(false)
      .split('\n')
      .filter((l) => l.startsWith('400M,400M-cosine,')),
  ]
    .map((l) => l.split(',').slice(-3).join(','))
    .join('\n');
  const single = readTrajectoryTable(oneRun + '\n', 'run.csv');
  assert.deepEqual(single.errors, []);
  assert.equal(single.paramsKnown, false);
  assert.equal(single.points.length, 80);
  assert.match(single.notes.join(' '), /one model: its N is not needed/);
  const h = holdoutEvaluation(single.points, 'model', 0.3);
  assert.ok(h.scheduleAre !== undefined && h.scheduleAre < 0.01, `held-out ARE ${h.scheduleAre}`);
  // Two unlabelled models are still two unknown sizes.
  const two = readTrajectoryTable(
    ladder(false)
      .replace(/^25M,/gm, 'small,')
      .replace(/^100M,/gm, 'big,'),
    'ladder.csv',
  );
  assert.match(two.errors.join(' '), /the model labels state no size: give --params/);
});

test("the frameworks' logged LR keys are read as the lr column", () => {
  for (const key of [
    'optim/learning_rate_group0',
    'optim/LR (group 0)',
    'optim/learning_rate',
    'learning/current_learning_rate',
    'learning-rate',
    'lr-Adam',
  ]) {
    const r = readTrajectoryTable(
      ladder(true).replace(/^model,run,step,lr,/, `model,run,step,"${key}",`),
      'w.csv',
    );
    assert.deepEqual(r.errors, [], key);
    assert.equal(r.points.length, 640, key);
  }
});
