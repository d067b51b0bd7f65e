import test from 'node:test';
import assert from 'node:assert/strict';
import { TextCache } from '../../src/core/config/parseCache';
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
