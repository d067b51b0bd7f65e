import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as prettier from 'prettier';
import { llamaLikeHiddenSize, olmoCoreReader } from './reader';
import { OLMO_CORE_FACTORIES, OLMO_CORE_TOKENIZERS } from './tables';
import type { InventoryValue } from '../../inventory';
import { readRunConfig, recognize } from '../../registry';
import { countParams } from '../../../model/params';
import type { ReadOptions, RunSpec } from '../../../types';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import {
  HAS_SHARED,
  REPO_ROOT,
  SHARED_DIR,
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
} from '../../../../../test/helpers';

function readSpec(path: string, options?: ReadOptions, text = readFileSync(path, 'utf8')): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  const spec = (result as { spec: RunSpec }).spec;
  assert.equal(spec.framework, 'olmo-core');
  return spec;
}

const total = (spec: RunSpec) => countParams(spec.architecture!).total;
/** dolma2: 100278 tokens, padded_vocab_size() → 100352 (src/olmo_core/data/tokenizer.py). */
const DOLMA2 = 100352;

describe('OLMo-core launch scripts', () => {
  it(
    'reads configs-c OLMo2-1B.py: olmo2_1B_v2 with the dolma2 padded vocab, 4e12 tokens',
    { skip: SHARED_SKIP },
    () => {
      const spec = readSpec(join(SHARED_DIR, 'configs-c', 'unsupported', 'olmo-core', 'OLMo2-1B.py'));
      assert.equal(total(spec), 1_484_916_736);
      assert.equal(spec.architecture!.vocabSize, DOLMA2);
      assert.equal(spec.training.tokens, 4_000_000_000_000);
      assert.equal(spec.training.steps, Math.ceil(4e12 / (512 * 4096)));
    },
  );

  it('counts olmo2_7B like the OLMo-2 7B trainer config (same architecture, HF count)', () => {
    const spec = readSpec(fixturePath('olmo-core', 'OLMo2-7B.py'));
    assert.equal(total(spec), 7_298_617_344);
    assert.equal(spec.architecture!.qkNorm, 'full');
    assert.equal(spec.architecture!.ffnSize, 11008);
    assert.equal(spec.training.tokens, 4e12);
  });

  it('follows olmo2_32B to hidden 27648 (multiplier 27648/(8·5120/3), multiple of 512) and Duration(x, DurationUnit.tokens)', () => {
    const spec = readSpec(fixturePath('olmo-core', 'OLMo2-32B.py'));
    const arch = spec.architecture!;
    assert.equal(arch.ffnSize, 27648);
    assert.equal(arch.nKvHeads, 8);
    const d = 5120;
    const layer = d * d * 2 + 2 * d * 8 * 128 + (d + 8 * 128) + 3 * d * 27648 + 2 * d;
    assert.equal(total(spec), 64 * layer + 2 * DOLMA2 * d + d);
    assert.equal(spec.training.tokens, 6.5e12);
  });

  it('counts olmoe_1B_7B: 64 experts × 1024, top-8, QK norms, dolma2 vocab', () => {
    const spec = readSpec(fixturePath('olmo-core', 'OLMoE-1B-7B.py'));
    const counts = countParams(spec.architecture!);
    // The OLMo-trainer OLMoE-1B-7B (50304 rows) is 6,919,161,856; only the embeddings differ.
    assert.equal(counts.total, 6_919_161_856 + 2 * (DOLMA2 - 50304) * 2048);
    assert.equal(counts.active, 1_282_017_280 + 2 * (DOLMA2 - 50304) * 2048);
    // No max_duration: TrainerConfig's default is one epoch.
    assert.deepEqual(spec.training.missing, ['dataset size']);
    assert.equal(
      readSpec(fixturePath('olmo-core', 'OLMoE-1B-7B.py'), { datasetTokens: 1e12 }).training.tokens,
      1e12,
    );
  });

  it('counts small_hybrid_moe: a dense 2d SwiGLU beside 32 experts, three norms per block', () => {
    const spec = readSpec(fixturePath('olmo-core', 'small-moe.py'));
    const d = 768;
    const layer = 4 * d * d + 2 * d + 3 * d + 3 * d * 2 * d + 32 * 3 * d * 384 + d * 32;
    assert.equal(total(spec), 12 * layer + 2 * DOLMA2 * d + d);
    assert.equal(countParams(spec.architecture!).active, total(spec) - 12 * 28 * 3 * d * 384);
  });

  it('counts llama_like_moe with literal arguments (OLMoE2-large)', () => {
    const spec = readSpec(fixturePath('olmo-core', 'OLMoE2-large.py'));
    const d = 4096;
    const expert = 3 * d * 2048;
    const layer = 4 * d * d + 2 * d + 2 * d + 64 * expert + 3 * d * 2 * d + d * 64;
    assert.equal(total(spec), 32 * layer + 2 * DOLMA2 * d + d);
  });

  it('resolves a module-level TokenizerConfig and olmo2_1B (18 layers) in template.py', () => {
    const spec = readSpec(fixturePath('olmo-core', 'template.py'));
    assert.equal(spec.architecture!.nLayers, 18);
    assert.equal(total(spec), 18 * 67_117_056 + 2 * DOLMA2 * 2048 + 2048);
  });

  it('lets hard_stop (steps) end the run before max_duration (tokens)', () => {
    const spec = readSpec(fixturePath('olmo-core', 'OLMo-3-1025-7B-pretrain-1.py'));
    assert.equal(spec.training.tokens, 597046 * 4 * 1024 * 1024);
    assert.match(spec.training.formula!, /hard_stop/);
    assert.equal(total(spec), 7_298_617_344);
  });

  it('counts llama3_8B, llama2_7B and qwen3_0_6B (tied, head QK norm) like their published checkpoints', () => {
    const text = fixture('olmo-core', 'OLMo2-7B.py');
    const call = 'TransformerConfig.olmo2_7B(vocab_size=common.tokenizer.padded_vocab_size())';
    const count = (factory: string) =>
      total(readSpec('x.py', undefined, text.replace(call, `TransformerConfig.${factory}`)));
    assert.equal(count('llama3_8B(vocab_size=128256)'), 8_030_261_248); // meta-llama/Meta-Llama-3-8B
    assert.equal(count('llama2_7B(vocab_size=32000)'), 6_738_415_616); // meta-llama/Llama-2-7b-hf
    assert.equal(count('qwen3_0_6B(vocab_size=151936)'), 596_049_920); // Qwen/Qwen3-0.6B
  });

  // allenai/OLMo-core d502b7eef (2025-03-26, first in v2.1.0) gave olmo2_1B hidden_size_multiplier
  // 1.5 and moved olmo2_370M / olmo2_3B from 1.4 to 1.5: historical scripts of v2.0.x (e.g.
  // OLMo-core@8919dff1a src/scripts/train/OLMo2-1B.py) ran a 5632-wide MLP, 283,115,520 fewer
  // parameters than the count shown. The count stays fa6c5014's, with a warning saying so.
  it('warns that olmo2_1B, olmo2_370M and olmo2_3B had other shapes before OLMo-core v2.1.0', () => {
    const text = fixture('olmo-core', 'OLMo2-7B.py');
    const call = 'TransformerConfig.olmo2_7B(vocab_size=common.tokenizer.padded_vocab_size())';
    const read = (factory: string) =>
      readSpec('x.py', undefined, text.replace(call, `TransformerConfig.${factory}(vocab_size=100352)`));
    for (const factory of ['olmo2_1B', 'olmo2_370M', 'olmo2_3B']) {
      const spec = read(factory);
      assert.ok(spec.architecture, factory);
      assert.ok(
        spec.diagnostics.some((d) => d.code === 'version-dependent' && d.message.includes('v2.0.1')),
        factory,
      );
    }
    assert.equal(total(read('olmo2_1B')), 18 * 67_117_056 + 2 * DOLMA2 * 2048 + 2048);
    const unchanged = read('olmo2_1B_v2');
    assert.ok(!unchanged.diagnostics.some((d) => d.code === 'version-dependent'));
  });

  it('makes N unknown when the script changes the config after the factory call', () => {
    const spec = readSpec(fixturePath('olmo-core', 'OLMo-hybrid-7B.py'));
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.startsWith('unknown:') && d.message.includes('config')));
    assert.ok(spec.paramsMissing?.length);
  });

  it('makes N unknown for a factory whose blocks are not llama-like (nGPT)', () => {
    const spec = readSpec(fixturePath('olmo-core', 'nGPT-1B.py'));
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.message.includes('ngpt') && /not llama-like/.test(d.message)));
    // A name OLMo-core does not define (wrong case) is unknown for that reason, not for its blocks.
    const text = fixture('olmo-core', 'OLMo2-7B.py');
    const typo = readSpec(
      'x.py',
      undefined,
      text.replace('TransformerConfig.olmo2_7B(', 'TransformerConfig.olmo2_7b('),
    );
    assert.equal(typo.architecture, undefined);
    assert.ok(
      typo.diagnostics.some((d) =>
        /olmo2_7b is not a factory OLMo-core@\w+ defines \(names are case-sensitive\)/.test(d.message),
      ),
      typo.diagnostics.map((d) => d.message).join(' | '),
    );
  });

  it('applies factory overrides and refuses arguments the factory fixes', () => {
    const text = fixture('olmo-core', 'OLMo2-7B.py');
    const call = 'TransformerConfig.olmo2_7B(vocab_size=common.tokenizer.padded_vocab_size())';
    assert.ok(text.includes(call));
    const fewer = readSpec('x.py', undefined, text.replace(call, call.replace('())', '(), n_layers=16)')));
    assert.equal(fewer.architecture!.nLayers, 16);
    const gqa = readSpec('x.py', undefined, text.replace(call, call.replace('())', '(), n_kv_heads=8)')));
    assert.equal(gqa.architecture!.nKvHeads, 8);
    // olmo2_7B passes layer_norm_eps itself: a second one is a TypeError in Python.
    const twice = readSpec(
      'x.py',
      undefined,
      text.replace(call, call.replace('())', '(), layer_norm_eps=1e-5)')),
    );
    assert.equal(twice.architecture, undefined);
    // A keyword the inventory does not know makes N unknown, naming it.
    const unknown = readSpec('x.py', undefined, text.replace(call, call.replace('())', '(), frobnicate=3)')));
    assert.equal(unknown.architecture, undefined);
    assert.ok(unknown.diagnostics.some((d) => d.message.includes('frobnicate')));
  });

  it('uses the tokenizer passed to build_config', () => {
    const text = fixture('olmo-core', 'OLMo2-7B.py');
    assert.ok(text.includes('global_batch_size=GLOBAL_BATCH_SIZE,'));
    const gpt2 = text.replace(
      'global_batch_size=GLOBAL_BATCH_SIZE,',
      'global_batch_size=GLOBAL_BATCH_SIZE,\n        tokenizer=TokenizerConfig.gpt2(),',
    );
    assert.equal(readSpec('x.py', undefined, gpt2).architecture!.vocabSize, 50304); // 50257 → 50304
    const hub = text.replace(
      'global_batch_size=GLOBAL_BATCH_SIZE,',
      'global_batch_size=GLOBAL_BATCH_SIZE,\n        tokenizer=TokenizerConfig.from_hf("meta-llama/Llama-3.2-1B"),',
    );
    const spec = readSpec('x.py', undefined, hub);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.paramsMissing?.some((m) => m.includes('from_hf')));
    assert.ok(spec.diagnostics.some((d) => d.message.includes('Hub')));
  });

  it('recognizes OLMo-core scripts and nothing else', () => {
    assert.equal(recognize(fixture('olmo-core', 'OLMo2-7B.py'))?.id, 'olmo-core');
    assert.notEqual(recognize('from torchtitan import x\nTransformerConfig.olmo2_7B(1)\n')?.id, 'olmo-core');
    assert.equal(olmoCoreReader.detect('n_layer = 12\n', undefined), 0);
  });

  it('never throws on truncated scripts', () => {
    const text = fixture('olmo-core', 'OLMoE2-large.py');
    for (const cut of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      const result = readRunConfig(text.slice(0, Math.floor(text.length * cut)), {});
      if (result.kind === 'run-config' && result.spec.architecture)
        assert.ok(Number.isFinite(countParams(result.spec.architecture).total));
    }
  });
});

