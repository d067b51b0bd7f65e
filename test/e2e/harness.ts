/**
 * End-to-end harness: the packaged extension inside a real VS Code (code-server 4.100 = VS Code 1.100),
 * driven in headless Chromium through playwright-core. Everything is read from the rendered workbench
 * (lens decorations, hover widgets, status bar) or from disk, never from the extension's internals.
 *
 *   const session = await startSession({ files: { 'a.yaml': text } });
 *   await session.openFile('a.yaml');
 *   const lenses = await waitForLenses(session.page);
 *   await session.stop();
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers';

/** Chromium from the Debian package (never a downloaded browser). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots and failure logs go (gitignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts', 'e2e');

/** Chromium flags for a quiet, deterministic headless run as root in a container. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-features=Translate,MediaRouter',
];

/** Platform modifier for shortcuts (code-server in Chromium on Linux uses Control). */
const MOD = process.platform === 'darwin' ? 'Meta' : 'Control';

interface CodeServerModule {
  codeServerAvailable(): boolean;
  startCodeServer(options: {
    workspace?: string;
    vsix?: string | null;
    dir?: string;
    settings?: Record<string, unknown>;
    keepDir?: boolean;
    log?: (line: string) => void;
  }): Promise<{ url: string; baseUrl: string; dir: string; logs(): string; stop(): Promise<void> }>;
}

async function codeServerModule(): Promise<CodeServerModule> {
  return (await import(join(REPO_ROOT, 'scripts', 'code-server.mjs'))) as CodeServerModule;
}

/** Where scripts/install-code-server.mjs puts code-server (same default and env override). */
const CODE_SERVER_PACKAGE = join(
  resolve(process.env.CODE_SERVER_DIR ?? join(REPO_ROOT, '.cache', 'code-server')),
  'node_modules',
  'code-server',
);

/**
 * Why the end-to-end suite cannot run here, or null when it can. Synchronous so it can feed
 * `describe(..., { skip })`; checks the files are there (Chromium, code-server with its postinstall
 * done, playwright-core). Under CI (`CI=true`) a missing prerequisite must fail, not skip.
 */
export function e2eUnavailableReasonSync(): string | null {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM_PATH)) missing.push(`Chromium (${CHROMIUM_PATH}; apt-get install -y chromium)`);
  if (
    !existsSync(join(CODE_SERVER_PACKAGE, 'out', 'node', 'entry.js')) ||
    !existsSync(join(CODE_SERVER_PACKAGE, 'lib', 'vscode', 'node_modules'))
  ) {
    missing.push('code-server (node scripts/install-code-server.mjs)');
  }
  if (!existsSync(join(REPO_ROOT, 'node_modules', 'playwright-core', 'package.json'))) {
    missing.push('playwright-core (npm ci)');
  }
  return missing.length ? `end-to-end prerequisites missing: ${missing.join(', ')}` : null;
}

/** True when a missing prerequisite must fail the run instead of skipping it. */
export const E2E_REQUIRED = process.env.CI === 'true';

/**
 * Package the extension as CI would ship it. Uses the bundles in dist/ (scripts/test.mjs builds them
 * before running tests; a missing bundle triggers a build). Each test process writes its own .vsix so
 * parallel test files never race on one path. SCALING_LENS_VSIX overrides with a prebuilt package.
 */
