/**
 * Absurd parallel degrees in real launch files (issue #12 "bad input"): TP that does not divide the
 * heads, PP greater than the layers, GPUs that TP × PP × CP does not divide, a global batch that
 * micro-batch × DP does not divide (Megatron arguments.py and torchtitan both assert it) — each a
 * diagnostic at the key naming it, no memory figure, and no negative, NaN or infinite number in the
 * CLI JSON.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../src/core/analyze';
import { toJson } from '../../src/cli/analyze';
import { REPO_ROOT } from '../helpers';

const MEGATRON = join(REPO_ROOT, 'examples', 'megatron', 'pretrain_gpt_1.3b.sh');
const TORCHTITAN = join(REPO_ROOT, 'examples', 'torchtitan', 'llama3_8b.toml');
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length - 1;

/** Every number in the JSON is finite and ≥ 0 (a negative memory, token or FLOP figure is a bug). */
function assertSaneNumbers(value: unknown, path = '$'): void {
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value) && value >= 0, `${path} = ${value}`);
  } else if (Array.isArray(value)) value.forEach((v, i) => assertSaneNumbers(v, `${path}[${i}]`));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value))
      if (k !== 'range' && k !== 'line') assertSaneNumbers(v, `${path}.${k}`);
}

function analyse(path: string, from: string, to: string, settings = DEFAULT_ANALYSIS_SETTINGS) {
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), from);
  const edited = text.replace(from, to);
  const a = analyzeText(edited, { path }, settings).analysis!;
  assert.ok(a, 'still a run config');
  const json = toJson(path, a);
  assert.equal(JSON.stringify(json).match(/NaN|Infinity/), null);
  assertSaneNumbers(json.memory);
  assertSaneNumbers(json.throughput);
  return { a, json, text: edited };
}

const cases: {
  name: string;
  path: string;
  from: string;
  to: string;
  code: string;
  message: RegExp;
  at?: string;
}[] = [
  {
    name: 'Megatron TP 3 does not divide 16 heads',
    path: MEGATRON,
    from: '--tensor-model-parallel-size 1',
    to: '--tensor-model-parallel-size 3',
    code: 'layout-tp-heads',
    message: /--tensor-model-parallel-size = 3 does not divide the 16 attention heads/,
    at: '--tensor-model-parallel-size 3',
  },
  {
    name: 'Megatron PP 32 > 24 layers',
    path: MEGATRON,
    from: '--pipeline-model-parallel-size 1',
    to: '--pipeline-model-parallel-size 32',
    code: 'layout-pp-layers',
    message: /--pipeline-model-parallel-size = 32 exceeds the 24 layers/,
    at: '--pipeline-model-parallel-size 32',
  },
  {
    name: 'Megatron PP 5 does not divide the 16 GPUs',
    path: MEGATRON,
    from: '--pipeline-model-parallel-size 1',
    to: '--pipeline-model-parallel-size 5',
    code: 'layout-dp-gpus',
    message:
      /gpus = 16 is not divisible by --tensor-model-parallel-size 1 × --pipeline-model-parallel-size 5 × CP 1 = 5/,
  },
  {
    name: 'Megatron on 3 nodes: 512 global is not a multiple of micro-batch 4 × DP 24',
    path: MEGATRON,
    from: 'NUM_NODES=2',
    to: 'NUM_NODES=3',
    code: 'layout-batch-dp',
    message: /--global-batch-size = 512 is not divisible by --micro-batch-size 4 × DP 24/,
    at: '--global-batch-size',
  },
  {
    name: 'torchtitan TP 3 does not divide 32 heads',
    path: TORCHTITAN,
    from: 'tensor_parallel_degree = 1',
    to: 'tensor_parallel_degree = 3',
    code: 'layout-tp-heads',
    message: /tensor_parallel_degree = 3 does not divide the 32 attention heads/,
    at: 'tensor_parallel_degree = 3',
  },
  {
    name: 'torchtitan PP 64 > 32 layers',
    path: TORCHTITAN,
    from: 'pipeline_parallel_degree = 1',
    to: 'pipeline_parallel_degree = 64',
    code: 'layout-pp-layers',
    message: /pipeline_parallel_degree = 64 exceeds the 32 layers/,
    at: 'pipeline_parallel_degree = 64',
  },
];

for (const c of cases) {
  test(`${c.name}: diagnostic naming the key, no memory figure, no NaN/negative`, () => {
    const { a, text } = analyse(c.path, c.from, c.to);
    assert.equal(a.memory, null);
    const d = a.diagnostics.find((x) => x.code === c.code);
    assert.ok(d, `${c.code} in ${a.diagnostics.map((x) => x.code).join(', ')}`);
    assert.match(d.message, c.message);
    assert.equal(d.severity, 'error');
    if (c.at) assert.equal(d.range?.start.line, lineOf(text, c.at));
  });
}

test('the same layout on a GPU count the file does not state is a warning that says how to give the count', () => {
  const text =
    'torchrun pretrain_gpt.py --num-layers 24 --hidden-size 1024 --num-attention-heads 16 --seq-length 1024 \\\n' +
    '  --max-position-embeddings 1024 --micro-batch-size 4 --global-batch-size 8 --train-iters 100\n';
  const a = analyzeText(text, {}, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 }).analysis!;
  assert.equal(a.memory, null);
  const d = a.diagnostics.find((x) => x.code === 'layout-batch-dp')!;
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /--global-batch-size = 8 is not divisible by --micro-batch-size 4 × DP 8/);
  assert.match(d.message, /scalingLens\.missing\.gpus/);
  // On the 2 GPUs it was written for, the layout is fine and memory is estimated.
  const two = analyzeText(
    text,
    {},
    { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 2, useGpusForMissingTokens: true },
  ).analysis!;
  assert.ok(two.memory && two.memory.perGpuBytes > 0);
});

test('a global batch derived from a key is named as derived, never shown as that key’s value (nanoGPT)', () => {
  // nanoGPT's global batch is batch_size × gradient_accumulation_steps = 64 × 1 sequences; on the
  // setting's GPU count (the file states none) 64 is not a multiple of 64 × DP.
  const text =
    "batch_size = 64\nblock_size = 256\ngradient_accumulation_steps = 1\nmax_iters = 5000\nn_layer = 6\nn_head = 6\nn_embd = 384\ndataset = 'openwebtext'\n";
  const a = analyzeText(
    text,
    { path: 'config/train_small.py' },
    { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 },
  ).analysis!;
  const d = a.diagnostics.find((x) => x.code === 'layout-batch-dp');
  assert.ok(d, JSON.stringify(a.diagnostics.map((x) => x.message)));
  assert.match(
    d.message,
    /^the global batch of 64 sequences \(from `gradient_accumulation_steps` = 1\) is not divisible/,
  );
  assert.doesNotMatch(d.message, /gradient_accumulation_steps = 64/);
});
