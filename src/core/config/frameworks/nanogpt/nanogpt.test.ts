import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { nanogptReader } from './reader';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import type { ReadContext, RunSpec, SourceRange } from '../../../types';
import type { InventoryValue } from '../../inventory';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import {
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
  readSpecAs,
  textAt,
} from '../../../../../test/helpers';

const readSpec = (text: string, context: ReadContext): RunSpec => readSpecAs('nanogpt', text, context);

describe('nanoGPT reader on the shared corpus', { skip: SHARED_SKIP }, () => {
  const entries = SHARED_SKIP
    ? []
    : [...loadManifest('configs'), ...loadManifest('configs-b'), ...loadManifest('configs-c')].filter(
        (e) => e.framework === 'nanogpt',
      );
  it('has nanoGPT entries to check', () => assert.ok(entries.length >= 6));
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const text = readFileSync(entry.path, 'utf8');
      const spec = readSpec(text, { path: entry.path, readFile: diskReadFile });
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      if (entry.params_non_embedding != null) assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active != null) assert.equal(counts.active, entry.params_active);
      if (entry.training_tokens != null) assert.equal(spec.training.tokens, entry.training_tokens);
    });
  }
});

describe('nanoGPT reader on its own fixtures', () => {
  it('reads a character-level model with bias and the shakespeare_char vocab of 65', () => {
    const path = fixturePath('nanogpt', 'train_tiny_char.py');
    const spec = readSpec(fixture('nanogpt', 'train_tiny_char.py'), { path, readFile: diskReadFile });
    const counts = countParams(spec.architecture!);
    // 65·256 + 128·256 + 4·(12·256² + 13·256) + 2·256 (LayerNorms and Linears with bias)
    assert.equal(counts.total, 3_208_960);
    assert.equal(counts.nonEmbedding, 3_159_552);
    assert.equal(spec.architecture!.vocabSize, 65);
    // 32 × 128 × (2*2) × 3000
    assert.equal(spec.training.tokens, 49_152_000);
    assert.equal(spec.training.tokensPerStep, 16_384);
    assert.equal(spec.modelName, 'tiny-char-4l');
  });

  it('loads the GPT-2 medium checkpoint and crops its position table to block_size', () => {
    const spec = readSpec(fixture('nanogpt', 'finetune_gpt2_medium.py'), {});
    const counts = countParams(spec.architecture!);
    // 354,823,168 − (1024 − 512) · 1024 cropped wpe rows
    assert.equal(counts.total, 354_298_880);
    assert.equal(counts.nonEmbedding, 302_311_424);
    assert.equal(spec.architecture!.learnedPositions, 512);
    assert.equal(spec.training.tokens, 1_638_400);
    assert.equal(spec.training.finetune, true);
    assert.equal(spec.modelName, 'gpt2-medium');
  });

  it('treats eval_only=True as zero training tokens', () => {
    const spec = readSpec(
      "batch_size = 8\neval_only = True\ninit_from = 'gpt2-large'\neval_iters = 500\n",
      {},
    );
    assert.equal(spec.training.tokens, 0);
    assert.equal(countParams(spec.architecture!).total, 774_030_080);
  });

  it('falls back to train.py defaults and the 50304 vocab', () => {
    const spec = readSpec('max_iters = 1000\nlr_decay_iters = 1000\nbatch_size = 12\n', {});
    assert.equal(countParams(spec.architecture!).total, 124_373_760);
    assert.equal(spec.training.tokens, 12 * 1024 * 40 * 1000);
    assert.ok(spec.assumptions.some((a) => a.includes('n_layer')));
  });

  it('lets a later assignment override an earlier one, as Python does', () => {
    const spec = readSpec('n_layer = 2\nblock_size = 64\nn_layer = 3\nmax_iters = 10\n', {});
    assert.equal(spec.architecture!.nLayers, 3);
  });
});

describe('nanoGPT recognition', () => {
  it('does not claim unrelated YAML, JSON or Python files', () => {
    const samples = [
      'name: build\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n',
      '{"name": "scaling-lens", "version": "0.1.0", "scripts": {"test": "node --test"}}',
      'import torch\n\ndef main():\n    batch_size = 12\n    n_layer = 4\n    print(batch_size)\n\nif __name__ == "__main__":\n    main()\n',
      readFileSync(fixturePath('..', '..', 'package.json'), 'utf8'),
    ];
    for (const text of samples) {
      assert.ok(nanogptReader.detect(text, 'x.py') < 0.5, text.slice(0, 40));
      assert.equal(readRunConfig(text, { path: 'x.py' }).kind, 'not-a-run-config');
    }
  });

  it('recognizes an override file by its names', () => {
    assert.ok(nanogptReader.detect(fixture('nanogpt', 'train_tiny_char.py'), undefined) >= 0.5);
  });
});

