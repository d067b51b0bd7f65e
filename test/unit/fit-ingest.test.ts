import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import {
  paramsFromName,
  parseCell,
  readRunsFromFiles,
  readRunsFromText,
  type FolderFile,
} from '../../src/core/fit';
import { fixture, fixturePath } from '../helpers';
import { readRunConfig } from '../../src/core/config/registry';

function listFixtureFolder(root: string): FolderFile[] {
  const out: FolderFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else
        out.push({ path: relative(root, path).split(/[\\/]/).join('/'), text: readFileSync(path, 'utf8') });
    }
  };
  walk(root);
  return out;
}

const SWEEP_NAMES = ['tiny-20m', 'small-50m', 'base-120m', 'medium-300m', 'large-700m'];

describe('readRunsFromText formats', () => {
  it('reads a CSV sweep, preferring val_loss, and says why each bad row was dropped', () => {
    const { runs, report } = readRunsFromText(fixture('runs', 'sweep.csv'), 'sweep.csv');
    assert.equal(report.format, 'csv');
    assert.deepEqual(report.columns, {
      params: 'params',
      tokens: 'tokens',
      step: 'step',
      loss: 'val_loss',
      model: 'run',
      seed: 'seed',
    });
    assert.equal(report.rowsRead, 35);
    assert.equal(report.pointsKept, 30);
    assert.deepEqual(report.dropped, {
      nan: 1,
      'non-positive': 1,
      duplicate: 1,
      unparseable: 1,
      'missing-value': 1,
    });
    assert.equal(report.dropExamples.nan, 'line 32: loss "nan"');
    assert.equal(report.dropExamples.unparseable, 'line 35: tokens "lots"');
    assert.deepEqual(
      runs.map((r) => r.name),
      SWEEP_NAMES,
    );
    assert.deepEqual(runs[0].points[0], { tokens: 2e9, loss: 5.44278, step: 3814 });
    assert.equal(runs[0].seed, '0');
  });

  it('reads a TSV with Hitchhiker-style column names and size suffixes', () => {
    const { runs, report } = readRunsFromText(fixture('runs', 'sweep.tsv'), 'sweep.tsv');
    assert.equal(report.format, 'tsv');
    assert.deepEqual(report.columns, {
      params: 'num_params',
      tokens: 'tokens_seen',
      loss: 'eval_loss',
      model: 'model_name',
    });
    assert.deepEqual(
      runs.map((r) => r.params),
      [2e7, 5e7, 1.2e8, 3e8, 7e8],
    );
    assert.equal(report.pointsKept, 30);
  });

  it('reads JSONL logs, using eval lines and skipping train lines and broken JSON', () => {
    const { runs, report } = readRunsFromText(fixture('runs', 'runs.jsonl'), 'runs.jsonl');
    assert.equal(report.format, 'jsonl');
    assert.equal(report.columns.loss, 'eval/loss');
    assert.equal(report.pointsKept, 30);
    assert.deepEqual(report.dropped, { unparseable: 1 });
    assert.deepEqual(
      runs.map((r) => r.name),
      SWEEP_NAMES,
    );
  });

  it('reads a trainer_state.json with N and tokens/step from options', () => {
    const { runs, report } = readRunsFromText(
      fixture('runs', 'trainer_state.json'),
      'ckpt/my-run/trainer_state.json',
      { params: 1.2e8, tokensPerStep: 65536 },
    );
    assert.equal(report.format, 'trainer-state');
    assert.equal(report.columns.loss, 'eval_loss');
    assert.equal(runs.length, 1);
    assert.equal(runs[0].name, 'my-run');
    assert.deepEqual(
      runs[0].points.map((p) => p.tokens),
      [1000, 2000, 4000, 8000, 16000].map((s) => s * 65536),
    );
    assert.equal(runs[0].points[0].loss, 3.7721);
  });

  it('asks for N and tokens/step when a trainer_state.json lacks them', () => {
    const { runs, report } = readRunsFromText(fixture('runs', 'trainer_state.json'), 'trainer_state.json');
    assert.equal(runs.length, 0);
    assert.match(report.errors[0], /--params/);
    assert.match(report.errors[1], /--tokens-per-step/);
  });

  it('reads a W&B chart export with one column group per run, N from run names', () => {
    const { runs, report } = readRunsFromText(fixture('runs', 'wandb_export.csv'), 'wandb_export.csv', {
      tokensPerStep: 262144,
    });
    assert.equal(report.format, 'wandb');
    assert.deepEqual(
      runs.map((r) => [r.name, r.params, r.points.length]),
      [
        ['pico-60m', 6e7, 5],
        ['pico-150m', 1.5e8, 4],
      ],
    );
    assert.equal(runs[1].points[0].tokens, 10000 * 262144);
  });

  it('applies --where filters and reports them as dropped', () => {
    const { runs, report } = readRunsFromText(fixture('runs', 'sweep.tsv'), 'sweep.tsv', {
      where: [{ column: 'model_name', value: 'tiny-20m' }],
    });
    assert.equal(runs.length, 1);
    assert.equal(report.dropped.filtered, 24);
  });
});

