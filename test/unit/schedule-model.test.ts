import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRun, describeSchedule, lrAt, validateRun } from '../../src/core/schedule/model';
import { featuresAtTokens, runFeatures } from '../../src/core/schedule/features';
import type { LrSchedule } from '../../src/core/schedule/types';
import { extractSchedule } from '../../src/core/schedule';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const base = {
  unit: 'steps' as const,
  peakLr: 4e-4,
  finalLr: 4e-5,
  warmup: 2000,
  warmupShape: 'linear' as const,
};

test('cosine with warmup = OLMo-1B.yaml (t_warmup 2000, alpha_f 0.1, 739,328 steps): peak at 2000, half-way, floor', () => {
  const s: LrSchedule = { ...base, decay: { kind: 'cosine' }, horizon: 739_328 };
  close(lrAt(s, 0), 0);
  close(lrAt(s, 1000), 2e-4);
  close(lrAt(s, 2000), 4e-4);
  close(lrAt(s, 2000 + (739_328 - 2000) / 2), 4e-5 + 0.5 * 3.6e-4);
  close(lrAt(s, 739_328), 4e-5);
  close(lrAt(s, 800_000), 4e-5); // past the horizon the LR stays at its floor
});

test('linear decay and inverse-sqrt (fairseq: peak·√(warmup/step)) and step decay (MultiStepLR)', () => {
  const lin: LrSchedule = { ...base, decay: { kind: 'linear' }, horizon: 12_000 };
  close(lrAt(lin, 7000), 4e-4 + (4e-5 - 4e-4) * 0.5);
  const rsqrt: LrSchedule = { ...base, finalLr: 0, decay: { kind: 'inverse-sqrt' }, horizon: 1e9 };
  close(lrAt(rsqrt, 8000), 4e-4 * Math.sqrt(2000 / 8000));
  const step: LrSchedule = {
    ...base,
    warmup: 0,
    decay: { kind: 'step', milestones: [100, 200], gamma: 0.1 },
    horizon: 300,
  };
  close(lrAt(step, 99), 4e-4);
  close(lrAt(step, 150), 4e-5);
  close(lrAt(step, 250), 4e-6);
});

test('WSD cooldown shapes: linear, cosine and 1-sqrt (Hägele et al. 2024 Eq. 1) over the last 20%', () => {
  const wsd = (shape: 'linear' | 'cosine' | '1-sqrt'): LrSchedule => ({
    ...base,
    warmup: 0,
    finalLr: 0,
    decay: { kind: 'wsd', cooldownFraction: 0.2, shape },
    horizon: 10_000,
  });
  close(lrAt(wsd('linear'), 7999), 4e-4);
  close(lrAt(wsd('linear'), 9000), 2e-4);
  close(lrAt(wsd('cosine'), 9000), 2e-4);
  close(lrAt(wsd('1-sqrt'), 8500), 4e-4 * (1 - Math.sqrt(0.25)));
});

test('OneCycleLR as PyTorch defines it (max 0.1, 100 steps, pct_start 0.3, div 25, final_div 1e4)', () => {
  const s: LrSchedule = {
    ...base,
    peakLr: 0.1,
    warmup: 0,
    decay: { kind: 'onecycle', pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, anneal: 'cos' },
    horizon: 100,
  };
  close(lrAt(s, 0), 0.004);
  close(lrAt(s, 29), 0.1);
  close(lrAt(s, 99), 0.004 / 1e4);
});

test('GPT-3 batch ramp (32k tokens → 3.2M over 12B tokens, Brown et al. 2020 App. B) and run length in tokens', () => {
  const schedule: LrSchedule = {
    unit: 'tokens',
    peakLr: 6e-5,
    finalLr: 6e-6,
    warmup: 375e6,
    warmupShape: 'linear',
    decay: { kind: 'cosine' },
    horizon: 260e9,
  };
  const { run, errors } = compileRun({
    schedule,
    batchTokens: 3.2e6,
    totalTokens: 300e9,
    ramp: { kind: 'tokens-linear', startTokens: 32e3, rampTokens: 12e9 },
  });
  assert.deepEqual(errors, []);
  const n = run!.tokens.length;
  assert.ok(run!.tokens[n - 1] >= 300e9 && run!.tokens[n - 2] < 300e9);
  // Steps after the ramp: (300e9 − tokens at ramp end) / 3.2e6, plus the ramp's own steps.
  const rampSteps = Array.from(run!.tokens).findIndex((t) => t >= 12e9) + 1;
  assert.ok(Math.abs(n - rampSteps - (300e9 - run!.tokens[rampSteps - 1]) / 3.2e6) <= 1);
  assert.ok(run!.tokens[0] === 32e3);
  close(run!.lr[n - 1], 6e-6);
});

