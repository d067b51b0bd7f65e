/**
 * The curves panel's HTML shell, shared by the extension host and the standalone preview so both
 * load the page under the same Content Security Policy. Pure string building: no user-controlled
 * text ever goes in here (the page fills itself with textContent from postMessage data).
 */

export interface PageOptions {
  /** `webview.cspSource` (the origin allowed for styles, images and fonts). */
  cspSource: string;
  /** A fresh random nonce per render: the only scripts and inline styles that may run carry it. */
  nonce: string;
  /** `asWebviewUri` of dist/webview.js. */
  scriptUri: string;
  /**
   * Test harness only: an inline script run before the bundle (the preview's fake
   * `acquireVsCodeApi`). The extension never passes one.
   */
  prelude?: string;
}

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The chart sections, in page order: [id, heading] (headings are static; titles come later). */
const SECTIONS: readonly [string, string][] = [
  ['tokens', 'Loss vs training tokens'],
  ['isoflop', 'IsoFLOP: loss vs model size'],
  ['frontier', 'Loss vs compute (compute-optimal frontier)'],
  ['downstream', 'Accuracy vs compute (compute-optimal frontier)'],
  ['schedule', 'Loss over training'],
  ['memory', 'Memory per GPU'],
  ['fit', 'Observed runs and the fitted law'],
  ['residuals', 'Residuals'],
];

/** A 128-bit random nonce (base64), for the CSP. */
export function makeNonce(
  random: (bytes: Uint8Array) => Uint8Array = (b) => globalThis.crypto.getRandomValues(b),
): string {
  const bytes = random(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The Content-Security-Policy for the page: nothing by default, nonce'd scripts, data: images for export. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** The full HTML document for the panel. */
export function renderPage(options: PageOptions): string {
  const nonce = escapeAttribute(options.nonce);
  const csp = escapeAttribute(contentSecurityPolicy(options.cspSource, options.nonce));
  const sections = SECTIONS.map(
    ([id, heading]) => `
      <section class="chart-section" id="section-${id}" data-section="${id}" aria-labelledby="title-${id}">
        <div class="chart-head">
          <h2 id="title-${id}">${heading}</h2>
          <div class="chart-actions">
            <button type="button" data-export="png" data-target="${id}" aria-label="Export ${heading} as PNG">PNG</button>
            <button type="button" data-export="csv" data-target="${id}" aria-label="Export ${heading} data as CSV">CSV</button>
          </div>
        </div>
        <div class="chart-box"><canvas data-chart="${id}" role="img" aria-label="${heading}"></canvas></div>
        <p class="chart-unavailable" data-unavailable="${id}" hidden></p>
        <ul class="chart-caption" data-caption="${id}"></ul>
      </section>`,
  ).join('');
  const prelude = options.prelude ? `<script nonce="${nonce}">${options.prelude}</script>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>Scaling Curves</title>
  <style nonce="${nonce}">${STYLES}</style>
</head>
<body>
  <header>
    <h1 id="panel-title">Scaling Curves</h1>
    <p id="config-marker" aria-live="polite">Waiting for a run config…</p>
    <p id="law-label"></p>
    <div class="toolbar" role="toolbar" aria-label="Chart options">
      <button type="button" id="toggle-table" aria-pressed="false">Table view</button>
      <button type="button" id="toggle-log" aria-pressed="false">Log loss axis</button>
      <button type="button" data-export="csv" data-target="all" aria-label="Export all chart data as CSV">Export all CSV</button>
    </div>
    <ul id="notes"></ul>
    <p id="status" role="status" aria-live="polite"></p>
  </header>
  <main>
    <div id="charts">${sections}
    </div>
    <div id="table-view" hidden>
      <table id="data-table">
        <caption>Every plotted point, by chart and series</caption>
        <thead><tr><th scope="col">Chart</th><th scope="col">Series</th><th scope="col">Run</th><th scope="col">x</th><th scope="col">x unit</th><th scope="col">y</th><th scope="col">y unit</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </main>
  ${prelude}
  <script nonce="${nonce}" src="${escapeAttribute(options.scriptUri)}"></script>
</body>
</html>`;
}

const STYLES = `
  :root { color-scheme: light dark; }
  [hidden] { display: none !important; }
  body {
    margin: 0; padding: 0 16px 24px;
    font-family: var(--vscode-font-family, system-ui, sans-serif);
    font-size: var(--vscode-font-size, 13px);
    color: var(--vscode-foreground, #333);
    background: var(--vscode-editor-background, #fff);
  }
  header { position: sticky; top: 0; z-index: 1; padding: 10px 0 6px;
    background: var(--vscode-editor-background, #fff);
    border-bottom: 1px solid var(--vscode-panel-border, rgba(128,128,128,.35)); }
  h1 { font-size: 1.25em; margin: 0 0 4px; font-weight: 600; }
  h2 { font-size: 1.05em; margin: 0; font-weight: 600; }
  #config-marker { margin: 2px 0; font-weight: 600; }
  #law-label { margin: 2px 0; opacity: .85; }
  #notes { margin: 4px 0; padding-left: 18px; color: var(--vscode-editorWarning-foreground, #b58900); }
  #notes:empty, #status:empty { display: none; }
  #status { margin: 4px 0; }
  .stale #config-marker::after { content: " (last valid state: the file does not parse right now)"; font-weight: normal; opacity: .8; }
  .toolbar { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
  button {
    font: inherit; padding: 3px 10px; cursor: pointer; border-radius: 2px;
    color: var(--vscode-button-secondaryForeground, var(--vscode-button-foreground, #fff));
    background: var(--vscode-button-secondaryBackground, var(--vscode-button-background, #0e639c));
    border: 1px solid var(--vscode-button-border, transparent);
  }
  button:hover { background: var(--vscode-button-secondaryHoverBackground, var(--vscode-button-hoverBackground, #1177bb)); }
  button:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: 2px; }
  button[aria-pressed="true"] { color: var(--vscode-button-foreground, #fff); background: var(--vscode-button-background, #0e639c); }
  #charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 18px 24px; margin-top: 14px; }
  .chart-head { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; margin-bottom: 6px; }
  .chart-actions { display: flex; gap: 4px; flex-shrink: 0; }
  .chart-actions button { padding: 1px 8px; font-size: .9em; }
  .chart-box { position: relative; height: 340px; min-width: 0; }
  #table-view { margin-top: 14px; overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  caption { text-align: left; font-weight: 600; padding: 4px 0; }
  th, td { text-align: left; padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border, rgba(128,128,128,.25)); white-space: nowrap; }
  td[data-x], td[data-y] { text-align: right; }
  tr.chart-group td { font-weight: 600; padding-top: 10px; }
  .chart-unavailable { margin: 8px 0; padding: 10px; border: 1px dashed var(--vscode-panel-border, rgba(128,128,128,.5)); color: var(--vscode-editorWarning-foreground, #b58900); }
  .chart-caption { margin: 4px 0 0; padding-left: 18px; font-size: .9em; opacity: .85; }
  .chart-caption:empty { display: none; }
`;
