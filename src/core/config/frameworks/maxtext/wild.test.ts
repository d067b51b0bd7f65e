import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countParams } from '../../../model/params';
import type { RunSpec } from '../../../types';
import { maxtextReader } from './reader';
import { readRunConfig } from '../../registry';

/**
 * Third-party MaxText trees (forks carrying their own MaxText/configs/base.yml:
 * hilbertmeng/maxtext@25fd633d, TaiMingLu/maxtext-distillation@304662af). From
 * AI-Hypercomputer/maxtext 42b23308 (Feb 2025, "Onboard DeepSeek MoE with shared experts") to
 * 6288c233 (Apr 2026, which set it to 0), base.yml's default was `shared_experts: 1`, read only by
 * RoutedAndSharedMoE (moe.py: intermediate_dim = shared_experts * moe_mlp_dim; the deepseek, llama4
 * and gemma4 blocks). The other blocks never read it, so the era's own default is not another model
 * (these files were all "unknown: shared_experts with decoder_block …"); a value set above base.yml
 * still is.
 */
const files = (tree: Record<string, string>) => (path: string) => tree[path];
const specOf = (path: string, tree: Record<string, string>): RunSpec => {
  const result = maxtextReader.read(tree[path]!, { path, readFile: files(tree) });
  assert.equal(result.kind, 'run-config');
  return (result as { spec: RunSpec }).spec;
};
const messages = (spec: RunSpec) => spec.diagnostics.map((d) => d.message).join('\n');

/** The keys of that era's base.yml that matter here (the rest from the built-in defaults). */
const eraBase = [
  'model_name: "default"',
  'base_emb_dim: 2048',
  'base_num_query_heads: 16',
  'base_num_kv_heads: 16',
  'base_mlp_dim: 7168',
  'base_num_decoder_layers: 16',
  'head_dim: 128',
  'mlp_activations: ["silu", "linear"]',
  'decoder_block: "llama2"',
  '# deepseek moe',
  'base_moe_mlp_dim: 7168 # intermediate dimension at MoE layer (use base_mlp_dim if not DeepSeek style)',
  'first_num_dense_layers: 0 # number of initial dense layers in the model',
  'shared_experts: 1',
  'num_experts: 1',
  'num_experts_per_tok: 1',
  'vocab_size: 32_000',
  'logits_via_embedding: False',
  'per_device_batch_size: 12.0',
  'max_target_length: 2048',
  'steps: 150_001',
  '',
].join('\n');
const llama2_7b = [
  '# model config for llama2-7b',
  'base_emb_dim: 4096',
  'base_num_query_heads: 32',
  'base_num_kv_heads: 32',
  'base_mlp_dim: 11008',
  'base_num_decoder_layers: 32',
  'head_dim: 128',
  'mlp_activations: ["silu","linear"]',
  'vocab_size: 32000',
  'logits_via_embedding: False',
  'decoder_block: "llama2"',
  '',
].join('\n');
const tree = (script: string): Record<string, string> => ({
  '/r/MaxText/configs/base.yml': eraBase,
  '/r/MaxText/configs/models/llama2-7b.yml': llama2_7b,
  '/r/run.sh': script,
});
// Llama 2 7B: 32 × (4·4096² + 3·4096·11008 + 2·4096) + 2·32000·4096 + 4096.
const LLAMA2_7B = 6_738_415_616;

