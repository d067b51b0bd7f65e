/**
 * PyTorch FSDP's SHARD_GRAD_OP (read as ZeRO-2) keeps the parameters sharded and holds every unit's
 * gathered compute copy from its forward to its backward (torch.distributed.fsdp ShardingStrategy:
 * "Parameters are not resharded after forward"), so against FULL_SHARD only the gather buffers differ:
 * the whole model's bf16 copy instead of two blocks'. DeepSpeed ZeRO-2 keeps full parameters instead.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { placeParams } from '../../src/core/model/memory';
import { PRECISION_RECIPES } from '../../src/core/model/layout';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';

describe('FSDP SHARD_GRAD_OP memory (sharded storage + gathered copies held)', { skip: SHARED_SKIP }, () => {
  const text = SHARED_SKIP
    ? ''
    : readFileSync(join(SHARED_DIR, 'configs-b', 'llm-foundry', 'pretrain', 'mpt-7b.yaml'), 'utf8');
  const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 16 };
  const memoryOf = (t: string) => analyzeText(t, {}, settings).analysis!.memory!;

  it('llm-foundry mpt-7b.yaml: SHARD_GRAD_OP has FULL_SHARD’s sharded states, and holds the whole model gathered', () => {
    assert.match(text, /sharding_strategy: FULL_SHARD/);
    const full = memoryOf(text);
    const gradOp = memoryOf(
      text.replace('sharding_strategy: FULL_SHARD', 'sharding_strategy: SHARD_GRAD_OP'),
    );
    assert.equal(gradOp.layout.sharding, 'zero2');
    assert.equal(gradOp.layout.shardedParamStorage, true);
    assert.equal(gradOp.weights.bytes, full.weights.bytes);
    assert.equal(gradOp.gradients.bytes, full.gradients.bytes);
    assert.equal(gradOp.optimizer.bytes, full.optimizer.bytes);
    const recipe = PRECISION_RECIPES[gradOp.layout.precision];
    const spec = analyzeText(text, {}, settings).analysis!.spec.architecture!;
    const place = placeParams(spec, gradOp.layout);
    const psi = place.denseOnGpu + place.expertOnGpu;
    // Whole model × bf16 + one block's grads, against two gathered blocks + one block's grads.
    const expected =
      psi * recipe.activationBytes +
      place.blockOnGpu * recipe.gradBytes -
      place.blockOnGpu * (2 * recipe.activationBytes + recipe.gradBytes);
    assert.ok(
      Math.abs(gradOp.buffers.bytes - full.buffers.bytes - expected) < 1,
      `${gradOp.buffers.bytes - full.buffers.bytes} vs ${expected}`,
    );
    assert.match(gradOp.buffers.formula, /SHARD_GRAD_OP/);
  });
});
