import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hfConfigReader, hfConfigToArchitecture, readHfConfigObject } from './reader';
import { HF_CONFIG_INVENTORY } from './inventory';
import { HF_FAMILY_LIST } from './models';
import type { InventoryEntry, InventoryValue } from '../../inventory';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import type { ReadContext, RunSpec, SourceRange } from '../../../types';
import {
  REPO_ROOT,
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
  readSpecAs,
  textAt,
} from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';

const readSpec = (text: string, context: ReadContext): RunSpec => readSpecAs('hf-config', text, context);

describe('HF config.json reader on the shared corpus', { skip: SHARED_SKIP }, () => {
  const entries = SHARED_SKIP
    ? []
    : [...loadManifest('configs'), ...loadManifest('configs-b')].filter(
        (e) => e.framework === 'hf-transformers',
      );
  it('has HF entries to check', () => assert.ok(entries.length >= 18));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active != null) {
        assert.equal(counts.active, entry.params_active);
        assert.equal(counts.activeNonEmbedding, entry.params_active_non_embedding);
      }
      assert.equal(spec.architecture!.tiedEmbeddings, entry.tied_embeddings);
      assert.equal(spec.architecture!.vocabSize, entry.vocab_size);
      // config.json has no training length: D stays unknown, without an error.
      assert.equal(spec.training.tokens, undefined);
      assert.ok(spec.training.missing?.some((m) => m.includes('training length')));
      assert.ok(!spec.diagnostics.some((d) => d.severity === 'error'));
    });
  }
});

describe('HF config.json reader on its own fixtures', () => {
  it('counts a Qwen3-MoE with a dense first layer (mlp_only_layers) and active params', () => {
    const spec = readSpec(fixture('hf-config', 'qwen3-moe-tiny', 'config.json'), {
      path: fixturePath('hf-config', 'qwen3-moe-tiny', 'config.json'),
    });
    const counts = countParams(spec.architecture!);
    // Layer 0 dense (3·512·1024), layers 1-3: 16 experts of 3·512·256 + router 512·16; QK norm 2·64.
    assert.equal(counts.total, 55_866_368);
    assert.equal(counts.nonEmbedding, 23_098_368);
    assert.equal(counts.active, 41_710_592);
    assert.equal(counts.activeNonEmbedding, 8_942_592);
    assert.equal(spec.architecture!.moe!.moeLayers, 3);
    assert.equal(spec.architecture!.qkNorm, 'head');
  });

  it('ties Gemma embeddings by default and counts them once', () => {
    const spec = readSpec(fixture('hf-config', 'gemma-2b', 'config.json'), {});
    assert.equal(spec.architecture!.tiedEmbeddings, true);
    // google/gemma-2b official count.
    assert.equal(countParams(spec.architecture!).total, 2_506_172_416);
    assert.equal(countParams(spec.architecture!).nonEmbedding, 1_981_884_416);
  });

  it('counts Phi-2 with one shared LayerNorm per block and an lm_head bias', () => {
    const spec = readSpec(fixture('hf-config', 'phi-2', 'config.json'), {});
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 2_779_683_840);
    assert.equal(counts.nonEmbedding, 2_517_488_640);
    assert.equal(spec.modelName, 'microsoft/phi-2');
  });

  it('reports the missing training length as information, not an error', () => {
    const spec = readSpec(fixture('hf-config', 'gemma-2b', 'config.json'), {});
    const info = spec.diagnostics.find((d) => d.code === 'no-training-length');
    assert.equal(info?.severity, 'info');
    assert.equal(spec.training.tokens, undefined);
  });

  it('uses the config class defaults for absent keys', () => {
    const text = JSON.stringify({ architectures: ['GPT2LMHeadModel'], model_type: 'gpt2' });
    const spec = readSpec(text, { path: 'config.json' });
    assert.equal(countParams(spec.architecture!).total, 124_439_808);
  });
});

describe('HF config.json recognition', () => {
  it('does not claim package.json, tsconfig.json or other JSON/YAML', () => {
    const samples = [
      readFileSync(`${REPO_ROOT}/package.json`, 'utf8'),
      readFileSync(`${REPO_ROOT}/tsconfig.json`, 'utf8'),
      '{"train_batch_size": 512, "train_micro_batch_size_per_gpu": 8, "zero_optimization": {"stage": 1}}',
      '{"model_type": 42, "architectures": []}',
      'model_type: llama\narchitectures: [LlamaForCausalLM]\n',
    ];
    for (const text of samples) {
      assert.ok(hfConfigReader.detect(text, 'config.json') < 0.5, text.slice(0, 40));
    }
    assert.equal(readRunConfig(samples[0], { path: 'package.json' }).kind, 'not-a-run-config');
  });

  it('recognizes config.json by model_type and architectures, whatever the folder name', () => {
    const text = fixture('hf-config', 'phi-2', 'config.json');
    assert.ok(hfConfigReader.detect(text, '/models/whatever/params.json') >= 0.5);
  });
});

describe('HF config.json source ranges', () => {
  it('maps num_hidden_layers to its key text and value', () => {
    const text = fixture('hf-config', 'gemma-2b', 'config.json');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.archSources.nLayers!.keyRange), 'num_hidden_layers');
    assert.equal(textAt(text, spec.archSources.nLayers!.valueRange), '18');
    assert.equal(textAt(text, spec.archSources.nKvHeads!.keyRange), 'num_key_value_heads');
  });

  it('maps GPT-2 n_layer to the key text n_layer', () => {
    const text = '{\n  "architectures": ["GPT2LMHeadModel"],\n  "model_type": "gpt2",\n  "n_layer": 6\n}\n';
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.archSources.nLayers!.keyRange), 'n_layer');
    assert.equal(spec.architecture!.nLayers, 6);
  });
});

describe('HF config.json broken input', () => {
  it('returns diagnostics for every truncation without throwing', () => {
    const text = fixture('hf-config', 'qwen3-moe-tiny', 'config.json');
    for (let cut = 1; cut < text.length; cut += 23) {
      const result = hfConfigReader.read(text.slice(0, cut), {});
      if (result.kind === 'run-config') {
        assert.ok(result.spec.diagnostics.some((d) => d.code === 'json-syntax'));
        if (result.spec.architecture) assert.ok(Number.isFinite(countParams(result.spec.architecture).total));
      } else {
        assert.equal(result.kind, 'unreadable');
      }
    }
  });

  it('flags a wrong type instead of counting it', () => {
    const text = '{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": "32"}';
    const result = hfConfigReader.read(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.architecture, undefined);
    const invalid = result.spec.diagnostics.find((d) => d.code === 'invalid-value');
    assert.equal(textAt(text, invalid!.range!), '"32"');
  });
});

/**
 * One model per family: the architecture keys of its published config.json on the Hub (repo named),
 * and its parameter count summed module by module from the family's transformers modeling code (the
 * module tree in each comment), independent of the reader and of params.ts. Each total also equals
 * the count the Hub reports for the checkpoint where one is given (`hub`).
 */
interface FamilyCase {
  name: string;
  config: Record<string, unknown>;
  /** Independent module-by-module count. */
  total: number;
  active?: number;
  /** The Hub's reported count for the checkpoint, when the case reproduces one. */
  hub?: number;
  /**
   * The rounded count the model card publishes, in billions with its decimals (gpt-oss-20b:
   * [20.91, 2] for "20.91B"), when no exact Hub count is recorded.
   */
  card?: [billions: number, decimals: number];
}

const L = (layers: number, perLayer: number) => layers * perLayer;