describe('OLMo-core factory table', () => {
  it('reproduces llama_like hidden sizes for the factories people use', () => {
    assert.equal(llamaLikeHiddenSize(2048, 1.5, 256), 8192); // olmo2_1B_v2
    assert.equal(llamaLikeHiddenSize(4096, null, 256), 11008); // llama2_7B / olmo2_7B
    assert.equal(llamaLikeHiddenSize(4096, 1.3, 1024), 14336); // llama3_8B
    assert.equal(llamaLikeHiddenSize(8192, 1.3, 4096), 28672); // llama2_70B
    assert.equal(llamaLikeHiddenSize(16384, 1.2, 4096), 53248); // llama3_405B
  });

  it('resolves every generated factory chain to llama_like, llama_like_moe or a known non-llama base', () => {
    const bases = new Set(['llama_like', 'llama_like_moe', 'ngpt_like', 'gemma3_like', 'qwen3_5_like']);
    for (const [name, row] of Object.entries(OLMO_CORE_FACTORIES)) {
      let next = row.calls;
      for (let hops = 0; !bases.has(next) && hops < 10; hops++) next = OLMO_CORE_FACTORIES[next]!.calls;
      assert.ok(bases.has(next), `${name} → ${next}`);
    }
    assert.equal(OLMO_CORE_TOKENIZERS.dolma2, 100278);
  });

  // The vendored sources at the recorded commit (or a bare git dir of allenai/OLMo-core in OLMO_CORE_GIT).
  const mirror =
    process.env.OLMO_CORE_GIT ??
    join(REPO_ROOT, 'scripts', 'upstream', 'olmo-core', 'fa6c5014c9f6e9ee789da2d9c20d5126fee8df0d');
  const python = (() => {
    try {
      execFileSync('python3', ['--version']);
      return true;
    } catch {
      return false;
    }
  })();
  it(
    'matches the generator run on the recorded OLMo-core commit',
    { skip: existsSync(mirror) && python ? false : 'no OLMo-core sources or python3' },
    async () => {
      const file = join(REPO_ROOT, 'src/core/config/frameworks/olmo-core/tables.ts');
      const generated = execFileSync(
        'python3',
        [join(REPO_ROOT, 'scripts/gen-olmo-core-factories.py'), mirror],
        {
          encoding: 'utf8',
        },
      );
      const options = { ...((await prettier.resolveConfig(file)) ?? {}), filepath: file };
      assert.equal(await prettier.format(generated, options), readFileSync(file, 'utf8'));
    },
  );
});

describe('OLMo-core inventory', () => {
  const configs = (): InventoryConfig[] => {
    const paths = ['OLMo2-7B.py', 'OLMoE-1B-7B.py', 'template.py'].map((f) => fixturePath('olmo-core', f));
    if (HAS_SHARED) paths.push(join(SHARED_DIR, 'configs-c', 'unsupported', 'olmo-core', 'OLMo2-1B.py'));
    return paths.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  };

  it('lists every key the reader uses', () => {
    assert.deepEqual(unlistedUsedKeys(olmoCoreReader, configs()), []);
  });

  it('makes N unknown, naming the key, for every not-modelled factory argument', () => {
    const inject = (text: string, entry: { key: string }, value: InventoryValue) =>
      text.replace(/(TransformerConfig\.\w+\()/, `$1\n        ${entry.key}=${String(value)},`);
    assert.deepEqual(notModelledKeyFailures(olmoCoreReader, configs(), inject), []);
  });
});
