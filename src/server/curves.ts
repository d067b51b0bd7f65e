/**
 * The curves panel's data, built in the server (issue #11: the server owns every number): the
 * document's analysis snapshot, the observed runs behind a fitted law (read from disk here, bounded),
 * the chart series, table rows and CSV text. The panel host forwards the answer; the page draws it.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildChartData,
  CHART_IDS,
  tableToCsv,
  type CompareInput,
  type MemoryChartInput,
  type LoggedRunInput,
  type ObservedPoint,
  type ScheduleChartInput,
} from '../core/charts';
import { analyzeText, type Analysis, type AnalysisSettings } from '../core/analyze';
import { MAX_ANALYZED_CHARS } from '../core/config/text';
import { extractSchedule } from '../core/schedule';
import type { ReadContext } from '../core/types';
import { readRunsFromText } from '../core/fit/ingest';
import { parseSavedLaw, savedLawToScalingLaw, type SavedLaw } from '../core/fit/savedLaw';
import { parseScheduleLaw, type SavedScheduleLaw } from '../core/fit/trajectorySaved';
import { SAVED_LAW_DIR } from './savedLaws';
import type { AnalysisSnapshot, CurvesResponse, SavedLawInfo } from '../protocol';
import { downstreamChart } from '../core/downstream/chart';
import type { SelectedDownstream } from './downstreamLaws';
import { downstreamParams } from './downstreamLenses';

/** Observed points sent to the page at most (a long sweep is subsampled evenly). */
export const MAX_OBSERVED_POINTS = 4000;
/** Run data files larger than this are not read for the fit charts. */
export const MAX_RUNS_FILE_BYTES = 64 * 1024 * 1024;
/** A saved schedule-aware law is a few hundred bytes; anything this large is not one. */
const MAX_SCHEDULE_LAW_BYTES = 1024 * 1024;
/** Saved laws are small JSON documents (the loader's limit, src/server/savedLaws.ts). */
const MAX_LAW_FILE_BYTES = 4 * 1024 * 1024;

export interface CurvesEnvironment {
  /** Workspace folders (file-system paths): relative data sources resolve against them. */
  folders: readonly string[];
  /** The saved laws the server loaded (id and file URI). */
  savedLaws: () => readonly SavedLawInfo[];
  /** The run log followed for a document, for the loss-over-training chart (src/server/liveRuns.ts). */
  loggedRun?: (uri: string) => LoggedRunInput | undefined;
}

/** Chart data, table and CSV for one snapshot. Never throws: unreadable runs only hide the fit charts. */
export class CurvesBuilder {
  /** Observed points per law id, keyed by law file, data file and its modification time. */
  private readonly observedCache = new Map<string, { key: string; points: ObservedPoint[] }>();

  constructor(private readonly env: CurvesEnvironment) {}

  /**
   * `extras` (the server passes them) add the memory and loss-over-training charts: the analysis the
   * snapshot came from and, when it is of the document's current text, that text and its read context.
   */
  build(snapshot: AnalysisSnapshot, extras?: CurvesExtras): CurvesResponse {
    const observed = this.observedFor(snapshot);
    const data = buildChartData({
      snapshot,
      observed,
      ...(extras?.analysis ? { memory: memoryChartInput(extras.analysis) } : {}),
      ...(extras?.analysis
        ? {
            schedule: {
              ...scheduleChartInput(
                extras.analysis,
                extras.text,
                extras.context,
                this.env.loggedRun?.(snapshot.uri),
              ),
              ...(extras.scheduleLaw ? this.scheduleLaw(extras.scheduleLaw) : {}),
            },
          }
        : {}),
      ...(extras?.compare ? { compare: extras.compare } : {}),
      ...(extras?.downstream
        ? { extraCharts: [downstreamChartFor(extras.downstream, extras.analysis)] }
        : {}),
    });
    const csv: CurvesResponse['csv'] = { all: tableToCsv(data.table) };
    for (const id of CHART_IDS)
      if (data.charts.some((chart) => chart.id === id)) csv[id] = tableToCsv(data.table, id);
    return { uri: snapshot.uri, version: snapshot.version, snapshot, data, csv };
  }

