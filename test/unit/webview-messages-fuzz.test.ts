/**
 * Random and malformed messages in both directions of the curves panel (issue 17, item 5): the
 * guards in src/webviewProtocol.ts never throw, accept only well-formed messages, and whatever
 * they accept can be used by the receiving side without a crash — the host's export handlers, the
 * page's header and the server's chart data it draws, and the state restored after a webview reload.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CHART_IDS } from '../../src/core/charts';
import {
  pngDimensions,
  isHostToWebviewMessage,
  isWebviewToHostMessage,
  sanitizePanelState,
  type HostToWebviewMessage,
} from '../../src/webviewProtocol';
import { fittedSample, publishedSample } from '../../webview/sample';

/** fc.assert, but a failure reports the error and a short counterexample (samples are ~40 kB). */
function check<T>(property: fc.IProperty<T>, numRuns: number): void {
  const details = fc.check(property, { seed: SEED, numRuns, includeErrorInReport: true });
  if (details.failed)
    assert.fail(
      `seed ${SEED}: ${String((details.errorInstance as Error)?.message ?? details.errorInstance).slice(0, 400)}; counterexample ${JSON.stringify(details.counterexample)?.slice(0, 600)}`,
    );
}

const SEED = 17_0417;
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Values a hostile or buggy sender could put anywhere (postMessage clones NaN and Infinity). */
const weird = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    NaN,
    Infinity,
    -Infinity,
    -0,
    1e308,
    -1,
    0,
    '',
    '__proto__',
    'constructor',
    'all',
    'tokens',
    PNG,
    'data:image/png;base64,',
    'data:text/html;base64,PHNjcmlwdD4=',
    [],
    {},
    [null],
    [[null]],
    { length: 5 },
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 30 }),
  fc.double(),
);

