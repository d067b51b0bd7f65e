import { guessDelimiter, parseDelimited } from './csv';
import type { ColumnChoice, DropReason, IngestOptions, IngestReport, RunPoint, RunSeries } from './types';

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
  const text = cell.trim();
  if (text === '' || /^(none|null|na|n\/a|-)$/i.test(text)) return 'missing';
  if (/^[+-]?(nan|inf|infinity)$/i.test(text)) return 'nan';
  const match = /^([+-]?(?:\d[\d_]*\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([kmbgt])?$/i.exec(text);
  if (!match || (match[2] && !allowSuffix)) return 'bad';
  const value =
    Number(match[1].replace(/_/g, '')) * (match[2] ? SUFFIX_MULTIPLIERS[match[2].toLowerCase()] : 1);
  return Number.isFinite(value) ? value : 'nan';
}

/** A model size stated in a run name (`pythia-70m`, `OPT-1.3b`), or undefined. */
export function paramsFromName(name: string): number | undefined {
  const matches = [...name.matchAll(/(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)\s*([kmbt])(?![a-z])/gi)];
  const last = matches.at(-1);
  if (!last) return undefined;
  const value = Number(last[1]) * SUFFIX_MULTIPLIERS[last[2].toLowerCase()];
  return value > 0 ? value : undefined;
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

/** A row as a lookup by column name, with where it came from. */
interface Row {
  line: number;
  get(column: string): Cell;
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
    for (const alias of COLUMN_ALIASES[key]) {
      const found = byNormalized.get(alias);
      if (found) {
        choice[key] = found;
        break;
      }
    }
  }
  const losses = COLUMN_ALIASES.loss.map((a) => byNormalized.get(a)).filter((c): c is string => !!c);
  if (!forced?.loss && losses.length > 1)
    report.notes.push(
      `Loss column "${choice.loss}" chosen over ${losses
        .slice(1)
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

/**
 * Turn rows into runs with the chosen columns. Shared by every tabular format.
 */
function rowsToRuns(
  rows: Iterable<Row>,
  columns: ColumnChoice,
  options: IngestOptions,
  report: IngestReport,
  defaultName: string,
  /** The default name identifies the run (a W&B run, --run-name); otherwise unnamed runs are named by N. */
  defaultNameIsRun = false,
): RunSeries[] {
  const runs = new Map<string, RunSeries>();
  const seen = new Set<string>();
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  let inferredFromName = false;
  for (const row of rows) {
    report.rowsRead++;
    if (report.rowsRead > maxRows) {
      dropRow(report, 'too-many-rows', `line ${row.line}`);
      continue;
    }
    if (options.where?.some((f) => String(row.get(f.column) ?? '') !== f.value)) {
      dropRow(report, 'filtered', `line ${row.line}`);
      continue;
    }
    const name = columns.model ? String(row.get(columns.model) ?? '').trim() || defaultName : defaultName;
    const seed = columns.seed ? String(row.get(columns.seed) ?? '').trim() || undefined : undefined;
    const values: Record<
      'params' | 'tokens' | 'loss' | 'step' | 'flops',
      number | 'missing' | 'nan' | 'bad'
    > = {
      params: columns.params ? parseCell(row.get(columns.params), true) : (options.params ?? 'missing'),
      tokens: columns.tokens ? parseCell(row.get(columns.tokens), true) : 'missing',
      loss: columns.loss ? parseCell(row.get(columns.loss), false) : 'missing',
      step: columns.step ? parseCell(row.get(columns.step), false) : 'missing',
      flops: columns.flops ? parseCell(row.get(columns.flops), true) : 'missing',
    };
    if (values.params === 'missing' && options.params !== undefined) values.params = options.params;
    if (values.params === 'missing') {
      const fromName = paramsFromName(name);
      if (fromName !== undefined) {
        values.params = fromName;
        inferredFromName = true;
      }
    }
    if (values.tokens === 'missing' && typeof values.step === 'number' && options.tokensPerStep) {
      values.tokens = values.step * options.tokensPerStep;
    }
    const required = ['params', 'tokens', 'loss'] as const;
    const describe = (key: string) =>
      `line ${row.line}: ${key} "${String(row.get(columns[key as keyof ColumnChoice] ?? '') ?? '')}"`;
    const bad = required.find((k) => values[k] === 'bad');
    if (bad) {
      dropRow(report, 'unparseable', describe(bad));
      continue;
    }
    const missing = required.find((k) => values[k] === 'missing');
    if (missing) {
      dropRow(report, 'missing-value', `line ${row.line}: no ${missing}`);
      continue;
    }
    const nan = required.find((k) => values[k] === 'nan');
    if (nan) {
      dropRow(report, 'nan', describe(nan));
      continue;
    }
    const params = values.params as number;
    const tokens = values.tokens as number;
    const loss = values.loss as number;
    const nonPositive = required.find((k) => !((values[k] as number) > 0));
    if (nonPositive) {
      dropRow(report, 'non-positive', `line ${row.line}: ${nonPositive} = ${values[nonPositive]}`);
      continue;
    }
    const runKey = `${name}\u0000${seed ?? ''}\u0000${params}`;
    const pointKey = `${runKey}\u0000${tokens}\u0000${loss}`;
    if (seen.has(pointKey)) {
      dropRow(report, 'duplicate', `line ${row.line}`);
      continue;
    }
    seen.add(pointKey);
    let run = runs.get(runKey);
    if (!run) {
      run = { name, params, points: [], ...(seed !== undefined ? { seed } : {}) };
      runs.set(runKey, run);
    }
    const point: RunPoint = { tokens, loss };
    if (typeof values.step === 'number') point.step = values.step;
    if (typeof values.flops === 'number' && values.flops > 0) point.flops = values.flops;
    run.points.push(point);
    report.pointsKept++;
  }
  if (inferredFromName)
    report.notes.push('N was read from run names (e.g. "-125m") because the data has no parameter column.');
  return finishRuns(
    [...runs.values()],
    columns.model || defaultNameIsRun ? { ...columns, model: columns.model ?? 'run' } : columns,
    report,
  );
}

/** Sort checkpoints, disambiguate names shared by different N, and name unnamed runs by N. */
function finishRuns(runs: RunSeries[], columns: ColumnChoice, report: IngestReport): RunSeries[] {
  const nameCounts = new Map<string, Set<number>>();
  for (const run of runs) {
    const sizes = nameCounts.get(run.name) ?? nameCounts.set(run.name, new Set()).get(run.name)!;
    sizes.add(run.params);
  }
  for (const run of runs) {
    run.points.sort((a, b) => a.tokens - b.tokens);
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
  return runs;
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

/** Read a delimited table (CSV/TSV), including W&B panel exports with one column group per run. */
function readTable(text: string, fileName: string, options: IngestOptions): RunsRead {
  const delimiter = guessDelimiter(text, fileName);
  const report = emptyIngestReport(fileName, delimiter === '\t' ? 'tsv' : 'csv');
  const { records } = parseDelimited(text, delimiter, (options.maxRows ?? DEFAULT_MAX_ROWS) + 2);
  if (records.length === 0) {
    report.errors.push('The file is empty.');
    return { runs: [], report };
  }
  const header = records[0].cells.map((c) => c.trim());
  if (records.length === 1) {
    report.errors.push('The file has a header but no data rows.');
    return { runs: [], report };
  }
  const wide = wandbWideColumns(header);
  if (wide) return readWandbWide(header, records.slice(1), wide, fileName, options);
  if (!checkFilters(options, header, report)) return { runs: [], report };
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
  if (!columns || !requireColumns(columns, runOptions, report, header)) return { runs: [], report };
  const index = new Map(header.map((h, i) => [h, i] as const));
  const cell = (record: { cells: string[] }, column: string | undefined) =>
    column === undefined ? undefined : record.cells[index.get(column) ?? -1];
  if (history) {
    if (columns.step === '_step')
      report.warnings.push(
        'Steps come from W&B\'s "_step", which counts wandb.log calls: tokens = _step × tokens/step is right only if the run logged once per optimizer step (log train/global_step to be sure).',
      );
    // Eval rows of HF/W&B logs carry the step but not the token count: a constant tokens/step over
    // the rows that have both fills them in (and is said); an inconsistent ratio is not used.
    if (columns.tokens && columns.step && options.tokensPerStep === undefined) {
      const ratio = constantTokensPerStep(records.slice(1), (r) => [
        cell(r, columns.tokens),
        cell(r, columns.step),
      ]);
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
  const rows = (function* () {
    for (const record of records.slice(1)) {
      if (record.cells.length < header.length) malformed++;
      // A W&B history row without the loss is another kind of log call (train step between evals).
      if (history && (cell(record, columns.loss) ?? '').trim() === '') {
        otherLines++;
        continue;
      }
      yield { line: record.line, get: (column: string) => record.cells[index.get(column) ?? -1] } as Row;
    }
  })();
  const runs = rowsToRuns(rows, columns, runOptions, report, defaultName, !!options.runName);
  if (malformed) report.warnings.push(`${malformed} row(s) had fewer cells than the header.`);
  if (otherLines)
    report.notes.push(
      `${otherLines} W&B log row${otherLines === 1 ? '' : 's'} without "${columns.loss}" skipped (other kinds of log calls).`,
    );
  return { runs, report };
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
  records: readonly { cells: string[] }[],
  pair: (r: { cells: string[] }) => [Cell, Cell],
): number | undefined {
  let ratio: number | undefined;
  let count = 0;
  for (const record of records) {
    const [t, s] = pair(record);
    const tokens = parseCell(t, true);
    const step = parseCell(s, false);
    if (typeof tokens !== 'number' || typeof step !== 'number' || !(step > 0) || !(tokens > 0)) continue;
    const r = tokens / step;
    if (ratio === undefined) ratio = r;
    else if (Math.abs(r - ratio) > 1e-9 * ratio) return undefined;
    count++;
  }
  return count >= 2 && ratio !== undefined && Number.isFinite(ratio) ? ratio : undefined;
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
): RunsRead {
  const report = emptyIngestReport(fileName, 'wandb');
  const index = new Map(header.map((h, i) => [h, i] as const));
  const stepColumn = COLUMN_ALIASES.step
    .map((alias) => header.find((h) => normalizeColumn(h) === alias))
    .find((h) => h !== undefined);
  const runs: RunSeries[] = [];
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
      return { runs: [], report };
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
    for (const run of read) runs.push(run);
    report.columns = { loss: metric.loss, tokens: metric.tokens, step: stepColumn };
  }
  if (runs.length === 0 && report.errors.length === 0)
    report.errors.push('No usable rows in the W&B export.');
  if (runs.length > 0) {
    // A run without usable rows is worth a warning when others were read.
    report.warnings.push(...report.errors);
    report.errors = [];
  }
  return { runs, report };
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
): RunsRead {
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
  if (!checkFilters(options, available, report)) return { runs: [], report };
  // Logs interleave train and eval entries: choose the best loss key present anywhere.
  const columns = chooseColumns(available, options.columns, report);
  if (!columns || !requireColumns(columns, options, report, available)) return { runs: [], report };
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
  const runs = rowsToRuns(
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
  return { runs, report };
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
): RunsRead {
  const report = emptyIngestReport(fileName, 'trainer-state');
  const history = Array.isArray(state.log_history) ? (state.log_history as unknown[]) : [];
  if (history.length === 0) {
    report.errors.push('trainer_state.json has an empty log_history.');
    return { runs: [], report };
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
    return { runs: [], report };
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
  if (text.length > MAX_RUNS_TEXT_CHARS) {
    const report = emptyIngestReport(fileName, 'unknown');
    report.errors.push(
      `File too large (${(text.length / 1048576).toFixed(0)} MB; limit ${MAX_RUNS_TEXT_CHARS / 1048576} MB). Filter or subsample it first.`,
    );
    return { runs: [], report };
  }
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (source.slice(0, 8192).includes('\u0000')) {
    const report = emptyIngestReport(fileName, 'unknown');
    report.errors.push('This looks like a binary file, not a table of runs.');
    return { runs: [], report };
  }
  const trimmed = source.trimStart();
  if (trimmed === '') {
    const report = emptyIngestReport(fileName, 'unknown');
    report.errors.push('The file is empty.');
    return { runs: [], report };
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
      return { runs: [], report };
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
      return { runs: [], report };
    }
    return readObjects(
      list.slice(0, maxRows).map((v, i) => ({ line: i + 1, value: v })),
      'json',
      fileName,
      options,
      report,
    );
  }
  return readTable(source, fileName, options);
}
