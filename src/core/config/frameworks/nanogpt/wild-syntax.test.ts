import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nanogptReader } from './reader';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import { nanogptSchedule } from './schedule';
import type { RunSpec } from '../../../types';

/**
 * Python statement forms seen in third-party nanoGPT forks' config/*.py files (configurator.py
 * `exec`s the file into train.py's globals, karpathy/nanoGPT@3adf61e1 configurator.py, so Python's
 * own rules decide which value a name ends with). Before these tests the reader looked only at the
 * first `name = value` of each top-level line.
 */

function read(text: string): RunSpec {
  const result = nanogptReader.read(text, {});
  assert.equal(result.kind, 'run-config');
  if (result.kind !== 'run-config') throw new Error('unreachable');
  return result.spec;
}

const messages = (spec: RunSpec) => spec.diagnostics.map((d) => d.message).join('\n');

describe('nanoGPT reader: statements after `;` (quietsmile/nanogpt@fdd2fd8d config/v2_moe196_*.py)', () => {
  it('reads every `;`-separated assignment (the one after `;` was silently replaced by the default)', () => {
    const text = [
      "out_dir = 'out-x'; max_iters = 100",
      'n_layer = 2',
      'dropout = 0.0; n_embd = 256',
      'n_head = 4',
      'batch_size = 2; block_size = 64; gradient_accumulation_steps = 1',
      "init_from = 'scratch'",
    ].join('\n');
    const spec = read(text);
    // bias False (train.py default), vocab 50304 (no meta.pkl), d = 256, 2 layers, 64 positions:
    // 50304·256 + 64·256 + 2·(12·256² + 2·256) + 256 = 12,877,824 + 16,384 + 1,573,888 + 256
    assert.equal(countParams(spec.architecture!).total, 14_468_352);
    // batch_size 2 × block_size 64 × accumulation 1 × max_iters 100 (not the 600000 default)
    assert.equal(spec.training.tokens, 12_800);
  });

  it('keeps `;` inside a string literal as text', () => {
    const spec = read("wandb_run_name = 'a;b = 3'\nn_layer = 2\nn_head = 4\nn_embd = 256\nmax_iters = 10\n");
    assert.equal(spec.modelName, 'a;b = 3');
  });

  it('detects a config whose first statement is a module docstring', () => {
    const text = [
      '"""Stage 6B — a docstring',
      'spanning several lines, as in quietsmile/nanogpt config/v2_moe196_full_scratch.py',
      'n_layer = 99 (text, not code)',
      '"""',
      'n_layer = 2; n_head = 4; n_embd = 256',
      'batch_size = 2; block_size = 64',
      'gradient_accumulation_steps = 1; max_iters = 100',
    ].join('\n');
    const result = readRunConfig(text, { path: 'config/x.py' });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.framework, 'nanogpt');
    // the same model as above: n_layer inside the docstring is not read
    assert.equal(countParams(result.spec.architecture!).total, 14_468_352);
    assert.equal(result.spec.training.tokens, 12_800);
  });
});

describe('nanoGPT reader: names bound by code are unknown, not the earlier literal', () => {
  it('an assignment inside an if block makes that name unknown (N not shown)', () => {
    const spec = read(
      'n_layer = 4\nn_head = 4\nn_embd = 256\nbig = True\nif big:\n    n_layer = 8\nmax_iters = 10\n',
    );
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /`n_layer` is assigned inside an indented block/);
    // D does not depend on n_layer: 12 × 1024 × 40 × 10 (train.py defaults for the rest)
    assert.equal(spec.training.tokens, 4_915_200);
  });

  it('an augmented assignment makes max_iters unknown (D not shown)', () => {
    const spec = read('n_layer = 2\nn_head = 4\nn_embd = 256\nmax_iters = 1000\nmax_iters *= 2\n');
    assert.equal(spec.training.tokens, undefined);
    assert.match(messages(spec), /`max_iters` is assigned by an augmented assignment/);
    assert.ok(spec.architecture);
  });

  it('tuple unpacking makes its names unknown (they were silently the train.py defaults)', () => {
    const spec = read('n_layer, n_head = 8, 8\nn_embd = 512\nmax_iters = 10\n');
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /`n_layer` is assigned by tuple unpacking/);
  });

  it('lines inside an open bracket are one statement, not indented assignments', () => {
    const spec = read(
      'n_layer = 2\nn_head = 4\nn_embd = 256\nextra = dict(\n    n_layer=8,\n)\nmax_iters = 10\n',
    );
    assert.equal(spec.architecture?.nLayers, 2);
  });

  it('exec(open(...).read()) brings in another file: N and D unknown', () => {
    const spec = read("exec(open('config/base.py').read())\nn_layer = 2\nn_head = 4\nmax_iters = 10\n");
    assert.equal(spec.architecture, undefined);
    assert.equal(spec.training.tokens, undefined);
    assert.match(messages(spec), /brings in names from another file/);
  });

  it('from x import * brings in another file: N and D unknown', () => {
    const spec = read('from config.train_gpt2 import *\nn_layer = 2\nn_head = 4\nmax_iters = 10\n');
    assert.equal(spec.architecture, undefined);
    assert.equal(spec.training.tokens, undefined);
  });
});

