/**
 * DeepSpeed's LR schedules against DeepSpeed's own code, transcribed below from
 * deepspeedai/DeepSpeed@edaa7221 deepspeed/runtime/lr_schedules.py and stepped the way
 * engine.py `_take_model_step` steps them (the constructor sets iteration −1's LR; each optimizer
 * step is followed by step()), on the real fixtures and on edits of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt, type LrSchedule } from '../../../schedule';
import { deepspeedSchedule } from './schedule';

const FIXTURES = join(__dirname, 'fixtures', 'schedule');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** The LR each of `steps` optimizer steps runs at, given DeepSpeed's get_lr at an iteration. */
function deepspeedSteps(getLr: (iteration: number) => number, steps: number): number[] {
  const out: number[] = [];
  let iteration = -1; // constructor: last_batch_iteration = -1, update_lr(get_lr())
  for (let k = 0; k < steps; k++) {
    out.push(getLr(iteration)); // the optimizer step uses the LR set before it
    iteration += 1; // lr_scheduler.step()
  }
  return out;
}

/** WarmupLR / WarmupDecayLR `_get_gamma` and get_lr. */
function warmupLr(p: { min: number; max: number; warmup: number; type: string; total?: number }) {
  const w = Math.max(2, p.warmup);
  const inverseLog = 1 / Math.log(w);
  return (i: number) => {
    if (i < 0) return p.min;
    let gamma: number;
    if (i < w) gamma = p.type === 'log' ? inverseLog * Math.log(i + 1) : i / w;
    else if (p.total === undefined) gamma = 1;
    else gamma = Math.max(0, (p.total - i) / Math.max(1, p.total - w));
    return p.min + (p.max - p.min) * gamma;
  };
}

/** WarmupCosineLR get_lr_ratio × the optimizer's lr. */
function warmupCosine(p: {
  lr: number;
  total: number;
  warmup: number;
  minRatio: number;
  cosMin: number;
  type: string;
}) {
  const w = Math.max(2, p.warmup);
  const inverseLog = 1 / Math.log(w);
  return (i: number) => {
    if (i < 0) return 0;
    if (i < w) {
      const r = p.type === 'log' ? inverseLog * Math.log(i + 1) : i / w;
      return p.lr * (p.minRatio + r * (1 - p.minRatio));
    }
    const progress = Math.min(1, (i - w + 1) / Math.max(1, p.total - w));
    const ratio = (1 + Math.cos(Math.PI * progress)) / 2;
    return p.lr * Math.max(0, p.cosMin + (1 - p.cosMin) * ratio);
  };
}

/** OneCycle `_get_scale_factor` / get_lr without stairs or post-cycle decay. */
function oneCycle(p: { min: number; max: number; first: number; second: number }) {
  const total = p.first + p.second;
  const ratio = p.first / total;
  return (i: number) => {
    if (i >= total) return p.min;
    const b = i + 1;
    const cycle = Math.floor(1 + b / total);
    const x = 1 + b / total - cycle;
    const scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    return p.min + (p.max - p.min) * scale;
  };
}

function assertSteps(schedule: LrSchedule, expected: number[]) {
  expected.forEach((lr, k) => {
    const ours = lrAt(schedule, k);
    assert.ok(
      Math.abs(ours - lr) <= 1e-12 * Math.max(1e-12, Math.abs(lr)) + 1e-18,
      `step ${k}: ${ours} vs ${lr}`,
    );
  });
}

