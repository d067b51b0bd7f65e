/**
 * `scaling-lens fit --target accuracy:COL`: the downstream fit (src/core/downstream). Reads the runs
 * twice through the same ingestion as loss fits — once with the loss column, once with COL as the
 * value — so filters, column choices and drop reporting are shared.
 */
import type { ConfigReader, IngestOptions, IngestReport, RunSeries } from '../core/fit';
import { mergeReports } from '../core/fit/ingest';
import {
  ACCURACY_LAW_FORMS,
  ACCURACY_SCALES,
  type AccuracyLawForm,
  type AccuracyScale,
} from '../core/downstream/accuracy';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DOWNSTREAM_BOOTSTRAP_RESAMPLES, DOWNSTREAM_BOOTSTRAP_SEED } from '../core/downstream/bootstrap';
import { fitDownstream } from '../core/downstream/fitDownstream';
import { savedDownstreamFromReport, serializeDownstreamLaw } from '../core/downstream/saved';
import type { LawForm } from '../core/laws/forms';
import { readRunsFromPath } from '../node/runsFromDisk';

function readAll(
  paths: readonly string[],
  options: IngestOptions,
  readConfig: ConfigReader | undefined,
): { runs: RunSeries[]; report: IngestReport } {
  const runs: RunSeries[] = [];
  let report: IngestReport | undefined;
  for (const path of paths) {
    const read = readRunsFromPath(path, options, readConfig);
    if (!report) report = read.report;
    else {
      report.source += `, ${read.report.source}`;
      mergeReports(report, read.report);
    }
    for (const run of read.runs) runs.push(run);
  }
  return { runs, report: report! };
}

