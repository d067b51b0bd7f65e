import { DelimitedParser, guessDelimiter, parsePlainDecimal, type CsvRecord } from './csv';
import {
  concatRunColumns,
  emptyRunColumns,
  runsFromColumns,
  type RunColumns,
  type RunColumnsRun,
} from './columns';
import type { ColumnChoice, DropReason, IngestOptions, IngestReport, RunSeries } from './types';

/**
 * Reading the user's runs from text: CSV/TSV tables, JSONL logs, JSON arrays, Hugging Face
 * `trainer_state.json` and Weights & Biases CSV exports. Pure (no fs): the CLI and the editor pass text.
 *
 * Every row ends up either as a checkpoint of a run or counted under a drop reason with a first
 * example, so the user can see what was read, what was dropped and why.
 */

/** Largest text accepted (characters). Larger inputs are refused with a message, not parsed. */
export const MAX_RUNS_TEXT_CHARS = 256 * 1024 * 1024;
const DEFAULT_MAX_ROWS = 5_000_000;

/** Normalized column name: lower case, letters and digits only (`eval/loss` → `evalloss`). */
export function normalizeColumn(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Column aliases (normalized), best first. Sources: the Chinchilla/Epoch CSV (`N_params`, `D_tokens`,
 * `C_flops`), ColPret/Hitchhiker (`num_params`, `tokens_seen`, `model_name`), HF Trainer (`eval_loss`,
 * `num_input_tokens_seen`, `global_step`), W&B history exports (`_step`, `train/loss`, `eval/loss`),
 * Sardana et al. (`Parameters`, `Tokens`, `Smoothed Loss`, `Model Name`), datablations (`token_num`).
 * Validation losses come before training losses: scaling laws are about held-out loss.
 */
const COLUMN_ALIASES: Record<keyof ColumnChoice, readonly string[]> = {
  params: [
    'params',
    'n',
    'nparams',
    'numparams',
    'modelsize',
    'parameters',
    'numparameters',
    'paramcount',
    'nparameters',
    'totalparams',
    'modelparams',
    'paramstotal',
    'modelnumparams',
    // HF Trainer's WandbCallback stores `model/num_parameters` in the run config (W&B runs-table exports).
    'modelnumparameters',
    'modelnparams',
    'size',
  ],
  tokens: [
    'tokens',
    'd',
    'dtokens',
    'tokensseen',
    'numtokens',
    'tokennum',
    'ntokens',
    'trainedtokens',
    'traintokens',
    'numinputtokensseen',
    'totaltokens',
    'tokensprocessed',
    'consumedtokens',
    'tokenstrained',
    // W&B keys: custom loops log `train/tokens_seen`; HF Trainer's WandbCallback rewrites
    // `num_input_tokens_seen` to `train/num_input_tokens_seen` (transformers integration_utils.rewrite_logs).
    'traintokensseen',
    'trainnuminputtokensseen',
    'traintotaltokens',
  ],
  // Optimizer-step counters first: W&B's own `_step` (normalized `step`) counts wandb.log calls, which
  // differs from the optimizer step whenever a run logs more than once per step (HF Trainer's
  // WandbCallback logs `train/global_step` for that reason; Lightning logs `trainer/global_step`).
  step: [
    'trainglobalstep',
    'trainerglobalstep',
    'globalstep',
    'trainstep',
    'optimizerstep',
    'step',
    'steps',
    'iter',
    'iteration',
    'iterations',
  ],
  loss: [
    'valloss',
    'validationloss',
    'evalloss',
    'validloss',
    'lossval',
    'evallmloss',
    'vallmloss',
    'testloss',
    'loss',
    'lmloss',
    'smoothedloss',
    'finalloss',
    'trainloss',
    'trainingloss',
    'trainlmloss',
  ],
  model: ['run', 'runname', 'model', 'modelname', 'name', 'runid', 'experiment'],
  seed: ['seed', 'randomseed', 'dataseed'],
  flops: ['flops', 'c', 'cflops', 'compute', 'trainingflops', 'totalflops', 'computeflops'],
};

/** Magnitude suffixes accepted in N and token cells (`125M`, `1.3B`, `300B`). */
const SUFFIX_MULTIPLIERS: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

type Cell = string | number | boolean | null | undefined;

/** A number from a cell: a value, 'missing' (empty/None), 'nan' (NaN/inf) or 'bad' (text). */
export function parseCell(cell: Cell, allowSuffix: boolean): number | 'missing' | 'nan' | 'bad' {
  if (cell === null || cell === undefined) return 'missing';
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : 'nan';
  if (typeof cell === 'boolean') return 'bad';
  // Fast path for plain decimals (the bulk of a large table): only digits, sign, point and exponent,
  // which Number() reads exactly as the pattern below does; anything else takes the full path.
  if (isPlainNumber(cell)) {
    const value = Number(cell);
    if (Number.isFinite(value)) return value;
  }
  const text = cell.trim();
  if (text === '' || /^(none|null|na|n\/a|-)$/i.test(text)) return 'missing';
  if (/^[+-]?(nan|inf|infinity)$/i.test(text)) return 'nan';
  const match = /^([+-]?(?:\d[\d_]*\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([kmbgt])?$/i.exec(text);
  if (!match || (match[2] && !allowSuffix)) return 'bad';
  const value =
    Number(match[1].replace(/_/g, '')) * (match[2] ? SUFFIX_MULTIPLIERS[match[2].toLowerCase()] : 1);
  return Number.isFinite(value) ? value : 'nan';
}

/** Only [0-9+-.eE], starting with a digit, sign or point (no spaces, underscores, suffixes). */
function isPlainNumber(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 32) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // 0-9, '+', '-', '.', 'e', 'E'
    if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 101 || c === 69)) return false;
  }
  const first = text.charCodeAt(0);
  return first !== 101 && first !== 69;
}

/**
 * A model size stated in a run name (`pythia-70m`, `OPT-1.3b`, `OLMo-7B-Twin-2T` → 7e9), or undefined:
 * the one number with a k, M or B suffix (T is read as tokens, as in "2T"); two different sizes in
 * one name (`1B-distilled-from-7B`) are ambiguous.
 */
