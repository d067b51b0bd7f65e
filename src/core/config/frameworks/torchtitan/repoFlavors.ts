import type { ReadContext } from '../../../types';
import type { TitanFlavorArgs, TitanFlavorTable } from './flavors';
import { joinPath, parentDirs } from '../../paths';

/**
 * A torchtitan TOML names a flavor of the Python flavor table of the checkout it runs in
 * (`torchtitan/models/<pkg>/__init__.py`, `train_spec.model_args[flavor]`). Forks and research
 * repositories vendor torchtitan and edit that table (zyushun/Adam-mini@402aadfe
 * examples/llama/torchtitan/models/llama/__init__.py redefines llama3 "debugmodel" as dim 1024,
 * 16 layers), so the upstream table alone can give a wrong N. When the workspace holds the table
 * the config runs against (the same relative path under one of the config's parent folders), the
 * flavor's entry there is read (torchtitan builds the model from it): its literal arguments over the
 * upstream ones; a missing entry, arguments the upstream class does not have or values that are not
 * literals → N unknown, naming them.
 *
 * Unwritten arguments take the dataclass defaults of the repository's own args class when its file
 * is found (`model.py` beside the table for Dec 2024, `model/args.py` for later versions), else the
 * upstream defaults.
 */

/** How many parent folders of the config are searched for the repository's flavor table. */
const MAX_LEVELS = 8;

export type RepoFlavorCheck =
  | { kind: 'args'; path: string; args: TitanFlavorArgs }
  | { kind: 'unreadable'; path: string; reason: string };

type PyValue = number | string | boolean | null | PyCall | PyOpaque;
interface PyCall {
  call: string;
  kwargs: Record<string, PyValue>;
  positional: number;
}
interface PyOpaque {
  opaque: string;
}

interface Token {
  type: 'num' | 'str' | 'name' | 'op';
  value: string | number;
  pos: number;
}

function tokenize(src: string, start: number, end: number): Token[] {
  const tokens: Token[] = [];
  let i = start;
  while (i < end) {
    const ch = src[i]!;
    if (ch === '#') {
      while (i < end && src[i] !== '\n') i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      const triple = src.slice(i, i + 3) === ch.repeat(3);
      const close = triple ? src.indexOf(ch.repeat(3), i + 3) : src.indexOf(ch, i + 1);
      if (close < 0 || close >= end) return tokens;
      tokens.push({ type: 'str', value: src.slice(i + (triple ? 3 : 1), close), pos: i });
      i = close + (triple ? 3 : 1);
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?/.exec(src.slice(i, Math.min(end, i + 64)));
      const text = m ? m[0] : ch;
      tokens.push({ type: 'num', value: Number(text.replace(/_/g, '')), pos: i });
      i += text.length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(
        src.slice(i, Math.min(end, i + 256)),
      );
      const text = m ? m[0] : ch;
      tokens.push({ type: 'name', value: text, pos: i });
      i += text.length;
    } else {
      const two = src.slice(i, i + 2);
      const op = ['**', '//'].includes(two) ? two : ch;
      tokens.push({ type: 'op', value: op, pos: i });
      i += op.length;
    }
  }
  return tokens;
}