const FAMILY_CASES: FamilyCase[] = [
  {
    // GPTNeoXForCausalLM: query_key_value d→3d +b, dense +b, dense_h_to_4h/4h_to_h +b, 2 LN, final LN, untied embed_out.
    name: 'EleutherAI/pythia-160m (gpt_neox)',
    config: {
      architectures: ['GPTNeoXForCausalLM'],
      model_type: 'gpt_neox',
      hidden_size: 768,
      intermediate_size: 3072,
      num_attention_heads: 12,
      num_hidden_layers: 12,
      max_position_embeddings: 2048,
      rotary_pct: 0.25,
      tie_word_embeddings: false,
      use_parallel_residual: true,
      vocab_size: 50304,
    },
    total:
      L(12, 768 * 2304 + 2304 + 768 * 768 + 768 + 768 * 3072 + 3072 + 3072 * 768 + 768 + 4 * 768) +
      2 * 50304 * 768 +
      2 * 768,
    hub: 162_322_944,
  },
  {
    // OPTForCausalLM: q/k/v/out +b, fc1/fc2 +b, 2 LN; embed_positions 2048+2 rows; final LN; tied.
    name: 'facebook/opt-125m (opt)',
    config: {
      architectures: ['OPTForCausalLM'],
      model_type: 'opt',
      hidden_size: 768,
      ffn_dim: 3072,
      num_attention_heads: 12,
      num_hidden_layers: 12,
      max_position_embeddings: 2048,
      do_layer_norm_before: true,
      word_embed_proj_dim: 768,
      vocab_size: 50272,
    },
    total:
      L(12, 4 * (768 * 768 + 768) + 768 * 3072 + 3072 + 3072 * 768 + 768 + 4 * 768) +
      50272 * 768 +
      2050 * 768 +
      2 * 768,
    hub: 125_239_296,
  },
  {
    // BloomForCausalLM: word_embeddings_layernorm, query_key_value/dense/4h MLP all +b, 2 LN, ln_f, tied.
    name: 'bigscience/bloom-560m (bloom)',
    config: {
      architectures: ['BloomForCausalLM'],
      model_type: 'bloom',
      n_embed: 1024,
      n_head: 16,
      n_layer: 24,
      vocab_size: 250880,
    },
    total:
      L(24, 1024 * 3072 + 3072 + 1024 * 1024 + 1024 + 1024 * 4096 + 4096 + 4096 * 1024 + 1024 + 4 * 1024) +
      250880 * 1024 +
      4 * 1024,
    hub: 559_214_592,
  },
  {
    // FalconForCausalLM (multi_query): query_key_value d→d+2·64, dense, 4d MLP, no biases, one LN per block, tied.
    name: 'tiiuae/falcon-7b (falcon, multi-query, parallel)',
    config: {
      architectures: ['FalconForCausalLM'],
      model_type: 'falcon',
      hidden_size: 4544,
      num_attention_heads: 71,
      num_hidden_layers: 32,
      multi_query: true,
      parallel_attn: true,
      new_decoder_architecture: false,
      bias: false,
      alibi: false,
      vocab_size: 65024,
    },
    total: L(32, 4544 * (4544 + 128) + 4544 * 4544 + 2 * 4544 * 18176 + 2 * 4544) + 65024 * 4544 + 2 * 4544,
    hub: 6_921_720_704,
  },
  {
    // new_decoder_architecture: qkv d→(128+2·8)·64, ln_attn + ln_mlp.
    name: 'tiiuae/falcon-40b (falcon, new decoder architecture)',
    config: {
      architectures: ['FalconForCausalLM'],
      model_type: 'falcon',
      hidden_size: 8192,
      num_attention_heads: 128,
      num_hidden_layers: 60,
      num_kv_heads: 8,
      parallel_attn: true,
      new_decoder_architecture: true,
      bias: false,
      alibi: false,
      vocab_size: 65024,
    },
    total: L(60, 8192 * (8192 + 1024) + 8192 * 8192 + 2 * 8192 * 32768 + 4 * 8192) + 65024 * 8192 + 2 * 8192,
  },
  {
    // Sequential block with biases (input + post_attention LN), ALiBi, full multi-head qkv.
    name: 'tiiuae/falcon-rw-1b (falcon, sequential, biases)',
    config: {
      architectures: ['FalconForCausalLM'],
      model_type: 'falcon',
      hidden_size: 2048,
      num_attention_heads: 32,
      num_hidden_layers: 24,
      multi_query: false,
      parallel_attn: false,
      new_decoder_architecture: false,
      bias: true,
      alibi: true,
      vocab_size: 50304,
    },
    total:
      L(24, 2048 * 6144 + 6144 + 2048 * 2048 + 2048 + 2048 * 8192 + 8192 + 8192 * 2048 + 2048 + 4 * 2048) +
      50304 * 2048 +
      2 * 2048,
    hub: 1_311_625_216,
  },
  {
    // GPTNeoForCausalLM: q/k/v no bias, out_proj +b, c_fc/c_proj +b, 2 LN, wpe, ln_f, tied.
    name: 'EleutherAI/gpt-neo-125m (gpt_neo)',
    config: {
      architectures: ['GPTNeoForCausalLM'],
      model_type: 'gpt_neo',
      hidden_size: 768,
      num_heads: 12,
      num_layers: 12,
      intermediate_size: null,
      max_position_embeddings: 2048,
      attention_types: [[['global', 'local'], 6]],
      vocab_size: 50257,
    },
    total:
      L(12, 4 * 768 * 768 + 768 + 768 * 3072 + 3072 + 3072 * 768 + 768 + 4 * 768) +
      50257 * 768 +
      2048 * 768 +
      2 * 768,
    hub: 125_198_592,
  },
  {
    // GPTJForCausalLM: q/k/v/out no bias, fc_in/fc_out +b, one ln_1, ln_f, untied lm_head with bias.
    name: 'EleutherAI/gpt-j-6b (gptj)',
    config: {
      architectures: ['GPTJForCausalLM'],
      model_type: 'gptj',
      n_embd: 4096,
      n_head: 16,
      n_layer: 28,
      n_positions: 2048,
      rotary_dim: 64,
      n_inner: null,
      vocab_size: 50400,
      tie_word_embeddings: false,
    },
    total:
      L(28, 4 * 4096 * 4096 + 4096 * 16384 + 16384 + 16384 * 4096 + 4096 + 2 * 4096) +
      50400 * 4096 +
      2 * 4096 +
      50400 * 4096 +
      50400,
    hub: 6_050_882_784,
  },
  {
    // GPTBigCodeForCausalLM (multi_query): c_attn d→d+2·head_dim +b, c_proj +b, 4d MLP +b, 2 LN, wpe, ln_f, tied.
    name: 'bigcode/gpt_bigcode-santacoder dims (gpt_bigcode)',
    config: {
      architectures: ['GPTBigCodeForCausalLM'],
      model_type: 'gpt_bigcode',
      n_embd: 2048,
      n_head: 16,
      n_layer: 24,
      n_positions: 2048,
      n_inner: 8192,
      multi_query: true,
      vocab_size: 49280,
    },
    total:
      L(24, 2048 * 2304 + 2304 + 2048 * 2048 + 2048 + 2048 * 8192 + 8192 + 8192 * 2048 + 2048 + 4 * 2048) +
      49280 * 2048 +
      2048 * 2048 +
      2 * 2048,
  },
  {
    // MptForCausalLM: Wqkv/out_proj/up/down without bias, LayerNorm weight only, ALiBi, tied.
    name: 'mosaicml/mpt-7b (mpt)',
    config: {
      architectures: ['MPTForCausalLM'],
      model_type: 'mpt',
      d_model: 4096,
      n_heads: 32,
      n_layers: 32,
      expansion_ratio: 4,
      max_seq_len: 2048,
      vocab_size: 50432,
      no_bias: true,
      learned_pos_emb: true,
      attn_config: { alibi: true, attn_type: 'multihead_attention', qk_ln: false, clip_qkv: null },
    },
    total: L(32, 4096 * 12288 + 4096 * 4096 + 2 * 4096 * 16384 + 2 * 4096) + 50432 * 4096 + 4096,
    hub: 6_649_286_656,
  },
  {
    // PhiForCausalLM: q/k/v/dense +b, fc1/fc2 +b, one input_layernorm, final LN, untied lm_head with bias.
    name: 'microsoft/phi-1_5 (phi)',
    config: {
      architectures: ['PhiForCausalLM'],
      model_type: 'phi',
      hidden_size: 2048,
      intermediate_size: 8192,
      num_attention_heads: 32,
      num_hidden_layers: 24,
      max_position_embeddings: 2048,
      partial_rotary_factor: 0.5,
      qk_layernorm: false,
      vocab_size: 51200,
      tie_word_embeddings: false,
    },
    total:
      L(24, 4 * (2048 * 2048 + 2048) + 2048 * 8192 + 8192 + 8192 * 2048 + 2048 + 2 * 2048) +
      51200 * 2048 +
      2 * 2048 +
      51200 * 2048 +
      51200,
    hub: 1_418_270_720,
  },
  {
    // The same model in the MixFormer (trust_remote_code) format: Wqkv/out_proj/fc1/fc2 +b, ParallelBlock ln, CausalLMHead ln + linear +b.
    name: 'microsoft/phi-1_5 before its port (phi-msft)',
    config: {
      architectures: ['PhiForCausalLM'],
      model_type: 'phi-msft',
      n_embd: 2048,
      n_head: 32,
      n_layer: 24,
      n_inner: null,
      n_positions: 2048,
      rotary_dim: 32,
      vocab_size: 51200,
      pad_vocab_size_multiple: 64,
      tie_word_embeddings: false,
    },
    total:
      L(24, 2048 * 6144 + 6144 + 2048 * 2048 + 2048 + 2048 * 8192 + 8192 + 8192 * 2048 + 2048 + 2 * 2048) +
      51200 * 2048 +
      2 * 2048 +
      51200 * 2048 +
      51200,
    hub: 1_418_270_720,
  },
  {
    // Phi3ForCausalLM: qkv_proj and gate_up_proj fused, no biases, 2 RMSNorm, untied.
    name: 'microsoft/Phi-3-mini-4k-instruct (phi3)',
    config: {
      architectures: ['Phi3ForCausalLM'],
      model_type: 'phi3',
      hidden_size: 3072,
      intermediate_size: 8192,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      num_hidden_layers: 32,
      max_position_embeddings: 4096,
      vocab_size: 32064,
      tie_word_embeddings: false,
    },
    total: L(32, 3072 * 9216 + 3072 * 3072 + 3072 * 16384 + 8192 * 3072 + 2 * 3072) + 2 * 32064 * 3072 + 3072,
    hub: 3_821_079_552,
  },
  {
    // StableLmForCausalLM: q/k/v +b (use_qkv_bias), o no bias, SwiGLU, 2 LayerNorm w+b, untied.
    name: 'stabilityai/stablelm-2-1_6b (stablelm)',
    config: {
      architectures: ['StableLmForCausalLM'],
      model_type: 'stablelm',
      hidden_size: 2048,
      intermediate_size: 5632,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      num_hidden_layers: 24,
      max_position_embeddings: 4096,
      use_qkv_bias: true,
      qk_layernorm: false,
      use_parallel_residual: false,
      partial_rotary_factor: 0.25,
      vocab_size: 100352,
      tie_word_embeddings: false,
    },
    total:
      L(24, 3 * (2048 * 2048 + 2048) + 2048 * 2048 + 3 * 2048 * 5632 + 4 * 2048) +
      2 * 100352 * 2048 +
      2 * 2048,
    hub: 1_644_515_328,
  },
  {
    // StableLM-2-12B style: parallel residual (one LayerNorm) and per-head q/k LayerNorms without bias.
    name: 'stablelm with qk_layernorm and use_parallel_residual (stablelm)',
    config: {
      architectures: ['StableLmForCausalLM'],
      model_type: 'stablelm',
      hidden_size: 1024,
      intermediate_size: 2816,
      num_attention_heads: 16,
      num_key_value_heads: 4,
      num_hidden_layers: 4,
      use_qkv_bias: false,
      qk_layernorm: true,
      use_parallel_residual: true,
      vocab_size: 1000,
      tie_word_embeddings: false,
    },
    total:
      L(4, 1024 * 1024 + 2 * 1024 * 256 + 1024 * 1024 + (16 + 4) * 64 + 3 * 1024 * 2816 + 2 * 1024) +
      2 * 1000 * 1024 +
      2 * 1024,
  },
  {
    // Starcoder2ForCausalLM: q/k/v/o +b (use_bias), c_fc/c_proj +b (not gated), 2 LayerNorm w+b, tied.
    name: 'bigcode/starcoder2-3b (starcoder2)',
    config: {
      architectures: ['Starcoder2ForCausalLM'],
      model_type: 'starcoder2',
      hidden_size: 3072,
      intermediate_size: 12288,
      num_attention_heads: 24,
      num_key_value_heads: 2,
      num_hidden_layers: 30,
      max_position_embeddings: 16384,
      use_bias: true,
      vocab_size: 49152,
    },
    total:
      L(
        30,
        2 * (3072 * 3072 + 3072) +
          2 * (3072 * 256 + 256) +
          3072 * 12288 +
          12288 +
          12288 * 3072 +
          3072 +
          4 * 3072,
      ) +
      49152 * 3072 +
      2 * 3072,
    hub: 3_030_371_328,
  },
  {
    // OlmoForCausalLM: non-parametric LayerNorms (no weights), SwiGLU, tied in the 1B.
    name: 'allenai/OLMo-1B-hf (olmo)',
    config: {
      architectures: ['OlmoForCausalLM'],
      model_type: 'olmo',
      hidden_size: 2048,
      intermediate_size: 8192,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      num_hidden_layers: 16,
      max_position_embeddings: 2048,
      attention_bias: false,
      clip_qkv: null,
      vocab_size: 50304,
      tie_word_embeddings: true,
    },
    total: L(16, 4 * 2048 * 2048 + 3 * 2048 * 8192) + 50304 * 2048,
    hub: 1_176_764_416,
  },
  {
    // Olmo2ForCausalLM: q_norm over 32·128, k_norm over 32·128, post-attention and post-feedforward RMSNorm.
    name: 'allenai/OLMo-2-1124-7B (olmo2)',
    config: {
      architectures: ['Olmo2ForCausalLM'],
      model_type: 'olmo2',
      hidden_size: 4096,
      intermediate_size: 11008,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      num_hidden_layers: 32,
      max_position_embeddings: 4096,
      attention_bias: false,
      vocab_size: 100352,
      tie_word_embeddings: false,
    },
    total: L(32, 4 * 4096 * 4096 + 2 * 4096 + 3 * 4096 * 11008 + 2 * 4096) + 2 * 100352 * 4096 + 4096,
    hub: 7_298_617_344,
  },
  {
    // OlmoeForCausalLM: full-width q/k RMSNorm, router d×64 without bias, 64 SwiGLU experts of 1024.
    name: 'allenai/OLMoE-1B-7B-0924 (olmoe)',
    config: {
      architectures: ['OlmoeForCausalLM'],
      model_type: 'olmoe',
      hidden_size: 2048,
      intermediate_size: 1024,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      num_hidden_layers: 16,
      max_position_embeddings: 4096,
      num_experts: 64,
      num_experts_per_tok: 8,
      vocab_size: 50304,
      tie_word_embeddings: false,
    },
    total:
      L(16, 4 * 2048 * 2048 + 2 * 2048 + 2048 * 64 + 64 * 3 * 2048 * 1024 + 2 * 2048) +
      2 * 50304 * 2048 +
      2048,
    active:
      L(16, 4 * 2048 * 2048 + 2 * 2048 + 2048 * 64 + 8 * 3 * 2048 * 1024 + 2 * 2048) +
      2 * 50304 * 2048 +
      2048,
    hub: 6_919_161_856,
  },
  {
    // DeepseekV2ForCausalLM, q_lora_rank null: q_proj d→16·192, kv_a d→512+64, kv_a_layernorm, kv_b 512→16·256,
    // o 16·128→d; layer 0 dense (10944), layers 1-26: gate d×64, 64 experts of 1408, shared MLP of 2·1408.
    name: 'deepseek-ai/DeepSeek-V2-Lite (deepseek_v2)',
    config: {
      architectures: ['DeepseekV2ForCausalLM'],
      model_type: 'deepseek_v2',
      hidden_size: 2048,
      intermediate_size: 10944,
      moe_intermediate_size: 1408,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      num_hidden_layers: 27,
      n_routed_experts: 64,
      n_shared_experts: 2,
      num_experts_per_tok: 6,
      first_k_dense_replace: 1,
      moe_layer_freq: 1,
      q_lora_rank: null,
      kv_lora_rank: 512,
      qk_nope_head_dim: 128,
      qk_rope_head_dim: 64,
      v_head_dim: 128,
      vocab_size: 102400,
      tie_word_embeddings: false,
      attention_bias: false,
    },
    total:
      L(27, 2048 * 16 * 192 + 2048 * 576 + 512 + 512 * 16 * 256 + 16 * 128 * 2048 + 2 * 2048) +
      3 * 2048 * 10944 +
      L(26, 2048 * 64 + 64 * 3 * 2048 * 1408 + 3 * 2048 * 2816) +
      2 * 102400 * 2048 +
      2048,
    hub: 15_706_484_224,
  },
  {
    // DeepseekV3ForCausalLM: q_a d→1536 + q_a_layernorm + q_b 1536→128·192; layers 0-2 dense (18432);
    // 58 MoE layers: router 256×d plus the e_score_correction_bias, 256 experts of 2048, one shared.
    name: 'deepseek-ai/DeepSeek-V3 without its MTP module (deepseek_v3)',
    config: {
      architectures: ['DeepseekV3ForCausalLM'],
      model_type: 'deepseek_v3',
      hidden_size: 7168,
      intermediate_size: 18432,
      moe_intermediate_size: 2048,
      num_attention_heads: 128,
      num_key_value_heads: 128,
      num_hidden_layers: 61,
      n_routed_experts: 256,
      n_shared_experts: 1,
      num_experts_per_tok: 8,
      first_k_dense_replace: 3,
      moe_layer_freq: 1,
      q_lora_rank: 1536,
      kv_lora_rank: 512,
      qk_nope_head_dim: 128,
      qk_rope_head_dim: 64,
      v_head_dim: 128,
      vocab_size: 129280,
      tie_word_embeddings: false,
      num_nextn_predict_layers: 0,
    },
    total:
      L(
        61,
        7168 * 1536 +
          1536 +
          1536 * 128 * 192 +
          7168 * 576 +
          512 +
          512 * 128 * 256 +
          128 * 128 * 7168 +
          2 * 7168,
      ) +
      L(3, 3 * 7168 * 18432) +
      L(58, 256 * 7168 + 256 + 256 * 3 * 7168 * 2048 + 3 * 7168 * 2048) +
      2 * 129280 * 7168 +
      7168,
    hub: 671_026_419_200,
  },
  {
    // Gemma2ForCausalLM: 4 RMSNorms per layer, head_dim 256, tied.
    name: 'google/gemma-2-2b (gemma2)',
    config: {
      architectures: ['Gemma2ForCausalLM'],
      model_type: 'gemma2',
      hidden_size: 2304,
      intermediate_size: 9216,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      head_dim: 256,
      num_hidden_layers: 26,
      vocab_size: 256000,
    },
    total:
      L(26, 2304 * 2048 + 2 * 2304 * 1024 + 2048 * 2304 + 3 * 2304 * 9216 + 4 * 2304) + 256000 * 2304 + 2304,
    hub: 2_614_341_888,
  },
  {
    // Gemma3ForCausalLM (text): 4 norms, q_norm/k_norm over head_dim, tied.
    name: 'google/gemma-3-1b-pt (gemma3_text)',
    config: {
      architectures: ['Gemma3ForCausalLM'],
      model_type: 'gemma3_text',
      hidden_size: 1152,
      intermediate_size: 6912,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      head_dim: 256,
      num_hidden_layers: 26,
      vocab_size: 262144,
    },
    total:
      L(26, 1152 * 1024 + 2 * 1152 * 256 + 1024 * 1152 + 2 * 256 + 3 * 1152 * 6912 + 4 * 1152) +
      262144 * 1152 +
      1152,
    hub: 999_885_952,
  },
  {
    // Qwen2MoeForCausalLM: qkv +b, router d×60, 60 experts of 1408, shared expert 5632 + sigmoid gate d→1.
    name: 'Qwen/Qwen1.5-MoE-A2.7B (qwen2_moe)',
    config: {
      architectures: ['Qwen2MoeForCausalLM'],
      model_type: 'qwen2_moe',
      hidden_size: 2048,
      intermediate_size: 5632,
      moe_intermediate_size: 1408,
      shared_expert_intermediate_size: 5632,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      num_hidden_layers: 24,
      num_experts: 60,
      num_experts_per_tok: 4,
      decoder_sparse_step: 1,
      vocab_size: 151936,
      tie_word_embeddings: false,
    },
    total:
      L(
        24,
        3 * (2048 * 2048 + 2048) +
          2048 * 2048 +
          2048 * 60 +
          60 * 3 * 2048 * 1408 +
          3 * 2048 * 5632 +
          2048 +
          2 * 2048,
      ) +
      2 * 151936 * 2048 +
      2048,
    hub: 14_315_784_192,
  },
  {
    // CohereForCausalLM: one CohereLayerNorm (weight only) per parallel block, q/k norms over (heads, head_dim), tied.
    name: 'c4ai-command-r style dims with use_qk_norm (cohere)',
    config: {
      architectures: ['CohereForCausalLM'],
      model_type: 'cohere',
      hidden_size: 1024,
      intermediate_size: 2816,
      num_attention_heads: 8,
      num_key_value_heads: 2,
      num_hidden_layers: 4,
      use_qk_norm: true,
      logit_scale: 0.0625,
      vocab_size: 2000,
    },
    total:
      L(4, 1024 * 1024 + 2 * 1024 * 256 + 1024 * 1024 + (8 + 2) * 128 + 3 * 1024 * 2816 + 1024) +
      2000 * 1024 +
      1024,
  },
  {
    // GraniteMoeForCausalLM: router d×E without bias, ParallelExperts input E×2f×d and output E×d×f, tied.
    name: 'ibm-granite/granite-3.0-1b-a400m dims (granitemoe)',
    config: {
      architectures: ['GraniteMoeForCausalLM'],
      model_type: 'granitemoe',
      hidden_size: 1024,
      intermediate_size: 512,
      num_attention_heads: 16,
      num_key_value_heads: 8,
      num_hidden_layers: 24,
      num_local_experts: 32,
      num_experts_per_tok: 8,
      embedding_multiplier: 12.0,
      vocab_size: 49155,
      tie_word_embeddings: true,
    },
    total:
      L(24, 2 * 1024 * 1024 + 2 * 1024 * 512 + 1024 * 32 + 32 * 3 * 1024 * 512 + 2 * 1024) +
      49155 * 1024 +
      1024,
    active:
      L(24, 2 * 1024 * 1024 + 2 * 1024 * 512 + 1024 * 32 + 8 * 3 * 1024 * 512 + 2 * 1024) +
      49155 * 1024 +
      1024,
  },
  {
    // PhimoeForCausalLM: q/k/v/o +b (attention_bias), LayerNorm w+b, 16 experts, lm_head +b, untied.
    name: 'microsoft/Phi-3.5-MoE-instruct dims (phimoe)',
    config: {
      architectures: ['PhimoeForCausalLM'],
      model_type: 'phimoe',
      hidden_size: 4096,
      intermediate_size: 6400,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      num_hidden_layers: 32,
      num_local_experts: 16,
      num_experts_per_tok: 2,
      attention_bias: true,
      lm_head_bias: true,
      vocab_size: 32064,
      tie_word_embeddings: false,
    },
    total:
      L(
        32,
        2 * (4096 * 4096 + 4096) + 2 * (4096 * 1024 + 1024) + 4096 * 16 + 16 * 3 * 4096 * 6400 + 4 * 4096,
      ) +
      2 * 32064 * 4096 +
      32064 +
      2 * 4096,
  },
  {
    // GraniteForCausalLM: the Llama layout; multipliers scale activations only.
    name: 'ibm-granite/granite-3.0-2b dims (granite)',
    config: {
      architectures: ['GraniteForCausalLM'],
      model_type: 'granite',
      hidden_size: 2048,
      intermediate_size: 8192,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      num_hidden_layers: 40,
      attention_bias: false,
      mlp_bias: false,
      residual_multiplier: 0.22,
      vocab_size: 49155,
      tie_word_embeddings: true,
    },
    total: L(40, 2 * 2048 * 2048 + 2 * 2048 * 512 + 3 * 2048 * 8192 + 2 * 2048) + 49155 * 2048 + 2048,
  },
  {
    // Qwen3MoeForCausalLM: QK RMSNorm over head_dim, 128 experts of 768, no shared expert.
    name: 'Qwen/Qwen3-30B-A3B (qwen3_moe)',
    config: {
      architectures: ['Qwen3MoeForCausalLM'],
      model_type: 'qwen3_moe',
      hidden_size: 2048,
      intermediate_size: 6144,
      moe_intermediate_size: 768,
      head_dim: 128,
      num_attention_heads: 32,
      num_key_value_heads: 4,
      num_hidden_layers: 48,
      num_experts: 128,
      num_experts_per_tok: 8,
      decoder_sparse_step: 1,
      mlp_only_layers: [],
      vocab_size: 151936,
      tie_word_embeddings: false,
    },
    total:
      L(
        48,
        2048 * 4096 + 2 * 2048 * 512 + 4096 * 2048 + 2 * 128 + 2048 * 128 + 128 * 3 * 2048 * 768 + 2 * 2048,
      ) +
      2 * 151936 * 2048 +
      2048,
    hub: 30_532_122_624,
  },
  {
    // GptOssForCausalLM (transformers@00d4b3d2 modeling_gpt_oss.py): q/k/v/o_proj +b (attention_bias),
    // sinks (64), 2 RMSNorm; GptOssMLP = router weight 32×d + bias 32, experts gate_up_proj 32×d×2f
    // + bias 32×2f, down_proj 32×f×d + bias 32×d; final norm; untied lm_head. The openai/gpt-oss-20b
    // config.json (it also writes experts_per_token, not a config field). Model card: 20.91B total,
    // 3.61B active without the unembedding (active here counts it: + 201088·2880).
    name: 'openai/gpt-oss-20b (gpt_oss)',
    config: {
      architectures: ['GptOssForCausalLM'],
      model_type: 'gpt_oss',
      attention_bias: true,
      attention_dropout: 0.0,
      eos_token_id: 200002,
      experts_per_token: 4,
      head_dim: 64,
      hidden_act: 'silu',
      hidden_size: 2880,
      initial_context_length: 4096,
      initializer_range: 0.02,
      intermediate_size: 2880,
      layer_types: Array.from({ length: 24 }, (_, i) =>
        i % 2 === 0 ? 'sliding_attention' : 'full_attention',
      ),
      max_position_embeddings: 131072,
      num_attention_heads: 64,
      num_experts_per_tok: 4,
      num_hidden_layers: 24,
      num_key_value_heads: 8,
      num_local_experts: 32,
      output_router_logits: false,
      pad_token_id: 199999,
      quantization_config: { modules_to_not_convert: ['model.layers.*.self_attn'], quant_method: 'mxfp4' },
      rms_norm_eps: 1e-5,
      rope_scaling: {
        beta_fast: 32.0,
        beta_slow: 1.0,
        factor: 32.0,
        original_max_position_embeddings: 4096,
        rope_type: 'yarn',
        truncate: false,
      },
      rope_theta: 150000,
      router_aux_loss_coef: 0.9,
      sliding_window: 128,
      swiglu_limit: 7.0,
      tie_word_embeddings: false,
      transformers_version: '4.55.0.dev0',
      use_cache: true,
      vocab_size: 201088,
    },
    total:
      L(
        24,
        2880 * 4096 +
          4096 +
          2 * (2880 * 512 + 512) +
          4096 * 2880 +
          2880 +
          64 +
          2 * 2880 +
          (32 * 2880 + 32) +
          32 * (2880 * 2 * 2880 + 2 * 2880 + 2880 * 2880 + 2880),
      ) +
      2 * 201088 * 2880 +
      2880,
    active:
      L(
        24,
        2880 * 4096 +
          4096 +
          2 * (2880 * 512 + 512) +
          4096 * 2880 +
          2880 +
          64 +
          2 * 2880 +
          (32 * 2880 + 32) +
          4 * (2880 * 2 * 2880 + 2 * 2880 + 2880 * 2880 + 2880),
      ) +
      2 * 201088 * 2880 +
      2880,
    card: [20.91, 2],
  },
  {
    // SmolLM3ForCausalLM = Llama layout (q 16 heads, k/v 4 heads of 128, SwiGLU, 2 RMSNorm), tied.
    // HuggingFaceTB/SmolLM3-3B; model card 3.08B.
    name: 'HuggingFaceTB/SmolLM3-3B (smollm3)',
    config: {
      architectures: ['SmolLM3ForCausalLM'],
      model_type: 'smollm3',
      attention_bias: false,
      hidden_size: 2048,
      intermediate_size: 11008,
      max_position_embeddings: 65536,
      mlp_bias: false,
      no_rope_layer_interval: 4,
      no_rope_layers: Array.from({ length: 36 }, (_, i) => ((i + 1) % 4 === 0 ? 0 : 1)),
      num_attention_heads: 16,
      num_hidden_layers: 36,
      num_key_value_heads: 4,
      rope_theta: 5000000.0,
      tie_word_embeddings: true,
      use_sliding_window: false,
      vocab_size: 128256,
    },
    total:
      L(36, 2048 * 2048 + 2 * 2048 * 512 + 2048 * 2048 + 3 * 2048 * 11008 + 2 * 2048) + 128256 * 2048 + 2048,
    card: [3.08, 2],
  },
  {
    // ArceeForCausalLM: Llama attention (20 heads, 4 kv heads of 128), ArceeMLP = NemotronMLP
    // up_proj/down_proj (two matrices, ReLU²), 2 RMSNorm, untied. arcee-ai/AFM-4.5B; card 4.62B.
    name: 'arcee-ai/AFM-4.5B (arcee)',
    config: {
      architectures: ['ArceeForCausalLM'],
      model_type: 'arcee',
      attention_bias: false,
      head_dim: 128,
      hidden_act: 'relu2',
      hidden_size: 2560,
      intermediate_size: 18432,
      max_position_embeddings: 65536,
      mlp_bias: false,
      num_attention_heads: 20,
      num_hidden_layers: 36,
      num_key_value_heads: 4,
      rope_scaling: { factor: 20.0, original_max_position_embeddings: 4096, rope_type: 'yarn' },
      tie_word_embeddings: false,
      vocab_size: 128004,
    },
    total: L(36, 2 * 2560 * 2560 + 2 * 2560 * 512 + 2 * 2560 * 18432 + 2 * 2560) + 2 * 128004 * 2560 + 2560,
    card: [4.62, 2],
  },
  {
    // SeedOssForCausalLM: q/k/v_proj +b (attention_bias), o_proj without (attention_out_bias false),
    // SwiGLU without bias, 2 RMSNorm, untied. ByteDance-Seed/Seed-OSS-36B-Base; card 36.15B.
    name: 'ByteDance-Seed/Seed-OSS-36B-Base (seed_oss)',
    config: {
      architectures: ['SeedOssForCausalLM'],
      model_type: 'seed_oss',
      attention_bias: true,
      attention_dropout: 0.1,
      attention_out_bias: false,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 5120,
      intermediate_size: 27648,
      max_position_embeddings: 524288,
      mlp_bias: false,
      num_attention_heads: 80,
      num_hidden_layers: 64,
      num_key_value_heads: 8,
      residual_dropout: 0.1,
      rope_theta: 10000000.0,
      tie_word_embeddings: false,
      vocab_size: 155136,
    },
    total:
      L(64, 5120 * 10240 + 10240 + 2 * (5120 * 1024 + 1024) + 10240 * 5120 + 3 * 5120 * 27648 + 2 * 5120) +
      2 * 155136 * 5120 +
      5120,
    card: [36.15, 2],
  },
  {
    // Ernie4_5ForCausalLM: Llama layout, every projection bias=use_bias (false here), 16 heads and
    // 2 kv heads of 128, tied. baidu/ERNIE-4.5-0.3B-PT; card 0.36B.
    name: 'baidu/ERNIE-4.5-0.3B-PT (ernie4_5)',
    config: {
      architectures: ['Ernie4_5ForCausalLM'],
      model_type: 'ernie4_5',
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 1024,
      intermediate_size: 3072,
      max_position_embeddings: 131072,
      num_attention_heads: 16,
      num_hidden_layers: 18,
      num_key_value_heads: 2,
      rms_norm_eps: 1e-5,
      rope_theta: 500000,
      tie_word_embeddings: true,
      use_bias: false,
      vocab_size: 103424,
    },
    total:
      L(18, 1024 * 2048 + 2 * 1024 * 256 + 2048 * 1024 + 3 * 1024 * 3072 + 2 * 1024) + 103424 * 1024 + 1024,
    card: [0.36, 2],
  },
  {
    // Glm4ForCausalLM: q/k/v_proj +b, o_proj without, gate_up_proj d→2f and down_proj (no bias),
    // four RMSNorms per layer, untied. THUDM/GLM-4-9B-0414; card 9.40B.
    name: 'THUDM/GLM-4-9B-0414 (glm4)',
    config: {
      architectures: ['Glm4ForCausalLM'],
      model_type: 'glm4',
      attention_bias: true,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 4096,
      intermediate_size: 13696,
      max_position_embeddings: 32768,
      num_attention_heads: 32,
      num_hidden_layers: 40,
      num_key_value_heads: 2,
      partial_rotary_factor: 0.5,
      rms_norm_eps: 1e-5,
      rope_theta: 10000.0,
      tie_word_embeddings: false,
      vocab_size: 151552,
    },
    total:
      L(
        40,
        4096 * 4096 +
          4096 +
          2 * (4096 * 256 + 256) +
          4096 * 4096 +
          4096 * 2 * 13696 +
          13696 * 4096 +
          4 * 4096,
      ) +
      2 * 151552 * 4096 +
      4096,
    card: [9.4, 2],
  },
  {
    // Glm4MoeForCausalLM: q/k/v_proj +b, o_proj without; layer 0 dense SwiGLU of 10944, layers
    // 1-45 Glm4MoeMoE = router 128×d (e_score_correction_bias is a buffer) + 128 experts of 1408 +
    // one shared expert of 1408; 2 RMSNorm; untied. zai-org/GLM-4.5-Air without its
    // num_nextn_predict_layers: 1 (the MTP layer is unknown, see below); card 106B total, 12B active
    // without the embeddings.
    name: 'zai-org/GLM-4.5-Air (glm4_moe)',
    config: {
      architectures: ['Glm4MoeForCausalLM'],
      model_type: 'glm4_moe',
      attention_bias: true,
      first_k_dense_replace: 1,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 4096,
      intermediate_size: 10944,
      max_position_embeddings: 131072,
      moe_intermediate_size: 1408,
      n_group: 1,
      n_routed_experts: 128,
      n_shared_experts: 1,
      norm_topk_prob: true,
      num_attention_heads: 96,
      num_experts_per_tok: 8,
      num_hidden_layers: 46,
      num_key_value_heads: 8,
      partial_rotary_factor: 0.5,
      rope_scaling: null,
      rope_theta: 1000000,
      routed_scaling_factor: 1.0,
      tie_word_embeddings: false,
      topk_group: 1,
      use_qk_norm: false,
      vocab_size: 151552,
    },
    total:
      L(1, 4096 * 12288 + 12288 + 2 * (4096 * 1024 + 1024) + 12288 * 4096 + 3 * 4096 * 10944 + 2 * 4096) +
      L(
        45,
        4096 * 12288 +
          12288 +
          2 * (4096 * 1024 + 1024) +
          12288 * 4096 +
          (128 * 4096 + 128 * 3 * 4096 * 1408 + 3 * 4096 * 1408) +
          2 * 4096,
      ) +
      2 * 151552 * 4096 +
      4096,
    active:
      L(1, 4096 * 12288 + 12288 + 2 * (4096 * 1024 + 1024) + 12288 * 4096 + 3 * 4096 * 10944 + 2 * 4096) +
      L(
        45,
        4096 * 12288 +
          12288 +
          2 * (4096 * 1024 + 1024) +
          12288 * 4096 +
          (128 * 4096 + 8 * 3 * 4096 * 1408 + 3 * 4096 * 1408) +
          2 * 4096,
      ) +
      2 * 151552 * 4096 +
      4096,
    card: [106.9, 1],
  },
  {
    // Olmo3ForCausalLM = OLMo-2 layout: q_norm/k_norm RMSNorm(4096) each, post-attention and
    // post-feedforward RMSNorm, SwiGLU, untied. allenai/Olmo-3-1025-7B; card 7.30B.
    name: 'allenai/Olmo-3-1025-7B (olmo3)',
    config: {
      architectures: ['Olmo3ForCausalLM'],
      model_type: 'olmo3',
      attention_bias: false,
      hidden_act: 'silu',
      hidden_size: 4096,
      intermediate_size: 11008,
      max_position_embeddings: 65536,
      num_attention_heads: 32,
      num_hidden_layers: 32,
      num_key_value_heads: 32,
      rms_norm_eps: 1e-6,
      sliding_window: 4096,
      tie_word_embeddings: false,
      vocab_size: 100278,
    },
    total: L(32, 4 * 4096 * 4096 + 2 * 4096 + 3 * 4096 * 11008 + 2 * 4096) + 2 * 100278 * 4096 + 4096,
    card: [7.3, 2],
  },
  {
    // Cohere2ForCausalLM: parallel block with one bias-free CohereLayerNorm, q/k/v/o without bias,
    // SwiGLU, no QK norm, tied. CohereForAI/c4ai-command-r7b-12-2024; card 8.03B.
    name: 'CohereForAI/c4ai-command-r7b-12-2024 (cohere2)',
    config: {
      architectures: ['Cohere2ForCausalLM'],
      model_type: 'cohere2',
      attention_bias: false,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 4096,
      intermediate_size: 14336,
      layer_norm_eps: 1e-5,
      logit_scale: 0.25,
      max_position_embeddings: 132096,
      num_attention_heads: 32,
      num_hidden_layers: 32,
      num_key_value_heads: 8,
      rope_theta: 50000,
      sliding_window: 4096,
      sliding_window_pattern: 4,
      tie_word_embeddings: true,
      vocab_size: 256000,
    },
    total: L(32, 2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336 + 4096) + 256000 * 4096 + 4096,
    card: [8.03, 2],
  },
  {
    // Exaone4ForCausalLM: q/k/v/o without bias, q_norm/k_norm RMSNorm(128), post-attention and
    // post-feedforward RMSNorm, SwiGLU, untied. LGAI-EXAONE/EXAONE-4.0-32B; card 32.00B.
    name: 'LGAI-EXAONE/EXAONE-4.0-32B (exaone4)',
    config: {
      architectures: ['Exaone4ForCausalLM'],
      model_type: 'exaone4',
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 5120,
      intermediate_size: 27392,
      max_position_embeddings: 131072,
      num_attention_heads: 40,
      num_hidden_layers: 64,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-5,
      sliding_window: 4096,
      sliding_window_pattern: 'LLLG',
      tie_word_embeddings: false,
      vocab_size: 102400,
    },
    total:
      L(64, 2 * 5120 * 5120 + 2 * 5120 * 1024 + 2 * 128 + 3 * 5120 * 27392 + 2 * 5120) +
      2 * 102400 * 5120 +
      5120,
    card: [32.0, 2],
  },
  {
    // Llama4ForCausalLM (transformers@63210d0e modeling_llama4.py): q/k/v/o (no bias), L2 qk_norm
    // without parameters, every layer (interleave_moe_layer_step 1) Llama4TextMoe = router 16×d +
    // experts 16×(d×2·8192 + 8192×d) + shared expert SwiGLU 8192; 2 RMSNorm; untied. The text_config
    // of meta-llama/Llama-4-Scout-17B-16E as a llama4_text config.json; Meta: 17B active (the vision
    // encoder makes the 109B total).
    name: 'meta-llama/Llama-4-Scout-17B-16E text_config (llama4_text)',
    config: {
      architectures: ['Llama4ForCausalLM'],
      model_type: 'llama4_text',
      attention_bias: false,
      attention_chunk_size: 8192,
      attn_scale: 0.1,
      attn_temperature_tuning: true,
      floor_scale: 8192,
      head_dim: 128,
      hidden_act: 'silu',
      hidden_size: 5120,
      interleave_moe_layer_step: 1,
      intermediate_size: 8192,
      intermediate_size_mlp: 16384,
      max_position_embeddings: 10485760,
      moe_layers: Array.from({ length: 48 }, (_, i) => i),
      no_rope_layers: Array.from({ length: 48 }, (_, i) => ((i + 1) % 4 === 0 ? 0 : 1)),
      num_attention_heads: 40,
      num_experts_per_tok: 1,
      num_hidden_layers: 48,
      num_key_value_heads: 8,
      num_local_experts: 16,
      rms_norm_eps: 1e-5,
      rope_scaling: {
        factor: 16.0,
        high_freq_factor: 1.0,
        low_freq_factor: 1.0,
        original_max_position_embeddings: 8192,
        rope_type: 'llama3',
      },
      rope_theta: 500000.0,
      router_aux_loss_coef: 0.001,
      router_jitter_noise: 0.0,
      tie_word_embeddings: false,
      use_qk_norm: true,
      vocab_size: 202048,
    },
    total:
      L(
        48,
        2 * 5120 * 5120 +
          2 * 5120 * 1024 +
          2 * 5120 +
          (5120 * 16 + 16 * (5120 * 2 * 8192 + 8192 * 5120) + 3 * 5120 * 8192),
      ) +
      2 * 202048 * 5120 +
      5120,
    active:
      L(
        48,
        2 * 5120 * 5120 +
          2 * 5120 * 1024 +
          2 * 5120 +
          (5120 * 16 + 1 * (5120 * 2 * 8192 + 8192 * 5120) + 3 * 5120 * 8192),
      ) +
      2 * 202048 * 5120 +
      5120,
  },
  {
    // Ernie4_5_MoeForCausalLM (transformers@01187e21 modular_ernie4_5_moe.py): q/k/v/o and every MLP
    // bias=use_bias (false); layer 0 dense SwiGLU 12288; layers 1-27 sparse: gate 64×d, statics
    // e_score_correction_bias (64, a parameter), 64 experts of 1536, shared experts 2·1536; 2 RMSNorm;
    // tied. baidu/ERNIE-4.5-21B-A3B-PT; card 21.8B total, A3B.
    name: 'baidu/ERNIE-4.5-21B-A3B-PT (ernie4_5_moe)',
    config: {
      architectures: ['Ernie4_5_MoeForCausalLM'],
      model_type: 'ernie4_5_moe',
      bos_token_id: 1,
      eos_token_id: 2,
      hidden_act: 'silu',
      hidden_size: 2560,
      intermediate_size: 12288,
      max_position_embeddings: 131072,
      moe_intermediate_size: 1536,
      moe_k: 6,
      moe_layer_interval: 1,
      moe_layer_start_index: 1,
      moe_num_experts: 64,
      moe_num_shared_experts: 2,
      num_attention_heads: 20,
      num_hidden_layers: 28,
      num_key_value_heads: 4,
      pad_token_id: 0,
      rms_norm_eps: 1e-5,
      rope_theta: 500000,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
      use_bias: false,
      vocab_size: 103424,
    },
    total:
      L(1, 2 * 2560 * 2560 + 2 * 2560 * 512 + 2 * 2560 + 3 * 2560 * 12288) +
      L(
        27,
        2 * 2560 * 2560 +
          2 * 2560 * 512 +
          2 * 2560 +
          (2560 * 64 + 64 + 64 * 3 * 2560 * 1536 + 3 * 2560 * 3072),
      ) +
      103424 * 2560 +
      2560,
    active:
      L(1, 2 * 2560 * 2560 + 2 * 2560 * 512 + 2 * 2560 + 3 * 2560 * 12288) +
      L(
        27,
        2 * 2560 * 2560 +
          2 * 2560 * 512 +
          2 * 2560 +
          (2560 * 64 + 64 + 6 * 3 * 2560 * 1536 + 3 * 2560 * 3072),
      ) +
      103424 * 2560 +
      2560,
    card: [21.8, 1],
  },
  {
    // NemotronForCausalLM (transformers@694aaa7f modeling_nemotron.py): q/k/v/o without bias
    // (attention_bias false), head_dim 128 = hidden // heads, NemotronMLP up/down 9216 (relu2, no
    // gate, mlp_bias false), input/post-attention NemotronLayerNorm1P with weight + bias, final
    // LayerNorm1P, untied. Nemotron_4_4B_CONFIG of NVIDIA/TensorRT-LLM@8cb8331d
    // tests/unittest/_torch/modeling/test_modeling_nemotron.py (nvidia/Nemotron-Mini-4B-Instruct);
    // Hub 4.19B.
    name: 'nvidia/Nemotron-Mini-4B-Instruct (nemotron)',
    config: {
      architectures: ['NemotronForCausalLM'],
      bos_token_id: 2,
      eos_token_id: 3,
      hidden_act: 'relu2',
      hidden_size: 3072,
      initializer_range: 0.0134,
      intermediate_size: 9216,
      max_position_embeddings: 4096,
      model_type: 'nemotron',
      num_attention_heads: 24,
      num_hidden_layers: 32,
      num_key_value_heads: 8,
      norm_eps: 1e-5,
      rope_theta: 10000,
      partial_rotary_factor: 0.5,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.48.0',
      use_cache: true,
      vocab_size: 256000,
      kv_channels: 128,
    },
    total:
      L(32, 2 * 3072 * 3072 + 2 * 3072 * 1024 + 2 * 3072 * 9216 + 2 * (2 * 3072)) +
      2 * 256000 * 3072 +
      2 * 3072,
    card: [4.19, 2],
  },
  {
    // DbrxForCausalLM (transformers@6bdffed5 modular_dbrx.py): per block norm_1/norm_2
    // LayerNorm(bias=False), Wqkv 6144 → 6144 + 2·8·128, out_proj, router 6144×16, DbrxExpertGLU
    // w1/v1/w2 16·10752×6144; norm_f; untied lm_head. The mlx-community/dbrx-instruct-4bit config.json
    // as lablup/mlxcel's DBRX tests vendor it (nested PretrainedConfig noise kept); Databricks: 132B
    // total, 36B active.
    name: 'databricks/dbrx-instruct (dbrx)',
    config: {
      architectures: ['DbrxForCausalLM'],
      attn_config: {
        return_dict: true,
        output_hidden_states: false,
        torch_dtype: null,
        tie_word_embeddings: true,
        max_length: 20,
        id2label: { '0': 'LABEL_0', '1': 'LABEL_1' },
        model_type: '',
        attn_pdrop: 0,
        clip_qkv: 8,
        kv_n_heads: 8,
        rope_theta: 500000,
      },
      d_model: 6144,
      emb_pdrop: 0.0,
      ffn_config: {
        return_dict: true,
        tie_word_embeddings: true,
        model_type: '',
        ffn_act_fn: { name: 'silu' },
        ffn_hidden_size: 10752,
        moe_num_experts: 16,
        moe_top_k: 4,
        moe_jitter_eps: 0,
        moe_loss_weight: 0.05,
        moe_normalize_expert_weights: 1,
        uniform_expert_assignment: false,
      },
      initializer_range: 0.02,
      max_seq_len: 32768,
      model_type: 'dbrx',
      n_heads: 48,
      n_layers: 40,
      output_router_logits: false,
      resid_pdrop: 0.0,
      router_aux_loss_coef: 0.05,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      transformers_version: '4.39.2',
      use_cache: true,
      vocab_size: 100352,
    },
    total:
      L(40, 6144 * (6144 + 2 * 8 * 128) + 6144 * 6144 + 2 * 6144 + 6144 * 16 + 16 * 3 * 10752 * 6144) +
      2 * 100352 * 6144 +
      6144,
    active:
      L(40, 6144 * (6144 + 2 * 8 * 128) + 6144 * 6144 + 2 * 6144 + 6144 * 16 + 4 * 3 * 10752 * 6144) +
      2 * 100352 * 6144 +
      6144,
    card: [132, 0],
  },
  {
    // GraniteMoeSharedForCausalLM (transformers@a878fc03 modular_granitemoeshared.py): GraniteMoe
    // attention (q/k/v/o, attention_bias false), router 1024×32, ParallelExperts 32×(2·512×1024 +
    // 1024×512), shared_mlp input_linear 1024 → 2·1024 + output_linear 1024 → 1024, 2 RMSNorm,
    // tied. ibm-granite/granite-3.0-1b-a400m's shapes with a 1024-wide shared MLP (no published
    // granitemoeshared count: module-by-module arithmetic).
    name: 'granite-3.0-1b-a400m shapes + shared MLP (granitemoeshared)',
    config: {
      architectures: ['GraniteMoeSharedForCausalLM'],
      model_type: 'granitemoeshared',
      attention_bias: false,
      attention_multiplier: 0.015625,
      embedding_multiplier: 12.0,
      hidden_size: 1024,
      intermediate_size: 512,
      logits_scaling: 6.0,
      max_position_embeddings: 4096,
      num_attention_heads: 16,
      num_experts_per_tok: 8,
      num_hidden_layers: 24,
      num_key_value_heads: 8,
      num_local_experts: 32,
      residual_multiplier: 0.22,
      shared_intermediate_size: 1024,
      tie_word_embeddings: true,
      vocab_size: 49155,
    },
    total:
      L(24, 2 * 1024 * 1024 + 2 * 1024 * 512 + 2 * 1024 + 1024 * 32 + 32 * 3 * 1024 * 512 + 3 * 1024 * 1024) +
      49155 * 1024 +
      1024,
    active:
      L(24, 2 * 1024 * 1024 + 2 * 1024 * 512 + 2 * 1024 + 1024 * 32 + 8 * 3 * 1024 * 512 + 3 * 1024 * 1024) +
      49155 * 1024 +
      1024,
  },
  {
    // GlmForCausalLM (transformers@ffd4c83e modular_glm.py): q/k/v with bias (attention_bias),
    // o_proj without, fused gate_up 2·13696 + down (no bias), input/post-attention RMSNorm, final
    // RMSNorm, untied. GLM-4-9B-Chat as transformers ≥ 4.46 exports it (model_type "glm"), the
    // config a C++ engine's ConfigLoaderGlm4 test vendors; THUDM/glm-4-9b-chat-hf: 9.4B.
    name: 'THUDM/glm-4-9b-chat-hf (glm)',
    config: {
      model_type: 'glm',
      architectures: ['GlmForCausalLM'],
      hidden_size: 4096,
      intermediate_size: 13696,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 2,
      head_dim: 128,
      vocab_size: 151552,
      rms_norm_eps: 1.5625e-7,
      rope_theta: 10000.0,
      partial_rotary_factor: 0.5,
      attention_bias: true,
      tie_word_embeddings: false,
      max_position_embeddings: 131072,
    },
    total:
      L(40, 2 * 4096 * 4096 + 4096 + 2 * (4096 * 256 + 256) + 3 * 4096 * 13696 + 2 * 4096) +
      2 * 151552 * 4096 +
      4096,
    card: [9.4, 1],
  },
];

