/**
 * Audit of the LitGPT pretraining LR-schedule extractor against Lightning-AI/litgpt@26857050
 * litgpt/pretrain.py `fit` and `get_lr`, litgpt/args.py `TrainArgs`. Transcribed:
 *   A = (global_batch_size // world) // micro_batch_size          (gradient_accumulation_iters)
 *   max_iters = (max_tokens // world) // (micro_batch_size · max_seq_length)
 *   warmup_iters = min(max_iters, lr_warmup_steps · A)              (0 when lr_warmup_steps is 0/None)
 *   get_lr(it) = lr·it/warmup_iters (it < warmup_iters); min_lr (it > max_iters);
 *                min_lr + ½(1 + cos(π(it − warmup_iters)/(max_iters − warmup_iters)))·(lr − min_lr)
 * The LR is set before every micro-batch iteration it = 0, 1, …; the optimizer steps after
 * iteration it when (it + 1) % A == 0, so optimizer step k (1-based) trains at get_lr(k·A − 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRun, extractSchedule } from '../../../schedule';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${a} vs ${b}`);

function yaml(train: Record<string, number | string>, extra = 'devices: 2\n'): string {
  return [
    'model_name: pythia-14m',
    'train:',
    ...Object.entries({
      global_batch_size: 64,
      micro_batch_size: 4,
      max_seq_length: 512,
      max_tokens: 64 * 512 * 300,
      lr_warmup_steps: 20,
      min_lr: 1e-5,
      max_norm: 1.0,
      ...train,
    }).map(([k, v]) => `  ${k}: ${v}`),
    'optimizer:',
    '  class_path: torch.optim.AdamW',
    '  init_args:',
    '    lr: 1e-3',
    extra,
  ].join('\n');
}

function getLr(it: number, lr: number, Wi: number, M: number, min: number): number {
  if (it < Wi) return (lr * it) / Wi;
  if (it > M) return min;
  return min + 0.5 * (1 + Math.cos((Math.PI * (it - Wi)) / (M - Wi))) * (lr - min);
}

test('devices 2, global 64, micro 4: A = 8; optimizer step k trains at get_lr(8k − 1), every step of the run', () => {
  // Old extractor: lr·(k − 1)/20 in the warmup (step 1 at LR 0 where litgpt uses lr·7/160).
  const r = extractSchedule('litgpt', yaml({}));
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  const A = 8;
  const M = Math.floor(Math.floor((64 * 512 * 300) / 2) / (4 * 512));
  assert.equal(M, 2400);
  assert.equal(run!.lr.length, Math.floor(M / A));
  close(run!.lr[0]!, (1e-3 * 7) / 160);
  for (let k = 1; k <= run!.lr.length; k++)
    close(run!.lr[k - 1]!, getLr(k * A - 1, 1e-3, 20 * A, M, 1e-5), 1e-9);
});

test('warmup clipped at max_iters (lr_warmup_steps × A > max_iters): the whole run is warmup', () => {
  const r = extractSchedule('litgpt', yaml({ lr_warmup_steps: 500 }));
  assert.deepEqual(r.errors, []);
  const { run } = compileRun(r.plan!);
  for (let k = 1; k <= run!.lr.length; k++)
    close(run!.lr[k - 1]!, getLr(k * 8 - 1, 1e-3, 2400, 2400, 1e-5), 1e-9);
});

test('devices: auto without --gpus: A is unknown, so the plan is the nominal A = 1 schedule with a note bounding the shift', () => {
  const r = extractSchedule('litgpt', yaml({}, 'devices: auto\n'));
  assert.deepEqual(r.errors, []);
  assert.ok(r.notes.some((n) => /GPU count unknown/.test(n) && /\(A − 1\)\/A of a step ahead/.test(n)));
  assert.equal(r.schedule!.warmup, 20);
  assert.equal(r.plan!.schedule.positionOffset, undefined);
  const withGpus = extractSchedule('litgpt', yaml({}, 'devices: auto\n'), { options: { gpus: 1 } });
  assert.deepEqual(withGpus.errors, []);
  // A = 16 on one GPU: step 1 trains at get_lr(15).
  close(compileRun(withGpus.plan!).run!.lr[0]!, (1e-3 * 15) / 320);
});

test('global_batch_size not a multiple of micro_batch_size × GPUs is unknown naming the key (litgpt steps every A micro-batches)', () => {
  const r = extractSchedule('litgpt', yaml({ global_batch_size: 60 }));
  assert.equal(r.plan, undefined);
  assert.ok(r.errors.some((e) => e.startsWith('unknown: `train.global_batch_size` = `60`')));
});

test('optimizer given as a torch.optim class name other than Adam/AdamW: its own default lr, not modeled', () => {
  // utils.py instantiate_torch_optimizer("RMSprop") → torch.optim.RMSprop(lr=1e-2 default); old: 1e-3.
  const text = yaml({}).replace(/optimizer:\n(?: {2}.*\n)+/, 'optimizer: RMSprop\n');
  const r = extractSchedule('litgpt', text);
  assert.equal(r.schedule, undefined);
  assert.ok(
    r.errors.some((e) => e.startsWith('unknown: `optimizer` = `RMSprop`')),
    JSON.stringify(r.errors),
  );
  const adamw = extractSchedule(
    'litgpt',
    yaml({}).replace(/optimizer:\n(?: {2}.*\n)+/, 'optimizer: AdamW\n'),
  );
  assert.equal(adamw.plan!.schedule.peakLr, 1e-3);
});
