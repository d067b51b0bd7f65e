/**
 * Over the language server (dist/server.js, JSON-RPC), for torchtune and Axolotl: an over-capacity
 * file gets the memory diagnostic and its quick fixes in the framework's own keys; each fix's edit,
 * applied to the document (didChange), is re-analysed by the server to exactly the figure in the
 * fix's title (the memory lens), with N and D unchanged.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, TextEdit } from 'vscode-languageserver';
import { fixturePath } from '../helpers';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
before(async () => {
  if (!NOT_BUILT) {
    client = await LspTestClient.start();
    await client.setSettings({ hardware: { gpu: 'TPU-v5e', gpus: 4 } });
  }
});
after(async () => {
  await client?.stop();
});

/** Open `text` at `path`, take the fixes on its over-capacity diagnostic, apply each and re-analyse. */
async function fixesReanalysed(path: string, text: string): Promise<string[]> {
  const uri = await client.open(path, text);
  const diagnostics = await client.waitForDiagnostics(
    uri,
    (d) => d.some((x) => x.code === 'memory-over-capacity'),
    15_000,
  );
  const over = diagnostics.find((d) => d.code === 'memory-over-capacity')!;
  assert.match(over.message, /exceeds the 16\.0 GiB of TPU-v5e/);
  const before = (await client.analysis(uri))!;
  assert.ok(before.params, 'N known');
  const actions: CodeAction[] = ((await client.codeActions(uri, over.range, [over])) ?? []).filter((a) =>
    / GiB per GPU/.test(a.title),
  );
  assert.ok(actions.length > 0, 'memory fixes offered');
  const original = `≈ ${/≈ ([\d.]+) GiB per GPU/.exec(over.message)![1]} / 16.0 GiB per GPU`;
  await waitForLens(uri, original);
  for (const action of actions) {
    const edits = (action.edit!.changes?.[uri] ??
      (action.edit!.documentChanges![0] as { edits: TextEdit[] }).edits) as TextEdit[];
    const edited = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), edits);
    await client.change(uri, edited);
    const figure = /→ ≈ ([\d.]+) \/ 16\.0 GiB per GPU/.exec(action.title)?.[1];
    assert.ok(figure, action.title);
    // The server's own re-analysis of the edited document shows the title's figure in the lens.
    await waitForLens(uri, `≈ ${figure} / 16.0 GiB per GPU`);
    const after = (await client.analysis(uri))!;
    assert.equal(after.params!.total, before.params!.total, `${action.title} keeps N`);
    assert.equal(after.tokens, before.tokens, `${action.title} keeps D`);
    // Back to the original text for the next fix.
    await client.change(uri, text);
    await waitForLens(uri, original);
  }
  await client.close(uri);
  return actions.map((a) => a.title);
}

/** Poll the code lenses until one starts with `prefix` (the server re-analyses after a change). */
async function waitForLens(uri: string, prefix: string, timeoutMs = 15_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  let titles: string[] = [];
  while (Date.now() < end) {
    titles = ((await client.codeLens(uri)) ?? []).map((l) => l.command?.title ?? '');
    if (titles.some((t) => t.startsWith(prefix))) return titles;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no lens starting ${prefix}: ${JSON.stringify(titles)}`);
}

test(
  'Axolotl FSDP2 example over a TPU-v5e: micro-batch and gradient_checkpointing fixes re-read to their titles',
  { skip: NOT_BUILT },
  async () => {
    const path = fixturePath('axolotl', 'schedule', 'qwen2_adamw-pretrain-fsdp2.yaml');
    const titles = await fixesReanalysed(path, readFileSync(path, 'utf8'));
    assert.deepEqual(
      titles.map((t) => t.split(' → ')[0]),
      [
        'Halve the micro-batch, doubling gradient accumulation: micro_batch_size: 2, gradient_accumulation_steps: 2',
        'Recompute activations (full): gradient_checkpointing: true',
      ],
    );
  },
);

test(
  'torchtune Mistral 7B full finetune without activation checkpointing: batch and AC fixes re-read to their titles',
  { skip: NOT_BUILT },
  async () => {
    const recipe = fixturePath('torchtune', 'mistral_7B_full.yaml');
    // The shipped recipe leaves max_seq_len null and uses LinearCrossEntropyLoss (memory unknown) and
    // checkpoints activations; a user who set a length, a plain cross entropy and turned checkpointing
    // off is over a 16 GiB part.
    const text = readFileSync(recipe, 'utf8')
      .replace('  max_seq_len: null\n', '  max_seq_len: 4096\n')
      .replace('torchtune.modules.loss.LinearCrossEntropyLoss', 'torch.nn.CrossEntropyLoss')
      .replace('enable_activation_checkpointing: True', 'enable_activation_checkpointing: False');
    const path = recipe.replace('mistral_7B_full.yaml', 'mistral_7B_full_no_ac.yaml');
    const titles = await fixesReanalysed(path, text);
    assert.deepEqual(
      titles.map((t) => t.split(' → ')[0]),
      [
        'Halve the micro-batch, doubling gradient accumulation: batch_size: 1, gradient_accumulation_steps: 2',
        'Recompute activations (full): enable_activation_checkpointing: True',
      ],
    );
  },
);
