import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countParams } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { readLayout } from '../../registry';
import { gptNeoxReader } from './reader';
import { readFileSync } from 'node:fs';
import { SHARED_SKIP, loadManifest } from '../../../../../test/helpers';

/**
 * Third-party GPT-NeoX configs (forks and labs' training repos): chandar-lab/continual-pretraining@f6490d48
 * configs/slurm_125M.yml and configs/pythia/410M.yml, ZhiYuanZeng/gpt-moe@da6dcc68 configs/dense/*.yml
 * and configs/moe/**, EleutherAI/gpt-neox@7548a8b7 configs/mistral/7B.yml (the era of those files).
 * Snippets are modelled on them, not copied.
 */
const specOf = (text: string): RunSpec => {
  const result = gptNeoxReader.read(text, {});
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
};
const messages = (spec: RunSpec) => spec.diagnostics.map((d) => d.message).join('\n');

describe('GPT-NeoX configs from third-party repos', () => {
  it('mlp_type llama with intermediate_size: the per-branch width as written (was int(x·2/3)//2 → 4864)', () => {
    // LLaMAParallelMLP before 0d4bdb96 (EleutherAI/gpt-neox@7548a8b7 megatron/model/transformer.py:186):
    // w1, w3: h → intermediate_size, w2 back, all bias-free. Mistral 7B as NeoX configured it then.
    const spec = specOf(`{
      "pipe_parallel_size": 1, "model_parallel_size": 1, "make_vocab_size_divisible_by": 1,
      "num_layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
      "num_attention_heads": 32, "num_kv_heads": 8, "seq_length": 4096, "max_position_embeddings": 131072,
      "pos_emb": "rotary", "rotary_pct": 1, "no_weight_tying": true, "norm": "rmsnorm",
      "attention_config": [[["flash"], 32]],
      "use_bias_in_norms": false, "use_bias_in_attn_linear": false,
      "mlp_type": "llama", "activation": "silu", "tokenizer_type": "SPMTokenizer",
    }`);
    assert.equal(spec.architecture?.ffnSize, 14336);
    // 32 × (2·4096² + 2·4096·1024 + 3·4096·14336 + 2·4096) + 4096 + 2·32000·4096 (Mistral-7B-v0.1).
    assert.equal(countParams(spec.architecture!).total, 7_241_732_096);
  });

  it('mlp_type llama with intermediate_size and GPT-NeoX defaults elsewhere (biased attention, LayerNorm)', () => {
    // Shape of chandar-lab/continual-pretraining@f6490d48 configs/slurm_125M.yml, scaled down.
    const spec = specOf(`{
      "num_layers": 2, "hidden_size": 512, "num_attention_heads": 8, "intermediate_size": 1408,
      "seq_length": 2048, "max_position_embeddings": 2048, "pos_emb": "rotary", "no_weight_tying": true,
      "mlp_type": "llama", "vocab_size": 1024,
    }`);
    // layer: 4h² + 4h (attn biases) + 3·h·1408 (no MLP biases) + 2·2h (LayerNorms); + 2h final + 2·1024·h.
    const h = 512;
    const layer = 4 * h * h + 4 * h + 3 * h * 1408 + 4 * h;
    assert.equal(countParams(spec.architecture!).total, 2 * layer + 2 * h + 2 * 1024 * h);
  });

  it('model_parallel_size 0 is one rank, as calculate_derived makes it (was: N not counted)', () => {
    // ZhiYuanZeng/gpt-moe@da6dcc68 configs/dense/pythia_1b_raw.yml writes "model-parallel-size": 0 with
    // "pipe-parallel-size": 0; arguments.py calculate_derived: mp_size = mp_size if mp_size >= 1 else 1.
    const text = `{
      "pipe-parallel-size": 0, "model-parallel-size": 0,
      "num-layers": 16, "hidden-size": 2048, "num-attention-heads": 8, "seq-length": 2048,
      "max-position-embeddings": 2048, "pos-emb": "rotary", "rotary-pct": 0.25, "no-weight-tying": true,
      "gpt-j-residual": true, "output-layer-parallelism": "column",
      "train_micro_batch_size_per_gpu": 16, "gradient_accumulation_steps": 1, "train-iters": 143000,
      "tokenizer-type": "HFTokenizer", "vocab-file": "20B_tokenizer.json",
    }`;
    const spec = specOf(text);
    // Pythia-1B (EleutherAI/pythia-1b): 1,011,781,632 parameters; 50277 tokens padded to 128 → 50304.
    assert.equal(countParams(spec.architecture!).total, 1_011_781_632);
    assert.equal(spec.architecture?.vocabSize, 50304);
    assert.doesNotMatch(messages(spec), /model-parallel-size/);
    const layout = readLayout('gpt-neox', text, {}, 64)!;
    assert.equal(layout.tensorParallel, 1);
  });

  it("a MoE key of a fork's MoE (moe_freq): N unknown naming it (was 36.8B, every layer MoE)", () => {
    // ZhiYuanZeng/gpt-moe@da6dcc68 configs/moe/**: its own DeepSpeed-style MoE (moe_freq, ep_world_size,
    // moe_min_capacity, moe_aux_loss_weight) that upstream NeoXArgs does not define.
    const spec = specOf(`{
      "num_layers": 32, "hidden_size": 4096, "num_attention_heads": 32, "seq_length": 2048,
      "max_position_embeddings": 2048, "pos_emb": "rotary", "no_weight_tying": true, "norm": "rmsnorm",
      "mlp_type": "llama", "activation": "silu", "tokenizer_type": "SPMTokenizer",
      "train_batch_size": 256, "train_iters": 10000,
      "moe_num_experts": 8, "ep_world_size": 8, "moe_top_k": 2, "moe_min_capacity": 0, "moe_freq": 2,
      "moe_aux_loss_weight": { "load_balance": 0.01 },
    }`);
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: `moe_freq` is not a key of GPT-NeoX's MoE/);
    // D does not depend on the MoE: 10000 × 256 × 2048.
    assert.equal(spec.training.tokens, 10000 * 256 * 2048);
  });

  it('a key only the MoE before May 2025 had (moe_min_capacity) is that MoE, not the current one', () => {
    const spec = specOf(`{
      "num_layers": 12, "hidden_size": 768, "num_attention_heads": 12, "seq_length": 2048,
      "max_position_embeddings": 2048, "pos_emb": "rotary", "moe_num_experts": 8, "moe_min_capacity": 4,
    }`);
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: `moe_min_capacity` is a key of GPT-NeoX's MoE before May 2025/);
  });
  it('global_num_gpus written in the file decides DP over a stale comment (was 96 GPUs from "assuming 96 GPUs")', () => {
    // lumosity4tpj/Neox-LLM@201fcaab custom_configs/llama/7B_sft_alpaca_gpt4_global.yml; calculate_derived
    // uses a set global_num_gpus instead of counting GPUs (arguments.py:892 @ea7aefd8): DP = 8 / (4 × 2) = 1.
    const spec = specOf(`{
      "pipe-parallel-size": 2, "model-parallel-size": 4, "global_num_gpus": 8,
      "num-layers": 2, "hidden-size": 512, "num-attention-heads": 8, "seq-length": 2048,
      "max-position-embeddings": 2048, "pos-emb": "rotary",
      # batch / data settings (assuming 96 GPUs)
      "train_micro_batch_size_per_gpu": 16, "gradient_accumulation_steps": 8, "train-iters": 200,
    }`);
    assert.equal(spec.training.tokens, 200 * 16 * 8 * 1 * 2048);
    assert.equal(spec.training.gpus, 8);
  });
  it('a model-shape key no NeoX version defines (num_key_value_heads): N unknown naming it (was 65.3B, MHA)', () => {
    // lumosity4tpj/Neox-LLM@201fcaab custom_configs/llama2/70B_reset_mask_global.yml: the fork's own
    // num_key_value_heads / ffn_dim_multiplier / multiple_of, which upstream NeoXArgs(**config) refuses.
    const spec = specOf(`{
      "num-layers": 80, "hidden-size": 8192, "num-attention-heads": 64, "num_key_value_heads": 8,
      "ffn_dim_multiplier": 1.3, "multiple_of": 4096, "seq-length": 4096, "max-position-embeddings": 4096,
      "norm": "rmsnorm", "pos-emb": "rotary", "no-weight-tying": true, "mlp_type": "llama", "activation": "silu",
      "train_micro_batch_size_per_gpu": 1, "gradient_accumulation_steps": 64, "train-iters": 200,
    }`);
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: `num_key_value_heads` is not a GPT-NeoX argument/);
  });
});

