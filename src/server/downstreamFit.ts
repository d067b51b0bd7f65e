/**
 * The editor's downstream fit (issue #14) and the downstream-law list, as LSP requests:
 *
 * - `scalingLens/downstreamLaws`: the saved `*.downstream.json` of the workspace (re-read first).
 * - `scalingLens/accuracyColumns`: the benchmark columns of a runs file (src/core/downstream/columns.ts),
 *   each with whether it reads as fractions or percentages.
 * - `scalingLens/fitDownstream`: the same two-step fit as `scaling-lens fit --target accuracy:COL
 *   --save` (src/core/downstream/fitDownstream.ts) with its bootstrap of 200 resamples run here one
 *   resample per event-loop turn, so lenses and hovers stay answered during the ~5 s it takes;
 *   cancellable through the request's token; answers the serialized law for the client to write.
 */
import { readFileSync, statSync } from 'node:fs';
import {
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type Connection,
} from 'vscode-languageserver/node';
import { ACCURACY_LAW_FORMS, type AccuracyLawForm } from '../core/downstream/accuracy';
import { DOWNSTREAM_BOOTSTRAP_RESAMPLES, startBootstrap } from '../core/downstream/bootstrap';
import { accuracyColumns, lossColumns, type AccuracyColumn } from '../core/downstream/columns';
import { fitDownstreamPoint, type DownstreamReport } from '../core/downstream/fitDownstream';
import { savedDownstreamFromReport, serializeDownstreamLaw } from '../core/downstream/saved';
import { readRunsFromText, MAX_RUNS_TEXT_CHARS, type RunsRead } from '../core/fit/ingest';
import type { IngestOptions } from '../core/fit/types';
import { slugify, validateLawSlug } from '../node/fitSession';
import { readRunsFromPath } from '../node/runsFromDisk';
import {
  AccuracyColumnsRequest,
  DownstreamFitRequest,
  DownstreamLawsRequest,
  FitProgressNotification,
  type AccuracyColumnInfo,
  type AccuracyColumnsParams,
  type AccuracyColumnsResponse,
  type DownstreamFitParams,
  type DownstreamFitResponse,
  type FitSource,
} from '../protocol';
import type { SavedDownstreamLaws } from './downstreamLaws';

export interface DownstreamServices {
  laws: SavedDownstreamLaws;
  /** Called after a fit so a law written a moment later is picked up (the loader re-reads on demand too). */
  onLawsChanged: () => void;
}

/** Register the downstream requests on the connection. */
export function registerDownstream(connection: Connection, services: DownstreamServices): void {
  connection.onRequest(DownstreamLawsRequest, () => {
    services.onLawsChanged();
    return services.laws.list();
  });
  connection.onRequest(AccuracyColumnsRequest, (params) => listAccuracyColumns(params));
  connection.onRequest(DownstreamFitRequest, (params, token) =>
    fitDownstreamInEditor(
      params,
      token,
      (fraction, message) =>
        void connection.sendNotification(FitProgressNotification, {
          session: params.progressId,
          fraction,
          message,
        }),
    ),
  );
}

/** The source's text and file name (a folder or an oversized file gives a message instead). */
function sourceText(source: FitSource | undefined): { text: string; fileName: string } | string {
  if (!source || typeof source !== 'object') return 'A runs source (a path or a text) is required.';
  if (source.kind === 'text') {
    if (typeof source.text !== 'string' || typeof source.fileName !== 'string')
      return 'A text source needs a text and a file name.';
    return { text: source.text, fileName: source.fileName };
  }
  if (source.kind !== 'path' || typeof source.path !== 'string') return 'Unknown runs source.';
  try {
    const stat = statSync(source.path);
    if (stat.isDirectory())
      return 'Downstream fits read one runs table (CSV, TSV or JSONL) with a column per benchmark; a folder of runs has none listed.';
    if (stat.size > MAX_RUNS_TEXT_CHARS) return `${source.path} is too large to read.`;
    return { text: readFileSync(source.path, 'utf8'), fileName: source.path };
  } catch (error) {
    return `Cannot read ${source.path}: ${(error as Error).message}`;
  }
}

export function listAccuracyColumns(params: AccuracyColumnsParams): AccuracyColumnsResponse {
  const read = sourceText(params?.source);
  if (typeof read === 'string') return { columns: [], lossColumn: null, lossColumns: [], message: read };
  const columns = accuracyColumns(read.text, read.fileName).map(describeColumn);
  if (columns.length === 0) return { columns, lossColumn: null, lossColumns: [] };
  // The loss column the fit would use by itself; when there is none the user picks one.
  const detected = readRuns(params.source, read, {}).report.columns.loss ?? null;
  const candidates = detected
    ? []
    : lossColumns(read.text, read.fileName).filter((c) => !columns.some((a) => a.name === c));
  return {
    columns,
    lossColumn: detected,
    lossColumns: candidates,
    ...(!detected && candidates.length === 0
      ? {
          noLoss: `Scaling Lens: ${params.source.kind === 'path' ? params.source.path : params.source.fileName} has no loss column (loss, val_loss, eval_loss, or a name with "loss"); a downstream fit needs each checkpoint's loss beside its accuracy.`,
        }
      : {}),
  };
}

