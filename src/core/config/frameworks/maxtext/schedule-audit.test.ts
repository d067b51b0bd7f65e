/**
 * MaxText LR-schedule audit against AI-Hypercomputer/maxtext@e591f30c
 * src/maxtext/utils/maxtext_utils.py `create_learning_rate_schedule` (and, for files in the pre-WSD
 * era, the version before e886dd21: src/MaxText/maxtext_utils.py, cosine pct = k/C). Expected
 * values come from that function transcribed below, with optax's linear_schedule and join_schedules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSchedule, lrAt } from '../../../schedule';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { READERS } from '../../registry';
import { analyzeText } from '../../../analyze';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

/** optax.linear_schedule: init_value when transition_steps ≤ 0, else clipped linear interpolation. */
const optaxLinear = (from: number, to: number, n: number) => (c: number) =>
  n <= 0 ? from : from + ((to - from) * Math.min(Math.max(c, 0), n)) / n;

/** create_learning_rate_schedule (e591f30c), WSD branch: pieces joined at their boundaries. */
function maxtextWsd(
  lr: number,
  finalFraction: number,
  H: number,
  steps: number,
  wf: number,
  df: number,
  style: 'linear' | 'cosine',
) {
  const final = lr * finalFraction;
  const W = Math.trunc(H * wf);
  const D = Math.trunc(H * df);
  const S = H - W - D;
  const cos = (n: number) => (c: number) => {
    const pct = n > 1 ? c / (n - 1) : 1;
    const a = 0.5 * (Math.cos(Math.PI * pct) + 1);
    return lr * a + final * (1 - a);
  };
  const pieces: ((c: number) => number)[] = [];
  const bounds: number[] = [];
  if (W > 0) (pieces.push(optaxLinear(0, lr, W)), bounds.push(W));
  if (S > 0) (pieces.push(() => lr), bounds.push(W + S));
  if (D > 0) (pieces.push(style === 'linear' ? optaxLinear(lr, final, D - 1) : cos(D)), bounds.push(H));
  if (steps - H > 0) (pieces.push(() => 0), bounds.push(H));
  return (x: number) => {
    let v = pieces[0]!(x);
    for (let i = 1; i < pieces.length; i++) if (x >= bounds[i - 1]!) v = pieces[i]!(x - bounds[i - 1]!);
    return v;
  };
}

const yaml = (extra: string) =>
  `base_output_directory: gs://bucket\nrun_name: audit\nper_device_batch_size: 4\nmax_target_length: 2048\nsteps: 1000\nlearning_rate: 1.e-3\n${extra}`;

test('maxtext@e591f30c WSD with a 1-step linear decay: optax.linear_schedule(transition_steps=0) stays at lr', () => {
  // wsd_decay_steps_fraction 0.001 → D = int(1000 × 0.001) = 1.
  const r = extractSchedule('maxtext', yaml("lr_schedule_type: 'wsd'\nwsd_decay_steps_fraction: 0.001\n"));
  const s = r.schedule!;
  assert.ok(s, r.errors.join('; '));
  const ref = maxtextWsd(1e-3, 0.1, 1000, 1000, 0.1, 0.001, 'linear');
  for (const x of [0, 50, 100, 500, 998, 999]) close(lrAt(s, x), ref(x));
  close(lrAt(s, 999), 1e-3);
});

test('maxtext@e591f30c WSD with wsd_decay_steps_fraction 0: no decay piece, the LR is lr to the end', () => {
  const r = extractSchedule('maxtext', yaml("lr_schedule_type: 'wsd'\nwsd_decay_steps_fraction: 0\n"));
  const s = r.schedule!;
  assert.ok(s, r.errors.join('; '));
  const ref = maxtextWsd(1e-3, 0.1, 1000, 1000, 0.1, 0, 'linear');
  for (const x of [0, 99, 100, 998, 999]) close(lrAt(s, x), ref(x));
});

test('maxtext@e591f30c WSD cosine decay and a zero phase (regression guard)', () => {
  const r = extractSchedule(
    'maxtext',
    yaml(
      "lr_schedule_type: 'wsd'\nwsd_decay_style: 'cosine'\nwsd_decay_steps_fraction: 0.2\nlearning_rate_schedule_steps: 800\n",
    ),
  );
  const s = r.schedule!;
  const ref = maxtextWsd(1e-3, 0.1, 800, 1000, 0.1, 0.2, 'cosine');
  for (const x of [0, 79, 80, 639, 640, 700, 799, 800, 999]) close(lrAt(s, x), ref(x));
  assert.equal(lrAt(s, 800), 0);
});

