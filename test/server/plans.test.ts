/**
 * Planning is a server service: the client sends the inputs, the server validates them, plans
 * under the document's settings and returns the report and the edits (the client bundles no planner).
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApplyPlanRequest,
  PlanContextRequest,
  PlanRequest,
  ValidatePlanInputRequest,
} from '../../src/protocol';
import { REPO_ROOT } from '../helpers';
import { cliAnalyze } from './expected';
import { applyEdits, LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
let dir: string;
before(async () => {
  if (NOT_BUILT) return;
  client = await LspTestClient.start();
  dir = mkdtempSync(join(tmpdir(), 'scaling-lens-plans-'));
});
after(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(
  'the server validates plan inputs, plans with the analysis defaults and applies the plan as edits',
  { skip: NOT_BUILT },
  async () => {
    const source = readFileSync(join(REPO_ROOT, 'examples', 'nanogpt', 'train_gpt2_124m.py'), 'utf8');
    const file = join(dir, 'train_gpt2_124m.py');
    writeFileSync(file, source);
    const uri = await client.open(file);
    await client.waitForDiagnostics(uri).catch(() => undefined);

    const context = await client.connection.sendRequest(PlanContextRequest, { uri });
    assert.deepEqual(context.hardware, { gpu: 'H100', mfu: 0.4 });
    assert.match(context.lawLabel, /Epoch/);
    assert.equal(
      await client.connection.sendRequest(ValidatePlanInputRequest, {
        field: 'budget',
        text: '1e21 FLOPs',
        uri,
      }),
      null,
    );
    assert.match(
      (await client.connection.sendRequest(ValidatePlanInputRequest, {
        field: 'budget',
        text: 'lots',
        uri,
      }))!,
      /./,
    );

    const plan = await client.connection.sendRequest(PlanRequest, {
      kind: 'compute-optimal',
      budget: '1e21 FLOPs',
      uri,
    });
    assert.ok(plan.ok, JSON.stringify(plan));
    assert.ok(plan.canApply);
    assert.match(plan.markdown, /Compute-optimal plan: /);
    assert.match(plan.summary, /^N\* = /);

    const applied = await client.connection.sendRequest(ApplyPlanRequest, {
      uri,
      target: plan.target,
      name: 'train_gpt2_124m.py',
    });
    assert.ok(applied.ok, JSON.stringify(applied));
    assert.ok(applied.edits.length > 0);
    assert.equal(applied.version, 1);
    const edited = applyEdits(source, applied.edits);
    const out = join(dir, 'edited.py');
    writeFileSync(out, edited);
    const [after] = cliAnalyze([out]);
    // The edit changes the shape and the length to the plan's (within the rounding its message states).
    assert.ok(
      Math.abs(after!.tokens! / plan.target.tokens! - 1) < 0.05,
      `${after!.tokens} vs ${plan.target.tokens!}`,
    );
    assert.match(applied.message, /^Applied \d+ changes? to train_gpt2_124m\.py: N = /);
  },
);
