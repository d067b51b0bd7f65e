import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readRunConfig, recognize } from '../../registry';
import { countParams } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { levanterReader } from './reader';
import type { InventoryValue } from '../../inventory';
import {
  HAS_SHARED,
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
} from '../../../../../test/helpers';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';

function readSpec(path: string, text = readFileSync(path, 'utf8'), readFile = diskReadFile): RunSpec {
  const result = readRunConfig(text, { path, readFile });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  return (result as { spec: RunSpec }).spec;
}

const levanterEntries = HAS_SHARED
  ? loadManifest('configs-b').filter((e) => e.file.startsWith('levanter/'))
  : [];

describe('Levanter manifest', { skip: SHARED_SKIP }, () => {
  for (const entry of levanterEntries.filter((e) => e.framework === 'levanter')) {
    it(`counts ${entry.file} exactly and derives its tokens`, () => {
      const spec = readSpec(entry.path);
      assert.equal(spec.framework, 'levanter');
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active) assert.equal(counts.active, entry.params_active);
      // Levanter's defaults are documented, so D also comes out where it relies on them.
      assert.equal(spec.training.tokens, entry.training_tokens);
      if (!entry.training_tokens_derivable_from_file)
        assert.ok(spec.assumptions.some((a) => /default/.test(a)));
    });
  }

  for (const entry of levanterEntries.filter((e) => e.framework === null)) {
    it(`does not treat the included data config ${entry.file} as a run config`, () => {
      assert.equal(
        readRunConfig(readFileSync(entry.path, 'utf8'), { path: entry.path }).kind,
        'not-a-run-config',
      );
    });
  }

  it('takes the vocab from the !include-d data config and points at that file', () => {
    const entry = levanterEntries.find((e) => e.file.endsWith('gpt2_small.yaml'));
    if (!entry) return;
    const spec = readSpec(entry.path);
    assert.equal(spec.architecture!.vocabSize, 50257);
    assert.match(spec.archSources.vocabSize!.file!, /data\/openwebtext_source\.yaml$/);
  });
});

describe('Levanter fixtures', () => {
  it('follows `data: !include` relative to the config and counts a tied GQA llama', () => {
    const path = fixturePath('levanter', 'llama_tiny_include.yaml');
    const spec = readSpec(path);
    const arch = spec.architecture!;
    assert.equal(arch.vocabSize, 128256);
    assert.equal(arch.tiedEmbeddings, true);
    assert.equal(arch.nKvHeads, 2);
    const counts = countParams(arch);
    assert.equal(counts.total, 34_407_680);
    assert.equal(counts.nonEmbedding, 1_574_144);
    assert.equal(spec.training.tokens, 1000 * 32 * 512);
    const vocabSource = spec.archSources.vocabSize!;
    assert.equal(vocabSource.file, fixturePath('levanter', 'data', 'tiny_data.yaml'));
    assert.equal(vocabSource.keyRange.start.line, 5); // `tokenizer:` in the included file
  });

  it('fills every dimension from the type defaults and sums a batch-size schedule', () => {
    const spec = readSpec(fixturePath('levanter', 'mistral_defaults_schedule.yaml'));
    const counts = countParams(spec.architecture!);
    assert.equal(counts.total, 7_241_732_096); // Mistral-7B
    assert.equal(spec.training.seqLen, 8192);
    assert.equal(spec.training.tokens, (100 * 16 + 200 * 32) * 8192);
    assert.equal(spec.trainingSources.duration?.key, 'num_train_steps');
  });

  it('maps model values to their keys and the model section', () => {
    const path = fixturePath('levanter', 'llama_tiny_include.yaml');
    const lines = readFileSync(path, 'utf8').split('\n');
    const spec = readSpec(path);
    assert.equal(lines[spec.archSources.ffnSize!.keyRange.start.line].trim(), 'intermediate_dim: 768');
    assert.equal(lines[spec.modelSectionRange!.start.line].startsWith('model:'), true);
    assert.equal(lines[spec.trainingSources.globalBatch!.keyRange.start.line].trim(), 'train_batch_size: 32');
  });

  it('warns when the included data config cannot be read, without inventing a vocab', () => {
    const path = fixturePath('levanter', 'llama_tiny_include.yaml');
    const spec = readSpec(path, fixture('levanter', 'llama_tiny_include.yaml'), () => undefined);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'include-unreadable' && d.range));
    assert.equal(spec.training.tokens, 1000 * 32 * 512);
  });

  it('flags an unknown model type and an unknown tokenizer', () => {
    const text = fixture('levanter', 'llama_tiny_include.yaml');
    const unknownType = readSpec('x.yaml', text.replace('type: llama', 'type: hyena'));
    assert.ok(unknownType.diagnostics.some((d) => d.code === 'unknown-model'));
    const unknownTokenizer = readSpec(
      'x.yaml',
      fixture('levanter', 'mistral_defaults_schedule.yaml').replace(
        'mistralai/Mistral-7B-v0.1',
        'my-org/tokenizer',
      ),
    );
    assert.equal(unknownTokenizer.architecture, undefined);
    assert.ok(unknownTokenizer.diagnostics.some((d) => d.code === 'unknown-tokenizer'));
  });

  it('does not recognize random YAML or a bare data config', () => {
    assert.equal(recognize('model: small\ntrainer: me\n'), undefined);
    assert.equal(recognize(fixture('levanter', 'data', 'tiny_data.yaml')), undefined);
  });

  it('reports truncated input as diagnostics without throwing', () => {
    const text = fixture('levanter', 'mistral_defaults_schedule.yaml');
    for (const cut of [0.5, 0.7, 0.9]) {
      const result = readRunConfig(text.slice(0, Math.floor(text.length * cut)), {});
      if (result.kind === 'run-config' && result.spec.training.tokens !== undefined) {
        assert.ok(Number.isFinite(result.spec.training.tokens));
      }
    }
  });
});

