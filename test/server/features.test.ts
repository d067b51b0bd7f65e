import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancellationTokenSource, type Diagnostic, type TextEdit } from 'vscode-languageserver/node';
import { formatCount, formatScientific } from '../../src/core/format';
import { chinchillaLoss } from '../../src/core/laws/forms';
import { fixturePath } from '../helpers';
import { cliAnalyze, summaryOf } from './expected';
import { applyEdits, LspTestClient, positionOf, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
const scratch: string[] = [];
before(async () => {
  if (!NOT_BUILT) client = await LspTestClient.start();
});
after(async () => {
  await client?.stop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-server-'));
  scratch.push(dir);
  return dir;
}

/** Write `text` to a scratch file and analyze it with the CLI. */
function cliOnText(name: string, text: string, args: string[] = []) {
  const path = join(scratchDir(), name);
  writeFileSync(path, text);
  return cliAnalyze([path], args)[0];
}

function hoverText(hover: { contents: unknown } | null): string {
  const contents = hover?.contents as { kind: string; value: string } | undefined;
  assert.equal(contents?.kind, 'markdown');
  return contents!.value;
}

function editsOf(action: { edit?: { documentChanges?: unknown[] } }): TextEdit[] {
  const change = action.edit!.documentChanges![0] as { edits: TextEdit[] };
  return change.edits;
}

test(
  'hover on the layer count: params per layer and N, FLOPs, loss for ±1 layer equal the CLI',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'train_small_gpt.py');
    const text = readFileSync(file, 'utf8');
    const uri = await client.open(file);
    const markdown = hoverText(await client.hover(uri, positionOf(text, 'n_layer', 3)));
    const [now] = cliAnalyze([file]);
    const minus = cliOnText('l5.py', text.replace('n_layer = 6', 'n_layer = 5'));
    const plus = cliOnText('l7.py', text.replace('n_layer = 6', 'n_layer = 7'));
    const perLayer = plus.params!.total - now.params!.total;
    assert.ok(markdown.startsWith('**n_layer = 6** · Scaling Lens'), markdown);
    assert.ok(
      markdown.includes(`6 transformer blocks · ${formatCount(perLayer)} params per layer`),
      markdown,
    );
    const loss = (v: number) => v.toFixed(3);
    const delta = (v: number) => `${v > 0 ? '+' : '−'}${Math.abs(Number(v.toFixed(3))).toFixed(3)}`;
    assert.ok(
      markdown.includes(
        `| 5 | ${formatCount(minus.params!.total)} (−${formatCount(now.params!.total - minus.params!.total)}) | ${formatScientific(minus.flops!)} | ${loss(minus.loss!.value)} (${delta(minus.loss!.value - now.loss!.value)}) |`,
      ),
      markdown,
    );
    assert.ok(
      markdown.includes(
        `| **6** (now) | ${formatCount(now.params!.total)} | ${formatScientific(now.flops!)} | ${loss(now.loss!.value)} |`,
      ),
      markdown,
    );
    assert.ok(
      markdown.includes(
        `| 7 | ${formatCount(plus.params!.total)} (+${formatCount(perLayer)}) | ${formatScientific(plus.flops!)} | ${loss(plus.loss!.value)} (${delta(plus.loss!.value - now.loss!.value)}) |`,
      ),
      markdown,
    );
    assert.ok(markdown.includes('D held at 81.9M tokens · law epoch2024'), markdown);
  },
);

test('hover on the width key compares ±128 with the CLI', { skip: NOT_BUILT }, async () => {
  const file = fixturePath('server', 'olmo_small_tokens.yaml');
  const text = readFileSync(file, 'utf8');
  const uri = await client.open(file);
  const markdown = hoverText(await client.hover(uri, positionOf(text, 'd_model', 1)));
  const wider = cliOnText('wide.yaml', text.replace('d_model: 512', 'd_model: 640'));
  assert.ok(markdown.startsWith('**d_model = 512** · Scaling Lens'), markdown);
  assert.ok(markdown.includes(`| 640 | ${formatCount(wider.params!.total)} (+`), markdown);
  assert.ok(
    markdown.includes(`| ${formatScientific(wider.flops!)} | ${wider.loss!.value.toFixed(3)} (`),
    markdown,
  );
});

