import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxtextLayoutDefaults } from './layout';
import { fixturePath, SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
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

  it('every memory fix of the MaxText fixtures and corpora re-reads to its title (none offered is fine: remat and batch are not one-key edits)', () => {
    const { files } = checkMemoryFixes('maxtext', frameworkFiles('maxtext', /maxtext/, /\.(ya?ml|sh)$/), [8]);
    assert.ok(files >= 3, `files with memory: ${files}`);
  });
});
