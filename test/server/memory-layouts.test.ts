/**
 * Over the language server (dist/server.js, JSON-RPC): one config per framework of the layout
 * readers in src/core/config/frameworks/{nanogpt,litgpt,llm-foundry,olmo,maxtext,levanter,olmo-core}/layout.ts
 * gets the memory lens equal to the CLI's estimate; an over-capacity one gets the diagnostic.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, HAS_SHARED, SHARED_DIR } from '../helpers';
import { cliAnalyze } from './expected';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';
const SKIP = NOT_BUILT || (HAS_SHARED ? false : '../shared not found');

let client: LspTestClient;
before(async () => {
  if (!SKIP) {
    client = await LspTestClient.start();
    await client.setSettings({ hardware: { gpu: 'A100-40GB' } });
  }
});
after(async () => {
  await client?.stop();
});

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
const dir = mkdtempSync(join(tmpdir(), 'memory-layouts-'));

/** One file per framework; Levanter's per-device batch needs the device count, given by the directive. */
function files(): { framework: string; path: string }[] {
  const levanter = join(dir, 'mistral_7b.yaml');
  writeFileSync(
    levanter,
    `# scaling-lens: gpus=32\n${readFileSync(join(SHARED_DIR, 'configs-c/levanter/mistral_7b.yaml'), 'utf8')}`,
  );
  // Every OLMo-core script in the fixtures compiles (unknown memory); its eager form is estimated.
  const olmoCore = join(dir, 'OLMoE-1B-7B.py');
  writeFileSync(
    olmoCore,
    readFileSync(fixturePath('olmo-core', 'OLMoE-1B-7B.py'), 'utf8').replace(
      'compile_model=True',
      'compile_model=False',
    ),
  );
  return [
    { framework: 'nanogpt', path: join(SHARED_DIR, 'configs/nanogpt/train_gpt2.py') },
    { framework: 'litgpt', path: join(SHARED_DIR, 'configs/litgpt/finetune/llama-3-8b_full.yaml') },
    { framework: 'llm-foundry', path: join(SHARED_DIR, 'configs-b/llm-foundry/pretrain/mpt-7b.yaml') },
    { framework: 'olmo', path: join(SHARED_DIR, 'configs-b/olmo/official-1124/OLMo2-7B-stage1.yaml') },
    { framework: 'maxtext', path: fixturePath('maxtext', 'end_to_end', 'test_llama2_7b.sh') },
    { framework: 'levanter', path: levanter },
    { framework: 'olmo-core', path: olmoCore },
  ];
}

test(
  'one config per framework: the memory lens states the CLI estimate; over capacity, the diagnostic',
  { skip: SKIP },
  async () => {
    for (const { framework, path } of files()) {
      const uri = await client.open(path);
      const [cli] = cliAnalyze([path], ['--gpu', 'A100-40GB']) as unknown as {
        framework: string;
        memory: { perGpuBytes: number; capacityBytes: number } | null;
      }[];
      assert.ok(cli!.memory, `${framework}: the CLI estimates memory`);
      const lens = `≈ ${gib(cli!.memory.perGpuBytes)} / ${gib(cli!.memory.capacityBytes)} GiB per GPU (A100-40GB)`;
      // The lens appears once the analysis has run: poll the code lenses for a while.
      let titles: string[] = [];
      for (let i = 0; i < 60 && !titles.some((x) => x.startsWith(lens)); i++) {
        titles = ((await client.codeLens(uri)) ?? []).map((l) => l.command!.title);
        if (!titles.some((x) => x.startsWith(lens))) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(
        titles.some((x) => x.startsWith(lens)),
        `${framework}: ${JSON.stringify(titles)} should include ${lens}`,
      );
      if (cli!.memory.perGpuBytes > cli!.memory.capacityBytes) {
        const diagnostics = await client.waitForDiagnostics(
          uri,
          (d) => d.some((x) => x.code === 'memory-over-capacity'),
          15_000,
        );
        assert.match(
          diagnostics.find((d) => d.code === 'memory-over-capacity')!.message,
          /exceeds the 40\.0 GiB of A100-40GB/,
        );
      }
      await client.close(uri);
    }
  },
);
