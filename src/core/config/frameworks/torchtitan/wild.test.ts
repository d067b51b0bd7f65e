import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countParams } from '../../../model/params';
import type { ReadContext, RunSpec } from '../../../types';
import { torchtitanReader } from './reader';

/**
 * Third-party repositories that vendor torchtitan and edit its Python flavor table:
 * zyushun/Adam-mini@402aadfed23719f3b92c8e78b5d49ad499ff7ada (examples/llama: a Dec 2024-era
 * torchtitan whose torchtitan/models/llama/__init__.py redefines llama3 "debugmodel" as dim 1024,
 * 16 layers, 16 heads) and facebookresearch/MuLoCo@475bbf4cc05ea404919f6d271285678728d5fc4f
 * (torchtitan/torchtitan/models/llama3/__init__.py: `llama3_configs` keeps only its own
 * "llama3-w*-d*-h*" flavors, so train_configs/llama3_70b.toml names a flavor that is not there).
 * torchtitan builds `train_spec.model_args[flavor]` of the checkout it runs in, so the
 * repository's own table decides N when the workspace has it.
 */
const specOf = (text: string, context: ReadContext = {}): RunSpec => {
  const result = torchtitanReader.read(text, context);
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
};
const messages = (spec: RunSpec) => spec.diagnostics.map((d) => d.message).join('\n');
const workspace =
  (files: Record<string, string>) =>
  (path: string): string | undefined =>
    Object.hasOwn(files, path) ? files[path] : undefined;

/** Dec 2024 layout of Adam-mini's examples/llama/train_configs/debug_model.toml. */
const legacyDebugToml = [
  '# torchtitan Config.toml',
  '[model]',
  'name = "llama3"',
  'flavor = "debugmodel"',
  'norm_type = "rmsnorm"',
  'tokenizer_path = "./torchtitan/datasets/tokenizer/original/tokenizer.model"',
  '[training]',
  'batch_size = 2',
  'seq_len = 2048',
  'steps = 40',
  'data_parallel_degree = 4',
  '',
].join('\n');

/** The fork's torchtitan/models/llama/__init__.py, shortened (its ModelArgs defaults are upstream's). */
const forkLlamaInit = [
  'from torchtitan.models.llama.model import ModelArgs, Transformer',
  '',
  'llama2_configs = {',
  '    "debugmodel": ModelArgs(dim=256, n_layers=8, n_heads=16),',
  '    "1B": ModelArgs(dim=2048, n_layers=18, n_heads=16),',
  '}',
  '',
  'llama3_configs = {',
  '    "debugmodel": ModelArgs(dim=1024, n_layers=16, n_heads=16, rope_theta=500000),',
  '    "8B": ModelArgs(',
  '        dim=4096,',
  '        n_layers=32,',
  '        n_heads=32,',
  '        n_kv_heads=8,',
  '        ffn_dim_multiplier=1.3,',
  '        multiple_of=1024,',
  '        rope_theta=500000,',
  '    ),',
  '}',
  '',
].join('\n');