test('WarmupLR (sdma_allgather ds_config_zero3.json: 0 → 1e-5 over 10 steps, log) matches DeepSpeed at every step', () => {
  const r = extractSchedule('deepspeed', fixture('sdma_allgather_ds_config_zero3.json'));
  assert.ok(r.schedule, r.errors.join('; '));
  assert.equal(r.schedule.warmupShape, 'log');
  assert.equal(r.schedule.peakLr, 1e-5);
  assertSteps(r.schedule, deepspeedSteps(warmupLr({ min: 0, max: 1e-5, warmup: 10, type: 'log' }), 40));
  // The first two steps both run at warmup_min_lr (iteration −1 and 0), the peak from step 11.
  assert.equal(lrAt(r.schedule, 0), 0);
  assert.equal(lrAt(r.schedule, 1), 0);
  assert.equal(lrAt(r.schedule, 11), 1e-5);
  assert.match(r.errors.join('\n'), /run length and the sequence length are the launcher's/);
  assert.ok(r.notes.some((n) => /warmup_type.*default `log`/.test(n)));
  assert.equal(r.keyLines['scheduler.type'], 15);
});

test('WarmupLR 1000 steps (torch_compile ds_config_z2.json) and its linear variant match DeepSpeed', () => {
  const text = fixture('torch_compile_ds_config_z2.json');
  const log = deepspeedSchedule(text).schedule!;
  assertSteps(log, deepspeedSteps(warmupLr({ min: 0, max: 1e-3, warmup: 1000, type: 'log' }), 1500));
  const linearText = text.replace(
    '"warmup_num_steps": 1000',
    '"warmup_num_steps": 1000, "warmup_type": "linear"',
  );
  const linear = deepspeedSchedule(linearText).schedule!;
  assert.equal(linear.warmupShape, 'linear');
  assertSteps(linear, deepspeedSteps(warmupLr({ min: 0, max: 1e-3, warmup: 1000, type: 'linear' }), 1500));
});

test('WarmupDecayLR: warmup then linear to warmup_min_lr at total_num_steps, as DeepSpeed steps it', () => {
  const text = fixture('torch_compile_ds_config_z2.json')
    .replace('"WarmupLR"', '"WarmupDecayLR"')
    .replace(
      '"warmup_min_lr": 0,',
      '"warmup_min_lr": 1e-5, "total_num_steps": 5000, "warmup_type": "linear",',
    );
  const r = deepspeedSchedule(text);
  assert.ok(r.schedule, r.errors.join('; '));
  assert.equal(r.schedule.finalLr, 1e-5);
  assertSteps(
    r.schedule,
    deepspeedSteps(warmupLr({ min: 1e-5, max: 1e-3, warmup: 1000, type: 'linear', total: 5000 }), 6000),
  );
  // Without warmup_max_lr the peak is WarmupDecayLR's default 0.001, not the optimizer's lr.
  const noMax = deepspeedSchedule(
    text.replace('"warmup_max_lr": 0.001,', '').replace('"lr": 0.001', '"lr": 0.5'),
  );
  assert.equal(noMax.schedule?.peakLr, 0.001);
  assert.ok(noMax.notes.some((n) => /WarmupDecayLR default 0\.001/.test(n)));
  // total_num_steps has no default.
  assert.match(
    deepspeedSchedule(text.replace('"total_num_steps": 5000,', '')).errors.join('\n'),
    /WarmupDecayLR needs `total_num_steps`/,
  );
});

test("WarmupCosineLR: ratios of the optimizer's lr, cosine counted from iteration − W + 1, as DeepSpeed steps it", () => {
  const base = fixture('torch_compile_ds_config_z2.json');
  for (const type of ['log', 'linear']) {
    const text = base.replace(
      /"scheduler": \{[\s\S]*?\n  \},/,
      `"scheduler": {"type": "WarmupCosineLR", "params": {"total_num_steps": 3000, "warmup_num_steps": 300, "cos_min_ratio": 0.1, "warmup_type": "${type}"}},`,
    );
    const r = deepspeedSchedule(text);
    assert.ok(r.schedule, r.errors.join('; '));
    assert.equal(r.schedule.decayShift, 1);
    assertSteps(
      r.schedule,
      deepspeedSteps(
        warmupCosine({ lr: 1e-3, total: 3000, warmup: 300, minRatio: 0, cosMin: 0.1, type }),
        3500,
      ),
    );
  }
  // Parameters WarmupCosineLR does not take (the HF-style warmup_min_lr) are named: DeepSpeed raises.
  const wrong = base.replace('"WarmupLR"', '"WarmupCosineLR"');
  assert.match(
    deepspeedSchedule(wrong).errors.join('\n'),
    /`scheduler\.params\.warmup_min_lr` is not a parameter of WarmupCosineLR/,
  );
});

test('OneCycle without stairs or post-cycle decay matches DeepSpeed; a staircase or decay is named as unknown', () => {
  const base = fixture('torch_compile_ds_config_z2.json');
  const cycle = (params: string) =>
    base.replace(
      /"scheduler": \{[\s\S]*?\n  \},/,
      `"scheduler": {"type": "OneCycle", "params": {${params}}},`,
    );
  const r = deepspeedSchedule(
    cycle(
      '"cycle_min_lr": 1e-5, "cycle_max_lr": 1e-3, "cycle_first_step_size": 400, "cycle_second_step_size": 600',
    ),
  );
  assert.ok(r.schedule, r.errors.join('; '));
  assertSteps(r.schedule, deepspeedSteps(oneCycle({ min: 1e-5, max: 1e-3, first: 400, second: 600 }), 1200));
  const stairs = deepspeedSchedule(
    cycle(
      '"cycle_min_lr": 1e-5, "cycle_max_lr": 1e-3, "cycle_first_step_size": 400, "cycle_first_stair_count": 4',
    ),
  );
  assert.equal(stairs.schedule, undefined);
  assert.match(stairs.errors.join('\n'), /unknown: `scheduler\.params\.cycle_first_stair_count` = `4`/);
  const decay = deepspeedSchedule(
    cycle('"cycle_min_lr": 1e-5, "cycle_max_lr": 1e-3, "decay_lr_rate": 0.001, "decay_step_size": 1000'),
  );
  assert.match(decay.errors.join('\n'), /unknown: `scheduler\.params\.decay_lr_rate`/);
});

test('"auto" values (DeepSpeedExamples hf_integration ds_config.json), LRRangeTest and torch schedulers are unknown, never drawn', () => {
  const auto = deepspeedSchedule(fixture('tensor_parallel_hf_integration_ds_config.json'));
  assert.equal(auto.schedule, undefined);
  for (const key of ['warmup_num_steps', 'warmup_max_lr', 'total_num_steps'])
    assert.ok(
      auto.errors.some((e) => e.startsWith(`unknown: \`scheduler.params.${key}\` = \`auto\``)),
      auto.errors.join('\n'),
    );
  const base = fixture('torch_compile_ds_config_z2.json');
  const range = deepspeedSchedule(base.replace('"WarmupLR"', '"LRRangeTest"'));
  assert.equal(range.schedule, undefined);
  assert.match(range.errors.join('\n'), /unknown: `scheduler\.type` = `LRRangeTest`/);
  const torch = deepspeedSchedule(base.replace('"WarmupLR"', '"StepLR"'));
  assert.match(
    torch.errors.join('\n'),
    /unknown: `scheduler\.type` = `StepLR` \(a torch\.optim\.lr_scheduler class/,
  );
  const none = deepspeedSchedule(readFileSync(join(__dirname, 'fixtures', 'ds_config_zero2.json'), 'utf8'));
  assert.match(none.errors[0]!, /no `scheduler`/);
});