describe('readRunsFromText hostile input', () => {
  it('explains an empty file', () => {
    assert.deepEqual(readRunsFromText('', 'x.csv').report.errors, ['The file is empty.']);
    assert.deepEqual(readRunsFromText('params,tokens,loss\n', 'x.csv').report.errors, [
      'The file has a header but no data rows.',
    ]);
  });

  it('names the missing column', () => {
    const { report } = readRunsFromText('a,b\n1,2\n', 'x.csv');
    assert.match(report.errors[0], /No loss column/);
  });

  it('refuses binary content', () => {
    assert.match(readRunsFromText('\u0000\u0001\u0002', 'x.csv').report.errors[0], /binary/);
  });

  it('reports a --where on a column that does not exist', () => {
    const { report } = readRunsFromText(fixture('runs', 'sweep.csv'), 'sweep.csv', {
      where: [{ column: 'family', value: 'OPT' }],
    });
    assert.match(report.errors[0], /no column "family"/);
  });

  it('survives an unterminated quote and invalid JSON', () => {
    const csv = readRunsFromText('params,tokens,loss\n1e8,2e10,"3.1\n', 'x.csv');
    assert.equal(csv.runs[0].points[0].loss, 3.1);
    assert.match(
      readRunsFromText('{"log_history": [', 'trainer_state.json').report.errors[0],
      /Not valid JSON/,
    );
  });

  it('caps the number of rows', () => {
    const lines = ['params,tokens,loss', ...Array.from({ length: 50 }, (_, i) => `1e8,${(i + 1) * 1e9},3`)];
    const { report } = readRunsFromText(lines.join('\n'), 'x.csv', { maxRows: 10 });
    assert.equal(report.pointsKept, 10);
  });

  it('reads a 200,000-row table in bounded time', () => {
    const lines = ['run,params,tokens,loss'];
    for (let i = 0; i < 200000; i++)
      lines.push(`m${i % 8},${(i % 8) + 1}e8,${1e9 + i * 1e6},${3 + (i % 7) / 100}`);
    const started = Date.now();
    const { report } = readRunsFromText(lines.join('\n'), 'big.csv');
    assert.equal(report.pointsKept, 200000);
    assert.ok(Date.now() - started < 10000);
  });
});

describe('cell parsing', () => {
  it('parses suffixes, NaN and missing values', () => {
    assert.equal(parseCell('1.3B', true), 1.3e9);
    assert.equal(parseCell('125M', true), 1.25e8);
    assert.equal(parseCell('125M', false), 'bad');
    assert.equal(parseCell('nan', false), 'nan');
    assert.equal(parseCell('', false), 'missing');
    assert.equal(parseCell('None', false), 'missing');
    assert.equal(parseCell(Infinity, false), 'nan');
  });

  it('reads model sizes from run names', () => {
    assert.equal(paramsFromName('pythia-70m'), 7e7);
    assert.equal(paramsFromName('OPT-1.3b'), 1.3e9);
    assert.equal(paramsFromName('run-7'), undefined);
  });
});

