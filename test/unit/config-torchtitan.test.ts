import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { torchtitanReader } from '../../src/core/config/frameworks/torchtitan';
import { titanFfnHiddenDim } from '../../src/core/config/frameworks/torchtitan.models';
import { readRunConfig } from '../../src/core/config/registry';
import { countParams } from '../../src/core/model/params';
import type { ReadContext, RunSpec, SourceRange } from '../../src/core/types';
import {
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
  readSpecAs,
  textAt,
} from '../helpers';

const readSpec = (text: string, context: ReadContext): RunSpec => readSpecAs('torchtitan', text, context);

describe('torchtitan reader on the shared corpus', { skip: SHARED_SKIP }, () => {
  const entries = SHARED_SKIP
    ? []
    : [...loadManifest('configs'), ...loadManifest('configs-b')].filter((e) => e.framework === 'torchtitan');
  it('has torchtitan entries to check', () => assert.ok(entries.length >= 9));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      assert.equal(spec.architecture!.ffnSize, entry.ffn_size);
      assert.equal(spec.architecture!.vocabSize, entry.vocab_size);
      if (entry.params_active != null) assert.equal(counts.active, entry.params_active);
    });

    it(`derives the training tokens of ${entry.file} as the manifest formula states`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const formula = String(entry.training_tokens_formula);
      const perRank = entry.training_tokens_per_dp_rank as number;
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      if (/GPUs from the NOTE comment/.test(formula)) {
        // The world size comes from the "# NOTE: ... preset for N GPUs" comment.
        assert.equal(spec.training.tokens, entry.training_tokens);
        assert.ok(spec.assumptions.some((a) => a.includes('comment')));
      } else {
        // No GPU count in the file: D is unknown until the user says how many GPUs.
        assert.equal(spec.training.tokens, undefined);
        assert.ok(spec.training.missing?.includes('GPU count'));
        assert.ok(spec.diagnostics.some((d) => d.code === 'missing-gpus'));
        assert.ok(spec.training.formula!.includes(perRank.toLocaleString('en-US')));
        // The manifest's single-GPU assumption, supplied as a setting.
        const oneGpu = readSpec(text, { path: entry.path, options: { gpus: 1 } });
        assert.equal(oneGpu.training.tokens, perRank);
        if (entry.training_tokens != null) assert.equal(oneGpu.training.tokens, entry.training_tokens);
      }
    });
  }
});

describe('torchtitan reader on its own fixtures', () => {
  it('counts Qwen3-30B-A3B total and active parameters from the flavor registry', () => {
    const path = fixturePath('torchtitan', 'qwen3_30b_a3b.toml');
    const spec = readSpec(fixture('torchtitan', 'qwen3_30b_a3b.toml'), { path });
    const counts = countParams(spec.architecture!);
    // Matches the Qwen3-30B-A3B model card (30.5B total, 3.3B active).
    assert.equal(counts.total, 30_532_122_624);
    assert.equal(counts.active, 3_353_032_704);
    assert.equal(counts.nonEmbedding, 29_909_792_768);
  });

  it('uses [training], not the [validation] trap, and the GPU comment for DP', () => {
    const spec = readSpec(fixture('torchtitan', 'qwen3_30b_a3b.toml'), {});
    // 2000 steps × 4 per rank × 4096 × DP 64 (64 GPUs / TP 1)
    assert.equal(spec.training.tokens, 2000 * 4 * 4096 * 64);
    assert.equal(spec.training.seqLen, 4096);
    assert.equal(spec.training.gpus, 64);
  });

  it('takes a fixed global_batch_size over local × DP (gradient accumulation)', () => {
    const spec = readSpec(fixture('torchtitan', 'llama3_8b_global_batch.toml'), {});
    assert.equal(countParams(spec.architecture!).total, 8_030_261_248);
    assert.equal(spec.training.tokens, 500 * 64 * 4096);
    assert.equal(spec.training.tokensPerStep, 64 * 4096);
    assert.equal(spec.training.gpus, 8);
  });

  it('reads the legacy 2024 keys and leaves D to the GPU-count setting', () => {
    const text = fixture('torchtitan', 'llama2_70b_legacy.toml');
    const spec = readSpec(text, {});
    // Llama-2-70B official count; vocab 32000 from the Llama-2 tokenizer.
    assert.equal(countParams(spec.architecture!).total, 68_976_648_192);
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['GPU count']);
    const withGpus = readSpec(text, { options: { gpus: 64 } });
    // DP = 64 / TP 8 = 8
    assert.equal(withGpus.training.tokens, 2000 * 4 * 4096 * 8);
    assert.ok(withGpus.training.formula!.includes('settings'));
  });

  it('computes the SwiGLU width with torchtitan rounding', () => {
    assert.equal(titanFfnHiddenDim(4096, 1024, 1.3), 14336);
    assert.equal(titanFfnHiddenDim(8192, 4096, 1.3), 28672);
    assert.equal(titanFfnHiddenDim(16384, 4096, 1.2), 53248);
    assert.equal(titanFfnHiddenDim(4096, 256), 11008);
    assert.equal(titanFfnHiddenDim(256, 256), 768);
  });

  it('warns about an unknown flavor instead of guessing', () => {
    const text =
      '[job]\ndescription = "x"\n[model]\nname = "llama3"\nflavor = "3T"\n[training]\nsteps = 10\n';
    const result = torchtitanReader.read(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.architecture, undefined);
    assert.ok(result.spec.diagnostics.some((d) => d.code === 'unknown-flavor'));
  });
});