test(
  'hover on the duration key: tokens, tokens/param vs optimal, loss now and at the optimal D',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'train_small_gpt.py');
    const text = readFileSync(file, 'utf8');
    const uri = await client.open(file);
    const snapshot = (await client.analysis(uri))!;
    const markdown = hoverText(await client.hover(uri, positionOf(text, 'max_iters', 2)));
    const optimalRatio = snapshot.optimalTokens! / snapshot.loss!.paramsUsed;
    const { low, high } = snapshot.loss!;
    const interval = high > low ? ` (${low.toFixed(3)}–${high.toFixed(3)})` : '';
    assert.equal(
      markdown,
      [
        '**max_iters = 5000** · Scaling Lens',
        '',
        '**D = 81.9M tokens** = batch_size(64) × block_size(256) × gradient_accumulation_steps(1) × max_iters(5000) = 81,920,000 tokens',
        '',
        `- 2.7 tokens/param vs compute-optimal ≈ ${Math.round(optimalRatio)} (${formatCount(snapshot.optimalTokens!)} tokens for this N, epoch2024)`,
        `- predicted loss ${snapshot.loss!.value.toFixed(3)}${interval} now · ${snapshot.loss!.atOptimalTokens!.toFixed(3)} if trained to the compute-optimal D`,
      ].join('\n'),
    );
  },
);

test('no hover away from the keys the analysis read', { skip: NOT_BUILT }, async () => {
  const file = fixturePath('server', 'train_small_gpt.py');
  const uri = await client.open(file);
  assert.equal(await client.hover(uri, positionOf(readFileSync(file, 'utf8'), 'dropout', 2)), null);
});

test(
  'under-trained run: warning on the duration value and a quick fix that sets compute-optimal steps',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'undertrained_gpt.py');
    const uri = await client.open(file);
    const diagnostics = await client.waitForDiagnostics(uri, (d) =>
      d.some((x) => x.code === 'under-trained'),
    );
    const under = diagnostics.find((d) => d.code === 'under-trained')!;
    const text = client.text(uri);
    assert.equal(under.severity, 2);
    assert.equal(under.source, 'Scaling Lens');
    assert.deepEqual(under.range.start, positionOf(text, '200  #'));
    assert.match(
      under.message,
      /^Severely under-trained: 0\.026 tokens per parameter \(3\.28M tokens for 124M parameters\)\. Compute-optimal for this N is ≈ [\d.]+B tokens\.$/,
    );
    assert.ok(
      diagnostics.some((d) => d.code === 'extrapolation' && d.message.startsWith('Extrapolation: D')),
    );

    const snapshot = (await client.analysis(uri))!;
    const tokensPerStep = 8 * 512 * 4;
    const steps = Math.round(snapshot.optimalTokens! / tokensPerStep);
    const actions = (await client.codeActions(uri, under.range, [under]))!;
    const fix = actions.find((a) => a.title.startsWith('Set training length'))!;
    assert.equal(
      fix.title,
      `Set training length to compute-optimal ≈ ${formatCount(steps * tokensPerStep)} tokens (max_iters = ${steps} steps), with lr_decay_iters`,
    );
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    const edits = editsOf(fix);
    // lr_decay_iters was equal to max_iters (200), so the LR schedule follows the new length.
    assert.deepEqual(edits, [
      { range: under.range, newText: String(steps) },
      {
        range: {
          start: positionOf(text, 'lr_decay_iters = 200', 17),
          end: positionOf(text, 'lr_decay_iters = 200', 20),
        },
        newText: String(steps),
      },
    ]);
    // The edit replaces only the value: the comment after it survives, and the CLI agrees on the new D.
    const edited = applyEdits(text, edits);
    assert.ok(edited.includes(`max_iters = ${steps}  # just check the loss goes down`));
    const after = cliOnText('fixed.py', edited);
    assert.equal(after.tokens, steps * tokensPerStep);
  },
);

test(
  'OLMo quick fix writes tokens in the file’s own unit (…T) and keeps the comment',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'olmo_small_tokens.yaml');
    const uri = await client.open(file);
    const text = client.text(uri);
    const line = positionOf(text, 'max_duration').line;
    const actions = (await client.codeActions(uri, {
      start: { line, character: 0 },
      end: { line, character: 0 },
    }))!;
    const fix = actions.find((a) => a.title.startsWith('Set training length'))!;
    const [edit] = editsOf(fix);
    assert.match(edit.newText, /^\d(\.\d{1,2})?e9T$/);
    const edited = applyEdits(text, [edit]);
    assert.match(edited, /max_duration: \d(\.\d{1,2})?e9T {2}# one billion tokens for the ablation\n/);
    const snapshot = (await client.analysis(uri))!;
    const after = cliOnText('olmo.yaml', edited);
    assert.ok(Math.abs(after.tokens! - snapshot.optimalTokens!) / snapshot.optimalTokens! < 0.005);
    assert.equal(fix.title, `Set training length to compute-optimal ≈ ${formatCount(after.tokens!)} tokens`);
  },
);