/** Every path to a value inside a JSON-like object (arrays and objects), root excluded. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (out.length > 4000) return out;
  if (Array.isArray(value)) {
    // Long arrays (bootstrap draws, observed points): a few indices stand for all.
    const indices = value.length > 6 ? [0, 1, value.length - 1] : value.map((_, i) => i);
    for (const i of indices) {
      out.push([...prefix, i]);
      paths(value[i], [...prefix, i], out);
    }
  } else if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([...prefix, key]);
      paths((value as Record<string, unknown>)[key], [...prefix, key], out);
    }
  }
  return out;
}

type Mutation = { kind: 'delete' | 'set' | 'add'; path: number; value: unknown; key: string };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'set', 'set', 'add'),
  path: fc.nat(),
  value: weird,
  key: fc.oneof(
    fc.constantFrom('__proto__', 'type', 'extra', 'length', 'constructor'),
    fc.string({ maxLength: 8 }),
  ),
});

/** Apply mutations to a deep copy (structuredClone keeps NaN/undefined the way postMessage does). */
function mutate(base: unknown, mutations: Mutation[]): unknown {
  let value = structuredClone(base);
  for (const m of mutations) {
    const all = paths(value);
    if (!all.length || m.path % (all.length + 1) === all.length) {
      // The root itself.
      if (m.kind === 'set') value = structuredClone(m.value);
      continue;
    }
    const path = all[m.path % all.length]!;
    let parent = value as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (m.kind === 'delete') {
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else delete parent[last];
    } else if (m.kind === 'set') parent[last] = structuredClone(m.value);
    else {
      const target = parent[last];
      // defineProperty, so a `__proto__` key becomes an own property as JSON.parse makes it.
      // Only on plain objects: a message is structured-cloned, so arrays carry no extra keys.
      if (target && typeof target === 'object' && !Array.isArray(target))
        Object.defineProperty(target, m.key, {
          value: structuredClone(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
  }
  // What arrives is a structured clone of what was sent (as postMessage delivers it).
  return structuredClone(value);
}

/** What the host does with an accepted webview message (curvesPanel's handlers, minus I/O). */
function hostUses(message: unknown): void {
  const m = message as { type: string; chart?: string; dataUrl?: string };
  if (m.type === 'exportPng') {
    assert.ok((CHART_IDS as readonly string[]).includes(m.chart!), 'chart id');
    const bytes = Buffer.from(m.dataUrl!.slice(m.dataUrl!.indexOf(',') + 1), 'base64');
    assert.ok(bytes.length >= 0);
  } else if (m.type === 'exportCsv') {
    assert.ok(m.chart === 'all' || (CHART_IDS as readonly string[]).includes(m.chart!), 'csv chart');
  } else if (m.type === 'reportImages') {
    // curvesPanel.renderForReport: look the pending request up, decode each image, read its IHDR.
    const r = message as { requestId: string; images: { chart: string; dataUrl: string }[] };
    assert.equal(typeof r.requestId, 'string');
    for (const image of r.images) {
      assert.ok((CHART_IDS as readonly string[]).includes(image.chart), 'report chart id');
      const bytes = Buffer.from(image.dataUrl.slice(image.dataUrl.indexOf(',') + 1), 'base64');
      pngDimensions(bytes);
    }
  } else assert.equal(m.type, 'ready');
}

/** What the page does with an accepted host message (webview/main.ts: header, charts, table). */
function pageUses(message: HostToWebviewMessage): void {
  if (message.type === 'renderForReport') {
    // main.ts reportImages: every drawable chart of the data, at a bounded size.
    assert.ok(message.width * message.pixelRatio <= 16_000 && message.height * message.pixelRatio <= 16_000);
    for (const chart of message.data.charts)
      for (const series of chart.series)
        for (const p of series.points) assert.ok(Number.isFinite(p.x) && Number.isFinite(p.y));
    return;
  }
  if (message.type !== 'update') {
    assert.equal(typeof (message.type === 'empty' ? message.reason : message.message), 'string');
    return;
  }
  const { snapshot } = message;
  // The page draws the chart data the server sent (it computes nothing itself).
  const data = message.data;
  // configSummary / renderHeader
  const name = snapshot.modelName
    ? `${message.documentLabel} (${snapshot.modelName})`
    : message.documentLabel;
  assert.equal(typeof name, 'string');
  assert.equal(typeof snapshot.law.label, 'string');
  // A fitted law has no citation (webview/sample.ts); the page sets it as a tooltip.
  assert.ok(['string', 'undefined'].includes(typeof snapshot.law.citation));
  if (snapshot.tokens === null) assert.equal(typeof snapshot.missing.join(', '), 'string');
  for (const note of [...data.notes, ...snapshot.warnings]) assert.equal(typeof note, 'string');
  // No chart point the page plots is NaN or infinite.
  for (const chart of data.charts)
    for (const series of chart.series)
      for (const p of series.points)
        assert.ok(Number.isFinite(p.x) && Number.isFinite(p.y), `${chart.id}/${series.id}`);
}

const webviewValid = fc.oneof(
  fc.constant({ type: 'ready' }),
  fc.record({
    type: fc.constant('exportPng'),
    chart: fc.constantFrom(...CHART_IDS),
    dataUrl: fc.constant(PNG),
  }),
  fc.record({ type: fc.constant('exportCsv'), chart: fc.constantFrom('all', ...CHART_IDS) }),
  fc.record({
    type: fc.constant('reportImages'),
    requestId: fc.constant('report-1-abc'),
    images: fc.uniqueArray(
      fc.record({
        chart: fc.constantFrom(...CHART_IDS),
        title: fc.string({ maxLength: 20 }),
        dataUrl: fc.constant(PNG),
      }),
      { selector: (image) => image.chart, maxLength: 3 },
    ),
  }),
);

describe('webview → host: random and malformed messages are rejected, never crash the host', () => {
  test(`arbitrary values (fast-check seed ${SEED})`, () => {
    check(
      fc.property(fc.oneof(weird, fc.anything({ maxDepth: 3 })), (value) => {
        const accepted = isWebviewToHostMessage(value);
        if (accepted) hostUses(value);
      }),
      3000,
    );
  });

  test(`mutated valid messages: accepted only when still exactly one of the three shapes (seed ${SEED})`, () => {
    let rejected = 0;
    check(
      fc.property(webviewValid, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (base, mutations) => {
        const value = mutate(base, mutations);
        if (!isWebviewToHostMessage(value)) {
          rejected++;
          return;
        }
        hostUses(value);
        // Exactly the shape: no other key survives.
        const keys = Object.keys(value as object)
          .sort()
          .join(',');
        assert.ok(
          [
            'type',
            'chart,type',
            'chart,dataUrl,type',
            'images,requestId,type',
            'error,images,requestId,type',
          ].includes(keys),
          keys,
        );
      }),
      3000,
    );
    assert.ok(rejected > 1000, `mutations must mostly break the message (${rejected} rejected)`);
  });

  test('JSON with __proto__ / constructor keys is rejected', () => {
    for (const text of [
      '{"type":"ready","__proto__":{"polluted":1}}',
      '{"__proto__":{"type":"ready"}}',
      '{"type":"exportCsv","chart":"all","constructor":{"prototype":{}}}',
      '{"type":"exportPng","chart":"tokens","dataUrl":"' + PNG + '","__proto__":null}',
    ]) {
      assert.equal(isWebviewToHostMessage(JSON.parse(text)), false, text);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('host → webview: malformed updates are rejected; accepted ones draw without a crash', () => {
  const bases = [
    publishedSample(),
    fittedSample(),
    { type: 'empty', reason: 'no config' },
    { type: 'exportResult', ok: true, message: 'saved' },
    {
      type: 'renderForReport',
      requestId: 'report-1-abc',
      data: publishedSample().data,
      pixelRatio: 2,
      width: 800,
      height: 450,
    },
  ];
  for (const base of bases) assert.ok(isHostToWebviewMessage(base), 'the samples are valid');

  test(`arbitrary values (seed ${SEED})`, () => {
    check(
      fc.property(fc.oneof(weird, fc.anything({ maxDepth: 3 })), (value) => {
        if (isHostToWebviewMessage(value)) pageUses(value);
      }),
      3000,
    );
  });

  test(`mutated samples: every accepted message is usable by the page (seed ${SEED})`, () => {
    let accepted = 0;
    let rejected = 0;
    check(
      fc.property(
        fc.nat({ max: bases.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        (which, mutations) => {
          const value = mutate(bases[which], mutations);
          if (!isHostToWebviewMessage(value)) {
            rejected++;
            return;
          }
          accepted++;
          pageUses(value);
        },
      ),
      1500,
    );
    console.log(`host → webview mutations: ${accepted} accepted and drawn, ${rejected} rejected`);
    assert.ok(accepted > 100 && rejected > 100, `${accepted} accepted, ${rejected} rejected`);
  });
});

describe('panel state restored after a webview reload', () => {
  const good = {
    uri: 'file:///a.py',
    view: 'table',
    logLoss: true,
    hidden: { tokens: ['band'] },
    last: fittedSample(),
  };

  test(`sanitizePanelState never throws, keeps only well-formed parts, and is idempotent (seed ${SEED})`, () => {
    check(
      fc.property(
        fc.oneof(
          fc.anything({ maxDepth: 3 }),
          fc.array(mutationArb, { maxLength: 4 }).map((m) => mutate(good, m)),
        ),
        (value) => {
          const state = sanitizePanelState(value);
          assert.deepEqual(sanitizePanelState(structuredClone(state)), state);
          if (state.last) pageUses(state.last);
          for (const ids of Object.values(state.hidden ?? {}))
            for (const id of ids!) assert.equal(typeof id, 'string');
        },
      ),
      1500,
    );
  });

  test('a good state survives the reload whole', () => {
    assert.deepEqual(sanitizePanelState(structuredClone(good)), good);
  });
});