const caseText = (c: FamilyCase) => JSON.stringify(c.config, null, 2);

describe('HF config.json families against independent module-by-module counts', () => {
  for (const c of FAMILY_CASES) {
    it(`counts ${c.name} exactly`, () => {
      const spec = readSpec(caseText(c), { path: 'config.json' });
      assert.ok(spec.architecture, JSON.stringify(spec.diagnostics.map((d) => d.message)));
      const counts = countParams(spec.architecture);
      assert.equal(counts.total, c.total);
      if (c.hub !== undefined) assert.equal(counts.total, c.hub);
      if (c.card !== undefined) {
        const [billions, decimals] = c.card;
        assert.equal(Number((counts.total / 1e9).toFixed(decimals)), billions);
      }
      if (c.active !== undefined) assert.equal(counts.active, c.active);
      assert.ok(!spec.diagnostics.some((d) => d.severity === 'error' || d.severity === 'warning'));
    });
  }

  it('keeps configs-c phi-2 at 2779683840', { skip: SHARED_SKIP }, () => {
    const entry = loadManifest('configs-c').find((e) => e.file === 'hf-config/phi-2/config.json')!;
    const spec = readSpec(readFileSync(entry.path, 'utf8'), { path: entry.path });
    assert.equal(countParams(spec.architecture!).total, 2_779_683_840);
  });

  it('covers every family of the table with a case or a shared-corpus file', () => {
    const covered = new Set(FAMILY_CASES.map((c) => String(c.config.model_type)));
    for (const id of ['gpt2', 'llama', 'mistral', 'mixtral', 'qwen2', 'qwen3', 't5', 'gemma'])
      covered.add(id);
    // The hybrid Mamba-2 families are counted module by module in hybrid.test.ts.
    for (const id of ['mamba2', 'nemotron_h']) covered.add(id);
    const missing = HF_FAMILY_LIST.map((f) => f.id).filter((id) => !covered.has(id));
    assert.deepEqual(missing, []);
  });
});

