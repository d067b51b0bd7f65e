import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, type Analysis } from '../../../analyze';
import { applyOffsetEdits, planMemoryEdits, type MemoryEdit } from '../../../model/memoryEdits';
import { memoryFixes } from '../../../../server/memoryActions';
import { SHARED_DIR, SHARED_SKIP, fixturePath } from '../../../../../test/helpers';
import { applyEditOfKind } from '../../../../../test/layout-support';

const GPT = fixturePath('nemo', 'megatron_gpt_config.yaml');
const QWEN2 = fixturePath('nemo', 'megatron_qwen2_config.yaml');
/** An older megatron_gpt_config.yaml without `mcore_gpt` (the legacy model). */
const LEGACY = join(SHARED_DIR, 'configs-c', 'unsupported', 'nemo1', 'megatron_gpt_config.yaml');
const SETTINGS = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'H100', gpuFromFile: false };

const G = 'activations_checkpoint_granularity';
const M = 'activations_checkpoint_method';
const L = 'activations_checkpoint_num_layers';

function analyse(text: string): Analysis {
  const a = analyzeText(text, {}, SETTINGS).analysis;
  assert.ok(a?.memory, `memory estimated: ${a?.diagnostics.map((d) => d.message).join('; ')}`);
  return a;
}

function editsOf(text: string): MemoryEdit[] {
  return planMemoryEdits('nemo', text, analyse(text).memory!.layout);
}

/** The edit of a kind, applied and re-analysed (N and D unchanged, memory lower). */
const applied = (text: string, kind: MemoryEdit['kind']) => applyEditOfKind(text, kind, analyse, editsOf);

