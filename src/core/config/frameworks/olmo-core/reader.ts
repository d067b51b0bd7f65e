import type {
  ArchitectureSpec,
  CoreDiagnostic,
  FieldSource,
  MoeSpec,
  ReadContext,
  ReadResult,
  RunSpec,
} from '../../../types';
import type { FrameworkReader } from '../../reader';
import { olmoCoreSchedule } from './schedule';
import { olmoCoreLayout } from './layout';
import { neverThrowing, asTypedIntAtLeast, asTypedBool } from '../../readerPolicy';
import { inventoryEntry, type WrittenKey } from '../../inventory';
import { formatInt } from '../../specBuilder';
import { LineIndex } from '../../text';
import { countParams } from '../../../model/params';
import { OLMO_CORE_INVENTORY } from './inventory';
import { evaluate, PyScript, splitArgs, UNKNOWN, type PyArg, type PyConst, type PyEval } from './python';
import {
  OLMO_CORE_COMMIT,
  OLMO_CORE_FACTORIES,
  OLMO_CORE_TOKENIZERS,
  type FactoryValue,
  type OlmoCoreFactory,
} from './tables';

/**
 * OLMo-core Python launch scripts (allenai/OLMo-core `src/scripts/train/*.py`), read statically:
 * the one `TransformerConfig.<factory>(...)` call (resolved through the generated factory table
 * down to `llama_like` / `llama_like_moe`, whose parameter math follows `TransformerConfig.num_params`),
 * the tokenizer's padded vocab, `max_duration` / `hard_stop` Durations and the global batch (tokens).
 * Anything the script does to the model config after the factory call makes N unknown.
 */

const SHORT_COMMIT = OLMO_CORE_COMMIT.slice(0, 8);

/** llama_like defaults (src/olmo_core/nn/transformer/config.py). */
const LLAMA_LIKE_DEFAULTS: Readonly<Record<string, FactoryValue>> = {
  n_kv_heads: null,
  head_dim: null,
  gate: null,
  qk_norm: false,
  use_head_qk_norm: false,
  layer_norm_name: null,
  hidden_size_multiple_of: 256,
  hidden_size_multiplier: null,
  block_name: 'default',
  feed_forward: null,
  feed_forward_moe: null,
  name: 'default',
  tie_word_embeddings: false,
};

/** Norm layers per block (TransformerBlockConfig.num_params): one per sublayer, peri_norm two more. */
const BLOCK_NORMS: Readonly<Record<string, { norms: number; moe: boolean; hybrid?: boolean }>> = {
  default: { norms: 2, moe: false },
  reordered_norm: { norms: 2, moe: false },
  peri_norm: { norms: 4, moe: false },
  moe: { norms: 2, moe: true },
  moe_reordered_norm: { norms: 2, moe: true },
  moe_hybrid: { norms: 3, moe: true, hybrid: true },
  moe_hybrid_reordered_norm: { norms: 3, moe: true, hybrid: true },
};

/** Layer norms with one weight per channel and (llama_like) bias=False; l2_norm has none. */
const WEIGHT_NORMS = new Set(['rms', 'fused_rms', 'qwen_rms', 'cute_rms', 'default']);

/** Factory bases the reader computes itself. */
const BASES = new Set(['llama_like', 'llama_like_moe']);

/** build_config's tokenizer default (src/olmo_core/internal/experiment.py). */
const DEFAULT_TOKENIZER = 'dolma2';
/** build_config's max_sequence_length default. */
const DEFAULT_SEQUENCE_LENGTH = 4096;
/** TokenizerConfig.padded_vocab_size default pad multiple. */
const VOCAB_PAD = 128;

/** TransformerConfig / block / attention / MoE fields whose assignment anywhere changes N. */
const CONFIG_FIELDS = [
  'd_model',
  'n_layers',
  'vocab_size',
  'block',
  'block_overrides',
  'block_pattern',
  'lm_head',
  'embedding_norm',
  'tie_word_embeddings',
  'sequence_mixer',
  'attention',
  'n_heads',
  'n_kv_heads',
  'head_dim',
  'qk_norm',
  'use_head_qk_norm',
  'gate',
  'feed_forward',
  'feed_forward_moe',
  'shared_mlp',
  'num_experts',
  'hidden_size',
  'layer_norm',
];

/** Methods that return a copy of a TransformerConfig without changing its parameters. */
const HARMLESS_METHODS = new Set(['with_rope_scaling', 'copy']);