describe('readRunsFromFiles (a folder of runs)', () => {
  it('takes N from each run config and tokens from steps × tokens/step', () => {
    const files = listFixtureFolder(fixturePath('runs', 'folder'));
    const { runs, report } = readRunsFromFiles(files, 'folder', {}, readRunConfig);
    assert.deepEqual(report.errors, []);
    // nanoGPT GPT-2 style, vocab 50304, block 512, bias False, tied head:
    // N = V·d + 512·d + L·(12d² + 2d) + d.
    assert.deepEqual(
      runs.map((r) => [r.name, r.params]),
      [
        ['run-l', 51192320],
        ['run-m', 30135168],
        ['run-s', 16156928],
      ],
    );
    // tokens/step = batch_size 16 × block_size 512 × gradient_accumulation_steps 8.
    assert.equal(runs[2].points[0].tokens, 500 * 65536);
    assert.equal(runs[2].points[0].loss, 4.7856);
  });

  it('explains a folder with nothing recognizable', () => {
    const { report } = readRunsFromFiles([{ path: 'notes.txt', text: 'hello' }], 'empty', {}, readRunConfig);
    assert.match(report.errors[0], /No runs found/);
  });
});

describe('W&B run-history exports (HF Trainer WandbCallback keys, W&B system columns)', () => {
  const history = () => fixture('runs', 'pythia-160m-wandb-history.csv');

  it('reads eval/loss by train/global_step, fills eval rows from the constant tokens/step, N from the name', () => {
    const { runs, report } = readRunsFromText(history(), 'pythia-160m-wandb-history.csv');
    assert.deepEqual(report.errors, []);
    assert.equal(report.format, 'wandb');
    assert.equal(report.columns.loss, 'eval/loss');
    assert.equal(report.columns.step, 'train/global_step', 'not W&B’s _step (a count of log calls)');
    assert.equal(report.columns.tokens, 'train/num_input_tokens_seen');
    assert.equal(runs.length, 1);
    assert.equal(runs[0].params, 160e6);
    // 16,384 tokens/step = train/num_input_tokens_seen / train/global_step on every train row.
    assert.deepEqual(
      runs[0].points.map((p) => [p.step, p.tokens, p.loss]),
      [
        [500, 500 * 16384, 7.0046],
        [1000, 1000 * 16384, 6.0235],
      ],
    );
    assert.ok(report.notes.some((n) => /× 16384/.test(n)));
    assert.ok(report.notes.some((n) => /10 W&B log rows without "eval\/loss" skipped/.test(n)));
  });

  it('forced train/loss reads every train row', () => {
    const { runs } = readRunsFromText(history(), 'pythia-160m-wandb-history.csv', {
      columns: { loss: 'train/loss' },
    });
    assert.equal(runs[0].points.length, 10);
    assert.equal(runs[0].points[0].tokens, 1638400);
  });

  it('with only _step: asks for tokens per step, says why _step is doubtful once given', () => {
    const text = ['_step,_runtime,train/loss,num_params', '0,1.0,4.1,1.2e8', '1,2.0,3.9,1.2e8', ''].join(
      '\n',
    );
    const missing = readRunsFromText(text, 'run.csv');
    assert.equal(missing.runs.length, 0);
    assert.equal(missing.report.columns.step, '_step', 'the step column is known for the prompt');
    assert.equal(missing.report.columns.tokens, undefined);
    assert.match(missing.report.errors[0], /tokens per step/);
    const given = readRunsFromText(text, 'run.csv', { tokensPerStep: 1000 });
    assert.deepEqual(
      given.runs[0].points.map((p) => p.tokens),
      [0, 1000].filter((t) => t > 0),
    );
    assert.ok(given.report.warnings.some((w) => /counts wandb\.log calls/.test(w)));
  });

  it('train/tokens_seen and trainer/global_step are recognized', () => {
    const text = ['trainer/global_step,train/tokens_seen,train/loss,params', '10,40960,3.5,1e8', ''].join(
      '\n',
    );
    const { runs, report } = readRunsFromText(text, 'lightning.csv');
    assert.equal(report.columns.step, 'trainer/global_step');
    assert.equal(report.columns.tokens, 'train/tokens_seen');
    assert.equal(runs[0].points[0].tokens, 40960);
  });

  it('an inconsistent tokens/step ratio is not used to fill rows (they are dropped, counted)', () => {
    const text = [
      '_step,_runtime,train/global_step,train/tokens_seen,eval/loss,train/loss',
      '0,1,10,1000,,4.0',
      '1,2,20,3000,,3.8',
      '2,3,20,,3.9,',
      '',
    ].join('\n');
    const { runs, report } = readRunsFromText(text, 'run-100m.csv');
    assert.equal(runs.length, 0);
    assert.equal(report.dropped['missing-value'], 1);
    assert.ok(!report.notes.some((n) => /constant ratio/.test(n)));
  });
});

