/**
 * Saved (user-fitted) laws: `.vscode/scaling-lens/*.law.json` in each workspace folder. The server
 * reads them from disk, reloads on `workspace/didChangeWatchedFiles` (or an fs.watch fallback for
 * clients without file watching) and resolves `scalingLens.law` against them.
 */
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnalysisSettings } from '../core/analyze';
import { findPublishedLaw, DEFAULT_LAW_ID, type ScalingLaw } from '../core/laws/published';
import { toAnalysisSettings, type SavedLawInfo, type ScalingLensSettings } from '../protocol';

/** Folder of saved laws inside a workspace folder. */
export const SAVED_LAW_DIR = join('.vscode', 'scaling-lens');
const LAW_FILE = /\.law\.json$/i;
/** Saved laws are small JSON documents; anything bigger is not one of ours. */
const MAX_LAW_FILE_BYTES = 4 * 1024 * 1024;

/** Parses a saved-law file's text into a law (undefined when it is not a valid saved law). */
export type SavedLawParser = (text: string, filePath: string) => ScalingLaw | undefined;

/** The analysis settings for editor settings, with a saved law resolved, and any problem with the law id. */
export interface ResolvedSettings {
  analysisSettings: AnalysisSettings;
  law: ScalingLaw;
  warnings: string[];
}

/** The saved laws of the workspace folders, kept current. */
export class SavedLaws {
  private laws = new Map<string, { law: ScalingLaw; uri: string; aliases: string[] }>();
  private watchers: FSWatcher[] = [];

  constructor(
    private folders: string[],
    private readonly parse: SavedLawParser,
    private readonly log: (message: string) => void,
  ) {}

  /** Replace the workspace folders (file-system paths) and reload. */
  setFolders(folders: string[]): void {
    this.folders = folders;
    this.reload();
  }

  /** Re-read every saved law; returns true when the set of laws changed. */
  reload(): boolean {
    const before = this.fingerprint();
    const next = new Map<string, { law: ScalingLaw; uri: string; aliases: string[] }>();
    for (const folder of this.folders) {
      const dir = join(folder, SAVED_LAW_DIR);
      let names: string[] = [];
      try {
        names = readdirSync(dir)
          .filter((n) => LAW_FILE.test(n))
          .sort();
      } catch {
        continue; // No saved laws in this folder.
      }
      for (const name of names) {
        const path = join(dir, name);
        try {
          if (statSync(path).size > MAX_LAW_FILE_BYTES) continue;
          const law = this.parse(readFileSync(path, 'utf8'), path);
          if (!law) {
            this.log(`Ignoring ${path}: not a valid saved law.`);
            continue;
          }
          // Built-in ids win: a saved law cannot shadow a published one.
          if (!findPublishedLaw(law.id) && !next.has(law.id))
            next.set(law.id, { law, uri: pathToFileURL(path).toString(), aliases: aliasesOf(law.id, name) });
        } catch (error) {
          this.log(`Ignoring ${path}: ${(error as Error).message}`);
        }
      }
    }
    this.laws = next;
    return this.fingerprint() !== before;
  }

  /** Watch the law folders with fs.watch (for clients that cannot watch files for us). */
  watchWithFs(onChange: () => void): void {
    this.disposeWatchers();
    for (const folder of this.folders) {
      try {
        this.watchers.push(watch(join(folder, SAVED_LAW_DIR), () => onChange()));
      } catch {
        // The folder does not exist yet; the client-side watcher (if any) covers creation.
      }
    }
  }

  disposeWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  /** A saved law by id (`fitted:my-law`), bare name (`my-law`) or file name (`my-law.law.json`), case-insensitive. */
  get(id: string): ScalingLaw | undefined {
    const wanted = id.trim().toLowerCase();
    for (const entry of this.laws.values()) if (entry.aliases.includes(wanted)) return entry.law;
    return undefined;
  }

  /** The saved laws for the law picker. */
  list(): SavedLawInfo[] {
    return [...this.laws.values()].map(({ law, uri }) => ({
      id: law.id,
      label: law.label,
      uri,
      ...(law.fittedFrom ? { fittedFrom: law.fittedFrom } : {}),
    }));
  }

  /** Core analysis settings for editor settings: published law, saved law, or the default with a warning. */
  resolve(settings: ScalingLensSettings): ResolvedSettings {
    const analysisSettings = toAnalysisSettings(settings);
    const published = findPublishedLaw(settings.law);
    if (published)
      return { analysisSettings: { ...analysisSettings, lawId: published.id }, law: published, warnings: [] };
    // A law named in the settings but not loaded yet (written a moment ago, or a file event the
    // watcher missed): re-read the folders once before falling back.
    const saved = this.get(settings.law) ?? (this.reload() ? this.get(settings.law) : undefined);
    if (saved)
      return {
        analysisSettings: { ...analysisSettings, lawId: saved.id, law: saved },
        law: saved,
        warnings: [],
      };
    const fallback = findPublishedLaw(DEFAULT_LAW_ID)!;
    return {
      analysisSettings: { ...analysisSettings, lawId: fallback.id },
      law: fallback,
      warnings: [`Unknown law "${settings.law}" (scalingLens.law); using ${fallback.id}.`],
    };
  }

  private fingerprint(): string {
    return JSON.stringify([...this.laws.entries()].map(([id, e]) => [id, e.uri, e.law.law]));
  }
}

/** The names a saved law can be selected by. */
function aliasesOf(id: string, fileName: string): string[] {
  const lower = id.toLowerCase();
  const file = fileName.toLowerCase();
  return [...new Set([lower, lower.replace(/^fitted:/, ''), file, file.replace(/\.law\.json$/, '')])];
}
