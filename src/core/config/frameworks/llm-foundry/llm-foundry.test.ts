import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDocument, stringify } from 'yaml';
import { llmFoundryReader, parseComposerDuration } from './reader';
import type { InventoryEntry, InventoryValue } from '../../inventory';
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
import { notModelledKeyFailures, unlistedUsedKeys } from '../../../../../test/inventory-support';

function readSpec(path: string, options?: ReadOptions, text = readFileSync(path, 'utf8')): RunSpec {
  const result = readRunConfig(text, { path, readFile: diskReadFile, ...(options ? { options } : {}) });
  assert.equal(result.kind, 'run-config', `${path} should be a run config`);
  return (result as { spec: RunSpec }).spec;
}

const entries = HAS_SHARED ? loadManifest('configs-b').filter((e) => e.framework === 'llm-foundry') : [];

describe('llm-foundry manifest', { skip: SHARED_SKIP }, () => {
  for (const entry of entries) {
    it(`counts ${entry.file} exactly and derives its tokens`, () => {
      const spec = readSpec(entry.path);
      assert.equal(spec.framework, 'llm-foundry');
      const counts = countParams(spec.architecture!);
      assert.equal(counts.total, entry.params_total);
      assert.equal(counts.nonEmbedding, entry.params_non_embedding);
      if (entry.training_tokens_derivable_from_file)
        assert.equal(spec.training.tokens, entry.training_tokens);
      // Interpolated values resolve silently.
      assert.deepEqual(
        spec.diagnostics.filter((d) => d.severity === 'error' || d.code === 'interpolation-unresolved'),
        [],
      );
    });
  }

  it('resolves ${variables.max_seq_len} to its definition for the sequence length', () => {
    const entry = entries.find((e) => e.file.endsWith('mpt-125m.yaml'));
    if (!entry) return;
    const spec = readSpec(entry.path);
    assert.equal(spec.training.seqLen, 2048);
    const source = spec.trainingSources.seqLen!;
    assert.equal(source.key, 'max_seq_len');
    assert.equal(source.raw, '2048');
    assert.deepEqual(spec.training.durationUnit, {
      kind: 'steps',
      suffix: 'ba',
      quoted: false,
      tokensPerUnit: 256 * 2048,
    });
  });
});

