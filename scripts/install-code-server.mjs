// Installs code-server (a real VS Code that runs in a browser) into .cache/code-server, outside the
// project's node_modules, so the end-to-end tests and `npm start` can drive the real editor.
// Idempotent: does nothing when the wanted version is already installed and its postinstall ran.
//
// Usage: node scripts/install-code-server.mjs        (prints the path of the code-server binary)
//   Env: CODE_SERVER_VERSION (default below), CODE_SERVER_DIR (default <repo>/.cache/code-server)
//
// Two things this machine needs that a plain `npm install code-server` does not do:
//  - @vscode/ripgrep's postinstall downloads ripgrep from GitHub; there is no internet here, so we
//    pre-seed its download cache with the system ripgrep (/usr/bin/rg, from the `ripgrep` package).
//  - npm may be configured to skip install scripts; code-server's postinstall is what installs VS Code's
//    own node_modules (lib/vscode/node_modules), so we force scripts on with `--ignore-scripts=false`
//    and `--foreground-scripts` (also shows the postinstall's progress in CI logs). npm 11 prints
//    "install-scripts … not yet covered by allowScripts" warnings but still runs them; the check
//    after the install (lib/vscode/node_modules present) catches a future npm that does not.
//  - As root, postinstall.sh exits unless npm_config_unsafe_perm=true (set in the env below).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The code-server release the tests are written against (VS Code 1.100.3). */
export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION ?? '4.100.3';

/** Where code-server is installed (an npm prefix). */
export const CODE_SERVER_DIR = resolve(
  process.env.CODE_SERVER_DIR ?? join(REPO_ROOT, '.cache', 'code-server'),
);

/** ripgrep release that @vscode/ripgrep 1.15.11 (code-server 4.100's dependency) asks for. */
const RIPGREP_CACHE = {
  dir: 'vscode-ripgrep-cache-1.15.11',
  file: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz',
};

/** Path of the code-server launcher inside an install prefix. */
export function codeServerBin(dir = CODE_SERVER_DIR) {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** The installed version, or null when code-server is missing or its postinstall did not finish. */
export function installedVersion(dir = CODE_SERVER_DIR) {
  const pkgPath = join(dir, 'node_modules', 'code-server', 'package.json');
  if (!existsSync(pkgPath) || !existsSync(codeServerBin(dir))) return null;
  // The postinstall installs VS Code's runtime dependencies; without them the server cannot start.
  if (!existsSync(join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules'))) return null;
  try {
    return JSON.parse(readFileSync(pkgPath, 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

/**
 * code-server's native modules need Kerberos headers and its search needs ripgrep. On a fresh
 * Debian machine (the README's quick start) install them when we are root and they are missing, so
 * `npm start` works without a separate setup step; elsewhere say what to install.
 */
function ensureSystemPackages(log) {
  const missing = [];
  if (!['/usr/bin/rg', '/usr/local/bin/rg'].some((p) => existsSync(p))) missing.push('ripgrep');
  if (!existsSync('/usr/include/krb5.h') && !existsSync('/usr/include/krb5/krb5.h'))
    missing.push('libkrb5-dev');
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `code-server needs these system packages: ${missing.join(' ')} (e.g. sudo apt-get install -y ${missing.join(' ')})`,
    );
  }
  log(`installing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  const install = spawnSync(
    'apt-get',
    ['install', '-y', '--no-install-recommends', ...missing, 'build-essential'],
    {
      stdio: 'inherit',
      env,
    },
  );
  if (update.status !== 0 || install.status !== 0)
    throw new Error(`apt-get install ${missing.join(' ')} failed`);
}

/** Put the system ripgrep where @vscode/ripgrep's postinstall looks before downloading. */
function seedRipgrepCache() {
  const cacheDir = join(process.env.TMPDIR || tmpdir(), RIPGREP_CACHE.dir);
  const tarball = join(cacheDir, RIPGREP_CACHE.file);
  if (existsSync(tarball)) return;
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => existsSync(p));
  if (!rg) {
    throw new Error('ripgrep not found (/usr/bin/rg); install it first: apt-get install -y ripgrep');
  }
  mkdirSync(cacheDir, { recursive: true });
  const staging = join(cacheDir, 'staging');
  mkdirSync(staging, { recursive: true });
  // The archive must contain the binary at its root, named `rg`.
  const cp = spawnSync('cp', [rg, join(staging, 'rg')], { stdio: 'inherit' });
  if (cp.status !== 0) throw new Error('could not copy ripgrep');
  const tar = spawnSync('tar', ['-czf', tarball, '-C', staging, 'rg'], { stdio: 'inherit' });
  rmSync(staging, { recursive: true, force: true });
  if (tar.status !== 0) throw new Error('could not create the ripgrep tarball');
}

/**
 * Ensure code-server is installed; returns the launcher path. Throws with a readable message on failure.
 * @param {{ quiet?: boolean }} [options]
 */
export function ensureCodeServer(options = {}) {
  const log = options.quiet ? () => {} : (s) => process.stderr.write(`${s}\n`);
  if (installedVersion() === CODE_SERVER_VERSION) {
    log(`code-server ${CODE_SERVER_VERSION} already installed in ${CODE_SERVER_DIR}`);
    return codeServerBin();
  }
  ensureSystemPackages(log);
  seedRipgrepCache();
  mkdirSync(CODE_SERVER_DIR, { recursive: true });
  log(`installing code-server ${CODE_SERVER_VERSION} into ${CODE_SERVER_DIR} (about 300 MB, ~70 s)...`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    [
      'install',
      '--prefix',
      CODE_SERVER_DIR,
      `code-server@${CODE_SERVER_VERSION}`,
      '--ignore-scripts=false',
      '--foreground-scripts',
      '--no-audit',
      '--no-fund',
      '--no-save',
      '--loglevel=warn',
    ],
    {
      // Never let the project's own package.json/lockfile be touched: run from the install prefix.
      cwd: CODE_SERVER_DIR,
      stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit'],
      env: {
        ...process.env,
        npm_config_yes: 'true',
        npm_config_ignore_scripts: 'false',
        // code-server's postinstall.sh refuses to run as root unless npm_config_unsafe_perm is
        // true (npm 7+ no longer knows the option, so it is only this variable that matters).
        npm_config_unsafe_perm: 'true',
        // Native modules (argon2, node-pty, kerberos…) fall back to node-gyp builds when their
        // prebuilt binaries cannot be downloaded; node-gyp would download Node's headers too, so point
        // it at the headers of the installed Node (Debian/NodeSource: /usr/include/node).
        ...(!process.env.npm_config_nodedir && existsSync('/usr/include/node/node.h')
          ? { npm_config_nodedir: '/usr' }
          : {}),
      },
    },
  );
  if (result.status !== 0) throw new Error(`npm install code-server failed (exit ${result.status})`);
  const version = installedVersion();
  if (version !== CODE_SERVER_VERSION) {
    throw new Error(
      `code-server installed but not usable (version ${version ?? 'missing'}; lib/vscode/node_modules ` +
        'absent means its postinstall script did not run)',
    );
  }
  log(`code-server ${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return codeServerBin();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensureCodeServer()}\n`);
  } catch (error) {
    process.stderr.write(`install-code-server: ${error.message}\n`);
    process.exit(1);
  }
}
