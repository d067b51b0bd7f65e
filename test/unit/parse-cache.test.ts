import test from 'node:test';
import assert from 'node:assert/strict';
import type { ParseError } from 'jsonc-parser';
import { parseJsonTreeCached, TextCache } from '../../src/core/config/parseCache';
import { parseShell } from '../../src/core/config/shell';
import { scanPythonConfig } from '../../src/core/config/frameworks/nanogpt/reader';
import { maskPython } from '../../src/core/config/frameworks/olmo-core/python';
import { parseYaml } from '../../src/core/config/yamlSource';

test('parses are shared per text across interleaved documents, least recently used evicted', () => {
  let parses = 0;
  const cache = new TextCache<number>(2);
  const parse = (text: string) => (parses++, text.length);
  cache.get('a', parse);
  cache.get('bb', parse);
  cache.get('a', parse); // hit, refreshes 'a'
  cache.get('ccc', parse); // evicts 'bb'
  cache.get('a', parse);
  assert.equal(parses, 3);
  cache.get('bb', parse);
  assert.equal(parses, 4);
});

test('two documents edited in turn each keep their YAML parse', () => {
  const one = 'model:\n  d_model: 1\n';
  const two = 'model:\n  d_model: 2\n';
  const first = parseYaml(one);
  parseYaml(two);
  assert.equal(parseYaml(one), first, 'not re-parsed after the other document');
});

test('every format is cached by content: shell scripts (when nothing is sourced) and JSON', () => {
  const script = 'python pretrain_gpt.py --num-layers 12 --hidden-size 768\n';
  const other = 'python pretrain_gpt.py --num-layers 24\n';
  const first = parseShell(script);
  parseShell(other);
  assert.equal(parseShell(script), first, 'the same text is lexed once');
  assert.notEqual(
    parseShell(script, { path: '/a/run.sh' }),
    first,
    'a different path ($BASH_SOURCE) is its own entry',
  );

  const json = '{"model_type": "gpt2", "n_layer": 12,}';
  const errors: ParseError[] = [];
  const root = parseJsonTreeCached(json, errors);
  const again: ParseError[] = [];
  assert.equal(parseJsonTreeCached(json, again), root);
  assert.deepEqual(again, errors, 'the parse errors come back with the cached tree');
});

test('a script that sources a file is re-read every time, so an edit to the sourced file is seen', () => {
  let model = 'NUM_LAYERS=12\n';
  const includes = {
    path: '/w/train.sh',
    readFile: (path: string) => (path === '/w/model.sh' ? model : undefined),
  };
  const script = 'source ./model.sh\npython pretrain_gpt.py --num-layers $NUM_LAYERS\n';
  const before = parseShell(script, includes);
  assert.equal(before.flags.find((f) => f.name === '--num-layers')?.values[0]?.text, '12');
  model = 'NUM_LAYERS=24\n';
  const after = parseShell(script, includes);
  assert.equal(after.flags.find((f) => f.name === '--num-layers')?.values[0]?.text, '24');
});

test('Python configs too: nanoGPT scans and OLMo-core masks are shared per text', () => {
  const config = 'n_layer = 12\nn_head = 12\n';
  const scan = scanPythonConfig(config);
  scanPythonConfig('n_layer = 24\n');
  assert.equal(scanPythonConfig(config), scan);
  assert.equal(scan.assignments.length, 2);
  const script = 'config = TransformerConfig(d_model=768)  # "quoted" comment\n';
  const masked = maskPython(script);
  assert.equal(maskPython(script), masked);
  assert.equal(masked.length, script.length, 'masking keeps offsets');
});
