/**
 * End-to-end (issue #12): memory per GPU in a real VS Code (code-server + Chromium) — the memory
 * lens on the Megatron example, the over-capacity diagnostic, a memory quick fix applied (its title's
 * figure becomes the lens) and undone byte-identical, and the hover breakdown with what-ifs.
 * Expected figures come from the CLI (`dist/cli.js analyze --json --gpu A100-40GB`), the same core.
 * Patterned on editor.test.ts; screenshots in test-artifacts/e2e/memory-*.png.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers';
import {
  clickToken,
  dismissHover,
  E2E_REQUIRED,
  e2eUnavailableReasonSync,
  hover,
  savedText,
  screenshot,
  startSession,
  triggerQuickFix,
  undo,
  waitForLenses,
  type Session,
} from './harness';

interface CliMemory {
  memory: {
    perGpuBytes: number;
    weights: number;
    optimizer: number;
    activations: number;
    capacityBytes: number;
    fits: boolean;
  } | null;
}

const GPU = 'A100-40GB';

function cliMemory(path: string): NonNullable<CliMemory['memory']> {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  const result = spawnSync(process.execPath, [cli, 'analyze', path, '--json', '--gpu', GPU], {
    encoding: 'utf8',
  });
  assert.ok(result.stdout.trim(), `CLI printed nothing for ${path}: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as CliMemory | CliMemory[];
  const memory = (Array.isArray(parsed) ? parsed[0]! : parsed).memory;
  assert.ok(memory, `the CLI estimates memory for ${path}`);
  return memory;
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const unavailable = e2eUnavailableReasonSync();
const skip = unavailable && !E2E_REQUIRED ? unavailable : false;

const EXAMPLE = 'examples/megatron/pretrain_gpt_1.3b.sh';
/** The example with micro-batch 8: ≈ 54 GiB per GPU, over an A100-40GB. */
const OVER = 'memory/pretrain_gpt_1.3b_mb8.sh';

describe('memory per GPU in a real VS Code (code-server + Chromium)', { skip }, () => {
  let session: Session;
  const example = readFileSync(join(REPO_ROOT, EXAMPLE), 'utf8');

  before(async () => {
    if (unavailable) assert.fail(`CI=true but ${unavailable}`);
    assert.ok(example.includes('--micro-batch-size 4'));
    session = await startSession({
      copy: { examples: join(REPO_ROOT, 'examples') },
      files: { [OVER]: example.replace('--micro-batch-size 4', '--micro-batch-size 8') },
      settings: { 'scalingLens.hardware.gpu': GPU },
    });
  });

  after(async () => {
    await session?.stop();
  });

  test('the memory lens on the Megatron example states the CLI’s estimate against the A100-40GB', async () => {
    const m = cliMemory(session.path(EXAMPLE));
    await session.openFile(EXAMPLE);
    const title = `≈ ${gib(m.perGpuBytes)} / ${gib(m.capacityBytes)} GiB per GPU (${GPU})`;
    const lenses = await waitForLenses(session.page, { pattern: new RegExp(`^${escape(title)}`) });
    await screenshot(session.page, 'memory-lens');
    assert.ok(
      lenses.some((t) => t.startsWith(title)),
      JSON.stringify(lenses),
    );
  });

  test('over capacity: the diagnostic, a quick fix titled with the memory it reaches, applied and undone byte-identical', async () => {
    const file = session.path(OVER);
    const original = readFileSync(file, 'utf8');
    const m = cliMemory(file);
    assert.equal(m.fits, false, 'micro-batch 8 does not fit');
    await session.openFile(OVER);
    await waitForLenses(session.page, { pattern: /GiB per GPU .*does not fit/ });
    // The diagnostic sits on the model section (--num-layers); its hover shows the message.
    const message = await hover(session.page, '--num-layers', /exceeds the 40\.0 GiB of A100-40GB/);
    assert.ok(message.includes(`≈ ${gib(m.perGpuBytes)} GiB per GPU exceeds`), message);
    await screenshot(session.page, 'memory-over-capacity-diagnostic');
    await dismissHover(session.page);

    await clickToken(session.page, '--num-layers');
    const offered = await triggerQuickFix(
      session.page,
      /^Shard optimizer states: --use-distributed-optimizer → ≈/,
    );
    assert.ok(
      offered.some((t) =>
        /^Recompute activations \(full\): --recompute-granularity full --recompute-method uniform --recompute-num-layers 1 → ≈ [\d.]+ \/ 40\.0 GiB per GPU/.test(
          t,
        ),
      ),
      JSON.stringify(offered),
    );
    assert.ok(
      offered.some((t) => /^Halve the micro-batch.*--micro-batch-size 4 → ≈/.test(t)),
      JSON.stringify(offered),
    );
    const title = offered.find((t) => t.startsWith('Shard optimizer states'))!;
    const reached = /→ ≈ ([\d.]+) \/ 40\.0 GiB/.exec(title)![1]!;
    const edited = await savedText(session.page, file, (t) => t !== original);
    // One flag inserted after --micro-batch-size 8; every other byte unchanged.
    assert.equal(edited.replace(' --use-distributed-optimizer', ''), original);
    assert.match(edited, /--micro-batch-size 8 --use-distributed-optimizer/);
    // The lens now shows the figure the title promised, and the CLI agrees.
    assert.equal(gib(cliMemory(file).perGpuBytes), reached);
    await waitForLenses(session.page, { pattern: new RegExp(`^≈ ${escape(reached)} / 40\\.0 GiB per GPU`) });
    await screenshot(session.page, 'memory-after-quick-fix');
    await undo(session.page);
    assert.equal(await savedText(session.page, file, (t) => t === original), original);
    await waitForLenses(session.page, {
      pattern: new RegExp(`^≈ ${escape(gib(m.perGpuBytes))} / 40\\.0 GiB`),
    });
  });

  test('hover on --micro-batch-size: the breakdown and the what-if rows', async () => {
    const m = cliMemory(session.path(EXAMPLE));
    await session.openFile(EXAMPLE);
    await waitForLenses(session.page, { pattern: /GiB per GPU/ });
    const text = await hover(session.page, '--micro-batch-size', /What if/);
    await screenshot(session.page, 'memory-hover-micro-batch');
    await dismissHover(session.page);
    assert.match(text, new RegExp(`weights\\s+${(m.weights / 2 ** 30).toFixed(2)}`));
    assert.match(text, new RegExp(`optimizer\\s+${(m.optimizer / 2 ** 30).toFixed(2)}`));
    assert.match(text, new RegExp(`activations\\s+${(m.activations / 2 ** 30).toFixed(2)}`));
    assert.match(text, new RegExp(`total\\s+${escape(gib(m.perGpuBytes))}`));
    // micro-batch 2 and 8 rows: the 8 row is the over-capacity file's figure.
    assert.match(
      text,
      new RegExp(`--micro-batch-size 8\\s+${escape(gib(cliMemory(session.path(OVER)).perGpuBytes))}`),
    );
    assert.match(text, /--micro-batch-size 2\s+[\d.]+/);
    assert.match(text, /--use-distributed-optimizer\s+[\d.]+/);
  });
});
