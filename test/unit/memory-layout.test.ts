import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeSpec, analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { toJson } from '../../src/cli/analyze';
import { parseTOML } from 'toml-eslint-parser';
import { layoutDefaults, readLayout } from '../../src/core/config/registry';
import { parseShell } from '../../src/core/config/shell';
import { estimateMemory } from '../../src/core/model/memory';
import { resolveLayout } from '../../src/core/model/layout';

const SHARED = join(__dirname, '..', '..', '..', 'shared');
const read = (rel: string) => readFileSync(join(SHARED, rel), 'utf8');
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length - 1;

describe('Megatron layout from corpus launch scripts', () => {
  it('pretrain_gpt_distributed_with_mp.sh: TP 2, PP 2, sequence parallel, micro-batch 4, seq 1024, with key ranges', () => {
    const rel = 'configs-b/megatron-lm/examples/pretrain_gpt_distributed_with_mp.sh';
    const text = read(rel);
    const layout = readLayout('megatron', text, {}, 8)!;
    assert.equal(layout.tensorParallel, 2);
    assert.equal(layout.pipelineParallel, 2);
    assert.equal(layout.sequenceParallel, true);
    assert.equal(layout.microBatch, 4);
    assert.equal(layout.seqLen, 1024);
    // 16 global / (4 micro × DP 2) = 2 micro-batches per step.
    assert.equal(layout.gradAccum, 2);
    assert.equal(layout.sources.tensorParallel!.key, '--tensor-model-parallel-size');
    assert.equal(
      layout.sources.tensorParallel!.keyRange.start.line,
      lineOf(text, '--tensor-model-parallel-size'),
    );
  });
  it('the Megatron cases of megatron-cases.json are the scripts’ own values', () => {
    const cases = JSON.parse(
      readFileSync(join(__dirname, '..', 'fixtures', 'memory', 'megatron-cases.json'), 'utf8'),
    ).cases;
    for (const c of cases) {
      const layout = readLayout('megatron', read(c.script.replace(/^/, '')), {}, c.args.world_size)!;
      assert.equal(layout.tensorParallel ?? 1, c.args.tensor_model_parallel_size, c.name);
      assert.equal(layout.pipelineParallel ?? 1, c.args.pipeline_model_parallel_size, c.name);
      assert.equal(layout.microBatch, c.args.micro_batch_size, c.name);
      assert.equal(layout.seqLen, c.args.seq_length, c.name);
      assert.equal(layout.sequenceParallel ?? false, c.args.sequence_parallel ?? false, c.name);
      assert.equal(layout.sharding === 'zero1', c.args.use_distributed_optimizer ?? false, c.name);
      if (c.args.expert_model_parallel_size)
        assert.equal(layout.expertParallel, c.args.expert_model_parallel_size);
    }
  });
});

