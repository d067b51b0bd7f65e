import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readRunConfig } from '../../src/core/config/registry';
import { LineIndex } from '../../src/core/config/text';
import { durationEditForTokens, lrScheduleCompanionEdits } from '../../src/core/edits';
import { applyPlan, durationFix } from '../../src/core/plan/applyPlan';
import { REPO_ROOT } from '../helpers';

const NANOGPT = `n_layer = 12
n_head = 12
n_embd = 768
batch_size = 12
block_size = 1024
gradient_accumulation_steps = 40
max_iters = 60000
lr_decay_iters = 60000 # make equal to max_iters usually
warmup_iters = 2000
`;

function apply(
  text: string,
  edits: {
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    newText: string;
  }[],
): string {
  const lines = new LineIndex(text);
  const sorted = [...edits].sort((a, b) => lines.offsetAt(b.range.start) - lines.offsetAt(a.range.start));
  let out = text;
  for (const e of sorted)
    out = out.slice(0, lines.offsetAt(e.range.start)) + e.newText + out.slice(lines.offsetAt(e.range.end));
  return out;
}

test('an LR decay horizon equal to the run length follows a duration edit, comment kept', () => {
  const result = readRunConfig(NANOGPT, { path: 'train.py' });
  assert.equal(result.kind, 'run-config');
  if (result.kind !== 'run-config') return;
  const source = result.spec.trainingSources.duration!;
  const edit = durationEditForTokens(source, result.spec.training.durationUnit!, 491_520 * 5000);
  assert.ok(edit.ok);
  if (!edit.ok) return;
  const lines = new LineIndex(NANOGPT);
  const companions = lrScheduleCompanionEdits(NANOGPT, source, edit.value.edit.newText, (o) =>
    lines.positionAt(o),
  );
  assert.deepEqual(
    companions.map((c) => [c.key, c.newText]),
    [['lr_decay_iters', '5000']],
  );
  const edited = apply(NANOGPT, [edit.value.edit, ...companions]);
  assert.match(edited, /^max_iters = 5000$/m);
  assert.match(edited, /^lr_decay_iters = 5000 # make equal to max_iters usually$/m);
  assert.match(edited, /^warmup_iters = 2000$/m);
});

test('an LR decay horizon that differs from the run length is left alone', () => {
  const text = NANOGPT.replace('lr_decay_iters = 60000', 'lr_decay_iters = 50000');
  const result = readRunConfig(text, { path: 'train.py' });
  if (result.kind !== 'run-config') throw new Error('not read');
  const lines = new LineIndex(text);
  assert.deepEqual(
    lrScheduleCompanionEdits(text, result.spec.trainingSources.duration!, '5000', (o) => lines.positionAt(o)),
    [],
  );
});

test('Megatron flags: --lr-decay-iters equal to --train-iters follows it', () => {
  const text = `GPT_ARGS="--num-layers 24 --hidden-size 1024 --num-attention-heads 16 --seq-length 1024 \\
  --max-position-embeddings 1024 --micro-batch-size 4 --global-batch-size 8 \\
  --train-iters 500000 --lr-decay-iters 500000 --lr-warmup-fraction .01"
torchrun pretrain_gpt.py $GPT_ARGS --vocab-file gpt2-vocab.json
`;
  const result = readRunConfig(text, { path: 'pretrain_gpt.sh' });
  assert.equal(result.kind, 'run-config');
  if (result.kind !== 'run-config') return;
  const lines = new LineIndex(text);
  const companions = lrScheduleCompanionEdits(text, result.spec.trainingSources.duration!, '1000', (o) =>
    lines.positionAt(o),
  );
  assert.deepEqual(
    companions.map((c) => c.key),
    ['lr-decay-iters'],
  );
  assert.match(apply(text, companions), /--lr-decay-iters 1000 --lr-warmup-fraction/);
});

test('applying a plan to the nanoGPT example keeps lr_decay_iters tied to max_iters', () => {
  const path = `${REPO_ROOT}/examples/nanogpt/train_gpt2_124m.py`;
  const text = readFileSync(path, 'utf8');
  const read = readRunConfig(text, { path });
  if (read.kind !== 'run-config') throw new Error('not read');
  const outcome = applyPlan(text, read.spec, { tokens: 1e10 }, { path });
  const maxIters = /^max_iters = (\d+)/m.exec(outcome.text)?.[1];
  const decay = /^lr_decay_iters = (\d+)/m.exec(outcome.text)?.[1];
  assert.ok(maxIters && maxIters !== '60000', outcome.text);
  assert.equal(decay, maxIters);
});

test('a duration fix that shortens the run past its warmup scales the warmup with it (nanoGPT)', () => {
  const read = readRunConfig(NANOGPT, { path: 'train.py' });
  assert.equal(read.kind, 'run-config');
  if (read.kind !== 'run-config') return;
  const tokensPerStep = read.spec.training.tokens! / 60000;
  // 1434 steps: far shorter than the 2000-step warmup.
  const fix = durationFix(NANOGPT, read.spec, 1434 * tokensPerStep, { path: 'train.py' });
  assert.ok(fix);
  const edited = apply(NANOGPT, fix.replacements);
  assert.match(edited, /^max_iters = 1434$/m);
  assert.match(edited, /^lr_decay_iters = 1434 # make equal/m);
  // 2000 × 1434 / 60000 = 47.8 → 48: the warmup keeps its share of the run.
  assert.match(edited, /^warmup_iters = 48$/m);
  assert.ok(fix.notes.some((n) => /warmup_iters scaled to 48/.test(n)));
  // A longer run keeps its warmup.
  const longer = durationFix(NANOGPT, read.spec, 90000 * tokensPerStep, { path: 'train.py' })!;
  assert.match(apply(NANOGPT, longer.replacements), /^warmup_iters = 2000$/m);
});
