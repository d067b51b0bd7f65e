/**
 * Builds the `scaling-lens` CLI exactly as scripts/build.mjs does (the same options,
 * scripts/cli-build.mjs: the dispatcher and one bundle per command, minified) into a temporary folder, so the fit benchmarks time the whole CLI process without touching dist/ (other builds may be
 * using it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export function buildCliBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-bench-'));
  // A child process: the build uses an esbuild plugin, which only the asynchronous API accepts.
  const script = resolve(__dirname, '..', 'scripts', 'cli-build.mjs');
  const run = spawnSync(process.execPath, [script, dir, '--minify'], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`building the CLI failed (exit ${run.status})`);
  return join(dir, 'cli.js');
}
