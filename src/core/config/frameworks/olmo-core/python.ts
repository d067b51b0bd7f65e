import { TextCache } from '../../parseCache';

/**
 * A small static view of a Python launch script (OLMo-core `src/scripts/train/*.py`): comments and
 * string contents masked, calls split into arguments, simple assignments per scope, and an evaluator
 * for the constant expressions such scripts use (`512 * SEQUENCE_LENGTH`, `int(4e12)`,
 * `FeedForwardConfig(hidden_size=3072, bias=False)`). Nothing is executed; work is linear in the
 * text (every lookup is bounded).
 */

/** A value the evaluator can produce. */
export type PyConst =
  | number
  | string
  | boolean
  | null
  | readonly PyConst[]
  | { readonly $type: string; readonly [key: string]: PyConst };

/** Marker for an expression the evaluator does not understand. */
export const UNKNOWN = Symbol('unknown');
export type PyEval = PyConst | typeof UNKNOWN;

/** One argument of a call: `name=value` or a positional value, with offsets into the text. */
export interface PyArg {
  name?: string;
  nameStart: number;
  valueStart: number;
  valueEnd: number;
}

/** A `def` at column 0 and the extent of its body. */
interface PyFunction {
  name: string;
  start: number;
  end: number;
}

/** `name = value` with the offsets of the name and the value. */
export interface PyBinding {
  name: string;
  nameStart: number;
  valueStart: number;
  valueEnd: number;
}

/** Most bindings, calls or evaluation steps looked at (hostile files are cut, not walked). */
const MAX_ITEMS = 20_000;
const MAX_DEPTH = 24;
/** Longest call or keyword value scanned (characters). */
const MAX_SPAN = 20_000;

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** The text with comments and string contents replaced by spaces (quotes kept); same offsets. */
/** Masked texts by source text: detection, reading and the schedule extractor mask the same file. */
const maskCache = new TextCache<string>();

export function maskPython(text: string): string {
  return maskCache.get(text, maskPythonUncached);
}

