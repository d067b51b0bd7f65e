import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseAmount,
  parseBudget,
  parseInferenceDemand,
  parseTargetLoss,
  type ParseOutcome,
} from '../../src/core/plan/parseBudget';

function value<T>(outcome: ParseOutcome<T>): T {
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  return outcome.value;
}

function message<T>(outcome: ParseOutcome<T>): string {
  assert.ok(!outcome.ok, 'expected a parse error');
  return outcome.message;
}

describe('parseAmount', () => {
  it('reads exponents, magnitudes, separators and powers of ten', () => {
    assert.equal(parseAmount('1e23'), 1e23);
    assert.equal(parseAmount('1.4T'), 1.4e12);
    assert.equal(parseAmount('70B'), 70e9);
    assert.equal(parseAmount('2 million'), 2e6);
    assert.equal(parseAmount('50,000'), 50000);
    assert.equal(parseAmount('50_000'), 50000);
    assert.equal(parseAmount('1.5×10^23'), 1.5e23);
    assert.equal(parseAmount('10^23'), 1e23);
    assert.equal(parseAmount('2 bananas'), undefined);
    assert.equal(parseAmount(''), undefined);
  });
});

describe('parseBudget', () => {
  it('reads a bare number and "FLOPs" as a FLOP budget', () => {
    assert.deepEqual(value(parseBudget('1e23')), { budget: { flops: 1e23 }, description: '1e23 FLOPs' });
    assert.deepEqual(value(parseBudget('  1e23 FLOPs ')).budget, { flops: 1e23 });
    assert.deepEqual(value(parseBudget('5.88e23 flop')).budget, { flops: 5.88e23 });
    assert.deepEqual(value(parseBudget('1.5 x 10^23 FLOPs')).budget, { flops: 1.5e23 });
  });

  it('reads GPU-hours in the common spellings, with an accelerator when named', () => {
    assert.deepEqual(value(parseBudget('50000 GPU-hours')), {
      budget: { gpuHours: 50000 },
      description: '50,000 GPU-hours',
    });
    assert.deepEqual(value(parseBudget('50k gpu hours')).budget, { gpuHours: 50000 });
    assert.deepEqual(value(parseBudget('50,000 GPU-h')).budget, { gpuHours: 50000 });
    assert.deepEqual(value(parseBudget('50000 H100-hours')), {
      budget: { gpuHours: 50000 },
      description: '50,000 H100-hours',
      gpu: 'H100',
    });
  });

  it('reads dollars with a leading $ or a trailing USD', () => {
    assert.deepEqual(value(parseBudget('$2M')), { budget: { usd: 2e6 }, description: '$2,000,000' });
    assert.deepEqual(value(parseBudget('$ 2,000,000')).budget, { usd: 2e6 });
    assert.deepEqual(value(parseBudget('2e6 USD')).budget, { usd: 2e6 });
    assert.deepEqual(value(parseBudget('2 million dollars')).budget, { usd: 2e6 });
  });

  it('reads wall-clock time on a number of GPUs, either order, in days, weeks or hours', () => {
    assert.deepEqual(value(parseBudget('30 days on 512 GPUs')), {
      budget: { days: 30, gpus: 512 },
      description: '30 days × 512 GPUs',
    });
    assert.deepEqual(value(parseBudget('30 days × 512 H100s')), {
      budget: { days: 30, gpus: 512 },
      description: '30 days × 512 H100s',
      gpu: 'H100',
    });
    assert.deepEqual(value(parseBudget('512 GPUs for 2 weeks')).budget, { days: 14, gpus: 512 });
    assert.deepEqual(value(parseBudget('720 hours on 512 GPUs')).budget, { days: 30, gpus: 512 });
    assert.deepEqual(value(parseBudget('30d on 512 gpus')).budget, { days: 30, gpus: 512 });
  });

  it('explains what it expected instead of guessing', () => {
    assert.match(message(parseBudget('')), /GPU-hours/);
    assert.match(message(parseBudget('50000 hours')), /Cannot read "50000 hours" as a budget/);
    assert.match(message(parseBudget('-5 FLOPs')), /must be positive/);
    assert.match(message(parseBudget('-5')), /must be positive/);
    assert.equal(
      message(parseBudget('30 days on 512.5 GPUs')),
      'The GPU count must be a positive whole number.',
    );
    assert.match(message(parseBudget('30 days on 512 potatoes')), /Unknown accelerator "potatoes"/);
    assert.match(message(parseBudget('0 FLOPs')), /must be positive/);
    assert.match(message(parseBudget('$0')), /must be positive/);
  });
});

describe('parseInferenceDemand', () => {
  it('reads a token total with or without the word "tokens"', () => {
    assert.deepEqual(value(parseInferenceDemand('2e12 tokens')), {
      kind: 'tokens',
      inferenceTokens: 2e12,
      description: '2e12 inference tokens',
    });
    assert.equal((value(parseInferenceDemand('2T')) as { inferenceTokens: number }).inferenceTokens, 2e12);
    assert.equal((value(parseInferenceDemand('2e12')) as { inferenceTokens: number }).inferenceTokens, 2e12);
  });

  it('reads requests with input and output tokens per request, in either order', () => {
    const expected = {
      kind: 'requests',
      requests: 1e10,
      inputTokensPerRequest: 1000,
      outputTokensPerRequest: 250,
      description: '1e10 requests × (1000 input + 250 output tokens)',
    };
    assert.deepEqual(value(parseInferenceDemand('1e10 requests × 1000 in + 250 out')), expected);
    assert.deepEqual(
      value(parseInferenceDemand('1e10 requests x (1000 input + 250 output tokens)')),
      expected,
    );
    assert.deepEqual(value(parseInferenceDemand('1e10 requests × 250 out, 1000 in')), expected);
    assert.deepEqual(value(parseInferenceDemand('1e10 requests with input: 1000, output: 250')), expected);
  });

  it('leaves the request mix to the planner default when only requests are given', () => {
    assert.deepEqual(value(parseInferenceDemand('1e10 requests')), {
      kind: 'requests',
      requests: 1e10,
      description: '1e10 requests',
    });
  });

  it('asks for both sides of a request and rejects unreadable text', () => {
    assert.match(message(parseInferenceDemand('1e10 requests × 1000 in')), /both input and output/);
    assert.match(message(parseInferenceDemand('1e10 requests × 0 in + 0 out')), /some input or output/);
    assert.match(message(parseInferenceDemand('lots')), /Cannot read "lots"/);
    assert.match(message(parseInferenceDemand('0 tokens')), /must be positive/);
  });
});

describe('parseTargetLoss', () => {
  it('reads nats per token and bounds them', () => {
    assert.equal(value(parseTargetLoss('2.1')), 2.1);
    assert.equal(value(parseTargetLoss('1.95 nats/token')), 1.95);
    assert.match(message(parseTargetLoss('0')), /between 0 and 20/);
    assert.match(message(parseTargetLoss('abc')), /nats per token/);
  });
});
