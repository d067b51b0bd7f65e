/**
 * Reading runs from the local file system: one data file, or a folder of run directories walked with
 * bounds. Shared by the CLI (`scaling-lens fit`) and the editor's fit worker; the parsing itself is
 * the pure core (src/core/fit). Never throws for I/O problems: they become ingest errors/warnings.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import {
  MAX_RUNS_TEXT_CHARS,
  readRunsFromFiles,
  readRunsFromText,
  type ConfigReader,
  type FolderFile,
  type IngestOptions,
  type RunsRead,
} from '../core/fit';
import {
  emptyIngestReport,
  readRunColumnsFromSource,
  type ColumnsRead,
  type FileSource,
} from '../core/fit/ingest';
import { columnsFromRuns, emptyRunColumns, runsFromColumns } from '../core/fit/columns';

/** Limits for walking a folder of runs, so a wrong path (a home directory) cannot hang the caller. */
export const FOLDER_LIMITS = {
  /** Data and config files read at most. */
  maxFiles: 5000,
  /** Directory levels below the root. */
  maxDepth: 5,
  /** Largest config file read (configs are small; a big .json is a dataset). */
  maxConfigBytes: 8 * 1024 * 1024,
} as const;

const DATA_FILE = /\.(csv|tsv|jsonl|ndjson|json)$/i;
const CONFIG_FILE = /\.(py|ya?ml|toml|json|sh|gin)$/i;
/** Directories never worth walking (tool state, caches). */
const SKIPPED_DIRS = new Set(['node_modules', '__pycache__']);

/**
 * The data and config files under `root` (relative paths with forward slashes, sorted), at most
 * {@link FOLDER_LIMITS}.maxFiles of them and at most {@link MAX_RUNS_TEXT_CHARS} bytes in total.
 * Hidden entries are skipped. Problems are appended to `warnings`.
 */
export function listRunFolder(root: string, warnings: string[]): FolderFile[] {
  const files: FolderFile[] = [];
  let seen = 0;
  let totalBytes = 0;
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      warnings.push(`Cannot read ${dir}: ${(error as Error).message}`);
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < FOLDER_LIMITS.maxDepth) walk(path, depth + 1);
        continue;
      }
      if (!entry.isFile() || !(DATA_FILE.test(entry.name) || CONFIG_FILE.test(entry.name))) continue;
      if (++seen > FOLDER_LIMITS.maxFiles) {
        if (seen === FOLDER_LIMITS.maxFiles + 1)
          warnings.push(`More than ${FOLDER_LIMITS.maxFiles} files under ${root}; the rest were ignored.`);
        continue;
      }
      let size: number;
      let text: string;
      try {
        size = statSync(path).size;
        const limit = DATA_FILE.test(entry.name) ? MAX_RUNS_TEXT_CHARS : FOLDER_LIMITS.maxConfigBytes;
        if (size > limit || totalBytes + size > MAX_RUNS_TEXT_CHARS) {
          warnings.push(`Skipped ${relative(root, path)} (${(size / 1048576).toFixed(0)} MB: too large).`);
          continue;
        }
        text = readFileSync(path, 'utf8');
      } catch (error) {
        // A file deleted or made unreadable while walking: skip it, say so.
        warnings.push(`Cannot read ${relative(root, path)}: ${(error as Error).message}`);
        continue;
      }
      totalBytes += size;
      files.push({ path: relative(root, path).split(/[\\/]/).join('/'), text });
    }
  };
  walk(root, 0);
  return files;
}

/** Bytes read at a time from a data file (tables stream through in pieces of this size). */
const CHUNK_BYTES = 1 << 20;

/** A data file as pieces of text: UTF-8 decoded across chunk boundaries, the BOM kept (as readFileSync). */
function fileSource(path: string, size: number): FileSource {
  const chunks = function* (): Generator<string> {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
      for (;;) {
        const bytes = readSync(fd, buffer, 0, CHUNK_BYTES, null);
        if (bytes === 0) break;
        yield decoder.decode(buffer.subarray(0, bytes), { stream: true });
      }
      const rest = decoder.decode();
      if (rest) yield rest;
    } finally {
      closeSync(fd);
    }
  };
  const complete = size <= CHUNK_BYTES;
  let head = '';
  if (complete) head = readFileSync(path, 'utf8');
  else for (const chunk of chunks()) if ((head = chunk).length > 0) break;
  return { head, complete, chunks, text: () => readFileSync(path, 'utf8') };
}

/**
 * Read one path (a data file or a folder of runs) into runs as columns (src/core/fit/columns.ts): a
 * table is streamed from disk in 1 MB pieces straight into typed arrays, never held whole. Never
 * throws for I/O problems: a missing path, an unreadable or oversized file come back as
 * `report.errors`.
 */
export function readRunColumnsFromPath(
  path: string,
  options: IngestOptions = {},
  /** Needed for a folder of runs only (its configs are read); a table never loads the readers. */
  readConfig?: ConfigReader,
): ColumnsRead {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    const report = emptyIngestReport(path, 'unknown');
    report.errors.push(`No such file or folder: ${path}`);
    return { columns: emptyRunColumns(), report };
  }
  if (stats.isDirectory()) {
    const warnings: string[] = [];
    const root = resolve(path);
    if (!readConfig) return { columns: emptyRunColumns(), report: noReader(path) };
    const result = readRunsFromFiles(listRunFolder(root, warnings), basename(root), options, readConfig);
    result.report.source = path;
    result.report.warnings.unshift(...warnings);
    return { columns: columnsFromRuns(result.runs), report: result.report };
  }
  if (stats.size > MAX_RUNS_TEXT_CHARS) {
    const report = emptyIngestReport(path, 'unknown');
    report.errors.push(
      `File too large (${(stats.size / 1048576).toFixed(0)} MB; limit ${MAX_RUNS_TEXT_CHARS / 1048576} MB). Filter or subsample it first.`,
    );
    return { columns: emptyRunColumns(), report };
  }
  try {
    return readRunColumnsFromSource(fileSource(path, stats.size), path, options);
  } catch (error) {
    // Unreadable, or changed while being read (the reader itself never throws on content).
    const report = emptyIngestReport(path, 'unknown');
    report.errors.push(`Cannot read ${path}: ${(error as Error).message}`);
    return { columns: emptyRunColumns(), report };
  }
}

/**
 * Read one path (a data file or a folder of runs) into runs (objects; {@link readRunColumnsFromPath}
 * for large inputs). Never throws for I/O problems.
 */
export function readRunsFromPath(
  path: string,
  options: IngestOptions = {},
  /** Needed for a folder of runs only (its configs are read); a table never loads the readers. */
  readConfig?: ConfigReader,
): RunsRead {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  if (stats?.isDirectory()) {
    const warnings: string[] = [];
    const root = resolve(path);
    if (!readConfig) return { runs: [], report: noReader(path) };
    const result = readRunsFromFiles(listRunFolder(root, warnings), basename(root), options, readConfig);
    result.report.source = path;
    result.report.warnings.unshift(...warnings);
    return result;
  }
  const { columns, report } = readRunColumnsFromPath(path, options, readConfig);
  return { runs: runsFromColumns(columns), report };
}

/** A folder was given to a caller that did not pass the config reader (a programming error). */
function noReader(path: string) {
  const report = emptyIngestReport(path, 'folder');
  report.errors.push(
    `${path} is a folder of runs, and reading one needs the config readers (readRunConfig).`,
  );
  return report;
}

/** Is any of these paths a folder (its run configs then need the framework readers)? */
export function anyFolder(paths: readonly string[]): boolean {
  return paths.some((path) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  });
}
