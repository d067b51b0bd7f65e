/**
 * Fitting is a server service (scalingLens/fitRead, /fit, /fitLawFile; src/server/fit.ts): over real
 * JSON-RPC the server reads the runs in its worker thread, fits them with progress notifications,
 * and the law it serializes is the one `scaling-lens fit --json` finds on the same file with the
 * same options. A cancelled fit answers RequestCancelled and the server stays up.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancellationTokenSource, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { parseSavedLaw, savedLawParams } from '../../src/core/fit/savedLaw';
import {
  DescribeLawFileRequest,
  FitEndNotification,
  FitLawFileRequest,
  FitProgressNotification,
  FitReadRequest,
  FitRequest,
  FitValidateRequest,
  RunsSniffRequest,
  type FitProgressParams,
} from '../../src/protocol';
import { REPO_ROOT } from '../helpers';
import { LspTestClient, SERVER_JS } from './lspClient';

const NOT_BUILT =
  existsSync(SERVER_JS) || process.env.CI === 'true'
    ? false
    : 'dist/server.js missing: run node scripts/build.mjs';

const RUNS = join(REPO_ROOT, 'test', 'fixtures', 'runs');

let client: LspTestClient;
const progress: FitProgressParams[] = [];
before(async () => {
  if (NOT_BUILT) return;
  client = await LspTestClient.start();
  client.connection.onNotification(FitProgressNotification, (params) => void progress.push(params));
});
after(async () => {
  await client?.stop();
});

function cliFit(
  file: string,
  args: string[],
): { params: Record<string, number>; points: number; models: number } {
  return JSON.parse(
    execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'fit', file, '--json', ...args], {
      encoding: 'utf8',
      cwd: REPO_ROOT,
    }),
  );
}

test(
  'fit: the server’s law on test/fixtures/runs/sweep.csv is the CLI’s (`scaling-lens fit --json`, same options)',
  { skip: NOT_BUILT },
  async () => {
    const label = 'test/fixtures/runs/sweep.csv';
    const read = await client.connection.sendRequest(FitReadRequest, {
      source: { kind: 'path', path: join(RUNS, 'sweep.csv') },
      label,
      // The CLI does not hold out the largest model by default; bootstrap 20 on both sides.
      settings: { holdoutLargest: false, bootstrap: 20 },
    });
    assert.equal(read.needsTokensPerStep, undefined);
    assert.equal(read.runs, 5);
    assert.equal(read.points, 30);
    assert.equal(read.preview.kind, 'ok');
    assert.match(
      read.preview.message,
      /^Read 5 runs \(5 model sizes, 30 checkpoints\) from test\/fixtures\/runs\/sweep\.csv\.$/,
    );
    assert.match(
      read.preview.detail,
      /Fit the chinchilla form .*20 bootstrap refits \(seed 0\)\.\nExpected time: (under a second|about \d+ (s|min)) on \d+ cores? \(a busy machine is slower\)\.$/s,
    );
    assert.equal(read.minTokens, 1e10);
    assert.equal(read.minTokensLabel, '10B');
    assert.equal(read.suggestedName, 'sweep');

    progress.length = 0;
    const fit = await client.connection.sendRequest(FitRequest, {
      session: read.session,
      minTokens: read.minTokens,
    });
    assert.equal(fit.ok, true, fit.errors.join(' '));
    assert.match(fit.markdown, /Scaling-law fit: chinchilla/);
    assert.match(
      fit.logLine,
      /^test\/fixtures\/runs\/sweep\.csv: objective \d\.\d{6}e-\d+, 15 points \(\d+ ms\)$/,
    );
    assert.ok(progress.length > 0, 'progress notifications arrived');
    assert.ok(progress.every((p) => p.session === read.session && p.fraction >= 0 && p.fraction <= 1));

    const file = await client.connection.sendRequest(FitLawFileRequest, {
      session: read.session,
      name: 'sweep',
      dataSource: label,
      date: '2026-01-01T00:00:00.000Z',
      nonce: 'abc123',
    });
    assert.equal(file.fileName, 'sweep.law.json');
    assert.equal(file.tempFileName, '.sweep.abc123.tmp');
    assert.equal(file.id, 'fitted:sweep');
    const saved = parseSavedLaw(file.content);
    assert.ok(saved.ok);
    assert.equal(saved.law.dataSource, label);

    const cli = cliFit(label, ['--bootstrap', '20']);
    const { form: _form, ...coefficients } = savedLawParams(saved.law) as unknown as Record<string, number>;
    assert.deepEqual(coefficients, cli.params);
    assert.equal(saved.law.fit.points, cli.points);
    assert.equal(saved.law.fit.models, cli.models);

    // The overwrite prompt's description of that file.
    const described = await client.connection.sendRequest(DescribeLawFileRequest, { text: file.content });
    assert.equal(described.valid, true);
    assert.match(
      described.detail,
      /^It was fitted on test\/fixtures\/runs\/sweep\.csv \(2026-01-01, 15 points from 5 models\)\./,
    );
    assert.equal((await client.connection.sendRequest(DescribeLawFileRequest, { text: '{' })).valid, false);
    client.connection.sendNotification(FitEndNotification, { session: read.session });
  },
);

test(
  'fit: runs sent as text, steps without tokens, input validation and the runs sniff',
  { skip: NOT_BUILT },
  async () => {
    const text = readFileSync(join(RUNS, 'sweep.tsv'), 'utf8');
    assert.equal(
      await client.connection.sendRequest(RunsSniffRequest, { text, fileName: '/w/sweep.tsv' }),
      true,
    );
    assert.equal(
      await client.connection.sendRequest(RunsSniffRequest, { text: 'a,b\n1,2\n', fileName: '/w/x.csv' }),
      false,
    );
    assert.equal(
      await client.connection.sendRequest(RunsSniffRequest, { text, fileName: '/w/sweep.py' }),
      false,
    );

    const read = await client.connection.sendRequest(FitReadRequest, {
      source: { kind: 'text', text, fileName: '/w/sweep.tsv' },
      label: 'sweep.tsv',
      settings: null,
    });
    assert.equal(read.runs, 5);
    client.connection.sendNotification(FitEndNotification, { session: read.session });

    // A W&B export has steps but no token counts: the server asks for tokens per step, then reads again.
    const wandb = join(RUNS, 'wandb_export.csv');
    const first = await client.connection.sendRequest(FitReadRequest, {
      source: { kind: 'path', path: wandb },
      label: 'wandb_export.csv',
      settings: null,
    });
    assert.deepEqual(first.needsTokensPerStep, { stepColumn: 'Step' });
    {
      assert.equal(first.preview.kind, 'error');
      const again = await client.connection.sendRequest(FitReadRequest, {
        session: first.session,
        source: { kind: 'path', path: wandb },
        label: 'wandb_export.csv',
        settings: null,
        tokensPerStep: '512*1024',
      });
      assert.equal(again.session, first.session);
      assert.equal(again.tokensPerStep, 524288);
      assert.equal(again.needsTokensPerStep, undefined);
      assert.match(again.preview.detail, /Tokens = ".*" × 524288 tokens\/step \(entered\)\./);
    }
    client.connection.sendNotification(FitEndNotification, { session: first.session });

    assert.equal(
      await client.connection.sendRequest(FitValidateRequest, { field: 'tokensPerStep', text: '512*1024' }),
      null,
    );
    assert.match(
      (await client.connection.sendRequest(FitValidateRequest, { field: 'tokensPerStep', text: 'lots' }))!,
      /is not a number/,
    );
    assert.equal(
      await client.connection.sendRequest(FitValidateRequest, { field: 'lawName', text: 'my-sweep-2025' }),
      null,
    );
    assert.match(
      (await client.connection.sendRequest(FitValidateRequest, { field: 'lawName', text: 'My Sweep' }))!,
      /lower-case/,
    );

    // Bad input answers a clear error, never a crash.
    await assert.rejects(
      client.connection.sendRequest(FitReadRequest, { source: { kind: 'path' }, label: 'x' } as never),
      /needs a source/,
    );
    await assert.rejects(
      client.connection.sendRequest(FitRequest, { session: 'nope', minTokens: 0 }),
      /Unknown or ended fit session/,
    );
  },
);

test(
  'fit: a cancelled fit answers RequestCancelled and leaves the server up',
  { skip: NOT_BUILT },
  async () => {
    const read = await client.connection.sendRequest(FitReadRequest, {
      source: { kind: 'path', path: join(RUNS, 'sweep.csv') },
      label: 'sweep.csv',
      // The largest bootstrap keeps the fit running long enough to cancel it.
      settings: { bootstrap: 2000 },
    });
    const source = new CancellationTokenSource();
    progress.length = 0;
    const started = Date.now();
    const fit = client.connection.sendRequest(
      FitRequest,
      { session: read.session, minTokens: read.minTokens },
      source.token,
    );
    // Cancel once the fit has started (its first progress notification).
    while (progress.length === 0 && Date.now() - started < 20_000)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(progress.length > 0, 'the fit reported progress before the cancel');
    source.cancel();
    const error = await fit.then(
      () => assert.fail('the cancelled fit answered a result'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ResponseError, String(error));
    assert.equal(error.code, LSPErrorCodes.RequestCancelled);
    assert.ok(Date.now() - started < 20_000);
    // The session ended with its worker; the server answers the next read and fit.
    await assert.rejects(
      client.connection.sendRequest(FitRequest, { session: read.session, minTokens: 0 }),
      /Unknown or ended fit session/,
    );
    const next = await client.connection.sendRequest(FitReadRequest, {
      source: { kind: 'path', path: join(RUNS, 'sweep.csv') },
      label: 'sweep.csv',
      settings: { bootstrap: 0 },
    });
    const done = await client.connection.sendRequest(FitRequest, {
      session: next.session,
      minTokens: next.minTokens,
    });
    assert.equal(done.ok, true);
    client.connection.sendNotification(FitEndNotification, { session: next.session });
  },
);
