import type { AST } from 'toml-eslint-parser';
import { torchtitanLayout } from './layout';
import { parseTomlCached } from '../../parseCache';
import type {
  ArchitectureSpec,
  CoreDiagnostic,
  FieldSource,
  ReadContext,
  ReadResult,
  RunSpec,
  SourceRange,
  TrainingSpec,
} from '../../../types';
import type { WrittenKey } from '../../inventory';
import type { FrameworkReader } from '../../reader';
import { torchtitanSchedule } from './schedule';
import { EXPECTED, UnusableValues, asTypedIntAtLeast, neverThrowing, typeWritten } from '../../readerPolicy';
import { LineIndex } from '../../text';
import {
  titanArchitecture,
  titanFlavorTable,
  titanKnownModel,
  TITAN_LEGACY_TOKENIZER_WORDS,
  type TitanEra,
} from './models';
import { checkRepoFlavor } from './repoFlavors';
import { titanFlavorVariants } from './versions';
import { countParams } from '../../../model/params';
import { TORCHTITAN_INVENTORY } from './inventory';
import { TITAN_KNOWN_TOML_KEYS } from './knownKeys';

/**
 * torchtitan `train_configs/*.toml` reader (the TOML era, up to Feb 2026). The file names a model
 * flavor from torchtitan's Python registry (generated into flavors.ts, built by
 * models.ts) and gives per-DP-rank batch sizes, so D needs the data-parallel degree, which
 * often depends on the GPU count. Keys the reader does not model are in torchtitan.inventory.ts.
 */

/** Keys by meaning: current (2026-02) spelling first, then legacy (2024-12) locations. */
const KEYS = {
  localBatch: ['training.local_batch_size', 'training.batch_size'],
  globalBatch: ['training.global_batch_size'],
  seqLen: ['training.seq_len'],
  steps: ['training.steps'],
  replicate: ['parallelism.data_parallel_replicate_degree', 'training.data_parallel_replicate_degree'],
  shard: [
    'parallelism.data_parallel_shard_degree',
    'training.data_parallel_shard_degree',
    'training.data_parallel_degree',
  ],
  tensor: ['parallelism.tensor_parallel_degree', 'training.tensor_parallel_degree'],
  pipeline: ['parallelism.pipeline_parallel_degree', 'experimental.pipeline_parallel_degree'],
  context: ['parallelism.context_parallel_degree', 'experimental.context_parallel_degree'],
} as const;

/**
 * Comments stating the GPU count: "# NOTE: this toml config is a preset for 64 A100 GPUs." The number
 * must stand alone so memory sizes ("80GB GPUs") are not read as counts.
 */
const GPU_COMMENT = /\b(\d+)(?:\s*x)?\s+(?:[A-Z][A-Za-z0-9-]*\s+)?GPUs?\b/i;