/** A small expression reader: literals, arithmetic on numbers, calls with keyword arguments. */
class Reader {
  at = 0;
  constructor(private readonly tokens: Token[]) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }
  expr(depth = 0): PyValue {
    if (depth > 20) throw new Error('too deep');
    let left = this.unary(depth);
    for (;;) {
      const op = this.peek();
      if (op?.type !== 'op' || !['*', '//', '+', '-', '/', '**'].includes(String(op.value))) return left;
      this.at++;
      const right = this.unary(depth);
      if (typeof left !== 'number' || typeof right !== 'number') {
        left = { opaque: 'an expression' };
        continue;
      }
      const o = op.value;
      left =
        o === '*'
          ? left * right
          : o === '//'
            ? Math.floor(left / right)
            : o === '/'
              ? left / right
              : o === '**'
                ? left ** right
                : o === '+'
                  ? left + right
                  : left - right;
    }
  }
  unary(depth: number): PyValue {
    const token = this.peek();
    if (token?.type === 'op' && token.value === '-') {
      this.at++;
      const value = this.unary(depth);
      return typeof value === 'number' ? -value : { opaque: 'an expression' };
    }
    return this.atom(depth);
  }
  atom(depth: number): PyValue {
    const token = this.tokens[this.at++];
    if (!token) throw new Error('end of input');
    if (token.type === 'num' || token.type === 'str') return token.value;
    if (token.type === 'name') {
      if (token.value === 'True') return true;
      if (token.value === 'False') return false;
      if (token.value === 'None') return null;
      if (this.peek()?.value === '(') return this.call(String(token.value), depth);
      return { opaque: String(token.value) };
    }
    if (token.value === '(' || token.value === '[' || token.value === '{') {
      this.skipGroup(token.value);
      return { opaque: 'a literal' };
    }
    throw new Error(`unexpected ${token.value}`);
  }
  /** Skips to the bracket that closes the one just read. */
  skipGroup(open: string | number): void {
    const close = open === '(' ? ')' : open === '[' ? ']' : '}';
    let level = 1;
    while (level > 0) {
      const token = this.tokens[this.at++];
      if (!token) throw new Error('unbalanced');
      if (token.type !== 'op') continue;
      if (token.value === open) level++;
      else if (token.value === close) level--;
    }
  }
  call(name: string, depth: number): PyCall {
    this.at++; // (
    const kwargs: Record<string, PyValue> = {};
    let positional = 0;
    while (this.peek() && this.peek()!.value !== ')') {
      if (this.peek()!.type === 'name' && this.peek(1)?.value === '=') {
        const key = String(this.tokens[this.at]!.value);
        this.at += 2;
        kwargs[key] = this.expr(depth + 1);
      } else {
        this.expr(depth + 1);
        positional++;
      }
      if (this.peek()?.value === ',') this.at++;
      else if (this.peek()?.value !== ')') throw new Error('expected , or )');
    }
    if (!this.peek()) throw new Error('unbalanced call');
    this.at++; // )
    return { call: name, kwargs, positional };
  }
}

const isCall = (value: PyValue): value is PyCall =>
  typeof value === 'object' && value !== null && 'call' in value;
const isOpaque = (value: PyValue): value is PyOpaque =>
  typeof value === 'object' && value !== null && 'opaque' in value;

/** Index of the bracket closing the one at `open` (strings and comments skipped), or -1. */
function closingBracket(src: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '(': ')', '[': ']' };
  const stack: string[] = [];
  for (let i = open; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (ch === '"' || ch === "'") {
      const triple = src.slice(i, i + 3) === ch.repeat(3);
      const close = triple ? src.indexOf(ch.repeat(3), i + 3) : src.indexOf(ch, i + 1);
      if (close < 0) return -1;
      i = close + (triple ? 2 : 0);
    } else if (pairs[ch]) {
      stack.push(pairs[ch]!);
    } else if (ch === '}' || ch === ')' || ch === ']') {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** Module-level `name = {` dict literals: their names and body spans. */
function moduleDicts(src: string): { name: string; start: number; end: number }[] {
  const dicts: { name: string; start: number; end: number }[] = [];
  const re = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=\n]*)?=\s*\{/gm;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const open = m.index + m[0].length - 1;
    const end = closingBracket(src, open);
    if (end < 0) continue;
    dicts.push({ name: m[1]!, start: open + 1, end });
    re.lastIndex = end;
  }
  return dicts;
}

/** The entry `"<flavor>": Cls(...)` of the dict span, parsed; undefined when absent. */
function flavorEntry(src: string, dict: { start: number; end: number }, flavor: string): PyValue | undefined {
  const escaped = flavor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(["'])${escaped}\\1\\s*:`, 'g');
  re.lastIndex = dict.start;
  // Only keys at the dict's own level: the match must not sit inside a nested bracket.
  for (let m = re.exec(src); m && m.index < dict.end; m = re.exec(src)) {
    const before = src.slice(dict.start, m.index);
    if (depthOf(before) !== 0) continue;
    const valueStart = m.index + m[0].length;
    const next = nextEntryEnd(src, valueStart, dict.end);
    const tokens = tokenize(src, valueStart, next);
    try {
      return new Reader(tokens).expr();
    } catch {
      return { opaque: 'an unreadable entry' };
    }
  }
  return undefined;
}

/** Bracket depth at the end of `text` (strings and comments skipped; approximate but safe). */
function depthOf(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '"' || ch === "'") {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) return -1;
      i = close;
    } else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
  }
  return depth;
}

