import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nanogptReader } from './reader';
import { countParams } from '../../../model/params';
import type { ReadContext, RunSpec } from '../../../types';

/**
 * A nanoGPT config is exec'd into the train.py beside it and builds that repository's model.py
 * (karpathy/nanoGPT@3adf61e1 train.py:77, `from model import GPTConfig, GPT`). Forks keep the names
 * and change what they mean; before these tests the reader always assumed upstream's scripts.
 */

/** The parameter-holding lines of karpathy/nanoGPT@3adf61e1 model.py (the rest does not matter here). */
const UPSTREAM_MODEL = `
class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None
class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
class MLP(nn.Module):
    def __init__(self, config):
        self.c_fc    = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj  = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
class Block(nn.Module):
    def __init__(self, config):
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
class GPT(nn.Module):
    def __init__(self, config):
        self.transformer = nn.ModuleDict(dict(
            wte = nn.Embedding(config.vocab_size, config.n_embd),
            wpe = nn.Embedding(config.block_size, config.n_embd),
            ln_f = LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight # https://paperswithcode.com/method/weight-tying
    def crop_block_size(self, block_size):
        self.transformer.wpe.weight = nn.Parameter(self.transformer.wpe.weight[:block_size])
`;

/** The runner lines that matter: defaults, the configurator exec, the accumulation, the vocab fallback. */
const trainPy = (opts: { accumulation: string; defaults?: string }) => `
from model import GPTConfig, GPT
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.distributed import init_process_group, destroy_process_group
init_from = 'scratch'
dataset = 'openwebtext'
gradient_accumulation_steps = 5 * 8
batch_size = 12
block_size = 1024
n_layer = 12
n_head = 12
n_embd = 768
bias = False
max_iters = 600000
${opts.defaults ?? ''}
config_keys = [k for k,v in globals().items() if not k.startswith('_') and isinstance(v, (int, float, bool, str))]
exec(open('configurator.py').read()) # overrides from command line or config file
ddp = int(os.environ.get('RANK', -1)) != -1
if ddp:
    init_process_group(backend=backend)
${opts.accumulation}
model_args['vocab_size'] = meta_vocab_size if meta_vocab_size is not None else 50304
`;

/** karpathy/nanoGPT@3adf61e1 train.py:95-96. */
const GLOBAL = `    assert gradient_accumulation_steps % ddp_world_size == 0
    gradient_accumulation_steps //= ddp_world_size`;
/** karpathy/nanoGPT@a82b33b5 (the parent of 978d4fe5) train.py:91-95. */
const PER_PROCESS = `    seed_offset = ddp_rank
else:
    seed_offset = 0
    gradient_accumulation_steps *= 8 # simulate 8 gpus`;

function read(config: string, files: Record<string, string>, gpus?: number): RunSpec {
  const context: ReadContext = {
    path: 'repo/config/train_x.py',
    readFile: (path) => files[path],
    ...(gpus !== undefined ? { options: { gpus } } : {}),
  };
  const result = nanogptReader.read(config, context);
  assert.equal(result.kind, 'run-config');
  if (result.kind !== 'run-config') throw new Error('unreachable');
  return result.spec;
}

const messages = (spec: RunSpec) => spec.diagnostics.map((d) => d.message).join('\n');

/** karpathy/nanoGPT@a82b33b5 config/train_gpt2.py (before 978d4fe5 made the accumulation global). */
const OLD_TRAIN_GPT2 =
  "wandb_run_name='gpt2-124M'\nbatch_size = 12\nblock_size = 1024\ngradient_accumulation_steps = 5\nmax_iters = 600000\nlr_decay_iters = 600000\neval_interval = 1000\n";