export function packageExtension(outDir: string): string {
  if (process.env.SCALING_LENS_VSIX) return resolve(process.env.SCALING_LENS_VSIX);
  if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) {
    const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  }
  mkdirSync(outDir, { recursive: true });
  const vsix = join(outDir, 'scaling-lens.vsix');
  const vsce = join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const result = spawnSync(
    process.execPath,
    [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (result.status !== 0 || !existsSync(vsix)) {
    throw new Error(`vsce package failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return vsix;
}

/** Options for {@link startSession}. */
export interface SessionOptions {
  /** Files to write into the fresh workspace folder: relative path → contents. */
  files?: Record<string, string>;
  /** Folders or files to copy into the workspace: relative destination → absolute source. */
  copy?: Record<string, string>;
  /** User settings merged over the harness defaults. */
  settings?: Record<string, unknown>;
  /** Install this .vsix instead of packaging the repository (null = no extension). */
  vsix?: string | null;
  /** Browser viewport. */
  viewport?: { width: number; height: number };
}

/** A running code-server + Chromium with one workspace window open. */
export interface Session {
  page: Page;
  browser: Browser;
  /** Absolute path of the workspace folder. */
  workspace: string;
  /** URL of the workbench with the workspace open. */
  url: string;
  /** Open a workspace file (path relative to the workspace) in the editor and wait until it renders. */
  openFile(relativePath: string): Promise<void>;
  /** Absolute path of a workspace file. */
  path(relativePath: string): string;
  /**
   * Merge `patch` into the user settings (an `undefined` value removes the key) by editing
   * settings.json in the editor, as a user would: code-server does not watch that file on disk.
   */
  updateUserSettings(patch: Record<string, unknown>): Promise<void>;
  /** code-server's log output so far (for failure messages). */
  serverLogs(): string;
  /** Close the browser, stop code-server and remove the temporary folders. */
  stop(): Promise<void>;
}

/**
 * Start code-server with the packaged extension installed, open a fresh workspace folder in headless
 * Chromium and wait for the workbench to be ready.
 */
export async function startSession(options: SessionOptions = {}): Promise<Session> {
  const { chromium } = await import('playwright-core');
  const { startCodeServer } = await codeServerModule();
  const root = join(REPO_ROOT, '.cache', `e2e-${process.pid}-${Date.now().toString(36)}`);
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  for (const [relative, source] of Object.entries(options.copy ?? {})) {
    cpSync(source, join(workspace, relative), { recursive: true });
  }
  for (const [relative, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(workspace, relative)), { recursive: true });
    writeFileSync(join(workspace, relative), text);
  }

  const vsix = options.vsix === undefined ? packageExtension(root) : options.vsix;
  const server = await startCodeServer({
    workspace,
    vsix,
    dir: join(root, 'code-server'),
    settings: options.settings,
  });

  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1400, height: 900 },
      // Clipboard access lets tests read copied text if they need to.
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(server.url, { waitUntil: 'domcontentloaded' });
    await waitForWorkbench(page);
    const session: Session = {
      page,
      browser,
      workspace,
      url: server.url,
      path: (relative) => join(workspace, relative),
      openFile: (relative) => openFile(page, relative),
      serverLogs: () => server.logs(),
      updateUserSettings: (patch) =>
        updateUserSettings(page, join(server.dir, 'user-data', 'User', 'settings.json'), patch),
      stop: async () => {
        await browser?.close().catch(() => undefined);
        await server.stop();
        rmSync(root, { recursive: true, force: true });
      },
    };
    return session;
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await server.stop();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Edit the user settings through "Preferences: Open User Settings (JSON)": replace the document with
 * the merged JSON (pasted, so auto-closing quotes and brackets do not interfere), save, close it.
 */
export async function updateUserSettings(
  page: Page,
  settingsPath: string,
  patch: Record<string, unknown>,
): Promise<void> {
  // The paste into settings.json can race the editor's own load; one retry rewrites the whole file.
  try {
    await updateUserSettingsOnce(page, settingsPath, patch);
  } catch {
    await runCommand(page, 'View: Close Editor').catch(() => undefined);
    await updateUserSettingsOnce(page, settingsPath, patch);
  }
}

async function updateUserSettingsOnce(
  page: Page,
  settingsPath: string,
  patch: Record<string, unknown>,
): Promise<void> {
  const current = existsSync(settingsPath)
    ? (JSON.parse(readFileSync(settingsPath, 'utf8')) as Record<string, unknown>)
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete current[key];
    else current[key] = value;
  }
  const text = `${JSON.stringify(current, null, 2)}\n`;
  await runCommand(page, 'Preferences: Open User Settings (JSON)');
  await page.locator('.tab.active', { hasText: 'settings.json' }).first().waitFor({ state: 'visible' });
  const lines = editor(page).locator('.view-lines');
  await lines.waitFor({ state: 'visible' });
  await lines.click();
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await page.keyboard.press(`${MOD}+KeyA`);
  await page.keyboard.press(`${MOD}+KeyV`);
  await save(page);
  const deadline = Date.now() + 10_000;
  while (readFileSync(settingsPath, 'utf8') !== text) {
    if (Date.now() > deadline) throw new Error('settings.json was not saved with the new settings');
    await page.waitForTimeout(200);
  }
  await runCommand(page, 'View: Close Editor');
  await page
    .locator('.tab', { hasText: 'settings.json' })
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 });
}

/** Wait until the workbench shows the explorer of the opened folder (extensions are then starting). */
export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await page
    .locator('.explorer-folders-view, .explorer-viewlet')
    .first()
    .waitFor({ state: 'visible', timeout: 60_000 });
  await page
    .locator('.explorer-folders-view .monaco-list-row')
    .first()
    .waitFor({ state: 'visible', timeout: 60_000 });
  await dismissNotifications(page);
}

/** Close toasts (e.g. recommendations) that could cover the editor. */
export async function dismissNotifications(page: Page): Promise<void> {
  const toasts = page.locator(
    '.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close',
  );
  const count = await toasts.count();
  for (let index = count - 1; index >= 0; index -= 1) {
    await toasts
      .nth(index)
      .click({ timeout: 2000 })
      .catch(() => undefined);
  }
}

/** Open a workspace file through Quick Open (Ctrl+P), the way a user does, and wait for its editor. */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  try {
    await openFileOnce(page, relativePath);
  } catch (error) {
    await screenshot(page, `failure-open-${basename(relativePath)}`).catch(() => undefined);
    throw error;
  }
}

async function openFileOnce(page: Page, relativePath: string): Promise<void> {
  const name = basename(relativePath);
  await closeQuickInput(page);
  await page.keyboard.press(`${MOD}+KeyP`);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(relativePath);
  // The list updates asynchronously (recent files first, then the file search): wait until the
  // focused row is our file, in our folder, before pressing Enter.
  const folder = dirname(relativePath) === '.' ? '' : dirname(relativePath);
  const focused = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text =
      (await focused
        .first()
        .textContent({ timeout: 1000 })
        .catch(() => null)) ?? '';
    if (text.includes(name) && text.includes(folder)) break;
    if (Date.now() > deadline) throw new Error(`Quick Open did not offer ${relativePath}`);
    await page.waitForTimeout(200);
  }
  await page.keyboard.press('Enter');
  await page
    .locator(`.tab.active[aria-label^="${name}"], .tab.active:has-text("${name}")`)
    .first()
    .waitFor({ state: 'visible' });
  await editor(page).locator('.view-lines .view-line').first().waitFor({ state: 'visible' });
  await parkMouse(page);
}

/** Move the mouse to an empty part of the explorer so no tooltip or hover covers the editor. */
export async function parkMouse(page: Page): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1400, height: 900 };
  await page.mouse.move(150, viewport.height - 120);
}

/** The active text editor. */
export function editor(page: Page) {
  return page
    .locator(
      '.editor-group-container.active .monaco-editor[data-uri], .editor-group-container.active .monaco-editor',
    )
    .first();
}

/**
 * Wait until the active editor shows at least `minCount` code lenses whose text matches `pattern`
 * (if given), then return every lens title (see {@link readLenses} for the order).
 */
export async function waitForLenses(
  page: Page,
  options: { minCount?: number; pattern?: RegExp; timeoutMs?: number } = {},
): Promise<string[]> {
  const minCount = options.minCount ?? 1;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await readLenses(page);
    const matching = options.pattern ? last.filter((t) => options.pattern!.test(t)) : last;
    if (matching.length >= minCount) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(
    `timed out waiting for ${minCount} code lens(es)${options.pattern ? ` matching ${options.pattern}` : ''}; ` +
      `visible: ${JSON.stringify(last)}`,
  );
}

/**
 * The titles of the code lenses rendered in the active editor right now, one per lens command:
 * on-screen lenses top to bottom, then lenses Monaco keeps for off-screen lines.
 */
export async function readLenses(page: Page): Promise<string[]> {
  return editor(page)
    .locator('.codelens-decoration')
    .evaluateAll((decorations) => {
      // Monaco keeps lenses of lines scrolled out of view in the DOM but hidden (zero-size box):
      // list the visible ones top to bottom, then the hidden ones in DOM order.
      const rows = decorations
        .map((decoration, index) => {
          const rect = (decoration as HTMLElement).getBoundingClientRect();
          const visible = rect.width > 0 && rect.height > 0;
          return { key: visible ? rect.top : 1e9 + index, el: decoration };
        })
        .sort((a, b) => a.key - b.key);
      const titles: string[] = [];
      for (const { el } of rows) {
        // Each lens is an <a> (with a command) or a <span> (without); separators are spans of " | ".
        for (const child of Array.from(el.children)) {
          const text = (child.textContent ?? '').replace(/\u00a0/g, ' ').trim();
          if (text && text !== '|') titles.push(text);
        }
      }
      return titles;
    });
}

/** Screen coordinates of the first occurrence of `token` in the editor's rendered lines. */
export async function tokenPosition(
  page: Page,
  token: string,
  occurrence = 0,
): Promise<{ x: number; y: number }> {
  const position = await editor(page)
    .locator('.view-lines')
    .evaluate(
      (root, [needle, nth]) => {
        const lines = Array.from(root.querySelectorAll('.view-line')).sort(
          (a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top,
        );
        let seen = 0;
        for (const line of lines) {
          // Monaco renders spaces as non-breaking spaces.
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          const nodes: Text[] = [];
          let text = '';
          while (walker.nextNode()) {
            nodes.push(walker.currentNode as Text);
            text += (walker.currentNode as Text).data;
          }
          const normalized = text.replace(/\u00a0/g, ' ');
          let from = normalized.indexOf(needle as string);
          while (from >= 0) {
            if (seen === nth) {
              // Map the character offset back to the text node that holds the token's middle.
              const middle = from + Math.floor((needle as string).length / 2);
              let offset = 0;
              for (const node of nodes) {
                if (middle < offset + node.data.length) {
                  const range = document.createRange();
                  range.setStart(node, middle - offset);
                  range.setEnd(node, middle - offset + 1);
                  const rect = range.getBoundingClientRect();
                  return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
                }
                offset += node.data.length;
              }
            }
            seen += 1;
            from = normalized.indexOf(needle as string, from + 1);
          }
        }
        return null;
      },
      [token, occurrence] as const,
    );
  if (!position) throw new Error(`"${token}" is not visible in the editor`);
  return position;
}

/** Put the caret inside the first visible occurrence of `token`. */
export async function clickToken(page: Page, token: string, occurrence = 0): Promise<void> {
  const { x, y } = await tokenPosition(page, token, occurrence);
  await page.mouse.click(x, y);
}

/**
 * Hover the mouse over `token` in the editor and return the text of the hover widget once it shows
 * content matching `expect` (default: anything).
 */
export async function hover(page: Page, token: string, expect?: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastText = '';
  while (Date.now() < deadline) {
    const { x, y } = await tokenPosition(page, token);
    // Move off and back so Monaco's hover controller starts a fresh request each attempt.
    await page.mouse.move(x, y + 200);
    await page.mouse.move(x - 1, y);
    await page.mouse.move(x, y, { steps: 2 });
    const widget = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').first();
    try {
      await widget.waitFor({ state: 'visible', timeout: 5000 });
      // Content may arrive in parts (loading → markdown); give it a moment to settle.
      await page.waitForTimeout(300);
      lastText = (await widget.innerText()).trim();
      if (!expect || expect.test(lastText)) return lastText;
      // A diagnostic and a provider hover can come as separate parts in either order: look at all.
      const parts = await page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').allInnerTexts();
      const joined = parts.map((t) => t.trim()).join('\n\n');
      if (expect.test(joined)) return joined;
      lastText = joined;
    } catch {
      // no hover yet; retry
    }
    await page.waitForTimeout(500);
  }
  throw new Error(
    `no hover${expect ? ` matching ${expect}` : ''} over "${token}"; last: ${JSON.stringify(lastText)}`,
  );
}

/** Close any hover/widget with Escape and park the mouse away from the text. */
export async function dismissHover(page: Page): Promise<void> {
  await parkMouse(page);
  await page.keyboard.press('Escape');
}

/** Run a command by its palette title (F1), e.g. "Scaling Lens: Show Scaling Curves". */
export async function runCommand(page: Page, title: string): Promise<void> {
  // Right after another quick pick closes, the palette can open with the filter not applied (the
  // whole list, the wanted row virtualized away); close it and open it again rather than fail.
  // A keypress can also be lost while a just-opened editor takes focus: then try the other binding.
  for (let attempt = 1; ; attempt += 1) {
    await page.keyboard.press(attempt % 2 === 1 ? 'F1' : 'Control+Shift+P');
    const input = page.locator('.quick-input-widget input');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 5_000 : 15_000 });
      await input.fill(`>${title}`);
      await row.waitFor({ state: 'visible', timeout: attempt < 3 ? 7_000 : 15_000 });
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      await page.keyboard.press('Escape');
      await page
        .locator('.quick-input-widget')
        .waitFor({ state: 'hidden', timeout: 5_000 })
        .catch(() => {});
    }
  }
  // Choose with the keyboard (the mouse stays put, so no stray tooltip shows up in screenshots):
  // the best match is focused first; walk down to the exact title if a looser match is on top.
  const rows = await page
    .locator('.quick-input-list .monaco-list-row .label-name')
    .evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
  const index = rows.findIndex((label) => label === title);
  for (let step = 0; step < Math.max(index, 0); step += 1) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
}

/** The command palette entries matching `filter` (titles as shown), then closes the palette. */
export async function listCommands(page: Page, filter: string): Promise<string[]> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${filter}`);
  // Contributed commands are registered once the extension host has scanned the extensions, which can
  // be a few seconds after the workbench appears: poll until the list settles on real entries.
  const deadline = Date.now() + 15_000;
  let labels: string[] = [];
  let previous = '';
  while (Date.now() < deadline) {
    await page.waitForTimeout(500);
    labels = await page
      .locator('.quick-input-list .monaco-list-row .label-name')
      .evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
    const key = JSON.stringify(labels);
    if (labels.length > 0 && !labels.includes('No matching commands') && key === previous) break;
    previous = key;
    // Retype so the palette re-queries the command registry.
    if (labels.includes('No matching commands')) await input.fill(`>${filter}`);
  }
  await closeQuickInput(page);
  return labels.filter((label) => label !== 'No matching commands');
}

/** Close the quick input (palette / quick open) if it is showing. */
export async function closeQuickInput(page: Page): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  if (await widget.isVisible().catch(() => false)) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
  }
}

