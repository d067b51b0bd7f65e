import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  megatronReader,
  rampupConsumedSamples,
  rampupIterationsForSamples,
} from '../../src/core/config/frameworks/megatron';
import { readRunConfig } from '../../src/core/config/registry';
import { countParams } from '../../src/core/model/params';
import type { ReadOptions, RunSpec } from '../../src/core/types';
import { diskReadFile, fixture, fixturePath, HAS_SHARED, loadManifest, SHARED_SKIP } from '../helpers';

const MEGATRON_FRAMEWORKS = new Set(['megatron-lm', 'megatron-deepspeed']);

/** Read a file through the registry, as the extension does, and require a Megatron run spec. */
function readSpec(path: string, text = readFileSync(path, 'utf8'), options?: ReadOptions): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, options });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  if (result.kind !== 'run-config') throw new Error('unreachable');
  assert.equal(result.spec.framework, 'megatron');
  return result.spec;
}

function readFixture(name: string, options?: ReadOptions): RunSpec {
  return readSpec(fixturePath('megatron', name), fixture('megatron', name), options);
}

describe('megatron reader: shared corpus (configs-b manifest)', () => {
  const entries = HAS_SHARED
    ? loadManifest('configs-b').filter(
        (e) => e.role === 'primary' && MEGATRON_FRAMEWORKS.has(String(e.framework)),
      )
    : [];
  it('has Megatron entries to check', { skip: SHARED_SKIP }, () => assert.ok(entries.length >= 7));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, { skip: SHARED_SKIP }, () => {
      const spec = readSpec(entry.path);
      assert.ok(spec.architecture, `no architecture: ${JSON.stringify(spec.diagnostics)}`);
      const counts = countParams(spec.architecture);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active) assert.equal(counts.active, entry.params_active);
      if (entry.training_tokens_derivable_from_file)
        assert.equal(spec.training.tokens, entry.training_tokens);
      if (typeof entry.train_steps === 'number') assert.equal(spec.training.steps, entry.train_steps);
      if (typeof entry.vocab_size === 'number') assert.equal(spec.architecture.vocabSize, entry.vocab_size);
    });
  }
});

