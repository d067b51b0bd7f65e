import { TextCache } from '../../parseCache';
import type {
  ArchField,
  ArchitectureSpec,
  CoreDiagnostic,
  FieldSource,
  ReadContext,
  ReadResult,
  RunSpec,
  TrainingField,
  TrainingSpec,
} from '../../../types';
import { gpt2Architecture } from '../../../model/params';
import type { FrameworkReader } from '../../reader';
import { nanogptSchedule } from './schedule';
import { nanogptLayout } from './layout';
import {
  accumulationSemantics,
  modelDifference,
  readForkScripts,
  repositoryRoots,
  runnerDefaults,
  simulatesEightGpus,
} from './fork';
import { inventoryEntry, type WrittenKey } from '../../inventory';
import { LineIndex } from '../../text';
import { evaluateArithmetic } from '../../values';
import {
  neverThrowing,
  headWidth,
  asTypedIntAtLeast,
  asTypedBool,
  invalidValue,
  quoted,
  EXPECTED,
  UnusableValues,
  type SpecPart,
} from '../../readerPolicy';
import {
  GPT2_CHECKPOINTS,
  GPT2_PRETRAINED_FORCED,
  NANOGPT_DATASET_VOCAB,
  NANOGPT_DEFAULT_VOCAB,
  NANOGPT_TRAIN_DEFAULTS,
} from './models';
import {
  NANOGPT_ARCHITECTURAL_NAME,
  NANOGPT_LOADED_MODEL_NAME,
  NANOGPT_BPE_DATASETS,
  NANOGPT_CHAR_DATASET,
  NANOGPT_INVENTORY,
  NANOGPT_TRAINING_NAME,
} from './inventory';

/**
 * nanoGPT `config/*.py` reader. nanoGPT `exec`s these files inside train.py, so they are plain
 * top-level `name = literal` assignments; we read them with a tiny line tokenizer and never execute
 * anything. Values the analysis needs but the file omits fall back to train.py's defaults.
 */

/** A literal on the right-hand side of a top-level assignment. */
export type PyValue =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  /** Anything we do not evaluate (calls, names, f-strings): kept as raw text. */
  | { kind: 'expression' };

/** One `name = value` statement with offsets into the file. */
export interface PyAssignment {
  name: string;
  nameStart: number;
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
  raw: string;
  value: PyValue;
  /**
   * Set when the name is bound by code we do not evaluate (an assignment inside an `if`/`for`
   * block, an augmented `+=`, tuple unpacking): how it is bound. The value is then unknown.
   */
  opaque?: string;
}

/** The file split into top-level assignments, comments and anything else. */
export interface PyConfigScan {
  assignments: PyAssignment[];
  /** Non-blank statements that are neither assignments, imports, docstrings nor comments. */
  otherLines: number;
  importLines: number;
  /**
   * Statements that pull another file's names into this one (`exec(open(...).read())`,
   * `from x import *`): whatever the file leaves unset may come from there, not from train.py.
   */
  includes: { start: number; end: number; raw: string }[];
}

/** Names that only nanoGPT's train.py config namespace uses together. */
const DISTINCTIVE_NAMES = new Set([
  'n_layer',
  'n_head',
  'n_embd',
  'block_size',
  'gradient_accumulation_steps',
  'max_iters',
  'lr_decay_iters',
  'init_from',
  'eval_only',
  'eval_iters',
  'eval_interval',
  'wandb_log',
  'wandb_project',
  'always_save_checkpoint',
  'out_dir',
  'decay_lr',
  'warmup_iters',
  'min_lr',
]);

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(?!=)[ \t]*/;
/**
 * `name: type = value` (an annotated assignment binds the name like `name = value`, PEP 526; seen in
 * YpLarryWang/nanoGPT@78b6df6b config/train_tinystories.py `bias: bool = False`). Compound-statement
 * heads (`if x: y = 1`) are not annotations.
 */
const ANNOTATED =
  /^(?!(?:if|elif|else|for|while|with|try|except|finally|def|class|lambda|match|case)\b)([A-Za-z_][A-Za-z0-9_]*)[ \t]*:(?!=)[^=]*?=(?!=)[ \t]*/;
/** `name: type` alone: an annotation, which binds nothing. */
const ANNOTATION_ONLY =
  /^(?!(?:if|elif|else|for|while|with|try|except|finally|def|class|lambda|match|case)\b)[A-Za-z_][A-Za-z0-9_]*[ \t]*:[^=]*$/;
/** `name op= value` (augmented assignment). */
const AUGMENTED = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\*\*|\/\/|>>|<<|[-+*/%@&|^])=/;
/** `a, b = ...` / `(a, b) = ...` (tuple unpacking). */
const TUPLE =
  /^\(?[ \t]*([A-Za-z_][A-Za-z0-9_]*(?:[ \t]*,[ \t]*[A-Za-z_][A-Za-z0-9_]*)+)[ \t]*,?[ \t]*\)?[ \t]*=(?!=)/;

/** Scans by text (detection and reading scan the same text; callers treat the scan as read-only). */
const scanCache = new TextCache<PyConfigScan>();

/** Split Python source into top-level assignments; never throws. */
export function scanPythonConfig(text: string): PyConfigScan {
  return scanCache.get(text, scanPythonConfigUncached);
}

/**
 * Lexical state carried across lines: an open triple-quoted string, or open brackets (the next
 * lines continue the statement; configurator.py `exec`s the file, so Python's rules apply).
 */
interface LexState {
  triple?: string;
  depth: number;
}

/**
 * Walk one physical line: the `;`-separated statement ranges outside strings and brackets (Python
 * allows `a = 1; b = 2`, seen in the wild in quietsmile/nanogpt@fdd2fd8d config/*.py), up to a
 * `#` comment, and the state after the line.
 */