describe('NeMo 1.x memory edits (NVIDIA/NeMo@8cfedd72)', () => {
  it('full recompute on the Qwen2 fixture sets granularity, method and num_layers in place, nothing else', () => {
    const text = readFileSync(QWEN2, 'utf8');
    const { edit, text: edited, after } = applied(text, 'recompute-full');
    assert.equal(edit.label, `${G}: full, ${M}: uniform, ${L}: 1`);
    assert.equal(
      edited,
      text
        .replace(`  ${G}: null # 'selective'`, `  ${G}: full # 'selective'`)
        .replace(`  ${M}: null # 'uniform'`, `  ${M}: uniform # 'uniform'`)
        .replace(`  ${L}: null\n`, `  ${L}: 1\n`),
    );
    const l = after.memory!.layout;
    assert.deepEqual([l.recompute, l.recomputeMethod, l.recomputeLayers], ['full', 'uniform', 1]);
    // Over capacity on an H100 (one GPU): the fix is offered, titled with the re-read figure.
    const a = analyse(text);
    assert.equal(a.memory!.fits, false);
    const fix = memoryFixes(text, a, {}, SETTINGS).find((f) => f.edit.kind === 'recompute-full')!;
    assert.match(fix.title, /^Recompute activations \(full\): activations_checkpoint_granularity: full, /);
    assert.equal(fix.text, edited);
  });

  it('selective: only the granularity on mcore; with method uniform on the legacy model (it raises without)', () => {
    const mcore = readFileSync(GPT, 'utf8');
    const sel = editsOf(mcore).find((e) => e.kind === 'recompute-selective')!;
    assert.equal(sel.label, `${G}: selective`);
    assert.equal(
      applyOffsetEdits(mcore, sel.replacements),
      mcore.replace(`  ${G}: null # 'selective'`, `  ${G}: selective # 'selective'`),
    );
    // mcore's TransformerConfig raises for selective with a recompute_num_layers: not offered.
    const withLayers = mcore.replace(`  ${L}: null\n`, `  ${L}: 2\n`);
    assert.ok(!editsOf(withLayers).some((e) => e.kind === 'recompute-selective'));
    // Full keeps a stated num_layers (uniform groups of 2: every layer still checkpointed).
    const full = editsOf(withLayers).find((e) => e.kind === 'recompute-full')!;
    assert.equal(full.label, `${G}: full, ${M}: uniform`);
    // A block method (the first n layers only) is the user's partial choice: no "full" fix.
    const block = withLayers.replace(`  ${M}: null`, `  ${M}: block`);
    assert.ok(!editsOf(block).some((e) => e.kind === 'recompute-full'));
  });

  it('selective on the legacy corpus config writes the method it requires', { skip: SHARED_SKIP }, () => {
    const text = readFileSync(LEGACY, 'utf8');
    assert.doesNotMatch(text, /mcore_gpt/);
    const { edit, text: edited, after } = applied(text, 'recompute-selective');
    assert.equal(edit.label, `${G}: selective, ${M}: uniform`);
    assert.equal(
      edited,
      text
        .replace(`  ${G}: null # 'selective'`, `  ${G}: selective # 'selective'`)
        .replace(`  ${M}: null # 'uniform'`, `  ${M}: uniform # 'uniform'`),
    );
    assert.equal(after.memory!.layout.recompute, 'selective');
  });

  it('absent checkpoint keys are inserted: all at the top of model:, or the companions after the granularity', () => {
    const text = readFileSync(QWEN2, 'utf8');
    const none = text.replace(/^ {2}activations_checkpoint_(granularity|method|num_layers): .*\n/gm, '');
    assert.doesNotMatch(none, /activations_checkpoint_(granularity|method|num_layers):/);
    const top = applied(none, 'recompute-full');
    assert.equal(
      top.text,
      none.replace('model:\n', `model:\n  ${G}: full\n  ${M}: uniform\n  ${L}: 1\n`),
      'after the model: line, above the first key’s comment',
    );
    assert.equal(top.after.memory!.layout.recompute, 'full');
    // Only the granularity written: the two companions follow its line.
    const granularityOnly = none.replace('model:\n', `model:\n  ${G}: null # off\n`);
    const after = applied(granularityOnly, 'recompute-full');
    assert.equal(
      after.text,
      none.replace('model:\n', `model:\n  ${G}: full # off\n  ${M}: uniform\n  ${L}: 1\n`),
    );
    for (const key of [G, M, L]) assert.equal(after.text.split(`${key}:`).length, 2, `${key} written once`);
  });

  it('micro_batch_size 4 → 2 with global_batch_size stated: the accumulation doubles, D stays', () => {
    const text = readFileSync(QWEN2, 'utf8');
    const { edit, text: edited, after } = applied(text, 'micro-batch-half');
    assert.equal(edit.label, 'micro_batch_size: 2');
    assert.equal(edited, text.replace('  micro_batch_size: 4 # limited', '  micro_batch_size: 2 # limited'));
    assert.equal(after.memory!.layout.microBatch, 2);
    assert.equal(after.memory!.layout.gradAccum, 4);
    // Doubling (a what-if row) only while global / (2 × micro × DP) stays whole.
    assert.ok(editsOf(text).some((e) => e.kind === 'micro-batch-double'));
    const tight = text.replace('global_batch_size: 8', 'global_batch_size: 4');
    assert.ok(!editsOf(tight).some((e) => e.kind === 'micro-batch-double'));
  });

  it('no micro-batch edit without global_batch_size, or from an interpolation', () => {
    const text = readFileSync(QWEN2, 'utf8');
    const layout = analyse(text).memory!.layout;
    const noGlobal = text.replace(/^ {2}global_batch_size: .*\n/m, '');
    assert.ok(!planMemoryEdits('nemo', noGlobal, layout).some((e) => e.kind.startsWith('micro-batch')));
    const interpolated = text.replace('micro_batch_size: 4', 'micro_batch_size: ${oc.env:MBS}');
    assert.ok(!planMemoryEdits('nemo', interpolated, layout).some((e) => e.kind.startsWith('micro-batch')));
  });

  it('optim.name fused_adam → distributed_fused_adam over 8 DP ranks; not from torch adamw, one rank or FSDP', () => {
    const text = readFileSync(GPT, 'utf8')
      .replace('  devices: 1\n', '  devices: 8\n')
      .replace('global_batch_size: 8', 'global_batch_size: 64');
    const { edit, text: edited, after } = applied(text, 'shard-up');
    assert.equal(edit.label, 'optim.name: distributed_fused_adam');
    assert.equal(edited, text.replace('    name: fused_adam\n', '    name: distributed_fused_adam\n'));
    assert.equal(after.memory!.layout.sharding, 'zero1');
    assert.ok(!editsOf(readFileSync(GPT, 'utf8')).some((e) => e.kind === 'shard-up'), 'one DP rank');
    const adamw = text.replace('    name: fused_adam\n', '    name: adamw\n');
    assert.ok(!editsOf(adamw).some((e) => e.kind === 'shard-up'), 'torch AdamW is another optimizer');
    const fsdp = text.replace('  fsdp: False', '  fsdp: True');
    assert.ok(
      !planMemoryEdits('nemo', fsdp, analyse(text).memory!.layout).some((e) => e.kind === 'shard-up'),
    );
    // Already distributed (the Qwen2 fixture): at its maximum.
    const qwen = readFileSync(QWEN2, 'utf8')
      .replace('  devices: 1\n', '  devices: 8\n')
      .replace('global_batch_size: 8', 'global_batch_size: 64');
    assert.ok(
      !planMemoryEdits('nemo', qwen, analyse(qwen).memory!.layout).some((e) => e.kind === 'shard-up'),
    );
  });
});
