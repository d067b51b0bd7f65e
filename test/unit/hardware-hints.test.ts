import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readHardwareHints } from '../../src/core/config/hardwareHints';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS, type AnalysisSettings } from '../../src/core/analyze';
import { readRunConfig } from '../../src/core/config/registry';
import { REPO_ROOT, SHARED_DIR, SHARED_SKIP, diskReadFile } from '../helpers';
import { buildCodeActions } from '../../src/server/codeActions';
import type { DocumentResult } from '../../src/server/model';
import { Commands, normalizeSettings, toAnalysisSettings, type SetGpuCountArgs } from '../../src/protocol';
import { findPublishedLaw } from '../../src/core/laws/published';

/** The editor's and the CLI's settings: the file's accelerator beats the default one. */
const EDITOR: AnalysisSettings = { ...DEFAULT_ANALYSIS_SETTINGS, gpuFromFile: true };

function shared(path: string): { path: string; text: string } {
  const full = join(SHARED_DIR, path);
  return { path: full, text: readFileSync(full, 'utf8') };
}

function hintsOf(path: string) {
  const f = shared(path);
  return readHardwareHints(f.text, f.path);
}

describe('hardware hints from real files', { skip: SHARED_SKIP }, () => {
  it('nanoGPT train_gpt2.py: "1 node of 8X A100 40GB" gives A100-40GB × 8, and cost uses them', () => {
    const f = shared('configs/nanogpt/train_gpt2.py');
    const hints = readHardwareHints(f.text, f.path);
    assert.equal(hints.gpu?.id, 'A100-40GB');
    assert.equal(hints.gpus?.count, 8);
    assert.equal(hints.gpus?.exact, true);
    // The range covers the words on line 1 ("# config for training GPT-2 (124M) … of 8X A100 40GB").
    const line = f.text.split('\n')[0];
    const range = hints.gpu!.range;
    assert.equal(range.start.line, 0);
    assert.equal(line.slice(range.start.character, range.end.character), 'A100 40GB');

    const a = analyzeText(f.text, { path: f.path }, EDITOR).analysis!;
    const n = a.params!.active;
    assert.equal(n, 124_373_760);
    assert.equal(a.tokens, 294_912_000_000);
    // GPU-hours = 6·N·D / (312e12 FLOP/s A100 BF16 dense, NVIDIA datasheet × MFU 0.4) / 3600.
    const hours = (6 * n * 294_912_000_000) / (312e12 * 0.4) / 3600;
    assert.ok(Math.abs(a.cost!.gpuHours - hours) < 1e-9 * hours);
    assert.equal(a.cost!.gpu, 'A100-40GB');
    assert.equal(a.cost!.gpus, 8);
    assert.ok(Math.abs(a.cost!.days - hours / 8 / 24) < 1e-9);
    assert.ok(Math.abs(a.cost!.usd - hours * 1.1) < 1e-6); // $1.10/h, Sardana et al. 2024 calculator
    assert.ok(a.assumptions.includes('Accelerator: A100-40GB from comment "A100 40GB" (line 1).'));
    assert.ok(a.assumptions.includes('GPUs: 8 from comment "1 node of 8X A100" (line 1).'));
    assert.equal(a.cost!.from!.gpu, 'the file: comment "A100 40GB" (line 1)');
  });

  it('an explicit accelerator (CLI --gpu) beats the file and says what the file named', () => {
    const f = shared('configs/nanogpt/train_gpt2.py');
    const a = analyzeText(f.text, { path: f.path }, { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'H100' }).analysis!;
    assert.equal(a.cost!.gpu, 'H100');
    assert.ok(
      a.assumptions.includes(
        'Accelerator: H100 as chosen; the file names A100-40GB (comment "A100 40GB" (line 1)).',
      ),
      a.assumptions.join('\n'),
    );
  });

  it('MaxText v5e llama2_7b.sh: TPU-v5e; "any number of v5e-256 slices" is per-slice, so D stays open', () => {
    const f = shared('configs-b/maxtext/configs/v5e/llama2_7b.sh');
    const hints = readHardwareHints(f.text, f.path);
    assert.equal(hints.gpu?.id, 'TPU-v5e');
    assert.equal(hints.gpus?.count, 256); // v5e: one TensorCore per chip, v5e-256 = 256 chips
    assert.equal(hints.gpus?.exact, false);
    const result = readRunConfig(f.text, { path: f.path, readFile: diskReadFile });
    assert.equal(result.kind, 'run-config');
    if (result.kind !== 'run-config') return;
    assert.equal(result.spec.training.tokens, undefined);
    assert.deepEqual(result.spec.training.missing, ['device count']);
  });

  it('MaxText v5p 128b.sh: v5p-256 = 128 chips and v5p-512 = 256 chips disagree, so no count', () => {
    const hints = hintsOf('configs-b/maxtext/configs/v5p/128b.sh');
    assert.equal(hints.gpu?.id, 'TPU-v5p');
    assert.equal(hints.gpus, undefined);
    assert.ok(hints.notes.some((n) => /different device counts \(128 on line 3, 256 on line 3\)/.test(n)));
  });

  it('MaxText base.yml: "e.g. \'v5e-256\'" documents a value and is not read as the hardware', () => {
    const hints = hintsOf('configs-b/maxtext/configs/base.yml');
    assert.equal(hints.gpu, undefined);
    assert.equal(hints.gpus, undefined);
  });

  it('Megatron pretrain_gpt3_175B.sh: #SBATCH --nodes=128 --ntasks-per-node=8 = 1024; the reader keeps its own', () => {
    const f = shared('configs-b/megatron-lm/examples/pretrain_gpt3_175B.sh');
    const hints = readHardwareHints(f.text, f.path);
    assert.equal(hints.gpus?.count, 1024);
    const a = analyzeText(f.text, { path: f.path, readFile: diskReadFile }, EDITOR).analysis!;
    assert.equal(a.spec.training.gpus, 1024);
    assert.equal(a.cost!.gpus, 1024);
  });

  it('Megatron train_llama3_8b_h100_fp8.sh: H100 from the path, 8 = --nproc_per_node $GPUS_PER_NODE × --nnodes $NUM_NODES', () => {
    const hints = hintsOf('configs-b/megatron-lm/examples/llama/train_llama3_8b_h100_fp8.sh');
    assert.equal(hints.gpu?.id, 'H100');
    assert.equal(hints.gpu?.origin, 'path');
    assert.equal(hints.gpus?.count, 8);
    assert.equal(hints.gpus?.exact, true);
  });

  it('Mixtral launcher: NNODES=${SLURM_NNODES:-"1"} is a default, not a statement (not used for D)', () => {
    const hints = hintsOf('configs-b/megatron-lm/examples/mixtral/train_mixtral_8x7b_distributed.sh');
    assert.equal(hints.gpus?.count, 8);
    assert.equal(hints.gpus?.exact, false);
    assert.match(hints.gpus!.how, /\$NNODES = 1, its default/);
  });

  it('torchtitan "preset for 64 A100 GPUs": 64 devices; A100 without a size is the 80GB part, said so', () => {
    const hints = hintsOf('configs-c/torchtitan/legacy_2024-12/llama2_70b.toml');
    assert.equal(hints.gpus?.count, 64);
    assert.equal(hints.gpu?.id, 'A100-80GB');
    assert.match(hints.gpu!.how, /memory size not stated, A100-80GB assumed/);
  });

  it('Pythia 1.4B: "trained on 64 gpus"', () => {
    assert.equal(hintsOf('configs-b/pythia/models/1.4B/pythia-1.4b.yml').gpus?.count, 64);
  });
});

