import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countParams } from '../../../model/params';
import type { ReadContext, RunSpec } from '../../../types';
import { litgptReader } from './reader';

/**
 * spirlness/litgpt_project@705ce38c51e4800b630d3a8d0bf753077ebf934d configs/moe_200m.yaml (and
 * moe_300m_fit6gb.yaml): LitGPT model configs of a fork whose Config has extra fields
 * (`moe_aux_loss_weight`, `moe_router_stats`). LitGPT's Config is a dataclass: its CLI and
 * `Config(**yaml)` reject any other key (Lightning-AI/litgpt@26857050 litgpt/config.py), and a fork
 * that accepts one has its own model code, so N is unknown rather than the upstream reading of the
 * remaining fields.
 */
const specOf = (text: string, context: ReadContext = {}): RunSpec => {
  const result = litgptReader.read(text, context);
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
};
const messages = (spec: RunSpec) => spec.diagnostics.map((d) => d.message).join('\n');

const moeFields = [
  'bias: false',
  'block_size: 2048',
  'mlp_class_name: LLaMAMoE',
  'moe_intermediate_size: 2048',
  'n_embd: 768',
  'n_expert: 8',
  'n_expert_per_token: 2',
  'n_head: 12',
  'n_layer: 12',
  'n_query_groups: 4',
  'name: MoE-200M',
  'norm_class_name: RMSNorm',
  'padded_vocab_size: 50257',
  'parallel_residual: false',
  'vocab_size: 50257',
];
const pretrain = (fields: string[]) =>
  [
    'model_config:',
    ...fields.map((line) => `  ${line}`),
    'train:',
    '  global_batch_size: 128',
    '  micro_batch_size: 4',
    '  max_tokens: 1000000000',
    '  max_seq_length: 512',
    '',
  ].join('\n');

describe('LitGPT model configs of forks (fields litgpt.Config does not have)', () => {
  it('the upstream fields alone: the LLaMAMoE count', () => {
    const spec = specOf(pretrain(moeFields));
    // Per layer: qkv (12 + 2·4)·64·768, proj 768², router 768·8, 8 experts of 3·768·2048, 2 RMSNorm;
    // untied 50257-row wte and lm_head; final norm.
    const perLayer = 20 * 64 * 768 + 768 * 768 + 768 * 8 + 8 * 3 * 768 * 2048 + 2 * 768;
    assert.equal(countParams(spec.architecture!).total, 12 * perLayer + 2 * 50257 * 768 + 768);
    assert.equal(spec.training.tokens, 1e9);
  });

  it('a fork field (moe_aux_loss_weight): N unknown naming it (was the upstream reading, 549,146,880)', () => {
    const spec = specOf(pretrain([...moeFields, 'moe_aux_loss_weight: 0.01', 'moe_router_stats: true']));
    assert.equal(spec.architecture, undefined);
    assert.match(
      messages(spec),
      /unknown: model_config\.moe_aux_loss_weight — not a field of litgpt\.Config/,
    );
    // D does not depend on the model: max_tokens.
    assert.equal(spec.training.tokens, 1e9);
  });

  it("lit-gpt's old `_mlp_class` spelling is not read as the GptNeoxMLP default", () => {
    const fields = moeFields.filter((line) => !/^(mlp_class_name|moe_|n_expert)/.test(line));
    const spec = specOf(pretrain([...fields, '_mlp_class: LLaMAMLP', 'intermediate_size: 2048']));
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: model_config\._mlp_class/);
  });

  it("a checkpoint's model_config.yaml with a fork field: N unknown, naming the file", () => {
    const files: Record<string, string> = {
      '/ws/checkpoints/moe/model_config.yaml': [...moeFields, 'moe_aux_loss_weight: 0.01', ''].join('\n'),
    };
    const spec = specOf(
      [
        'checkpoint_dir: checkpoints/moe',
        'train:',
        '  epochs: 1',
        '  global_batch_size: 16',
        '  micro_batch_size: 1',
        '',
      ].join('\n'),
      { path: '/ws/finetune.yaml', readFile: (path) => files[path] },
    );
    assert.equal(spec.architecture, undefined);
    assert.match(
      messages(spec),
      /unknown: model_config\.moe_aux_loss_weight in \/ws\/checkpoints\/moe\/model_config\.yaml/,
    );
  });
});

describe('LitGPT pretrain with initial_checkpoint_dir (continued pretraining)', () => {
  /**
   * slivering/VinaSmol-Unaite@13112e13 vinasmol/training/cpt_stage_1_main.yml, trimmed: SmolLM2-360M
   * with a 55,936-token vocabulary, continued from `initial_checkpoint_dir` (litgpt@26857050
   * pretrain.py l. 223 `fabric.load_raw(initial_checkpoint_dir / "lit_model.pth", model)`).
   */
  const cpt = (resume: string) => `model_name: VinaSmol-360M
model_config:
  name: VinaSmol-360M
  block_size: 8192
  vocab_size: 55936
  padded_vocab_size: 55936
  n_layer: 32
  n_head: 15
  n_query_groups: 5
  n_embd: 960
  rotary_percentage: 1.0
  parallel_residual: false
  bias: false
  norm_class_name: RMSNorm
  mlp_class_name: LLaMAMLP
  intermediate_size: 2560
  rope_base: 100000
  norm_eps: 1e-5
initial_checkpoint_dir: ../tokenization/checkpoints/SmolLM2-360M_extended
resume: ${resume}
train:
  global_batch_size: 64
  micro_batch_size: 2
  max_tokens: 2000000000
  max_seq_length: 2048
  tie_embeddings: true
  max_norm: 1.0
`;

  it('is a continuation: D = max_tokens of this run, flagged as not from scratch', () => {
    const spec = specOf(cpt('false'));
    // SmolLM2-360M (361,821,120 at vocab 49,152) + 6,784 rows × 960, head tied.
    assert.equal(countParams(spec.architecture!).total, 368_333_760);
    assert.equal(spec.training.tokens, 2_000_000_000);
    assert.equal(spec.training.finetune, true);
  });

  it('with resume as well, pretrain.py validate_args raises: D unknown', () => {
    const spec = specOf(cpt('auto'));
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes("Can't provide both")));
  });
});
