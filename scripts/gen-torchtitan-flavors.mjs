#!/usr/bin/env node
/**
 * Generate src/core/config/frameworks/torchtitan/flavors.ts from torchtitan's own flavor tables,
 * vendored byte-identical under scripts/upstream/torchtitan/<commit>/ (see PROVENANCE.md there):
 *
 * - era '2024-12' (commit 6a6f755d): `torchtitan/models/llama/__init__.py` dicts of `ModelArgs(...)`,
 *   named by `models_config` in `torchtitan/models/__init__.py`, defaults from the `ModelArgs`
 *   dataclass in `torchtitan/models/llama/model.py`;
 * - era '2026-02' (commit 238fa995, the last TOML era): for every name in `_supported_models`
 *   (`torchtitan/models/__init__.py`), the dict passed as `model_args=` in `get_train_spec()` of
 *   `torchtitan/models/<name>/__init__.py`, each entry `<Args>(...)` merged over the dataclass
 *   defaults of `<Args>` in `model/args.py`, and `moe_args=MoEArgs(...)` over `MoEArgs` in
 *   `torchtitan/models/moe/moe.py`; names that reuse another package's table with the same model
 *   class (`llama3_ft`, `_supported_experiments` such as `simple_fsdp.llama3`) become aliases;
 * - era 'registry' (commit b5bcd76c, Python `Trainer.Config` registry): llama3 flavor factories
 *   (`def _8b(...)`: local dims, `compute_ffn_hidden_dim(dim, multiple_of=..., ffn_dim_multiplier=...)`)
 *   named by `llama3_configs` in `torchtitan/models/llama3/__init__.py`.
 *
 * Nothing is executed: a small tokenizer and expression parser read the literals (numbers, strings,
 * booleans, None, calls with keyword arguments, dicts). A value the parser cannot read fails the
 * generator, so a table is never silently partial. Usage: `node scripts/gen-torchtitan-flavors.mjs
 * [--check]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TORCHTITAN_REPO = 'pytorch/torchtitan';
export const TORCHTITAN_COMMITS = {
  '2024-12': '6a6f755d2d7fd65ea6013324ae130306a0761e2c',
  '2026-02': '238fa9953e4aec2a62582121564273d7cbb1e9f1',
  registry: 'b5bcd76c66d0acb1a08b176d9639425bc55e0b2a',
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const UPSTREAM = resolve(ROOT, 'scripts/upstream/torchtitan');
const OUTPUT = resolve(ROOT, 'src/core/config/frameworks/torchtitan/flavors.ts');

/** Models of `_supported_models` that are not decoder-only language models (no flavor table here). */
const NOT_LANGUAGE_MODELS = new Set(['flux']);

const dirOf = (era) => resolve(UPSTREAM, TORCHTITAN_COMMITS[era].slice(0, 8));
const readUpstream = (era, path) => readFileSync(resolve(dirOf(era), path), 'utf8');

// ---------------------------------------------------------------------------------------------
// Tokenizer and expression parser (literals, names, calls with keyword arguments, dicts, lists)

function tokenize(src) {
  const tokens = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      const triple = src.slice(i, i + 3) === ch.repeat(3);
      const end = triple ? src.indexOf(ch.repeat(3), i + 3) : src.indexOf(ch, i + 1);
      if (end < 0) throw new Error(`unterminated string at ${i}`);
      tokens.push({ type: 'str', value: src.slice(i + (triple ? 3 : 1), end), pos: i });
      i = end + (triple ? 3 : 1);
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1]))) {
      const m = /^(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?/.exec(src.slice(i));
      tokens.push({ type: 'num', value: Number(m[0].replace(/_/g, '')), text: m[0], pos: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i));
      tokens.push({ type: 'name', value: m[0], pos: i });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      const op = ['**', '//', '->', '==', '!=', '<=', '>='].includes(two) ? two : ch;
      tokens.push({ type: 'op', value: op, pos: i });
      i += op.length;
    }
  }
  return tokens;
}

/** A call `Name(args, kw=value)` as parsed. */
class Call {
  constructor(name, args, kwargs) {
    this.name = name;
    this.args = args;
    this.kwargs = kwargs;
  }
}
/** A bare name (a variable or function reference). */
class Ref {
  constructor(name) {
    this.name = name;
  }
}

