/**
 * Axolotl memory edits (memoryEdits.ts) on the real Qwen2.5-0.5B FSDP2 pretraining example
 * (fixtures/schedule/qwen2_adamw-pretrain-fsdp2.yaml, axolotl-ai-cloud/axolotl@067b021c), which
 * is over a TPU-v5e's 16 GiB as shipped. Each edit is applied and the file re-analysed: the exact
 * text after the edit, the re-read layout, less memory, N and D unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, type Analysis } from '../../../analyze';
import { applyOffsetEdits, planMemoryEdits, type MemoryEdit } from '../../../model/memoryEdits';
import { memoryFixes } from '../../../../server/memoryActions';
import { fixturePath } from '../../../../../test/helpers';
import { applyEditOfKind } from '../../../../../test/layout-support';

const PATH = fixturePath('axolotl', 'schedule', 'qwen2_adamw-pretrain-fsdp2.yaml');
const QWEN = readFileSync(PATH, 'utf8');
const SETTINGS = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'TPU-v5e', gpuFromFile: false };

function analyse(text: string): Analysis {
  const a = analyzeText(text, { path: PATH }, SETTINGS).analysis;
  assert.ok(a?.memory, `memory estimated: ${a?.diagnostics.map((d) => d.message).join('; ')}`);
  return a;
}

function editsOf(text: string): MemoryEdit[] {
  return planMemoryEdits('axolotl', text, analyse(text).memory!.layout, { path: PATH });
}

/** The edit of a kind, applied and re-analysed (N and D unchanged, memory lower). */
const applied = (text: string, kind: MemoryEdit['kind']) => applyEditOfKind(text, kind, analyse, editsOf);

