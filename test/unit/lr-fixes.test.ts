/**
 * Property test of the LR quick fixes (src/server/hyperparameterActions.ts, issue 14 item 3) over
 * every config with an LR key in the framework fixtures and the ../shared corpora: for each law
 * whose optimum is more than 2× from the config's LR, the fix's LSP edit (applied by
 * vscode-languageserver-textdocument) changes only the LR literal; the core re-reads the edited file
 * to exactly the LR its title prints (3 significant digits) with N and D unchanged. The optima are
 * recomputed here from the published constants (DeepSeek-AI 2024 §3.1; Li et al. 2025 Step Law,
 * step-law/steplaw@32a8f4cc) at the analysis's own scale, not copied from the module.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, readContextFor } from '../../src/core/analyze';
import {
  DEEPSEEK_2024,
  STEP_LAW_2025,
  evaluatePowerLaw,
  type HyperparameterOptimum,
} from '../../src/core/laws/hyperparameters';
import {
  batchFixes,
  hyperparameterCodeActions,
  lrFixes,
  lrLiteralLike,
} from '../../src/server/hyperparameterActions';
import { hyperparameterDiagnostics } from '../../src/server/hyperparameterDiagnostics';
import { formatLr } from '../../src/server/scheduleHover';
import type { DocumentResult } from '../../src/server/model';
import { diskReadFile, fixtureDirs, HAS_SHARED, SHARED_DIR } from '../helpers';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

function corpus(): string[] {
  const paths: string[] = [];
  for (const { dir } of fixtureDirs()) paths.push(...listFiles(dir));
  if (HAS_SHARED)
    for (const name of readdirSync(SHARED_DIR).sort())
      if (/^configs/.test(name)) paths.push(...listFiles(join(SHARED_DIR, name)));
  return paths.filter((p) => /\.(ya?ml|toml|py|sh|json)$/.test(p));
}

/** The law's LR optimum from the published constants at the analysis's own inputs. */
function optimumFromConstants(law: string, inputs: Record<string, number>): number | undefined {
  if (law === 'deepseek2024') return evaluatePowerLaw(DEEPSEEK_2024.learningRate, { C: inputs.C });
  if (law === 'steplaw2025')
    return evaluatePowerLaw(STEP_LAW_2025.learningRate, { N: inputs.N, D: inputs.D });
  return undefined;
}

