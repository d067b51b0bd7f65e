/**
 * Over the language server (dist/server.js, JSON-RPC), for GPT-NeoX and DeepSpeed JSON: an
 * over-capacity NeoX file gets the memory diagnostic and its quick fixes in NeoX's own keys; each
 * fix's edit, applied to the document (didChange), is re-analysed by the server to exactly the
 * figure in the fix's title (the memory lens), with N and D unchanged. A DeepSpeed JSON holds no
 * model, so it has no memory figure, no memory diagnostic and no memory fix.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, TextEdit } from 'vscode-languageserver';
import { fixturePath, SHARED_DIR, SHARED_SKIP } from '../helpers';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
before(async () => {
  if (!NOT_BUILT) {
    client = await LspTestClient.start();
    // 8 GPUs also for the token count of files that do not say how many (so D is known and checked).
    await client.setSettings({ hardware: { gpu: 'TPU-v5e', gpus: 8 }, missing: { gpus: 8 } });
  }
});
after(async () => {
  await client?.stop();
});

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

/** Open `text` at `path`, take the fixes on its over-capacity diagnostic, apply each and re-analyse. */
async function fixesReanalysed(path: string, text: string): Promise<{ titles: string[]; edited: string[] }> {
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
  assert.ok(before.tokens, 'D known');
  const actions: CodeAction[] = ((await client.codeActions(uri, over.range, [over])) ?? []).filter((a) =>
    / GiB per GPU/.test(a.title),
  );
  assert.ok(actions.length > 0, 'memory fixes offered');
  const original = `≈ ${/≈ ([\d.]+) GiB per GPU/.exec(over.message)![1]} / 16.0 GiB per GPU`;
  await waitForLens(uri, original);
  const edited: string[] = [];
  for (const action of actions) {
    const edits = (action.edit!.changes?.[uri] ??
      (action.edit!.documentChanges![0] as { edits: TextEdit[] }).edits) as TextEdit[];
    const next = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), edits);
    edited.push(next);
    await client.change(uri, next);
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
  return { titles: actions.map((a) => a.title), edited };
}

test(
  'GPT-NeoX Pythia-2.8B fixture over a TPU-v5e: the micro-batch fix doubles the written accumulation and re-reads to its title',
  { skip: NOT_BUILT },
  async () => {
    const path = fixturePath('gpt-neox', 'pythia-2-8B.yml');
    const text = readFileSync(path, 'utf8');
    const { titles, edited } = await fixesReanalysed(path, text);
    assert.deepEqual(
      titles.map((t) => t.split(' → ')[0]),
      [
        'Halve the micro-batch, doubling gradient accumulation: train_micro_batch_size_per_gpu: 4, gradient_accumulation_steps: 4',
      ],
    );
    assert.equal(
      edited[0],
      text
        .replace('"train_micro_batch_size_per_gpu": 8,', '"train_micro_batch_size_per_gpu": 4,')
        .replace('"gradient_accumulation_steps": 2,', '"gradient_accumulation_steps": 4,'),
    );
  },
);

test(
  'GPT-NeoX Pythia-14M (EleutherAI/pythia models/14M) over a TPU-v5e: ZeRO, micro-batch and checkpointing fixes re-read to their titles',
  { skip: NOT_BUILT || SHARED_SKIP },
  async () => {
    const path = join(SHARED_DIR, 'configs', 'gpt-neox_pythia', 'pythia-14m.yml');
    const { titles } = await fixesReanalysed(path, readFileSync(path, 'utf8'));
    assert.deepEqual(
      titles.map((t) => t.split(' → ')[0]),
      [
        'Shard optimizer states: zero_optimization.stage: 1',
        'Halve the micro-batch, doubling gradient accumulation: train_micro_batch_size_per_gpu: 16, gradient_accumulation_steps: 2 (in place of gas: 1)',
        'Recompute activations (full): checkpoint-activations: true',
      ],
    );
    assert.match(titles[1]!, /\(fits\)$/);
  },
);

test(
  'a DeepSpeed JSON has no memory figure (no model), so no memory diagnostic or fix',
  { skip: NOT_BUILT },
  async () => {
    const path = fixturePath('deepspeed', 'ds_config_zero2.json');
    const uri = await client.open(path, readFileSync(path, 'utf8'));
    const analysis = (await client.analysis(uri))!;
    assert.equal(analysis.framework, 'deepspeed');
    assert.equal(analysis.params, null, 'no model, so no N and no memory');
    const diagnostics = await client.waitForDiagnostics(uri, () => true, 15_000);
    assert.ok(!diagnostics.some((d) => /^memory-/.test(String(d.code))), JSON.stringify(diagnostics));
    const whole = { start: { line: 0, character: 0 }, end: { line: 30, character: 0 } };
    const actions = (await client.codeActions(uri, whole, diagnostics)) ?? [];
    assert.ok(
      !actions.some((a) => / GiB per GPU/.test(a.title)),
      JSON.stringify(actions.map((a) => a.title)),
    );
    await client.close(uri);
  },
);
