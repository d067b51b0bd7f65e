/** The memory lens states the CLI's memory estimate and capacity (GiB) for a config with a parallel layout. */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatCount } from '../../src/core/format';
import { REPO_ROOT } from '../helpers';
import { cliAnalyze } from './expected';
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

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);

test(
  'a Megatron launch script gets a memory lens equal to the CLI estimate; the toggle hides it',
  { skip: NOT_BUILT },
  async () => {
    const file = join(REPO_ROOT, 'examples', 'megatron', 'pretrain_gpt_1.3b.sh');
    const uri = await client.open(file);
    const [cli] = cliAnalyze([file]) as unknown as {
      memory: { perGpuBytes: number; capacityBytes: number } | null;
      throughput: { tokensPerSecondPerGpu: number } | null;
    }[];
    assert.ok(cli!.memory && cli!.throughput);
    const lenses = (await client.codeLens(uri)) ?? [];
    const titles = lenses.map((l) => l.command!.title);
    // The throughput moved to the tooltip so the title fits a line next to the panel (issue #16).
    const expected = `≈ ${gib(cli!.memory.perGpuBytes)} / ${gib(cli!.memory.capacityBytes)} GiB per GPU (H100)`;
    assert.ok(titles.includes(expected), `${JSON.stringify(titles)} should include ${expected}`);
    const tooltip = (lenses.find((l) => l.command!.title === expected)!.data as { tooltip: string }).tooltip;
    assert.ok(
      tooltip.includes(
        `Throughput: ${formatCount(cli!.throughput.tokensPerSecondPerGpu)} tokens/s per GPU at MFU 40%.`,
      ),
      tooltip,
    );
    await client.setSettings({ lens: { memory: { enable: false } } });
    await client.waitFor(() => client.lensRefreshes > 0, 5000, 'a lens refresh').catch(() => undefined);
    const hidden = ((await client.codeLens(uri)) ?? []).map((l) => l.command!.title);
    assert.ok(!hidden.some((t) => t.includes('GiB per GPU')), JSON.stringify(hidden));
  },
);