test(
  'missing GPU count: info diagnostic with a quick fix that opens the setting',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(fixturePath('server', 'megatron_no_gpus.sh'));
    const diagnostics = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'missing-gpus'));
    const missing = diagnostics.find((d) => d.code === 'missing-gpus')!;
    assert.equal(missing.range.start.line, positionOf(client.text(uri), '--train-iters').line);
    const actions = (await client.codeActions(uri, missing.range, [missing]))!;
    const open = actions.find((a) => a.command?.command === 'workbench.action.openSettings');
    assert.deepEqual(open?.command?.arguments, ['scalingLens.missing.gpus']);
    // No duration rewrite: tokens per step depend on the unknown GPU count.
    assert.ok(!actions.some((a) => a.title.startsWith('Set training length')));
  },
);

test('diagnostics can be switched off', { skip: NOT_BUILT }, async () => {
  const other = await LspTestClient.start({
    settings: { diagnostics: { enable: false }, hover: { enable: false } },
  });
  try {
    const file = fixturePath('server', 'undertrained_gpt.py');
    const uri = await other.open(file);
    assert.deepEqual(await other.waitForDiagnostics(uri), []);
    assert.equal(await other.hover(uri, positionOf(other.text(uri), 'n_layer', 1)), null);
  } finally {
    await other.stop();
  }
});

test(
  'scalingLens/analysis and scalingLens/analysisChanged carry the snapshot for the status item',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'train_small_gpt.py');
    const other = await LspTestClient.start();
    try {
      const uri = await other.open(file);
      const pushed = await other.waitFor(
        () => other.snapshots.find((s) => s.uri === uri),
        5000,
        'analysisChanged',
      );
      const [cli] = cliAnalyze([file]);
      assert.equal(pushed.framework, 'nanogpt');
      assert.equal(pushed.params!.total, cli.params!.total);
      assert.equal(pushed.tokens, cli.tokens);
      assert.equal(pushed.flops, cli.flops);
      assert.equal(pushed.loss!.value, cli.loss!.value);
      assert.equal(pushed.law.id, 'epoch2024');
      assert.ok(pushed.elapsedMs >= 0 && pushed.elapsedMs < 5000);
      const requested = (await other.analysis(uri))!;
      assert.equal(requested.version, 1);
      assert.equal(requested.tokens, cli.tokens);
    } finally {
      await other.stop();
    }
  },
);

test(
  'saved laws under .vscode/scaling-lens are loaded, selectable, and reloaded on change',
  { skip: NOT_BUILT },
  async () => {
    const root = scratchDir();
    const lawDir = join(root, '.vscode', 'scaling-lens');
    mkdirSync(lawDir, { recursive: true });
    const savedLaw = (name: string, E: number) =>
      JSON.stringify({
        format: 'scaling-lens/fitted-law',
        version: 1,
        name,
        form: 'chinchilla',
        params: { E, A: 400, B: 1000, alpha: 0.34, beta: 0.3 },
        fit: {
          delta: 0.001,
          objective: 0.01,
          points: 20,
          models: 5,
          modelSizes: 5,
          minTokens: 0,
          useIntermediateCheckpoints: false,
          bootstrap: 0,
          seed: 1,
        },
        dataSource: 'runs.csv',
        date: '2025-01-01T00:00:00Z',
        warnings: [],
      });
    writeFileSync(join(lawDir, 'my-sweep.law.json'), savedLaw('My Sweep', 1.9));
    const other = await LspTestClient.start({ rootPath: root, settings: { law: 'fitted:my-sweep' } });
    try {
      await other.waitFor(
        () => other.registrations.includes('workspace/didChangeWatchedFiles'),
        5000,
        'watcher registration',
      );
      const listed =
        await other.connection.sendRequest<{ id: string; label: string }[]>('scalingLens/savedLaws');
      assert.deepEqual(
        listed.map((l) => [l.id, l.label]),
        [['fitted:my-sweep', 'My Sweep (fitted)']],
      );
      const file = fixturePath('server', 'train_small_gpt.py');
      const uri = await other.open(file);
      const summary = summaryOf(await other.codeLens(uri))!;
      const [cli] = cliAnalyze([file]);
      const expected = chinchillaLoss(
        { E: 1.9, A: 400, B: 1000, alpha: 0.34, beta: 0.3 },
        cli.params!.total,
        cli.tokens!,
      );
      assert.ok(summary.endsWith(` · loss ${expected.toFixed(3)} fitted:my-sweep`), summary);

      // Editing the law file and telling the server (as VS Code's file watcher does) re-analyzes.
      writeFileSync(join(lawDir, 'my-sweep.law.json'), savedLaw('My Sweep', 2.5));
      const refreshes = other.lensRefreshes;
      await other.connection.sendNotification('workspace/didChangeWatchedFiles', {
        changes: [{ uri: `file://${join(lawDir, 'my-sweep.law.json')}`, type: 2 }],
      });
      await other.waitFor(() => other.lensRefreshes > refreshes, 5000, 'lens refresh after law change');
      const updated = summaryOf(await other.codeLens(uri))!;
      const expected2 = chinchillaLoss(
        { E: 2.5, A: 400, B: 1000, alpha: 0.34, beta: 0.3 },
        cli.params!.total,
        cli.tokens!,
      );
      assert.ok(updated.endsWith(` · loss ${expected2.toFixed(3)} fitted:my-sweep`), updated);
    } finally {
      await other.stop();
    }
  },
);

