/**
 * Over the language server (dist/server.js, JSON-RPC), issue 14 item 3: the LR / batch lenses at the
 * LR key and the batch key state the config's value beside DeepSeek 2024's and Step Law 2025's
 * optima, each number as the CLI (`dist/cli.js analyze --json`, the same core) computes it and, for
 * mpt-125m.yaml, as the published constants give it at N, D and C worked out by hand; the setting
 * `scalingLens.lens.hyperparameters.enable` hides them. The data-constrained plan request returns
 * the core's allocation and its LR / batch table.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyzeJson } from '../../src/cli/analyze';
import { formatCount, formatExact } from '../../src/core/format';
import { MUENNIGHOFF_2023 } from '../../src/core/laws/published';
import { planDataConstrained } from '../../src/core/plan';
import { DEFAULT_SETTINGS, PlanRequest, ValidatePlanInputRequest } from '../../src/protocol';
import { formatLr } from '../../src/server/scheduleHover';
import { fixturePath, REPO_ROOT, SHARED_DIR, SHARED_SKIP } from '../helpers';
import { cliAnalyze } from './expected';
import { LspTestClient, positionOf, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';
const MPT = join(SHARED_DIR, 'configs-b', 'llm-foundry', 'pretrain', 'mpt-125m.yaml');
const OLMO = fixturePath('server', 'olmo_small_tokens.yaml');

let client: LspTestClient;
before(async () => {
  if (!NOT_BUILT) client = await LspTestClient.start();
});
after(async () => {
  await client?.stop();
});

type Lens = {
  range: { start: { line: number } };
  command?: { title: string };
  data?: { topic: string; tooltip: string };
};
const hyperparameterLensesOf = (lenses: Lens[] | null) =>
  (lenses ?? []).filter((l) => l.data?.topic === 'hyperparameters');

type Json = AnalyzeJson & {
  hyperparameters: {
    optima: { law: string; learningRate: number | null; batchTokens: number | null }[];
    config: { learningRate: number | null; batchTokens: number | null };
  };
};
const SHORT: Record<string, string> = { deepseek2024: 'DeepSeek', steplaw2025: 'Step Law' };
/** `opt` before the first law's optimum only: `lr 6e-4 · opt DeepSeek 1.2e-3 · Step Law 6.6e-3`. */
const withOpt = (parts: string[]) => parts.map((p, i) => (i === 0 ? `opt ${p}` : p));

/** The two titles as the CLI's numbers say they must read. */
function expectedTitles(j: Json): { lr: string; batch: string } {
  const h = j.hyperparameters;
  const lr = h.config.learningRate!;
  const batch = h.config.batchTokens!;
  return {
    lr: [
      `lr ${formatLr(lr)}`,
      ...withOpt(h.optima.map((o) => `${SHORT[o.law]} ${formatLr(o.learningRate!)}`)),
    ].join(' · '),
    batch: [
      `batch ${formatCount(batch)} tok`,
      ...withOpt(h.optima.map((o) => `${SHORT[o.law]} ${formatCount(o.batchTokens!)}`)),
    ].join(' · '),
  };
}

test(
  'mpt-125m.yaml: lr 6e-4 lens at optimizer.lr and batch lens at global_train_batch_size, equal to the CLI and to the constants at N, D, C by hand',
  { skip: SHARED_SKIP || NOT_BUILT },
  async () => {
    const [j] = cliAnalyze([MPT]) as Json[];
    const expected = expectedTitles(j!);
    // By hand: 12 layers, d_model 768, seq 2048, N_non-embedding 85,056,000, D = 4800 × 256 × 2048.
    const N = 85_056_000;
    const D = 4800 * 256 * 2048;
    const M = 6 * N + 6 * 12 * 2048 * 768;
    const deepseekLr = 0.3118 * (M * D) ** -0.125;
    const stepLr = Math.exp(0.5863077907399264) * N ** -0.7129222911869909 * D ** 0.30749095041206964;
    const deepseekBatch = 0.292 * (M * D) ** 0.3271;
    const stepBatch = Math.exp(-0.543542173610334) * D ** 0.5709443646895052;
    assert.equal(
      expected.lr,
      `lr 6e-4 · opt DeepSeek ${formatLr(deepseekLr)} · Step Law ${formatLr(stepLr)}`,
    );
    assert.equal(
      expected.batch,
      `batch ${formatCount(524288)} tok · opt DeepSeek ${formatCount(deepseekBatch)} · Step Law ${formatCount(stepBatch)}`,
    );
    const uri = await client.open(MPT);
    const lenses = hyperparameterLensesOf((await client.codeLens(uri)) as Lens[]);
    const text = readFileSync(MPT, 'utf8');
    const lrLine = text.split('\n').findIndex((l) => /^\s+lr:\s*6\.0e-4/.test(l));
    const batchLine = positionOf(text, 'global_train_batch_size').line;
    assert.deepEqual(
      lenses.map((l) => [l.range.start.line, l.command!.title]),
      [
        [lrLine, expected.lr],
        [batchLine, expected.batch],
      ],
    );
    const [lrTip, batchTip] = lenses.map((l) => l.data!.tooltip);
    // Each law's convention and scale, in words.
    assert.match(lrTip!, /Peak learning rate 6e-4 from `optimizer\.lr` \(line \d+\)/);
    assert.ok(
      lrTip!.includes(
        `M = 6·N_non-embedding + 6·n_layer·seq·d_attn = 6 × ${formatExact(N)} + 6 × 12 × 2048 × 768`,
      ),
      lrTip,
    );
    assert.ok(lrTip!.includes("DeepSeek's 72·n_layer·d_model² + 6·n_layer·d_model·seq"), lrTip);
    assert.ok(
      lrTip!.includes(`at N = ${formatExact(N)} non-embedding parameters, D = ${formatExact(D)} tokens`),
      lrTip,
    );
    assert.match(lrTip!, /A guide, not a target: the laws differ by \d\.\d× from each other/);
    assert.ok(batchTip!.includes('Global batch 256 sequences × 2,048 tokens = 524,288 tokens'), batchTip);
    assert.ok(
      batchTip!.includes(
        `= ${formatExact(Math.round(stepBatch))} tokens = ${formatExact(Math.round(stepBatch / 2048))} sequences of 2048 at D = ${formatExact(D)} tokens`,
      ),
      batchTip,
    );
    assert.match(batchTip!, /Porian et al\. 2024/);
    for (const l of lenses)
      assert.doesNotMatch(`${l.command!.title}\n${l.data!.tooltip}`, /NaN|undefined|Infinity/);
    await client.close(uri);
  },
);

