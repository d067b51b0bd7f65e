import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastFlag, parseShell } from '../../src/core/config/shell';
import { evaluateShellArithmetic, type ArithmeticScope } from '../../src/core/config/shellArithmetic';
import { slimeMoeLayerList } from '../shell-idioms';

/** A scope over a plain record, recording writes. */
function scope(values: Record<string, number>): ArithmeticScope {
  return { read: (name) => values[name], write: (name, value) => void (values[name] = value) };
}

describe('bash arithmetic (bash(1) ARITHMETIC EVALUATION)', () => {
  it('precedence, integer division toward zero, modulo, power, comparisons and logic', () => {
    const cases: [string, number][] = [
      ['1 + 2 * 3', 7],
      ['(1 + 2) * 3', 9],
      ['7 / 2', 3],
      ['-7 / 2', -3],
      ['-7 % 3', -1],
      ['2 ** 3 ** 2', 512],
      ['3 < 4 && 4 <= 4', 1],
      ['3 > 4 || !1', 0],
      ['5 == 5 ? 10 : 20', 10],
      ['010 + 0x10', 24], // octal 8 + hex 16
      ['1, 2, 3', 3],
    ];
    for (const [expression, expected] of cases)
      assert.equal(evaluateShellArithmetic(expression, scope({})), expected, expression);
  });

  it('reads and assigns variables: i++, ++i, +=, =', () => {
    const values: Record<string, number> = { i: 4, n: 10 };
    const s = scope(values);
    assert.equal(evaluateShellArithmetic('i++', s), 4);
    assert.equal(values.i, 5);
    assert.equal(evaluateShellArithmetic('++i', s), 6);
    assert.equal(evaluateShellArithmetic('n += i * 2', s), 22);
    assert.equal(evaluateShellArithmetic('m = n / 4', s), 5);
    assert.equal(values.m, 5);
  });

  it('is undefined, never NaN or a throw, for unknown names, bad syntax, division by zero and overflow', () => {
    for (const expression of ['x + 1', '1 +', '1 / 0', '5 % 0', '09', '2 ** 64', '(1', '1 & 2', '', 'a b'])
      assert.equal(evaluateShellArithmetic(expression, scope({})), undefined, expression);
  });

  it('does not evaluate the side && / || / ?: skip, as bash (its noeval): no reads, writes or errors there', () => {
    // Values bash 5.2.15 prints for `echo $(( … ))` with n=0, total=12 (x unset: bash reads 0, here it
    // is unknown, as it may come from the environment).
    const values: Record<string, number> = { n: 0, total: 12 };
    const s = scope(values);
    const cases: [string, number | undefined][] = [
      ['n != 0 && total / n > 2', 0],
      ['n == 0 || total / n > 2', 1],
      ['n ? total / n : -1', -1],
      ['n == 0 ? 7 : total / n', 7],
      ['n == 0 && x + 1', undefined], // x is evaluated here
      ['n != 0 && (1 +', undefined], // a syntax error counts even where nothing is evaluated
      ['n != 0 && 09', undefined], // so does a bad number
      ['1 || 2 ** 64', 1],
    ];
    for (const [expression, expected] of cases)
      assert.equal(evaluateShellArithmetic(expression, s), expected, expression);
    assert.equal(evaluateShellArithmetic('n && (total = 99)', s), 0);
    assert.equal(evaluateShellArithmetic('n ? (total += 1) : (n += 2)', s), 2);
    assert.deepEqual(values, { n: 2, total: 12 }); // the skipped assignments did not happen
  });
});

describe('shell loops run statically when they only compute variables', () => {
  // The idiom of THUDM/slime@624b824a scripts/models/*.sh (qwen3-30B-A3B.sh, deepseek-v3.sh, …),
  // written out here: a 0/1 list of dense and MoE layers for --moe-layer-freq.
  const layerList = (layers: string, dense: string) =>
    [
      ...slimeMoeLayerList(`"\${MODEL_ARGS_NUM_LAYERS:-${layers}}"`, dense),
      'ARGS=(--num-layers $NLAYERS --moe-layer-freq "$MOE_LAYER_FREQ")',
      'torchrun pretrain_gpt.py "${ARGS[@]}"',
    ].join('\n');

  it('builds the layer list: 3 dense then 58 MoE layers, joined by the first IFS character', () => {
    const script = parseShell(layerList('61', '3'));
    const expected = `[${[...Array(3).fill(0), ...Array(58).fill(1)].join(',')}]`;
    assert.equal(script.variables.get('MOE_LAYER_FREQ')?.value, expected);
    assert.equal(lastFlag(script, ['--moe-layer-freq'])?.values[0]?.text, expected);
    assert.equal(script.variables.get('arr')?.elements?.length, 61);
    // After the loop, i is the value that ended it, as in bash.
    assert.equal(script.variables.get('i')?.value, '61');
  });

  it('an unknown bound leaves the list unknown (the loop is replayed once, as before)', () => {
    const script = parseShell(
      layerList('61', '3').replace('NLAYERS="${MODEL_ARGS_NUM_LAYERS:-61}"', 'NLAYERS=$1'),
    );
    assert.equal(lastFlag(script, ['--moe-layer-freq'])?.values[0]?.text, undefined);
  });

  it('a loop whose body launches a command is not run per iteration (a sweep: one run per value)', () => {
    const script = parseShell(
      ['for ((i=0; i<3; i++)); do', '  torchrun train.py --seed $i', 'done'].join('\n'),
    );
    assert.equal(lastFlag(script, ['--seed'])?.values[0]?.text, undefined);
  });

  it('`for x in` over known words, nested loops and a string accumulator', () => {
    const script = parseShell(
      [
        'OUT=""',
        'for a in 1 2; do',
        '  for b in x y; do',
        '    OUT+="$a$b,"',
        '  done',
        'done',
        'python train.py --pattern "$OUT"',
      ].join('\n'),
    );
    assert.equal(lastFlag(script, ['--pattern'])?.values[0]?.text, '1x,1y,2x,2y,');
  });

  it('a runaway loop stops at the bound and leaves its variables unknown, without hanging', () => {
    const script = parseShell(
      ['X=0', 'for ((;;)); do', '  (( X++ ))', 'done', 'python t.py --x $X'].join('\n'),
    );
    assert.equal(lastFlag(script, ['--x'])?.values[0]?.text, undefined);
  });

  it('`(( … ))` as a statement assigns; printf -v formats %s/%d and refuses other directives', () => {
    const script = parseShell(
      [
        'L=4',
        '(( L2 = L * 2 ))',
        'printf -v A "%d-%s" "$L2" abc',
        'printf -v B "%.2f" 1.5',
        'python t.py --a "$A" --b "$B" --l $L2',
      ].join('\n'),
    );
    assert.equal(lastFlag(script, ['--l'])?.values[0]?.text, '8');
    assert.equal(lastFlag(script, ['--a'])?.values[0]?.text, '8-abc');
    assert.equal(lastFlag(script, ['--b'])?.values[0]?.text, undefined);
  });

  it('`((` that wraps subshells around a command is still read as that command', () => {
    const script = parseShell('((python train.py --num-layers 12) &)\n');
    assert.equal(lastFlag(script, ['--num-layers'])?.values[0]?.text, '12');
  });
});

