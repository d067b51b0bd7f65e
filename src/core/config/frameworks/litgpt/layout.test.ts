import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLitgptLayout, litgptLayoutDefaults } from './layout';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { analyzeFile, lineOf } from '../../../../../test/layout-support-read';
import { checkMemoryFixes, frameworkFiles } from '../../../../../test/layout-support';

describe('LitGPT layout (Lightning-AI/litgpt@26857050 pretrain.py, finetune/full.py)', () => {
  it(
    'finetune/llama-3-8b_full.yaml: 4 devices → FSDP FULL_SHARD with every Block checkpointed; bf16-true keeps AdamW states in bf16',
    { skip: SHARED_SKIP },
    () => {
      const { text, analysis } = analyzeFile(
        `${SHARED_DIR}/configs/litgpt/finetune/llama-3-8b_full.yaml`,
        'A100-80GB',
      );
      const l = analysis.memory!.layout;
      assert.equal(l.gpus, 4);
      assert.equal(l.sharding, 'zero3');
      assert.equal(l.shardGroupSize, 4);
      assert.equal(l.recompute, 'full');
      assert.equal(l.precision, 'bf16-pure');
      assert.equal(l.optimizer, 'adamw-bf16');
      assert.equal(l.microBatch, 4);
      // global_batch_size 64 // 4 devices // micro 4 = 4 (litgpt/args.py gradient_accumulation_iters).
      assert.equal(l.gradAccum, 4);
      assert.equal(l.sources.microBatch!.keyRange.start.line, lineOf(text, 'micro_batch_size'));
      assert.equal(l.sources.precision!.keyRange.start.line, lineOf(text, 'precision'));
      // 2 + 2 + 4 bytes per parameter, sharded over 4.
      const n = analysis.params!.total;
      const states =
        analysis.memory!.weights.bytes + analysis.memory!.gradients.bytes + analysis.memory!.optimizer.bytes;
      assert.ok(Math.abs(states - (8 * n) / 4) / ((8 * n) / 4) < 0.01, `${states} vs ${(8 * n) / 4}`);
    },
  );

  it(
    'pretrain/tinyllama.yaml: HYBRID_SHARD without checkpointing, bf16-mixed = fp32 sharded parameters with bf16 compute',
    { skip: SHARED_SKIP },
    () => {
      const { analysis } = analyzeFile(`${SHARED_DIR}/configs/litgpt/pretrain/tinyllama.yaml`, 'H100', 8);
      const l = analysis.memory!.layout;
      assert.equal(l.sharding, 'zero3');
      assert.equal(l.recompute, 'none');
      assert.equal(l.precision, 'fsdp-mixed');
      assert.equal(l.gradAccum, 512 / 8 / 4);
    },
  );

  it(
    'LoRA / QLoRA finetunes are unknown, naming the key; one device has no FSDP',
    { skip: SHARED_SKIP },
    () => {
      const { analysis } = analyzeFile(`${SHARED_DIR}/configs/litgpt/finetune/llama-2-7b_lora.yaml`);
      assert.equal(analysis.memory, null);
      assert.ok(
        analysis.diagnostics.some((d) => d.code === 'memory-unknown' && /`quantize`/.test(d.message)),
      );
      const one = readLitgptLayout('checkpoint_dir: x\ndevices: 1\nprecision: bf16-mixed\n');
      assert.equal(one.sharding, 'none');
      assert.equal(one.recompute, 'none');
      assert.equal(one.precision, 'amp');
      const nodes = readLitgptLayout('model_name: pythia-14m\ndevices: 8\nnum_nodes: 2\n');
      assert.equal(nodes.gpus, 16);
      assert.equal(nodes.shardGroupSize, 8, 'HYBRID_SHARD: sharded within a node');
    },
  );

  it('defaults cite litgpt', () =>
    assert.match(litgptLayoutDefaults.source, /Lightning-AI\/litgpt@26857050/));

  it('every memory fix of the LitGPT fixtures and corpora re-reads to its title, lower, N and D unchanged', () => {
    const { files, fixes, kinds } = checkMemoryFixes(
      'litgpt',
      frameworkFiles('litgpt', /litgpt/, /\.ya?ml$/),
      [8],
    );
    console.log(
      `LitGPT memory fixes: ${files} file/accelerator pairs, ${fixes} fixes (${[...kinds].join(', ')})`,
    );
    assert.ok(files >= 4 && kinds.has('micro-batch-half'), `${files} ${[...kinds]}`);
  });
});