export function paramsFromName(name: string): number | undefined {
  const sizes = new Set<number>();
  for (const m of name.matchAll(/(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)\s*([kmb])(?![a-z])/gi))
    sizes.add(Number(m[1]) * SUFFIX_MULTIPLIERS[m[2].toLowerCase()]);
  const [only] = sizes;
  return sizes.size === 1 && only > 0 ? only : undefined;
}

/** A fresh report. */
export function emptyIngestReport(source: string, format: IngestReport['format']): IngestReport {
  return {
    source,
    format,
    rowsRead: 0,
    pointsKept: 0,
    columns: {},
    dropped: {},
    dropExamples: {},
    errors: [],
    warnings: [],
    notes: [],
  };
}

/** Result of reading runs. */
export interface RunsRead {
  runs: RunSeries[];
  report: IngestReport;
}

/** Result of reading runs as columns (src/core/fit/columns.ts). */
export interface ColumnsRead {
  columns: RunColumns;
  report: IngestReport;
}

/** A row as a lookup by column name, with where it came from. */
interface Row {
  line: number;
  get(column: string): Cell;
}

/**
 * The best column for a quantity among `available` by the aliases above (names compared normalized,
 * so `eval/loss`, `train/learning_rate` and W&B's `_step` match), and the other matching columns in
 * preference order (e.g. the training loss a validation loss was chosen over).
 */
export function pickColumn(
  available: readonly string[],
  key: keyof ColumnChoice,
): { column?: string; others: string[] } {
  const byNormalized = new Map<string, string>();
  for (const name of available)
    if (!byNormalized.has(normalizeColumn(name))) byNormalized.set(normalizeColumn(name), name);
  const matches = COLUMN_ALIASES[key].map((a) => byNormalized.get(a)).filter((c): c is string => !!c);
  return { ...(matches[0] ? { column: matches[0] } : {}), others: matches.slice(1) };
}

/** Pick a column for each quantity from the available names (forced choices win when present). */
function chooseColumns(
  available: readonly string[],
  forced: ColumnChoice | undefined,
  report: IngestReport,
): ColumnChoice | undefined {
  const byNormalized = new Map<string, string>();
  for (const name of available)
    if (!byNormalized.has(normalizeColumn(name))) byNormalized.set(normalizeColumn(name), name);
  const choice: ColumnChoice = {};
  for (const key of Object.keys(COLUMN_ALIASES) as (keyof ColumnChoice)[]) {
    const wanted = forced?.[key];
    if (wanted) {
      const found = available.includes(wanted) ? wanted : byNormalized.get(normalizeColumn(wanted));
      if (!found) {
        report.errors.push(
          `No column "${wanted}" for ${key}; columns are: ${available.slice(0, 30).join(', ')}.`,
        );
        return undefined;
      }
      choice[key] = found;
      continue;
    }
    const { column } = pickColumn(available, key);
    if (column) choice[key] = column;
  }
  const { others } = pickColumn(available, 'loss');
  if (!forced?.loss && others.length)
    report.notes.push(
      `Loss column "${choice.loss}" chosen over ${others
        .map((c) => `"${c}"`)
        .join(', ')} (validation loss preferred; override with the loss column option).`,
    );
  return choice;
}

/** Counts a dropped row and remembers the first example. */
function dropRow(report: IngestReport, reason: DropReason, example: string, count = 1): void {
  report.dropped[reason] = (report.dropped[reason] ?? 0) + count;
  if (!report.dropExamples[reason]) report.dropExamples[reason] = example;
}

/** A growable Float64Array. */
class Growable {
  data = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

/** A flat copy of a string, so a run name cut out of a file chunk does not keep the chunk alive. */
function flat(text: string): string {
  return text.length < 13 ? text : text.split('').join('');
}

/**
 * Exact-duplicate detection on (run, tokens, loss) without a string per row: an open-addressing hash
 * set of row numbers over the builder's columns. Values are positive and finite here, so equal bits
 * are equal numbers.
 */
class PointSet {
  private table = new Int32Array(2048).fill(-1);
  private size = 0;
  private readonly bits = new Float64Array(1);
  private readonly words = new Int32Array(this.bits.buffer);

  constructor(
    private readonly run: Growable,
    private readonly tokens: Growable,
    private readonly loss: Growable,
  ) {}

  private hash(run: number, tokens: number, loss: number): number {
    const { bits, words } = this;
    let h = Math.imul(run + 1, 0x9e3779b1);
    bits[0] = tokens;
    h = Math.imul(h ^ words[0]!, 0x85ebca6b) ^ words[1]!;
    bits[0] = loss;
    h = Math.imul(h ^ words[0]!, 0xc2b2ae35) ^ words[1]!;
    h ^= h >>> 15;
    return Math.imul(h, 0x27d4eb2f) ^ (h >>> 13);
  }

  /** True when a row with these values was added before; otherwise remembers row `row`. */
  addOrFind(row: number, run: number, tokens: number, loss: number): boolean {
    const mask = this.table.length - 1;
    let slot = this.hash(run, tokens, loss) & mask;
    for (;;) {
      const other = this.table[slot]!;
      if (other < 0) break;
      if (
        this.run.data[other] === run &&
        this.tokens.data[other] === tokens &&
        this.loss.data[other] === loss
      )
        return true;
      slot = (slot + 1) & mask;
    }
    this.table[slot] = row;
    if (++this.size * 2 > this.table.length) this.grow();
    return false;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2).fill(-1);
    const mask = this.table.length - 1;
    for (const row of old) {
      if (row < 0) continue;
      let slot = this.hash(this.run.data[row]!, this.tokens.data[row]!, this.loss.data[row]!) & mask;
      while (this.table[slot]! >= 0) slot = (slot + 1) & mask;
      this.table[slot] = row;
    }
  }
}

type Parsed = number | 'missing' | 'nan' | 'bad';
const REQUIRED = ['params', 'tokens', 'loss'] as const;

/**
 * Turns rows into runs as columns with the chosen columns; shared by every tabular format. Each row
 * becomes a checkpoint or a drop (counted, first example kept). Nothing per row is kept but its
 * numbers in typed columns: a large table streams through with a few flat arrays.
 */
