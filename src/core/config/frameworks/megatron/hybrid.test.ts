import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import { analyzeSpec } from '../../../analyze';
import { countParams } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { diskReadFile, fixturePath } from '../../../../../test/helpers';
import { allocateLayers, parseHybridPattern, pythonRound } from './hybrid';

/**
 * Megatron-core hybrid stacks, counted module by module from NVIDIA/Megatron-LM@d98e8a64
 * (hybrid_layer_specs.py, mamba_mixer.py, hybrid_block.py, hybrid_model.py; see hybrid.ts and
 * hybridArchitecture in reader.ts).
 */
function read(path: string, text = readFileSync(path, 'utf8')): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile });
  assert.equal(result.kind, 'run-config', `${path}: ${JSON.stringify(result)}`);
  if (result.kind !== 'run-config') throw new Error('unreachable');
  assert.equal(result.spec.framework, 'megatron');
  return result.spec;
}
const example = (...parts: string[]) => fixturePath('megatron', 'nvidia-examples', ...parts);

/** One Mamba-2 block with its fused RMSNorm, d_conv 4, conv bias, D per head, no in/out bias. */
function mambaBlock(d: number, heads: number, headDim: number, groups: number, state: number): number {
  const inner = heads * headDim;
  const bc = 2 * groups * state;
  return d + d * (2 * inner + bc + heads) + (inner + bc) * 4 + (inner + bc) + 3 * heads + inner + inner * d;
}

const NEMOTRON_H_8B_PATTERN = 'M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-';

