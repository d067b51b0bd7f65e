/**
 * Chart.js glue: turns a ChartSpec (pure data from src/core/charts.ts) into a themed chart, and
 * updates it in place on the next edit. Every label is drawn on the canvas, never parsed as HTML.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Title,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
  type LegendItem,
  type Plugin,
  type TooltipItem,
} from 'chart.js';
import type { ChartId, ChartSeries, ChartSpec } from '../src/core/charts';
import { formatCount, formatScientific } from '../src/core/format';
import { withAlpha, type Theme } from './theme';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Legend,
  Tooltip,
  Filler,
  Title,
);

/** Extra fields carried on each dataset so legend toggles and tooltips know which series it is. */
interface SeriesDataset {
  seriesId: string;
  role: ChartSeries['role'];
  /** The lower edge of a band: drawn and toggled with its upper edge, absent from the legend. */
  bandLower?: boolean;
  runs?: (string | undefined)[];
}
type Dataset = ChartDataset<'line', { x: number; y: number }[]> & SeriesDataset;

export interface RenderOptions {
  theme: Theme;
  logLoss: boolean;
  hidden: readonly string[];
  /** A legend toggle: remember it across reloads. */
  onToggle: (seriesId: string, hidden: boolean) => void;
}

/** Fills the canvas with the editor background so exported PNGs are not transparent. */
const backgroundPlugin: Plugin<'line'> = {
  id: 'scalingLensBackground',
  beforeDraw(chart, _args, options: { color?: string }) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = options.color ?? '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** A horizontal dashed line across the plot at each visible 'limit' dataset's y (an accelerator's capacity). */
const limitPlugin: Plugin<'line'> = {
  id: 'scalingLensLimit',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    const y = chart.scales.y;
    if (!y) return;
    chart.data.datasets.forEach((raw, index) => {
      const dataset = raw as unknown as Dataset;
      if (dataset.role !== 'limit' || !chart.isDatasetVisible(index)) return;
      const value = (dataset.data[0] as { y: number } | undefined)?.y;
      if (value === undefined) return;
      const pixel = y.getPixelForValue(value);
      ctx.save();
      ctx.strokeStyle = String(dataset.borderColor);
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(chartArea.left, pixel);
      ctx.lineTo(chartArea.right, pixel);
      ctx.stroke();
      ctx.restore();
    });
  },
};

/** 1B, 300M for counts; 1e20 for FLOPs: tick labels at 1·10^k (and 2, 5 on short ranges). */
function logTick(unit: string, value: number, decades: number): string {
  if (!(value > 0)) return '';
  const exponent = Math.floor(Math.log10(value) + 1e-9);
  const mantissa = Math.round(value / 10 ** exponent);
  // Axis bounds (e.g. 2.88e10) are ticks too; only round values get a label.
  if (Math.abs(value / 10 ** exponent - mantissa) > 1e-6) return '';
  const shown = decades > 3 ? [1] : decades > 1.5 ? [1, 3] : [1, 2, 5];
  if (!shown.includes(mantissa)) return '';
  if (unit === 'FLOPs') return mantissa === 1 ? `1e${exponent}` : `${mantissa}e${exponent}`;
  return formatCount(value);
}

/** An x value with its unit, exactly: "1.000e10 tokens (10B)". */
export function describeX(unit: string, value: number): string {
  const exact = formatScientific(value, 4);
  return unit === 'FLOPs' ? `${exact} FLOPs` : `${exact} ${unit} (${formatCount(value)})`;
}

function datasetsFor(spec: ChartSpec, options: RenderOptions): Dataset[] {
  const { theme } = options;
  const color = (series: ChartSeries) => theme.palette[series.colorIndex % theme.palette.length];
  const out: Dataset[] = [];
  for (const series of spec.series) {
    const hidden = options.hidden.includes(series.id);
    const c = color(series);
    const common = {
      label: series.label,
      seriesId: series.id,
      role: series.role,
      hidden,
      data: series.points.map((p) => ({ x: p.x, y: p.y })),
      runs: series.points.some((p) => p.run !== undefined) ? series.points.map((p) => p.run) : undefined,
    };
    switch (series.role) {
      case 'band':
        out.push({
          ...common,
          label: `${series.label} (low)`,
          bandLower: true,
          borderColor: withAlpha(c, 0.5),
          borderWidth: 1,
          pointRadius: 0,
          fill: false,
          order: 3,
        });
        out.push({
          ...common,
          data: (series.upper ?? []).map((p) => ({ x: p.x, y: p.y })),
          borderColor: withAlpha(c, 0.5),
          backgroundColor: withAlpha(c, theme.dark ? 0.22 : 0.16),
          borderWidth: 1,
          pointRadius: 0,
          pointStyle: 'rect',
          fill: '-1',
          order: 3,
        });
        break;
      case 'curve':
        out.push({
          ...common,
          borderColor: c,
          backgroundColor: c,
          borderWidth: series.dashed ? 1.5 : 2.25,
          borderDash: series.dashed ? [6, 4] : [],
          pointRadius: 0,
          pointHoverRadius: 3,
          pointStyle: 'line',
          tension: 0,
          order: 2,
        });
        break;
      case 'config':
      case 'optimum':
        out.push({
          ...common,
          showLine: false,
          pointStyle: series.role === 'config' ? 'rectRot' : 'triangle',
          pointRadius: 8,
          pointHoverRadius: 10,
          backgroundColor: c,
          borderColor: theme.background,
          borderWidth: 1.5,
          order: 0,
        });
        break;
      case 'observed':
        out.push({
          ...common,
          showLine: false,
          pointStyle: 'circle',
          pointRadius: 3.5,
          pointHoverRadius: 5,
          backgroundColor: withAlpha(c, 0.85),
          borderColor: c,
          borderWidth: 1,
          order: 1,
        });
        break;
      case 'stack':
        // One part of a stacked bar: x is the bar's 1-based index into the chart's labels.
        out.push({
          ...common,
          type: 'bar',
          data: series.points.map((p) => ({ x: spec.categories?.[p.x - 1] ?? String(p.x), y: p.y })),
          stack: 'memory',
          backgroundColor: withAlpha(c, 0.85),
          borderColor: theme.background,
          borderWidth: 1,
          maxBarThickness: 140,
          order: 2,
        } as unknown as Dataset);
        break;
      case 'limit':
        // Drawn across the whole plot by limitPlugin; the dataset carries the legend entry and tooltip.
        out.push({
          ...common,
          type: 'line',
          data: series.points.map((p) => ({ x: spec.categories?.[p.x - 1] ?? String(p.x), y: p.y })),
          showLine: false,
          pointRadius: 0,
          pointHoverRadius: 4,
          pointStyle: 'line',
          borderColor: c,
          backgroundColor: c,
          borderWidth: 2,
          borderDash: [6, 4],
          order: 0,
        } as unknown as Dataset);
        break;
      case 'heldOut':
        out.push({
          ...common,
          showLine: false,
          pointStyle: 'crossRot',
          pointRadius: 7,
          pointHoverRadius: 9,
          borderColor: c,
          backgroundColor: c,
          borderWidth: 2.5,
          order: 0,
        });
        break;
    }
  }
  return out;
}

function optionsFor(spec: ChartSpec, options: RenderOptions): ChartOptions<'line'> {
  const { theme } = options;
  const font = { family: theme.fontFamily, size: Math.max(11, theme.fontSize - 1) };
  const xDecades = xSpanDecades(spec);
  const yLog = options.logLoss && spec.id !== 'residuals';
  const yBounds =
    yLog && spec.y.min !== undefined && spec.y.min <= 0
      ? { max: spec.y.max }
      : { min: spec.y.min, max: spec.y.max };
  const bar = spec.kind === 'bar';
  const xLog = spec.x.scale === 'log';
  const xScale = bar
    ? {
        // Stacked bars: one category per bar, the parts stacked on a linear y from 0.
        type: 'category' as const,
        labels: spec.categories ?? [],
        stacked: true,
        title: { display: true, text: spec.x.label, color: theme.foreground, font },
        ticks: { color: theme.muted, font },
        grid: { display: false },
        border: { color: theme.grid },
      }
    : xLog
      ? null
      : {
          type: 'linear' as const,
          min: spec.x.min,
          max: spec.x.max,
          title: { display: true, text: `${spec.x.label} (${spec.x.unit})`, color: theme.foreground, font },
          ticks: {
            color: theme.muted,
            font,
            maxRotation: 0,
            callback: (value: string | number) => formatCount(Number(value)),
          },
          grid: { color: withAlpha(theme.grid, 0.6) },
          border: { color: theme.grid },
        };
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    // Bars are parsed against their category labels; lines are sent in chart.js's own {x, y} form.
    ...(bar ? {} : { parsing: false as const }),
    normalized: !bar,
    interaction: bar
      ? { mode: 'index', intersect: false }
      : { mode: 'nearest', intersect: false, axis: 'xy' },
    color: theme.foreground,
    font,
    layout: { padding: { top: 4, right: 12 } },
    scales: {
      x: (xScale as never) ?? {
        type: 'logarithmic',
        min: spec.x.min,
        max: spec.x.max,
        title: {
          display: true,
          text: `${spec.x.label} (${spec.x.unit}, log scale)`,
          color: theme.foreground,
          font,
        },
        ticks: {
          color: theme.muted,
          font,
          maxRotation: 0,
          autoSkip: false,
          callback: (value) => logTick(spec.x.unit, Number(value), xDecades),
        },
        grid: {
          // Decades get a solid line; the 2–9 lines in between stay faint.
          color: (context) => withAlpha(theme.grid, isDecade(Number(context.tick?.value)) ? 0.8 : 0.3),
        },
        border: { color: theme.grid },
      },
      y: {
        type: yLog && !bar ? 'logarithmic' : 'linear',
        ...(bar ? { min: spec.y.min, max: spec.y.max, stacked: true } : yBounds),
        title: {
          display: true,
          text: `${spec.y.label} (${spec.y.unit}${yLog ? ', log scale' : ''})`,
          color: theme.foreground,
          font,
        },
        ticks: {
          color: theme.muted,
          font,
          ...(yLog || spec.y.step === undefined ? {} : { stepSize: spec.y.step }),
          callback: (value) => {
            const v = Number(value);
            return spec.id === 'residuals' ? v.toFixed(3) : Number(v.toPrecision(4)).toString();
          },
        },
        grid: { color: withAlpha(theme.grid, 0.6) },
        border: { color: theme.grid },
      },
    },
    plugins: {
      title: {
        display: false,
        text: spec.title,
        color: theme.foreground,
        font: { ...font, size: font.size + 2 },
      },
      legend: {
        position: 'bottom',
        labels: {
          color: theme.foreground,
          font,
          usePointStyle: true,
          boxWidth: 10,
          boxHeight: 10,
          padding: 10,
          sort: (a: LegendItem, b: LegendItem) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0),
          filter: (item: LegendItem, data) => !(data.datasets[item.datasetIndex ?? 0] as Dataset).bandLower,
        },
        onClick: (_event, item, legend) => {
          const chart = legend.chart;
          const index = item.datasetIndex ?? 0;
          const visible = chart.isDatasetVisible(index);
          chart.setDatasetVisibility(index, !visible);
          const dataset = chart.data.datasets[index] as Dataset;
          // A band is two datasets; its lower edge sits just before the upper one.
          if (dataset.role === 'band' && index > 0) chart.setDatasetVisibility(index - 1, !visible);
          chart.update('none');
          options.onToggle(dataset.seriesId, visible);
        },
      },
      tooltip: {
        backgroundColor: withAlpha(theme.background, 0.95),
        titleColor: theme.foreground,
        bodyColor: theme.foreground,
        borderColor: theme.grid,
        borderWidth: 1,
        titleFont: font,
        bodyFont: font,
        callbacks: {
          title: (items: TooltipItem<'line'>[]) =>
            !items.length
              ? ''
              : bar
                ? (spec.categories?.[items[0].dataIndex] ?? '')
                : `${spec.x.label} = ${describeX(spec.x.unit, items[0].parsed.x ?? NaN)}`,
          label: (item: TooltipItem<'line'>) => {
            const dataset = item.dataset as Dataset;
            const y = item.parsed.y ?? NaN;
            const value =
              spec.id === 'residuals'
                ? `${y >= 0 ? '+' : ''}${y.toFixed(4)}`
                : bar
                  ? y.toFixed(2)
                  : y.toFixed(4);
            return `${dataset.label}: ${value} ${spec.y.unit}`;
          },
          afterLabel: (item: TooltipItem<'line'>) => {
            const run = (item.dataset as Dataset).runs?.[item.dataIndex];
            return run !== undefined ? `run: ${run}` : '';
          },
        },
      },
      // Custom plugin options (see backgroundPlugin).
      ...({ scalingLensBackground: { color: theme.background } } as object),
    },
  };
}