describe('torchtitan layout from corpus TOMLs', () => {
  it('toml_2024-12/llama3_8b.toml: local batch 1, seq 8192, op-level selective AC, FSDP over all ranks', () => {
    const text = read('configs/torchtitan/toml_2024-12/llama3_8b.toml');
    const layout = readLayout('torchtitan', text, {}, 64)!;
    assert.equal(layout.microBatch, 1);
    assert.equal(layout.seqLen, 8192);
    assert.equal(layout.recompute, 'selective-op');
    assert.equal(layout.tensorParallel, 1);
    assert.equal(layout.sharding, undefined, 'data_parallel_shard_degree = -1 keeps the FSDP default');
    assert.equal(layout.sources.recompute!.keyRange.start.line, lineOf(text, "mode = 'selective'"));
  });
  it('toml_2026-02/llama3_70b.toml: TP 8 with sequence-parallel norms, full AC, local batch 8', () => {
    const text = read('configs/torchtitan/toml_2026-02/llama3_70b.toml');
    const layout = readLayout('torchtitan', text, {}, 64)!;
    assert.equal(layout.tensorParallel, 8);
    assert.equal(layout.sequenceParallel, true);
    assert.equal(layout.recompute, 'full');
    assert.equal(layout.microBatch, 8);
  });
  it("the reader's own parse can be passed in and gives the same layout", () => {
    const text = read('configs/torchtitan/toml_2026-02/llama3_70b.toml');
    assert.deepEqual(
      readLayout('torchtitan', text, {}, 64, parseTOML(text)),
      readLayout('torchtitan', text, {}, 64),
    );
    const sh = read('configs-b/megatron-lm/examples/pretrain_gpt_distributed_with_mp.sh');
    assert.deepEqual(readLayout('megatron', sh, {}, 8, parseShell(sh)), readLayout('megatron', sh, {}, 8));
  });
  it('a non-numeric Megatron degree is recorded as invalid (no NaN in the spec) and diagnosed with the flag named, never defaulted', () => {
    const sh =
      'torchrun pretrain_gpt.py --num-layers 24 --hidden-size 1024 --num-attention-heads 16 --tensor-model-parallel-size two\n';
    const layout = readLayout('megatron', sh, {}, 8)!;
    assert.equal(layout.tensorParallel, undefined);
    assert.equal(layout.invalid?.tensorParallel, 'two');
    const { layout: resolved } = resolveLayout('megatron', layout, { gpus: 8 }, layoutDefaults('megatron'));
    const arch = {
      nLayers: 24,
      dModel: 1024,
      nHeads: 16,
      nKvHeads: 16,
      headDim: 64,
      ffnSize: 4096,
      gatedMlp: false,
      vocabSize: 50304,
      tiedEmbeddings: true,
      learnedPositions: 2048,
      qkvBias: true,
      attnOutBias: true,
      mlpBias: true,
      normsPerLayer: 2,
      normWeight: true,
      normBias: true,
      finalNorm: true,
      qkNorm: 'none' as const,
    };
    const r = estimateMemory(arch, resolved);
    assert.equal(r.estimate, null);
    assert.match(r.diagnostics[0].message, /--tensor-model-parallel-size must be a positive integer/);
    assert.match(r.diagnostics[0].message, /got `two`/);
  });
  it('frameworks without a layout reader give no layout (memory not estimated on guesses)', () => {
    // An HF model config states no training layout (OLMo-core's is frameworks/olmo-core/layout.ts).
    assert.equal(readLayout('hf-config', '{"num_hidden_layers": 12}\n'), undefined);
  });
});

describe('analysis and CLI JSON carry memory and throughput', () => {
  it('llama3_70b.toml on 64 H100: memory parts sum to the total; throughput at 40% MFU', () => {
    const path = join(SHARED, 'configs/torchtitan/toml_2026-02/llama3_70b.toml');
    const text = readFileSync(path, 'utf8');
    const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 64, gpu: 'H100' };
    const first = analyzeText(text, { path }, settings).analysis!;
    assert.ok(first.spec.architecture, 'architecture read');
    // The registry does not call the hook yet; attach the layout as it will.
    const spec = { ...first.spec, layout: readLayout('torchtitan', text, {}, 64) };
    const analysis = analyzeSpec(spec, settings);
    const json = toJson('llama3_70b.toml', analysis);
    const m = json.memory!;
    assert.ok(m);
    const sum = m.weights + m.gradients + m.optimizer + m.activations + m.buffers + m.overhead;
    assert.ok(Math.abs(sum - m.perGpuBytes) <= 1e-6 * m.perGpuBytes);
    assert.equal(m.capacityBytes, 81559 * 2 ** 20);
    assert.equal(typeof m.fits, 'boolean');
    assert.ok(m.assumptions.length > 0);
    const { layout } = resolveLayout(
      'torchtitan',
      spec.layout,
      { gpus: 64, seqLen: 8192 },
      layoutDefaults('torchtitan'),
    );
    const direct = estimateMemory(spec.architecture!, layout, { capacityBytes: 81559 * 2 ** 20 }).estimate!;
    assert.equal(m.perGpuBytes, direct.perGpuBytes);
    const t = json.throughput!;
    const n = analysis.params!.active;
    const arch = spec.architecture!;
    assert.equal(
      t.tokensPerSecondPerGpu,
      (0.4 * 989e12) / (6 * n + 6 * arch.nLayers * 8192 * arch.nHeads * arch.headDim),
    );
    assert.equal(json.memory && json.memory.fits, m.perGpuBytes <= m.capacityBytes!);
  });
  it('an absurd TP in the file becomes a diagnostic naming the key, and no memory figure', () => {
    const text = read('configs/torchtitan/toml_2026-02/llama3_70b.toml').replace(
      'tensor_parallel_degree = 8',
      'tensor_parallel_degree = 7',
    );
    const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 56 };
    const first = analyzeText(text, {}, settings).analysis!;
    const analysis = analyzeSpec({ ...first.spec, layout: readLayout('torchtitan', text, {}, 56) }, settings);
    assert.equal(analysis.memory, null);
    const d = analysis.diagnostics.find((x) => x.code === 'layout-tp-heads')!;
    assert.match(d.message, /tensor_parallel_degree = 7 does not divide the 64 attention heads/);
    assert.equal(d.range!.start.line, lineOf(text, 'tensor_parallel_degree = 7'));
  });
});

