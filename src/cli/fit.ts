import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  concatRunColumns,
  fitRunColumnsParallel,
  formatFitReport,
  formatIngestReport,
  savedLawFromFit,
  serializeSavedLaw,
  type DropReason,
  type FitOptions,
  type IngestOptions,
  type IngestReport,
  type RunColumns,
} from '../core/fit';
import { mergeReports } from '../core/fit/ingest';
import { findLawForm, LAW_FORM_IDS, type LawForm } from '../core/laws/forms';
import { FIT_DEFAULTS } from '../core/fit/defaults';
import { findPublishedLaw, PUBLISHED_LAWS } from '../core/laws/published';
import { parseFlags, type FlagSpec } from './flags';
import { borrowExponentsFromLaw } from '../core/fit/borrow';
import { annotateIdentifiability } from '../core/fit/identifiability';
import { anyFolder, readRunColumnsFromPath, readRunsFromPath } from '../node/runsFromDisk';
import { attachUniqueTokens, runDownstreamFit } from './fitDownstream';

export const FIT_USAGE = `Usage: scaling-lens fit FILE|FOLDER... [options]

Fits a scaling law to your runs by minimizing Σ huber_δ(log L̂ − log L) (Hoffmann et al. 2022 Approach 3).
Input: CSV/TSV (columns like params/N/num_params, tokens/D/tokens_seen, loss/val_loss/eval_loss, run/model,
seed, step), JSONL, HF trainer_state.json, W&B CSV exports, or a folder of runs (a config Scaling Lens
recognizes plus a metrics log per run folder).

Options:
  --form ${LAW_FORM_IDS.join('|')}   law form (default ${FIT_DEFAULTS.form})
  --form tissue2024|multipower2025   schedule-aware fit on per-checkpoint step/lr columns (docs/schedule-laws.md)
  --borrow-from RUNS    tissue2024: take the data exponent β of both laws from a fit of another runs table
  --min-tokens T        drop checkpoints at or before T tokens (default ${FIT_DEFAULTS.minTokens.toExponential()}, Choshen et al. 2025;
                        tissue2024/multipower2025: at most the first 10% of each run unless given)
  --final-only          use only each run's last checkpoint (default: intermediate checkpoints too)
  --delta D             Huber delta on log residuals (default ${FIT_DEFAULTS.huberDelta.toExponential()})
  --where COL=VALUE     keep rows whose column equals VALUE (repeatable)
  --loss COL, --params-column COL, --tokens-column COL, --model-column COL   force a column
  --params N            N for sources without it (trainer_state.json, single-run W&B exports)
  --tokens-per-step T   tokens per optimizer step, to turn steps into tokens
  --holdout-largest     hold out the largest model and report its ARE
  --target-prefix F     with --holdout-largest, also fit the first F of its run (Hitchhiker: 0.3)
  --lomo                leave-one-model-out ARE
  --borrow-exponents LAW  fix exponents to a published law's (${PUBLISHED_LAWS.map((l) => l.id).join(', ')})
                        or to values: alpha=0.34,beta=0.28
  --min-model-sizes K   warn below K distinct model sizes (default ${FIT_DEFAULTS.minModelSizes})
  --bootstrap N         bootstrap refits resampling models (default ${FIT_DEFAULTS.engineBootstrap})
  --seed S              bootstrap seed (default ${FIT_DEFAULTS.seed})
  --starts K            multi-start count (default ${FIT_DEFAULTS.starts})
  --save FILE           write the fitted law as JSON (--name NAME to label it)
                        (tissue2024: a schedule-aware law for scaling-lens curve CONFIG --law FILE)
  --target accuracy:COL  fit downstream accuracy in column COL (fractions in [0, 1]): the loss law on the
                        loss column, then accuracy from loss; with --holdout-largest reports heldOut.mae
  --accuracy-law bhagia2024|gadre2024  accuracy-from-loss link (default bhagia2024: Bhagia et al. 2024
                        sigmoid; gadre2024: Gadre et al. 2024 Err = ε − k·exp(−γL))
  --accuracy-scale auto|fraction|percent  how COL's values are read (default auto: values up to 100
                        are percentages, divided by 100 with a warning); with --save the downstream fit
                        keeps a bootstrap of both steps (--bootstrap, default 200) for its interval
  --unique-tokens-column COL  each run's unique tokens U_D (dataset size; D/U_D = epochs), for
                        --form data-constrained (Muennighoff et al. 2023)
  --json                machine-readable output
  --markdown            Markdown report`;

const FLAGS: FlagSpec = {
  form: 'string',
  'min-tokens': 'number',
  'final-only': 'boolean',
  delta: 'number',
  where: 'repeat',
  loss: 'string',
  'params-column': 'string',
  'tokens-column': 'string',
  'model-column': 'string',
  params: 'number',
  'tokens-per-step': 'number',
  'holdout-largest': 'boolean',
  'target-prefix': 'number',
  lomo: 'boolean',
  'borrow-exponents': 'string',
  'borrow-from': 'string',
  'min-model-sizes': 'number',
  bootstrap: 'number',
  seed: 'number',
  starts: 'number',
  save: 'string',
  name: 'string',
  json: 'boolean',
  target: 'string',
  'unique-tokens-column': 'string',
  'accuracy-law': 'string',
  'accuracy-scale': 'string',
  markdown: 'boolean',
  help: 'boolean',
};

