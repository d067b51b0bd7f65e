/**
 * Issue 17: the fuzz campaign keeps its budget, and the cases it found stay fixed.
 *
 * - A fresh-seed campaign (bench/fuzz-campaign.ts, ~1 minute; FUZZ_CAMPAIGN_MINUTES overrides) must
 *   exit 0 with 0 failures and finish within its budget + 20%. The seed is printed, so a failure
 *   replays with `node --import tsx bench/fuzz-campaign.ts --minutes 1 --seed S`.
 * - Regressions: the counterexamples of seeds 5 and 827663204 (issue 17) and of the parallel-layout
 *   readers (found by seed 5 after the memory estimate landed).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeText } from '../../src/core/analyze';
import { readLayout } from '../../src/core/config/registry';
import { REPO_ROOT, fixture, fixturePath } from '../helpers';
import { checkRobust, loadCorpus, splitValueLine } from './fuzz-support';

/** Every non-finite number in a value, as paths (the campaign's robustness oracle, in short). */
function nonFinite(value: unknown, path = '', out: string[] = [], seen = new Set<unknown>()): string[] {
  if (typeof value === 'number' && !Number.isFinite(value)) out.push(`${path} = ${value}`);
  else if (value && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const [key, child] of Object.entries(value)) nonFinite(child, `${path}.${key}`, out, seen);
  }
  return out;
}

