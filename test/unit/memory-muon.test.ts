/**
 * Muon's optimizer states (issue #12): one fp32 momentum for the hidden 2-D matrices, AdamW's two
 * moments for the token embedding and output layer (MaxText muon_utils.py @e591f30c excludes
 * `embedding` and `logits_dense`). Frameworks whose Muon split or sharding the file does not show
 * (DeepSpeed's per-parameter `use_muon`, Megatron's layer-wise distributed optimizer) are unknown.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countParams, llamaArchitecture } from '../../src/core/model/params';
import { estimateMemory, placeParams } from '../../src/core/model/memory';
import { layoutDefaults, readLayout } from '../../src/core/config/registry';
import { resolveLayout, PRECISION_RECIPES } from '../../src/core/model/layout';

const arch = llamaArchitecture({ nLayers: 4, dModel: 256, nHeads: 4, ffnSize: 1024, vocabSize: 32000 });

function optimizerBytes(optimizer: 'muon' | 'adamw', gpus: number) {
  const { layout } = resolveLayout(
    'maxtext',
    { gpus, dataParallel: gpus, microBatch: 1, seqLen: 512, optimizer, sources: {} },
    { gpus, seqLen: 512 },
    layoutDefaults('maxtext'),
  );
  const { estimate } = estimateMemory(arch, layout);
  return { bytes: estimate!.optimizer.bytes, layout };
}

describe('Muon optimizer states', () => {
  it('hidden matrices keep one fp32 momentum; the embedding and untied output layer keep AdamW moments', () => {
    const { bytes, layout } = optimizerBytes('muon', 1);
    const b = countParams(arch).breakdown;
    const embedding = b.tokenEmbedding + b.lmHead;
    assert.equal(embedding, 2 * 32000 * 256);
    assert.equal(placeParams(arch, layout).embeddingOnGpu, embedding);
    const total = countParams(arch).total;
    const master = PRECISION_RECIPES[layout.precision].masterBytes;
    // (master + 4 B) for every parameter, + 4 B more (8 − 4) for the embedding and output layer.
    assert.equal(bytes, total * (master + 4) + embedding * 4);
    const adam = optimizerBytes('adamw', 1).bytes;
    assert.ok(bytes < adam, `${bytes} < ${adam}`);
  });

  it('DeepSpeed and Megatron Muon are unknown, naming the optimizer key', () => {
    const ds = readLayout('deepspeed', '{"optimizer": {"type": "Muon", "params": {"lr": 0.02}}}');
    assert.equal(ds?.unmodelled?.[0]?.key, 'type');
    assert.match(ds!.unmodelled![0]!.why ?? '', /use_muon/);
    const megatron = readLayout(
      'megatron',
      'torchrun pretrain_gpt.py --num-layers 2 --hidden-size 64 --num-attention-heads 4 --optimizer muon\n',
    );
    assert.match(megatron!.unmodelled!.find((u) => u.key === '--optimizer')!.why ?? '', /layer by layer/);
  });
});
