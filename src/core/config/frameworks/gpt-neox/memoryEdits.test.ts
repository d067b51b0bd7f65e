/**
 * GPT-NeoX memory edits (memoryEdits.ts, EleutherAI/gpt-neox@ea7aefd8) on real Pythia configs (the
 * ../shared corpora) and this folder's fixtures, over a TPU-v5e's 16 GiB: each edit is applied and
 * the file re-analysed — the exact text after the edit (so the rest of the file is byte-identical),
 * the re-read layout, less memory, N and D unchanged — and the edits NeoX would refuse or that would
 * change D are not offered.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, readContextFor, type Analysis } from '../../../analyze';
import { applyOffsetEdits, planMemoryEdits, type MemoryEdit } from '../../../model/memoryEdits';
import { memoryFixes } from '../../../../server/memoryActions';
import { fixturePath, SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';

// 8 GPUs for the files that do not say how many (D = iterations × micro × accumulation × DP × seq).
const SETTINGS = {
  ...DEFAULT_ANALYSIS_SETTINGS,
  gpu: 'TPU-v5e',
  gpuFromFile: false,
  gpus: 8,
  useGpusForMissingTokens: true,
};
const fixture = (name: string) => readFileSync(fixturePath('gpt-neox', name), 'utf8');
const shared = (...p: string[]) => readFileSync(join(SHARED_DIR, ...p), 'utf8');

function analyse(text: string, settings = SETTINGS): Analysis {
  const a = analyzeText(text, readContextFor({}, settings), settings).analysis;
  assert.ok(a?.memory, `memory estimated: ${a?.diagnostics.map((d) => d.message).join('; ')}`);
  assert.equal(a.framework, 'gpt-neox');
  return a;
}

function editsOf(text: string, settings = SETTINGS): MemoryEdit[] {
  return planMemoryEdits('gpt-neox', text, analyse(text, settings).memory!.layout);
}

const kinds = (text: string, settings = SETTINGS) => editsOf(text, settings).map((e) => e.kind);

/** The edit of `kind`, applied and re-analysed: N and D unchanged, memory lower. */
function applied(text: string, kind: MemoryEdit['kind'], settings = SETTINGS) {
  const before = analyse(text, settings);
  const edit = editsOf(text, settings).find((e) => e.kind === kind);
  assert.ok(edit, `a ${kind} edit (got ${kinds(text, settings).join(', ')})`);
  const edited = applyOffsetEdits(text, edit.replacements);
  const after = analyse(edited, settings);
  assert.equal(after.params?.total, before.params?.total, 'N unchanged');
  assert.equal(after.params?.active, before.params?.active, 'active N unchanged');
  assert.ok(before.tokens, 'D known');
  assert.equal(after.tokens, before.tokens, 'D unchanged');
  if (kind !== 'recompute-off' && kind !== 'micro-batch-double')
    assert.ok(after.memory!.perGpuBytes < before.memory!.perGpuBytes, 'memory lower');
  return { edit, text: edited, before, after };
}