describe('HF config.json: what gives "unknown"', () => {
  const read = (config: Record<string, unknown>) =>
    readSpec(JSON.stringify(config, null, 2), { path: 'config.json' });
  const base = (name: string) => structuredClone(FAMILY_CASES.find((c) => c.name.startsWith(name))!.config);

  it('names an unknown model_type and says why N is missing', () => {
    const spec = read({
      architectures: ['JambaForCausalLM'],
      model_type: 'jamba',
      hidden_size: 4096,
      num_hidden_layers: 32,
    });
    assert.equal(spec.architecture, undefined);
    const diagnostic = spec.diagnostics.find((d) => d.code === 'unknown-model-type');
    assert.match(diagnostic!.message, /^unknown: model_type 'jamba'/);
    assert.deepEqual(spec.paramsMissing, ["a model of model_type 'jamba'"]);
  });

  it('does not count a classification head or a bare backbone as a language model', () => {
    const config = base('EleutherAI/pythia-160m');
    config.architectures = ['GPTNeoXForSequenceClassification'];
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some((d) => d.code === 'not-modelled-key' && d.message.includes('architectures')),
    );
    assert.ok(spec.paramsMissing?.[0]?.includes('GPTNeoXForSequenceClassification'));
  });

  it('refuses OPT-350m-style embedding projections (word_embed_proj_dim ≠ hidden_size)', () => {
    const config = base('facebook/opt-125m');
    Object.assign(config, {
      hidden_size: 1024,
      ffn_dim: 4096,
      num_attention_heads: 16,
      num_hidden_layers: 24,
    });
    config.do_layer_norm_before = false;
    config.word_embed_proj_dim = 512;
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.startsWith('unknown: word_embed_proj_dim = 512')));
  });

  it('makes DeepSeek-V3 with its multi-token-prediction module unknown, naming num_nextn_predict_layers', () => {
    const config = base('deepseek-ai/DeepSeek-V3');
    config.num_nextn_predict_layers = 1;
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.startsWith('unknown: num_nextn_predict_layers = 1')));
  });

  it('makes llm-foundry MPT variants HF cannot build unknown (expansion_ratio, qk_ln)', () => {
    for (const edit of [
      (c: Record<string, unknown>) => (c.expansion_ratio = 8),
      (c: Record<string, unknown>) => ((c.attn_config as Record<string, unknown>).qk_ln = true),
    ]) {
      const config = base('mosaicml/mpt-7b');
      edit(config);
      assert.equal(read(config).architecture, undefined);
    }
  });

  it('requires keys a family has no recorded default for', () => {
    const config = base('ibm-granite/granite-3.0-2b');
    delete config.intermediate_size;
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.paramsMissing?.[0]?.includes('intermediate_size'));
  });

  it('treats a written null for a required key as unusable, not as the class default', () => {
    const config = base('tiiuae/falcon-7b');
    config.num_hidden_layers = null;
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'invalid-value'));
  });

  it('pads the MixFormer vocabulary to pad_vocab_size_multiple', () => {
    const config = base('microsoft/phi-1_5 before');
    config.vocab_size = 50257;
    assert.equal(read(config).architecture?.vocabSize, 50304);
  });

  it('counts MoE layers arithmetically, whatever the layer count', () => {
    const config = base('Qwen/Qwen3-30B-A3B');
    Object.assign(config, { num_hidden_layers: 10_000_001, decoder_sparse_step: 2, mlp_only_layers: [1, 2] });
    const started = Date.now();
    const spec = read(config);
    assert.ok(Date.now() - started < 1000);
    // Sparse layers are i with (i + 1) % 2 == 0, minus layer 1 from mlp_only_layers.
    assert.equal(spec.architecture?.moe?.moeLayers, 4_999_999);
  });
});

