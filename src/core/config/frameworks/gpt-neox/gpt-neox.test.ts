import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gptNeoxReader } from './reader';
import type { InventoryEntry, InventoryValue } from '../../inventory';
import { readRunConfig, recognize } from '../../registry';
import { extractSchedule, lrAt } from '../../../schedule';
import { lookup, parseYaml } from '../../yamlSource';
import { countParams } from '../../../model/params';
import type { ReadOptions, RunSpec } from '../../../types';
import {
  HAS_SHARED,
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
} from '../../../../../test/helpers';
import { notModelledKeyFailures, unlistedUsedKeys } from '../../../../../test/inventory-support';

/** Read a file through the registry (recognition included) and return its run spec. */
function readSpec(path: string, options?: ReadOptions, text = readFileSync(path, 'utf8')): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  return (result as { spec: RunSpec }).spec;
}

/** Micro batch × grad-accum and MP × PP of a NeoX file, read independently of the reader. */
function batchLayout(path: string): { perReplica: number; modelParallel: number } {
  const yaml = parseYaml(readFileSync(path, 'utf8'))!;
  const get = (key: string) => lookup<number>(yaml, [key], true)?.value;
  const micro = get('train_micro_batch_size_per_gpu')!;
  // NeoX reads only gradient_accumulation_steps (default 1); a legacy `gas` was overwritten by it.
  const gas = get('gradient_accumulation_steps') ?? 1;
  return {
    perReplica: micro * gas,
    modelParallel: (get('model_parallel_size') ?? 1) * Math.max(1, get('pipe_parallel_size') ?? 1),
  };
}

const entries = HAS_SHARED
  ? [...loadManifest('configs'), ...loadManifest('configs-b')].filter((e) => e.framework === 'gpt-neox')
  : [];

describe('GPT-NeoX manifests', { skip: SHARED_SKIP }, () => {
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const spec = readSpec(entry.path);
      assert.equal(spec.framework, 'gpt-neox');
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
    });

    it(`derives the training tokens of ${entry.file} as far as the file allows`, () => {
      const spec = readSpec(entry.path);
      if (entry.training_tokens_derivable_from_file === true) {
        assert.equal(spec.training.tokens, entry.training_tokens);
        return;
      }
      if (spec.training.gpus !== undefined) {
        // The GPU count is stated in a comment ("trained on 32 gpus"): the official D comes out.
        assert.equal(spec.training.tokens, entry.training_tokens);
        assert.ok(spec.assumptions.some((a) => a.includes('comment')));
        return;
      }
      assert.equal(spec.training.tokens, undefined);
      if (!spec.training.missing?.includes('GPU count')) {
        // A model-only file (training keys live in a companion config).
        assert.equal(entry.training_tokens, null);
        assert.ok(spec.training.missing?.some((m) => m.includes('train_iters')));
        return;
      }
      assert.ok(spec.diagnostics.some((d) => d.code === 'missing-gpus'));
      const globalBatch = entry.global_batch_size_seqs as number | null;
      if (globalBatch) {
        const layout = batchLayout(entry.path);
        const gpus = (globalBatch / layout.perReplica) * layout.modelParallel;
        const withGpus = readSpec(entry.path, { gpus });
        assert.equal(withGpus.training.tokens, entry.training_tokens);
        assert.match(withGpus.training.formula!, /from settings/);
      }
    });
  }

  it('does not treat a train-only NeoX config (no model keys) as a run config', () => {
    for (const entry of loadManifest('configs-b').filter(
      (e) => e.file.startsWith('gpt-neox/') && e.framework === null,
    )) {
      assert.equal(
        readRunConfig(readFileSync(entry.path, 'utf8'), { path: entry.path }).kind,
        'not-a-run-config',
      );
    }
  });
});

