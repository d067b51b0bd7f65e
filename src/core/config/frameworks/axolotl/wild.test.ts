import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';

/**
 * Third-party Axolotl configs (forks LZY-the-boys/axolotl@c892a0fe and z7ye/axolotl@139281b9
 * examples/**.yml, modal-labs/llm-finetuning@9e97704 config/*.yml). `tokenizer_config` names "a
 * different tokenizer than the one defined in the base model" (axolotl@067b021c
 * src/axolotl/utils/schemas/model.py), e.g. examples/mamba/config.yml of both forks
 * (`tokenizer_config: EleutherAI/gpt-neox-20b`); loaders/model.py _resize_token_embeddings then grows
 * the embedding to len(tokenizer) when that exceeds its rows, so the base checkpoint's N holds only
 * when that tokenizer fits.
 */
const config = (tokenizer: string | undefined) =>
  [
    'base_model: NousResearch/Llama-2-7b-hf',
    'model_type: LlamaForCausalLM',
    'tokenizer_type: LlamaTokenizer',
    ...(tokenizer === undefined ? [] : [`tokenizer_config: ${tokenizer}`]),
    'load_in_8bit: true',
    'datasets:',
    '  - path: mhenrichsen/alpaca_2k_test',
    '    type: alpaca',
    'sequence_len: 4096',
    'sample_packing: true',
    'adapter: lora',
    'lora_r: 32',
    'lora_alpha: 16',
    'lora_target_linear: true',
    'micro_batch_size: 2',
    'gradient_accumulation_steps: 4',
    'num_epochs: 4',
    '',
  ].join('\n');

const analyze = (text: string) => analyzeText(text, { path: 'lora.yml' }, DEFAULT_ANALYSIS_SETTINGS);

/** Llama-2-7B (config.json): 32 × (4·4096² + 3·4096·11008 + 2·4096) + 2·32000·4096 + 4096. */
const LLAMA2_7B = 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096) + 2 * 32000 * 4096 + 4096;

describe('Axolotl configs from third-party repos: tokenizer_config', () => {
  it('an unknown tokenizer_config makes N unknown, naming the key (was the base checkpoint N)', () => {
    const { analysis, diagnostics } = analyze(config('my-org/llama-2-chatml-tokenizer'));
    assert.ok(analysis);
    assert.equal(analysis.params, null);
    assert.ok(
      diagnostics.some(
        (d) =>
          d.code === 'not-modelled-key' &&
          /^unknown: tokenizer_config = my-org\/llama-2-chatml-tokenizer/.test(d.message) &&
          /_resize_token_embeddings/.test(d.message),
      ),
      diagnostics.map((d) => d.message).join('\n'),
    );
    assert.match(analysis.paramsMissing.join('\n'), /tokenizer_config/);
  });

  it('a known checkpoint with more embedding rows makes N unknown (Llama-3 tokenizer on Llama-2)', () => {
    const { analysis, diagnostics } = analyze(config('meta-llama/Meta-Llama-3-8B'));
    assert.ok(analysis);
    assert.equal(analysis.params, null);
    assert.ok(
      diagnostics.some((d) => /unknown: tokenizer_config = meta-llama\/Meta-Llama-3-8B/.test(d.message)),
    );
  });

  it("the base model's own tokenizer, or one that fits its rows, keeps N", () => {
    for (const tokenizer of [
      undefined,
      'NousResearch/Llama-2-7b-hf',
      'NousResearch/Llama-2-7b-hf/',
      'meta-llama/Llama-2-7b-chat-hf',
    ]) {
      const { analysis } = analyze(config(tokenizer));
      assert.ok(analysis);
      assert.equal(analysis.params?.total, LLAMA2_7B, String(tokenizer));
      // LoRA rank 32 on q, k, v, o (4096 → 4096) and gate, up (4096 → 11008), down (11008 → 4096).
      assert.equal(
        analysis.spec.trainableParams?.count,
        32 * 32 * (4 * (4096 + 4096) + 3 * (4096 + 11008)),
        String(tokenizer),
      );
    }
  });
});

