import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { fixture } from '../../../../../test/helpers';

/**
 * N from the module shapes of allenai/OLMo @59a53e3f olmo/model.py, written out per tensor here
 * (not through the reader's ArchitectureSpec), for ModelConfig variants the fixtures do not cover.
 */
interface OlmoModel {
  d_model: number;
  n_heads: number;
  n_layers: number;
  n_kv_heads?: number;
  multi_query_attention?: boolean;
  mlp_ratio?: number;
  mlp_hidden_size?: number;
  activation_type?: 'swiglu' | 'gelu' | 'relu';
  block_type?: 'sequential' | 'llama';
  include_bias?: boolean;
  bias_for_layer_norm?: boolean;
  layer_norm_type?: 'default' | 'low_precision' | 'rms';
  layer_norm_with_affine?: boolean;
  attention_layer_norm?: boolean;
  attention_layer_norm_with_affine?: boolean;
  embedding_layer_norm?: boolean;
  rope?: boolean;
  alibi?: boolean;
  max_sequence_length?: number;
  vocab_size?: number;
  embedding_size?: number | null;
  weight_tying?: boolean;
  norm_after?: boolean;
  clip_qkv?: number;
  scale_emb_init?: boolean;
  block_group_size?: number;
}

/** Parameters OLMo(config) allocates, module by module. */
function olmoModuleCount(m: OlmoModel): number {
  const d = m.d_model;
  const includeBias = m.include_bias ?? true;
  // LayerNormBase.__init__ (model.py:139-161): weight when affine, bias by bias_for_layer_norm ?? include_bias.
  const normBias = m.bias_for_layer_norm ?? includeBias;
  const norm = (size: number, affine: boolean) => (affine ? size * (normBias ? 2 : 1) : 0);
  const blockAffine = m.layer_norm_with_affine ?? true;
  const linear = (i: number, o: number, bias: boolean) => i * o + (bias ? o : 0);
  // ModelConfig.effective_n_kv_heads (config.py:478).
  const kv = m.n_kv_heads ?? (m.multi_query_attention ? 1 : m.n_heads);
  const headDim = d / m.n_heads;
  // OLMoBlock.hidden_size (model.py:420); SwiGLU.output_multiplier 0.5 (model.py:371).
  const hidden = m.mlp_hidden_size ?? (m.mlp_ratio ?? 4) * d;
  const ffIn = (m.activation_type ?? 'swiglu') === 'swiglu' ? hidden / 2 : hidden;
  let block = 0;
  if (m.attention_layer_norm) {
    // model.py:436-441: k_norm over kv·head_dim, q_norm over d_model, affine by attention_layer_norm_with_affine.
    const qkAffine = m.attention_layer_norm_with_affine ?? true;
    block += norm(headDim * kv, qkAffine) + norm(d, qkAffine);
  }
  block += linear(d, d, includeBias); // attn_out (model.py:452)
  block += linear(ffIn, d, includeBias); // ff_out (model.py:457)
  if ((m.block_type ?? 'sequential') === 'sequential') {
    block += linear(d, d + 2 * kv * headDim, includeBias); // att_proj (model.py:695)
  } else {
    // OLMoLlamaBlock q/k/v_proj sized by multi_query_attention (model.py:840-857).
    const kvOut = m.multi_query_attention ? headDim : d;
    block += linear(d, d, includeBias) + 2 * linear(d, kvOut, includeBias);
  }
  block += linear(d, hidden, includeBias); // ff_proj
  block += 2 * norm(d, blockAffine); // attn_norm, ff_norm
  // OLMo.__init__ (model.py:1105-1141).
  const rows = (m.embedding_size === undefined ? 50304 : m.embedding_size) || (m.vocab_size ?? 50257);
  let total = rows * d + norm(d, blockAffine) + m.n_layers * block; // wte, ln_f, blocks
  if (!(m.rope || m.alibi)) total += (m.max_sequence_length ?? 1024) * d; // wpe
  if (!(m.weight_tying ?? true)) total += linear(d, rows, includeBias); // ff_out
  if (m.embedding_layer_norm) total += norm(d, blockAffine); // emb_norm
  return total;
}

function yaml(m: OlmoModel): string {
  const lines = Object.entries(m).map(([k, v]) => `  ${k}: ${v === null ? 'null' : String(v)}`);
  return `run_name: probe\nmodel:\n${lines.join('\n')}\nglobal_train_batch_size: 8\nmax_duration: 100\n`;
}

function read(m: OlmoModel): RunSpec {
  const result = readRunConfig(yaml(m), { path: 'probe.yaml' });
  assert.equal(result.kind, 'run-config');
  const spec = (result as { spec: RunSpec }).spec;
  assert.equal(spec.framework, 'olmo');
  return spec;
}

const base: OlmoModel = { d_model: 256, n_heads: 8, n_layers: 3, vocab_size: 1000, embedding_size: 1024 };

