import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, type Analysis } from '../../../analyze';
import { applyOffsetEdits, planMemoryEdits, type MemoryEdit } from '../../../model/memoryEdits';
import { memoryFixes } from '../../../../server/memoryActions';
import { SHARED_DIR, SHARED_SKIP, fixturePath } from '../../../../../test/helpers';
import { applyEditOfKind } from '../../../../../test/layout-support';

const TINY_LLAMA = fixturePath('nanotron', 'config_tiny_llama.yaml');
const QWEN = fixturePath('nanotron', 'config_qwen.yaml');
const SMOLLM = join(SHARED_DIR, 'configs-c', 'unsupported', 'nanotron', 'config_smollm2_135M.yaml');
const SETTINGS = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'A100-40GB', gpuFromFile: false };

function analyse(text: string): Analysis {
  const a = analyzeText(text, {}, SETTINGS).analysis;
  assert.ok(a?.memory, `memory estimated: ${a?.diagnostics.map((d) => d.message).join('; ')}`);
  return a;
}

function editsOf(text: string): MemoryEdit[] {
  return planMemoryEdits('nanotron', text, analyse(text).memory!.layout);
}

/** The edit of a kind, applied and re-analysed (N and D unchanged, memory lower). */
const applied = (text: string, kind: MemoryEdit['kind']) => applyEditOfKind(text, kind, analyse, editsOf);

