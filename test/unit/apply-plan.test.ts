import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readRunConfig } from '../../src/core/config/registry';
import type { TextReplacement } from '../../src/core/edits';
import { countParams } from '../../src/core/model/params';
import { suggestArchitecture } from '../../src/core/plan';
import { applyPlan, type PlanApplication, type PlanTarget } from '../../src/core/plan/applyPlan';
import type { ReadContext, RunSpec } from '../../src/core/types';
import { diskReadFile, fixture, fixturePath } from '../helpers';
import { loadCorpus } from './fuzz-support';

/** Read a config (must be a run config with an architecture). */
function specOf(text: string, context: ReadContext = {}): RunSpec {
  const read = readRunConfig(text, context);
  assert.equal(read.kind, 'run-config');
  if (read.kind !== 'run-config') throw new Error('unreachable');
  return read.spec;
}

function fixtureContext(...parts: string[]): ReadContext {
  return { path: fixturePath(...parts), readFile: diskReadFile };
}

/**
 * Offset of an LSP position, computed independently of the core's LineIndex: lines end at \r\n,
 * \n or \r.
 */
function offsetOf(text: string, line: number, character: number): number {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const match = /\r\n|\n|\r/.exec(text.slice(offset));
    assert.ok(match, `line ${line} beyond the text`);
    offset += match.index + match[0].length;
  }
  return offset + character;
}

/** Every byte outside the replaced ranges is unchanged, and each range held the key's raw value. */
function assertOnlyRangesChanged(original: string, application: PlanApplication): void {
  const bom = original.startsWith('\ufeff') ? '\ufeff' : '';
  const body = original.slice(bom.length);
  const spans = application.replacements
    .map((r: TextReplacement) => ({
      start: offsetOf(body, r.range.start.line, r.range.start.character),
      end: offsetOf(body, r.range.end.line, r.range.end.character),
      newText: r.newText,
    }))
    .sort((a, b) => a.start - b.start);
  let expected = bom;
  let cursor = 0;
  for (const span of spans) {
    assert.ok(span.start >= cursor, 'replacements overlap');
    expected += body.slice(cursor, span.start) + span.newText;
    cursor = span.end;
  }
  expected += body.slice(cursor);
  assert.equal(application.text, expected);
  const fromTexts = spans.map((s) => body.slice(s.start, s.end).trim()).sort();
  assert.deepEqual(fromTexts, application.changes.map((c) => c.from).sort());
}

/** A LLaMA-style HF config.json: the suggestion's own conventions (untied, SwiGLU, no biases). */
const HF_LLAMA = `{
  "architectures": ["LlamaForCausalLM"],
  "model_type": "llama",
  "hidden_size": 4096,
  "intermediate_size": 11008,
  "num_attention_heads": 32,
  "num_hidden_layers": 32,
  "num_key_value_heads": 32,
  "rms_norm_eps": 1e-05,
  "tie_word_embeddings": false,
  "vocab_size": 32000
}
`;