test(
  'an unknown law falls back to the default and says so in the snapshot',
  { skip: NOT_BUILT },
  async () => {
    const other = await LspTestClient.start({ settings: { law: 'no-such-law' } });
    try {
      const uri = await other.open(fixturePath('server', 'train_small_gpt.py'));
      const snapshot = (await other.analysis(uri))!;
      assert.equal(snapshot.law.id, 'epoch2024');
      assert.ok(snapshot.warnings.includes('Unknown law "no-such-law" (scalingLens.law); using epoch2024.'));
    } finally {
      await other.stop();
    }
  },
);

test(
  'settings are pulled per document with workspace/configuration before lenses answer',
  { skip: NOT_BUILT },
  async () => {
    const other = await LspTestClient.start({ settings: { law: 'kaplan2020' } });
    try {
      const uri = await other.open(fixturePath('server', 'train_small_gpt.py'));
      const summary = summaryOf(await other.codeLens(uri))!;
      assert.ok(summary.endsWith(' kaplan2020'), summary);
      const scoped = other.configurationRequests as { items: { scopeUri?: string; section?: string }[] }[];
      assert.ok(scoped.some((r) => r.items.some((i) => i.scopeUri === uri && i.section === 'scalingLens')));
    } finally {
      await other.stop();
    }
  },
);

test('a cancelled lens request is answered with RequestCancelled', { skip: NOT_BUILT }, async () => {
  const other = await LspTestClient.start();
  try {
    const uri = await other.open(fixturePath('server', 'olmo_small_tokens.yaml'));
    const source = new CancellationTokenSource();
    const pending = other.codeLens(uri, source);
    source.cancel();
    await assert.rejects(pending, (error: { code?: number }) => error.code === -32800);
    // The document itself is fine: the next request answers, with the size lens among the topics
    // (src/server/lenses.ts).
    const lenses = (await other.codeLens(uri))!;
    assert.ok(lenses.some((l) => (l.data as { topic?: string } | undefined)?.topic === 'size'));
  } finally {
    await other.stop();
  }
});

test(
  'killing the server mid-request fails that request; a new server works',
  { skip: NOT_BUILT },
  async () => {
    const doomed = await LspTestClient.start();
    const uri = await doomed.open(fixturePath('server', 'train_small_gpt.py'));
    // Let the settings exchange finish first, so the only message in flight is the lens request.
    await doomed.waitFor(() => doomed.snapshots.length > 0, 30_000, 'first analysis');
    const pending = doomed.codeLens(uri);
    doomed.process.kill('SIGKILL');
    await assert.rejects(pending);

    const fresh = await LspTestClient.start();
    try {
      const again = await fresh.open(fixturePath('server', 'train_small_gpt.py'));
      const summary = summaryOf(await fresh.codeLens(again))!;
      assert.ok(summary.startsWith('N 30M · D 81.9M'));
    } finally {
      await fresh.stop();
    }
  },
);

test('documents are isolated: a broken one does not affect another', { skip: NOT_BUILT }, async () => {
  const good = await client.open(fixturePath('server', 'train_small_gpt.py'));
  const dir = scratchDir();
  const broken = await client.open(
    join(dir, 'broken.yaml'),
    'model:\n  d_model: [\n  n_layers: {{\nmax_duration: 1e9T\n\u0000',
  );
  assert.deepEqual(await client.codeLens(broken), []);
  const summary = summaryOf(await client.codeLens(good))!;
  assert.ok(summary.startsWith('N 30M'));
  const diagnostics: Diagnostic[] = client.diagnostics.get(good) ?? [];
  assert.ok(diagnostics.every((d) => d.code !== 'analysis-failed'));
});
