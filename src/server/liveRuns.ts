/**
 * Live tracking in the language server (issue 13 item 4): each open config is linked to its run log
 * (stored link, else auto-detected next to the config or in its run folder), the log is tailed while
 * it grows (src/node/logTail.ts), and the config shows
 *
 *   lens       `step 12,000: loss 2.930 vs predicted 2.870 (band 2.850–2.890) · projected final
 *              2.610 [2.580, 2.640] · ETA 3.2 h`
 *   diagnostic `run-off-band` after 3 consecutive checkpoints outside the band, cleared by one inside.
 *
 * Every number comes from src/core/logs/live.ts on the config's LR schedule (src/core/schedule).
 * Links are stored per workspace folder in `.vscode/scaling-lens/run-logs.json`:
 * `{ "version": 1, "links": { "<config, relative>": "<log, relative or absolute>" | null } }`
 * (null = unlinked on purpose: no auto-detection for that config).
 */
import {
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DiagnosticSeverity,
  type CodeLens,
  type Connection,
  type Diagnostic,
  type Range,
} from 'vscode-languageserver';
import type { TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  detectLogFormat,
  isTensorBoardEventHead,
  newTensorBoardCarry,
  parseTensorBoardEvents,
  tensorBoardLossPoints,
} from '../core/logs';
import { RunTracker, type LiveStatus, type TrackedRun } from '../core/logs/live';
import { extractSchedule } from '../core/schedule';
import { compileRun } from '../core/schedule/model';
import { runFeatures } from '../core/schedule/features';
import { formatExact, formatLoss } from '../core/format';
import type { FrameworkId } from '../core/types';
import { Commands, LinkRunLogRequest, type LinkRunLogParams, type LinkRunLogResponse } from '../protocol';
import { LogTail, watchLog, type LogWatcher } from '../node/logTail';
import type { DocumentResult } from './model';
import type { LoggedPoint, LoggedRunInput } from '../core/charts';

/** Diagnostic code of an off-band run. */
export const RUN_OFF_BAND = 'run-off-band';
/** Where links are stored, under a workspace folder. */
export const RUN_LOG_LINKS = join('.vscode', 'scaling-lens', 'run-logs.json');
/** Least time between re-analyses triggered by a growing log: longer than the store's 250 ms debounce. */
const PUBLISH_EVERY_MS = 500;
/** Log file names looked at when auto-detecting (text logs, trainer_state.json, TensorBoard event files). */
const LOG_NAME = /\.(log|txt|out|err|jsonl|ndjson|csv|tsv)$|^trainer_state\.json$|^events\.out\.tfevents\./i;
/** Sub-folders of a config's folder that are searched too (run folders; TensorBoard log dirs). */
const RUN_DIRS = ['logs', 'log', 'out', 'output', 'outputs', 'runs', 'run', 'tensorboard', 'tb', 'tb_logs'];
/**
 * Of these, each sub-folder one level down is searched too: HF Trainer's `logging_dir` defaults to
 * `<output_dir>/runs/<date>_<host>` (transformers TrainingArguments), torchtitan writes
 * `<dump_folder>/tb/<timestamp>` (torchtitan/components/metrics.py), Megatron `--tensorboard-dir` is
 * often `tensorboard/<run>`.
 */
const NESTED_RUN_DIRS = ['runs', 'tensorboard', 'tb', 'tb_logs'];
/** Bytes of an event file's head read to decide whether its tags are a known loss (auto-detection). */
const EVENT_SNIFF_BYTES = 1 << 20;
/** Columns that mark a table of many runs (a sweep, not one run's log). */
const MULTI_RUN_COLUMNS = /(^|,|\t)"?(model|model_name|run|run_name|params|n_params|num_params)"?(,|\t|$)/i;

export interface LiveRunsDependencies {
  documents: TextDocuments<TextDocument>;
  /** Re-analyze a document so its lenses and diagnostics are published again. */
  reanalyze: (uri: string) => void;
  /** Test hook and tuning: watcher timing. */
  watch?: { debounceMs?: number; pollMs?: number };
}

