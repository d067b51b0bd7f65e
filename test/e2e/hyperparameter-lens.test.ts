/**
 * End-to-end (issue 14 item 3): the LR / batch lenses in a real VS Code (code-server + Chromium) on
 * the project's nanoGPT GPT-2 124M example: `lr 6e-4 · opt DeepSeek … · Step Law …` on the
 * learning_rate line and `batch 492K tok · …` on the gradient_accumulation_steps line, each title
 * built from the CLI's numbers (`dist/cli.js analyze --json`, the same core); editing the LR updates
 * the lens. Screenshots in test-artifacts/e2e/hyperparameter-lens-*.png.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatCount } from '../../src/core/format';
import { formatLr } from '../../src/server/scheduleHover';
import { REPO_ROOT } from '../helpers';
import {
  E2E_REQUIRED,
  e2eUnavailableReasonSync,
  screenshot,
  startSession,
  waitForLenses,
  type Session,
} from './harness';

const SOURCE = join(REPO_ROOT, 'examples', 'nanogpt', 'train_gpt2_124m.py');
const FILE = 'nanogpt/train_gpt2_124m.py';

interface CliHyperparameters {
  optima: { law: string; learningRate: number; batchTokens: number }[];
  config: { learningRate: number; batchTokens: number };
}

function cliHyperparameters(path: string): CliHyperparameters {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  const result = spawnSync(process.execPath, [cli, 'analyze', path, '--json'], { encoding: 'utf8' });
  assert.ok(result.stdout.trim(), `CLI printed nothing for ${path}: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as unknown;
  return ((Array.isArray(parsed) ? parsed[0] : parsed) as { hyperparameters: CliHyperparameters })
    .hyperparameters;
}

const SHORT: Record<string, string> = { deepseek2024: 'DeepSeek', steplaw2025: 'Step Law' };
/** `opt` before the first law's optimum only: `lr 6e-4 · opt DeepSeek 1.2e-3 · Step Law 6.6e-3`. */
const withOpt = (parts: string[]) => parts.map((p, i) => (i === 0 ? `opt ${p}` : p));
function titles(h: CliHyperparameters): { lr: string; batch: string } {
  const { learningRate: lr, batchTokens: batch } = h.config;
  return {
    lr: [
      `lr ${formatLr(lr)}`,
      ...withOpt(h.optima.map((o) => `${SHORT[o.law]} ${formatLr(o.learningRate)}`)),
    ].join(' · '),
    batch: [
      `batch ${formatCount(batch)} tok`,
      ...withOpt(h.optima.map((o) => `${SHORT[o.law]} ${formatCount(o.batchTokens)}`)),
    ].join(' · '),
  };
}

const unavailable = e2eUnavailableReasonSync();
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

describe('LR / batch lenses in a real VS Code (code-server + Chromium)', { skip }, () => {
  let session: Session;
  const original = readFileSync(SOURCE, 'utf8');

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    session = await startSession({ files: { [FILE]: original } });
  });

  after(async () => {
    await session?.stop();
  });

  test('nanoGPT 124M: the lr and batch lenses say what the CLI computes, and follow an edit of learning_rate', async () => {
    const expected = titles(cliHyperparameters(session.path(FILE)));
    assert.match(expected.lr, /^lr 6e-4 · opt DeepSeek \d/);
    await session.openFile(FILE);
    const lenses = await waitForLenses(session.page, { pattern: /^lr 6e-4 · / });
    assert.ok(lenses.includes(expected.lr), JSON.stringify(lenses));
    assert.ok(lenses.includes(expected.batch), JSON.stringify(lenses));
    await screenshot(session.page, 'hyperparameter-lens-nanogpt');

    // Type a new LR: the lens follows (the optima stay, the ratios change).
    const line = original.split('\n').findIndex((l) => l.startsWith('learning_rate = 6e-4'));
    await session.page.keyboard.press('Control+KeyG');
    await session.page.keyboard.type(String(line + 1));
    await session.page.keyboard.press('Enter');
    await session.page.keyboard.press('End');
    for (let i = 0; i < '6e-4'.length; i++) await session.page.keyboard.press('Backspace');
    await session.page.keyboard.type('1.2e-3');
    const h = cliHyperparameters(session.path(FILE));
    const after = titles({ ...h, config: { ...h.config, learningRate: 1.2e-3 } });
    const updated = await waitForLenses(session.page, { pattern: /^lr 1\.2e-3 · / });
    assert.ok(updated.includes(after.lr), JSON.stringify(updated));
    await screenshot(session.page, 'hyperparameter-lens-edited');
  });
});
