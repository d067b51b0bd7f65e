import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';

/**
 * Third-party llm-foundry configs. LocalResearchGroup/llm-foundry@4d13f687
 * scripts/train/yamls/finetune/smollm2-135m_{lora,dora,rslora,peft}.yaml finetune an hf_causal_lm
 * with `model.peft_config`: hf_base.py get_peft_config builds LoraConfig(**peft_config) and
 * Composer's HuggingFaceModel wraps the model with get_peft_model (llm-foundry@8c8dd48f), so only
 * the adapters train. The memory estimate had counted gradients and AdamW states for all 134.5M
 * parameters, and no trainable count was shown.
 */
const config = (peft: string[]) =>
  [
    'variables:',
    '  max_seq_len: 2048',
    'max_seq_len: ${variables.max_seq_len}',
    'model:',
    '  name: hf_causal_lm',
    '  pretrained_model_name_or_path: HuggingFaceTB/SmolLM2-135M',
    '  pretrained: true',
    ...peft.map((line) => `  ${line}`),
    'tokenizer:',
    '  name: HuggingFaceTB/SmolLM2-135M',
    'train_loader:',
    '  name: finetuning',
    '  dataset:',
    '    max_seq_len: ${variables.max_seq_len}',
    'optimizer:',
    '  name: decoupled_adamw',
    '  lr: 6.0e-4',
    'max_duration: 100ba',
    'global_train_batch_size: 4',
    'device_train_microbatch_size: 4',
    'precision: amp_bf16',
    '',
  ].join('\n');

const LORA_ALL = [
  'peft_config:',
  '  r: 64',
  '  peft_type: LORA',
  '  task_type: CAUSAL_LM',
  '  lora_alpha: 128',
  '  lora_dropout: 0.05',
  '  target_modules: [q_proj, v_proj, k_proj, o_proj, gate_proj, up_proj, down_proj]',
  '  use_rslora: false',
];

const analyze = (text: string) =>
  analyzeText(text, { path: 'finetune.yaml' }, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 1 });

/** SmolLM2-135M config.json: d 576, 9 heads / 3 KV heads of 64, FFN 1536, 30 layers. */
const D = 576;
const KV = 192;
const F = 1536;
const LAYERS = 30;
const perLinear = (r: number, inW: number, outW: number) => r * (inW + outW);

