/**
 * Builds the `scaling-lens` CLI bundle (esbuild, as scripts/build.mjs does) into a temporary folder,
 * so the fit benchmarks time the whole CLI process without touching dist/ (other builds may be using it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';

export function buildCliBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-bench-'));
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    minify: true,
    logLevel: 'warning',
  };
  const root = resolve(__dirname, '..', 'src');
  buildSync({ ...common, entryPoints: [join(root, 'cli.ts')], outfile: join(dir, 'cli.js') });
  // The bootstrap's worker script, beside the CLI as in dist/ (src/core/fit/parallel.ts).
  buildSync({
    ...common,
    entryPoints: [join(root, 'core', 'fit', 'bootstrapWorker.ts')],
    outfile: join(dir, 'fitBootstrapWorker.js'),
  });
  return join(dir, 'cli.js');
}