describe('MaxText forks whose base.yml defaults shared_experts to 1 (Feb 2025 – Jan 2026)', () => {
  it('a llama2 launch over that base.yml is counted (was unknown: shared_experts with decoder_block llama2)', () => {
    const spec = specOf(
      '/r/run.sh',
      tree(
        'python3 -m MaxText.train MaxText/configs/base.yml run_name=r model_name=llama2-7b steps=100 per_device_batch_size=1\n',
      ),
    );
    assert.ok(spec.architecture, messages(spec));
    assert.equal(countParams(spec.architecture).total, LLAMA2_7B);
    assert.doesNotMatch(messages(spec), /shared_experts/);
  });

  it('the era base.yml itself is counted as its llama2 default model', () => {
    const spec = specOf('/r/MaxText/configs/base.yml', tree(''));
    assert.ok(spec.architecture, messages(spec));
    // 16 × (4·2048² + 3·2048·7168 + 2·2048) + 2·32000·2048 + 2048.
    assert.equal(
      countParams(spec.architecture).total,
      16 * (4 * 2048 ** 2 + 3 * 2048 * 7168 + 2 * 2048) + 2 * 32000 * 2048 + 2048,
    );
  });

  it('a mixtral model over that base.yml has no shared expert (mixtral.py builds RoutedMoE only)', () => {
    // TaiMingLu/maxtext-distillation@304662af MaxText/configs/models/mixtral-8x7b.yml.
    const mixtral = [
      'base_emb_dim: 4096',
      'base_num_query_heads: 32',
      'base_num_kv_heads: 8',
      'base_mlp_dim: 14336',
      'base_num_decoder_layers: 32',
      'head_dim: 128',
      'mlp_activations: ["silu","linear"]',
      'vocab_size: 32000',
      'logits_via_embedding: False',
      'num_experts: 8',
      'num_experts_per_tok: 2',
      'decoder_block: "mixtral"',
      '',
    ].join('\n');
    const spec = specOf('/r/MaxText/configs/models/mixtral-8x7b.yml', {
      ...tree(''),
      '/r/MaxText/configs/models/mixtral-8x7b.yml': mixtral,
    });
    assert.ok(spec.architecture, messages(spec));
    const counts = countParams(spec.architecture);
    // Mixtral 8x7B: 32 × (attention 2·4096² + 2·4096·1024, router 4096·8, 8 experts of 3·4096·14336,
    // 2 norms) + 2·32000·4096 + 4096 — no shared MLP (a shared one of 7168 or 14336 was 5.6B more).
    assert.equal(counts.total, 46_702_792_704);
    assert.equal(counts.active, 12_879_925_248);
  });

  it('shared_experts set on the command line with a dense block is still unknown', () => {
    const spec = specOf(
      '/r/run.sh',
      tree(
        'python3 -m MaxText.train MaxText/configs/base.yml model_name=llama2-7b shared_experts=2 steps=100\n',
      ),
    );
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: shared_experts with decoder_block llama2/);
  });
});

/**
 * Launchers that send the trainer's output to a log file (TaiMingLu/maxtext-distillation@304662af
 * scripts/run_training.sh: `gcloud … ssh --command "… python3 -m MaxText.train
 * MaxText/configs/base.yml … steps=10" > "$LOG_FILE" 2>&1 &`, with LOG_FILE holding `$(date …)`).
 * A redirection and its target are not arguments of the command: bash never passes them to train.py.
 */
describe('MaxText launches with their output redirected', () => {
  const log = 'LOG_FILE="logs/training_$(date +%Y%m%d_%H%M%S).log"\n';
  const run =
    'python3 -m MaxText.train MaxText/configs/base.yml run_name=r model_name=llama2-7b steps=100 per_device_batch_size=1';

  it('`> "$LOG_FILE" 2>&1` is not an unknown argument (was: the arguments `$LOG_FILE` … may set any key)', () => {
    const spec = specOf('/r/run.sh', tree(`${log}${run} > "$LOG_FILE" 2>&1\n`));
    assert.ok(spec.architecture, messages(spec));
    assert.equal(countParams(spec.architecture).total, LLAMA2_7B);
    assert.doesNotMatch(messages(spec), /LOG_FILE/);
  });

  it('an attached target (`2>$ERR`, `>>"$LOG_FILE"`) is not an argument either', () => {
    const spec = specOf('/r/run.sh', tree(`${log}ERR=$1\n${run} 2>$ERR >>"$LOG_FILE"\n`));
    assert.ok(spec.architecture, messages(spec));
    assert.equal(countParams(spec.architecture).total, LLAMA2_7B);
  });

  it('inside an ssh --command string the overrides are still read (steps=100 × 1 × 2048 per device)', () => {
    const spec = specOf(
      '/r/run.sh',
      tree(
        `${log}gcloud compute tpus tpu-vm ssh tpu --worker=all --command "\n  cd ~/maxtext\n  ${run}\n" > "$LOG_FILE" 2>&1 &\n`,
      ),
    );
    assert.ok(spec.architecture, messages(spec));
    assert.equal(countParams(spec.architecture).total, LLAMA2_7B);
    assert.equal(spec.training.steps, 100);
  });

  it('an unknown splat is still unknown', () => {
    const spec = specOf('/r/run.sh', tree(`${run} $EXTRA_ARGS > "$LOG_FILE"\n`));
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /\$EXTRA_ARGS/);
  });
});

