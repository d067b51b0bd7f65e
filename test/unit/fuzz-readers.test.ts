/**
 * Property tests over mutated real configs: the project's fixtures (always) and ../shared configs
 * (when present), mutated line by line. Fixed seeds and bounded runs keep the file under two
 * minutes on a busy 2-core machine; bench/fuzz-campaign.ts runs the same properties for longer.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeText } from '../../src/core/analyze';
import { READERS } from '../../src/core/config/registry';
import { HAS_SHARED, SHARED_DIR, diskReadFile, fixturePath } from '../helpers';
import {
  INVALID_WORDS,
  PENDING_FRAMEWORKS,
  applyInvalidValue,
  applyMutation,
  applyNeutralMutation,
  checkInvalidValueOracle,
  checkNeutral,
  checkRobust,
  context,
  findNonFinite,
  loadCorpus,
  mutationsArb,
  neutralMutationArb,
} from './fuzz-support';

/** Files above this size (the 100–300 kB OLMo data lists) are mutated in the campaign only. */
const MAX_FUZZED_CHARS = 40_000;
const SEED = 20_240_601;
const corpus = loadCorpus({ maxChars: MAX_FUZZED_CHARS });
const counted = corpus.filter((f) => f.baselineParams !== null);

test('the corpus covers every framework from the fixtures alone', () => {
  // Every registered reader, so a new framework is fuzzed as soon as it has fixtures.
  const frameworks = new Set(loadCorpus({ shared: false }).map((f) => f.framework));
  for (const id of new Set(READERS.map((reader) => reader.id))) {
    assert.ok(frameworks.has(id), `no fixture read as ${id}`);
  }
});

test('mutated configs never throw, hang, or produce NaN/Infinity', () => {
  fc.assert(
    fc.property(fc.nat({ max: corpus.length - 1 }), mutationsArb, (index, mutations) => {
      const file = corpus[index];
      const text = mutations.reduce(applyMutation, file.text);
      checkRobust(text, file.path);
    }),
    { seed: SEED, numRuns: 700, endOnFailure: true, includeErrorInReport: true },
  );
});

test('a comment or a logging/path key edited elsewhere leaves params.total unchanged', () => {
  let applied = 0;
  fc.assert(
    fc.property(fc.nat({ max: counted.length - 1 }), neutralMutationArb, (index, mutation) => {
      const file = counted[index];
      const mutated = applyNeutralMutation(file.text, file.path, mutation);
      if (mutated === undefined) return;
      applied++;
      checkNeutral(file, mutated);
    }),
    { seed: SEED + 1, numRuns: 500, endOnFailure: true, includeErrorInReport: true },
  );
  assert.ok(applied > 200, `only ${applied} neutral mutations applied`);
});

test('an invalid value (a word, an unresolved ${...}) makes N or D unknown, never a different number', () => {
  const owned = counted.filter((f) => !PENDING_FRAMEWORKS.has(f.framework ?? ''));
  fc.assert(
    fc.property(
      fc.nat({ max: owned.length - 1 }),
      fc.nat(),
      fc.constantFrom(...INVALID_WORDS),
      (index, which, word) => {
        const file = owned[index];
        const mutated = applyInvalidValue(file.text, file.path, which, word);
        if (mutated !== undefined) checkInvalidValueOracle(file, mutated, file.baselineTokens);
      },
    ),
    { seed: SEED + 2, numRuns: 400, endOnFailure: true, includeErrorInReport: true },
  );
});

/** Truncate at every `stride`-th position (every position when 1) and check the properties. */
function truncateEverywhere(path: string, stride: number): number {
  const text = diskReadFile(path);
  assert.ok(text !== undefined, path);
  let cases = 0;
  for (let cut = 0; cut <= text.length; cut += stride) {
    try {
      checkRobust(text.slice(0, cut), path);
    } catch (error) {
      assert.fail(`${path} truncated at ${cut}: ${(error as Error).message}`);
    }
    cases++;
  }
  return cases;
}

test(
  'every truncation of a nanoGPT config and an HF config.json is safe',
  { skip: !HAS_SHARED && 'uses fixtures below' },
  () => {
    assert.ok(truncateEverywhere(join(SHARED_DIR, 'configs', 'nanogpt', 'train_gpt2.py'), 1) > 600);
    assert.ok(truncateEverywhere(join(SHARED_DIR, 'configs', 'hf', 'gpt2', 'config.json'), 1) > 600);
  },
);

