import type { CoreDiagnostic, FrameworkId, ReadContext, ReadResult, RunSpec, SourceRange } from '../types';
import type { FrameworkReader } from './reader';
import { parseNumberLiteral } from './values';

/**
 * The one lookup/reject policy of every reader (issue #11). Readers parse different formats — YAML
 * (SpecBuilder), JSON, TOML, Python, shell — but a written value is typed the same way everywhere:
 *
 * - absent (no key, or an empty value where the format has one) → the framework default applies;
 * - an interpolation the reader cannot evaluate (`${…}`) → `interpolation-unresolved`, rejected;
 * - a value of the wrong type or range (`four`, `1.5` layers, `-2`) → `invalid-value`, rejected;
 * - a name outside the framework's known set → `unknown-value`, rejected;
 * - a rejected value poisons the part of the spec it feeds ({@link UnusableValues}): N or D becomes
 *   unknown with a diagnostic, never the default in its place (the framework itself would refuse the
 *   value, so the default is not what would run).
 *
 * The computations several readers share are here too, written once: the head width (hidden size
 * over heads, with the divisibility check), the Megatron-family vocabulary padding, tokens of an
 * epoch-based run (epochs × dataset size from the settings) and the never-throw wrapper of `read`.
 */

// --- Typing one written value ---------------------------------------------------------------------

/** True for an OmegaConf-style interpolation string like `${variables.max_seq_len}`. */
export function isInterpolation(value: string): boolean {
  return /\$\{[^}]*\}/.test(value);
}

/** A positive integer, exactly representable (beyond 2^53 counts are not exact and products overflow). */
export function asPositiveInt(value: unknown): number | undefined {
  return asIntAtLeast(value, 1);
}

/** An integer ≥ `min`, exactly representable. */
export function asIntAtLeast(value: unknown, min: number): number | undefined {
  const parsed = parseNumberLiteral(value);
  return parsed !== undefined && Number.isSafeInteger(parsed) && parsed >= min ? parsed : undefined;
}

/**
 * An integer ≥ `min` in a typed format (TOML, JSON): only a number of the format counts — a quoted
 * `"32"` is a string there, which the framework refuses (transformers, torchtitan).
 */
export function asTypedIntAtLeast(value: unknown, min: number): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min ? value : undefined;
}

/**
 * A count written in digits only — a launcher argument or `#SBATCH` value (`--nproc_per_node 8`,
 * `--nodes=2`): no sign, decimal point or exponent (`2-4` is a slurm range, `$N` the environment's),
 * exactly representable, ≥ `min`. Surrounding spaces are ignored.
 */
export function asDigitsInt(text: string | undefined, min = 1): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) && value >= min ? value : undefined;
}

/** A finite number, any sign (YAML 1.1 reads `1e8` as a string, so numeric strings count). */
export function asNumber(value: unknown): number | undefined {
  return parseNumberLiteral(value);
}

/** A boolean: the format's own, or the words true/false in any case. */
export function asBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return /^true$/i.test(value.trim());
  return undefined;
}

/** A boolean in a typed format (JSON): only the format's own — `"true"` is a string there. */
export function asTypedBool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** What a typed lookup expects, as the messages say it. */
export const EXPECTED = {
  positiveInt: 'a positive integer',
  number: 'a number',
  bool: 'true or false',
  name: 'a name',
  intAtLeast: (min: number) => (min === 1 ? 'a positive integer' : `an integer ≥ ${min}`),
} as const;

/** The outcome of typing one written value. */
export type Typed<T> =
  { kind: 'absent' } | { kind: 'value'; value: T } | { kind: 'rejected'; diagnostic: CoreDiagnostic };

/**
 * Type one written value under the policy above. `where` is its FieldSource (or the same shape):
 * `raw` the value as written (for the message), `key` the key as the file spells it, `valueRange`
 * where the diagnostic goes. An absent value (null/undefined) is `absent`; callers whose
 * format treats an empty value as an error type it themselves.
 */
export function typeWritten<T>(
  value: unknown,
  convert: (value: unknown) => T | undefined,
  expected: string,
  where: { key: string; raw: string; valueRange?: SourceRange },
  /** False for formats without interpolation (TOML): `${…}` there is just a wrong-typed string. */
  interpolates = true,
): Typed<T> {
  if (value === null || value === undefined) return { kind: 'absent' };
  if (interpolates && typeof value === 'string' && isInterpolation(value)) {
    return { kind: 'rejected', diagnostic: unresolvedInterpolation(where.key, where.raw, where.valueRange) };
  }
  const converted = convert(value);
  if (converted === undefined) {
    return {
      kind: 'rejected',
      diagnostic: invalidValue(where.key, expected, quoted(where.raw), where.valueRange),
    };
  }
  return { kind: 'value', value: converted };
}

