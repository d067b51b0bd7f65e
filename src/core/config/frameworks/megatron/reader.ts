import type {
  ArchField,
  ArchitectureSpec,
  CoreDiagnostic,
  FieldSource,
  HybridBlock,
  MlaSpec,
  MoeSpec,
  MtpSpec,
  ReadContext,
  ReadResult,
  RunSpec,
  TrainingField,
  TrainingSpec,
} from '../../../types';
import { megatronLayout, showsDeepSpeedFork } from './layout';
import type { FrameworkReader } from '../../reader';
import { megatronSchedule } from './schedule';
import { parseNumberLiteral } from '../../values';
import {
  neverThrowing,
  EXPECTED,
  UnusableValues,
  asPositiveInt,
  headWidth,
  padVocab,
  asDigitsInt,
  quoted,
} from '../../readerPolicy';
import type { WrittenKey } from '../../inventory';
import { findTokenizer } from '../../tables/tokenizers';
import { MEGATRON_INVENTORY } from './inventory';
import {
  HF_TOKENIZER_VOCAB,
  MEGATRON_DEFAULTS,
  MEGATRON_FLAGS,
  MEGATRON_PARALLEL_FLAGS,
  MEGATRON_SIGNATURE_FLAGS,
  MEGATRON_MODEL_FLAGS,
  GLU_ACTIVATIONS,
  MEGATRON_CORE_MOE_FLAGS,
  NORMALIZATIONS,
  POSITION_EMBEDDING_TYPES,
  TOKENIZER_TYPE_VOCAB,
  VOCAB_SIZE_TOKENIZERS,
} from './tables';
import {
  COUNTED_SYMBOLS,
  HYBRID_SYMBOLS,
  allocateLayers,
  parseHybridPattern,
  symbolCounts,
  type HybridSymbol,
} from './hybrid';
import { lastFlag, parseShell, type ShellFlag, type ShellFlagValue, type ShellScript } from '../../shell';

/**
 * Megatron-LM and Megatron-DeepSpeed launch scripts (`examples/**.sh`). The model is whatever
 * `--flag value` arguments reach pretrain_gpt.py; they sit in quoted strings, bash arrays and
 * command lines, often through `$VAR`s. The shell reader replays the script statically and this
 * module applies Megatron's argument defaults (GPT-2 style unless switched) to those flags.
 */

const PRETRAIN_SCRIPT = /\bpretrain_gpt\w*\.py\b/;
/** Megatron-core's hybrid entries (pretrain_mamba.py is a wrapper of pretrain_hybrid.py at d98e8a64). */
const HYBRID_SCRIPT = /\bpretrain_(?:mamba|hybrid)\.py\b/;
/** `--spec` values that name the default hybrid stack (mamba_layer_specs re-exports hybrid_layer_specs). */
const HYBRID_SPECS = [
  'megatron.core.models.hybrid.hybrid_layer_specs hybrid_stack_spec',
  'megatron.core.models.mamba.mamba_layer_specs mamba_stack_spec',
];
/** The --mamba-* flags of the inventory: the ones Megatron-LM defines. */
const MEGATRON_MAMBA_FLAGS: ReadonlySet<string> = new Set(
  MEGATRON_INVENTORY.entries.map((entry) => entry.key).filter((key) => key.startsWith('--mamba-')),
);
const HYBRID_PATTERN_FLAGS = ['--hybrid-layer-pattern', '--hybrid-override-pattern'];
const HYBRID_RATIO_FLAGS = ['--hybrid-attention-ratio', '--hybrid-mlp-ratio'];

