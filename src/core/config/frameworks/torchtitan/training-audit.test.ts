import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import type { RunSpec } from '../../../types';

/**
 * Training tokens D against pytorch/torchtitan@238fa995 (the last TOML era):
 * - config/job_config.py: training.local_batch_size 8, global_batch_size -1, seq_len 2048,
 *   steps 10000; parallelism.data_parallel_shard_degree -1 ("leftover ranks"), replicate 1;
 * - distributed/parallel_dims.py `ParallelDims._validate`: dp_shard must be -1 or ≥ 1; -1 becomes
 *   world_size // (dp_replicate·cp·tp·pp); dp_replicate·dp_shard·cp·tp·pp must equal world_size;
 * - train.py `Trainer.__init__`: batch_degree = the "batch" mesh (dp_replicate × dp_shard);
 *   global_batch_size < 0 → local × batch_degree; assert global > 0 and
 *   global % (local × batch_degree) == 0; gradient_accumulation_steps = global // (local × DP);
 *   every step consumes global_batch_size sequences of seq_len tokens (infinite dataloader).
 */
const STEPS = 100;
const LOCAL = 8;
const SEQ = 2048;

function toml(parallelism: string, training = ''): string {
  return [
    '[job]',
    'dump_folder = "./outputs"',
    '',
    '[model]',
    'name = "llama3"',
    'flavor = "8B"',
    '',
    '[training]',
    `local_batch_size = ${LOCAL}`,
    `seq_len = ${SEQ}`,
    `steps = ${STEPS}`,
    training,
    '',
    '[parallelism]',
    parallelism,
    '',
  ].join('\n');
}

function read(text: string, gpus?: number): RunSpec {
  const result = readRunConfig(text, { path: 'train.toml', ...(gpus ? { options: { gpus } } : {}) });
  assert.equal(result.kind, 'run-config');
  assert.equal(result.spec.framework, 'torchtitan');
  return result.spec;
}

describe('torchtitan training-length audit (pytorch/torchtitan@238fa995)', () => {
  it('dp_shard -1 with dp_replicate: DP = replicate × (world // (replicate·tp·pp·cp))', () => {
    const spec = read(
      toml('data_parallel_replicate_degree = 2\ndata_parallel_shard_degree = -1\ntensor_parallel_degree = 2'),
      8,
    );
    const dpShard = Math.floor(8 / (2 * 2));
    assert.equal(spec.training.tokens, STEPS * LOCAL * SEQ * 2 * dpShard);
  });

  it('dp_shard -1 when world_size is not a multiple of dp_replicate·tp·pp·cp: no D (ParallelDims asserts)', () => {
    // 8 GPUs, replicate 2 × TP 8: dp_shard = 8 // 16 = 0, `assert dp_shard >= 1` fails. The old
    // reader divided by TP·PP·CP only and showed DP 1.
    const spec = read(
      toml('data_parallel_replicate_degree = 2\ndata_parallel_shard_degree = -1\ntensor_parallel_degree = 8'),
      8,
    );
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'invalid-parallelism'));
  });

  it('data_parallel_shard_degree = 0 is refused ("dp_shard must -1 or >=1"): no D', () => {
    const spec = read(toml('data_parallel_shard_degree = 0'), 8);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => /unknown: data_parallel_shard_degree = 0/.test(m)));
  });

  it('global_batch_size a multiple of local × DP: D = steps × global × seq_len (gradient accumulation)', () => {
    const global = 2 * LOCAL * 8; // 2 accumulation steps on DP 8
    const spec = read(toml('data_parallel_shard_degree = 8', `global_batch_size = ${global}`));
    assert.equal(spec.training.tokens, STEPS * global * SEQ);
    assert.equal(spec.training.globalBatchSeqs, global);
  });

  it('global_batch_size not a multiple of local × DP: no D (Trainer asserts)', () => {
    // 48 % (8 × 8) != 0: the run stops before step 1. The old reader showed 100 × 48 × 2048.
    const spec = read(toml('data_parallel_shard_degree = 8', 'global_batch_size = 48'));
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => /global_batch_size 48 is not a multiple/.test(m)));
    assert.ok(spec.diagnostics.some((d) => d.code === 'invalid-batch'));
  });

  it('the check uses the local_batch_size default (8) when the file sets only global_batch_size', () => {
    const text = toml('data_parallel_shard_degree = 8', 'global_batch_size = 32').replace(
      `local_batch_size = ${LOCAL}\n`,
      '',
    );
    // 32 % (8 × 8) != 0.
    assert.equal(read(text).training.tokens, undefined);
    const ok = toml('data_parallel_shard_degree = 8', 'global_batch_size = 128').replace(
      `local_batch_size = ${LOCAL}\n`,
      '',
    );
    assert.equal(read(ok).training.tokens, STEPS * 128 * SEQ);
  });

  it('global_batch_size = 0 is refused (assert global_batch_size > 0): no D', () => {
    // The old reader fell back to local × DP.
    const spec = read(toml('data_parallel_shard_degree = 8', 'global_batch_size = 0'));
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.missing?.some((m) => /global_batch_size = 0/.test(m)));
  });

  it('a model name outside the registry (flux, vlm) brings its own dataloader: no D', () => {
    // models/flux/train.py and experiments/vlm/datasets/mm_datasets.py do not feed sequences of
    // exactly seq_len; the old reader showed steps × local × seq_len × DP for them.
    for (const name of ['flux', 'vlm']) {
      const text = toml('data_parallel_shard_degree = 8').replace('name = "llama3"', `name = "${name}"`);
      const spec = read(text);
      assert.equal(spec.training.tokens, undefined, name);
      assert.ok(
        spec.training.missing?.some((m) => m.includes(`tokens per step of torchtitan model \`${name}\``)),
      );
    }
    // A registry alias (experiments' simple_fsdp.llama3) keeps the text dataloader.
    const alias = toml('data_parallel_shard_degree = 8').replace(
      'name = "llama3"',
      'name = "simple_fsdp.llama3"',
    );
    assert.equal(read(alias).training.tokens, STEPS * LOCAL * SEQ * 8);
  });

  it('global_batch_size -1 (default): D = steps × local × DP × seq_len', () => {
    const spec = read(toml('data_parallel_shard_degree = -1\ntensor_parallel_degree = 2'), 16);
    assert.equal(spec.training.tokens, STEPS * LOCAL * (16 / 2) * SEQ);
  });
});
