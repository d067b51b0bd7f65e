/** The language status always says what the file is: recognized as X, not read, unsupported, or not a config. */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DocumentKindRequest, type DocumentKind } from '../../src/protocol';
import { fixturePath } from '../helpers';
import { LspTestClient, SERVER_JS } from './lspClient';

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

const kindOf = (uri: string): Promise<DocumentKind> =>
  client.connection.sendRequest(DocumentKindRequest, { uri });

test('the server says what each file is', { skip: NOT_BUILT }, async () => {
  const olmo = await client.open(fixturePath('olmo', 'OLMo-tiny-tied.yaml'));
  assert.deepEqual(await kindOf(olmo), { kind: 'run-config', framework: 'olmo', frameworkLabel: 'OLMo' });

  const recipe = await client.open(
    join(tmpdir(), 'nemo2_pretrain.py'),
    'from nemo.collections import llm\nrecipe = llm.llama3_8b.pretrain_recipe(num_nodes=2)\n',
  );
  assert.deepEqual(await kindOf(recipe), {
    kind: 'run-config',
    framework: 'nemo2',
    frameworkLabel: 'NeMo 2.x',
  });

  const trainerScript = await client.open(
    join(tmpdir(), 'hf_train.py'),
    'from transformers import Trainer, TrainingArguments\nargs = TrainingArguments(output_dir="out", num_train_epochs=3)\n',
  );
  const unsupported = await kindOf(trainerScript);
  assert.equal(unsupported.kind, 'unsupported-framework');

  const other = await client.open(join(tmpdir(), 'ci.yaml'), 'name: ci\non: [push]\n');
  assert.deepEqual(await kindOf(other), { kind: 'not-a-run-config' });
});
