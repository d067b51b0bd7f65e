// The `scaling-lens` CLI's esbuild options, shared by scripts/build.mjs (dist/) and the fit benchmarks
// (bench/cli-bundle.ts, a temporary folder), so the benchmarks time exactly what ships.
//
// Why split ESM chunks behind a CommonJS shim: each command is imported on demand (src/cli.ts), and
// with `splitting` every such import() becomes its own chunk file, so `scaling-lens fit` on a table
// loads ~115 KB (the fit engine, ingestion, the law forms) instead of the whole ~970 KB bundle with
// every framework reader, YAML/TOML parser and model table. Compiling and initialising that code
// was ~45 ms of a ~0.25 s fit process on an idle machine (docs/fitting.md, "Where the time goes").
// `dist/cli.js` stays the entry point (package.json `bin`): a few lines that import the ESM entry.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** ESM has no require/__filename/__dirname; the fit's worker lookup (src/core/fit/parallel.ts) uses them. */
const ESM_NODE_GLOBALS =
  "import{createRequire as __slCreateRequire}from'node:module';" +
  "import{fileURLToPath as __slFileURLToPath}from'node:url';" +
  "import{dirname as __slDirname}from'node:path';" +
  'const require=__slCreateRequire(import.meta.url),__filename=__slFileURLToPath(import.meta.url),__dirname=__slDirname(__filename);';

/**
 * esbuild options for the CLI: its chunks in `<outdir>/cli/`, and the bootstrap worker beside them
 * (parallel.ts looks for `fitBootstrapWorker.js` next to the code that starts it).
 * @param {{ root: string, outdir: string, minify: boolean, sourcemap: boolean }} options
 */
export function cliBuildOptions({ root, outdir, minify, sourcemap }) {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    // jsonc-parser's UMD "main" requires its modules dynamically, which esbuild cannot bundle; its ESM build bundles.
    mainFields: ['module', 'main'],
    minify,
    sourcemap,
    logLevel: 'warning',
  };
  return [
    {
      ...common,
      entryPoints: { main: join(root, 'src', 'cli.ts') },
      outdir: join(outdir, 'cli'),
      format: 'esm',
      splitting: true,
      outExtension: { '.js': '.mjs' },
      banner: { js: ESM_NODE_GLOBALS },
    },
    {
      ...common,
      format: 'cjs',
      entryPoints: [join(root, 'src', 'core', 'fit', 'bootstrapWorker.ts')],
      outfile: join(outdir, 'cli', 'fitBootstrapWorker.js'),
    },
  ];
}

/** Writes `<outdir>/cli.js`, the executable entry point, which imports the ESM entry chunk. */
export function writeCliShim(outdir) {
  mkdirSync(outdir, { recursive: true });
  const path = join(outdir, 'cli.js');
  writeFileSync(
    path,
    '#!/usr/bin/env node\n' +
      '// scaling-lens CLI: the command code is in ./cli/ as ESM chunks loaded per command (scripts/cli-build.mjs).\n' +
      "'use strict';\n" +
      "import('./cli/main.mjs').catch((error) => {\n" +
      '  process.stderr.write(`scaling-lens: cannot load the CLI: ${error && error.stack ? error.stack : error}\\n`);\n' +
      '  process.exitCode = 70;\n' +
      '});\n',
    { mode: 0o755 },
  );
  return path;
}
