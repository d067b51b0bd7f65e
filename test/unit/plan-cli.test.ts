import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPlanCommand } from '../../src/cli/plan';

/** Run the adapter and capture its output streams. */
function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runPlanCommand(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const sig4 = (value: number) => Number(value.toPrecision(4));

describe('scaling-lens plan', () => {
  it('prints the cost-optimal comparison as JSON (paper example: 2.053e10 params, 88.76% of the cost)', () => {
    const { code, stdout, stderr } = run([
      '--law',
      'sardana2024',
      '--loss',
      '1.947',
      '--requests',
      '1e10',
      '--input-tokens',
      '1000',
      '--output-tokens',
      '250',
      '--train-gpu',
      'A100-80GB',
      '--train-usd-per-gpu-hour',
      '1.40',
      '--train-mfu',
      '0.5',
      '--inference-gpu',
      'A100-40GB',
      '--inference-precision',
      'int8',
      '--inference-usd-per-gpu-hour',
      '0.60',
      '--prefill-mfu',
      '0.4',
      '--decode-mfu',
      '0.2',
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const json = JSON.parse(stdout);
    assert.equal(json.objective, 'usd');
    assert.equal(sig4(json.chinchilla.N), 3.408e10);
    assert.equal(sig4(json.chinchilla.D), 1.81e12);
    assert.equal(sig4(json.optimal.N), 2.053e10);
    assert.equal(sig4(json.optimal.D), 3.302e12);
    assert.equal(Math.round(10000 * (json.optimal.usd / json.chinchilla.usd)) / 100, 88.76);
    for (const key of ['N', 'D', 'flops', 'usd', 'tokensPerParam', 'loss']) {
      assert.equal(typeof json.optimal[key], 'number', key);
    }
    for (const key of ['N', 'D', 'flops', 'usd']) assert.equal(typeof json.chinchilla[key], 'number', key);
    assert.equal(json.savings.flops, json.chinchilla.flops - json.optimal.flops);
    assert.equal(json.savings.fraction, json.savings.flops / json.chinchilla.flops);
    assert.equal(json.costModel.inferencePrecision, 'int8');
    assert.equal(json.architecture.nHeads % json.architecture.nKvHeads, 0);
  });

  it('prints the FLOPs-optimal comparison with savings (95.22% of the FLOPs)', () => {
    const { code, stdout } = run([
      '--law',
      'sardana2024',
      '--loss',
      '1.947',
      '--inference-tokens',
      '2e12',
      '--json',
    ]);
    assert.equal(code, 0);
    const json = JSON.parse(stdout);
    assert.equal(json.objective, 'flops');
    assert.equal(sig4(json.optimal.N), 2.418e10);
    assert.equal(sig4(json.optimal.D), 2.657e12);
    assert.equal(Math.round(10000 * (1 - json.savings.fraction)) / 100, 95.22);
  });

  it('prints only the optimum and an architecture for --budget-flops', () => {
    const { code, stdout } = run(['--budget-flops', '5.88e23', '--json']);
    assert.equal(code, 0);
    const json = JSON.parse(stdout);
    assert.equal(json.law.id, 'epoch2024');
    assert.equal(json.chinchilla, undefined);
    assert.equal(json.optimal.tokensPerParam.toFixed(1), '18.4');
    assert.equal(json.optimal.flops, 5.88e23);
    assert.equal(typeof json.optimal.usd, 'number');
    assert.ok(Math.abs(json.architecture.params / json.optimal.N - 1) < 0.02);
    const hoffmann = JSON.parse(run(['--law', 'hoffmann2022', '--budget-flops', '5.88e23', '--json']).stdout);
    assert.equal(hoffmann.optimal.tokensPerParam.toFixed(1), '92.8');
  });

  it('converts days on K GPUs, GPU-hours and dollars with the training hardware flags', () => {
    const days = JSON.parse(
      run([
        '--budget-days',
        '30',
        '--gpus',
        '1024',
        '--train-gpu',
        'A100-80GB',
        '--train-mfu',
        '40%',
        '--json',
      ]).stdout,
    );
    assert.equal(days.budget.gpuHours, 737280);
    assert.equal(days.budget.flops, 737280 * 3600 * 312e12 * 0.4);
    const hours = JSON.parse(run(['--budget-gpu-hours', '100K', '--json']).stdout);
    assert.ok(Math.abs(hours.budget.flops / (1e5 * 3600 * 989e12 * 0.4) - 1) < 1e-12);
    const dollars = JSON.parse(
      run(['--budget-usd', '$2M', '--train-usd-per-gpu-hour', '2.5', '--json']).stdout,
    );
    assert.equal(dollars.budget.gpuHours, 8e5);
  });

  it('prints a readable table without --json', () => {
    const { code, stdout } = run(['--law', 'sardana2024', '--loss', '1.947', '--inference-tokens', '2e12']);
    assert.equal(code, 0);
    assert.match(stdout, /parameters N\s+3\.408e10\s+2\.418e10/);
    assert.match(stdout, /95\.22% of the FLOPs/);
    assert.match(stdout, /Architecture \(LLaMA-style, vocab 32000\): 61 layers × d_model 6144/);
  });

  it('explains bad input with exit code 2', () => {
    const cases: [string[], RegExp][] = [
      [['--budget-flops', '-1e20'], /--budget-flops must be positive, got -1e20/],
      [['--law', 'sardana2024', '--loss', '1.6', '--inference-tokens', '1e12'], /irreducible loss E = 1\.69/],
      [
        ['--loss', '2.1', '--inference-tokens', '0'],
        /Inference demand must be a positive number of tokens, got 0/,
      ],
      [['--budget-days', '10'], /--budget-days needs --gpus K/],
      [['--budget-flops', '1e23', '--budget-usd', '1e6'], /Give one budget/],
      [['--budget-flops', '1e23', '--loss', '2'], /give one of them/],
      [['--loss', '2'], /--loss needs an inference demand/],
      [['--loss', '2', '--inference-tokens', '1e12', '--requests', '5'], /not both/],
      [['--budget-flops', 'lots'], /--budget-flops needs a number, got "lots"/],
      [['--budget-flops', '1e23', '--law', 'nope'], /Unknown law "nope"; choose one of epoch2024/],
      [['--budget-flops', '1e23', '--decode-mfu', '0.1'], /applies only to inference-aware plans/],
      [['--loss', '2', '--requests', '1e9', '--inference-gpu', 'K80'], /Unknown prefill GPU "K80"/],
      [
        ['--loss', '2', '--requests', '1e9', '--inference-precision', 'fp4'],
        /must be one of bf16, fp8, int8/,
      ],
      [['--budget-flops', '1e23', '--train-mfu', '1.5'], /utilization in \(0, 1\]/],
      [['--frobnicate'], /Unknown option --frobnicate/],
      [[], /Give a budget/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = run(args);
      assert.equal(code, 2, args.join(' '));
      assert.equal(stdout, '');
      assert.match(stderr, message, args.join(' '));
    }
  });

  it('prints its usage for --help', () => {
    const { code, stdout } = run(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--prefill-mfu 0\.5\s+--decode-mfu 0\.01/);
  });
});
