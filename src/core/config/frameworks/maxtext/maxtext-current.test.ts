/**
 * Launchers of MaxText's current layouts, verbatim from its own tree (fixtures/current/SOURCE.md):
 * `python3 -m maxtext.trainers.pre_train.train "${MAXTEXT_CONFIGS_DIR:-…/src/maxtext/configs}"/base.yml
 * key=value …` (AI-Hypercomputer/maxtext@e591f30c) and `python3 -m MaxText.$EXECUTABLE
 * src/MaxText/configs/base.yml …` (@95ef3e10). Each fixture's N, D and the values read with the
 * ranges of what is written; the figures are those MaxText's own configs imply (comments).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRunConfig, recognize } from '../../registry';
import { countParams } from '../../../model/params';
import type { FieldSource, ReadContext, RunSpec, SourceRange } from '../../../types';
import { diskReadFile, fixturePath, REPO_ROOT } from '../../../../../test/helpers';

const CURRENT = fixturePath('maxtext', 'current');
const at = (relative: string) => join(CURRENT, relative);
/** The upstream `src/maxtext/configs/` directory at e591f30c, vendored once (PROVENANCE.md there). */
const UPSTREAM_CONFIGS = join(REPO_ROOT, 'scripts', 'upstream', 'maxtext', 'configs');
const TREE_CONFIGS = join(CURRENT, 'src', 'maxtext', 'configs');

/**
 * The fixture tree as a checkout of MaxText: its `src/maxtext/configs/` is the vendored upstream
 * directory (base.yml, models/), with the tree's own files (gpu/models/llama2_7b.yml) beside it.
 */
function treeReadFile(path: string): string | undefined {
  if (path.startsWith(`${TREE_CONFIGS}/`)) {
    const upstream = join(UPSTREAM_CONFIGS, path.slice(TREE_CONFIGS.length + 1));
    if (existsSync(upstream)) return readFileSync(upstream, 'utf8');
  }
  return diskReadFile(path);
}

function readSpec(relative: string, context: Partial<ReadContext> = {}): { spec: RunSpec; text: string } {
  const path = at(relative);
  const text = readFileSync(path, 'utf8');
  const result = readRunConfig(text, { path, readFile: treeReadFile, ...context });
  assert.equal(result.kind, 'run-config', `${relative} should be a run config`);
  if (result.kind !== 'run-config') throw new Error('unreachable');
  assert.equal(result.spec.framework, 'maxtext');
  return { spec: result.spec, text };
}

/** The source text a range covers. */
function textAt(text: string, range: SourceRange): string {
  const lines = text.split('\n');
  if (range.start.line === range.end.line)
    return lines[range.start.line].slice(range.start.character, range.end.character);
  return [
    lines[range.start.line].slice(range.start.character),
    ...lines.slice(range.start.line + 1, range.end.line),
    lines[range.end.line].slice(0, range.end.character),
  ].join('\n');
}

/** A value read from the analyzed file: its key and value ranges cover what is written there. */
function assertWritten(
  text: string,
  source: FieldSource | undefined,
  key: string,
  value: string,
  line: number,
) {
  assert.ok(source, `${key} should come from this file`);
  assert.equal(source.file, undefined, `${key} should be written in this file`);
  assert.equal(textAt(text, source.keyRange), key);
  // A backslash glued to the value (`model_name=llama2-7b\`) is a line continuation, not the value.
  assert.equal(textAt(text, source.valueRange).replace(/\\$/, ''), value);
  assert.equal(source.keyRange.start.line + 1, line, `${key} line`);
}

const N = (spec: RunSpec) => {
  assert.ok(spec.architecture, `no architecture: ${JSON.stringify(spec.diagnostics.map((d) => d.message))}`);
  return countParams(spec.architecture);
};

