/**
 * "Plan Compute-Optimal Run…" and "Plan for Inference Demand…": read a budget or a target loss and
 * an inference demand from input boxes, plan with src/core/plan under the law and hardware in the
 * settings, show the plan as a Markdown document, and offer to apply it to the run config that was
 * active (one undoable WorkspaceEdit) or to open the suggested shape as a new HF config.json.
 */
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { readRunConfig } from '../core/config/registry';
import { parseSavedLaw, savedLawToScalingLaw } from '../core/fit/savedLaw';
import { formatCount, formatScientific, formatUsd } from '../core/format';
import { irreducibleLoss } from '../core/laws/forms';
import { DEFAULT_LAW_ID, findPublishedLaw, type ScalingLaw } from '../core/laws/published';
import {
  planComputeOptimal,
  planInferenceAware,
  suggestArchitecture,
  type ArchitectureSuggestion,
  type ComputeOptimalPlan,
  type InferenceAwarePlan,
  type InferenceDemand,
  type PlannedModel,
  type TrainingHardware,
} from '../core/plan';
import { applyPlan, type PlanTarget } from '../core/plan/applyPlan';
import { budgetPrompt } from './planPrompts';
import {
  parseBudget,
  parseInferenceDemand,
  parseTargetLoss,
  type ParsedDemand,
} from '../core/plan/parseBudget';
import type { ReadContext, ReadOptions } from '../core/types';
import {
  AnalysisRequest,
  Commands,
  SavedLawsRequest,
  type AnalysisRequestParams,
  type AnalysisSnapshot,
  type SavedLawInfo,
} from '../protocol';

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

/** The run config in the active editor when a command starts (the plan's "current config"). */
interface CurrentConfig {
  uri: vscode.Uri;
  vocabSize?: number;
}

function currentConfig(): CurrentConfig | undefined {
  const document = vscode.window.activeTextEditor?.document;
  if (!document) return undefined;
  const read = readRunConfig(document.getText(), readContext(document));
  if (read.kind !== 'run-config' || !read.spec.architecture) return undefined;
  return { uri: document.uri, vocabSize: read.spec.architecture.vocabSize };
}

function readContext(document: vscode.TextDocument): ReadContext {
  const config = vscode.workspace.getConfiguration('scalingLens', document.uri);
  const gpus = config.get<number | null>('missing.gpus');
  const datasetTokens = config.get<number | null>('missing.datasetTokens');
  const options: ReadOptions = {
    ...(typeof gpus === 'number' && gpus > 0 ? { gpus } : {}),
    ...(typeof datasetTokens === 'number' && datasetTokens > 0 ? { datasetTokens } : {}),
  };
  return {
    ...(document.uri.scheme === 'file' ? { path: document.uri.fsPath, readFile: readLocalFile } : {}),
    options,
  };
}

/** Sibling files (includes, base configs) are read from disk; unreadable ones are simply absent. */
function readLocalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The training hardware in the settings (scalingLens.hardware.*). */
function trainingHardware(scope: vscode.Uri | undefined): Partial<TrainingHardware> {
  const config = vscode.workspace.getConfiguration('scalingLens', scope);
  const gpu = config.get<string>('hardware.gpu');
  const mfu = config.get<number>('hardware.mfu');
  const price = config.get<number | null>('hardware.usdPerGpuHour');
  return {
    ...(gpu ? { gpu } : {}),
    ...(typeof mfu === 'number' && mfu > 0 && mfu <= 1 ? { mfu } : {}),
    ...(typeof price === 'number' && price > 0 ? { usdPerGpuHour: price } : {}),
  };
}