describe('llm-foundry fixtures', () => {
  it('reads an mcli run file: parameters wrapper, ${max_seq_len}, ALiBi (no positions), no_bias, tok duration', () => {
    const spec = readSpec(fixturePath('llm-foundry', 'mcli-mpt-tiny-alibi.yaml'));
    const arch = spec.architecture!;
    assert.equal(arch.learnedPositions, 0);
    assert.equal(arch.qkvBias, false);
    assert.equal(arch.normBias, false);
    const counts = countParams(arch);
    assert.equal(counts.total, 14_468_352);
    assert.equal(counts.nonEmbedding, 1_574_144);
    assert.equal(spec.training.seqLen, 4096);
    assert.equal(spec.training.tokens, 1e9);
    assert.deepEqual(spec.training.durationUnit, {
      kind: 'tokens',
      tokensPerUnit: 1,
      suffix: 'tok',
      quoted: false,
    });
  });

  it('counts grouped-query attention, GLU MLPs and the learned position table; sp durations × seq', () => {
    const spec = readSpec(fixturePath('llm-foundry', 'mpt-gqa-glu.yaml'));
    const arch = spec.architecture!;
    assert.equal(arch.nKvHeads, 2);
    assert.equal(arch.gatedMlp, true);
    assert.equal(arch.learnedPositions, 256);
    const counts = countParams(arch);
    assert.equal(counts.total, 445_568);
    assert.equal(counts.nonEmbedding, 281_728);
    assert.equal(spec.training.tokens, 5000 * 256);
    assert.equal(spec.training.durationUnit?.kind, 'samples');
  });

  it('maps values to their keys and the model section', () => {
    const path = fixturePath('llm-foundry', 'mpt-gqa-glu.yaml');
    const lines = readFileSync(path, 'utf8').split('\n');
    const spec = readSpec(path);
    const layers = spec.archSources.nLayers!;
    assert.equal(lines[layers.keyRange.start.line].trim(), 'n_layers: 2');
    const duration = spec.trainingSources.duration!;
    assert.equal(lines[duration.keyRange.start.line], 'max_duration: 5000sp');
    assert.equal(lines[spec.modelSectionRange!.start.line], 'model:');
  });

  it('says the architecture is unknown for an HF model outside its table, and epochs need the dataset size', () => {
    const path = fixturePath('llm-foundry', 'hf-custom-epochs.yaml');
    const spec = readSpec(path);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.code === 'unknown-model' && d.range));
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['dataset size']);
    assert.equal(readSpec(path, { datasetTokens: 5e8 }).training.tokens, 5e8);
  });

  it('diagnoses an interpolation it cannot resolve instead of guessing', () => {
    const text = fixture('llm-foundry', 'mpt-gqa-glu.yaml').replace(
      'global_train_batch_size: 32',
      'global_train_batch_size: ${variables.global_batch}',
    );
    const spec = readSpec('mpt.yaml', undefined, text);
    const diagnostic = spec.diagnostics.find((d) => d.code === 'interpolation-unresolved');
    assert.ok(diagnostic?.range);
    assert.equal(
      diagnostic!.range!.start.line,
      text.split('\n').findIndex((l) => l.startsWith('global_train_batch_size')),
    );
    // samples × seq does not need the batch; a ba duration would.
    const batches = readSpec(
      'mpt.yaml',
      undefined,
      text.replace('max_duration: 5000sp', 'max_duration: 100ba'),
    );
    assert.equal(batches.training.tokens, undefined);
    assert.ok(batches.training.missing?.some((m) => m.includes('global_train_batch_size')));
  });

  it('parses Composer time strings, bare numbers being epochs', () => {
    assert.deepEqual(parseComposerDuration('4800ba'), { amount: 4800, unit: 'steps', suffix: 'ba' });
    assert.deepEqual(parseComposerDuration('1_000tok'), { amount: 1000, unit: 'tokens', suffix: 'tok' });
    assert.deepEqual(parseComposerDuration(2), { amount: 2, unit: 'epochs', suffix: '' });
    assert.equal(parseComposerDuration('10parsecs'), undefined);
  });

  it('does not recognize random YAML or an OLMo config', () => {
    assert.notEqual(recognize('model:\n  name: resnet50\nepochs: 3\n')?.id, 'llm-foundry');
    assert.notEqual(recognize(fixture('olmo', 'OLMo-tiny-tied.yaml'))?.id, 'llm-foundry');
  });

  it('reports truncated input as diagnostics without throwing', () => {
    const text = fixture('llm-foundry', 'mcli-mpt-tiny-alibi.yaml');
    for (const cut of [0.3, 0.55, 0.85]) {
      const result = readRunConfig(text.slice(0, Math.floor(text.length * cut)), {});
      if (result.kind === 'run-config') {
        const spec = result.spec;
        // Either the cut shows (a diagnostic or a missing fact) or what remains is a complete config.
        assert.ok(
          spec.diagnostics.length > 0 ||
            (spec.training.missing?.length ?? 0) > 0 ||
            Number.isFinite(spec.training.tokens),
        );
        if (spec.architecture) assert.ok(Number.isFinite(countParams(spec.architecture).total));
      }
    }
  });
});

/** The spec of `text` after replacing each [from, to] pair (each must occur). */
function edited(path: string, text: string, ...edits: [string, string][]): RunSpec {
  let out = text;
  for (const [from, to] of edits) {
    assert.ok(out.includes(from), `${from} not in ${path}`);
    out = out.replace(from, to);
  }
  return readSpec(path, undefined, out);
}