/** End of one dict value starting at `start`: the top-level comma or the dict's end. */
function nextEntryEnd(src: string, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const ch = src[i]!;
    if ('([{'.includes(ch)) {
      const close = closingBracket(src, i);
      if (close < 0) return end;
      i = close + 1;
      continue;
    }
    if (ch === '#') {
      while (i < end && src[i] !== '\n') i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const close = src.indexOf(ch, i + 1);
      if (close < 0) return end;
      i = close + 1;
      continue;
    }
    if (ch === ',') return i;
    i++;
  }
  return end;
}

/** `    name: type = value` defaults of `class <name>` (a dataclass), parsed where literal. */
function classDefaults(src: string, className: string): Record<string, PyValue> | undefined {
  const start = new RegExp(`^class ${className}\\b[^\\n]*:[ \\t]*(#.*)?$`, 'm').exec(src);
  if (!start) return undefined;
  const body = src.slice(start.index + start[0].length);
  const end = /^\S/m.exec(body);
  const out: Record<string, PyValue> = {};
  for (const line of (end ? body.slice(0, end.index) : body).split('\n')) {
    const m = /^ {4}([a-z_][a-z0-9_]*)\s*:\s*[^=]+?=\s*(.+?)\s*(#.*)?$/.exec(line);
    if (!m) continue;
    try {
      out[m[1]!] = new Reader(tokenize(m[2]!, 0, m[2]!.length)).expr();
    } catch {
      out[m[1]!] = { opaque: m[2]! };
    }
  }
  return out;
}

function show(value: PyValue | unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value && 'call' in value) return `${(value as PyCall).call}(...)`;
  if (typeof value === 'object' && value && 'opaque' in value) return (value as PyOpaque).opaque;
  return JSON.stringify(value);
}

/**
 * The repository's arguments for the flavor: the upstream arguments with the repository's dataclass
 * defaults and the entry's keyword arguments over them; or why they cannot be read.
 */
function mergeArgs(
  upstream: TitanFlavorArgs,
  entry: PyCall,
  defaults: Record<string, PyValue> | undefined,
  nestedDefaults: (
    className: string,
  ) => { file: string; defaults: Record<string, PyValue> } | undefined = () => undefined,
): { args: TitanFlavorArgs } | { reason: string } {
  const problems: string[] = [];
  if (entry.positional > 0) problems.push('positional arguments');
  const merged: Record<string, TitanFlavorArgs[string]> = { ...upstream };
  // A nested dataclass (`moe_args=MoEArgs(...)`, or the field's default_factory when the entry leaves it
  // out) takes the fields the entry does not write from the repository's own class, not from upstream's
  // entry: garrett361/torchtitan@eb13ba22 torchtitan/models/moe.py MoEArgs has num_shared_experts = 1,
  // top_k = 1 and no gate_bias, while upstream's gpt_oss entries @238fa995 write gate_bias=True.
  for (const [key, ours] of Object.entries(upstream)) {
    if (typeof ours !== 'object' || ours === null) continue;
    const written = entry.kwargs[key];
    const className = isCall(written) ? written.call.replace(/^.*\./, '') : NESTED_CLASSES[key];
    const repoClass = className ? nestedDefaults(className) : undefined;
    if (!repoClass) continue;
    const nested: Record<string, number | string | boolean | null> = { ...ours };
    for (const sub of NESTED_PARAM_FIELDS) {
      if (!Object.hasOwn(ours, sub)) continue;
      if (isCall(written) && Object.hasOwn(written.kwargs, sub)) continue; // the entry's value, below
      const value = repoClass.defaults[sub];
      if (value === undefined) {
        if (sub in FIELD_BEFORE_IT_EXISTED) nested[sub] = FIELD_BEFORE_IT_EXISTED[sub]!;
        else problems.push(`${key}.${sub} (not a field of ${className} in ${repoClass.file})`);
      } else if (isCall(value) || isOpaque(value)) {
        problems.push(`${className}.${sub} default ${show(value)} in ${repoClass.file}`);
      } else nested[sub] = value;
    }
    merged[key] = nested;
  }
  if (defaults) {
    for (const [key, value] of Object.entries(defaults)) {
      if (!Object.hasOwn(upstream, key) || Object.hasOwn(entry.kwargs, key)) continue;
      const ours = upstream[key];
      if (typeof ours === 'object' && ours !== null) continue; // nested: field(default_factory=...)
      if (isCall(value)) continue;
      if (isOpaque(value)) problems.push(`${key} default ${show(value)}`);
      else merged[key] = value;
    }
  }
  for (const [key, value] of Object.entries(entry.kwargs)) {
    // RoPE scaling dataclasses hold no parameters (the generator drops them as well).
    if (isCall(value) && /ScalingArgs$/.test(value.call)) continue;
    if (!Object.hasOwn(upstream, key)) {
      problems.push(`${key}=${show(value)} (not an argument of the upstream class)`);
      continue;
    }
    const ours = upstream[key];
    if (isCall(value)) {
      if (typeof ours !== 'object' || ours === null) {
        problems.push(`${key}=${show(value)}`);
        continue;
      }
      const nested: Record<string, number | string | boolean | null> = {
        ...(merged[key] as Record<string, number | string | boolean | null>),
      };
      for (const [sub, subValue] of Object.entries(value.kwargs)) {
        if (!Object.hasOwn(ours, sub) || isOpaque(subValue) || isCall(subValue)) {
          problems.push(`${key}.${sub}=${show(subValue)}`);
        } else nested[sub] = subValue;
      }
      merged[key] = nested;
      continue;
    }
    if (isOpaque(value)) problems.push(`${key}=${show(value)}`);
    else merged[key] = value;
  }
  return problems.length ? { reason: problems.slice(0, 6).join(', ') } : { args: merged };
}

