import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCount, formatExact } from '../../src/core/format';
import { fixturePath, HAS_SHARED, loadManifest, REPO_ROOT, SHARED_SKIP } from '../helpers';
import {
  cliAnalyze,
  expectedCompute,
  expectedCost,
  expectedData,
  expectedLoss,
  expectedSize,
  expectedSummary,
  lensOf,
  summaryOf,
} from './expected';
import { LENS_LINE_CHARS } from '../../src/server/lenses';
import { LspTestClient, positionOf, SERVER_JS } from './lspClient';

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
  const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-lenses-'));
  scratch.push(dir);
  return dir;
}

type Lens = {
  range: { start: { line: number } };
  command?: { title: string; command: string; arguments?: unknown[]; tooltip?: string };
  data?: unknown;
};
const titleOf = (lenses: Lens[] | null, topic: string) => lensOf(lenses, topic)?.command?.title;
const tooltipOf = (lenses: Lens[] | null, topic: string) =>
  (lensOf(lenses, topic)?.data as { tooltip: string }).tooltip;
const lineOf = (lenses: Lens[] | null, topic: string) => (lensOf(lenses, topic) as Lens).range.start.line;

/**
 * Lens lines wider than LENS_LINE_CHARS (titles joined with VS Code's " | "), as "line: text".
 * Lines holding only hyperparameter lenses are left out: those titles are built (and kept short)
 * in src/server/hyperparameterLenses.ts and do not move.
 */
function overfullLines(lenses: Lens[]): string[] {
  const byLine = new Map<number, Lens[]>();
  for (const l of lenses) byLine.set(l.range.start.line, [...(byLine.get(l.range.start.line) ?? []), l]);
  return [...byLine]
    .filter(([, line]) =>
      line.some((l) => (l.data as { topic?: string } | undefined)?.topic !== 'hyperparameters'),
    )
    .map(([line, ls]) => `${line}: ${ls.map((l) => l.command!.title).join(' | ')}`)
    .filter((text) => text.length - text.indexOf(': ') - 2 > LENS_LINE_CHARS);
}

test('each topic lens of the project fixtures equals the CLI numbers', { skip: NOT_BUILT }, async () => {
  const files = ['train_small_gpt.py', 'olmo_small_tokens.yaml', 'undertrained_gpt.py'].map((f) =>
    fixturePath('server', f),
  );
  const cli = cliAnalyze(files);
  for (const [i, file] of files.entries()) {
    const uri = await client.open(file);
    const lenses = (await client.codeLens(uri)) as Lens[];
    const j = cli[i]!;
    assert.equal(titleOf(lenses, 'size'), expectedSize(j), file);
    assert.equal(titleOf(lenses, 'data'), expectedData(j), file);
    assert.equal(titleOf(lenses, 'compute'), expectedCompute(j), file);
    assert.equal(titleOf(lenses, 'cost'), expectedCost(j), file);
    assert.equal(titleOf(lenses, 'loss'), expectedLoss(j), file);
    assert.equal(summaryOf(lenses), expectedSummary(j).title, file);
    for (const lens of lenses) {
      assert.equal(lens.command!.command, 'scalingLens.showCurves');
      assert.deepEqual(lens.command!.arguments, [uri]);
      // The tooltip travels as LSP 3.18 Command.tooltip and in data (kept by vscode-languageclient 9).
      const data = lens.data as { topic: string; tooltip: string };
      assert.ok(data.tooltip.length > 20, `${data.topic}: ${data.tooltip}`);
      assert.equal(lens.command!.tooltip, data.tooltip);
    }
  }
});

