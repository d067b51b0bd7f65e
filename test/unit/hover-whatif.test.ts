/**
 * Every what-if row of an architecture hover equals the analysis of the file with that value
 * written in (a property over every config of the corpora), and rows are sorted by value. Before, the
 * rows re-analyzed a modified spec, so a Mixtral `intermediate_size` row said "46.7B (±0)" while the
 * edited file counts 45.9B (the key also sets the expert width).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { LineIndex } from '../../src/core/config/text';
import { formatCount } from '../../src/core/format';
import type { ArchField, ReadContext } from '../../src/core/types';
import { archHover } from '../../src/server/hovers';
import { diskReadFile, HAS_SHARED, loadManifest } from '../helpers';

const MIXTRAL = JSON.stringify(
  {
    architectures: ['MixtralForCausalLM'],
    model_type: 'mixtral',
    hidden_size: 4096,
    intermediate_size: 14336,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    num_local_experts: 8,
    num_experts_per_tok: 2,
    vocab_size: 32000,
    max_position_embeddings: 32768,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: false,
  },
  null,
  2,
);

/** The hover's table rows: label and N as shown. */
function tableRows(markdown: string): { label: string; n: string }[] {
  return markdown
    .split('\n')
    .filter((line) => /^\| /.test(line) && !/^\| ---|^\|---/.test(line))
    .slice(1)
    .map((line) => {
      const cells = line.split('|').map((c) => c.trim());
      return { label: cells[1]!, n: cells[2]!.replace(/ \(.*\)$/, '') };
    });
}

function checkFile(path: string, text: string, context: ReadContext): string[] {
  const failures: string[] = [];
  const analysis = analyzeText(text, context, DEFAULT_ANALYSIS_SETTINGS).analysis;
  if (!analysis?.params) return failures;
  for (const [field, source] of Object.entries(analysis.spec.archSources)) {
    if (!source || source.file) continue;
    const markdown = archHover(analysis, field as ArchField, source, DEFAULT_ANALYSIS_SETTINGS, {
      text,
      context,
    });
    if (!markdown) continue;
    const rows = tableRows(markdown);
    const lines = new LineIndex(text);
    const start = lines.offsetAt(source.valueRange.start);
    const end = lines.offsetAt(source.valueRange.end);
    const values: number[] = [];
    for (const row of rows) {
      if (row.label.includes('(now)')) {
        if (row.n !== formatCount(analysis.params.total))
          failures.push(`${path} ${source.key}: now row ${row.n}`);
        values.push(Number(row.label.replace(/[^\d]/g, '')));
        continue;
      }
      const quote = /^\s*(["'])/.exec(source.raw)?.[1] ?? '';
      const literal = /^\d+$/.test(row.label) ? `${quote}${row.label}${quote}` : row.label;
      if (/^\d+$/.test(row.label)) values.push(Number(row.label));
      const edited = text.slice(0, start) + literal + text.slice(end);
      const expected = analyzeText(edited, context, DEFAULT_ANALYSIS_SETTINGS).analysis?.params;
      const shown = expected ? formatCount(expected.total) : 'not a valid config';
      if (row.n !== shown)
        failures.push(`${path} ${source.key}=${row.label}: hover ${row.n}, edited file ${shown}`);
    }
    if (values.length === rows.length && values.some((v, i) => i > 0 && v < values[i - 1]!))
      failures.push(`${path} ${source.key}: rows not sorted by value`);
  }
  return failures;
}

test('Mixtral: the intermediate_size and num_experts_per_tok rows equal the edited file (experts move with them)', () => {
  const context = { path: '/tmp/mixtral/config.json' };
  assert.deepEqual(checkFile('mixtral', MIXTRAL, context), []);
  const analysis = analyzeText(MIXTRAL, context, DEFAULT_ANALYSIS_SETTINGS).analysis!;
  const source = analysis.spec.archSources.ffnSize!;
  const markdown = archHover(analysis, 'ffnSize', source, DEFAULT_ANALYSIS_SETTINGS, {
    text: MIXTRAL,
    context,
  });
  const narrower = analyzeText(
    MIXTRAL.replace('14336', '14080'),
    context,
    DEFAULT_ANALYSIS_SETTINGS,
  ).analysis!;
  assert.notEqual(narrower.params!.total, analysis.params!.total);
  assert.ok(markdown!.includes(`| 14080 | ${formatCount(narrower.params!.total)} (−`), markdown);
});

test(
  'every hover what-if row over the corpora equals the analysis of the edited file',
  { skip: !HAS_SHARED },
  () => {
    const failures: string[] = [];
    for (const set of ['configs', 'configs-b', 'configs-c'] as const) {
      for (const entry of loadManifest(set)) {
        const text = readFileSync(entry.path, 'utf8');
        failures.push(...checkFile(entry.file, text, { path: entry.path, readFile: diskReadFile }));
      }
    }
    assert.deepEqual(failures, []);
  },
);
