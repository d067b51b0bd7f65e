/**
 * Comparing configs is a server service: the client sends the other side (a file, or the same
 * file's git HEAD text) and the server analyzes both under the open document's settings.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocuments } from 'vscode-languageserver';
import { compare, type CompareDependencies } from '../../src/server/compare';
import { CompareRequest, normalizeSettings, toAnalysisSettings } from '../../src/protocol';
import { findPublishedLaw } from '../../src/core/laws/published';
import { REPO_ROOT } from '../helpers';
import { LspTestClient, SERVER_JS } from './lspClient';

const EXAMPLE = join(REPO_ROOT, 'examples/nanogpt/train_gpt2_124m.py');
const TEXT = readFileSync(EXAMPLE, 'utf8');
const LONGER = TEXT.replace('max_iters = 60000', 'max_iters = 120000');

/** The handler with in-memory documents and default editor settings. */
function deps(open: Record<string, string>): CompareDependencies {
  const docs = new Map(
    Object.entries(open).map(([uri, text]) => [uri, TextDocument.create(uri, 'python', 1, text)]),
  );
  return {
    documents: { get: (uri: string) => docs.get(uri) } as unknown as TextDocuments<TextDocument>,
    scope: async () => ({
      analysisSettings: toAnalysisSettings(normalizeSettings(undefined)),
      law: findPublishedLaw('epoch2024')!,
    }),
    pathOf: (uri) => (uri.startsWith('file:') ? new URL(uri).pathname : undefined),
    readFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
  };
}

test('compare with git HEAD text: HEAD is A, the working copy B; D doubles, loss falls', async () => {
  const uri = pathToFileURL(EXAMPLE).toString();
  const response = await compare(
    { uri, other: { kind: 'text', text: TEXT, label: 'train_gpt2_124m.py @ HEAD' }, documentSide: 'b' },
    deps({ [uri]: LONGER }),
  );
  assert.ok(response.ok, !response.ok ? response.message : '');
  if (!response.ok) return;
  const c = response.comparison;
  assert.equal(c.a.label, 'train_gpt2_124m.py @ HEAD');
  assert.equal(c.b.label, 'train_gpt2_124m.py (working copy)');
  // 12 × 1024 × 40 × 60,000 = 29,491,200,000 tokens at HEAD; twice that in the working copy.
  assert.equal(c.a.tokens, 29_491_200_000);
  assert.equal(c.b.tokens, 58_982_400_000);
  assert.equal(c.deltas.tokens.ratio, 2);
  assert.equal(c.deltas.flops.ratio, 2);
  assert.ok(c.deltas.loss.difference! < 0);
  assert.match(
    response.markdown,
    /^# Scaling Lens: train\\_gpt2\\_124m\.py @ HEAD vs train\\_gpt2\\_124m\.py \(working copy\)/,
  );
  assert.match(response.markdown, /^\| D \(tokens\) \| 29\.5B \| 59B \| \+29\.5B \(2\.00×\) \|$/m);
});

test('compare with another file on disk (not open) and with a non-config: a message, not a throw', async () => {
  const uri = pathToFileURL(EXAMPLE).toString();
  const olmo = join(REPO_ROOT, 'examples/olmo/OLMo-1B-60B.yaml');
  const withFile = await compare(
    {
      uri,
      other: { kind: 'file', uri: pathToFileURL(olmo).toString(), label: 'OLMo-1B-60B.yaml' },
      documentSide: 'a',
    },
    deps({ [uri]: TEXT }),
  );
  if (existsSync(olmo)) {
    assert.ok(withFile.ok, !withFile.ok ? withFile.message : '');
    if (withFile.ok) assert.equal(withFile.comparison.a.framework, 'nanogpt');
  }
  const notConfig = await compare(
    { uri, other: { kind: 'text', text: '{"name": "x"}', label: 'package.json' }, documentSide: 'a' },
    deps({ [uri]: TEXT }),
  );
  assert.deepEqual(notConfig, { ok: false, message: 'package.json: not a recognized run config.' });
  const closed = await compare(
    { uri: 'file:///nowhere.py', other: { kind: 'text', text: TEXT, label: 'x' }, documentSide: 'a' },
    deps({}),
  );
  assert.deepEqual(closed, { ok: false, message: 'The config is not open.' });
});

const NOT_BUILT = (() => {
  if (!existsSync(SERVER_JS)) return process.env.CI === 'true' ? false : 'dist/server.js missing';
  // A bundle older than this feature does not know the request; rebuild with node scripts/build.mjs.
  return readFileSync(SERVER_JS, 'utf8').includes('scalingLens/compare') || process.env.CI === 'true'
    ? false
    : 'dist/server.js predates scalingLens/compare';
})();

let client: LspTestClient;
before(async () => {
  if (NOT_BUILT) return;
  client = await LspTestClient.start();
});
after(async () => {
  await client?.stop();
});

test(
  'scalingLens/compare over JSON-RPC: the bundled server answers with both analyses',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(EXAMPLE, LONGER);
    const response = await client.connection.sendRequest(CompareRequest, {
      uri,
      other: { kind: 'text', text: TEXT, label: 'HEAD' },
      documentSide: 'b',
    });
    assert.ok(response.ok, !response.ok ? response.message : '');
    if (!response.ok) return;
    assert.equal(response.comparison.a.tokens, 29_491_200_000);
    assert.equal(response.comparison.b.tokens, 58_982_400_000);
    assert.equal(response.comparison.a.cost!.gpu, 'H100');
  },
);