describe('GPT-NeoX fixtures', () => {
  it('reads GPT-NeoX-20B: N matches the published 20,554,567,680 and D uses the 96 GPUs of the comment', () => {
    const spec = readSpec(fixturePath('gpt-neox', 'neox-20b.yml'));
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 20_554_567_680);
    assert.equal(counts.nonEmbedding, 19_934_859_264);
    assert.equal(spec.architecture!.vocabSize, 50432); // 50277 padded to 128 × MP 2
    assert.equal(spec.training.gpus, 96);
    assert.equal(spec.training.globalBatchSeqs, 1536); // 4 micro × 32 gas × 96 / (MP 2 × PP 4)
    assert.equal(spec.training.tokens, 471_859_200_000);
    assert.equal(spec.trainingSources.gpus?.key, 'comment');
    assert.equal(spec.trainingSources.gpus?.keyRange.start.line, 0);
  });

  it('reads hyphenated keys, learned positions, tied embeddings and train_batch_size', () => {
    const path = fixturePath('gpt-neox', 'small-learned-pos.yml');
    const spec = readSpec(path);
    const arch = spec.architecture!;
    assert.equal(arch.learnedPositions, 1024);
    assert.equal(arch.tiedEmbeddings, true);
    assert.equal(arch.vocabSize, 50432); // GPT-2 BPE 50257 → multiple of 128 × 2
    const counts = countParams(arch);
    assert.equal(counts.total, 16_332_288);
    assert.equal(counts.nonEmbedding, 3_159_552);
    assert.equal(spec.training.tokens, 32_768_000);
    assert.deepEqual(spec.training.durationUnit, { kind: 'steps', suffix: '', tokensPerUnit: 32_768 });
  });

  it('maps every value to the range of the key that supplied it', () => {
    const path = fixturePath('gpt-neox', 'small-learned-pos.yml');
    const lines = readFileSync(path, 'utf8').split('\n');
    const spec = readSpec(path);
    const layers = spec.archSources.nLayers!;
    assert.equal(layers.key, 'num-layers');
    assert.equal(
      lines[layers.keyRange.start.line].slice(layers.keyRange.start.character, layers.keyRange.end.character),
      '"num-layers"',
    );
    assert.equal(layers.raw, '4');
    const duration = spec.trainingSources.duration!;
    assert.equal(duration.key, 'train-iters');
    assert.equal(
      lines[duration.valueRange.start.line].slice(
        duration.valueRange.start.character,
        duration.valueRange.end.character,
      ),
      '1000',
    );
    assert.ok(spec.usedKeys.some((k) => k.key === 'tokenizer-type'));
    assert.equal(spec.modelSectionRange?.start.line, layers.keyRange.start.line);
  });

  it('applies the 3× intermediate_size convention of gated NeoX MLPs and GQA', () => {
    const spec = readSpec(fixturePath('gpt-neox', 'llama-style-gqa.yml'));
    const arch = spec.architecture!;
    assert.equal(arch.ffnSize, 1536); // int(4096·2/3) // 2 = 1365 → multiple of 256
    assert.equal(arch.nKvHeads, 2);
    assert.equal(arch.vocabSize, 32000);
    const counts = countParams(arch);
    assert.equal(counts.total, 38_799_872);
    assert.equal(counts.nonEmbedding, 6_031_872);
  });

  it('ignores a legacy `gas`, which NeoX overwrote with gradient_accumulation_steps (removed in 91c44bc3)', () => {
    const path = fixturePath('gpt-neox', 'llama-style-gqa.yml');
    const text = readFileSync(path, 'utf8');
    const base = readSpec(path, { gpus: 8 }, text);
    assert.ok(!/"?gas"?\s*:/.test(text) && /gradient_accumulation_steps/.test(text));
    const withGas = readSpec(
      path,
      { gpus: 8 },
      text.replace(/"?gradient_accumulation_steps"?\s*:\s*\d+/, '"gas": 4'),
    );
    // Without the accumulation key NeoX uses 1, whatever `gas` says.
    assert.equal(withGas.training.tokens, 100 * (8 * 1 * 8) * 1024);
    assert.notEqual(withGas.training.tokens, base.training.tokens);
  });
  it('leaves D undefined with "GPU count" missing, then uses the GPU setting', () => {
    const path = fixturePath('gpt-neox', 'llama-style-gqa.yml');
    const spec = readSpec(path);
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['GPU count']);
    const diagnostic = spec.diagnostics.find((d) => d.code === 'missing-gpus')!;
    assert.deepEqual(diagnostic.range, spec.trainingSources.duration!.keyRange);
    const withGpus = readSpec(path, { gpus: 8 });
    assert.equal(withGpus.training.tokens, 100 * (8 * 4 * 8) * 1024);
    assert.match(withGpus.training.formula!, /8 GPUs from settings/);
  });

  it('does not recognize a tokenizer/paths-only NeoX file, random YAML or an HF config.json', () => {
    assert.equal(recognize(fixture('gpt-neox', 'local_setup.yml'))?.id, undefined);
    assert.notEqual(recognize('num_layers: 3\nfoo: bar\n')?.id, 'gpt-neox');
    const hf = JSON.stringify({
      model_type: 'gpt_neox',
      architectures: ['GPTNeoXForCausalLM'],
      num_hidden_layers: 6,
      hidden_size: 512,
      num_attention_heads: 8,
    });
    assert.notEqual(recognize(hf)?.id, 'gpt-neox');
  });

  it('reports truncated input as diagnostics without throwing', () => {
    const text = fixture('gpt-neox', 'neox-20b.yml');
    for (const cut of [0.3, 0.5, 0.9]) {
      const truncated = text.slice(0, Math.floor(text.length * cut));
      const result = readRunConfig(truncated, { path: 'neox-20b.yml' });
      if (result.kind === 'run-config')
        assert.ok(result.spec.diagnostics.some((d) => d.code === 'yaml-syntax'));
    }
  });

  it('turns wrongly typed values into diagnostics, not NaN', () => {
    const text = fixture('gpt-neox', 'small-learned-pos.yml').replace(
      '"hidden-size": 256',
      '"hidden-size": "wide"',
    );
    const result = readRunConfig(text, {});
    assert.equal(result.kind, 'run-config');
    const spec = (result as { spec: RunSpec }).spec;
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'invalid-value'));
  });
});