class RunsBuilder {
  private readonly runIndex = new Map<string, number>();
  private readonly runs: { name: string; params: number; seed?: string }[] = [];
  private readonly run = new Growable();
  private readonly tokens = new Growable();
  private readonly loss = new Growable();
  private readonly step = new Growable();
  private readonly flops = new Growable();
  private readonly seen = new PointSet(this.run, this.tokens, this.loss);
  private readonly maxRows: number;
  private inferredFromName = false;
  private readonly namedSizes = new Map<string, number | undefined>();
  // The previous row's run, to skip the key and lookup on the next row of the same run.
  private lastName: string | undefined;
  private lastSeed: string | undefined;
  private lastParams = NaN;
  private lastRun = -1;

  constructor(
    private readonly columns: ColumnChoice,
    private readonly options: IngestOptions,
    private readonly report: IngestReport,
    private readonly defaultName: string,
    /** The default name identifies the run (a W&B run, --run-name); otherwise unnamed runs are named by N. */
    private readonly defaultNameIsRun = false,
  ) {
    this.maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  }

  add(row: Row): void {
    const { columns, options, report } = this;
    report.rowsRead++;
    if (report.rowsRead > this.maxRows) {
      dropRow(report, 'too-many-rows', `line ${row.line}`);
      return;
    }
    if (options.where?.some((f) => String(row.get(f.column) ?? '') !== f.value)) {
      dropRow(report, 'filtered', `line ${row.line}`);
      return;
    }
    const name = columns.model
      ? String(row.get(columns.model) ?? '').trim() || this.defaultName
      : this.defaultName;
    const seed = columns.seed ? String(row.get(columns.seed) ?? '').trim() || undefined : undefined;
    let params: Parsed = columns.params
      ? parseCell(row.get(columns.params), true)
      : (options.params ?? 'missing');
    let tokens: Parsed = columns.tokens ? parseCell(row.get(columns.tokens), true) : 'missing';
    const loss: Parsed = columns.loss ? parseCell(row.get(columns.loss), false) : 'missing';
    const step: Parsed = columns.step ? parseCell(row.get(columns.step), false) : 'missing';
    const flops: Parsed = columns.flops ? parseCell(row.get(columns.flops), true) : 'missing';
    if (params === 'missing' && options.params !== undefined) params = options.params;
    if (params === 'missing') {
      let fromName = this.namedSizes.get(name);
      if (!this.namedSizes.has(name)) this.namedSizes.set(flat(name), (fromName = paramsFromName(name)));
      if (fromName !== undefined) {
        params = fromName;
        this.inferredFromName = true;
      }
    }
    if (tokens === 'missing' && typeof step === 'number' && options.tokensPerStep) {
      tokens = step * options.tokensPerStep;
    }
    if (!(typeof params === 'number' && typeof tokens === 'number' && typeof loss === 'number')) {
      this.dropUnusable(row, { params, tokens, loss });
      return;
    }
    if (!(params > 0 && tokens > 0 && loss > 0)) {
      this.dropUnusable(row, { params, tokens, loss });
      return;
    }
    this.keep(row.line, name, seed, params, tokens, loss, step, flops);
  }

  /**
   * A row whose cells were read as plain numbers by the table fast path (readTable): the same as
   * {@link add} for a row with a model (or no model) column, N, tokens and loss columns, no seed
   * column and no filters, whose numeric cells are all plain decimals.
   */
  addNumbers(
    line: number,
    name: string,
    params: number,
    tokens: number,
    loss: number,
    step: Parsed,
    flops: Parsed,
  ): void {
    const report = this.report;
    report.rowsRead++;
    if (report.rowsRead > this.maxRows) {
      dropRow(report, 'too-many-rows', `line ${line}`);
      return;
    }
    if (!(params > 0 && tokens > 0 && loss > 0)) {
      this.dropUnusable({ line, get: () => undefined }, { params, tokens, loss });
      return;
    }
    this.keep(line, name, undefined, params, tokens, loss, step, flops);
  }

  private keep(
    line: number,
    name: string,
    seed: string | undefined,
    params: number,
    tokens: number,
    loss: number,
    step: Parsed,
    flops: Parsed,
  ): void {
    const report = this.report;
    let run: number;
    if (name === this.lastName && seed === this.lastSeed && params === this.lastParams) run = this.lastRun;
    else {
      const runKey = `${name}\u0000${seed ?? ''}\u0000${params}`;
      const found = this.runIndex.get(runKey);
      if (found !== undefined) run = found;
      else {
        run = this.runs.length;
        const kept = { name: flat(name), params, ...(seed !== undefined ? { seed: flat(seed) } : {}) };
        this.runs.push(kept);
        this.runIndex.set(`${kept.name}\u0000${kept.seed ?? ''}\u0000${params}`, run);
      }
      this.lastName = name;
      this.lastSeed = seed;
      this.lastParams = params;
      this.lastRun = run;
    }
    if (this.seen.addOrFind(this.tokens.length, run, tokens, loss)) {
      dropRow(report, 'duplicate', `line ${line}`);
      return;
    }
    this.run.push(run);
    this.tokens.push(tokens);
    this.loss.push(loss);
    // Step and FLOPs columns only when the table has them (8 bytes a row each otherwise wasted).
    if (this.columns.step) this.step.push(typeof step === 'number' ? step : NaN);
    if (this.columns.flops) this.flops.push(typeof flops === 'number' && flops > 0 ? flops : NaN);
    report.pointsKept++;
  }

  /** Drops a row whose N, tokens or loss is unusable, under the first reason that applies. */
  private dropUnusable(row: Row, values: Record<(typeof REQUIRED)[number], Parsed>): void {
    const { columns, report } = this;
    const describe = (key: (typeof REQUIRED)[number]) =>
      `line ${row.line}: ${key} "${String(row.get(columns[key] ?? '') ?? '')}"`;
    const first = (kind: Parsed) => REQUIRED.find((k) => values[k] === kind);
    const bad = first('bad');
    if (bad) return dropRow(report, 'unparseable', describe(bad));
    const missing = first('missing');
    if (missing) return dropRow(report, 'missing-value', `line ${row.line}: no ${missing}`);
    const nan = first('nan');
    if (nan) return dropRow(report, 'nan', describe(nan));
    const key = REQUIRED.find((k) => !((values[k] as number) > 0))!;
    dropRow(report, 'non-positive', `line ${row.line}: ${key} = ${values[key]}`);
  }

