#!/usr/bin/env node
/**
 * Generate src/core/config/tables/litgpt-configs.generated.ts from the vendored LitGPT
 * `litgpt/config.py` (scripts/upstream/litgpt/, commit below): every row of its `configs` list,
 * with the variant loops (`for kind in ("", "-chat"): copy = deepcopy(c) ...`) expanded exactly as
 * Python runs them.
 *
 * The file is not executed: a small interpreter walks the module-level statements it uses (list and
 * `dict(...)` literals, assignment, `for`/`if`/`continue`, `deepcopy`, `.extend`/`.append`,
 * `.format`, f-strings) and skips class/def bodies. A value it cannot evaluate (the list
 * comprehensions of `sliding_window_indices`/`rope_indices`) is dropped, and the generator fails if
 * such a value sits on a field that changes the parameter count, so a table can never be silently
 * partial. Usage: `node scripts/gen-litgpt-models.mjs [--check]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LITGPT_REPO = 'Lightning-AI/litgpt';
export const LITGPT_COMMIT = '26857050fe3ff627cd714fe92f5838f51a3d5efa';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = resolve(ROOT, 'scripts/upstream/litgpt/litgpt/config.py');
const OUTPUT = resolve(ROOT, 'src/core/config/tables/litgpt-configs.generated.ts');

/** Config fields that do not change N or D; an unevaluable value there is dropped. */
const DROPPABLE = new Set(['sliding_window_indices', 'rope_indices', 'rope_adjustments']);

// ---------------------------------------------------------------------------------------------
// Tokenizer (the subset of Python the module level of config.py uses)

class Opaque {
  constructor(text) {
    this.text = text;
  }
}

