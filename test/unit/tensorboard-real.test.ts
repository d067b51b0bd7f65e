/**
 * The framework tag table (src/core/logs/tensorboard.ts TENSORBOARD_TAG_SETS) on real LLM-training
 * event files (shared/data/tensorboard_llm/README.md: Megatron-LM, torchtitan, HF Trainer + TRL),
 * and the partial-record rule on each: a file cut at any byte of its last record never yields a
 * point from that record.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  newTensorBoardCarry,
  parseTensorBoardEvents,
  tensorBoardLossPoints,
} from '../../src/core/logs/tensorboard';
import { REAL_TB_DIR, REAL_TB_SKIP, recordStarts } from './tensorboard-support';

const read = (name: string) => new Uint8Array(readFileSync(join(REAL_TB_DIR, name)));
const f32 = Math.fround;

test(
  'tensorboard tags: Megatron-LM `lm loss` is the training loss at the iteration; the test-set loss written under `lm loss validation` is not taken as a second validation',
  { skip: REAL_TB_SKIP },
  () => {
    const parsed = parseTensorBoardEvents(read('megatron-lm-deepseek-mtp.tfevents'));
    assert.deepEqual(parsed.errors, []);
    const vals = parsed.scalars.filter((s) => s.tag === 'lm loss validation');
    assert.equal(vals.length, 3); // in-training eval, final validation, test set — all at iteration 1
    const r = tensorBoardLossPoints(parsed);
    assert.equal(r.framework, 'Megatron-LM');
    assert.equal(r.error, undefined);
    const train = r.points.filter((p) => p.split === 'train');
    const val = r.points.filter((p) => p.split === 'val');
    assert.deepEqual(
      train.map((p) => [p.step, p.loss]),
      [[1, f32(10.424232482910156)]],
    );
    // `mtp_1 loss` and `lm loss vs samples` (step = samples) are not the training loss.
    assert.equal(train[0].loss, parsed.scalars.find((s) => s.tag === 'lm loss')!.value);
    assert.deepEqual(
      val.map((p) => [p.step, p.loss]),
      [[1, vals[0].value]],
    );
    assert.match(r.notes.join(' '), /logged twice at one step.*first value kept/);
  },
);

test(
  'tensorboard tags: torchtitan `loss_metrics/global_avg_loss` (not the max over ranks) at steps 1–10',
  { skip: REAL_TB_SKIP },
  () => {
    const parsed = parseTensorBoardEvents(read('torchtitan-debugmodel.tfevents'));
    const r = tensorBoardLossPoints(parsed);
    assert.equal(r.framework, 'torchtitan');
    assert.deepEqual(
      r.points.map((p) => p.step),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    const max = new Map(
      parsed.scalars.filter((s) => s.tag === 'loss_metrics/global_max_loss').map((s) => [s.step, s.value]),
    );
    for (const p of r.points) {
      assert.equal(p.split, 'train');
      assert.ok(max.get(p.step)! >= p.loss, `step ${p.step}: max over ranks ≥ the average`);
    }
    assert.equal(r.points[0].loss, f32(8.22314739227295));
    assert.equal(r.points[9].loss, f32(7.137195110321045));
  },
);

test(
  'tensorboard tags: HF Trainer (TRL SFT) `train/loss` with its step tokens and LR; `train/train_loss` (the run mean) is no checkpoint but checks the points',
  { skip: REAL_TB_SKIP },
  () => {
    const parsed = parseTensorBoardEvents(read('trl-sft-llama-train.tfevents'));
    const r = tensorBoardLossPoints(parsed);
    assert.equal(r.framework, 'Hugging Face Trainer');
    const pts = r.points;
    assert.equal(pts.length, 270);
    pts.forEach((p, i) => {
      assert.equal(p.step, 25 * (i + 1));
      assert.equal(p.split, 'train');
      // Every point carries the TRL token count logged at its own step.
      const tokens = parsed.scalars.find((s) => s.tag === 'train/num_tokens' && s.step === p.step)!.value;
      assert.equal(p.tokens, tokens);
      assert.equal(p.lr, f32(2e-4));
    });
    assert.equal(pts[0].tokens, 102400);
    // Independent record: the Trainer's mean loss over all 6765 steps vs the step-weighted mean of
    // the logged (4-decimal) losses over the 6750 steps they cover.
    const trainLoss = parsed.scalars.find((s) => s.tag === 'train/train_loss')!;
    assert.equal(trainLoss.step, 6765);
    let sum = 0;
    let prev = 0;
    for (const p of pts) {
      sum += p.loss * (p.step - prev);
      prev = p.step;
    }
    assert.ok(Math.abs(sum / prev / trainLoss.value - 1) < 1e-3, `${sum / prev} vs ${trainLoss.value}`);
    assert.ok(!pts.some((p) => p.step === 6765), 'the end-of-run summary is not a checkpoint');

    const evalFile = tensorBoardLossPoints(parseTensorBoardEvents(read('trl-sft-llama-eval.tfevents')));
    assert.deepEqual(
      evalFile.points.map((p) => [p.split, p.step, p.loss, p.tokens]),
      [['val', 6765, f32(0.05199454352259636), 29167616]],
    );
  },
);

test(
  'tensorboard: each real LLM file cut at every byte of its last record gives exactly the records before it; fed in two reads, the same points',
  { skip: REAL_TB_SKIP },
  () => {
    for (const name of [
      'megatron-lm-deepseek-mtp.tfevents',
      'torchtitan-debugmodel.tfevents',
      'trl-sft-llama-train.tfevents',
    ]) {
      const bytes = read(name);
      const starts = recordStarts(bytes);
      const lastStart = starts[starts.length - 1];
      const whole = parseTensorBoardEvents(bytes);
      assert.equal(whole.consumed, bytes.length, name);
      const before = parseTensorBoardEvents(bytes.subarray(0, lastStart));
      const wholePoints = tensorBoardLossPoints(whole).points;
      for (let cut = lastStart; cut < bytes.length; cut++) {
        const part = parseTensorBoardEvents(bytes.subarray(0, cut));
        assert.deepEqual(part.errors, [], `${name} cut at ${cut}`);
        assert.equal(part.consumed, lastStart, `${name} cut at ${cut}`);
        assert.equal(part.scalars.length, before.scalars.length, `${name} cut at ${cut}`);
        if (cut - lastStart >= 12) assert.equal(part.partialRecordBytes, bytes.length - lastStart);
      }
      // Incremental: first the file up to a cut inside a record, then the rest from `consumed`.
      for (const cut of [starts[Math.floor(starts.length / 2)] + 5, bytes.length - 3]) {
        const carry = newTensorBoardCarry();
        const a = parseTensorBoardEvents(bytes.subarray(0, cut));
        const first = tensorBoardLossPoints(a, carry, false).points;
        const second = tensorBoardLossPoints(parseTensorBoardEvents(bytes, a.consumed), carry, false).points;
        // A later copy of a step (its tokens arrived) replaces the earlier one, as the tail does.
        const byStep = new Map<string, (typeof first)[number]>();
        for (const p of [...first, ...second]) byStep.set(`${p.split}:${p.step}`, p);
        const norm = (ps: typeof first) => ps.map(({ line: _line, ...rest }) => rest);
        assert.deepEqual(norm([...byStep.values()]), norm(wholePoints), `${name} split at ${cut}`);
      }
    }
  },
);
