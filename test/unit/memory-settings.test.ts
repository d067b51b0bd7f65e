/**
 * `scalingLens.memory.overheadGiB` / `overheadFraction` (package.json → src/protocol.ts →
 * AnalysisSettings.memoryOverhead → src/core/model/memory.ts): the overhead part of the estimate is
 * exactly fixed + fraction × (states + activations + buffers), with the default 1 GiB + 5%
 * (Megatron-LM theoretical_memory_usage.py's 5%) when unset, and bad values fall back to it.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { DEFAULT_OVERHEAD, GIB } from '../../src/core/model/memory';
import { normalizeSettings, toAnalysisSettings } from '../../src/protocol';
import { REPO_ROOT } from '../helpers';

const path = join(REPO_ROOT, 'examples', 'megatron', 'pretrain_gpt_1.3b.sh');
const text = readFileSync(path, 'utf8');

function memoryWith(raw: Parameters<typeof normalizeSettings>[0]) {
  const settings = toAnalysisSettings(normalizeSettings(raw));
  return analyzeText(text, { path }, settings).analysis!.memory!;
}

const rest = (m: ReturnType<typeof memoryWith>) =>
  m.weights.bytes + m.gradients.bytes + m.optimizer.bytes + m.activations.bytes + m.buffers.bytes;

test('unset: the default allowance, 1 GiB + 5% of the rest', () => {
  const m = memoryWith(undefined);
  assert.equal(DEFAULT_OVERHEAD.fixedBytes, GIB);
  assert.equal(DEFAULT_OVERHEAD.fraction, 0.05);
  assert.equal(m.overhead.bytes, GIB + 0.05 * rest(m));
  assert.deepEqual(
    m,
    analyzeText(text, { path }, { ...DEFAULT_ANALYSIS_SETTINGS, gpuFromFile: true }).analysis!.memory!,
  );
});

test('set: 2.5 GiB + 10%, and 0 + 0 (no allowance at all)', () => {
  const m = memoryWith({ memory: { overheadGiB: 2.5, overheadFraction: 0.1 } });
  assert.equal(m.overhead.bytes, 2.5 * GIB + 0.1 * rest(m));
  assert.equal(m.perGpuBytes, rest(m) + m.overhead.bytes);
  assert.match(m.overhead.formula, /^2\.5 GiB \+ 10% \(setting scalingLens\.memory/);
  const zero = memoryWith({ memory: { overheadGiB: 0, overheadFraction: 0 } });
  assert.equal(zero.overhead.bytes, 0);
  assert.equal(zero.perGpuBytes, rest(zero));
  // Only one part set: the other keeps its default.
  const half = memoryWith({ memory: { overheadFraction: 0 } });
  assert.equal(half.overhead.bytes, GIB);
});

test('bad values (negative, ≥ 1 fraction, strings, NaN) keep the default, never a NaN', () => {
  const base = memoryWith(undefined);
  for (const memory of [
    { overheadGiB: -1 },
    { overheadFraction: 1 },
    { overheadFraction: 7 },
    { overheadGiB: 'lots' },
    { overheadGiB: NaN, overheadFraction: Infinity },
  ]) {
    const m = memoryWith({ memory });
    assert.equal(m.perGpuBytes, base.perGpuBytes, JSON.stringify(memory));
  }
});
