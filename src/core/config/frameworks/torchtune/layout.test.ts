import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readLayout } from '../../registry';
import { SHARED_DIR, SHARED_SKIP, fixturePath } from '../../../../../test/helpers';

const CORPUS = join(SHARED_DIR, 'configs-c', 'unsupported', 'torchtune', 'llama3_1_8B_full.yaml');

describe('torchtune layout (pytorch/torchtune@bd2a0fc7 recipes/full_finetune_distributed.py)', () => {
  it(
    'Llama 3.1 8B full: bf16 = pure bf16 with bf16 AdamW states, batch 2, AC on, FSDP over all ranks',
    { skip: SHARED_SKIP },
    () => {
      const text = readFileSync(CORPUS, 'utf8');
      const l = readLayout('torchtune', text, { path: CORPUS }, 8)!;
      assert.equal(l.precision, 'bf16-pure');
      assert.equal(l.optimizer, 'adamw-bf16');
      assert.equal(l.microBatch, 2);
      assert.equal(l.gradAccum, 1);
      assert.equal(l.recompute, 'full');
      assert.equal(l.sharding, 'zero3');
      assert.equal(l.sources.recompute?.key, 'enable_activation_checkpointing');
      // max_seq_len: null — the sequence length is the dataset's — and LinearCrossEntropyLoss, which
      // keeps a data-dependent share of the logits: memory unknown, not a guess; both are named.
      const reasons = l.unmodelled!.map((u) => u.why ?? '').join('\n');
      assert.match(reasons, /max_seq_len null/);
      assert.match(reasons, /LinearCrossEntropyLoss/);
      const a = analyzeText(text, { path: CORPUS }, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 });
      assert.equal(a.analysis!.memory, null);
      assert.ok(
        a.diagnostics.some(
          (d) => d.code === 'memory-unknown' && /LinearCrossEntropyLoss|max_seq_len/.test(d.message),
        ),
      );
    },
  );
  it(
    "with max_seq_len stated the estimate is made: 8B pure bf16, FSDP over the header's 4 GPUs (tune run --nproc_per_node 4)",
    { skip: SHARED_SKIP },
    () => {
      const text = readFileSync(CORPUS, 'utf8')
        .replace('max_seq_len: null', 'max_seq_len: 4096')
        .replace('torchtune.modules.loss.LinearCrossEntropyLoss', 'torch.nn.CrossEntropyLoss');
      const a = analyzeText(text, { path: CORPUS }, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 }).analysis!;
      const m = a.memory!;
      assert.equal(m.layout.seqLen, 4096);
      assert.equal(m.layout.dataParallel, 4);
      const psi = (m.weights.bytes * 4) / 2;
      assert.ok(Math.abs(psi / 8.03e9 - 1) < 0.01, String(psi));
      assert.ok(
        Math.abs(m.optimizer.bytes / m.weights.bytes - 2) < 1e-9,
        'AdamW bf16 states 4 B vs 2 B weights',
      );
    },
  );
  it('LoRA/QLoRA, optimizer_in_bwd, activation offloading and fsdp_cpu_offload make memory unknown, naming the key', () => {
    const lora = readLayout(
      'torchtune',
      readFileSync(join(fixturePath('torchtune'), 'llama2_7B_qlora.yaml'), 'utf8'),
    )!;
    assert.match(lora.unmodelled![0]!.why!, /QLoRA/);
    const full = readFileSync(join(fixturePath('torchtune'), 'mistral_7B_full.yaml'), 'utf8');
    for (const key of ['optimizer_in_bwd', 'enable_activation_offloading', 'fsdp_cpu_offload']) {
      const l = readLayout('torchtune', `${full}\n${key}: True\n`)!;
      assert.ok(
        l.unmodelled!.some((u) => u.key === key),
        key,
      );
    }
    const paged = readLayout(
      'torchtune',
      full.replace(/_component_: torch\.optim\.AdamW/, '_component_: bitsandbytes.optim.PagedAdamW8bit'),
    )!;
    assert.equal(paged.optimizer, 'adamw-8bit');
  });
  it('a *single_device* config is not sharded and runs on one GPU', () => {
    const path = join(fixturePath('torchtune'), 'llama2_1B_qat_single_device.yaml');
    const l = readLayout('torchtune', readFileSync(path, 'utf8'), { path }, 8)!;
    assert.equal(l.sharding, 'none');
    assert.equal(l.gpus, 1);
  });
});