describe('llm-foundry MoE (megablocks, torch dMoE)', () => {
  const path = fixturePath('llm-foundry', 'testing-moe.yaml');
  const text = fixture('llm-foundry', 'testing-moe.yaml');
  // testing-moe: d 128, 2 layers, 2 heads, 4 experts of width 1 × 128, top-2, vocab 50368, 128
  // learned positions, tied, LayerNorm w+b, biases (MPT defaults).
  const d = 128;
  const attention = 4 * d * d + 4 * d;
  const norms = 2 * 2 * d;
  const router = d * 4;
  const expert = 2 * d * d;
  const rest = 2 * d /* final norm */ + 50368 * d + 128 * d;
  const total = (moe: number) => 2 * (attention + norms + moe) + rest;

  it('counts the megablocks output bias of each MoE layer (testing-moe: 6,860,288 / 6,729,216)', () => {
    const counts = countParams(readSpec(path).architecture!);
    assert.equal(counts.total, total(4 * expert + router + d));
    assert.equal(counts.total, 6_860_288);
    assert.equal(counts.active, 6_729_216);
    assert.equal(counts.total - counts.active, 2 * 2 * expert);
  });

  it('builds two-matrix experts for mb_moe whatever mlp_type says, GLU experts for mb_dmoe glu', () => {
    const moe = edited(path, text, ['ffn_type: mb_dmoe', 'ffn_type: mb_moe\n    mlp_type: glu']);
    assert.equal(countParams(moe.architecture!).total, total(4 * expert + router + d));
    const glu = edited(path, text, ['ffn_type: mb_dmoe', 'ffn_type: mb_dmoe\n    mlp_type: glu']);
    assert.equal(countParams(glu.architecture!).total, total(4 * 3 * d * d + router + d));
  });

  it('refuses torch_dmoe with the megablocks keys of testing-moe (build_torch_dmoe raises)', () => {
    const torch = edited(path, text, ['ffn_type: mb_dmoe', 'ffn_type: torch_dmoe\n    mlp_type: mlp']);
    assert.equal(torch.architecture, undefined);
    assert.ok(
      torch.diagnostics.some((x) => x.code === 'invalid-value' && x.message.includes('memory_optimized_mlp')),
    );
  });

  it('drops every bias with no_bias, the output bias included; attention_bias keeps the Wqkv bias', () => {
    const noBias = edited(path, text, ['  n_layers: 2', '  n_layers: 2\n  no_bias: true']);
    const bare = (qkvBias: number) =>
      2 * (4 * d * d + qkvBias + 2 * d + 4 * expert + router) + d + 50368 * d + 128 * d;
    assert.equal(countParams(noBias.architecture!).total, bare(0));
    const qkv = edited(path, text, [
      '  n_layers: 2',
      '  n_layers: 2\n  no_bias: true\n  attention_bias: true',
    ]);
    assert.equal(countParams(qkv.architecture!).total, bare(3 * d));
  });

  it('uses head_dim for the attention width and counts qk_gn as two head-wide norms', () => {
    const narrow = edited(path, text, ['  n_layers: 2', '  n_layers: 2\n  head_dim: 32']);
    const q = 2 * 32;
    const narrowAttention = 3 * d * q + q * d + 3 * q + d;
    assert.equal(
      countParams(narrow.architecture!).total,
      2 * (narrowAttention + norms + 4 * expert + router + d) + rest,
    );
    const gn = edited(path, text, ['    attn_impl: torch', '    attn_impl: torch\n    qk_gn: true']);
    assert.equal(countParams(gn.architecture!).total, total(4 * expert + router + d) + 2 * (2 * 64 * 2));
  });

  it('makes N unknown for a shared expert, naming the key', () => {
    const result = readRunConfig(text.replace('moe_top_k: 2', 'moe_top_k: 2\n    shared_expert: true'), {
      path,
    });
    assert.equal(result.kind, 'run-config');
    const spec = (result as { spec: RunSpec }).spec;
    assert.equal(spec.architecture, undefined);
    assert.ok(
      spec.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('shared_expert')),
    );
  });
});

describe('llm-foundry attention', () => {
  it('refuses grouped_query_attention without a kv_n_heads that divides n_heads', () => {
    const path = fixturePath('llm-foundry', 'mpt-gqa-glu.yaml');
    const text = fixture('llm-foundry', 'mpt-gqa-glu.yaml');
    assert.ok(readSpec(path).architecture);
    for (const replacement of ['', '    kv_n_heads: 3\n']) {
      const spec = edited(path, text, ['    kv_n_heads: 2\n', replacement]);
      assert.equal(spec.architecture, undefined, replacement);
      assert.ok(spec.diagnostics.some((x) => x.code === 'invalid-value' && x.message.includes('kv_n_heads')));
    }
  });
});