function detect(text: string, path: string | undefined): number {
  if (!/^\s*\[model\]\s*(#.*)?$/m.test(text) || !/^\s*flavor\s*=/m.test(text)) return 0;
  if (!/^\s*\[(training|job)\]\s*(#.*)?$/m.test(text)) return 0;
  let score = 0.9;
  if (path && /\.toml$/i.test(path)) score += 0.05;
  return score;
}

/** A scalar found at a dotted path, with its source. */
interface TomlFound {
  value: unknown;
  source: FieldSource;
}

/** Flat view `table.key` → key/value node over a parsed TOML program. */
class TomlView {
  readonly entries = new Map<string, AST.TOMLKeyValue>();
  readonly tables = new Map<string, AST.TOMLTable>();
  readonly usedKeys: FieldSource[] = [];
  readonly diagnostics: CoreDiagnostic[] = [];
  /** Keys written with a value of the wrong type (diagnosed); what they feed must not use a default. */
  /** Written but unusable values (the one policy, ../../readerPolicy.ts). */
  readonly unusable = new UnusableValues();

  constructor(
    program: AST.TOMLProgram,
    readonly lines: LineIndex,
  ) {
    for (const item of program.body[0].body) {
      if (item.type === 'TOMLKeyValue') this.addEntry([], item);
      else {
        const tablePath = item.resolvedKey.map(String);
        this.tables.set(tablePath.join('.'), item);
        for (const kv of item.body) this.addEntry(tablePath, kv);
      }
    }
  }

  private addEntry(prefix: string[], kv: AST.TOMLKeyValue): void {
    const keyPath = kv.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
    this.entries.set([...prefix, ...keyPath].join('.'), kv);
  }

  source(kv: AST.TOMLKeyValue): FieldSource {
    return {
      key: this.lines.text.slice(kv.key.range[0], kv.key.range[1]),
      keyRange: this.lines.range(kv.key.range[0], kv.key.range[1]),
      valueRange: this.lines.range(kv.value.range[0], kv.value.range[1]),
      raw: this.lines.text.slice(kv.value.range[0], kv.value.range[1]),
    };
  }

  get(paths: readonly string[]): TomlFound | undefined {
    for (const path of paths) {
      const kv = this.entries.get(path);
      if (!kv) continue;
      const source = this.source(kv);
      this.usedKeys.push(source);
      const node = kv.value;
      return { value: node.type === 'TOMLValue' ? node.value : undefined, source };
    }
    return undefined;
  }

  /** An integer (torchtitan degrees may be -1), with a diagnostic when the type is wrong. */
  int(paths: readonly string[], min: number): { value: number; source: FieldSource } | undefined {
    const found = this.get(paths);
    if (!found) return undefined;
    // TOML is typed: a quoted number is a string, which torchtitan's int fields refuse.
    return this.typed(found, (value) => asTypedIntAtLeast(value, min), EXPECTED.intAtLeast(min));
  }

  string(paths: readonly string[]): { value: string; source: FieldSource } | undefined {
    const found = this.get(paths);
    if (!found) return undefined;
    return this.typed(found, (value) => (typeof value === 'string' ? value : undefined), EXPECTED.name);
  }

  /** Type a found value under the shared policy; a rejected one is diagnosed and noted. */
  private typed<T>(
    found: TomlFound,
    convert: (value: unknown) => T | undefined,
    expected: string,
  ): { value: T; source: FieldSource } | undefined {
    // A table or array where a scalar belongs has no scalar value: invalid, not absent.
    const value = found.value === undefined ? { collection: found.source.raw } : found.value;
    // TOML has no interpolation: `"${…}"` is a string of the wrong type, as any other.
    const typed = typeWritten(value, convert, expected, found.source, false);
    if (typed.kind === 'value') return { value: typed.value, source: found.source };
    if (typed.kind === 'rejected') {
      this.diagnostics.push(typed.diagnostic);
      this.unusable.note({ key: found.source.key, range: found.source.valueRange });
    }
    return undefined;
  }

  tableRange(name: string): SourceRange | undefined {
    const table = this.tables.get(name);
    return table ? this.lines.range(table.range[0], table.range[1]) : undefined;
  }
}

/** Deepest array / inline-table nesting read; real configs nest two or three levels. */
const MAX_TOML_NESTING = 64;

/** Offset where `[`/`{` nesting (outside strings and comments) first exceeds the limit, if it does. */
function deepNestingOffset(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote || ch === '\n') quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') {
      const end = text.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end;
    } else if (ch === '[' || ch === '{') {
      if (++depth > MAX_TOML_NESTING) return i;
    } else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (ch === '\n' && depth > 0 && /^\s*\[/.test(text.slice(i + 1, i + 80))) {
      // A table header resets what an unclosed value left open.
      depth = 0;
    }
  }
  return undefined;
}

/**
 * Parse TOML; on a syntax error, report it and retry on the text before the offending line so a
 * half-typed file still yields what it already states.
 */
function parseWithRecovery(text: string): { program?: AST.TOMLProgram; diagnostics: CoreDiagnostic[] } {
  const diagnostics: CoreDiagnostic[] = [];
  let candidate = text;
  const tooDeep = deepNestingOffset(text);
  if (tooDeep !== undefined) {
    // Keep the lines before the runaway nesting (the recursive parser would overflow on it).
    const lines = new LineIndex(text);
    const at = lines.range(tooDeep, tooDeep).start;
    diagnostics.push({
      severity: 'error',
      code: 'toml-syntax',
      message: `TOML: arrays or inline tables nested deeper than ${MAX_TOML_NESTING} levels; the rest of the file is not read.`,
      range: { start: at, end: { line: at.line, character: at.character + 1 } },
    });
    candidate = text.slice(0, lines.offsetAt({ line: at.line, character: 0 }));
  }
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return { program: parseTomlCached(candidate), diagnostics };
    } catch (error) {
      const parseError = error as { message?: string; lineNumber?: number; column?: number };
      // Nesting deep enough to overflow the parser's stack: report it; retrying would overflow again.
      if (error instanceof RangeError) {
        diagnostics.push({
          severity: 'error',
          code: 'toml-syntax',
          message: 'TOML: nesting too deep to read.',
        });
        break;
      }
      const line = Math.max(0, (parseError.lineNumber ?? 1) - 1);
      if (attempt === 0) {
        diagnostics.push({
          severity: 'error',
          code: 'toml-syntax',
          message: `TOML: ${parseError.message ?? 'syntax error'}`,
          range: {
            start: { line, character: parseError.column ?? 0 },
            end: { line, character: (parseError.column ?? 0) + 1 },
          },
        });
      }
      // Keep the lines before the error; the offsets of what remains are unchanged.
      const cut = new LineIndex(candidate).offsetAt({ line, character: 0 });
      if (cut <= 0 || cut >= candidate.length) break;
      candidate = candidate.slice(0, cut);
    }
  }
  return { diagnostics };
}