interface Parsed {
  flags: Record<string, string | number | boolean | string[]>;
  positional: string[];
}

function parseArgs(args: string[]): Parsed | { error: string } {
  return parseFlags(args, FLAGS) as Parsed | { error: string };
}

function borrowedExponents(
  spec: string,
  form: LawForm,
): { values: Record<string, number>; source: string } | { error: string } {
  if (spec.includes('=')) {
    const values: Record<string, number> = {};
    for (const part of spec.split(',')) {
      const [name, raw] = part.split('=', 2).map((s) => s.trim());
      const value = Number(raw);
      if (!name || !Number.isFinite(value))
        return { error: `--borrow-exponents: cannot read "${part}" (use alpha=0.34,beta=0.28).` };
      values[name] = value;
    }
    return { values, source: 'the command line' };
  }
  const borrowed = borrowExponentsFromLaw(spec, form);
  return 'error' in borrowed ? { error: `--borrow-exponents: ${borrowed.error}` } : borrowed;
}

/** Run `scaling-lens fit`. Returns the exit code (0 ok, 1 no usable data or fit failed, 2 usage error). */
export async function runFitCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const parsed = parseArgs(args);
  if ('error' in parsed) {
    err(`${parsed.error}\n${FIT_USAGE}`);
    return 2;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    out(FIT_USAGE);
    return 0;
  }
  if (positional.length === 0) {
    err(`Give a file or folder of runs.\n${FIT_USAGE}`);
    return 2;
  }
  const formName = (flags.form as string | undefined) ?? 'chinchilla';
  // Schedule-aware laws fit trajectories (per-checkpoint lr/step), not (N, D) points: own command.
  if (formName === 'tissue2024' || formName === 'multipower2025')
    return (await import('./fitTrajectory')).runFitTrajectoryCommand(args, out, err);
  if (flags['borrow-from'] !== undefined) {
    err(
      '--borrow-from borrows a schedule-aware exponent: use it with --form tissue2024 (or --borrow-exponents).',
    );
    return 2;
  }
  const form = findLawForm(formName)?.id;
  if (!form) {
    err(`--form must be one of ${LAW_FORM_IDS.join(', ')} (got "${formName}").`);
    return 2;
  }
  const where = [];
  for (const clause of (flags.where as string[] | undefined) ?? []) {
    const eq = clause.indexOf('=');
    if (eq <= 0) {
      err(`--where needs COLUMN=VALUE (got "${clause}").`);
      return 2;
    }
    where.push({ column: clause.slice(0, eq), value: clause.slice(eq + 1) });
  }
  const positive = (name: string) => {
    const v = flags[name];
    return v === undefined || (typeof v === 'number' && v > 0);
  };
  for (const name of ['delta', 'params', 'tokens-per-step']) {
    if (!positive(name)) {
      err(`--${name} must be positive.`);
      return 2;
    }
  }
  const bootstrap = (flags.bootstrap as number | undefined) ?? 0;
  if (!(bootstrap >= 0 && bootstrap <= 100000 && Number.isInteger(bootstrap))) {
    err('--bootstrap must be a whole number between 0 and 100000.');
    return 2;
  }
  const prefix = flags['target-prefix'] as number | undefined;
  if (prefix !== undefined && !(prefix >= 0 && prefix < 1)) {
    err('--target-prefix must be in [0, 1).');
    return 2;
  }

  const ingestOptions: IngestOptions = {
    where,
    columns: {
      ...(flags.loss ? { loss: flags.loss as string } : {}),
      ...(flags['params-column'] ? { params: flags['params-column'] as string } : {}),
      ...(flags['tokens-column'] ? { tokens: flags['tokens-column'] as string } : {}),
      ...(flags['model-column'] ? { model: flags['model-column'] as string } : {}),
    },
    ...(flags.params !== undefined ? { params: flags.params as number } : {}),
    ...(flags['tokens-per-step'] !== undefined ? { tokensPerStep: flags['tokens-per-step'] as number } : {}),
  };

  // The framework readers (~0.5 MB of code and tables) are loaded only to read a folder of runs:
  // fitting a table does not pay for them.
  const readConfig = anyFolder(positional)
    ? (await import('../core/config/registry')).readRunConfig
    : undefined;

  if (flags.target !== undefined)
    return runDownstreamFit(
      String(flags.target),
      flags,
      positional,
      ingestOptions,
      form,
      out,
      err,
      readConfig,
    );

  // Runs as columns (src/core/fit/columns.ts): tables stream from disk into typed arrays.
  const read: RunColumns[] = [];
  let ingest: IngestReport | undefined;
  for (const path of positional) {
    const one = readRunColumnsFromPath(path, ingestOptions, readConfig);
    if (!ingest) ingest = one.report;
    else {
      ingest.source += `, ${one.report.source}`;
      mergeReports(ingest, one.report);
    }
    read.push(one.columns);
  }
  ingest = ingest!;
  const columns = concatRunColumns(read);
  const runs = columns.runs;
  if (flags['unique-tokens-column'] !== undefined) {
    const problem = attachUniqueTokens(
      runs,
      String(flags['unique-tokens-column']),
      (path) =>
        readRunsFromPath(
          path,
          {
            ...ingestOptions,
            columns: { ...ingestOptions.columns, loss: String(flags['unique-tokens-column']) },
          },
          readConfig,
        ),
      positional,
    );
    if (problem) ingest.errors.push(problem);
  }

  const fitOptions: FitOptions = {
    form,
    delta: flags.delta as number | undefined,
    minTokens: flags['min-tokens'] as number | undefined,
    useIntermediateCheckpoints: !flags['final-only'],
    minModelSizes: flags['min-model-sizes'] as number | undefined,
    holdoutLargest: !!flags['holdout-largest'],
    targetPrefixFraction: prefix,
    leaveOneModelOut: !!flags.lomo,
    bootstrap,
    seed: (flags.seed as number | undefined) ?? 0,
    starts: flags.starts as number | undefined,
  };
  if (flags['borrow-exponents']) {
    const borrowed = borrowedExponents(flags['borrow-exponents'] as string, form);
    if ('error' in borrowed) {
      err(borrowed.error);
      return 2;
    }
    fitOptions.fixedExponents = borrowed.values;
    fitOptions.fixedExponentsSource = borrowed.source;
  }

  // Bootstrap refits run across worker threads (same draws for the same seed as the serial engine).
  const fit =
    ingest.errors.length > 0 || runs.length === 0
      ? undefined
      : await fitRunColumnsParallel(columns, fitOptions);
  // Flag fits whose bootstrap intervals do not determine the coefficients (adds the warning once).
  const identifiability = fit ? annotateIdentifiability(fit) : undefined;

  if (flags.json) {
    const dropped: Partial<Record<DropReason, number>> = { ...ingest.dropped };
    for (const [reason, count] of Object.entries(fit?.dropped ?? {}) as [DropReason, number][])
      dropped[reason] = (dropped[reason] ?? 0) + count;
    const json = {
      ok: !!fit?.ok,
      form,
      params: fit?.params ?? {},
      objective: fit?.ok ? fit.objective : null,
      delta: fit?.delta ?? fitOptions.delta ?? 1e-3,
      points: fit?.points ?? 0,
      models: fit?.models ?? 0,
      modelSizes: fit?.modelSizes ?? 0,
      dropped,
      intervals: fit?.intervals ?? null,
      identifiable: identifiability?.identifiable ?? null,
      ...(fit?.heldOut ? { heldOut: fit.heldOut } : {}),
      ...(fit?.leaveOneModelOut ? { leaveOneModelOut: fit.leaveOneModelOut } : {}),
      trainAre: fit?.trainAre ?? null,
      region: fit?.region ?? null,
      settings: fit?.settings ?? null,
      ingest: {
        source: ingest.source,
        format: ingest.format,
        rowsRead: ingest.rowsRead,
        pointsKept: ingest.pointsKept,
        runs: runs.length,
        columns: ingest.columns,
        dropExamples: ingest.dropExamples,
        notes: ingest.notes,
      },
      warnings: [...ingest.warnings, ...(fit?.warnings ?? [])],
      errors: [...ingest.errors, ...(fit?.errors ?? [])],
      elapsedMs: fit?.elapsedMs ?? 0,
    };
    out(JSON.stringify(json, null, 2));
  } else if (!fit) {
    out(formatIngestReport(ingest).join('\n'));
  } else {
    out(formatFitReport(fit, ingest, flags.markdown ? 'markdown' : 'text'));
  }
  if (!fit || !fit.ok) {
    const errors = [...ingest.errors, ...(fit?.errors ?? [])];
    if (!flags.json)
      err(errors.map((e) => `scaling-lens fit: ${e}`).join('\n') || 'scaling-lens fit: no fit.');
    return 1;
  }
  if (flags.save) {
    const saved = savedLawFromFit(fit, {
      name: (flags.name as string | undefined) ?? basename(positional[0]).replace(/\.[^.]+$/, ''),
      dataSource: positional.join(', '),
      date: new Date().toISOString(),
    });
    try {
      // Create .vscode/scaling-lens/ if needed, and write atomically (temp file + rename) so an
      // interrupted save never leaves a truncated law behind.
      const target = flags.save as string;
      mkdirSync(dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, serializeSavedLaw(saved));
      renameSync(temporary, target);
    } catch (error) {
      err(`Cannot write ${flags.save}: ${(error as Error).message}`);
      return 1;
    }
    if (!flags.json) out(`Saved to ${flags.save}.`);
  }
  return 0;
}