describe('nanoGPT reader: fork names that change the model', () => {
  for (const line of [
    'kv_channels = 128',
    'use_gqa = True',
    'n_query_groups = 4',
    'n_embed = 512',
    'head_size = 32',
    'use_alibi = True',
    'use_abs_pos_embeddings = False',
  ]) {
    it(`${line}: N unknown`, () => {
      const spec = read(`n_layer = 2\nn_head = 4\nn_embd = 256\nmax_iters = 10\n${line}\n`);
      assert.equal(spec.architecture, undefined);
      assert.match(messages(spec), new RegExp(`unknown: ${line.split(' ')[0]}`));
    });
  }
});

describe('nanoGPT LR schedule: a fork’s schedule keys (quietsmile/nanogpt@fdd2fd8d train.py get_lr)', () => {
  it("lr_decay_style / warmup_samples: the schedule is unknown, not stock nanoGPT's cosine", () => {
    const text = [
      'n_layer = 2; n_head = 4; n_embd = 256',
      'batch_size = 1; block_size = 64; gradient_accumulation_steps = 1; max_iters = 100',
      'learning_rate = 0.0012; min_lr = 1.2e-4',
      "decay_lr = True; lr_decay_style = 'wsd-exp'; warmup_samples = 32000",
    ].join('\n');
    const out = nanogptSchedule(text, {});
    assert.equal(out.schedule, undefined);
    assert.ok(out.errors.some((e) => /lr_decay_style/.test(e)));
    assert.ok(out.errors.some((e) => /warmup_samples/.test(e)));
  });

  it('stock keys after `;` still give the stock schedule', () => {
    const out = nanogptSchedule(
      'n_layer = 2; n_head = 4; n_embd = 256\nlearning_rate = 1e-3; warmup_iters = 10\n',
      {},
    );
    assert.equal(out.errors.length, 0, out.errors.join('\n'));
    // peak 1e-3, warmup 10 (from the statement after `;`), train.py default lr_decay_iters 600000
    assert.equal(out.schedule?.peakLr, 1e-3);
    assert.equal(out.schedule?.warmup, 10);
  });
});

