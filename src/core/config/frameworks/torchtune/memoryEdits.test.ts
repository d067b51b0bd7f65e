/**
 * torchtune memory edits (memoryEdits.ts) on the real Mistral 7B full-finetune recipe config
 * (fixtures/mistral_7B_full.yaml, pytorch/torchtune@bd2a0fc7). That file leaves
 * `tokenizer.max_seq_len: null` (sequence length = the dataset's, memory unknown) and uses
 * LinearCrossEntropyLoss (logits kept data-dependently, unknown), so each test first sets the length
 * to 4096 and the loss to torch.nn.CrossEntropyLoss, the two changes that give the file a memory
 * figure; every other byte is the recipe's. Each edit is applied and the file re-analysed: the exact text after the edit, the
 * re-read layout, less memory, N and D unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, type Analysis } from '../../../analyze';
import { applyOffsetEdits, planMemoryEdits, type MemoryEdit } from '../../../model/memoryEdits';
import { memoryFixes } from '../../../../server/memoryActions';
import { fixturePath } from '../../../../../test/helpers';
import { applyEditOfKind } from '../../../../../test/layout-support';

const PATH = fixturePath('torchtune', 'mistral_7B_full.yaml');
const RECIPE = readFileSync(PATH, 'utf8');
const SETTINGS = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'A100-40GB', gpuFromFile: false, gpus: 4 };
// Plain cross entropy too: the recipe's LinearCrossEntropyLoss keeps a data-dependent share of the
// logits, which makes memory unknown (layout.ts).
const WITH_SEQ = RECIPE.replace('  max_seq_len: null\n', '  max_seq_len: 4096\n').replace(
  'torchtune.modules.loss.LinearCrossEntropyLoss',
  'torch.nn.CrossEntropyLoss',
);

function analyse(text: string, path = PATH): Analysis {
  const a = analyzeText(text, { path }, SETTINGS).analysis;
  assert.ok(a?.memory, `memory estimated: ${a?.diagnostics.map((d) => d.message).join('; ')}`);
  return a;
}

function editsOf(text: string, path = PATH): MemoryEdit[] {
  return planMemoryEdits('torchtune', text, analyse(text, path).memory!.layout, { path });
}

/** The edit of a kind, applied and re-analysed (N and D unchanged, memory lower). */
const applied = (text: string, kind: MemoryEdit['kind']) => applyEditOfKind(text, kind, analyse, editsOf);

