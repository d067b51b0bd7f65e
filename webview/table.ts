/**
 * The accessible table view: every plotted point as a row. Built with DOM calls and textContent
 * only, since series and run names come from user files.
 */
import type { ChartData, ChartId, TableRow } from '../src/core/charts';

const CHART_NAMES: Record<ChartId, string> = {
  tokens: 'Loss vs tokens',
  isoflop: 'IsoFLOP',
  frontier: 'Frontier',
  downstream: 'Accuracy vs compute',
  schedule: 'Loss over training',
  memory: 'Memory per GPU',
  fit: 'Fit',
  residuals: 'Residuals',
};

function cell(row: HTMLTableRowElement, text: string, data?: [string, string]): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  if (data) td.setAttribute(data[0], data[1]);
  return td;
}

/** Replace the table body with `data.table`'s rows. */
export function renderTable(table: HTMLTableElement, data: ChartData): void {
  const body = table.tBodies[0] ?? table.createTBody();
  const fragment = document.createDocumentFragment();
  for (const row of data.table) fragment.append(tableRow(row));
  body.replaceChildren(fragment);
}

function tableRow(row: TableRow): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.chart = row.chart;
  cell(tr, CHART_NAMES[row.chart]);
  cell(tr, row.series, ['data-series', row.series]);
  cell(tr, row.run ? `${row.run}${row.heldOut ? ' (held out)' : ''}` : '', ['data-run', row.run ?? '']);
  cell(tr, row.x.toPrecision(6), ['data-x', String(row.x)]);
  cell(tr, row.xUnit);
  cell(tr, row.yUnit === 'nats/token' ? row.y.toFixed(4) : row.y.toPrecision(6), ['data-y', String(row.y)]);
  cell(tr, row.yUnit);
  return tr;
}
