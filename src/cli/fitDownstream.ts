/**
 * `scaling-lens fit --target accuracy:COL`: the downstream fit (src/core/downstream). Reads the runs
 * twice through the same ingestion as loss fits — once with the loss column, once with COL as the
 * value — so filters, column choices and drop reporting are shared.
 */
import type { IngestOptions, IngestReport, RunSeries } from '../core/fit';
import { mergeReports } from '../core/fit/ingest';
import { ACCURACY_LAW_FORMS, type AccuracyLawForm } from '../core/downstream/accuracy';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fitDownstream } from '../core/downstream/fitDownstream';
import { DOWNSTREAM_LAW_FORMAT, type SavedDownstreamLaw } from '../core/downstream/saved';
import type { LawForm } from '../core/laws/forms';
import { readRunsFromPath } from '../node/runsFromDisk';

function readAll(
  paths: readonly string[],
  options: IngestOptions,
): { runs: RunSeries[]; report: IngestReport } {
  const runs: RunSeries[] = [];
  let report: IngestReport | undefined;
  for (const path of paths) {
    const read = readRunsFromPath(path, options);
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
  const lossRead = readAll(positional, ingestOptions);
  const accuracyRead = readAll(positional, {
    ...ingestOptions,
    columns: { ...ingestOptions.columns, loss: column },
  });
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
          ...(report?.heldOut ? { heldOut: report.heldOut } : {}),
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
    for (const w of warnings) lines.push(`  warning: ${w}`);
    out(lines.join('\n'));
  }
  if (!report?.ok) {
    if (!flags.json)
      err(allErrors.map((e) => `scaling-lens fit: ${e}`).join('\n') || 'scaling-lens fit: no fit.');
    return 1;
  }
  if (flags.save) {
    const saved: SavedDownstreamLaw = {
      format: DOWNSTREAM_LAW_FORMAT,
      version: 1,
      name: (flags.name as string | undefined) ?? `${column} (${report.accuracyLaw!.form})`,
      target: column,
      lossLaw: report.lossLaw!,
      accuracyLaw: report.accuracyLaw!,
      ...(report.region ? { region: report.region } : {}),
      ...(report.heldOut ? { heldOut: { model: report.heldOut.model, mae: report.heldOut.mae } } : {}),
      dataSource: positional.join(', '),
      date: new Date().toISOString(),
    };
    try {
      // Create the folder if needed and write atomically (temp file + rename), like loss laws.
      const target = flags.save as string;
      mkdirSync(dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(saved, null, 2) + '\n');
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