/** Recognition: a pretrain_gpt launch with several of Megatron's model/batch flags. */
function detect(text: string, path: string | undefined): number {
  // Launch scripts are .sh/.slurm or extension-less; docs and configs that mention pretrain_gpt.py are not.
  if (path && /\.[A-Za-z0-9]+$/.test(path) && !/\.(sh|bash|zsh|slurm|sbatch)$/i.test(path)) return 0;
  const sample = text.length > 262144 ? text.slice(0, 262144) : text;
  // JSON/YAML documents are never launch scripts (a DeepSpeed config may name the same batch keys).
  if (/^\s*[{[]/.test(sample)) return 0;
  const written = (list: readonly string[]) =>
    list.filter((flag) => new RegExp(`(^|[\\s"'(])${flag}([\\s=]|$)`, 'm').test(sample)).length;
  const flags = written(MEGATRON_SIGNATURE_FLAGS);
  const launches = PRETRAIN_SCRIPT.test(sample) || HYBRID_SCRIPT.test(sample);
  if (launches && flags >= 3) return 0.95;
  if (launches) return 0.55;
  if (flags >= 6) return 0.6;
  // A launcher that sources its model arguments from a fragment next to it (`source
  // "${SCRIPT_DIR}/models/qwen3-4B.sh"`) and passes Megatron's parallelism and batch flags itself.
  if (flags + written(MEGATRON_PARALLEL_FLAGS) >= 3 && /^[ \t]*(source|\.)[ \t]+\S+\.sh\b/m.test(sample))
    return 0.55;
  // A model-arguments fragment (`MODEL_ARGS=( --swiglu --num-layers 36 ... )`, sourced by a launcher):
  // the model flags together are Megatron's alone.
  // A hybrid fragment sets its layers with the pattern, not --num-layers.
  if (
    written(MEGATRON_MODEL_FLAGS) >= 6 &&
    /(^|[\s"'(])--(num-layers|hybrid-layer-pattern|hybrid-override-pattern)([\s=]|$)/m.test(sample)
  )
    return 0.6;
  return 0;
}

/** Which part of the spec a flag feeds: an unusable value there makes that part unknown. */
type Phase = 'architecture' | 'training' | 'none';

/**
 * Reads flags with their sources and reports values that cannot be used. A flag that is written
 * but unusable (a word, an unresolved `$VAR`, a missing value) is noted against the part of the
 * spec being read ({@link FlagView.phase}); {@link FlagView.finish} then makes that part unknown
 * instead of letting Megatron's default stand in for it: Megatron itself would refuse the value.
 */
class FlagView {
  readonly diagnostics: CoreDiagnostic[] = [];
  readonly usedKeys: FieldSource[] = [];
  phase: Phase = 'none';
  /** Rejected flags per part of the spec: the one policy of every reader (../../readerPolicy.ts). */
  private readonly unusable = new UnusableValues();
  /** Flag values already diagnosed, so a flag read twice reports its problem once. */
  private readonly diagnosed = new Set<string>();

  constructor(readonly script: ShellScript) {
    this.diagnostics.push(...script.diagnostics);
  }

  flag(names: readonly string[]): ShellFlag | undefined {
    const flag = lastFlag(this.script, names);
    if (flag) this.usedKeys.push(this.source(flag));
    // Written in an `if`/`case` branch that may or may not run (shell.ts endFrame): whether Megatron
    // gets it, or which value, is not known, so the part of the spec it feeds is unknown.
    if (flag?.conditional && this.phase !== 'none')
      this.problem(flag, 0, this.phase, {
        severity: 'warning',
        code: 'unresolved-value',
        message: `unknown: ${flag.name} — ${flag.conditional}.`,
        range: this.script.lines.range(flag.start, flag.end),
      });
    return flag;
  }

  has(names: readonly string[]): boolean {
    return this.flag(names) !== undefined;
  }

  /** Note a written but unusable flag against the part of the spec it feeds. */
  reject(flag: ShellFlag, phase: Phase = this.phase, index = 0): void {
    if (phase === 'none') return;
    const source = this.source(flag, index);
    this.unusable.note({ key: source.key, range: source.valueRange }, [phase]);
  }

  /** Push a diagnostic about one flag value once, and reject the flag. */
  private problem(flag: ShellFlag, index: number, phase: Phase, diagnostic: CoreDiagnostic): undefined {
    const key = `${flag.start}:${index}`;
    if (!this.diagnosed.has(key)) {
      this.diagnosed.add(key);
      this.diagnostics.push(diagnostic);
    }
    this.reject(flag, phase, index);
    return undefined;
  }

  /** The flag's (first) value text; an unknown or missing value is diagnosed and rejected. */
  text(names: readonly string[], phase: Phase = this.phase): { text: string; flag: ShellFlag } | undefined {
    const flag = this.flag(names);
    if (!flag) return undefined;
    const value = this.known(flag, 0, phase);
    return value === undefined ? undefined : { text: value, flag };
  }

  /**
   * A name that must be one of `known` (lower-cased): Megatron's argparse refuses anything else, so
   * an unknown name is rejected rather than counted like the default.
   */
  choice(
    names: readonly string[],
    known: readonly string[],
    phase: Phase = this.phase,
  ): { text: string; flag: ShellFlag } | undefined {
    const found = this.text(names, phase);
    if (!found || known.includes(found.text.toLowerCase())) return found;
    const value = found.flag.values[0];
    return this.problem(found.flag, 0, phase, {
      severity: 'warning',
      code: 'unknown-value',
      message: `${found.flag.name} is ${quoted(found.text, 40)}, which is not one of ${known.join(', ')}.`,
      range: this.script.lines.range(value.start, value.end),
    });
  }

  /** A positive integer flag value; diagnostics (and rejection) for unknown or invalid values. */
  int(names: readonly string[], phase: Phase = this.phase): { value: number; flag: ShellFlag } | undefined {
    const flag = this.flag(names);
    return flag ? this.intValue(flag, 0, phase) : undefined;
  }

  intValue(
    flag: ShellFlag,
    index: number,
    phase: Phase = this.phase,
  ): { value: number; flag: ShellFlag } | undefined {
    const text = this.known(flag, index, phase);
    if (text === undefined) return undefined;
    const value = flag.values[index];
    // Beyond 2^53 integers are not exact and products overflow to Infinity (asPositiveInt refuses).
    const number = asPositiveInt(text);
    if (number === undefined) {
      return this.problem(flag, index, phase, {
        severity: 'warning',
        code: 'invalid-value',
        message: `${flag.name} expects ${EXPECTED.positiveInt}, got ${quoted(text)}${describeOrigin(value)}.`,
        range: this.script.lines.range(value.start, value.end),
      });
    }
    return { value: number, flag };
  }

  /** The expanded text of a flag value; a missing or unknowable one is diagnosed and rejected. */
  private known(flag: ShellFlag, index: number, phase: Phase): string | undefined {
    const value = flag.values[index];
    const range = this.script.lines.range(value?.start ?? flag.start, value?.end ?? flag.end);
    if (!value) {
      return this.problem(flag, index, phase, {
        severity: 'warning',
        code: 'missing-value',
        message: `${flag.name} has no value.`,
        range,
      });
    }
    if (value.text === undefined) {
      return this.problem(flag, index, phase, {
        severity: 'warning',
        code: 'unresolved-value',
        message: value.why
          ? `unknown: ${quoted(`${flag.name} ${value.raw}`)} — ${value.why}.`
          : `${quoted(`${flag.name} ${value.raw}`)}: the value depends on something outside the script (an argument, the environment or a command).`,
        range,
      });
    }
    return value.text;
  }

  /** Field source of a flag: the flag token, and its value (or the variable that defines it). */
  source(flag: ShellFlag, index = 0): FieldSource {
    const lines = this.script.lines;
    const value = flag.values[index];
    const origin = value?.origin;
    const valueStart = origin?.start ?? value?.start ?? flag.start;
    const valueEnd = origin?.end ?? value?.end ?? flag.end;
    return {
      key: flag.name,
      keyRange: lines.range(flag.start, flag.end),
      valueRange: lines.range(valueStart, valueEnd),
      raw: origin?.raw ?? value?.raw ?? '',
      ...(flag.file ? { file: flag.file } : {}),
    };
  }

  /**
   * Finish the spec: when a flag the architecture or the training length depends on is written but
   * unusable, that result becomes unknown with a diagnostic on the value (or the variable behind it).
   */
  finish(spec: RunSpec): RunSpec {
    return this.unusable.finish(spec, (diagnostic) => this.diagnostics.push(diagnostic));
  }
}

/** " (from `$seq_len`)" when a flag value is a plain variable reference. */
function describeOrigin(value: ShellFlagValue): string {
  return value.origin ? ` (from \`${value.origin.name}\`)` : '';
}

/**
 * Samples consumed by `trainIters` iterations under `--rampup-batch-size start incr rampSamples`
 * (Megatron's RampupBatchsizeNumMicroBatches: the batch is start + incr × ⌊consumed / (rampSamples /
 * increments)⌋ until rampSamples were consumed, then the full batch). Undefined for inconsistent
 * settings or a ramp too long to simulate.
 */
export function rampupConsumedSamples(
  trainIters: number,
  globalBatch: number,
  start: number,
  increment: number,
  rampSamples: number,
): number | undefined {
  const perIncrement = rampupSamplesPerIncrement(globalBatch, start, increment, rampSamples);
  if (perIncrement === undefined) return undefined;
  let consumed = 0;
  let iteration = 0;
  for (; iteration < trainIters && consumed <= rampSamples; iteration++) {
    if (iteration > 50_000_000) return undefined;
    consumed += rampupBatch(consumed, globalBatch, start, increment, rampSamples, perIncrement);
  }
  return consumed + (trainIters - iteration) * globalBatch;
}

/**
 * Iterations Megatron derives from `--train-samples` with a batch ramp-up (update_train_iters:
 * simulate the ramp, then whole full batches; a last partial batch is dropped).
 */
export function rampupIterationsForSamples(
  trainSamples: number,
  globalBatch: number,
  start: number,
  increment: number,
  rampSamples: number,
): { iterations: number; samples: number } | undefined {
  const perIncrement = rampupSamplesPerIncrement(globalBatch, start, increment, rampSamples);
  if (perIncrement === undefined) return undefined;
  let consumed = 0;
  let iterations = 0;
  while (consumed <= rampSamples && consumed <= trainSamples) {
    if (iterations > 50_000_000) return undefined;
    consumed += rampupBatch(consumed, globalBatch, start, increment, rampSamples, perIncrement);
    iterations++;
  }
  const fullBatches = trainSamples > consumed ? Math.floor((trainSamples - consumed) / globalBatch) : 0;
  return { iterations: iterations + fullBatches, samples: consumed + fullBatches * globalBatch };
}

function rampupSamplesPerIncrement(
  globalBatch: number,
  start: number,
  increment: number,
  rampSamples: number,
): number | undefined {
  const difference = globalBatch - start;
  if (!(start > 0 && increment > 0 && rampSamples >= 0) || difference < 0 || difference % increment !== 0) {
    return undefined;
  }
  const increments = difference / increment;
  return increments === 0 ? Infinity : rampSamples / increments;
}

function rampupBatch(
  consumed: number,
  globalBatch: number,
  start: number,
  increment: number,
  rampSamples: number,
  perIncrement: number,
): number {
  if (consumed > rampSamples) return globalBatch;
  return Math.min(globalBatch, start + Math.trunc(consumed / perIncrement) * increment);
}

const format = (value: number) => value.toLocaleString('en-US');

function read(text: string, context: ReadContext): ReadResult {
  const script = parseShell(text, { path: context.path, readFile: context.readFile });
  const view = new FlagView(script);
  const F = MEGATRON_FLAGS;
  const assumptions: string[] = [];
  const archSources: Partial<Record<ArchField, FieldSource>> = {};
  const trainingSources: Partial<Record<TrainingField, FieldSource>> = {};
  const paramsMissing: string[] = [];

  // Architecture ------------------------------------------------------------------------------
  view.phase = 'architecture';
  // A Megatron-core hybrid run takes its layers from the pattern (arguments.py ignores --num-layers
  // then); the GPT shape flags size its attention and MLP blocks.
  const hybridRun = isHybridRun(text, script);
  const hybridLayers = hybridRun ? readHybridLayers(view, assumptions, paramsMissing) : undefined;
  const nLayers = hybridRun
    ? hybridLayers && { value: hybridLayers.layers.length, flag: hybridLayers.flag }
    : view.int(F.nLayers);
  const dModel = view.int(F.dModel);
  const nHeads = view.int(F.nHeads);
  let architecture: ArchitectureSpec | undefined;
  let modelSectionRange = nLayers ? script.lines.range(nLayers.flag.start, nLayers.flag.end) : undefined;
  for (const [field, found] of [
    ['nLayers', nLayers],
    ['dModel', dModel],
    ['nHeads', nHeads],
  ] as const) {
    if (found) archSources[field] = view.source(found.flag);
  }
  const missingArch = [
    [F.nLayers[0], hybridRun ? true : nLayers],
    [F.dModel[0], dModel],
    [F.nHeads[0], nHeads],
  ].filter(([, found]) => !found);
  if (missingArch.length) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'missing-architecture',
      message: `Cannot count parameters: ${missingArch.map(([name]) => name).join(', ')} not found (or not resolvable) in this script.`,
      range: modelSectionRange,
    });
  } else if (nLayers && dModel && nHeads) {
    const d = dModel.value;
    const kvChannels = view.int(F.kvChannels);
    const width = headWidth(
      d,
      nHeads.value,
      ['--hidden-size', '--num-attention-heads'],
      '; give --kv-channels',
    );
    let headDim = kvChannels?.value ?? d / nHeads.value;
    if (kvChannels) archSources.headDim = view.source(kvChannels.flag);
    if (!kvChannels && 'message' in width) {
      view.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: width.message,
        range: script.lines.range(nHeads.flag.start, nHeads.flag.end),
      });
      // Megatron asserts hidden % heads == 0 when --kv-channels is not given.
      view.reject(nHeads.flag);
      headDim = Math.floor(headDim);
    }

    let nKvHeads = nHeads.value;
    const dsKvHeads = view.int(F.numKeyValueHeads);
    const groups = view.flag(F.numQueryGroups);
    if (dsKvHeads) {
      nKvHeads = dsKvHeads.value;
      archSources.nKvHeads = view.source(dsKvHeads.flag);
    } else if (view.has(F.groupQueryAttention)) {
      const found = groups ? view.intValue(groups, 0) : undefined;
      nKvHeads = found?.value ?? MEGATRON_DEFAULTS.numQueryGroups;
      if (groups) archSources.nKvHeads = view.source(groups);
      else assumptions.push(`--group-query-attention without --num-query-groups: Megatron default 1 group`);
    } else if (groups) {
      assumptions.push(
        '--num-query-groups is ignored without --group-query-attention (multi-head attention)',
      );
    }

    // BigScience fork: any --glu-activation is gated, with the 4h default width (its arguments.py).
    const glu = view.choice(F.gluActivation, GLU_ACTIVATIONS);
    const swiglu = view.has(F.swiglu);
    const ffn = view.int(F.ffnSize);
    let ffnSize: number;
    if (ffn) {
      ffnSize = ffn.value;
      archSources.ffnSize = view.source(ffn.flag);
    } else if (swiglu && !glu) {
      // megatron/training/arguments.py: 2/3 of 4h, rounded down to a multiple of 64.
      ffnSize = Math.floor((4 * d * 2) / 3 / 64) * 64;
      assumptions.push(`--swiglu without --ffn-hidden-size: Megatron uses int(4h·2/3 / 64)·64 = ${ffnSize}`);
    } else {
      ffnSize = 4 * d;
      assumptions.push(`--ffn-hidden-size not set: Megatron default 4 × hidden = ${ffnSize}`);
    }
    if (!Number.isSafeInteger(ffnSize)) {
      // A hidden size near 2^53 gives an FFN width that is no longer an exact integer.
      view.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `--hidden-size ${d} is too large: the FFN width cannot be computed exactly.`,
        range: script.lines.range(dModel.flag.start, dModel.flag.end),
      });
      view.reject(dModel.flag);
    }

    // megatron/training/arguments.py: --normalization choices LayerNorm, RMSNorm.
    const normalization = view.choice(F.normalization, NORMALIZATIONS)?.text.toLowerCase() ?? 'layernorm';
    const rmsNorm = normalization === 'rmsnorm';
    const noBias = view.has(F.disableBiasLinear);
    const qkvBias = !noBias || view.has(F.addQkvBias);

    // --use-rotary-position-embeddings overrides --position-embedding-type (arguments.py "Legacy RoPE
    // arguments": position_embedding_type = 'rope'; Megatron-DeepSpeed drops the learned table too).
    const namedPosition = view.choice(F.positionType, POSITION_EMBEDDING_TYPES)?.text.toLowerCase();
    const positionType = view.has(F.rotary) ? 'rope' : (namedPosition ?? 'learned_absolute');
    let learnedPositions = 0;
    if (
      (positionType === 'learned_absolute' || positionType === 'absolute') &&
      !view.has(F.noPositionEmbedding)
    ) {
      // The table has --max-position-embeddings rows, falling back to --seq-length.
      const maxPositionsFlag = view.int(F.maxPositions);
      const seq = maxPositionsFlag || view.flag(F.maxPositions) ? undefined : view.int(F.seqLen);
      learnedPositions = maxPositionsFlag?.value ?? seq?.value ?? 0;
      if (maxPositionsFlag) archSources.maxPositions = view.source(maxPositionsFlag.flag);
      else if (seq)
        assumptions.push(`--max-position-embeddings not set: Megatron uses --seq-length ${seq.value}`);
      assumptions.push(`learned absolute position table (${learnedPositions} rows), Megatron's default`);
    }

    const untie = view.flag(F.untie);
    const tiedEmbeddings = !untie;
    if (untie) archSources.tiedEmbeddings = view.source(untie);
    else assumptions.push('input embedding and output layer tied (Megatron default)');

    // Vocabulary: the tokenizer's size padded to make-vocab-size-divisible-by × TP.
    const divisible = view.int(F.divisibleBy)?.value ?? MEGATRON_DEFAULTS.makeVocabSizeDivisibleBy;
    const tensorParallel = view.int(F.tensorParallel)?.value ?? MEGATRON_DEFAULTS.tensorParallel;
    let vocabBase: number | undefined;
    let vocabWhy = '';
    /** Rows used as given: `--padded-vocab-size` is never padded again (build_tokenizer.py). */
    let vocabExact: number | undefined;
    const paddedFlag = view.int(F.paddedVocabSize) ?? view.int(F.padVocabSizeTo);
    const namedType = paddedFlag ? undefined : view.text(F.tokenizerType);
    // build_tokenizer.py hands --vocab-size to NullTokenizer / TikTokenizer only; any other tokenizer
    // reports its own size and the flag is ignored (a fragment naming no tokenizer keeps it).
    const vocabSizeRead = !namedType || (VOCAB_SIZE_TOKENIZERS as readonly string[]).includes(namedType.text);
    const vocabFlag = paddedFlag ? undefined : view.int(F.vocabSize);
    const tokenizerType = paddedFlag || (vocabFlag && vocabSizeRead) ? undefined : namedType;
    if (paddedFlag) {
      vocabExact = paddedFlag.value;
      archSources.vocabSize = view.source(paddedFlag.flag);
    } else if (vocabFlag && vocabSizeRead) {
      vocabBase = vocabFlag.value;
      vocabWhy = '--vocab-size';
      archSources.vocabSize = view.source(vocabFlag.flag);
      // The NullTokenizer of Megatron-DeepSpeed (megatron/tokenizer/tokenizer.py @4efb479d) and of
      // Megatron-LM's --legacy-tokenizer (megatron/training/tokenizer/tokenizer.py, removed in
      // 3257093930) adds an end-of-document id after the given size: vocab_size + 1 before padding.
      // Megatron-core's NullTokenizer (@d98e8a64) reports the size as given.
      const legacyNull =
        namedType?.text === 'NullTokenizer' && (showsDeepSpeedFork(script) || view.has(F.legacyTokenizer));
      if (legacyNull) {
        vocabBase += 1;
        vocabWhy = '--vocab-size + 1 (the NullTokenizer end-of-document id)';
        assumptions.push(
          `NullTokenizer of ${view.has(F.legacyTokenizer) ? "Megatron-LM's --legacy-tokenizer" : 'Megatron-DeepSpeed'}: --vocab-size ${vocabFlag.value} + 1 end-of-document id = ${vocabBase} before padding`,
        );
      }
    } else if (tokenizerType) {
      const type = tokenizerType.text;
      archSources.vocabSize = view.source(tokenizerType.flag);
      const known = TOKENIZER_TYPE_VOCAB[type];
      let tokenizerName = `--tokenizer-type ${type}`;
      if (known) {
        vocabBase = known.vocab;
        vocabWhy = known.source;
        if (known.assumed) assumptions.push(`${type}: ${known.assumed}`);
      } else if (type === 'HuggingFaceTokenizer' || type === 'PretrainedFromHF') {
        const modelFlag = view.text(type === 'PretrainedFromHF' ? F.tokenizerNameOrPath : F.tokenizerModel);
        const model = modelFlag?.text ?? '';
        if (modelFlag) tokenizerName = `the tokenizer ${model}`;
        // Megatron-LM's HuggingFaceTokenizer and the BigScience fork's PretrainedFromHF report
        // len(tokenizer) (megatron/core/tokenizers/text/libraries/huggingface_tokenizer.py; the fork's
        // _AutoTokenizer), the size the shared table holds; the shared table first. (Megatron-DeepSpeed's
        // HFTokenizer reports tokenizer.vocab_size, without added tokens: not in the table, unknown.)
        const row = model ? findTokenizer(model) : undefined;
        const fallback = model ? HF_TOKENIZER_VOCAB.find((entry) => entry.pattern.test(model)) : undefined;
        if (row) {
          vocabBase = row.size;
          vocabWhy = `${row.name} (${row.source})`;
        } else if (fallback) {
          vocabBase = fallback.vocab;
          vocabWhy = fallback.source;
        }
      }
      if (vocabFlag && vocabBase !== undefined && vocabFlag.value !== vocabBase) {
        // The tokenizer's own size is what Megatron pads; the flag's number is not used.
        assumptions.push(
          `--vocab-size ${vocabFlag.value} is ignored with --tokenizer-type ${type} (Megatron passes it only to ${VOCAB_SIZE_TOKENIZERS.join(', ')}): ${tokenizerName} has ${vocabBase} tokens`,
        );
      } else if (vocabFlag && vocabBase === undefined) {
        // Megatron ignores the flag here, but a script that states it names the tokenizer's size;
        // counted with it, said as an assumption rather than as Megatron's number.
        vocabBase = vocabFlag.value;
        vocabWhy = '--vocab-size';
        archSources.vocabSize = view.source(vocabFlag.flag);
        assumptions.push(
          `--vocab-size ${vocabFlag.value} taken as the size of ${tokenizerName}: Megatron ignores the flag for this tokenizer (it passes it only to ${VOCAB_SIZE_TOKENIZERS.join(', ')}) and uses the tokenizer's own size`,
        );
      }
      if (vocabBase === undefined) {
        paramsMissing.push(`the vocabulary size of ${tokenizerName}`);
        view.diagnostics.push({
          severity: 'warning',
          code: 'unknown-vocab',
          message: `Vocabulary size of ${quoted(tokenizerName)} is not known from the script; add --padded-vocab-size.`,
          range: script.lines.range(tokenizerType.flag.start, tokenizerType.flag.end),
        });
      }
    } else {
      vocabBase = MEGATRON_DEFAULTS.gpt2Vocab;
      const vocabFile = view.flag(F.vocabFile) ?? view.flag(F.mergeFile);
      vocabWhy = 'GPT-2 BPE';
      if (vocabFile) archSources.vocabSize = view.source(vocabFile);
      else assumptions.push('no tokenizer given: GPT-2 BPE (50257), the tokenizer of Megatron GPT examples');
    }
    if (vocabBase !== undefined) {
      const padded = padVocab(vocabBase, divisible, tensorParallel, { tpName: 'TP', why: vocabWhy });
      vocabExact = padded.rows;
      if (padded.note) assumptions.push(padded.note);
    }

    if (vocabExact !== undefined) {
      const vocabSize = vocabExact;
      let moe: MoeSpec | undefined;
      const expertsFlag = view.flag(F.numExperts);
      const experts = expertsFlag ? readExperts(view, expertsFlag) : undefined;
      // Megatron-LM turns only `--num-experts 0` into no MoE (arguments.py): one expert is still a
      // MoE layer with its router. Megatron-DeepSpeed's default 1 is the dense MLP (readMoe decides).
      // Older Megatron-LM's --use-legacy-models builds megatron/legacy/model (NVIDIA/Megatron-LM@fd443f26,
      // the last commit with it): the same dense layers, but SwitchMLP experts (top-1, every layer),
      // no multi-latent attention and no q/k norms.
      const legacy = view.flag(F.useLegacyModels);
      const legacyRefuses = legacy
        ? [expertsFlag, view.flag(F.multiLatentAttention)].filter((flag) => flag !== undefined)
        : [];
      for (const flag of legacyRefuses) {
        view.diagnostics.push({
          severity: 'warning',
          code: 'not-modelled',
          message: `${flag.name} with --use-legacy-models: the legacy GPT model's ${flag === expertsFlag ? 'SwitchMLP experts are' : 'attention is'} not counted.`,
          range: view.script.lines.range(flag.start, flag.end),
        });
        view.reject(flag);
      }
      if (experts && expertsFlag && !legacy) {
        moe = readMoe(view, expertsFlag, experts, nLayers.value, ffnSize, noBias, assumptions, archSources);
        if (moe) archSources.nExperts = view.source(expertsFlag);
      }
      const mla =
        view.has(F.multiLatentAttention) && !legacy ? readMla(view, rmsNorm, noBias, assumptions) : undefined;
      const mtp = readMtp(view, nLayers.value, moe, legacy !== undefined, assumptions);
      const qkLayernorm = view.has(F.qkLayernorm);
      if (legacy && qkLayernorm)
        assumptions.push(
          '--qk-layernorm is not built by the legacy GPT model (--use-legacy-models): no q/k norms',
        );
      const qkNorm = !mla && !legacy && qkLayernorm && !view.has(F.qkL2Norm);
      architecture = {
        nLayers: nLayers.value,
        dModel: d,
        nHeads: nHeads.value,
        nKvHeads,
        headDim,
        ffnSize,
        gatedMlp: swiglu || glu !== undefined,
        vocabSize,
        tiedEmbeddings,
        learnedPositions,
        qkvBias: qkvBias && !mla,
        attnOutBias: !noBias,
        mlpBias: !noBias,
        normsPerLayer: 2,
        normWeight: true,
        normBias: !rmsNorm,
        finalNorm: true,
        // q_layernorm / k_layernorm over kv_channels are `--normalization` norms (TENorm, LNImpl: a
        // LayerNorm has a bias); --qk-l2-norm puts the parameter-free L2Norm in their place
        // (megatron/core/models/gpt/gpt_layer_specs.py).
        qkNorm: qkNorm ? 'head' : 'none',
        ...(qkNorm && !rmsNorm ? { qkNormBias: true } : {}),
        ...(moe ? { moe } : {}),
        ...(mla ? { mla } : {}),
        ...(mtp ? { mtp } : {}),
        ...(view.has(F.embedLayernorm) ? { embeddingNorm: true } : {}),
      };
      if (hybridLayers) {
        architecture = hybridArchitecture(
          view,
          architecture,
          hybridLayers.blocks,
          tensorParallel,
          assumptions,
          paramsMissing,
        );
      }
    }
  }

  // Training length ---------------------------------------------------------------------------
  view.phase = 'training';
  const training = readTraining(view, context, trainingSources, assumptions);
  // --decoder-seq-length is the language model's length of encoder-decoder and multimodal models
  // (examples/multimodal/train.py: --seq-length is the image-embedding length); only GPT
  // (pretrain_gpt.py) trains on --seq-length samples, and ignores the decoder flag.
  const decoderSeq = view.flag(['--decoder-seq-length']);
  if (decoderSeq && !PRETRAIN_SCRIPT.test(text) && training.tokens !== undefined) {
    delete training.tokens;
    delete training.formula;
    training.missing = [
      'unknown: --decoder-seq-length (not a pretrain_gpt.py run: the trained sequence is not --seq-length)',
    ];
    view.diagnostics.push({
      severity: 'warning',
      code: 'invalid-value',
      message:
        'unknown: --decoder-seq-length — this script does not launch pretrain_gpt.py; for encoder-decoder and multimodal models --seq-length is not the trained sequence, so the tokens are not shown.',
      range: view.script.lines.range(decoderSeq.start, decoderSeq.end),
    });
  }
  view.phase = 'none';
  if (!modelSectionRange && trainingSources.duration) modelSectionRange = trainingSources.duration.keyRange;

  const spec: RunSpec = {
    framework: 'megatron',
    modelName: modelNameOf(text),
    architecture,
    training,
    archSources,
    trainingSources,
    usedKeys: dedupe(view.usedKeys),
    assumptions,
    diagnostics: view.diagnostics,
    modelSectionRange,
    ...(paramsMissing.length && !architecture ? { paramsMissing } : {}),
  };
  const finished = view.finish(spec);
  // Megatron's other entry points take the same flags but build other models: the GPT count (and
  // the GPT memory and tokens) would be wrong numbers, so they are unknown there.
  const otherModel = PRETRAIN_SCRIPT.test(text) || hybridRun ? undefined : nonGptEntryPoint(text, script);
  if (otherModel) {
    if (finished.architecture) {
      delete finished.architecture;
      finished.paramsMissing = [
        ...(finished.paramsMissing ?? []),
        `a model of Megatron's ${otherModel.entry}`,
      ];
    }
    // A multimodal model's --seq-length is not the language model's trained sequence
    // (examples/multimodal/train.py: image-embedding length + text), nor a BERT task's samples.
    if (otherModel.tokensUnknown && finished.training.tokens !== undefined) {
      delete finished.training.tokens;
      delete finished.training.formula;
      finished.training.missing = [`unknown: the tokens of ${otherModel.entry} (${otherModel.what})`];
    }
    finished.diagnostics.push({
      severity: 'warning',
      code: 'unknown-model',
      message: `unknown: this script launches ${otherModel.entry} (${otherModel.what}); Scaling Lens counts Megatron's GPT model (pretrain_gpt.py) only, so N is not shown.`,
      range: script.lines.range(otherModel.start, otherModel.end),
    });
  }
  // A checkpoint converter (Pai-Megatron-Patch toolkits/*/impl/convert.py and hf2mcore_*.py, slime
  // tools/convert_hf_to_torch_dist.py) takes the model flags to build the model it fills, plus
  // placeholder batch and iteration flags its argument parser requires (Pai: --train-iters 500000
  // --global-batch-size 1024 --seq-length 1): it trains nothing, so no D.
  const conversion = otherModel ? undefined : conversionEntry(text);
  if (conversion && finished.training.tokens !== undefined) {
    delete finished.training.tokens;
    delete finished.training.formula;
    finished.training.missing = [
      `unknown: ${conversion.entry} converts a checkpoint; it trains on no tokens`,
    ];
    finished.diagnostics.push({
      severity: 'warning',
      code: 'unknown-model',
      message: `unknown: this script launches ${conversion.entry}, a checkpoint converter: its batch and iteration flags are placeholders, not a training run, so D is not shown.`,
      range: script.lines.range(conversion.start, conversion.end),
    });
  }
  // The hybrid flags a hybrid run reads are modelled there (the inventory lists them as not
  // modelled for the GPT model, where pretrain_gpt.py does not build the stack).
  const written = writtenFlags(view).filter(
    (key) =>
      !hybridRun ||
      !(
        HYBRID_PATTERN_FLAGS.includes(key.key) ||
        HYBRID_RATIO_FLAGS.includes(key.key) ||
        (key.key === '--spec' && typeof key.value === 'string' && HYBRID_SPECS.includes(key.value))
      ),
  );
  return { kind: 'run-config', spec: finished, written, parsed: script };
}