test(
  'truncations of a Pythia (GPT-NeoX) config, every 4th position, are safe',
  { skip: !HAS_SHARED && 'uses fixtures below' },
  () => {
    assert.ok(truncateEverywhere(join(SHARED_DIR, 'configs', 'gpt-neox_pythia', 'pythia-160m.yml'), 4) > 500);
  },
);

test('every truncation of the project fixtures (nanoGPT, torchtitan) is safe', () => {
  truncateEverywhere(fixturePath('nanogpt', 'train_tiny_char.py'), 1);
  truncateEverywhere(fixturePath('torchtitan', 'llama3_8b_global_batch.toml'), 3);
});

// --- Regressions for bugs the fuzzer found --------------------------------------------------------

/** Analyze a fixture with one line replaced. */
function withLine(fixture: string, from: RegExp, to: string) {
  const path = fixturePath(fixture);
  const text = diskReadFile(path)!;
  assert.match(text, from);
  return analyzeText(text.replace(from, to), context(path));
}

function baseline(fixture: string) {
  const path = fixturePath(fixture);
  return analyzeText(diskReadFile(path)!, context(path));
}

test('Levanter: an invalid train_batch_size leaves D unknown instead of the 512 default', () => {
  const result = withLine(
    'levanter/llama_tiny_include.yaml',
    /train_batch_size: \d+/,
    'train_batch_size: four',
  );
  assert.equal(result.analysis?.tokens, null);
  assert.ok(result.diagnostics.some((d) => d.code === 'invalid-value'));
  assert.ok(result.diagnostics.some((d) => d.code === 'tokens-unknown'));
});

test('Levanter: an unresolvable num_layers leaves N unknown instead of the model default', () => {
  const result = withLine(
    'levanter/llama_tiny_include.yaml',
    /num_layers: \d+/,
    'num_layers: ${oc.env:LAYERS}',
  );
  assert.equal(result.analysis?.params, null);
  assert.ok(result.diagnostics.some((d) => d.code === 'interpolation-unresolved'));
  assert.ok(result.diagnostics.some((d) => d.code === 'architecture-unknown'));
});

test('Levanter: an interpolated model type is not read as the gpt2 default', () => {
  const result = withLine(
    'levanter/mistral_defaults_schedule.yaml',
    /type: mistral/,
    'type: "${oc.env:TYPE}"',
  );
  assert.equal(result.analysis?.params, null);
});

test('GPT-NeoX: an unknown activation or norm leaves N unknown', () => {
  for (const [from, to] of [
    [/"activation": "swiglu"/, '"activation": "four"'],
    [/"norm": "rmsnorm"/, '"norm": "four"'],
  ] as const) {
    const result = withLine('gpt-neox/llama-style-gqa.yml', from, to);
    assert.equal(result.analysis?.params, null, String(from));
    assert.ok(result.diagnostics.some((d) => d.code === 'unknown-value'));
  }
});

test('HF config: an invalid num_key_value_heads, tie_word_embeddings or num_experts leaves N unknown', () => {
  assert.equal(
    withLine('hf-config/gemma-2b/config.json', /"num_key_value_heads": 1/, '"num_key_value_heads": "four"')
      .analysis?.params,
    null,
  );
  assert.equal(
    withLine('hf-config/qwen3-moe-tiny/config.json', /"num_experts": 16/, '"num_experts": "16x"').analysis
      ?.params,
    null,
  );
  assert.equal(
    withLine('hf-config/qwen3-moe-tiny/config.json', /"mlp_only_layers": \[0\]/, '"mlp_only_layers": "0"')
      .analysis?.params,
    null,
  );
  assert.equal(
    withLine('hf-config/phi-2/config.json', /"tie_word_embeddings": false/, '"tie_word_embeddings": "no"')
      .analysis?.params,
    null,
  );
});