/** Keys only the Dec 2024 job config has (config_manager.py @6a6f755d). */
const LEGACY_KEYS = [
  'training.batch_size',
  'model.norm_type',
  'training.warmup_steps',
  'training.data_parallel_degree',
  'training.data_parallel_shard_degree',
  'training.tensor_parallel_degree',
  'experimental.pipeline_parallel_degree',
  'experimental.context_parallel_degree',
];
/** Keys or tables only the later job config has (config/job_config.py @238fa995). */
const MODERN_KEYS = ['training.local_batch_size', 'model.hf_assets_path', 'training.global_batch_size'];
const MODERN_TABLES = ['parallelism', 'lr_scheduler', 'validation', 'quantize'];

/**
 * Which registry era the file's keys belong to: Dec 2024 when only its keys appear (or the model is
 * `llama2`, which only that era has), otherwise the last TOML era. `mixed` marks a file of an
 * intermediate version, whose debug flavors may differ from both tables.
 */
function eraOf(view: TomlView, modelName: string | undefined): { era: TitanEra; mixed: boolean } {
  const legacy = LEGACY_KEYS.some((k) => view.entries.has(k)) || view.entries.has('model.tokenizer_path');
  const modern =
    MODERN_KEYS.some((k) => view.entries.has(k)) || MODERN_TABLES.some((t) => view.tables.has(t));
  if (modelName === 'llama2' || (legacy && !modern)) return { era: '2024-12', mixed: false };
  return { era: '2026-02', mixed: legacy && modern };
}

/** The GPU count stated in a comment, with the comment's range. */
function gpusFromComments(text: string, lines: LineIndex): { gpus: number; source: FieldSource } | undefined {
  const commentLine = /^[ \t]*#[^\r\n]*/gm;
  let match: RegExpExecArray | null;
  while ((match = commentLine.exec(text)) !== null) {
    const found = GPU_COMMENT.exec(match[0]);
    if (!found) continue;
    const gpus = Number(found[1]);
    if (!(gpus > 0)) continue;
    const range = lines.range(match.index, match.index + match[0].length);
    return {
      gpus,
      source: { key: match[0].trim(), keyRange: range, valueRange: range, raw: found[0] },
    };
  }
  return undefined;
}

