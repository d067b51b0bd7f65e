import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { maxtextReader } from './reader';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import type { ReadContext, RunSpec } from '../../../types';
import { MAXTEXT_MODEL_FILES } from './tables';
import type { InventoryValue } from '../../inventory';
import {
  diskReadFile,
  fixture,
  fixturePath,
  HAS_SHARED,
  loadManifest,
  REPO_ROOT,
  SHARED_SKIP,
} from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';

function readSpec(
  path: string,
  context: Partial<ReadContext> = {},
  text = readFileSync(path, 'utf8'),
): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, ...context });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  if (result.kind !== 'run-config') throw new Error('unreachable');
  assert.equal(result.spec.framework, 'maxtext');
  return result.spec;
}

const FIXTURE = (...parts: string[]) => fixturePath('maxtext', ...parts);

describe('maxtext reader: shared corpus (configs-b manifest)', () => {
  const entries = HAS_SHARED
    ? loadManifest('configs-b').filter((e) => e.role === 'primary' && e.framework === 'maxtext')
    : [];
  it('has MaxText entries to check', { skip: SHARED_SKIP }, () => assert.ok(entries.length >= 10));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, { skip: SHARED_SKIP }, () => {
      const spec = readSpec(entry.path);
      assert.ok(spec.architecture, `no architecture: ${JSON.stringify(spec.diagnostics)}`);
      const counts = countParams(spec.architecture);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active) assert.equal(counts.active, entry.params_active);
      if (typeof entry.vocab_size === 'number') assert.equal(spec.architecture.vocabSize, entry.vocab_size);
      if (entry.training_tokens_derivable_from_file)
        assert.equal(spec.training.tokens, entry.training_tokens);
      else {
        assert.equal(spec.training.tokens, undefined);
        assert.deepEqual(spec.training.missing, ['device count']);
      }
      if (typeof entry.train_steps === 'number') assert.equal(spec.training.steps, entry.train_steps);
    });
  }
});

