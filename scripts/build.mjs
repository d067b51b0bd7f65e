// Bundles the extension (CJS, vscode external), the language server, the CLI and the webview app.
// Bundling lets the CJS extension host load ESM-only dependencies and keeps the .vsix free of node_modules.
import * as esbuild from 'esbuild';
import { cliBuildOptions } from './cli-build.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // jsonc-parser's UMD "main" requires its modules dynamically, which esbuild cannot bundle; its ESM build bundles.
  mainFields: ['module', 'main'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  { ...node, entryPoints: ['src/client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js' },
  // The fit runs in a worker thread of the language server (src/server/fit.ts finds it beside server.js).
  { ...node, entryPoints: ['src/server/fitWorker.ts'], outfile: 'dist/fitWorker.js' },
  // Bootstrap refits across worker threads (src/core/fit/parallel.ts looks for it beside the bundle).
  { ...node, entryPoints: ['src/core/fit/bootstrapWorker.ts'], outfile: 'dist/fitBootstrapWorker.js' },
  // The CLI: dist/cli.js and one bundle per command in dist/cli/ (scripts/cli-build.mjs).
  ...cliBuildOptions({ root: '.', outdir: 'dist', minify: production, sourcemap: !production }),
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
  },
];

import { existsSync, rmSync, statSync } from 'node:fs';
// dist/cli/ holds one build (an earlier layout's files would otherwise linger).
if (!watch) rmSync('dist/cli', { recursive: true, force: true });
const entryOf = (b) => (Array.isArray(b.entryPoints) ? b.entryPoints[0] : Object.values(b.entryPoints)[0]);
const present = builds.filter((b) => existsSync(entryOf(b)));
if (watch) {
  for (const b of present) (await esbuild.context(b)).watch();
} else {
  const results = await Promise.all(present.map((b) => esbuild.build({ ...b, metafile: true })));
  // Bundle sizes, so a change that drags the readers into the extension host shows up at once.
  const sizes = present
    .filter((b) => b.outfile)
    .map((b) => `${b.outfile.replace(/^dist\//, '')} ${(statSync(b.outfile).size / 1024).toFixed(0)} KB`);
  console.log(`bundles${production ? ' (minified)' : ''}: ${sizes.join(', ')}`);
  // extension.js split into our own code and its dependencies (vscode-languageclient and the LSP
  // protocol packages are a fixed ~350 KB minified); test/unit/bundle.test.ts holds both to a limit.
  const client = results[present.findIndex((b) => b.outfile === 'dist/extension.js')];
  const output =
    client && Object.entries(client.metafile.outputs).find(([path]) => path.endsWith('extension.js'));
  if (output) {
    let own = 0;
    let dependencies = 0;
    for (const [path, input] of Object.entries(output[1].inputs)) {
      if (/(^|\/)node_modules\//.test(path)) dependencies += input.bytesInOutput;
      else own += input.bytesInOutput;
    }
    const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
    console.log(
      `extension.js: ${kb(output[1].bytes)} = our code ${kb(own)} + dependencies ${kb(dependencies)}` +
        (production ? '' : ' (unminified; --production minifies)'),
    );
  }
}
