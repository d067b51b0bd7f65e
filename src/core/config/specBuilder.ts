import { isScalar, type Node } from 'yaml';
import type {
  ArchField,
  CoreDiagnostic,
  FieldSource,
  FrameworkId,
  ReadContext,
  RunSpec,
  Severity,
  SourceRange,
  TrainingField,
} from '../types';
import { getNode, lookup, type Located, type YamlSource } from './yamlSource';
import {
  EXPECTED,
  UnusableValues,
  asBool,
  asNumber,
  asPositiveInt,
  headWidth,
  invalidValue,
  isInterpolation,
  quoted,
  typeWritten,
  unknownWord,
  unresolvedInterpolation,
} from './readerPolicy';

export { formatInt, isInterpolation } from './readerPolicy';

/**
 * Shared plumbing for the YAML-based readers (GPT-NeoX, OLMo, llm-foundry, Levanter, DeepSpeed,
 * torchtune, Axolotl, nanotron, NeMo): a RunSpec under construction plus typed lookups that record
 * where every value came from. How a written value is typed and rejected is ./readerPolicy.ts, the
 * one policy the readers of other formats follow too.
 */

/** A path of mapping keys; a segment may list aliases (`['gas', 'gradient_accumulation_steps']`). */
export type KeyPath = readonly (string | readonly string[])[];

/** Where a looked-up value should be recorded in the spec. */
export interface RecordAs {
  arch?: ArchField;
  training?: TrainingField;
}

/** A typed value with its source. */
export interface Sourced<T> {
  value: T;
  source: FieldSource;
}

/** Options of a {@link SpecBuilder}. */
export interface SpecBuilderOptions {
  /** NeoX treats '-' and '_' in keys alike. */
  hyphenInsensitive?: boolean;
  /** Key path prepended to every lookup (llm-foundry mcli files wrap the config in `parameters:`). */
  root?: readonly string[];
  /** Rewrites a located value before typing it (OmegaConf interpolation). */
  resolve?: (located: Located) => Located | undefined;
}

/** Builds a RunSpec while reading a YAML document; every lookup records its source. */
export class SpecBuilder {
  readonly spec: RunSpec;
  /** Rewrites a located value before typing it (OmegaConf interpolation); settable after construction. */
  resolve?: (located: Located) => Located | undefined;
  /**
   * Written but unusable values (invalid, unresolvable): each poisons the part of the spec it feeds
   * in {@link finish}, since substituting the framework default would print a confident, wrong number.
   */
  private readonly unusable = new UnusableValues();

  constructor(
    framework: FrameworkId,
    readonly yaml: YamlSource,
    readonly options: SpecBuilderOptions = {},
  ) {
    this.spec = {
      framework,
      training: {},
      archSources: {},
      trainingSources: {},
      usedKeys: [],
      assumptions: [],
      diagnostics: [...yaml.diagnostics],
    };
    this.resolve = options.resolve;
  }

  /** The located value at `path` (under the builder's root), recorded as used; undefined when absent. */
  find(path: KeyPath, recordAs: RecordAs = {}): Located | undefined {
    const fullPath = [...(this.options.root ?? []), ...path];
    let located = lookup(this.yaml, fullPath, this.options.hyphenInsensitive);
    if (!located) return undefined;
    if (this.resolve) {
      const resolved = this.resolve(located);
      // The resolver diagnosed the unresolvable reference; the key is still written.
      if (!resolved) this.reject(located.source, recordAs);
      located = resolved;
    }
    if (!located) return undefined;
    this.record(located.source, recordAs);
    return located;
  }

  /** Which part of the spec the current lookups feed (see ./readerPolicy.ts UnusableValues). */
  get phase(): 'architecture' | 'training' | 'other' {
    return this.unusable.phase;
  }
  set phase(phase: 'architecture' | 'training' | 'other') {
    this.unusable.phase = phase;
  }

  /** Note a written but unusable value (already diagnosed) against the parts of the spec it feeds. */
  reject(source: FieldSource, recordAs: RecordAs = {}): void {
    const parts: ('architecture' | 'training' | 'other')[] = [this.phase];
    // A display name (`run_name`) does not change the count.
    if (recordAs.arch && recordAs.arch !== 'modelName') parts.push('architecture');
    if (recordAs.training) parts.push('training');
    this.unusable.note({ key: source.key, range: source.valueRange }, parts);
  }

  /**
   * A written value the framework itself refuses (or does not know): diagnosed where it is written
   * (its value, unless `range` says otherwise) and rejected, so what it feeds becomes unknown.
   */
  refuse(
    source: FieldSource,
    message: string,
    options: { severity?: Severity; code?: string; range?: SourceRange; recordAs?: RecordAs } = {},
  ): void {
    this.diagnose(
      options.severity ?? 'warning',
      options.code ?? 'invalid-value',
      message,
      options.range ?? source.valueRange,
    );
    this.reject(source, options.recordAs);
  }