describe('Python sources that build a MaxText command are not launch scripts (AI-Hypercomputer/maxtext benchmarks/maxtext_xpk_runner.py)', () => {
  // The command is assembled from runtime values in an f-string; Python's `for x in` loops passed
  // for shell, and the file read as base.yml's default model (1,104,218,112) with no warning.
  const runner = [
    'import os',
    'from benchmarks import maxtext_trillium_model_configs as model_configs',
    '',
    'def build(wl_config):',
    '  for flag in wl_config.flags:',
    '    print(flag)',
    '  return " ".join([',
    '      f\'python3 -m maxtext.trainers.pre_train.train {os.path.join("configs", "base.yml")}\',',
    '      f"steps={wl_config.num_steps}",',
    '      f"model_name={wl_config.model.model_type}",',
    '  ])',
  ].join('\n');

  it('is not recognised, with or without a .py path', () => {
    assert.equal(maxtextReader.detect(runner, '/repo/benchmarks/maxtext_xpk_runner.py'), 0);
    assert.equal(maxtextReader.detect(runner, undefined), 0);
  });

  it('a shell launch script is still recognised', () => {
    const script = [
      '#!/bin/bash',
      'set -e',
      'python3 -m MaxText.train MaxText/configs/base.yml steps=10 run_name=x',
    ].join('\n');
    assert.ok(maxtextReader.detect(script, '/repo/run.sh') >= 0.5);
  });
});

describe('decoder_block gpt_oss (AI-Hypercomputer/maxtext@e591f30c models/gpt_oss.py, layers/moe.py)', () => {
  // configs/models/gpt-oss-20b.yml's keys, written out (the file's values).
  const gptOss = (layers: number, extra = '') =>
    [
      'base_emb_dim: 2880',
      'base_num_query_heads: 64',
      'base_num_kv_heads: 8',
      'head_dim: 64',
      'attention_bias: true',
      'attention_sink: true',
      'base_mlp_dim: 2880',
      'base_moe_mlp_dim: 2880',
      'mlp_activations: ["sigmoid","linear"]',
      'routed_bias: true',
      'mlp_bias: true',
      'num_experts: 32',
      'num_experts_per_tok: 4',
      `base_num_decoder_layers: ${layers}`,
      'vocab_size: 201088',
      'logits_via_embedding: false',
      'decoder_block: "gpt_oss"',
      extra,
    ].join('\n');
  const specOfText = (text: string): RunSpec =>
    specOf('configs/models/gpt-oss.yml', { 'configs/models/gpt-oss.yml': text });

  it('is counted as transformers counts openai/gpt-oss-20b: 20,914,757,184 (was unknown)', () => {
    const h = 2880;
    // q/k/v/o with biases (64·64 query, 8·64 kv), a sink per query head, two RMSNorms; router with
    // bias; 32 gated experts of width 2880 with wi_0/wi_1/wo biases.
    const attention = h * 4096 + 4096 + 2 * (h * 512 + 512) + 4096 * h + h + 64;
    const experts = 32 * (3 * h * 2880 + 2 * 2880 + h) + (h * 32 + 32);
    const layer = attention + 2 * h + experts;
    const counts = countParams(specOfText(gptOss(2)).architecture!);
    assert.equal(counts.total, 2 * layer + h + 2 * 201088 * h);
    assert.equal(countParams(specOfText(gptOss(24)).architecture!).total, 20_914_757_184);
  });

  it('attention_sink or mlp_bias with another block is not counted, naming the key', () => {
    const spec = specOfText(
      gptOss(2)
        .replace('decoder_block: "gpt_oss"', 'decoder_block: "mixtral"')
        .replace('attention_bias: true', ''),
    );
    assert.equal(spec.architecture, undefined);
    assert.match(messages(spec), /unknown: attention_sink with decoder_block mixtral/);
  });
});

