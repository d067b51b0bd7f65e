import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { litgptReader } from './reader';
import { findLitModel } from './models';
import type { InventoryEntry, InventoryValue } from '../../inventory';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import type { ReadContext, RunSpec, SourceRange } from '../../../types';
import {
  SHARED_DIR,
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
  readSpecAs,
  textAt,
} from '../../../../../test/helpers';

const readSpec = (text: string, context: ReadContext): RunSpec => readSpecAs('litgpt', text, context);

describe('LitGPT reader on the shared corpus', { skip: SHARED_SKIP }, () => {
  const entries = SHARED_SKIP
    ? []
    : [...loadManifest('configs'), ...loadManifest('configs-b')].filter((e) => e.framework === 'litgpt');
  it('has LitGPT entries to check', () => assert.ok(entries.length >= 9));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly (unique tensors, tied counted once)`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active != null) assert.equal(counts.active, entry.params_active);
      assert.equal(spec.architecture!.tiedEmbeddings, entry.tied_embeddings);
      if (entry.params_litgpt_materialized != null) {
        // LitGPT un-ties the HF-tied head in memory: +vocab×d over the unique count.
        const a = spec.architecture!;
        assert.equal(counts.total + a.vocabSize * a.dModel, entry.params_litgpt_materialized);
      }
      if (entry.params_trainable_lora != null) {
        const expected = (entry.params_trainable_lora as number).toLocaleString('en-US');
        assert.ok(
          spec.assumptions.some((a) => a.includes(expected)),
          spec.assumptions.join('\n'),
        );
      }
    });

    it(`derives the training length of ${entry.file}`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      if (entry.training_tokens != null) {
        assert.equal(spec.training.tokens, entry.training_tokens);
        assert.equal(spec.training.seqLen, entry.seq_len);
      } else {
        // Finetunes: tokens depend on the dataset; max_steps only bounds them.
        assert.equal(spec.training.tokens, undefined);
        assert.equal(spec.training.finetune, true);
        assert.ok(spec.training.missing?.includes('dataset size'));
        assert.ok(spec.diagnostics.some((d) => d.code === 'missing-dataset-size'));
        if (entry.training_tokens_upper_bound != null) {
          const bound = (entry.training_tokens_upper_bound as number).toLocaleString('en-US');
          assert.ok(spec.training.formula!.includes(bound), spec.training.formula);
        }
      }
    });
  }
});

describe('LitGPT reader on its own fixtures', () => {
  it('counts pythia-160m from the model table and reads max_tokens', () => {
    const path = fixturePath('litgpt', 'pretrain', 'pythia-160m.yaml');
    const spec = readSpec(fixture('litgpt', 'pretrain', 'pythia-160m.yaml'), {
      path,
      readFile: diskReadFile,
    });
    // Pythia-160M official count (vocab 50254 padded to 50304, untied).
    assert.equal(countParams(spec.architecture!).total, 162_322_944);
    assert.equal(countParams(spec.architecture!).nonEmbedding, 85_056_000);
    assert.equal(spec.training.tokens, 20_000_000_000);
    assert.equal(spec.training.tokensPerStep, 256 * 2048);
    assert.equal(spec.training.gpus, 8);
    assert.equal(spec.training.finetune, undefined);
  });

  it('counts an inline LLaMAMoE model_config with tied embeddings', () => {
    const spec = readSpec(fixture('litgpt', 'pretrain', 'micro-moe.yaml'), {});
    const counts = countParams(spec.architecture!);
    assert.equal(spec.architecture!.tiedEmbeddings, true);
    assert.equal(counts.total, 14_297_344);
    assert.equal(counts.nonEmbedding, 13_248_768);
    assert.equal(counts.active, 4_860_160);
    // max_tokens is null: pretrain.py validate_args requires it and only warns about max_steps.
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'missing-duration'));
    assert.equal(spec.training.steps, undefined);
  });

  it('maps a finetune checkpoint_dir to the HF-tied Gemma row and bounds D by max_steps', () => {
    const spec = readSpec(fixture('litgpt', 'finetune', 'gemma-2b_lora.yaml'), {});
    assert.equal(countParams(spec.architecture!).total, 2_506_172_416);
    assert.equal(spec.modelName, 'google/gemma-2b');
    assert.equal(spec.training.finetune, true);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.training.formula!.includes('8,192,000'));
    // LoRA r=8 on q and v: 18 × 8 × ((2048 + 2048) + (2048 + 256)).
    assert.ok(spec.assumptions.some((a) => a.includes('921,600 trainable')));
  });

  it('computes finetune tokens from epochs when the dataset size is supplied', () => {
    const text = fixture('litgpt', 'finetune', 'gemma-2b_lora.yaml');
    const spec = readSpec(text, { options: { datasetTokens: 1_000_000 } });
    // 2 epochs × 1M tokens, under the 8,192,000 max_steps bound.
    assert.equal(spec.training.tokens, 2_000_000);
  });

  it('finds table rows by LitGPT name and by HF org/name', () => {
    assert.equal(findLitModel('meta-llama/Meta-Llama-3-8B')?.name, 'Llama-3-8B');
    assert.equal(findLitModel('TinyLlama-1.1B-Chat-v1.0')?.name, 'tiny-llama-1.1b-chat');
    assert.equal(findLitModel('pythia-410m-deduped')?.hf_config.name, 'pythia-410m-deduped');
    assert.equal(findLitModel('no-such-model'), undefined);
  });
});

describe('LitGPT recognition', () => {
  it('does not claim other YAML files or JSON', () => {
    const samples = [
      'name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n',
      'model:\n  d_model: 2048\n  n_layers: 16\nmax_duration: 739_328\nglobal_train_batch_size: 2048\n',
      'model_name: foo\ntrainer:\n  num_train_steps: 10\n',
      '{"model_name": "pythia-14m", "train": {"global_batch_size": 8, "micro_batch_size": 2}}',
    ];
    for (const text of samples) assert.ok(litgptReader.detect(text, 'x.yaml') < 0.5, text.slice(0, 30));
    assert.equal(readRunConfig(samples[0], { path: 'ci.yaml' }).kind, 'not-a-run-config');
  });
});

describe('LitGPT source ranges', () => {
  it('maps inline n_layer to its key text and max_steps to the (ignored) steps', () => {
    const text = fixture('litgpt', 'pretrain', 'micro-moe.yaml');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.archSources.nLayers!.keyRange), 'n_layer');
    assert.equal(textAt(text, spec.archSources.nLayers!.valueRange), '4');
    assert.equal(textAt(text, spec.trainingSources.steps!.keyRange), 'max_steps');
    assert.equal(spec.trainingSources.duration, undefined);
    assert.ok(textAt(text, spec.modelSectionRange!).startsWith('model_config:'));
  });

  it('points the duration of a pretrain at train.max_tokens, in tokens', () => {
    const text = fixture('litgpt', 'pretrain', 'pythia-160m.yaml');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.trainingSources.duration!.valueRange), '20000000000');
    assert.deepEqual(spec.training.durationUnit, { kind: 'tokens', tokensPerUnit: 1, suffix: '' });
    assert.equal(textAt(text, spec.archSources.modelName!.valueRange), 'pythia-160m');
  });
});

describe('LitGPT broken input', () => {
  it('returns diagnostics for every truncation without throwing', () => {
    const text = fixture('litgpt', 'pretrain', 'micro-moe.yaml');
    for (let cut = 1; cut < text.length; cut += 29) {
      const result = litgptReader.read(text.slice(0, cut), {});
      if (result.kind !== 'run-config') continue;
      if (result.spec.architecture) assert.ok(Number.isFinite(countParams(result.spec.architecture).total));
      if (result.spec.training.tokens !== undefined) assert.ok(Number.isFinite(result.spec.training.tokens));
    }
    const broken = litgptReader.read('model_name: pythia-14m\ntrain:\n  max_tokens: [1, 2\n', {});
    assert.ok(
      broken.kind === 'run-config' ? broken.spec.diagnostics.length > 0 : broken.kind === 'unreadable',
    );
  });

  it('flags a wrong value type in train', () => {
    const text =
      'model_name: pythia-14m\ntrain:\n  global_batch_size: 8\n  micro_batch_size: 2\n  max_tokens: lots\n';
    const result = litgptReader.read(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    const invalid = result.spec.diagnostics.find((d) => d.code === 'invalid-value')!;
    assert.equal(textAt(text, invalid.range!), 'lots');
  });
});

describe('LitGPT named checkpoints (configs-c)', { skip: SHARED_SKIP }, () => {
  const entries = SHARED_SKIP ? [] : loadManifest('configs-c').filter((e) => e.framework === 'litgpt');
  it('has the configs-c LitGPT entries', () => assert.ok(entries.length >= 2));
  for (const entry of entries) {
    it(`counts ${entry.file} from its checkpoint_dir exactly`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      assert.equal(countParams(spec.architecture!).total, entry.params_total);
      assert.equal(spec.training.tokens, undefined);
      assert.equal(spec.training.finetune, true);
    });
  }

  it('reports QLoRA trainable parameters beside the base N of falcon-7b', () => {
    const path = join(SHARED_DIR, 'configs-c', 'litgpt', 'falcon-7b_qlora.yaml');
    const spec = readSpec(readFileSync(path, 'utf8'), { path, readFile: diskReadFile });
    assert.equal(countParams(spec.architecture!).total, 6_921_720_704);
    // litgpt/lora.py LoRAQKVLinear, r=32 on q and v: 32 layers × 32 × ((4544 + 71·64) + (4544 + 64)).
    assert.deepEqual(spec.trainableParams, { count: 14_024_704, method: 'QLoRA r=32 on query, value' });
  });
});

describe('LitGPT upstream config_hub files', () => {
  const upstream = (name: string) => {
    const path = fixturePath('litgpt', 'upstream', name);
    return readSpec(readFileSync(path, 'utf8'), { path, readFile: diskReadFile });
  };

  it('counts Gemma-2-9b (HF-tied) and every LoRA target of its QLoRA', () => {
    const spec = upstream('finetune_gemma2-9b_qlora.yaml');
    assert.equal(countParams(spec.architecture!).total, 9_241_705_984);
    // q 16·256, k/v 8·256, proj, 3 GemmaMLP matrices of 14336 over 42 layers, plus the head.
    assert.equal(spec.trainableParams?.count, 58_171_392);
    assert.equal(spec.trainableParams?.method, 'QLoRA r=16 on query, key, value, projection, mlp, head');
  });

  it('counts Llama-3.2-3B tied and its q/v adapters', () => {
    const spec = upstream('finetune_llama-3.2-3B_qlora.yaml');
    assert.equal(countParams(spec.architecture!).total, 3_212_749_824);
    assert.equal(spec.trainableParams?.count, 9_175_040);
  });

  it('counts Mistral-7B-v0.2 (unsloth mirror) and stablelm-base-alpha-3b (Config defaults)', () => {
    assert.equal(
      countParams(upstream('finetune_mistral-7b-v0.2_lora.yaml').architecture!).total,
      7_241_732_096,
    );
    const stablelm = upstream('finetune_stablelm-base-alpha-3b_lora.yaml');
    // Only name + hf_config in config.py: 16 layers, d 4096, 32 heads, vocab 50254 → 50688.
    assert.equal(countParams(stablelm.architecture!).total, 3_637_321_728);
    assert.equal(stablelm.trainableParams?.count, 16 * 32 * (4096 + 4096) * 2);
  });

  it('pretrains micro-llama-300M untied (pretrain.py tie_embeddings default false)', () => {
    const spec = upstream('pretrain_microllama.yaml');
    assert.equal(countParams(spec.architecture!).total, 304_636_928);
    assert.equal(spec.architecture!.tiedEmbeddings, false);
    assert.equal(spec.training.tokens, 3_000_000_000_000);
  });
});

describe('LitGPT checkpoint_dir files in the workspace', () => {
  const finetune = (dir: string) =>
    `checkpoint_dir: ${dir}\nlora_r: 8\ntrain:\n  global_batch_size: 8\n  micro_batch_size: 1\n  epochs: 1\n`;
  const workspace = (files: Record<string, string>) => (path: string) => files[path];

  it("reads the checkpoint's HF config.json instead of the table", () => {
    const phi2 = readFileSync(join(SHARED_DIR, 'configs-c', 'hf-config', 'phi-2', 'config.json'), 'utf8');
    const spec = readSpec(finetune('checkpoints/acme/my-phi'), {
      path: '/ws/cfg/lora.yaml',
      readFile: workspace({ '/ws/cfg/checkpoints/acme/my-phi/config.json': phi2 }),
    });
    assert.equal(countParams(spec.architecture!).total, 2_779_683_840);
    assert.ok(spec.assumptions.some((a) => a.includes('config.json')));
  });

  it('prefers model_config.yaml (what LitGPT builds) and takes tying from its hf_config', () => {
    const yaml =
      'name: Llama-3.2-1B\nhf_config:\n  org: meta-llama\n  name: Llama-3.2-1B\nblock_size: 131072\n' +
      'vocab_size: 128000\npadded_vocab_size: 128256\nn_layer: 16\nn_embd: 2048\nn_head: 32\n' +
      'n_query_groups: 8\nrotary_percentage: 1.0\nparallel_residual: false\nbias: false\n' +
      'norm_class_name: RMSNorm\nmlp_class_name: LLaMAMLP\nintermediate_size: 8192\n';
    const spec = readSpec(finetune('/models/x'), {
      path: '/ws/lora.yaml',
      readFile: workspace({ '/models/x/model_config.yaml': yaml }),
    });
    assert.equal(countParams(spec.architecture!).total, 1_235_814_400);
  });

  it('gives no N when a model_config.yaml uses latent attention', () => {
    const yaml = 'name: mla\nn_layer: 2\nn_embd: 64\nn_head: 4\nlatent_attention:\n  q_lora_rank: 16\n';
    const spec = readSpec(finetune('/m'), {
      path: '/ws/a.yaml',
      readFile: workspace({ '/m/model_config.yaml': yaml }),
    });
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some((d) => d.code === 'not-modelled-key' && d.message.includes('latent_attention')),
    );
    assert.ok(spec.paramsMissing?.length);
  });

  it('gives no N for a config.py model whose checkpoint tying is not known', () => {
    const spec = readSpec(finetune('checkpoints/tiiuae/Falcon3-7B-Base'), {});
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('ties wte and lm_head')));
  });

  it('uses lora.py rank 8 when a LoRA file leaves lora_r out', () => {
    const text =
      'checkpoint_dir: checkpoints/meta-llama/Llama-2-7b-hf\nlora_key: true\ntrain:\n  global_batch_size: 8\n  micro_batch_size: 1\n  epochs: 1\n';
    const spec = readSpec(text, {});
    // q, k, v (lora.py defaults q and v on; k set here): 32 layers × 8 × 3 × (4096 + 4096).
    assert.equal(spec.trainableParams?.count, 32 * 8 * 3 * 8192);
    assert.equal(spec.trainableParams?.method, 'LoRA r=8 on query, key, value');
  });

  it('counts a bare checkpoints/<name> of a config.py row', () => {
    const spec = readSpec(finetune('checkpoints/Llama-2-7b-hf'), {});
    assert.equal(countParams(spec.architecture!).total, 6_738_415_616);
  });
});

/** Every LitGPT config in the corpora and fixtures. */
function litgptConfigs(): InventoryConfig[] {
  const paths: string[] = [];
  if (!SHARED_SKIP) {
    for (const corpus of ['configs', 'configs-b', 'configs-c'] as const) {
      for (const entry of loadManifest(corpus)) if (entry.framework === 'litgpt') paths.push(entry.path);
    }
  }
  for (const dir of ['pretrain', 'finetune', 'upstream']) {
    for (const name of readdirSync(fixturePath('litgpt', dir))) {
      if (name.endsWith('.yaml')) paths.push(fixturePath('litgpt', dir, name));
    }
  }
  return paths.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** Write `key: value` into a LitGPT YAML (top level, under train:, or under model_config:). */
function inject(text: string, entry: InventoryEntry, value: InventoryValue): string {
  const rendered = value === null ? '' : String(value);
  const [head, field] = entry.key.split('.');
  if (!field) return `${text}\n${head}: ${rendered}\n`;
  const block = new RegExp(`^${head}:[ \\t]*$`, 'm');
  if (block.test(text)) return text.replace(block, `${head}:\n  ${field}: ${rendered}`);
  return `${text}\n${head}:\n  ${field}: ${rendered}\n`;
}

describe('LitGPT key inventory', () => {
  const configs = litgptConfigs();
  it('lists every key the reader reads', () => {
    assert.ok(configs.length >= 10);
    assert.deepEqual(unlistedUsedKeys(litgptReader, configs), []);
  });

  it('makes N or D unknown for every not-modelled key, naming it', () => {
    // A duplicate train: or model_config: block would be a YAML error: keep files that have them once.
    assert.deepEqual(notModelledKeyFailures(litgptReader, configs, inject), []);
  });

  it('keeps the count for a not-modelled key written with its default', () => {
    const path = fixturePath('litgpt', 'pretrain', 'pythia-160m.yaml');
    const text = inject(readFileSync(path, 'utf8'), { key: 'train.max_time' } as InventoryEntry, null);
    const result = analyzeText(text, { path }, DEFAULT_ANALYSIS_SETTINGS);
    assert.equal(result.analysis?.params?.total, 162_322_944);
    assert.equal(result.analysis?.tokens, 20_000_000_000);
  });

  it('makes N unknown for an inline model_config with latent attention', () => {
    const path = fixturePath('litgpt', 'pretrain', 'micro-moe.yaml');
    const entry = litgptReader.inventory!.entries.find((e) => e.key === 'model_config.latent_attention')!;
    const text = inject(readFileSync(path, 'utf8'), entry, entry.example!);
    const result = analyzeText(text, { path }, DEFAULT_ANALYSIS_SETTINGS);
    assert.equal(result.analysis?.params, null);
  });
});
