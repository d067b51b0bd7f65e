/** The one lookup/reject policy every reader follows (src/core/config/readerPolicy.ts). */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UnusableValues,
  asBool,
  asIntAtLeast,
  asPositiveInt,
  asDigitsInt,
  asTypedBool,
  asTypedIntAtLeast,
  epochsOverDataset,
  padVocab,
  headWidth,
  neverThrowing,
  typeWritten,
} from '../../src/core/config/readerPolicy';
import type { FrameworkReader } from '../../src/core/config/reader';
import { readRunConfig } from '../../src/core/config/registry';
import { readHardwareHints } from '../../src/core/config/hardwareHints';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { diskReadFile, fixtureDirs } from '../helpers';
import type { RunSpec } from '../../src/core/types';

const where = {
  key: 'n_layers',
  raw: 'four',
  valueRange: { start: { line: 3, character: 10 }, end: { line: 3, character: 14 } },
};

test('a written value is absent, a value, or rejected with one diagnostic code per cause', () => {
  assert.deepEqual(typeWritten(null, asPositiveInt, 'a positive integer', where), { kind: 'absent' });
  assert.deepEqual(typeWritten('1_024', asPositiveInt, 'a positive integer', where), {
    kind: 'value',
    value: 1024,
  });
  const word = typeWritten('four', asPositiveInt, 'a positive integer', where);
  assert.equal(word.kind, 'rejected');
  if (word.kind === 'rejected') {
    assert.equal(word.diagnostic.code, 'invalid-value');
    assert.equal(word.diagnostic.message, '`n_layers` should be a positive integer, got `four`.');
    assert.deepEqual(word.diagnostic.range, where.valueRange);
  }
  const interpolation = typeWritten('${model.n_layers}', asPositiveInt, 'a positive integer', {
    ...where,
    raw: '${model.n_layers}',
  });
  assert.equal(
    interpolation.kind === 'rejected' && interpolation.diagnostic.code,
    'interpolation-unresolved',
  );
});

test('integers are exact: fractions, non-positive values and counts beyond 2^53 are refused', () => {
  assert.equal(asPositiveInt(1.5), undefined);
  assert.equal(asPositiveInt(0), undefined);
  assert.equal(asPositiveInt(2 ** 53), undefined);
  assert.equal(asPositiveInt('2e3'), 2000);
  assert.equal(asIntAtLeast(0, 0), 0);
  assert.equal(asIntAtLeast(-1, 0), undefined);
  // Typed formats keep their types: a quoted number is a string (transformers, torchtitan refuse it).
  assert.equal(asTypedIntAtLeast('32', 1), undefined);
  assert.equal(asTypedIntAtLeast(32, 1), 32);
  assert.equal(asBool('False'), false);
  assert.equal(asBool('no'), undefined);
});

test('head width: hidden / heads when whole, otherwise the message (never a rounded width)', () => {
  assert.deepEqual(headWidth(4096, 32, ['hidden_size', 'num_attention_heads']), { headDim: 128 });
  assert.deepEqual(headWidth(1000, 3, ['d_model', 'n_heads']), {
    message: 'd_model 1000 is not divisible by n_heads 3.',
  });
});

test('epochs × dataset size only with a positive finite dataset size and epoch count', () => {
  assert.deepEqual(epochsOverDataset(2, 1_000_000), {
    tokens: 2_000_000,
    formula: '2 epochs × 1,000,000 dataset tokens (from settings)',
  });
  assert.equal(epochsOverDataset(2, undefined), undefined);
  assert.equal(epochsOverDataset(2, 0), undefined);
  assert.equal(epochsOverDataset(-1, 1e9), undefined);
  assert.equal(epochsOverDataset(2, Infinity), undefined);
});

test('a rejected value makes its part of the spec unknown, with the diagnostic on the value', () => {
  const spec = {
    framework: 'olmo',
    architecture: { nLayers: 2 },
    training: { tokens: 100, formula: '1 × 100' },
    diagnostics: [],
  } as unknown as RunSpec;
  const unusable = new UnusableValues();
  unusable.phase = 'training';
  unusable.note({ key: 'max_duration', range: where.valueRange });
  const pushed: string[] = [];
  unusable.finish(spec, (d) => pushed.push(d.code));
  assert.ok(spec.architecture, 'only the training part was poisoned');
  assert.equal(spec.training.tokens, undefined);
  assert.equal(spec.training.formula, undefined);
  assert.deepEqual(spec.training.missing, ['a usable `max_duration`']);
  assert.deepEqual(pushed, ['tokens-unknown']);
});

