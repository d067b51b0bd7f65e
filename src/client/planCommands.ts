/**
 * "Plan Compute-Optimal Run…" and "Plan for Inference Demand…": input boxes, a Markdown report and
 * the offer to apply the plan to the active run config (one undoable WorkspaceEdit) or to open the
 * suggested shape as a new HF config.json; after a compute-optimal plan, "Data-constrained…" asks for
 * the dataset's unique tokens and re-plans with them (Muennighoff et al. 2023). The server owns every number: it validates the inputs,
 * plans under the document's law and hardware settings, and computes the edits; this module shows.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  ApplyPlanRequest,
  Commands,
  PlanContextRequest,
  PlanRequest,
  ValidatePlanInputRequest,
} from '../protocolMethods';
import type { PlanInputField, PlanParams, PlanResponse, PlanTargetWire } from '../protocol';

/** Register the two planning commands. */
export function registerPlanCommands(
  context: vscode.ExtensionContext,
  client: LanguageClient,
): vscode.Disposable {
  void context;
  const guarded = (run: () => Promise<void>) => async () => {
    try {
      await run();
    } catch (error) {
      client.outputChannel.appendLine(`[plan] ${(error as Error)?.stack ?? error}`);
      void vscode.window.showErrorMessage(
        `Scaling Lens: planning failed (${(error as Error)?.message ?? error}).`,
      );
    }
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand(
      Commands.planComputeOptimal,
      guarded(() => planComputeOptimalCommand(client)),
    ),
    vscode.commands.registerCommand(
      Commands.planInference,
      guarded(() => planInferenceCommand(client)),
    ),
  );
}

/** The active editor's document when a command starts (the plan's scope). */
function activeUri(): vscode.Uri | undefined {
  return vscode.window.activeTextEditor?.document.uri;
}

/** An input box whose text the server validates (same parser as the plan itself). */
function askServer(
  client: LanguageClient,
  field: PlanInputField,
  uri: vscode.Uri | undefined,
  options: Omit<vscode.InputBoxOptions, 'validateInput'>,
): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    ...options,
    ignoreFocusOut: true,
    validateInput: async (text) =>
      (await client.sendRequest(ValidatePlanInputRequest, {
        field,
        text,
        ...(uri ? { uri: uri.toString() } : {}),
      })) ?? undefined,
  });
}

async function planComputeOptimalCommand(client: LanguageClient): Promise<void> {
  const uri = activeUri();
  const scope = uri ? { uri: uri.toString() } : {};
  const context = await client.sendRequest(PlanContextRequest, scope);
  const budget = await askServer(client, 'budget', uri, {
    title: 'Scaling Lens: Plan Compute-Optimal Run',
    prompt: context.budgetPrompt ?? 'Training budget',
    placeHolder: '1e23 FLOPs · 50000 GPU-hours · $2M · 30 days on 512 GPUs',
  });
  if (budget === undefined) return;
  await runPlan(client, uri, { kind: 'compute-optimal', budget, ...scope });
}

async function planInferenceCommand(client: LanguageClient): Promise<void> {
  const uri = activeUri();
  const scope = uri ? { uri: uri.toString() } : {};
  const context = await client.sendRequest(PlanContextRequest, scope);
  const current = context.currentLoss;
  const targetLoss = await askServer(client, 'targetLoss', uri, {
    title: 'Scaling Lens: Plan for Inference Demand (1/2)',
    prompt: `Target loss in nats/token under ${context.lawLabel}${current !== null ? ' (default: the current config’s predicted loss)' : ''}`,
    value: current !== null ? current.toFixed(4) : '',
    placeHolder: 'e.g. 2.1',
  });
  if (targetLoss === undefined) return;
  const demand = await askServer(client, 'demand', uri, {
    title: 'Scaling Lens: Plan for Inference Demand (2/2)',
    prompt: 'Lifetime inference demand: tokens, or requests with input and output tokens per request',
    value: context.inferenceTokens !== null ? `${context.inferenceTokens.toExponential()} tokens` : '',
    placeHolder: '2e12 tokens · 1e10 requests × 1000 in + 250 out',
  });
  if (demand === undefined) return;
  await runPlan(client, uri, { kind: 'inference', targetLoss, demand, ...scope });
}

