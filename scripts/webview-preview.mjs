// Standalone preview of the curves panel, without VS Code: bundles webview/main.ts to dist/webview.js,
// writes an HTML page (the panel's own template and CSP) with a fake `acquireVsCodeApi` that records
// posted messages and answers `ready` with a sample snapshot. Open the page in any browser, or let
// test/server/webview-render.test.ts drive it with Chromium.
//
// Usage: node scripts/webview-preview.mjs [--sample fitted|published] [--theme dark|light] [--out DIR]
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** CSS variables VS Code sets on <html>, per theme (values from the Dark Modern / Light Modern themes). */
export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-foreground': '#cccccc',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-editorWidget-border': '#454545',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-editorWarning-foreground': '#cca700',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-editor-background': '#ffffff',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-editorWidget-border': '#c8c8c8',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-charts-foreground': '#616161',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-purple': '#652d90',
      '--vscode-editorWarning-foreground': '#bf8803',
    },
  },
};

/** JS source that applies a theme the way VS Code does (body class + variables on <html>). */
export function applyThemeSource(name) {
  const theme = THEMES[name];
  return `(() => {
    const vars = ${JSON.stringify(theme.vars)};
    for (const [key, value] of Object.entries(vars)) document.documentElement.style.setProperty(key, value);
    document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
    document.body.classList.add(${JSON.stringify(theme.bodyClass)});
  })();`;
}

/** JSON safe to embed in an inline <script> (no `</script>` or `<!--` can appear). */
const scriptJson = (value) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028|\u2029/g, '');

/** Bundle the webview exactly as scripts/build.mjs does (browser IIFE). */
export async function buildWebviewBundle() {
  await esbuild.build({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: true,
    logLevel: 'warning',
    entryPoints: [join(ROOT, 'webview/main.ts')],
    outfile: join(ROOT, 'dist/webview.js'),
  });
}

/** Load the page template and samples (TypeScript) through esbuild, for plain node. */
async function loadPageModules() {
  const result = await esbuild.build({
    stdin: {
      contents: `export * from './webview/page'; export * from './webview/sample';`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  });
  const source = result.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
}

/**
 * Write the preview page. Returns its path and the update message it delivers (so a test can
 * compare what the page shows with what it was sent).
 */
export async function writePreview({
  sample = 'fitted',
  theme = 'dark',
  outDir = join(ROOT, 'test-artifacts'),
  build = true,
  initialState,
} = {}) {
  if (build) await buildWebviewBundle();
  const modules = await loadPageModules();
  const update = sample === 'published' ? modules.publishedSample() : modules.fittedSample();
  const prelude = `
    ${applyThemeSource(theme)}
    (() => {
      const update = ${scriptJson(update)};
      let state = ${scriptJson(initialState ?? null)} ?? undefined;
      const posted = [];
      window.__posted = posted;
      window.__sample = update;
      window.acquireVsCodeApi = () => ({
        postMessage(message) {
          posted.push(message);
          // Answer like the extension host: data only through postMessage.
          if (message && message.type === 'ready') setTimeout(() => window.postMessage(update, '*'), 0);
        },
        getState: () => state,
        setState(next) { state = next; window.__state = next; },
      });
    })();`;
  const nonce = modules.makeNonce();
  const html = modules.renderPage({
    cspSource: "'self'",
    nonce,
    scriptUri: pathToFileURL(join(ROOT, 'dist/webview.js')).href,
    prelude,
  });
  mkdirSync(outDir, { recursive: true });
  const htmlPath = join(outDir, `webview-preview-${sample}-${theme}.html`);
  writeFileSync(htmlPath, html);
  return { htmlPath, update };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const index = process.argv.indexOf(`--${name}`);
    return index > 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
  };
  const { htmlPath } = await writePreview({
    sample: arg('sample', 'fitted'),
    theme: arg('theme', 'dark'),
    outDir: resolve(arg('out', join(ROOT, 'test-artifacts'))),
  });
  console.log(htmlPath);
}