/** A NeoX config with `"key": value,` written as the first entry of its top-level mapping. */
function withKey(text: string, key: string, value: unknown): string {
  const open = text.indexOf('{');
  assert.ok(open >= 0, 'a NeoX flow mapping');
  const json = value === '<collection>' ? '{"enabled": true}' : JSON.stringify(value);
  return `${text.slice(0, open + 1)}\n  "${key}": ${json},${text.slice(open + 1)}`;
}

/** A NeoX config with `key` set to `value`: its existing entry replaced, else one added. */
function setKey(text: string, key: string, value: unknown): string {
  const existing = new RegExp(`"${key.replace(/_/g, '[-_]')}"\\s*:\\s*[^,\\n]+`);
  if (!existing.test(text)) return withKey(text, key, value);
  return text.replace(existing, `"${key}": ${JSON.stringify(value)}`);
}

describe('GPT-NeoX MoE (dropless, megablocks grouped experts)', () => {
  const path = fixturePath('gpt-neox', '125M-dmoe.yml');
  const text = fixture('gpt-neox', '125M-dmoe.yml');
  // 125M-dmoe: 12 layers, d 768, 12 heads, rotary, untied, LayerNorm w+b, attention biases, 8
  // experts; the tokenizer is merged at launch (GPT-2 BPE 50257 → 50304 rows).
  const d = 768;
  const attention = 4 * d * d + 4 * d;
  const norms = 2 * 2 * d;
  const expert = 2 * d * 3072; // w1, w2 of width 4h rounded to 256; no biases (moe_mlp.py)
  const router = d * 8; // bias-free (router.py)
  const dense = 2 * d * 3072 + 3072 + d; // ParallelMLP with biases
  const rest = 2 * d /* final norm */ + 2 * 50304 * d;

  it('counts every layer as MoE by default, total and active (558,712,320 / 162,350,592)', () => {
    const counts = countParams(readSpec(path).architecture!);
    assert.equal(counts.total, 12 * (attention + norms + 8 * expert + router) + rest);
    assert.equal(counts.total, 558_712_320);
    assert.equal(counts.active, 12 * (attention + norms + expert + router) + rest);
    assert.equal(counts.active, 162_350_592);
  });

  it('makes layers 0, k, 2k… MoE with moe_expert_interval and routes top-k', () => {
    const spec = readSpec(path, undefined, withKey(withKey(text, 'moe-expert-interval', 5), 'moe_top_k', 2));
    const counts = countParams(spec.architecture!);
    // Layers 0, 5 and 10 of 12 are MoE; the other 9 keep the dense MLP with its biases.
    assert.equal(spec.architecture!.moe!.moeLayers, 3);
    assert.equal(counts.total, 12 * (attention + norms) + 3 * (8 * expert + router) + 9 * dense + rest);
    assert.equal(counts.total - counts.active, 3 * 6 * expert);
  });

  it('keeps experts two-matrix and the expert width raw for gated activations', () => {
    const spec = readSpec(
      path,
      undefined,
      withKey(withKey(text, 'activation', 'swiglu'), 'intermediate_size', 2048),
    );
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 12 * (attention + norms + 8 * 2 * d * 2048 + router) + rest);
  });

  it('shows no count for an MoE config of GPT-NeoX before May 2025', () => {
    const spec = readSpec(fixturePath('gpt-neox', '125M-moe-legacy.yml'));
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('moe_type')));
  });
});