/** Write `key: value` into a Levanter YAML, under its section (`model.x` goes below `model:`). */
export function injectYaml(text: string, key: string, value: InventoryValue): string {
  const parts = key.split('.');
  const rendered =
    value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (parts.length === 1) return `${text.replace(/\n*$/, '\n')}${key}: ${rendered}\n`;
  const [section, ...rest] = parts;
  const line = `  ${rest.join('.')}: ${rendered}`;
  const header = new RegExp(`^${section}:.*$`, 'm');
  if (header.test(text)) return text.replace(header, (h) => `${h}\n${line}`);
  return `${text.replace(/\n*$/, '\n')}${section}:\n${line}\n`;
}

const inline = (model: string, tokenizer = 'gpt2', extra = '') =>
  `data:\n  tokenizer: "${tokenizer}"\nmodel:\n${model}trainer:\n  num_train_steps: 10\n  train_batch_size: 4\n${extra}`;
const total = (text: string) => {
  const spec = readSpec('x.yaml', text);
  return spec.architecture ? countParams(spec.architecture).total : undefined;
};
// LlamaConfig defaults with the 50257 gpt2 vocab: 32 × (4·4096² + 3·4096·11008 + 2·4096) + 4096 + 2·50257·4096.
const LLAMA_DEFAULTS_GPT2_VOCAB = 6_887_976_960;

describe('Levanter configs-c', { skip: SHARED_SKIP }, () => {
  const entries = HAS_SHARED ? loadManifest('configs-c').filter((e) => e.framework === 'levanter') : [];
  it('has configs-c entries', () => assert.ok(entries.length >= 2));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const spec = readSpec(entry.path);
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.active, entry.params_active);
      if (entry.training_tokens_derivable_from_file)
        assert.equal(spec.training.tokens, entry.training_tokens);
      else assert.equal(spec.training.tokens, undefined);
    });
  }

  it('takes google/gemma-2b from the checkpoint table with use_hf_model_config; seq_len is the HF one', () => {
    const entry = entries.find((e) => e.file.endsWith('gemma_2b.yaml'));
    if (!entry) return;
    const spec = readSpec(entry.path);
    assert.equal(spec.modelName, 'google/gemma-2b');
    assert.equal(spec.architecture!.nKvHeads, 1);
    assert.equal(spec.architecture!.vocabSize, 256000);
    assert.match(spec.training.missing!.join(' '), /max_position_embeddings of google\/gemma-2b/);
  });
});

