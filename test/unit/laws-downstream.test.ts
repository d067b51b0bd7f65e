/**
 * Downstream accuracy from loss: Bhagia et al. 2024 (arXiv:2412.04403, sigmoid of the task loss after
 * an (N, D) loss law) and Gadre et al. 2024 (arXiv:2403.08540, Err = ε − k·exp(−γL)), fitted from eval
 * columns with `scaling-lens fit --target accuracy:COL`, measured on Pythia (../shared/data/pythia_evals).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFitCommand } from '../../src/cli/fit';
import { accuracyAtLoss, fitAccuracyLaw, type AccuracyLaw } from '../../src/core/downstream/accuracy';
import { SHARED_DIR } from '../helpers';

const PYTHIA = join(SHARED_DIR, 'data', 'pythia_evals', 'pythia_v1_zero_shot_checkpoints.csv');
const BENCHMARKS = ['lambada_acc', 'piqa_acc', 'arc_easy_acc', 'sciq_acc', 'winogrande_acc'];

async function fitJson(args: string[]): Promise<{ code: number; json: any; err: string }> {
  let out = '';
  let err = '';
  const code = await runFitCommand(
    [...args, '--json'],
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, json: out ? JSON.parse(out) : null, err };
}

test('both accuracy links recover their own coefficients from exact points', () => {
  const laws: AccuracyLaw[] = [
    { form: 'gadre2024', epsilon: 0.75, k: 4, gamma: 1.1 },
    { form: 'bhagia2024', a: 0.5, b: 0.25, k: -3, L0: 3.2 },
  ];
  for (const law of laws) {
    const points = Array.from({ length: 30 }, (_, i) => 2 + i * 0.1).map((loss) => ({
      loss,
      accuracy: accuracyAtLoss(law, loss),
    }));
    const fitted = fitAccuracyLaw(law.form, points);
    assert.ok(!('error' in fitted), JSON.stringify(fitted));
    if ('error' in fitted) continue;
    assert.ok(fitted.rmse < 1e-6, `${law.form} rmse ${fitted.rmse}`);
    for (const loss of [1.8, 2.5, 4.5])
      assert.ok(Math.abs(accuracyAtLoss(fitted.law, loss) - accuracyAtLoss(law, loss)) < 1e-4);
  }
});

for (const accuracyLaw of ['bhagia2024', 'gadre2024']) {
  test(`Pythia: fit ${accuracyLaw} on 70M–6.9B, predict 12B from (N, D) on each benchmark: mean absolute error ≤ 2 points`, async () => {
    const errors: Record<string, number> = {};
    for (const column of BENCHMARKS) {
      const { code, json, err } = await fitJson([
        PYTHIA,
        '--target',
        `accuracy:${column}`,
        '--accuracy-law',
        accuracyLaw,
        '--loss',
        'loss_ln_lambada_ppl',
        '--holdout-largest',
      ]);
      assert.equal(code, 0, err + JSON.stringify(json?.errors));
      assert.equal(json.heldOut.params, 11842140160);
      // Final checkpoints of pythia-12b and pythia-12b-deduped.
      assert.equal(json.heldOut.points.length, 2);
      errors[column] = json.heldOut.mae;
    }
    const mean = Object.values(errors).reduce((s, e) => s + e, 0) / BENCHMARKS.length;
    console.log(
      `${accuracyLaw} Pythia-12B held out, |error| in points: ` +
        Object.entries(errors)
          .map(([c, e]) => `${c} ${(100 * e).toFixed(2)}`)
          .join(', ') +
        `; mean ${(100 * mean).toFixed(2)}`,
    );
    assert.ok(mean <= 0.02, `mean ${mean}`);
  });
}

test('bad input: percent accuracies, a missing column and a single model size each get a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'laws-downstream-'));
  try {
    // Percent: the same Pythia table with piqa_acc × 100.
    const lines = readFileSync(PYTHIA, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const piqa = header.indexOf('piqa_acc');
    const percent = [
      lines[0],
      ...lines.slice(1).map((l) =>
        l
          .split(',')
          .map((c, i) => (i === piqa ? String(Number(c) * 100) : c))
          .join(','),
      ),
    ];
    const percentPath = join(dir, 'percent.csv');
    writeFileSync(percentPath, percent.join('\n') + '\n');
    // Read as fractions, percentages are refused with what to do.
    const p = await fitJson([
      percentPath,
      '--target',
      'accuracy:piqa_acc',
      '--loss',
      'loss_ln_lambada_ppl',
      '--accuracy-scale',
      'fraction',
    ]);
    assert.equal(p.code, 1);
    assert.match(p.json.errors.join(' '), /look like percentages.*divide by 100.*--accuracy-scale percent/);
    // By default they are detected, divided by 100 and said so: the same law as the fraction column.
    const auto = await fitJson([
      percentPath,
      '--target',
      'accuracy:piqa_acc',
      '--loss',
      'loss_ln_lambada_ppl',
    ]);
    const fractions = await fitJson([
      PYTHIA,
      '--target',
      'accuracy:piqa_acc',
      '--loss',
      'loss_ln_lambada_ppl',
    ]);
    assert.equal(auto.code, 0, auto.err);
    assert.equal(auto.json.accuracyScale, 'percent');
    assert.match(auto.json.warnings.join(' '), /look like percentages, so they were divided by 100/);
    for (const [name, value] of Object.entries(fractions.json.accuracyLaw.params as Record<string, number>))
      assert.ok(
        Math.abs(auto.json.accuracyLaw.params[name] - value) < 1e-6 * Math.max(1, Math.abs(value)),
        name,
      );
    // Beyond 100 they are neither.
    const beyond = join(dir, 'beyond.csv');
    writeFileSync(
      beyond,
      [
        lines[0],
        ...lines.slice(1).map((l) =>
          l
            .split(',')
            .map((c, i) => (i === piqa ? String(Number(c) * 1000) : c))
            .join(','),
        ),
      ].join('\n') + '\n',
    );
    const far = await fitJson([beyond, '--target', 'accuracy:piqa_acc', '--loss', 'loss_ln_lambada_ppl']);
    assert.equal(far.code, 1);
    assert.match(far.json.errors.join(' '), /fractions in \[0, 1\] \(or percentages in \[0, 100\]\)/);

    const missing = await fitJson([
      PYTHIA,
      '--target',
      'accuracy:hellaswag_acc',
      '--loss',
      'loss_ln_lambada_ppl',
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.json.errors.join(' '), /hellaswag_acc/);

    const onePath = join(dir, 'one.csv');
    writeFileSync(
      onePath,
      [lines[0], ...lines.slice(1).filter((l) => l.startsWith('pythia-410m,'))].join('\n') + '\n',
    );
    const one = await fitJson([onePath, '--target', 'accuracy:piqa_acc', '--loss', 'loss_ln_lambada_ppl']);
    assert.equal(one.code, 1);
    assert.match(one.json.errors.join(' '), /at least 2 model sizes/);

    const usage = await fitJson([PYTHIA, '--target', 'piqa_acc']);
    assert.equal(usage.code, 2);
    for (const result of [p, auto, far, missing, one])
      assert.ok(!JSON.stringify(result.json).includes('NaN'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a saved downstream fit gives analyze --json a downstream accuracy; a broken file is a usage error', async () => {
  const { runAnalyzeCommand } = await import('../../src/cli/analyze');
  const { fixturePath } = await import('../helpers');
  const dir = mkdtempSync(join(tmpdir(), 'laws-downstream-save-'));
  try {
    const lawPath = join(dir, 'piqa.downstream.json');
    const fit = await fitJson([
      PYTHIA,
      '--target',
      'accuracy:piqa_acc',
      '--loss',
      'loss_ln_lambada_ppl',
      '--save',
      lawPath,
    ]);
    assert.equal(fit.code, 0, fit.err);
    let out = '';
    const code = runAnalyzeCommand(
      [fixturePath('gpt-neox', 'neox-20b.yml'), '--json', '--downstream-law', lawPath],
      (s) => (out += s),
      () => undefined,
    );
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.equal(json.downstream.target, 'piqa_acc');
    assert.ok(json.downstream.accuracy > 0.5 && json.downstream.accuracy < 1, `${json.downstream.accuracy}`);
    // 20.6B is within 10× of Pythia-12B, 4.7e11 tokens within 10× of 3e11: no extrapolation warning.
    assert.deepEqual(json.downstream.warnings, []);
    writeFileSync(
      lawPath,
      '{"format":"scaling-lens/downstream-law","target":"x","lossLaw":{"form":"chinchilla","params":{}}}',
    );
    let err = '';
    const bad = runAnalyzeCommand(
      [fixturePath('gpt-neox', 'neox-20b.yml'), '--json', '--downstream-law', lawPath],
      () => undefined,
      (s) => (err += s),
    );
    assert.equal(bad, 2);
    assert.match(err, /lossLaw/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
