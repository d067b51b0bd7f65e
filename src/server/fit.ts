/**
 * "Fit Scaling Law from Runs…" as a server service (issue #11: the server owns every number). One
 * fit session per command run: a worker thread (dist/fitWorker.js, beside server.js) reads the runs
 * and keeps them for the fit; the server composes the preview, runs the fit with progress
 * notifications and cancellation through the request's token, formats the report (identifiability
 * judged first) and serializes the saved law. The client keeps the UI: pickers, dialogs, the progress
 * bar, the report document, and the atomic write of the file under `.vscode/scaling-lens/`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { estimateFitSeconds, measureSecondsPerPointPass } from '../core/fit/estimate';
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
// Specific modules, not the ../core/fit barrel: the server bundles the barrel anyway (via the worker's
// readers), but these are all the service needs.
import { annotateIdentifiability } from '../core/fit/identifiability';
import { formatFitReport } from '../core/fit/report';
import {
  parseSavedLaw,
  savedLawFromFit,
  savedLawToScalingLaw,
  serializeSavedLaw,
} from '../core/fit/savedLaw';
import type { FitReport, IngestReport } from '../core/fit/types';
import { formatCount } from '../core/format';
import {
  editorFitOptions,
  formatRunsPreview,
  HITCHHIKER_FIT_DEFAULTS,
  minTokensLeavesTooLittle,
  needsTokensPerStep,
  parseTokensPerStep,
  savedLawFileName,
  savedLawTempFileName,
  slugify,
  tokensPerStepPrompt,
  validateLawSlug,
  type HostToWorker,
  type RunsSummary,
  type WorkerToHost,
} from '../node/fitSession';
import {
  normalizeFitSettings,
  type FitLawFileParams,
  type FitLawFileResponse,
  type FitParams,
  type FitProgressParams,
  type FitReadParams,
  type FitReadResponse,
  type FitResponse,
  type FitSettings,
  type FitTokensPerStepParams,
  type FitValidateParams,
} from '../protocol';

/** Fit sessions alive at once; a client that never ends its sessions cannot pile up threads. */
const MAX_SESSIONS = 4;

/** Thrown when a request's token cancels the worker. */
class FitCancelled extends Error {}

/** The fit worker beside the server bundle (dist/server.js → dist/fitWorker.js). */
export function defaultWorkerScript(): string | undefined {
  const bundled = join(__dirname, 'fitWorker.js');
  return existsSync(bundled) ? bundled : undefined;
}

/**
 * One worker thread per session. Terminating it is how a fit is cancelled (it interrupts the
 * synchronous fit at once, and its bootstrap threads with it).
 */
class FitWorker {
  private readonly worker: Worker;
  private pending:
    | {
        resolve: (m: WorkerToHost) => void;
        reject: (e: Error) => void;
        onProgress?: (m: WorkerToHost) => void;
      }
    | undefined;
  terminated = false;

  constructor(script: string) {
    this.worker = new Worker(script);
    this.worker.on('message', (message: WorkerToHost) => {
      if (message.type === 'progress') this.pending?.onProgress?.(message);
      else
        this.settle((p) =>
          message.type === 'error' ? p.reject(new Error(message.message)) : p.resolve(message),
        );
    });
    this.worker.on('error', (error) => this.settle((p) => p.reject(error)));
    this.worker.on('exit', (code) =>
      this.settle((p) =>
        p.reject(this.terminated ? new FitCancelled() : new Error(`the fit worker exited (code ${code})`)),
      ),
    );
  }

  private settle(action: (p: NonNullable<FitWorker['pending']>) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) action(pending);
  }

  request(
    message: HostToWorker,
    token?: CancellationToken,
    onProgress?: (m: WorkerToHost) => void,
  ): Promise<WorkerToHost> {
    return new Promise((resolve, reject) => {
      if (this.terminated) return reject(new FitCancelled());
      if (this.pending) return reject(new Error('the fit session is busy with another request'));
      const listener = token?.onCancellationRequested(() => this.dispose());
      const settled = (m: WorkerToHost | Error) => {
        listener?.dispose();
        return m;
      };
      this.pending = {
        resolve: (m) => resolve(settled(m) as WorkerToHost),
        reject: (e) => reject(settled(e)),
        onProgress,
      };
      if (token?.isCancellationRequested) return this.dispose();
      this.worker.postMessage(message);
    });
  }

  dispose(): void {
    if (this.terminated) return;
    this.terminated = true;
    void this.worker.terminate();
  }
}