async function runPlan(
  client: LanguageClient,
  uri: vscode.Uri | undefined,
  params: PlanParams,
): Promise<void> {
  const response = await client.sendRequest(PlanRequest, params);
  if (!response.ok) {
    void vscode.window.showErrorMessage(`Scaling Lens: ${response.message}`);
    return;
  }
  await showMarkdown(response.markdown);
  const choice = await offerActions(
    client,
    response,
    response.canApply ? uri : undefined,
    // A compute-optimal plan assumes unlimited unique data; offer the data-constrained one.
    params.kind === 'compute-optimal' && params.uniqueTokens === undefined,
  );
  if (choice !== DATA_CONSTRAINED || params.kind !== 'compute-optimal') return;
  const uniqueTokens = await askServer(client, 'uniqueTokens', uri, {
    title: 'Scaling Lens: Data-Constrained Plan (Muennighoff et al. 2023)',
    prompt: 'Unique tokens in the dataset (one epoch); the plan repeats them as the budget needs',
    placeHolder: '100B · 2.5e11 tokens · 1.4 trillion',
  });
  if (uniqueTokens === undefined) return;
  await runPlan(client, uri, { ...params, uniqueTokens });
}

async function showMarkdown(content: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
}

const APPLY = 'Apply to current config';
const OPEN_HF = 'Open as new HF config.json';
const DATA_CONSTRAINED = 'Data-constrained…';

/** Offer the plan's actions; returns the choice when it is left to the caller (data-constrained). */
async function offerActions(
  client: LanguageClient,
  plan: Extract<PlanResponse, { ok: true }>,
  config: vscode.Uri | undefined,
  offerDataConstrained: boolean,
): Promise<string | undefined> {
  const actions = [
    ...(config ? [APPLY] : []),
    ...(plan.hfConfig ? [OPEN_HF] : []),
    ...(offerDataConstrained ? [DATA_CONSTRAINED] : []),
  ];
  const choice = await vscode.window.showInformationMessage(plan.summary, ...actions);
  if (choice === OPEN_HF && plan.hfConfig) {
    const document = await vscode.workspace.openTextDocument({
      language: 'json',
      content: JSON.stringify(plan.hfConfig, null, 2) + '\n',
    });
    await vscode.window.showTextDocument(document, { preview: false });
  } else if (choice === APPLY && config) {
    await applyToConfig(client, config, plan.target);
  }
  return choice;
}

/** Apply the server's edits as one WorkspaceEdit (one undo step), dirty or saved alike, then report. */
async function applyToConfig(client: LanguageClient, uri: vscode.Uri, target: PlanTargetWire): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const name = vscode.workspace.asRelativePath(uri, false);
  const applied = await client.sendRequest(ApplyPlanRequest, { uri: uri.toString(), target, name });
  if (!applied.ok) {
    void vscode.window.showErrorMessage(`Scaling Lens: ${applied.message}`);
    return;
  }
  if (applied.edits.length > 0) {
    // The edits are against the version the server read; a newer text means they would land wrong.
    const edit = new vscode.WorkspaceEdit();
    for (const r of applied.edits) {
      edit.replace(
        uri,
        new vscode.Range(
          r.range.start.line,
          r.range.start.character,
          r.range.end.line,
          r.range.end.character,
        ),
        r.newText,
      );
    }
    if (document.version !== applied.version || !(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage(
        `Scaling Lens: ${name} changed while applying the plan; try again.`,
      );
      return;
    }
    // Reveal the config where it is already open (the plan report usually has focus in the group
    // beside it), instead of opening a second editor on it in the report's group.
    const shown = vscode.window.visibleTextEditors.find((e) => e.document === document);
    await vscode.window.showTextDocument(document, {
      preview: false,
      ...(shown?.viewColumn ? { viewColumn: shown.viewColumn } : {}),
    });
  }
  const choice = await vscode.window.showInformationMessage(
    applied.message,
    ...(applied.details ? ['Details'] : []),
  );
  if (choice !== 'Details' || !applied.details) return;
  const report = await vscode.workspace.openTextDocument({ language: 'markdown', content: applied.details });
  await vscode.window.showTextDocument(report, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}