/**
 * Absent and null keys as each config class resolves them (huggingface/transformers@008e5743 unless
 * noted), and keys the modeling code reads that change module shapes. Every total is summed from the
 * module shapes the modeling code builds, written out per module; `before` notes what the reader
 * counted before the audit.
 */
describe('HF config.json: absent and null keys as the config classes resolve them', () => {
  const read = (config: Record<string, unknown>) =>
    readSpec(JSON.stringify(config, null, 2), { path: 'config.json' });
  const total = (config: Record<string, unknown>) => {
    const spec = read(config);
    assert.ok(spec.architecture, JSON.stringify(spec.diagnostics.map((d) => d.message)));
    return countParams(spec.architecture);
  };
  const unknownNaming = (config: Record<string, unknown>, key: string) => {
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some((d) => d.message.includes(`\`${key}\``) || d.message.includes(`${key} =`)),
      JSON.stringify(spec.diagnostics.map((d) => d.message)),
    );
  };
  /** A Llama-style decoder layer: q/o d×h·hd, k/v d×kv·hd, SwiGLU, two RMSNorms. */
  const llamaLayer = (d: number, h: number, kv: number, hd: number, f: number) =>
    2 * d * h * hd + 2 * d * kv * hd + 3 * d * f + 2 * d;
  const base = {
    hidden_size: 1024,
    intermediate_size: 2048,
    num_attention_heads: 16,
    num_hidden_layers: 2,
    vocab_size: 1000,
    tie_word_embeddings: false,
  };
  const untiedEmbeddings = 2 * 1000 * 1024 + 1024; // embed_tokens + lm_head + final norm

  it('Qwen3: a written null num_key_value_heads is num_attention_heads, an absent one the class default 32', () => {
    const qwen3 = { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', ...base, head_dim: 64 };
    // Qwen3Attention: q_norm / k_norm = RMSNorm(head_dim).
    const layer = (kv: number) => llamaLayer(1024, 16, kv, 64, 2048) + 2 * 64;
    // Before: null fell back to the class default 32 (k/v 1024×2048).
    assert.equal(total({ ...qwen3, num_key_value_heads: null }).total, 2 * layer(16) + untiedEmbeddings);
    assert.equal(total(qwen3).total, 2 * layer(32) + untiedEmbeddings);
  });

  it('Gemma / Qwen3-MoE: a null kv-head count the class has no None for is unknown, naming the key', () => {
    unknownNaming(
      {
        architectures: ['GemmaForCausalLM'],
        model_type: 'gemma',
        ...base,
        head_dim: 64,
        num_key_value_heads: null,
      },
      'num_key_value_heads',
    );
    unknownNaming(
      { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', ...base, head_dim: null },
      'head_dim',
    );
  });

  it('Llama / Mistral: a null head_dim is hidden_size // num_attention_heads', () => {
    for (const [model_type, head] of [
      ['llama', 'LlamaForCausalLM'],
      ['mistral', 'MistralForCausalLM'],
    ] as const) {
      const counts = total({
        architectures: [head],
        model_type,
        ...base,
        head_dim: null,
        num_key_value_heads: 4,
      });
      assert.equal(counts.total, 2 * llamaLayer(1024, 16, 4, 64, 2048) + untiedEmbeddings, model_type);
    }
  });

  it('StarCoder2 without num_key_value_heads has the class default of 2 kv heads', () => {
    // Starcoder2Attention q/k/v/o +b (use_bias), c_fc/c_proj +b, two LayerNorms w+b, tied.
    const d = 1024;
    const layer = d * d + d + 2 * (d * 2 * 64 + 2 * 64) + d * d + d + d * 4096 + 4096 + 4096 * d + d + 4 * d;
    const config = {
      architectures: ['Starcoder2ForCausalLM'],
      model_type: 'starcoder2',
      hidden_size: d,
      intermediate_size: 4096,
      num_attention_heads: 16,
      num_hidden_layers: 2,
      max_position_embeddings: 4096,
      vocab_size: 1000,
    };
    // Before: 16 kv heads (k/v 1024×1024).
    assert.equal(total(config).total, 2 * layer + 1000 * d + 2 * d);
  });

  it('StableLM without num_key_value_heads has the class default of 32 kv heads', () => {
    // StableLmAttention: q/k/v without bias (use_qkv_bias false), o_proj; SwiGLU; two LayerNorms w+b.
    const d = 2048;
    const config = {
      architectures: ['StableLmForCausalLM'],
      model_type: 'stablelm',
      hidden_size: d,
      intermediate_size: 4096,
      num_attention_heads: 64,
      num_hidden_layers: 2,
      vocab_size: 1000,
    };
    const layer = 2 * d * d + 2 * d * 32 * 32 + 3 * d * 4096 + 4 * d;
    assert.equal(total(config).total, 2 * layer + 2 * 1000 * d + 2 * d);
  });

  it('PhiMoE without num_key_value_heads has the class default of 8 kv heads', () => {
    // PhimoeAttention q/k/v/o without bias; router d×4; 4 SwiGLU experts; two LayerNorms w+b; untied.
    const d = 1024;
    const config = {
      architectures: ['PhimoeForCausalLM'],
      model_type: 'phimoe',
      ...base,
      num_local_experts: 4,
      num_experts_per_tok: 2,
    };
    const layer = 2 * d * d + 2 * d * 8 * 64 + d * 4 + 4 * 3 * d * 2048 + 4 * d;
    assert.equal(total(config).total, 2 * layer + 2 * 1000 * d + 2 * d);
  });

  it('Qwen3-MoE without head_dim uses hidden_size // num_attention_heads (the class has no head_dim field)', () => {
    const config = {
      architectures: ['Qwen3MoeForCausalLM'],
      model_type: 'qwen3_moe',
      ...base,
      num_key_value_heads: 4,
      moe_intermediate_size: 256,
      num_experts: 4,
      num_experts_per_tok: 2,
    };
    // head_dim 1024/16 = 64 (before: 128); q/k norm 2·64; router d×4; 4 experts of 3·d·256.
    const layer = 2 * 1024 * 16 * 64 + 2 * 1024 * 4 * 64 + 2 * 64 + 1024 * 4 + 4 * 3 * 1024 * 256 + 2 * 1024;
    assert.equal(total(config).total, 2 * layer + untiedEmbeddings);
  });

  it('Qwen2-MoE reads qkv_bias and keeps the shared-expert gate when the shared expert is 0 wide', () => {
    const config = {
      architectures: ['Qwen2MoeForCausalLM'],
      model_type: 'qwen2_moe',
      ...base,
      num_key_value_heads: 16,
      moe_intermediate_size: 256,
      shared_expert_intermediate_size: 512,
      num_experts: 4,
      num_experts_per_tok: 2,
      qkv_bias: false,
    };
    const d = 1024;
    // Router d×4, 4 experts, shared expert 3·d·512, shared_expert_gate d→1; no q/k/v bias (before: +3d).
    const moe = (shared: number) => d * 4 + 4 * 3 * d * 256 + 3 * d * shared + d;
    assert.equal(total(config).total, 2 * (4 * d * d + moe(512) + 2 * d) + untiedEmbeddings);
    const withBias = { ...config, qkv_bias: true };
    assert.equal(total(withBias).total, 2 * (4 * d * d + 3 * d + moe(512) + 2 * d) + untiedEmbeddings);
    // Before: the d-wide gate was dropped with a 0-wide shared expert.
    const noShared = { ...config, shared_expert_intermediate_size: 0 };
    assert.equal(total(noShared).total, 2 * (4 * d * d + moe(0) + 2 * d) + untiedEmbeddings);
  });

  it('Mixtral reads num_experts (attribute_map) and refuses two different expert counts', () => {
    const config = {
      architectures: ['MixtralForCausalLM'],
      model_type: 'mixtral',
      ...base,
      num_key_value_heads: 4,
      num_experts: 4,
      num_experts_per_tok: 2,
    };
    const d = 1024;
    // Before: num_experts ignored, the class default of 8 experts counted.
    const layer = 2 * d * d + 2 * d * 4 * 64 + d * 4 + 4 * 3 * d * 2048 + 2 * d;
    assert.equal(total(config).total, 2 * layer + untiedEmbeddings);
    unknownNaming({ ...config, num_local_experts: 8 }, 'num_local_experts');
  });

  it('DeepSeek-V2 without n_shared_experts is unknown (transformers defaults 2, DeepSeek remote code None)', () => {
    const config = structuredClone(
      FAMILY_CASES.find((c) => c.name.startsWith('deepseek-ai/DeepSeek-V2-Lite'))!.config,
    );
    delete config.n_shared_experts;
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.paramsMissing?.some((m) => m.includes('n_shared_experts')));
  });

  it('reads attribute_map spellings (GPT-2 hidden_size → n_embd) and refuses two different values', () => {
    const gpt2 = {
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      hidden_size: 256,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      max_position_embeddings: 128,
      vocab_size: 1000,
    };
    const d = 256;
    // c_attn d→3d +b, c_proj +b, c_fc/c_proj 4d +b, 2 LN, wpe 128 rows, ln_f, tied. Before: the
    // class defaults n_embd 768, n_layer 12 were counted.
    const layer = d * 3 * d + 3 * d + d * d + d + d * 4 * d + 4 * d + 4 * d * d + d + 4 * d;
    assert.equal(total(gpt2).total, 2 * layer + 1000 * d + 128 * d + 2 * d);
    unknownNaming({ ...gpt2, n_embd: 512 }, 'hidden_size');
  });

  it('counts the real microsoft/phi-1 config.json, whose num_key_value_heads is null (→ heads)', () => {
    const spec = readSpec(fixture('hf-config', 'phi-1', 'config.json'), {});
    const d = 2048;
    // PhiAttention q/k/v/dense 2048→2048 +b (32 kv heads), fc1/fc2 8192 +b, one input_layernorm,
    // final_layernorm, embed_tokens 51200×2048, lm_head 2048→51200 +b.
    const layer = 4 * (d * d + d) + d * 8192 + 8192 + 8192 * d + d + 2 * d;
    assert.equal(countParams(spec.architecture!).total, 24 * layer + 2 * d + 51200 * d + 51200 * d + 51200);
    assert.equal(spec.architecture!.nKvHeads, 32);
  });

  it('reads OLMoE num_local_experts and T5 hidden_size / num_hidden_layers / num_attention_heads (attribute_map)', () => {
    const d = 1024;
    const olmoe = {
      architectures: ['OlmoeForCausalLM'],
      model_type: 'olmoe',
      ...base,
      num_local_experts: 4,
      num_experts_per_tok: 2,
    };
    // q/k/v/o d×d, q_norm RMSNorm(d) + k_norm RMSNorm(16·64), router d×4, 4 experts of 3·d·2048, 2 norms.
    // Before: num_local_experts ignored and num_experts missing, so no count at all.
    const olmoeLayer = 4 * d * d + 2 * d + d * 4 + 4 * 3 * d * 2048 + 2 * d;
    assert.equal(total(olmoe).total, 2 * olmoeLayer + untiedEmbeddings);
    const t5 = {
      architectures: ['T5ForConditionalGeneration'],
      model_type: 't5',
      hidden_size: 256,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      vocab_size: 1000,
    };
    // d_kv 64 → inner 4·64; q/k/v/o 4·256·256; relu wi/wo 2·256·2048; encoder 2 norms, decoder self +
    // cross attention and 3 norms; relative bias 32×4 in each stack's first layer; 2 final norms;
    // shared embedding tied to lm_head. Before: the class defaults d_model 512, num_layers 6 counted.
    const attention = 4 * 256 * 256;
    const mlp = 2 * 256 * 2048;
    const encoder = attention + mlp + 2 * 256;
    const decoder = 2 * attention + mlp + 3 * 256;
    assert.equal(total(t5).total, 2 * encoder + 2 * decoder + 2 * 32 * 4 + 2 * 256 + 1000 * 256);
  });

  it('makes DeepSeek-V3 num_mtp_layers (the new spelling of num_nextn_predict_layers) unknown', () => {
    const config = structuredClone(
      FAMILY_CASES.find((c) => c.name.startsWith('deepseek-ai/DeepSeek-V3'))!.config,
    );
    delete config.num_nextn_predict_layers;
    config.num_mtp_layers = 1;
    unknownNaming(config, 'num_mtp_layers');
  });

  it('makes a null tie_word_embeddings unknown instead of taking the class default', () => {
    unknownNaming(
      { architectures: ['LlamaForCausalLM'], model_type: 'llama', ...base, tie_word_embeddings: null },
      'tie_word_embeddings',
    );
  });

  it('BLOOM and Falcon take n_embed over hidden_size, as their config classes do', () => {
    const bloom = {
      architectures: ['BloomForCausalLM'],
      model_type: 'bloom',
      n_embed: 256,
      hidden_size: 64,
      n_head: 4,
      n_layer: 2,
      vocab_size: 1000,
    };
    const d = 256;
    // query_key_value d→3d +b, dense +b, 4h MLP +b, 2 LN, word_embeddings_layernorm, ln_f, tied.
    const layer = d * 3 * d + 3 * d + d * d + d + d * 4 * d + 4 * d + 4 * d * d + d + 4 * d;
    assert.equal(total(bloom).total, 2 * layer + 1000 * d + 4 * d);
    const falcon = {
      architectures: ['FalconForCausalLM'],
      model_type: 'falcon',
      n_embed: 256,
      hidden_size: 64,
      num_attention_heads: 4,
      num_hidden_layers: 2,
      multi_query: true,
      parallel_attn: true,
      new_decoder_architecture: false,
      bias: false,
      vocab_size: 1000,
    };
    // multi_query: query_key_value d→d+2·64, dense d×d, 4d MLP, one LayerNorm per parallel block, ln_f, tied.
    const falconLayer = d * (d + 2 * 64) + d * d + 2 * d * 4 * d + 2 * d;
    assert.equal(total(falcon).total, 2 * falconLayer + 1000 * d + 2 * d);
  });
});

