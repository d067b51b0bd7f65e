/**
 * Over the language server (dist/server.js, JSON-RPC), issue 14 item 3: on mpt-125m.yaml (lr 6.0e-4)
 * the LR diagnostic says per law how far the config is (Step Law 2025 and DeepSeek 2024 optima are
 * both more than 2× above it) and offers one quick fix per law; each fix's edit, applied to the text,
 * is a file the CLI (`dist/cli.js analyze --json`, the same core) reads back with exactly the LR the
 * title prints, N and D unchanged, and only the LR literal changed. Expected optima are recomputed
 * from the published constants (src/core/laws/hyperparameters.ts) at the CLI's own N, D and C.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextEdit } from 'vscode-languageserver';
import { analyzeText } from '../../src/core/analyze';
import { DEEPSEEK_2024, STEP_LAW_2025, evaluatePowerLaw } from '../../src/core/laws/hyperparameters';
import { formatCount } from '../../src/core/format';
import { formatLr } from '../../src/server/scheduleHover';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';
import { cliAnalyze } from './expected';
import { LspTestClient, positionOf, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';
const SKIP = SHARED_SKIP || NOT_BUILT;
const MPT = join(SHARED_DIR, 'configs-b', 'llm-foundry', 'pretrain', 'mpt-125m.yaml');

let client: LspTestClient;
before(async () => {
  if (!SKIP) client = await LspTestClient.start();
});
after(async () => {
  await client?.stop();
});

interface CliRun {
  params: { total: number; active: number };
  tokens: number;
  hyperparameters: { config: { learningRate: number | null } };
}
const dir = mkdtempSync(join(tmpdir(), 'lr-fixes-'));
function cliOnText(text: string): CliRun {
  const path = join(dir, 'mpt-125m.yaml');
  writeFileSync(path, text);
  return cliAnalyze([path])[0] as never;
}

test(
  'mpt-125m.yaml lr 6.0e-4: diagnostic per law, quick fixes “Set optimizer.lr to … (Step Law 2025 optimum)” / “(DeepSeek 2024 optimum)” that re-read to their titles',
  { skip: SKIP },
  async () => {
    const text = readFileSync(MPT, 'utf8');
    const a = analyzeText(text, { path: MPT }).analysis!;
    const [deepseek, step] = a.hyperparameters!.optima;
    const stepLr = evaluatePowerLaw(STEP_LAW_2025.learningRate, { N: step!.inputs.N, D: step!.inputs.D })!;
    const deepseekLr = evaluatePowerLaw(DEEPSEEK_2024.learningRate, { C: deepseek!.inputs.C })!;
    // Both optima are more than 2× above 6e-4 at this scale, so both laws get a fix.
    assert.ok(stepLr / 6e-4 > 2 && deepseekLr / 6e-4 > 2, `${stepLr} ${deepseekLr}`);
    const uri = await client.open(MPT);
    const diagnostics = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'lr-vs-laws'));
    const lr = diagnostics.find((d) => d.code === 'lr-vs-laws')!;
    assert.equal(lr.severity, 3); // Information, never a warning
    assert.match(lr.message, /a guide, not a target/);
    assert.ok(
      lr.message.endsWith(
        ` lr is ${(stepLr / 6e-4).toFixed(1)}× below the Step Law (Li et al. 2025) optimum and ${(deepseekLr / 6e-4).toFixed(1)}× below the DeepSeek 2024 optimum (more than 2×).`,
      ),
      lr.message,
    );
    const actions = (await client.codeActions(uri, lr.range, [lr]))!.filter((x) =>
      / optimum\)$/.test(x.title),
    );
    assert.deepEqual(
      actions.map((x) => x.title),
      [
        `Set optimizer.lr to ${formatLr(stepLr)} (Step Law 2025 optimum)`,
        `Set optimizer.lr to ${formatLr(deepseekLr)} (DeepSeek 2024 optimum)`,
      ],
    );
    const before = cliOnText(text);
    const valueAt = positionOf(text, '6.0e-4');
    for (const action of actions) {
      const edits = (action.edit!.changes?.[uri] ??
        (action.edit!.documentChanges![0] as { edits: TextEdit[] }).edits) as TextEdit[];
      assert.equal(edits.length, 1);
      assert.deepEqual(edits[0]!.range.start, valueAt, 'the edit replaces the value, not the key');
      const edited = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), edits);
      // Same text except the literal, written with the file's mantissa dot (PyYAML reads 3e-3 as a string).
      assert.match(edits[0]!.newText, /^\d\.\d+e-\d$/);
      assert.equal(edited.replace(edits[0]!.newText, '6.0e-4'), text);
      const after = cliOnText(edited);
      const titled = Number(/ to ([\d.e-]+) /.exec(action.title)![1]);
      assert.equal(after.hyperparameters.config.learningRate, titled);
      assert.equal(after.params.total, before.params.total);
      assert.equal(after.params.active, before.params.active);
      assert.equal(after.tokens, before.tokens);
    }
  },
);

test(
  'mpt-125m.yaml global_train_batch_size 256: batch diagnostic, fixes to each law’s batch with max_duration rewritten so D stays within 1%',
  { skip: SKIP },
  async () => {
    const text = readFileSync(MPT, 'utf8');
    const a = analyzeText(text, { path: MPT }).analysis!;
    const [deepseek, step] = a.hyperparameters!.optima;
    const seqLen = a.spec.training.seqLen!;
    const stepSeqs = evaluatePowerLaw(STEP_LAW_2025.batchTokens, { D: step!.inputs.D })! / seqLen;
    const deepseekSeqs = evaluatePowerLaw(DEEPSEEK_2024.batchTokens, { C: deepseek!.inputs.C })! / seqLen;
    const uri = await client.open(MPT);
    const diagnostics = await client.waitForDiagnostics(uri, (d) =>
      d.some((x) => x.code === 'batch-vs-laws'),
    );
    const batch = diagnostics.find((d) => d.code === 'batch-vs-laws')!;
    assert.equal(batch.severity, 3);
    assert.deepEqual(batch.range.start, positionOf(text, 'global_train_batch_size: 256'));
    assert.ok(
      batch.message.startsWith(
        `global batch 256 sequences (${formatCount(256 * seqLen)} tokens); Step Law (Li et al. 2025) optimum ${Math.round(stepSeqs).toLocaleString('en-US')} (`,
      ),
      batch.message,
    );
    assert.doesNotMatch(batch.message, /No quick fix/);
    const actions = (await client.codeActions(uri, batch.range, [batch]))!.filter((x) =>
      x.title.startsWith('Set global_train_batch_size'),
    );
    const titled = actions.map((x) => Number(/ to ([\d,]+) sequences/.exec(x.title)![1]!.replace(/,/g, '')));
    // llm-foundry states no micro-batch × DP constraint here: the law's batch rounded to a sequence.
    assert.deepEqual(titled, [Math.round(stepSeqs), Math.round(deepseekSeqs)]);
    const before = cliOnText(text);
    for (const [i, action] of actions.entries()) {
      assert.match(action.title, /, max_duration → \d+ba to keep D$/);
      const edits = (action.edit!.changes?.[uri] ??
        (action.edit!.documentChanges![0] as { edits: TextEdit[] }).edits) as TextEdit[];
      const edited = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), edits);
      const after = cliOnText(edited) as CliRun & { training?: unknown };
      const json = cliAnalyze([join(dir, 'mpt-125m.yaml')])[0] as unknown as {
        hyperparameters: { config: { batchSequences: number } };
      };
      assert.equal(json.hyperparameters.config.batchSequences, titled[i]);
      assert.equal(after.params.total, before.params.total);
      assert.ok(
        Math.abs(after.tokens - before.tokens) / before.tokens <= 0.01,
        `${before.tokens} → ${after.tokens}`,
      );
      assert.equal(after.hyperparameters.config.learningRate, before.hyperparameters.config.learningRate);
    }
  },
);