  /**
   * Finish the spec: when a value the architecture or the training length depends on is written but
   * unusable, that result becomes unknown with a diagnostic instead of silently using a default.
   */
  finish(): RunSpec {
    return this.unusable.finish(this.spec, (diagnostic) => this.spec.diagnostics.push(diagnostic));
  }

  /**
   * True when the key is written in the file, even if its value cannot be used (e.g. an unresolvable
   * interpolation): such a key must not be replaced by the framework default.
   */
  has(path: KeyPath): boolean {
    return (
      lookup(this.yaml, [...(this.options.root ?? []), ...path], this.options.hyphenInsensitive) !== undefined
    );
  }

  /**
   * d_model / n_heads when it is a whole number; otherwise an 'invalid-value' error on the heads
   * value and undefined (a fractional head width means the file is wrong, not a number to round).
   */
  headDim(
    dModel: Sourced<number> | number,
    nHeads: Sourced<number> | number,
    names: [string, string],
    range?: SourceRange,
  ): number | undefined {
    const d = typeof dModel === 'number' ? dModel : dModel.value;
    const h = typeof nHeads === 'number' ? nHeads : nHeads.value;
    const width = headWidth(d, h, names);
    if ('headDim' in width) return width.headDim;
    this.diagnose(
      'error',
      'invalid-value',
      width.message,
      range ?? (typeof nHeads === 'number' ? undefined : nHeads.source.valueRange),
    );
    return undefined;
  }

  /** Record a source as used, and as the source of an architecture or training fact. */
  record(source: FieldSource, recordAs: RecordAs = {}): void {
    if (!this.spec.usedKeys.includes(source)) this.spec.usedKeys.push(source);
    if (recordAs.arch) this.spec.archSources[recordAs.arch] = source;
    if (recordAs.training) this.spec.trainingSources[recordAs.training] = source;
  }

  /** A positive integer at `path`; a present but invalid value yields an 'invalid-value' diagnostic. */
  int(path: KeyPath, recordAs: RecordAs = {}): Sourced<number> | undefined {
    return this.typed(path, recordAs, EXPECTED.positiveInt, asPositiveInt);
  }

  /** A finite number at `path` (any sign). */
  number(path: KeyPath, recordAs: RecordAs = {}): Sourced<number> | undefined {
    return this.typed(path, recordAs, EXPECTED.number, asNumber);
  }

  /** A boolean at `path` (YAML 1.1 / Python spellings already parsed as booleans). */
  bool(path: KeyPath, recordAs: RecordAs = {}): Sourced<boolean> | undefined {
    return this.typed(path, recordAs, EXPECTED.bool, asBool);
  }

  /** A string at `path` (numbers are stringified; null/empty count as absent). */
  string(path: KeyPath, recordAs: RecordAs = {}): Sourced<string> | undefined {
    const located = this.find(path, recordAs);
    if (!located || located.value === null || located.value === undefined || located.value === '')
      return undefined;
    if (typeof located.value === 'string') {
      if (!this.resolve && isInterpolation(located.value)) {
        this.spec.diagnostics.push(
          unresolvedInterpolation(located.source.key, located.source.raw, located.source.valueRange),
        );
        this.reject(located.source, recordAs);
        return undefined;
      }
      return { value: located.value, source: located.source };
    }
    if (typeof located.value === 'number' || typeof located.value === 'boolean') {
      return { value: String(located.value), source: located.source };
    }
    this.spec.diagnostics.push(
      invalidValue(located.source.key, EXPECTED.name, quoted(located.source.raw), located.source.valueRange),
    );
    this.reject(located.source, recordAs);
    return undefined;
  }

  /**
   * A name that must be one of `known` (a norm, an activation): an unknown one is diagnosed and
   * rejected like an invalid value, since the framework would refuse it and a default would miscount.
   */
  oneOf(path: KeyPath, known: readonly string[], recordAs: RecordAs = {}): Sourced<string> | undefined {
    const found = this.string(path, recordAs);
    if (!found || known.includes(found.value.toLowerCase())) return found;
    this.spec.diagnostics.push(unknownWord(found.source.key, found.value, known, found.source.valueRange));
    this.reject(found.source, recordAs);
    return undefined;
  }