describe('the directive comment and explicit settings', () => {
  const example = join(REPO_ROOT, 'examples/maxtext/llama2-1b-v5e-64.yml');
  const text = readFileSync(example, 'utf8');

  it('the MaxText example names a v5e-64 slice: TPU-v5e, D still needs the device count', () => {
    const a = analyzeText(text, { path: example }, EDITOR).analysis!;
    assert.equal(a.tokens, null);
    assert.deepEqual(a.missing, ['device count']);
    assert.equal(a.spec.hardware?.gpu?.id, 'TPU-v5e');
  });

  it('`# scaling-lens: gpus=64` completes D: 50,000 steps × 4 × 64 devices × 2048 = 26,214,400,000', () => {
    const a = analyzeText(`# scaling-lens: gpus=64\n${text}`, { path: example }, EDITOR).analysis!;
    assert.equal(a.tokens, 50_000 * 4 * 64 * 2048);
    assert.match(
      a.tokensFormula!,
      /× 64 devices \(device count from the file: directive "gpus=64" \(line 1\)\)$/,
    );
    assert.equal(a.cost!.gpus, 64);
    assert.equal(a.cost!.gpu, 'TPU-v5e');
    // TPU v5e: 197e12 BF16 FLOP/s per chip (Google Cloud TPU v5e docs).
    const hours = a.flops! / (197e12 * 0.4) / 3600;
    assert.ok(Math.abs(a.cost!.gpuHours - hours) < 1e-9 * hours);
  });

  it('an explicit scalingLens.missing.gpus (or --gpus) beats the directive', () => {
    const settings = { ...EDITOR, gpus: 32, useGpusForMissingTokens: true };
    const a = analyzeText(`# scaling-lens: gpus=64\n${text}`, { path: example }, settings).analysis!;
    assert.equal(a.tokens, 50_000 * 4 * 32 * 2048);
    assert.equal(a.cost!.gpus, 32);
    assert.ok(a.assumptions.some((s) => /GPUs: 32 from your setting; the file states 64/.test(s)));
  });

  it('`gpu=H100` in the directive beats the slice name', () => {
    const hints = readHardwareHints(`# scaling-lens: gpus=16 gpu=H100\n${text}`, example);
    assert.equal(hints.gpu?.id, 'H100');
    assert.equal(hints.gpu?.origin, 'directive');
    assert.deepEqual(hints.gpu?.range, {
      start: { line: 0, character: 24 },
      end: { line: 0, character: 32 },
    });
  });

  it('a bad directive is reported, never used', () => {
    const hints = readHardwareHints('# scaling-lens: gpus=abc gpu=X100\nn_layer = 2\n');
    assert.equal(hints.gpu, undefined);
    assert.equal(hints.gpus, undefined);
    assert.equal(hints.notes.length, 2);
    assert.match(hints.notes[0], /gpus=abc.*positive whole number/);
    assert.match(hints.notes[1], /gpu=X100.*unknown accelerator/);
  });
});

