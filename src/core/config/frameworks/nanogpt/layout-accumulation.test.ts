import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readNanogptLayout } from './layout';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { analyzeFile, lineOf } from '../../../../../test/layout-support-read';
import { readFileSync } from 'node:fs';

/**
 * nanoGPT's accumulation must split over the GPUs: karpathy/nanoGPT@3adf61e1 train.py asserts
 * `gradient_accumulation_steps % ddp_world_size == 0` before dividing it. The diagnostic says so in
 * train.py's terms, at the key, instead of the generic global-batch check.
 */
describe('nanoGPT gradient_accumulation_steps on the GPU count (train.py assert)', () => {
  const SMALL =
    'n_layer = 12\nn_head = 12\nn_embd = 768\nblock_size = 1024\nbatch_size = 8\ngradient_accumulation_steps = 1\nmax_iters = 1000\n';

  it('1 step on 8 GPUs: "must be a multiple of the 8 GPUs", at the key, no memory figure', () => {
    const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8, useGpusForMissingTokens: true };
    const a = analyzeText(SMALL, { path: 'config/train_small.py' }, settings).analysis!;
    assert.equal(a.memory, null);
    const d = a.diagnostics.find((x) => x.code === 'layout-framework');
    assert.ok(d, a.diagnostics.map((x) => `${x.code}: ${x.message}`).join('\n'));
    assert.equal(
      d.message,
      '`gradient_accumulation_steps` = 1 must be a multiple of the 8 GPUs: train.py asserts gradient_accumulation_steps % ddp_world_size == 0 (each GPU runs gradient_accumulation_steps // ddp_world_size micro-steps).',
    );
    assert.equal(d.severity, 'error');
    assert.equal(d.range?.start.line, lineOf(SMALL, 'gradient_accumulation_steps'));
    // The generic check (which named the global batch in sequences after this key) is not also shown.
    assert.equal(
      a.diagnostics.some((x) => x.code === 'layout-batch-dp'),
      false,
    );
  });

  it('the default of 40 steps is named as a default when the file does not set it', () => {
    const layout = readNanogptLayout('batch_size = 12\n', 16);
    const rejected = layout.invalid?.gradAccum;
    assert.ok(rejected && typeof rejected !== 'string');
    assert.match(
      rejected.message,
      /^gradient_accumulation_steps \(default 40\) must be a multiple of the 16 GPUs/,
    );
  });

  it('a multiple of the GPUs (and one GPU, where train.py does not wrap DDP) is estimated as before', () => {
    for (const [steps, gpus] of [
      [8, 8],
      [1, 1],
      [16, 8],
    ] as const) {
      const text = SMALL.replace('gradient_accumulation_steps = 1', `gradient_accumulation_steps = ${steps}`);
      const l = readNanogptLayout(text, gpus);
      assert.equal(l.invalid, undefined, `${steps} on ${gpus}`);
      assert.equal(l.gradAccum, steps / gpus);
      assert.equal(l.globalBatch, 8 * steps);
      const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus, useGpusForMissingTokens: true };
      assert.ok(analyzeText(text, { path: 'config/train_small.py' }, settings).analysis!.memory);
    }
  });

  it(
    'config/train_gpt2.py (5 × 8 steps) on 16 GPUs: 40 is not a multiple of 16',
    { skip: SHARED_SKIP },
    () => {
      const path = `${SHARED_DIR}/configs/nanogpt/train_gpt2.py`;
      const { analysis } = analyzeFile(path, 'H100', 16);
      const d = analysis.diagnostics.find((x) => x.code === 'layout-framework')!;
      assert.match(d.message, /^`gradient_accumulation_steps` = 40 must be a multiple of the 16 GPUs/);
      assert.equal(d.range?.start.line, lineOf(readFileSync(path, 'utf8'), 'gradient_accumulation_steps'));
    },
  );
});
