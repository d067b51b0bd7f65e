/**
 * Code lens tooltips. The server sends each lens's tooltip as `command.tooltip` (LSP 3.18) and in
 * `data.tooltip`; vscode-languageclient 9.0.1's protocolConverter.asCommand copies only title,
 * command and arguments, but asCodeLens keeps `data`. This middleware puts `data.tooltip` on the
 * `vscode.Command`, which VS Code shows when the pointer rests on the lens.
 */
import type * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';

/** Copy `lens.data.tooltip` into `lens.command.tooltip` (a no-op for lenses without one). */
export function withLensTooltips(
  lenses: vscode.CodeLens[] | null | undefined,
): vscode.CodeLens[] | null | undefined {
  for (const lens of lenses ?? []) {
    const data = (lens as vscode.CodeLens & { data?: { tooltip?: unknown } }).data;
    if (lens.command && typeof data?.tooltip === 'string' && !lens.command.tooltip)
      lens.command.tooltip = data.tooltip;
  }
  return lenses;
}

/** The client middleware that applies {@link withLensTooltips}. */
export const lensTooltipMiddleware: Middleware = {
  async provideCodeLenses(document, token, next) {
    return withLensTooltips(await next(document, token));
  },
};
