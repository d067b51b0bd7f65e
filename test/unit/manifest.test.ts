/**
 * The whole ../shared corpus through the same path as the CLI (`analyzeText` + `toJson`): exact
 * parameter counts for every entry with ground truth, active params for MoE, and training tokens
 * wherever the manifest derives them from the file. Prints a results table (also written to
 * test-artifacts/manifest-table.md). Exceptions are listed in KNOWN_EXCEPTIONS and the README.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { emptyResult, toJson, type AnalyzeJson } from '../../src/cli/analyze';
import {
  diskReadFile,
  HAS_SHARED,
  loadManifest,
  REPO_ROOT,
  SHARED_SKIP,
  type ManifestEntry,
} from '../helpers';

/** Manifest framework names → ours. */
const FRAMEWORK_ALIASES: Record<string, string> = {
  'hf-transformers': 'hf-config',
  'megatron-lm': 'megatron',
  'megatron-deepspeed': 'megatron',
};

/**
 * configs-c keeps the frameworks that were not yet supported under `unsupported/<folder>/`, with
 * `framework: null`; the folder names the framework (torchtitan-py is torchtitan's Python registry).
 */
const UNSUPPORTED_FOLDERS: Record<string, string> = {
  nanotron: 'nanotron',
  'torchtitan-py': 'torchtitan',
  torchtune: 'torchtune',
  nemo1: 'nemo',
  'olmo-core': 'olmo-core',
};

function expectedFrameworkOf(entry: ManifestEntry): string | null {
  if (entry.framework) return FRAMEWORK_ALIASES[entry.framework] ?? entry.framework;
  const folder = /^unsupported\/([^/]+)\//.exec(entry.file)?.[1];
  return folder ? (UNSUPPORTED_FOLDERS[folder] ?? null) : null;
}

/** Entries whose expected tokens need data the file does not hold (documented in the README). */
function tokensExpectedFromFile(set: string, e: ManifestEntry): boolean {
  if (e.training_tokens === null || e.training_tokens === undefined) return false;
  if (set !== 'configs') return e.training_tokens_derivable_from_file === true;
  const formula = String(e.training_tokens_formula ?? '');
  // torchtitan entries without a GPU-count comment assume one GPU; we report "GPU count" missing instead.
  return !/assumes a single GPU/.test(formula);
}

function analyze(path: string): AnalyzeJson {
  const text = readFileSync(path, 'utf8');
  const result = analyzeText(text, { path, readFile: diskReadFile }, DEFAULT_ANALYSIS_SETTINGS);
  if (!result.analysis) {
    return { ...emptyResult(path, result.diagnostics), framework: result.framework ?? null };
  }
  return toJson(path, result.analysis);
}

const rows: string[] = [];

for (const set of ['configs', 'configs-b', 'configs-c'] as const) {
  test(`every ${set} manifest entry matches its ground truth`, { skip: SHARED_SKIP }, () => {
    const failures: string[] = [];
    for (const entry of loadManifest(set)) {
      const result = analyze(entry.path);
      const expectedFramework = expectedFrameworkOf(entry);
      const checks: string[] = [];
      const fail = (what: string) => {
        checks.push(`✗ ${what}`);
        failures.push(`${set}/${entry.file}: ${what}`);
      };
      if (result.framework !== expectedFramework)
        fail(`framework ${result.framework} ≠ ${expectedFramework}`);
      if (typeof entry.params_total === 'number' && result.params?.total !== entry.params_total)
        fail(`params ${result.params?.total} ≠ ${entry.params_total}`);
      if (
        typeof entry.params_non_embedding === 'number' &&
        result.params?.nonEmbedding !== entry.params_non_embedding
      )
        fail(`non-embedding ${result.params?.nonEmbedding} ≠ ${entry.params_non_embedding}`);
      if (typeof entry.params_active === 'number' && result.params?.active !== entry.params_active)
        fail(`active ${result.params?.active} ≠ ${entry.params_active}`);
      const expectTokens = tokensExpectedFromFile(set, entry);
      // configs-b gives the nominal count and, where the framework's loop rounds it (Megatron-DeepSpeed
      // stops after the step that reaches --train-tokens), the exact one; either is right.
      if (
        expectTokens &&
        result.tokens !== entry.training_tokens &&
        result.tokens !== entry.training_tokens_exact
      )
        fail(`tokens ${result.tokens} ≠ ${entry.training_tokens}`);
      if (
        !expectTokens &&
        result.tokens !== null &&
        typeof entry.training_tokens === 'number' &&
        result.tokens !== entry.training_tokens
      )
        fail(`tokens ${result.tokens} ≠ ${entry.training_tokens} (not derivable, but a value was given)`);
      if (
        !expectTokens &&
        result.framework &&
        result.tokens === null &&
        result.params &&
        result.missing.length === 0
      )
        fail('tokens unknown without saying what is missing');
      if (result.framework && result.params === null && !result.missing.some((m) => m.startsWith('N: ')))
        fail('N unknown without saying what is missing');
      rows.push(
        `| ${set}/${entry.file} | ${result.framework ?? '—'} | ${result.params?.total ?? '—'} | ${entry.params_total ?? '—'} | ${result.tokens ?? (result.missing.join(', ') || '—')} | ${entry.training_tokens ?? '—'} | ${checks.length ? checks.join('; ') : '✓'} |`,
      );
    }
    assert.deepEqual(failures, []);
  });
}

test.after(() => {
  if (!HAS_SHARED || rows.length === 0) return;
  const table = [
    '| file | framework | N (ours) | N (manifest) | D (ours) | D (manifest) | result |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  const dir = join(REPO_ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest-table.md'), table + '\n');
  console.log(table);
});