describe('Megatron layout from sourced fragments', () => {
  it('a launcher that sources its parallel arguments gets the fragment’s TP and micro-batch, at the `source` line', () => {
    const files: Record<string, string> = {
      '/runs/par.sh':
        'PAR_ARGS=(\n  --tensor-model-parallel-size 4\n  --micro-batch-size 2\n  --recompute-granularity full --recompute-method uniform --recompute-num-layers 1\n)\n',
    };
    const launcher =
      'source /runs/par.sh\n' +
      'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 24 --hidden-size 2048 --num-attention-heads 16 \\\n' +
      '  --seq-length 2048 --max-position-embeddings 2048 --global-batch-size 64 --train-iters 100 ${PAR_ARGS[@]}\n';
    const context = { path: '/runs/launch.sh', readFile: (p: string) => files[p] };
    const layout = readLayout('megatron', launcher, context, 8)!;
    assert.equal(layout.tensorParallel, 4);
    assert.equal(layout.microBatch, 2);
    assert.equal(layout.recompute, 'full');
    assert.equal(layout.sources.tensorParallel!.file, '/runs/par.sh');
    assert.equal(layout.sources.tensorParallel!.keyRange.start.line, 0);
    // The analysis reads the same flags: N pads the vocabulary to 128 × TP 4 and memory uses TP 4.
    const a = analyzeText(launcher, context, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 }).analysis!;
    assert.equal(a.memory!.layout.tensorParallel, 4);
    assert.equal(a.memory!.layout.recompute, 'full');
    // Without the fragment the layout would be TP 1, micro-batch 1: a different (wrong) figure.
    const alone = analyzeText(
      launcher,
      { path: '/runs/launch.sh' },
      { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 },
    ).analysis!;
    assert.notEqual(alone.memory?.perGpuBytes, a.memory!.perGpuBytes);
  });
});

describe('Megatron full recompute in parts (--recompute-method, --recompute-num-layers)', () => {
  const script = (extra: string) =>
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 24 --hidden-size 2048 --num-attention-heads 16 \\\n' +
    `  --seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 4 --global-batch-size 64 --train-iters 100 ${extra}\n`;
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 };
  const activations = (extra: string) =>
    analyzeText(script(extra), {}, settings).analysis!.memory!.activations.bytes;
  const none = activations('');
  const full1 = activations(
    '--recompute-granularity full --recompute-method uniform --recompute-num-layers 1',
  );
  it('uniform 1 is every layer checkpointed (2sbh each) plus one layer recomputed', () => {
    assert.ok(full1 < none / 5);
  });
  it('full without a method is refused at the flag, as Megatron-core TransformerConfig.__post_init__ raises (Megatron-LM@d98e8a64)', () => {
    const alone = analyzeText(script('--recompute-granularity full'), {}, settings).analysis!;
    assert.equal(alone.memory, null);
    assert.ok(
      alone.diagnostics.some((d) => /--recompute-granularity full.*--recompute-method/.test(d.message)),
      JSON.stringify(alone.diagnostics),
    );
  });
  it('block n stores the other 24 − n layers whole: n = 24 is uniform 1, n = 2 is close to no recompute', () => {
    const block = (n: number) =>
      activations(`--recompute-granularity full --recompute-method block --recompute-num-layers ${n}`);
    assert.equal(block(24), full1);
    const b2 = block(2);
    assert.ok(b2 > full1 && b2 < none, `${b2} between ${full1} and ${none}`);
    // Each more recomputed layer trades one stored layer for one 2sbh checkpoint: linear in n.
    const step = block(2) - block(3);
    assert.ok(step > 0);
    assert.ok(Math.abs(block(3) - block(4) - step) <= 1e-9 * none);
  });
  it('uniform n keeps 24 / n group inputs and recomputes n layers at once', () => {
    const u4 = activations(
      '--recompute-granularity full --recompute-method uniform --recompute-num-layers 4',
    );
    const u1 = full1;
    assert.ok(u4 > u1, 'four layers live together in backward');
  });
});

