/**
 * Bash arithmetic (`(( … ))`, `for (( init; test; step ))`): integers, variables, comparisons,
 * logic, the conditional operator and assignments (`=`, `+=`, `++`, …), as in bash's "ARITHMETIC
 * EVALUATION" (bash(1)). Launch scripts use it to build layer lists (THUDM/slime@624b824a
 * scripts/models/*.sh: `for ((i=0; i<NLAYERS; i++)); do if (( i < FIRST_K_DENSE_REPLACE )) …`).
 *
 * Unlike bash, a name the script never set is unknown rather than 0: it may come from the
 * environment. Bitwise and shift operators are not read. As in bash, the side `&&` / `||` and `?:`
 * do not take is parsed but not evaluated (bash's `noeval`): its names are not read, its assignments
 * not made, and its division by zero is no error, so `(( n != 0 && total / n > 2 ))` with n = 0 is 0.
 * Every failure is `undefined`, never a throw or NaN.
 */

export interface ArithmeticScope {
  /** A variable's integer value; undefined when unknown or not an integer. */
  read(name: string): number | undefined;
  /** Store an assignment's result. */
  write(name: string, value: number): void;
}

const TOKEN =
  /\s*(0[xX][0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|\*\*=?|\+\+|--|<=|>=|==|!=|&&|\|\||[-+*/%]=|[-+*/%()<>=!?:,])/y;

/** Evaluate `expression` in `scope`; assignments write through `scope` as they happen. */
export function evaluateShellArithmetic(expression: string, scope: ArithmeticScope): number | undefined {
  const tokens: string[] = [];
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(expression);
    if (!match) return undefined;
    tokens.push(match[1]);
    at = TOKEN.lastIndex;
  }
  if (tokens.length === 0) return undefined;
  const parser = new ArithmeticParser(tokens, scope);
  const result = parser.comma();
  return parser.index === tokens.length ? integer(result) : undefined;
}

const isName = (token: string | undefined) => token !== undefined && /^[A-Za-z_]/.test(token);
const integer = (value: number | undefined) =>
  value !== undefined && Number.isSafeInteger(value) ? value : undefined;

/** Recursive descent in bash's precedence order, lowest first; depth-bounded against hostile input. */
class ArithmeticParser {
  index = 0;
  private depth = 0;
  /** > 0 while parsing a side that is not evaluated: values there are placeholders (0). */
  private notEvaluated = 0;

  constructor(
    private readonly tokens: string[],
    private readonly scope: ArithmeticScope,
  ) {}

  private peek(): string | undefined {
    return this.tokens[this.index];
  }

  private read(name: string): number | undefined {
    return this.notEvaluated > 0 ? 0 : this.scope.read(name);
  }

  private write(name: string, value: number): void {
    if (this.notEvaluated === 0) this.scope.write(name, value);
  }

  /** A computed value: a failure of the value itself (division by zero, overflow) is no error where
   * nothing is evaluated; syntax errors are reported by the callers before this is reached. */
  private computed(value: number | undefined): number | undefined {
    const result = integer(value);
    return result === undefined && this.notEvaluated > 0 ? 0 : result;
  }

  /** Parse the next operand without evaluating it (the side a short-circuit or `?:` skips). */
  private skipped(parse: () => number | undefined): boolean {
    this.notEvaluated++;
    const parsed = parse() !== undefined;
    this.notEvaluated--;
    return parsed;
  }

  comma(): number | undefined {
    let value = this.assignment();
    while (value !== undefined && this.peek() === ',') {
      this.index++;
      value = this.assignment();
    }
    return value;
  }

  // Assignment targets are read as names: `n += 2` needs the name, not only its value.
  private assignment(): number | undefined {
    const name = this.tokens[this.index];
    const op = this.tokens[this.index + 1];
    if (isName(name) && op !== undefined && /^(\*\*|[-+*/%])?=$/.test(op)) {
      this.index += 2;
      const right = this.assignment();
      if (right === undefined) return undefined;
      let value: number | undefined = right;
      if (op !== '=') {
        const current = this.read(name);
        if (current === undefined) return undefined;
        value = binary(op.slice(0, -1), current, right);
      }
      value = this.computed(value);
      if (value === undefined) return undefined;
      this.write(name, value);
      return value;
    }
    return this.conditional();
  }