describe('maxtext reader: own fixtures', () => {
  it('reads base.yml itself (llama2 block, untied, underscore ints)', () => {
    const spec = readSpec(FIXTURE('MaxText/configs/base.yml'));
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 1_104_218_112);
    assert.equal(counts.nonEmbedding, 973_146_112);
    assert.equal(spec.training.steps, 150_001);
    assert.match(spec.training.formula ?? '', /3,686,424,576 × num_devices/);
  });

  it('scales base dims by global_parameter_scale=16 with the backslash glued to the value', () => {
    const path = FIXTURE('MaxText/configs/v5e/16b.sh');
    const spec = readSpec(path);
    const arch = spec.architecture!;
    assert.deepEqual(
      [arch.dModel, arch.nHeads, arch.ffnSize, arch.nLayers, arch.headDim],
      [4096, 64, 28672, 32, 128],
    );
    const counts = countParams(arch);
    assert.equal(counts.total, 15_831_666_688);
    assert.equal(counts.nonEmbedding, 15_569_522_688);
    assert.equal(spec.training.steps, 15);
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['device count']);
    const missing = spec.diagnostics.find((d) => d.code === 'missing-gpus');
    assert.ok(missing?.range, 'missing-gpus sits on steps=');
    const text = fixture('maxtext', 'MaxText/configs/v5e/16b.sh').split('\n');
    const duration = spec.trainingSources.duration!;
    assert.equal(duration.key, 'steps');
    assert.equal(
      text[duration.valueRange.start.line].slice(
        duration.valueRange.start.character,
        duration.valueRange.end.character,
      ),
      '15',
    );
    assert.equal(spec.archSources.nLayers?.file, path.replace('v5e/16b.sh', 'base.yml'));
  });

  it('computes tokens when the device count is supplied', () => {
    const spec = readSpec(FIXTURE('MaxText/configs/v5e/16b.sh'), { options: { gpus: 256 } });
    // 15 steps × int(256 devices × 6 per device) × 2048 tokens.
    assert.equal(spec.training.tokens, 15 * 1536 * 2048);
    assert.match(spec.training.formula ?? '', /256 devices \(device count from settings\)/);
    assert.equal(
      spec.diagnostics.find((d) => d.code === 'missing-gpus'),
      undefined,
    );
  });

  it('reads a model file (gemma-7b: head_dim independent of d, tied, vocab as written)', () => {
    const spec = readSpec(FIXTURE('MaxText/configs/models/gemma-7b.yml'));
    const arch = spec.architecture!;
    assert.equal(arch.nHeads * arch.headDim, 4096);
    assert.equal(arch.dModel, 3072);
    assert.equal(arch.tiedEmbeddings, true);
    assert.equal(arch.vocabSize, 256128);
    const counts = countParams(arch);
    assert.equal(counts.total, 8_538_074_112);
    assert.equal(counts.nonEmbedding, 7_751_248_896);
    assert.equal(spec.training.seqLen, 2048, 'max_target_length comes from ../base.yml');
  });

  it('counts MoE experts and active parameters (mixtral-8x7b)', () => {
    const counts = countParams(readSpec(FIXTURE('MaxText/configs/models/mixtral-8x7b.yml')).architecture!);
    assert.equal(counts.total, 46_702_792_704);
    assert.equal(counts.active, 12_879_925_248);
  });

  it('layers base.yml ← models/<model_name>.yml ← key=value with variables and -m MaxText.train', () => {
    const spec = readSpec(FIXTURE('MaxText/configs/v5e/gemma_7b.sh'), { options: { gpus: 16 } });
    assert.equal(spec.modelName, 'gemma-7b');
    assert.equal(countParams(spec.architecture!).total, 8_538_074_112);
    // steps=${STEPS:-2000} → 2000; int(16 × 2) × 4 accumulation × 8192.
    assert.equal(spec.training.tokens, 2000 * 32 * 4 * 8192);
    assert.equal(spec.trainingSources.gradAccum?.key, 'gradient_accumulation_steps');
  });

  it('falls back on built-in model and base tables when the files are not readable', () => {
    const path = FIXTURE('end_to_end/test_llama2_7b.sh');
    const spec = readSpec(path);
    assert.equal(countParams(spec.architecture!).total, 6_738_415_616);
    assert.ok(spec.assumptions.some((a) => a.includes('models/llama2-7b.yml not readable')));
    assert.equal(spec.training.seqLen, 4096);

    const alone = readSpec(path, { readFile: undefined });
    assert.equal(countParams(alone.architecture!).total, 6_738_415_616);
    assert.ok(alone.assumptions.some((a) => a.includes('base.yml not readable')));
    assert.ok(alone.diagnostics.some((d) => d.code === 'base-config-unavailable'));
  });

  it('reads a model file alone with built-in base.yml defaults', () => {
    const path = FIXTURE('MaxText/configs/models/gemma-7b.yml');
    const spec = readSpec(path, { readFile: () => undefined });
    assert.equal(countParams(spec.architecture!).total, 8_538_074_112);
    assert.ok(spec.assumptions.some((a) => a.includes('base.yml not readable')));
  });

  it('treats gpt3 blocks as LayerNorm + biases + learned trainable_position_size rows', () => {
    const text = [
      'base_emb_dim: 512',
      'base_num_query_heads: 8',
      'base_num_kv_heads: 8',
      'base_mlp_dim: 2048',
      'base_num_decoder_layers: 4',
      'head_dim: 64',
      'trainable_position_size: 1024',
      'mlp_activations: ["gelu"]',
      'vocab_size: 50304',
      'logits_via_embedding: True',
      'decoder_block: "gpt3"',
    ].join('\n');
    const spec = readSpec('/nowhere/models/tiny-gpt3.yml', { readFile: () => undefined }, text);
    const arch = spec.architecture!;
    assert.equal(arch.gatedMlp, false);
    assert.equal(arch.learnedPositions, 1024);
    const d = 512;
    const perLayer = 12 * d * d + 13 * d;
    assert.equal(countParams(arch).total, 4 * perLayer + 2 * d + 50304 * d + 1024 * d);
  });
});