test('neverThrowing turns a throwing detect into 0 and a throwing read into reader-failed', () => {
  const throwing: FrameworkReader<'olmo'> = {
    id: 'olmo',
    label: 'OLMo',
    detect: () => {
      throw new Error('detector bug');
    },
    read: () => {
      throw new Error('reader bug');
    },
  };
  const broken = neverThrowing(throwing);
  assert.equal(broken.detect('x', undefined), 0);
  const result = broken.read('x', {});
  assert.equal(result.kind, 'unreadable');
  if (result.kind === 'unreadable') {
    assert.equal(result.diagnostics[0]!.code, 'reader-failed');
    assert.equal(result.diagnostics[0]!.message, 'Scaling Lens could not read this OLMo config: reader bug');
  }
});

test('padVocab is Megatron-LM vocab_size_with_padding (NVIDIA/Megatron-LM@d98e8a64 build_tokenizer.py)', () => {
  // Megatron-LM tests/unit_tests/test_training.py test_closed_formula_vocab_size_with_padding: the
  // closed formula equals incrementing until divisible, for vocab in range(1, 600000, 1000) and
  // multiples 1, 17, 32, 64, 128 (TP 1); here also with TP 2 and 8.
  const oldRoundImpl = (after: number, multiple: number) => {
    while (after % multiple !== 0) after += 1;
    return after;
  };
  for (let vocab = 1; vocab < 600_000; vocab += 1000) {
    for (const mult of [1, 17, 32, 64, 128]) {
      for (const tp of [1, 2, 8]) {
        assert.equal(
          padVocab(vocab, mult, tp).rows,
          oldRoundImpl(vocab, mult * tp),
          `${vocab} ${mult} ${tp}`,
        );
      }
    }
  }
  // GPT-2's 50257 tokens: 50304 rows at TP 1, 50432 at TP 2, 51200 at TP 8 (Megatron's log line
  // "padded vocab (size: 50257) with 47 dummy tokens (new size: 50304)").
  assert.deepEqual(padVocab(50257, 128, 1, { tpName: 'TP' }), {
    rows: 50304,
    note: 'vocab 50257 padded to a multiple of 128 × TP 1 = 128: 50304 rows',
  });
  assert.equal(padVocab(50257, 128, 2).rows, 50432);
  assert.equal(padVocab(50257, 128, 8).rows, 51200);
  assert.deepEqual(padVocab(50304, 128, 1), { rows: 50304 }, 'already a multiple: no note');
  assert.deepEqual(padVocab(50257, 0, 1), { rows: 50257 }, 'no multiple: the size as written');
});

