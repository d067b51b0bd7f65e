/**
 * Scaling Lens: Export Report — the open config's analysis as Markdown and JSON, built by the
 * server (`scalingLens/report`), written next to the config (`<name>.scaling-report.md/.json`) or
 * into a folder the user picks, with its charts as PNGs in `<name>.scaling-report/`: the curves
 * panel draws the server's chart data at 2× device pixels (src/client/curvesPanel.ts
 * renderReportCharts). When drawing or writing them fails the report is still written and says why.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, ReportRequest } from '../protocolMethods';
import type { ReportCharts } from '../protocol';
import { PANEL_CHART_IDS } from '../webviewMessages';
import { renderReportCharts } from './curvesPanel';

/** How long drawing the charts may take, opening the panel included, before the report goes without. */
const RENDER_TIMEOUT_MS = 30_000;

export function registerExportReportCommand(client: LanguageClient): vscode.Disposable {
  return vscode.commands.registerCommand(Commands.exportReport, async (arg?: { folder?: string }) => {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) {
      void vscode.window.showWarningMessage('Scaling Lens: open a run config to export its report.');
      return;
    }
    const uri = document.uri.toString();
    const answer = await client.sendRequest(ReportRequest, { uri });
    if (!answer.ok) {
      void vscode.window.showWarningMessage(`Scaling Lens: ${answer.message}`);
      return;
    }
    const beside = vscode.Uri.joinPath(document.uri, '..');
    let folder: vscode.Uri | undefined = arg?.folder ? vscode.Uri.file(arg.folder) : undefined;
    if (!folder) {
      const choice = await vscode.window.showQuickPick(
        [
          { label: 'Next to the config', target: 'beside' as const },
          { label: 'Choose a folder…', target: 'pick' as const },
        ],
        { title: 'Export the Scaling Lens report (Markdown, JSON and chart PNGs)' },
      );
      if (!choice) return;
      if (choice.target === 'beside') folder = beside;
      else {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: false,
          canSelectFolders: true,
          defaultUri: beside,
          openLabel: 'Export here',
        });
        folder = picked?.[0];
      }
    }
    if (!folder) return;
    const target = folder;
    const charts = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Scaling Lens: drawing the report’s charts…' },
      () => writeCharts(uri, vscode.Uri.joinPath(target, answer.chartsFolder)),
    );
    // Asked again with what was drawn, so the Markdown embeds exactly the PNGs on disk.
    const report = await client.sendRequest(ReportRequest, { uri, charts });
    if (!report.ok) {
      void vscode.window.showWarningMessage(`Scaling Lens: ${report.message}`);
      return;
    }
    const md = vscode.Uri.joinPath(target, `${report.name}.scaling-report.md`);
    const json = vscode.Uri.joinPath(target, `${report.name}.scaling-report.json`);
    const encoder = new TextEncoder();
    await vscode.workspace.fs.writeFile(md, encoder.encode(report.markdown));
    await vscode.workspace.fs.writeFile(json, encoder.encode(report.json));
    const written = `wrote ${vscode.workspace.asRelativePath(md)} and ${vscode.workspace.asRelativePath(json)}`;
    const open = 'Open Report';
    const choice =
      charts.status === 'failed'
        ? await vscode.window.showWarningMessage(
            `Scaling Lens: ${written} without charts: ${charts.reason}.`,
            open,
          )
        : await vscode.window.showInformationMessage(
            `Scaling Lens: ${written}${charts.status === 'embedded' ? ` with ${charts.images.length} chart PNGs in ${answer.chartsFolder}/` : ''}.`,
            open,
          );
    if (choice === open) await vscode.commands.executeCommand('markdown.showPreview', md);
  });
}

/**
 * Draw the charts and write one `<chart>.png` each into `folder`, removing chart PNGs an earlier
 * export left that this one does not reference. Never throws: a failure is a `failed` status.
 */
async function writeCharts(uri: string, folder: vscode.Uri): Promise<ReportCharts> {
  let charts: ReportCharts;
  try {
    const rendered = await renderReportCharts(uri, RENDER_TIMEOUT_MS);
    if (!rendered.ok) charts = { status: 'failed', reason: rendered.reason };
    else if (rendered.images.length === 0) charts = { status: 'none' };
    else {
      await vscode.workspace.fs.createDirectory(folder);
      for (const image of rendered.images)
        await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, `${image.chart}.png`), image.png);
      charts = {
        status: 'embedded',
        pixelRatio: rendered.pixelRatio,
        images: rendered.images.map(({ chart, title, widthPx, heightPx }) => ({
          chart,
          title,
          widthPx,
          heightPx,
        })),
        ...(rendered.compareLabel !== undefined ? { compareLabel: rendered.compareLabel } : {}),
      };
    }
  } catch (error) {
    charts = { status: 'failed', reason: `could not write the chart PNGs (${(error as Error).message})` };
  }
  const kept = new Set(charts.status === 'embedded' ? charts.images.map((image) => image.chart) : []);
  for (const chart of PANEL_CHART_IDS) {
    if (kept.has(chart)) continue;
    // Only our own file names inside our own folder; a missing file is the usual case.
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder, `${chart}.png`)).then(
      () => undefined,
      () => undefined,
    );
  }
  return charts;
}