describe("nanoGPT reader: a fork's own dataset (train.py vocab from data/<dataset>/meta.pkl)", () => {
  // Copies of config/train_shakespeare_char.py in the wild point at their own character-level
  // datasets ('ec', 'multi_digit', 'arithmetic/three-digit-reverse-padded', …): 50304 was shown.
  const text = "n_layer = 2\nn_head = 4\nn_embd = 256\nblock_size = 64\ndataset = 'ec'\nmax_iters = 10\n";
  const at = (files: Record<string, string>) => ({
    path: '/repo/config/train_ec.py',
    readFile: (p: string) => files[p],
  });

  it('N unknown when data/<dataset>/prepare.py cannot be read', () => {
    const result = nanogptReader.read(text, { path: '/repo/config/train_ec.py' });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.architecture, undefined);
    assert.match(messages(result.spec), /dataset 'ec' is not one of nanoGPT's own/);
  });

  it('N unknown when prepare.py writes meta.pkl (its own vocab)', () => {
    const result = nanogptReader.read(
      text,
      at({ '/repo/data/ec/prepare.py': "with open('meta.pkl', 'wb') as f:\n    pickle.dump(meta, f)\n" }),
    );
    assert.equal(result.kind === 'run-config' && result.spec.architecture, undefined);
  });

  it('vocab 50304 when prepare.py writes no meta.pkl (tiktoken GPT-2 BPE)', () => {
    const result = nanogptReader.read(
      text,
      at({ '/repo/data/ec/prepare.py': "enc = tiktoken.get_encoding('gpt2')\narr.tofile('train.bin')\n" }),
    );
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    // 50304·256 + 64·256 + 2·(12·256² + 2·256) + 256 (as in the `;` test above)
    assert.equal(countParams(result.spec.architecture!).total, 14_468_352);
  });

  it("nanoGPT's own BPE datasets need no prepare.py", () => {
    const spec = read(text.replace("'ec'", "'shakespeare'"));
    assert.equal(countParams(spec.architecture!).total, 14_468_352);
  });
});

describe('nanoGPT-style configs of a fork that loads its model (aaronzhfeng/llm-foundry post_training/configs/*.py)', () => {
  // The fork's train_sft.py / train_dpo.py exec such a file like configurator.py does, but build the
  // model from `checkpoint_path`'s stored model_args (a Qwen3-1.8B there), never from train.py's
  // GPT-2 defaults; before, the file read as a 125,160,192-parameter GPT-2 with no warning.
  const sft = [
    "checkpoint_path = '/raid/out-qwen3-1.8b/ckpt_160000.pt'",
    "sft_data_dir = 'data/sft_alpaca'",
    'batch_size = 4',
    'gradient_accumulation_steps = 4',
    'block_size = 2048',
    'max_iters = 3000',
    'always_save_checkpoint = True',
    'pad_token_id = 151643',
  ].join('\n');

  it('N is unknown, naming checkpoint_path and the foreign token id; D is still the file’s', () => {
    const spec = read(sft);
    assert.equal(spec.architecture, undefined);
    assert.match(
      messages(spec),
      /unknown: checkpoint_path = .*takes its model \(or its vocabulary\) from elsewhere/,
    );
    assert.match(messages(spec), /unknown: pad_token_id = 151643/);
    assert.equal(spec.training.tokens, 4 * 4 * 2048 * 3000);
  });

  it("nanoGPT's own always_save_checkpoint does not make N unknown (GPT-2 small defaults stay)", () => {
    const spec = read(['always_save_checkpoint = False', 'batch_size = 12', 'max_iters = 10'].join('\n'));
    assert.ok(spec.architecture);
    assert.equal(countParams(spec.architecture!).total, 124_373_760);
  });
});

describe('nanoGPT reader: annotated assignments (YpLarryWang/nanoGPT@78b6df6b config/train_tinystories.py)', () => {
  it('`bias: bool = True` binds bias like `bias = True` (PEP 526); before, the file was not recognized', () => {
    const text = [
      "out_dir = 'out-x'",
      'n_layer = 2',
      'n_head = 4',
      'n_embd = 256',
      'bias: bool = True',
      'block_size: int = 64',
      'batch_size = 2',
      'gradient_accumulation_steps = 1',
      'max_iters = 100',
      'dropout: float',
    ].join('\n');
    const result = readRunConfig(text, { path: 'config/x.py' });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    // bias True: 50304·256 + 64·256 + 2·(12·256² + 13·256) + 2·256 = 12,877,824 + 16,384 + 1,579,520 + 512
    assert.equal(countParams(result.spec.architecture!).total, 14_474_240);
    assert.equal(result.spec.training.tokens, 12_800);
  });

  it('a one-line `if x: name = value` is neither an annotation nor the value: the name is unknown', () => {
    // Python runs it (n_layer would be 3 here); before, the 2 was counted silently.
    const spec = read('n_layer = 2\nn_head = 4\nn_embd = 256\nmax_iters = 10\nif True: n_layer = 3\n');
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /`n_layer` is assigned inside a one-line compound statement/);
  });
});
