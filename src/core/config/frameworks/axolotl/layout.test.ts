import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readLayout } from '../../registry';
import { fixturePath } from '../../../../../test/helpers';

const DIR = fixturePath('axolotl');
const text = (name: string) => readFileSync(join(DIR, name), 'utf8');

describe('Axolotl layout (axolotl-ai-cloud/axolotl@067b021c schemas; HF Trainer)', () => {
  it('qwen2 FSDP2 pretrain: FULL_SHARD (fsdp_-prefixed keys), pure bf16 model with bf16 AdamW states, mb 4, seq 2048', () => {
    const src = text('schedule/qwen2_adamw-pretrain-fsdp2.yaml');
    const l = readLayout('axolotl', src, {}, 8)!;
    assert.equal(l.sharding, 'zero3');
    assert.equal(l.sources.sharding?.key, 'fsdp_reshard_after_forward');
    assert.equal(l.precision, 'bf16-pure');
    assert.equal(l.optimizer, 'adamw-bf16');
    assert.equal(l.microBatch, 4);
    assert.equal(l.seqLen, 2048);
    assert.equal(l.recompute, 'none');
    const a = analyzeText(src, {}, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 }).analysis!;
    assert.ok(a.memory && a.memory.perGpuBytes > 0);
  });
  it('LoRA / QLoRA adapters, liger fused linear cross-entropy and QAT make memory unknown, naming the key', () => {
    assert.equal(readLayout('axolotl', text('llama-2_qlora.yml'))!.unmodelled![0]!.key, 'adapter');
    const qat = readLayout('axolotl', text('schedule/llama-3_3b-qat-fsdp2.yaml'))!;
    assert.ok(qat.unmodelled!.some((u) => u.key === 'liger_fused_linear_cross_entropy'));
    assert.ok(qat.unmodelled!.some((u) => u.key === 'qat'));
    // Its fsdp_config is read all the same: fsdp_activation_checkpointing → full recompute.
    assert.equal(qat.recompute, 'full');
  });
  it('deepspeed: a JSON path is read through the editor (stage 2 + bf16 auto → DeepSpeed mixed recipe); unreadable → unknown naming the path', () => {
    const base = text('schedule/qwen2_adamw-pretrain-fsdp2.yaml').replace(
      /^fsdp_config:[\s\S]*?(?=^\S)/m,
      '',
    );
    const src = `${base}\ndeepspeed: deepspeed_configs/zero2.json\n`;
    const json =
      '{"zero_optimization": {"stage": 2}, "bf16": {"enabled": "auto"}, "train_micro_batch_size_per_gpu": "auto"}';
    const l = readLayout(
      'axolotl',
      src,
      { path: '/r/cfg.yaml', readFile: (p) => (p === '/r/deepspeed_configs/zero2.json' ? json : undefined) },
      8,
    )!;
    assert.equal(l.sharding, 'zero2');
    assert.equal(l.sources.sharding?.file, '/r/deepspeed_configs/zero2.json');
    assert.equal(l.precision, 'zero-mixed');
    assert.equal(l.optimizer, 'adamw', 'the HF optimizer under DeepSpeed steps fp32 partitions');
    assert.equal(l.microBatch, 4, 'micro_batch_size, not the JSON placeholder');
    const unread = readLayout('axolotl', src, {}, 8)!;
    assert.match(unread.unmodelled![0]!.why!, /ZeRO stage \(in deepspeed_configs\/zero2\.json\)/);
  });
});