describe('llm-foundry configs from third-party repos: hf_causal_lm peft_config', () => {
  it('counts the LoRA adapters as trainable and leaves memory unknown (was full-finetune memory)', () => {
    const { analysis, diagnostics } = analyze(config(LORA_ALL));
    assert.ok(analysis);
    assert.equal(analysis.params?.total, 134_515_008);
    const layer =
      2 * perLinear(64, D, D) + 2 * perLinear(64, D, KV) + 2 * perLinear(64, D, F) + perLinear(64, F, D);
    assert.equal(analysis.spec.trainableParams?.count, LAYERS * layer);
    assert.equal(analysis.spec.trainableParams?.count, 19_537_920);
    assert.equal(analysis.memory, null);
    assert.ok(
      diagnostics.some((d) => /memory/.test(d.message) && /peft_config/.test(d.message)),
      diagnostics.map((d) => d.message).join('\n'),
    );
  });

  it('DoRA adds the output width per adapted linear; q/v only counts two linears', () => {
    const dora = analyze(config([...LORA_ALL, '  use_dora: true'])).analysis;
    assert.equal(dora?.spec.trainableParams?.count, 19_537_920 + LAYERS * (D + KV + KV + D + F + F + D));
    assert.equal(dora?.spec.trainableParams?.method, 'DoRA rank 64');
    const qv = analyze(
      config([
        'peft_config:',
        '  r: 64',
        '  peft_type: LORA',
        '  task_type: CAUSAL_LM',
        '  target_modules: [q_proj, v_proj]',
      ]),
    ).analysis;
    assert.equal(qv?.spec.trainableParams?.count, LAYERS * (perLinear(64, D, D) + perLinear(64, D, KV)));
    const allLinear = analyze(
      config(['peft_config:', '  peft_type: LORA', '  task_type: CAUSAL_LM', '  target_modules: all-linear']),
    ).analysis;
    // bias 'none', lora_bias false and null fields are LoraConfig's defaults.
    const defaults = analyze(
      config([...LORA_ALL, '  bias: none', '  lora_bias: false', '  modules_to_save: null']),
    ).analysis;
    assert.equal(defaults?.spec.trainableParams?.count, 19_537_920);
    // LoraConfig r default 8; 'all-linear' is every linear but the output embedding.
    assert.equal(allLinear?.spec.trainableParams?.count, (19_537_920 / 64) * 8);
  });

  it('keys that change the trainable set, or a loaded adapter, leave the count unknown (memory too)', () => {
    for (const extra of [
      [
        'peft_config:',
        '  r: 8',
        '  peft_type: LORA',
        '  task_type: CAUSAL_LM',
        '  target_modules: [q_proj]',
        '  modules_to_save: [lm_head]',
      ],
      [
        'peft_config:',
        '  r: 8',
        '  peft_type: LORA',
        '  task_type: CAUSAL_LM',
        '  target_modules: [q_proj]',
        '  layers_to_transform: [0, 1]',
      ],
      ['peft_config:', '  r: 8', '  peft_type: LORA', '  task_type: CAUSAL_LM'],
      ['peft_config:', '  r: 8', '  peft_type: LORA', '  task_type: CAUSAL_LM', '  target_modules: .*proj'],
      ['pretrained_lora_id_or_path: my-org/smollm2-lora'],
      [...LORA_ALL, '  bias: all'],
    ]) {
      const { analysis, diagnostics } = analyze(config(extra));
      assert.ok(analysis);
      assert.equal(analysis.params?.total, 134_515_008, extra.join(' '));
      assert.equal(analysis.spec.trainableParams, undefined, extra.join(' '));
      assert.equal(analysis.memory, null, extra.join(' '));
      assert.ok(
        diagnostics.some((d) => d.code === 'lora-unknown'),
        extra.join(' '),
      );
    }
  });
});

/**
 * A third-party mpt_causal_lm pretraining YAML found by code search (an mpt-1b.yaml copy whose
 * repository the index does not name) sets `attn_config.attn_impl: nsa`, a fork's registered
 * attention. MPTConfig._validate_config raises "Unknown attn_impl" for anything but torch / flash
 * (llmfoundry/models/mpt/configuration_mpt.py @8c8dd48f; older releases also took triton): the
 * standard MPT count was shown as if the attention were llm-foundry's.
 */
const mpt = (impl: string) =>
  [
    'max_seq_len: 2048',
    'model:',
    '  name: mpt_causal_lm',
    '  d_model: 2048',
    '  n_heads: 16',
    '  n_layers: 24',
    '  expansion_ratio: 4',
    '  max_seq_len: 2048',
    '  vocab_size: 50368',
    '  attn_config:',
    `    attn_impl: ${impl}`,
    'max_duration: 24800ba',
    'global_train_batch_size: 512',
    '',
  ].join('\n');

describe('llm-foundry configs from third-party repos: attn_impl', () => {
  it("a fork's attn_impl makes N unknown, naming the key (was the standard MPT-1B count)", () => {
    const { analysis, diagnostics } = analyze(mpt('nsa'));
    assert.ok(analysis);
    assert.equal(analysis.params, null);
    assert.ok(
      diagnostics.some((d) => /^unknown: attn_config\.attn_impl = `nsa`/.test(d.message)),
      diagnostics.map((d) => d.message).join('\n'),
    );
  });

  it('torch, flash and the older triton keep the count (same modules)', () => {
    for (const impl of ['torch', 'flash', 'triton']) {
      // MPT-1B as scripts/train/yamls/pretrain/mpt-1b.yaml: tied 50368 × 2048, 2048 learned positions.
      assert.equal(analyze(mpt(impl)).analysis?.params?.total, 1_315_950_592, impl);
    }
  });
});
