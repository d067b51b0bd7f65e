/**
 * Export Report (`scalingLens/report`): the analysis of one open config as Markdown and JSON —
 * numbers, assumptions and where each came from, the keys read, the law with its citation and
 * coefficients, the loss interval, warnings. Built from the same {@link DocumentResult} the lenses
 * show, so the report and the editor cannot disagree. Charts: the client has the curves panel draw
 * the chart data this server built (src/server/curves.ts) as PNGs, writes them into
 * `<name>.scaling-report/`, and passes what it wrote ({@link ReportCharts}); the Markdown embeds
 * them and the JSON lists them. Without that (another LSP client, or drawing failed) the report
 * says so.
 */
import { basename, extname } from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { formatCount, formatExact, formatLoss, formatScientific, formatUsd } from '../core/format';
import { CHART_IDS, type ChartId } from '../core/charts';
import { ReportRequest, type ReportChartImage, type ReportCharts, type ReportResponse } from '../protocol';
import { costAssumptions, durationDefault, topicLenses } from './lenses';
import type { DocumentResult } from './model';
import { storedTokensOf, TOKENS_FILE } from './trainingTokens';

/** What the report says when its client drew no charts (a client other than the extension). */
export const CHARTS_NOTE =
  'Charts are not embedded: open the curves panel (Scaling Lens: Show Scaling Curves) and use its export.';

/** The folder beside the Markdown holding a report's chart PNGs. */
export const chartsFolderOf = (name: string) => `${name}.scaling-report`;

/** The report's JSON shape (version 2: `charts` became an object listing the PNGs). */
export interface ReportJson {
  version: 2;
  file: string;
  framework: string;
  model: string | null;
  params: { total: number; nonEmbedding: number; active: number; activeNonEmbedding: number } | null;
  tokens: number | null;
  tokensFormula: string | null;
  tokensFrom: string | null;
  missing: string[];
  tokensPerParam: number | null;
  optimalTokens: number | null;
  flops: number | null;
  flopsConvention: string;
  flopsWithAttention: number | null;
  cost: {
    gpuHours: number;
    days: number;
    usd: number;
    assumptions: { name: string; value: string; from: string }[];
  } | null;
  loss: {
    law: string;
    value: number;
    interval95: [number, number];
    paramsUsed: number;
    paramConvention: string;
    atOptimalTokens: number | null;
  } | null;
  law: {
    id: string;
    label: string;
    citation: string;
    paramConvention: string;
    coefficients: unknown;
    bootstrapDraws: number;
    fittedFrom: string | null;
  };
  assumptions: string[];
  sources: { field: string; key: string; value: string; line: number; file: string | null }[];
  warnings: string[];
  lenses: { topic: string; title: string; tooltip: string }[];
  charts: {
    status: ReportCharts['status'] | 'not-drawn';
    /** One sentence on how the charts were drawn, or why there are none. */
    note: string;
    /** Each PNG with its path relative to the Markdown and JSON files. */
    images: (ReportChartImage & { file: string })[];
    pixelRatio: number | null;
  };
}

/** The report of a result, or a message when the file is not an analyzable run config. */
export function buildReport(
  result: DocumentResult | undefined,
  fileName: string,
  charts?: unknown,
): ReportResponse {
  const a = result?.analysis;
  if (!result || !a || !a.params)
    return {
      ok: false,
      message: `${fileName} is not a run config Scaling Lens can analyze; no report written.`,
    };
  const law = result.law;
  const stored = storedTokensOf(a);
  // A run length from a framework default is not "from the file" (src/server/lenses.ts).
  const fallback = durationDefault(a);
  const sources = [...Object.entries(a.spec.archSources), ...Object.entries(a.spec.trainingSources)].flatMap(
    ([field, s]) =>
      s
        ? [{ field, key: s.key, value: s.raw.trim(), line: s.keyRange.start.line + 1, file: s.file ?? null }]
        : [],
  );
  const json: ReportJson = {
    version: 2,
    file: fileName,
    framework: a.framework,
    model: a.modelName ?? null,
    params: a.params,
    tokens: a.tokens,
    tokensFormula: a.tokensFormula ?? null,
    tokensFrom: stored
      ? `${TOKENS_FILE} ("${stored.key}")`
      : a.tokens === null
        ? null
        : fallback
          ? `not set in the file: ${fallback.assumption}`
          : 'the file',
    missing: a.missing,
    tokensPerParam: a.tokensPerParam,
    optimalTokens: a.optimalTokens,
    flops: a.flops,
    flopsConvention: '6·N·D, N = active parameters (total for dense models), D = training tokens',
    flopsWithAttention: a.flopsWithAttention,
    cost: a.cost
      ? {
          gpuHours: a.cost.gpuHours,
          days: a.cost.days,
          usd: a.cost.usd,
          assumptions: costAssumptions(result),
        }
      : null,
    loss: a.loss
      ? {
          law: a.loss.law,
          value: a.loss.value,
          interval95: [a.loss.low, a.loss.high],
          paramsUsed: a.loss.paramsUsed,
          paramConvention: a.loss.paramConvention,
          atOptimalTokens: a.loss.atOptimalTokens ?? null,
        }
      : null,
    law: {
      id: law.id,
      label: law.label,
      citation: law.citation,
      paramConvention: law.paramConvention,
      coefficients: law.law,
      bootstrapDraws: law.bootstrapDraws?.length ?? 0,
      fittedFrom: law.fittedFrom ?? null,
    },
    assumptions: a.assumptions,
    sources,
    warnings: [...result.settingsWarnings, ...a.warnings],
    lenses: topicLenses(result).map((l) => ({ topic: l.topic, title: l.title, tooltip: l.tooltip })),
    charts: CHARTS_PLACEHOLDER,
  };
  const name = basename(fileName, extname(fileName)) || 'config';
  const chartsFolder = chartsFolderOf(name);
  json.charts = chartsSection(reportChartsFrom(charts), chartsFolder);
  return {
    ok: true,
    name,
    chartsFolder,
    json: `${JSON.stringify(json, null, 2)}\n`,
    markdown: toMarkdown(json),
  };
}

