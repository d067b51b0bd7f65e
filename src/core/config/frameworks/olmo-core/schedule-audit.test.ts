import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRun, extractSchedule } from '../../../schedule/index';
import { fixture } from '../../../../../test/helpers';

/**
 * OLMo-core LR schedules against allenai/OLMo-core@fa6c5014: src/olmo_core/optim/scheduler.py
 * (Scheduler.set_lr, _linear_warmup, _linear_decay, CosWithWarmup / LinearWithWarmup / WSD /
 * ConstantScheduler .get_lr and __post_init__) and src/olmo_core/train/trainer.py
 * (Trainer._fit_epoch: global_step += 1 and global_train_tokens_seen += batch before train_batch;
 * _get_max_steps = ceil(max_tokens / tokens_per_batch)). Expected values transcribed by hand.
 * The fixture OLMo2-7B.py: lr 3e-4, 1024 × 4096 = 4,194,304 tokens per step, max_duration 4e12
 * tokens → t_max = ceil(4e12 / 4,194,304) = 953,675 steps.
 */
const close = (a: number | undefined, b: number, tol = 1e-12) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= tol * Math.max(1e-3, Math.abs(b)), `${a} ≉ ${b}`);
const BASE = fixture('olmo-core', 'OLMo2-7B.py');
const LR = 3e-4;
const B = 4_194_304;
const T = 953_675;
const withScheduler = (call: string) => BASE.replace('CosWithWarmup(warmup_steps=2000)', call);
function lrOf(call: string): (k: number) => number | undefined {
  const r = extractSchedule('olmo-core', withScheduler(call));
  assert.deepEqual(r.errors, []);
  const run = compileRun(r.plan!).run!;
  return (k) => run.lr[k - 1];
}
const errors = (call: string) => extractSchedule('olmo-core', withScheduler(call)).errors.join(' | ');

describe('OLMo-core LR schedule audit (allenai/OLMo-core@fa6c5014)', () => {
  it('LinearWithWarmup(warmup=200, alpha_f=0.0): warmup from 0, then lr − lr·(t − W)/(T − W) (LinearWithWarmup.get_lr)', () => {
    const lr = lrOf('LinearWithWarmup(warmup=200, alpha_f=0.0)');
    close(lr(1), (LR * 1) / 200); // _linear_warmup(lr, 1, 200, 0)
    close(lr(200), LR); // current = warmup: not < warmup, decay at 0
    close(lr(476_838), LR - (LR * (476_838 - 200)) / (T - 200));
    close(lr(T), 0); // current ≥ t_max → eta_min = 0
  });

  it('units=SchedulerUnits.steps is the default, accepted (Scheduler.units)', () => {
    const lr = lrOf('LinearWithWarmup(units=SchedulerUnits.steps, warmup=0, alpha_f=0.0)');
    close(lr(1), LR - (LR * 1) / T);
  });

  it('units=SchedulerUnits.tokens: current = tokens seen after the step, t_max = max_tokens (Scheduler.set_lr)', () => {
    const lr = lrOf('WSD(units=SchedulerUnits.tokens, warmup=0, decay=int(4e12), decay_fraction=None)');
    // _linear_decay(lr, t_max − current, decay, 0) = lr·(4e12 − k·B)/4e12 for current ≥ t_max − decay = 0.
    close(lr(1), (LR * (4e12 - B)) / 4e12);
    close(lr(476_838), (LR * (4e12 - 476_838 * B)) / 4e12);
  });

  it('ConstantScheduler(): the LR from step 1, no warmup (ConstantScheduler.get_lr)', () => {
    const lr = lrOf('ConstantScheduler()');
    close(lr(1), LR);
    close(lr(T), LR);
  });

  it('warmup_fraction rounds half to even like Python round(): round(1001 × 0.5) = 500', () => {
    const lr = lrOf('CosWithWarmup(warmup_fraction=0.5, t_max=1001)');
    close(lr(499), (LR * 499) / 500);
    close(lr(500), LR); // current 500 = warmup → cosine at 0 (JS Math.round would give 501)
  });

  it('WSD(decay=…) without decay_fraction=None raises in WSD.__post_init__ (decay_fraction defaults to 0.1)', () => {
    assert.match(errors('WSD(warmup=2000, decay=100000)'), /exactly one of `decay` and `decay_fraction`/);
    // With decay_fraction=None it is the trapezoid: peak until t_max − decay, then linear to 0.
    const lr = lrOf('WSD(warmup=2000, decay=100000, decay_fraction=None)');
    close(lr(T - 100_000), LR);
    close(lr(T - 50_000), (LR * 50_000) / 100_000);
  });

  it('WSD decay longer than t_max − warmup is refused: the LR would start below the peak after warmup (WSD.get_lr)', () => {
    assert.match(errors('WSD(warmup=2000, decay=953000, decay_fraction=None)'), /WSD decay 953000 is longer/);
    assert.match(errors('WSD(warmup=2000, decay_fraction=0.0)'), /_linear_decay divides/);
  });

  it('warmup_min_lr ≥ lr fails _linear_warmup’s assert: an error, not a curve', () => {
    assert.match(errors('CosWithWarmup(warmup=2000, warmup_min_lr=1e-3)'), /warmup_min_lr/);
  });
});