describe('Levanter upstream fixtures', () => {
  it('counts config/llama2_nano.yaml: LlamaConfig defaults for intermediate_dim and seq_len', () => {
    const spec = readSpec(fixturePath('levanter', 'llama2_nano.yaml'));
    // 2 × (4·32² + 3·32·11008 + 2·32) + 32 + 2·32000·32 (untied)
    assert.equal(countParams(spec.architecture!).total, 4_169_888);
    assert.equal(spec.training.tokens, 100 * 32 * 2048);
  });

  it('counts config/gpt2_nano.yaml with the default gpt2 tokenizer', () => {
    const spec = readSpec(fixturePath('levanter', 'gpt2_nano.yaml'));
    // 2 × (12·32² + 13·32) + 2·32 + 50257·32 + 1024·32
    assert.equal(countParams(spec.architecture!).total, 1_666_464);
    assert.equal(spec.training.tokens, 100 * 32 * 1024);
  });
});

describe('Levanter supervised fine-tuning configs (sft.py, sft_mixture.py)', () => {
  it('counts config/olmo2_sft.yaml from the HF config of model_name_or_path and the top-level tokenizer', () => {
    const spec = readSpec(fixturePath('levanter', 'olmo2_sft.yaml'));
    // allenai/OLMo-2-1124-7B: 32 × (4·4096² + 2·4096 qk norm + 3·4096·11008 + 2·4096) + 4096
    // + 2 · 100278 · 4096 (untied; len(allenai/OLMo-2-1124-7B-SFT tokenizer) = 100278).
    assert.equal(countParams(spec.architecture!).total, 7_298_011_136);
    assert.equal(spec.architecture!.vocabSize, 100278);
    // num_train_steps 3000 × train_batch_size 128 × max_seq_len 4096
    assert.equal(spec.training.tokens, 3000 * 128 * 4096);
    assert.equal(spec.training.finetune, true);
  });

  it('gives N unknown when the HF checkpoint is not in the table', () => {
    const text = fixture('levanter', 'olmo2_sft.yaml').replace(
      '"allenai/OLMo-2-1124-7B"',
      '"my-org/private-7b"',
    );
    const spec = readSpec('x.yaml', text);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('my-org/private-7b')));
  });

  // stanford-crfm/levanter@9263f81e config/convert_llama3_1b.yaml (for export_hf_to_lm.py): a
  // top-level tokenizer beside model + trainer. sft.py raises without initialize_from_hf or
  // trainer.initialize_from and TrainLmConfig has no `tokenizer`: no run trains 20,000 × 256 ×
  // 131,072 tokens (it used to show D = 671,088,640,000).
  const exportLike = [
    'tokenizer: "meta-llama/Llama-3.2-1B-Instruct"',
    'model:',
    '  type: llama',
    '  hidden_dim: 2048',
    '  intermediate_dim: 8192',
    '  num_heads: 32',
    '  num_kv_heads: 8',
    '  num_layers: 16',
    '  seq_len: 131072',
    '  tie_word_embeddings: true',
    'trainer:',
    '  train_batch_size: 256',
    '  num_train_steps: 20000',
    '',
  ].join('\n');

  it('gives no D for SFT keys without initialize_from_hf or trainer.initialize_from', () => {
    const spec = readSpec('x.yaml', exportLike);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('trainer.initialize_from')));
    // The model section still sets N: 16 × (2·2048² + 2·2048·512 + 3·2048·8192 + 2·2048) + 2048
    // + 128256 · 2048 (tied).
    assert.equal(countParams(spec.architecture!).total, 1_235_814_400);
  });

  it('keeps D when trainer.initialize_from names the checkpoint (sft.py uses the model section)', () => {
    const text = exportLike.replace('trainer:\n', 'trainer:\n  initialize_from: gs://bucket/ckpt\n');
    const spec = readSpec('x.yaml', text);
    assert.equal(spec.training.tokens, 20000 * 256 * 131072);
  });

  it('keeps D for SFT data without initialization (trainer.initialize_from from the command line)', () => {
    const text = exportLike.replace('tokenizer:', 'chat_train_urls: ["gs://b/*.jsonl.gz"]\ntokenizer:');
    const spec = readSpec('x.yaml', text);
    assert.equal(spec.training.tokens, 20000 * 256 * 131072);
  });

  // bltnynk/levanter@b6dc7d4 config/gpt2_small_fast_eval.yaml: `data:` (tokenizer gpt2) beside
  // `supervised_data:` — TrainLmConfig had both from levanter@43268e0e; SFTConfig has no `data`.
  // The vocab is data.tokenizer's 50257 (124,439,808), not sft.py's default Llama-2 tokenizer
  // (it was shown as 110,418,432).
  it('reads a file with data and supervised_data as train_lm', () => {
    const text = [
      'data:',
      '  tokenizer: gpt2',
      '  train_urls: ["gs://b/train.jsonl.gz"]',
      'supervised_data:',
      '  mmlu:',
      '    validation_urls: ["gs://b/mmlu.jsonl.gz"]',
      'model:',
      '  type: gpt2',
      '  hidden_dim: 768',
      '  num_heads: 12',
      '  num_layers: 12',
      '  seq_len: 1024',
      'trainer:',
      '  train_batch_size: 256',
      '  num_train_steps: 20000',
      '',
    ].join('\n');
    const spec = readSpec('x.yaml', text);
    assert.equal(countParams(spec.architecture!).total, 124_439_808);
    assert.equal(spec.training.tokens, 20000 * 256 * 1024);
  });

  // sft_mixture.py SFTMixtureConfig (a file with mixture_weights) defaults model_name_or_path and
  // tokenizer to marin-community/marin-8b-base, not sft.py's NousResearch/Llama-2-7b-hf: without
  // them the model is not Llama-2-7B (it was shown as 6,738,415,616).
  it('uses SFTMixtureConfig defaults for a mixture file', () => {
    const text = [
      'supervised_data:',
      '  tulu:',
      '    cache_dir: gs://bucket/tulu',
      'mixture_weights:',
      '  tulu: 1.0',
      'max_seq_len: 4096',
      'model:',
      '  type: llama',
      'trainer:',
      '  train_batch_size: 128',
      '  num_train_steps: 100',
      'initialize_from_hf: true',
      '',
    ].join('\n');
    const spec = readSpec('x.yaml', text);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('marin-community/marin-8b-base')));
  });
});