describe('maxtext reader: recognition and broken input', () => {
  it('does not recognize unrelated shell scripts or YAML', () => {
    assert.equal(maxtextReader.detect(fixture('megatron', 'not_megatron.sh'), '/x/backup.sh'), 0);
    assert.equal(maxtextReader.detect('model:\n  d_model: 768\nmax_duration: 10ba\n', '/x/mpt.yaml'), 0);
    assert.equal(maxtextReader.detect('python3 train.py --config base.yml\n', '/x/run.sh'), 0);
  });

  it('reports a non-power-of-2 global_parameter_scale and an unknown decoder block', () => {
    const base = fixture('maxtext', 'MaxText/configs/base.yml');
    const scaled = readSpec(
      '/x/configs/custom.yml',
      { readFile: () => undefined },
      base.replace('global_parameter_scale: 1', 'global_parameter_scale: 12'),
    );
    assert.equal(scaled.architecture, undefined);
    assert.ok(scaled.diagnostics.some((d) => d.code === 'invalid-value' && d.range));
    const block = readSpec(
      '/x/configs/custom.yml',
      { readFile: () => undefined },
      base.replace('"llama2"', '"deepseek"'),
    );
    assert.ok(block.diagnostics.some((d) => d.code === 'unsupported-architecture'));
  });

  it('survives truncated and mistyped files without throwing', () => {
    const base = fixture('maxtext', 'MaxText/configs/base.yml');
    for (let cut = 40; cut < base.length; cut += 97) {
      const result = readRunConfig(base.slice(0, cut), { path: '/x/configs/base.yml' });
      assert.notEqual(result.kind, 'unreadable');
    }
    const wrongType = readSpec(
      '/x/configs/base.yml',
      {},
      base.replace('base_emb_dim: 2048', 'base_emb_dim: [1, 2]'),
    );
    assert.equal(wrongType.architecture, undefined);
    assert.ok(wrongType.diagnostics.some((d) => d.code === 'invalid-value'));
    const script = fixture('maxtext', 'MaxText/configs/v5e/16b.sh');
    const broken = readRunConfig(script.replace("attention='flash'", "attention='flash"), {
      path: FIXTURE('MaxText/configs/v5e/16b.sh'),
      readFile: diskReadFile,
    });
    assert.equal(broken.kind, 'run-config');
    if (broken.kind === 'run-config')
      assert.ok(broken.spec.diagnostics.some((d) => d.code === 'shell-syntax'));
  });
});

