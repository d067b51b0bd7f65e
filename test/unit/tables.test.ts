import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  HF_TIED_EMBEDDINGS,
  LIT_MODEL_ROWS,
  findLitModel,
} from '../../src/core/config/frameworks/litgpt/models';
import { findHfModel } from '../../src/core/config/frameworks/llm-foundry/hf-models';
import { allCheckpoints, findCheckpoint } from '../../src/core/config/tables/checkpoints';
import { LITGPT_SOURCE } from '../../src/core/config/tables/litgpt-configs.generated';
import { TOKENIZERS, findTokenizer } from '../../src/core/config/tables/tokenizers';
import { HF_CONFIG_CHECKPOINTS } from '../../src/core/config/tables/hf-config-checkpoints';
import { readHfConfigObject } from '../../src/core/config/frameworks/hf-config/reader';
import { countParams } from '../../src/core/model/params';
import { REPO_ROOT } from '../helpers';

describe('generated LitGPT table', () => {
  it('is what the generator writes from the vendored config.py (no diff)', async () => {
    const generator = (await import(join(REPO_ROOT, 'scripts', 'gen-litgpt-models.mjs'))) as {
      renderTable: () => Promise<string>;
      LITGPT_COMMIT: string;
    };
    const current = readFileSync(
      join(REPO_ROOT, 'src', 'core', 'config', 'tables', 'litgpt-configs.generated.ts'),
      'utf8',
    );
    assert.equal(await generator.renderTable(), current);
    assert.equal(generator.LITGPT_COMMIT, LITGPT_SOURCE.commit);
  });

  it('interprets the loops config.py uses and refuses an unevaluable count field', async () => {
    const generator = (await import(join(REPO_ROOT, 'scripts', 'gen-litgpt-models.mjs'))) as {
      litgptConfigs: (source: string) => { rows: Record<string, unknown>[]; dropped: string[] };
    };
    const source = [
      'configs = [dict(name="a{}", hf_config=dict(org="o", name="A{}"), n_layer=2)]',
      'extra = [dict(name="skip", n_embd=4 * 16), dict(name="b", sliding_window_indices=[1 for i in range(4)])]',
      'for c in extra:',
      '    if c["name"] in ("skip",):',
      '        continue',
      '    configs.append(c)',
      'configs.sort()',
      '',
    ].join('\n');
    assert.throws(() => generator.litgptConfigs(source)); // `.sort()` is not a supported call: fail, never guess
    const ok = generator.litgptConfigs(source.split('\n').slice(0, 6).join('\n') + '\n');
    assert.deepEqual(
      ok.rows.map((r) => r.name),
      ['a{}', 'b'],
    );
    assert.deepEqual(ok.dropped, ['sliding_window_indices']);
    assert.throws(
      () => generator.litgptConfigs('configs = [dict(name="x", n_layer=[i for i in range(2)])]\n'),
      /n_layer: cannot evaluate/,
    );
  });

  it('has every config.py row, variant loops expanded, names unique', () => {
    // 210 rows at 26857050: e.g. the pythia loop adds -deduped for all but 14m/31m.
    assert.equal(LIT_MODEL_ROWS.length, 210);
    assert.equal(new Set(LIT_MODEL_ROWS.map((r) => r.name)).size, LIT_MODEL_ROWS.length);
    assert.equal(findLitModel('pythia-14m-deduped'), undefined);
    assert.equal(findLitModel('pythia-70m-deduped')?.hf_config.name, 'pythia-70m-deduped');
    assert.equal(findLitModel('Llama-3.3-70B-Instruct')?.hf_config.org, 'meta-llama');
    assert.equal(findLitModel('Llama-3.3-70B'), undefined); // the loop `continue`s for 3.3
    assert.equal(findLitModel('tiny-llama-1.1b-chat')?.hf_config.name, 'TinyLlama-1.1B-Chat-v1.0');
    assert.equal(findLitModel('Qwen3-30B-A3B-Thinking-2507')?.n_expert, 128);
    assert.equal(findLitModel('meta-llama/Meta-Llama-3-8B')?.name, 'Llama-3-8B');
  });

  it('has a tying rule that matches a known HF count for each family', () => {
    for (const rule of HF_TIED_EMBEDDINGS) assert.ok(rule.source.length > 10);
  });
});