  /**
   * The runs as columns: grouped by run (in order of first appearance), each run's checkpoints sorted
   * by tokens (stable), names disambiguated as {@link finishRuns} describes.
   */
  finish(): RunColumns {
    const { report } = this;
    if (this.inferredFromName)
      report.notes.push('N was read from run names (e.g. "-125m") because the data has no parameter column.');
    const n = this.tokens.length;
    const runCount = this.runs.length;
    const counts = new Int32Array(runCount + 1);
    const runOf = this.run.data;
    for (let i = 0; i < n; i++) counts[runOf[i]! + 1]!++;
    for (let r = 0; r < runCount; r++) counts[r + 1]! += counts[r]!;
    const starts = counts.slice(0, runCount);
    // Counting sort by run keeps file order within a run.
    const order = new Int32Array(n);
    const cursor = counts.slice(0, runCount);
    for (let i = 0; i < n; i++) order[cursor[runOf[i]!]!++] = i;
    const tokensIn = this.tokens.data;
    for (let r = 0; r < runCount; r++) {
      const from = starts[r]!;
      const to = r + 1 < runCount ? starts[r + 1]! : n;
      let sorted = true;
      for (let k = from + 1; k < to && sorted; k++)
        if (tokensIn[order[k]!]! < tokensIn[order[k - 1]!]!) sorted = false;
      if (!sorted) {
        // Stable: ties keep file order.
        const slice = Array.from(order.subarray(from, to)).sort(
          (p, q) => tokensIn[p]! - tokensIn[q]! || p - q,
        );
        order.set(slice, from);
      }
    }
    const gather = (source: Float64Array) => {
      const out = new Float64Array(n);
      for (let k = 0; k < n; k++) out[k] = source[order[k]!]!;
      return out;
    };
    const anyStated = (g: Growable) => {
      for (let i = 0; i < g.length; i++) if (!Number.isNaN(g.data[i])) return true;
      return false;
    };
    const runs: RunColumnsRun[] = this.runs.map((run, r) => ({
      ...run,
      start: starts[r]!,
      count: (r + 1 < runCount ? starts[r + 1]! : n) - starts[r]!,
    }));
    const columns: RunColumns = {
      runs,
      tokens: gather(tokensIn),
      loss: gather(this.loss.data),
      ...(anyStated(this.step) ? { step: gather(this.step.data) } : {}),
      ...(anyStated(this.flops) ? { flops: gather(this.flops.data) } : {}),
    };
    finishRuns(
      runs,
      this.columns.model || this.defaultNameIsRun
        ? { ...this.columns, model: this.columns.model ?? 'run' }
        : this.columns,
      report,
    );
    return columns;
  }
}

/** Turn rows into runs (columns) with the chosen columns. */
function rowsToRuns(
  rows: Iterable<Row>,
  columns: ColumnChoice,
  options: IngestOptions,
  report: IngestReport,
  defaultName: string,
  defaultNameIsRun = false,
): RunColumns {
  const builder = new RunsBuilder(columns, options, report, defaultName, defaultNameIsRun);
  for (const row of rows) builder.add(row);
  return builder.finish();
}

/** Disambiguate names shared by different N, and name unnamed runs by N (in place). */
function finishRuns(runs: RunColumnsRun[], columns: ColumnChoice, report: IngestReport): void {
  const nameCounts = new Map<string, Set<number>>();
  for (const run of runs) {
    const sizes = nameCounts.get(run.name) ?? nameCounts.set(run.name, new Set()).get(run.name)!;
    sizes.add(run.params);
  }
  for (const run of runs) {
    // Without a model column every N is its own model (as in the Chinchilla/Epoch table).
    if (!columns.model || (nameCounts.get(run.name)?.size ?? 0) > 1)
      run.name = `${columns.model ? run.name + ' ' : ''}N=${formatCount(run.params)}`;
  }
  // Names identify models for resampling and leave-one-out, so rounded sizes must not merge runs.
  const byName = new Map<string, Set<number>>();
  for (const run of runs)
    (byName.get(run.name) ?? byName.set(run.name, new Set()).get(run.name)!).add(run.params);
  for (const run of runs) if ((byName.get(run.name)?.size ?? 0) > 1) run.name = `${run.name} (${run.params})`;
  if (runs.length === 0 && report.errors.length === 0) {
    const reasons = Object.entries(report.dropped)
      .map(([r, c]) => `${c} ${r}`)
      .join(', ');
    report.errors.push(
      report.rowsRead === 0
        ? 'No data rows.'
        : `No usable rows out of ${report.rowsRead}${reasons ? ` (dropped: ${reasons})` : ''}.`,
    );
  }
}

/** Compact count for run names: 1.25e8 → "125M". */
export function formatCount(value: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of units) {
    if (value >= scale) return `${Number((value / scale).toPrecision(4))}${suffix}`;
  }
  return String(value);
}

/** Check that required quantities have a source, adding an actionable error otherwise. */
function requireColumns(
  columns: ColumnChoice,
  options: IngestOptions,
  report: IngestReport,
  available: readonly string[],
): boolean {
  const list = available.slice(0, 20).join(', ');
  if (!columns.loss)
    report.errors.push(
      `No loss column found (looked for loss, val_loss, eval_loss, …); columns are: ${list}.`,
    );
  if (!columns.tokens && !(columns.step && options.tokensPerStep)) {
    report.errors.push(
      columns.step
        ? `No token column; the data has steps ("${columns.step}"), so give tokens per step (--tokens-per-step) to convert them.`
        : `No token column found (looked for tokens, D, tokens_seen, D_tokens, …); columns are: ${list}.`,
    );
  }
  if (!columns.params && options.params === undefined && !columns.model) {
    report.errors.push(
      `No parameter-count column found (looked for params, N, num_params, model_size, N_params, …); give N with --params. Columns are: ${list}.`,
    );
  }
  return report.errors.length === 0;
}

function checkFilters(options: IngestOptions, available: readonly string[], report: IngestReport): boolean {
  for (const filter of options.where ?? []) {
    if (!available.includes(filter.column)) {
      report.errors.push(
        `--where: no column "${filter.column}"; columns are: ${available.slice(0, 30).join(', ')}.`,
      );
      return false;
    }
  }
  return true;
}

