import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { nanotronReader } from './reader';
import { keysAt, lookup, parseYaml } from '../../yamlSource';
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

/** The model_config numbers of a fixture, read with the YAML parser (not the reader under test). */
function parseYamlModel(text: string): Record<string, number> {
  const yaml = parseYaml(text)!;
  const out: Record<string, number> = {};
  for (const key of keysAt(yaml, ['model', 'model_config'])) {
    const value = lookup(yaml, ['model', 'model_config', key])?.value;
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

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

  describe('Qwen2 MoE (config_qwen_with_moe.yaml: d 256, 12 layers, 4 heads = 4 kv, vocab 128256 tied)', () => {
    const d = 256;
    // models/qwen.py Qwen2Attention: qkv_proj d × (q 256 + k 256 + v 256), o_proj 256 × d, no biases.
    const attention = d * (256 + 2 * 256) + 256 * d;
    const norms = 2 * d; // input_layernorm, post_attention_layernorm (RMSNorm weight only)
    // nn/moe.py: Router.weight E×d; GroupedMLP merged_gate_up_proj E×d×2m + merged_down_proj E×m×d.
    const router = (experts: number) => experts * d;
    const expert = (m: number) => d * 2 * m + m * d;
    // enable_shared_expert: Qwen2MLP(shared width s): gate_up d×2s + down s×d; shared_expert_gate d×1.
    const sharedExpert = (s: number) => d * 2 * s + s * d + d;
    const embedding = 128256 * d; // tied head
    const finalNorm = d;
    const text = fixtureText('config_qwen_with_moe.yaml');
    // The example writes moe_config twice (null, then the mapping; PyYAML keeps the last): edit the
    // mapping's lines in place.
    const moeBlock =
      '    moe_config:\n      num_experts: 8\n      top_k: 1\n      enable_shared_expert: true\n';
    const withMoe = (fields: Record<string, unknown>) => {
      assert.ok(text.includes(moeBlock));
      let block = moeBlock;
      for (const [key, value] of Object.entries(fields)) {
        const line = `      ${key}: ${JSON.stringify(value)}\n`;
        const existing = new RegExp(`^      ${key}:.*\\n`, 'm');
        block = existing.test(block) ? block.replace(existing, line) : block + line;
      }
      return text.replace(moeBlock, block);
    };

    it('counts the upstream example: 8 experts of the default width 1408, top-1, shared expert 5632', () => {
      const result = analyze(text);
      const layer = attention + norms + router(8) + 8 * expert(1408) + sharedExpert(5632);
      assert.equal(result.analysis?.params?.total, 12 * layer + embedding + finalNorm);
      assert.equal(result.analysis?.params?.total, 191_726_848);
      assert.equal(result.analysis?.params?.active, 12 * (layer - 7 * expert(1408)) + embedding + finalNorm);
      assert.equal(typeof result.analysis?.tokens, 'number');
    });

    it('keeps a dense Qwen2MLP (intermediate_size 768) in the layers moe_config.layers leaves out', () => {
      const listed = withMoe({ layers: [0, 5, 11, 40] });
      const dense = d * 2 * 768 + 768 * d;
      const moeLayer = router(8) + 8 * expert(1408) + sharedExpert(5632);
      // Index 40 is beyond the 12 layers: no layer has it (Qwen2DecoderLayer: layer_idx in layers).
      assert.equal(
        analyze(listed).analysis?.params?.total,
        12 * (attention + norms) + 3 * moeLayer + 9 * dense + embedding + finalNorm,
      );
    });

    it('reads the MoEConfig widths and drops the shared expert when it is off', () => {
      const edited = withMoe({ moe_intermediate_size: 512, enable_shared_expert: false, num_experts: 4 });
      assert.equal(
        analyze(edited).analysis?.params?.total,
        12 * (attention + norms + router(4) + 4 * expert(512)) + embedding + finalNorm,
      );
    });

    it('shows no count for a field MoEConfig does not have, or top_k above num_experts', () => {
      const foreign = analyze(withMoe({ capacity_factor: 1.25 }));
      assert.equal(foreign.analysis?.params, null);
      assert.ok(foreign.diagnostics.some((x) => x.message.includes('capacity_factor')));
      const topK = analyze(withMoe({ top_k: 9 }));
      assert.equal(topK.analysis?.params, null);
    });
  });

  it('builds the class dacite picks: Qwen2Config when a Qwen2-only field is written, whatever is_qwen2_config says', () => {
    // config_qwen without its flag is still a Qwen2Config (sliding_window_size, _use_qkv_packed… are
    // not LlamaConfig fields, so dacite's strict LlamaConfig attempt fails and Qwen2Config matches).
    const text = fixtureText('config_qwen.yaml');
    const base = analyze(text).analysis!.params!.total;
    const unflagged = text.replace(/^\s*is_qwen2_config:.*\n/m, '');
    assert.equal(analyze(unflagged).analysis?.params?.total, base);
    const falseFlag = text.replace(/is_qwen2_config: true/, 'is_qwen2_config: false');
    assert.equal(analyze(falseFlag).analysis?.params?.total, base);
    // qkv_proj bias: q (heads × head_dim = hidden_size) + 2 × kv heads × head_dim, per layer.
    const model = parseYamlModel(text);
    const qkvBias =
      model.hidden_size + 2 * model.num_key_value_heads * (model.hidden_size / model.num_attention_heads);
    const biased = injectYamlPath(unflagged, 'model.model_config.attention_bias', true);
    assert.equal(analyze(biased).analysis?.params?.total, base + model.num_hidden_layers * qkvBias);
  });

  it('refuses num_key_value_heads that do not divide the heads (llama.py asserts)', () => {
    // config_tiny_llama: 16 heads; 3 kv heads cannot be repeated evenly.
    const text = fixtureText('config_tiny_llama.yaml');
    const result = analyze(injectYamlPath(text, 'model.model_config.num_key_value_heads', 3));
    assert.equal(result.analysis?.params, null);
    assert.ok(result.diagnostics.some((x) => x.message.includes('num_key_value_heads 3')));
  });

  it('ignores attention_bias in a LlamaConfig: the Llama model builds bias-free projections', () => {
    const text = fixtureText('config_tiny_llama.yaml');
    const base = analyze(text).analysis!.params!.total;
    assert.equal(
      analyze(injectYamlPath(text, 'model.model_config.attention_bias', true)).analysis?.params?.total,
      base,
    );
  });

  it('counts any ACT2FN activation the same (parameter-free) and refuses an unknown one', () => {
    const text = fixtureText('config_tiny_llama.yaml');
    const base = analyze(text).analysis!.params!.total;
    assert.equal(
      analyze(injectYamlPath(text, 'model.model_config.hidden_act', 'gelu_pytorch_tanh')).analysis?.params
        ?.total,
      base,
    );
    assert.equal(
      analyze(injectYamlPath(text, 'model.model_config.hidden_act', 'swiglu')).analysis?.params,
      null,
    );
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