  /**
   * The saved schedule-aware law a setting names: `<folder>/.vscode/scaling-lens/<name>.schedule.json`
   * in the first workspace folder that has it, or an absolute path to a `.json` file. Read again
   * only when the file changes; anything unreadable is a note in the chart, never a curve.
   */
  scheduleLaw(name: string): { savedLaw: SavedScheduleLaw } | { savedLawNote: string } {
    const candidates = isAbsolute(name)
      ? [name]
      : this.env.folders.map((folder) => join(folder, SAVED_LAW_DIR, `${name}.schedule.json`));
    const path = firstFile(candidates);
    const setting = `Saved schedule law "${name}" (scalingLens.schedule.law) not used`;
    if (!path)
      return {
        savedLawNote: `${setting}: no ${isAbsolute(name) ? name : `${SAVED_LAW_DIR}/${name}.schedule.json`} in the workspace.`,
      };
    try {
      const stat = statSync(path);
      if (stat.size > MAX_SCHEDULE_LAW_BYTES)
        return { savedLawNote: `${setting}: ${path} is ${stat.size} bytes, more than a saved law has.` };
      const key = `${path}|${stat.mtimeMs}|${stat.size}`;
      if (this.scheduleLawCache?.key !== key) {
        const parsed = parseScheduleLaw(readFileSync(path, 'utf8'));
        this.scheduleLawCache = {
          key,
          value: parsed.ok ? { savedLaw: parsed.law } : { savedLawNote: `${setting}: ${parsed.error}.` },
        };
      }
      return this.scheduleLawCache.value;
    } catch (e) {
      return { savedLawNote: `${setting}: ${(e as Error).message}.` };
    }
  }

  private scheduleLawCache?: {
    key: string;
    value: { savedLaw: SavedScheduleLaw } | { savedLawNote: string };
  };

  /** Observed runs behind a fitted law; [] for a published law or when the runs cannot be read. */
  observedFor(snapshot: AnalysisSnapshot): ObservedPoint[] {
    if (!snapshot.law.fittedFrom && !snapshot.law.id.startsWith('fitted:')) return [];
    try {
      const found = this.findSavedLaw(snapshot);
      if (!found) return [];
      const dataPath = firstFile(
        candidatePaths(found.saved.dataSource, [dirname(found.path), ...this.env.folders]),
      );
      if (!dataPath) return [];
      const stat = statSync(dataPath);
      if (stat.size > MAX_RUNS_FILE_BYTES) return [];
      const key = `${found.path}|${dataPath}|${stat.mtimeMs}|${stat.size}`;
      const cached = this.observedCache.get(snapshot.law.id);
      if (cached?.key === key) return cached.points;
      const points = readObserved(readFileSync(dataPath, 'utf8'), basename(dataPath), found.saved);
      this.observedCache.set(snapshot.law.id, { key, points });
      return points;
    } catch {
      return []; // The fit charts are extra; an unreadable data file only hides them.
    }
  }

  /** The saved-law file of the snapshot's law: `fittedFrom` when it names one, else the loaded law of that id. */
  private findSavedLaw(snapshot: AnalysisSnapshot): { path: string; saved: SavedLaw } | undefined {
    const candidates: string[] = [];
    if (snapshot.law.fittedFrom)
      candidates.push(...candidatePaths(snapshot.law.fittedFrom, this.env.folders));
    for (const info of this.env.savedLaws())
      if (info.id === snapshot.law.id) candidates.push(...candidatePaths(info.uri, []));
    for (const path of candidates) {
      try {
        if (statSync(path).size > MAX_LAW_FILE_BYTES) continue;
        const parsed = parseSavedLaw(readFileSync(path, 'utf8'));
        if (parsed.ok && savedLawToScalingLaw(parsed.law).id === snapshot.law.id)
          return { path, saved: parsed.law };
      } catch {
        // Missing or unreadable: try the next candidate.
      }
    }
    return undefined;
  }
}

