/**
 * Reading runs from the local file system: one data file, or a folder of run directories walked with
 * bounds. Shared by the CLI (`scaling-lens fit`) and the editor's fit worker; the parsing itself is
 * the pure core (src/core/fit). Never throws for I/O problems: they become ingest errors/warnings.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import {
  MAX_RUNS_TEXT_CHARS,
  readRunsFromFiles,
  readRunsFromText,
  type FolderFile,
  type IngestOptions,
  type RunsRead,
} from '../core/fit';
import { emptyIngestReport } from '../core/fit/ingest';

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

/**
 * Read one path (a data file or a folder of runs) into runs. Never throws for I/O problems: a
 * missing path, an unreadable or oversized file come back as `report.errors`.
 */
export function readRunsFromPath(path: string, options: IngestOptions = {}): RunsRead {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    const report = emptyIngestReport(path, 'unknown');
    report.errors.push(`No such file or folder: ${path}`);
    return { runs: [], report };
  }
  if (stats.isDirectory()) {
    const warnings: string[] = [];
    const root = resolve(path);
    const result = readRunsFromFiles(listRunFolder(root, warnings), basename(root), options);
    result.report.source = path;
    result.report.warnings.unshift(...warnings);
    return result;
  }
  if (stats.size > MAX_RUNS_TEXT_CHARS) {
    const report = emptyIngestReport(path, 'unknown');
    report.errors.push(
      `File too large (${(stats.size / 1048576).toFixed(0)} MB; limit ${MAX_RUNS_TEXT_CHARS / 1048576} MB). Filter or subsample it first.`,
    );
    return { runs: [], report };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const report = emptyIngestReport(path, 'unknown');
    report.errors.push(`Cannot read ${path}: ${(error as Error).message}`);
    return { runs: [], report };
  }
  return readRunsFromText(text, path, options);
}