test(
  'olmo_small_tokens.yaml (project fixture): the lenses equal the CLI; scalingLens.lens.hyperparameters.enable = false hides only them',
  { skip: NOT_BUILT },
  async () => {
    const [j] = cliAnalyze([OLMO]) as Json[];
    const expected = expectedTitles(j!);
    const uri = await client.open(OLMO);
    const all = (await client.codeLens(uri)) as Lens[];
    assert.deepEqual(
      hyperparameterLensesOf(all).map((l) => l.command!.title),
      [expected.lr, expected.batch],
    );
    await client.close(uri);
    const other = await LspTestClient.start({ settings: { lens: { hyperparameters: { enable: false } } } });
    try {
      const hidden = (await other.codeLens(await other.open(OLMO))) as Lens[];
      assert.equal(hyperparameterLensesOf(hidden).length, 0);
      assert.deepEqual(
        hidden.map((l) => l.data!.topic),
        all.filter((l) => l.data!.topic !== 'hyperparameters').map((l) => l.data!.topic),
      );
    } finally {
      await other.stop();
    }
  },
);

test('package.json contributes scalingLens.lens.hyperparameters.enable with the normalized default', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown; type?: string }> }[] };
  };
  const schema = manifest.contributes.configuration
    .map((section) => section.properties['scalingLens.lens.hyperparameters.enable'])
    .find((s) => s);
  assert.ok(schema, 'contributed');
  assert.equal(schema.type, 'boolean');
  assert.equal(schema.default, DEFAULT_SETTINGS.lens.hyperparameters);
});

test(
  'plan request with uniqueTokens: the data-constrained allocation of the core, its LR / batch table, and the Chinchilla comparison',
  { skip: NOT_BUILT },
  async () => {
    const uri = await client.open(OLMO);
    const invalid = await client.connection.sendRequest(ValidatePlanInputRequest, {
      field: 'uniqueTokens',
      text: 'lots',
      uri,
    });
    assert.match(invalid ?? '', /Cannot read "lots" as a token count/);
    assert.equal(
      await client.connection.sendRequest(ValidatePlanInputRequest, {
        field: 'uniqueTokens',
        text: '25B',
        uri,
      }),
      null,
    );
    const plan = await client.connection.sendRequest(PlanRequest, {
      kind: 'compute-optimal',
      budget: '1e22 FLOPs',
      uniqueTokens: '25B',
      uri,
    });
    assert.ok(plan.ok, JSON.stringify(plan));
    const expected = planDataConstrained(MUENNIGHOFF_2023, 1e22, 25e9);
    assert.ok(expected.ok);
    const c = expected.value;
    assert.equal(plan.target.params, c.params);
    assert.equal(plan.target.tokens, c.tokens);
    assert.equal(plan.target.paramConvention, 'total');
    assert.equal(
      plan.summary,
      `Data-constrained (${formatCount(25e9)} unique tokens): N = ${formatCount(c.params)}, D = ${formatCount(c.tokens)} tokens (${c.epochs.toFixed(1)} epochs), loss ${c.loss.toFixed(3)}.`,
    );
    assert.match(
      plan.markdown,
      /^### Data-constrained plan: 1\.00e\+?22 FLOPs with 2\.50e\+?10 unique tokens/m,
    );
    assert.ok(
      plan.markdown.includes(
        `| epochs over the unique data | ${c.epochs.toFixed(2)} | ${c.vsChinchilla.epochs.toFixed(2)} |`,
      ),
      plan.markdown,
    );
    assert.ok(
      plan.markdown.includes(
        `| predicted loss with this data | ${c.loss.toFixed(4)} | ${c.vsChinchilla.loss.toFixed(4)} |`,
      ),
    );
    // The LR / batch table, with the config's sequence length (olmo_small_tokens.yaml: its seq).
    assert.match(plan.markdown, /#### Learning rate and global batch for this N, D/);
    assert.match(
      plan.markdown,
      /\| DeepSeek-AI 2024 .*\| \d\.\d+e-4 \| [\d.]+M tokens \(\d[\d,]* sequences of \d+\) \| C = /,
    );
    assert.match(plan.markdown, /sequence length \d+ from the config/);
    // The compute-optimal report follows, unchanged.
    assert.match(plan.markdown, /### Compute-optimal plan: /);
    assert.doesNotMatch(plan.markdown, /NaN|undefined/);
    const bad = await client.connection.sendRequest(PlanRequest, {
      kind: 'compute-optimal',
      budget: '1e22 FLOPs',
      uniqueTokens: '-3',
      uri,
    });
    assert.deepEqual(bad, { ok: false, message: 'The number of unique tokens must be positive.' });
    await client.close(uri);
  },
);