describe('torchtitan configs in repositories that edit the flavor table', () => {
  it('Adam-mini: llama3 "debugmodel" from the repository table (dim 1024, 16 layers), was upstream dim 256 / 8 layers (72,487,168)', () => {
    const spec = specOf(legacyDebugToml, {
      path: '/ws/examples/llama/train_configs/debug_model.toml',
      readFile: workspace({ '/ws/examples/llama/torchtitan/models/llama/__init__.py': forkLlamaInit }),
    });
    // Per layer: attention 4·1024², SwiGLU 3·1024·2816 (int(8·1024/3) = 2730 → multiple of 256 =
    // 2816), two RMSNorm weights; untied 128256-token embedding and output; final norm.
    const perLayer = 4 * 1024 * 1024 + 3 * 1024 * 2816 + 2 * 1024;
    const expected = 16 * perLayer + 2 * 128256 * 1024 + 1024;
    assert.equal(expected, 468_222_976);
    assert.equal(countParams(spec.architecture!).total, expected);
    assert.match(messages(spec), /repository's own flavor table .*__init__\.py differs/);
    // D is unchanged: 40 steps × 2 × 2048 × DP 4.
    assert.equal(spec.training.tokens, 40 * 2 * 2048 * 4);
  });

  it('an entry equal to upstream keeps the upstream count (llama3 8B in the same fork table)', () => {
    const spec = specOf(legacyDebugToml.replace('"debugmodel"', '"8B"'), {
      path: '/ws/examples/llama/train_configs/llama3_8b.toml',
      readFile: workspace({ '/ws/examples/llama/torchtitan/models/llama/__init__.py': forkLlamaInit }),
    });
    assert.equal(countParams(spec.architecture!).total, 8_030_261_248);
  });

  it('MuLoCo: a flavor the repository table does not define is unknown (was upstream llama3 70B, 70,553,706,496)', () => {
    const toml = [
      '# NOTE: this toml config is a preset for 64 A100 GPUs.',
      '[model]',
      'name = "llama3"',
      'flavor = "70B"',
      'hf_assets_path = "./assets/hf/Llama-3.1-70B"',
      '[training]',
      'local_batch_size = 8',
      'seq_len = 8192',
      'steps = 1000',
      '[parallelism]',
      'data_parallel_shard_degree = -1',
      'tensor_parallel_degree = 8',
      '',
    ].join('\n');
    const init = [
      'from .model.args import TransformerModelArgs',
      'llama3_configs = {',
      '    "llama3-w1024-d12-h8_qk_torch-rmsnorm_pa_pf": TransformerModelArgs(',
      '        dim=1024, n_layers=12, n_heads=8, vocab_size=128256,',
      '    ),',
      '}',
      '',
    ].join('\n');
    const spec = specOf(toml, {
      path: '/ws/torchtitan/torchtitan/models/llama3/train_configs/llama3_70b.toml',
      readFile: workspace({ '/ws/torchtitan/torchtitan/models/llama3/__init__.py': init }),
    });
    assert.equal(spec.architecture, undefined);
    assert.match(
      messages(spec),
      /unknown: the repository's own flavor table \(llama3_configs in .* has no "70B" entry\)/,
    );
  });

  it('an argument the upstream class does not have makes N unknown, naming it', () => {
    const init = forkLlamaInit.replace(
      '"debugmodel": ModelArgs(dim=1024',
      '"debugmodel": ModelArgs(ffn_scaling_fn="stepped", dim=1024',
    );
    const spec = specOf(legacyDebugToml, {
      path: '/ws/examples/llama/train_configs/debug_model.toml',
      readFile: workspace({ '/ws/examples/llama/torchtitan/models/llama/__init__.py': init }),
    });
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /ffn_scaling_fn="stepped" \(not an argument of the upstream class\)/);
  });

  it("the repository's own dataclass defaults apply to arguments the entry leaves out", () => {
    const model = [
      '@dataclass',
      'class ModelArgs:',
      '    dim: int = 4096',
      '    n_layers: int = 32',
      '    n_heads: int = 32',
      '    n_kv_heads: Optional[int] = None',
      '    vocab_size: int = -1  # defined later by tokenizer',
      '    multiple_of: int = 512  # a fork default (upstream 256)',
      '    ffn_dim_multiplier: Optional[float] = None',
      '',
    ].join('\n');
    const spec = specOf(legacyDebugToml, {
      path: '/ws/examples/llama/train_configs/debug_model.toml',
      readFile: workspace({
        '/ws/examples/llama/torchtitan/models/llama/__init__.py': forkLlamaInit,
        '/ws/examples/llama/torchtitan/models/llama/model.py': model,
      }),
    });
    // SwiGLU 2730 rounded up to 512 → 3072.
    assert.equal(spec.architecture!.ffnSize, 3072);
  });
});

/**
 * Fork keys torchtitan never defined. zyushun/Adam-mini@402aadfe examples/llama/train_configs/*.toml
 * write `[training] grad_accumulation_steps` (its train.py loops that many microbatches of
 * batch_size per optimizer step; upstream has no accumulation key). A code search also turned up
 * torchtitan TOMLs with a `[model.args]` table of dimensions and a `ffn_scaling_fn` option (a fork's
 * ModelArgs overrides; the repository was not identified).
 */
