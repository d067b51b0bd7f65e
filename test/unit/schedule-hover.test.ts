/**
 * The hover on LR-schedule keys (src/server/scheduleHover.ts, hooked into buildHover): the summary of
 * the schedule the framework's extractor reads, the reason when it cannot, and the run-length key
 * keeping its D hover.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { resolveLaw } from '../../src/core/analyze';
import { buildHover } from '../../src/server/hovers';
import type { DocumentResult } from '../../src/server/model';
import { formatLr } from '../../src/server/scheduleHover';
import { FRAMEWORKS_DIR, SHARED_DIR, SHARED_SKIP } from '../helpers';

function resultFor(text: string, path: string): DocumentResult {
  const r = analyzeText(text, { path }, DEFAULT_ANALYSIS_SETTINGS);
  return {
    uri: `file://${path}`,
    version: 1,
    recognized: true,
    framework: r.framework,
    analysis: r.analysis,
    diagnostics: [],
    settings: { hover: { enable: true } } as unknown as DocumentResult['settings'],
    analysisSettings: DEFAULT_ANALYSIS_SETTINGS,
    law: resolveLaw(DEFAULT_ANALYSIS_SETTINGS),
    settingsWarnings: [],
    elapsedMs: 0,
  };
}

/** The hover text at the first occurrence of `needle` (cursor one character in). */
function hoverAt(text: string, path: string, needle: string): string | undefined {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `${needle} not in the file`);
  const before = text.slice(0, index + 1).split('\n');
  const position = { line: before.length - 1, character: before[before.length - 1]!.length };
  const hover = buildHover(resultFor(text, path), position, { text, context: { path } });
  if (!hover) return undefined;
  return (hover.contents as { value: string }).value;
}

test('formatLr: configs’ notation', () => {
  assert.equal(formatLr(0.00015), '1.5e-4');
  assert.equal(formatLr(6e-5), '6e-5');
  assert.equal(formatLr(6e-4 * 0.1), '6e-5');
  assert.equal(formatLr(0), '0');
});

test(
  'Megatron pretrain_gpt.sh, hover on --lr-decay-style: warmup 26.2M tokens (25,600 samples × 1024 = 3,200 steps), peak 1.5e-4, cosine to 1e-5 at 2.62B tokens, run 4.1B tokens',
  { skip: SHARED_SKIP },
  () => {
    const path = join(SHARED_DIR, 'configs-b', 'megatron-lm', 'examples', 'pretrain_gpt.sh');
    const text = readFileSync(path, 'utf8');
    const md = hoverAt(text, path, '--lr-decay-style')!;
    assert.ok(md, 'a hover');
    assert.match(md, /LR schedule/);
    assert.match(md, /`[▁▂▃▄▅▆▇█]{16}`/);
    assert.match(md, /warmup 26\.2M tokens \(3,200 steps\) \(linear from 0\)/);
    assert.match(md, /peak 1\.5e-4/);
    assert.match(md, /cosine, to 1e-5 \(6\.7% of peak\) at 2\.62B tokens \(320,000 steps\)/);
    assert.match(md, /run 4\.1B tokens \(500,000 steps\); LR of the last step 1e-5/);
    assert.match(md, /the decay ends before the run/);
    // The run-length key keeps the D hover.
    const duration = hoverAt(text, path, '--train-iters')!;
    assert.doesNotMatch(duration, /LR schedule/);
    assert.match(duration, /D = /);
  },
);

test('an unmodeled value: the hover names it and draws no curve', { skip: SHARED_SKIP }, () => {
  const path = join(SHARED_DIR, 'configs-b', 'megatron-lm', 'examples', 'pretrain_gpt.sh');
  const text = readFileSync(path, 'utf8').replace('--lr-decay-style cosine', '--lr-decay-style foo');
  const md = hoverAt(text, path, '--lr-decay-style')!;
  assert.match(md, /No LR schedule:/);
  assert.match(md, /unknown: `--lr-decay-style` = `foo`/);
  assert.doesNotMatch(md, /[▁▂▃▄▅▆▇█]{16}/);
});

test(
  'torchtitan deepseek_v3_16b.toml without a GPU count: the schedule (warmup 200, cosine to 2.2e-5) and why there is no run plan',
  { skip: SHARED_SKIP },
  () => {
    const path = join(SHARED_DIR, 'configs-c', 'torchtitan', 'deepseek_v3_16b.toml');
    const text = readFileSync(path, 'utf8');
    const md = hoverAt(text, path, 'decay_type')!;
    assert.match(md, /warmup 200 steps \(linear from 1\.1e-6\)/); // (0 + 1)/200 of 2.2e-4
    assert.match(md, /cosine, to 2\.2e-5 \(10% of peak\) at 1,000 steps/);
    assert.match(md, /Not a full run plan:/);
    assert.match(md, /GPU count/);
  },
);

test('GPT-NeoX exponential decay: the hover says it halves by the horizon and goes on after it (no "decay ends" line)', () => {
  const path = join(FRAMEWORKS_DIR, 'gpt-neox', 'fixtures', 'small-learned-pos.yml');
  const text = readFileSync(path, 'utf8')
    .replace(/"lr-decay-style":\s*"cosine"/, '"lr-decay-style": "exponential"')
    .replace(/"lr-decay-iters":\s*\d+/, '"lr-decay-iters": 500');
  const md = hoverAt(text, path, '"lr-decay-style"')!;
  assert.match(md, /exponential decay, × e\^−0\.693 by 500 steps and on after it/);
  assert.doesNotMatch(md, /the decay ends before the run/);
});
