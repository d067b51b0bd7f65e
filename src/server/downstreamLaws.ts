/**
 * Saved downstream laws (`.vscode/scaling-lens/*.downstream.json`, written by `scaling-lens fit
 * --target accuracy:COL --save` or the editor's fit): the server reads them beside the loss laws,
 * reloads them with them, and resolves `scalingLens.downstream.law` (the file name without
 * `.downstream.json`; empty = none) to the law the lens, hover and curves panel use.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDownstreamLaw, type LoadedDownstreamLaw } from '../core/downstream/saved';
import type { DownstreamLawInfo, ScalingLensSettings } from '../protocol';
import { SAVED_LAW_DIR } from './savedLaws';

/** Saved downstream-law files. */
export const DOWNSTREAM_LAW_FILE = /\.downstream\.json$/i;
/** A bootstrap of 200 draws is ~40 KB; anything far bigger is not one of ours. */
const MAX_DOWNSTREAM_FILE_BYTES = 4 * 1024 * 1024;

/** The downstream law a document's views use: its id, file and parsed content. */
export interface SelectedDownstream {
  id: string;
  uri: string;
  loaded: LoadedDownstreamLaw;
}

/** The id a file is selected by: its name without `.downstream.json`. */
export function downstreamIdOf(fileName: string): string {
  return fileName.replace(DOWNSTREAM_LAW_FILE, '');
}

/** The saved downstream laws of the workspace folders, reloaded on demand. */
export class SavedDownstreamLaws {
  private laws = new Map<string, SelectedDownstream>();
  private fingerprint = '';

  constructor(
    private folders: string[],
    private readonly log: (message: string) => void,
  ) {}

  setFolders(folders: string[]): void {
    this.folders = folders;
    this.reload();
  }

  /** Re-read every `*.downstream.json`; true when what is loaded changed. */
  reload(): boolean {
    const next = new Map<string, SelectedDownstream>();
    const seen: string[] = [];
    for (const folder of this.folders) {
      const dir = join(folder, SAVED_LAW_DIR);
      let names: string[];
      try {
        names = readdirSync(dir)
          .filter((n) => DOWNSTREAM_LAW_FILE.test(n))
          .sort();
      } catch {
        continue; // No saved laws in this folder.
      }
      for (const name of names) {
        const path = join(dir, name);
        try {
          const stat = statSync(path);
          seen.push(`${path}|${stat.mtimeMs}|${stat.size}`);
          if (stat.size > MAX_DOWNSTREAM_FILE_BYTES) continue;
          const parsed = parseDownstreamLaw(readFileSync(path, 'utf8'));
          if (!parsed.ok) {
            this.log(`Ignoring ${path}: ${parsed.errors.join(' ')}`);
            continue;
          }
          const id = downstreamIdOf(name);
          // The first folder wins for a name two folders share.
          if (!next.has(id.toLowerCase()))
            next.set(id.toLowerCase(), { id, uri: pathToFileURL(path).toString(), loaded: parsed });
        } catch (error) {
          this.log(`Ignoring ${path}: ${(error as Error).message}`);
        }
      }
    }
    const fingerprint = seen.join('\n');
    const changed = fingerprint !== this.fingerprint;
    this.laws = next;
    this.fingerprint = fingerprint;
    return changed;
  }

  /** A law by id (case-insensitive), also accepting the file name. */
  get(id: string): SelectedDownstream | undefined {
    return this.laws.get(downstreamIdOf(id.trim()).toLowerCase());
  }

  /** The laws for the benchmark picker. */
  list(): DownstreamLawInfo[] {
    return [...this.laws.values()].map(({ id, uri, loaded }) => {
      const law = loaded.law;
      return {
        id,
        uri,
        name: law.name,
        target: law.target,
        accuracyLaw: law.accuracyLaw.form,
        dataSource: law.dataSource,
        ...(law.heldOut ? { heldOutMae: law.heldOut.mae, heldOutModel: law.heldOut.model } : {}),
        draws: law.bootstrap?.lossDraws.length ?? 0,
        detail:
          `fitted on ${law.dataSource}` +
          (law.heldOut
            ? ` · held-out MAE ${(100 * law.heldOut.mae).toFixed(2)} points (${law.heldOut.model})`
            : '') +
          (law.bootstrap?.lossDraws.length
            ? ` · interval from ${law.bootstrap.lossDraws.length} bootstrap draws`
            : ' · no interval (no bootstrap)'),
      };
    });
  }

  /** The law `scalingLens.downstream.law` names (none when empty), and a warning when it is not found. */
  resolve(settings: ScalingLensSettings): { selected?: SelectedDownstream; warnings: string[] } {
    const wanted = settings.downstream.law;
    if (!wanted) return { warnings: [] };
    // Written a moment ago (the fit command, the CLI): re-read once before giving up.
    const selected = this.get(wanted) ?? (this.reload() ? this.get(wanted) : undefined);
    if (selected) return { selected, warnings: [] };
    return {
      warnings: [
        `Unknown downstream law "${wanted}" (scalingLens.downstream.law): no ${SAVED_LAW_DIR}/${downstreamIdOf(wanted)}.downstream.json in the workspace; no accuracy is shown.`,
      ],
    };
  }
}