describe('Axolotl memory edits (axolotl-ai-cloud/axolotl@067b021c)', () => {
  it('the shipped file is over capacity and gets both fixes, micro-batch first', () => {
    const a = analyse(QWEN);
    assert.ok(a.diagnostics.some((d) => d.code === 'memory-over-capacity'));
    const fixes = memoryFixes(QWEN, a, { path: PATH }, SETTINGS);
    assert.deepEqual(
      fixes.map((f) => f.edit.label),
      ['micro_batch_size: 2, gradient_accumulation_steps: 2', 'gradient_checkpointing: true'],
    );
    for (const f of fixes) {
      const again = analyse(f.text);
      assert.ok(
        f.title.includes(`→ ≈ ${(again.memory!.perGpuBytes / 2 ** 30).toFixed(1)} / 16.0 GiB`),
        f.title,
      );
    }
  });

  it('gradient_checkpointing false → true: only that value changes, re-read as full recompute', () => {
    const { edit, text, after } = applied(QWEN, 'recompute-full');
    assert.equal(edit.key, 'gradient_checkpointing');
    assert.equal(text, QWEN.replace('\ngradient_checkpointing: false\n', '\ngradient_checkpointing: true\n'));
    assert.equal(after.memory!.layout.recompute, 'full');
    // With it on, the what-if "off" is the only recompute edit.
    assert.deepEqual(
      editsOf(text)
        .filter((e) => e.kind.startsWith('recompute'))
        .map((e) => `${e.kind} ${e.label}`),
      ['recompute-off gradient_checkpointing: false'],
    );
  });

  it('a missing gradient_checkpointing is inserted once, after gradient_accumulation_steps', () => {
    const without = QWEN.replace('\ngradient_checkpointing: false\n', '\n');
    assert.notEqual(without, QWEN);
    const { edit, text, after } = applied(without, 'recompute-full');
    assert.ok(
      edit.replacements.every((r) => r.start === r.end),
      'a pure insertion',
    );
    assert.equal(
      text,
      without.replace(
        '\ngradient_accumulation_steps: 1\n',
        '\ngradient_accumulation_steps: 1\ngradient_checkpointing: true\n',
      ),
    );
    assert.equal((text.match(/^gradient_checkpointing:/gm) ?? []).length, 1);
    assert.equal(after.memory!.layout.recompute, 'full');
  });

  it('no gradient_checkpointing edit for an MPT base model (Axolotl rejects it)', () => {
    const mpt = QWEN.replace('base_model: Qwen/Qwen2.5-0.5B', 'base_model: Qwen/Qwen2.5-0.5B # not-mpt');
    assert.ok(
      editsOf(mpt).some((e) => e.kind === 'recompute-full'),
      'a comment is not the value',
    );
    // An MPT checkpoint is not in the N table, so the planner is asked with the Qwen file's layout.
    const named = QWEN.replace('base_model: Qwen/Qwen2.5-0.5B', 'base_model: mosaicml/mpt-7b');
    const layout = analyse(QWEN).memory!.layout;
    assert.ok(planMemoryEdits('axolotl', QWEN, layout).some((e) => e.kind === 'recompute-full'));
    assert.ok(!planMemoryEdits('axolotl', named, layout).some((e) => e.kind === 'recompute-full'));
  });

  it('micro_batch_size halved with gradient_accumulation_steps doubled in one edit, D kept', () => {
    const { edit, text, after } = applied(QWEN, 'micro-batch-half');
    assert.equal(edit.replacements.length, 2);
    assert.ok(edit.replacements[0]!.end <= edit.replacements[1]!.start, 'in document order, not overlapping');
    assert.equal(
      text,
      QWEN.replace(
        'gradient_accumulation_steps: 1\nmicro_batch_size: 4\n',
        'gradient_accumulation_steps: 2\nmicro_batch_size: 2\n',
      ),
    );
    assert.equal(after.memory!.layout.microBatch, 2);
    assert.equal(after.memory!.layout.gradAccum, 2);
    assert.deepEqual(
      editsOf(text)
        .filter((e) => e.kind.startsWith('micro'))
        .map((e) => e.label),
      [
        'micro_batch_size: 1, gradient_accumulation_steps: 4',
        'micro_batch_size: 4, gradient_accumulation_steps: 1',
      ],
    );
  });

  it('no micro-batch edit with batch_size (accumulation derived), a missing accumulation key, or a micro-batch of 1', () => {
    const variants = {
      batchSize: QWEN.replace('gradient_accumulation_steps: 1\n', 'batch_size: 4\n'),
      noAccum: QWEN.replace('gradient_accumulation_steps: 1\n', ''),
      quoted: QWEN.replace('micro_batch_size: 4', 'micro_batch_size: "4"'),
      minimal: QWEN.replace('micro_batch_size: 4', 'micro_batch_size: 1'),
    };
    for (const [name, text] of Object.entries(variants)) {
      assert.notEqual(text, QWEN, name);
      const a = analyzeText(text, { path: PATH }, SETTINGS).analysis!;
      const edits = a.memory ? planMemoryEdits('axolotl', text, a.memory.layout, { path: PATH }) : [];
      assert.ok(
        !edits.some((e) => e.kind.startsWith('micro')),
        `${name}: ${edits.map((e) => e.label).join()}`,
      );
    }
  });

  it('FSDP2 fsdp_reshard_after_forward false → true as written (prefixed key); not under FSDP1', () => {
    const grad = QWEN.replace(
      '  fsdp_reshard_after_forward: true\n',
      '  fsdp_reshard_after_forward: false\n',
    );
    assert.notEqual(grad, QWEN);
    assert.equal(analyse(grad).memory!.layout.sharding, 'zero2');
    const { edit, text, after } = applied(grad, 'shard-up');
    assert.equal(edit.label, 'fsdp_config.fsdp_reshard_after_forward: true');
    assert.equal(text, QWEN);
    assert.equal(after.memory!.layout.sharding, 'zero3');
    // Already resharding: nothing to raise.
    assert.ok(!editsOf(QWEN).some((e) => e.kind === 'shard-up'));
    // Without fsdp_version 2 Axolotl pins FSDP1, where the key is not fully_shard's: not edited.
    const fsdp1 = grad.replace('  fsdp_version: 2\n', '');
    assert.ok(!editsOf(fsdp1).some((e) => e.kind === 'shard-up'));
  });

  it('a BOM is kept: offsets land on the same characters', () => {
    const bom = `\ufeff${QWEN}`;
    const { text } = applied(bom, 'recompute-full');
    assert.equal(
      text,
      `\ufeff${QWEN.replace('\ngradient_checkpointing: false\n', '\ngradient_checkpointing: true\n')}`,
    );
  });
});
