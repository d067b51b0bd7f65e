import test from 'node:test';
import assert from 'node:assert/strict';
import { budgetPrompt } from '../../src/client/planPrompts';
import { DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/settings';

test('the plan prompt states the MFU the analysis uses by default (40%), not another default', () => {
  assert.equal(DEFAULT_ANALYSIS_SETTINGS.mfu, 0.4);
  assert.equal(budgetPrompt({}), 'Training budget (hardware from settings: H100, MFU 0.4)');
  assert.equal(
    budgetPrompt({ gpu: 'A100-80GB', mfu: 0.55 }),
    'Training budget (hardware from settings: A100-80GB, MFU 0.55)',
  );
});