interface LiveRun {
  uri: string;
  logPath: string;
  source: 'linked' | 'auto-detected';
  tail: LogTail;
  watcher: LogWatcher;
  /** Schedule key (framework + document text) the tracker was built for. */
  key?: string;
  tracked?: TrackedRun;
  tracker?: RunTracker;
  scheduleError?: string;
  /** 1-based lines of the schedule keys in the config (for placing the lens). */
  keyLines?: Record<string, number>;
  framework?: FrameworkId;
  text?: string;
  status?: LiveStatus;
  publishTimer?: ReturnType<typeof setTimeout>;
  lastPublish: number;
}

const runs = new Map<string, LiveRun>();
/** Attachments in progress (link lookup is asynchronous): requests wait for them. */
const attaching = new Map<string, Promise<void>>();
/** Open documents already looked at for a run log (once each, when first analyzed as a run config). */
const checked = new Set<string>();

/**
 * Look for the run log of a document the first time it is analyzed as a run config (not on open:
 * a script or notes file next to a 1 GB log must not start reading it).
 */
function ensureAttached(result: DocumentResult): void {
  const uri = result.uri;
  if (!result.analysis || checked.has(uri) || !deps?.documents.get(uri)) return;
  checked.add(uri);
  attaching.set(
    uri,
    attach(uri).finally(() => attaching.delete(uri)),
  );
}
let deps: LiveRunsDependencies | undefined;
let connectionRef: Connection | undefined;

/** Register live tracking on a connection: watches logs of open configs, answers the link request. */
export function registerLiveRuns(connection: Connection, dependencies: LiveRunsDependencies): void {
  deps = dependencies;
  connectionRef = connection;
  dependencies.documents.onDidClose((e) => {
    detach(e.document.uri);
    checked.delete(e.document.uri);
  });
  connection.onRequest(LinkRunLogRequest, (params) => linkRunLog(params));
}

/** Logged checkpoints sent to the loss-over-training chart at most (the newest kept). */
export const MAX_LOGGED_CHART_POINTS = 2000;

/**
 * The followed run log's checkpoints for the panel's loss-over-training chart: the split the live
 * tracker judges (val once it has enough checkpoints, else train), oldest first, evenly thinned to
 * {@link MAX_LOGGED_CHART_POINTS} with the newest always kept. Undefined when no log is followed.
 * Steps are mapped to tokens by the chart, on the same plan as its predicted curve.
 */
export function loggedRun(uri: string): LoggedRunInput | undefined {
  const run = runs.get(uri);
  if (!run) return undefined;
  const { train, val } = run.tail;
  const split = run.status?.split ?? (val.length >= 6 ? 'val' : 'train');
  const series = split === 'val' ? val : train;
  const all: LoggedPoint[] = [];
  for (let i = 0; i < series.length; i++) {
    const p = series.at(i);
    all.push(
      p.tokens !== undefined
        ? { step: p.step, loss: p.loss, tokens: p.tokens }
        : { step: p.step, loss: p.loss },
    );
  }
  // The tail keeps the newest point even when its own thinning dropped it from the arrays.
  const latest = series.latest;
  if (latest && (!all.length || latest.step > all[all.length - 1]!.step))
    all.push(
      latest.tokens !== undefined
        ? { step: latest.step, loss: latest.loss, tokens: latest.tokens }
        : { step: latest.step, loss: latest.loss },
    );
  return {
    label: basename(run.logPath),
    split,
    points: thinNewest(all, MAX_LOGGED_CHART_POINTS),
    total: all.length,
  };
}

/** At most `max` points, evenly spaced from the oldest to the newest (both always kept). */
export function thinNewest<T>(points: readonly T[], max: number): T[] {
  const n = points.length;
  if (n <= max) return [...points];
  if (max <= 1) return max === 1 ? [points[n - 1]!] : [];
  // Index k of max: n − 1 − round(k·(n − 1)/(max − 1)), counted back from the newest; distinct since n > max.
  const kept: T[] = [];
  for (let k = max - 1; k >= 0; k--) kept.push(points[n - 1 - Math.round((k * (n - 1)) / (max - 1))]!);
  return kept;
}

/** The live-run lens of a document (empty when no log is followed). */
export function liveRunLenses(result: DocumentResult): CodeLens[] {
  ensureAttached(result);
  const run = runs.get(result.uri);
  if (!run || !result.analysis || !result.settings.lens.enable) return [];
  refreshFor(run, result);
  return [
    {
      range: lensRange(result, run),
      command: { title: lensTitle(run), command: Commands.linkRunLog, arguments: [result.uri] },
    },
  ];
}

