/**
 * HF config.json has no training length: the "set the training tokens" quick fix stores D per file
 * in the workspace folder's `.vscode/scaling-lens/tokens.json` (never in the config), the lenses then
 * show D and everything downstream, and removing the entry makes D unknown again. Over JSON-RPC
 * against the bundled server.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver';
import { formatCount, formatScientific } from '../../src/core/format';
import { chinchillaLoss } from '../../src/core/laws/forms';
import { parseTrainingTokens } from '../../src/server/trainingTokensParse';
import { REPO_ROOT, fixturePath } from '../helpers';
import { cliAnalyze, expectedData, lensOf, summaryOf } from './expected';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A workspace folder with the SmolLM-135M config.json at models/smollm/config.json. */
function workspace(): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'scaling-lens-tokens-'));
  scratch.push(root);
  mkdirSync(join(root, 'models', 'smollm'), { recursive: true });
  const file = join(root, 'models', 'smollm', 'config.json');
  copyFileSync(join(REPO_ROOT, 'examples', 'hf', 'smollm-135m', 'config.json'), file);
  return { root, file };
}

// Epoch AI 2024 (Besiroglu et al., arXiv:2404.10102) as in src/core/laws/published.ts.
const EPOCH2024 = { E: 1.8169, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 };

test('parseTrainingTokens reads the usual spellings and refuses nonsense with a message', () => {
  assert.deepEqual(parseTrainingTokens('2e12'), { ok: true, tokens: 2e12 });
  assert.deepEqual(parseTrainingTokens('600B'), { ok: true, tokens: 600e9 });
  assert.deepEqual(parseTrainingTokens(' 1.5 T tokens '), { ok: true, tokens: 1.5e12 });
  assert.deepEqual(parseTrainingTokens('1,000,000'), { ok: true, tokens: 1e6 });
  for (const bad of ['', 'abc', '-5', '0', '1e30', 'NaN', '2X'])
    assert.equal(parseTrainingTokens(bad).ok, false, bad);
});

