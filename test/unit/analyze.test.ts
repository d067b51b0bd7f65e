import test from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSpec, DEFAULT_ANALYSIS_SETTINGS, estimateCost } from '../../src/core/analyze';
import {
  evaluateLaw,
  chinchillaOptimalAllocation,
  chinchillaOptimalTokensForParams,
} from '../../src/core/laws/forms';
import { findPublishedLaw, PUBLISHED_LAWS } from '../../src/core/laws/published';
import { llamaArchitecture } from '../../src/core/model/params';
import type { RunSpec } from '../../src/core/types';

function spec(tokens: number | undefined, overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    framework: 'olmo',
    architecture: llamaArchitecture({
      nLayers: 32,
      dModel: 4096,
      nHeads: 32,
      ffnSize: 11008,
      vocabSize: 32000,
    }),
    training: { tokens, seqLen: 4096, ...(tokens === undefined ? { missing: ['GPU count'] } : {}) },
    archSources: {},
    trainingSources: {},
    usedKeys: [],
    assumptions: [],
    diagnostics: [],
    ...overrides,
  };
}

test('published laws evaluate to the values printed by their sources', () => {
  // Sardana et al. 2024 model_calculator: 70B params on 1e12 tokens → 1.94727.
  assert.equal(evaluateLaw(findPublishedLaw('sardana2024')!.law, 70e9, 1e12).toFixed(5), '1.94727');
  // Hoffmann (rounded) at Chinchilla's 70B / 1.4T.
  assert.equal(evaluateLaw(findPublishedLaw('hoffmann2022')!.law, 70e9, 1.4e12).toFixed(4), '1.9366');
  // Kaplan Eq. 1.5 with Table 2 constants at N=1e9 (non-embedding), D=2e10.
  assert.equal(evaluateLaw(findPublishedLaw('kaplan2020')!.law, 1e9, 2e10).toFixed(4), '2.3739');
});

test('every published law states its citation and the N it expects', () => {
  for (const law of PUBLISHED_LAWS) {
    assert.match(law.citation, /20\d\d/);
    assert.ok(['total', 'non-embedding'].includes(law.paramConvention));
  }
  assert.equal(findPublishedLaw('kaplan2020')!.paramConvention, 'non-embedding');
});

test('compute-optimal tokens/param at 5.88e23 FLOPs: 18.4 (Epoch), 59.0 (unrounded), 92.8 (rounded)', () => {
  const ratio = (id: string) => {
    const law = findPublishedLaw(id)!.law;
    assert.equal(law.form, 'chinchilla');
    if (law.form !== 'chinchilla') return NaN;
    const { params, tokens } = chinchillaOptimalAllocation(law, 5.88e23);
    return tokens / params;
  };
  assert.equal(ratio('epoch2024').toFixed(1), '18.4');
  assert.equal(ratio('hoffmann2022-unrounded').toFixed(1), '59.0');
  assert.equal(ratio('hoffmann2022').toFixed(1), '92.8');
});

test('optimal tokens for N inverts the compute-optimal allocation', () => {
  const law = findPublishedLaw('epoch2024')!.law;
  if (law.form !== 'chinchilla') throw new Error('form');
  const { params, tokens } = chinchillaOptimalAllocation(law, 1e22);
  assert.ok(Math.abs(chinchillaOptimalTokensForParams(law, params) / tokens - 1) < 1e-9);
});

test('analysis: FLOPs are 6·N·D with total N for a dense model, plus an attention term', () => {
  const a = analyzeSpec(spec(1e12));
  assert.equal(a.params!.total, 6_738_415_616);
  assert.equal(a.flops, 6 * 6_738_415_616 * 1e12);
  assert.equal(a.flopsWithAttention, a.flops! + 6 * 32 * 4096 * 4096 * 1e12);
  assert.equal(a.tokensPerParam, 1e12 / 6_738_415_616);
});

test('analysis: cost follows peak FLOP/s, MFU and price', () => {
  const cost = estimateCost(
    989e12 * 0.4 * 3600 * 1000,
    { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'H100', gpus: 10 },
    undefined,
  )!;
  assert.ok(Math.abs(cost.gpuHours - 1000) < 1e-9);
  assert.ok(Math.abs(cost.days - 1000 / 10 / 24) < 1e-12);
  assert.ok(Math.abs(cost.usd - 2000) < 1e-9); // H100 at $2.00/h (Sardana et al. default)
});

test('analysis: epoch2024 predicts with a bootstrap interval when draws exist, and flags extrapolation', () => {
  const a = analyzeSpec(spec(1e12));
  const law = findPublishedLaw('epoch2024')!;
  assert.equal(a.loss!.value, evaluateLaw(law.law, 6_738_415_616, 1e12));
  assert.ok(a.loss!.low < a.loss!.value && a.loss!.value < a.loss!.high, JSON.stringify(a.loss));
  // Interval half-width at 6.7B/1T is a few hundredths of a nat, not a degenerate or huge band.
  assert.ok(a.loss!.high - a.loss!.low > 0.005 && a.loss!.high - a.loss!.low < 0.3);
  assert.equal(
    analyzeSpec(spec(1e12), { ...DEFAULT_ANALYSIS_SETTINGS, lawId: 'hoffmann2022' }).loss!.low,
    analyzeSpec(spec(1e12), { ...DEFAULT_ANALYSIS_SETTINGS, lawId: 'hoffmann2022' }).loss!.value,
  );
  const huge = analyzeSpec(spec(1e15));
  assert.ok(huge.warnings.some((w) => w.startsWith('Extrapolation: D')));
});

test('analysis: unknown D gives null tokens, FLOPs, cost and loss, and says what is missing', () => {
  const a = analyzeSpec(spec(undefined));
  assert.equal(a.tokens, null);
  assert.equal(a.flops, null);
  assert.equal(a.cost, null);
  assert.equal(a.loss, null);
  assert.deepEqual(a.missing, ['GPU count']);
  assert.ok(a.optimalTokens! > 0, 'the optimal D for this N is still known');
});

test('analysis: Kaplan law is evaluated at non-embedding N', () => {
  const a = analyzeSpec(spec(1e11), { ...DEFAULT_ANALYSIS_SETTINGS, lawId: 'kaplan2020' });
  assert.equal(a.loss!.paramsUsed, a.params!.nonEmbedding);
});

test('analysis: severely under-trained runs are flagged', () => {
  const a = analyzeSpec(spec(1e8));
  assert.ok(a.warnings.some((w) => w.startsWith('Severely under-trained')));
});