/** Returns the exit code (0 ok, 1 no fit, 2 usage error). */
export function runDownstreamFit(
  target: string,
  flags: Record<string, string | number | boolean | string[]>,
  positional: readonly string[],
  ingestOptions: IngestOptions,
  lossForm: LawForm,
  out: (s: string) => void,
  err: (s: string) => void,
  /** The config reader, when a path is a folder of runs (src/cli/fit.ts loads it then). */
  readConfig?: ConfigReader,
): number {
  const match = /^accuracy:(.+)$/.exec(target.trim());
  if (!match) {
    err(`--target must be accuracy:COLUMN (got "${target}").`);
    return 2;
  }
  const column = match[1]!.trim();
  const lawName = (flags['accuracy-law'] as string | undefined) ?? 'bhagia2024';
  if (!ACCURACY_LAW_FORMS.includes(lawName as AccuracyLawForm)) {
    err(`--accuracy-law must be one of ${ACCURACY_LAW_FORMS.join(', ')} (got "${lawName}").`);
    return 2;
  }
  const scale = (flags['accuracy-scale'] as string | undefined) ?? 'auto';
  if (!ACCURACY_SCALES.includes(scale as AccuracyScale)) {
    err(`--accuracy-scale must be one of ${ACCURACY_SCALES.join(', ')} (got "${scale}").`);
    return 2;
  }
  // A saved downstream law carries its bootstrap (the editor's interval); a plain fit needs none.
  const bootstrap =
    (flags.bootstrap as number | undefined) ?? (flags.save ? DOWNSTREAM_BOOTSTRAP_RESAMPLES : 0);
  const lossRead = readAll(positional, ingestOptions, readConfig);
  const accuracyRead = readAll(
    positional,
    { ...ingestOptions, columns: { ...ingestOptions.columns, loss: column } },
    readConfig,
  );
  // The accuracy read forces COL as its value column; its messages say "loss" for it.
  const errors = [
    ...lossRead.report.errors,
    ...accuracyRead.report.errors.map(
      (e) => `--target ${column}: ${e.replace(/ for loss\b/, ' for the accuracy target')}`,
    ),
  ];
  const report =
    errors.length === 0
      ? fitDownstream(lossRead.runs, accuracyRead.runs, column, {
          accuracyLaw: lawName as AccuracyLawForm,
          lossForm,
          minTokens: flags['min-tokens'] as number | undefined,
          holdoutLargest: !!flags['holdout-largest'],
          accuracyScale: scale as AccuracyScale,
          bootstrap,
          seed: (flags.seed as number | undefined) ?? DOWNSTREAM_BOOTSTRAP_SEED,
        })
      : undefined;
  const allErrors = [...errors, ...(report?.errors ?? [])];
  const warnings = [...lossRead.report.warnings, ...(report?.warnings ?? [])];
  if (flags.json) {
    out(
      JSON.stringify(
        {
          ok: !!report?.ok,
          target: `accuracy:${column}`,
          accuracyLaw: report?.accuracyLaw ?? null,
          lossLaw: report?.lossLaw ?? null,
          points: report?.points ?? 0,
          modelSizes: report?.modelSizes ?? 0,
          trainRmse: report?.trainRmse ?? null,
          accuracyScale: report?.accuracyFactor === 0.01 ? 'percent' : 'fraction',
          ...(report?.heldOut ? { heldOut: report.heldOut } : {}),
          ...(report?.bootstrap
            ? {
                bootstrap: {
                  seed: report.bootstrap.seed,
                  attempted: report.bootstrap.attempted,
                  draws: report.bootstrap.lossDraws.length,
                },
              }
            : {}),
          ingest: {
            loss: lossRead.report.columns.loss ?? null,
            accuracy: column,
            rowsRead: lossRead.report.rowsRead,
          },
          warnings,
          errors: allErrors,
        },
        null,
        2,
      ),
    );
  } else if (report?.ok) {
    const lines = [
      `Downstream fit of ${column} (${report.accuracyLaw!.form}) on loss column ${lossRead.report.columns.loss}`,
      `  loss law (${report.lossLaw!.form}): ${Object.entries(report.lossLaw!.params)
        .map(([k, v]) => `${k}=${v.toPrecision(5)}`)
        .join(', ')}`,
      `  accuracy law: ${Object.entries(report.accuracyLaw!.params)
        .map(([k, v]) => `${k}=${v.toPrecision(5)}`)
        .join(', ')}`,
      `  ${report.points} points, ${report.modelSizes} model sizes, RMSE ${(100 * report.trainRmse!).toFixed(2)} points`,
    ];
    if (report.heldOut)
      lines.push(
        `  held out ${report.heldOut.model}: MAE ${(100 * report.heldOut.mae).toFixed(2)} points from (N, D)` +
          (report.heldOut.maeFromObservedLoss !== null
            ? `, ${(100 * report.heldOut.maeFromObservedLoss).toFixed(2)} from its measured loss`
            : ''),
      );
    if (report.bootstrap)
      lines.push(
        `  bootstrap: ${report.bootstrap.lossDraws.length} of ${report.bootstrap.attempted} resamples of runs refitted both steps (seed ${report.bootstrap.seed})`,
      );
    for (const w of warnings) lines.push(`  warning: ${w}`);
    out(lines.join('\n'));
  }
  if (!report?.ok) {
    if (!flags.json)
      err(allErrors.map((e) => `scaling-lens fit: ${e}`).join('\n') || 'scaling-lens fit: no fit.');
    return 1;
  }
  if (flags.save) {
    const saved = savedDownstreamFromReport(report, {
      name: (flags.name as string | undefined) ?? `${column} (${report.accuracyLaw!.form})`,
      dataSource: positional.join(', '),
      date: new Date().toISOString(),
      ...(flags['min-tokens'] !== undefined ? { minTokens: flags['min-tokens'] as number } : {}),
    })!;
    try {
      // Create the folder if needed and write atomically (temp file + rename), like loss laws.
      const target = flags.save as string;
      mkdirSync(dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, serializeDownstreamLaw(saved));
      renameSync(temporary, target);
    } catch (error) {
      err(`Cannot write ${flags.save}: ${(error as Error).message}`);
      return 1;
    }
    if (!flags.json) out(`Saved to ${flags.save}.`);
  }
  return 0;
}

/**
 * `--unique-tokens-column COL`: read COL through the same ingestion (as the value column) and give
 * each run its unique tokens (one value per run: the largest stated). Returns an error message or
 * undefined.
 */
export function attachUniqueTokens(
  runs: { name: string; uniqueTokens?: number }[],
  column: string,
  readWithColumn: (path: string) => { runs: RunSeries[]; report: IngestReport },
  paths: readonly string[],
): string | undefined {
  const uniqueByRun = new Map<string, number>();
  for (const path of paths) {
    const read = readWithColumn(path);
    if (read.report.errors.length)
      return `--unique-tokens-column: ${read.report.errors[0]!.replace(/ for loss\b/, ' for unique tokens')}`;
    for (const run of read.runs)
      for (const p of run.points)
        if (Number.isFinite(p.loss) && p.loss > 0)
          uniqueByRun.set(run.name, Math.max(uniqueByRun.get(run.name) ?? 0, p.loss));
  }
  let missing = 0;
  for (const run of runs) {
    const unique = uniqueByRun.get(run.name);
    if (unique === undefined) missing++;
    else run.uniqueTokens = unique;
  }
  if (uniqueByRun.size === 0) return `--unique-tokens-column: no positive values in "${column}".`;
  return missing === runs.length ? `--unique-tokens-column: no run has a value in "${column}".` : undefined;
}