function detect(text: string): number {
  if (!/^\s*(from\s+olmo_core[\w.]*\s+import|import\s+olmo_core)/m.test(text)) return 0;
  if (/\bTransformerConfig\s*\.\s*[A-Za-z_]\w*\s*\(/.test(text)) return 0.9;
  if (/\bTrainerConfig\s*\(/.test(text)) return 0.6;
  return 0;
}

interface Ctx {
  script: PyScript;
  lines: LineIndex;
  spec: RunSpec;
  written: WrittenKey[];
  paramsMissing: string[];
  datasetTokens?: number;
  /** The variable the factory result is bound to (`model_config = TransformerConfig.x(...)`). */
  modelVariable?: string;
}

function source(ctx: Ctx, key: string, keyStart: number, valueStart: number, valueEnd: number): FieldSource {
  return {
    key,
    keyRange: ctx.lines.range(keyStart, keyStart + key.length),
    valueRange: ctx.lines.range(valueStart, valueEnd),
    raw: ctx.script.slice(valueStart, valueEnd),
  };
}

function diagnose(
  ctx: Ctx,
  severity: CoreDiagnostic['severity'],
  code: string,
  message: string,
  at?: FieldSource,
) {
  ctx.spec.diagnostics.push({ severity, code, message, ...(at ? { range: at.keyRange } : {}) });
}

/** N cannot be computed: say why, at the place. */
function noParams(ctx: Ctx, missing: string, message: string, at?: FieldSource): undefined {
  ctx.paramsMissing.push(missing);
  diagnose(ctx, 'warning', 'not-modelled-key', `unknown: ${message}`, at);
  return undefined;
}

function read(text: string, context: ReadContext): ReadResult {
  const script = new PyScript(text);
  const datasetTokens = context.options?.datasetTokens;
  const ctx: Ctx = {
    script,
    lines: new LineIndex(text),
    spec: {
      framework: 'olmo-core',
      training: {},
      archSources: {},
      trainingSources: {},
      usedKeys: [],
      assumptions: [],
      diagnostics: [],
    },
    written: [],
    paramsMissing: [],
    ...(datasetTokens && datasetTokens > 0 ? { datasetTokens } : {}),
  };
  const architecture = readModel(ctx);
  if (architecture) ctx.spec.architecture = architecture;
  else ctx.spec.paramsMissing = ctx.paramsMissing.length ? ctx.paramsMissing : ['the model config'];
  readTraining(ctx);
  return {
    kind: 'run-config',
    spec: ctx.spec,
    written: ctx.written,
    parsed: { olmoCoreArchitecture: architecture, script: ctx.script, lines: ctx.lines },
  };
}

/** Argument values of a call, evaluated in the call's scope. */
interface Kwarg {
  value: PyEval;
  source: FieldSource;
}

function readModel(ctx: Ctx): ArchitectureSpec | undefined {
  const { script } = ctx;
  if (/\bTransformerConfig\s*\(/.test(script.code)) {
    return noParams(
      ctx,
      'a model of a TransformerConfig built field by field',
      'the script builds TransformerConfig(...) directly; only the factory methods are modelled.',
    );
  }
  const calls = script
    .calls(/\bTransformerConfig\s*\.\s*([A-Za-z_]\w*)\s*\(/)
    .filter((c) => !/^from_/.test(c.match[1]));
  if (calls.length === 0) {
    return noParams(
      ctx,
      'a TransformerConfig factory call',
      'no TransformerConfig.<factory>(...) call in the file.',
    );
  }
  const distinct = new Set(calls.map((c) => script.slice(c.match.index, c.close + 1).replace(/\s+/g, '')));
  if (distinct.size > 1) {
    return noParams(
      ctx,
      'which TransformerConfig factory call runs',
      `the script has ${distinct.size} different TransformerConfig factory calls (${[...new Set(calls.map((c) => c.match[1]))].join(', ')}); which one runs is not static.`,
    );
  }
  const call = calls[0];
  const factory = call.match[1];
  const nameStart = call.match.index + call.match[0].indexOf(factory);
  const factorySource = source(ctx, factory, nameStart, nameStart, call.close + 1);
  ctx.spec.modelName = factory;
  ctx.spec.archSources.modelName = factorySource;

  const kwargs = new Map<string, Kwarg>();
  const positional: PyArg[] = [];
  for (const arg of call.args) {
    if (!arg.name) {
      if (script.code.slice(arg.valueStart, arg.valueStart + 1) === '*') {
        return noParams(
          ctx,
          `a model of \`${factory}\` with unpacked arguments`,
          'the factory call unpacks arguments (*args/**kwargs).',
          factorySource,
        );
      }
      positional.push(arg);
      continue;
    }
    const value =
      arg.name === 'vocab_size'
        ? vocabValue(ctx, arg.valueStart, arg.valueEnd)
        : evaluate(script, arg.valueStart, arg.valueEnd, (n, o) => hook(ctx, n, o));
    const src = source(ctx, arg.name, arg.nameStart, arg.valueStart, arg.valueEnd);
    kwargs.set(arg.name, { value, source: src });
    ctx.spec.usedKeys.push(src);
    ctx.written.push({ key: arg.name, value: value === UNKNOWN ? src.raw : (value as unknown), source: src });
  }
  // Factories take vocab_size as their only positional argument.
  if (positional.length > 1 || (positional.length === 1 && kwargs.has('vocab_size'))) {
    return noParams(
      ctx,
      `a model of \`${factory}\` with positional arguments`,
      `\`${factory}\` is called with positional arguments beyond vocab_size.`,
      factorySource,
    );
  }
  if (positional.length === 1) {
    const arg = positional[0];
    const src = source(ctx, 'vocab_size', arg.valueStart, arg.valueStart, arg.valueEnd);
    kwargs.set('vocab_size', { value: vocabValue(ctx, arg.valueStart, arg.valueEnd), source: src });
  }

  const mutation = mutationAfter(ctx, call.match.index, call.close);
  if (mutation)
    return noParams(ctx, 'a model of the config after the script changes it', mutation, factorySource);

  // Keywords the inventory does not know change the model in ways not modelled.
  for (const [name, kw] of kwargs) {
    if (!inventoryEntry(OLMO_CORE_INVENTORY, name) && !isLocalPopOf(factory, name)) {
      return noParams(
        ctx,
        `a model of \`${name}\``,
        `\`${name}\` is not a TransformerConfig factory argument Scaling Lens knows (allenai/OLMo-core@${SHORT_COMMIT}).`,
        kw.source,
      );
    }
  }
  const resolved = resolveFactory(ctx, factory, kwargs, factorySource);
  if (!resolved) return undefined;
  const architecture = buildArchitecture(ctx, resolved.base, resolved.args, factory);
  const change = FACTORY_VERSION_CHANGES[factory];
  if (architecture && change)
    diagnose(
      ctx,
      'warning',
      'version-dependent',
      `N is TransformerConfig.${factory} of OLMo-core@${SHORT_COMMIT}; ${change}, so a run on such a version has another N.`,
      factorySource,
    );
  return architecture;
}

/**
 * Factories whose shapes changed in OLMo-core's history (git log of src/olmo_core/nn/transformer/
 * config.py). d502b7eef "Mapping new ladder to old ladder (#146)", 2025-03-26, first in v2.1.0:
 * olmo2_1B gained hidden_size_multiplier=1.5 (a fixed argument the script cannot set) and
 * olmo2_370M / olmo2_3B went from 1.4 to 1.5.
 */
const FACTORY_VERSION_CHANGES: Record<string, string> = {
  olmo2_1B:
    'OLMo-core ≤ v2.0.1 (before d502b7eef, 2025-03-26) built it without hidden_size_multiplier=1.5 (SwiGLU hidden 5632, not 8192)',
  olmo2_370M:
    'OLMo-core ≤ v2.0.1 (before d502b7eef, 2025-03-26) built it with hidden_size_multiplier=1.4, not 1.5',
  olmo2_3B:
    'OLMo-core ≤ v2.0.1 (before d502b7eef, 2025-03-26) built it with hidden_size_multiplier=1.4, not 1.5',
};

/** True when `name` is a local the factory pops from kwargs (smallmoe's `d_model`). */
function isLocalPopOf(factory: string, name: string): boolean {
  for (let f: string | undefined = factory, hops = 0; f && hops < 16; hops++) {
    const row: OlmoCoreFactory | undefined = OLMO_CORE_FACTORIES[f];
    if (!row) return false;
    if (row.localPops?.includes(name)) return true;
    f = row.calls;
  }
  return false;
}

/** Names the script does not bind: `common.tokenizer...`, `common.max_sequence_length`. */
function hook(ctx: Ctx, name: string, offset: number): PyEval | undefined {
  void offset;
  if (name === 'common.max_sequence_length') return sequenceLength(ctx)?.value ?? UNKNOWN;
  if (name === 'common.global_batch_size') {
    const batch = globalBatch(ctx);
    return batch && batch !== 'ambiguous' ? batch.value : UNKNOWN;
  }
  return undefined;
}

/** The vocab size an argument like `common.tokenizer.padded_vocab_size()` or `100352` gives. */
function vocabValue(ctx: Ctx, start: number, end: number): PyEval {
  const text = ctx.script.code.slice(start, end).replace(/\s+/g, '');
  const method = /^(.+)\.(padded_vocab_size|vocab_size)(\((\d*)\))?$/.exec(text);
  if (method) {
    const base = tokenizerVocab(ctx, method[1], start);
    if (base === undefined) return UNKNOWN;
    if (method[2] === 'vocab_size' && method[3] === undefined) return base;
    if (method[2] === 'padded_vocab_size' && method[3] !== undefined) {
      const multiple = method[4] ? Number(method[4]) : VOCAB_PAD;
      return multiple > 0 ? multiple * Math.ceil(base / multiple) : UNKNOWN;
    }
    return UNKNOWN;
  }
  return evaluate(ctx.script, start, end, (n, o) => hook(ctx, n, o));
}

/** vocab_size of a tokenizer expression: `common.tokenizer`, a name bound to TokenizerConfig.x(). */
function tokenizerVocab(ctx: Ctx, expression: string, offset: number, depth = 0): number | undefined {
  if (depth > 8) return undefined;
  const factory = /^TokenizerConfig\.([A-Za-z_]\w*)\((.*)\)$/.exec(expression);
  if (factory && factory[1] === 'from_hf') {
    noParams(
      ctx,
      'the vocab size of a TokenizerConfig.from_hf tokenizer',
      'TokenizerConfig.from_hf(...) reads vocab_size from the Hub model config, which is not in the file.',
    );
    return undefined;
  }
  if (factory && factory[2] === '') {
    const size = OLMO_CORE_TOKENIZERS[factory[1]];
    if (size === undefined) {
      noParams(
        ctx,
        `the vocab size of TokenizerConfig.${factory[1]}()`,
        `TokenizerConfig.${factory[1]}() is not a TokenizerConfig with a fixed vocab_size in OLMo-core@${SHORT_COMMIT} (from_hf reads the Hub).`,
      );
    }
    return size;
  }
  if (expression === 'common.tokenizer') {
    const tokenizer = buildConfigArg(ctx, 'tokenizer');
    if (tokenizer === 'ambiguous') {
      noParams(ctx, 'which tokenizer build_config gets', 'build_config is given different tokenizers.');
      return undefined;
    }
    if (!tokenizer) {
      if (/\bcommon_config_builder\s*=/.test(ctx.script.code)) {
        noParams(
          ctx,
          'the tokenizer of a custom common_config_builder',
          'a custom common_config_builder decides the tokenizer.',
        );
        return undefined;
      }
      ctx.spec.assumptions.push(
        `tokenizer: build_config's default TokenizerConfig.${DEFAULT_TOKENIZER}() (${OLMO_CORE_TOKENIZERS[DEFAULT_TOKENIZER]} tokens)`,
      );
      return OLMO_CORE_TOKENIZERS[DEFAULT_TOKENIZER];
    }
    const text = ctx.script.code.slice(tokenizer.valueStart, tokenizer.valueEnd).replace(/\s+/g, '');
    ctx.written.push({
      key: 'tokenizer',
      value: text,
      source: source(ctx, 'tokenizer', tokenizer.nameStart, tokenizer.valueStart, tokenizer.valueEnd),
    });
    return tokenizerVocab(ctx, text, tokenizer.valueStart, depth + 1);
  }
  if (/^[A-Za-z_]\w*$/.test(expression)) {
    const bound = ctx.script.binding(expression, offset);
    if (bound && bound !== 'ambiguous') {
      const text = ctx.script.code.slice(bound.valueStart, bound.valueEnd).replace(/\s+/g, '');
      return tokenizerVocab(ctx, text, bound.valueStart, depth + 1);
    }
  }
  noParams(
    ctx,
    'the tokenizer vocab size',
    `the vocab size comes from \`${expression.slice(0, 60)}\`, which is not a TokenizerConfig factory Scaling Lens knows.`,
  );
  return undefined;
}

/** A keyword argument of the `build_config` call (directly or through functools.partial). */
function buildConfigArg(ctx: Ctx, name: string): PyArg | undefined | 'ambiguous' {
  const calls = ctx.script.calls(/\b(?:partial\s*\(\s*build_config\s*,|build_config\s*\()/);
  const found: PyArg[] = [];
  for (const call of calls) {
    for (const arg of call.args) if (arg.name === name) found.push(arg);
  }
  if (found.length === 0) return undefined;
  const texts = new Set(
    found.map((a) => ctx.script.code.slice(a.valueStart, a.valueEnd).replace(/\s+/g, '')),
  );
  return texts.size === 1 ? found[0] : 'ambiguous';
}

/**
 * Why the model config may differ from what the factory returns: an attribute assignment or a
 * method call on the variable it is bound to, the variable passed elsewhere, a chained method, or
 * an ExperimentConfig's `.model` changed. Undefined when the factory result is used as is.
 */
function mutationAfter(ctx: Ctx, callStart: number, callEnd: number): string | undefined {
  const code = ctx.script.code;
  const after = code.slice(callEnd + 1);
  const chained = /^\s*\.\s*([A-Za-z_]\w*)/.exec(after);
  if (chained && !HARMLESS_METHODS.has(chained[1])) {
    return `the factory result is changed by .${chained[1]}(...).`;
  }
  if (/\.\s*model\s*(?:\.\s*[A-Za-z_][\w.]*)?\s*(?:[-+*/]?=)(?!=)/.test(code)) {
    return 'the script assigns to the experiment config `.model`.';
  }
  const fieldAssign = new RegExp(`\\.\\s*(${CONFIG_FIELDS.join('|')})\\s*(?:[-+*/]?=)(?!=)`).exec(code);
  if (fieldAssign) return `the script assigns \`.${fieldAssign[1]}\` of a model config.`;
  const lineStart = code.lastIndexOf('\n', callStart) + 1;
  const assigned = /^\s*([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)\s*$/.exec(code.slice(lineStart, callStart));
  // `model=TransformerConfig.x(...)` inside a call is a keyword argument, not a binding.
  if (!assigned || ctx.script.depthAt(lineStart) > 0) return undefined;
  const variable = assigned[1];
  ctx.modelVariable = variable;
  const fn = ctx.script.functionAt(callStart);
  const scopeEnd = fn ? fn.end : code.length;
  const rest = code.slice(callEnd + 1, scopeEnd);
  const name = variable.replace(/[$]/g, '');
  const attrAssign = new RegExp(`\\b${name}\\s*(?:\\.\\s*[A-Za-z_]\\w*|\\[[^\\]]*\\])+\\s*(?:[-+*/]?=)(?!=)`);
  if (attrAssign.test(rest)) return `the script changes \`${name}\` after the factory call.`;
  const methods = new RegExp(`\\b${name}\\s*\\.\\s*([A-Za-z_]\\w*)\\s*\\(`, 'g');
  let m: RegExpExecArray | null;
  while ((m = methods.exec(rest)) !== null) {
    if (!HARMLESS_METHODS.has(m[1]))
      return `the script calls \`${name}.${m[1]}(...)\` after the factory call.`;
  }
  if (new RegExp(`\\b${name}\\s*=(?!=)`).test(rest))
    return `the script rebinds \`${name}\` after the factory call.`;
  // Passed to a function that may change it (isinstance/assert reads are fine).
  const passed = new RegExp(`([A-Za-z_][\\w.]*)\\s*\\((?:[^()]*,)?\\s*${name}\\s*[,)]`, 'g');
  while ((m = passed.exec(rest)) !== null) {
    if (!['isinstance', 'print', 'len', 'type', 'id', 'str', 'repr'].includes(m[1]))
      return `the script passes \`${name}\` to ${m[1]}(...) after the factory call.`;
  }
  return undefined;
}

/** Follow factory → factory down to llama_like / llama_like_moe, merging arguments like Python. */
function resolveFactory(
  ctx: Ctx,
  factory: string,
  callerKwargs: Map<string, Kwarg>,
  at: FieldSource,
): { base: string; args: Map<string, PyEval> } | undefined {
  let args = new Map<string, PyEval>([...callerKwargs].map(([k, v]) => [k, v.value]));
  let name = factory;
  for (let hops = 0; hops < 16; hops++) {
    if (BASES.has(name)) return { base: name, args };
    const row = OLMO_CORE_FACTORIES[name];
    if (!row) {
      return noParams(
        ctx,
        `a model of TransformerConfig.${name}`,
        // A chain that ends in another *_like base (nGPT, Gemma 3, Qwen 3.5) is a real model we do
        // not count; any other name is not an OLMo-core factory at all.
        /_like$/.test(name)
          ? `TransformerConfig.${name} is not a factory of OLMo-core@${SHORT_COMMIT} that Scaling Lens models (its blocks are not llama-like).`
          : `TransformerConfig.${name} is not a factory OLMo-core@${SHORT_COMMIT} defines (names are case-sensitive), so the model is not known.`,
        at,
      );
    }
    const next = new Map<string, PyEval>();
    const locals = new Set(row.localPops ?? []);
    for (const [key, value] of Object.entries(row.fixed)) {
      const dependsOn = row.dependsOn?.[key] ?? [];
      const overridden = dependsOn.filter((d) => args.has(d));
      if (args.has(key) && !locals.has(key)) {
        return noParams(
          ctx,
          `a model of \`${key}\` passed to ${name}`,
          `TransformerConfig.${name} sets \`${key}\` itself; passing it again is a TypeError.`,
          callerKwargs.get(key)?.source ?? at,
        );
      }
      if (overridden.length) {
        // `d_model=d_model` where d_model = kwargs.pop("d_model", 768): the override flows through.
        if (key === overridden[0] && dependsOn.length === 1 && value === row.fixed[key]) {
          next.set(key, args.get(key)!);
          continue;
        }
        return noParams(
          ctx,
          `a model of \`${overridden[0]}\` passed to ${name}`,
          `TransformerConfig.${name} derives \`${key}\` from \`${overridden[0]}\`; Scaling Lens does not re-derive it.`,
          callerKwargs.get(overridden[0])?.source ?? at,
        );
      }
      next.set(key, value as PyConst);
    }
    for (const [key, value] of Object.entries(row.popped)) {
      next.set(key, args.has(key) ? args.get(key)! : (value as PyConst));
    }
    for (const [key, value] of args) {
      if (!next.has(key) && !locals.has(key)) next.set(key, value);
    }
    args = next;
    name = row.calls;
  }
  return noParams(
    ctx,
    `a model of TransformerConfig.${factory}`,
    `TransformerConfig.${factory} does not resolve.`,
    at,
  );
}

/** Positive integer or undefined: the evaluator keeps Python's types, so `'32'` is not one. */
function int(value: PyEval | undefined): number | undefined {
  return asTypedIntAtLeast(value, 1);
}

/** A config object (`{$type: 'FeedForwardConfig', ...}`) or undefined. */
function object(value: PyEval | undefined): Record<string, PyConst> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, PyConst>)
    : undefined;
}

/**
 * llama_like / llama_like_moe arguments → architecture, following TransformerConfig.num_params:
 * embeddings d×V; per block attention (q, k, v, o without bias; QK norms over n_heads·head_dim and
 * n_kv_heads·head_dim, or head_dim each with use_head_qk_norm), one norm per sublayer; SwiGLU
 * feed-forward 3·d·hidden; MoE router d×E, experts 3·d·h·E, optional shared MLP; LM head with its
 * norm and d×V (shared with the embedding when tied).
 */
function buildArchitecture(
  ctx: Ctx,
  base: string,
  input: Map<string, PyEval>,
  factory: string,
): ArchitectureSpec | undefined {
  const args = new Map(input);
  const get = (key: string): PyEval | undefined => (args.has(key) ? args.get(key) : LLAMA_LIKE_DEFAULTS[key]);
  const fail = (key: string, why: string) =>
    noParams(ctx, `a usable \`${key}\``, `\`${key}\` of ${factory}: ${why}`);
  if (base === 'llama_like_moe') {
    const reordered = get('reordered_norm') ?? false;
    const hybrid = get('hybrid') ?? false;
    if (typeof reordered !== 'boolean' || hybrid !== false)
      return fail('hybrid', 'only non-hybrid llama_like_moe is modelled.');
    const experts = int(get('num_experts'));
    const topK = int(get('top_k'));
    const expertHidden = int(get('expert_hidden_size'));
    if (!experts || !topK || !expertHidden)
      return fail('num_experts', 'num_experts, top_k and expert_hidden_size must be known integers.');
    const shared = get('shared_expert_hidden_size') ?? null;
    if (shared !== null && !int(shared)) return fail('shared_expert_hidden_size', 'not a known integer.');
    args.set('block_name', reordered ? 'moe_reordered_norm' : 'moe');
    args.set('name', 'moe');
    if (!args.has('qk_norm')) args.set('qk_norm', reordered);
    args.set('feed_forward_moe', {
      $type: 'MoEConfig',
      num_experts: experts,
      hidden_size: expertHidden,
      router: { $type: 'MoERouterConfig', top_k: topK },
      shared_mlp:
        shared === null ? null : { $type: 'FeedForwardConfig', hidden_size: shared as number, bias: false },
    });
  }
  for (const key of [...args.keys()]) {
    if (key !== 'vocab_size' && get(key) === UNKNOWN) {
      const entry = inventoryEntry(OLMO_CORE_INVENTORY, key);
      if (entry?.status === 'irrelevant') continue;
      return fail(key, 'its value is not a constant Scaling Lens can read.');
    }
  }
  const dModel = int(get('d_model'));
  const nLayers = int(get('n_layers'));
  const nHeads = int(get('n_heads'));
  const vocabSize = int(get('vocab_size'));
  if (!vocabSize) return vocabSizeMissing(ctx, get('vocab_size'));
  if (!dModel || !nLayers || !nHeads)
    return fail('d_model', 'd_model, n_layers and n_heads must be known integers.');
  const kv = get('n_kv_heads');
  const nKvHeads = kv === null ? nHeads : int(kv);
  if (!nKvHeads || nHeads % nKvHeads !== 0) return fail('n_kv_heads', `must divide n_heads ${nHeads}.`);
  const hd = get('head_dim');
  const headDim = hd === null ? Math.floor(dModel / nHeads) : int(hd);
  if (!headDim) return fail('head_dim', 'not a known integer.');
  if (get('gate') !== null) return fail('gate', 'attention gates are not modelled.');
  const normName = get('layer_norm_name');
  if (normName !== null && !(typeof normName === 'string' && WEIGHT_NORMS.has(normName)))
    return fail('layer_norm_name', 'only weight-only norms are modelled.');
  const typeName = get('name');
  if (typeName !== 'default' && typeName !== 'moe')
    return fail('name', 'only the default and moe transformers are modelled.');
  const blockName = get('block_name');
  const block = typeof blockName === 'string' ? BLOCK_NORMS[blockName] : undefined;
  if (!block) return fail('block_name', `block type ${String(blockName)} is not modelled.`);
  const tied = asTypedBool(get('tie_word_embeddings'));
  if (tied === undefined) return fail('tie_word_embeddings', 'not True or False.');
  const qkNormOn = asTypedBool(get('qk_norm'));
  const headQkNorm = asTypedBool(get('use_head_qk_norm'));
  if (qkNormOn === undefined || headQkNorm === undefined) return fail('qk_norm', 'not True or False.');

  // Dense feed-forward: explicit FeedForwardConfig, else llama_like's SwiGLU sizing.
  let ffn: { hidden: number; bias: boolean } | undefined;
  const ff = get('feed_forward');
  const ffMoe = get('feed_forward_moe');
  if (ff !== null) {
    const cfg = object(ff);
    const hidden = int(cfg?.hidden_size);
    if (
      !cfg ||
      cfg.$type !== 'FeedForwardConfig' ||
      !hidden ||
      (cfg.name !== undefined && cfg.name !== 'default')
    )
      return fail('feed_forward', 'only FeedForwardConfig(hidden_size=...) is modelled.');
    // FeedForwardConfig.num_params: bias None means bias (name != normalized).
    ffn = { hidden, bias: cfg.bias === undefined || cfg.bias === null ? true : cfg.bias === true };
  } else if (ffMoe === null) {
    const multipleOf = int(get('hidden_size_multiple_of'));
    const multiplier = get('hidden_size_multiplier');
    if (!multipleOf) return fail('hidden_size_multiple_of', 'not a known integer.');
    if (multiplier !== null && typeof multiplier !== 'number')
      return fail('hidden_size_multiplier', 'not a number.');
    ffn = { hidden: llamaLikeHiddenSize(dModel, multiplier, multipleOf), bias: false };
  }

  const architecture: ArchitectureSpec = {
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize: ffn?.hidden ?? 0,
    gatedMlp: true,
    vocabSize,
    tiedEmbeddings: tied,
    learnedPositions: 0,
    qkvBias: false,
    attnOutBias: false,
    mlpBias: ffn?.bias ?? false,
    normsPerLayer: block.norms,
    normWeight: true,
    normBias: false,
    finalNorm: true,
    qkNorm: qkNormOn ? (headQkNorm ? 'head' : 'full') : 'none',
  };
  if (block.moe !== (ffMoe !== null))
    return fail(
      'block_name',
      `${String(blockName)} blocks ${block.moe ? 'need' : 'cannot take'} feed_forward_moe.`,
    );
  if (block.hybrid !== undefined && ffn === undefined)
    return fail('feed_forward', 'a hybrid MoE block needs a dense feed_forward.');
  if (ffMoe !== null && ffMoe !== undefined) {
    const moe = readMoe(ctx, ffMoe, ffn, factory);
    if (!moe) return undefined;
    architecture.moe = moe.spec;
    architecture.mlpBias = moe.mlpBias;
    if (!ffn) architecture.ffnSize = moe.spec.expertFfnSize;
  }
  ctx.spec.assumptions.push(
    `${factory}: ${nLayers} layers, d ${dModel}, ${nHeads} heads (${nKvHeads} kv), head ${headDim}, ${ffn ? `SwiGLU ${ffn.hidden}` : 'MoE'}, vocab ${vocabSize} (OLMo-core@${SHORT_COMMIT} config.py)`,
  );
  return architecture;
}

/** MoEConfig → MoeSpec; the shared MLP (or a hybrid block's dense MLP) becomes the shared expert. */
function readMoe(
  ctx: Ctx,
  value: PyEval,
  dense: { hidden: number; bias: boolean } | undefined,
  factory: string,
): { spec: MoeSpec; mlpBias: boolean } | undefined {
  const fail = (why: string) =>
    noParams(ctx, 'a usable `feed_forward_moe`', `\`feed_forward_moe\` of ${factory}: ${why}`);
  const cfg = object(value);
  if (!cfg || cfg.$type !== 'MoEConfig') return fail('only MoEConfig(...) is modelled.');
  const experts = int(cfg.num_experts ?? 1);
  const hidden = int(cfg.hidden_size ?? 256);
  const router = cfg.router === undefined ? { top_k: 1 } : object(cfg.router);
  const topK = int(router?.top_k ?? 1);
  if (!experts || !hidden || !topK || topK > experts)
    return fail('num_experts, hidden_size and router.top_k must be known and top_k ≤ experts.');
  if (router && router.name !== undefined && router.name !== 'default')
    return fail('only the default router is modelled.');
  let shared: { hidden: number; bias: boolean } | undefined;
  if (cfg.shared_mlp !== undefined && cfg.shared_mlp !== null) {
    const s = object(cfg.shared_mlp);
    const sHidden = int(s?.hidden_size);
    if (!s || s.$type !== 'FeedForwardConfig' || !sHidden)
      return fail('shared_mlp must be FeedForwardConfig(hidden_size=...).');
    shared = { hidden: sHidden, bias: s.bias === undefined || s.bias === null ? true : s.bias === true };
  }
  if (shared && dense) return fail('a hybrid block with a shared MLP as well is not modelled.');
  const always = shared ?? dense;
  return {
    spec: {
      nExperts: experts,
      expertsPerToken: topK,
      expertFfnSize: hidden,
      expertGated: true,
      expertBias: false,
      routerBias: false,
      ...(always ? { sharedExpertFfnSize: always.hidden } : {}),
    },
    mlpBias: always?.bias ?? false,
  };
}

/** llama_like: hidden = int(8·d/3), × multiplier (int), rounded up to a multiple (utils.ensure_multiple_of). */
export function llamaLikeHiddenSize(dModel: number, multiplier: number | null, multipleOf: number): number {
  let hidden = Math.trunc((8 * dModel) / 3);
  if (multiplier !== null) hidden = Math.trunc(multiplier * hidden);
  return multipleOf * Math.ceil(hidden / multipleOf);
}

function vocabSizeMissing(ctx: Ctx, value: PyEval | undefined): undefined {
  if (ctx.paramsMissing.length) return undefined; // the tokenizer lookup already said why
  return noParams(
    ctx,
    'the vocab size',
    value === undefined
      ? 'the factory call has no vocab_size.'
      : 'vocab_size is not a constant Scaling Lens can read.',
  );
}

/** The `max_sequence_length` passed to build_config (default 4096). */
function sequenceLength(ctx: Ctx): { value: number; source?: FieldSource } | undefined {
  let arg = buildConfigArg(ctx, 'max_sequence_length');
  if (arg === 'ambiguous') return undefined;
  if (!arg) {
    // build_config's default, when the script uses build_config; else the data config's own.
    if (/\bbuild_config\b/.test(ctx.script.code)) return { value: DEFAULT_SEQUENCE_LENGTH };
    const args = [
      ...ctx.script.keywordArgs('sequence_length'),
      ...ctx.script.keywordArgs('max_sequence_length'),
    ].filter((a) => !/^\s*common\./.test(ctx.script.code.slice(a.valueStart, a.valueEnd)));
    const values = new Set(args.map((a) => int(evaluate(ctx.script, a.valueStart, a.valueEnd))));
    if (args.length === 0 || values.size !== 1 || values.has(undefined)) return undefined;
    arg = args[0];
  }
  const value = int(evaluate(ctx.script, arg.valueStart, arg.valueEnd));
  return value
    ? { value, source: source(ctx, 'max_sequence_length', arg.nameStart, arg.valueStart, arg.valueEnd) }
    : undefined;
}

/** The global batch in tokens: build_config(global_batch_size=...) or a data loader's. */
function globalBatch(ctx: Ctx): { value: number; source: FieldSource } | undefined | 'ambiguous' {
  const found: { value: number; source: FieldSource }[] = [];
  for (const arg of ctx.script.keywordArgs('global_batch_size')) {
    const text = ctx.script.code.slice(arg.valueStart, arg.valueEnd).replace(/\s+/g, '');
    if (text === 'common.global_batch_size' || text === 'global_batch_size') continue;
    const value = int(evaluate(ctx.script, arg.valueStart, arg.valueEnd));
    if (!value) return 'ambiguous';
    found.push({
      value,
      source: source(ctx, 'global_batch_size', arg.nameStart, arg.valueStart, arg.valueEnd),
    });
  }
  if (found.length === 0) return undefined;
  return new Set(found.map((f) => f.value)).size === 1 ? found[0] : 'ambiguous';
}

/** A `Duration.<unit>(value)` keyword argument (`max_duration=`, `hard_stop=`). */
function duration(
  ctx: Ctx,
  key: string,
): { unit: 'tokens' | 'steps' | 'epochs'; amount: number; source: FieldSource } | undefined | 'unreadable' {
  const found = ctx.script.keywordArgs(key);
  if (found.length === 0) return undefined;
  const texts = new Set(
    found.map((a) => ctx.script.code.slice(a.valueStart, a.valueEnd).replace(/\s+/g, '')),
  );
  const arg = found[0];
  const src = source(ctx, key, arg.nameStart, arg.valueStart, arg.valueEnd);
  ctx.written.push({ key, value: src.raw, source: src });
  ctx.spec.usedKeys.push(src);
  if (texts.size > 1) return 'unreadable';
  const code = ctx.script.code;
  let { valueStart: start, valueEnd: end } = arg;
  // `max_duration=MAX_DURATION` with `MAX_DURATION = Duration.tokens(...)` bound once.
  for (let hops = 0; hops < 4 && /^\s*[A-Za-z_]\w*\s*$/.test(code.slice(start, end)); hops++) {
    const bound = ctx.script.binding(code.slice(start, end).trim(), start);
    if (!bound || bound === 'ambiguous') break;
    start = bound.valueStart;
    end = bound.valueEnd;
  }
  if (/^\s*None\s*$/.test(code.slice(start, end))) return undefined;
  const valueText = code.slice(start, end);
  // Duration.tokens(x) / Duration.steps(x) / Duration.epochs(x), or Duration(x, DurationUnit.unit).
  const chinchilla = chinchillaTokens(ctx, start, end);
  if (chinchilla !== undefined)
    return chinchilla === 'unreadable' ? chinchilla : { ...chinchilla, source: src };
  const named = /^\s*Duration\s*\.\s*(tokens|steps|epochs)\s*\(/.exec(valueText);
  const plain = named ? undefined : /^\s*Duration\s*\(/.exec(valueText);
  const head = named ?? plain;
  if (!head) return 'unreadable';
  const open = start + head[0].length - 1;
  const close = findClose(code, open);
  if (close < 0 || close + 1 !== end) return 'unreadable';
  let unit = named?.[1];
  let valueStart = open + 1;
  let valueEnd = close;
  if (plain) {
    const parts = splitArgs(code, open + 1, close);
    const value = parts.find((p) => p.name === 'value') ?? parts.find((p) => !p.name);
    const unitArg = parts.find((p) => p.name === 'unit') ?? parts.filter((p) => !p.name)[1];
    const unitText = unitArg ? code.slice(unitArg.valueStart, unitArg.valueEnd).replace(/\s+/g, '') : '';
    unit = /^DurationUnit\.(tokens|steps|epochs)$/.exec(unitText)?.[1];
    if (!value || !unit || parts.length !== 2) return 'unreadable';
    valueStart = value.valueStart;
    valueEnd = value.valueEnd;
  }
  const amount = evaluate(ctx.script, valueStart, valueEnd);
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) return 'unreadable';
  return { unit: unit as 'tokens' | 'steps' | 'epochs', amount, source: src };
}

/**
 * `Duration.chinchilla_tokens(multiple, model_params=<model>.num_…_params)`: int(20 × params ×
 * multiple) tokens (train/common.py), with the params of the factory's own config (num_params,
 * num_active_params, or their non-embedding forms, which subtract only d×V).
 */
function chinchillaTokens(
  ctx: Ctx,
  start: number,
  end: number,
): { unit: 'tokens'; amount: number } | 'unreadable' | undefined {
  const code = ctx.script.code;
  const head = /^\s*Duration\s*\.\s*chinchilla_tokens\s*\(/.exec(code.slice(start, end));
  if (!head) return undefined;
  const open = start + head[0].length - 1;
  const close = findClose(code, open);
  if (close < 0) return 'unreadable';
  const args = splitArgs(code, open + 1, close);
  const multipleArg = args.find((a) => a.name === 'multiple') ?? args.find((a) => !a.name);
  const paramsArg = args.find((a) => a.name === 'model_params');
  const perParamArg = args.find((a) => a.name === '_tok_per_param');
  if (!multipleArg || !paramsArg) return 'unreadable';
  const multiple = evaluate(ctx.script, multipleArg.valueStart, multipleArg.valueEnd);
  const perParam = perParamArg ? evaluate(ctx.script, perParamArg.valueStart, perParamArg.valueEnd) : 20;
  if (typeof multiple !== 'number' || typeof perParam !== 'number') return 'unreadable';
  const paramsText = code.slice(paramsArg.valueStart, paramsArg.valueEnd).replace(/\s+/g, '');
  let params: number | undefined;
  const attribute =
    /^([A-Za-z_]\w*)\.(num_params|num_active_params|num_non_embedding_params|num_active_non_embedding_params)$/.exec(
      paramsText,
    );
  const arch = ctx.spec.architecture;
  if (attribute && arch && attribute[1] === ctx.modelVariable) {
    const counts = countParams(arch);
    const embedding = arch.dModel * arch.vocabSize;
    params = {
      num_params: counts.total,
      num_active_params: counts.active,
      num_non_embedding_params: counts.total - embedding,
      num_active_non_embedding_params: counts.active - embedding,
    }[attribute[2]];
  } else {
    const literal = evaluate(ctx.script, paramsArg.valueStart, paramsArg.valueEnd);
    if (typeof literal === 'number') params = literal;
  }
  if (params === undefined || !(multiple > 0)) return 'unreadable';
  ctx.spec.assumptions.push(
    `Duration.chinchilla_tokens: int(${perParam} × ${formatInt(params)} params × ${multiple})`,
  );
  return { unit: 'tokens', amount: Math.trunc(perParam * params * multiple) };
}

function findClose(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * D: Trainer runs until max_duration is due (Duration.due: tokens ≥ value, step ≥ value, epoch >
 * value), or hard_stop first. Tokens per step = the global batch (tokens). The TrainerConfig
 * default is one epoch.
 */
function readTraining(ctx: Ctx): void {
  const training = ctx.spec.training;
  const missing: string[] = [];
  const seq = sequenceLength(ctx);
  if (seq) {
    training.seqLen = seq.value;
    if (seq.source) {
      ctx.spec.trainingSources.seqLen = seq.source;
      ctx.written.push({ key: 'max_sequence_length', value: seq.value, source: seq.source });
    }
  }
  const batch = globalBatch(ctx);
  // BatchSizeSchedulerCallback (train/callbacks/batch_size_scheduler.py) sets
  // data_loader.global_batch_size at each point of its schedule, so a step does not carry the
  // stated batch for the whole run: steps × global_batch_size is not D.
  const scheduler = /\bBatchSizeSchedulerCallback\s*\(/.exec(ctx.script.code);
  if (scheduler && batch && batch !== 'ambiguous') {
    missing.push('unknown: BatchSizeSchedulerCallback (the global batch changes during the run)');
    diagnose(
      ctx,
      'warning',
      'unknown-batch-schedule',
      'unknown: BatchSizeSchedulerCallback changes global_batch_size during the run; tokens per step (and D of a steps or epochs duration) are not shown.',
    );
    ctx.spec.usedKeys.push(batch.source);
  } else if (batch && batch !== 'ambiguous') {
    training.tokensPerStep = batch.value;
    if (seq && batch.value % seq.value === 0) training.globalBatchSeqs = batch.value / seq.value;
    ctx.spec.trainingSources.globalBatch = batch.source;
    ctx.spec.usedKeys.push(batch.source);
    ctx.written.push({ key: 'global_batch_size', value: batch.value, source: batch.source });
  } else missing.push('global batch size (global_batch_size, tokens)');
  const tokensPerStep = training.tokensPerStep;

  const max = duration(ctx, 'max_duration');
  const stop = duration(ctx, 'hard_stop');
  if (max === 'unreadable' || stop === 'unreadable') {
    training.missing = ['a Duration.tokens/steps/epochs(<constant>) max_duration and hard_stop'];
    diagnose(
      ctx,
      'warning',
      'unknown-unit',
      'max_duration or hard_stop is not Duration.tokens/steps/epochs(<constant>) in one place; D not shown.',
    );
    return;
  }
  const limits: { tokens?: number; what: string; unit: string; amount: number; source?: FieldSource }[] = [];
  const limit = (d: { unit: string; amount: number; source?: FieldSource }, what: string) => {
    if (d.unit === 'tokens')
      limits.push({ tokens: d.amount, what, unit: d.unit, amount: d.amount, source: d.source });
    else if (d.unit === 'steps')
      limits.push({
        tokens: tokensPerStep ? d.amount * tokensPerStep : undefined,
        what,
        unit: d.unit,
        amount: d.amount,
        source: d.source,
      });
    else limits.push({ tokens: undefined, what, unit: d.unit, amount: d.amount, source: d.source });
  };
  if (max) {
    limit(max, 'max_duration');
    ctx.spec.trainingSources.duration = max.source;
    // A quick fix can rewrite only a plain number; `Duration.tokens(MAX_DURATION)` names a constant
    // elsewhere, so no edit unit is offered rather than one that would break the call.
    if (max.source && /^\s*[\d_]+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(max.source.raw))
      training.durationUnit =
        max.unit === 'tokens'
          ? { kind: 'tokens', tokensPerUnit: 1, suffix: '' }
          : max.unit === 'steps'
            ? { kind: 'steps', suffix: '', ...(tokensPerStep ? { tokensPerUnit: tokensPerStep } : {}) }
            : { kind: 'epochs', suffix: '' };
  } else {
    limit({ unit: 'epochs', amount: 1 }, 'max_duration (TrainerConfig default Duration.epochs(1))');
    ctx.spec.assumptions.push("max_duration absent: TrainerConfig's default Duration.epochs(1)");
  }
  if (stop) limit(stop, 'hard_stop');

  // An epoch limit counts tokens only with the dataset size from settings.
  const datasetTokens = ctx.datasetTokens;
  for (const l of limits) {
    if (l.unit === 'epochs' && datasetTokens) l.tokens = l.amount * datasetTokens;
  }
  const unknownLimits = limits.filter((l) => l.tokens === undefined);
  if (unknownLimits.length) {
    if (unknownLimits.some((l) => l.unit === 'epochs')) missing.push('dataset size');
    const known = limits.filter((l) => l.tokens !== undefined);
    if (known.length) {
      const bound = known.reduce((a, b) => (b.tokens! < a.tokens! ? b : a));
      training.formula = `at most ${bound.what} = ${formatInt(bound.tokens!)} tokens`;
    }
    training.missing = [...new Set(missing)];
    return;
  }
  // The run ends at the first limit that is due.
  const first = limits.reduce((a, b) => (b.tokens! < a.tokens! ? b : a));
  training.tokens = first.tokens!;
  training.formula =
    first.unit === 'tokens'
      ? `${first.what} Duration.tokens(${formatInt(first.amount)})`
      : first.unit === 'steps'
        ? `${first.what} ${formatInt(first.amount)} steps × ${formatInt(tokensPerStep!)} tokens per batch`
        : `${first.what} ${first.amount} epochs × ${formatInt(datasetTokens!)} dataset tokens (from settings)`;
  if (tokensPerStep)
    training.steps = first.unit === 'steps' ? first.amount : Math.ceil(first.tokens! / tokensPerStep);
}

/** Reader for OLMo-core Python launch scripts. */
export const olmoCoreReader: FrameworkReader<'olmo-core'> = neverThrowing({
  id: 'olmo-core',
  label: 'OLMo-core',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
  inventory: OLMO_CORE_INVENTORY,
  schedule: olmoCoreSchedule,
  layout: olmoCoreLayout,
});