describe('torchtitan TOMLs with keys of a fork', () => {
  it('grad_accumulation_steps = 4: D unknown naming the key (was steps × batch × seq × DP, 4× too small)', () => {
    const spec = specOf(
      legacyDebugToml.replace(
        'data_parallel_degree = 4',
        'data_parallel_degree = 4\ngrad_accumulation_steps = 4',
      ),
    );
    assert.equal(spec.training.tokens, undefined);
    assert.match(
      messages(spec),
      /unknown: training\.grad_accumulation_steps = 4 — torchtitan has no such key/,
    );
    // N does not depend on it.
    assert.equal(countParams(spec.architecture!).total, 72_487_168);
  });

  it('grad_accumulation_steps = 1 (as Adam-mini writes it) changes nothing', () => {
    const spec = specOf(
      legacyDebugToml.replace(
        'data_parallel_degree = 4',
        'data_parallel_degree = 4\ngrad_accumulation_steps = 1',
      ),
    );
    assert.equal(spec.training.tokens, 40 * 2 * 2048 * 4);
  });

  it('a [model.args] override table: N unknown naming its keys (was the flavor table entry)', () => {
    const spec = specOf(
      legacyDebugToml.replace(
        '[training]',
        '[model.args]\ndim = 768\nn_layers = 12\nn_heads = 6\nffn_scaling_fn = "stepped"\n\n[training]',
      ),
    );
    assert.equal(spec.architecture, undefined);
    assert.match(
      messages(spec),
      /unknown: model\.args\.dim, model\.args\.n_layers, .* not a key of torchtitan's \[model\] config/,
    );
    assert.equal(spec.training.tokens, 40 * 2 * 2048 * 4);
  });
});

/**
 * NousResearch/torchtitan@d9cc6b4df341eec27768b5ab9cead87ef595dbc2 (a mid-2025 torchtitan): its
 * torchtitan/models/llama3/model/args.py has `vocab_size: int = -1  # defined later by tokenizer`
 * and `update_from_config` sets `self.vocab_size = tokenizer.n_words`, so the table holds no vocab.
 */
describe('torchtitan versions that set vocab_size from the tokenizer', () => {
  const init = [
    'llama3_configs = {',
    '    "debugmodel": TransformerModelArgs(dim=256, n_layers=6, n_heads=16, rope_theta=500000),',
    '    "8B": TransformerModelArgs(',
    '        dim=4096, n_layers=32, n_heads=32, n_kv_heads=8,',
    '        ffn_dim_multiplier=1.3, multiple_of=1024, rope_theta=500000,',
    '    ),',
    '}',
    '',
  ].join('\n');
  const args = [
    '@dataclass',
    'class TransformerModelArgs(BaseModelArgs):',
    '    dim: int = 4096',
    '    n_layers: int = 32',
    '    vocab_size: int = -1  # defined later by tokenizer',
    '',
    '    def update_from_config(self, job_config, tokenizer) -> None:',
    '        self.vocab_size = tokenizer.n_words',
    '',
  ].join('\n');
  const files = {
    '/ws/torchtitan/models/llama3/__init__.py': init,
    '/ws/torchtitan/models/llama3/model/args.py': args,
  };
  const toml = (flavor: string, tokenizer: string) =>
    [
      '[model]',
      'name = "llama3"',
      `flavor = "${flavor}"`,
      `tokenizer_path = "${tokenizer}"`,
      '[training]',
      'local_batch_size = 1',
      'seq_len = 8192',
      'steps = 1000',
      '[parallelism]',
      'data_parallel_shard_degree = 8',
      '',
    ].join('\n');
  const context = { path: '/ws/torchtitan/models/llama3/train_configs/x.toml', readFile: workspace(files) };

  it('the released Llama-3 tokenizer: its 128,256 tokens (was "vocabSize is -1", no N)', () => {
    const spec = specOf(toml('8B', './assets/tokenizer/original/tokenizer.model'), context);
    assert.equal(countParams(spec.architecture!).total, 8_030_261_248);
  });

  it('a test tokenizer: N unknown, naming the run-time vocab', () => {
    const spec = specOf(toml('debugmodel', './tests/assets/test_tiktoken.model'), context);
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /vocab_size is set from the tokenizer at run time/);
  });
});

