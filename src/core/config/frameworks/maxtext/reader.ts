import { isMap, isScalar, parse as parseYamlValue, type Node, type Pair } from 'yaml';
import type {
  ArchField,
  ArchitectureSpec,
  CoreDiagnostic,
  FieldSource,
  ReadContext,
  ReadResult,
  RunSpec,
  SourceRange,
  TrainingField,
  TrainingSpec,
} from '../../../types';
import type { FrameworkReader } from '../../reader';
import { maxtextSchedule } from './schedule';
import { maxtextLayout } from './layout';
import { rememberLayers } from './specLayers';
import type { WrittenKey } from '../../inventory';
import { nodeValue, pairSource, parseYaml } from '../../yamlSource';
import { parseNumberLiteral } from '../../values';
import {
  neverThrowing,
  EXPECTED,
  UnusableValues,
  asBool,
  asNumber,
  asPositiveInt,
  invalidValue,
  quoted,
  type SpecPart,
} from '../../readerPolicy';
import {
  MAXTEXT_BASE_DEFAULTS,
  MAXTEXT_DECODER_BLOCKS,
  MAXTEXT_FULL_CONFIG_KEYS,
  MAXTEXT_MODEL_FILES,
  MAXTEXT_SIGNATURE_KEYS,
} from './tables';
import { parseShell, type ShellField, type ShellVariable } from '../../shell';
import { MAXTEXT_INVENTORY } from './inventory';
import { MAXTEXT_KNOWN_KEYS } from './knownKeys';

/**
 * MaxText reader: YAML configs (base.yml, configs/models/*.yml, copies of base.yml) and shell
 * launchers that run `python3 -m maxtext.trainers.pre_train.train src/maxtext/configs/base.yml
 * key=value ...` (or an older layout's `python3 MaxText/train.py MaxText/configs/base.yml ...`).
 *
 * MaxText (pyconfig.py) layers its settings: the config file named on the command line (base.yml)
 * ← configs/models/<model_name>.yml ← `key=value` arguments. Sibling files are read through
 * ctx.readFile; when they cannot be read, built-in copies of the relevant keys (tables.ts)
 * stand in and the assumptions say so.
 */

/** One value with its provenance. */
export interface LayerValue {
  value: unknown;
  /** Absent for built-in defaults. */
  source?: FieldSource;
  /** The value is a shell expansion we cannot know (`steps=$STEPS` with STEPS from the caller). */
  unresolved?: boolean;
  /** MaxText refuses the value (set twice by layers that may not both set it): why. */
  refused?: string;
}

/** One layer of settings (built-in defaults, a YAML file, the command line). */
export interface Layer {
  label: string;
  values: Map<string, LayerValue>;
  /**
   * The root of the config chain (the base.yml, or the full config, the others inherit from): its
   * values are the defaults of the MaxText version the file comes from.
   */
  base?: boolean;
}

/** Mark the first of a config chain's layers (parents first) as its base.yml. */
function markBase(chain: Layer[]): Layer[] {
  if (chain[0]) chain[0].base = true;
  return chain;
}

/**
 * The pre-training entry points of each MaxText layout, as a field of the launch command:
 * - google/maxtext (to Sep 2025): `python3 MaxText/train.py`, `python3 -m MaxText.train`;
 * - AI-Hypercomputer/maxtext 28e5097a (Sep 2025, "Move to src layout") to b6cfc158 (Feb 2026):
 *   `python3 -m MaxText.train src/MaxText/configs/base.yml`, `python3 src/MaxText/train.py`;
 * - since 3532d642 (Feb 2026, "Migrate MaxText/train.py to maxtext/trainers/pre_train/train.py"),
 *   read at e591f30c: `python3 -m maxtext.trainers.pre_train.train` (or `.train_compile`),
 *   `python3 src/maxtext/trainers/pre_train/train.py`, `python3 maxtext/trainers/pre_train/train.py`.
 */
const TRAIN_MARKER = new RegExp(
  [
    String.raw`(^|/)MaxText/(?:[\w.-]+/)*train(?:_compile)?\.py$`,
    String.raw`^MaxText\.train(?:_compile)?$`,
    String.raw`(^|/)maxtext/trainers/pre_train/train(?:_compile)?\.py$`,
    String.raw`^(?:src\.)?maxtext\.trainers\.pre_train\.train(?:_compile)?$`,
  ].join('|'),
);
/** `MaxText/$EXECUTABLE`: the older launchers name train.py or train_compile.py through a variable. */
const OLD_VARIABLE_TRAINER = /(^|\/)MaxText\/\$\{?\w+\}?$/;
/** `-m MaxText.$EXECUTABLE`, `-m maxtext.trainers.pre_train."$EXECUTABLE"` with EXECUTABLE unknown. */
const MODULE_VARIABLE_TRAINER = /^(?:MaxText|(?:src\.)?maxtext\.trainers\.pre_train)\."?\$\{?\w+\}?"?$/;
/**
 * The current layout's entry points that read no config file when none is named: pyconfig.py
 * `_CONFIG_FILE_MAPPING` maps both to MAXTEXT_CONFIGS_DIR/base.yml (e591f30c).
 */
const IMPLIED_BASE_TRAINER = /maxtext[./]trainers[./]pre_train[./]/;
/** Post-training entry points (SFT, RL, DPO, distillation): their runs are not modelled. */
const POST_TRAIN_MARKER =
  /^(?:src\.)?maxtext\.trainers\.post_train\.[\w.]+$|(^|\/)maxtext\/trainers\/post_train\/[\w/]+\.py$/;
const SHELL_MARKER = new RegExp(
  [
    String.raw`MaxText/(?:[\w.-]+/)*train(?:_compile)?\.py`,
    String.raw`MaxText/\$\{?\w+\}?`,
    String.raw`-m\s+MaxText\.(?:train\b|\$)`,
    String.raw`MaxText/configs/\w+\.yml`,
    String.raw`-m\s+(?:src\.)?maxtext\.trainers\.(?:pre|post)_train\.`,
    String.raw`maxtext/trainers/(?:pre|post)_train/[\w/]*\.py`,
  ].join('|'),
);

/** Recognition from content: a MaxText launch line, or YAML with MaxText's own keys. */
function detect(text: string, path: string | undefined): number {
  const sample = text.length > 262144 ? text.slice(0, 262144) : text;
  if (isShellText(sample, path)) return SHELL_MARKER.test(sample) && /\bpython3?\b/.test(sample) ? 0.9 : 0;
  let hits = 0;
  for (const key of MAXTEXT_SIGNATURE_KEYS) {
    if (new RegExp(`^${key}[ \\t]*:`, 'm').test(sample)) hits++;
  }
  const distinctive = /^base_(emb_dim|num_decoder_layers|num_query_heads)[ \t]*:/m.test(sample);
  if (distinctive && hits >= 3) return 0.9;
  if (distinctive) return 0.7;
  return hits >= 4 ? 0.6 : 0;
}

/**
 * A Python source is never a launch script, even when it assembles a `train.py` command in an
 * f-string (benchmarks/maxtext_xpk_runner.py: `model_name={wl_config.model.model_type}`, a runtime
 * value) or shows one in a docstring: its Python `for x in` loops used to pass for shell, and the
 * command read as base.yml's default model (1,104,218,112) with no warning.
 */