interface Session {
  worker: FitWorker;
  settings: FitSettings;
  label: string;
  ingest?: IngestReport;
  summary?: RunsSummary;
  /** The step column of a read that needed tokens per step. */
  stepColumn?: string;
  fit?: FitReport;
}

export interface FitServiceOptions {
  /** Path of the worker bundle (undefined: not built, every read answers an error saying so). */
  workerScript: string | undefined;
  progress: (params: FitProgressParams) => void;
}

export class FitService {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: FitServiceOptions) {}

  async read(params: FitReadParams, token: CancellationToken): Promise<FitReadResponse | ResponseError> {
    const source = params?.source;
    if (
      !source ||
      !(source.kind === 'path'
        ? typeof source.path === 'string'
        : source.kind === 'text' && typeof source.text === 'string' && typeof source.fileName === 'string') ||
      typeof params.label !== 'string'
    )
      return new ResponseError(
        -32602,
        'A fit read needs a source (a path, or text and a file name) and a label.',
      );
    let id = params.session;
    let session = id ? this.sessions.get(id) : undefined;
    if (!session) {
      if (!this.options.workerScript)
        return new ResponseError(-32603, 'The fit worker (fitWorker.js beside server.js) is missing.');
      while (this.sessions.size >= MAX_SESSIONS) this.end(this.sessions.keys().next().value!);
      id = randomUUID();
      session = {
        worker: new FitWorker(this.options.workerScript),
        settings: normalizeFitSettings(params.settings),
        label: params.label,
      };
      this.sessions.set(id, session);
    }
    session.label = params.label;
    let tokensPerStep: number | undefined;
    if (params.tokensPerStep !== undefined) {
      const parsed = parseTokensPerStep(String(params.tokensPerStep));
      if (typeof parsed === 'string') return new ResponseError(-32602, parsed);
      tokensPerStep = parsed;
    }
    const options = tokensPerStep !== undefined ? { tokensPerStep } : undefined;
    // The preview counts what survives the configured min-tokens cut.
    const minTokens = session.settings.minTokens;
    const message: HostToWorker =
      params.source.kind === 'path'
        ? { type: 'read-path', path: params.source.path, minTokens, ...(options ? { options } : {}) }
        : {
            type: 'read-text',
            text: params.source.text,
            fileName: params.source.fileName,
            minTokens,
            ...(options ? { options } : {}),
          };
    const answer = await this.ask(id!, session, message, token);
    if (answer instanceof ResponseError) return answer;
    if (answer.type !== 'read-result')
      return new ResponseError(-32603, 'The fit worker answered out of turn.');
    const ingest: IngestReport = { ...answer.report, source: params.label };
    const need = needsTokensPerStep(ingest);
    if (need) session.stepColumn = need.stepColumn;
    else if (tokensPerStep !== undefined && session.stepColumn)
      // The preview and the report say where the tokens came from.
      ingest.notes = [
        ...ingest.notes,
        `Tokens = "${session.stepColumn}" × ${tokensPerStep} tokens/step (entered).`,
      ];
    session.ingest = ingest;
    session.summary = answer.summary;
    return {
      session: id!,
      ...(need ? { needsTokensPerStep: need } : {}),
      ...(tokensPerStep !== undefined ? { tokensPerStep } : {}),
      runs: answer.summary.runs,
      points: answer.summary.points,
      preview: preview(ingest, answer.summary, session.settings),
      minTokens,
      minTokensLabel: formatCount(minTokens),
      suggestedName: slugify(params.label.split(/[\\/]/).filter(Boolean).at(-1) ?? 'fitted-law'),
    };
  }

  async tokensPerStep(
    params: FitTokensPerStepParams,
    token: CancellationToken,
  ): Promise<{ value: number | null; prompt: string } | ResponseError> {
    const session = this.sessions.get(params.session);
    if (!session) return noSession();
    let suggestion: { value: number | null; source?: string; detail: string } | undefined;
    if (params.path) {
      const answer = await this.ask(
        params.session,
        session,
        { type: 'suggest-tokens-per-step', path: params.path },
        token,
      );
      if (answer instanceof ResponseError) return answer;
      if (answer.type === 'tokens-per-step') suggestion = answer;
    }
    return { value: suggestion?.value ?? null, prompt: tokensPerStepPrompt(params.stepColumn, suggestion) };
  }

  async fit(params: FitParams, token: CancellationToken): Promise<FitResponse | ResponseError> {
    const session = this.sessions.get(params.session);
    if (!session?.summary || !session.ingest) return noSession();
    if (!(typeof params.minTokens === 'number' && Number.isFinite(params.minTokens) && params.minTokens >= 0))
      return new ResponseError(-32602, `min tokens must be a non-negative number (got ${params.minTokens}).`);
    const options = editorFitOptions(session.summary, params.minTokens, session.settings);
    const answer = await this.ask(params.session, session, { type: 'fit', options }, token, (message) => {
      if (message.type !== 'progress') return;
      this.options.progress({
        session: params.session,
        fraction: Math.max(0, Math.min(1, message.progress.fraction)),
        message: message.progress.message ?? '',
      });
    });
    if (answer instanceof ResponseError) return answer;
    if (answer.type !== 'fit-result')
      return new ResponseError(-32603, 'The fit worker answered out of turn.');
    const fit = answer.report;
    // Identifiability judged first, so the report and the saved law carry it.
    const verdict = annotateIdentifiability(fit);
    session.fit = fit;
    return {
      ok: fit.ok,
      markdown: formatFitReport(fit, session.ingest, 'markdown'),
      errors: fit.errors,
      logLine: `${session.label}: ${fit.ok ? `objective ${fit.objective.toExponential(6)}, ${fit.points} points` : fit.errors.join('; ')} (${fit.elapsedMs} ms)`,
      caveat: fit.ok && verdict.identifiable === false ? (verdict.caveat ?? 'not identifiable') : null,
    };
  }

  lawFile(params: FitLawFileParams): FitLawFileResponse | ResponseError {
    const fit = this.sessions.get(params.session)?.fit;
    if (!fit?.ok) return new ResponseError(-32602, 'No successful fit in this session to save.');
    const invalid = typeof params.name === 'string' ? validateLawSlug(params.name) : 'A name is required.';
    if (invalid) return new ResponseError(-32602, invalid);
    if (typeof params.nonce !== 'string' || !/^[a-z0-9]{1,32}$/i.test(params.nonce))
      return new ResponseError(-32602, 'The temporary-file nonce must be 1–32 letters or digits.');
    const saved = savedLawFromFit(fit, {
      name: params.name,
      dataSource: String(params.dataSource),
      date: String(params.date),
    });
    return {
      content: serializeSavedLaw(saved),
      fileName: savedLawFileName(params.name),
      tempFileName: savedLawTempFileName(params.name, params.nonce),
      id: savedLawToScalingLaw(saved).id,
    };
  }

  end(id: string): void {
    this.sessions.get(id)?.worker.dispose();
    this.sessions.delete(id);
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }

  /** One worker request; cancellation ends the session and answers RequestCancelled. */
  private async ask(
    id: string,
    session: Session,
    message: HostToWorker,
    token: CancellationToken,
    onProgress?: (m: WorkerToHost) => void,
  ): Promise<WorkerToHost | ResponseError> {
    try {
      return await session.worker.request(message, token, onProgress);
    } catch (error) {
      if (error instanceof FitCancelled || session.worker.terminated) {
        this.end(id);
        return new ResponseError(LSPErrorCodes.RequestCancelled, 'Fit cancelled');
      }
      return new ResponseError(-32603, (error as Error)?.message ?? String(error));
    }
  }
}

