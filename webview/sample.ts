/**
 * Sample panel data for the standalone preview (scripts/webview-preview.mjs) and the rendering
 * test: a GPT-2-small-shaped config under a published law, and the same config under a law fitted
 * from synthetic runs (one with a hostile name) so every chart has something to draw.
 */
import { evaluateLaw, optimalTokensForParams, type LawParams } from '../src/core/laws/forms';
import { EPOCH_2024 } from '../src/core/laws/published';
import { lossInterval } from '../src/core/laws/uncertainty';
import { countParams, gpt2Architecture } from '../src/core/model/params';
import { buildChartData, type ObservedPoint } from '../src/core/charts';
import type { RunPlan } from '../src/core/schedule';
import type { AnalysisSnapshot } from '../src/protocol';
import type { UpdateMessage } from '../src/webviewProtocol';

/** The run name the XSS check uses: if it were parsed as HTML, `window.__xss` would be set. */
export const HOSTILE_RUN_NAME = '<img src=x onerror="window.__xss=1">';

/** A deterministic generator (mulberry32) so the sample never changes between runs. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function snapshotFor(
  law: AnalysisSnapshot['law'],
  tokens: number,
  uri = 'file:///workspace/configs/gpt2-small.py',
): AnalysisSnapshot {
  const counts = countParams(
    gpt2Architecture({ nLayers: 12, dModel: 768, nHeads: 12, vocabSize: 50304, learnedPositions: 1024 }),
  );
  const params = {
    total: counts.total,
    nonEmbedding: counts.nonEmbedding,
    active: counts.active,
    activeNonEmbedding: counts.activeNonEmbedding,
  };
  const p = law.law;
  const value = evaluateLaw(p, params.total, tokens);
  const interval = lossInterval(p, law.bootstrapDraws ?? [], params.total, tokens, value);
  const optimalTokens = optimalTokensForParams(p, params.total) ?? null;
  return {
    uri,
    version: 1,
    framework: 'nanogpt',
    frameworkLabel: 'nanoGPT',
    modelName: 'gpt2',
    params,
    tokens,
    missing: [],
    tokensPerParam: tokens / params.total,
    optimalTokens,
    flops: 6 * params.total * tokens,
    cost: null,
    loss: {
      law: law.id,
      value,
      low: interval.low,
      high: interval.high,
      paramsUsed: params.total,
      ...(optimalTokens ? { atOptimalTokens: evaluateLaw(p, params.total, optimalTokens) } : {}),
    },
    law,
    warnings: [],
    elapsedMs: 1,
  };
}

/**
 * nanoGPT's GPT-2 124M schedule (karpathy/nanoGPT train.py defaults: cosine from 6e-4 to 6e-5, 2,000
 * warmup steps) over 19,938 steps of 491,520 tokens ≈ 9.8e9 tokens, the samples' D.
 */
const SAMPLE_PLAN: RunPlan = {
  schedule: {
    unit: 'steps',
    peakLr: 6e-4,
    finalLr: 6e-5,
    warmup: 2000,
    warmupShape: 'linear-plus-one',
    decay: { kind: 'cosine' },
    horizon: 19938,
  },
  batchTokens: 491520,
  totalSteps: 19938,
};

/** The config under the default published law. */
export function publishedSample(): UpdateMessage {
  const law = EPOCH_2024;
  const snapshot = snapshotFor(
    {
      id: law.id,
      label: law.label,
      citation: law.citation,
      paramConvention: law.paramConvention,
      law: law.law,
    },
    9.8e9,
  );
  // The chart data as the server builds it (src/server/curves.ts).
  const data = buildChartData({
    snapshot,
    schedule: { plan: SAMPLE_PLAN },
    // A file whose layout is not read: the memory chart says why instead of drawing a bar.
    memory: {
      gpu: 'H100',
      estimate: null,
      reason:
        'the parallel layout (micro-batch, parallelism degrees, sharding, precision) is not read for nanogpt files',
    },
  });
  return { type: 'update', documentLabel: 'gpt2-small.py', snapshot, data };
}

/** The config under a law fitted from 4 sizes × 6 checkpoints, with bootstrap draws and held-out points. */
export function fittedSample(): UpdateMessage {
  const law: LawParams = { form: 'chinchilla', E: 1.92, A: 430, B: 1950, alpha: 0.34, beta: 0.36 };
  const next = random(7);
  const draws: number[][] = [];
  for (let i = 0; i < 200; i++) {
    const jitter = (scale: number) => 1 + (next() - 0.5) * 2 * scale;
    draws.push([
      law.E * jitter(0.02),
      law.A * jitter(0.08),
      law.B * jitter(0.08),
      law.alpha * jitter(0.015),
      law.beta * jitter(0.015),
    ]);
  }
  const observed: ObservedPoint[] = [];
  const sizes = [2.0e7, 5.1e7, 1.24e8, 3.5e8];
  const runNames = ['pico-20m', 'nano-51m', HOSTILE_RUN_NAME, 'small-350m'];
  sizes.forEach((params, index) => {
    for (const tokens of [0.6e9, 1.2e9, 2.4e9, 4.8e9, 9.6e9, 19.2e9]) {
      const noise = (next() - 0.5) * 0.03;
      observed.push({
        runName: runNames[index],
        params,
        tokens,
        loss: evaluateLaw(law, params, tokens) + noise,
        // The largest model's last two checkpoints are the evaluation split.
        ...(index === sizes.length - 1 && tokens > 5e9 ? { heldOut: true } : {}),
      });
    }
  });
  const snapshot = snapshotFor(
    {
      id: 'fitted:my-sweep',
      label: 'Fitted: my-sweep (24 points)',
      citation: 'Fitted by Scaling Lens from runs/my-sweep.csv',
      paramConvention: 'total',
      law,
      bootstrapDraws: draws,
      fittedFrom: 'runs/my-sweep.csv',
    },
    9.8e9,
  );
  return {
    type: 'update',
    documentLabel: 'gpt2-small.py',
    snapshot,
    data: buildChartData({
      snapshot,
      observed,
      schedule: { plan: SAMPLE_PLAN },
      // Illustrative bytes for one A100 40GB (the sample's own figures, not an estimate of a file).
      memory: {
        gpu: 'A100-40GB',
        estimate: {
          perGpuBytes: 31.5 * 2 ** 30,
          weights: 0.23 * 2 ** 30,
          gradients: 0.46 * 2 ** 30,
          optimizer: 1.39 * 2 ** 30,
          activations: 26.4 * 2 ** 30,
          buffers: 1.5 * 2 ** 30,
          overhead: 1.52 * 2 ** 30,
          capacityBytes: 40 * 2 ** 30,
          fits: true,
        },
      },
    }),
    observed,
  };
}
