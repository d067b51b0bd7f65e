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