/** Where forks keep MoEArgs, relative to the repository root (torchtitan moved it into a package). */
const MOE_ARGS_FILES = [
  'torchtitan/models/moe.py',
  'torchtitan/models/moe/moe.py',
  'torchtitan/models/moe/__init__.py',
];
/** The dataclass a nested argument is built from when the entry leaves it to its default_factory. */
const NESTED_CLASSES: Readonly<Record<string, string>> = { moe_args: 'MoEArgs' };
/** The nested fields the parameter count reads (models.ts). */
const NESTED_PARAM_FIELDS = ['num_experts', 'num_shared_experts', 'top_k', 'gate_bias'] as const;
/**
 * What the code did before a field existed: the router gate had no bias until
 * pytorch/torchtitan@41753c67 (Feb 2026) added `gate_bias` (`nn.Linear(dim, num_experts, bias=False)`).
 */
const FIELD_BEFORE_IT_EXISTED: Readonly<Record<string, boolean>> = { gate_bias: false };

/** The dict of the table file that holds `[model] name`'s flavors, when it can be told. */
function pickDict(src: string, modelName: string, flavor: string) {
  const withFlavor = moduleDicts(src).filter((dict) => flavorEntry(src, dict, flavor) !== undefined);
  const all = moduleDicts(src);
  const prefix = modelName.replace(/^.*\./, '').replace(/_/g, '');
  const named = all.filter((dict) => dict.name.replace(/_/g, '').startsWith(prefix));
  if (named.length === 1) return named[0];
  if (all.length === 1) return all[0];
  if (withFlavor.length === 1 && named.length === 0) return withFlavor[0];
  return undefined;
}

/**
 * The flavor table under `dir`: the era's path (`torchtitan/models/<pkg>/__init__.py`), else the
 * same package under `torchtitan/experiments/`, where qwen3, llama4 and deepseek_v3 lived before
 * they graduated to `models/` (pytorch/torchtitan@d880de21 "Graduate qwen3 from experiment to core",
 * Oct 2025), with flavor tables that differ from the graduated ones (experiments/qwen3 @aa000a3c:
 * "debugmodel_moe" is dim 1024 × 28 layers with vocab 151936; models/qwen3 @238fa995: dim 256 × 8
 * layers, vocab 2048). An experiments package counts when it registers the TrainSpec under the
 * config's model name (`TrainSpec(name="qwen3", …)`; garrett361/torchtitan@eb13ba22 also keeps the
 * old `experiments/deepseek_v3` registered as "deepseek3"), or names none and is the model's folder.
 */
