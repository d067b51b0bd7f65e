import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { torchtitanReader } from './reader';
import { titanFfnHiddenDim } from './models';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import type { InventoryEntry, InventoryValue } from '../../inventory';
import type { ReadContext, RunSpec } from '../../../types';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import {
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
  readSpecAs,
  textAt,
} from '../../../../../test/helpers';

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

describe('torchtitan reader on configs-c', { skip: SHARED_SKIP }, () => {
  const entries = SHARED_SKIP
    ? []
    : loadManifest('configs-c').filter((e) => e.framework === 'torchtitan' && e.file.endsWith('.toml'));
  it('has the DeepSeek-V3 16B and legacy Llama-2 70B entries', () => assert.ok(entries.length >= 2));
  for (const entry of entries) {
    it(`counts ${entry.file} (total and active) exactly`, () => {
      const spec = readSpec(readFileSync(entry.path, 'utf8'), { path: entry.path });
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.active, entry.params_active);
      if (entry.training_tokens_derivable_from_file === true) {
        assert.equal(spec.training.tokens, entry.training_tokens);
      } else {
        assert.equal(spec.training.tokens, undefined);
      }
    });
  }
});

describe('torchtitan reader on upstream train configs', () => {
  const read = (name: string, context: ReadContext = {}) =>
    readSpec(fixture('torchtitan', name), { path: fixturePath('torchtitan', name), ...context });

  it('counts Llama 4 Scout (17bx16e): every layer MoE with one shared expert, top-1', () => {
    const spec = read('llama4_17bx16e.toml');
    const counts = countParams(spec.architecture!);
    // Hand count: 48 × (attention 62,914,560 + norms 10,240 + 16 experts × 3·5120·8192 + shared
    // 3·5120·8192 + router 5120·16) + 2 × 202048·5120 + 5120.
    assert.equal(counts.total, 107_769_861_120);
    assert.equal(counts.active, 107_769_861_120 - 48 * 15 * 3 * 5120 * 8192);
    assert.equal(spec.architecture!.moe!.expertFfnSize, 8192);
    assert.equal(spec.architecture!.ffnSize, 16384);
    // 3000 steps × 8 per rank × 8192 × DP (64 GPUs from the NOTE / TP 8)
    assert.equal(spec.training.tokens, 3000 * 8 * 8192 * 8);
  });

  it('counts Llama 4 Maverick (17bx128e): MoE on every second layer (interleave_moe_layer_step 2)', () => {
    const spec = read('llama4_17bx128e.toml');
    assert.equal(spec.architecture!.moe!.moeLayers, 24);
    assert.equal(countParams(spec.architecture!).total, 400_711_848_960);
  });

  it('counts DeepSeek-V3 671B with MLA, 3 dense layers and one shared expert (no MTP)', () => {
    const spec = read('deepseek_v3_671b.toml');
    const counts = countParams(spec.architecture!);
    // DeepSeek-V3 without the multi-token-prediction module: 671,026,404,352 (the HF checkpoint's
    // 685B adds MTP's 14B), 37.55B activated.
    assert.equal(counts.total, 671_026_404_352);
    assert.equal(counts.active, 37_552_282_624);
    assert.deepEqual(spec.architecture!.mla, {
      qLoraRank: 1536,
      kvLoraRank: 512,
      qkNopeHeadDim: 128,
      qkRopeHeadDim: 64,
      vHeadDim: 128,
    });
    assert.equal(spec.architecture!.moe!.moeLayers, 58);
    // steps = 10_000 (TOML underscores), no GPU count in the file
    assert.equal(spec.training.steps, 10_000);
    assert.equal(spec.training.tokens, undefined);
  });

  it('counts the Qwen3 MoE debug model (all layers MoE, no shared expert)', () => {
    const spec = read('qwen3_moe_debug.toml');
    const arch = spec.architecture!;
    assert.equal(arch.moe!.nExperts, 64);
    assert.equal(arch.moe!.sharedExpertFfnSize, 0);
    // 8 × (attention 256·2048·2 + 256·1024·2 + 2·128 + norms 512 + 64 experts × 3·256·768 + router 256·64)
    //   + 2 × 2048·256 + 256
    const perLayer = 256 * 2048 * 2 + 256 * 1024 * 2 + 256 + 512 + 64 * 3 * 256 * 768 + 256 * 64;
    assert.equal(countParams(arch).total, 8 * perLayer + 2 * 2048 * 256 + 256);
  });

  it('counts the gpt-oss debug model with biases and attention sinks', () => {
    const spec = read('gpt_oss_debug_model.toml');
    assert.equal(spec.architecture!.attentionSinks, true);
    assert.equal(countParams(spec.architecture!).total, 183_397_920);
  });

  it('makes D unknown for torchft replica groups (fault_tolerance.enable), naming the key', () => {
    const spec = read('llama3_ft_debug_model.toml', { options: { gpus: 8 } });
    assert.equal(countParams(spec.architecture!).total, 6_163_712);
    assert.equal(spec.training.tokens, undefined);
    const diagnostic = spec.diagnostics.find((d) => d.code === 'not-modelled-key')!;
    assert.match(diagnostic.message, /fault_tolerance|enable/);
  });

  it('leaves N unknown for a Dec 2024 config on the test tokenizer, saying which vocab is missing', () => {
    const spec = read('legacy_debug_model.toml');
    assert.equal(spec.architecture, undefined);
    assert.match(spec.paramsMissing!.join(' '), /test_tiktoken\.model/);
  });

  it('reads the legacy 2024 keys and leaves D to the GPU comment', () => {
    const spec = read('legacy_llama2_70b.toml');
    // Llama-2-70B official count; vocab 32000 from the Llama-2 tokenizer.
    assert.equal(countParams(spec.architecture!).total, 68_976_648_192);
    // 1000 steps × batch_size 16 × 4096 × DP 8 (64 A100 from the NOTE / TP 8)
    assert.equal(spec.training.tokens, 1000 * 16 * 4096 * 8);
    assert.ok(spec.assumptions.some((a) => a.includes('Llama-2 sentencepiece')));
  });

  it('takes a fixed global_batch_size over local × DP (gradient accumulation)', () => {
    const text = fixture('torchtitan', 'llama4_17bx16e.toml').replace(
      'local_batch_size = 8\n',
      'local_batch_size = 8\nglobal_batch_size = 512\n',
    );
    const spec = readSpec(text, {});
    assert.equal(spec.training.tokens, 3000 * 512 * 8192);
    assert.equal(spec.training.tokensPerStep, 512 * 8192);
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
    assert.match(result.spec.paramsMissing![0]!, /3T/);
  });

  it('reports every written key as table.key', () => {
    const result = torchtitanReader.read(fixture('torchtitan', 'llama4_17bx16e.toml'), {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    const keys = result.written!.map((w) => w.key);
    for (const key of ['model.name', 'training.steps', 'parallelism.tensor_parallel_degree']) {
      assert.ok(keys.includes(key), key);
    }
  });
});

/** All torchtitan TOMLs: the shared corpus and the upstream fixtures. */
function torchtitanConfigs(): InventoryConfig[] {
  const paths = readdirSync(fixturePath('torchtitan'))
    .filter((f) => f.endsWith('.toml'))
    .map((f) => fixturePath('torchtitan', f));
  if (!SHARED_SKIP) {
    for (const set of ['configs', 'configs-b', 'configs-c'] as const) {
      for (const entry of loadManifest(set)) {
        if (entry.framework === 'torchtitan' && entry.file.endsWith('.toml')) paths.push(entry.path);
      }
    }
  }
  return paths.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** Write `table.key = value` into a TOML: replace the line, add it under the table, or add the table. */
function injectToml(text: string, entry: InventoryEntry, value: InventoryValue): string {
  const dot = entry.key.lastIndexOf('.');
  const table = entry.key.slice(0, dot);
  const leaf = entry.key.slice(dot + 1);
  const literal =
    entry.key === 'model.converters'
      ? `["${String(value)}"]`
      : typeof value === 'string'
        ? `"${value}"`
        : String(value);
  const header = new RegExp(`^\\[${table.replace(/\./g, '\\.')}\\][^\\n]*\\n`, 'm').exec(text);
  if (!header) return `${text}\n[${table}]\n${leaf} = ${literal}\n`;
  const bodyStart = header.index + header[0].length;
  const next = /^\[/m.exec(text.slice(bodyStart));
  const bodyEnd = next ? bodyStart + next.index : text.length;
  const body = text.slice(bodyStart, bodyEnd);
  const line = new RegExp(`^${leaf}\\s*=[^\\n]*$`, 'm');
  const edited = line.test(body)
    ? body.replace(line, `${leaf} = ${literal}`)
    : `${leaf} = ${literal}\n${body}`;
  return text.slice(0, bodyStart) + edited + text.slice(bodyEnd);
}

describe('torchtitan key inventory', () => {
  it('lists every key the reader uses', () => {
    assert.deepEqual(unlistedUsedKeys(torchtitanReader, torchtitanConfigs()), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key written with another value', () => {
    // Configs whose N and D are both known, so the check can fail.
    const configs = torchtitanConfigs().filter((c) =>
      /llama4_17bx16e|legacy_llama2_70b|toml_2026-02\/llama3_8b/.test(c.path),
    );
    assert.ok(configs.length >= 2);
    assert.deepEqual(notModelledKeyFailures(torchtitanReader, configs, injectToml), []);
  });

  it('treats quantization converters as harmless and others as unknown', () => {
    const base = fixture('torchtitan', 'llama4_17bx16e.toml');
    const float8 = readSpec(
      base.replace('[model]\n', '[model]\nconverters = ["quantize.linear.float8"]\n'),
      {},
    );
    assert.equal(countParams(float8.architecture!).total, 107_769_861_120);
    const lora = readSpec(base.replace('[model]\n', '[model]\nconverters = ["float8", "lora"]\n'), {});
    assert.equal(lora.architecture, undefined);
    assert.ok(
      lora.diagnostics.some((d) => d.code === 'not-modelled-key' && d.message.includes('converters')),
    );
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
    const text = fixture('torchtitan', 'llama4_17bx16e.toml');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.archSources.nLayers!.keyRange), 'flavor');
    assert.equal(textAt(text, spec.archSources.nLayers!.valueRange), '"17bx16e"');
    const duration = spec.trainingSources.duration!;
    assert.equal(textAt(text, duration.keyRange), 'steps');
    assert.equal(textAt(text, duration.valueRange), '3000');
    assert.deepEqual(spec.training.durationUnit, { kind: 'steps', tokensPerUnit: 8 * 8192 * 8, suffix: '' });
    assert.ok(textAt(text, spec.modelSectionRange!).startsWith('[model]'));
    assert.ok(textAt(text, spec.trainingSources.gpus!.keyRange).includes('64 H100 GPUs'));
  });
});

describe('torchtitan broken input', () => {
  it('returns diagnostics for every truncation without throwing', () => {
    const text = fixture('torchtitan', 'legacy_llama2_70b.toml');
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