describe('Levanter model section that is not a mapping', () => {
  // stanford-crfm/levanter config/mpt_7b_continued.yaml @ blob 724cd689 (2023-06): `model: mpt` with
  // initialize_from_hf: true + use_hf_model_config. It was read as "model section absent" → the
  // default LlamaConfig → meta-llama/Llama-2-7b-hf, N = 6,888,140,800 with the neox vocab; draccus
  // decode_choice_class rejects a bare choice name, and the model meant was MPT: N unknown.
  const text = [
    'data:',
    '  train_urls: ["gs://b/train.jsonl.zst"]',
    '  tokenizer: "EleutherAI/gpt-neox-20b"',
    'model: mpt',
    'initialize_from_hf: true',
    'use_hf_model_config: true',
    'trainer:',
    '  train_batch_size: 1024',
    '  num_train_steps: 10000',
    '',
  ].join('\n');

  it('gives N unknown for `model: <name>` instead of the default LlamaConfig', () => {
    const spec = readSpec('x.yaml', text);
    assert.equal(spec.architecture, undefined);
    assert.notEqual(spec.modelName, 'meta-llama/Llama-2-7b-hf');
    assert.ok(spec.diagnostics.some((d) => d.message.includes('`model: mpt`')));
  });

  it('does so for a known type name too', () => {
    const spec = readSpec('x.yaml', text.replace('model: mpt', 'model: llama'));
    assert.equal(spec.architecture, undefined);
  });
});

