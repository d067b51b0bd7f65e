import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readNemoLayout } from './layout';

/** NeMo 1.x (NVIDIA/NeMo@8cfedd72) model-config keys as the model builds them. */
const yaml = (model: string) =>
  `trainer:\n  devices: 8\n  num_nodes: 1\n  precision: bf16\nmodel:\n  mcore_gpt: True\n  micro_batch_size: 1\n  global_batch_size: 8\n${model}`;

describe('NeMo 1.x layout audit (NVIDIA/NeMo@8cfedd72)', () => {
  it('activation checkpointing the model refuses is reported, not estimated as full recompute', () => {
    // Megatron-core TransformerConfig.__post_init__ (Megatron-LM@d98e8a64): full needs a method ...
    const noMethod = readNemoLayout(yaml('  activations_checkpoint_granularity: full\n'));
    assert.match((noMethod.invalid?.recomputeMethod as { message: string }).message, /uniform or block/);
    // ... and a layer count under mcore; the legacy model (mcore_gpt False) sets a missing count to 1.
    const noCount = readNemoLayout(
      yaml('  activations_checkpoint_granularity: full\n  activations_checkpoint_method: block\n'),
    );
    assert.match((noCount.invalid?.recomputeLayers as { message: string }).message, /num_layers/);
    const legacy = readNemoLayout(
      yaml('  activations_checkpoint_granularity: full\n  activations_checkpoint_method: block\n').replace(
        'mcore_gpt: True',
        'mcore_gpt: False',
      ),
    );
    assert.equal(legacy.recomputeMethod, 'block');
    assert.equal(legacy.recomputeLayers, 1);
    // selective with a count: mcore raises "recompute_num_layers must be None".
    const selective = readNemoLayout(
      yaml('  activations_checkpoint_granularity: selective\n  activations_checkpoint_num_layers: 2\n'),
    );
    assert.match((selective.invalid?.recomputeLayers as { message: string }).message, /must be null/);
  });

  it('expert_tensor_parallel_size other than the TP size is unknown (NeMo 1.x groups experts by TP, megatron_init.py)', () => {
    const other = readNemoLayout(yaml('  tensor_model_parallel_size: 4\n  expert_tensor_parallel_size: 1\n'));
    assert.equal(other.unmodelled?.[0]?.key, 'expert_tensor_parallel_size');
    const same = readNemoLayout(yaml('  tensor_model_parallel_size: 4\n  expert_tensor_parallel_size: 4\n'));
    assert.equal(same.unmodelled, undefined);
  });

  it('dropout: hidden_dropout decides with fused attention; recompute_modules other than core_attn is unknown', () => {
    const l = readNemoLayout(yaml('  hidden_dropout: 0.0\n  attention_dropout: 0.1\n'));
    assert.equal(l.dropout, false);
    assert.equal(readNemoLayout(yaml('  hidden_dropout: 0.1\n  attention_dropout: 0.0\n')).dropout, true);
    const modules = readNemoLayout(
      yaml('  activations_checkpoint_granularity: selective\n  recompute_modules: [core_attn, mlp]\n'),
    );
    assert.equal(modules.unmodelled?.[0]?.key, 'recompute_modules');
    const perPipeline = readNemoLayout(yaml('  activations_checkpoint_layers_per_pipeline: 2\n'));
    assert.equal(perPipeline.unmodelled?.[0]?.key, 'activations_checkpoint_layers_per_pipeline');
  });
});