const CHARTS_PLACEHOLDER: ReportJson['charts'] = {
  status: 'not-drawn',
  note: '',
  images: [],
  pixelRatio: null,
};

/** Longest chart title and failure reason kept (the server's titles are ~70 characters). */
const MAX_TITLE_CHARS = 300;
const MAX_REASON_CHARS = 1000;

/**
 * The client's account of the charts, checked field by field: the request comes over JSON-RPC, so a
 * malformed value is dropped (the report then says no charts were drawn), never trusted or thrown on.
 */
export function reportChartsFrom(value: unknown): ReportCharts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.status === 'none') return { status: 'none' };
  if (v.status === 'failed')
    return typeof v.reason === 'string'
      ? { status: 'failed', reason: v.reason.slice(0, MAX_REASON_CHARS) }
      : undefined;
  if (v.status !== 'embedded' || !Array.isArray(v.images)) return undefined;
  const pixelRatio = v.pixelRatio;
  if (typeof pixelRatio !== 'number' || !(pixelRatio >= 1 && pixelRatio <= 4)) return undefined;
  const seen = new Set<ChartId>();
  const images: ReportChartImage[] = [];
  for (const raw of v.images as unknown[]) {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const image = raw as Record<string, unknown>;
    const chart = image.chart;
    if (typeof chart !== 'string' || !(CHART_IDS as readonly string[]).includes(chart)) return undefined;
    if (seen.has(chart as ChartId)) return undefined;
    seen.add(chart as ChartId);
    const size = [image.widthPx, image.heightPx];
    if (!size.every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 100_000))
      return undefined;
    if (typeof image.title !== 'string') return undefined;
    images.push({
      chart: chart as ChartId,
      title: image.title.slice(0, MAX_TITLE_CHARS),
      widthPx: image.widthPx as number,
      heightPx: image.heightPx as number,
    });
  }
  const compareLabel =
    typeof v.compareLabel === 'string' ? v.compareLabel.slice(0, MAX_TITLE_CHARS) : undefined;
  return { status: 'embedded', images, pixelRatio, ...(compareLabel !== undefined ? { compareLabel } : {}) };
}

/** The JSON's `charts`: the PNGs with paths relative to the report, or why there are none. */
function chartsSection(charts: ReportCharts | undefined, folder: string): ReportJson['charts'] {
  if (!charts) return { status: 'not-drawn', note: CHARTS_NOTE, images: [], pixelRatio: null };
  if (charts.status === 'none')
    return {
      status: 'none',
      note: 'No charts: this config has nothing the curves panel can draw (each chart says why in the panel).',
      images: [],
      pixelRatio: null,
    };
  if (charts.status === 'failed')
    return {
      status: 'failed',
      note: `Charts not embedded: ${charts.reason.replace(/\.$/, '')}. The numbers above do not depend on them; the curves panel can export each chart.`,
      images: [],
      pixelRatio: null,
    };
  const first = charts.images[0];
  const size = first
    ? ` (${first.widthPx / charts.pixelRatio}×${first.heightPx / charts.pixelRatio} CSS pixels → ${first.widthPx}×${first.heightPx} PNG)`
    : '';
  const compared = charts.compareLabel ? `, with the comparison overlay of ${charts.compareLabel}` : '';
  return {
    status: 'embedded',
    note: `Drawn by the curves panel (chart.js) from the chart data the panel shows${compared}, at ${charts.pixelRatio}× device pixels${size}, on the editor theme's background; loss on a linear axis, every series shown.`,
    images: charts.images.map((image) => ({ ...image, file: `${folder}/${image.chart}.png` })),
    pixelRatio: charts.pixelRatio,
  };
}

/**
 * A relative link target: each segment percent-encoded (spaces, `#`, `%`, `?`) and parentheses too,
 * which encodeURIComponent keeps but which would end a Markdown link early.
 */
const linkTarget = (path: string) =>
  path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/\(/g, '%28').replace(/\)/g, '%29'))
    .join('/');

/** Alt text of an image: brackets and line breaks would end or split it. */
const altText = (text: string) => text.replace(/[[\]\\]/g, '\\$&').replace(/\s+/g, ' ');