describe('Megatron hybrid (Mamba-2) launch scripts', () => {
  it('ports allocate_layers / pattern_from_ratios exactly (the 800M and 8B patterns of examples/mamba/train.sh)', () => {
    // d98e8a64 examples/mamba/train.sh writes the patterns 7418b1b8fb derived from the earlier
    // --hybrid-attention-ratio 0.08 --hybrid-mlp-ratio 0.5 over 48 and 56 layers.
    assert.equal(allocateLayers(48, 0.08, 0.5), 'M-M-M--M-*M-M-M-M--*M-M-M-M-*M--M-M-M-*M-M--M-M-');
    assert.equal(allocateLayers(56, 0.08, 0.5), 'M-M-M--M-M*-M-M-M-M--M*-M-M-M-M-M*--M-M-M-M-M*-M--M-M-M-');
    assert.equal(allocateLayers(9, 0, 0), 'MMMMMMMMM');
    // Python round() halves to even.
    assert.equal(pythonRound(2.5), 2);
    assert.equal(pythonRound(3.5), 4);
    assert.equal(pythonRound(2.4999), 2);
    assert.deepEqual(parseHybridPattern('M-M-|M*-'), { layers: 'M-M-M*-', mtpDepths: 0 });
    assert.deepEqual(parseHybridPattern('M*M*/MM/MM'), { layers: 'M*M*', mtpDepths: 2, mtpPattern: 'MM' });
    assert.equal(typeof parseHybridPattern('M*X'), 'string');
    assert.equal(typeof parseHybridPattern('M*/MM/M'), 'string');
  });

  it('counts Nemotron-5 8B (examples/rl/model_configs/nemotron5_8b.sh) as the HF Nemotron-H-8B: 8,100,852,736', () => {
    const spec = read(example('rl', 'nemotron5_8b.sh'));
    const arch = spec.architecture!;
    assert.ok(arch, JSON.stringify(spec.diagnostics));
    assert.deepEqual(arch.hybrid!.blocks, { mamba2: 24, attention: 4, mlp: 24 });
    const d = 4096;
    // --mamba-* not written: 128 state, 64 head dim, 8 groups, 2·4096/64 = 128 heads.
    const mamba = mambaBlock(d, 128, 64, 8, 128);
    assert.equal(mamba, d + 109_635_968);
    const attention = d + d * (32 * 128 + 2 * 8 * 128) + 32 * 128 * d; // fused norm, qkv, proj
    const mlp = d + 2 * d * 21504; // fused norm, fc1, fc2 (squared ReLU, no bias)
    // TikTokenizer 2**17, divisible by 128 × TP 8; untied; --position-embedding-type none.
    const embedding = 131072 * d;
    const expected = 24 * mamba + 4 * attention + 24 * mlp + d + 2 * embedding;
    assert.equal(expected, 8_100_852_736);
    assert.equal(countParams(arch).total, expected);
    const flops = analyzeSpec({ ...spec, training: { tokens: 1e9, seqLen: 8192 } });
    assert.equal(flops.flopsWithAttention, 6 * expected * 1e9 + 6 * 4 * 8192 * 32 * 128 * 1e9);
  });

  it('counts examples/mamba/train.sh (800M pattern) and its 2024 ratio form alike, with D', () => {
    for (const name of ['train.sh', 'train-df61e60b.sh']) {
      const spec = read(example('mamba', name));
      const arch = spec.architecture!;
      assert.ok(arch, `${name}: ${JSON.stringify(spec.diagnostics)}`);
      assert.deepEqual(arch.hybrid!.blocks, { mamba2: 20, attention: 4, mlp: 24 }, name);
      const d = 1024;
      const mamba = mambaBlock(d, 32, 64, 8, 128); // 2·1024/64 = 32 heads
      const attention = d + d * (16 * 64 + 2 * 8 * 64) + 16 * 64 * d; // GQA 8 groups, no bias
      const mlp = d + 2 * d * 4096; // --ffn-hidden-size default 4h
      // GPTSentencePieceTokenizer (the reader's named 32,000-piece assumption), untied, no positions.
      const expected = 20 * mamba + 4 * attention + 24 * mlp + d + 2 * 32000 * d;
      assert.equal(countParams(arch).total, expected, name);
      assert.ok(spec.assumptions.some((a) => /GPTSentencePieceTokenizer/.test(a)));
      // ⌊73,242,188 / 32⌋ = 2,288,818 batches of 32 × 4096 tokens.
      assert.equal(spec.training.tokens, 2_288_818 * 32 * 4096, name);
    }
  });

  it('leaves the modelopt Nemotron-H-8B fragment unknown on its tokenizer (no --tokenizer-model)', () => {
    const spec = read(example('Nemotron-H-8B-Base-8K.sh'));
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.paramsMissing?.some((m) => /HuggingFaceTokenizer/.test(m)),
      JSON.stringify(spec.paramsMissing),
    );
  });

  const script = (flags: string, entry = 'pretrain_hybrid.py') =>
    `#!/bin/bash\ntorchrun --nproc_per_node 8 ${entry} \\\n  --hidden-size 4096 --num-attention-heads 32 --group-query-attention --num-query-groups 8 \\\n  --kv-channels 128 --ffn-hidden-size 21504 --squared-relu --disable-bias-linear --normalization RMSNorm \\\n  --untie-embeddings-and-output-weights --position-embedding-type none --tensor-model-parallel-size 8 \\\n  --tokenizer-type TikTokenizer --seq-length 8192 --micro-batch-size 1 --global-batch-size 768 --train-iters 1000 \\\n  ${flags}\n`;

  it('counts a written Nemotron-H-8B script with explicit Mamba widths, through either entry and pattern flag', () => {
    for (const [entry, flag] of [
      ['pretrain_hybrid.py', '--hybrid-layer-pattern'],
      ['pretrain_mamba.py', '--hybrid-override-pattern'],
    ]) {
      const spec = read(
        '/x/run.sh',
        script(
          `${flag} ${NEMOTRON_H_8B_PATTERN} --mamba-state-dim 128 --mamba-head-dim 64 --mamba-num-groups 8 --mamba-num-heads 128 --num-layers 52`,
          entry,
        ),
      );
      assert.equal(
        countParams(spec.architecture!).total,
        8_100_852_736,
        `${entry}: ${JSON.stringify(spec.diagnostics)}`,
      );
      assert.equal(spec.training.tokens, 1000 * 768 * 8192);
    }
    // Other widths change the mixer: 64 heads of 128, 4 groups, state 64.
    const spec = read(
      '/x/run.sh',
      script(
        `--hybrid-layer-pattern ${NEMOTRON_H_8B_PATTERN} --mamba-num-heads 64 --mamba-head-dim 128 --mamba-num-groups 8 --mamba-state-dim 64`,
      ),
    );
    const d = 4096;
    const expected =
      24 * mambaBlock(d, 64, 128, 8, 64) +
      4 * (d + d * (32 * 128 + 2 * 8 * 128) + 32 * 128 * d) +
      24 * (d + 2 * d * 21504) +
      d +
      2 * 131072 * d;
    assert.equal(countParams(spec.architecture!).total, expected);
    // Pipe separators only split pipeline stages.
    const piped = read(
      '/x/run.sh',
      script(
        `--hybrid-layer-pattern ${NEMOTRON_H_8B_PATTERN.slice(0, 26)}\\|${NEMOTRON_H_8B_PATTERN.slice(26)}`,
      ),
    );
    assert.equal(countParams(piped.architecture!).total, 8_100_852_736, JSON.stringify(piped.diagnostics));
  });

  it('leaves N unknown, naming the key, for what the shared hybrid spec does not express', () => {
    const cases: [string, RegExp][] = [
      [`--hybrid-layer-pattern M-M-ME*-`, /MoE \(E\)/],
      [`--hybrid-layer-pattern M-G*-`, /gated delta net/],
      [`--hybrid-layer-pattern M-M*-/M-/M-`, /multi-token-prediction/],
      [`--hybrid-layer-pattern M-M*- --mtp-num-layers 1`, /--mtp-num-layers/],
      [`--hybrid-layer-pattern M-M*- --num-experts 8 --moe-router-topk 2`, /--num-experts/],
      [`--hybrid-layer-pattern M-M*- --qk-layernorm`, /--qk-layernorm/],
      [`--hybrid-layer-pattern M-M*- --spec my.module my_spec`, /--spec/],
      [`--hybrid-layer-pattern M-M*- --mamba-num-groups 3`, /--mamba-num-groups 3/],
      [`--hybrid-layer-pattern M-M*- --mamba-num-heads 4 --mamba-num-groups 4`, /tensor parallel/],
      [`--hybrid-layer-pattern M-X*-`, /not a valid layer symbol/],
      // MindSpeed-LLM's own mixer flags (its mamba hybrid guide, search index file 10092725311):
      // upstream argparse refuses them; counting Megatron's default mixer was a silent 2.84B.
      [
        `--hybrid-layer-pattern M-M*- --mamba-d-state 128 --mamba-headdim 128 --mamba-ngroups 4`,
        /--mamba-d-state — not a Megatron-LM flag/,
      ],
      [`--hybrid-layer-pattern M-M*- --hybrid-override-pattern M-M*-`, /both written/],
      [`--num-layers 52`, /no --hybrid-layer-pattern/],
      [
        `--num-layers 48 --hybrid-attention-ratio 0.08 --hybrid-mlp-ratio 0.5 --hybrid-override-pattern M-M*-`,
        /allocate_layers refuses/,
      ],
      [`--num-layers 10 --hybrid-attention-ratio 0.7 --hybrid-mlp-ratio 0.5`, /more than 1/],
    ];
    for (const [flags, message] of cases) {
      const spec = read('/x/run.sh', script(flags));
      assert.equal(spec.architecture, undefined, flags);
      assert.ok(
        spec.diagnostics.some((d) => message.test(d.message)),
        `${flags}: ${spec.diagnostics.map((d) => d.message).join(' | ')}`,
      );
      assert.equal(spec.training.tokens, 1000 * 768 * 8192, flags);
    }
  });

  it('allocates the layers from the older ratio flags, and keeps a GPT run with a pattern unknown', () => {
    const spec = read(
      '/x/run.sh',
      script('--num-layers 52 --hybrid-attention-ratio 0.08 --hybrid-mlp-ratio 0.46', 'pretrain_mamba.py'),
    );
    const layers = allocateLayers(52, 0.08, 0.46);
    const count = (c: string) => [...layers].filter((x) => x === c).length;
    assert.deepEqual(spec.architecture!.hybrid!.blocks, {
      mamba2: count('M'),
      attention: count('*'),
      mlp: count('-'),
    });
    assert.equal(count('*') + count('-') + count('M'), 52);
    const gpt = read(
      '/x/run.sh',
      script(`--num-layers 52 --hybrid-layer-pattern ${NEMOTRON_H_8B_PATTERN}`, 'pretrain_gpt.py'),
    );
    assert.equal(gpt.architecture, undefined);
    assert.ok(gpt.diagnostics.some((d) => /--hybrid-layer-pattern/.test(d.message)));
  });

  it('leaves memory unknown for a hybrid run', () => {
    const spec = read(example('rl', 'nemotron5_8b.sh'));
    const analysis = analyzeSpec({ ...spec, training: { tokens: 1e9, seqLen: 8192 } });
    assert.equal(analysis.memory, null);
  });
});