function read(text: string, context: ReadContext): ReadResult {
  const parsed = parseWithRecovery(text);
  if (!parsed.program)
    return { kind: 'unreadable', framework: 'torchtitan', diagnostics: parsed.diagnostics };
  const lines = new LineIndex(text);
  const view = new TomlView(parsed.program, lines);
  view.diagnostics.push(...parsed.diagnostics);
  const assumptions: string[] = [];
  const archSources: RunSpec['archSources'] = {};
  const trainingSources: RunSpec['trainingSources'] = {};

  // --- Architecture from [model] name + flavor ---------------------------------------------
  const nameFound = view.string(['model.name']);
  const flavorFound = view.string(['model.flavor']);
  const { era, mixed } = eraOf(view, nameFound?.value);
  let architecture: ArchitectureSpec | undefined;
  let modelName: string | undefined;
  const paramsMissing: string[] = [];
  if (nameFound && flavorFound) {
    modelName = `${nameFound.value} ${flavorFound.value}`;
    archSources.modelName = flavorFound.source;
    const normType = era === '2024-12' ? view.string(['model.norm_type']) : undefined;
    let built = titanArchitecture(era, nameFound.value, flavorFound.value, { normType: normType?.value });
    let unknown = 'unknown' in built ? built.unknown : undefined;
    let own: ReturnType<typeof checkRepoFlavor>;
    if (!('unknown' in built)) {
      // The flavor table of the checkout the config runs in, when the workspace has it (forks edit it).
      const table = titanFlavorTable(era, nameFound.value);
      // A version that sets vocab_size from the tokenizer: the released tokenizer's size when the
      // config loads it (not a test tokenizer), as for Dec 2024.
      const tokenizerAt =
        view.string(['model.tokenizer_path'])?.value ?? view.string(['model.hf_assets_path'])?.value;
      const released = TITAN_LEGACY_TOKENIZER_WORDS[nameFound.value];
      const tokenizerWords =
        released && tokenizerAt && !/(^|[\/])tests?[\/]/.test(tokenizerAt) ? released.words : undefined;
      own = table
        ? checkRepoFlavor(
            table,
            nameFound.value,
            flavorFound.value,
            built.flavorKey,
            context,
            era === '2024-12',
            tokenizerWords,
          )
        : undefined;
      if (own?.kind === 'unreadable') {
        unknown = `the repository's own flavor table (${own.reason})`;
      } else if (own?.kind === 'args') {
        let rebuilt: ReturnType<typeof titanArchitecture>;
        try {
          rebuilt = titanArchitecture(era, nameFound.value, flavorFound.value, {
            normType: normType?.value,
            args: own.args,
            argsSource: own.path,
          });
        } catch {
          rebuilt = { unknown: `the "${flavorFound.value}" arguments of ${own.path}` };
        }
        if ('unknown' in rebuilt) unknown = rebuilt.unknown;
        else if (JSON.stringify(rebuilt.architecture) !== JSON.stringify(built.architecture)) {
          built = rebuilt;
          view.diagnostics.push({
            severity: 'info',
            code: 'repo-flavor',
            message: `${modelName}: the repository's own flavor table ${own.path} differs from pytorch/torchtitan's; N follows it (${rebuilt.facts}).`,
            range: flavorFound.source.valueRange,
          });
        } else {
          assumptions.push(`${modelName}: the same in the repository's own flavor table ${own.path}`);
        }
      }
    }
    if (!unknown && !own && era === '2026-02' && !('unknown' in built)) {
      // No repository table to read: a flavor whose entry changed between versions with the same TOML.
      const here = countParams(built.architecture).total;
      for (const variant of titanFlavorVariants(nameFound.value, built.flavorKey)) {
        const written = [...view.entries.keys(), ...view.tables.keys()];
        if (variant.laterKeys.some((key) => written.some((k) => k === key || k.startsWith(`${key}.`))))
          continue;
        const args = titanFlavorTable(era, nameFound.value)?.flavors[built.flavorKey];
        if (!args) continue;
        let other: number | undefined;
        try {
          const rebuilt = titanArchitecture(era, nameFound.value, flavorFound.value, {
            normType: normType?.value,
            args: variant.edit(args),
          });
          if (!('unknown' in rebuilt)) other = countParams(rebuilt.architecture).total;
        } catch {
          other = undefined;
        }
        if (other === undefined || other === here) continue;
        view.diagnostics.push({
          // A count that differs by under 1% (a few biases, a debug vocab) is noted; more is a warning.
          severity: Math.abs(other - here) > here / 100 ? 'warning' : 'info',
          code: 'flavor-version',
          message:
            `${modelName}: N = ${here.toLocaleString('en-US')} is pytorch/torchtitan@238fa995's flavor; ` +
            `the same TOML at ${variant.window} builds ${variant.facts}: N = ${other.toLocaleString('en-US')}. ` +
            `Open the config inside its torchtitan checkout to read that checkout's flavor table.`,
          range: flavorFound.source.valueRange,
        });
      }
    }
    if (!unknown && mixed && /^debugmodel/.test(flavorFound.value)) {
      // Debug flavors changed between versions (8 → 6 layers, tokenizer vocab → 2048).
      unknown = `the ${flavorFound.value} flavor of this intermediate torchtitan version (Dec 2024 and Feb 2026 keys mixed)`;
    }
    if (!unknown && era === '2024-12') {
      // vocab = n_words of the tokenizer file; only the model's released tokenizer is known.
      const tokenizerPath = view.string(['model.tokenizer_path']);
      const tokenizer = TITAN_LEGACY_TOKENIZER_WORDS[nameFound.value];
      if (tokenizerPath && /(^|[\/])tests?[\/]/.test(tokenizerPath.value)) {
        unknown = `n_words of the tokenizer at ${tokenizerPath.value} (the vocab size of a Dec 2024 torchtitan model)`;
      } else if (tokenizer && !('unknown' in built)) {
        assumptions.push(
          `vocab ${tokenizer.words}: n_words of the ${tokenizer.tokenizer} that ${nameFound.value} loads` +
            (tokenizerPath ? ` from ${tokenizerPath.value}` : ''),
        );
      }
    }
    if (unknown) {
      paramsMissing.push(unknown);
      view.diagnostics.push({
        severity: 'warning',
        code: 'unknown-flavor',
        message: `unknown: ${unknown}; no parameter count.`,
        range: flavorFound.source.valueRange,
      });
    } else if (!('unknown' in built)) {
      architecture = built.architecture;
      for (const field of ['nLayers', 'dModel', 'nHeads', 'nKvHeads', 'ffnSize', 'vocabSize'] as const) {
        archSources[field] = flavorFound.source;
      }
      if (architecture.moe) {
        archSources.nExperts = flavorFound.source;
        archSources.expertsPerToken = flavorFound.source;
      }
      assumptions.push(`${modelName}: ${built.facts} from ${built.source}`);
    }
  } else {
    paramsMissing.push('[model] name and flavor');
    view.diagnostics.push({
      severity: 'warning',
      code: 'missing-model',
      message: '[model] needs name and flavor to determine the architecture.',
      range: view.tableRange('model'),
    });
  }

  // A [model] key torchtitan never defined (job_config.py Model @238fa995: name, flavor, hf_assets_path,
  // tokenizer_path, converters, print_after_conversion; config_manager.py @6a6f755d adds norm_type) is
  // read by a fork's own model code (a `[model.args]` override table, a new option), which the flavor
  // table does not show.
  if (architecture) {
    const forkKeys = [...view.entries.keys()].filter(
      (key) => key.startsWith('model.') && !UPSTREAM_MODEL_KEYS.has(key),
    );
    if (forkKeys.length) {
      const first = view.entries.get(forkKeys[0]!)!;
      const named = forkKeys.slice(0, 4).join(', ') + (forkKeys.length > 4 ? ', ...' : '');
      architecture = undefined;
      for (const field of Object.keys(archSources) as (keyof typeof archSources)[]) {
        if (field !== 'modelName') delete archSources[field];
      }
      paramsMissing.push(`${named} (not a torchtitan [model] key: a fork's model option)`);
      view.diagnostics.push({
        severity: 'warning',
        code: 'not-modelled-key',
        message: `unknown: ${named} — not a key of torchtitan's [model] config at any version (name, flavor, norm_type, tokenizer_path, hf_assets_path, converters, print_after_conversion); a fork's model code reads it, so N is not shown.`,
        range: view.source(first).keyRange,
      });
    }
  }

  // --- Training length: [training] only ([validation] has its own steps/seq_len) -------------
  view.unusable.phase = 'training';
  const stepsFound = view.int(KEYS.steps, 0);
  const localBatch = view.int(KEYS.localBatch, 1);
  const seqLen = view.int(KEYS.seqLen, 1);
  const globalBatch = view.int(KEYS.globalBatch, -1);
  const replicate = view.int(KEYS.replicate, 1)?.value ?? 1;
  const shardFound = view.int(KEYS.shard, -1);
  const shard = shardFound?.value ?? -1;
  const tp = view.int(KEYS.tensor, 1)?.value ?? 1;
  const pp = view.int(KEYS.pipeline, 1)?.value ?? 1;
  const cp = view.int(KEYS.context, 1)?.value ?? 1;
  if (stepsFound) {
    trainingSources.steps = stepsFound.source;
    trainingSources.duration = stepsFound.source;
  }
  if (localBatch) trainingSources.microBatch = localBatch.source;
  if (seqLen) trainingSources.seqLen = seqLen.source;
  if (globalBatch && globalBatch.value > 0) trainingSources.globalBatch = globalBatch.source;
  if (shardFound) trainingSources.dataParallel = shardFound.source;

  const training: TrainingSpec = { steps: stepsFound?.value, seqLen: seqLen?.value };
  const missing: string[] = [];
  if (!stepsFound) missing.push('training steps');
  if (!localBatch && !(globalBatch && globalBatch.value > 0)) missing.push('batch size');
  if (!seqLen) missing.push('sequence length');

  // Data-parallel degree: explicit shard degree fixes it; -1 means "all remaining ranks".
  const modelParallel = tp * pp * cp;
  let dataParallel: number | undefined;
  let dpText = '';
  // ParallelDims._validate: dp_shard must be -1 or ≥ 1; -1 becomes world // (dp_replicate·cp·tp·pp)
  // and dp_replicate·dp_shard·cp·tp·pp must equal the world size.
  let invalidRun = false;
  if (shard === 0) {
    invalidRun = true;
    missing.push('unknown: data_parallel_shard_degree = 0 (torchtitan asserts -1 or ≥ 1)');
    view.diagnostics.push({
      severity: 'warning',
      code: 'invalid-parallelism',
      message: 'data_parallel_shard_degree = 0: torchtitan asserts "dp_shard must -1 or >=1"; D not shown.',
      range: shardFound?.source.valueRange,
    });
  } else if (shard > 0) {
    dataParallel = replicate * shard;
    training.gpus = dataParallel * modelParallel;
    dpText = `DP ${dataParallel} (replicate ${replicate} × shard ${shard})`;
  } else {
    const comment = gpusFromComments(text, lines);
    const gpus = comment?.gpus ?? context.options?.gpus;
    if (gpus !== undefined) {
      training.gpus = gpus;
      if (gpus % (replicate * modelParallel) !== 0) {
        view.diagnostics.push({
          severity: 'warning',
          code: 'invalid-parallelism',
          message:
            replicate > 1
              ? `${gpus} GPUs are not divisible by data_parallel_replicate_degree×TP×PP×CP = ${replicate * modelParallel}.`
              : `${gpus} GPUs are not divisible by TP×PP×CP = ${modelParallel}.`,
          range: comment?.source.keyRange ?? shardFound?.source.valueRange,
        });
      } else {
        dataParallel = gpus / modelParallel;
        const origin = comment ? `${gpus} GPUs from the comment` : `${gpus} GPUs from settings`;
        dpText = `DP ${dataParallel} (${origin} / TP ${tp}·PP ${pp}·CP ${cp})`;
        if (comment) {
          trainingSources.gpus = comment.source;
          assumptions.push(`world size ${gpus} GPUs taken from the comment "${comment.source.key}"`);
        } else {
          assumptions.push(`world size ${gpus} GPUs from settings (the file does not state it)`);
        }
      }
    }
  }

  // Trainer.__init__ (train.py): global_batch_size < 0 means local × DP; otherwise it must be
  // positive and a multiple of local_batch_size (default 8) × DP, or the run stops at an assertion.
  const localForCheck = localBatch?.value ?? (view.entries.has('training.local_batch_size') ? undefined : 8);
  if (globalBatch && globalBatch.value === 0) {
    invalidRun = true;
    missing.push('unknown: global_batch_size = 0 (torchtitan asserts global_batch_size > 0)');
    view.diagnostics.push({
      severity: 'warning',
      code: 'invalid-batch',
      message: 'global_batch_size = 0: torchtitan asserts global_batch_size > 0; D not shown.',
      range: globalBatch.source.valueRange,
    });
  } else if (
    globalBatch &&
    globalBatch.value > 0 &&
    dataParallel !== undefined &&
    localForCheck !== undefined &&
    globalBatch.value % (localForCheck * dataParallel) !== 0
  ) {
    invalidRun = true;
    missing.push(
      `unknown: global_batch_size ${globalBatch.value} is not a multiple of local_batch_size ${localForCheck} × DP ${dataParallel}`,
    );
    view.diagnostics.push({
      severity: 'warning',
      code: 'invalid-batch',
      message: `global_batch_size ${globalBatch.value} is not a multiple of local_batch_size (${localForCheck}) × data-parallel degree (${dataParallel}): torchtitan stops at its "global batch size must be multiple of local batch size times data-parallel degree" assertion; D not shown.`,
      range: globalBatch.source.valueRange,
    });
  }

  // D = steps × batch × seq_len is how the registry models' TrainSpecs load data (the looping text
  // dataloader, hf_datasets/text_datasets.py, sequences of exactly seq_len). Other model names
  // (flux images, the vlm experiment's padded multimodal batches, ...) bring their own dataloader.
  if (nameFound && !titanKnownModel(era, nameFound.value) && !invalidRun) {
    invalidRun = true;
    missing.push(
      `unknown: tokens per step of torchtitan model \`${nameFound.value.slice(0, 60)}\` (its TrainSpec's own dataloader)`,
    );
  }

  // torchtitan has no gradient-accumulation key (train.py accumulates only to fill
  // training.global_batch_size; neither job_config.py @238fa995 nor config_manager.py @6a6f755d defines
  // one): a `*accum*` key is a fork's, multiplying the tokens per step in its own train loop.
  if (!invalidRun) {
    for (const [key, kv] of view.entries) {
      const leaf = key.slice(key.lastIndexOf('.') + 1);
      if (!/accum/i.test(leaf)) continue;
      const value = kv.value.type === 'TOMLValue' ? kv.value.value : undefined;
      if (value === 1 || value === null || value === false) continue;
      invalidRun = true;
      missing.push(`unknown: ${key} (a fork's gradient accumulation; not a torchtitan key)`);
      view.diagnostics.push({
        severity: 'warning',
        code: 'not-modelled-key',
        message: `unknown: ${key} = ${String(value ?? '<collection>')} — torchtitan has no such key; the fork that reads it accumulates gradients in its own loop, so tokens per step are not steps × batch × seq_len × DP. D not shown.`,
        range: view.source(kv).keyRange,
      });
      break;
    }
  }

  // A key no torchtitan version defines (knownKeys.ts), outside [model] (whose fork keys make N
  // unknown above): the fork's own trainer reads it (NousResearch/torchtitan@1284e197
  // docs/batch_size_scheduler/debug_linear.toml `[batch_size_scheduler] mode = "linear"`,
  // `start_batch_size = 8`: the batch ramps up to global_batch_size). Switches left off (false, 0,
  // '', an empty list) are not counted.
  if (!invalidRun) {
    const fork = [...view.entries].filter(([key, kv]) => {
      if (key.startsWith('model.') || TITAN_KNOWN_TOML_KEYS.has(key)) return false;
      // Gradient-accumulation keys are judged above (1 accumulates nothing).
      if (/accum/i.test(key.slice(key.lastIndexOf('.') + 1))) return false;
      const value = kv.value.type === 'TOMLValue' ? kv.value.value : undefined;
      if (value === false || value === 0 || value === '' || value === null) return false;
      if (kv.value.type === 'TOMLArray' && kv.value.elements.length === 0) return false;
      return true;
    });
    if (fork.length) {
      invalidRun = true;
      const named = fork
        .slice(0, 4)
        .map(([key]) => key)
        .join(', ');
      missing.push(`unknown: ${named}${fork.length > 4 ? ', …' : ''} (keys no torchtitan version defines)`);
      view.diagnostics.push({
        severity: 'warning',
        code: 'not-modelled-key',
        message: `unknown: ${named}${fork.length > 4 ? `, … (${fork.length} keys)` : ''} — no torchtitan version defines ${fork.length === 1 ? 'this key' : 'these keys'} (torchtitan refuses keys outside its JobConfig); the fork that reads ${fork.length === 1 ? 'it' : 'them'} may change the batch or the steps, so D is not shown.`,
        range: view.source(fork[0]![1]).keyRange,
      });
    }
  }

  if (invalidRun) {
    // The run would not start, or its tokens per step are not steps × batch × seq_len: no D.
  } else if (stepsFound && seqLen && globalBatch && globalBatch.value > 0) {
    // An explicit global batch fixes tokens per step; DP only decides gradient accumulation.
    training.globalBatchSeqs = globalBatch.value;
    training.tokensPerStep = globalBatch.value * seqLen.value;
    training.tokens = stepsFound.value * training.tokensPerStep;
    training.formula = `steps(${stepsFound.value}) × global_batch_size(${globalBatch.value}) × seq_len(${seqLen.value}) = ${fmt(training.tokens)} tokens`;
  } else if (stepsFound && seqLen && localBatch) {
    const perRankTokens = stepsFound.value * localBatch.value * seqLen.value;
    const perRank = `steps(${stepsFound.value}) × local_batch_size(${localBatch.value}) × seq_len(${seqLen.value})`;
    if (dataParallel !== undefined) {
      training.globalBatchSeqs = localBatch.value * dataParallel;
      training.tokensPerStep = training.globalBatchSeqs * seqLen.value;
      training.tokens = perRankTokens * dataParallel;
      training.formula = `${perRank} × ${dpText} = ${fmt(training.tokens)} tokens`;
    } else {
      missing.push('GPU count');
      training.formula = `${perRank} = ${fmt(perRankTokens)} tokens per DP rank × DP (data_parallel_shard_degree = -1: GPU count unknown)`;
      view.diagnostics.push({
        severity: 'info',
        code: 'missing-gpus',
        message:
          `Training tokens depend on the GPU count (data_parallel_shard_degree = -1): ${fmt(perRankTokens)} tokens per ` +
          'data-parallel rank. Set the GPU count to compute D.',
        range: stepsFound.source.keyRange,
      });
    }
  }
  if (training.tokensPerStep !== undefined) {
    training.durationUnit = { kind: 'steps', tokensPerUnit: training.tokensPerStep, suffix: '' };
  } else if (stepsFound) {
    training.durationUnit = { kind: 'steps', suffix: '' };
  }
  if (missing.length) training.missing = missing;

  const spec: RunSpec = {
    framework: 'torchtitan',
    modelName,
    architecture,
    training,
    archSources,
    trainingSources,
    usedKeys: view.usedKeys,
    assumptions,
    diagnostics: view.diagnostics,
    modelSectionRange: view.tableRange('model'),
  };
  // A batch, length or parallelism key written with a wrong type must not fall back to its default.
  view.unusable.finish(spec, (diagnostic) => view.diagnostics.push(diagnostic));
  if (paramsMissing.length) spec.paramsMissing = paramsMissing;
  return { kind: 'run-config', spec, written: writtenKeys(view) };
}