/** The law `scalingLens.law` names: a published one or a saved one from `.vscode/scaling-lens/`. */
async function lawFromSettings(client: LanguageClient, scope: vscode.Uri | undefined): Promise<ScalingLaw> {
  const id = vscode.workspace.getConfiguration('scalingLens', scope).get<string>('law') || DEFAULT_LAW_ID;
  const published = findPublishedLaw(id);
  if (published) return published;
  try {
    const saved = await client.sendRequest(SavedLawsRequest);
    const wanted = id.toLowerCase().replace(/^fitted:/, '');
    const info = saved.find((law) => law.id.toLowerCase().replace(/^fitted:/, '') === wanted);
    if (info) {
      const uri = vscode.Uri.parse(info.uri);
      const parsed = parseSavedLaw(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
      if (parsed.ok) return savedLawToScalingLaw(parsed.law, uri.fsPath);
    }
  } catch {
    // Server down or file unreadable: fall back below, and say so.
  }
  const fallback = findPublishedLaw(DEFAULT_LAW_ID)!;
  void vscode.window.showWarningMessage(
    `Scaling Lens: law "${id}" was not found; planning with ${fallback.label}.`,
  );
  return fallback;
}

async function planComputeOptimalCommand(client: LanguageClient): Promise<void> {
  const config = currentConfig();
  const scope = config?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  const hardware = trainingHardware(scope);
  const text = await vscode.window.showInputBox({
    title: 'Scaling Lens: Plan Compute-Optimal Run',
    prompt: budgetPrompt(hardware),
    placeHolder: '1e23 FLOPs · 50000 GPU-hours · $2M · 30 days on 512 GPUs',
    ignoreFocusOut: true,
    validateInput: (value) => {
      const parsed = parseBudget(value);
      return parsed.ok ? undefined : parsed.message;
    },
  });
  if (text === undefined) return;
  const parsed = parseBudget(text);
  if (!parsed.ok) return;
  const law = await lawFromSettings(client, scope);
  const plan = planComputeOptimal(law, parsed.value.budget, {
    ...hardware,
    ...(parsed.value.gpu ? { gpu: parsed.value.gpu } : {}),
  });
  if (!plan.ok) {
    void vscode.window.showErrorMessage(`Scaling Lens: ${plan.diagnostics.map((d) => d.message).join(' ')}`);
    return;
  }
  const architecture = suggest(law, plan.value.params, config?.vocabSize);
  await showMarkdown(computeOptimalMarkdown(law, parsed.value.description, plan.value, architecture));
  await offerActions(
    `N* = ${formatCount(plan.value.params)}, D* = ${formatCount(plan.value.tokens)} tokens, loss ${plan.value.loss.toFixed(3)}.`,
    config,
    architecture,
    { tokens: plan.value.tokens, params: plan.value.params, paramConvention: law.paramConvention },
  );
}

async function planInferenceCommand(client: LanguageClient): Promise<void> {
  const config = currentConfig();
  const scope = config?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  const law = await lawFromSettings(client, scope);
  const floor = irreducibleLoss(law.law);

  let currentLoss: number | undefined;
  const document = vscode.window.activeTextEditor?.document;
  if (document) {
    try {
      const params: AnalysisRequestParams = { uri: document.uri.toString() };
      const snapshot = await client.sendRequest(AnalysisRequest, params);
      currentLoss = snapshot?.loss?.value ?? undefined;
    } catch {
      // No analysis (server down, not a config): the box starts empty.
    }
  }
  const lossText = await vscode.window.showInputBox({
    title: 'Scaling Lens: Plan for Inference Demand (1/2)',
    prompt: `Target loss in nats/token under ${law.label}${currentLoss !== undefined ? ' (default: the current config’s predicted loss)' : ''}`,
    value: currentLoss !== undefined ? currentLoss.toFixed(4) : '',
    placeHolder: 'e.g. 2.1',
    ignoreFocusOut: true,
    validateInput: (value) => {
      const parsed = parseTargetLoss(value);
      if (!parsed.ok) return parsed.message;
      return parsed.value > floor
        ? undefined
        : `Below the law's irreducible loss E = ${floor.toFixed(4)}: no finite model reaches it.`;
    },
  });
  if (lossText === undefined) return;
  const targetLoss = parseTargetLoss(lossText);
  if (!targetLoss.ok) return;

  const settingTokens = vscode.workspace
    .getConfiguration('scalingLens', scope)
    .get<number | null>('inference.tokens');
  const demandText = await vscode.window.showInputBox({
    title: 'Scaling Lens: Plan for Inference Demand (2/2)',
    prompt: 'Lifetime inference demand: tokens, or requests with input and output tokens per request',
    value:
      typeof settingTokens === 'number' && settingTokens > 0 ? `${settingTokens.toExponential()} tokens` : '',
    placeHolder: '2e12 tokens · 1e10 requests × 1000 in + 250 out',
    ignoreFocusOut: true,
    validateInput: (value) => {
      const parsed = parseInferenceDemand(value);
      return parsed.ok ? undefined : parsed.message;
    },
  });
  if (demandText === undefined) return;
  const demand = parseInferenceDemand(demandText);
  if (!demand.ok) return;

  const hardware = trainingHardware(scope);
  const cost = {
    ...(hardware.gpu ? { trainGpu: hardware.gpu } : {}),
    ...(hardware.mfu ? { trainMfu: hardware.mfu } : {}),
    ...(hardware.usdPerGpuHour ? { trainUsdPerGpuHour: hardware.usdPerGpuHour } : {}),
  };
  const plan = planInferenceAware(law, toDemand(targetLoss.value, demand.value, cost));
  if (!plan.ok) {
    void vscode.window.showErrorMessage(`Scaling Lens: ${plan.diagnostics.map((d) => d.message).join(' ')}`);
    return;
  }
  const optimal = plan.value.optimal;
  const architecture = suggest(law, optimal.params, config?.vocabSize);
  await showMarkdown(inferenceMarkdown(law, demand.value.description, plan.value, architecture));
  await offerActions(
    `Inference-optimal: N = ${formatCount(optimal.params)}, D = ${formatCount(optimal.tokens)} tokens; saves ${(100 * plan.value.savings.fraction).toFixed(1)}% of lifetime FLOPs.`,
    config,
    architecture,
    { tokens: optimal.tokens, params: optimal.params, paramConvention: law.paramConvention },
  );
}

function toDemand(
  targetLoss: number,
  demand: ParsedDemand,
  cost: NonNullable<InferenceDemand['cost']>,
): InferenceDemand {
  return demand.kind === 'tokens'
    ? { targetLoss, inferenceTokens: demand.inferenceTokens, cost }
    : {
        targetLoss,
        requests: demand.requests,
        ...(demand.inputTokensPerRequest !== undefined
          ? { inputTokensPerRequest: demand.inputTokensPerRequest }
          : {}),
        ...(demand.outputTokensPerRequest !== undefined
          ? { outputTokensPerRequest: demand.outputTokensPerRequest }
          : {}),
        cost,
      };
}

function suggest(
  law: ScalingLaw,
  params: number,
  vocabSize: number | undefined,
): ArchitectureSuggestion | undefined {
  const result = suggestArchitecture(params, {
    paramConvention: law.paramConvention,
    ...(vocabSize ? { vocabSize } : {}),
  });
  return result.ok ? result.value : undefined;
}

async function showMarkdown(content: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
}

const APPLY = 'Apply to current config';
const OPEN_HF = 'Open as new HF config.json';

async function offerActions(
  summary: string,
  config: CurrentConfig | undefined,
  architecture: ArchitectureSuggestion | undefined,
  plan: Omit<PlanTarget, 'architecture'>,
): Promise<void> {
  const actions = [...(config ? [APPLY] : []), ...(architecture ? [OPEN_HF] : [])];
  const choice = await vscode.window.showInformationMessage(summary, ...actions);
  if (choice === OPEN_HF && architecture) {
    const document = await vscode.workspace.openTextDocument({
      language: 'json',
      content: JSON.stringify(architecture.hfConfig, null, 2) + '\n',
    });
    await vscode.window.showTextDocument(document, { preview: false });
  } else if (choice === APPLY && config) {
    await applyToConfig(config.uri, {
      ...plan,
      ...(architecture ? { architecture: architecture.architecture } : {}),
    });
  }
}

/** Apply a plan to a config as one WorkspaceEdit (one undo step), dirty or saved alike, then report. */
async function applyToConfig(uri: vscode.Uri, target: PlanTarget): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const text = document.getText();
  const context = readContext(document);
  const read = readRunConfig(text, context);
  if (read.kind !== 'run-config') {
    void vscode.window.showErrorMessage(
      `Scaling Lens: ${vscode.workspace.asRelativePath(uri, false)} no longer reads as a run config; nothing applied.`,
    );
    return;
  }
  const applied = applyPlan(text, read.spec, target, context);
  const name = vscode.workspace.asRelativePath(uri, false);
  if (applied.replacements.length === 0) {
    await showApplyReport(`Nothing to change in ${name}.`, name, applied.notes, applied);
    return;
  }
  // Positions are against the text just read; apply before any other change can land.
  const edit = new vscode.WorkspaceEdit();
  for (const r of applied.replacements) {
    edit.replace(
      uri,
      new vscode.Range(r.range.start.line, r.range.start.character, r.range.end.line, r.range.end.character),
      r.newText,
    );
  }
  if (document.getText() !== text || !(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(`Scaling Lens: ${name} changed while applying the plan; try again.`);
    return;
  }
  // Reveal the config where it is already open (the plan report usually has focus in the group
  // beside it), instead of opening a second editor on it in the report's group.
  const shown = vscode.window.visibleTextEditors.find((e) => e.document === document);
  await vscode.window.showTextDocument(document, {
    preview: false,
    ...(shown?.viewColumn ? { viewColumn: shown.viewColumn } : {}),
  });
  const r = applied.result;
  const nPart =
    r.paramsInConvention !== null
      ? `N = ${formatCount(r.paramsInConvention)}${r.paramsRelativeError !== undefined ? ` (${signedPercent(r.paramsRelativeError)} vs plan)` : ''}`
      : 'N unknown';
  const dPart =
    r.tokens !== null
      ? `D = ${formatCount(r.tokens)}${r.tokensRelativeError !== undefined ? ` (${signedPercent(r.tokensRelativeError)} vs plan)` : ''}`
      : 'D unknown';
  await showApplyReport(
    `Applied ${applied.changes.length} change${applied.changes.length === 1 ? '' : 's'} to ${name}: ${nPart}, ${dPart}.`,
    name,
    applied.notes,
    applied,
  );
}

async function showApplyReport(
  message: string,
  name: string,
  notes: string[],
  applied: ReturnType<typeof applyPlan>,
): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    message,
    ...(notes.length || applied.changes.length ? ['Details'] : []),
  );
  if (choice !== 'Details') return;
  const lines = [
    `### Plan applied to ${name}`,
    '',
    message,
    '',
    ...(applied.changes.length
      ? [
          '| key | was | now |',
          '|---|---|---|',
          ...applied.changes.map((c) => `| \`${c.key}\` | ${c.from} | ${c.to} |`),
          '',
        ]
      : []),
    ...notes.map((note) => `- ${note}`),
  ];
  const document = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: lines.join('\n') + '\n',
  });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

function signedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(100 * fraction).toFixed(1)}%`;
}

const sci = (value: number) => formatScientific(value, 3);

function architectureMarkdown(s: ArchitectureSuggestion | undefined): string[] {
  if (!s) return ['', 'No LLaMA-style shape fits this size.'];
  const a = s.architecture;
  const counted = s.paramConvention === 'total' ? 'parameters' : 'non-embedding parameters';
  return [
    '',
    '#### Architecture suggestion (LLaMA-style: SwiGLU, RMSNorm, rotary)',
    '',
    '| layers | d_model | heads | KV heads | head_dim | FFN (per branch) | vocab |',
    '|---|---|---|---|---|---|---|',
    `| ${a.nLayers} | ${a.dModel} | ${a.nHeads} | ${a.nKvHeads} | ${a.headDim} | ${a.ffnSize} | ${a.vocabSize} |`,
    '',
    `Exactly ${s.matchedParams.toLocaleString('en-US')} ${counted} (${signedPercent(s.relativeError)} vs the plan), d_model/n_layers ${s.aspectRatio.toFixed(0)}.`,
  ];
}

function computeOptimalMarkdown(
  law: ScalingLaw,
  budgetText: string,
  plan: ComputeOptimalPlan,
  architecture: ArchitectureSuggestion | undefined,
): string {
  const b = plan.budget;
  const lines = [
    `### Compute-optimal plan: ${budgetText}`,
    '',
    `Law: ${law.label}. Budget: ${sci(b.flops)} FLOPs = ${formatCount(b.gpuHours)} GPU-hours on ${b.gpu} (${b.precision}, MFU ${b.mfu})${b.usd !== undefined ? ` ≈ ${formatUsd(b.usd)}` : ''}${b.days !== undefined ? `, ${b.days.toFixed(1)} days on ${b.gpus} GPUs` : ''}.`,
    '',
    '| | value |',
    '|---|---|',
    `| N* (parameters${plan.paramConvention === 'non-embedding' ? ', non-embedding' : ''}) | ${sci(plan.params)} (${formatCount(plan.params)}) |`,
    `| D* (training tokens) | ${sci(plan.tokens)} (${formatCount(plan.tokens)}) |`,
    `| tokens per parameter | ${plan.tokensPerParam.toFixed(1)} |`,
    `| predicted loss | ${plan.loss.toFixed(4)} |`,
    ...architectureMarkdown(architecture),
    ...plan.notes.map((note) => `\n> ${note}`),
  ];
  return lines.join('\n') + '\n';
}