test('LitGPT: a non-boolean bias, an unknown mlp class or tie_embeddings leaves N unknown', () => {
  assert.equal(
    withLine('litgpt/pretrain/micro-moe.yaml', /bias: false/, 'bias: four').analysis?.params,
    null,
  );
  assert.equal(
    withLine('litgpt/pretrain/micro-moe.yaml', /mlp_class_name: LLaMAMoE/, 'mlp_class_name: four').analysis
      ?.params,
    null,
  );
  assert.equal(
    withLine('litgpt/pretrain/micro-moe.yaml', /tie_embeddings: true/, 'tie_embeddings: four').analysis
      ?.params,
    null,
  );
});

test('LitGPT: an invalid max_seq_length leaves D unknown instead of using block_size', () => {
  const result = withLine('litgpt/pretrain/micro-moe.yaml', /max_seq_length: 512/, 'max_seq_length: four');
  assert.equal(result.analysis?.tokens, null);
  assert.ok(result.analysis?.params, 'N is still counted');
});

test('nanoGPT: a non-literal n_layer or max_iters leaves N or D unknown instead of train.py defaults', () => {
  const layers = withLine('nanogpt/train_tiny_char.py', /n_layer = 4/, 'n_layer = four');
  assert.equal(layers.analysis?.params, null);
  assert.ok(layers.diagnostics.some((d) => d.code === 'architecture-unknown'));
  const iters = withLine(
    'nanogpt/train_tiny_char.py',
    /max_iters = 3000/,
    'max_iters = int(os.environ["STEPS"])',
  );
  assert.equal(iters.analysis?.tokens, null);
  assert.equal(iters.analysis?.params?.total, baseline('nanogpt/train_tiny_char.py').analysis?.params?.total);
});

test('nanoGPT: a NaN-looking value is quoted in the message, not printed bare', () => {
  const result = withLine('nanogpt/train_tiny_char.py', /block_size = 128/, 'block_size = NaN');
  const message = result.diagnostics.find((d) => d.code === 'unsupported-expression')?.message ?? '';
  assert.match(message, /`block_size = NaN`/);
});

test('torchtitan: a string global_batch_size leaves D unknown instead of local batch × DP', () => {
  const result = withLine(
    'torchtitan/llama3_8b_global_batch.toml',
    /global_batch_size = 64/,
    'global_batch_size = "four"',
  );
  assert.equal(result.analysis?.tokens, null);
  assert.ok(result.diagnostics.some((d) => d.code === 'tokens-unknown'));
});

test('llm-foundry and OLMo: an unknown ffn_type / activation_type leaves N unknown', () => {
  assert.equal(
    withLine('llm-foundry/mpt-gqa-glu.yaml', /ffn_type: mptglu/, 'ffn_type: four').analysis?.params,
    null,
  );
  assert.equal(
    withLine('llm-foundry/mpt-gqa-glu.yaml', /attn_type: grouped_query_attention/, 'attn_type: four').analysis
      ?.params,
    null,
  );
  assert.equal(
    withLine('olmo/OLMo-tiny-tied.yaml', /activation_type: swiglu/, 'activation_type: four').analysis?.params,
    null,
  );
});

test('OLMo: an unresolvable run_name does not hide N (a display name does not change the count)', () => {
  const base = baseline('olmo/OLMo-tiny-tied.yaml').analysis?.params?.total;
  const result = withLine('olmo/OLMo-tiny-tied.yaml', /^run_name: .*$/m, 'run_name: ${oc.env:USER}');
  assert.equal(result.analysis?.params?.total, base);
});

test('huge values (1e308, 30 digits) give a diagnostic, never Infinity', () => {
  const cases: [string, RegExp, string][] = [
    ['levanter/llama_tiny_include.yaml', /hidden_dim: \d+/, 'hidden_dim: 1e308'],
    [
      'gpt-neox/small-learned-pos.yml',
      /"hidden[-_]size": \d+/,
      '"hidden_size": 999999999999999999999999999999',
    ],
    ['nanogpt/train_tiny_char.py', /max_iters = 3000/, 'max_iters = 10**300'],
    ['nanogpt/train_tiny_char.py', /max_iters = 3000/, 'max_iters = 1000000000000000000000'],
  ];
  for (const [fixture, from, to] of cases) {
    const result = withLine(fixture, from, to);
    assert.equal(findNonFinite(result), undefined, `${fixture}: ${to}`);
    assert.ok(result.diagnostics.length > 0, `${fixture}: ${to} has a diagnostic`);
  }
});