test(
  'split lenses read N, D, FLOPs, cost and loss in the documented format, each short',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(fixturePath('server', 'train_small_gpt.py'));
    const lenses = (await client.codeLens(uri)) as Lens[];
    // 30,036,864 params; 64 × 256 × 1 × 5000 = 81,920,000 tokens; 6·N·D = 1.476e16 FLOPs.
    assert.equal(titleOf(lenses, 'size'), 'N 30M');
    assert.equal(titleOf(lenses, 'data'), 'D 81.9M (2.7 tok/param)');
    assert.equal(titleOf(lenses, 'compute'), '1.48e16 FLOPs');
    assert.match(titleOf(lenses, 'cost')!, /^0\.0\d+ H100-h ≈ \$0\.02$/);
    assert.match(titleOf(lenses, 'loss')!, /^loss \d\.\d{3}( \(\d\.\d{3}–\d\.\d{3}\))? epoch2024$/);
    // Summary topics on the model line (n_layer, the first architecture key) as far as they fit
    // (LENS_LINE_CHARS); the loss wraps onto the line below (n_head). D at max_iters, its
    // derivation on the line below it (lr_decay_iters).
    const text = client.text(uri);
    const modelLine = positionOf(text, 'n_layer').line;
    for (const topic of ['size', 'compute', 'cost']) assert.equal(lineOf(lenses, topic), modelLine, topic);
    assert.equal(lineOf(lenses, 'loss'), positionOf(text, 'n_head').line);
    assert.equal(lineOf(lenses, 'data'), positionOf(text, 'max_iters').line);
    assert.equal(lineOf(lenses, 'duration'), positionOf(text, 'lr_decay_iters').line);
    assert.deepEqual(overfullLines(lenses), []);
  },
);

test(
  'duration lens: steps × tokens/step and the compute-optimal D; the tooltip has the derivation',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'train_small_gpt.py');
    const uri = await client.open(file);
    const lenses = (await client.codeLens(uri)) as Lens[];
    const snapshot = (await client.analysis(uri))!;
    // Beside D it would not fit a line next to the panel: on the line under max_iters.
    assert.equal(lineOf(lenses, 'duration'), positionOf(client.text(uri), 'max_iters').line + 1);
    assert.equal(
      titleOf(lenses, 'duration'),
      `5,000 steps × 16,384 tok · optimal ≈ ${formatCount(snapshot.optimalTokens!)}`,
    );
    const tooltip = tooltipOf(lenses, 'duration');
    assert.ok(
      tooltip.includes(
        'D = batch_size(64) × block_size(256) × gradient_accumulation_steps(1) × max_iters(5000) = 81,920,000 tokens.',
      ),
      tooltip,
    );
    assert.ok(tooltip.includes(`${formatExact(snapshot.optimalTokens!)} tokens`), tooltip);
  },
);

