import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readNanogptLayout, nanogptLayoutDefaults, nanogptEdits } from './layout';
import { applyOffsetEdits } from '../../../model/memoryEdits';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { analyzeFile, lineOf } from '../../../../../test/layout-support-read';
import { checkMemoryFixes, frameworkFiles } from '../../../../../test/layout-support';

describe('nanoGPT layout (karpathy/nanoGPT@3adf61e1 train.py)', () => {
  it(
    'config/train_gpt2.py: batch_size is the micro-batch, gradient_accumulation_steps is divided by the world size',
    { skip: SHARED_SKIP },
    () => {
      const { text, analysis } = analyzeFile(`${SHARED_DIR}/configs/nanogpt/train_gpt2.py`, 'A100-40GB', 8);
      const m = analysis.memory!;
      assert.ok(m, 'memory estimated');
      // 12 × 1024 tokens per micro-batch; 5 × 8 = 40 accumulation steps over 8 GPUs = 5 per GPU.
      assert.equal(m.layout.microBatch, 12);
      assert.equal(m.layout.gradAccum, 5);
      assert.equal(m.layout.globalBatch, 480);
      assert.equal(m.layout.seqLen, 1024);
      assert.equal(m.layout.sharding, 'none');
      assert.equal(m.layout.recompute, 'none');
      assert.equal(m.layout.precision, 'amp-ddp');
      assert.equal(m.layout.sources.microBatch!.keyRange.start.line, lineOf(text, 'batch_size'));
      assert.equal(
        m.layout.sources.gradAccum!.keyRange.start.line,
        lineOf(text, 'gradient_accumulation_steps'),
      );
      // DDP: fp32 weights (4 B), fp32 gradients + the bucket copy (8 B), AdamW moments (8 B).
      const n = analysis.params!.total;
      assert.ok(Math.abs(m.weights.bytes - 4 * n) / (4 * n) < 0.01, `${m.weights.bytes} vs 4 × ${n}`);
      assert.ok(Math.abs(m.gradients.bytes - 8 * n) / (8 * n) < 0.01);
      assert.ok(Math.abs(m.optimizer.bytes - 8 * n) / (8 * n) < 0.01);
    },
  );

  it('one GPU is plain autocast (no DDP buckets); dtype float32 is fp32 plus the DDP bucket copy; an odd dtype is unknown, naming the key', () => {
    assert.equal(readNanogptLayout("dtype = 'bfloat16'\n", 1).precision, 'amp');
    assert.equal(readNanogptLayout("dtype = 'bfloat16'\n", 4).precision, 'amp-ddp');
    assert.equal(readNanogptLayout("dtype = 'float32'\n", 4).precision, 'fp32-ddp');
    const odd = readNanogptLayout("dtype = 'float8'\n", 4);
    assert.equal(odd.unmodelled?.[0]?.key, 'dtype');
    // Without a GPU count the world size is unknown: no accumulation per GPU is guessed.
    assert.equal(
      readNanogptLayout('batch_size = 8\ngradient_accumulation_steps = 16\n').gradAccum,
      undefined,
    );
    assert.equal(readNanogptLayout('batch_size = 8\ngradient_accumulation_steps = 16\n').globalBatch, 128);
  });

  it('defaults cite train.py', () => {
    assert.match(nanogptLayoutDefaults.source, /karpathy\/nanoGPT@3adf61e1/);
    assert.equal(nanogptLayoutDefaults.sharding, 'none');
  });

  it('the micro-batch edit halves batch_size and doubles gradient_accumulation_steps (the global batch stays)', () => {
    const text = 'batch_size = 12 # micro\nblock_size = 1024\ngradient_accumulation_steps = 5 * 8\n';
    const [edit] = nanogptEdits(text);
    assert.equal(edit!.kind, 'micro-batch-half');
    assert.equal(
      applyOffsetEdits(text, edit!.replacements),
      'batch_size = 6 # micro\nblock_size = 1024\ngradient_accumulation_steps = 80\n',
    );
    assert.deepEqual(nanogptEdits('batch_size = 3\ngradient_accumulation_steps = 4\n'), []);
  });

  it('every memory fix of the nanoGPT fixtures and corpora re-reads to its title, lower, N and D unchanged', () => {
    const { files, fixes, kinds } = checkMemoryFixes(
      'nanogpt',
      frameworkFiles('nanogpt', /nanogpt/, /\.py$/),
      [1, 8],
    );
    console.log(
      `nanoGPT memory fixes: ${files} file/accelerator pairs, ${fixes} fixes (${[...kinds].join(', ')})`,
    );
    assert.ok(files >= 4, `files with memory: ${files}`);
    assert.ok(kinds.has('micro-batch-half'), [...kinds].join());
  });
});
