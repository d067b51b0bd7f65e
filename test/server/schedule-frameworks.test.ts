/**
 * Over JSON-RPC against the bundled server: the schedule extractors of torchtune, Axolotl and
 * DeepSpeed (each reader's `schedule`, found through the registry) reach the LR-schedule hover and the
 * panel's "loss over training" chart with no server change. Real fixtures from each framework folder.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CurvesRequest, type CurvesResponse } from '../../src/protocol';
import { fixturePath } from '../helpers';
import { LspTestClient, positionOf, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
before(async () => {
  if (!NOT_BUILT) client = await LspTestClient.start();
});
after(async () => {
  await client?.stop();
});

async function hoverAt(path: string, needle: string, delta = 1): Promise<string> {
  const uri = await client.open(path);
  const hover = await client.hover(uri, positionOf(readFileSync(path, 'utf8'), needle, delta));
  assert.ok(hover, `a hover on ${needle}`);
  return (hover!.contents as { value: string }).value;
}

async function lossOverTraining(path: string): Promise<string | undefined> {
  const uri = await client.open(path);
  const answer = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
  assert.ok(answer, 'a run config has curves');
  const chart = answer.data.charts.find(
    (c) => /loss over training/i.test(c.title ?? '') || c.id === 'schedule',
  );
  assert.ok(chart, `charts: ${answer.data.charts.map((c) => c.id).join(', ')}`);
  return chart.unavailable;
}

test(
  'torchtune 7B_lora_dpo.yaml: hover on num_warmup_steps draws the cosine over epochs × max_steps_per_epoch, with its caveat',
  { skip: NOT_BUILT },
  async () => {
    const path = fixturePath('torchtune', 'schedule', 'llama2_7B_lora_dpo.yaml');
    const md = await hoverAt(path, 'num_warmup_steps');
    assert.match(md, /^\*\*lr_scheduler\.num_warmup_steps\*\* · Scaling Lens · LR schedule/);
    assert.match(md, /- warmup 100 steps \(linear from 0\)/);
    assert.match(md, /- cosine, to 0 \(0% of peak\) at 1,000 steps/);
    assert.match(
      md,
      /Not a full run plan:\n- the horizon 1000 = epochs 1 × max_steps_per_epoch 1000 holds only when/,
    );
    assert.match(
      (await lossOverTraining(path)) ?? '',
      /^Loss over training unknown: .*no token plan: the tokens of a torchtune run/,
    );
  },
);

test(
  'Axolotl qwen2 adamw-pretrain-fsdp2.yaml: hover on warmup_steps, cosine to 0 at max_steps 305',
  { skip: NOT_BUILT },
  async () => {
    const path = fixturePath('axolotl', 'schedule', 'qwen2_adamw-pretrain-fsdp2.yaml');
    const md = await hoverAt(path, 'warmup_steps');
    assert.match(md, /- warmup 10 steps \(linear from 0\)/);
    assert.match(md, /- peak 2e-4/);
    assert.match(md, /- cosine, to 0 \(0% of peak\) at 305 steps/);
    assert.match((await lossOverTraining(path)) ?? '', /no token plan: Axolotl packs or pads rows/);
  },
);

test(
  'DeepSpeed ds_config_z2.json: hover on warmup_num_steps says logarithmic warmup (DeepSpeed default), sparkline-free without a run length',
  { skip: NOT_BUILT },
  async () => {
    const path = fixturePath('deepspeed', 'schedule', 'torch_compile_ds_config_z2.json');
    const md = await hoverAt(path, '"warmup_num_steps"');
    assert.match(md, /^\*\*scheduler\.params\.warmup_num_steps\*\*/);
    assert.match(md, /- warmup 1,000 steps \(logarithmic from 0\)/);
    assert.match(md, /- peak 1e-3/);
    assert.match(md, /- constant after warmup/);
    assert.match(md, /`warmup_type` not set: DeepSpeed default `log`/);
    assert.match((await lossOverTraining(path)) ?? '', /a DeepSpeed JSON holds neither/);
  },
);