const PYTHON_SOURCE = /^(import\s+[\w.]+|from\s+[\w.]+\s+import\b|def\s+\w+\s*\(|class\s+\w+\s*[(:])/m;

function isShellText(text: string, path: string | undefined): boolean {
  if (path && /\.(sh|bash)$/i.test(path)) return true;
  if (path && /\.(ya?ml|py)$/i.test(path)) return false;
  if (/^#!.*\bpython/.test(text) || (!/^#!.*\b(ba)?sh\b/.test(text) && PYTHON_SOURCE.test(text)))
    return false;
  return /^#!.*\b(ba)?sh\b/.test(text) || /^\s*(export\s+\w+=|set\s+-e|for\s+\w+\s+in\b)/m.test(text);
}

// ---------------------------------------------------------------------------------------------
// Paths (ctx.path may be a file path or a URI path; both use '/' here, '\\' is accepted too)

function directoryOf(path: string): string {
  const index = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return index < 0 ? '.' : path.slice(0, index) || '/';
}

function join(directory: string, relative: string): string {
  const parts = `${directory}/${relative}`.split(/[/\\]+/);
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..' && out.length && out[out.length - 1] !== '..' && out[out.length - 1] !== '') out.pop();
    else if (part !== '.') out.push(part);
  }
  const joined = out.join('/');
  return directory.startsWith('/') && !joined.startsWith('/') ? `/${joined}` : joined;
}

/** Ancestor directories of a file, nearest first (bounded). */
function ancestors(path: string): string[] {
  const dirs: string[] = [];
  let dir = directoryOf(path);
  for (let i = 0; i < 8; i++) {
    dirs.push(dir);
    const parent = directoryOf(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dirs;
}

/** Read the first candidate path that exists. */
function readFirst(context: ReadContext, candidates: string[]): { path: string; text: string } | undefined {
  if (!context.readFile) return undefined;
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    let text: string | undefined;
    try {
      text = context.readFile(candidate);
    } catch {
      text = undefined;
    }
    if (text !== undefined) return { path: candidate, text };
  }
  return undefined;
}

/**
 * Resolve a config path named in a launcher (`MaxText/configs/base.yml`, relative to the repo root
 * the script runs from) against the script's ancestors, also trying the path with its leading
 * directories dropped (the file may sit in a copied subtree).
 */
function resolveConfigPath(context: ReadContext, named: string): { path: string; text: string } | undefined {
  if (!context.path) return readFirst(context, [named]);
  const pieces = named.split('/').filter((p) => p && p !== '.');
  const candidates: string[] = [];
  if (named.startsWith('/')) candidates.push(named);
  for (const dir of ancestors(context.path)) {
    for (let drop = 0; drop < pieces.length; drop++) candidates.push(join(dir, pieces.slice(drop).join('/')));
  }
  return readFirst(context, candidates);
}

/** base.yml for a model overlay: `../base.yml`, the same directory, or an ancestor's configs/. */
function findBaseConfig(context: ReadContext): { path: string; text: string } | undefined {
  if (!context.path) return undefined;
  const candidates: string[] = [];
  for (const dir of ancestors(context.path)) {
    candidates.push(
      join(dir, 'base.yml'),
      join(dir, 'configs/base.yml'),
      join(dir, 'MaxText/configs/base.yml'),
    );
  }
  return readFirst(
    context,
    candidates.filter((candidate) => candidate !== context.path),
  );
}

/**
 * base.yml of a launch that names no config file (current layout): MAXTEXT_CONFIGS_DIR defaults to
 * src/maxtext/configs of the repository (utils/globals.py, e591f30c), run from its root or from src/.
 */
function findImpliedBase(context: ReadContext): { path: string; text: string } | undefined {
  if (!context.path) return readFirst(context, ['src/maxtext/configs/base.yml']);
  const candidates: string[] = [];
  for (const dir of ancestors(context.path)) {
    candidates.push(join(dir, 'src/maxtext/configs/base.yml'), join(dir, 'maxtext/configs/base.yml'));
    if (/(^|[/\\])maxtext$/.test(dir)) candidates.push(join(dir, 'configs/base.yml'));
  }
  return readFirst(context, candidates);
}

/**
 * The files a config inherits through `base_config:` (pyconfig.py `_load_config`, the same since
 * google/maxtext): relative to the config's directory, else MAXTEXT_CONFIGS_DIR (an ancestor here),
 * parents first. An unreadable parent other than base.yml leaves the settings unknown.
 */
function parentConfigs(
  context: ReadContext,
  path: string,
  layer: Layer,
  assumptions: string[],
  depth = 0,
): { layers: Layer[]; unknown?: string } {
  const named = layer.values.get('base_config')?.value;
  if (typeof named !== 'string' || !named.trim() || depth > 4) return { layers: [] };
  const relative = named.trim();
  const candidates = relative.startsWith('/')
    ? [relative]
    : [
        join(directoryOf(path), relative),
        ...ancestors(path)
          .slice(1)
          .map((dir) => join(dir, relative)),
      ];
  const found = readFirst(
    context,
    candidates.filter((candidate) => candidate !== path),
  );
  const parent = found ? yamlLayer(found.text, relative, found.path) : undefined;
  if (found && parent) {
    const above = parentConfigs(context, found.path, parent, assumptions, depth + 1);
    return { layers: [...above.layers, parent], unknown: above.unknown };
  }
  if (/(^|\/)base\.yml$/.test(relative)) {
    assumptions.push(`base_config ${relative} not readable: built-in copy of MaxText base.yml defaults used`);
    return { layers: [] };
  }
  return { layers: [], unknown: `base_config ${quoted(relative, 80)} could not be read` };
}

// ---------------------------------------------------------------------------------------------
// Layers

function defaultsLayer(): Layer {
  const values = new Map<string, LayerValue>();
  for (const [key, value] of Object.entries(MAXTEXT_BASE_DEFAULTS)) values.set(key, { value });
  return { label: 'built-in base.yml defaults', values };
}

/** Top-level keys of a YAML file as a layer (sources carry `file` when it is not the analyzed file). */
function yamlLayer(
  text: string,
  label: string,
  file: string | undefined,
  diagnostics?: CoreDiagnostic[],
): Layer | undefined {
  const source = parseYaml(text);
  if (!source) return undefined;
  if (diagnostics) diagnostics.push(...source.diagnostics);
  const values = new Map<string, LayerValue>();
  const root = source.doc.contents;
  if (!isMap(root)) return { label, values };
  for (const pair of root.items as Pair<Node, Node>[]) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    values.set(key, { value: nodeValue(source, pair.value), source: pairSource(source, pair, file) });
  }
  return { label, values };
}

function modelLayer(
  context: ReadContext,
  baseDirectory: string | undefined,
  modelName: string,
  assumptions: string[],
): Layer | undefined {
  const candidates: string[] = [];
  // pyconfig.py (e591f30c): <config dir>/models, then <config dir>/../models, then the package's
  // configs/models (an ancestor's configs/ or src/maxtext/configs/ here).
  if (baseDirectory)
    candidates.push(
      join(baseDirectory, `models/${modelName}.yml`),
      join(baseDirectory, `../models/${modelName}.yml`),
    );
  if (context.path) {
    for (const dir of ancestors(context.path)) {
      candidates.push(
        join(dir, `models/${modelName}.yml`),
        join(dir, `configs/models/${modelName}.yml`),
        join(dir, `src/maxtext/configs/models/${modelName}.yml`),
      );
    }
  }
  const found = readFirst(context, candidates);
  if (found) {
    const layer = yamlLayer(found.text, `models/${modelName}.yml`, found.path);
    if (layer) return layer;
  }
  const builtIn = MAXTEXT_MODEL_FILES[modelName];
  if (!builtIn) return undefined;
  assumptions.push(
    `configs/models/${modelName}.yml not readable: built-in copy of its architecture keys used`,
  );
  const values = new Map<string, LayerValue>();
  for (const [key, value] of Object.entries(builtIn)) values.set(key, { value });
  return { label: `built-in ${modelName}`, values };
}

/** A `key=value` command-line value, typed as pyconfig would (YAML scalar rules). */
function parseCliValue(text: string): unknown {
  try {
    return parseYamlValue(text, { version: '1.1' });
  } catch {
    return text;
  }
}

const COMMAND_LINE = 'command line';
const ENVIRONMENT = 'environment (M_ variables)';

/**
 * `export M_<KEY>=value` in the launcher (or `M_<KEY>=value python3 …`): pyconfig.py overrides a
 * config key from the environment variable "M_" + KEY.upper() (google/maxtext@e64f6813
 * `_update_from_env_and_command_line`; AI-Hypercomputer/maxtext@e591f30c `_initialize_pydantic`
 * step 6) and refuses a key the command line also sets.
 */
function environmentLayer(script: ReturnType<typeof parseShell>, text: string, cli: Layer): Layer {
  const values = new Map<string, LayerValue>();
  for (const assignment of script.assignments) {
    const match = /^M_([A-Z0-9_]+)$/.exec(assignment.name);
    if (!match || assignment.isArray) continue;
    const lineStart = text.lastIndexOf('\n', assignment.nameStart - 1) + 1;
    const lineEnd = text.indexOf('\n', assignment.valueEnd);
    const before = text.slice(lineStart, assignment.nameStart);
    const after = text.slice(assignment.valueEnd, lineEnd < 0 ? text.length : lineEnd);
    const exported = /(^|[;&|]\s*|\bthen\s+|\bdo\s+)export\s+(?:-\w+\s+)*$/.test(before.trimStart());
    const commandPrefix = /^\s+[^\s;&|#]/.test(after);
    if (!exported && !commandPrefix) continue;
    const key = match[1].toLowerCase();
    const source: FieldSource = {
      key: assignment.name,
      keyRange: script.lines.range(assignment.nameStart, assignment.nameEnd),
      valueRange: script.lines.range(assignment.valueStart, assignment.valueEnd),
      raw: assignment.raw,
    };
    const item: LayerValue =
      assignment.value === undefined
        ? { value: undefined, source, unresolved: true }
        : { value: parseCliValue(assignment.value), source };
    if (cli.values.has(key))
      item.refused = `\`${key}\` is set both on the command line and as ${assignment.name}: MaxText refuses overrides from both.`;
    values.set(key, item);
  }
  return { label: ENVIRONMENT, values };
}

/**
 * A key both models/<model_name>.yml and the command line (or an M_ variable) set: pyconfig.py
 * refuses the run unless `override_model_config` is true (AI-Hypercomputer/maxtext@e591f30c
 * `validate_no_keys_overridden_twice`, different values only; google/maxtext@e64f6813
 * `validate_no_keys_overwritten_twice`, any value, before the override option of 2ed45b64).
 * Equal values give the same number either way and are let through.
 */
function refuseOverriddenModelKeys(settings: Settings, layers: Layer[], model: Layer): void {
  const override = settings.get('override_model_config');
  if (override && asBool(override.value) === true) return;
  for (const layer of layers) {
    if (layer.label !== COMMAND_LINE && layer.label !== ENVIRONMENT) continue;
    for (const [key, item] of layer.values) {
      const fromModel = model.values.get(key);
      if (!fromModel || item.unresolved || item.refused) continue;
      if (safeStringify(fromModel.value) === safeStringify(item.value)) continue;
      item.refused = `\`${key}\` overrides ${model.label} (${safeStringify(fromModel.value)}) without \`override_model_config=True\`: MaxText refuses keys set by both.`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

class Settings {
  readonly usedKeys: FieldSource[] = [];
  private readonly reported = new Set<string>();
  /**
   * Written but unusable values (a word where a number belongs, an unresolved `$VAR`), noted against
   * the part of the spec being read (`phase`): MaxText would refuse them, and substituting base.yml's
   * default would print a confident, wrong number (the one policy, ../../readerPolicy.ts).
   */
  private readonly unusable = new UnusableValues();

  /** Which part of the spec the current lookups feed. */
  get phase(): SpecPart | 'other' {
    return this.unusable.phase;
  }
  set phase(phase: SpecPart | 'other') {
    this.unusable.phase = phase;
  }

  constructor(
    private readonly layers: Layer[],
    readonly diagnostics: CoreDiagnostic[],
  ) {}

  /** The effective value of a key without recording, diagnosing or rejecting it. */
  peek(key: string): LayerValue | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const found = this.layers[i].values.get(key);
      if (found) return found;
    }
    return undefined;
  }

  /** The value of the config chain's root (the file's own base.yml), else the built-in base.yml's. */
  baseValue(key: string): unknown {
    const root = this.layers.find((layer) => layer.base && layer.values.has(key)) ?? this.layers[0];
    return root?.values.get(key)?.value;
  }

  /** Every key some layer sets. */
  keys(): Set<string> {
    return new Set(this.layers.flatMap((layer) => [...layer.values.keys()]));
  }

  get(key: string): LayerValue | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const found = this.layers[i].values.get(key);
      if (found) {
        if (found.source && !found.source.file) this.usedKeys.push(found.source);
        if (found.unresolved) {
          if (!this.reported.has(key)) {
            this.reported.add(key);
            this.diagnostics.push({
              severity: 'warning',
              code: 'unresolved-value',
              message: `${quoted(`${key}=${found.source?.raw ?? ''}`)}: the value depends on the environment or the caller.`,
              range: found.source?.valueRange,
            });
          }
          this.reject(key, found.source);
          return undefined;
        }
        if (found.refused) {
          if (!this.reported.has(key)) {
            this.reported.add(key);
            this.diagnostics.push({
              severity: 'warning',
              code: 'invalid-value',
              message: found.refused,
              range: rangeInThisFile(found.source),
            });
          }
          this.reject(key, found.source);
          return undefined;
        }
        return found;
      }
    }
    return undefined;
  }

  /**
   * The key's default in the MaxText version the file comes from: its base.yml's value (the root of
   * the config chain), else the built-in copy of current base.yml's.
   */
  defaultValue(key: string): unknown {
    const base = this.layers.find((layer) => layer.base) ?? this.layers[0];
    return (base.values.get(key) ?? this.layers[0].values.get(key))?.value;
  }

  /** Note a written but unusable value against the part of the spec being read. */
  reject(key: string, source?: FieldSource): void {
    this.unusable.note({ key, range: rangeInThisFile(source), where: whereWritten(source) });
  }

  /** Diagnose a value of the wrong type or range, quoting what was written, and reject it. */
  invalid(key: string, found: LayerValue, expected: string): undefined {
    this.diagnostics.push(
      invalidValue(
        key,
        expected,
        `${describeWritten(found)}${whereWritten(found.source)}`,
        rangeInThisFile(found.source),
      ),
    );
    this.reject(key, found.source);
    return undefined;
  }

  /** A finite number (underscores and numeric strings allowed); diagnostics for anything else. */
  number(key: string): { value: number; source?: FieldSource } | undefined {
    const found = this.get(key);
    if (!found) return undefined;
    // A `~` is not absent here: it overrides base.yml's value with None, which MaxText refuses.
    const value = asNumber(found.value);
    if (value === undefined) return this.invalid(key, found, EXPECTED.number);
    return { value, source: found.source };
  }

  /** A positive integer (for dimensions and counts), exactly representable; diagnostics otherwise. */
  positiveInt(key: string): { value: number; source?: FieldSource } | undefined {
    const found = this.get(key);
    if (!found) return undefined;
    const value = asPositiveInt(found.value);
    if (value === undefined) return this.invalid(key, found, EXPECTED.positiveInt);
    return { value, source: found.source };
  }

  /** A boolean (YAML true/false, or the strings "true"/"false"); diagnostics for anything else. */
  bool(key: string): { value: boolean; source?: FieldSource } | undefined {
    const found = this.get(key);
    if (!found) return undefined;
    const value = asBool(found.value);
    if (value === undefined) return this.invalid(key, found, EXPECTED.bool);
    return { value, source: found.source };
  }

  /**
   * Finish the spec: a written but unusable value the architecture or the training length depends
   * on makes that result unknown, with a diagnostic on the value.
   */
  finish(spec: RunSpec): RunSpec {
    // The batch facts come from the same values, so an unusable training value drops them too.
    return this.unusable.finish(spec, (diagnostic) => this.diagnostics.push(diagnostic), {
      clearBatch: true,
      architectureRange: spec.modelSectionRange,
    });
  }
}

/** What a value was written as, for messages: the source text in backticks, or "an empty value". */
function describeWritten(found: LayerValue): string {
  if (found.value === null || found.value === undefined || found.value === '') {
    // An empty YAML value's source range is the key itself; say what is there instead.
    const raw = found.source?.raw.trim() ?? '';
    return raw && raw !== found.source?.key ? quoted(raw) : 'an empty value';
  }
  const raw = found.source?.raw.trim() || safeStringify(found.value);
  return quoted(raw);
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** " in base.yml" when the value sits in another file of the layering. */
function whereWritten(source: FieldSource | undefined): string {
  if (!source?.file) return '';
  const name = source.file.slice(Math.max(source.file.lastIndexOf('/'), source.file.lastIndexOf('\\')) + 1);
  return ` (in ${name})`;
}

/** The value range when the value is in the analyzed file (ranges in other files mean nothing here). */
function rangeInThisFile(source: FieldSource | undefined): SourceRange | undefined {
  return source && !source.file ? source.valueRange : undefined;
}

const format = (value: number) => value.toLocaleString('en-US');

function read(text: string, context: ReadContext): ReadResult {
  const diagnostics: CoreDiagnostic[] = [];
  const assumptions: string[] = [];
  const layers: Layer[] = [defaultsLayer()];
  let modelSectionRange: SourceRange | undefined;
  let baseDirectory: string | undefined;
  let baseFound = false;
  /** A layer of the config that cannot be read: N and D would be guesses, so both stay unknown. */
  let configUnknown: { message: string; range?: SourceRange } | undefined;

  if (isShellText(text, context.path)) {
    const script = parseShell(commandFlagsSplit(text));
    diagnostics.push(...script.diagnostics);
    const launch = findLaunch(script.statements);
    if (!launch) {
      diagnostics.push({
        severity: 'warning',
        code: 'missing-architecture',
        message:
          'No MaxText training command (`python3 -m maxtext.trainers.pre_train.train <config.yml> key=value ...`, `MaxText/train.py …`) found in this script.',
      });
      return { kind: 'run-config', spec: emptySpec(diagnostics, assumptions) };
    }
    modelSectionRange = script.lines.range(launch.start, launch.end);
    const fieldRange = (field: ShellField) => script.lines.range(field.start, field.end);
    if (launch.postTrain) {
      diagnostics.push({
        severity: 'warning',
        code: 'unsupported-architecture',
        message: `unknown: ${quoted(launch.trainer.text ?? launch.trainer.raw, 80)} is a MaxText post-training entry point (SFT, RL, DPO or distillation, with its post_train/*.yml config); Scaling Lens reads pre-training launches (maxtext.trainers.pre_train.train), so N and D are not shown.`,
        range: fieldRange(launch.trainer),
      });
      return { kind: 'run-config', spec: emptySpec(diagnostics, assumptions) };
    }
    if (launch.unknownConfig) {
      configUnknown = {
        message: `the config file argument ${quoted(launch.unknownConfig.raw, 80)} depends on the environment or the caller`,
        range: fieldRange(launch.unknownConfig),
      };
    }
    const unknownArgument = launch.unknownArguments[0];
    if (unknownArgument && !configUnknown) {
      configUnknown = {
        message: `the arguments ${quoted(unknownArgument.raw, 80)} depend on the environment or the caller and may set any key`,
        range: fieldRange(unknownArgument),
      };
    }
    const configName =
      launch.config && (launch.config.text ?? knowableConfigPath(launch.config.raw, script.variables));
    if (launch.config && configName) {
      const resolved = resolveConfigPath(context, configName);
      const layer = resolved ? yamlLayer(resolved.text, configName, resolved.path) : undefined;
      if (resolved && layer) {
        const parents = parentConfigs(context, resolved.path, layer, assumptions);
        if (parents.unknown) configUnknown ??= { message: parents.unknown, range: fieldRange(launch.config) };
        layers.push(...markBase([...parents.layers, layer]));
        baseDirectory = directoryOf(resolved.path);
        baseFound = true;
      } else if (/(^|\/)base\.yml$/.test(configName)) {
        diagnostics.push({
          severity: 'info',
          code: 'base-config-unavailable',
          message: `${quoted(configName, 120)} could not be read next to this script: MaxText's base.yml defaults are assumed.`,
          range: fieldRange(launch.config),
        });
      } else {
        // Another config file (a copy of base.yml, gpu/models/llama2_7b.yml) sets the model and
        // the run: base.yml's defaults would describe another run.
        configUnknown ??= {
          message: `the config file ${quoted(configName, 120)} could not be read next to this script`,
          range: fieldRange(launch.config),
        };
      }
    } else if (launch.config) {
      configUnknown ??= {
        message: `the config file ${quoted(launch.config.raw, 80)} depends on the environment or the caller`,
        range: fieldRange(launch.config),
      };
    } else if (
      !launch.unknownConfig &&
      IMPLIED_BASE_TRAINER.test(launch.trainer.text ?? launch.trainer.raw)
    ) {
      // pyconfig.py _resolve_or_infer_config: no `.yml` argument → MAXTEXT_CONFIGS_DIR/base.yml.
      assumptions.push(
        'no config file on the command line: MaxText reads its configs/base.yml (pyconfig.py _CONFIG_FILE_MAPPING)',
      );
      const implied = findImpliedBase(context);
      const layer = implied ? yamlLayer(implied.text, 'base.yml', implied.path) : undefined;
      if (implied && layer) {
        layers.push(...markBase([layer]));
        baseDirectory = directoryOf(implied.path);
        baseFound = true;
      }
    }
    const cli: Layer = { label: COMMAND_LINE, values: new Map() };
    for (const field of launch.overrides) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(field.raw);
      if (!match) continue;
      const key = match[1];
      const valueStart = field.start + match[0].length;
      const source: FieldSource = {
        key,
        keyRange: script.lines.range(field.start, field.start + key.length),
        valueRange: script.lines.range(valueStart, field.end),
        raw: field.raw.slice(match[0].length),
      };
      if (field.text === undefined) {
        // Reported only if the analysis needs the key (output paths are often `$OUTPUT_PATH`).
        cli.values.set(key, { value: undefined, source, unresolved: true });
        continue;
      }
      cli.values.set(key, { value: parseCliValue(field.text.slice(field.text.indexOf('=') + 1)), source });
    }
    layers.push(cli);
    const environment = environmentLayer(script, text, cli);
    if (environment.values.size) layers.push(environment);
  } else {
    const layer = yamlLayer(text, 'this file', undefined, diagnostics);
    if (!layer) {
      return {
        kind: 'unreadable',
        framework: 'maxtext',
        diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
      };
    }
    const isFullConfig = MAXTEXT_FULL_CONFIG_KEYS.some((key) => layer.values.has(key));
    const parents = context.path ? parentConfigs(context, context.path, layer, assumptions) : undefined;
    if (parents?.unknown)
      configUnknown = {
        message: parents.unknown,
        range: layer.values.get('base_config')?.source?.valueRange,
      };
    if (parents?.layers.length) {
      layers.push(...markBase([...parents.layers, layer]));
      baseFound = true;
      baseDirectory = directoryOf(context.path!);
    } else if (isFullConfig) {
      layers.push(...markBase([layer]));
      baseFound = true;
      if (context.path) baseDirectory = directoryOf(context.path);
    } else {
      // A model overlay: its base.yml sits in the parent configs/ directory.
      const base = findBaseConfig(context);
      const baseLayer = base ? yamlLayer(base.text, 'base.yml', base.path) : undefined;
      if (base && baseLayer) {
        layers.push(...markBase([baseLayer]));
        baseDirectory = directoryOf(base.path);
        baseFound = true;
      }
      layers.push(layer);
    }
    const firstArchKey = [
      'base_emb_dim',
      'base_num_decoder_layers',
      'decoder_block',
      'global_parameter_scale',
    ]
      .map((key) => layer.values.get(key)?.source)
      .filter((s): s is FieldSource => s !== undefined)
      .sort((a, b) => a.keyRange.start.line - b.keyRange.start.line)[0];
    modelSectionRange = firstArchKey?.keyRange;
  }
  if (!baseFound) assumptions.push('base.yml not readable: built-in copy of MaxText base.yml defaults used');

  const settings = new Settings(layers, diagnostics);
  // model_name picks configs/models/<name>.yml, which sits between the config file and the CLI.
  settings.phase = 'architecture';
  const modelNameValue = settings.get('model_name');
  const writtenName = modelNameValue?.value;
  const modelName =
    writtenName === null || writtenName === undefined || writtenName === '' ? 'default' : String(writtenName);
  if (modelName !== 'default') {
    // pyconfig.py (e591f30c): "-Instruct" models share the base model's architecture file.
    const overlay = modelLayer(context, baseDirectory, modelName.replaceAll('-Instruct', ''), assumptions);
    if (overlay) {
      // pyconfig applies the model file over the config file and under the command line.
      const cliIndex = layers.findIndex((layer) => layer.label === COMMAND_LINE);
      layers.splice(cliIndex >= 0 ? cliIndex : layers.length, 0, overlay);
      refuseOverriddenModelKeys(settings, layers, overlay);
    } else {
      // pyconfig fails on a model file it cannot open; base.yml's dims would be another model.
      diagnostics.push({
        severity: 'warning',
        code: 'unknown-model',
        message: `${quoted(`model_name=${modelName}`)}: configs/models/<model_name>.yml could not be read and the name is not a known model.`,
        range: rangeInThisFile(modelNameValue?.source),
      });
      settings.reject('model_name', modelNameValue?.source);
    }
  }

  const archSources: Partial<Record<ArchField, FieldSource>> = {};
  const trainingSources: Partial<Record<TrainingField, FieldSource>> = {};
  const forkKeys = forkKeysOf(layers);
  if (forkKeys.length && !configUnknown) {
    const named = forkKeys
      .slice(0, 4)
      .map(
        ({ key, item, label }) => `${key} = ${quoted(String(item.source?.raw ?? item.value), 40)} (${label})`,
      )
      .join(', ');
    const first = forkKeys.find(({ item }) => item.source && !item.source.file) ?? forkKeys[0]!;
    configUnknown = {
      message:
        `${forkKeys.length === 1 ? 'the key' : `${forkKeys.length} keys`} ${named}${forkKeys.length > 4 ? ', …' : ''} ` +
        `no MaxText version defines (pyconfig.py refuses keys outside base.yml and configs/types.py): a fork's own code reads ${forkKeys.length === 1 ? 'it' : 'them'}`,
      range: first.item.source && !first.item.source.file ? first.item.source.keyRange : modelSectionRange,
    };
  }
  if (configUnknown) {
    diagnostics.push({
      severity: 'warning',
      code: 'unsupported-architecture',
      message: `unknown: ${configUnknown.message}; the model and the run it sets are not known, so N and D are not shown.`,
      range: configUnknown.range,
    });
  }
  const architecture = configUnknown ? undefined : readArchitecture(settings, archSources, assumptions);
  settings.phase = 'training';
  const training: TrainingSpec = configUnknown
    ? { missing: ['training length'] }
    : readTraining(settings, context, trainingSources, assumptions);
  settings.phase = 'other';
  if (modelName !== 'default' && modelNameValue?.source) archSources.modelName = modelNameValue.source;

  const spec: RunSpec = {
    framework: 'maxtext',
    modelName: modelName !== 'default' ? modelName : undefined,
    architecture,
    training,
    archSources,
    trainingSources,
    usedKeys: settings.usedKeys.filter((s, i, all) => all.indexOf(s) === i),
    assumptions,
    diagnostics,
    modelSectionRange,
  };
  // The layers (base.yml ← models/<name>.yml ← command line) are the layout reader's input too,
  // and the schedule extractor's (specLayers.ts).
  const finished = settings.finish(spec);
  rememberLayers(finished, configUnknown ? null : layers);
  return {
    kind: 'run-config',
    spec: finished,
    written: writtenKeys(layers, modelSectionRange),
    // Without the config's own layer, a memory layout from the other layers would be a guess.
    parsed: configUnknown ? undefined : { maxtextLayers: layers },
  };
}

/**
 * Keys a file of the layering sets that no MaxText version accepts (knownKeys.ts), with a value that
 * turns something on: null, '', false, 0 and empty collections are how forks leave their own
 * features off in their base.yml, and are skipped.
 */
function forkKeysOf(layers: readonly Layer[]): { key: string; item: LayerValue; label: string }[] {
  const seen = new Set<string>();
  const out: { key: string; item: LayerValue; label: string }[] = [];
  for (let i = layers.length - 1; i >= 1; i--) {
    const layer = layers[i]!;
    if (layer.label.startsWith('built-in')) continue;
    for (const [key, item] of layer.values) {
      if (seen.has(key)) continue;
      seen.add(key);
      if (MAXTEXT_KNOWN_KEYS.has(key) || Object.hasOwn(MAXTEXT_BASE_DEFAULTS, key)) continue;
      if (!item.unresolved && isOff(item.value)) continue;
      out.push({ key, item, label: layer.label });
    }
  }
  return out;
}

function isOff(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0) return true;
  if (typeof value === 'string') return /^\s*(|none|null|false|0|0\.0|['"]{2})\s*$/i.test(value);
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value as object).length === 0;
  return false;
}

/**
 * The effective value of every key any file of the layering sets (the highest layer wins), for the
 * key inventory. A key set in another file (base.yml, models/<name>.yml) is reported at the place
 * in this file that pulls that file in, with the file named in the key.
 */
function writtenKeys(layers: readonly Layer[], anchor: SourceRange | undefined): WrittenKey[] {
  const seen = new Set<string>();
  const out: WrittenKey[] = [];
  const zero: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  for (let i = layers.length - 1; i >= 1; i--) {
    const layer = layers[i];
    for (const [key, item] of layer.values) {
      if (seen.has(key)) continue;
      seen.add(key);
      if (item.unresolved) continue;
      const value =
        Array.isArray(item.value) || (item.value !== null && typeof item.value === 'object')
          ? safeStringify(item.value)
          : item.value;
      const inThisFile = item.source && !item.source.file;
      const where = anchor ?? zero;
      const source: FieldSource = inThisFile
        ? item.source!
        : { key: `${key} (${layer.label})`, keyRange: where, valueRange: where, raw: String(value) };
      out.push({ key, value, source });
    }
  }
  return out;
}

/** The launch command: the trainer, the config file argument and the key=value overrides after it. */
interface Launch {
  start: number;
  end: number;
  /** The trainer field as written (`maxtext.trainers.pre_train.train`, `MaxText/train.py`). */
  trainer: ShellField;
  /** `train_compile`: an ahead-of-time compile of the step for the same config. */
  compileOnly?: boolean;
  /** A post-training entry point: nothing else of the launch is read. */
  postTrain?: boolean;
  config?: ShellField;
  /** The argument in the config file's place cannot be known (`${MAXTEXT_CONFIG}` from the caller). */
  unknownConfig?: ShellField;
  overrides: ShellField[];
  /** Arguments that expand to something unknown (`${TRAINING_ARGS}`): they may set any key. */
  unknownArguments: ShellField[];
}

const KEY_VALUE = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * A command's arguments without its redirections: `> "$LOG_FILE"`, `2>&1`, `>>log`, `2>/dev/null`
 * (bash opens the file and passes neither the operator nor its target to train.py). The shell
 * lexer keeps them as words; an operator alone takes the next word as its target.
 */
function withoutRedirections(fields: ShellField[]): ShellField[] {
  const out: ShellField[] = [];
  for (let i = 0; i < fields.length; i++) {
    const raw = fields[i].raw;
    if (/^\d*(>>?|<|<<<)$/.test(raw)) {
      i++;
      continue;
    }
    if (/^\d*(>>?|<)\S/.test(raw)) continue;
    out.push(fields[i]);
  }
  return out;
}

/**
 * `--COMMAND="python3 MaxText/train.py … key=value"` (MaxText's multihost_runner.py, `gcloud …
 * --command=`) hands the quoted launch to a remote shell as one argument, like `--COMMAND "…"`,
 * whose string the shell parser already splits into the launch's words. The `=` of such a flag
 * becomes a space (same length: every offset stays) when the quoted string holds a MaxText trainer,
 * so both spellings are read alike.
 */
function commandFlagsSplit(text: string): string {
  return text.replace(
    /(^|[\s;])(--?[A-Za-z][\w-]*)=(?="((?:[^"\\]|\\[\s\S])*)")/g,
    (whole, before, flag, quoted) =>
      /MaxText[/.]train|maxtext[/.]trainers[/.]pre_train/.test(quoted) ? `${before}${flag} ` : whole,
  );
}