describe('MaxText keys of configs/types.py that base.yml does not list', () => {
  it('padded_base_moe_mlp_dim (padded expert matrices) makes N unknown, naming it', () => {
    const text = [
      'decoder_block: "mixtral"',
      'num_experts: 8',
      'num_experts_per_tok: 2',
      'base_emb_dim: 512',
      'base_num_query_heads: 8',
      'base_num_kv_heads: 8',
      'base_mlp_dim: 1024',
      'base_num_decoder_layers: 2',
      'vocab_size: 32000',
    ].join('\n');
    // The inventory's not-modelled keys are applied by the registry (readRunConfig), as for every reader.
    const read = (extra: string): RunSpec => {
      const result = readRunConfig(`${text}\n${extra}`, {
        path: 'configs/models/m.yml',
        readFile: () => undefined,
      });
      assert.equal(result.kind, 'run-config');
      return (result as { spec: RunSpec }).spec;
    };
    assert.ok(read('').architecture);
    const padded = read('padded_base_moe_mlp_dim: 1152');
    assert.equal(padded.architecture, undefined);
    assert.match(messages(padded), /unknown: padded_base_moe_mlp_dim = 1152/);
  });
});

/**
 * Keys no MaxText version defines (knownKeys.ts: every base.yml and configs/types.py revision of
 * AI-Hypercomputer/maxtext up to e591f30c). hilbertmeng/maxtext@25fd633d MaxText/configs/base.yml
 * adds 94 of them, among them `exp_class: 'Llama2Medium'`, which its pyconfig.py
 * `_update_exp_config` expands into the attributes of MaxText/exp.py's Llama2Medium (base_emb_dim
 * 1024, 24 layers, decoder_block "fusion", per_device_batch_size 32, ...) over base.yml: every launch
 * of that tree was counted as base.yml's llama2 model (1,104,218,112) with base.yml's run.
 */
describe('MaxText keys that no MaxText version defines (a fork reads them)', () => {
  const launch =
    'python3 MaxText/train.py MaxText/configs/base.yml run_name=r steps=5 per_device_batch_size=1\n';
  const forkBase = (extra: string) => `${eraBase}${extra}\n`;

  it("a fork base.yml with exp_class: N and D unknown, naming it (was counted as base.yml's llama2 model and run)", () => {
    const spec = specOf('/r/run.sh', {
      '/r/MaxText/configs/base.yml': forkBase("exp_class: 'Llama2Medium'\ndense_conn: False\nme_nums: null"),
      '/r/run.sh': launch,
    });
    assert.equal(spec.architecture, undefined);
    assert.equal(spec.training.tokens, undefined);
    assert.match(messages(spec), /unknown: the key exp_class = .*Llama2Medium.* no MaxText version defines/);
    // Fork switches left off (False, null) are not named.
    assert.doesNotMatch(messages(spec), /dense_conn|me_nums/);
  });

  it('a fork key on the command line is named at the argument', () => {
    const spec = specOf('/r/run.sh', {
      '/r/MaxText/configs/base.yml': eraBase,
      '/r/run.sh': launch.replace('\n', " exp_class='DreamMiniXL'\n"),
    });
    assert.equal(spec.architecture, undefined);
    const note = spec.diagnostics.find((d) => /exp_class/.test(d.message));
    assert.equal(note?.range?.start.line, 0);
  });

  it('keys of older MaxText versions are not fork keys (cosine_learning_rate_final_fraction, Oct 2024)', () => {
    const spec = specOf('/r/run.sh', {
      '/r/MaxText/configs/base.yml': forkBase('cosine_learning_rate_final_fraction: 0.1'),
      '/r/run.sh': launch,
    });
    assert.ok(spec.architecture);
  });
});

