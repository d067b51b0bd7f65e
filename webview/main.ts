/**
 * The curves panel's page. Receives chart data from the extension host (validated), which forwards
 * what the language server built (src/server/curves.ts), and draws it with chart.js: it computes no
 * number beyond layout, only formats the ones it is sent. State
 * (the last snapshot, view mode, legend toggles) lives in vscode.setState so hide/show and window
 * reloads redraw at once.
 */
import type { ChartData, ChartId } from '../src/core/charts';
import { formatCount, formatExact, formatLoss } from '../src/core/format';
import {
  PANEL_CHART_IDS,
  isChartId,
  isHostToWebviewMessage,
  sanitizePanelState,
  type CurvesPanelState,
  type HostToWebviewMessage,
  type RenderForReportMessage,
  type ReportImagesMessage,
  type UpdateMessage,
} from '../src/webviewProtocol';
import { ChartRenderer } from './render';
import { renderTable } from './table';
import { readTheme, watchTheme } from './theme';
import { vscode } from './vscodeApi';

let state: CurvesPanelState = sanitizePanelState(vscode.getState());
let current: { update: UpdateMessage; data: ChartData } | null = null;
let renders = 0;
const renderer = new ChartRenderer();

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function saveState(): void {
  vscode.setState(state);
}

/** "This config: N = 124M parameters (124,439,808) · D = 10B tokens · predicted loss 3.123 nats/token …" */
function configSummary(update: UpdateMessage, data: ChartData): string {
  const { snapshot } = update;
  const config = data.config;
  if (!snapshot.params || !config) return `${update.documentLabel}: parameter count unknown.`;
  const parts = [
    `N = ${formatCount(snapshot.params.total)} parameters (${formatExact(snapshot.params.total)})`,
  ];
  if (config.paramsUsed !== snapshot.params.total) {
    parts.push(`law uses ${config.paramConvention} N = ${formatCount(config.paramsUsed)}`);
  }
  if (snapshot.tokens !== null) parts.push(`D = ${formatCount(snapshot.tokens)} tokens`);
  else parts.push(`D unknown (missing: ${snapshot.missing.join(', ') || 'training length'})`);
  if (snapshot.loss) {
    const { value, low, high } = snapshot.loss;
    const interval = high > low ? ` (95%: ${formatLoss(low)}–${formatLoss(high)})` : '';
    parts.push(`predicted loss ${formatLoss(value)} nats/token${interval}`);
  }
  if (config.optimalTokens !== null)
    parts.push(`compute-optimal D ${formatCount(config.optimalTokens)} tokens`);
  return `This config: ${parts.join(' · ')}`;
}

function renderHeader(update: UpdateMessage, data: ChartData): void {
  const { snapshot } = update;
  const name = snapshot.modelName ? `${update.documentLabel} (${snapshot.modelName})` : update.documentLabel;
  byId('panel-title').textContent = `Scaling Curves — ${name}`;
  const marker = byId('config-marker');
  marker.textContent = configSummary(update, data);
  if (snapshot.loss) marker.dataset.loss = formatLoss(snapshot.loss.value);
  else delete marker.dataset.loss;
  const law = byId('law-label');
  const compared = data.compareLabel
    ? ` · compared with ${data.compareLabel} (run Compare with… again to clear)`
    : '';
  law.textContent = `Law: ${snapshot.law.label}${snapshot.law.fittedFrom ? ` — fitted from ${snapshot.law.fittedFrom}` : ''}${compared}`;
  law.title = snapshot.law.citation;
  const notes = byId<HTMLUListElement>('notes');
  notes.replaceChildren(
    ...[...data.notes, ...snapshot.warnings].map((note) => {
      const li = document.createElement('li');
      li.textContent = note;
      return li;
    }),
  );
  document.body.classList.toggle('stale', update.stale === true);
}

function draw(): void {
  if (!current) return;
  const { update, data } = current;
  renderHeader(update, data);
  const theme = readTheme();
  for (const id of PANEL_CHART_IDS) {
    const section = byId(`section-${id}`);
    const canvas = section.querySelector('canvas') as HTMLCanvasElement;
    const spec = data.charts.find((chart) => chart.id === id);
    if (!spec) {
      section.hidden = true;
      renderer.clear(id);
      continue;
    }
    section.hidden = false;
    section.querySelector('h2')!.textContent = spec.title;
    canvas.setAttribute('aria-label', spec.description);
    const captions = section.querySelector('[data-caption]') as HTMLUListElement;
    captions.replaceChildren(
      ...(spec.caption ?? []).map((text) => {
        const li = document.createElement('li');
        li.textContent = text;
        return li;
      }),
    );
    // Nothing to draw (memory unknown, no LR schedule): the reason in place of the chart, never a bar.
    const unavailable = section.querySelector('[data-unavailable]') as HTMLParagraphElement;
    const box = canvas.parentElement as HTMLElement;
    if (spec.unavailable !== undefined) {
      unavailable.textContent = spec.unavailable;
      unavailable.hidden = false;
      box.hidden = true;
      section.dataset.unavailable = 'true';
      renderer.clear(id);
      continue;
    }
    unavailable.hidden = true;
    box.hidden = false;
    delete section.dataset.unavailable;
    renderer.render(canvas, spec, {
      theme,
      logLoss: state.logLoss === true,
      hidden: state.hidden?.[id] ?? [],
      onToggle: (seriesId, hidden) => toggleSeries(id, seriesId, hidden),
    });
  }
  renderTable(byId<HTMLTableElement>('data-table'), data);
  delete document.body.dataset.empty;
  applyView();
  document.body.dataset.renders = String(++renders);
}

