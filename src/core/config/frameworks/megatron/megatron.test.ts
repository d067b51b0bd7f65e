import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { countPattern, megatronReader, rampupConsumedSamples, rampupIterationsForSamples } from './reader';
import { readRunConfig } from '../../registry';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { countParams } from '../../../model/params';
import type { ReadOptions, RunSpec } from '../../../types';
import {
  diskReadFile,
  fixture,
  fixturePath,
  HAS_SHARED,
  loadManifest,
  SHARED_SKIP,
} from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';

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

describe('megatron reader: shared corpus (configs-b and configs-c manifests)', () => {
  const entries = HAS_SHARED
    ? [
        ...loadManifest('configs-b').filter(
          (e) => e.role === 'primary' && MEGATRON_FRAMEWORKS.has(String(e.framework)),
        ),
        ...loadManifest('configs-c').filter((e) => e.framework === 'megatron'),
      ]
    : [];
  it('has Megatron entries to check', { skip: SHARED_SKIP }, () => assert.ok(entries.length >= 10));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, { skip: SHARED_SKIP }, () => {
      const spec = readSpec(entry.path);
      assert.ok(spec.architecture, `no architecture: ${JSON.stringify(spec.diagnostics)}`);
      const counts = countParams(spec.architecture);
      assert.equal(counts.total, entry.params_total);
      if (typeof entry.params_non_embedding === 'number')
        assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active) assert.equal(counts.active, entry.params_active);
      if (entry.training_tokens_derivable_from_file) {
        // The exact count where Megatron's loop rounds the stated one (Megatron-DeepSpeed --train-tokens;
        // --train-samples runs whole batches only), else the stated count (a version-dependent ramp-up).
        const expected = entry.training_tokens_exact ?? entry.training_tokens;
        if (/--train-tokens/.test(String(entry.training_tokens_formula)))
          assert.equal(spec.training.tokens, expected);
        else
          assert.ok(
            [entry.training_tokens, expected].includes(spec.training.tokens),
            String(spec.training.tokens),
          );
      }
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

  it('counts full batches for --train-iters with --rampup-batch-size (1.573T: Megatron-LM ignores the ramp)', () => {
    const spec = readFixture('gpt3/train_gpt3_175b_distributed.sh');
    // Megatron-LM@d98e8a64 ignores --rampup-batch-size (num_microbatches_calculator.py); the fixture's own
    // version (fa0dcc4) refuses it with --train-iters. 500,000 × 1536 × 2048 either way when it runs.
    assert.equal(spec.training.tokens, 500_000 * 1536 * 2048);
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
    // …which Megatron never applies to a --train-iters run (ignored since 532ad926, refused before):
    assert.equal(spec.training.tokens, 100 * 32 * 128);
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
    // Megatron-DeepSpeed stops after the step that reaches 3e11: ⌈3e11 / (512 × 2048)⌉ steps.
    assert.equal(spec.training.tokens, Math.ceil(300e9 / (512 * 2048)) * 512 * 2048);
    assert.equal(spec.training.tokens, 300_000_739_328);
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
    // torchrun --nproc_per_node 8 on one node: DP = 8 / (TP4 × PP1) = 2, a batch of 2 micro × 2.
    assert.equal(spec.training.gpus, 8);
    assert.equal(spec.training.tokens, 1000 * 4 * 4096);
    assert.match(spec.training.formula ?? '', /--nproc_per_node 8 × 1 node = 8 GPUs/);

    // Without the launcher's count the batch needs the GPU count from the settings.
    const path = fixturePath('megatron', 'llama/train_llama_swiglu_default_ffn.sh');
    const text = fixture('megatron', 'llama/train_llama_swiglu_default_ffn.sh').replace(
      'torchrun --nproc_per_node 8 pretrain_gpt.py',
      'torchrun pretrain_gpt.py',
    );
    const noGpus = readSpec(path, text);
    assert.equal(noGpus.training.tokens, undefined);
    assert.deepEqual(noGpus.training.missing, ['GPU count']);
    const missing = noGpus.diagnostics.find((d) => d.code === 'missing-gpus');
    assert.ok(missing?.range, 'missing-gpus points at the duration flag');
    const withGpus = readSpec(path, text, { gpus: 8 });
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
        // The inserted line moves ranges below it: compare what is said.
        assert.deepEqual(
          spec.diagnostics.map((d) => d.message),
          base.diagnostics.map((d) => d.message),
          comment,
        );
      }
    }
  });
});