/**
 * Models that lived under `torchtitan/experiments/` before they graduated to `models/`: a config of
 * that time (garrett361/torchtitan@eb13ba22 torchtitan/experiments/qwen3/train_configs/
 * qwen3_moe_debug.toml, the same file as pytorch/torchtitan@aa000a3c's) names a flavor of
 * experiments/qwen3/__init__.py, whose "debugmodel_moe" (dim 1024, 28 layers, vocab 151936) is not the
 * graduated one (pytorch/torchtitan@d880de21 and @238fa995: dim 256, 8 layers, vocab 2048).
 */
describe('torchtitan flavor tables under torchtitan/experiments/ (before graduation to models/)', () => {
  const toml = [
    '[model]',
    'name = "qwen3"',
    'flavor = "debugmodel_moe"',
    'hf_assets_path = "./tests/assets/tokenizer"',
    '[training]',
    'local_batch_size = 4',
    'seq_len = 4096',
    'steps = 10',
    '[parallelism]',
    'data_parallel_shard_degree = -1',
    '',
  ].join('\n');
  /** garrett361/torchtitan@eb13ba22 torchtitan/experiments/qwen3/__init__.py, shortened. */
  const experimentsInit = [
    'from torchtitan.models.moe import MoEArgs',
    'from .model.args import Qwen3ModelArgs',
    'qwen3_configs = {',
    '    "debugmodel_moe": Qwen3ModelArgs(',
    '        vocab_size=151936,',
    '        max_seq_len=4096,',
    '        head_dim=128,',
    '        dim=1024,',
    '        n_layers=28,',
    '        n_heads=16,',
    '        n_kv_heads=8,',
    '        qk_norm=True,',
    '        hidden_dim=3072,',
    '        rope_theta=1000000,',
    '        moe_enabled=True,',
    '        moe_inter_dim=768,',
    '        moe_args=MoEArgs(',
    '            num_experts=64,',
    '            num_shared_experts=0,',
    '            top_k=8,',
    '            score_func="softmax",',
    '            route_norm=True,',
    '            route_scale=1.0,',
    '            score_before_experts=False,',
    '        ),',
    '    ),',
    '}',
    'register_train_spec(',
    '    TrainSpec(',
    '        name="qwen3",',
    '        model_cls=Qwen3Model,',
    '        model_args=qwen3_configs,',
    '    )',
    ')',
    '',
  ].join('\n');
  const path = '/ws/torchtitan/experiments/qwen3/train_configs/qwen3_moe_debug.toml';

  it('the experiments table decides N: 4,717,084,672 (was the graduated flavor, 315,758,848)', () => {
    const spec = specOf(toml, {
      path,
      readFile: workspace({ '/ws/torchtitan/experiments/qwen3/__init__.py': experimentsInit }),
    });
    // 28 × (attention 6,291,456 + q/k norms 256 + 64 experts × 3 × 1024 × 768 + router 65,536 + norms
    // 2048) + untied embedding and output 2 × 151,936 × 1024 + final norm 1024.
    assert.equal(countParams(spec.architecture!).total, 4_717_084_672);
    assert.match(messages(spec), /experiments\/qwen3\/__init__\.py differs from pytorch\/torchtitan's/);
  });

  it('an experiments package registered under another name is not the table', () => {
    const spec = specOf(toml, {
      path,
      readFile: workspace({
        '/ws/torchtitan/experiments/qwen3/__init__.py': experimentsInit.replace(
          'name="qwen3"',
          'name="qwen3_vl"',
        ),
      }),
    });
    assert.equal(countParams(spec.architecture!).total, 315_758_848);
  });
});

/**
 * A nested MoEArgs takes the fields its entry does not write from the repository's own class.
 * pytorch/torchtitan@1a36996b (the parent of 41753c67, Feb 2026) torchtitan/models/gpt_oss/__init__.py
 * "20b" writes MoEArgs(num_experts=32, num_shared_experts=0, top_k=4, ...) without gate_bias, and its
 * models/moe/moe.py MoEArgs has no gate_bias field: the router gate is nn.Linear(dim, num_experts,
 * bias=False). Upstream's entry @238fa995 writes gate_bias=True.
 */
describe("torchtitan MoEArgs fields from the repository's own class", () => {
  const toml = [
    '[model]',
    'name = "gpt_oss"',
    'flavor = "20b"',
    'hf_assets_path = "./tests/assets/tokenizer"',
    '[training]',
    'local_batch_size = 8',
    'seq_len = 2048',
    'steps = 10',
    '[parallelism]',
    'data_parallel_shard_degree = -1',
    '',
  ].join('\n');
  const init = [
    'from torchtitan.models.moe import MoEArgs',
    'from .model.args import GptOssModelArgs',
    'gptoss_configs = {',
    '    "20b": GptOssModelArgs(',
    '        n_layers=24,',
    '        moe_args=MoEArgs(',
    '            num_experts=32,',
    '            num_shared_experts=0,',
    '            score_func="softmax",',
    '            route_norm=False,',
    '            route_scale=1.0,',
    '            score_before_experts=False,',
    '            top_k=4,',
    '            use_grouped_mm=True,',
    '            load_balance_coeff=1e-3,',
    '        ),',
    '    ),',
    '}',
    '',
  ].join('\n');
  const moe = (extra: string) =>
    [
      '@dataclass',
      'class MoEArgs:',
      '    num_experts: int = 8',
      '    num_shared_experts: int = 1',
      '    score_func: Literal["softmax", "sigmoid"] = "sigmoid"',
      '    route_norm: bool = False',
      '    route_scale: float = 1.0',
      extra,
      '    score_before_experts: bool = True',
      '    top_k: int = 1',
      '',
    ].join('\n');
  const path = '/ws/torchtitan/models/gpt_oss/train_configs/gpt_oss_20b.toml';
  const files = (moeText: string) =>
    workspace({
      '/ws/torchtitan/models/gpt_oss/__init__.py': init,
      '/ws/torchtitan/models/moe/moe.py': moeText,
    });

  it('no gate_bias field: the router has no bias, 20,914,756,416 (was 20,914,757,184, 24 × 32 biases more)', () => {
    const spec = specOf(toml, { path, readFile: files(moe('')) });
    assert.equal(countParams(spec.architecture!).total, 20_914_756_416);
  });

  it("the class's own gate_bias default applies when the entry leaves it out", () => {
    const spec = specOf(toml, { path, readFile: files(moe('    gate_bias: bool = True')) });
    assert.equal(countParams(spec.architecture!).total, 20_914_757_184);
  });
});

/**
 * The same TOML, different torchtitan versions (pytorch/torchtitan history of each __init__.py):
 * without the checkout's table the file cannot say which entry it ran, so N follows @238fa995 and a
 * diagnostic gives the other version's count, unless the file has a key only later versions read.
 */
describe('torchtitan flavors whose entry changed between versions with the same TOML', () => {
  const qwenMoeDebug = [
    '[job]',
    'description = "Qwen 3 MoE debug model training"',
    '[model]',
    'name = "qwen3"',
    'flavor = "debugmodel_moe"',
    'hf_assets_path = "./tests/assets/tokenizer"',
    '[training]',
    'local_batch_size = 4',
    'seq_len = 4096',
    'steps = 10',
    '[parallelism]',
    'data_parallel_shard_degree = -1',
    '[float8]',
    'enable_fsdp_float8_all_gather = false',
    '',
  ].join('\n');
  const versionNotes = (spec: RunSpec) => spec.diagnostics.filter((d) => d.code === 'flavor-version');

  it('qwen3 debugmodel_moe: a warning with the Sep–Oct 2025 count, 4,717,084,672 (was 315,758,848 alone)', () => {
    const spec = specOf(qwenMoeDebug, { path: '/ws/qwen3_moe_debug.toml' });
    assert.equal(countParams(spec.architecture!).total, 315_758_848);
    const [note] = versionNotes(spec);
    assert.equal(note?.severity, 'warning');
    assert.match(note!.message, /@bd3850be .* @d880de21 .*N = 4,717,084,672/);
  });

  it('a key only later versions have (job.print_config, Oct 14 2025) rules the other entry out', () => {
    const spec = specOf(qwenMoeDebug.replace('[job]\n', '[job]\nprint_config = false\n'), {
      path: '/ws/qwen3_moe_debug.toml',
    });
    assert.deepEqual(versionNotes(spec), []);
  });

  it('llama3 debugmodel with [quantize] tables (after Sep 26 2025) has no note; with [float8] the vocab-2000 count', () => {
    const llama = (tail: string) =>
      [
        '[model]',
        'name = "llama3"',
        'flavor = "debugmodel"',
        'hf_assets_path = "./tests/assets/tokenizer"',
        '[training]',
        'local_batch_size = 8',
        'seq_len = 2048',
        'steps = 10',
        tail,
        '',
      ].join('\n');
    assert.deepEqual(versionNotes(specOf(llama('[quantize.linear.float8]\nfilter_fqns = ["output"]'))), []);
    const [note] = versionNotes(specOf(llama('[float8]\nfilter_fqns = ["output"]')));
    // 2 × 48 × 256 fewer embedding and output rows; under 1%: a note.
    assert.equal(note?.severity, 'info');
    assert.match(note!.message, /vocab 2000: N = 6,139,136/);
  });

  it("the checkout's own table, when the workspace has it, decides without a note", () => {
    const spec = specOf(qwenMoeDebug, {
      path: '/ws/torchtitan/models/qwen3/train_configs/qwen3_moe_debug.toml',
      readFile: workspace({
        '/ws/torchtitan/models/qwen3/__init__.py': [
          'qwen3_configs = {',
          '    "debugmodel_moe": Qwen3ModelArgs(vocab_size=2048, dim=256, n_layers=8),',
          '}',
          '',
        ].join('\n'),
      }),
    });
    assert.deepEqual(versionNotes(spec), []);
  });
});

/**
 * Keys no torchtitan version defines (knownKeys.ts), outside [model]: NousResearch/torchtitan@1284e197
 * docs/batch_size_scheduler/debug_linear.toml ramps the batch from 8 to global_batch_size 32 over 500
 * samples with its own `[batch_size_scheduler]`; torchtitan itself refuses the table.
 */
describe('torchtitan TOML keys no torchtitan version defines', () => {
  const toml = (extra: string) =>
    [
      '[job]',
      'description = "Batch size scheduler test - linear rampup"',
      extra,
      '[training]',
      'dataset = "c4_test"',
      'local_batch_size = 4',
      'global_batch_size = 32',
      'seq_len = 256',
      'steps = 100',
      '[model]',
      'name = "llama3"',
      'flavor = "debugmodel"',
      'hf_assets_path = "./tests/assets/tokenizer"',
      '[parallelism]',
      'expert_parallel_comm_backend = "standard"',
      '[quantize.linear.float8]',
      'filter_fqns = ["output"]',
      '',
    ].join('\n');

  it('[batch_size_scheduler]: D unknown naming its keys (was steps × global_batch_size × seq_len, 819,200)', () => {
    const spec = specOf(
      toml('[batch_size_scheduler]\nmode = "linear"\nstart_batch_size = 8\nrampup_samples = 500'),
    );
    assert.equal(spec.training.tokens, undefined);
    assert.match(
      messages(spec),
      /unknown: batch_size_scheduler\.mode, batch_size_scheduler\.start_batch_size/,
    );
    assert.ok(spec.architecture, 'N is not touched');
  });

  it("upstream keys of any version are not a fork's", () => {
    const spec = specOf(toml(''));
    assert.equal(spec.training.tokens, 819_200);
  });

  it('a fork switch left off is not counted', () => {
    const spec = specOf(toml('[batch_size_scheduler]\nenable = false'));
    assert.equal(spec.training.tokens, 819_200);
  });
});
