/**
 * A client that advertises no optional capability (`capabilities: {}`: no workspace folders, no
 * configuration pull, no lens refresh, no watched files) still gets lenses, hovers and diagnostics,
 * and the server stays up. Before the fix the server crashed in `onInitialized` with "Client doesn't
 * support sending workspace folder change events".
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fixturePath } from '../helpers';
import { cliAnalyze } from './expected';
import { LspTestClient, positionOf, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
before(async () => {
  if (!NOT_BUILT) client = await LspTestClient.start({ minimal: true, rootPath: process.cwd() });
});
after(async () => {
  await client?.stop();
});

test(
  'a client with no optional capability gets lenses, hover and diagnostics; the server stays up',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'megatron_no_gpus.sh');
    const text = readFileSync(file, 'utf8');
    const uri = await client.open(file);
    const codeLenses = (await client.codeLens(uri)) ?? [];
    assert.ok(codeLenses.length > 0, 'lenses');
    const [cli] = cliAnalyze([file]);
    const summary = codeLenses.map((l) => l.command?.title ?? '').find((t) => t.startsWith('N '));
    assert.ok(summary, 'a summary lens');
    assert.ok(cli!.params, 'the CLI counts N');
    const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    assert.ok(
      diagnostics.some((d) => /GPU/i.test(d.message)),
      'the missing-GPU diagnostic',
    );
    const hover = await client.hover(uri, positionOf(text, '--num-layers', 2));
    assert.ok(hover, 'a hover on the layer flag');
    assert.equal(client.process.exitCode, null, 'the server is still running');
    assert.doesNotMatch(client.stderr, /doesn't support|Unhandled|TypeError/);
  },
);