describe('launchers, slurm, MaxText degrees and comments (synthetic)', () => {
  it('#SBATCH --gres=gpu:a100:4 and --nodes=2: 8 devices of A100', () => {
    const hints = readHardwareHints(
      '#!/bin/bash\n#SBATCH --nodes=2\n#SBATCH --gres=gpu:a100:4\npython train.py\n',
    );
    assert.equal(hints.gpus?.count, 8);
    assert.equal(hints.gpu?.id, 'A100-80GB');
  });

  it('torchrun --nproc_per_node=$GPUS from the environment: no count, even with an #SBATCH allocation', () => {
    const hints = readHardwareHints(
      '#SBATCH --nodes=2\n#SBATCH --gres=gpu:4\ntorchrun --nproc_per_node $GPUS train.py\n',
    );
    assert.equal(hints.gpus, undefined);
    assert.ok(hints.notes.some((n) => /set at launch/.test(n)));
  });

  it('torchrun --nproc_per_node 8 --nnodes 4: 32', () => {
    assert.equal(readHardwareHints('torchrun --nproc_per_node 8 --nnodes 4 train.py\n').gpus?.count, 32);
  });

  it('v5p-128 is 128 TensorCores = 64 chips (Google Cloud TPU v5p docs)', () => {
    const hints = readHardwareHints('# run on a v5p-128 slice\n');
    assert.equal(hints.gpu?.id, 'TPU-v5p');
    assert.equal(hints.gpus?.count, 64);
  });

  it('a TPU the hardware table lacks (v4-8) is named in a note, not mapped to another part', () => {
    const hints = readHardwareHints('# trained on a v4-8\n');
    assert.equal(hints.gpu, undefined);
    assert.match(hints.notes[0], /TPU v4 slice \(v4-8/);
  });

  it('MaxText ici_fsdp 16 × ici_tensor 4 × dcn_data 2 = 128 devices; an auto (-1) degree gives none', () => {
    const yaml = 'ici_fsdp_parallelism: 16\nici_tensor_parallelism: 4\ndcn_data_parallelism: 2\n';
    assert.equal(readHardwareHints(yaml).gpus?.count, 128);
    assert.equal(readHardwareHints(yaml.replace('16', '-1')).gpus, undefined);
    assert.equal(readHardwareHints('ici_tensor_parallelism: 4\n').gpus, undefined);
  });

  it('comments that disagree on the count give none and say so', () => {
    const hints = readHardwareHints('# 8 GPUs\nx = 1\n# 16 GPUs\n');
    assert.equal(hints.gpus, undefined);
    assert.match(hints.notes[0], /different device counts \(8 on line 1, 16 on line 3\)/);
  });

  it('"96x 40GB A100" (GPT-NeoX 20B style)', () => {
    const hints = readHardwareHints('# 96x 40GB A100\n');
    assert.equal(hints.gpus?.count, 96);
    assert.equal(hints.gpu?.id, 'A100-40GB');
  });

  it('counts of other things and values inside strings are not GPU counts', () => {
    assert.deepEqual(readHardwareHints('n_head = 8 # 8 heads\nurl = "http://x#8 GPUs"\n'), { notes: [] });
  });

  it('200,000 disagreeing counts: one bounded note, no stack overflow', () => {
    const text = Array.from({ length: 200_000 }, (_, i) => `# ${i + 1} GPUs`).join('\n');
    const hints = readHardwareHints(text);
    assert.equal(hints.gpus, undefined);
    assert.equal(hints.notes.length, 1);
    assert.match(
      hints.notes[0],
      /different device counts \(1 on line 1, 2 on line 2, 3 on line 3, 4 on line 4, and 199996 more\)/,
    );
  });

  it('never throws, and a 30k-line file is read in linear time', () => {
    for (const bad of [
      '',
      '\u0000\u0000',
      '#'.repeat(30_000),
      '# scaling-lens:',
      'torchrun --nproc_per_node',
    ]) {
      assert.doesNotThrow(() => readHardwareHints(bad));
    }
    const big = Array.from({ length: 30_000 }, (_, i) => `key_${i}: ${i} # note ${i}`).join('\n');
    const start = performance.now();
    readHardwareHints(big);
    assert.ok(performance.now() - start < 2000);
  });
});

describe('the missing-GPU quick fix writes per file or per folder', () => {
  const example = join(REPO_ROOT, 'examples/maxtext/llama2-1b-v5e-64.yml');
  const text = readFileSync(example, 'utf8');

  function actionsFor(source: string) {
    const settings = normalizeSettings(undefined);
    const analysisSettings = toAnalysisSettings(settings);
    const outcome = analyzeText(source, { path: example }, analysisSettings);
    const result: DocumentResult = {
      uri: 'file:///x/llama2-1b-v5e-64.yml',
      version: 3,
      recognized: true,
      analysis: outcome.analysis,
      diagnostics: outcome.diagnostics,
      settings,
      analysisSettings,
      law: findPublishedLaw('epoch2024')!,
      settingsWarnings: [],
      elapsedMs: 0,
    };
    const diagnostic = outcome.diagnostics.find((d) => d.code === 'missing-gpus')!;
    assert.ok(diagnostic, 'the MaxText example reports missing-gpus');
    const lsp = {
      range: diagnostic.range!,
      message: diagnostic.message,
      code: 'missing-gpus',
      severity: 3 as const,
    };
    return buildCodeActions(result, {
      uri: result.uri,
      version: 3,
      range: lsp.range,
      diagnostics: [lsp],
      documentChanges: true,
      text: source,
    });
  }

  it('offers the directive (preferred, suggesting the v5e-64 slice’s 64 chips), the folder setting, then the settings UI', () => {
    const actions = actionsFor(text);
    const directive = actions.find(
      (a) =>
        a.command?.command === Commands.setGpuCount &&
        (a.command.arguments![0] as SetGpuCountArgs).target === 'file',
    );
    assert.ok(directive?.isPreferred);
    assert.deepEqual(directive!.command!.arguments![0], {
      target: 'file',
      uri: 'file:///x/llama2-1b-v5e-64.yml',
      version: 3,
      position: { line: 0, character: 0 },
      prefix: '# scaling-lens: gpus=',
      suggested: 64,
    });
    const folder = actions.find(
      (a) =>
        a.command?.command === Commands.setGpuCount &&
        (a.command.arguments![0] as SetGpuCountArgs).target === 'workspaceFolder',
    );
    assert.equal(folder?.title, 'Set the GPU count for this workspace folder…');
    assert.ok(actions.some((a) => a.command?.command === 'workbench.action.openSettings'));
  });

  it('what the directive fix writes completes D on the next analysis (no missing-gpus left)', () => {
    const edited = `# scaling-lens: gpus=64\n${text}`;
    const outcome = analyzeText(edited, { path: example }, toAnalysisSettings(normalizeSettings(undefined)));
    assert.equal(outcome.analysis!.tokens, 26_214_400_000);
    assert.ok(!outcome.diagnostics.some((d) => d.code === 'missing-gpus'));
  });

  it('a script keeps its shebang first; JSON (no comments) gets only the folder setting', () => {
    const script =
      '#!/bin/bash\npython pretrain_gpt.py --num-layers 2 --hidden-size 64 --num-attention-heads 2 --seq-length 128 --max-position-embeddings 128 --micro-batch-size 2 --train-iters 100 --vocab-size 1024\n';
    const outcome = analyzeText(
      script,
      { path: '/tmp/p.sh' },
      toAnalysisSettings(normalizeSettings(undefined)),
    );
    const d = outcome.diagnostics.find((x) => x.code === 'missing-gpus');
    assert.ok(d, 'a Megatron script without --global-batch-size needs the GPU count');
    {
      const result = { analysis: outcome.analysis } as DocumentResult;
      const lsp = {
        range: d.range ?? { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } },
        message: d.message,
        code: 'missing-gpus',
      };
      const actions = buildCodeActions(result, {
        uri: 'file:///tmp/p.sh',
        version: 1,
        range: lsp.range,
        diagnostics: [lsp],
        documentChanges: true,
        text: script,
      });
      const file = actions.find(
        (a) => (a.command?.arguments?.[0] as SetGpuCountArgs | undefined)?.target === 'file',
      );
      assert.deepEqual(
        (file!.command!.arguments![0] as Extract<SetGpuCountArgs, { target: 'file' }>).position,
        { line: 1, character: 0 },
      );
    }
    const json = { analysis: null } as unknown as DocumentResult;
    const lsp = {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      message: 'm',
      code: 'missing-gpus',
    };
    const actions = buildCodeActions(json, {
      uri: 'file:///c.json',
      version: 1,
      range: lsp.range,
      diagnostics: [lsp],
      documentChanges: true,
      text: '{"a": 1}',
    });
    assert.ok(
      !actions.some((a) => (a.command?.arguments?.[0] as SetGpuCountArgs | undefined)?.target === 'file'),
    );
    assert.ok(
      actions.some(
        (a) => (a.command?.arguments?.[0] as SetGpuCountArgs | undefined)?.target === 'workspaceFolder',
      ),
    );
  });
});