describe('HF config.json inventory', () => {
  const configs = (): InventoryConfig[] => {
    const cases = FAMILY_CASES.map((c) => ({ path: `${c.name}/config.json`, text: caseText(c) }));
    const shared = SHARED_SKIP
      ? []
      : [...loadManifest('configs'), ...loadManifest('configs-c')]
          .filter((e) => e.framework === 'hf-transformers' || e.framework === 'hf-config')
          .map((e) => ({ path: e.path, text: readFileSync(e.path, 'utf8') }));
    return [...cases, ...shared];
  };

  it('lists every key the reader reads', () => {
    assert.deepEqual(unlistedUsedKeys(hfConfigReader, configs()), []);
  });

  it('keys each entry by family, with recorded sources', () => {
    assert.equal(HF_CONFIG_INVENTORY.framework, 'hf-config');
    const families = new Set(HF_FAMILY_LIST.map((f) => f.id));
    for (const entry of HF_CONFIG_INVENTORY.entries) {
      assert.ok(families.has(entry.key.slice(0, entry.key.indexOf('.'))), entry.key);
      assert.equal(entry.affects, 'N');
    }
    // transformers, plus SafeAILab/EAGLE for the draft_vocab_size entry (EAGLE-3 draft heads).
    const repos = [...new Set(HF_CONFIG_INVENTORY.sources.map((s) => s.repo))].sort();
    assert.deepEqual(repos, ['SafeAILab/EAGLE', 'huggingface/transformers']);
  });

  it('reports written keys with the family prefix, nested objects as dotted keys', () => {
    const mpt = FAMILY_CASES.find((c) => c.name.startsWith('mosaicml/mpt-7b'))!;
    const result = hfConfigReader.read(caseText(mpt), {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    const keys = result.written!.map((w) => w.key);
    assert.ok(keys.includes('mpt.d_model'));
    assert.ok(keys.includes('mpt.attn_config.qk_ln'));
  });

  /** Write `value` at a dotted key of a config.json text. */
  const inject = (text: string, entry: InventoryEntry, value: InventoryValue): string => {
    const json = JSON.parse(text) as Record<string, unknown>;
    const path = entry.key.slice(entry.key.indexOf('.') + 1).split('.');
    let target = json;
    for (const part of path.slice(0, -1)) {
      if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = value === '<collection>' ? { hidden_size: 1 } : value;
    return JSON.stringify(json, null, 2);
  };

  it('makes N unknown, naming the key, for every not-modelled key of each family', () => {
    const all = configs();
    const failures: string[] = [];
    for (const family of HF_FAMILY_LIST) {
      const targets = all.filter((c) => {
        const type = (JSON.parse(c.text) as { model_type?: string }).model_type;
        return type === family.id;
      });
      if (targets.length === 0) continue;
      const entries = HF_CONFIG_INVENTORY.entries.filter((e) => e.key.startsWith(`${family.id}.`));
      const reader = { ...hfConfigReader, inventory: { ...HF_CONFIG_INVENTORY, entries } };
      failures.push(...notModelledKeyFailures(reader, targets, inject));
    }
    assert.deepEqual(failures, []);
  });
});

describe('hfConfigToArchitecture', () => {
  it('turns a config.json object into the same architecture the reader gives the file', () => {
    const c = FAMILY_CASES.find((x) => x.name.startsWith('tiiuae/falcon-7b'))!;
    const architecture = hfConfigToArchitecture(c.config);
    assert.equal(countParams(architecture!).total, 6_921_720_704);
    assert.deepEqual(architecture, readSpec(caseText(c), {}).architecture);
  });

  it('applies the inventory and leaves the input untouched', () => {
    const config = {
      ...FAMILY_CASES.find((x) => x.name.startsWith('deepseek-ai/DeepSeek-V3'))!.config,
      num_nextn_predict_layers: 1,
    };
    const before = JSON.stringify(config);
    assert.equal(hfConfigToArchitecture(config), undefined);
    assert.ok(readHfConfigObject(config)?.paramsMissing?.some((m) => m.includes('num_nextn_predict_layers')));
    assert.equal(JSON.stringify(config), before);
    assert.equal(hfConfigToArchitecture('not an object'), undefined);
    assert.equal(hfConfigToArchitecture({ model_type: 'gpt2', n_layer: -1 }), undefined);
  });
});

describe('HF config.json: families added from the wild (gpt-oss, GLM-4.5, Seed-OSS, Cohere2)', () => {
  const read = (config: Record<string, unknown>) =>
    readSpec(JSON.stringify(config, null, 2), { path: 'config.json' });
  const caseConfig = (name: string) =>
    structuredClone(FAMILY_CASES.find((c) => c.name.startsWith(name))!.config);

  it('makes the real GLM-4.5-Air config.json (num_nextn_predict_layers: 1) unknown, naming the MTP key', () => {
    // zai-org/GLM-4.5-Air writes num_nextn_predict_layers: 1; its checkpoint stores that MTP layer
    // (model.layers.46.*), which transformers' Glm4MoeModel skips on load.
    const spec = read({ ...caseConfig('zai-org/GLM-4.5-Air'), num_nextn_predict_layers: 1 });
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('num_nextn_predict_layers')));
    // 0 is the harmless default.
    const zero = read({ ...caseConfig('zai-org/GLM-4.5-Air'), num_nextn_predict_layers: 0 });
    assert.ok(zero.architecture);
  });

  it('GLM-4.5 use_qk_norm adds RMSNorm(head_dim) on q and k in every layer', () => {
    const config = caseConfig('zai-org/GLM-4.5-Air');
    const before = countParams(read(config).architecture!).total;
    const after = countParams(read({ ...config, use_qk_norm: true }).architecture!).total;
    assert.equal(after - before, 46 * 2 * 128);
  });

  it('gpt-oss: sinks, router bias and expert biases are counted (MoE layout of GptOssMLP)', () => {
    const arch = read(caseConfig('openai/gpt-oss-20b')).architecture!;
    assert.equal(arch.attentionSinks, true);
    assert.equal(arch.moe!.routerBias, true);
    assert.equal(arch.moe!.expertBias, true);
    assert.equal(arch.moe!.nExperts, 32);
    // Without attention_bias: q/k/v/o biases (4096 + 2·512 + 2880 per layer) go, sinks stay.
    const noBias = read({ ...caseConfig('openai/gpt-oss-20b'), attention_bias: false }).architecture!;
    assert.equal(countParams(arch).total - countParams(noBias).total, 24 * (4096 + 2 * 512 + 2880));
  });

  it('gpt-oss: num_experts (attribute_map) is read, and two different expert counts are unknown', () => {
    const config = caseConfig('openai/gpt-oss-20b');
    delete config.num_local_experts;
    assert.equal(read({ ...config, num_experts: 32 }).architecture!.moe!.nExperts, 32);
    assert.equal(read({ ...config, num_experts: 32, num_local_experts: 16 }).architecture, undefined);
  });

  it('Seed-OSS: attention_out_bias adds the o_proj bias, separately from attention_bias', () => {
    const config = caseConfig('ByteDance-Seed/Seed-OSS-36B-Base');
    const before = countParams(read(config).architecture!).total;
    const after = countParams(read({ ...config, attention_out_bias: true }).architecture!).total;
    assert.equal(after - before, 64 * 5120);
  });

  it('Cohere2 ignores a written head_dim (its config sets hidden_size // num_attention_heads)', () => {
    const config = { ...caseConfig('CohereForAI/c4ai-command-r7b-12-2024'), head_dim: 64 };
    assert.equal(read(config).architecture!.headDim, 4096 / 32);
  });

  it('Exaone4 without num_key_value_heads takes the class default 32; a null is unknown', () => {
    const config = caseConfig('LGAI-EXAONE/EXAONE-4.0-32B');
    delete config.num_key_value_heads;
    assert.equal(read(config).architecture!.nKvHeads, 32);
    assert.equal(read({ ...config, num_key_value_heads: null }).architecture, undefined);
  });

  it("makes an LM head class that is not the model_type's model unknown (TensorRT-LLM's Orangina as mixtral)", () => {
    // NVIDIA/TensorRT-LLM tests/unittest/_torch test_orangina_trtllmgen: a config.json with
    // model_type "mixtral" for OranginaForCausalLM (gpt-oss: sinks, attention, router and expert
    // biases, which a Mixtral count leaves out). Before: counted as a 4-layer Mixtral.
    const orangina = {
      architectures: ['OranginaForCausalLM'],
      model_type: 'mixtral',
      torch_dtype: 'bfloat16',
      num_hidden_layers: 4,
      num_experts: 128,
      experts_per_token: 4,
      vocab_size: 201088,
      hidden_size: 2880,
      intermediate_size: 2880,
      head_dim: 64,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      sliding_window: 128,
      initial_context_length: 131072,
      rope_theta: 150000,
      rope_scaling_factor: 32.0,
      rope_ntk_alpha: 1,
      rope_ntk_beta: 32,
    };
    const spec = read(orangina);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('OranginaForCausalLM')));
    // The family's own class, in any capitalisation (GaLore's LLaMAForCausalLM), is counted.
    assert.ok(read({ ...orangina, architectures: ['MixtralForCausalLM'] }).architecture);
    const galore = { ...caseConfig('HuggingFaceTB/SmolLM3-3B'), model_type: 'llama' };
    assert.ok(read({ ...galore, architectures: ['LLaMAForCausalLM'] }).architecture);
    // A known but different family's class is ambiguous too (vLLM builds by architectures).
    assert.equal(
      read({ ...galore, model_type: 'qwen2', architectures: ['LlamaForCausalLM'] }).architecture,
      undefined,
    );
  });

  it('Llama 4: interleave_moe_layer_step 2 makes every second layer MoE, the others dense of intermediate_size_mlp', () => {
    // meta-llama/Llama-4-Maverick-17B-128E text_config: 128 experts, step 2 (layers 1, 3, …, 47).
    const config = caseConfig('meta-llama/Llama-4-Scout');
    delete config.moe_layers;
    Object.assign(config, { num_local_experts: 128, interleave_moe_layer_step: 2 });
    const attention = 2 * 5120 * 5120 + 2 * 5120 * 1024 + 2 * 5120;
    const expert = 3 * 5120 * 8192;
    const moe = attention + 5120 * 128 + 128 * expert + expert;
    const dense = attention + 3 * 5120 * 16384;
    const embeddings = 2 * 202048 * 5120 + 5120;
    const counts = countParams(read(config).architecture!);
    assert.equal(counts.total, 24 * moe + 24 * dense + embeddings);
    assert.equal(counts.active, 24 * (moe - 127 * expert) + 24 * dense + embeddings);
    // Meta: 400B total (with its vision encoder), 17B active.
    assert.equal(Math.round(counts.total / 1e9), 401);
    assert.equal(Math.round(counts.active / 1e9), 17);
    // A written moe_layers list wins over the step (duplicates and out-of-range indices ignored).
    const listed = countParams(read({ ...config, moe_layers: [1, 1, 3, 99] }).architecture!);
    assert.equal(listed.total, 2 * moe + 46 * dense + embeddings);
  });

  it('ERNIE-4.5-MoE: the sparse layers follow moe_layer_start_index / end / interval; num_experts is moe_num_experts', () => {
    const config = caseConfig('baidu/ERNIE-4.5-21B-A3B-PT');
    const moeLayers = (extra: Record<string, unknown>) =>
      read({ ...config, ...extra }).architecture!.moe!.moeLayers;
    assert.equal(moeLayers({}), 27); // layers 1..27
    assert.equal(moeLayers({ moe_layer_end_index: -1 }), 27);
    assert.equal(moeLayers({ moe_layer_interval: 2 }), 14); // i + 1 even: 1, 3, …, 27
    assert.equal(moeLayers({ moe_layer_start_index: 4, moe_layer_end_index: 9, moe_layer_interval: 3 }), 2); // 5, 8
    const renamed = { ...config, num_experts: 64, num_experts_per_tok: 6 } as Record<string, unknown>;
    delete renamed.moe_num_experts;
    delete renamed.moe_k;
    assert.equal(read(renamed).architecture!.moe!.nExperts, 64);
    assert.equal(read({ ...config, num_experts: 32 }).architecture, undefined);
    // use_bias adds every projection's bias and an lm_head bias, which a tied head keeps as its own
    // parameter (vocab_size): unknown tied, counted untied.
    assert.equal(read({ ...config, use_bias: true }).architecture, undefined);
    const untied = read({ ...config, use_bias: true, tie_word_embeddings: false }).architecture!;
    assert.equal(untied.lmHeadBias, true);
  });

  it('makes an EAGLE-3 draft config.json (LlamaForCausalLM with draft_vocab_size) unknown', () => {
    // SafeAILab/EAGLE@cb7e0841 eagle/traineagle3/config.json: the draft head's own module tree
    // (2·d-input attention, fc 3d→d, lm_head over 32000) is not this 1-layer Llama. Before: 1.27B.
    const eagle3 = {
      architectures: ['LlamaForCausalLM'],
      bos_token_id: 128000,
      eos_token_id: 128001,
      hidden_act: 'silu',
      hidden_size: 4096,
      initializer_range: 0.02,
      intermediate_size: 14336,
      max_position_embeddings: 2048,
      model_type: 'llama',
      num_attention_heads: 32,
      num_key_value_heads: 8,
      num_hidden_layers: 1,
      pad_token_id: 0,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: false,
      torch_dtype: 'float16',
      transformers_version: '4.28.1',
      use_cache: true,
      vocab_size: 128256,
      draft_vocab_size: 32000,
    };
    const spec = readHfConfigObject(eagle3)!;
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('draft_vocab_size')));
    const { draft_vocab_size: _drop, ...plain } = eagle3;
    void _drop;
    assert.ok(readHfConfigObject(plain)!.architecture);
  });
});

