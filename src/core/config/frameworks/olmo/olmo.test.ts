import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { olmoReader, parseOlmoDuration } from './reader';
import type { InventoryValue } from '../../inventory';
import {
  notModelledKeyFailures,
  unlistedUsedKeys,
  type InventoryConfig,
} from '../../../../../test/inventory-support';
import { readRunConfig, recognize } from '../../registry';
import { countParams } from '../../../model/params';
import type { ReadOptions, RunSpec } from '../../../types';
import {
  HAS_SHARED,
  SHARED_SKIP,
  diskReadFile,
  fixture,
  fixturePath,
  loadManifest,
} from '../../../../../test/helpers';

function readSpec(path: string, options?: ReadOptions, text = readFileSync(path, 'utf8')): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  return (result as { spec: RunSpec }).spec;
}

const entries = HAS_SHARED
  ? [...loadManifest('configs'), ...loadManifest('configs-b'), ...loadManifest('configs-c')].filter(
      (e) => e.framework === 'olmo',
    )
  : [];

describe('OLMo manifests', { skip: SHARED_SKIP }, () => {
  for (const entry of entries) {
    it(`counts ${entry.file} exactly`, () => {
      const spec = readSpec(entry.path);
      assert.equal(spec.framework, 'olmo');
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      if (entry.params_non_embedding !== undefined)
        assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.params_active !== undefined) assert.equal(counts.active, entry.params_active);
    });

    it(`derives the training tokens of ${entry.file} as far as the file allows`, () => {
      const spec = readSpec(entry.path);
      // configs/ has no derivable flag: its OLMo entries give D exactly when the file fixes it.
      const derivable = entry.training_tokens_derivable_from_file ?? entry.training_tokens !== null;
      if (derivable) {
        assert.equal(spec.training.tokens, entry.training_tokens);
        return;
      }
      // Epoch durations: D needs the dataset size.
      assert.equal(spec.training.tokens, undefined);
      assert.deepEqual(spec.training.missing, ['dataset size']);
      assert.equal(spec.training.durationUnit?.kind, 'epochs');
      const diagnostic = spec.diagnostics.find((d) => d.code === 'missing-dataset-size');
      assert.deepEqual(diagnostic?.range, spec.trainingSources.duration!.keyRange);
      if (entry.training_tokens !== null) {
        // An upper bound set by stop_at: a huge dataset makes stop_at bind.
        const capped = readSpec(entry.path, { datasetTokens: 1e15 });
        assert.equal(capped.training.tokens, entry.training_tokens);
      }
    });
  }

  it('does not take scheduler.t_max (tokens) for the run length', () => {
    const entry = entries.find((e) => e.file.endsWith('OLMo-7B-0424.yaml'));
    if (!entry) return;
    const spec = readSpec(entry.path);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.assumptions.some((a) => a.includes('t_max')));
  });
});

