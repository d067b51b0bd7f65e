import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readOlmoCoreLayout, olmoCoreLayoutDefaults } from './layout';
import { olmoCoreEdits } from './memoryEdits';
import { OLMO_CORE_COMMIT } from './tables';
import { applyOffsetEdits } from '../../../model/memoryEdits';
import { resolveLayout } from '../../../model/layout';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { fixturePath, SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { analyzeFile, lineOf } from '../../../../../test/layout-support-read';
import { checkMemoryFixes, frameworkFiles } from '../../../../../test/layout-support';

const fixture = (name: string) => readFileSync(fixturePath('olmo-core', name), 'utf8');
const DENSE = { nLayers: 16 };
const MOE = { nLayers: 16, moe: { nExperts: 64, expertsPerToken: 8, expertFfnSize: 1024 } } as const;

/** A minimal launch script around one TransformerTrainModuleConfig(...) call. */
function script(trainModule: string, header = ''): string {
  return [
    'from olmo_core.config import DType',
    'from olmo_core.distributed.parallel import DataParallelType',
    'from olmo_core.nn.transformer import TransformerConfig',
    'from olmo_core.optim import AdamWConfig',
    'from olmo_core.train.train_module import TransformerDataParallelConfig, TransformerTrainModuleConfig',
    header,
    'SEQUENCE_LENGTH = 4096',
    'model_config = TransformerConfig.olmo2_1B(vocab_size=100352)',
    `train_module_config = TransformerTrainModuleConfig(${trainModule})`,
    'data_loader_config = NumpyDataLoaderConfig(global_batch_size=512 * SEQUENCE_LENGTH, seed=0)',
    '',
  ].join('\n');
}
const FSDP =
  'rank_microbatch_size=4 * SEQUENCE_LENGTH, max_sequence_length=SEQUENCE_LENGTH, optim=AdamWConfig(lr=1e-3), dp_config=TransformerDataParallelConfig(name=DataParallelType.fsdp, param_dtype=DType.bfloat16)';
const rejection = (x: unknown) =>
  x && typeof x !== 'string' ? (x as { message: string }).message : undefined;

describe(`OLMo-core layout (allenai/OLMo-core@${OLMO_CORE_COMMIT.slice(0, 8)} train_module/transformer)`, () => {
  it('OLMoE-1B-7B.py: FSDP (ZeRO-3) over every DP rank, bf16 param_dtype over fp32 shards, 2 × 4096-token micro-batches, AdamW', () => {
    const text = fixture('OLMoE-1B-7B.py');
    const l = readOlmoCoreLayout(text, 64, MOE);
    assert.equal(l.sharding, 'zero3');
    assert.equal(l.shardGroupSize, undefined, 'fsdp shards over the whole DP group (the resolver default)');
    assert.equal(l.precision, 'fsdp2-mixed');
    assert.equal(l.optimizer, 'adamw');
    // rank_microbatch_size=2 * common.max_sequence_length tokens; build_config(max_sequence_length=4096).
    assert.equal(l.seqLen, 4096);
    assert.equal(l.microBatch, 2);
    // global_batch_size 1024 × 4096 tokens / (8192 tokens × 64 ranks) = 8 micro-steps.
    assert.equal(l.gradAccum, 8);
    assert.equal(l.recompute, 'none');
    assert.equal(l.sources.sharding!.raw, 'DataParallelType.fsdp');
    assert.equal(
      l.sources.sharding!.keyRange.start.line,
      text.slice(0, text.indexOf('name=DataParallelType.fsdp')).split('\n').length - 1,
    );
    assert.equal(l.sources.precision!.keyRange.start.line, lineOf(text, 'param_dtype'));
    assert.equal(l.sources.microBatch!.keyRange.start.line, lineOf(text, 'rank_microbatch_size'));
    assert.equal(l.sources.gradAccum!.key, 'global_batch_size');
    // compile_model=True: the estimate's eager formulas do not apply, so memory is unknown, named.
    assert.equal(l.unmodelled?.[0]?.key, 'compile_model');
    assert.equal(l.unmodelled![0]!.keyRange.start.line, lineOf(text, 'compile_model'));
  });

  it('every fixture that compiles is unknown at its first unmodelled key, never an estimate', () => {
    const expected: Record<string, string> = {
      'OLMoE-1B-7B.py': 'compile_model',
      'small-moe.py': 'compile_model',
      'template.py': 'compile_model',
      'OLMo2-7B.py': 'rank_microbatch_size',
      'OLMo2-32B.py': 'ac_config.mode',
      'OLMoE2-large.py': 'dp_config.prefetch_factor',
      'OLMo-3-1025-7B-pretrain-1.py': 'max_sequence_length',
    };
    for (const [name, key] of Object.entries(expected)) {
      const { analysis } = analyzeFile(fixturePath('olmo-core', name), 'H100', 64);
      assert.equal(analysis.memory, null, name);
      const d = analysis.diagnostics.find((x) => x.code === 'memory-unknown');
      assert.ok(d?.message.startsWith(`unknown: memory per GPU — \`${key}\``), `${name}: ${d?.message}`);
    }
  });

  it('OLMo2-7B.py: `rank_microbatch_size *= 2` on B200 clusters makes the micro-batch unknown, quoting the statement', () => {
    const l = readOlmoCoreLayout(fixture('OLMo2-7B.py'), 64, DENSE);
    const u = l.unmodelled!.find((x) => x.key === 'rank_microbatch_size')!;
    assert.match(u.why!, /`rank_microbatch_size \*= 2` changes it/);
    assert.equal(l.microBatch, undefined);
  });

  it('hsdp: shard_degree / num_replicas, else one replica per 8-GPU node in olmo_core.internal launches (build_launch_config num_gpus=8)', () => {
    // template.py launches through build_launch_config: nodes of 8.
    assert.equal(readOlmoCoreLayout(fixture('template.py'), 64, DENSE).shardGroupSize, 8);
    assert.equal(readOlmoCoreLayout(fixture('template.py'), 4, DENSE).shardGroupSize, 4);
    // OLMo2-32B.py: num_replicas=128 // 32 → 4 replicas of 32 on 128 GPUs.
    const big = readOlmoCoreLayout(fixture('OLMo2-32B.py'), 128, { nLayers: 64 });
    assert.equal(big.shardGroupSize, 32);
    assert.equal(big.sources.shardGroupSize!.key, 'dp_config.num_replicas');
    // The official OLMo-3 script builds its own config: the node size is the launcher's.
    const olmo3 = readOlmoCoreLayout(fixture('OLMo-3-1025-7B-pretrain-1.py'), 64, { nLayers: 32 });
    assert.ok(olmo3.unmodelled?.some((u) => u.key === 'dp_config.name' && /GPUs per node/.test(u.why!)));
    const explicit = (dp: string, gpus: number) =>
      readOlmoCoreLayout(
        script(FSDP.replace(/dp_config=.*$/, `dp_config=TransformerDataParallelConfig(${dp})`)),
        gpus,
        DENSE,
      );
    assert.equal(explicit('name=DataParallelType.hsdp, shard_degree=16', 64).shardGroupSize, 16);
    assert.equal(explicit('name="hsdp", num_replicas=2', 64).shardGroupSize, 32);
    assert.match(
      rejection(explicit('name=DataParallelType.hsdp, num_replicas=3', 64).invalid?.shardGroupSize)!,
      /data parallel world size \(64\) must be divisible by 'num_replicas' \(3\)/,
    );
  });

  it('activation checkpointing modes: full, selected_blocks (i % n == 0), selected_ops; modules and budget unknown; MoE blocks rejected', () => {
    const ac = (config: string, model: { nLayers: number; moe?: unknown } = DENSE) =>
      readOlmoCoreLayout(
        script(
          `${FSDP}, ac_config=${config}`,
          'from olmo_core.train.train_module import TransformerActivationCheckpointingConfig, TransformerActivationCheckpointingMode',
        ),
        8,
        model as typeof DENSE,
      );
    const mode = (m: string, extra = '') =>
      `TransformerActivationCheckpointingConfig(mode=TransformerActivationCheckpointingMode.${m}${extra})`;
    assert.equal(ac('None').recompute, 'none');
    assert.equal(ac('TransformerActivationCheckpointingConfig()').recompute, 'full', 'mode default full');
    assert.equal(ac(mode('full')).recompute, 'full');
    const two = ac(mode('selected_blocks', ', block_interval=2'));
    assert.deepEqual([two.recompute, two.recomputeMethod, two.recomputeLayers], ['full', 'every', 2]);
    assert.equal(ac(mode('selected_blocks', ', block_interval=1')).recomputeMethod, undefined);
    // Blocks 0, 3, 6, … of 16 are ceil(16/3) = 6, not the 5 of every-3rd-counted-from-1: unknown.
    assert.equal(
      ac(mode('selected_blocks', ', block_interval=3')).unmodelled?.[0]?.key,
      'ac_config.block_interval',
    );
    assert.equal(ac(mode('selected_ops')).recompute, 'selective-op');
    assert.equal(
      ac(mode('selected_modules', ', modules=["blocks.*.feed_forward"]')).unmodelled?.[0]?.key,
      'ac_config.mode',
    );
    assert.equal(ac(mode('budget', ', activation_memory_budget=0.5')).unmodelled?.[0]?.key, 'ac_config.mode');
    assert.match(
      rejection(ac(mode('full'), MOE).invalid?.recompute)!,
      /Wrapping MoE blocks for activation checkpointing is not supported/,
    );
    assert.match(rejection(ac(mode('selected_blocks')).invalid?.recompute)!, /'block_interval' is required/);
  });

  it('rank_microbatch_size is tokens: it must divide by max_sequence_length, and the global batch by it × DP (OLMo-core raises)', () => {
    const odd = readOlmoCoreLayout(script(FSDP.replace('4 * SEQUENCE_LENGTH', '5000')), 8, DENSE);
    assert.match(
      rejection(odd.invalid?.microBatch)!,
      /`rank_microbatch_size` \(5000 tokens\) must be divisible by `max_sequence_length` \(4096 tokens\)/,
    );
    // 512 × 4096 tokens over 3 ranks of 4 × 4096: not whole.
    const three = readOlmoCoreLayout(script(FSDP), 3, DENSE);
    assert.match(
      rejection(three.invalid?.globalBatch)!,
      /`global_batch_size` \(2097152 tokens\) must be divisible by `rank_microbatch_size` \(16384\) × DP world size \(3\)/,
    );
    const a = analyzeText(
      script(FSDP),
      { path: 'train.py' },
      { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 3, useGpusForMissingTokens: true },
    ).analysis!;
    assert.equal(a.memory, null);
    assert.ok(a.diagnostics.some((d) => d.code === 'layout-framework' && /pre_train raises/.test(d.message)));
  });

  it('optimizers: AdamW / SkipStepAdamW (dtype) / Lion by class; Muon unknown (AdamW for embeddings and head)', () => {
    const opt = (o: string) => readOlmoCoreLayout(script(FSDP.replace('AdamWConfig(lr=1e-3)', o)), 8, DENSE);
    assert.equal(opt('SkipStepAdamWConfig(lr=1e-3)').optimizer, 'adamw');
    assert.equal(opt('SkipStepAdamWConfig(lr=1e-3, dtype=DType.bfloat16)').optimizer, 'adamw-bf16');
    assert.equal(opt('LionConfig(lr=1e-4)').optimizer, 'lion');
    assert.match(opt('MuonConfig(lr=0.01)').unmodelled![0]!.why!, /AdamW \(two moments\) for the embeddings/);
  });

  it('DDP: fp32 + autocast is AMP with gradient buckets; a bf16-cast model is unknown; no dp_config on 8 GPUs is unknown', () => {
    const dp = (d: string, extra = '') =>
      readOlmoCoreLayout(
        script(FSDP.replace(/dp_config=.*$/, `dp_config=TransformerDataParallelConfig(${d})${extra}`)),
        8,
        DENSE,
      );
    const amp = dp('name=DataParallelType.ddp', ', autocast_precision=DType.bfloat16');
    assert.deepEqual([amp.sharding, amp.precision], ['none', 'amp-ddp']);
    assert.match(
      dp('name=DataParallelType.ddp, param_dtype=DType.bfloat16').unmodelled![0]!.why!,
      /DDP over a model cast to bfloat16/,
    );
    assert.match(
      readOlmoCoreLayout(script(FSDP.replace(/, dp_config=.*$/, '')), 8, DENSE).unmodelled![0]!.why!,
      /no dp_config on 8 GPUs/,
    );
    assert.equal(readOlmoCoreLayout(script(FSDP.replace(/, dp_config=.*$/, '')), 1, DENSE).precision, 'fp32');
  });

  it('float8 unless enabled=False, tensor/context parallel degrees, EP only with HSDP', () => {
    const tm = (extra: string, dp = FSDP) => readOlmoCoreLayout(script(`${dp}, ${extra}`), 64, DENSE);
    assert.equal(tm('float8_config=Float8Config(enabled=False)').unmodelled, undefined);
    assert.equal(
      tm('float8_config=Float8Config(ao=AOFloat8LinearConfig.recommended())').unmodelled?.[0]?.key,
      'float8_config',
    );
    const tp = tm('tp_config=TransformerTensorParallelConfig(degree=4)');
    assert.deepEqual([tp.tensorParallel, tp.sequenceParallel, tp.tpSavesGatheredInputs], [4, true, true]);
    assert.equal(tm('cp_config=TransformerContextParallelConfig.zig_zag(degree=2)').contextParallel, 2);
    assert.equal(
      tm('pp_config=TransformerPipelineParallelConfig(degree=2)').unmodelled?.[0]?.key,
      'pp_config',
    );
    // build_world_mesh runs first: EP needs HSDP; on HSDP, parallelize_model then needs MoE blocks.
    assert.match(
      rejection(tm('ep_config=TransformerExpertParallelConfig(degree=8)').invalid?.expertParallel)!,
      /can currently only be used with HSDP/,
    );
    const hsdpDense = FSDP.replace('DataParallelType.fsdp', 'DataParallelType.hsdp, shard_degree=8');
    assert.match(
      rejection(
        tm('ep_config=TransformerExpertParallelConfig(degree=8)', hsdpDense).invalid?.expertParallel,
      )!,
      /only valid for MoE models/,
    );
    const hsdp = FSDP.replace('DataParallelType.fsdp', 'DataParallelType.hsdp, shard_degree=8');
    const ep = readOlmoCoreLayout(
      script(`${hsdp}, ep_config=TransformerExpertParallelConfig(degree=-1)`),
      64,
      MOE,
    );
    assert.deepEqual([ep.expertParallel, ep.shardGroupSize], [8, 8]);
  });

  it('defaults cite OLMo-core at the recorded commit', () => {
    assert.match(olmoCoreLayoutDefaults.source, /allenai\/OLMo-core@fa6c5014/);
    assert.equal(olmoCoreLayoutDefaults.recompute, 'none', 'TransformerTrainModuleConfig.ac_config = None');
  });

  it('fixes on template.py without compile: hsdp → fsdp, half the micro-batch in its own terms, full AC inserted with its import', () => {
    const text = fixture('template.py').replace('compile_model=True', 'compile_model=False');
    const { layout } = resolveLayout(
      'olmo-core',
      readOlmoCoreLayout(text, 64, DENSE),
      { gpus: 64 },
      olmoCoreLayoutDefaults,
    );
    const edits = olmoCoreEdits(text, layout);
    const kind = (k: string) => edits.find((e) => e.kind === k)!;
    const shard = applyOffsetEdits(text, kind('shard-up').replacements);
    assert.match(shard, /name=DataParallelType\.fsdp, param_dtype=DType\.bfloat16/);
    assert.equal(readOlmoCoreLayout(shard, 64, DENSE).shardGroupSize, undefined);
    const half = applyOffsetEdits(text, kind('micro-batch-half').replacements);
    assert.match(half, /rank_microbatch_size=8 \* SEQUENCE_LENGTH,/);
    assert.deepEqual(
      [readOlmoCoreLayout(half, 64, DENSE).microBatch, readOlmoCoreLayout(half, 64, DENSE).gradAccum],
      [8, 2],
    );
    const ac = applyOffsetEdits(text, kind('recompute-full').replacements);
    assert.match(
      ac,
      /^from olmo_core\.train\.train_module import TransformerActivationCheckpointingConfig, TransformerActivationCheckpointingMode$/m,
    );
    assert.match(
      ac,
      /\n {8}ac_config=TransformerActivationCheckpointingConfig\(mode=TransformerActivationCheckpointingMode\.full\),\n {8}rank_microbatch_size=/,
    );
    assert.equal(readOlmoCoreLayout(ac, 64, DENSE).recompute, 'full');
    // MoE blocks cannot be fully checkpointed in OLMo-core: no such fix.
    const moe = fixture('small-moe.py').replace('compile_model=True', 'compile_model=False');
    const moeLayout = resolveLayout(
      'olmo-core',
      readOlmoCoreLayout(moe, 8, MOE),
      { gpus: 8 },
      olmoCoreLayoutDefaults,
    ).layout;
    assert.equal(
      olmoCoreEdits(moe, moeLayout).some((e) => e.kind === 'recompute-full'),
      false,
    );
  });

  it('every memory fix of the fixtures and corpora (as written, and without compile) re-reads to its title, lower, N and D unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'olmo-core-layout-'));
    const paths = frameworkFiles('olmo-core', /^(olmo-core|unsupported)$/, /\.py$/);
    const variants = paths.map((p) => {
      const out = join(dir, `eager-${basename(p)}`);
      writeFileSync(out, readFileSync(p, 'utf8').replace(/compile_model=True/g, 'compile_model=False'));
      return out;
    });
    const { files, fixes, kinds } = checkMemoryFixes('olmo-core', [...paths, ...variants], [8, 64]);
    console.log(
      `OLMo-core memory fixes: ${files} file/accelerator pairs, ${fixes} fixes (${[...kinds].join(', ')})`,
    );
    assert.ok(
      files >= 6 && kinds.has('recompute-full') && kinds.has('shard-up') && kinds.has('micro-batch-half'),
      `${files} ${[...kinds]}`,
    );
  });

  it(
    'corpus OLMo2-1B.py: read as the fixture family (hsdp, SkipStepAdamW), unknown for its B200 micro-batch doubling',
    { skip: SHARED_SKIP },
    () => {
      const path = `${SHARED_DIR}/configs-c/unsupported/olmo-core/OLMo2-1B.py`;
      const text = readFileSync(path, 'utf8');
      const l = readOlmoCoreLayout(text, 64, DENSE);
      assert.equal(l.sharding, 'zero3');
      assert.equal(l.shardGroupSize, 8);
      assert.equal(l.optimizer, 'adamw');
      assert.equal(l.sources.optimizer!.keyRange.start.line, lineOf(text, 'optim'));
      assert.deepEqual(
        l.unmodelled!.map((u) => u.key),
        ['rank_microbatch_size', 'compile_model'],
      );
    },
  );
});