describe('megatron reader: flag inventory', () => {
  /** Every Megatron script of the three corpora. */
  const configs = (): InventoryConfig[] =>
    HAS_SHARED
      ? (['configs', 'configs-b', 'configs-c'] as const).flatMap((set) =>
          loadManifest(set)
            .filter((e) => /^megatron/.test(String(e.framework)) && /\.sh$/.test(e.file))
            .map((e) => ({ path: e.path, text: readFileSync(e.path, 'utf8') })),
        )
      : [];

  /** Put `flag value` in front of the script's first (uncommented) --num-layers. */
  const inject = (text: string, flag: string, value: unknown): string => {
    const lines = text.split('\n');
    const at = lines.findIndex((line) => /--num-layers\b/.test(line) && !/^\s*#/.test(line));
    assert.ok(at >= 0, 'the script passes --num-layers');
    const written = value === true ? flag : `${flag} ${String(value)}`;
    lines[at] = lines[at].replace(/--num-layers\b/, `${written} --num-layers`);
    return lines.join('\n');
  };

  it('covers the Megatron scripts of every corpus', { skip: SHARED_SKIP }, () => {
    assert.ok(configs().length >= 9);
  });

  it('lists every flag the reader reads', { skip: SHARED_SKIP }, () => {
    assert.deepEqual(unlistedUsedKeys(megatronReader, configs()), []);
  });

  it('makes N or D unknown, naming the flag, for every not-modelled flag', { skip: SHARED_SKIP }, () => {
    const failures = notModelledKeyFailures(megatronReader, configs(), (text, entry, value) =>
      inject(text, entry.key, value),
    );
    assert.deepEqual(failures, []);
  });

  it('keeps the counts when a not-modelled flag is written with its default', () => {
    const path = fixturePath('megatron', 'gpt3/train_gpt3_175b_distributed.sh');
    const text = fixture('megatron', 'gpt3/train_gpt3_175b_distributed.sh');
    const plain = readSpec(path, text);
    const withDefault = readSpec(path, inject(text, '--vocab-extra-ids', 0));
    assert.ok(plain.architecture && withDefault.architecture);
    assert.equal(countParams(withDefault.architecture).total, countParams(plain.architecture).total);
    const changed = readSpec(path, inject(text, '--vocab-extra-ids', 100));
    assert.equal(changed.architecture, undefined);
    assert.ok(
      changed.diagnostics.some((d) => d.code === 'not-modelled-key' && /vocab-extra-ids/.test(d.message)),
    );
  });

  it('refuses --mlp-type residual and a --num-experts list of different sizes', () => {
    const base =
      'deepspeed pretrain_gpt.py --num-layers 4 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
      '--vocab-size 1024 --global-batch-size 8 --train-iters 10 --num-experts 4';
    assert.ok(readSpec('/tmp/ds_moe.sh', base).architecture);
    assert.equal(readSpec('/tmp/ds_moe.sh', `${base} --mlp-type residual`).architecture, undefined);
    assert.equal(
      readSpec('/tmp/ds_moe.sh', base.replace('--num-experts 4', '--num-experts 4 8')).architecture,
      undefined,
    );
    assert.ok(readSpec('/tmp/ds_moe.sh', base.replace('--num-experts 4', '--num-experts 4 4')).architecture);
  });
});

describe('megatron reader: vocabulary, MoE, MLA and GPU counts', () => {
  const head =
    'torchrun pretrain_gpt.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 --seq-length 128';

  it('uses --padded-vocab-size as given, without padding it again', () => {
    const spec = readSpec(
      '/tmp/p.sh',
      `${head} --padded-vocab-size 1000 --tensor-model-parallel-size 8 --position-embedding-type rope`,
    );
    assert.equal(spec.architecture?.vocabSize, 1000);
  });

  it('names the tokenizer whose size is unknown instead of counting', () => {
    const spec = readSpec(
      '/tmp/t.sh',
      `${head} --tokenizer-type HuggingFaceTokenizer --tokenizer-model some-org/unknown-tokenizer`,
    );
    assert.equal(spec.architecture, undefined);
    assert.deepEqual(spec.paramsMissing, ['the vocabulary size of the tokenizer some-org/unknown-tokenizer']);
    // Megatron-DeepSpeed's HFTokenizer reports tokenizer.vocab_size, not len(tokenizer): not looked up.
    const ds = readSpec(
      '/tmp/t.sh',
      `${head} --tokenizer-type HFTokenizer --tokenizer-model meta-llama/Meta-Llama-3-8B`,
    );
    assert.equal(ds.architecture, undefined);
    const lm = readSpec(
      '/tmp/t.sh',
      `${head} --tokenizer-type HuggingFaceTokenizer --tokenizer-model meta-llama/Meta-Llama-3-8B --position-embedding-type rope`,
    );
    assert.equal(lm.architecture?.vocabSize, 128_256);
  });

  it('counts Megatron-core MLA with q projected directly (hand-computed)', () => {
    const spec = readSpec(
      '/tmp/mla.sh',
      `${head} --multi-latent-attention --kv-lora-rank 64 --qk-head-dim 32 --qk-pos-emb-head-dim 16 --v-head-dim 32 ` +
        '--qk-layernorm --normalization RMSNorm --disable-bias-linear --swiglu --ffn-hidden-size 512 ' +
        '--position-embedding-type rope --vocab-size 1024',
    );
    // Per layer: q 256·4·48 + kv-down 256·80 + kv norm 64 + kv-up 64·4·64 + out 128·256 = 118,848;
    // MLP 3·256·512; two norms 512. Two layers, a final norm and the tied 1024×256 embedding.
    assert.equal(countParams(spec.architecture!).total, 2 * (118_848 + 393_216 + 512) + 256 + 262_144);
  });

  it('refuses MLA without the latent norms', () => {
    const spec = readSpec(
      '/tmp/mla.sh',
      `${head} --multi-latent-attention --normalization RMSNorm --disable-bias-linear --vocab-size 1024`,
    );
    assert.equal(spec.architecture, undefined);
  });

  it('lays out Megatron-DeepSpeed MoE with its defaults: every 2nd layer, top-1, no router bias', () => {
    const spec = readSpec(
      '/tmp/ds.sh',
      'deepspeed pretrain_gpt.py --num-layers 4 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
        '--max-position-embeddings 128 --vocab-size 1024 --num-experts 4 --global-batch-size 8 --train-iters 10',
    );
    const counts = countParams(spec.architecture!);
    // attention 263,168 + norms 1,024 per layer; dense MLP 525,568; MoE 4 × 525,568 + router 1,024.
    assert.equal(
      counts.total,
      2 * (263_168 + 1_024 + 525_568) + 2 * (263_168 + 1_024 + 2_103_296) + 512 + 262_144 + 32_768,
    );
    assert.equal(counts.active, counts.total - 2 * 3 * 525_568);
  });

  it('lays out Megatron-core MoE: --moe-layer-freq, expert width, shared expert and its gate', () => {
    const spec = readSpec(
      '/tmp/core.sh',
      'torchrun pretrain_gpt.py --num-layers 4 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
        '--vocab-size 1024 --num-experts 4 --moe-router-topk 2 --moe-ffn-hidden-size 128 ' +
        '--moe-shared-expert-intermediate-size 256 --moe-shared-expert-gate --moe-layer-freq 2 ' +
        '--disable-bias-linear --swiglu --ffn-hidden-size 512 --normalization RMSNorm --position-embedding-type rope',
    );
    const counts = countParams(spec.architecture!);
    // MoE MLP: 4 experts × 3·256·128 + router 256·4 + shared 3·256·256 + gate 256 = 591,104.
    assert.equal(counts.total, 2 * (262_144 + 512 + 591_104) + 2 * (262_144 + 512 + 393_216) + 256 + 262_144);
    assert.equal(counts.active, counts.total - 2 * 2 * 98_304);
  });

  it('gives no count for --num-experts when the fork (and so the layout) is not shown', () => {
    const spec = readSpec('/tmp/x.sh', `${head} --vocab-size 1024 --num-experts 4`);
    assert.equal(spec.architecture, undefined);
  });

  it('takes the GPU count from the slurm header when there is no global batch', () => {
    const text = [
      '#!/bin/bash',
      '#SBATCH --nodes=2',
      '#SBATCH --gres=gpu:4',
      `${head} --vocab-size 1024 --micro-batch-size 2 --tensor-model-parallel-size 2 --train-iters 100`,
    ].join('\n');
    const spec = readSpec('/tmp/slurm.sh', text);
    // 8 GPUs / TP 2 = DP 4; batch 2 × 4 = 8 sequences of 128.
    assert.equal(spec.training.gpus, 8);
    assert.equal(spec.training.tokens, 100 * 8 * 128);
    assert.equal(spec.trainingSources.gpus?.key, '#SBATCH --gres');
    // torchrun's own counts win over the allocation; an environment value gives no count.
    const launcher = text.replace(
      'torchrun pretrain_gpt.py',
      'torchrun --nproc_per_node 2 --nnodes 1 pretrain_gpt.py',
    );
    assert.equal(readSpec('/tmp/slurm.sh', launcher).training.tokens, 100 * 2 * 128);
    const slurmNodes = text.replace(
      'torchrun pretrain_gpt.py',
      'NNODES=$SLURM_NNODES\ntorchrun --nproc_per_node 4 --nnodes $NNODES pretrain_gpt.py',
    );
    assert.equal(readSpec('/tmp/slurm.sh', slurmNodes).training.gpus, 8);
    const unknown = text.replace(
      'torchrun pretrain_gpt.py',
      'torchrun --nproc_per_node $GPUS pretrain_gpt.py',
    );
    assert.equal(readSpec('/tmp/slurm.sh', unknown).training.tokens, undefined);
  });

  it('reads the model from a fragment the launcher sources (slime run-qwen3-4B.sh)', () => {
    const spec = readFixture('slime/run-qwen3-4B.sh');
    const arch = spec.architecture!;
    assert.equal(arch.nLayers, 36);
    assert.equal(arch.qkNorm, 'head');
    // --vocab-size 151936 padded to a multiple of 128 × TP 2 = 256: 152064 rows, tied (no --untie).
    assert.equal(arch.vocabSize, 152_064);
    assert.equal(arch.tiedEmbeddings, true);
    assert.equal(countParams(arch).total, 4_022_468_096 + (152_064 - 151_936) * 2560);
    // Facts from the fragment name it; the editor shows them at the `source` line.
    assert.match(spec.archSources.nLayers?.file ?? '', /models\/qwen3-4B\.sh$/);
  });
});

describe('megatron reader: --moe-layer-freq patterns', () => {
  it('counts the ones and zeros of a list expression without building it', () => {
    assert.deepEqual(countPattern('([0]*3+[1]*58)'), { ones: 58, zeros: 3, last: 1 });
    assert.deepEqual(countPattern('([1]*3+[0]*1)*3'), { ones: 9, zeros: 3, last: 0 });
    assert.deepEqual(countPattern('[1, 0, 1]'), { ones: 2, zeros: 1, last: 1 });
    assert.deepEqual(countPattern('[1]*2+[0]*0'), { ones: 2, zeros: 0, last: 1 });
    assert.deepEqual(countPattern('[1]*1000000000000'), { ones: 1e12, zeros: 0, last: 1 });
    for (const bad of ['[2]*3', '[1]*x', '__import__("os")', '([1]*3', '[1]+', ''])
      assert.equal(countPattern(bad), undefined, bad);
  });

  it('uses the pattern for the MoE layer count and refuses one of the wrong length', () => {
    const text = (pattern: string) =>
      'torchrun pretrain_gpt.py --num-layers 4 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
      `--vocab-size 1024 --num-experts 4 --moe-router-topk 1 --moe-layer-freq "${pattern}"`;
    assert.equal(readSpec('/tmp/f.sh', text('([0]*1+[1]*3)')).architecture?.moe?.moeLayers, 3);
    assert.equal(readSpec('/tmp/f.sh', text('2')).architecture?.moe?.moeLayers, 2);
    assert.equal(readSpec('/tmp/f.sh', text('[1]*5')).architecture, undefined);
  });
});

describe('megatron reader: BigScience Megatron-DeepSpeed (BLOOM)', () => {
  it('counts BLOOM-176B exactly: --pad-vocab-size-to, --embed-layernorm, ALiBi', () => {
    const spec = readFixture('bigscience/tr11-176B-ml.slurm');
    const arch = spec.architecture!;
    assert.equal(arch.vocabSize, 250_880);
    assert.equal(arch.embeddingNorm, true);
    assert.equal(arch.learnedPositions, 0);
    assert.equal(countParams(arch).total, 176_247_271_424);
    // --train-samples 220_000_000 × --seq-length 2048.
    assert.equal(spec.training.tokens, 220_000_000 * 2048);
  });

  it('makes the MLP gated with --glu-activation at the 4h default width', () => {
    const spec = readSpec(
      '/tmp/glu.sh',
      'deepspeed pretrain_gpt.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
        '--max-position-embeddings 128 --vocab-size 1024 --glu-activation geglu',
    );
    assert.equal(spec.architecture?.gatedMlp, true);
    assert.equal(spec.architecture?.ffnSize, 1024);
    assert.equal(
      readSpec(
        '/tmp/glu.sh',
        'pretrain_gpt.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 --glu-activation gelu',
      ).architecture,
      undefined,
    );
  });
});

describe('NVIDIA Megatron-LM examples the reader was not built against', () => {
  const analyze = (name: string) => {
    const path = fixturePath('megatron', 'nvidia-examples', name);
    return analyzeText(
      readFileSync(path, 'utf8'),
      { path, readFile: diskReadFile },
      DEFAULT_ANALYSIS_SETTINGS,
    );
  };
  it('Llama-3-8B counts the published 8,030,261,248; FP8 makes its memory unknown, naming the flag', () => {
    const { analysis, diagnostics } = analyze('train_llama3_8b_h100_fp8.sh');
    assert.equal(analysis!.params!.total, 8_030_261_248);
    assert.equal(analysis!.memory, null);
    assert.ok(diagnostics.some((d) => d.code === 'memory-unknown' && d.message.includes('--fp8-format')));
  });
  it('Mixtral-8x7B counts the published 46.7B total / 12.9B active and fits on its 64 H100s (EP 8, PP 4)', () => {
    const { analysis } = analyze('train_mixtral_8x7b_distributed.sh');
    assert.equal(analysis!.params!.total, 46_702_792_704);
    assert.equal(analysis!.params!.active, 12_879_925_248);
    // Megatron-LM's default attention backend is auto (fused/flash): no s×s scores are kept.
    assert.equal(analysis!.memory!.fits, true);
  });
  it('a pretrain_bert.py launch is not counted as a GPT', () => {
    const { analysis, diagnostics } = analyze('train_bert_340m_distributed.sh');
    assert.equal(analysis!.params, null);
    assert.ok(diagnostics.some((d) => d.code === 'unknown-model' && d.message.includes('pretrain_bert.py')));
  });
});

describe('megatron reader: entry points that build other models than GPT (Megatron-LM@d98e8a64)', () => {
  // The same GPT flags, launched through different entry points. Only a GPT builder may show the
  // GPT count; a VLM's language model alone is not its N, a BERT task is not a GPT.
  const flags =
    '--num-layers 4 --hidden-size 256 --num-attention-heads 4 --seq-length 128 --max-position-embeddings 128 ' +
    '--padded-vocab-size 1024 --micro-batch-size 1 --global-batch-size 8 --train-iters 100';
  const spec = (launch: string) => readSpec('/x/run.sh', `#!/bin/bash\n${launch} ${flags}\n`);
  it('examples/multimodal/train.py (LLaVA: vision encoder + projector + LM): N and D unknown, naming the entry', () => {
    const read = spec('torchrun --nproc_per_node 8 examples/multimodal/train.py');
    assert.equal(read.architecture, undefined);
    assert.equal(read.training.tokens, undefined);
    assert.ok(read.paramsMissing!.some((m) => m.includes('examples/multimodal/train.py')));
    const warning = read.diagnostics.find((d) => d.code === 'unknown-model');
    assert.ok(warning && warning.message.includes('multimodal'));
  });
  it('examples/mimo/train.py and pretrain_vlm.py: N unknown', () => {
    for (const launch of [
      'uv run python -m torch.distributed.run examples/mimo/train.py',
      'torchrun pretrain_vlm.py',
    ]) {
      const read = spec(launch);
      assert.equal(read.architecture, undefined, launch);
      assert.ok(
        read.diagnostics.some((d) => d.code === 'unknown-model'),
        launch,
      );
    }
  });
  it('tasks/main.py: LAMBADA / WIKITEXT103 evaluate a GPT (counted); RACE / MNLI fine-tune BERT (unknown)', () => {
    for (const task of ['LAMBADA', 'WIKITEXT103'])
      assert.ok(spec(`python tasks/main.py --task ${task}`).architecture, task);
    for (const task of ['RACE', 'MNLI', '$TASK']) {
      const read = spec(`python tasks/main.py --task ${task}`);
      assert.equal(read.architecture, undefined, task);
      assert.equal(read.training.tokens, undefined, task);
    }
  });
  it('GPT entry points keep their count: pretrain_gpt.py, train_rl.py, tasks/msdp/main.py, a text-generation server', () => {
    const gpt = spec('torchrun pretrain_gpt.py').architecture;
    assert.ok(gpt);
    for (const launch of [
      'torchrun train_rl.py',
      'python tasks/msdp/main.py',
      'python tools/run_text_generation_server.py',
    ])
      assert.deepEqual(spec(launch).architecture, gpt, launch);
  });
});

describe('megatron reader: flags that change N, against Megatron-LM@d98e8a64 model code', () => {
  const head =
    'torchrun pretrain_gpt.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
    '--position-embedding-type rope';
  // Biases on (add_bias_linear default True): linear_qkv 256×768 + 768, linear_proj 256×256 + 256.
  const attention = 256 * 768 + 768 + 256 * 256 + 256;
  // linear_fc1 256×1024 + 1024, linear_fc2 1024×256 + 256 (ffn 4h).
  const mlp = 256 * 1024 + 1024 + 1024 * 256 + 256;

  it('gives --qk-layernorm norms of the --normalization kind: a LayerNorm over kv_channels has a bias', () => {
    // gpt_layer_specs.py: q_layernorm / k_layernorm = TENorm (te LayerNorm: weight + bias, or RMSNorm:
    // weight) over hidden_size_per_attention_head = 64.
    const layerNorm = readSpec('/tmp/qk.sh', `${head} --vocab-size 1024 --qk-layernorm`);
    const ln = countParams(layerNorm.architecture!);
    assert.equal(ln.breakdown.attentionPerLayer, attention + 2 * (64 + 64));
    // Two LayerNorms of 256 (weight + bias) per layer, a final one, the tied 1024×256 embedding.
    assert.equal(ln.total, 2 * (attention + 256 + mlp + 2 * 512) + 512 + 1024 * 256);
    const rms = readSpec('/tmp/qk.sh', `${head} --vocab-size 1024 --qk-layernorm --normalization RMSNorm`);
    const r = countParams(rms.architecture!);
    assert.equal(r.breakdown.attentionPerLayer, attention + 2 * 64);
    assert.equal(r.total, 2 * (attention + 128 + mlp + 2 * 256) + 256 + 1024 * 256);
  });

  it('counts no q/k norm parameters under --qk-l2-norm (L2Norm replaces the --qk-layernorm norms)', () => {
    const spec = readSpec('/tmp/qk.sh', `${head} --vocab-size 1024 --qk-layernorm --qk-l2-norm`);
    assert.equal(countParams(spec.architecture!).breakdown.attentionPerLayer, attention);
    // MLA refuses qk_l2_norm (gpt_layer_specs.py asserts): no count.
    const mla = readSpec(
      '/tmp/mla.sh',
      `${head} --multi-latent-attention --qk-layernorm --qk-l2-norm --normalization RMSNorm --disable-bias-linear --vocab-size 1024`,
    );
    assert.equal(mla.architecture, undefined);
  });

  it('uses --vocab-size only for NullTokenizer / TikTokenizer, as build_tokenizer.py does', () => {
    const vocab = (flags: string) => readSpec('/tmp/v.sh', `${head} ${flags}`).architecture?.vocabSize;
    // GPT2BPETokenizer reports its 50257 entries, padded to 128: the flag's 32000 is not used.
    const gpt2 = readSpec(
      '/tmp/v.sh',
      `${head} --tokenizer-type GPT2BPETokenizer --vocab-file gpt2-vocab.json --merge-file gpt2-merges.txt --vocab-size 32000`,
    );
    assert.equal(gpt2.architecture?.vocabSize, 50_304);
    assert.ok(gpt2.assumptions.some((a) => a.includes('--vocab-size 32000 is ignored')));
    assert.equal(
      vocab(
        '--tokenizer-type HuggingFaceTokenizer --tokenizer-model meta-llama/Meta-Llama-3-8B --vocab-size 128000',
      ),
      128_256,
    );
    // NullTokenizer(vocab_size): the flag is the size, then padded (32001 → 251 × 128).
    assert.equal(vocab('--tokenizer-type NullTokenizer --vocab-size 32001'), 32_128);
    // TikTokenizer: vocab_size default 2**17, or the flag (100000 → 782 × 128).
    assert.equal(vocab('--tokenizer-type TikTokenizer --tokenizer-model o200k.json'), 131_072);
    assert.equal(
      vocab('--tokenizer-type TikTokenizer --tokenizer-model o200k.json --vocab-size 100000'),
      100_096,
    );
    // A tokenizer of unknown size with the flag: counted with it, said as an assumption.
    const guessed = readSpec(
      '/tmp/v.sh',
      `${head} --tokenizer-type HuggingFaceTokenizer --tokenizer-model /data/my-tokenizer --vocab-size 1000`,
    );
    assert.equal(guessed.architecture?.vocabSize, 1024);
    assert.ok(
      guessed.assumptions.some((a) => a.includes('taken as the size of the tokenizer /data/my-tokenizer')),
    );
  });

  it('adds the NullTokenizer end-of-document id in Megatron-DeepSpeed and under --legacy-tokenizer', () => {
    const flags = '--tokenizer-type NullTokenizer --vocab-size 32000';
    // Megatron-core NullTokenizer (@d98e8a64): vocab_size as given; 32000 is already a multiple of 128.
    assert.equal(readSpec('/tmp/n.sh', `${head} ${flags}`).architecture?.vocabSize, 32_000);
    // Megatron-DeepSpeed _NullTokenizer: vocab_size + 1 = 32001, padded to 251 × 128.
    const ds = readSpec(
      '/tmp/n.sh',
      'deepspeed pretrain_gpt.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
        `--max-position-embeddings 128 ${flags}`,
    );
    assert.equal(ds.architecture?.vocabSize, 32_128);
    assert.equal(
      readSpec('/tmp/n.sh', `${head} ${flags} --legacy-tokenizer`).architecture?.vocabSize,
      32_128,
    );
  });

  it('drops the learned position table under --use-rotary-position-embeddings, whatever the named type', () => {
    const base =
      'torchrun pretrain_gpt.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
      '--max-position-embeddings 128 --vocab-size 1024';
    // Learned absolute: a 128 × 256 position table.
    assert.equal(readSpec('/tmp/r.sh', base).architecture?.learnedPositions, 128);
    // arguments.py sets position_embedding_type = 'rope' when the legacy flag is given.
    const both = readSpec(
      '/tmp/r.sh',
      `${base} --position-embedding-type learned_absolute --use-rotary-position-embeddings`,
    );
    assert.equal(both.architecture?.learnedPositions, 0);
  });

  it('refuses a shared expert with linear biases (SharedExpertMLP asserts add_bias_linear is False)', () => {
    const spec = readSpec(
      '/tmp/s.sh',
      `${head} --vocab-size 1024 --num-experts 4 --moe-router-topk 2 --moe-shared-expert-intermediate-size 256`,
    );
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('needs --disable-bias-linear')));
  });

  it('builds a one-expert MoE layer with its router for Megatron-LM --num-experts 1, a dense MLP in Megatron-DeepSpeed', () => {
    const core = readSpec(
      '/tmp/m.sh',
      `${head} --vocab-size 1024 --num-experts 1 --moe-router-topk 1 --moe-ffn-hidden-size 512`,
    );
    const counts = countParams(core.architecture!);
    // One expert: fc1 256×512 + 512, fc2 512×256 + 256; TopKRouter weight 1×256 + bias 1 (add_bias_linear).
    const moeMlp = 256 * 512 + 512 + 512 * 256 + 256 + 256 + 1;
    assert.equal(counts.breakdown.mlpPerLayer, moeMlp);
    assert.equal(counts.total, 2 * (attention + moeMlp + 1024) + 512 + 1024 * 256);
    const ds = readSpec(
      '/tmp/d.sh',
      'deepspeed pretrain_gpt.py --num-layers 2 --hidden-size 256 --num-attention-heads 4 --seq-length 128 ' +
        '--max-position-embeddings 128 --vocab-size 1024 --num-experts 1',
    );
    assert.equal(ds.architecture?.moe, undefined);
    assert.equal(countParams(ds.architecture!).breakdown.mlpPerLayer, mlp);
    const unknownFork = readSpec('/tmp/u.sh', `${head} --vocab-size 1024 --num-experts 1`);
    assert.equal(unknownFork.architecture, undefined);
  });

  it('builds the legacy GPT of --use-legacy-models as Megatron-LM@fd443f26 did: no q/k norms, experts unknown', () => {
    // megatron/legacy/model/transformer.py ParallelAttention has no q/k norm at all.
    const spec = readSpec('/tmp/l.sh', `${head} --vocab-size 1024 --qk-layernorm --use-legacy-models`);
    assert.equal(countParams(spec.architecture!).breakdown.attentionPerLayer, attention);
    // Its SwitchMLP (top-1 in every layer, router without bias) is not the Megatron-core MoE layer.
    const moe = readSpec(
      '/tmp/l.sh',
      `${head} --vocab-size 1024 --use-legacy-models --num-experts 8 --moe-router-topk 2 --disable-bias-linear`,
    );
    assert.equal(moe.architecture, undefined);
    assert.ok(moe.diagnostics.some((d) => d.message.includes('SwitchMLP')));
  });

  it('pads the Qwen3-8B RL config from its tokenizer, not from the --vocab-size HuggingFaceTokenizer ignores', () => {
    const spec = readSpec(fixturePath('megatron', 'nvidia-examples', 'rl', 'qwen3_8b.sh'));
    const counts = countParams(spec.architecture!);
    // len(Qwen3 tokenizer) 151,669 padded to a multiple of 128 (TP 1): 151,680 rows, untied.
    assert.equal(spec.architecture!.vocabSize, 151_680);
    // linear_qkv 4096 × (32 + 2·8)·128, linear_proj 4096 × 4096, q/k RMSNorm 2 × 128; SwiGLU 3 × 4096 × 12288.
    assert.equal(counts.breakdown.attentionPerLayer, 4096 * 6144 + 4096 * 4096 + 256);
    assert.equal(counts.breakdown.mlpPerLayer, 3 * 4096 * 12288);
    assert.equal(counts.total, 36 * (41_943_296 + 150_994_944 + 2 * 4096) + 4096 + 2 * 151_680 * 4096);
  });

  it('counts Qwen3-0.6B from the Megatron-LM modelopt fragment: --kv-channels 128 over 16 heads, GQA 8', () => {
    // The fragment leaves --tokenizer-model to its caller (examples/post_training/modelopt/*.sh).
    const path = fixturePath('megatron', 'nvidia-examples', 'Qwen3-0.6B.sh');
    const text = `${readFileSync(path, 'utf8')}\ntorchrun pretrain_gpt.py \${MODEL_ARGS} --tokenizer-model Qwen/Qwen3-0.6B\n`;
    const spec = readSpec(path, text);
    const counts = countParams(spec.architecture!);
    // linear_qkv 1024 × (16 + 2·8)·128, linear_proj 2048 × 1024, q/k RMSNorm 2 × 128 (no biases).
    assert.equal(counts.breakdown.attentionPerLayer, 1024 * 4096 + 2048 * 1024 + 256);
    // SwiGLU fc1 1024 × 2·3072, fc2 3072 × 1024; two RMSNorms of 1024.
    assert.equal(counts.breakdown.mlpPerLayer, 3 * 1024 * 3072);
    // 151,669 tokens padded to a multiple of 1187: 128 × 1187 = 151,936 rows, tied.
    assert.equal(spec.architecture!.vocabSize, 151_936);
    assert.equal(counts.total, 596_049_920);
  });
});