/** File text quoted for a message: backticks inside become quotes so the quoting stays balanced. */
export function quoted(text: string, maxChars = 60): string {
  return `\`${text.slice(0, maxChars).replace(/`/g, "'")}\``;
}

/** `invalid-value`: "`key` should be <expected>, got <shown>." (`shown` already quoted). */
export function invalidValue(
  key: string,
  expected: string,
  shown: string,
  range?: SourceRange,
): CoreDiagnostic {
  return withRange(
    {
      severity: 'warning',
      code: 'invalid-value',
      message: `\`${key}\` should be ${expected}, got ${shown}.`,
    },
    range,
  );
}

/** `interpolation-unresolved`: the reader does not evaluate the interpolation, so the key is not used. */
export function unresolvedInterpolation(key: string, raw: string, range?: SourceRange): CoreDiagnostic {
  return withRange(
    {
      severity: 'warning',
      code: 'interpolation-unresolved',
      message: `${quoted(raw)} is an interpolation Scaling Lens does not evaluate: \`${key}\` is not analyzed.`,
    },
    range,
  );
}

/** `unknown-value`: a name outside the framework's known set (a norm, an activation). */
export function unknownWord(
  key: string,
  value: string,
  known: readonly string[],
  range?: SourceRange,
): CoreDiagnostic {
  return withRange(
    {
      severity: 'warning',
      code: 'unknown-value',
      message: `\`${key}\` is \`${value.slice(0, 40)}\`, which is not one of ${known.join(', ')}.`,
    },
    range,
  );
}

function withRange(diagnostic: CoreDiagnostic, range: SourceRange | undefined): CoreDiagnostic {
  if (range) diagnostic.range = range;
  return diagnostic;
}

// --- Rejected values make their part of the spec unknown -----------------------------------------

/** The part of the spec a lookup feeds. */
export type SpecPart = 'architecture' | 'training';

/** One written but unusable value: its key as written, where to put the diagnostic, which file. */
export interface Rejected {
  key: string;
  range?: SourceRange;
  /** " (in base.yml)" when the value is in another file (maxtext layering). */
  where?: string;
}

/**
 * The written-but-unusable values of one read, noted against the part of the spec they feed
 * (`phase` while that part is read, or explicitly). {@link finish} then removes that part: N or D
 * unknown, with a diagnostic on the first such value — the one rule of every reader.
 */
export class UnusableValues {
  /** Which part the current lookups feed ('other': a display name, a logging key). */
  phase: SpecPart | 'other' = 'other';
  readonly architecture: Rejected[] = [];
  readonly training: Rejected[] = [];

  /** Note a rejected value against `parts` (default: the current phase). */
  note(rejected: Rejected, parts: readonly (SpecPart | 'other')[] = [this.phase]): void {
    for (const part of new Set(parts)) if (part !== 'other') this[part].push(rejected);
  }

  /**
   * Remove the parts a rejected value feeds: the architecture (N unknown), and the token count with
   * its formula (D unknown; `missing` names the key). `clearBatch` also drops the batch facts when
   * the reader derives them from the same values (MaxText). Diagnostics go to `push`.
   */
  finish(
    spec: RunSpec,
    push: (diagnostic: CoreDiagnostic) => void,
    options: { clearBatch?: boolean; architectureRange?: SourceRange } = {},
  ): RunSpec {
    const [arch] = this.architecture;
    if (arch && spec.architecture) {
      delete spec.architecture;
      push(
        withRange(
          {
            severity: 'warning',
            code: 'architecture-unknown',
            message: `Parameters are not counted: \`${arch.key}\` is written but cannot be used${arch.where ?? ''}, and its default would give a wrong count.`,
          },
          arch.range ?? options.architectureRange,
        ),
      );
    }
    const [training] = this.training;
    if (training && (spec.training.tokens !== undefined || spec.training.formula !== undefined)) {
      delete spec.training.tokens;
      delete spec.training.formula;
      if (options.clearBatch) {
        delete spec.training.tokensPerStep;
        delete spec.training.globalBatchSeqs;
      }
      spec.training.missing = [`a usable \`${training.key}\``];
      push(
        withRange(
          {
            severity: 'warning',
            code: 'tokens-unknown',
            message: `Training tokens are not computed: \`${training.key}\` is written but cannot be used${training.where ?? ''}.`,
          },
          training.range,
        ),
      );
    }
    return spec;
  }
}

// --- Computations written once --------------------------------------------------------------------

/** Format an integer with thousands separators for formulas. */
export function formatInt(value: number): string {
  return Number.isSafeInteger(value) ? value.toLocaleString('en-US') : value.toExponential(4);
}

/**
 * The head width d_model / n_heads when it is a whole number; otherwise the message saying why not
 * (every framework's attention asserts divisibility: a fractional width means the file is wrong,
 * not a number to round). `names` are the two keys as the framework spells them.
 */