export interface CurvesExtras {
  analysis?: Analysis | null;
  /** `scalingLens.schedule.law`: the saved schedule-aware law for "loss over training" ('' = none). */
  scheduleLaw?: string;
  /** The document's text, only when `analysis` is of it (the last good analysis of an older text is not). */
  text?: string;
  context?: ReadContext;
  /** The compared config, already analyzed (compareInput). */
  compare?: CompareInput;
  /** The selected downstream law: adds the accuracy-vs-compute chart. */
  downstream?: SelectedDownstream;
}

/** The accuracy-vs-compute chart of a downstream law at the analysis' (N, D) (src/core/downstream/chart.ts). */
function downstreamChartFor(selected: SelectedDownstream, analysis: Analysis | null | undefined) {
  return downstreamChart({
    loaded: selected.loaded,
    id: selected.id,
    params: analysis ? downstreamParams(analysis) : null,
    tokens: analysis?.tokens ?? null,
  });
}

/** What the server gives compareInput: the other side's text, its path (includes), and the settings. */
export interface CompareSide {
  label: string;
  text: string | undefined;
  path?: string;
  settings: AnalysisSettings;
  /** The law's N convention ('total' or 'non-embedding'). */
  paramConvention: string;
  readFile: (path: string) => string | undefined;
}

/**
 * The compared config analyzed under the shown document's settings and law (as scalingLens/compare
 * does, src/server/compare.ts), reduced to what the overlay draws. Never throws.
 */
export function compareInput(side: CompareSide): CompareInput {
  const none = (error: string): CompareInput => ({
    label: side.label,
    paramsUsed: null,
    tokens: null,
    loss: null,
    error,
  });
  if (side.text === undefined) return none('the file cannot be read');
  if (side.text.length > MAX_ANALYZED_CHARS) return none('the file is too large to analyze');
  try {
    const outcome = analyzeText(
      side.text,
      { ...(side.path ? { path: side.path } : {}), readFile: side.readFile },
      side.settings,
    );
    const a = outcome.analysis;
    if (!a) return none(outcome.recognized ? 'it could not be read' : 'it is not a recognized run config');
    return {
      label: side.label,
      // Without D there is no loss; N in the law's convention as the charts count it (active for MoE).
      paramsUsed:
        a.loss?.paramsUsed ??
        (a.params
          ? side.paramConvention === 'non-embedding'
            ? a.params.activeNonEmbedding
            : a.params.active
          : null),
      tokens: a.tokens,
      loss: a.loss?.value ?? null,
    };
  } catch (error) {
    return none(`analysis failed (${(error as Error)?.message ?? error})`);
  }
}

/** Diagnostic codes that explain a missing memory estimate (src/core/analyze.ts, src/core/model/memory.ts). */
const MEMORY_REASON = /^(memory-unknown|memory-unsupported|layout-)/;

/**
 * The memory chart's input from an analysis: its estimate (the fields of `scaling-lens analyze
 * --json` `memory`), or the reason there is none, in the order src/core/analyze.ts gives up.
 */