const variants: Record<string, OlmoModel> = {
  'defaults (swiglu, biases, LayerNorm with bias, learned positions, tied)': base,
  'gelu MLP from mlp_hidden_size': { ...base, activation_type: 'gelu', mlp_hidden_size: 600 },
  'relu MLP from mlp_ratio': { ...base, activation_type: 'relu', mlp_ratio: 2 },
  'no biases, RMSNorm with weight only': { ...base, include_bias: false, layer_norm_type: 'rms' },
  'include_bias but bias_for_layer_norm false': { ...base, bias_for_layer_norm: false },
  'no biases but bias_for_layer_norm true': { ...base, include_bias: false, bias_for_layer_norm: true },
  'non-affine block norms with affine QK norms (their own flag)': {
    ...base,
    layer_norm_with_affine: false,
    attention_layer_norm: true,
    include_bias: false,
  },
  'QK norms without affine': { ...base, attention_layer_norm: true, attention_layer_norm_with_affine: false },
  'QK norms with GQA and norm biases': { ...base, attention_layer_norm: true, n_kv_heads: 2 },
  'multi-query attention, untied head with bias': {
    ...base,
    multi_query_attention: true,
    weight_tying: false,
  },
  'llama block with multi-query and QK norms': {
    ...base,
    block_type: 'llama',
    multi_query_attention: true,
    attention_layer_norm: true,
    include_bias: false,
  },
  'rope: no position table': { ...base, rope: true, max_sequence_length: 4096 },
  'alibi: no position table': { ...base, alibi: true },
  'learned positions of max_sequence_length': { ...base, max_sequence_length: 2048 },
  'embedding_size null = vocab_size rows, untied': { ...base, embedding_size: null, weight_tying: false },
  'embedding_layer_norm (emb_norm) with non-affine norms': {
    ...base,
    embedding_layer_norm: true,
    layer_norm_with_affine: false,
  },
  'norm_after, clip_qkv and scale_emb_init add no parameters': {
    ...base,
    norm_after: true,
    clip_qkv: 8,
    scale_emb_init: true,
    rope: true,
  },
};

describe('OLMo N against olmo/model.py module shapes', () => {
  for (const [name, model] of Object.entries(variants)) {
    it(name, () => {
      const spec = read(model);
      assert.ok(spec.architecture, `no architecture: ${spec.diagnostics.map((d) => d.message).join('; ')}`);
      assert.equal(countParams(spec.architecture).total, olmoModuleCount(model));
    });
  }
});

describe('OLMo configurations OLMo itself refuses get no N', () => {
  const refused: Record<string, OlmoModel> = {
    'rope and alibi together (model.py:1081)': { ...base, rope: true, alibi: true },
    'a non-integer mlp_ratio (ModelConfig.mlp_ratio: int)': { ...base, mlp_ratio: 2.5 },
    'block_group_size not dividing n_layers (model.py:1100)': {
      ...base,
      block_group_size: 2,
    },
  };
  for (const [name, model] of Object.entries(refused)) {
    it(name, () => {
      const spec = read(model);
      assert.equal(spec.architecture, undefined);
      assert.ok(spec.diagnostics.some((d) => d.severity === 'error' && d.code === 'invalid-value'));
    });
  }

  it('still counts a block_group_size that tiles the layers (FSDP wrapping only)', () => {
    const model = { ...base, n_layers: 4, block_group_size: 2 };
    const spec = read(model);
    assert.equal(countParams(spec.architecture!).total, olmoModuleCount(model));
  });
});

describe('a real OLMo config against model.py module shapes', () => {
  it('counts allenai/OLMo configs/custom_dataset_example.yaml (GELU, weight-only QK norms, untied)', () => {
    const text = fixture('olmo', 'custom_dataset_example.yaml');
    const result = readRunConfig(text, { path: 'custom_dataset_example.yaml' });
    const spec = (result as { spec: RunSpec }).spec;
    // The file's model: section, as written.
    const model: OlmoModel = {
      d_model: 4096,
      n_heads: 32,
      n_layers: 32,
      mlp_hidden_size: 16384,
      weight_tying: false,
      rope: true,
      attention_layer_norm: true,
      multi_query_attention: false,
      include_bias: false,
      block_type: 'sequential',
      layer_norm_type: 'default',
      layer_norm_with_affine: true,
      bias_for_layer_norm: false,
      attention_layer_norm_with_affine: true,
      activation_type: 'gelu',
      max_sequence_length: 2048,
      vocab_size: 32100,
      embedding_size: 32128,
    };
    for (const [key, value] of Object.entries(model))
      assert.match(text, new RegExp(`^  ${key}: ${String(value)}\\b`, 'm'), key);
    assert.equal(countParams(spec.architecture!).total, olmoModuleCount(model));
  });
});