describe('Levanter model types', () => {
  it('counts GemmaConfig defaults (google/gemma-2b) and Gemma-2/3 norms and QK norm', () => {
    assert.equal(total(inline('  type: gemma\n', 'google/gemma-2b')), 2_506_172_416);
    // Gemma2DecoderLayer has four norms per layer.
    assert.equal(total(inline('  type: gemma2\n', 'google/gemma-2b')), 2_506_172_416 + 18 * 2 * 2048);
    // Gemma-3 adds q/k norms over head_size 256.
    assert.equal(
      total(inline('  type: gemma3\n', 'google/gemma-2b')),
      2_506_172_416 + 18 * 2 * 2048 + 18 * 2 * 256,
    );
    // Gemma3Config.attention_config (gemma.py) builds the q/k norms whatever use_qk_norm says.
    assert.equal(
      total(inline('  type: gemma3\n  use_qk_norm: false\n', 'google/gemma-2b')),
      2_506_172_416 + 18 * 2 * 2048 + 18 * 2 * 256,
    );
    // Gemma2Config honours it.
    assert.equal(
      total(inline('  type: gemma2\n  use_qk_norm: true\n', 'google/gemma-2b')),
      2_506_172_416 + 18 * 2 * 2048 + 18 * 2 * 256,
    );
  });

  it('gives N unknown when a Gemma head_dim disagrees with hidden_dim / num_heads', () => {
    assert.equal(total(inline('  type: gemma\n  head_dim: 256\n', 'google/gemma-2b')), 2_506_172_416);
    assert.equal(
      total(
        inline('  type: gemma\n  hidden_dim: 3072\n  num_heads: 16\n  head_dim: 256\n', 'google/gemma-2b'),
      ),
      undefined,
    );
  });

  it('counts Qwen2 qkv biases, Qwen3 head QK norm, hybrid norms and an embedding norm', () => {
    assert.equal(total(inline('  type: llama\n')), LLAMA_DEFAULTS_GPT2_VOCAB);
    assert.equal(total(inline('  type: qwen\n')), LLAMA_DEFAULTS_GPT2_VOCAB + 32 * 3 * 4096);
    assert.equal(total(inline('  type: qwen3\n')), LLAMA_DEFAULTS_GPT2_VOCAB + 32 * 2 * 128);
    assert.equal(
      total(inline('  type: llama\n  hybrid_norm: true\n')),
      LLAMA_DEFAULTS_GPT2_VOCAB + 32 * 2 * 4096,
    );
    assert.equal(
      total(inline('  type: llama\n  input_embedding_norm: true\n')),
      LLAMA_DEFAULTS_GPT2_VOCAB + 4096,
    );
  });

  it('keeps MistralLMHeadModel untied whatever tie_word_embeddings says', () => {
    const spec = readSpec('x.yaml', inline('  type: mistral\n  tie_word_embeddings: true\n'));
    assert.equal(spec.architecture!.tiedEmbeddings, false);
  });

  it('reads MixtralConfig n_routed_experts, and rejects a field it does not have', () => {
    const spec = readSpec(
      'x.yaml',
      inline('  type: mixtral\n  n_routed_experts: 16\n  num_experts_per_tok: 1\n'),
    );
    assert.equal(spec.architecture!.moe!.nExperts, 16);
    assert.equal(spec.architecture!.moe!.expertsPerToken, 1);
    const wrong = readRunConfig(inline('  type: mixtral\n  num_local_experts: 16\n'), {});
    assert.equal(wrong.kind, 'run-config');
    if (wrong.kind !== 'run-config') return;
    assert.equal(wrong.spec.architecture, undefined);
    assert.ok(wrong.spec.diagnostics.some((d) => d.message.startsWith('unknown: model.num_local_experts')));
  });

  it('gives N unknown for a field of another type and for a model without type', () => {
    for (const text of [inline('  type: llama\n  mlp_scale: 8\n'), inline('  hidden_dim: 512\n')]) {
      const result = readRunConfig(text, {});
      assert.equal(result.kind, 'run-config');
      if (result.kind !== 'run-config') continue;
      assert.equal(result.spec.architecture, undefined);
      assert.ok(result.spec.diagnostics.some((d) => d.message.startsWith('unknown:')));
    }
  });

  it('gives N unknown when the vocab is sharded and rounded for partitioning', () => {
    const text = inline(
      '  type: llama\n',
      'gpt2',
      '  model_axis_size: 4\n  tensor_parallel_axes: ["mlp", "heads", "vocab"]\n',
    );
    assert.equal(total(text), undefined);
    const harmless = inline(
      '  type: llama\n',
      'gpt2',
      '  model_axis_size: 4\n  tensor_parallel_axes: ["mlp", "heads"]\n',
    );
    assert.equal(total(harmless), LLAMA_DEFAULTS_GPT2_VOCAB);
  });

  it('uses the model section when use_hf_model_config has no initialize_from_hf, and names an unknown checkpoint', () => {
    assert.equal(total(`${inline('  type: llama\n')}use_hf_model_config: true\n`), LLAMA_DEFAULTS_GPT2_VOCAB);
    const result = readRunConfig(
      `${inline('  type: llama\n')}initialize_from_hf: "my-org/secret-7b"\nuse_hf_model_config: true\n`,
      {},
    );
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.architecture, undefined);
    assert.ok(result.spec.diagnostics.some((d) => d.message.includes('my-org/secret-7b')));
  });
});