describe("nanoGPT reader: the repository's own train.py and model.py", () => {
  it('upstream scripts beside the config: unchanged (124,373,760 and 294,912,000,000)', () => {
    const spec = read(OLD_TRAIN_GPT2.replace('= 5\n', '= 5 * 8\n'), {
      'repo/train.py': trainPy({ accumulation: GLOBAL }),
      'repo/model.py': UPSTREAM_MODEL,
    });
    assert.equal(countParams(spec.architecture!).total, 124_373_760);
    assert.equal(spec.training.tokens, 294_912_000_000);
  });

  it('an untied lm_head in model.py (KyroChi/nanoGPT-maximal-paramaterizations@45d87a62): N unknown, was 124,373,760', () => {
    const untied = UPSTREAM_MODEL.replace(
      '        self.transformer.wte.weight = self.lm_head.weight',
      '        # self.transformer.wte.weight = self.lm_head.weight',
    );
    const spec = read(OLD_TRAIN_GPT2, {
      'repo/train.py': trainPy({ accumulation: GLOBAL }),
      'repo/model.py': untied,
    });
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /model\.py is not nanoGPT's GPT \(its lm_head is not tied/);
  });

  it('an extra or reshaped module (GQA c_kv, RMSNorm): N unknown, naming the module', () => {
    const gqa = UPSTREAM_MODEL.replace(
      'nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)',
      'nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n        self.c_kv = nn.Linear(config.n_embd, 2 * config.n_embd // self.n_kv_reps, bias=config.bias)',
    );
    const spec = read(OLD_TRAIN_GPT2, {
      'repo/train.py': trainPy({ accumulation: GLOBAL }),
      'repo/model.py': gqa,
    });
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /builds `nn\.Linear\(config\.n_embd,2\*config\.n_embd\/\/self\.n_kv_reps/);
  });

  it('the tie wrapped by black (sijunhe/nanoMoE@307f3c2e model.py:169) is still the tie', () => {
    const black = UPSTREAM_MODEL.replace(
      'self.transformer.wte.weight = self.lm_head.weight',
      'self.transformer.wte.weight = (\n            self.lm_head.weight\n        )',
    );
    const spec = read(OLD_TRAIN_GPT2, {
      'repo/train.py': trainPy({ accumulation: GLOBAL }),
      'repo/model.py': black,
    });
    assert.equal(countParams(spec.architecture!).total, 124_373_760);
  });

  it('pre-978d4fe5 train.py accumulates per GPU: D unknown, was 36,864,000,000 (8× too few)', () => {
    const files = {
      'repo/train.py': trainPy({ accumulation: PER_PROCESS }),
      'repo/model.py': UPSTREAM_MODEL,
    };
    const spec = read(OLD_TRAIN_GPT2, files);
    assert.equal(spec.training.tokens, undefined);
    assert.deepEqual(spec.training.missing, ['the GPU count (train.py accumulates per GPU)']);
    assert.match(messages(spec), /runs gradient_accumulation_steps on every GPU/);
    // 8 GPUs (torchrun --nproc_per_node=8, the config's own comment): 12 × 1024 × 5 × 8 × 600000.
    assert.equal(read(OLD_TRAIN_GPT2, files, 8).training.tokens, 294_912_000_000);
    // One GPU: that train.py multiplies the accumulation by 8 ("simulate 8 gpus").
    assert.equal(read(OLD_TRAIN_GPT2, files, 1).training.tokens, 294_912_000_000);
  });

  it("the fork's train.py defaults are the defaults (gradient_accumulation_steps = 5 there)", () => {
    const files = {
      'repo/train.py': trainPy({ accumulation: GLOBAL }).replace(
        'gradient_accumulation_steps = 5 * 8',
        'gradient_accumulation_steps = 5',
      ),
      'repo/model.py': UPSTREAM_MODEL,
    };
    const spec = read('n_layer = 12\nbatch_size = 12\nmax_iters = 1000\n', files);
    // 12 × 1024 × 5 × 1000 (upstream's default 40 would give 491,520,000)
    assert.equal(spec.training.tokens, 61_440_000);
    assert.ok(spec.assumptions.some((a) => a.includes("this repository's train.py default 5")));
  });

  it("a train.py whose init_from default is a model path (FengMingquan-sjtu/nanoGPT@ba1d14da: init_from = ''): N unknown", () => {
    const files = {
      'repo/train.py': trainPy({ accumulation: GLOBAL }).replace("init_from = 'scratch'", "init_from = ''"),
      'repo/model.py': UPSTREAM_MODEL,
    };
    const spec = read(OLD_TRAIN_GPT2, files);
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /defaults it to ``/);
  });

  it('a config two folders below the runner (configs/<group>/x.py) is read against that train.py', () => {
    const context: ReadContext = {
      path: 'repo/configs/gpt2/train_x.py',
      readFile: (path) =>
        ({ 'repo/train.py': trainPy({ accumulation: PER_PROCESS }), 'repo/model.py': UPSTREAM_MODEL })[path],
    };
    const result = nanogptReader.read(OLD_TRAIN_GPT2, context);
    assert.ok(result.kind === 'run-config');
    assert.equal(result.spec.training.tokens, undefined);
  });

  it('a train.py with no 50304 fallback: N unknown (its vocabulary comes from elsewhere)', () => {
    const files = {
      'repo/train.py': trainPy({ accumulation: GLOBAL }).replace(' else 50304', ' else tokenizer.vocab_size'),
      'repo/model.py': UPSTREAM_MODEL,
    };
    assert.equal(read(OLD_TRAIN_GPT2, files).architecture, undefined);
  });
});

describe('nanoGPT reader: a config/ folder whose repository has no nanoGPT train.py', () => {
  it('warns that the runner is elsewhere (AGI-Arena/MARS@4831e28e runs config/*.py with MARS/train_adamw.py)', () => {
    // MARS/train_adamw.py accumulates per GPU (`gradient_accumulation_steps *= 8`): the 6,144,000,000
    // shown is 8× short on its 8 GPUs, and Scaling Lens cannot find that script from the config.
    const config =
      'batch_size = 15\nblock_size = 1024\ngradient_accumulation_steps = 4\nmax_iters = 100000\n';
    const spec = read(config, { 'repo/config/train_x.py': config });
    assert.equal(spec.training.tokens, 6_144_000_000);
    assert.ok(spec.diagnostics.some((d) => d.code === 'runner-not-found'));
    // A file read alone (no folder to read) is not warned about.
    assert.ok(!read(config, {}).diagnostics.some((d) => d.code === 'runner-not-found'));
  });
});