function inferenceMarkdown(
  law: ScalingLaw,
  demandText: string,
  plan: InferenceAwarePlan,
  architecture: ArchitectureSuggestion | undefined,
): string {
  const rows: [string, (m: PlannedModel) => string][] = [
    ['parameters N', (m) => `${sci(m.params)} (${formatCount(m.params)})`],
    ['training tokens D', (m) => `${sci(m.tokens)} (${formatCount(m.tokens)})`],
    ['tokens per parameter', (m) => m.tokensPerParam.toFixed(1)],
    ['training FLOPs', (m) => sci(m.trainingFlops)],
    ['inference FLOPs', (m) => sci(m.inferenceFlops)],
    ['total FLOPs', (m) => sci(m.totalFlops)],
    ['training $', (m) => formatUsd(m.trainingUsd)],
    ['inference $ (prefill + decode)', (m) => formatUsd(m.prefillUsd + m.decodeUsd)],
    ['total $', (m) => formatUsd(m.totalUsd)],
  ];
  const c = plan.costModel;
  const objective =
    plan.objective === 'flops' ? 'training + inference FLOPs' : 'training + inference dollars';
  const lines = [
    `### Inference-aware plan: loss ${plan.targetLoss} with ${demandText}`,
    '',
    `Law: ${law.label}. Minimizes ${objective} at the target loss (Sardana et al. 2024). Training on ${c.trainGpu} ${c.trainPrecision} at MFU ${c.trainMfu}, $${c.trainUsdPerGpuHour}/GPU-h; inference on ${c.inferenceGpu} ${c.inferencePrecision}, prefill MFU ${c.prefillMfu}, decode MFU ${c.decodeMfu}.`,
    '',
    '| | Chinchilla-optimal | inference-optimal |',
    '|---|---|---|',
    ...rows.map(([label, cell]) => `| ${label} | ${cell(plan.chinchilla)} | ${cell(plan.optimal)} |`),
    '',
    `**Savings:** ${sci(plan.savings.flops)} FLOPs (${(100 * plan.savings.fraction).toFixed(2)}%), ${formatUsd(plan.savings.usd)} (${(100 * plan.savings.usdFraction).toFixed(2)}%). The inference-optimal model has ${(100 * plan.ratios.params).toFixed(1)}% of the parameters and ${(100 * plan.ratios.tokens).toFixed(1)}% of the training tokens.`,
    ...architectureMarkdown(architecture),
    ...plan.notes.map((note) => `\n> ${note}`),
  ];
  return lines.join('\n') + '\n';
}
