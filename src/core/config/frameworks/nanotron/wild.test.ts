import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readRunConfig } from '../../registry';
import type { RunSpec } from '../../../types';
import { countParams } from '../../../model/params';

function spec(text: string): RunSpec {
  const result = readRunConfig(text, { path: 'config.yaml' });
  assert.equal(result.kind, 'run-config');
  assert.equal((result as { framework?: string }).framework ?? 'nanotron', 'nanotron');
  return (result as { spec: RunSpec }).spec;
}

/**
 * The StarCoder2-7B pretraining config of loubnabnl/nanotron-smol-cluster@4406dd80
 * (brrr/starcoder2/config_7B_final_sc2.yaml), trimmed to what N and D read.
 */
function sc2(modelConfig: string, tp = 4): string {
  return `general:
  project: starcoder2
  run: sc2-7b
model:
  model_config:
${modelConfig}
  make_vocab_size_divisible_by: 128
  dtype: bfloat16
parallelism:
  dp: 108
  pp: 1
  tp: ${tp}
  tp_mode: REDUCE_SCATTER
tokens:
  sequence_length: 4096
  train_steps: 1000000
  micro_batch_size: 4
  batch_accumulation_per_replica: 2
`;
}

const SC2_7B = `    is_starcoder2_config: true
    max_position_embeddings: 4096
    grouped_query: true
    num_kv_heads: 4
    hidden_size: 4608
    num_attention_heads: 36
    num_hidden_layers: 32
    vocab_size: 49152
    rope_theta: 100000
    layer_norm_epsilon: 0.00001
    scale_attn_weights: true
    activation_function: gelu
    resid_pdrop: 0
    attn_pdrop: 0
    embd_pdrop: 0`;

/**
 * nanotron@2411b022 models/starcoder2.py, per GPTBlock: ln_1 and ln_2 (LayerNorm weight + bias),
 * CausalSelfGQA query_key_value d→(h + 2·kv)·hd with bias and dense d→d with bias, MLP c_fc d→d_ff
 * and c_proj d_ff→d with biases (d_ff = 4·d without intermediate_size); a final LayerNorm; the token
 * embedding (vocab padded to 128 × tp) shared with the bias-free lm_head (always tied).
 */
function sc2Count(d: number, layers: number, heads: number, kv: number, vocab: number, ff = 4 * d): number {
  const hd = d / heads;
  const qkvOut = (heads + 2 * kv) * hd;
  const block = 2 * 2 * d + (d * qkvOut + qkvOut) + (d * d + d) + (d * ff + ff) + (ff * d + d);
  return layers * block + 2 * d + vocab * d;
}

describe('nanotron third-party configs: Starcoder2Config', () => {
  it('counts the StarCoder2-7B config of nanotron-smol-cluster', () => {
    const s = spec(sc2(SC2_7B));
    assert.ok(s.architecture, 'Starcoder2 counted');
    // 49152 is a multiple of 128 × 4: no padding. = 7,173,923,840, bigcode/starcoder2-7b's published
    // size (its HF config.json does not untie: tie_word_embeddings defaults to true).
    const expected = sc2Count(4608, 32, 36, 4, 49152);
    assert.equal(expected, 7_173_923_840);
    assert.equal(countParams(s.architecture).total, expected);
    assert.equal(s.training.tokens, 1_000_000 * 108 * 4 * 2 * 4096);
  });

  it('uses one shared k/v head under multi_query (the default) and 4·d without intermediate_size', () => {
    const s = spec(
      sc2(
        `    is_starcoder2_config: true
    hidden_size: 2048
    num_attention_heads: 16
    num_hidden_layers: 24
    vocab_size: 49152`,
        1,
      ),
    );
    // Starcoder2Config.__post_init__: neither multi_query nor grouped_query → multi_query; CausalSelfMQA
    // kv_out_features = d_qk + d_v (one head each).
    assert.equal(countParams(s.architecture!).total, sc2Count(2048, 24, 16, 1, 49152));
    const wider = spec(
      sc2(
        `    is_starcoder2_config: true
    hidden_size: 2048
    intermediate_size: 6144
    num_attention_heads: 16
    num_hidden_layers: 24
    vocab_size: 49153`,
        1,
      ),
    );
    // vocab 49153 padded to a multiple of 128 × 1 = 49280.
    assert.equal(countParams(wider.architecture!).total, sc2Count(2048, 24, 16, 1, 49280, 6144));
  });

  it('refuses what Starcoder2Config asserts against, and an activation ACT2FN lacks', () => {
    const noKv = spec(sc2(SC2_7B.replace('    num_kv_heads: 4\n', '')));
    assert.equal(noKv.architecture, undefined);
    const both = spec(sc2(`${SC2_7B}\n    multi_query: true`));
    assert.equal(both.architecture, undefined);
    const act = spec(sc2(SC2_7B.replace('activation_function: gelu', 'activation_function: geglu')));
    assert.equal(act.architecture, undefined);
  });

  it('still treats a key no config class has as another class', () => {
    const s = spec(sc2(`${SC2_7B}\n    n_inner: 18432`));
    assert.equal(s.architecture, undefined);
    assert.match((s.paramsMissing ?? []).join(' '), /n_inner/);
  });
});

describe('nanotron: a top-level section nanotron’s Config does not have (a fork’s config)', () => {
  /**
   * RRaAy-H/nanotron-infini@f9b55099 fineweb_local_300m_infini_4gpu_config.yaml, trimmed: its
   * `infini_attention:` section is read by the fork, whose attention adds per-head balance_factors
   * (src/nanotron/models/llama.py l. 493-501); upstream's get_config_from_dict (dacite strict) refuses
   * it. Before: N = 302,015,488, the upstream Llama count, with no warning.
   */
  const infini = (section: string) => `general:
  project: llama_300m_infini_4gpu_fineweb
  run: 4gpu_fineweb_300m_experiment
${section}
model:
  make_vocab_size_divisible_by: 1
  model_config:
    hidden_act: silu
    hidden_size: 1024
    intermediate_size: 4096
    num_hidden_layers: 12
    is_llama_config: true
    num_attention_heads: 8
    num_key_value_heads: 8
    tie_word_embeddings: false
    vocab_size: 49152
parallelism:
  dp: 4
  pp: 1
  tp: 1
tokens:
  sequence_length: 8192
  train_steps: 30000
  micro_batch_size: 1
  batch_accumulation_per_replica: 1
`;

  it('infini_attention: N unknown naming the section; D kept', () => {
    const s = spec(infini('infini_attention:\n  segment_length: 1024\n  turn_on_memory: true'));
    assert.equal(s.architecture, undefined);
    assert.ok(s.diagnostics.some((d) => d.message.includes('`infini_attention` is not a section')));
    assert.equal(s.training.tokens, 983_040_000);
  });

  it('without it the same model counts (302,015,488); doremi (DoReMiConfig) and data (pre-data_stages) are sections', () => {
    assert.equal(countParams(spec(infini('')).architecture!).total, 302_015_488);
    assert.equal(countParams(spec(infini('doremi:\n  domain_names: a,b')).architecture!).total, 302_015_488);
    assert.equal(countParams(spec(infini('data:\n  seed: 42')).architecture!).total, 302_015_488);
  });
});
