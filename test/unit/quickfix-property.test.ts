/**
 * Property test of the "set training length" quick fix (src/core/edits.ts durationEditForTokens)
 * over every real config in ../shared/configs* (when present) and every project fixture whose
 * reader reports a duration source: for a random target in [1e6, 1e13] tokens, the edit touches
 * only the duration value, the edited file is still read as the same framework, and its D is the
 * target within the rounding the edit promises (3 significant digits for token counts, one whole
 * step or sample of tokens for step/sample counts, 0.01 epoch for epochs), and equal to the
 * tokens the edit claims (the number the quick fix's title shows).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readRunConfig } from '../../src/core/config/registry';
import { LineIndex } from '../../src/core/config/text';
import { durationEditForTokens } from '../../src/core/edits';
import { durationFix } from '../../src/core/plan/applyPlan';
import type { DurationUnit, FieldSource, ReadOptions, RunSpec, SourceRange } from '../../src/core/types';
import { HAS_SHARED, SHARED_DIR, corpusLabel, diskReadFile, fixtureDirs } from '../helpers';

/** Fixture folders that hold fit inputs, not run configs. */
const NON_CONFIG_FIXTURES = new Set(['runs']);
/** Files of the shared sets that describe them rather than configure a run. */
const NON_CONFIG_FILES = /(^|\/)(README\.md|manifest\.json)$/;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

function corpusPaths(): string[] {
  const paths: string[] = [];
  for (const { name, dir } of fixtureDirs()) {
    if (!NON_CONFIG_FIXTURES.has(name)) paths.push(...listFiles(dir));
  }
  if (HAS_SHARED) {
    for (const name of readdirSync(SHARED_DIR).sort()) {
      if (/^configs/.test(name)) paths.push(...listFiles(join(SHARED_DIR, name)));
    }
  }
  return paths.filter((path) => !NON_CONFIG_FILES.test(path));
}

/** One file (with one set of read options) that offers a duration edit. */
interface EditCase {
  label: string;
  path: string;
  text: string;
  options: ReadOptions;
  spec: RunSpec;
  source: FieldSource;
  unit: DurationUnit;
}

function read(text: string, path: string, options: ReadOptions): RunSpec | undefined {
  const result = readRunConfig(text, { path, readFile: diskReadFile, options });
  return result.kind === 'run-config' ? result.spec : undefined;
}

/**
 * Files whose spec has a duration source in the file itself with a unit the edit can convert
 * (the server offers the fix on the same condition). Each file is read without options and with
 * a GPU count, which gives step-based launchers (MaxText, Megatron without a global batch) their
 * tokens per step.
 */
function editCases(): EditCase[] {
  const cases: EditCase[] = [];
  for (const path of corpusPaths()) {
    const text = diskReadFile(path);
    if (text === undefined) continue;
    const seen = new Set<string>();
    for (const options of [{}, { gpus: 64 }] as ReadOptions[]) {
      const spec = read(text, path, options);
      const source = spec?.trainingSources.duration;
      const unit = spec?.training.durationUnit;
      if (!spec || !source || source.file || !unit || spec.training.finetune) continue;
      // D unknown before the edit (a not-modelled key such as torchtitan fault tolerance) stays
      // unknown after it: no fix is offered then, so there is no promise to check.
      if (spec.training.tokens === undefined) continue;
      if (!durationEditForTokens(source, unit, 1e9).ok) continue;
      // Options that change nothing about the edit are one case, not two.
      const key = JSON.stringify([source.valueRange, unit]);
      if (seen.has(key)) continue;
      seen.add(key);
      const label = `${corpusLabel(path)}${options.gpus ? ' (64 GPUs)' : ''}`;
      cases.push({ label, path, text, options, spec, source, unit });
    }
  }
  return cases;
}

/** The largest |D − target| the edit's rounding allows, in tokens. */
function tolerance(unit: DurationUnit, targetTokens: number): number {
  const perUnit = unit.tokensPerUnit && unit.tokensPerUnit > 0 ? unit.tokensPerUnit : 1;
  switch (unit.kind) {
    case 'tokens':
      // 3 significant digits: half a unit in the third digit, at most 0.5% of the value.
      return 0.005 * targetTokens * (1 + 1e-9);
    case 'steps':
    case 'samples':
      // A whole number of units, at least one.
      return perUnit;
    case 'epochs':
      return 0.01 * perUnit;
  }
}

const cases = editCases();

/**
 * Whether D is not proportional to the duration key, so the one-shot linear edit cannot land on
 * its target: another stopping criterion caps D (Megatron-DeepSpeed stops at --train-tokens or
 * --train-samples, whichever comes first; OLMo `stop_at` ends a run before `max_duration`), or a
 * batch ramp-up (Megatron --rampup-batch-size) makes D fall short of iterations × full batch.
 * Probed from content: write the largest target and compare D with what the edit claims.
 */
function nonLinear(c: EditCase): boolean {
  const result = durationEditForTokens(c.source, c.unit, 1e13);
  if (!result.ok) return false;
  const lines = new LineIndex(c.text);
  const edited =
    c.text.slice(0, lines.offsetAt(result.value.edit.range.start)) +
    result.value.edit.newText +
    c.text.slice(lines.offsetAt(result.value.edit.range.end));
  const tokens = read(edited, c.path, c.options)?.training.tokens;
  return tokens !== undefined && Math.abs(tokens - result.value.tokens) > 1e-9 * result.value.tokens;
}

const linear = cases.filter((c) => !nonLinear(c));
const nonLinearCases = cases.filter((c) => nonLinear(c));