function findLaunch(statements: ReturnType<typeof parseShell>['statements']): Launch | undefined {
  let found: Launch | undefined;
  let postTrain: Launch | undefined;
  for (const statement of statements) {
    const marker = statement.fields.findIndex(
      (field) =>
        TRAIN_MARKER.test(field.text ?? field.raw) ||
        OLD_VARIABLE_TRAINER.test(field.raw) ||
        (field.text === undefined && MODULE_VARIABLE_TRAINER.test(field.raw)),
    );
    if (marker < 0) {
      const post = statement.fields.find((field) => POST_TRAIN_MARKER.test(field.text ?? field.raw));
      if (post)
        postTrain = {
          start: post.start,
          end: statement.end,
          trainer: post,
          postTrain: true,
          overrides: [],
          unknownArguments: [],
        };
      continue;
    }
    const rest = withoutRedirections(statement.fields.slice(marker + 1));
    const configIndex = rest.findIndex((field) => /\.ya?ml$/.test(field.text ?? field.raw));
    const config = configIndex >= 0 ? rest[configIndex] : undefined;
    // pyconfig.py takes argv[1] as the config file: one that expands to nothing knowable might be
    // any file (or a key=value, then base.yml): its settings are unknown.
    const first = rest[0];
    const unknownConfig =
      !config && first && first.text === undefined && !KEY_VALUE.test(first.raw) ? first : undefined;
    const overrides: ShellField[] = [];
    const unknownArguments: ShellField[] = [];
    for (const field of rest.slice(configIndex + 1)) {
      if (field === unknownConfig) continue;
      if (KEY_VALUE.test(field.raw)) overrides.push(field);
      else if (field.text === undefined) {
        if (/^"?\$\{?\w+(\[[@*]\])?\}?"?$/.test(field.raw)) unknownArguments.push(field);
      } else if (/^"?\$/.test(field.raw)) {
        // `$EXTRA_ARGS` holding "steps=10 model_name=x": each word is an argument of its own; a
        // word that is no key=value (a placeholder such as "<model-specific-arguments>") is not
        // something MaxText reads, so what the arguments set is unknown.
        for (const word of field.text.split(/\s+/).filter(Boolean)) {
          if (KEY_VALUE.test(word))
            overrides.push({ raw: word, start: field.start, end: field.end, text: word });
          else unknownArguments.push(field);
        }
      }
    }
    const compileOnly = /train_compile/.test(statement.fields[marker].text ?? statement.fields[marker].raw);
    const candidate: Launch = {
      compileOnly,
      start: statement.fields[marker].start,
      end: statement.end,
      trainer: statement.fields[marker],
      config,
      unknownConfig,
      overrides,
      unknownArguments,
    };
    // A training launch over an ahead-of-time compile (train_compile builds the step, it trains
    // nothing); then real commands over argument strings; among equals, the last launch wins.
    if (found && found.compileOnly !== compileOnly) {
      if (found.compileOnly) found = candidate;
    } else if (!found || statement.kind === 'command' || !found.config) found = candidate;
  }
  return found ?? postTrain;
}

