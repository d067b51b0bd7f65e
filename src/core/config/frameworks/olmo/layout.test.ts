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
    'official-0425/OLMo2-1B-stage1.yaml: SHARD_GRAD_OP = ZeRO-2, fused loss, AdamW, micro 4 of global 512',
    { skip: SHARED_SKIP },
    () => {
      const { text, analysis } = analyzeFile(
        `${SHARED_DIR}/configs-b/olmo/official-0425/OLMo2-1B-stage1.yaml`,
        'H100',
        64,
      );
      const l = analysis.memory!.layout;
      assert.equal(l.sharding, 'zero2');
      assert.equal(l.precision, 'fsdp-mixed');
      assert.equal(l.optimizer, 'adamw');
      assert.equal(l.logitsBytesPerElement, 4);
      assert.equal(l.microBatch, 4);
      assert.equal(l.gradAccum, 512 / 64 / 4);
      assert.equal(l.seqLen, 4096);
      assert.equal(l.sources.sharding!.keyRange.start.line, lineOf(text, 'sharding_strategy'));
      assert.equal(l.sources.microBatch!.keyRange.start.line, lineOf(text, 'device_train_microbatch_size'));
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
      'precision: amp_bf16\nfsdp:\n  sharding_strategy: SHARD_GRAD_OP\nglobal_train_batch_size: 512\ndevice_train_microbatch_size: 4\n';
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
    assert.ok(files >= 8 && kinds.has('recompute-full') && kinds.has('shard-up'), `${files} ${[...kinds]}`);
  });
});
