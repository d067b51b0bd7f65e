import { fitIdentifiability, type Identifiability } from './identifiability';
import { DROP_REASON_TEXT, type DropReason, type FitReport, type IngestReport } from './types';

/** Formula of each form, for report headers. */
const FORM_FORMULA: Record<FitReport['form'], string> = {
  chinchilla: 'L(N, D) = E + A/N^alpha + B/D^beta',
  kaplan: 'L(N, D) = [(Nc/N)^(alphaN/alphaD) + Dc/D]^alphaD',
  compute: 'L(C) = E + A·C^(-alpha)',
  'chinchilla-tied': 'L(N, D) = E + A/N^alpha + B/D^alpha',
  'data-constrained': "L(N, D, U_D) = E + A/N'^alpha + B/D'^alpha (Muennighoff et al. 2023)",
};

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)
    ? value.toExponential(4)
    : Number(value.toPrecision(5)).toString();
}

function percent(value: number): string {
  return `${(100 * value).toFixed(2)}%`;
}

function droppedLines(
  dropped: Partial<Record<DropReason, number>>,
  examples: Partial<Record<DropReason, string>> = {},
): string[] {
  return (Object.entries(dropped) as [DropReason, number][])
    .filter(([, count]) => count > 0)
    .map(
      ([reason, count]) =>
        `${count} ${reason} (${DROP_REASON_TEXT[reason]})${examples[reason] ? `, e.g. ${examples[reason]}` : ''}`,
    );
}

/** What ingestion read and dropped, as lines. */
export function formatIngestReport(report: IngestReport): string[] {
  const lines = [
    `Read ${report.source} (${report.format}): ${report.rowsRead} rows → ${report.pointsKept} checkpoints.`,
  ];
  const columns = Object.entries(report.columns)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`);
  if (columns.length) lines.push(`  columns: ${columns.join(', ')}`);
  for (const line of droppedLines(report.dropped, report.dropExamples)) lines.push(`  dropped ${line}`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  for (const error of report.errors) lines.push(`  error: ${error}`);
  return lines;
}

/**
 * A fit report as plain text (CLI) or Markdown (editor hover/webview). Formats only; computes nothing.
 */
export function formatFitReport(
  fit: FitReport,
  ingest?: IngestReport,
  style: 'text' | 'markdown' = 'text',
): string {
  const md = style === 'markdown';
  const lines: string[] = [];
  lines.push(md ? `### Scaling-law fit: ${fit.form}` : `Scaling-law fit: ${fit.form}`);
  lines.push(md ? `\`${FORM_FORMULA[fit.form]}\`` : `  ${FORM_FORMULA[fit.form]}`);
  if (ingest) {
    lines.push('');
    lines.push(...formatIngestReport(ingest).map((l) => (md ? `- ${l.trim()}` : l)));
  }
  lines.push('');
  if (!fit.ok) {
    for (const error of fit.errors) lines.push(md ? `**Error:** ${error}` : `error: ${error}`);
    for (const warning of fit.warnings) lines.push(md ? `**Warning:** ${warning}` : `warning: ${warning}`);
    return lines.join('\n');
  }
  const verdict = fitIdentifiability(fit);
  // Said first, before any number, so nobody reads the coefficients as if they were determined.
  if (verdict.identifiable === false)
    lines.push(
      md
        ? `> **Not identifiable:** ${verdict.coefficients.join(', ')} not determined by this data (details below).\n`
        : `NOT IDENTIFIABLE: ${verdict.coefficients.join(', ')} not determined by this data (details below).`,
    );
  const fitDrops = droppedLines(fit.dropped);
  lines.push(
    `Fitted ${fit.points} points from ${fit.models} models (${fit.modelSizes} distinct sizes); Huber δ = ${fit.delta}, objective Σ huber = ${fit.objective.toExponential(6)}; mean |error| on fitted points ${fit.trainAre !== undefined ? percent(fit.trainAre) : 'n/a'}.`,
  );
  for (const line of fitDrops) lines.push(md ? `- dropped ${line}` : `  dropped ${line}`);
  if (fit.settings.fixedExponents) {
    lines.push(
      `Exponents borrowed${fit.settings.fixedExponentsSource ? ` from ${fit.settings.fixedExponentsSource}` : ''}: ${Object.entries(
        fit.settings.fixedExponents,
      )
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')}.`,
    );
  }
  lines.push('');
  const hasIntervals = !!fit.intervals;
  if (md) {
    lines.push(hasIntervals ? '| coefficient | value | 95% interval |' : '| coefficient | value |');
    lines.push(hasIntervals ? '|---|---|---|' : '|---|---|');
  }
  for (const [name, value] of Object.entries(fit.params)) {
    const interval = fit.intervals?.[name];
    const range = interval ? `[${fmt(interval[0])}, ${fmt(interval[1])}]` : '';
    lines.push(
      md
        ? `| ${name} | ${fmt(value)} |${hasIntervals ? ` ${range} |` : ''}`
        : `  ${name.padEnd(7)} ${fmt(value).padStart(12)}  ${range}`,
    );
  }
  if (hasIntervals)
    lines.push(
      `${md ? '\n' : ''}Intervals: 2.5–97.5 percentiles of ${fit.bootstrapRefits} bootstrap refits resampling models (seed ${fit.settings.seed}).`,
    );
  lines.push(...identifiabilityLines(verdict, md));
  if (fit.heldOut) {
    const h = fit.heldOut;
    lines.push(
      `Held-out largest model ${h.model} (N = ${fmt(h.params)}): ARE ${percent(h.are)} over ${h.points} points` +
        (h.fittedUpToTokens !== undefined
          ? ` (its first ${fmt(h.fittedUpToTokens)} tokens were fitted).`
          : ' (pure extrapolation).'),
    );
  }
  if (fit.leaveOneModelOut) {
    lines.push(
      `Leave-one-model-out: mean ARE ${percent(fit.leaveOneModelOut.meanAre)} over ${fit.leaveOneModelOut.perModel.length} models.`,
    );
    for (const e of fit.leaveOneModelOut.perModel)
      lines.push(`${md ? '- ' : '  '}${e.model}: ${percent(e.are)} (${e.points} points)`);
  }
  for (const warning of fit.warnings)
    if (warning !== verdict.warning) lines.push(md ? `**Warning:** ${warning}` : `warning: ${warning}`);
  return lines.join('\n');
}

