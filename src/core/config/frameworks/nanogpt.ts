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
} from '../../types';
import { gpt2Architecture } from '../../model/params';
import type { FrameworkReader } from '../reader';
import { LineIndex } from '../text';
import { evaluateArithmetic } from '../values';
import {
  GPT2_CHECKPOINTS,
  GPT2_PRETRAINED_FORCED,
  NANOGPT_DATASET_VOCAB,
  NANOGPT_DEFAULT_VOCAB,
  NANOGPT_TRAIN_DEFAULTS,
} from './nanogpt.models';

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

/** One `name = value` line with offsets into the file. */
export interface PyAssignment {
  name: string;
  nameStart: number;
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
  raw: string;
  value: PyValue;
}

/** The file split into top-level assignments, comments and anything else. */
export interface PyConfigScan {
  assignments: PyAssignment[];
  /** Non-blank lines that are neither assignments, imports nor comments (code, indented blocks). */
  otherLines: number;
  importLines: number;
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

/** Split Python source into top-level assignments; never throws. */
export function scanPythonConfig(text: string): PyConfigScan {
  const assignments: PyAssignment[] = [];
  let otherLines = 0;
  let importLines = 0;
  const linePattern = /[^\r\n]*(\r\n|\r|\n|$)/g;
  let match: RegExpExecArray | null;
  while ((match = linePattern.exec(text)) !== null) {
    const lineStart = match.index;
    const line = match[0].replace(/[\r\n]+$/, '');
    if (match[0].length === 0) break;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (/^(import|from)\s/.test(line)) {
      importLines++;
      continue;
    }
    const head = ASSIGNMENT.exec(line);
    if (!head) {
      otherLines++;
      continue;
    }
    const valueOffset = head[0].length;
    const valueText = stripComment(line.slice(valueOffset));
    const raw = valueText.trimEnd();
    assignments.push({
      name: head[1],
      nameStart: lineStart,
      nameEnd: lineStart + head[1].length,
      valueStart: lineStart + valueOffset,
      valueEnd: lineStart + valueOffset + raw.length,
      raw,
      value: parsePyLiteral(raw),
    });
  }
  return { assignments, otherLines, importLines };
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

  private invalid(source: FieldSource, expected: string): void {
    this.diagnostics.push({
      severity: 'error',
      code: 'invalid-value',
      message: `${source.key} must be ${expected}; got \`${source.raw}\`.`,
      range: source.valueRange,
    });
  }

  /** A positive integer value, or undefined (absent or invalid, the latter with a diagnostic). */
  positiveInt(name: string): { value: number; source: FieldSource } | undefined {
    const found = this.use(name);
    if (!found) return undefined;
    const { assignment, source } = found;
    if (
      assignment.value.kind === 'number' &&
      Number.isInteger(assignment.value.value) &&
      assignment.value.value > 0
    ) {
      return { value: assignment.value.value, source };
    }
    if (assignment.value.kind === 'expression') {
      this.diagnostics.push({
        severity: 'warning',
        code: 'unsupported-expression',
        message: `\`${name} = ${source.raw.slice(0, 60)}\` is not a literal; Scaling Lens does not execute config files.`,
        range: source.valueRange,
      });
    } else {
      this.invalid(source, 'a positive integer');
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
    return this.positiveInt(name);
  }

  bool(name: string): { value: boolean; source: FieldSource } | undefined {
    const found = this.use(name);
    if (!found) return undefined;
    if (found.assignment.value.kind === 'bool')
      return { value: found.assignment.value.value, source: found.source };
    this.invalid(found.source, 'True or False');
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
        message: `\`${name} = ${found.source.raw.slice(0, 60)}\` is not a literal; Scaling Lens does not execute config files.`,
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
  const defaults = NANOGPT_TRAIN_DEFAULTS;

  // Names assigned in the file whose value cannot be used (diagnosed by the view): the part of the
  // result they feed becomes unknown, since train.py's default would give a wrong number.
  const unusable = { architecture: [] as string[], training: [] as string[] };
  const pick = <T>(
    found: { value: T; source: FieldSource } | undefined,
    fallback: T,
    what: string,
    feeds: 'architecture' | 'training' | 'both' = 'architecture',
  ): T => {
    if (found) return found.value;
    if (view.latest.has(what)) {
      if (feeds !== 'training') unusable.architecture.push(what);
      if (feeds !== 'architecture') unusable.training.push(what);
      return fallback;
    }
    assumptions.push(`${what} not set: train.py default ${String(fallback)}`);
    return fallback;
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
  if (!initFromFound && view.latest.has('init_from')) unusable.architecture.push('init_from');
  const blockSizeFound = view.positiveInt('block_size');
  const blockSizeTokens = pick(blockSizeFound, defaults.block_size, 'block_size', 'both');
  recordTraining('seqLen', blockSizeFound);

  let architecture: ArchitectureSpec;
  let modelName: string;
  const checkpoint = GPT2_CHECKPOINTS[initFrom];
  if (checkpoint) {
    // from_pretrained ignores n_layer/n_head/n_embd/bias/vocab in the file: the checkpoint decides.
    for (const ignored of ['n_layer', 'n_head', 'n_embd', 'bias']) {
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
      unusable.architecture.push('init_from');
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
    if (dModel % nHeads !== 0 && nEmbdFound) {
      view.diagnostics.push({
        severity: 'error',
        code: 'invalid-value',
        message: `n_embd ${dModel} is not divisible by n_head ${nHeads} (model.py asserts).`,
        range: nEmbdFound.source.valueRange,
      });
    }
    const datasetFound = view.string('dataset');
    const dataset = datasetFound?.value ?? defaults.dataset;
    if (!datasetFound && view.latest.has('dataset')) unusable.architecture.push('dataset');
    const datasetVocab = NANOGPT_DATASET_VOCAB[dataset];
    const vocabSize = datasetVocab ?? NANOGPT_DEFAULT_VOCAB;
    if (datasetVocab !== undefined) {
      assumptions.push(`vocab ${vocabSize} from data/${dataset}/meta.pkl`);
      record('vocabSize', datasetFound);
    } else {
      assumptions.push(`vocab ${vocabSize}: no meta.pkl for dataset '${dataset}' (GPT-2 BPE padded to 64)`);
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
    const runName = view.string('wandb_run_name');
    modelName = runName?.value ?? `nanoGPT ${nLayers}L d${dModel}`;
  }

  // --- Training length ------------------------------------------------------------------------
  const evalOnly = view.bool('eval_only');
  if (!evalOnly && view.latest.has('eval_only')) unusable.training.push('eval_only');
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
    const iters = pick(itersFound, defaults.max_iters, 'max_iters', 'training');
    // gradient_accumulation_steps is global (train.py divides it by the DDP world size), so this
    // product is already the global batch in tokens.
    const tokensPerIter = batchSeqs * blockSizeTokens * accumSteps;
    training.tokensPerStep = tokensPerIter;
    training.globalBatchSeqs = batchSeqs * accumSteps;
    training.steps = iters;
    training.tokens = tokensPerIter * iters;
    training.formula =
      `batch_size(${batchSeqs}) × block_size(${blockSizeTokens}) × gradient_accumulation_steps(${accumSteps}) ` +
      `× max_iters(${iters}) = ${training.tokens.toLocaleString('en-US')} tokens`;
    training.durationUnit = { kind: 'steps', tokensPerUnit: tokensPerIter, suffix: '' };
    if (checkpoint) training.finetune = true;
  }

  const [badArch] = unusable.architecture;
  const [badTraining] = unusable.training;
  if (badArch) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'architecture-unknown',
      message: `Parameters are not counted: \`${badArch}\` is assigned but cannot be read, and train.py's default would give a wrong count.`,
      range: view.source(view.latest.get(badArch)!).valueRange,
    });
  }
  if (badTraining && training.tokens !== undefined) {
    delete training.tokens;
    delete training.formula;
    training.missing = [`a usable \`${badTraining}\``];
    view.diagnostics.push({
      severity: 'warning',
      code: 'tokens-unknown',
      message: `Training tokens are not computed: \`${badTraining}\` is assigned but cannot be read.`,
      range: view.source(view.latest.get(badTraining)!).valueRange,
    });
  }
  const modelKey =
    ['n_layer', 'n_head', 'n_embd', 'init_from', 'block_size', 'bias']
      .map((k) => view.latest.get(k))
      .find(Boolean) ?? scan.assignments[0];
  const spec: RunSpec = {
    framework: 'nanogpt',
    modelName,
    ...(badArch ? {} : { architecture }),
    training,
    archSources,
    trainingSources,
    usedKeys: view.usedKeys,
    assumptions,
    diagnostics: view.diagnostics,
    modelSectionRange: modelKey ? view.source(modelKey).keyRange : undefined,
  };
  void context;
  return { kind: 'run-config', spec };
}

/** The nanoGPT `config/*.py` reader. */
export const nanogptReader: FrameworkReader = {
  id: 'nanogpt',
  detect,
  read,
};