describe('loop lists: brace ranges and $(seq …)', () => {
  const joined = (list: string) =>
    lastFlag(
      parseShell(
        [`OUT=""`, `for i in ${list}; do`, '  OUT+="$i,"', 'done', 'python t.py --o "$OUT"'].join('\n'),
      ),
      ['--o'],
    )?.values[0]?.text;
  it('{0..3}, {5..1..2}, $(seq 3), $(seq 2 4) and $(seq 0 2 6) list what bash lists', () => {
    assert.equal(joined('{0..3}'), '0,1,2,3,');
    assert.equal(joined('{5..1..2}'), '5,3,1,');
    assert.equal(joined('$(seq 3)'), '1,2,3,');
    assert.equal(joined('$(seq 2 4)'), '2,3,4,');
    assert.equal(joined('$(seq 0 2 6)'), '0,2,4,6,');
  });
  it('an unknown bound or a range past the iteration bound is unknown, not truncated', () => {
    assert.equal(joined('$(seq $N)'), undefined);
    assert.equal(joined('{0..100000}'), undefined);
    assert.equal(joined('$(seq 1 0 5)'), undefined);
  });
});

describe('printf -v arguments', () => {
  it('"${arr[@]}" passes one argument per element, so the format repeats per element as in bash', () => {
    const script = parseShell(
      ['arr=(1 0 1)', 'printf -v L "%s," "${arr[@]}"', 'python t.py --l "$L"'].join('\n'),
    );
    // Was "1 0 1,": the array taken as one argument.
    assert.equal(lastFlag(script, ['--l'])?.values[0]?.text, '1,0,1,');
  });
  it('an array with an unknown element makes the result unknown', () => {
    const script = parseShell(
      ['arr=(1 $X)', 'printf -v L "%s," "${arr[@]}"', 'python t.py --l "$L"'].join('\n'),
    );
    assert.equal(lastFlag(script, ['--l'])?.values[0]?.text, undefined);
  });
});

describe('for over an array', () => {
  it('`for x in "${arr[@]}"` runs once per element', () => {
    const script = parseShell(
      ['arr=(4 8)', 'S=0', 'for x in "${arr[@]}"; do', '  (( S += x ))', 'done', 'python t.py --s $S'].join(
        '\n',
      ),
    );
    // Taken as one value "4 8", the arithmetic would have failed and left S unknown.
    assert.equal(lastFlag(script, ['--s'])?.values[0]?.text, '12');
  });
});

describe('while / until loops that only compute', () => {
  const list = (loop: string, step: string) =>
    lastFlag(
      parseShell(
        ['i=0', 'L=""', `${loop}; do`, '  L+="1,"', `  ${step}`, 'done', 'python t.py --l "$L"'].join('\n'),
      ),
      ['--l'],
    )?.values[0]?.text;
  it('run as bash runs them: the test before every iteration', () => {
    assert.equal(list('while (( i < 3 ))', '(( i++ ))'), '1,1,1,');
    assert.equal(list('while [ $i -lt 2 ]', 'i=$((i + 1))'), '1,1,');
    assert.equal(list('until [ $i -ge 4 ]', 'i=$((i + 1))'), '1,1,1,1,');
  });
  it('a loop that never ends, or whose test is unknown, leaves its variables unknown', () => {
    assert.equal(list('while (( i < 3 ))', ':'), undefined);
    assert.equal(list('while [ $i -lt $N ]', 'i=$((i + 1))'), undefined);
  });
});

describe('$(( )) uses the same bash arithmetic', () => {
  it('division truncates toward zero and comparisons work inside an expansion', () => {
    const script = parseShell(
      ['A=$(( -7 / 2 ))', 'B=$(( 3 < 4 ))', 'C=$(( i++ ))', 'python t.py --a $A --b $B --c $C'].join('\n'),
    );
    // Was -4 (floor division) and unknown (no comparisons).
    assert.equal(lastFlag(script, ['--a'])?.values[0]?.text, '-3');
    assert.equal(lastFlag(script, ['--b'])?.values[0]?.text, '1');
    // An assignment inside an expansion is not replayed: unknown.
    assert.equal(lastFlag(script, ['--c'])?.values[0]?.text, undefined);
  });
});
