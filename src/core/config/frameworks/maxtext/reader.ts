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
import { parseShell, type ShellField } from '../../shell';
import { MAXTEXT_INVENTORY } from './inventory';

/**
 * MaxText reader: YAML configs (base.yml, configs/models/*.yml, copies of base.yml) and shell
 * launchers that run `python3 MaxText/train.py MaxText/configs/base.yml key=value ...`.
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
}

/** One layer of settings (built-in defaults, a YAML file, the command line). */
export interface Layer {
  label: string;
  values: Map<string, LayerValue>;
}

const TRAIN_MARKER = /(^|\/)MaxText\/(?:[\w.-]+\/)*train(?:_compile)?\.py$|^MaxText\.train(?:_compile)?$/;
const SHELL_MARKER =
  /MaxText\/(?:[\w.-]+\/)*train(?:_compile)?\.py|MaxText\/\$\{?\w+\}?|-m\s+MaxText\.train\b|MaxText\/configs\/\w+\.yml/;

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

function isShellText(text: string, path: string | undefined): boolean {
  if (path && /\.(sh|bash)$/i.test(path)) return true;
  if (path && /\.ya?ml$/i.test(path)) return false;
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
  if (baseDirectory) candidates.push(join(baseDirectory, `models/${modelName}.yml`));
  if (context.path) {
    for (const dir of ancestors(context.path)) {
      candidates.push(join(dir, `models/${modelName}.yml`), join(dir, `configs/models/${modelName}.yml`));
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
        return found;
      }
    }
    return undefined;
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

  if (isShellText(text, context.path)) {
    const script = parseShell(text);
    diagnostics.push(...script.diagnostics);
    const launch = findLaunch(script.statements);
    if (!launch) {
      diagnostics.push({
        severity: 'warning',
        code: 'missing-architecture',
        message: 'No `MaxText/train.py <config.yml> key=value ...` command found in this script.',
      });
      return { kind: 'run-config', spec: emptySpec(diagnostics, assumptions) };
    }
    modelSectionRange = script.lines.range(launch.start, launch.end);
    // `${MAXTEXT_DIR}/configs/base.yml`: resolve what follows the unknown prefix.
    const configName = launch.config?.text ?? launch.config?.raw.replace(/^.*\$\{?\w+\}?\/?/, '');
    if (launch.config && configName) {
      const resolved = resolveConfigPath(context, configName);
      const layer = resolved ? yamlLayer(resolved.text, configName, resolved.path) : undefined;
      if (resolved && layer) {
        layers.push(layer);
        baseDirectory = directoryOf(resolved.path);
        baseFound = true;
      } else {
        diagnostics.push({
          severity: 'info',
          code: 'base-config-unavailable',
          message: `${quoted(configName, 120)} could not be read next to this script: MaxText's base.yml defaults are assumed.`,
          range: script.lines.range(launch.config.start, launch.config.end),
        });
      }
    }
    const cli: Layer = { label: 'command line', values: new Map() };
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
    if (isFullConfig) {
      layers.push(layer);
      baseFound = true;
      if (context.path) baseDirectory = directoryOf(context.path);
    } else {
      // A model overlay: its base.yml sits in the parent configs/ directory.
      const base = findBaseConfig(context);
      const baseLayer = base ? yamlLayer(base.text, 'base.yml', base.path) : undefined;
      if (base && baseLayer) {
        layers.push(baseLayer);
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
    const overlay = modelLayer(context, baseDirectory, modelName, assumptions);
    if (overlay) {
      // pyconfig applies the model file over the config file and under the command line.
      const cliLast = layers[layers.length - 1].label === 'command line';
      layers.splice(cliLast ? layers.length - 1 : layers.length, 0, overlay);
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
  const architecture = readArchitecture(settings, archSources, assumptions);
  settings.phase = 'training';
  const training = readTraining(settings, context, trainingSources, assumptions);
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
  // The layers (base.yml ← models/<name>.yml ← command line) are the layout reader's input too.
  return {
    kind: 'run-config',
    spec: settings.finish(spec),
    written: writtenKeys(layers, modelSectionRange),
    parsed: { maxtextLayers: layers },
  };
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

/** The train.py command: the config file argument and the key=value overrides after it. */
function findLaunch(
  statements: ReturnType<typeof parseShell>['statements'],
): { start: number; end: number; config?: ShellField; overrides: ShellField[] } | undefined {
  let found: { start: number; end: number; config?: ShellField; overrides: ShellField[] } | undefined;
  for (const statement of statements) {
    // `MaxText/$EXECUTABLE` with EXECUTABLE unknown still names the trainer.
    const marker = statement.fields.findIndex(
      (field) => TRAIN_MARKER.test(field.text ?? field.raw) || /(^|\/)MaxText\/\$\{?\w+\}?$/.test(field.raw),
    );
    if (marker < 0) continue;
    const rest = statement.fields.slice(marker + 1);
    const configIndex = rest.findIndex((field) => /\.ya?ml$/.test(field.text ?? field.raw));
    const config = configIndex >= 0 ? rest[configIndex] : undefined;
    const overrides = rest
      .slice(configIndex + 1)
      .filter((field) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(field.raw));
    const candidate = { start: statement.fields[marker].start, end: statement.end, config, overrides };
    // Prefer real commands over argument strings; among equals, the last launch wins.
    if (!found || statement.kind === 'command' || !found.config) found = candidate;
  }
  return found;
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
  const shared = sharedFound?.value ?? 0;
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
  if (effective.moe !== 'routed-shared' && shared > 0) {
    return unsupported(`shared_experts with decoder_block ${block}`, sharedFound?.source);
  }
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
  if (attentionBias && !effective.qkvBiasFromConfig) {
    return unsupported(`attention_bias with decoder_block ${block}`, settings.get('attention_bias')?.source);
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
    attnOutBias: effective.linearBias,
    mlpBias: effective.linearBias,
    normsPerLayer,
    normWeight: true,
    normBias: effective.normBias,
    finalNorm: true,
    qkNorm,
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
  const devices = context.options?.gpus;
  const perStepFormula = `per_device_batch_size ${perDevice.value} × gradient_accumulation_steps ${gradAccum} × max_target_length ${seq.value}`;
  if (devices && devices > 0) {
    // pyconfig: the global batch is int(num_devices × per_device_batch_size) × accumulation.
    const globalBatch = Math.floor(devices * perDevice.value) * gradAccum;
    training.globalBatchSeqs = globalBatch;
    training.tokensPerStep = globalBatch * seq.value;
    training.tokens = steps.value * training.tokensPerStep;
    training.formula = `steps ${format(steps.value)} × ${perStepFormula} × ${devices} devices (device count from settings)`;
    training.durationUnit = { kind: 'steps', tokensPerUnit: training.tokensPerStep, suffix: '' };
    return training;
  }
  const perDeviceTokens = steps.value * perDevice.value * gradAccum * seq.value;
  training.formula = `steps ${format(steps.value)} × ${perStepFormula} × num_devices = ${format(perDeviceTokens)} × num_devices`;
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
