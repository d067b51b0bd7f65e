import type { CoreDiagnostic } from '../types';
import { LineIndex } from './text';
import { evaluateShellArithmetic, type ArithmeticScope } from './shellArithmetic';
import { TextCache } from './parseCache';

/**
 * A small, static reader for bash launch scripts (Megatron-LM, Megatron-DeepSpeed, MaxText). It never
 * executes anything: it lexes the script into words (aware of quotes, `$( )`, `${ }`, backticks,
 * comments, line continuations and heredocs), replays `NAME=value` / `NAME=( ... )` assignments in
 * order (so the last uncommented assignment wins, as in bash), expands `$VAR`, `${VAR:-default}`,
 * `${ARR[@]}` and `$(( ))` arithmetic, and collects every `--flag value...` occurrence with the
 * source range of the flag token and of each value. `if`/`elif`/`else` and `case` branches whose
 * condition is decidable from known variables run as in bash; when it is not (`MODEL_SIZE=$1`),
 * each branch that may run is replayed from the same state and the outcomes are merged: a variable
 * they set differently is unknown (ShellVariable.unknownReason) and a flag not written alike in all
 * of them is marked ShellFlag.conditional, never one branch's value picked silently.
 */

/** One lexical token: a shell word (raw source text) or an operator/newline. */
interface Token {
  kind: 'word' | 'op';
  raw: string;
  start: number;
  end: number;
}

/** A value of a variable as replayed: `undefined` text means "not knowable statically". */
export interface ShellVariable {
  name: string;
  /** Scalar value (for arrays, the elements joined by spaces); undefined when unknown. */
  value: string | undefined;
  /** Array elements when assigned with `NAME=( ... )`. */
  elements?: (string | undefined)[];
  /** The assignment that last set it. */
  assignment: ShellAssignment;
  /**
   * Why the value is unknown when it is not an outside input: set differently in the branches of an
   * `if`/`case` whose condition is not known statically (bash runs one branch; which one is not known).
   */
  unknownReason?: string;
}

/** One `NAME=value`, `NAME+=value` or `NAME=( ... )` assignment. */
export interface ShellAssignment {
  name: string;
  nameStart: number;
  nameEnd: number;
  /** Range of the right-hand side (for arrays, from `(` to `)`). */
  valueStart: number;
  valueEnd: number;
  raw: string;
  /** Expanded value (undefined when it depends on something unknown). */
  value: string | undefined;
  append: boolean;
  isArray: boolean;
}

/** A word after splitting quoted argument strings on whitespace, with its expansion. */
export interface ShellField {
  raw: string;
  start: number;
  end: number;
  /** Expanded text; undefined when any part is unknown (`$1`, `$(cmd)`, unset variables). */
  text: string | undefined;
}

/** One value of a flag, with the variable definition it came from when it is a plain `$VAR`. */
export interface ShellFlagValue extends ShellField {
  /** Where the value was defined when the field is just `$VAR` / `${VAR}`. */
  origin?: { name: string; start: number; end: number; raw: string };
  /** Why an unknown value is unknown, when the script itself decides it (see ShellVariable.unknownReason). */
  why?: string;
}

/** One `--flag [values...]` (or `--flag=value`) occurrence in an argument list. */
export interface ShellFlag {
  /** The flag as written, with its dashes (`--num-layers`). */
  name: string;
  /** Range of the flag token itself. */
  start: number;
  end: number;
  values: ShellFlagValue[];
  /**
   * Set when the flag is written in some branches of an `if`/`case` whose condition is not known
   * statically, and not with the same value in every branch that may run: whether (or with which
   * value) the command gets it is unknown. The text names the condition.
   */
  conditional?: string;
  /**
   * Set when the flag comes from a `source`d file: that file's path. Its ranges (and its values')
   * are then those of the `source` command in the analyzed script, where an editor can show them.
   */
  file?: string;
}

/** How `source FILE` / `. FILE` commands are followed (without it they are skipped). */
export interface ShellIncludes {
  /** Path of the analyzed script: relative sources and `$(dirname "$0")` resolve against it. */
  path?: string;
  readFile?: (path: string) => string | undefined;
}

/** A simple command or an argument string/array, as a list of fields. */
export interface ShellStatement {
  kind: 'command' | 'assignment-value';
  fields: ShellField[];
  start: number;
  end: number;
}

/** The replayed script. */
export interface ShellScript {
  lines: LineIndex;
  assignments: ShellAssignment[];
  /** Final variable state after replaying every assignment. */
  variables: Map<string, ShellVariable>;
  /** Every flag occurrence in source order (later occurrences override earlier ones, as argparse). */
  flags: ShellFlag[];
  statements: ShellStatement[];
  diagnostics: CoreDiagnostic[];
}

const OPERATOR_CHARS = ';&|()';
const MAX_EXPANSION_DEPTH = 16;
const MAX_FLAG_VALUES = 8;
const ASSIGNMENT_HEAD = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=/;
/** Words that may precede a command or assignment without being one. */
const LEADING_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
const DECLARATION_BUILTINS = new Set(['export', 'local', 'declare', 'readonly', 'typeset']);
const FLAG_HEAD = /^--([A-Za-z0-9][A-Za-z0-9_.-]*)/;

/**
 * Parses of scripts that `source` nothing, keyed by the script's path and text: recognition, the
 * reader, the layout and schedule readers and the hovers' re-reads all lex the same text. A script
 * that sources (or tries to source) a file is never cached, since that file can change on disk
 * while the script's text does not. Callers treat the result as read-only.
 */
const shellCache = new TextCache<ShellScript>();

/** Parse a shell script statically; never throws. */
export function parseShell(text: string, includes: ShellIncludes = {}): ShellScript {
  const key = `${includes.readFile ? 'r' : '-'}${includes.path ?? ''}\u0000${text}`;
  const cached = shellCache.peek(key);
  if (cached) return cached;
  const lines = new LineIndex(text);
  const diagnostics: CoreDiagnostic[] = [];
  const { masked, tokens } = tokenize(text, { lines, diagnostics, comments: [] });
  const state = new Replay(masked, lines, diagnostics, includes);
  state.run(tokens);
  const script: ShellScript = {
    lines,
    assignments: state.assignments,
    variables: state.variables,
    flags: state.flags,
    statements: state.statements,
    diagnostics,
  };
  if (!state.sourceAttempted) shellCache.put(key, script);
  return script;
}

/** Lex a script into tokens whose raw text has comment lines inside strings blanked. */
function tokenize(text: string, lexer: Lexer): { masked: string; tokens: Token[] } {
  const lexed = lex(text, lexer);
  // Comment lines inside quoted argument strings are blanked (offsets kept) before anything else
  // reads the words, so their quotes, backticks and `$(` cannot open constructs.
  const masked = maskComments(text, lexer.comments);
  return { masked, tokens: lexed.map((token) => ({ ...token, raw: masked.slice(token.start, token.end) })) };
}

/** Most nested `source` levels followed, and most characters read from sourced files. */
const MAX_SOURCE_DEPTH = 4;
const MAX_SOURCED_CHARS = 2_000_000;

/** The directory part of a path (`/a/b/c.sh` → `/a/b`), '.' when there is none. */
function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash < 0) return '.';
  return slash === 0 ? '/' : path.slice(0, slash);
}

/** `relative` resolved against `directory`, with `.` and `..` segments folded. */
function resolvePath(directory: string, relative: string): string {
  const joined = relative.startsWith('/') ? relative : `${directory}/${relative}`;
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return (joined.startsWith('/') ? '/' : '') + out.join('/');
}