export function headWidth(
  dModel: number,
  nHeads: number,
  names: readonly [string, string],
  note = '',
): { headDim: number } | { message: string } {
  const headDim = dModel / nHeads;
  if (Number.isInteger(headDim) && headDim > 0) return { headDim };
  return { message: `${names[0]} ${dModel} is not divisible by ${names[1]} ${nHeads}${note}.` };
}

/**
 * The embedding rows of a Megatron-family model: the tokenizer's size rounded up to a multiple of
 * `make_vocab_size_divisible_by` × the tensor-parallel size, so each TP rank holds an equal, GPU
 * friendly slice. Written once for GPT-NeoX, Megatron, nanotron and NeMo (and HF phi-msft's
 * `pad_vocab_size_multiple` with `tp` 1). Source: NVIDIA/Megatron-LM
 * `megatron/core/tokenizers/utils/build_tokenizer.py` `vocab_size_with_padding` @ d98e8a64
 * (`multiple = make_vocab_size_divisible_by * tensor_model_parallel_size;
 * after = ceil(orig / multiple) * multiple`; older trees call it `_vocab_size_with_padding`).
 * A multiple that is not positive leaves the size as written (the callers' lookups only give
 * positive integers). `note`: the assumption to record when padding changed the size, in one
 * wording: `tpName` is how the framework names its tensor-parallel degree, `why` where the size
 * came from.
 */
export function padVocab(
  size: number,
  divisibleBy: number,
  tp: number,
  names: { tpName?: string; why?: string; sizeName?: string } = {},
): { rows: number; note?: string } {
  const multiple = divisibleBy * tp;
  const rows = multiple > 0 ? Math.ceil(size / multiple) * multiple : size;
  if (rows === size) return { rows };
  // phi-msft (tp 1, no parallel name) has only the one multiple.
  const of =
    tp === 1 && names.tpName === undefined
      ? `${divisibleBy}`
      : `${divisibleBy} × ${names.tpName ?? 'TP'} ${tp} = ${multiple}`;
  const why = names.why ? ` (${names.why})` : '';
  return {
    rows,
    note: `${names.sizeName ?? 'vocab'} ${size}${why} padded to a multiple of ${of}: ${rows} rows`,
  };
}

/**
 * Tokens of a run given in epochs: epochs × the dataset size from the settings
 * (`scalingLens.missing.datasetTokens`), or undefined when either is not a positive finite number
 * (the file never holds the dataset size; the caller reports it missing).
 */
export function epochsOverDataset(
  epochs: number,
  datasetTokens: number | undefined,
): { tokens: number; formula: string } | undefined {
  if (!(Number.isFinite(epochs) && epochs > 0)) return undefined;
  if (datasetTokens === undefined || !(Number.isFinite(datasetTokens) && datasetTokens > 0)) return undefined;
  return {
    tokens: epochs * datasetTokens,
    formula: `${epochs} epochs × ${formatInt(datasetTokens)} dataset tokens (from settings)`,
  };
}

/** A reader bug as the diagnostic every caller shows (the registry and the readers alike). */
export function readerFailed(framework: FrameworkId, label: string, error: unknown): ReadResult {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    kind: 'unreadable',
    framework,
    diagnostics: [
      {
        severity: 'error',
        code: 'reader-failed',
        message: `Scaling Lens could not read this ${label} config: ${detail}`,
      },
    ],
  };
}

/** `read` that never throws: a bug becomes {@link readerFailed}, which the user can report. */
export function neverThrows<C>(
  framework: FrameworkId,
  label: string,
  read: (text: string, context: C) => ReadResult,
): (text: string, context: C) => ReadResult {
  return (text, context) => {
    try {
      return read(text, context);
    } catch (error) {
      return readerFailed(framework, label, error);
    }
  };
}

/** A detector's score that never throws and is always a finite number (0 when it fails). */
export function safeScore(detect: () => number): number {
  try {
    const score = detect();
    return Number.isFinite(score) ? score : 0;
  } catch {
    return 0; // A detector bug must not hide the other frameworks.
  }
}

/** Marks readers built by {@link neverThrowing} (the folder test checks every registered reader). */
export const NEVER_THROWS: unique symbol = Symbol('never-throws');

/**
 * The reader with `detect` and `read` that never throw (the FrameworkReader contract), written once
 * for every reader: wrap the reader object where it is declared,
 * `export const xReader: FrameworkReader<'x'> = neverThrowing({ id: 'x', … })`.
 */
export function neverThrowing<R extends FrameworkReader<string>>(reader: R): R {
  return {
    ...reader,
    [NEVER_THROWS]: true,
    detect: (text: string, path: string | undefined) => safeScore(() => reader.detect(text, path)),
    read: neverThrows(reader.id as FrameworkId, reader.label, (text: string, context: ReadContext) =>
      reader.read(text, context),
    ),
  };
}