describe('GPT-NeoX model code conventions', () => {
  const path = fixturePath('gpt-neox', 'neox-20b.yml');
  const text = fixture('gpt-neox', 'neox-20b.yml');

  it('ignores use_bias_in_norms, which no NeoX model code reads', () => {
    const plain = countParams(readSpec(path).architecture!).total;
    assert.equal(
      countParams(readSpec(path, undefined, withKey(text, 'use_bias_in_norms', false)).architecture!).total,
      plain,
    );
  });

  // small-learned-pos.yml: 4 layers, d 256, LayerNorm w+b, learned table of 1024 rows, tied,
  // GPT-2 BPE 50257 padded to 128 × model_parallel_size 2 = 50432 rows.
  const small = fixturePath('gpt-neox', 'small-learned-pos.yml');
  const smallText = fixture('gpt-neox', 'small-learned-pos.yml');

  it('adds the bitsandbytes StableEmbedding LayerNorm (2 × hidden_size) to a learned table with use_bnb_optimizer', () => {
    const plain = countParams(readSpec(small).architecture!).total;
    // word_embeddings.py: embedding_module = bnb.nn.StableEmbedding for the position table only;
    // StableEmbedding.__init__ adds torch.nn.LayerNorm(embedding_dim): weight 256 + bias 256.
    const bnb = countParams(
      readSpec(small, undefined, withKey(smallText, 'use-bnb-optimizer', true)).architecture!,
    );
    assert.equal(bnb.total, plain + 2 * 256);
    // A rotary model has no position table, so the optimizer choice leaves N alone.
    const rotary = setKey(smallText, 'pos-emb', 'rotary');
    assert.equal(
      countParams(readSpec(small, undefined, withKey(rotary, 'use_bnb_optimizer', true)).architecture!).total,
      countParams(readSpec(small, undefined, rotary).architecture!).total,
    );
    // With RMSNorm the model's norm is not the StableEmbedding's LayerNorm: unknown, naming the key.
    const rms = readSpec(
      small,
      undefined,
      withKey(setKey(smallText, 'norm', 'rmsnorm'), 'use_bnb_optimizer', true),
    );
    assert.equal(rms.architecture, undefined);
    assert.ok(
      rms.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('use_bnb_optimizer')),
    );
  });

  it('makes N unknown for a reward model with an untied head (train_impl rm builds hidden_size × 1)', () => {
    const rm = readSpec(path, undefined, withKey(text, 'train_impl', 'rm'));
    assert.equal(rm.architecture, undefined);
    assert.ok(rm.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('train_impl')));
    // Tied, the head is the word embedding whatever train_impl says (gpt2_model.py init_specs).
    assert.notEqual(
      readSpec(small, undefined, withKey(smallText, 'train_impl', 'rm')).architecture,
      undefined,
    );
  });

  it('makes N unknown for output_layer_parallelism row, which NeoX exits on', () => {
    const row = readSpec(path, undefined, setKey(text, 'output_layer_parallelism', 'row'));
    assert.equal(row.architecture, undefined);
    assert.ok(row.diagnostics.some((x) => x.message.includes('output_layer_parallelism')));
  });

  it('refuses num_kv_heads that do not divide the heads (arguments.py asserts)', () => {
    const spec = readSpec(small, undefined, withKey(smallText, 'num_kv_heads', 3));
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some((x) => x.code === 'invalid-value' && x.message.includes('num_kv_heads 3')),
    );
  });

  it('refuses intermediate_size together with expansion_factor (ParallelMLP asserts)', () => {
    const both = readSpec(
      small,
      undefined,
      withKey(withKey(smallText, 'intermediate_size', 1024), 'expansion_factor', 4),
    );
    assert.equal(both.architecture, undefined);
    assert.ok(
      both.diagnostics.some((x) => x.code === 'invalid-value' && x.message.includes('expansion_factor')),
    );
  });

  it('counts num_unique_layers as no sharing: no NeoX model code reads it', () => {
    const plain = countParams(readSpec(path).architecture!).total;
    assert.equal(
      countParams(readSpec(path, undefined, withKey(text, 'num-unique-layers', 2)).architecture!).total,
      plain,
    );
  });

  it('counts the tokenizer size, not a written padded_vocab_size, when the vocab file pins it', () => {
    // build_tokenizer overwrites padded_vocab_size (tokenizer.py:67): GPT-2 BPE 50257 → 50432 rows.
    const base = readSpec(small);
    assert.equal(base.architecture!.vocabSize, 50432);
    const written = readSpec(small, undefined, withKey(smallText, 'padded_vocab_size', 50304));
    assert.equal(written.architecture!.vocabSize, 50432);
    assert.ok(written.diagnostics.some((x) => x.code === 'overridden-value' && x.message.includes('50304')));
    // Without a vocab file the written value is the best statement of the tokenizer.
    const noFile = smallText.replace(/^\s*"vocab-file".*\n/m, '');
    const stated = readSpec(small, undefined, withKey(noFile, 'padded_vocab_size', 50304));
    assert.equal(stated.architecture!.vocabSize, 50304);
  });

  it('names the mamba layers of configs/mamba/mamba-1.4B.yml, not the head width NeoX does not check for them', () => {
    const spec = readSpec(fixturePath('gpt-neox', 'mamba-1.4B.yml'));
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('mamba')));
    assert.ok(!spec.diagnostics.some((x) => x.message.includes('not divisible')));
  });

  it('refuses an MLP whose two linears NeoX would round to different widths (mistral/7B.yml)', () => {
    const spec = readSpec(fixturePath('gpt-neox', 'mistral-7B.yml'));
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((x) => x.code === 'invalid-value' && x.message.includes('cannot run')));
  });

  it('makes N unknown for ScaleNorm, T5 relative positions, gMLP layers and an unknown tokenizer file', () => {
    const cases: [string, unknown, string][] = [
      ['norm', 'scalenorm', 'norm'],
      ['pos_emb', 'rpe', 'pos_emb'],
      ['attention_config', [[['gmlp'], 'all']], 'gmlp'],
      ['vocab_file', 'data/my-tokenizer.json', 'my-tokenizer.json'],
    ];
    for (const [key, value, named] of cases) {
      const spec = readSpec(path, undefined, setKey(text, key, value));
      assert.equal(spec.architecture, undefined, key);
      assert.ok(
        spec.diagnostics.some((x) => x.message.includes(named)),
        key,
      );
    }
  });
});