function tokenize(src) {
  const tokens = [];
  const indents = [0];
  let i = 0;
  let depth = 0;
  let atLineStart = true;
  const push = (type, value, pos) => tokens.push({ type, value, pos });
  while (i < src.length) {
    if (atLineStart && depth === 0) {
      let col = 0;
      let j = i;
      while (src[j] === ' ' || src[j] === '\t') {
        col += src[j] === '\t' ? 8 - (col % 8) : 1;
        j++;
      }
      // Blank and comment-only lines do not change indentation.
      if (src[j] === '\n' || src[j] === '#' || src[j] === '\r' || j >= src.length) {
        while (j < src.length && src[j] !== '\n') j++;
        i = j + 1;
        continue;
      }
      if (col > indents[indents.length - 1]) {
        indents.push(col);
        push('INDENT', col, j);
      } else {
        while (col < indents[indents.length - 1]) {
          indents.pop();
          push('DEDENT', col, j);
        }
        if (col !== indents[indents.length - 1]) throw new Error(`bad dedent at ${lineOf(src, j)}`);
      }
      i = j;
      atLineStart = false;
    }
    const ch = src[i];
    if (ch === '\n') {
      if (depth === 0) {
        push('NEWLINE', '\n', i);
        atLineStart = true;
      }
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const stringStart = /^([rRbBfFuU]{0,2})("""|'''|"|')/.exec(src.slice(i, i + 5));
    if (stringStart && (stringStart[1] === '' || /[A-Za-z]/.test(ch))) {
      const prefix = stringStart[1].toLowerCase();
      const quote = stringStart[2];
      let j = i + stringStart[0].length;
      let body = '';
      while (j < src.length && !src.startsWith(quote, j)) {
        if (src[j] === '\\' && !prefix.includes('r')) {
          const next = src[j + 1];
          body += next === 'n' ? '\n' : next === 't' ? '\t' : next === '\n' ? '' : next;
          j += 2;
          continue;
        }
        body += src[j];
        j++;
      }
      if (j >= src.length) throw new Error(`unterminated string at ${lineOf(src, i)}`);
      push(prefix.includes('f') ? 'FSTRING' : 'STRING', body, i);
      i = j + quote.length;
      continue;
    }
    const number = /^(0[xX][0-9a-fA-F_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][-+]?\d+)?)/.exec(src.slice(i, i + 40));
    if (number && number[0] && /[\d.]/.test(ch) && !(ch === '.' && !/\d/.test(src[i + 1]))) {
      push('NUMBER', Number(number[0].replace(/_/g, '')), i);
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 200));
    if (name) {
      push('NAME', name[0], i);
      i += name[0].length;
      continue;
    }
    const op = /^(\*\*|\/\/|==|!=|<=|>=|->|:=|\+=|-=|[-+*/%<>=()[\]{},:.@|&~^])/.exec(src.slice(i, i + 3));
    if (!op) throw new Error(`unexpected character ${JSON.stringify(ch)} at ${lineOf(src, i)}`);
    if ('([{'.includes(op[0])) depth++;
    if (')]}'.includes(op[0])) depth--;
    push('OP', op[0], i);
    i += op[0].length;
  }
  push('NEWLINE', '\n', src.length);
  while (indents.length > 1) {
    indents.pop();
    push('DEDENT', 0, src.length);
  }
  push('EOF', null, src.length);
  return tokens;
}

function lineOf(src, pos) {
  return `line ${src.slice(0, pos).split('\n').length}`;
}

// ---------------------------------------------------------------------------------------------
// Parser + evaluator

class Interpreter {
  constructor(src) {
    this.src = src;
    this.tokens = tokenize(src);
    this.pos = 0;
    this.scope = new Map();
  }

  peek(offset = 0) {
    return this.tokens[this.pos + offset];
  }
  next() {
    return this.tokens[this.pos++];
  }
  is(type, value) {
    const t = this.peek();
    return t.type === type && (value === undefined || t.value === value);
  }
  expect(type, value) {
    const t = this.next();
    if (t.type !== type || (value !== undefined && t.value !== value)) {
      throw new Error(`expected ${value ?? type}, got ${t.value ?? t.type} at ${lineOf(this.src, t.pos)}`);
    }
    return t;
  }

  /** Parse the whole module into a statement list. */
  parseModule() {
    const body = [];
    while (!this.is('EOF')) {
      const stmt = this.parseStatement();
      if (stmt) body.push(stmt);
    }
    return body;
  }

  parseBlock() {
    this.expect('OP', ':');
    this.expect('NEWLINE');
    this.expect('INDENT');
    const body = [];
    while (!this.is('DEDENT')) {
      const stmt = this.parseStatement();
      if (stmt) body.push(stmt);
    }
    this.expect('DEDENT');
    return body;
  }

  skipBlock() {
    // Skip a def/class: up to its colon, then the indented body.
    while (!(this.is('OP', ':') && this.peek(1).type === 'NEWLINE')) this.next();
    this.next();
    this.next();
    this.expect('INDENT');
    let level = 1;
    while (level > 0) {
      const t = this.next();
      if (t.type === 'INDENT') level++;
      if (t.type === 'DEDENT') level--;
    }
  }

  skipLine() {
    while (!this.is('NEWLINE')) this.next();
    this.next();
  }

  parseStatement() {
    const t = this.peek();
    if (t.type === 'NEWLINE') {
      this.next();
      return undefined;
    }
    if (t.type === 'OP' && t.value === '@') {
      this.skipLine();
      return undefined;
    }
    if (t.type === 'NAME') {
      if (t.value === 'import' || t.value === 'from') {
        this.skipLine();
        return undefined;
      }
      if (t.value === 'def' || t.value === 'class') {
        this.skipBlock();
        return undefined;
      }
      if (t.value === 'for') {
        this.next();
        const targets = [this.expect('NAME').value];
        while (this.is('OP', ',')) {
          this.next();
          targets.push(this.expect('NAME').value);
        }
        this.expect('NAME', 'in');
        const iter = this.parseExpr();
        return { kind: 'for', targets, iter, body: this.parseBlock() };
      }
      if (t.value === 'if') {
        this.next();
        const test = this.parseExpr();
        const body = this.parseBlock();
        let orelse = [];
        if (this.is('NAME', 'else')) {
          this.next();
          orelse = this.parseBlock();
        }
        return { kind: 'if', test, body, orelse };
      }
      if (t.value === 'continue') {
        this.next();
        this.expect('NEWLINE');
        return { kind: 'continue' };
      }
    }
    const expr = this.parseExpr();
    if (this.is('OP', '=')) {
      this.next();
      const value = this.parseExpr();
      this.expect('NEWLINE');
      return { kind: 'assign', target: expr, value };
    }
    this.expect('NEWLINE');
    return { kind: 'expr', expr };
  }

  // Expressions -------------------------------------------------------------------------------
  parseExpr() {
    const first = this.parseTernary();
    if (this.is('OP', ',') && !this.inBrackets) {
      const items = [first];
      while (this.is('OP', ',')) {
        this.next();
        if (this.is('NEWLINE') || this.is('OP', '=') || this.is('OP', ':')) break;
        items.push(this.parseTernary());
      }
      return { kind: 'tuple', items };
    }
    return first;
  }

  parseTernary() {
    const body = this.parseOr();
    if (this.is('NAME', 'if')) {
      this.next();
      const test = this.parseOr();
      this.expect('NAME', 'else');
      const orelse = this.parseTernary();
      return { kind: 'ternary', test, body, orelse };
    }
    return body;
  }

  parseOr() {
    let left = this.parseAnd();
    while (this.is('NAME', 'or')) {
      this.next();
      left = { kind: 'bool', op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  parseAnd() {
    let left = this.parseNot();
    while (this.is('NAME', 'and')) {
      this.next();
      left = { kind: 'bool', op: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  parseNot() {
    if (this.is('NAME', 'not')) {
      this.next();
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parseCompare();
  }

  parseCompare() {
    let left = this.parseArith();
    for (;;) {
      const t = this.peek();
      let op;
      if (t.type === 'OP' && ['==', '!=', '<', '>', '<=', '>='].includes(t.value)) op = t.value;
      else if (t.type === 'NAME' && t.value === 'in') op = 'in';
      else if (t.type === 'NAME' && t.value === 'not' && this.peek(1).value === 'in') op = 'not in';
      else break;
      this.next();
      if (op === 'not in') this.next();
      left = { kind: 'compare', op, left, right: this.parseArith() };
    }
    return left;
  }

  parseArith() {
    let left = this.parseTerm();
    while (this.is('OP', '+') || this.is('OP', '-')) {
      const op = this.next().value;
      left = { kind: 'binop', op, left, right: this.parseTerm() };
    }
    return left;
  }

  parseTerm() {
    let left = this.parseUnary();
    while (['*', '/', '//', '%'].some((op) => this.is('OP', op))) {
      const op = this.next().value;
      left = { kind: 'binop', op, left, right: this.parseUnary() };
    }
    return left;
  }

  parseUnary() {
    if (this.is('OP', '-')) {
      this.next();
      return { kind: 'neg', operand: this.parseUnary() };
    }
    if (this.is('OP', '+')) {
      this.next();
      return this.parseUnary();
    }
    return this.parsePower();
  }

  parsePower() {
    const base = this.parsePostfix();
    if (this.is('OP', '**')) {
      this.next();
      return { kind: 'binop', op: '**', left: base, right: this.parseUnary() };
    }
    return base;
  }

  parsePostfix() {
    let node = this.parseAtom();
    for (;;) {
      if (this.is('OP', '(')) {
        this.next();
        const args = [];
        const kwargs = [];
        this.withinBrackets(() => {
          while (!this.is('OP', ')')) {
            if (this.peek().type === 'NAME' && this.peek(1).type === 'OP' && this.peek(1).value === '=') {
              const key = this.next().value;
              this.next();
              kwargs.push([key, this.parseTernary()]);
            } else {
              args.push(this.parseTernary());
            }
            if (!this.is('OP', ',')) break;
            this.next();
          }
        });
        this.expect('OP', ')');
        node = { kind: 'call', func: node, args, kwargs };
      } else if (this.is('OP', '[')) {
        this.next();
        const index = this.withinBrackets(() => this.parseTernary());
        this.expect('OP', ']');
        node = { kind: 'subscript', value: node, index };
      } else if (this.is('OP', '.')) {
        this.next();
        node = { kind: 'attr', value: node, name: this.expect('NAME').value };
      } else {
        return node;
      }
    }
  }

  withinBrackets(fn) {
    const saved = this.inBrackets;
    this.inBrackets = true;
    try {
      return fn();
    } finally {
      this.inBrackets = saved;
    }
  }

  /** True when the bracket opened at the current token holds a comprehension (`for` at depth 1). */
  bracketHoldsComprehension() {
    let depth = 0;
    for (let k = this.pos; k < this.tokens.length; k++) {
      const t = this.tokens[k];
      if (t.type === 'OP' && '([{'.includes(t.value)) depth++;
      else if (t.type === 'OP' && ')]}'.includes(t.value)) {
        depth--;
        if (depth === 0) return undefined;
      } else if (depth === 1 && t.type === 'NAME' && t.value === 'for') return k;
    }
    return undefined;
  }

  skipBracket() {
    const start = this.peek().pos;
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t.type === 'OP' && '([{'.includes(t.value)) depth++;
      if (t.type === 'OP' && ')]}'.includes(t.value)) {
        depth--;
        if (depth === 0) return { kind: 'opaque', text: this.src.slice(start, t.pos + 1) };
      }
    }
  }

  parseAtom() {
    const t = this.peek();
    if (t.type === 'NUMBER') return (this.next(), { kind: 'const', value: t.value });
    if (t.type === 'STRING' || t.type === 'FSTRING') {
      // Adjacent literals concatenate.
      const parts = [];
      while (this.is('STRING') || this.is('FSTRING')) {
        const s = this.next();
        parts.push(
          s.type === 'FSTRING' ? { kind: 'fstring', body: s.value } : { kind: 'const', value: s.value },
        );
      }
      return parts.length === 1 ? parts[0] : { kind: 'concat', parts };
    }
    if (t.type === 'NAME') {
      this.next();
      if (t.value === 'True') return { kind: 'const', value: true };
      if (t.value === 'False') return { kind: 'const', value: false };
      if (t.value === 'None') return { kind: 'const', value: null };
      return { kind: 'name', name: t.value };
    }
    if (t.type === 'OP' && (t.value === '[' || t.value === '(' || t.value === '{')) {
      if (this.bracketHoldsComprehension() !== undefined) return this.skipBracket();
      const open = this.next().value;
      const close = { '[': ']', '(': ')', '{': '}' }[open];
      const items = [];
      const entries = [];
      let sawComma = false;
      this.withinBrackets(() => {
        while (!this.is('OP', close)) {
          const item = this.parseTernary();
          if (open === '{') {
            this.expect('OP', ':');
            entries.push([item, this.parseTernary()]);
          } else {
            items.push(item);
          }
          if (!this.is('OP', ',')) break;
          this.next();
          sawComma = true;
        }
      });
      this.expect('OP', close);
      if (open === '{') return { kind: 'dict', entries };
      if (open === '(' && items.length === 1 && !sawComma) return items[0];
      return { kind: open === '[' ? 'list' : 'tuple', items };
    }
    throw new Error(`unexpected ${t.value ?? t.type} at ${lineOf(this.src, t.pos)}`);
  }

  // Evaluation --------------------------------------------------------------------------------
  run(body) {
    for (const stmt of body) {
      if (this.exec(stmt) === 'continue') return 'continue';
    }
    return undefined;
  }

  exec(stmt) {
    switch (stmt.kind) {
      case 'assign':
        return this.assign(stmt.target, this.eval(stmt.value));
      case 'expr':
        this.eval(stmt.expr);
        return undefined;
      case 'continue':
        return 'continue';
      case 'if':
        return this.run(truthy(this.eval(stmt.test)) ? stmt.body : stmt.orelse);
      case 'for': {
        const iter = this.eval(stmt.iter);
        if (!Array.isArray(iter)) throw new Error('for over a non-list');
        for (const item of iter) {
          if (stmt.targets.length === 1) this.scope.set(stmt.targets[0], item);
          else stmt.targets.forEach((name, k) => this.scope.set(name, item[k]));
          this.run(stmt.body); // `continue` ends this iteration only
        }
        return undefined;
      }
    }
    throw new Error(`unknown statement ${stmt.kind}`);
  }

  assign(target, value) {
    if (target.kind === 'name') this.scope.set(target.name, value);
    else if (target.kind === 'subscript') {
      const container = this.eval(target.value);
      container[this.eval(target.index)] = value;
    } else throw new Error(`cannot assign to ${target.kind}`);
    return undefined;
  }

  eval(node) {
    switch (node.kind) {
      case 'const':
        return node.value;
      case 'opaque':
        return new Opaque(node.text);
      case 'name':
        if (!this.scope.has(node.name)) throw new Error(`unknown name ${node.name}`);
        return this.scope.get(node.name);
      case 'list':
      case 'tuple':
        return node.items.map((item) => this.eval(item));
      case 'dict':
        return Object.fromEntries(node.entries.map(([k, v]) => [this.eval(k), this.eval(v)]));
      case 'concat':
        return node.parts.map((part) => this.eval(part)).join('');
      case 'fstring':
        return node.body.replace(/\{([^{}]*)\}/g, (_, expr) => {
          const inner = new Interpreter(`${expr}\n`);
          inner.scope = this.scope;
          const value = inner.eval(inner.parseExpr());
          return String(value);
        });
      case 'subscript': {
        const container = this.eval(node.value);
        const key = this.eval(node.index);
        if (container === null || typeof container !== 'object' || !(key in container)) {
          throw new Error(`missing key ${key}`);
        }
        return container[key];
      }
      case 'attr':
        return { bound: this.eval(node.value), method: node.name };
      case 'call':
        return this.call(node);
      case 'ternary':
        return truthy(this.eval(node.test)) ? this.eval(node.body) : this.eval(node.orelse);
      case 'bool': {
        const left = this.eval(node.left);
        if (node.op === 'or') return truthy(left) ? left : this.eval(node.right);
        return truthy(left) ? this.eval(node.right) : left;
      }
      case 'not':
        return !truthy(this.eval(node.operand));
      case 'neg':
        return -this.eval(node.operand);
      case 'compare': {
        const left = this.eval(node.left);
        const right = this.eval(node.right);
        switch (node.op) {
          case '==':
            return pyEqual(left, right);
          case '!=':
            return !pyEqual(left, right);
          case '<':
            return left < right;
          case '>':
            return left > right;
          case '<=':
            return left <= right;
          case '>=':
            return left >= right;
          case 'in':
            return Array.isArray(right) ? right.some((x) => pyEqual(x, left)) : String(right).includes(left);
          case 'not in':
            return Array.isArray(right)
              ? !right.some((x) => pyEqual(x, left))
              : !String(right).includes(left);
        }
        break;
      }
      case 'binop': {
        const a = this.eval(node.left);
        const b = this.eval(node.right);
        switch (node.op) {
          case '+':
            return Array.isArray(a) ? [...a, ...b] : a + b;
          case '-':
            return a - b;
          case '*':
            return a * b;
          case '/':
            return a / b;
          case '//':
            return Math.floor(a / b);
          case '%':
            return ((a % b) + b) % b;
          case '**':
            return a ** b;
        }
        break;
      }
    }
    throw new Error(`cannot evaluate ${node.kind}`);
  }

  call(node) {
    const args = node.args.map((arg) => this.eval(arg));
    const kwargs = node.kwargs.map(([k, v]) => [k, this.eval(v)]);
    if (node.func.kind === 'name') {
      switch (node.func.name) {
        case 'dict':
          return Object.fromEntries(kwargs);
        case 'deepcopy':
          return deepCopy(args[0]);
        case 'range': {
          const [start, stop] = args.length === 1 ? [0, args[0]] : args;
          return Array.from({ length: Math.max(0, stop - start) }, (_, k) => start + k);
        }
      }
      throw new Error(`unsupported function ${node.func.name}`);
    }
    if (node.func.kind === 'attr') {
      const target = this.eval(node.func.value);
      const method = node.func.name;
      if (Array.isArray(target) && method === 'extend') return void target.push(...args[0]);
      if (Array.isArray(target) && method === 'append') return void target.push(args[0]);
      if (typeof target === 'string' && method === 'format') {
        let k = 0;
        return target.replace(/\{\}/g, () => String(args[k++]));
      }
      if (target && typeof target === 'object' && method === 'copy') return { ...target };
      throw new Error(`unsupported method ${method}`);
    }
    throw new Error('unsupported call');
  }
}

function truthy(value) {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

function pyEqual(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function deepCopy(value) {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (value instanceof Opaque) return value;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepCopy(v)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Output

/** Every row of `configs` in config.py order, with unevaluable values dropped (and listed). */
export function litgptConfigs(source = readFileSync(SOURCE, 'utf8')) {
  const interpreter = new Interpreter(source);
  interpreter.run(interpreter.parseModule());
  const configs = interpreter.scope.get('configs');
  if (!Array.isArray(configs) || configs.length === 0) throw new Error('no `configs` list found');
  const names = new Set();
  const dropped = new Set();
  const rows = configs.map((config) => {
    if (names.has(config.name)) throw new Error(`duplicate config name ${config.name}`);
    names.add(config.name);
    const row = {};
    for (const [key, value] of Object.entries(config)) {
      if (containsOpaque(value)) {
        if (!DROPPABLE.has(key)) throw new Error(`${config.name}.${key}: cannot evaluate ${value.text}`);
        dropped.add(key);
        continue;
      }
      row[key] = value;
    }
    return row;
  });
  return { rows, dropped: [...dropped].sort() };
}

function containsOpaque(value) {
  if (value instanceof Opaque) return true;
  if (Array.isArray(value)) return value.some(containsOpaque);
  if (value && typeof value === 'object') return Object.values(value).some(containsOpaque);
  return false;
}

/** The generated TypeScript module (prettier-formatted, so the check is byte-exact). */
export async function renderTable() {
  const { rows, dropped } = litgptConfigs();
  const text = [
    '// Generated by scripts/gen-litgpt-models.mjs from the vendored litgpt/config.py. Do not edit.',
    `// Source: ${LITGPT_REPO} litgpt/config.py @ ${LITGPT_COMMIT} (Apache-2.0).`,
    `// Every row of \`configs\` (${rows.length}), variant loops expanded, in config.py order.`,
    `// Dropped (list comprehensions; they do not change N or D): ${dropped.join(', ') || 'none'}.`,
    "import type { LitConfig } from '../frameworks/litgpt/models';",
    '',
    `export const LITGPT_SOURCE = { repo: '${LITGPT_REPO}', path: 'litgpt/config.py', commit: '${LITGPT_COMMIT}' } as const;`,
    '',
    '/** `litgpt/config.py` `configs`, one object per `dict(...)` as LitGPT builds it. */',
    `export const LITGPT_CONFIGS: readonly LitConfig[] = ${JSON.stringify(rows)};`,
    '',
  ].join('\n');
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(OUTPUT)) ?? {};
  return prettier.format(text, { ...options, filepath: OUTPUT });
}

async function main() {
  const text = await renderTable();
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUTPUT, 'utf8');
    if (current !== text) {
      console.error(`${OUTPUT} is stale; run node scripts/gen-litgpt-models.mjs`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(OUTPUT, text);
  console.log(`wrote ${OUTPUT}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
