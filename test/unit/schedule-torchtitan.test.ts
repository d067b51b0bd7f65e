/**
 * torchtitan LR schedules from TOML job configs. Expected values by hand from
 * pytorch/torchtitan@56999086 torchtitan/components/lr_scheduler.py (LambdaLR at 0-indexed step s:
 * warmup (s+1)/W; decay progress (s + 1 − (W + stable))/decay, stable = T + 1 − W − decay) and, for
 * the Dec 2024 files, @3f20451b torchtitan/optimizer.py (warmup (s+1)/(W+1), linear to 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRun, extractSchedule } from '../../src/core/schedule';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);
const shared = (...p: string[]) => readFileSync(join(SHARED_DIR, ...p), 'utf8');

/** torchtitan's own lambda, transcribed, for the comparison. */
function titanFactor(
  s: number,
  W: number,
  T: number,
  ratio: number | undefined,
  type: string,
  min: number,
): number {
  let decay = ratio !== undefined ? Math.round(T * ratio) : T - W;
  if (W + decay > T) decay = T - W;
  const stable = T + 1 - W - decay;
  if (s < W) return (s + 1) / W;
  if (s < W + stable) return 1;
  const p = (s + 1 - (W + stable)) / decay;
  const adj =
    type === 'linear' ? 1 - p : type === 'sqrt' ? 1 - Math.sqrt(p) : 0.5 * (1 + Math.cos(Math.PI * p));
  return min + (1 - min) * adj;
}

test(
  'llama3_8b.toml (2026-02): lr 3e-4, warmup_steps 200, 1,000 steps, linear to 0: step 0 = 3e-4/200, s = 600 → 1.5e-4, s = 999 → 3e-4·1/800',
  { skip: SHARED_SKIP },
  () => {
    const r = extractSchedule(
      'torchtitan',
      shared('configs', 'torchtitan', 'toml_2026-02', 'llama3_8b.toml'),
    );
    assert.deepEqual(r.errors, []);
    const { run } = compileRun(r.plan!);
    assert.equal(run!.lr.length, 1000);
    close(run!.lr[0]!, 3e-4 / 200);
    close(run!.lr[199]!, 3e-4);
    close(run!.lr[600]!, 1.5e-4);
    close(run!.lr[999]!, 3e-4 / 800);
    for (const s of [0, 57, 199, 200, 201, 500, 999])
      close(run!.lr[s]!, 3e-4 * titanFactor(s, 200, 1000, undefined, 'linear', 0));
    assert.equal(r.keyLines['lr_scheduler.warmup_steps'], 29);
  },
);

test(
  'llama3_8b.toml (2024-12, [training] warmup_steps): warmup (s+1)/201, then 1 − (s − 200)/800',
  { skip: SHARED_SKIP },
  () => {
    const r = extractSchedule(
      'torchtitan',
      shared('configs', 'torchtitan', 'toml_2024-12', 'llama3_8b.toml'),
    );
    assert.deepEqual(r.errors, []);
    const { run } = compileRun(r.plan!);
    close(run!.lr[0]!, 3e-4 / 201);
    close(run!.lr[199]!, (3e-4 * 200) / 201);
    close(run!.lr[600]!, 1.5e-4);
    assert.equal(r.keyLines['training.warmup_steps'], 31);
  },
);

test(
  'WSD (decay_ratio 0.2, decay_type sqrt, min_lr_factor 0.1) and cosine, against torchtitan’s lambda at every step',
  { skip: SHARED_SKIP },
  () => {
    const base = shared('configs', 'torchtitan', 'toml_2026-02', 'llama3_8b.toml');
    for (const [ratio, type] of [
      [0.2, 'sqrt'],
      [0.2, 'cosine'],
      [0.5, 'linear'],
    ] as const) {
      const text = base.replace(
        /warmup_steps = 200.*$/m,
        `warmup_steps = 100\ndecay_ratio = ${ratio}\ndecay_type = "${type}"\nmin_lr_factor = 0.1`,
      );
      const r = extractSchedule('torchtitan', text);
      assert.deepEqual(r.errors, []);
      const { run } = compileRun(r.plan!);
      for (let s = 0; s < 1000; s++)
        close(run!.lr[s]!, 3e-4 * titanFactor(s, 100, 1000, ratio, type, 0.1), 1e-9);
    }
  },
);

test(
  'deepseek_v3_16b.toml: per-rank batch without a GPU count still gives the schedule (no plan), and with gpus it gives the plan',
  { skip: SHARED_SKIP },
  () => {
    const text = shared('configs-c', 'torchtitan', 'deepseek_v3_16b.toml');
    const r = extractSchedule('torchtitan', text);
    assert.equal(r.plan, undefined);
    assert.ok(r.errors.some((e) => /GPU count/.test(e)));
    assert.equal(r.schedule!.peakLr, 2.2e-4);
    close(r.schedule!.finalLr, 2.2e-5);
    const withGpus = extractSchedule('torchtitan', text, { options: { gpus: 8 } });
    assert.deepEqual(withGpus.errors, []);
    assert.equal(withGpus.plan!.totalSteps, 1000);
  },
);

test('an unknown decay_type is an error naming the key', { skip: SHARED_SKIP }, () => {
  const text = shared('configs', 'torchtitan', 'toml_2026-02', 'llama3_8b.toml').replace(
    /warmup_steps = 200.*$/m,
    'warmup_steps = 200\ndecay_type = "exponential"',
  );
  const r = extractSchedule('torchtitan', text);
  assert.equal(r.plan, undefined);
  assert.ok(r.errors.some((e) => e.startsWith('unknown: `lr_scheduler.decay_type` = `exponential`')));
});