/**
 * MaxText's own path variables when the environment does not set them, relative to the repository
 * root the launchers run from: AI-Hypercomputer/maxtext@e591f30c src/maxtext/utils/globals.py
 * (MAXTEXT_PKG_DIR = src/maxtext, MAXTEXT_CONFIGS_DIR = <pkg>/configs, MAXTEXT_REPO_ROOT = the root).
 */
const MAXTEXT_PATH_VARIABLES: Record<string, string> = {
  MAXTEXT_PKG_DIR: 'src/maxtext',
  MAXTEXT_CONFIGS_DIR: 'src/maxtext/configs',
  MAXTEXT_REPO_ROOT: '.',
};

/**
 * The part of a config path that can be known: `"${MAXTEXT_CONFIGS_DIR:-${MAXTEXT_REPO_ROOT:-$PWD}/src/maxtext/configs}"//base.yml`
 * with the variables unset takes the script's defaults (bash `${NAME:-word}`), and a prefix that
 * stays unknown (`$PWD`, `${MAXTEXT_PKG_DIR}`) is dropped: the rest is resolved against the script's
 * ancestors, as a path relative to the repository root the launchers run from.
 */
function knowableConfigPath(raw: string, variables: ReadonlyMap<string, ShellVariable>): string | undefined {
  const UNKNOWN = '\u0000';
  // `export MAXTEXT_PKG_DIR="${MAXTEXT_PKG_DIR:-${MAXTEXT_REPO_ROOT:-$PWD}/src/maxtext}"`: a variable
  // whose value stays unknown is expanded from its assignment, where its own name is still unset.
  const valueOf = (name: string, unset: ReadonlySet<string>, depth: number): string | undefined => {
    const variable = unset.has(name) ? undefined : variables.get(name);
    if (!variable) return MAXTEXT_PATH_VARIABLES[name];
    if (variable.value !== undefined) return variable.value;
    if (variable.elements || variable.assignment.isArray || variable.assignment.append) return undefined;
    // Unknown parts stay marked, so only what follows the last of them is used.
    return expand(variable.assignment.raw, depth + 1, new Set([...unset, name]));
  };
  const expand = (text: string, depth: number, unset: ReadonlySet<string>): string => {
    if (depth > 8) return UNKNOWN;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '"' || ch === "'") continue;
      if (ch !== '$') {
        out += ch;
        continue;
      }
      if (text[i + 1] === '{') {
        let level = 0;
        let close = i + 1;
        for (; close < text.length; close++) {
          if (text[close] === '{') level++;
          else if (text[close] === '}' && --level === 0) break;
        }
        const body = text.slice(i + 2, close);
        i = close;
        const match = /^(\w+)(:?-)?([\s\S]*)$/.exec(body);
        if (!match || (match[3] && !match[2])) {
          out += UNKNOWN;
          continue;
        }
        const isSet = !unset.has(match[1]) && variables.has(match[1]);
        if (match[2] && !isSet) out += expand(match[3], depth + 1, unset);
        else {
          const value = valueOf(match[1], unset, depth);
          out += value === undefined || (match[2] === ':-' && value === '') ? UNKNOWN : value;
        }
        continue;
      }
      const name = /^\w+/.exec(text.slice(i + 1));
      if (!name) {
        out += ch;
        continue;
      }
      i += name[0].length;
      out += valueOf(name[0], unset, depth) ?? UNKNOWN;
    }
    return out;
  };
  const expanded = expand(raw, 0, new Set());
  const tail = expanded.slice(expanded.lastIndexOf(UNKNOWN) + 1).replace(/\/{2,}/g, '/');
  const relative = expanded.includes(UNKNOWN) ? tail.replace(/^\/+/, '') : tail;
  return /[^/]\.ya?ml$/.test(relative) && !/^\.ya?ml$/.test(relative) ? relative : undefined;
}