function noSession(): ResponseError {
  return new ResponseError(-32602, 'Unknown or ended fit session; read the runs again.');
}

/** Validate one input box of the fit command: null when valid, else what is wrong. */
export function validateFitInput(params: FitValidateParams): string | null {
  const text = typeof params?.text === 'string' ? params.text : '';
  if (params?.field === 'tokensPerStep') {
    const parsed = parseTokensPerStep(text);
    return typeof parsed === 'string' ? parsed : null;
  }
  if (params?.field === 'lawName') return validateLawSlug(text) ?? null;
  return 'Unknown field.';
}

/** What an existing saved-law file is, for the overwrite prompt. */
export function describeLawFile(text: unknown): { valid: boolean; detail: string } {
  const parsed = parseSavedLaw(typeof text === 'string' ? text : '');
  if (!parsed.ok)
    return {
      valid: false,
      detail: `Problems: ${parsed.errors.join(' ')}\nOverwriting replaces the file; its current content is lost (unless it is under version control).`,
    };
  const law = parsed.law;
  return {
    valid: true,
    detail: `It was fitted on ${law.dataSource} (${law.date.slice(0, 10)}, ${law.fit.points} points from ${law.fit.models} models). Overwrite it with the new fit?`,
  };
}

/** The preview dialog's texts (what was read, and what the fit will do). */
function preview(
  ingest: IngestReport,
  summary: RunsSummary,
  settings: FitSettings,
): FitReadResponse['preview'] {
  const { message, detail } = formatRunsPreview(ingest, summary);
  if (summary.runs === 0 || ingest.errors.length > 0) return { kind: 'error', message, detail };
  const cut = formatCount(settings.minTokens);
  if (minTokensLeavesTooLittle(summary))
    return {
      kind: 'too-little',
      message,
      detail:
        `${detail}\n\nThe Hitchhiker default drops checkpoints at or before ${cut} tokens (early ` +
        `checkpoints bias the fit), but that leaves ${summary.pointsAfterMinTokens} checkpoints from ` +
        `${summary.modelSizesAfterMinTokens} model sizes, too few to fit. Fit all ${summary.points} ` +
        `checkpoints instead (min tokens 0)? Early, far-from-converged points then weigh on the fit.`,
    };
  return {
    kind: 'ok',
    message,
    detail:
      `${detail}\n\nFit the ${settings.form} form (settings scalingLens.fit.*): checkpoints after ` +
      `${cut} tokens, ${settings.useIntermediateCheckpoints ? 'intermediate checkpoints' : 'final checkpoints only'}, ` +
      `${settings.bootstrap} bootstrap refits (seed ${HITCHHIKER_FIT_DEFAULTS.seed})` +
      (settings.borrowExponentsFrom ? `, exponents borrowed from ${settings.borrowExponentsFrom}` : '') +
      (settings.holdoutLargest &&
      summary.modelSizesAfterMinTokens >= HITCHHIKER_FIT_DEFAULTS.holdoutMinModelSizes
        ? ', largest model held out.'
        : '.') +
      `\n${expectedTimeLine(summary.pointsAfterMinTokens, settings.bootstrap)}`,
  };
}

/** This machine's cost of one point-pass, measured once (about 30 ms) the first time a preview shows. */
let machineSecondsPerPointPass: number | undefined;

/**
 * "Expected time: about 2 s on 2 cores" from the engine's cost model (src/core/fit/estimate.ts)
 * calibrated on this machine, so the preview follows the engine's real speed.
 */
function expectedTimeLine(points: number, resamples: number): string {
  machineSecondsPerPointPass ??= measureSecondsPerPointPass();
  const cores = availableParallelism();
  const seconds = estimateFitSeconds({ points, resamples, cores }, machineSecondsPerPointPass);
  const shown =
    seconds < 1
      ? 'under a second'
      : seconds < 90
        ? `about ${Math.round(seconds)} s`
        : `about ${Math.round(seconds / 60)} min`;
  return `Expected time: ${shown} on ${cores} core${cores === 1 ? '' : 's'} (a busy machine is slower).`;
}