/** Escape a table cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function toMarkdown(r: ReportJson): string {
  const rows: [string, string][] = [];
  const p = r.params!;
  rows.push(['N (total)', `${formatExact(p.total)} (${formatCount(p.total)})`]);
  rows.push(['N (non-embedding)', formatExact(p.nonEmbedding)]);
  if (p.active !== p.total) rows.push(['N (active)', formatExact(p.active)]);
  rows.push([
    'D (training tokens)',
    r.tokens !== null
      ? `${formatExact(r.tokens)} (${formatCount(r.tokens)})`
      : `unknown — needs ${r.missing.join(' and ')}`,
  ]);
  if (r.tokensFormula) rows.push(['D derivation', r.tokensFormula]);
  if (r.tokensFrom) rows.push(['D from', r.tokensFrom]);
  if (r.tokensPerParam !== null) rows.push(['tokens / parameter', r.tokensPerParam.toPrecision(3)]);
  if (r.optimalTokens !== null) rows.push([`compute-optimal D (${r.law.id})`, formatExact(r.optimalTokens)]);
  if (r.flops !== null) rows.push(['training FLOPs (6·N·D)', formatScientific(r.flops, 4)]);
  if (r.flopsWithAttention !== null)
    rows.push([
      'FLOPs with attention (Kaplan et al. 2020, Table 1)',
      formatScientific(r.flopsWithAttention, 4),
    ]);
  if (r.cost) {
    rows.push(['GPU-hours', r.cost.gpuHours.toPrecision(4)]);
    rows.push(['days', r.cost.days.toPrecision(3)]);
    rows.push(['cost', formatUsd(r.cost.usd)]);
  }
  if (r.loss) {
    rows.push([`predicted loss (${r.loss.law})`, formatLoss(r.loss.value)]);
    rows.push(['95% interval', `${formatLoss(r.loss.interval95[0])}–${formatLoss(r.loss.interval95[1])}`]);
    rows.push(['N used by the law', `${formatExact(r.loss.paramsUsed)} (${r.loss.paramConvention})`]);
    if (r.loss.atOptimalTokens !== null)
      rows.push(['loss at the compute-optimal D', formatLoss(r.loss.atOptimalTokens)]);
  }
  const out = [
    `# Scaling Lens report: ${r.file}`,
    '',
    `Framework: ${r.framework}${r.model ? ` · model: ${r.model}` : ''}`,
    '',
    '## Numbers',
    '',
    '| quantity | value |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
    '',
  ];
  if (r.cost) {
    out.push('## Cost assumptions', '', '| assumption | value | from |', '| --- | --- | --- |');
    out.push(...r.cost.assumptions.map((c) => `| ${c.name} | ${cell(c.value)} | ${cell(c.from)} |`), '');
  }
  out.push('## Law', '', `${r.law.label} (\`${r.law.id}\`, N convention: ${r.law.paramConvention})`, '');
  out.push(`Source: ${r.law.citation}`, '');
  out.push(`Coefficients: \`${JSON.stringify(r.law.coefficients)}\``, '');
  out.push(
    r.law.bootstrapDraws
      ? `Interval: 2.5–97.5 percentile of the loss over ${r.law.bootstrapDraws} bootstrap draws of the coefficients.`
      : 'Interval: none (the law has no published uncertainty).',
    '',
  );
  if (r.law.fittedFrom) out.push(`Fitted from: ${r.law.fittedFrom}`, '');
  if (r.assumptions.length) out.push('## Assumptions', '', ...r.assumptions.map((s) => `- ${s}`), '');
  if (r.sources.length) {
    out.push('## Keys read', '', '| field | key | value | line |', '| --- | --- | --- | --- |');
    out.push(
      ...r.sources.map(
        (s) =>
          `| ${s.field} | \`${cell(s.key)}\` | \`${cell(s.value)}\` | ${s.file ? `${cell(basename(s.file))}:` : ''}${s.line} |`,
      ),
      '',
    );
  }
  if (r.warnings.length) out.push('## Warnings', '', ...r.warnings.map((w) => `- ${w}`), '');
  out.push('## Charts', '', r.charts.note, '');
  for (const image of r.charts.images) out.push(`![${altText(image.title)}](${linkTarget(image.file)})`, '');
  return out.join('\n');
}

/** What the request handler needs from the server. */
export interface ReportDeps {
  /** The result the views show for an open document (after its current analysis). */
  result(uri: string): Promise<DocumentResult | undefined>;
}

/** Handle `scalingLens/report`. Never throws: a failure is an `ok: false` answer. */
export function registerReport(connection: Connection, deps: ReportDeps): void {
  connection.onRequest(ReportRequest, async (params): Promise<ReportResponse> => {
    let name = params.uri;
    try {
      name = decodeURIComponent(new URL(params.uri).pathname.split('/').pop() || params.uri);
    } catch {
      // Not a URL: keep the string as the name.
    }
    try {
      return buildReport(await deps.result(params.uri), name, params.charts);
    } catch (error) {
      return { ok: false, message: `Could not build the report: ${(error as Error).message}` };
    }
  });
}
