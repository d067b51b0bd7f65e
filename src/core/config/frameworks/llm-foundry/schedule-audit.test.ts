import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRun, extractSchedule } from '../../../schedule/index';
import { fixture } from '../../../../../test/helpers';

/**
 * llm-foundry LR schedules against mosaicml/llm-foundry@8c8dd48f (llmfoundry/optim/__init__.py
 * registry, llmfoundry/command_utils/train.py: build_scheduler(name, train_cfg.scheduler) passes the
 * other keys as keyword arguments) and mosaicml/composer@64051888 (composer/optim/scheduler.py
 * CosineAnnealingWithWarmupScheduler / ConstantWithWarmupScheduler.__call__, _convert_time;
 * composer/core/time.py Time.from_timestring; composer/trainer/trainer.py _train_loop:
 * scheduler.step() before timestamp.to_next_batch, so batch k trains at the time of k − 2 batches,
 * batch 1 at 0 — LambdaLR's initial step). Expected values transcribed from those formulas.
 * Fixture opt-3b.yaml: lr 6e-4, cosine_with_warmup t_warmup 100ba alpha_f 0.1, 256 × 256 =
 * 65,536 tokens per batch, max_duration 4800ba.
 */
const close = (a: number | undefined, b: number, tol = 1e-12) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= tol * Math.max(1e-3, Math.abs(b)), `${a} ≉ ${b}`);
const BASE = fixture('llm-foundry', 'opt-3b.yaml');
const LR = 6e-4;
const B = 65_536;
// CosineAnnealingWithWarmupScheduler after warmup: α_f + (1 − α_f)·½(1 + cos π·τ), τ = (t − t_w)/(t_max − t_w).
const cosine = (t: number, tw: number, tmax: number, alphaF = 0.1) =>
  LR * (alphaF + (1 - alphaF) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, (t - tw) / (tmax - tw)))));
const edit = (from: string, to: string) => {
  assert.ok(BASE.includes(from));
  return BASE.replace(from, to);
};
const errors = (text: string) => extractSchedule('llm-foundry', text).errors.join(' | ');
function lrOf(text: string): (k: number) => number | undefined {
  const r = extractSchedule('llm-foundry', text);
  assert.deepEqual(r.errors, []);
  const run = compileRun(r.plan!).run!;
  return (k) => run.lr[k - 1];
}

describe('llm-foundry / Composer LR schedule audit (llm-foundry@8c8dd48f, composer@64051888)', () => {
  it('a scheduler key the Composer class does not take is a TypeError there: refused, naming it', () => {
    assert.match(errors(edit('  alpha_f: 0.1\n', '  alpha_f: 0.1\n  alpha_i: 0.5\n')), /scheduler\.alpha_i/);
    assert.match(
      errors(edit('  alpha_f: 0.1\n', '  alpha_f: 0.1\n  t_scale: 100ba\n')),
      /scheduler\.t_scale/,
    );
    // scale_warmup is an argument (it only matters with a scale_schedule_ratio, which llm-foundry never passes).
    assert.deepEqual(
      extractSchedule('llm-foundry', edit('  alpha_f: 0.1\n', '  alpha_f: 0.1\n  scale_warmup: true\n'))
        .errors,
      [],
    );
  });

  it('a fractional time outside dur is a TypeError in Time.from_timestring: refused', () => {
    assert.match(errors(edit('t_warmup: 100ba', 't_warmup: 100.5ba')), /t_warmup/);
    assert.match(errors(edit('max_duration: 4800ba', 'max_duration: 4800.5ba')), /max_duration/);
  });

  it('max_duration in tokens: batch k trains at (k − 2)·65,536 tokens; t_warmup in tokens', () => {
    const lr = lrOf(
      edit('max_duration: 4800ba', `max_duration: ${4800 * B}tok`).replace(
        't_warmup: 100ba',
        `t_warmup: ${100 * B}tok`,
      ),
    );
    close(lr(1), 0);
    close(lr(2), 0);
    close(lr(3), (LR * B) / (100 * B)); // LinearScheduler(0 → 1) at 1 batch of tokens
    close(lr(102), LR); // t = 100 batches = t_warmup: τ = 0
    close(lr(2452), cosine(2450 * B, 100 * B, 4800 * B));
    close(lr(4800), cosine(4798 * B, 100 * B, 4800 * B));
  });

  it('constant_with_warmup: warmup to alpha 1.0 then constant (ConstantWithWarmupScheduler → LinearWithWarmup(α, α))', () => {
    const lr = lrOf(
      edit('name: cosine_with_warmup', 'name: constant_with_warmup').replace('  alpha_f: 0.1\n', ''),
    );
    close(lr(51), (LR * 49) / 100);
    close(lr(102), LR);
    close(lr(4800), LR);
  });

  it('t_warmup 0.0105dur = int(0.0105 × 4800) = 50 batches (_convert_time truncates)', () => {
    const lr = lrOf(edit('t_warmup: 100ba', 't_warmup: 0.0105dur'));
    close(lr(26), (LR * 24) / 50);
    close(lr(52), LR);
  });
});