describe('torchtune memory edits (pytorch/torchtune@bd2a0fc7 recipes)', () => {
  it('the recipe as shipped (max_seq_len null) has no memory figure, so no edits', () => {
    const a = analyzeText(RECIPE, { path: PATH }, SETTINGS).analysis!;
    assert.ok(!a.memory, 'no memory figure');
    assert.deepEqual(memoryFixes(RECIPE, a, { path: PATH }, SETTINGS), []);
  });

  it('enable_activation_checkpointing False → True in the file’s own case, comment kept', () => {
    const off = WITH_SEQ.replace(
      'enable_activation_checkpointing: True  # True reduces memory',
      'enable_activation_checkpointing: False  # True reduces memory',
    );
    assert.notEqual(off, WITH_SEQ);
    assert.equal(analyse(off).memory!.layout.recompute, 'none');
    const { edit, text, after } = applied(off, 'recompute-full');
    assert.equal(edit.label, 'enable_activation_checkpointing: True');
    assert.equal(text, WITH_SEQ, 'only the value changes back');
    assert.equal(after.memory!.layout.recompute, 'full');
    // The shipped True is already full recompute: no recompute-full, only the what-if "off".
    assert.deepEqual(
      editsOf(WITH_SEQ)
        .filter((e) => e.kind.startsWith('recompute'))
        .map((e) => `${e.kind} ${e.label}`),
      ['recompute-off enable_activation_checkpointing: False'],
    );
  });

  it('a missing enable_activation_checkpointing is inserted once, beside gradient_accumulation_steps', () => {
    const line = 'enable_activation_checkpointing: True  # True reduces memory\n';
    const without = WITH_SEQ.replace(line, '');
    assert.equal(without.length, WITH_SEQ.length - line.length);
    const { edit, text, after } = applied(without, 'recompute-full');
    assert.ok(
      edit.replacements.every((r) => r.start === r.end),
      'a pure insertion',
    );
    assert.equal(
      text,
      without.replace(
        'gradient_accumulation_steps: 1  # Use to increase effective batch size\n',
        'gradient_accumulation_steps: 1  # Use to increase effective batch size\nenable_activation_checkpointing: True\n',
      ),
    );
    assert.equal((text.match(/^enable_activation_checkpointing:/gm) ?? []).length, 1);
    assert.equal(after.memory!.layout.recompute, 'full');
    // CRLF files get CRLF lines.
    const crlf = without.replace(/\n/g, '\r\n');
    const inserted = applied(crlf, 'recompute-full');
    assert.match(
      inserted.text,
      /effective batch size\r\nenable_activation_checkpointing: True\r\nclip_grad_norm/,
    );
  });

  it('no recompute edit when ac_mode is set (the distributed recipe then skips full AC)', () => {
    const off = WITH_SEQ.replace(
      'enable_activation_checkpointing: True  # True reduces memory',
      "enable_activation_checkpointing: False\nac_mode: 'selective'",
    );
    const a = analyzeText(off, { path: PATH }, SETTINGS).analysis!;
    const edits = a.memory ? planMemoryEdits('torchtune', off, a.memory.layout, { path: PATH }) : [];
    assert.ok(!edits.some((e) => e.kind.startsWith('recompute')), edits.map((e) => e.kind).join());
  });

  it('batch_size halved with gradient_accumulation_steps doubled, both in one edit, D kept', () => {
    const { edit, text, after } = applied(WITH_SEQ, 'micro-batch-half');
    assert.equal(edit.label, 'batch_size: 1, gradient_accumulation_steps: 2');
    assert.equal(edit.replacements.length, 2);
    assert.ok(edit.replacements[0]!.end <= edit.replacements[1]!.start, 'in document order, not overlapping');
    assert.equal(
      text,
      WITH_SEQ.replace('\nbatch_size: 2\n', '\nbatch_size: 1\n').replace(
        'gradient_accumulation_steps: 1  #',
        'gradient_accumulation_steps: 2  #',
      ),
    );
    assert.equal(after.memory!.layout.microBatch, 1);
    assert.equal(after.memory!.layout.gradAccum, 2);
    // batch_size_val: ${batch_size} is left as written.
    assert.match(text, /^batch_size_val: \$\{batch_size\}$/m);
    // At batch_size 1 with accumulation 2: doubling back is the only micro-batch edit.
    assert.deepEqual(
      editsOf(text)
        .filter((e) => e.kind.startsWith('micro'))
        .map((e) => `${e.kind} ${e.label}`),
      ['micro-batch-double batch_size: 2, gradient_accumulation_steps: 1'],
    );
  });

  it('no micro-batch edit for an interpolated batch_size, with optimizer_in_bwd, or at batch 1 / accumulation 1', () => {
    const variants = {
      interpolated: WITH_SEQ.replace('\nbatch_size: 2\n', '\nbs: 2\nbatch_size: ${bs}\n'),
      inBackward: WITH_SEQ.replace('optimizer_in_bwd: False', 'optimizer_in_bwd: True'),
      minimal: WITH_SEQ.replace('\nbatch_size: 2\n', '\nbatch_size: 1\n'),
    };
    for (const [name, text] of Object.entries(variants)) {
      assert.notEqual(text, WITH_SEQ, name);
      const a = analyzeText(text, { path: PATH }, SETTINGS).analysis!;
      const edits = a.memory ? planMemoryEdits('torchtune', text, a.memory.layout, { path: PATH }) : [];
      assert.ok(
        !edits.some((e) => e.kind.startsWith('micro')),
        `${name}: ${edits.map((e) => e.label).join()}`,
      );
    }
  });

  it('fsdp_reshard_after_forward False → True (SHARD_GRAD_OP → full sharding); not on a single device', () => {
    const grad = WITH_SEQ.replace('device: cuda\n', 'device: cuda\nfsdp_reshard_after_forward: False\n');
    assert.equal(analyse(grad).memory!.layout.sharding, 'zero2');
    const { edit, text, after } = applied(grad, 'shard-up');
    assert.equal(edit.label, 'fsdp_reshard_after_forward: True');
    assert.equal(text, grad.replace('fsdp_reshard_after_forward: False', 'fsdp_reshard_after_forward: True'));
    assert.equal(after.memory!.layout.sharding, 'zero3');
    // Absent (default True) or already True: nothing to raise.
    assert.ok(!editsOf(WITH_SEQ).some((e) => e.kind === 'shard-up'));
    // A single-device recipe does not shard at all.
    const single = PATH.replace('mistral_7B_full.yaml', 'mistral_7B_full_single_device.yaml');
    assert.ok(!editsOf(grad, single).some((e) => e.kind === 'shard-up'));
  });

  it('the quick fixes over an over-capacity file are titled with the memory of the re-read edit', () => {
    const off = WITH_SEQ.replace(
      'enable_activation_checkpointing: True  # True reduces memory',
      'enable_activation_checkpointing: False  # True reduces memory',
    );
    const settings = { ...SETTINGS, gpu: 'TPU-v5e' };
    const a = analyzeText(off, { path: PATH }, settings).analysis!;
    assert.ok(a.diagnostics.some((d) => d.code === 'memory-over-capacity'));
    const fixes = memoryFixes(off, a, { path: PATH }, settings);
    assert.deepEqual(
      fixes.map((f) => f.edit.kind),
      ['micro-batch-half', 'recompute-full'],
    );
    for (const f of fixes) {
      const again = analyzeText(f.text, { path: PATH }, settings).analysis!;
      assert.ok(
        f.title.includes(`→ ≈ ${(again.memory!.perGpuBytes / 2 ** 30).toFixed(1)} / 16.0 GiB`),
        f.title,
      );
    }
  });
});
