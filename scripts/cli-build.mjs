// The `scaling-lens` CLI's esbuild options, shared by scripts/build.mjs (dist/) and the fit benchmarks
// (bench/cli-bundle.ts, a temporary folder), so the benchmarks time exactly what ships.
//
// Why one CommonJS bundle per command: src/cli.ts imports each command on demand, and here each of
// those imports becomes a `require` of that command's own bundle in `cli/`, so `scaling-lens fit` on
// a table loads the fit engine, ingestion and the law forms (~120 KB) and not every framework reader,
// the YAML/TOML parsers and the model tables (~970 KB as one bundle; compiling and initialising them
// was ~45 ms of a ~0.25 s fit process). The framework readers are their own bundle (`cli/readers.js`),
// which `fit` requires only to read a folder of runs. CommonJS rather than ESM chunks: Node's ESM
// loader cost ~40 ms per fit process in profiles (asynchronous module jobs), `require` a few ms.
// Code shared between commands is duplicated across their bundles; only one command runs per process.
import { join, resolve } from 'node:path';

/** The commands src/cli.ts imports, each bundled alone into `cli/<name>.js`. */
const COMMANDS = ['analyze', 'fit', 'curve', 'compare', 'plan'];

/**
 * Resolves the on-demand imports to sibling bundles instead of inlining them: `./cli/<command>` from
 * src/cli.ts, and the registry (the framework readers) from the fit command.
 */
function siblingBundles(root) {
  const registry = resolve(root, 'src', 'core', 'config', 'registry');
  return {
    name: 'scaling-lens-cli-siblings',
    setup(build) {
      build.onResolve({ filter: /^\.\/cli\/[a-z]+$/ }, (args) => {
        const name = args.path.slice('./cli/'.length);
        if (!COMMANDS.includes(name) || !args.importer.endsWith(join('src', 'cli.ts'))) return undefined;
        return { path: `./cli/${name}.js`, external: true };
      });
      build.onResolve({ filter: /config\/registry$/ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        if (resolve(args.resolveDir, args.path) !== registry) return undefined;
        return { path: './readers.js', external: true };
      });
    },
  };
}

/**
 * esbuild options for the CLI: `<outdir>/cli.js` (the dispatcher, package.json `bin`), one bundle per
 * command and the readers in `<outdir>/cli/`, and the bootstrap worker beside them (parallel.ts looks
 * for `fitBootstrapWorker.js` next to the code that starts it).
 * @param {{ root: string, outdir: string, minify: boolean, sourcemap: boolean }} options
 */
export function cliBuildOptions({ root, outdir, minify, sourcemap }) {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // jsonc-parser's UMD "main" requires its modules dynamically, which esbuild cannot bundle; its ESM build bundles.
    mainFields: ['module', 'main'],
    minify,
    sourcemap,
    logLevel: 'warning',
    // `import()` of a sibling bundle becomes a synchronous `require` (no ESM loader).
    supported: { 'dynamic-import': false },
    plugins: [siblingBundles(root)],
  };
  const src = (...parts) => join(root, 'src', ...parts);
  return [
    {
      ...common,
      entryPoints: [src('cli.ts')],
      outfile: join(outdir, 'cli.js'),
      banner: { js: '#!/usr/bin/env node' },
    },
    ...COMMANDS.map((name) => ({
      ...common,
      entryPoints: [src('cli', `${name}.ts`)],
      outfile: join(outdir, 'cli', `${name}.js`),
    })),
    {
      ...common,
      entryPoints: [src('core', 'config', 'registry.ts')],
      outfile: join(outdir, 'cli', 'readers.js'),
    },
    {
      ...common,
      entryPoints: [src('core', 'fit', 'bootstrapWorker.ts')],
      outfile: join(outdir, 'cli', 'fitBootstrapWorker.js'),
    },
  ];
}

// Run as a script (bench/cli-bundle.ts: esbuild's synchronous API takes no plugins):
//   node scripts/cli-build.mjs OUTDIR [--minify]
import { fileURLToPath } from 'node:url';
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { build } = await import('esbuild');
  const [outdir] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!outdir) {
    console.error('usage: node scripts/cli-build.mjs OUTDIR [--minify]');
    process.exit(2);
  }
  const root = resolve(fileURLToPath(import.meta.url), '..', '..');
  const minify = process.argv.includes('--minify');
  await Promise.all(cliBuildOptions({ root, outdir, minify, sourcemap: false }).map((o) => build(o)));
}