test('every padding reader pads through padVocab, in one wording, to the rows it counts', () => {
  const pattern =
    /^(?:vocab|vocab_size) (\d+)(?: \(.*\))? padded to a multiple of (\d+)(?: × \S+ (\d+) = (\d+))?: (\d+) rows$/;
  const seen = new Set<string>();
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
  for (const { name, dir } of fixtureDirs()) {
    if (!['gpt-neox', 'megatron', 'nanotron', 'nemo', 'hf-config'].includes(name)) continue;
    for (const path of files(dir)) {
      const result = readRunConfig(readFileSync(path, 'utf8'), { path, readFile: diskReadFile });
      if (result.kind !== 'run-config' || !result.spec.architecture) continue;
      for (const assumption of result.spec.assumptions.filter((a) => / padded /.test(a))) {
        const m = pattern.exec(assumption);
        assert.ok(m, `${path}: not the shared wording: ${assumption}`);
        const [size, divisibleBy, tp, multiple, rows] = [m[1], m[2], m[3] ?? '1', m[4] ?? m[2], m[5]].map(
          Number,
        );
        assert.equal(multiple, divisibleBy * tp, assumption);
        assert.equal(rows, Math.ceil(size / multiple) * multiple, assumption);
        assert.equal(result.spec.architecture.vocabSize, rows, `${path}: counts the padded rows`);
        seen.add(result.spec.framework);
      }
    }
  }
  // nanotron's fixtures keep make_vocab_size_divisible_by 1: pad its tiny Llama (128256 tokens, tp 2) to 256.
  const nanotronPath = join(fixtureDirs().find((d) => d.name === 'nanotron')!.dir, 'config_tiny_llama.yaml');
  const nanotronText = readFileSync(nanotronPath, 'utf8').replace(
    'make_vocab_size_divisible_by: 1',
    'make_vocab_size_divisible_by: 256',
  );
  const nanotron = readRunConfig(nanotronText, { path: nanotronPath, readFile: diskReadFile });
  assert.ok(nanotron.kind === 'run-config' && nanotron.spec.architecture);
  assert.equal(nanotron.spec.architecture.vocabSize, 128512, '128256 → multiple of 256 × tp 2 = 512');
  assert.ok(
    nanotron.spec.assumptions.includes(
      'vocab_size 128256 padded to a multiple of 256 × tp 2 = 512: 128512 rows',
    ),
  );
  for (const framework of ['gpt-neox', 'megatron', 'nemo']) assert.ok(seen.has(framework), framework);
});

test('typed formats keep their types; launcher counts are digits only', () => {
  assert.equal(asTypedBool(true), true);
  assert.equal(asTypedBool('true'), undefined, 'a JSON string is not a boolean');
  assert.equal(asDigitsInt('8'), 8);
  assert.equal(asDigitsInt(' 16 '), 16);
  for (const text of ['2-4', '8.0', '1e3', '-8', '$NNODES', '', '0', '9007199254740993', undefined])
    assert.equal(asDigitsInt(text), undefined, String(text));
  assert.equal(asDigitsInt('0', 0), 0);
});

test('JSON (HF config.json) and Python (nanoGPT) readers word a rejected value as every reader does', () => {
  const hfText = '{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": "32"}';
  const hf = readRunConfig(hfText, { path: 'config.json' });
  assert.equal(hf.kind, 'run-config');
  if (hf.kind !== 'run-config') return;
  assert.equal(hf.spec.architecture, undefined);
  const hfInvalid = hf.spec.diagnostics.find((d) => d.code === 'invalid-value');
  assert.equal(hfInvalid?.message, '`num_hidden_layers` should be a positive integer, got `"32"`.');
  assert.equal(hfInvalid?.severity, 'warning');

  const nanoText =
    "n_layer = 'four'\nn_head = 12\nn_embd = 768\nbatch_size = 12\nblock_size = 1024\nmax_iters = 600000\ngradient_accumulation_steps = 40\n";
  const nano = readRunConfig(nanoText, { path: 'config/train_gpt2.py' });
  assert.equal(nano.kind, 'run-config');
  if (nano.kind !== 'run-config') return;
  assert.equal(nano.spec.framework, 'nanogpt');
  assert.equal(nano.spec.architecture, undefined, "train.py's default would not be what runs");
  const nanoInvalid = nano.spec.diagnostics.find((d) => d.code === 'invalid-value');
  assert.equal(nanoInvalid?.message, "`n_layer` should be a positive integer, got `'four'`.");
  assert.equal(nanoInvalid?.severity, 'warning');
});

test('a slurm node count that is not a count leaves the GPU count unknown, never one node', () => {
  for (const nodes of ['2-4', '0', '$NNODES', '99999999999999999999']) {
    const hints = readHardwareHints(
      `#!/bin/bash\n#SBATCH --nodes=${nodes}\n#SBATCH --ntasks-per-node=8\ntorch.py\n`,
    );
    assert.equal(hints.gpus, undefined, nodes);
    assert.ok(
      hints.notes.some((note) => note.includes(`--nodes=${nodes}`) && /GPU count is not known/.test(note)),
      nodes,
    );
  }
  // The last --nodes is the one slurm takes; a count there is used (8 × 2 = 16).
  const last = readHardwareHints('#SBATCH --nodes=2-4\n#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=8\n');
  assert.equal(last.gpus?.count, 16);
});