function splitStatements(line: string, state: LexState): { pieces: [number, number][]; end: LexState } {
  const pieces: [number, number][] = [];
  let { triple, depth } = state;
  let quote: string | undefined;
  let start = 0;
  let i = 0;
  const startedInside = triple !== undefined || depth > 0;
  for (; i < line.length; i++) {
    const ch = line[i];
    if (triple) {
      if (ch === '\\') i++;
      else if (line.startsWith(triple, i)) {
        i += 2;
        triple = undefined;
      }
      continue;
    }
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") {
      if (line.startsWith(ch.repeat(3), i)) {
        triple = ch.repeat(3);
        i += 2;
      } else quote = ch;
    } else if (ch === '#') break;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (ch === ';' && depth === 0) {
      pieces.push([start, i]);
      start = i + 1;
    }
  }
  pieces.push([start, Math.min(i, line.length)]);
  // A line that starts inside a continued statement adds no statement of its own.
  return { pieces: startedInside ? [] : pieces, end: { triple, depth } };
}

function scanPythonConfigUncached(text: string): PyConfigScan {
  const assignments: PyAssignment[] = [];
  const includes: PyConfigScan['includes'] = [];
  let otherLines = 0;
  let importLines = 0;
  let state: LexState = { depth: 0 };
  const linePattern = /[^\r\n]*(\r\n|\r|\n|$)/g;
  let match: RegExpExecArray | null;
  const opaque = (name: string, at: number, statement: string, how: string) =>
    assignments.push({
      name,
      nameStart: at,
      nameEnd: at + name.length,
      valueStart: at,
      valueEnd: at + statement.length,
      raw: statement,
      value: { kind: 'expression' },
      opaque: how,
    });
  while ((match = linePattern.exec(text)) !== null) {
    const lineStart = match.index;
    const line = match[0].replace(/[\r\n]+$/, '');
    if (match[0].length === 0) break;
    const { pieces, end } = splitStatements(line, state);
    state = end;
    const indented = /^[ \t]/.test(line);
    for (const [from, to] of pieces) {
      const piece = line.slice(from, to);
      const lead = piece.length - piece.trimStart().length;
      const statement = piece.trim();
      const at = lineStart + from + lead;
      if (statement === '') continue;
      // A docstring or a bare string literal: no statement.
      if (/^[rRbBuU]?("""|\'\'\'|"|')/.test(statement) && !indented) continue;
      if (/^(import|from)\s/.test(statement)) {
        importLines++;
        if (/^from\s+\S+\s+import\s+\*/.test(statement))
          includes.push({ start: at, end: at + statement.length, raw: statement });
        continue;
      }
      if (/\b(exec|execfile|runpy\.run_path)\s*\(/.test(statement))
        includes.push({ start: at, end: at + statement.length, raw: statement });
      if (!indented && ANNOTATION_ONLY.test(statement) && !/:\s*$/.test(statement)) continue;
      const head = indented ? null : (ASSIGNMENT.exec(statement) ?? ANNOTATED.exec(statement));
      if (head) {
        const valueOffset = head[0].length;
        const raw = stripComment(statement.slice(valueOffset)).trimEnd();
        assignments.push({
          name: head[1],
          nameStart: at,
          nameEnd: at + head[1].length,
          valueStart: at + valueOffset,
          valueEnd: at + valueOffset + raw.length,
          raw,
          value: parsePyLiteral(raw),
        });
        continue;
      }
      otherLines++;
      // Names bound by code: an indented `name = ...` (inside an if/for/with block), `name += ...`,
      // `a, b = ...`. Python may rebind them, so their value is unknown to a reader that does not run it.
      // `if cond: name = value` on one line binds the name conditionally, like an indented block.
      const oneLine = indented
        ? null
        : /^(?:if|elif|else|for|while|with|try|except|finally)\b[^:]*:[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:=(?!=)|(?:\*\*|\/\/|>>|<<|[-+*/%@&|^])=)/.exec(
            statement,
          );
      if (oneLine) {
        opaque(
          oneLine[1],
          at + statement.indexOf(oneLine[1], statement.indexOf(':')),
          statement,
          'inside a one-line compound statement',
        );
        continue;
      }
      const inner = indented ? ASSIGNMENT.exec(statement) : null;
      const augmented = AUGMENTED.exec(statement);
      const tuple = TUPLE.exec(statement);
      if (inner) opaque(inner[1], at, statement, 'inside an indented block');
      else if (augmented) opaque(augmented[1], at, statement, 'by an augmented assignment');
      else if (tuple) {
        for (const name of tuple[1].split(',').map((n) => n.trim()))
          opaque(name, at + statement.indexOf(name), statement, 'by tuple unpacking');
      }
    }
  }
  return { assignments, otherLines, importLines, includes };
}

/** Cut a trailing `# comment` that is outside string quotes. */
function stripComment(value: string): string {
  let quote: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#') {
      return value.slice(0, i);
    }
  }
  return value;
}

/** Parse a Python literal: string, bool, None, or safe integer/float arithmetic. */
export function parsePyLiteral(raw: string): PyValue {
  const text = raw.trim();
  const quoted = /^(['"])((?:\\.|(?!\1).)*)\1$/.exec(text);
  if (quoted) return { kind: 'string', value: quoted[2].replace(/\\(.)/g, '$1') };
  if (text === 'True') return { kind: 'bool', value: true };
  if (text === 'False') return { kind: 'bool', value: false };
  if (text === 'None') return { kind: 'none' };
  const number = text === '' ? undefined : evaluateArithmetic(text);
  if (number !== undefined) return { kind: 'number', value: number };
  return { kind: 'expression' };
}

/**
 * Whether Python evaluates this numeric expression to a float: a literal with a decimal point or an
 * exponent (`12.0`, `5e3`), or true division `/` (floor division `//` stays int).
 */
export function evaluatesToPythonFloat(raw: string): boolean {
  return /\d\.|\.\d|\d[eE][+-]?\d/.test(raw) || /(^|[^/])\/(?!\/)/.test(raw);
}

/** How confident we are that `text` is a nanoGPT config override file. */
function detect(text: string, path: string | undefined): number {
  // Cheap gate before scanning: nanoGPT configs always assign at least one of these.
  if (
    !/^(n_layer|block_size|batch_size|init_from|max_iters|gradient_accumulation_steps|eval_only)\s*=/m.test(
      text,
    )
  ) {
    return 0;
  }
  const scan = scanPythonConfig(text);
  const names = new Set(scan.assignments.map((a) => a.name));
  let distinctive = 0;
  for (const name of names) if (DISTINCTIVE_NAMES.has(name)) distinctive++;
  if (distinctive < 2) return 0;
  // Real override files are (almost) only assignments; train.py itself or other scripts are code.
  if (scan.otherLines > Math.max(1, scan.assignments.length * 0.1)) return 0.2;
  let score = 0.6 + 0.1 * Math.min(distinctive, 3);
  if (path && /\.py$/i.test(path)) score += 0.05;
  return Math.min(score, 0.95);
}

/** Why a name's value cannot be read: not a literal, or bound by code (`PyAssignment.opaque`). */
function notLiteralMessage(name: string, assignment: PyAssignment): string {
  if (assignment.opaque)
    return `unknown: \`${name}\` is assigned ${assignment.opaque} (\`${assignment.raw.slice(0, 60)}\`); Scaling Lens does not execute config files, so its value is unknown.`;
  return `\`${name} = ${assignment.raw.slice(0, 60)}\` is not a literal; Scaling Lens does not execute config files.`;
}

/** A literal's value as the typed converters of readerPolicy.ts take it (an expression has none). */
function literalValue(value: PyValue): unknown {
  return value.kind === 'number' || value.kind === 'bool' || value.kind === 'string'
    ? value.value
    : undefined;
}

/** Reads the final value of each assigned name, with its source range, and reports bad types. */
class PyConfigView {
  readonly lines: LineIndex;
  readonly latest = new Map<string, PyAssignment>();
  readonly diagnostics: CoreDiagnostic[] = [];
  readonly usedKeys: FieldSource[] = [];

  constructor(text: string, scan: PyConfigScan) {
    this.lines = new LineIndex(text);
    // Python semantics: a later assignment overrides an earlier one.
    for (const assignment of scan.assignments) this.latest.set(assignment.name, assignment);
  }

  source(assignment: PyAssignment): FieldSource {
    return {
      key: assignment.name,
      keyRange: this.lines.range(assignment.nameStart, assignment.nameEnd),
      valueRange: this.lines.range(assignment.valueStart, assignment.valueEnd),
      raw: assignment.raw,
    };
  }

  private use(name: string): { assignment: PyAssignment; source: FieldSource } | undefined {
    const assignment = this.latest.get(name);
    if (!assignment) return undefined;
    const source = this.source(assignment);
    this.usedKeys.push(source);
    return { assignment, source };
  }

  /** A literal train.py would refuse, in the shared wording (readerPolicy.ts). */
  private invalid(source: FieldSource, expected: string): void {
    this.diagnostics.push(invalidValue(source.key, expected, quoted(source.raw), source.valueRange));
  }

  /**
   * A positive integer value, or undefined (absent or invalid, the latter with a diagnostic).
   * `allowFloat`: the name is only compared (max_iters: train.py:332 `iter_num > max_iters`), so a
   * Python float such as `5e3` works; every other count reaches range() / nn.Linear /
   * nn.Embedding / torch.randint (karpathy/nanoGPT@3adf61e1 model.py:35,82,127-130, train.py:123,
   * 292), which raise TypeError for a float even when it is whole (`12.0`, `1024 / 2`).
   */
  positiveInt(name: string, allowFloat = false): { value: number; source: FieldSource } | undefined {
    const found = this.use(name);
    if (!found) return undefined;
    const { assignment, source } = found;
    // Python literals keep their types: '32' is a string, which the model refuses.
    const value = asTypedIntAtLeast(literalValue(assignment.value), 1);
    if (value !== undefined && !allowFloat && evaluatesToPythonFloat(assignment.raw)) {
      this.invalid(source, 'a positive integer (a Python int, not a float)');
      return undefined;
    }
    if (value !== undefined) return { value, source };
    if (assignment.value.kind === 'expression') {
      this.diagnostics.push({
        severity: 'warning',
        code: 'unsupported-expression',
        message: notLiteralMessage(name, assignment),
        range: source.valueRange,
      });
    } else {
      this.invalid(source, EXPECTED.positiveInt);
    }
    return undefined;
  }

  /** A non-negative integer (max_iters may be 0). */
  nonNegativeInt(name: string): { value: number; source: FieldSource } | undefined {
    const assignment = this.latest.get(name);
    if (assignment?.value.kind === 'number' && assignment.value.value === 0) {
      const source = this.source(assignment);
      this.usedKeys.push(source);
      return { value: 0, source };
    }
    return this.positiveInt(name, true);
  }

  bool(name: string): { value: boolean; source: FieldSource } | undefined {
    const found = this.use(name);
    if (!found) return undefined;
    const value = asTypedBool(literalValue(found.assignment.value));
    if (value !== undefined) return { value, source: found.source };
    if (found.assignment.value.kind === 'expression')
      this.diagnostics.push({
        severity: 'warning',
        code: 'unsupported-expression',
        message: notLiteralMessage(name, found.assignment),
        range: found.source.valueRange,
      });
    else this.invalid(found.source, 'True or False');
    return undefined;
  }

  string(name: string): { value: string; source: FieldSource } | undefined {
    const found = this.use(name);
    if (!found) return undefined;
    if (found.assignment.value.kind === 'string')
      return { value: found.assignment.value.value, source: found.source };
    if (found.assignment.value.kind !== 'expression') this.invalid(found.source, 'a string');
    else {
      this.diagnostics.push({
        severity: 'warning',
        code: 'unsupported-expression',
        message: notLiteralMessage(name, found.assignment),
        range: found.source.valueRange,
      });
    }
    return undefined;
  }
}

/** Read a nanoGPT config file into a run spec. */
function read(text: string, context: ReadContext): ReadResult {
  const scan = scanPythonConfig(text);
  const view = new PyConfigView(text, scan);
  const assumptions: string[] = [];
  const archSources: RunSpec['archSources'] = {};
  const trainingSources: RunSpec['trainingSources'] = {};
  // The train.py / model.py this config runs with, when they can be read (fork.ts).
  const fork = readForkScripts(context);
  const { defaults, defaultFrom, opaqueDefaults } = effectiveDefaults(fork.train?.text);
  if (fork.runnerNotFound) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'runner-not-found',
      message: `No nanoGPT train.py (one that execs configurator.py) in the folder above ${fork.runnerNotFound}/: this repository runs the config with another script, whose defaults, accumulation and model may differ from karpathy/nanoGPT's, which N and D assume.`,
    });
    assumptions.push("train.py and model.py: karpathy/nanoGPT's (this repository's runner was not found)");
  }

  // Names assigned in the file whose value cannot be used (diagnosed by the view): the part of the
  // result they feed becomes unknown, since train.py's default would give a wrong number — the
  // shared rule (readerPolicy.ts UnusableValues).
  const unusable = new UnusableValues();
  const reject = (name: string, parts: readonly SpecPart[] = ['architecture']) =>
    unusable.note({ key: name, range: view.source(view.latest.get(name)!).valueRange }, parts);
  /** An MoE layout or vocabulary that cannot be counted, diagnosed where it is found. */
  let architectureUnknown = false;
  const pick = <T>(
    found: { value: T; source: FieldSource } | undefined,
    fallback: T,
    what: string,
    feeds: 'architecture' | 'training' | 'both' = 'architecture',
  ): T => {
    if (found) return found.value;
    if (view.latest.has(what)) {
      reject(what, feeds === 'both' ? ['architecture', 'training'] : [feeds]);
      return fallback;
    }
    if (opaqueDefaults.has(what)) {
      defaultUnknown(what, feeds === 'both' ? ['architecture', 'training'] : [feeds]);
      return fallback;
    }
    assumptions.push(`${what} not set: ${defaultFrom(what)} ${String(fallback)}`);
    return fallback;
  };
  /** Parts whose default is bound by code in this repository's train.py (not a literal). */
  let trainingDefaultUnknown = false;
  const defaultUnknown = (what: string, parts: readonly SpecPart[]) => {
    if (view.diagnostics.some((d) => d.code === 'fork-default-unknown' && d.message.includes(`\`${what}\``)))
      return;
    view.diagnostics.push({
      severity: 'warning',
      code: 'fork-default-unknown',
      message: `unknown: \`${what}\` is not set here and this repository's train.py sets its default by code, not a literal; ${parts.includes('architecture') ? 'N' : 'D'}${parts.length > 1 ? ' and D are' : ' is'} not shown.`,
    });
    if (parts.includes('architecture')) architectureUnknown = true;
    if (parts.includes('training')) trainingDefaultUnknown = true;
  };
  const record = (field: ArchField, found: { source: FieldSource } | undefined) => {
    if (found) archSources[field] = found.source;
  };
  const recordTraining = (field: TrainingField, found: { source: FieldSource } | undefined) => {
    if (found) trainingSources[field] = found.source;
  };

  // --- Architecture -------------------------------------------------------------------------
  const initFromFound = view.string('init_from');
  const initFrom = initFromFound?.value ?? defaults.init_from;
  if (!initFromFound && view.latest.has('init_from')) reject('init_from');
  else if (!initFromFound && opaqueDefaults.has('init_from')) defaultUnknown('init_from', ['architecture']);
  const blockSizeFound = view.positiveInt('block_size');
  const blockSizeTokens = pick(blockSizeFound, defaults.block_size, 'block_size', 'both');
  recordTraining('seqLen', blockSizeFound);

  let architecture: ArchitectureSpec;
  let modelName: string;
  /** The file names a nanoMoE fork's MoE (whose model files differ from nanoGPT's by design). */
  let moeFork = false;
  const checkpoint = GPT2_CHECKPOINTS[initFrom];
  if (checkpoint) {
    // from_pretrained ignores n_layer/n_head/n_embd/bias/vocab in the file: the checkpoint decides.
    for (const ignored of ['n_layer', 'n_head', 'n_embd', 'bias', 'use_moe', 'num_experts', 'n_exp']) {
      const assignment = view.latest.get(ignored);
      if (assignment) {
        view.diagnostics.push({
          severity: 'info',
          code: 'ignored-by-init-from',
          message: `${ignored} is ignored: init_from='${initFrom}' loads the OpenAI checkpoint's architecture.`,
          range: view.source(assignment).keyRange,
        });
      }
    }
    // train.py crops the position table when block_size is below the checkpoint's 1024.
    const positions = Math.min(blockSizeTokens, GPT2_PRETRAINED_FORCED.blockSize);
    if (blockSizeTokens > GPT2_PRETRAINED_FORCED.blockSize && blockSizeFound) {
      view.diagnostics.push({
        severity: 'error',
        code: 'invalid-value',
        message: `block_size ${blockSizeTokens} exceeds the GPT-2 checkpoint's 1024 positions (train.py asserts).`,
        range: blockSizeFound.source.valueRange,
      });
    }
    architecture = gpt2Architecture({
      nLayers: checkpoint.nLayers,
      dModel: checkpoint.dModel,
      nHeads: checkpoint.nHeads,
      vocabSize: GPT2_PRETRAINED_FORCED.vocabSize,
      learnedPositions: positions,
    });
    assumptions.push(
      `init_from='${initFrom}': ${checkpoint.nLayers} layers, d=${checkpoint.dModel}, ${checkpoint.nHeads} heads, vocab 50257, bias=True (GPT.from_pretrained)`,
    );
    record('modelName', initFromFound);
    record('nLayers', initFromFound);
    record('dModel', initFromFound);
    record('nHeads', initFromFound);
    record('vocabSize', initFromFound);
    modelName = initFrom;
  } else {
    if (initFromFound && initFrom !== 'scratch' && initFrom !== 'resume') {
      view.diagnostics.push({
        severity: 'warning',
        code: 'unknown-init-from',
        message: `init_from \`${initFrom.slice(0, 60)}\` is not scratch, resume or a GPT-2 checkpoint (train.py would fail); no parameter count.`,
        range: initFromFound.source.valueRange,
      });
      // The checkpoint decides the architecture; the file's n_layer/n_embd would be a guess.
      reject('init_from');
    } else if (!initFromFound && initFrom !== 'scratch' && initFrom !== 'resume') {
      // This repository's train.py defaults init_from to something else (FengMingquan-sjtu/nanoGPT@ba1d14da
      // train.py: `init_from = ''`, a Hugging Face model path): nanoGPT's GPT is not what it builds.
      view.diagnostics.push({
        severity: 'warning',
        code: 'unknown-init-from',
        message: `unknown: init_from is not set here and this repository's train.py defaults it to \`${initFrom.slice(0, 60)}\`, not scratch, resume or a GPT-2 checkpoint; N is not shown.`,
      });
      architectureUnknown = true;
    }
    if (initFrom === 'resume') {
      assumptions.push(
        "init_from='resume': architecture assumed equal to this file's (the checkpoint stores it)",
      );
    }
    const nLayerFound = view.positiveInt('n_layer');
    const nHeadFound = view.positiveInt('n_head');
    const nEmbdFound = view.positiveInt('n_embd');
    const biasFound = view.bool('bias');
    const nLayers = pick(nLayerFound, defaults.n_layer, 'n_layer');
    const nHeads = pick(nHeadFound, defaults.n_head, 'n_head');
    const dModel = pick(nEmbdFound, defaults.n_embd, 'n_embd');
    const bias = pick(biasFound, defaults.bias, 'bias');
    record('nLayers', nLayerFound);
    record('nHeads', nHeadFound);
    record('dModel', nEmbdFound);
    record('maxPositions', blockSizeFound);
    const width = headWidth(dModel, nHeads, ['n_embd', 'n_head'], ' (model.py asserts)');
    if ('message' in width) {
      view.diagnostics.push({
        severity: 'error',
        code: 'invalid-value',
        message: width.message,
        range: (nEmbdFound ?? nHeadFound)?.source.valueRange,
      });
      // CausalSelfAttention asserts n_embd % n_head == 0 (model.py:33): the model is never built.
      architectureUnknown = true;
    }
    const datasetFound = view.string('dataset');
    const dataset = datasetFound?.value ?? defaults.dataset;
    if (!datasetFound && view.latest.has('dataset')) reject('dataset');
    else if (!datasetFound && opaqueDefaults.has('dataset')) defaultUnknown('dataset', ['architecture']);
    const datasetVocab = NANOGPT_DATASET_VOCAB[dataset];
    const vocabSize = datasetVocab ?? NANOGPT_DEFAULT_VOCAB;
    if (datasetVocab !== undefined) {
      assumptions.push(`vocab ${vocabSize} from data/${dataset}/meta.pkl`);
      record('vocabSize', datasetFound);
    } else if (datasetFound && !NANOGPT_BPE_DATASETS.has(dataset) && !NANOGPT_CHAR_DATASET.test(dataset)) {
      // A fork's own dataset: train.py takes the vocab from data/<dataset>/meta.pkl when that
      // dataset's prepare.py wrote one (karpathy/nanoGPT@3adf61e1 train.py:137-143), else 50304.
      // Copies of the shakespeare_char template with a character-level prepare.py are the common case
      // in the wild (e.g. 'ec', 'multi_digit', 'arithmetic/…'), so 50304 is only taken when the
      // dataset's prepare.py can be read and writes no meta.pkl.
      const prepare = datasetPrepareScript(context, dataset, fork.root);
      if (prepare === undefined || /meta\.pkl/.test(prepare.text)) {
        view.diagnostics.push({
          severity: 'warning',
          code: 'architecture-unknown',
          message:
            prepare === undefined
              ? `unknown: dataset '${dataset.slice(0, 60)}' is not one of nanoGPT's own (openwebtext, shakespeare, shakespeare_char); train.py takes its vocab from data/${dataset.slice(0, 60)}/meta.pkl when its prepare.py wrote one, else 50304, and Scaling Lens cannot read data/${dataset.slice(0, 60)}/prepare.py, so N is not shown.`
              : `unknown: data/${dataset.slice(0, 60)}/prepare.py writes meta.pkl with its own vocab, which train.py uses and Scaling Lens cannot read, so N is not shown.`,
          range: datasetFound.source.valueRange,
        });
        architectureUnknown = true;
      } else {
        assumptions.push(`vocab ${vocabSize}: ${prepare.path} writes no meta.pkl (GPT-2 BPE padded to 64)`);
      }
    } else if (NANOGPT_CHAR_DATASET.test(dataset) && datasetFound) {
      // Character-level prepare.py scripts write meta.pkl with their own vocab: 50304 would be wrong.
      view.diagnostics.push({
        severity: 'warning',
        code: 'architecture-unknown',
        message: `unknown: dataset '${dataset.slice(0, 60)}' looks character-level; train.py takes its vocab from data/${dataset.slice(0, 60)}/meta.pkl, which Scaling Lens cannot read, so N is not shown.`,
        range: datasetFound.source.valueRange,
      });
      architectureUnknown = true;
    } else {
      assumptions.push(`vocab ${vocabSize}: no meta.pkl for dataset '${dataset}' (GPT-2 BPE padded to 64)`);
    }
    if (datasetVocab === undefined && fork.train && !/\b50304\b/.test(fork.train.text)) {
      // nanoGPT's train.py falls back to 50304 (`... else 50304`, train.py:153); this one does not say so.
      view.diagnostics.push({
        severity: 'warning',
        code: 'architecture-unknown',
        message:
          "unknown: this repository's train.py has no vocab_size fallback of 50304 (nanoGPT's `meta_vocab_size if meta_vocab_size is not None else 50304`); its vocabulary is not known, so N is not shown.",
        range: datasetFound?.source.valueRange,
      });
      architectureUnknown = true;
    }
    architecture = gpt2Architecture({
      nLayers,
      dModel,
      nHeads,
      vocabSize,
      learnedPositions: blockSizeTokens,
      // bias=False removes every Linear bias and the LayerNorm biases (model.py LayerNorm(ndim, bias)).
      qkvBias: bias,
      attnOutBias: bias,
      mlpBias: bias,
      normBias: bias,
    });
    const moe = readMoe(view, nLayers, dModel, assumptions);
    moeFork = moe !== undefined;
    if (moe === 'unknown') architectureUnknown = true;
    else if (moe) {
      architecture.moe = moe;
      record(
        'nExperts',
        view.latest.has('num_experts')
          ? { source: view.source(view.latest.get('num_experts')!) }
          : view.latest.has('n_exp')
            ? { source: view.source(view.latest.get('n_exp')!) }
            : undefined,
      );
      const topK = view.latest.get('top_k');
      if (topK) record('expertsPerToken', { source: view.source(topK) });
    }
    const runName = view.string('wandb_run_name');
    modelName = runName?.value ?? `nanoGPT ${nLayers}L d${dModel}`;
  }

  // The GPT this config builds is the one of its repository's model module: a fork that adds,
  // drops or reshapes a module (GQA, RMSNorm, SwiGLU, RoPE instead of wpe, an untied head) counts
  // differently under the same names (e.g. KyroChi/nanoGPT-maximal-paramaterizations@45d87a62 model.py:
  // n_kv_head 4 and an untied lm_head for config/train_gpt2.py as written upstream).
  const modelDiff = fork.model && !moeFork ? modelDifference(fork.model.text) : undefined;
  if (fork.model && modelDiff) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'architecture-unknown',
      message: `unknown: this repository's ${fork.model.path} is not nanoGPT's GPT (${modelDiff}); Scaling Lens counts nanoGPT's model, so N is not shown.`,
      range: view.latest.size ? view.source(scan.assignments[0]).keyRange : undefined,
    });
    architectureUnknown = true;
  }

  // --- Training length ------------------------------------------------------------------------
  const evalOnly = view.bool('eval_only');
  if (!evalOnly && view.latest.has('eval_only')) reject('eval_only', ['training']);
  const batchFound = view.positiveInt('batch_size');
  const accumFound = view.positiveInt('gradient_accumulation_steps');
  const itersFound = view.nonNegativeInt('max_iters');
  recordTraining('microBatch', batchFound);
  recordTraining('gradAccum', accumFound);
  recordTraining('steps', itersFound);
  recordTraining('duration', itersFound);

  const training: TrainingSpec = { seqLen: blockSizeTokens };
  if (evalOnly?.value) {
    training.tokens = 0;
    training.steps = 0;
    training.formula = 'eval_only=True: no training';
    trainingSources.duration = evalOnly.source;
  } else {
    const batchSeqs = pick(batchFound, defaults.batch_size, 'batch_size', 'training');
    const accumSteps = pick(
      accumFound,
      defaults.gradient_accumulation_steps,
      'gradient_accumulation_steps',
      'training',
    );
    // train.py (karpathy/nanoGPT@3adf61e1 l. 258–333) updates at iter_num 0, 1, … and stops once
    // `iter_num > max_iters`; the checkpoint written at the eval of iter_num = k holds k updates, so the
    // run's model counts max_iters iterations (the one update after the last save is never written).
    const iters = pick(itersFound, defaults.max_iters, 'max_iters', 'training');
    // gradient_accumulation_steps is global (train.py divides it by the DDP world size), so this
    // product is already the global batch in tokens.
    // Before karpathy/nanoGPT@978d4fe5 (and in forks of that train.py) every DDP process runs the
    // whole accumulation, and one GPU runs 8× it: the tokens per iteration take the GPU count (fork.ts).
    const perProcess = fork.train && accumulationSemantics(fork.train.text) === 'per-process';
    const gpus = context.options?.gpus;
    const processes = !perProcess
      ? 1
      : gpus === undefined
        ? undefined
        : gpus === 1
          ? simulatesEightGpus(fork.train!.text)
            ? 8
            : 1
          : gpus;
    training.steps = iters;
    if (checkpoint) training.finetune = true;
    if (processes === undefined) {
      view.diagnostics.push({
        severity: 'warning',
        code: 'missing-gpus',
        message: `unknown: this repository's train.py runs gradient_accumulation_steps on every GPU (it does not divide it by the DDP world size, as nanoGPT's train.py does since 978d4fe5; one GPU runs it ${simulatesEightGpus(fork.train!.text) ? '8×' : 'once'}), so the tokens per iteration are batch_size × block_size × gradient_accumulation_steps × the GPU count; D is not shown.`,
        range: (accumFound ?? batchFound)?.source.keyRange,
      });
      training.missing = [...(training.missing ?? []), 'the GPU count (train.py accumulates per GPU)'];
    } else {
      const tokensPerIter = batchSeqs * blockSizeTokens * accumSteps * processes;
      const worldText = perProcess
        ? ` × ${processes === 8 && gpus === 1 ? '8 (one GPU: train.py simulates 8)' : `${processes} GPUs`}`
        : '';
      training.tokensPerStep = tokensPerIter;
      training.globalBatchSeqs = batchSeqs * accumSteps * processes;
      training.tokens = tokensPerIter * iters;
      training.formula =
        `batch_size(${batchSeqs}) × block_size(${blockSizeTokens}) × gradient_accumulation_steps(${accumSteps})${worldText} ` +
        `× max_iters(${iters}) = ${training.tokens.toLocaleString('en-US')} tokens`;
      training.durationUnit = { kind: 'steps', tokensPerUnit: tokensPerIter, suffix: '' };
      if (perProcess) {
        assumptions.push(
          `train.py accumulates per GPU: ${processes} × gradient_accumulation_steps per iteration`,
        );
        training.gpus = gpus;
      }
    }
    if (trainingDefaultUnknown) {
      delete training.tokens;
      delete training.formula;
    }
  }

  // Names no known fork reads but that look architectural: a fork we do not know builds another model.
  const foreign = checkpoint ? [] : unknownNames(view, NANOGPT_ARCHITECTURAL_NAME);
  // Names no known fork reads but that look like a run length: another fork's training loop.
  const foreignTraining = unknownNames(view, NANOGPT_TRAINING_NAME);
  for (const assignment of foreignTraining) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: ${assignment.name} = ${assignment.raw.slice(0, 40)} — neither nanoGPT nor the nanoMoE forks Scaling Lens knows read \`${assignment.name}\`; a fork that does trains for another length, so D is not shown.`,
      range: view.source(assignment).keyRange,
    });
  }
  if (foreignTraining.length && training.tokens !== undefined) {
    delete training.tokens;
    delete training.formula;
    training.missing = foreignTraining.map((a) => `a model of \`${a.name}\``);
  }
  // Names no known fork reads that load the model from a checkpoint or another tokenizer.
  const loaded = checkpoint ? [] : unknownNames(view, NANOGPT_LOADED_MODEL_NAME);
  for (const assignment of loaded) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: ${assignment.name} = ${assignment.raw.slice(0, 40)} — nanoGPT's train.py does not read \`${assignment.name}\`; a fork that does takes its model (or its vocabulary) from elsewhere, so N is not the GPT-2 defaults and is not shown.`,
      range: view.source(assignment).keyRange,
    });
  }
  foreign.push(...loaded.filter((a) => !foreign.includes(a)));
  for (const assignment of foreign) {
    if (loaded.includes(assignment)) continue;
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: ${assignment.name} = ${assignment.raw.slice(0, 40)} — neither nanoGPT nor the nanoMoE forks Scaling Lens knows read \`${assignment.name}\`; a fork that does builds a different model, so N is not shown.`,
      range: view.source(assignment).keyRange,
    });
  }
  // `exec(open('config/base.py').read())` or `from config.base import *`: every name the file
  // leaves unset may come from the other file (configurator.py execs into train.py's globals,
  // karpathy/nanoGPT@3adf61e1 configurator.py), so train.py's defaults would be a guess.
  const [include] = scan.includes;
  if (include) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: \`${include.raw.slice(0, 60)}\` brings in names from another file, which Scaling Lens does not read; N and D are not shown.`,
      range: view.lines.range(include.start, include.end),
    });
    if (training.tokens !== undefined) {
      delete training.tokens;
      delete training.formula;
      training.missing = [...(training.missing ?? []), `the names \`${include.raw.slice(0, 60)}\` brings in`];
    }
  }
  const modelKey =
    ['n_layer', 'n_head', 'n_embd', 'init_from', 'block_size', 'bias']
      .map((k) => view.latest.get(k))
      .find(Boolean) ?? scan.assignments[0];
  const spec: RunSpec = {
    framework: 'nanogpt',
    modelName,
    ...(architectureUnknown ? {} : { architecture }),
    ...(foreign.length ? { paramsMissing: foreign.map((a) => `a model of \`${a.name}\``) } : {}),
    training,
    archSources,
    trainingSources,
    usedKeys: view.usedKeys,
    assumptions,
    diagnostics: view.diagnostics,
    modelSectionRange: modelKey ? view.source(modelKey).keyRange : undefined,
  };
  // A rejected value makes its part unknown, worded as in every reader; a foreign fork's names
  // (diagnosed above) do too.
  unusable.finish(spec, (diagnostic) => view.diagnostics.push(diagnostic));
  if (foreign.length) delete spec.architecture;
  if (include) {
    delete spec.architecture;
    spec.paramsMissing = [
      ...(spec.paramsMissing ?? []),
      `the names \`${include.raw.slice(0, 60)}\` brings in`,
    ];
  }
  return { kind: 'run-config', spec, written: writtenKeys(view) };
}

/**
 * The MoE layout of the two nanoMoE forks, from the file's names:
 * - sijunhe/nanoMoE (`use_moe = True`): every block is an MoE block (moe_model.py `MoELayer`) with
 *   `num_experts` (default 4) copies of the dense `MLP(config)` (biases when `bias`), router
 *   `nn.Linear(n_embd, num_experts, bias=False)`, `top_k` (default 1) experts per token.
 * - wolfecameron/nanoMoE (`n_exp > 1`): block i is MoE when `i % stride == 0` (stride default 2),
 *   i.e. ceil(n_layer / stride) MoE blocks; `MLPExperts` holds n_exp 4d-wide experts with biases
 *   when `bias`; router `w_g` d×n_exp without bias; `top_k` default 2 (`assert top_k <= n_exp`).
 * Returns undefined for a dense model, 'unknown' (with a diagnostic) when the layout is ambiguous.
 */
function readMoe(
  view: PyConfigView,
  nLayers: number,
  dModel: number,
  assumptions: string[],
): ArchitectureSpec['moe'] | 'unknown' | undefined {
  const has = (name: string) => view.latest.has(name);
  const unknown = (name: string, message: string): 'unknown' => {
    const assignment = view.latest.get(name)!;
    view.diagnostics.push({
      severity: 'warning',
      code: 'architecture-unknown',
      message: `unknown: ${message}; N is not shown.`,
      range: view.source(assignment).keyRange,
    });
    return 'unknown';
  };
  if (has('use_moe') && has('n_exp')) {
    return unknown(
      'n_exp',
      '`use_moe` (sijunhe/nanoMoE) and `n_exp` (wolfecameron/nanoMoE) belong to different forks',
    );
  }
  const d = dModel;
  if (has('use_moe')) {
    const useMoe = view.bool('use_moe');
    if (!useMoe) return 'unknown';
    if (!useMoe.value) return undefined;
    if (has('stride'))
      return unknown(
        'stride',
        '`stride` is a wolfecameron/nanoMoE name, but `use_moe` is sijunhe/nanoMoE, whose MoE covers every layer',
      );
    const experts = has('num_experts') ? view.positiveInt('num_experts') : { value: 4 };
    const topK = has('top_k') ? view.positiveInt('top_k') : { value: 1 };
    if (!experts || !topK) return 'unknown';
    if (!has('num_experts')) assumptions.push('num_experts not set: sijunhe/nanoMoE default 4');
    if (!has('top_k')) assumptions.push('top_k not set: sijunhe/nanoMoE default 1');
    if (topK.value > experts.value)
      return unknown('top_k', `top_k ${topK.value} exceeds num_experts ${experts.value}`);
    assumptions.push(
      `use_moe: every layer MoE, ${experts.value} experts of width ${4 * d}, top-${topK.value} (sijunhe/nanoMoE moe_model.py)`,
    );
    return { nExperts: experts.value, expertsPerToken: topK.value, expertFfnSize: 4 * d, moeLayers: nLayers };
  }
  if (has('n_exp')) {
    const experts = view.positiveInt('n_exp');
    if (!experts) return 'unknown';
    if (experts.value === 1) return undefined;
    const stride = has('stride') ? view.positiveInt('stride') : { value: 2 };
    const topK = has('top_k') ? view.positiveInt('top_k') : { value: 2 };
    if (!stride || !topK) return 'unknown';
    if (!has('stride')) assumptions.push('stride not set: wolfecameron/nanoMoE default 2');
    if (!has('top_k')) assumptions.push('top_k not set: wolfecameron/nanoMoE default 2');
    if (topK.value > experts.value)
      return unknown('top_k', `top_k ${topK.value} exceeds n_exp ${experts.value} (model.py asserts)`);
    const moeLayers = Math.ceil(nLayers / stride.value);
    assumptions.push(
      `n_exp: ${moeLayers} of ${nLayers} layers MoE (every ${stride.value}th from layer 0), ${experts.value} experts of width ${4 * d}, top-${topK.value} (wolfecameron/nanoMoE model.py)`,
    );
    return { nExperts: experts.value, expertsPerToken: topK.value, expertFfnSize: 4 * d, moeLayers };
  }
  if (has('num_experts')) {
    const experts = view.latest.get('num_experts')!;
    if (!(experts.value.kind === 'number' && experts.value.value <= 1)) {
      return unknown(
        'num_experts',
        '`num_experts` is set without `use_moe`: sijunhe/nanoMoE would train a dense model, but other forks read it as an MoE',
      );
    }
  }
  if (has('stride') && !has('n_exp')) {
    // stride alone is harmless in wolfecameron/nanoMoE (n_exp defaults to 1).
    return undefined;
  }
  return undefined;
}

/**
 * train.py's defaults for the names this reader falls back on: nanoGPT's (NANOGPT_TRAIN_DEFAULTS), or
 * the literal this repository's train.py writes (a fork may change them: pre-978d4fe5 nanoGPT had
 * gradient_accumulation_steps = 5). A default bound by code there is unknown (`opaqueDefaults`).
 */
function effectiveDefaults(trainText: string | undefined): {
  defaults: {
    -readonly [K in keyof typeof NANOGPT_TRAIN_DEFAULTS]: (typeof NANOGPT_TRAIN_DEFAULTS)[K] extends string
      ? string
      : (typeof NANOGPT_TRAIN_DEFAULTS)[K] extends boolean
        ? boolean
        : number;
  };
  defaultFrom: (name: string) => string;
  opaqueDefaults: Set<string>;
} {
  const defaults = { ...NANOGPT_TRAIN_DEFAULTS } as Record<string, number | string | boolean>;
  const opaqueDefaults = new Set<string>();
  const own = new Set<string>();
  if (trainText !== undefined) {
    const written = runnerDefaults(trainText);
    for (const name of Object.keys(NANOGPT_TRAIN_DEFAULTS)) {
      const value = written.get(name);
      if (!value) continue;
      const upstream = defaults[name];
      const literal =
        value.kind === 'number' || value.kind === 'string' || value.kind === 'bool' ? value.value : undefined;
      if (literal === undefined || typeof literal !== typeof upstream) opaqueDefaults.add(name);
      else if (literal !== upstream) {
        defaults[name] = literal;
        own.add(name);
      }
    }
  }
  return {
    defaults: defaults as never,
    defaultFrom: (name) => (own.has(name) ? "this repository's train.py default" : 'train.py default'),
    opaqueDefaults,
  };
}

/**
 * data/<dataset>/prepare.py next to the config's repository (train.py reads `os.path.join('data',
 * dataset)` from the repository root; configs live in config/), or undefined when it cannot be read.
 */
function datasetPrepareScript(
  context: ReadContext,
  dataset: string,
  runnerRoot: string | undefined,
): { path: string; text: string } | undefined {
  if (!context.path || !context.readFile || /(^|\/)\.\.(\/|$)/.test(dataset)) return undefined;
  // The runner's folder first: its train.py opens data/<dataset> from there.
  for (const root of runnerRoot !== undefined ? [runnerRoot] : repositoryRoots(context.path)) {
    const path = `${root}/data/${dataset}/prepare.py`;
    const text = context.readFile(path);
    if (text !== undefined) return { path: `data/${dataset}/prepare.py`, text };
  }
  return undefined;
}

/** Assignments whose names no known fork reads but match `pattern`. */
function unknownNames(view: PyConfigView, pattern: RegExp): PyAssignment[] {
  const out: PyAssignment[] = [];
  for (const [name, assignment] of view.latest) {
    if (inventoryEntry(NANOGPT_INVENTORY, name)) continue;
    if (pattern.test(name)) out.push(assignment);
  }
  return out;
}

/** Every top-level name the file assigns (its final value), for the inventory. */
function writtenKeys(view: PyConfigView): WrittenKey[] {
  const out: WrittenKey[] = [];
  for (const [name, assignment] of view.latest) {
    const value = assignment.value;
    out.push({
      key: name,
      value:
        value.kind === 'number' || value.kind === 'string' || value.kind === 'bool'
          ? value.value
          : value.kind === 'none'
            ? null
            : assignment.raw,
      source: view.source(assignment),
    });
  }
  return out;
}

/** The nanoGPT `config/*.py` reader. */
export const nanogptReader: FrameworkReader<'nanogpt'> = neverThrowing({
  id: 'nanogpt',
  label: 'nanoGPT',
  detect,
  read,
  inventory: NANOGPT_INVENTORY,
  schedule: nanogptSchedule,
  layout: nanogptLayout,
});