function readArchitecture(
  settings: Settings,
  sources: Partial<Record<ArchField, FieldSource>>,
  assumptions: string[],
): ArchitectureSpec | undefined {
  const blockFound = settings.get('decoder_block');
  const block = String(blockFound?.value ?? 'llama2');
  const convention = MAXTEXT_DECODER_BLOCKS[block];
  const unsupported = (message: string, source?: FieldSource): undefined => {
    settings.diagnostics.push({
      severity: 'warning',
      code: 'unsupported-architecture',
      message: `unknown: ${message}; N is not shown.`,
      range: rangeInThisFile(source),
    });
    return undefined;
  };
  if (!convention) {
    return unsupported(
      `decoder_block "${block}" has a layer layout Scaling Lens does not count yet`,
      blockFound?.source,
    );
  }
  const scaleFound = settings.positiveInt('global_parameter_scale');
  const scale = scaleFound?.value ?? 1;
  const log2 = Math.round(Math.log2(scale));
  if (2 ** log2 !== scale) {
    settings.diagnostics.push({
      severity: 'warning',
      code: 'invalid-value',
      message: `global_parameter_scale must be a power of 2 (MaxText rejects ${scale}).`,
      range: scaleFound?.source && !scaleFound.source.file ? scaleFound.source.valueRange : undefined,
    });
    return undefined;
  }
  // types.py get_individual_scales: rotate doubling (heads & mlp), embed, layers.
  const cycles = Math.floor(log2 / 3);
  const remainder = log2 % 3;
  const headScale = 2 ** (cycles + (remainder > 0 ? 1 : 0));
  const embScale = 2 ** (cycles + (remainder > 1 ? 1 : 0));
  const layerScale = 2 ** cycles;
  if (scale !== 1) {
    assumptions.push(
      `global_parameter_scale ${scale}: emb ×${embScale}, heads and mlp ×${headScale}, layers ×${layerScale}`,
    );
  }

  const emb = settings.positiveInt('base_emb_dim');
  const heads = settings.positiveInt('base_num_query_heads');
  const kvHeads = settings.positiveInt('base_num_kv_heads');
  const mlp = settings.positiveInt('base_mlp_dim');
  const layers = settings.positiveInt('base_num_decoder_layers');
  const headDim = settings.positiveInt('head_dim');
  const vocab = settings.positiveInt('vocab_size');
  if (!emb || !heads || !mlp || !layers || !headDim || !vocab) {
    settings.diagnostics.push({
      severity: 'warning',
      code: 'missing-architecture',
      message: 'Cannot count parameters: a MaxText dimension is missing or invalid.',
    });
    return undefined;
  }
  const put = (field: ArchField, source: FieldSource | undefined) => {
    if (source) sources[field] = source;
  };
  put('dModel', emb.source);
  put('nHeads', heads.source);
  put('nKvHeads', kvHeads?.source);
  put('ffnSize', mlp.source);
  put('nLayers', layers.source);
  put('headDim', headDim.source);
  put('vocabSize', vocab.source);

  // linears.MlpBlock: one input matrix per activation (wi_0, wi_1, …) and one output matrix.
  const activationsFound = settings.get('mlp_activations');
  const activations = activationsFound?.value;
  let gated = false;
  if (Array.isArray(activations) && activations.length && activations.every((a) => typeof a === 'string')) {
    if (activations.length > 2) {
      return unsupported(
        `mlp_activations with ${activations.length} entries (${activations.length} input matrices)`,
        activationsFound?.source,
      );
    }
    gated = activations.length === 2;
  } else if (activationsFound) {
    settings.invalid('mlp_activations', activationsFound, 'a list of activation names');
  }
  const tied = settings.bool('logits_via_embedding');
  put('tiedEmbeddings', tied?.source);
  // base.yml: -1 (or any value ≤ 0) disables the learned position table.
  const positions = settings.number('trainable_position_size');
  let learnedPositions = 0;
  if (positions && positions.value > 0) {
    if (Number.isSafeInteger(positions.value)) learnedPositions = positions.value;
    else {
      const found = settings.get('trainable_position_size');
      if (found) settings.invalid('trainable_position_size', found, 'a whole number of positions');
    }
  }
  if (learnedPositions) {
    put('maxPositions', positions?.source);
    assumptions.push(`trainable_position_size ${learnedPositions}: learned position table counted`);
  }

  const nLayers = layers.value * layerScale * (convention.layersPerBlock ?? 1);
  if (convention.layersPerBlock && convention.layersPerBlock > 1) {
    assumptions.push(
      `decoder_block ${block}: each of the ${layers.value * layerScale} MaxText layers is a [local, global] pair (${nLayers} attention layers)`,
    );
  }
  const ffnSize = mlp.value * headScale;
  const flag = (key: string, fallback: boolean) => settings.bool(key)?.value ?? fallback;

  // Norms: base norms plus gemma2/3 optional post-norms (both on in every upstream gemma2/3 file).
  let normsPerLayer = convention.normsPerLayer;
  if (convention.postNorms) {
    normsPerLayer += (flag('use_post_attn_norm', true) ? 1 : 0) + (flag('use_post_ffw_norm', true) ? 1 : 0);
  }
  const qkNormOn =
    convention.qkNorm === 'always' || (convention.qkNorm === 'config' && flag('use_qk_norm', false));
  // attentions.py: the q/k RMSNorms carry a scale unless qk_norm_with_scale is false.
  const qkNorm = qkNormOn && flag('qk_norm_with_scale', true) ? 'head' : 'none';

  // Knobs that only some blocks read: elsewhere a non-default value means another model.
  const expertsFound = settings.positiveInt('num_experts');
  const nExperts = expertsFound?.value ?? 1;
  const perTokenFound = settings.positiveInt('num_experts_per_tok');
  const perToken = perTokenFound?.value ?? 1;
  const sharedFound = settings.number('shared_experts');
  const sharedWritten = sharedFound?.value ?? 0;
  const firstDenseFound = settings.number('first_num_dense_layers');
  const firstDense = firstDenseFound?.value ?? 0;
  const interleaveFound = settings.number('interleave_moe_layer_step');
  const interleave = interleaveFound?.value ?? 1;
  const attentionType = String(settings.get('attention_type')?.value ?? 'global');
  // Before the mixtral block existed (google/maxtext @ e64f6813 layers/mistral.py), the mistral
  // block built a MoeBlock of mlp_dim-wide experts when num_experts > 1; today's mistral.py has no
  // experts, and today's types.py rejects num_experts > 1 without base_moe_mlp_dim. So a mistral
  // file with experts and no base_moe_mlp_dim is an older MaxText's Mixtral; with one it is ambiguous.
  let effective = convention;
  if (block === 'mistral' && nExperts > 1) {
    const moeMlp = settings.number('base_moe_mlp_dim');
    if (moeMlp && moeMlp.value > 0) {
      return unsupported(
        'decoder_block mistral with num_experts > 1 and base_moe_mlp_dim: older MaxText builds experts, current MaxText (mistral.py) does not',
        expertsFound?.source,
      );
    }
    effective = MAXTEXT_DECODER_BLOCKS.mixtral!;
    assumptions.push(
      'decoder_block mistral with num_experts > 1: the MoE mistral block of MaxText before the mixtral block (experts of mlp_dim)',
    );
  }
  if (!effective.moe && nExperts > 1) {
    return unsupported(
      `num_experts ${nExperts} with decoder_block ${block}, whose layers have no experts`,
      expertsFound?.source,
    );
  }
  // shared_experts is read by RoutedAndSharedMoE only (deepseek, llama4, gemma4). The base.yml of
  // AI-Hypercomputer/maxtext 42b23308 (Feb 2025, "Onboard DeepSeek MoE with shared experts") to
  // 6288c233 (Apr 2026, which set it to 0) defaults it to 1, which the other blocks ignore (forks of
  // that time carry that base.yml); a value other than the file's own base.yml default is another model.
  const sharedIsDefault = Number(settings.defaultValue('shared_experts') ?? 0) === sharedWritten;
  if (effective.moe !== 'routed-shared' && sharedWritten > 0 && !sharedIsDefault) {
    return unsupported(`shared_experts with decoder_block ${block}`, sharedFound?.source);
  }
  const shared = effective.moe === 'routed-shared' ? sharedWritten : 0;
  if (!effective.deepseek && firstDense > 0) {
    return unsupported(`first_num_dense_layers with decoder_block ${block}`, firstDenseFound?.source);
  }
  if (!effective.interleaved && interleave !== 1) {
    return unsupported(`interleave_moe_layer_step with decoder_block ${block}`, interleaveFound?.source);
  }
  if (!!effective.deepseek !== (attentionType === 'mla')) {
    return unsupported(
      `attention_type ${attentionType} with decoder_block ${block}`,
      settings.get('attention_type')?.source,
    );
  }

  const attentionBias = flag('attention_bias', false);
  if (attentionBias && !effective.qkvBiasFromConfig && !effective.projectionBiasFromConfig) {
    return unsupported(`attention_bias with decoder_block ${block}`, settings.get('attention_bias')?.source);
  }
  const sinks = flag('attention_sink', false);
  const expertBias = flag('mlp_bias', false);
  if ((sinks || expertBias) && !effective.sinksAndExpertBiasFromConfig) {
    const key = sinks ? 'attention_sink' : 'mlp_bias';
    return unsupported(`${key} with decoder_block ${block}`, settings.get(key)?.source);
  }
  const architecture: ArchitectureSpec = {
    nLayers,
    dModel: emb.value * embScale,
    nHeads: heads.value * headScale,
    nKvHeads: (kvHeads?.value ?? heads.value) * headScale,
    headDim: headDim.value,
    ffnSize,
    gatedMlp: gated,
    vocabSize: vocab.value,
    tiedEmbeddings: tied?.value ?? false,
    learnedPositions,
    qkvBias: effective.linearBias || attentionBias,
    attnOutBias: effective.linearBias || (!!effective.projectionBiasFromConfig && attentionBias),
    mlpBias: effective.linearBias,
    normsPerLayer,
    normWeight: true,
    normBias: effective.normBias,
    finalNorm: true,
    qkNorm,
    ...(sinks ? { attentionSinks: true } : {}),
  };
  if (effective.deepseek) {
    const rank = (key: string, min: number) => {
      const found = settings.number(key);
      if (!found || !Number.isSafeInteger(found.value) || found.value < min) {
        if (found)
          settings.invalid(key, settings.get(key)!, min ? 'a positive integer' : 'a whole number ≥ 0');
        return undefined;
      }
      return found.value;
    };
    const qLoraRank = rank('q_lora_rank', 0);
    const kvLoraRank = rank('kv_lora_rank', 1);
    const qkNopeHeadDim = rank('qk_nope_head_dim', 1);
    const qkRopeHeadDim = rank('qk_rope_head_dim', 1);
    const vHeadDim = rank('v_head_dim', 1);
    if (
      qLoraRank === undefined ||
      kvLoraRank === undefined ||
      qkNopeHeadDim === undefined ||
      qkRopeHeadDim === undefined ||
      vHeadDim === undefined
    ) {
      return unsupported('an MLA dimension is missing or invalid');
    }
    // attention_mla.py MLA: q (low-rank with q_norm when q_lora_rank > 0), wkv_a → kv_norm → wkv_b, out.
    architecture.mla = { qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim };
  }
  if (effective.moe) {
    put('nExperts', expertsFound?.source);
    put('expertsPerToken', perTokenFound?.source);
    if (perToken > nExperts) {
      // top-k of fewer experts is a config error, and the active count cannot be stated.
      const found = settings.get('num_experts_per_tok');
      settings.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `\`num_experts_per_tok\` (${perToken}) exceeds \`num_experts\` (${nExperts}): the active parameter count is unknown.`,
        range: rangeInThisFile(found?.source),
      });
      settings.reject('num_experts_per_tok', found?.source);
    }
    let expertFfnSize = ffnSize;
    if (effective.expertWidth === 'moe') {
      const moeMlp = settings.number('base_moe_mlp_dim');
      if (!moeMlp || !Number.isSafeInteger(moeMlp.value) || moeMlp.value <= 0) {
        // types.py: "moe_mlp_dim must be positive for MoE models".
        return unsupported(`decoder_block ${block} needs a positive base_moe_mlp_dim`, moeMlp?.source);
      }
      expertFfnSize = moeMlp.value * headScale;
    }
    if (!Number.isInteger(shared) || shared < 0 || !Number.isInteger(firstDense) || firstDense < 0) {
      return unsupported('shared_experts and first_num_dense_layers must be whole numbers ≥ 0');
    }
    let moeLayers = nLayers;
    if (effective.deepseek) {
      if (firstDense > nLayers)
        return unsupported(`first_num_dense_layers ${firstDense} > ${nLayers} layers`);
      moeLayers = nLayers - firstDense;
    }
    if (effective.interleaved) {
      if (!Number.isInteger(interleave) || interleave < 1) {
        return unsupported('interleave_moe_layer_step must be a positive integer', interleaveFound?.source);
      }
      // llama4.py determine_is_moe_layer: (layer_id + 1) % step == 0.
      moeLayers = Math.floor(nLayers / interleave);
    }
    const routerBias = flag('routed_bias', false);
    architecture.moe = {
      nExperts,
      expertsPerToken: perToken,
      expertFfnSize,
      moeLayers,
      ...(shared > 0 ? { sharedExpertFfnSize: shared * expertFfnSize } : {}),
      ...(routerBias ? { routerBias: true } : {}),
      ...(expertBias ? { expertBias: true } : {}),
    };
    // RoutedMoE experts are always gated (wi_0, wi_1, wo); the shared MlpBlock follows mlp_activations.
    if (!gated) return unsupported(`an MoE block with a non-gated mlp_activations`, activationsFound?.source);
  }
  return architecture;
}

