/**
 * Over the language server (dist/server.js, JSON-RPC): an over-capacity Megatron script gets the
 * memory diagnostic and its quick fixes; each fix's edit, applied to the text, is a file the CLI
 * estimates at exactly the figure in the fix's title, with N and D unchanged; the hover on
 * --micro-batch-size shows the breakdown and the what-if rows.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextEdit } from 'vscode-languageserver';
import { REPO_ROOT } from '../helpers';
import { cliAnalyze } from './expected';
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

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
const dir = mkdtempSync(join(tmpdir(), 'memory-fixes-'));
/** The CLI's analysis of a text (written to a temporary file) on an A100-40GB. */
function cliOnText(
  name: string,
  text: string,
): { params: { total: number }; tokens: number; memory: { perGpuBytes: number } } {
  const path = join(dir, name);
  writeFileSync(path, text);
  return cliAnalyze([path], ['--gpu', 'A100-40GB'])[0] as never;
}
const example = join(REPO_ROOT, 'examples', 'megatron', 'pretrain_gpt_1.3b.sh');

test(
  'over-capacity Megatron script: memory fixes whose edits re-read to their titles’ figures',
  { skip: NOT_BUILT },
  async () => {
    const text = readFileSync(example, 'utf8').replace('--micro-batch-size 4', '--micro-batch-size 8');
    const path = join(REPO_ROOT, 'examples', 'megatron', 'over.sh');
    const uri = await client.open(path, text);
    const diagnostics = await client.waitForDiagnostics(
      uri,
      (d) => d.some((x) => x.code === 'memory-over-capacity'),
      15_000,
    );
    const over = diagnostics.find((d) => d.code === 'memory-over-capacity')!;
    assert.match(over.message, /exceeds the 40\.0 GiB of A100-40GB/);
    const before = cliOnText('over.sh', text);
    const actions = (await client.codeActions(uri, over.range, [over]))!.filter((a) =>
      / GiB per GPU/.test(a.title),
    );
    assert.deepEqual(
      actions.map((a) => a.title.split(':')[0]),
      [
        'Shard optimizer states',
        'Halve the micro-batch, doubling gradient accumulation',
        'Recompute activations (full)',
      ],
    );
    for (const action of actions) {
      const edits = (action.edit!.changes?.[uri] ??
        (action.edit!.documentChanges![0] as { edits: TextEdit[] }).edits) as TextEdit[];
      const edited = TextDocument.applyEdits(TextDocument.create(uri, 'shellscript', 1, text), edits);
      const after = cliOnText('over.sh', edited);
      assert.ok(
        action.title.includes(`→ ≈ ${gib(after.memory.perGpuBytes)} / 40.0 GiB per GPU`),
        action.title,
      );
      assert.ok(after.memory.perGpuBytes < before.memory.perGpuBytes);
      assert.equal(after.params.total, before.params.total);
      assert.equal(after.tokens, before.tokens);
    }
    const hover = await client.hover(uri, {
      line: text.split('\n').findIndex((l) => l.includes('--micro-batch-size')),
      character: 6,
    });
    const value = (hover!.contents as { value: string }).value;
    assert.match(value, /^\*\*--micro-batch-size 8\*\* · Scaling Lens · memory per GPU \(A100-40GB\)/);
    assert.match(
      value,
      new RegExp(
        `\\*\\*total\\*\\* \\| \\*\\*${gib(before.memory.perGpuBytes)}\\*\\* \\| of 40\\.0 GiB: does not fit`,
      ),
    );
    assert.match(value, /\| `--micro-batch-size 4` \| [\d.]+ \| −/);
  },
);