describe('maxtext current layout: launchers of AI-Hypercomputer/maxtext@e591f30c', () => {
  it('tpu/v5e/llama2_7b.sh: `-m maxtext.trainers.pre_train.$EXECUTABLE` and the nested ${…:-…}/base.yml path', () => {
    const { spec, text } = readSpec('src/maxtext/configs/tpu/v5e/llama2_7b.sh');
    // models/llama2-7b.yml: Llama-2-7B, 6,738,415,616 (the manifest's figure for the older twin).
    assert.equal(N(spec).total, 6_738_415_616);
    assert.equal(spec.modelName, 'llama2-7b');
    // steps=15 × per_device_batch_size=4 × max_target_length 2048 (base.yml) × num_devices.
    assert.equal(spec.training.steps, 15);
    assert.match(spec.training.formula ?? '', /= 122,880 × num_devices$/);
    assert.deepEqual(spec.training.missing, ['device count']);
    assertWritten(text, spec.archSources.modelName, 'model_name', 'llama2-7b', 43);
    assertWritten(text, spec.trainingSources.steps, 'steps', '15', 46);
    assertWritten(text, spec.trainingSources.microBatch, 'per_device_batch_size', '4', 45);
    // max_target_length is base.yml's: not a range in this file.
    assert.equal(spec.trainingSources.seqLen?.file?.endsWith('base.yml'), true);
    // base.yml and models/llama2-7b.yml were read, not the built-in copies.
    assert.ok(!spec.assumptions.some((a) => /not readable/.test(a)), spec.assumptions.join('; '));
    // A v5e-256 slice: 15 × 4 × 256 × 2048.
    const slice = readSpec('src/maxtext/configs/tpu/v5e/llama2_7b.sh', { options: { gpus: 256 } }).spec;
    assert.equal(slice.training.tokens, 31_457_280);
  });

  it('tpu/v5p/128b.sh: global_parameter_scale=128 over base.yml', () => {
    const { spec, text } = readSpec('src/maxtext/configs/tpu/v5p/128b.sh');
    // The manifest's 125,079,396,352 for the google/maxtext twin (emb 8192, 128 heads, mlp 57344, 64 layers).
    assert.equal(N(spec).total, 125_079_396_352);
    assert.match(spec.training.formula ?? '', /steps 15 × per_device_batch_size 1 .*= 30,720 × num_devices$/);
    assertWritten(text, spec.trainingSources.steps, 'steps', '15', 44);
    assertWritten(text, spec.trainingSources.seqLen, 'max_target_length', '2048', 47);
  });

  it('gpu/mixtral/test_8x7b.sh: `//base.yml` and model_name=mixtral-8x7b (experts, active count)', () => {
    const { spec, text } = readSpec('tests/end_to_end/gpu/mixtral/test_8x7b.sh');
    const counts = N(spec);
    // Mixtral-8x7B: 46,702,792,704 total (manifest), 2 of 8 experts active: 12,879,925,248.
    assert.equal(counts.total, 46_702_792_704);
    assert.equal(counts.active, 12_879_925_248);
    assert.match(
      spec.training.formula ?? '',
      /steps 5 × per_device_batch_size 1 .*max_target_length 1024 .*= 5,120 × num_devices$/,
    );
    const line = spec.archSources.modelName!.keyRange.start.line + 1;
    assertWritten(text, spec.archSources.modelName, 'model_name', 'mixtral-8x7b', line);
    assert.match(text.split('\n')[line - 1], /^python3 -m maxtext\.trainers\.pre_train\.train /);
  });

  it('tpu/gemma/7b/2_test_gemma.sh: the training launch, not the later train_compile (AOT) one', () => {
    const { spec, text } = readSpec('tests/end_to_end/tpu/gemma/7b/2_test_gemma.sh');
    // Gemma-7B: 8,538,074,112.
    assert.equal(N(spec).total, 8_538_074_112);
    // Line 52 trains: steps=5 per_device_batch_size=1 max_target_length=8192 (line 66 only compiles).
    assertWritten(text, spec.trainingSources.steps, 'steps', '5', 52);
    assertWritten(text, spec.trainingSources.seqLen, 'max_target_length', '8192', 52);
    assertWritten(text, spec.archSources.modelName, 'model_name', 'gemma-7b', 52);
    assert.match(spec.training.formula ?? '', /= 40,960 × num_devices$/);
  });

  it('gpu/a3/test_convergence_1b_params.sh: a launch held in TRAIN_CMD="…" with an unquoted ${…:-…}/base.yml', () => {
    const { spec, text } = readSpec('tests/end_to_end/gpu/a3/test_convergence_1b_params.sh');
    // No model_name: base.yml's own model, 1,104,218,112 (as base.yml itself reads).
    assert.equal(N(spec).total, 1_104_218_112);
    assert.equal(spec.modelName, undefined);
    // steps=$STEPS (export STEPS=2550) × 4 × 2048 × the 8 devices ici_fsdp_parallelism=8 names.
    assert.equal(spec.training.steps, 2550);
    assert.equal(spec.training.tokens, 2550 * 4 * 2048 * 8);
    assertWritten(text, spec.trainingSources.microBatch, 'per_device_batch_size', '4', 52);
    assertWritten(text, spec.trainingSources.steps, 'steps', '$STEPS', 51);
  });

  it('qwen3-next 2_test: ${MAXTEXT_PKG_DIR}/configs/base.yml resolves; the qwen3_next block is unknown, named', () => {
    const { spec } = readSpec(
      'tests/end_to_end/tpu/qwen/next/qwen3-next-80b-a3b/2_test_qwen3_next_80b_a3b.sh',
    );
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => /^unknown: decoder_block "qwen3_next"/.test(d.message)));
    assert.ok(!spec.diagnostics.some((d) => d.code === 'base-config-unavailable'));
    assert.equal(spec.modelName, 'qwen3-next-80b-a3b');
    assert.match(spec.training.formula ?? '', /steps 5 × per_device_batch_size 1 .*max_target_length 1024/);
  });

  it('olmo3 stage-1 script: unknown decoder block and `${…}` values stay unknown, naming the keys', () => {
    const { spec } = readSpec('src/maxtext/trainers/pre_train/scripts/olmo/run_olmo3_7b_stage1.sh');
    assert.equal(spec.architecture, undefined);
    assert.ok(spec.diagnostics.some((d) => /^unknown: decoder_block "olmo3"/.test(d.message)));
    assert.equal(spec.training.tokens, undefined);
    assert.equal(spec.training.formula, undefined);
    assert.ok(
      spec.diagnostics.some((d) => d.code === 'unresolved-value' && /per_device_batch_size/.test(d.message)),
    );
  });

  it('reads the same figures from the built-in base.yml and model tables when no file is readable', () => {
    for (const [file, total] of [
      ['src/maxtext/configs/tpu/v5e/llama2_7b.sh', 6_738_415_616],
      ['tests/end_to_end/gpu/mixtral/test_8x7b.sh', 46_702_792_704],
      ['docs/Run_Gemma3.sh', 3_880_099_328],
    ] as const) {
      const { spec } = readSpec(file, { readFile: () => undefined });
      assert.equal(N(spec).total, total, file);
      assert.ok(
        spec.assumptions.some((a) => /built-in copy of its architecture keys/.test(a)),
        file,
      );
      assert.ok(
        spec.assumptions.some((a) => /built-in copy of MaxText base\.yml defaults/.test(a)),
        file,
      );
    }
  });
});