/**
 * A table's text in pieces, readable more than once (a file on disk is read again in chunks; a
 * string is one piece). `head` is the start of the text (at least the first line, or all of it).
 */
export interface TextSource {
  head: string;
  chunks(): Iterable<string>;
}

/** A source of one string. */
function textSource(text: string): TextSource {
  return { head: text, chunks: () => [text] };
}

/**
 * Every record of a table, one at a time (only the current one is held). Stops after `maxRecords`
 * or when `onRecord` returns false.
 */
function forEachRecord(
  source: TextSource,
  delimiter: string,
  maxRecords: number,
  onRecord: (record: CsvRecord, index: number) => boolean | void,
  /** Optional: consumes a clean data line without cells (see DelimitedParser.lineHandler). */
  onLine?: (text: string, start: number, end: number, line: number) => boolean,
): void {
  let index = 0;
  const parser = new DelimitedParser(delimiter, (record) => {
    if (onRecord(record, index++) === false) return false;
    return index < maxRecords;
  });
  if (onLine)
    parser.lineHandler = (text, start, end, line) => {
      // The header is always read as cells.
      if (index === 0 || !onLine(text, start, end, line)) return false;
      if (++index >= maxRecords) parser.stopped = true;
      return true;
    };
  let first = true;
  for (let chunk of source.chunks()) {
    // A byte order mark is not part of the header.
    if (first && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    first = false;
    parser.push(chunk);
    if (parser.stopped) return;
  }
  parser.end();
}

/**
 * Read a delimited table (CSV/TSV), including W&B panel exports with one column group per run. Rows
 * stream from the source into the run columns; only W&B wide exports (a column group per run, read
 * run by run) are held whole, as they are small.
 */
function readTable(source: TextSource, fileName: string, options: IngestOptions): ColumnsRead {
  const delimiter = guessDelimiter(source.head, fileName);
  const report = emptyIngestReport(fileName, delimiter === '\t' ? 'tsv' : 'csv');
  const maxRecords = (options.maxRows ?? DEFAULT_MAX_ROWS) + 2;
  const empty = () => ({ columns: emptyRunColumns(), report });
  // The header and whether there is a data row.
  let headerCells: string[] | undefined;
  let hasData = false;
  forEachRecord(source, delimiter, 2, (record, index) => {
    if (index === 0) headerCells = record.cells;
    else hasData = true;
  });
  if (!headerCells) {
    report.errors.push('The file is empty.');
    return empty();
  }
  const header = headerCells.map((c) => c.trim());
  if (!hasData) {
    report.errors.push('The file has a header but no data rows.');
    return empty();
  }
  const wide = wandbWideColumns(header);
  if (wide) {
    const records: CsvRecord[] = [];
    forEachRecord(source, delimiter, maxRecords, (record, index) => {
      if (index > 0) records.push(record);
    });
    return readWandbWide(header, records, wide, fileName, options);
  }
  if (!checkFilters(options, header, report)) return empty();
  const history = isWandbHistory(header);
  if (history) report.format = 'wandb';
  const columns = chooseColumns(header, options.columns, report);
  // Known even when a quantity is missing, so the editor can ask for what is missing (tokens/step).
  if (columns) report.columns = columns;
  const defaultName = options.runName ?? baseName(fileName);
  let runOptions = options;
  // A single-run export (one file per run, as W&B history exports are) may say N only in its name.
  if (columns && !columns.params && !columns.model && options.params === undefined) {
    const fromName = paramsFromName(defaultName);
    if (fromName !== undefined) {
      runOptions = { ...options, params: fromName };
      report.notes.push(
        `N = ${formatCount(fromName)} read from the name "${defaultName}" (the data has no parameter column).`,
      );
    }
  }
  if (!columns || !requireColumns(columns, runOptions, report, header)) return empty();
  const index = new Map(header.map((h, i) => [h, i] as const));
  const indexOf = (column: string | undefined) => (column === undefined ? -1 : (index.get(column) ?? -1));
  if (history) {
    if (columns.step === '_step')
      report.warnings.push(
        'Steps come from W&B\'s "_step", which counts wandb.log calls: tokens = _step × tokens/step is right only if the run logged once per optimizer step (log train/global_step to be sure).',
      );
    // Eval rows of HF/W&B logs carry the step but not the token count: a constant tokens/step over
    // the rows that have both fills them in (and is said); an inconsistent ratio is not used.
    if (columns.tokens && columns.step && options.tokensPerStep === undefined) {
      const ratio = constantTokensPerStep(
        source,
        delimiter,
        maxRecords,
        indexOf(columns.tokens),
        indexOf(columns.step),
      );
      if (ratio !== undefined) {
        runOptions = { ...runOptions, tokensPerStep: ratio };
        report.notes.push(
          `Rows without "${columns.tokens}" use tokens = "${columns.step}" × ${ratio} (the constant ratio on every row that has both).`,
        );
      }
    }
  }
  let malformed = 0;
  let otherLines = 0;
  const lossIndex = indexOf(columns.loss);
  // One row object, pointed at each record in turn (nothing per row outlives it).
  let current: CsvRecord = { line: 0, cells: [] };
  const row: Row = {
    get line() {
      return current.line;
    },
    get: (column: string) => current.cells[index.get(column) ?? -1],
  };
  const builder = new RunsBuilder(columns, runOptions, report, defaultName, !!options.runName);
  const fast = fastTableRow(header, index, columns, runOptions, delimiter, defaultName, builder, history);
  forEachRecord(
    source,
    delimiter,
    maxRecords,
    (record, i) => {
      if (i === 0) return;
      if (record.cells.length < header.length) malformed++;
      // A W&B history row without the loss is another kind of log call (train step between evals).
      if (history && (record.cells[lossIndex] ?? '').trim() === '') {
        otherLines++;
        return;
      }
      current = record;
      builder.add(row);
    },
    fast,
  );
  const runColumns = builder.finish();
  if (malformed) report.warnings.push(`${malformed} row(s) had fewer cells than the header.`);
  if (otherLines)
    report.notes.push(
      `${otherLines} W&B log row${otherLines === 1 ? '' : 's'} without "${columns.loss}" skipped (other kinds of log calls).`,
    );
  return { columns: runColumns, report };
}

/**
 * The fast path of a plain table (issue #15): a clean line whose N, tokens, loss (and step and FLOPs
 * when chosen) are plain decimals and whose model name needs no trimming goes to the builder without
 * a string per cell (numbers read in place, exactly; the name compared in place with the previous
 * row's). Any other line returns false and is read as cells by the general path, so both give the
 * same result. Undefined (no fast path) for W&B histories, filters, seeds, or N/tokens not in columns.
 */
function fastTableRow(
  header: readonly string[],
  index: ReadonlyMap<string, number>,
  columns: ColumnChoice,
  options: IngestOptions,
  delimiter: string,
  defaultName: string,
  builder: RunsBuilder,
  history: boolean,
): ((text: string, start: number, end: number, line: number) => boolean) | undefined {
  if (history || options.where?.length || columns.seed || !columns.params || !columns.tokens || !columns.loss)
    return undefined;
  const at = (column: string | undefined) => (column === undefined ? -1 : (index.get(column) ?? -1));
  const paramsAt = at(columns.params);
  const tokensAt = at(columns.tokens);
  const lossAt = at(columns.loss);
  const stepAt = at(columns.step);
  const flopsAt = at(columns.flops);
  const modelAt = at(columns.model);
  if (paramsAt < 0 || tokensAt < 0 || lossAt < 0) return undefined;
  const width = header.length;
  const delimiterCode = delimiter.charCodeAt(0);
  const starts = new Int32Array(width + 1);
  const ends = new Int32Array(width + 1);
  let lastName = '';
  return (text, start, end, line) => {
    // Field boundaries of the first `width` fields (a line with fewer is malformed: general path).
    let field = 0;
    starts[0] = start;
    for (let j = start; j < end && field < width; j++) {
      if (text.charCodeAt(j) === delimiterCode) {
        ends[field] = j;
        starts[++field] = j + 1;
      }
    }
    if (field < width) ends[field] = end;
    if (field + 1 < width) return false;
    const params = parsePlainDecimal(text, starts[paramsAt]!, ends[paramsAt]!);
    const tokens = parsePlainDecimal(text, starts[tokensAt]!, ends[tokensAt]!);
    const loss = parsePlainDecimal(text, starts[lossAt]!, ends[lossAt]!);
    if (Number.isNaN(params) || Number.isNaN(tokens) || Number.isNaN(loss)) return false;
    let step: Parsed = 'missing';
    if (stepAt >= 0) {
      step = parsePlainDecimal(text, starts[stepAt]!, ends[stepAt]!);
      if (Number.isNaN(step)) return false;
    }
    let flops: Parsed = 'missing';
    if (flopsAt >= 0) {
      flops = parsePlainDecimal(text, starts[flopsAt]!, ends[flopsAt]!);
      if (Number.isNaN(flops)) return false;
    }
    let name = defaultName;
    if (modelAt >= 0) {
      const from = starts[modelAt]!;
      const to = ends[modelAt]!;
      if (to > from) {
        // Only names that trim() leaves alone (printable ASCII at both ends).
        const first = text.charCodeAt(from);
        const last = text.charCodeAt(to - 1);
        if (first <= 32 || first >= 127 || last <= 32 || last >= 127) return false;
        if (to - from === lastName.length && text.startsWith(lastName, from)) name = lastName;
        else name = lastName = text.slice(from, to);
      } else {
        // An empty model cell: the general path decides (trim() || default name).
        return false;
      }
    }
    builder.addNumbers(line, name, params, tokens, loss, step, flops);
    return true;
  };
}

/**
 * A W&B run-history export (`run.history().to_csv()`, or the UI's "Export CSV" of a run): W&B's
 * system columns `_step` with `_runtime` or `_timestamp`.
 */
function isWandbHistory(header: readonly string[]): boolean {
  return header.includes('_step') && (header.includes('_runtime') || header.includes('_timestamp'));
}

/** tokens / step when it is the same (to 1e-9) on every row with both and ≥ 2 such rows; else undefined. */
function constantTokensPerStep(
  source: TextSource,
  delimiter: string,
  maxRecords: number,
  tokensIndex: number,
  stepIndex: number,
): number | undefined {
  let ratio: number | undefined;
  let count = 0;
  let consistent = true;
  forEachRecord(source, delimiter, maxRecords, (record, index) => {
    if (index === 0) return;
    const tokens = parseCell(record.cells[tokensIndex], true);
    const step = parseCell(record.cells[stepIndex], false);
    if (typeof tokens !== 'number' || typeof step !== 'number' || !(step > 0) || !(tokens > 0)) return;
    const r = tokens / step;
    if (ratio === undefined) ratio = r;
    else if (Math.abs(r - ratio) > 1e-9 * ratio) return (consistent = false);
    count++;
  });
  return consistent && count >= 2 && ratio !== undefined && Number.isFinite(ratio) ? ratio : undefined;
}

/** W&B chart export: `Step, "<run> - <metric>", "<run> - <metric>__MIN", …`. Returns per-run loss columns. */
function wandbWideColumns(
  header: readonly string[],
): Map<string, { loss?: string; tokens?: string }> | undefined {
  const perRun = new Map<string, Map<string, string>>();
  for (const column of header) {
    const match = /^(.+?) - (.+)$/.exec(column);
    if (!match || /__(MIN|MAX)$/.test(match[2])) continue;
    const metrics = perRun.get(match[1]) ?? perRun.set(match[1], new Map()).get(match[1])!;
    metrics.set(normalizeColumn(match[2]), column);
  }
  if (perRun.size === 0) return undefined;
  const out = new Map<string, { loss?: string; tokens?: string }>();
  for (const [run, metrics] of perRun) {
    const loss = COLUMN_ALIASES.loss.map((a) => metrics.get(a)).find(Boolean);
    const tokens = COLUMN_ALIASES.tokens.map((a) => metrics.get(a)).find(Boolean);
    if (loss) out.set(run, { loss, tokens });
  }
  return out.size > 0 ? out : undefined;
}

function readWandbWide(
  header: readonly string[],
  records: readonly { line: number; cells: string[] }[],
  perRun: Map<string, { loss?: string; tokens?: string }>,
  fileName: string,
  options: IngestOptions,
): ColumnsRead {
  const report = emptyIngestReport(fileName, 'wandb');
  const index = new Map(header.map((h, i) => [h, i] as const));
  const stepColumn = COLUMN_ALIASES.step
    .map((alias) => header.find((h) => normalizeColumn(h) === alias))
    .find((h) => h !== undefined);
  const runs: RunColumns[] = [];
  const singleRun = perRun.size === 1;
  report.notes.push(
    `W&B export with ${perRun.size} run(s): ${[...perRun.keys()].slice(0, 8).join(', ')}${perRun.size > 8 ? ', …' : ''}.`,
  );
  for (const [runName, metric] of perRun) {
    const columns: ColumnChoice = { loss: metric.loss, tokens: metric.tokens, step: stepColumn };
    // One --params value can only describe a single-run export; several runs need N in their names.
    const runOptions: IngestOptions = { ...options, params: singleRun ? options.params : undefined };
    if (!columns.tokens && !(columns.step && options.tokensPerStep)) {
      report.columns = columns;
      report.errors.push(
        `W&B export: run "${runName}" has no token metric; give tokens per step (--tokens-per-step) to convert "${stepColumn ?? 'Step'}".`,
      );
      return { columns: emptyRunColumns(), report };
    }
    const rows = (function* () {
      for (const record of records) {
        // Cells empty for this run (other runs logged at this step) are not this run's rows.
        const cell = record.cells[index.get(metric.loss!) ?? -1];
        if (cell === undefined || cell.trim() === '') continue;
        yield { line: record.line, get: (column: string) => record.cells[index.get(column) ?? -1] } as Row;
      }
    })();
    const sub = emptyIngestReport(fileName, 'wandb');
    const read = rowsToRuns(rows, columns, runOptions, sub, runName, true);
    mergeReports(report, sub);
    runs.push(read);
    report.columns = { loss: metric.loss, tokens: metric.tokens, step: stepColumn };
  }
  const columns = concatRunColumns(runs);
  if (columns.runs.length === 0 && report.errors.length === 0)
    report.errors.push('No usable rows in the W&B export.');
  if (columns.runs.length > 0) {
    // A run without usable rows is worth a warning when others were read.
    report.warnings.push(...report.errors);
    report.errors = [];
  }
  return { columns, report };
}

/** Add `from`'s counts into `into`. */
export function mergeReports(into: IngestReport, from: IngestReport): void {
  into.rowsRead += from.rowsRead;
  into.pointsKept += from.pointsKept;
  for (const [reason, count] of Object.entries(from.dropped) as [DropReason, number][]) {
    into.dropped[reason] = (into.dropped[reason] ?? 0) + count;
    if (!into.dropExamples[reason] && from.dropExamples[reason])
      into.dropExamples[reason] = from.dropExamples[reason];
  }
  into.errors.push(...from.errors);
  into.warnings.push(...from.warnings);
  for (const note of from.notes) if (!into.notes.includes(note)) into.notes.push(note);
}

/** Read JSON Lines (one object per line) or a JSON array of objects. */
function readObjects(
  objects: { line: number; value: unknown }[],
  format: IngestReport['format'],
  fileName: string,
  options: IngestOptions,
  report: IngestReport,
): ColumnsRead {
  const records = objects.filter((o) => o.value && typeof o.value === 'object' && !Array.isArray(o.value));
  const skipped = objects.length - records.length;
  if (skipped)
    dropRow(
      report,
      'unparseable',
      `line ${objects.find((o) => !(o.value && typeof o.value === 'object'))?.line}: not a JSON object`,
      skipped,
    );
  const keys = new Set<string>();
  for (const record of records.slice(0, 5000))
    for (const key of Object.keys(record.value as object)) keys.add(key);
  const available = [...keys];
  if (!checkFilters(options, available, report)) return { columns: emptyRunColumns(), report };
  // Logs interleave train and eval entries: choose the best loss key present anywhere.
  const columns = chooseColumns(available, options.columns, report);
  if (!columns || !requireColumns(columns, options, report, available))
    return { columns: emptyRunColumns(), report };
  report.columns = columns;
  const rows = (function* () {
    for (const record of records) {
      const value = record.value as Record<string, Cell>;
      // Entries without the chosen loss key are other kinds of log lines (e.g. train steps between evals).
      if (!(columns.loss! in value)) continue;
      yield { line: record.line, get: (column: string) => value[column] } as Row;
    }
  })();
  const before = report.rowsRead;
  const runColumns = rowsToRuns(
    rows,
    columns,
    options,
    report,
    options.runName ?? baseName(fileName),
    !!options.runName,
  );
  const otherLines = records.length - (report.rowsRead - before);
  if (otherLines > 0)
    report.notes.push(
      `${otherLines} log entr${otherLines === 1 ? 'y' : 'ies'} without "${columns.loss}" were skipped (other kinds of log lines).`,
    );
  void format;
  return { columns: runColumns, report };
}

function parseJsonLines(
  text: string,
  report: IngestReport,
  maxRows: number,
): { line: number; value: unknown }[] {
  const out: { line: number; value: unknown }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (out.length >= maxRows) {
      dropRow(report, 'too-many-rows', `line ${i + 1}`);
      continue;
    }
    try {
      out.push({ line: i + 1, value: JSON.parse(line) });
    } catch {
      report.rowsRead++;
      dropRow(report, 'unparseable', `line ${i + 1}: not valid JSON`);
    }
  }
  return out;
}