/** `[model]` keys of torchtitan's own config at any TOML version (job_config.py, config_manager.py). */
const UPSTREAM_MODEL_KEYS: ReadonlySet<string> = new Set([
  'model.name',
  'model.flavor',
  'model.norm_type',
  'model.tokenizer_path',
  'model.hf_assets_path',
  'model.converters',
  'model.print_after_conversion',
]);

/** Converters that keep every parameter (registered by components/quantization @238fa995). */
const QUANTIZATION_CONVERTER = /^(quantize\.(linear|grouped_mm)\.(float8|mx)|float8|mx)$/;

/**
 * Every key the TOML writes, as `table.key`, for the inventory. Arrays and inline tables are
 * collections, except `model.converters`, reduced to its first converter that is not a
 * quantization one (null when all are).
 */
function writtenKeys(view: TomlView): WrittenKey[] {
  const out: WrittenKey[] = [];
  for (const [key, kv] of view.entries) {
    const node = kv.value;
    let value: unknown = node.type === 'TOMLValue' ? node.value : '<collection>';
    if (key === 'model.converters' && node.type === 'TOMLArray') {
      const names = node.elements.map((e) => (e.type === 'TOMLValue' ? String(e.value) : '<collection>'));
      value = names.find((name) => !QUANTIZATION_CONVERTER.test(name)) ?? null;
    }
    out.push({ key, value, source: view.source(kv) });
  }
  return out;
}

function fmt(value: number): string {
  return value.toLocaleString('en-US');
}

/** The torchtitan TOML reader. */
export const torchtitanReader: FrameworkReader<'torchtitan'> = neverThrowing({
  id: 'torchtitan',
  label: 'torchtitan',
  detect,
  read,
  inventory: TORCHTITAN_INVENTORY,
  layout: torchtitanLayout,
  schedule: torchtitanSchedule,
});
