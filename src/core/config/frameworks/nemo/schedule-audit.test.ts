/**
 * Audit of the NeMo 1.x LR extractor against NVIDIA/NeMo@8cfedd72: nemo/core/optim/lr_scheduler.py
 * (WarmupPolicy, WarmupAnnealing, InverseSquareRootAnnealing, NoamAnnealing,
 * PolynomialDecayAnnealing, CosineAnnealing, prepare_lr_scheduler), nemo/core/classes/modelPT.py
 * `setup_optimization` (sched.max_steps = trainer.max_steps when that is ≥ 0) and
 * nemo/collections/nlp/models/language_modeling/megatron_base_model.py `configure_optimizers`.
 * The LR of optimizer step k is the scheduler's at last_epoch = k − 1 (Lightning steps it after
 * each optimizer step). Expected values are NeMo's formulas written out here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRun, extractSchedule } from '../../../schedule';
import { FRAMEWORKS_DIR } from '../../../../../test/helpers';

const close = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

const base = readFileSync(join(FRAMEWORKS_DIR, 'nemo', 'fixtures', 'megatron_gpt_config.yaml'), 'utf8');
const SCHED =
  '    sched:\n      name: CosineAnnealing\n      warmup_steps: 500\n      constant_steps: 0\n      min_lr: 2e-5\n';
assert.ok(base.includes(SCHED));

/** megatron_gpt_config.yaml (lr 2e-4) with another sched block and trainer.max_steps. */
function config(sched: string, maxSteps = 1000): string {
  const block = sched
    .trim()
    .split('\n')
    .map((l) => `      ${l.trim()}`)
    .join('\n');
  return base
    .replace(SCHED, `    sched:\n${block}\n`)
    .replace('  max_steps: 100000 #', `  max_steps: ${maxSteps} #`);
}

/** The LRs of the 1-based optimizer steps in `steps`. */
function lrs(text: string, steps: number[]): number[] {
  const r = extractSchedule('nemo', text);
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  return steps.map((k) => run!.lr[k - 1]!);
}

const STEPS = [1, 2, 50, 100, 101, 102, 500, 999, 1000];

test('WarmupAnnealing (t5/bart configs): warmup lr·(s + 1)/(W + 1), then min + (lr − min)·(1 − (s − W)/(max − W))', () => {
  const got = lrs(config('name: WarmupAnnealing\nmin_lr: 1e-5\nwarmup_ratio: 0.1'), STEPS);
  const W = 100; // int(0.1 · 1000)
  const nemo = (s: number) =>
    W > 0 && s <= W ? (2e-4 * (s + 1)) / (W + 1) : 1e-5 + (2e-4 - 1e-5) * (1 - (s - W) / (1000 - W));
  STEPS.forEach((k, i) => close(got[i]!, nemo(k - 1)));
});

test('PolynomialDecayAnnealing: _poly_decay min + (lr − min)·(1 − p)^power, power 1 the same line as WarmupAnnealing; power 0 is an error naming the key', () => {
  const nemo = (s: number, power: number) => {
    if (s <= 100) return (2e-4 * (s + 1)) / 101;
    const p = Math.min(s - 100, 900) / 900;
    return (2e-4 - 1e-5) * (1 - p) ** power + 1e-5;
  };
  for (const power of [1, 2, 0.5]) {
    const got = lrs(
      config(
        `name: PolynomialDecayAnnealing\nmin_lr: 1e-5\nwarmup_steps: 100${power === 1 ? '' : `\npower: ${power}`}`,
      ),
      STEPS,
    );
    STEPS.forEach((k, i) => close(got[i]!, nemo(k - 1, power)));
  }
  const zero = extractSchedule('nemo', config('name: PolynomialDecayAnnealing\nwarmup_steps: 100\npower: 0'));
  assert.equal(zero.plan, undefined);
  assert.ok(
    zero.errors.some((e) => e.startsWith('unknown: `model.optim.sched.power` = `0`')),
    zero.errors.join('; '),
  );
});

