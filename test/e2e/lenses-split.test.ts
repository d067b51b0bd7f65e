/**
 * End-to-end (issue #16): the lenses split by topic in a real VS Code (code-server + Chromium) —
 * short titles, each with a tooltip stating its assumptions; the HF config.json training-tokens
 * quick fix (input box → stored per file → the lenses show D); Export Report writes Markdown and
 * JSON next to the config; at 1280×800 with the explorer and the curves panel open, no lens line of
 * any example runs past the editor (measured in pixels, logged with the room it had). Patterned on
 * editor.test.ts; screenshots in test-artifacts/e2e/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatCount, formatScientific } from '../../src/core/format';
import { REPO_ROOT } from '../helpers';
import {
  clickToken,
  dismissHover,
  hover,
  E2E_REQUIRED,
  e2eUnavailableReasonSync,
  editor,
  fillQuickInput,
  runCommand,
  screenshot,
  startSession,
  triggerQuickFix,
  waitForLenses,
  type Session,
} from './harness';

interface CliResult {
  params: { total: number; active: number } | null;
  tokens: number | null;
  flops: number | null;
  loss: { value: number; law: string } | null;
}

function cliAnalyze(path: string): CliResult {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  const result = spawnSync(process.execPath, [cli, 'analyze', path, '--json'], { encoding: 'utf8' });
  assert.ok(result.stdout.trim(), `CLI printed nothing for ${path}: ${result.stderr}`);
  return JSON.parse(result.stdout) as CliResult;
}

/** Every rendered lens anchor's text and its tooltip (VS Code puts Command.tooltip in `title`). */
async function lensTooltips(session: Session): Promise<{ text: string; tooltip: string | null }[]> {
  return editor(session.page)
    .locator('.codelens-decoration a')
    .evaluateAll((nodes) =>
      nodes.map((n) => ({
        text: (n.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
        tooltip: n.getAttribute('title'),
      })),
    );
}

/**
 * Every lens line of the active editor, scrolled through top to bottom: its text (lenses joined by
 * VS Code's " | "), where its text ends and how much room the editor shows for it (up to the
 * minimap or vertical scrollbar), in CSS pixels from the start of the lens.
 */
async function lensLineExtents(
  session: Session,
): Promise<{ text: string; chars: number; px: number; roomPx: number }[]> {
  const page = session.page;
  const seen = new Map<string, { text: string; chars: number; px: number; roomPx: number }>();
  // Quick Open left the focus in the editor (a click could land on a lens).
  await page.keyboard.press('Control+Home');
  for (let screen = 0; screen < 40; screen++) {
    await page.waitForTimeout(300);
    const found = await editor(page).evaluate((root) => {
      const scrollable = root.querySelector('.editor-scrollable') as HTMLElement | null;
      if (!scrollable) return { lines: [], atEnd: true };
      let right = scrollable.getBoundingClientRect().right;
      for (const selector of ['.minimap', '.editor-scrollable > .scrollbar.vertical']) {
        const el = root.querySelector(selector) as HTMLElement | null;
        const r = el?.getBoundingClientRect();
        if (r && r.width > 0) right = Math.min(right, r.left);
      }
      const lines = Array.from(root.querySelectorAll('.codelens-decoration'))
        .map((d) => d as HTMLElement)
        .filter((d) => d.getBoundingClientRect().height > 0)
        .map((d) => {
          const children = Array.from(d.children) as HTMLElement[];
          const left = d.getBoundingClientRect().left;
          const end = Math.max(...children.map((c) => c.getBoundingClientRect().right));
          const text = (d.textContent ?? '').replace(/\u00a0/g, ' ').trim();
          return { text, chars: text.length, px: Math.ceil(end - left), roomPx: Math.floor(right - left) };
        });
      const bar = root.querySelector(
        '.editor-scrollable > .scrollbar.vertical .slider',
      ) as HTMLElement | null;
      const track = root.querySelector('.editor-scrollable > .scrollbar.vertical') as HTMLElement | null;
      const atEnd =
        !bar ||
        !track ||
        bar.getBoundingClientRect().bottom >= track.getBoundingClientRect().bottom - 1 ||
        bar.getBoundingClientRect().height === 0;
      return { lines, atEnd };
    });
    for (const line of found.lines) seen.set(line.text, line);
    if (found.atEnd) break;
    await page.keyboard.press('PageDown');
  }
  await page.keyboard.press('Control+Home');
  return [...seen.values()];
}

/**
 * The LR and batch lenses (src/server/hyperparameterLenses.ts, issue #14): kept at their keys and
 * titled there; the layout tests here measure them separately.
 */
const isHyperparameterLens = (title: string) => /^(lr|batch) \S/.test(title);

/** Lines of only LR/batch lenses that the 1280-pixel test found cut off. */
const hyperparameterLinesClipped: string[] = [];

const NANOGPT = 'examples/nanogpt/train_gpt2_124m.py';
const HF = 'examples/hf/smollm-135m/config.json';

/** Examples whose lens lines the 1280-pixel layout test measures (every framework folder). */
const LAYOUT_EXAMPLES = [
  NANOGPT,
  'examples/megatron/pretrain_gpt_1.3b.sh',
  'examples/maxtext/llama2-1b-v5e-64.yml',
  'examples/torchtitan/llama3_8b.toml',
  'examples/olmo/OLMo-1B-60B.yaml',
  'examples/llm-foundry/mpt-125m.yaml',
  'examples/gpt-neox/neox-410m.yml',
  'examples/levanter/gpt2_medium_openwebtext.yaml',
  'examples/litgpt/pretrain-pythia-160m.yaml',
  HF,
];

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const unavailable = e2eUnavailableReasonSync();
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

describe('Split lenses, training tokens and Export Report in a real VS Code', { skip }, () => {
  let session: Session;

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    session = await startSession({ copy: { examples: join(REPO_ROOT, 'examples') } });
  });

  after(async () => {
    await session?.stop();
  });

  test('nanoGPT: one short lens per topic, each with a tooltip stating its assumptions', async () => {
    const expected = cliAnalyze(session.path(NANOGPT));
    await session.openFile(NANOGPT);
    const lenses = await waitForLenses(session.page, { pattern: /FLOPs$/ });
    await waitForLenses(session.page, { pattern: /^60,000 steps × 491,520 tok/ });
    await screenshot(session.page, 'lenses-split-nanogpt');
    assert.ok(lenses.includes(`N ${formatCount(expected.params!.total)}`), JSON.stringify(lenses));
    assert.ok(lenses.includes(`${formatScientific(expected.flops!)} FLOPs`), JSON.stringify(lenses));
    assert.ok(
      lenses.some((t) => t.startsWith(`D ${formatCount(expected.tokens!)} (`)),
      JSON.stringify(lenses),
    );
    assert.ok(
      lenses.some((t) => t.startsWith(`loss ${expected.loss!.value.toFixed(3)}`)),
      JSON.stringify(lenses),
    );
    for (const title of lenses.filter((t) => !isHyperparameterLens(t)))
      assert.ok(title.length <= 48, `short: ${title}`);
    const tips = await waitFor('lens tooltips', async () => {
      const all = await lensTooltips(session);
      return all.length >= 5 && all.every((t) => t.tooltip) ? all : undefined;
    });
    const cost = tips.find((t) => /-h ≈ \$/.test(t.text))!;
    assert.match(cost.tooltip!, /MFU 40% — from the default \(setting scalingLens\.hardware\.mfu, 40%\)/);
    assert.match(cost.tooltip!, /GPUs 8 — from the file: launcher `--nproc_per_node=8/);
    assert.match(cost.tooltip!, /\$\/GPU-hour \$2\.00 — from the hardware table's price for H100/);
    assert.match(cost.tooltip!, /accelerator H100 — from the default/);
  });

  test('next to the curves panel no lens is cut off; every lens line is at most 80 columns', async () => {
    await session.openFile(NANOGPT);
    await waitForLenses(session.page, { pattern: /FLOPs$/ });
    await runCommand(session.page, 'Scaling Lens: Show Scaling Curves');
    // The explorer closed, the editor beside the panel is ~71 columns at 1400 px (measured below).
    await runCommand(session.page, 'View: Close Primary Side Bar');
    await session.page.waitForTimeout(2000);
    await screenshot(session.page, 'lenses-split-with-panel');
    // Widths in code columns (monospace): the editor's, and the widest rendered lens line.
    const { columns, widestLens } = await editor(session.page).evaluate((root) => {
      const line = Array.from(root.querySelectorAll('.view-line span')).find(
        (s) => (s.textContent ?? '').length > 40,
      ) as HTMLElement | undefined;
      const lines = root.querySelector('.lines-content')?.parentElement?.getBoundingClientRect();
      if (!line || !lines) return { columns: 0, widestLens: Infinity };
      const charWidth = line.getBoundingClientRect().width / (line.textContent ?? '').length;
      const lensWidths = Array.from(root.querySelectorAll('.codelens-decoration'))
        .map((d) => (d as HTMLElement).scrollWidth)
        .filter((w) => w > 0);
      return {
        columns: Math.floor(lines.width / charWidth),
        widestLens: Math.ceil(Math.max(...lensWidths) / charWidth),
      };
    });
    console.log(`# editor beside the panel: ${columns} columns; widest lens line ${widestLens} columns`);
    assert.ok(widestLens <= 80, `widest lens line is ${widestLens} columns`);
    assert.ok(columns >= widestLens, `editor ${columns} columns, lens ${widestLens}`);
    // Every lens line fits its editor: no decoration is wider than the editor's content area.
    const overflow = await editor(session.page).evaluate((root) => {
      const width = (root.querySelector('.lines-content') as HTMLElement | null)?.getBoundingClientRect();
      const area = root.getBoundingClientRect();
      return Array.from(root.querySelectorAll('.codelens-decoration'))
        .map((d) => ({ el: d as HTMLElement, r: (d as HTMLElement).getBoundingClientRect() }))
        .filter(
          ({ el, r }) => r.width > 0 && (r.right > area.right + 1 || el.scrollWidth > el.clientWidth + 1),
        )
        .map(
          ({ el, r }) =>
            `${el.textContent} (right ${Math.round(r.right)} of ${Math.round(area.right)}, ${width?.width})`,
        );
    });
    assert.deepEqual(overflow, []);
  });

  test('1280×800 with the explorer open and the panel beside: no lens of any example is cut off', async () => {
    const page = session.page;
    await page.setViewportSize({ width: 1280, height: 800 });
    try {
      await session.openFile(NANOGPT);
      await waitForLenses(page, { pattern: /FLOPs$/ });
      await runCommand(page, 'Scaling Lens: Show Scaling Curves');
      await runCommand(page, 'View: Show Explorer');
      await session.openFile(NANOGPT);
      await page.waitForTimeout(1500);
      const clipped: string[] = [];
      let widest = { text: '', chars: 0, px: 0, roomPx: 0 };
      hyperparameterLinesClipped.length = 0;
      for (const relative of LAYOUT_EXAMPLES) {
        await session.openFile(relative);
        await waitForLenses(page, { pattern: /^N / });
        await page.waitForTimeout(800);
        const lines = await lensLineExtents(session);
        if (relative === NANOGPT) await screenshot(page, 'lenses-1280-sidebar-panel-nanogpt');
        for (const line of lines) {
          console.log(`# ${relative}: ${line.px}/${line.roomPx} px ${line.text}`);
          if (line.px <= line.roomPx) continue;
          const entry = `${relative}: "${line.text}" (${line.px} px of ${line.roomPx})`;
          // A line of only an LR or batch lens: measured here, asserted in the next test.
          if (line.text.split(' | ').every(isHyperparameterLens)) hyperparameterLinesClipped.push(entry);
          else clipped.push(entry);
        }
        for (const line of lines.filter((l) => !l.text.split(' | ').every(isHyperparameterLens)))
          if (line.px > widest.px) widest = line;
      }
      console.log(
        `# 1280×800, explorer and panel open: widest lens line "${widest.text}" ${widest.chars} chars, ${widest.px} of ${widest.roomPx} px`,
      );
      assert.deepEqual(clipped, []);
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
  });

  test('the LR and batch lenses fit too at 1280×800 with the explorer and panel open', () => {
    // Measured by the test above (src/server/hyperparameterLenses.ts keeps these titles ≤ 52 characters).
    assert.deepEqual(hyperparameterLinesClipped, []);
  });

  test('HF config.json: the training-tokens quick fix asks for D, stores it per file, and the lenses show it', async () => {
    const page = session.page;
    const cli = cliAnalyze(session.path(HF));
    await session.openFile(HF);
    await waitForLenses(page, { pattern: /^D unknown: needs training length$/ });
    await screenshot(page, 'hf-tokens-before');
    // The light bulb needs the published diagnostic: retry the menu a few times while it arrives.
    for (let attempt = 0; ; attempt++) {
      await clickToken(page, 'model_type');
      const offered = await triggerQuickFix(page, /Set the training tokens for this file/).catch(
        (error: Error) => error,
      );
      if (!(offered instanceof Error)) break;
      if (attempt === 3) throw offered;
      await screenshot(page, `hf-tokens-no-quick-fix-${attempt}`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
    await fillQuickInput(page, '600B', /Training tokens for this config/);
    await screenshot(page, 'hf-tokens-input');
    await page.keyboard.press('Enter');
    const n = cli.params!.active;
    const lenses = await waitForLenses(page, { pattern: /^D 600B \(/ });
    await screenshot(page, 'hf-tokens-after');
    assert.ok(lenses.includes(`D 600B (${Math.round(600e9 / n)} tok/param)`), JSON.stringify(lenses));
    assert.ok(lenses.includes(`${formatScientific(6 * n * 600e9)} FLOPs`), JSON.stringify(lenses));
    const store = JSON.parse(readFileSync(session.path('.vscode/scaling-lens/tokens.json'), 'utf8'));
    assert.deepEqual(store, { version: 1, tokens: { [HF]: 600e9 } });
    const data = (await lensTooltips(session)).find((t) => t.text.startsWith('D 600B'));
    assert.match(data?.tooltip ?? '', /stored in \.vscode\/scaling-lens\/tokens\.json/);
    // Hovering the key shows where D came from (the diagnostic that carries the undo).
    const hovered = await hover(page, 'model_type', /tokens\.json/);
    await screenshot(page, 'hf-tokens-hover');
    await dismissHover(page);
    assert.match(hovered, /D = 600B tokens from \.vscode\/scaling-lens\/tokens\.json/);
    // Undo: removing the entry makes D unknown again.
    await runCommand(page, 'Scaling Lens: Clear Stored Training Tokens');
    await waitForLenses(page, { pattern: /^D unknown: needs training length$/ });
  });

  test('Export Report writes the analysis as Markdown and JSON next to the config', async () => {
    const page = session.page;
    const expected = cliAnalyze(session.path(NANOGPT));
    await session.openFile(NANOGPT);
    await waitForLenses(page, { pattern: /FLOPs$/ });
    await runCommand(page, 'Scaling Lens: Export Report');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Next to the config' }).first();
    await row.waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    const md = session.path('examples/nanogpt/train_gpt2_124m.scaling-report.md');
    const json = session.path('examples/nanogpt/train_gpt2_124m.scaling-report.json');
    await waitFor('the report files', () => (existsSync(md) && existsSync(json) ? true : undefined));
    await page.waitForTimeout(500);
    await screenshot(page, 'export-report');
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(report.tokens, expected.tokens);
    assert.equal(report.flops, expected.flops);
    assert.equal(report.loss.value, expected.loss!.value);
    const text = readFileSync(md, 'utf8');
    assert.ok(text.startsWith('# Scaling Lens report: train_gpt2_124m.py'));
    assert.ok(text.includes('## Cost assumptions'));
    // The charts as PNGs beside it (test/e2e/report-png.test.ts checks the files themselves).
    assert.match(text, /!\[Loss vs training tokens[^\]]*\]\(train_gpt2_124m\.scaling-report\/tokens\.png\)/);
  });
});