/**
 * A checkpoint conversion entry the script launches (`convert.py`, `converter_hf_to_mcore.py`,
 * `hf2mcore_qwen2.py`, `mcore2hf…`, `hf2megatron…`), when it launches no training entry as well.
 */
function conversionEntry(text: string): { entry: string; start: number; end: number } | undefined {
  if (PRETRAIN_SCRIPT.test(text) || /(?:^|[\s/"'=])(?:train|finetune|sft)\w*\.py\b/m.test(text))
    return undefined;
  const match =
    /(?:^|[\s/"'=])([\w/.-]*?(?:convert|hf2mcore|mcore2hf|hf2megatron|megatron2hf|hf_to_|_to_hf)[\w.-]*\.py)\b/m.exec(
      text,
    );
  if (!match) return undefined;
  const end = match.index + match[0].length;
  return { entry: match[1]!, start: end - match[1]!.length, end };
}

/** A Megatron entry point that builds something other than the GPT model, as the script launches it. */
interface NonGptEntry {
  entry: string;
  what: string;
  tokensUnknown: boolean;
  start: number;
  end: number;
}

/**
 * Entry points of NVIDIA/Megatron-LM@d98e8a64 and deepspeedai/Megatron-DeepSpeed that take the GPT
 * flags but build another model: pretrain_bert/t5/mamba/hybrid/vlm/retro/ict/vision_*.py;
 * examples/multimodal/*.py and examples/mimo/*.py (a vision encoder + projector + the language
 * model: LLaVAModel / MimoModel); tasks/main.py (Megatron-LM@fb13c1de^ `tasks/main.py`: only
 * LAMBADA and WIKITEXT103 evaluate a GPT, RACE / MNLI / QQP / ORQA fine-tune BERT-based models) and
 * tasks/vision (ViT). pretrain_gpt*.py, train_rl.py, finetune scripts of GPT models, the text
 * generation servers and tasks/msdp build GPT models and are counted.
 */
function nonGptEntryPoint(text: string, script: ShellScript): NonGptEntry | undefined {
  const at = (match: RegExpExecArray, what: string, tokensUnknown: boolean): NonGptEntry => ({
    entry: match[1]!,
    what,
    tokensUnknown,
    start: match.index + match[0].length - match[1]!.length,
    end: match.index + match[0].length,
  });
  const pretrain = /(?:^|[\s/"'=])(pretrain_(?!gpt)(\w+)\.py)\b/m.exec(text);
  if (pretrain) return at(pretrain, `Megatron's ${pretrain[2]} model`, false);
  const multimodal = /(?:^|[\s/"'=])((?:examples\/)?(?:multimodal|mimo)\/[\w/.-]*?\w\.py)\b/m.exec(text);
  if (multimodal)
    return at(multimodal, 'a multimodal model: vision encoder, projector and language model', true);
  const vision = /(?:^|[\s/"'=])(tasks\/vision\/[\w/.-]*?\w\.py)\b/m.exec(text);
  if (vision) return at(vision, 'a vision transformer', true);
  const tasks = /(?:^|[\s/"'=])(tasks\/main\.py)\b/m.exec(text);
  if (tasks) {
    const task = lastFlag(script, ['--task'])?.values[0]?.text;
    if (task === 'LAMBADA' || task === 'WIKITEXT103') return undefined;
    return at(tasks, task ? `task ${task}: a BERT-based model` : 'a task whose --task is not known', true);
  }
  return undefined;
}

/**
 * A Megatron-core hybrid run: a script launching pretrain_mamba.py / pretrain_hybrid.py; train_rl.py
 * with a layer pattern (d98e8a64 train_rl.py builds the hybrid model when `--hybrid-layer-pattern`
 * is set); or a fragment naming no entry that writes a pattern (or the older ratios) together with
 * a hybrid sign — a `--mamba-*` flag, a hybrid `--spec`, `--is-hybrid-model` or `--export-model-type
 * HybridModel|MambaModel` — since pretrain_gpt.py given only a pattern does not build the stack.
 */
function isHybridRun(text: string, script: ShellScript): boolean {
  if (PRETRAIN_SCRIPT.test(text)) return false;
  if (HYBRID_SCRIPT.test(text)) return true;
  const names = new Set(script.flags.map((flag) => flag.name));
  const pattern = HYBRID_PATTERN_FLAGS.some((name) => names.has(name));
  if (/(?:^|[\s/"'=])train_rl\.py\b/m.test(text)) return pattern;
  if (!pattern && !HYBRID_RATIO_FLAGS.some((name) => names.has(name))) return false;
  if (/(?:^|[\s/"'=])[\w/.-]*\.py\b/m.test(text)) return false;
  const spec = lastFlag(script, ['--spec']);
  const specText = spec?.values.map((value) => value.text).join(' ');
  const exported = lastFlag(script, ['--export-model-type'])?.values[0]?.text;
  return (
    [...names].some((name) => name.startsWith('--mamba-')) ||
    names.has('--is-hybrid-model') ||
    (specText !== undefined && HYBRID_SPECS.includes(specText)) ||
    exported === 'HybridModel' ||
    exported === 'MambaModel'
  );
}

interface HybridLayers {
  layers: string;
  blocks: Record<HybridBlock, number>;
  /** The flag the layers come from (the pattern, or --num-layers with the ratios). */
  flag: ShellFlag;
}

/**
 * The decoder layers of a hybrid run. d98e8a64 (arguments.py): `--hybrid-override-pattern` is
 * forwarded to `--hybrid-layer-pattern` (both written: refused); the pattern sets num_layers
 * (`|` pipeline separators dropped, `/…` MTP depths after it). Before 7418b1b8fb, MambaStack called
 * allocate_layers(--num-layers, --hybrid-attention-ratio, --hybrid-mlp-ratio, pattern): the ratios
 * alone build {@link allocateLayers}; with a pattern, its length must be --num-layers and its counts
 * those of the ratios. No pattern and no ratio: older versions build --num-layers Mamba-2 layers,
 * d98e8a64 none (an empty pattern) — unknown.
 */
function readHybridLayers(
  view: FlagView,
  assumptions: string[],
  paramsMissing: string[],
): HybridLayers | undefined {
  const lines = view.script.lines;
  const fail = (flag: ShellFlag | undefined, message: string, missing: string, code = 'not-modelled') => {
    view.diagnostics.push({
      severity: 'warning',
      code,
      message: `unknown: ${message}; N not shown.`,
      ...(flag ? { range: lines.range(flag.start, flag.end) } : {}),
    });
    paramsMissing.push(missing);
    if (flag) view.reject(flag);
    return undefined;
  };
  const layerFlag = view.flag(['--hybrid-layer-pattern']);
  const overrideFlag = view.flag(['--hybrid-override-pattern']);
  if (layerFlag && overrideFlag)
    return fail(
      overrideFlag,
      '--hybrid-override-pattern and --hybrid-layer-pattern are both written (Megatron refuses the pair)',
      'one hybrid layer pattern',
      'invalid-value',
    );
  const ratio = (name: string): number | null => {
    const found = view.text([name]);
    if (!found) return lastFlag(view.script, [name]) ? null : 0;
    const text = found.text.trim();
    const value = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;
    if (!(value >= 0 && value <= 1)) {
      fail(
        found.flag,
        `${name} ${quoted(text, 20)} is not a ratio in [0, 1]`,
        `a valid ${name}`,
        'invalid-value',
      );
      return null;
    }
    return value;
  };
  const attention = ratio('--hybrid-attention-ratio');
  const mlp = ratio('--hybrid-mlp-ratio');
  if (attention === null || mlp === null) return undefined;
  const ratiosFlag = lastFlag(view.script, HYBRID_RATIO_FLAGS);
  if (attention + mlp > 1)
    return fail(
      ratiosFlag,
      'the hybrid ratios add up to more than 1 (allocate_layers asserts)',
      'valid hybrid ratios',
      'invalid-value',
    );
  const ratios = attention > 0 || mlp > 0;
  const numLayersFlag = lastFlag(view.script, MEGATRON_FLAGS.nLayers);
  const patternFlag = layerFlag ?? overrideFlag;
  let layers: string;
  let flag: ShellFlag;
  const olderNote = `--hybrid-attention-ratio / --hybrid-mlp-ratio exist in Megatron-LM before 7418b1b8fb (d98e8a64 refuses them)`;
  if (patternFlag) {
    const found = view.text([patternFlag.name]);
    if (!found) return undefined;
    flag = patternFlag;
    const parsed = parseHybridPattern(found.text.trim());
    if (typeof parsed === 'string')
      return fail(
        patternFlag,
        `${patternFlag.name} ${quoted(found.text, 40)}: ${parsed} (Megatron refuses it)`,
        `a valid ${patternFlag.name}`,
        'invalid-value',
      );
    if (parsed.mtpDepths > 0)
      return fail(
        patternFlag,
        `${patternFlag.name} has ${parsed.mtpDepths} multi-token-prediction depth${parsed.mtpDepths === 1 ? '' : 's'} after "/" — MTP of a hybrid stack is not modelled`,
        `a model of hybrid MTP (${patternFlag.name} "/${parsed.mtpPattern}")`,
      );
    layers = parsed.layers;
    if (layers.length === 0)
      return fail(
        patternFlag,
        `${patternFlag.name} has no layers`,
        `a non-empty ${patternFlag.name}`,
        'invalid-value',
      );
    const written = numLayersFlag ? view.intValue(numLayersFlag, 0, 'none') : undefined;
    if (ratios) {
      // allocate_layers of older Megatron-LM: the pattern overrides the ratio allocation of the same
      // --num-layers and the same count of each kind.
      if (!written)
        return fail(
          patternFlag,
          `${patternFlag.name} with hybrid ratios needs a known --num-layers (${olderNote})`,
          'the --num-layers of the ratio allocation',
        );
      const auto = allocateLayers(written.value, attention, mlp);
      const a = symbolCounts(auto);
      const b = symbolCounts(layers);
      const same =
        layers.length === written.value &&
        Object.keys(HYBRID_SYMBOLS).every((s) => (a[s] ?? 0) === (b[s] ?? 0));
      if (!same)
        return fail(
          patternFlag,
          `${patternFlag.name} does not have the length or the layer counts of --hybrid-attention-ratio ${attention} / --hybrid-mlp-ratio ${mlp} over --num-layers ${written.value} ("${auto}"), which allocate_layers refuses (${olderNote})`,
          'a pattern matching the hybrid ratios',
          'invalid-value',
        );
      assumptions.push(
        `${patternFlag.name} overrides the ratio allocation (same counts): older Megatron-LM; ${olderNote}`,
      );
    } else if (written && written.value !== layers.length) {
      assumptions.push(
        `--num-layers ${written.value} ≠ the ${layers.length} layers of ${patternFlag.name}: Megatron-LM d98e8a64 ignores --num-layers and uses the pattern (older versions refuse the pair)`,
      );
    }
  } else if (ratios) {
    const found = numLayersFlag ? view.intValue(numLayersFlag, 0) : undefined;
    if (!found)
      return fail(
        ratiosFlag,
        `the hybrid ratios need --num-layers`,
        '--num-layers of the ratio allocation',
        'missing-architecture',
      );
    flag = found.flag;
    layers = allocateLayers(found.value, attention, mlp);
    assumptions.push(
      `hybrid layers allocated from --hybrid-attention-ratio ${attention} and --hybrid-mlp-ratio ${mlp} over ${found.value} layers (allocate_layers): ${layers}; ${olderNote}`,
    );
  } else {
    return fail(
      numLayersFlag,
      'no --hybrid-layer-pattern — Megatron-LM before 7418b1b8fb builds --num-layers Mamba-2 layers, d98e8a64 builds none from the empty pattern',
      'the layers of a hybrid run (--hybrid-layer-pattern)',
    );
  }
  const counts = symbolCounts(layers);
  const other = Object.keys(counts).filter((symbol) => !(symbol in COUNTED_SYMBOLS));
  if (other.length)
    return fail(
      flag,
      `${flag.name} has ${other.map((s) => `${counts[s]} ${HYBRID_SYMBOLS[s as HybridSymbol]} (${s})`).join(', ')} layer${other.length === 1 && counts[other[0]!] === 1 ? '' : 's'}, which Scaling Lens does not count in a hybrid stack`,
      `a model of hybrid ${other.map((s) => HYBRID_SYMBOLS[s as HybridSymbol]).join(' / ')} layers`,
    );
  return {
    layers,
    flag,
    blocks: { mamba2: counts.M ?? 0, attention: counts['*'] ?? 0, mlp: counts['-'] ?? 0 },
  };
}

/**
 * The GPT shape of the flags as a hybrid stack (d98e8a64 megatron/core/models/hybrid/
 * hybrid_layer_specs.py hybrid_stack_spec, hybrid_block.py HybridStack, hybrid_model.py): `M` is a
 * MambaLayer whose MambaMixer takes d_model = hidden, d_conv 4, expand 2, no in/out bias (asserted),
 * a conv bias (asserted), D per head, the gated RMSNorm, and the block norm fused into in_proj
 * (TELayerNormColumnParallelLinear); `*` a TransformerLayer of SelfAttention only (norm fused into
 * linear_qkv); `-` an MLPLayer (norm fused into fc1); the final norm; embedding, learned positions
 * and output layer as GPT. Mixer widths: --mamba-state-dim 128, --mamba-head-dim 64,
 * --mamba-num-groups 8, --mamba-num-heads None → 2·hidden / head dim (transformer_config.py).
 * What the GPT reader counts but this stack does not carry is unknown, naming the flag.
 */
function hybridArchitecture(
  view: FlagView,
  gpt: ArchitectureSpec,
  blocks: Record<HybridBlock, number>,
  tensorParallel: number,
  assumptions: string[],
  paramsMissing: string[],
): ArchitectureSpec | undefined {
  const F = MEGATRON_FLAGS;
  const lines = view.script.lines;
  let valid = true;
  const fail = (flag: ShellFlag, message: string, missing: string, code = 'not-modelled') => {
    view.diagnostics.push({
      severity: 'warning',
      code,
      message: `unknown: ${message}; N not shown.`,
      range: lines.range(flag.start, flag.end),
    });
    paramsMissing.push(missing);
    view.reject(flag);
    valid = false;
  };
  const refused: [readonly string[], string][] = [
    [F.numExperts, 'MoE in a hybrid stack (E layers) is not modelled'],
    [F.multiLatentAttention, 'multi-latent attention in a hybrid stack (+ / D layers) is not modelled'],
    [F.useLegacyModels, 'the legacy GPT model has no hybrid stack'],
    [F.gluActivation, 'a BigScience Megatron-DeepSpeed flag, not of the Megatron-core hybrid model'],
    [F.embedLayernorm, 'a BigScience Megatron-DeepSpeed flag, not of the Megatron-core hybrid model'],
  ];
  for (const [names, why] of refused) {
    const flag = lastFlag(view.script, names);
    if (flag) fail(flag, `${flag.name} — ${why}`, `a model of \`${flag.name}\` in a hybrid stack`);
  }
  const mtp = lastFlag(view.script, F.mtpNumLayers);
  if (mtp && mtp.values[0]?.text?.trim() !== '0')
    fail(
      mtp,
      `${mtp.name} — multi-token prediction of a hybrid stack is not modelled`,
      'a model of hybrid MTP',
    );
  const qk = lastFlag(view.script, F.qkLayernorm);
  if (qk && !view.has(F.qkL2Norm))
    fail(
      qk,
      `${qk.name} — the hybrid attention spec sets no q/k norms: Megatron-LM since e15ec3c043 builds TENorms for them, older versions none`,
      'a model of `--qk-layernorm` in a hybrid stack',
    );
  // Megatron-LM defines only the inventory's --mamba-* flags (TransformerConfig fields at d98e8a64);
  // another one (MindSpeed-LLM's --mamba-d-state / --mamba-headdim / --mamba-ngroups) is a fork's
  // mixer argument that upstream argparse refuses, so the mixer is not the one counted here.
  for (const flag of view.script.flags)
    if (flag.name.startsWith('--mamba-') && !MEGATRON_MAMBA_FLAGS.has(flag.name))
      fail(
        flag,
        `${flag.name} — not a Megatron-LM flag (a fork's Mamba mixer argument)`,
        `a model of \`${flag.name}\``,
      );
  const spec = lastFlag(view.script, ['--spec']);
  const specText = spec?.values.map((value) => value.text).join(' ');
  if (spec && (specText === undefined || !HYBRID_SPECS.includes(specText)))
    fail(
      spec,
      `--spec ${quoted(specText ?? '?', 60)} — a custom hybrid stack spec is not counted`,
      'a model of a custom `--spec`',
    );
  if (!spec) assumptions.push('no --spec: pretrain_hybrid.py builds the default hybrid_stack_spec');

  const read = (name: string, fallback: number | undefined) => {
    const found = view.int([name]);
    if (found) return found.value;
    if (lastFlag(view.script, [name])) return undefined;
    return fallback;
  };
  const stateDim = read('--mamba-state-dim', 128);
  const headDim = read('--mamba-head-dim', 64);
  const nGroups = read('--mamba-num-groups', 8);
  const headsFlag = lastFlag(view.script, ['--mamba-num-heads']);
  let nHeads = read('--mamba-num-heads', undefined);
  if (stateDim === undefined || headDim === undefined || nGroups === undefined) return undefined;
  if (blocks.mamba2 > 0) {
    if (nHeads === undefined && !headsFlag) {
      // MambaMixer: d_inner = int(expand · d_model), expand 2; nheads = d_inner // headdim (asserted exact).
      const inner = 2 * gpt.dModel;
      if (inner % headDim !== 0) {
        const flag = lastFlag(view.script, F.dModel)!;
        fail(
          flag,
          `2 × --hidden-size ${gpt.dModel} is not a multiple of --mamba-head-dim ${headDim} (MambaMixer asserts it)`,
          'a Mamba-2 inner width divisible by the head width',
          'invalid-value',
        );
      } else {
        nHeads = inner / headDim;
        assumptions.push(`--mamba-num-heads not set: 2 × hidden / --mamba-head-dim = ${nHeads} heads`);
      }
    }
    if (nHeads !== undefined) {
      const at = headsFlag ?? lastFlag(view.script, ['--mamba-head-dim']) ?? lastFlag(view.script, F.dModel)!;
      if (nHeads % nGroups !== 0)
        fail(
          at,
          `${nHeads} Mamba heads are not a multiple of --mamba-num-groups ${nGroups} (MambaMixer asserts it)`,
          'Mamba heads divisible by the groups',
          'invalid-value',
        );
      else if (nHeads % tensorParallel !== 0 || nGroups % tensorParallel !== 0)
        fail(
          at,
          `${nHeads} Mamba heads / ${nGroups} groups do not split over tensor parallel size ${tensorParallel} (MambaMixer asserts it)`,
          'Mamba heads and groups divisible by TP',
          'invalid-value',
        );
    }
  }
  if (!valid || (nHeads === undefined && blocks.mamba2 > 0)) return undefined;
  return {
    ...gpt,
    nLayers: blocks.mamba2 + blocks.attention + blocks.mlp,
    normsPerLayer: 1,
    hybrid: {
      blocks,
      mamba: {
        nHeads: nHeads ?? (2 * gpt.dModel) / headDim,
        headDim,
        stateDim,
        nGroups,
        convKernel: 4,
        projBias: false,
        convBias: true,
      },
    },
  };
}

/**
 * `--num-experts`: one integer in Megatron-LM; in Megatron-DeepSpeed a list (nargs='+') with one
 * value per MoE layer, counted here when every value is the same.
 */
function readExperts(view: FlagView, flag: ShellFlag): { value: number } | undefined {
  const values: number[] = [];
  for (let index = 0; index < Math.max(1, flag.values.length); index++) {
    const found = view.intValue(flag, index);
    if (!found) return undefined;
    values.push(found.value);
  }
  if (values.some((value) => value !== values[0])) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled',
      message: `${flag.name} ${values.join(' ')}: a different expert count per MoE layer is not counted.`,
      range: view.script.lines.range(flag.start, flag.values[flag.values.length - 1]?.end ?? flag.end),
    });
    view.reject(flag);
    return undefined;
  }
  return { value: values[0] };
}

/**
 * The MoE layout, which differs between the forks: Megatron-core (`--moe-*` flags; every
 * `--moe-layer-freq`-th layer, top-k 2, router bias with linear biases) and Megatron-DeepSpeed
 * (`--topk` 1 and `--expert-interval` 2 by default; megatron/model/transformer.py
 * get_num_experts_per_layer puts experts in layers whose 1-based number is a multiple of the interval;
 * TopKGate has no bias). A script that does not show which fork it is for gets no count.
 */
function readMoe(
  view: FlagView,
  expertsFlag: ShellFlag,
  experts: { value: number },
  nLayers: number,
  ffnSize: number,
  noBias: boolean,
  assumptions: string[],
  archSources: Partial<Record<ArchField, FieldSource>>,
): MoeSpec | undefined {
  const F = MEGATRON_FLAGS;
  const names = new Set(view.script.flags.map((flag) => flag.name));
  const deepspeedFork = showsDeepSpeedFork(view.script) || expertsFlag.values.length > 1;
  const coreFork = MEGATRON_CORE_MOE_FLAGS.some((name) => names.has(name));
  // Megatron-DeepSpeed: one expert is its dense ParallelMLP (megatron/model/transformer.py).
  if (experts.value === 1 && deepspeedFork && !coreFork) return undefined;
  if (deepspeedFork === coreFork) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled',
      message: deepspeedFork
        ? `${expertsFlag.name} with both Megatron-DeepSpeed and Megatron-core MoE flags: the MoE layout is ambiguous, parameters are not counted.`
        : experts.value === 1
          ? `${expertsFlag.name} 1 without a Megatron-LM or Megatron-DeepSpeed MoE flag: Megatron-LM builds a one-expert MoE layer with a router, Megatron-DeepSpeed a dense MLP; parameters are not counted.`
          : `${expertsFlag.name} without --moe-router-topk (Megatron-LM) or --topk/--expert-interval (Megatron-DeepSpeed): which fork, and so which MoE layout, is not known; parameters are not counted.`,
      range: view.script.lines.range(expertsFlag.start, expertsFlag.end),
    });
    view.reject(expertsFlag);
    return undefined;
  }
  let moe: MoeSpec;
  if (deepspeedFork) {
    const topk = view.int(F.dsTopk);
    const interval = view.int(F.dsExpertInterval);
    const mlpType = view.choice(F.dsMlpType, ['standard', 'residual']);
    if (mlpType && mlpType.text.toLowerCase() !== 'standard') {
      view.diagnostics.push({
        severity: 'warning',
        code: 'not-modelled',
        message:
          '--mlp-type residual (PR-MoE: a dense MLP and a coefficient beside the experts) is not counted.',
        range: view.script.lines.range(mlpType.flag.start, mlpType.flag.end),
      });
      view.reject(mlpType.flag);
    }
    if (topk) archSources.expertsPerToken = view.source(topk.flag);
    const every = interval?.value ?? MEGATRON_DEFAULTS.dsExpertInterval;
    moe = {
      nExperts: experts.value,
      expertsPerToken: topk?.value ?? MEGATRON_DEFAULTS.dsTopk,
      expertFfnSize: ffnSize,
      moeLayers: Math.floor(nLayers / every),
    };
    if (!topk) assumptions.push(`--topk not set: Megatron-DeepSpeed default ${MEGATRON_DEFAULTS.dsTopk}`);
    if (!interval)
      assumptions.push(
        `--expert-interval not set: Megatron-DeepSpeed default ${every}, so ${moe.moeLayers} of ${nLayers} layers are MoE`,
      );
    if (moe.moeLayers === 0) return undefined;
  } else {
    const topk = view.int(F.routerTopk);
    if (topk) archSources.expertsPerToken = view.source(topk.flag);
    const expertFfn = view.int(F.moeFfnSize);
    const shared = view.int(F.moeSharedExpertSize);
    const moeLayers = readMoeLayerFreq(view, nLayers);
    if (shared && !noBias) {
      // SharedExpertMLP asserts add_bias_linear is False (megatron/core/transformer/moe/shared_experts.py):
      // Megatron refuses this model, so there is no count to give.
      view.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `${shared.flag.name} needs --disable-bias-linear: Megatron's shared expert has no biases and refuses to build with them; parameters are not counted.`,
        range: view.script.lines.range(shared.flag.start, shared.flag.end),
      });
      view.reject(shared.flag);
    }
    moe = {
      nExperts: experts.value,
      expertsPerToken: topk?.value ?? MEGATRON_DEFAULTS.moeRouterTopk,
      expertFfnSize: expertFfn?.value ?? ffnSize,
      // TopKRouter's linear takes a bias when the model has linear biases (moe/router.py).
      routerBias: !noBias,
      ...(shared ? { sharedExpertFfnSize: shared.value } : {}),
      ...(shared && view.has(F.moeSharedExpertGate) ? { sharedExpertGate: true } : {}),
      ...(moeLayers !== undefined ? { moeLayers } : {}),
    };
    if (!topk) assumptions.push(`--moe-router-topk not set: Megatron default ${moe.expertsPerToken}`);
  }
  if (moe.expertsPerToken > moe.nExperts) {
    // The router picks top-k of the experts; k > experts is refused, and the active count
    // (what compute uses) cannot be stated.
    const topk = lastFlag(view.script, deepspeedFork ? F.dsTopk : F.routerTopk);
    view.diagnostics.push({
      severity: 'warning',
      code: 'invalid-value',
      message: `${topk?.name ?? 'top-k'} ${moe.expertsPerToken} exceeds --num-experts ${moe.nExperts}: the active parameter count is unknown.`,
      range: topk ? view.script.lines.range(topk.start, topk.end) : undefined,
    });
    view.reject(topk ?? expertsFlag);
  }
  return moe;
}

/**
 * MoE layers from `--moe-layer-freq` (gpt_layer_specs.py moe_layer_pattern): an integer N puts
 * experts in layers 0, N, 2N, … (⌈L / N⌉ of them); a Python list expression (`([0]*3+[1]*58)`,
 * `[1,0,1,0]`) gives the pattern itself, whose length must be the layer count. Undefined when the
 * flag is absent (every layer MoE); an unusable value is rejected.
 */
function readMoeLayerFreq(view: FlagView, nLayers: number): number | undefined {
  const flag = view.flag(MEGATRON_FLAGS.moeLayerFreq);
  if (!flag) return undefined;
  const text = flag.values[0]?.text;
  if (text !== undefined && text.includes('[')) {
    const pattern = countPattern(text);
    if (pattern && pattern.zeros + pattern.ones === nLayers) return pattern.ones;
    view.diagnostics.push({
      severity: 'warning',
      code: 'invalid-value',
      message: pattern
        ? `${flag.name} ${quoted(text, 40)} describes ${pattern.zeros + pattern.ones} layers, not --num-layers ${nLayers} (Megatron refuses it).`
        : `${flag.name} ${quoted(text, 40)} is not a 0/1 layer pattern the count can read.`,
      range: view.script.lines.range(flag.start, flag.values[0]?.end ?? flag.end),
    });
    view.reject(flag);
    return undefined;
  }
  const frequency = view.intValue(flag, 0);
  return frequency ? Math.ceil(nLayers / frequency.value) : undefined;
}

/**
 * Ones and zeros of a Python list expression made of 0/1 lists, `+` and `* n` (what
 * megatron/training/arguments.py `_eval_pattern` accepts in practice), and the last element (the
 * layer an MTP module copies). Only the counts matter, so repetition multiplies them instead of
 * building the list; undefined for anything else.
 */
export function countPattern(
  text: string,
): { ones: number; zeros: number; last: 0 | 1 | undefined } | undefined {
  const tokens = text.replace(/\s+/g, '').match(/\d+|[[\](),+*]|./g) ?? [];
  let at = 0;
  type Counts = { ones: number; zeros: number; last: 0 | 1 | undefined };
  const fail = (): undefined => undefined;
  const expression = (depth: number): Counts | undefined => {
    if (depth > 32) return fail();
    let left = term(depth);
    while (left && tokens[at] === '+') {
      at++;
      const right = term(depth);
      left = right
        ? { ones: left.ones + right.ones, zeros: left.zeros + right.zeros, last: right.last ?? left.last }
        : undefined;
    }
    return left;
  };
  const term = (depth: number): Counts | undefined => {
    let value = factor(depth);
    while (value && tokens[at] === '*') {
      at++;
      const times = /^\d+$/.test(tokens[at] ?? '') ? Number(tokens[at++]) : undefined;
      if (times === undefined) return fail();
      value = {
        ones: value.ones * times,
        zeros: value.zeros * times,
        last: times > 0 ? value.last : undefined,
      };
    }
    return value;
  };
  const factor = (depth: number): Counts | undefined => {
    const token = tokens[at++];
    if (token === '(') {
      const inner = expression(depth + 1);
      return inner && tokens[at++] === ')' ? inner : fail();
    }
    if (token !== '[') return fail();
    const counts: Counts = { ones: 0, zeros: 0, last: undefined };
    while (tokens[at] !== ']') {
      const element = tokens[at++];
      if (element === '1') counts.ones++;
      else if (element === '0') counts.zeros++;
      else return fail();
      counts.last = element === '1' ? 1 : 0;
      if (tokens[at] === ',') at++;
      else if (tokens[at] !== ']') return fail();
    }
    at++;
    return counts;
  };
  const result = expression(0);
  if (!result || at !== tokens.length) return undefined;
  return Number.isSafeInteger(result.ones + result.zeros) ? result : undefined;
}

/**
 * `--mtp-num-layers n` (Megatron-core GPTModel builds a MultiTokenPredictionBlock on the last
 * stage): n modules, each a copy of the last decoder layer plus norms and a 2d→d projection
 * ({@link MtpSpec}); 0 builds none. The copied layer is MoE when the last entry of the
 * `--moe-layer-freq` pattern is (an integer N puts experts in layers 0, N, 2N, …). With
 * `--mtp-use-repeated-layer` one module is built and applied n times: one module's parameters but n
 * modules' compute, which N·D cannot state, so n > 1 is not counted then.
 */
function readMtp(
  view: FlagView,
  nLayers: number,
  moe: MoeSpec | undefined,
  legacy: boolean,
  assumptions: string[],
): MtpSpec | undefined {
  const F = MEGATRON_FLAGS;
  const flag = view.flag(F.mtpNumLayers);
  if (!flag || flag.values[0]?.text?.trim() === '0') return undefined;
  const count = view.intValue(flag, 0);
  if (!count) return undefined;
  const repeated = view.has(F.mtpUseRepeatedLayer);
  if (legacy || (repeated && count.value > 1)) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled',
      message: legacy
        ? `${flag.name} is a Megatron-core option; the legacy GPT model (--use-legacy-models) does not build MTP, parameters are not counted.`
        : `${flag.name} ${count.value} with --mtp-use-repeated-layer applies one module ${count.value} times: its compute is not N·D of its parameters, so parameters are not counted.`,
      range: view.script.lines.range(flag.start, flag.end),
    });
    view.reject(flag);
    return undefined;
  }
  let moeLayer = moe !== undefined;
  if (moe) {
    const text = lastFlag(view.script, F.moeLayerFreq)?.values[0]?.text;
    if (text?.includes('[')) moeLayer = countPattern(text)?.last === 1;
    else if (text !== undefined && /^\d+$/.test(text.trim()))
      moeLayer = (nLayers - 1) % Number(text.trim()) === 0;
  }
  assumptions.push(
    `${flag.name} ${count.value}: ${count.value} multi-token-prediction module${count.value > 1 ? 's' : ''} (a copy of the last, ${moeLayer ? 'MoE' : 'dense'} decoder layer, two norms, a 2h→h projection and a final norm each; embedding and output head shared) are counted and trained on every token`,
  );
  return { layers: count.value, moeLayer };
}

/**
 * Megatron-core multi-latent attention (MLASelfAttention with the gpt_layer_specs submodules). The
 * latent norms exist only with --qk-layernorm, as RMSNorm weights, and the q/kv projections carry no
 * bias; other combinations are not counted. `--add-qkv-bias` does not reach MLA: every q/kv
 * projection is built with `bias=False` (Megatron-LM@d98e8a64 multi_latent_attention.py, and no
 * version of that file has read add_qkv_bias), so GLM-4.7-Flash's launcher, which passes it, is
 * counted without one.
 */
function readMla(
  view: FlagView,
  rmsNorm: boolean,
  noBias: boolean,
  assumptions: string[],
): MlaSpec | undefined {
  const F = MEGATRON_FLAGS;
  const flag = view.flag(F.multiLatentAttention)!;
  // --qk-l2-norm is refused with MLA (gpt_layer_specs.py asserts qk_l2_norm is False).
  if (!view.has(F.qkLayernorm) || view.has(F.qkL2Norm) || !rmsNorm || !noBias) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled',
      message:
        '--multi-latent-attention is counted only with --qk-layernorm, --normalization RMSNorm and --disable-bias-linear (the DeepSeek layout); parameters are not counted.',
      range: view.script.lines.range(flag.start, flag.end),
    });
    view.reject(flag);
    return undefined;
  }
  if (view.has(F.addQkvBias))
    assumptions.push(
      '--add-qkv-bias has no effect with --multi-latent-attention (its projections are built without bias)',
    );
  return {
    qLoraRank: view.int(F.qLoraRank)?.value ?? 0,
    kvLoraRank: view.int(F.kvLoraRank)?.value ?? MEGATRON_DEFAULTS.kvLoraRank,
    qkNopeHeadDim: view.int(F.qkHeadDim)?.value ?? MEGATRON_DEFAULTS.qkHeadDim,
    qkRopeHeadDim: view.int(F.qkPosEmbHeadDim)?.value ?? MEGATRON_DEFAULTS.qkPosEmbHeadDim,
    vHeadDim: view.int(F.vHeadDim)?.value ?? MEGATRON_DEFAULTS.vHeadDim,
  };
}

/** A positive integer from a launcher or `#SBATCH` value text (digits only), or undefined. */
function positiveInt(text: string | undefined): number | undefined {
  return asDigitsInt(text, 1);
}

/** One `#SBATCH` option: its name, value and the header line it is on. */
interface SbatchOption {
  name: string;
  value: string;
  start: number;
  end: number;
}

/** Every `#SBATCH --option[=value]` of the script's slurm header (bounded). */
function sbatchOptions(text: string): SbatchOption[] {
  const options: SbatchOption[] = [];
  const pattern = /^#SBATCH[ \t]+(.*)$/gm;
  for (let match = pattern.exec(text); match && options.length < 200; match = pattern.exec(text)) {
    const words = match[1]
      .replace(/\s#.*$/, '')
      .trim()
      .split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const option = /^(--?[A-Za-z-]+)(?:=(.*))?$/.exec(words[i]);
      if (!option) continue;
      const value = option[2] ?? words[i + 1] ?? '';
      options.push({ name: option[1], value, start: match.index, end: match.index + match[0].length });
    }
  }
  return options;
}

/**
 * The GPU count the script itself states: the launcher's processes per node (torchrun /
 * torch.distributed `--nproc_per_node`, the deepspeed launcher's `--num_gpus`) or the slurm GPUs per
 * node (`#SBATCH --gpus-per-node`, `--gres=gpu:N`, else `--ntasks-per-node`), times the nodes
 * (`--nnodes` / `--num_nodes`, else `#SBATCH --nodes`, else one); or `#SBATCH --gpus` in total. A
 * count that depends on the environment gives undefined, never a guess.
 */
function scriptGpus(view: FlagView): { gpus: number; source: FieldSource; formula: string } | undefined {
  const F = MEGATRON_FLAGS;
  const lines = view.script.lines;
  const sbatch = sbatchOptions(lines.text);
  const last = (...names: string[]) => [...sbatch].reverse().find((option) => names.includes(option.name));
  const sbatchSource = (option: SbatchOption): FieldSource => ({
    key: `#SBATCH ${option.name}`,
    keyRange: lines.range(option.start, option.end),
    valueRange: lines.range(option.start, option.end),
    raw: option.value,
  });
  /** `gpu:8`, `a100:8`, `8` → 8. */
  const count = (value: string) => positiveInt(value.replace(/^.*:/, ''));

  // Nodes: the launcher's, else slurm's (`--nodes=2-4` is a range, the scheduler's choice: unknown).
  let nodes: { value: number | undefined; text: string } = { value: 1, text: '1 node' };
  const launcherNodes = view.flag(F.launcherNodes) ?? view.flag(F.deepspeedNodes);
  const sbatchNodes = last('--nodes', '-N');
  const nodesValue = launcherNodes?.values[0];
  // `--nnodes $SLURM_NNODES` (directly or through a variable) is the allocation's node count.
  const fromSlurm =
    nodesValue?.text === undefined &&
    /SLURM_(JOB_)?NNODES|SLURM_JOB_NUM_NODES/.test(
      `${nodesValue?.raw ?? ''} ${nodesValue?.origin?.raw ?? ''}`,
    );
  if (launcherNodes && !(fromSlurm && sbatchNodes)) {
    const value = positiveInt(nodesValue?.text);
    nodes = { value, text: `${launcherNodes.name} ${value}` };
  } else if (sbatchNodes) {
    const value = positiveInt(sbatchNodes.value);
    nodes = { value, text: `#SBATCH ${sbatchNodes.name} ${value}` };
  }

  const launcher = view.flag(F.launcherProcsPerNode) ?? view.flag(F.deepspeedGpus);
  if (launcher) {
    const perNode = positiveInt(launcher.values[0]?.text);
    if (perNode === undefined || nodes.value === undefined) return undefined;
    return {
      gpus: perNode * nodes.value,
      source: view.source(launcher),
      formula: `${launcher.name} ${perNode} × ${nodes.text} = ${perNode * nodes.value} GPUs`,
    };
  }
  const perNodeOption = last('--gpus-per-node') ?? last('--gres') ?? last('--ntasks-per-node');
  if (perNodeOption) {
    const perNode =
      perNodeOption.name === '--gres'
        ? positiveInt(/(?:^|,)gpu(?::[^:,]+)?:(\d+)/.exec(perNodeOption.value)?.[1])
        : count(perNodeOption.value);
    if (perNode === undefined || nodes.value === undefined) return undefined;
    return {
      gpus: perNode * nodes.value,
      source: sbatchSource(perNodeOption),
      formula: `#SBATCH ${perNodeOption.name} ${perNodeOption.value} × ${nodes.text} = ${perNode * nodes.value} GPUs`,
    };
  }
  const total = last('--gpus', '-G');
  const gpus = total ? count(total.value) : undefined;
  if (!total || gpus === undefined) return undefined;
  return {
    gpus,
    source: sbatchSource(total),
    formula: `#SBATCH ${total.name} ${total.value} = ${gpus} GPUs`,
  };
}

function readTraining(
  view: FlagView,
  context: ReadContext,
  sources: Partial<Record<TrainingField, FieldSource>>,
  assumptions: string[],
): TrainingSpec {
  const F = MEGATRON_FLAGS;
  const training: TrainingSpec = {};
  const seq = view.int(F.seqLen);
  // The micro batch only sets the global batch when --global-batch-size is absent (read below).
  const micro = view.int(F.microBatch, 'none');
  const global = view.int(F.globalBatch);
  const iters = view.int(F.trainIters);
  const samples = view.int(F.trainSamples);
  const tokens = view.int(F.trainTokens);
  if (seq) sources.seqLen = view.source(seq.flag);
  if (micro) sources.microBatch = view.source(micro.flag);
  if (global) sources.globalBatch = view.source(global.flag);
  if (iters) sources.steps = view.source(iters.flag);
  if (tokens) sources.tokens = view.source(tokens.flag);
  training.seqLen = seq?.value;

  let globalBatch = global?.value;
  let batchFormula = globalBatch !== undefined ? `${globalBatch}` : '';
  const stated = scriptGpus(view);
  if (stated) {
    training.gpus = stated.gpus;
    sources.gpus = stated.source;
  }
  const gpus = stated?.gpus ?? context.options?.gpus;
  const microFlag = view.int(F.microBatch);
  const microMissing = globalBatch === undefined && !microFlag && !view.flag(F.microBatch);
  if (microMissing && (tokens || samples || iters)) {
    // validate_args asserts `args.micro_batch_size is not None` (Megatron-LM@d98e8a64
    // megatron/training/arguments.py; Megatron-DeepSpeed@f4157bea megatron/arguments.py): no default.
    view.diagnostics.push({
      severity: 'warning',
      code: 'missing-value',
      message:
        'unknown: --micro-batch-size — neither it nor --global-batch-size is set, and Megatron has no default micro batch (validate_args asserts it is given): the batch and the tokens are unknown.',
    });
  } else if (globalBatch === undefined && gpus) {
    // Megatron: global batch = micro batch × data-parallel size (GPUs / TP·PP·CP).
    const microBatch = microFlag?.value ?? MEGATRON_DEFAULTS.microBatch;
    // Megatron-LM@d98e8a64 arguments.py: total_model_size = TP·PP·CP·gtp_weight_remat_size, where
    // --tensor-parallel-num-weight-shards = TP·gtp (model_parallel_config.py
    // resolve_tensor_parallel_weight_shards): the weight shards replace TP in the product.
    const tensorParallel = view.int(F.tensorParallel)?.value ?? MEGATRON_DEFAULTS.tensorParallel;
    const weightShards = view.int(F.tensorParallelWeightShards)?.value;
    const modelParallel =
      (weightShards !== undefined && weightShards >= tensorParallel && weightShards % tensorParallel === 0
        ? weightShards
        : tensorParallel) *
      (view.int(F.pipelineParallel)?.value ?? MEGATRON_DEFAULTS.pipelineParallel) *
      (view.int(F.contextParallel)?.value ?? MEGATRON_DEFAULTS.contextParallel) *
      (view.int(F.dsSequenceParallel)?.value ?? 1);
    // initialize_model_parallel asserts world size % (TP·PP·CP) == 0.
    const dataParallel = gpus % modelParallel === 0 ? gpus / modelParallel : 0;
    const from = stated ? stated.formula : `${gpus} GPUs from settings`;
    if (weightShards !== undefined && modelParallel % weightShards !== 0) {
      // resolve_tensor_parallel_weight_shards raises: shards < TP or not a multiple of TP.
      view.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `--tensor-parallel-num-weight-shards ${weightShards} is not a multiple of --tensor-model-parallel-size ${tensorParallel} (Megatron refuses it): the batch is unknown.`,
      });
      view.reject(view.flag(F.tensorParallelWeightShards)!);
    } else if (dataParallel >= 1) {
      globalBatch = microBatch * dataParallel;
      batchFormula = `${microBatch} micro × DP ${dataParallel} (${from})`;
      if (stated)
        assumptions.push(`data-parallel size ${dataParallel} from ${from} / model-parallel ${modelParallel}`);
    } else {
      view.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `${from} is not a multiple of the model-parallel size ${modelParallel} (TP·PP·CP): Megatron refuses it, and the batch is unknown.`,
      });
    }
  }
  training.globalBatchSeqs = globalBatch;
  if (globalBatch !== undefined && seq) training.tokensPerStep = globalBatch * seq.value;

  const durationFlag = tokens ?? samples ?? iters;
  if (!durationFlag) {
    view.diagnostics.push({
      severity: 'info',
      code: 'missing-duration',
      message:
        'No --train-iters, --train-samples or --train-tokens: the training length is not in this script.',
    });
    training.missing = ['training length'];
    return training;
  }
  // Combinations Megatron refuses: no run, so no D.
  const refusal =
    iters && samples
      ? // validate_args: iteration-based training asserts `args.train_samples is None` (and the reverse):
        // Megatron-LM@d98e8a64 megatron/training/arguments.py, Megatron-DeepSpeed@f4157bea megatron/arguments.py.
        {
          flag: samples.flag,
          why: '--train-iters and --train-samples are both set; Megatron asserts only one is (validate_args)',
        }
      : tokens && !iters && !samples
        ? // Megatron-DeepSpeed@f4157bea megatron/training.py get_optimizer_param_scheduler raises
          // 'either train-iters or train-samples should be provided.' (--train-tokens is only a stop).
          {
            flag: tokens.flag,
            why: '--train-tokens needs --train-iters or --train-samples as well; Megatron-DeepSpeed raises without one',
          }
        : microMissing
          ? { flag: durationFlag.flag, why: 'no --micro-batch-size or --global-batch-size' }
          : undefined;
  if (refusal) {
    sources.duration = view.source(refusal.flag);
    if (!microMissing)
      view.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `unknown: ${refusal.flag.name} — ${refusal.why}: the run does not start, and the tokens are not shown.`,
        range: view.script.lines.range(refusal.flag.start, refusal.flag.end),
      });
    training.missing = [
      microMissing
        ? 'unknown: --micro-batch-size (Megatron has no default)'
        : `unknown: ${refusal.flag.name} (${refusal.why})`,
    ];
    return training;
  }
  if (!seq) {
    training.missing = ['sequence length'];
    view.diagnostics.push({
      severity: 'warning',
      code: 'missing-value',
      message: '--seq-length is not set: tokens cannot be computed.',
      range: view.script.lines.range(durationFlag.flag.start, durationFlag.flag.end),
    });
    return training;
  }
  const seqLen = seq.value;
  const rampupFlag = view.flag(F.rampupBatchSize);
  const rampup = rampupFlag ? parseRampup(view, rampupFlag) : undefined;
  const lrDecay = view.script.flags.some((flag) => /^--lr-decay-(iters|samples|tokens)$/.test(flag.name));
  if (lrDecay) assumptions.push('--lr-decay-* sets the LR schedule, not the run length');
  // --step-batch-size-schedule is a not-modelled inventory flag: it makes D unknown.

  // Candidate run lengths in tokens; Megatron-DeepSpeed stops at whichever is reached first.
  const candidates: {
    tokens: number;
    flag: ShellFlag;
    formula: string;
    unit: TrainingSpec['durationUnit'];
  }[] = [];
  if (tokens) {
    // Megatron-DeepSpeed (megatron/training.py train()) loops `while consumed_train_tokens <
    // train_tokens`, adding a whole global batch of seq-length samples per step: the run ends after
    // the step that reaches the target, ⌈T / (batch × seq)⌉ steps. Under a batch ramp the steps are
    // uneven and the stated target is kept.
    const stepTokens = globalBatch !== undefined && !rampupFlag ? globalBatch * seqLen : undefined;
    const steps = stepTokens ? Math.ceil(tokens.value / stepTokens) : undefined;
    const exact = steps !== undefined && stepTokens ? steps * stepTokens : undefined;
    candidates.push({
      tokens: exact !== undefined && Number.isSafeInteger(exact) ? exact : tokens.value,
      flag: tokens.flag,
      formula:
        exact !== undefined && Number.isSafeInteger(exact)
          ? `--train-tokens ${format(tokens.value)} reached after ⌈${format(tokens.value)} / (${batchFormula} × ${seqLen})⌉ = ${format(steps!)} steps × ${batchFormula} × ${seqLen} = ${format(exact)} tokens`
          : `--train-tokens ${format(tokens.value)}`,
      unit: { kind: 'tokens', tokensPerUnit: 1, suffix: '' },
    });
  }
  if (samples) {
    let trainedSamples: number | undefined;
    let formula = `--train-samples ${format(samples.value)} × --seq-length ${seqLen}`;
    if (rampup && globalBatch !== undefined) {
      // The ramp only changes the iteration count here; the samples (and tokens) are as written.
      const exact = rampupIterationsForSamples(samples.value, globalBatch, ...rampup);
      if (exact) {
        training.steps = exact.iterations;
        formula += ` (Megatron runs ${format(exact.iterations)} iterations with --rampup-batch-size ${rampup.join(' ')}, ${format(exact.samples * seqLen)} tokens exactly)`;
      }
    } else if (globalBatch !== undefined) {
      // update_train_iters: a constant batch runs train_samples // global_batch_size iterations and the
      // loop (`while iteration < args.train_iters`) consumes whole batches only; the last partial batch
      // is never trained on (Megatron-LM@d98e8a64 megatron/training/training.py; Megatron-DeepSpeed@f4157bea
      // megatron/training.py says so: "we need to adjust the training samples too").
      const iterations = Math.floor(samples.value / globalBatch);
      training.steps = iterations;
      trainedSamples = iterations * globalBatch;
      if (trainedSamples !== samples.value)
        formula = `⌊--train-samples ${format(samples.value)} / ${batchFormula}⌋ = ${format(iterations)} iterations × ${batchFormula} × --seq-length ${seqLen} (the last partial batch is not trained)`;
    } else if (!rampupFlag) {
      assumptions.push(
        `--train-samples ${format(samples.value)} × --seq-length: Megatron trains ⌊samples / global batch⌋ whole batches, up to one batch fewer (the batch is unknown here)`,
      );
    }
    if (trainedSamples === 0) {
      view.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `--train-samples ${format(samples.value)} is less than one global batch (${batchFormula}): Megatron runs no training iteration.`,
        range: view.script.lines.range(samples.flag.start, samples.flag.end),
      });
      view.reject(samples.flag);
    }
    candidates.push({
      tokens: (trainedSamples ?? samples.value) * seqLen,
      flag: samples.flag,
      formula,
      unit: { kind: 'samples', tokensPerUnit: seqLen, suffix: '' },
    });
  }
  if (iters) {
    training.steps = iters.value;
    if (globalBatch === undefined) {
      training.missing = ['GPU count'];
      view.diagnostics.push({
        severity: 'info',
        code: 'missing-gpus',
        message:
          'No --global-batch-size: the batch is micro-batch × data-parallel size, which depends on the GPU count. Set the GPU count (setting scalingLens.missing.gpus, CLI --gpus) to compute tokens.',
        range: view.script.lines.range(iters.flag.start, iters.flag.end),
      });
    } else if (rampupFlag && (!rampup || showsDeepSpeedFork(view.script))) {
      // An unreadable ramp; or Megatron-DeepSpeed, whose validate_args asserts 'expected no
      // batch-size rampup for iteration-based training' (@f4157bea megatron/arguments.py): no run.
      if (rampup)
        view.diagnostics.push({
          severity: 'warning',
          code: 'invalid-value',
          message:
            'unknown: --rampup-batch-size — Megatron-DeepSpeed refuses a batch ramp-up with --train-iters (validate_args: "expected no batch-size rampup for iteration-based training"): the run does not start.',
          range: view.script.lines.range(rampupFlag.start, rampupFlag.end),
        });
      view.reject(rampupFlag);
    } else if (rampup) {
      // Megatron-LM before 532ad926 (Apr 2026) asserted the same as Megatron-DeepSpeed; since then
      // (d98e8a64 megatron/core/num_microbatches_calculator.py) --rampup-batch-size is deprecated and
      // ignored: every iteration is a full global batch. That is the only run that trains.
      view.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `--rampup-batch-size ${rampup.join(' ')} with --train-iters: current Megatron-LM ignores the ramp (deprecated; use --step-batch-size-schedule) and trains full batches of ${globalBatch}; older Megatron-LM and Megatron-DeepSpeed refuse the combination ("expected no batch-size rampup for iteration-based training").`,
        range: view.script.lines.range(rampupFlag!.start, rampupFlag!.end),
      });
      assumptions.push(
        `--rampup-batch-size is ignored with --train-iters (Megatron-LM ≥ 532ad926; older versions refuse it): ${format(iters.value)} full batches`,
      );
    }
    if (globalBatch !== undefined && !candidates.some((c) => c.flag === iters.flag)) {
      candidates.push({
        tokens: iters.value * globalBatch * seqLen,
        flag: iters.flag,
        formula: `--train-iters ${format(iters.value)} × --global-batch-size ${batchFormula} × --seq-length ${seqLen}`,
        unit: { kind: 'steps', tokensPerUnit: globalBatch * seqLen, suffix: '' },
      });
    }
  }
  sources.duration = view.source(durationFlag.flag);
  if (!candidates.length) {
    training.durationUnit = { kind: 'steps', suffix: '' };
    return training;
  }
  const binding = candidates.reduce((best, candidate) => (candidate.tokens < best.tokens ? candidate : best));
  training.tokens = binding.tokens;
  training.formula = binding.formula;
  training.durationUnit = binding.unit;
  sources.duration = view.source(binding.flag);
  if (candidates.length > 1) {
    const others = candidates
      .filter((c) => c !== binding)
      .map((c) => `${c.flag.name} (${format(c.tokens)} tokens)`);
    assumptions.push(`training stops at ${binding.flag.name}, reached before ${others.join(', ')}`);
  }
  if (binding.unit?.kind === 'tokens' && globalBatch !== undefined) {
    // Megatron-DeepSpeed checks consumed tokens after each step, so the last step overshoots.
    training.steps = Math.ceil(binding.tokens / (globalBatch * seqLen));
  }
  return training;
}