test(
  'cost tooltip states MFU, $/GPU-hour, GPU count and type, and where each came from',
  { skip: NOT_BUILT },
  async () => {
    const file = fixturePath('server', 'train_small_gpt.py');
    const uri = await client.open(file);
    const tooltip = tooltipOf((await client.codeLens(uri)) as Lens[], 'cost');
    // The file's "torchrun --standalone --nproc_per_node=1" names one GPU; nothing names the accelerator.
    assert.match(tooltip, /• accelerator H100 — from the default \(setting scalingLens\.hardware\.gpu\)/);
    assert.match(tooltip, /• GPUs 1 — from the file: .*nproc_per_node=1/);
    assert.match(tooltip, /• MFU 40% — from the default \(setting scalingLens\.hardware\.mfu, 40%\)/);
    // $2.00/h: nikhilsardana/beyond-chinchilla cost_calculator.py default (src/core/model/hardware.ts).
    assert.match(tooltip, /• \$\/GPU-hour \$2\.00 — from the hardware table's price for H100/);

    const other = await LspTestClient.start({
      settings: { hardware: { gpu: 'A100-40GB', mfu: 0.5, usdPerGpuHour: 3 } },
    });
    try {
      const set = await other.open(file);
      const lenses = (await other.codeLens(set)) as Lens[];
      const custom = tooltipOf(lenses, 'cost');
      assert.match(
        custom,
        /• accelerator A100-40GB — from the default \(setting scalingLens\.hardware\.gpu\)/,
      );
      assert.match(custom, /• MFU 50% — from your setting scalingLens\.hardware\.mfu/);
      assert.match(custom, /• \$\/GPU-hour \$3\.00 — from your setting scalingLens\.hardware\.usdPerGpuHour/);
      const [cli] = cliAnalyze([file], ['--gpu', 'A100-40GB', '--mfu', '0.5', '--usd-per-gpu-hour', '3']);
      assert.equal(titleOf(lenses, 'cost'), expectedCost(cli!));
    } finally {
      await other.stop();
    }
  },
);

test(
  'nanoGPT without max_iters: the duration lens says "max_iters default 600,000" and why',
  { skip: NOT_BUILT },
  async () => {
    // karpathy/nanoGPT@3adf61e154c3fe3fca428ad6bc3818b27a3b8291 train.py: max_iters = 600000,
    // gradient_accumulation_steps = 5 * 8 (docs/frameworks/nanogpt.md).
    const dir = scratchDir();
    const file = join(dir, 'train_tiny.py');
    writeFileSync(file, 'n_layer = 4\nn_head = 4\nn_embd = 128\nblock_size = 256\nbatch_size = 8\n');
    const uri = await client.open(file);
    const lenses = (await client.codeLens(uri)) as Lens[];
    const [cli] = cliAnalyze([file]);
    assert.equal(cli!.tokens, 8 * 256 * 40 * 600000);
    assert.equal(titleOf(lenses, 'data'), expectedData(cli!));
    assert.match(titleOf(lenses, 'duration')!, /^max_iters default 600,000 · optimal ≈ [\d.]+[MBT]$/);
    const tooltip = tooltipOf(lenses, 'duration');
    assert.ok(tooltip.includes('the run length is the framework default'), tooltip);
    assert.ok(tooltip.includes('max_iters not set: train.py default 600000'), tooltip);
    // D is not on the model line: the lens sits at the first training key (block_size).
    assert.equal(lineOf(lenses, 'data'), 3);
    // With max_iters written, the lens is the plain derivation again.
    await client.change(uri, `${client.text(uri)}max_iters = 1000\n`);
    const written = (await client.codeLens(uri)) as Lens[];
    assert.match(titleOf(written, 'duration')!, /^1,000 steps × 81,920 tok · optimal/);
  },
);

test(
  'any framework default for the run length is surfaced: Levanter without num_train_steps',
  { skip: NOT_BUILT },
  async () => {
    const example = join(REPO_ROOT, 'examples', 'levanter', 'gpt2_medium_openwebtext.yaml');
    const text = readFileSync(example, 'utf8');
    assert.match(text, /num_train_steps: 50000\n/);
    const dir = scratchDir();
    const file = join(dir, 'gpt2_no_steps.yaml');
    writeFileSync(file, text.replace(/ *num_train_steps: 50000\n/, ''));
    const uri = await client.open(file);
    const lenses = (await client.codeLens(uri)) as Lens[];
    const [cli] = cliAnalyze([file]);
    // Levanter TrainerConfig.num_train_steps default 400,000 (docs/frameworks/levanter.md).
    assert.equal(cli!.tokens, 400000 * 512 * 1024);
    // The dotted key by its last part, so the title fits a line next to the panel; in full in the tooltip.
    assert.match(titleOf(lenses, 'duration')!, /^num_train_steps default 400,000 · optimal ≈ /);
    assert.ok(titleOf(lenses, 'duration')!.length <= LENS_LINE_CHARS);
    assert.match(tooltipOf(lenses, 'duration'), /trainer\.num_train_steps absent: Levanter default 400,000/);
  },
);

test(
  'a length no key sets (MaxText without steps: base.yml) is surfaced, not shown as if written',
  { skip: NOT_BUILT },
  async () => {
    const example = join(REPO_ROOT, 'examples', 'maxtext', 'llama2-1b-v5e-64.yml');
    const text = readFileSync(example, 'utf8');
    assert.match(text, /^steps: 50_000\n/m);
    const dir = scratchDir();
    const file = join(dir, 'llama2_no_steps.yml');
    writeFileSync(file, text.replace(/^steps: 50_000\n/m, ''));
    const other = await LspTestClient.start({ settings: { missing: { gpus: 64 } } });
    try {
      const uri = await other.open(file);
      const lenses = (await other.codeLens(uri)) as Lens[];
      const [cli] = cliAnalyze([file], ['--gpus', '64']);
      // MaxText base.yml `steps: 150_001` (src/core/config/frameworks/maxtext/tables.ts);
      // 64 devices × 4 sequences × 2048 tokens per step.
      assert.equal(cli!.tokens, 150_001 * 64 * 4 * 2048);
      assert.equal(titleOf(lenses, 'data'), expectedData(cli!));
      assert.match(titleOf(lenses, 'duration')!, /^default length 150,001 steps · optimal ≈ /);
      assert.match(tooltipOf(lenses, 'duration'), /^No key in this file sets the run length/);
    } finally {
      await other.stop();
    }
  },
);

test('a file that is not a run config gets no lenses and a null analysis', { skip: NOT_BUILT }, async () => {
  const uri = await client.open(fixturePath('server', 'workflow.yaml'));
  assert.deepEqual(await client.codeLens(uri), []);
  assert.equal(await client.analysis(uri), null);
});

test(
  'D unknown: the lenses say what is missing and the GPU-count setting completes them',
  { skip: NOT_BUILT },
  async () => {
    const other = await LspTestClient.start();
    try {
      const file = fixturePath('server', 'megatron_no_gpus.sh');
      const uri = await other.open(file);
      const lenses = (await other.codeLens(uri)) as Lens[];
      const [cli] = cliAnalyze([file]);
      assert.equal(summaryOf(lenses), expectedSummary(cli!).title);
      assert.equal(summaryOf(lenses), 'N 356M · D unknown: needs GPU count · loss needs D · epoch2024');
      assert.match(titleOf(lenses, 'duration')!, /^optimal D ≈ [\d.]+[MBT]$/);
      assert.equal(lensOf(lenses, 'compute'), undefined);
      assert.equal(lensOf(lenses, 'cost'), undefined);
      const diagnostics = await other.waitForDiagnostics(uri, (d) => d.length > 0);
      assert.ok(diagnostics.some((d) => d.code === 'missing-gpus'));

      const refreshes = other.lensRefreshes;
      await other.setSettings({ missing: { gpus: 64 } });
      await other.waitFor(() => other.lensRefreshes > refreshes, 5000, 'lens refresh');
      const completed = (await other.codeLens(uri)) as Lens[];
      const [cli64] = cliAnalyze([file], ['--gpus', '64']);
      assert.equal(summaryOf(completed), expectedSummary(cli64!).title);
      // 50000 iterations × (4 micro × 64 GPUs) × 2048 tokens.
      assert.ok(titleOf(completed, 'data')!.startsWith(`D ${formatCount(50000 * 4 * 64 * 2048)} `));
      assert.match(
        tooltipOf(completed, 'cost'),
        /• GPUs 64 — from your setting \(scalingLens\.missing\.gpus/,
      );
    } finally {
      await other.stop();
    }
  },
);

test('lens switches: master, summary, each topic and duration', { skip: NOT_BUILT }, async () => {
  const file = fixturePath('server', 'train_small_gpt.py');
  const topicsWith = async (settings: object) => {
    const other = await LspTestClient.start({ settings });
    try {
      const uri = await other.open(file);
      // The switches of the summary and duration topics (memory and the hyperparameter lenses
      // have their own tests).
      return ((await other.codeLens(uri)) as Lens[])
        .map((l) => (l.data as { topic: string }).topic)
        .filter((topic) => ['size', 'data', 'duration', 'compute', 'cost', 'loss'].includes(topic));
    } finally {
      await other.stop();
    }
  };
  assert.deepEqual(await topicsWith({}), ['size', 'data', 'duration', 'compute', 'cost', 'loss']);
  assert.deepEqual(await topicsWith({ lens: { duration: { enable: false } } }), [
    'size',
    'data',
    'compute',
    'cost',
    'loss',
  ]);
  assert.deepEqual(await topicsWith({ lens: { summary: { enable: false } } }), ['duration']);
  for (const topic of ['size', 'data', 'compute', 'cost', 'loss']) {
    const shown = await topicsWith({ lens: { [topic]: { enable: false } } });
    assert.ok(!shown.includes(topic) && shown.length === 5, `${topic}: ${shown.join(',')}`);
  }
  const other = await LspTestClient.start();
  try {
    const uri = await other.open(file);
    assert.ok(((await other.codeLens(uri)) ?? []).length > 0);
    await other.setSettings({ lens: { enable: false } });
    await other.waitFor(() => other.lensRefreshes > 0, 5000, 'lens refresh');
    assert.deepEqual(await other.codeLens(uri), []);
  } finally {
    await other.stop();
  }
});

test(
  'inference lens appears when scalingLens.inference.tokens is set: short title, full plan in the tooltip',
  { skip: NOT_BUILT },
  async () => {
    const other = await LspTestClient.start({ settings: { inference: { tokens: 1e12 } } });
    try {
      const uri = await other.open(fixturePath('server', 'olmo_small_tokens.yaml'));
      const lenses = (await other.codeLens(uri)) as Lens[];
      assert.match(titleOf(lenses, 'inference')!, /^inference 1T tok: N [\d.]+[KMB] · D [\d.]+[MBT]$/);
      assert.match(
        tooltipOf(lenses, 'inference'),
        /^Inference-aware for 1T served tokens \(same loss \d\.\d{3}\): N [\d.]+[KMB] · D [\d.]+[MBT] \([\d.]+ tok\/param\) · lifetime \d\.\d{2}e\d+ FLOPs vs \d\.\d{2}e\d+ for this run\.\n/,
      );
      // Not on the model line: the summary topics keep it to 80 columns.
      assert.notEqual(lineOf(lenses, 'inference'), lineOf(lenses, 'size'));
      await other.setSettings({ lens: { inference: { enable: false } } });
      await other.waitFor(() => other.lensRefreshes > 0, 5000, 'lens refresh');
      assert.equal(lensOf((await other.codeLens(uri)) as Lens[], 'inference'), undefined);
    } finally {
      await other.stop();
    }
  },
);

test('summary topics sit on the model section, D at the length key', { skip: NOT_BUILT }, async () => {
  const uri = await client.open(fixturePath('server', 'olmo_small_tokens.yaml'));
  const lenses = (await client.codeLens(uri)) as Lens[];
  assert.equal(lineOf(lenses, 'size'), positionOf(client.text(uri), 'model:').line);
  assert.equal(lineOf(lenses, 'data'), positionOf(client.text(uri), 'max_duration').line);
  assert.equal(titleOf(lenses, 'data'), 'D 1B (12 tok/param)');
  assert.match(titleOf(lenses, 'duration')!, /^optimal ≈ [\d.]+[MBT]$/);
  assert.ok(tooltipOf(lenses, 'data').includes('max_duration 1e9T = 1,000,000,000 tokens'));
});

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
    const lenses = (await client.codeLens(uri)) as Lens[];
    assert.ok(titleOf(lenses, 'data')!.startsWith(`D ${formatCount(64 * 256 * 6000)} `), summaryOf(lenses));
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
  'every recognized shared config gets summary lenses equal to the CLI',
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
        const j = cli[i]!;
        const uri = await other.open(file);
        const lenses = await other.codeLens(uri);
        if (!j.framework || !j.params) continue;
        assert.equal(summaryOf(lenses), expectedSummary(j).title, file);
        compared++;
        await other.close(uri);
      }
    } finally {
      await other.stop();
    }
    assert.ok(compared >= 40, `compared ${compared} configs`);
  },
);