/** The off-band diagnostic of a document, when its run is off the predicted band. */
export function liveRunDiagnostics(result: DocumentResult): Diagnostic[] {
  ensureAttached(result);
  const run = runs.get(result.uri);
  if (!run || !result.analysis) return [];
  refreshFor(run, result);
  const off = run.status?.offBand;
  if (!off) return [];
  const j = off.last;
  const pct = `${(Math.abs(j.relative) * 100).toFixed(1)}%`;
  return [
    {
      range: diagnosticRange(result, run),
      severity: DiagnosticSeverity.Warning,
      source: 'Scaling Lens',
      code: RUN_OFF_BAND,
      message:
        `step ${formatExact(j.step)}: ${lossLabel(run.status!)} ${formatLoss(j.loss)} is ${pct} ${j.relative > 0 ? 'above' : 'below'} the predicted ` +
        `${formatLoss(j.predicted)} (band ${formatLoss(j.low)}–${formatLoss(j.high)}): ${off.count} consecutive checkpoints outside the band ` +
        `since step ${formatExact(off.since)} (${basename(run.logPath)}; predicted from the fit on the checkpoints before each).`,
    },
  ];
}

/** The lens title (exported for tests). */
export function lensTitle(run: Pick<LiveRun, 'logPath' | 'status' | 'scheduleError' | 'tail'>): string {
  const file = basename(run.logPath);
  const s = run.status;
  if (!s?.latest) {
    const why =
      run.tail.error ?? (run.tail.format ? 'no checkpoints yet' : 'no training-log lines recognized yet');
    return `Run log ${file}: ${why}`;
  }
  const parts: string[] = [];
  const head = `step ${formatExact(s.latest.step)}: ${lossLabel(s)} ${formatLoss(s.latest.loss)}`;
  const c = s.comparison;
  if (c && c.step === s.latest.step)
    parts.push(
      `${head} vs predicted ${formatLoss(c.predicted)} (band ${formatLoss(c.low)}–${formatLoss(c.high)})`,
    );
  else parts.push(head);
  if (run.scheduleError) parts.push(`no prediction: ${run.scheduleError}`);
  if (s.projection) {
    const { loss, low, high } = s.projection;
    // A 95% interval wider than ±20% says nothing yet (early in a cosine run the annealing term is
    // not identified): say so instead of printing a number that looks like a prediction.
    if (Number.isFinite(high) && high / loss < 1.2 && low / loss > 1 / 1.2)
      parts.push(`projected final ${formatLoss(loss)} [${formatLoss(low)}, ${formatLoss(high)}]`);
    else parts.push('projected final not determined yet (95% interval wider than ±20%)');
  } else if (!run.scheduleError && s.notes.length) parts.push(s.notes[s.notes.length - 1]);
  if (s.eta && 'done' in s.eta) parts.push('run complete');
  else if (s.eta) parts.push(`ETA ${formatDuration(s.eta.seconds)}`);
  if (s.beyondRun) parts.push(`${s.beyondRun} checkpoint(s) past the planned run`);
  // An event file that stopped at a corrupt record: the points so far are shown, and why no more come.
  if (run.tail.format === 'tensorboard' && run.tail.error) parts.push(run.tail.error);
  return parts.join(' · ');
}

function lossLabel(s: LiveStatus): string {
  return s.split === 'val' ? 'val loss' : 'loss';
}

/** `42 s`, `12 min`, `3.2 h`, `4.1 days`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  const hours = seconds / 3600;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} days`;
}

/** Schedule keys the lens prefers to sit on (the first one the config sets). */
const ANCHOR_KEYS = ['learning_rate', 'scheduler', 'lr_decay_iters', 'warmup_iters', 't_warmup'];

/**
 * The key the live lens and diagnostic sit on: the config's peak-LR / scheduler key (its own line:
 * the training-length line already has the D lens), else the training-length key, else the model
 * section.
 */