function toggleSeries(chart: ChartId, seriesId: string, hidden: boolean): void {
  const ids = new Set(state.hidden?.[chart] ?? []);
  if (hidden) ids.add(seriesId);
  else ids.delete(seriesId);
  state = { ...state, hidden: { ...state.hidden, [chart]: [...ids] } };
  saveState();
}

function show(update: UpdateMessage): void {
  current = { update, data: update.data };
  state = { ...state, uri: update.snapshot.uri, last: update };
  saveState();
  draw();
}

/**
 * Nothing to draw for the active file (issue #16: it is not a run config): say why, and leave no
 * other file's curves under the message. The saved state forgets the config too, so a reload
 * does not bring the old curves back.
 */
function showEmpty(reason: string): void {
  current = null;
  renderer.clearAll();
  state = { view: state.view, logLoss: state.logLoss, hidden: state.hidden };
  saveState();
  byId('panel-title').textContent = 'Scaling Curves';
  const marker = byId('config-marker');
  marker.textContent = reason;
  delete marker.dataset.loss;
  byId('law-label').textContent = '';
  byId('law-label').removeAttribute('title');
  byId('notes').replaceChildren();
  for (const id of PANEL_CHART_IDS) byId(`section-${id}`).hidden = true;
  byId<HTMLTableElement>('data-table').tBodies[0]?.replaceChildren();
  document.body.classList.remove('stale');
  document.body.dataset.empty = 'true';
}

function applyView(): void {
  const table = state.view === 'table';
  byId('charts').hidden = table;
  byId('table-view').hidden = !table;
  const toggle = byId('toggle-table');
  toggle.setAttribute('aria-pressed', String(table));
  toggle.textContent = table ? 'Chart view' : 'Table view';
  byId('toggle-log').setAttribute('aria-pressed', String(state.logLoss === true));
}

function setStatus(message: string): void {
  byId('status').textContent = message;
}

/**
 * Export Report: every chart of the sent data that has something to draw, off screen at the asked
 * size and pixel ratio, on linear axes with every series shown (the panel's toggles are its own).
 */
function reportImages(message: RenderForReportMessage): ReportImagesMessage {
  const { requestId } = message;
  try {
    const options = { theme: readTheme(), logLoss: false, hidden: [], onToggle: () => undefined };
    const images = message.data.charts
      .filter((spec) => spec.unavailable === undefined)
      .map((spec) => ({
        chart: spec.id,
        title: spec.title,
        dataUrl: renderer.offscreenPng(spec, options, message),
      }));
    return { type: 'reportImages', requestId, images };
  } catch (error) {
    const reason = String((error as Error)?.message ?? error).slice(0, 500);
    return { type: 'reportImages', requestId, images: [], error: reason || 'drawing failed' };
  }
}

function onHostMessage(message: HostToWebviewMessage): void {
  switch (message.type) {
    case 'update':
      show(message);
      break;
    case 'empty':
      showEmpty(message.reason);
      break;
    case 'exportResult':
      setStatus(message.message);
      break;
    case 'renderForReport':
      vscode.postMessage(reportImages(message));
      break;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  // Only the host talks to this page; anything malformed is ignored, never half-applied.
  if (isHostToWebviewMessage(event.data)) onHostMessage(event.data);
});

byId('toggle-table').addEventListener('click', () => {
  state = { ...state, view: state.view === 'table' ? 'charts' : 'table' };
  saveState();
  applyView();
});

byId('toggle-log').addEventListener('click', () => {
  state = { ...state, logLoss: !state.logLoss };
  saveState();
  draw();
});

document.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest?.('button[data-export]');
  if (!(button instanceof HTMLButtonElement)) return;
  const target = button.dataset.target;
  if (button.dataset.export === 'csv' && (target === 'all' || isChartId(target))) {
    vscode.postMessage({ type: 'exportCsv', chart: target });
  } else if (button.dataset.export === 'png' && isChartId(target)) {
    const dataUrl = renderer.toPng(target);
    if (dataUrl) vscode.postMessage({ type: 'exportPng', chart: target, dataUrl });
    else setStatus('Nothing to export for this chart yet.');
  }
});

watchTheme(() => {
  // New colors everywhere (grid, fonts, palette): rebuild rather than patch each option.
  renderer.clearAll();
  draw();
});

applyView();
if (state.last) show(state.last);
vscode.postMessage({ type: 'ready' });
