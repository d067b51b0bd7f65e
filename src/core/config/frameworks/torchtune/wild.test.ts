import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readRunConfig } from '../../registry';
import type { RunSpec } from '../../../types';

function spec(text: string): RunSpec {
  const result = readRunConfig(text, { path: 'x.yaml' });
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
}

/** A user recipe config in the shape of the third-party ones (odissei-benchmarks, dangbert). */
function recipe(model: string): string {
  return [
    'model:',
    model,
    'tokenizer:',
    '  _component_: torchtune.models.llama3.llama3_tokenizer',
    '  path: /tmp/tokenizer.model',
    'dataset:',
    '  _component_: torchtune.datasets.alpaca_cleaned_dataset',
    'epochs: 1',
    'batch_size: 2',
    'optimizer:',
    '  _component_: torch.optim.AdamW',
    '  lr: 3e-4',
    '',
  ].join('\n');
}

// Llama-3.1-8B, q_proj + v_proj at rank 8: 32 layers × 8 × ((4096 + 4096) + (4096 + 1024)).
const QV_RANK8 = 32 * 8 * (4096 + 4096 + (4096 + 1024));

describe('torchtune third-party configs', () => {
  it('labels the adapter by a written quantize_base, which overrides the qlora_ partial', () => {
    // torchtune@bd2a0fc7 models/llama3_1/_model_builders.py: qlora_llama3_1_8b =
    // partial(lora_llama3_1_8b, quantize_base=True); a config's quantize_base: False wins.
    const plain = spec(
      recipe(
        [
          '  _component_: torchtune.models.llama3_1.qlora_llama3_1_8b',
          "  lora_attn_modules: ['q_proj', 'v_proj']",
          '  lora_rank: 8',
          '  quantize_base: False',
        ].join('\n'),
      ),
    );
    assert.deepEqual(plain.trainableParams, { count: QV_RANK8, method: 'LoRA rank 8' });
    const quantized = spec(
      recipe(
        [
          '  _component_: torchtune.models.llama3_1.lora_llama3_1_8b',
          "  lora_attn_modules: ['q_proj', 'v_proj']",
          '  lora_rank: 8',
          '  quantize_base: True',
        ].join('\n'),
      ),
    );
    assert.deepEqual(quantized.trainableParams, { count: QV_RANK8, method: 'QLoRA rank 8' });
  });

  it('names DoRA on a quantized base and counts its magnitude vectors', () => {
    const s = spec(
      recipe(
        [
          '  _component_: torchtune.models.llama3_1.qlora_llama3_1_8b',
          "  lora_attn_modules: ['q_proj', 'v_proj']",
          '  lora_rank: 8',
          '  use_dora: True',
        ].join('\n'),
      ),
    );
    // DoRA adds one magnitude per output feature of each adapted linear: 4096 (q) + 1024 (v).
    assert.deepEqual(s.trainableParams, {
      count: QV_RANK8 + 32 * (4096 + 1024),
      method: 'QLoRA + DoRA rank 8',
    });
  });

  it('notes the frozen teacher of a knowledge-distillation config and keeps N the student', () => {
    // Azure/torchtune-azureml@827273dd scripts/knowledge_distillation_qwen2.yaml (trimmed).
    const text = recipe(
      [
        '  _component_: torchtune.models.qwen2.lora_qwen2_0_5b',
        "  lora_attn_modules: ['q_proj', 'k_proj', 'v_proj']",
        '  apply_lora_to_mlp: False',
        '  lora_rank: 32',
      ].join('\n'),
    ).replace('tokenizer:', 'teacher_model:\n  _component_: torchtune.models.qwen2.qwen2_1_5b\ntokenizer:');
    const s = spec(text);
    // Qwen2-0.5B student: 24 layers × 32 × ((896 + 896) + 2 × (896 + 2 × 64)).
    assert.deepEqual(s.trainableParams, {
      count: 24 * 32 * (896 + 896 + 2 * (896 + 128)),
      method: 'LoRA rank 32',
    });
    const note = s.diagnostics.find((d) => d.code === 'kd-teacher');
    assert.ok(note, 'teacher noted');
    assert.match(note.message, /qwen2_1_5b/);
  });
});

describe('torchtune builder arguments (config.instantiate passes every model: key to the builder)', () => {
  it('a LoRA argument on a full model builder is refused: the builder takes none (was the full N)', () => {
    // torchtune@bd2a0fc7 models/qwen2_5/_model_builders.py: def qwen2_5_0_5b() -> TransformerDecoder.
    const s = spec(
      recipe(['  _component_: torchtune.models.qwen2_5.qwen2_5_0_5b', '  lora_rank: 8'].join('\n')),
    );
    assert.equal(s.architecture, undefined);
    assert.ok(
      s.diagnostics.some(
        (d) =>
          d.severity === 'error' &&
          d.code === 'unknown-argument' &&
          /takes no argument `lora_rank`/.test(d.message),
      ),
      s.diagnostics.map((d) => d.message).join('\n'),
    );
  });

  it("a fork's own argument on a LoRA builder makes N unknown, naming it", () => {
    const s = spec(
      recipe(
        [
          '  _component_: torchtune.models.llama3_1.lora_llama3_1_8b',
          "  lora_attn_modules: ['q_proj', 'v_proj']",
          '  lora_rank: 8',
          '  lora_layers: [0, 1, 2, 3]',
        ].join('\n'),
      ),
    );
    assert.equal(s.architecture, undefined);
    assert.equal(s.trainableParams, undefined);
    assert.match(s.paramsMissing?.join('\n') ?? '', /model\.lora_layers/);
  });

  it('the builders’ own arguments keep N and the LoRA count', () => {
    const s = spec(
      recipe(
        [
          '  _component_: torchtune.models.llama3_1.lora_llama3_1_8b',
          "  lora_attn_modules: ['q_proj', 'v_proj']",
          '  apply_lora_to_mlp: False',
          '  apply_lora_to_output: False',
          '  lora_rank: 8',
          '  lora_alpha: 16',
          '  lora_dropout: 0.0',
          '  use_dora: False',
          '  quantize_base: False',
        ].join('\n'),
      ),
    );
    assert.ok(s.architecture);
    assert.equal(s.trainableParams?.count, QV_RANK8);
  });
});