describe('GPT-NeoX inventory', () => {
  const configs = [
    ...(HAS_SHARED
      ? [...loadManifest('configs'), ...loadManifest('configs-b'), ...loadManifest('configs-c')].filter(
          (e) => e.framework === 'gpt-neox',
        )
      : []
    ).map((e) => ({ path: e.path, text: readFileSync(e.path, 'utf8') })),
    ...['neox-20b.yml', '125M-dmoe.yml', 'llama-style-gqa.yml', 'small-learned-pos.yml'].map((name) => ({
      path: fixturePath('gpt-neox', name),
      text: fixture('gpt-neox', name),
    })),
  ];

  it('lists every key the reader reads', () => {
    assert.deepEqual(unlistedUsedKeys(gptNeoxReader, configs), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key set to a non-default value', () => {
    // Real configs whose N and D are both shown (D from a GPU-count comment).
    const shown = configs.filter((c) => /neox-20b|pythia-14m|pythia_31M/.test(c.path));
    assert.ok(shown.length >= 1);
    const inject = (t: string, entry: InventoryEntry, value: InventoryValue) => withKey(t, entry.key, value);
    assert.deepEqual(notModelledKeyFailures(gptNeoxReader, shown, inject), []);
  });

  it('compares keys with hyphens and underscores alike', () => {
    const spec = readSpec(
      path20b(),
      undefined,
      withKey(fixture('gpt-neox', 'neox-20b.yml'), 'use-qk-layernorm', true),
    );
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('use_qk_layernorm')),
    );
  });
});

