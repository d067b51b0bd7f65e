import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { nemoReader } from './reader';
import { HAS_SHARED, SHARED_DIR, SHARED_SKIP, diskReadFile, fixturePath } from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import { injectYamlPath, sweepValueLines } from '../../../../../test/framework-sweep-support';

const DIR = fixturePath('nemo');
const FILES = readdirSync(DIR).filter((name) => name.endsWith('.yaml'));
const GPT = join(DIR, 'megatron_gpt_config.yaml');
const LLAMA = join(DIR, 'megatron_llama_config.yaml');
const CONFIGS_C = join(SHARED_DIR, 'configs-c', 'unsupported', 'nemo1', 'megatron_gpt_config.yaml');

function analyze(text: string, path = 'conf.yaml') {
  return analyzeText(text, { path, readFile: diskReadFile }, DEFAULT_ANALYSIS_SETTINGS);
}

const read = (path: string) => readFileSync(path, 'utf8');
/** GPT-2 124M with a 512-row position table and the GPT-2 vocabulary padded to 50304. */
const GPT_126M = 124_082_688;

describe('NeMo 1.x Megatron GPT reader', () => {
  it('reads the configs-c legacy megatron_gpt_config exactly', { skip: SHARED_SKIP }, () => {
    const result = analyze(read(CONFIGS_C), CONFIGS_C);
    assert.equal(result.framework, 'nemo');
    assert.equal(result.analysis?.params?.total, GPT_126M);
    assert.equal(result.analysis?.tokens, 100_000 * 8 * 512);
  });

  it('reads the current megatron_gpt_config (Megatron-core) exactly', () => {
    const result = analyze(read(GPT), GPT);
    assert.equal(result.analysis?.params?.total, GPT_126M);
    assert.equal(result.analysis?.tokens, 409_600_000);
  });

  it('pads the vocabulary to make_vocab_size_divisible_by × tensor parallel size', () => {
    const tp2 = analyze(injectYamlPath(read(GPT), 'model.tensor_model_parallel_size', 2));
    assert.equal(tp2.analysis?.params?.total, GPT_126M + (50_432 - 50_304) * 768);
    const unpadded = analyze(injectYamlPath(read(GPT), 'model.make_vocab_size_divisible_by', 1));
    assert.equal(unpadded.analysis?.params?.total, GPT_126M - (50_304 - 50_257) * 768);
  });

  it('resolves a relative interpolation (max_position_embeddings: ${.encoder_seq_length})', () => {
    // Legacy path (mcore_gpt false): the position table has max_position_embeddings rows.
    const legacy = injectYamlPath(read(GPT), 'model.mcore_gpt', false);
    const longer = analyze(injectYamlPath(legacy, 'model.encoder_seq_length', 1024));
    assert.equal(longer.analysis?.params?.total, GPT_126M + 512 * 768);
    assert.equal(longer.analysis?.tokens, 100_000 * 8 * 1024);
    const rope = analyze(injectYamlPath(read(GPT), 'model.position_embedding_type', 'rope'));
    assert.equal(rope.analysis?.params?.total, GPT_126M - 512 * 768);
  });

  it('needs the tokenizer size for a SentencePiece model and uses override_vocab_size', () => {
    const unknown = analyze(read(LLAMA), LLAMA);
    assert.equal(unknown.analysis?.params, null);
    assert.ok(unknown.analysis?.paramsMissing.some((m) => /tokenizer/.test(m)));
    // megatron_llama_config is the Llama-2-7B shape: RMSNorm, SwiGLU, no biases, untied, RoPE.
    const sized = analyze(injectYamlPath(read(LLAMA), 'model.override_vocab_size', 32000));
    assert.equal(sized.analysis?.params?.total, 6_738_415_616);
  });

  it('treats an object-property tokenizer type as unknown', () => {
    const result = analyze(injectYamlPath(read(GPT), 'model.tokenizer.type', 'constructor'));
    assert.equal(result.framework, 'nemo');
    assert.equal(result.analysis?.params, null);
  });

  it('leaves D to the dataset when max_steps is -1', () => {
    const result = analyze(injectYamlPath(read(GPT), 'trainer.max_steps', -1));
    assert.equal(result.analysis?.tokens, null);
    assert.ok(result.analysis?.missing.some((m) => m.includes('max_steps')));
    assert.equal(result.analysis?.params?.total, GPT_126M);
  });

  it('counts the Qwen1.5-4B config (qkv_bias with bias false, override_vocab_size)', () => {
    const path = join(DIR, 'megatron_qwen2_config.yaml');
    const result = analyze(read(path), path);
    assert.equal(result.analysis?.params?.total, 3_950_369_280);
  });

  it('does not count models other than MegatronGPTModel, naming the key', () => {
    const falcon = analyze(read(join(DIR, 'megatron_falcon_config.yaml')));
    assert.equal(falcon.analysis?.params, null);
    assert.ok(
      falcon.diagnostics.some(
        (d) => d.code === 'not-modelled-key' && d.message.includes('mcore_customization_config'),
      ),
    );
    const mamba = analyze(read(join(DIR, 'megatron_mamba_config.yaml')));
    assert.equal(mamba.analysis?.params, null);
    assert.ok(
      mamba.diagnostics.some((d) => d.code === 'not-modelled-key' && d.message.includes('mamba_ssm_ngroups')),
    );
    const bert = analyze(read(join(DIR, 'megatron_bert_config.yaml')));
    assert.equal(bert.framework ?? null, null);
  });

  it('lists every key it reads in its inventory', () => {
    const configs: InventoryConfig[] = FILES.map((name) => ({
      path: join(DIR, name),
      text: read(join(DIR, name)),
    }));
    assert.deepEqual(unlistedUsedKeys(nemoReader, configs), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key', () => {
    assert.deepEqual(
      notModelledKeyFailures(nemoReader, [{ path: GPT, text: read(GPT) }], (text, entry, value) =>
        injectYamlPath(text, entry.key, value),
      ),
      [],
    );
  });

  it('survives a hostile value on every line, and an invalid value never gives another number', () => {
    for (const name of FILES) sweepValueLines(join(DIR, name), read(join(DIR, name)), 'nemo');
  });

  it('recognizes no other framework file', { skip: !HAS_SHARED && 'needs ../shared' }, () => {
    for (const set of ['configs', 'configs-b'] as const) {
      const manifest = JSON.parse(read(join(SHARED_DIR, set, 'manifest.json'))) as { file: string }[];
      for (const entry of manifest) {
        const path = join(SHARED_DIR, set, entry.file);
        assert.equal(nemoReader.detect(read(path), path) >= 0.5, false, path);
      }
    }
  });
});

describe('NeMo reader: grouped-query attention by model class (NeMo@8cfedd72 megatron_gpt_model.py)', () => {
  it('counts num_query_groups on Megatron-core and refuses it on the legacy GPTModel, which asserts', () => {
    const gqa = injectYamlPath(read(GPT), 'model.num_query_groups', 4);
    const core = analyze(gqa);
    // linear_qkv 768 × (12 + 2·4)·64 + bias 1,280; linear_proj 768 × 768 + bias 768.
    assert.equal(core.analysis?.breakdown?.attentionPerLayer, 768 * 1280 + 1280 + 768 * 768 + 768);
    // Twelve layers lose 768 × 1,024 + 1,024 of K/V projection each against the 124M multi-head model.
    assert.equal(core.analysis?.params?.total, GPT_126M - 12 * (768 * 1024 + 1024));
    const legacy = analyze(injectYamlPath(gqa, 'model.mcore_gpt', false));
    assert.equal(legacy.analysis?.params, null);
    assert.ok(legacy.diagnostics.some((d) => d.message.includes('needs model.mcore_gpt: True')));
    // The head count itself is allowed on the legacy model (the assert accepts it).
    const same = analyze(
      injectYamlPath(injectYamlPath(read(GPT), 'model.num_query_groups', 12), 'model.mcore_gpt', false),
    );
    assert.equal(same.analysis?.params?.total, GPT_126M);
  });
});