describe('llm-foundry hf_causal_lm', () => {
  it('counts facebook/opt-2.7b from the shared checkpoint table (2,651,596,800)', () => {
    const spec = readSpec(fixturePath('llm-foundry', 'opt-3b.yaml'));
    // OPT-2.7b: 32 layers, d 2560, ffn 10240, vocab 50272, 2048 + 2 learned positions, tied, biases.
    const d = 2560;
    const layer = 4 * d * d + 4 * d + 2 * d * 10240 + 10240 + d + 4 * d;
    assert.equal(countParams(spec.architecture!).total, 32 * layer + 2 * d + 50272 * d + 2050 * d);
    assert.equal(countParams(spec.architecture!).total, 2_651_596_800);
  });

  it('builds Llama-3.1-8B with pretrained: false and applies config_overrides', { skip: SHARED_SKIP }, () => {
    const path = `${loadManifest('configs-c').find((e) => e.file === 'llm-foundry/hf-llama-3.1-8B.yaml')!.path}`;
    const text = readFileSync(path, 'utf8');
    const spec = readSpec(path);
    assert.equal(countParams(spec.architecture!).total, 8_030_261_248);
    assert.equal(spec.training.tokens, 50 * 8 * 2048);
    const perLayer = 2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336 + 2 * 4096;
    const shallow = edited(path, text, [
      '  use_flash_attention_2: true',
      '  use_flash_attention_2: true\n  config_overrides:\n    num_hidden_layers: 16\n    rope_theta: 500000',
    ]);
    assert.equal(countParams(shallow.architecture!).total, 8_030_261_248 - 16 * perLayer);
    const unknown = edited(path, text, [
      '  use_flash_attention_2: true',
      '  use_flash_attention_2: true\n  config_overrides:\n    head_dim: 64',
    ]);
    assert.equal(unknown.architecture, undefined);
    assert.ok(
      unknown.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('head_dim')),
    );
  });
});

describe('llm-foundry inventory', () => {
  const configs = [
    ...(HAS_SHARED
      ? [...loadManifest('configs-b'), ...loadManifest('configs-c')].filter(
          (e) => e.framework === 'llm-foundry',
        )
      : []
    ).map((e) => ({ path: e.path, text: readFileSync(e.path, 'utf8') })),
    ...['testing-moe.yaml', 'opt-3b.yaml', 'mpt-gqa-glu.yaml', 'mcli-mpt-tiny-alibi.yaml'].map((name) => ({
      path: fixturePath('llm-foundry', name),
      text: fixture('llm-foundry', name),
    })),
  ];

  it('lists every key the reader reads', () => {
    assert.deepEqual(unlistedUsedKeys(llmFoundryReader, configs), []);
  });

  it('makes N or D unknown, naming the key, for every not-modelled key set to a non-default value', () => {
    const inject = (text: string, entry: InventoryEntry, value: InventoryValue) => {
      const doc = parseDocument(text);
      const root = doc.has('parameters') && doc.hasIn(['parameters', 'model']) ? ['parameters'] : [];
      doc.setIn([...root, ...entry.key.split('.')], value === '<collection>' ? { enabled: true } : value);
      return doc.toString();
    };
    // Real configs whose N and D are both shown, so each key must hide what it affects.
    const shown = configs.filter((c) => /testing-moe|mpt-125m|opt-3b|mpt-760m/.test(c.path));
    assert.ok(shown.length >= 2);
    assert.deepEqual(notModelledKeyFailures(llmFoundryReader, shown, inject), []);
  });

  it('keeps the count when a harmless default is written', () => {
    const text = fixture('llm-foundry', 'testing-moe.yaml').replace(
      'moe_top_k: 2',
      'moe_top_k: 2\n    shared_expert: false',
    );
    assert.equal(countParams(readSpec('x.yaml', undefined, text).architecture!).total, 6_860_288);
  });
});

/** A train YAML around an MPT model block (max_seq_len 128, 10 batches of 8). */
function mptYaml(model: string): string {
  return `max_seq_len: 128\nglobal_train_batch_size: 8\nmax_duration: 10ba\nmodel:\n  name: mpt_causal_lm\n${model}`;
}

function readText(text: string): RunSpec {
  return readSpec('/tmp/llm-foundry-audit.yaml', undefined, text);
}