describe('torchtitan recognition', () => {
  it('does not claim other TOML, YAML or JSON files', () => {
    const samples = [
      '[package]\nname = "scaling-lens"\nversion = "0.1.0"\n\n[dependencies]\nserde = "1"\n',
      '[tool.poetry]\nname = "x"\n[model]\nname = "bert"\n',
      'model:\n  name: llama3\n  flavor: 8B\ntraining:\n  steps: 10\n',
      '{"model": {"name": "llama3", "flavor": "8B"}}',
    ];
    for (const text of samples) assert.ok(torchtitanReader.detect(text, 'x.toml') < 0.5, text.slice(0, 30));
    assert.equal(readRunConfig(samples[0], { path: 'Cargo.toml' }).kind, 'not-a-run-config');
  });
});

describe('torchtitan source ranges', () => {
  it('maps the flavor and the steps key to their text', () => {
    const text = fixture('torchtitan', 'qwen3_30b_a3b.toml');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.archSources.nLayers!.keyRange), 'flavor');
    assert.equal(textAt(text, spec.archSources.nLayers!.valueRange), '"30B-A3B"');
    const duration = spec.trainingSources.duration!;
    assert.equal(textAt(text, duration.keyRange), 'steps');
    assert.equal(textAt(text, duration.valueRange), '2000');
    assert.deepEqual(spec.training.durationUnit, { kind: 'steps', tokensPerUnit: 4 * 4096 * 64, suffix: '' });
    assert.ok(textAt(text, spec.modelSectionRange!).startsWith('[model]'));
    assert.ok(textAt(text, spec.trainingSources.gpus!.keyRange).includes('64 H100 GPUs'));
  });
});

describe('torchtitan broken input', () => {
  it('returns diagnostics for every truncation without throwing', () => {
    const text = fixture('torchtitan', 'llama2_70b_legacy.toml');
    let sawSyntaxError = false;
    for (let cut = 1; cut < text.length; cut += 17) {
      const result = torchtitanReader.read(text.slice(0, cut), {});
      const diagnostics =
        result.kind === 'run-config'
          ? result.spec.diagnostics
          : result.kind === 'unreadable'
            ? result.diagnostics
            : [];
      if (diagnostics.some((d) => d.code === 'toml-syntax')) sawSyntaxError = true;
      if (result.kind === 'run-config' && result.spec.training.tokens !== undefined) {
        assert.ok(Number.isFinite(result.spec.training.tokens));
      }
    }
    assert.ok(sawSyntaxError);
  });

  it('keeps what precedes a syntax error', () => {
    const text = '[model]\nname = "llama3"\nflavor = "8B"\n[training]\nsteps = 10\nseq_len = "8192\n';
    const result = torchtitanReader.read(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(countParams(result.spec.architecture!).total, 8_030_261_248);
    const syntax = result.spec.diagnostics.find((d) => d.code === 'toml-syntax')!;
    assert.equal(syntax.range!.start.line, 5);
  });

  it('flags a wrong value type', () => {
    const text =
      '[model]\nname = "llama3"\nflavor = "8B"\n[training]\nsteps = "ten"\nlocal_batch_size = 1\nseq_len = 8\n';
    const result = torchtitanReader.read(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    const invalid = result.spec.diagnostics.find((d) => d.code === 'invalid-value')!;
    assert.equal(textAt(text, invalid.range!), '"ten"');
    assert.equal(result.spec.training.tokens, undefined);
  });
});
