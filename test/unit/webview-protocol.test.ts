import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isAnalysisSnapshot,
  isHostToWebviewMessage,
  isPngDataUrl,
  isWebviewToHostMessage,
  MAX_PNG_DATA_URL_CHARS,
  MAX_REPORT_IMAGES_CHARS,
  PANEL_CHART_IDS,
  pngDimensions,
  sanitizePanelState,
} from '../../src/webviewProtocol';
import { contentSecurityPolicy, makeNonce, renderPage } from '../../webview/page';
import { fittedSample, publishedSample } from '../../webview/sample';

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('isWebviewToHostMessage', () => {
  test('accepts exactly the three message shapes', () => {
    assert.equal(isWebviewToHostMessage({ type: 'ready' }), true);
    assert.equal(isWebviewToHostMessage({ type: 'exportPng', chart: 'tokens', dataUrl: PNG }), true);
    assert.equal(isWebviewToHostMessage({ type: 'exportCsv', chart: 'residuals' }), true);
    assert.equal(isWebviewToHostMessage({ type: 'exportCsv', chart: 'all' }), true);
  });

  test('rejects unknown types, extra fields and wrong field types', () => {
    for (const message of [
      null,
      undefined,
      'ready',
      ['ready'],
      {},
      { type: 'openFile', path: '/etc/passwd' },
      { type: 'ready', extra: 1 },
      { type: 'exportCsv', chart: 'all', csv: '=cmd()' },
      { type: 'exportCsv', chart: 'everything' },
      { type: 'exportCsv', chart: 3 },
      { type: 'exportPng', chart: 'all', dataUrl: PNG },
      { type: 'exportPng', chart: 'tokens' },
      { type: 'exportPng', chart: 'tokens', dataUrl: PNG, fileName: '../../.bashrc' },
      { type: 'exportPng', chart: '__proto__', dataUrl: PNG },
    ]) {
      assert.equal(isWebviewToHostMessage(message), false, JSON.stringify(message));
    }
  });

  test('accepts only base64 PNG data URLs of bounded size', () => {
    assert.equal(isPngDataUrl(PNG), true);
    for (const url of [
      'data:text/html;base64,PHNjcmlwdD4=',
      'data:image/svg+xml;base64,PHN2Zz4=',
      'javascript:alert(1)',
      'data:image/png,notbase64',
      'data:image/png;base64,',
      `${PNG}\n<script>`,
      'https://example.invalid/a.png',
    ]) {
      assert.equal(isPngDataUrl(url), false, url);
    }
    const huge = `data:image/png;base64,${'A'.repeat(MAX_PNG_DATA_URL_CHARS)}`;
    assert.equal(isPngDataUrl(huge), false);
  });
});

describe('Export Report images (renderForReport → reportImages)', () => {
  const reply = (images: unknown[], extra: object = {}) => ({
    type: 'reportImages',
    requestId: 'report-3-lx0',
    images,
    ...extra,
  });
  const image = (chart: string, dataUrl = PNG) => ({ chart, title: 'Loss vs training tokens', dataUrl });

  test('accepts a reply with one image per chart, or none and an error', () => {
    assert.equal(isWebviewToHostMessage(reply([image('tokens'), image('isoflop')])), true);
    assert.equal(isWebviewToHostMessage(reply([])), true);
    assert.equal(isWebviewToHostMessage(reply([], { error: 'canvas too large' })), true);
  });

  test('rejects duplicates, unknown charts, non-PNG data, bad ids, extra keys and oversized replies', () => {
    const notPng = 'data:image/png;base64,R0lGODlhAQABAAAAACw='; // a GIF's bytes under a PNG MIME type
    for (const message of [
      reply([image('tokens'), image('tokens')]),
      reply([image('everything')]),
      reply([image('tokens', notPng)]),
      reply([{ ...image('tokens'), file: '../../x.png' }]),
      reply([image('tokens')], { extra: 1 }),
      reply([], { error: 3 }),
      reply([], { error: 'x'.repeat(1001) }),
      { ...reply([]), requestId: '../x' },
      { ...reply([]), requestId: '' },
      { ...reply([]), requestId: 'r'.repeat(65) },
      { ...reply([]), images: 'tokens' },
      reply(PANEL_CHART_IDS.map((c) => image(c)).concat([image('tokens')])),
      reply([{ ...image('tokens'), title: 't'.repeat(1001) }]),
    ]) {
      assert.equal(isWebviewToHostMessage(message), false, JSON.stringify(message).slice(0, 200));
    }
    // Each image within the per-image bound, together over the per-report bound.
    const big = `data:image/png;base64,iVBORw0KGgo${'A'.repeat(MAX_REPORT_IMAGES_CHARS / 3)}`;
    assert.equal(isPngDataUrl(big), true);
    assert.equal(
      isWebviewToHostMessage(reply(['tokens', 'isoflop', 'frontier'].map((c) => image(c, big)))),
      false,
    );
  });

  test('pngDimensions reads the IHDR size and refuses what is not a PNG', () => {
    const bytes = Buffer.from(PNG.slice(PNG.indexOf(',') + 1), 'base64');
    assert.deepEqual(pngDimensions(bytes), { width: 1, height: 1 });
    const wide = Buffer.from(bytes);
    wide.writeUInt32BE(1600, 16);
    wide.writeUInt32BE(900, 20);
    assert.deepEqual(pngDimensions(wide), { width: 1600, height: 900 });
    assert.equal(pngDimensions(bytes.subarray(0, 20)), null);
    const gif = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');
    assert.equal(pngDimensions(gif), null);
    const noHeader = Buffer.from(bytes);
    noHeader.write('IDAT', 12, 'latin1');
    assert.equal(pngDimensions(noHeader), null);
    const empty = Buffer.from(bytes);
    empty.writeUInt32BE(0, 16);
    assert.equal(pngDimensions(empty), null);
  });

  test('renderForReport: chart data the page can draw, a bounded size and pixel ratio', () => {
    const data = publishedSample().data;
    const message = {
      type: 'renderForReport',
      requestId: 'report-1-a',
      data,
      pixelRatio: 2,
      width: 800,
      height: 450,
    };
    assert.equal(isHostToWebviewMessage(message), true);
    for (const patch of [
      { pixelRatio: 0 },
      { pixelRatio: 5 },
      { pixelRatio: NaN },
      { width: 99 },
      { height: 4001 },
      { width: 800.5 },
      { requestId: 'a b' },
      { data: { ...data, charts: 'all' } },
    ]) {
      assert.equal(isHostToWebviewMessage({ ...message, ...patch }), false, JSON.stringify(patch));
    }
  });
});