/** Texts (aria-labels when present) of all status bar entries. */
export async function readStatusItems(page: Page): Promise<string[]> {
  return page.locator('#workbench\\.parts\\.statusbar .statusbar-item').evaluateAll((items) =>
    items
      .map((item) => {
        const anchor = item.querySelector('a, .statusbar-item-label');
        return (
          anchor?.getAttribute('aria-label') ||
          item.getAttribute('aria-label') ||
          item.textContent ||
          ''
        ).trim();
      })
      .filter(Boolean),
  );
}

/**
 * Open the language status hover (the `{}` entry next to the language mode) and return its text,
 * which lists every language status item for the active editor (ours included).
 */
export async function readLanguageStatus(page: Page, expect?: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    const entry = page
      .locator('#status\\.languageStatus, .statusbar-item[id="status.languageStatus"]')
      .first();
    if (await entry.isVisible().catch(() => false)) {
      await entry.locator('a').first().click();
      const widget = page
        .locator('.monaco-hover:not(.hidden) .hover-language-status, .monaco-hover:not(.hidden)')
        .first();
      await widget.waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
      text = (await widget.innerText().catch(() => '')).trim();
      await page.keyboard.press('Escape');
      if (text && (!expect || expect.test(text))) return text;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(
    `language status${expect ? ` matching ${expect}` : ''} not shown; last: ${JSON.stringify(text)}`,
  );
}

/**
 * Open the quick-fix menu (Ctrl+.) at the caret and choose the first action whose title matches.
 * Returns every title that was offered.
 */
export async function triggerQuickFix(page: Page, title: RegExp): Promise<string[]> {
  await page.keyboard.press(`${MOD}+Period`);
  const rows = page.locator('.action-widget .monaco-list-row.action');
  await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
  const titles = (await rows.evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()))).filter(
    Boolean,
  );
  if (!titles.some((t) => title.test(t))) {
    await page.keyboard.press('Escape');
    throw new Error(`no quick fix matching ${title}; offered: ${JSON.stringify(titles)}`);
  }
  // A pointer-blocking overlay covers the menu, so choose with the keyboard like a user: move the focus
  // down to the wanted action (group headers are not focusable), then Enter.
  for (let step = 0; step <= titles.length; step += 1) {
    const focused =
      (await page.locator('.action-widget .monaco-list-row.action.focused').first().textContent()) ?? '';
    if (title.test(focused.trim())) break;
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  await page
    .locator('.action-widget')
    .first()
    .waitFor({ state: 'hidden', timeout: 5000 })
    .catch(() => undefined);
  return titles;
}