describe('maxtext current layout: lines of MaxText docs', () => {
  it('Run_Gemma3.md: `-m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml model_name=gemma3-4b`', () => {
    const { spec, text } = readSpec('docs/Run_Gemma3.sh');
    // Gemma 3 4B text decoder: 3,880,099,328.
    assert.equal(N(spec).total, 3_880_099_328);
    assertWritten(text, spec.archSources.modelName, 'model_name', 'gemma3-4b', 1);
    assertWritten(text, spec.trainingSources.steps, 'steps', '10', 1);
    assertWritten(text, spec.trainingSources.microBatch, 'per_device_batch_size', '1', 1);
    assert.match(spec.training.formula ?? '', /= 20,480 × num_devices$/);
  });

  it('run_maxtext_via_xpk.md: no config file → base.yml (pyconfig _CONFIG_FILE_MAPPING)', () => {
    const { spec, text } = readSpec('docs/run_maxtext_via_xpk.sh');
    assert.equal(N(spec).total, 1_104_218_112);
    assert.ok(spec.assumptions.some((a) => /no config file on the command line/.test(a)));
    // base.yml was found in the tree (src/maxtext/configs/base.yml), not the built-in copy.
    assert.ok(!spec.assumptions.some((a) => /base\.yml not readable/.test(a)), spec.assumptions.join('; '));
    assertWritten(text, spec.trainingSources.steps, 'steps', '100', 7);
    // per_device_batch_size 12 and max_target_length 2048 come from base.yml.
    assert.match(
      spec.training.formula ?? '',
      /steps 100 × per_device_batch_size 12 .*= 2,457,600 × num_devices$/,
    );
    assert.equal(spec.trainingSources.microBatch?.file?.endsWith('base.yml'), true);
  });

  it('multi_tier_checkpointing.md: `python3 src/maxtext/trainers/pre_train/train.py src/maxtext/configs/base.yml`', () => {
    const { spec, text } = readSpec('docs/multi_tier_checkpointing_xpk.sh');
    assert.equal(N(spec).total, 1_104_218_112);
    assertWritten(text, spec.trainingSources.steps, 'steps', '120', 9);
    assertWritten(text, spec.trainingSources.microBatch, 'per_device_batch_size', '6', 9);
    assert.match(spec.training.formula ?? '', /= 1,474,560 × num_devices$/);
  });

  it('run_maxtext_single_host_gpu.md: gpu/models/llama2_7b.yml and its `base_config: "base.yml"`', () => {
    const { spec, text } = readSpec('docs/run_maxtext_single_host_gpu.sh');
    // The YAML sets model_name llama2-7b, steps 30, per_device_batch_size 4, max_target_length 4096.
    assert.equal(N(spec).total, 6_738_415_616);
    assert.equal(spec.modelName, 'llama2-7b');
    for (const source of [
      spec.archSources.modelName,
      spec.trainingSources.steps,
      spec.trainingSources.seqLen,
    ])
      assert.equal(source?.file?.endsWith('configs/gpu/models/llama2_7b.yml'), true);
    // 30 × 4 × 4096 × the 8 devices of dcn_data_parallelism=1 ici_fsdp_parallelism=8 (this file).
    assert.equal(spec.training.tokens, 30 * 4 * 4096 * 8);
    assert.match(text, /ici_fsdp_parallelism=8/);
    // base.yml came through base_config (the tree's), not the built-in copy.
    assert.ok(!spec.assumptions.some((a) => /not readable/.test(a)), spec.assumptions.join('; '));
  });

  it('multi_tier_checkpointing.md (Pathways): `${TRAINING_ARGS}` holds a placeholder: N and D unknown, named', () => {
    const { spec } = readSpec('docs/multi_tier_checkpointing_pathways.sh');
    assert.equal(spec.architecture, undefined);
    assert.equal(spec.training.tokens, undefined);
    assert.equal(spec.training.formula, undefined);
    const unknown = spec.diagnostics.find((d) => /^unknown: .*`\$\{TRAINING_ARGS\}`/.test(d.message));
    assert.ok(unknown, JSON.stringify(spec.diagnostics.map((d) => d.message)));
    assert.equal(unknown.range?.start.line, 15);
  });

  it('lora.md: a post-training launch (maxtext.trainers.post_train.sft.train_sft) is named as not modelled', () => {
    const { spec } = readSpec('docs/lora_sft.sh');
    assert.equal(spec.architecture, undefined);
    assert.equal(spec.training.tokens, undefined);
    assert.ok(
      spec.diagnostics.some((d) =>
        /^unknown: `maxtext\.trainers\.post_train\.sft\.train_sft`/.test(d.message),
      ),
    );
  });
});

