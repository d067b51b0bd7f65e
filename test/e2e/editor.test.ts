/**
 * End-to-end: the packaged extension in a real VS Code 1.100 (code-server) driven by headless
 * Chromium. One code-server serves every test in this file; the workspace is a temporary copy of
 * examples/ (plus a few real configs from ../shared when present), so edits never touch the repo.
 * Expected numbers come from the CLI (`dist/cli.js analyze --json`) and src/core/format, so the
 * editor is checked against the same core, through everything in between (packaging, activation,
 * the language client, the LSP server, rendering).
 *
 * Screenshots land in test-artifacts/e2e/. Under CI=true a missing prerequisite fails the suite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatCount, formatLoss, formatScientific } from '../../src/core/format';
import { HAS_SHARED, REPO_ROOT, SHARED_DIR } from '../helpers';
import {
  clickToken,
  dismissHover,
  E2E_REQUIRED,
  e2eUnavailableReasonSync,
  findWebviewFrame,
  hover,
  listCommands,
  listQuickFixes,
  readLanguageStatus,
  readStatusItems,
  runCommand,
  save,
  savedText,
  screenshot,
  startSession,
  triggerQuickFix,
  undo,
  summaryLens,
  waitForLenses,
  type Session,
} from './harness';

/** The CLI's JSON for one file (the same core the editor runs). */
interface CliResult {
  framework: string | null;
  params: { total: number; active: number } | null;
  tokens: number | null;
  flops: number | null;
  loss: { value: number; law: string } | null;
}

