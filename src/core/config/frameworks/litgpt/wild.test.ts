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