function anchor(run: LiveRun): Range | undefined {
  const lines = run.keyLines;
  if (!lines || !run.text) return undefined;
  const key = ANCHOR_KEYS.find((k) => lines[k]) ?? Object.keys(lines).sort((a, b) => lines[a] - lines[b])[0];
  if (!key) return undefined;
  const line = lines[key] - 1;
  const text = run.text.split('\n', line + 1)[line] ?? '';
  const at = Math.max(0, text.indexOf(key));
  return { start: { line, character: at }, end: { line, character: at + key.length } };
}

function lensRange(result: DocumentResult, run?: LiveRun): Range {
  const key = run && anchor(run);
  if (key) return { start: key.start, end: key.start };
  const a = result.analysis!;
  const duration = a.spec.trainingSources.duration;
  const range =
    duration && !duration.file
      ? duration.keyRange
      : (a.spec.modelSectionRange ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
  return { start: range.start, end: range.start };
}

/** The training-length key (the run the log is of), else the model section's first line. */
function diagnosticRange(result: DocumentResult, run?: LiveRun): Range {
  const key = run && anchor(run);
  if (key) return key;
  const a = result.analysis!;
  const duration = a.spec.trainingSources.duration;
  if (duration && !duration.file) return duration.keyRange;
  const model = a.spec.modelSectionRange;
  return model
    ? { start: model.start, end: { line: model.start.line, character: model.start.character + 1000 } }
    : { start: { line: 0, character: 0 }, end: { line: 0, character: 1000 } };
}

/** Bring the tracker up to date with the document's text (its schedule) and the log. */
function refreshFor(run: LiveRun, result: DocumentResult): void {
  const text = deps?.documents.get(run.uri)?.getText();
  if (text === undefined) return;
  if (run.framework === result.framework && run.text === text && run.status) return;
  run.framework = result.framework;
  run.text = text;
  update(run);
}

function buildTracker(run: LiveRun): void {
  const key = `${run.framework ?? ''}\u0000${run.text ?? ''}`;
  if (run.key === key) return;
  run.key = key;
  run.tracked = undefined;
  run.tracker = undefined;
  run.scheduleError = undefined;
  run.keyLines = undefined;
  if (run.text === undefined) return;
  const extracted = extractSchedule(run.framework, run.text);
  run.keyLines = extracted.keyLines;
  const compiled = extracted.plan ? compileRun(extracted.plan) : undefined;
  if (!extracted.plan || !compiled?.run) {
    run.scheduleError =
      (compiled?.errors.length ? compiled.errors : extracted.errors).join('; ') || 'no LR schedule found';
    return;
  }
  run.tracked = {
    run: compiled.run,
    features: runFeatures(compiled.run, undefined, extracted.plan.schedule.warmup),
  };
  run.tracker = new RunTracker(run.tracked);
}

/** Recompute the status from the tail (no re-read). */
function update(run: LiveRun): void {
  buildTracker(run);
  const { train, val } = run.tail;
  if (run.tracker) {
    run.status = run.tracker.update(train, val, run.tail.generation, Date.now());
  } else {
    const series = val.length >= 6 ? val : train;
    const latest = series.latest;
    run.status = {
      split: series === val ? 'val' : 'train',
      checkpoints: series.length,
      ...(latest ? { latest: { step: latest.step, loss: latest.loss } } : {}),
      beyondRun: 0,
      fittedCheckpoints: 0,
      notes: [],
    };
  }
}

/** The log changed: recompute and publish (throttled so the store's debounce can fire). */
function onLogUpdate(run: LiveRun): void {
  if (run.text !== undefined) update(run);
  if (run.publishTimer) return;
  const wait = Math.max(0, run.lastPublish + PUBLISH_EVERY_MS - Date.now());
  run.publishTimer = setTimeout(() => {
    run.publishTimer = undefined;
    run.lastPublish = Date.now();
    if (runs.get(run.uri) === run) deps?.reanalyze(run.uri);
  }, wait);
}

async function attach(uri: string, forced?: { path: string | null }): Promise<void> {
  const config = fsPath(uri);
  if (!config) return;
  let found: { path: string; source: 'linked' | 'auto-detected' } | undefined;
  if (forced) found = forced.path ? { path: forced.path, source: 'linked' } : undefined;
  else {
    const stored = await storedLink(config);
    if (stored === null) found = undefined;
    else if (stored !== undefined) found = { path: stored, source: 'linked' };
    else {
      const auto = findRunLogs(config)[0];
      found = auto ? { path: auto, source: 'auto-detected' } : undefined;
    }
  }
  if (!deps?.documents.get(uri)) return; // Closed meanwhile.
  const current = runs.get(uri);
  if (current && found && current.logPath === found.path) return;
  detach(uri);
  if (!found) {
    if (current) deps.reanalyze(uri);
    return;
  }
  const tail = new LogTail(found.path);
  const run: LiveRun = {
    uri,
    logPath: found.path,
    source: found.source,
    tail,
    watcher: undefined as unknown as LogWatcher,
    lastPublish: 0,
  };
  runs.set(uri, run);
  run.watcher = watchLog(tail, () => onLogUpdate(run), deps.watch);
  // The first read happens after the watcher's debounce; publish after it even if nothing is there.
  onLogUpdate(run);
}

function detach(uri: string): void {
  const run = runs.get(uri);
  if (!run) return;
  run.watcher.close();
  if (run.publishTimer) clearTimeout(run.publishTimer);
  runs.delete(uri);
}

async function linkRunLog(params: LinkRunLogParams): Promise<LinkRunLogResponse> {
  try {
    const config = fsPath(params.uri);
    if (!config)
      return {
        ok: false,
        message: 'Only files on disk can be linked to a run log.',
        linked: null,
        candidates: [],
      };
    const candidates = findRunLogs(config);
    if (!checked.has(params.uri) && deps?.documents.get(params.uri)) {
      // Asked before the first analysis finished: look now (the user means this file).
      checked.add(params.uri);
      attaching.set(
        params.uri,
        attach(params.uri).finally(() => attaching.delete(params.uri)),
      );
    }
    await attaching.get(params.uri);
    if (params.logPath === undefined) {
      const run = runs.get(params.uri);
      return {
        ok: true,
        message: run ? `Following ${run.logPath} (${run.source}).` : 'No run log linked.',
        linked: run?.logPath ?? null,
        ...(run ? { source: run.source } : {}),
        candidates,
      };
    }
    let logPath: string | null = null;
    if (params.logPath !== null) {
      logPath = resolve(dirname(config), params.logPath);
      let size: number;
      try {
        const st = statSync(logPath);
        if (!st.isFile())
          return { ok: false, message: `${logPath} is not a file.`, linked: null, candidates };
        size = st.size;
      } catch {
        return { ok: false, message: `${logPath} does not exist.`, linked: null, candidates };
      }
      if (size > 0 && !sniff(logPath, true))
        return {
          ok: false,
          message: `${basename(logPath)} is not a training log this version reads (Megatron, GPT-NeoX, nanoGPT, HF Trainer, torchtitan, LitGPT, llm-foundry stdout; JSONL/CSV metrics; trainer_state.json; TensorBoard event files).`,
          linked: null,
          candidates,
        };
    }
    const stored = await storeLink(config, logPath);
    checked.add(params.uri);
    await attach(params.uri, { path: logPath });
    deps?.reanalyze(params.uri);
    return {
      ok: true,
      message: logPath
        ? `Linked ${basename(config)} to ${logPath} (stored in ${stored}).`
        : `Unlinked ${basename(config)}; auto-detection is off for it (stored in ${stored}).`,
      linked: logPath,
      ...(logPath ? { source: 'linked' as const } : {}),
      candidates,
    };
  } catch (e) {
    return { ok: false, message: `Linking failed: ${(e as Error).message}`, linked: null, candidates: [] };
  }
}

/**
 * Training logs next to a config or in its run folders, best first: the log named like the config
 * (`train.py` → `train.log`), then the most recently modified. Only files whose first 64 KiB are a
 * format src/core/logs reads count; tables of many runs (a `model`/`run`/`params` column) do not.
 */
export function findRunLogs(configPath: string): string[] {
  const dir = dirname(configPath);
  const stem = basename(configPath, extname(configPath));
  const found: { path: string; mtime: number; named: boolean }[] = [];
  const dirs = [dir, ...RUN_DIRS.map((d) => join(dir, d))];
  for (const d of NESTED_RUN_DIRS) {
    try {
      for (const e of readdirSync(join(dir, d), { withFileTypes: true }).slice(0, 100))
        if (e.isDirectory()) dirs.push(join(dir, d, e.name));
    } catch {
      continue;
    }
  }
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d).slice(0, 500);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!LOG_NAME.test(name)) continue;
      const path = join(d, name);
      if (path === configPath) continue;
      try {
        const st = statSync(path);
        if (!st.isFile() || !sniff(path, false)) continue;
        found.push({ path, mtime: st.mtimeMs, named: basename(name, extname(name)) === stem });
      } catch {
        continue;
      }
    }
  }
  found.sort((a, b) => Number(b.named) - Number(a.named) || b.mtime - a.mtime);
  return found.map((f) => f.path);
}