describe('regressions from the campaign', () => {
  test('seed 860497534: a layout value written as NaN or Infinity is quoted as written, never read as a computed NaN', () => {
    // The campaign retyped `precision`, `optimizer.name` and DeepSpeed `optimizer.type` to NaN /
    // Infinity: the layout readers' "unknown:" reason echoed the value bare ("(precision NaN)").
    // Every layout-ish key of every corpus file, retyped both ways, must pass the robustness checks.
    // Seed 863698517 (CI): MaxText `weight_dtype` / `remat_policy` / `opt_type` = `.inf`, which YAML
    // reads as Infinity and the reason echoed as the parsed value. Seed 905763620 (CI): OLMo
    // `fsdp.wrapping_strategy` retyped to a map, echoed as "[object Object]".
    const keys =
      /^\s*(?:-\s+)?["']?(precision|optimizer|name|type|dtype|mp|sharding_strategy|activation_checkpointing|param_dtype|weight_dtype|remat_policy|opt_type|grad_dtype|zero_stage|stage|mixed_precision|wrapping_strategy)["']?\s*[:=]/;
    let cases = 0;
    for (const file of loadCorpus()) {
      const lines = file.text.split('\n');
      lines.forEach((line, i) => {
        const split = keys.test(line) ? splitValueLine(line) : undefined;
        if (!split) return;
        for (const value of ['NaN', 'Infinity- - -', '.inf', '{a: 1}', '[1, 2]']) {
          const mutated = [...lines];
          mutated[i] = split[0] + value + split[2];
          cases++;
          try {
            checkRobust(mutated.join('\n'), file.path);
          } catch (error) {
            assert.fail(`${file.label} line ${i + 1} = ${value}: ${(error as Error).message}`);
          }
        }
      });
    }
    assert.ok(cases > 50, `${cases} cases`);
  });

  const moe = fixture('hf-config', 'qwen3-moe-tiny', 'config.json');
  const withLayers = (layers: string) =>
    moe.replace('"num_hidden_layers": 4', `"num_hidden_layers": ${layers}`);
  const path = fixturePath('hf-config', 'qwen3-moe-tiny', 'config.json');

  test('seed 827663204, case 21,664: a 1e30-layer MoE HF config answers at once with a diagnostic', () => {
    const started = performance.now();
    const result = analyzeText(withLayers('999999999999999999999999999999'), { path });
    const ms = performance.now() - started;
    // Hang check, not a benchmark: the per-layer loop took 9.9 s at 1e9 layers and never ended at 1e30.
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
    assert.equal(result.analysis?.params ?? null, null, 'no parameter count from 1e30 layers');
    assert.ok(
      result.diagnostics.some((d) => /num_hidden_layers/.test(d.message)),
      JSON.stringify(result.diagnostics.map((d) => d.message)),
    );
    assert.deepEqual(nonFinite(result), []);
  });

  test('MoE analysis cost does not grow with the layer count (1e9 layers vs 4: same work per layer kind)', () => {
    const time = (layers: string) => {
      const text = withLayers(layers);
      analyzeText(text, { path }); // warm
      const started = performance.now();
      for (let i = 0; i < 5; i++) analyzeText(text, { path });
      return (performance.now() - started) / 5;
    };
    const small = time('4');
    const huge = time('1000000000');
    // Per-layer work made 1e9 layers ~50,000× slower than 4; per layer kind it is the same work.
    assert.ok(huge < 20 * small + 50, `4 layers ${small.toFixed(1)} ms, 1e9 layers ${huge.toFixed(1)} ms`);
    const result = analyzeText(withLayers('1000000000'), { path });
    // 1e9 layers of this MoE is ~7e15 parameters: still under the 1e16 plausibility bound, so exact.
    assert.ok(Number.isSafeInteger(result.analysis!.params!.total), String(result.analysis!.params!.total));
  });

  test('the 1e30-layer config through the CLI: JSON with the diagnostic, no hang', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaling-lens-campaign-'));
    try {
      const file = join(dir, 'config.json');
      writeFileSync(file, withLayers('999999999999999999999999999999'));
      const out = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'dist', 'cli.js'), 'analyze', file, '--json'],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      assert.equal(out.error, undefined, 'the CLI answered within 30 s');
      const json = JSON.parse(out.stdout.trim().split('\n')[0]!) as {
        params: unknown;
        diagnostics: { message: string }[];
      };
      assert.equal(json.params, null);
      assert.ok(json.diagnostics.some((d) => /num_hidden_layers/.test(d.message)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('seed 5: a non-numeric Megatron degree or micro-batch is no NaN in the spec, and is named', () => {
    const sh = [
      'torchrun pretrain_gpt.py --num-layers 24 --hidden-size 1024 --num-attention-heads 16 \\',
      '  --seq-length 2048 --max-position-embeddings 2048 --micro-batch-size --global-batch-size 512 \\',
      '  --context-parallel-size x --pipeline-model-parallel-size 1e400 --train-iters 1000',
    ].join('\n');
    const layout = readLayout('megatron', sh, {}, 8)!;
    assert.deepEqual(nonFinite(layout), []);
    assert.equal(layout.invalid?.contextParallel, 'x');
    assert.equal(layout.invalid?.pipelineParallel, '1e400');
    const result = analyzeText(sh, { path: '/x/pretrain_gpt.sh' });
    assert.deepEqual(nonFinite(result), []);
    for (const d of result.diagnostics) assert.doesNotMatch(d.message, /NaN|Infinity/);
  });

  test('seed 1001: a GPU count that overflows (data_parallel_shard_degree = 1e308) is no Infinity in the layout', () => {
    const text = fixture('torchtitan', 'legacy_debug_model.toml').replace(
      /data_parallel_shard_degree = -?\d+/,
      'data_parallel_shard_degree = 1e308',
    );
    assert.match(text, /= 1e308/);
    // The reader's count is 1e308 (finite, but no real count); the layout must not take it.
    assert.equal(readLayout('torchtitan', text, {}, 1e308)?.gpus, undefined);
    const result = analyzeText(text, {
      path: fixturePath('torchtitan', 'legacy_debug_model.toml'),
    });
    assert.deepEqual(nonFinite(result), []);
  });

  test('seed 5: torchtitan degrees that are not numbers (string, inf, nan) are named, not NaN', () => {
    const toml = [
      '[model]',
      'name = "llama3"',
      'flavor = "debugmodel"',
      '[training]',
      'local_batch_size = "eight"',
      'seq_len = inf',
      'steps = 10',
      '[parallelism]',
      'tensor_parallel_degree = nan',
    ].join('\n');
    const layout = readLayout('torchtitan', toml, {}, 8)!;
    assert.deepEqual(nonFinite(layout), []);
    assert.deepEqual(Object.keys(layout.invalid ?? {}).sort(), ['microBatch', 'seqLen', 'tensorParallel']);
    const result = analyzeText(toml, { path: '/x/train.toml' });
    assert.deepEqual(nonFinite(result), []);
    for (const d of result.diagnostics) assert.doesNotMatch(d.message, /NaN|Infinity/);
  });
});

const MINUTES = Number(process.env.FUZZ_CAMPAIGN_MINUTES ?? 2);
/**
 * On in every test run, CI included (issue 17): a fresh seed each time, printed so a failure can be
 * replayed. The readers' failures that kept it off are fixed; since then 128,758 + 49,516 campaign cases
 * over every reader and the three shared corpora found none (docs/hardening.md). FUZZ_CAMPAIGN=0 turns
 * it off for a quick local run.
 */
const CAMPAIGN_OFF = process.env.FUZZ_CAMPAIGN === '0' ? 'FUZZ_CAMPAIGN=0' : false;
const SEED = Number(process.env.FUZZ_CAMPAIGN_SEED ?? Date.now() % 2 ** 31);

test(
  `a fresh-seed fuzz campaign (${MINUTES} min, seed ${SEED}) finds 0 failures within its budget + 20%`,
  { timeout: MINUTES * 60_000 * 2 + 60_000, skip: CAMPAIGN_OFF },
  async () => {
    console.log(
      `fuzz campaign seed ${SEED}: replay with node --import tsx bench/fuzz-campaign.ts --minutes ${MINUTES} --seed ${SEED}`,
    );
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'bench', 'fuzz-campaign.ts'),
        '--minutes',
        String(MINUTES),
        '--seed',
        String(SEED),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    child.stderr.on('data', (chunk) => (out += String(chunk)));
    // Past budget + 20% the campaign has failed its contract; stop it rather than wait.
    const limitMs = MINUTES * 60_000 * 1.2;
    const killer = setTimeout(() => child.kill('SIGINT'), limitMs + 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(killer);
    const seconds = (performance.now() - started) / 1000;
    const summary = out.split('\n').find((line) => line.startsWith('total:')) ?? '(no summary)';
    console.log(`${summary}; wall ${seconds.toFixed(1)} s`);
    assert.equal(code, 0, out.slice(-3000));
    assert.match(summary, / 0 distinct failures/);
    assert.ok(seconds <= limitMs / 1000, `took ${seconds.toFixed(1)} s for a ${MINUTES * 60} s budget`);
  },
);