describe('maxtext current layout: the src/MaxText layout (AI-Hypercomputer/maxtext@95ef3e10)', () => {
  it('v5e/llama2_7b.sh: `-m MaxText.$EXECUTABLE "${MAXTEXT_PKG_DIR:-…/src/MaxText}/"configs/base.yml`', () => {
    const { spec, text } = readSpec('intermediate/src/MaxText/configs/v5e/llama2_7b.sh', {
      readFile: () => undefined,
    });
    assert.equal(N(spec).total, 6_738_415_616);
    assert.match(
      spec.training.formula ?? '',
      /steps 15 × per_device_batch_size 4 .*= 122,880 × num_devices$/,
    );
    assertWritten(text, spec.archSources.modelName, 'model_name', 'llama2-7b', 44);
    assertWritten(text, spec.trainingSources.steps, 'steps', '15', 47);
    assert.ok(
      spec.diagnostics.some(
        (d) => d.code === 'base-config-unavailable' && /src\/MaxText\/configs\/base\.yml/.test(d.message),
      ),
    );
  });
});

describe('maxtext current layout: base_config inheritance of a YAML config', () => {
  const yaml = (parent: string) =>
    `base_config: "${parent}"\nbase_emb_dim: 1024\nbase_num_query_heads: 8\nbase_num_kv_heads: 8\nbase_mlp_dim: 4096\nbase_num_decoder_layers: 8\nsteps: 100\n`;
  const path = at('src/maxtext/configs/custom/small.yml');

  it('layers the base.yml it names (relative to the file, else the configs directory) under the file', () => {
    const result = readRunConfig(yaml('base.yml'), { path, readFile: treeReadFile });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    const spec = result.spec;
    assert.ok(!spec.assumptions.some((a) => /not readable/.test(a)), spec.assumptions.join('; '));
    // per_device_batch_size 12 and max_target_length 2048 from the inherited base.yml.
    assert.equal(spec.trainingSources.microBatch?.file, join(TREE_CONFIGS, 'base.yml'));
    assert.match(
      spec.training.formula ?? '',
      /steps 100 × per_device_batch_size 12 .*= 2,457,600 × num_devices$/,
    );
    // emb 1024, 8 × 128-wide heads, gated mlp 4096, 8 layers, untied 32,000-token vocabulary.
    const perLayer = 4 * 1024 * 1024 + 3 * 1024 * 4096 + 2 * 1024;
    assert.equal(N(spec).total, 8 * perLayer + 1024 + 2 * 32_000 * 1024);
  });

  it('leaves N and D unknown when the inherited file is not base.yml and cannot be read', () => {
    const result = readRunConfig(yaml('missing-parent.yml'), { path, readFile: treeReadFile });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.architecture, undefined);
    assert.equal(result.spec.training.formula, undefined);
    const unknown = result.spec.diagnostics.find((d) => d.message.startsWith('unknown: base_config'));
    assert.ok(unknown, JSON.stringify(result.spec.diagnostics.map((d) => d.message)));
    assert.equal(unknown.range?.start.line, 0);
  });
});

