import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxtextEdits, maxtextLayoutDefaults } from './layout';
import { applyOffsetEdits } from '../../../model/memoryEdits';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, readContextFor } from '../../../analyze';
import { diskReadFile, fixturePath, SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { analyzeFile } from '../../../../../test/layout-support-read';
import { checkMemoryFixes, frameworkFiles } from '../../../../../test/layout-support';

describe('MaxText layout (AI-Hypercomputer/maxtext@e591f30c base.yml)', () => {
  it('end_to_end/test_llama2_7b.sh: the launcher’s key=value overrides, base.yml for the rest (fsdp -1 fills the slice)', () => {
    const path = fixturePath('maxtext', 'end_to_end', 'test_llama2_7b.sh');
    const { text, analysis } = analyzeFile(path, 'TPU-v5p', 8);
    const l = analysis.memory!.layout;
    assert.equal(l.sharding, 'zero3');
    assert.equal(l.shardGroupSize, 8);
    assert.equal(l.recompute, 'full');
    assert.equal(l.precision, 'jax-f32-params');
    assert.equal(l.microBatch, 1);
    assert.equal(l.seqLen, 4096);
    const line = (key: string) => text.split('\n').findIndex((s) => s.includes(`${key}=`));
    assert.equal(l.sources.microBatch!.keyRange.start.line, line('per_device_batch_size'));
    assert.equal(l.sources.seqLen!.keyRange.start.line, line('max_target_length'));
  });

  it('a save/offload remat_policy is unknown, naming the key', { skip: SHARED_SKIP }, () => {
    const { analysis } = analyzeFile(
      `${SHARED_DIR}/configs-b/maxtext/configs/v5e/llama2_7b.sh`,
      'TPU-v5e',
      256,
    );
    assert.equal(analysis.memory, null);
    assert.ok(
      analysis.diagnostics.some((d) => d.code === 'memory-unknown' && /`remat_policy`/.test(d.message)),
    );
  });

  it(
    'base.yml itself: ici_fsdp_parallelism -1 over the device count, TPU v5p capacity 95 GiB',
    { skip: SHARED_SKIP },
    () => {
      const { analysis } = analyzeFile(`${SHARED_DIR}/configs-b/maxtext/configs/base.yml`, 'TPU-v5p', 16);
      const m = analysis.memory!;
      assert.equal(m.layout.shardGroupSize, 16);
      assert.equal(m.layout.sources.sharding!.key, 'ici_fsdp_parallelism');
      assert.equal(m.capacityBytes, 95 * 2 ** 30);
    },
  );

  it('defaults cite base.yml', () =>
    assert.match(maxtextLayoutDefaults.source, /maxtext@e591f30c base\.yml/));

  it('every memory fix of the MaxText fixtures and corpora re-reads to its title, lower, N and D unchanged', () => {
    const { files } = checkMemoryFixes('maxtext', frameworkFiles('maxtext', /maxtext/, /\.(ya?ml|sh)$/), [8]);
    assert.ok(files >= 3, `files with memory: ${files}`);
  });

  it('v5e/16b.sh over a v5e: halve per_device_batch_size and write gradient_accumulation_steps=2 after it (base.yml has the key)', () => {
    const path = fixturePath('maxtext', 'MaxText', 'configs', 'v5e', '16b.sh');
    const { text, analysis } = analyzeFile(path, 'TPU-v5e');
    const edits = maxtextEdits(text, analysis.memory!.layout);
    const half = edits.find((e) => e.kind === 'micro-batch-half');
    assert.ok(half, JSON.stringify(edits));
    assert.equal(half.label, 'per_device_batch_size=3, gradient_accumulation_steps=2');
    const edited = applyOffsetEdits(text, half.replacements);
    assert.equal(
      edited,
      text.replace('per_device_batch_size=6 ', 'per_device_batch_size=3 gradient_accumulation_steps=2 '),
    );
    const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'TPU-v5e' };
    const again = analyzeText(
      edited,
      readContextFor({ path, readFile: diskReadFile }, settings),
      settings,
    ).analysis!;
    assert.equal(again.memory!.layout.microBatch, 3);
    assert.equal(again.memory!.layout.gradAccum, 2);
    assert.equal(again.tokens, analysis.tokens);
  });

  it('no micro-batch edit when the accumulation is a shell variable (v5e/gemma_7b.sh: $ACCUM)', () => {
    const path = fixturePath('maxtext', 'MaxText', 'configs', 'v5e', 'gemma_7b.sh');
    const { text, analysis } = analyzeFile(path, 'TPU-v5e');
    const layout = analysis.memory?.layout;
    if (layout) assert.ok(!maxtextEdits(text, layout).some((e) => e.kind === 'micro-batch-half'));
    else assert.ok(analysis.diagnostics.some((d) => /unknown/.test(d.message)));
  });
});
