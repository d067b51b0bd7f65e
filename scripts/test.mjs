// Runs every test file in one `node --test` process tree so CI sees a single summary line.
// Usage: node scripts/test.mjs [unit|server|e2e ...]  (default: all suites, after a build)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const suites = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wanted = suites.length ? suites : ['unit', 'server', 'e2e'];

function testFiles(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

// Server and e2e suites exercise the bundles, so build first.
if (wanted.some((s) => s !== 'unit')) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// Unit tests also live beside the code they test (each framework's folder under src/core/config/frameworks/).
const files = wanted.flatMap((suite) =>
  suite === 'unit'
    ? [...testFiles(join('test', suite)), ...testFiles('src')]
    : testFiles(join('test', suite)),
);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {
  stdio: 'inherit',
  env: { ...process.env },
});
process.exit(result.status ?? 1);
