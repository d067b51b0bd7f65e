/**
 * Layout audit against AI-Hypercomputer/maxtext@e591f30c (configs/base.yml, configs/types.py,
 * optimizers/optimizers.py, layers/pipeline.py, trainers/pre_train/train.py): keys the reader
 * used to ignore, each checked through the reader's own layering (built-in base.yml ← model ←
 * command line).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import type { ParallelLayout } from '../../../model/layout';

const layoutOf = (args: string): ParallelLayout => {
  const r = readRunConfig(
    `python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml run_name=audit model_name=llama2-7b ${args}\n`,
    { path: '/nonexistent/audit/run.sh', options: { gpus: 8 } },
  );
  assert.equal(r.kind, 'run-config');
  return (r as { spec: { layout: ParallelLayout } }).spec.layout;
};
const keys = (args: string) => (layoutOf(args).unmodelled ?? []).map((u) => u.key);

describe('MaxText layout audit (AI-Hypercomputer/maxtext@e591f30c)', () => {
  it('the base layout itself has nothing unknown', () => assert.deepEqual(keys(''), []));

  it('state moved or added outside the estimate is unknown, naming the key', () => {
    assert.deepEqual(keys('parameter_memory_host_offload=true'), ['parameter_memory_host_offload']);
    assert.deepEqual(keys('shard_optimizer_over_data=true'), ['shard_optimizer_over_data']);
    assert.deepEqual(keys('num_vocab_tiling=4'), ['num_vocab_tiling']);
  });

  it('mu_dtype other than weight_dtype changes AdamW’s first moment (optax.adamw(mu_dtype=…)); empty = weight_dtype', () => {
    assert.deepEqual(keys('mu_dtype=bfloat16'), ['mu_dtype']);
    assert.deepEqual(keys('mu_dtype=float32'), []);
    // adam_pax takes no mu_dtype (optimizers.py get_optimizer).
    assert.deepEqual(keys('opt_type=adam_pax mu_dtype=bfloat16'), []);
  });

  it('pipeline parallelism is MaxText’s scanned loop over num_pipeline_microbatches, not 1F1B: unknown', () => {
    assert.deepEqual(keys('ici_pipeline_parallelism=2'), ['ici_pipeline_parallelism']);
  });

  it('dropout_rate > 0 stores masks unless the model or file disables dropout (models/llama2-7b.yml enable_dropout False)', () => {
    assert.equal(layoutOf('dropout_rate=0.1').dropout, undefined);
    assert.equal(layoutOf('dropout_rate=0.1 enable_dropout=true').dropout, true);
  });
});

describe('MaxText custom mesh and sharding rules (configs/pyconfig.py _merge_logical_axis_rules)', () => {
  const overlay = (body: string) => {
    const r = readRunConfig(
      `model_name: "audit"\nbase_emb_dim: 1024\nbase_num_query_heads: 8\nbase_num_kv_heads: 8\nbase_mlp_dim: 4096\nbase_num_decoder_layers: 8\nvocab_size: 32000\n${body}`,
      {
        path: '/nonexistent/configs/models/audit.yml',
        options: { gpus: 8 },
      },
    );
    assert.equal(r.kind, 'run-config');
    return ((r as { spec: { layout: ParallelLayout } }).spec.layout.unmodelled ?? []).map((u) => u.key);
  };
  it('a rule replacing a base rule, or another mesh_axes, is unknown; a norm-only rule is not', () => {
    assert.deepEqual(overlay(''), []);
    assert.deepEqual(overlay("logical_axis_rules: [['norm', 'fsdp']]\n"), []);
    assert.deepEqual(overlay("logical_axis_rules: [['embed', []]]\n"), ['logical_axis_rules']);
    assert.deepEqual(overlay("mesh_axes: ['data', 'fsdp', 'expert']\n"), ['mesh_axes']);
  });
  it('the reason names the rule’s logical axis, or quotes a rule without one — never "undefined" (CI fuzz seed 1012493939: a truncated rule list)', () => {
    const why = (body: string) => {
      const r = readRunConfig(
        `model_name: "audit"\nbase_emb_dim: 1024\nbase_num_query_heads: 8\nbase_num_kv_heads: 8\nbase_mlp_dim: 4096\nbase_num_decoder_layers: 8\nvocab_size: 32000\n${body}`,
        { path: '/nonexistent/configs/models/audit.yml', options: { gpus: 8 } },
      );
      const layout = (r as { spec: { layout: ParallelLayout } }).spec.layout;
      return (layout.unmodelled ?? []).find((u) => u.key === 'logical_axis_rules')?.why ?? '';
    };
    assert.match(why("logical_axis_rules: [['embed', []]]\n"), /a custom sharding rule \(embed\)/);
    assert.match(why('logical_axis_rules: [[]]\n'), /a custom sharding rule \(\[\]\)/);
    assert.match(why('logical_axis_rules: [7]\n'), /a custom sharding rule \(7\)/);
    assert.doesNotMatch(why('logical_axis_rules: [[]]\n'), /undefined/);
  });
});