describe('megatron reader: own fixtures', () => {
  it('counts the array-style GPT-3 175B script with TP 8 vocab padding', () => {
    const spec = readFixture('gpt3/train_gpt3_175b_distributed.sh');
    const counts = countParams(spec.architecture!);
    assert.equal(spec.architecture!.vocabSize, 51200);
    assert.equal(counts.total, 174_615_846_912);
    assert.equal(counts.nonEmbedding, 173_961_535_488);
  });

  it('counts tokens exactly through --rampup-batch-size for a --train-iters run (1.523T, not 1.573T)', () => {
    const spec = readFixture('gpt3/train_gpt3_175b_distributed.sh');
    // 743,443,552 samples (ramp from 16 to 1536 over 5,859,375 samples, then full batches) × 2048.
    assert.equal(spec.training.tokens, 1_522_572_394_496);
    assert.equal(spec.training.steps, 500_000);
    assert.equal(spec.trainingSources.duration?.key, '--train-iters');
    assert.deepEqual(spec.training.durationUnit, { kind: 'steps', tokensPerUnit: 1536 * 2048, suffix: '' });
    assert.ok(spec.assumptions.some((a) => a.includes('--lr-decay-')));
  });

  it('matches a hand-computed ramp-up on a small script', () => {
    // global 32, ramp 8→32 by 8 over 96 samples (32 samples per increment):
    // batches 8,8,8,8 (consumed 32), 16,16 (64), 24,24 (112 > 96), then 92 × 32.
    const spec = readFixture('rampup_small.sh');
    assert.equal(rampupConsumedSamples(100, 32, 8, 8, 96), 112 + 92 * 32);
    assert.equal(spec.training.tokens, (112 + 92 * 32) * 128);
    const counts = countParams(spec.architecture!);
    assert.equal(spec.architecture!.vocabSize, 1024, '--vocab-size 1000 padded to 128');
    assert.equal(counts.total, 2 * (12 * 64 * 64 + 13 * 64) + 2 * 64 + 1024 * 64 + 128 * 64);
  });

  it('derives --train-samples iterations under ramp-up as Megatron does (175B: 111,354)', () => {
    assert.deepEqual(rampupIterationsForSamples(146_484_375, 1536, 16, 16, 5_859_375), {
      iterations: 111_354,
      samples: 146_483_296,
    });
  });

  it('reads Megatron-DeepSpeed variables, ignores commented model sizes and stops at --train-tokens', () => {
    const spec = readFixture('deepspeed/ds_pretrain_gpt_1.3B.sh');
    const counts = countParams(spec.architecture!);
    assert.equal(spec.architecture!.nLayers, 24);
    assert.equal(spec.architecture!.dModel, 2048);
    assert.equal(spec.architecture!.vocabSize, 50432, 'mp_size=2 pads to 256');
    assert.equal(counts.nonEmbedding, 1_208_602_624);
    assert.equal(counts.total, 1_316_081_664);
    assert.equal(spec.training.tokens, 300_000_000_000);
    assert.equal(spec.trainingSources.duration?.key, '--train-tokens');
    assert.equal(spec.training.steps, Math.ceil(300e9 / (512 * 2048)));
    assert.equal(spec.training.durationUnit?.kind, 'tokens');
  });

  it("applies Megatron's SwiGLU width rule and HF tokenizer vocab, and needs the GPU count for the batch", () => {
    const spec = readFixture('llama/train_llama_swiglu_default_ffn.sh');
    const arch = spec.architecture!;
    assert.equal(arch.ffnSize, 10880, 'int(4·4096·2/3 / 64)·64');
    assert.equal(arch.nKvHeads, 8);
    assert.equal(arch.vocabSize, 128512, '128256 padded to 128 × TP4');
    assert.equal(arch.tiedEmbeddings, false);
    assert.equal(arch.learnedPositions, 0);
    assert.equal(countParams(arch).total, 2_457_931_776);
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['GPU count']);
    const missing = spec.diagnostics.find((d) => d.code === 'missing-gpus');
    assert.ok(missing?.range, 'missing-gpus points at the duration flag');

    const withGpus = readFixture('llama/train_llama_swiglu_default_ffn.sh', { gpus: 8 });
    // DP = 8 / (TP4 × PP1) = 2, so the batch is 2 micro × 2 = 4 sequences.
    assert.equal(withGpus.training.tokens, 1000 * 4 * 4096);
    assert.match(withGpus.training.formula ?? '', /8 GPUs from settings/);
  });

  it('maps each architecture fact to the flag that set it', () => {
    const text = fixture('megatron', 'gpt3/train_gpt3_175b_distributed.sh');
    const spec = readFixture('gpt3/train_gpt3_175b_distributed.sh');
    const layers = spec.archSources.nLayers!;
    assert.equal(layers.key, '--num-layers');
    const lines = text.split('\n');
    assert.equal(
      lines[layers.keyRange.start.line].slice(layers.keyRange.start.character, layers.keyRange.end.character),
      '--num-layers',
    );
    assert.equal(
      lines[layers.valueRange.start.line].slice(
        layers.valueRange.start.character,
        layers.valueRange.end.character,
      ),
      '96',
    );
    assert.deepEqual(spec.modelSectionRange, layers.keyRange);
    assert.ok(spec.usedKeys.some((k) => k.key === '--hidden-size'));
  });

  it('points a variable-valued duration at the assignment it comes from', () => {
    const text =
      'TRAIN_STEPS=250000\ntorchrun pretrain_gpt.py --num-layers 2 --hidden-size 64 --num-attention-heads 4 \\\n  --seq-length 128 --global-batch-size 8 --train-iters $TRAIN_STEPS';
    const spec = readSpec('/tmp/launch.sh', text);
    const duration = spec.trainingSources.duration!;
    assert.equal(duration.key, '--train-iters');
    assert.equal(duration.raw, '250000');
    assert.deepEqual(duration.valueRange, {
      start: { line: 0, character: 12 },
      end: { line: 0, character: 18 },
    });
    assert.equal(spec.training.tokens, 250000 * 8 * 128);
  });
});

