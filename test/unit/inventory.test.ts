/** Every framework reader carries a key inventory read from its framework's source at a commit. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { READERS } from '../../src/core/config/registry';
import { applyInventory, isHarmless, type FrameworkInventory } from '../../src/core/config/inventory';
import type { RunSpec } from '../../src/core/types';

test('every registered reader has an inventory with recorded sources and no duplicate keys', () => {
  for (const reader of READERS) {
    const inventory = reader.inventory;
    assert.ok(inventory, `${reader.id}: no inventory`);
    assert.equal(inventory.framework, reader.id);
    assert.ok(inventory.sources.length > 0, `${reader.id}: no sources`);
    for (const source of inventory.sources) assert.match(source.commit, /^[0-9a-f]{7,40}$/, reader.id);
    const normalize = inventory.normalize ?? ((k: string) => k);
    const keys = inventory.entries.map((e) => normalize(e.key));
    assert.deepEqual(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      [],
      `${reader.id}: duplicate keys`,
    );
    for (const entry of inventory.entries) {
      if (entry.status === 'not-modelled')
        assert.ok(entry.example !== undefined, `${reader.id}: ${entry.key} has no example value`);
      if (entry.status === 'irrelevant') assert.ok(entry.why, `${reader.id}: ${entry.key} says not why`);
    }
  }
});

const range = { start: { line: 3, character: 2 }, end: { line: 3, character: 9 } };
const inventory: FrameworkInventory = {
  framework: 'olmo',
  sources: [{ repo: 'example/repo', commit: 'abcdef1', paths: ['config.py'] }],
  entries: [
    { key: 'model.moe_top_k', affects: 'N', status: 'not-modelled', default: 1, example: 2 },
    { key: 'model.block_type', affects: 'N', status: 'modelled', modelledValues: ['sequential', 'llama'] },
    { key: 'max_duration_scale', affects: 'D', status: 'not-modelled', default: null, example: 2 },
    { key: 'model.init_std', affects: 'N', status: 'irrelevant', why: 'initialization only' },
  ],
};

function spec(): RunSpec {
  return {
    framework: 'olmo',
    architecture: {} as RunSpec['architecture'],
    training: { tokens: 1e9, formula: 'x' },
    archSources: {},
    trainingSources: {},
    usedKeys: [],
    assumptions: [],
    diagnostics: [],
  };
}
const source = (key: string) => ({ key, keyRange: range, valueRange: range, raw: '' });

test('a not-modelled key at its default, or an irrelevant key, leaves N and D alone', () => {
  const out = applyInventory(spec(), inventory, [
    { key: 'model.moe_top_k', value: '1', source: source('moe_top_k') },
    { key: 'max_duration_scale', value: null, source: source('max_duration_scale') },
    { key: 'model.init_std', value: 0.5, source: source('init_std') },
    { key: 'model.block_type', value: 'Llama', source: source('block_type') },
  ]);
  assert.ok(out.architecture);
  assert.equal(out.training.tokens, 1e9);
  assert.deepEqual(out.diagnostics, []);
});

test('a not-modelled key off its default makes N unknown, naming the key at its line', () => {
  const out = applyInventory(spec(), inventory, [
    { key: 'model.moe_top_k', value: 2, source: source('moe_top_k') },
  ]);
  assert.equal(out.architecture, undefined);
  assert.equal(out.training.tokens, 1e9);
  assert.equal(out.diagnostics.length, 1);
  assert.match(out.diagnostics[0]!.message, /^unknown: moe_top_k = 2/);
  assert.deepEqual(out.diagnostics[0]!.range, range);
  assert.deepEqual(out.paramsMissing, ['a model of `model.moe_top_k` = 2']);
});

test('a modelled key with a value the reader does not model, and a D key, make their part unknown', () => {
  const out = applyInventory(spec(), inventory, [
    { key: 'model.block_type', value: 'moe', source: source('block_type') },
    { key: 'max_duration_scale', value: '3', source: source('max_duration_scale') },
  ]);
  assert.equal(out.architecture, undefined);
  assert.equal(out.training.tokens, undefined);
  assert.equal(out.diagnostics.length, 2);
  assert.ok(isHarmless(inventory.entries[1]!, 'sequential'));
  assert.ok(!isHarmless(inventory.entries[1]!, 'parallel'));
});
