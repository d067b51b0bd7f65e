/**
 * DeepSpeed JSON memory edits (memoryEdits.ts, deepspeedai/DeepSpeed@edaa7221) on this folder's
 * fixtures and real configs: the exact text after each edit (the rest byte-identical), the JSON still
 * valid, the re-read layout, and — for the micro-batch — the batch DeepSpeed itself derives from the
 * edited JSON (runtime/config.py _set_batch_related_parameters and _batch_assertion, transcribed
 * below) keeps train_batch_size, so D stays. A DeepSpeed JSON alone has no model and so no memory
 * figure: the planner is called with the layout its analysis would resolve.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { resolveLayout, type ResolvedLayout } from '../../../model/layout';
import { applyOffsetEdits, planMemoryEdits, type MemoryEdit } from '../../../model/memoryEdits';
import { readLayout } from '../../registry';
import { fixturePath, SHARED_DIR, SHARED_SKIP } from '../../../../../test/helpers';
import { deepspeedLayoutDefaults } from './layout';

const fixture = (...p: string[]) => readFileSync(fixturePath('deepspeed', ...p), 'utf8');

/** The layout the analysis would resolve for the JSON (8 GPUs, DeepSpeed's defaults). */
function layoutOf(text: string, pipelineParallel = 1): ResolvedLayout {
  const l = readLayout('deepspeed', text)!;
  return resolveLayout('deepspeed', { ...l, pipelineParallel }, { gpus: 8 }, deepspeedLayoutDefaults).layout;
}

const editsOf = (text: string, pipelineParallel = 1) =>
  planMemoryEdits('deepspeed', text, layoutOf(text, pipelineParallel));

function edit(text: string, kind: MemoryEdit['kind']): { edit: MemoryEdit; text: string } {
  const e = editsOf(text).find((x) => x.kind === kind);
  assert.ok(
    e,
    `a ${kind} edit (got ${editsOf(text)
      .map((x) => x.kind)
      .join(', ')})`,
  );
  const edited = applyOffsetEdits(text, e.replacements);
  assert.doesNotThrow(() => JSON.parse(edited), `${e.label}: still JSON`);
  return { edit: e, text: edited };
}

/**
 * DeepSpeedConfig._set_batch_related_parameters + _batch_assertion (runtime/config.py @edaa7221):
 * the batch the engine runs with for a JSON on `world` data-parallel ranks; throws as it asserts.
 */
function deepspeedBatch(json: Record<string, unknown>, world: number) {
  let train = json.train_batch_size as number | undefined;
  let micro = json.train_micro_batch_size_per_gpu as number | undefined;
  let accum = json.gradient_accumulation_steps as number | undefined;
  if (train !== undefined && micro !== undefined && accum !== undefined) {
    // all values are provided
  } else if (train !== undefined && micro !== undefined)
    accum = Math.floor(Math.floor(train / micro) / world);
  else if (train !== undefined && accum !== undefined) micro = Math.floor(Math.floor(train / world) / accum);
  else if (micro !== undefined && accum !== undefined) train = micro * accum * world;
  else if (train !== undefined) [accum, micro] = [1, Math.floor(train / world)];
  else if (micro !== undefined) [train, accum] = [micro * world, 1];
  else throw new Error('Either train_batch_size or train_micro_batch_size_per_gpu needs to be provided');
  assert.ok(train! > 0 && micro! > 0 && accum! > 0);
  assert.equal(train, micro! * accum! * world, 'train_batch_size = micro × accumulation × world size');
  return { train: train!, micro: micro!, accum: accum! };
}