describe('maxtext reader: written but unusable values (fuzzer regressions)', () => {
  const MIXTRAL = FIXTURE('MaxText/configs/models/mixtral-8x7b.yml');
  const GEMMA = FIXTURE('MaxText/configs/models/gemma-7b.yml');

  /** Read a fixture with one line replaced (siblings still read from disk). */
  function withLine(path: string, from: RegExp, to: string): RunSpec {
    const text = readFileSync(path, 'utf8');
    assert.match(text, from);
    return readSpec(path, {}, text.replace(from, to));
  }

  it('quotes what was written for a garbled or empty dimension, never "got undefined"', () => {
    for (const [from, to, shown] of [
      [/base_num_decoder_layers: 32/, 'base_num_decoder_layers:', 'an empty value'],
      [/base_mlp_dim: 14336/, 'base_mlp_dim: 14k', '`14k`'],
      [/head_dim: 128/, 'head_dim: "12abc"', '`"12abc"`'],
      [/num_experts: 8/, 'num_experts: ~', '`~`'],
      [/vocab_size: 32000/, 'vocab_size: [32000]', '`[32000]`'],
    ] as const) {
      const spec = withLine(MIXTRAL, from, to);
      const invalid = spec.diagnostics.filter((d) => d.code === 'invalid-value');
      assert.equal(invalid.length, 1, to);
      assert.ok(invalid[0].message.endsWith(`got ${shown}.`), invalid[0].message);
      assert.doesNotMatch(invalid[0].message, /undefined|null/);
      assert.ok(invalid[0].range, `${to}: the diagnostic sits on the value`);
      assert.equal(spec.architecture, undefined, to);
    }
  });

  it('does not count Mixtral as a dense 7.24B model when num_experts is a word', () => {
    const spec = withLine(MIXTRAL, /num_experts: 8/, 'num_experts: four');
    assert.equal(spec.architecture, undefined);
    const unknown = spec.diagnostics.find((d) => d.code === 'architecture-unknown');
    assert.match(unknown?.message ?? '', /`num_experts` is written but cannot be used/);
    assert.equal(unknown?.range?.start.line, 13, 'on the num_experts value');
  });

  it('leaves N unknown for an invalid base_num_kv_heads or logits_via_embedding instead of a default', () => {
    for (const [path, from, to] of [
      [MIXTRAL, /base_num_kv_heads: 8/, 'base_num_kv_heads: four'],
      [GEMMA, /logits_via_embedding: True/, 'logits_via_embedding: four'],
      [GEMMA, /mlp_activations: .*/, 'mlp_activations: four'],
    ] as const) {
      const spec = withLine(path, from, to);
      assert.equal(spec.architecture, undefined, to);
      assert.ok(
        spec.diagnostics.some((d) => d.code === 'architecture-unknown'),
        `${to}: ${JSON.stringify(spec.diagnostics)}`,
      );
    }
  });

  it('reports num_experts_per_tok above num_experts instead of active > total', () => {
    const spec = withLine(MIXTRAL, /num_experts_per_tok: 2/, 'num_experts_per_tok: 9');
    assert.equal(spec.architecture, undefined);
    const invalid = spec.diagnostics.find((d) => d.code === 'invalid-value');
    assert.equal(
      invalid?.message,
      '`num_experts_per_tok` (9) exceeds `num_experts` (8): the active parameter count is unknown.',
    );
    assert.equal(invalid?.range?.start.line, 14);
  });

  it('leaves N unknown for an unresolved command-line dimension or an unknown model_name', () => {
    const script = fixture('maxtext', 'MaxText/configs/v5e/16b.sh');
    const path = FIXTURE('MaxText/configs/v5e/16b.sh');
    const kv = readSpec(path, {}, script.replace('remat_policy=full', 'base_num_kv_heads=$KV'));
    assert.equal(kv.architecture, undefined);
    assert.ok(kv.diagnostics.some((d) => d.code === 'unresolved-value'));
    const model = readSpec(path, {}, script.replace('remat_policy=full', 'model_name=llama9-1t'));
    assert.equal(model.architecture, undefined);
    assert.ok(model.diagnostics.some((d) => d.code === 'unknown-model'));
  });

  it('leaves D unknown when a training value is a word, keeping N', () => {
    const path = FIXTURE('MaxText/configs/v5e/16b.sh');
    const script = fixture('maxtext', 'MaxText/configs/v5e/16b.sh');
    const spec = readSpec(
      path,
      { options: { gpus: 256 } },
      script.replace('remat_policy=full', 'gradient_accumulation_steps=four'),
    );
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['a usable `gradient_accumulation_steps`']);
    assert.ok(spec.diagnostics.some((d) => d.code === 'tokens-unknown'));
    assert.equal(countParams(spec.architecture!).total, 15_831_666_688);
  });
});

// ---------------------------------------------------------------------------------------------
// Decoder blocks, the generated model table and the key inventory (AI-Hypercomputer/maxtext @
// e591f30c, vendored byte-identical under scripts/upstream/maxtext/configs/).

const UPSTREAM = (...parts: string[]) =>
  join(REPO_ROOT, 'scripts', 'upstream', 'maxtext', 'configs', ...parts);

function counts(path: string, text?: string) {
  const spec = readSpec(path, {}, text);
  assert.ok(spec.architecture, `${path}: ${spec.diagnostics.map((d) => d.message).join(' | ')}`);
  return { spec, counts: countParams(spec.architecture) };
}

describe('maxtext reader: configs-c', { skip: SHARED_SKIP }, () => {
  const entries = HAS_SHARED ? loadManifest('configs-c').filter((e) => e.framework === 'maxtext') : [];
  it('has configs-c entries', () => assert.ok(entries.length >= 1));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const { counts: c } = counts(entry.path);
      assert.equal(c.total, entry.params_total);
      if (entry.params_active != null) assert.equal(c.active, entry.params_active);
    });
  }
});

