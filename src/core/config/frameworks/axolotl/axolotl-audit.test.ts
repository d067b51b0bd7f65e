import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readLayout } from '../../registry';

/**
 * Audit of the Axolotl reader and layout against axolotl-ai-cloud/axolotl@067b021c. Each config is
 * a trimmed upstream example (path given); each expectation cites the upstream function it follows.
 */

/** The keys shared by the configs below (examples/llama-3/fft-8b.yaml, trimmed). */
const BASE = `base_model: NousResearch/Meta-Llama-3-8B
datasets:
  - path: tatsu-lab/alpaca
    type: alpaca
sequence_len: 8192
sample_packing: true
micro_batch_size: 1
num_epochs: 1
optimizer: adamw_torch_fused
bf16: auto
gradient_checkpointing: true
`;

const unmodelledKeys = (text: string, gpus?: number) =>
  (readLayout('axolotl', text, {}, gpus)?.unmodelled ?? []).map((u) => u.key);

const analyze = (text: string) =>
  analyzeText(text, { path: 'config.yml' }, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 }).analysis!;

describe('Axolotl audit (axolotl@067b021c)', () => {
  it('batch_size without gradient_accumulation_steps gives batch_size // micro_batch_size accumulation steps', () => {
    // examples/archived/falcon/config-7b.yml: batch_size 2, micro_batch_size 1, no accumulation key.
    // utils/config/__init__.py normalize_config: gradient_accumulation_steps = batch_size // micro_batch_size.
    const micro = 3;
    const batch = 8;
    const accum = Math.floor(batch / micro); // 2
    const text = BASE.replace('micro_batch_size: 1', `micro_batch_size: ${micro}\nbatch_size: ${batch}`);
    const a = analyze(text);
    assert.equal(a.spec.training.globalBatchSeqs, micro * accum);
    assert.equal(readLayout('axolotl', text, {}, 8)!.gradAccum, accum);
    // gradient_accumulation_steps, when set, wins (normalize_config's `or`).
    const both = `${text}gradient_accumulation_steps: 5\n`;
    assert.equal(analyze(both).spec.training.globalBatchSeqs, micro * 5);
  });

  it('float16 / bfloat16 set the load dtype (resolve_dtype), so float16 is no longer shown as fp32 memory', () => {
    // examples/archived/pythia-12b/config.yml: bf16 false, fp16 false, float16 true.
    // resolve_dtype: `elif cfg.load_in_8bit or cfg.fp16 or cfg.float16: torch_dtype = float16`.
    const fp = BASE.replace('bf16: auto', 'bf16: false\nfp16: false\nfloat16: true');
    assert.deepEqual(unmodelledKeys(fp, 8), ['float16']);
    assert.equal(analyze(fp).memory, null);
    // resolve_dtype: `if cfg.bf16 or cfg.bfloat16: torch_dtype = bfloat16` (examples/phi/lora-3.5.yaml).
    const bf = BASE.replace('bf16: auto', 'bfloat16: true');
    const l = readLayout('axolotl', bf, {}, 8)!;
    assert.equal(l.precision, 'bf16-pure');
    assert.equal(l.sources.precision?.key, 'bfloat16');
    // resolve_dtype: `if cfg.bf16: cfg.fp16 = False`, so bf16 true beats fp16 true.
    const both = BASE.replace('bf16: auto', 'bf16: true\nfp16: true');
    assert.equal(readLayout('axolotl', both, {}, 8)!.precision, 'bf16-pure');
    assert.deepEqual(unmodelledKeys(both, 8), []);
  });

  it('unfrozen_parameters drops the adapter count and the memory (train.py freeze_layers_except)', () => {
    // examples/gemma3/gemma-3-1b-qlora.yml: qlora + lora_target_linear + unfrozen_parameters.
    // freeze_layers_except sets requires_grad = False on every parameter not matching the
    // patterns, the LoRA A/B included, so r·(in + out) per linear is no longer the trainable count.
    const lora = `${BASE}adapter: lora\nlora_r: 16\nlora_target_linear: true\n`;
    assert.ok(analyze(lora).spec.trainableParams, 'the adapter is counted without the key');
    const frozen = `${lora}unfrozen_parameters:\n  - ^lm_head.*\n`;
    const a = analyze(frozen);
    assert.equal(a.spec.trainableParams, undefined);
    assert.ok(a.diagnostics.some((d) => d.code === 'lora-unknown' && /unfrozen_parameters/.test(d.message)));
    // Full fine-tune: only the matching parameters get gradients and optimizer states.
    const full = `${BASE}unfrozen_parameters:\n  - ^lm_head.*\n`;
    assert.deepEqual(unmodelledKeys(full, 8), ['unfrozen_parameters']);
    assert.equal(analyze(full).memory, null);
  });

  it('rl: memory unknown (a second model for the reference) and no max_steps token bound', () => {
    // train.py setup_reference_model: `if cfg.rl and cfg.rl != RLType.ORPO` without an adapter,
    // ModelLoader(...).load() loads the model a second time. examples/qwen2/dpo.yaml is full-FT DPO.
    const dpo = `${BASE}rl: dpo\nmax_steps: 100\n`;
    assert.deepEqual(unmodelledKeys(dpo, 8), ['rl']);
    const a = analyze(dpo);
    assert.equal(a.memory, null);
    assert.equal(a.tokens, null);
    // DPO forwards chosen + rejected per row: steps × micro × seq is not a bound, so it is not shown.
    assert.ok(a.missing.some((m) => /rl dpo: rows are preference pairs/.test(m)));
    assert.ok(!a.missing.some((m) => /at most/.test(m)));
    // Without rl the bound is steps × micro_batch_size × accumulation × sequence_len = 100·1·1·8192.
    const sft = analyze(`${BASE}max_steps: 100\n`);
    assert.ok(
      sft.missing.some((m) => m.includes(`at most ${(100 * 1 * 1 * 8192).toLocaleString('en-US')} tokens`)),
    );
  });

  it('LISA, fp8, expert parallelism and a dp_shard_size other than the GPU count make memory unknown', () => {
    // examples/llama-2/lisa.yml (LISAConfig.lisa_n_layers: layers trained at a time).
    assert.deepEqual(unmodelledKeys(`${BASE}lisa_n_layers: 4\nlisa_step_interval: 20\n`, 8), [
      'lisa_n_layers',
    ]);
    // examples/llama-3/3b-fp8-fsdp2.yaml (config.py fp8).
    assert.deepEqual(unmodelledKeys(`${BASE}fp8: true\n`, 8), ['fp8']);
    // examples/expert_parallel/qwen3_30ba3b_ep_fft_4gpu.yaml (integrations/expert_parallel/plugin.py).
    assert.deepEqual(unmodelledKeys(`${BASE}expert_parallel_size: 4\n`, 4), ['expert_parallel_size']);
    // config.py dp_shard_size: "Number of devices to shard across. If not set, will use all available devices."
    const fsdp = `${BASE}fsdp_version: 2\nfsdp_config:\n  reshard_after_forward: true\n`;
    assert.deepEqual(unmodelledKeys(`${fsdp}dp_shard_size: 2\n`, 8), ['dp_shard_size']);
    assert.deepEqual(unmodelledKeys(`${fsdp}dp_shard_size: 8\n`, 8), []);
    assert.deepEqual(unmodelledKeys(`${fsdp}dp_replicate_size: 2\n`, 8), ['dp_replicate_size']);
  });

  describe('adapter trainable count (loaders/adapter.py _build_peft_lora_config; peft@v0.19.1)', () => {
    // NousResearch/Meta-Llama-3-8B: d 4096, 32 heads × 128, 8 kv heads, ffn 14336, 32 layers,
    // vocab 128256, untied embeddings (its config.json).
    const [d, q, kv, f, layers, vocab] = [4096, 4096, 1024, 14336, 32, 128256];
    const r = 16;
    // peft LoraLayer: lora_A (r × in) + lora_B (out × r) per adapted linear.
    const perLayer = r * (d + q + 2 * (d + kv) + (q + d) + 2 * (d + f) + (f + d));
    const allLinear = layers * perLayer;
    const lora = `${BASE}adapter: lora\nlora_r: ${r}\nlora_target_linear: true\n`;

    it('counts r·(in + out) over every linear but lm_head (find_all_linear_names); rsLoRA adds nothing', () => {
      assert.deepEqual(analyze(lora).spec.trainableParams, { count: allLinear, method: 'LoRA rank 16' });
      // _build_lora_config_kwargs: use_rslora only changes the scale lora_alpha / sqrt(r).
      assert.equal(analyze(`${lora}peft_use_rslora: true\n`).spec.trainableParams?.count, allLinear);
    });

    it('lora_target_linear takes the union with lora_target_modules, so an extra target is not dropped', () => {
      // _build_peft_lora_config: list(set(lora_target_modules_as_list + linear_names)).
      const same = analyze(`${lora}lora_target_modules:\n  - q_proj\n`).spec.trainableParams;
      assert.equal(same?.count, allLinear);
      const extra = analyze(`${lora}lora_target_modules:\n  - lm_head\n`);
      assert.equal(extra.spec.trainableParams, undefined);
      assert.ok(extra.diagnostics.some((x) => x.code === 'lora-unknown' && /lm_head/.test(x.message)));
    });

    it('a string lora_target_modules is a regex over full names (peft check_target_module_exists), not a module name', () => {
      const text = `${BASE}adapter: lora\nlora_r: ${r}\nlora_target_modules: q_proj\n`;
      const a = analyze(text);
      assert.equal(a.spec.trainableParams, undefined);
      assert.ok(a.diagnostics.some((x) => x.code === 'lora-unknown' && /regex/.test(x.message)));
    });

    it('lora_modules_to_save adds a trained copy of each module (ModulesToSaveWrapper.update deepcopy)', () => {
      const text = `${lora}lora_modules_to_save:\n  - embed_tokens\n  - lm_head\n`;
      // embed_tokens: nn.Embedding(vocab, d); lm_head: nn.Linear(d, vocab, bias=False).
      assert.deepEqual(analyze(text).spec.trainableParams, {
        count: allLinear + vocab * d + vocab * d,
        method: 'LoRA rank 16 + embed_tokens, lm_head',
      });
      // The copies are taken after _resize_token_embeddings, whose rows special_tokens can change.
      const tokens = analyze(`${text}special_tokens:\n  pad_token: "<|end_of_text|>"\n`);
      assert.equal(tokens.spec.trainableParams, undefined);
      // Tied embeddings (Llama-3.2-1B): the copies depend on peft_ensure_weight_tying.
      const tied = analyze(text.replace('NousResearch/Meta-Llama-3-8B', 'meta-llama/Llama-3.2-1B'));
      assert.equal(tied.spec.trainableParams, undefined);
      assert.ok(tied.diagnostics.some((x) => x.code === 'lora-unknown' && /tied/.test(x.message)));
    });

    it('peft_trainable_token_indices, lora_exclude_modules and peft_layer_replication drop the count', () => {
      for (const [key, value] of [
        ['peft_trainable_token_indices', '[128000, 128001]'],
        ['lora_exclude_modules', '[down_proj]'],
        ['peft_layer_replication', '[[0, 16], [8, 24]]'],
      ] as const) {
        const a = analyze(`${lora}${key}: ${value}\n`);
        assert.equal(a.spec.trainableParams, undefined, key);
        assert.ok(
          a.diagnostics.some((x) => x.code === 'lora-unknown' && x.message.includes(key)),
          key,
        );
      }
    });
  });

  it("special_tokens: N is the checkpoint's, with the most new rows could add stated", () => {
    // loaders/tokenizer.py add_special_tokens per value; loaders/model.py _resize_token_embeddings grows
    // the embedding (and the untied LM head) to len(tokenizer). examples/mistral/dpo/mistral-dpo-qlora.yml
    // sets bos/eos to ChatML tokens. Meta-Llama-3-8B: d 4096, untied → at most 2 tokens × 2 × 4096.
    const a = analyze(`${BASE}special_tokens:\n  bos_token: "<|im_start|>"\n  eos_token: "<|im_end|>"\n`);
    assert.equal(a.params?.total, 8_030_261_248);
    const note = a.diagnostics.find((x) => x.code === 'special-tokens-resize');
    assert.ok(note);
    assert.ok(
      note.message.includes(`at most +${(2 * 2 * 4096).toLocaleString('en-US')} parameters`),
      note.message,
    );
  });
});