/** The titles the quick-fix menu (Ctrl+.) offers at the caret; closes the menu without applying. */
export async function listQuickFixes(page: Page): Promise<string[]> {
  await page.keyboard.press(`${MOD}+Period`);
  const rows = page.locator('.action-widget .monaco-list-row.action');
  await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
  const titles = (await rows.evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()))).filter(
    Boolean,
  );
  await page.keyboard.press('Escape');
  await page
    .locator('.action-widget')
    .first()
    .waitFor({ state: 'hidden', timeout: 5000 })
    .catch(() => undefined);
  return titles;
}

/** Undo in the active editor (Ctrl+Z). */
export async function undo(page: Page): Promise<void> {
  await page.keyboard.press(`${MOD}+KeyZ`);
}

/** Save the active editor (Ctrl+S) and wait until its tab no longer shows unsaved changes. */
export async function save(page: Page): Promise<void> {
  await page.keyboard.press(`${MOD}+KeyS`);
  await page
    .locator('.tab.active.dirty')
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
  await page.waitForTimeout(300);
}

/**
 * The text the active editor holds, read from disk after saving it (exact bytes, unlike the DOM).
 * With `until`, save and read again until it holds (or `timeoutMs` passes; the last text is returned
 * for the caller's assertion): a quick fix or an undo is applied asynchronously after its key press,
 * so a loaded machine can save the text from before it.
 */