describe('maxtext reader: upstream model files by decoder block', () => {
  // Totals as MaxText allocates them (its vocab_size rows). Where a published count exists, the
  // comment derives ours from it.
  const cases: [file: string, total: number, active: number, why: string][] = [
    // DeepSeek-V2-Lite safetensors: 15,706,484,224 (q_lora_rank 0; layer 0 dense; 2 shared experts).
    ['deepseek2-16b.yml', 15_706_484_224, 2_661_150_208, 'MLA, first_num_dense_layers 1, shared_experts 2'],
    [
      'deepseek3-671b.yml',
      671_026_419_200,
      37_552_297_472,
      'MLA with q_lora_rank, 3 dense layers, routed_bias',
    ],
    // google/gemma-2-2b: 2,614,341,888 with 256,000 rows; MaxText allocates 256,128 (+128 × 2304).
    ['gemma2-2b.yml', 2_614_341_888 + 128 * 2304, 2_614_341_888 + 128 * 2304, '13 [local, global] pairs'],
    // google/gemma-2-9b: 9,241,705,984 with 256,000 rows (+128 × 3584).
    ['gemma2-9b.yml', 9_241_705_984 + 128 * 3584, 9_241_705_984 + 128 * 3584, 'pairs, post-norms'],
    ['gemma3-4b.yml', 3_880_099_328, 3_880_099_328, 'qk norm over head_dim, post-norms; no vision tower'],
    // Qwen/Qwen3-8B: 8,190,735,360.
    ['qwen3-8b.yml', 8_190_735_360, 8_190_735_360, 'use_qk_norm'],
    // Qwen/Qwen2.5-7B: 7,615,616,512 (q/k/v biases from attention_bias, none on o_proj).
    ['qwen2.5-7b.yml', 7_615_616_512, 7_615_616_512, 'qwen2, attention_bias'],
    ['qwen3-30b-a3b.yml', 30_532_122_624, 3_353_032_704, 'qwen3_moe, experts of base_moe_mlp_dim'],
    ['llama4-17b-16e.yml', 107_769_861_120, 17_172_894_720, 'every layer MoE + shared expert'],
    ['llama4-17b-128e.yml', 400_711_848_960, 17_184_691_200, 'interleave_moe_layer_step 2'],
    ['mixtral-8x22b.yml', 140_630_071_296, 39_161_468_928, 'mixtral block'],
    ['gpt3-6b.yml', 5_588_736_000, 5_588_736_000, 'gpt3 block'],
  ];
  for (const [file, total, active, why] of cases) {
    it(`counts models/${file} (${why})`, () => {
      const { counts: c } = counts(UPSTREAM('models', file));
      assert.equal(c.total, total);
      assert.equal(c.active, active);
    });
  }

  it('places MoE layers as the blocks do', () => {
    const layers = (file: string) => counts(UPSTREAM('models', file)).spec.architecture!;
    assert.equal(layers('gemma2-2b.yml').nLayers, 26);
    assert.equal(layers('llama4-17b-128e.yml').moe!.moeLayers, 24); // (i + 1) % 2 == 0 of 48
    assert.equal(layers('deepseek3-671b.yml').moe!.moeLayers, 58); // 61 − first_num_dense_layers 3
    assert.equal(layers('deepseek3-671b.yml').moe!.routerBias, true);
    assert.equal(layers('deepseek2-16b.yml').moe!.sharedExpertFfnSize, 2 * 1408);
    assert.equal(layers('deepseek2-16b.yml').mla!.qLoraRank, 0);
  });

  it('gives N unknown, naming the key, for blocks and keys it does not count', () => {
    const cases: [string, string][] = [
      ['deepseek3.2-671b.yml', 'use_indexer'],
      ['qwen3-vl-4b.yml', 'use_multimodal'],
      ['olmo3-7b.yml', 'olmo3'],
    ];
    for (const [file, key] of cases) {
      const spec = readSpec(UPSTREAM('models', file));
      assert.equal(spec.architecture, undefined, file);
      assert.ok(
        spec.diagnostics.some((d) => d.message.startsWith('unknown:') && d.message.includes(key)),
        file,
      );
    }
  });

  it('counts the gpt_oss block as transformers counts openai/gpt-oss-20b and -120b (was unknown)', () => {
    // The HF reader's counts of the same shapes (hf-config tests), the published 20.9B and 116.8B.
    assert.equal(
      countParams(readSpec(UPSTREAM('models', 'gpt-oss-20b.yml')).architecture!).total,
      20_914_757_184,
    );
    assert.equal(
      countParams(readSpec(UPSTREAM('models', 'gpt-oss-120b.yml')).architecture!).total,
      116_829_156_672,
    );
  });

  it('names a not-modelled key that comes from the model file model_name pulls in', () => {
    const base = readFileSync(UPSTREAM('base.yml'), 'utf8').replace(
      /^model_name: .*$/m,
      'model_name: "deepseek3.2-671b"',
    );
    const spec = readSpec(UPSTREAM('base.yml'), {}, base);
    assert.equal(spec.architecture, undefined);
    const diagnostic = spec.diagnostics.find((d) => d.code === 'not-modelled-key');
    assert.match(diagnostic!.message, /use_indexer \(models\/deepseek3\.2-671b\.yml\)/);
  });

  it('counts an older MaxText mistral block with experts, but not when base_moe_mlp_dim says it is current', () => {
    const mixtral =
      'decoder_block: "mistral"\nnum_experts: 8\nnum_experts_per_tok: 2\nbase_emb_dim: 4096\nbase_num_query_heads: 32\nbase_num_kv_heads: 8\nbase_mlp_dim: 14336\nbase_num_decoder_layers: 32\nvocab_size: 32000\n';
    assert.equal(counts('x.yml', mixtral).counts.total, 46_702_792_704);
    const spec = readSpec('x.yml', {}, `${mixtral}base_moe_mlp_dim: 14336\n`);
    assert.equal(spec.architecture, undefined);
    const dense = readSpec('x.yml', {}, mixtral.replace('"mistral"', '"llama2"'));
    assert.equal(dense.architecture, undefined);
  });
});

