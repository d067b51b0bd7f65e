import type { ReadContext, ReadResult } from '../types';
import { countParams } from '../model/params';
import { emptyIngestReport, mergeReports, readRunsFromText, type RunsRead } from './ingest';
import type { IngestOptions, RunSeries } from './types';

/**
 * A folder of runs: each run directory holds a config the core can analyze (any framework
 * `readRunConfig` recognizes) plus a metrics log (CSV/TSV/JSONL/trainer_state.json/W&B export). N is the
 * exact parameter count of the config's architecture; tokens = step × the config's tokens per step
 * unless the log has token counts. Pure: the caller lists the files and supplies their text, and the
 * config reader (`readRunConfig` of src/core/config/registry.ts): passed in, not imported, so that
 * fitting a table never loads the framework readers (the CLI loads them only for a folder).
 */

/** Reads a run config (src/core/config/registry.ts `readRunConfig`). */
export type ConfigReader = (text: string, context: ReadContext) => ReadResult;

/** One file of a folder, path relative to the folder (forward slashes). */
export interface FolderFile {
  path: string;
  text: string;
}

/** Files that hold metrics rather than configs. */
const METRICS_FILE =
  /(^|\/)(trainer_state\.json|[^/]*\.(csv|tsv|jsonl|ndjson)|[^/]*(metrics|history|log)[^/]*\.json)$/i;
/** Files that may be run configs. */
const CONFIG_FILE = /\.(py|ya?ml|toml|json|sh|gin)$/i;

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function lastSegment(path: string, fallback: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts.at(-1) ?? fallback;
}

/** Is `path` inside directory `dir` (at any depth)? */
function isUnder(path: string, dir: string): boolean {
  return dir === '' || path.startsWith(dir + '/');
}

/** Read every run in a folder listing. Never throws. */
export function readRunsFromFiles(
  files: readonly FolderFile[],
  folderName: string,
  options: IngestOptions,
  readRunConfig: ConfigReader,
): RunsRead {
  const report = emptyIngestReport(folderName, 'folder');
  const byPath = new Map(files.map((f) => [f.path, f.text] as const));
  const readFile = (path: string) => byPath.get(path.replace(/\\/g, '/').replace(/^\.\//, ''));

  // Run directories: those with a recognized config that has an architecture.
  const runDirs = new Map<
    string,
    { n: number; tokensPerStep?: number; framework: string; configPath: string }
  >();
  for (const file of files) {
    if (METRICS_FILE.test(file.path) || !CONFIG_FILE.test(file.path)) continue;
    const dir = dirOf(file.path);
    if (runDirs.has(dir)) continue;
    const result = readRunConfig(file.text, { path: file.path, readFile });
    if (result.kind !== 'run-config' || !result.spec.architecture) continue;
    const n = countParams(result.spec.architecture).total;
    runDirs.set(dir, {
      n,
      tokensPerStep: result.spec.training.tokensPerStep,
      framework: result.spec.framework,
      configPath: file.path,
    });
  }

  const runs: RunSeries[] = [];
  const claimed = new Set<string>();
  // Deepest run directories first, so nested runs claim their own logs.
  const dirs = [...runDirs.keys()].sort((a, b) => b.length - a.length);
  for (const dir of dirs) {
    const config = runDirs.get(dir)!;
    const name = lastSegment(dir, folderName);
    let metrics = files.filter(
      (f) => METRICS_FILE.test(f.path) && isUnder(f.path, dir) && !claimed.has(f.path),
    );
    // HF saves a trainer_state.json per checkpoint; the latest (longest history) supersedes the rest.
    const states = metrics.filter((f) => /(^|\/)trainer_state\.json$/i.test(f.path));
    if (states.length > 1) {
      const latest = states.reduce((a, b) => (b.text.length > a.text.length ? b : a));
      metrics = metrics.filter((f) => !states.includes(f) || f === latest);
    }
    for (const f of files) if (isUnder(f.path, dir) && METRICS_FILE.test(f.path)) claimed.add(f.path);
    if (metrics.length === 0) {
      report.warnings.push(
        `Run ${name}: config ${config.configPath} but no metrics log (CSV, JSONL or trainer_state.json) beside it.`,
      );
      continue;
    }
    report.notes.push(
      `Run ${name}: N = ${config.n.toLocaleString('en-US')} from ${config.configPath} (${config.framework})` +
        (config.tokensPerStep
          ? `, ${config.tokensPerStep.toLocaleString('en-US')} tokens/step.`
          : '; the config does not give tokens per step.'),
    );
    for (const metric of metrics) {
      const read = readRunsFromText(metric.text, metric.path, {
        ...options,
        params: config.n,
        tokensPerStep: options.tokensPerStep ?? config.tokensPerStep,
        runName: name,
      });
      // The config identifies the run; a name column in a per-run log would only repeat it.
      for (const run of read.runs) run.name = read.runs.length === 1 ? name : `${name}/${run.name}`;
      for (const error of read.report.errors)
        read.report.warnings.push(`Run ${name} (${metric.path}): ${error}`);
      read.report.errors = [];
      mergeReports(report, read.report);
      for (const run of read.runs) runs.push(run);
    }
  }

  // Data files outside any run directory are read on their own (they must carry N themselves).
  for (const file of files) {
    if (claimed.has(file.path) || !METRICS_FILE.test(file.path)) continue;
    const read = readRunsFromText(file.text, file.path, options);
    for (const error of read.report.errors) read.report.warnings.push(`${file.path}: ${error}`);
    read.report.errors = [];
    mergeReports(report, read.report);
    for (const run of read.runs) runs.push(run);
  }
  if (runs.length === 0) {
    report.errors.push(
      runDirs.size === 0
        ? `No runs found in ${folderName}: expected run folders with a config Scaling Lens recognizes plus a metrics log, or CSV/JSONL tables of runs.`
        : `No usable checkpoints in ${folderName}.`,
    );
  }
  return { runs, report };
}
