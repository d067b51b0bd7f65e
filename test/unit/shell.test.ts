import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastFlag, parseShell } from '../../src/core/config/shell';

/** The expanded first value of the last occurrence of a flag. */
function flagValue(text: string, name: string): string | undefined {
  return lastFlag(parseShell(text), [name])?.values[0]?.text;
}

describe('shell reader', () => {
  it('lets the last uncommented assignment win and ignores commented-out alternatives', () => {
    const script = parseShell(
      [
        'num_layers=12',
        '# num_layers=24',
        'num_layers=32',
        '## num_layers=96',
        'ARGS="--num-layers ${num_layers}"',
      ].join('\n'),
    );
    assert.equal(script.variables.get('num_layers')?.value, '32');
    assert.equal(lastFlag(script, ['--num-layers'])?.values[0]?.text, '32');
  });

  it('expands $VAR, ${VAR}, ${VAR:-default} and positional defaults', () => {
    const text = [
      'A=7',
      'B=${A}0',
      'C=${UNSET_IN_SCRIPT:-"42"}',
      'D=${1:-"checkpoints/x"}',
      'E=$2',
      'torchrun pretrain_gpt.py --a $A --b ${B} --c $C --d "$D" --e $E',
    ].join('\n');
    assert.equal(flagValue(text, '--a'), '7');
    assert.equal(flagValue(text, '--b'), '70');
    assert.equal(flagValue(text, '--c'), '42');
    assert.equal(flagValue(text, '--d'), 'checkpoints/x');
    assert.equal(flagValue(text, '--e'), undefined, 'a positional argument is unknowable');
  });

  it('evaluates $(( )) arithmetic with integer division and bare variable names', () => {
    const script = parseShell(
      [
        'seq_len=2048',
        'train_tokens=$((300 * 1000000000))',
        'train_samples=$(( 300 * 1000000000 * 2 / ${seq_len} ))',
        'half=$(( seq_len / 3 ))',
        'gpus=$(($(nvidia-smi -L | wc -l) - 2))',
      ].join('\n'),
    );
    assert.equal(script.variables.get('train_tokens')?.value, '300000000000');
    assert.equal(script.variables.get('train_samples')?.value, '292968750');
    assert.equal(script.variables.get('half')?.value, '682');
    assert.equal(script.variables.get('gpus')?.value, undefined, 'command substitution is never run');
  });

  it('reads flags from quoted multi-line strings with backslash continuations', () => {
    const text =
      'GPT_ARGS="\n    --num-layers 24 \\\n    --hidden-size 1024 \\\n    --fp16\n"\ntorchrun pretrain_gpt.py $GPT_ARGS';
    const script = parseShell(text);
    assert.deepEqual(
      script.flags.map((f) => [f.name, f.values.map((v) => v.text)]),
      [
        ['--num-layers', ['24']],
        ['--hidden-size', ['1024']],
        ['--fp16', []],
      ],
    );
  });

  it('reads bash arrays with inline comments, quoted elements and += appends', () => {
    const text = [
      'MODEL_ARGS=(',
      '    --num-layers 32',
      '    --attention-backend auto # Can use (flash/fused/unfused/local)',
      '    # --pipeline-model-parallel-size 4',
      ')',
      'EXTRA=()',
      'EXTRA+=(',
      '    "--vocab-size 128256"',
      ')',
      'MODEL_ARGS+=("${EXTRA[@]}")',
    ].join('\n');
    const script = parseShell(text);
    assert.deepEqual(
      script.flags.map((f) => [f.name, f.values.map((v) => v.text)]),
      [
        ['--num-layers', ['32']],
        ['--attention-backend', ['auto']],
        ['--vocab-size', ['128256']],
      ],
    );
    assert.equal(
      script.variables.get('MODEL_ARGS')?.value,
      '--num-layers 32 --attention-backend auto --vocab-size 128256',
    );
  });

  it('keeps placeholders like <Specify path> as values instead of failing', () => {
    const text =
      'CHECKPOINT_PATH=<Specify path>\nVOCAB_FILE=<Specify path to file>/gpt2-vocab.json\nX="--vocab-file $VOCAB_FILE"';
    assert.equal(flagValue(text, '--vocab-file'), '<Specify');
    assert.equal(parseShell(text).diagnostics.length, 0);
  });

  it('skips here-document bodies', () => {
    const text = [
      'cat <<EOT > $DS_CONFIG',
      '{',
      '  "train_batch_size" : 8, "--num-layers": 3',
      '}',
      'EOT',
      'A=1',
    ].join('\n');
    const script = parseShell(text);
    assert.equal(script.flags.length, 0);
    assert.equal(script.variables.get('A')?.value, '1');
  });

  it('skips branches whose condition is decidable and false, keeps unknown ones', () => {
    const text = [
      'activation_checkpoint="false"',
      'LOG_TO_WANDB=0',
      'ds_args=""',
      'if [ "${activation_checkpoint}" = "true" ]; then',
      '  ds_args="--checkpoint-activations ${ds_args}"',
      'fi',
      'if [ $LOG_TO_WANDB -eq 1 ]',
      'then',
      '  WANDB="--wandb-project p"',
      'else',
      '  WANDB="--no-wandb"',
      'fi',
      'if [ -n "${SLURM_JOB_ID}" ]; then X="--from-slurm"; fi',
    ].join('\n');
    const names = parseShell(text).flags.map((f) => f.name);
    assert.deepEqual(names, ['--no-wandb', '--from-slurm']);
  });

  it('records the source range of each flag token and of its value', () => {
    const text = 'NUM_LAYERS=32\nARGS=(\n    --num-layers $NUM_LAYERS\n    --hidden-size 4096\n)';
    const script = parseShell(text);
    const layers = lastFlag(script, ['--num-layers'])!;
    assert.equal(text.slice(layers.start, layers.end), '--num-layers');
    assert.equal(text.slice(layers.values[0].start, layers.values[0].end), '$NUM_LAYERS');
    assert.equal(text.slice(layers.values[0].origin!.start, layers.values[0].origin!.end), '32');
    const hidden = lastFlag(script, ['--hidden-size'])!;
    assert.deepEqual(script.lines.range(hidden.start, hidden.end), {
      start: { line: 3, character: 4 },
      end: { line: 3, character: 17 },
    });
    assert.equal(text.slice(hidden.values[0].start, hidden.values[0].end), '4096');
  });

  it('splits --flag=value and stops values at the next flag or an expansion that yields flags', () => {
    const text =
      'OTHER="--bf16"\ncmd --zero-stage=$Z --deepspeed_config=ds.json --num-key-value-heads 4 $OTHER --x';
    const script = parseShell(text);
    assert.equal(lastFlag(script, ['--deepspeed_config'])?.values[0]?.text, 'ds.json');
    assert.equal(lastFlag(script, ['--zero-stage'])?.values[0]?.text, undefined);
    assert.deepEqual(
      lastFlag(script, ['--num-key-value-heads'])?.values.map((v) => v.text),
      ['4'],
    );
  });

  it('reports unterminated quotes and arrays as diagnostics without throwing', () => {
    for (const text of [
      'A="--num-layers 2 \\\n --x',
      'ARGS=(\n --num-layers 2\n',
      'X=${A:-',
      'Y=$((1 +',
      "Z='abc",
      'cat <<EOF\nbody',
    ]) {
      const script = parseShell(text);
      assert.ok(script.diagnostics.length >= 1, `expected a diagnostic for ${JSON.stringify(text)}`);
      assert.ok(script.diagnostics.every((d) => d.code === 'shell-syntax'));
    }
  });
  it('skips comment lines inside a quoted argument string, whatever quotes or backticks they hold', () => {
    for (const comment of ['# `', '  # "unbalanced', "# it's", '# $(date', '# ${X', '# `date` "']) {
      const text = `GPT_ARGS="\n    --num-layers 24 \\\n${comment}\n    --hidden-size 1024\n"\ntorchrun pretrain_gpt.py $GPT_ARGS`;
      const script = parseShell(text);
      assert.deepEqual(
        script.flags.map((f) => [f.name, f.values.map((v) => v.text)]),
        [
          ['--num-layers', ['24']],
          ['--hidden-size', ['1024']],
        ],
        comment,
      );
      assert.deepEqual(script.diagnostics, [], comment);
    }
  });

  it('confines an unbalanced quote, backtick or $( in a half-typed line to that line', () => {
    for (const broken of ['STAMP=`date', 'NOTE="half typed', "NOTE='half typed", 'GPUS=$(nvidia-smi -L']) {
      const text = ['A=2', broken, 'B=3', 'torchrun pretrain_gpt.py --num-layers $A --hidden-size $B'].join(
        '\n',
      );
      const script = parseShell(text);
      assert.equal(script.variables.get('B')?.value, '3', broken);
      assert.equal(lastFlag(script, ['--num-layers'])?.values[0]?.text, '2', broken);
      assert.equal(lastFlag(script, ['--hidden-size'])?.values[0]?.text, '3', broken);
      assert.equal(script.diagnostics.length, 1, broken);
      assert.equal(script.diagnostics[0].range?.start.line, 1, broken);
    }
  });

  it('pairs a backtick with a later one only on the same line', () => {
    const text = 'X=`echo a` Y=1\nZ=`half\nW="--num-layers 4 `date`"';
    const script = parseShell(text);
    assert.equal(script.variables.get('Y')?.value, '1');
    assert.equal(lastFlag(script, ['--num-layers'])?.values[0]?.text, '4');
  });

  it('replays a sourced file in place, placing its flags at the `source` line', () => {
    const files: Record<string, string> = {
      '/runs/models/small.sh': 'LAYERS=12\nMODEL_ARGS=(\n  --num-layers ${LAYERS}\n  --hidden-size 768\n)\n',
    };
    const text = [
      '#!/bin/bash',
      'source models/small.sh',
      'torchrun train.py "${MODEL_ARGS[@]}" --seq-length $LAYERS',
    ].join('\n');
    const script = parseShell(text, { path: '/runs/launch.sh', readFile: (path) => files[path] });
    const layers = lastFlag(script, ['--num-layers'])!;
    assert.equal(layers.values[0].text, '12');
    assert.equal(layers.file, '/runs/models/small.sh');
    // Offsets point at `source models/small.sh` in the analyzed script.
    assert.equal(text.slice(layers.start, layers.end), 'source models/small.sh');
    // A variable the fragment sets is known afterwards; the array expansion adds no second copy.
    assert.equal(lastFlag(script, ['--seq-length'])?.values[0]?.text, '12');
    assert.equal(script.flags.filter((flag) => flag.name === '--num-layers').length, 1);
  });

  it('resolves the script\'s own directory through $(dirname "$0") and BASH_SOURCE', () => {
    const files: Record<string, string> = { '/a/b/m.sh': 'X=(--hidden-size 64)\n' };
    for (const line of [
      'DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" &>/dev/null && pwd)"; source "${DIR}/m.sh"',
      'source $(dirname $0)/m.sh',
      '. "$(dirname "$(readlink -f "$0")")/m.sh"',
    ]) {
      const script = parseShell(line, { path: '/a/b/run.sh', readFile: (path) => files[path] });
      assert.equal(lastFlag(script, ['--hidden-size'])?.values[0]?.text, '64', line);
    }
  });

  it('diagnoses a source it cannot resolve or read, and never loops on a self-source', () => {
    const unknown = parseShell('source "$CONFIG"', { path: '/a/run.sh', readFile: () => '' });
    assert.ok(unknown.diagnostics.some((d) => d.code === 'unresolved-source'));
    const missing = parseShell('source ./nope.sh', { path: '/a/run.sh', readFile: () => undefined });
    assert.ok(
      missing.diagnostics.some((d) => d.code === 'unresolved-source' && /\/a\/nope\.sh/.test(d.message)),
    );
    const self = parseShell('source ./run.sh\nX=(--num-layers 2)', {
      path: '/a/run.sh',
      readFile: () => 'source ./run.sh\nX=(--num-layers 2)',
    });
    assert.equal(self.flags.filter((flag) => flag.name === '--num-layers').length, 1);
    // Without a readFile the command is skipped silently (the reader was not given file access).
    assert.deepEqual(parseShell('source ./x.sh').diagnostics, []);
  });

  it('splits an argument string that closes and reopens around a nested quoted value', () => {
    const text =
      'OPTS="\\\n  --num-layers 28 \\\n  --tokenizer-model "org/Model-7B" \\\n  --hidden-size 3584 "\ntorchrun x.py $OPTS';
    const script = parseShell(text);
    assert.deepEqual(
      script.flags.map((f) => [f.name, f.values.map((v) => v.text)]),
      [
        ['--num-layers', ['28']],
        ['--tokenizer-model', ['org/Model-7B']],
        ['--hidden-size', ['3584']],
      ],
    );
  });
});
