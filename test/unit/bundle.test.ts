/**
 * The server owns every number: the extension host's bundle contains no framework reader, no
 * parameter math and no planner (they run in the language server), only formatting and display.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from '../helpers';

test('the client bundle holds no reader, planner or parameter math, and stays small', async () => {
  const result = await esbuild.build({
    entryPoints: [join(REPO_ROOT, 'src', 'client', 'extension.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
    mainFields: ['module', 'main'],
    minify: true,
    write: false,
    metafile: true,
    outfile: 'extension.js',
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const forbidden = inputs.filter((path) =>
    /^src\/core\/(config|model|plan)\/|^src\/core\/analyze\.ts$|^src\/server\//.test(path),
  );
  assert.deepEqual(forbidden, []);
  const bytes = result.outputFiles[0]!.contents.length;
  // vscode-languageclient and its protocol packages alone minify to ~360 KB; our own code adds < 100 KB.
  assert.ok(bytes < 500 * 1024, `extension.js is ${(bytes / 1024).toFixed(0)} KB minified`);
  console.log(`extension.js: ${(bytes / 1024).toFixed(0)} KB minified`);
});
