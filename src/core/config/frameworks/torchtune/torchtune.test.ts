import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readRunConfig } from '../../registry';
import { torchtuneReader, scaleHiddenDimForMlp } from './reader';
import type { ReadOptions, RunSpec } from '../../../types';
import {
  HAS_SHARED,
  REPO_ROOT,
  SHARED_DIR,
  SHARED_SKIP,
  diskReadFile,
  fixturePath,
} from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import { injectYamlPath, sweepValueLines } from '../../../../../test/framework-sweep-support';

/**
 * The torchtune sources the table is generated from: the vendored builders at the recorded commit
 * (scripts/upstream/torchtune), or a bare git dir of pytorch/torchtune given in TORCHTUNE_GIT.
 */
const TORCHTUNE_GIT =
  process.env.TORCHTUNE_GIT ??
  join(REPO_ROOT, 'scripts', 'upstream', 'torchtune', 'bd2a0fc7c31430972728494fa01aaeeb0ebf1ba1');

const DIR = fixturePath('torchtune');
const FILES = readdirSync(DIR).filter((name) => name.endsWith('.yaml'));

function analyze(text: string, path: string, options?: ReadOptions) {
  return analyzeText(
    text,
    { path, readFile: diskReadFile, ...(options ? { options } : {}) },
    DEFAULT_ANALYSIS_SETTINGS,
  );
}

function spec(text: string, path = 'x.yaml'): RunSpec {
  const result = readRunConfig(text, { path });
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
}

function fixtureText(name: string): string {
  return readFileSync(join(DIR, name), 'utf8');
}

/** Published or builder-derived counts (torchtune builders at the table's commit). */
const EXPECTED_N: Record<string, number> = {
  'llama3_2_1B_lora_single_device.yaml': 1_235_814_400, // Llama-3.2-1B, tied
  'qwen2_5_0.5B_lora.yaml': 494_032_768, // Qwen2.5-0.5B, tied, qkv biases
  'gemma2_2B_lora.yaml': 2_614_341_888, // gemma-2-2b, 4 norms per layer, tied
  'llama2_7B_qlora.yaml': 6_738_415_616, // Llama-2-7b, intermediate = scale_hidden_dim_for_mlp(4096)
  'mistral_7B_full.yaml': 7_241_732_096, // Mistral-7B-v0.1
  'llama2_1B_qat_single_device.yaml': 1_100_048_384, // TinyLlama-1.1B shape, component builder
};