  private conditional(): number | undefined {
    if (++this.depth > 64) return undefined;
    const test = this.binaryLevel(0);
    let result = test;
    if (test !== undefined && this.peek() === '?') {
      this.index++;
      // Only the arm the test takes is evaluated; the other is parsed (its syntax still counts).
      const yes = test !== 0 ? this.assignment() : this.skipped(() => this.assignment()) ? 0 : undefined;
      if (yes === undefined || this.peek() !== ':') return undefined;
      this.index++;
      const no = test === 0 ? this.assignment() : this.skipped(() => this.assignment()) ? 0 : undefined;
      result = no === undefined ? undefined : test !== 0 ? yes : no;
    }
    this.depth--;
    return result;
  }

  /** Left-associative binary operators, level by level (`||` lowest, `* / %` highest). */
  private binaryLevel(level: number): number | undefined {
    if (level === BINARY_LEVELS.length) return this.power();
    const operators = BINARY_LEVELS[level];
    let left = this.binaryLevel(level + 1);
    while (left !== undefined && operators.includes(this.peek() ?? '')) {
      const op = this.tokens[this.index++];
      const decided = (op === '&&' && left === 0) || (op === '||' && left !== 0);
      if (decided) {
        left = this.skipped(() => this.binaryLevel(level + 1)) ? (left !== 0 ? 1 : 0) : undefined;
        continue;
      }
      const right = this.binaryLevel(level + 1);
      left = right === undefined ? undefined : this.computed(binary(op, left, right));
    }
    return left;
  }

  private power(): number | undefined {
    const base = this.unary();
    if (base !== undefined && this.peek() === '**') {
      this.index++;
      const exponent = this.power();
      return exponent === undefined ? undefined : this.computed(binary('**', base, exponent));
    }
    return base;
  }

  private unary(): number | undefined {
    const token = this.peek();
    if (token === '!' || token === '-' || token === '+') {
      this.index++;
      const value = this.unary();
      if (value === undefined) return undefined;
      return token === '!' ? (value === 0 ? 1 : 0) : token === '-' ? -value : value;
    }
    if ((token === '++' || token === '--') && isName(this.tokens[this.index + 1])) {
      const name = this.tokens[this.index + 1];
      this.index += 2;
      const current = this.read(name);
      if (current === undefined) return undefined;
      const value = current + (token === '++' ? 1 : -1);
      this.write(name, value);
      return value;
    }
    return this.primary();
  }

  private primary(): number | undefined {
    const token = this.tokens[this.index++];
    if (token === undefined) return undefined;
    if (token === '(') {
      if (++this.depth > 64) return undefined;
      const value = this.comma();
      this.depth--;
      return this.tokens[this.index++] === ')' ? value : undefined;
    }
    if (isName(token)) {
      const current = this.read(token);
      if (current === undefined) return undefined;
      const next = this.peek();
      if (next === '++' || next === '--') {
        this.index++;
        this.write(token, current + (next === '++' ? 1 : -1));
      }
      return current;
    }
    if (/^0[xX]/.test(token)) return integer(parseInt(token, 16));
    // A leading 0 is octal in bash (`010` is 8); 8 and 9 are then invalid.
    if (/^0\d/.test(token)) return /^[0-7]+$/.test(token) ? integer(parseInt(token, 8)) : undefined;
    if (/^\d+$/.test(token)) return integer(Number(token));
    return undefined;
  }
}

const BINARY_LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

function binary(op: string, left: number, right: number): number | undefined {
  switch (op) {
    case '||':
      return left !== 0 || right !== 0 ? 1 : 0;
    case '&&':
      return left !== 0 && right !== 0 ? 1 : 0;
    case '==':
      return left === right ? 1 : 0;
    case '!=':
      return left !== right ? 1 : 0;
    case '<':
      return left < right ? 1 : 0;
    case '<=':
      return left <= right ? 1 : 0;
    case '>':
      return left > right ? 1 : 0;
    case '>=':
      return left >= right ? 1 : 0;
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    // Integer division truncates toward zero, as in C and bash; dividing by zero is an error.
    case '/':
      return right === 0 ? undefined : Math.trunc(left / right);
    case '%':
      return right === 0 ? undefined : left % right;
    case '**':
      return right < 0 ? undefined : left ** right;
    default:
      return undefined;
  }
}