function isDecade(value: number): boolean {
  if (!(value > 0)) return false;
  const exponent = Math.round(Math.log10(value));
  return Math.abs(value / 10 ** exponent - 1) < 1e-6;
}

function xSpanDecades(spec: ChartSpec): number {
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x)).filter((x) => x > 0);
  const lo = spec.x.min ?? Math.min(...xs);
  const hi = spec.x.max ?? Math.max(...xs);
  return xs.length ? Math.log10(hi / lo) : 0;
}

/** Creates and updates the page's charts, one per canvas. */
export class ChartRenderer {
  private readonly charts = new Map<ChartId, Chart<'line', { x: number; y: number }[]>>();

  /** Draw `spec` on `canvas`, reusing the chart already there. */
  render(canvas: HTMLCanvasElement, spec: ChartSpec, options: RenderOptions): void {
    const datasets = datasetsFor(spec, options);
    const chartOptions = optionsFor(spec, options);
    const existing = this.charts.get(spec.id);
    if (existing && existing.canvas === canvas) {
      existing.data.datasets = datasets;
      existing.options = chartOptions;
      existing.update('none');
      return;
    }
    existing?.destroy();
    this.charts.set(
      spec.id,
      new Chart(canvas, {
        type: 'line',
        data: { datasets },
        options: chartOptions,
        plugins: [backgroundPlugin, limitPlugin],
      }),
    );
  }