/** Apply the edit for `target` to one case and check every promise of the quick fix. */
function checkEdit(c: EditCase, target: number): void {
  const result = durationEditForTokens(c.source, c.unit, target);
  assert.ok(result.ok, `${c.label}: ${result.ok ? '' : result.reason}`);
  const { edit, tokens: claimed } = result.value;
  const lines = new LineIndex(c.text);
  const start = lines.offsetAt(edit.range.start);
  const end = lines.offsetAt(edit.range.end);
  assert.ok(start <= end && end <= c.text.length, `${c.label}: range inside the file`);
  assert.equal(c.text.slice(start, end), c.source.raw, `${c.label}: the range is the value as written`);
  const edited = c.text.slice(0, start) + edit.newText + c.text.slice(end);
  // Every byte outside the replaced range is unchanged.
  assert.equal(edited.slice(0, start), c.text.slice(0, start), c.label);
  assert.equal(edited.slice(start + edit.newText.length), c.text.slice(end), c.label);

  const spec = read(edited, c.path, c.options);
  assert.ok(spec, `${c.label}: the edited file (${edit.newText}) is still a run config`);
  assert.equal(spec.framework, c.spec.framework, c.label);
  const tokens = spec.training.tokens;
  assert.ok(
    tokens !== undefined,
    `${c.label}: D unknown after writing ${edit.newText}: ${JSON.stringify(spec.training)}`,
  );
  const allowed = tolerance(c.unit, target);
  assert.ok(
    Math.abs(tokens - target) <= allowed,
    `${c.label}: wrote ${edit.newText} for ${target} tokens, read back ${tokens} (allowed ±${allowed})`,
  );
  assert.ok(
    Math.abs(tokens - claimed) <= 1e-9 * claimed,
    `${c.label}: the edit claims ${claimed} tokens, the file gives ${tokens}`,
  );
}

test('the quick-fix corpus covers fixtures of several frameworks', () => {
  const frameworks = new Set(
    linear.filter((c) => c.label.startsWith('fixtures/')).map((c) => c.spec.framework),
  );
  assert.ok(frameworks.size >= 8, `only ${[...frameworks].join(', ')}`);
  assert.ok(linear.length >= (HAS_SHARED ? 60 : 20), `only ${linear.length} cases`);
});

/** Log-uniform targets over [1e6, 1e13] tokens. */
const targetArb = fc.double({ min: 6, max: 13, noNaN: true }).map((exponent) => 10 ** exponent);

test('a duration edit rewrites only the value and re-reads as the target D within its rounding', () => {
  fc.assert(
    fc.property(fc.nat({ max: linear.length - 1 }), targetArb, (index, target) =>
      checkEdit(linear[index], target),
    ),
    { seed: 20_240_602, numRuns: 400, endOnFailure: true, includeErrorInReport: true },
  );
});

test('every config: the editor fix (durationFix) re-reads to the D its title states, or says the run is capped', () => {
  assert.ok(nonLinearCases.length > 0, 'the corpus has ramp-up or capped runs');
  fc.assert(
    fc.property(fc.nat({ max: cases.length - 1 }), targetArb, (index, target) => {
      const c = cases[index];
      const context = { path: c.path, readFile: diskReadFile, ...(c.options ? { options: c.options } : {}) };
      const fix = durationFix(c.text, c.spec, target, context);
      if (!fix) {
        // No edit when the target rounds to the value already written (nothing to offer), or when it
        // is less than one optimizer step: Megatron trains ⌊--train-samples / global batch⌋
        // iterations, so 122 samples of a 128-sample batch train nothing, and no fix is offered.
        const perStep = c.spec.training.tokensPerStep;
        if (perStep !== undefined && target < perStep) return;
        const edit = durationEditForTokens(c.source, c.unit, target);
        assert.ok(
          edit.ok && edit.value.edit.newText.trim() === c.source.raw.trim(),
          `${c.label}: a fix for ${target} tokens`,
        );
        return;
      }
      const spec = read(applyAll(c.text, fix.replacements), c.path, c.options);
      assert.ok(spec?.training.tokens !== undefined, `${c.label}: D known after the fix`);
      assert.ok(
        Math.abs(spec.training.tokens - fix.tokens) <= 1e-9 * fix.tokens,
        `${c.label}: the fix states ${fix.tokens}, the file gives ${spec.training.tokens}`,
      );
      if (!fix.capped)
        assert.ok(Math.abs(fix.tokens - target) / target <= 0.05, `${c.label}: ${fix.tokens} vs ${target}`);
      else assert.ok(fix.notes.length > 0, `${c.label}: a capped fix explains why`);
    }),
    { seed: 20_240_603, numRuns: 150, endOnFailure: true, includeErrorInReport: true },
  );
  // The runs the linear edit over-promised on are exactly where the fix must still be right.
  for (const c of nonLinearCases) {
    const context = { path: c.path, readFile: diskReadFile, ...(c.options ? { options: c.options } : {}) };
    const fix = durationFix(c.text, c.spec, 1e12, context);
    assert.ok(fix, c.label);
    const spec = read(
      fix.replacements.length ? applyAll(c.text, fix.replacements) : c.text,
      c.path,
      c.options,
    );
    assert.ok(Math.abs(spec!.training.tokens! - fix.tokens) <= 1e-9 * fix.tokens, c.label);
  }
});

function applyAll(text: string, replacements: { range: SourceRange; newText: string }[]): string {
  const lines = new LineIndex(text);
  const ordered = [...replacements].sort(
    (a, b) => lines.offsetAt(b.range.start) - lines.offsetAt(a.range.start),
  );
  let edited = text;
  for (const r of ordered)
    edited =
      edited.slice(0, lines.offsetAt(r.range.start)) + r.newText + edited.slice(lines.offsetAt(r.range.end));
  return edited;
}
