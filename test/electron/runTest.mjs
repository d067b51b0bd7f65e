// Runs the extension suite (test/electron/suite.ts) inside real VS Code with @vscode/test-electron,
// against the minimum supported version (package.json engines) and stable. Not part of `npm test`
// (it downloads VS Code); run with `npm run test:electron` after a build.
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const suite = join(root, 'dist', 'test', 'electron-suite.js');
await esbuild.build({
  entryPoints: [join(root, 'test', 'electron', 'suite.ts')],
  outfile: suite,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  mainFields: ['module', 'main'],
  logLevel: 'warning',
});

const minimum = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.vscode.replace(
  /^\^/,
  '',
);
const versions = process.argv.includes('--stable-only') ? ['stable'] : [minimum, 'stable'];
for (const version of versions) {
  console.log(`Scaling Lens electron suite on VS Code ${version}`);
  await runTests({
    version,
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    launchArgs: [
      join(root, 'test', 'fixtures', 'server'),
      '--disable-extensions',
      '--skip-welcome',
      '--skip-release-notes',
    ],
  });
}