describe('maxtext launchers: keys set twice (pyconfig refuses) and M_ environment overrides', () => {
  const read = (script: string) => {
    const result = readRunConfig(script, { path: at('launch.sh'), readFile: treeReadFile });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') throw new Error('unreachable');
    return result.spec;
  };
  const launch =
    'python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml model_name=llama2-7b';

  it('a model-file key overridden on the command line leaves N unknown, naming it, unless override_model_config=True', () => {
    const refused = read(`${launch} base_num_decoder_layers=4 steps=10\n`);
    assert.equal(refused.architecture, undefined);
    const diagnostic = refused.diagnostics.find((d) =>
      /`base_num_decoder_layers` overrides models\/llama2-7b\.yml/.test(d.message),
    );
    assert.ok(diagnostic, JSON.stringify(refused.diagnostics.map((d) => d.message)));
    assert.equal(diagnostic.range?.start.character, launch.length + 1 + 'base_num_decoder_layers='.length);
    // D does not depend on the refused key.
    assert.match(refused.training.formula ?? '', /steps 10 /);
    // 4 Llama-2-7B layers (202,383,360 each), final norm, untied 32,000 × 4096 embeddings.
    const allowed = read(`${launch} base_num_decoder_layers=4 override_model_config=True\n`);
    assert.equal(N(allowed).total, 4 * 202_383_360 + 4096 + 2 * 32_000 * 4096);
    // The same value as the model file is no conflict.
    assert.equal(N(read(`${launch} base_num_decoder_layers=32\n`)).total, 6_738_415_616);
  });

  it('reads an exported M_<KEY> over the command line and refuses a key set both ways', () => {
    const fromEnvironment = read(`export M_STEPS=20\n${launch} per_device_batch_size=2\n`);
    assert.equal(fromEnvironment.training.steps, 20);
    assert.equal(fromEnvironment.trainingSources.steps?.key, 'M_STEPS');
    assert.equal(fromEnvironment.trainingSources.steps?.keyRange.start.line, 0);
    const both = read(`export M_STEPS=20\n${launch} steps=10\n`);
    assert.equal(both.training.formula, undefined);
    assert.ok(
      both.diagnostics.some((d) => /`steps` is set both on the command line and as M_STEPS/.test(d.message)),
    );
    // An unexported shell variable is not in Python's environment.
    assert.equal(read(`M_STEPS=20\n${launch} per_device_batch_size=2\n`).training.steps, 150_001);
  });
});