describe('Levanter inventory', () => {
  const configs = (): InventoryConfig[] => {
    const own = [
      'llama2_nano.yaml',
      'gpt2_nano.yaml',
      'olmo2_sft.yaml',
      'llama_tiny_include.yaml',
      'mistral_defaults_schedule.yaml',
    ].map((f) => ({
      path: fixturePath('levanter', f),
      text: fixture('levanter', f),
    }));
    const shared = HAS_SHARED
      ? [...loadManifest('configs-b'), ...loadManifest('configs-c')]
          .filter((e) => e.framework === 'levanter')
          .map((e) => ({ path: e.path, text: readFileSync(e.path, 'utf8') }))
      : [];
    return [...own, ...shared];
  };

  it('lists every key the reader uses', () => {
    assert.deepEqual(unlistedUsedKeys(levanterReader, configs()), []);
  });

  it('lists no not-modelled key: every key that changes N is counted or made unknown by the reader', () => {
    // n_shared_experts was the last one (now counted); vocab rounding depends on several keys at
    // once, so the reader, not the inventory, makes N unknown for it (tested below on every config).
    assert.deepEqual(
      levanterReader.inventory!.entries.filter((e) => e.status === 'not-modelled').map((e) => e.key),
      [],
    );
  });

  it('makes N unknown, naming the key, when any config maps vocab to a mesh axis larger than one', () => {
    const edits: [string, (text: string) => string][] = [
      [
        'trainer.tensor_parallel_axes',
        (t) =>
          injectYaml(
            /^\s*model_axis_size:/m.test(t)
              ? t.replace(/^(\s*model_axis_size:).*$/m, '$1 2')
              : injectYaml(t, 'trainer.model_axis_size', 2),
            'trainer.tensor_parallel_axes',
            null,
          ).replace('tensor_parallel_axes: null', 'tensor_parallel_axes: [vocab]'),
      ],
      [
        'trainer.fsdp_axis',
        (t) =>
          injectYaml(t, 'trainer.fsdp_axis', null).replace('fsdp_axis: null', 'fsdp_axis: [embed, vocab]'),
      ],
      [
        'trainer.parameter_axis_resources.vocab',
        (t) =>
          injectYaml(t, 'trainer.parameter_axis_resources', null).replace(
            'parameter_axis_resources: null',
            'parameter_axis_resources:\n    vocab: data',
          ),
      ],
    ];
    const failures: string[] = [];
    for (const config of configs()) {
      const before = readRunConfig(config.text, { path: config.path, readFile: diskReadFile });
      if (before.kind !== 'run-config' || !before.spec.architecture) continue;
      for (const [key, edit] of edits) {
        // A config that writes the key already would get it twice; the other edits cover it.
        const leafKey = key.split('.')[1];
        if (new RegExp(`^\\s*${leafKey}:`, 'm').test(config.text)) continue;
        const result = readRunConfig(edit(config.text), { path: config.path, readFile: diskReadFile });
        const spec = result.kind === 'run-config' ? result.spec : undefined;
        if (spec?.architecture) failures.push(`${key} in ${config.path}: N still shown`);
        if (!spec?.diagnostics.some((d) => d.code === 'not-modelled-key' && d.message.includes(key)))
          failures.push(`${key} in ${config.path}: no diagnostic names the key`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

// Shapes from stanford-crfm/levanter@9263f81e: layers/attention.py Attention.init (q d → h·hs,
// k/v d → kv·hs, o h·hs → d; q_norm/k_norm over head_size when qk_norm), llama.py LlamaMlp
// (gate/up d → f, down f → d), LlamaDecoderLayer (2 norms, +2 with hybrid_norm), LlamaEmbedding
// (a norm with input_embedding_norm), mixtral.py MixtralSparseMoeBlock / MixtralDecoderLayer.
describe('Levanter audit against the model code', () => {
  // d 256, 4 heads (2 kv) of 64, f 512, 2 layers, gpt2 vocab 50257, untied (Llama default).
  const d = 256;
  const f = 512;
  const vocab = 50257;
  const dims =
    '  hidden_dim: 256\n  intermediate_dim: 512\n  num_layers: 2\n  num_heads: 4\n  num_kv_heads: 2\n  seq_len: 128\n';
  const attention = (hs: number) => d * 4 * hs + 2 * d * 2 * hs + 4 * hs * d;
  const mlp = 3 * d * f;
  const embeddings = (tied: boolean) => vocab * d * (tied ? 1 : 2);

  it('ignores a Mistral head_dim (MistralConfig.attention_config passes none): N unknown when it disagrees', () => {
    const same = total(inline(`  type: mistral\n${dims}  head_dim: 64\n`));
    assert.equal(same, 2 * (attention(64) + mlp + 2 * d) + d + embeddings(false));
    assert.equal(total(inline(`  type: mistral\n${dims}  head_dim: 32\n`)), undefined);
    // LlamaConfig.attention_config passes head_dim: q/k/v/o are 32 wide per head.
    assert.equal(
      total(inline(`  type: llama\n${dims}  head_dim: 32\n`)),
      2 * (attention(32) + mlp + 2 * d) + d + embeddings(false),
    );
  });

  it('counts hybrid_norm and input_embedding_norm for Qwen3 (LlamaTransformer, LlamaEmbedding)', () => {
    const qk = 2 * 64; // Qwen3 q_norm/k_norm over head_size, RmsNorm weights
    const base = 2 * (attention(64) + qk + mlp + 2 * d) + d + embeddings(false);
    assert.equal(total(inline(`  type: qwen3\n${dims}`)), base);
    assert.equal(total(inline(`  type: qwen3\n${dims}  hybrid_norm: true\n`)), base + 2 * 2 * d);
    assert.equal(total(inline(`  type: qwen3\n${dims}  input_embedding_norm: true\n`)), base + d);
  });

  it('counts input_embedding_norm for Gemma and Qwen (LlamaEmbedding), weight only for Gemma', () => {
    const gemma = 2 * (attention(64) + mlp + 2 * d) + d + embeddings(true);
    assert.equal(total(inline(`  type: gemma\n${dims}  head_dim: 64\n`)), gemma);
    assert.equal(
      total(inline(`  type: gemma\n${dims}  head_dim: 64\n  input_embedding_norm: true\n`)),
      gemma + d,
    );
    // QwenConfig: q/k/v biases always, none on o_proj.
    const qwen = 2 * (attention(64) + 4 * 64 + 2 * 2 * 64 + mlp + 2 * d) + d + embeddings(false);
    assert.equal(total(inline(`  type: qwen\n${dims}`)), qwen);
    assert.equal(total(inline(`  type: qwen\n${dims}  input_embedding_norm: true\n`)), qwen + d);
  });

  it('counts a Mixtral shared expert as one LlamaMlp of intermediate_dim, whatever n_shared_experts is', () => {
    const experts = '  n_routed_experts: 4\n  num_experts_per_tok: 2\n';
    const moe = 4 * mlp + d * 4; // w1/w2/w3 per expert and the gate Linear(d → experts)
    const plain = 2 * (attention(64) + moe + 2 * d) + d + embeddings(false);
    assert.equal(total(inline(`  type: mixtral\n${dims}${experts}`)), plain);
    for (const n of [1, 3]) {
      assert.equal(
        total(inline(`  type: mixtral\n${dims}${experts}  n_shared_experts: ${n}\n`)),
        plain + 2 * mlp,
      );
    }
  });

  it('keeps an HF head_dim only where from_hf_config carries it (Qwen3), else N is unknown', () => {
    const hf = (type: string, id: string) =>
      readSpec(
        'x.yaml',
        inline(`  type: ${type}\n`, 'gpt2', `initialize_from_hf: "${id}"\nuse_hf_model_config: true\n`),
      );
    // Qwen/Qwen3-0.6B: hidden 1024, 16 heads of head_dim 128 (≠ 1024 / 16), 8 kv heads.
    const qwen3 = hf('qwen3', 'Qwen/Qwen3-0.6B').architecture!;
    assert.equal(qwen3.headDim, 128);
    assert.equal(
      countParams(qwen3).breakdown.attentionPerLayer,
      1024 * 16 * 128 * 2 + 2 * 1024 * 8 * 128 + 2 * 128,
    );
    // google/gemma-2-9b: head_dim 256 ≠ 3584 / 16; Gemma2Config.attention_config drops head_dim.
    const gemma = hf('gemma2', 'google/gemma-2-9b');
    assert.equal(gemma.architecture, undefined);
    assert.ok(
      gemma.diagnostics.some((x) => x.code === 'architecture-unknown' && x.message.includes('head_dim')),
    );
  });

  it('makes N unknown for a real config that maps vocab to the model axis once model_axis_size > 1', () => {
    // SOURCE: stanford-crfm/levanter@9263f81e8b453241332c2c0b2d2001bfb2d2241c config/gpt2_20b.yaml
    // (fixtures/gpt2_20b.yaml, verbatim): axis_resources maps vocab to "model".
    const path = fixturePath('levanter', 'gpt2_20b.yaml');
    const text = fixture('levanter', 'gpt2_20b.yaml');
    const readData = (p: string) =>
      p.endsWith('pile_source_old.yaml') ? 'tokenizer: gpt2\n' : diskReadFile(p);
    const spec = readSpec(path, text, readData);
    // Gpt2Config, no biases: c_attn d → 3d, c_proj d → d, MLP d → 4d → d, two LayerNorm weights;
    // 2048 learned positions, tied head, ln_f.
    const h = 6144;
    assert.equal(
      countParams(spec.architecture!).total,
      44 * (4 * h * h + 8 * h * h + 2 * h) + h + vocab * h + 2048 * h,
    );
    const sharded = readSpec(path, text.replace('trainer:\n', 'trainer:\n  model_axis_size: 2\n'), readData);
    assert.equal(sharded.architecture, undefined);
    assert.ok(
      sharded.diagnostics.some(
        (x) => x.code === 'not-modelled-key' && x.message.includes('trainer.axis_resources.vocab'),
      ),
    );
  });
});
