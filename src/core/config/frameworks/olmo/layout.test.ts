import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOlmoLayout, olmoLayoutDefaults, olmoEdits } from './layout';
import { applyOffsetEdits } from '../../../model/memoryEdits';
import { resolveLayout } from '../../../model/layout';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { analyzeFile, lineOf } from '../../../../../test/layout-support-read';
import { checkMemoryFixes, frameworkFiles } from '../../../../../test/layout-support';

describe('OLMo layout (allenai/OLMo@59a53e3f olmo/config.py)', () => {
  it(
    'official-0425/OLMo2-1B-stage1.yaml: wrapping_strategy null is one top-level FSDP unit (unknown); by block it is SHARD_GRAD_OP = ZeRO-2, fused loss, AdamW, micro 4 of global 512',
    { skip: SHARED_SKIP },
    () => {
      const path = `${SHARED_DIR}/configs-b/olmo/official-0425/OLMo2-1B-stage1.yaml`;
      const asIs = analyzeFile(path, 'H100', 64);
      assert.equal(asIs.analysis.memory, null);
      assert.ok(
        asIs.analysis.diagnostics.some((d) => /fsdp\.wrapping_strategy None/.test(d.message)),
        JSON.stringify(asIs.analysis.diagnostics.map((d) => d.message)),
      );
      const text = asIs.text.replace('wrapping_strategy: null', 'wrapping_strategy: by_block');
      assert.notEqual(text, asIs.text);
      const l = readOlmoLayout(text, 64);
      assert.equal(l.unmodelled, undefined);
      const { layout } = resolveLayout('olmo', l, { gpus: 64 }, olmoLayoutDefaults);
      assert.equal(layout.sharding, 'zero2');
      assert.equal(layout.precision, 'fsdp-mixed');
      assert.equal(layout.optimizer, 'adamw');
      assert.equal(layout.logitsBytesPerElement, 4);
      assert.equal(layout.microBatch, 4);
      assert.equal(layout.gradAccum, 512 / 64 / 4);
      assert.equal(layout.seqLen, 4096);
      assert.equal(layout.sources.sharding!.keyRange.start.line, lineOf(text, 'sharding_strategy'));
      assert.equal(
        layout.sources.microBatch!.keyRange.start.line,
        lineOf(text, 'device_train_microbatch_size'),
      );
    },
  );

  it('activation_checkpointing strategies: whole_layer = every block, one_in_two = every other block, fine_grained unknown', () => {
    const at = (ac: string, layers = 16) =>
      readOlmoLayout(
        `model:\n  n_layers: ${layers}\nactivation_checkpointing: ${ac}\nprecision: amp_bf16\n`,
        8,
      );
    assert.equal(at('whole_layer').recompute, 'full');
    assert.equal(at('whole_layer').recomputeMethod, undefined);
    assert.equal(at('one_in_two').recomputeMethod, 'every');
    assert.equal(at('one_in_two').recomputeLayers, 2);
    // Block i is checkpointed when i % 3 == 0: ceil(16 / 3) blocks, not every-3rd-counted-from-1.
    assert.equal(at('one_in_three').unmodelled?.[0]?.key, 'activation_checkpointing');
    assert.equal(at('fine_grained').unmodelled?.[0]?.key, 'activation_checkpointing');
    assert.equal(readOlmoLayout('distributed_strategy: ddp\nprecision: amp_bf16\n', 8).precision, 'amp-ddp');
    assert.equal(
      readOlmoLayout('precision: amp_bf16\n', 8).optimizer,
      'lion',
      'OptimizerConfig.name default lionw',
    );
  });

  it('fixes: whole_layer checkpointing appended, FULL_SHARD from SHARD_GRAD_OP', () => {
    const text =
      'precision: amp_bf16\nfsdp:\n  wrapping_strategy: by_block\n  sharding_strategy: SHARD_GRAD_OP\nglobal_train_batch_size: 512\ndevice_train_microbatch_size: 4\n';
    const { layout } = resolveLayout('olmo', readOlmoLayout(text, 8), { gpus: 8 }, olmoLayoutDefaults);
    const edits = olmoEdits(text, layout);
    const shard = edits.find((e) => e.kind === 'shard-up')!;
    assert.match(applyOffsetEdits(text, shard.replacements), /sharding_strategy: FULL_SHARD/);
    const ac = applyOffsetEdits(text, edits.find((e) => e.kind === 'recompute-full')!.replacements);
    assert.equal(readOlmoLayout(ac, 8).recompute, 'full');
  });

  it('defaults cite OLMo', () => assert.match(olmoLayoutDefaults.source, /allenai\/OLMo@59a53e3f/));

  it('every memory fix of the OLMo fixtures and corpora re-reads to its title, lower, N and D unchanged', () => {
    const { files, fixes, kinds } = checkMemoryFixes(
      'olmo',
      frameworkFiles('olmo', /^olmo$/, /\.ya?ml$/),
      [8, 64],
    );
    console.log(
      `OLMo memory fixes: ${files} file/accelerator pairs, ${fixes} fixes (${[...kinds].join(', ')})`,
    );
    // The corpora's one SHARD_GRAD_OP file is a single FSDP unit (unknown), so shard-up is covered above.
    assert.ok(files >= 8 && kinds.has('recompute-full'), `${files} ${[...kinds]}`);
  });
});