describe('nanotron memory edits (huggingface/nanotron@2411b022)', () => {
  it('optimizer.zero_stage 0 → 1 on the tiny-llama fixture: only that value changes, re-read as ZeRO-1', () => {
    const text = readFileSync(TINY_LLAMA, 'utf8');
    const { edit, text: edited, after } = applied(text, 'shard-up');
    assert.equal(edit.label, 'optimizer.zero_stage: 1');
    assert.equal(edited, text.replace('\n  zero_stage: 0\n', '\n  zero_stage: 1\n'));
    assert.equal(after.memory!.layout.sharding, 'zero1');
  });

  it('recompute_layer is inserted at the top of parallelism: when absent, flipped when false', () => {
    const tiny = readFileSync(TINY_LLAMA, 'utf8');
    assert.doesNotMatch(tiny, /recompute_layer/);
    const inserted = applied(tiny, 'recompute-full');
    assert.equal(
      inserted.text,
      tiny.replace('parallelism:\n  dp: 4\n', 'parallelism:\n  recompute_layer: true\n  dp: 4\n'),
    );
    assert.equal(inserted.after.memory!.layout.recompute, 'full');
    assert.equal(inserted.edit.replacements.length, 1);
    assert.equal(
      inserted.edit.replacements[0]!.start,
      inserted.edit.replacements[0]!.end,
      'a pure insertion',
    );

    const qwen = readFileSync(QWEN, 'utf8');
    const flipped = applied(qwen, 'recompute-full');
    assert.equal(flipped.text, qwen.replace('\n  recompute_layer: false\n', '\n  recompute_layer: true\n'));
    assert.equal((flipped.text.match(/recompute_layer/g) ?? []).length, 1, 'never a duplicate key');
    assert.equal(flipped.after.memory!.layout.recompute, 'full');
    // Python-style booleans stay Python-style.
    const py = qwen.replace('recompute_layer: false', 'recompute_layer: False');
    assert.match(applied(py, 'recompute-full').text, /\n {2}recompute_layer: True\n/);
    // Already on: nothing to offer.
    const on = qwen.replace('recompute_layer: false', 'recompute_layer: true');
    assert.ok(!editsOf(on).some((e) => e.kind === 'recompute-full'));
  });

  it(
    'SmolLM2 corpus config: micro_batch_size 8 → 4 with batch_accumulation_per_replica 1 → 2 in one edit, D unchanged',
    { skip: SHARED_SKIP },
    () => {
      const text = readFileSync(SMOLLM, 'utf8');
      const { edit, text: edited, after } = applied(text, 'micro-batch-half');
      assert.equal(edit.label, 'tokens.micro_batch_size: 4, batch_accumulation_per_replica: 2');
      assert.equal(edit.replacements.length, 2);
      assert.ok(
        edit.replacements[0]!.end <= edit.replacements[1]!.start,
        'non-overlapping, in document order',
      );
      assert.equal(
        edited,
        text
          .replace('\n  batch_accumulation_per_replica: 1\n', '\n  batch_accumulation_per_replica: 2\n')
          .replace('\n  micro_batch_size: 8\n', '\n  micro_batch_size: 4\n'),
      );
      assert.equal(after.memory!.layout.microBatch, 4);
      assert.equal(after.memory!.layout.gradAccum, 2);
      // The doubling what-if is the reverse, only while the accumulation is even.
      assert.ok(!editsOf(text).some((e) => e.kind === 'micro-batch-double'), 'accumulation 1 cannot halve');
      const back = editsOf(edited).find((e) => e.kind === 'micro-batch-double')!;
      assert.equal(applyOffsetEdits(edited, back.replacements), text);
      // On 40 GB the file fits; on a TPU-v5e the halving is a fix titled with the re-read memory.
      const v5e = { ...SETTINGS, gpu: 'TPU-v5e' };
      const a = analyzeText(text, {}, v5e).analysis!;
      const fix = memoryFixes(text, a, {}, v5e).find((f) => f.edit.kind === 'micro-batch-half')!;
      assert.match(
        fix.title,
        /^Halve the micro-batch, doubling gradient accumulation: tokens\.micro_batch_size: 4/,
      );
      assert.equal(fix.analysis.tokens, a.tokens);
    },
  );

  it('no micro-batch edit for an odd micro-batch, a placeholder, or with one of the two keys absent', () => {
    const tiny = readFileSync(TINY_LLAMA, 'utf8');
    // micro_batch_size 3, accumulation 1: neither halving nor doubling keeps the global batch.
    assert.ok(!editsOf(tiny).some((e) => e.kind.startsWith('micro-batch')));
    const even = tiny.replace('micro_batch_size: 3', 'micro_batch_size: 4');
    assert.ok(editsOf(even).some((e) => e.kind === 'micro-batch-half'));
    // Quotes are kept.
    const quoted = even.replace('micro_batch_size: 4', 'micro_batch_size: "4"');
    const q = editsOf(quoted).find((e) => e.kind === 'micro-batch-half')!;
    assert.match(applyOffsetEdits(quoted, q.replacements), /micro_batch_size: "2"\n/);
    // A template placeholder makes memory unknown; the planner on the resolved layout still edits nothing.
    const placeholder = even.replace('micro_batch_size: 4', 'micro_batch_size: MBS');
    const layout = analyse(even).memory!.layout;
    assert.ok(
      !planMemoryEdits('nanotron', placeholder, layout).some((e) => e.kind.startsWith('micro-batch')),
    );
    const noAccum = even.replace('  batch_accumulation_per_replica: 1\n', '');
    assert.ok(!planMemoryEdits('nanotron', noAccum, layout).some((e) => e.kind.startsWith('micro-batch')));
  });

  it('no ZeRO edit at its maximum (1), over one DP rank, or from a stage written as a word', () => {
    const tiny = readFileSync(TINY_LLAMA, 'utf8');
    const one = tiny.replace('zero_stage: 0', 'zero_stage: 1');
    assert.equal(analyse(one).memory!.layout.sharding, 'zero1');
    assert.ok(!editsOf(one).some((e) => e.kind === 'shard-up'));
    const singleRank = tiny.replace('  dp: 4\n', '  dp: 1\n');
    assert.ok(!editsOf(singleRank).some((e) => e.kind === 'shard-up'));
    const layout = analyse(tiny).memory!.layout;
    const word = tiny.replace('zero_stage: 0', 'zero_stage: ZERO');
    assert.ok(!planMemoryEdits('nanotron', word, layout).some((e) => e.kind === 'shard-up'));
  });

  it('offsets hold under a BOM and CRLF line ends (the inserted line uses the file’s)', () => {
    const tiny = readFileSync(TINY_LLAMA, 'utf8');
    const crlf = '\uFEFF' + tiny.replace(/\n/g, '\r\n');
    const edits = editsOf(crlf);
    const recompute = edits.find((e) => e.kind === 'recompute-full')!;
    assert.equal(
      applyOffsetEdits(crlf, recompute.replacements),
      crlf.replace('parallelism:\r\n  dp: 4\r\n', 'parallelism:\r\n  recompute_layer: true\r\n  dp: 4\r\n'),
    );
    const zero = edits.find((e) => e.kind === 'shard-up')!;
    assert.equal(applyOffsetEdits(crlf, zero.replacements), crlf.replace('zero_stage: 0', 'zero_stage: 1'));
  });
});