/** The picker's words for a benchmark column: its range, and what to ask or refuse. */
function describeColumn(accuracy: AccuracyColumn): AccuracyColumnInfo {
  const column = { ...accuracy, suggestedName: slugify(accuracy.name) };
  const range = `${column.min}–${column.max}`;
  if (column.scale === 'fraction') return { ...column, description: `fractions ${range}` };
  if (column.scale === 'percent')
    return {
      ...column,
      description: `percentages ${range} (÷100 after you confirm)`,
      percentQuestion: {
        message: `Accuracies in "${column.name}" go up to ${column.max}: they look like percentages.`,
        detail: 'Downstream laws are fitted on fractions in [0, 1]. Divide every value by 100 and fit?',
      },
    };
  return {
    ...column,
    description: `values ${range}: not accuracies`,
    problem: `Scaling Lens: "${column.name}" has values from ${column.min} to ${column.max}; accuracies must be fractions in [0, 1] or percentages in [0, 100].`,
  };
}

function readRuns(
  source: FitSource,
  text: { text: string; fileName: string },
  options: IngestOptions,
): RunsRead {
  return source.kind === 'path'
    ? readRunsFromPath(source.path, options)
    : readRunsFromText(text.text, text.fileName, options);
}

/** The fit as Markdown for the report document (every number from the core's report). */
export function downstreamMarkdown(report: DownstreamReport, label: string, ingestErrors: string[]): string {
  const lines = [`# Downstream fit: ${report.target}`, '', `Runs: ${label}`, ''];
  const errors = [...ingestErrors, ...report.errors];
  if (!report.ok) {
    lines.push('**No fit.**', '', ...errors.map((e) => `- ${e}`));
    if (report.warnings.length) lines.push('', '## Warnings', '', ...report.warnings.map((w) => `- ${w}`));
    return lines.join('\n') + '\n';
  }
  const params = (p: Record<string, number>) =>
    Object.entries(p)
      .map(([k, v]) => `${k} = ${v.toPrecision(5)}`)
      .join(', ');
  lines.push(
    `- Loss law (${report.lossLaw!.form}): ${params(report.lossLaw!.params)}`,
    `- Accuracy link (${report.accuracyLaw!.form}): ${params(report.accuracyLaw!.params)}`,
    `- ${report.points} (loss, accuracy) checkpoints from ${report.modelSizes} model sizes; RMSE ${(100 * report.trainRmse!).toFixed(2)} points`,
  );
  if (report.region)
    lines.push(
      `- Fitted range: N ${report.region.paramsMin.toExponential(2)}–${report.region.paramsMax.toExponential(2)}, D ${report.region.tokensMin.toExponential(2)}–${report.region.tokensMax.toExponential(2)}`,
    );
  if (report.heldOut)
    lines.push(
      `- Held out ${report.heldOut.model} (the largest model): mean absolute error ${(100 * report.heldOut.mae).toFixed(2)} points, predicted from (N, D) alone`,
    );
  if (report.bootstrap)
    lines.push(
      `- Bootstrap: ${report.bootstrap.lossDraws.length} of ${report.bootstrap.attempted} resamples of the runs refitted both steps (seed ${report.bootstrap.seed}); the lens shows their 95% interval`,
    );
  if (report.warnings.length) lines.push('', '## Warnings', '', ...report.warnings.map((w) => `- ${w}`));
  return lines.join('\n') + '\n';
}

