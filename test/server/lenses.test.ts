import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { formatCount } from '../../src/core/format';
import { fixturePath, HAS_SHARED, loadManifest, SHARED_SKIP } from '../helpers';
import { cliAnalyze, expectedSummary } from './expected';
import { LspTestClient, positionOf, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
before(async () => {
  if (!NOT_BUILT) client = await LspTestClient.start();
});
after(async () => {
  await client?.stop();
});

const summaryOf = (lenses: { command?: { title: string } }[] | null) => lenses?.[0]?.command?.title;

test('summary lens of the project fixtures equals the CLI numbers', { skip: NOT_BUILT }, async () => {
  const files = ['train_small_gpt.py', 'olmo_small_tokens.yaml', 'undertrained_gpt.py'].map((f) =>
    fixturePath('server', f),
  );
  const cli = cliAnalyze(files);
  for (const [i, file] of files.entries()) {
    const uri = await client.open(file);
    const lenses = await client.codeLens(uri);
    assert.equal(summaryOf(lenses), expectedSummary(cli[i]).title, file);
    assert.equal(lenses![0].command!.command, 'scalingLens.showCurves');
    assert.deepEqual(lenses![0].command!.arguments, [uri]);
  }
});

test(
  'summary lens reads N, D, tokens/param, FLOPs, cost and loss in the documented format',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(fixturePath('server', 'train_small_gpt.py'));
    const lenses = await client.codeLens(uri);
    // 30,036,864 params; 64 × 256 × 1 × 5000 = 81,920,000 tokens; 6·N·D = 1.476e16 FLOPs.
    assert.match(
      summaryOf(lenses)!,
      /^N 30M · D 81.9M \(2\.7 tok\/param\) · 1\.48e16 FLOPs · 0\.0\d+ H100-h ≈ \$0\.02 · loss \d\.\d{3}( \(\d\.\d{3}–\d\.\d{3}\))? epoch2024$/,
    );
  },
);

test(
  'duration lens shows the derivation of D and the compute-optimal D for this N',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'train_small_gpt.py');
    const uri = await client.open(file);
    const [, duration] = (await client.codeLens(uri))!;
    const snapshot = (await client.analysis(uri))!;
    assert.equal(duration.range.start.line, positionOf(client.text(uri), 'max_iters').line);
    assert.equal(
      duration.command!.title,
      `D 81.9M tokens = batch_size(64) × block_size(256) × gradient_accumulation_steps(1) × max_iters(5000) = 81,920,000 tokens · optimal ≈ ${formatCount(snapshot.optimalTokens!)} for this N`,
    );
  },
);

test('summary lens sits on the model section', { skip: NOT_BUILT }, async () => {
  const uri = await client.open(fixturePath('server', 'olmo_small_tokens.yaml'));
  const [summary, duration] = (await client.codeLens(uri))!;
  assert.equal(summary.range.start.line, positionOf(client.text(uri), 'model:').line);
  assert.equal(duration.range.start.line, positionOf(client.text(uri), 'max_duration').line);
  assert.match(
    duration.command!.title,
    /^D 1B tokens = max_duration 1e9T = 1,000,000,000 tokens · optimal ≈ [\d.]+[MBT] for this N$/,
  );
});

test('a file that is not a run config gets no lenses and a null analysis', { skip: NOT_BUILT }, async () => {
  const uri = await client.open(fixturePath('server', 'workflow.yaml'));
  assert.deepEqual(await client.codeLens(uri), []);
  assert.equal(await client.analysis(uri), null);
});

test(
  'D unknown: the lens says what is missing and the GPU-count setting completes it',
  { skip: NOT_BUILT },
  async () => {
    const other = await LspTestClient.start();
    try {
      const file = fixturePath('server', 'megatron_no_gpus.sh');
      const uri = await other.open(file);
      const [summary] = (await other.codeLens(uri))!;
      const [cli] = cliAnalyze([file]);
      assert.ok(summary.command!.title.startsWith(expectedSummary(cli).prefix!), summary.command!.title);
      assert.match(
        summary.command!.title,
        /^N 356M · D unknown: needs GPU count · optimal D ≈ [\d.]+[MBT] · epoch2024$/,
      );
      const diagnostics = await other.waitForDiagnostics(uri, (d) => d.length > 0);
      assert.ok(diagnostics.some((d) => d.code === 'missing-gpus'));

      const refreshes = other.lensRefreshes;
      await other.setSettings({ missing: { gpus: 64 } });
      await other.waitFor(() => other.lensRefreshes > refreshes, 5000, 'lens refresh');
      const [completed] = (await other.codeLens(uri))!;
      const [cli64] = cliAnalyze([file], ['--gpus', '64']);
      assert.equal(completed.command!.title, expectedSummary(cli64).title);
      // 50000 iterations × (4 micro × 64 GPUs) × 2048 tokens.
      assert.ok(completed.command!.title.includes(`D ${formatCount(50000 * 4 * 64 * 2048)} `));
    } finally {
      await other.stop();
    }
  },
);