/** The identifiability verdict as report lines (rule and remedies included when it fails). */
export function identifiabilityLines(verdict: Identifiability, md: boolean): string[] {
  if (verdict.identifiable === null)
    return [`Identifiability: not assessed (${verdict.notAssessed ?? 'no intervals'}).`];
  if (verdict.identifiable)
    return [
      `Identifiability: every fitted coefficient's 95% interval is bounded and within 2 orders of magnitude.`,
    ];
  const lines = [md ? '\n**Warning — not identifiable.**' : 'warning: not identifiable.'];
  for (const p of verdict.problems) {
    const why =
      p.reason === 'span'
        ? `spans ${p.orders!.toFixed(1)} orders of magnitude`
        : p.reason === 'unbounded'
          ? 'is unbounded'
          : p.reason === 'sign'
            ? 'contains 0 (sign not determined)'
            : p.reason === 'irreducible-floor'
              ? 'reaches E → 0'
              : 'reaches 0 (positivity bound)';
    lines.push(`${md ? '- ' : '  '}${p.coefficient}: 95% interval [${fmt(p.low)}, ${fmt(p.high)}] ${why}`);
  }
  lines.push(
    `${md ? '' : '  '}Predictions and compute-optimal allocations from this law away from the fitted runs are unreliable. Remedies (Choshen, Zhang & Andreas 2025):`,
  );
  for (const remedy of verdict.remedies) lines.push(`${md ? '- ' : '  - '}${remedy}`);
  lines.push(`${md ? '' : '  '}Rule: ${verdict.rule}`);
  return lines;
}
