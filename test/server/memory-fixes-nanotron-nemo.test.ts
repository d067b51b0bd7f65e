/**
 * Over the language server (dist/server.js, JSON-RPC): an over-capacity nanotron config and an
 * over-capacity NeMo config get the memory diagnostic and quick fixes in their own keys; each fix,
 * applied to the open document as the client would, is re-analysed by the server to the memory its
 * title states (the memory lens and the diagnostic), with N and D unchanged, and the CLI agrees.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, TextEdit } from 'vscode-languageserver';
import type { AnalysisSnapshot } from '../../src/protocol';
import { fixturePath } from '../helpers';
import { cliAnalyze, lensOf } from './expected';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
before(async () => {
  if (!NOT_BUILT) {
    client = await LspTestClient.start();
    await client.setSettings({ hardware: { gpu: 'A100-40GB' } });
  }
});
after(async () => {
  await client?.stop();
});

const dir = mkdtempSync(join(tmpdir(), 'memory-fixes-nanotron-nemo-'));
function cliOnText(
  name: string,
  text: string,
): { params: { total: number }; tokens: number; memory: { perGpuBytes: number } } {
  const path = join(dir, name);
  writeFileSync(path, text);
  return cliAnalyze([path], ['--gpu', 'A100-40GB'])[0] as never;
}
const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);

/** The server's snapshot of the document at `version` (analysed after the change). */
function snapshotAt(uri: string, version: number): Promise<AnalysisSnapshot> {
  return client.waitFor(
    () => client.snapshots.find((s) => s.uri === uri && s.version === version),
    15_000,
    `analysis of ${uri} v${version}`,
  );
}

/**
 * Open `text`, take the fixes on its over-capacity diagnostic, apply each to the document and let
 * the server re-analyse it; returns the fixes' titles.
 */
async function fixesRoundTrip(path: string, text: string, name: string): Promise<string[]> {
  const uri = await client.open(path, text);
  const diagnostics = await client.waitForDiagnostics(
    uri,
    (d) => d.some((x) => x.code === 'memory-over-capacity'),
    15_000,
  );
  const over = diagnostics.find((d) => d.code === 'memory-over-capacity')!;
  assert.match(over.message, /exceeds the 40\.0 GiB of A100-40GB/);
  const first = await snapshotAt(uri, 1);
  const cliBefore = cliOnText(name, text);
  const actions = ((await client.codeActions(uri, over.range, [over])) ?? []).filter((a: CodeAction) =>
    / GiB per GPU/.test(a.title),
  );
  assert.ok(actions.length > 0, 'memory fixes offered');
  let version = 1;
  for (const action of actions) {
    const edits = (action.edit!.changes?.[uri] ??
      (action.edit!.documentChanges![0] as { edits: TextEdit[] }).edits) as TextEdit[];
    const edited = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', version, text), edits);
    await client.change(uri, edited);
    version++;
    const snapshot = await snapshotAt(uri, version);
    assert.equal(snapshot.params?.total, first.params?.total, `${action.title}: N unchanged`);
    assert.equal(snapshot.tokens, first.tokens, `${action.title}: D unchanged`);
    const figure = /→ ≈ ([\d.]+) \/ 40\.0 GiB per GPU/.exec(action.title)?.[1];
    assert.ok(figure, action.title);
    const lens = lensOf(await client.codeLens(uri), 'memory')?.command?.title;
    // The lens adds a verdict (` · does not fit`) after the figure.
    assert.ok(
      lens?.startsWith(`≈ ${figure} / 40.0 GiB per GPU (A100-40GB)`),
      `${action.title}: lens ${lens}`,
    );
    const after = client.diagnostics.get(uri) ?? [];
    const stillOver = after.find((d) => d.code === 'memory-over-capacity');
    if (/\(still over\)$/.test(action.title))
      assert.match(stillOver?.message ?? '', new RegExp(`≈ ${figure} GiB`));
    else assert.equal(stillOver, undefined, `${action.title}: no longer over capacity`);
    // The command line reads the edited file the same way.
    const cli = cliOnText(name, edited);
    assert.equal(gib(cli.memory.perGpuBytes), figure);
    assert.ok(cli.memory.perGpuBytes < cliBefore.memory.perGpuBytes);
    assert.equal(cli.tokens, cliBefore.tokens);
    assert.equal(cli.params.total, cliBefore.params.total);
    // Back to the original text for the next fix.
    await client.change(uri, text);
    version++;
    await snapshotAt(uri, version);
  }
  await client.close(uri);
  return actions.map((a) => a.title);
}

test(
  'over-capacity nanotron config: ZeRO-1 and recompute_layer fixes re-analysed to their titles',
  { skip: NOT_BUILT },
  async () => {
    const path = fixturePath('nanotron', 'config_tiny_llama.yaml');
    const titles = await fixesRoundTrip(path, readFileSync(path, 'utf8'), 'nanotron.yaml');
    assert.deepEqual(
      titles.map((t) => t.split(' → ')[0]),
      [
        'Shard optimizer states: optimizer.zero_stage: 1',
        'Recompute activations (full): parallelism.recompute_layer: true',
      ],
    );
  },
);

test(
  'over-capacity NeMo config: micro-batch and full-recompute fixes re-analysed to their titles',
  { skip: NOT_BUILT },
  async () => {
    const path = fixturePath('nemo', 'megatron_qwen2_config.yaml');
    const titles = await fixesRoundTrip(path, readFileSync(path, 'utf8'), 'nemo.yaml');
    assert.deepEqual(
      titles.map((t) => t.split(' → ')[0]),
      [
        'Halve the micro-batch, doubling gradient accumulation: micro_batch_size: 2',
        'Recompute activations (full): activations_checkpoint_granularity: full, activations_checkpoint_method: uniform, activations_checkpoint_num_layers: 1',
      ],
    );
  },
);
