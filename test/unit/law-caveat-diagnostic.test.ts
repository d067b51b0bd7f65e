/** A law whose bootstrap does not identify its coefficients puts a warning on every config that uses it. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { EPOCH_2024, type ScalingLaw } from '../../src/core/laws/published';
import { DEFAULT_SETTINGS } from '../../src/protocol';
import { buildDiagnostics, ServerDiagnosticCodes } from '../../src/server/diagnostics';
import type { DocumentResult } from '../../src/server/model';
import { fixture, fixturePath } from '../helpers';

function resultWith(law: ScalingLaw): DocumentResult {
  const text = fixture('nanogpt', 'train_tiny_char.py');
  const outcome = analyzeText(
    text,
    { path: fixturePath('nanogpt', 'train_tiny_char.py') },
    DEFAULT_ANALYSIS_SETTINGS,
  );
  return {
    uri: 'file:///x.py',
    version: 1,
    recognized: true,
    framework: 'nanogpt',
    analysis: outcome.analysis,
    diagnostics: outcome.diagnostics,
    settings: DEFAULT_SETTINGS,
    analysisSettings: DEFAULT_ANALYSIS_SETTINGS,
    law,
    settingsWarnings: [],
    elapsedMs: 1,
  };
}

test('a not-identifiable fitted law (A over ten orders of magnitude) gets a warning; Epoch’s does not', () => {
  const wide: ScalingLaw = {
    ...EPOCH_2024,
    id: 'fitted:three-sizes',
    label: 'three sizes (fitted)',
    bootstrapDraws: Array.from({ length: 100 }, (_, i) => [
      1.8,
      10 ** (1 + i / 10),
      2000,
      0.34 + i / 1000,
      0.36,
    ]),
  };
  const warned = buildDiagnostics(resultWith(wide)).filter(
    (d) => d.code === ServerDiagnosticCodes.lawNotIdentifiable,
  );
  assert.equal(warned.length, 1);
  assert.match(warned[0]!.message, /three sizes \(fitted\)/);
  assert.match(warned[0]!.message, /\bA\b/);
  const none = buildDiagnostics(resultWith(EPOCH_2024)).filter(
    (d) => d.code === ServerDiagnosticCodes.lawNotIdentifiable,
  );
  assert.deepEqual(none, []);
});