describe('HF config.json: Nemotron and MixFormer key handling', () => {
  const read = (config: Record<string, unknown>) =>
    readSpec(JSON.stringify(config, null, 2), { path: 'config.json' });
  const nemotron = () => structuredClone(FAMILY_CASES.find((c) => c.name.includes('Nemotron-Mini'))!.config);

  it('is unknown for a Nemotron without num_key_value_heads (NemotronConfig keeps None)', () => {
    const config = nemotron();
    delete config.num_key_value_heads;
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.paramsMissing?.some((m) => m.includes('num_key_value_heads')));
    config.num_key_value_heads = null;
    assert.equal(read(config).architecture, undefined);
  });

  it('derives a null or absent Nemotron head_dim as hidden // heads', () => {
    const config = nemotron();
    const total = countParams(read(config).architecture!).total;
    config.head_dim = null;
    assert.equal(countParams(read(config).architecture!).total, total);
  });

  it('is unknown when NeMo kv_channels differs from the head_dim transformers builds', () => {
    const config = nemotron();
    config.kv_channels = 96;
    const spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('kv_channels')));
    config.head_dim = 96;
    assert.ok(read(config).architecture);
  });

  it('counts Nemotron attention and MLP biases from attention_bias / mlp_bias', () => {
    const config = nemotron();
    const base = countParams(read(config).architecture!).total;
    config.attention_bias = true;
    config.mlp_bias = true;
    const biased = countParams(read(config).architecture!).total;
    assert.equal(biased - base, 32 * (3072 + 2 * 1024 + 3072 + 9216 + 3072));
  });

  it('reads a MixFormer n_head_kv: null as n_head (phi-2 before its port)', () => {
    const config = {
      architectures: ['PhiForCausalLM'],
      model_type: 'phi-msft',
      n_embd: 2560,
      n_head: 32,
      n_head_kv: null,
      n_inner: null,
      n_layer: 32,
      n_positions: 2048,
      pad_vocab_size_multiple: 64,
      vocab_size: 51200,
      rotary_dim: 32,
      tie_word_embeddings: false,
    };
    const spec = read(config);
    assert.ok(spec.architecture, JSON.stringify(spec.diagnostics.map((d) => d.message)));
    assert.equal(countParams(spec.architecture).total, 2_779_683_840);
  });
});