describe('megatron reader: recognition and broken input', () => {
  it('does not recognize an unrelated shell script', () => {
    const text = fixture('megatron', 'not_megatron.sh');
    assert.equal(megatronReader.detect(text, fixturePath('megatron', 'not_megatron.sh')), 0);
    assert.equal(
      readRunConfig(text, { path: fixturePath('megatron', 'not_megatron.sh') }).kind,
      'not-a-run-config',
    );
  });

  it('does not recognize documentation that mentions pretrain_gpt.py', () => {
    assert.equal(megatronReader.detect('Run `torchrun pretrain_gpt.py --num-layers 2`', '/x/README.md'), 0);
  });

  it('turns a truncated script into diagnostics instead of throwing', () => {
    const result = readRunConfig(fixture('megatron', 'truncated.sh'), {
      path: fixturePath('megatron', 'truncated.sh'),
    });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.ok(result.spec.diagnostics.some((d) => d.code === 'shell-syntax'));
    for (const cut of [50, 120, 200, 260]) {
      const partial = readRunConfig(
        fixture('megatron', 'gpt3/train_gpt3_175b_distributed.sh').slice(0, cut * 5),
        {
          path: '/tmp/cut.sh',
        },
      );
      assert.notEqual(partial.kind, 'unreadable');
    }
  });

  it('reports an unresolvable architecture value instead of counting with it', () => {
    const text =
      'torchrun pretrain_gpt.py --num-layers $1 --hidden-size 1024 --num-attention-heads 16 --seq-length 1024';
    const spec = readSpec('/tmp/args.sh', text);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'unresolved-value'));
    assert.ok(spec.diagnostics.some((d) => d.code === 'missing-architecture'));
  });
});

