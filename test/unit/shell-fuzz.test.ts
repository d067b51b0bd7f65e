import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseShell } from '../../src/core/config/shell';

/**
 * Loops, arithmetic and printf pieces in random order (half-typed scripts included): the replay must
 * never throw, and every value it calls known must be a real string (no "NaN" or "undefined" from an
 * arithmetic or printf slip). Bounded loops are exercised with bounds above and below the limits.
 */
const PIECES = [
  'for',
  '((i=0; i<N; i++))',
  '((i=0; i<5000; i++))',
  '((;;))',
  '(( x = i * 2 ))',
  '((',
  '))',
  'do',
  'done',
  'if',
  'then',
  'else',
  'fi',
  'while',
  '(( i < 3 ))',
  'arr+=(1)',
  'arr=()',
  'X+="a"',
  'N=3',
  'N=$1',
  'i',
  'in',
  '{1..9}',
  '{0..99999}',
  '$(seq 1 5)',
  '$(seq $N)',
  'printf -v Y "[%s]" "$(IFS=\', \'; echo "${arr[*]}")"',
  'printf -v Z "%d" x',
  'printf -v W "%s," "${arr[@]}"',
  'torchrun',
  '--num-layers',
  '$N',
  '"${arr[@]}"',
  ';',
  '\n',
  '&&',
  '||',
  '(',
  ')',
  'case',
  'esac',
  '$((i+1))',
  '"',
  "'",
  '#',
  '\\',
];

describe('shell replay under random loop/arithmetic scripts', () => {
  it('never throws and never produces a NaN or "undefined" value', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }), (pieces) => {
        const script = parseShell(pieces.join(' '));
        for (const variable of script.variables.values()) {
          if (variable.value !== undefined) assert.doesNotMatch(variable.value, /NaN|undefined|Infinity/);
          for (const element of variable.elements ?? [])
            if (element !== undefined) assert.doesNotMatch(element, /NaN|undefined|Infinity/);
        }
        for (const flag of script.flags)
          for (const value of flag.values)
            if (value.text !== undefined) assert.doesNotMatch(value.text, /NaN|undefined|Infinity/);
      }),
      { numRuns: 1500, seed: 20261204 },
    );
  });
});