test('maxtext@e591f30c a launcher override computed at run time ($(python3 …)) is an error naming the key, not the default', () => {
  const sh = `#!/bin/bash
STEPS=1000
WARMUP_FRAC=$(python3 -c "print(20/\${STEPS})")
python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml run_name=a base_output_directory=gs://b \\
  steps=\${STEPS} per_device_batch_size=4 learning_rate=1e-3 warmup_steps_fraction="\${WARMUP_FRAC}"
`;
  const r = extractSchedule('maxtext', sh, { path: 'scripts/run.sh' });
  assert.equal(r.schedule, undefined);
  assert.ok(
    r.errors.some((e) => e.startsWith('unknown: `warmup_steps_fraction`')),
    r.errors.join('; '),
  );
});

test('maxtext@e591f30c keys of another command in the launcher (an SFT run) do not set the pre-training schedule', () => {
  const sh = `#!/bin/bash
python3 -m maxtext.trainers.post_train.sft.train_sft src/maxtext/configs/post_train/sft.yml run_name=s learning_rate=1.3e-5 steps=5
python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml run_name=p base_output_directory=gs://b steps=10 per_device_batch_size=4
`;
  const r = extractSchedule('maxtext', sh, { path: 'scripts/run.sh' });
  const s = r.schedule!;
  assert.ok(s, r.errors.join('; '));
  assert.equal(s.peakLr, 3e-5); // base.yml learning_rate: 3.e-5, the pre-training launch sets none
  assert.equal(r.runLength, 10);
});

test('maxtext@e591f30c enable_rampup_batch_size: the plan is an error naming it (RampupBatchManager)', () => {
  const r = extractSchedule(
    'maxtext',
    yaml(
      'enable_rampup_batch_size: true\nper_device_batch_size_start: 1\nper_device_batch_size_increment: 1\n',
    ),
    {},
  );
  assert.ok(r.schedule);
  assert.equal(r.plan, undefined);
  assert.ok(
    r.errors.some((e) => e.startsWith('unknown: `enable_rampup_batch_size`')),
    r.errors.join('; '),
  );
});

test(
  'maxtext a model overlay next to a pre-WSD base.yml gets that era (cosine pct = k/C, e886dd21^ maxtext_utils.py)',
  { skip: SHARED_SKIP },
  () => {
    const path = join(SHARED_DIR, 'configs-b', 'maxtext', 'configs', 'models', 'llama2-7b.yml');
    const r = extractSchedule('maxtext', readFileSync(path, 'utf8'), {
      path,
      readFile: (p: string) => readFileSync(p, 'utf8'),
    });
    const s = r.schedule!;
    assert.ok(s, r.errors.join('; '));
    // base.yml: learning_rate 3e-5, cosine_learning_rate_final_fraction 0.1, steps 150,001, W = 15,000,
    // C = 135,001; make_cos_schedule pct = k/C.
    const legacy = (k: number) => {
      const a = 0.5 * (Math.cos((Math.PI * k) / 135_001) + 1);
      return 3e-5 * a + 3e-6 * (1 - a);
    };
    for (const k of [750, 67_500, 135_000]) close(lrAt(s, 15_000 + k), legacy(k));
  },
);

test('the analysis reads a MaxText file once: the schedule extractor reuses the reader’s layers of its spec', () => {
  const reader = READERS.find((r) => r.id === 'maxtext')!;
  const read = reader.read;
  let reads = 0;
  (reader as { read: typeof read }).read = (...args: Parameters<typeof read>) => {
    reads++;
    return read(...args);
  };
  try {
    const text =
      'python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml run_name=once model_name=llama2-7b steps=100 learning_rate=1e-4\n';
    const result = analyzeText(text, { path: '/nonexistent/once/run.sh', options: { gpus: 8 } });
    assert.equal(result.analysis?.hyperparameters?.config?.learningRate, 1e-4);
    assert.equal(reads, 1);
  } finally {
    (reader as { read: typeof read }).read = read;
  }
});