/** The last occurrence of any of `names` (argparse semantics: the last one wins). */
export function lastFlag(script: ShellScript, names: readonly string[]): ShellFlag | undefined {
  for (let i = script.flags.length - 1; i >= 0; i--) {
    if (names.includes(script.flags[i].name)) return script.flags[i];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Lexer

/** Lexer state shared by the scanners. */
interface Lexer {
  lines: LineIndex;
  diagnostics: CoreDiagnostic[];
  /** [start, end) of comment lines found inside multi-line quoted strings. */
  comments: [number, number][];
}

/** `text` with the given ranges replaced by spaces (same length, so every offset still holds). */
function maskComments(text: string, comments: [number, number][]): string {
  if (!comments.length) return text;
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of comments) {
    parts.push(text.slice(at, start), ' '.repeat(end - start));
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/**
 * At a newline inside a quoted string: when the next line is a comment (`#` after indentation),
 * record it and return the offset of its end; otherwise undefined. Launch scripts comment out
 * arguments inside `GPT_ARGS="..."` this way; bash would pass the words on, but the author means a
 * comment, and a quote or backtick in it must not open a string that swallows the script.
 */
function commentLineAfter(text: string, newline: number, lexer: Lexer): number | undefined {
  let j = newline + 1;
  while (text[j] === ' ' || text[j] === '\t') j++;
  if (text[j] !== '#') return undefined;
  let end = text.indexOf('\n', j);
  if (end < 0) end = text.length;
  lexer.comments.push([j, end]);
  return end;
}

function lex(text: string, lexer: Lexer): Token[] {
  const tokens: Token[] = [];
  const pendingHeredocs: { delimiter: string; stripTabs: boolean; at: number }[] = [];
  let expectHeredocDelimiter: boolean | undefined;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') {
      i++;
      continue;
    }
    if (ch === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\r' ? 3 : 2; // Line continuation: the command goes on.
      continue;
    }
    if (ch === '\n') {
      tokens.push({ kind: 'op', raw: '\n', start: i, end: i + 1 });
      i++;
      if (pendingHeredocs.length) i = skipHeredocs(text, i, pendingHeredocs.splice(0), lexer);
      continue;
    }
    if (ch === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '(' && text[i + 1] === '(' && atCommandPosition(tokens)) {
      // `(( expr ))` and `for (( init; test; step ))`: one arithmetic word, whose `;` and `<` are
      // not operators or redirections.
      const end = arithmeticCommandEnd(text, i);
      if (end !== undefined) {
        tokens.push({ kind: 'word', raw: text.slice(i, end), start: i, end });
        i = end;
        continue;
      }
    }
    if (OPERATOR_CHARS.includes(ch)) {
      const two = text.slice(i, i + 2);
      const raw = two === '&&' || two === '||' || two === ';;' ? two : ch;
      tokens.push({ kind: 'op', raw, start: i, end: i + raw.length });
      i += raw.length;
      continue;
    }
    const start = i;
    i = scanWord(text, i, lexer);
    const raw = text.slice(start, i);
    tokens.push({ kind: 'word', raw, start, end: i });
    if (expectHeredocDelimiter !== undefined) {
      const delimiter = raw.replace(/['"\\]/g, '');
      if (delimiter) pendingHeredocs.push({ delimiter, stripTabs: expectHeredocDelimiter, at: start });
      expectHeredocDelimiter = undefined;
    } else if (raw.startsWith('<<') && !raw.startsWith('<<<')) {
      const stripTabs = raw.startsWith('<<-');
      const delimiter = raw.slice(stripTabs ? 3 : 2).replace(/['"\\]/g, '');
      if (delimiter) pendingHeredocs.push({ delimiter, stripTabs, at: start });
      else expectHeredocDelimiter = stripTabs;
    }
  }
  return tokens;
}

/** Words after which `((` opens an arithmetic command rather than nested subshells. */
const ARITHMETIC_COMMAND_AFTER = new Set([
  'for',
  'if',
  'elif',
  'while',
  'until',
  'then',
  'do',
  'else',
  '!',
  '{',
]);

function atCommandPosition(tokens: Token[]): boolean {
  const previous = tokens[tokens.length - 1];
  if (!previous) return true;
  if (previous.kind === 'op') return previous.raw !== ')';
  return ARITHMETIC_COMMAND_AFTER.has(previous.raw);
}

/** End offset of `(( … ))` starting at `i`, or undefined when its parentheses do not close so. */
function arithmeticCommandEnd(text: string, i: number): number | undefined {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const ch = text[j];
    if (ch === '\n' && depth > 0 && text.slice(i, j).split('\n').length > 4) return undefined;
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth !== 0) continue;
      // `((python train.py --lr 1) &)` is nested subshells around a command, not arithmetic.
      const closes =
        text[j - 1] === ')' && j - 1 > i + 1 && !/(^|\s)--[A-Za-z]{2}/.test(text.slice(i + 2, j));
      return closes ? j + 1 : undefined;
    } else if (ch === '#' || ch === '`' || ch === '"' || ch === "'") return undefined;
  }
  return undefined;
}

/** Skip heredoc bodies that start at `i` (just after the newline that ends their command). */
function skipHeredocs(
  text: string,
  i: number,
  heredocs: { delimiter: string; stripTabs: boolean; at: number }[],
  { lines, diagnostics }: Lexer,
): number {
  for (const heredoc of heredocs) {
    let closed = false;
    while (i < text.length) {
      let lineEnd = text.indexOf('\n', i);
      if (lineEnd < 0) lineEnd = text.length;
      let line = text.slice(i, lineEnd).replace(/\r$/, '');
      if (heredoc.stripTabs) line = line.replace(/^\t+/, '');
      i = Math.min(lineEnd + 1, text.length);
      if (line === heredoc.delimiter) {
        closed = true;
        break;
      }
    }
    if (!closed) {
      diagnostics.push({
        severity: 'warning',
        code: 'shell-syntax',
        message: `Here-document delimited by '${heredoc.delimiter}' is not closed.`,
        range: lines.range(heredoc.at, heredoc.at + heredoc.delimiter.length + 2),
      });
    }
  }
  return i;
}

/** End offset of the word starting at `i`. */
function scanWord(text: string, i: number, lexer: Lexer): number {
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || OPERATOR_CHARS.includes(ch)) break;
    if (ch === '\\') {
      // A continuation backslash glued to a value (`scale=16\`) ends the word: the author means a
      // new argument on the next line, and the value must not absorb the backslash.
      if (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n')) break;
      i += 2;
      continue;
    }
    if (ch === "'") {
      i = scanSingleQuoted(text, i, lexer);
      continue;
    }
    if (ch === '"') {
      i = scanDoubleQuoted(text, i, lexer);
      continue;
    }
    if (ch === '$') {
      i = scanDollar(text, i, lexer);
      continue;
    }
    if (ch === '`') {
      i = scanBacktick(text, i, lexer);
      continue;
    }
    i++;
  }
  return Math.min(i, n);
}

/**
 * A construct opened at `at` that never closes (a half-typed line): diagnose it and end it at the
 * end of its own line, so the lines after it are still read as script.
 */
function unterminated(text: string, at: number, what: string, { lines, diagnostics }: Lexer): number {
  let end = text.indexOf('\n', at);
  if (end < 0) end = text.length;
  diagnostics.push({
    severity: 'error',
    code: 'shell-syntax',
    message: `Unterminated ${what}: it is read up to the end of its line.`,
    range: lines.range(at, at + 1),
  });
  return end;
}

/** `i` at the opening `'`; returns the offset after the closing quote. */
function scanSingleQuoted(text: string, i: number, lexer: Lexer): number {
  const open = i;
  i++;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") return i + 1;
    i = ch === '\n' ? (commentLineAfter(text, i, lexer) ?? i + 1) : i + 1;
  }
  return unterminated(text, open, 'single-quoted string', lexer);
}

/** `i` at the opening `"`; returns the offset after the closing quote. */
function scanDoubleQuoted(text: string, i: number, lexer: Lexer): number {
  const open = i;
  i++;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') {
      // A commented-out argument after a continued line is a comment too.
      const newline = text[i + 1] === '\r' && text[i + 2] === '\n' ? i + 2 : i + 1;
      i = (text[newline] === '\n' ? commentLineAfter(text, newline, lexer) : undefined) ?? i + 2;
    } else if (ch === '"') return i + 1;
    else if (ch === '$') i = scanDollar(text, i, lexer);
    else if (ch === '`') i = scanBacktick(text, i, lexer);
    else if (ch === '\n') i = commentLineAfter(text, i, lexer) ?? i + 1;
    else i++;
  }
  return unterminated(text, open, 'double-quoted string', lexer);
}

/**
 * `i` at an opening backquote; returns the offset after the closing one. Launch scripts never
 * continue a backquoted command onto the next line, so a backquote with no partner on its own
 * line is a half-typed one: pairing it with a backquote further down would swallow the lines between.
 */
function scanBacktick(text: string, i: number, lexer: Lexer): number {
  const open = i;
  i++;
  while (i < text.length && text[i] !== '\n') {
    if (text[i] === '\\' && text[i + 1] !== '\n') i += 2;
    else if (text[i] === '`') return i + 1;
    else i++;
  }
  return unterminated(text, open, 'backquote', lexer);
}