describe('Python sources are not GPT-NeoX configs', () => {
  // EleutherAI/gpt-neox@ea7aefd8 megatron/neox_arguments/neox_args.py: dataclass fields with
  // docstrings; the lenient YAML parser recovered `pipe_parallel_size:` / `num_layers:` … from it and
  // every lens read "unknown".
  const source = [
    'class NeoXArgsParallelism(NeoXArgsTemplate):',
    '    """',
    '    Parallelism Arguments',
    '    """',
    '    pipe_parallel_size: int = 0',
    'class NeoXArgsModel(NeoXArgsTemplate):',
    '    """',
    '    Model Arguments',
    '    """',
    '    num_layers: int = None',
    '    """',
    '    Number of transformer layers.',
    '    """',
    '    hidden_size: int = None',
    '    """',
    '    Transformer hidden size.',
    '    """',
    '    num_attention_heads: int = None',
  ].join('\n');

  it('is not recognised, with or without a .py path', () => {
    assert.equal(gptNeoxReader.detect(source, '/repo/megatron/neox_arguments/neox_args.py'), 0);
    assert.equal(gptNeoxReader.detect(source, undefined), 0);
  });

  it('a NeoX YAML is still recognised', () => {
    const yaml =
      '{\n  "num-layers": 2, "hidden-size": 64, "num-attention-heads": 4, "seq-length": 128,\n  "pos-emb": "rotary",\n}';
    assert.ok(gptNeoxReader.detect(yaml, '/repo/configs/small.yml') >= 0.5);
  });
});

