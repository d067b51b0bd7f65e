import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLlmFoundryLayout, llmFoundryLayoutDefaults, llmFoundryEdits } from './layout';
import { applyOffsetEdits } from '../../../model/memoryEdits';
import { resolveLayout } from '../../../model/layout';
import { SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { analyzeFile, lineOf } from '../../../../../test/layout-support-read';
import { checkMemoryFixes, frameworkFiles } from '../../../../../test/layout-support';

describe('llm-foundry layout (mosaicml/llm-foundry@8c8dd48f, Composer@64051888 FSDPConfig)', () => {
  it(
    'pretrain/mpt-7b.yaml: FULL_SHARD, activation_checkpointing true, PURE, fused cross entropy',
    { skip: SHARED_SKIP },
    () => {
      const { text, analysis } = analyzeFile(
        `${SHARED_DIR}/configs-b/llm-foundry/pretrain/mpt-7b.yaml`,
        'A100-80GB',
        8,
      );
      const l = analysis.memory!.layout;
      assert.equal(l.sharding, 'zero3');
      assert.equal(l.recompute, 'full');
      assert.equal(l.precision, 'fsdp-mixed');
      assert.equal(l.logitsBytesPerElement, 4);
      assert.equal(l.microBatch, 8);
      // global_train_batch_size 1024 / 8 GPUs / micro 8 = 16 (config_utils.py calculate_batch_size_info).
      assert.equal(l.gradAccum, 1024 / 8 / 8);
      assert.equal(l.sources.recompute!.keyRange.start.line, lineOf(text, 'activation_checkpointing'));
      assert.equal(l.sources.microBatch!.keyRange.start.line, lineOf(text, 'device_train_microbatch_size'));
    },
  );

  it("no fsdp_config is DDP; 'auto' micro-batches and FULL mixed precision are unknown, naming the key", () => {
    const ddp = readLlmFoundryLayout(
      'model:\n  name: mpt_causal_lm\nglobal_train_batch_size: 64\ndevice_train_microbatch_size: 4\n',
      8,
    );
    assert.equal(ddp.sharding, 'none');
    assert.equal(ddp.precision, 'amp-ddp');
    assert.equal(ddp.gradAccum, 2);
    const auto = readLlmFoundryLayout(
      'model:\n  name: mpt_causal_lm\nglobal_train_batch_size: 64\ndevice_train_microbatch_size: auto\n',
      8,
    );
    assert.equal(auto.unmodelled?.[0]?.key, 'device_train_microbatch_size');
    const full = readLlmFoundryLayout(
      'model:\n  name: mpt_causal_lm\nglobal_train_batch_size: 64\ndevice_train_microbatch_size: 4\nfsdp_config:\n  mixed_precision: FULL\n',
      8,
    );
    assert.equal(full.unmodelled?.[0]?.key, 'mixed_precision');
  });

  it('the checkpointing fix inserts the key into fsdp_config; the micro-batch fix halves device_train_microbatch_size', () => {
    const text =
      'model:\n  name: mpt_causal_lm\nglobal_train_batch_size: 64\ndevice_train_microbatch_size: 4\nfsdp_config:\n  sharding_strategy: SHARD_GRAD_OP\n  limit_all_gathers: true\n';
    const layout = readLlmFoundryLayout(text, 8);
    const { layout: resolved } = resolveLayout('llm-foundry', layout, { gpus: 8 }, llmFoundryLayoutDefaults);
    const edits = llmFoundryEdits(text, resolved);
    assert.deepEqual(
      edits.map((e) => e.kind),
      ['shard-up', 'recompute-full', 'micro-batch-half', 'micro-batch-double'],
    );
    const ac = applyOffsetEdits(text, edits[1]!.replacements);
    assert.match(
      ac,
      /fsdp_config:\n {2}activation_checkpointing: true\n {2}sharding_strategy: SHARD_GRAD_OP/,
    );
    assert.equal(readLlmFoundryLayout(ac, 8).recompute, 'full');
    assert.match(applyOffsetEdits(text, edits[0]!.replacements), /sharding_strategy: FULL_SHARD/);
  });

  it('defaults cite llm-foundry and Composer', () =>
    assert.match(llmFoundryLayoutDefaults.source, /llm-foundry@8c8dd48f.*Composer@64051888/));

  it('every memory fix of the llm-foundry fixtures and corpora re-reads to its title, lower, N and D unchanged', () => {
    const { files, fixes, kinds } = checkMemoryFixes(
      'llm-foundry',
      frameworkFiles('llm-foundry', /llm-foundry/, /\.ya?ml$/),
      [8, 64],
    );
    console.log(
      `llm-foundry memory fixes: ${files} file/accelerator pairs, ${fixes} fixes (${[...kinds].join(', ')})`,
    );
    assert.ok(
      files >= 8 && kinds.has('recompute-full') && kinds.has('micro-batch-half'),
      `${files} ${[...kinds]}`,
    );
  });
});
