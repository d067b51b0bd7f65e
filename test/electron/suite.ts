/**
 * Extension tests inside real VS Code (run by test/electron/runTest.mjs). No test framework: each
 * case is a function; failures are collected and thrown so the runner exits non-zero.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const cases: [string, () => Promise<void>][] = [];
const test = (name: string, fn: () => Promise<void>) => cases.push([name, fn]);

const fixtures = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'server');

async function openFixture(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(fixtures, name)));
  return vscode.window.showTextDocument(document);
}

/** Poll until `probe` returns a truthy value (the server starts and analyzes asynchronously). */
async function eventually<T>(
  probe: () => Thenable<T | undefined | false>,
  what: string,
  timeoutMs = 20000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses =
    (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return lenses.map((l) => l.command?.title ?? '').filter((t) => t);
}

test('summary and duration lenses appear on a nanoGPT config', async () => {
  const editor = await openFixture('train_small_gpt.py');
  const titles = await eventually(async () => {
    const t = await lensTitles(editor.document.uri);
    return t.length >= 2 ? t : undefined;
  }, 'lenses');
  assert.match(titles[0], /^N 30M · D 81\.9M \(2\.7 tok\/param\) · 1\.48e16 FLOPs · /);
  assert.match(titles[1], /^D 81\.9M tokens = batch_size\(64\)/);
});

test('hover on n_layer shows the per-layer effect', async () => {
  const editor = await openFixture('train_small_gpt.py');
  const line = editor.document
    .getText()
    .split('\n')
    .findIndex((l) => l.startsWith('n_layer'));
  const hovers = await eventually(
    () =>
      vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        editor.document.uri,
        new vscode.Position(line, 2),
      ),
    'hover',
  );
  const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
  assert.ok(text.includes('params per layer'), text);
});

test('under-trained quick fix edits only the value and is undoable', async () => {
  const editor = await openFixture('undertrained_gpt.py');
  const uri = editor.document.uri;
  const diagnostic = await eventually(
    async () => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'under-trained'),
    'under-trained diagnostic',
  );
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    uri,
    diagnostic.range,
  );
  const fix = actions.find((a) => a.title.startsWith('Set training length'));
  assert.ok(fix?.edit, 'quick fix with an edit');
  const before = editor.document.getText();
  assert.ok(await vscode.workspace.applyEdit(fix.edit));
  const after = editor.document.getText();
  assert.notEqual(after, before);
  assert.match(after, /max_iters = \d+ {2}# just check the loss goes down/);
  await vscode.commands.executeCommand('undo');
  assert.equal(editor.document.getText(), before);
  await vscode.commands.executeCommand('workbench.action.revertFile');
});

test('commands are registered', async () => {
  const commands = await vscode.commands.getCommands(true);
  for (const id of ['scalingLens.showCurves', 'scalingLens.selectLaw']) assert.ok(commands.includes(id), id);
});

test('a workflow YAML gets no lenses', async () => {
  const editor = await openFixture('workflow.yaml');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.deepEqual(await lensTitles(editor.document.uri), []);
});

/** Entry point called by @vscode/test-electron. */
export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, fn] of cases) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (error) {
      console.log(`not ok - ${name}\n  ${(error as Error)?.stack ?? error}`);
      failures.push(name);
    }
  }
  if (failures.length)
    throw new Error(`${failures.length} of ${cases.length} electron tests failed: ${failures.join('; ')}`);
}
