import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Root of the repository. */
export const REPO_ROOT = resolve(__dirname, '..');

/** `../shared` beside the checkout (CI always has it; elsewhere tests that need it skip). */
export const SHARED_DIR = process.env.SCALING_LENS_SHARED ?? resolve(REPO_ROOT, '..', 'shared');

/** True when ../shared is present. */
export const HAS_SHARED = existsSync(join(SHARED_DIR, 'configs', 'manifest.json'));

/** Skip message for tests that need ../shared. */
export const SHARED_SKIP = HAS_SHARED ? false : `../shared not found at ${SHARED_DIR}`;

/** One entry of a ../shared configs manifest (only the fields tests use are typed). */
export interface ManifestEntry {
  file: string;
  framework: string | null;
  model?: string | null;
  params_total?: number | null;
  params_non_embedding?: number | null;
  params_active?: number | null;
  training_tokens?: number | null;
  training_tokens_derivable_from_file?: boolean;
  [key: string]: unknown;
}

/** Load a manifest (`configs` or `configs-b`) with absolute file paths. */
export function loadManifest(
  set: 'configs' | 'configs-b' | 'configs-c',
): (ManifestEntry & { path: string })[] {
  const base = join(SHARED_DIR, set);
  const entries = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as ManifestEntry[];
  return entries.map((e) => ({ ...e, path: join(base, e.file) }));
}

/** Where each framework's folder lives (its fixtures are `<id>/fixtures/`). */
export const FRAMEWORKS_DIR = join(REPO_ROOT, 'src', 'core', 'config', 'frameworks');

/**
 * Every fixture folder by name, sorted: each framework's `src/core/config/frameworks/<id>/fixtures/`
 * (named `<id>`) and the others under `test/fixtures/` (runs, logs, memory, schedule, server). One
 * name space, so `fixture('megatron', …)` and `fixture('server', …)` both work and corpus order is
 * the same as when every fixture lived under `test/fixtures/`.
 */
export function fixtureDirs(): { name: string; dir: string }[] {
  const dirs: { name: string; dir: string }[] = [];
  for (const name of readdirSync(FRAMEWORKS_DIR)) {
    const dir = join(FRAMEWORKS_DIR, name, 'fixtures');
    if (existsSync(dir)) dirs.push({ name, dir });
  }
  const testFixtures = join(REPO_ROOT, 'test', 'fixtures');
  for (const name of readdirSync(testFixtures)) dirs.push({ name, dir: join(testFixtures, name) });
  return dirs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Path of a fixture: `fixturePath('megatron', 'gpt3', …)` is in the Megatron folder's fixtures. */
export function fixturePath(...parts: string[]): string {
  const [first = '', ...rest] = parts.flatMap((part) => part.split('/'));
  const own = join(FRAMEWORKS_DIR, first, 'fixtures');
  return first && existsSync(own) ? join(own, ...rest) : join(REPO_ROOT, 'test', 'fixtures', ...parts);
}

/** Read a fixture (see `fixturePath`). */
export function fixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8');
}

/** A corpus label: `fixtures/<folder>/<file>` or `shared/<set>/<file>`, wherever the fixture lives. */
export function corpusLabel(path: string): string {
  return path
    .replace(/^.*?[\\/]frameworks[\\/]([^\\/]+)[\\/]fixtures[\\/]/, 'fixtures/$1/')
    .replace(/^.*?(fixtures|shared)\//, '$1/');
}

/** A ReadContext readFile that reads real files (for includes and sibling configs). */
export function diskReadFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export { dirname };

import assert from 'node:assert/strict';
import { readRunConfig } from '../src/core/config/registry';
import { LineIndex } from '../src/core/config/text';
import type { FrameworkId, ReadContext, RunSpec, SourceRange } from '../src/core/types';

/** Read a file through the registry and insist it is a run config of `framework`. */
export function readSpecAs(framework: FrameworkId, text: string, context: ReadContext): RunSpec {
  const result = readRunConfig(text, context);
  assert.equal(result.kind, 'run-config', `not recognized: ${JSON.stringify(result)}`);
  if (result.kind !== 'run-config') throw new Error('unreachable');
  assert.equal(result.spec.framework, framework);
  return result.spec;
}

/** The source text a range covers. */
export function textAt(text: string, range: SourceRange): string {
  const lines = new LineIndex(text);
  return text.slice(lines.offsetAt(range.start), lines.offsetAt(range.end));
}
