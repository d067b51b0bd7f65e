/**
 * Over real JSON-RPC against the bundled server: the panel's "loss over training" chart
 * (scalingLens/curves) carries the WSD what-if (src/core/schedule/wsdWhatIf.ts), and it is the
 * `whatIf.wsd` of `scaling-lens curve CONFIG --law <the panel's law> --json` from the bundled CLI, point
 * for point; an edit to a constant LR removes it with the reason. The numbers are checked in
 * test/unit/wsd-whatif.test.ts; this checks the wiring end to end.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CurvesRequest, type CurvesResponse } from '../../src/protocol';
import { REPO_ROOT } from '../helpers';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

let client: LspTestClient;
let dir: string;
before(async () => {
  if (NOT_BUILT) return;
  client = await LspTestClient.start();
  dir = mkdtempSync(join(tmpdir(), 'scaling-lens-wsd-'));
});
after(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(
  'curves: nanoGPT GPT-2 124M draws the WSD what-if = scaling-lens curve --json whatIf.wsd; a constant LR draws none and says why',
  { skip: NOT_BUILT },
  async () => {
    const text = readFileSync(join(REPO_ROOT, 'examples', 'nanogpt', 'train_gpt2_124m.py'), 'utf8');
    const file = join(dir, 'train_gpt2_124m.py');
    writeFileSync(file, text);
    const uri = await client.open(file);
    const answer = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
    const chart = answer.data.charts.find((c) => c.id === 'schedule')!;
    const wsd = chart.series.find((s) => s.id === 'wsd');
    assert.ok(wsd, `a WSD series: ${chart.caption?.join(' | ')}`);
    assert.equal(wsd.label, 'WSD what-if (20% 1-sqrt cooldown; Luo et al. 2025 100M fit)');
    assert.equal(wsd.dashed, true);
    const cli = JSON.parse(
      execFileSync(
        process.execPath,
        [join(REPO_ROOT, 'dist', 'cli.js'), 'curve', file, '--law', answer.snapshot.law.id, '--json'],
        { encoding: 'utf8' },
      ),
    ) as { whatIf: { wsd: { tokens: number; loss: number }[]; source: string } };
    assert.deepEqual(
      wsd.points,
      cli.whatIf.wsd.map((r) => ({ x: r.tokens, y: r.loss })),
    );
    assert.ok(chart.caption!.includes(cli.whatIf.source), 'the chart states the CLI’s source');
    assert.match(
      cli.whatIf.source,
      /not a prediction for this model: N = [\d.]+M is [\d.]+× (smaller than )?their 100M; this run has 60,001 steps/,
    );
    assert.ok(answer.data.table.some((row) => row.chart === 'schedule' && row.series === wsd.label));

    // No decay: nothing to cool down to, so no what-if, and the caption says why.
    const constant = `${text}decay_lr = False\n`;
    await client.change(uri, constant);
    const edited = (await client.connection.sendRequest(CurvesRequest, { uri })) as CurvesResponse;
    const after = edited.data.charts.find((c) => c.id === 'schedule')!;
    assert.equal(
      after.series.find((s) => s.id === 'wsd'),
      undefined,
    );
    assert.ok(
      after.caption!.includes(
        'WSD what-if not drawn: the LR does not decay, so a cooldown to its final LR is this run itself.',
      ),
      after.caption!.join(' | '),
    );
  },
);
