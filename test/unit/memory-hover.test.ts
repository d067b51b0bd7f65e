/**
 * The memory hover on parallelism keys (src/server/memoryHover.ts, reached through buildHover in
 * src/server/hovers.ts): the breakdown is the analysis's own, and every what-if row is the analysis
 * of the file with that one key rewritten — checked here against edits written by hand.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { buildHover } from '../../src/server/hovers';
import { formatGiB } from '../../src/server/lenses';
import type { DocumentResult } from '../../src/server/model';
import { normalizeSettings } from '../../src/protocol';
import { REPO_ROOT } from '../helpers';

const settings = { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'H100' };

function hoverAt(path: string, text: string, needle: string): string | null {
  const analysis = analyzeText(text, { path }, settings).analysis!;
  const result = {
    analysis,
    analysisSettings: settings,
    settings: normalizeSettings(undefined),
  } as unknown as DocumentResult;
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, needle);
  const line = text.slice(0, offset).split('\n').length - 1;
  const character = offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1;
  const hover = buildHover(result, { line, character }, { text, context: { path } });
  return hover ? (hover.contents as { value: string }).value : null;
}

const gib = (path: string, text: string) =>
  formatGiB(analyzeText(text, { path }, settings).analysis!.memory!.perGpuBytes);

/** The GiB figure of the what-if row whose change cell is `label`. */
const rowGiB = (markdown: string, label: string) =>
  new RegExp(`^\\| \`${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\| ([\\d.]+) \\|`, 'm').exec(
    markdown,
  )?.[1];

test('Megatron --micro-batch-size hover: breakdown parts are the analysis’s, rows are re-analyses of hand-edited files', () => {
  const path = join(REPO_ROOT, 'examples', 'megatron', 'pretrain_gpt_1.3b.sh');
  const text = readFileSync(path, 'utf8');
  const md = hoverAt(path, text, '--micro-batch-size')!;
  assert.ok(md, 'a hover on the micro-batch key');
  const m = analyzeText(text, { path }, settings).analysis!.memory!;
  for (const part of ['weights', 'gradients', 'optimizer', 'activations', 'buffers', 'overhead'] as const)
    assert.match(md, new RegExp(`\\| ${part} \\| ${(m[part].bytes / 2 ** 30).toFixed(2)} \\|`), part);
  assert.match(md, new RegExp(`\\*\\*total\\*\\* \\| \\*\\*${formatGiB(m.perGpuBytes)}\\*\\*`));
  const edited = (from: string, to: string) => gib(path, text.replace(from, to));
  assert.equal(rowGiB(md, '--micro-batch-size 2'), edited('--micro-batch-size 4', '--micro-batch-size 2'));
  assert.equal(rowGiB(md, '--micro-batch-size 8'), edited('--micro-batch-size 4', '--micro-batch-size 8'));
  assert.equal(
    rowGiB(md, '--use-distributed-optimizer'),
    edited('--bf16', '--bf16 --use-distributed-optimizer'),
  );
  assert.equal(
    rowGiB(md, '--recompute-granularity full --recompute-method uniform --recompute-num-layers 1'),
    edited(
      '--bf16',
      '--bf16 --recompute-granularity full --recompute-method uniform --recompute-num-layers 1',
    ),
  );
  assert.equal(
    rowGiB(md, '--tensor-model-parallel-size 2'),
    edited('--tensor-model-parallel-size 1', '--tensor-model-parallel-size 2'),
  );
  // TP 2 pads the vocabulary to 128 × 2 (Megatron): N changes, and the row says so.
  assert.match(md, /`--tensor-model-parallel-size 2` \| [\d.]+ \| −[\d.]+ \| N \+/);
});

test('torchtitan [activation_checkpoint] mode hover: off and full rows; TP × 2 says D changes (global = local × DP)', () => {
  const path = join(REPO_ROOT, 'examples', 'torchtitan', 'llama3_8b.toml');
  const text = readFileSync(path, 'utf8');
  const md = hoverAt(path, text, 'mode = "selective"')!;
  assert.ok(md);
  assert.equal(
    rowGiB(md, '[activation_checkpoint] mode = "none"'),
    gib(path, text.replace('mode = "selective"', 'mode = "none"')),
  );
  assert.equal(
    rowGiB(md, '[activation_checkpoint] mode = "full"'),
    gib(path, text.replace('mode = "selective"', 'mode = "full"')),
  );
  assert.match(md, /`tensor_parallel_degree = 2` \| [\d.]+ \| −[\d.]+ \| D /);
});

test('a TP what-if that does not divide the heads shows the diagnostic, not a figure', () => {
  const path = join(REPO_ROOT, 'examples', 'megatron', 'pretrain_gpt_1.3b.sh');
  // 16 heads; TP 16 → 32 does not divide them.
  const text = readFileSync(path, 'utf8')
    .replace('--tensor-model-parallel-size 1', '--tensor-model-parallel-size 16')
    .replace('NUM_NODES=2', 'NUM_NODES=4');
  const md = hoverAt(path, text, '--tensor-model-parallel-size')!;
  assert.ok(md);
  assert.match(
    md,
    /`--tensor-model-parallel-size 32` \| — \| — \| --tensor-model-parallel-size = 32 does not divide the 16 attention heads/,
  );
  assert.doesNotMatch(md, /NaN|Infinity|-\d/);
});

test('keys without a memory meaning keep their usual hover', () => {
  const path = join(REPO_ROOT, 'examples', 'megatron', 'pretrain_gpt_1.3b.sh');
  const text = readFileSync(path, 'utf8');
  const md = hoverAt(path, text, '--num-layers')!;
  assert.doesNotMatch(md, /memory per GPU/);
});

test('torchtitan local_batch_size without global_batch_size: no micro-batch rows (they would change D), and the hover says why', () => {
  const path = join(REPO_ROOT, 'examples', 'torchtitan', 'llama3_8b.toml');
  const text = readFileSync(path, 'utf8');
  const md = hoverAt(path, text, 'local_batch_size = 1')!;
  assert.ok(md);
  assert.doesNotMatch(md, /`local_batch_size = 2`/);
  assert.match(
    md,
    /No micro-batch what-ifs keep the global batch, and D, here: halving needs an even micro-batch \(1 now\), doubling an accumulation of 2 or more \(1 now\), and either a stated global batch/,
  );
  // With the global batch stated (64 GPUs × 1 × 2 accumulation), doubling is a row at the same D.
  const withGlobal = text.replace('local_batch_size = 1', 'local_batch_size = 1\nglobal_batch_size = 128');
  const md2 = hoverAt(path, withGlobal, 'local_batch_size = 1')!;
  assert.equal(
    rowGiB(md2, 'local_batch_size = 2'),
    gib(path, withGlobal.replace('local_batch_size = 1', 'local_batch_size = 2')),
  );
});