function maskPythonUncached(text: string): string {
  const parts: string[] = [];
  const blank = (from: number, to: number) => parts.push(text.slice(from, to).replace(/[^\r\n]/g, ' '));
  const special = /[#"']/g;
  let copied = 0;
  let match: RegExpExecArray | null;
  while ((match = special.exec(text)) !== null) {
    const at = match.index;
    parts.push(text.slice(copied, at));
    if (match[0] === '#') {
      const lineEnd = text.slice(at).search(/[\r\n]/);
      const stop = lineEnd < 0 ? text.length : at + lineEnd;
      blank(at, stop);
      copied = stop;
    } else {
      const ch = match[0];
      const quote = text.startsWith(ch.repeat(3), at) ? ch.repeat(3) : ch;
      let i = at + quote.length;
      while (i < text.length && !text.startsWith(quote, i)) {
        if (text[i] === '\\') i++;
        else if (quote.length === 1 && (text[i] === '\n' || text[i] === '\r')) break;
        i++;
      }
      const close = Math.min(i, text.length);
      const stop = Math.min(text.length, close + (text.startsWith(quote, close) ? quote.length : 0));
      // Keep the quotes, blank the contents.
      parts.push(text.slice(at, at + quote.length));
      blank(at + quote.length, close);
      parts.push(text.slice(close, stop));
      copied = stop;
    }
    special.lastIndex = copied;
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

/** Index of the bracket closing the one at `open` in masked code, or -1. */
export function matchBracket(code: string, open: number): number {
  const stack: string[] = [];
  // A call longer than MAX_SPAN is not a config call; bounding the scan keeps hostile files linear.
  const limit = Math.min(code.length, open + MAX_SPAN);
  for (let i = open; i < limit; i++) {
    const ch = code[i];
    if (ch in CLOSERS) stack.push(CLOSERS[ch]);
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** The top-level arguments between `start` and `end` (exclusive) of masked code. */
export function splitArgs(code: string, start: number, end: number): PyArg[] {
  const args: PyArg[] = [];
  let depth = 0;
  let pieceStart = start;
  const push = (from: number, to: number) => {
    const piece = code.slice(from, to);
    if (piece.trim() === '') return;
    const lead = from + (piece.length - piece.trimStart().length);
    const trail = to - (piece.length - piece.trimEnd().length);
    const named = /^([A-Za-z_]\w*)\s*=(?!=)\s*/.exec(code.slice(lead, trail));
    if (named)
      args.push({ name: named[1], nameStart: lead, valueStart: lead + named[0].length, valueEnd: trail });
    else args.push({ nameStart: lead, valueStart: lead, valueEnd: trail });
  };
  for (let i = start; i < end && args.length < MAX_ITEMS; i++) {
    const ch = code[i];
    if (ch in CLOSERS) depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      push(pieceStart, i);
      pieceStart = i + 1;
    }
  }
  push(pieceStart, end);
  return args;
}

/** A parsed script: masked code, functions and bindings per scope. */
export class PyScript {
  readonly code: string;
  readonly functions: PyFunction[] = [];
  private readonly bindings = new Map<string, PyBinding[]>();

  constructor(readonly text: string) {
    this.code = maskPython(text);
    this.index();
  }

  private index(): void {
    const lines = /[^\r\n]*(?:\r\n|\r|\n|$)/g;
    let match: RegExpExecArray | null;
    let current: PyFunction | undefined;
    let count = 0;
    // Bracket depth at the start of each line: `d_model=d_model,` inside a call is no binding.
    let depth = 0;
    while ((match = lines.exec(this.code)) !== null && match[0].length > 0 && count++ < MAX_ITEMS * 10) {
      const lineStart = match.index;
      const line = match[0].replace(/[\r\n]+$/, '');
      const atDepth = depth;
      for (let i = 0; i < line.length; i++) {
        const c = line.charCodeAt(i);
        // ( [ {  versus  ) ] }
        if (c === 40 || c === 91 || c === 123) depth++;
        else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
      }
      if (line.trim() === '' || atDepth > 0) continue;
      const top = !/^\s/.test(line);
      if (top && current) {
        current.end = lineStart;
        current = undefined;
      }
      const def = /^(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(line);
      if (def) {
        current = { name: def[1], start: lineStart, end: this.code.length };
        this.functions.push(current);
        continue;
      }
      const assign = /^([ \t]*)([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*/.exec(line);
      if (!assign) continue;
      const valueStart = lineStart + assign[0].length;
      const valueEnd = this.statementEnd(valueStart);
      const list = this.bindings.get(assign[2]) ?? [];
      if (list.length < 50)
        list.push({ name: assign[2], nameStart: lineStart + assign[1].length, valueStart, valueEnd });
      this.bindings.set(assign[2], list);
    }
  }

  /** Unclosed brackets before `offset` (0 at statement level). */
  depthAt(offset: number): number {
    let depth = 0;
    const fn = this.functionAt(offset);
    for (let i = fn ? fn.start : 0; i < offset; i++) {
      const ch = this.code[i];
      if (ch in CLOSERS) depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    }
    return depth;
  }

  /** End of the expression starting at `start`: the line end, or past brackets left open. */
  statementEnd(start: number): number {
    let depth = 0;
    for (let i = start; i < this.code.length; i++) {
      const ch = this.code[i];
      if (ch in CLOSERS) depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth--;
      else if ((ch === '\n' || ch === '\r') && depth <= 0) return this.trimEnd(start, i);
    }
    return this.trimEnd(start, this.code.length);
  }

  private trimEnd(start: number, end: number): number {
    let e = end;
    while (e > start && /\s/.test(this.code[e - 1])) e--;
    return e;
  }

  /** The function whose body contains `offset`, if any. */
  functionAt(offset: number): PyFunction | undefined {
    return this.functions.find((f) => f.start <= offset && offset < f.end);
  }

  /**
   * The single binding of `name` visible at `offset`: the function's own, else the module's.
   * Undefined when absent or assigned more than once (which one runs is not static).
   */
  binding(name: string, offset: number): PyBinding | undefined | 'ambiguous' {
    const all = this.bindings.get(name) ?? [];
    const fn = this.functionAt(offset);
    const local = fn ? all.filter((b) => b.nameStart >= fn.start && b.nameStart < fn.end) : [];
    const module = all.filter((b) => !this.functionAt(b.nameStart));
    const chosen = local.length ? local : module;
    if (chosen.length === 0) return undefined;
    const texts = new Set(chosen.map((b) => this.text.slice(b.valueStart, b.valueEnd).replace(/\s+/g, '')));
    return texts.size === 1 ? chosen[0] : 'ambiguous';
  }

  /** Every call `<pattern>(` in the code, with its arguments. */
  calls(pattern: RegExp): { match: RegExpExecArray; open: number; close: number; args: PyArg[] }[] {
    const out: { match: RegExpExecArray; open: number; close: number; args: PyArg[] }[] = [];
    const re = new RegExp(pattern.source, 'g');
    let match: RegExpExecArray | null;
    let attempts = 0;
    while ((match = re.exec(this.code)) !== null && attempts++ < 50) {
      // The call's own bracket: the last '(' of the match (`partial(build_config,` opens at partial).
      const open = match.index + match[0].lastIndexOf('(');
      const close = matchBracket(this.code, open);
      if (close < 0) continue;
      out.push({ match, open, close, args: splitArgs(this.code, open + 1, close) });
    }
    return out;
  }

  /**
   * Every `name=value` keyword argument in the code (any call), with the value's extent: up to the
   * next comma or closing bracket at its own depth. Linear in the text per occurrence.
   */
  keywordArgs(name: string): PyArg[] {
    const out: PyArg[] = [];
    const re = new RegExp(`[(,]\\s*(${name})\\s*=(?!=)\\s*`, 'g');
    let match: RegExpExecArray | null;
    while ((match = re.exec(this.code)) !== null && out.length < 50) {
      const nameStart = match.index + match[0].indexOf(match[1]);
      const valueStart = match.index + match[0].length;
      let depth = 0;
      let i = valueStart;
      const limit = Math.min(this.code.length, valueStart + MAX_SPAN);
      for (; i < limit; i++) {
        const ch = this.code[i];
        if (ch in CLOSERS) depth++;
        else if (ch === ')' || ch === ']' || ch === '}') {
          if (depth === 0) break;
          depth--;
        } else if (ch === ',' && depth === 0) break;
      }
      out.push({ name, nameStart, valueStart, valueEnd: this.trimEnd(valueStart, i) });
      re.lastIndex = Math.max(re.lastIndex, valueStart);
    }
    return out;
  }

  /** Source text of a range (original, with strings). */
  slice(start: number, end: number): string {
    return this.text.slice(start, end);
  }
}

/** Hooks for names the script does not bind (`common.tokenizer`, module attributes). */
export type NameHook = (name: string, offset: number) => PyEval | undefined;

type Token = { kind: 'num' | 'str' | 'name' | 'op'; text: string; start: number };

function tokenize(script: PyScript, start: number, end: number): Token[] | undefined {
  const tokens: Token[] = [];
  const re =
    /\s*(?:(\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([rRbBuU]?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))|([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)|(\*\*|\/\/|==|!=|<=|>=|[-+*/%()[\],=<>{}:]))/y;
  const text = script.code.slice(0, end);
  re.lastIndex = start;
  while (re.lastIndex < end) {
    if (/^\s*$/.test(text.slice(re.lastIndex, end))) break;
    const at = re.lastIndex;
    const m = re.exec(text);
    if (!m || m.index !== at) return undefined;
    const kind = m[1] !== undefined ? 'num' : m[2] !== undefined ? 'str' : m[3] !== undefined ? 'name' : 'op';
    const masked = m[1] ?? m[2] ?? m[3] ?? m[4];
    const tokenStart = m.index + m[0].length - masked.length;
    // String contents are masked in the code; take them from the original text.
    const raw = kind === 'str' ? script.text.slice(tokenStart, tokenStart + masked.length) : masked;
    tokens.push({ kind, text: kind === 'name' ? raw.replace(/\s+/g, '') : raw, start: tokenStart });
    if (tokens.length > 4000) return undefined;
  }
  return tokens;
}

/**
 * Evaluate the expression at [start, end) of the script: numbers, strings, True/False/None, names
 * bound once in scope, + - * / // % **, int()/float()/min()/max(), `XConfig(k=v)` constructors and
 * `Enum.member` (the member name). Anything else is UNKNOWN.
 */
export function evaluate(
  script: PyScript,
  start: number,
  end: number,
  hook?: NameHook,
  depth = 0,
  budget: { steps: number } = { steps: 0 },
): PyEval {
  // One budget across the whole evaluation: `A = B + B; B = C + C; …` must not blow up.
  if (depth > MAX_DEPTH || ++budget.steps > 2_000) return UNKNOWN;
  const tokens = tokenize(script, start, end);
  if (!tokens || tokens.length === 0) return UNKNOWN;
  let index = 0;
  let steps = 0;
  const peek = () => tokens[index];
  const next = () => tokens[index++];
  const isOp = (text: string) => peek()?.kind === 'op' && peek()?.text === text;

  const num = (v: PyEval): number | undefined => (typeof v === 'number' ? v : undefined);
  const binary = (op: string, a: PyEval, b: PyEval): PyEval => {
    const x = num(a);
    const y = num(b);
    if (x === undefined || y === undefined) return UNKNOWN;
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        return y === 0 ? UNKNOWN : x / y;
      case '//':
        return y === 0 ? UNKNOWN : Math.floor(x / y);
      case '%':
        return y === 0 ? UNKNOWN : x - y * Math.floor(x / y);
      case '**':
        return x ** y;
    }
    return UNKNOWN;
  };

  const expression = (): PyEval => {
    if (++steps > 10_000) return UNKNOWN;
    let left = term();
    while (isOp('+') || isOp('-')) {
      const op = next().text;
      left = binary(op, left, term());
    }
    return left;
  };
  const term = (): PyEval => {
    let left = unary();
    while (isOp('*') || isOp('/') || isOp('//') || isOp('%')) {
      const op = next().text;
      left = binary(op, left, unary());
    }
    return left;
  };
  const unary = (): PyEval => {
    if (isOp('-')) {
      next();
      const v = num(unary());
      return v === undefined ? UNKNOWN : -v;
    }
    if (isOp('+')) {
      next();
      return unary();
    }
    return power();
  };
  const power = (): PyEval => {
    const base = atom();
    if (isOp('**')) {
      next();
      return binary('**', base, unary());
    }
    return base;
  };
  const callArgs = (): { name?: string; value: PyEval }[] | undefined => {
    // After '('.
    const args: { name?: string; value: PyEval }[] = [];
    if (isOp(')')) {
      next();
      return args;
    }
    while (index < tokens.length) {
      let name: string | undefined;
      if (peek()?.kind === 'name' && tokens[index + 1]?.kind === 'op' && tokens[index + 1]?.text === '=') {
        name = next().text;
        next();
      }
      args.push({ name, value: expression() });
      if (isOp(',')) {
        next();
        if (isOp(')')) {
          next();
          return args;
        }
        continue;
      }
      if (isOp(')')) {
        next();
        return args;
      }
      return undefined;
    }
    return undefined;
  };
  const atom = (): PyEval => {
    const token = next();
    if (!token) return UNKNOWN;
    if (token.kind === 'num') {
      const value = Number(token.text.replace(/_/g, ''));
      return Number.isFinite(value) ? value : UNKNOWN;
    }
    if (token.kind === 'str') {
      const body = token.text.replace(/^[rRbBuU]/, '');
      return body.slice(1, -1);
    }
    if (token.kind === 'op' && token.text === '(') {
      const value = expression();
      if (!isOp(')')) return UNKNOWN;
      next();
      return value;
    }
    if (token.kind === 'op' && token.text === '[') {
      const items: PyConst[] = [];
      while (index < tokens.length && !isOp(']')) {
        const v = expression();
        if (v === UNKNOWN) return UNKNOWN;
        items.push(v);
        if (isOp(',')) next();
        else if (!isOp(']')) return UNKNOWN;
      }
      if (!isOp(']')) return UNKNOWN;
      next();
      return items;
    }
    if (token.kind !== 'name') return UNKNOWN;
    const name = token.text;
    if (isOp('(')) {
      next();
      const args = callArgs();
      if (!args) return UNKNOWN;
      return call(name, args, token.start);
    }
    if (name === 'True') return true;
    if (name === 'False') return false;
    if (name === 'None') return null;
    return lookupName(name, token.start);
  };
  const call = (name: string, args: { name?: string; value: PyEval }[], offset: number): PyEval => {
    const positional = args.filter((a) => !a.name).map((a) => a.value);
    if (name === 'int' && positional.length === 1 && args.length === 1) {
      const v = num(positional[0]);
      return v === undefined ? UNKNOWN : Math.trunc(v);
    }
    if (name === 'float' && positional.length === 1 && args.length === 1)
      return num(positional[0]) ?? UNKNOWN;
    if ((name === 'min' || name === 'max') && positional.length >= 1 && args.length === positional.length) {
      const values = positional.map(num);
      if (values.some((v) => v === undefined)) return UNKNOWN;
      return name === 'min' ? Math.min(...(values as number[])) : Math.max(...(values as number[]));
    }
    const hooked = hook?.(`${name}()`, offset);
    if (hooked !== undefined) return hooked;
    // `FeedForwardConfig(hidden_size=..., bias=False)`: a config object.
    const last = name.split('.').pop()!;
    if (/Config$/.test(last) && positional.length === 0) {
      const out: Record<string, PyConst> = { $type: last };
      for (const a of args) {
        if (a.value === UNKNOWN) return UNKNOWN;
        out[a.name!] = a.value;
      }
      return out as PyConst;
    }
    return UNKNOWN;
  };
  const lookupName = (name: string, offset: number): PyEval => {
    const hooked = hook?.(name, offset);
    if (hooked !== undefined) return hooked;
    if (!name.includes('.')) {
      const bound = script.binding(name, offset);
      if (!bound || bound === 'ambiguous') return UNKNOWN;
      return evaluate(script, bound.valueStart, bound.valueEnd, hook, depth + 1, budget);
    }
    // `TransformerBlockType.reordered_norm`, `LayerNormType.rms`: an enum member by name.
    const parts = name.split('.');
    if (parts.length === 2 && /^[A-Z]\w*(Type|Name)$/.test(parts[0])) return parts[1];
    return UNKNOWN;
  };

  const value = expression();
  if (index !== tokens.length) return UNKNOWN;
  return value;
}
