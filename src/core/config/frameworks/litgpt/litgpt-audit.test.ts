import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countParams } from '../../../model/params';
import { readSpecAs } from '../../../../../test/helpers';

/** A pretrain YAML with an inline model_config (config fields as LitGPT names them). */
function pretrain(modelConfig: string): string {
  return `model_name: custom\nmodel_config:\n${modelConfig}\ntrain:\n  global_batch_size: 8\n  micro_batch_size: 1\n  max_tokens: 1000000\n`;
}

describe('LitGPT model_config audit against litgpt@26857050', () => {
  it('takes the name from hf_config for the OLMo non-parametric LayerNorm, QK norms included', () => {
    // config.py __post_init__ copies hf_config.name into name; norm_class is then
    // LayerNorm(elementwise_affine=False), also for norm_q/norm_k (model.py CausalSelfAttention).
    const spec = readSpecAs(
      'litgpt',
      pretrain(
        '  hf_config: {org: allenai, name: OLMo-1B-hf}\n  n_layer: 2\n  n_embd: 64\n  n_head: 4\n  vocab_size: 100\n  padding_multiple: 64\n  bias: false\n  intermediate_size: 256\n  norm_qk: true',
      ),
      {},
    );
    const d = 64;
    const headSize = 16;
    const qkv = d * (4 + 2 * 4) * headSize; // Linear(n_embd, (n_head + 2·n_query_groups)·head_size)
    const proj = 4 * headSize * d;
    const mlp = d * 256 + 256 * d; // GptNeoxMLP fc + proj, no bias
    const vocab = 128; // find_multiple(100, 64)
    assert.equal(countParams(spec.architecture!).total, 2 * (qkv + proj + mlp) + 2 * vocab * d);
  });

  const refused: [string, string][] = [
    ['LLaMAMLP without intermediate_size', '  mlp_class_name: LLaMAMLP\n  n_embd: 64\n  n_head: 4'],
    ['n_embd not a multiple of n_head', '  n_embd: 100\n  n_head: 3\n  intermediate_size: 64'],
    ['n_head not a multiple of n_query_groups', '  n_embd: 64\n  n_head: 4\n  n_query_groups: 3'],
    [
      'LLaMAMoE with no experts',
      '  n_embd: 64\n  n_head: 4\n  mlp_class_name: LLaMAMoE\n  intermediate_size: 64',
    ],
    [
      'non-parallel residual with a shared attention norm',
      '  n_embd: 64\n  n_head: 4\n  parallel_residual: false\n  shared_attention_norm: true',
    ],
  ];
  for (const [label, block] of refused) {
    it(`refuses ${label} as LitGPT does (no N, an error)`, () => {
      const spec = readSpecAs('litgpt', pretrain(block), {});
      assert.equal(spec.architecture, undefined);
      assert.ok(spec.diagnostics.some((d) => d.severity === 'error' && /LitGPT refuses/.test(d.message)));
    });
  }

  it('counts LLaMAMoE shared experts gated, with first_k_dense_replace dense layers', () => {
    const spec = readSpecAs(
      'litgpt',
      pretrain(
        '  n_layer: 2\n  n_embd: 64\n  n_head: 4\n  vocab_size: 128\n  padding_multiple: 64\n  bias: false\n  norm_class_name: RMSNorm\n  mlp_class_name: LLaMAMoE\n  intermediate_size: 96\n  moe_intermediate_size: 32\n  n_expert: 4\n  n_expert_per_token: 2\n  n_shared_expert: 1\n  first_k_dense_replace: 1',
      ),
      {},
    );
    const d = 64;
    const attn = d * 12 * 16 + 64 * d;
    const norms = 2 * d; // norm_1, norm_2 RMSNorm weights
    const dense = 3 * d * 96; // LLaMAMLP(intermediate_size) in block 0
    const moe = d * 4 + 4 * 3 * d * 32 + 3 * d * 32; // gate + 4 experts + shared LLaMAMLP(32·1)
    const total = 2 * (attn + norms) + dense + moe + 2 * 128 * d + d; // wte, lm_head, ln_f
    assert.equal(countParams(spec.architecture!).total, total);
  });
});
