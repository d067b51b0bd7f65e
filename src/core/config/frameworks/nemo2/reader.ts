import type { ArchitectureSpec, CoreDiagnostic, FieldSource, ReadResult, RunSpec } from '../../../types';
import type { FrameworkReader } from '../../reader';
import { neverThrowing, padVocab } from '../../readerPolicy';
import { formatInt } from '../../specBuilder';
import { LineIndex } from '../../text';
import { findTokenizer } from '../../tables/tokenizers';
import { evaluate, matchBracket, PyScript, splitArgs, UNKNOWN, type PyEval } from '../olmo-core/python';
import { NEMO2_INVENTORY } from './inventory';
import { MCORE_DEFAULTS } from './mcoreDefaults';
import { buildLayout, nemo2Layout, setLayoutReader } from './layout';
import { nemo2Schedule, setScheduleReader, type Nemo2ScheduleInput } from './schedule';
import type { ParallelLayout } from '../../../model/layout';
import { NEMO2, NEMO2_COMMIT } from './tables';
import type { Nemo2FinetuneOutputs, Nemo2Outputs, Nemo2Value } from './tableTypes';

/**
 * NeMo 2.x Python recipes (`llm.<recipe>.pretrain_recipe(...)` then `recipe.trainer.max_steps = …`),
 * read statically through the generated table of NVIDIA/NeMo's `nemo/collections/llm/recipes/*.py`
 * (scripts/gen-nemo2-recipes.py): the recipe's GPTConfig class and its field defaults, trainer,
 * strategy and data module, then the file's literal assignments on the recipe. Anything else that
 * could change N or D leaves that number unknown, naming the key.
 */

const SHORT = NEMO2_COMMIT.slice(0, 8);

/** Config fields the count reads. */
const COUNT_FIELDS = new Set([
  'num_layers',
  'hidden_size',
  'num_attention_heads',
  'num_query_groups',
  'kv_channels',
  'ffn_hidden_size',
  'gated_linear_unit',
  'add_bias_linear',
  'add_qkv_bias',
  'normalization',
  'share_embeddings_and_output_weights',
  'position_embedding_type',
  'seq_length',
  'vocab_size',
  'make_vocab_size_divisible_by',
  'qk_layernorm',
]);

/** Fields that change N only away from these values (MoE, MLA, MTP, layer specs): else unknown. */
const MUST_BE: Readonly<Record<string, Nemo2Value>> = {
  num_moe_experts: null,
  multi_latent_attention: false,
  mtp_num_layers: null,
  transformer_layer_spec: { $expr: 'default_layer_spec' },
  use_transformer_engine_full_layer_spec: false,
};

/**
 * Fields that do not change the parameter count: dropout, fusions, init, precision, recompute,
 * rotary settings, sliding window, epsilons, the step functions, and `layernorm_zero_centered_gamma`
 * (LayerNorm1p: the same weight and bias, stored as gamma − 1).
 */
const HARMLESS_FIELDS = new Set([
  'activation_func',
  'attention_dropout',
  'hidden_dropout',
  'apply_rope_fusion',
  'bias_activation_fusion',
  'bias_dropout_fusion',
  'bias_dropout_add_fusion',
  'masked_softmax_fusion',
  'persist_layer_norm',
  'cross_entropy_loss_fusion',
  'gradient_accumulation_fusion',
  'deallocate_pipeline_outputs',
  'attention_softmax_in_fp32',
  'fp16_lm_cross_entropy',
  'parallel_output',
  'scatter_embedding_sequence_parallel',
  'tp_only_amax_red',
  'tp_comm_overlap_cfg',
  'forward_step_fn',
  'data_step_fn',
  'generation_config',
  'init_method_std',
  'layernorm_epsilon',
  'layernorm_zero_centered_gamma',
  'rotary_base',
  'rotary_percent',
  'seq_len_interpolation_factor',
  'scale_factor',
  'low_freq_factor',
  'high_freq_factor',
  'old_context_len',
  'window_size',
  'cp_comm_type',
  'params_dtype',
  'bf16',
  'fp16',
  'autocast_dtype',
  'pipeline_dtype',
  'recompute_granularity',
  'recompute_method',
  'recompute_num_layers',
  'recompute_modules',
  'use_transformer_engine_op_fuser',
  'max_position_embeddings',
  'enable_cuda_graph',
  'cuda_graph_scope',
  'use_te_rng_tracker',
  'init_model_with_meta_device',
  'calculate_per_token_loss',
  'apply_query_key_layer_scaling',
  'share_embeddings_and_output_weights_fp32',
  'account_for_embedding_in_pipeline_split',
  'account_for_loss_in_pipeline_split',
  'num_layers_in_first_pipeline_stage',
  'num_layers_in_last_pipeline_stage',
  'tp_comm_overlap',
  'fp8',
  'fp8_recipe',
  'fp8_param',
  'attention_backend',
]);

/** Methods the GPT config chain may define: GPTConfig's own, Llama31Config's rope scaling (a buffer). */
const ALLOWED_OVERRIDES: Readonly<Record<string, readonly string[]>> = {
  configure_model: ['GPTConfig', 'Llama31Config'],
};

/** Trainer keys that change neither N nor D (max_steps ends the run; these log, validate, plug in). */
const HARMLESS_TRAINER = new Set([
  'val_check_interval',
  'limit_val_batches',
  'limit_test_batches',
  'log_every_n_steps',
  'num_sanity_val_steps',
  'plugins',
  'enable_checkpointing',
  'logger',
  'accelerator',
  'use_distributed_sampler',
  'gradient_clip_val',
  'enable_progress_bar',
  'profiler',
  'benchmark',
  'deterministic',
]);

/** Data-module keys that change neither the sample length nor the global batch nor the tokenizer. */
const HARMLESS_DATA = new Set([
  'micro_batch_size',
  'num_workers',
  'pin_memory',
  'persistent_workers',
  'num_train_samples',
  'num_val_samples',
  'num_test_samples',
  'split',
  'index_mapping_dir',
  'paths',
  'create_attention_mask',
  'reset_position_ids',
  'reset_attention_mask',
  'eod_mask_loss',
  'seed',
  'build_index',
  'mmap_bin_files',
  'num_dataset_builder_threads',
  'dataloader_type',
  'object_storage_cache_path',
]);

/** Recipe attributes the reader looks at; an assignment `X.<root>....` counts as a recipe edit. */
const RECIPE_ROOTS = new Set([
  'model',
  'trainer',
  'data',
  'optim',
  'log',
  'resume',
  'peft',
  'tokenizer',
  'model_transform',
]);

/** A value with where it came from, or unknown with the reason. */
type Val = { v: Nemo2Value; src?: FieldSource } | { unknown: string; src?: FieldSource };
const isUnknown = (x: Val): x is { unknown: string; src?: FieldSource } => 'unknown' in x;

interface Ctx {
  script: PyScript;
  lines: LineIndex;
  spec: RunSpec;
  nMissing: string[];
  dMissing: string[];
  layout?: ParallelLayout;
  schedule?: Nemo2ScheduleInput;
}