describe('torchtune reader', () => {
  it('counts every fixture exactly and never computes D without the dataset size', () => {
    for (const name of FILES) {
      const result = analyze(fixtureText(name), join(DIR, name));
      assert.equal(result.framework, 'torchtune', name);
      assert.equal(result.analysis?.params?.total, EXPECTED_N[name], name);
      assert.equal(result.analysis?.tokens, null, name);
      assert.ok(
        result.analysis?.missing.some((m) => /dataset size/.test(m)),
        name,
      );
    }
  });

  it('reads the configs-c Llama-3.1-8B full finetune', { skip: SHARED_SKIP }, () => {
    const path = join(SHARED_DIR, 'configs-c', 'unsupported', 'torchtune', 'llama3_1_8B_full.yaml');
    const result = analyze(readFileSync(path, 'utf8'), path);
    assert.equal(result.analysis?.params?.total, 8_030_261_248);
    assert.equal(result.analysis?.tokens, null);
    assert.equal(result.analysis?.spec.training.finetune, true);
    assert.equal(result.analysis?.spec.trainableParams, undefined, 'a full finetune trains everything');
  });

  it('computes the scaled MLP width as torchtune does', () => {
    assert.equal(scaleHiddenDimForMlp(4096), 11008);
    assert.equal(scaleHiddenDimForMlp(2048), 5632);
  });

  it('counts LoRA adapters as trainable parameters beside the base N', () => {
    const text = fixtureText('llama3_2_1B_lora_single_device.yaml');
    const s = spec(text);
    // lora_attn_modules [q_proj, v_proj, output_proj], apply_lora_to_mlp true, rank 64, 16 layers.
    const r = 64;
    const d = 2048;
    const kv = 8 * 64;
    const f = 8192;
    const perLayer = r * (d + d) + r * (d + kv) + r * (d + d) + 3 * r * (d + f);
    assert.deepEqual(s.trainableParams, { count: 16 * perLayer, method: 'LoRA rank 64' });
    const dora = spec(injectYamlPath(text, 'model.use_dora', true));
    // DoRA adds a magnitude vector of each adapted linear's output width.
    assert.equal(dora.trainableParams?.count, 16 * (perLayer + d + kv + d + (f + d + f)));
    const rank8 = spec(injectYamlPath(text, 'model.lora_rank', 8));
    assert.equal(rank8.trainableParams?.count, (16 * perLayer) / 8);
  });

  it('names a QLoRA finetune and keeps the base count', () => {
    const s = spec(fixtureText('llama2_7B_qlora.yaml'));
    assert.match(s.trainableParams?.method ?? '', /^QLoRA rank \d+$/);
    assert.ok((s.trainableParams?.count ?? 0) > 0);
  });

  it('follows a builder argument the config overrides (llama3_2 tie_word_embeddings)', () => {
    const text = injectYamlPath(
      fixtureText('llama3_2_1B_lora_single_device.yaml'),
      'model.tie_word_embeddings',
      false,
    );
    assert.equal(analyze(text, 'x.yaml').analysis?.params?.total, 1_235_814_400 + 128_256 * 2048);
  });

  it('says which builder it does not know, and does not guess', () => {
    const text = fixtureText('mistral_7B_full.yaml').replace(
      'torchtune.models.mistral.mistral_7b',
      'torchtune.models.llama4.llama4_scout_17b_16e',
    );
    const result = analyze(text, 'x.yaml');
    assert.equal(result.framework, 'torchtune');
    assert.equal(result.analysis?.params, null);
    assert.ok(result.analysis?.paramsMissing.some((m) => m.includes('llama4_scout_17b_16e')));
  });

  it('treats object-property names as unknown builders', () => {
    for (const name of [
      'torchtune.models.llama3.constructor',
      'toString',
      '__proto__',
      'torchtune.models.x.hasOwnProperty',
    ]) {
      const text = fixtureText('mistral_7B_full.yaml').replace('torchtune.models.mistral.mistral_7b', name);
      const result = readRunConfig(text, { path: 'x.yaml' });
      assert.equal(result.kind, 'run-config', name);
      assert.equal((result as { spec: RunSpec }).spec.architecture, undefined, name);
    }
  });

  it('refuses a shape argument a model builder does not take', () => {
    const text = injectYamlPath(fixtureText('mistral_7B_full.yaml'), 'model.num_layers', 2);
    const result = analyze(text, 'x.yaml');
    assert.equal(result.analysis?.params, null);
    assert.ok(result.diagnostics.some((d) => d.code === 'unknown-argument'));
  });

  it('uses a dataset size from the settings, unless the config trains on a slice', () => {
    const text = fixtureText('llama3_2_1B_lora_single_device.yaml');
    const options = { datasetTokens: 1_000_000 };
    const epochs = Number(/^epochs:\s*(\d+)/m.exec(text)![1]);
    assert.equal(analyze(text, 'x.yaml', options).analysis?.tokens, epochs * 1_000_000);
    const sliced = injectYamlPath(text, 'dataset.split', 'train[:10%]');
    assert.equal(analyze(sliced, 'x.yaml', options).analysis?.tokens, null);
    const capped = injectYamlPath(text, 'max_steps_per_epoch', 100);
    assert.equal(analyze(capped, 'x.yaml', options).analysis?.tokens, null);
  });

  it('lists every key it reads in its inventory', () => {
    const configs: InventoryConfig[] = FILES.map((name) => ({
      path: join(DIR, name),
      text: fixtureText(name),
    }));
    assert.deepEqual(unlistedUsedKeys(torchtuneReader, configs), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key', () => {
    const configs: InventoryConfig[] = FILES.map((name) => ({
      path: join(DIR, name),
      text: fixtureText(name),
    }));
    assert.deepEqual(
      notModelledKeyFailures(torchtuneReader, configs, (text, entry, value) =>
        injectYamlPath(text, entry.key, value),
      ),
      [],
    );
  });

  it('survives a hostile value on every line, and an invalid value never gives another number', () => {
    for (const name of FILES) sweepValueLines(join(DIR, name), fixtureText(name), 'torchtune');
  });

  it(
    'regenerates torchtune/tables.ts byte for byte from the builders',
    { skip: !existsSync(TORCHTUNE_GIT) && `torchtune mirror not at ${TORCHTUNE_GIT}` },
    async () => {
      const generated = execFileSync(
        'python3',
        [join(REPO_ROOT, 'scripts', 'gen-torchtune-table.py'), TORCHTUNE_GIT],
        { encoding: 'utf8' },
      );
      const tablePath = join(REPO_ROOT, 'src', 'core', 'config', 'frameworks', 'torchtune', 'tables.ts');
      const options = (await resolveConfig(tablePath)) ?? {};
      const formatted = await format(generated, { ...options, filepath: tablePath });
      assert.equal(readFileSync(tablePath, 'utf8'), formatted);
    },
  );

  it('recognizes no other framework file', { skip: !HAS_SHARED && 'needs ../shared' }, () => {
    for (const set of ['configs', 'configs-b'] as const) {
      const manifest = JSON.parse(readFileSync(join(SHARED_DIR, set, 'manifest.json'), 'utf8')) as {
        file: string;
      }[];
      for (const entry of manifest) {
        const path = join(SHARED_DIR, set, entry.file);
        assert.equal(torchtuneReader.detect(readFileSync(path, 'utf8'), path) >= 0.5, false, path);
      }
    }
  });
});