describe('maxtext generated model table', () => {
  it('is what scripts/gen-maxtext-models.mjs makes of the vendored files (rerun: no diff)', () => {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'gen-maxtext-models.mjs'), '--check'], {
      stdio: 'pipe',
    });
  });

  it('has every vendored model file and falls back on it when the file is not readable', () => {
    const files = readdirSync(UPSTREAM('models')).filter((f) => f.endsWith('.yml'));
    assert.equal(Object.keys(MAXTEXT_MODEL_FILES).length, files.length);
    const text =
      'base_emb_dim: 2048\nbase_num_decoder_layers: 16\nmodel_name: "qwen3-8b"\nsteps: 10\nper_device_batch_size: 1\n';
    const spec = readSpec('/nowhere/base.yml', { readFile: () => undefined }, text);
    assert.equal(countParams(spec.architecture!).total, 8_190_735_360);
  });
});

describe('maxtext inventory', () => {
  const yamlConfigs = (): InventoryConfig[] => {
    const own = [
      'MaxText/configs/base.yml',
      'MaxText/configs/models/mixtral-8x7b.yml',
      'MaxText/configs/models/gemma-7b.yml',
    ].map((f) => ({
      path: FIXTURE(f),
      text: fixture('maxtext', f),
    }));
    const upstream = ['deepseek2-16b.yml', 'llama4-17b-128e.yml', 'gemma2-2b.yml', 'qwen3-30b-a3b.yml'].map(
      (f) => ({
        path: UPSTREAM('models', f),
        text: readFileSync(UPSTREAM('models', f), 'utf8'),
      }),
    );
    const shared = HAS_SHARED
      ? [...loadManifest('configs-b'), ...loadManifest('configs-c')]
          .filter((e) => e.framework === 'maxtext' && /\.ya?ml$/.test(e.file))
          .map((e) => ({ path: e.path, text: readFileSync(e.path, 'utf8') }))
      : [];
    return [...own, ...upstream, ...shared];
  };
  const shellConfigs = (): InventoryConfig[] =>
    ['MaxText/configs/v5e/gemma_7b.sh', 'MaxText/configs/v5e/16b.sh', 'end_to_end/test_llama2_7b.sh'].map(
      (f) => ({
        path: FIXTURE(f),
        text: fixture('maxtext', f),
      }),
    );

  it('lists every key the reader uses', () => {
    assert.deepEqual(unlistedUsedKeys(maxtextReader, [...yamlConfigs(), ...shellConfigs()]), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key', () => {
    const inject = (text: string, entry: { key: string }, value: InventoryValue) => {
      const line = `${entry.key}: ${String(value)}`;
      const existing = new RegExp(`^${entry.key}:.*$`, 'm');
      return existing.test(text) ? text.replace(existing, line) : `${text.replace(/\n*$/, '\n')}${line}\n`;
    };
    assert.deepEqual(notModelledKeyFailures(maxtextReader, yamlConfigs(), inject), []);
  });

  it('keeps the count when base.yml writes every not-modelled key at its default', () => {
    assert.equal(counts(UPSTREAM('base.yml')).counts.total, 1_104_218_112);
  });
});
