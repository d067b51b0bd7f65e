/**
 * Packaging: what `vsce package --no-dependencies` (npm run package) puts in the .vsix. The bundles
 * carry every runtime dependency, so the package must hold only the manifest, docs, bundles and
 * grammars — never sources, tests, node_modules or the local code-server cache.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers';

test('the .vsix holds only the manifest, README, LICENSE, bundles and grammars', () => {
  const vsce = join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const result = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const files = result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const allowed =
    /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/[\w.-]+\.(js|css)|dist\/cli\/[\w.-]+\.js|syntaxes\/.+\.json|media\/.+|images\/.+)$/;
  assert.deepEqual(
    files.filter((file) => !allowed.test(file)),
    [],
    'unexpected files in the package',
  );
  for (const required of ['package.json', 'README.md', 'LICENSE'])
    assert.ok(files.includes(required), required);
  // Every entry point the manifest names must ship.
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string };
  assert.ok(files.includes(manifest.main.replace(/^\.\//, '')), `${manifest.main} is packaged`);
  for (const bundle of [
    'dist/extension.js',
    'dist/server.js',
    'dist/webview.js',
    'dist/fitWorker.js',
    // The server's bootstrap refits run in these worker threads (src/core/fit/parallel.ts).
    'dist/fitBootstrapWorker.js',
    // The CLI: its dispatcher, each command's bundle and the readers (scripts/cli-build.mjs).
    'dist/cli.js',
    'dist/cli/analyze.js',
    'dist/cli/fit.js',
    'dist/cli/readers.js',
  ])
    assert.ok(files.includes(bundle), bundle);
});