export async function savedText(
  page: Page,
  absolutePath: string,
  until?: (text: string) => boolean,
  timeoutMs = 15_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await save(page);
    const text = readFileSync(absolutePath, 'utf8');
    if (!until || until(text) || Date.now() > deadline) return text;
    await page.waitForTimeout(250);
  }
}

/** The rendered text of the visible editor lines (top to bottom), for quick checks without saving. */
export async function visibleText(page: Page): Promise<string> {
  return editor(page)
    .locator('.view-lines')
    .evaluate((root) =>
      Array.from(root.querySelectorAll('.view-line'))
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' '))
        .join('\n'),
    );
}

/** Save a screenshot of the page to test-artifacts/e2e/<name>.png and return its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = join(ARTIFACTS_DIR, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Every frame whose document contains `selector` (webviews are nested iframes). */
export async function findWebviewFrame(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const found = await frame
        .locator(selector)
        .count()
        .catch(() => 0);
      if (found > 0) return frame;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`no webview frame contains ${selector}`);
}

/** Text of the Output panel after selecting `channel` (e.g. "Scaling Lens"). */
export async function readOutputChannel(page: Page, channel: string): Promise<string> {
  await runCommand(page, 'Output: Show Output Channels...');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(channel);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: channel }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
  const view = page.locator('.panel .monaco-editor .view-lines').first();
  await view.waitFor({ state: 'visible' });
  await page.waitForTimeout(500);
  return view.evaluate((root) =>
    Array.from(root.querySelectorAll('.view-line'))
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' '))
      .join('\n'),
  );
}