describe('HF config.json: DBRX nested attn_config / ffn_config', () => {
  const read = (config: Record<string, unknown>) =>
    readSpec(JSON.stringify(config, null, 2), { path: 'config.json' });
  const dbrx = () => structuredClone(FAMILY_CASES.find((c) => c.name.includes('dbrx-instruct'))!.config);

  it('reproduces 131,596,523,520 total and 36,469,708,800 active parameters', () => {
    const counts = countParams(read(dbrx()).architecture!);
    assert.equal(counts.total, 131_596_523_520);
    assert.equal(counts.active, 36_469_708_800);
  });

  it('takes the sub-config class defaults when attn_config / ffn_config are absent', () => {
    const config = dbrx();
    delete config.attn_config;
    delete config.ffn_config;
    config.d_model = 256;
    config.n_heads = 8;
    config.n_layers = 2;
    config.vocab_size = 128;
    const arch = read(config).architecture!;
    // DbrxAttentionConfig kv_n_heads 1; DbrxFFNConfig ffn_hidden_size 3584, 4 experts, top-1.
    assert.equal(arch.nKvHeads, 1);
    assert.equal(arch.moe!.nExperts, 4);
    assert.equal(arch.moe!.expertsPerToken, 1);
    assert.equal(arch.moe!.expertFfnSize, 3584);
    const layer = 256 * (256 + 2 * 32) + 256 * 256 + 2 * 256 + 256 * 4 + 4 * 3 * 3584 * 256;
    assert.equal(countParams(arch).total, 2 * layer + 2 * 128 * 256 + 256);
  });

  it('is unknown for tie_word_embeddings true, which DbrxConfig refuses', () => {
    const config = dbrx();
    config.tie_word_embeddings = true;
    const spec = readHfConfigObject(config)!;
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.paramsMissing?.some((m) => m.includes('tie_word_embeddings')));
  });

  it('says which key is out of range when a default top-k exceeds the written experts', () => {
    const config = dbrx();
    (config.ffn_config as Record<string, unknown>).moe_num_experts = 1;
    delete (config.ffn_config as Record<string, unknown>).moe_top_k;
    (config.ffn_config as Record<string, unknown>).moe_top_k = 2;
    let spec = read(config);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('ffn_config.moe_top_k')));
    // DeepSeek-V3 default num_experts_per_tok 8 with one written expert: named, not silent.
    spec = read({ model_type: 'deepseek_v3', num_hidden_layers: 1, n_routed_experts: 1, hidden_size: 2 });
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some((d) => d.severity === 'warning' && d.message.includes('num_experts_per_tok')),
    );
  });
});

describe('HF config.json: Phi-3 bias keys that Phi3Config does not have', () => {
  // microsoft/Phi-4-mini-instruct's config.json as mlc-ai/mlc-llm@79d603f0 python/mlc_llm/model/model_preset.py
  // vendors it (rope factors left out): attention_bias / mlp_bias / lm_head_bias false, tied.
  const phi4mini = {
    architectures: ['Phi3ForCausalLM'],
    attention_bias: false,
    hidden_size: 3072,
    intermediate_size: 8192,
    lm_head_bias: false,
    max_position_embeddings: 131072,
    mlp_bias: false,
    model_type: 'phi3',
    num_attention_heads: 24,
    num_hidden_layers: 32,
    num_key_value_heads: 8,
    partial_rotary_factor: 0.75,
    tie_word_embeddings: true,
    vocab_size: 200064,
  };

  it('counts Phi-4-mini (the biases written false) at 3,836,021,760', () => {
    const spec = readHfConfigObject(phi4mini)!;
    assert.equal(countParams(spec.architecture!).total, 3_836_021_760);
  });

  for (const key of ['attention_bias', 'mlp_bias', 'lm_head_bias']) {
    it(`is unknown for phi3 ${key}: true (the native model has no such bias)`, () => {
      const spec = readHfConfigObject({ ...phi4mini, [key]: true })!;
      assert.equal(spec.architecture, undefined);
      assert.ok(spec.paramsMissing?.some((m) => m.includes(key)));
    });
  }
});

describe('HF config.json: GraniteMoeShared shared MLP', () => {
  const config = () =>
    structuredClone(FAMILY_CASES.find((c) => c.config.model_type === 'granitemoeshared')!.config);

  it('counts no shared MLP for shared_intermediate_size 0 or absent (the class default)', () => {
    const withShared = countParams(hfConfigToArchitecture(config())!).total;
    const zero = config();
    zero.shared_intermediate_size = 0;
    const absent = config();
    delete absent.shared_intermediate_size;
    assert.equal(countParams(hfConfigToArchitecture(zero)!).total, withShared - 24 * 3 * 1024 * 1024);
    assert.equal(countParams(hfConfigToArchitecture(absent)!).total, withShared - 24 * 3 * 1024 * 1024);
    // The same file as a plain granitemoe (no shared MLP in GraniteMoeConfig) counts the same.
    const plain = { ...zero, model_type: 'granitemoe', architectures: ['GraniteMoeForCausalLM'] };
    delete (plain as Record<string, unknown>).shared_intermediate_size;
    assert.equal(
      countParams(hfConfigToArchitecture(plain)!).total,
      countParams(hfConfigToArchitecture(zero)!).total,
    );
  });
});

describe('HF config.json: GLM (model_type glm)', () => {
  const glm = () => structuredClone(FAMILY_CASES.find((c) => c.config.model_type === 'glm')!.config);

  it('counts 9,399,951,360 for GLM-4-9B-Chat (two norms per layer, unlike glm4)', () => {
    assert.equal(countParams(hfConfigToArchitecture(glm())!).total, 9_399_951_360);
    const asGlm4 = { ...glm(), model_type: 'glm4', architectures: ['Glm4ForCausalLM'] };
    assert.equal(countParams(hfConfigToArchitecture(asGlm4)!).total, 9_399_951_360 + 40 * 2 * 4096);
  });

  it('is unknown when heads × head_dim ≠ hidden_size (o_proj differs across versions)', () => {
    const spec = readHfConfigObject({ ...glm(), head_dim: 96 })!;
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('heads × head_dim')));
  });

  it('is unknown for a "glm" file with GLM-4.5 MoE / MLA keys GlmConfig does not have', () => {
    for (const [key, value] of [
      ['n_routed_experts', 4],
      ['q_lora_rank', 8],
    ] as const) {
      const spec = readHfConfigObject({ ...glm(), [key]: value })!;
      assert.equal(spec.architecture, undefined, key);
      assert.ok(spec.paramsMissing?.some((m) => m.includes(key)));
    }
  });
});

describe('HF config.json: expert and MTP keys on families that do not have them', () => {
  // Meta's Llama-3.1-8B config.json shapes (as ../shared configs/hf/Llama-3.1-8B has them, inline).
  const llama = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 4096,
    intermediate_size: 14336,
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 8,
    vocab_size: 128256,
    tie_word_embeddings: false,
  };

  it('still counts the dense file (8,030,261,248)', () => {
    assert.equal(countParams(hfConfigToArchitecture(llama)!).total, 8_030_261_248);
    // 0 / null written for an expert key is the dense model.
    assert.ok(hfConfigToArchitecture({ ...llama, num_local_experts: 0, moe_intermediate_size: null }));
  });

  for (const key of ['num_local_experts', 'num_experts', 'n_routed_experts', 'moe_intermediate_size']) {
    it(`is unknown for a llama file that writes ${key} (LlamaConfig builds no experts)`, () => {
      const spec = readHfConfigObject({ ...llama, [key]: 8 })!;
      assert.equal(spec.architecture, undefined);
      assert.ok(spec.paramsMissing?.some((m) => m.includes(key)));
    });
  }

  it('is unknown for num_nextn_predict_layers > 0 on any family (MTP layers stored beside)', () => {
    const spec = readHfConfigObject({ ...llama, num_nextn_predict_layers: 1 })!;
    assert.equal(spec.architecture, undefined);
    assert.ok(hfConfigToArchitecture({ ...llama, num_nextn_predict_layers: 0 }));
  });
});
