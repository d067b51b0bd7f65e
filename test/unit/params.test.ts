import test from 'node:test';
import assert from 'node:assert/strict';
import { countParams, gpt2Architecture, llamaArchitecture } from '../../src/core/model/params';

// Published counts these formulas must reproduce exactly (sources in the README's parameter table).

test('GPT-2 small (HF gpt2) counts tied embeddings once: 124,439,808', () => {
  const arch = gpt2Architecture({
    nLayers: 12,
    dModel: 768,
    nHeads: 12,
    vocabSize: 50257,
    learnedPositions: 1024,
  });
  const counts = countParams(arch);
  assert.equal(counts.total, 124_439_808);
  // Kaplan non-embedding: minus wte (tied head) and wpe.
  assert.equal(counts.nonEmbedding, 124_439_808 - 50257 * 768 - 1024 * 768);
});

test('GPT-2 XL: 1,557,611,200', () => {
  const arch = gpt2Architecture({
    nLayers: 48,
    dModel: 1600,
    nHeads: 25,
    vocabSize: 50257,
    learnedPositions: 1024,
  });
  assert.equal(countParams(arch).total, 1_557_611_200);
});

test('Llama-2-7B (untied, SwiGLU 11008, RMSNorm): 6,738,415,616', () => {
  const arch = llamaArchitecture({ nLayers: 32, dModel: 4096, nHeads: 32, ffnSize: 11008, vocabSize: 32000 });
  assert.equal(countParams(arch).total, 6_738_415_616);
});

test('Llama-3-8B with GQA (8 kv heads, vocab 128256): 8,030,261,248', () => {
  const arch = llamaArchitecture({
    nLayers: 32,
    dModel: 4096,
    nHeads: 32,
    nKvHeads: 8,
    ffnSize: 14336,
    vocabSize: 128256,
  });
  assert.equal(countParams(arch).total, 8_030_261_248);
});

test('Mixtral-8x7B: total 46,702,792,704 and active 12,879,925,248', () => {
  const arch = llamaArchitecture({
    nLayers: 32,
    dModel: 4096,
    nHeads: 32,
    nKvHeads: 8,
    ffnSize: 14336,
    vocabSize: 32000,
    moe: { nExperts: 8, expertsPerToken: 2, expertFfnSize: 14336 },
  });
  const counts = countParams(arch);
  assert.equal(counts.total, 46_702_792_704);
  assert.equal(counts.active, 12_879_925_248);
  assert.equal(counts.activeNonEmbedding, 12_879_925_248 - 2 * 32000 * 4096);
});

test('Qwen2-0.5B: tied, q/k/v biases only: 494,032,768', () => {
  const arch = llamaArchitecture({
    nLayers: 24,
    dModel: 896,
    nHeads: 14,
    nKvHeads: 2,
    ffnSize: 4864,
    vocabSize: 151936,
    tiedEmbeddings: true,
    qkvBias: true,
  });
  assert.equal(countParams(arch).total, 494_032_768);
});

test('Qwen3-8B: QK-RMSNorm over head_dim adds 2·128 per layer: 8,190,735,360', () => {
  const arch = llamaArchitecture({
    nLayers: 36,
    dModel: 4096,
    nHeads: 32,
    nKvHeads: 8,
    headDim: 128,
    ffnSize: 12288,
    vocabSize: 151936,
    qkNorm: 'head',
  });
  assert.equal(countParams(arch).total, 8_190_735_360);
});

test('Pythia-70M: untied NeoX head, LayerNorm with bias, 4d MLP: 70,426,624 / 18,915,328', () => {
  const arch = gpt2Architecture({
    nLayers: 6,
    dModel: 512,
    nHeads: 8,
    vocabSize: 50304,
    learnedPositions: 0,
    tiedEmbeddings: false,
  });
  const counts = countParams(arch);
  assert.equal(counts.total, 70_426_624);
  assert.equal(counts.nonEmbedding, 18_915_328);
});

test('T5-small encoder–decoder: 60,506,624', () => {
  const counts = countParams({
    ...llamaArchitecture({
      nLayers: 6,
      dModel: 512,
      nHeads: 8,
      headDim: 64,
      ffnSize: 2048,
      vocabSize: 32128,
    }),
    gatedMlp: false,
    tiedEmbeddings: true,
    encoderDecoder: { nEncoderLayers: 6, nDecoderLayers: 6, relativeAttentionBuckets: 32 },
  });
  assert.equal(counts.total, 60_506_624);
});

test('a dense model has active = total', () => {
  const counts = countParams(
    llamaArchitecture({ nLayers: 2, dModel: 64, nHeads: 4, ffnSize: 128, vocabSize: 100 }),
  );
  assert.equal(counts.active, counts.total);
  assert.equal(counts.breakdown.inactiveExperts, 0);
});
