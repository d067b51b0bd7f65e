/**
 * package.json's settings (enums and defaults) are the code's: published law ids, accelerators, law
 * forms, and every default the analysis and the fit use. A law, GPU or form added in code without the
 * manifest (or the reverse) fails here.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIT_DEFAULTS } from '../../src/core/fit/defaults';
import { LAW_FORM_IDS } from '../../src/core/laws/forms';
import { PUBLISHED_LAWS } from '../../src/core/laws/published';
import { ACCELERATORS } from '../../src/core/model/hardware';
import { DEFAULT_FIT_SETTINGS, DEFAULT_SETTINGS } from '../../src/protocol';
import { REPO_ROOT } from '../helpers';

interface SettingSchema {
  enum?: unknown[];
  anyOf?: { enum?: unknown[] }[];
  default?: unknown;
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, SettingSchema> }[] };
};
const settings: Record<string, SettingSchema> = Object.assign(
  {},
  ...manifest.contributes.configuration.map((section) => section.properties),
);
const setting = (key: string): SettingSchema => {
  const schema = settings[`scalingLens.${key}`];
  assert.ok(schema, `scalingLens.${key} is contributed`);
  return schema;
};

test('the law enum lists every published law and defaults to the analysis default', () => {
  const schema = setting('law');
  const listed = schema.anyOf?.find((option) => option.enum)?.enum;
  assert.deepEqual(
    listed,
    PUBLISHED_LAWS.map((law) => law.id),
  );
  assert.equal(schema.default, DEFAULT_SETTINGS.law);
});

test('the GPU enum lists every accelerator of the hardware table', () => {
  assert.deepEqual(
    setting('hardware.gpu').enum,
    ACCELERATORS.map((a) => a.id),
  );
  assert.equal(setting('hardware.gpu').default, DEFAULT_SETTINGS.hardware.gpu);
  assert.equal(setting('hardware.gpus').default, DEFAULT_SETTINGS.hardware.gpus);
  assert.equal(setting('hardware.mfu').default, DEFAULT_SETTINGS.hardware.mfu);
});

test('the fit settings list every law form and use the one set of fit defaults', () => {
  assert.deepEqual(setting('fit.form').enum, [...LAW_FORM_IDS]);
  assert.equal(setting('fit.form').default, FIT_DEFAULTS.form);
  assert.deepEqual(setting('fit.borrowExponentsFrom').enum, ['', ...PUBLISHED_LAWS.map((law) => law.id)]);
  const expected: Record<string, unknown> = {
    'fit.minTokens': FIT_DEFAULTS.minTokens,
    'fit.useIntermediateCheckpoints': FIT_DEFAULTS.useIntermediateCheckpoints,
    'fit.minModelSizes': FIT_DEFAULTS.minModelSizes,
    'fit.holdoutLargest': FIT_DEFAULTS.holdoutLargest,
    'fit.targetPrefixFraction': FIT_DEFAULTS.targetPrefixFraction,
    'fit.bootstrap': FIT_DEFAULTS.editorBootstrap,
    'fit.huberDelta': FIT_DEFAULTS.huberDelta,
  };
  for (const [key, value] of Object.entries(expected)) assert.equal(setting(key).default, value, key);
  assert.equal(DEFAULT_FIT_SETTINGS.bootstrap, FIT_DEFAULTS.editorBootstrap);
});

test('the memory overhead settings are contributed, empty by default (the estimate’s own 1 GiB + 5%)', () => {
  assert.equal(setting('memory.overheadGiB').default, null);
  assert.equal(setting('memory.overheadFraction').default, null);
  assert.deepEqual(DEFAULT_SETTINGS.memory, { overheadGiB: null, overheadFraction: null });
});