class Parser {
  constructor(tokens, at = 0) {
    this.tokens = tokens;
    this.at = at;
  }
  peek(offset = 0) {
    return this.tokens[this.at + offset];
  }
  next() {
    return this.tokens[this.at++];
  }
  expect(value) {
    const token = this.next();
    if (!token || token.value !== value) {
      throw new Error(`expected ${value} at ${token?.pos}, got ${token?.value}`);
    }
  }
  expr() {
    let left = this.unary();
    for (;;) {
      const op = this.peek();
      if (op?.type !== 'op' || !['*', '//', '+', '-'].includes(op.value)) return left;
      this.next();
      const right = this.unary();
      if (typeof left !== 'number' || typeof right !== 'number') {
        left = new Ref(`(${show(left)} ${op.value} ${show(right)})`);
        continue;
      }
      left =
        op.value === '*'
          ? left * right
          : op.value === '//'
            ? Math.floor(left / right)
            : op.value === '+'
              ? left + right
              : left - right;
    }
  }
  unary() {
    const token = this.peek();
    if (token?.type === 'op' && token.value === '-') {
      this.next();
      const value = this.unary();
      if (typeof value !== 'number') throw new Error(`cannot negate at ${token.pos}`);
      return -value;
    }
    return this.atom();
  }
  atom() {
    const token = this.next();
    if (!token) throw new Error('unexpected end of input');
    if (token.type === 'num' || token.type === 'str') return token.value;
    if (token.type === 'name') {
      if (token.value === 'True') return true;
      if (token.value === 'False') return false;
      if (token.value === 'None') return null;
      if (this.peek()?.value === '(') return this.call(token.value);
      return new Ref(token.value);
    }
    if (token.value === '{') return this.dict();
    if (token.value === '[' || token.value === '(') return this.list(token.value === '[' ? ']' : ')');
    throw new Error(`unexpected ${token.value} at ${token.pos}`);
  }
  call(name) {
    this.expect('(');
    const args = [];
    const kwargs = {};
    while (this.peek()?.value !== ')') {
      if (this.peek()?.type === 'name' && this.peek(1)?.value === '=') {
        const key = this.next().value;
        this.next();
        kwargs[key] = this.expr();
      } else {
        args.push(this.expr());
      }
      if (this.peek()?.value === ',') this.next();
    }
    this.expect(')');
    return new Call(name, args, kwargs);
  }
  dict() {
    const out = {};
    while (this.peek()?.value !== '}') {
      const key = this.expr();
      this.expect(':');
      out[String(key)] = this.expr();
      if (this.peek()?.value === ',') this.next();
    }
    this.expect('}');
    return out;
  }
  list(close) {
    const out = [];
    while (this.peek()?.value !== close) {
      out.push(this.expr());
      if (this.peek()?.value === ',') this.next();
    }
    this.expect(close);
    return out;
  }
}

function show(value) {
  if (value instanceof Ref) return value.name;
  if (value instanceof Call) return `${value.name}(...)`;
  return JSON.stringify(value);
}

/** Parse the expression that follows `<name> = ` at module level. */
function moduleAssignment(src, name) {
  const match = new RegExp(`^${name}\\s*=\\s*`, 'm').exec(src);
  if (!match) throw new Error(`no module-level assignment to ${name}`);
  const tokens = tokenize(src.slice(match.index + match[0].length));
  return new Parser(tokens).expr();
}

/**
 * Field defaults of a dataclass: `    name: annotation = value` lines of `class <name>`; a
 * `field(default_factory=X)` default becomes a Ref to X.
 */
function dataclassDefaults(src, className) {
  const start = new RegExp(`^class ${className}\\b[^\\n]*:\\s*$`, 'm').exec(src);
  if (!start) throw new Error(`no class ${className}`);
  const body = src.slice(start.index + start[0].length);
  const end = /^\S/m.exec(body);
  const lines = (end ? body.slice(0, end.index) : body).split('\n');
  const defaults = {};
  for (const line of lines) {
    const m = /^ {4}([a-z_][a-z0-9_]*)\s*:\s*[^=]+?=\s*(.+)$/.exec(line);
    if (!m) continue;
    const value = new Parser(tokenize(m[2])).expr();
    if (value instanceof Call && value.name === 'field') {
      const factory = value.kwargs.default_factory;
      defaults[m[1]] = factory instanceof Ref ? new Ref(factory.name) : null;
    } else {
      defaults[m[1]] = value;
    }
  }
  return defaults;
}