  private typed<T>(
    path: KeyPath,
    recordAs: RecordAs,
    expected: string,
    convert: (value: unknown) => T | undefined,
  ): Sourced<T> | undefined {
    const located = this.find(path, recordAs);
    // A key with an empty value (`train_batch_size:`) is treated as not set, like the frameworks do.
    // An interpolation only gets here in readers without a resolver (a resolver resolves or
    // diagnoses it in find()).
    if (!located) return undefined;
    const typed = typeWritten(located.value, convert, expected, located.source);
    if (typed.kind === 'absent') return undefined;
    if (typed.kind === 'rejected') {
      this.reject(located.source, recordAs);
      this.spec.diagnostics.push(typed.diagnostic);
      return undefined;
    }
    return { value: typed.value, source: located.source };
  }

  /** Add a diagnostic. */
  diagnose(severity: Severity, code: string, message: string, range?: SourceRange): void {
    const diagnostic: CoreDiagnostic = { severity, code, message };
    if (range) diagnostic.range = range;
    this.spec.diagnostics.push(diagnostic);
  }

  /** Record an assumption (a default applied, a value taken from a comment). */
  assume(text: string): void {
    if (!this.spec.assumptions.includes(text)) this.spec.assumptions.push(text);
  }

  /** Range covering a top-level section (`model:`), key through value. */
  sectionRange(path: readonly string[]): SourceRange | undefined {
    const pair = getNode(this.yaml, [...(this.options.root ?? []), ...path], this.options.hyphenInsensitive);
    if (!pair) return undefined;
    const key = pair.key as Node;
    const value = (pair.value ?? pair.key) as Node;
    const start = key.range?.[0] ?? 0;
    const end = value.range?.[1] ?? key.range?.[1] ?? start;
    return this.yaml.lines.range(start, end);
  }
}

/**
 * An OmegaConf interpolation resolver over one YAML document: `${a.b}` is looked up from `root`
 * (the document root, or `parameters:` in mcli run files, falling back to the document root).
 * Only whole-value references to plain keys are resolved; resolvers (`${oc.env:...}`) and string
 * concatenation stay unresolved. Unresolvable references in values the analysis needs become an
 * 'interpolation-unresolved' diagnostic on the value. The returned located value keeps the
 * original key but takes the value and value range of the definition it points at.
 */
export function omegaConfResolver(
  yaml: YamlSource,
  diagnostics: CoreDiagnostic[],
  roots: readonly (readonly string[])[] = [[]],
): (located: Located) => Located | undefined {
  return (located) => {
    let current: Located = located;
    const seen = new Set<string>();
    for (let hops = 0; hops < 10; hops++) {
      const value = current.value;
      if (typeof value !== 'string' || !isInterpolation(value)) break;
      const match = /^\s*\$\{([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\}\s*$/.exec(value);
      const reference = match?.[1];
      let target: Located | undefined;
      if (reference && !seen.has(reference)) {
        seen.add(reference);
        const parts = reference.split('.');
        for (const root of roots) {
          target = lookup(yaml, [...root, ...parts]);
          if (target) break;
        }
      }
      if (!target || target.value === null || target.value === undefined || target.value === '') {
        diagnostics.push({
          severity: 'warning',
          code: 'interpolation-unresolved',
          message: reference
            ? `Cannot resolve \`${value.trim()}\` in this file: \`${located.source.key}\` is not analyzed.`
            : `\`${value.trim()}\` uses an OmegaConf resolver or string interpolation that Scaling Lens does not evaluate.`,
          range: located.source.valueRange,
        });
        return undefined;
      }
      current = target;
    }
    if (current === located) return located;
    return {
      value: current.value,
      node: current.node,
      source: {
        ...located.source,
        // Editing the definition changes the value; keep the original key for hovers.
        valueRange: current.source.valueRange,
        raw: current.source.raw,
      },
    };
  };
}

/** The tag of a YAML node (`!include`), if any. */
export function nodeTag(node: unknown): string | undefined {
  return isScalar(node) ? (node as { tag?: string }).tag : undefined;
}

/**
 * Resolve `relative` against the directory of `base` (POSIX separators, URIs kept); no node:path so
 * the core also runs in the browser.
 */
export function resolveSiblingPath(base: string | undefined, relative: string): string {
  if (/^([a-z]+:)?\//i.test(relative) || !base) return relative;
  const normalizedBase = base.replace(/\\/g, '/');
  const dir = normalizedBase.includes('/') ? normalizedBase.slice(0, normalizedBase.lastIndexOf('/')) : '.';
  const parts = `${dir}/${relative}`.split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..' && out.length && out[out.length - 1] !== '..' && out[out.length - 1] !== '') out.pop();
    else if (part !== '.') out.push(part);
  }
  return out.join('/');
}

/** The GPU count the reader should use: the file's own statement first, then the user's setting. */
export function optionGpus(context: ReadContext): number | undefined {
  const gpus = context.options?.gpus;
  return gpus !== undefined && Number.isInteger(gpus) && gpus > 0 ? gpus : undefined;
}