/** `i` at `$`; returns the offset after `$name`, `${...}`, `$(...)` or `$((...))`. */
function scanDollar(text: string, i: number, lexer: Lexer): number {
  const next = text[i + 1];
  if (next === '(' || next === '{') {
    const close = next === '(' ? ')' : '}';
    let depth = 0;
    let j = i + 1;
    while (j < text.length) {
      const ch = text[j];
      if (ch === '\\') {
        j += 2;
        continue;
      }
      if (ch === "'" && next === '(') {
        const end = text.indexOf("'", j + 1);
        if (end < 0) break;
        j = end + 1;
        continue;
      }
      if (ch === '"') {
        j = scanDoubleQuoted(text, j, lexer);
        continue;
      }
      if (ch === '$' && (text[j + 1] === '(' || text[j + 1] === '{')) {
        j = scanDollar(text, j, lexer);
        continue;
      }
      if (ch === next) depth++;
      else if (ch === close) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return unterminated(text, i, next === '(' ? '$( )' : '${ }', lexer);
  }
  return i + 1;
}

// ---------------------------------------------------------------------------------------------
// Expansion

/** Result of expanding a word: the text, and whether any part was unknowable. */
interface Expansion {
  text: string;
  unknown: boolean;
}

class Replay {
  readonly assignments: ShellAssignment[] = [];
  readonly variables = new Map<string, ShellVariable>();
  readonly flags: ShellFlag[] = [];
  readonly statements: ShellStatement[] = [];
  /** Open `if` / `case` blocks, innermost last. */
  private readonly branches: BranchFrame[] = [];
  /**
   * Open `for`/`while`/`until` loops: whether the body may run other than exactly once (then a
   * `+=` in it appends an unknown number of times).
   */
  private readonly loops: { repeats: boolean }[] = [];
  /** Statements run by statically unrolled loops so far (bounded). */
  private unrolledStatements = 0;

  /**
   * While a sourced file is replayed: where its flags and assignments are shown (the `source`
   * command in the analyzed script) and which file they come from.
   */
  private sourced: { start: number; end: number; file: string } | undefined;
  private sourceDepth = 0;
  private sourcedChars = 0;
  /** Whether a `source` command was followed (or tried): such a parse depends on other files. */
  sourceAttempted = false;
  private readonly sourcing = new Set<string>();

  constructor(
    private text: string,
    private readonly lines: LineIndex,
    private readonly diagnostics: CoreDiagnostic[],
    private readonly includes: ShellIncludes = {},
  ) {
    if (includes.path) this.sourcing.add(includes.path);
  }

  /** Walk the token stream statement by statement. */
  run(tokens: Token[]): void {
    this.runStatements(this.splitStatements(tokens));
  }

  private runStatements(list: StatementWords[]): void {
    for (let s = 0; s < list.length; s++) {
      const done = this.unrollLoop(list, s);
      if (done !== undefined) {
        s = done;
        continue;
      }
      const { words, terminator } = list[s];
      // `;;` on a line of its own still ends a `case` branch.
      if (words.length || terminator === ';;') this.statement(words, terminator);
    }
  }

  /** The token stream as statements: words up to an operator (arrays `NAME=( … )` kept whole). */
  private splitStatements(tokens: Token[]): StatementWords[] {
    const list: StatementWords[] = [];
    let index = 0;
    while (index < tokens.length) {
      const words: { token: Token; array?: Token[]; arrayEnd?: number }[] = [];
      let terminator = '';
      while (index < tokens.length) {
        const token = tokens[index];
        if (token.kind === 'op') {
          const previous = words[words.length - 1];
          // `NAME=(` opens an array that may span lines and hold comments.
          if (
            token.raw === '(' &&
            previous &&
            !previous.array &&
            previous.token.end === token.start &&
            ASSIGNMENT_HEAD.test(previous.token.raw) &&
            /=$/.test(previous.token.raw)
          ) {
            const elements: Token[] = [];
            index++;
            let end = token.end;
            while (index < tokens.length && !(tokens[index].kind === 'op' && tokens[index].raw === ')')) {
              if (tokens[index].kind === 'word') elements.push(tokens[index]);
              index++;
            }
            if (index < tokens.length) end = tokens[index].end;
            else
              this.diagnostics.push({
                severity: 'error',
                code: 'shell-syntax',
                message: 'Array assignment is not closed with `)`.',
                range: this.lines.range(token.start, token.end),
              });
            previous.array = elements;
            previous.arrayEnd = end;
            index++;
            continue;
          }
          terminator = token.raw;
          index++;
          break;
        }
        words.push({ token });
        index++;
      }
      list.push({ words, terminator });
    }
    return list;
  }

  /**
   * A `for` loop whose iterations are known statically and whose body only computes variables
   * (assignments, `arr+=( … )`, `(( … ))`, `if`/`[ ]` tests, `printf -v`, nested such loops) is run
   * as bash runs it, iteration by iteration: slime builds `--moe-layer-freq` this way. Returns the
   * index of the loop's `done`, or undefined to replay the loop the usual way (once, with its
   * variable unknown): a body that launches or sources anything could mean one run per iteration.
   */
  private unrollLoop(list: StatementWords[], s: number): number | undefined {
    const header = list[s].words;
    const head = header[0]?.token.raw;
    if ((head !== 'for' && head !== 'while' && head !== 'until') || !this.active) return undefined;
    const body = loopBody(list, s);
    if (!body || !body.statements.every(isPureStatement)) return undefined;
    const checkpoint = this.checkpoint();
    const ok = this.iterate(header, () => {
      const depth = this.branches.length;
      this.unrolledStatements += body.statements.length + 1;
      if (this.unrolledStatements > MAX_UNROLLED_STATEMENTS) return false;
      this.runStatements(body.statements);
      // A body must close every `if` it opens.
      return this.branches.length === depth;
    });
    if (!ok) {
      this.rollback(checkpoint);
      return undefined;
    }
    return body.done;
  }

  /** Run `each` once per iteration of the `for` header; false when an iteration is not known. */
  private iterate(header: StatementWords['words'], each: () => boolean): boolean {
    const head = header[0].token.raw;
    if (head === 'while' || head === 'until') {
      // `while [ $i -lt 4 ]` / `while (( i < 4 ))`: the test before every iteration, as bash does.
      const test = header.slice(1).map((w) => w.token.raw);
      for (let count = 0; ; count++) {
        const value = this.condition(test);
        if (value === undefined || count > MAX_LOOP_ITERATIONS) return false;
        if (value === (head === 'until')) return true;
        if (!each()) return false;
      }
    }
    const second = header[1]?.token.raw ?? '';
    const scope = this.arithmeticScope({
      start: header[0].token.start,
      end: header[header.length - 1].token.end,
    });
    if (second.startsWith('((') && header.length === 2) {
      const parts = second.slice(2, -2).split(';');
      if (parts.length !== 3) return false;
      const [init, test, step] = parts.map((part) => this.expandOrUndefined(part));
      if (init === undefined || test === undefined || step === undefined) return false;
      if (init.trim() && evaluateShellArithmetic(init, scope) === undefined) return false;
      for (let count = 0; ; count++) {
        const going = test.trim() ? evaluateShellArithmetic(test, scope) : 1;
        if (going === undefined || count > MAX_LOOP_ITERATIONS) return false;
        if (going === 0) return true;
        if (!each()) return false;
        if (step.trim() && evaluateShellArithmetic(step, scope) === undefined) return false;
      }
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*$/.exec(second)?.[0];
    if (!name || header[2]?.token.raw !== 'in') return false;
    const values: string[] = [];
    for (const word of header.slice(3)) {
      const range = braceSequence(word.token.raw);
      if (range === 'too long') return false;
      if (range) {
        values.push(...range);
        continue;
      }
      // A quoted word is one value ("${arr[@]}" one per element); an unquoted expansion is split on
      // whitespace; a glob would list files.
      for (const value of this.commandArguments(word.token.raw)) {
        if (value === undefined || /[*?[]/.test(value)) return false;
        values.push(value);
      }
    }
    if (values.length > MAX_LOOP_ITERATIONS) return false;
    for (const value of values) {
      scope.writeText(name, value);
      if (!each()) return false;
    }
    return true;
  }

  /** Variables as bash arithmetic sees them; writes are assignments placed at `at`. */
  private arithmeticScope(at: {
    start: number;
    end: number;
  }): ArithmeticScope & { writeText(name: string, text: string): void } {
    // The assignment's range is the whole `((…))` / `for` header, its raw text that header, so an
    // edit that rewrites a plain `NAME=value` never mistakes it for one.
    const writeText = (name: string, text: string) => {
      const assignment = this.placeAssignment({
        name,
        nameStart: at.start,
        nameEnd: at.end,
        valueStart: at.start,
        valueEnd: at.end,
        raw: this.text.slice(at.start, at.end),
        value: text,
        append: false,
        isArray: false,
      });
      this.variables.set(name, { name, value: text, assignment });
    };
    return {
      read: (name) => this.arithmeticValue(name),
      write: (name, value) => writeText(name, String(value)),
      writeText,
    };
  }

  private checkpoint(): ReplayCheckpoint {
    return {
      variables: new Map(this.variables),
      assignments: this.assignments.length,
      flags: this.flags.length,
      statements: this.statements.length,
      diagnostics: this.diagnostics.length,
      branches: this.branches.length,
      loops: this.loops.length,
    };
  }

  private rollback(checkpoint: ReplayCheckpoint): void {
    this.restore(checkpoint.variables);
    this.assignments.length = checkpoint.assignments;
    this.flags.length = checkpoint.flags;
    this.statements.length = checkpoint.statements;
    this.diagnostics.length = checkpoint.diagnostics;
    this.branches.length = checkpoint.branches;
    this.loops.length = checkpoint.loops;
  }

  /** Whether the statement being replayed sits in a branch that may run. */
  private get active(): boolean {
    return this.branches.length === 0 || this.branches[this.branches.length - 1].active;
  }

  /**
   * Track `if`/`elif`/`else`/`fi` and `case … in pattern) … ;; esac`. A branch whose condition is
   * decidable from known variables (`[ "$x" = "true" ]`, `[[ $mp -gt 1 ]]`, `case 7B in 7B)`) runs or
   * is skipped as in bash. When a condition is not decidable (`[ $MODEL_SIZE = 7B ]` with
   * `MODEL_SIZE=$1`), every branch that may run is replayed from the same starting state and the
   * outcomes are merged at `fi`/`esac` ({@link endFrame}): a variable set differently by them is
   * unknown, never one branch's value. Returns the words left to replay.
   */
  private branch<T extends { token: Token }>(words: T[], terminator: string): T[] {
    let rest = words;
    for (;;) {
      const keyword = rest[0]?.token.raw;
      const top = this.branches[this.branches.length - 1];
      if (top?.chain) {
        // `if [[ a ]] || [[ b ]] && [[ c ]]; then`: bash's `||`/`&&` lists, left to right.
        // Inside `[[ a && b ]]` the pieces after the first carry no `[[` of their own.
        const raws = rest.map((w) => w.token.raw);
        const next = this.condition(
          /^(\[\[?|test)$/.test(raws[0] ?? '') || !/^\]\]?$/.test(raws[raws.length - 1] ?? '')
            ? raws
            : ['[[', ...raws],
        );
        const { value, op } = top.chain;
        const combined =
          op === '||'
            ? value === true || next === true
              ? true
              : value === false
                ? next
                : undefined
            : value === false || next === false
              ? false
              : value === true
                ? next
                : undefined;
        if (terminator === '||' || terminator === '&&') top.chain = { value: combined, op: terminator };
        else {
          top.chain = undefined;
          this.openBranch(top, combined);
        }
        return [];
      }
      if (top?.kind === 'case' && top.state === 'pattern') {
        if (keyword === 'esac') {
          this.endFrame();
          rest = rest.slice(1);
          continue;
        }
        // A pattern list: `7B|13B)`, `(7B)`; `|` and `)` are operators, so each piece is a statement.
        const pieces = rest.map((w) => w.token.raw).filter((raw) => raw !== '(');
        if (pieces.length) top.patterns.push(pieces.join(' '));
        if (terminator === ')') this.openCaseBranch(top);
        return [];
      }
      if (keyword === 'case' && rest.length >= 3 && rest[2].token.raw === 'in') {
        const subject = this.expandOrUndefined(rest[1].token.raw);
        this.pushFrame('case', `case ${rest[1].token.raw} in`, rest[0].token.start, subject);
        rest = rest.slice(3);
        if (!rest.length) return [];
        continue;
      }
      if (top?.kind === 'case' && keyword === 'esac') {
        this.endFrame();
        rest = rest.slice(1);
        continue;
      }
      if (keyword === 'if' || keyword === 'elif') {
        const condition = this.condition(rest.slice(1).map((w) => w.token.raw));
        const text = rest
          .slice(1)
          .map((w) => w.token.raw)
          .join(' ');
        let frame = top;
        if (keyword === 'if') {
          this.pushFrame('if', `if ${text}`, rest[0].token.start);
          frame = this.branches[this.branches.length - 1];
        } else if (top?.kind === 'if') this.endBranch(top);
        else return [];
        // `if [[ a ]] || [[ b ]]` is split at `||`: the branch opens when the list ends.
        if (terminator === '||' || terminator === '&&') frame.chain = { value: condition, op: terminator };
        else this.openBranch(frame, condition);
        return [];
      }
      if (keyword === 'else' && top?.kind === 'if') {
        this.endBranch(top);
        this.openBranch(top, true);
        rest = rest.slice(1);
        continue;
      }
      if (keyword === 'fi' && top?.kind === 'if') {
        this.endFrame();
        rest = rest.slice(1);
        continue;
      }
      return rest;
    }
  }

  private pushFrame(kind: BranchFrame['kind'], condition: string, at: number, subject?: string): void {
    const parentActive = this.active;
    this.branches.push({
      kind,
      condition,
      line: this.sourced ? undefined : this.lines.positionAt(at).line + 1,
      parentActive,
      active: false,
      anyTaken: false,
      snapshot: new Map(this.variables),
      outcomes: [],
      branchFlags: this.flags.length,
      exited: false,
      exhaustive: false,
      subject,
      state: 'pattern',
      patterns: [],
    });
  }

  /**
   * Start the next branch of a frame, whose condition is `condition` (true for `else` and `*)`):
   * it may run when the frame runs, no earlier branch surely ran and the condition is not false.
   */
  private openBranch(frame: BranchFrame, condition: boolean | undefined): void {
    frame.active = frame.parentActive && frame.anyTaken !== true && condition !== false;
    if (frame.active && condition === true) frame.exhaustive = true;
    if (condition === true) frame.anyTaken = frame.anyTaken === false ? true : frame.anyTaken;
    else if (condition === undefined && frame.anyTaken === false && frame.active) frame.anyTaken = undefined;
    // Every branch starts from the state before the `if`, as only one of them runs.
    this.restore(frame.snapshot);
    frame.branchFlags = this.flags.length;
    frame.exited = false;
  }

  /** `pattern)` of a `case`: matched against the subject (glob patterns, `|` alternatives). */
  private openCaseBranch(frame: BranchFrame): void {
    let condition: boolean | undefined = false;
    for (const pattern of frame.patterns) {
      const match = this.caseMatch(frame.subject, pattern);
      if (match === true) {
        condition = true;
        break;
      }
      if (match === undefined) condition = undefined;
    }
    frame.patterns = [];
    frame.state = 'body';
    this.openBranch(frame, condition);
  }

  private caseMatch(subject: string | undefined, pattern: string): boolean | undefined {
    const expanded = this.expand(pattern, 0);
    if (expanded.unknown) return undefined;
    // Quoted parts of a pattern match literally; only bare *, ? and [...] are globs.
    const quoted = /["'\\]/.test(pattern);
    const glob = expanded.text;
    if (glob === '*' && !quoted) return true;
    if (subject === undefined) return undefined;
    if (quoted || !/[*?[]/.test(glob)) return subject === glob;
    const regex = glob
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    try {
      return new RegExp(`^${regex}$`, 's').test(subject);
    } catch {
      return undefined;
    }
  }

  /** End the current branch: when it may have run (and did not `exit`), keep its outcome. */
  private endBranch(frame: BranchFrame): void {
    if (frame.active && !frame.exited)
      frame.outcomes.push({ variables: new Map(this.variables), flags: this.flags.slice(frame.branchFlags) });
    frame.active = false;
  }

  /**
   * `fi` / `esac`: the variables are those of the one branch that ran when that is known; with
   * several possible outcomes (undecidable conditions, or no branch surely taken), a variable on
   * which they disagree is unknown, and a flag that not every outcome writes with the same value is
   * marked {@link ShellFlag.conditional}.
   */
  private endFrame(): void {
    const frame = this.branches.pop();
    if (!frame) return;
    if (frame.kind === 'if' || frame.state === 'body') this.endBranch(frame);
    const outcomes = frame.outcomes;
    // No branch taken: possible unless a branch surely ran or an `else` / `*)` covers the rest.
    if (frame.parentActive && frame.anyTaken !== true && !frame.exhaustive)
      outcomes.push({ variables: frame.snapshot, flags: [] });
    if (outcomes.length === 0) {
      this.restore(frame.snapshot);
      return;
    }
    if (outcomes.length === 1) {
      this.restore(outcomes[0].variables);
      return;
    }
    const where = frame.line !== undefined ? ` (line ${frame.line})` : '';
    const reason = `\`${frame.condition.length > 60 ? `${frame.condition.slice(0, 57)}…` : frame.condition}\`${where}`;
    const merged = new Map<string, ShellVariable>();
    const names = new Set(outcomes.flatMap((outcome) => [...outcome.variables.keys()]));
    for (const name of names) {
      const values = outcomes.map((outcome) => outcome.variables.get(name));
      const last = [...values].reverse().find((value) => value !== undefined)!;
      const agree = values.every(
        (value) =>
          value !== undefined &&
          value.value === last.value &&
          value.unknownReason === last.unknownReason &&
          sameElements(value.elements, last.elements),
      );
      if (agree) merged.set(name, last);
      else
        merged.set(name, {
          name,
          value: undefined,
          assignment: last.assignment,
          unknownReason:
            last.unknownReason ??
            `\`${name}\` is set differently in the branches of ${reason}, whose condition is not known statically`,
        });
    }
    this.restore(merged);
    // Flags: the same value in every possible outcome is as good as unconditional.
    const byName = new Map<string, (ShellFlag | undefined)[]>();
    outcomes.forEach((outcome, index) => {
      for (const flag of outcome.flags) {
        const list = byName.get(flag.name) ?? outcomes.map(() => undefined);
        list[index] = flag;
        byName.set(flag.name, list);
      }
    });
    for (const [name, list] of byName) {
      const key = (flag: ShellFlag | undefined) =>
        flag === undefined || flag.conditional || flag.values.some((value) => value.text === undefined)
          ? undefined
          : flag.values.map((value) => value.text).join('\u0000');
      const first = key(list[0]);
      if (first !== undefined && list.every((flag) => key(flag) === first)) continue;
      const how = list.every((flag) => flag !== undefined)
        ? 'with different values in the branches of'
        : 'in only some of the possible branches of';
      for (const outcome of outcomes)
        for (const flag of outcome.flags)
          if (flag.name === name && !flag.conditional)
            flag.conditional = `it is written ${how} ${reason}, whose condition is not known statically`;
    }
  }

  /** Replace the variable state (in place: the map is the script's). */
  private restore(variables: Map<string, ShellVariable>): void {
    if (variables === this.variables) return;
    const copy = [...variables];
    this.variables.clear();
    for (const [name, variable] of copy) this.variables.set(name, variable);
  }

  /** Evaluate `[ ... ]` / `[[ ... ]]` / `test ...`; undefined when not decidable. */
  private condition(raw: string[]): boolean | undefined {
    let words = raw;
    const arithmetic = words[0] === '!' ? words.slice(1) : words;
    if (arithmetic.length === 1 && /^\(\([\s\S]*\)\)$/.test(arithmetic[0])) {
      // `(( expr ))` is true when expr is non-zero.
      const value = this.arithmeticCommand(arithmetic[0], undefined);
      return value === undefined ? undefined : (value !== 0) !== (words[0] === '!');
    }
    if (words[0] === '[' || words[0] === '[[')
      words = words.slice(1, words[words.length - 1]?.startsWith(']') ? -1 : undefined);
    else if (words[0] === 'test') words = words.slice(1);
    else return undefined;
    let negate = false;
    if (words[0] === '!') {
      negate = true;
      words = words.slice(1);
    }
    const values = words.map((w) => this.expandOrUndefined(w));
    let result: boolean | undefined;
    if (words.length === 2 && (words[0] === '-n' || words[0] === '-z')) {
      // `if [ -z "$X" ]; then X=default; fi` on an environment variable the script never sets:
      // taken as unset, the assumption `${X:-default}` makes, so the script's default is
      // used. (`-n "$SLURM_JOB_ID"`-style tests stay undecided: they choose a setup, not a default;
      // `[ -z "$1" ]` stays undecided too: it guards `usage; exit`.)
      const reference = /^"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$/.exec(words[1]);
      if (words[0] === '-z' && values[1] === undefined && reference && !this.variables.has(reference[1]))
        values[1] = '';
      if (values[1] !== undefined) result = words[0] === '-n' ? values[1] !== '' : values[1] === '';
    } else if (words.length === 3 && values[0] !== undefined && values[2] !== undefined) {
      const [left, op, right] = [values[0], words[1], values[2]];
      const a = Number(left);
      const b = Number(right);
      const numeric = left.trim() !== '' && right.trim() !== '' && Number.isFinite(a) && Number.isFinite(b);
      if (op === '=' || op === '==') result = left === right;
      else if (op === '!=') result = left !== right;
      else if (numeric && op === '-eq') result = a === b;
      else if (numeric && op === '-ne') result = a !== b;
      else if (numeric && op === '-gt') result = a > b;
      else if (numeric && op === '-ge') result = a >= b;
      else if (numeric && op === '-lt') result = a < b;
      else if (numeric && op === '-le') result = a <= b;
    }
    return result === undefined ? undefined : result !== negate;
  }

  private statement(all: { token: Token; array?: Token[]; arrayEnd?: number }[], terminator: string): void {
    const words = this.branch(all, terminator);
    this.replay(words);
    const top = this.branches[this.branches.length - 1];
    if (terminator === ';;' && top?.kind === 'case' && top.state === 'body') {
      this.endBranch(top);
      top.state = 'pattern';
    }
  }

  private replay(words: { token: Token; array?: Token[]; arrayEnd?: number }[]): void {
    if (!words.length) return;
    // Loops: the body is replayed once. `for NAME in a b` runs it once per word, so NAME is known
    // only with a single word; `for ((…))`, `while` and `until` run it an unknown number of times.
    const head = words[0].token.raw;
    if (head === 'done') {
      this.loops.pop();
      words = words.slice(1);
      if (!words.length) return;
    } else if (head === 'for' || head === 'while' || head === 'until' || head === 'select') {
      const active = this.active;
      const list = head === 'for' && words[2]?.token.raw === 'in' ? words.slice(3) : undefined;
      const values = list?.flatMap((w) => {
        // `{0..3}` is four values (a range too long to list is still more than one).
        const range = braceSequence(w.token.raw);
        if (range) return range === 'too long' ? [undefined, undefined] : range;
        const text = this.expandOrUndefined(w.token.raw);
        return text === undefined ? [undefined] : text.split(/\s+/).filter((piece) => piece !== '');
      });
      this.loops.push({ repeats: !(values && values.length === 1) });
      const name =
        head === 'for' ? /^[A-Za-z_][A-Za-z0-9_]*$/.exec(words[1]?.token.raw ?? '')?.[0] : undefined;
      if (name && active) {
        const known = values && values.length === 1 ? values[0] : undefined;
        const previous = this.variables.get(name);
        const assignment: ShellAssignment = this.placeAssignment({
          name,
          nameStart: words[1].token.start,
          nameEnd: words[1].token.end,
          valueStart: words[1].token.start,
          valueEnd: words[words.length - 1].token.end,
          raw: words
            .slice(3)
            .map((w) => w.token.raw)
            .join(' '),
          value: known,
          append: false,
          isArray: false,
        });
        const where = this.sourced ? '' : ` (line ${this.lines.positionAt(words[0].token.start).line + 1})`;
        this.variables.set(name, {
          name,
          value: known,
          assignment,
          ...(known === undefined
            ? {
                unknownReason: `\`${name}\` takes each value of \`for ${name} in ${assignment.raw.length > 40 ? `${assignment.raw.slice(0, 37)}…` : assignment.raw}\`${where}: the loop launches once per value`,
              }
            : {}),
        });
        void previous;
      }
      return;
    }
    if (!this.active) return;
    const top = this.branches[this.branches.length - 1];
    // `exit` / `return` in a branch: that branch never reaches the rest of the script.
    if (top && (words[0].token.raw === 'exit' || words[0].token.raw === 'return')) top.exited = true;
    let k = 0;
    while (k < words.length && LEADING_KEYWORDS.has(words[k].token.raw)) k++;
    if (k < words.length && DECLARATION_BUILTINS.has(words[k].token.raw)) {
      k++;
      while (k < words.length && /^[-+][A-Za-z]+$/.test(words[k].token.raw)) k++;
    }
    while (k < words.length) {
      const word = words[k];
      const head = ASSIGNMENT_HEAD.exec(word.token.raw);
      if (!head) break;
      this.assign(word.token, head, word.array, word.arrayEnd);
      k++;
    }
    const commandWords = words.slice(k);
    if (!commandWords.length) return;
    const command = commandWords[0].token;
    if (/^\(\([\s\S]*\)\)$/.test(command.raw) && commandWords.length === 1) {
      this.arithmeticCommand(command.raw, command.start);
      return;
    }
    if (command.raw === 'printf' && commandWords[1]?.token.raw === '-v' && commandWords.length >= 4) {
      this.printfToVariable(commandWords.map((w) => w.token));
      return;
    }
    if ((commandWords[0].token.raw === 'source' || commandWords[0].token.raw === '.') && commandWords[1]) {
      const last = commandWords[commandWords.length - 1];
      this.source(commandWords[1].token.raw, commandWords[0].token.start, last.arrayEnd ?? last.token.end);
      return;
    }
    const fields: ShellField[] = [];
    for (const word of commandWords) {
      fields.push(...this.fieldsOf(word.token.raw, word.token.start));
      for (const element of word.array ?? []) fields.push(...this.fieldsOf(element.raw, element.start));
    }
    this.collectFlags(fields);
    const last = commandWords[commandWords.length - 1];
    this.pushStatement({
      kind: 'command',
      fields,
      start: commandWords[0].token.start,
      end: last.arrayEnd ?? last.token.end,
    });
  }

  /**
   * `source FILE`: replay the file in place, as bash does, when it can be found statically (a path
   * relative to the script, or through `$(dirname "$0")`-style variables). Its flags and
   * assignments are placed at the `source` command; an unknown or unreadable file is diagnosed.
   */
  private source(raw: string, start: number, end: number): void {
    const { readFile, path } = this.includes;
    if (!readFile) return;
    this.sourceAttempted = true;
    const target = this.expandOrUndefined(raw);
    const range = this.lines.range(start, end);
    if (target === undefined || target.trim() === '') {
      this.diagnostics.push({
        severity: 'warning',
        code: 'unresolved-source',
        message: `\`source ${raw}\`: the file depends on something outside the script; the counts assume it sets no model or training flags.`,
        range,
      });
      return;
    }
    // Relative sources are taken from the script's directory (where launch scripts keep their
    // fragments). A target that already starts with that directory came from `$(dirname "$0")`.
    const directory = directoryOf(path ?? '');
    const file =
      directory !== '.' && target.startsWith(`${directory}/`)
        ? resolvePath('.', target)
        : resolvePath(directory, target);
    if (this.sourcing.has(file) || this.sourceDepth >= MAX_SOURCE_DEPTH) return;
    const content = readFile(file);
    if (content === undefined || this.sourcedChars + content.length > MAX_SOURCED_CHARS) {
      this.diagnostics.push({
        severity: 'warning',
        code: 'unresolved-source',
        message: `\`source ${raw}\`: ${file} could not be read; the counts assume it sets no model or training flags.`,
        range,
      });
      return;
    }
    this.sourcedChars += content.length;
    const lexer: Lexer = { lines: new LineIndex(content), diagnostics: [], comments: [] };
    const { masked, tokens } = tokenize(content, lexer);
    const saved = { text: this.text, sourced: this.sourced };
    const outer = this.sourced;
    this.text = masked;
    // Nested sources stay placed at the outermost `source` command, the one the editor shows.
    this.sourced = { start: outer?.start ?? start, end: outer?.end ?? end, file };
    this.sourceDepth++;
    this.sourcing.add(file);
    try {
      this.run(tokens);
    } finally {
      this.sourcing.delete(file);
      this.sourceDepth--;
      this.text = saved.text;
      this.sourced = saved.sourced;
    }
    for (const diagnostic of lexer.diagnostics) {
      this.diagnostics.push({ ...diagnostic, message: `${file}: ${diagnostic.message}`, range });
    }
  }

  /**
   * The command substitutions whose output is known statically: path arithmetic on the script's own
   * location, `$(dirname "$0")`, `$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)`, `$(realpath X)`,
   * `$(readlink -f X)` over known words. Anything else is not executed (undefined).
   */
  private scriptDirectory(body: string, depth: number): string | undefined {
    if (!this.includes.path || depth > MAX_EXPANSION_DEPTH) return undefined;
    const words = splitUnquoted(body.trim()).map((piece) => piece.raw);
    const argument = (list: string[]) => {
      const rest = list.filter((word) => word !== '--' && word !== '-f' && !/^&?>/.test(word));
      if (rest.length !== 1) return undefined;
      const expanded = this.expand(rest[0], depth + 1);
      return expanded.unknown || expanded.text === '' ? undefined : expanded.text;
    };
    const [command, ...rest] = words;
    if (command === 'dirname') {
      const target = argument(rest);
      return target === undefined ? undefined : directoryOf(target);
    }
    if (command === 'realpath' || command === 'readlink') {
      if (command === 'readlink' && !rest.includes('-f')) return undefined;
      const target = argument(rest);
      return target === undefined ? undefined : resolvePath('.', target) || '.';
    }
    if (command === 'cd') {
      // `cd DIR [&>/dev/null] && pwd`
      const and = rest.indexOf('&&');
      if (and < 0 || rest.slice(and + 1).join(' ') !== 'pwd') return undefined;
      const target = argument(rest.slice(0, and));
      return target === undefined ? undefined : resolvePath('.', target) || '.';
    }
    return undefined;
  }

  /** The first character of IFS: ' ' when unset, '' when empty, undefined when not known. */
  private ifsSeparator(): string | undefined {
    const ifs = this.variables.get('IFS');
    if (!ifs) return ' ';
    return ifs.value === undefined ? undefined : (ifs.value[0] ?? '');
  }

  /**
   * `$(IFS=', '; echo "${arr[*]}")`: a substitution that only assigns variables (scoped to its
   * subshell) and echoes words prints what echo would; slime joins its layer list this way. Any other
   * command is not executed (undefined).
   */
  private echoSubstitution(body: string, depth: number): string | undefined {
    if (depth > MAX_EXPANSION_DEPTH || body.length > 2000) return undefined;
    const lexer: Lexer = { lines: new LineIndex(body), diagnostics: [], comments: [] };
    const tokens = lex(body, lexer);
    if (lexer.diagnostics.length) return undefined;
    const statements: string[][] = [[]];
    for (const token of tokens) {
      if (token.kind === 'word') statements[statements.length - 1].push(token.raw);
      else if (token.raw === ';' || token.raw === '\n' || token.raw === '&&') statements.push([]);
      else return undefined;
    }
    const commands = statements.filter((words) => words.length > 0);
    if (commands.length === 1 && commands[0][0] === 'seq') return this.seqOutput(commands[0].slice(1), depth);
    const echo = commands.pop();
    if (!echo || echo[0] !== 'echo' || echo.slice(1).some((word) => /^-[a-zA-Z]*[eE]/.test(word)))
      return undefined;
    const saved = new Map(this.variables);
    try {
      for (const words of commands) {
        for (const word of words) {
          const head = ASSIGNMENT_HEAD.exec(word);
          if (!head || head[2] || head[3]) return undefined;
          const value = this.expand(word.slice(head[0].length), depth + 1);
          if (value.unknown) return undefined;
          const assignment: ShellAssignment = {
            name: head[1],
            nameStart: 0,
            nameEnd: 0,
            valueStart: 0,
            valueEnd: 0,
            raw: word,
            value: value.text,
            append: false,
            isArray: false,
          };
          this.variables.set(head[1], { name: head[1], value: value.text, assignment });
        }
      }
      const separators = this.variables.get('IFS')?.value ?? ' \t\n';
      const printed: string[] = [];
      for (const word of echo.slice(1).filter((word) => word !== '-n')) {
        const value = this.expand(word, depth + 1);
        if (value.unknown) return undefined;
        // An unquoted expansion is split on IFS; echo joins the pieces with spaces.
        if (/["']/.test(word) || !word.includes('$') || separators === '') printed.push(value.text);
        else {
          const splitter = new RegExp(`[${separators.replace(/[\\\]^-]/g, '\\$&')}]+`);
          printed.push(...value.text.split(splitter).filter((piece) => piece !== ''));
        }
      }
      return printed.join(' ');
    } finally {
      this.restore(saved);
    }
  }

  /** `seq [FIRST [INCREMENT]] LAST` over known integers: the numbers, one per line (bounded). */
  private seqOutput(args: string[], depth: number): string | undefined {
    const numbers = args.map((word) => {
      const value = this.expand(word, depth + 1);
      return value.unknown || !/^-?\d+$/.test(value.text.trim()) ? undefined : Number(value.text.trim());
    });
    if (numbers.length < 1 || numbers.length > 3 || numbers.some((n) => n === undefined)) return undefined;
    const [first, step, last] =
      numbers.length === 1
        ? [1, 1, numbers[0]!]
        : numbers.length === 2
          ? [numbers[0]!, 1, numbers[1]!]
          : (numbers as number[]);
    return integerRange(first, step, last)?.join('\n');
  }

  /** `$0` (the analyzed script) and `BASH_SOURCE` (the file being replayed), when the path is known. */
  private special(name: string): string | undefined {
    if (!this.includes.path) return undefined;
    if (name === '0') return this.includes.path;
    if (name === 'BASH_SOURCE') return this.sourced?.file ?? this.includes.path;
    return undefined;
  }

  /** Record a statement; one from a sourced file is placed at the `source` command. */
  private pushStatement(statement: ShellStatement): void {
    const at = this.sourced;
    if (!at) {
      this.statements.push(statement);
      return;
    }
    const fields = statement.fields.map((field) => ({ ...field, start: at.start, end: at.end }));
    this.statements.push({ ...statement, fields, start: at.start, end: at.end });
  }

  /** Place a flag from a sourced file at the `source` command. */
  private placeFlag(flag: ShellFlag): ShellFlag {
    const at = this.sourced;
    if (!at) return flag;
    return {
      ...flag,
      start: at.start,
      end: at.end,
      file: at.file,
      values: flag.values.map((value) => ({
        ...value,
        start: at.start,
        end: at.end,
        ...(value.origin ? { origin: { ...value.origin, start: at.start, end: at.end } } : {}),
      })),
    };
  }

  /** Place an assignment from a sourced file at the `source` command. */
  private placeAssignment(assignment: ShellAssignment): ShellAssignment {
    const at = this.sourced;
    if (!at) return assignment;
    return { ...assignment, nameStart: at.start, nameEnd: at.end, valueStart: at.start, valueEnd: at.end };
  }

  private assign(token: Token, head: RegExpExecArray, array: Token[] | undefined, arrayEnd?: number): void {
    const name = head[1];
    const append = head[3] === '+';
    const nameStart = token.start;
    const valueStart = token.start + head[0].length;
    const previous = this.variables.get(name);
    let assignment: ShellAssignment;
    if (array) {
      const elementFields = array.map((element) => this.fieldsOf(element.raw, element.start));
      // Flags are collected before the assignment takes effect: bash expands the right side first.
      this.collectFlags(elementFields.flat());
      const elements = array.map((element) => this.expandOrUndefined(element.raw));
      const end = arrayEnd ?? token.end;
      const repeated = append && this.loops.some((loop) => loop.repeats);
      const all = repeated ? [undefined] : append ? [...(previous?.elements ?? []), ...elements] : elements;
      assignment = {
        name,
        nameStart,
        nameEnd: nameStart + name.length,
        valueStart,
        valueEnd: end,
        raw: this.text.slice(valueStart, end),
        value: joinKnown(all),
        append,
        isArray: true,
      };
      assignment = this.placeAssignment(assignment);
      this.variables.set(name, { name, value: assignment.value, elements: all, assignment });
      this.pushStatement({
        kind: 'assignment-value',
        fields: elementFields.flat(),
        start: valueStart,
        end,
      });
    } else {
      const raw = this.text.slice(valueStart, token.end);
      const fields = this.fieldsOf(raw, valueStart);
      this.collectFlags(fields);
      const expanded = this.expandOrUndefined(raw);
      let value = expanded;
      if (append)
        value =
          previous?.value !== undefined && expanded !== undefined && !this.loops.some((loop) => loop.repeats)
            ? previous.value + expanded
            : undefined;
      assignment = {
        name,
        nameStart,
        nameEnd: nameStart + name.length,
        valueStart,
        valueEnd: token.end,
        raw,
        value,
        append,
        isArray: false,
      };
      assignment = this.placeAssignment(assignment);
      this.variables.set(name, { name, value, assignment });
      if (fields.length)
        this.pushStatement({ kind: 'assignment-value', fields, start: valueStart, end: token.end });
    }
    this.assignments.push(assignment);
  }

  /**
   * Split a word into argument fields. A word that is one quoted string (`"--a 1 \ --b 2"`) is an
   * argument list that will be word-split when used unquoted, so it yields one field per
   * whitespace-separated piece; any other word is one field.
   */
  private fieldsOf(raw: string, start: number): ShellField[] {
    const quote = raw[0];
    if ((quote === '"' || quote === "'") && raw.length >= 2 && closingQuote(raw) === raw.length - 1) {
      const content = raw.slice(1, -1);
      const fields: ShellField[] = [];
      for (const piece of splitUnquoted(content)) {
        const pieceStart = start + 1 + piece.offset;
        const text = quote === "'" ? piece.raw : this.expandOrUndefined(piece.raw, true);
        fields.push({ raw: piece.raw, start: pieceStart, end: pieceStart + piece.raw.length, text });
      }
      return fields;
    }
    // `"--a 1 --tokenizer-model "org/name" --b 2 "`: a double-quoted argument string that closes and
    // reopens around a nested quoted value is still one argument list (its quotes only group), so it
    // is split on whitespace like the plain case, each piece read with its own quotes removed.
    if (quote === '"' && /\s/.test(raw)) {
      const fields: ShellField[] = [];
      for (const piece of splitUnquoted(raw)) {
        const text = this.expandOrUndefined(piece.raw.replace(/(?<!\\)"/g, ''), true);
        if (text === '') continue;
        const pieceStart = start + piece.offset;
        fields.push({
          raw: piece.raw.replace(/^"|"$/g, ''),
          start: pieceStart,
          end: pieceStart + piece.raw.length,
          text,
        });
      }
      return fields;
    }
    return [{ raw, start, end: start + raw.length, text: this.expandOrUndefined(raw) }];
  }

  /** Scan fields for `--flag value...` groups. */
  private collectFlags(fields: ShellField[]): void {
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      const head = FLAG_HEAD.exec(field.raw);
      if (!head) continue;
      const nameEnd = field.start + head[0].length;
      const flag: ShellFlag = { name: head[0], start: field.start, end: nameEnd, values: [] };
      if (field.raw[head[0].length] === '=') {
        const raw = field.raw.slice(head[0].length + 1);
        const text = field.text?.slice(field.text.indexOf('=') + 1);
        flag.values.push(this.flagValue({ raw, start: nameEnd + 1, end: field.end, text }));
      } else if (field.raw.length === head[0].length) {
        for (let j = i + 1; j < fields.length && flag.values.length < MAX_FLAG_VALUES; j++) {
          const candidate = fields[j];
          if (/^-[-A-Za-z]/.test(candidate.raw)) break;
          if (candidate.text !== undefined && /^\s*--?[A-Za-z]/.test(candidate.text)) break;
          if (candidate.text !== undefined && candidate.text.trim() === '') continue;
          flag.values.push(this.flagValue(candidate));
          i = j;
        }
      } else {
        continue; // `--foo$BAR`: a flag name we cannot know.
      }
      this.flags.push(this.placeFlag(flag));
    }
  }

  private flagValue(field: ShellField): ShellFlagValue {
    const reference = /^"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$/.exec(field.raw);
    const variable = reference ? this.variables.get(reference[1]) : undefined;
    const text = field.text === undefined ? undefined : stripQuotes(field.text.trim());
    const why = text === undefined && variable?.unknownReason ? { why: variable.unknownReason } : {};
    if (!variable || variable.assignment.isArray) return { ...field, text, ...why };
    const a = variable.assignment;
    return {
      ...field,
      text,
      ...why,
      origin: { name: a.name, start: a.valueStart, end: a.valueEnd, raw: a.raw },
    };
  }

  private expandOrUndefined(raw: string, insideDoubleQuotes = false): string | undefined {
    const result = this.expand(raw, 0, insideDoubleQuotes);
    return result.unknown ? undefined : result.text;
  }

  /** Expand a raw word: quotes removed, parameters and arithmetic substituted. */
  expand(raw: string, depth: number, insideDoubleQuotes = false): Expansion {
    if (depth > MAX_EXPANSION_DEPTH) return { text: '', unknown: true };
    let text = '';
    let unknown = false;
    let inDouble = insideDoubleQuotes;
    let i = 0;
    while (i < raw.length) {
      const ch = raw[i];
      if (ch === "'" && !inDouble) {
        const close = raw.indexOf("'", i + 1);
        const end = close < 0 ? raw.length : close;
        text += raw.slice(i + 1, end);
        i = end + 1;
        continue;
      }
      if (ch === '"') {
        inDouble = !inDouble;
        i++;
        continue;
      }
      if (ch === '\\') {
        const next = raw[i + 1];
        if (next === undefined) {
          i++;
          continue;
        }
        if (next === '\n') {
          i += 2;
          continue;
        }
        if (!inDouble || '$`"\\'.includes(next)) text += next;
        else text += ch + next;
        i += 2;
        continue;
      }
      if (ch === '`') {
        let end = i + 1;
        while (end < raw.length && raw[end] !== '`') end += raw[end] === '\\' ? 2 : 1;
        unknown = true;
        i = end + 1;
        continue;
      }
      if (ch === '$') {
        const result = this.expandDollar(raw, i, depth, inDouble);
        text += result.text;
        unknown ||= result.unknown;
        i = result.end;
        continue;
      }
      text += ch;
      i++;
    }
    return { text, unknown };
  }

  private expandDollar(raw: string, i: number, depth: number, quoted = false): Expansion & { end: number } {
    const next = raw[i + 1];
    if (next === '(') {
      const end = matchingClose(raw, i + 1, '(', ')');
      if (raw[i + 2] === '(' && raw[end - 2] === ')') {
        const value = this.arithmetic(raw.slice(i + 3, end - 2), depth);
        return value === undefined
          ? { text: '', unknown: true, end }
          : { text: String(value), unknown: false, end };
      }
      const directory = this.scriptDirectory(raw.slice(i + 2, end - 1), depth);
      if (directory !== undefined) return { text: directory, unknown: false, end };
      const echoed = this.echoSubstitution(raw.slice(i + 2, end - 1), depth);
      if (echoed !== undefined) return { text: echoed, unknown: false, end };
      return { text: '', unknown: true, end }; // Command substitution: not executed.
    }
    if (next === '{') {
      const end = matchingClose(raw, i + 1, '{', '}');
      return { ...this.parameter(raw.slice(i + 2, end - 1), depth, quoted), end };
    }
    const name = /^([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(raw.slice(i + 1));
    if (!name) return { text: '$', unknown: false, end: i + 1 };
    const variable = this.variables.get(name[1]);
    const end = i + 1 + name[1].length;
    const special = variable ? undefined : this.special(name[1]);
    if (special !== undefined) return { text: special, unknown: false, end };
    if (!variable || variable.value === undefined) return { text: '', unknown: true, end };
    return { text: variable.elements ? (variable.elements[0] ?? '') : variable.value, unknown: false, end };
  }

  /** `${...}` contents: NAME, NAME[@], NAME:-word, NAME-word, NAME:=word, NAME:+word, #NAME. */
  private parameter(body: string, depth: number, quoted = false): Expansion {
    const match = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!])(\[([^\]]*)\])?(:?[-=+?])?([\s\S]*)$/.exec(body);
    if (!match || (match[5] && !match[4])) return { text: '', unknown: true };
    const special = this.variables.has(match[1]) ? undefined : this.special(match[1]);
    if (special !== undefined && (match[3] === undefined || match[3] === '0') && !match[4])
      return { text: special, unknown: false };
    const variable = this.variables.get(match[1]);
    const index = match[3];
    let value: string | undefined;
    let set = false;
    if (variable) {
      set = true;
      if (index === '@' || index === '*')
        // "${arr[*]}" joins with the first character of IFS (a space when IFS is unset).
        value = variable.elements
          ? joinKnown(variable.elements, index === '*' && quoted ? this.ifsSeparator() : ' ')
          : variable.value;
      else if (index !== undefined && variable.elements) {
        const at = Number(index);
        value = Number.isInteger(at) ? variable.elements[at] : undefined;
      } else value = variable.elements ? variable.elements[0] : variable.value;
    }
    const operator = match[4];
    if (!operator) return value === undefined ? { text: '', unknown: true } : { text: value, unknown: false };
    const useDefault = !set || (operator.startsWith(':') && value === '');
    if (operator.endsWith('-') || operator.endsWith('=')) {
      // Unset variables (environment, positional arguments) take the script's default.
      if (useDefault) return this.expand(match[5], depth + 1);
      return value === undefined ? { text: '', unknown: true } : { text: value, unknown: false };
    }
    if (operator.endsWith('+')) {
      if (!set) return { text: '', unknown: false };
      return this.expand(match[5], depth + 1);
    }
    return value === undefined ? { text: '', unknown: true } : { text: value, unknown: false };
  }

  /**
   * `(( expr ))` as a command or test: evaluated with its assignments; a variable it would assign
   * while something is unknown becomes unknown, so no stale value survives.
   */
  private arithmeticCommand(raw: string, at: number | undefined): number | undefined {
    const expanded = this.expandOrUndefined(raw.slice(2, -2));
    // A test (`if (( … ))`) has no place to put an assignment: one that assigns is not evaluated.
    let assignsInTest = false;
    const scope: ArithmeticScope =
      at === undefined
        ? { read: (name) => this.arithmeticValue(name), write: () => void (assignsInTest = true) }
        : this.arithmeticScope({ start: at, end: at + raw.length });
    // In a loop replayed once for an unknown number of runs, what it assigns is unknown.
    const repeating = this.loops.some((loop) => loop.repeats);
    let value = expanded === undefined || repeating ? undefined : evaluateShellArithmetic(expanded, scope);
    if (assignsInTest) value = undefined;
    if (value === undefined)
      for (const name of (expanded ?? raw).match(
        /[A-Za-z_][A-Za-z0-9_]*(?=\s*(\*\*|[-+*/%])?=(?!=)|\s*(\+\+|--))|(?<=(\+\+|--)\s*)[A-Za-z_][A-Za-z0-9_]*/g,
      ) ?? []) {
        const previous = this.variables.get(name);
        if (previous)
          this.variables.set(name, {
            ...previous,
            value: undefined,
            elements: undefined,
            unknownReason: `\`${name}\` is assigned in \`${raw.length > 40 ? `${raw.slice(0, 37)}…` : raw}\`, which cannot be evaluated statically`,
          });
      }
    return value;
  }

  /**
   * `printf -v NAME FORMAT ARGS…`: the formatted text into NAME (`%s`, `%d`, `%%`; the format is
   * reused while arguments remain, as bash does). Anything else makes NAME unknown.
   */
  private printfToVariable(tokens: Token[]): void {
    const name = /^[A-Za-z_][A-Za-z0-9_]*$/.exec(tokens[2].raw)?.[0];
    if (!name) return;
    const format = this.expandOrUndefined(tokens[3].raw);
    const args = tokens.slice(4).flatMap((token) => this.commandArguments(token.raw));
    // Only %s, %d and %% are read; other directives and backslash escapes make the value unknown.
    const supported = format !== undefined && !/%(?![sd])|\\/.test(format.replace(/%%/g, ''));
    let text: string | undefined = !supported || args.includes(undefined) ? undefined : '';
    if (text !== undefined && format !== undefined) {
      const known = args as string[];
      let used = 0;
      let notInteger = false;
      do {
        const start = used;
        const piece = format.replace(/%([%sd])/g, (_, kind: string) => {
          if (kind === '%') return '%';
          const arg = known[used++] ?? '';
          if (kind === 's') return arg;
          const number = arg.trim() === '' ? 0 : Number(arg);
          if (!Number.isSafeInteger(number)) notInteger = true;
          return String(number);
        });
        if (notInteger) {
          text = undefined;
          break;
        }
        text += piece;
        if (used === start) break;
      } while (used < known.length);
    }
    const assignment = this.placeAssignment({
      name,
      nameStart: tokens[2].start,
      nameEnd: tokens[2].end,
      valueStart: tokens[3].start,
      valueEnd: tokens[tokens.length - 1].end,
      raw: this.text.slice(tokens[3].start, tokens[tokens.length - 1].end),
      value: text,
      append: false,
      isArray: false,
    });
    this.assignments.push(assignment);
    this.variables.set(name, {
      name,
      value: text,
      assignment,
      ...(text === undefined
        ? { unknownReason: `\`${name}\` is set by \`printf -v\` from values that are not known statically` }
        : {}),
    });
  }

  /**
   * The arguments one word gives a command: `"${arr[@]}"` one per element, an unquoted expansion
   * split on whitespace, anything else one (undefined where unknown).
   */
  private commandArguments(raw: string): (string | undefined)[] {
    const array = /^"?\$\{([A-Za-z_][A-Za-z0-9_]*)\[@\]\}"?$/.exec(raw);
    if (array) {
      const variable = this.variables.get(array[1]);
      if (!variable) return [undefined];
      return variable.elements ?? (variable.value === undefined ? [undefined] : [variable.value]);
    }
    const text = this.expandOrUndefined(raw);
    if (text === undefined || /["']/.test(raw) || !raw.includes('$')) return [text];
    return text.split(/\s+/).filter((piece) => piece !== '');
  }

  /**
   * `$(( expr ))`: the same bash arithmetic as `(( … ))` over known variables; undefined when
   * anything is unknown or the expression assigns (an expansion's side effects are not replayed).
   */
  private arithmetic(expression: string, depth: number): number | undefined {
    const expanded = this.expand(expression, depth + 1);
    if (expanded.unknown) return undefined;
    let assigns = false;
    const value = evaluateShellArithmetic(expanded.text, {
      read: (name) => this.arithmeticValue(name),
      write: () => void (assigns = true),
    });
    return assigns ? undefined : value;
  }

  /** A variable's value as bash arithmetic reads it (an empty value is 0). */
  private arithmeticValue(name: string): number | undefined {
    const value = this.variables.get(name)?.value;
    return value === undefined ? undefined : evaluateShellArithmetic(value.trim() || '0', NO_SCOPE);
  }
}

type StatementWords = { words: { token: Token; array?: Token[]; arrayEnd?: number }[]; terminator: string };

interface ReplayCheckpoint {
  variables: Map<string, ShellVariable>;
  assignments: number;
  flags: number;
  statements: number;
  diagnostics: number;
  branches: number;
  loops: number;
}

/** Bounds on statically run loops: past them the loop is replayed once, its results unknown. */
const MAX_LOOP_ITERATIONS = 1024;
const MAX_UNROLLED_STATEMENTS = 10_000;
const NO_SCOPE: ArithmeticScope = { read: () => undefined, write: () => undefined };

const LOOP_HEADS = new Set(['for', 'while', 'until', 'select']);

/** Bash brace expansion of an integer range, `{0..47}` or `{0..10..2}`; undefined for anything else. */
function braceSequence(raw: string): string[] | 'too long' | undefined {
  const match = /^\{(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?\}$/.exec(raw);
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  const step = Math.abs(Number(match[3] ?? 1)) || 1;
  return integerRange(first, first <= last ? step : -step, last)?.map(String) ?? 'too long';
}

/** first, first + step, … up to last (inclusive), as seq and brace ranges list them; undefined past the loop bound. */
function integerRange(first: number, step: number, last: number): number[] | undefined {
  if (step === 0 || Math.abs((last - first) / step) > MAX_LOOP_ITERATIONS) return undefined;
  const out: number[] = [];
  for (let n = first; step > 0 ? n <= last : n >= last; n += step) out.push(n);
  return out;
}

/** Keywords that may open a statement before its command (`then arr+=(1)`, `do (( i++ ))`). */
const KEYWORD_PREFIXES = new Set(['if', 'elif', 'then', 'else', 'fi', 'do', 'done', '!', '{', '}']);

/** Index of the statement's first word after its keyword prefixes. */
function skipKeywordPrefixes(words: StatementWords['words']): number {
  let k = 0;
  while (k < words.length && KEYWORD_PREFIXES.has(words[k].token.raw)) k++;
  return k;
}

/** The statement's first word after its keyword prefixes. */
function headWord(words: StatementWords['words']): string | undefined {
  return words[skipKeywordPrefixes(words)]?.token.raw;
}

/**
 * The body of the loop whose header is statement `s` (`for … ;` then `do …`), up to its matching
 * `done`, with the `do` removed; undefined when the shape is not that (or `done` has more words).
 */
function loopBody(
  list: StatementWords[],
  s: number,
): { statements: StatementWords[]; done: number } | undefined {
  const first = list[s + 1];
  if (!first || first.words[0]?.token.raw !== 'do') return undefined;
  const statements: StatementWords[] = [{ words: first.words.slice(1), terminator: first.terminator }];
  let depth = LOOP_HEADS.has(headWord(first.words.slice(1)) ?? '') ? 2 : 1;
  for (let t = s + 2; t < list.length; t++) {
    const { words } = list[t];
    const head = headWord(words);
    if (words[0]?.token.raw === 'done') {
      depth--;
      if (depth === 0) return words.length === 1 ? { statements, done: t } : undefined;
    } else if (head !== undefined && LOOP_HEADS.has(head)) depth++;
    statements.push(list[t]);
  }
  return undefined;
}

/** Commands a loop body may run for the loop to be run statically: they launch nothing. */
const NO_OP_COMMANDS = new Set(['true', ':']);

function isPureStatement({ words }: StatementWords): boolean {
  let k = skipKeywordPrefixes(words);
  while (k < words.length && ASSIGNMENT_HEAD.test(words[k].token.raw)) k++;
  const head = words[k]?.token.raw;
  if (head === undefined) return true;
  if (head.startsWith('((')) return k === words.length - 1;
  if (head === 'printf') return words[k + 1]?.token.raw === '-v';
  // A nested loop header (its body is checked when it is run).
  if (head === 'for' || head === 'while' || head === 'until') return true;
  if (head === '[' || head === '[[' || head === 'test')
    return words.every((w) => !/^\$\(|`/.test(w.token.raw));
  return NO_OP_COMMANDS.has(head);
}

/** One open `if` or `case` block while replaying. */
interface BranchFrame {
  kind: 'if' | 'case';
  /** `if [ $MODEL_SIZE = 7B ];` / `case $MODEL_SIZE in`, for messages. */
  condition: string;
  /** 1-based line of the `if`/`case` in the analyzed script (undefined inside a sourced file). */
  line: number | undefined;
  /** Whether the enclosing code may run. */
  parentActive: boolean;
  /** Whether the current branch may run. */
  active: boolean;
  /** Whether an earlier branch surely ran (true), surely did not (false), or may have (undefined). */
  anyTaken: boolean | undefined;
  /** Variables before the block: every branch starts from them. */
  snapshot: Map<string, ShellVariable>;
  /** Variables and flags at the end of each branch that may have run. */
  outcomes: { variables: Map<string, ShellVariable>; flags: ShellFlag[] }[];
  /** Index in the flag list where the current branch started. */
  branchFlags: number;
  /** The current branch ran `exit`/`return`. */
  exited: boolean;
  /** An `else` or `*)` that may run: some branch always runs. */
  exhaustive: boolean;
  /** An `if`/`elif` test list still being read (`[[ a ]] || [[ b ]]`): its value so far. */
  chain?: { value: boolean | undefined; op: string };
  /** `case`: the expanded subject (undefined when unknown), the pattern list being read. */
  subject: string | undefined;
  state: 'pattern' | 'body';
  patterns: string[];
}

function sameElements(a: (string | undefined)[] | undefined, b: (string | undefined)[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((element, index) => element !== undefined && element === b[index]);
}

/** Elements joined by spaces, or undefined when any is unknown. */
function joinKnown(
  elements: (string | undefined)[],
  separator: string | undefined = ' ',
): string | undefined {
  return separator === undefined || elements.some((e) => e === undefined)
    ? undefined
    : elements.join(separator);
}

/** Offset just after the bracket matching the one at `open` (quote-aware); end of text if none. */
function matchingClose(raw: string, open: number, opener: string, closer: string): number {
  let depth = 0;
  for (let j = open; j < raw.length; j++) {
    const ch = raw[j];
    if (ch === '\\') {
      j++;
      continue;
    }
    if (ch === "'" && opener === '(') {
      const end = raw.indexOf("'", j + 1);
      if (end < 0) return raw.length;
      j = end;
      continue;
    }
    if (ch === opener) depth++;
    else if (ch === closer && --depth === 0) return j + 1;
  }
  return raw.length;
}

/** Index of the quote that closes the one at index 0 of `raw`. */
function closingQuote(raw: string): number {
  const quote = raw[0];
  if (quote === "'") return raw.indexOf("'", 1);
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '"') return i;
    else if (raw[i] === '$' && (raw[i + 1] === '(' || raw[i + 1] === '{')) {
      i = matchingClose(raw, i + 1, raw[i + 1], raw[i + 1] === '(' ? ')' : '}') - 1;
    }
  }
  return -1;
}

/** Whitespace-separated pieces of quoted content, keeping `${ }`/`$( )` intact. */
function splitUnquoted(content: string): { raw: string; offset: number }[] {
  const pieces: { raw: string; offset: number }[] = [];
  let i = 0;
  while (i < content.length) {
    while (
      i < content.length &&
      (/\s/.test(content[i]) || (content[i] === '\\' && /\s/.test(content[i + 1] ?? '')))
    )
      i += content[i] === '\\' ? 2 : 1;
    if (i >= content.length) break;
    const start = i;
    while (i < content.length && !/\s/.test(content[i])) {
      if (content[i] === '\\') {
        if (/\s/.test(content[i + 1] ?? '')) break;
        i += 2;
      } else if (content[i] === '$' && (content[i + 1] === '(' || content[i + 1] === '{')) {
        i = matchingClose(content, i + 1, content[i + 1], content[i + 1] === '(' ? ')' : '}');
      } else i++;
    }
    pieces.push({ raw: content.slice(start, Math.min(i, content.length)), offset: start });
  }
  return pieces;
}

/** Drop one pair of surrounding quotes that survived inside an argument string (`'99,1,0'`). */
function stripQuotes(text: string): string {
  const match = /^(['"])(.*)\1$/s.exec(text);
  return match ? match[2] : text;
}