// Shapes from mosaicml/llm-foundry@8c8dd48f: attention.py GroupedQueryAttention (Wqkv d → (h + 2kv)·hd,
// out_proj h·hd → d, q_ln/k_ln), blocks.py MPTBlock (norm_1, norm_2), ffn.py MPTMLP (up d → f,
// down f → d), modeling_mpt.py MPTModel (wte, wpe, norm_f; no_bias strips non-Linear biases).
describe('llm-foundry audit against the MPT model code', () => {
  // d 128, 4 heads of 32, 2 layers, f 512, vocab 1000, 128 learned positions, tied.
  const d = 128;
  const f = 4 * d;
  const base = '  d_model: 128\n  n_heads: 4\n  n_layers: 2\n  vocab_size: 1000\n  max_seq_len: 128\n';
  const embeddings = 1000 * d + 128 * d;
  const mlp = d * f + f + f * d + d;
  const attention = d * 3 * d + 3 * d + d * d + d;

  it('reads norm_type as MPT does, lowercased: RMSNorm is a weight-only RMSNorm', () => {
    const rms = 2 * (attention + mlp + 2 * d) + d + embeddings;
    for (const spelling of ['rmsnorm', 'RMSNorm', 'RMSnorm']) {
      const spec = readText(mptYaml(`${base}  norm_type: ${spelling}\n`));
      assert.equal(countParams(spec.architecture!).total, rms, spelling);
    }
    const layerNorm = readText(mptYaml(`${base}  norm_type: LayerNorm\n`));
    assert.equal(
      countParams(layerNorm.architecture!).total,
      2 * (attention + mlp + 4 * d) + 2 * d + embeddings,
    );
  });

  it('builds the QK norms as LayerNorm w+b whatever model.norm_type, unless attn_config.norm_type names one', () => {
    const blocks = (qk: number) => 2 * (attention + qk + mlp + 2 * d) + d + embeddings;
    // qk_ln: q_ln over h·hd = 128, k_ln over kv·hd = 128 (MHA), each weight + bias.
    const lnQk = readText(mptYaml(`${base}  norm_type: rmsnorm\n  attn_config:\n    qk_ln: true\n`));
    assert.equal(countParams(lnQk.architecture!).total, blocks(2 * (d + d)));
    // qk_gn: two norms over head_dim 32, weight + bias.
    const gn = readText(mptYaml(`${base}  norm_type: rmsnorm\n  attn_config:\n    qk_gn: true\n`));
    assert.equal(countParams(gn.architecture!).total, blocks(2 * (32 + 32)));
    const rmsQk = readText(
      mptYaml(`${base}  norm_type: rmsnorm\n  attn_config:\n    qk_ln: true\n    norm_type: rmsnorm\n`),
    );
    assert.equal(countParams(rmsQk.architecture!).total, blocks(d + d));
  });

  it('makes N unknown for registry names that differ in case (llm-foundry looks them up as written)', () => {
    for (const [block, key] of [
      ['  ffn_config:\n    ffn_type: MPTGLU\n', 'ffn_type'],
      ['  attn_config:\n    attn_type: Grouped_Query_Attention\n    kv_n_heads: 2\n', 'attn_type'],
    ]) {
      const spec = readText(mptYaml(base + block));
      assert.equal(spec.architecture, undefined, key);
      assert.ok(
        spec.diagnostics.some((x) => x.code === 'unknown-value' && x.message.includes(key)),
        key,
      );
    }
  });

  it('refuses kv_n_heads outside grouped_query_attention (MultiheadAttention takes no kv_n_heads)', () => {
    const spec = readText(mptYaml(`${base}  attn_config:\n    kv_n_heads: 2\n`));
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((x) => x.code === 'invalid-value' && x.message.includes('kv_n_heads')));
  });

  it('needs a whole d_model × expansion_ratio for megablocks even with ffn_hidden_size', () => {
    const moe =
      '  ffn_config:\n    ffn_type: mb_dmoe\n    ffn_hidden_size: 200\n    moe_num_experts: 2\n    moe_world_size: 1\n';
    assert.ok(readText(mptYaml(base + moe)).architecture);
    const spec = readText(mptYaml(`${base}  expansion_ratio: 1.3\n${moe}`));
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((x) => x.code === 'invalid-value' && x.message.includes('megablocks')));
    // mptmlp takes ffn_hidden_size as it is (resolve_ffn_hidden_size ignores the ratio then).
    assert.ok(
      readText(mptYaml(`${base}  expansion_ratio: 1.3\n  ffn_config:\n    ffn_hidden_size: 200\n`))
        .architecture,
    );
  });

  it('takes ffn_config.bias as the megablocks output bias', () => {
    const moe = '  ffn_config:\n    ffn_type: mb_dmoe\n    moe_num_experts: 2\n    moe_world_size: 1\n';
    const withBias = countParams(readText(mptYaml(base + moe)).architecture!).total;
    const noWorld = readText(mptYaml(base + moe.replace('    moe_world_size: 1\n', '')));
    assert.equal(noWorld.architecture, undefined);
    assert.ok(noWorld.diagnostics.some((x) => x.message.includes('moe_world_size')));
    const without = countParams(readText(mptYaml(`${base}${moe}    bias: false\n`)).architecture!).total;
    assert.equal(withBias - without, 2 * d);
  });

  it('makes N unknown for attention_bias with no_bias and TransformerEngine linears', () => {
    for (const fc of ['  fc_type: te\n', '  fc_type:\n    name: te\n']) {
      const spec = readText(mptYaml(`${base}  no_bias: true\n  attention_bias: true\n${fc}`));
      assert.equal(spec.architecture, undefined, fc);
      assert.ok(
        spec.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('attention_bias')),
      );
    }
    assert.ok(readText(mptYaml(`${base}  no_bias: true\n  fc_type: te\n`)).architecture);
  });

  it('counts the DBRX-9B model block (torch_dmoe GLU experts, no_bias, GQA, untied) from its shapes', () => {
    // SOURCE: mosaicml/llm-foundry@8c8dd48f72168c5d51e2f7b151595892a8fba43d
    // scripts/eval/yamls/dbrx-gauntlet/dbrx-9b.yaml (fixtures/dbrx-9b-eval.yaml, verbatim); an eval
    // file lists models, so its one model block is put under a train config here.
    const evalConfig = parseDocument(fixture('llm-foundry', 'dbrx-9b-eval.yaml')).toJS() as {
      models: { model: unknown }[];
    };
    const text = stringify({
      max_seq_len: 4096,
      global_train_batch_size: 8,
      max_duration: '10ba',
      model: evalConfig.models[0].model,
    });
    const spec = readText(text);
    const dm = 2048;
    const hd = 128;
    const ffn = dm * 1.75; // resolve_ffn_hidden_size: int(2048 × 1.75) = 3584
    const wqkv = dm * (16 * hd + 2 * 8 * hd); // no biases (no_bias)
    const outProj = 16 * hd * dm;
    const norms = 2 * dm; // LPLayerNorm weights; no_bias strips their biases
    const experts = 16 * 3 * ffn * dm; // dmoe.py GLU: w1, v1, w2 of (experts·f) × d
    const router = dm * 16; // LearnedRouter nn.Linear(d, experts, bias=False)
    const layer = wqkv + outProj + norms + experts + router;
    const counts = countParams(spec.architecture!);
    // rope: no wpe; untied: wte and lm_head each 100352 × 2048; norm_f weight.
    assert.equal(counts.total, 24 * layer + dm + 2 * 100352 * dm);
    assert.equal(counts.total - counts.active, 24 * 12 * 3 * ffn * dm);
  });

  it('needs every key build_torch_dmoe pops', () => {
    const torch = (extra: string) =>
      readText(
        mptYaml(
          `${base}  ffn_config:\n    ffn_type: torch_dmoe\n    moe_num_experts: 2\n    moe_top_k: 1\n    mlp_type: mlp\n${extra}`,
        ),
      );
    const complete = torch(
      '    moe_jitter_eps: 0\n    moe_normalize_expert_weights: 1\n    uniform_expert_assignment: false\n',
    );
    // Two bias-free two-matrix experts (d × f each way) and a d × 2 router instead of the MLP.
    assert.equal(
      countParams(complete.architecture!).total,
      2 * (attention + 2 * 2 * d * f + 2 * d + 4 * d) + 2 * d + embeddings,
    );
    const missing = torch('    moe_jitter_eps: 0\n');
    assert.equal(missing.architecture, undefined);
    assert.ok(
      missing.diagnostics.some((x) =>
        x.message.includes('missing: moe_normalize_expert_weights, uniform_expert_assignment'),
      ),
    );
  });

  it('makes Llama width overrides unknown: the config stores head_dim before the overrides', () => {
    const hf = (overrides: string) =>
      readText(
        `max_seq_len: 2048\nglobal_train_batch_size: 8\nmax_duration: 10ba\nmodel:\n  name: hf_causal_lm\n  pretrained_model_name_or_path: meta-llama/Meta-Llama-3.1-8B\n  pretrained: false\n  config_overrides:\n${overrides}`,
      );
    assert.ok(hf('    num_hidden_layers: 4\n').architecture);
    for (const override of ['    hidden_size: 2048\n', '    num_attention_heads: 16\n']) {
      const spec = hf(override);
      assert.equal(spec.architecture, undefined, override);
      assert.ok(spec.diagnostics.some((x) => x.code === 'not-modelled-key' && x.message.includes('llama')));
    }
  });
});
