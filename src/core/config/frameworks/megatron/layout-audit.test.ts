import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../analyze';
import { DEFAULT_ANALYSIS_SETTINGS } from '../../../settings';
import { readLayout } from '../../registry';

/**
 * Layout values as NVIDIA/Megatron-LM@d98e8a64 computes them: megatron/training/arguments.py
 * validate_args and megatron/core/transformer/transformer_config.py TransformerConfig.__post_init__.
 */
const script = (extra: string) =>
  'torchrun --nproc_per_node 1 pretrain_gpt.py --num-layers 4 --hidden-size 512 --num-attention-heads 8 \\\n' +
  `  --seq-length 1024 --max-position-embeddings 1024 --micro-batch-size 2 --global-batch-size 2 --train-iters 10 ${extra}\n`;
const layout = (extra: string) => readLayout('megatron', script(extra), {}, 1)!;
const memory = (extra: string) =>
  analyzeText(script(extra), {}, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 1 }).analysis!.memory;

describe('Megatron-LM layout audit (NVIDIA/Megatron-LM@d98e8a64)', () => {
  it('--tensor-parallel-num-weight-shards beyond TP (GTP weight rematerialization) makes memory unknown, naming the flag', () => {
    const keys = (extra: string) => (layout(extra).unmodelled ?? []).map((u) => u.key);
    assert.deepEqual(keys('--tensor-model-parallel-size 1 --tensor-parallel-num-weight-shards 4'), [
      '--tensor-parallel-num-weight-shards',
    ]);
    // Equal to TP (resolve_tensor_parallel_weight_shards' default): the plain TP sharding.
    assert.deepEqual(keys('--tensor-parallel-num-weight-shards 1'), []);
  });
  it('precision follows --bf16 / --fp16 / neither (arguments.py validate_args)', () => {
    // Neither flag: ModelParallelConfig params_dtype torch.float32 → fp32 params and grads, no copy.
    const fp32 = memory('')!;
    assert.equal(fp32.layout.precision, 'fp32');
    // --fp16: accumulate_allreduce_grads_in_fp32 stays False → fp16 grads (2 B), fp32 main params.
    assert.equal(layout('--fp16').precision, 'zero-mixed');
    assert.equal(layout('--fp16 --accumulate-allreduce-grads-in-fp32').precision, 'megatron-bf16');
    // --bf16 forces fp32 accumulation unless --grad-reduce-in-bf16.
    assert.equal(layout('--bf16').precision, 'megatron-bf16');
    assert.equal(layout('--bf16 --grad-reduce-in-bf16').precision, 'zero-mixed');
    // One GPU, TP = PP = 1: every parameter on it. fp32: 4 B weights; --fp16: 2 B weights, 2 B grads.
    const fp16 = memory('--fp16')!;
    assert.equal(fp32.weights.bytes, 2 * fp16.weights.bytes);
    assert.equal(fp16.gradients.bytes, fp16.weights.bytes);
    assert.equal(fp32.gradients.bytes, fp32.weights.bytes);
  });

  it('dropout: --hidden-dropout 0 --attention-dropout 0 stores no masks; attention dropout alone does not with fused attention', () => {
    assert.equal(layout('--hidden-dropout 0.0 --attention-dropout 0.0').dropout, false);
    assert.equal(layout('--hidden-dropout 0 --attention-dropout 0.1').dropout, false);
    assert.equal(layout('--hidden-dropout 0.1 --attention-dropout 0').dropout, true);
    // Unfused attention keeps the s×s mask of attention dropout only: one boolean cannot say it.
    const unfused = layout('--attention-backend unfused --hidden-dropout 0 --attention-dropout 0.1');
    assert.equal(unfused.unmodelled?.[0]?.key, '--attention-dropout');
  });

  it('recompute combinations TransformerConfig rejects are reported at the flag, not estimated', () => {
    const full = layout('--recompute-granularity full');
    assert.match((full.invalid?.recomputeMethod as { message: string }).message, /recompute_method must be/);
    assert.equal(memory('--recompute-granularity full'), null);
    const noCount = layout('--recompute-granularity full --recompute-method block');
    assert.match(
      (noCount.invalid?.recomputeLayers as { message: string }).message,
      /recompute_num_layers must be between/,
    );
    const selective = layout('--recompute-granularity selective --recompute-num-layers 2');
    assert.match((selective.invalid?.recomputeLayers as { message: string }).message, /must be None/);
    // uniform / block with a count still read as before.
    const block = layout('--recompute-granularity full --recompute-method block --recompute-num-layers 2');
    assert.equal(block.recomputeMethod, 'block');
    assert.equal(block.recomputeLayers, 2);
  });

  it('keys that change memory in ways not modelled make memory unknown, naming the flag', () => {
    const cases: [string, string][] = [
      ['--recompute-activations --recompute-modules core_attn mlp', '--recompute-modules'],
      ['--use-torch-fsdp2', '--use-torch-fsdp2'],
      ['--use-megatron-fsdp --data-parallel-sharding-strategy optim_grads_params', '--use-megatron-fsdp'],
      ['--cpu-offloading-num-layers 2', '--cpu-offloading-num-layers'],
      ['--decoder-first-pipeline-num-layers 1', '--decoder-first-pipeline-num-layers'],
      ['--account-for-embedding-in-pipeline-split', '--account-for-embedding-in-pipeline-split'],
      ['--optimizer soap', '--optimizer'],
      ['--use-precision-aware-optimizer --exp-avg-dtype bf16', '--exp-avg-dtype'],
      ['--optimizer-cpu-offload --optimizer-offload-fraction 0.5', '--optimizer-offload-fraction'],
    ];
    for (const [extra, key] of cases) {
      const l = layout(`--bf16 ${extra}`);
      assert.ok(
        l.unmodelled?.some((u) => u.key === key),
        `${extra}: ${JSON.stringify(l.unmodelled)}`,
      );
      assert.equal(memory(`--bf16 ${extra}`), null, extra);
    }
    // The default module list is Korthikanti's selective recompute: still estimated.
    assert.equal(layout('--recompute-activations --recompute-modules core_attn').unmodelled, undefined);
  });
});
