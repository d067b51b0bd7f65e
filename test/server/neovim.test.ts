/**
 * A second real editor: Neovim's built-in LSP client (Debian's `neovim`, headless) runs the bundled
 * server with the setup the README gives (test/server/neovim/scaling-lens.lua), opens a config and
 * reads lenses, a hover and diagnostics. Under CI a missing nvim fails instead of skipping.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, REPO_ROOT } from '../helpers';
import { cliAnalyze } from './expected';
import { positionOf, SERVER_JS } from './lspClient';

const HAS_NVIM = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;
const SKIP =
  process.env.CI === 'true'
    ? false
    : !HAS_NVIM
      ? 'nvim not installed (apt-get install neovim)'
      : !existsSync(SERVER_JS)
        ? 'dist/server.js missing'
        : false;

test(
  'Neovim’s built-in LSP client shows the lenses, hover and diagnostics the CLI computes',
  { skip: SKIP },
  () => {
    const file = fixturePath('server', 'megatron_no_gpus.sh');
    const text = readFileSync(file, 'utf8');
    const hoverAt = positionOf(text, '--num-layers', 2);
    const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-nvim-'));
    const out = join(dir, 'result.json');
    try {
      const run = spawnSync(
        'nvim',
        [
          '--headless',
          '-u',
          'NONE',
          '-i',
          'NONE',
          '-n',
          file,
          '-c',
          `luafile ${join(REPO_ROOT, 'test/server/neovim/scaling-lens.lua')}`,
        ],
        {
          encoding: 'utf8',
          timeout: 60_000,
          cwd: dir,
          env: {
            ...process.env,
            SCALING_LENS_SERVER: SERVER_JS,
            SCALING_LENS_OUT: out,
            SCALING_LENS_HOVER_LINE: String(hoverAt.line),
            SCALING_LENS_HOVER_CHAR: String(hoverAt.character),
          },
        },
      );
      assert.ok(existsSync(out), `nvim wrote no result (status ${run.status}): ${run.stderr}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as {
        lenses: string[];
        diagnostics: string[];
        hover: string;
        running: boolean;
      };
      const [cli] = cliAnalyze([file]);
      const total = cli!.params!.total;
      assert.ok(result.lenses.length > 0, 'lenses');
      assert.ok(
        result.lenses.some((title) => title.startsWith('N ')),
        `a summary lens among ${JSON.stringify(result.lenses)}`,
      );
      assert.ok(
        result.diagnostics.some((m) => /GPU/i.test(m)),
        `diagnostics: ${JSON.stringify(result.diagnostics)}`,
      );
      assert.match(result.hover, /layer/i);
      assert.ok(result.running, 'the server is still running');
      assert.ok(total > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
