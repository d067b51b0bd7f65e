import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrainingSpec } from '../../../types';
import { megatronReader } from './reader';

/**
 * Training length D as the frameworks compute it:
 * - NVIDIA/Megatron-LM@d98e8a64: megatron/training/arguments.py validate_args (data-parallel size,
 *   global batch default, iteration- vs sample-based asserts), megatron/training/training.py
 *   update_train_iters and train() (`while iteration < args.train_iters`), and
 *   megatron/core/num_microbatches_calculator.py (--rampup-batch-size deprecated and ignored since
 *   532ad926; before it, arguments.py asserted "expected no batch-size rampup for iteration-based
 *   training", as at fa0dcc4).
 * - microsoft/Megatron-DeepSpeed@f4157bea: megatron/arguments.py validate_args (same asserts; DP =
 *   world / (TP·PP·SP)), megatron/training.py update_train_iters, get_optimizer_param_scheduler
 *   (raises without --train-iters or --train-samples) and train() (stops at --train-tokens too).
 */
const base =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 2 --hidden-size 64 --num-attention-heads 4 ' +
  '--max-position-embeddings 128 --vocab-size 1000 --tokenizer-type NullTokenizer --seq-length 128';
const trainingOf = (text: string, options?: { gpus: number }): TrainingSpec => {
  const result = megatronReader.read(text, options ? { options } : {});
  assert.equal(result.kind, 'run-config');
  return result.kind === 'run-config' ? result.spec.training : {};
};
const read = (flags: string, gpus?: number) => trainingOf(`${base} ${flags}\n`, gpus ? { gpus } : undefined);
const deepspeed = (flags: string) =>
  trainingOf(
    `deepspeed --num_gpus 8 pretrain_gpt.py --deepspeed ${base.slice(base.indexOf('--num-layers'))} ${flags}\n`,
  );

describe('Megatron training length audit (Megatron-LM@d98e8a64, Megatron-DeepSpeed@f4157bea)', () => {
  it('--train-samples trains ⌊samples / global batch⌋ whole batches (update_train_iters)', () => {
    // train_iters = train_samples // global_batch_size; the loop runs that many full batches.
    const t = read('--micro-batch-size 4 --global-batch-size 96 --train-samples 1000');
    const iterations = Math.floor(1000 / 96); // 10
    assert.equal(t.steps, iterations);
    assert.equal(t.tokens, iterations * 96 * 128); // not 1000 × 128
    // An exact multiple is unchanged.
    assert.equal(
      read('--micro-batch-size 4 --global-batch-size 100 --train-samples 1000').tokens,
      1000 * 128,
    );
  });

  it('--train-iters with --train-samples is refused (validate_args asserts one of them)', () => {
    const t = read('--micro-batch-size 4 --global-batch-size 32 --train-iters 100 --train-samples 640');
    assert.equal(t.tokens, undefined);
    assert.ok(
      t.missing?.some((m) => m.startsWith('unknown: --train-samples')),
      String(t.missing),
    );
  });

  it('--rampup-batch-size with --train-iters: Megatron-LM ignores the ramp, every iteration is a full batch', () => {
    // num_microbatches_calculator.py: "rampup_batch_size ... Deprecated. This argument is ignored."
    const t = read(
      '--micro-batch-size 4 --global-batch-size 32 --rampup-batch-size 8 8 96 --train-iters 100',
    );
    assert.equal(t.tokens, 100 * 32 * 128);
    assert.equal(t.steps, 100);
  });

  it('--rampup-batch-size with --train-iters under Megatron-DeepSpeed is refused (validate_args)', () => {
    const t = deepspeed(
      '--micro-batch-size 4 --global-batch-size 32 --rampup-batch-size 8 8 96 --train-iters 100',
    );
    assert.equal(t.tokens, undefined);
    assert.ok(
      t.missing?.some((m) => m.includes('--rampup-batch-size')),
      String(t.missing),
    );
  });

  it('--train-tokens alone is refused by Megatron-DeepSpeed (get_optimizer_param_scheduler raises)', () => {
    const alone = deepspeed('--micro-batch-size 4 --global-batch-size 32 --train-tokens 1000000');
    assert.equal(alone.tokens, undefined);
    assert.ok(
      alone.missing?.some((m) => m.startsWith('unknown: --train-tokens')),
      String(alone.missing),
    );
    // With --train-samples beside it, the loop stops after the step reaching the target:
    // ⌈1e6 / (32 × 128)⌉ = 245 steps, below ⌊1e7 / 32⌋ = 312,500 iterations.
    const both = deepspeed(
      '--micro-batch-size 4 --global-batch-size 32 --train-samples 10000000 --train-tokens 1000000',
    );
    assert.equal(both.tokens, Math.ceil(1e6 / (32 * 128)) * 32 * 128);
  });

  it('no --micro-batch-size and no --global-batch-size: Megatron asserts micro_batch_size is given', () => {
    const t = read('--train-iters 100', 8);
    assert.equal(t.tokens, undefined);
    assert.ok(
      t.missing?.some((m) => m.startsWith('unknown: --micro-batch-size')),
      String(t.missing),
    );
    // With the micro batch: global = micro × DP, DP = 8 GPUs / (TP 2 · PP 2) = 2.
    const ok = read(
      '--micro-batch-size 3 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 --train-iters 100',
    );
    assert.equal(ok.tokens, 100 * 3 * 2 * 128);
  });

  it('--tensor-parallel-num-weight-shards counts in the model-parallel size (total_model_size)', () => {
    // total_model_size = TP·PP·CP·gtp, gtp = shards / TP (resolve_tensor_parallel_weight_shards):
    // 8 GPUs, TP 2, 4 shards → gtp 2, DP = 8 / 4 = 2; global = micro 3 × 2.
    const t = read(
      '--micro-batch-size 3 --tensor-model-parallel-size 2 --tensor-parallel-num-weight-shards 4 --train-iters 10',
    );
    assert.equal(t.globalBatchSeqs, 3 * 2);
    assert.equal(t.tokens, 10 * 3 * 2 * 128);
  });

  it('--decoder-seq-length outside pretrain_gpt.py (multimodal / encoder-decoder): D unknown', () => {
    // examples/multimodal/nvlm/pretrain_yi_34b_internvit_6b.sh: --seq-length 256 is the image-embedding
    // length, --decoder-seq-length 512 the language model's; the GPT reading (samples × 256) is wrong.
    const flags =
      '--num-layers 2 --hidden-size 64 --num-attention-heads 4 --max-position-embeddings 128 --vocab-size 1000 ' +
      '--tokenizer-type NullTokenizer --tensor-model-parallel-size 1 --pipeline-model-parallel-size 1 ' +
      '--seq-length 256 --decoder-seq-length 512 --micro-batch-size 1 --global-batch-size 8 --train-samples 800';
    const vlm = trainingOf(`torchrun --nproc_per_node 8 examples/multimodal/train.py ${flags}\n`);
    assert.equal(vlm.tokens, undefined);
    assert.ok(
      vlm.missing?.some((m) => m.startsWith('unknown: --decoder-seq-length')),
      String(vlm.missing),
    );
    // pretrain_gpt.py ignores the flag: 100 iterations × 8 × 256.
    assert.equal(trainingOf(`torchrun --nproc_per_node 8 pretrain_gpt.py ${flags}\n`).tokens, 800 * 256);
  });
});