function readTraining(
  settings: Settings,
  context: ReadContext,
  sources: Partial<Record<TrainingField, FieldSource>>,
  assumptions: string[],
): TrainingSpec {
  const training: TrainingSpec = {};
  let steps = settings.number('steps');
  if (steps && steps.value === -1) {
    // base.yml: "If set to -1 then will inherit value from learning_rate_schedule_steps".
    const schedule = settings.number('learning_rate_schedule_steps');
    if (schedule && schedule.value > 0) steps = schedule;
  }
  const perDevice = settings.number('per_device_batch_size');
  const accumulation = settings.positiveInt('gradient_accumulation_steps');
  const seq = settings.positiveInt('max_target_length');
  if (steps?.source) sources.duration = sources.steps = steps.source;
  if (perDevice?.source) sources.microBatch = perDevice.source;
  if (accumulation?.source) sources.gradAccum = accumulation.source;
  if (seq?.source) sources.seqLen = seq.source;
  if (!steps || steps.value <= 0 || !perDevice || perDevice.value <= 0 || !seq) {
    training.missing = ['training length'];
    return training;
  }
  const gradAccum = accumulation?.value ?? 1;
  training.steps = steps.value;
  training.seqLen = seq.value;
  const mesh = meshDevices(settings);
  if (mesh) {
    training.gpus = mesh.devices;
    if (mesh.source) sources.gpus = mesh.source;
  }
  const devices = mesh?.devices ?? context.options?.gpus;
  const perStepFormula = `per_device_batch_size ${perDevice.value} × gradient_accumulation_steps ${gradAccum} × max_target_length ${seq.value}`;
  if (devices && devices > 0) {
    // pyconfig: the global batch is int(num_devices × per_device_batch_size) × accumulation.
    const globalBatch = Math.floor(devices * perDevice.value) * gradAccum;
    if (globalBatch === 0) {
      // types.py calculate_global_batch_sizes: micro_batch_to_train = int(num_devices × per_device_batch_size).
      settings.diagnostics.push({
        severity: 'warning',
        code: 'invalid-value',
        message: `per_device_batch_size ${perDevice.value} on ${devices} devices gives a global batch of int(${devices} × ${perDevice.value}) = 0 sequences; MaxText would train on nothing.`,
        range: perDevice.source && !perDevice.source.file ? perDevice.source.valueRange : undefined,
      });
      training.missing = ['global batch size (per_device_batch_size × num_devices rounds down to 0)'];
      return training;
    }
    training.globalBatchSeqs = globalBatch;
    training.tokensPerStep = globalBatch * seq.value;
    training.tokens = steps.value * training.tokensPerStep;
    training.formula = `steps ${format(steps.value)} × ${perStepFormula} × ${devices} devices (${mesh ? `the mesh: ${mesh.how}` : 'device count from settings'})`;
    training.durationUnit = { kind: 'steps', tokensPerUnit: training.tokensPerStep, suffix: '' };
    return training;
  }
  const perDeviceTokens = steps.value * perDevice.value * gradAccum * seq.value;
  // A fractional per_device_batch_size is rounded down over the whole slice (int(num_devices × pdbs)).
  training.formula = Number.isInteger(perDevice.value)
    ? `steps ${format(steps.value)} × ${perStepFormula} × num_devices = ${format(perDeviceTokens)} × num_devices`
    : `steps ${format(steps.value)} × int(num_devices × per_device_batch_size ${perDevice.value}) × gradient_accumulation_steps ${gradAccum} × max_target_length ${seq.value} (≈ ${format(perDeviceTokens)} × num_devices)`;
  training.missing = ['device count'];
  training.durationUnit = { kind: 'steps', suffix: '' };
  settings.diagnostics.push({
    severity: 'info',
    code: 'missing-gpus',
    message:
      'MaxText trains on every device of the slice: tokens = steps × per_device_batch_size × num_devices × gradient_accumulation_steps × max_target_length. Set the device count (setting scalingLens.missing.gpus, CLI --gpus).',
    range: steps.source && !steps.source.file ? steps.source.keyRange : undefined,
  });
  assumptions.push('num_devices comes from the TPU/GPU slice, not from the config');
  return training;
}