/**
 * `--rampup-batch-size start increment samples`, when all three are positive integers; otherwise
 * one diagnostic and undefined (the caller decides whether the training length depends on it).
 */
function parseRampup(view: FlagView, flag: ShellFlag): [number, number, number] | undefined {
  const values = flag.values.slice(0, 3).map((value) => {
    const number = value.text === undefined ? undefined : parseNumberLiteral(value.text);
    return number !== undefined && Number.isSafeInteger(number) && number > 0 ? number : undefined;
  });
  if (values.length === 3 && values.every((v) => v !== undefined)) return values as [number, number, number];
  const written = flag.values.map((value) => value.raw).join(' ');
  view.diagnostics.push({
    severity: 'warning',
    code: 'invalid-value',
    message: `${flag.name} expects three positive integers (start batch, increment, ramp samples), got ${quoted(written)}.`,
    range: view.script.lines.range(flag.start, flag.values[flag.values.length - 1]?.end ?? flag.end),
  });
  return undefined;
}

/** `# Runs the "345M" parameter model` → 345M. */
function modelNameOf(text: string): string | undefined {
  const match = /^#\s*Runs?\s+(?:the\s+)?"?([^"\n]+?)"?\s+(?:parameter\s+)?model\b/im.exec(
    text.slice(0, 4096),
  );
  return match ? match[1].trim() : undefined;
}

/**
 * Every flag the script passes, for the inventory: a flag with no value is a switch (`true`), one
 * value is that value, several are joined; a value that depends on something outside the script is
 * `<unknown>` (never the default, so a not-modelled flag with such a value still makes N unknown).
 */
function writtenFlags(view: FlagView): WrittenKey[] {
  return view.script.flags.map((flag) => {
    let value: unknown = true;
    if (flag.values.length) {
      const texts = flag.values.map((v) => v.text);
      value = texts.some((text) => text === undefined) ? '<unknown>' : texts.join(' ');
    }
    return { key: flag.name, value, source: view.source(flag) };
  });
}

function dedupe(sources: FieldSource[]): FieldSource[] {
  const seen = new Set<string>();
  return sources.filter((source) => {
    const key = `${source.key}@${source.keyRange.start.line}:${source.keyRange.start.character}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Megatron-LM / Megatron-DeepSpeed launch scripts. */
export const megatronReader: FrameworkReader<'megatron'> = neverThrowing({
  id: 'megatron',
  label: 'Megatron-LM',
  detect: (text, path) => detect(text, path),
  inventory: MEGATRON_INVENTORY,
  layout: megatronLayout,
  read,
  schedule: megatronSchedule,
});