/**
 * The device count of the run's own mesh. AI-Hypercomputer/maxtext@e591f30c (and ROCm/maxtext@7629ac5a)
 * end_to_end/gpu/a3/test_llama2_7b.sh trains with `dcn_data_parallelism=1 ici_fsdp_parallelism=8`
 * and later decodes with `ici_autoregressive_parallelism=4`; the file-wide scan of mesh keys
 * multiplied both commands' degrees into 32 devices.
 */
describe('MaxText device count from the training launch’s own mesh', () => {
  const script = [
    'python MaxText/train.py MaxText/configs/base.yml run_name=r hardware=gpu steps=30 dcn_data_parallelism=1 ici_fsdp_parallelism=8 per_device_batch_size=4 max_target_length=4096 model_name=llama2-7b',
    'python3 MaxText/decode.py MaxText/configs/base.yml run_name=d per_device_batch_size=1 model_name=llama2-7b ici_autoregressive_parallelism=4 max_target_length=16',
    '',
  ].join('\n');
  const read = (text: string, gpus?: number): RunSpec => {
    const tree: Record<string, string> = {
      '/r/MaxText/configs/base.yml': eraBase,
      '/r/MaxText/configs/models/llama2-7b.yml': llama2_7b,
    };
    const result = readRunConfig(text, {
      path: '/r/run.sh',
      readFile: (path) => tree[path],
      ...(gpus ? { options: { gpus } } : {}),
    });
    assert.equal(result.kind, 'run-config');
    return (result as { spec: RunSpec }).spec;
  };

  it('8 devices, 30 × 4 × 4096 × 8 = 3,932,160 tokens (was 32 devices with the decode command’s degree, 15,728,640)', () => {
    const spec = read(script);
    assert.equal(spec.training.gpus, 8);
    assert.equal(spec.training.tokens, 3_932_160);
    assert.match(
      spec.training.formula ?? '',
      /the mesh: dcn_data_parallelism 1 × ici_fsdp_parallelism 8 = 8 devices/,
    );
  });

  it('a degree left at base.yml’s -1 fills the slice: the count comes from settings', () => {
    const spec = read(script.replace('dcn_data_parallelism=1 ', ''), 16);
    assert.equal(spec.training.gpus, undefined);
    assert.equal(spec.training.tokens, 30 * 4 * 4096 * 16);
  });
});

/**
 * A launch handed to multihost_runner.py as `--COMMAND="…"` (a script found by code search, in a
 * MaxText checkout with its own models/subsup_small.yml; shortened): an ahead-of-time compile first,
 * then the training run inside the flag's string.
 */
describe('MaxText launches inside a --COMMAND="…" argument', () => {
  const script = [
    'python3 MaxText/train_compile.py MaxText/configs/base.yml model_name=llama2-7b per_device_batch_size=3 compile_topology=v5p-256 compile_topology_num_slices=1',
    'BATCH_SIZE=4',
    'python3 multihost_runner.py --TPU_PREFIX=$TPU_NAME \\',
    '--COMMAND="\\',
    '    python3 MaxText/train.py MaxText/configs/base.yml model_name=llama2-7b \\',
    '    run_name=r per_device_batch_size=${BATCH_SIZE} \\',
    '    steps=10 dataset_type=synthetic"',
    '',
  ].join('\n');

  it('the training run is read (was the train_compile line: base.yml steps 150,001 × per_device_batch_size 3)', () => {
    const spec = specOf('/r/run.sh', tree(script));
    assert.equal(spec.training.steps, 10);
    assert.match(spec.training.formula ?? '', /steps 10 × per_device_batch_size 4 /);
    assert.equal(countParams(spec.architecture!).total, LLAMA2_7B);
  });

  it('a --flag="…" string without a trainer is left as it is', () => {
    const spec = specOf(
      '/r/run.sh',
      tree('python3 MaxText/train.py MaxText/configs/base.yml run_name=r steps=5 --note="steps=7"\n'),
    );
    assert.equal(spec.training.steps, 5);
  });
});