function detect(text: string): number {
  if (!/\bnemo\.collections(\s+import\s+[^\n]*\bllm\b|\.llm\b)/.test(text)) return 0;
  return /\.\s*(pretrain_recipe|finetune_recipe)\s*\(/.test(text) ||
    /from\s+nemo\.collections\.llm\.recipes(\.\w+)?\s+import/.test(text)
    ? 0.9
    : 0;
}

function src(ctx: Ctx, key: string, keyStart: number, valueStart: number, valueEnd: number): FieldSource {
  return {
    key,
    keyRange: ctx.lines.range(keyStart, keyStart + key.length),
    valueRange: ctx.lines.range(valueStart, valueEnd),
    raw: ctx.script.slice(valueStart, valueEnd),
  };
}

/** One line, and no NaN/Infinity echoed from a mutated file. */
const clean = (text: string) => text.replace(/\s+/g, ' ').replace(/\b(NaN|Infinity)\b/g, '(non-finite)');

function warn(ctx: Ctx, message: string, at?: FieldSource, code = 'not-modelled-key') {
  const d: CoreDiagnostic = {
    severity: 'warning',
    code,
    message: `unknown: ${clean(message)}`,
  };
  if (at) d.range = at.keyRange;
  ctx.spec.diagnostics.push(d);
}

/** A function parameter is not a constant, whatever a module binding of the same name says. */
function paramHook(script: PyScript) {
  return (name: string, offset: number): PyEval | undefined => {
    if (name.includes('.') || name.endsWith('()')) return undefined;
    const fn = script.functionAt(offset);
    if (!fn) return undefined;
    const head = /^\s*(?:async\s+)?def\s+\w+\s*\(/.exec(script.code.slice(fn.start));
    if (!head) return undefined;
    const open = fn.start + head[0].length - 1;
    const close = matchBracket(script.code, open);
    if (close < 0) return UNKNOWN;
    const params = splitArgs(script.code, open + 1, close).map((a) =>
      (a.name ?? script.code.slice(a.valueStart, a.valueEnd))
        .replace(/[:=].*$/s, '')
        .replace(/^\*+/, '')
        .trim(),
    );
    return params.includes(name) ? UNKNOWN : undefined;
  };
}

function evalAt(ctx: Ctx, start: number, end: number): PyEval {
  return evaluate(ctx.script, start, end, paramHook(ctx.script));
}

/** A Python value as a table value (UNKNOWN stays unknown). */
function asValue(v: PyEval): Nemo2Value | typeof UNKNOWN {
  if (v === UNKNOWN) return UNKNOWN;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return UNKNOWN;
  return v as Nemo2Value;
}

/** `run.Config(Target, a, k=v)` or `Target(a, k=v)` at [start, end): target's last name and argument ranges. */
function configCall(
  ctx: Ctx,
  start: number,
  end: number,
): { target: string; positional: [number, number][]; kwargs: Map<string, [number, number]> } | undefined {
  const code = ctx.script.code;
  const text = code.slice(start, end);
  const head = /^\s*([A-Za-z_][\w.]*)\s*\(/.exec(text);
  if (!head) return undefined;
  const open = start + head[0].length - 1;
  if (matchBracket(code, open) !== end - 1 - (text.length - text.trimEnd().length)) return undefined;
  const close = matchBracket(code, open);
  const args = splitArgs(code, open + 1, close);
  let target = head[1];
  let rest = args;
  if (/^(run\.)?(Config|Partial)$/.test(target)) {
    const first = args[0];
    if (!first || first.name) return undefined;
    target = code.slice(first.valueStart, first.valueEnd).trim();
    if (!/^[A-Za-z_][\w.]*$/.test(target)) return undefined;
    rest = args.slice(1);
  }
  if (rest.some((a) => code.slice(a.valueStart, a.valueStart + 1) === '*')) return undefined;
  const kwargs = new Map<string, [number, number]>();
  const positional: [number, number][] = [];
  for (const a of rest) {
    if (a.name) kwargs.set(a.name, [a.valueStart, a.valueEnd]);
    else positional.push([a.valueStart, a.valueEnd]);
  }
  return { target: target.split('.').pop()!, positional, kwargs };
}

interface RecipeCall {
  module: string;
  fn: string;
  start: number;
  open: number;
  close: number;
  nameStart: number;
}

function recipeCalls(ctx: Ctx): RecipeCall[] | 'none' {
  const code = ctx.script.code;
  const imported = new Map<string, string>();
  for (const m of code.matchAll(/from\s+nemo\.collections\.llm\.recipes\s+import\s+([^\n(]+|\([^)]*\))/g)) {
    for (const part of m[1].replace(/[()]/g, '').split(',')) {
      const [name, alias] = part.trim().split(/\s+as\s+/);
      if (name) imported.set((alias ?? name).trim(), name.trim());
    }
  }
  const bare = new Map<string, string>();
  for (const m of code.matchAll(
    /from\s+nemo\.collections\.llm\.recipes\.(\w+)\s+import\s+([^\n(]+|\([^)]*\))/g,
  )) {
    for (const part of m[2].replace(/[()]/g, '').split(',')) {
      const [name, alias] = part.trim().split(/\s+as\s+/);
      if (name === 'pretrain_recipe' || name === 'finetune_recipe')
        bare.set((alias ?? name).trim(), `${m[1]}.${name}`);
    }
  }
  const out: RecipeCall[] = [];
  const re =
    /(?<![\w.])(?:(?:nemo\s*\.\s*collections\s*\.\s*)?llm\s*\.\s*(?:recipes\s*\.\s*)?)?([A-Za-z_]\w*)\s*\.\s*(pretrain_recipe|finetune_recipe)\s*\(|(?<![\w.])([A-Za-z_]\w*)\s*\(/g;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = re.exec(code)) !== null && guard++ < 100_000) {
    let module: string | undefined;
    let fn: string | undefined;
    if (m[1]) {
      const qualified =
        /llm\s*\.\s*$/.test(code.slice(Math.max(0, m.index), m.index + m[0].indexOf(m[1]))) ||
        /llm\s*\./.test(m[0].slice(0, m[0].indexOf(m[1])));
      if (qualified) module = m[1];
      else if (imported.has(m[1])) module = imported.get(m[1]);
      fn = m[2];
    } else if (m[3] && bare.has(m[3]) && !/def\s+$/.test(code.slice(Math.max(0, m.index - 8), m.index))) {
      [module, fn] = bare.get(m[3])!.split('.');
    }
    if (!module || !fn) continue;
    const open = m.index + m[0].length - 1;
    const close = matchBracket(code, open);
    if (close < 0) continue;
    out.push({
      module,
      fn,
      start: m.index,
      open,
      close,
      nameStart: m.index + m[0].indexOf(module === m[1] ? m[1] : (m[3] ?? m[1])),
    });
  }
  return out.length ? out : 'none';
}

/** One `X.path = value` statement (not inside brackets), its indentation and whether a block guards it. */
interface Edit {
  /** The variable the edit goes through (`recipe` in `recipe.trainer.max_steps = …`). */
  root: string;
  path: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
  conditional: boolean;
  augmented: boolean;
}

function recipeEdits(ctx: Ctx): { edits: Edit[]; aliases: string[] } {
  const code = ctx.script.code;
  const edits: Edit[] = [];
  const aliases: string[] = [];
  const lineRe = /[^\n]*(?:\n|$)/g;
  let m: RegExpExecArray | null;
  let depth = 0;
  const stack: { indent: number; head: string }[] = [];
  let count = 0;
  while ((m = lineRe.exec(code)) !== null && m[0].length > 0 && count++ < 200_000) {
    const lineStart = m.index;
    const line = m[0].replace(/\n$/, '');
    const atDepth = depth;
    for (const ch of line) {
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
    }
    if (atDepth > 0 || line.trim() === '') continue;
    const indent = /^[ \t]*/.exec(line)![0].length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    const body = line.trim();
    if (/:\s*$/.test(body)) stack.push({ indent, head: body.split(/[\s(:]/)[0] });
    const conditional = stack.some(
      (s) => /^(if|elif|else|for|while|try|except|finally)$/.test(s.head) && s.indent < indent,
    );
    const assign = /^[ \t]*([A-Za-z_]\w*)((?:\s*\.\s*[A-Za-z_]\w*)+)\s*([-+*/]?)=(?!=)\s*/.exec(line);
    if (assign) {
      const path = assign[2].replace(/\s+/g, '').slice(1);
      if (!RECIPE_ROOTS.has(path.split('.')[0])) continue;
      const valueStart = lineStart + assign[0].length;
      edits.push({
        root: assign[1],
        path,
        keyStart: lineStart + assign[0].indexOf(assign[2]) + 1,
        valueStart,
        valueEnd: ctx.script.statementEnd(valueStart),
        conditional,
        augmented: assign[3] !== '',
      });
      continue;
    }
    // `trainer = recipe.trainer`: edits through the alias are not followed.
    const alias =
      /^[ \t]*[A-Za-z_]\w*\s*=\s*[A-Za-z_]\w*\s*\.\s*(model|trainer|data)((?:\s*\.\s*\w+)*)\s*$/.exec(line);
    if (alias) aliases.push(`${alias[1]}${alias[2].replace(/\s+/g, '')}`);
  }
  return { edits, aliases };
}

/**
 * Trainer callbacks that neither stop the run before max_steps nor change the batches: NeMo's
 * (nemo/lightning/pytorch/callbacks/, nemo/utils/exp_manager.py) and Lightning's loggers/monitors.
 * Any other class (Lightning's EarlyStopping, NeMo's test StopBeforeEnd, a user's) can end the
 * run early, so D is unknown naming it.
 */
const HARMLESS_CALLBACKS = new Set([
  'TimingCallback',
  'GarbageCollectionCallback',
  'MegatronCommOverlapCallback',
  'MegatronTokenDropCallback',
  'NsysCallback',
  'MemoryProfileCallback',
  'PreemptionCallback',
  'ModelCheckpoint',
  'LearningRateMonitor',
  'ParameterDebugger',
  'DdpParityChecker',
  'MegatronProgressBar',
  'ProgressPrinter',
  'RichModelSummary',
  'ModelSummary',
  'FLOPsMeasurementCallback',
  'MemoryMonitor',
  'SpeedMonitor',
  'DeviceStatsMonitor',
]);

/** Classes in a callbacks expression (one hop through a name bound once) that may stop the run. */
function unknownCallbacks(ctx: Ctx, start: number, end: number): string[] {
  const out = new Set<string>();
  const visit = (s: number, t: number, hops: number) => {
    const text = ctx.script.code.slice(s, t);
    for (const m of text.matchAll(/(?<![\w.])(?:[A-Za-z_]\w*\s*\.\s*)*([A-Za-z_]\w*)\s*(?=[(,)\]]|$)/g)) {
      const name = m[1];
      if (/^(run|Config|Partial|None|True|False|list|dict)$/.test(name)) continue;
      if (/^[A-Z]/.test(name)) {
        if (!HARMLESS_CALLBACKS.has(name)) out.add(name);
        continue;
      }
      // A bare lower-case name: a variable bound once, else unknown.
      const whole = m[0].trim();
      if (whole !== name || /\(\s*$/.test(text.slice(0, m.index))) {
        if (!/^[A-Z]/.test(name) && /\(/.test(text.slice(m.index + m[0].length, m.index + m[0].length + 1)))
          out.add(`${whole}(…)`);
        continue;
      }
      const b = ctx.script.binding(name, s);
      if (!b || b === 'ambiguous' || hops > 1) out.add(name);
      else visit(b.valueStart, b.valueEnd, hops + 1);
    }
  };
  visit(start, end, 0);
  return [...out];
}

/** Callees that only run or print a recipe: `run.run(recipe, …)`, `exp.add(recipe, …)`, `print(recipe)`. */
const RUNS_RECIPE =
  /^(?:(?:nemo_)?run\s*\.\s*(?:run|dryrun)|[A-Za-z_]\w*\s*\.\s*add|print|(?:logging|logger|log)\s*\.\s*\w+)$/;

/**
 * `.trainer.num_nodes`-style paths whose value is a number, string or flag in some recipe the table
 * holds: a call given such a value (`executor(devices=recipe.trainer.devices)`) reads the recipe and
 * cannot change it, unlike one given the recipe or a section of it.
 */
let scalarPaths: ReadonlySet<string> | undefined;
function scalarRecipePaths(): ReadonlySet<string> {
  if (scalarPaths) return scalarPaths;
  const paths = new Set<string>();
  const scalar = (v: Nemo2Value) => v === null || typeof v !== 'object' || 'param' in v;
  const add = (prefix: string, fields: Readonly<Record<string, Nemo2Value>>) => {
    for (const [key, value] of Object.entries(fields)) if (scalar(value)) paths.add(`${prefix}.${key}`);
  };
  for (const recipe of Object.values(NEMO2.recipes)) {
    if ('unsupported' in recipe) continue;
    add('.trainer', recipe.outputs.trainerFields);
    add('.trainer.strategy', recipe.outputs.strategyAll);
    add('.data', recipe.outputs.dataFields);
  }
  return (scalarPaths = paths);
}

/**
 * A way the recipe object leaves the file's reach: passed whole (or a part of it) to a function
 * (`recipe = set_primary_perf_configs(recipe, …)` in NeMo's scripts/performance/llm/*.py sets
 * max_steps, global batch and parallelism), a method called on it, or the variable rebound to
 * something else. Such a function can change any field, so N and D are unknown. Returns the
 * offending source text, or undefined.
 */
function recipeEscape(
  ctx: Ctx,
  calls: RecipeCall[],
  edits: Edit[],
): { what: string; at: number; len: number } | undefined {
  const code = ctx.script.code;
  const localFns = new Set(
    ctx.script.functions
      .filter((f) => calls.some((c) => c.start >= f.start && c.start < f.end))
      .map((f) => f.name),
  );
  const isRecipeValue = (start: number, end: number) => {
    const text = code.slice(start, end).trim();
    if (calls.some((c) => c.start >= start && c.close < end && code.slice(start, c.start).trim() === ''))
      return true;
    const m = /^([A-Za-z_]\w*)\s*\(/.exec(text);
    return (
      !!m && localFns.has(m[1]) && matchBracket(code, start + code.slice(start).indexOf('(')) === end - 1
    );
  };
  const names = new Set<string>(edits.map((e) => e.root));
  for (const c of calls) {
    const before = code.slice(Math.max(0, c.start - 200), c.start);
    const m = /(?:^|\n)[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*$/.exec(before);
    if (m) names.add(m[1]);
  }
  for (const f of localFns) {
    for (const m of code.matchAll(
      new RegExp(`(?:^|\\n)[ \\t]*([A-Za-z_]\\w*)[ \\t]*=[ \\t]*${f}\\s*\\(`, 'g'),
    ))
      names.add(m[1]);
  }
  // Aliases `r2 = recipe` join the set.
  for (let pass = 0; pass < 3; pass++)
    for (const n of [...names])
      for (const m of code.matchAll(
        new RegExp(`(?:^|\\n)[ \\t]*([A-Za-z_]\\w*)[ \\t]*=[ \\t]*${n}[ \\t]*(?=\\n|$)`, 'g'),
      ))
        names.add(m[1]);
  let seen = 0;
  for (const name of names) {
    const re = new RegExp(`(?<![\\w.])${name}((?:\\s*\\.\\s*[A-Za-z_]\\w*)*)(?!\\w)`, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(code)) !== null) {
      if (seen++ > 2000)
        return { what: `${name} is used too often to follow`, at: m.index, len: name.length };
      const end = m.index + m[0].length;
      const after = code.slice(end).match(/^[ \t]*(\S?)(\S?)/)!;
      const path = m[1].replace(/\s+/g, '');
      const lineStart = code.lastIndexOf('\n', m.index - 1) + 1;
      const head = code.slice(lineStart, m.index);
      // `def f(recipe):` parameters and `import` lines.
      if (/^\s*(?:async\s+)?def\s/.test(head) || /^\s*(?:from|import)\s/.test(head)) continue;
      if (after[1] === '(') {
        // A method call on the recipe (callbacks.append is the one that leaves N and D alone).
        if (/^\.trainer\.callbacks\.(append|extend|insert)$/.test(path)) continue;
        return { what: `${name}${path}(…)`, at: m.index, len: m[0].length };
      }
      if (after[1] === '=' && after[2] !== '=' && ctx.script.depthAt(m.index) === 0 && /^\s*$/.test(head)) {
        if (path) continue; // an edit, read elsewhere
        const valueStart = end + code.slice(end).indexOf('=') + 1;
        const valueEnd = ctx.script.statementEnd(valueStart);
        if (isRecipeValue(valueStart, valueEnd)) continue;
        if (names.has(code.slice(valueStart, valueEnd).trim())) continue;
        return {
          what: `${name} = ${ctx.script.slice(valueStart, valueEnd).trim().slice(0, 50)}`,
          at: m.index,
          len: name.length,
        };
      }
      if (/^\s*return\s*$/.test(head) && ctx.script.depthAt(m.index) === 0) continue;
      // A whole argument of a call?
      const prev = code.slice(0, m.index).match(/([(,=])\s*$/);
      if (!prev || !/^[,)]$/.test(after[1])) continue;
      if (prev[1] === '=' && /[=!<>]=\s*$/.test(code.slice(Math.max(0, m.index - 3), m.index))) continue;
      let depth = 0;
      let open = -1;
      for (let i = m.index - 1; i >= Math.max(0, m.index - 20_000); i--) {
        const ch = code[i];
        if (ch === ')' || ch === ']' || ch === '}') depth++;
        else if (ch === '(' || ch === '[' || ch === '{') {
          if (depth === 0) {
            open = i;
            break;
          }
          depth--;
        }
      }
      if (open < 0 || code[open] !== '(') continue;
      // The dotted name right before the parenthesis (`run.run`, `llm . pretrain`); it never spans
      // lines, or `x = False` on the line above would be read as part of the callee.
      const callee = /([A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)[ \t]*$/
        .exec(code.slice(Math.max(0, open - 200), open))?.[1]
        ?.replace(/[ \t]+/g, '');
      if (!callee || /^(if|while|return|and|or|not|in|for)$/.test(callee)) continue;
      if (RUNS_RECIPE.test(callee)) continue;
      if (scalarRecipePaths().has(path)) continue;
      return { what: `${callee}(… ${name}${path} …)`, at: m.index, len: m[0].length };
    }
  }
  return undefined;
}

/** Substitute pretrain_recipe parameters the call sets into a table value. */
function resolve(v: Nemo2Value, args: Map<string, Val>): Val {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'param' in v) {
    const given = args.get(v.param);
    return given ?? { v: v.default };
  }
  return { v };
}

function read(text: string): ReadResult {
  const script = new PyScript(text);
  const ctx: Ctx = {
    script,
    lines: new LineIndex(text),
    spec: {
      framework: 'nemo2',
      training: {},
      archSources: {},
      trainingSources: {},
      usedKeys: [],
      assumptions: [],
      diagnostics: [],
    },
    nMissing: [],
    dMissing: [],
  };
  readRecipe(ctx);
  if (!ctx.spec.architecture)
    ctx.spec.paramsMissing = ctx.nMissing.length
      ? [...new Set(ctx.nMissing.map(clean))]
      : ['the recipe model'];
  if (ctx.spec.training.tokens === undefined && ctx.dMissing.length)
    ctx.spec.training.missing = [...new Set(ctx.dMissing.map(clean))];
  return {
    kind: 'run-config',
    spec: ctx.spec,
    parsed: { nemo2Layout: ctx.layout, nemo2Schedule: ctx.schedule },
  };
}

function bothUnknown(ctx: Ctx, what: string, message: string, at?: FieldSource) {
  ctx.nMissing.push(what);
  ctx.dMissing.push(what);
  warn(ctx, message, at);
}

/**
 * `llm.<name>.finetune_recipe(...)`: the table holds the recipe evaluated over every combination of
 * the arguments it branches on (peft_scheme, packed_sequence, performance_mode, seq_length given or
 * not); the call's constant arguments pick one. Anything else is unknown.
 */
function readFinetuneArgs(
  ctx: Ctx,
  call: RecipeCall,
  callSrc: FieldSource,
  args: Map<string, Val>,
): Nemo2FinetuneOutputs | undefined {
  const ft = NEMO2.finetunes[call.module];
  if (!ft || 'unsupported' in ft) {
    bothUnknown(
      ctx,
      `unknown: ${call.module}.finetune_recipe`,
      ft
        ? `${call.module}.finetune_recipe is not read (${ft.unsupported}).`
        : `recipe \`${call.module}\` is not in Scaling Lens's table of NeMo recipes (NVIDIA/NeMo@${SHORT}; dense GPT families).`,
      callSrc,
    );
    return undefined;
  }
  const code = ctx.script.code;
  const chosen: Record<string, Nemo2Value> = { ...ft.defaults };
  for (const a of splitArgs(code, call.open + 1, call.close)) {
    if (!a.name) {
      bothUnknown(
        ctx,
        `positional arguments to ${call.module}.finetune_recipe`,
        'the recipe is called with positional or unpacked arguments.',
        callSrc,
      );
      return undefined;
    }
    const at = src(ctx, a.name, a.nameStart, a.valueStart, a.valueEnd);
    ctx.spec.usedKeys.push(at);
    const value = asValue(evalAt(ctx, a.valueStart, a.valueEnd));
    if (a.name === 'dir' || a.name === 'name') continue;
    if (a.name === 'num_nodes' || a.name === 'num_gpus_per_node') {
      args.set(
        a.name,
        value === UNKNOWN ? { unknown: `${a.name} is not a constant`, src: at } : { v: value, src: at },
      );
      continue;
    }
    if (!ft.params.includes(a.name) || value === UNKNOWN) {
      bothUnknown(
        ctx,
        `unknown: ${a.name}`,
        value === UNKNOWN
          ? `\`${a.name}\` is not a constant, and the recipe branches on it.`
          : `\`${a.name}\` is not an argument of ${call.module}.finetune_recipe (NeMo@${SHORT}).`,
        at,
      );
      return undefined;
    }
    if (a.name === 'peft_scheme') {
      // `peft_scheme is None or peft_scheme.lower() == 'none'`; PEFT_STR2CLS[peft_scheme.lower()].
      const lower = typeof value === 'string' ? value.toLowerCase() : value;
      chosen[a.name] = lower === 'none' ? null : lower;
    } else if (a.name === 'seq_length') {
      if (value !== null && !num(value)) {
        bothUnknown(
          ctx,
          'unknown: seq_length',
          `seq_length ${JSON.stringify(value)} is not a positive integer.`,
          at,
        );
        return undefined;
      }
      chosen[a.name] = value === null ? null : 'given';
      if (value !== null) args.set('seq_length', { v: value, src: at });
    } else chosen[a.name] = value;
  }
  const label = ft.params.map((k) => `${k}=${JSON.stringify(chosen[k])}`).join(',');
  const out = ft.variants[label];
  if (!out || 'unsupported' in out) {
    bothUnknown(
      ctx,
      `unknown: ${call.module}.finetune_recipe(${label})`,
      `${call.module}.finetune_recipe with ${label.replace(/,/g, ', ')} is not read${out ? ` (${out.unsupported})` : ' (the recipe refuses or never reaches it)'}.`,
      callSrc,
    );
    return undefined;
  }
  return out;
}

function readRecipe(ctx: Ctx): void {
  const calls = recipeCalls(ctx);
  if (calls === 'none') {
    bothUnknown(
      ctx,
      'a NeMo recipe call',
      'no `llm.<recipe>.pretrain_recipe(...)` call Scaling Lens can read in the file.',
    );
    return;
  }
  const distinct = new Set(
    calls.map((c) => `${c.module}.${c.fn}${ctx.script.code.slice(c.open, c.close + 1).replace(/\s+/g, '')}`),
  );
  const call = calls[0];
  const callSrc = src(ctx, call.module, call.nameStart, call.start, call.close + 1);
  if (distinct.size > 1) {
    bothUnknown(
      ctx,
      'which recipe runs',
      `the file calls ${distinct.size} different recipes (${[...new Set(calls.map((c) => `${c.module}.${c.fn}`))].join(', ')}); which one runs is not static.`,
      callSrc,
    );
    return;
  }
  ctx.spec.modelName = call.module;
  ctx.spec.archSources.modelName = callSrc;
  ctx.spec.usedKeys.push(callSrc);
  const args = new Map<string, Val>();
  const code = ctx.script.code;
  let outputs: Nemo2Outputs | Nemo2FinetuneOutputs;
  let scheduleUnread: string | undefined;
  let finetune: Nemo2FinetuneOutputs | undefined;
  if (call.fn === 'finetune_recipe') {
    ctx.spec.training.finetune = true;
    const ft = readFinetuneArgs(ctx, call, callSrc, args);
    if (!ft) return;
    outputs = finetune = ft;
  } else {
    const entry = NEMO2.recipes[call.module];
    if (!entry) {
      bothUnknown(
        ctx,
        `unknown: recipe ${call.module}`,
        `recipe \`${call.module}\` is not in Scaling Lens's table of NeMo recipes (NVIDIA/NeMo@${SHORT}; dense GPT families).`,
        callSrc,
      );
      return;
    }
    if ('unsupported' in entry) {
      bothUnknown(
        ctx,
        `unknown: recipe ${call.module}`,
        `recipe \`${call.module}\` is not read (${entry.unsupported}).`,
        callSrc,
      );
      return;
    }
    // Keyword arguments of the call.
    outputs = entry.outputs;
    for (const a of splitArgs(code, call.open + 1, call.close)) {
      if (!a.name) {
        bothUnknown(
          ctx,
          `positional arguments to ${call.module}.pretrain_recipe`,
          'the recipe is called with positional or unpacked arguments.',
          callSrc,
        );
        return;
      }
      const at = src(ctx, a.name, a.nameStart, a.valueStart, a.valueEnd);
      ctx.spec.usedKeys.push(at);
      if (a.name === 'fn') {
        // `fn: Callable = pretrain`: the function the recipe's run.Partial calls (llm/api.py pretrain).
        const fnText = code.slice(a.valueStart, a.valueEnd).replace(/\s+/g, '');
        if (/^(?:(?:nemo\.collections\.)?llm\.)?pretrain$/.test(fnText)) continue;
        bothUnknown(
          ctx,
          `unknown: fn=${fnText.slice(0, 40)}`,
          `fn=${fnText.slice(0, 40)}: the recipe runs that function instead of llm.pretrain (it decides the tokenizer and the loop).`,
          at,
        );
        return;
      }
      if (!Object.hasOwn(entry.signature, a.name)) {
        bothUnknown(
          ctx,
          `unknown: ${a.name}`,
          `\`${a.name}\` is not an argument of ${call.module}.pretrain_recipe (NeMo@${SHORT}).`,
          at,
        );
        return;
      }
      const value = asValue(evalAt(ctx, a.valueStart, a.valueEnd));
      const variant = entry.variants[a.name];
      if (entry.consumed.includes(a.name)) {
        if (value === UNKNOWN) {
          bothUnknown(
            ctx,
            `unknown: ${a.name}`,
            `\`${a.name}\` is not a constant, and the recipe branches on it.`,
            at,
          );
          return;
        }
        if (variant && value === variant.value) {
          if (variant.unsupported || !variant.outputs) {
            bothUnknown(
              ctx,
              `unknown: ${a.name}`,
              `${a.name}=${String(value)} is not read (${variant.unsupported}).`,
              at,
            );
            return;
          }
          outputs = variant.outputs;
        } else if (
          !variant &&
          value !== entry.signature[a.name] &&
          typeof entry.signature[a.name] !== 'boolean' &&
          entry.scheduleOnly.includes(a.name)
        ) {
          // Only the LR scheduler depends on it (generator re-run): N, D and layout stand.
          scheduleUnread = `\`${a.name}\` is given and the recipe derives its LR scheduler from it (not read)`;
        } else if (
          !variant &&
          value !== entry.signature[a.name] &&
          typeof entry.signature[a.name] !== 'boolean'
        ) {
          bothUnknown(
            ctx,
            `unknown: ${a.name}`,
            `the recipe branches on \`${a.name}\`; only its default is read.`,
            at,
          );
          return;
        }
      }
      args.set(
        a.name,
        value === UNKNOWN ? { unknown: `${a.name} is not a constant`, src: at } : { v: value, src: at },
      );
    }
    if (outputs.peft) return;
  }
  // Recipe arguments the table does not follow into a field but that change D.
  const accumulate = args.get('accumulate_grad_batches');
  if (accumulate && (isUnknown(accumulate) || accumulate.v !== 1)) {
    ctx.dMissing.push('unknown: accumulate_grad_batches');
    warn(
      ctx,
      'accumulate_grad_batches ≠ 1 is not modelled (Lightning accumulates k training steps per optimizer step on top of the global batch); D not shown.',
      accumulate.src,
    );
  }

  // The recipe as the table gives it, parameters substituted.
  const cfgClass: { name: string; src?: FieldSource } = { name: outputs.config };
  const cfgOverrides = new Map<string, Val>();
  for (const [k, v] of Object.entries(outputs.configFields)) cfgOverrides.set(k, resolve(v, args));
  let modelReplaced: string | undefined;
  const trainer = new Map<string, Val>();
  for (const [k, v] of Object.entries(outputs.trainerFields)) trainer.set(k, resolve(v, args));
  if (!trainer.has('max_steps')) trainer.set('max_steps', { unknown: 'the recipe trainer has no max_steps' });
  let tp: Val =
    outputs.strategyFields.tensor_model_parallel_size !== undefined
      ? resolve(outputs.strategyFields.tensor_model_parallel_size, args)
      : { unknown: 'the recipe strategy is not read' };
  let dataClass = outputs.data;
  const data = new Map<string, Val>();
  const dataDefaults = () => NEMO2.dataModules[dataClass];
  for (const [k, v] of Object.entries(outputs.dataFields)) data.set(k, resolve(v, args));

  // The file's edits.
  const { edits, aliases } = recipeEdits(ctx);
  const escape = recipeEscape(ctx, calls, edits);
  if (escape) {
    const key = escape.what.replace(/\s+/g, ' ');
    bothUnknown(
      ctx,
      `unknown: ${key}`,
      `\`${key}\`: the recipe is handed to code Scaling Lens does not read (it can set any field); N and D not shown.`,
      { ...callSrc, keyRange: ctx.lines.range(escape.at, escape.at + escape.len) },
    );
    return;
  }
  for (const alias of aliases) {
    const root = alias.split('.')[0];
    const message = `the file binds \`${alias}\` to a name; edits through it are not followed.`;
    if (root === 'model') ctx.nMissing.push(`unknown: ${alias} (aliased)`);
    else ctx.dMissing.push(`unknown: ${alias} (aliased)`);
    if (root !== 'model') ctx.nMissing.push(`unknown: ${alias} (aliased)`);
    warn(ctx, message);
  }
  for (const m of ctx.script.code.matchAll(
    /\.\s*trainer\s*\.\s*callbacks\s*\.\s*(?:append|extend|insert)\s*\(/g,
  )) {
    const open = m.index + m[0].length - 1;
    const close = matchBracket(ctx.script.code, open);
    const bad = close < 0 ? ['(unclosed)'] : unknownCallbacks(ctx, open + 1, close);
    if (!bad.length) continue;
    ctx.dMissing.push(`unknown: trainer.callbacks ${bad.join(', ')}`);
    warn(
      ctx,
      `trainer callback ${bad.join(', ')} is not known to leave the run alone (it can stop it before max_steps); D not shown.`,
    );
  }
  let restore: Val = finetune ? { v: finetune.restorePath } : { v: null };
  let peftClass: Val = finetune ? { v: finetune.peftClass } : { v: null };
  const peftFields = new Map<string, Val>();
  /** Every edit by path (the memory layout reads strategy, plugins, optim and config keys). */
  const layoutEdits = new Map<string, Val>();
  for (const [k, v] of Object.entries(finetune?.peftFields ?? {})) peftFields.set(k, { v });
  const seen = new Map<string, string>();
  for (const e of edits) {
    const at = src(ctx, e.path, e.keyStart, e.valueStart, e.valueEnd);
    const raw = ctx.script.code.slice(e.valueStart, e.valueEnd).replace(/\s+/g, '');
    const prior = seen.get(e.path);
    let value: Val;
    if (e.conditional) value = { unknown: `${e.path} is set under a condition or loop`, src: at };
    else if (e.augmented) value = { unknown: `${e.path} is updated in place`, src: at };
    else if (prior !== undefined && prior !== raw)
      value = { unknown: `${e.path} is assigned different values`, src: at };
    else {
      const v = asValue(evalAt(ctx, e.valueStart, e.valueEnd));
      value =
        v === UNKNOWN
          ? {
              unknown: `${e.path} = ${ctx.script.slice(e.valueStart, e.valueEnd).slice(0, 40)} is not a constant`,
              src: at,
            }
          : { v, src: at };
    }
    seen.set(e.path, prior ?? raw);
    ctx.spec.usedKeys.push(at);
    const parts = e.path.split('.');
    const [root] = parts;
    layoutEdits.set(e.path, value);
    if (finetune && root === 'resume') {
      // The checkpoint restored (and its tokenizer, which sets the vocabulary).
      if (parts.length === 3 && parts[1] === 'restore_config' && parts[2] === 'path') restore = value;
      else if (parts.length <= 2 && (parts.length === 1 || parts[1] === 'restore_config')) {
        const c = configCall(ctx, e.valueStart, e.valueEnd);
        const rc = c && parts.length === 1 ? c.kwargs.get('restore_config') : undefined;
        const inner = rc ? configCall(ctx, rc[0], rc[1]) : parts.length === 2 ? c : undefined;
        const extra = inner ? [...inner.kwargs.keys()].filter((k) => k !== 'path') : [];
        const path =
          inner?.target === 'RestoreConfig' && !extra.length ? inner.kwargs.get('path') : undefined;
        const v = path && !e.conditional ? evalAt(ctx, path[0], path[1]) : UNKNOWN;
        restore =
          typeof v === 'string'
            ? { v, src: at }
            : {
                unknown: `${e.path} = ${ctx.script.slice(e.valueStart, e.valueEnd).slice(0, 50)} is not read`,
                src: at,
              };
      } else if (parts[1] === 'restore_config')
        // load_artifacts=False skips the tokenizer restore; adapter_path etc. are not read.
        restore = { unknown: `${e.path} is not read`, src: at };
      continue;
    }
    if (finetune && root === 'peft') {
      if (parts.length === 1) {
        const text = code.slice(e.valueStart, e.valueEnd).trim();
        const c = e.conditional ? undefined : configCall(ctx, e.valueStart, e.valueEnd);
        peftFields.clear();
        if (text === 'None' && !e.conditional) peftClass = { v: null, src: at };
        else if (c && (c.target === 'LoRA' || c.target === 'DoRA') && !c.positional.length) {
          peftClass = { v: c.target, src: at };
          for (const [k, [s0, t0]] of c.kwargs) {
            const v = asValue(evalAt(ctx, s0, t0));
            peftFields.set(
              k,
              v === UNKNOWN ? { unknown: `peft ${k} is not a constant`, src: at } : { v, src: at },
            );
          }
        } else
          peftClass = {
            unknown: `recipe.peft = ${ctx.script.slice(e.valueStart, e.valueEnd).slice(0, 50)} is not read`,
            src: at,
          };
      } else if (parts.length === 2) peftFields.set(parts[1], value);
      else peftFields.set(parts.slice(1).join('.'), { unknown: `${e.path} is not read`, src: at });
      continue;
    }
    if (root === 'optim' || root === 'log' || root === 'resume') continue;
    if (root === 'trainer') {
      if (parts.length === 1) {
        ['max_steps', 'num_nodes', 'devices'].forEach((k) =>
          trainer.set(k, { unknown: 'recipe.trainer is replaced', src: at }),
        );
        tp = { unknown: 'recipe.trainer is replaced', src: at };
      } else if (parts[1] === 'strategy') {
        if (parts.length === 2) tp = { unknown: 'recipe.trainer.strategy is replaced', src: at };
        else if (parts[2] === 'tensor_model_parallel_size' && parts.length === 3) tp = value;
      } else if (
        parts.length === 2 &&
        parts[1] === 'accumulate_grad_batches' &&
        !isUnknown(value) &&
        value.v === 1
      ) {
        // the Lightning default
      } else if (parts.length === 2 && ['max_steps', 'num_nodes', 'devices'].includes(parts[1]))
        trainer.set(parts[1], value);
      else if (parts.length === 2 && parts[1] === 'callbacks') {
        const bad = e.conditional
          ? ['(set under a condition)']
          : unknownCallbacks(ctx, e.valueStart, e.valueEnd);
        if (bad.length) {
          ctx.dMissing.push(`unknown: trainer.callbacks ${bad.join(', ')}`);
          warn(
            ctx,
            `trainer callback ${bad.join(', ')} is not known to leave the run alone (it can stop it before max_steps); D not shown.`,
            at,
          );
        }
      } else if (!HARMLESS_TRAINER.has(parts[1])) {
        ctx.dMissing.push(`unknown: ${e.path}`);
        warn(
          ctx,
          `\`${e.path}\` is not modelled (it can end or reshape the run before max_steps); D not shown.`,
          at,
        );
      }
      continue;
    }
    if (root === 'data' && finetune && parts.length >= 2) {
      // llm.finetune hands the model's tokenizer to the data: only the bound on D reads the data.
      if (
        parts.length === 2 &&
        ['seq_length', 'global_batch_size', 'packed_sequence_specs', 'micro_batch_size'].includes(parts[1])
      )
        data.set(
          parts[1],
          parts[1] === 'packed_sequence_specs' && !isUnknown(value) && value.v !== null
            ? { v: { opaque: 'packed' }, src: at }
            : value,
        );
      continue;
    }
    if (root === 'data') {
      if (parts.length === 1) {
        readDataReplacement(ctx, e, at, data, (c) => (dataClass = c), !!finetune);
      } else if (
        parts.length === 2 &&
        // micro_batch_size changes neither N nor D but is the memory layout's micro-batch.
        ['seq_length', 'global_batch_size', 'tokenizer', 'rampup_batch_size', 'micro_batch_size'].includes(
          parts[1],
        )
      ) {
        data.set(
          parts[1],
          parts[1] === 'tokenizer' ? tokenizerVal(ctx, e.valueStart, e.valueEnd, at, value) : value,
        );
      } else if (!HARMLESS_DATA.has(parts[1])) {
        ctx.dMissing.push(`unknown: ${e.path}`);
        ctx.nMissing.push(`unknown: ${e.path}`);
        warn(
          ctx,
          `\`${e.path}\` is not modelled (it can change the samples or the tokenizer); N and D not shown.`,
          at,
        );
      }
      continue;
    }
    if (root === 'model') {
      if (parts.length === 3 && parts[1] === 'config') {
        const field = parts[2];
        if (COUNT_FIELDS.has(field) || Object.hasOwn(MUST_BE, field)) cfgOverrides.set(field, value);
        else if (!HARMLESS_FIELDS.has(field)) {
          ctx.nMissing.push(`unknown: ${e.path}`);
          warn(
            ctx,
            `\`${e.path}\` is not a GPTConfig field Scaling Lens models (NeMo@${SHORT}); N not shown.`,
            at,
          );
        }
        continue;
      }
      if (parts.length === 2 && parts[1] === 'config') {
        const c = configCall(ctx, e.valueStart, e.valueEnd);
        if (c && NEMO2.configs[c.target] && c.positional.length === 0) {
          cfgClass.name = c.target;
          cfgClass.src = at;
          cfgOverrides.clear();
          for (const [k, [s, t]] of c.kwargs) {
            const v = asValue(evalAt(ctx, s, t));
            cfgOverrides.set(
              k,
              v === UNKNOWN ? { unknown: `${k} is not a constant`, src: at } : { v, src: at },
            );
          }
        } else
          modelReplaced = `recipe.model.config = ${ctx.script.slice(e.valueStart, e.valueEnd).slice(0, 50)}`;
        continue;
      }
      if (parts.length === 1) {
        const c = configCall(ctx, e.valueStart, e.valueEnd);
        const inner = c?.kwargs.get('config');
        const cc = inner ? configCall(ctx, inner[0], inner[1]) : undefined;
        if (
          c &&
          /Model$/.test(c.target) &&
          c.kwargs.size === 1 &&
          cc &&
          NEMO2.configs[cc.target] &&
          cc.positional.length === 0
        ) {
          cfgClass.name = cc.target;
          cfgClass.src = at;
          cfgOverrides.clear();
          for (const [k, [s, t]] of cc.kwargs) {
            const v = asValue(evalAt(ctx, s, t));
            cfgOverrides.set(
              k,
              v === UNKNOWN ? { unknown: `${k} is not a constant`, src: at } : { v, src: at },
            );
          }
        } else modelReplaced = `recipe.model = ${ctx.script.slice(e.valueStart, e.valueEnd).slice(0, 50)}`;
        continue;
      }
      ctx.nMissing.push(`unknown: ${e.path}`);
      warn(ctx, `\`${e.path}\` is not modelled; N not shown.`, at);
      continue;
    }
    // peft, tokenizer, model_transform
    ctx.nMissing.push(`unknown: ${e.path}`);
    warn(
      ctx,
      `\`${e.path}\` is not modelled (pretrain takes its tokenizer from the data; adapters are not counted); N not shown.`,
      at,
    );
  }
  if (modelReplaced) {
    ctx.nMissing.push(`unknown: ${modelReplaced}`);
    warn(ctx, `${modelReplaced} is not a run.Config of a GPTConfig class in the table; N not shown.`);
  }

  const gpus = (() => {
    const nodes = trainer.get('num_nodes');
    const devices = trainer.get('devices');
    if (
      nodes &&
      devices &&
      !isUnknown(nodes) &&
      !isUnknown(devices) &&
      typeof nodes.v === 'number' &&
      typeof devices.v === 'number'
    )
      return nodes.v * devices.v;
    return undefined;
  })();
  if (gpus) ctx.spec.training.gpus = gpus;

  let restoredTok: Val | undefined;
  let restoredNote: string | undefined;
  if (finetune) {
    // llm.finetune(tokenizer="model"): AutoResume.setup restores model.tokenizer from the checkpoint's
    // context (nemo/lightning/resume.py _try_restore_tokenizer), which import_ckpt wrote from the HF id.
    const id =
      !isUnknown(restore) && typeof restore.v === 'string'
        ? /^nemo:\/\/(.+)$/.exec(restore.v)?.[1]
        : undefined;
    if (finetune.tokenizer !== 'model')
      restoredTok = { unknown: `llm.finetune tokenizer=${JSON.stringify(finetune.tokenizer)} is not read` };
    else if (id) {
      restoredTok = { v: { config: 'AutoTokenizer', fields: {}, positional: [id] }, src: restore.src };
      restoredNote = `finetune restores nemo://${id} (resume.restore_config.path): the tokenizer import_ckpt saved from HF ${id} sets the vocabulary`;
    } else
      restoredTok = {
        unknown: isUnknown(restore)
          ? restore.unknown
          : `resume.restore_config.path ${JSON.stringify(restore.v)} is not a nemo://<HF id> checkpoint`,
        src: restore.src,
      };
  }
  if (!ctx.nMissing.length) {
    const arch = architecture(
      ctx,
      cfgClass.name,
      cfgOverrides,
      tp,
      data,
      dataClass,
      dataDefaults(),
      restoredTok,
      restoredNote,
    );
    if (arch) {
      ctx.spec.architecture = arch;
      if (finetune) trainable(ctx, arch, peftClass, peftFields);
    }
  }
  if (finetune) readFinetuneD(ctx, trainer.get('max_steps')!, data);
  else readD(ctx, trainer.get('max_steps')!, data, dataDefaults(), dataClass);
  ctx.layout = buildLayout({
    at: callSrc,
    outputs,
    cfgClass: cfgClass.name,
    cfgOverrides,
    edits: layoutEdits,
    data,
    dataDefaults: dataDefaults(),
    gpus,
    peft: finetune ? peftClass : undefined,
    resolve: (v) => resolve(v, args),
  });
  ctx.schedule = scheduleInput(
    outputs,
    layoutEdits,
    trainer.get('max_steps')!,
    (v) => resolve(v, args),
    callSrc,
  );
  if (scheduleUnread) ctx.schedule.problem = `unknown: ${scheduleUnread}`;
}

/** The LR schedule's inputs: the table's MegatronOptimizerModule, then `recipe.optim.*` edits. */
function scheduleInput(
  outputs: Nemo2Outputs,
  edits: Map<string, Val>,
  maxSteps: Val,
  res: (v: Nemo2Value) => Val,
  at: FieldSource,
): Nemo2ScheduleInput {
  const lines: Record<string, number> = { recipe: at.keyRange.start.line + 1 };
  for (const [path, v] of edits)
    if ((path.startsWith('optim.') || path === 'trainer.max_steps') && v.src)
      lines[path] = v.src.keyRange.start.line + 1;
  const plain = (v: Val | undefined): unknown => (!v ? undefined : isUnknown(v) ? v.unknown : v.v);
  for (const whole of ['optim', 'optim.config', 'optim.lr_scheduler'])
    if (edits.has(whole))
      return { lines, problem: `\`recipe.${whole}\` is replaced; the schedule is not read` };
  const o = outputs.optim as { config?: string; fields?: Record<string, Nemo2Value> } | null;
  const cfg = o?.fields?.config as { config?: string; fields?: Record<string, Nemo2Value> } | undefined;
  const sched = o?.fields?.lr_scheduler as
    { config?: string; fields?: Record<string, Nemo2Value> } | undefined;
  if (o?.config !== 'MegatronOptimizerModule' || cfg?.config !== 'OptimizerConfig')
    return {
      lines,
      problem: 'the recipe optimizer is not a MegatronOptimizerModule with an OptimizerConfig',
    };
  if (sched?.config !== 'CosineAnnealingScheduler')
    return {
      lines,
      problem: unmodeledScheduler(sched?.config),
    };
  const field = (k: string): unknown => {
    const edit = edits.get(`optim.lr_scheduler.${k}`);
    if (edit) return plain(edit);
    if (!Object.hasOwn(sched.fields ?? {}, k)) return `${k} not set by the recipe`;
    return plain(res(sched.fields![k]));
  };
  const lr =
    edits.get('optim.config.lr') ?? (Object.hasOwn(cfg.fields ?? {}, 'lr') ? res(cfg.fields!.lr) : undefined);
  return {
    lines,
    lr: plain(lr),
    warmupSteps: field('warmup_steps'),
    constantSteps: field('constant_steps'),
    minLr: field('min_lr'),
    maxSteps: plain(maxSteps),
  };
}

const unmodeledScheduler = (name: string | undefined) =>
  `unknown: the LR scheduler ${name ?? '(none)'} is not modelled (CosineAnnealingScheduler is)`;

/** Linear layers NeMo's LoRA/DoRA adapt (Megatron-core GPT layer names) and their in/out features. */
function adaptedLinears(arch: ArchitectureSpec): Record<string, [number, number]> {
  const q = arch.nHeads * arch.headDim;
  const kv = arch.nKvHeads * arch.headDim;
  return {
    linear_qkv: [arch.dModel, q + 2 * kv],
    linear_proj: [q, arch.dModel],
    linear_fc1: [arch.dModel, arch.ffnSize * (arch.gatedMlp ? 2 : 1)],
    linear_fc2: [arch.ffnSize, arch.dModel],
  };
}

/**
 * Trainable parameters of NeMo's LoRA / DoRA (nemo/collections/llm/peft/lora.py, dora.py, utils.py
 * ParallelLinearAdapter): one adapter per matched linear, linear_in (in → dim) and linear_out
 * (dim → out), no bias, no norm — on the fused linear_qkv one A and one B over q+k+v, on a gated
 * linear_fc1 one B over both halves. DoRA adds weight_magnitude (out features) per adapter.
 * Target names other than the four layer names (wildcards, exclude_modules) leave it unknown.
 */
function trainable(ctx: Ctx, arch: ArchitectureSpec, peftClass: Val, fields: Map<string, Val>): void {
  const say = (why: string, at?: FieldSource) => {
    ctx.spec.assumptions.push(`trainable parameters not shown: ${clean(why)}`);
    warn(ctx, `${why}; trainable parameters not shown.`, at, 'not-modelled-key');
  };
  if (isUnknown(peftClass)) return say(peftClass.unknown, peftClass.src);
  if (peftClass.v === null) {
    ctx.spec.assumptions.push('peft_scheme None: every weight trains (full finetune)');
    return;
  }
  const cls = peftClass.v;
  if (cls !== 'LoRA' && cls !== 'DoRA') return say(`PEFT ${JSON.stringify(cls)} is not LoRA or DoRA`);
  const defaults = NEMO2.peft[cls];
  const get = (k: string): Val => fields.get(k) ?? { v: defaults[k] };
  for (const [k, v] of fields)
    if (isUnknown(v)) return say(v.unknown, v.src);
    else if (
      ![
        'dim',
        'alpha',
        'target_modules',
        'dropout',
        'dropout_position',
        'lora_A_init_method',
        'lora_B_init_method',
        'lora_dtype',
        'a2a_experimental',
        'dropout_recompute',
      ].includes(k) &&
      !(k === 'exclude_modules' && Array.isArray(v.v) && v.v.length === 0)
    )
      return say(`peft ${k} is not modelled`, v.src);
  const dim = get('dim');
  const targets = get('target_modules');
  if (isUnknown(dim) || !num(dim.v)) return say('peft dim is not a positive integer');
  if (isUnknown(targets) || !Array.isArray(targets.v) || !targets.v.length)
    return say('peft target_modules is not a list of layer names');
  const shapes = adaptedLinears(arch);
  let perLayer = 0;
  for (const t of new Set(targets.v)) {
    if (typeof t !== 'string' || !Object.hasOwn(shapes, t))
      return say(
        `peft target_modules entry ${JSON.stringify(t)} is not linear_qkv/linear_proj/linear_fc1/linear_fc2`,
        targets.src,
      );
    const [inF, outF] = shapes[t];
    perLayer += (dim.v as number) * (inF + outF) + (cls === 'DoRA' ? outF : 0);
  }
  const count = perLayer * arch.nLayers;
  ctx.spec.trainableParams = {
    count,
    method: `NeMo ${cls} dim ${dim.v as number} on ${[...new Set(targets.v)].join(', ')} (peft/${cls.toLowerCase()}.py @${SHORT})`,
  };
}

/**
 * Finetune D: SQuAD / chat samples are padded (or packed) up to seq_length, so max_steps ×
 * global_batch_size × seq_length bounds the tokens but does not give them. As for the other
 * finetune readers, D stays unknown and the bound is stated in `missing`.
 */
function readFinetuneD(ctx: Ctx, maxSteps: Val, data: Map<string, Val>): void {
  const t = ctx.spec.training;
  const seq = data.get('seq_length');
  const gbs = data.get('global_batch_size');
  const packed = data.get('packed_sequence_specs');
  const isPacked = !!packed && (isUnknown(packed) || (packed.v !== null && packed.v !== undefined));
  const steps = !isUnknown(maxSteps) ? num(maxSteps.v) : undefined;
  if (seq && !isUnknown(seq) && num(seq.v)) {
    t.seqLen = seq.v as number;
    if (seq.src) ctx.spec.trainingSources.seqLen = seq.src;
  }
  if (gbs && !isUnknown(gbs) && num(gbs.v)) {
    t.globalBatchSeqs = gbs.v as number;
    if (gbs.src) ctx.spec.trainingSources.globalBatch = gbs.src;
  }
  if (steps) {
    t.steps = steps;
    if (!isUnknown(maxSteps) && maxSteps.src) ctx.spec.trainingSources.duration = maxSteps.src;
  }
  const bound =
    steps && t.seqLen && t.globalBatchSeqs
      ? ` (at most ${formatInt(steps)} × ${t.globalBatchSeqs} × ${t.seqLen} = ${formatInt(steps * t.globalBatchSeqs * t.seqLen)} tokens)`
      : '';
  ctx.dMissing.push(
    steps
      ? `the real tokens of ${formatInt(steps)} finetuning steps${isPacked ? ' of packed rows' : ' of padded rows'}${bound}`
      : isUnknown(maxSteps)
        ? `unknown: ${maxSteps.unknown}`
        : 'trainer.max_steps (a positive integer)',
  );
}

function tokenizerVal(ctx: Ctx, start: number, end: number, at: FieldSource, value: Val): Val {
  // A name bound once to a tokenizer call.
  let s = start;
  let t = end;
  for (let hops = 0; hops < 3 && /^\s*[A-Za-z_]\w*\s*$/.test(ctx.script.code.slice(s, t)); hops++) {
    const b = ctx.script.binding(ctx.script.code.slice(s, t).trim(), s);
    if (!b || b === 'ambiguous') break;
    s = b.valueStart;
    t = b.valueEnd;
  }
  if (/^\s*None\s*$/.test(ctx.script.code.slice(s, t))) return { v: null, src: at };
  const c = configCall(ctx, s, t);
  let nameRange: [number, number] | undefined;
  if (c && c.target === 'AutoTokenizer') nameRange = c.kwargs.get('pretrained_model_name') ?? c.positional[0];
  else if (c && c.target === 'get_nmt_tokenizer' && c.positional.length >= 2) {
    const lib = evalAt(ctx, c.positional[0][0], c.positional[0][1]);
    if (lib === 'huggingface') nameRange = c.positional[1];
  } else if (c && c.target === 'get_tokenizer') nameRange = c.kwargs.get('tokenizer_name') ?? c.positional[0];
  const name = nameRange ? evalAt(ctx, nameRange[0], nameRange[1]) : UNKNOWN;
  if (typeof name === 'string')
    return { v: { config: 'AutoTokenizer', fields: {}, positional: [name] }, src: at };
  void value;
  return {
    unknown: `the tokenizer ${ctx.script.slice(s, t).slice(0, 60)} is not one Scaling Lens can size`,
    src: at,
  };
}

function readDataReplacement(
  ctx: Ctx,
  e: Edit,
  at: FieldSource,
  data: Map<string, Val>,
  setClass: (c: string) => void,
  finetune = false,
): void {
  const c = e.conditional ? undefined : configCall(ctx, e.valueStart, e.valueEnd);
  data.clear();
  if (finetune && c && !c.positional.length) {
    // A finetune's data sets only the bound on D (llm.finetune gives it the model's tokenizer).
    setClass(c.target);
    for (const [k, [s, t]] of c.kwargs) {
      if (!['seq_length', 'global_batch_size', 'packed_sequence_specs', 'micro_batch_size'].includes(k))
        continue;
      const fieldAt = src(ctx, k, s, s, t);
      const v = asValue(evalAt(ctx, s, t));
      data.set(
        k,
        k === 'packed_sequence_specs'
          ? { v: ctx.script.slice(s, t).trim() === 'None' ? null : { opaque: 'packed' }, src: fieldAt }
          : v === UNKNOWN
            ? { unknown: `data ${k} ${ctx.script.slice(s, t)} is not a constant`, src: fieldAt }
            : { v, src: fieldAt },
      );
    }
    return;
  }
  if (!c || !NEMO2.dataModules[c.target] || c.positional.length) {
    const why = `recipe.data = ${ctx.script.slice(e.valueStart, e.valueEnd).slice(0, 50)} is not read`;
    for (const k of ['seq_length', 'global_batch_size', 'tokenizer']) data.set(k, { unknown: why, src: at });
    setClass('?');
    return;
  }
  setClass(c.target);
  for (const [k, [s, t]] of c.kwargs) {
    const fieldAt = src(ctx, k, s, s, t);
    if (k === 'tokenizer') {
      data.set(k, tokenizerVal(ctx, s, t, fieldAt, { v: null }));
      continue;
    }
    const v = asValue(evalAt(ctx, s, t));
    // micro_batch_size changes neither N nor D, but the memory layout reads it (the class default of
    // PreTrainingDataModule is 4, not the recipe's 1, so dropping it gave the layout a wrong micro-batch).
    if (['seq_length', 'global_batch_size', 'rampup_batch_size', 'micro_batch_size'].includes(k))
      data.set(
        k,
        v === UNKNOWN
          ? { unknown: `data ${k} ${ctx.script.slice(s, t)} is not a constant`, src: fieldAt }
          : { v, src: fieldAt },
      );
    else if (k === 'vocab_file' || k === 'merges_file')
      data.set('tokenizer', { unknown: `data ${k} sets the GPT-2 tokenizer files`, src: fieldAt });
    else if (!HARMLESS_DATA.has(k)) {
      data.set('seq_length', { unknown: `data ${k} is not modelled`, src: fieldAt });
      data.set('tokenizer', { unknown: `data ${k} is not modelled`, src: fieldAt });
    }
  }
}

const num = (v: Nemo2Value | undefined): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;

function architecture(
  ctx: Ctx,
  cls: string,
  overrides: Map<string, Val>,
  tp: Val,
  data: Map<string, Val>,
  dataClass: string,
  dataDefaults: Readonly<Record<string, Nemo2Value>> | undefined,
  restoredTok?: Val,
  restoredNote?: string,
): ArchitectureSpec | undefined {
  const fail = (what: string, message: string, at?: FieldSource): undefined => {
    ctx.nMissing.push(what);
    warn(ctx, message, at);
    return undefined;
  };
  const config = NEMO2.configs[cls];
  if (!config)
    return fail(
      `unknown: config ${cls}`,
      `\`${cls}\` is not a GPTConfig class in the table (NeMo@${SHORT}).`,
    );
  for (const [method, owner] of Object.entries(config.overrides)) {
    if (!(ALLOWED_OVERRIDES[method] ?? []).includes(owner))
      return fail(
        `unknown: ${owner}.${method}`,
        `${cls} inherits ${owner}.${method}, which Scaling Lens does not model.`,
      );
  }
  const fields = new Map<string, Val>();
  for (const [k, v] of Object.entries(MCORE_DEFAULTS)) fields.set(k, { v });
  for (const [k, v] of Object.entries(config.fields)) fields.set(k, { v });
  for (const [k, v] of overrides) fields.set(k, v);
  for (const [k, v] of fields) {
    if (isUnknown(v)) {
      if (COUNT_FIELDS.has(k) && k === 'seq_length') continue; // only learned positions read it
      if (COUNT_FIELDS.has(k) || Object.hasOwn(MUST_BE, k)) return fail(`unknown: ${k}`, v.unknown, v.src);
      continue;
    }
    if (Object.hasOwn(MUST_BE, k)) {
      if (JSON.stringify(v.v) !== JSON.stringify(MUST_BE[k]))
        return fail(
          `unknown: ${k}`,
          `${cls} ${k} = ${JSON.stringify(v.v)} (MoE, MLA, MTP or a custom layer spec) is not modelled.`,
          v.src,
        );
      continue;
    }
    if (!COUNT_FIELDS.has(k) && !HARMLESS_FIELDS.has(k) && !Object.hasOwn(MCORE_DEFAULTS, k))
      return fail(
        `unknown: ${k}`,
        `${cls} sets \`${k}\`, which Scaling Lens does not model (NeMo@${SHORT} ${config.file}).`,
        v.src,
      );
  }
  const get = (k: string) => {
    const v = fields.get(k);
    return v && !isUnknown(v) ? v.v : undefined;
  };
  const nLayers = num(get('num_layers'));
  const dModel = num(get('hidden_size'));
  const nHeads = num(get('num_attention_heads'));
  if (!nLayers || !dModel || !nHeads)
    return fail(
      'num_layers, hidden_size, num_attention_heads',
      `${cls}: num_layers, hidden_size and num_attention_heads must be positive integers.`,
    );
  const nKvHeads = get('num_query_groups') === null ? nHeads : num(get('num_query_groups'));
  const headDim =
    get('kv_channels') === null
      ? dModel % nHeads === 0
        ? dModel / nHeads
        : undefined
      : num(get('kv_channels'));
  const ffn = get('ffn_hidden_size') === null ? 4 * dModel : num(get('ffn_hidden_size'));
  if (!nKvHeads || !headDim || !ffn)
    return fail(
      'num_query_groups, kv_channels, ffn_hidden_size',
      `${cls}: num_query_groups, kv_channels or ffn_hidden_size is not a positive integer.`,
    );
  const normalization = get('normalization');
  if (normalization !== 'RMSNorm' && normalization !== 'LayerNorm')
    return fail(
      `unknown: normalization`,
      `normalization ${JSON.stringify(normalization)} is not RMSNorm or LayerNorm.`,
    );
  const position = get('position_embedding_type');
  if (position !== 'rope' && position !== 'learned_absolute' && position !== 'none')
    return fail(
      'unknown: position_embedding_type',
      `position_embedding_type ${JSON.stringify(position)} is not modelled.`,
    );
  let learned = 0;
  if (position === 'learned_absolute') {
    // MCoreGPTModel(max_sequence_length=self.seq_length) sizes the position table (base.py configure_model).
    const seq = num(get('seq_length'));
    if (!seq)
      return fail('unknown: seq_length', 'learned absolute positions need a constant config seq_length.');
    learned = seq;
  }
  const bools: Record<string, boolean> = {};
  for (const k of [
    'gated_linear_unit',
    'add_bias_linear',
    'add_qkv_bias',
    'share_embeddings_and_output_weights',
    'qk_layernorm',
  ]) {
    const v = get(k);
    if (typeof v !== 'boolean') return fail(`unknown: ${k}`, `${k} ${JSON.stringify(v)} is not True/False.`);
    bools[k] = v;
  }
  // Vocabulary: config.vocab_size as given, else the data tokenizer padded to
  // make_vocab_size_divisible_by × TP (GPTConfig.configure_model → nemo/lightning/base.py get_vocab_size).
  let vocab: number;
  const preset = get('vocab_size');
  if (preset !== null && preset !== undefined) {
    const v = num(preset);
    if (!v)
      return fail('unknown: vocab_size', `vocab_size ${JSON.stringify(preset)} is not a positive integer.`);
    vocab = v;
    ctx.spec.assumptions.push(`vocab_size ${v} from the config (used as given, no padding)`);
  } else {
    if (fields.get('vocab_size') && isUnknown(fields.get('vocab_size')!)) return undefined;
    const tok = restoredTok ?? data.get('tokenizer') ?? { v: dataDefaults?.tokenizer ?? null };
    if (restoredNote) ctx.spec.assumptions.push(restoredNote);
    if (isUnknown(tok))
      return fail(`unknown: data tokenizer`, `${tok.unknown}; the vocabulary comes from it.`, tok.src);
    let size: number;
    let what: string;
    if (tok.v === null) {
      if (dataClass !== 'MockDataModule' && dataClass !== 'PreTrainingDataModule')
        return fail('unknown: data tokenizer', `the data module ${dataClass} is not read.`);
      // mock.py / pre_training.py: tokenizer None → get_nmt_tokenizer("megatron", "GPT2BPETokenizer").
      size = 50257;
      what = `${dataClass} default tokenizer GPT2BPETokenizer (50257; NeMo@${SHORT} gpt/data/${dataClass === 'MockDataModule' ? 'mock' : 'pre_training'}.py)`;
    } else {
      const t = tok.v as { positional?: readonly Nemo2Value[] };
      const name =
        t && typeof t === 'object' && t.positional && typeof t.positional[0] === 'string'
          ? t.positional[0]
          : undefined;
      const row = name ? findTokenizer(name) : undefined;
      if (!row)
        return fail(
          `unknown: tokenizer ${name ?? '?'}`,
          `the size of tokenizer ${name ?? '?'} is not known to Scaling Lens; the vocabulary comes from it.`,
          tok.src,
        );
      size = row.size;
      what = `tokenizer ${row.name}: ${row.size} tokens (${row.source})`;
    }
    const divisible = num(get('make_vocab_size_divisible_by'));
    if (!divisible)
      return fail('unknown: make_vocab_size_divisible_by', 'make_vocab_size_divisible_by is not a constant.');
    if (isUnknown(tp))
      return fail(
        'unknown: tensor_model_parallel_size',
        `${tp.unknown}; the vocabulary pads to make_vocab_size_divisible_by × TP.`,
        tp.src,
      );
    const tpSize = num(tp.v);
    if (!tpSize)
      return fail(
        'unknown: tensor_model_parallel_size',
        'tensor_model_parallel_size is not a positive integer.',
      );
    const padded = padVocab(size, divisible, tpSize, { tpName: 'TP' });
    vocab = padded.rows;
    ctx.spec.assumptions.push(what);
    if (padded.note) ctx.spec.assumptions.push(padded.note);
  }
  ctx.spec.assumptions.push(
    `${cls} (${config.chain.join(' → ')}) field defaults: NVIDIA/NeMo@${SHORT} ${config.file}`,
  );
  const rms = normalization === 'RMSNorm';
  return {
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize: ffn,
    gatedMlp: bools.gated_linear_unit,
    vocabSize: vocab,
    tiedEmbeddings: bools.share_embeddings_and_output_weights,
    learnedPositions: learned,
    qkvBias: bools.add_bias_linear || bools.add_qkv_bias,
    attnOutBias: bools.add_bias_linear,
    mlpBias: bools.add_bias_linear,
    normsPerLayer: 2,
    normWeight: true,
    normBias: !rms,
    finalNorm: true,
    // Megatron-core qk_layernorm: one norm over head_dim for q and one for k, shared by the heads.
    qkNorm: bools.qk_layernorm ? 'head' : 'none',
    ...(bools.qk_layernorm && !rms ? { qkNormBias: true } : {}),
  };
}

/**
 * D = max_steps × global_batch_size × seq_length: MegatronDataSampler draws global_batch_size
 * samples of seq_length tokens per optimizer step (nemo/lightning/data.py; the data modules pass
 * seq_len, micro and global batch to it), and the trainer stops at max_steps.
 */
function readD(
  ctx: Ctx,
  maxSteps: Val,
  data: Map<string, Val>,
  defaults: Readonly<Record<string, Nemo2Value>> | undefined,
  dataClass: string,
): void {
  const t = ctx.spec.training;
  const pick = (k: string): Val =>
    data.get(k) ??
    (defaults && k in defaults
      ? { v: defaults[k] }
      : { unknown: `the data module ${dataClass} is not read` });
  const seq = pick('seq_length');
  const gbs = pick('global_batch_size');
  const ramp = data.get('rampup_batch_size') ?? { v: defaults?.rampup_batch_size ?? null };
  const missing = ctx.dMissing;
  if (isUnknown(seq) || !num(seq.v))
    missing.push(isUnknown(seq) ? `unknown: ${seq.unknown}` : 'data seq_length');
  else {
    t.seqLen = seq.v as number;
    if (seq.src) ctx.spec.trainingSources.seqLen = seq.src;
  }
  if (isUnknown(gbs) || !num(gbs.v))
    missing.push(isUnknown(gbs) ? `unknown: ${gbs.unknown}` : 'data global_batch_size');
  else {
    t.globalBatchSeqs = gbs.v as number;
    if (gbs.src) ctx.spec.trainingSources.globalBatch = gbs.src;
    if (t.seqLen) t.tokensPerStep = t.globalBatchSeqs * t.seqLen;
  }
  if (isUnknown(ramp) || (ramp.v !== null && ramp.v !== undefined)) {
    missing.push('unknown: rampup_batch_size (the global batch grows during the run)');
    warn(ctx, 'rampup_batch_size changes the global batch during the run; D not shown.', ramp.src);
  }
  if (isUnknown(maxSteps) || !num(maxSteps.v)) {
    missing.push(
      isUnknown(maxSteps) ? `unknown: ${maxSteps.unknown}` : 'trainer.max_steps (a positive integer)',
    );
    if (isUnknown(maxSteps)) warn(ctx, `${maxSteps.unknown}; D not shown.`, maxSteps.src);
  } else {
    t.steps = maxSteps.v as number;
    if (maxSteps.src) {
      ctx.spec.trainingSources.duration = maxSteps.src;
      if (/^\s*[\d_]+\s*$/.test(maxSteps.src.raw))
        t.durationUnit = {
          kind: 'steps',
          suffix: '',
          ...(t.tokensPerStep ? { tokensPerUnit: t.tokensPerStep } : {}),
        };
    }
  }
  for (const m of missing)
    if (/^unknown: /.test(m) && !ctx.spec.diagnostics.some((d) => d.message.includes(m.slice(9))))
      warn(ctx, `${m.slice(9)}; D not shown.`);
  if (missing.length || !t.steps || !t.tokensPerStep) return;
  t.tokens = t.steps * t.tokensPerStep;
  t.formula = `${formatInt(t.steps)} steps × ${t.globalBatchSeqs} seqs × ${t.seqLen} tokens`;
}

setLayoutReader((text) => {
  const r = read(text);
  return r.kind === 'run-config'
    ? (r.parsed as { nemo2Layout?: ParallelLayout } | undefined)?.nemo2Layout
    : undefined;
});

setScheduleReader((text) => {
  const r = read(text);
  return r.kind === 'run-config'
    ? (r.parsed as { nemo2Schedule?: Nemo2ScheduleInput } | undefined)?.nemo2Schedule
    : undefined;
});

/** Reader for NeMo 2.x Python recipes. */
export const nemo2Reader: FrameworkReader<'nemo2'> = neverThrowing({
  id: 'nemo2',
  label: 'NeMo 2.x',
  detect: (text) => detect(text),
  read: (text) => read(text),
  inventory: NEMO2_INVENTORY,
  layout: nemo2Layout,
  schedule: (text, context, spec) => nemo2Schedule(text, context, spec),
});