describe('torchtitan activation checkpointing as torchtitan@238fa995 applies it', () => {
  const toml = (ac: string) =>
    `[model]\nname = "llama3"\nflavor = "8B"\n\n[training]\nlocal_batch_size = 1\nseq_len = 8192\nsteps = 100\n${ac}`;
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 };
  const memory = (ac: string) => analyzeText(toml(ac), {}, settings).analysis!.memory;
  it('no [activation_checkpoint] table: the default mode "selective" with selective_ac_option "2" (every other block)', () => {
    const m = memory('')!;
    assert.equal(m.layout.recompute, 'full');
    assert.equal(m.layout.recomputeMethod, 'every');
    assert.equal(m.layout.recomputeLayers, 2);
    assert.ok(
      m.layoutAssumptions.some((a) => /recompute = full \(every 2 layers\) \(torchtitan default\)/.test(a)),
    );
    const stated = memory('\n[activation_checkpoint]\nmode = "selective"\n')!;
    assert.deepEqual({ ...stated.layout, sources: {} }, { ...m.layout, sources: {} });
    assert.equal(stated.perGpuBytes, m.perGpuBytes);
  });
  it('options: "op" is op-level SAC, "0" and "1" every block, "4" every 4th block', () => {
    const layout = (option: string) =>
      memory(`\n[activation_checkpoint]\nmode = "selective"\nselective_ac_option = "${option}"\n`)!.layout;
    assert.equal(layout('op').recompute, 'selective-op');
    for (const every of ['0', '1']) {
      assert.equal(layout(every).recompute, 'full');
      assert.equal(layout(every).recomputeMethod, undefined);
    }
    assert.equal(layout('4').recomputeMethod, 'every');
    assert.equal(layout('4').recomputeLayers, 4);
  });
  it('every n-th block: floor(32 / n) blocks keep 2sbh, the others everything (linear in the count)', () => {
    const act = (ac: string) => memory(`\n[activation_checkpoint]\n${ac}\n`)!.activations.bytes;
    const none = act('mode = "none"');
    const full = act('mode = "full"');
    const every = (n: number) => act(`mode = "selective"\nselective_ac_option = "${n}"`);
    assert.ok(full < every(2) && every(2) < every(4) && every(4) < none);
    // 32 blocks: n = 2 → 16 checkpointed, n = 4 → 8, n = 8 → 4; each block costs the same.
    const perBlock = (every(4) - every(2)) / 8;
    assert.ok(Math.abs(every(8) - every(4) - 4 * perBlock) <= 1e-9 * none);
  });
  it('mode "memory_budget" (compiler-chosen recompute) makes memory unknown, naming the key', () => {
    const a = analyzeText(
      toml('\n[activation_checkpoint]\nmode = "memory_budget"\n'),
      {},
      settings,
    ).analysis!;
    assert.equal(a.memory, null);
    const d = a.diagnostics.find((x) => x.code === 'memory-unknown')!;
    assert.match(d.message, /`mode` \(activation checkpointing mode "memory_budget"\)/);
  });
});