test('features: constant LR gives S1 = D and S2 = 0; a cosine gives S1 < D and S2 > 0', () => {
  const c = compileRun({
    schedule: { ...base, warmup: 0, decay: { kind: 'constant' }, horizon: 1000 },
    batchTokens: 1e6,
    totalSteps: 1000,
  }).run!;
  const f = runFeatures(c);
  const at = featuresAtTokens(f, 5e8)!;
  close(at.s1, 5e8);
  assert.equal(at.s2, 0);
  assert.equal(featuresAtTokens(f, 2e9), undefined);
  const cos = runFeatures(
    compileRun({
      schedule: { ...base, warmup: 0, decay: { kind: 'cosine' }, horizon: 1000 },
      batchTokens: 1e6,
      totalSteps: 1000,
    }).run!,
  );
  const end = featuresAtTokens(cos, 1e9)!;
  assert.ok(end.s1 < 1e9 && end.s1 > 0.5e9 && end.s2 > 0);
});

test('bad schedules come back as messages, not throws or NaN', () => {
  const bad = validateRun({
    schedule: {
      ...base,
      peakLr: NaN,
      horizon: -1,
      decay: { kind: 'wsd', cooldownFraction: 2, shape: 'linear' },
    },
    batchTokens: 0,
  });
  assert.ok(bad.some((m) => m.includes('peak LR')));
  assert.ok(bad.some((m) => m.includes('horizon')));
  assert.ok(bad.some((m) => m.includes('cooldown')));
  assert.ok(bad.some((m) => m.includes('batch')));
  assert.equal(
    compileRun({
      schedule: { ...base, decay: { kind: 'cosine' }, horizon: 10 },
      batchTokens: 1,
      totalSteps: 1e12,
    }).run,
    undefined,
  );
});

test('describeSchedule: sparkline and key numbers for the hover', () => {
  const text = describeSchedule({ ...base, decay: { kind: 'cosine' }, horizon: 739_328 }, 739_328);
  assert.match(
    text,
    /^[▁▂▃▄▅▆▇█]{16} {2}warmup 2000 steps · peak 0.0004 · cosine to 0.00004 at 739328 steps$/,
  );
});

test('nanoGPT config/train_gpt2.py: get_lr of karpathy/nanoGPT@3adf61e1 (warmup (it+1)/(W+1), cosine to min_lr), 491,520 tokens/iter', () => {
  const text = readFileSync(
    path.join(__dirname, '..', '..', '..', 'shared', 'configs', 'nanogpt', 'train_gpt2.py'),
    'utf8',
  );
  const r = extractSchedule('nanogpt', text);
  assert.deepEqual(r.errors, []);
  const s = r.plan!.schedule;
  assert.equal(r.plan!.batchTokens, 491_520);
  assert.equal(r.plan!.totalSteps, 600_001);
  close(lrAt(s, 0), (6e-4 * 1) / 2001);
  close(lrAt(s, 1999), (6e-4 * 2000) / 2001);
  close(lrAt(s, 2000 + 299_000), 6e-5 + 0.5 * (1 + Math.cos(Math.PI * 0.5)) * 5.4e-4);
  close(lrAt(s, 600_000), 6e-5);
  assert.equal(r.keyLines.lr_decay_iters, 17);
});

test('OLMo-1B.yaml: learning_rate/scheduler/max_duration lines, warmup from 10% of the LR (olmo/optim.py)', () => {
  const text = readFileSync(
    path.join(__dirname, '..', '..', '..', 'shared', 'configs', 'olmo', 'OLMo-1B.yaml'),
    'utf8',
  );
  const r = extractSchedule('olmo', text);
  const s = r.plan!.schedule;
  assert.equal(r.plan!.totalSteps, 739_328);
  assert.equal(r.plan!.batchTokens, 2048 * 2048);
  // olmo/train.py Trainer.fit increments global_step before setting the LR: position 0 (step 1)
  // trains at get_lr(1) (allenai/OLMo@59a53e3f), so the warmup's 4e-5 start is never used.
  close(lrAt(s, 0), 4e-5 + 3.6e-4 / 2000);
  close(lrAt(s, 999), 4e-5 + 0.5 * 3.6e-4);
  assert.equal(r.keyLines.t_warmup, 51);
  assert.match(extractSchedule('hf-config', '').errors[0], /no LR-schedule extractor for hf-config/);
});