describe('checkpoint table', () => {
  // Published counts (model cards / safetensors metadata; HF counts tied tensors once).
  const known: [string, number, number?][] = [
    ['meta-llama/Meta-Llama-3.1-8B', 8_030_261_248],
    ['meta-llama/Llama-2-7b-hf', 6_738_415_616],
    ['meta-llama/Llama-3.2-1B', 1_235_814_400],
    ['meta-llama/Llama-3.2-3B-Instruct', 3_212_749_824],
    ['meta-llama/Meta-Llama-3.1-405B', 405_853_388_800],
    ['tiiuae/falcon-7b', 6_921_720_704],
    ['microsoft/Phi-3-mini-4k-instruct', 3_821_079_552],
    ['microsoft/phi-2', 2_779_683_840],
    ['microsoft/phi-4', 14_659_507_200],
    ['mistralai/Mistral-7B-v0.1', 7_241_732_096],
    ['mistralai/Mistral-7B-v0.3', 7_248_023_552],
    ['mistralai/Mixtral-8x7B-v0.1', 46_702_792_704, 12_879_925_248],
    ['google/gemma-2b', 2_506_172_416],
    ['google/gemma-7b', 8_537_680_896],
    ['google/gemma-2-9b', 9_241_705_984],
    ['google/gemma-3-1b-it', 999_885_952],
    ['Qwen/Qwen2.5-7B', 7_615_616_512],
    ['Qwen/Qwen2.5-0.5B', 494_032_768],
    ['Qwen/Qwen2-7B', 7_615_616_512],
    ['Qwen/Qwen3-30B-A3B', 30_532_122_624, 3_353_032_704],
    ['EleutherAI/pythia-160m', 162_322_944],
    ['EleutherAI/pythia-12b', 11_846_072_320],
    ['EleutherAI/gpt-neox-20b', 20_554_567_680],
    ['HuggingFaceTB/SmolLM2-135M', 134_515_008],
    ['HuggingFaceTB/SmolLM-135M', 134_515_008],
    ['allenai/OLMo-1B-hf', 1_176_764_416],
    ['allenai/OLMo-7B-hf', 6_888_095_744],
    ['allenai/OLMo-2-1124-7B', 7_298_617_344],
    ['allenai/OLMo-2-0425-1B', 1_484_916_736],
    ['allenai/OLMoE-1B-7B-0924', 6_919_161_856],
    ['stabilityai/stablelm-3b-4e1t', 2_795_443_200],
    ['TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T', 1_100_048_384],
    ['facebook/opt-125m', 125_239_296],
    ['facebook/opt-1.3b', 1_315_758_080],
    ['facebook/opt-6.7b', 6_658_473_984],
    ['mosaicml/mpt-7b', 6_649_286_656],
    ['deepseek-ai/deepseek-llm-7b-base', 6_910_365_696],
    ['deepseek-ai/DeepSeek-V2-Lite', 15_706_484_224],
    ['gpt2', 124_439_808],
    ['gpt2-xl', 1_557_611_200],
  ];
  for (const [id, total, active] of known) {
    it(`counts ${id} as published`, () => {
      const row = findCheckpoint(id);
      assert.ok(row, id);
      const counts = countParams(row.architecture);
      assert.equal(counts.total, total);
      if (active !== undefined) assert.equal(counts.active, active);
    });
  }

  it('finds rows by path, any case, and a bare name one org publishes', () => {
    assert.equal(findCheckpoint('checkpoints/tiiuae/falcon-7b/')?.id, 'tiiuae/falcon-7b');
    assert.equal(findCheckpoint('META-LLAMA/LLAMA-2-7B-HF')?.id, 'meta-llama/Llama-2-7b-hf');
    assert.equal(findCheckpoint('/models/Mistral-7B-v0.1')?.id, 'mistralai/Mistral-7B-v0.1');
    assert.equal(findCheckpoint('openai-community/gpt2')?.id, 'gpt2');
    assert.equal(findCheckpoint('no/such-model'), undefined);
    assert.equal(findCheckpoint(''), undefined);
  });

  it('leaves out checkpoints whose shape or tying the sources do not give', () => {
    // Multimodal Gemma-3 checkpoints (LitGPT loads the text model only); unknown tying.
    assert.equal(findCheckpoint('google/gemma-3-4b-it'), undefined);
    assert.equal(findCheckpoint('tiiuae/Falcon3-7B-Base'), undefined);
    assert.equal(findCheckpoint('garage-bAInd/Platypus2-70B'), undefined);
  });

  it('covers the families configs name', () => {
    const ids = allCheckpoints().map((r) => r.id);
    for (const family of [
      /Llama-2/,
      /Llama-3\.1/,
      /Llama-3\.2/,
      /Llama-3\.3/,
      /Mistral/,
      /Mixtral/,
      /Qwen2-/,
      /Qwen2\.5/,
      /Qwen3-\d+B-A/,
      /gemma-2b/,
      /gemma-2-/,
      /gemma-3/,
      /phi-2/,
      /Phi-3/,
      /phi-4/,
      /opt-/,
      /falcon/,
      /stablelm/,
      /SmolLM-/,
      /SmolLM2/,
      /OLMo-1B/,
      /OLMo-2/,
      /OLMoE/,
      /DeepSeek/,
      /^gpt2/,
      /pythia/,
      /mpt/,
    ]) {
      assert.ok(
        ids.some((id) => family.test(id)),
        String(family),
      );
    }
  });

  it('has unique ids, finite counts and a source on every row', () => {
    const rows = allCheckpoints();
    assert.ok(rows.length >= 200);
    assert.equal(new Set(rows.map((r) => r.id.toLowerCase())).size, rows.length);
    for (const row of rows) {
      const { total } = countParams(row.architecture);
      assert.ok(Number.isSafeInteger(total) && total > 0, row.id);
      assert.ok(row.source && row.modelType, row.id);
    }
  });

  it('keeps llm-foundry findHfModel on the shared table (override model types only)', () => {
    assert.equal(findHfModel('meta-llama/Llama-2-7b-hf')?.modelType, 'llama');
    assert.equal(findHfModel('openai-community/gpt2')?.modelType, 'gpt2');
    assert.equal(findHfModel('mistralai/Mistral-7B-v0.1')?.modelType, 'mistral');
    assert.equal(findHfModel('facebook/opt-125m')?.modelType, 'opt');
    assert.equal(findHfModel('Qwen/Qwen2.5-7B'), undefined);
  });
});

