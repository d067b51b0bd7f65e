/**
 * The curves panel's data, built in the server (issue #11: the server owns every number): the
 * document's analysis snapshot, the observed runs behind a fitted law (read from disk here, bounded),
 * the chart series, table rows and CSV text. The panel host forwards the answer; the page draws it.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildChartData, CHART_IDS, tableToCsv, type ObservedPoint } from '../core/charts';
import { readRunsFromText } from '../core/fit/ingest';
import { parseSavedLaw, savedLawToScalingLaw, type SavedLaw } from '../core/fit/savedLaw';
import type { AnalysisSnapshot, CurvesResponse, SavedLawInfo } from '../protocol';

/** Observed points sent to the page at most (a long sweep is subsampled evenly). */
export const MAX_OBSERVED_POINTS = 4000;
/** Run data files larger than this are not read for the fit charts. */
export const MAX_RUNS_FILE_BYTES = 64 * 1024 * 1024;
/** Saved laws are small JSON documents (the loader's limit, src/server/savedLaws.ts). */
const MAX_LAW_FILE_BYTES = 4 * 1024 * 1024;

export interface CurvesEnvironment {
  /** Workspace folders (file-system paths): relative data sources resolve against them. */
  folders: readonly string[];
  /** The saved laws the server loaded (id and file URI). */
  savedLaws: () => readonly SavedLawInfo[];
}

/** Chart data, table and CSV for one snapshot. Never throws: unreadable runs only hide the fit charts. */
export class CurvesBuilder {
  /** Observed points per law id, keyed by law file, data file and its modification time. */
  private readonly observedCache = new Map<string, { key: string; points: ObservedPoint[] }>();

  constructor(private readonly env: CurvesEnvironment) {}

  build(snapshot: AnalysisSnapshot): CurvesResponse {
    const observed = this.observedFor(snapshot);
    const data = buildChartData({ snapshot, observed });
    const csv: CurvesResponse['csv'] = { all: tableToCsv(data.table) };
    for (const id of CHART_IDS)
      if (data.charts.some((chart) => chart.id === id)) csv[id] = tableToCsv(data.table, id);
    return { uri: snapshot.uri, version: snapshot.version, snapshot, data, csv };
  }

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