/** Fit, hold out the largest model when there are 3+ sizes (its error goes into the saved law), bootstrap, serialize. */
export async function fitDownstreamInEditor(
  params: DownstreamFitParams,
  token: CancellationToken,
  progress: (fraction: number, message: string) => void,
): Promise<DownstreamFitResponse | ResponseError> {
  if (typeof params?.column !== 'string' || !params.column)
    return new ResponseError(-32602, 'A benchmark column is required.');
  const invalidName = typeof params.name === 'string' ? validateLawSlug(params.name) : 'A name is required.';
  if (invalidName) return new ResponseError(-32602, invalidName);
  if (params.accuracyLaw !== undefined && !ACCURACY_LAW_FORMS.includes(params.accuracyLaw as AccuracyLawForm))
    return new ResponseError(-32602, `Unknown accuracy law "${params.accuracyLaw}".`);
  const label = typeof params.label === 'string' ? params.label : params.column;
  const text = sourceText(params.source);
  if (typeof text === 'string') return { ok: false, errors: [text], warnings: [], markdown: `${text}\n` };
  const lossOptions: IngestOptions =
    typeof params.lossColumn === 'string' && params.lossColumn
      ? { columns: { loss: params.lossColumn } }
      : {};
  const lossRead = readRuns(params.source, text, lossOptions);
  const accuracyRead = readRuns(params.source, text, {
    columns: { ...lossOptions.columns, loss: params.column },
  });
  const ingestErrors = [
    ...lossRead.report.errors,
    ...accuracyRead.report.errors.map(
      (e) => `${params.column}: ${e.replace(/ for loss\b/, ' for the accuracy column')}`,
    ),
  ];
  const accuracyScale = params.accuracyScale === 'percent' ? ('percent' as const) : ('fraction' as const);
  // The held-out error needs a third size; with two the law is still fitted and saved without it.
  const sizes = new Set(accuracyRead.runs.filter((r) => r.points.length).map((r) => r.params)).size;
  const heldOutOf = (form: AccuracyLawForm) =>
    sizes >= 3
      ? fitDownstreamPoint(lossRead.runs, accuracyRead.runs, params.column, {
          accuracyLaw: form,
          accuracyScale,
          holdoutLargest: true,
        }).report.heldOut
      : undefined;
  // Without a stated link, each is held out on the largest model and the one that predicts it better is kept.
  const trials = ingestErrors.length
    ? []
    : ((params.accuracyLaw ? [params.accuracyLaw] : ACCURACY_LAW_FORMS) as AccuracyLawForm[]).map((form) => ({
        form,
        heldOut: heldOutOf(form),
      }));
  const chosen = trials.reduce<(typeof trials)[number] | undefined>(
    (best, t) => (!best || (t.heldOut && (!best.heldOut || t.heldOut.mae < best.heldOut.mae)) ? t : best),
    undefined,
  );
  const accuracyLaw = chosen?.form ?? 'bhagia2024';
  const staged = ingestErrors.length
    ? undefined
    : fitDownstreamPoint(lossRead.runs, accuracyRead.runs, params.column, { accuracyLaw, accuracyScale });
  if (staged?.report.ok && chosen?.heldOut) staged.report.heldOut = chosen.heldOut;
  if (staged?.report.ok && trials.length > 1)
    staged.report.warnings.unshift(
      chosen?.heldOut
        ? `Accuracy link ${accuracyLaw}: it predicted the held-out ${chosen.heldOut.model} better (${trials.map((t) => `${t.form} ${t.heldOut ? (100 * t.heldOut.mae).toFixed(2) : '—'} points`).join(', ')}).`
        : `Accuracy link ${accuracyLaw} (the default): with fewer than 3 model sizes no model can be held out to choose between the links.`,
    );
  const report = staged?.report;
  if (!report?.ok || !staged?.bootstrapInput) {
    const failed: DownstreamReport = report ?? emptyReport(params.column);
    return {
      ok: false,
      errors: [...ingestErrors, ...failed.errors],
      warnings: failed.warnings,
      markdown: downstreamMarkdown(failed, label, ingestErrors),
    };
  }
  // The bootstrap, one resample per turn of the event loop.
  const run = startBootstrap({
    ...staged.bootstrapInput,
    resamples: DOWNSTREAM_BOOTSTRAP_RESAMPLES,
    isCancelled: () => token.isCancellationRequested,
  });
  let lastReport = 0;
  while (!run.done()) {
    run.step();
    await new Promise((resolve) => setImmediate(resolve));
    if (run.progress() - lastReport >= 0.02) {
      lastReport = run.progress();
      progress(
        lastReport,
        `bootstrap ${Math.round(lastReport * DOWNSTREAM_BOOTSTRAP_RESAMPLES)} of ${DOWNSTREAM_BOOTSTRAP_RESAMPLES} resamples`,
      );
    }
  }
  if (token.isCancellationRequested)
    return new ResponseError(LSPErrorCodes.RequestCancelled, 'Downstream fit cancelled');
  report.bootstrap = run.result();
  const saved = savedDownstreamFromReport(report, {
    name: `${params.column} (${accuracyLaw})`,
    dataSource: label,
    date: typeof params.date === 'string' ? params.date : new Date().toISOString(),
  })!;
  return {
    ok: true,
    warnings: [...lossRead.report.warnings, ...report.warnings],
    markdown: downstreamMarkdown(report, label, []),
    content: serializeDownstreamLaw(saved),
    fileName: `${params.name}.downstream.json`,
    id: params.name,
  };
}

function emptyReport(target: string): DownstreamReport {
  return {
    ok: false,
    target,
    accuracyLaw: null,
    lossLaw: null,
    points: 0,
    modelSizes: 0,
    trainRmse: null,
    accuracyFactor: 1,
    warnings: [],
    errors: [],
  };
}