/** Whether the head of a file is a training log (`explicit`: the user picked it, allow sweeps too). */
function sniff(path: string, explicit: boolean): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(64 * 1024);
    const n = readSync(fd, b, 0, b.length, 0);
    const head = b.subarray(0, n);
    if (isTensorBoardEventHead(head)) return explicit || eventFileHasKnownLoss(fd);
    if (head.includes(0)) return false;
    const text = head.toString('utf8');
    const lines = text.split('\n');
    if (n === b.length) lines.pop(); // The last line may be cut by the 64 KiB window.
    const format = detectLogFormat(lines, lines.length);
    if (!format) return false;
    if (!explicit && format === 'csv' && MULTI_RUN_COLUMNS.test(lines.find((l) => l.trim()) ?? ''))
      return false;
    if (
      !explicit &&
      format === 'jsonl' &&
      /"(model|model_name|run_name|params|n_params|num_params)"\s*:/.test(text)
    )
      return false;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Auto-detection takes an event file only when its first MiB holds no scalars yet or a known loss
 * tag (src/core/logs/tensorboard.ts): a folder of RL or gradient-boosting event files is not a run log.
 */
function eventFileHasKnownLoss(fd: number): boolean {
  const b = Buffer.alloc(EVENT_SNIFF_BYTES);
  const n = readSync(fd, b, 0, b.length, 0);
  const parsed = parseTensorBoardEvents(b.subarray(0, n));
  const carry = newTensorBoardCarry();
  const points = tensorBoardLossPoints(parsed, carry, false);
  return !!carry.tagSet || (!points.error && !parsed.errors.length);
}