describe('applyPlan', () => {
  it('rewrites a LLaMA-style config to the suggested shape, which re-reads to the exact suggested N', () => {
    const suggestion = suggestArchitecture(1.3e9);
    assert.ok(suggestion.ok);
    const s = suggestion.value;
    const applied = applyPlan(HF_LLAMA, specOf(HF_LLAMA), {
      architecture: s.architecture,
      params: 1.3e9,
    });
    assert.equal(applied.result.params?.total, s.params.total);
    assert.equal(applied.result.paramsInConvention, s.matchedParams);
    assert.deepEqual(
      applied.changes.map((c) => `${c.key}: ${c.from} → ${c.to}`),
      [
        `hidden_size: 4096 → ${s.architecture.dModel}`,
        `intermediate_size: 11008 → ${s.architecture.ffnSize}`,
        `num_attention_heads: 32 → ${s.architecture.nHeads}`,
        `num_hidden_layers: 32 → ${s.architecture.nLayers}`,
        `num_key_value_heads: 32 → ${s.architecture.nKvHeads}`,
      ],
    );
    assert.deepEqual(applied.notes, []);
    assertOnlyRangesChanged(HF_LLAMA, applied);
  });

  it('keeps a BOM and CRLF line ends byte-for-byte', () => {
    const text = '\ufeff' + HF_LLAMA.replace(/\n/g, '\r\n');
    const applied = applyPlan(text, specOf(text), {
      architecture: { nLayers: 24, dModel: 2048, nHeads: 16, nKvHeads: 16 },
    });
    assert.ok(applied.text.startsWith('\ufeff{\r\n'));
    assert.equal(applied.text.split('\r\n').length, text.split('\r\n').length);
    assert.equal(
      applied.result.params?.total,
      countParams({
        ...specOf(text).architecture!,
        nLayers: 24,
        dModel: 2048,
        nHeads: 16,
        nKvHeads: 16,
        headDim: 128,
      }).total,
    );
    assertOnlyRangesChanged(text, applied);
  });

  it('sets nanoGPT layers/width/heads and max_iters; the layer count absorbs the GPT-2 conventions', () => {
    const text = fixture('nanogpt', 'train_tiny_char.py');
    const suggestion = suggestArchitecture(1.3e9);
    assert.ok(suggestion.ok);
    const applied = applyPlan(
      text,
      specOf(text, fixtureContext('nanogpt', 'train_tiny_char.py')),
      { architecture: suggestion.value.architecture, tokens: 2.6e10, params: 1.3e9 },
      fixtureContext('nanogpt', 'train_tiny_char.py'),
    );
    assert.deepEqual(
      applied.changes.map((c) => `${c.key}=${c.to}`),
      ['n_layer=20', 'n_head=18', 'n_embd=2304', 'max_iters=1586914', 'lr_decay_iters=1586914'],
    );
    // 32 seqs × 128 tokens × 4 accumulation steps per iteration = 16384 tokens.
    assert.equal(applied.result.tokens, 1586914 * 16384);
    assert.equal(applied.result.params?.total, 1275068160);
    assert.ok(Math.abs(applied.result.paramsRelativeError!) < 0.02);
    assert.ok(applied.notes.some((n) => /Layers set to 20 instead of the suggested 18/.test(n)));
    assert.ok(applied.notes.some((n) => /non-gated MLP/.test(n)));
    assertOnlyRangesChanged(text, applied);
  });

  it('leaves an FFN ratio alone (OLMo mlp_ratio) and writes the duration in the file’s unit', () => {
    const path = ['olmo', 'OLMo-tiny-tied.yaml'];
    const text = fixture(...path);
    const applied = applyPlan(
      text,
      specOf(text, fixtureContext(...path)),
      { architecture: { nLayers: 4, dModel: 256, nHeads: 8, ffnSize: 1024 }, tokens: 2.6e10 },
      fixtureContext(...path),
    );
    assert.ok(applied.notes.some((n) => n.startsWith('mlp_ratio = 8 is not the per-branch FFN width')));
    assert.deepEqual(
      applied.changes.map((c) => `${c.key}=${c.to}`),
      ['d_model=256', 'n_heads=8', 'n_layers=4', 'max_duration=2.6e10T'],
    );
    assert.equal(applied.result.tokens, 2.6e10);
    assertOnlyRangesChanged(text, applied);
  });

  it('writes llm-foundry token durations with their suffix', () => {
    const path = ['llm-foundry', 'mcli-mpt-tiny-alibi.yaml'];
    const text = fixture(...path);
    const applied = applyPlan(
      text,
      specOf(text, fixtureContext(...path)),
      { tokens: 2.6e10 },
      fixtureContext(...path),
    );
    assert.deepEqual(
      applied.changes.map((c) => `${c.from} → ${c.to}`),
      ['1000000000tok → 2.6e10tok'],
    );
    assert.equal(applied.result.tokens, 2.6e10);
    assertOnlyRangesChanged(text, applied);
  });

  it('does not touch a model named by a flavor (torchtitan) and says which key decides', () => {
    const path = ['torchtitan', 'llama3_8b_global_batch.toml'];
    const text = fixture(...path);
    const applied = applyPlan(
      text,
      specOf(text, fixtureContext(...path)),
      { architecture: { nLayers: 16, dModel: 2048, nHeads: 16, nKvHeads: 8 } },
      fixtureContext(...path),
    );
    assert.deepEqual(applied.replacements, []);
    assert.equal(applied.text, text);
    assert.equal(applied.notes.length, 1);
    assert.match(applied.notes[0], /^flavor = "8B_flex" determines the architecture indirectly/);
  });

  it('refines the step count when a batch ramp-up makes D non-linear in the iterations (Megatron)', () => {
    const path = ['megatron', 'gpt3', 'train_gpt3_175b_distributed.sh'];
    const text = fixture(...path);
    const applied = applyPlan(
      text,
      specOf(text, fixtureContext(...path)),
      { tokens: 2.6e10 },
      fixtureContext(...path),
    );
    assert.equal(applied.changes.length, 1);
    assert.equal(applied.changes[0].key, '--train-iters');
    assert.ok(
      Math.abs(applied.result.tokensRelativeError!) < 0.005,
      String(applied.result.tokensRelativeError),
    );
    assertOnlyRangesChanged(text, applied);
  });

  it('reports a run that another key caps (OLMo stop_at) instead of claiming the planned D', () => {
    const path = ['olmo', 'OLMo2-tiny-stop-at.yaml'];
    const text = fixture(...path);
    const applied = applyPlan(
      text,
      specOf(text, fixtureContext(...path)),
      { tokens: 2.6e10 },
      fixtureContext(...path),
    );
    assert.ok(applied.result.tokens! < 2.6e10);
    assert.ok(
      applied.notes.some((n) =>
        /^After the edit the file trains on .* tokens, .* off the planned 26,000,000,000/.test(n),
      ),
    );
  });

  it('re-reads every edited file to the exact count of its own architecture, and changes nothing else (fixtures and ../shared)', () => {
    const corpus = loadCorpus({ maxChars: 200_000 });
    let checked = 0;
    for (const file of corpus) {
      const context = { path: file.path, readFile: diskReadFile };
      const read = readRunConfig(file.text, context);
      if (read.kind !== 'run-config' || !read.spec.architecture) continue;
      const spec = read.spec;
      fc.assert(
        fc.property(
          fc.double({ min: 7, max: 11, noNaN: true }),
          fc.double({ min: 9, max: 13, noNaN: true }),
          fc.boolean(),
          (logParams, logTokens, withTokens) => {
            const params = 10 ** logParams;
            const suggestion = suggestArchitecture(params, { vocabSize: spec.architecture!.vocabSize });
            if (!suggestion.ok) return;
            const target: PlanTarget = {
              architecture: suggestion.value.architecture,
              params,
              ...(withTokens ? { tokens: 10 ** logTokens } : {}),
            };
            const applied = applyPlan(file.text, spec, target, context);
            assertOnlyRangesChanged(file.text, applied);
            const reread = readRunConfig(applied.text, context);
            assert.equal(reread.kind, 'run-config', file.label);
            if (reread.kind !== 'run-config') return;
            assert.equal(reread.spec.framework, spec.framework);
            const arch = reread.spec.architecture!;
            assert.equal(applied.result.params?.total, countParams(arch).total, file.label);
            for (const change of applied.changes) {
              if (change.field === 'duration') continue;
              assert.equal(
                arch[change.field as 'nLayers'],
                Number(change.to.replace(/["'_]/g, '')),
                `${file.label} ${change.key}`,
              );
            }
          },
        ),
        { numRuns: 2, seed: 42 },
      );
      checked++;
    }
    assert.ok(checked >= 25, `only ${checked} configs checked`);
  });
});