test(
  'every config of the corpora and examples: no lens line wider than LENS_LINE_CHARS, none past the last line',
  { skip: NOT_BUILT || SHARED_SKIP },
  async () => {
    const examples = ['nanogpt/train_gpt2_124m.py', 'megatron/pretrain_gpt_1.3b.sh', 'olmo/OLMo-1B-60B.yaml'];
    const files = [
      ...(['configs', 'configs-b', 'configs-c'] as const).flatMap((set) =>
        loadManifest(set).map((e) => e.path),
      ),
      ...examples.map((f) => join(REPO_ROOT, 'examples', f)),
    ].filter((path) => existsSync(path));
    // Served tokens too, so the inference lens takes its place among the others.
    const other = await LspTestClient.start({ settings: { inference: { tokens: 1e12 } } });
    const overfull: string[] = [];
    let withLenses = 0;
    try {
      for (const file of files) {
        const uri = await other.open(file);
        const lenses = ((await other.codeLens(uri)) ?? []) as Lens[];
        if (lenses.length) withLenses++;
        const lines = other.text(uri).split('\n').length;
        for (const lens of lenses)
          assert.ok(
            lens.range.start.line < lines,
            `${file}: a lens on line ${lens.range.start.line} of ${lines}`,
          );
        overfull.push(
          ...overfullLines(lenses).map((line) => `${file.slice(file.indexOf('/configs') + 1)}:${line}`),
        );
        await other.close(uri);
      }
    } finally {
      await other.stop();
    }
    assert.ok(withLenses > 100, `${withLenses} of ${files.length} configs have lenses`);
    assert.deepEqual(overfull, []);
  },
);