export function memoryChartInput(analysis: Analysis): MemoryChartInput {
  const m = analysis.memory;
  if (m)
    return {
      gpu: m.gpu,
      estimate: {
        perGpuBytes: m.perGpuBytes,
        weights: m.weights.bytes,
        gradients: m.gradients.bytes,
        optimizer: m.optimizer.bytes,
        activations: m.activations.bytes,
        buffers: m.buffers.bytes,
        overhead: m.overhead.bytes,
        capacityBytes: m.capacityBytes,
        fits: m.fits,
      },
    };
  const gpu = analysis.cost?.gpu ?? '';
  const explained = analysis.diagnostics.filter((d) => MEMORY_REASON.test(d.code)).map((d) => d.message);
  // The chart says "Memory per GPU unknown: …" itself; the diagnostics' own prefix would repeat it.
  if (explained.length)
    return {
      gpu,
      estimate: null,
      reason: explained
        .map((m) => m.replace(/^unknown: memory per GPU — /, ''))
        .join(' ')
        .replace(/\.$/, ''),
    };
  const arch = analysis.spec.architecture;
  const reason = !arch
    ? 'the model architecture is not read from this file'
    : arch.encoderDecoder
      ? 'memory is not estimated for encoder–decoder models'
      : !analysis.params
        ? 'the parameter count is unknown'
        : !analysis.spec.layout
          ? `the parallel layout (micro-batch, parallelism degrees, sharding, precision) is not read for ${analysis.framework} files (layout readers: src/core/config/frameworks/<id>/layout.ts)`
          : 'no estimate for this layout';
  return { gpu, estimate: null, reason };
}

/**
 * The loss-over-training chart's input: the run plan the framework's LR-schedule extractor reads
 * from the text (what `scaling-lens curve` uses), or its reason; and the followed run log's
 * checkpoints (src/server/liveRuns.ts `loggedRun`), drawn on top.
 */
export function scheduleChartInput(
  analysis: Analysis,
  text: string | undefined,
  context?: ReadContext,
  logged?: LoggedRunInput,
): ScheduleChartInput {
  const loggedNote = logged
    ? undefined
    : 'Logged points: no run log is followed for this config (Scaling Lens: Link Run Log…, or a log next to the config).';
  if (text === undefined)
    return {
      reason: 'the file does not parse right now (the LR schedule is read from its current text)',
      ...(loggedNote ? { loggedNote } : {}),
    };
  const extracted = extractSchedule(analysis.framework, text, context, analysis.spec);
  if (!extracted.plan)
    return {
      reason: extracted.errors.length ? extracted.errors.join('; ') : 'no LR schedule found',
      notes: extracted.notes,
      ...(loggedNote ? { loggedNote } : {}),
    };
  return {
    plan: extracted.plan,
    notes: extracted.notes,
    ...(loggedNote ? { loggedNote } : {}),
    ...(logged ? { logged } : {}),
  };
}

/** Every checkpoint of every run in the law's data, held-out points marked as the fit marked them. */
export function readObserved(text: string, fileName: string, saved: SavedLaw): ObservedPoint[] {
  const { runs } = readRunsFromText(text, fileName);
  const heldOut = saved.heldOut;
  const points: ObservedPoint[] = [];
  for (const run of runs) {
    for (const point of run.points) {
      // The fit ignored checkpoints at or before its min-tokens cut-off; so do its charts.
      if (point.tokens <= saved.fit.minTokens) continue;
      const isHeldOut =
        heldOut !== undefined &&
        run.params === heldOut.params &&
        (heldOut.fittedUpToTokens === undefined || point.tokens > heldOut.fittedUpToTokens);
      points.push({
        runName: run.name,
        params: run.params,
        tokens: point.tokens,
        loss: point.loss,
        ...(isHeldOut ? { heldOut: true } : {}),
      });
    }
  }
  if (points.length <= MAX_OBSERVED_POINTS) return points;
  const stride = points.length / MAX_OBSERVED_POINTS;
  return Array.from({ length: MAX_OBSERVED_POINTS }, (_, i) => points[Math.floor(i * stride)]!);
}

/**
 * A path as the user wrote it: a `file:` URI, an absolute path, or relative to one of `bases`.
 * Other URI schemes (virtual file systems) cannot be read by the server and give nothing.
 */
export function candidatePaths(path: string, bases: readonly string[]): string[] {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    if (!/^file:/i.test(path)) return [];
    try {
      return [fileURLToPath(path)];
    } catch {
      return [];
    }
  }
  if (isAbsolute(path) || /^[a-z]:[\\/]/i.test(path)) return [path];
  return bases.map((base) => join(base, ...path.split(/[\\/]/)));
}

function firstFile(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // Try the next.
    }
  }
  return undefined;
}