describe('torchtitan pipeline micro-batches and schedule (readPipeline)', () => {
  const toml = (training: string, parallelism: string, section = 'parallelism') =>
    `[model]\nname = "llama3"\nflavor = "8B"\n\n[training]\nseq_len = 8192\nsteps = 100\n${training}\n\n[${section}]\npipeline_parallel_degree = 4\n${parallelism}\n[activation_checkpoint]\nmode = "full"\n`;
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 };
  const analysis = (text: string) => analyzeText(text, {}, settings).analysis!;
  it('[parallelism] (torchtitan@238fa995): pipeline_parallel_microbatch_size defaults to 1, so a local batch of 8 is 8 micro-batches of 1', () => {
    const m = analysis(toml('local_batch_size = 8', '')).memory!;
    assert.equal(m.layout.microBatch, 1);
    assert.equal(m.layout.gradAccum, 8);
    const explicit = analysis(toml('local_batch_size = 8', 'pipeline_parallel_microbatch_size = 2')).memory!;
    assert.equal(explicit.layout.microBatch, 2);
    assert.equal(explicit.layout.gradAccum, 4);
    // 4 micro-batches of 2 in flight hold what 8 of 1 (capped at p = 4 in flight) hold twice.
    assert.ok(explicit.activations.bytes > m.activations.bytes);
  });
  it('[experimental] (torchtitan@9dec370): pipeline_parallel_microbatches defaults to the PP degree', () => {
    const m = analysis(toml('batch_size = 8', '', 'experimental')).memory!;
    assert.equal(m.layout.microBatch, 2);
    assert.equal(m.layout.gradAccum, 4);
    const n8 = analysis(toml('batch_size = 8', 'pipeline_parallel_microbatches = 8', 'experimental')).memory!;
    assert.equal(n8.layout.microBatch, 1);
  });
  it('a micro-batch size that does not divide the local batch is unknown, naming the key', () => {
    const a = analysis(toml('local_batch_size = 6', 'pipeline_parallel_microbatch_size = 4'));
    assert.equal(a.memory, null);
    assert.match(
      a.diagnostics.find((d) => d.code === 'memory-unknown')!.message,
      /pipeline_parallel_microbatch_size/,
    );
  });
  it('Interleaved1F1B gets 2 stages per rank; GPipe, zero-bubble and sized stages are unknown', () => {
    const single = analysis(toml('local_batch_size = 16', '')).memory!;
    const inter = analysis(
      toml('local_batch_size = 16', 'pipeline_parallel_schedule = "Interleaved1F1B"'),
    ).memory!;
    assert.equal(single.layout.virtualPipeline, 1);
    assert.equal(inter.layout.virtualPipeline, 2);
    // 16 micro-batches ≥ the warm-up: p·(1 + (p−1)/(p·v)) = 4·(1 + 3/8) = 5.5 micro-batches' worth.
    assert.ok(inter.activations.bytes > single.activations.bytes);
    for (const other of [
      'pipeline_parallel_schedule = "GPipe"',
      'pipeline_parallel_schedule = "ZBVZeroBubble"',
      'pipeline_parallel_schedule = "Interleaved1F1B"\npipeline_parallel_layers_per_stage = 4',
    ]) {
      const a = analysis(toml('local_batch_size = 16', other));
      assert.equal(a.memory, null, other);
      assert.match(
        a.diagnostics.find((d) => d.code === 'memory-unknown')!.message,
        /pipeline_parallel_/,
        other,
      );
    }
  });
  it('interleaving never holds more than the micro-batches that exist: m = p gives the 1F1B figure', () => {
    const single = analysis(toml('local_batch_size = 4', '')).memory!;
    const inter = analysis(
      toml('local_batch_size = 4', 'pipeline_parallel_schedule = "interleaved1f1b"'),
    ).memory!;
    assert.equal(inter.layout.virtualPipeline, 2);
    assert.equal(inter.activations.bytes, single.activations.bytes);
  });
});

