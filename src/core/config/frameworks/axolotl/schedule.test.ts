/**
 * Axolotl's LR schedules against the code that builds them, transcribed from
 * huggingface/transformers@005edacb src/transformers/optimization.py (the HF LambdaLRs) and
 * axolotl-ai-cloud/axolotl@067b021c src/axolotl/utils/schedulers.py (Axolotl's own), on the real
 * examples in fixtures/ and on edits of them. HF Trainer steps a LambdaLR once per optimizer step, so
 * step k runs at lr·lambda(k).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt, type LrSchedule } from '../../../schedule';
import { axolotlSchedule } from './schedule';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'schedule', name), 'utf8');
const PRETRAIN = fixture('qwen2_adamw-pretrain-fsdp2.yaml'); // lr 2e-4, max_steps 305, warmup_steps 10

const hfWarmup = (step: number, w: number) => step / Math.max(1, w);
const LAMBDAS = {
  cosine: (w: number, t: number) => (s: number) =>
    s < w
      ? hfWarmup(s, w)
      : Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * ((s - w) / Math.max(1, t - w))))),
  linear: (w: number, t: number) => (s: number) =>
    s < w ? hfWarmup(s, w) : Math.max(0, (t - s) / Math.max(1, t - w)),
  constantWithWarmup: (w: number) => (s: number) => (s < w ? hfWarmup(s, w) : 1),
  // axolotl get_cosine_schedule_with_min_lr
  cosineMin: (w: number, t: number, m: number) => (s: number) =>
    s < w ? hfWarmup(s, w) : (1 - m) * 0.5 * (1 + Math.cos(Math.PI * ((s - w) / Math.max(1, t - w)))) + m,
  // axolotl get_cosine_schedule_with_warmup_decay_constant
  cosineConstant: (w: number, t: number, m: number, c: number) => (s: number) => {
    if (s < w) return hfWarmup(s, w);
    const flat = Math.trunc(t * c);
    const p = (Math.min(s, flat) - w) / Math.max(1, flat - w);
    return Math.max(0, (1 - m) * 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * p))) + m;
  },
  // axolotl get_cosine_schedule_with_quadratic_warmup
  quadratic: (w: number, t: number) => (s: number) =>
    s < w
      ? (s / Math.max(1, w)) ** 2
      : Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((s - w) / Math.max(1, t - w))))),
  // HF _get_wsd_scheduler_lambda, linear warmup
  wsd: (w: number, stable: number, decay: number, m: number, type: string) => (s: number) => {
    if (s < w) return Math.max(0, hfWarmup(s, w) * (1 - m) + m);
    if (s < w + stable) return 1;
    if (s < w + stable + decay) {
      const p = (s - w - stable) / Math.max(1, decay);
      const f =
        type === 'linear' ? 1 - p : type === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * p)) : 1 - Math.sqrt(p);
      return Math.max(0, f * (1 - m) + m);
    }
    return m;
  },
};

function assertSteps(
  schedule: LrSchedule | undefined,
  lr: number,
  lambda: (s: number) => number,
  steps: number,
) {
  assert.ok(schedule);
  for (let k = 0; k < steps; k++) {
    const expected = lr * lambda(k);
    const ours = lrAt(schedule, k);
    assert.ok(Math.abs(ours - expected) <= 1e-12 * lr, `step ${k}: ${ours} vs ${expected}`);
  }
}

test('qwen2 adamw-pretrain-fsdp2.yaml (cosine, max_steps 305, warmup_steps 10): HF cosine at every step', () => {
  const r = extractSchedule('axolotl', PRETRAIN);
  assert.equal(r.runLength, 305);
  assertSteps(r.schedule, 2e-4, LAMBDAS.cosine(10, 305), 305);
  assert.equal(r.keyLines['max_steps'], 36);
  assert.match(r.errors.join('\n'), /no token plan/);
});

test('linear, constant_with_warmup, cosine_min_lr_ratio, cosine_constant_lr_ratio, lr_quadratic_warmup and warmup_stable_decay match their code', () => {
  const edit = (extra: string, scheduler = 'cosine') =>
    axolotlSchedule(PRETRAIN.replace('lr_scheduler: cosine', `lr_scheduler: ${scheduler}\n${extra}`));
  assertSteps(edit('', 'linear').schedule, 2e-4, LAMBDAS.linear(10, 305), 305);
  assertSteps(edit('', 'constant_with_warmup').schedule, 2e-4, LAMBDAS.constantWithWarmup(10), 305);
  assertSteps(edit('cosine_min_lr_ratio: 0.1').schedule, 2e-4, LAMBDAS.cosineMin(10, 305, 0.1), 305);
  assertSteps(
    edit('cosine_min_lr_ratio: 0.1\ncosine_constant_lr_ratio: 0.8').schedule,
    2e-4,
    LAMBDAS.cosineConstant(10, 305, 0.1, 0.8),
    305,
  );
  assertSteps(edit('lr_quadratic_warmup: true').schedule, 2e-4, LAMBDAS.quadratic(10, 305), 305);
  for (const type of ['linear', 'cosine', '1-sqrt'])
    assertSteps(
      edit(
        `lr_scheduler_kwargs:\n  num_decay_steps: 60\n  min_lr_ratio: 0.1\n  decay_type: ${type}`,
        'warmup_stable_decay',
      ).schedule,
      2e-4,
      LAMBDAS.wsd(10, 305 - 10 - 60, 60, 0.1, type),
      305,
    );
  // warmup_ratio with max_steps: int(ratio × max_steps), with the caveat that a shorter dataset shortens it.
  const ratio = axolotlSchedule(PRETRAIN.replace('warmup_steps: 10', 'warmup_ratio: 0.1'));
  assert.equal(ratio.schedule?.warmup, 30);
  assert.match(ratio.notes.join('\n'), /warmup = int\(warmup_ratio × 305\) = 30 steps/);
});

test('rex, cosine_with_restarts, jagged restarts and a fractional warmup_steps are named as unknown, never drawn', () => {
  for (const [text, key] of [
    [PRETRAIN.replace('lr_scheduler: cosine', 'lr_scheduler: rex'), 'lr_scheduler'],
    // Hard restarts with 2 cycles (with the default num_cycles 1 it is the plain cosine: schedule-audit.test.ts).
    [
      PRETRAIN.replace(
        'lr_scheduler: cosine',
        'lr_scheduler: cosine_with_restarts\nlr_scheduler_kwargs:\n  num_cycles: 2',
      ),
      'lr_scheduler_kwargs.num_cycles',
    ],
    [
      PRETRAIN.replace('lr_scheduler: cosine', 'lr_scheduler: cosine\njagged_restart_steps: 100'),
      'jagged_restart_steps',
    ],
  ] as const) {
    const r = axolotlSchedule(text);
    assert.equal(r.schedule, undefined);
    assert.ok(
      r.errors.some((e) => e.startsWith(`unknown: \`${key}\``)),
      r.errors.join('\n'),
    );
  }
  const fraction = axolotlSchedule(fixture('expert_parallel_qwen3_30ba3b_ep_lora_4gpu.yaml'));
  assert.equal(fraction.schedule, undefined);
  assert.match(fraction.errors[0]!, /^unknown: `warmup_steps` = `0\.1`/);
});

test('without max_steps (llama-3 3b-qat-fsdp2.yaml) the horizon is the dataset’s: shape stated, no curve; lr_div_factor is said to do nothing', () => {
  const r = axolotlSchedule(fixture('llama-3_3b-qat-fsdp2.yaml'));
  assert.equal(r.schedule, undefined);
  assert.match(r.errors[0]!, /horizon is the run's total steps .*`max_steps` would fix it/);
  const div = axolotlSchedule(
    PRETRAIN.replace('lr_scheduler: cosine', 'lr_scheduler: cosine\nlr_div_factor: 10'),
  );
  assert.ok(div.schedule);
  assert.ok(div.notes.some((n) => /`lr_div_factor` has no effect/.test(n)));
});
