/** Detection ties follow a stated rule, not list order. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { pickReader, READERS } from '../../src/core/config/registry';
import type { FrameworkReader } from '../../src/core/config/reader';

const reader = (id: string): FrameworkReader => ({ ...READERS.find((r) => r.id === id)! });

test('the highest score wins, whatever the order', () => {
  const a = reader('olmo');
  const b = reader('llm-foundry');
  assert.equal(
    pickReader([
      { reader: a, score: 0.6 },
      { reader: b, score: 0.7 },
    ]).reader,
    b,
  );
  assert.equal(
    pickReader([
      { reader: b, score: 0.7 },
      { reader: a, score: 0.6 },
    ]).reader,
    b,
  );
  assert.deepEqual(pickReader([{ reader: a, score: 0.4 }]), {});
});

test('a tie across frameworks goes to the one the path names, else nobody (ambiguous)', () => {
  const a = reader('olmo');
  const b = reader('llm-foundry');
  const tie = [
    { reader: a, score: 0.8 },
    { reader: b, score: 0.8 },
  ];
  assert.equal(pickReader(tie, '/repo/llm-foundry/yamls/x.yaml').reader, b);
  assert.equal(pickReader([...tie].reverse(), '/repo/olmo/configs/x.yaml').reader, a);
  const ambiguous = pickReader(tie, '/tmp/x.yaml');
  assert.equal(ambiguous.reader, undefined);
  assert.deepEqual(
    ambiguous.ambiguous?.map((r) => r.id),
    ['olmo', 'llm-foundry'],
  );
});

test('two readers of one framework tying are one candidate', () => {
  const [first, second] = READERS.filter((r) => r.id === 'torchtitan');
  assert.ok(first && second, 'torchtitan has a TOML and a Python reader');
  assert.equal(
    pickReader([
      { reader: first, score: 0.9 },
      { reader: second, score: 0.9 },
    ]).reader,
    first,
  );
});