/**
 * The device count the run's own mesh fixes: MaxText builds the mesh from ici_*_parallelism (within a
 * slice) × dcn_*_parallelism (across slices) over mesh_axes, and fails unless the product is the
 * number of devices (configs/types.py @e591f30c: `ici_parallelism = [ici_map[axis] for axis in
 * mesh_axes]`; maxtext_utils create_device_mesh). Known only when every degree of the effective
 * layering (base.yml ← model file ← this launch's arguments) is a positive whole number: base.yml's
 * -1 (ici_fsdp_parallelism, dcn_data_parallelism) fills the slice, whatever size it is. Another
 * command in the same script (a decode.py with ici_autoregressive_parallelism=4) is not this run.
 */
function meshDevices(settings: Settings): { devices: number; how: string; source?: FieldSource } | undefined {
  const meshAxes = settings.peek('mesh_axes');
  // A mesh_axes of the file's own (not its base.yml's) drops or reorders axes: not modelled here.
  if (meshAxes && JSON.stringify(meshAxes.value) !== JSON.stringify(settings.baseValue('mesh_axes')))
    return undefined;
  const names = [...settings.keys()].filter((key) => /^(ici|dcn)_[a-z_]+_parallelism$/.test(key)).sort();
  if (!names.includes('ici_fsdp_parallelism') || !names.includes('dcn_data_parallelism')) return undefined;
  let devices = 1;
  const written: string[] = [];
  let source: FieldSource | undefined;
  for (const name of names) {
    const item = settings.peek(name);
    if (!item || item.unresolved || item.refused) return undefined;
    const value = typeof item.value === 'string' ? Number(item.value) : item.value;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return undefined;
    devices *= value;
    if (value !== 1 || name === 'ici_fsdp_parallelism' || name === 'dcn_data_parallelism') {
      written.push(`${name} ${value}`);
      if (!source && item.source && !item.source.file) source = item.source;
    }
  }
  if (!(devices >= 1 && devices <= 1_000_000)) return undefined;
  return { devices, how: `${written.join(' × ')} = ${devices} devices`, source };
}

function emptySpec(diagnostics: CoreDiagnostic[], assumptions: string[]): RunSpec {
  return {
    framework: 'maxtext',
    training: { missing: ['training length'] },
    archSources: {},
    trainingSources: {},
    usedKeys: [],
    assumptions,
    diagnostics,
  };
}

/** MaxText YAML configs and launch scripts. */
export const maxtextReader: FrameworkReader<'maxtext'> = neverThrowing({
  id: 'maxtext',
  label: 'MaxText',
  detect,
  inventory: MAXTEXT_INVENTORY,
  read,
  schedule: maxtextSchedule,
  layout: maxtextLayout,
});