describe('tokens per step for the fit command (input box)', () => {
  it('needsTokensPerStep: only when steps are there and tokens per step is the sole problem', async () => {
    const { needsTokensPerStep } = await import('../../src/node/fitSession');
    const onlySteps = readRunsFromText('_step,_runtime,train/loss,num_params\n0,1,4.1,1.2e8\n', 'run.csv');
    assert.deepEqual(needsTokensPerStep(onlySteps.report), { stepColumn: '_step' });
    const state = readRunsFromText(fixture('runs', 'trainer_state.json'), 'trainer_state.json', {
      params: 1.2e8,
    });
    assert.deepEqual(needsTokensPerStep(state.report), { stepColumn: 'step' });
    // Without N as well, tokens per step alone cannot fix it: no prompt, the error stands.
    const noN = readRunsFromText(fixture('runs', 'trainer_state.json'), 'trainer_state.json');
    assert.equal(needsTokensPerStep(noN.report), undefined);
    const noLoss = readRunsFromText('step,params\n1,1e8\n', 'x.csv');
    assert.equal(needsTokensPerStep(noLoss.report), undefined);
    const fine = readRunsFromText(
      fixture('runs', 'pythia-160m-wandb-history.csv'),
      'pythia-160m-wandb-history.csv',
    );
    assert.equal(needsTokensPerStep(fine.report), undefined);
  });

  it('parseTokensPerStep accepts 524288, 512*1024, 0.5M and explains bad input', async () => {
    const { parseTokensPerStep } = await import('../../src/node/fitSession');
    assert.equal(parseTokensPerStep('524288'), 524288);
    assert.equal(parseTokensPerStep(' 512 * 1024 '), 524288);
    assert.equal(parseTokensPerStep('512×2048'), 1048576);
    assert.equal(parseTokensPerStep('0.5M'), 500000);
    assert.equal(parseTokensPerStep('1,048,576'), 1048576);
    for (const bad of ['', 'abc', '-5', '0', '1.5', '1e13', 'NaN', 'Infinity'])
      assert.equal(typeof parseTokensPerStep(bad), 'string', bad);
    assert.doesNotMatch(String(parseTokensPerStep('1.5')), /NaN/);
  });

  it('prefill from the nanoGPT config beside the metrics: 16 × 8 × 512 = 65536 (nanoGPT train.py tokens_per_iter)', async () => {
    const { suggestTokensPerStep, tokensPerStepFromConfigs } = await import('../../src/node/tokensPerStep');
    const suggestion = suggestTokensPerStep(fixturePath('runs', 'folder', 'run-s', 'metrics.csv'));
    assert.equal(suggestion.value, 16 * 8 * 512);
    assert.equal(suggestion.source, 'train_config.py');
    const { tokensPerStepPrompt } = await import('../../src/node/fitSession');
    assert.match(tokensPerStepPrompt('iter', suggestion), /Prefilled from .*train_config\.py/);
    // Two configs that disagree: no prefill, and the prompt says why.
    const config = fixture('runs', 'folder', 'run-s', 'train_config.py');
    const other = config.replace('batch_size = 16', 'batch_size = 32');
    const disagree = tokensPerStepFromConfigs([
      { name: 'a.py', text: config },
      { name: 'b.py', text: other },
    ]);
    assert.equal(disagree.value, null);
    assert.match(tokensPerStepPrompt('iter', disagree), /Not prefilled: the configs disagree/);
    assert.equal(tokensPerStepFromConfigs([{ name: 'notes.md', text: 'hello' }]).value, null);
    assert.equal(suggestTokensPerStep('/nonexistent/dir/runs.csv').value, null);
  });
});

describe('W&B chart export without a token metric', () => {
  it('the editor can ask for tokens per step (step column known), and with it the runs read', async () => {
    const { needsTokensPerStep } = await import('../../src/node/fitSession');
    const text = fixture('runs', 'wandb_export.csv');
    const first = readRunsFromText(text, 'wandb_export.csv');
    assert.deepEqual(needsTokensPerStep(first.report), { stepColumn: 'Step' });
    const second = readRunsFromText(text, 'wandb_export.csv', { tokensPerStep: 1000 });
    assert.deepEqual(second.report.errors, []);
    assert.equal(second.runs[0].points[0].tokens, second.runs[0].points[0].step! * 1000);
  });
});