/**
 * Hugging Face `trainer_state.json`: `log_history` entries with `step`, `loss` (train) and `eval_loss`;
 * N and tokens/step come from options (or `num_input_tokens_seen` when the trainer logged it).
 */
function readTrainerState(
  state: Record<string, unknown>,
  fileName: string,
  options: IngestOptions,
): ColumnsRead {
  const report = emptyIngestReport(fileName, 'trainer-state');
  const history = Array.isArray(state.log_history) ? (state.log_history as unknown[]) : [];
  if (history.length === 0) {
    report.errors.push('trainer_state.json has an empty log_history.');
    return { columns: emptyRunColumns(), report };
  }
  const hasKey = (key: string) => history.some((e) => e && typeof e === 'object' && key in (e as object));
  const loss = options.columns?.loss ?? (hasKey('eval_loss') ? 'eval_loss' : 'loss');
  const tokens =
    options.columns?.tokens ?? (hasKey('num_input_tokens_seen') ? 'num_input_tokens_seen' : undefined);
  if (options.params === undefined) {
    report.errors.push(
      'trainer_state.json does not state the model size: give N with --params (or put the run config beside it in a run folder).',
    );
  }
  if (!tokens && !options.tokensPerStep) {
    report.errors.push(
      'trainer_state.json has steps but no token counts: give --tokens-per-step (global batch × sequence length), or log num_input_tokens_seen.',
    );
  }
  if (report.errors.length) {
    report.columns = { loss, step: 'step', ...(tokens ? { tokens } : {}) };
    return { columns: emptyRunColumns(), report };
  }
  if (loss === 'loss' && !options.columns?.loss)
    report.notes.push('No eval_loss in log_history: fitting the training loss.');
  const runOptions: IngestOptions = {
    ...options,
    columns: { loss, step: 'step', ...(tokens ? { tokens } : {}) },
    runName: options.runName ?? runNameFromPath(fileName),
  };
  const result = readObjects(
    history.map((value, i) => ({ line: i + 1, value })),
    'trainer-state',
    fileName,
    runOptions,
    report,
  );
  if (!tokens) result.report.notes.push(`Tokens = step × ${options.tokensPerStep} tokens/step.`);
  return result;
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return (parts.at(-1) ?? path).replace(/\.[^.]+$/, '') || 'run';
}

