import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { nanotronReader } from './reader';
import { HAS_SHARED, SHARED_DIR, SHARED_SKIP, diskReadFile, fixturePath } from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import { injectYamlPath, sweepValueLines } from '../../../../../test/framework-sweep-support';

const DIR = fixturePath('nanotron');
const FILES = readdirSync(DIR).filter((name) => name.endsWith('.yaml'));
const SMOLLM = join(SHARED_DIR, 'configs-c', 'unsupported', 'nanotron', 'config_smollm2_135M.yaml');

function analyze(text: string, path = 'config.yaml') {
  return analyzeText(text, { path, readFile: diskReadFile }, DEFAULT_ANALYSIS_SETTINGS);
}

const fixtureText = (name: string) => readFileSync(join(DIR, name), 'utf8');

describe('nanotron reader', () => {
  it(
    'reads SmolLM2-135M exactly: tied LlamaConfig, train_steps × dp × micro × accumulation × seq',
    { skip: SHARED_SKIP },
    () => {
      const result = analyze(readFileSync(SMOLLM, 'utf8'), SMOLLM);
      assert.equal(result.framework, 'nanotron');
      assert.equal(result.analysis?.params?.total, 134_515_008);
      assert.equal(result.analysis?.tokens, 2_000_000 * 64 * 8 * 1 * 2048);
    },
  );

  it('counts the upstream examples exactly', () => {
    // config_tiny_llama: d 2048, 28 layers, 16 heads / 2 kv, SwiGLU 11008, vocab 128256 tied.
    const tiny = analyze(fixtureText('config_tiny_llama.yaml'));
    assert.equal(tiny.analysis?.params?.total, 2_420_754_432);
    assert.equal(tiny.analysis?.tokens, 2000 * 3 * 1 * 4 * 4096);
    // config_qwen: Qwen2Config, 36 layers, 4 kv heads, attention_bias false, tied.
    const qwen = analyze(fixtureText('config_qwen.yaml'));
    assert.equal(qwen.analysis?.params?.total, 3_075_098_624);
    assert.equal(qwen.analysis?.tokens, 32000 * 3 * 1 * 2 * 4096);
  });

  it('does not count a Qwen2 MoE model, naming moe_config, and still gives D', () => {
    const result = analyze(fixtureText('config_qwen_with_moe.yaml'));
    assert.equal(result.analysis?.params, null);
    assert.ok(
      result.diagnostics.some((d) => d.code === 'not-modelled-key' && d.message.includes('moe_config')),
    );
    assert.equal(typeof result.analysis?.tokens, 'number');
  });

  it(
    'pads the vocabulary to make_vocab_size_divisible_by × tp and unties the head',
    { skip: SHARED_SKIP },
    () => {
      const text = readFileSync(SMOLLM, 'utf8');
      const padded = analyze(injectYamlPath(text, 'model.make_vocab_size_divisible_by', 100));
      assert.equal(padded.analysis?.params?.total, 134_515_008 + (49_200 - 49_152) * 576);
      const tp3 = analyze(
        injectYamlPath(injectYamlPath(text, 'model.make_vocab_size_divisible_by', 100), 'parallelism.tp', 3),
      );
      assert.equal(tp3.analysis?.params?.total, 134_515_008 + (49_200 - 49_152) * 576);
      const tp7 = analyze(injectYamlPath(text, 'parallelism.tp', 7));
      assert.equal(tp7.analysis?.params?.total, 134_515_008 + (49_154 - 49_152) * 576);
      const untied = analyze(injectYamlPath(text, 'model.model_config.tie_word_embeddings', false));
      assert.equal(untied.analysis?.params?.total, 134_515_008 + 49_152 * 576);
    },
  );

  it('says what D needs when the data-parallel size is absent', () => {
    const text = fixtureText('config_tiny_llama.yaml').replace(/^  dp: 4\n/m, '');
    const result = analyze(text);
    assert.equal(result.analysis?.tokens, null);
    assert.ok(result.analysis?.missing.some((m) => m.includes('parallelism.dp')));
  });

  it('lists every key it reads in its inventory', () => {
    const configs: InventoryConfig[] = FILES.map((name) => ({
      path: join(DIR, name),
      text: fixtureText(name),
    }));
    assert.deepEqual(unlistedUsedKeys(nanotronReader, configs), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key', () => {
    const configs: InventoryConfig[] = ['config_tiny_llama.yaml', 'config_qwen.yaml'].map((name) => ({
      path: join(DIR, name),
      text: fixtureText(name),
    }));
    assert.deepEqual(
      notModelledKeyFailures(nanotronReader, configs, (text, entry, value) =>
        injectYamlPath(text, entry.key, value),
      ),
      [],
    );
  });

  it('survives a hostile value on every line, and an invalid value never gives another number', () => {
    for (const name of FILES) sweepValueLines(join(DIR, name), fixtureText(name), 'nanotron');
  });

  it('recognizes no other framework file', { skip: !HAS_SHARED && 'needs ../shared' }, () => {
    for (const set of ['configs', 'configs-b'] as const) {
      const manifest = JSON.parse(readFileSync(join(SHARED_DIR, set, 'manifest.json'), 'utf8')) as {
        file: string;
      }[];
      for (const entry of manifest) {
        const path = join(SHARED_DIR, set, entry.file);
        assert.equal(nanotronReader.detect(readFileSync(path, 'utf8'), path) >= 0.5, false, path);
      }
    }
  });
});