test('every LR fix re-reads to the law optimum its title prints, with N and D unchanged and only the literal edited', () => {
  let files = 0;
  let far = 0;
  let fixesChecked = 0;
  const notations = new Set<string>();
  for (const path of corpus()) {
    const text = diskReadFile(path);
    if (text === undefined) continue;
    const settings = DEFAULT_ANALYSIS_SETTINGS;
    const context = readContextFor({ path, readFile: diskReadFile }, settings);
    const a = analyzeText(text, context, settings).analysis;
    const view = a?.hyperparameters;
    if (!a || !view?.config.learningRateKey || view.config.learningRate === null) continue;
    files++;
    const lr = view.config.learningRate;
    const farLaws = view.optima.filter((o) => {
      const opt = optimumFromConstants(o.law, o.inputs);
      return opt !== undefined && (lr / opt > 2 || opt / lr > 2);
    });
    if (farLaws.length) far++;
    const fixes = lrFixes(text, a, context, settings);
    // No fix for a law within 2×; at most one per far law.
    assert.ok(
      fixes.length <= farLaws.length,
      `${path}: ${fixes.length} fixes for ${farLaws.length} far laws`,
    );
    const diagnostic = hyperparameterDiagnostics({ analysis: a } as DocumentResult).find(
      (d) => d.code === 'lr-vs-laws',
    );
    for (const fix of fixes) {
      fixesChecked++;
      const o: HyperparameterOptimum = view.optima.find((x) => x.law === fix.law)!;
      assert.ok(farLaws.includes(o), `${path}: ${fix.title} is for a law more than 2× away`);
      const expected: number = Number(formatLr(optimumFromConstants(fix.law, o.inputs)!));
      const titled = Number(/ to ([-\d.e]+) \(/.exec(fix.title)?.[1]);
      assert.equal(titled, expected, `${path}: ${fix.title} prints the law's optimum`);
      // Through the LSP edit, as the editor applies it.
      const result = {
        uri: 'file:///x',
        version: 1,
        analysis: a,
        analysisSettings: settings,
      } as unknown as DocumentResult;
      const actions = hyperparameterCodeActions(result, {
        uri: 'file:///x',
        version: 1,
        range: diagnostic!.range,
        diagnostics: [diagnostic as Diagnostic],
        documentChanges: false,
        text,
        readContext: context,
      });
      const action = actions.find((x) => x.title === fix.title);
      assert.ok(action?.edit?.changes, `${path}: ${fix.title} is a code action with an edit`);
      const doc = TextDocument.create('file:///x', 'plaintext', 1, text);
      const edited = TextDocument.applyEdits(doc, action!.edit!.changes!['file:///x']!);
      assert.equal(edited, fix.text, `${path}: the LSP edit gives the text the fix was analysed on`);
      const again = analyzeText(edited, context, settings).analysis!;
      assert.ok(
        Math.abs(again.hyperparameters!.config.learningRate! - titled) <= 1e-12 * titled,
        `${path}: ${fix.title} re-reads to ${again.hyperparameters!.config.learningRate}`,
      );
      assert.equal(again.params?.total, a.params?.total, `${path}: N total unchanged`);
      assert.equal(again.params?.active, a.params?.active, `${path}: N active unchanged`);
      assert.equal(again.tokens, a.tokens, `${path}: D unchanged`);
      // Only the literal changed: the text outside the replaced range is byte-identical.
      const { start, end } = fix.replacement;
      assert.equal(edited.slice(0, start), text.slice(0, start));
      assert.equal(edited.slice(start + fix.written.length), text.slice(end));
      notations.add(
        `${/[eE]/.test(text.slice(start, end)) ? 'exp' : 'dec'}:${/\.(sh)$/.test(path) ? 'sh' : path.split('.').pop()}`,
      );
    }
    if (diagnostic && farLaws.length)
      assert.match(diagnostic.message, /× (above|below) the .* optimum \(more than 2×\)/);
  }
  console.log(
    `  ${files} configs with an LR key, ${far} more than 2× from a law, ${fixesChecked} fixes checked; notations ${[...notations].sort().join(', ')}`,
  );
  if (HAS_SHARED) {
    assert.ok(files >= 50, `corpus: ${files} configs with an LR key`);
    assert.ok(fixesChecked >= 40, `${fixesChecked} fixes checked`);
    for (const n of ['exp:yaml', 'dec:yml', 'exp:toml', 'dec:sh'])
      assert.ok(notations.has(n), `a fix in ${n} notation (${[...notations].join(', ')})`);
  }
});

test('lrLiteralLike keeps the file’s notation: 6.0e-4 → 3.0e-3 (PyYAML needs the dot), 6E-4 → 3.1E-3, 0.0006 → 0.00314', () => {
  assert.equal(lrLiteralLike('6.0e-4', 3e-3), '3.0e-3');
  assert.equal(lrLiteralLike('6.0e-4', 3.14e-3), '3.14e-3');
  assert.equal(lrLiteralLike('3e-4', 3e-3), '3e-3');
  assert.equal(lrLiteralLike('6E-4', 3.1e-3), '3.1E-3');
  assert.equal(lrLiteralLike('3.e-5', 1.2e-4), '1.2e-4');
  assert.equal(lrLiteralLike('0.0006', 3.14e-3), '0.00314');
  assert.equal(lrLiteralLike('0.001', 0.283), '0.283');
  assert.equal(lrLiteralLike('0.00015', 5.22e-6), '0.00000522');
  for (const [orig, v] of [
    ['6.0e-4', 1.07e-5],
    ['0.0002', 6.64e-4],
    ['1E-3', 9.29e-4],
  ] as const)
    assert.equal(Number(lrLiteralLike(orig, v)), v);
});

/** The law's batch optimum in tokens from the published constants at the analysis's own inputs. */
function batchFromConstants(law: string, inputs: Record<string, number>): number | undefined {
  if (law === 'deepseek2024') return evaluatePowerLaw(DEEPSEEK_2024.batchTokens, { C: inputs.C });
  if (law === 'steplaw2025') return evaluatePowerLaw(STEP_LAW_2025.batchTokens, { D: inputs.D });
  return undefined;
}

test('every global-batch fix re-reads to the batch its title states (the law’s, rounded to micro-batch × DP), N unchanged, D within 1%', () => {
  let withDiagnostic = 0;
  let fixesChecked = 0;
  let stepsAdjusted = 0;
  const reasons = new Set<string>();
  for (const path of corpus()) {
    const text = diskReadFile(path);
    if (text === undefined) continue;
    const settings = DEFAULT_ANALYSIS_SETTINGS;
    const context = readContextFor({ path, readFile: diskReadFile }, settings);
    const a = analyzeText(text, context, settings).analysis;
    if (!a?.hyperparameters) continue;
    const diagnostic = hyperparameterDiagnostics({ analysis: a } as DocumentResult).find(
      (d) => d.code === 'batch-vs-laws',
    );
    const fixes = batchFixes(text, a, context, settings);
    if (!diagnostic) {
      assert.equal(fixes.length, 0, `${path}: no batch fix without the batch diagnostic`);
      continue;
    }
    withDiagnostic++;
    assert.equal(diagnostic.severity, 3, `${path}: information, never a warning`);
    const reason = /No quick fix: (.*)\.$/.exec(diagnostic.message)?.[1];
    if (reason) {
      reasons.add(
        reason.replace(/^\S+ is not a plain number.*/, 'not a plain number').replace(/as \S+ ×/, 'as … ×'),
      );
      assert.equal(fixes.length, 0, `${path}: the diagnostic says there is no fix (${reason})`);
    }
    const seqLen = a.spec.training.seqLen!;
    for (const fix of fixes) {
      fixesChecked++;
      const titled = Number(/ to ([\d,]+) sequences/.exec(fix.title)![1]!.replace(/,/g, ''));
      const multiple = Number(/a multiple of (\d+)/.exec(fix.title)?.[1] ?? 1);
      const o = a.hyperparameters.optima.find((x) => x.law === fix.law)!;
      const lawSeqs = batchFromConstants(fix.law, o.inputs)! / seqLen;
      assert.equal(titled % multiple, 0, `${path}: ${fix.title}`);
      assert.ok(
        Math.abs(titled - lawSeqs) <= multiple / 2 + 1e-9 || titled === multiple,
        `${path}: ${fix.title} rounds the law's ${lawSeqs} sequences`,
      );
      const result = {
        uri: 'file:///x',
        version: 1,
        analysis: a,
        analysisSettings: settings,
      } as unknown as DocumentResult;
      const actions = hyperparameterCodeActions(result, {
        uri: 'file:///x',
        version: 1,
        range: diagnostic.range,
        diagnostics: [diagnostic as Diagnostic],
        documentChanges: false,
        text,
        readContext: context,
      });
      const action = actions.find((x) => x.title === fix.title);
      assert.ok(action?.edit?.changes, `${path}: ${fix.title} is a code action`);
      const edited = TextDocument.applyEdits(
        TextDocument.create('file:///x', 'plaintext', 1, text),
        action!.edit!.changes!['file:///x']!,
      );
      assert.equal(edited, fix.text, `${path}: the LSP edit gives the analysed text`);
      const again = analyzeText(edited, context, settings).analysis!;
      assert.equal(
        again.spec.training.globalBatchSeqs,
        titled,
        `${path}: ${fix.title} re-reads to its batch`,
      );
      assert.equal(again.spec.training.tokensPerStep, titled * seqLen);
      assert.equal(again.params?.total, a.params?.total, `${path}: N unchanged`);
      assert.equal(again.params?.active, a.params?.active, `${path}: N active unchanged`);
      assert.ok(
        Math.abs(again.tokens! - a.tokens!) / a.tokens! <= 0.01,
        `${path}: ${fix.title}: D ${a.tokens} → ${again.tokens}`,
      );
      assert.equal(again.hyperparameters?.config.learningRate, a.hyperparameters.config.learningRate);
      if (fix.replacements.length > 1) stepsAdjusted++;
    }
  }
  console.log(
    `  ${withDiagnostic} configs with the batch diagnostic, ${fixesChecked} batch fixes checked (${stepsAdjusted} also rewrite the run length); no-fix reasons: ${[...reasons].join(' | ')}`,
  );
  if (HAS_SHARED) {
    assert.ok(fixesChecked >= 30, `${fixesChecked} batch fixes`);
    assert.ok(stepsAdjusted >= 10, `${stepsAdjusted} fixes rewrite the steps`);
    assert.ok(reasons.size >= 2, [...reasons].join(' | '));
  }
});