describe('checkpoint rows from vendored config.json texts', () => {
  it('each row is in the table as the config.json reader counts its verbatim config', () => {
    assert.ok(HF_CONFIG_CHECKPOINTS.length >= 4);
    for (const { id, source, config } of HF_CONFIG_CHECKPOINTS) {
      const row = findCheckpoint(id);
      assert.ok(row, id);
      // The vendored row, not a LitGPT or hand-written one of the same id.
      assert.ok(row.source.includes(`${source.repo}@${source.commit.slice(0, 12)} ${source.path}`), id);
      assert.match(source.commit, /^[0-9a-f]{40}$/);
      const spec = readHfConfigObject(config)!;
      assert.equal(spec.paramsMissing, undefined, id);
      assert.deepEqual(row.architecture, spec.architecture);
      assert.equal(row.modelType, config.model_type);
      assert.equal(row.architecture.vocabSize, config.vocab_size);
      assert.ok(!LIT_MODEL_ROWS.some((r) => `${r.hf_config.org}/${r.hf_config.name}` === id), id);
    }
  });

  // Published totals: the safetensors / pytorch_model.bin index vendored beside the config.json
  // (metadata.total_size in bytes, bf16 = 2 bytes a parameter), else the count from the shapes.
  const counts: [string, number, string][] = [
    // huggingface/transformers@f092c38c examples/pytorch/torchacc/qwen/Qwen1.5-7B/
    // model.safetensors.index.json total_size 15,442,649,088 (bf16).
    ['Qwen/Qwen1.5-7B', 15_442_649_088 / 2, 'safetensors index'],
    // dandelionsllm/pandallm@dbf4dd59 models/mpt/pytorch_model.bin.index.json total_size
    // 59,914,401,792 (bf16); 48·(12·7168² + 2·7168) + 50432·7168 + 7168, no biases, tied, ALiBi.
    ['mosaicml/mpt-30b', 59_914_401_792 / 2, 'pytorch_model.bin index'],
    // 2·131072·5120 + 40·(5120·(4096 + 2·1024) + 4096·5120 + 3·5120·14336 + 2·5120) + 5120:
    // head_dim 128 (q width 4096 ≠ hidden 5120), untied.
    [
      'mistralai/Mistral-Nemo-Base-2407',
      2 * 131072 * 5120 + 40 * (5120 * (4096 + 2 * 1024) + 4096 * 5120 + 3 * 5120 * 14336 + 2 * 5120) + 5120,
      'shapes',
    ],
    // 128256·2048 (tied: SmolLM3Config tie_word_embeddings default True, the key is absent) +
    // 36·(2048·(2048 + 2·512) + 2048·2048 + 3·2048·11008 + 2·2048) + 2048.
    [
      'HuggingFaceTB/SmolLM3-3B',
      128256 * 2048 + 36 * (2048 * (2048 + 2 * 512) + 2048 * 2048 + 3 * 2048 * 11008 + 2 * 2048) + 2048,
      'shapes',
    ],
  ];
  for (const [id, total, how] of counts) {
    it(`counts ${id} as ${total.toLocaleString('en-US')} (${how})`, () => {
      assert.equal(countParams(findCheckpoint(id)!.architecture).total, total);
    });
  }
  it('pins the published totals', () => {
    assert.deepEqual(
      counts.map(([, total]) => total),
      [7_721_324_544, 29_957_200_896, 12_247_782_400, 3_075_098_624],
    );
  });

  it('gives the count through the readers that name a checkpoint', async () => {
    const { analyzeText, DEFAULT_ANALYSIS_SETTINGS } = await import('../../src/core/analyze');
    const total = (text: string, path: string) =>
      analyzeText(text, { path }, DEFAULT_ANALYSIS_SETTINGS).analysis?.params?.total;
    const axolotl = (model: string) =>
      `base_model: ${model}\nsequence_len: 2048\nmicro_batch_size: 1\ngradient_accumulation_steps: 1\nnum_epochs: 1\ndatasets:\n  - path: tatsu-lab/alpaca\n    type: alpaca\noptimizer: adamw_torch\nlearning_rate: 2e-5\n`;
    for (const [id, expected] of counts) assert.equal(total(axolotl(id), 'axolotl.yaml'), expected, id);
    const foundry = (model: string) =>
      `max_seq_len: 2048\nglobal_train_batch_size: 8\nmax_duration: 10ba\nmodel:\n  name: hf_causal_lm\n  pretrained_model_name_or_path: ${model}\n  pretrained: true\n`;
    assert.equal(total(foundry('Qwen/Qwen1.5-7B'), 'foundry.yaml'), 7_721_324_544);
    assert.equal(total(foundry('mistralai/Mistral-Nemo-Base-2407'), 'foundry.yaml'), 12_247_782_400);
  });
});