/**
 * Wait for VS Code's modal dialog (showInformationMessage/showWarningMessage with `modal: true`),
 * click the button labelled `label` and return the dialog's text (message and detail).
 */
export async function clickDialogButton(
  page: Page,
  label: string | RegExp,
  timeoutMs = 60_000,
): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box').first();
  await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
  const text = (await dialog.innerText()).trim();
  const matcher = typeof label === 'string' ? new RegExp(`^${escapeRegExp(label)}$`) : label;
  const buttons = dialog.locator('.monaco-button');
  const labels = await buttons.evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
  const index = labels.findIndex((l) => matcher.test(l));
  if (index < 0)
    throw new Error(`no dialog button ${matcher} among ${JSON.stringify(labels)}; dialog: ${text}`);
  await buttons.nth(index).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  return text;
}

/**
 * The notification whose message matches `message`: a toast, or (once the toast has timed out) the
 * entry in the notification center, which this then opens.
 */
export async function waitForNotification(page: Page, message: RegExp, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const lists = [
    page.locator('.notifications-toasts .notification-list-item'),
    page.locator('.notifications-center .notification-list-item'),
  ];
  let seen: string[] = [];
  let centerOpened = false;
  const startedAt = Date.now();
  while (Date.now() < deadline) {
    seen = [];
    for (const items of lists) {
      const texts = await items.evaluateAll((nodes) =>
        nodes.map((n) => {
          const visible = (n as HTMLElement).getBoundingClientRect().height > 0;
          const text = (n.querySelector('.notification-list-item-message')?.textContent ?? '').trim();
          return visible ? text : '';
        }),
      );
      seen.push(...texts.filter(Boolean));
      const index = texts.findIndex((t) => t && message.test(t));
      if (index >= 0) return items.nth(index);
    }
    // Info toasts hide after a while; the notification center keeps them.
    if (!centerOpened && Date.now() - startedAt > 3000) {
      centerOpened = true;
      await runCommand(page, 'Notifications: Show Notifications');
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no notification matching ${message}; showing: ${JSON.stringify(seen)}`);
}

/** Click a button (e.g. "Use this law", "Cancel") on the notification whose message matches `message`. */
export async function clickNotificationButton(
  page: Page,
  message: RegExp,
  button: string,
  timeoutMs = 60_000,
): Promise<void> {
  const item = await waitForNotification(page, message, timeoutMs);
  // Hovering the toast keeps it from hiding while we click.
  await item.hover();
  await item
    .locator('.notification-list-item-buttons-container .monaco-button', { hasText: button })
    .first()
    .click({ timeout: 10_000 });
  await parkMouse(page);
}

/** Hide the notification center if it is open (toasts are left alone). */
export async function hideNotificationCenter(page: Page): Promise<void> {
  if (
    await page
      .locator('.notifications-center.visible')
      .isVisible()
      .catch(() => false)
  ) {
    await runCommand(page, 'Notifications: Hide Notifications');
  }
}

/** Click the code lens whose title matches `title` in the active editor. */
export async function clickLens(page: Page, title: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let texts: string[] = [];
  // Lenses are re-rendered when the provider refreshes: look the anchor up again until one is there.
  while (Date.now() < deadline) {
    const anchors = editor(page).locator('.codelens-decoration a');
    texts = await anchors.evaluateAll((nodes) =>
      nodes.map((n) => (n.textContent ?? '').replace(/\u00a0/g, ' ').trim()),
    );
    const index = texts.findIndex((t) => title.test(t));
    if (index >= 0) {
      const clicked = await anchors
        .nth(index)
        .click({ timeout: 2000 })
        .then(
          () => true,
          () => false,
        );
      if (clicked) {
        await parkMouse(page);
        return;
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no clickable lens matching ${title}; lenses: ${JSON.stringify(texts)}`);
}

/** Type into the open quick input (input box or quick pick), replacing what it holds. */
export async function fillQuickInput(page: Page, text: string, title?: RegExp): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible' });
  if (title) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const shown =
        (await widget
          .locator('.quick-input-title')
          .textContent()
          .catch(() => '')) ?? '';
      if (title.test(shown)) break;
      if (Date.now() > deadline) throw new Error(`quick input titled ${title} not shown (title: ${shown})`);
      await page.waitForTimeout(200);
    }
  }
  await widget.locator('input').first().fill(text);
}