describe('maxtext current layout: what is not a MaxText launch or config', () => {
  it('python -m lines of other modules (pip, tests.utils.forward_pass_logit_checker, maxtext.inference.decode) are not MaxText', () => {
    const path = at('negative/unrelated_modules.sh');
    const text = readFileSync(path, 'utf8');
    assert.equal(recognize(text, path)?.id, undefined);
    assert.equal(readRunConfig(text, { path, readFile: treeReadFile }).kind, 'not-a-run-config');
  });

  it('an unreadable config file other than base.yml, or one named by an unknown variable, leaves N and D unknown', () => {
    const cases = [
      [
        'python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/gpu/models/missing.yml steps=10\n',
        /could not be read/,
      ],
      [
        'python3 -m maxtext.trainers.pre_train.train ${MAXTEXT_CONFIG} steps=10 per_device_batch_size=2\n',
        /\$\{MAXTEXT_CONFIG\}/,
      ],
      [
        'python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml $EXTRA steps=10\n',
        /\$EXTRA/,
      ],
    ] as const;
    for (const [line, named] of cases) {
      const path = at('launch.sh');
      const result = readRunConfig(line, { path, readFile: treeReadFile });
      assert.equal(result.kind, 'run-config', line);
      if (result.kind !== 'run-config') continue;
      assert.equal(result.spec.architecture, undefined, line);
      assert.equal(result.spec.training.formula, undefined, line);
      const unknown = result.spec.diagnostics.find((d) => d.message.startsWith('unknown:'));
      assert.ok(unknown, line);
      assert.match(unknown.message, named);
    }
  });

  it('arguments a known variable holds are read word by word', () => {
    const text =
      'EXTRA="steps=10 model_name=llama2-7b"\npython3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml $EXTRA\n';
    const result = readRunConfig(text, { path: at('launch.sh'), readFile: treeReadFile });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(countParams(result.spec.architecture!).total, 6_738_415_616);
    assert.equal(result.spec.training.steps, 10);
  });
});