describe('GPT-NeoX TransformerEngine blocks (te_mha, te_layernorm_mlp: gpt-neox@ea7aefd8 transformer_engine.py)', () => {
  // Shaped like EleutherAI/gpt-neox@ea7aefd8 configs/1-3B-transformer-engine.yml, scaled down.
  const config = (extra: string) =>
    specOf(`{
      "pipe_parallel_size": 1, "model_parallel_size": 1,
      "num_layers": 2, "hidden_size": 256, "num_attention_heads": 4, "seq_length": 512,
      "max_position_embeddings": 512, "norm": "layernorm", "pos_emb": "rotary", "no_weight_tying": true,
      "tokenizer_type": "HFTokenizer", "vocab_file": "data/20B_tokenizer.json",
      ${extra}
    }`);
  const h = 256;
  // Attention 4h² + 4h (biases), MLP 8h² + 4h + h (biases), two LayerNorms 2·2h; untied 50304·h twice.
  const layer = 4 * h * h + 4 * h + (8 * h * h + 5 * h) + 4 * h;
  const expected = 2 * layer + 2 * h + 2 * 50304 * h;

  it('te_mha + te_layernorm_mlp with gelu: the same shapes as NeoX’s own blocks (was unknown)', () => {
    const spec = config('"te_mha": true, "te_layernorm_mlp": true');
    assert.equal(countParams(spec.architecture!).total, expected);
    assert.equal(countParams(config('').architecture!).total, expected);
  });

  it('te_mha builds attention biases (bias=True) even with use_bias_in_attn_linear: false', () => {
    const spec = config('"te_mha": true, "use_bias_in_attn_linear": false');
    assert.equal(countParams(spec.architecture!).total, expected);
    assert.match(spec.assumptions.join('\n'), /bias=True whatever use_bias_in_attn_linear says/);
    assert.equal(
      countParams(config('"use_bias_in_attn_linear": false').architecture!).total,
      expected - 2 * 4 * h,
    );
  });

  it('te_layernorm_mlp with a gated activation is unknown: its width changed with the NeoX version', () => {
    const spec = config('"te_layernorm_mlp": true, "activation": "swiglu"');
    assert.equal(spec.architecture, undefined);
    assert.match(
      messages(spec),
      /width depends on the GPT-NeoX version \(2\/3 rule and rounding from 8900d05c until 21fa24f9/,
    );
  });

  it('te_layernorm_mlp with an odd width or with MoE layers is unknown', () => {
    const odd = config('"te_layernorm_mlp": true, "intermediate_size": 1001');
    assert.equal(odd.architecture, undefined);
    assert.match(messages(odd), /width of 1001, not a multiple of 2 × mlp_multiple_of/);
    const moe = config('"te_layernorm_mlp": true, "moe_num_experts": 4, "moe_top_k": 1');
    assert.equal(moe.architecture, undefined);
    assert.match(messages(moe), /te_layernorm_mlp with MoE layers/);
    // The same MoE config without TransformerEngine is counted.
    assert.ok(config('"moe_num_experts": 4, "moe_top_k": 1').architecture);
  });
});

describe('GPT-NeoX te_fp8_mha memory', () => {
  it('makes memory per GPU unknown naming te_fp8_mha (fp8_autocast), the count unchanged', () => {
    const text = `{
      "pipe_parallel_size": 1, "model_parallel_size": 1, "num_layers": 2, "hidden_size": 256,
      "num_attention_heads": 4, "seq_length": 512, "max_position_embeddings": 512, "norm": "layernorm",
      "pos_emb": "rotary", "tokenizer_type": "HFTokenizer", "vocab_file": "data/20B_tokenizer.json",
      "train_micro_batch_size_per_gpu": 4, "zero_optimization": {"stage": 1}, "fp16": {"enabled": true},
      "te_fp8_mha": true
    }`;
    const layout = readLayout('gpt-neox', text, {}, 8);
    assert.ok(layout?.unmodelled?.some((entry) => entry.key === 'te_fp8_mha'));
    assert.ok(specOf(text).architecture);
  });
});

describe('TransformerEngine blocks against a real reference (../shared configs-b gpt-neox/125M.yml)', () => {
  it(
    'te_mha + te_layernorm_mlp on the corpus 125M config still give its manifest count',
    { skip: SHARED_SKIP },
    () => {
      // 125M is gelu + LayerNorm with biases: TE's attention and LayerNormMLP have the same shapes, so
      // the count must stay the manifest's (derived from NeoX's own model code).
      const [entry] = loadManifest('configs-b').filter((e) => e.file === 'gpt-neox/125M.yml');
      const text = readFileSync(entry.path, 'utf8').replace(
        '"num_layers": 12,',
        '"num_layers": 12, "te_mha": true, "te_layernorm_mlp": true,',
      );
      assert.ok(text.includes('"te_layernorm_mlp": true'));
      assert.equal(countParams(specOf(text).architecture!).total, entry.params_total);
    },
  );
});
