import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCompareCommand, type CompareJson } from '../../src/cli/compare';
import { findPublishedLaw } from '../../src/core/laws/published';
import { evaluateLaw } from '../../src/core/laws/forms';
import { REPO_ROOT, SHARED_DIR, SHARED_SKIP } from '../helpers';

function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCompareCommand(
    args,
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

const EXAMPLE = join(REPO_ROOT, 'examples/nanogpt/train_gpt2_124m.py');

test(
  'compare --json: nanoGPT 124M at 29.5B vs 295B tokens (train_gpt2.py), deltas and paired loss interval',
  { skip: SHARED_SKIP },
  () => {
    const other = join(SHARED_DIR, 'configs/nanogpt/train_gpt2.py');
    const r = run([EXAMPLE, other, '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as CompareJson;
    assert.equal(j.law, 'epoch2024');
    // Both are GPT-2 124M: 124,373,760 parameters (nanoGPT, vocab 50304, tied).
    assert.equal(j.a.params, 124_373_760);
    assert.equal(j.deltas.params.difference, 0);
    // 12 × 1024 × 40 × 60,000 = 29,491,200,000 vs 12 × 1024 × 40 × 600,000 = 294,912,000,000 (same batch).
    assert.equal(j.a.tokens, 29_491_200_000);
    assert.equal(j.b.tokens, 294_912_000_000);
    assert.equal(j.deltas.tokens.difference, 294_912_000_000 - 29_491_200_000);
    assert.equal(j.deltas.tokens.ratio, 10);
    assert.equal(j.deltas.flops.ratio, 10);
    // Each side's own hardware: the example names none (H100 default), train_gpt2.py says 8X A100 40GB.
    assert.equal(j.a.cost!.gpu, 'H100');
    assert.equal(j.b.cost!.gpu, 'A100-40GB');
    assert.ok(j.notes.some((n) => n.startsWith('Different hardware: A on 8 × H100, B on 8 × A100-40GB')));
    // Loss under epoch2024 (Besiroglu et al. 2024): B − A equals the difference of the law at both points.
    const law = findPublishedLaw('epoch2024')!.law;
    const expected =
      evaluateLaw(law, 124_373_760, 294_912_000_000) - evaluateLaw(law, 124_373_760, 29_491_200_000);
    assert.ok(Math.abs(j.deltas.loss.difference! - expected) < 1e-12);
    // The paired interval contains the point and is narrower than the two bands side by side.
    const paired = j.lossDifferenceInterval!;
    assert.ok(paired.low <= expected && expected <= paired.high);
    const naive = j.b.loss!.high - j.b.loss!.low + (j.a.loss!.high - j.a.loss!.low);
    assert.ok(paired.high - paired.low < naive, `${paired.high - paired.low} vs ${naive}`);
  },
);

test(
  'compare with --gpu: both sides on the chosen accelerator, no hardware note',
  { skip: SHARED_SKIP },
  () => {
    const other = join(SHARED_DIR, 'configs/nanogpt/train_gpt2.py');
    const j = JSON.parse(run([EXAMPLE, other, '--json', '--gpu', 'H100']).out) as CompareJson;
    assert.equal(j.b.cost!.gpu, 'H100');
    // Same accelerator and count: GPU-hours scale with FLOPs exactly.
    assert.ok(Math.abs(j.deltas.gpuHours.ratio! - 10) < 1e-12);
    assert.ok(!j.notes.some((n) => n.startsWith('Different hardware')));
  },
);

test('compare text output is a Markdown table with every metric row', () => {
  const r = run([EXAMPLE, EXAMPLE]);
  assert.equal(r.code, 0, r.err);
  for (const row of [
    'N (total)',
    'N (active)',
    'D (tokens)',
    'tokens/param',
    'FLOPs',
    'memory per GPU',
    'GPU-hours',
    'days',
    'cost',
    'predicted loss',
  ]) {
    assert.match(r.out, new RegExp(`^\\| ${row.replace(/[()]/g, '\\$&')}`, 'm'), row);
  }
  assert.match(r.out, /^\| D \(tokens\) \| 29\.5B \| 29\.5B \| ±0 \|$/m);
});

test('compare with unknown D on one side leaves its deltas blank and says why', () => {
  const maxtext = join(REPO_ROOT, 'examples/maxtext/llama2-1b-v5e-64.yml');
  const j = JSON.parse(run([maxtext, EXAMPLE, '--json']).out) as CompareJson;
  assert.equal(j.a.tokens, null);
  assert.equal(j.deltas.tokens.difference, null);
  assert.equal(j.deltas.loss.difference, null);
  assert.ok(j.notes.some((n) => /unknown device count/.test(n)));
});

test('compare --head: a file against its committed version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sl-compare-'));
  try {
    const file = join(dir, 'train.py');
    writeFileSync(file, readFileSync(EXAMPLE, 'utf8'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
        cwd: dir,
        stdio: 'pipe',
      });
    git('init', '-q');
    git('add', 'train.py');
    git('commit', '-q', '-m', 'base');
    writeFileSync(file, readFileSync(EXAMPLE, 'utf8').replace('max_iters = 60000', 'max_iters = 120000'));
    const r = run([file, '--head', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as CompareJson;
    assert.match(j.a.label, /@ HEAD$/);
    assert.equal(j.deltas.tokens.ratio, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare usage errors and unreadable inputs: clear messages and exit codes, no throw', () => {
  assert.equal(run([EXAMPLE]).code, 2);
  assert.equal(run([EXAMPLE, EXAMPLE, '--gpu', 'X9']).code, 2);
  assert.equal(run([EXAMPLE, EXAMPLE, '--mfu', '3']).code, 2);
  const missing = run([EXAMPLE, '/nonexistent/file.py']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot read \(ENOENT\)/);
  const notConfig = run([EXAMPLE, join(REPO_ROOT, 'package.json')]);
  assert.equal(notConfig.code, 1);
  assert.match(notConfig.err, /not a recognized run config/);
  const outside = run(['/tmp', '--head']);
  assert.notEqual(outside.code, 0);
});