test(
  'quick fix → stored tokens → lenses show D, FLOPs, cost and loss; removing the entry restores "D unknown"',
  { skip: NOT_BUILT },
  async () => {
    const { root, file } = workspace();
    const client = await LspTestClient.start({ rootPath: root });
    try {
      const uri = await client.open(file);
      const [cli] = cliAnalyze([file]);
      const before = await client.codeLens(uri);
      assert.equal(lensOf(before, 'data')?.command?.title, 'D unknown: needs training length');
      assert.equal(lensOf(before, 'data')?.command?.title, expectedData(cli!));

      const diagnostics = await client.waitForDiagnostics(uri, (d) =>
        d.some((x) => x.code === 'no-training-length'),
      );
      const noLength = diagnostics.find((d) => d.code === 'no-training-length')!;
      const actions = (await client.codeActions(uri, noLength.range, [noLength]))!;
      const fix = actions.find((a) => a.title === 'Set the training tokens for this file…');
      assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
      assert.equal(fix.command!.command, 'scalingLens.setTrainingTokens');
      const snapshot = (await client.analysis(uri))!;
      assert.deepEqual(fix.command!.arguments, [{ uri, suggested: snapshot.optimalTokens }]);

      // What the client command sends after the input box: SmolLM-135M was trained on 600B tokens.
      const refreshes = client.lensRefreshes;
      const stored = await client.connection.sendRequest<{ ok: boolean; file: string; message: string }>(
        'scalingLens/trainingTokens',
        { uri, tokens: 600e9 },
      );
      assert.equal(stored.ok, true, stored.message);
      assert.equal(stored.file, join(root, '.vscode', 'scaling-lens', 'tokens.json'));
      assert.deepEqual(JSON.parse(readFileSync(stored.file, 'utf8')), {
        version: 1,
        tokens: { 'models/smollm/config.json': 600e9 },
      });
      // The config itself is untouched.
      assert.equal(
        readFileSync(file, 'utf8'),
        readFileSync(join(REPO_ROOT, 'examples', 'hf', 'smollm-135m', 'config.json'), 'utf8'),
      );
      await client.waitFor(() => client.lensRefreshes > refreshes, 5000, 'lens refresh');
      const lenses = await client.codeLens(uri);
      const n = cli!.params!.active;
      assert.equal(lensOf(lenses, 'data')?.command?.title, `D 600B (${Math.round(600e9 / n)} tok/param)`);
      assert.equal(lensOf(lenses, 'compute')?.command?.title, `${formatScientific(6 * n * 600e9)} FLOPs`);
      const loss = chinchillaLoss(EPOCH2024, n, 600e9);
      assert.match(lensOf(lenses, 'loss')!.command!.title, new RegExp(`^loss ${loss.toFixed(3)} \\(`));
      const tooltip = (lensOf(lenses, 'data')!.data as { tooltip: string }).tooltip;
      assert.ok(
        tooltip.includes(
          '600,000,000,000 tokens stored in .vscode/scaling-lens/tokens.json ("models/smollm/config.json")',
        ),
        tooltip,
      );
      const after = (await client.analysis(uri))!;
      assert.equal(after.tokens, 600e9);
      assert.deepEqual(after.missing, []);

      // The "set the training tokens" diagnostic is replaced by one saying where D came from, with the undo.
      const now = await client.waitForDiagnostics(uri, (d) =>
        d.some((x) => x.code === 'stored-training-tokens'),
      );
      assert.ok(!now.some((d) => d.code === 'no-training-length'));
      const hint = now.find((d) => d.code === 'stored-training-tokens') as Diagnostic;
      assert.match(hint.message, /^D = 600B tokens from \.vscode\/scaling-lens\/tokens\.json/);
      // Information (shown in the hover over model_type, as the diagnostic it replaces was).
      assert.equal(hint.severity, 3);
      const undo = (await client.codeActions(uri, hint.range, [hint]))!.find((a) =>
        a.title.startsWith('Remove the stored training tokens'),
      );
      assert.deepEqual(undo?.command?.arguments, [uri]);

      const refreshes2 = client.lensRefreshes;
      const removed = await client.connection.sendRequest<{ ok: boolean }>('scalingLens/trainingTokens', {
        uri,
        tokens: null,
      });
      assert.equal(removed.ok, true);
      assert.deepEqual(JSON.parse(readFileSync(stored.file, 'utf8')).tokens, {});
      await client.waitFor(() => client.lensRefreshes > refreshes2, 5000, 'lens refresh');
      assert.equal(summaryOf(await client.codeLens(uri)), summaryOf(before));
    } finally {
      await client.stop();
    }
  },
);

test(
  'a stored value never overrides a length the file states; bad values are refused',
  { skip: NOT_BUILT },
  async () => {
    const { root } = workspace();
    const file = join(root, 'train_small_gpt.py');
    copyFileSync(fixturePath('server', 'train_small_gpt.py'), file);
    const client = await LspTestClient.start({ rootPath: root });
    try {
      const uri = await client.open(file);
      const before = summaryOf(await client.codeLens(uri));
      const ok = await client.connection.sendRequest<{ ok: boolean }>('scalingLens/trainingTokens', {
        uri,
        tokens: 1e12,
      });
      assert.equal(ok.ok, true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lenses = await client.codeLens(uri);
      assert.equal(summaryOf(lenses), before);
      assert.ok(summaryOf(lenses)!.includes(`D ${formatCount(64 * 256 * 5000)} `));
      // The input box's validation asks the server (the client bundles no parser).
      assert.deepEqual(
        await client.connection.sendRequest('scalingLens/parseTrainingTokens', { text: '600B' }),
        { ok: true, tokens: 600e9 },
      );
      const refused = await client.connection.sendRequest<{ ok: boolean; message: string }>(
        'scalingLens/parseTrainingTokens',
        { text: 'lots' },
      );
      assert.deepEqual(refused, { ok: false, message: 'A token count, e.g. 2e12, 2T, 300B or 1,000,000.' });
      for (const tokens of [-5, 0, 1e30]) {
        const bad = await client.connection.sendRequest<{ ok: boolean; message: string }>(
          'scalingLens/trainingTokens',
          { uri, tokens },
        );
        assert.equal(bad.ok, false, String(tokens));
        assert.match(bad.message, /between 1 and/);
      }
    } finally {
      await client.stop();
    }
  },
);