function path20b(): string {
  return fixturePath('gpt-neox', 'neox-20b.yml');
}

it('a NeMo encoder–decoder fragment with num_layers/hidden_size/num_attention_heads is not read as GPT-NeoX', () => {
  const text = fixture('nemo', 'megatron_model_base_config.yaml');
  assert.equal(recognize(text, 'megatron_model_base_config.yaml'), undefined);
});

describe('a real config the readers were not built against (configs/pythia/2-8B.yml)', () => {
  const text = readFileSync(fixturePath('gpt-neox', 'pythia-2-8B.yml'), 'utf8');

  it('N = 2,775,208,960, the Pythia paper’s total for 2.8B (Biderman et al. 2023, Table 1); D needs the GPU count', () => {
    const result = readRunConfig(text, { path: 'pythia-2-8B.yml' });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(countParams(result.spec.architecture!).total, 2_775_208_960);
    assert.equal(result.spec.training.tokens, undefined);
    // Micro-batch 8 × gradient accumulation 2 × 64 GPUs = the paper's batch of 1,024 sequences of 2,048
    // tokens; 143,000 steps = 299,892,736,000 tokens, the "300B tokens" every Pythia model saw.
    const withGpus = readRunConfig(text, { path: 'pythia-2-8B.yml', options: { gpus: 64 } });
    assert.equal(withGpus.kind === 'run-config' && withGpus.spec.training.tokens, 143_000 * 1024 * 2048);
  });

  it('its LR schedule follows AnnealingLR.get_lr: 1.6e-4·max(1, n)/1430 warmup, cosine to 1.6e-5 at 143,000', () => {
    const extracted = extractSchedule('gpt-neox', text, { options: { gpus: 64 } });
    assert.deepEqual(extracted.errors, []);
    const schedule = extracted.plan!.schedule;
    const lr = (n: number) => lrAt(schedule, n);
    assert.ok(Math.abs(lr(0) - 1.6e-4 / 1430) < 1e-18);
    assert.ok(Math.abs(lr(1430) - 1.6e-4) < 1e-18);
    // Half-way through the decay: min_lr + (lr − min_lr)/2 · (cos(π/2) + 1).
    assert.ok(Math.abs(lr(1430 + (143_000 - 1430) / 2) - (1.6e-5 + 0.5 * 1.44e-4)) < 1e-15);
    assert.ok(Math.abs(lr(143_000) - 1.6e-5) < 1e-18);
  });
});