/** A run name from a path: the folder of a trainer_state.json / metrics file (skipping checkpoint-N). */
function runNameFromPath(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  parts.pop();
  while (parts.length && /^checkpoint-\d+$/.test(parts.at(-1)!)) parts.pop();
  return parts.at(-1) ?? 'run';
}

/**
 * Read runs from one file's text. Never throws: problems are in `report.errors` (fatal) and
 * `report.warnings`; dropped rows are counted by reason.
 */
export function readRunsFromText(text: string, fileName: string, options: IngestOptions = {}): RunsRead {
  const { columns, report } = readRunColumnsFromText(text, fileName, options);
  return { runs: runsFromColumns(columns), report };
}

/** {@link readRunsFromText} as columns (src/core/fit/columns.ts): no object per checkpoint. */
export function readRunColumnsFromText(
  text: string,
  fileName: string,
  options: IngestOptions = {},
): ColumnsRead {
  if (text.length > MAX_RUNS_TEXT_CHARS) {
    const report = emptyIngestReport(fileName, 'unknown');
    report.errors.push(
      `File too large (${(text.length / 1048576).toFixed(0)} MB; limit ${MAX_RUNS_TEXT_CHARS / 1048576} MB). Filter or subsample it first.`,
    );
    return { columns: emptyRunColumns(), report };
  }
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (source.slice(0, 8192).includes('\u0000')) {
    const report = emptyIngestReport(fileName, 'unknown');
    report.errors.push('This looks like a binary file, not a table of runs.');
    return { columns: emptyRunColumns(), report };
  }
  const trimmed = source.trimStart();
  if (trimmed === '') {
    const report = emptyIngestReport(fileName, 'unknown');
    report.errors.push('The file is empty.');
    return { columns: emptyRunColumns(), report };
  }
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const looksJsonLines =
    /\.(jsonl|ndjson)$/i.test(fileName) ||
    (trimmed.startsWith('{') &&
      /^\s*\{.*\}\s*\r?\n\s*\{/s.test(trimmed.slice(0, 65536)) &&
      !/\.json$/i.test(fileName));
  if (looksJsonLines) {
    const report = emptyIngestReport(fileName, 'jsonl');
    return readObjects(parseJsonLines(source, report, maxRows), 'jsonl', fileName, options, report);
  }
  if (/\.json$/i.test(fileName) || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      // A .json file that is really JSON Lines.
      if (trimmed.startsWith('{')) {
        const report = emptyIngestReport(fileName, 'jsonl');
        const objects = parseJsonLines(source, report, maxRows);
        if (objects.length > 0) return readObjects(objects, 'jsonl', fileName, options, report);
      }
      const report = emptyIngestReport(fileName, 'json');
      report.errors.push(`Not valid JSON: ${(error as Error).message}`);
      return { columns: emptyRunColumns(), report };
    }
    if (value && typeof value === 'object' && !Array.isArray(value) && 'log_history' in value) {
      return readTrainerState(value as Record<string, unknown>, fileName, options);
    }
    const list = Array.isArray(value)
      ? value
      : value && typeof value === 'object'
        ? (Object.values(value).find((v) => Array.isArray(v) && v.length > 0 && typeof v[0] === 'object') as
            unknown[] | undefined)
        : undefined;
    const report = emptyIngestReport(fileName, 'json');
    if (!list) {
      report.errors.push('JSON file is neither a trainer_state.json (log_history) nor a list of records.');
      return { columns: emptyRunColumns(), report };
    }
    return readObjects(
      list.slice(0, maxRows).map((v, i) => ({ line: i + 1, value: v })),
      'json',
      fileName,
      options,
      report,
    );
  }
  return readTable(textSource(source), fileName, options);
}