/** The workspace folder holding a path (longest match), else the path's own folder. */
async function folderFor(path: string): Promise<string> {
  let folders: string[] = [];
  try {
    const list = (await connectionRef?.workspace.getWorkspaceFolders()) ?? [];
    folders = list.flatMap((f) => fsPath(f.uri) ?? []);
  } catch {
    folders = []; // The client does not support workspace folders.
  }
  const inside = folders
    .filter((f) => path === f || path.startsWith(f.endsWith(sep) ? f : f + sep))
    .sort((a, b) => b.length - a.length);
  return inside[0] ?? dirname(path);
}

interface LinksFile {
  version: 1;
  links: Record<string, string | null>;
}

function readLinks(file: string): LinksFile {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LinksFile>;
    if (v && typeof v.links === 'object' && v.links) return { version: 1, links: { ...v.links } };
  } catch {
    // Missing or unreadable: no links.
  }
  return { version: 1, links: {} };
}

/** The stored link of a config: a path, null (unlinked on purpose) or undefined (none stored). */
async function storedLink(config: string): Promise<string | null | undefined> {
  const folder = await folderFor(config);
  const links = readLinks(join(folder, RUN_LOG_LINKS)).links;
  const key = relative(folder, config).split(sep).join('/');
  if (!(key in links)) return undefined;
  const v = links[key];
  if (v === null) return null;
  return typeof v === 'string' ? (isAbsolute(v) ? v : resolve(folder, v)) : undefined;
}

async function storeLink(config: string, log: string | null): Promise<string> {
  const folder = await folderFor(config);
  const file = join(folder, RUN_LOG_LINKS);
  const data = readLinks(file);
  const key = relative(folder, config).split(sep).join('/');
  const rel = log ? relative(folder, log).split(sep).join('/') : null;
  data.links[key] = log === null ? null : rel && !rel.startsWith('..') ? rel : log;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

function fsPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