describe('GPT-NeoX memory edits (EleutherAI/gpt-neox@ea7aefd8)', () => {
  it(
    'Pythia 70M (pipeline engine, ZeRO-1, checkpointing on) over 16 GiB: only the micro-batch fix, the accumulation inserted beside it',
    { skip: SHARED_SKIP },
    () => {
      const text = shared('configs-b', 'gpt-neox', 'pythia', '70M.yml');
      const a = analyse(text);
      assert.ok(a.diagnostics.some((d) => d.code === 'memory-over-capacity'));
      // pipe_parallel_size 1 caps ZeRO at stage 1 (already), checkpoint_activations is already on.
      assert.deepEqual(
        memoryFixes(text, a, readContextFor({}, SETTINGS), SETTINGS).map((f) => f.edit.label),
        ['train_micro_batch_size_per_gpu: 16, gradient_accumulation_steps: 2'],
      );
      const { text: edited, after } = applied(text, 'micro-batch-half');
      assert.equal(
        edited,
        text.replace(
          '  "train_micro_batch_size_per_gpu": 32,\n',
          '  "gradient_accumulation_steps": 2,\n  "train_micro_batch_size_per_gpu": 16,\n',
        ),
      );
      assert.equal(after.memory!.layout.microBatch, 16);
      assert.equal(after.memory!.layout.gradAccum, 2);
      assert.equal(after.memory!.fits, true);
    },
  );

  it(
    'Pythia 14M (no pipeline, stage 0, checkpointing off, `gas: 1`): all three fixes, each exact',
    { skip: SHARED_SKIP },
    () => {
      const text = shared('configs', 'gpt-neox_pythia', 'pythia-14m.yml');
      const a = analyse(text);
      assert.deepEqual(
        memoryFixes(text, a, readContextFor({}, SETTINGS), SETTINGS).map((f) => f.edit.kind),
        ['shard-up', 'micro-batch-half', 'recompute-full'],
      );
      // ZeRO 0 → 1 in place; pipe-parallel-size 0 would admit 2 and 3 on the next steps.
      const zero = applied(text, 'shard-up');
      assert.equal(zero.text, text.replace('    "stage": 0,\n', '    "stage": 1,\n'));
      assert.equal(zero.after.memory!.layout.sharding, 'zero1');
      assert.deepEqual(
        editsOf(zero.text)
          .filter((e) => e.kind === 'shard-up')
          .map((e) => e.label),
        ['zero_optimization.stage: 2'],
      );
      // The value changes, the user's `#true` comment after it stays; spelled with the file's hyphens.
      const ckpt = applied(text, 'recompute-full');
      assert.equal(ckpt.edit.label, 'checkpoint-activations: true');
      assert.equal(
        ckpt.text,
        text.replace('"checkpoint-activations": false, #true,', '"checkpoint-activations": true, #true,'),
      );
      assert.equal(ckpt.after.memory!.layout.recompute, 'full');
      // The removed `gas` duplicate (gpt-neox 91c44bc3) gives way to the key NeoX reads.
      const micro = applied(text, 'micro-batch-half');
      assert.equal(
        micro.text,
        text.replace(
          '"train_micro_batch_size_per_gpu": 32,\n  "gas": 1,',
          '"train_micro_batch_size_per_gpu": 16,\n  "gradient_accumulation_steps": 2,',
        ),
      );
      assert.equal(micro.after.memory!.layout.gradAccum, 2);
    },
  );

  it('the hyphenated fixture: keys inserted in the file’s spelling and style, the global batch kept', () => {
    const text = fixture('small-learned-pos.yml');
    assert.ok(!/checkpoint.activations/.test(text) && !/zero.optimization/.test(text));
    const ckpt = applied(text, 'recompute-full');
    assert.equal(
      ckpt.text,
      text.replace(
        '  "train_micro_batch_size_per_gpu": 8,\n',
        '  "checkpoint-activations": true,\n  "train_micro_batch_size_per_gpu": 8,\n',
      ),
    );
    assert.equal(ckpt.after.memory!.layout.recompute, 'full');
    assert.equal(ckpt.after.memory!.layout.recomputeMethod, undefined, 'checkpoint_num_layers 1 (default)');
    // No zero_optimization: the object goes in beside the batch keys, stage 1 (model-parallel-size 2
    // caps NeoX at stage 1).
    const zero = applied(text, 'shard-up');
    assert.equal(
      zero.text,
      text.replace(
        '  "train_batch_size": 64,\n  "train_micro_batch_size_per_gpu": 8,\n',
        '  "train_batch_size": 64,\n  "zero_optimization": {"stage": 1},\n  "train_micro_batch_size_per_gpu": 8,\n',
      ),
    );
    assert.equal(zero.after.memory!.layout.sharding, 'zero1');
    assert.ok(!editsOf(zero.text).some((e) => e.kind === 'shard-up'), 'stage 2 is refused with MP 2');
    // train_batch_size stated: NeoX still defaults the accumulation to 1 and asserts
    // train_batch = micro × accumulation × DP, so the edit writes the accumulation too.
    const micro = applied(text, 'micro-batch-half');
    assert.equal(
      micro.text,
      text.replace(
        '  "train_micro_batch_size_per_gpu": 8,\n',
        '  "gradient_accumulation_steps": 2,\n  "train_micro_batch_size_per_gpu": 4,\n',
      ),
    );
    assert.equal(micro.after.spec.training.globalBatchSeqs, 64);
  });

  it('a written accumulation is doubled in the same edit (the two replacements in document order)', () => {
    const text = fixture('pythia-2-8B.yml');
    const { edit, text: edited, after } = applied(text, 'micro-batch-half');
    assert.equal(edit.label, 'train_micro_batch_size_per_gpu: 4, gradient_accumulation_steps: 4');
    assert.equal(edit.replacements.length, 2);
    assert.ok(edit.replacements[0]!.end <= edit.replacements[1]!.start);
    assert.equal(
      edited,
      text
        .replace('"train_micro_batch_size_per_gpu": 8,', '"train_micro_batch_size_per_gpu": 4,')
        .replace('"gradient_accumulation_steps": 2,', '"gradient_accumulation_steps": 4,'),
    );
    assert.equal(after.memory!.layout.microBatch, 4);
    // The reverse (a what-if row) is offered as the accumulation is even.
    const double = applied(text, 'micro-batch-double');
    assert.equal(double.edit.label, 'train_micro_batch_size_per_gpu: 16, gradient_accumulation_steps: 1');
  });

  it('ZeRO 2/3 only without the pipeline engine, model parallelism or MoE (training.py get_model, arguments.py)', () => {
    // The fixture runs the pipeline engine; without it (pipe_parallel_size 0) NeoX takes stages 2 and 3.
    const base = fixture('llama-style-gqa.yml').replace(
      '"pipe_parallel_size": 1,',
      '"pipe_parallel_size": 0,',
    );
    const withKeys = (keys: string) => base.replace('{', `{\n${keys}`);
    const stage1 = withKeys('  "zero_optimization": {"stage": 1},\n');
    const shard = (text: string) => editsOf(text).filter((e) => e.kind === 'shard-up');
    assert.deepEqual(
      shard(stage1).map((e) => e.label),
      ['zero_optimization.stage: 2'],
      'pipe_parallel_size 0: no PipelineModule',
    );
    const unstated = stage1.replace('  "pipe_parallel_size": 0,\n', '');
    assert.deepEqual(
      shard(unstated).map((e) => e.label),
      ['zero_optimization.stage: 2'],
      'no pipe_parallel_size: NeoX default 0',
    );
    assert.equal(applied(stage1, 'shard-up').after.memory!.layout.sharding, 'zero2');
    for (const [from, to] of [
      ['"pipe_parallel_size": 0,', '"pipe_parallel_size": 1,'],
      ['"pipe_parallel_size": 0,', '"pipe-parallel-size": 2,'],
      ['"model_parallel_size": 1,', '"model_parallel_size": 2,'],
      ['"pipe_parallel_size": 0,', '"pipe_parallel_size": "auto",'],
    ] as const) {
      const refused = stage1.replace(from, to);
      assert.notEqual(refused, stage1);
      assert.deepEqual(
        planMemoryEdits('gpt-neox', refused, analyse(stage1).memory!.layout).filter(
          (e) => e.kind === 'shard-up',
        ),
        [],
        to,
      );
    }
    // At the maximum, nothing to raise.
    assert.deepEqual(shard(withKeys('  "zero_optimization": {"stage": 3},\n')), []);
    // A stage that is not a plain number is not edited.
    assert.deepEqual(
      planMemoryEdits(
        'gpt-neox',
        withKeys('  "zero_optimization": {"stage": "all"},\n'),
        analyse(stage1).memory!.layout,
      ).filter((e) => e.kind === 'shard-up'),
      [],
    );
  });

  it('bf16 on the pipeline engine without an fp32 grad_accum_dtype: no stage 0 → 1 (arguments.py warns it breaks)', () => {
    const base = fixture('llama-style-gqa.yml');
    assert.match(base, /"pipe_parallel_size": 1,/);
    const text = base.replace('{', '{\n  "bf16": {"enabled": true},');
    assert.ok(!kinds(text).includes('shard-up'), kinds(text).join());
    const fp32 = text.replace('{', '{\n  "data_types": {"grad_accum_dtype": "fp32"},');
    assert.ok(kinds(fp32).includes('shard-up'), kinds(fp32).join());
  });

  it('MoE caps ZeRO at stage 1 (arguments.py: "MoE is not compatible with zero stages 2 and 3")', () => {
    const text = fixture('125M-dmoe.yml');
    const a = analyse(text);
    assert.equal(a.memory!.layout.sharding, 'zero1');
    assert.ok(!kinds(text).includes('shard-up'));
  });

  it('no micro-batch edit where it would change D or the value is not a plain number', () => {
    const text = fixture('pythia-2-8B.yml');
    const layout = analyse(text).memory!.layout;
    const micro = (t: string) =>
      planMemoryEdits('gpt-neox', t, layout).filter((e) => e.kind.startsWith('micro-batch'));
    assert.equal(micro(text).length, 2);
    for (const [from, to] of [
      ['"train_micro_batch_size_per_gpu": 8,', '"train_micro_batch_size_per_gpu": "auto",'],
      ['"gradient_accumulation_steps": 2,', '"gradient_accumulation_steps": "auto",'],
      ['"gradient_accumulation_steps": 2,', '"gradient_accumulation_steps": 2.5,'],
      // A `gas` other than 1 (the reader would take it, NeoX did not): unclear, so no edit.
      ['"gradient_accumulation_steps": 2,', '"gas": 2,'],
      ['"gradient_accumulation_steps": 2,', '"gradient_accumulation_steps": 2, "gas": 1,'],
    ] as const) {
      const edited = text.replace(from, to);
      assert.notEqual(edited, text);
      assert.deepEqual(micro(edited), [], to);
    }
    // An odd micro-batch cannot be halved.
    const odd = text.replace('"train_micro_batch_size_per_gpu": 8,', '"train_micro_batch_size_per_gpu": 7,');
    assert.ok(!kinds(odd).includes('micro-batch-half'));
  });

  it('checkpointing on: an "off" what-if only, with the file’s boolean spelling', () => {
    const text = fixture('pythia-2-8B.yml').replace(
      '"checkpoint_activations": true,',
      '"checkpoint_activations": True,',
    );
    const edits = editsOf(text).filter((e) => e.kind.startsWith('recompute'));
    assert.deepEqual(
      edits.map((e) => `${e.kind} ${e.label}`),
      ['recompute-off checkpoint_activations: False'],
    );
    const off = applyOffsetEdits(text, edits[0]!.replacements);
    assert.equal(off, text.replace('"checkpoint_activations": True,', '"checkpoint_activations": False,'));
    assert.equal(analyse(off).memory!.layout.recompute, 'none');
  });

  it('a file with a BOM and CRLF line ends gets the same edits at the right offsets', () => {
    const lf = fixture('small-learned-pos.yml');
    const crlf = '\ufeff' + lf.replace(/\n/g, '\r\n');
    const plain = editsOf(lf).map((e) => applyOffsetEdits(lf, e.replacements));
    const edited = editsOf(crlf).map((e) => applyOffsetEdits(crlf, e.replacements));
    assert.equal(edited.length, 3);
    assert.deepEqual(
      edited,
      plain.map((t) => '\ufeff' + t.replace(/\n/g, '\r\n')),
    );
  });

  it('a block-style YAML (NeoX loads any YAML): keys inserted unquoted, as block lines', () => {
    const block = stringify(parse(fixture('small-learned-pos.yml')));
    assert.match(block, /^train_micro_batch_size_per_gpu: 8$/m);
    const micro = applied(block, 'micro-batch-half');
    assert.equal(
      micro.text,
      block.replace(
        /^train_micro_batch_size_per_gpu: 8\n/m,
        'gradient_accumulation_steps: 2\ntrain_micro_batch_size_per_gpu: 4\n',
      ),
    );
    const zero = applied(block, 'shard-up');
    assert.match(zero.text, /^zero_optimization: \{stage: 1\}\ntrain_micro_batch_size_per_gpu: 8$/m);
    assert.equal(zero.after.memory!.layout.sharding, 'zero1');
  });

  it('every edit of every fixture leaves a file NeoX can load (the YAML parses, no key twice)', () => {
    for (const name of ['llama-style-gqa.yml', 'small-learned-pos.yml', 'pythia-2-8B.yml', 'neox-20b.yml']) {
      const text = fixture(name);
      for (const edit of editsOf(text)) {
        const edited = applyOffsetEdits(text, edit.replacements);
        const a = analyzeText(edited, {}, SETTINGS);
        assert.ok(!a.diagnostics.some((d) => d.code === 'yaml-syntax'), `${name}: ${edit.label}`);
        const keys = [...edited.matchAll(/^\s*"([\w-]+)":/gm)].map((m) => m[1]!.replace(/-/g, '_'));
        const top = keys.filter((k) =>
          /^(checkpoint_activations|gradient_accumulation_steps|zero_optimization)$/.test(k),
        );
        assert.equal(new Set(top).size, top.length, `${name}: ${edit.label} writes no key twice`);
      }
    }
  });
});