/**
 * FasterDecoding/Medusa issue #85 (llama2_7b_stage1.yml, trimmed), written for the Medusa authors'
 * fork ctlllll/axolotl@76bc572d (examples/medusa/vicuna_7b_qlora_stage1.yml with another base):
 * `medusa_num_heads` is not in Axolotl's schema, but the fork's load_model calls
 * monkeypatch/medusa_utils.py add_medusa_heads — per head `[ResBlock(d)] * medusa_num_layers` (one
 * shared Linear(d, d) + bias) and Linear(d, vocab) — so the model is not the checkpoint.
 */
const medusa = (heads: string | undefined) =>
  [
    'base_model: Llama-2-7b-hf',
    'base_model_config: Llama-2-7b-hf',
    'model_type: LlamaForCausalLM',
    'tokenizer_type: LlamaTokenizer',
    'load_in_4bit: true',
    'datasets:',
    '  - path: ./ShareGPT_V4.3_unfiltered_cleaned_split.json',
    '    type: sharegpt',
    'sequence_len: 4096',
    'sample_packing: true',
    'gradient_accumulation_steps: 4',
    'micro_batch_size: 2',
    'num_epochs: 2',
    ...(heads === undefined
      ? []
      : [`medusa_num_heads: ${heads}`, 'medusa_num_layers: 1', 'medusa_only_heads: true']),
    '',
  ].join('\n');

describe('Axolotl configs from third-party repos: the Medusa fork', () => {
  it('medusa_num_heads makes N unknown, naming the key and the heads it adds (was Llama-2-7B)', () => {
    const { analysis, diagnostics } = analyze(medusa('5'));
    assert.ok(analysis);
    assert.equal(analysis.params, null);
    assert.equal(analysis.memory, null);
    // 5 × (4096² + 4096 + 4096 × 32000): one shared ResBlock and a vocab projection per head.
    const heads = 5 * (4096 * 4096 + 4096 + 4096 * 32000);
    assert.ok(
      diagnostics.some(
        (d) =>
          d.code === 'not-modelled-key' &&
          /^unknown: medusa_num_heads = 5/.test(d.message) &&
          d.message.includes(heads.toLocaleString('en-US')),
      ),
      diagnostics.map((d) => d.message).join('\n'),
    );
    assert.match(analysis.paramsMissing.join('\n'), /medusa_num_heads/);
  });

  it('without it the checkpoint N stands', () => {
    assert.equal(analyze(medusa(undefined)).analysis?.params?.total, LLAMA2_7B);
  });
});

/**
 * The same issue's llama2_7b_stage2.yml (and ctlllll/axolotl@76bc572d examples/medusa/
 * vicuna_7b_qlora_stage2.yml) continues from the stage-1 adapter with `lora_model_dir:
 * ./Llama2_7b_qlora_stage1`. loaders/adapter.py load_lora (axolotl@067b021c): `if cfg.lora_model_dir:`
 * PeftModel.from_pretrained(model, cfg.lora_model_dir, is_trainable=True) — the saved
 * adapter_config.json sets rank and targets, so lora_r / lora_target_modules do not give the count.
 */
describe('Axolotl configs from third-party repos: lora_model_dir', () => {
  const lora = (dir: string) => config(undefined).replace('lora_r: 32', `lora_r: 32\nlora_model_dir: ${dir}`);

  it('a saved adapter leaves the trainable count unknown (was rank 32 over every linear)', () => {
    const { analysis, diagnostics } = analyze(lora('./Llama2_7b_qlora_stage1'));
    assert.ok(analysis);
    assert.equal(analysis.params?.total, LLAMA2_7B);
    assert.equal(analysis.spec.trainableParams, undefined);
    assert.ok(
      diagnostics.some((d) => d.code === 'lora-unknown' && /lora_model_dir/.test(d.message)),
      diagnostics.map((d) => d.message).join('\n'),
    );
  });

  it('an empty lora_model_dir (the examples’ placeholder) keeps the count', () => {
    assert.equal(
      analyze(lora('')).analysis?.spec.trainableParams?.count,
      32 * 32 * (4 * (4096 + 4096) + 3 * (4096 + 11008)),
    );
  });
});