function tableAt(
  dir: string,
  tablePath: string,
  modelName: string,
  readFile: NonNullable<ReadContext['readFile']>,
): { path: string; src: string } | undefined {
  const path = joinPath(dir, tablePath);
  const src = readFile(path);
  if (src !== undefined) return { path, src };
  const pkg = /^torchtitan\/models\/([^/]+)\/__init__\.py$/.exec(tablePath)?.[1];
  if (!pkg) return undefined;
  const expPath = joinPath(dir, `torchtitan/experiments/${pkg}/__init__.py`);
  const expSrc = readFile(expPath);
  if (expSrc === undefined) return undefined;
  const names = [...expSrc.matchAll(/\bname\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]);
  const registers = names.length ? names.includes(modelName) : pkg === modelName;
  return registers ? { path: expPath, src: expSrc } : undefined;
}

/**
 * Compares `[model] flavor` with the flavor table of the repository the config sits in, when the
 * workspace has one; undefined when there is none (or it cannot be told which dict is the model's).
 */
export function checkRepoFlavor(
  table: TitanFlavorTable,
  modelName: string,
  flavor: string,
  flavorKey: string,
  context: ReadContext,
  /** Dec 2024: vocab_size is always the tokenizer's n_words (train.py), whatever the table says. */
  legacy = false,
  /** The size of the model's released tokenizer the config loads, when it loads that one. */
  tokenizerWords?: number,
): RepoFlavorCheck | undefined {
  if (!context.readFile || !context.path) return undefined;
  for (const dir of parentDirs(context.path, MAX_LEVELS)) {
    const found = tableAt(dir, table.path, modelName, context.readFile);
    if (!found) continue;
    const { path, src } = found;
    const dict = pickDict(src, modelName, flavor);
    if (!dict) return undefined;
    const entry =
      flavorEntry(src, dict, flavor) ??
      (flavor !== flavorKey ? flavorEntry(src, dict, flavorKey) : undefined);
    if (entry === undefined) {
      return { kind: 'unreadable', path, reason: `${dict.name} in ${path} has no "${flavor}" entry` };
    }
    if (!isCall(entry)) {
      return {
        kind: 'unreadable',
        path,
        reason: `"${flavor}" in ${path} is ${show(entry)}, not a constructor call`,
      };
    }
    const base = path.replace(/\/__init__\.py$/, '');
    let argsPath = joinPath(base, 'model', 'args.py');
    let argsText = context.readFile(argsPath);
    if (argsText === undefined) {
      argsPath = joinPath(base, 'model.py');
      argsText = context.readFile(argsPath);
    }
    const defaults = argsText ? classDefaults(argsText, entry.call.replace(/^.*\./, '')) : undefined;
    // Versions between the eras set the vocab from the tokenizer at run time (`self.vocab_size =
    // tokenizer.n_words` in update_from_config, NousResearch/torchtitan@d9cc6b4d): not in the table.
    const runtimeVocab = argsText && /self\.vocab_size\s*=/.test(argsText);
    if (!legacy && runtimeVocab && tokenizerWords === undefined) {
      return {
        kind: 'unreadable',
        path,
        reason: `vocab_size is set from the tokenizer at run time in this version (self.vocab_size = ... in ${argsPath})`,
      };
    }
    const nestedDefaults = (className: string) => {
      for (const file of [argsPath, ...MOE_ARGS_FILES.map((f) => joinPath(dir, f))]) {
        const text = file === argsPath ? argsText : context.readFile!(file);
        const found = text ? classDefaults(text, className) : undefined;
        if (found) return { file, defaults: found };
      }
      return undefined;
    };
    const merged = mergeArgs(table.flavors[flavorKey]!, entry, defaults, nestedDefaults);
    if (!legacy && runtimeVocab && tokenizerWords !== undefined && !('reason' in merged)) {
      merged.args = { ...merged.args, vocab_size: tokenizerWords };
    }
    if (
      !legacy &&
      'args' in merged &&
      typeof merged.args.vocab_size === 'number' &&
      merged.args.vocab_size <= 0
    ) {
      return {
        kind: 'unreadable',
        path,
        reason: `"${flavor}" in ${path} leaves vocab_size ${merged.args.vocab_size} (defined later by the tokenizer)`,
      };
    }
    if ('reason' in merged)
      return { kind: 'unreadable', path, reason: `"${flavor}" in ${path}: ${merged.reason}` };
    return { kind: 'args', path, args: merged.args };
  }
  return undefined;
}