test('InverseSquareRootAnnealing: lr/√((s + 1)/(W + 1)) after warmup, min_lr only past max_steps', () => {
  const got = lrs(config('name: InverseSquareRootAnnealing\nmin_lr: 0.0\nwarmup_ratio: 0.1'), STEPS);
  const W = 100;
  const nemo = (s: number) =>
    W > 0 && s <= W ? (2e-4 * (s + 1)) / (W + 1) : s > 1000 ? 0 : 2e-4 / Math.sqrt((s + 1) / (W + 1));
  STEPS.forEach((k, i) => close(got[i]!, nemo(k - 1)));
  // min_lr above the LR reached at max_steps: NeMo never floors there, the model would.
  const floor = extractSchedule(
    'nemo',
    config('name: InverseSquareRootAnnealing\nmin_lr: 1e-4\nwarmup_steps: 100'),
  );
  assert.ok(
    floor.errors.some((e) => e.startsWith('unknown: `model.optim.sched.min_lr`')),
    floor.errors.join('; '),
  );
});

test('NoamAnnealing: lr·d^−½·min(s^−½, s·W^−1.5) with s = max(1, step), floored at min_lr after warmup', () => {
  const got = lrs(config('name: NoamAnnealing\nd_model: 768\nwarmup_steps: 100\nmin_lr: 1e-7'), STEPS);
  const nemo = (step: number) => {
    const s = Math.max(1, step);
    const lr = 2e-4 * 768 ** -0.5 * Math.min(s ** -0.5, s * 100 ** -1.5);
    return s > 100 ? Math.max(lr, 1e-7) : lr;
  };
  STEPS.forEach((k, i) => close(got[i]!, nemo(k - 1)));
  const noD = extractSchedule('nemo', config('name: NoamAnnealing\nwarmup_steps: 100'));
  assert.ok(noD.errors.some((e) => /d_model/.test(e)));
});

test('trainer.max_steps ≥ 0 sets the horizon (modelPT.setup_optimization); a different written sched.max_steps is an error (retro config: 750000 vs 100000)', () => {
  const same = lrs(
    config('name: CosineAnnealing\nwarmup_steps: 10\nmin_lr: 2e-5\nmax_steps: 1000'),
    [500, 1000],
  );
  close(same[1]!, 2e-5 + 0.5 * (2e-4 - 2e-5) * (1 + Math.cos((Math.PI * (999 - 10)) / 990)));
  const differs = extractSchedule(
    'nemo',
    config('name: CosineAnnealing\nwarmup_steps: 10\nmax_steps: 750000'),
  );
  assert.equal(differs.plan, undefined);
  assert.ok(
    differs.errors.some((e) => e.startsWith('unknown: `model.optim.sched.max_steps` = `750000`')),
    differs.errors.join('; '),
  );
  const off = extractSchedule('nemo', config('name: CosineAnnealing\nwarmup_steps: 10\nmax_steps: -1', -1));
  assert.equal(off.plan, undefined);
  assert.ok(
    off.errors.some((e) => /`model.optim.sched.max_steps` = -1/.test(e)),
    off.errors.join('; '),
  );
});

test('warmup_steps with warmup_ratio, and an unmodelled scheduler, are errors naming the key', () => {
  const both = extractSchedule('nemo', config('name: CosineAnnealing\nwarmup_steps: 10\nwarmup_ratio: 0.1'));
  assert.ok(
    both.errors.some((e) => /warmup_steps` with `warmup_ratio`/.test(e)),
    both.errors.join('; '),
  );
  const sqrt = extractSchedule('nemo', config('name: SquareRootAnnealing\nwarmup_ratio: 0.01'));
  assert.ok(
    sqrt.errors.some((e) => e.startsWith('unknown: `model.optim.sched.name` = `SquareRootAnnealing`')),
  );
});