describe('nanoGPT source ranges', () => {
  it('maps n_layer to the range of its key and value', () => {
    const text = fixture('nanogpt', 'train_tiny_char.py');
    const spec = readSpec(text, {});
    const source = spec.archSources.nLayers!;
    assert.equal(textAt(text, source.keyRange), 'n_layer');
    assert.equal(textAt(text, source.valueRange), '4');
    assert.equal(textAt(text, spec.modelSectionRange!), 'n_layer');
  });

  it('reports max_iters as the duration key in steps', () => {
    const text = fixture('nanogpt', 'train_tiny_char.py');
    const spec = readSpec(text, {});
    assert.equal(textAt(text, spec.trainingSources.duration!.keyRange), 'max_iters');
    assert.deepEqual(spec.training.durationUnit, { kind: 'steps', tokensPerUnit: 16_384, suffix: '' });
    // An inline comment is not part of the value.
    assert.equal(textAt(text, spec.trainingSources.seqLen!.valueRange), '128');
  });
});

describe('nanoGPT broken input', () => {
  it('survives a truncated file without throwing or producing NaN', () => {
    const text = fixture('nanogpt', 'train_tiny_char.py');
    for (let cut = 0; cut < text.length; cut += 37) {
      const truncated = text.slice(0, cut);
      const result = nanogptReader.read(truncated, {});
      if (result.kind !== 'run-config') continue;
      const tokens = result.spec.training.tokens;
      assert.ok(tokens === undefined || Number.isFinite(tokens));
      // A cut such as `n_embd = 38` (n_head 6 does not divide it) leaves no model to count, but says why.
      if (result.spec.architecture) assert.ok(Number.isFinite(countParams(result.spec.architecture).total));
      else assert.ok(result.spec.diagnostics.some((d) => d.severity === 'error' || d.severity === 'warning'));
    }
  });

  it('reports wrong types and unevaluated expressions as diagnostics', () => {
    const text = "n_layer = 'six'\nn_head = get_heads()\nblock_size = 256\nmax_iters = 100\nbatch_size = 4\n";
    const result = nanogptReader.read(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    const codes = result.spec.diagnostics.map((d) => d.code);
    assert.ok(codes.includes('invalid-value'));
    assert.ok(codes.includes('unsupported-expression'));
    const invalid = result.spec.diagnostics.find((d) => d.code === 'invalid-value')!;
    assert.equal(textAt(text, invalid.range!), "'six'");
  });

  it('keeps reading an unterminated string line', () => {
    const result = nanogptReader.read("n_layer = 6\nout_dir = 'out\nmax_iters = 10\n", {});
    assert.equal(result.kind, 'run-config');
    if (result.kind === 'run-config') assert.equal(result.spec.architecture!.nLayers, 6);
  });
});

describe('nanoGPT MoE forks', () => {
  it('counts sijunhe/nanoMoE: every layer MoE, 16 experts, top-2', () => {
    const name = 'sijunhe_train_gpt2_moe_16_experts_top2.py';
    const spec = readSpec(fixture('nanogpt', name), { path: fixturePath('nanogpt', name) });
    const counts = countParams(spec.architecture!);
    // 12·(4d² + 16·8d² + 16d router + 2d) + V·d + 1024·d + d, d = 768, V = 50304 (bias False);
    // the run name says "973M".
    assert.equal(counts.total, 973_867_776);
    // active: 14 of 16 experts (8d² each) per layer are idle.
    assert.equal(counts.active, 973_867_776 - 12 * 14 * 8 * 768 * 768);
    assert.equal(spec.architecture!.moe!.moeLayers, 12);
    assert.equal(spec.architecture!.moe!.routerBias, undefined);
  });

  it('counts wolfecameron/nanoMoE: one MoE block every `stride` layers from layer 0', () => {
    const name = 'wolfecameron_train_nano_moe.py';
    const spec = readSpec(fixture('nanogpt', name), { path: fixturePath('nanogpt', name) });
    const counts = countParams(spec.architecture!);
    // d = 384, 6 layers, stride 2 → layers 0, 2, 4 MoE with 8 experts (top-2), layers 1, 3, 5 dense.
    const d = 384;
    const attention = 4 * d * d;
    const moeLayer = attention + 8 * 8 * d * d + 8 * d + 2 * d;
    const denseLayer = attention + 8 * d * d + 2 * d;
    assert.equal(counts.total, 3 * moeLayer + 3 * denseLayer + d + 50304 * d + 1024 * d);
    assert.equal(counts.total, 55_113_600);
    assert.equal(counts.active, 55_113_600 - 3 * 6 * 8 * d * d);
    assert.equal(spec.architecture!.moe!.moeLayers, 3);
  });

  it('rounds the MoE layer count up for an odd layer count (layers 0, 2, 4, 6 of 7)', () => {
    const spec = readSpec('n_layer = 7\nn_exp = 4\nstride = 2\nmax_iters = 10\nbatch_size = 1\n', {});
    assert.equal(spec.architecture!.moe!.moeLayers, 4);
    assert.equal(spec.architecture!.moe!.expertsPerToken, 2);
  });

  it('gives expert biases with bias = True', () => {
    const spec = readSpec('n_layer = 2\nuse_moe = True\nbias = True\nmax_iters = 10\nbatch_size = 1\n', {});
    const d = 768;
    const layer = 4 * d * d + 4 * d + 4 * (8 * d * d + 5 * d) + 4 * d + 4 * d;
    assert.equal(countParams(spec.architecture!).total, 2 * layer + 2 * d + 50304 * d + 1024 * d);
  });

  it('treats use_moe = False and n_exp = 1 as dense', () => {
    for (const text of ['use_moe = False\nnum_experts = 8\n', 'n_exp = 1\ntop_k = 1\n']) {
      const spec = readSpec(`${text}max_iters = 10\nbatch_size = 1\nblock_size = 1024\n`, {});
      assert.equal(spec.architecture!.moe, undefined);
      assert.equal(countParams(spec.architecture!).total, 124_373_760);
    }
  });

  it('gives N unknown for mixed forks, top_k > experts, and num_experts without use_moe', () => {
    const cases = [
      'use_moe = True\nn_exp = 8\n',
      'use_moe = True\nstride = 2\n',
      'n_exp = 4\ntop_k = 8\n',
      'num_experts = 8\n',
    ];
    for (const text of cases) {
      const result = readRunConfig(`${text}max_iters = 10\nbatch_size = 1\nn_layer = 2\n`, {});
      assert.equal(result.kind, 'run-config', text);
      if (result.kind !== 'run-config') continue;
      assert.equal(result.spec.architecture, undefined, text);
      assert.ok(
        result.spec.diagnostics.some((d) => d.message.startsWith('unknown:')),
        text,
      );
      assert.equal(result.spec.training.tokens, 10 * 1024 * 40);
    }
  });

  it('gives N unknown for an unknown architectural name a fork may read', () => {
    for (const name of ['n_kv_head', 'num_shared_experts', 'use_rotary', 'mlp_ratio']) {
      const result = readRunConfig(`n_layer = 4\n${name} = 2\nmax_iters = 10\nbatch_size = 1\n`, {});
      assert.equal(result.kind, 'run-config');
      if (result.kind !== 'run-config') continue;
      assert.equal(result.spec.architecture, undefined, name);
      const diagnostic = result.spec.diagnostics.find((d) => d.code === 'not-modelled-key');
      assert.ok(diagnostic?.message.includes(name), name);
    }
  });

  it('gives D unknown for a run-length name another fork reads, keeping N', () => {
    const result = readRunConfig('n_layer = 4\nnum_epochs = 3\nmax_iters = 10\nbatch_size = 1\n', {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.training.tokens, undefined);
    assert.ok(result.spec.architecture);
    assert.ok(
      result.spec.diagnostics.some((d) => d.code === 'not-modelled-key' && d.message.includes('num_epochs')),
    );
  });

  it('gives N unknown for a character-level dataset whose meta.pkl it cannot read', () => {
    const text = "n_layer = 4\ndataset = 'enwik8_char'\nmax_iters = 10\nbatch_size = 1\n";
    const result = readRunConfig(text, {});
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.architecture, undefined);
    // shakespeare_char is known (65 characters).
    assert.equal(readSpec(text.replace('enwik8_char', 'shakespeare_char'), {}).architecture!.vocabSize, 65);
  });

  it('ignores the MoE names when init_from loads an OpenAI checkpoint (GPT.from_pretrained)', () => {
    const spec = readSpec("init_from = 'gpt2'\nuse_moe = True\nnum_experts = 8\nmax_iters = 1\n", {});
    assert.equal(countParams(spec.architecture!).total, 124_439_808);
    assert.ok(
      spec.diagnostics.some((d) => d.code === 'ignored-by-init-from' && d.message.includes('use_moe')),
    );
  });
});

describe('nanoGPT inventory', () => {
  const configs = (): InventoryConfig[] => {
    const files = [
      'train_tiny_char.py',
      'sijunhe_train_gpt2_moe_16_experts_top2.py',
      'wolfecameron_train_nano_moe.py',
    ];
    const own = files.map((f) => ({ path: fixturePath('nanogpt', f), text: fixture('nanogpt', f) }));
    const shared = SHARED_SKIP
      ? []
      : [...loadManifest('configs'), ...loadManifest('configs-c')]
          .filter((e) => e.framework === 'nanogpt')
          .map((e) => ({ path: e.path, text: readFileSync(e.path, 'utf8') }));
    return [...own, ...shared];
  };
  const pyLiteral = (value: InventoryValue): string =>
    typeof value === 'boolean'
      ? value
        ? 'True'
        : 'False'
      : value === null
        ? 'None'
        : typeof value === 'string'
          ? `'${value}'`
          : String(value);

  it('lists every name the reader uses', () => {
    assert.deepEqual(unlistedUsedKeys(nanogptReader, configs()), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled name', () => {
    const inject = (text: string, entry: { key: string }, value: InventoryValue) =>
      `${text}\n${entry.key} = ${pyLiteral(value)}\n`;
    assert.deepEqual(notModelledKeyFailures(nanogptReader, configs(), inject), []);
  });

  it('keeps the count when a not-modelled name is written with its default', () => {
    const text = fixture('nanogpt', 'train_tiny_char.py');
    const spec = readSpec(`${text}\nuse_noisy_top_k = False\n`, {});
    assert.equal(countParams(spec.architecture!).total, 3_208_960);
  });
});
