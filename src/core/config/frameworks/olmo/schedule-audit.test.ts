import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileRun, extractSchedule } from '../../../schedule/index';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';

/**
 * OLMo LR schedules against allenai/OLMo@59a53e3f: olmo/optim.py Scheduler._linear_warmup,
 * CosWithWarmup / LinearWithWarmup / ConstantScheduler / ConstantWithWarmupScheduler.get_lr,
 * build_scheduler; olmo/config.py SchedulerConfig; olmo/train.py Trainer.fit (global_step += 1 and
 * global_train_tokens_seen += batch before train_step sets group["lr"] = get_lr(lr, current, max)).
 * Every expected value is transcribed from those functions, written out here.
 */
const close = (a: number | undefined, b: number, tol = 1e-12) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);

/** LR of optimizer step k (1-based) as the compiled run shows it. */
function lrOf(text: string): { lr: (k: number) => number | undefined; steps: number; tokens: number[] } {
  const r = extractSchedule('olmo', text);
  assert.deepEqual(r.errors, []);
  const run = compileRun(r.plan!).run!;
  return { lr: (k) => run.lr[k - 1], steps: run.lr.length, tokens: Array.from(run.tokens) };
}

const base = (scheduler: string, extra = '') => `model:
  d_model: 64
  n_heads: 4
  n_layers: 2
  max_sequence_length: 8
optimizer:
  name: adamw
  learning_rate: 1.0e-3
scheduler:
${scheduler}
global_train_batch_size: 4
${extra}`;

// olmo/optim.py Scheduler._linear_warmup: wm + (lr − wm)·min(t, W)/W, wm = 0.1·lr by default.
const LR = 1e-3;
const WM = 0.1 * LR;
const warm = (t: number, w: number, wm = WM) => wm + ((LR - wm) * Math.min(t, w)) / w;
// CosWithWarmup.get_lr after warmup: eta_min + (lr − eta_min)·(1 + cos(π·(t − W)/(T − W)))/2.
const cos = (t: number, w: number, T: number, alphaF = 0.1) =>
  t >= T
    ? alphaF * LR
    : alphaF * LR + ((LR - alphaF * LR) * (1 + Math.cos((Math.PI * (t - w)) / (T - w)))) / 2;

describe('OLMo LR schedule audit (allenai/OLMo@59a53e3f)', () => {
  it('step k trains at get_lr(k): global_step is incremented before the LR is set (olmo/train.py Trainer.fit)', () => {
    const r = lrOf(base('  name: cosine_with_warmup\n  t_warmup: 10', 'max_duration: 100'));
    assert.equal(r.steps, 100);
    close(r.lr(1), warm(1, 10)); // 1.9e-4, not warmup_min_lr 1e-4
    close(r.lr(9), warm(9, 10));
    close(r.lr(10), LR); // get_lr(10): past warmup, cosine at 0
    close(r.lr(55), cos(55, 10, 100));
    close(r.lr(100), 0.1 * LR); // get_lr(100) = eta_min at max_steps
  });

  it('units: tokens: step k trains at k batches of tokens, horizon is the …T value itself (Trainer.max_tokens)', () => {
    // tokens_per_batch = 4 × 8 = 32; max_duration 3210T → max_steps ceil(3210/32) = 101, max_tokens 3210.
    const r = lrOf(
      base(
        '  name: cosine_with_warmup\n  units: tokens\n  t_warmup: 320\n  warmup_min_lr: 0.0',
        'max_duration: 3210T',
      ),
    );
    assert.equal(r.steps, 101);
    close(r.lr(1), warm(32, 320, 0)); // tokens_seen = 32 at step 1
    close(r.lr(10), LR);
    close(r.lr(50), cos(50 * 32, 320, 3210));
    close(r.lr(100), cos(3200, 320, 3210)); // 3200 < 3210: still decaying (not 3232 = 101 × 32)
    close(r.lr(101), 0.1 * LR); // 3232 ≥ 3210
  });

  it('constant: ConstantScheduler has no warmup, t_warmup is ignored (olmo/optim.py ConstantScheduler.get_lr)', () => {
    const r = lrOf(base('  name: constant\n  t_warmup: 10', 'max_duration: 20'));
    close(r.lr(1), LR);
    close(r.lr(5), LR);
    close(r.lr(20), LR);
  });

  it('constant_with_warmup: linear warmup from 10% of the LR, then the LR (ConstantWithWarmupScheduler)', () => {
    const r = lrOf(base('  name: constant_with_warmup\n  t_warmup: 10', 'max_duration: 20'));
    close(r.lr(1), warm(1, 10));
    close(r.lr(9), warm(9, 10));
    close(r.lr(10), LR);
    close(r.lr(20), LR);
  });

  it('linear_with_warmup with t_warmup 0 (the OLMo 2 anneals) ends at alpha_f·lr on the last step (LinearWithWarmup)', () => {
    const r = lrOf(base('  name: linear_with_warmup\n  t_warmup: 0\n  alpha_f: 0', 'max_duration: 50'));
    // initial_lr − (initial_lr − eta_min)·t/T with t = k.
    close(r.lr(1), LR - (LR * 1) / 50);
    close(r.lr(25), LR - (LR * 25) / 50);
    close(r.lr(50), 0);
  });

  it('stop_at cuts the run, not the schedule: t_max stays max_duration (Trainer.fit, scheduler_max)', () => {
    const r = lrOf(base('  name: cosine_with_warmup\n  t_warmup: 10', 'max_duration: 100\nstop_at: 50'));
    assert.equal(r.steps, 50);
    close(r.lr(50), cos(50, 10, 100)); // mid-cosine, not eta_min
  });

  it('a …T run trains Trainer.max_steps = ceil(tokens / tokens_per_batch) whole steps', () => {
    const r = extractSchedule(
      'olmo',
      base('  name: cosine_with_warmup\n  t_warmup: 10', 'max_duration: 3210T'),
    );
    assert.equal(r.plan!.totalSteps, 101); // ceil(3210 / 32)
  });

  it('refuses what it does not model, naming the key', () => {
    const err = (scheduler: string) =>
      extractSchedule('olmo', base(scheduler, 'max_duration: 100')).errors.join(' ');
    assert.match(err('  name: max_scheduler\n  t_warmup: 10'), /scheduler\.name = "max_scheduler"/);
    assert.match(err('  name: cosine_linear_envelope\n  t_warmup: 10'), /cosine_linear_envelope/);
    assert.match(err('  name: cosine_with_warmup\n  alpha_0: 0.5'), /scheduler\.alpha_0/);
    // _linear_warmup asserts 0 <= warmup_min_lr < initial_lr.
    assert.match(err('  name: cosine_with_warmup\n  t_warmup: 10\n  warmup_min_lr: 1.0e-3'), /warmup_min_lr/);
    assert.match(err('  name: inverse_sqrt_with_warmup\n  t_warmup: 0'), /t_warmup = 0/);
  });

  it(
    'OLMo-1B.yaml (corpus): step 1 at get_lr(1) = 4e-5 + 3.6e-4/2000, step 2000 at the peak',
    { skip: SHARED_SKIP },
    () => {
      const r = lrOf(readFileSync(join(SHARED_DIR, 'configs', 'olmo', 'OLMo-1B.yaml'), 'utf8'));
      close(r.lr(1), 4e-5 + 3.6e-4 / 2000);
      close(r.lr(2000), 4e-4);
      close(r.lr(739_328), 4e-5);
    },
  );
});
