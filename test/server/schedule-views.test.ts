/**
 * Over JSON-RPC against the bundled server: the LR-schedule hover on a scheduler key, and the
 * information diagnostic comparing the config's LR with the LR laws' optima (issue 13 item 1,
 * issue 14 item 3). The optima are recomputed here from the published constants at the analysis's
 * own N and D, so the test checks the wiring and the wording, not a copy of the server's numbers.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { DEEPSEEK_2024, STEP_LAW_2025, evaluatePowerLaw } from '../../src/core/laws/hyperparameters';
import { formatLr } from '../../src/server/scheduleHover';
import { SHARED_DIR, SHARED_SKIP } from '../helpers';
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

test(
  'hover on scheduler.t_warmup (mpt-125m.yaml): warmup 100 steps, peak 6e-4, cosine to 6e-5 at 4,800 steps',
  { skip: SKIP },
  async () => {
    const uri = await client.open(MPT);
    const hover = await client.hover(uri, positionOf(readFileSync(MPT, 'utf8'), 't_warmup', 2));
    assert.ok(hover, 'a hover');
    const md = (hover!.contents as { value: string }).value;
    assert.match(md, /^\*\*scheduler\.t_warmup\*\* · Scaling Lens · LR schedule/);
    assert.match(md, /- warmup 100 steps \(linear from 0\)/);
    assert.match(md, /- peak 6e-4/);
    assert.match(md, /- cosine, to 6e-5 \(10% of peak\) at 4,800 steps/);
  },
);

test(
  'information diagnostic on optimizer.lr: the config’s 6e-4 beside Step Law’s and DeepSeek’s optima at this N and D, never a warning',
  { skip: SKIP },
  async () => {
    const text = readFileSync(MPT, 'utf8');
    const a = analyzeText(text, { path: MPT }).analysis!;
    const [deepseek, step] = a.hyperparameters!.optima;
    const stepLr = evaluatePowerLaw(STEP_LAW_2025.learningRate, { N: step!.inputs.N, D: step!.inputs.D })!;
    const deepseekLr = evaluatePowerLaw(DEEPSEEK_2024.learningRate, { C: deepseek!.inputs.C })!;
    assert.ok(stepLr > 2e-3 && stepLr < 4e-3, `Step Law optimum ${stepLr}`);
    const uri = await client.open(MPT);
    const diagnostics = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'lr-vs-laws'));
    const lr = diagnostics.find((d) => d.code === 'lr-vs-laws')!;
    assert.equal(lr.severity, 3); // Information
    assert.deepEqual(lr.range.start, positionOf(text, 'lr: 6.0e-4'));
    const ratio = (Math.max(stepLr, deepseekLr) / Math.min(stepLr, deepseekLr)).toFixed(1);
    assert.equal(
      lr.message.split(' at this scale')[0],
      `lr 6e-4; Step Law (Li et al. 2025) optimum ${formatLr(stepLr)}, DeepSeek 2024 optimum ${formatLr(deepseekLr)}`,
    );
    assert.match(
      lr.message,
      new RegExp(`The two laws differ by ${ratio.replace('.', '\\.')}× at this scale`),
    );
    assert.match(lr.message, /a guide, not a target/);
  },
);