/** The value the open quick input holds. */
export async function quickInputValue(page: Page): Promise<string> {
  return page.locator('.quick-input-widget input').first().inputValue();
}

/** The validation (or prompt) message the quick input shows under its box, once it matches `expect`. */
export async function quickInputMessage(page: Page, expect: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (
      (await page
        .locator('.quick-input-widget .quick-input-message')
        .first()
        .textContent()
        .catch(() => '')) ?? ''
    ).trim();
    if (expect.test(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`quick input message matching ${expect} not shown; last: ${JSON.stringify(text)}`);
}

/**
 * The whole text of the active editor, copied through the clipboard (works for untitled documents
 * and for lines scrolled out of view, unlike the rendered DOM).
 */
export async function activeEditorText(page: Page): Promise<string> {
  const lines = editor(page).locator('.view-lines');
  await lines.waitFor({ state: 'visible' });
  await lines.click({ position: { x: 5, y: 5 } });
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await page.keyboard.press(`${MOD}+KeyA`);
  await page.keyboard.press(`${MOD}+KeyC`);
  await page.keyboard.press('ArrowUp');
  await parkMouse(page);
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Close every editor, discarding unsaved untitled documents (reports the commands opened). */
export async function closeAllEditors(page: Page): Promise<void> {
  await closeQuickInput(page);
  await runCommand(page, 'View: Close All Editors');
  const dialog = page.locator('.monaco-dialog-box').first();
  if (
    await dialog.waitFor({ state: 'visible', timeout: 1500 }).then(
      () => true,
      () => false,
    )
  ) {
    await dialog
      .locator('.monaco-button', { hasText: /^Don.t Save$/ })
      .first()
      .click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  }
  await page
    .locator('.editor-group-container .tab')
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Clear every notification (toasts and the center) and hide the center, so later waits see only new ones. */
export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await hideNotificationCenter(page);
}

/** Pick a law in the extension's "Select Scaling Law…" quick pick (written to the workspace settings). */
export async function selectLaw(page: Page, lawId: string, timeoutMs = 30_000): Promise<void> {
  await runCommand(page, 'Scaling Lens: Select Scaling Law…');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(lawId);
  const row = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: lawId }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/**
 * The summary topics (src/server/lenses.ts: size, data, compute, cost, loss — one lens each since
 * issue #16) joined with " · ", as the single summary lens used to read.
 */
export function summaryLens(lenses: string[]): string {
  const size = lenses.find((t) => /^N \S+/.test(t));
  if (!size) throw new Error(`no size lens among ${JSON.stringify(lenses)}`);
  const others = [/^D /, / FLOPs$/, /-h ≈ \$/, /^(loss |no loss|loss needs D)/].map((re) =>
    lenses.find((t) => re.test(t)),
  );
  return [size, ...others].filter((t): t is string => !!t).join(' · ');
}