describe('DeepSpeed JSON memory edits (deepspeedai/DeepSpeed@edaa7221)', () => {
  it('a DeepSpeed JSON alone has no memory figure (no model), so no fix is offered on it', () => {
    const a = analyzeText(
      fixture('ds_config_zero2.json'),
      {},
      { ...DEFAULT_ANALYSIS_SETTINGS, gpu: 'TPU-v5e' },
    );
    assert.equal(a.analysis?.framework, 'deepspeed');
    assert.equal(a.analysis?.memory, null);
    // The planner is wired (the reader's layout.edits) and plans on the layout alone.
    assert.ok(editsOf(fixture('ds_config_zero2.json')).length > 0);
  });

  it('ZeRO stage 2 → 3 in place; nothing above 3', () => {
    const text = fixture('ds_config_zero2.json');
    const { edit: e, text: edited } = edit(text, 'shard-up');
    assert.equal(e.label, 'zero_optimization.stage: 3');
    assert.equal(edited, text.replace('"stage": 2,', '"stage": 3,'));
    assert.equal(readLayout('deepspeed', edited)!.sharding, 'zero3');
    assert.ok(!editsOf(edited).some((x) => x.kind === 'shard-up'));
  });

  it('on the pipeline engine the stage stops at 1 (pipe/engine.py asserts stage < 2)', () => {
    const stage1 = fixture('ds_config_zero2.json').replace('"stage": 2,', '"stage": 1,');
    assert.ok(editsOf(stage1).some((x) => x.kind === 'shard-up'));
    assert.ok(!editsOf(stage1, 2).some((x) => x.kind === 'shard-up'));
  });

  it('micro-batch ÷ 2 with the written accumulation × 2: DeepSpeed derives the same train_batch_size', () => {
    const text = fixture('ds_config_zero2.json');
    const { edit: e, text: edited } = edit(text, 'micro-batch-half');
    assert.equal(e.label, 'train_micro_batch_size_per_gpu: 2, gradient_accumulation_steps: 16');
    assert.equal(
      edited,
      text
        .replace('"train_micro_batch_size_per_gpu": 4,', '"train_micro_batch_size_per_gpu": 2,')
        .replace('"gradient_accumulation_steps": 8,', '"gradient_accumulation_steps": 16,'),
    );
    const before = deepspeedBatch(JSON.parse(text), 8);
    const after = deepspeedBatch(JSON.parse(edited), 8);
    assert.deepEqual(after, { train: before.train, micro: 2, accum: 16 });
    const l = readLayout('deepspeed', edited)!;
    assert.deepEqual([l.microBatch, l.gradAccum, l.globalBatch], [2, 16, 256]);
    // And the reverse for the hover's what-if rows.
    const double = edit(text, 'micro-batch-double');
    assert.equal(double.edit.label, 'train_micro_batch_size_per_gpu: 8, gradient_accumulation_steps: 4');
    assert.equal(deepspeedBatch(JSON.parse(double.text), 8).train, before.train);
  });

  it('with train_batch_size stated and no accumulation, only the micro-batch changes (DeepSpeed derives it)', () => {
    const text = fixture('ds_config_zero2.json').replace('  "gradient_accumulation_steps": 8,\n', '');
    const { edit: e, text: edited } = edit(text, 'micro-batch-half');
    assert.equal(e.replacements.length, 1);
    assert.match(e.label, /^train_micro_batch_size_per_gpu: 2 \(train_batch_size stays/);
    assert.equal(
      edited,
      text.replace('"train_micro_batch_size_per_gpu": 4,', '"train_micro_batch_size_per_gpu": 2,'),
    );
    assert.deepEqual(deepspeedBatch(JSON.parse(edited), 8), { train: 256, micro: 2, accum: 16 });
  });

  it('with neither train_batch_size nor the accumulation, the accumulation is inserted beside the micro-batch', () => {
    const text = fixture('ds_config_zero2.json')
      .replace('  "train_batch_size": 256,\n', '')
      .replace('  "gradient_accumulation_steps": 8,\n', '');
    const before = deepspeedBatch(JSON.parse(text), 8);
    const { text: edited } = edit(text, 'micro-batch-half');
    assert.equal(
      edited,
      text.replace(
        '  "train_micro_batch_size_per_gpu": 4,\n',
        '  "gradient_accumulation_steps": 2,\n  "train_micro_batch_size_per_gpu": 2,\n',
      ),
    );
    assert.equal(deepspeedBatch(JSON.parse(edited), 8).train, before.train);
    // Accumulation 1 cannot be halved: no doubling.
    assert.ok(!editsOf(text).some((x) => x.kind === 'micro-batch-double'));
  });

  it('a missing zero_optimization, or a missing stage in it, is inserted (stage 1)', () => {
    const base = fixture('ds_config_zero2.json');
    const start = base.indexOf('  "zero_optimization"');
    const end = base.indexOf('  },\n', start) + '  },\n'.length;
    const without = base.slice(0, start) + base.slice(end);
    assert.ok(!/zero_optimization/.test(without));
    const a = edit(without, 'shard-up');
    assert.equal(a.edit.label, 'zero_optimization: {"stage": 1}');
    assert.equal(
      a.text,
      without.replace(
        '  "train_micro_batch_size_per_gpu": 4,\n',
        '  "zero_optimization": {"stage": 1},\n  "train_micro_batch_size_per_gpu": 4,\n',
      ),
    );
    assert.equal(readLayout('deepspeed', a.text)!.sharding, 'zero1');
    const noStage = base.replace('    "stage": 2,\n', '');
    const b = edit(noStage, 'shard-up');
    assert.equal(
      b.text,
      noStage.replace('"zero_optimization": {\n', '"zero_optimization": {\n    "stage": 1,\n'),
    );
    assert.equal(readLayout('deepspeed', b.text)!.sharding, 'zero1');
    // An empty object gets the sole entry.
    const empty = without.replace('  "bf16"', '  "zero_optimization": {},\n  "bf16"');
    assert.match(edit(empty, 'shard-up').text, /"zero_optimization": \{"stage": 1\},/);
  });

  it('not edited: a boolean zero_optimization (deprecated form), "auto" batch keys, elasticity', () => {
    const base = fixture('ds_config_zero2.json');
    const legacy = base.replace(/"zero_optimization": \{[^}]*\}/, '"zero_optimization": true');
    assert.ok(!editsOf(legacy).some((x) => x.kind === 'shard-up'));
    const elastic = base.replace(
      '{\n',
      '{\n  "elasticity": {"enabled": true, "max_train_batch_size": 512},\n',
    );
    assert.ok(!editsOf(elastic).some((x) => x.kind.startsWith('micro-batch')));
    assert.ok(
      editsOf(elastic.replace('"enabled": true, "max', '"enabled": false, "max')).some(
        (x) => x.kind === 'micro-batch-half',
      ),
    );
    // The HF-integration style: every batch value "auto", stage 3 already.
    const auto = fixture('ds_config_hf_auto.json');
    assert.deepEqual(planMemoryEdits('deepspeed', auto, { ...layoutOf(auto), microBatch: 4 }), []);
  });

  it(
    'a Megatron-DeepSpeed template with placeholders (MBSIZE, ZERO_STAGE) gets no edit',
    { skip: SHARED_SKIP },
    () => {
      const text = readFileSync(
        join(
          SHARED_DIR,
          'configs-b',
          'megatron-deepspeed',
          'examples_deepspeed',
          'rebase',
          'ds_config_gpt_TEMPLATE.json',
        ),
        'utf8',
      );
      assert.match(text, /"train_micro_batch_size_per_gpu": MBSIZE/);
      assert.deepEqual(planMemoryEdits('deepspeed', text, { ...layoutOf(text), microBatch: 4 }), []);
    },
  );

  it('a real config with only train_batch_size (tests/torch_compile/ds_config_z2.json): stage up, no micro-batch edit', () => {
    const text = fixture('schedule', 'torch_compile_ds_config_z2.json');
    assert.deepEqual(
      editsOf(text).map((x) => x.label),
      ['zero_optimization.stage: 3'],
    );
  });
});
