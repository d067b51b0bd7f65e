import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRunConfig } from '../../registry';
import { countParams } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { evaluatesToPythonFloat } from './reader';

/**
 * N from the module shapes of karpathy/nanoGPT @3adf61e1 model.py, written out per tensor here (not
 * through the reader's ArchitectureSpec), for the GPTConfig that train.py builds from an override file.
 */
interface GptShape {
  n_layer: number;
  n_head: number;
  n_embd: number;
  block_size: number;
  vocab_size: number;
  bias: boolean;
}

function gptModuleCount(c: GptShape): number {
  const d = c.n_embd;
  const linear = (i: number, o: number) => i * o + (c.bias ? o : 0);
  // model.py:18-24 LayerNorm(ndim, bias): weight always, bias only with bias=True.
  const layerNorm = d + (c.bias ? d : 0);
  // Block (model.py:94-101): ln_1, c_attn d→3d, c_proj d→d, ln_2, c_fc d→4d, c_proj 4d→d.
  const block = layerNorm + linear(d, 3 * d) + linear(d, d) + layerNorm + linear(d, 4 * d) + linear(4 * d, d);
  // GPT (model.py:125-138): wte, wpe, blocks, ln_f; lm_head bias=False and tied to wte (no new tensor).
  return c.vocab_size * d + c.block_size * d + c.n_layer * block + layerNorm;
}

function read(text: string): RunSpec {
  const result = readRunConfig(text, { path: 'config/probe.py' });
  assert.equal(result.kind, 'run-config');
  const spec = (result as { spec: RunSpec }).spec;
  assert.equal(spec.framework, 'nanogpt');
  return spec;
}

const run = 'max_iters = 100\nbatch_size = 4\ngradient_accumulation_steps = 1\n';

describe('nanoGPT N against model.py module shapes', () => {
  it('uses train.py defaults: bias False (GPTConfig says True), block 1024, vocab 50304', () => {
    const spec = read(`n_layer = 2\nn_head = 4\nn_embd = 128\n${run}`);
    const expected = gptModuleCount({
      n_layer: 2,
      n_head: 4,
      n_embd: 128,
      block_size: 1024,
      vocab_size: 50304,
      bias: false,
    });
    assert.equal(countParams(spec.architecture!).total, expected);
  });

  it('adds Linear and LayerNorm biases with bias = True and sizes wpe by block_size', () => {
    const spec = read(`n_layer = 3\nn_head = 6\nn_embd = 192\nbias = True\nblock_size = 256\n${run}`);
    const shape = { n_layer: 3, n_head: 6, n_embd: 192, block_size: 256, vocab_size: 50304, bias: true };
    assert.equal(countParams(spec.architecture!).total, gptModuleCount(shape));
  });

  it("takes shakespeare_char's meta.pkl vocab of 65 (data/shakespeare_char/prepare.py)", () => {
    const text = `n_layer = 2\nn_head = 2\nn_embd = 64\nblock_size = 64\ndataset = 'shakespeare_char'\n${run}`;
    const shape = { n_layer: 2, n_head: 2, n_embd: 64, block_size: 64, vocab_size: 65, bias: false };
    assert.equal(countParams(read(text).architecture!).total, gptModuleCount(shape));
  });

  it('loads init_from gpt2-medium with the forced shapes and crops wpe to block_size', () => {
    // GPT.from_pretrained (model.py:207-231): 24 layers, 16 heads, d 1024, vocab 50257, bias True.
    const spec = read(`init_from = 'gpt2-medium'\nn_layer = 2\nbias = False\nblock_size = 512\n${run}`);
    const shape = { n_layer: 24, n_head: 16, n_embd: 1024, block_size: 512, vocab_size: 50257, bias: true };
    assert.equal(countParams(spec.architecture!).total, gptModuleCount(shape));
  });
});

describe('nanoGPT configurations model.py refuses get no N', () => {
  it('n_embd not divisible by n_head (CausalSelfAttention asserts, model.py:33)', () => {
    const spec = read(`n_layer = 2\nn_head = 3\nn_embd = 128\n${run}`);
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => d.severity === 'error' && /not divisible/.test(d.message)));
  });

  for (const [name, raw] of [
    ['n_layer', '2.0'],
    ['n_embd', '256 / 2'],
    ['block_size', '1e3'],
  ] as const) {
    it(`${name} = ${raw}, a Python float that range() / nn.Linear / nn.Embedding refuse`, () => {
      const text = `n_layer = 2\nn_head = 4\nn_embd = 128\n${run}${name} = ${raw}\n`;
      const spec = read(text);
      assert.equal(spec.architecture, undefined);
      assert.ok(spec.diagnostics.some((d) => d.code === 'invalid-value' && d.message.includes(name)));
    });
  }

  it('still reads max_iters = 5e3 (train.py only compares it) and batch sizes written as ints', () => {
    const spec = read(`n_layer = 2\nn_head = 4\nn_embd = 128\nbatch_size = 4\nmax_iters = 5e3\n`);
    assert.ok(spec.architecture);
    assert.equal(spec.training.steps, 5000);
  });

  it('refuses batch_size = 8.0 for D (torch.randint size, train.py:123)', () => {
    const spec = read(`n_layer = 2\nn_head = 4\nn_embd = 128\nmax_iters = 10\nbatch_size = 8.0\n`);
    assert.equal(spec.training.tokens, undefined);
  });

  it('tells Python floats from ints', () => {
    for (const raw of ['12.0', '.5', '5e3', '1E-2', '1024 / 2', '3 * 0.5'])
      assert.ok(evaluatesToPythonFloat(raw), raw);
    for (const raw of ['12', '1024 // 2', '64 * 6', '2**10']) assert.ok(!evaluatesToPythonFloat(raw), raw);
  });
});
