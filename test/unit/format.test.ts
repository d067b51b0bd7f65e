import test from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, formatExact, formatHours, formatScientific, formatUsd } from '../../src/core/format';

test('formatCount keeps three significant digits and integral zeros', () => {
  assert.equal(formatCount(124_439_808), '124M');
  assert.equal(formatCount(6_738_415_616), '6.74B');
  assert.equal(formatCount(330_300), '330K');
  assert.equal(formatCount(180_000), '180K');
  assert.equal(formatCount(1e12), '1T');
  assert.equal(formatCount(12_300), '12.3K');
  assert.equal(formatCount(950), '950');
  assert.equal(formatCount(999.6e6), '1B');
});

test('formatUsd, formatExact, formatScientific, formatHours', () => {
  assert.equal(formatUsd(180_000), '$180K');
  assert.equal(formatUsd(5.5), '$5.50');
  assert.equal(formatExact(124_439_808), '124,439,808');
  assert.equal(formatScientific(2.2007588e20), '2.20e20');
  assert.equal(formatHours(12), '12 h');
  assert.equal(formatHours(72), '3 days');
  assert.equal(formatCount(NaN), '—');
});
