/**
 * Builds the `scaling-lens` CLI exactly as scripts/build.mjs does (the same options,
 * scripts/cli-build.mjs: ESM chunks per command behind the `cli.js` shim, minified) into a temporary
 * folder, so the fit benchmarks time the whole CLI process without touching dist/ (other builds may be
 * using it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { cliBuildOptions, writeCliShim } from '../scripts/cli-build.mjs';

export function buildCliBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-bench-'));
  for (const options of cliBuildOptions({
    root: resolve(__dirname, '..'),
    outdir: dir,
    minify: true,
    sourcemap: false,
  }))
    buildSync(options);
  return writeCliShim(dir);
}