function cliAnalyze(path: string, ...flags: string[]): CliResult {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli))
    spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
  const result = spawnSync(process.execPath, [cli, 'analyze', path, '--json', ...flags], {
    encoding: 'utf8',
  });
  assert.ok(result.stdout.trim(), `CLI printed nothing for ${path}: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as CliResult | CliResult[];
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** `N 124M` followed by a separator, so 124M does not also match 124.4M or 1.24B. */
function nPattern(params: number): RegExp {
  return new RegExp(`(^|\\s)N ${formatCount(params).replace('.', '\\.')}(\\s|$)`);
}

const unavailable = e2eUnavailableReasonSync();
// Locally a machine without code-server/Chromium skips with the reason; CI must not silently skip.
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

/** Workspace-relative example files, one per framework, opened in the lens test. */
const EXAMPLES = [
  'examples/olmo/OLMo-1B-60B.yaml',
  'examples/llm-foundry/mpt-125m.yaml',
  'examples/gpt-neox/neox-410m.yml',
  'examples/levanter/gpt2_medium_openwebtext.yaml',
  'examples/litgpt/pretrain-pythia-160m.yaml',
  'examples/maxtext/llama2-1b-v5e-64.yml',
  'examples/megatron/pretrain_gpt_1.3b.sh',
  'examples/torchtitan/llama3_8b.toml',
  'examples/hf/smollm-135m/config.json',
  'examples/nemo2/llama3_8b_pretrain.py',
];

const NANOGPT = 'examples/nanogpt/train_gpt2_124m.py';

describe('Scaling Lens in a real VS Code (code-server + Chromium)', { skip }, () => {
  let session: Session;

  /** Pick a law in the extension's own quick pick (the command a user runs). */
  async function chooseLaw(lawId: string): Promise<void> {
    const page = session.page;
    await runCommand(page, 'Scaling Lens: Select Scaling Law…');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(lawId);
    const row = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: lawId }).first();
    await row.waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    const copy: Record<string, string> = { examples: join(REPO_ROOT, 'examples') };
    if (HAS_SHARED) {
      copy['shared/OLMo-1B.yaml'] = join(SHARED_DIR, 'configs', 'olmo', 'OLMo-1B.yaml');
      copy['shared/pythia-160m.yml'] = join(SHARED_DIR, 'configs', 'gpt-neox_pythia', 'pythia-160m.yml');
    }
    session = await startSession({ copy });
  });

  after(async () => {
    await session?.stop();
  });

  test('summary lens on a nanoGPT config shows the CLI’s N, D, FLOPs and loss', async () => {
    const expected = cliAnalyze(session.path(NANOGPT));
    assert.equal(expected.framework, 'nanogpt');
    assert.ok(expected.params && expected.tokens && expected.flops && expected.loss);
    await session.openFile(NANOGPT);
    const lenses = await waitForLenses(session.page, { pattern: /^N / });
    await screenshot(session.page, 'nanogpt-lenses');
    const summary = summaryLens(lenses);
    assert.match(summary, nPattern(expected.params.total));
    assert.ok(summary.includes(`D ${formatCount(expected.tokens)} `), summary);
    assert.ok(summary.includes(`${formatScientific(expected.flops)} FLOPs`), summary);
    assert.ok(summary.includes(`loss ${formatLoss(expected.loss.value)}`), summary);
    assert.ok(summary.includes(expected.loss.law), summary);
    // The duration lens explains D at max_iters: 60000 iterations × 12 × 1024 × 40 tokens.
    const duration = lenses.find((t) => t.startsWith('60,000 steps × 491,520 tok'));
    assert.ok(duration, `no duration lens in ${JSON.stringify(lenses)}`);
    assert.match(duration, /· optimal ≈ [\d.]+[MBT]$/);
  });

  test('hovering n_layer explains what one more layer does to N', async () => {
    await session.openFile(NANOGPT);
    await waitForLenses(session.page, { pattern: /^N / });
    const text = await hover(session.page, 'n_layer', /n_layer = 12/);
    await screenshot(session.page, 'nanogpt-hover-n_layer');
    await dismissHover(session.page);
    assert.match(text, /params per layer/);
    // The table lists the current value and its neighbours with their N.
    const expected = cliAnalyze(session.path(NANOGPT));
    assert.ok(text.includes(formatCount(expected.params!.total)), text);
  });

  test('language status names the framework and N', async () => {
    await session.openFile(NANOGPT);
    await waitForLenses(session.page, { pattern: /^N / });
    const text = await readLanguageStatus(session.page, /N \d/);
    assert.match(text, /nanoGPT/i);
    assert.match(text, /N 124M/);
  });

  test('a TOML config opens as TOML (the extension contributes the language) and gets its lenses', async () => {
    await session.openFile('examples/torchtitan/llama3_8b.toml');
    await waitForLenses(session.page, { pattern: /^N / });
    const items = await readStatusItems(session.page);
    assert.ok(
      items.some((item) => /^TOML$|Select Language Mode.*TOML|^TOML,/i.test(item) || item === 'TOML'),
      JSON.stringify(items),
    );
    await screenshot(session.page, 'toml-language');
  });

  test('a file of an unsupported framework says so in the language status', async () => {
    // A Hugging Face Trainer script: the model comes from from_pretrained, not from the file.
    writeFileSync(
      session.path('examples/hf_train.py'),
      'from transformers import Trainer, TrainingArguments\nargs = TrainingArguments(output_dir="out", num_train_epochs=3)\n',
    );
    await session.openFile('examples/hf_train.py');
    const text = await readLanguageStatus(session.page, /Unsupported/);
    assert.match(text, /Unsupported: Hugging Face Trainer/);
    await screenshot(session.page, 'status-unsupported-framework');
  });

  test('compute-optimal quick fix rewrites max_iters, updates the lens, and undo restores the bytes', async () => {
    const file = session.path(NANOGPT);
    const original = readFileSync(file, 'utf8');
    await session.openFile(NANOGPT);
    const before = summaryLens(await waitForLenses(session.page, { pattern: /^N / }));
    await clickToken(session.page, 'max_iters');
    const offered = await triggerQuickFix(session.page, /compute-optimal/);
    assert.ok(
      offered.some((t) => /max_iters = \d+ steps/.test(t)),
      JSON.stringify(offered),
    );
    const edited = await savedText(session.page, file, (t) => t !== original);
    assert.notEqual(edited, original);
    const newIters = /^max_iters = (\d+)$/m.exec(edited)?.[1];
    assert.ok(newIters && newIters !== '60000', 'max_iters was rewritten in place');
    // lr_decay_iters was equal to max_iters, so the LR schedule follows; everything else is untouched.
    assert.equal(/^lr_decay_iters = (\d+)$/m.exec(edited)?.[1], newIters);
    assert.equal(
      edited
        .replace(/^max_iters = \d+$/m, 'max_iters = 60000')
        .replace(/^lr_decay_iters = \d+$/m, 'lr_decay_iters = 60000'),
      original,
    );
    const expected = cliAnalyze(file);
    const updated = summaryLens(
      await waitForLenses(session.page, { pattern: new RegExp(`D ${formatCount(expected.tokens!)} `) }),
    );
    assert.notEqual(updated, before);
    await screenshot(session.page, 'nanogpt-after-quick-fix');
    await undo(session.page);
    assert.equal(await savedText(session.page, file, (t) => t === original), original);
    await waitForLenses(session.page, { pattern: /D 29\.5B / });
  });

  test('typing a new depth updates N live', async () => {
    const file = session.path(NANOGPT);
    const original = readFileSync(file, 'utf8');
    await session.openFile(NANOGPT);
    await waitForLenses(session.page, { pattern: /^N 124M$/ });
    // Select the value 12 at the end of the n_layer line and type 24 over it (one undoable edit).
    const page = session.page;
    await clickToken(page, 'n_layer = 12');
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.type('24');
    await save(page);
    const expected = cliAnalyze(file);
    const lenses = await waitForLenses(page, { pattern: nPattern(expected.params!.total) });
    await screenshot(page, 'nanogpt-n_layer-24');
    assert.match(summaryLens(lenses), nPattern(expected.params!.total));
    await undo(page);
    assert.equal(await savedText(page, file, (t) => t === original), original);
  });

  test('a MaxText config says D needs the device count until scalingLens.missing.gpus supplies it', async () => {
    const relative = 'examples/maxtext/llama2-1b-v5e-64.yml';
    const page = session.page;
    await session.openFile(relative);
    const lenses = await waitForLenses(page, { pattern: /D unknown: needs device count/ });
    assert.match(summaryLens(lenses), nPattern(cliAnalyze(session.path(relative)).params!.total));
    // The quick-fix menu on the duration key offers to set the assumed device count.
    await clickToken(page, 'steps:');
    const offered = await listQuickFixes(page);
    assert.ok(
      offered.some((t) => /GPU count/.test(t)),
      JSON.stringify(offered),
    );
    const expected = cliAnalyze(session.path(relative), '--gpus', '64');
    assert.ok(expected.tokens);
    await session.updateUserSettings({ 'scalingLens.missing.gpus': 64 });
    await session.openFile(relative);
    try {
      const completed = await waitForLenses(page, {
        pattern: new RegExp(`^D ${formatCount(expected.tokens).replace('.', '\\.')} `),
      });
      await screenshot(page, 'maxtext-with-missing-gpus-setting');
      assert.ok(summaryLens(completed).includes(`${formatScientific(expected.flops!)} FLOPs`));
    } finally {
      await session.updateUserSettings({ 'scalingLens.missing.gpus': undefined });
    }
    await session.openFile(relative);
    await waitForLenses(page, { pattern: /D unknown: needs device count/ });
  });

  test('Select Scaling Law… switches the law and the lens re-predicts the loss', async () => {
    const page = session.page;
    await session.openFile(NANOGPT);
    await waitForLenses(page, { pattern: /^loss .*epoch2024/ });
    const expected = cliAnalyze(session.path(NANOGPT), '--law', 'hoffmann2022');
    assert.ok(expected.loss);
    await chooseLaw('hoffmann2022');
    try {
      const lenses = await waitForLenses(page, { pattern: /^loss .*hoffmann2022/ });
      await screenshot(page, 'nanogpt-law-hoffmann2022');
      assert.ok(summaryLens(lenses).includes(`loss ${formatLoss(expected.loss.value)}`), summaryLens(lenses));
    } finally {
      await chooseLaw('epoch2024');
    }
    await waitForLenses(page, { pattern: /^loss .*epoch2024/ });
  });

  test('every example framework gets a summary lens matching the CLI', async () => {
    const failures: string[] = [];
    for (const relative of EXAMPLES) {
      const expected = cliAnalyze(session.path(relative));
      if (!expected.params) {
        failures.push(
          `${relative}: the CLI finds no parameter count (${expected.framework ?? 'not a run config'})`,
        );
        continue;
      }
      await session.openFile(relative);
      try {
        const lenses = await waitForLenses(session.page, {
          pattern: nPattern(expected.params.total),
          timeoutMs: 20_000,
        });
        if (expected.tokens !== null) {
          const summary = summaryLens(lenses);
          if (!summary.includes(`D ${formatCount(expected.tokens)}`))
            failures.push(`${relative}: ${summary}`);
        }
      } catch (error) {
        failures.push(`${relative}: ${(error as Error).message}`);
      }
      await screenshot(session.page, `example-${relative.split('/')[1]}`);
    }
    assert.deepEqual(failures, []);
  });

  test(
    'real OLMo and Pythia configs show their exact parameter counts',
    { skip: HAS_SHARED ? false : 'no ../shared' },
    async () => {
      const manifest = JSON.parse(readFileSync(join(SHARED_DIR, 'configs', 'manifest.json'), 'utf8')) as {
        file: string;
        params_total: number;
      }[];
      const cases = [
        { relative: 'shared/OLMo-1B.yaml', file: 'olmo/OLMo-1B.yaml', hoverKey: 'n_layers' },
        {
          relative: 'shared/pythia-160m.yml',
          file: 'gpt-neox_pythia/pythia-160m.yml',
          hoverKey: 'num-layers',
        },
      ];
      for (const c of cases) {
        const truth = manifest.find((e) => e.file === c.file);
        assert.ok(truth, `${c.file} in manifest`);
        await session.openFile(c.relative);
        const lenses = await waitForLenses(session.page, { pattern: nPattern(truth.params_total) });
        assert.match(summaryLens(lenses), nPattern(truth.params_total));
        const text = await hover(session.page, c.hoverKey, new RegExp(`${c.hoverKey}`));
        await screenshot(session.page, `shared-${c.relative.split('/')[1]}-hover`);
        await dismissHover(session.page);
        assert.match(text, /params per layer/);
      }
    },
  );

  test('commands are in the palette under the Scaling Lens category', async () => {
    const titles = await listCommands(session.page, 'Scaling Lens:');
    for (const title of [
      'Scaling Lens: Show Scaling Curves',
      'Scaling Lens: Select Scaling Law…',
      'Scaling Lens: Fit Scaling Law from Runs…',
      'Scaling Lens: Plan Compute-Optimal Run…',
    ]) {
      assert.ok(titles.includes(title), `${title} in ${JSON.stringify(titles)}`);
    }
  });

  test('Show Scaling Curves opens the curves panel for the active config', async () => {
    await session.openFile(NANOGPT);
    await waitForLenses(session.page, { pattern: /^N / });
    await runCommand(session.page, 'Scaling Lens: Show Scaling Curves');
    const frame = await findWebviewFrame(session.page, 'canvas');
    assert.ok((await frame.locator('canvas').count()) > 0, 'the panel draws charts');
    // The panel describes the same config: its N appears in the panel's text.
    const expected = cliAnalyze(session.path(NANOGPT));
    const deadline = Date.now() + 15_000;
    let body = '';
    while (Date.now() < deadline) {
      body = await frame.locator('body').innerText();
      if (body.includes(formatCount(expected.params!.total))) break;
      await session.page.waitForTimeout(300);
    }
    await screenshot(session.page, 'curves-panel');
    assert.ok(body.includes(formatCount(expected.params!.total)), body.slice(0, 500));
  });
});