describe('isHostToWebviewMessage', () => {
  test('accepts the sample updates and the other host messages', () => {
    assert.equal(isHostToWebviewMessage(publishedSample()), true);
    assert.equal(isHostToWebviewMessage(fittedSample()), true);
    assert.equal(isHostToWebviewMessage({ type: 'empty', reason: 'nothing yet' }), true);
    assert.equal(isHostToWebviewMessage({ type: 'exportResult', ok: true, message: 'Saved a.png' }), true);
  });

  test('rejects updates whose snapshot the charts could not draw', () => {
    const update = publishedSample();
    const broken = (patch: object) => ({ ...update, snapshot: { ...update.snapshot, ...patch } });
    assert.equal(
      isHostToWebviewMessage(broken({ law: { ...update.snapshot.law, law: { form: 'chinchilla', E: 1 } } })),
      false,
    );
    assert.equal(
      isHostToWebviewMessage(broken({ law: { ...update.snapshot.law, law: { form: 'magic' } } })),
      false,
    );
    assert.equal(isHostToWebviewMessage(broken({ tokens: '1e9' })), false);
    assert.equal(isHostToWebviewMessage(broken({ params: { total: 1 } })), false);
    assert.equal(isHostToWebviewMessage({ ...update, documentLabel: 3 }), false);
    assert.equal(isHostToWebviewMessage({ ...update, observed: 'x' }), false);
  });

  test('a null loss and null params are valid (unknown D or N)', () => {
    const { snapshot } = publishedSample();
    assert.equal(isAnalysisSnapshot({ ...snapshot, loss: null, tokens: null }), true);
    assert.equal(isAnalysisSnapshot({ ...snapshot, params: null, loss: null }), true);
  });
});

describe('sanitizePanelState', () => {
  test('keeps well-formed fields and drops the rest', () => {
    const last = publishedSample();
    assert.deepEqual(
      sanitizePanelState({
        uri: 'file:///a.yaml',
        view: 'table',
        logLoss: true,
        hidden: { tokens: ['band', 3], bogus: ['x'] },
        last,
        extra: 'ignored',
      }),
      { uri: 'file:///a.yaml', view: 'table', logLoss: true, hidden: { tokens: ['band'] }, last },
    );
    assert.deepEqual(sanitizePanelState({ uri: 5, view: 'grid', last: { type: 'update' } }), {});
    assert.deepEqual(sanitizePanelState(null), {});
    assert.deepEqual(sanitizePanelState('state'), {});
  });
});

describe('panel page', () => {
  test('the CSP allows nothing by default and only nonce-carrying scripts', () => {
    const csp = contentSecurityPolicy('https://webview.test', 'abc123');
    assert.equal(
      csp,
      "default-src 'none'; img-src https://webview.test data:; style-src https://webview.test 'nonce-abc123'; " +
        "font-src https://webview.test; script-src 'nonce-abc123'",
    );
  });

  test('every script and style element carries the nonce and nothing is inline-unsafe', () => {
    const html = renderPage({
      cspSource: 'https://webview.test',
      nonce: 'n0nce',
      scriptUri: 'https://webview.test/dist/webview.js',
    });
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts.every((tag) => tag.includes('nonce="n0nce"')));
    assert.ok((html.match(/<style\b[^>]*>/g) ?? []).every((tag) => tag.includes('nonce="n0nce"')));
    assert.equal(/unsafe-(inline|eval)/.test(html), false);
    assert.equal(/\son\w+=/.test(html), false, 'no inline event handlers');
    assert.equal(/\sstyle=/.test(html), false, 'no inline style attributes');
  });

  test('has the stable hooks end-to-end tests use', () => {
    const html = renderPage({ cspSource: 'x', nonce: 'n', scriptUri: 'y' });
    for (const chart of ['tokens', 'isoflop', 'frontier', 'fit', 'residuals']) {
      assert.ok(html.includes(`<canvas data-chart="${chart}" role="img"`), chart);
    }
    assert.ok(html.includes('id="data-table"'));
    assert.ok(html.includes('id="config-marker"'));
  });

  test('attribute values are escaped', () => {
    const html = renderPage({ cspSource: 'x', nonce: 'n', scriptUri: '"><script>alert(1)</script>' });
    assert.equal(html.includes('<script>alert(1)'), false);
  });

  test('nonces are 128-bit and fresh', () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a, 'base64').length, 16);
  });
});