/** Plain data for the TypeScript output: numbers, strings, booleans, null, nested records. */
function plain(value, where) {
  if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return value;
  if (Array.isArray(value)) return value.map((v, i) => plain(v, `${where}[${i}]`));
  if (value instanceof Call || value instanceof Ref) {
    throw new Error(`${where}: cannot evaluate ${show(value)}`);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, `${where}.${k}`)]));
}

/** Keyword arguments of `<cls>(...)` over the class defaults; nested `MoEArgs(...)` likewise. */
function resolveArgs(call, classDefaults, nestedDefaults, where) {
  const out = {};
  for (const [key, value] of Object.entries(classDefaults)) {
    if (value instanceof Ref) {
      // Only MoEArgs affects parameter counts; other factories (RoPE scaling) are not kept.
      if (nestedDefaults[value.name]) out[key] = { ...nestedDefaults[value.name] };
      continue;
    }
    out[key] = value;
  }
  for (const [key, value] of Object.entries(call.kwargs)) {
    if (value instanceof Call && nestedDefaults[value.name]) {
      out[key] = { ...nestedDefaults[value.name], ...plain(value.kwargs, `${where}.${key}`) };
    } else if (value instanceof Call && /ScalingArgs$/.test(value.name)) {
      continue; // RoPE scaling: no parameters
    } else {
      out[key] = plain(value, `${where}.${key}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The three eras

function legacyEra() {
  const era = '2024-12';
  const init = readUpstream(era, 'torchtitan/models/llama/__init__.py');
  const model = readUpstream(era, 'torchtitan/models/llama/model.py');
  const registry = moduleAssignment(readUpstream(era, 'torchtitan/models/__init__.py'), 'models_config');
  const defaults = dataclassDefaults(model, 'ModelArgs');
  const models = {};
  for (const [name, ref] of Object.entries(registry)) {
    const table = moduleAssignment(init, ref.name);
    const flavors = {};
    for (const [flavor, call] of Object.entries(table)) {
      flavors[flavor] = resolveArgs(call, defaults, {}, `${name}.${flavor}`);
    }
    models[name] = {
      argsClass: call0(table).name,
      path: 'torchtitan/models/llama/__init__.py',
      flavors,
    };
  }
  return models;
}

function call0(table) {
  const first = Object.values(table)[0];
  if (!(first instanceof Call)) throw new Error('flavor table entries must be constructor calls');
  return first;
}

function tomlEra() {
  const era = '2026-02';
  const supported = moduleAssignment(readUpstream(era, 'torchtitan/models/__init__.py'), '_supported_models');
  const names = supported.args[0].filter((name) => !NOT_LANGUAGE_MODELS.has(name));
  const moe = readUpstream(era, 'torchtitan/models/moe/moe.py');
  const nested = { MoEArgs: plain(dataclassDefaults(moe, 'MoEArgs'), 'MoEArgs') };
  const models = {};
  const aliases = {};
  for (const name of names) {
    const path = `torchtitan/models/${name}/__init__.py`;
    const init = readUpstream(era, path);
    const spec = /model_args=([A-Za-z_][A-Za-z0-9_]*)/.exec(init);
    if (!spec) throw new Error(`${path}: no model_args= in get_train_spec`);
    const tableName = spec[1];
    // llama3_ft reuses `from ..llama3 import llama3_args`.
    const imported = new RegExp(`from \\.\\.(\\w+) import [^\\n]*\\b${tableName}\\b`).exec(init);
    if (imported) {
      aliases[name] = { model: imported[1], via: path };
      continue;
    }
    const owner = name;
    const table = moduleAssignment(init, tableName);
    const argsClass = call0(table).name;
    const argsSource = readUpstream(era, `torchtitan/models/${owner}/model/args.py`);
    const defaults = dataclassDefaults(argsSource, argsClass);
    const flavors = {};
    for (const [flavor, call] of Object.entries(table)) {
      if (!(call instanceof Call) || call.name !== argsClass) {
        throw new Error(`${path}: ${flavor} is not ${argsClass}(...)`);
      }
      flavors[flavor] = resolveArgs(call, defaults, nested, `${name}.${flavor}`);
    }
    models[name] = { argsClass, family: owner, path, flavors };
  }
  Object.assign(aliases, experiments(models));
  return { models, aliases };
}

/**
 * Model classes of experiments that build exactly the parameters of a model package: the package's
 * own class, or a subclass that only wraps `init_weights` (experiments/simple_fsdp/<family>/model.py).
 */
const SAME_PARAMETERS = {
  Transformer: 'llama3',
  SimpleFSDPTransformer: 'llama3',
  DeepSeekV3Model: 'deepseek_v3',
  SimpleFSDPDeepSeekV3Model: 'deepseek_v3',
};

/**
 * `_supported_experiments` whose TrainSpec takes a model package's flavor table unchanged
 * (`from torchtitan.models.<family> import <table>`, `model_args=<table>`) with a model class of
 * {@link SAME_PARAMETERS}; the others (VLM, HF backend, custom args) are left out, so unknown.
 */
function experiments(models) {
  const era = '2026-02';
  const src = readUpstream(era, 'torchtitan/experiments/__init__.py');
  const names = moduleAssignment(src, '_supported_experiments').args[0];
  const out = {};
  for (const name of names) {
    const path = `torchtitan/experiments/${name.replace(/\./g, '/')}/__init__.py`;
    const init = readUpstream(era, path);
    const table = /model_args=([A-Za-z_][A-Za-z0-9_]*)/.exec(init)?.[1];
    const modelCls = /model_cls=([A-Za-z_][A-Za-z0-9_]*)/.exec(init)?.[1];
    const imported = table
      ? new RegExp(`from torchtitan\\.models\\.(\\w+) import [^\\n]*\\b${table}\\b`).exec(init)?.[1]
      : undefined;
    if (!imported || !models[imported] || SAME_PARAMETERS[modelCls] !== models[imported].family) continue;
    out[name] = { model: imported, via: path };
  }
  return out;
}

/** HEAD-era llama3 factories: locals and keyword arguments of each `def _<flavor>(...)` body. */
function registryEra() {
  const era = 'registry';
  const path = 'torchtitan/models/llama3/__init__.py';
  const src = readUpstream(era, path);
  const table = moduleAssignment(src, 'llama3_configs');
  const flavors = {};
  for (const [flavor, ref] of Object.entries(table)) {
    const start = new RegExp(`^def ${ref.name}\\(`, 'm').exec(src);
    if (!start) throw new Error(`${path}: no def ${ref.name}`);
    // The body starts after the signature (`) -> Llama3Model.Config:`), which may span lines.
    const signature = /\)\s*(->[^:\n]*)?:[ \t]*\n/.exec(src.slice(start.index));
    if (!signature) throw new Error(`${path}: cannot find the end of def ${ref.name}`);
    const rest = src.slice(start.index + signature.index + signature[0].length);
    const end = /^\S/m.exec(rest);
    const body = rest.slice(0, end ? end.index : undefined);
    const locals = {};
    for (const m of body.matchAll(/^ {4}([a-z_][a-z0-9_]*)\s*=\s*([^\n]+)$/gm)) {
      locals[m[1]] = new Parser(tokenize(m[2])).expr();
    }
    const tokens = tokenize(body);
    const kw = {};
    let ffn;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.type === 'name' && t.value === 'compute_ffn_hidden_dim' && tokens[i + 1]?.value === '(') {
        const parser = new Parser(tokens, i + 1);
        ffn = parser.call('compute_ffn_hidden_dim');
      }
      if (t.type === 'name' && tokens[i + 1]?.value === '=' && tokens[i - 1]?.value !== '.') {
        const parser = new Parser(tokens, i + 2);
        try {
          const value = parser.expr();
          if (!(value instanceof Call) && kw[t.value] === undefined) kw[t.value] = value;
        } catch {
          // a keyword whose value is not a plain expression (lambdas, partials): not a dimension
        }
      }
    }
    const value = (key) => {
      let v = kw[key] ?? locals[key];
      if (v instanceof Ref) v = locals[v.name] ?? kw[v.name];
      return v;
    };
    if (!ffn) throw new Error(`${path}: ${ref.name} has no compute_ffn_hidden_dim`);
    const resolved = {
      dim: value('dim'),
      n_layers: value('n_layers'),
      n_heads: value('n_heads'),
      n_kv_heads: value('n_kv_heads') ?? null,
      vocab_size: value('vocab_size'),
      enable_weight_tying: value('enable_weight_tying') ?? false,
      multiple_of: ffn.kwargs.multiple_of ?? 1, // compute_ffn_hidden_dim default (common/feed_forward.py)
      ffn_dim_multiplier: ffn.kwargs.ffn_dim_multiplier ?? null,
    };
    flavors[flavor] = plain(resolved, `llama3.${flavor}`);
  }
  return { llama3: { argsClass: 'Llama3Model.Config', family: 'llama3', path, flavors } };
}

// ---------------------------------------------------------------------------------------------
// Output

function literal(value, indent) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const pad = ' '.repeat(indent + 2);
  const entries = Object.entries(value).map(([k, v]) => {
    const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k);
    return `${pad}${key}: ${literal(v, indent + 2)},`;
  });
  return entries.length ? `{\n${entries.join('\n')}\n${' '.repeat(indent)}}` : '{}';
}

/** The generated TypeScript module (prettier-formatted, so the check is byte-exact). */
export async function renderTorchtitanFlavors() {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(OUTPUT)) ?? {};
  return prettier.format(rawModule(), { ...options, filepath: OUTPUT });
}

function rawModule() {
  const toml = tomlEra();
  const eras = { '2024-12': legacyEra(), '2026-02': toml.models, registry: registryEra() };
  const aliases = { '2024-12': {}, '2026-02': toml.aliases, registry: {} };
  const sources = Object.fromEntries(
    Object.entries(TORCHTITAN_COMMITS).map(([era, commit]) => [era, { repo: TORCHTITAN_REPO, commit }]),
  );
  return `// Generated by scripts/gen-torchtitan-flavors.mjs from the vendored torchtitan sources in
// scripts/upstream/torchtitan/ (see PROVENANCE.md there). Do not edit by hand: rerun the script.

/** One flavor's constructor arguments merged over the dataclass defaults, spelled as upstream. */
export type TitanFlavorArgs = Readonly<Record<string, number | string | boolean | null | Readonly<Record<string, number | string | boolean | null>>>>;

/** The flavor table of one \`[model] name\`. */
export interface TitanFlavorTable {
  /** The arguments class (\`TransformerModelArgs\`, \`DeepSeekV3ModelArgs\`, ...). */
  readonly argsClass: string;
  /** The model package whose code builds it (llama3_ft builds llama3). */
  readonly family?: string;
  /** The file of the flavor table, relative to the repository. */
  readonly path: string;
  readonly flavors: Readonly<Record<string, TitanFlavorArgs>>;
}

/** Registry eras: the Dec 2024 TOML era, the last TOML era (Feb 2026), the Python registry. */
export type TitanEra = ${Object.keys(eras)
    .map((e) => JSON.stringify(e))
    .join(' | ')};

/** Where each era's tables were read. */
export const TITAN_SOURCES: Readonly<Record<TitanEra, { repo: string; commit: string }>> = ${literal(sources, 0)};

/**
 * Model names that use another name's flavor table and builds the same parameters (llama3_ft imports
 * llama3_args; experiments such as simple_fsdp.llama3), with the file that says so.
 */
export const TITAN_ALIASES: Readonly<Record<TitanEra, Readonly<Record<string, { model: string; via: string }>>>> = ${literal(aliases, 0)};

/** Flavor tables by era, then \`[model] name\`. */
export const TITAN_FLAVORS: Readonly<Record<TitanEra, Readonly<Record<string, TitanFlavorTable>>>> = ${literal(eras, 0)};
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await renderTorchtitanFlavors();
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUTPUT, 'utf8');
    if (current !== text) {
      console.error(`${OUTPUT} is out of date; run node scripts/gen-torchtitan-flavors.mjs`);
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT, text);
    console.log(`wrote ${OUTPUT}`);
  }
}