/**
 * A file read in pieces (src/node/runsFromDisk.ts): its start, its pieces (readable again), and the
 * whole text for the formats that are parsed whole (JSON, JSON Lines).
 */
export interface FileSource extends TextSource {
  /** `head` is the whole text. */
  complete: boolean;
  text(): string;
}

/**
 * {@link readRunColumnsFromText} on a file read in pieces: tables stream row by row into the
 * columns (the file is never held whole); JSON formats read the whole text. Same result as reading
 * the text.
 */
export function readRunColumnsFromSource(
  file: FileSource,
  fileName: string,
  options: IngestOptions = {},
): ColumnsRead {
  if (file.complete) return readRunColumnsFromText(file.head, fileName, options);
  const head = file.head.charCodeAt(0) === 0xfeff ? file.head.slice(1) : file.head;
  const trimmed = head.trimStart();
  // Exactly the cases readRunColumnsFromText does not read as a table (head is ≥ 64 KB here).
  const whole =
    trimmed === '' ||
    head.slice(0, 8192).includes('\u0000') ||
    /\.(jsonl|ndjson|json)$/i.test(fileName) ||
    trimmed.startsWith('{') ||
    trimmed.startsWith('[');
  if (whole) return readRunColumnsFromText(file.text(), fileName, options);
  return readTable(file, fileName, options);
}