describe('OLMo fixtures', () => {
  it('counts a tied OLMo-1-style model with non-affine LayerNorms and the padded embedding', () => {
    const spec = readSpec(fixturePath('olmo', 'OLMo-tiny-tied.yaml'));
    const arch = spec.architecture!;
    assert.equal(arch.vocabSize, 50304);
    assert.equal(arch.ffnSize, 512); // mlp_ratio 8 × 128 fused → 512 per branch
    assert.equal(arch.normWeight, false);
    const counts = countParams(arch);
    assert.equal(counts.total, 6_963_200);
    assert.equal(counts.nonEmbedding, 524_288);
    assert.equal(spec.training.tokens, 2e9);
    assert.deepEqual(spec.training.durationUnit, {
      kind: 'tokens',
      tokensPerUnit: 1,
      suffix: 'T',
      quoted: false,
    });
    assert.equal(spec.training.steps, Math.ceil(2e9 / (64 * 512)));
  });

  it('counts OLMo-2 QK norms and GQA, and lets stop_at cap a step duration', () => {
    const spec = readSpec(fixturePath('olmo', 'OLMo2-tiny-stop-at.yaml'));
    const arch = spec.architecture!;
    assert.equal(arch.qkNorm, 'full');
    assert.equal(arch.nKvHeads, 2);
    assert.equal(arch.ffnSize, 768);
    const counts = countParams(arch);
    assert.equal(counts.total, 2_788_032);
    assert.equal(counts.nonEmbedding, 2_263_744);
    assert.equal(spec.training.tokens, 500 * 32 * 1024);
    assert.equal(spec.training.steps, 500);
    assert.match(spec.training.formula!, /stop_at/);
  });

  it('maps values to their keys and the model section to the summary lens', () => {
    const path = fixturePath('olmo', 'OLMo2-tiny-stop-at.yaml');
    const lines = readFileSync(path, 'utf8').split('\n');
    const spec = readSpec(path);
    const duration = spec.trainingSources.duration!;
    assert.equal(duration.key, 'max_duration');
    assert.equal(lines[duration.keyRange.start.line].startsWith('max_duration'), true);
    assert.equal(duration.raw, '10_000');
    assert.equal(spec.archSources.ffnSize?.key, 'mlp_hidden_size');
    assert.equal(lines[spec.modelSectionRange!.start.line], 'model:');
    assert.equal(spec.training.durationUnit?.kind, 'steps');
    assert.equal(spec.training.durationUnit?.tokensPerUnit, 32 * 1024);
  });

  it('uses the dataset-size setting for epoch durations', () => {
    const text = fixture('olmo', 'OLMo-tiny-tied.yaml').replace(
      'max_duration: 2e9T  # 2B tokens',
      'max_duration: 2ep',
    );
    const spec = readSpec('x.yaml', undefined, text);
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['dataset size']);
    const withData = readSpec('x.yaml', { datasetTokens: 1e9 }, text);
    assert.equal(withData.training.tokens, 2e9);
  });

  it('parses max_duration units', () => {
    assert.deepEqual(parseOlmoDuration(739_328), { amount: 739_328, unit: 'steps', suffix: '' });
    assert.deepEqual(parseOlmoDuration('2e12T'), { amount: 2e12, unit: 'tokens', suffix: 'T' });
    assert.deepEqual(parseOlmoDuration('1ep'), { amount: 1, unit: 'epochs', suffix: 'ep' });
    assert.equal(parseOlmoDuration('3 fortnights'), undefined);
  });

  it('flags an unknown duration unit and an unresolvable interpolation in a number', () => {
    const text = fixture('olmo', 'OLMo-tiny-tied.yaml')
      .replace('max_duration: 2e9T  # 2B tokens', 'max_duration: 5fortnights')
      .replace('global_train_batch_size: 64', 'global_train_batch_size: ${oc.env:GLOBAL_BATCH}');
    const spec = readSpec('x.yaml', undefined, text);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'unknown-unit'));
    const interpolation = spec.diagnostics.find((d) => d.code === 'interpolation-unresolved');
    assert.ok(interpolation?.range);
  });

  it('does not recognize random YAML or an llm-foundry MPT config', () => {
    assert.notEqual(recognize('model:\n  d_model: 4\n  n_layers: 2\n')?.id, 'olmo');
    assert.notEqual(recognize(fixture('llm-foundry', 'mpt-gqa-glu.yaml'))?.id, 'olmo');
    assert.equal(recognize('name: test\nitems: [1, 2, 3]\n'), undefined);
  });

  it('reports truncated input as diagnostics without throwing', () => {
    const text = fixture('olmo', 'OLMo2-tiny-stop-at.yaml');
    for (const cut of [0.2, 0.5, 0.8]) {
      const result = readRunConfig(text.slice(0, Math.floor(text.length * cut)), {});
      if (result.kind === 'run-config') {
        const spec = result.spec;
        assert.ok(
          spec.diagnostics.length > 0 ||
            (spec.training.missing?.length ?? 0) > 0 ||
            spec.assumptions.length > 0,
        );
        if (spec.architecture) assert.ok(Number.isFinite(countParams(spec.architecture).total));
      }
    }
  });
});

/** A real OLMoE config (allenai/OLMoE ablation with a shared expert; see fixtures README). */
const SHARED_MOE = 'olmoe-8x1b-newhp-newds-cx5-fine-shared.yml';

/** Replace one `model:` line of a fixture, failing loudly when the line is not there. */
function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `fixture has no \`${from}\``);
  return text.replace(from, to);
}