  /** Remove a chart (its section is hidden). */
  clear(id: ChartId): void {
    this.charts.get(id)?.destroy();
    this.charts.delete(id);
  }

  /** Destroy every chart, e.g. before a theme change redraws them. */
  clearAll(): void {
    for (const id of [...this.charts.keys()]) this.clear(id);
  }

  /**
   * PNG data URL of `spec` drawn on a fresh off-screen canvas of `size` CSS pixels at `pixelRatio`
   * device pixels each (Export Report), title drawn in; the panel's own charts are not touched.
   */
  offscreenPng(
    spec: ChartSpec,
    options: RenderOptions,
    size: { width: number; height: number; pixelRatio: number },
  ): string {
    const holder = document.createElement('div');
    // Laid out (chart.js measures fonts and sizes) but never seen or read by a screen reader.
    holder.setAttribute('aria-hidden', 'true');
    // Set through the CSSOM (allowed by the page's CSP, unlike a style attribute).
    Object.assign(holder.style, {
      position: 'fixed',
      left: `-${size.width + 100}px`,
      top: '0',
      width: `${size.width}px`,
      height: `${size.height}px`,
      overflow: 'hidden',
      pointerEvents: 'none',
    });
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    canvas.style.width = `${size.width}px`;
    canvas.style.height = `${size.height}px`;
    holder.append(canvas);
    document.body.append(holder);
    const chartOptions = optionsFor(spec, options);
    let chart: Chart<'line', { x: number; y: number }[]> | undefined;
    try {
      chart = new Chart(canvas, {
        type: 'line',
        data: { datasets: datasetsFor(spec, options) },
        options: {
          ...chartOptions,
          // A fixed size: responsive sizing would follow the hidden holder, not the report's size.
          responsive: false,
          devicePixelRatio: size.pixelRatio,
          plugins: {
            ...chartOptions.plugins,
            title: { ...chartOptions.plugins?.title, display: true },
            tooltip: { ...chartOptions.plugins?.tooltip, enabled: false },
          },
        },
        plugins: [backgroundPlugin, limitPlugin],
      });
      return canvas.toDataURL('image/png');
    } finally {
      chart?.destroy();
      holder.remove();
    }
  }

  /** PNG data URL of one chart, with its title drawn in (the page heading is not part of the canvas). */
  toPng(id: ChartId): string | null {
    const chart = this.charts.get(id);
    if (!chart) return null;
    const title = chart.options.plugins?.title;
    if (title) title.display = true;
    chart.update('none');
    const url = chart.canvas.toDataURL('image/png');
    if (title) title.display = false;
    chart.update('none');
    return url;
  }
}