describe('tokenizer table', () => {
  const sizes: [string, number][] = [
    ['gpt2', 50257],
    ['openai-community/gpt2-large', 50257],
    ['meta-llama/Meta-Llama-3-8B', 128256],
    ['/data/hf/meta-llama/Llama-3.2-1B', 128256],
    ['meta-llama/Llama-2-7b-hf', 32000],
    ['mistralai/Mistral-7B-v0.1', 32000],
    ['mistralai/Mistral-7B-Instruct-v0.3', 32768],
    ['Qwen/Qwen2-7B', 151646],
    ['Qwen/Qwen2.5-7B', 151665],
    ['Qwen/Qwen3-8B', 151669],
    ['google/gemma-2-9b', 256000],
    ['EleutherAI/gpt-neox-20b', 50277],
    ['EleutherAI/pythia-160m-deduped', 50277],
    ['allenai/OLMo-1B-hf', 50280],
    ['allenai/dolma2-tokenizer', 100278],
    ['HuggingFaceTB/SmolLM2-135M', 49152],
    ['tiiuae/falcon-7b', 65024],
    ['data/20B_tokenizer.json', 50277],
  ];
  for (const [name, size] of sizes) {
    it(`gives len(tokenizer) ${size} for ${name}`, () => assert.equal(findTokenizer(name)?.size, size));
  }

  it('knows nothing it cannot cite', () => {
    assert.equal(findTokenizer('meta-llama/Llama-3.2-11B-Vision'), undefined);
    assert.equal(findTokenizer('google/gemma-3-1b-it'), undefined);
    assert.equal(findTokenizer(''), undefined);
    for (const row of TOKENIZERS) assert.ok(row.source.length > 10 && Number.isInteger(row.size));
  });
});

it('renamed hub ids: meta-llama/Llama-3.1-* is the renamed Meta-Llama-3.1-* (same config.json)', async () => {
  const { analyzeText, DEFAULT_ANALYSIS_SETTINGS } = await import('../../src/core/analyze');
  for (const size of ['8B', '70B', '405B'])
    for (const suffix of ['', '-Instruct']) {
      const renamed = findCheckpoint(`meta-llama/Llama-3.1-${size}${suffix}`);
      const old = findCheckpoint(`meta-llama/Meta-Llama-3.1-${size}${suffix}`);
      assert.ok(renamed && old, size + suffix);
      assert.deepEqual(renamed.architecture, old.architecture);
    }
  // Llama-3.1-8B: 32 layers, d 4096, 32/8 heads, SwiGLU 14336, vocab 128256, untied:
  // 2·128256·4096 + 32·(4096·(4096 + 2·1024 + 4096) + 3·4096·14336 + 2·4096) + 4096 = 8,030,261,248.
  const perLayer = 4096 * (4096 + 2 * 1024 + 4096) + 3 * 4096 * 14336 + 2 * 4096;
  const expected = 2 * 128256 * 4096 + 32 * perLayer + 4096;
  assert.equal(expected, 8_030_261_248);
  const axolotl =
    'base_model: meta-llama/Llama-3.1-8B\nsequence_len: 2048\nmicro_batch_size: 1\ngradient_accumulation_steps: 1\nnum_epochs: 1\ndatasets:\n  - path: tatsu-lab/alpaca\n    type: alpaca\noptimizer: adamw_torch\nlearning_rate: 2e-5\n';
  const a = analyzeText(axolotl, { path: 'axolotl.yaml' }, DEFAULT_ANALYSIS_SETTINGS).analysis!;
  assert.equal(a.params?.total, expected);
});
