/**
 * Quick fixes. The training-length fix is a WorkspaceEdit that replaces only the duration value
 * (src/core/edits.ts computes the text), so comments and formatting stay and one undo reverts it.
 */
import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic,
  type Range,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { durationFix } from '../core/plan/applyPlan';
import type { ReadContext } from '../core/types';
import { formatCount } from '../core/format';
import { ServerDiagnosticCodes } from './diagnostics';
import { Commands, type SetGpuCountArgs } from '../protocol';
import type { DocumentResult } from './model';
import { memoryCodeActions } from './memoryActions';
import { hyperparameterCodeActions } from './hyperparameterActions';

/** Settings a "missing value" diagnostic can be completed with, by diagnostic code. */
const SETTING_FOR_MISSING: Record<string, { setting: string; title: string }> = {
  'missing-gpus': { setting: 'scalingLens.missing.gpus', title: 'Set the GPU count Scaling Lens assumes…' },
  'missing-dataset-size': {
    setting: 'scalingLens.missing.datasetTokens',
    title: 'Set the dataset size Scaling Lens assumes…',
  },
};

/** Diagnostic codes the compute-optimal fix answers. */
const DURATION_FIX_CODES = new Set<string>([
  ServerDiagnosticCodes.underTrained,
  ServerDiagnosticCodes.extrapolation,
]);

/** Relative gap below which the run already is compute-optimal and no fix is offered. */
const ALREADY_OPTIMAL = 0.01;

export interface CodeActionRequest {
  uri: string;
  /** Document version the edit applies to (versioned edits are rejected by the client if stale). */
  version: number;
  range: Range;
  diagnostics: readonly Diagnostic[];
  /** Client accepts `documentChanges` (versioned edits). */
  documentChanges: boolean;
  /** The document text of `version`: fixes re-read their own edit. */
  text?: string;
  /** How the analysis read the document (path, sibling files, GPU/dataset options). */
  readContext?: ReadContext;
}

/** Code actions for a range of a document. */
export function buildCodeActions(result: DocumentResult, request: CodeActionRequest): CodeAction[] {
  const actions: CodeAction[] = [];
  const durationFix = computeOptimalFix(result, request);
  if (durationFix) actions.push(durationFix);
  actions.push(...memoryCodeActions(result, request));
  actions.push(...hyperparameterCodeActions(result, request));
  for (const diagnostic of request.diagnostics) {
    const missing = typeof diagnostic.code === 'string' ? SETTING_FOR_MISSING[diagnostic.code] : undefined;
    if (!missing) continue;
    if (diagnostic.code === 'missing-gpus') actions.push(...gpuCountActions(result, request, diagnostic));
    actions.push({
      title: missing.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      // VS Code's settings editor, filtered to the one setting.
      command: {
        title: missing.title,
        command: 'workbench.action.openSettings',
        arguments: [missing.setting],
      },
    });
  }
  return actions;
}

/** "Set training length to compute-optimal ≈ 2.49B tokens" on the duration key or its diagnostics. */
function computeOptimalFix(result: DocumentResult, request: CodeActionRequest): CodeAction | undefined {
  const a = result.analysis;
  const source = a?.spec.trainingSources.duration;
  const unit = a?.spec.training.durationUnit;
  // A finetune's length is set by its data, not by compute-optimality.
  if (!a || !source || source.file || !unit || a.optimalTokens === null || a.spec.training.finetune)
    return undefined;
  const related = request.diagnostics.filter(
    (d) => typeof d.code === 'string' && DURATION_FIX_CODES.has(d.code),
  );
  const onKey =
    request.range.start.line <= source.valueRange.end.line &&
    request.range.end.line >= source.keyRange.start.line;
  if (!onKey && related.length === 0) return undefined;
  if (a.tokens !== null && Math.abs(a.tokens - a.optimalTokens) / a.optimalTokens < ALREADY_OPTIMAL)
    return undefined;
  // The fix re-reads its own edit, so the title states what the file will really train on.
  if (request.text === undefined) return undefined;
  const fix = durationFix(request.text, a.spec, a.optimalTokens, request.readContext ?? {});
  if (!fix) return undefined;
  const inUnits = unit.kind === 'tokens' ? '' : ` (${source.key} = ${fix.written} ${unit.kind})`;
  const alsoDecay = fix.alsoChanged.length ? `, with ${[...new Set(fix.alsoChanged)].join(', ')}` : '';
  const title = fix.capped
    ? `Set ${source.key} for compute-optimal ${formatCount(a.optimalTokens)} tokens (reaches ${formatCount(fix.tokens)}: another setting caps the run)`
    : `Set training length to compute-optimal ≈ ${formatCount(fix.tokens)} tokens${inUnits}${alsoDecay}`;
  const textEdits = fix.replacements.map((r) => ({ range: r.range, newText: r.newText }));
  const workspaceEdit: WorkspaceEdit = request.documentChanges
    ? {
        documentChanges: [{ textDocument: { uri: request.uri, version: request.version }, edits: textEdits }],
      }
    : { changes: { [request.uri]: textEdits } };
  return {
    title,
    kind: CodeActionKind.QuickFix,
    ...(related.length ? { diagnostics: related } : {}),
    isPreferred: related.some((d) => d.code === ServerDiagnosticCodes.underTrained),
    edit: workspaceEdit,
  };
}

/**
 * The missing-GPU fixes that stay with the file or its folder: write `# scaling-lens: gpus=N` into
 * the file (read back by src/core/config/hardwareHints.ts), or set `scalingLens.missing.gpus` for
 * the workspace folder. The client asks for N (suggesting a count the file implies, e.g. the chips
 * of a named TPU slice) and applies the edit; JSON has no comments, so it gets only the setting.
 */
function gpuCountActions(
  result: DocumentResult,
  request: CodeActionRequest,
  diagnostic: Diagnostic,
): CodeAction[] {
  const hinted = result.analysis?.spec.hardware?.gpus;
  const suggested = hinted ? hinted.count : null;
  const actions: CodeAction[] = [];
  const text = request.text;
  if (text !== undefined && !/^\s*[[{]/.test(text)) {
    // After a shebang (scripts must keep it first); otherwise at the top.
    const shebang = /^#![^\r\n]*/.exec(text);
    const lastLine = shebang && shebang[0].length === text.length; // a one-line script: append after it
    const args: SetGpuCountArgs = {
      target: 'file',
      uri: request.uri,
      version: request.version,
      position: lastLine ? { line: 0, character: text.length } : { line: shebang ? 1 : 0, character: 0 },
      prefix: `${lastLine ? '\n' : ''}# scaling-lens: gpus=`,
      suggested,
    };
    const title = 'Write the GPU count into this file (# scaling-lens: gpus=…)…';
    actions.push({
      title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      command: { title, command: Commands.setGpuCount, arguments: [args] },
    });
  }
  const folderArgs: SetGpuCountArgs = { target: 'workspaceFolder', uri: request.uri, suggested };
  const folderTitle = 'Set the GPU count for this workspace folder…';
  actions.push({
    title: folderTitle,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    command: { title: folderTitle, command: Commands.setGpuCount, arguments: [folderArgs] },
  });
  return actions;
}
