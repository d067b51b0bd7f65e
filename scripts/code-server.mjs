// Starts a throwaway code-server (real VS Code in the browser) with the Scaling Lens .vsix installed.
// Used by the end-to-end tests (test/e2e/harness.ts) and by `npm start` (scripts/start.mjs).
//
//   const server = await startCodeServer({ workspace: '/abs/folder', vsix: 'dist/scaling-lens.vsix' });
//   // server.url → http://127.0.0.1:PORT/?folder=/abs/folder
//   await server.stop();
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerBin, CODE_SERVER_VERSION, installedVersion } from './install-code-server.mjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Default location of the packaged extension (`npm run package`). */
export const DEFAULT_VSIX = join(REPO_ROOT, 'dist', 'scaling-lens.vsix');

/** Settings every session starts with: no trust prompt, no welcome page, nothing phoning home. */
export const BASE_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'chat.commandCenter.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
};

/** True when code-server is installed (see scripts/install-code-server.mjs). */
export function codeServerAvailable() {
  return installedVersion() === CODE_SERVER_VERSION;
}

/**
 * A TCP port nobody listens on. With `preferred`, that port when it is free.
 * @param {number} [preferred]
 * @param {string} [host]
 * @returns {Promise<number>}
 */
export function freePort(preferred = 0, host = '127.0.0.1') {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error) => {
      if (preferred) freePort(0, host).then(resolvePort, reject);
      else reject(error);
    });
    server.listen(preferred, host, () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolvePort(port));
    });
  });
}

/** Run code-server's CLI synchronously (extension install); throws with its output on failure. */
function codeServerCli(args, env) {
  const result = spawnSync(process.execPath, [codeServerBin(), ...args], {
    encoding: 'utf8',
    env,
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `code-server ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** GET a URL; resolves with the status code, rejects on connection errors. */
function httpStatus(url) {
  return new Promise((resolveStatus, reject) => {
    const request = get(url, (response) => {
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.setTimeout(2000, () => request.destroy(new Error('timeout')));
  });
}

/**
 * Start code-server.
 * @param {{
 *   workspace?: string,          // folder to open (absolute); the returned url opens it
 *   vsix?: string | null,        // extension to install; null = none. Default dist/scaling-lens.vsix
 *   dir?: string,                // where user-data/extensions dirs go; default .cache/e2e-<pid>-<n>
 *   port?: number,               // preferred port; falls back to a free one when taken
 *   host?: string,               // default 127.0.0.1
 *   settings?: Record<string, unknown>, // merged over BASE_SETTINGS into User/settings.json
 *   keepDir?: boolean,           // keep `dir` after stop() (default: remove it when we created it)
 *   keepUserSettings?: boolean,  // leave an existing User/settings.json alone (npm start keeps the user's edits)
 *   log?: (line: string) => void,
 *   readyTimeoutMs?: number,
 * }} [options]
 * @returns {Promise<{ url: string, baseUrl: string, port: number, dir: string, userDataDir: string,
 *   extensionsDir: string, logs: () => string, stop: () => Promise<void> }>}
 */
export async function startCodeServer(options = {}) {
  if (!codeServerAvailable()) {
    throw new Error('code-server is not installed; run: node scripts/install-code-server.mjs');
  }
  const host = options.host ?? '127.0.0.1';
  const createdDir = !options.dir;
  const dir = resolve(
    options.dir ?? join(REPO_ROOT, '.cache', `e2e-${process.pid}-${Date.now().toString(36)}`),
  );
  const userDataDir = join(dir, 'user-data');
  const extensionsDir = join(dir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const settingsPath = join(userDataDir, 'User', 'settings.json');
  if (!options.keepUserSettings || !existsSync(settingsPath)) {
    writeFileSync(settingsPath, JSON.stringify({ ...BASE_SETTINGS, ...(options.settings ?? {}) }, null, 2));
  }
  // code-server writes a default config.yaml (with a password) under XDG_CONFIG_HOME when none is given;
  // keep that inside our throwaway directory instead of the user's home.
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, 'auth: none\ncert: false\n');
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_DATA_HOME: join(dir, 'xdg-data'),
  };
  delete env.PORT; // code-server reads $PORT and would override --bind-addr.
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;

  const vsix = options.vsix === undefined ? DEFAULT_VSIX : options.vsix;
  if (vsix) {
    if (!existsSync(vsix)) throw new Error(`extension package not found: ${vsix} (run: npm run package)`);
    codeServerCli(
      [
        '--config',
        configPath,
        '--user-data-dir',
        userDataDir,
        '--extensions-dir',
        extensionsDir,
        '--force',
        '--install-extension',
        vsix,
      ],
      env,
    );
  }

  const port = await freePort(options.port ?? 0, host);
  const args = [
    codeServerBin(),
    '--config',
    configPath,
    '--auth',
    'none',
    '--bind-addr',
    `${host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
  ];
  let output = '';
  const child = spawn(process.execPath, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  const onData = (chunk) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 200_000) output = output.slice(-100_000);
    if (options.log) for (const line of text.split('\n')) if (line.trim()) options.log(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  // If our process ends without calling stop() (a crashed test run), do not leave the server (and
  // its extension hosts, in the same process group) running.
  const killOnExit = () => {
    try {
      if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  const exitPromise = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      process.removeListener('exit', killOnExit);
      resolveExit(exited);
    });
  });

  const baseUrl = `http://${host}:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}):\n${output}`);
    try {
      if ((await httpStatus(`${baseUrl}/healthz`)) === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`code-server did not answer on ${baseUrl} within the timeout:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      // The server spawns extension hosts and the language server; end the whole process group we created.
      try {
        if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      const timer = setTimeout(() => {
        try {
          if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGKILL');
          else child.kill('SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    if (createdDir && !options.keepDir) rmSync(dir, { recursive: true, force: true });
  };

  // Keep slashes readable in the printed URL; escape only what would end the query value.
  const folderQuery = options.workspace
    ? `/?folder=${encodeURI(resolve(options.workspace)).replace(/[?#&+]/g, (c) => encodeURIComponent(c))}`
    : '/';
  return {
    url: `${baseUrl}${folderQuery}`,
    baseUrl,
    port,
    dir,
    userDataDir,
    extensionsDir,
    logs: () => output,
    stop,
  };
}