describe('OLMo MoE (block_type: moe, allenai/OLMo Muennighoff/MoE + megablocks)', () => {
  const text = fixture('olmo', SHARED_MOE);

  it('counts 32 dMoE SwiGLU experts, the shared expert and the router', () => {
    const spec = readSpec(fixturePath('olmo', SHARED_MOE));
    const counts = countParams(spec.architecture!);
    // Per layer: 32 × 3·2048·2048 experts + shared 3·2048·2048 + router 2048·32 + attention
    // 4·2048² + 2 RMSNorm weights; untied 50304-row embeddings; final norm.
    const expert = 3 * 2048 * 2048;
    const perLayer = 32 * expert + expert + 2048 * 32 + 4 * 2048 * 2048 + 2 * 2048;
    assert.equal(counts.total, 16 * perLayer + 2 * 50304 * 2048 + 2048);
    assert.equal(counts.total, 7_119_374_336);
    assert.equal(counts.active, counts.total - 16 * 29 * expert); // top-3 of 32
    assert.equal(spec.architecture!.moe?.expertsPerToken, 3);
  });

  it('uses two-matrix experts for the capacity MoE (moe_dropless: false)', () => {
    const dropless = countParams(readSpec('x.yml', undefined, text).architecture!);
    const capacity = countParams(
      readSpec('x.yml', undefined, edit(text, 'moe_dropless: true', 'moe_dropless: false')).architecture!,
    );
    // megablocks MoE → ParallelMLP → mlp.MLP (w1, w2) for every expert; the shared GLU is unchanged.
    assert.equal(dropless.total - capacity.total, 16 * 32 * 2048 * 2048);
  });

  it('adds the megablocks output bias and shared-expert biases with include_bias', () => {
    const plain = countParams(readSpec('x.yml', undefined, text).architecture!);
    const biased = countParams(
      readSpec('x.yml', undefined, edit(text, 'include_bias: false', 'include_bias: true')).architecture!,
    );
    // Per layer: att_proj 3·2048 + attn_out 2048 + ParallelMLP.bias 2048 + shared GLU 2·2048 + 2048;
    // the untied ff_out gets a 50304 bias. Norms keep bias_for_layer_norm: false.
    assert.equal(biased.total - plain.total, 16 * (4 * 2048 + 2048 + 3 * 2048) + 50304);
  });

  it('counts the default 8 experts, top-2, when only block_type is set', () => {
    const spec = readSpec(
      'x.yml',
      undefined,
      text.replace(/^ {2}moe_(top_k|shared_expert|num_experts):.*\n/gm, ''),
    );
    assert.equal(spec.architecture!.moe?.nExperts, 8);
    assert.equal(spec.architecture!.moe?.expertsPerToken, 2);
    assert.equal(spec.architecture!.moe?.sharedExpertFfnSize, undefined);
  });

  it('refuses top_k above the expert count', () => {
    const spec = readSpec('x.yml', undefined, edit(text, 'moe_top_k: 3', 'moe_top_k: 33'));
    assert.equal(spec.architecture, undefined);
  });
});

describe('OLMo ModelConfig details', () => {
  const base = fixture('olmo', 'OLMo2-tiny-stop-at.yaml');

  it('allocates the default 50304 embedding rows when embedding_size is absent, vocab_size when null', () => {
    const text = base.replace(/^ {2}embedding_size:.*\n/m, '');
    const absent = readSpec('x.yml', undefined, text).architecture!;
    assert.equal(absent.vocabSize, 50304);
    const nulled = readSpec('x.yml', undefined, text.replace('model:\n', 'model:\n  embedding_size: null\n'));
    const vocab = Number(/vocab_size: (\d+)/.exec(base)![1]);
    assert.equal(nulled.architecture!.vocabSize, vocab);
  });

  it('counts embedding_layer_norm as one more norm', () => {
    const plain = countParams(readSpec('x.yml', undefined, base).architecture!);
    const withNorm = countParams(
      readSpec('x.yml', undefined, base.replace('model:\n', 'model:\n  embedding_layer_norm: true\n'))
        .architecture!,
    );
    assert.equal(
      withNorm.total - plain.total,
      countParams(readSpec('x.yml', undefined, base).architecture!).breakdown.finalNorm,
    );
  });

  it('makes N unknown for a model key no OLMo ModelConfig defines, naming it', () => {
    const result = readRunConfig(base.replace('model:\n', 'model:\n  fast_ff: true\n'), {});
    assert.equal(result.kind, 'run-config');
    const spec = (result as { spec: RunSpec }).spec;
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some((d) => d.code === 'not-modelled-key' && d.message.includes('model.fast_ff')),
    );
  });

  it('refuses a llama block whose n_kv_heads the block would ignore', () => {
    const text = edit(base, 'block_type: sequential', 'block_type: llama');
    assert.match(text, /n_kv_heads: 2/);
    assert.equal(readSpec('x.yml', undefined, text).architecture, undefined);
  });

  it('lets stop_after cap the run like stop_at', () => {
    const spec = readSpec('x.yml', undefined, `${base}\nstop_after: 100\n`);
    assert.equal(spec.training.steps, 100);
    assert.equal(spec.training.tokens, 100 * 32 * 1024);
    assert.match(spec.training.formula!, /stop_after/);
  });
});

describe('OLMo inventory', () => {
  const configs = (): InventoryConfig[] => {
    const paths = [fixturePath('olmo', SHARED_MOE), fixturePath('olmo', 'OLMo2-tiny-stop-at.yaml')];
    if (HAS_SHARED) paths.push(...entries.map((e) => e.path));
    return paths.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  };

  it('lists every key the reader uses', () => {
    assert.deepEqual(unlistedUsedKeys(olmoReader, configs()), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key', () => {
    const inject = (text: string, entry: { key: string }, value: InventoryValue) => {
      const [section, leaf] = entry.key.split('.');
      if (!leaf) return `${text}\n${section}: ${JSON.stringify(value)}\n`;
      return text.replace(/^model:\n/m, `model:\n  ${leaf}: ${JSON.stringify(value)}\n`);
    };
    assert.deepEqual(notModelledKeyFailures(olmoReader, configs(), inject), []);
  });
});