test('lens switches: master, summary and duration settings', { skip: NOT_BUILT }, async () => {
  const other = await LspTestClient.start({ settings: { lens: { duration: { enable: false } } } });
  try {
    const uri = await other.open(fixturePath('server', 'train_small_gpt.py'));
    const lenses = (await other.codeLens(uri))!;
    assert.equal(lenses.length, 1);
    assert.ok(lenses[0].command!.title.startsWith('N 30M'));
    await other.setSettings({ lens: { enable: false } });
    await other.waitFor(() => other.lensRefreshes > 0, 5000, 'lens refresh');
    assert.deepEqual(await other.codeLens(uri), []);
  } finally {
    await other.stop();
  }
});

test(
  'inference-aware lens appears when scalingLens.inference.tokens is set',
  { skip: NOT_BUILT },
  async () => {
    const other = await LspTestClient.start({ settings: { inference: { tokens: 1e12 } } });
    try {
      const uri = await other.open(fixturePath('server', 'olmo_small_tokens.yaml'));
      const titles = (await other.codeLens(uri))!.map((l) => l.command!.title);
      const inference = titles.find((t) => t.startsWith('Inference-aware'));
      assert.ok(inference, titles.join('\n'));
      assert.match(
        inference!,
        /^Inference-aware for 1T served tokens \(same loss \d\.\d{3}\): N [\d.]+[KMB] · D [\d.]+[MBT] \([\d.]+ tok\/param\) · lifetime \d\.\d{2}e\d+ FLOPs vs \d\.\d{2}e\d+ for this run$/,
      );
    } finally {
      await other.stop();
    }
  },
);

test(
  'typing that does not change a lens sends no lens refresh; a lens change does',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(fixturePath('server', 'train_small_gpt.py'));
    await client.codeLens(uri);
    const before = client.lensRefreshes;
    const text = client.text(uri);
    await client.change(uri, text.replace('# Small GPT', '# Small GPT (edited comment)'));
    await client.codeLens(uri);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(client.lensRefreshes, before);
    await client.change(uri, client.text(uri).replace('max_iters = 5000', 'max_iters = 6000'));
    await client.waitFor(() => client.lensRefreshes > before, 5000, 'lens refresh');
    const [summary] = (await client.codeLens(uri))!;
    assert.ok(summary.command!.title.includes(`D ${formatCount(64 * 256 * 6000)} `), summary.command!.title);
  },
);

test(
  'half-typed text keeps the last good lens and reports its own problems',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'olmo_small_tokens.yaml');
    const uri = await client.open(file);
    const good = summaryOf(await client.codeLens(uri));
    assert.ok(good?.startsWith('N 85.1M'), good);
    // Mid-edit: the model block is cut off and a flow sequence is left open.
    const broken = client.text(uri).replace(/ {2}n_layers: 8\n[\s\S]*$/, '  n_layers: [8,\n');
    await client.change(uri, broken);
    assert.equal(summaryOf(await client.codeLens(uri)), good);
    const hover = await client.hover(uri, positionOf(client.text(uri), 'd_model', 2));
    assert.ok(hover, 'hover still answers from the last good analysis');
    // Fixing the text brings fresh numbers (here: 4 layers instead of 8).
    await client.change(uri, readFileSync(file, 'utf8').replace('n_layers: 8', 'n_layers: 4'));
    const fixed = summaryOf(await client.codeLens(uri));
    assert.ok(fixed?.startsWith('N 68.3M · D 1B '), fixed);
  },
);

test(
  'every recognized shared config gets a summary lens equal to the CLI',
  { skip: NOT_BUILT || SHARED_SKIP },
  async () => {
    if (!HAS_SHARED) return;
    const files = loadManifest('configs')
      .map((e) => e.path)
      .filter((p) => existsSync(p));
    let setB: string[] = [];
    try {
      setB = loadManifest('configs-b')
        .map((e) => e.path)
        .filter((p) => existsSync(p));
    } catch {
      setB = [];
    }
    const all = [...files, ...setB];
    const cli = cliAnalyze(all);
    const other = await LspTestClient.start();
    let compared = 0;
    try {
      for (const [i, file] of all.entries()) {
        const j = cli[i];
        const uri = await other.open(file);
        const lenses = await other.codeLens(uri);
        if (!j.framework || !j.params) continue;
        const expected = expectedSummary(j);
        const title = summaryOf(lenses);
        if (expected.title) assert.equal(title, expected.title, file);
        else assert.ok(title?.startsWith(expected.prefix!), `${file}: ${title}`);
        compared++;
        await other.close(uri);
      }
    } finally {
      await other.stop();
    }
    assert.ok(compared >= 40, `compared ${compared} configs`);
  },
);
