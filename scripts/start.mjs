// `npm start`: build, package the extension, make sure code-server (a real VS Code) is installed,
// install the .vsix into it and serve examples/ on http://127.0.0.1:PORT until Ctrl+C.
//   Env: PORT (default 8080; a free port is used when it is taken), HOST (default 127.0.0.1),
//        SCALING_LENS_WORKSPACE (folder to open; default examples/).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCodeServer } from './code-server.mjs';
import { ensureCodeServer } from './install-code-server.mjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VSIX = join(REPO_ROOT, 'dist', 'scaling-lens.vsix');

function step(label, command, args) {
  const started = Date.now();
  process.stderr.write(`▸ ${label}\n`);
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`✖ ${label} failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
  process.stderr.write(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

// Same steps as `npm run package`, with the project's own esbuild and vsce.
step('building (production bundles)', process.execPath, [
  join(REPO_ROOT, 'scripts', 'build.mjs'),
  '--production',
]);
step('packaging dist/scaling-lens.vsix', process.execPath, [
  join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
  'package',
  '--no-dependencies',
  '--no-rewrite-relative-links',
  '-o',
  VSIX,
]);

process.stderr.write('▸ checking code-server\n');
try {
  ensureCodeServer();
} catch (error) {
  process.stderr.write(`✖ ${error.message}\n`);
  process.exit(1);
}

const workspace = resolve(process.env.SCALING_LENS_WORKSPACE ?? join(REPO_ROOT, 'examples'));
if (!existsSync(workspace)) {
  process.stderr.write(`✖ workspace folder not found: ${workspace}\n`);
  process.exit(1);
}
const preferredPort = Number.parseInt(process.env.PORT ?? '', 10) || 8080;
process.stderr.write('▸ installing the extension and starting code-server\n');
const server = await startCodeServer({
  workspace,
  vsix: VSIX,
  host: process.env.HOST || '127.0.0.1',
  port: preferredPort,
  // A persistent profile: your settings and open editors survive restarts; the extension is
  // reinstalled from the fresh .vsix every time.
  dir: join(REPO_ROOT, '.cache', 'start'),
  keepDir: true,
  keepUserSettings: true,
});
if (server.port !== preferredPort) {
  process.stderr.write(`  port ${preferredPort} is taken; using ${server.port}\n`);
}
process.stdout.write(
  `\nScaling Lens is running in VS Code (code-server) at:\n\n  ${server.url}\n\nOpen any file under examples/ to see the lenses. Press Ctrl+C to stop.\n`,
);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\n${signal}: stopping code-server…\n`);
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// Keep the event loop alive until a signal arrives.
setInterval(() => {}, 1 << 30);
