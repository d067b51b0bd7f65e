/**
 * Number parsing shared by the readers. Config files spell numbers many ways: YAML 1.1 underscores
 * (`739_328`), exponent floats (`2e12`), Python literals (`5 * 8`), shell arithmetic. Every parser
 * here returns `undefined` instead of throwing or returning NaN.
 */

/** Parse a plain number literal: underscores allowed, exponent allowed, no units. */
export function parseNumberLiteral(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().replace(/_/g, '');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** A positive integer, or undefined. */
export function parsePositiveInt(raw: unknown): number | undefined {
  const value = parseNumberLiteral(raw);
  return value !== undefined && value > 0 && Number.isInteger(value) ? value : undefined;
}

/**
 * Evaluate a small integer arithmetic expression (`5 * 8`, `300 * 1000000000`, `(2**20)`) with only
 * numbers, + - * / // % ** and parentheses. Used for nanoGPT and shell `$(( ))`; never `eval`.
 */
export function evaluateArithmetic(expression: string): number | undefined {
  const tokens = expression.match(/\s*(\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?|\*\*|\/\/|[-+*/%()])\s*/g);
  if (!tokens || tokens.join('').replace(/\s/g, '') !== expression.replace(/\s/g, '')) return undefined;
  const items = tokens.map((t) => t.trim());
  let index = 0;
  const peek = () => items[index];
  const next = () => items[index++];
  // Recursive descent with a depth bound so hostile input cannot blow the stack.
  let depth = 0;
  const parseExpression = (): number | undefined => {
    if (++depth > 64) return undefined;
    let left = parseTerm();
    while (left !== undefined && (peek() === '+' || peek() === '-')) {
      const op = next();
      const right = parseTerm();
      if (right === undefined) return undefined;
      left = op === '+' ? left + right : left - right;
    }
    depth--;
    return left;
  };
  const parseTerm = (): number | undefined => {
    let left = parsePower();
    while (left !== undefined && ['*', '/', '//', '%'].includes(peek())) {
      const op = next();
      const right = parsePower();
      if (right === undefined) return undefined;
      if (op === '*') left = left * right;
      else if (op === '/') left = right === 0 ? undefined : left / right;
      else if (op === '//') left = right === 0 ? undefined : Math.floor(left / right);
      else left = right === 0 ? undefined : left % right;
    }
    return left;
  };
  const parsePower = (): number | undefined => {
    const base = parseUnary();
    if (base !== undefined && peek() === '**') {
      next();
      const exponent = parsePower();
      return exponent === undefined ? undefined : base ** exponent;
    }
    return base;
  };
  const parseUnary = (): number | undefined => {
    if (peek() === '-') {
      next();
      const value = parseUnary();
      return value === undefined ? undefined : -value;
    }
    if (peek() === '+') {
      next();
      return parseUnary();
    }
    if (peek() === '(') {
      next();
      const value = parseExpression();
      if (next() !== ')') return undefined;
      return value;
    }
    const token = next();
    return token === undefined ? undefined : parseNumberLiteral(token);
  };
  const result = parseExpression();
  if (index !== items.length || result === undefined || !Number.isFinite(result)) return undefined;
  return result;
}