describe('MoE experts under tensor parallelism: split over the expert-TP ranks, states over DP·TP/(EP·ETP)', () => {
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 64 };
  const fixture = (framework: string, name: string) =>
    join(__dirname, '..', '..', 'src', 'core', 'config', 'frameworks', framework, 'fixtures', name);
  const memoryOf = (text: string, path: string) => analyzeText(text, { path }, settings).analysis!;
  it('torchtitan llama4 17bx16e (TP 8, no EP): every parameter, experts included, is split 8 ways and FSDP-sharded over 8', () => {
    const path = fixture('torchtitan', 'llama4_17bx16e.toml');
    const a = memoryOf(readFileSync(path, 'utf8'), path);
    const m = a.memory!;
    assert.equal(m.layout.expertTensorParallel, 8);
    // fp32 sharded parameters: N / TP × 4 B / DP (64 GPUs / TP 8).
    const expected = ((a.params!.total / 8) * 4) / 8;
    assert.ok(Math.abs(m.weights.bytes / expected - 1) < 1e-9, `${m.weights.bytes} vs ${expected}`);
  });
  it('torchtitan llama4 17bx128e (PP 4, local batch 1, no micro-batch key): one pipeline micro-batch of 1, as pipeline_parallel.py computes it', () => {
    const path = fixture('torchtitan', 'llama4_17bx128e.toml');
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes('pipeline_parallel_degree = 4') && text.includes('local_batch_size = 1'));
    assert.ok(!text.includes('pipeline_parallel_microbatch_size'));
    const m = memoryOf(text, path).memory!;
    // n_microbatches = local_batch_size // pipeline_parallel_microbatch_size (default 1) = 1.
    assert.deepEqual([m.layout.pipelineParallel, m.layout.microBatch, m.layout.gradAccum], [4, 1, 1]);
    assert.equal(m.layout.expertTensorParallel, 8);
  });
  it('torchtitan with EP: expert_tensor_parallel_degree 1 or TP, anything else is torchtitan’s own error', () => {
    const path = fixture('torchtitan', 'llama4_17bx16e.toml');
    const base = readFileSync(path, 'utf8');
    // The file writes ETP 8 with EP 1, where torchtitan ignores it ("no effect … when ep = 1").
    const written = 'expert_parallel_degree = 1\nexpert_tensor_parallel_degree = 8';
    assert.ok(base.includes(written));
    const withEp = (etp: string) =>
      memoryOf(
        base.replace(written, `expert_parallel_degree = 2\nexpert_tensor_parallel_degree = ${etp}`),
        path,
      );
    const one = withEp('1');
    const all = withEp('8');
    assert.equal(one.memory!.layout.expertTensorParallel, 1);
    assert.equal(all.memory!.layout.expertTensorParallel, 8);
    // ETP 1 gathers each expert whole on its TP rank: more all-gathered block memory than ETP = TP.
    assert.ok(one.memory!.buffers.bytes > all.memory!.buffers.bytes);
    const bad = withEp('4');
    assert.equal(bad.memory, null);
    assert.ok(
      bad.diagnostics.some((d) =>
        /expert_tensor_parallel_degree = 4 must be 1 or the tensor_parallel_degree 8/.test(d.message),
      ),
    );
  });
  it('Megatron-LM Mixtral: TP 2 halves every parameter on a GPU (experts too, ETP = TP by default); --expert-tensor-parallel-size 1 keeps the experts whole', () => {
    const path = fixture('megatron', join('nvidia-examples', 'train_mixtral_8x7b_distributed.sh'));
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes('--tensor-model-parallel-size 1'));
    const tp1 = memoryOf(text, path).memory!;
    const tp2text = text.replace('--tensor-model-parallel-size 1', '--tensor-model-parallel-size 2');
    const tp2 = memoryOf(tp2text, path).memory!;
    assert.equal(tp2.layout.expertTensorParallel, 2);
    assert.ok(Math.abs(tp2.weights.bytes / tp1.weights.bytes - 0.5) < 1e-12);
    const etp1 = memoryOf(
      tp2text.replace(
        '--tensor-model-parallel-size 2',
        '--tensor-model-parallel-size 2 --expert-tensor-parallel-size 1',
      ),
      path,
    ).memory!;
    assert.equal(etp1.layout.expertTensorParallel, 1);
    assert.ok(etp1.weights.bytes > tp2.weights.bytes);
  });
  it('NeMo 1.x splits experts over the TP ranks (megatron_init.py: no expert TP size given → the TP size)', () => {
    const { layout } = resolveLayout(
      'nemo',
      { tensorParallel: 4, sources: {} },
      { gpus: 8, seqLen: 4096 },
      layoutDefaults('nemo'),
    );
    assert.equal(layout.expertTensorParallel, 4);
  });
  it('a framework that does not say how TP splits experts (llm-foundry / megablocks): MoE memory under TP is unknown, naming the TP key', () => {
    const path = fixture('torchtitan', 'llama4_17bx16e.toml');
    const arch = memoryOf(readFileSync(path, 'utf8'), path).spec.architecture!;
    const { layout } = resolveLayout(
      'llm-foundry',
      { tensorParallel: 2, sources: {} },
      { gpus: 8, seqLen: 4096 },
      layoutDefaults('llm-foundry'),
    );
    assert.equal(layout.expertTensorParallel, undefined);
    const { estimate, diagnostics } = estimateMemory(arch, layout);
    assert.equal(estimate, null);
    assert.match(
      diagnostics[0]!.message,
      /unknown: memory per GPU — with `tensor parallelism` = 2, how this framework splits the MoE experts/,
    );
  });
});