describe('megatron reader: written but unusable values (fuzzer regressions)', () => {
  const DS = 'deepspeed/ds_pretrain_gpt_1.3B.sh';
  const LLAMA = 'llama/train_llama_swiglu_default_ffn.sh';
  const GPT3 = 'gpt3/train_gpt3_175b_distributed.sh';

  /** A fixture with one line replaced, read through the registry (sanity backstop included). */
  function withLine(name: string, from: RegExp, to: string, options?: ReadOptions): RunSpec {
    const text = fixture('megatron', name);
    assert.match(text, from);
    return readSpec(fixturePath('megatron', name), text.replace(from, to), options);
  }

  it('leaves N and D unknown when seq_len is a word, with the diagnostic on seq_len=', () => {
    const spec = withLine(DS, /^seq_len=2048$/m, 'seq_len=four');
    assert.equal(spec.architecture, undefined, 'the learned position table has --seq-length rows');
    assert.equal(spec.training.tokens, undefined);
    const messages = spec.diagnostics.filter((d) => d.code === 'invalid-value').map((d) => d.message);
    assert.ok(messages.includes('--seq-length expects a positive integer, got `four` (from `seq_len`).'));
    const unknown = spec.diagnostics.find((d) => d.code === 'architecture-unknown');
    assert.equal(unknown?.range?.start.line, 5, 'on seq_len=four');
  });

  it('leaves N unknown when the tensor-parallel size (vocab padding) is a word', () => {
    assert.equal(withLine(DS, /^mp_size=2$/m, 'mp_size=four').architecture, undefined);
    assert.equal(withLine(LLAMA, /^TP=4$/m, 'TP=four').architecture, undefined);
    const spec = withLine(GPT3, /--tensor-model-parallel-size 8/, '--tensor-model-parallel-size four');
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'architecture-unknown'));
  });

  it('leaves N unknown for an invalid --num-query-groups, --normalization or tokenizer', () => {
    for (const [from, to] of [
      [/--num-query-groups 8/, '--num-query-groups four'],
      [/--normalization RMSNorm/, '--normalization four'],
      [/--position-embedding-type rope/, '--position-embedding-type $POS'],
      [/--tokenizer-type HuggingFaceTokenizer/, '--tokenizer-type $TOK'],
    ] as const) {
      const spec = withLine(LLAMA, from, to);
      assert.equal(spec.architecture, undefined, to);
      assert.ok(
        spec.diagnostics.some((d) => d.code === 'architecture-unknown'),
        to,
      );
    }
  });

  it('leaves D unknown when train_tokens_in_billion is a word instead of falling back to --train-samples', () => {
    const spec = withLine(DS, /^train_tokens_in_billion=300$/m, 'train_tokens_in_billion=four');
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['a usable `--train-tokens`']);
    assert.ok(spec.diagnostics.some((d) => d.code === 'unresolved-value'));
    assert.ok(spec.diagnostics.some((d) => d.code === 'tokens-unknown'));
    assert.equal(countParams(spec.architecture!).total, 1_316_081_664, 'N is still counted');
  });

  it('leaves D unknown for an invalid --rampup-batch-size instead of the naive full-batch count', () => {
    const spec = withLine(GPT3, /--rampup-batch-size 16 16 5859375/, '--rampup-batch-size four');
    assert.equal(spec.training.tokens, undefined);
    const invalid = spec.diagnostics.find(
      (d) => d.code === 'invalid-value' && d.message.startsWith('--rampup-batch-size'),
    );
    assert.equal(
      invalid?.message,
      '--rampup-batch-size expects three positive integers (start batch, increment, ramp samples), got `four`.',
    );
    assert.ok(spec.architecture, 'N does not depend on the ramp');
  });

  it('gives a diagnostic, never Infinity, for huge hidden sizes with default or SwiGLU FFN widths', () => {
    for (const [name, from, to] of [
      [GPT3, /--hidden-size 12288/, '--hidden-size 1e308'],
      [GPT3, /--hidden-size 12288/, '--hidden-size 999999999999999999999999999999'],
      [LLAMA, /--hidden-size 4096/, '--hidden-size 9007199254740991'],
    ] as const) {
      const spec = withLine(name, from, to);
      assert.equal(spec.architecture, undefined, to);
      const text = JSON.stringify(spec);
      assert.doesNotMatch(text, /Infinity|NaN/, to);
      assert.ok(
        spec.diagnostics.some((d) => d.code === 'invalid-value' || d.code === 'implausible-architecture'),
        to,
      );
    }
  });

  it('reports --moe-router-topk above --num-experts instead of active > total', () => {
    const text = [
      'torchrun pretrain_gpt.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 \\',
      '  --seq-length 128 --num-experts 4 --moe-router-topk 6 --vocab-size 1000 \\',
      '  --global-batch-size 8 --train-iters 10',
    ].join('\n');
    const spec = readSpec('/tmp/moe.sh', text);
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some(
        (d) => d.code === 'invalid-value' && /--moe-router-topk 6 exceeds --num-experts 4/.test(d.message),
      ),
    );
    assert.equal(spec.training.tokens, 10 * 8 * 128);
  });

  it('still reads a script whose GPT_ARGS string holds a comment line with a backtick or quote', () => {
    const name = 'rampup_small.sh';
    const text = fixture('megatron', name);
    const base = readSpec(fixturePath('megatron', name));
    const lines = text.split('\n');
    // Just inside the opening quote, and just before the closing one.
    for (const at of [lines.indexOf('GPT_ARGS="') + 1, lines.indexOf('"')]) {
      for (const comment of ['# `', '# "', "    # it's $(", '# ${', '# `date` "']) {
        const mutated = [...lines.slice(0, at), comment, ...lines.slice(at)].join('\n');
        const spec = readSpec(fixturePath('megatron', name), mutated);
        assert.equal(countParams(spec.architecture!).total, countParams(base.architecture!).total, comment);
        assert.equal(spec.training.tokens, base.training.tokens, comment);
        assert.deepEqual(spec.diagnostics, base.diagnostics, comment);
      }
    }
  });
});
